/*
 * reader_int.h: the insides of the Parquet reader shared by reader_file.c (the
 * footer and its checks, statistics), reader_schema.c (Parquet schema -> Arrow),
 * reader_column.c (one column chunk: pages, levels, values) and reader.c (the
 * batch reader: rows from levels).
 *
 * Notes on the design:
 *  1. The Parquet schema becomes a tree of Arrow nodes (LEAF, STRUCT, LIST, MAP);
 *     a LIST or MAP node absorbs the repeated Parquet node under it. Each node
 *     knows which level entries of its leaves are its "slots" (one per Arrow
 *     element): entries whose repetition level is <= `rep` and whose definition
 *     level is >= `slot_def`. A slot is non-null when def >= `null_def`. A LIST
 *     slot has an element when def >= `elem_def`; an entry with repetition level
 *     `elem_rep` adds one more element to the current list. Children of a LIST
 *     take (elem_rep, elem_def) as their (rep, slot_def); children of a STRUCT
 *     take the struct's.
 *  2. Every leaf column chunk is read in one range (dc_input_read_at) and cut
 *     into pages; a page's levels are decoded when it is loaded, its values as
 *     they are taken (dense: one per entry whose def == max_def).
 *  3. A batch takes the same number of rows from every projected leaf; rows end
 *     where the repetition level is 0, so a row spanning pages is whole.
 *  4. Nothing is sized from a count read out of the file without a bound: pages
 *     are capped (PQR_MAX_PAGE_BYTES, PQR_MAX_PAGE_VALUES) and outputs grow only
 *     with values actually decoded.
 */
#ifndef DC_PQ_READER_INT_H
#define DC_PQ_READER_INT_H

#include "formats/parquet/codec_int.h"
#include "formats/parquet/encoding_int.h"
#include "formats/parquet/parquet_int.h"

#define PQR_MAX_DEPTH       100
#define PQR_MAX_PAGE_BYTES  ((int64_t)1 << 30)
#define PQR_MAX_PAGE_VALUES ((int64_t)1 << 26)
#define PQR_MAX_BATCH_BYTES ((int64_t)1 << 30)
#define PQR_MAX_THREADS 8
#define PQR_TAIL_READ       ((int64_t)64 << 10) /* bytes read at the end of a file at open */

enum { PQR_LEAF, PQR_STRUCT, PQR_LIST, PQR_MAP };

/* How dense physical values become Arrow values. */
enum {
    PQR_CV_COPY,    /* same bytes (ints, floats, FLBA, temporal of the same width) */
    PQR_CV_BOOL,    /* bitmap */
    PQR_CV_BINARY,  /* offsets + bytes (binary) */
    PQR_CV_UTF8,    /* offsets + bytes, UTF-8 checked */
    PQR_CV_I32_I8,  /* INT32 -> 1 byte (int8/uint8) */
    PQR_CV_I32_I16, /* INT32 -> 2 bytes */
    PQR_CV_I32_DEC, /* INT32 -> decimal (16 or 32 bytes) */
    PQR_CV_I64_DEC,
    PQR_CV_BE_DEC, /* big-endian two's complement (FLBA or BYTE_ARRAY) -> decimal */
    PQR_CV_INT96,  /* Julian day + nanoseconds -> timestamp[ns] */
    PQR_CV_NULL,   /* the NULL type: values ignored */
};

typedef struct pqr_node {
    uint8_t kind;
    int16_t rep, slot_def, null_def;
    int16_t elem_def, elem_rep; /* LIST, MAP */
    int32_t leaf;               /* LEAF: its leaf; others: the first leaf below */
    int32_t n_children;
    struct pqr_node *children;
    dc_field field; /* name, Arrow type, nullable, metadata (PARQUET:field_id) */
} pqr_node;

struct dc_pq_file {
    dc_input *in;
    dc_pq_file_metadata meta;
    int64_t size, footer_len, data_end; /* data_end: where the footer starts */
    pqr_node root;                      /* a STRUCT of the top-level fields */
    dc_pq_leaf *leaves;
    int32_t n_leaves;
    int64_t *chunk_start, *chunk_len; /* [row_group * n_leaves + leaf] */
    dc_schema *schema;
};

/* reader_schema.c: build root, leaves and schema from f->meta.schema. */
dc_status pqr_schema_build(dc_pq_file *f, dc_error *err);
void pqr_schema_free(dc_pq_file *f);

/* One leaf column being read: its chunk, current page and output for the batch. */
typedef struct pqr_column {
    const dc_pq_file *file;
    const dc_pq_leaf *L;
    int32_t leaf, rg;
    dc_pq_codec_ctx *codec; /* borrowed */
    /* the chunk */
    uint8_t *chunk;
    int64_t chunk_len, chunk_cap, chunk_start, pos, codec_id;
    bool started;
    /* dictionary */
    bool has_dict;
    int64_t dict_n;
    dc_bytes dict_vals;    /* fixed: n * width; binary: the bytes */
    dc_bytes dict_offsets; /* binary: n + 1 int32 */
    /* current page */
    int64_t page_off; /* file offset of the page header (messages) */
    int64_t page_n, page_i;
    dc_bytes page_def, page_rep; /* uint32 levels of the page */
    dc_bytes page_buf;           /* decompressed bytes */
    const uint8_t *vals;
    int64_t vals_len;
    int32_t enc;
    int64_t vpos; /* PLAIN: byte (bit for BOOLEAN) position; BSS: value index */
    dc_pq_rle_decoder rle;
    dc_pq_delta_decoder delta;
    dc_bytes pre_ends, pre_data; /* DELTA_LENGTH / DELTA_BYTE_ARRAY: the page's values */
    int64_t pre_i;
    dc_bytes idx; /* uint32 dictionary indices scratch */
    /* output of the batch */
    dc_bytes out_def, out_rep; /* uint32 */
    int64_t out_n;             /* level entries */
    dc_bytes out_vals;         /* dense values: fixed bytes, bitmap, or binary bytes */
    dc_bytes out_ends;         /* binary: out_nv + 1 int32 offsets */
    int64_t out_nv;
    bool out_plain_utf8; /* values not from a checked dictionary were added */
    int64_t last_bytes;  /* binary bytes of the previous batch (to reserve ahead) */
    /* row selection: the chunk holds the dictionary page and only the data pages
     * overlapping the selected rows (from the offset index), in row order */
    bool sel;
    int64_t n_inc;
    int64_t *inc_first, *inc_end, *inc_pos; /* row span of each page, its place in `chunk` */
    int64_t row_pos; /* the row the decoder gives next (-1: not placed yet) */
    /* the offset index of row group oi_rg (-1: none read), kept from planning to reading */
    int32_t oi_rg;
    bool oi_found;
    dc_pq_offset_index oi;
} pqr_column;

void pqr_column_init(pqr_column *c, const dc_pq_file *f, int32_t leaf, dc_pq_codec_ctx *codec);
void pqr_column_clear(pqr_column *c);
/* Read the chunk of row group `rg` (one range) and reset the page state. */
dc_status pqr_column_start(pqr_column *c, int32_t rg, dc_error *err);
/* Append the levels and values of exactly `rows` more rows to the output. */
dc_status pqr_column_read_rows(pqr_column *c, int64_t rows, dc_error *err);
/*
 * Selected rows: start the chunk of row group `rg` holding only the pages that
 * overlap `ranges` (sorted, disjoint [start, end) row ranges), when the file
 * has an offset index for it (else the whole chunk); then pqr_column_seek to
 * the first row of each range before reading its rows.
 */
/* The OffsetIndex of a chunk, checked (pages inside the chunk, rows increasing from 0);
 * DC_ENOTFOUND when there is none or it is not valid. */
dc_status pqr_offset_index(const dc_pq_file *f, int32_t rg, int32_t leaf, dc_pq_offset_index *oi,
                           dc_error *err);
dc_status pqr_column_start_selected(pqr_column *c, int32_t rg, const dc_pq_row_range *ranges,
                                    int64_t n, dc_error *err);
dc_status pqr_column_seek(pqr_column *c, int64_t row, dc_error *err);
/* A growable list of byte ranges (the reader's prefetch plan). */
typedef struct pqr_ranges {
    dc_input_range *v;
    int64_t n, cap;
} pqr_ranges;
dc_status pqr_ranges_add(pqr_ranges *r, int64_t offset, int64_t length, dc_error *err);
/*
 * The byte ranges the column will read for row group `rg` (appended to `out`): with
 * `ranges` NULL the whole chunk; with selected rows the dictionary region and the runs
 * of pages overlapping them, from the offset index (read now, and kept for
 * pqr_column_start_selected), else the whole chunk.
 */
dc_status pqr_column_plan(pqr_column *c, int32_t rg, const dc_pq_row_range *ranges, int64_t n,
                          pqr_ranges *out, dc_error *err);
/* Forget the batch output (buffers moved away or to be reused). */
void pqr_column_reset_output(pqr_column *c);
/* Prefix err with file, column, row group and page: "FILE: column a.b, row group 0, ...". */
dc_status pqr_column_fail(const pqr_column *c, dc_status rc, dc_error *err);

/*
 * Convert `nv` dense physical values of leaf L (fixed bytes or bitmap in
 * `vals`, or binary `ends` (nv + 1 offsets) + `vals`) into Arrow values: on
 * success *values (and *offsets for binary types) are new buffers; for NULL
 * both are NULL. `vals`/`ends` are moved when they can be (left empty).
 */
dc_status pqr_convert(const dc_pq_leaf *L, dc_bytes *vals, dc_bytes *ends, int64_t nv,
                      bool check_utf8, dc_buffer **values, dc_buffer **offsets, dc_error *err);

#endif
