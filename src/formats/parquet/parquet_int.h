/*
 * parquet_int.h: the Parquet format's entry points for the format layer
 * (formats.c): the reader and the writer. The lower layers have their own
 * headers (encoding_int.h, codec_int.h, thrift_int.h, parquet_meta_int.h).
 */
#ifndef DC_PQ_PARQUET_INT_H
#define DC_PQ_PARQUET_INT_H

#include "formats/formats_int.h"

/* ==== writer (writer.c, writer_column.c) ======================================== */

/*
 * Open a Parquet writer of `schema` over `o` (borrowed: it must outlive the
 * writer; the writer writes the leading magic at once). `opts` NULL means the
 * defaults (dc_parquet_write_options_init). Every Arrow type maps to Parquet
 * (see writer.c for the table); DC_EUNSUPPORTED names the column when one
 * cannot be written (a struct without fields, a negative decimal scale).
 * dc_batch_writer_write encodes (columns in parallel on the writer's threads)
 * and flushes a row group whenever one is full; dc_batch_writer_finish flushes
 * the last row group and writes the page index and the footer. After any
 * failure the writer stays failed and the output must be aborted.
 */
dc_status dc_parquet_writer_open(dc_batch_writer **out, dc_output *o, const dc_schema *schema,
                                 const dc_parquet_write_options *opts, dc_error *err);

/* ==== end of writer ============================================================== */


/* ==== reader (reader_file.c, reader_schema.c, reader_column.c, reader.c) ========= */

#include "formats/parquet/parquet_meta_int.h"

/*
 * An open Parquet file: its footer decoded and checked, its schema mapped to
 * Arrow. Opening reads three ranges only (the leading magic, the last 8 bytes,
 * the footer); every offset and size the footer declares is checked against
 * the file size. Read-only after open: readers and inspectors borrow it.
 */
typedef struct dc_pq_file dc_pq_file;

/* One leaf (primitive) column of the file's schema, in schema order. */
typedef struct dc_pq_leaf {
    const dc_pq_schema_element *el; /* the primitive element (inside the metadata) */
    char *path;                     /* dotted path in the Parquet schema: "a.list.element" */
    int32_t top;                    /* index of its top-level field in the Arrow schema */
    int16_t max_def, max_rep;
    dc_type *type; /* Arrow type of the values (the leaf array's type) */
    int32_t conv;  /* how physical values become Arrow values (reader_int.h) */
    int32_t width; /* bytes of one physical value (0 for BOOLEAN and BYTE_ARRAY) */
} dc_pq_leaf;

/* A column chunk's statistics decoded to typed values. */
typedef struct dc_pq_stats {
    bool has_min, has_max, has_null_count, has_distinct_count;
    bool min_exact, max_exact; /* false when the writer says (or may have) truncated */
    dc_array *min, *max;       /* one value of the leaf's Arrow type each, or NULL */
    int64_t null_count, distinct_count;
} dc_pq_stats;

/*
 * Open the Parquet file read through `in`, which the file takes over (closed
 * by dc_pq_file_free, also when this fails). DC_ECORRUPT names the file and
 * what is wrong; DC_EUNSUPPORTED for encrypted files or external column chunks.
 */
dc_status dc_pq_file_open(dc_pq_file **out, dc_input *in, dc_error *err);
void dc_pq_file_free(dc_pq_file *f); /* NULL-safe */
/* Borrowed views, valid until dc_pq_file_free. */
const dc_pq_file_metadata *dc_pq_file_meta(const dc_pq_file *f);
const dc_schema *dc_pq_file_schema(const dc_pq_file *f);
dc_input *dc_pq_file_input(const dc_pq_file *f);
int32_t dc_pq_file_n_leaves(const dc_pq_file *f);
const dc_pq_leaf *dc_pq_file_leaf(const dc_pq_file *f, int32_t i);
/* File offset and length of a column chunk's pages (checked at open). */
void dc_pq_file_chunk_range(const dc_pq_file *f, int32_t row_group, int32_t leaf, int64_t *start,
                            int64_t *len);
/*
 * Decode the statistics of column chunk (row_group, leaf) into `out` (zeroed
 * first; release with dc_pq_stats_clear). Bounds that cannot be trusted
 * (legacy min/max of an unsigned or binary column) or that do not decode are
 * left out rather than reported wrong.
 */
dc_status dc_pq_file_column_stats(const dc_pq_file *f, int32_t row_group, int32_t leaf,
                                  dc_pq_stats *out, dc_error *err);
void dc_pq_stats_clear(dc_pq_stats *s);

/* Row-group filter: return false to skip the row group (e.g. its statistics
 * exclude a predicate). Called once per selected row group, in order. */
typedef bool (*dc_pq_row_group_filter)(const dc_pq_file *f, int32_t row_group, void *user);

/* Rows [start, end) of a row group. */
typedef struct dc_pq_row_range {
    int64_t start, end;
} dc_pq_row_range;

/*
 * Row selection: for a row group the filter kept, return true with the rows
 * to read in *ranges (sorted, disjoint, non-empty; allocated with dc_malloc,
 * freed by the reader; *n 0 skips the row group), or false to read every row.
 * The reader then reads only the pages holding those rows when the file has
 * an offset index (dc_pq_file_page_stats gives the pages' statistics).
 */
typedef bool (*dc_pq_row_selector)(const dc_pq_file *f, int32_t row_group,
                                   dc_pq_row_range **ranges, int64_t *n, void *user);

/* The data pages of a column chunk with their statistics (from the page index). */
typedef struct dc_pq_page_stats {
    int64_t first_row, end_row; /* the rows of the page: [first_row, end_row) */
    dc_pq_stats st;             /* min/max/null count as the ColumnIndex gives them */
} dc_pq_page_stats;

/* DC_ENOTFOUND when the chunk has no (valid) ColumnIndex and OffsetIndex. Free with
 * dc_pq_page_stats_free. Reads the index through the file's input. */
dc_status dc_pq_file_page_stats(const dc_pq_file *f, int32_t row_group, int32_t leaf,
                                dc_pq_page_stats **out, int64_t *n, dc_error *err);
void dc_pq_page_stats_free(dc_pq_page_stats *p, int64_t n);

typedef struct dc_pq_read_options {
    int64_t batch_rows;          /* rows per batch (<= 0: 65536) */
    const char *const *columns;  /* top-level names to read, in this order; NULL: all */
    int32_t n_columns;
    const int32_t *row_groups;   /* row groups to read, in this order; NULL: all */
    int32_t n_row_groups;
    dc_pq_row_group_filter filter; /* optional */
    void *filter_user;
    int32_t threads; /* columns decoded in parallel by this many threads (<= 0: 2) */
    dc_pq_row_selector select; /* optional; called after `filter` keeps a row group */
    void *select_user;
} dc_pq_read_options;

/*
 * A batch reader over an open file, which the reader takes over (freed with
 * it, also when this fails). DC_ENOTFOUND for a projected name the file does
 * not have, DC_EINVALID for a row group out of range. Each batch holds whole
 * rows of one row group, at most batch_rows of them.
 */
dc_status dc_pq_reader_open(dc_reader **out, dc_pq_file *f, const dc_pq_read_options *opts,
                            dc_error *err);
/* The same over an input (taken over as by dc_pq_file_open). */
dc_status dc_pq_reader_open_input(dc_reader **out, dc_input *in, const dc_pq_read_options *opts,
                                  dc_error *err);

/* ==== end of reader ============================================================== */

#endif
