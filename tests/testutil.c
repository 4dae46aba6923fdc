/* testutil.c: helpers shared by the unit tests. */
#include "testutil.h"

#include "formats/parquet/parquet_int.h"
#include "fs/fs_int.h"
#include "fs/s3_moto.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static dc_array *finish(dc_builder *b)
{
    dc_array *a = NULL;
    dc_error e;
    if (dc_builder_finish(b, &a, &e) != DC_OK)
        fail_msg("builder finish failed: %s", e.message);
    dc_builder_free(b);
    return a;
}

static dc_builder *builder_of(dc_type_id id)
{
    dc_type *t = dc_type_new(id);
    dc_builder *b = NULL;
    if (!t || dc_builder_new(&b, t, NULL) != DC_OK)
        fail_msg("cannot make a builder");
    dc_type_unref(t);
    return b;
}

static bool is_valid(const char *valid, int64_t i)
{
    return !valid || valid[i] != '0';
}

dc_array *tu_int64(const int64_t *v, int64_t n, const char *valid)
{
    dc_builder *b = builder_of(DC_TYPE_INT64);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(
            is_valid(valid, i) ? dc_builder_append_int(b, v[i]) : dc_builder_append_null(b), DC_OK);
    return finish(b);
}

dc_array *tu_int32(const int32_t *v, int64_t n, const char *valid)
{
    dc_builder *b = builder_of(DC_TYPE_INT32);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(
            is_valid(valid, i) ? dc_builder_append_int(b, v[i]) : dc_builder_append_null(b), DC_OK);
    return finish(b);
}

dc_array *tu_double(const double *v, int64_t n, const char *valid)
{
    dc_builder *b = builder_of(DC_TYPE_FLOAT64);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(is_valid(valid, i) ? dc_builder_append_double(b, v[i])
                                            : dc_builder_append_null(b),
                         DC_OK);
    return finish(b);
}

dc_array *tu_bool(const bool *v, int64_t n, const char *valid)
{
    dc_builder *b = builder_of(DC_TYPE_BOOL);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(is_valid(valid, i) ? dc_builder_append_bool(b, v[i])
                                            : dc_builder_append_null(b),
                         DC_OK);
    return finish(b);
}

dc_array *tu_utf8(const char *const *v, int64_t n)
{
    dc_builder *b = builder_of(DC_TYPE_UTF8);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(v[i] ? dc_builder_append_bytes(b, v[i], (int64_t)strlen(v[i]))
                              : dc_builder_append_null(b),
                         DC_OK);
    return finish(b);
}

dc_array *tu_of_type(const dc_type *t, const char *const *texts, int64_t n)
{
    dc_array *s = tu_utf8(texts, n), *out = NULL;
    dc_error e;
    if (dc_cast(&out, s, t, true, &e) != DC_OK)
        fail_msg("cast from text failed: %s", e.message);
    dc_array_unref(s);
    return out;
}

const char *tu_str(const dc_array *a, int64_t i)
{
    static char buf[4096];
    if (dc_array_is_null(a, i))
        return "null";
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_format_value(&s, a, i, DC_STYLE_TEXT);
    snprintf(buf, sizeof buf, "%s", dc_strbuf_cstr(&s));
    dc_strbuf_free(&s);
    return buf;
}

char *tu_render(const dc_array *a)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_strbuf_putc(&s, '[');
    for (int64_t i = 0; i < a->length; i++) {
        if (i)
            dc_strbuf_puts(&s, ", ");
        if (dc_array_is_null(a, i))
            dc_strbuf_puts(&s, "null");
        else
            dc_format_value(&s, a, i, DC_STYLE_TEXT);
    }
    dc_strbuf_putc(&s, ']');
    return dc_strbuf_detach(&s);
}

char *tu_tmpdir(void)
{
    char tmpl[] = "/tmp/dc-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    if (!d)
        fail_msg("mkdtemp failed");
    return dc_strdup(d);
}

void tu_rmdir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            tu_rmdir(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(path);
}

/* ---- the moto server of this process (backend 2) ---- */

static mt_server g_moto;
static pid_t g_moto_owner; /* the process that started it (a forked child must not stop it) */

static void stop_moto(void)
{
    if (getpid() == g_moto_owner)
        mt_stop(&g_moto);
}

const char *tu_moto_endpoint(void)
{
    if (g_moto.pid > 0)
        return g_moto.endpoint;
    char why[1200];
    if (!mt_start(&g_moto, why, sizeof why))
        fail_msg("the S3 variant needs moto: %s", why);
    g_moto_owner = getpid();
    atexit(stop_moto);
    /* dc_fs_open("s3://...") and child processes find it through the environment */
    setenv("AWS_ENDPOINT_URL", g_moto.endpoint, 1);
    setenv("AWS_ACCESS_KEY_ID", g_moto.key_id, 1);
    setenv("AWS_SECRET_ACCESS_KEY", g_moto.secret, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_ENDPOINT_URL_S3");
    unsetenv("AWS_DEFAULT_REGION");
    return g_moto.endpoint;
}

void tu_backend_init(tu_backend *v, int backend, const char *prefix)
{
    static int counter;
    memset(v, 0, sizeof *v);
    v->backend = backend;
    snprintf(v->name, sizeof v->name, "%s-%d-%d", prefix, (int)getpid(), ++counter);
    if (backend == TU_LOCAL)
        v->dir = tu_tmpdir();
    if (backend == TU_S3) {
        for (char *p = v->name; *p; p++) /* a bucket name: lower case, digits, '-' */
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
                *p = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : '-';
        tu_moto_endpoint();
        if (!mt_create_bucket(&g_moto, v->name))
            fail_msg("moto: cannot create bucket %s (see %s)", v->name, g_moto.log);
    }
}

const char *tu_backend_url(tu_backend *v, char *buf, size_t cap)
{
    if (v->backend == TU_MEMORY)
        snprintf(buf, cap, "mem://%s", v->name);
    else if (v->backend == TU_LOCAL)
        snprintf(buf, cap, "%s", v->dir);
    else
        snprintf(buf, cap, "s3://%s/catalog", v->name);
    return buf;
}

struct dc_fs *tu_backend_fs(tu_backend *v)
{
    dc_fs *fs = NULL;
    dc_error e;
    dc_status rc;
    if (v->backend == TU_MEMORY) {
        rc = dc_fs_memory_open(&fs, v->name, NULL, &e);
    } else if (v->backend == TU_LOCAL) {
        dc_fs_local_options o = {.no_fsync = true};
        rc = dc_fs_local_open(&fs, v->dir, &o, &e);
    } else {
        char url[128];
        dc_fs_s3_options o = {.endpoint = tu_moto_endpoint(),
                              .region = "us-east-1",
                              .access_key_id = g_moto.key_id,
                              .secret_access_key = g_moto.secret,
                              .part_size = 64 * 1024, /* moto accepts parts this small */
                              .retry_base_ms = 5,
                              .retry_max_ms = 200};
        rc = dc_fs_s3_open(&fs, tu_backend_url(v, url, sizeof url), &o, &e);
    }
    if (rc != DC_OK)
        fail_msg("fs: %s", e.message);
    return fs;
}

void tu_backend_done(tu_backend *v)
{
    if (v->backend == TU_MEMORY) {
        dc_fs_memory_drop(v->name, NULL);
    } else if (v->backend == TU_LOCAL) {
        tu_rmdir(v->dir);
        dc_free(v->dir);
        v->dir = NULL;
    } /* S3: the bucket stays in moto, whose state dies with it at exit */
}

char *tu_schema_text(const dc_schema *s)
{
    dc_strbuf b;
    dc_strbuf_init(&b);
    for (int32_t i = 0; i < s->n_fields; i++) {
        char *t = dc_type_to_string(s->fields[i].type);
        dc_strbuf_printf(&b, "%s%s: %s", i ? ", " : "", s->fields[i].name, t);
        dc_free(t);
    }
    return dc_strbuf_detach(&b);
}

uint8_t *tu_parquet_bytes(const dc_batch *b, const dc_parquet_write_options *o, int64_t *len)
{
    dc_output *out;
    dc_batch_writer *w;
    DC_ASSERT_OK(dc_output_open_memory(&out, NULL));
    DC_ASSERT_OK(dc_parquet_writer_open(&w, out, b->schema, o, NULL));
    DC_ASSERT_OK(dc_batch_writer_write(w, b, NULL));
    DC_ASSERT_OK(dc_batch_writer_finish(w, NULL));
    DC_ASSERT_OK(dc_output_finish(out, NULL));
    const uint8_t *d = dc_output_memory_data(out, len);
    uint8_t *copy = dc_malloc((size_t)*len);
    assert_non_null(copy);
    memcpy(copy, d, (size_t)*len);
    dc_batch_writer_free(w);
    dc_output_close(out);
    return copy;
}

int64_t tu_put_parquet(struct dc_fs *fs, const char *path, dc_reader *r)
{
    dc_output *o;
    dc_batch_writer *w;
    dc_parquet_write_options po;
    dc_parquet_write_options_init(&po);
    DC_ASSERT_OK(dc_fs_open_output(fs, path, 0, &o, NULL));
    DC_ASSERT_OK(dc_parquet_writer_open(&w, o, dc_reader_schema(r), &po, NULL));
    for (;;) {
        dc_batch *b;
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        if (!b)
            break;
        DC_ASSERT_OK(dc_batch_writer_write(w, b, NULL));
        dc_batch_unref(b);
    }
    DC_ASSERT_OK(dc_batch_writer_finish(w, NULL));
    DC_ASSERT_OK(dc_output_finish(o, NULL));
    int64_t size = o->written;
    dc_batch_writer_free(w);
    dc_output_close(o);
    dc_reader_free(r);
    return size;
}
