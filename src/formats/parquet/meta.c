/*
 * meta.c: Parquet metadata (parquet.thrift) decoded from and encoded to the
 * Thrift compact protocol.
 *
 * Notes on the design:
 * 1. Each structure is a table of its fields (dc_pq_desc, below, in the order
 *    and with the ids of parquet.thrift); one generic decoder, encoder and
 *    comparison walk the tables. Adding a field is one line.
 * 2. The decoder zeroes each struct before filling it, so a field appearing
 *    twice keeps its last value and a union keeps its last member.
 * 3. Every list count has been checked by the Thrift layer against the bytes
 *    left before we allocate count * element size, so memory use is bounded by
 *    a small multiple of the input size.
 * 4. A known field with an unexpected wire type is skipped like an unknown
 *    one (what Thrift's generated code does); if it was required, the struct
 *    then fails as missing it.
 * 5. Encoding writes optional fields whose flag is set, required fields
 *    always, and for a union only the member named by its kind.
 */
#include "formats/parquet/parquet_meta_int.h"

#include <stdio.h>

/* ---- enum names ---------------------------------------------------------------- */

#define NAME_OR(tbl, v)                                                                            \
    ((v) >= 0 && (v) < (int32_t)DC_ARRAY_LEN(tbl) && (tbl)[v] ? (tbl)[v] : "unknown")

const char *dc_pq_type_name(int32_t type)
{
    static const char *const names[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                        "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return NAME_OR(names, type);
}

const char *dc_pq_converted_type_name(int32_t ct)
{
    static const char *const names[] = {"UTF8",
                                        "MAP",
                                        "MAP_KEY_VALUE",
                                        "LIST",
                                        "ENUM",
                                        "DECIMAL",
                                        "DATE",
                                        "TIME_MILLIS",
                                        "TIME_MICROS",
                                        "TIMESTAMP_MILLIS",
                                        "TIMESTAMP_MICROS",
                                        "UINT_8",
                                        "UINT_16",
                                        "UINT_32",
                                        "UINT_64",
                                        "INT_8",
                                        "INT_16",
                                        "INT_32",
                                        "INT_64",
                                        "JSON",
                                        "BSON",
                                        "INTERVAL"};
    return NAME_OR(names, ct);
}

const char *dc_pq_encoding_name(int32_t enc)
{
    static const char *const names[] = {"PLAIN",
                                        NULL,
                                        "PLAIN_DICTIONARY",
                                        "RLE",
                                        "BIT_PACKED",
                                        "DELTA_BINARY_PACKED",
                                        "DELTA_LENGTH_BYTE_ARRAY",
                                        "DELTA_BYTE_ARRAY",
                                        "RLE_DICTIONARY",
                                        "BYTE_STREAM_SPLIT"};
    return NAME_OR(names, enc);
}

const char *dc_pq_page_type_name(int32_t type)
{
    static const char *const names[] = {"DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE",
                                        "DATA_PAGE_V2"};
    return NAME_OR(names, type);
}

/* ---- descriptor tables ------------------------------------------------------------ */

#define OFF(T, m) ((int32_t)offsetof(T, m))
#define HAS(T, m) OFF(T, has_##m)
#define CNT(T, m) OFF(T, n_##m)
#define FLD(id, kind, elem, req, name, off, has, cnt, sub)                                         \
    {                                                                                              \
        (id), (uint8_t)(kind), (uint8_t)(elem), (req), (name), (off), (has), (cnt), (sub)          \
    }
#define REQ(T, id, k, m)          FLD(id, DC_PQK_##k, 0, true, #m, OFF(T, m), -1, -1, NULL)
#define OPT(T, id, k, m)          FLD(id, DC_PQK_##k, 0, false, #m, OFF(T, m), HAS(T, m), -1, NULL)
#define REQ_STRUCT(T, id, m, sub) FLD(id, DC_PQK_STRUCT, 0, true, #m, OFF(T, m), -1, -1, &(sub))
#define OPT_STRUCT(T, id, m, sub)                                                                  \
    FLD(id, DC_PQK_STRUCT, 0, false, #m, OFF(T, m), HAS(T, m), -1, &(sub))
#define REQ_LIST(T, id, e, m, sub)                                                                 \
    FLD(id, DC_PQK_LIST, DC_PQK_##e, true, #m, OFF(T, m), -1, CNT(T, m), sub)
#define OPT_LIST(T, id, e, m, sub)                                                                 \
    FLD(id, DC_PQK_LIST, DC_PQK_##e, false, #m, OFF(T, m), HAS(T, m), CNT(T, m), sub)
/* An empty struct kept as a presence flag only. */
#define FLAG(T, id, m) FLD(id, DC_PQK_STRUCT, 0, false, #m, -1, HAS(T, m), -1, &empty_desc)
/* Union members: without parameters, or with their struct stored at member m. */
#define MEMBER(id, name) FLD(id, DC_PQK_STRUCT, 0, false, name, -1, -1, -1, &empty_desc)
#define MEMBER_S(T, id, name, m, sub)                                                              \
    FLD(id, DC_PQK_STRUCT, 0, false, name, OFF(T, m), -1, -1, &(sub))
#define DESC(T, name, f)                                                                           \
    {                                                                                              \
        name, (int32_t)sizeof(T), -1, (int32_t)DC_ARRAY_LEN(f), f                                  \
    }
#define UNION(T, name, kind, f)                                                                    \
    {                                                                                              \
        name, (int32_t)sizeof(T), OFF(T, kind), (int32_t)DC_ARRAY_LEN(f), f                        \
    }

static const dc_pq_desc empty_desc = {"empty struct", 0, -1, 0, NULL};

/* TimeUnit and the bloom filter unions are stored as a bare int32_t member id. */
typedef struct union_id {
    int32_t kind;
} union_id;

static const dc_pq_field time_unit_fields[] = {MEMBER(1, "MILLIS"), MEMBER(2, "MICROS"),
                                               MEMBER(3, "NANOS")};
static const dc_pq_desc time_unit_desc = UNION(union_id, "TimeUnit", kind, time_unit_fields);

#define T dc_pq_statistics
static const dc_pq_field statistics_fields[] = {
    OPT(T, 1, STR, max),
    OPT(T, 2, STR, min),
    OPT(T, 3, I64, null_count),
    OPT(T, 4, I64, distinct_count),
    OPT(T, 5, STR, max_value),
    OPT(T, 6, STR, min_value),
    OPT(T, 7, BOOL, is_max_value_exact),
    OPT(T, 8, BOOL, is_min_value_exact),
    OPT(T, 9, I64, nan_count),
};
const dc_pq_desc dc_pq_desc_statistics = DESC(T, "Statistics", statistics_fields);
#undef T

#define T dc_pq_decimal_type
static const dc_pq_field decimal_fields[] = {REQ(T, 1, I32, scale), REQ(T, 2, I32, precision)};
static const dc_pq_desc decimal_desc = DESC(T, "DecimalType", decimal_fields);
#undef T

#define T dc_pq_time_type
static const dc_pq_field time_fields[] = {REQ(T, 1, BOOL, is_adjusted_to_utc),
                                          REQ_STRUCT(T, 2, unit, time_unit_desc)};
static const dc_pq_desc time_desc = DESC(T, "TimeType", time_fields);
static const dc_pq_desc timestamp_desc = DESC(T, "TimestampType", time_fields);
#undef T

#define T dc_pq_int_type
static const dc_pq_field int_fields[] = {REQ(T, 1, I8, bit_width), REQ(T, 2, BOOL, is_signed)};
static const dc_pq_desc int_desc = DESC(T, "IntType", int_fields);
#undef T

#define T dc_pq_variant_type
static const dc_pq_field variant_fields[] = {OPT(T, 1, I8, specification_version)};
static const dc_pq_desc variant_desc = DESC(T, "VariantType", variant_fields);
#undef T

#define T dc_pq_geo_type
static const dc_pq_field geometry_fields[] = {OPT(T, 1, STR, crs)};
static const dc_pq_desc geometry_desc = DESC(T, "GeometryType", geometry_fields);
static const dc_pq_field geography_fields[] = {OPT(T, 1, STR, crs), OPT(T, 2, I32, algorithm)};
static const dc_pq_desc geography_desc = DESC(T, "GeographyType", geography_fields);
#undef T

#define T dc_pq_logical_type
static const dc_pq_field logical_type_fields[] = {
    MEMBER(1, "STRING"),
    MEMBER(2, "MAP"),
    MEMBER(3, "LIST"),
    MEMBER(4, "ENUM"),
    MEMBER_S(T, 5, "DECIMAL", decimal, decimal_desc),
    MEMBER(6, "DATE"),
    MEMBER_S(T, 7, "TIME", time, time_desc),
    MEMBER_S(T, 8, "TIMESTAMP", timestamp, timestamp_desc),
    MEMBER_S(T, 10, "INTEGER", integer, int_desc),
    MEMBER(11, "UNKNOWN"),
    MEMBER(12, "JSON"),
    MEMBER(13, "BSON"),
    MEMBER(14, "UUID"),
    MEMBER(15, "FLOAT16"),
    MEMBER_S(T, 16, "VARIANT", variant, variant_desc),
    MEMBER_S(T, 17, "GEOMETRY", geometry, geometry_desc),
    MEMBER_S(T, 18, "GEOGRAPHY", geography, geography_desc),
    MEMBER(19, "VECTOR"),
};
const dc_pq_desc dc_pq_desc_logical_type = UNION(T, "LogicalType", kind, logical_type_fields);
#undef T

#define T dc_pq_schema_element
static const dc_pq_field schema_element_fields[] = {
    OPT(T, 1, I32, type),
    OPT(T, 2, I32, type_length),
    OPT(T, 3, I32, repetition_type),
    REQ(T, 4, STR, name),
    OPT(T, 5, I32, num_children),
    OPT(T, 6, I32, converted_type),
    OPT(T, 7, I32, scale),
    OPT(T, 8, I32, precision),
    OPT(T, 9, I32, field_id),
    OPT_STRUCT(T, 10, logical_type, dc_pq_desc_logical_type),
    OPT(T, 11, I32, vector_length),
};
const dc_pq_desc dc_pq_desc_schema_element = DESC(T, "SchemaElement", schema_element_fields);
#undef T

#define T dc_pq_key_value
static const dc_pq_field key_value_fields[] = {REQ(T, 1, STR, key), OPT(T, 2, STR, value)};
const dc_pq_desc dc_pq_desc_key_value = DESC(T, "KeyValue", key_value_fields);
#undef T

#define T dc_pq_sorting_column
static const dc_pq_field sorting_column_fields[] = {
    REQ(T, 1, I32, column_idx), REQ(T, 2, BOOL, descending), REQ(T, 3, BOOL, nulls_first)};
const dc_pq_desc dc_pq_desc_sorting_column = DESC(T, "SortingColumn", sorting_column_fields);
#undef T

#define T dc_pq_page_encoding_stats
static const dc_pq_field page_encoding_stats_fields[] = {
    REQ(T, 1, I32, page_type), REQ(T, 2, I32, encoding), REQ(T, 3, I32, count)};
const dc_pq_desc dc_pq_desc_page_encoding_stats =
    DESC(T, "PageEncodingStats", page_encoding_stats_fields);
#undef T

#define T dc_pq_size_statistics
static const dc_pq_field size_statistics_fields[] = {
    OPT(T, 1, I64, unencoded_byte_array_data_bytes),
    OPT_LIST(T, 2, I64, repetition_level_histogram, NULL),
    OPT_LIST(T, 3, I64, definition_level_histogram, NULL),
};
const dc_pq_desc dc_pq_desc_size_statistics = DESC(T, "SizeStatistics", size_statistics_fields);
#undef T

#define T dc_pq_column_metadata
static const dc_pq_field column_metadata_fields[] = {
    REQ(T, 1, I32, type),
    REQ_LIST(T, 2, I32, encodings, NULL),
    REQ_LIST(T, 3, STR, path_in_schema, NULL),
    REQ(T, 4, I32, codec),
    REQ(T, 5, I64, num_values),
    REQ(T, 6, I64, total_uncompressed_size),
    REQ(T, 7, I64, total_compressed_size),
    OPT_LIST(T, 8, STRUCT, key_value_metadata, &dc_pq_desc_key_value),
    REQ(T, 9, I64, data_page_offset),
    OPT(T, 10, I64, index_page_offset),
    OPT(T, 11, I64, dictionary_page_offset),
    OPT_STRUCT(T, 12, statistics, dc_pq_desc_statistics),
    OPT_LIST(T, 13, STRUCT, encoding_stats, &dc_pq_desc_page_encoding_stats),
    OPT(T, 14, I64, bloom_filter_offset),
    OPT(T, 15, I32, bloom_filter_length),
    OPT_STRUCT(T, 16, size_statistics, dc_pq_desc_size_statistics),
};
const dc_pq_desc dc_pq_desc_column_metadata = DESC(T, "ColumnMetaData", column_metadata_fields);
#undef T

#define T dc_pq_column_chunk
static const dc_pq_field column_chunk_fields[] = {
    OPT(T, 1, STR, file_path),
    /* required with a default of 0: always written, accepted when absent */
    FLD(2, DC_PQK_I64, 0, false, "file_offset", OFF(T, file_offset), -1, -1, NULL),
    OPT_STRUCT(T, 3, meta_data, dc_pq_desc_column_metadata),
    OPT(T, 4, I64, offset_index_offset),
    OPT(T, 5, I32, offset_index_length),
    OPT(T, 6, I64, column_index_offset),
    OPT(T, 7, I32, column_index_length),
    FLAG(T, 8, crypto_metadata),
    OPT(T, 9, STR, encrypted_column_metadata),
};
const dc_pq_desc dc_pq_desc_column_chunk = DESC(T, "ColumnChunk", column_chunk_fields);
#undef T

#define T dc_pq_row_group
static const dc_pq_field row_group_fields[] = {
    REQ_LIST(T, 1, STRUCT, columns, &dc_pq_desc_column_chunk),
    REQ(T, 2, I64, total_byte_size),
    REQ(T, 3, I64, num_rows),
    OPT_LIST(T, 4, STRUCT, sorting_columns, &dc_pq_desc_sorting_column),
    OPT(T, 5, I64, file_offset),
    OPT(T, 6, I64, total_compressed_size),
    OPT(T, 7, I16, ordinal),
};
const dc_pq_desc dc_pq_desc_row_group = DESC(T, "RowGroup", row_group_fields);
#undef T

static const dc_pq_field column_order_fields[] = {
    MEMBER(1, "TYPE_ORDER"), MEMBER(2, "IEEE_754_TOTAL_ORDER"), MEMBER(3, "INT96_TIMESTAMP_ORDER")};
const dc_pq_desc dc_pq_desc_column_order =
    UNION(dc_pq_column_order, "ColumnOrder", kind, column_order_fields);

#define T dc_pq_file_metadata
static const dc_pq_field file_metadata_fields[] = {
    REQ(T, 1, I32, version),
    REQ_LIST(T, 2, STRUCT, schema, &dc_pq_desc_schema_element),
    REQ(T, 3, I64, num_rows),
    REQ_LIST(T, 4, STRUCT, row_groups, &dc_pq_desc_row_group),
    OPT_LIST(T, 5, STRUCT, key_value_metadata, &dc_pq_desc_key_value),
    OPT(T, 6, STR, created_by),
    OPT_LIST(T, 7, STRUCT, column_orders, &dc_pq_desc_column_order),
    FLAG(T, 8, encryption_algorithm),
    OPT(T, 9, STR, footer_signing_key_metadata),
};
const dc_pq_desc dc_pq_desc_file_metadata = DESC(T, "FileMetaData", file_metadata_fields);
#undef T

#define T dc_pq_data_page_header
static const dc_pq_field data_page_header_fields[] = {
    REQ(T, 1, I32, num_values),
    REQ(T, 2, I32, encoding),
    REQ(T, 3, I32, definition_level_encoding),
    REQ(T, 4, I32, repetition_level_encoding),
    OPT_STRUCT(T, 5, statistics, dc_pq_desc_statistics),
};
const dc_pq_desc dc_pq_desc_data_page_header = DESC(T, "DataPageHeader", data_page_header_fields);
#undef T

#define T dc_pq_dictionary_page_header
static const dc_pq_field dictionary_page_header_fields[] = {
    REQ(T, 1, I32, num_values), REQ(T, 2, I32, encoding), OPT(T, 3, BOOL, is_sorted)};
const dc_pq_desc dc_pq_desc_dictionary_page_header =
    DESC(T, "DictionaryPageHeader", dictionary_page_header_fields);
#undef T

#define T dc_pq_data_page_header_v2
static const dc_pq_field data_page_header_v2_fields[] = {
    REQ(T, 1, I32, num_values),
    REQ(T, 2, I32, num_nulls),
    REQ(T, 3, I32, num_rows),
    REQ(T, 4, I32, encoding),
    REQ(T, 5, I32, definition_levels_byte_length),
    REQ(T, 6, I32, repetition_levels_byte_length),
    OPT(T, 7, BOOL, is_compressed),
    OPT_STRUCT(T, 8, statistics, dc_pq_desc_statistics),
};
const dc_pq_desc dc_pq_desc_data_page_header_v2 =
    DESC(T, "DataPageHeaderV2", data_page_header_v2_fields);
#undef T

#define T dc_pq_page_header
static const dc_pq_field page_header_fields[] = {
    REQ(T, 1, I32, type),
    REQ(T, 2, I32, uncompressed_page_size),
    REQ(T, 3, I32, compressed_page_size),
    OPT(T, 4, I32, crc),
    OPT_STRUCT(T, 5, data_page_header, dc_pq_desc_data_page_header),
    FLAG(T, 6, index_page_header),
    OPT_STRUCT(T, 7, dictionary_page_header, dc_pq_desc_dictionary_page_header),
    OPT_STRUCT(T, 8, data_page_header_v2, dc_pq_desc_data_page_header_v2),
};
const dc_pq_desc dc_pq_desc_page_header = DESC(T, "PageHeader", page_header_fields);
#undef T

#define T dc_pq_page_location
static const dc_pq_field page_location_fields[] = {
    REQ(T, 1, I64, offset), REQ(T, 2, I32, compressed_page_size), REQ(T, 3, I64, first_row_index)};
const dc_pq_desc dc_pq_desc_page_location = DESC(T, "PageLocation", page_location_fields);
#undef T

#define T dc_pq_offset_index
static const dc_pq_field offset_index_fields[] = {
    REQ_LIST(T, 1, STRUCT, page_locations, &dc_pq_desc_page_location),
    OPT_LIST(T, 2, I64, unencoded_byte_array_data_bytes, NULL),
};
const dc_pq_desc dc_pq_desc_offset_index = DESC(T, "OffsetIndex", offset_index_fields);
#undef T

#define T dc_pq_column_index
static const dc_pq_field column_index_fields[] = {
    REQ_LIST(T, 1, BOOL, null_pages, NULL),
    REQ_LIST(T, 2, STR, min_values, NULL),
    REQ_LIST(T, 3, STR, max_values, NULL),
    REQ(T, 4, I32, boundary_order),
    OPT_LIST(T, 5, I64, null_counts, NULL),
    OPT_LIST(T, 6, I64, repetition_level_histograms, NULL),
    OPT_LIST(T, 7, I64, definition_level_histograms, NULL),
    OPT_LIST(T, 8, I64, nan_counts, NULL),
};
const dc_pq_desc dc_pq_desc_column_index = DESC(T, "ColumnIndex", column_index_fields);
#undef T

static const dc_pq_field bloom_algorithm_fields[] = {MEMBER(1, "BLOCK")};
static const dc_pq_desc bloom_algorithm_desc =
    UNION(union_id, "BloomFilterAlgorithm", kind, bloom_algorithm_fields);
static const dc_pq_field bloom_hash_fields[] = {MEMBER(1, "XXHASH")};
static const dc_pq_desc bloom_hash_desc =
    UNION(union_id, "BloomFilterHash", kind, bloom_hash_fields);
static const dc_pq_field bloom_compression_fields[] = {MEMBER(1, "UNCOMPRESSED")};
static const dc_pq_desc bloom_compression_desc =
    UNION(union_id, "BloomFilterCompression", kind, bloom_compression_fields);

#define T dc_pq_bloom_filter_header
static const dc_pq_field bloom_filter_header_fields[] = {
    REQ(T, 1, I32, num_bytes),
    REQ_STRUCT(T, 2, algorithm, bloom_algorithm_desc),
    REQ_STRUCT(T, 3, hash, bloom_hash_desc),
    REQ_STRUCT(T, 4, compression, bloom_compression_desc),
};
const dc_pq_desc dc_pq_desc_bloom_filter_header =
    DESC(T, "BloomFilterHeader", bloom_filter_header_fields);
#undef T

/* ---- helpers ------------------------------------------------------------------------ */

static inline void *at(void *obj, int32_t off)
{
    return (uint8_t *)obj + off;
}
static inline const void *cat(const void *obj, int32_t off)
{
    return (const uint8_t *)obj + off;
}

static inline bool get_bool(const void *obj, int32_t off)
{
    bool v;
    memcpy(&v, cat(obj, off), sizeof v);
    return v;
}
static inline void *get_ptr(const void *obj, int32_t off)
{
    void *p;
    memcpy(&p, cat(obj, off), sizeof p);
    return p;
}
static inline int64_t get_i64(const void *obj, int32_t off)
{
    int64_t v;
    memcpy(&v, cat(obj, off), sizeof v);
    return v;
}

/* The compact type a field or element of `kind` is written with. */
static uint8_t wire_type(uint8_t kind)
{
    switch (kind) {
    case DC_PQK_BOOL: return DC_TC_BOOL_TRUE;
    case DC_PQK_I8: return DC_TC_I8;
    case DC_PQK_I16: return DC_TC_I16;
    case DC_PQK_I32: return DC_TC_I32;
    case DC_PQK_I64: return DC_TC_I64;
    case DC_PQK_STR: return DC_TC_BINARY;
    case DC_PQK_STRUCT: return DC_TC_STRUCT;
    case DC_PQK_LIST: return DC_TC_LIST;
    }
    return DC_TC_STOP;
}

static bool wire_matches(uint8_t kind, uint8_t t)
{
    if (kind == DC_PQK_BOOL)
        return t == DC_TC_BOOL_TRUE || t == DC_TC_BOOL_FALSE;
    return t == wire_type(kind);
}

static int64_t elem_size(const dc_pq_field *f)
{
    switch (f->elem) {
    case DC_PQK_BOOL: return (int64_t)sizeof(bool);
    case DC_PQK_I32: return (int64_t)sizeof(int32_t);
    case DC_PQK_I64: return (int64_t)sizeof(int64_t);
    case DC_PQK_STR: return (int64_t)sizeof(dc_pq_str);
    case DC_PQK_STRUCT: return f->sub->size;
    }
    DC_ASSERT(!"unsupported list element kind");
    return 0;
}

static const dc_pq_field *find_field(const dc_pq_desc *d, int32_t id, int *index)
{
    for (int i = 0; i < d->n_fields; i++) {
        if (d->fields[i].id == id) {
            if (index)
                *index = i;
            return &d->fields[i];
        }
    }
    return NULL;
}

/* ---- decoding ------------------------------------------------------------------------ */

typedef struct decoder {
    dc_thrift_reader r;
    dc_arena *arena; /* NULL: strings borrow from the input */
} decoder;

static dc_status dec_struct(decoder *x, const dc_pq_desc *d, void *obj);

static dc_status dec_nomem(decoder *x)
{
    return dc_error_set(x->r.err, DC_ENOMEM, "out of memory decoding the %s (%lld bytes)",
                        x->r.what, (long long)x->r.size);
}

static dc_status dec_str(decoder *x, dc_pq_str *s)
{
    const uint8_t *p;
    int64_t n;
    dc_status rc = dc_thrift_read_binary(&x->r, &p, &n);
    if (rc != DC_OK)
        return rc;
    if (x->arena) {
        char *c = dc_arena_strndup(x->arena, (const char *)p, n);
        if (!c)
            return dec_nomem(x);
        s->ptr = c;
    } else {
        s->ptr = (const char *)p;
    }
    s->len = n;
    return DC_OK;
}

/*
 * Decode a list field into arena memory: element type checked (any type is
 * accepted for an empty list), count already bounded by the bytes left.
 */
static dc_status dec_list(decoder *x, const dc_pq_desc *d, const dc_pq_field *f, void *obj)
{
    int64_t start = x->r.pos, n;
    uint8_t et;
    dc_status rc = dc_thrift_read_list_begin(&x->r, &et, &n);
    if (rc != DC_OK)
        return rc;
    if (n > 0 && !wire_matches(f->elem, et))
        return dc_thrift_corrupt(&x->r, start, "%s.%s is a list of %s, expected a list of %s",
                                 d->name, f->name, dc_thrift_type_name(et),
                                 dc_thrift_type_name(wire_type(f->elem)));
    uint8_t *items = NULL;
    int64_t es = elem_size(f);
    if (n > 0) {
        int64_t bytes;
        DC_ASSERT(x->arena != NULL); /* only list-free structs decode without an arena */
        if (dc_mul_overflows(n, es, &bytes))
            return dec_nomem(x);
        items = dc_arena_alloc(x->arena, bytes);
        if (!items)
            return dec_nomem(x);
        memset(items, 0, (size_t)bytes);
    }
    for (int64_t i = 0; i < n && rc == DC_OK; i++) {
        void *e = items + i * es;
        switch (f->elem) {
        case DC_PQK_BOOL: rc = dc_thrift_read_bool_elem(&x->r, e); break;
        case DC_PQK_I32: rc = dc_thrift_read_i32(&x->r, e); break;
        case DC_PQK_I64: rc = dc_thrift_read_i64(&x->r, e); break;
        case DC_PQK_STR: rc = dec_str(x, e); break;
        case DC_PQK_STRUCT: rc = dec_struct(x, f->sub, e); break;
        default: DC_ASSERT(!"unsupported list element kind");
        }
    }
    if (rc != DC_OK)
        return rc;
    memcpy(at(obj, f->off), &items, sizeof items);
    memcpy(at(obj, f->count_off), &n, sizeof n);
    return DC_OK;
}

/* Decode the value of field `f` (wire type `t`, already checked) into `obj`. */
static dc_status dec_value(decoder *x, const dc_pq_desc *d, const dc_pq_field *f, uint8_t t,
                           void *obj)
{
    void *p = f->off >= 0 ? at(obj, f->off) : NULL;
    DC_ASSERT(p || f->kind == DC_PQK_STRUCT); /* only empty structs lack storage */
    switch (f->kind) {
    case DC_PQK_BOOL: *(bool *)p = t == DC_TC_BOOL_TRUE; return DC_OK;
    case DC_PQK_I8: return dc_thrift_read_i8(&x->r, p);
    case DC_PQK_I16: return dc_thrift_read_i16(&x->r, p);
    case DC_PQK_I32: return dc_thrift_read_i32(&x->r, p);
    case DC_PQK_I64: return dc_thrift_read_i64(&x->r, p);
    case DC_PQK_STR: return dec_str(x, p);
    case DC_PQK_STRUCT:
        if (p)
            memset(p, 0, (size_t)f->sub->size);
        return dec_struct(x, f->sub, p);
    case DC_PQK_LIST: return dec_list(x, d, f, obj);
    }
    DC_ASSERT(!"unknown field kind");
    return DC_EINTERNAL;
}

/*
 * Decode the fields of one struct up to its STOP into `obj` (already zeroed;
 * NULL for descriptors without storage). Unknown fields and fields of an
 * unexpected wire type are skipped; missing required fields are corrupt.
 */
static dc_status dec_struct(decoder *x, const dc_pq_desc *d, void *obj)
{
    dc_thrift_reader *r = &x->r;
    int64_t start = r->pos;
    uint64_t seen = 0;
    int16_t last = 0;
    dc_status rc = dc_thrift_struct_begin(r);
    if (rc != DC_OK)
        return rc;
    for (;;) {
        uint8_t t;
        int16_t id;
        int fi = -1;
        DC_TRY(dc_thrift_read_field(r, &last, &t, &id));
        if (t == DC_TC_STOP)
            break;
        if (d->kind_off >= 0)
            memcpy(at(obj, d->kind_off), &(int32_t){id}, sizeof(int32_t));
        const dc_pq_field *f = find_field(d, id, &fi);
        if (!f || !wire_matches(f->kind, t)) {
            DC_TRY(dc_thrift_skip_field(r, t));
            continue;
        }
        DC_TRY(dec_value(x, d, f, t, obj));
        seen |= (uint64_t)1 << fi;
        if (f->has_off >= 0)
            *(bool *)at(obj, f->has_off) = true;
    }
    for (int i = 0; i < d->n_fields; i++) {
        const dc_pq_field *f = &d->fields[i];
        if (f->required && !(seen & ((uint64_t)1 << i))) {
            rc = dc_thrift_corrupt(r, start, "%s is missing its required field %s (id %d)", d->name,
                                   f->name, f->id);
            goto cleanup;
        }
    }
cleanup:
    dc_thrift_struct_end(r);
    return rc;
}

dc_status dc_pq__decode(const dc_pq_desc *d, void *obj, const void *bytes, int64_t n,
                        dc_arena *arena, int64_t *consumed, const char *what, dc_error *err)
{
    if (n < 0 || (n > 0 && !bytes))
        return dc_error_set(err, DC_EINVALID, "cannot decode %lld bytes at %p as a %s",
                            (long long)n, bytes, d->name);
    decoder x;
    dc_thrift_reader_init(&x.r, bytes, n, what, err);
    x.arena = arena;
    memset(obj, 0, (size_t)d->size);
    dc_status rc = dec_struct(&x, d, obj);
    if (rc == DC_OK && consumed)
        *consumed = x.r.pos;
    return rc;
}

/* ---- encoding ------------------------------------------------------------------------ */

static dc_status enc_struct(dc_thrift_writer *w, const dc_pq_desc *d, const void *obj);

static dc_status enc_str_check(dc_thrift_writer *w, const dc_pq_desc *d, const dc_pq_field *f,
                               const dc_pq_str *s)
{
    if (s->len < 0 || s->len > INT32_MAX || (s->len > 0 && !s->ptr))
        return dc_error_set(w->err, DC_EINVALID,
                            "cannot encode %s.%s: a string of %lld bytes at %p", d->name, f->name,
                            (long long)s->len, (const void *)s->ptr);
    return DC_OK;
}

static dc_status enc_list(dc_thrift_writer *w, const dc_pq_desc *d, const dc_pq_field *f,
                          const void *obj)
{
    dc_status rc = DC_OK;
    int64_t n = get_i64(obj, f->count_off);
    const uint8_t *items = get_ptr(obj, f->off);
    int64_t es = elem_size(f);
    if (n < 0 || n > INT32_MAX || (n > 0 && !items))
        return dc_error_set(w->err, DC_EINVALID, "cannot encode %s.%s: a list of %lld items at %p",
                            d->name, f->name, (long long)n, (const void *)items);
    DC_TRY(dc_thrift_write_field_begin(w, DC_TC_LIST, f->id));
    DC_TRY(dc_thrift_write_list_begin(w, wire_type(f->elem), n));
    for (int64_t i = 0; i < n; i++) {
        const void *e = items + i * es;
        switch (f->elem) {
        case DC_PQK_BOOL: rc = dc_thrift_write_bool_elem(w, *(const bool *)e); break;
        case DC_PQK_I32: rc = dc_thrift_write_i32(w, *(const int32_t *)e); break;
        case DC_PQK_I64: rc = dc_thrift_write_i64(w, *(const int64_t *)e); break;
        case DC_PQK_STR: {
            const dc_pq_str *s = e;
            rc = enc_str_check(w, d, f, s);
            if (rc == DC_OK)
                rc = dc_thrift_write_binary(w, s->ptr, s->len);
            break;
        }
        case DC_PQK_STRUCT: rc = enc_struct(w, f->sub, e); break;
        default: DC_ASSERT(!"unsupported list element kind");
        }
        if (rc != DC_OK)
            goto cleanup;
    }
cleanup:
    return rc;
}

static dc_status enc_value(dc_thrift_writer *w, const dc_pq_desc *d, const dc_pq_field *f,
                           const void *obj)
{
    dc_status rc = DC_OK;
    const void *p = f->off >= 0 ? cat(obj, f->off) : NULL;
    DC_ASSERT(p || f->kind == DC_PQK_STRUCT); /* only empty structs lack storage */
    switch (f->kind) {
    case DC_PQK_BOOL: return dc_thrift_write_field_bool(w, f->id, *(const bool *)p);
    case DC_PQK_I8:
        DC_TRY(dc_thrift_write_field_begin(w, DC_TC_I8, f->id));
        return dc_thrift_write_i8(w, *(const int8_t *)p);
    case DC_PQK_I16:
        DC_TRY(dc_thrift_write_field_begin(w, DC_TC_I16, f->id));
        return dc_thrift_write_i16(w, *(const int16_t *)p);
    case DC_PQK_I32:
        DC_TRY(dc_thrift_write_field_begin(w, DC_TC_I32, f->id));
        return dc_thrift_write_i32(w, *(const int32_t *)p);
    case DC_PQK_I64:
        DC_TRY(dc_thrift_write_field_begin(w, DC_TC_I64, f->id));
        return dc_thrift_write_i64(w, *(const int64_t *)p);
    case DC_PQK_STR: {
        const dc_pq_str *s = p;
        DC_TRY(enc_str_check(w, d, f, s));
        DC_TRY(dc_thrift_write_field_begin(w, DC_TC_BINARY, f->id));
        return dc_thrift_write_binary(w, s->ptr, s->len);
    }
    case DC_PQK_STRUCT:
        DC_TRY(dc_thrift_write_field_begin(w, DC_TC_STRUCT, f->id));
        return enc_struct(w, f->sub, p);
    case DC_PQK_LIST: return enc_list(w, d, f, obj);
    }
    DC_ASSERT(!"unknown field kind");
cleanup:
    return rc;
}

static dc_status enc_struct(dc_thrift_writer *w, const dc_pq_desc *d, const void *obj)
{
    dc_status rc;
    DC_TRY(dc_thrift_write_struct_begin(w));
    if (d->kind_off >= 0) {
        int32_t kind;
        memcpy(&kind, cat(obj, d->kind_off), sizeof kind);
        const dc_pq_field *f = find_field(d, kind, NULL);
        if (f) {
            DC_TRY(enc_value(w, d, f, obj));
        } else if (kind != 0) {
            /* A member we do not know: written back without its parameters. */
            if (kind < INT16_MIN || kind > INT16_MAX) {
                rc = dc_error_set(w->err, DC_EINVALID, "cannot encode %s: member id %d", d->name,
                                  (int)kind);
                goto cleanup;
            }
            DC_TRY(dc_thrift_write_field_begin(w, DC_TC_STRUCT, (int16_t)kind));
            DC_TRY(dc_thrift_write_struct_begin(w));
            DC_TRY(dc_thrift_write_struct_end(w));
        }
    } else {
        for (int i = 0; i < d->n_fields; i++) {
            const dc_pq_field *f = &d->fields[i];
            if (f->has_off >= 0 && !get_bool(obj, f->has_off))
                continue;
            DC_TRY(enc_value(w, d, f, obj));
        }
    }
    DC_TRY(dc_thrift_write_struct_end(w));
cleanup:
    return rc;
}

dc_status dc_pq__encode(const dc_pq_desc *d, const void *obj, dc_bytes *out, dc_error *err)
{
    dc_thrift_writer w;
    int64_t old = out->size;
    dc_thrift_writer_init(&w, out, err);
    dc_status rc = enc_struct(&w, d, obj);
    if (rc != DC_OK)
        out->size = old;
    return rc;
}

/* ---- comparison ------------------------------------------------------------------------ */

static bool str_eq(const dc_pq_str *a, const dc_pq_str *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, (size_t)a->len) == 0);
}

static bool list_eq(const dc_pq_field *f, const void *a, const void *b)
{
    int64_t n = get_i64(a, f->count_off);
    if (n != get_i64(b, f->count_off))
        return false;
    const uint8_t *ia = get_ptr(a, f->off), *ib = get_ptr(b, f->off);
    int64_t es = elem_size(f);
    for (int64_t i = 0; i < n; i++) {
        const void *ea = ia + i * es, *eb = ib + i * es;
        bool eq = false;
        switch (f->elem) {
        case DC_PQK_BOOL: eq = *(const bool *)ea == *(const bool *)eb; break;
        case DC_PQK_I32: eq = *(const int32_t *)ea == *(const int32_t *)eb; break;
        case DC_PQK_I64: eq = *(const int64_t *)ea == *(const int64_t *)eb; break;
        case DC_PQK_STR: eq = str_eq(ea, eb); break;
        case DC_PQK_STRUCT: eq = dc_pq__equal(f->sub, ea, eb); break;
        default: DC_ASSERT(!"unsupported list element kind");
        }
        if (!eq)
            return false;
    }
    return true;
}

static bool value_eq(const dc_pq_field *f, const void *a, const void *b)
{
    if (f->kind == DC_PQK_LIST)
        return list_eq(f, a, b);
    if (f->off < 0)
        return true;
    const void *pa = cat(a, f->off), *pb = cat(b, f->off);
    switch (f->kind) {
    case DC_PQK_BOOL: return *(const bool *)pa == *(const bool *)pb;
    case DC_PQK_I8: return *(const int8_t *)pa == *(const int8_t *)pb;
    case DC_PQK_I16: return *(const int16_t *)pa == *(const int16_t *)pb;
    case DC_PQK_I32: return *(const int32_t *)pa == *(const int32_t *)pb;
    case DC_PQK_I64: return *(const int64_t *)pa == *(const int64_t *)pb;
    case DC_PQK_STR: return str_eq(pa, pb);
    case DC_PQK_STRUCT: return dc_pq__equal(f->sub, pa, pb);
    }
    return false;
}

bool dc_pq__equal(const dc_pq_desc *d, const void *a, const void *b)
{
    if (d->kind_off >= 0) {
        int32_t ka, kb;
        memcpy(&ka, cat(a, d->kind_off), sizeof ka);
        memcpy(&kb, cat(b, d->kind_off), sizeof kb);
        if (ka != kb)
            return false;
        const dc_pq_field *f = find_field(d, ka, NULL);
        return !f || value_eq(f, a, b);
    }
    for (int i = 0; i < d->n_fields; i++) {
        const dc_pq_field *f = &d->fields[i];
        if (f->has_off >= 0) {
            bool ha = get_bool(a, f->has_off), hb = get_bool(b, f->has_off);
            if (ha != hb)
                return false;
            if (!ha)
                continue;
        }
        if (!value_eq(f, a, b))
            return false;
    }
    return true;
}

/* ---- typed entry points ------------------------------------------------------------------ */

/*
 * Decode a struct that owns an arena: decode into a fresh arena, hand it to
 * `*arena_out` (a member of `out`, zeroed by the decode) on success; on
 * failure free it and leave `out` zeroed.
 */
static dc_status decode_owned(const dc_pq_desc *d, void *out, dc_arena *arena_out,
                              const void *bytes, int64_t n, const char *what, dc_error *err)
{
    dc_arena arena;
    dc_arena_init(&arena, DC_MIN(DC_MAX(n * 2, (int64_t)4096), (int64_t)256 * 1024));
    dc_status rc = dc_pq__decode(d, out, bytes, n, &arena, NULL, what, err);
    if (rc != DC_OK) {
        dc_arena_free(&arena);
        memset(out, 0, (size_t)d->size);
        return rc;
    }
    *arena_out = arena;
    return DC_OK;
}

dc_status dc_pq_file_metadata_decode(dc_pq_file_metadata *out, const void *bytes, int64_t n,
                                     dc_error *err)
{
    return decode_owned(&dc_pq_desc_file_metadata, out, &out->arena, bytes, n, "footer", err);
}

dc_status dc_pq_file_metadata_encode(dc_bytes *out, const dc_pq_file_metadata *in, dc_error *err)
{
    return dc_pq__encode(&dc_pq_desc_file_metadata, in, out, err);
}

void dc_pq_file_metadata_clear(dc_pq_file_metadata *m)
{
    if (!m)
        return;
    dc_arena_free(&m->arena);
    memset(m, 0, sizeof *m);
}

dc_status dc_pq_page_header_decode(dc_pq_page_header *out, const void *bytes, int64_t n,
                                   int64_t *consumed, dc_error *err)
{
    dc_status rc =
        dc_pq__decode(&dc_pq_desc_page_header, out, bytes, n, NULL, consumed, "page header", err);
    if (rc != DC_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

dc_status dc_pq_page_header_encode(dc_bytes *out, const dc_pq_page_header *in, dc_error *err)
{
    return dc_pq__encode(&dc_pq_desc_page_header, in, out, err);
}

void dc_pq_page_header_clear(dc_pq_page_header *h)
{
    if (h)
        memset(h, 0, sizeof *h);
}

dc_status dc_pq_offset_index_decode(dc_pq_offset_index *out, const void *bytes, int64_t n,
                                    dc_error *err)
{
    return decode_owned(&dc_pq_desc_offset_index, out, &out->arena, bytes, n, "offset index", err);
}

dc_status dc_pq_offset_index_encode(dc_bytes *out, const dc_pq_offset_index *in, dc_error *err)
{
    return dc_pq__encode(&dc_pq_desc_offset_index, in, out, err);
}

void dc_pq_offset_index_clear(dc_pq_offset_index *oi)
{
    if (!oi)
        return;
    dc_arena_free(&oi->arena);
    memset(oi, 0, sizeof *oi);
}

dc_status dc_pq_column_index_decode(dc_pq_column_index *out, const void *bytes, int64_t n,
                                    dc_error *err)
{
    return decode_owned(&dc_pq_desc_column_index, out, &out->arena, bytes, n, "column index", err);
}

dc_status dc_pq_column_index_encode(dc_bytes *out, const dc_pq_column_index *in, dc_error *err)
{
    return dc_pq__encode(&dc_pq_desc_column_index, in, out, err);
}

void dc_pq_column_index_clear(dc_pq_column_index *ci)
{
    if (!ci)
        return;
    dc_arena_free(&ci->arena);
    memset(ci, 0, sizeof *ci);
}

dc_status dc_pq_bloom_filter_header_decode(dc_pq_bloom_filter_header *out, const void *bytes,
                                           int64_t n, int64_t *consumed, dc_error *err)
{
    dc_status rc = dc_pq__decode(&dc_pq_desc_bloom_filter_header, out, bytes, n, NULL, consumed,
                                 "bloom filter header", err);
    if (rc != DC_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

dc_status dc_pq_bloom_filter_header_encode(dc_bytes *out, const dc_pq_bloom_filter_header *in,
                                           dc_error *err)
{
    return dc_pq__encode(&dc_pq_desc_bloom_filter_header, in, out, err);
}
