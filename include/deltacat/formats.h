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

typedef struct dc_write_options {
    dc_csv_options csv;
    bool fsync;                /**< make the written file durable before returning */
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
