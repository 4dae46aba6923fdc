/*
 * test_table.c: the table API (include/deltacat/table.h), one test per
 * behaviour: namespaces, tables, write modes, schema evolution on write,
 * reads (projection, filter, limit and offset, pruning that opens only the
 * files that can match), plans, multi-table transactions and time travel,
 * each error with its code and message. Runs on the memory backend and on a
 * local directory.
 */
#include "testutil.h"

#include <deltacat/table.h>

#include "catalog/engine_int.h"
#include "formats/formats_int.h"
#include "formats/parquet/parquet_int.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int g_backend; /* 0 memory, 1 local */
static char *g_dir;

static dc_catalog *open_catalog(void)
{
    static int seq;
    char url[512];
    if (g_backend == 0) {
        snprintf(url, sizeof url, "mem://table-test-%d", ++seq);
    } else {
        dc_free(g_dir);
        g_dir = tu_tmpdir();
        snprintf(url, sizeof url, "%s/cat", g_dir);
    }
    dc_catalog *c;
    dc_catalog_options o = {.create = true};
    DC_ASSERT_OK(dc_catalog_open(&c, url, &o, NULL));
    return c;
}

static void close_catalog(dc_catalog *c)
{
    dc_catalog_close(c);
    if (g_dir) {
        tu_rmdir(g_dir);
        dc_free(g_dir);
        g_dir = NULL;
    }
}

/* Rows id = start .. start+n-1, name = "n<id>" (and score = id * 0.5 when with_score). */
static dc_reader *rows(int64_t start, int64_t n, bool with_score)
{
    int64_t *ids = dc_malloc((size_t)n * sizeof *ids);
    double *sc = dc_malloc((size_t)n * sizeof *sc);
    char **names = dc_malloc((size_t)n * sizeof *names);
    for (int64_t i = 0; i < n; i++) {
        ids[i] = start + i;
        sc[i] = (double)(start + i) * 0.5;
        names[i] = dc_malloc(32);
        snprintf(names[i], 32, "n%lld", (long long)(start + i));
    }
    dc_array *cols[3] = {tu_int64(ids, n, NULL), tu_utf8((const char *const *)names, n),
                         tu_double(sc, n, NULL)};
    int nc = with_score ? 3 : 2;
    dc_field f[3];
    const char *fn[3] = {"id", "name", "score"};
    for (int i = 0; i < nc; i++)
        DC_ASSERT_OK(dc_field_init(&f[i], fn[i], cols[i]->type, true, NULL));
    dc_schema *s = dc_schema_new(f, nc, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, s, cols, n, NULL));
    dc_reader *r;
    DC_ASSERT_OK(dc_reader_from_batches(&r, s, &b, 1, NULL));
    dc_batch_unref(b);
    dc_schema_unref(s);
    for (int i = 0; i < 3; i++)
        dc_array_unref(cols[i]);
    for (int i = 0; i < nc; i++)
        dc_field_clear(&f[i]);
    for (int64_t i = 0; i < n; i++)
        dc_free(names[i]);
    dc_free(names);
    dc_free(ids);
    dc_free(sc);
    return r;
}

static dc_status write_rows(dc_catalog *c, dc_txn *t, const char *table, int64_t start, int64_t n,
                            dc_write_mode mode, dc_error *e)
{
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    o.mode = mode;
    dc_reader *r = rows(start, n, false);
    dc_status rc = dc_table_write(c, t, NULL, table, r, &o, NULL, e);
    dc_reader_free(r);
    return rc;
}

/* Every row of column `col` of a read, as text joined by ","; *n rows. */
static char *read_col(dc_catalog *c, dc_txn *t, const char *table, const dc_table_read_options *o,
                      const char *col, int64_t *n)
{
    dc_reader *r;
    dc_error e;
    if (dc_table_read(c, t, NULL, table, o, &r, &e) != DC_OK)
        fail_msg("read %s: %s", table, e.message);
    dc_strbuf s;
    dc_strbuf_init(&s);
    *n = 0;
    for (;;) {
        dc_batch *b;
        if (dc_reader_next(r, &b, &e) != DC_OK)
            fail_msg("read next: %s", e.message);
        if (!b)
            break;
        int32_t k = dc_schema_find(b->schema, col);
        assert_true(k >= 0);
        for (int64_t i = 0; i < b->length; i++) {
            char *v = dc_value_to_text(b->columns[k], i, false);
            dc_strbuf_printf(&s, "%s%s", *n ? "," : "", v ? v : "null");
            dc_free(v);
            (*n)++;
        }
        dc_batch_unref(b);
    }
    dc_reader_free(r);
    return dc_strbuf_detach(&s);
}

/* ---- namespaces ---- */

static void test_namespaces(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    dc_metadata props = {0};
    DC_ASSERT_OK(dc_metadata_set(&props, "owner", "ml"));
    DC_ASSERT_OK(dc_namespace_create(c, NULL, "zoo", &props, NULL));
    DC_ASSERT_OK(dc_namespace_create(c, NULL, "animals", NULL, NULL));
    assert_int_equal(dc_namespace_create(c, NULL, "zoo", NULL, &e), DC_EEXISTS);
    assert_non_null(strstr(e.message, "zoo"));
    assert_int_equal(dc_namespace_create(c, NULL, "../x", NULL, &e), DC_EINVALID);
    bool ex;
    DC_ASSERT_OK(dc_namespace_exists(c, NULL, "zoo", &ex, NULL));
    assert_true(ex);
    DC_ASSERT_OK(dc_namespace_exists(c, NULL, "nope", &ex, NULL));
    assert_false(ex);
    dc_namespace_info ni;
    DC_ASSERT_OK(dc_namespace_get(c, NULL, "zoo", &ni, NULL));
    assert_string_equal(dc_metadata_get(&ni.properties, "owner"), "ml");
    dc_namespace_info_clear(&ni);
    assert_int_equal(dc_namespace_get(c, NULL, "nope", &ni, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "nope"));
    dc_namespace_info *all;
    int64_t n;
    DC_ASSERT_OK(dc_namespace_list(c, NULL, &all, &n, NULL));
    assert_int_equal(n, 2); /* sorted by name; "default" appears with its first table */
    assert_string_equal(all[0].name, "animals");
    assert_string_equal(all[1].name, "zoo");
    dc_namespace_infos_free(all, n);
    /* rename and properties */
    dc_metadata p2 = {0};
    DC_ASSERT_OK(dc_metadata_set(&p2, "owner", "data"));
    DC_ASSERT_OK(dc_namespace_alter(c, NULL, "zoo", "zoo2", &p2, NULL));
    DC_ASSERT_OK(dc_namespace_get(c, NULL, "zoo2", &ni, NULL));
    assert_string_equal(dc_metadata_get(&ni.properties, "owner"), "data");
    dc_namespace_info_clear(&ni);
    assert_int_equal(dc_namespace_alter(c, NULL, "zoo2", "animals", NULL, &e), DC_EEXISTS);
    /* drop: refused while it holds a table, unless cascade */
    DC_ASSERT_OK(dc_table_create(c, NULL, "zoo2", "cats", NULL, NULL));
    assert_int_equal(dc_namespace_drop(c, NULL, "zoo2", false, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "cats"));
    DC_ASSERT_OK(dc_namespace_drop(c, NULL, "zoo2", true, NULL));
    DC_ASSERT_OK(dc_namespace_exists(c, NULL, "zoo2", &ex, NULL));
    assert_false(ex);
    DC_ASSERT_OK(dc_namespace_drop(c, NULL, "animals", false, NULL));
    assert_int_equal(dc_namespace_drop(c, NULL, "animals", false, &e), DC_ENOTFOUND);
    dc_metadata_clear(&props);
    dc_metadata_clear(&p2);
    close_catalog(c);
}

/* ---- tables ---- */

static void test_tables(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    dc_reader *r = rows(0, 1, false);
    dc_table_options o;
    dc_table_options_init(&o);
    o.schema = dc_reader_schema(r);
    o.description = "felines";
    o.evolution = DC_SCHEMA_EVOLUTION_MANUAL;
    DC_ASSERT_OK(dc_table_create(c, NULL, NULL, "cats", &o, NULL));
    assert_int_equal(dc_table_create(c, NULL, NULL, "cats", &o, &e), DC_EEXISTS);
    assert_non_null(strstr(e.message, "cats"));
    o.if_not_exists = true;
    DC_ASSERT_OK(dc_table_create(c, NULL, NULL, "cats", &o, NULL));
    assert_int_equal(dc_table_create(c, NULL, "nope", "cats", &o, &e), DC_ENOTFOUND);
    dc_table_info ti;
    DC_ASSERT_OK(dc_table_describe(c, NULL, NULL, "cats", &ti, NULL));
    assert_string_equal(ti.name, "cats");
    assert_string_equal(ti.namespace_name, "default");
    assert_string_equal(ti.description, "felines");
    assert_int_equal(ti.table_version, 1);
    assert_int_equal(ti.evolution, DC_SCHEMA_EVOLUTION_MANUAL);
    assert_int_equal(ti.content_type, DC_FORMAT_PARQUET);
    assert_int_equal(ti.schema->n_fields, 2);
    assert_string_equal(dc_metadata_get(&ti.schema->fields[1].metadata, "deltacat.field_id"), "2");
    assert_int_equal(ti.row_count, 0);
    dc_table_info_clear(&ti);
    bool ex;
    DC_ASSERT_OK(dc_table_exists(c, NULL, NULL, "cats", &ex, NULL));
    assert_true(ex);
    /* rename, move, alter, list, drop */
    DC_ASSERT_OK(dc_namespace_create(c, NULL, "pets", NULL, NULL));
    DC_ASSERT_OK(dc_table_rename(c, NULL, NULL, "cats", "pets", "felines", NULL));
    DC_ASSERT_OK(dc_table_exists(c, NULL, NULL, "cats", &ex, NULL));
    assert_false(ex);
    dc_metadata p = {0};
    DC_ASSERT_OK(dc_metadata_set(&p, "team", "a"));
    DC_ASSERT_OK(dc_table_alter(c, NULL, "pets", "felines", &p, NULL, NULL));
    DC_ASSERT_OK(dc_table_create(c, NULL, "pets", "dogs", NULL, NULL));
    dc_table_info *all;
    int64_t n;
    DC_ASSERT_OK(dc_table_list(c, NULL, "pets", &all, &n, NULL));
    assert_int_equal(n, 2);
    assert_string_equal(all[0].name, "dogs");
    assert_string_equal(all[1].name, "felines");
    assert_string_equal(dc_metadata_get(&all[1].properties, "team"), "a");
    assert_string_equal(all[1].description, "felines"); /* kept by alter */
    dc_table_infos_free(all, n);
    DC_ASSERT_OK(dc_table_drop(c, NULL, "pets", "dogs", false, NULL));
    assert_int_equal(dc_table_drop(c, NULL, "pets", "dogs", false, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "dogs"));
    /* a name no table or namespace could have is invalid, not missing */
    assert_int_equal(dc_table_describe(c, NULL, NULL, "../etc", &ti, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "table name \"../etc\" may not contain '/'"));
    assert_int_equal(dc_table_create(c, NULL, "../x", "t", NULL, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "namespace name \"../x\""));
    assert_int_equal(dc_table_describe(c, NULL, "..", "t", &ti, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "may not be \".\" or \"..\""));
    assert_int_equal(dc_table_describe(c, NULL, NULL, "nope", &ti, &e), DC_ENOTFOUND);
    dc_metadata_clear(&p);
    dc_reader_free(r);
    close_catalog(c);
}

static void test_drop_keeps_files_unless_purged(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    DC_ASSERT_OK(write_rows(c, NULL, "keep", 0, 3, DC_WRITE_AUTO, NULL));
    DC_ASSERT_OK(write_rows(c, NULL, "gone", 0, 3, DC_WRITE_AUTO, NULL));
    dc_read_plan *pk, *pg;
    DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "keep", NULL, 0, 0, &pk, NULL));
    DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "gone", NULL, 0, 0, &pg, NULL));
    dc_txn *t;
    DC_ASSERT_OK(dc_txn_begin(&t, c, NULL, NULL));
    assert_int_equal(dc_table_drop(c, t, NULL, "gone", true, &e), DC_EINVALID);
    dc_txn_abort(t);
    DC_ASSERT_OK(dc_table_drop(c, NULL, NULL, "keep", false, NULL));
    DC_ASSERT_OK(dc_table_drop(c, NULL, NULL, "gone", true, NULL));
    bool ex;
    DC_ASSERT_OK(dc_fs_exists(dc_store_fs(c->store), pk->files[0].path, &ex, NULL));
    assert_true(ex); /* earlier versions still read it */
    DC_ASSERT_OK(dc_fs_exists(dc_store_fs(c->store), pg->files[0].path, &ex, NULL));
    assert_false(ex);
    dc_read_plan_free(pk);
    dc_read_plan_free(pg);
    close_catalog(c);
}

/* ---- writes ---- */

static void test_write_modes(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    int64_t n;
    assert_int_equal(write_rows(c, NULL, "t", 0, 3, DC_WRITE_ADD, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "AUTO or CREATE"));
    assert_int_equal(write_rows(c, NULL, "t", 0, 3, DC_WRITE_APPEND, &e), DC_ENOTFOUND);
    assert_int_equal(write_rows(c, NULL, "t", 0, 3, DC_WRITE_REPLACE, &e), DC_ENOTFOUND);
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    dc_write_result res;
    dc_reader *r = rows(0, 3, false);
    DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "t", r, &o, &res, NULL)); /* AUTO creates */
    dc_reader_free(r);
    assert_true(res.created);
    assert_int_equal(res.rows, 3);
    assert_int_equal(res.files, 1);
    assert_true(res.commit_version > 0);
    assert_int_equal(write_rows(c, NULL, "t", 0, 3, DC_WRITE_CREATE, &e), DC_EEXISTS);
    DC_ASSERT_OK(write_rows(c, NULL, "t", 3, 2, DC_WRITE_APPEND, NULL));
    DC_ASSERT_OK(write_rows(c, NULL, "t", 5, 2, DC_WRITE_APPEND, NULL));
    char *ids = read_col(c, NULL, "t", NULL, "id", &n);
    assert_string_equal(ids, "0,1,2,3,4,5,6"); /* appends read back in write order */
    dc_free(ids);
    DC_ASSERT_OK(write_rows(c, NULL, "t", 100, 2, DC_WRITE_REPLACE, NULL));
    ids = read_col(c, NULL, "t", NULL, "id", &n);
    assert_string_equal(ids, "100,101");
    dc_free(ids);
    dc_table_info ti;
    DC_ASSERT_OK(dc_table_describe(c, NULL, NULL, "t", &ti, NULL));
    assert_int_equal(ti.row_count, 2);
    assert_int_equal(ti.file_count, 1);
    dc_table_info_clear(&ti);
    /* MERGE needs merge keys */
    assert_int_equal(write_rows(c, NULL, "t", 0, 1, DC_WRITE_MERGE, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "merge key"));
    assert_int_equal(write_rows(c, NULL, "t", 0, 1, DC_WRITE_DELETE, &e), DC_EINVALID);
    /* truncate, and the rows before it by time travel */
    int64_t before;
    DC_ASSERT_OK(dc_catalog_latest_version(c, &before, NULL));
    DC_ASSERT_OK(dc_table_truncate(c, NULL, NULL, "t", NULL));
    ids = read_col(c, NULL, "t", NULL, "id", &n);
    assert_int_equal(n, 0);
    dc_free(ids);
    dc_txn *old;
    dc_txn_options to = {.as_of_version = before};
    DC_ASSERT_OK(dc_txn_begin(&old, c, &to, NULL));
    ids = read_col(c, old, "t", NULL, "id", &n);
    assert_string_equal(ids, "100,101");
    dc_free(ids);
    /* no writes in an as-of transaction */
    assert_int_equal(write_rows(c, old, "t", 0, 1, DC_WRITE_ADD, &e), DC_EINVALID);
    dc_txn_abort(old);
    close_catalog(c);
}

static void test_content_types_round_trip(void **state)
{
    (void)state;
    const dc_file_format fmts[] = {DC_FORMAT_CSV, DC_FORMAT_JSONL, DC_FORMAT_PARQUET};
    for (size_t k = 0; k < DC_ARRAY_LEN(fmts); k++) {
        dc_catalog *c = open_catalog();
        dc_table_options to;
        dc_table_options_init(&to);
        to.content_type = fmts[k];
        dc_table_write_options o;
        dc_table_write_options_init(&o);
        o.create = &to;
        dc_reader *r = rows(10, 5, true);
        DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "t", r, &o, NULL, NULL));
        dc_reader_free(r);
        int64_t n;
        char *v = read_col(c, NULL, "t", NULL, "name", &n);
        assert_string_equal(v, "n10,n11,n12,n13,n14");
        dc_free(v);
        v = read_col(c, NULL, "t", NULL, "score", &n);
        assert_string_equal(v, "5.0,5.5,6.0,6.5,7.0");
        dc_free(v);
        dc_read_plan *p;
        DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "t", NULL, 0, 0, &p, NULL));
        assert_int_equal(p->n_files, 1);
        assert_int_equal(p->files[0].content_type, fmts[k]);
        dc_read_plan_free(p);
        close_catalog(c);
    }
}

/* ---- schemas ---- */

static void test_schema_evolution_on_write(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    int64_t n;
    DC_ASSERT_OK(write_rows(c, NULL, "auto", 0, 2, DC_WRITE_AUTO, NULL));
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    dc_write_result res;
    dc_reader *r = rows(2, 2, true); /* a new column: score */
    DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "auto", r, &o, &res, NULL));
    dc_reader_free(r);
    assert_true(res.schema_changed);
    char *v = read_col(c, NULL, "auto", NULL, "score", &n);
    assert_string_equal(v, "null,null,1.0,1.5"); /* older files lack it */
    dc_free(v);
    DC_ASSERT_OK(write_rows(c, NULL, "auto", 4, 1, DC_WRITE_ADD, NULL)); /* lacks score */
    v = read_col(c, NULL, "auto", NULL, "score", &n);
    assert_int_equal(n, 5);
    dc_free(v);
    /* MANUAL: a new column is an error, and nothing is written */
    dc_table_options to;
    dc_table_options_init(&to);
    to.evolution = DC_SCHEMA_EVOLUTION_MANUAL;
    dc_reader *first = rows(0, 1, false);
    to.schema = dc_reader_schema(first);
    DC_ASSERT_OK(dc_table_create(c, NULL, NULL, "manual", &to, NULL));
    dc_reader_free(first);
    r = rows(0, 2, true);
    assert_int_equal(dc_table_write(c, NULL, NULL, "manual", r, &o, NULL, &e), DC_ESCHEMA);
    dc_reader_free(r);
    assert_non_null(strstr(e.message, "score"));
    dc_table_info ti;
    DC_ASSERT_OK(dc_table_describe(c, NULL, NULL, "manual", &ti, NULL));
    assert_int_equal(ti.row_count, 0);
    assert_int_equal(ti.schema->n_fields, 2);
    dc_table_info_clear(&ti);
    close_catalog(c);
}

static void test_schema_updates(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    int64_t n;
    DC_ASSERT_OK(write_rows(c, NULL, "t", 0, 3, DC_WRITE_AUTO, NULL));
    /* rename keeps the field id: the file written before reads under the new name */
    dc_schema_update ren = {.kind = DC_SU_RENAME, .column = "name", .new_name = "label"};
    DC_ASSERT_OK(dc_table_update_schema(c, NULL, NULL, "t", &ren, 1, false, NULL));
    char *v = read_col(c, NULL, "t", NULL, "label", &n);
    assert_string_equal(v, "n0,n1,n2");
    dc_free(v);
    /* a new column with a default: old rows show it */
    dc_type *f64 = dc_type_new(DC_TYPE_FLOAT64);
    dc_schema_update add = {
        .kind = DC_SU_ADD, .column = "weight", .type = f64, .nullable = true, .text = "1.5"};
    DC_ASSERT_OK(dc_table_update_schema(c, NULL, NULL, "t", &add, 1, false, NULL));
    v = read_col(c, NULL, "t", NULL, "weight", &n);
    assert_string_equal(v, "1.5,1.5,1.5");
    dc_free(v);
    /* a filter on the renamed column prunes and filters by its new name */
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    ro.filter = "{\"eq\": [\"label\", \"n1\"]}";
    v = read_col(c, NULL, "t", &ro, "id", &n);
    assert_string_equal(v, "1");
    dc_free(v);
    ro.filter = "{\"eq\": [\"label\", \"zz\"]}"; /* the stats of the old name exclude it */
    dc_read_plan *p;
    DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "t", &ro, 0, 0, &p, NULL));
    assert_int_equal(p->pruned_files, 1);
    dc_read_plan_free(p);
    /* incompatible: refused unless allowed; nothing changes */
    dc_schema_update drop = {.kind = DC_SU_DROP, .column = "weight"};
    assert_int_equal(dc_table_update_schema(c, NULL, NULL, "t", &drop, 1, false, &e), DC_ESCHEMA);
    assert_non_null(strstr(e.message, "weight"));
    dc_table_info ti;
    DC_ASSERT_OK(dc_table_describe(c, NULL, NULL, "t", &ti, NULL));
    assert_int_equal(ti.schema->n_fields, 3);
    dc_table_info_clear(&ti);
    DC_ASSERT_OK(dc_table_update_schema(c, NULL, NULL, "t", &drop, 1, true, NULL));
    assert_int_equal(dc_table_update_schema(c, NULL, NULL, "t", &ren, 1, false, &e),
                     DC_ENOTFOUND); /* "name" is gone */
    /* DISABLED: no update at all */
    dc_table_options to;
    dc_table_options_init(&to);
    to.evolution = DC_SCHEMA_EVOLUTION_DISABLED;
    DC_ASSERT_OK(dc_table_create(c, NULL, NULL, "frozen", &to, NULL));
    assert_int_equal(dc_table_update_schema(c, NULL, NULL, "frozen", &add, 1, false, &e),
                     DC_ESCHEMA);
    assert_non_null(strstr(e.message, "DISABLED"));
    dc_type_unref(f64);
    close_catalog(c);
}

typedef struct auto_arg {
    dc_catalog *c;
    int k;
    dc_status rc;
    dc_error e;
} auto_arg;

static void *auto_writer(void *p)
{
    auto_arg *a = p;
    a->rc = write_rows(a->c, NULL, "fresh", a->k * 100, 10, DC_WRITE_AUTO, &a->e);
    return NULL;
}

static void test_concurrent_auto_writes_to_a_new_table_all_succeed(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    enum { N = 4 };
    pthread_t th[N];
    auto_arg args[N];
    for (int i = 0; i < N; i++) {
        args[i] = (auto_arg){.c = c, .k = i};
        assert_int_equal(pthread_create(&th[i], NULL, auto_writer, &args[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (args[i].rc != DC_OK)
            fail_msg("writer %d: %s", i, args[i].e.message);
    }
    int64_t n;
    char *v = read_col(c, NULL, "fresh", NULL, "id", &n);
    assert_int_equal(n, N * 10);
    dc_free(v);
    close_catalog(c);
}

static void test_partitioned_tables(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    int64_t n;
    dc_table_options to;
    dc_table_options_init(&to);
    to.partition_by = "truncate(10, id), bucket(4, name)";
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    o.create = &to;
    dc_reader *r = rows(0, 40, true);
    dc_write_result res;
    DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "p", r, &o, &res, NULL));
    dc_reader_free(r);
    assert_true(res.files >= 4); /* at least one file per id decade */
    dc_table_info ti;
    DC_ASSERT_OK(dc_table_describe(c, NULL, NULL, "p", &ti, NULL));
    assert_string_equal(ti.partition_by, "truncate(10, id), bucket(4, name)");
    assert_int_equal(ti.row_count, 40);
    assert_int_equal(ti.partition_count, res.files);
    dc_table_info_clear(&ti);
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    ro.filter = "{\"between\": [\"id\", 12, 14]}";
    dc_read_plan *p;
    DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "p", &ro, 0, 0, &p, NULL));
    for (int64_t i = 0; i < p->n_partitions; i++) /* only the id_truncate=10 partitions */
        assert_non_null(strstr(p->partitions[i].key, "id_truncate=10/"));
    assert_true(p->pruned_files >= 3);
    char *json = dc_read_plan_to_json(p);
    assert_non_null(strstr(json, "\"partitions\""));
    dc_free(json);
    dc_read_plan_free(p);
    char *v = read_col(c, NULL, "p", &ro, "id", &n);
    assert_int_equal(n, 3);
    dc_free(v);
    v = read_col(c, NULL, "p", NULL, "id", &n);
    assert_int_equal(n, 40);
    dc_free(v);
    /* bad schemes */
    to.partition_by = "bucket(0, id)";
    assert_int_equal(dc_table_write(c, NULL, NULL, "bad", r = rows(0, 1, false), &o, NULL, &e),
                     DC_EINVALID);
    dc_reader_free(r);
    to.partition_by = "day(name)";
    assert_int_equal(dc_table_write(c, NULL, NULL, "bad", r = rows(0, 1, false), &o, NULL, &e),
                     DC_ESCHEMA);
    dc_reader_free(r);
    assert_non_null(strstr(e.message, "name"));
    bool ex;
    DC_ASSERT_OK(dc_table_exists(c, NULL, NULL, "bad", &ex, NULL));
    assert_false(ex);
    close_catalog(c);
}

/* A decimal256 column: pandas cannot hold it, pyarrow can (seed 000). */
static dc_reader *decimal_rows(bool wide)
{
    const char *texts[] = {"1.50", "2.25"};
    dc_type *t = dc_type_decimal(wide ? 256 : 128, wide ? 40 : 20, 2);
    dc_array *a = tu_of_type(t, texts, 2);
    dc_field f;
    DC_ASSERT_OK(dc_field_init(&f, "price", t, true, NULL));
    dc_schema *s = dc_schema_new(&f, 1, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, s, &a, 2, NULL));
    dc_reader *r;
    DC_ASSERT_OK(dc_reader_from_batches(&r, s, &b, 1, NULL));
    dc_batch_unref(b);
    dc_schema_unref(s);
    dc_field_clear(&f);
    dc_array_unref(a);
    dc_type_unref(t);
    return r;
}

static void test_supported_reader_types(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    const char *readers[] = {"pyarrow", "pandas"};
    dc_table_options to;
    dc_table_options_init(&to);
    to.readers = readers;
    to.n_readers = 2;
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    o.create = &to;
    dc_reader *r = decimal_rows(true);
    assert_int_equal(dc_table_write(c, NULL, NULL, "d", r, &o, NULL, &e), DC_ESCHEMA);
    dc_reader_free(r);
    assert_non_null(strstr(e.message, "pandas"));
    assert_non_null(strstr(e.message, "price"));
    bool ex;
    DC_ASSERT_OK(dc_table_exists(c, NULL, NULL, "d", &ex, NULL));
    assert_false(ex); /* nothing was written or created */
    r = decimal_rows(false);
    DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "d", r, &o, NULL, NULL));
    dc_reader_free(r);
    int64_t n;
    char *v = read_col(c, NULL, "d", NULL, "price", &n);
    assert_string_equal(v, "1.50,2.25");
    dc_free(v);
    const char *bogus[] = {"excel"};
    to.readers = bogus;
    to.n_readers = 1;
    assert_int_equal(dc_table_create(c, NULL, NULL, "x", &to, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "excel"));
    close_catalog(c);
}

static void test_table_versions_and_rollback(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    int64_t n, v1;
    DC_ASSERT_OK(write_rows(c, NULL, "t", 0, 3, DC_WRITE_AUTO, NULL));
    DC_ASSERT_OK(dc_catalog_latest_version(c, &v1, NULL));
    DC_ASSERT_OK(write_rows(c, NULL, "t", 3, 2, DC_WRITE_ADD, NULL));
    /* rollback to v1: a new commit with v1's rows; history kept */
    DC_ASSERT_OK(dc_table_rollback(c, NULL, NULL, "t", v1, 0, NULL));
    char *v = read_col(c, NULL, "t", NULL, "id", &n);
    assert_string_equal(v, "0,1,2");
    dc_free(v);
    int64_t latest;
    DC_ASSERT_OK(dc_catalog_latest_version(c, &latest, NULL));
    assert_int_equal(latest, v1 + 2);
    assert_int_equal(dc_table_rollback(c, NULL, NULL, "t", latest + 5, 0, &e), DC_EINVALID);
    assert_int_equal(dc_table_rollback(c, NULL, NULL, "t", 0, 0, &e), DC_EINVALID);
    /* version 2 with another schema; version 1 keeps its rows and stays readable */
    dc_reader *r = rows(0, 1, true);
    dc_table_options to;
    dc_table_options_init(&to);
    to.schema = dc_reader_schema(r);
    int64_t tv;
    DC_ASSERT_OK(dc_table_create_version(c, NULL, NULL, "t", &to, &tv, NULL));
    dc_reader_free(r);
    assert_int_equal(tv, 2);
    v = read_col(c, NULL, "t", NULL, "id", &n);
    assert_int_equal(n, 0); /* the new version starts empty */
    dc_free(v);
    DC_ASSERT_OK(write_rows(c, NULL, "t", 50, 2, DC_WRITE_ADD, NULL));
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    ro.table_version = 1;
    v = read_col(c, NULL, "t", &ro, "id", &n);
    assert_string_equal(v, "0,1,2");
    dc_free(v);
    dc_table_write_options wo;
    dc_table_write_options_init(&wo);
    wo.mode = DC_WRITE_ADD;
    wo.table_version = 1;
    r = rows(9, 1, false);
    DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "t", r, &wo, NULL, NULL));
    dc_reader_free(r);
    v = read_col(c, NULL, "t", &ro, "id", &n);
    assert_int_equal(n, 4);
    dc_free(v);
    ro.table_version = 7;
    dc_reader *tr;
    assert_int_equal(dc_table_read(c, NULL, NULL, "t", &ro, &tr, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "7"));
    dc_table_version_info *vs;
    DC_ASSERT_OK(dc_table_versions(c, NULL, NULL, "t", &vs, &n, NULL));
    assert_int_equal(n, 2);
    assert_false(vs[0].current);
    assert_true(vs[1].current);
    assert_int_equal(vs[0].row_count, 4);
    assert_int_equal(vs[1].row_count, 2);
    assert_int_equal(vs[1].schema->n_fields, 3);
    dc_table_versions_free(vs, n);
    /* lifecycle: a deprecated version takes no writes, still reads */
    DC_ASSERT_OK(dc_table_set_lifecycle(c, NULL, NULL, "t", 1, "deprecated", NULL));
    assert_int_equal(dc_table_set_lifecycle(c, NULL, NULL, "t", 1, "gone", &e), DC_EINVALID);
    assert_int_equal(dc_table_set_lifecycle(c, NULL, NULL, "t", 9, "beta", &e), DC_ENOTFOUND);
    r = rows(9, 1, false);
    assert_int_equal(dc_table_write(c, NULL, NULL, "t", r, &wo, NULL, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "deprecated"));
    dc_reader_free(r);
    ro.table_version = 1;
    v = read_col(c, NULL, "t", &ro, "id", &n);
    assert_int_equal(n, 4);
    dc_free(v);
    DC_ASSERT_OK(dc_table_versions(c, NULL, NULL, "t", &vs, &n, NULL));
    assert_string_equal(vs[0].lifecycle, "deprecated");
    assert_string_equal(vs[1].lifecycle, "active");
    dc_table_versions_free(vs, n);
    /* rollback across table versions is refused, saying why */
    assert_int_equal(dc_table_rollback(c, NULL, NULL, "t", v1, 0, &e), DC_EUNSUPPORTED);
    assert_non_null(strstr(e.message, "table version"));
    close_catalog(c);
}

/* Write the rows of `r` as a Parquet file at `path` of the catalog's store; its size. */
static int64_t put_parquet(dc_catalog *c, const char *path, dc_reader *r)
{
    return tu_put_parquet(dc_store_fs(c->store), path, r);
}

static void test_staged_writes(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    int64_t n;
    DC_ASSERT_OK(write_rows(c, NULL, "t", 0, 2, DC_WRITE_AUTO, NULL));
    char *prefix;
    DC_ASSERT_OK(dc_table_stage(c, NULL, NULL, "t", &prefix, NULL));
    assert_int_equal(strncmp(prefix, "_staging/", 9), 0);
    char p1[256], p2[256];
    snprintf(p1, sizeof p1, "%spart-1.parquet", prefix);
    snprintf(p2, sizeof p2, "%spart-2.parquet", prefix);
    int64_t s1 = put_parquet(c, p1, rows(100, 10, false));
    int64_t s2 = put_parquet(c, p2, rows(200, 5, true)); /* a new column: AUTO evolution */
    dc_staged_file f[2] = {{.path = p1, .file_size = s1, .record_count = 10},
                           {.path = p2, .file_size = s2, .record_count = 5}};
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    o.mode = DC_WRITE_ADD;
    /* every wrong declaration is refused, naming the file; nothing is committed */
    f[1].file_size = s2 + 1;
    assert_int_equal(dc_table_commit_staged(c, NULL, NULL, "t", f, 2, &o, NULL, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "part-2.parquet"));
    assert_non_null(strstr(e.message, "bytes"));
    f[1].file_size = s2;
    f[0].record_count = 11;
    assert_int_equal(dc_table_commit_staged(c, NULL, NULL, "t", f, 2, &o, NULL, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "records"));
    f[0].record_count = 10;
    dc_staged_file outside = {.path = "data/elsewhere.parquet", .file_size = 1, .record_count = 1};
    assert_int_equal(dc_table_commit_staged(c, NULL, NULL, "t", &outside, 1, &o, NULL, &e),
                     DC_EINVALID);
    assert_non_null(strstr(e.message, "staging prefix"));
    dc_staged_file up = {.path = "_staging/../_log/x.json", .file_size = 1, .record_count = 1};
    assert_int_equal(dc_table_commit_staged(c, NULL, NULL, "t", &up, 1, &o, NULL, &e), DC_EINVALID);
    char p3[256];
    snprintf(p3, sizeof p3, "%smissing.parquet", prefix);
    dc_staged_file missing = {.path = p3, .file_size = 1, .record_count = 1};
    assert_int_equal(dc_table_commit_staged(c, NULL, NULL, "t", &missing, 1, &o, NULL, &e),
                     DC_ENOTFOUND);
    char *v = read_col(c, NULL, "t", NULL, "id", &n);
    assert_int_equal(n, 2);
    dc_free(v);
    /* the good commit */
    dc_write_result res;
    DC_ASSERT_OK(dc_table_commit_staged(c, NULL, NULL, "t", f, 2, &o, &res, NULL));
    assert_int_equal(res.rows, 15);
    assert_true(res.schema_changed);
    v = read_col(c, NULL, "t", NULL, "id", &n);
    assert_int_equal(n, 17);
    dc_free(v);
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    ro.filter = "{\"gte\": [\"id\", 200]}";
    dc_read_plan *p;
    DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "t", &ro, 0, 0, &p, NULL));
    assert_int_equal(p->total_files, 1); /* statistics from the staged file's footer */
    assert_string_equal(p->files[0].path, p2);
    dc_read_plan_free(p);
    v = read_col(c, NULL, "t", &ro, "score", &n);
    assert_string_equal(v, "100.0,100.5,101.0,101.5,102.0");
    dc_free(v);
    /* a file whose column type cannot be read as the table's */
    char p4[256];
    snprintf(p4, sizeof p4, "%sbad.parquet", prefix);
    const char *texts[] = {"a", "b"};
    dc_array *a = tu_utf8(texts, 2);
    dc_field fl;
    DC_ASSERT_OK(dc_field_init(&fl, "id", a->type, true, NULL));
    dc_schema *sc = dc_schema_new(&fl, 1, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, sc, &a, 2, NULL));
    dc_reader *br;
    DC_ASSERT_OK(dc_reader_from_batches(&br, sc, &b, 1, NULL));
    int64_t s4 = put_parquet(c, p4, br);
    dc_staged_file bad = {.path = p4, .file_size = s4, .record_count = 2};
    assert_int_equal(dc_table_commit_staged(c, NULL, NULL, "t", &bad, 1, &o, NULL, &e), DC_ESCHEMA);
    assert_non_null(strstr(e.message, "bad.parquet"));
    assert_non_null(strstr(e.message, "id"));
    dc_batch_unref(b);
    dc_schema_unref(sc);
    dc_field_clear(&fl);
    dc_array_unref(a);
    dc_free(prefix);
    close_catalog(c);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_schemaless_tables(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    int64_t n;
    char *dir = tu_tmpdir();
    char csv[1024], jl[1024], txt[1024];
    snprintf(csv, sizeof csv, "%s/a.csv", dir);
    snprintf(jl, sizeof jl, "%s/b.jsonl", dir);
    snprintf(txt, sizeof txt, "%s/notes.txt", dir);
    write_text(csv, "id,name\n1,x\n2,y\n");
    write_text(jl, "{\"id\": 3, \"extra\": true}\n");
    write_text(txt, "not rows\n");
    dc_table_options to;
    dc_table_options_init(&to);
    to.schemaless = true;
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    o.create = &to;
    const char *paths[] = {csv, jl, txt};
    dc_write_result res;
    DC_ASSERT_OK(dc_table_write_files(c, NULL, NULL, "raw", paths, 3, &o, &res, NULL));
    assert_true(res.created);
    assert_int_equal(res.files, 3);
    assert_int_equal(res.rows, 3); /* 2 + 1 + 0 (not tabular) */
    dc_table_info ti;
    DC_ASSERT_OK(dc_table_describe(c, NULL, NULL, "raw", &ti, NULL));
    assert_true(ti.schemaless);
    assert_null(ti.schema);
    dc_table_info_clear(&ti);
    /* reads return the manifest */
    char *v = read_col(c, NULL, "raw", NULL, "content_type", &n);
    assert_string_equal(v, "csv,jsonl,txt");
    dc_free(v);
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    ro.filter = "{\"eq\": [\"content_type\", \"jsonl\"]}";
    v = read_col(c, NULL, "raw", &ro, "record_count", &n);
    assert_string_equal(v, "1");
    dc_free(v);
    /* materializing needs tabular files */
    dc_reader *r;
    assert_int_equal(dc_table_materialize(c, NULL, NULL, "raw", &r, &e), DC_EUNSUPPORTED);
    assert_non_null(strstr(e.message, "txt"));
    o.mode = DC_WRITE_REPLACE;
    DC_ASSERT_OK(dc_table_write_files(c, NULL, NULL, "raw", paths, 2, &o, NULL, NULL));
    DC_ASSERT_OK(dc_table_materialize(c, NULL, NULL, "raw", &r, NULL));
    assert_int_equal(dc_reader_schema(r)->n_fields, 3); /* id, name, extra: unified */
    int64_t total = 0;
    for (;;) {
        dc_batch *b;
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        if (!b)
            break;
        total += b->length;
        dc_batch_unref(b);
    }
    assert_int_equal(total, 3);
    dc_reader_free(r);
    /* a schemaless table takes a schema from no one */
    to.schema = dc_reader_schema(r = rows(0, 1, false));
    assert_int_equal(dc_table_create(c, NULL, NULL, "bad", &to, &e), DC_EINVALID);
    dc_reader_free(r);
    tu_rmdir(dir);
    dc_free(dir);
    close_catalog(c);
}

/* Files without statistics (CSV) are pruned by their partition's values. */
static void test_partition_values_prune_files_without_statistics(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    const char *ts[] = {"2024-03-01 10:00:00", "2024-03-01 23:59:59", "2024-03-02 00:00:00",
                        "2024-03-03 12:00:00", "2024-03-03 12:30:00", "2024-03-02 08:00:00"};
    const char *region[] = {"eu", "us", "eu", "us", NULL, "eu"};
    dc_type *tt;
    DC_ASSERT_OK(dc_type_parse(&tt, "timestamp[us]", NULL));
    dc_array *cols[2] = {tu_of_type(tt, ts, 6), tu_utf8(region, 6)};
    dc_field f[2];
    DC_ASSERT_OK(dc_field_init(&f[0], "ts", tt, true, NULL));
    DC_ASSERT_OK(dc_field_init(&f[1], "region", cols[1]->type, true, NULL));
    dc_schema *sc = dc_schema_new(f, 2, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, sc, cols, 6, NULL));
    dc_reader *r;
    DC_ASSERT_OK(dc_reader_from_batches(&r, sc, &b, 1, NULL));
    dc_table_options to;
    dc_table_options_init(&to);
    to.partition_by = "day(ts), region";
    to.content_type = DC_FORMAT_CSV;
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    o.create = &to;
    dc_write_result res;
    DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "events", r, &o, &res, NULL));
    assert_int_equal(res.files, 5); /* (03-01 eu) (03-01 us) (03-02 eu) (03-03 us) (03-03 null) */
    static const struct {
        const char *filter;
        int64_t files, rows;
    } cases[] = {
        {"{\"eq\": [\"region\", \"eu\"]}", 2, 3},
        {"{\"gte\": [\"ts\", \"2024-03-02 00:00:00\"]}", 3, 4},
        {"{\"lt\": [\"ts\", \"2024-03-02 00:00:00\"]}", 2, 2},
        {"{\"is_null\": [\"region\"]}", 1, 1},
        {"{\"and\": [{\"eq\": [\"region\", \"us\"]}, {\"between\": [\"ts\", \"2024-03-03 "
         "00:00:00\", "
         "\"2024-03-03 23:00:00\"]}]}",
         1, 1},
    };
    for (size_t k = 0; k < DC_ARRAY_LEN(cases); k++) {
        dc_table_read_options ro;
        dc_table_read_options_init(&ro);
        ro.filter = cases[k].filter;
        dc_read_plan *p;
        DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "events", &ro, 0, 0, &p, NULL));
        if (p->total_files != cases[k].files)
            fail_msg("%s: %lld files", cases[k].filter, (long long)p->total_files);
        dc_read_plan_free(p);
        int64_t n;
        char *v = read_col(c, NULL, "events", &ro, "region", &n);
        assert_int_equal(n, cases[k].rows);
        dc_free(v);
    }
    dc_reader_free(r);
    dc_batch_unref(b);
    dc_schema_unref(sc);
    for (int i = 0; i < 2; i++) {
        dc_field_clear(&f[i]);
        dc_array_unref(cols[i]);
    }
    dc_type_unref(tt);
    close_catalog(c);
}

/* ---- reads ---- */

static void test_projection_filter_limit_offset(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    int64_t n;
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    dc_reader *r = rows(0, 50, true);
    DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "t", r, &o, NULL, NULL));
    dc_reader_free(r);
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    const char *cols[] = {"name"};
    ro.columns = cols;
    ro.n_columns = 1;
    ro.filter = "{\"and\": [{\"gte\": [\"id\", 10]}, {\"lt\": [\"score\", 10]}]}";
    dc_reader *tr;
    DC_ASSERT_OK(dc_table_read(c, NULL, NULL, "t", &ro, &tr, NULL));
    assert_int_equal(dc_reader_schema(tr)->n_fields, 1); /* the filter's columns dropped */
    dc_reader_free(tr);
    char *v = read_col(c, NULL, "t", &ro, "name", &n);
    assert_int_equal(n, 10); /* ids 10..19 */
    assert_string_equal(v, "n10,n11,n12,n13,n14,n15,n16,n17,n18,n19");
    dc_free(v);
    ro.offset = 3;
    ro.limit = 4;
    v = read_col(c, NULL, "t", &ro, "name", &n);
    assert_string_equal(v, "n13,n14,n15,n16");
    dc_free(v);
    /* errors */
    ro.filter = "{\"eq\": [\"nope\", 1]}";
    assert_int_equal(dc_table_read(c, NULL, NULL, "t", &ro, &tr, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "nope"));
    ro.filter = "{\"eq\": [\"id\"]}";
    assert_int_equal(dc_table_read(c, NULL, NULL, "t", &ro, &tr, &e), DC_EINVALID);
    ro.filter = NULL;
    const char *bad[] = {"zzz"};
    ro.columns = bad;
    assert_int_equal(dc_table_read(c, NULL, NULL, "t", &ro, &tr, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "zzz"));
    assert_int_equal(dc_table_read(c, NULL, NULL, "missing", NULL, &tr, &e), DC_ENOTFOUND);
    close_catalog(c);
}

static void test_pruning_opens_only_matching_files(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_txn *t;
    DC_ASSERT_OK(dc_txn_begin(&t, c, NULL, NULL));
    for (int i = 0; i < 100; i++) /* 100 files of 10 rows: ids 10i .. 10i+9 */
        DC_ASSERT_OK(write_rows(c, t, "big", i * 10, 10, DC_WRITE_AUTO, NULL));
    DC_ASSERT_OK(dc_txn_commit(t, "load", NULL, NULL));
    dc_txn_abort(t);
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    ro.filter = "{\"between\": [\"id\", 505, 507]}";
    dc_reader *r;
    DC_ASSERT_OK(dc_table_read(c, NULL, NULL, "big", &ro, &r, NULL));
    int64_t rows_seen = 0, opened, rgs;
    for (;;) {
        dc_batch *b;
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        if (!b)
            break;
        rows_seen += b->length;
        dc_batch_unref(b);
    }
    assert_true(dc_table_reader_stats(r, &opened, &rgs));
    assert_int_equal(rows_seen, 3);
    assert_int_equal(opened, 1);
    dc_reader_free(r);
    dc_read_plan *p;
    DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "big", &ro, 0, 0, &p, NULL));
    assert_int_equal(p->total_files, 1);
    assert_int_equal(p->pruned_files, 99);
    dc_read_plan_free(p);
    /* without a filter: every file, paged */
    DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "big", NULL, 30, 90, &p, NULL));
    assert_int_equal(p->total_files, 100);
    assert_int_equal(p->n_files, 10);
    assert_int_equal(p->total_rows, 1000);
    char *json = dc_read_plan_to_json(p);
    assert_non_null(strstr(json, "\"total_files\":100"));
    dc_free(json);
    dc_read_plan_free(p);
    /* a null-matching filter prunes everything */
    ro.filter = "{\"is_null\": [\"id\"]}";
    DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, "big", &ro, 0, 0, &p, NULL));
    assert_int_equal(p->total_files, 0);
    dc_read_plan_free(p);
    close_catalog(c);
}

/* Filters that the page index narrows to a few pages give exactly the matching rows. */
static void test_page_index_selection_is_exact(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    o.parquet.page_rows = 500;
    o.parquet.row_group_rows = 8000;
    dc_reader *r = rows(0, 20000, true);
    DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "t", r, &o, NULL, NULL));
    dc_reader_free(r);
    static const struct {
        const char *filter;
        int64_t rows;
        const char *first;
    } cases[] = {
        {"{\"between\": [\"id\", 7999, 8010]}", 12, "7999"},
        {"{\"or\": [{\"eq\": [\"id\", 5]}, {\"eq\": [\"id\", 19999]}]}", 2, "5"},
        {"{\"not\": {\"between\": [\"id\", 10, 19990]}}", 19, "0"},
        {"{\"and\": [{\"gte\": [\"id\", 100]}, {\"lt\": [\"score\", 60]}]}", 20, "100"},
        {"{\"in\": [\"name\", [\"n12345\", \"n77\"]]}", 2, "77"},
        {"{\"gt\": [\"id\", 30000]}", 0, ""},
    };
    for (size_t k = 0; k < DC_ARRAY_LEN(cases); k++) {
        dc_table_read_options ro;
        dc_table_read_options_init(&ro);
        ro.filter = cases[k].filter;
        ro.batch_rows = 64;
        int64_t n;
        char *v = read_col(c, NULL, "t", &ro, "id", &n);
        if (n != cases[k].rows || strncmp(v, cases[k].first, strlen(cases[k].first)) != 0)
            fail_msg("%s: %lld rows \"%.60s\"", cases[k].filter, (long long)n, v);
        dc_free(v);
    }
    close_catalog(c);
}

/* ---- transactions ---- */

static void test_multi_table_transactions(void **state)
{
    (void)state;
    dc_catalog *c = open_catalog();
    dc_error e;
    bool ex;
    int64_t n;
    /* aborted: nothing of it exists */
    dc_txn *t;
    DC_ASSERT_OK(dc_txn_begin(&t, c, NULL, NULL));
    DC_ASSERT_OK(write_rows(c, t, "a", 0, 2, DC_WRITE_AUTO, NULL));
    DC_ASSERT_OK(write_rows(c, t, "b", 0, 3, DC_WRITE_AUTO, NULL));
    char *v = read_col(c, t, "a", NULL, "id", &n); /* the transaction sees its own writes */
    assert_int_equal(n, 2);
    dc_free(v);
    dc_txn_abort(t);
    DC_ASSERT_OK(dc_table_exists(c, NULL, NULL, "a", &ex, NULL));
    assert_false(ex);
    /* committed: both */
    DC_ASSERT_OK(dc_txn_begin(&t, c, NULL, NULL));
    DC_ASSERT_OK(write_rows(c, t, "a", 0, 2, DC_WRITE_AUTO, NULL));
    DC_ASSERT_OK(write_rows(c, t, "b", 0, 3, DC_WRITE_AUTO, NULL));
    DC_ASSERT_OK(dc_txn_commit(t, NULL, NULL, NULL));
    dc_txn_abort(t);
    v = read_col(c, NULL, "b", NULL, "id", &n);
    assert_int_equal(n, 3);
    dc_free(v);
    /* a failed transaction (a conflict on b) leaves a and b as they were */
    dc_txn *t1, *t2;
    DC_ASSERT_OK(dc_txn_begin(&t1, c, NULL, NULL));
    DC_ASSERT_OK(dc_txn_begin(&t2, c, NULL, NULL));
    DC_ASSERT_OK(write_rows(c, t1, "a", 10, 5, DC_WRITE_ADD, NULL));
    DC_ASSERT_OK(write_rows(c, t1, "b", 10, 5, DC_WRITE_REPLACE, NULL));
    DC_ASSERT_OK(write_rows(c, t2, "b", 20, 1, DC_WRITE_ADD, NULL));
    DC_ASSERT_OK(dc_txn_commit(t2, NULL, NULL, NULL));
    assert_int_equal(dc_txn_commit(t1, NULL, NULL, &e), DC_ECONFLICT);
    dc_txn_abort(t1);
    dc_txn_abort(t2);
    v = read_col(c, NULL, "a", NULL, "id", &n);
    assert_string_equal(v, "0,1");
    dc_free(v);
    v = read_col(c, NULL, "b", NULL, "id", &n);
    assert_string_equal(v, "0,1,2,20");
    dc_free(v);
    close_catalog(c);
}

static int setup_mem(void **state)
{
    (void)state;
    g_backend = 0;
    return 0;
}

static int setup_local(void **state)
{
    (void)state;
    g_backend = 1;
    return 0;
}

#define BOTH(f) cmocka_unit_test_setup(f, setup_mem), cmocka_unit_test_setup(f, setup_local)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_namespaces),
        BOTH(test_tables),
        BOTH(test_drop_keeps_files_unless_purged),
        BOTH(test_write_modes),
        BOTH(test_content_types_round_trip),
        BOTH(test_schema_evolution_on_write),
        BOTH(test_schema_updates),
        BOTH(test_partitioned_tables),
        BOTH(test_partition_values_prune_files_without_statistics),
        BOTH(test_supported_reader_types),
        BOTH(test_table_versions_and_rollback),
        BOTH(test_staged_writes),
        BOTH(test_schemaless_tables),
        BOTH(test_concurrent_auto_writes_to_a_new_table_all_succeed),
        BOTH(test_projection_filter_limit_offset),
        BOTH(test_pruning_opens_only_matching_files),
        BOTH(test_page_index_selection_is_exact),
        BOTH(test_multi_table_transactions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
