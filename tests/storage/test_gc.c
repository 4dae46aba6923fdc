/*
 * test_gc.c: garbage collection and snapshot expiry (FORMAT.md 9, gc.c GC-n), each on
 * the memory, the local and the S3 backend (a moto server started by testutil.c), and
 * the temporaries of dead writers: local ".dc-tmp-*" files, and on S3 the multipart
 * upload of a writer process killed in the middle of it.
 */
#include "testutil.h"

#include "storage/lifecycle_int.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOUR (3600LL * 1000000000LL)

/* A store on either backend (testutil.h); env_init names this file's memory stores. */
typedef tu_backend env;
#define env_fs tu_backend_fs
#define env_done tu_backend_done
static void env_init(env *v, int backend) { tu_backend_init(v, backend, "gc"); }

static dc_store *env_store(env *v, int64_t interval)
{
    dc_fs *fs = env_fs(v);
    dc_store *s = NULL;
    dc_error e;
    dc_store_options o = {.create = true, .checkpoint_interval = interval};
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

#define DELTA(path)                                                                                \
    op("{s:s, s:s, s:i, s:s, s:s, s:[{s:s, s:i, s:i}]}", "op", "add_delta", "table_id", "t",      \
       "table_version", 1, "partition", "p", "delta_type", "add", "files", "path", path,          \
       "record_count", 10, "file_size", 100)
#define REMOVE(path)                                                                               \
    op("{s:s, s:s, s:i, s:s, s:[s]}", "op", "remove_files", "table_id", "t", "table_version", 1,  \
       "partition", "p", "paths", path)

static void put(dc_store *s, const char *key)
{
    dc_error e;
    if (dc_fs_put(dc_store_fs(s), key, "bytes", 5, &e) != DC_OK)
        fail_msg("put %s: %s", key, e.message);
}

static bool exists(dc_store *s, const char *key)
{
    bool x = false;
    assert_int_equal(dc_fs_exists(dc_store_fs(s), key, &x, NULL), DC_OK);
    return x;
}

/* Commit one operation (stolen); returns the version. */
static int64_t commit1(dc_store *s, json_t *o)
{
    dc_stxn *t = NULL;
    dc_error e;
    int64_t v = 0;
    if (dc_stxn_begin(&t, s, NULL, &e) != DC_OK || dc_stxn_add_op(t, o, &e) != DC_OK ||
        dc_stxn_commit(t, NULL, &v, &e) != DC_OK)
        fail_msg("commit: %s", e.message);
    json_decref(o);
    dc_stxn_free(t);
    return v;
}

/* Namespace, table "t" and its version 1 (versions 1 and 2). */
static void setup(dc_store *s)
{
    commit1(s, op("{s:s, s:s, s:s}", "op", "create_namespace", "namespace_id", "ns", "name", "ns"));
    dc_stxn *t = NULL;
    dc_error e;
    assert_int_equal(dc_stxn_begin(&t, s, NULL, &e), DC_OK);
    json_t *a = op("{s:s, s:s, s:s, s:s}", "op", "create_table", "table_id", "t", "namespace_id",
                   "ns", "name", "t");
    json_t *b = op("{s:s, s:s, s:i, s:{}}", "op", "create_table_version", "table_id", "t",
                   "table_version", 1, "schema");
    assert_int_equal(dc_stxn_add_op(t, a, &e), DC_OK);
    assert_int_equal(dc_stxn_add_op(t, b, &e), DC_OK);
    assert_int_equal(dc_stxn_commit(t, NULL, NULL, &e), DC_OK);
    json_decref(a);
    json_decref(b);
    dc_stxn_free(t);
}

/* Add a new data file and commit a delta naming it; returns the version. */
static int64_t add_file(dc_store *s, const char *path)
{
    put(s, path);
    return commit1(s, DELTA(path));
}

static bool reported(const dc_gc_report *r, const char *key)
{
    for (int64_t i = 0; i < r->n_keys; i++)
        if (!strcmp(r->keys[i], key))
            return true;
    return false;
}

static dc_status gc(dc_store *s, dc_gc_options o, dc_gc_report *r)
{
    dc_error e;
    dc_status rc = dc_store_gc(s, &o, r, &e);
    if (rc != DC_OK)
        print_message("gc: %s\n", e.message);
    return rc;
}

/* ---- garbage ---- */

static void unreferenced_files_go_and_referenced_ones_stay(int backend)
{
    /* GC-1 */
    env v;
    env_init(&v, backend);
    dc_store *s = env_store(&v, 4);
    dc_gc_report r = {0};
    setup(s);
    add_file(s, "data/t/p/live.parquet");
    put(s, "data/t/p/orphan.parquet");
    put(s, "_checkpoints/00000000000000000099/t-x-1.json"); /* an incomplete checkpoint */
    put(s, "other/not-ours.txt");                          /* outside what GC manages */
    assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1}, &r), DC_OK);
    assert_true(exists(s, "data/t/p/live.parquet"));
    assert_false(exists(s, "data/t/p/orphan.parquet"));
    assert_false(exists(s, "_checkpoints/00000000000000000099/t-x-1.json"));
    assert_true(exists(s, "other/not-ours.txt"));
    assert_true(exists(s, DC_CATALOG_FILE));
    assert_int_equal(r.data_files, 1);
    assert_int_equal(r.checkpoint_files, 1);
    assert_int_equal(r.n_keys, 2);
    assert_int_equal(r.bytes, 10);
    assert_true(reported(&r, "data/t/p/orphan.parquet"));
    assert_int_equal(r.latest_version, 3);
    dc_gc_report_free(&r);
    assert_int_equal(r.n_keys, 0);
    dc_gc_report_free(NULL);
    dc_store_unref(s);
    env_done(&v);
}

static void a_dry_run_deletes_nothing(int backend)
{
    /* GC-5 */
    env v;
    env_init(&v, backend);
    dc_store *s = env_store(&v, 4);
    dc_gc_report r = {0};
    setup(s);
    for (int i = 0; i < 10; i++) {
        char p[64];
        snprintf(p, sizeof p, "data/t/p/f%d.parquet", i);
        add_file(s, p);
    }
    put(s, "data/t/p/orphan.parquet");
    put(s, "_staging/dead/x.parquet");
    assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1, .dry_run = true, .retain_versions = 2},
                        &r),
                     DC_OK);
    assert_true(reported(&r, "data/t/p/orphan.parquet"));
    assert_true(reported(&r, "_staging/dead/x.parquet"));
    assert_int_equal(r.oldest_version, 11); /* what it would retain */
    assert_true(exists(s, "data/t/p/orphan.parquet"));
    assert_true(exists(s, "_staging/dead/x.parquet"));
    assert_true(exists(s, "_log/00000000000000000001.json"));
    dc_fs_listing l;
    assert_int_equal(dc_fs_list_all(dc_store_fs(s), DC_EXPIRED_PREFIX, true, &l, NULL), DC_OK);
    assert_int_equal(l.n, 0); /* no marker either */
    dc_fs_listing_free(&l);
    dc_snapshot *snap = NULL;
    dc_error e;
    assert_int_equal(dc_store_snapshot_at(s, 1, &snap, &e), DC_OK);
    dc_snapshot_unref(snap);
    dc_gc_report_free(&r);
    dc_store_unref(s);
    env_done(&v);
}

static void the_grace_period_protects_in_flight_files(int backend)
{
    /* GC-2: an in-flight writer's staged files are young. */
    env v;
    env_init(&v, backend);
    dc_store *s = env_store(&v, 4);
    dc_gc_report r = {0};
    setup(s);
    put(s, "_staging/inflight/a.parquet");
    put(s, "data/t/p/being-written.parquet");
    assert_int_equal(gc(s, (dc_gc_options){0}, &r), DC_OK); /* default grace: 1 hour */
    assert_int_equal(r.n_keys, 0);
    assert_int_equal(r.kept_young, 2);
    assert_true(exists(s, "_staging/inflight/a.parquet"));
    dc_gc_report_free(&r);
    assert_int_equal(gc(s, (dc_gc_options){.grace_ns = 2 * HOUR, .now_ns = dc_clock_now_ns() + HOUR},
                        &r),
                     DC_OK);
    assert_int_equal(r.n_keys, 0);
    dc_gc_report_free(&r);
    /* two hours later, nobody committed them: garbage */
    assert_int_equal(gc(s, (dc_gc_options){.now_ns = dc_clock_now_ns() + 2 * HOUR}, &r), DC_OK);
    assert_int_equal(r.staged_files, 1);
    assert_int_equal(r.data_files, 1);
    assert_false(exists(s, "_staging/inflight/a.parquet"));
    assert_false(exists(s, "data/t/p/being-written.parquet"));
    dc_gc_report_free(&r);
    dc_gc_options bad = {.retain_versions = -1};
    dc_error e;
    assert_int_equal(dc_store_gc(s, &bad, NULL, &e), DC_EINVALID);
    assert_int_equal(dc_store_gc(s, NULL, NULL, &e), DC_OK);
    dc_store_unref(s);
    env_done(&v);
}

static void abandoned_transactions_and_their_staged_files_are_collected(int backend)
{
    /* GC-4, PTX-2: live records protect their staging and files; expired and
     * committed ones are garbage. */
    env v;
    env_init(&v, backend);
    dc_store *s = env_store(&v, 4), *other = env_store(&v, 4);
    dc_gc_report r = {0};
    dc_error e;
    setup(s);
    char pre[64], staged[128], key_dead[96], key_live[96], key_done[96];
    /* abandoned */
    dc_stxn *dead = NULL, *live = NULL, *done = NULL;
    assert_int_equal(dc_stxn_begin(&dead, s, NULL, &e), DC_OK);
    dc_stxn_staging_prefix(dead, pre);
    snprintf(staged, sizeof staged, "%sa.parquet", pre);
    put(s, staged);
    json_t *o = DELTA(staged);
    assert_int_equal(dc_stxn_add_op(dead, o, &e), DC_OK);
    json_decref(o);
    assert_int_equal(dc_stxn_persist(dead, 1000000, &e), DC_OK);
    assert_int_equal(dc_txn_record_key(key_dead, dc_stxn_id(dead), &e), DC_OK);
    /* alive, with a staged file and a file under data/ */
    assert_int_equal(dc_stxn_begin(&live, s, NULL, &e), DC_OK);
    char lpre[64], lstaged[128];
    dc_stxn_staging_prefix(live, lpre);
    snprintf(lstaged, sizeof lstaged, "%sb.parquet", lpre);
    put(s, lstaged);
    put(s, "data/t/p/live-txn.parquet");
    o = DELTA("data/t/p/live-txn.parquet");
    assert_int_equal(dc_stxn_add_op(live, o, &e), DC_OK);
    json_decref(o);
    assert_int_equal(dc_stxn_persist(live, HOUR, &e), DC_OK);
    assert_int_equal(dc_txn_record_key(key_live, dc_stxn_id(live), &e), DC_OK);
    /* committed, whose record a crash left behind */
    assert_int_equal(dc_stxn_begin(&done, s, NULL, &e), DC_OK);
    o = DELTA("data/t/p/done.parquet");
    put(s, "data/t/p/done.parquet");
    assert_int_equal(dc_stxn_add_op(done, o, &e), DC_OK);
    json_decref(o);
    assert_int_equal(dc_stxn_persist(done, HOUR, &e), DC_OK);
    assert_int_equal(dc_txn_record_key(key_done, dc_stxn_id(done), &e), DC_OK);
    dc_bytes rec;
    dc_bytes_init(&rec);
    assert_int_equal(dc_fs_get(dc_store_fs(s), key_done, &rec, &e), DC_OK);
    assert_int_equal(dc_stxn_commit(done, NULL, NULL, &e), DC_OK);
    assert_int_equal(dc_fs_put(dc_store_fs(s), key_done, rec.data, rec.size, &e), DC_OK);
    dc_bytes_free(&rec);

    usleep(10000); /* the abandoned one's 1 ms TTL passes */
    assert_int_equal(gc(other, (dc_gc_options){.grace_ns = -1}, &r), DC_OK);
    assert_false(exists(s, key_dead));
    assert_false(exists(s, staged));
    assert_true(exists(s, key_live));
    assert_true(exists(s, lstaged));
    assert_true(exists(s, "data/t/p/live-txn.parquet"));
    assert_false(exists(s, key_done));
    assert_true(exists(s, "data/t/p/done.parquet")); /* committed: reachable */
    assert_int_equal(r.txn_records, 2);
    assert_int_equal(r.staged_files, 1);
    dc_gc_report_free(&r);
    dc_stxn *res = NULL;
    assert_int_equal(dc_stxn_resume(&res, other, dc_stxn_id(dead), &e), DC_ENOTFOUND);
    assert_int_equal(dc_stxn_resume(&res, other, dc_stxn_id(live), &e), DC_OK);
    assert_int_equal(dc_stxn_commit(res, NULL, NULL, &e), DC_OK);
    dc_stxn_free(res);
    dc_stxn_free(dead);
    dc_stxn_free(live);
    dc_stxn_free(done);
    dc_store_unref(s);
    dc_store_unref(other);
    env_done(&v);
}

/* In a child process: write `n` bytes to `key` of the store through an output (64 KiB
 * parts on S3) and die by SIGKILL before finishing it, as a writer killed mid-upload. */
static void die_while_writing(env *v, const char *key, int64_t n)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* no cmocka here: any failure is an exit status */
        dc_fs *fs = NULL;
        dc_output *o = NULL;
        char url[128];
        uint8_t buf[8192];
        memset(buf, 'x', sizeof buf);
        if (dc_fs_open(&fs, tu_backend_url(v, url, sizeof url), NULL) != DC_OK)
            _exit(3);
        dc_fs_s3_options so = {.part_size = 64 * 1024};
        dc_fs_unref(fs);
        if (dc_fs_s3_open(&fs, url, &so, NULL) != DC_OK ||
            dc_fs_open_output(fs, key, 0, &o, NULL) != DC_OK)
            _exit(4);
        for (int64_t done = 0; done < n; done += (int64_t)sizeof buf)
            if (dc_output_write(o, buf, DC_MIN((int64_t)sizeof buf, n - done), NULL) != DC_OK)
                _exit(5);
        raise(SIGKILL); /* the parts are sent, the upload neither completed nor aborted */
        _exit(6);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
        fail_msg("the writer did not die mid-upload (status 0x%x)", status);
}

static void temporaries_of_dead_writers_are_swept(int backend)
{
    env v;
    env_init(&v, backend);
    dc_store *s = env_store(&v, 4);
    dc_gc_report r = {0};
    if (backend == 0) { /* the memory backend has no temporaries: nothing to sweep */
        assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1}, &r), DC_OK);
        assert_int_equal(r.temporaries, 0);
        dc_store_unref(s);
        env_done(&v);
        return;
    }
    if (backend == 2) {
        /* A writer killed in the middle of a multipart upload (3 parts of 64 KiB sent):
         * nothing visible, the upload holds the parts. */
        setup(s);
        int64_t latest = 0;
        dc_fs_listing l;
        dc_error e;
        die_while_writing(&v, "data/t/p/big.parquet", 3 * 65536 + 100);
        assert_false(exists(s, "data/t/p/big.parquet"));
        assert_int_equal(dc_store_latest_version(s, &latest, &e), DC_OK);
        assert_int_equal(latest, 2);
        if (dc_fs_sweep_temporaries(dc_store_fs(s), 0, true, &l, NULL, &e) != DC_OK)
            fail_msg("sweep: %s", e.message);
        assert_int_equal(l.n, 1);
        assert_int_equal(strncmp(l.entries[0].key, "data/t/p/big.parquet?uploadId=", 30), 0);
        assert_int_equal(l.entries[0].size, 3 * 65536);
        dc_fs_listing_free(&l);
        /* GC-2: within the grace period (its parts are young) it is kept */
        assert_int_equal(gc(s, (dc_gc_options){0}, &r), DC_OK);
        assert_int_equal(r.temporaries, 0);
        dc_gc_report_free(&r);
        /* a dry run reports it and changes nothing */
        assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1, .dry_run = true}, &r), DC_OK);
        assert_int_equal(r.temporaries, 1);
        assert_int_equal(r.n_keys, 1);
        dc_gc_report_free(&r);
        /* no grace: aborted, its bytes reported */
        assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1}, &r), DC_OK);
        assert_int_equal(r.temporaries, 1);
        assert_int_equal(r.bytes, 3 * 65536);
        assert_non_null(strstr(r.keys[0], "data/t/p/big.parquet?uploadId="));
        dc_gc_report_free(&r);
        DC_ASSERT_OK(dc_fs_sweep_temporaries(dc_store_fs(s), 0, true, &l, NULL, &e));
        assert_int_equal(l.n, 0);
        dc_fs_listing_free(&l);
        assert_false(exists(s, "data/t/p/big.parquet"));
        assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1}, &r), DC_OK);
        assert_int_equal(r.temporaries, 0); /* nothing left */
        dc_gc_report_free(&r);
        dc_store_unref(s);
        env_done(&v);
        return;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/_log/.dc-tmp-1-dead-1", v.dir);
    setup(s);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "partial", 7), 7);
    close(fd);
    struct timespec old[2] = {{.tv_sec = 1000000}, {.tv_sec = 1000000}};
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    assert_int_equal(gc(s, (dc_gc_options){.dry_run = true}, &r), DC_OK);
    assert_int_equal(r.temporaries, 1);
    assert_int_equal(access(path, F_OK), 0);
    dc_gc_report_free(&r);
    assert_int_equal(gc(s, (dc_gc_options){0}, &r), DC_OK);
    assert_int_equal(r.temporaries, 1);
    assert_true(access(path, F_OK) != 0);
    dc_gc_report_free(&r);
    dc_store_unref(s);
    env_done(&v);
}

/* ---- expiry ---- */

static void expiry_removes_old_versions_and_time_travel_names_the_oldest(int backend)
{
    /* GC-3 */
    env v;
    env_init(&v, backend);
    dc_store *s = env_store(&v, 4);
    dc_gc_report r = {0};
    dc_error e;
    setup(s); /* versions 1, 2 */
    add_file(s, "data/t/p/gone.parquet"); /* 3 */
    commit1(s, REMOVE("data/t/p/gone.parquet")); /* 4 */
    int64_t ts_early = dc_clock_now_ns();
    for (int i = 0; i < 16; i++) { /* 5 .. 20 */
        char p[64];
        snprintf(p, sizeof p, "data/t/p/f%d.parquet", i);
        add_file(s, p);
    }
    /* retain everything: the removed file is still reachable from version 3 */
    assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1}, &r), DC_OK);
    assert_true(exists(s, "data/t/p/gone.parquet"));
    assert_int_equal(r.oldest_version, 0);
    dc_gc_report_free(&r);
    assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1, .retain_versions = 3}, &r), DC_OK);
    assert_int_equal(r.oldest_version, 18);
    assert_int_equal(r.checkpoint_version, 16);
    assert_false(exists(s, "data/t/p/gone.parquet"));
    assert_true(exists(s, "data/t/p/f0.parquet"));
    assert_false(exists(s, "_log/00000000000000000015.json"));
    assert_true(exists(s, "_log/00000000000000000016.json"));
    assert_false(exists(s, "_checkpoints/00000000000000000012/root.json"));
    assert_true(exists(s, "_checkpoints/00000000000000000016/root.json"));
    assert_true(exists(s, "_expired/00000000000000000001.json"));
    assert_int_equal(r.log_entries, 15);
    dc_gc_report_free(&r);

    /* time travel: a fresh handle, with the advisory hint gone */
    assert_int_equal(dc_fs_remove(dc_store_fs(s), DC_LAST_CHECKPOINT, NULL), DC_OK);
    dc_store *b = env_store(&v, 4);
    int64_t latest = 0;
    assert_int_equal(dc_store_latest_version(b, &latest, &e), DC_OK);
    assert_int_equal(latest, 20);
    dc_snapshot *snap = NULL;
    assert_int_equal(dc_store_snapshot_at(b, 5, &snap, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "oldest retained version is 18"));
    assert_int_equal(dc_store_snapshot_at(b, 17, &snap, &e), DC_ENOTFOUND);
    for (int64_t ver = 18; ver <= 20; ver++) {
        assert_int_equal(dc_store_snapshot_at(b, ver, &snap, &e), DC_OK);
        assert_int_equal(snap->version, ver);
        dc_snapshot_unref(snap);
    }
    assert_int_equal(dc_store_snapshot_at_time(b, ts_early, &snap, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "oldest retained version is 18"));
    assert_int_equal(dc_store_snapshot_at_time(b, dc_clock_now_ns(), &snap, &e), DC_OK);
    assert_int_equal(snap->version, 20);
    dc_snapshot_unref(snap);
    dc_stxn *t = NULL;
    assert_int_equal(dc_stxn_begin(&t, b, &(dc_stxn_options){.as_of_version = 3}, &e),
                     DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "18"));
    /* the old handle (its cache knows nothing) also sees it, and commits go on */
    assert_int_equal(dc_store_snapshot_at(s, 9, &snap, &e), DC_ENOTFOUND);
    assert_int_equal(add_file(b, "data/t/p/after.parquet"), 21);
    assert_int_equal(add_file(s, "data/t/p/after2.parquet"), 22);
    /* markers only move forward: a looser policy later changes nothing */
    assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1, .retain_versions = 100}, &r), DC_OK);
    assert_int_equal(r.oldest_version, 18);
    dc_gc_report_free(&r);
    dc_store_unref(b);
    dc_store_unref(s);
    env_done(&v);
}

static void expiry_by_age_and_pins_of_live_transactions(int backend)
{
    env v;
    env_init(&v, backend);
    dc_store *s = env_store(&v, 4);
    dc_gc_report r = {0};
    dc_error e;
    setup(s);
    for (int i = 0; i < 6; i++) { /* 3 .. 8 */
        char p[64];
        snprintf(p, sizeof p, "data/t/p/a%d.parquet", i);
        add_file(s, p);
    }
    /* a live persisted transaction reading version 8 */
    dc_stxn *t = NULL;
    assert_int_equal(dc_stxn_begin(&t, s, NULL, &e), DC_OK);
    json_t *o = DELTA("data/t/p/pinned.parquet");
    assert_int_equal(dc_stxn_add_op(t, o, &e), DC_OK);
    json_decref(o);
    assert_int_equal(dc_stxn_persist(t, HOUR, &e), DC_OK);
    int64_t cut = dc_clock_now_ns();
    usleep(2000);
    for (int i = 0; i < 6; i++) { /* 9 .. 14 */
        char p[64];
        snprintf(p, sizeof p, "data/t/p/b%d.parquet", i);
        add_file(s, p);
    }
    /* keep what was current within (now - cut): from version 8 on; the pin agrees */
    int64_t now = dc_clock_now_ns();
    assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1, .retain_ns = now - cut, .now_ns = now},
                        &r),
                     DC_OK);
    assert_int_equal(r.oldest_version, 8);
    assert_int_equal(r.checkpoint_version, 8);
    dc_gc_report_free(&r);
    /* keeping 1 version would expire 13 and older, but the pin holds 8 */
    assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1, .retain_versions = 1}, &r), DC_OK);
    assert_int_equal(r.oldest_version, 8);
    dc_gc_report_free(&r);
    dc_stxn *res = NULL;
    dc_store *b = env_store(&v, 4);
    assert_int_equal(dc_stxn_resume(&res, b, dc_stxn_id(t), &e), DC_OK);
    int64_t ver = 0;
    assert_int_equal(dc_stxn_commit(res, NULL, &ver, &e), DC_OK);
    assert_int_equal(ver, 15);
    dc_stxn_free(res);
    /* pin released: now the policy wins */
    assert_int_equal(gc(s, (dc_gc_options){.grace_ns = -1, .retain_versions = 1}, &r), DC_OK);
    assert_int_equal(r.oldest_version, 15);
    assert_int_equal(r.checkpoint_version, 12);
    dc_gc_report_free(&r);
    dc_stxn_free(t);
    dc_store_unref(b);
    dc_store_unref(s);
    env_done(&v);
}

/* Every file of every delta of `state` exists. */
static void all_files_exist(dc_store *s, const json_t *state, int64_t version)
{
    const char *tid, *vk, *pk;
    json_t *t, *tv, *p;
    json_object_foreach((json_t *)json_object_get(state, "tables"), tid, t)
    {
        json_object_foreach(json_object_get(t, "versions"), vk, tv)
        {
            json_object_foreach(json_object_get(tv, "partitions"), pk, p)
            {
                size_t d, k;
                json_t *delta, *f;
                json_array_foreach(json_object_get(p, "deltas"), d, delta)
                {
                    json_array_foreach(json_object_get(delta, "files"), k, f)
                    {
                        const char *path = json_string_value(json_object_get(f, "path"));
                        if (!exists(s, path))
                            fail_msg("version %lld names %s, which GC deleted", (long long)version,
                                     path);
                    }
                }
            }
        }
    }
}

static void randomized_gc_never_deletes_a_file_of_a_retained_version(int backend)
{
    /* GC-1, GC-3 under random commits, removals, collections and expiries */
    env v;
    env_init(&v, backend);
    dc_store *s = env_store(&v, 3);
    dc_error e;
    unsigned seed = (unsigned)dc_clock_now_ns();
    print_message("seed %u\n", seed);
    srand(seed);
    setup(s);
    char live[64][64];
    int n_live = 0, made = 0;
    for (int round = 0; round < 120; round++) {
        int dice = rand() % 10;
        if (dice < 6 || n_live == 0) {
            char p[64];
            snprintf(p, sizeof p, "data/t/p/f%d.parquet", made++);
            add_file(s, p);
            if (n_live < 64)
                snprintf(live[n_live++], 64, "%s", p);
        } else if (dice < 8) {
            int k = rand() % n_live;
            commit1(s, REMOVE(live[k]));
            snprintf(live[k], 64, "%s", live[--n_live]);
        } else {
            dc_gc_report r = {0};
            dc_gc_options o = {.grace_ns = -1, .retain_versions = rand() % 3 ? 1 + rand() % 12 : 0,
                               .dry_run = rand() % 4 == 0};
            put(s, "data/t/p/orphan.parquet");
            assert_int_equal(gc(s, o, &r), DC_OK);
            if (!o.dry_run)
                assert_false(exists(s, "data/t/p/orphan.parquet"));
            dc_gc_report_free(&r);
        }
        if (round % 10 == 9) { /* check every retained version, from a fresh handle */
            dc_store *b = env_store(&v, 3);
            dc_expiry ex;
            int64_t latest;
            assert_int_equal(dc_store__expiry(b, &ex, &e), DC_OK);
            assert_int_equal(dc_store_latest_version(b, &latest, &e), DC_OK);
            for (int64_t ver = ex.oldest_version > 1 ? ex.oldest_version : 1; ver <= latest; ver++) {
                dc_snapshot *snap = NULL;
                if (dc_store_snapshot_at(b, ver, &snap, &e) != DC_OK)
                    fail_msg("version %lld: %s", (long long)ver, e.message);
                all_files_exist(b, snap->state, ver);
                dc_snapshot_unref(snap);
            }
            dc_store_unref(b);
        }
    }
    dc_store_unref(s);
    env_done(&v);
}

#define ALL(fn)                                                                                    \
    static void fn##_mem(void **state)                                                             \
    {                                                                                              \
        (void)state;                                                                               \
        fn(0);                                                                                     \
    }                                                                                              \
    static void fn##_local(void **state)                                                           \
    {                                                                                              \
        (void)state;                                                                               \
        fn(1);                                                                                     \
    }                                                                                              \
    static void fn##_s3(void **state)                                                              \
    {                                                                                              \
        (void)state;                                                                               \
        fn(2);                                                                                     \
    }
ALL(unreferenced_files_go_and_referenced_ones_stay)
ALL(a_dry_run_deletes_nothing)
ALL(the_grace_period_protects_in_flight_files)
ALL(abandoned_transactions_and_their_staged_files_are_collected)
ALL(temporaries_of_dead_writers_are_swept)
ALL(expiry_removes_old_versions_and_time_travel_names_the_oldest)
ALL(expiry_by_age_and_pins_of_live_transactions)
ALL(randomized_gc_never_deletes_a_file_of_a_retained_version)

#define T(fn)                                                                                      \
    {"memory/" #fn, fn##_mem, NULL, NULL, NULL}, {"local/" #fn, fn##_local, NULL, NULL, NULL},     \
    {                                                                                              \
        "s3/" #fn, fn##_s3, NULL, NULL, NULL                                                       \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(unreferenced_files_go_and_referenced_ones_stay),
        T(a_dry_run_deletes_nothing),
        T(the_grace_period_protects_in_flight_files),
        T(abandoned_transactions_and_their_staged_files_are_collected),
        T(temporaries_of_dead_writers_are_swept),
        T(expiry_removes_old_versions_and_time_travel_names_the_oldest),
        T(expiry_by_age_and_pins_of_live_transactions),
        T(randomized_gc_never_deletes_a_file_of_a_retained_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
