/*
 * writer_main.c: dc-test-writer, the process-level proofs of the commit protocol
 * (docs/FORMAT.md 6 and 9; issue 4, "What must be shown"). Driven by
 * tests/storage/crash_kill.sh and tests/storage/concurrent.sh.
 *
 *   dc-test-writer loop ROOT ID N        commit N transactions (0: until killed) on the
 *                                        local catalog at ROOT (created when absent); after
 *                                        each commit append "ID SEQ VERSION" to ROOT.acks/ID
 *                                        (O_APPEND + fsync): an acknowledged commit is one
 *                                        the writer saw succeed.
 *   dc-test-writer concurrent ROOT ID N  N transactions of a conflict-prone mix; every
 *                                        outcome (committed at V / conflict and its message)
 *                                        is appended as one JSON line to ROOT.outcomes/ID.
 *   dc-test-writer check [--final] ROOT  open the catalog (no repair step) and verify it,
 *                                        with the acks and outcomes found beside it. Exit 0
 *                                        when everything holds, 1 with the list of what does
 *                                        not. --final: no writer is running any more.
 *   dc-test-writer threads T N           the concurrent mix with T threads x N transactions
 *                                        on a memory store in this process, then the check.
 *   dc-test-writer gc ROOT               (no writer running) collect the garbage with no
 *                                        grace period and check that no temporary (S3:
 *                                        multipart upload) and no data file outside the log
 *                                        is left; prints what was collected.
 *
 * ROOT is a local directory or an S3 URL (s3://bucket/prefix, configured from the AWS_*
 * environment as tests/oracles/moto.sh sets it; outputs use 64 KiB parts, which moto
 * accepts, so that data files become multipart uploads). The acknowledgements and
 * outcomes live on the local disk at SIDE.acks/ and SIDE.outcomes/, where SIDE is
 * $DC_WRITER_SIDE, or ROOT for a local ROOT. With DC_WRITER_DATA_MAX=N, a loop writer also
 * writes the first file of each transaction (1 to N bytes, a function of (ID, SEQ)) before
 * committing it, and the checker verifies that the file of every committed transaction
 * is there, whole: a kill then also lands in the middle of uploads.
 *
 * Notes on the design:
 *   1. The transaction of loop writer ID with sequence number SEQ is a pure function of
 *      (ID, SEQ) (loop_ops): 2-5 files in 1-3 add_delta operations over 1-3 tables, and
 *      from SEQ > LOOP_KEEP on a remove_files of everything (ID, SEQ - LOOP_KEEP) added.
 *      Its paths and its commit message "w ID SEQ" name it. The checker regenerates it
 *      and compares it with the log entry, so a partial or altered transaction is seen.
 *   2. A writer runs its sequence numbers in order, one transaction in flight. Killed,
 *      it restarts from its last acknowledged SEQ and resolves the one that was in flight
 *      (committed, or not, by the dead process) by looking for its first file in the
 *      latest state, acknowledging it with "recovered" when it committed. So after all
 *      writers stopped, each writer's committed SEQs are exactly 1..max acked, plus at most
 *      max acked + 1 (in flight at the final kill): nothing lost, nothing duplicated.
 *   3. The checker re-derives everything from the log: versions 1..L present and nothing
 *      else (gap-free, also by listing), timestamps strictly increasing, the state by
 *      replay from the empty catalog (dc_state_apply), which must equal the library's
 *      latest snapshot and every checkpoint (each loaded by a fresh handle, so from the
 *      checkpoint itself), and the live files by a second, simpler model of add/remove.
 *   4. In the concurrent mix the verdicts are checked both ways with the rules of
 *      FORMAT.md 6.2 (dc_conflict_check): every reported conflict names a winner that is
 *      in the log after the loser's read version, touches the named table, and conflicts
 *      with the loser; and no committed transaction conflicts with any transaction
 *      committed between its read version and its own version (nothing slipped through).
 */
#include "storage/lifecycle_int.h"
#include "storage/storage_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NAMESPACE_ID "ns-proof"
#define LOOP_KEEP 12  /* a loop transaction removes what SEQ - LOOP_KEEP added */
#define MAX_WRITERS 64
#define MAX_PROBLEMS_SHOWN 40

/* ---- deterministic randomness (splitmix64) ------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static rng rng_for(uint64_t a, uint64_t b, uint64_t c)
{
    rng r = {a * 0x100000001b3ull ^ (b << 20) ^ c};
    rng_next(&r);
    return r;
}

static int64_t rng_below(rng *r, int64_t n) { return (int64_t)(rng_next(r) % (uint64_t)n); }

/* ---- operations ------------------------------------------------------------------ */

/* One manifest entry whose path names its writer and transaction. */
static json_t *file_entry(const char *table_id, const char *part, char who, int64_t id,
                          int64_t seq, int k, rng *r)
{
    char path[256];
    snprintf(path, sizeof path, "data/%s/%s/%c%lld-s%lld-f%d.parquet", table_id,
             part[0] ? part : "p_", who, (long long)id, (long long)seq, k);
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:i}", "path", path, "content_type", "parquet",
                     "encoding", "identity", "record_count", (json_int_t)rng_below(r, 10000),
                     "file_size", (json_int_t)(100 + rng_below(r, 1 << 20)), "schema_id", 0);
}

/* An add_delta operation; `files` is stolen. NULL on ENOMEM. */
static json_t *add_delta_op(const char *table_id, const char *part, const char *type,
                            json_t *files, bool exclusive)
{
    json_t *op = json_pack("{s:s, s:s, s:i, s:s, s:s, s:o}", "op", "add_delta", "table_id",
                           table_id, "table_version", 1, "partition", part, "delta_type", type,
                           "files", files);
    if (op && exclusive)
        json_object_set_new(op, "exclusive", json_true());
    return op;
}

/* remove_files of `paths` (stolen). */
static json_t *remove_files_op(const char *table_id, const char *part, json_t *paths,
                               bool exclusive)
{
    json_t *op = json_pack("{s:s, s:s, s:i, s:s, s:o}", "op", "remove_files", "table_id",
                           table_id, "table_version", 1, "partition", part, "paths", paths);
    if (op && exclusive)
        json_object_set_new(op, "exclusive", json_true());
    return op;
}

typedef struct target {
    char table_id[32];
    char part[16];
    const char *type;
} target;

/*
 * The add_delta operations of loop transaction (id, seq): 2-5 files spread over 1-3
 * operations, over 1-3 tables (shared-a, shared-b, own-ID), ADDs to shared partitions
 * and APPENDs to partitions only this writer appends to, so loop writers never conflict.
 */
static json_t *loop_adds(int64_t id, int64_t seq)
{
    rng r = rng_for(1, (uint64_t)id, (uint64_t)seq);
    int pattern = (int)rng_below(&r, 4);
    int nfiles = 2 + (int)rng_below(&r, 4);
    target t[3];
    int nops = 0;
    char own[32];
    snprintf(own, sizeof own, "own-%lld", (long long)id);
    memset(t, 0, sizeof t);
    switch (pattern) {
    case 0:
        t[nops++] = (target){"shared-a", "", "add"};
        break;
    case 1:
        t[nops++] = (target){"shared-a", "", "add"};
        t[nops] = (target){"", "", "append"};
        snprintf(t[nops].table_id, sizeof t[nops].table_id, "%s", own);
        snprintf(t[nops++].part, sizeof t[0].part, "p%lld", (long long)(seq % 3));
        break;
    case 2:
        t[nops++] = (target){"shared-b", "", "add"};
        t[nops] = (target){"shared-a", "", "append"};
        snprintf(t[nops++].part, sizeof t[0].part, "w%lld", (long long)id);
        break;
    default:
        t[nops++] = (target){"shared-a", "", "add"};
        t[nops++] = (target){"shared-b", "", "add"};
        t[nops] = (target){"", "", "append"};
        snprintf(t[nops].table_id, sizeof t[nops].table_id, "%s", own);
        snprintf(t[nops++].part, sizeof t[0].part, "p%lld", (long long)(seq % 3));
        if (nfiles < 3)
            nfiles = 3;
        break;
    }
    json_t *ops = json_array();
    json_t *files[3] = {NULL, NULL, NULL};
    for (int i = 0; i < nops; i++)
        files[i] = json_array();
    for (int k = 0; k < nfiles; k++)
        json_array_append_new(files[k % nops], file_entry(t[k % nops].table_id, t[k % nops].part,
                                                          'w', id, seq, k, &r));
    for (int i = 0; i < nops; i++)
        json_array_append_new(ops, add_delta_op(t[i].table_id, t[i].part, t[i].type, files[i],
                                                false));
    return ops;
}

/* The whole loop transaction (id, seq): its adds, then the removal of what
 * (id, seq - LOOP_KEEP) added (design note 1). */
static json_t *loop_ops(int64_t id, int64_t seq)
{
    json_t *ops = loop_adds(id, seq);
    if (seq <= LOOP_KEEP)
        return ops;
    json_t *old = loop_adds(id, seq - LOOP_KEEP);
    size_t i, j;
    json_t *op, *f;
    json_array_foreach(old, i, op)
    {
        json_t *paths = json_array();
        json_array_foreach(json_object_get(op, "files"), j, f)
            json_array_append(paths, json_object_get(f, "path"));
        json_array_append_new(
            ops, remove_files_op(json_string_value(json_object_get(op, "table_id")),
                                 json_string_value(json_object_get(op, "partition")), paths, false));
    }
    json_decref(old);
    return ops;
}

/* ---- small helpers ------------------------------------------------------------------ */

static void die(const char *what, const dc_error *e)
{
    fprintf(stderr, "dc-test-writer: %s: %s\n", what, e ? e->message : strerror(errno));
    exit(2);
}

static const char *jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int64_t jint(const json_t *o, const char *k)
{
    return (int64_t)json_integer_value(json_object_get(o, k));
}

/* The files of table version 1 of `table_id` in `state`, in partition `part` (NULL: all). */
static json_t *live_paths(const json_t *state, const char *table_id, const char *part, int max)
{
    json_t *out = json_array();
    json_t *parts = json_object_get(
        json_object_get(json_object_get(dc_state_table(state, table_id), "versions"), "1"),
        "partitions");
    const char *pk;
    json_t *pv;
    json_object_foreach(parts, pk, pv)
    {
        if (part && strcmp(pk, part) != 0)
            continue;
        size_t d, k;
        json_t *delta, *f;
        json_array_foreach(json_object_get(pv, "deltas"), d, delta)
        {
            json_array_foreach(json_object_get(delta, "files"), k, f)
            {
                if (max > 0 && (int)json_array_size(out) >= max)
                    return out;
                json_array_append(out, json_object_get(f, "path"));
            }
        }
    }
    return out;
}

static bool is_s3(const char *root)
{
    return strncmp(root, "s3://", 5) == 0;
}

/* The filesystem of ROOT: a local directory (created when `create`), or S3. */
static dc_status open_root(dc_fs **fs, const char *root, bool create, dc_error *err)
{
    if (is_s3(root)) {
        dc_fs_s3_options o = {.part_size = 64 * 1024}; /* moto.sh lets parts be 64 KiB */
        return dc_fs_s3_open(fs, root, &o, err);
    }
    dc_fs_local_options fo = {.create_root = create};
    return dc_fs_local_open(fs, root, create ? &fo : NULL, err);
}

static dc_status open_store(dc_fs **fs, dc_store **store, const char *root, bool create,
                            dc_error *err)
{
    dc_status rc = open_root(fs, root, create, err);
    if (rc != DC_OK)
        return rc;
    dc_store_options so = {.create = create, .checkpoint_interval = 8};
    rc = dc_store_open(store, *fs, &so, err);
    if (rc != DC_OK) {
        dc_fs_unref(*fs);
        *fs = NULL;
    }
    return rc;
}

/* Where SIDE.acks/ and SIDE.outcomes/ are (see the top). */
static const char *side_of(const char *root)
{
    const char *side = getenv("DC_WRITER_SIDE");
    if (side && side[0])
        return side;
    if (is_s3(root)) {
        fprintf(stderr, "dc-test-writer: an s3:// root needs DC_WRITER_SIDE, a local path for "
                        "the acknowledgements and outcomes\n");
        exit(2);
    }
    return root;
}

/* DC_WRITER_DATA_MAX: the largest data file a loop writer writes (0: none). */
static int64_t data_max(void)
{
    const char *v = getenv("DC_WRITER_DATA_MAX");
    return v ? strtoll(v, NULL, 10) : 0;
}

/*
 * Make sure the namespace and the tables `tids` (each with table version 1) exist,
 * racing other writers doing the same: a lost creation race is a conflict, and the
 * next round sees the winner's table. Author "setup", so the checker knows them.
 */
static dc_status ensure_tables(dc_store *s, const char *const *tids, size_t n, dc_error *err)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        dc_stxn *t = NULL;
        dc_status rc = dc_stxn_begin(&t, s, &(dc_stxn_options){.author = "setup"}, err);
        if (rc != DC_OK)
            return rc;
        const json_t *st = dc_stxn_state(t);
        bool need_ns = !dc_state_namespace(st, NAMESPACE_ID), need[8] = {false};
        int missing = need_ns;
        for (size_t i = 0; i < n && i < 8; i++)
            missing += need[i] = !dc_state_table(st, tids[i]);
        if (missing == 0) {
            dc_stxn_free(t);
            return DC_OK;
        }
        if (need_ns) {
            json_t *op = json_pack("{s:s, s:s, s:s}", "op", "create_namespace", "namespace_id",
                                   NAMESPACE_ID, "name", "proof");
            rc = dc_stxn_add_op(t, op, err);
            json_decref(op);
        }
        for (size_t i = 0; i < n && i < 8 && rc == DC_OK; i++) {
            if (!need[i])
                continue;
            json_t *a = json_pack("{s:s, s:s, s:s, s:s}", "op", "create_table", "table_id",
                                  tids[i], "namespace_id", NAMESPACE_ID, "name", tids[i]);
            json_t *b = json_pack("{s:s, s:s, s:i, s:{}}", "op", "create_table_version",
                                  "table_id", tids[i], "table_version", 1, "schema");
            rc = dc_stxn_add_op(t, a, err);
            if (rc == DC_OK)
                rc = dc_stxn_add_op(t, b, err);
            json_decref(a);
            json_decref(b);
        }
        if (rc == DC_OK)
            rc = dc_stxn_commit(t, "setup", NULL, err);
        dc_stxn_free(t);
        if (rc != DC_OK && rc != DC_ECONFLICT)
            return rc;
    }
    return dc_error_set(err, DC_ECONFLICT, "could not create the test tables in 200 attempts");
}

/* ---- loop mode --------------------------------------------------------------------- */

/* Append one line to the open acknowledgement file and make it durable. */
static void ack(int fd, int64_t id, int64_t seq, int64_t version, bool recovered)
{
    char line[96];
    int n = snprintf(line, sizeof line, "%lld %lld %lld%s\n", (long long)id, (long long)seq,
                     (long long)version, recovered ? " recovered" : "");
    if (write(fd, line, (size_t)n) != n || fsync(fd) != 0)
        die("cannot write the acknowledgement file", NULL);
}

/* The greatest acknowledged SEQ in an acknowledgement file (0 when none); a line torn by a
 * kill is terminated so that the next one starts clean. */
static int64_t last_acked(int fd, int64_t id)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        die("cannot stat the acknowledgement file", NULL);
    char *buf = dc_malloc((size_t)st.st_size + 1);
    if (!buf)
        die("out of memory", NULL);
    ssize_t got = pread(fd, buf, (size_t)st.st_size, 0);
    if (got < 0)
        die("cannot read the acknowledgement file", NULL);
    buf[got] = '\0';
    int64_t last = 0;
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        long long a, b, c;
        if (sscanf(line, "%lld %lld %lld", &a, &b, &c) == 3 && a == id && b > last)
            last = b;
        line = nl + 1;
    }
    if (got > 0 && buf[got - 1] != '\n' && write(fd, "\n", 1) != 1)
        die("cannot repair the acknowledgement file", NULL);
    dc_free(buf);
    return last;
}

/* The version at which the delta holding `path` (table version 1 of `table_id`) was
 * committed in `state`, or 0 when the file is not there. */
static int64_t find_file_version(const json_t *state, const char *table_id, const char *path)
{
    json_t *parts = json_object_get(
        json_object_get(json_object_get(dc_state_table(state, table_id), "versions"), "1"),
        "partitions");
    const char *pk;
    json_t *pv;
    json_object_foreach(parts, pk, pv)
    {
        size_t d, k;
        json_t *delta, *f;
        json_array_foreach(json_object_get(pv, "deltas"), d, delta)
        {
            json_array_foreach(json_object_get(delta, "files"), k, f)
            {
                if (!strcmp(jstr(f, "path"), path))
                    return jint(delta, "version");
            }
        }
    }
    return 0;
}

/*
 * Write the recent checkpoints a killed writer left without a root (FORMAT.md 5: any
 * later process may), from this process's own snapshot, whose reuse of older
 * checkpoint objects may differ from the dead writer's: the checker then proves a
 * rewritten checkpoint equals the replay. Best effort, like every checkpoint.
 */
static void rewrite_missing_checkpoints(dc_store *s)
{
    int64_t latest = 0, every = dc_store_checkpoint_interval(s);
    if (dc_store_latest_version(s, &latest, NULL) != DC_OK)
        return;
    for (int64_t c = (latest / every) * every, n = 0; c > 0 && n < 4; c -= every, n++) {
        char key[96];
        bool exists = true;
        snprintf(key, sizeof key, DC_CHECKPOINT_PREFIX "%020lld/root.json", (long long)c);
        if (dc_fs_exists(dc_store_fs(s), key, &exists, NULL) != DC_OK || exists)
            continue;
        dc_snapshot *snap = NULL;
        if (dc_store_snapshot_at(s, c, &snap, NULL) == DC_OK)
            dc_store_write_checkpoint(s, snap, NULL);
        dc_snapshot_unref(snap);
    }
}

/* The data file of loop transaction (id, seq) (its first file) and its size, at most max. */
static void loop_data(int64_t id, int64_t seq, int64_t max, char *path, size_t cap, int64_t *size)
{
    json_t *adds = loop_adds(id, seq);
    const json_t *f0 = json_array_get(json_object_get(json_array_get(adds, 0), "files"), 0);
    snprintf(path, cap, "%s", jstr(f0, "path"));
    json_decref(adds);
    rng r = rng_for(3, (uint64_t)id, (uint64_t)seq);
    *size = 1 + rng_below(&r, max);
}

/* Write the data file of loop transaction (id, seq) (a plain output: a retry after a kill
 * rewrites the same bytes). Big ones are multipart uploads on S3. */
static void write_data(dc_fs *fs, int64_t id, int64_t seq, int64_t max)
{
    char path[256];
    int64_t size;
    uint8_t buf[16384];
    dc_output *o = NULL;
    dc_error e;
    loop_data(id, seq, max, path, sizeof path, &size);
    if (dc_fs_open_output(fs, path, 0, &o, &e) != DC_OK)
        die(path, &e);
    for (int64_t done = 0; done < size;) {
        int64_t k = DC_MIN((int64_t)sizeof buf, size - done);
        for (int64_t i = 0; i < k; i++)
            buf[i] = (uint8_t)((done + i) * 31 + id * 7 + seq);
        if (dc_output_write(o, buf, k, &e) != DC_OK)
            die(path, &e);
        done += k;
    }
    if (dc_output_finish(o, &e) != DC_OK)
        die(path, &e);
    dc_output_close(o);
}

static int run_loop(const char *root, int64_t id, int64_t n)
{
    dc_error e;
    dc_fs *fs = NULL;
    dc_store *s = NULL;
    char own[32], dir[4096], path[4200];
    if (id < 0 || id >= MAX_WRITERS) {
        fprintf(stderr, "dc-test-writer: writer id must be 0 to %d\n", MAX_WRITERS - 1);
        return 2;
    }
    snprintf(own, sizeof own, "own-%lld", (long long)id);
    if (open_store(&fs, &s, root, true, &e) != DC_OK)
        die("open", &e);
    const char *tids[] = {"shared-a", "shared-b", own};
    if (ensure_tables(s, tids, 3, &e) != DC_OK)
        die("setup", &e);
    snprintf(dir, sizeof dir, "%s.acks", side_of(root));
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die(dir, NULL);
    snprintf(path, sizeof path, "%s/%lld", dir, (long long)id);
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        die(path, NULL);
    int64_t seq = last_acked(fd, id) + 1;

    /* Resolve the transaction in flight when the previous process died (design note 2). */
    dc_snapshot *snap = NULL;
    if (dc_store_snapshot_latest(s, &snap, &e) != DC_OK)
        die("latest snapshot", &e);
    json_t *adds = loop_adds(id, seq);
    json_t *first = json_array_get(adds, 0);
    int64_t landed = find_file_version(
        snap->state, jstr(first, "table_id"),
        jstr(json_array_get(json_object_get(first, "files"), 0), "path"));
    json_decref(adds);
    dc_snapshot_unref(snap);
    if (landed > 0) {
        ack(fd, id, seq, landed, true);
        seq++;
    }
    rewrite_missing_checkpoints(s);

    int64_t conflicts = 0, max = data_max();
    for (int64_t done = 0; n == 0 || done < n;) {
        if (max > 0)
            write_data(fs, id, seq, max); /* staged before the commit that names it */
        dc_stxn *t = NULL;
        char author[32], msg[64];
        snprintf(author, sizeof author, "writer-%lld", (long long)id);
        snprintf(msg, sizeof msg, "w %lld %lld", (long long)id, (long long)seq);
        if (dc_stxn_begin(&t, s, &(dc_stxn_options){.author = author}, &e) != DC_OK)
            die("begin", &e);
        json_t *ops = loop_ops(id, seq), *op;
        size_t i;
        json_array_foreach(ops, i, op)
        {
            if (dc_stxn_add_op(t, op, &e) != DC_OK)
                die(msg, &e);
        }
        json_decref(ops);
        int64_t v = 0;
        dc_status rc = dc_stxn_commit(t, msg, &v, &e);
        dc_stxn_free(t);
        if (rc == DC_ECONFLICT) {
            conflicts++; /* nothing committed: the same SEQ again */
            continue;
        }
        if (rc != DC_OK)
            die(msg, &e);
        ack(fd, id, seq, v, false);
        seq++;
        done++;
    }
    printf("writer %lld: committed up to seq %lld, %lld conflicts\n", (long long)id,
           (long long)seq - 1, (long long)conflicts);
    close(fd);
    dc_store_unref(s);
    dc_fs_unref(fs);
    return 0;
}

/* ---- the concurrent mix ---------------------------------------------------------------- */

typedef struct sink {
    int fd;          /* JSON lines here (process mode), or */
    json_t *records; /* appended here (threads mode) */
} sink;

static void record(sink *k, json_t *rec)
{
    if (k->records) {
        json_array_append_new(k->records, rec);
        return;
    }
    char *text = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    if (!text)
        die("out of memory", NULL);
    size_t n = strlen(text);
    text[n] = '\n'; /* replaces the NUL: write n + 1 bytes */
    if (write(k->fd, text, n + 1) != (ssize_t)(n + 1))
        die("cannot write the outcome file", NULL);
    free(text); /* jansson's allocator */
}

static const char *const MIX_KINDS[] = {"add",   "append",     "upsert", "own",
                                        "multi", "replace", "compaction"};

/*
 * Build concurrent transaction (id, seq) in `t` from what it sees: a mix of ADDs to a
 * shared table, APPENDs and UPSERTs to one shared partition ("hot"), writes to the
 * process's own table, multi-table transactions, REPLACEs (exclusive) of the table
 * c-repl and compactions of "hot". Returns the kind's index and the operations in
 * *ops_out (owned by the caller), or -1 when an operation was rejected (err says why).
 */
static int build_mix(dc_stxn *t, int64_t id, int64_t seq, rng *r, json_t **ops_out,
                     dc_error *err)
{
    char own[32];
    snprintf(own, sizeof own, "c-own-%lld", (long long)id);
    int64_t p = rng_below(r, 100);
    int kind = p < 25 ? 0 : p < 45 ? 1 : p < 53 ? 2 : p < 65 ? 3 : p < 82 ? 4 : p < 94 ? 5 : 6;
    json_t *ops = json_array();
    int k = 0;
    switch (kind) {
    case 0:
    case 1:
    case 2: {
        const char *part = kind == 0 ? "" : "hot";
        const char *type = kind == 0 ? "add" : kind == 1 ? "append" : "upsert";
        json_t *files = json_array();
        for (int i = 1 + (int)rng_below(r, 3); i > 0; i--, k++)
            json_array_append_new(files, file_entry("c-shared", part, 'c', id, seq, k, r));
        json_array_append_new(ops, add_delta_op("c-shared", part, type, files, false));
        break;
    }
    case 3: {
        json_t *files = json_array();
        json_array_append_new(files, file_entry(own, "p0", 'c', id, seq, k++, r));
        json_array_append_new(
            ops, add_delta_op(own, "p0", rng_below(r, 2) ? "append" : "add", files, false));
        break;
    }
    case 4: {
        json_t *a = json_array(), *b = json_array(), *c = json_array();
        json_array_append_new(a, file_entry("c-shared", "", 'c', id, seq, k++, r));
        json_array_append_new(b, file_entry(own, "p1", 'c', id, seq, k++, r));
        json_array_append_new(c, file_entry("c-repl", "", 'c', id, seq, k++, r));
        json_array_append_new(ops, add_delta_op("c-shared", "", "add", a, false));
        json_array_append_new(ops, add_delta_op(own, "p1", "append", b, false));
        json_array_append_new(ops, add_delta_op("c-repl", "", "add", c, false));
        break;
    }
    case 5: {
        dc_stxn_note_read(t, "c-repl", true, NULL);
        json_t *old = live_paths(dc_stxn_state(t), "c-repl", NULL, 0);
        if (json_array_size(old) > 0)
            json_array_append_new(ops, remove_files_op("c-repl", "", old, true));
        else
            json_decref(old);
        json_t *files = json_array();
        json_array_append_new(files, file_entry("c-repl", "", 'c', id, seq, k++, r));
        json_array_append_new(ops, add_delta_op("c-repl", "", "add", files, true));
        break;
    }
    default: {
        json_t *old = live_paths(dc_stxn_state(t), "c-shared", "hot", 4);
        if (json_array_size(old) > 0)
            json_array_append_new(ops, remove_files_op("c-shared", "hot", old, false));
        else
            json_decref(old);
        json_t *files = json_array();
        json_array_append_new(files, file_entry("c-shared", "hot", 'c', id, seq, k++, r));
        json_array_append_new(ops, add_delta_op("c-shared", "hot", "add", files, false));
        break;
    }
    }
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op)
    {
        dc_status rc = dc_stxn_add_op(t, op, err);
        if (rc != DC_OK) {
            json_decref(ops);
            return -1;
        }
    }
    *ops_out = ops;
    return kind;
}

/* Run n transactions of the mix as process `id`, recording every outcome; counts in
 * *committed and *conflicts. Other failures end the process (exit 2). */
static void run_mix(dc_store *s, int64_t id, int64_t n, int think_us, sink *out,
                    int64_t *committed, int64_t *conflicts)
{
    dc_error e;
    char own[32], author[32], msg[64];
    snprintf(own, sizeof own, "c-own-%lld", (long long)id);
    snprintf(author, sizeof author, "proc-%lld", (long long)id);
    const char *tids[] = {"c-shared", "c-repl", own};
    if (ensure_tables(s, tids, 3, &e) != DC_OK)
        die("setup", &e);
    for (int64_t seq = 1; seq <= n; seq++) {
        rng r = rng_for(2, (uint64_t)id, (uint64_t)seq);
        dc_stxn *t = NULL;
        if (dc_stxn_begin(&t, s, &(dc_stxn_options){.author = author}, &e) != DC_OK)
            die("begin", &e);
        json_t *ops = NULL;
        int kind = build_mix(t, id, seq, &r, &ops, &e);
        if (kind < 0)
            die("building a transaction", &e);
        if (think_us > 0) {
            struct timespec ts = {0, (long)rng_below(&r, think_us) * 1000};
            nanosleep(&ts, NULL);
        }
        /* What the checker needs: our operations and reads as we committed them. */
        json_t *rec = json_pack("{s:I, s:I, s:s, s:s, s:I, s:o, s:{s:{}, s:{}}}", "proc",
                                (json_int_t)id, "seq", (json_int_t)seq, "kind", MIX_KINDS[kind],
                                "txn_id", dc_stxn_id(t), "read_version",
                                (json_int_t)dc_stxn_read_version(t), "ops", ops, "reads", "data",
                                "metadata");
        if (!rec)
            die("out of memory", NULL);
        if (kind == 5) /* a replace read the data it replaces (build_mix noted it) */
            json_object_set_new(json_object_get(json_object_get(rec, "reads"), "data"), "c-repl",
                                json_true());
        int64_t v = 0;
        snprintf(msg, sizeof msg, "c %lld %lld", (long long)id, (long long)seq);
        dc_status rc = dc_stxn_commit(t, msg, &v, &e);
        if (rc == DC_OK) {
            json_object_set_new(rec, "status", json_string("committed"));
            json_object_set_new(rec, "version", json_integer(v));
            (*committed)++;
        } else if (rc == DC_ECONFLICT) {
            json_object_set_new(rec, "status", json_string("conflict"));
            json_object_set_new(rec, "message", json_string(e.message));
            (*conflicts)++;
        } else {
            die(msg, &e);
        }
        dc_stxn_free(t);
        record(out, rec);
    }
}

static int run_concurrent(const char *root, int64_t id, int64_t n)
{
    dc_error e;
    dc_fs *fs = NULL;
    dc_store *s = NULL;
    char dir[4096], path[4200];
    if (open_store(&fs, &s, root, true, &e) != DC_OK)
        die("open", &e);
    snprintf(dir, sizeof dir, "%s.outcomes", side_of(root));
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die(dir, NULL);
    snprintf(path, sizeof path, "%s/%lld", dir, (long long)id);
    sink out = {.fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (out.fd < 0)
        die(path, NULL);
    int64_t committed = 0, conflicts = 0;
    run_mix(s, id, n, 3000, &out, &committed, &conflicts);
    printf("process %lld: %lld committed, %lld conflicts\n", (long long)id, (long long)committed,
           (long long)conflicts);
    close(out.fd);
    dc_store_unref(s);
    dc_fs_unref(fs);
    return 0;
}

/* ---- the checker ------------------------------------------------------------------------ */

typedef struct checker {
    bool final;         /* no writer is running */
    int64_t problems;
    int64_t latest;     /* L: the latest version when the check began */
    int64_t writer_txns, setup_txns, mix_txns, checkpoints, live_files;
    int64_t acked, recovered, in_flight, torn_lines;
    int64_t mix_committed, mix_conflicts, pairs_checked;
    int64_t data_files; /* data files of committed loop transactions found whole */
    int64_t conflicts_by_kind[DC_ARRAY_LEN(MIX_KINDS)];
    json_t *seen;    /* "w ID SEQ" / "c ID SEQ" -> version */
    json_t *txn_ids; /* transaction id -> version */
    json_t *live;    /* the second model: live path -> version of its delta */
    json_t *entries; /* every log entry (index version - 1), kept for the mix checks, or NULL */
    json_t *state;   /* replayed from empty */
} checker;

static void problem(checker *c, const char *fmt, ...) DC_PRINTF(2, 3);
static void problem(checker *c, const char *fmt, ...)
{
    if (c->problems++ < MAX_PROBLEMS_SHOWN) {
        va_list ap;
        va_start(ap, fmt);
        fputs("FAIL: ", stdout);
        vprintf(fmt, ap);
        fputc('\n', stdout);
        va_end(ap);
    } else if (c->problems == MAX_PROBLEMS_SHOWN + 1) {
        puts("FAIL: ... (more problems not shown)");
    }
}

/* Name the first table whose state differs between a and b (for a useful message). */
static const char *first_difference(const json_t *a, const json_t *b)
{
    if (!json_equal(json_object_get(a, "namespaces"), json_object_get(b, "namespaces")))
        return "the namespaces";
    const char *tid;
    json_t *t;
    json_object_foreach(json_object_get(a, "tables"), tid, t)
    {
        if (!json_equal(t, dc_state_table(b, tid)))
            return tid;
    }
    json_object_foreach(json_object_get(b, "tables"), tid, t)
    {
        if (!dc_state_table(a, tid))
            return tid;
    }
    return "the document layout";
}

/* The versions of _log/ by listing: must be exactly 1..M (design note 3). Returns M. */
static int64_t check_listing(checker *c, dc_fs *fs)
{
    dc_fs_listing l;
    dc_error e;
    if (dc_fs_list_all(fs, DC_LOG_PREFIX, true, &l, &e) != DC_OK) {
        problem(c, "cannot list %s: %s", DC_LOG_PREFIX, e.message);
        dc_fs_listing_free(&l);
        return 0;
    }
    int64_t m = 0;
    for (int64_t i = 0; i < l.n; i++) {
        char want[64];
        dc_log_key(want, m + 1);
        if (strcmp(l.entries[i].key, want) != 0) {
            problem(c, "the log is not gap-free: listed %s where %s was due", l.entries[i].key,
                    want);
            break;
        }
        m++;
    }
    dc_fs_listing_free(&l);
    return m;
}

/* The versions that hold a whole checkpoint (a root.json), ascending, into *out (a json
 * array of integers). */
static json_t *list_checkpoints(checker *c, dc_fs *fs)
{
    dc_fs_listing l;
    dc_error e;
    json_t *out = json_array();
    if (dc_fs_list_all(fs, DC_CHECKPOINT_PREFIX, true, &l, &e) != DC_OK) {
        problem(c, "cannot list %s: %s", DC_CHECKPOINT_PREFIX, e.message);
    } else {
        for (int64_t i = 0; i < l.n; i++) {
            long long v;
            int end = 0;
            if (sscanf(l.entries[i].key, DC_CHECKPOINT_PREFIX "%20lld/root.json%n", &v, &end) ==
                    1 &&
                l.entries[i].key[end] == '\0')
                json_array_append_new(out, json_integer(v));
        }
    }
    dc_fs_listing_free(&l);
    return out;
}

/* A checkpoint loaded by a fresh handle (so from the checkpoint, not a cache) must equal
 * the replayed state at its version. */
static void check_checkpoint(checker *c, dc_fs *fs, int64_t v, int64_t ts)
{
    dc_store *s = NULL;
    dc_snapshot *snap = NULL;
    dc_error e;
    if (dc_store_open(&s, fs, NULL, &e) != DC_OK ||
        dc_store_snapshot_at(s, v, &snap, &e) != DC_OK) {
        problem(c, "checkpoint %lld: cannot open it: %s", (long long)v, e.message);
    } else if (snap->checkpoint_version != v) {
        problem(c, "checkpoint %lld exists but the snapshot at %lld was built from %lld",
                (long long)v, (long long)v, (long long)snap->checkpoint_version);
    } else if (!json_equal(snap->state, c->state)) {
        problem(c, "checkpoint %lld differs from the replay of commits 1..%lld (in %s)",
                (long long)v, (long long)v, first_difference(snap->state, c->state));
    } else if (snap->timestamp_ns != ts) {
        problem(c, "checkpoint %lld has timestamp %lld, commit %lld has %lld", (long long)v,
                (long long)snap->timestamp_ns, (long long)v, (long long)ts);
    } else {
        c->checkpoints++;
    }
    dc_snapshot_unref(snap);
    dc_store_unref(s);
}

/* Apply one operation to the second model of live files (design note 3). */
static void model_apply(checker *c, const json_t *op, int64_t v)
{
    const char *name = jstr(op, "op");
    size_t i;
    json_t *x;
    if (name && !strcmp(name, "add_delta")) {
        json_array_foreach(json_object_get(op, "files"), i, x)
        {
            const char *p = jstr(x, "path");
            if (json_object_get(c->live, p))
                problem(c, "commit %lld adds %s, which is already live", (long long)v, p);
            json_object_set_new(c->live, p, json_integer(v));
        }
    } else if (name && !strcmp(name, "remove_files")) {
        json_array_foreach(json_object_get(op, "paths"), i, x)
        {
            const char *p = json_string_value(x);
            if (!p || json_object_del(c->live, p) != 0)
                problem(c, "commit %lld removes %s, which is not live", (long long)v,
                        p ? p : "(not a string)");
        }
    } else if (name && !strcmp(name, "drop_table")) {
        problem(c, "commit %lld drops a table; the tests never do", (long long)v);
    }
}

/* One transaction of commit v: who wrote it, is it whole, apply it. */
static void check_txn(checker *c, const json_t *txn, int64_t v)
{
    const char *msg = jstr(txn, "message"), *id = jstr(txn, "id"), *author = jstr(txn, "author");
    const json_t *ops = json_object_get(txn, "operations");
    long long wid, seq;
    char kind = 0;
    int end = 0;
    if (!id) {
        problem(c, "commit %lld holds a transaction without an id", (long long)v);
    } else if (json_object_get(c->txn_ids, id)) {
        problem(c, "transaction %s is in commit %lld and in commit %lld", id,
                (long long)jint(c->txn_ids, id), (long long)v);
    } else {
        json_object_set_new(c->txn_ids, id, json_integer(v));
    }
    if (msg && sscanf(msg, "%c %lld %lld%n", &kind, &wid, &seq, &end) == 3 && msg[end] == '\0' &&
        (kind == 'w' || kind == 'c')) {
        json_t *prev = json_object_get(c->seen, msg);
        if (prev)
            problem(c, "transaction \"%s\" committed twice: at %lld and at %lld", msg,
                    (long long)json_integer_value(prev), (long long)v);
        else
            json_object_set_new(c->seen, msg, json_integer(v));
        if (kind == 'w') {
            c->writer_txns++;
            json_t *want = loop_ops(wid, seq);
            if (!json_equal(want, ops))
                problem(c, "commit %lld: transaction \"%s\" is not whole or not as written (%zu "
                        "operations, %zu expected)",
                        (long long)v, msg, json_array_size(ops), json_array_size(want));
            json_decref(want);
        } else {
            c->mix_txns++;
        }
    } else if (author && !strcmp(author, "setup")) {
        c->setup_txns++;
        size_t i;
        json_t *op;
        json_array_foreach(ops, i, op)
        {
            const char *n = jstr(op, "op");
            if (!n || strncmp(n, "create_", 7) != 0)
                problem(c, "commit %lld: a setup transaction holds a %s", (long long)v,
                        n ? n : "nameless operation");
        }
    } else {
        problem(c, "commit %lld holds a transaction no test wrote (message \"%s\")",
                (long long)v, msg ? msg : "");
    }
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op)
    {
        dc_error e;
        if (dc_state_apply(c->state, op, v, &e) != DC_OK)
            problem(c, "commit %lld holds an invalid operation: %s", (long long)v, e.message);
        model_apply(c, op, v);
    }
}

/* Every live file of the replayed state is one the model expects, at its version; and
 * stream positions increase within each partition. */
static void check_live_files(checker *c)
{
    int64_t n = 0;
    const char *tid, *vk, *pk;
    json_t *t, *tv, *pv;
    json_object_foreach(json_object_get(c->state, "tables"), tid, t)
    {
        json_object_foreach(json_object_get(t, "versions"), vk, tv)
        {
            json_object_foreach(json_object_get(tv, "partitions"), pk, pv)
            {
                int64_t last = 0;
                size_t d, k;
                json_t *delta, *f;
                json_array_foreach(json_object_get(pv, "deltas"), d, delta)
                {
                    if (jint(delta, "position") <= last)
                        problem(c, "table %s partition \"%s\": stream positions do not increase",
                                tid, pk);
                    last = jint(delta, "position");
                    json_array_foreach(json_object_get(delta, "files"), k, f)
                    {
                        const char *p = jstr(f, "path");
                        json_t *want = json_object_get(c->live, p);
                        n++;
                        if (!want)
                            problem(c, "%s is live in the state but was removed or never added",
                                    p);
                        else if (json_integer_value(want) != jint(delta, "version"))
                            problem(c, "%s is live in a delta of version %lld, added by %lld", p,
                                    (long long)jint(delta, "version"),
                                    (long long)json_integer_value(want));
                    }
                }
                if (jint(pv, "next_position") <= last)
                    problem(c, "table %s partition \"%s\": next_position is not past the last",
                            tid, pk);
            }
        }
    }
    if (n != (int64_t)json_object_size(c->live))
        problem(c, "%lld files are live in the state, %zu by the log's adds and removes",
                (long long)n, json_object_size(c->live));
    c->live_files = n;
}

/*
 * Read and replay the whole log (design note 3): versions, timestamps, transactions,
 * checkpoints, the library's latest snapshot.
 */
static void check_log(checker *c, dc_fs *fs, dc_store *s)
{
    dc_error e;
    dc_snapshot *empty = NULL;
    if (dc_store_latest_version(s, &c->latest, &e) != DC_OK) {
        problem(c, "cannot find the latest version: %s", e.message);
        return;
    }
    int64_t listed = check_listing(c, fs);
    if (listed < c->latest || (c->final && listed != c->latest))
        problem(c, "the latest version is %lld by probing but %lld by listing",
                (long long)c->latest, (long long)listed);
    json_t *cps = list_checkpoints(c, fs);
    size_t next_cp = 0;
    if (dc_snapshot_empty(&empty, &e) != DC_OK)
        die("empty state", &e);
    c->state = json_deep_copy(empty->state);
    dc_snapshot_unref(empty);
    int64_t prev_ts = 0;
    for (int64_t v = 1; v <= c->latest; v++) {
        json_t *entry = NULL;
        if (dc_store_read_entry(s, v, &entry, &e) != DC_OK) {
            problem(c, "commit %lld cannot be read: %s", (long long)v, e.message);
            break;
        }
        int64_t ts = jint(entry, "timestamp_ns");
        if (ts <= prev_ts)
            problem(c, "commit %lld has timestamp %lld, not after commit %lld's %lld",
                    (long long)v, (long long)ts, (long long)v - 1, (long long)prev_ts);
        prev_ts = ts;
        if (json_array_size(json_object_get(entry, "transactions")) == 0)
            problem(c, "commit %lld holds no transaction", (long long)v);
        size_t i;
        json_t *txn;
        json_array_foreach(json_object_get(entry, "transactions"), i, txn)
            check_txn(c, txn, v);
        while (next_cp < json_array_size(cps) &&
               json_integer_value(json_array_get(cps, next_cp)) < v)
            next_cp++;
        if (next_cp < json_array_size(cps) && json_integer_value(json_array_get(cps, next_cp)) == v)
            check_checkpoint(c, fs, v, ts);
        if (c->entries)
            json_array_append(c->entries, entry);
        json_decref(entry);
    }
    json_decref(cps);

    /* The library's view: the latest snapshot of the handle that probed, and the state
     * at L rebuilt by a fresh handle, both equal to the replay. */
    dc_snapshot *snap = NULL;
    if (dc_store_snapshot_at(s, c->latest, &snap, &e) != DC_OK)
        problem(c, "the snapshot at %lld does not open: %s", (long long)c->latest, e.message);
    else if (!json_equal(snap->state, c->state))
        problem(c, "the snapshot at %lld differs from the replay of the log (in %s)",
                (long long)c->latest, first_difference(snap->state, c->state));
    dc_snapshot_unref(snap);
    check_live_files(c);
}

/* ---- acknowledgements (loop writers) ---- */

typedef struct acks {
    json_t *by_key;        /* "w ID SEQ" -> [version, recovered] */
    int64_t max[MAX_WRITERS];
    int64_t count[MAX_WRITERS];
    bool present[MAX_WRITERS];
} acks;

/* Read every ROOT.acks/ID file (before the log: an acknowledged commit is then in it). */
static void load_acks(checker *c, const char *root, acks *a)
{
    char path[4200];
    memset(a, 0, sizeof *a);
    a->by_key = json_object();
    for (int id = 0; id < MAX_WRITERS; id++) {
        snprintf(path, sizeof path, "%s.acks/%d", root, id);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        a->present[id] = true;
        char line[256];
        while (fgets(line, sizeof line, f)) {
            long long w, seq, v;
            char tail[32] = "";
            int n = sscanf(line, "%lld %lld %lld %31s", &w, &seq, &v, tail);
            if (n < 3 || w != id || (n == 4 && strcmp(tail, "recovered") != 0)) {
                c->torn_lines++; /* a line cut by a kill (the writer terminated it) */
                continue;
            }
            char key[64];
            snprintf(key, sizeof key, "w %lld %lld", w, seq);
            if (json_object_get(a->by_key, key)) {
                problem(c, "%s acknowledged twice", key);
                continue;
            }
            json_object_set_new(a->by_key, key, json_pack("[I, b]", (json_int_t)v, n == 4));
            a->count[id]++;
            if (seq > a->max[id])
                a->max[id] = seq;
        }
        fclose(f);
    }
}

/* Acknowledged = committed, exactly once, at the version the writer was told; committed
 * but unacknowledged only for the transaction in flight (design note 2). */
static void check_acks(checker *c, acks *a)
{
    const char *key;
    json_t *val;
    json_object_foreach(a->by_key, key, val)
    {
        json_t *v = json_object_get(c->seen, key);
        int64_t told = (int64_t)json_integer_value(json_array_get(val, 0));
        if (!v)
            problem(c, "\"%s\" was acknowledged at version %lld but is not in the log", key,
                    (long long)told);
        else if (json_integer_value(v) != told)
            problem(c, "\"%s\" was acknowledged at version %lld but is in commit %lld", key,
                    (long long)told, (long long)json_integer_value(v));
        c->acked++;
        c->recovered += json_is_true(json_array_get(val, 1));
    }
    for (int id = 0; id < MAX_WRITERS; id++) {
        if (a->present[id] && a->count[id] != a->max[id])
            problem(c, "writer %d acknowledged %lld transactions but up to seq %lld", id,
                    (long long)a->count[id], (long long)a->max[id]);
    }
    json_object_foreach(c->seen, key, val)
    {
        long long id, seq;
        if (key[0] != 'w' || sscanf(key, "w %lld %lld", &id, &seq) != 2 ||
            json_object_get(a->by_key, key))
            continue;
        int64_t max = id >= 0 && id < MAX_WRITERS ? a->max[id] : 0;
        if (seq <= max)
            problem(c, "\"%s\" is in commit %lld but was never acknowledged", key,
                    (long long)json_integer_value(val));
        else if (c->final && seq != max + 1)
            problem(c, "\"%s\" is in commit %lld, beyond the one transaction in flight", key,
                    (long long)json_integer_value(val));
        else
            c->in_flight++;
    }
}

/* ---- outcomes (the concurrent mix) ---- */

/* Read every ROOT.outcomes/ID file (JSON lines) into one array. */
static json_t *load_outcomes(checker *c, const char *root)
{
    char path[4200];
    json_t *all = NULL;
    for (int id = 0; id < MAX_WRITERS; id++) {
        snprintf(path, sizeof path, "%s.outcomes/%d", root, id);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!all)
            all = json_array();
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
            json_error_t je;
            json_t *rec = json_loadb(line, (size_t)n, 0, &je);
            if (!rec)
                problem(c, "%s: unreadable outcome line: %s", path, je.text);
            else
                json_array_append_new(all, rec);
        }
        free(line); /* getline's allocation */
        fclose(f);
    }
    return all;
}

static const json_t *txn_in_entry(const json_t *entry, const char *txn_id)
{
    size_t i;
    json_t *txn;
    json_array_foreach(json_object_get(entry, "transactions"), i, txn)
    {
        const char *id = jstr(txn, "id");
        if (id && txn_id && !strcmp(id, txn_id))
            return txn;
    }
    return NULL;
}

static bool touches(const json_t *ops, const char *table_id)
{
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op)
    {
        const char *t = jstr(op, "table_id");
        if (t && !strcmp(t, table_id))
            return true;
    }
    return false;
}

/* A reported conflict was a real one (design note 4). */
static void check_conflict(checker *c, const json_t *rec, const char *key)
{
    const char *msg = jstr(rec, "message");
    const json_t *ops = json_object_get(rec, "ops");
    dc_read_set reads = {json_object_get(json_object_get(rec, "reads"), "data"),
                         json_object_get(json_object_get(rec, "reads"), "metadata")};
    if (json_object_get(c->seen, key) || json_object_get(c->txn_ids, jstr(rec, "txn_id"))) {
        problem(c, "\"%s\" reported a conflict but is in the log", key);
        return;
    }
    /* "conflict on table NAME: ...; transaction ID[ by AUTHOR] committed first as version N." */
    char table[256] = "", winner[64] = "";
    long long wv = 0;
    const char *t = msg ? strstr(msg, "conflict on table ") : NULL;
    const char *w = msg ? strstr(msg, "; transaction ") : NULL;
    const char *ver = msg ? strstr(msg, "committed first as version ") : NULL;
    if (t)
        sscanf(t + strlen("conflict on table "), "%255[^:]", table);
    if (w)
        sscanf(w + strlen("; transaction "), "%63[^ ]", winner);
    if (ver)
        sscanf(ver + strlen("committed first as version "), "%lld", &wv);
    if (!table[0] || !winner[0] || wv <= 0) {
        problem(c, "\"%s\": a conflict that names no table and winner: %s", key,
                msg ? msg : "(no message)");
        return;
    }
    if (wv <= jint(rec, "read_version") || wv > (int64_t)json_array_size(c->entries)) {
        problem(c, "\"%s\" (read version %lld) names a winner at version %lld, which is not "
                "in the log after its read version",
                key, (long long)jint(rec, "read_version"), wv);
        return;
    }
    const json_t *wt = txn_in_entry(json_array_get(c->entries, (size_t)wv - 1), winner);
    if (!wt) {
        problem(c, "\"%s\" names winner %s at version %lld, which holds no such transaction",
                key, winner, wv);
        return;
    }
    /* Table names are their ids in these tests. */
    if (!touches(json_object_get(wt, "operations"), table) ||
        (!touches(ops, table) && !json_object_get(reads.data_reads, table) &&
         !json_object_get(reads.metadata_reads, table)))
        problem(c, "\"%s\": the conflict names table %s, which the winner or the loser does "
                "not touch",
                key, table);
    if (dc_conflict_check(ops, &reads, wt, wv, c->state, NULL) != DC_ECONFLICT)
        problem(c, "\"%s\" was refused, but by FORMAT.md 6.2 it does not conflict with the "
                "winner it names (%s at %lld)",
                key, winner, wv);
}

/* Every outcome a process saw is what the log says; every commit passed the rules
 * against every transaction it raced (design note 4). */
static void check_outcomes(checker *c, const json_t *outcomes)
{
    json_t *by_key = json_object(); /* "c ID SEQ" -> record of a commit */
    size_t i;
    json_t *rec;
    json_array_foreach(outcomes, i, rec)
    {
        char key[64];
        snprintf(key, sizeof key, "c %lld %lld", (long long)jint(rec, "proc"),
                 (long long)jint(rec, "seq"));
        const char *status = jstr(rec, "status");
        if (status && !strcmp(status, "committed")) {
            c->mix_committed++;
            json_object_set(by_key, key, rec);
            json_t *v = json_object_get(c->seen, key);
            int64_t told = jint(rec, "version");
            const json_t *txn =
                v ? txn_in_entry(json_array_get(c->entries, (size_t)json_integer_value(v) - 1),
                                 jstr(rec, "txn_id"))
                  : NULL;
            if (!v)
                problem(c, "\"%s\" was told it committed at %lld but is not in the log", key,
                        (long long)told);
            else if (json_integer_value(v) != told)
                problem(c, "\"%s\" was told it committed at %lld but is in commit %lld", key,
                        (long long)told, (long long)json_integer_value(v));
            else if (!txn || !json_equal(json_object_get(txn, "operations"),
                                         json_object_get(rec, "ops")) ||
                     jint(txn, "read_version") != jint(rec, "read_version"))
                problem(c, "\"%s\" at %lld is not the transaction the process committed", key,
                        (long long)told);
        } else if (status && !strcmp(status, "conflict")) {
            c->mix_conflicts++;
            for (size_t k = 0; k < DC_ARRAY_LEN(MIX_KINDS); k++)
                if (jstr(rec, "kind") && !strcmp(jstr(rec, "kind"), MIX_KINDS[k]))
                    c->conflicts_by_kind[k]++;
            check_conflict(c, rec, key);
        } else {
            problem(c, "an outcome without a status");
        }
    }
    /* Nothing committed that its process did not see commit, and no commit slipped past
     * a conflicting transaction in its window (read_version, version). */
    for (int64_t v = 1; v <= (int64_t)json_array_size(c->entries); v++) {
        json_t *txn;
        json_array_foreach(json_object_get(json_array_get(c->entries, (size_t)v - 1),
                                           "transactions"),
                           i, txn)
        {
            const char *msg = jstr(txn, "message");
            json_t *r = msg ? json_object_get(by_key, msg) : NULL;
            if (msg && msg[0] == 'c' && !r && c->final)
                problem(c, "commit %lld holds \"%s\", which its process never saw commit",
                        (long long)v, msg);
            dc_read_set reads = {NULL, NULL};
            if (r) {
                reads.data_reads = json_object_get(json_object_get(r, "reads"), "data");
                reads.metadata_reads = json_object_get(json_object_get(r, "reads"), "metadata");
            }
            const json_t *ops = json_object_get(txn, "operations");
            for (int64_t w = jint(txn, "read_version") + 1; w < v; w++) {
                size_t j;
                json_t *wt;
                json_array_foreach(json_object_get(json_array_get(c->entries, (size_t)w - 1),
                                                   "transactions"),
                                   j, wt)
                {
                    dc_error e;
                    c->pairs_checked++;
                    if (dc_conflict_check(ops, &reads, wt, w, c->state, &e) != DC_OK)
                        problem(c, "commit %lld (\"%s\", read version %lld) was accepted but "
                                "conflicts with commit %lld: %s",
                                (long long)v, msg ? msg : "", (long long)jint(txn, "read_version"),
                                (long long)w, e.message);
                }
            }
        }
    }
    json_decref(by_key);
}

/* With DC_WRITER_DATA_MAX: the data file of every committed loop transaction is there,
 * whole (it was written before the commit that names it). */
static void check_data(checker *c, dc_fs *fs)
{
    int64_t max = data_max();
    const char *key;
    json_t *val;
    if (max <= 0)
        return;
    json_object_foreach(c->seen, key, val)
    {
        long long id, seq;
        char path[256];
        int64_t size;
        dc_fs_info st;
        dc_error e;
        if (key[0] != 'w' || sscanf(key, "w %lld %lld", &id, &seq) != 2)
            continue;
        loop_data(id, seq, max, path, sizeof path, &size);
        dc_status rc = dc_fs_stat(fs, path, &st, &e);
        if (rc != DC_OK)
            problem(c, "commit %lld (\"%s\") names %s, which cannot be read: %s",
                    (long long)json_integer_value(val), key, path, e.message);
        else if (st.size != size)
            problem(c, "commit %lld (\"%s\") names %s of %lld bytes, but it has %lld",
                    (long long)json_integer_value(val), key, path, (long long)size,
                    (long long)st.size);
        else
            c->data_files++;
    }
}

/*
 * Check the catalog in `fs` (design note 3) against the acknowledgements (loop writers,
 * may be NULL) and the outcomes (the mix, may be NULL). Prints every problem and a
 * summary; returns the number of problems.
 */
static int64_t check_catalog(dc_fs *fs, acks *a, json_t *outcomes, bool final)
{
    int64_t t0 = dc_clock_mono_ns();
    checker c = {.final = final};
    dc_store *s = NULL;
    dc_snapshot *latest = NULL;
    dc_error e;
    c.seen = json_object();
    c.txn_ids = json_object();
    c.live = json_object();
    c.entries = outcomes ? json_array() : NULL;
    if (dc_store_open(&s, fs, NULL, &e) != DC_OK) {
        problem(&c, "the catalog does not open: %s", e.message);
        goto done;
    }
    if (dc_store_snapshot_latest(s, &latest, &e) != DC_OK) {
        problem(&c, "the latest snapshot does not open: %s", e.message);
        goto done;
    }
    check_log(&c, fs, s);
    if (latest->version > c.latest)
        problem(&c, "the latest snapshot is at %lld, past the latest version %lld",
                (long long)latest->version, (long long)c.latest);
    if (a)
        check_acks(&c, a);
    if (outcomes)
        check_outcomes(&c, outcomes);
    check_data(&c, fs);
done:
    printf("check %s: %lld versions, %lld writer + %lld mix + %lld setup transactions, "
           "%lld checkpoints equal to the replay, %lld live files",
           c.problems ? "FAILED" : "ok", (long long)c.latest, (long long)c.writer_txns,
           (long long)c.mix_txns, (long long)c.setup_txns, (long long)c.checkpoints,
           (long long)c.live_files);
    if (a)
        printf("; %lld acknowledged (%lld recovered after a kill), %lld committed in flight, "
               "%lld torn ack lines",
               (long long)c.acked, (long long)c.recovered, (long long)c.in_flight,
               (long long)c.torn_lines);
    if (data_max() > 0)
        printf("; %lld data files whole", (long long)c.data_files);
    if (outcomes) {
        printf("; mix: %lld committed, %lld conflicts (", (long long)c.mix_committed,
               (long long)c.mix_conflicts);
        for (size_t k = 0; k < DC_ARRAY_LEN(MIX_KINDS); k++)
            printf("%s%s %lld", k ? ", " : "", MIX_KINDS[k], (long long)c.conflicts_by_kind[k]);
        printf("), %lld commit pairs checked against the rules", (long long)c.pairs_checked);
    }
    printf("; %lld problems; %.2f s\n", (long long)c.problems,
           (double)(dc_clock_mono_ns() - t0) / 1e9);
    fflush(stdout);
    dc_snapshot_unref(latest);
    dc_store_unref(s);
    json_decref(c.seen);
    json_decref(c.txn_ids);
    json_decref(c.live);
    json_decref(c.entries);
    json_decref(c.state);
    return c.problems;
}

static int run_check(const char *root, bool final)
{
    dc_error e;
    dc_fs *fs = NULL;
    checker pre = {.final = final};
    acks a;
    char dir[4200];
    if (open_root(&fs, root, false, &e) != DC_OK) {
        printf("FAIL: the catalog root does not open: %s\n", e.message);
        return 1;
    }
    /* Acknowledgements and outcomes first: whatever they claim is then in the log. */
    const char *side = side_of(root);
    load_acks(&pre, side, &a);
    json_t *outcomes = load_outcomes(&pre, side);
    snprintf(dir, sizeof dir, "%s.acks", side);
    bool have_acks = access(dir, F_OK) == 0;
    int64_t problems = pre.problems + check_catalog(fs, have_acks ? &a : NULL, outcomes, final);
    json_decref(a.by_key);
    json_decref(outcomes);
    dc_fs_unref(fs);
    return problems ? 1 : 0;
}

/* ---- gc mode ---- */

/* Every data file the log's add_delta operations name, as {path: version}. */
static json_t *named_files(dc_store *s, int64_t latest, dc_error *e)
{
    json_t *named = json_object();
    for (int64_t v = 1; v <= latest; v++) {
        json_t *entry = NULL;
        if (dc_store_read_entry(s, v, &entry, e) != DC_OK) {
            json_decref(named);
            return NULL;
        }
        size_t i, j, k;
        json_t *txn, *op, *f;
        json_array_foreach(json_object_get(entry, "transactions"), i, txn)
            json_array_foreach(json_object_get(txn, "operations"), j, op)
                json_array_foreach(json_object_get(op, "files"), k, f)
                    json_object_set_new(named, jstr(f, "path"), json_integer(v));
        json_decref(entry);
    }
    return named;
}

static int run_gc(const char *root)
{
    dc_error e;
    dc_fs *fs = NULL;
    dc_store *s = NULL;
    dc_gc_report r = {0};
    dc_fs_listing l = {0};
    int64_t problems = 0, latest = 0;
    json_t *named = NULL;
    if (open_store(&fs, &s, root, false, &e) != DC_OK) {
        printf("FAIL: the catalog does not open: %s\n", e.message);
        return 1;
    }
    if (dc_store_gc(s, &(dc_gc_options){.grace_ns = -1}, &r, &e) != DC_OK) {
        printf("FAIL: gc: %s\n", e.message);
        problems++;
        goto done;
    }
    printf("gc: removed %lld data files, %lld temporaries (multipart uploads on S3), %lld "
           "checkpoint files, %lld bytes",
           (long long)r.data_files, (long long)r.temporaries, (long long)r.checkpoint_files,
           (long long)r.bytes);
    /* nothing left behind: no temporary, no data file that no commit names */
    if (dc_fs_sweep_temporaries(fs, 0, true, &l, NULL, &e) != DC_OK) {
        printf("\nFAIL: cannot look for temporaries: %s", e.message);
        problems++;
    } else if (l.n > 0) {
        printf("\nFAIL: %lld temporaries are left after the collection, %s first", (long long)l.n,
               l.entries[0].key);
        problems++;
    }
    dc_fs_listing_free(&l);
    if (dc_store_latest_version(s, &latest, &e) != DC_OK || !(named = named_files(s, latest, &e))) {
        printf("\nFAIL: cannot read the log: %s", e.message);
        problems++;
        goto done;
    }
    if (dc_fs_list_all(fs, "data/", true, &l, &e) != DC_OK) {
        printf("\nFAIL: cannot list data/: %s", e.message);
        problems++;
    }
    for (int64_t i = 0; i < l.n; i++) {
        if (!json_object_get(named, l.entries[i].key)) {
            if (problems++ < MAX_PROBLEMS_SHOWN)
                printf("\nFAIL: %s is left in data/ but no commit names it", l.entries[i].key);
        }
    }
    printf("; %lld data files left, all named by the log's %lld commits\n", (long long)l.n,
           (long long)latest);
done:
    dc_fs_listing_free(&l);
    json_decref(named);
    dc_gc_report_free(&r);
    dc_store_unref(s);
    dc_fs_unref(fs);
    return problems ? 1 : 0;
}

/* ---- threads mode ---- */

typedef struct thread_arg {
    int id;
    int n;
    dc_store *store;
    json_t *records;
    int64_t committed, conflicts;
} thread_arg;

static void *mix_thread(void *p)
{
    thread_arg *ta = p;
    sink out = {.fd = -1, .records = ta->records};
    run_mix(ta->store, ta->id, ta->n, 500, &out, &ta->committed, &ta->conflicts);
    return NULL;
}

static int run_threads(int nthreads, int n)
{
    dc_error e;
    char name[64];
    snprintf(name, sizeof name, "dc-test-writer-%ld", (long)getpid());
    dc_fs *fs = NULL;
    dc_store *s = NULL;
    if (nthreads < 1 || nthreads > MAX_WRITERS || n < 1) {
        fprintf(stderr, "dc-test-writer: threads needs 1 to %d threads and N >= 1\n",
                MAX_WRITERS);
        return 2;
    }
    if (dc_fs_memory_open(&fs, name, NULL, &e) != DC_OK ||
        dc_store_open(&s, fs, &(dc_store_options){.create = true, .checkpoint_interval = 8},
                      &e) != DC_OK)
        die("memory store", &e);
    thread_arg *ta = dc_calloc((size_t)nthreads, sizeof *ta);
    pthread_t *th = dc_calloc((size_t)nthreads, sizeof *th);
    if (!ta || !th)
        die("out of memory", NULL);
    for (int i = 0; i < nthreads; i++) {
        dc_fs *own = NULL; /* one handle and one store per thread, as separate processes */
        if (dc_fs_memory_open(&own, name, NULL, &e) != DC_OK ||
            dc_store_open(&ta[i].store, own, NULL, &e) != DC_OK)
            die("memory store", &e);
        dc_fs_unref(own);
        ta[i].id = i;
        ta[i].n = n;
        ta[i].records = json_array();
        if (pthread_create(&th[i], NULL, mix_thread, &ta[i]) != 0)
            die("pthread_create", NULL);
    }
    json_t *all = json_array();
    int64_t committed = 0, conflicts = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        json_array_extend(all, ta[i].records);
        json_decref(ta[i].records);
        dc_store_unref(ta[i].store);
        committed += ta[i].committed;
        conflicts += ta[i].conflicts;
    }
    printf("threads: %d x %d transactions: %lld committed, %lld conflicts\n", nthreads, n,
           (long long)committed, (long long)conflicts);
    int64_t problems = check_catalog(fs, NULL, all, true);
    if (conflicts == 0) {
        puts("FAIL: the mix produced no conflict at all; it is meant to");
        problems++;
    }
    json_decref(all);
    dc_free(ta);
    dc_free(th);
    dc_store_unref(s);
    dc_fs_unref(fs);
    dc_fs_memory_drop(name, NULL);
    return problems ? 1 : 0;
}

static int usage(void)
{
    fputs("usage: dc-test-writer loop ROOT ID N | concurrent ROOT ID N | check [--final] ROOT |"
          " threads T N | gc ROOT\n",
          stderr);
    return 2;
}

static bool parse_int(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    int64_t a = 0, b = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && !strcmp(argv[1], "loop") && parse_int(argv[3], &a) && parse_int(argv[4], &b))
        return run_loop(argv[2], a, b);
    if (argc == 5 && !strcmp(argv[1], "concurrent") && parse_int(argv[3], &a) &&
        parse_int(argv[4], &b) && a < MAX_WRITERS)
        return run_concurrent(argv[2], a, b);
    if (argc == 3 && !strcmp(argv[1], "check"))
        return run_check(argv[2], false);
    if (argc == 4 && !strcmp(argv[1], "check") && !strcmp(argv[2], "--final"))
        return run_check(argv[3], true);
    if (argc == 3 && !strcmp(argv[1], "gc"))
        return run_gc(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "threads") && parse_int(argv[2], &a) &&
        parse_int(argv[3], &b))
        return run_threads((int)a, (int)b);
    return usage();
}
