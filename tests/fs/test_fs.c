/*
 * test_fs.c: the dc_fs interface. One conformance suite runs against the local
 * and the memory backend ("local/..." and "memory/..." tests); then what is
 * specific to each: the multi-process put_if_absent race, temporaries and fsync
 * on the local backend; named shared stores on the memory backend; faults and
 * opening by URL. When a moto S3 server is installed (tests/fs/s3_moto.h), the
 * conformance suite also runs on the S3 backend ("s3/..." tests, each in a fresh
 * prefix of one bucket); without it those rows are skipped here, and test_s3 fails.
 */
#include "testutil.h"

#include "fs/fs_int.h"
#include "s3_moto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { LOCAL = 0, MEMORY = 1, S3 = 2 };

static mt_server g_moto; /* S3 rows: a moto server, when installed */
static int g_s3_prefix;

typedef struct fx {
    int kind;
    char *dir; /* local root */
    dc_fs *fs;
} fx;

static int setup_kind(void **state, int kind)
{
    fx *f = dc_calloc(1, sizeof *f);
    f->kind = kind;
    dc_error e;
    if (kind == LOCAL) {
        f->dir = tu_tmpdir();
        if (dc_fs_local_open(&f->fs, f->dir, NULL, &e) != DC_OK)
            fail_msg("open local: %s", e.message);
    } else if (kind == MEMORY) {
        if (dc_fs_memory_open(&f->fs, NULL, NULL, &e) != DC_OK)
            fail_msg("open memory: %s", e.message);
    } else {
        char url[64];
        snprintf(url, sizeof url, "s3://conformance/t%04d", g_s3_prefix++);
        dc_fs_s3_options o = {.endpoint = g_moto.endpoint,
                              .region = "us-east-1",
                              .access_key_id = g_moto.key_id,
                              .secret_access_key = g_moto.secret,
                              .retry_base_ms = 5,
                              .max_retries = 10}; /* moto 500s a GET racing a replace */
        if (dc_fs_s3_open(&f->fs, url, &o, &e) != DC_OK)
            fail_msg("open %s: %s", url, e.message);
    }
    *state = f;
    return 0;
}
static int setup_s3(void **state)
{
    return setup_kind(state, S3);
}
static int setup_local(void **state)
{
    return setup_kind(state, LOCAL);
}
static int setup_memory(void **state)
{
    return setup_kind(state, MEMORY);
}

static int teardown(void **state)
{
    fx *f = *state;
    dc_fs_unref(f->fs);
    if (f->dir) {
        tu_rmdir(f->dir);
        dc_free(f->dir);
    }
    dc_free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static void put_str(dc_fs *fs, const char *path, const char *s)
{
    dc_error e;
    if (dc_fs_put(fs, path, s, (int64_t)strlen(s), &e) != DC_OK)
        fail_msg("put %s: %s", path, e.message);
}

/* The object's bytes as a string (static buffer), or "<ENOTFOUND>" & co. */
static const char *get_str(dc_fs *fs, const char *path)
{
    static char out[4096];
    dc_bytes b;
    dc_bytes_init(&b);
    dc_status rc = dc_fs_get(fs, path, &b, NULL);
    if (rc != DC_OK)
        snprintf(out, sizeof out, "<%s>", dc_status_name(rc));
    else
        snprintf(out, sizeof out, "%.*s", (int)b.size, b.size ? (const char *)b.data : "");
    dc_bytes_free(&b);
    return out;
}

/* The listing as "k1,k2/,k3" (static buffer). */
static const char *list_str(dc_fs *fs, const char *prefix, bool recursive)
{
    static char out[4096];
    dc_fs_listing l;
    dc_error e;
    dc_status rc = dc_fs_list_all(fs, prefix, recursive, &l, &e);
    if (rc != DC_OK)
        fail_msg("list %s: %s", prefix, e.message);
    size_t o = 0;
    out[0] = '\0';
    for (int64_t i = 0; i < l.n; i++) {
        assert_int_equal(l.entries[i].is_dir, dc_str_has_suffix(l.entries[i].key, "/"));
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "," : "", l.entries[i].key);
    }
    dc_fs_listing_free(&l);
    return out;
}

static int count_tmp_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strncmp(de->d_name, DC_FS_TMP_PREFIX, strlen(DC_FS_TMP_PREFIX)) == 0)
            n++;
    closedir(d);
    return n;
}

/* ---- conformance: put, get, stat ------------------------------------------------------ */

static void put_if_absent_creates_once_and_refuses_after(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_error e;
    assert_int_equal(dc_fs_put_if_absent(fs, "log/00000001.json", "first", 5, &e), DC_OK);
    assert_int_equal(dc_fs_put_if_absent(fs, "log/00000001.json", "second!", 7, &e), DC_EEXISTS);
    assert_non_null(strstr(e.message, "log/00000001.json"));
    assert_string_equal(get_str(fs, "log/00000001.json"), "first");
    /* deep keys create what they need */
    assert_int_equal(dc_fs_put_if_absent(fs, "a/b/c/d/e", "deep", 4, &e), DC_OK);
    assert_string_equal(get_str(fs, "a/b/c/d/e"), "deep");
}

static void put_replaces_whole_object(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    put_str(fs, "t/x", "a long first version of the object");
    put_str(fs, "t/x", "short");
    assert_string_equal(get_str(fs, "t/x"), "short");
    dc_fs_info st;
    assert_int_equal(dc_fs_stat(fs, "t/x", &st, NULL), DC_OK);
    assert_int_equal(st.size, 5);
    put_str(fs, "t/x", "");
    assert_string_equal(get_str(fs, "t/x"), "");
    assert_int_equal(dc_fs_stat(fs, "t/x", &st, NULL), DC_OK);
    assert_int_equal(st.size, 0);
}

static void missing_keys_are_not_found_everywhere(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_error e;
    dc_bytes b;
    dc_bytes_init(&b);
    dc_fs_info st;
    dc_input *in = NULL;
    put_str(fs, "dir/present", "x");
    const char *missing[] = {"nope", "dir/nope", "nope/deeper", "dir/present/below", "dir"};
    for (size_t i = 0; i < DC_ARRAY_LEN(missing); i++) {
        assert_int_equal(dc_fs_get(fs, missing[i], &b, &e), DC_ENOTFOUND);
        assert_non_null(strstr(e.message, missing[i]));
        assert_int_equal(dc_fs_get_range(fs, missing[i], 0, 1, &b, &e), DC_ENOTFOUND);
        assert_int_equal(dc_fs_stat(fs, missing[i], &st, &e), DC_ENOTFOUND);
        assert_int_equal(dc_fs_remove(fs, missing[i], &e), DC_ENOTFOUND);
        assert_int_equal(dc_fs_open_input(fs, missing[i], &in, &e), DC_ENOTFOUND);
        assert_null(in);
        bool ex = true;
        assert_int_equal(dc_fs_exists(fs, missing[i], &ex, &e), DC_OK);
        assert_false(ex);
    }
    bool ex = false;
    assert_int_equal(dc_fs_exists(fs, "dir/present", &ex, &e), DC_OK);
    assert_true(ex);
    dc_bytes_free(&b);
}

static void get_range_reads_inside_at_end_and_beyond(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_error e;
    dc_bytes b;
    dc_bytes_init(&b);
    put_str(fs, "r", "0123456789");
    assert_int_equal(dc_fs_get_range(fs, "r", 2, 3, &b, &e), DC_OK);
    assert_int_equal(b.size, 3);
    assert_memory_equal(b.data, "234", 3);
    assert_int_equal(dc_fs_get_range(fs, "r", 7, 100, &b, &e), DC_OK); /* short at the end */
    assert_int_equal(b.size, 3);
    assert_memory_equal(b.data, "789", 3);
    assert_int_equal(dc_fs_get_range(fs, "r", 10, 5, &b, &e), DC_OK); /* at the end */
    assert_int_equal(b.size, 0);
    assert_int_equal(dc_fs_get_range(fs, "r", 1000, 5, &b, &e), DC_OK); /* beyond */
    assert_int_equal(b.size, 0);
    assert_int_equal(dc_fs_get_range(fs, "r", 0, 0, &b, &e), DC_OK);
    assert_int_equal(b.size, 0);
    assert_int_equal(dc_fs_get_range(fs, "r", -1, 5, &b, &e), DC_EINVALID);
    assert_int_equal(dc_fs_get_range(fs, "r", 0, -5, &b, &e), DC_EINVALID);
    assert_int_equal(dc_fs_get(fs, "r", &b, &e), DC_OK); /* resets, not appends */
    assert_int_equal(b.size, 10);
    dc_bytes_free(&b);
}

static void stat_reports_size_and_mtime(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    int64_t before = dc_clock_now_ns() - 2000000000LL; /* coarse filesystem clocks */
    put_str(fs, "s/obj", "12345");
    dc_fs_info st;
    assert_int_equal(dc_fs_stat(fs, "s/obj", &st, NULL), DC_OK);
    assert_int_equal(st.size, 5);
    assert_true(st.mtime_ns >= before);
    assert_true(st.mtime_ns <= dc_clock_now_ns() + 2000000000LL);
    /* a directory is not an object */
    assert_int_equal(dc_fs_stat(fs, "s", &st, NULL), DC_ENOTFOUND);
}

static void large_object_roundtrips(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    int64_t n = 3 * 1024 * 1024 + 17;
    uint8_t *data = dc_malloc((size_t)n);
    for (int64_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    DC_ASSERT_OK(dc_fs_put_if_absent(fs, "big/blob", data, n, NULL));
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_fs_get(fs, "big/blob", &b, NULL));
    assert_int_equal(b.size, n);
    assert_memory_equal(b.data, data, (size_t)n);
    DC_ASSERT_OK(dc_fs_get_range(fs, "big/blob", n - 5, 10, &b, NULL));
    assert_int_equal(b.size, 5);
    assert_memory_equal(b.data, data + n - 5, 5);
    dc_bytes_free(&b);
    dc_free(data);
}

/* ---- conformance: listing -------------------------------------------------------------- */

static void seed_tree(dc_fs *fs)
{
    /* inserted out of order; '-' (0x2d) and '.' (0x2e) sort before '/' (0x2f) */
    const char *keys[] = {"b", "a/b/c", "a0", "a/b-x", "a/b.y", "a/x", "a/b/d/e", "a/bc", "c/z"};
    for (size_t i = 0; i < DC_ARRAY_LEN(keys); i++)
        put_str(fs, keys[i], keys[i]);
}

static void list_recursive_is_sorted_by_key(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    seed_tree(fs);
    assert_string_equal(list_str(fs, "", true), "a/b-x,a/b.y,a/b/c,a/b/d/e,a/bc,a/x,a0,b,c/z");
    assert_string_equal(list_str(fs, "a/", true), "a/b-x,a/b.y,a/b/c,a/b/d/e,a/bc,a/x");
    assert_string_equal(list_str(fs, "a/b/", true), "a/b/c,a/b/d/e");
    /* entries carry sizes and times */
    dc_fs_listing l;
    DC_ASSERT_OK(dc_fs_list_all(fs, "a/b/", true, &l, NULL));
    assert_int_equal(l.n, 2);
    assert_int_equal(l.entries[0].size, 5);
    assert_int_equal(l.entries[1].size, 7);
    assert_true(l.entries[0].mtime_ns > 0);
    assert_false(l.entries[0].is_dir);
    dc_fs_listing_free(&l);
}

static void list_one_level_reports_directories(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    seed_tree(fs);
    assert_string_equal(list_str(fs, "", false), "a/,a0,b,c/");
    assert_string_equal(list_str(fs, "a/", false), "a/b-x,a/b.y,a/b/,a/bc,a/x");
    assert_string_equal(list_str(fs, "a/b/", false), "a/b/c,a/b/d/");
    dc_fs_listing l;
    DC_ASSERT_OK(dc_fs_list_all(fs, "a/", false, &l, NULL));
    assert_true(l.entries[2].is_dir);
    assert_int_equal(l.entries[2].size, -1);
    dc_fs_listing_free(&l);
}

static void list_prefix_is_a_string_prefix(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    seed_tree(fs);
    assert_string_equal(list_str(fs, "a/b", true), "a/b-x,a/b.y,a/b/c,a/b/d/e,a/bc");
    assert_string_equal(list_str(fs, "a/b", false), "a/b-x,a/b.y,a/b/,a/bc");
    assert_string_equal(list_str(fs, "a", false), "a/,a0");
    assert_string_equal(list_str(fs, "a/b/d/e", true), "a/b/d/e");
    assert_string_equal(list_str(fs, "zzz", true), "");
    assert_string_equal(list_str(fs, "nope/", false), "");
    assert_string_equal(list_str(fs, "b/", true), ""); /* below an object: nothing */
}

static dc_status stop_after_two(const dc_fs_entry *e, void *user)
{
    int *n = user;
    return ++*n == 2 ? DC_ECANCELED : DC_OK;
}

static void list_callback_can_stop_early(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    seed_tree(fs);
    int n = 0;
    assert_int_equal(dc_fs_list(fs, "", true, stop_after_two, &n, NULL), DC_ECANCELED);
    assert_int_equal(n, 2);
}

static void list_of_empty_store_is_empty(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    assert_string_equal(list_str(fs, "", true), "");
    assert_string_equal(list_str(fs, "", false), "");
}

/* ---- conformance: remove, rename ------------------------------------------------------- */

static void remove_deletes_and_prunes_directories(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    put_str(fs, "d/e/f", "1");
    put_str(fs, "d/g", "2");
    DC_ASSERT_OK(dc_fs_remove(fs, "d/e/f", NULL));
    assert_string_equal(get_str(fs, "d/e/f"), "<ENOTFOUND>");
    assert_string_equal(list_str(fs, "d/", false), "d/g"); /* no empty "d/e/" left */
    assert_int_equal(dc_fs_remove(fs, "d/e/f", NULL), DC_ENOTFOUND);
    DC_ASSERT_OK(dc_fs_remove(fs, "d/g", NULL));
    assert_string_equal(list_str(fs, "", false), "");
    /* and the key can be written again */
    put_str(fs, "d/e/f", "3");
    assert_string_equal(get_str(fs, "d/e/f"), "3");
}

static void remove_many_skips_absent_keys(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    put_str(fs, "m/1", "1");
    put_str(fs, "m/2", "2");
    put_str(fs, "m/3", "3");
    const char *keys[] = {"m/1", "m/absent", "m/3"};
    int64_t removed = -1;
    DC_ASSERT_OK(dc_fs_remove_many(fs, keys, 3, &removed, NULL));
    assert_int_equal(removed, 2);
    assert_string_equal(list_str(fs, "", true), "m/2");
    /* one bad key: nothing removed at all */
    const char *bad[] = {"m/2", "../m/2"};
    dc_error e;
    assert_int_equal(dc_fs_remove_many(fs, bad, 2, &removed, &e), DC_EINVALID);
    assert_int_equal(removed, 0);
    assert_string_equal(list_str(fs, "", true), "m/2");
    DC_ASSERT_OK(dc_fs_remove_many(fs, NULL, 0, &removed, NULL));
}

static void rename_moves_and_replaces(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_error e;
    assert_true(fs->caps & DC_FS_CAP_RENAME);
    put_str(fs, "from/x", "payload");
    DC_ASSERT_OK(dc_fs_rename(fs, "from/x", "to/deep/y", &e));
    assert_string_equal(get_str(fs, "from/x"), "<ENOTFOUND>");
    assert_string_equal(get_str(fs, "to/deep/y"), "payload");
    put_str(fs, "other", "new");
    DC_ASSERT_OK(dc_fs_rename(fs, "other", "to/deep/y", &e)); /* replaces */
    assert_string_equal(get_str(fs, "to/deep/y"), "new");
    assert_string_equal(list_str(fs, "", true), "to/deep/y");
    assert_int_equal(dc_fs_rename(fs, "absent", "z", &e), DC_ENOTFOUND);
    assert_int_equal(dc_fs_rename(fs, "to/deep/y", "to", &e), DC_EINVALID); /* a directory */
    DC_ASSERT_OK(dc_fs_rename(fs, "to/deep/y", "to/deep/y", &e));
    assert_string_equal(get_str(fs, "to/deep/y"), "new");
}

static void key_cannot_also_be_a_directory(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_error e;
    put_str(fs, "obj", "x");
    assert_int_equal(dc_fs_put(fs, "obj/child", "y", 1, &e), DC_EINVALID);
    assert_int_equal(dc_fs_put_if_absent(fs, "obj/child/deeper", "y", 1, &e), DC_EINVALID);
    put_str(fs, "dir/child", "y");
    /* not DC_EEXISTS: nothing named "dir" exists as an object */
    assert_int_equal(dc_fs_put_if_absent(fs, "dir", "z", 1, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "prefix"));
    assert_int_equal(dc_fs_put(fs, "dir", "z", 1, &e), DC_EINVALID);
    dc_output *o = NULL;
    DC_ASSERT_OK(dc_fs_open_output(fs, "dir/child2", 0, &o, NULL));
    dc_output_close(o);
    assert_string_equal(list_str(fs, "", true), "dir/child,obj");
}

/* ---- conformance: path validation ------------------------------------------------------ */

static void hostile_paths_are_rejected_before_any_io(void **state)
{
    fx *f = *state;
    dc_fs *fs = f->fs;
    char longkey[DC_FS_PATH_MAX + 2], longseg[DC_FS_SEGMENT_MAX + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    for (int i = 1; i < (int)sizeof longkey - 1; i += 100)
        longkey[i] = '/';
    memset(longseg, 's', sizeof longseg - 1);
    longseg[sizeof longseg - 1] = '\0';
    struct {
        const char *path, *rule;
    } bad[] = {
        {"", "it is empty"},
        {"../x", "'.' and '..' segments"},
        {"a/../../b", "'.' and '..' segments"},
        {"..", "'.' and '..' segments"},
        {".", "'.' and '..' segments"},
        {"a/./b", "'.' and '..' segments"},
        {"/etc/passwd", "absolute paths"},
        {"a\\b", "contains a backslash"},
        {"..\\..\\x", "contains a backslash"},
        {"a//b", "empty segment ('//')"},
        {"a/", "ends with '/'"},
        {"a\nb", "contains a control character"},
        {"a\x01", "contains a control character"},
        {"tab\there", "contains a control character"},
        {"a\x7f", "contains a control character"},
        {"\xff\xfe", "not valid UTF-8"},
        {longkey, "bytes long, more than the limit of 1024"},
        {longseg, "segment is 256 bytes long"},
        {DC_FS_TMP_PREFIX "1-2-3", "reserved for temporaries"},
        {"a/" DC_FS_TMP_PREFIX "x", "reserved for temporaries"},
    };
    dc_fs_stats before, after;
    dc_fs_stats_get(fs, &before);
    dc_bytes b;
    dc_bytes_init(&b);
    for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++) {
        const char *p = bad[i].path;
        dc_error e;
        dc_fs_info st;
        dc_input *in = NULL;
        dc_output *o = NULL;
        assert_int_equal(dc_fs_put_if_absent(fs, p, "x", 1, &e), DC_EINVALID);
        if (!strstr(e.message, bad[i].rule))
            fail_msg("path %zu: message \"%s\" lacks \"%s\"", i, e.message, bad[i].rule);
        assert_true(strstr(e.message, "invalid path") != NULL);
        assert_int_equal(dc_fs_put(fs, p, "x", 1, &e), DC_EINVALID);
        assert_int_equal(dc_fs_get(fs, p, &b, &e), DC_EINVALID);
        assert_int_equal(dc_fs_get_range(fs, p, 0, 1, &b, &e), DC_EINVALID);
        assert_int_equal(dc_fs_stat(fs, p, &st, &e), DC_EINVALID);
        assert_int_equal(dc_fs_remove(fs, p, &e), DC_EINVALID);
        assert_int_equal(dc_fs_rename(fs, p, "ok", &e), DC_EINVALID);
        assert_int_equal(dc_fs_rename(fs, "ok", p, &e), DC_EINVALID);
        assert_int_equal(dc_fs_open_input(fs, p, &in, &e), DC_EINVALID);
        assert_int_equal(dc_fs_open_output(fs, p, 0, &o, &e), DC_EINVALID);
        assert_null(in);
        assert_null(o);
    }
    assert_int_equal(dc_fs_put(fs, NULL, "x", 1, NULL), DC_EINVALID);
    dc_fs_stats_get(fs, &after);
    for (int k = 0; k < DC_FS_OP_COUNT; k++)
        assert_int_equal(after.ops[k], before.ops[k]); /* nothing reached the backend */
    /* nothing was written anywhere, inside the root or beside it */
    assert_string_equal(list_str(fs, "", true), "");
    if (f->kind == LOCAL) {
        char p[600];
        snprintf(p, sizeof p, "%s/../x", f->dir);
        assert_int_not_equal(access(p, F_OK), 0);
    }
    /* bad prefixes; good ones, including partial names */
    const char *bad_prefix[] = {"../", "/x", "a//", "a/../b/", "a\\", "a/./"};
    for (size_t i = 0; i < DC_ARRAY_LEN(bad_prefix); i++) {
        dc_fs_listing l;
        assert_int_equal(dc_fs_list_all(fs, bad_prefix[i], true, &l, NULL), DC_EINVALID);
        dc_fs_listing_free(&l);
    }
    const char *good_prefix[] = {"", "a/", "a/b", "a/b/..c", ".", ".."};
    for (size_t i = 0; i < DC_ARRAY_LEN(good_prefix); i++)
        assert_string_equal(list_str(fs, good_prefix[i], false), "");
    /* valid unusual names work */
    put_str(fs, "..x/.hidden/sp ace/ünï.json", "ok");
    assert_string_equal(get_str(fs, "..x/.hidden/sp ace/ünï.json"), "ok");
    dc_bytes_free(&b);
}

static void path_check_names_the_path_and_escapes_it(void **state)
{
    dc_error e;
    assert_int_equal(dc_fs_path_check("x/\x1b[31m/y", &e), DC_EINVALID);
    assert_null(strchr(e.message, '\x1b')); /* control bytes escaped in the message */
    assert_non_null(strstr(e.message, "\\x1b"));
    assert_int_equal(dc_fs_path_check("a/../../b", &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "a/../../b"));
    assert_int_equal(dc_fs_path_check("ok/key.json", &e), DC_OK);
}

/* ---- conformance: inputs and outputs ---------------------------------------------------- */

static void output_is_invisible_until_finished(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_error e;
    dc_output *o = NULL;
    DC_ASSERT_OK(dc_fs_open_output(fs, "out/data.bin", 0, &o, &e));
    uint8_t chunk[4096];
    int64_t total = 0;
    for (int i = 0; i < 200; i++) { /* 800 KiB: several flushes */
        memset(chunk, 'a' + i % 26, sizeof chunk);
        DC_ASSERT_OK(dc_output_write(o, chunk, sizeof chunk, &e));
        total += (int64_t)sizeof chunk;
    }
    assert_string_equal(get_str(fs, "out/data.bin"), "<ENOTFOUND>");
    assert_string_equal(list_str(fs, "", true), "");
    DC_ASSERT_OK(dc_output_finish(o, &e));
    dc_output_close(o);
    dc_fs_info st;
    DC_ASSERT_OK(dc_fs_stat(fs, "out/data.bin", &st, NULL));
    assert_int_equal(st.size, total);
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_fs_get_range(fs, "out/data.bin", 4096 * 27, 4096, &b, NULL));
    for (int i = 0; i < 4096; i++)
        assert_int_equal(b.data[i], 'a' + 27 % 26);
    dc_bytes_free(&b);
    assert_string_equal(list_str(fs, "", true), "out/data.bin");
}

static void output_closed_unfinished_is_discarded(void **state)
{
    fx *f = *state;
    dc_output *o = NULL;
    DC_ASSERT_OK(dc_fs_open_output(f->fs, "gone/x", 0, &o, NULL));
    DC_ASSERT_OK(dc_output_write(o, "partial", 7, NULL));
    dc_output_close(o);
    assert_string_equal(get_str(f->fs, "gone/x"), "<ENOTFOUND>");
    assert_string_equal(list_str(f->fs, "", true), "");
    if (f->kind == LOCAL) {
        char p[600];
        snprintf(p, sizeof p, "%s/gone", f->dir);
        assert_int_equal(count_tmp_files(p), 0);
    }
    /* an empty output is a valid empty object */
    DC_ASSERT_OK(dc_fs_open_output(f->fs, "empty", 0, &o, NULL));
    DC_ASSERT_OK(dc_output_finish(o, NULL));
    dc_output_close(o);
    assert_string_equal(get_str(f->fs, "empty"), "");
}

static void output_if_absent_fails_at_finish_when_key_exists(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_error e;
    dc_output *o = NULL, *o2 = NULL;
    DC_ASSERT_OK(dc_fs_open_output(fs, "ck/1", DC_FS_OUTPUT_IF_ABSENT, &o, NULL));
    DC_ASSERT_OK(dc_fs_open_output(fs, "ck/1", DC_FS_OUTPUT_IF_ABSENT, &o2, NULL));
    DC_ASSERT_OK(dc_output_write(o, "winner", 6, NULL));
    DC_ASSERT_OK(dc_output_write(o2, "loser", 5, NULL));
    DC_ASSERT_OK(dc_output_finish(o, NULL));
    assert_int_equal(dc_output_finish(o2, &e), DC_EEXISTS);
    dc_output_close(o);
    dc_output_close(o2);
    assert_string_equal(get_str(fs, "ck/1"), "winner");
    assert_string_equal(list_str(fs, "", true), "ck/1");
    /* without the flag, finish replaces */
    DC_ASSERT_OK(dc_fs_open_output(fs, "ck/1", 0, &o, NULL));
    DC_ASSERT_OK(dc_output_write(o, "replaced", 8, NULL));
    DC_ASSERT_OK(dc_output_finish(o, NULL));
    dc_output_close(o);
    assert_string_equal(get_str(fs, "ck/1"), "replaced");
    assert_int_equal(dc_fs_open_output(fs, "ck/2", 0x80, &o, &e), DC_EINVALID);
}

static void input_reads_ranges_of_a_snapshot(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    put_str(fs, "in/obj", "hello, world");
    dc_input *in = NULL;
    DC_ASSERT_OK(dc_fs_open_input(fs, "in/obj", &in, NULL));
    assert_int_equal(in->size, 12);
    assert_non_null(strstr(in->name, "in/obj"));
    put_str(fs, "in/obj", "REPLACED CONTENT"); /* the open input keeps the old object */
    char buf[32];
    int64_t got;
    DC_ASSERT_OK(dc_input_read_at(in, 7, buf, 100, &got, NULL));
    assert_int_equal(got, 5);
    assert_memory_equal(buf, "world", 5);
    DC_ASSERT_OK(dc_input_read_at(in, 12, buf, 4, &got, NULL));
    assert_int_equal(got, 0);
    DC_ASSERT_OK(dc_input_read_at(in, 0, buf, 5, &got, NULL));
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(dc_input_read_at(in, -1, buf, 5, &got, NULL), DC_EINVALID);
    dc_input_close(in);
}

static void handles_outlive_the_last_fs_reference(void **state)
{
    fx *f = *state;
    put_str(f->fs, "k", "still here");
    dc_input *in = NULL;
    dc_output *o = NULL;
    DC_ASSERT_OK(dc_fs_open_input(f->fs, "k", &in, NULL));
    DC_ASSERT_OK(dc_fs_open_output(f->fs, "k2", 0, &o, NULL));
    dc_fs *keep = dc_fs_ref(f->fs);
    dc_fs_unref(f->fs); /* the fixture's reference */
    f->fs = NULL;
    dc_fs_unref(keep); /* the last one we hold: in and o keep it alive */
    char buf[16];
    int64_t got;
    DC_ASSERT_OK(dc_input_read_at(in, 0, buf, 10, &got, NULL));
    assert_memory_equal(buf, "still here", 10);
    DC_ASSERT_OK(dc_output_write(o, "x", 1, NULL));
    DC_ASSERT_OK(dc_output_finish(o, NULL));
    dc_input_close(in);
    dc_output_close(o);
}

/* ---- conformance: statistics and faults ---------------------------------------------- */

static void stats_count_operations_and_bytes(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_fs_stats_reset(fs);
    put_str(fs, "s/a", "12345");
    DC_ASSERT_OK(dc_fs_put_if_absent(fs, "s/b", "123", 3, NULL));
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_fs_get_range(fs, "s/a", 1, 2, &b, NULL));
    DC_ASSERT_OK(dc_fs_get(fs, "s/b", &b, NULL));
    assert_int_equal(dc_fs_get(fs, "s/none", &b, NULL), DC_ENOTFOUND);
    dc_bytes_free(&b);
    dc_input *in = NULL;
    DC_ASSERT_OK(dc_fs_open_input(fs, "s/a", &in, NULL));
    char buf[8];
    int64_t got;
    DC_ASSERT_OK(dc_input_read_at(in, 0, buf, 4, &got, NULL));
    dc_input_close(in);
    assert_string_equal(list_str(fs, "s/", true), "s/a,s/b");
    dc_fs_stats st;
    dc_fs_stats_get(fs, &st);
    assert_int_equal(st.ops[DC_FS_OP_PUT], 1);
    assert_int_equal(st.ops[DC_FS_OP_PUT_IF_ABSENT], 1);
    assert_int_equal(st.ops[DC_FS_OP_GET_RANGE], 1);
    assert_int_equal(st.ops[DC_FS_OP_GET], 2);
    assert_int_equal(st.ops[DC_FS_OP_OPEN_INPUT], 1);
    assert_int_equal(st.ops[DC_FS_OP_READ], 1);
    assert_int_equal(st.ops[DC_FS_OP_LIST], 1);
    assert_int_equal(st.bytes_written, 8);
    assert_int_equal(st.bytes_read, 2 + 3 + 4);
    assert_int_equal(st.list_entries, 2);
    dc_fs_stats_reset(fs);
    dc_fs_stats_get(fs, &st);
    assert_int_equal(st.ops[DC_FS_OP_GET], 0);
    assert_int_equal(st.bytes_read, 0);
    assert_string_equal(dc_fs_op_name(DC_FS_OP_PUT_IF_ABSENT), "put_if_absent");
    assert_string_equal(dc_fs_op_name(DC_FS_OP_ANY), "any");
}

static void injected_error_fails_the_nth_operation_and_changes_nothing(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_error e;
    dc_fs_inject_fault(fs, &(dc_fs_fault){DC_FS_OP_PUT_IF_ABSENT, 2, 1, DC_FS_FAULT_ERROR});
    DC_ASSERT_OK(dc_fs_put_if_absent(fs, "f/1", "1", 1, NULL));
    put_str(fs, "f/other", "x"); /* another kind does not count */
    assert_int_equal(dc_fs_put_if_absent(fs, "f/2", "2", 1, &e), DC_EIO);
    assert_non_null(strstr(e.message, "injected"));
    assert_non_null(strstr(e.message, "f/2"));
    assert_string_equal(get_str(fs, "f/2"), "<ENOTFOUND>");
    DC_ASSERT_OK(dc_fs_put_if_absent(fs, "f/2", "2", 1, NULL)); /* one failure only */
    /* any kind, persistent until disarmed */
    dc_fs_inject_fault(fs, &(dc_fs_fault){DC_FS_OP_ANY, 1, -1, DC_FS_FAULT_ERROR});
    assert_int_equal(dc_fs_stat(fs, "f/1", NULL, NULL), DC_EIO);
    assert_string_equal(get_str(fs, "f/1"), "<EIO>");
    assert_int_equal(dc_fs_remove(fs, "f/1", NULL), DC_EIO);
    dc_fs_inject_fault(fs, NULL);
    assert_string_equal(get_str(fs, "f/1"), "1");
    dc_fs_stats st;
    dc_fs_stats_get(fs, &st);
    assert_int_equal(st.faults, 4);
    /* reads through an input, and an output's finish */
    dc_input *in = NULL;
    DC_ASSERT_OK(dc_fs_open_input(fs, "f/1", &in, NULL));
    dc_fs_inject_fault(fs, &(dc_fs_fault){DC_FS_OP_READ, 1, 1, DC_FS_FAULT_ERROR});
    char buf[4];
    int64_t got;
    assert_int_equal(dc_input_read_at(in, 0, buf, 1, &got, NULL), DC_EIO);
    DC_ASSERT_OK(dc_input_read_at(in, 0, buf, 1, &got, NULL));
    dc_input_close(in);
    dc_output *o = NULL;
    DC_ASSERT_OK(dc_fs_open_output(fs, "f/out", 0, &o, NULL));
    DC_ASSERT_OK(dc_output_write(o, "abc", 3, NULL));
    dc_fs_inject_fault(fs, &(dc_fs_fault){DC_FS_OP_FINISH, 1, 1, DC_FS_FAULT_ERROR});
    assert_int_equal(dc_output_finish(o, NULL), DC_EIO);
    dc_output_close(o);
    assert_string_equal(get_str(fs, "f/out"), "<ENOTFOUND>");
    assert_string_equal(list_str(fs, "", true), "f/1,f/2,f/other");
}

static void unknown_outcome_takes_effect_but_reports_eio(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    dc_error e;
    dc_fs_inject_fault(fs, &(dc_fs_fault){DC_FS_OP_PUT_IF_ABSENT, 1, 1, DC_FS_FAULT_UNKNOWN});
    assert_int_equal(dc_fs_put_if_absent(fs, "log/1", "mine", 4, &e), DC_EIO);
    assert_non_null(strstr(e.message, "outcome"));
    /* the commit protocol's retry sees EEXISTS and must read the object to learn it won */
    assert_int_equal(dc_fs_put_if_absent(fs, "log/1", "mine", 4, &e), DC_EEXISTS);
    assert_string_equal(get_str(fs, "log/1"), "mine");
    /* a read-only kind with UNKNOWN simply fails */
    dc_fs_inject_fault(fs, &(dc_fs_fault){DC_FS_OP_GET, 1, 1, DC_FS_FAULT_UNKNOWN});
    assert_string_equal(get_str(fs, "log/1"), "<EIO>");
    /* unknown outcome of a remove and an output finish */
    dc_fs_inject_fault(fs, &(dc_fs_fault){DC_FS_OP_REMOVE, 1, 1, DC_FS_FAULT_UNKNOWN});
    assert_int_equal(dc_fs_remove(fs, "log/1", NULL), DC_EIO);
    assert_string_equal(get_str(fs, "log/1"), "<ENOTFOUND>");
    dc_output *o = NULL;
    DC_ASSERT_OK(dc_fs_open_output(fs, "log/2", DC_FS_OUTPUT_IF_ABSENT, &o, NULL));
    DC_ASSERT_OK(dc_output_write(o, "two", 3, NULL));
    dc_fs_inject_fault(fs, &(dc_fs_fault){DC_FS_OP_FINISH, 1, 1, DC_FS_FAULT_UNKNOWN});
    assert_int_equal(dc_output_finish(o, NULL), DC_EIO);
    dc_output_close(o);
    assert_string_equal(get_str(fs, "log/2"), "two");
}

static bool ok_or_nomem(dc_status rc)
{
    return rc == DC_OK || rc == DC_ENOMEM;
}

static void allocation_failures_fail_cleanly(void **state)
{
    fx *f = *state;
    dc_fs *fs = f->fs;
    put_str(fs, "base/obj", "base");
    int failures = 0;
    for (int64_t n = 0; n < 60; n++) {
        char key[32];
        snprintf(key, sizeof key, "k/%03d", (int)n);
        dc_bytes b;
        dc_bytes_init(&b);
        dc_fs_listing l;
        dc_output *o = NULL;
        dc_input *in = NULL;
        dc_alloc_fail_after(n);
        dc_status r1 = dc_fs_put_if_absent(fs, key, "v", 1, NULL);
        dc_status r2 = dc_fs_get(fs, "base/obj", &b, NULL);
        dc_status r3 = dc_fs_list_all(fs, "", false, &l, NULL);
        dc_fs_listing_free(&l);
        dc_status r4 = dc_fs_open_output(fs, "out/x", DC_FS_OUTPUT_IF_ABSENT, &o, NULL);
        dc_status r5 = o ? dc_output_write(o, "abc", 3, NULL) : DC_OK;
        dc_status r6 = o ? dc_output_finish(o, NULL) : DC_OK;
        dc_output_close(o);
        dc_status r7 = dc_fs_open_input(fs, "base/obj", &in, NULL);
        dc_input_close(in);
        dc_alloc_fail_after(-1);
        dc_bytes_free(&b);
        assert_true(ok_or_nomem(r1) && ok_or_nomem(r2) && ok_or_nomem(r3) && ok_or_nomem(r4));
        assert_true(ok_or_nomem(r5) && ok_or_nomem(r7));
        assert_true(ok_or_nomem(r6) || r6 == DC_EEXISTS);
        failures += (r1 | r2 | r3 | r4 | r5 | r6 | r7) != DC_OK;
        /* a failed put left nothing behind; a successful one is complete */
        assert_string_equal(get_str(fs, key), r1 == DC_OK ? "v" : "<ENOTFOUND>");
    }
    assert_true(failures > 0);
    assert_string_equal(get_str(fs, "base/obj"), "base");
    if (f->kind == LOCAL) {
        char p[600];
        snprintf(p, sizeof p, "%s/k", f->dir);
        assert_int_equal(count_tmp_files(p), 0);
        snprintf(p, sizeof p, "%s/out", f->dir);
        assert_int_equal(count_tmp_files(p), 0);
    }
}

/* ---- conformance: threads ------------------------------------------------------------------ */

#define NTHREADS 8
#define NKEYS    100

typedef struct race_arg {
    dc_fs *fs;
    int id;
    int won[NKEYS];
    int errors;
} race_arg;

static void race_content(char *buf, size_t cap, int who, int key)
{
    /* a length that differs per writer, so a mix of two would show */
    int pad = 50 + who * 37 + key % 13;
    int o = snprintf(buf, cap, "writer=%d key=%d:", who, key);
    for (int i = 0; i < pad && (size_t)o + 1 < cap; i++)
        buf[o++] = (char)('a' + (who + i) % 26);
    buf[o] = '\0';
}

static void *race_thread(void *p)
{
    race_arg *a = p;
    char key[32], content[512];
    for (int k = 0; k < NKEYS; k++) {
        snprintf(key, sizeof key, "race/%03d", k);
        race_content(content, sizeof content, a->id, k);
        dc_status rc = dc_fs_put_if_absent(a->fs, key, content, (int64_t)strlen(content), NULL);
        if (rc == DC_OK)
            a->won[k] = 1;
        else if (rc != DC_EEXISTS)
            a->errors++;
    }
    return NULL;
}

static void threads_race_put_if_absent_one_winner_each(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    pthread_t t[NTHREADS];
    race_arg *args = dc_calloc(NTHREADS, sizeof *args);
    for (int i = 0; i < NTHREADS; i++) {
        args[i].fs = fs;
        args[i].id = i;
        assert_int_equal(pthread_create(&t[i], NULL, race_thread, &args[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    char key[32], content[512];
    for (int k = 0; k < NKEYS; k++) {
        int winners = 0, winner = -1;
        for (int i = 0; i < NTHREADS; i++) {
            assert_int_equal(args[i].errors, 0);
            if (args[i].won[k]) {
                winners++;
                winner = i;
            }
        }
        assert_int_equal(winners, 1);
        snprintf(key, sizeof key, "race/%03d", k);
        race_content(content, sizeof content, winner, k);
        assert_string_equal(get_str(fs, key), content);
    }
    dc_free(args);
}

typedef struct swap_arg {
    dc_fs *fs;
    int writer;
    atomic_int *stop;
    int bad;
    int reads;
} swap_arg;

#define SWAP_SIZE (64 * 1024)

static void *swap_thread(void *p)
{
    swap_arg *a = p;
    uint8_t *buf = dc_malloc(SWAP_SIZE * 2);
    dc_bytes b;
    dc_bytes_init(&b);
    for (int i = 0; !atomic_load(a->stop); i++) {
        if (a->writer) {
            int64_t n = (i % 2) ? SWAP_SIZE : SWAP_SIZE * 2;
            memset(buf, (i % 2) ? 'A' : 'B', (size_t)n);
            if (dc_fs_put(a->fs, "swap/obj", buf, n, NULL) != DC_OK)
                a->bad++;
            if (i >= 60)
                atomic_store(a->stop, 1);
        } else if (dc_fs_get(a->fs, "swap/obj", &b, NULL) == DC_OK) {
            a->reads++;
            uint8_t c = b.data[0];
            bool ok = (c == 'A' && b.size == SWAP_SIZE) || (c == 'B' && b.size == SWAP_SIZE * 2);
            for (int64_t j = 0; ok && j < b.size; j++)
                ok = b.data[j] == c;
            if (!ok)
                a->bad++;
        } else {
            a->bad++;
        }
    }
    dc_bytes_free(&b);
    dc_free(buf);
    return NULL;
}

static void put_is_atomic_for_concurrent_readers(void **state)
{
    dc_fs *fs = ((fx *)*state)->fs;
    uint8_t first[SWAP_SIZE];
    memset(first, 'A', sizeof first);
    DC_ASSERT_OK(dc_fs_put(fs, "swap/obj", first, SWAP_SIZE, NULL));
    atomic_int stop;
    atomic_init(&stop, 0);
    swap_arg args[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (swap_arg){fs, i == 0, &stop, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, swap_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) /* every thread joined before any assertion */
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++)
        assert_int_equal(args[i].bad, 0);
    assert_true(args[1].reads + args[2].reads + args[3].reads > 0);
    assert_string_equal(list_str(fs, "", true), "swap/obj"); /* no temporaries left */
}

/* ---- local backend ------------------------------------------------------------------------- */

#define NPROCS 8

/* Child `who`: race for every key, then read every key back and report, per key, whether
 * it won and which writer's complete content it saw. Exits 0 when all went well. */
static void race_child(const char *root, int who, const char *report, int start_fd)
{
    char go;
    if (read(start_fd, &go, 1) != 0) /* returns 0 when the parent closes: all start at once */
        _exit(9);
    dc_fs *fs = NULL;
    if (dc_fs_local_open(&fs, root, NULL, NULL) != DC_OK)
        _exit(10);
    int won[NKEYS], seen[NKEYS];
    char key[32], content[512];
    for (int k = 0; k < NKEYS; k++) {
        snprintf(key, sizeof key, "race/%03d", k);
        race_content(content, sizeof content, who, k);
        dc_status rc = dc_fs_put_if_absent(fs, key, content, (int64_t)strlen(content), NULL);
        if (rc != DC_OK && rc != DC_EEXISTS)
            _exit(11);
        won[k] = rc == DC_OK;
    }
    dc_bytes b;
    dc_bytes_init(&b);
    for (int k = 0; k < NKEYS; k++) {
        snprintf(key, sizeof key, "race/%03d", k);
        if (dc_fs_get(fs, key, &b, NULL) != DC_OK)
            _exit(12);
        seen[k] = -1;
        for (int w = 0; w < NPROCS; w++) {
            race_content(content, sizeof content, w, k);
            if ((size_t)b.size == strlen(content) && memcmp(b.data, content, (size_t)b.size) == 0)
                seen[k] = w;
        }
        if (seen[k] < 0 || (won[k] && seen[k] != who))
            _exit(13);
    }
    dc_bytes_free(&b);
    dc_fs_unref(fs);
    FILE *f = fopen(report, "w");
    if (!f)
        _exit(14);
    for (int k = 0; k < NKEYS; k++)
        fprintf(f, "%d %d\n", won[k], seen[k]);
    fclose(f);
    _exit(0);
}

static void processes_race_put_if_absent_one_complete_winner(void **state)
{
    fx *f = *state;
    char *reports = tu_tmpdir();
    char report[NPROCS][600];
    pid_t pids[NPROCS];
    int start[2];
    assert_int_equal(pipe(start), 0);
    for (int i = 0; i < NPROCS; i++) {
        snprintf(report[i], sizeof report[i], "%s/report-%d", reports, i);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            close(start[1]);
            race_child(f->dir, i, report[i], start[0]);
        }
    }
    close(start[0]);
    close(start[1]); /* go */
    for (int i = 0; i < NPROCS; i++) {
        int status = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    int won[NPROCS][NKEYS], seen[NPROCS][NKEYS];
    for (int i = 0; i < NPROCS; i++) {
        FILE *rf = fopen(report[i], "r");
        assert_non_null(rf);
        for (int k = 0; k < NKEYS; k++)
            assert_int_equal(fscanf(rf, "%d %d", &won[i][k], &seen[i][k]), 2);
        fclose(rf);
    }
    char key[32], content[512];
    int wins[NPROCS] = {0};
    for (int k = 0; k < NKEYS; k++) {
        int winners = 0, winner = -1;
        for (int i = 0; i < NPROCS; i++)
            if (won[i][k]) {
                wins[i]++;
                winners++;
                winner = i;
            }
        assert_int_equal(winners, 1);
        for (int i = 0; i < NPROCS; i++)
            assert_int_equal(seen[i][k], winner); /* every process saw the winner's bytes */
        snprintf(key, sizeof key, "race/%03d", k);
        race_content(content, sizeof content, winner, k);
        assert_string_equal(get_str(f->fs, key), content);
    }
    print_message("wins per process:");
    for (int i = 0; i < NPROCS; i++)
        print_message(" %d", wins[i]);
    print_message("\n");
    char dir[600];
    snprintf(dir, sizeof dir, "%s/race", f->dir);
    assert_int_equal(count_tmp_files(dir), 0);
    tu_rmdir(reports);
    dc_free(reports);
}

static void make_file(const char *path, const char *content, int64_t age_s)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(content, fp);
    fclose(fp);
    if (age_s > 0) {
        struct timespec ts[2];
        clock_gettime(CLOCK_REALTIME, &ts[0]);
        ts[0].tv_sec -= age_s;
        ts[1] = ts[0];
        assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    }
}

static void temporaries_are_never_listed_and_swept_when_stale(void **state)
{
    fx *f = *state;
    put_str(f->fs, "a/real", "r");
    char p[700];
    snprintf(p, sizeof p, "%s/" DC_FS_TMP_PREFIX "1-old", f->dir);
    make_file(p, "crashed writer", 7200);
    snprintf(p, sizeof p, "%s/a/" DC_FS_TMP_PREFIX "2-old", f->dir);
    make_file(p, "crashed writer", 7200);
    snprintf(p, sizeof p, "%s/a/" DC_FS_TMP_PREFIX "3-fresh", f->dir);
    make_file(p, "writing now", 0);
    assert_string_equal(list_str(f->fs, "", true), "a/real");
    assert_string_equal(list_str(f->fs, "a/", false), "a/real");
    assert_string_equal(list_str(f->fs, "a/.dc", false), "");

    dc_fs_listing l;
    DC_ASSERT_OK(dc_fs_local_stale_temporaries(f->fs, 3600LL * 1000000000, &l, NULL));
    assert_int_equal(l.n, 2);
    assert_string_equal(l.entries[0].key, DC_FS_TMP_PREFIX "1-old");
    assert_string_equal(l.entries[1].key, "a/" DC_FS_TMP_PREFIX "2-old");
    dc_fs_listing_free(&l);
    int64_t removed = -1;
    DC_ASSERT_OK(dc_fs_local_sweep_temporaries(f->fs, 3600LL * 1000000000, &removed, NULL));
    assert_int_equal(removed, 2);
    assert_int_equal(access(p, F_OK), 0); /* the fresh one stays */
    DC_ASSERT_OK(dc_fs_local_sweep_temporaries(f->fs, 0, &removed, NULL));
    assert_int_equal(removed, 1);
    assert_int_not_equal(access(p, F_OK), 0);
    assert_string_equal(get_str(f->fs, "a/real"), "r");

    dc_fs *mem = NULL;
    DC_ASSERT_OK(dc_fs_memory_open(&mem, NULL, NULL, NULL));
    assert_int_equal(dc_fs_local_stale_temporaries(mem, 0, &l, NULL), DC_EUNSUPPORTED);
    dc_fs_listing_free(&l);
    dc_fs_unref(mem);
}

static void open_output_keeps_a_hidden_temporary_until_finish(void **state)
{
    fx *f = *state;
    char dir[600];
    snprintf(dir, sizeof dir, "%s/o", f->dir);
    dc_output *o = NULL;
    DC_ASSERT_OK(dc_fs_open_output(f->fs, "o/file", 0, &o, NULL));
    DC_ASSERT_OK(dc_output_write(o, "abc", 3, NULL));
    assert_int_equal(count_tmp_files(dir), 1);
    assert_string_equal(list_str(f->fs, "o/", true), "");
    DC_ASSERT_OK(dc_output_finish(o, NULL));
    assert_int_equal(count_tmp_files(dir), 0);
    dc_output_close(o);
    assert_string_equal(get_str(f->fs, "o/file"), "abc");
}

static void fsync_option_is_honored(void **state)
{
    fx *f = *state;
    dc_fs_stats st;
    dc_fs_stats_reset(f->fs);
    DC_ASSERT_OK(dc_fs_put_if_absent(f->fs, "new/dir/k", "v", 1, NULL));
    dc_fs_stats_get(f->fs, &st);
    assert_true(st.syncs >= 4); /* the file, its directory, two new directories' parents */
    dc_fs_stats_reset(f->fs);
    put_str(f->fs, "new/dir/k", "w");
    dc_fs_stats_get(f->fs, &st);
    assert_int_equal(st.syncs, 2); /* the file and its directory */

    dc_fs *fast = NULL;
    DC_ASSERT_OK(dc_fs_local_open(&fast, f->dir, &(dc_fs_local_options){.no_fsync = true}, NULL));
    DC_ASSERT_OK(dc_fs_put_if_absent(fast, "fast/dir/k", "v", 1, NULL));
    put_str(fast, "fast/dir/k", "w");
    DC_ASSERT_OK(dc_fs_remove(fast, "fast/dir/k", NULL));
    dc_output *o = NULL;
    DC_ASSERT_OK(dc_fs_open_output(fast, "fast/o", 0, &o, NULL));
    DC_ASSERT_OK(dc_output_finish(o, NULL));
    dc_output_close(o);
    dc_fs_stats_get(fast, &st);
    assert_int_equal(st.syncs, 0);
    assert_string_equal(get_str(f->fs, "fast/o"), ""); /* same directory, seen by both */
    dc_fs_unref(fast);
}

static void local_open_checks_the_root(void **state)
{
    fx *f = *state;
    dc_fs *fs = NULL;
    dc_error e;
    char p[600];
    snprintf(p, sizeof p, "%s/missing/root", f->dir);
    assert_int_equal(dc_fs_local_open(&fs, p, NULL, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, p));
    assert_null(fs);
    DC_ASSERT_OK(dc_fs_local_open(&fs, p, &(dc_fs_local_options){.create_root = true}, &e));
    assert_true(fs->caps & DC_FS_CAP_DURABLE);
    assert_true(strncmp(fs->url, "file:///", 8) == 0);
    dc_fs_unref(fs);
    put_str(f->fs, "afile", "x");
    snprintf(p, sizeof p, "%s/afile", f->dir);
    assert_int_equal(dc_fs_local_open(&fs, p, NULL, &e), DC_EINVALID);
    assert_int_equal(dc_fs_local_open(&fs, "", NULL, &e), DC_EINVALID);
}

/* ---- memory backend ------------------------------------------------------------------------ */

typedef struct share_arg {
    int id;
    int won[NKEYS];
    int errors;
} share_arg;

static void *share_thread(void *p)
{
    share_arg *a = p;
    dc_fs *fs = NULL; /* each "process" opens its own handle */
    if (dc_fs_open(&fs, "mem://test-shared-race", NULL) != DC_OK) {
        a->errors++;
        return NULL;
    }
    char key[32], content[512];
    for (int k = 0; k < NKEYS; k++) {
        snprintf(key, sizeof key, "log/%03d", k);
        race_content(content, sizeof content, a->id, k);
        dc_status rc = dc_fs_put_if_absent(fs, key, content, (int64_t)strlen(content), NULL);
        if (rc == DC_OK)
            a->won[k] = 1;
        else if (rc != DC_EEXISTS)
            a->errors++;
    }
    dc_fs_stats st;
    dc_fs_stats_get(fs, &st);
    if (st.ops[DC_FS_OP_PUT_IF_ABSENT] != NKEYS) /* statistics are per handle */
        a->errors++;
    dc_fs_unref(fs);
    return NULL;
}

static void memory_named_store_is_shared_by_handles(void **state)
{
    share_arg args[NTHREADS];
    pthread_t t[NTHREADS];
    memset(args, 0, sizeof args);
    for (int i = 0; i < NTHREADS; i++) {
        args[i].id = i;
        assert_int_equal(pthread_create(&t[i], NULL, share_thread, &args[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    dc_fs *fs = NULL;
    DC_ASSERT_OK(dc_fs_open(&fs, "mem://test-shared-race", NULL));
    assert_true(fs->caps & DC_FS_CAP_SHARED);
    assert_false(fs->caps & DC_FS_CAP_DURABLE);
    char key[32], content[512];
    for (int k = 0; k < NKEYS; k++) {
        int winners = 0, winner = -1;
        for (int i = 0; i < NTHREADS; i++) {
            assert_int_equal(args[i].errors, 0);
            if (args[i].won[k]) {
                winners++;
                winner = i;
            }
        }
        assert_int_equal(winners, 1);
        snprintf(key, sizeof key, "log/%03d", k);
        race_content(content, sizeof content, winner, k);
        assert_string_equal(get_str(fs, key), content);
    }
    dc_fs_unref(fs);
    /* the store outlives its handles until dropped */
    DC_ASSERT_OK(dc_fs_open(&fs, "mem://test-shared-race", NULL));
    assert_string_equal(list_str(fs, "log/00", true),
                        "log/000,log/001,log/002,log/003,log/004,log/005,log/006,log/007,log/008,"
                        "log/009");
    DC_ASSERT_OK(dc_fs_memory_drop("test-shared-race", NULL));
    assert_true(strncmp(get_str(fs, "log/000"), "writer=", 7) == 0); /* still open */
    dc_fs_unref(fs);
    assert_int_equal(dc_fs_memory_drop("test-shared-race", NULL), DC_ENOTFOUND);
    DC_ASSERT_OK(dc_fs_open(&fs, "mem://test-shared-race", NULL));
    assert_string_equal(list_str(fs, "", true), ""); /* a new, empty store */
    dc_fs_unref(fs);
    DC_ASSERT_OK(dc_fs_memory_drop("test-shared-race", NULL));
}

static void memory_faults_are_per_handle(void **state)
{
    dc_fs *a = NULL, *b = NULL;
    DC_ASSERT_OK(dc_fs_memory_open(&a, "test-faults", NULL, NULL));
    DC_ASSERT_OK(dc_fs_memory_open(&b, "test-faults", NULL, NULL));
    dc_fs_inject_fault(a, &(dc_fs_fault){DC_FS_OP_ANY, 3, 1, DC_FS_FAULT_ERROR});
    DC_ASSERT_OK(dc_fs_put(a, "k1", "1", 1, NULL));             /* 1st */
    DC_ASSERT_OK(dc_fs_put(b, "k2", "2", 1, NULL));             /* other handle: not counted */
    DC_ASSERT_OK(dc_fs_stat(a, "k2", NULL, NULL));              /* 2nd */
    assert_int_equal(dc_fs_put(a, "k3", "3", 1, NULL), DC_EIO); /* 3rd */
    DC_ASSERT_OK(dc_fs_put(a, "k3", "3", 1, NULL));
    assert_string_equal(list_str(b, "", true), "k1,k2,k3");
    dc_fs_unref(a);
    dc_fs_unref(b);
    DC_ASSERT_OK(dc_fs_memory_drop("test-faults", NULL));
}

static void memory_without_rename_is_unsupported(void **state)
{
    dc_fs *fs = NULL;
    dc_error e;
    DC_ASSERT_OK(dc_fs_memory_open(&fs, NULL, &(dc_fs_memory_options){.no_rename = true}, NULL));
    assert_false(fs->caps & DC_FS_CAP_RENAME);
    put_str(fs, "a", "1");
    assert_int_equal(dc_fs_rename(fs, "a", "b", &e), DC_EUNSUPPORTED);
    assert_non_null(strstr(e.message, "rename"));
    assert_string_equal(get_str(fs, "a"), "1");
    dc_fs_unref(fs);
}

/* ---- opening by URL ---------------------------------------------------------------------------
 */

static void open_by_url_dispatches_on_the_scheme(void **state)
{
    char *dir = tu_tmpdir();
    dc_fs *fs = NULL;
    dc_error e;
    DC_ASSERT_OK(dc_fs_open(&fs, dir, &e));
    assert_string_equal(fs->vt->scheme, "file");
    put_str(fs, "x", "plain");
    dc_fs_unref(fs);
    char url[700];
    snprintf(url, sizeof url, "file://%s", dir);
    DC_ASSERT_OK(dc_fs_open(&fs, url, &e));
    assert_string_equal(get_str(fs, "x"), "plain");
    dc_fs_unref(fs);
    snprintf(url, sizeof url, "file://localhost%s", dir);
    DC_ASSERT_OK(dc_fs_open(&fs, url, &e));
    dc_fs_unref(fs);

    assert_int_equal(dc_fs_open(&fs, "file://relative/path", &e), DC_EINVALID);
    assert_int_equal(dc_fs_open(&fs, "file:///no/such/dir/here", &e), DC_ENOTFOUND);
    assert_int_equal(dc_fs_open(&fs, "file:///bad%zzescape", &e), DC_EINVALID);
    assert_int_equal(dc_fs_open(&fs, "s3://", &e), DC_EINVALID); /* S3: test_s3.c */
    assert_non_null(strstr(e.message, "no bucket name"));
    assert_int_equal(dc_fs_open(&fs, "ftp://host/x", &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "ftp"));
    assert_int_equal(dc_fs_open(&fs, "", &e), DC_EINVALID);
    assert_int_equal(dc_fs_open(&fs, "mem://bad/name", &e), DC_EINVALID);
    assert_null(fs);

    DC_ASSERT_OK(dc_fs_open(&fs, "mem://", &e)); /* private */
    assert_string_equal(fs->vt->scheme, "mem");
    assert_false(fs->caps & DC_FS_CAP_SHARED);
    put_str(fs, "k", "v");
    dc_fs *other = NULL;
    DC_ASSERT_OK(dc_fs_open(&other, "mem://", &e));
    assert_string_equal(get_str(other, "k"), "<ENOTFOUND>");
    dc_fs_unref(other);
    dc_fs_unref(fs);
    tu_rmdir(dir);
    dc_free(dir);
}

#define BOTH(t)                                                                                    \
    {"local/" #t, t, setup_local, teardown, NULL},                                                 \
    {                                                                                              \
        "memory/" #t, t, setup_memory, teardown, NULL                                              \
    }
#define LOCAL_ONLY(t)                                                                              \
    {                                                                                              \
        "local/" #t, t, setup_local, teardown, NULL                                                \
    }

#define S3_ROW(t)                                                                                  \
    {                                                                                              \
        "s3/" #t, t, setup_s3, teardown, NULL                                                      \
    }

static int s3_group_setup(void **state)
{
    (void)state;
    return mt_create_bucket(&g_moto, "conformance") && mt_enable_auth(&g_moto) ? 0 : -1;
}

static int s3_group_teardown(void **state)
{
    (void)state;
    mt_stop(&g_moto);
    return 0;
}

/* The conformance suite on S3 (all of it but rename, which S3 has not). */
static int run_s3_rows(void)
{
    char why[1200];
    if (!mt_start(&g_moto, why, sizeof why)) {
        print_message("[  SKIPPED ] the s3/ rows: %s (test_s3 fails on this)\n", why);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        S3_ROW(put_if_absent_creates_once_and_refuses_after),
        S3_ROW(put_replaces_whole_object),
        S3_ROW(missing_keys_are_not_found_everywhere),
        S3_ROW(get_range_reads_inside_at_end_and_beyond),
        S3_ROW(stat_reports_size_and_mtime),
        S3_ROW(large_object_roundtrips),
        S3_ROW(list_recursive_is_sorted_by_key),
        S3_ROW(list_one_level_reports_directories),
        S3_ROW(list_prefix_is_a_string_prefix),
        S3_ROW(list_callback_can_stop_early),
        S3_ROW(list_of_empty_store_is_empty),
        S3_ROW(remove_deletes_and_prunes_directories),
        S3_ROW(remove_many_skips_absent_keys),
        S3_ROW(key_cannot_also_be_a_directory),
        S3_ROW(hostile_paths_are_rejected_before_any_io),
        S3_ROW(output_is_invisible_until_finished),
        S3_ROW(output_closed_unfinished_is_discarded),
        S3_ROW(output_if_absent_fails_at_finish_when_key_exists),
        S3_ROW(input_reads_ranges_of_a_snapshot),
        S3_ROW(handles_outlive_the_last_fs_reference),
        S3_ROW(stats_count_operations_and_bytes),
        S3_ROW(injected_error_fails_the_nth_operation_and_changes_nothing),
        S3_ROW(unknown_outcome_takes_effect_but_reports_eio),
        S3_ROW(allocation_failures_fail_cleanly),
        S3_ROW(threads_race_put_if_absent_one_winner_each),
        S3_ROW(put_is_atomic_for_concurrent_readers),
    };
    return cmocka_run_group_tests_name("fs on S3 (moto)", tests, s3_group_setup, s3_group_teardown);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(put_if_absent_creates_once_and_refuses_after),
        BOTH(put_replaces_whole_object),
        BOTH(missing_keys_are_not_found_everywhere),
        BOTH(get_range_reads_inside_at_end_and_beyond),
        BOTH(stat_reports_size_and_mtime),
        BOTH(large_object_roundtrips),
        BOTH(list_recursive_is_sorted_by_key),
        BOTH(list_one_level_reports_directories),
        BOTH(list_prefix_is_a_string_prefix),
        BOTH(list_callback_can_stop_early),
        BOTH(list_of_empty_store_is_empty),
        BOTH(remove_deletes_and_prunes_directories),
        BOTH(remove_many_skips_absent_keys),
        BOTH(rename_moves_and_replaces),
        BOTH(key_cannot_also_be_a_directory),
        BOTH(hostile_paths_are_rejected_before_any_io),
        BOTH(output_is_invisible_until_finished),
        BOTH(output_closed_unfinished_is_discarded),
        BOTH(output_if_absent_fails_at_finish_when_key_exists),
        BOTH(input_reads_ranges_of_a_snapshot),
        BOTH(handles_outlive_the_last_fs_reference),
        BOTH(stats_count_operations_and_bytes),
        BOTH(injected_error_fails_the_nth_operation_and_changes_nothing),
        BOTH(unknown_outcome_takes_effect_but_reports_eio),
        BOTH(allocation_failures_fail_cleanly),
        BOTH(threads_race_put_if_absent_one_winner_each),
        BOTH(put_is_atomic_for_concurrent_readers),
        LOCAL_ONLY(processes_race_put_if_absent_one_complete_winner),
        LOCAL_ONLY(temporaries_are_never_listed_and_swept_when_stale),
        LOCAL_ONLY(open_output_keeps_a_hidden_temporary_until_finish),
        LOCAL_ONLY(fsync_option_is_honored),
        LOCAL_ONLY(local_open_checks_the_root),
        cmocka_unit_test(path_check_names_the_path_and_escapes_it),
        cmocka_unit_test(memory_named_store_is_shared_by_handles),
        cmocka_unit_test(memory_faults_are_per_handle),
        cmocka_unit_test(memory_without_rename_is_unsupported),
        cmocka_unit_test(open_by_url_dispatches_on_the_scheme),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + run_s3_rows();
}
