/*
 * writer_int.h: the insides of the Parquet writer shared by writer.c (the file:
 * schema, row groups, threads, page index, footer) and writer_column.c (one leaf
 * column: shredding Arrow arrays into levels and values, dictionary and PLAIN
 * encoding, statistics, pages, compression).
 *
 * Notes on the design:
 *  1. A leaf column is a path of steps from a top-level Arrow array down to the
 *     leaf array: STRUCT (follow one child), LIST (LIST, LARGE_LIST,
 *     FIXED_SIZE_LIST and MAP: iterate the elements), LEAF. An optional step adds
 *     one definition level when its value is present; a LIST step adds one more
 *     when the list is not empty and one repetition level to all but its first
 *     element (the standard 3-level LIST and MAP layouts).
 *  2. A batch is shredded in slices of at most PQW_SLICE_ROWS rows; a data page is
 *     cut only between slices, so every page starts at a row boundary (what the
 *     OffsetIndex requires).
 *  3. A column's state is touched by one thread at a time: the writer hands whole
 *     columns to its workers and waits for all of them before the next batch, so
 *     the output does not depend on the number of threads or their timing. Pages
 *     a column cuts are compressed by whichever thread is free (a long text
 *     column would otherwise keep one thread busy while the others wait), then
 *     put in the chunk in order by the writer once the batch is done.
 *  4. A column chunk's pages stay in memory until its row group is flushed: the
 *     writer buffers at most one row group of encoded pages.
 */
#ifndef DC_PQ_WRITER_INT_H
#define DC_PQ_WRITER_INT_H

#include "formats/parquet/codec_int.h"
#include "formats/parquet/encoding_int.h"
#include "formats/parquet/parquet_int.h"
#include "formats/parquet/parquet_meta_int.h"

#define PQW_MAX_DEPTH 64
#define PQW_SLICE_ROWS 4096
#define PQW_STATS_TRUNCATE 64
#define PQW_DICT_REST 7 /* chunks without a dictionary after one that saved nothing */
#define PQW_DICT_JUDGE 1024 /* ... on a first page of at least this many values */

enum { PQW_STEP_LEAF, PQW_STEP_STRUCT, PQW_STEP_LIST };

typedef struct pqw_step {
    uint8_t kind;      /* PQW_STEP_* */
    bool optional;     /* a null here is a definition level below this step's */
    int32_t child;     /* STRUCT: the child followed */
    int16_t rep_level; /* LIST: repetition level of the elements after the first */
} pqw_step;

/* How a leaf's Arrow values become Parquet physical values. */
typedef enum pqw_conv {
    PQW_CV_NULL,     /* the NULL type: no values */
    PQW_CV_BOOL,     /* bits -> one byte 0/1 each */
    PQW_CV_COPY,     /* same bytes, width `type_length` (4, 8, FLBA) */
    PQW_CV_I8,       /* int8 -> INT32 */
    PQW_CV_I16,
    PQW_CV_U8,
    PQW_CV_U16,
    PQW_CV_MUL1000_32, /* time32[s] -> TIME(MILLIS) */
    PQW_CV_MUL1000_64, /* timestamp[s] -> TIMESTAMP(MILLIS) */
    PQW_CV_DATE64,     /* ms -> days */
    PQW_CV_DEC_I32,    /* decimal -> INT32 (low 4 bytes) */
    PQW_CV_DEC_I64,
    PQW_CV_DEC_FLBA, /* decimal -> big-endian two's complement of type_length bytes */
    PQW_CV_BIN32,    /* utf8/binary -> views */
    PQW_CV_BIN64,    /* large_ forms */
} pqw_conv;

/* Sort orders of the statistics (parquet.thrift ColumnOrder TYPE_ORDER rules). */
typedef enum pqw_order {
    PQW_ORD_NONE,   /* no statistics (NULL type) */
    PQW_ORD_BOOL,
    PQW_ORD_I32,    /* signed */
    PQW_ORD_U32,
    PQW_ORD_I64,
    PQW_ORD_U64,
    PQW_ORD_FLOAT,  /* NaN ignored */
    PQW_ORD_DOUBLE,
    PQW_ORD_HALF,   /* FLOAT16 as FLBA(2) */
    PQW_ORD_BYTES,  /* unsigned lexicographic (strings, binary, FLBA) */
    PQW_ORD_DEC_BE, /* signed big-endian two's complement (decimal FLBA) */
} pqw_order;

/* A byte-array value seen through its bytes. */
typedef struct pqw_view {
    const uint8_t *p;
    int64_t len;
} pqw_view;

/* min/max of some values in their physical PLAIN form (byte arrays without length). */
typedef struct pqw_minmax {
    dc_bytes min, max;
    bool has;
} pqw_minmax;

/* What the page index needs to remember of one data page. */
typedef struct pqw_page_info {
    int64_t offset;     /* in the column's page buffer (dictionary page excluded) */
    int32_t size;       /* header + compressed body */
    int64_t first_row;  /* in the row group */
    int64_t null_count;
    bool null_page;     /* no non-null value */
    bool has_minmax;
    int64_t min_off, max_off; /* in the column's page_stats bytes */
    int32_t min_len, max_len;
} pqw_page_info;

/*
 * A data page cut from a column and waiting for its compression (on any of the
 * writer's threads) and its place in the chunk (on the column's thread, in order).
 */
typedef struct pqw_page {
    dc_bytes body;   /* v1: levels (and dictionary indices); v2: dictionary indices */
    dc_bytes vals;   /* PLAIN values after body: the column's page buffer, swapped out */
    dc_bytes lvl;    /* v2: levels (never compressed) */
    dc_bytes comp;   /* the compressed body and vals, from comp_off */
    int64_t comp_off;
    dc_bytes bounds; /* statistics: min then max */
    int32_t enc;
    bool raw;        /* stored as is (UNCOMPRESSED, or a v2 page without values) */
    int64_t entries, nulls, rows, first_row, rep_len, def_len;
    bool has_mm, min_exact, max_exact;
    int64_t min_len, max_len;
    dc_status rc; /* of its compression */
    dc_error err;
} pqw_page;

typedef struct pqw_column pqw_column;
/* Queue pg's compression; false: not queued (the column compresses it itself). */
typedef bool (*pqw_page_cut_fn)(void *user, pqw_column *c, pqw_page *pg);

struct pqw_column {
    /* ---- fixed at open ---- */
    int32_t index;        /* leaf number */
    int32_t field;        /* top-level field */
    pqw_step steps[PQW_MAX_DEPTH];
    int32_t n_steps;
    int16_t max_def, max_rep;
    int32_t ptype;       /* DC_PQ_TYPE_* */
    int32_t type_length; /* bytes per physical value (fixed types) */
    pqw_conv conv;
    pqw_order order;
    bool dict_source;    /* the leaf is an Arrow dictionary array */
    bool is_text;        /* UTF-8 strings: truncated statistics stay valid UTF-8 */
    bool use_dict;       /* try RLE_DICTIONARY in each chunk */
    char *name;          /* dotted path for messages */
    dc_pq_str *path;     /* path_in_schema */
    int32_t n_path;
    const dc_parquet_write_options *opts; /* the writer's */

    /* ---- the dictionary of the current chunk ---- */
    bool dict_active;  /* values of the current page go to the dictionary */
    bool dict_useless; /* this chunk's dictionary saved nothing on its first page */
    int32_t dict_rest; /* chunks still to write without trying a dictionary */
    dc_bytes dict_vals;  /* PLAIN form of the entries */
    int64_t *dict_off;   /* byte arrays: each entry's start in dict_vals (after its length) */
    uint64_t *dict_hash; /* each entry's hash */
    int64_t dict_n, dict_cap;
    uint32_t *slots; /* entry + 1, 0 empty */
    int64_t n_slots;

    /* ---- the current page ---- */
    dc_bytes def, rep; /* uint32 levels */
    dc_bytes values;   /* PLAIN bytes, or uint32 dictionary indices when page_dict */
    bool page_dict;
    int64_t page_plain;     /* dictionary pages: bytes the values would take PLAIN */
    int64_t page_bool_bits; /* booleans: bits in `values` */
    int64_t page_entries, page_rows, page_nulls, page_nonnull;
    pqw_minmax page_mm;

    /* ---- the chunk ---- */
    dc_bytes pages;      /* data pages (headers + bodies) */
    dc_bytes dict_page;  /* the dictionary page, once the chunk is finished */
    pqw_page_info *page_info;
    int64_t n_pages, page_cap;
    dc_bytes page_stats; /* min/max bytes of the pages */
    pqw_minmax chunk_mm;
    bool chunk_minmax_lost; /* a page with values but no min/max (all NaN) */
    int64_t chunk_entries, chunk_rows, chunk_nulls;
    int64_t chunk_uncompressed, chunk_compressed; /* data pages, headers included */
    int64_t dict_uncompressed, dict_compressed;
    int64_t n_dict_pages_data, n_plain_pages_data; /* data pages by encoding */
    bool fell_back;

    /* ---- scratch ---- */
    dc_bytes scratch_idx;  /* int64 leaf indices of a slice */
    dc_bytes scratch_map;  /* int64 dictionary value indices of a slice */
    dc_bytes scratch_vals; /* materialised physical values */
    dc_bytes scratch_comp; /* the compressed dictionary page */
    dc_bytes scratch_hdr;  /* page header */

    /* ---- pages cut, not yet in the chunk (slots reused) ---- */
    pqw_page **pend;
    int64_t n_pend, pend_cap;
    pqw_page_cut_fn page_cut; /* set: pages are compressed by the writer's pool */
    void *page_cut_user;
};

/* writer_column.c */
void dc_pqw_column_clear(pqw_column *c);
/*
 * Shred and encode top-level column `arr` (rows [0, arr->length)) into `c`'s
 * pages, cutting pages when they reach the options' limits. `ctx` is the
 * calling thread's codec context. On failure `err` says why (naming the column)
 * and the column is left unusable.
 */
dc_status dc_pqw_column_write(pqw_column *c, const dc_array *arr, dc_pq_codec_ctx *ctx,
                              dc_error *err);
/*
 * With page_cut set, a page cut by dc_pqw_column_write is handed to page_cut
 * (on the column's thread) to be compressed by dc_pqw_page_compress on any
 * thread; once all of them are, dc_pqw_column_complete puts them in the chunk
 * in order (the first failed compression is its error). Without page_cut both
 * happen when the page is cut.
 */
void dc_pqw_page_compress(const pqw_column *c, pqw_page *pg, dc_pq_codec_ctx *ctx);
dc_status dc_pqw_column_complete(pqw_column *c, dc_error *err);
/* Flush the last page and build the dictionary page: the chunk is ready to be copied out. */
dc_status dc_pqw_column_finish_chunk(pqw_column *c, dc_pq_codec_ctx *ctx, dc_error *err);
/* Forget the chunk (after it was written) and start a new one. */
void dc_pqw_column_reset_chunk(pqw_column *c);
/* Bytes the column holds for its current chunk (pages and page being built). */
int64_t dc_pqw_column_buffered(const pqw_column *c);
/*
 * Statistics bounds ready to store: `src` (len bytes) truncated to
 * PQW_STATS_TRUNCATE bytes for byte arrays. *out points into `src` or into
 * `buf` (PQW_STATS_TRUNCATE bytes). *exact false when truncated.
 */
void dc_pqw_stat_bound(const pqw_column *c, const uint8_t *src, int64_t len, bool is_max,
                       uint8_t *buf, const uint8_t **out, int64_t *out_len, bool *exact);
/* Three-way comparison of two PLAIN-form values under the column's sort order. */
int dc_pqw_compare(const pqw_column *c, const uint8_t *a, int64_t alen, const uint8_t *b,
                   int64_t blen);

#endif
