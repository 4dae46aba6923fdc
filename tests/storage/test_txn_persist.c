/*
 * test_txn_persist.c: long-lived transactions (FORMAT.md 8, txn_persist.c
 * PTX-n) and group commit (FORMAT.md 7, group.c GRP-n), each on the memory
 * and the local backend. "Another process" is another fs handle and store
 * handle on the same store, sharing nothing in memory with the first.
 */
#include "testutil.h"

#include "storage/lifecycle_int.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

/* A store on either backend (testutil.h); env_init names this file's memory stores. */
typedef tu_backend env;
#define env_fs tu_backend_fs
#define env_done tu_backend_done
static void env_init(env *v, int backend) { tu_backend_init(v, backend, "ptx"); }

/* A store handle of its own ("a process"). */
static dc_store *env_store(env *v)
{
    dc_fs *fs = env_fs(v);
    dc_store *s = NULL;
    dc_error e;
    dc_store_options o = {.create = true, .checkpoint_interval = 4};
    if (dc_store_open(&s, fs, &o, &e) != DC_OK)
        fail_msg("store: %s", e.message);
    dc_fs_unref(fs);
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

#define DELTA(id, part, type, path)                                                                \
    op("{s:s, s:s, s:i, s:s, s:s, s:[{s:s, s:i, s:i}]}", "op", "add_delta", "table_id", id,       \
       "table_version", 1, "partition", part, "delta_type", type, "files", "path", path,          \
       "record_count", 10, "file_size", 100)

static void add(dc_stxn *t, json_t *o)
{
    dc_error e;
    dc_status rc = dc_stxn_add_op(t, o, &e);
    json_decref(o);
    if (rc != DC_OK)
        fail_msg("add_op: %s", e.message);
}

static dc_stxn *begin(dc_store *s)
{
    dc_stxn *t = NULL;
    dc_error e;
    if (dc_stxn_begin(&t, s, &(dc_stxn_options){.author = "tester"}, &e) != DC_OK)
        fail_msg("begin: %s", e.message);
    return t;
}

/* A namespace "ns" and tables t0..t(n-1), each with table version 1. */
static void setup_tables(dc_store *s, int n)
{
    dc_stxn *t = begin(s);
    dc_error e;
    add(t, op("{s:s, s:s, s:s}", "op", "create_namespace", "namespace_id", "ns", "name", "ns"));
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%d", i);
        add(t, op("{s:s, s:s, s:s, s:s}", "op", "create_table", "table_id", id, "namespace_id",
                  "ns", "name", id));
        add(t, op("{s:s, s:s, s:i, s:{}}", "op", "create_table_version", "table_id", id,
                  "table_version", 1, "schema"));
    }
    assert_int_equal(dc_stxn_commit(t, "setup", NULL, &e), DC_OK);
    dc_stxn_free(t);
}

static int deltas_in(const json_t *state, const char *tid, const char *part)
{
    json_t *p = json_object_get(
        json_object_get(json_object_get(json_object_get(dc_state_table(state, tid), "versions"),
                                        "1"),
                        "partitions"),
        part);
    return (int)json_array_size(json_object_get(p, "deltas"));
}

static bool exists(dc_store *s, const char *key)
{
    bool x = false;
    assert_int_equal(dc_fs_exists(dc_store_fs(s), key, &x, NULL), DC_OK);
    return x;
}

/* ---- long-lived transactions ---- */

static void persisted_transaction_resumes_in_another_process_and_commits_once(int backend)
{
    /* PTX-3: the record goes after the commit; the original handle cannot commit again. */
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v), *b = env_store(&v);
    dc_error e;
    setup_tables(a, 1);
    dc_stxn *t = begin(a);
    char staging[64], key[96], path[128];
    dc_stxn_staging_prefix(t, staging);
    snprintf(path, sizeof path, "%sf1.parquet", staging);
    assert_int_equal(dc_fs_put(dc_store_fs(a), path, "x", 1, &e), DC_OK);
    add(t, DELTA("t0", "p", "add", path));
    dc_stxn_note_read(t, "t0", false, NULL);
    assert_int_equal(dc_stxn_persist(t, 0, &e), DC_OK);
    assert_int_equal(dc_txn_record_key(key, dc_stxn_id(t), &e), DC_OK);
    assert_true(exists(a, key));

    dc_stxn *r = NULL;
    assert_int_equal(dc_stxn_resume(&r, b, dc_stxn_id(t), &e), DC_OK);
    assert_string_equal(dc_stxn_id(r), dc_stxn_id(t));
    assert_int_equal(dc_stxn_read_version(r), dc_stxn_read_version(t));
    assert_int_equal(deltas_in(dc_stxn_state(r), "t0", "p"), 1); /* its operations came along */
    assert_non_null(json_object_get(dc_stxn__reads(r)->metadata_reads, "t0"));
    assert_string_equal(dc_stxn__author(r), "tester");
    /* more work in the second process, then commit there */
    add(r, DELTA("t0", "p", "add", "data/t0/p/f2.parquet"));
    int64_t ver = 0;
    assert_int_equal(dc_stxn_commit(r, "resumed", &ver, &e), DC_OK);
    assert_int_equal(ver, 2);
    assert_false(exists(b, key)); /* removed after the commit */
    dc_snapshot *snap = NULL;
    assert_int_equal(dc_store_snapshot_latest(a, &snap, &e), DC_OK);
    assert_int_equal(deltas_in(snap->state, "t0", "p"), 2);
    dc_snapshot_unref(snap);
    /* the first process's copy: its record is gone, so it cannot commit */
    assert_int_equal(dc_stxn_commit(t, NULL, NULL, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "no open transaction"));
    /* resuming a committed id: not found */
    dc_stxn *again = NULL;
    assert_int_equal(dc_stxn_resume(&again, b, dc_stxn_id(t), &e), DC_ENOTFOUND);
    assert_null(again);
    dc_stxn_free(r);
    dc_stxn_free(t);
    dc_store_unref(a);
    dc_store_unref(b);
    env_done(&v);
}

static void a_record_left_by_a_crash_after_commit_is_recognized_as_committed(int backend)
{
    /* PTX-1 */
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v), *b = env_store(&v);
    dc_error e;
    dc_bytes rec;
    dc_bytes_init(&rec);
    char key[96];
    setup_tables(a, 1);
    dc_stxn *t = begin(a);
    add(t, DELTA("t0", "p", "add", "data/t0/p/a.parquet"));
    assert_int_equal(dc_stxn_persist(t, 0, &e), DC_OK);
    assert_int_equal(dc_txn_record_key(key, dc_stxn_id(t), &e), DC_OK);
    assert_int_equal(dc_fs_get(dc_store_fs(a), key, &rec, &e), DC_OK);
    int64_t ver = 0;
    assert_int_equal(dc_stxn_commit(t, NULL, &ver, &e), DC_OK);
    /* the crash: the record is back as if its removal never happened */
    assert_int_equal(dc_fs_put(dc_store_fs(a), key, rec.data, rec.size, &e), DC_OK);
    dc_stxn *r = NULL;
    assert_int_equal(dc_stxn_resume(&r, b, dc_stxn_id(t), &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "committed as version 2"));
    dc_bytes_free(&rec);
    dc_stxn_free(t);
    dc_store_unref(a);
    dc_store_unref(b);
    env_done(&v);
}

static void resuming_twice_cannot_commit_twice(int backend)
{
    /* PTX-4: the second commit meets the first in the log while rebasing. */
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v), *b = env_store(&v), *c = env_store(&v);
    dc_error e;
    dc_bytes rec;
    dc_bytes_init(&rec);
    char key[96];
    setup_tables(a, 1);
    dc_stxn *t = begin(a);
    add(t, DELTA("t0", "p", "add", "data/t0/p/a.parquet"));
    assert_int_equal(dc_stxn_persist(t, 0, &e), DC_OK);
    dc_stxn *r1 = NULL, *r2 = NULL;
    assert_int_equal(dc_stxn_resume(&r1, b, dc_stxn_id(t), &e), DC_OK);
    assert_int_equal(dc_stxn_resume(&r2, c, dc_stxn_id(t), &e), DC_OK);
    assert_int_equal(dc_txn_record_key(key, dc_stxn_id(t), &e), DC_OK);
    assert_int_equal(dc_fs_get(dc_store_fs(a), key, &rec, &e), DC_OK);
    assert_int_equal(dc_stxn_commit(r1, NULL, NULL, &e), DC_OK);
    /* with the record gone the second one stops at the record check ... */
    dc_stxn *r3 = NULL;
    assert_int_equal(dc_stxn_resume(&r3, c, dc_stxn_id(t), &e), DC_ENOTFOUND);
    /* ... and with the record put back it stops at the log */
    assert_int_equal(dc_fs_put(dc_store_fs(a), key, rec.data, rec.size, &e), DC_OK);
    assert_int_equal(dc_stxn_commit(r2, NULL, NULL, &e), DC_ECONFLICT);
    assert_non_null(strstr(e.message, "already committed as version 2"));
    int64_t latest = 0;
    assert_int_equal(dc_store_latest_version(a, &latest, &e), DC_OK);
    assert_int_equal(latest, 2);
    dc_bytes_free(&rec);
    dc_stxn_free(t);
    dc_stxn_free(r1);
    dc_stxn_free(r2);
    dc_store_unref(a);
    dc_store_unref(b);
    dc_store_unref(c);
    env_done(&v);
}

static void an_expired_transaction_cannot_resume_heartbeat_or_commit(int backend)
{
    /* PTX-2 */
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v), *b = env_store(&v);
    dc_error e;
    setup_tables(a, 1);
    dc_stxn *t = begin(a);
    add(t, DELTA("t0", "p", "add", "data/t0/p/a.parquet"));
    assert_int_equal(dc_stxn_persist(t, 1000000 /* 1 ms */, &e), DC_OK);
    usleep(20000);
    dc_stxn *r = NULL;
    assert_int_equal(dc_stxn_resume(&r, b, dc_stxn_id(t), &e), DC_ECONFLICT);
    assert_non_null(strstr(e.message, "expired"));
    assert_non_null(strstr(e.message, "garbage collector"));
    assert_null(r);
    assert_int_equal(dc_stxn_heartbeat(t, &e), DC_ECONFLICT);
    assert_non_null(strstr(e.message, "expired"));
    assert_int_equal(dc_stxn_commit(t, NULL, NULL, &e), DC_ECONFLICT);
    assert_int_equal(dc_stxn_commit(t, NULL, NULL, &e), DC_EINVALID); /* TXN-4 */
    int64_t latest = 0;
    assert_int_equal(dc_store_latest_version(a, &latest, &e), DC_OK);
    assert_int_equal(latest, 1); /* nothing of it committed */
    dc_stxn_free(t);
    dc_store_unref(a);
    dc_store_unref(b);
    env_done(&v);
}

static void heartbeats_keep_a_transaction_alive_past_its_ttl(int backend)
{
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v), *b = env_store(&v);
    dc_error e;
    setup_tables(a, 1);
    dc_stxn *t = begin(a);
    add(t, DELTA("t0", "p", "add", "data/t0/p/a.parquet"));
    const int64_t ttl = 300 * 1000000LL; /* 300 ms */
    assert_int_equal(dc_stxn_persist(t, ttl, &e), DC_OK);
    for (int i = 0; i < 5; i++) { /* 5 x 100 ms: well past the TTL in total */
        usleep(100000);
        assert_int_equal(dc_stxn_heartbeat(t, &e), DC_OK);
    }
    dc_stxn *r = NULL;
    assert_int_equal(dc_stxn_resume(&r, b, dc_stxn_id(t), &e), DC_OK);
    assert_int_equal(dc_stxn__persisted_ttl(r), ttl);
    assert_int_equal(dc_stxn_commit(r, NULL, NULL, &e), DC_OK);
    dc_stxn_free(r);
    dc_stxn_free(t);
    dc_store_unref(a);
    dc_store_unref(b);
    env_done(&v);
}

static void persistence_rejects_bad_calls_and_reports_bad_records(int backend)
{
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v);
    dc_error e;
    setup_tables(a, 1);
    dc_stxn *t = begin(a), *r = NULL;
    assert_int_equal(dc_stxn_heartbeat(t, &e), DC_EINVALID); /* never persisted */
    assert_non_null(strstr(e.message, "never persisted"));
    assert_int_equal(dc_stxn_persist(t, -1, &e), DC_EINVALID);
    assert_int_equal(dc_stxn_resume(&r, a, "no-such-txn", &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "no open transaction no-such-txn"));
    assert_int_equal(dc_stxn_resume(&r, a, "../etc/passwd", &e), DC_EINVALID);
    assert_int_equal(dc_stxn_resume(&r, a, "", &e), DC_EINVALID);
    assert_int_equal(dc_stxn_discard(a, "no-such-txn", &e), DC_ENOTFOUND);
    /* a read-only transaction has nothing to persist */
    dc_stxn *ro = NULL;
    assert_int_equal(dc_stxn_begin(&ro, a, &(dc_stxn_options){.as_of_version = 1}, &e), DC_OK);
    assert_int_equal(dc_stxn_persist(ro, 0, &e), DC_EINVALID);
    dc_stxn_free(ro);
    /* malformed records */
    assert_int_equal(dc_fs_put(dc_store_fs(a), "_txn/bad1.json", "{nope", 5, &e), DC_OK);
    assert_int_equal(dc_stxn_resume(&r, a, "bad1", &e), DC_ECORRUPT);
    const char *missing = "{\"id\": \"bad2\", \"read_version\": 1}";
    assert_int_equal(dc_fs_put(dc_store_fs(a), "_txn/bad2.json", missing, (int64_t)strlen(missing), &e),
                     DC_OK);
    assert_int_equal(dc_stxn_resume(&r, a, "bad2", &e), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "not a valid transaction record"));
    /* a record whose operations no longer apply fails to resume with the reason */
    add(t, DELTA("t0", "p", "add", "data/x.parquet"));
    assert_int_equal(dc_stxn_persist(t, 0, &e), DC_OK);
    /* discard: the record goes; resuming fails */
    assert_int_equal(dc_stxn_discard(a, dc_stxn_id(t), &e), DC_OK);
    assert_int_equal(dc_stxn_resume(&r, a, dc_stxn_id(t), &e), DC_ENOTFOUND);
    assert_int_equal(dc_stxn_heartbeat(t, &e), DC_ENOTFOUND);
    dc_stxn_free(t);
    dc_store_unref(a);
    env_done(&v);
}

/* ---- group commit ---- */

static void a_group_of_independent_transactions_is_one_log_entry(int backend)
{
    /* GRP-1 */
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v);
    dc_error e, errs[16];
    setup_tables(a, 16);
    dc_stxn *ts[16];
    const char *msgs[16];
    dc_status res[16];
    int64_t vers[16];
    for (int i = 0; i < 16; i++) {
        char tid[16], path[64];
        snprintf(tid, sizeof tid, "t%d", i % 8);
        snprintf(path, sizeof path, "data/%s/f%d.parquet", tid, i);
        ts[i] = begin(a);
        add(ts[i], DELTA(tid, i % 2 ? "p1" : "p0", "add", path));
        msgs[i] = i % 3 ? "member" : NULL;
    }
    assert_int_equal(dc_stxn_commit_group(ts, 16, msgs, res, vers, errs), DC_OK);
    for (int i = 0; i < 16; i++) {
        assert_int_equal(res[i], DC_OK);
        assert_int_equal(vers[i], 2);
    }
    json_t *entry = NULL;
    assert_int_equal(dc_store_read_entry(a, 2, &entry, &e), DC_OK);
    json_t *txns = json_object_get(entry, "transactions");
    assert_int_equal(json_array_size(txns), 16);
    for (int i = 0; i < 16; i++) /* in array order, each with its own id and message */
        assert_string_equal(json_string_value(json_object_get(json_array_get(txns, (size_t)i), "id")),
                            dc_stxn_id(ts[i]));
    assert_null(json_object_get(json_array_get(txns, 0), "message"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(txns, 1), "message")),
                        "member");
    json_decref(entry);
    int64_t latest = 0;
    assert_int_equal(dc_store_latest_version(a, &latest, &e), DC_OK);
    assert_int_equal(latest, 2);
    dc_snapshot *snap = NULL;
    assert_int_equal(dc_store_snapshot_latest(a, &snap, &e), DC_OK);
    assert_int_equal(deltas_in(snap->state, "t0", "p0"), 2);
    assert_int_equal(deltas_in(snap->state, "t1", "p1"), 2);
    dc_snapshot_unref(snap);
    /* committed members are finished */
    assert_int_equal(dc_stxn_commit(ts[0], NULL, NULL, &e), DC_EINVALID);
    for (int i = 0; i < 16; i++)
        dc_stxn_free(ts[i]);
    dc_store_unref(a);
    env_done(&v);
}

static void a_conflicting_member_is_left_out_and_the_rest_commit(int backend)
{
    /* GRP-2: against an earlier member (two appends to one partition), against a
     * commit after its read version, and by revalidation (one name created twice). */
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v), *b = env_store(&v);
    dc_error e, errs[5];
    setup_tables(a, 3);
    dc_stxn *ts[5];
    for (int i = 0; i < 5; i++)
        ts[i] = begin(a);
    add(ts[0], DELTA("t0", "p", "append", "data/t0/a.parquet"));
    add(ts[1], DELTA("t0", "p", "append", "data/t0/b.parquet")); /* conflicts with member 0 */
    add(ts[2], DELTA("t1", "p", "append", "data/t1/a.parquet")); /* conflicts with a winner */
    add(ts[3], op("{s:s, s:s, s:s, s:s}", "op", "create_table", "table_id", "x1", "namespace_id",
                  "ns", "name", "same"));
    add(ts[4], op("{s:s, s:s, s:s, s:s}", "op", "create_table", "table_id", "x2", "namespace_id",
                  "ns", "name", "fine"));
    add(ts[4], op("{s:s, s:s, s:s, s:s}", "op", "create_table", "table_id", "x3", "namespace_id",
                  "ns", "name", "same")); /* the name is taken by member 3 */
    /* another process appends to t1/p after the members' read version */
    dc_stxn *w = begin(b);
    add(w, DELTA("t1", "p", "append", "data/t1/w.parquet"));
    assert_int_equal(dc_stxn_commit(w, NULL, NULL, &e), DC_OK);
    dc_stxn_free(w);
    dc_status res[5];
    int64_t vers[5];
    assert_int_equal(dc_stxn_commit_group(ts, 5, NULL, res, vers, errs), DC_OK);
    assert_int_equal(res[0], DC_OK);
    assert_int_equal(res[1], DC_ECONFLICT);
    assert_int_equal(errs[1].code, DC_ECONFLICT);
    assert_non_null(strstr(errs[1].message, "t0"));
    assert_non_null(strstr(errs[1].message, dc_stxn_id(ts[0]))); /* names the winner */
    assert_int_equal(res[2], DC_ECONFLICT);
    assert_non_null(strstr(errs[2].message, "version 2")); /* the winner from another process */
    assert_int_equal(res[3], DC_OK);
    assert_int_equal(res[4], DC_ECONFLICT);
    assert_int_equal(vers[0], 3);
    assert_int_equal(vers[3], 3);
    json_t *entry = NULL;
    assert_int_equal(dc_store_read_entry(a, 3, &entry, &e), DC_OK);
    assert_int_equal(json_array_size(json_object_get(entry, "transactions")), 2);
    dc_snapshot *snap = NULL; /* nothing of the left-out member, not even its first op */
    assert_int_equal(dc_store_snapshot_latest(b, &snap, &e), DC_OK);
    assert_non_null(dc_state_table(snap->state, "x1"));
    assert_null(dc_state_table(snap->state, "x2"));
    dc_snapshot_unref(snap);
    json_decref(entry);
    /* a left-out member is finished: it can only be freed */
    assert_int_equal(dc_stxn_commit(ts[1], NULL, NULL, &e), DC_EINVALID);
    for (int i = 0; i < 5; i++)
        dc_stxn_free(ts[i]);
    dc_store_unref(a);
    dc_store_unref(b);
    env_done(&v);
}

static void group_members_that_need_no_entry_and_bad_members(int backend)
{
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v), *b = env_store(&v);
    dc_error e, errs[6];
    setup_tables(a, 1);
    dc_stxn *ro = NULL, *empty = begin(a), *w = begin(a), *other = begin(b), *done = begin(a);
    assert_int_equal(dc_stxn_begin(&ro, a, &(dc_stxn_options){.as_of_version = 1}, &e), DC_OK);
    add(w, DELTA("t0", "p", "add", "data/t0/a.parquet"));
    add(other, DELTA("t0", "p", "add", "data/t0/b.parquet"));
    add(done, DELTA("t0", "p", "add", "data/t0/c.parquet"));
    assert_int_equal(dc_stxn_commit(done, NULL, NULL, &e), DC_OK);
    dc_stxn *ts[6] = {ro, empty, w, w, other, done};
    dc_status res[6];
    int64_t vers[6];
    assert_int_equal(dc_stxn_commit_group(ts, 6, NULL, res, vers, errs), DC_OK);
    assert_int_equal(res[0], DC_OK); /* read-only: nothing to write */
    assert_int_equal(vers[0], 1);
    assert_int_equal(res[1], DC_OK); /* empty */
    assert_int_equal(res[2], DC_OK);
    assert_int_equal(vers[2], 3);
    assert_int_equal(res[3], DC_EINVALID); /* twice in the group */
    assert_non_null(strstr(errs[3].message, "twice"));
    assert_int_equal(res[4], DC_EINVALID); /* another store handle */
    assert_int_equal(res[5], DC_EINVALID); /* already committed */
    dc_stxn *nul[1] = {NULL};
    assert_int_equal(dc_stxn_commit_group(nul, 1, NULL, res, NULL, NULL), DC_OK);
    assert_int_equal(res[0], DC_EINVALID);
    assert_int_equal(dc_stxn_commit_group(ts, 0, NULL, res, NULL, NULL), DC_EINVALID);
    for (int i = 0; i < 6; i++)
        if (i != 3)
            dc_stxn_free(ts[i]);
    dc_store_unref(a);
    dc_store_unref(b);
    env_done(&v);
}

static void a_group_resolves_an_unknown_outcome_and_removes_persisted_records(int backend)
{
    /* GRP-4, PTX-3 */
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v);
    dc_error e, errs[2];
    char key[96];
    setup_tables(a, 2);
    dc_stxn *ts[2] = {begin(a), begin(a)};
    add(ts[0], DELTA("t0", "p", "add", "data/t0/a.parquet"));
    add(ts[1], DELTA("t1", "p", "add", "data/t1/a.parquet"));
    assert_int_equal(dc_stxn_persist(ts[1], 0, &e), DC_OK);
    dc_fs_fault f = {.op = DC_FS_OP_PUT_IF_ABSENT, .nth = 1, .count = 1,
                     .mode = DC_FS_FAULT_UNKNOWN};
    dc_fs_inject_fault(dc_store_fs(a), &f);
    dc_status res[2];
    int64_t vers[2];
    assert_int_equal(dc_stxn_commit_group(ts, 2, NULL, res, vers, errs), DC_OK);
    dc_fs_inject_fault(dc_store_fs(a), NULL);
    assert_int_equal(res[0], DC_OK);
    assert_int_equal(res[1], DC_OK);
    assert_int_equal(vers[0], 2);
    assert_int_equal(vers[1], 2);
    assert_int_equal(dc_txn_record_key(key, dc_stxn_id(ts[1]), &e), DC_OK);
    assert_false(exists(a, key));
    int64_t latest = 0;
    assert_int_equal(dc_store_latest_version(a, &latest, &e), DC_OK);
    assert_int_equal(latest, 2);
    /* a plain I/O failure fails every member with the error */
    dc_stxn *t2[2] = {begin(a), begin(a)};
    add(t2[0], DELTA("t0", "p", "add", "data/t0/b.parquet"));
    add(t2[1], DELTA("t1", "p", "add", "data/t1/b.parquet"));
    f = (dc_fs_fault){.op = DC_FS_OP_PUT_IF_ABSENT, .nth = 1, .count = -1,
                      .mode = DC_FS_FAULT_ERROR};
    dc_fs_inject_fault(dc_store_fs(a), &f);
    assert_int_equal(dc_stxn_commit_group(t2, 2, NULL, res, vers, errs), DC_EIO);
    dc_fs_inject_fault(dc_store_fs(a), NULL);
    assert_int_equal(res[0], DC_EIO);
    assert_int_equal(res[1], DC_EIO);
    assert_int_equal(errs[1].code, DC_EIO);
    for (int i = 0; i < 2; i++) {
        dc_stxn_free(ts[i]);
        dc_stxn_free(t2[i]);
    }
    dc_store_unref(a);
    env_done(&v);
}

typedef struct racer {
    env *v;
    int id;
    int committed;
} racer;

static void *race_groups(void *arg)
{
    racer *r = arg;
    dc_store *s = env_store(r->v);
    for (int g = 0; g < 8; g++) {
        dc_stxn *ts[4];
        dc_status res[4];
        for (int i = 0; i < 4; i++) {
            char path[64];
            snprintf(path, sizeof path, "data/t0/r%d-g%d-%d.parquet", r->id, g, i);
            ts[i] = begin(s);
            add(ts[i], DELTA("t0", "p", "add", path));
        }
        if (dc_stxn_commit_group(ts, 4, NULL, res, NULL, NULL) == DC_OK)
            for (int i = 0; i < 4; i++)
                r->committed += res[i] == DC_OK;
        for (int i = 0; i < 4; i++)
            dc_stxn_free(ts[i]);
    }
    dc_store_unref(s);
    return NULL;
}

static void racing_groups_rebase_and_lose_nothing(int backend)
{
    /* GRP-3: four processes commit groups of ADDs to one table at once. */
    env v;
    env_init(&v, backend);
    dc_store *a = env_store(&v);
    dc_error e;
    setup_tables(a, 1);
    pthread_t th[4];
    racer rs[4];
    for (int i = 0; i < 4; i++) {
        rs[i] = (racer){&v, i, 0};
        pthread_create(&th[i], NULL, race_groups, &rs[i]);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        total += rs[i].committed;
    }
    assert_int_equal(total, 4 * 8 * 4); /* ADDs never conflict */
    dc_snapshot *snap = NULL;
    assert_int_equal(dc_store_snapshot_latest(a, &snap, &e), DC_OK);
    assert_int_equal(deltas_in(snap->state, "t0", "p"), total);
    assert_int_equal(snap->version, 1 + 4 * 8); /* one entry per group */
    dc_snapshot_unref(snap);
    dc_store_unref(a);
    env_done(&v);
}

#define BOTH(fn)                                                                                   \
    static void fn##_mem(void **state)                                                             \
    {                                                                                              \
        (void)state;                                                                               \
        fn(0);                                                                                     \
    }                                                                                              \
    static void fn##_local(void **state)                                                           \
    {                                                                                              \
        (void)state;                                                                               \
        fn(1);                                                                                     \
    }
BOTH(persisted_transaction_resumes_in_another_process_and_commits_once)
BOTH(a_record_left_by_a_crash_after_commit_is_recognized_as_committed)
BOTH(resuming_twice_cannot_commit_twice)
BOTH(an_expired_transaction_cannot_resume_heartbeat_or_commit)
BOTH(heartbeats_keep_a_transaction_alive_past_its_ttl)
BOTH(persistence_rejects_bad_calls_and_reports_bad_records)
BOTH(a_group_of_independent_transactions_is_one_log_entry)
BOTH(a_conflicting_member_is_left_out_and_the_rest_commit)
BOTH(group_members_that_need_no_entry_and_bad_members)
BOTH(a_group_resolves_an_unknown_outcome_and_removes_persisted_records)
BOTH(racing_groups_rebase_and_lose_nothing)

#define T(fn) cmocka_unit_test(fn##_mem), cmocka_unit_test(fn##_local)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(persisted_transaction_resumes_in_another_process_and_commits_once),
        T(a_record_left_by_a_crash_after_commit_is_recognized_as_committed),
        T(resuming_twice_cannot_commit_twice),
        T(an_expired_transaction_cannot_resume_heartbeat_or_commit),
        T(heartbeats_keep_a_transaction_alive_past_its_ttl),
        T(persistence_rejects_bad_calls_and_reports_bad_records),
        T(a_group_of_independent_transactions_is_one_log_entry),
        T(a_conflicting_member_is_left_out_and_the_rest_commit),
        T(group_members_that_need_no_entry_and_bad_members),
        T(a_group_resolves_an_unknown_outcome_and_removes_persisted_records),
        T(racing_groups_rebase_and_lose_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
