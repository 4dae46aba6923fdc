/*
 * group_commit.c -> dc-bench-group_commit: commits per second with group commit
 * (groups of G, default 16) against one commit per transaction, on the local
 * backend with fsync (FORMAT.md 7).
 *
 *   dc-bench-group_commit [DIR] [TRANSACTIONS] [G]
 *
 * Each transaction adds one delta (one file entry) to one of 16 tables. DIR
 * (default /tmp) receives two fresh catalogs that are removed at the end.
 */
#include "storage/lifecycle_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const dc_error *e)
{
    fprintf(stderr, "dc-bench-group_commit: %s: %s\n", what, e ? e->message : "");
    exit(1);
}

static dc_store *open_store(const char *root)
{
    dc_fs *fs = NULL;
    dc_store *s = NULL;
    dc_error e;
    dc_fs_local_options lo = {.create_root = true};
    if (dc_fs_local_open(&fs, root, &lo, &e) != DC_OK)
        die("open the directory", &e);
    dc_store_options so = {.create = true};
    if (dc_store_open(&s, fs, &so, &e) != DC_OK)
        die("create the catalog", &e);
    dc_fs_unref(fs);
    return s;
}

static void add(dc_stxn *t, json_t *op)
{
    dc_error e;
    if (!op || dc_stxn_add_op(t, op, &e) != DC_OK)
        die("add an operation", &e);
    json_decref(op);
}

static dc_stxn *one(dc_store *s, int i)
{
    dc_stxn *t = NULL;
    dc_error e;
    char tid[16], path[64];
    snprintf(tid, sizeof tid, "t%d", i % 16);
    snprintf(path, sizeof path, "data/%s/f%d.parquet", tid, i);
    if (dc_stxn_begin(&t, s, NULL, &e) != DC_OK)
        die("begin", &e);
    add(t, json_pack("{s:s, s:s, s:i, s:s, s:s, s:[{s:s, s:i, s:i}]}", "op", "add_delta",
                     "table_id", tid, "table_version", 1, "partition", "p", "delta_type", "add",
                     "files", "path", path, "record_count", 10, "file_size", 100));
    return t;
}

static void setup(dc_store *s)
{
    dc_stxn *t = NULL;
    dc_error e;
    if (dc_stxn_begin(&t, s, NULL, &e) != DC_OK)
        die("begin", &e);
    add(t, json_pack("{s:s, s:s, s:s}", "op", "create_namespace", "namespace_id", "ns", "name",
                     "ns"));
    for (int i = 0; i < 16; i++) {
        char tid[16];
        snprintf(tid, sizeof tid, "t%d", i);
        add(t, json_pack("{s:s, s:s, s:s, s:s}", "op", "create_table", "table_id", tid,
                         "namespace_id", "ns", "name", tid));
        add(t, json_pack("{s:s, s:s, s:i, s:{}}", "op", "create_table_version", "table_id", tid,
                         "table_version", 1, "schema"));
    }
    if (dc_stxn_commit(t, "setup", NULL, &e) != DC_OK)
        die("setup", &e);
    dc_stxn_free(t);
}

static double run(const char *root, int n, int g)
{
    dc_store *s = open_store(root);
    setup(s);
    dc_stxn **ts = calloc((size_t)g, sizeof *ts);
    dc_status *res = calloc((size_t)g, sizeof *res);
    int64_t t0 = dc_clock_now_ns();
    for (int i = 0; i < n; i += g) {
        int k = n - i < g ? n - i : g;
        for (int j = 0; j < k; j++)
            ts[j] = one(s, i + j);
        if (g == 1) {
            dc_error e;
            if (dc_stxn_commit(ts[0], NULL, NULL, &e) != DC_OK)
                die("commit", &e);
        } else {
            if (dc_stxn_commit_group(ts, k, NULL, res, NULL, NULL) != DC_OK)
                die("group commit", NULL);
            for (int j = 0; j < k; j++)
                if (res[j] != DC_OK)
                    die("a group member failed", NULL);
        }
        for (int j = 0; j < k; j++)
            dc_stxn_free(ts[j]);
    }
    double secs = (double)(dc_clock_now_ns() - t0) / 1e9;
    free(ts);
    free(res);
    dc_store_unref(s);
    return n / secs;
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : "/tmp";
    int n = argc > 2 ? atoi(argv[2]) : 512;
    int g = argc > 3 ? atoi(argv[3]) : 16;
    if (n <= 0 || g <= 0) {
        fprintf(stderr, "usage: dc-bench-group_commit [DIR] [TRANSACTIONS > 0] [GROUP > 0]\n");
        return 2;
    }
    char a[4096], b[4096], cmd[8400];
    snprintf(a, sizeof a, "%s/dc-bench-group-1-%ld", base, (long)getpid());
    snprintf(b, sizeof b, "%s/dc-bench-group-%d-%ld", base, g, (long)getpid());
    double single = run(a, n, 1), grouped = run(b, n, g);
    printf("transactions: %d (one ADD each, fsync on)\n", n);
    printf("single commits:       %10.1f commits/s\n", single);
    printf("group commit of %-4d  %10.1f commits/s  (%.1fx)\n", g, grouped, grouped / single);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", a, b);
    if (system(cmd) != 0)
        fprintf(stderr, "dc-bench-group_commit: could not remove %s and %s\n", a, b);
    return 0;
}
