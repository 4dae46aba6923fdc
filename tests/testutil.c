/* testutil.c: helpers shared by the unit tests. */
#include "testutil.h"

#include "formats/parquet/parquet_int.h"
#include "fs/fs_int.h"

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

void tu_backend_init(tu_backend *v, int backend, const char *prefix)
{
    static int counter;
    memset(v, 0, sizeof *v);
    v->backend = backend;
    snprintf(v->name, sizeof v->name, "%s-%d-%d", prefix, (int)getpid(), ++counter);
    if (backend == 1)
        v->dir = tu_tmpdir();
}

struct dc_fs *tu_backend_fs(tu_backend *v)
{
    dc_fs *fs = NULL;
    dc_error e;
    dc_status rc;
    if (v->backend == 0) {
        rc = dc_fs_memory_open(&fs, v->name, NULL, &e);
    } else {
        dc_fs_local_options o = {.no_fsync = true};
        rc = dc_fs_local_open(&fs, v->dir, &o, &e);
    }
    if (rc != DC_OK)
        fail_msg("fs: %s", e.message);
    return fs;
}

void tu_backend_done(tu_backend *v)
{
    if (v->backend == 0)
        dc_fs_memory_drop(v->name, NULL);
    else {
        tu_rmdir(v->dir);
        dc_free(v->dir);
    }
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
