/*
 * table.c -> dc-bench-table: our side of the table benchmarks (bench/table.sh
 * runs DuckDB on the same data and files in the same run).
 *
 *   dc-bench-table write IN.csv CATALOG_DIR   CSV loaded into memory first (not timed),
 *                                             then written as table "t" of a new local
 *                                             catalog: files and commit timed
 *   dc-bench-table read CATALOG_DIR all|filter LO HI
 *                                             the whole table into memory, or the rows
 *                                             with LO <= id <= HI (pruned, filtered)
 *   dc-bench-table files CATALOG_DIR          the table's data files, one per line
 *   dc-bench-table keyed IN.csv CATALOG_DIR   as write, to a table with merge key "id"
 *                                             (compaction only on demand)
 *   dc-bench-table merge IN.csv CATALOG_DIR   CSV into memory (not timed), then a MERGE
 *                                             into "t": files and commit timed
 *   dc-bench-table compact CATALOG_DIR        dc_table_compact of "t", timed
 *
 * Prints "ms <elapsed>" and "rows <n>" (and "files_opened" for reads).
 */
#include <deltacat/table.h>

#include "catalog/engine_int.h"
#include "formats/formats_int.h"

#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>

static void die(const char *what, const dc_error *e)
{
    fprintf(stderr, "dc-bench-table: %s: %s\n", what, e ? e->message : "");
    exit(1);
}

static dc_catalog *open_cat(const char *dir, bool create)
{
    dc_catalog *c;
    dc_error e;
    dc_catalog_options o = {.create = create};
    if (dc_catalog_open(&c, dir, &o, &e) != DC_OK)
        die("open catalog", &e);
    return c;
}

static int bench_write(const char *in, const char *dir, int kind /* 0 write, 1 keyed, 2 merge */)
{
    dc_error e;
    dc_reader *r = NULL, *mem = NULL;
    dc_read_options ro;
    dc_read_options_init(&ro, DC_FORMAT_CSV);
    if (dc_file_reader_open(&r, in, DC_FORMAT_CSV, &ro, &e) != DC_OK)
        die("open csv", &e);
    bench_batches bs = {0};
    bench_drain(r, &bs);
    if (dc_reader_from_batches(&mem, dc_reader_schema(r), bs.v, bs.n, &e) != DC_OK)
        die("batches", &e);
    dc_catalog *c = open_cat(dir, true);
    dc_table_write_options wo;
    dc_table_write_options_init(&wo);
    static const char *const keys[] = {"id"};
    dc_metadata props = {0};
    dc_table_options to;
    dc_table_options_init(&to);
    if (kind == 1) {
        to.merge_keys = keys;
        to.n_merge_keys = 1;
        dc_metadata_set(&props, "compaction.mode", "off");
        to.properties = &props;
        wo.create = &to;
    }
    if (kind == 2)
        wo.mode = DC_WRITE_MERGE;
    dc_write_result res;
    int64_t t0 = dc_clock_mono_ns();
    if (dc_table_write(c, NULL, NULL, "t", mem, &wo, &res, &e) != DC_OK)
        die("write", &e);
    double ms = (dc_clock_mono_ns() - t0) / 1e6;
    printf("ms %.1f\nrows %lld\nfiles %lld\n", ms, (long long)res.rows, (long long)res.files);
    dc_metadata_clear(&props);
    dc_catalog_close(c);
    dc_reader_free(mem);
    dc_reader_free(r);
    bench_batches_free(&bs);
    return 0;
}

static int bench_read(const char *dir, const char *mode, long long lo, long long hi)
{
    dc_error e;
    char filter[200];
    int64_t t0 = dc_clock_mono_ns();
    dc_catalog *c = open_cat(dir, false);
    dc_table_read_options o;
    dc_table_read_options_init(&o);
    if (!strcmp(mode, "filter")) {
        snprintf(filter, sizeof filter, "{\"between\": [\"id\", %lld, %lld]}", lo, hi);
        o.filter = filter;
    }
    dc_reader *r;
    if (dc_table_read(c, NULL, NULL, "t", &o, &r, &e) != DC_OK)
        die("read", &e);
    bench_batches keep = {0}; /* materialized, as DuckDB's CREATE TABLE AS does */
    bench_drain(r, &keep);
    double ms = (dc_clock_mono_ns() - t0) / 1e6;
    int64_t opened = 0, rgs = 0;
    dc_table_reader_stats(r, &opened, &rgs);
    printf("ms %.1f\nrows %lld\nfiles_opened %lld\n", ms, (long long)keep.rows, (long long)opened);
    bench_batches_free(&keep);
    dc_reader_free(r);
    dc_catalog_close(c);
    return 0;
}

static int bench_compact(const char *dir)
{
    dc_error e;
    dc_catalog *c = open_cat(dir, false);
    dc_compact_result r;
    int64_t t0 = dc_clock_mono_ns();
    if (dc_table_compact(c, NULL, NULL, "t", NULL, &r, &e) != DC_OK)
        die("compact", &e);
    double ms = (dc_clock_mono_ns() - t0) / 1e6;
    printf("ms %.1f\nrows %lld\nfiles %lld\nfiles_in %lld\nfiles_kept %lld\nkey_buckets %lld\n", ms,
           (long long)r.rows_out, (long long)r.files_out, (long long)r.files_in,
           (long long)r.files_kept, (long long)r.key_buckets);
    dc_catalog_close(c);
    return 0;
}

static int list_files(const char *dir)
{
    dc_error e;
    dc_catalog *c = open_cat(dir, false);
    dc_read_plan *p;
    if (dc_table_plan(c, NULL, NULL, "t", NULL, 0, 0, &p, &e) != DC_OK)
        die("plan", &e);
    for (int64_t i = 0; i < p->n_files; i++)
        printf("%s/%s\n", dir, p->files[i].path);
    dc_read_plan_free(p);
    dc_catalog_close(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "write"))
        return bench_write(argv[2], argv[3], 0);
    if (argc == 4 && !strcmp(argv[1], "keyed"))
        return bench_write(argv[2], argv[3], 1);
    if (argc == 4 && !strcmp(argv[1], "merge"))
        return bench_write(argv[2], argv[3], 2);
    if (argc == 3 && !strcmp(argv[1], "compact"))
        return bench_compact(argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "read"))
        return bench_read(argv[2], argv[3], argc > 4 ? atoll(argv[4]) : 0,
                          argc > 5 ? atoll(argv[5]) : 0);
    if (argc == 3 && !strcmp(argv[1], "files"))
        return list_files(argv[2]);
    fprintf(stderr, "usage: dc-bench-table write IN.csv CATALOG_DIR\n"
                    "       dc-bench-table read CATALOG_DIR all|filter [LO HI]\n"
                    "       dc-bench-table files CATALOG_DIR\n");
    return 2;
}
