/*
 * bench_util.h: what the benchmark tools share: batches kept in memory (the
 * data loaded before the clock, or everything a timed read returns, so that
 * reads materialize as DuckDB's CREATE TABLE AS does).
 */
#ifndef DC_BENCH_UTIL_H
#define DC_BENCH_UTIL_H

#include <deltacat/columnar.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct bench_batches {
    dc_batch **v;
    int64_t n, cap, rows;
} bench_batches;

static inline void bench_keep(bench_batches *k, dc_batch *b)
{
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 64;
        dc_batch **v = realloc(k->v, sizeof *v * (size_t)k->cap);
        if (!v) {
            fprintf(stderr, "dc-bench: out of memory\n");
            exit(1);
        }
        k->v = v;
    }
    k->v[k->n++] = b;
    k->rows += b->length;
}

/* Every batch of `r` into `k`; exits with a message on failure. */
static inline void bench_drain(dc_reader *r, bench_batches *k)
{
    dc_error e;
    for (;;) {
        dc_batch *b = NULL;
        if (dc_reader_next(r, &b, &e) != DC_OK) {
            fprintf(stderr, "dc-bench: read: %s\n", e.message);
            exit(1);
        }
        if (!b)
            return;
        bench_keep(k, b);
    }
}

static inline void bench_batches_free(bench_batches *k)
{
    for (int64_t i = 0; i < k->n; i++)
        dc_batch_unref(k->v[i]);
    free(k->v);
    *k = (bench_batches){0};
}

#endif
