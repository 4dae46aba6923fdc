/*
 * test_catalog_admin.c: the catalog administration API of catalog.h: schemas
 * as JSON text, dc_catalog_gc (over the storage collector, GC-1/GC-2/GC-5 seen
 * from the public API) and named catalogs from a configuration file (config.c).
 */
#include "testutil.h"

#include <deltacat/table.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define OK(expr)                                                                                   \
    do {                                                                                           \
        dc_status rc_ = (expr);                                                                    \
        if (rc_ != DC_OK)                                                                          \
            fail_msg("%s: %s: %s", #expr, dc_status_name(rc_), e.message);                         \
    } while (0)

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* mkdir -p of the directory of `path`. */
static void make_parent(const char *path)
{
    char buf[800];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0777);
            *p = '/';
        }
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Make `path` look `secs` seconds old (the collector's grace looks at mtimes). */
static void age(const char *path, int secs)
{
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= secs;
    tv[1] = tv[0];
    assert_int_equal(utimes(path, tv), 0);
}

/* ---- schemas as JSON ---- */

static void schema_json_text_round_trips_and_names_faults(void **state)
{
    (void)state;
    dc_error e;
    dc_schema *s = NULL, *back = NULL;
    const char *text = "{\"fields\": [{\"name\": \"id\", \"type\": \"int64\", \"nullable\": false,"
                       " \"metadata\": {\"deltacat.merge_key\": \"true\"}},"
                       " {\"name\": \"name\", \"type\": \"string\"}]}";
    OK(dc_schema_from_json_text(&s, text, strlen(text), "s.json", &e));
    assert_int_equal(s->n_fields, 2);
    assert_false(s->fields[0].nullable);
    assert_true(s->fields[1].nullable);
    assert_string_equal(dc_metadata_get(&s->fields[0].metadata, "deltacat.merge_key"), "true");
    char *j = dc_schema_to_json_text(s);
    assert_non_null(j);
    OK(dc_schema_from_json_text(&back, j, strlen(j), NULL, &e));
    assert_true(dc_schema_equals(s, back));
    dc_free(j);
    dc_schema_unref(back);
    dc_schema_unref(s);

    const char *bad_json = "{\"fields\": [\n";
    assert_int_equal(dc_schema_from_json_text(&s, bad_json, strlen(bad_json), "s.json", &e),
                     DC_EINVALID);
    assert_null(s);
    assert_non_null(strstr(e.message, "s.json"));
    assert_non_null(strstr(e.message, "line 2"));
    assert_int_equal(dc_schema_from_json_text(&s, "[1]", 3, "s.json", &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "s.json: a schema is a JSON object"));
    const char *bad_type = "{\"fields\": [{\"name\": \"age\", \"type\": \"int6\"}]}";
    assert_int_equal(dc_schema_from_json_text(&s, bad_type, strlen(bad_type), "t.json", &e),
                     DC_EINVALID);
    assert_non_null(strstr(e.message, "t.json: "));
    assert_non_null(strstr(e.message, "age"));
    assert_non_null(strstr(e.message, "int6"));
    assert_int_equal(dc_schema_from_json_text(&s, NULL, 0, NULL, &e), DC_EINVALID);
}

/* ---- garbage collection ---- */

typedef struct lake {
    char *dir;
    char root[600];
    dc_catalog *c;
} lake;

static void lake_open(lake *l)
{
    dc_error e;
    l->dir = tu_tmpdir();
    snprintf(l->root, sizeof l->root, "%s/cat", l->dir);
    OK(dc_catalog_open(&l->c, l->root, &(dc_catalog_options){.create = true}, &e));
}

static void lake_close(lake *l)
{
    dc_catalog_close(l->c);
    tu_rmdir(l->dir);
    dc_free(l->dir);
}

static void write_table(lake *l, const char *table, const char *csv)
{
    dc_error e;
    char path[700];
    snprintf(path, sizeof path, "%s/%s.csv", l->dir, table);
    write_text(path, csv);
    const char *paths[] = {path};
    OK(dc_table_write_files(l->c, NULL, NULL, table, paths, 1, NULL, NULL, &e));
}

/* A file staged under the table's prefix and abandoned; its absolute path. */
static void stage_abandoned(lake *l, const char *table, char out[800], int age_secs)
{
    dc_error e;
    char *prefix = NULL;
    OK(dc_table_stage(l->c, NULL, NULL, table, &prefix, &e));
    snprintf(out, 800, "%s/%spart-0.csv", l->root, prefix);
    dc_free(prefix);
    make_parent(out);
    write_text(out, "id\n1\n");
    age(out, age_secs);
}

static bool report_has(const dc_catalog_gc_report *r, const char *needle)
{
    for (int64_t i = 0; i < r->n_keys; i++)
        if (strstr(r->keys[i], needle))
            return true;
    return false;
}

static void gc_removes_abandoned_staged_files_after_the_grace(void **state)
{
    (void)state;
    lake l;
    dc_error e;
    dc_catalog_gc_report r;
    char old[800], young[800];
    lake_open(&l);
    write_table(&l, "users", "id,name\n1,a\n2,b\n");
    stage_abandoned(&l, "users", old, 600);
    stage_abandoned(&l, "users", young, 0);

    /* GC-5: a dry run reports and changes nothing */
    OK(dc_catalog_gc(l.c, &(dc_catalog_gc_options){.grace_ns = 60000000000LL, .dry_run = true}, &r,
                     &e));
    assert_int_equal(r.staged_files, 1);
    assert_int_equal(r.n_keys, 1);
    assert_int_equal(r.bytes, 5);
    assert_int_equal(r.kept_young, 1);
    assert_true(report_has(&r, "part-0.csv"));
    assert_true(exists(old) && exists(young));
    dc_catalog_gc_report_free(&r);
    assert_null(r.keys);

    /* GC-2: only the one older than the grace goes */
    OK(dc_catalog_gc(l.c, &(dc_catalog_gc_options){.grace_ns = 60000000000LL}, &r, &e));
    assert_int_equal(r.staged_files, 1);
    assert_int_equal(r.data_files, 0);
    assert_int_equal(r.kept_young, 1);
    assert_false(exists(old));
    assert_true(exists(young));
    assert_int_equal(r.latest_version, 1);
    dc_catalog_gc_report_free(&r);

    /* no grace: the young one goes too; the table's rows stay (GC-1) */
    OK(dc_catalog_gc(l.c, &(dc_catalog_gc_options){.grace_ns = -1}, &r, &e));
    assert_int_equal(r.staged_files, 1);
    assert_false(exists(young));
    dc_catalog_gc_report_free(&r);
    dc_table_info ti;
    OK(dc_table_describe(l.c, NULL, NULL, "users", &ti, &e));
    assert_int_equal(ti.row_count, 2);
    dc_table_info_clear(&ti);

    /* the report may be NULL; a report is zeroed on entry */
    OK(dc_catalog_gc(l.c, NULL, NULL, &e));
    lake_close(&l);
}

static void gc_collects_dropped_tables_once_their_versions_expire(void **state)
{
    (void)state;
    lake l;
    dc_error e;
    dc_catalog_gc_report r;
    lake_open(&l);
    write_table(&l, "keep", "id\n1\n");
    write_table(&l, "gone", "id\n1\n2\n");
    write_table(&l, "purged", "id\n1\n2\n3\n");
    OK(dc_table_drop(l.c, NULL, NULL, "purged", true, &e)); /* files removed at the drop */
    OK(dc_table_drop(l.c, NULL, NULL, "gone", false, &e));

    /* every version retained: the dropped table's files are still reachable */
    OK(dc_catalog_gc(l.c, &(dc_catalog_gc_options){.grace_ns = -1}, &r, &e));
    assert_int_equal(r.data_files, 0);
    dc_catalog_gc_report_free(&r);
    dc_txn *t = NULL;
    dc_reader *rd = NULL;
    OK(dc_txn_begin(&t, l.c, &(dc_txn_options){.as_of_version = 2}, &e));
    OK(dc_table_read(l.c, t, NULL, "gone", NULL, &rd, &e));
    dc_reader_free(rd);
    dc_txn_abort(t);

    /* keep only the last version: the dropped table's file goes, nothing of "keep" */
    OK(dc_catalog_gc(l.c, &(dc_catalog_gc_options){.grace_ns = -1, .retain_versions = 1}, &r, &e));
    assert_int_equal(r.data_files, 1);
    assert_true(r.bytes > 0);
    assert_int_equal(r.oldest_version, r.latest_version);
    dc_catalog_gc_report_free(&r);
    dc_table_info ti;
    OK(dc_table_describe(l.c, NULL, NULL, "keep", &ti, &e));
    assert_int_equal(ti.row_count, 1);
    dc_table_info_clear(&ti);
    assert_int_equal(dc_txn_begin(&t, l.c, &(dc_txn_options){.as_of_version = 2}, &e),
                     DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "expired"));

    /* bad options change nothing */
    assert_int_equal(dc_catalog_gc(l.c, &(dc_catalog_gc_options){.retain_versions = -1}, &r, &e),
                     DC_EINVALID);
    assert_non_null(strstr(e.message, "retain_versions"));
    dc_catalog_gc_report_free(&r);
    assert_int_equal(dc_catalog_gc(NULL, NULL, NULL, &e), DC_EINVALID);
    lake_close(&l);
}

/* ---- named catalogs ---- */

static void config_path_follows_the_environment(void **state)
{
    (void)state;
    dc_error e;
    char *p = NULL;
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("DELTACAT_CONFIG", "/x/my.json", 1);
    OK(dc_catalog_config_path(&p, &e));
    assert_string_equal(p, "/x/my.json");
    dc_free(p);
    unsetenv("DELTACAT_CONFIG");
    setenv("XDG_CONFIG_HOME", "/xdg", 1);
    OK(dc_catalog_config_path(&p, &e));
    assert_string_equal(p, "/xdg/deltacat/config.json");
    dc_free(p);
    unsetenv("XDG_CONFIG_HOME");
    setenv("HOME", "/home/ann", 1);
    OK(dc_catalog_config_path(&p, &e));
    assert_string_equal(p, "/home/ann/.config/deltacat/config.json");
    dc_free(p);
    unsetenv("HOME");
    assert_int_equal(dc_catalog_config_path(&p, &e), DC_ENOTFOUND);
    assert_null(p);
    assert_non_null(strstr(e.message, "DELTACAT_CONFIG"));
    if (saved_home)
        setenv("HOME", saved_home, 1);
    free(saved_home);
}

static void config_add_save_load_remove(void **state)
{
    (void)state;
    dc_error e;
    char *dir = tu_tmpdir(), path[600], root[600];
    snprintf(path, sizeof path, "%s/sub/dir/config.json", dir);
    dc_catalog_config *cfg = NULL;
    OK(dc_catalog_config_load(&cfg, path, &e)); /* a missing file: empty */
    assert_int_equal(dc_catalog_config_count(cfg), 0);
    assert_null(dc_catalog_config_default(cfg));
    assert_string_equal(dc_catalog_config_file(cfg), path);
    snprintf(root, sizeof root, "%s/b", dir);
    OK(dc_catalog_config_add(cfg, "zeta", root, &e));
    OK(dc_catalog_config_add(cfg, "alpha", "rel/a", &e));
    assert_string_equal(dc_catalog_config_default(cfg), "zeta"); /* the first added */
    assert_int_equal(dc_catalog_config_add(cfg, "zeta", "/elsewhere", &e), DC_EEXISTS);
    assert_non_null(strstr(e.message, "zeta already names a catalog"));
    assert_int_equal(dc_catalog_config_add(cfg, "../x", "/r", &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "not a catalog name"));
    assert_int_equal(dc_catalog_config_add(cfg, "a/b", "/r", &e), DC_EINVALID);
    assert_int_equal(dc_catalog_config_add(cfg, "ok", "", &e), DC_EINVALID);
    OK(dc_catalog_config_save(cfg, &e)); /* creates sub/dir */
    dc_catalog_config_free(cfg);

    OK(dc_catalog_config_load(&cfg, path, &e));
    assert_int_equal(dc_catalog_config_count(cfg), 2);
    assert_string_equal(dc_catalog_config_name(cfg, 0), "alpha"); /* sorted */
    assert_string_equal(dc_catalog_config_root(cfg, 0), "rel/a");
    assert_string_equal(dc_catalog_config_name(cfg, 1), "zeta");
    assert_null(dc_catalog_config_name(cfg, 2));
    assert_string_equal(dc_catalog_config_default(cfg), "zeta");
    OK(dc_catalog_config_set_default(cfg, "alpha", &e));
    assert_int_equal(dc_catalog_config_set_default(cfg, "nope", &e), DC_ENOTFOUND);

    /* open by name: a relative root is relative to the file's directory */
    dc_catalog *c = NULL;
    const dc_catalog_options create = {.create = true};
    OK(dc_catalog_config_open(&c, cfg, NULL, &create, &e)); /* the default: alpha */
    dc_catalog_close(c);
    snprintf(root, sizeof root, "%s/sub/dir/rel/a/_catalog.json", dir);
    assert_true(exists(root));
    assert_int_equal(dc_catalog_config_open(&c, cfg, "zeta", NULL, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "catalog zeta: "));
    assert_int_equal(dc_catalog_config_open(&c, cfg, "nope", NULL, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "no catalog named nope"));
    assert_non_null(strstr(e.message, "alpha, zeta"));

    OK(dc_catalog_config_remove(cfg, "alpha", &e)); /* the default goes with it */
    assert_int_equal(dc_catalog_config_count(cfg), 1);
    assert_string_equal(dc_catalog_config_default(cfg), "zeta"); /* the only one */
    assert_int_equal(dc_catalog_config_remove(cfg, "alpha", &e), DC_ENOTFOUND);
    OK(dc_catalog_config_save(cfg, &e));
    dc_catalog_config_free(cfg);
    tu_rmdir(dir);
    dc_free(dir);
}

static void config_keeps_what_it_does_not_know(void **state)
{
    (void)state;
    dc_error e;
    char *dir = tu_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/c.json", dir);
    write_text(path, "{\"default\": \"aws\", \"catalogs\": {\"aws\": {\"root\": \"s3://b/p\", "
                     "\"s3\": {\"region\": \"eu-west-1\"}}}, \"theme\": \"dark\"}");
    dc_catalog_config *cfg = NULL;
    OK(dc_catalog_config_load(&cfg, path, &e));
    OK(dc_catalog_config_add(cfg, "local", "/tmp/x", &e));
    OK(dc_catalog_config_save(cfg, &e));
    dc_catalog_config_free(cfg);
    FILE *f = fopen(path, "r");
    char buf[4096] = {0};
    assert_true(fread(buf, 1, sizeof buf - 1, f) > 0);
    fclose(f);
    assert_non_null(strstr(buf, "\"region\": \"eu-west-1\""));
    assert_non_null(strstr(buf, "\"theme\": \"dark\""));
    assert_non_null(strstr(buf, "\"default\": \"aws\""));
    tu_rmdir(dir);
    dc_free(dir);
}

static void config_refuses_malformed_files(void **state)
{
    (void)state;
    dc_error e;
    char *dir = tu_tmpdir(), path[600];
    snprintf(path, sizeof path, "%s/c.json", dir);
    static const struct {
        const char *text, *says;
    } cases[] = {
        {"{\"catalogs\": ", "invalid JSON"},
        {"[]", "the configuration is a JSON object"},
        {"{\"catalogs\": []}", "\"catalogs\" must be an object"},
        {"{\"catalogs\": {\"a\": {}}}", "catalog \"a\" needs a \"root\""},
        {"{\"catalogs\": {\"a\": {\"root\": \"\"}}}", "catalog \"a\" needs a \"root\""},
        {"{\"catalogs\": {\"..\": {\"root\": \"/x\"}}}", "not a catalog name"},
        {"{\"catalogs\": {\"a\": {\"root\": \"/x\", \"s3\": 1}}}", "\"s3\" settings"},
        {"{\"default\": \"b\", \"catalogs\": {\"a\": {\"root\": \"/x\"}}}",
         "names catalog \"b\", which the file does not define"},
        {"{\"default\": 3, \"catalogs\": {}}", "\"default\" must be a catalog name"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(path, cases[i].text);
        dc_catalog_config *cfg = NULL;
        assert_int_equal(dc_catalog_config_load(&cfg, path, &e), DC_EINVALID);
        assert_null(cfg);
        if (!strstr(e.message, cases[i].says) || !strstr(e.message, path))
            fail_msg("case %zu: %s", i, e.message);
    }
    /* a directory where the file should be: an I/O error */
    dc_catalog_config *cfg = NULL;
    assert_int_equal(dc_catalog_config_load(&cfg, dir, &e), DC_EIO);
    tu_rmdir(dir);
    dc_free(dir);
}

static void register_config_is_all_or_nothing(void **state)
{
    (void)state;
    dc_error e;
    char *dir = tu_tmpdir(), path[600], text[2048];
    snprintf(path, sizeof path, "%s/c.json", dir);
    snprintf(text, sizeof text,
             "{\"default\": \"two\", \"catalogs\": {\"one\": {\"root\": \"%s/one\"}, "
             "\"two\": {\"root\": \"%s/two\"}}}",
             dir, dir);
    write_text(path, text);
    dc_catalog_config *cfg = NULL;
    OK(dc_catalog_config_load(&cfg, path, &e));
    /* the roots hold no catalogs yet: nothing is registered */
    assert_int_equal(dc_catalogs_register_config(cfg, NULL, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "catalog one: "));
    dc_catalog *c = NULL;
    assert_int_equal(dc_catalogs_get("one", &c, &e), DC_ENOTFOUND);
    OK(dc_catalogs_register_config(cfg, &(dc_catalog_options){.create = true}, &e));
    OK(dc_catalogs_get(NULL, &c, &e)); /* the configuration's default */
    dc_catalog *two = NULL;
    OK(dc_catalogs_get("two", &two, &e));
    assert_ptr_equal(c, two);
    dc_catalog_close(c);
    dc_catalog_close(two);
    /* registering again: the names are taken, and nothing changes */
    assert_int_equal(dc_catalogs_register_config(cfg, NULL, &e), DC_EEXISTS);
    OK(dc_catalogs_get("one", &c, &e));
    dc_catalog_close(c);
    OK(dc_catalogs_remove("one", &e));
    /* "two" is still there, "one" is not: registering adds "one" then fails on
     * "two" and takes "one" away again */
    assert_int_equal(dc_catalogs_register_config(cfg, NULL, &e), DC_EEXISTS);
    assert_int_equal(dc_catalogs_get("one", &c, &e), DC_ENOTFOUND);
    OK(dc_catalogs_remove("two", &e));
    dc_catalog_config_free(cfg);
    tu_rmdir(dir);
    dc_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_json_text_round_trips_and_names_faults),
        cmocka_unit_test(gc_removes_abandoned_staged_files_after_the_grace),
        cmocka_unit_test(gc_collects_dropped_tables_once_their_versions_expire),
        cmocka_unit_test(config_path_follows_the_environment),
        cmocka_unit_test(config_add_save_load_remove),
        cmocka_unit_test(config_keeps_what_it_does_not_know),
        cmocka_unit_test(config_refuses_malformed_files),
        cmocka_unit_test(register_config_is_all_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
