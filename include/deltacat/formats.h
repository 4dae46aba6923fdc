/*
 * deltacat/formats.h: reading files into batch readers and writing batch
 * readers into files, whatever the format. Formats: CSV and its TSV/PSV
 * variants, JSON Lines; Parquet joins when it lands.
 *
 * Readers stream: memory stays bounded by the batch size, not the file size.
 * Writers write to a temporary name and rename into place when finished, so
 * a failed write leaves nothing at the target path.
 */
#ifndef DELTACAT_FORMATS_H
#define DELTACAT_FORMATS_H

#include <deltacat/columnar.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dc_file_format {
    DC_FORMAT_UNKNOWN = 0,
    DC_FORMAT_CSV,
    DC_FORMAT_TSV,
    DC_FORMAT_PSV,
    DC_FORMAT_JSONL,
    DC_FORMAT_PARQUET,
} dc_file_format;

/** "csv", "tsv", "psv", "jsonl", "parquet"; "unknown". */
const char *dc_format_name(dc_file_format f);
/** From a name ("csv", "jsonl", "ndjson", "json", ...); DC_FORMAT_UNKNOWN otherwise. */
dc_file_format dc_format_from_name(const char *name);
/** From a path's extension (.csv .tsv .psv .jsonl .ndjson .parquet); UNKNOWN otherwise. */
dc_file_format dc_format_from_path(const char *path);

/** Options of the CSV family. */
typedef struct dc_csv_options {
    char delimiter;            /**< ',' (CSV), '\t' (TSV), '|' (PSV) by default */
    char quote;                /**< '"'; quotes are escaped by doubling (RFC 4180) */
    bool header;               /**< first row names the columns (default true) */
    const char *const *null_values; /**< unquoted fields read as null; default {""} */
    int32_t n_null_values;
    const char *null_string;   /**< writer: how a null is written (default "") */
    bool infer_types;          /**< reader: infer types (default true), else all utf8 */
} dc_csv_options;

typedef struct dc_read_options {
    int64_t batch_rows;        /**< rows per batch (default 65536) */
    int64_t infer_rows;        /**< rows sampled to infer a schema (default 16384) */
    const dc_schema *schema;   /**< explicit schema: no inference, values cast to it */
    dc_csv_options csv;
} dc_read_options;

/** Parquet page compression codecs (the values are parquet.thrift's). */
typedef enum dc_parquet_codec {
    DC_PARQUET_UNCOMPRESSED = 0,
    DC_PARQUET_SNAPPY = 1,
    DC_PARQUET_GZIP = 2,
    DC_PARQUET_ZSTD = 6,
    DC_PARQUET_LZ4_RAW = 7,
} dc_parquet_codec;

/** Options of the Parquet writer (dc_parquet_write_options_init gives the defaults). */
typedef struct dc_parquet_write_options {
    dc_parquet_codec compression; /**< SNAPPY by default */
    int32_t compression_level;    /**< 0: the codec's default (ZSTD 1, GZIP 6) */
    int64_t row_group_rows;       /**< rows per row group (default 1048576) */
    int64_t row_group_bytes;      /**< flush a row group once its encoded pages reach this
                                       (default 128 MiB): the writer's memory bound */
    int64_t page_bytes;           /**< target uncompressed size of a data page (1 MiB) */
    int64_t page_rows;            /**< at most this many rows per data page (20000) */
    int64_t dictionary_bytes;     /**< a column chunk falls back to PLAIN once its
                                       dictionary passes this size (1 MiB) */
    bool dictionary;              /**< RLE_DICTIONARY encoding (default true) */
    bool page_v2;                 /**< data pages v2 (default false: v1) */
    bool statistics;              /**< statistics and the page index (default true) */
    int32_t threads;              /**< threads encoding columns (default 2; 1: the caller's) */
} dc_parquet_write_options;

void dc_parquet_write_options_init(dc_parquet_write_options *o);
/** "snappy", "zstd", "gzip", "lz4" / "lz4_raw", "none" / "uncompressed" (any case). */
bool dc_parquet_codec_from_name(const char *name, dc_parquet_codec *out);

typedef struct dc_write_options {
    dc_csv_options csv;
    bool fsync;                /**< make the written file durable before returning */
    dc_parquet_write_options parquet;
} dc_write_options;

/** Fill with the defaults for `format` (delimiters follow it). */
void dc_read_options_init(dc_read_options *o, dc_file_format format);
void dc_write_options_init(dc_write_options *o, dc_file_format format);

/**
 * Open `path` ("-" for standard input) as a batch reader. `format` UNKNOWN
 * means: from the extension. Errors name the file, and where they apply the
 * line and column.
 */
dc_status dc_file_reader_open(dc_reader **out, const char *path, dc_file_format format,
                              const dc_read_options *opts, dc_error *err);

/**
 * Write every batch of `in` to `path` ("-" for standard output) in `format`
 * (UNKNOWN: from the extension). The reader is borrowed (not freed). On
 * failure nothing is left at `path`. `rows_out` (may be NULL) receives the
 * number of rows written.
 */
dc_status dc_file_write(dc_reader *in, const char *path, dc_file_format format,
                        const dc_write_options *opts, int64_t *rows_out, dc_error *err);

#ifdef __cplusplus
}
#endif
#endif
