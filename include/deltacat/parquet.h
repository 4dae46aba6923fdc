/*
 * deltacat/parquet.h: what a Parquet file holds, for people and tools
 * (`deltacat inspect`): its schema, row groups and column chunks with their
 * encodings, codecs, sizes and statistics. Reading the rows is
 * dc_file_reader_open (formats.h).
 */
#ifndef DELTACAT_PARQUET_H
#define DELTACAT_PARQUET_H

#include <deltacat/columnar.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One column chunk of a row group. Strings are owned by the info. */
typedef struct dc_parquet_column_info {
    char *path;          /**< dotted path in the Parquet schema ("tags.list.element") */
    char *physical_type; /**< "INT64", "BYTE_ARRAY", ... */
    char *arrow_type;    /**< the Arrow type its values are read as ("timestamp[us, tz=UTC]") */
    char *codec;         /**< "SNAPPY", "ZSTD", ... */
    char *encodings;     /**< comma-separated: "PLAIN,RLE,RLE_DICTIONARY" */
    int64_t num_values;  /**< level entries (values and nulls) */
    int64_t compressed_size, uncompressed_size;
    int64_t data_page_offset;
    int64_t dictionary_page_offset; /**< -1 when there is no dictionary page */
    bool has_column_index, has_offset_index, has_bloom_filter;
    /* statistics; min and max are JSON values (strings quoted), NULL when absent */
    bool has_null_count, has_distinct_count;
    int64_t null_count, distinct_count;
    char *min, *max;
    bool min_exact, max_exact;       /**< false when the writer truncated (or may have) */
    dc_array *min_value, *max_value; /**< the same as one-value arrays, or NULL */
} dc_parquet_column_info;

typedef struct dc_parquet_row_group_info {
    int64_t num_rows;
    int64_t total_byte_size; /**< uncompressed, as the writer declares */
    int64_t compressed_size; /**< the sum of its column chunks */
    char *sorting_columns;   /**< "a DESC NULLS FIRST, b" or NULL when not declared */
    int32_t n_columns;
    dc_parquet_column_info *columns;
} dc_parquet_row_group_info;

typedef struct dc_parquet_info {
    char *path;
    int64_t file_size, footer_size;
    int32_t version;
    char *created_by; /**< NULL when absent */
    int64_t num_rows;
    dc_schema *schema;    /**< the Arrow schema the file reads as */
    char *parquet_schema; /**< the Parquet schema as an indented text tree */
    dc_metadata key_value;
    char *column_order; /**< "TYPE_DEFINED_ORDER" (for all columns), "mixed", or NULL */
    int32_t n_row_groups;
    dc_parquet_row_group_info *row_groups;
} dc_parquet_info;

/**
 * Read the footer of the Parquet file at `path` (only its footer: data pages
 * are not read) and describe it. DC_ENOTFOUND when there is no such file,
 * DC_ECORRUPT when the footer is malformed. Free with dc_parquet_info_free.
 */
dc_status dc_parquet_inspect(dc_parquet_info **out, const char *path, dc_error *err);
void dc_parquet_info_free(dc_parquet_info *info); /**< NULL-safe */

#ifdef __cplusplus
}
#endif
#endif
