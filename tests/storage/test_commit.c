/*
 * test_commit.c: the commit protocol of docs/FORMAT.md on the memory, local and S3
 * backends: identity, operations and their validation (STATE-n), the log and
 * snapshots (LOG-n), checkpoints, time travel, transactions with rebase and
 * the conflict matrix (TXN-n, FORMAT.md 6.2), unknown outcomes, threads. Every test
 * but the local one runs on memory ("memory/...") and on S3 ("s3/...": a fresh bucket
 * per store on the moto server testutil.c starts; see FORMAT.md 10).
 */
#include "testutil.h"

#include "fs/fs_int.h"
#include "fs/s3_int.h"
#include "storage/lifecycle_int.h"
#include "storage/storage_int.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

/* The backend of the running test (TU_MEMORY or TU_S3) and the stores it made, dropped
 * by its teardown. */
#define MAX_STORES 256
static int g_backend;
static tu_backend g_stores[MAX_STORES];
static int g_n_stores;

static int use_memory(void **state)
{
    (void)state;
    g_backend = TU_MEMORY;
    return 0;
}

static int use_s3(void **state)
{
    (void)state;
    g_backend = TU_S3;
    return 0;
}

static int drop_stores(void **state)
{
    (void)state;
    for (int i = 0; i < g_n_stores; i++)
        tu_backend_done(&g_stores[i]);
    g_n_stores = 0;
    return 0;
}

/* A fresh empty store on the test's backend: its first handle. */
static tu_backend *new_backend(void)
{
    if (g_n_stores == MAX_STORES)
        fail_msg("more than %d stores in one test", MAX_STORES);
    tu_backend *v = &g_stores[g_n_stores++];
    tu_backend_init(v, g_backend, "commit");
    return v;
}

static dc_fs *fresh_fs(void)
{
    return tu_backend_fs(new_backend());
}

static dc_store *new_store(dc_fs *fs, int64_t interval)
{
    dc_store *s = NULL;
    dc_error e;
    dc_store_options o = {.create = true, .checkpoint_interval = interval};
    if (dc_store_open(&s, fs, &o, &e) != DC_OK)
        fail_msg("store: %s", e.message);
    return s;
}

static json_t *op(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *j = json_vpack_ex(NULL, 0, fmt, ap);
    va_end(ap);
    if (!j)
        fail_msg("bad op pack %s", fmt);
    return j;
}

/* Commit one transaction of ops (stolen); returns the status, *v the version. */
static dc_status commit_ops(dc_store *s, int64_t *v, dc_error *e, int n, ...)
{
    dc_stxn *t = NULL;
    dc_status rc = dc_stxn_begin(&t, s, &(dc_stxn_options){.author = "test"}, e);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        json_t *o = va_arg(ap, json_t *);
        if (rc == DC_OK)
            rc = dc_stxn_add_op(t, o, e);
        json_decref(o);
    }
    va_end(ap);
    if (rc == DC_OK)
        rc = dc_stxn_commit(t, "test commit", v, e);
    dc_stxn_free(t);
    return rc;
}

#define NS(id, name) op("{s:s, s:s, s:s}", "op", "create_namespace", "namespace_id", id, "name", name)
#define TABLE(id, ns, name)                                                                        \
    op("{s:s, s:s, s:s, s:s}", "op", "create_table", "table_id", id, "namespace_id", ns, "name", name)
#define TV(id, n) op("{s:s, s:s, s:i, s:{}}", "op", "create_table_version", "table_id", id, "table_version", n, "schema")
#define DELTA(id, part, type, path)                                                                \
    op("{s:s, s:s, s:i, s:s, s:s, s:[{s:s, s:i, s:i}]}", "op", "add_delta", "table_id", id,       \
       "table_version", 1, "partition", part, "delta_type", type, "files", "path", path,          \
       "record_count", 10, "file_size", 100)

static void setup_table(dc_store *s, const char *tid)
{
    dc_error e;
    int64_t v;
    char name[64];
    snprintf(name, sizeof name, "t_%s", tid);
    dc_snapshot *snap = NULL;
    assert_int_equal(dc_store_snapshot_latest(s, &snap, &e), DC_OK);
    bool have_ns = dc_state_namespace(snap->state, "ns") != NULL;
    dc_snapshot_unref(snap);
    if (!have_ns)
        assert_int_equal(commit_ops(s, &v, &e, 1, NS("ns", "default")), DC_OK);
    if (commit_ops(s, &v, &e, 2, TABLE(tid, "ns", name), TV(tid, 1)) != DC_OK)
        fail_msg("setup table: %s", e.message);
}

static void catalog_is_created_once_and_reopened(void **state)
{
    dc_fs *fs = fresh_fs();
    dc_store *a = new_store(fs, 0), *b = NULL;
    dc_error e;
    assert_int_equal(dc_store_open(&b, fs, NULL, &e), DC_OK); /* no create needed */
    assert_string_equal(dc_store_catalog_id(a), dc_store_catalog_id(b));
    assert_int_equal(dc_store_checkpoint_interval(b), DC_DEFAULT_CHECKPOINT_INTERVAL);
    dc_store_unref(b);
    dc_fs *empty = fresh_fs();
    assert_int_equal(dc_store_open(&b, empty, NULL, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "no deltacat catalog"));
    assert_int_equal(dc_fs_put(empty, DC_CATALOG_FILE, "{\"format\":\"x\"}", 14, &e), DC_OK);
    assert_int_equal(dc_store_open(&b, empty, NULL, &e), DC_EINVALID);
    const char *newer = "{\"format\":\"deltacat\",\"format_version\":99,\"catalog_id\":\"x\"}";
    assert_int_equal(dc_fs_put(empty, DC_CATALOG_FILE, newer, (int64_t)strlen(newer), &e), DC_OK);
    assert_int_equal(dc_store_open(&b, empty, NULL, &e), DC_EUNSUPPORTED);
    assert_non_null(strstr(e.message, "upgrade"));
    dc_fs_unref(empty);
    dc_store_unref(a);
    dc_fs_unref(fs);
}

static void commits_get_consecutive_versions_and_increasing_timestamps(void **state)
{
    /* LOG-2, LOG-4 */
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 0);
    dc_error e;
    int64_t v, latest;
    assert_int_equal(dc_store_latest_version(s, &latest, &e), DC_OK);
    assert_int_equal(latest, 0);
    for (int i = 1; i <= 40; i++) {
        char id[16], name[16];
        snprintf(id, sizeof id, "n%d", i);
        snprintf(name, sizeof name, "ns%d", i);
        assert_int_equal(commit_ops(s, &v, &e, 1, NS(id, name)), DC_OK);
        assert_int_equal(v, i);
    }
    int64_t prev = 0;
    for (int i = 1; i <= 40; i++) {
        json_t *entry = NULL;
        assert_int_equal(dc_store_read_entry(s, i, &entry, &e), DC_OK);
        int64_t ts = json_integer_value(json_object_get(entry, "timestamp_ns"));
        assert_true(ts > prev);
        prev = ts;
        json_t *txn = json_array_get(json_object_get(entry, "transactions"), 0);
        assert_string_equal(json_string_value(json_object_get(txn, "author")), "test");
        assert_string_equal(json_string_value(json_object_get(txn, "message")), "test commit");
        json_decref(entry);
    }
    /* A second handle finds the latest by probing (no hint, no listing). */
    dc_store *other = NULL;
    assert_int_equal(dc_store_open(&other, fs, NULL, &e), DC_OK);
    assert_int_equal(dc_store_latest_version(other, &latest, &e), DC_OK);
    assert_int_equal(latest, 40);
    dc_store_unref(other);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

static void invalid_operations_change_nothing(void **state)
{
    /* STATE-1, STATE-2 */
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 0);
    dc_error e;
    int64_t v;
    assert_int_equal(commit_ops(s, &v, &e, 1, NS("a", "alpha")), DC_OK);
    assert_int_equal(commit_ops(s, &v, &e, 1, NS("b", "alpha")), DC_EEXISTS);
    assert_non_null(strstr(e.message, "namespace alpha already exists"));
    assert_int_equal(commit_ops(s, &v, &e, 1, TABLE("t", "nope", "x")), DC_ENOTFOUND);
    assert_int_equal(commit_ops(s, &v, &e, 1, NS("c", "bad/name")), DC_EINVALID);
    assert_int_equal(commit_ops(s, &v, &e, 1, NS("c", "..")), DC_EINVALID);
    assert_int_equal(commit_ops(s, &v, &e, 1, op("{s:s}", "op", "explode")), DC_EINVALID);
    assert_int_equal(commit_ops(s, &v, &e, 2, TABLE("t", "a", "tbl"), TV("t", 2)), DC_EINVALID);
    assert_int_equal(commit_ops(s, &v, &e, 2, TABLE("t", "a", "tbl"), TV("t", 1)), DC_OK);
    /* Hostile file paths are refused before anything is written. */
    assert_int_equal(commit_ops(s, &v, &e, 1, DELTA("t", "", "add", "../../etc/passwd")),
                     DC_EINVALID);
    assert_int_equal(commit_ops(s, &v, &e, 1, DELTA("t", "", "add", "_log/00000000000000000009.json")),
                     DC_EINVALID);
    assert_int_equal(commit_ops(s, &v, &e, 1, DELTA("t", "", "append", "data/t/f1.parquet")), DC_OK);
    json_t *twice = op("{s:s, s:s, s:i, s:s, s:[{s:s, s:i, s:i}, {s:s, s:i, s:i}]}", "op", "add_delta",
                       "table_id", "t", "table_version", 1, "delta_type", "add", "files", "path",
                       "data/t/f2.parquet", "record_count", 1, "file_size", 1, "path",
                       "data/t/f2.parquet", "record_count", 1, "file_size", 1);
    assert_int_equal(commit_ops(s, &v, &e, 1, twice), DC_EINVALID); /* STATE-4 */
    assert_non_null(strstr(e.message, "listed twice"));
    assert_int_equal(commit_ops(s, &v, &e, 1, op("{s:s, s:s}", "op", "drop_namespace",
                                                 "namespace_id", "a")),
                     DC_EINVALID); /* not empty */
    int64_t latest;
    assert_int_equal(dc_store_latest_version(s, &latest, &e), DC_OK);
    assert_int_equal(latest, 3); /* only the three valid commits */
    dc_store_unref(s);
    dc_fs_unref(fs);
}

static void stream_positions_follow_log_order(void **state)
{
    /* STATE-3 */
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 0);
    dc_error e;
    int64_t v;
    setup_table(s, "t");
    for (int i = 0; i < 5; i++) {
        char p[64];
        snprintf(p, sizeof p, "data/t/f%d.parquet", i);
        assert_int_equal(commit_ops(s, &v, &e, 1, DELTA("t", "p1", "append", p)), DC_OK);
    }
    dc_snapshot *snap = NULL;
    assert_int_equal(dc_store_snapshot_latest(s, &snap, &e), DC_OK);
    json_t *deltas = json_object_get(
        json_object_get(json_object_get(json_object_get(json_object_get(dc_state_table(snap->state, "t"), "versions"), "1"), "partitions"), "p1"),
        "deltas");
    assert_int_equal(json_array_size(deltas), 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(deltas, i), "position")),
                         (json_int_t)i + 1);
    dc_snapshot_unref(snap);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

/* The state documents of the same version built two ways must be equal. */
static void assert_same_state(const json_t *a, const json_t *b)
{
    if (!json_equal((json_t *)a, (json_t *)b)) {
        char *x = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
        char *y = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
        fail_msg("states differ:\n%s\n%s", x, y);
    }
}

static void checkpoints_give_the_same_state_as_replay(void **state)
{
    /* LOG-3 */
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 4);
    dc_error e;
    int64_t v;
    setup_table(s, "t");
    setup_table(s, "u");
    for (int i = 0; i < 30; i++) {
        char p[64];
        snprintf(p, sizeof p, "data/t/f%d.parquet", i);
        assert_int_equal(commit_ops(s, &v, &e, 1, DELTA("t", i % 2 ? "a" : "b", "add", p)), DC_OK);
    }
    bool exists;
    assert_int_equal(dc_fs_exists(fs, "_checkpoints/00000000000000000032/root.json", &exists, &e), DC_OK);
    assert_true(exists);
    /* Table u (created at version 3) never changed after checkpoint 4: later
     * checkpoints share the segment written then. */
    dc_bytes b;
    dc_bytes_init(&b);
    assert_int_equal(dc_fs_get(fs, "_checkpoints/00000000000000000032/root.json", &b, &e), DC_OK);
    assert_non_null(memmem(b.data, (size_t)b.size, "00000000000000000004/t-u-1.json", 31));
    dc_bytes_free(&b);
    /* Every version, through checkpoints (fresh handle), equals a replay from empty. */
    dc_store *fresh = NULL;
    dc_fs *nockpt = fresh_fs();
    for (int64_t ver = 0; ver <= v; ver++) {
        dc_snapshot *a = NULL, *r = NULL;
        assert_int_equal(dc_store_open(&fresh, fs, NULL, &e), DC_OK);
        assert_int_equal(dc_store_snapshot_at(fresh, ver, &a, &e), DC_OK);
        assert_int_equal(a->version, ver);
        dc_store_stats st;
        dc_store_stats_get(fresh, &st);
        assert_true(st.entries_read <= ver % 4); /* checkpoint + the commits after it, only */
        assert_true(st.checkpoints_read <= 1);
        /* Replay: copy only the log into a store without checkpoints. */
        dc_snapshot_empty(&r, &e);
        for (int64_t k = 1; k <= ver; k++) {
            json_t *entry = NULL;
            assert_int_equal(dc_store_read_entry(fresh, k, &entry, &e), DC_OK);
            size_t i, j;
            json_t *txn, *o;
            json_array_foreach(json_object_get(entry, "transactions"), i, txn)
                json_array_foreach(json_object_get(txn, "operations"), j, o)
                    assert_int_equal(dc_state_apply(r->state, o, k, &e), DC_OK);
            json_decref(entry);
        }
        assert_same_state(a->state, r->state);
        dc_snapshot_unref(a);
        dc_snapshot_unref(r);
        dc_store_unref(fresh);
    }
    dc_fs_unref(nockpt);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

static int count_keys(dc_fs *fs, const char *prefix, const char *needle)
{
    dc_fs_listing l;
    dc_error e;
    assert_int_equal(dc_fs_list_all(fs, prefix, true, &l, &e), DC_OK);
    int n = 0;
    for (int64_t i = 0; i < l.n; i++)
        n += strstr(l.entries[i].key, needle) != NULL;
    dc_fs_listing_free(&l);
    return n;
}

static void checkpoint_chunks_are_reused_until_changed(void **state)
{
    /* A checkpoint writes the chunks that changed since the one the state was
     * loaded from, and the state read back equals the state written (LOG-3). */
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 4);
    dc_error e;
    int64_t v;
    setup_table(s, "t"); /* versions 1, 2 */
    dc_stxn *t = NULL;
    assert_int_equal(dc_stxn_begin(&t, s, NULL, &e), DC_OK);
    for (int i = 0; i < 1100; i++) { /* positions 1..1100: chunk 0 full, chunk 1 partial */
        char p[64];
        snprintf(p, sizeof p, "data/t/bulk%d.parquet", i);
        json_t *o = DELTA("t", "", "add", p);
        assert_int_equal(dc_stxn_add_op(t, o, &e), DC_OK);
        json_decref(o);
    }
    assert_int_equal(dc_stxn_commit(t, NULL, &v, &e), DC_OK); /* version 3 */
    dc_stxn_free(t);
    assert_int_equal(commit_ops(s, &v, &e, 1, DELTA("t", "", "add", "data/t/x4.parquet")), DC_OK);
    /* Checkpoint 4 wrote both chunks. */
    assert_int_equal(count_keys(fs, "_checkpoints/00000000000000000004/", "/c-t-1-"), 2);
    /* A fresh handle loads checkpoint 4; its next checkpoint (8) rewrites only chunk 1. */
    dc_store *o = NULL;
    assert_int_equal(dc_store_open(&o, fs, NULL, &e), DC_OK);
    for (int i = 5; i <= 8; i++) {
        char p[64];
        snprintf(p, sizeof p, "data/t/x%d.parquet", i);
        assert_int_equal(commit_ops(o, &v, &e, 1, DELTA("t", "", "add", p)), DC_OK);
    }
    assert_int_equal(v, 8);
    assert_int_equal(count_keys(fs, "_checkpoints/00000000000000000008/", "/c-t-1-"), 1);
    /* Removing a file of chunk 0 makes checkpoint 12 rewrite chunk 0 (and not chunk 1). */
    assert_int_equal(commit_ops(o, &v, &e, 1,
                                op("{s:s, s:s, s:i, s:s, s:[s]}", "op", "remove_files", "table_id", "t",
                                   "table_version", 1, "partition", "", "paths", "data/t/bulk7.parquet")),
                     DC_OK);
    for (int i = 10; i <= 12; i++) {
        char p[64];
        snprintf(p, sizeof p, "data/t/y%d.parquet", i);
        /* these land in chunk 1 too (positions 1106..) */
        assert_int_equal(commit_ops(o, &v, &e, 1, DELTA("t", "", "add", p)), DC_OK);
    }
    assert_int_equal(v, 12);
    assert_int_equal(count_keys(fs, "_checkpoints/00000000000000000012/", "/c-t-1-"), 2);
    dc_store_unref(o);
    /* Checkpoint 12 read back equals the replay of the log. */
    dc_snapshot *a = NULL, *r = NULL;
    assert_int_equal(dc_store_open(&o, fs, NULL, &e), DC_OK);
    assert_int_equal(dc_store_snapshot_at(o, 12, &a, &e), DC_OK);
    dc_store_stats st;
    dc_store_stats_get(o, &st);
    assert_int_equal(st.entries_read, 0); /* straight from the checkpoint */
    dc_snapshot_empty(&r, &e);
    for (int64_t k = 1; k <= 12; k++) {
        json_t *entry = NULL;
        assert_int_equal(dc_store_read_entry(o, k, &entry, &e), DC_OK);
        size_t i, j;
        json_t *txn, *op1;
        json_array_foreach(json_object_get(entry, "transactions"), i, txn)
            json_array_foreach(json_object_get(txn, "operations"), j, op1)
                assert_int_equal(dc_state_apply(r->state, op1, k, &e), DC_OK);
        json_decref(entry);
    }
    assert_same_state(a->state, r->state);
    dc_snapshot_unref(a);
    dc_snapshot_unref(r);
    dc_store_unref(o);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

static void latest_survives_stale_missing_or_corrupt_hints(void **state)
{
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 4);
    dc_error e;
    int64_t v, latest;
    for (int i = 0; i < 11; i++) {
        char id[16];
        snprintf(id, sizeof id, "n%d", i);
        assert_int_equal(commit_ops(s, &v, &e, 1, NS(id, id)), DC_OK);
    }
    static const char *const hints[] = {"{\"version\": 4}", "garbage", "{\"version\": 999}",
                                        "{\"version\": -3}"};
    for (size_t i = 0; i < DC_ARRAY_LEN(hints); i++) {
        assert_int_equal(dc_fs_put(fs, DC_LAST_CHECKPOINT, hints[i], (int64_t)strlen(hints[i]), &e), DC_OK);
        dc_store *o = NULL;
        assert_int_equal(dc_store_open(&o, fs, NULL, &e), DC_OK);
        assert_int_equal(dc_store_latest_version(o, &latest, &e), DC_OK);
        assert_int_equal(latest, 11);
        dc_snapshot *snap = NULL;
        assert_int_equal(dc_store_snapshot_latest(o, &snap, &e), DC_OK);
        assert_int_equal(json_object_size(json_object_get(snap->state, "namespaces")), 11);
        dc_snapshot_unref(snap);
        dc_store_unref(o);
    }
    assert_int_equal(dc_fs_remove(fs, DC_LAST_CHECKPOINT, &e), DC_OK);
    /* A checkpoint without its root is ignored. */
    assert_int_equal(dc_fs_remove(fs, "_checkpoints/00000000000000000008/root.json", &e), DC_OK);
    dc_store *o = NULL;
    dc_snapshot *snap = NULL;
    assert_int_equal(dc_store_open(&o, fs, NULL, &e), DC_OK);
    assert_int_equal(dc_store_snapshot_at(o, 10, &snap, &e), DC_OK);
    assert_int_equal(json_object_size(json_object_get(snap->state, "namespaces")), 10);
    dc_snapshot_unref(snap);
    dc_store_unref(o);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

static void time_travel_by_version_and_time(void **state)
{
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 0);
    dc_error e;
    int64_t v, ts[6] = {0};
    for (int i = 1; i <= 5; i++) {
        char id[16];
        snprintf(id, sizeof id, "n%d", i);
        assert_int_equal(commit_ops(s, &v, &e, 1, NS(id, id)), DC_OK);
        json_t *entry = NULL;
        dc_store_read_entry(s, i, &entry, &e);
        ts[i] = json_integer_value(json_object_get(entry, "timestamp_ns"));
        json_decref(entry);
    }
    for (int i = 1; i <= 5; i++) {
        dc_snapshot *a = NULL;
        assert_int_equal(dc_store_snapshot_at_time(s, ts[i], &a, &e), DC_OK);
        assert_int_equal(a->version, i);
        dc_snapshot_unref(a);
        assert_int_equal(dc_store_snapshot_at_time(s, ts[i] - 1, &a, &e), DC_OK);
        assert_int_equal(a->version, i - 1);
        dc_snapshot_unref(a);
    }
    dc_stxn *t = NULL;
    assert_int_equal(dc_stxn_begin(&t, s, &(dc_stxn_options){.as_of_version = 3}, &e), DC_OK);
    assert_true(dc_stxn_read_only(t));
    assert_int_equal(json_object_size(json_object_get(dc_stxn_state(t), "namespaces")), 3);
    json_t *o = NS("x", "x");
    assert_int_equal(dc_stxn_add_op(t, o, &e), DC_EINVALID); /* TXN-4 */
    assert_non_null(strstr(e.message, "read-only"));
    json_decref(o);
    dc_stxn_free(t);
    assert_int_equal(dc_stxn_begin(&t, s, &(dc_stxn_options){.as_of_version = 9}, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "latest is 5"));
    assert_int_equal(dc_stxn_begin(&t, s, &(dc_stxn_options){.as_of_ns = dc_clock_now_ns() + 60000000000LL}, &e),
                     DC_EINVALID);
    assert_non_null(strstr(e.message, "future"));
    dc_store_unref(s);
    dc_fs_unref(fs);
}

/* ---- the conflict matrix (FORMAT.md 6.2) ---- */

typedef enum { W_ADD, W_APPEND, W_UPSERT, W_DELETE, W_COMPACT, W_REPLACE, W_SCHEMA, W_RENAME, W_DROP,
               W_READ_DATA, W_READ_META, W__N } wkind;
static const char *const WNAMES[] = {"add", "append", "upsert", "delete", "compaction", "replace",
                                     "schema", "rename", "drop", "read-data", "read-meta"};

/* Give transaction t the operations (and reads) of kind k on table "t" in partition part.
 * `n` makes file names unique. */
static void do_kind(dc_stxn *t, wkind k, const char *part, int n)
{
    dc_error e;
    char p[64];
    snprintf(p, sizeof p, "data/t/%s-%d.parquet", WNAMES[k], n);
    json_t *o = NULL;
    switch (k) {
    case W_ADD: o = DELTA("t", part, "add", p); break;
    case W_APPEND: o = DELTA("t", part, "append", p); break;
    case W_UPSERT: o = DELTA("t", part, "upsert", p); break;
    case W_DELETE: o = DELTA("t", part, "delete", p); break;
    case W_COMPACT:
        o = op("{s:s, s:s, s:i, s:s, s:[s]}", "op", "remove_files", "table_id", "t", "table_version", 1,
               "partition", part, "paths",
               strcmp(part, "q") ? "data/t/base.parquet" : "data/t/base2.parquet");
        break;
    case W_REPLACE:
        o = op("{s:s, s:s, s:i, s:s, s:[s], s:b}", "op", "remove_files", "table_id", "t", "table_version", 1,
               "partition", part, "paths", "data/t/base.parquet", "exclusive", 1);
        break;
    case W_SCHEMA:
        o = op("{s:s, s:s, s:i, s:{s:s}}", "op", "update_table_version", "table_id", "t", "table_version", 1,
               "schema", "doc", WNAMES[k]);
        break;
    case W_RENAME:
        snprintf(p, sizeof p, "renamed%d", n);
        o = op("{s:s, s:s, s:s}", "op", "update_table", "table_id", "t", "name", p);
        break;
    case W_DROP: o = op("{s:s, s:s}", "op", "drop_table", "table_id", "t"); break;
    case W_READ_DATA:
    case W_READ_META:
        assert_int_equal(dc_stxn_note_read(t, "t", k == W_READ_DATA, &e), DC_OK);
        o = NS(n == 1 ? "other1" : "other2", n == 1 ? "other1" : "other2"); /* writes elsewhere */
        break;
    default: break;
    }
    if (dc_stxn_add_op(t, o, &e) != DC_OK)
        fail_msg("%s: %s", WNAMES[k], e.message);
    json_decref(o);
}

/* Expected outcome for ours (row) after theirs (column) committed, same partition.
 * Reads are only "ours". Rows and columns in wkind order. 1 = conflict. */
static const char EXPECT_SAME[W__N][W__N - 2 + 1] = {
    /*              add app ups del cmp rep sch ren drp */
    [W_ADD] =     {0,  0,  0,  0,  0,  1,  1,  0,  1},
    [W_APPEND] =  {0,  1,  1,  1,  0,  1,  1,  0,  1},
    [W_UPSERT] =  {0,  0,  0,  0,  0,  1,  1,  0,  1},
    [W_DELETE] =  {0,  0,  0,  0,  0,  1,  1,  0,  1},
    [W_COMPACT] = {0,  0,  0,  0,  1,  1,  1,  0,  1}, /* merged_through: merges stay after it */
    [W_REPLACE] = {1,  1,  1,  1,  1,  1,  1,  0,  1},
    [W_SCHEMA] =  {1,  1,  1,  1,  1,  1,  1,  0,  1},
    [W_RENAME] =  {0,  0,  0,  0,  0,  0,  0,  1,  1},
    [W_DROP] =    {1,  1,  1,  1,  1,  1,  1,  1,  1},
    [W_READ_DATA] = {1, 1, 1,  1,  1,  1,  1,  0,  1},
    [W_READ_META] = {0, 0, 0,  0,  0,  0,  1,  1,  1},
};

static dc_status race(wkind ours, wkind theirs, const char *our_part, const char *their_part,
                      dc_error *e)
{
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 0);
    int64_t v;
    setup_table(s, "t");
    if (commit_ops(s, &v, e, 1, DELTA("t", our_part, "add", "data/t/base.parquet")) != DC_OK)
        fail_msg("base: %s", e->message);
    if (strcmp(our_part, their_part) != 0 &&
        commit_ops(s, &v, e, 1, DELTA("t", their_part, "add", "data/t/base2.parquet")) != DC_OK)
        fail_msg("base2: %s", e->message);
    dc_stxn *a = NULL, *b = NULL;
    assert_int_equal(dc_stxn_begin(&a, s, NULL, e), DC_OK); /* ours */
    assert_int_equal(dc_stxn_begin(&b, s, NULL, e), DC_OK); /* theirs */
    do_kind(a, ours, our_part, 1);
    do_kind(b, theirs, their_part, 2);
    assert_int_equal(dc_stxn_commit(b, "theirs", &v, e), DC_OK);
    dc_status rc = dc_stxn_commit(a, "ours", &v, e);
    dc_stxn_free(a);
    dc_stxn_free(b);
    dc_store_unref(s);
    dc_fs_unref(fs);
    return rc;
}

static void conflict_matrix_same_partition(void **state)
{
    for (int o = 0; o < W__N; o++) {
        for (int t = 0; t < W__N - 2; t++) {
            dc_error e;
            dc_error_clear(&e);
            dc_status rc = race((wkind)o, (wkind)t, "p", "p", &e);
            bool conflict = rc == DC_ECONFLICT;
            if (rc != DC_OK && rc != DC_ECONFLICT)
                fail_msg("ours %s vs theirs %s: unexpected %s: %s", WNAMES[o], WNAMES[t],
                         dc_status_name(rc), e.message);
            if (conflict != (EXPECT_SAME[o][t] == 1))
                fail_msg("ours %s vs theirs %s: expected %s, got %s (%s)", WNAMES[o], WNAMES[t],
                         EXPECT_SAME[o][t] ? "a conflict" : "success",
                         conflict ? "a conflict" : "success", e.message);
            if (conflict && o != W_RENAME && t != W_DROP && o != W_DROP) {
                /* The error names the table and the winning transaction. */
                assert_non_null(strstr(e.message, "t_t"));
                assert_non_null(strstr(e.message, "version"));
            }
        }
    }
}

static void conflict_matrix_other_partition(void **state)
{
    /* In another partition only the table-wide kinds conflict. */
    static const wkind partitioned[] = {W_APPEND, W_UPSERT, W_DELETE, W_COMPACT};
    for (size_t i = 0; i < DC_ARRAY_LEN(partitioned); i++) {
        for (size_t j = 0; j < DC_ARRAY_LEN(partitioned); j++) {
            dc_error e;
            dc_status rc = race(partitioned[i], partitioned[j], "p", "q", &e);
            if (rc != DC_OK)
                fail_msg("ours %s in p vs theirs %s in q: %s", WNAMES[partitioned[i]],
                         WNAMES[partitioned[j]], e.message);
        }
    }
}

static void writes_to_different_tables_never_conflict(void **state)
{
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 0);
    dc_error e;
    int64_t v;
    setup_table(s, "t");
    setup_table(s, "u");
    dc_stxn *a = NULL, *b = NULL;
    dc_stxn_begin(&a, s, NULL, &e);
    dc_stxn_begin(&b, s, NULL, &e);
    json_t *o1 = op("{s:s, s:s}", "op", "drop_table", "table_id", "u");
    json_t *o2 = DELTA("t", "", "append", "data/t/x.parquet");
    assert_int_equal(dc_stxn_add_op(b, o1, &e), DC_OK);
    assert_int_equal(dc_stxn_add_op(a, o2, &e), DC_OK);
    json_decref(o1);
    json_decref(o2);
    assert_int_equal(dc_stxn_commit(b, NULL, &v, &e), DC_OK);
    assert_int_equal(dc_stxn_commit(a, NULL, &v, &e), DC_OK); /* rebased past the drop */
    assert_int_equal(v, 5);
    dc_stxn_free(a);
    dc_stxn_free(b);
    dc_store_stats st;
    dc_store_stats_get(s, &st);
    assert_int_equal(st.retries, 1);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

static void two_creates_of_one_name_one_wins(void **state)
{
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 0);
    dc_error e;
    int64_t v;
    assert_int_equal(commit_ops(s, &v, &e, 1, NS("ns", "default")), DC_OK);
    dc_stxn *a = NULL, *b = NULL;
    dc_stxn_begin(&a, s, NULL, &e);
    dc_stxn_begin(&b, s, NULL, &e);
    json_t *o1 = TABLE("t1", "ns", "users"), *o2 = TABLE("t2", "ns", "users");
    assert_int_equal(dc_stxn_add_op(a, o1, &e), DC_OK);
    assert_int_equal(dc_stxn_add_op(b, o2, &e), DC_OK);
    json_decref(o1);
    json_decref(o2);
    assert_int_equal(dc_stxn_commit(a, NULL, &v, &e), DC_OK);
    assert_int_equal(dc_stxn_commit(b, NULL, &v, &e), DC_ECONFLICT);
    assert_non_null(strstr(e.message, "users already exists"));
    assert_non_null(strstr(e.message, dc_stxn_id(a))); /* names the winner (FORMAT.md 6.1) */
    assert_non_null(strstr(e.message, "version 2"));
    /* TXN-4: a failed transaction can only be freed. */
    json_t *o3 = NS("z", "z");
    assert_int_equal(dc_stxn_add_op(b, o3, &e), DC_EINVALID);
    assert_int_equal(dc_stxn_commit(b, NULL, &v, &e), DC_EINVALID);
    json_decref(o3);
    dc_stxn_free(a);
    dc_stxn_free(b);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

static void unknown_outcomes_are_resolved_by_token(void **state)
{
    /* TXN-3: the put lands but reports an I/O error; the commit is still reported
     * once, as a success, at the right version. */
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 0);
    dc_error e;
    int64_t v, latest;
    dc_fs_fault f = {.op = DC_FS_OP_PUT_IF_ABSENT, .nth = 1, .count = 1, .mode = DC_FS_FAULT_UNKNOWN};
    dc_fs_inject_fault(fs, &f);
    assert_int_equal(commit_ops(s, &v, &e, 1, NS("a", "a")), DC_OK);
    assert_int_equal(v, 1);
    assert_int_equal(dc_store_latest_version(s, &latest, &e), DC_OK);
    assert_int_equal(latest, 1);
    /* A plain failure (nothing landed) is retried at the same version. */
    dc_fs_fault g = {.op = DC_FS_OP_PUT_IF_ABSENT, .nth = 1, .count = 1, .mode = DC_FS_FAULT_ERROR};
    dc_fs_inject_fault(fs, &g);
    assert_int_equal(commit_ops(s, &v, &e, 1, NS("b", "b")), DC_OK);
    assert_int_equal(v, 2);
    /* Persistent failure: reported, nothing visible. */
    dc_fs_fault h = {.op = DC_FS_OP_PUT_IF_ABSENT, .nth = 1, .count = -1, .mode = DC_FS_FAULT_ERROR};
    dc_fs_inject_fault(fs, &h);
    assert_int_equal(commit_ops(s, &v, &e, 1, NS("c", "c")), DC_EIO);
    dc_fs_inject_fault(fs, NULL);
    assert_int_equal(dc_store_latest_version(s, &latest, &e), DC_OK);
    assert_int_equal(latest, 2);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

static void a_put_that_lands_late_is_recognized_as_ours(void **state)
{
    /* TXN-3, found by the Promela model (model/README.md): a put reported as failed
     * may land after the read-back saw nothing (a late S3 PUT). The retry then loses
     * the race to our own entry: it must report success at that version, neither a
     * conflict nor a second copy. */
    dc_fs *fs = fresh_fs();
    dc_store *s = new_store(fs, 0);
    dc_error e;
    int64_t v, latest;
    setup_table(s, "t"); /* versions 1, 2 */
    dc_stxn *t = NULL;
    assert_int_equal(dc_stxn_begin(&t, s, NULL, &e), DC_OK);
    json_t *o = DELTA("t", "p", "append", "data/t/late.parquet");
    assert_int_equal(dc_stxn_add_op(t, o, &e), DC_OK);
    json_decref(o);
    /* The late landing: our entry (our token) appears at version 3 behind our back. */
    json_t *txn = json_pack("{s:s, s:s, s:I, s:I, s:O}", "id", dc_stxn_id(t), "token",
                            dc_stxn__token(t), "start_ns", (json_int_t)dc_stxn__start_ns(t),
                            "read_version", (json_int_t)2, "operations", dc_stxn__ops(t));
    json_t *entry = json_pack("{s:i, s:i, s:I, s:[o]}", "format_version", 1, "version", 3,
                              "timestamp_ns", (json_int_t)dc_clock_now_ns(), "transactions", txn);
    char *text = json_dumps(entry, JSON_COMPACT);
    char key[64];
    dc_log_key(key, 3);
    assert_int_equal(dc_fs_put_if_absent(fs, key, text, (int64_t)strlen(text), &e), DC_OK);
    free(text);
    json_decref(entry);
    assert_int_equal(dc_stxn_commit(t, NULL, &v, &e), DC_OK); /* an append: would conflict */
    assert_int_equal(v, 3);
    dc_stxn_free(t);
    assert_int_equal(dc_store_latest_version(s, &latest, &e), DC_OK);
    assert_int_equal(latest, 3); /* no second copy */
    dc_store_unref(s);
    dc_fs_unref(fs);
}

typedef struct worker {
    dc_store *store;
    int id;
    int n; /* commits to make */
    int commits;
    int conflicts;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    dc_error e;
    for (int i = 0; i < w->n; i++) {
        char path[64];
        snprintf(path, sizeof path, "data/t/w%d-%d.parquet", w->id, i);
        /* Even workers ADD to the shared table; odd ones APPEND to their own partition. */
        char part[16];
        snprintf(part, sizeof part, "p%d", w->id);
        int64_t v;
        dc_status rc = commit_ops(w->store, &v, &e, 1,
                                  DELTA("t", w->id % 2 ? part : "", w->id % 2 ? "append" : "add", path));
        if (rc == DC_OK)
            w->commits++;
        else if (rc == DC_ECONFLICT)
            w->conflicts++;
        else
            fail_msg("worker %d: %s", w->id, e.message);
    }
    return NULL;
}

static void concurrent_writers_lose_nothing(void **state)
{
    /* 8 writers race for every version: on S3 each lost race costs requests, so fewer */
    int per = g_backend == TU_S3 ? 12 : 40;
    tu_backend *v = new_backend();
    dc_fs *fs = tu_backend_fs(v);
    dc_error e;
    dc_store *s = new_store(fs, 8);
    setup_table(s, "t");
    pthread_t th[8];
    worker w[8];
    for (int i = 0; i < 8; i++) {
        dc_fs *own = tu_backend_fs(v); /* one handle and one store per thread */
        w[i] = (worker){.id = i, .n = per};
        assert_int_equal(dc_store_open(&w[i].store, own, NULL, &e), DC_OK);
        dc_fs_unref(own);
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    int total = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        total += w[i].commits;
        assert_int_equal(w[i].conflicts, 0); /* ADDs and appends to own partitions */
        dc_store_unref(w[i].store);
    }
    assert_int_equal(total, 8 * per);
    dc_snapshot *snap = NULL;
    assert_int_equal(dc_store_snapshot_latest(s, &snap, &e), DC_OK);
    assert_int_equal(snap->version, 2 + 8 * per);
    int files = 0;
    const char *pk;
    json_t *pv;
    json_t *parts = json_object_get(
        json_object_get(json_object_get(dc_state_table(snap->state, "t"), "versions"), "1"),
        "partitions");
    json_object_foreach(parts, pk, pv)
    {
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(pv, "deltas"), i, d)
            files += (int)json_array_size(json_object_get(d, "files"));
    }
    assert_int_equal(files, 8 * per);
    dc_snapshot_unref(snap);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

/* Requests the fs sent so far (S3 only: -1 elsewhere). */
static int64_t requests_sent(dc_fs *fs)
{
    if (g_backend != TU_S3)
        return -1;
    dc_s3_counters c;
    dc_s3__counters(fs->impl, &c);
    return c.requests;
}

static dc_stxn *begin_stale(dc_store *s, int64_t max_staleness_ns)
{
    dc_stxn *t = NULL;
    dc_error e;
    if (dc_stxn_begin(&t, s, &(dc_stxn_options){.max_staleness_ns = max_staleness_ns}, &e) !=
        DC_OK)
        fail_msg("begin: %s", e.message);
    return t;
}

/* FORMAT.md 6.5: a begin within the bound trusts the version its handle confirmed last
 * (sending nothing), reads that state, and its commit is still checked against every
 * commit it did not see. */
static void bounded_staleness_begins_without_asking_and_commits_stay_serializable(void **state)
{
    tu_backend *b = new_backend();
    dc_fs *fa = tu_backend_fs(b), *fb = tu_backend_fs(b);
    dc_store *a = new_store(fa, 0), *other = new_store(fb, 0);
    const int64_t bound = 30LL * 1000000000;
    dc_error e;
    int64_t v, v0;
    setup_table(a, "t");
    assert_int_equal(commit_ops(a, &v0, &e, 1, DELTA("t", "", "add", "data/t/a.parquet")), DC_OK);

    /* its own commit is the latest it knows: a begin within the bound asks nothing */
    int64_t r0 = requests_sent(fa);
    dc_stxn *t = begin_stale(a, bound);
    assert_int_equal(dc_stxn_read_version(t), v0);
    if (r0 >= 0)
        assert_int_equal(requests_sent(fa), r0);
    dc_stxn_free(t);

    /* another handle commits: a stale begin does not see it, a strict one does */
    assert_int_equal(commit_ops(other, &v, &e, 1, DELTA("t", "", "add", "data/t/b.parquet")),
                     DC_OK);
    assert_int_equal(v, v0 + 1);
    dc_stxn *stale = begin_stale(a, bound), *reader = begin_stale(a, bound);
    assert_int_equal(dc_stxn_read_version(stale), v0);
    /* an add on the stale state loses the race for v0 + 1, is checked, and lands after */
    json_t *o = DELTA("t", "", "add", "data/t/c.parquet");
    assert_int_equal(dc_stxn_add_op(stale, o, &e), DC_OK);
    json_decref(o);
    dc_store_stats st0, st1;
    dc_store_stats_get(a, &st0);
    assert_int_equal(dc_stxn_commit(stale, NULL, &v, &e), DC_OK);
    assert_int_equal(v, v0 + 2);
    dc_store_stats_get(a, &st1);
    assert_int_equal(st1.retries, st0.retries + 1);
    /* one that read the table's data conflicts with the commit it did not see */
    assert_int_equal(dc_stxn_read_version(reader), v0);
    assert_int_equal(dc_stxn_note_read(reader, "t", true, &e), DC_OK);
    o = DELTA("t", "", "add", "data/t/d.parquet");
    assert_int_equal(dc_stxn_add_op(reader, o, &e), DC_OK);
    json_decref(o);
    assert_int_equal(dc_stxn_commit(reader, NULL, &v, &e), DC_ECONFLICT);
    dc_stxn_free(stale);
    dc_stxn_free(reader);
    /* the commit above confirmed v0 + 2; the other handle passes it again */
    assert_int_equal(commit_ops(other, &v, &e, 1, DELTA("t", "", "add", "data/t/e.parquet")),
                     DC_OK);
    t = begin_stale(a, bound);
    assert_int_equal(dc_stxn_read_version(t), v0 + 2);
    dc_stxn_free(t);
    /* past the bound (or without one) the begin asks */
    struct timespec ms2 = {0, 2000000};
    nanosleep(&ms2, NULL);
    t = begin_stale(a, 1000000); /* 1 ms */
    assert_int_equal(dc_stxn_read_version(t), v0 + 3);
    dc_stxn_free(t);
    assert_int_equal(commit_ops(other, &v, &e, 1, DELTA("t", "", "add", "data/t/f.parquet")),
                     DC_OK);
    t = begin_stale(a, 0);
    assert_int_equal(dc_stxn_read_version(t), v0 + 4);
    dc_stxn_free(t);
    /* a bound the collector's grace period might not cover is refused */
    assert_int_equal(dc_stxn_begin(&t, a, &(dc_stxn_options){.max_staleness_ns = 61LL * 1000000000},
                                   &e),
                     DC_EINVALID);
    assert_non_null(strstr(e.message, "60000 ms"));
    assert_null(t);
    dc_store_unref(a);
    dc_store_unref(other);
    dc_fs_unref(fa);
    dc_fs_unref(fb);
}

static void local_backend_commits_and_reopens(void **state)
{
    char *dir = tu_tmpdir();
    dc_fs *fs = NULL;
    dc_error e;
    assert_int_equal(dc_fs_local_open(&fs, dir, NULL, &e), DC_OK);
    dc_store *s = new_store(fs, 4);
    int64_t v;
    setup_table(s, "t");
    for (int i = 0; i < 9; i++) {
        char p[64];
        snprintf(p, sizeof p, "data/t/f%d.parquet", i);
        assert_int_equal(commit_ops(s, &v, &e, 1, DELTA("t", "", "add", p)), DC_OK);
    }
    dc_store_unref(s);
    dc_fs_unref(fs);
    assert_int_equal(dc_fs_local_open(&fs, dir, NULL, &e), DC_OK);
    assert_int_equal(dc_store_open(&s, fs, NULL, &e), DC_OK);
    dc_snapshot *snap = NULL;
    assert_int_equal(dc_store_snapshot_latest(s, &snap, &e), DC_OK);
    assert_int_equal(snap->version, 11);
    dc_snapshot_unref(snap);
    dc_store_unref(s);
    dc_fs_unref(fs);
    tu_rmdir(dir);
    dc_free(dir);
}

#define BOTH(t)                                                                                    \
    {"memory/" #t, t, use_memory, drop_stores, NULL},                                              \
    {                                                                                              \
        "s3/" #t, t, use_s3, drop_stores, NULL                                                     \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(catalog_is_created_once_and_reopened),
        BOTH(commits_get_consecutive_versions_and_increasing_timestamps),
        BOTH(invalid_operations_change_nothing),
        BOTH(stream_positions_follow_log_order),
        BOTH(checkpoints_give_the_same_state_as_replay),
        BOTH(checkpoint_chunks_are_reused_until_changed),
        BOTH(latest_survives_stale_missing_or_corrupt_hints),
        BOTH(time_travel_by_version_and_time),
        BOTH(conflict_matrix_same_partition),
        BOTH(conflict_matrix_other_partition),
        BOTH(writes_to_different_tables_never_conflict),
        BOTH(two_creates_of_one_name_one_wins),
        BOTH(unknown_outcomes_are_resolved_by_token),
        BOTH(a_put_that_lands_late_is_recognized_as_ours),
        BOTH(concurrent_writers_lose_nothing),
        BOTH(bounded_staleness_begins_without_asking_and_commits_stay_serializable),
        cmocka_unit_test(local_backend_commits_and_reopens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
