/*
 * test_merge.c: tables with merge keys: MERGE (upsert, partial updates),
 * DELETE, the ordering rules (merge_order, event time, last write), REPLACE
 * dedupe, merged reads with filters and time travel, and the errors. Rows are
 * given as JSON Lines; results are compared as text, sorted by the first column.
 */
#include "testutil.h"

#include <deltacat/table.h>

#include "catalog/engine_int.h"
#include "catalog/merge_int.h"
#include "catalog/tschema_int.h"
#include "compute/partition_int.h"
#include "formats/formats_int.h"
#include "formats/parquet/parquet_int.h"
#include "storage/storage_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int seq;

static dc_catalog *open_cat(void)
{
    char url[64];
    snprintf(url, sizeof url, "mem://merge-test-%d", ++seq);
    dc_catalog *c;
    dc_catalog_options o = {.create = true};
    DC_ASSERT_OK(dc_catalog_open(&c, url, &o, NULL));
    return c;
}

/* A reader over JSON Lines text. */
static dc_reader *jrows(const char *text)
{
    dc_input *in;
    dc_reader *r;
    dc_read_options ro;
    DC_ASSERT_OK(dc_input_open_memory(&in, text, (int64_t)strlen(text), true, "rows.jsonl", NULL));
    dc_read_options_init(&ro, DC_FORMAT_JSONL);
    DC_ASSERT_OK(dc_jsonl_reader_open(&r, in, &ro, NULL));
    return r;
}

static dc_status put(dc_catalog *c, const char *table, const char *text, dc_write_mode mode,
                     const dc_table_options *create, dc_error *e)
{
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    o.mode = mode;
    o.create = create;
    dc_reader *r = jrows(text);
    dc_status rc = dc_table_write(c, NULL, NULL, table, r, &o, NULL, e);
    dc_reader_free(r);
    return rc;
}

static void put_ok(dc_catalog *c, const char *table, const char *text, dc_write_mode mode,
                   const dc_table_options *create)
{
    dc_error e;
    if (put(c, table, text, mode, create, &e) != DC_OK)
        fail_msg("write %s: %s", table, e.message);
}

/* The rows of a read as "a|b|c;a|b|c", sorted by the first column (then the text). */
static int row_cmp(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    long long u = strtoll(x, NULL, 10), v = strtoll(y, NULL, 10);
    if (u != v)
        return u < v ? -1 : 1;
    return strcmp(x, y);
}

static char *rows_of(dc_reader *r)
{
    dc_error e;
    char **rows = NULL;
    int64_t n = 0;
    for (;;) {
        dc_batch *b;
        if (dc_reader_next(r, &b, &e) != DC_OK)
            fail_msg("read: %s", e.message);
        if (!b)
            break;
        for (int64_t i = 0; i < b->length; i++) {
            dc_strbuf s;
            dc_strbuf_init(&s);
            for (int32_t k = 0; k < b->schema->n_fields; k++) {
                char *v = dc_value_to_text(b->columns[k], i, false);
                dc_strbuf_printf(&s, "%s%s", k ? "|" : "", v ? v : "null");
                dc_free(v);
            }
            rows = dc_realloc(rows, (size_t)(n + 1) * sizeof *rows);
            rows[n++] = dc_strbuf_detach(&s);
        }
        dc_batch_unref(b);
    }
    if (n > 1)
        qsort(rows, (size_t)n, sizeof *rows, row_cmp);
    dc_strbuf s;
    dc_strbuf_init(&s);
    for (int64_t i = 0; i < n; i++) {
        dc_strbuf_printf(&s, "%s%s", i ? ";" : "", rows[i]);
        dc_free(rows[i]);
    }
    dc_free(rows);
    return dc_strbuf_detach(&s);
}

static char *read_all(dc_catalog *c, dc_txn *t, const char *table, const dc_table_read_options *o)
{
    dc_reader *r;
    dc_error e;
    if (dc_table_read(c, t, NULL, table, o, &r, &e) != DC_OK)
        fail_msg("read %s: %s", table, e.message);
    char *s = rows_of(r);
    dc_reader_free(r);
    return s;
}

#define ASSERT_ROWS(c, table, expect)                                                              \
    do {                                                                                           \
        char *got_ = read_all(c, NULL, table, NULL);                                               \
        assert_string_equal(got_, expect);                                                         \
        dc_free(got_);                                                                             \
    } while (0)

static const char *const USER_KEY[] = {"user_id"};

static void opts_keyed(dc_table_options *t, const char *const *keys, int32_t n)
{
    dc_table_options_init(t);
    t->merge_keys = keys;
    t->n_merge_keys = n;
}

/* Seed 000, "Live Feature Enrichment": merge with new columns, then delete. */
/* The key map's probe (its filter and slots prefetched rows ahead): keys of two columns
 * added in two chunks, probed by batches of present and absent keys, short and long (the
 * lookahead's edges), give each present key's id and -1 for the others. */
static void test_keymap_probe_finds_every_present_key_and_no_other(void **state)
{
    (void)state;
    enum { K = 5000, P = 20011 };
    dc_keymap *m;
    DC_ASSERT_OK(dc_keymap_new(&m, 2, NULL));
    int64_t *a = dc_malloc(P * sizeof *a), *b = dc_malloc(P * sizeof *b);
    int64_t *ids = dc_malloc(P * sizeof *ids);
    for (int half = 0; half < 2; half++) { /* key i: (3i, i % 7), ids in order */
        for (int64_t i = 0; i < K / 2; i++) {
            a[i] = 3 * (i + half * K / 2);
            b[i] = (i + half * K / 2) % 7;
        }
        dc_array *cols[2] = {tu_int64(a, K / 2, NULL), tu_int64(b, K / 2, NULL)};
        bool dup = false;
        DC_ASSERT_OK(dc_keymap_add(m, cols, K / 2, NULL, &dup, NULL));
        assert_false(dup);
        dc_array_unref(cols[0]);
        dc_array_unref(cols[1]);
    }
    assert_int_equal(dc_keymap_size(m), K);
    const int64_t lens[] = {1, 15, 16, 17, 33, P};
    for (size_t l = 0; l < DC_ARRAY_LEN(lens); l++) {
        int64_t n = lens[l];
        for (int64_t r = 0; r < n; r++) { /* every third value a key's first column */
            int64_t v = (r * 7919 + (int64_t)l) % (4 * K);
            a[r] = v;
            b[r] = (v / 3) % 7 + (r % 5 == 0); /* every fifth: the wrong second column */
        }
        dc_array *cols[2] = {tu_int64(a, n, NULL), tu_int64(b, n, NULL)};
        DC_ASSERT_OK(dc_keymap_probe(m, cols, n, ids, NULL));
        for (int64_t r = 0; r < n; r++) {
            bool present = a[r] % 3 == 0 && a[r] / 3 < K && b[r] == (a[r] / 3) % 7;
            assert_int_equal(ids[r], present ? a[r] / 3 : -1);
        }
        dc_array_unref(cols[0]);
        dc_array_unref(cols[1]);
    }
    dc_keymap_free(m);
    dc_free(a);
    dc_free(b);
    dc_free(ids);
}

static void test_feature_enrichment(void **state)
{
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    put_ok(c, "users",
           "{\"user_id\":1,\"name\":\"Jim\"}\n{\"user_id\":2,\"name\":\"Dinah\"}\n"
           "{\"user_id\":3,\"name\":\"Bob\"}\n",
           DC_WRITE_AUTO, &t);
    ASSERT_ROWS(c, "users", "1|Jim;2|Dinah;3|Bob");
    /* AUTO on a table with merge keys is a MERGE; new columns evolve the schema */
    put_ok(c, "users",
           "{\"user_id\":1,\"name\":\"Cheshire\",\"age\":3,\"job\":\"Tour Guide\"}\n"
           "{\"user_id\":3,\"name\":\"Felix\",\"age\":2,\"job\":\"Drifter\"}\n"
           "{\"user_id\":4,\"name\":\"Tom\",\"age\":5,\"job\":\"Housekeeper\"}\n"
           "{\"user_id\":5,\"name\":\"Simpkin\",\"age\":12,\"job\":\"Mouser\"}\n"
           "{\"user_id\":6,\"name\":\"Delta\",\"age\":4,\"job\":\"Engineer\"}\n",
           DC_WRITE_AUTO, NULL);
    ASSERT_ROWS(c, "users",
                "1|Cheshire|3|Tour Guide;2|Dinah|null|null;3|Felix|2|Drifter;"
                "4|Tom|5|Housekeeper;5|Simpkin|12|Mouser;6|Delta|4|Engineer");
    put_ok(c, "users", "{\"user_id\":3}\n{\"user_id\":5}\n", DC_WRITE_DELETE, NULL);
    ASSERT_ROWS(c, "users",
                "1|Cheshire|3|Tour Guide;2|Dinah|null|null;4|Tom|5|Housekeeper;"
                "6|Delta|4|Engineer");
    /* a deleted key comes back with a later merge */
    put_ok(c, "users", "{\"user_id\":3,\"name\":\"Felix II\"}\n", DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "users",
                "1|Cheshire|3|Tour Guide;2|Dinah|null|null;3|Felix II|null|null;"
                "4|Tom|5|Housekeeper;6|Delta|4|Engineer");
    dc_catalog_close(c);
}

/* Seed 000's finance example: a MERGE of some columns keeps the others. */
static void test_partial_updates_keep_other_columns(void **state)
{
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    put_ok(c, "fin",
           "{\"user_id\":1,\"pay\":0.5,\"method\":\"credit\"}\n"
           "{\"user_id\":2,\"pay\":0.5,\"method\":\"cash\"}\n"
           "{\"user_id\":3,\"pay\":0.5,\"method\":\"paypal\"}\n",
           DC_WRITE_AUTO, &t);
    put_ok(c, "fin", "{\"user_id\":1,\"pay\":25.98}\n{\"user_id\":3,\"pay\":7.98}\n",
           DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "fin", "1|25.98|credit;2|0.5|cash;3|7.98|paypal");
    /* an explicit null stays null; a new key gets null for what it lacks */
    put_ok(c, "fin", "{\"user_id\":2,\"method\":null,\"pay\":1.0}\n{\"user_id\":9,\"pay\":3.0}\n",
           DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "fin", "1|25.98|credit;2|1.0|null;3|7.98|paypal;9|3.0|null");
    /* a filter sees merged rows: user 3's method is from the base, pay from the merge */
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    ro.filter = "pay > 5 and method = 'paypal'";
    char *got = read_all(c, NULL, "fin", &ro);
    assert_string_equal(got, "3|7.98|paypal");
    dc_free(got);
    ro.filter = "pay < 2";
    const char *cols[] = {"user_id"};
    ro.columns = cols;
    ro.n_columns = 1;
    got = read_all(c, NULL, "fin", &ro);
    assert_string_equal(got, "2");
    dc_free(got);
    dc_catalog_close(c);
}

/* Future defaults fill what an inserted row lacks. */
static void test_future_default_for_new_keys(void **state)
{
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    put_ok(c, "f", "{\"user_id\":1,\"pay\":1.5,\"method\":\"cash\"}\n", DC_WRITE_AUTO, &t);
    dc_schema_update u = {.kind = DC_SU_SET_FUTURE_DEFAULT, .column = "pay", .text = "0.25"};
    DC_ASSERT_OK(dc_table_update_schema(c, NULL, NULL, "f", &u, 1, false, NULL));
    put_ok(c, "f", "{\"user_id\":2,\"method\":\"card\"}\n{\"user_id\":1,\"method\":\"gold\"}\n",
           DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "f", "1|1.5|gold;2|0.25|card");
    dc_catalog_close(c);
}

static void test_deletes_of_absent_keys_and_multi_column_keys(void **state)
{
    dc_catalog *c = open_cat();
    static const char *const K2[] = {"a", "b"};
    dc_table_options t;
    opts_keyed(&t, K2, 2);
    put_ok(c, "m",
           "{\"a\":1,\"b\":\"x\",\"v\":10}\n{\"a\":1,\"b\":\"y\",\"v\":11}\n"
           "{\"a\":2,\"b\":\"x\",\"v\":12}\n",
           DC_WRITE_AUTO, &t);
    put_ok(c, "m", "{\"a\":1,\"b\":\"y\",\"v\":21}\n{\"a\":2,\"b\":\"y\",\"v\":22}\n",
           DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "m", "1|x|10;1|y|21;2|x|12;2|y|22");
    /* (1, z) and (7, x) are absent: nothing happens; extra columns of a delete are ignored */
    put_ok(c, "m",
           "{\"a\":1,\"b\":\"z\"}\n{\"a\":7,\"b\":\"x\"}\n{\"a\":2,\"b\":\"x\",\"v\":999}\n",
           DC_WRITE_DELETE, NULL);
    ASSERT_ROWS(c, "m", "1|x|10;1|y|21;2|y|22");
    dc_catalog_close(c);
}

/* Several rows of one key: last write wins, within a write and across deltas. */
static void test_last_write_wins(void **state)
{
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    put_ok(c, "l", "{\"user_id\":1,\"v\":\"a\"}\n{\"user_id\":1,\"v\":\"b\"}\n", DC_WRITE_AUTO, &t);
    ASSERT_ROWS(c, "l", "1|b");
    put_ok(c, "l",
           "{\"user_id\":1,\"v\":\"c\"}\n{\"user_id\":2,\"v\":\"d\"}\n"
           "{\"user_id\":1,\"v\":\"e\"}\n",
           DC_WRITE_MERGE, NULL);
    put_ok(c, "l", "{\"user_id\":2,\"v\":\"f\"}\n", DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "l", "1|e;2|f");
    /* REPLACE dedupes its input by the same rule */
    put_ok(c, "l", "{\"user_id\":5,\"v\":\"x\"}\n{\"user_id\":5,\"v\":\"y\"}\n", DC_WRITE_REPLACE,
           NULL);
    ASSERT_ROWS(c, "l", "5|y");
    dc_catalog_close(c);
}

/* A table whose schema declares ordering attributes (set on the fields' metadata). */
static void create_ordered(dc_catalog *c, const char *table, const char *order_col,
                           const char *order, const char *event_col)
{
    dc_reader *r = jrows("{\"id\":1,\"v\":\"s\",\"ver\":1,\"ts\":1}\n");
    const dc_schema *in = dc_reader_schema(r);
    dc_field f[4];
    for (int32_t i = 0; i < in->n_fields; i++) {
        DC_ASSERT_OK(dc_field_copy(&f[i], &in->fields[i]));
        if (!strcmp(f[i].name, "id")) {
            f[i].nullable = false;
            DC_ASSERT_OK(dc_metadata_set(&f[i].metadata, DC_TFIELD_MERGE_KEY, "true"));
        }
        if (order_col && !strcmp(f[i].name, order_col))
            DC_ASSERT_OK(dc_metadata_set(&f[i].metadata, DC_TFIELD_MERGE_ORDER, order));
        if (event_col && !strcmp(f[i].name, event_col))
            DC_ASSERT_OK(dc_metadata_set(&f[i].metadata, DC_TFIELD_EVENT_TIME, "true"));
    }
    dc_schema *s = dc_schema_new(f, in->n_fields, NULL);
    dc_table_options t;
    dc_table_options_init(&t);
    t.schema = s;
    DC_ASSERT_OK(dc_table_create(c, NULL, NULL, table, &t, NULL));
    dc_schema_unref(s);
    for (int32_t i = 0; i < in->n_fields; i++)
        dc_field_clear(&f[i]);
    dc_reader_free(r);
}

static void test_merge_order_and_event_time(void **state)
{
    dc_catalog *c = open_cat();
    /* ascending keeps the least, whatever the write order; ties: the last write */
    create_ordered(c, "asc", "ver", "ascending", NULL);
    put_ok(c, "asc",
           "{\"id\":1,\"v\":\"a\",\"ver\":5,\"ts\":0}\n{\"id\":1,\"v\":\"b\",\"ver\":3,\"ts\":0}\n",
           DC_WRITE_MERGE, NULL);
    put_ok(c, "asc",
           "{\"id\":1,\"v\":\"c\",\"ver\":4,\"ts\":0}\n{\"id\":2,\"v\":\"d\",\"ver\":1,\"ts\":0}\n",
           DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "asc", "1|b|3|0;2|d|1|0");
    put_ok(c, "asc", "{\"id\":1,\"v\":\"tie\",\"ver\":3,\"ts\":0}\n", DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "asc", "1|tie|3|0;2|d|1|0");
    /* descending keeps the greatest */
    create_ordered(c, "desc", "ver", "descending", NULL);
    put_ok(c, "desc", "{\"id\":1,\"v\":\"a\",\"ver\":5,\"ts\":0}\n", DC_WRITE_MERGE, NULL);
    put_ok(c, "desc",
           "{\"id\":1,\"v\":\"b\",\"ver\":3,\"ts\":0}\n{\"id\":1,\"v\":\"c\",\"ver\":9,\"ts\":0}\n"
           "{\"id\":1,\"v\":\"d\",\"ver\":7,\"ts\":0}\n",
           DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "desc", "1|c|9|0");
    /* event time: the latest wins */
    create_ordered(c, "ev", NULL, NULL, "ts");
    put_ok(c, "ev", "{\"id\":1,\"v\":\"late\",\"ver\":0,\"ts\":200}\n", DC_WRITE_MERGE, NULL);
    put_ok(c, "ev", "{\"id\":1,\"v\":\"early\",\"ver\":0,\"ts\":100}\n", DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "ev", "1|late|0|200");
    /* merge_order takes precedence over event time */
    create_ordered(c, "both", "ver", "ascending", "ts");
    put_ok(c, "both", "{\"id\":1,\"v\":\"low-ver\",\"ver\":1,\"ts\":1}\n", DC_WRITE_MERGE, NULL);
    put_ok(c, "both", "{\"id\":1,\"v\":\"late\",\"ver\":2,\"ts\":999}\n", DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "both", "1|low-ver|1|1");
    /* a delete removes whatever came before it, ordering or not */
    put_ok(c, "both", "{\"id\":1}\n", DC_WRITE_DELETE, NULL);
    ASSERT_ROWS(c, "both", "");
    dc_catalog_close(c);
}

static void test_time_travel_sees_each_merge(void **state)
{
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    put_ok(c, "tt", "{\"user_id\":1,\"v\":\"a\"}\n{\"user_id\":2,\"v\":\"b\"}\n", DC_WRITE_AUTO,
           &t);
    int64_t v1;
    DC_ASSERT_OK(dc_catalog_latest_version(c, &v1, NULL));
    put_ok(c, "tt", "{\"user_id\":1,\"v\":\"A\"}\n", DC_WRITE_MERGE, NULL);
    put_ok(c, "tt", "{\"user_id\":2}\n", DC_WRITE_DELETE, NULL);
    dc_txn *x;
    dc_txn_options to = {.as_of_version = v1};
    DC_ASSERT_OK(dc_txn_begin(&x, c, &to, NULL));
    char *got = read_all(c, x, "tt", NULL);
    assert_string_equal(got, "1|a;2|b");
    dc_free(got);
    dc_txn_abort(x);
    to.as_of_version = v1 + 1;
    DC_ASSERT_OK(dc_txn_begin(&x, c, &to, NULL));
    got = read_all(c, x, "tt", NULL);
    assert_string_equal(got, "1|A;2|b");
    dc_free(got);
    dc_txn_abort(x);
    ASSERT_ROWS(c, "tt", "1|A");
    dc_catalog_close(c);
}

static void test_errors_change_nothing(void **state)
{
    dc_catalog *c = open_cat();
    dc_error e;
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    put_ok(c, "e", "{\"user_id\":1,\"v\":\"a\"}\n", DC_WRITE_AUTO, &t);
    int64_t before, after;
    DC_ASSERT_OK(dc_catalog_latest_version(c, &before, NULL));
    assert_int_equal(put(c, "e", "{\"user_id\":2,\"v\":\"b\"}\n", DC_WRITE_ADD, NULL, &e),
                     DC_EINVALID);
    assert_non_null(strstr(e.message, "merge keys"));
    assert_int_equal(put(c, "e", "{\"user_id\":2,\"v\":\"b\"}\n", DC_WRITE_APPEND, NULL, &e),
                     DC_EINVALID);
    assert_int_equal(put(c, "e", "{\"v\":\"b\"}\n", DC_WRITE_MERGE, NULL, &e), DC_ESCHEMA);
    assert_non_null(strstr(e.message, "user_id"));
    assert_int_equal(put(c, "e", "{\"v\":\"b\"}\n", DC_WRITE_DELETE, NULL, &e), DC_ESCHEMA);
    assert_non_null(strstr(e.message, "merge-key column user_id"));
    assert_int_equal(put(c, "e", "{\"user_id\":null,\"v\":\"b\"}\n{\"user_id\":3,\"v\":\"c\"}\n",
                         DC_WRITE_MERGE, NULL, &e),
                     DC_ESCHEMA);
    DC_ASSERT_OK(dc_catalog_latest_version(c, &after, NULL));
    assert_int_equal(before, after);
    ASSERT_ROWS(c, "e", "1|a");
    /* merge keys that are not columns, and on a table without a schema */
    static const char *const BAD[] = {"nope"};
    dc_table_options b;
    opts_keyed(&b, BAD, 1);
    assert_int_equal(put(c, "e2", "{\"user_id\":1}\n", DC_WRITE_AUTO, &b, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "merge key nope is not a column"));
    assert_int_equal(dc_table_create(c, NULL, NULL, "e3", &b, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "merge keys need a schema"));
    /* MERGE on a table without merge keys */
    put_ok(c, "plain", "{\"x\":1}\n", DC_WRITE_AUTO, NULL);
    assert_int_equal(put(c, "plain", "{\"x\":1}\n", DC_WRITE_MERGE, NULL, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "no merge keys"));
    dc_catalog_close(c);
}

/* The number of live files of a table (its plan). */
static int64_t n_files(dc_catalog *c, dc_txn *t, const char *table)
{
    dc_read_plan *p;
    DC_ASSERT_OK(dc_table_plan(c, t, NULL, table, NULL, 0, 0, &p, NULL));
    int64_t n = p->total_files;
    dc_read_plan_free(p);
    return n;
}

static void test_compaction_folds_and_keeps_history(void **state)
{
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    dc_metadata props = {0};
    DC_ASSERT_OK(dc_metadata_set(&props, "compaction.mode", "off"));
    t.properties = &props;
    put_ok(c, "k", "{\"user_id\":1,\"v\":\"a\",\"n\":1}\n{\"user_id\":2,\"v\":\"b\",\"n\":2}\n",
           DC_WRITE_AUTO, &t);
    /* (a column is carried by the whole write: user 3's row in this one would give
     * user 1 an explicit null n) */
    put_ok(c, "k", "{\"user_id\":1,\"v\":\"A\"}\n", DC_WRITE_MERGE, NULL);
    put_ok(c, "k", "{\"user_id\":3,\"v\":\"c\",\"n\":3}\n", DC_WRITE_MERGE, NULL);
    put_ok(c, "k", "{\"user_id\":2}\n", DC_WRITE_DELETE, NULL);
    put_ok(c, "k", "{\"user_id\":4,\"v\":\"d\",\"n\":4}\n", DC_WRITE_MERGE, NULL);
    const char *expect = "1|A|1;3|c|3;4|d|4";
    ASSERT_ROWS(c, "k", expect);
    assert_int_equal(n_files(c, NULL, "k"), 5);
    int64_t before;
    DC_ASSERT_OK(dc_catalog_latest_version(c, &before, NULL));
    dc_compact_result r;
    DC_ASSERT_OK(dc_table_compact(c, NULL, NULL, "k", NULL, &r, NULL));
    assert_true(r.compacted);
    assert_int_equal(r.files_in, 5);
    assert_int_equal(r.deltas_in, 4);
    assert_int_equal(r.rows_out, 3);
    assert_int_equal(r.files_out, 1);
    assert_int_equal(r.commit_version, before + 1);
    ASSERT_ROWS(c, "k", expect);
    assert_int_equal(n_files(c, NULL, "k"), 1);
    /* nothing left to fold: no commit */
    DC_ASSERT_OK(dc_table_compact(c, NULL, NULL, "k", NULL, &r, NULL));
    assert_false(r.compacted);
    /* time travel across the compaction: the old files are still read */
    dc_txn *x;
    dc_txn_options to = {.as_of_version = before - 2}; /* before the delete */
    DC_ASSERT_OK(dc_txn_begin(&x, c, &to, NULL));
    char *got = read_all(c, x, "k", NULL);
    assert_string_equal(got, "1|A|1;2|b|2;3|c|3");
    dc_free(got);
    dc_txn_abort(x);
    /* merges after a compaction apply on top of it */
    put_ok(c, "k", "{\"user_id\":3,\"n\":33}\n", DC_WRITE_MERGE, NULL);
    ASSERT_ROWS(c, "k", "1|A|1;3|c|33;4|d|4");
    dc_metadata_clear(&props);
    dc_catalog_close(c);
}

/* The plan's files of a table: their paths ("p1;p2;...", in read order) and, per merge-key
 * bucket, how many files and rows (bucket -1: files without one). */
typedef struct bucket_view {
    char paths[8192];
    int64_t files[33], rows[33], n_files;
    int32_t buckets;
} bucket_view;

static void view_buckets(dc_catalog *c, const char *table, bucket_view *v)
{
    dc_read_plan *p;
    memset(v, 0, sizeof *v);
    DC_ASSERT_OK(dc_table_plan(c, NULL, NULL, table, NULL, 0, 0, &p, NULL));
    for (int64_t i = 0; i < p->n_files; i++) {
        const dc_plan_file *f = &p->files[i];
        int32_t b = f->key_bucket;
        assert_true(b >= -1 && b < 32);
        if (b >= 0) {
            assert_true(v->buckets == 0 || v->buckets == f->key_buckets);
            v->buckets = f->key_buckets;
        }
        v->files[b + 1]++;
        v->rows[b + 1] += f->record_count;
        strcat(v->paths, f->path);
        strcat(v->paths, ";");
    }
    v->n_files = p->n_files;
    dc_read_plan_free(p);
}

/* The merge-key bucket of an int64 id among n (FORMAT.md 4.3). */
static int32_t bucket_of(int64_t id, int32_t n)
{
    dc_builder *b;
    dc_array *a;
    dc_type *t = dc_type_new(DC_TYPE_INT64);
    int32_t out = -1;
    DC_ASSERT_OK(dc_builder_new(&b, t, NULL));
    DC_ASSERT_OK(dc_builder_append_int(b, id));
    DC_ASSERT_OK(dc_builder_finish(b, &a, NULL));
    DC_ASSERT_OK(dc_part_key_buckets(&out, &a, 1, 1, n, NULL));
    dc_array_unref(a);
    dc_builder_free(b);
    dc_type_unref(t);
    return out;
}

static void compact_ok(dc_catalog *c, dc_txn *x, const char *table, int64_t target_rows,
                       dc_compact_result *r)
{
    dc_compact_options o = {.target_file_rows = target_rows};
    dc_error e;
    if (dc_table_compact(c, x, NULL, table, &o, r, &e) != DC_OK)
        fail_msg("compact %s: %s", table, e.message);
    assert_true(r->compacted);
}

/* Compaction files merged rows by the bucket of their key, and once the base is so filed
 * rewrites only the buckets that outstanding merges and deletes touch. */
#define NB 5
static void test_compaction_rewrites_only_touched_buckets(void **state)
{
    static const char *const ID[] = {"id"};
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, ID, 1);
    dc_metadata props = {0};
    DC_ASSERT_OK(dc_metadata_set(&props, "compaction.mode", "off"));
    t.properties = &props;
    dc_strbuf w, want;
    dc_strbuf_init(&w);
    dc_strbuf_init(&want);
    int64_t model[512];
    for (int i = 0; i < 512; i++)
        model[i] = i < 64 ? i : -1;
    for (int i = 0; i < 64; i++)
        dc_strbuf_printf(&w, "{\"id\":%d,\"v\":%d}\n", i, i);
    put_ok(c, "b", w.data, DC_WRITE_AUTO, &t);
    /* the first compaction: everything, into 5 buckets (65 rows, files of 16) */
    put_ok(c, "b", "{\"id\":5,\"v\":500}\n", DC_WRITE_MERGE, NULL);
    model[5] = 500;
    dc_compact_result r;
    compact_ok(c, NULL, "b", 16, &r);
    assert_int_equal(r.key_buckets, NB);
    assert_int_equal(r.files_kept, 0);
    assert_int_equal(r.files_in, 2);
    bucket_view v0;
    view_buckets(c, "b", &v0);
    assert_int_equal(v0.buckets, NB);
    assert_int_equal(v0.files[0], 0); /* every file has a bucket */
    int64_t per[NB] = {0};
    for (int i = 0; i < 64; i++)
        per[bucket_of(i, NB)]++;
    for (int k = 0; k < NB; k++) { /* each bucket's rows are the keys hashing there */
        assert_int_equal(v0.rows[k + 1], per[k]);
        assert_int_equal(v0.files[k + 1], per[k] > 0);
    }
    assert_int_equal(r.files_out, v0.n_files);
    /* an update and a new key of one bucket: only that bucket's file is rewritten */
    int32_t hit = bucket_of(7, NB);
    int64_t other = 64;
    while (bucket_of(other, NB) != hit)
        other++;
    dc_strbuf_clear(&w);
    dc_strbuf_printf(&w, "{\"id\":7,\"v\":700}\n{\"id\":%lld,\"v\":1}\n", (long long)other);
    put_ok(c, "b", w.data, DC_WRITE_MERGE, NULL);
    model[7] = 700;
    model[other] = 1;
    compact_ok(c, NULL, "b", 16, &r);
    assert_int_equal(r.key_buckets, NB);
    assert_int_equal(r.deltas_in, 1);
    assert_int_equal(r.files_in, 2); /* bucket hit's file and the merge's */
    assert_int_equal(r.files_kept, v0.n_files - 1);
    assert_int_equal(r.rows_out, per[hit] + 1);
    bucket_view v1;
    view_buckets(c, "b", &v1);
    assert_int_equal(v1.n_files, v0.n_files);
    assert_int_equal(v1.rows[hit + 1], per[hit] + 1);
    /* the other buckets' files are the same files */
    char *save = NULL, *copy = dc_strdup(v0.paths);
    int kept = 0;
    for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save))
        kept += strstr(v1.paths, tok) != NULL;
    assert_int_equal(kept, v0.n_files - 1);
    dc_free(copy);
    /* a delete in another bucket and a merge in a third, read before and after */
    int32_t hit2 = bucket_of(9, NB), hit3 = bucket_of(10, NB);
    put_ok(c, "b", "{\"id\":9}\n", DC_WRITE_DELETE, NULL);
    put_ok(c, "b", "{\"id\":10,\"v\":1000}\n", DC_WRITE_MERGE, NULL);
    model[9] = -1;
    model[10] = 1000;
    int64_t before;
    DC_ASSERT_OK(dc_catalog_latest_version(c, &before, NULL));
    char *pre = read_all(c, NULL, "b", NULL);
    compact_ok(c, NULL, "b", 16, &r);
    int touched = 1 + (hit3 != hit2);
    assert_int_equal(r.deltas_in, 2);
    assert_int_equal(r.files_in, touched + 2);
    assert_int_equal(r.files_kept, v0.n_files - touched);
    char *post = read_all(c, NULL, "b", NULL);
    assert_string_equal(pre, post);
    dc_strbuf_clear(&want);
    for (int i = 0; i < 512; i++)
        if (model[i] >= 0)
            dc_strbuf_printf(&want, "%s%d|%lld", want.len ? ";" : "", i, (long long)model[i]);
    assert_string_equal(post, want.data);
    dc_free(pre);
    dc_free(post);
    /* time travel across it still reads the files it replaced */
    dc_txn *x;
    dc_txn_options to = {.as_of_version = before - 2}; /* before the delete */
    DC_ASSERT_OK(dc_txn_begin(&x, c, &to, NULL));
    char *old = read_all(c, x, "b", NULL);
    assert_non_null(strstr(old, ";9|9;"));
    dc_free(old);
    dc_txn_abort(x);
    /* a merge committed while an incremental compaction runs stays after it */
    put_ok(c, "b", "{\"id\":11,\"v\":1100}\n", DC_WRITE_MERGE, NULL);
    DC_ASSERT_OK(dc_txn_begin(&x, c, NULL, NULL));
    compact_ok(c, x, "b", 16, &r);
    assert_true(r.files_kept > 0);
    put_ok(c, "b", "{\"id\":11,\"v\":1111}\n{\"id\":12,\"v\":1200}\n", DC_WRITE_MERGE, NULL);
    DC_ASSERT_OK(dc_txn_commit(x, "compaction", NULL, NULL));
    dc_txn_abort(x);
    model[11] = 1111;
    model[12] = 1200;
    /* a table that outgrew its buckets is filed anew: 300 more keys, as many buckets as
     * files of 16 rows the rows before the fold fill */
    dc_strbuf_clear(&w);
    for (int i = 100; i < 400; i++) {
        dc_strbuf_printf(&w, "{\"id\":%d,\"v\":%d}\n", i, i);
        model[i] = i;
    }
    put_ok(c, "b", w.data, DC_WRITE_MERGE, NULL);
    bucket_view pre2;
    view_buckets(c, "b", &pre2);
    int64_t all_rows = 0;
    for (int k = 0; k < 33; k++)
        all_rows += pre2.rows[k];
    compact_ok(c, NULL, "b", 16, &r);
    assert_int_equal(r.key_buckets, (all_rows + 15) / 16);
    assert_true(r.key_buckets > 2 * NB);
    assert_int_equal(r.files_kept, 0);
    bucket_view v2;
    view_buckets(c, "b", &v2);
    assert_int_equal(v2.buckets, r.key_buckets);
    assert_int_equal(v2.files[0], 0);
    /* a base filed in the buckets the target asks for is settled, even where a bucket holds
     * under half a file (the hash is uneven): nothing to do */
    dc_compact_options o16 = {.target_file_rows = 16};
    DC_ASSERT_OK(dc_table_compact(c, NULL, NULL, "b", &o16, &r, NULL));
    assert_false(r.compacted);
    dc_strbuf_clear(&want);
    for (int i = 0; i < 512; i++)
        if (model[i] >= 0)
            dc_strbuf_printf(&want, "%s%d|%lld", want.len ? ";" : "", i, (long long)model[i]);
    ASSERT_ROWS(c, "b", want.data);
    dc_strbuf_free(&w);
    dc_strbuf_free(&want);
    dc_metadata_clear(&props);
    dc_catalog_close(c);
}
#undef NB

/* A MERGE committed while a compaction runs is neither lost nor a conflict. */
static void test_compaction_keeps_a_concurrent_merge(void **state)
{
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    dc_metadata props = {0};
    DC_ASSERT_OK(dc_metadata_set(&props, "compaction.mode", "off"));
    t.properties = &props;
    put_ok(c, "k", "{\"user_id\":1,\"v\":\"a\"}\n{\"user_id\":2,\"v\":\"b\"}\n", DC_WRITE_AUTO, &t);
    put_ok(c, "k", "{\"user_id\":1,\"v\":\"A\"}\n", DC_WRITE_MERGE, NULL);
    dc_txn *x;
    DC_ASSERT_OK(dc_txn_begin(&x, c, NULL, NULL));
    dc_compact_result r;
    DC_ASSERT_OK(dc_table_compact(c, x, NULL, "k", NULL, &r, NULL));
    assert_true(r.compacted);
    /* meanwhile: an update of a compacted key, a delete, an insert */
    put_ok(c, "k", "{\"user_id\":1,\"v\":\"late\"}\n{\"user_id\":5,\"v\":\"new\"}\n",
           DC_WRITE_MERGE, NULL);
    put_ok(c, "k", "{\"user_id\":2}\n", DC_WRITE_DELETE, NULL);
    dc_error e;
    if (dc_txn_commit(x, "compaction", NULL, &e) != DC_OK)
        fail_msg("compaction commit: %s", e.message);
    dc_txn_abort(x); /* frees it */
    ASSERT_ROWS(c, "k", "1|late;5|new");
    /* two compactions of the same files: the second conflicts */
    dc_txn *y, *z;
    DC_ASSERT_OK(dc_txn_begin(&y, c, NULL, NULL));
    DC_ASSERT_OK(dc_txn_begin(&z, c, NULL, NULL));
    DC_ASSERT_OK(dc_table_compact(c, y, NULL, "k", NULL, &r, NULL));
    DC_ASSERT_OK(dc_table_compact(c, z, NULL, "k", NULL, &r, NULL));
    DC_ASSERT_OK(dc_txn_commit(y, "first", NULL, NULL));
    assert_int_equal(dc_txn_commit(z, "second", NULL, &e), DC_ECONFLICT);
    assert_non_null(strstr(e.message, "compaction"));
    dc_txn_abort(y);
    dc_txn_abort(z);
    ASSERT_ROWS(c, "k", "1|late;5|new");
    dc_metadata_clear(&props);
    dc_catalog_close(c);
}

/* Small APPEND files are folded without reordering. */
static void test_append_compaction_keeps_order(void **state)
{
    dc_catalog *c = open_cat();
    put_ok(c, "a", "{\"i\":1}\n{\"i\":2}\n", DC_WRITE_AUTO, NULL);
    put_ok(c, "a", "{\"i\":3}\n", DC_WRITE_APPEND, NULL);
    put_ok(c, "a", "{\"i\":4}\n{\"i\":5}\n", DC_WRITE_APPEND, NULL);
    dc_compact_result r;
    DC_ASSERT_OK(dc_table_compact(c, NULL, NULL, "a", NULL, &r, NULL));
    assert_true(r.compacted);
    assert_int_equal(r.files_out, 1);
    put_ok(c, "a", "{\"i\":6}\n", DC_WRITE_APPEND, NULL);
    dc_reader *rd;
    DC_ASSERT_OK(dc_table_read(c, NULL, NULL, "a", NULL, &rd, NULL));
    dc_batch *b;
    dc_strbuf s;
    dc_strbuf_init(&s);
    while (dc_reader_next(rd, &b, NULL) == DC_OK && b) {
        for (int64_t i = 0; i < b->length; i++)
            dc_strbuf_printf(&s, "%lld,", (long long)dc_array_get_int(b->columns[0], i));
        dc_batch_unref(b);
    }
    dc_reader_free(rd);
    char *got = dc_strbuf_detach(&s);
    assert_string_equal(got, "1,2,3,4,5,6,");
    dc_free(got);
    dc_catalog_close(c);
}

/* The per-table policy: "sync" compacts after every write; "auto" past max_deltas. */
static void test_compaction_policy(void **state)
{
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    dc_metadata props = {0};
    DC_ASSERT_OK(dc_metadata_set(&props, "compaction.mode", "sync"));
    t.properties = &props;
    put_ok(c, "s", "{\"user_id\":1,\"v\":\"a\"}\n", DC_WRITE_AUTO, &t);
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    dc_write_result wr;
    dc_reader *r = jrows("{\"user_id\":1,\"v\":\"b\"}\n");
    DC_ASSERT_OK(dc_table_write(c, NULL, NULL, "s", r, &o, &wr, NULL));
    dc_reader_free(r);
    assert_true(wr.compacted);
    assert_int_equal(n_files(c, NULL, "s"), 1);
    ASSERT_ROWS(c, "s", "1|b");
    dc_metadata_clear(&props);
    DC_ASSERT_OK(dc_metadata_set(&props, "compaction.max_deltas", "2"));
    DC_ASSERT_OK(dc_metadata_set(&props, "compaction.max_ratio", "100"));
    t.properties = &props;
    put_ok(c, "p", "{\"user_id\":1,\"v\":\"a\"}\n{\"user_id\":2,\"v\":\"a\"}\n", DC_WRITE_AUTO, &t);
    put_ok(c, "p", "{\"user_id\":1,\"v\":\"b\"}\n", DC_WRITE_MERGE, NULL);
    put_ok(c, "p", "{\"user_id\":1,\"v\":\"c\"}\n", DC_WRITE_MERGE, NULL);
    assert_int_equal(n_files(c, NULL, "p"), 3);
    put_ok(c, "p", "{\"user_id\":1,\"v\":\"d\"}\n", DC_WRITE_MERGE, NULL);
    assert_int_equal(n_files(c, NULL, "p"), 1);
    ASSERT_ROWS(c, "p", "1|d;2|a");
    dc_metadata_clear(&props);
    dc_catalog_close(c);
}

/* ---- the randomized differential test ---- */

#define DK 24 /* keys 0..DK-1 */

typedef struct model {
    bool present[DK];
    bool a_null[DK], b_null[DK];
    long long a[DK];
    char b[DK][8];
} model;

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static char *model_text(const model *m)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    bool first = true;
    for (int k = 0; k < DK; k++) {
        if (!m->present[k])
            continue;
        dc_strbuf_printf(&s, "%s%d|", first ? "" : ";", k);
        if (m->a_null[k])
            dc_strbuf_printf(&s, "null|");
        else
            dc_strbuf_printf(&s, "%lld|", m->a[k]);
        dc_strbuf_printf(&s, "%s", m->b_null[k] ? "null" : m->b[k]);
        first = false;
    }
    return dc_strbuf_detach(&s);
}

/* Rows of JSON Lines staged as a Parquet file of table `table`; the file's declaration. */
static dc_staged_file stage_rows(dc_catalog *c, const char *table, const char *name,
                                 const char *text, char *path, size_t cap)
{
    char *prefix;
    DC_ASSERT_OK(dc_table_stage(c, NULL, NULL, table, &prefix, NULL));
    snprintf(path, cap, "%s%s.parquet", prefix, name);
    dc_free(prefix);
    dc_reader *r = jrows(text);
    int64_t rows = 0;
    for (const char *p = text; *p; p++)
        rows += *p == '\n';
    dc_staged_file f = {.path = path,
                        .file_size = tu_put_parquet(dc_store_fs(c->store), path, r),
                        .record_count = rows};
    return f;
}

/* Staged files commit as upserts (AUTO, MERGE: partial ones too) and deletes by key. */
static void test_staged_merges_and_deletes(void **state)
{
    dc_catalog *c = open_cat();
    dc_error e;
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    dc_metadata props = {0};
    DC_ASSERT_OK(dc_metadata_set(&props, "compaction.mode", "off"));
    t.properties = &props;
    put_ok(c, "s", "{\"user_id\":1,\"v\":\"a\",\"n\":1}\n{\"user_id\":2,\"v\":\"b\",\"n\":2}\n",
           DC_WRITE_AUTO, &t);
    char p1[256], p2[256], p3[256], p4[256];
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    /* AUTO: an upsert, duplicate keys in the file ordered by row (the last wins) */
    dc_staged_file f1 = stage_rows(c, "s", "up",
                                   "{\"user_id\":2,\"v\":\"B\",\"n\":20}\n"
                                   "{\"user_id\":3,\"v\":\"c\",\"n\":3}\n"
                                   "{\"user_id\":3,\"v\":\"C\",\"n\":30}\n",
                                   p1, sizeof p1);
    DC_ASSERT_OK(dc_table_commit_staged(c, NULL, NULL, "s", &f1, 1, &o, NULL, NULL));
    ASSERT_ROWS(c, "s", "1|a|1;2|B|20;3|C|30");
    /* MERGE of some columns: a partial update */
    dc_staged_file f2 = stage_rows(c, "s", "partial", "{\"user_id\":1,\"n\":100}\n", p2, sizeof p2);
    o.mode = DC_WRITE_MERGE;
    DC_ASSERT_OK(dc_table_commit_staged(c, NULL, NULL, "s", &f2, 1, &o, NULL, NULL));
    ASSERT_ROWS(c, "s", "1|a|100;2|B|20;3|C|30");
    /* DELETE by key: other columns in the file are ignored and change no schema */
    dc_staged_file f3 =
        stage_rows(c, "s", "gone", "{\"user_id\":2,\"why\":\"spam\"}\n", p3, sizeof p3);
    o.mode = DC_WRITE_DELETE;
    DC_ASSERT_OK(dc_table_commit_staged(c, NULL, NULL, "s", &f3, 1, &o, NULL, NULL));
    ASSERT_ROWS(c, "s", "1|a|100;3|C|30");
    /* refused, nothing committed: ADD on a keyed table, a file without the key */
    int64_t before, after;
    DC_ASSERT_OK(dc_catalog_latest_version(c, &before, NULL));
    dc_staged_file f4 = stage_rows(c, "s", "nokey", "{\"v\":\"x\"}\n", p4, sizeof p4);
    o.mode = DC_WRITE_ADD;
    assert_int_equal(dc_table_commit_staged(c, NULL, NULL, "s", &f1, 1, &o, NULL, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "has merge keys"));
    o.mode = DC_WRITE_MERGE;
    assert_int_equal(dc_table_commit_staged(c, NULL, NULL, "s", &f4, 1, &o, NULL, &e), DC_ESCHEMA);
    assert_non_null(strstr(e.message, "lacks merge-key column user_id"));
    DC_ASSERT_OK(dc_catalog_latest_version(c, &after, NULL));
    assert_int_equal(after, before);
    /* compaction folds the staged deltas like written ones */
    dc_compact_result cr;
    DC_ASSERT_OK(dc_table_compact(c, NULL, NULL, "s", NULL, &cr, NULL));
    assert_int_equal(cr.deltas_in, 3);
    ASSERT_ROWS(c, "s", "1|a|100;3|C|30");
    /* MERGE and DELETE need merge keys */
    put_ok(c, "plain", "{\"id\":1}\n", DC_WRITE_AUTO, NULL);
    o.mode = DC_WRITE_DELETE;
    char p5[256];
    dc_staged_file f5 = stage_rows(c, "plain", "d", "{\"id\":1}\n", p5, sizeof p5);
    assert_int_equal(dc_table_commit_staged(c, NULL, NULL, "plain", &f5, 1, &o, NULL, &e),
                     DC_EINVALID);
    assert_non_null(strstr(e.message, "has no merge keys"));
    dc_metadata_clear(&props);
    dc_catalog_close(c);
}

/* Partitioned tables: keys are unique across partitions; a DELETE by key alone and a
 * partial MERGE without the partition column are placed in the null partition and still
 * fold into the rows of every partition; compaction files each merged row in its own. */
static void test_partitioned_merge_keys(void **state)
{
    dc_catalog *c = open_cat();
    dc_table_options t;
    opts_keyed(&t, USER_KEY, 1);
    t.partition_by = "region";
    dc_metadata props = {0};
    DC_ASSERT_OK(dc_metadata_set(&props, "compaction.mode", "off")); /* merged on read first */
    t.properties = &props;
    put_ok(c, "p",
           "{\"user_id\":1,\"region\":\"eu\",\"v\":\"a\"}\n"
           "{\"user_id\":2,\"region\":\"us\",\"v\":\"b\"}\n"
           "{\"user_id\":3,\"region\":\"eu\",\"v\":\"c\"}\n"
           "{\"user_id\":5,\"region\":\"us\",\"v\":\"e\"}\n",
           DC_WRITE_AUTO, &t);
    put_ok(c, "p", "{\"user_id\":3,\"region\":\"eu\"}\n", DC_WRITE_DELETE, NULL);
    put_ok(c, "p", "{\"user_id\":2}\n{\"user_id\":9}\n", DC_WRITE_DELETE, NULL);
    put_ok(c, "p", "{\"user_id\":5,\"v\":\"EE\"}\n{\"user_id\":6,\"v\":\"FF\"}\n", DC_WRITE_MERGE,
           NULL);
    put_ok(c, "p", "{\"user_id\":1,\"region\":\"us\",\"v\":\"A\"}\n", DC_WRITE_MERGE,
           NULL); /* a key moves to another partition */
    const char *all = "1|us|A;5|us|EE;6|null|FF";
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    for (int round = 0; round < 2; round++) {
        ASSERT_ROWS(c, "p", all);
        ro.filter = "{\"eq\": [\"region\", \"us\"]}";
        char *got = read_all(c, NULL, "p", &ro);
        assert_string_equal(got, "1|us|A;5|us|EE");
        dc_free(got);
        ro.filter = "{\"eq\": [\"region\", \"eu\"]}";
        got = read_all(c, NULL, "p", &ro);
        assert_string_equal(got, "");
        dc_free(got);
        ro.filter = "{\"is_null\": \"region\"}";
        got = read_all(c, NULL, "p", &ro);
        assert_string_equal(got, "6|null|FF");
        dc_free(got);
        if (round == 0) {
            dc_compact_result cr;
            DC_ASSERT_OK(dc_table_compact(c, NULL, NULL, "p", NULL, &cr, NULL));
            assert_int_equal(cr.deltas_in, 4);
            assert_int_equal(cr.rows_out, 3);
            assert_int_equal(cr.files_out, 2); /* region=us and the null region */
        }
    }
    /* one file per partition: nothing to compact (a second pass committed a copy before) */
    int64_t before, after;
    DC_ASSERT_OK(dc_catalog_latest_version(c, &before, NULL));
    dc_compact_result cr;
    DC_ASSERT_OK(dc_table_compact(c, NULL, NULL, "p", NULL, &cr, NULL));
    DC_ASSERT_OK(dc_catalog_latest_version(c, &after, NULL));
    assert_int_equal(after, before);
    assert_int_equal(cr.files_out, 0);
    dc_metadata_clear(&props);
    dc_catalog_close(c);
}

/*
 * Random MERGE (full and partial, keys repeated within a write), DELETE (present and
 * absent keys), REPLACE (with repeated keys) and compaction against a model; after
 * every step the table reads exactly as the model. DC_DIFF_STEPS / DC_DIFF_SEED vary it.
 */
static void test_differential_against_a_model(void **state)
{
    const char *st = getenv("DC_DIFF_STEPS"), *sd = getenv("DC_DIFF_SEED");
    int steps = st ? atoi(st) : 150;
    rng_state = sd ? strtoull(sd, NULL, 10) : 0x9e3779b97f4a7c15ULL;
    dc_catalog *c = open_cat();
    dc_table_options t;
    static const char *const K[] = {"id"};
    opts_keyed(&t, K, 1);
    dc_metadata props = {0};
    DC_ASSERT_OK(dc_metadata_set(&props, "compaction.mode", "off"));
    t.properties = &props;
    model m;
    memset(&m, 0, sizeof m);
    put_ok(c, "d", "{\"id\":0,\"a\":0,\"b\":\"z\"}\n", DC_WRITE_AUTO, &t);
    m.present[0] = true;
    snprintf(m.b[0], sizeof m.b[0], "z");
    int partial_compactions = 0; /* that kept some buckets' files */
    for (int step = 0; step < steps; step++) {
        int kind = (int)(rnd() % 10);
        dc_strbuf w;
        dc_strbuf_init(&w);
        int n = 1 + (int)(rnd() % 6);
        const char *what;
        if (kind < 4 || kind == 8) { /* MERGE, full or partial (a only) */
            bool partial = kind == 8 || rnd() % 3 == 0;
            what = partial ? "partial merge" : "merge";
            for (int i = 0; i < n; i++) {
                int k = (int)(rnd() % DK);
                bool anull = i > 0 && rnd() % 7 == 0; /* (an all-null column reads as text) */
                long long a = (long long)(rnd() % 1000);
                char av[24];
                if (anull)
                    snprintf(av, sizeof av, "null");
                else
                    snprintf(av, sizeof av, "%lld", a);
                if (partial)
                    dc_strbuf_printf(&w, "{\"id\":%d,\"a\":%s}\n", k, av);
                else
                    dc_strbuf_printf(&w, "{\"id\":%d,\"a\":%s,\"b\":\"s%d\"}\n", k, av, step);
                if (!m.present[k]) { /* a new row: what it lacks is null */
                    m.present[k] = true;
                    m.b_null[k] = true;
                }
                m.a[k] = a;
                m.a_null[k] = anull;
                if (!partial) {
                    m.b_null[k] = false;
                    snprintf(m.b[k], sizeof m.b[k], "s%d", step);
                }
            }
        } else if (kind < 7) { /* DELETE */
            what = "delete";
            for (int i = 0; i < n; i++) {
                int k = (int)(rnd() % DK);
                dc_strbuf_printf(&w, "{\"id\":%d}\n", k);
                m.present[k] = false;
            }
        } else if (kind == 7) { /* REPLACE */
            what = "replace";
            memset(&m, 0, sizeof m);
            for (int i = 0; i < n; i++) {
                int k = (int)(rnd() % DK);
                long long a = (long long)(rnd() % 1000);
                dc_strbuf_printf(&w, "{\"id\":%d,\"a\":%lld,\"b\":\"r%d\"}\n", k, a, i);
                m.present[k] = true;
                m.a[k] = a;
                m.a_null[k] = m.b_null[k] = false;
                snprintf(m.b[k], sizeof m.b[k], "r%d", i);
            }
        } else {
            what = "compaction";
        }
        char *text = dc_strbuf_detach(&w);
        if (!strcmp(what, "compaction")) {
            /* files of 1 row: 32 buckets over the 24 keys, rewritten by the buckets the
             * deltas touch */
            dc_compact_options co = {.target_file_rows = 1};
            dc_compact_result cr;
            DC_ASSERT_OK(dc_table_compact(c, NULL, NULL, "d", &co, &cr, NULL));
            partial_compactions += cr.files_kept > 0;
        } else {
            dc_write_mode mode = !strcmp(what, "delete")    ? DC_WRITE_DELETE
                                 : !strcmp(what, "replace") ? DC_WRITE_REPLACE
                                                            : DC_WRITE_MERGE;
            dc_error e;
            if (put(c, "d", text, mode, NULL, &e) != DC_OK)
                fail_msg("step %d (%s): %s", step, what, e.message);
        }
        char *want = model_text(&m), *got = read_all(c, NULL, "d", NULL);
        if (strcmp(want, got) != 0)
            fail_msg("step %d (%s of\n%s): the table reads\n%s\nthe model says\n%s", step, what,
                     text, got, want);
        dc_free(want);
        dc_free(got);
        dc_free(text);
    }
    if (steps >= 100)
        assert_true(partial_compactions > 0);
    dc_metadata_clear(&props);
    dc_catalog_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keymap_probe_finds_every_present_key_and_no_other),
        cmocka_unit_test(test_feature_enrichment),
        cmocka_unit_test(test_partial_updates_keep_other_columns),
        cmocka_unit_test(test_future_default_for_new_keys),
        cmocka_unit_test(test_deletes_of_absent_keys_and_multi_column_keys),
        cmocka_unit_test(test_last_write_wins),
        cmocka_unit_test(test_merge_order_and_event_time),
        cmocka_unit_test(test_time_travel_sees_each_merge),
        cmocka_unit_test(test_errors_change_nothing),
        cmocka_unit_test(test_compaction_folds_and_keeps_history),
        cmocka_unit_test(test_compaction_keeps_a_concurrent_merge),
        cmocka_unit_test(test_compaction_rewrites_only_touched_buckets),
        cmocka_unit_test(test_append_compaction_keeps_order),
        cmocka_unit_test(test_compaction_policy),
        cmocka_unit_test(test_partitioned_merge_keys),
        cmocka_unit_test(test_staged_merges_and_deletes),
        cmocka_unit_test(test_differential_against_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
