/*
 * fuzz_parquet_read.c: libFuzzer target for the whole Parquet reader
 * (src/formats/parquet/reader*.c over the encodings, codecs and metadata
 * below it). Arbitrary bytes are opened as a Parquet file from memory and
 * every column of every row group is read in small batches (7 rows), each
 * batch's arrays checked with dc_array_validate; the footer is also described
 * through the statistics decoder, the page index is decoded, and the file is
 * read again selecting a few rows of each row group (the page-skipping path). Errors are expected (ECORRUPT, EUNSUPPORTED);
 * crashes, leaks, sanitizer reports, invalid arrays and other error codes are
 * bugs. Seeds: fuzz/corpus/parquet_read/ (small files written by pyarrow and
 * DuckDB).
 */
#include "formats/parquet/parquet_int.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *msg, const dc_error *err)
{
    fprintf(stderr, "fuzz_parquet_read: %s: %s\n", msg, err ? err->message : "");
    abort();
}

static void check_failure(dc_status rc, const dc_error *err)
{
    if (rc != DC_ECORRUPT && rc != DC_EUNSUPPORTED)
        die(dc_status_name(rc), err);
    if (!err->message[0])
        die("an error without a message", err);
}

/* Rows [R/4, R/4 + 3) and [R/2, R) of each row group (all of a small one): valid ranges. */
static bool select_some(const dc_pq_file *f, int32_t rg, dc_pq_row_range **out, int64_t *n,
                        void *user)
{
    (void)user;
    int64_t rows = dc_pq_file_meta(f)->row_groups[rg].num_rows;
    *out = dc_malloc(2 * sizeof **out);
    if (!*out)
        return false;
    if (rows < 16) { /* [R/4, R/4 + 3) and [R/2, R) overlap below 12 */
        (*out)[0] = (dc_pq_row_range){0, rows};
        *n = rows > 0;
    } else {
        (*out)[0] = (dc_pq_row_range){rows / 4, rows / 4 + 3};
        (*out)[1] = (dc_pq_row_range){rows / 2, rows};
        *n = 2;
    }
    return true;
}

static void read_all(dc_pq_file *f, const dc_pq_read_options *o)
{
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    dc_status rc = dc_pq_reader_open(&r, f, o, &err);
    if (rc != DC_OK)
        die("reader open", &err);
    int64_t rows = 0;
    for (;;) {
        dc_batch *b = NULL;
        rc = dc_reader_next(r, &b, &err);
        if (rc != DC_OK) {
            check_failure(rc, &err);
            break;
        }
        if (!b)
            break;
        for (int32_t i = 0; i < b->schema->n_fields; i++)
            if (dc_array_validate(b->columns[i], &err) != DC_OK)
                die("invalid array", &err);
        rows += b->length;
        dc_batch_unref(b);
        if (rows > 1000000)
            break;
    }
    dc_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dc_input *in = NULL;
    dc_pq_file *f = NULL;
    dc_error err;
    dc_error_clear(&err);
    if (dc_input_open_memory(&in, data, (int64_t)size, false, "fuzz.parquet", &err) != DC_OK)
        die("open memory", &err);
    dc_status rc = dc_pq_file_open(&f, in, &err);
    if (rc != DC_OK) {
        check_failure(rc, &err);
        return 0;
    }
    const dc_pq_file_metadata *m = dc_pq_file_meta(f);
    for (int64_t g = 0; g < m->n_row_groups && g < 64; g++)
        for (int32_t c = 0; c < dc_pq_file_n_leaves(f) && c < 64; c++) {
            dc_pq_stats st;
            if (dc_pq_file_column_stats(f, (int32_t)g, c, &st, &err) != DC_OK)
                die("statistics", &err);
            if (st.min && dc_array_validate(st.min, &err) != DC_OK)
                die("statistics min", &err);
            dc_pq_stats_clear(&st);
        }
    for (int64_t g = 0; g < m->n_row_groups && g < 16; g++)
        for (int32_t c = 0; c < dc_pq_file_n_leaves(f) && c < 16; c++) {
            dc_pq_page_stats *ps = NULL;
            int64_t np = 0;
            rc = dc_pq_file_page_stats(f, (int32_t)g, c, &ps, &np, &err);
            if (rc != DC_OK && rc != DC_ENOTFOUND)
                check_failure(rc, &err);
            for (int64_t k = 0; k < np; k++)
                if (ps[k].st.min && dc_array_validate(ps[k].st.min, &err) != DC_OK)
                    die("page min", &err);
            dc_pq_page_stats_free(ps, np);
        }
    dc_pq_file *f2 = NULL;
    dc_input *in2 = NULL;
    if (dc_input_open_memory(&in2, data, (int64_t)size, false, "fuzz.parquet", &err) != DC_OK ||
        dc_pq_file_open(&f2, in2, &err) != DC_OK)
        die("open again", &err);
    dc_pq_read_options o = {.batch_rows = 7, .threads = 1};
    read_all(f, &o);
    dc_pq_read_options os = {.batch_rows = 5, .threads = 1, .select = select_some};
    read_all(f2, &os);
    return 0;
}
