/*
 * parquet_meta_int.h: the Parquet metadata structures of parquet.thrift
 * (apache/parquet-format, src/main/thrift/parquet.thrift) as C structs, with
 * decoders and encoders over the Thrift compact protocol (thrift_int.h).
 *
 * Conventions of these structs:
 * - Field ids and enum values are exactly parquet.thrift's.
 * - Every optional field `x` has a flag `has_x`; required fields have none.
 *   Enums are stored as int32_t and not range-checked here: a value this code
 *   does not know (a future encoding) decodes as is and the reader decides.
 * - Lists are `T *x` plus `int64_t n_x`. Strings and binaries are dc_pq_str.
 * - Unions (LogicalType, TimeUnit, ColumnOrder, the bloom filter unions) are
 *   stored as `int32_t kind` = the field id of the member that is set (0 when
 *   none), plus the member's parameters. A member id this code does not know
 *   decodes as that kind with no parameters and re-encodes as an empty struct.
 * - Fields of parquet.thrift not listed here (encryption details, geospatial
 *   statistics) are skipped on decode; a few are kept as presence flags only.
 *
 * Ownership: a decoded FileMetaData / OffsetIndex / ColumnIndex owns all its
 * memory in its `arena` (strings are NUL-terminated copies) and is released by
 * its _clear(). A decoded PageHeader allocates nothing: its statistics'
 * binaries point into the decoded bytes (not NUL-terminated) and are valid
 * only as long as those bytes. Structs built by a writer for encoding may
 * point anywhere; _clear() on them (arena untouched, all zero) is a no-op.
 *
 * Decoding checks every declared count against the bytes left before
 * allocating, rejects missing required fields, and skips unknown fields and
 * known fields of an unexpected wire type (as Thrift's generated code does).
 * Failures are DC_ECORRUPT ("truncated varint at offset 12 in the footer") or
 * DC_ENOMEM; on failure the output is left zeroed and owns nothing.
 */
#ifndef DC_FORMATS_PARQUET_META_INT_H
#define DC_FORMATS_PARQUET_META_INT_H

#include "formats/parquet/thrift_int.h"

/* ---- enums (values from parquet.thrift) ---------------------------------------- */

enum { /* Type */
       DC_PQ_TYPE_BOOLEAN = 0,
       DC_PQ_TYPE_INT32 = 1,
       DC_PQ_TYPE_INT64 = 2,
       DC_PQ_TYPE_INT96 = 3,
       DC_PQ_TYPE_FLOAT = 4,
       DC_PQ_TYPE_DOUBLE = 5,
       DC_PQ_TYPE_BYTE_ARRAY = 6,
       DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY = 7,
};

enum { /* ConvertedType */
       DC_PQ_CT_UTF8 = 0,
       DC_PQ_CT_MAP = 1,
       DC_PQ_CT_MAP_KEY_VALUE = 2,
       DC_PQ_CT_LIST = 3,
       DC_PQ_CT_ENUM = 4,
       DC_PQ_CT_DECIMAL = 5,
       DC_PQ_CT_DATE = 6,
       DC_PQ_CT_TIME_MILLIS = 7,
       DC_PQ_CT_TIME_MICROS = 8,
       DC_PQ_CT_TIMESTAMP_MILLIS = 9,
       DC_PQ_CT_TIMESTAMP_MICROS = 10,
       DC_PQ_CT_UINT_8 = 11,
       DC_PQ_CT_UINT_16 = 12,
       DC_PQ_CT_UINT_32 = 13,
       DC_PQ_CT_UINT_64 = 14,
       DC_PQ_CT_INT_8 = 15,
       DC_PQ_CT_INT_16 = 16,
       DC_PQ_CT_INT_32 = 17,
       DC_PQ_CT_INT_64 = 18,
       DC_PQ_CT_JSON = 19,
       DC_PQ_CT_BSON = 20,
       DC_PQ_CT_INTERVAL = 21,
};

enum { /* FieldRepetitionType */
       DC_PQ_REP_REQUIRED = 0,
       DC_PQ_REP_OPTIONAL = 1,
       DC_PQ_REP_REPEATED = 2,
       DC_PQ_REP_VECTOR = 3,
};

enum { /* Encoding */
       DC_PQ_ENC_PLAIN = 0,
       DC_PQ_ENC_PLAIN_DICTIONARY = 2,
       DC_PQ_ENC_RLE = 3,
       DC_PQ_ENC_BIT_PACKED = 4,
       DC_PQ_ENC_DELTA_BINARY_PACKED = 5,
       DC_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
       DC_PQ_ENC_DELTA_BYTE_ARRAY = 7,
       DC_PQ_ENC_RLE_DICTIONARY = 8,
       DC_PQ_ENC_BYTE_STREAM_SPLIT = 9,
};

enum { /* CompressionCodec */
       DC_PQ_CODEC_UNCOMPRESSED = 0,
       DC_PQ_CODEC_SNAPPY = 1,
       DC_PQ_CODEC_GZIP = 2,
       DC_PQ_CODEC_LZO = 3,
       DC_PQ_CODEC_BROTLI = 4,
       DC_PQ_CODEC_LZ4 = 5,
       DC_PQ_CODEC_ZSTD = 6,
       DC_PQ_CODEC_LZ4_RAW = 7,
};

enum { /* PageType */
       DC_PQ_PAGE_DATA = 0,
       DC_PQ_PAGE_INDEX = 1,
       DC_PQ_PAGE_DICTIONARY = 2,
       DC_PQ_PAGE_DATA_V2 = 3,
};

enum { /* BoundaryOrder */
       DC_PQ_BOUNDARY_UNORDERED = 0,
       DC_PQ_BOUNDARY_ASCENDING = 1,
       DC_PQ_BOUNDARY_DESCENDING = 2,
};

enum { /* LogicalType union members (field ids) */
       DC_PQ_LT_NONE = 0,
       DC_PQ_LT_STRING = 1,
       DC_PQ_LT_MAP = 2,
       DC_PQ_LT_LIST = 3,
       DC_PQ_LT_ENUM = 4,
       DC_PQ_LT_DECIMAL = 5,
       DC_PQ_LT_DATE = 6,
       DC_PQ_LT_TIME = 7,
       DC_PQ_LT_TIMESTAMP = 8,
       DC_PQ_LT_INTEGER = 10,
       DC_PQ_LT_UNKNOWN = 11, /* the NULL type: only nulls stored */
       DC_PQ_LT_JSON = 12,
       DC_PQ_LT_BSON = 13,
       DC_PQ_LT_UUID = 14,
       DC_PQ_LT_FLOAT16 = 15,
       DC_PQ_LT_VARIANT = 16,
       DC_PQ_LT_GEOMETRY = 17,
       DC_PQ_LT_GEOGRAPHY = 18,
       DC_PQ_LT_VECTOR = 19,
};

enum { /* TimeUnit union members */
       DC_PQ_UNIT_MILLIS = 1,
       DC_PQ_UNIT_MICROS = 2,
       DC_PQ_UNIT_NANOS = 3,
};

enum { /* ColumnOrder union members */
       DC_PQ_ORDER_TYPE_DEFINED = 1,
       DC_PQ_ORDER_IEEE_754_TOTAL = 2,
       DC_PQ_ORDER_INT96_TIMESTAMP = 3,
};

/* Short names for messages ("INT32", "PLAIN"); "unknown" for other values, never NULL.
 * (dc_pq_codec_name is in codec_int.h.) */
const char *dc_pq_type_name(int32_t type);
const char *dc_pq_converted_type_name(int32_t ct);
const char *dc_pq_encoding_name(int32_t enc);
const char *dc_pq_page_type_name(int32_t type);

/* ---- structures ----------------------------------------------------------------- */

/* A string or binary: `len` bytes at `ptr` (NUL-terminated copies when decoded into an arena). */
typedef struct dc_pq_str {
    const char *ptr;
    int64_t len;
} dc_pq_str;

typedef struct dc_pq_statistics {
    dc_pq_str max, min; /* deprecated signed-order bounds (1, 2) */
    int64_t null_count;
    int64_t distinct_count;
    dc_pq_str max_value, min_value; /* (5, 6) */
    bool is_max_value_exact, is_min_value_exact;
    int64_t nan_count;
    bool has_max, has_min, has_null_count, has_distinct_count, has_max_value, has_min_value,
        has_is_max_value_exact, has_is_min_value_exact, has_nan_count;
} dc_pq_statistics;

typedef struct dc_pq_decimal_type {
    int32_t scale, precision;
} dc_pq_decimal_type;

/* TimeType and TimestampType. `unit` is DC_PQ_UNIT_*. */
typedef struct dc_pq_time_type {
    bool is_adjusted_to_utc;
    int32_t unit;
} dc_pq_time_type;

typedef struct dc_pq_int_type {
    int8_t bit_width;
    bool is_signed;
} dc_pq_int_type;

typedef struct dc_pq_variant_type {
    int8_t specification_version;
    bool has_specification_version;
} dc_pq_variant_type;

/* GeometryType (crs) and GeographyType (crs, algorithm). */
typedef struct dc_pq_geo_type {
    dc_pq_str crs;
    int32_t algorithm;
    bool has_crs, has_algorithm;
} dc_pq_geo_type;

typedef struct dc_pq_logical_type {
    int32_t kind; /* DC_PQ_LT_*, 0 = no member set */
    dc_pq_decimal_type decimal;
    dc_pq_time_type time;      /* kind TIME */
    dc_pq_time_type timestamp; /* kind TIMESTAMP */
    dc_pq_int_type integer;
    dc_pq_variant_type variant;
    dc_pq_geo_type geometry; /* crs only */
    dc_pq_geo_type geography;
} dc_pq_logical_type;

typedef struct dc_pq_schema_element {
    int32_t type; /* DC_PQ_TYPE_*; unset for groups */
    int32_t type_length;
    int32_t repetition_type; /* DC_PQ_REP_* */
    dc_pq_str name;          /* required */
    int32_t num_children;
    int32_t converted_type; /* DC_PQ_CT_* */
    int32_t scale;
    int32_t precision;
    int32_t field_id;
    dc_pq_logical_type logical_type;
    int32_t vector_length;
    bool has_type, has_type_length, has_repetition_type, has_num_children, has_converted_type,
        has_scale, has_precision, has_field_id, has_logical_type, has_vector_length;
} dc_pq_schema_element;

typedef struct dc_pq_key_value {
    dc_pq_str key;
    dc_pq_str value;
    bool has_value;
} dc_pq_key_value;

typedef struct dc_pq_sorting_column {
    int32_t column_idx;
    bool descending;
    bool nulls_first;
} dc_pq_sorting_column;

typedef struct dc_pq_page_encoding_stats {
    int32_t page_type; /* DC_PQ_PAGE_* */
    int32_t encoding;  /* DC_PQ_ENC_* */
    int32_t count;
} dc_pq_page_encoding_stats;

typedef struct dc_pq_size_statistics {
    int64_t unencoded_byte_array_data_bytes;
    int64_t *repetition_level_histogram;
    int64_t n_repetition_level_histogram;
    int64_t *definition_level_histogram;
    int64_t n_definition_level_histogram;
    bool has_unencoded_byte_array_data_bytes, has_repetition_level_histogram,
        has_definition_level_histogram;
} dc_pq_size_statistics;

typedef struct dc_pq_column_metadata {
    int32_t type;       /* DC_PQ_TYPE_* */
    int32_t *encodings; /* DC_PQ_ENC_* */
    int64_t n_encodings;
    dc_pq_str *path_in_schema;
    int64_t n_path_in_schema;
    int32_t codec; /* DC_PQ_CODEC_* */
    int64_t num_values;
    int64_t total_uncompressed_size;
    int64_t total_compressed_size;
    dc_pq_key_value *key_value_metadata;
    int64_t n_key_value_metadata;
    int64_t data_page_offset;
    int64_t index_page_offset;
    int64_t dictionary_page_offset;
    dc_pq_statistics statistics;
    dc_pq_page_encoding_stats *encoding_stats;
    int64_t n_encoding_stats;
    int64_t bloom_filter_offset;
    int32_t bloom_filter_length;
    dc_pq_size_statistics size_statistics;
    bool has_key_value_metadata, has_index_page_offset, has_dictionary_page_offset, has_statistics,
        has_encoding_stats, has_bloom_filter_offset, has_bloom_filter_length, has_size_statistics;
} dc_pq_column_metadata;

typedef struct dc_pq_column_chunk {
    dc_pq_str file_path;
    int64_t file_offset; /* required with default 0: always written, 0 when absent */
    dc_pq_column_metadata meta_data;
    int64_t offset_index_offset;
    int32_t offset_index_length;
    int64_t column_index_offset;
    int32_t column_index_length;
    dc_pq_str encrypted_column_metadata;
    bool has_file_path, has_meta_data, has_offset_index_offset, has_offset_index_length,
        has_column_index_offset, has_column_index_length;
    bool has_crypto_metadata; /* presence only: the column is encrypted */
    bool has_encrypted_column_metadata;
} dc_pq_column_chunk;

typedef struct dc_pq_row_group {
    dc_pq_column_chunk *columns;
    int64_t n_columns;
    int64_t total_byte_size;
    int64_t num_rows;
    dc_pq_sorting_column *sorting_columns;
    int64_t n_sorting_columns;
    int64_t file_offset;
    int64_t total_compressed_size;
    int16_t ordinal;
    bool has_sorting_columns, has_file_offset, has_total_compressed_size, has_ordinal;
} dc_pq_row_group;

typedef struct dc_pq_column_order {
    int32_t kind; /* DC_PQ_ORDER_*, 0 = none */
} dc_pq_column_order;

typedef struct dc_pq_file_metadata {
    int32_t version;
    dc_pq_schema_element *schema;
    int64_t n_schema;
    int64_t num_rows;
    dc_pq_row_group *row_groups;
    int64_t n_row_groups;
    dc_pq_key_value *key_value_metadata;
    int64_t n_key_value_metadata;
    dc_pq_str created_by;
    dc_pq_column_order *column_orders;
    int64_t n_column_orders;
    dc_pq_str footer_signing_key_metadata;
    bool has_key_value_metadata, has_created_by, has_column_orders;
    bool has_encryption_algorithm; /* presence only: encrypted file with plaintext footer */
    bool has_footer_signing_key_metadata;
    dc_arena arena; /* owns everything above once decoded */
} dc_pq_file_metadata;

typedef struct dc_pq_data_page_header {
    int32_t num_values;
    int32_t encoding;
    int32_t definition_level_encoding;
    int32_t repetition_level_encoding;
    dc_pq_statistics statistics;
    bool has_statistics;
} dc_pq_data_page_header;

typedef struct dc_pq_dictionary_page_header {
    int32_t num_values;
    int32_t encoding;
    bool is_sorted;
    bool has_is_sorted;
} dc_pq_dictionary_page_header;

typedef struct dc_pq_data_page_header_v2 {
    int32_t num_values;
    int32_t num_nulls;
    int32_t num_rows;
    int32_t encoding;
    int32_t definition_levels_byte_length;
    int32_t repetition_levels_byte_length;
    bool is_compressed; /* when !has_is_compressed the spec's default is true */
    dc_pq_statistics statistics;
    bool has_is_compressed, has_statistics;
} dc_pq_data_page_header_v2;

typedef struct dc_pq_page_header {
    int32_t type; /* DC_PQ_PAGE_* */
    int32_t uncompressed_page_size;
    int32_t compressed_page_size;
    int32_t crc;
    dc_pq_data_page_header data_page_header;
    dc_pq_dictionary_page_header dictionary_page_header;
    dc_pq_data_page_header_v2 data_page_header_v2;
    bool has_crc, has_data_page_header, has_index_page_header, has_dictionary_page_header,
        has_data_page_header_v2;
} dc_pq_page_header;

typedef struct dc_pq_page_location {
    int64_t offset;
    int32_t compressed_page_size;
    int64_t first_row_index;
} dc_pq_page_location;

typedef struct dc_pq_offset_index {
    dc_pq_page_location *page_locations;
    int64_t n_page_locations;
    int64_t *unencoded_byte_array_data_bytes;
    int64_t n_unencoded_byte_array_data_bytes;
    bool has_unencoded_byte_array_data_bytes;
    dc_arena arena;
} dc_pq_offset_index;

typedef struct dc_pq_column_index {
    bool *null_pages;
    int64_t n_null_pages;
    dc_pq_str *min_values;
    int64_t n_min_values;
    dc_pq_str *max_values;
    int64_t n_max_values;
    int32_t boundary_order; /* DC_PQ_BOUNDARY_* */
    int64_t *null_counts;
    int64_t n_null_counts;
    int64_t *repetition_level_histograms;
    int64_t n_repetition_level_histograms;
    int64_t *definition_level_histograms;
    int64_t n_definition_level_histograms;
    int64_t *nan_counts;
    int64_t n_nan_counts;
    bool has_null_counts, has_repetition_level_histograms, has_definition_level_histograms,
        has_nan_counts;
    dc_arena arena;
} dc_pq_column_index;

/* BloomFilterHeader; the three unions hold their member id (1 is the only one defined). */
typedef struct dc_pq_bloom_filter_header {
    int32_t num_bytes;
    int32_t algorithm;   /* 1 = BLOCK */
    int32_t hash;        /* 1 = XXHASH */
    int32_t compression; /* 1 = UNCOMPRESSED */
} dc_pq_bloom_filter_header;

/* ---- decode / encode / clear ---------------------------------------------------- */

/*
 * Decode a footer (the FileMetaData bytes between the data and the length
 * word). Bytes after the struct's STOP are ignored. `out` owns its memory on
 * success; release with dc_pq_file_metadata_clear().
 */
dc_status dc_pq_file_metadata_decode(dc_pq_file_metadata *out, const void *bytes, int64_t n,
                                     dc_error *err);
/* Append the encoding of `in` to `out` (on failure `out` keeps its old size). */
dc_status dc_pq_file_metadata_encode(dc_bytes *out, const dc_pq_file_metadata *in, dc_error *err);
void dc_pq_file_metadata_clear(dc_pq_file_metadata *m); /* NULL-safe */

/*
 * Decode a page header from the start of `bytes` (n bytes available, more
 * than the header is fine); *consumed (optional) gets the header's size. No
 * allocation: statistics binaries point into `bytes`.
 */
dc_status dc_pq_page_header_decode(dc_pq_page_header *out, const void *bytes, int64_t n,
                                   int64_t *consumed, dc_error *err);
dc_status dc_pq_page_header_encode(dc_bytes *out, const dc_pq_page_header *in, dc_error *err);
void dc_pq_page_header_clear(dc_pq_page_header *h); /* NULL-safe */

dc_status dc_pq_offset_index_decode(dc_pq_offset_index *out, const void *bytes, int64_t n,
                                    dc_error *err);
dc_status dc_pq_offset_index_encode(dc_bytes *out, const dc_pq_offset_index *in, dc_error *err);
void dc_pq_offset_index_clear(dc_pq_offset_index *oi); /* NULL-safe */

dc_status dc_pq_column_index_decode(dc_pq_column_index *out, const void *bytes, int64_t n,
                                    dc_error *err);
dc_status dc_pq_column_index_encode(dc_bytes *out, const dc_pq_column_index *in, dc_error *err);
void dc_pq_column_index_clear(dc_pq_column_index *ci); /* NULL-safe */

/* Bloom filter header (allocates nothing); *consumed as for page headers. */
dc_status dc_pq_bloom_filter_header_decode(dc_pq_bloom_filter_header *out, const void *bytes,
                                           int64_t n, int64_t *consumed, dc_error *err);
dc_status dc_pq_bloom_filter_header_encode(dc_bytes *out, const dc_pq_bloom_filter_header *in,
                                           dc_error *err);

/* ---- the descriptor tables (for tests, fuzzers and the generic codec) ------------- */

/*
 * Each structure is described by a table of its fields; one generic decoder,
 * encoder and comparison walk the tables. A field's value lives at `off` in
 * the C struct (-1: no storage, an empty struct kept as a presence flag or a
 * union member without parameters), its flag at `has_off` (-1: none), a list's
 * element count (int64_t) at `count_off`.
 */
typedef enum dc_pq_kind {
    DC_PQK_BOOL = 1,
    DC_PQK_I8,
    DC_PQK_I16,
    DC_PQK_I32,
    DC_PQK_I64,
    DC_PQK_STR,
    DC_PQK_STRUCT,
    DC_PQK_LIST,
} dc_pq_kind;

typedef struct dc_pq_desc dc_pq_desc;
typedef struct dc_pq_field {
    int16_t id;
    uint8_t kind;          /* dc_pq_kind */
    uint8_t elem;          /* lists: element kind (BOOL, I32, I64, STR, STRUCT) */
    bool required;         /* decode fails when absent */
    const char *name;      /* parquet.thrift's name */
    int32_t off;           /* value or list items pointer; -1: none */
    int32_t has_off;       /* bool flag; -1: none (required, or always written) */
    int32_t count_off;     /* lists: int64_t count */
    const dc_pq_desc *sub; /* STRUCT, or list of STRUCT */
} dc_pq_field;

struct dc_pq_desc {
    const char *name; /* parquet.thrift's name */
    int32_t size;     /* sizeof the C struct */
    int32_t kind_off; /* unions: int32_t member id; -1 for structs */
    int32_t n_fields;
    const dc_pq_field *fields;
};

extern const dc_pq_desc dc_pq_desc_statistics, dc_pq_desc_logical_type, dc_pq_desc_schema_element,
    dc_pq_desc_key_value, dc_pq_desc_sorting_column, dc_pq_desc_page_encoding_stats,
    dc_pq_desc_size_statistics, dc_pq_desc_column_metadata, dc_pq_desc_column_chunk,
    dc_pq_desc_row_group, dc_pq_desc_column_order, dc_pq_desc_file_metadata,
    dc_pq_desc_data_page_header, dc_pq_desc_dictionary_page_header, dc_pq_desc_data_page_header_v2,
    dc_pq_desc_page_header, dc_pq_desc_page_location, dc_pq_desc_offset_index,
    dc_pq_desc_column_index, dc_pq_desc_bloom_filter_header;

/*
 * Decode one struct described by `d` into `obj` (zeroed first) from `bytes`.
 * Strings and lists are allocated in `arena`; with a NULL arena strings point
 * into `bytes` and a list is an internal error (only for list-free structs).
 * `what` names the bytes in messages. On failure `obj` may be half-filled
 * (its arena allocations stay in the arena).
 */
dc_status dc_pq__decode(const dc_pq_desc *d, void *obj, const void *bytes, int64_t n,
                        dc_arena *arena, int64_t *consumed, const char *what, dc_error *err);
/* Append the encoding of `obj` to `out`; on failure `out` keeps its old size. */
dc_status dc_pq__encode(const dc_pq_desc *d, const void *obj, dc_bytes *out, dc_error *err);
/* Deep equality of two structs of `d`: set fields and their values (unset values ignored). */
bool dc_pq__equal(const dc_pq_desc *d, const void *a, const void *b);

#endif
