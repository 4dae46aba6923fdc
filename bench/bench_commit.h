/*
 * bench_commit.h: the transactions the commit benchmarks time (dc-bench-commit on a local
 * disk, dc-bench-s3 on S3), so that both measure the same thing.
 */
#ifndef DC_BENCH_COMMIT_H
#define DC_BENCH_COMMIT_H

#include "storage/storage_int.h"

#include <stdio.h>

static inline int bench_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* A small metadata-only transaction: begin, create namespace `ns_name`, commit; the begin
 * with a staleness bound (0: none, FORMAT.md 6.5). */
static inline dc_status bench_commit_namespace(dc_store *s, const char *ns_name,
                                               int64_t max_staleness_ns, dc_error *e)
{
    dc_stxn *t = NULL;
    char id[37];
    dc_status rc = dc_uuid(id, e);
    if (rc == DC_OK)
        rc = dc_stxn_begin(&t, s,
                           &(dc_stxn_options){.author = "bench", .max_staleness_ns = max_staleness_ns},
                           e);
    if (rc != DC_OK)
        return rc;
    json_t *op =
        json_pack("{s:s, s:s, s:s}", "op", "create_namespace", "namespace_id", id, "name", ns_name);
    rc = dc_stxn_add_op(t, op, e);
    json_decref(op);
    if (rc == DC_OK)
        rc = dc_stxn_commit(t, "bench", NULL, e);
    dc_stxn_free(t);
    return rc;
}

/* Writer `id`'s i-th transaction: one add_delta of a 1-row file to `table` (ADDs never
 * conflict with each other: DC_ECONFLICT only from exhausted retries). */
static inline dc_status bench_commit_add(dc_store *s, const char *table, int id, int i, dc_error *e)
{
    dc_stxn *t = NULL;
    dc_status rc = dc_stxn_begin(&t, s, NULL, e);
    if (rc != DC_OK)
        return rc;
    char path[128];
    snprintf(path, sizeof path, "data/%s/w%d-%d.parquet", table, id, i);
    json_t *op = json_pack("{s:s, s:s, s:i, s:s, s:s, s:[{s:s, s:i, s:i}]}", "op", "add_delta",
                           "table_id", table, "table_version", 1, "partition", "", "delta_type",
                           "add", "files", "path", path, "record_count", 1, "file_size", 1);
    rc = dc_stxn_add_op(t, op, e);
    json_decref(op);
    if (rc == DC_OK)
        rc = dc_stxn_commit(t, NULL, NULL, e);
    dc_stxn_free(t);
    return rc;
}

#endif
