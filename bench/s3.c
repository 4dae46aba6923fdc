/*
 * s3.c -> dc-bench-s3: the S3 backend's costs (issue 9), against any S3 endpoint
 * configured by the AWS_* environment (bench/s3.sh runs it against moto).
 *
 *   dc-bench-s3 latency URL [N]                    small-commit latency against one bare
 *                                                   conditional PUT, same server, same run
 *   dc-bench-s3 throughput URL [SECONDS] [WRITERS]  commits/s and conflicts/s of WRITERS
 *                                                   processes, disjoint tables, then one table
 *   dc-bench-s3 read URL [RUNS] [ROWS]              a projected Parquet read (2 of 8 columns):
 *                                                   bytes fetched against bytes needed
 *
 * URL is "s3://bucket/prefix"; every run works under a fresh "URL/<mode>-<pid>..." prefix
 * (nothing is removed: the store is a throw-away server), except `read`, which keeps its
 * Parquet object at "URL/read/t8-ROWS.parquet" and reuses it when it is already there.
 *
 * latency: N interleaved rounds of (a) a bare put_if_absent of a 300-byte object (one PUT
 * with If-None-Match: *; the fs is opened with no_shape_check so that nothing else is
 * sent), (b) a small metadata-only commit (as dc-bench-commit's: begin, create a
 * namespace, commit) on a catalog opened as a user opens it (the shape check on), and
 * (c) the same commit on a catalog whose fs skips the shape check, and (d) a bare one-key
 * listing after the object (a) wrote (ListObjectsV2 start-after, max-keys 1: what a
 * handle that is up to date sends at begin to learn so), and (e) the commit of (c) with
 * bounded staleness (a begin within 10 s of its handle's last commit trusts it: FORMAT.md
 * 6.5; opt-in, dc_catalog_options.max_staleness_ms). 5 untimed rounds come
 * first (connections, bucket checks). Prints a markdown table (median and p99 in us, the
 * requests each kind made on average) and one line "json {...}".
 *
 * throughput: WRITERS processes (each its own fs and store, opened after the fork) commit
 * one add_delta per transaction for SECONDS, first each to its own table, then all to one
 * table; one markdown row per configuration and one "json" line each.
 *
 * read: an 8-column Parquet file (c0 id int64 ascending, c1..c3 int64 and c4..c7 double,
 * pseudo-random: about 64 bytes a row, snappy does not shrink them; row groups of 131,072
 * rows) is written once through the S3 output (a multipart upload). Then columns c2 and
 * c5 are read into memory RUNS times with the input's prefetch on (the default: the
 * reader names each row group's projected chunks, fetched together and in parallel) and
 * RUNS times with it off (prefetch_parallel = 0: the read-ahead window only). Wall ms is
 * the best run, from opening the object to the last batch; bytes and requests are the
 * client's counters (dc_s3__counters: body bytes of 2xx answers, requests sent) over that
 * run; "needed" is the projected chunks' bytes according to the footer, plus the footer.
 * Prints a markdown table and one "json" line per way.
 */
#include "bench_commit.h"
#include "bench_util.h"
#include "formats/formats_int.h"
#include "formats/parquet/parquet_int.h"
#include "fs/s3_int.h"
#include "storage/storage_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define OBJ_SIZE    300
#define WARMUP      5
#define READ_COLS   8
#define RG_ROWS     131072
#define BATCH_ROWS  65536
#define MAX_WRITERS 64

static void die(const char *what, const dc_error *e)
{
    fprintf(stderr, "dc-bench-s3: %s: %s\n", what, e ? e->message : "");
    exit(1);
}

/* The value at fraction p of the sorted v[0..n) (nearest rank), in microseconds. */
static double pct_us(const int64_t *v, int n, double p)
{
    int i = (int)(p * (n - 1) + 0.5);
    return (double)v[i] / 1e3;
}

static dc_fs *open_fs(const char *url, bool shape_check)
{
    dc_fs *fs = NULL;
    dc_error e;
    dc_fs_s3_options o = {.no_shape_check = !shape_check};
    if (dc_fs_s3_open(&fs, url, &o, &e) != DC_OK)
        die(url, &e);
    return fs;
}

static dc_store *open_store(const char *url, bool shape_check)
{
    dc_fs *fs = open_fs(url, shape_check);
    dc_store *s = NULL;
    dc_error e;
    dc_store_options so = {.create = true};
    if (dc_store_open(&s, fs, &so, &e) != DC_OK)
        die("open store", &e);
    dc_fs_unref(fs);
    return s;
}

static int64_t requests_of(dc_fs *fs)
{
    dc_s3_counters c;
    dc_s3__counters(fs->impl, &c);
    return c.requests;
}

/* ---- latency ---------------------------------------------------------------------------- */

/* One small metadata-only transaction: create a namespace (as dc-bench-commit does). */
typedef struct lat_series {
    const char *what;
    int64_t *ns;
    int64_t requests; /* over the timed rounds */
} lat_series;

static int bench_latency(const char *url, int n)
{
    char base[1024], u[1100];
    snprintf(base, sizeof base, "%s/latency-%ld", url, (long)getpid());
    snprintf(u, sizeof u, "%s/raw", base);
    dc_fs *raw = open_fs(u, false);
    snprintf(u, sizeof u, "%s/catalog", base);
    dc_store *cat = open_store(u, true);
    snprintf(u, sizeof u, "%s/catalog-nsc", base);
    dc_store *nsc = open_store(u, false);
    snprintf(u, sizeof u, "%s/catalog-stale", base);
    dc_store *stale = open_store(u, false);
    lat_series ser[5] = {
        {"bare conditional PUT of 300 B (put_if_absent, no shape check)", NULL, 0},
        {"commit of a small metadata-only transaction (default fs: shape check on)", NULL, 0},
        {"the same commit, fs opened with no_shape_check", NULL, 0},
        {"bare one-key listing after the PUT's key (ListObjectsV2 start-after, max-keys 1)", NULL,
         0},
        {"the same commit with bounded staleness (10 s, opt-in): no listing at begin", NULL, 0},
    };
    for (int k = 0; k < 5; k++)
        if (!(ser[k].ns = calloc((size_t)n, sizeof(int64_t))))
            die("out of memory", NULL);
    uint8_t data[OBJ_SIZE];
    for (int i = 0; i < OBJ_SIZE; i++)
        data[i] = (uint8_t)('a' + i % 26);
    dc_error e;
    for (int i = -WARMUP; i < n; i++) { /* interleaved: drift in the server hits all alike */
        char name[64];
        snprintf(name, sizeof name, "%08d.json", i + WARMUP);
        int64_t r0 = requests_of(raw), t0 = dc_clock_mono_ns();
        if (dc_fs_put_if_absent(raw, name, data, OBJ_SIZE, &e) != DC_OK)
            die("bare put_if_absent", &e);
        int64_t t1 = dc_clock_mono_ns(), r1 = requests_of(raw);
        snprintf(name, sizeof name, "ns%d", i + WARMUP);
        int64_t c0 = requests_of(dc_store_fs(cat));
        if (bench_commit_namespace(cat, name, 0, &e) != DC_OK)
            die("commit", &e);
        int64_t t2 = dc_clock_mono_ns(), c1 = requests_of(dc_store_fs(cat));
        int64_t d0 = requests_of(dc_store_fs(nsc));
        if (bench_commit_namespace(nsc, name, 0, &e) != DC_OK)
            die("commit (no shape check)", &e);
        int64_t t3 = dc_clock_mono_ns(), d1 = requests_of(dc_store_fs(nsc));
        /* what an up-to-date begin asks: is there a key after the one it knows? */
        snprintf(name, sizeof name, "%08d.json", i + WARMUP);
        char *next = NULL;
        int64_t l0 = requests_of(raw), t4 = dc_clock_mono_ns();
        if (dc_fs_first_after(raw, "", name, &next, &e) != DC_OK)
            die("bare listing", &e);
        int64_t t5 = dc_clock_mono_ns(), l1 = requests_of(raw);
        dc_free(next);
        snprintf(name, sizeof name, "ns%d", i + WARMUP);
        int64_t s0 = requests_of(dc_store_fs(stale)), t6 = dc_clock_mono_ns();
        if (bench_commit_namespace(stale, name, 10LL * 1000000000, &e) != DC_OK)
            die("commit (bounded staleness)", &e);
        int64_t t7 = dc_clock_mono_ns(), s1 = requests_of(dc_store_fs(stale));
        if (i < 0)
            continue;
        ser[0].ns[i] = t1 - t0;
        ser[1].ns[i] = t2 - t1;
        ser[2].ns[i] = t3 - t2;
        ser[3].ns[i] = t5 - t4;
        ser[4].ns[i] = t7 - t6;
        ser[4].requests += s1 - s0;
        ser[0].requests += r1 - r0;
        ser[1].requests += c1 - c0;
        ser[2].requests += d1 - d0;
        ser[3].requests += l1 - l0;
    }
    for (int k = 0; k < 5; k++)
        qsort(ser[k].ns, (size_t)n, sizeof(int64_t), bench_cmp_i64);
    printf("| what | median us | p99 us | requests per op |\n|---|---:|---:|---:|\n");
    for (int k = 0; k < 5; k++)
        printf("| %s | %.0f | %.0f | %.2f |\n", ser[k].what, pct_us(ser[k].ns, n, 0.5),
               pct_us(ser[k].ns, n, 0.99), (double)ser[k].requests / n);
    double m0 = pct_us(ser[0].ns, n, 0.5), p0 = pct_us(ser[0].ns, n, 0.99);
    printf("\nratio commit / bare PUT: median %.2f, p99 %.2f; without the shape check: median "
           "%.2f, p99 %.2f (n = %d each, interleaved)\n",
           pct_us(ser[1].ns, n, 0.5) / m0, pct_us(ser[1].ns, n, 0.99) / p0,
           pct_us(ser[2].ns, n, 0.5) / m0, pct_us(ser[2].ns, n, 0.99) / p0, n);
    double ml = pct_us(ser[3].ns, n, 0.5);
    printf("bare listing / bare PUT: median %.2f; commit (no shape check) / (listing + PUT): "
           "median %.2f\n",
           ml / m0, pct_us(ser[2].ns, n, 0.5) / (ml + m0));
    printf("with bounded staleness (opt-in): commit / bare PUT median %.2f, p99 %.2f\n",
           pct_us(ser[4].ns, n, 0.5) / m0, pct_us(ser[4].ns, n, 0.99) / p0);
    printf("json {\"bench\":\"s3_latency\",\"n\":%d,\"put_median_us\":%.0f,\"put_p99_us\":%.0f,"
           "\"commit_median_us\":%.0f,\"commit_p99_us\":%.0f,\"commit_nsc_median_us\":%.0f,"
           "\"commit_nsc_p99_us\":%.0f,\"put_requests\":%.2f,\"commit_requests\":%.2f,"
           "\"commit_nsc_requests\":%.2f,\"ratio_median\":%.2f,\"ratio_p99\":%.2f,"
           "\"ratio_nsc_median\":%.2f,\"ratio_nsc_p99\":%.2f,\"list_median_us\":%.0f,"
           "\"list_requests\":%.2f,\"stale_median_us\":%.0f,\"stale_p99_us\":%.0f,"
           "\"stale_requests\":%.2f}\n",
           n, m0, p0, pct_us(ser[1].ns, n, 0.5), pct_us(ser[1].ns, n, 0.99),
           pct_us(ser[2].ns, n, 0.5), pct_us(ser[2].ns, n, 0.99), (double)ser[0].requests / n,
           (double)ser[1].requests / n, (double)ser[2].requests / n, pct_us(ser[1].ns, n, 0.5) / m0,
           pct_us(ser[1].ns, n, 0.99) / p0, pct_us(ser[2].ns, n, 0.5) / m0,
           pct_us(ser[2].ns, n, 0.99) / p0, ml, (double)ser[3].requests / n,
           pct_us(ser[4].ns, n, 0.5), pct_us(ser[4].ns, n, 0.99), (double)ser[4].requests / n);
    for (int k = 0; k < 5; k++)
        free(ser[k].ns);
    dc_store_unref(stale);
    dc_store_unref(nsc);
    dc_store_unref(cat);
    dc_fs_unref(raw);
    return 0;
}

/* ---- throughput --------------------------------------------------------------------------- */

/* A writer process: commits for `seconds`, to its own table or the shared one; writes
 * "commits conflicts requests" to fd and exits. */
static void writer(const char *url, int id, bool shared, double seconds, int fd)
{
    dc_store *s = open_store(url, true);
    dc_error e;
    int64_t end = dc_clock_mono_ns() + (int64_t)(seconds * 1e9), commits = 0, conflicts = 0;
    int64_t r0 = requests_of(dc_store_fs(s));
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
    dprintf(fd, "%lld %lld %lld\n", (long long)commits, (long long)conflicts,
            (long long)(requests_of(dc_store_fs(s)) - r0));
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

static int bench_throughput(const char *url, double seconds, int writers)
{
    printf("| writers | tables | commits/s | conflicts/s | requests per commit |\n"
           "|---:|---|---:|---:|---:|\n");
    for (int shared = 0; shared <= 1; shared++) {
        char u[1100];
        snprintf(u, sizeof u, "%s/tput-%ld-%d-%s", url, (long)getpid(), writers,
                 shared ? "shared" : "disjoint");
        dc_store *s = open_store(u, true);
        setup_tables(s, writers);
        dc_store_unref(s);
        int pipes[MAX_WRITERS][2];
        pid_t pids[MAX_WRITERS];
        fflush(stdout);
        for (int i = 0; i < writers; i++) {
            if (pipe(pipes[i]) != 0)
                die("pipe", NULL);
            pids[i] = fork();
            if (pids[i] < 0)
                die("fork", NULL);
            if (pids[i] == 0) {
                close(pipes[i][0]);
                writer(u, i, shared, seconds, pipes[i][1]);
            }
            close(pipes[i][1]);
        }
        long long commits = 0, conflicts = 0, requests = 0;
        int failed = 0;
        for (int i = 0; i < writers; i++) {
            char buf[96] = {0};
            long long c = 0, k = 0, r = 0;
            if (read(pipes[i][0], buf, sizeof buf - 1) <= 0 ||
                sscanf(buf, "%lld %lld %lld", &c, &k, &r) != 3)
                failed++;
            commits += c;
            conflicts += k;
            requests += r;
            close(pipes[i][0]);
            int st = 0;
            waitpid(pids[i], &st, 0);
        }
        if (failed)
            die("writer processes failed (see above)", NULL);
        const char *tables = shared ? "one shared table" : "disjoint";
        printf("| %d | %s | %.1f | %.1f | %.2f |\n", writers, tables, commits / seconds,
               conflicts / seconds, commits ? (double)requests / (double)commits : 0.0);
        printf("json {\"bench\":\"s3_throughput\",\"writers\":%d,\"tables\":\"%s\",\"seconds\":%g,"
               "\"commits\":%lld,\"conflicts\":%lld,\"requests\":%lld,\"commits_per_s\":%.1f,"
               "\"conflicts_per_s\":%.1f}\n",
               writers, shared ? "shared" : "disjoint", seconds, commits, conflicts, requests,
               commits / seconds, conflicts / seconds);
        fflush(stdout);
    }
    return 0;
}

/* ---- projected read -------------------------------------------------------------------------- */

static int64_t cell_int(int64_t row, int col)
{
    return col == 0 ? row : (int64_t)(dc_hash_u64((uint64_t)row, (uint64_t)col + 1) >> 1);
}

static double cell_double(int64_t row, int col)
{
    double u = (double)(dc_hash_u64((uint64_t)row, (uint64_t)col + 1) >> 11) / 9007199254740992.0;
    return u * 2e6 - 1e6; /* uniform in [-1e6, 1e6) */
}

static dc_array *column_of(int col, int64_t from, int64_t n)
{
    dc_type *t = dc_type_new(col < 4 ? DC_TYPE_INT64 : DC_TYPE_FLOAT64);
    dc_builder *b = NULL;
    dc_array *a = NULL;
    dc_error e;
    if (!t || dc_builder_new(&b, t, &e) != DC_OK)
        die("builder", &e);
    dc_type_unref(t);
    for (int64_t i = from; i < from + n; i++)
        if ((col < 4 ? dc_builder_append_int(b, cell_int(i, col))
                     : dc_builder_append_double(b, cell_double(i, col))) != DC_OK)
            die("append", NULL);
    if (dc_builder_finish(b, &a, &e) != DC_OK)
        die("builder finish", &e);
    dc_builder_free(b);
    return a;
}

/* Write the 8-column file to `key` through the S3 output (multipart). */
static void write_parquet(dc_fs *fs, const char *key, int64_t rows)
{
    dc_error e;
    dc_field fields[READ_COLS];
    for (int k = 0; k < READ_COLS; k++) {
        char name[8];
        snprintf(name, sizeof name, "c%d", k);
        dc_type *t = dc_type_new(k < 4 ? DC_TYPE_INT64 : DC_TYPE_FLOAT64);
        if (!t || dc_field_init(&fields[k], name, t, false, NULL) != DC_OK)
            die("field", NULL);
        dc_type_unref(t);
    }
    dc_schema *schema = dc_schema_new(fields, READ_COLS, NULL);
    if (!schema)
        die("schema", NULL);
    dc_output *out = NULL;
    dc_batch_writer *w = NULL;
    dc_parquet_write_options po;
    dc_parquet_write_options_init(&po);
    po.row_group_rows = RG_ROWS;
    if (dc_fs_open_output(fs, key, 0, &out, &e) != DC_OK ||
        dc_parquet_writer_open(&w, out, schema, &po, &e) != DC_OK)
        die("open the Parquet output", &e);
    for (int64_t from = 0; from < rows; from += BATCH_ROWS) {
        int64_t n = DC_MIN((int64_t)BATCH_ROWS, rows - from);
        dc_array *cols[READ_COLS];
        for (int k = 0; k < READ_COLS; k++)
            cols[k] = column_of(k, from, n);
        dc_batch *b = NULL;
        if (dc_batch_new(&b, schema, cols, n, &e) != DC_OK ||
            dc_batch_writer_write(w, b, &e) != DC_OK)
            die("write", &e);
        dc_batch_unref(b);
        for (int k = 0; k < READ_COLS; k++)
            dc_array_unref(cols[k]);
    }
    if (dc_batch_writer_finish(w, &e) != DC_OK || dc_output_finish(out, &e) != DC_OK)
        die("finish the Parquet output", &e);
    dc_batch_writer_free(w);
    dc_output_close(out);
    dc_schema_unref(schema);
    for (int k = 0; k < READ_COLS; k++)
        dc_field_clear(&fields[k]);
}

typedef struct read_result {
    double best_ms;
    int64_t bytes, requests, rows;
} read_result;

static const char *const g_cols[] = {"c2", "c5"};

/* Read g_cols of `key` into memory `runs` times; the best wall time, and the counters of
 * the last run (they do not vary between runs). */
static read_result timed_reads(dc_fs *fs, const char *key, int runs)
{
    read_result res = {.best_ms = 1e18};
    for (int run = 0; run < runs; run++) {
        dc_s3_counters a, b;
        dc_error e;
        dc_s3__counters(fs->impl, &a);
        int64_t t0 = dc_clock_mono_ns();
        dc_input *in = NULL;
        dc_reader *r = NULL;
        if (dc_fs_open_input(fs, key, &in, &e) != DC_OK)
            die("open the object", &e);
        dc_pq_read_options o = {.columns = g_cols, .n_columns = 2};
        if (dc_pq_reader_open_input(&r, in, &o, &e) != DC_OK)
            die("open the reader", &e);
        bench_batches k = {0};
        bench_drain(r, &k);
        double ms = (double)(dc_clock_mono_ns() - t0) / 1e6;
        dc_s3__counters(fs->impl, &b);
        dc_reader_free(r);
        res.rows = k.rows;
        bench_batches_free(&k);
        if (ms < res.best_ms)
            res.best_ms = ms;
        res.bytes = b.bytes_fetched - a.bytes_fetched;
        res.requests = b.requests - a.requests;
    }
    return res;
}

static int bench_read(const char *url, int runs, int64_t rows)
{
    dc_fs *fs = open_fs(url, true);
    char key[128];
    snprintf(key, sizeof key, "read/t8-%lld.parquet", (long long)rows);
    dc_error e;
    dc_fs_info st;
    bool written = false;
    if (dc_fs_stat(fs, key, &st, &e) != DC_OK) {
        write_parquet(fs, key, rows);
        written = true;
        if (dc_fs_stat(fs, key, &st, &e) != DC_OK)
            die("stat after writing", &e);
    }
    /* what the projection needs, from the footer */
    int64_t needed = 0, footer = 0, chunks = 0;
    int32_t n_rg = 0;
    {
        dc_input *in = NULL;
        dc_pq_file *f = NULL;
        if (dc_fs_open_input(fs, key, &in, &e) != DC_OK || dc_pq_file_open(&f, in, &e) != DC_OK)
            die("open the footer", &e);
        const dc_pq_file_metadata *m = dc_pq_file_meta(f);
        n_rg = m->n_row_groups;
        for (int32_t g = 0; g < n_rg; g++)
            for (int k = 0; k < 2; k++) {
                int64_t s, l;
                dc_pq_file_chunk_range(f, g, g_cols[k][1] - '0', &s, &l);
                needed += l;
                chunks++;
            }
        uint8_t tail[8];
        int64_t got = 0;
        if (dc_input_read_at(in, st.size - 8, tail, 8, &got, &e) != DC_OK || got != 8)
            die("read the footer length", &e);
        footer = 8 + (int64_t)((uint32_t)tail[0] | (uint32_t)tail[1] << 8 |
                               (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24);
        dc_pq_file_free(f);
    }
    printf("object %s/%s: %lld bytes, %lld rows, %d row groups, %s; columns c2, c5: %lld chunks "
           "of %lld bytes, footer %lld bytes\n\n",
           url, key, (long long)st.size, (long long)rows, n_rg, written ? "written now" : "reused",
           (long long)chunks, (long long)needed, (long long)footer);
    dc_s3_tunables *t = dc_s3__tunables_edit(fs->impl);
    int parallel = t->prefetch_parallel;
    timed_reads(fs, key, 1); /* warm the connections */
    read_result on = timed_reads(fs, key, runs);
    t->prefetch_parallel = 0;
    read_result off = timed_reads(fs, key, runs);
    t->prefetch_parallel = parallel;
    printf("| read of 2 of 8 columns | best ms | bytes fetched | requests | fetched / needed |\n"
           "|---|---:|---:|---:|---:|\n");
    read_result *rs[2] = {&on, &off};
    for (int i = 0; i < 2; i++) {
        if (rs[i]->rows != rows) {
            fprintf(stderr, "dc-bench-s3: read %lld rows, not %lld\n", (long long)rs[i]->rows,
                    (long long)rows);
            return 1;
        }
        printf("| deltacat, prefetch %s | %.1f | %lld | %lld | %.3f |\n", i ? "off" : "on",
               rs[i]->best_ms, (long long)rs[i]->bytes, (long long)rs[i]->requests,
               (double)rs[i]->bytes / (double)(needed + footer));
    }
    for (int i = 0; i < 2; i++)
        printf("json {\"bench\":\"s3_read\",\"prefetch\":%s,\"ms\":%.1f,\"bytes\":%lld,"
               "\"requests\":%lld,\"rows\":%lld,\"object_bytes\":%lld,\"needed\":%lld,"
               "\"footer\":%lld,\"row_groups\":%d,\"key\":\"%s\"}\n",
               i ? "false" : "true", rs[i]->best_ms, (long long)rs[i]->bytes,
               (long long)rs[i]->requests, (long long)rs[i]->rows, (long long)st.size,
               (long long)needed, (long long)footer, n_rg, key);
    dc_fs_unref(fs);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    const char *url = argc > 2 ? argv[2] : NULL;
    if (url && (strncmp(url, "s3://", 5) != 0 || strlen(url) > 900))
        url = NULL;
    if (url && !strcmp(mode, "latency")) {
        int n = argc > 3 ? atoi(argv[3]) : 200;
        if (n > 0)
            return bench_latency(url, n);
    }
    if (url && !strcmp(mode, "throughput")) {
        double s = argc > 3 ? atof(argv[3]) : 5.0;
        int w = argc > 4 ? atoi(argv[4]) : 1;
        if (s > 0 && w >= 1 && w <= MAX_WRITERS)
            return bench_throughput(url, s, w);
    }
    if (url && !strcmp(mode, "read")) {
        int runs = argc > 3 ? atoi(argv[3]) : 3;
        long long rows = argc > 4 ? atoll(argv[4]) : 800000;
        if (runs > 0 && rows > 0)
            return bench_read(url, runs, rows);
    }
    fprintf(stderr,
            "usage: dc-bench-s3 latency s3://BUCKET/PREFIX [N]\n"
            "       dc-bench-s3 throughput s3://BUCKET/PREFIX [SECONDS] [WRITERS <= %d]\n"
            "       dc-bench-s3 read s3://BUCKET/PREFIX [RUNS] [ROWS]\n"
            "(S3 configured by the AWS_* environment: AWS_ENDPOINT_URL, keys, region)\n",
            MAX_WRITERS);
    return 2;
}
