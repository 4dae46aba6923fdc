/*
 * parquet.c -> dc-bench-parquet: our side of the Parquet benchmarks
 * (bench/parquet.sh runs DuckDB and pyarrow on the same files in the same run).
 *
 *   dc-bench-parquet write IN.csv OUT.parquet snappy|zstd   CSV loaded into memory first
 *                                                           (not timed), then written
 *   dc-bench-parquet read FILE.parquet all|two|pruned LO HI  full read into memory; 2 of
 *                                                           the columns; rows with
 *                                                           LO <= id <= HI, row groups
 *                                                           pruned by their statistics
 *
 * Prints "ms <elapsed>" and "rows <n>" (and row groups read for pruned).
 */
#include "formats/formats_int.h"
#include "formats/parquet/parquet_int.h"

#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>

static void die(const char *what, const dc_error *e)
{
    fprintf(stderr, "dc-bench-parquet: %s: %s\n", what, e ? e->message : "");
    exit(1);
}

static int bench_write(const char *in, const char *out, const char *codec)
{
    dc_error e;
    dc_reader *r = NULL;
    dc_read_options ro;
    dc_read_options_init(&ro, DC_FORMAT_CSV);
    if (dc_file_reader_open(&r, in, DC_FORMAT_CSV, &ro, &e) != DC_OK)
        die("open csv", &e);
    bench_batches bs = {0};
    bench_drain(r, &bs);
    dc_write_options wo;
    dc_write_options_init(&wo, DC_FORMAT_PARQUET);
    if (!dc_parquet_codec_from_name(codec, &wo.parquet.compression))
        die("unknown codec", NULL);
    if (getenv("DC_BENCH_THREADS")) /* for profiling: the writer's threads */
        wo.parquet.threads = atoi(getenv("DC_BENCH_THREADS"));
    int64_t t0 = dc_clock_mono_ns();
    dc_output *o = NULL;
    dc_batch_writer *w = NULL;
    if (dc_output_open_file(&o, out, NULL, &e) != DC_OK ||
        dc_parquet_writer_open(&w, o, dc_reader_schema(r), &wo.parquet, &e) != DC_OK)
        die("open parquet", &e);
    for (int64_t i = 0; i < bs.n; i++)
        if (dc_batch_writer_write(w, bs.v[i], &e) != DC_OK)
            die("write", &e);
    if (dc_batch_writer_finish(w, &e) != DC_OK || dc_output_finish(o, &e) != DC_OK)
        die("finish", &e);
    double ms = (dc_clock_mono_ns() - t0) / 1e6;
    dc_batch_writer_free(w);
    dc_output_close(o);
    printf("ms %.1f\nrows %lld\n", ms, (long long)bs.rows);
    bench_batches_free(&bs);
    dc_reader_free(r);
    return 0;
}

typedef struct range {
    int32_t leaf;
    int64_t lo, hi;
    int64_t kept;
} range;

/* Keep a row group only when its id statistics overlap [lo, hi]. */
static bool overlaps(const dc_pq_file *f, int32_t rg, void *user)
{
    range *r = user;
    dc_pq_stats st;
    bool keep = true;
    if (dc_pq_file_column_stats(f, rg, r->leaf, &st, NULL) == DC_OK && st.min && st.max)
        keep = !(dc_array_get_int(st.max, 0) < r->lo || dc_array_get_int(st.min, 0) > r->hi);
    dc_pq_stats_clear(&st);
    r->kept += keep;
    return keep;
}

static int bench_read(const char *path, const char *mode, int64_t lo, int64_t hi)
{
    dc_error e;
    dc_input *in = NULL;
    int64_t t0 = dc_clock_mono_ns();
    if (dc_input_open_file(&in, path, &e) != DC_OK)
        die("open", &e);
    dc_pq_file *f = NULL;
    if (dc_pq_file_open(&f, in, &e) != DC_OK)
        die("open parquet", &e);
    dc_pq_read_options o = {.batch_rows = 65536};
    static const char *const two[] = {"id", "value"};
    range rg = {.leaf = -1, .lo = lo, .hi = hi};
    if (!strcmp(mode, "two")) {
        o.columns = two;
        o.n_columns = 2;
    } else if (!strcmp(mode, "pruned")) {
        for (int32_t i = 0; i < dc_pq_file_n_leaves(f); i++)
            if (!strcmp(dc_pq_file_leaf(f, i)->path, "id"))
                rg.leaf = i;
        if (rg.leaf < 0)
            die("no id column", NULL);
        o.filter = overlaps;
        o.filter_user = &rg;
    }
    dc_reader *r = NULL;
    if (dc_pq_reader_open(&r, f, &o, &e) != DC_OK)
        die("reader", &e);
    bench_batches keep = {0}; /* materialized: everything read stays in memory */
    int32_t idcol = dc_schema_find(dc_reader_schema(r), "id");
    for (;;) {
        dc_batch *b = NULL;
        if (dc_reader_next(r, &b, &e) != DC_OK)
            die("read", &e);
        if (!b)
            break;
        if (!strcmp(mode, "pruned")) { /* and filter the rows, as a query would */
            dc_array *los = NULL, *his = NULL, *m1 = NULL;
            dc_builder *bl = NULL;
            dc_builder_new(&bl, b->columns[idcol]->type, &e);
            dc_builder_append_int(bl, lo);
            dc_builder_finish(bl, &los, &e);
            dc_builder_append_int(bl, hi);
            dc_builder_finish(bl, &his, &e);
            dc_builder_free(bl);
            dc_batch *fb = NULL;
            if (dc_compare(&m1, b->columns[idcol], DC_CMP_GE, los, &e) != DC_OK)
                die("compare", &e);
            dc_batch *t1 = NULL; /* id >= lo, then id <= hi */
            if (dc_batch_filter(&t1, b, m1, &e) != DC_OK)
                die("filter", &e);
            dc_array *m3 = NULL;
            if (dc_compare(&m3, t1->columns[idcol], DC_CMP_LE, his, &e) != DC_OK ||
                dc_batch_filter(&fb, t1, m3, &e) != DC_OK)
                die("filter", &e);
            dc_array_unref(los);
            dc_array_unref(his);
            dc_array_unref(m1);
            dc_array_unref(m3);
            dc_batch_unref(t1);
            dc_batch_unref(b);
            b = fb;
        }
        bench_keep(&keep, b);
    }
    double ms = (dc_clock_mono_ns() - t0) / 1e6;
    printf("ms %.1f\nrows %lld\n", ms, (long long)keep.rows);
    if (rg.leaf >= 0)
        printf("row_groups_read %lld\n", (long long)rg.kept);
    bench_batches_free(&keep);
    dc_reader_free(r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "write"))
        return bench_write(argv[2], argv[3], argv[4]);
    if (argc >= 4 && !strcmp(argv[1], "read"))
        return bench_read(argv[2], argv[3], argc > 4 ? atoll(argv[4]) : 0,
                          argc > 5 ? atoll(argv[5]) : 0);
    fprintf(stderr, "usage: dc-bench-parquet write IN.csv OUT.parquet snappy|zstd\n"
                    "       dc-bench-parquet read FILE.parquet all|two|pruned [LO HI]\n");
    return 2;
}
