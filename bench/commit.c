/*
 * commit.c -> dc-bench-commit: the commit protocol's costs (issue "catalog format").
 *
 *   dc-bench-commit latency [DIR] [N]          small metadata-only commits vs one
 *                                               fsync'd small-file create, same run
 *   dc-bench-commit throughput [DIR] [SECONDS]  commits/s with 1, 2 and 8 writer
 *                                               processes, disjoint tables and one table
 *   dc-bench-commit open [DIR] [MAX]            time to open the latest state and a past
 *                                               state at 10, 1000, 10000, 100000 commits
 *
 * DIR (default /tmp) receives a fresh catalog that is removed at the end. Latency
 * and throughput use fsync (the real protocol); the open benchmark builds its
 * catalogs with fsync off (building 100,000 durable commits would take minutes and
 * durability is not what it measures) and then opens them with fresh handles; its
 * table keeps 1,000 live files (each commit adds one and retires the oldest), so
 * every version's state is the same size.
 */
#include "bench_commit.h"
#include "storage/storage_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what, const dc_error *e)
{
    fprintf(stderr, "dc-bench-commit: %s: %s\n", what, e ? e->message : "");
    exit(1);
}

static char *fresh_dir(const char *base, const char *name)
{
    char *p = malloc(4096);
    snprintf(p, 4096, "%s/dc-bench-%s-%ld", base, name, (long)getpid());
    if (mkdir(p, 0755) != 0)
        die("cannot create the work directory", NULL);
    return p;
}

static void rm_rf(const char *p)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    if (system(cmd) != 0)
        fprintf(stderr, "dc-bench-commit: could not remove %s\n", p);
}

static dc_store *open_store(const char *root, bool fsync_on, int64_t interval)
{
    dc_fs *fs = NULL;
    dc_store *s = NULL;
    dc_error e;
    dc_fs_local_options lo = {.create_root = true, .no_fsync = !fsync_on};
    if (dc_fs_local_open(&fs, root, &lo, &e) != DC_OK)
        die("open fs", &e);
    dc_store_options so = {.create = true, .checkpoint_interval = interval};
    if (dc_store_open(&s, fs, &so, &e) != DC_OK)
        die("open store", &e);
    dc_fs_unref(fs);
    return s;
}

/* One small metadata-only transaction: create a namespace (or a table). */
static int64_t raw_create(const char *dir, int i)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/raw-%d", dir, i);
    char buf[300];
    memset(buf, 'x', sizeof buf);
    int64_t t0 = dc_clock_mono_ns();
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf || fsync(fd) != 0)
        die("raw create failed", NULL);
    close(fd);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    fsync(dfd);
    close(dfd);
    return dc_clock_mono_ns() - t0;
}

static int bench_latency(const char *base, int n)
{
    char *dir = fresh_dir(base, "latency");
    char root[4200], raw[4200];
    snprintf(root, sizeof root, "%s/catalog", dir);
    snprintf(raw, sizeof raw, "%s/raw", dir);
    mkdir(raw, 0755);
    dc_store *s = open_store(root, true, 0);
    int64_t *a = calloc((size_t)n, 8), *b = calloc((size_t)n, 8);
    dc_error e;
    for (int i = 0; i < n; i++) { /* interleaved so both see the same disk */
        a[i] = raw_create(raw, i);
        char name[32];
        snprintf(name, sizeof name, "ns%d", i);
        int64_t t0 = dc_clock_mono_ns();
        if (bench_commit_namespace(s, name, 0, &e) != DC_OK)
            die("commit", &e);
        b[i] = dc_clock_mono_ns() - t0;
    }
    qsort(a, (size_t)n, 8, bench_cmp_i64);
    qsort(b, (size_t)n, 8, bench_cmp_i64);
    printf("| what | median us | p99 us |\n|---|---:|---:|\n");
    printf("| fsync'd small-file create (open O_EXCL, write 300 B, fsync, fsync dir) | %.0f | %.0f "
           "|\n",
           a[n / 2] / 1e3, a[n * 99 / 100] / 1e3);
    printf("| commit of a small metadata-only transaction | %.0f | %.0f |\n", b[n / 2] / 1e3,
           b[n * 99 / 100] / 1e3);
    printf("\nratio commit / create: median %.2f, p99 %.2f (n = %d each, interleaved)\n",
           (double)b[n / 2] / (double)a[n / 2], (double)b[n * 99 / 100] / (double)a[n * 99 / 100],
           n);
    dc_store_unref(s);
    rm_rf(dir);
    free(a);
    free(b);
    free(dir);
    return 0;
}

/* A writer process: commits for `seconds`, to its own table or the shared one. */
static void writer(const char *root, int id, bool shared, double seconds, int fd)
{
    dc_store *s = open_store(root, true, 0);
    dc_error e;
    int64_t end = dc_clock_mono_ns() + (int64_t)(seconds * 1e9), commits = 0, conflicts = 0;
    char table[64];
    snprintf(table, sizeof table, shared ? "shared" : "own%d", id);
    for (int i = 0; dc_clock_mono_ns() < end; i++) {
        dc_status rc = bench_commit_add(s, table, id, i, &e);
        if (rc == DC_OK)
            commits++;
        else if (rc == DC_ECONFLICT)
            conflicts++;
        else
            die("commit", &e);
    }
    dprintf(fd, "%lld %lld\n", (long long)commits, (long long)conflicts);
    dc_store_unref(s);
    _exit(0);
}

static void setup_tables(dc_store *s, int n)
{
    dc_error e;
    dc_stxn *t = NULL;
    if (dc_stxn_begin(&t, s, NULL, &e) != DC_OK)
        die("begin", &e);
    json_t *ops = json_pack("[{s:s, s:s, s:s}]", "op", "create_namespace", "namespace_id", "ns",
                            "name", "default");
    for (int i = -1; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, i < 0 ? "shared" : "own%d", i);
        json_array_append_new(ops, json_pack("{s:s, s:s, s:s, s:s}", "op", "create_table",
                                             "table_id", id, "namespace_id", "ns", "name", id));
        json_array_append_new(ops, json_pack("{s:s, s:s, s:i, s:{}}", "op", "create_table_version",
                                             "table_id", id, "table_version", 1, "schema"));
    }
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op) if (dc_stxn_add_op(t, op, &e) != DC_OK) die("setup", &e);
    json_decref(ops);
    if (dc_stxn_commit(t, "setup", NULL, &e) != DC_OK)
        die("setup commit", &e);
    dc_stxn_free(t);
}

static int bench_throughput(const char *base, double seconds)
{
    static const int writers[] = {1, 2, 8};
    printf("| writers | tables | commits/s | conflicts/s |\n|---:|---|---:|---:|\n");
    for (int shared = 0; shared <= 1; shared++) {
        for (size_t w = 0; w < 3; w++) {
            char *dir = fresh_dir(base, "tput");
            dc_store *s = open_store(dir, true, 0);
            setup_tables(s, 8);
            dc_store_unref(s);
            int pipes[8][2];
            pid_t pids[8];
            for (int i = 0; i < writers[w]; i++) {
                if (pipe(pipes[i]) != 0)
                    die("pipe", NULL);
                pids[i] = fork();
                if (pids[i] == 0) {
                    close(pipes[i][0]);
                    writer(dir, i, shared, seconds, pipes[i][1]);
                }
                close(pipes[i][1]);
            }
            long long commits = 0, conflicts = 0;
            for (int i = 0; i < writers[w]; i++) {
                char buf[64] = {0};
                if (read(pipes[i][0], buf, sizeof buf - 1) > 0) {
                    long long c = 0, k = 0;
                    sscanf(buf, "%lld %lld", &c, &k);
                    commits += c;
                    conflicts += k;
                }
                close(pipes[i][0]);
                waitpid(pids[i], NULL, 0);
            }
            printf("| %d | %s | %.0f | %.0f |\n", writers[w],
                   shared ? "one shared table" : "disjoint", commits / seconds,
                   conflicts / seconds);
            fflush(stdout);
            rm_rf(dir);
            free(dir);
        }
    }
    return 0;
}

/* Live files in the table of the open benchmark: each commit past this adds one
 * file and removes the oldest, so every version's state has the same size and the
 * benchmark measures the protocol (finding and replaying versions), not the state. */
#define LIVE_FILES 1000

static int bench_open(const char *base, int64_t max)
{
    static const int64_t sizes[] = {10, 1000, 10000, 100000};
    char *dir = fresh_dir(base, "open");
    dc_store *s = open_store(dir, false, 0);
    dc_error e;
    setup_tables(s, 1);
    { /* commit 2: the table's LIVE_FILES first files, in one delta */
        dc_stxn *t = NULL;
        json_t *files = json_array();
        for (int i = 0; i < LIVE_FILES; i++) {
            char path[128];
            snprintf(path, sizeof path, "data/own0/init%d.parquet", i);
            json_array_append_new(files, json_pack("{s:s, s:i, s:i}", "path", path, "record_count",
                                                   1, "file_size", 1));
        }
        json_t *op =
            json_pack("{s:s, s:s, s:i, s:s, s:s, s:o}", "op", "add_delta", "table_id", "own0",
                      "table_version", 1, "partition", "", "delta_type", "add", "files", files);
        if (dc_stxn_begin(&t, s, NULL, &e) != DC_OK || dc_stxn_add_op(t, op, &e) != DC_OK ||
            dc_stxn_commit(t, "initial files", NULL, &e) != DC_OK)
            die("initial files", &e);
        json_decref(op);
        dc_stxn_free(t);
    }
    int64_t done = 2;
    printf("| commits | open latest ms | entries read | open past (half-way) ms | entries read |\n"
           "|---:|---:|---:|---:|---:|\n");
    for (size_t k = 0; k < 4 && sizes[k] <= max; k++) {
        for (; done < sizes[k]; done++) {
            dc_stxn *t = NULL;
            if (dc_stxn_begin(&t, s, NULL, &e) != DC_OK)
                die("begin", &e);
            char path[128], old[128];
            snprintf(path, sizeof path, "data/own0/f%lld.parquet", (long long)done);
            json_t *op =
                json_pack("{s:s, s:s, s:i, s:s, s:s, s:[{s:s, s:i, s:i}]}", "op", "add_delta",
                          "table_id", "own0", "table_version", 1, "partition", "", "delta_type",
                          "add", "files", "path", path, "record_count", 1, "file_size", 1);
            if (dc_stxn_add_op(t, op, &e) != DC_OK)
                die("add", &e);
            json_decref(op);
            { /* keep the state the same size: retire the oldest live file */
                int64_t r = done - 2; /* removals so far: the initial files go first */
                if (r < LIVE_FILES)
                    snprintf(old, sizeof old, "data/own0/init%lld.parquet", (long long)r);
                else
                    snprintf(old, sizeof old, "data/own0/f%lld.parquet",
                             (long long)(r - LIVE_FILES + 2));
                op = json_pack("{s:s, s:s, s:i, s:s, s:[s]}", "op", "remove_files", "table_id",
                               "own0", "table_version", 1, "partition", "", "paths", old);
                if (dc_stxn_add_op(t, op, &e) != DC_OK)
                    die("remove", &e);
                json_decref(op);
            }
            if (dc_stxn_commit(t, NULL, NULL, &e) != DC_OK)
                die("commit", &e);
            dc_stxn_free(t);
        }
        double best_latest = 1e18, best_past = 1e18;
        int64_t read_latest = 0, read_past = 0;
        for (int rep = 0; rep < 5; rep++) {
            dc_store *o = NULL;
            dc_fs *fs = NULL;
            dc_snapshot *snap = NULL;
            dc_fs_local_open(&fs, dir, NULL, &e);
            dc_store_open(&o, fs, NULL, &e);
            int64_t t0 = dc_clock_mono_ns();
            if (dc_store_snapshot_latest(o, &snap, &e) != DC_OK)
                die("open latest", &e);
            double ms = (dc_clock_mono_ns() - t0) / 1e6;
            dc_store_stats st;
            dc_store_stats_get(o, &st);
            if (ms < best_latest) {
                best_latest = ms;
                read_latest = st.entries_read;
            }
            dc_snapshot_unref(snap);
            dc_store_unref(o);
            dc_store_open(&o, fs, NULL, &e);
            t0 = dc_clock_mono_ns();
            if (dc_store_snapshot_at(o, sizes[k] / 2 + 3, &snap, &e) != DC_OK)
                die("open past", &e);
            ms = (dc_clock_mono_ns() - t0) / 1e6;
            dc_store_stats_get(o, &st);
            if (ms < best_past) {
                best_past = ms;
                read_past = st.entries_read;
            }
            dc_snapshot_unref(snap);
            dc_store_unref(o);
            dc_fs_unref(fs);
        }
        printf("| %lld | %.2f | %lld | %.2f | %lld |\n", (long long)sizes[k], best_latest,
               (long long)read_latest, best_past, (long long)read_past);
        fflush(stdout);
    }
    dc_store_unref(s);
    rm_rf(dir);
    free(dir);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    const char *base = argc > 2 ? argv[2] : "/tmp";
    if (!strcmp(mode, "latency"))
        return bench_latency(base, argc > 3 ? atoi(argv[3]) : 1000);
    if (!strcmp(mode, "throughput"))
        return bench_throughput(base, argc > 3 ? atof(argv[3]) : 3.0);
    if (!strcmp(mode, "open"))
        return bench_open(base, argc > 3 ? atoll(argv[3]) : 100000);
    fprintf(stderr, "usage: dc-bench-commit latency|throughput|open [DIR] [N|SECONDS|MAX]\n");
    return 2;
}
