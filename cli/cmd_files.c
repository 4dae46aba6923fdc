/* cmd_files.c: `deltacat convert` and `deltacat show`: files in, files or tables out. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* Options shared by the commands that read files. */
typedef struct read_flags {
    const char *from;
    const char *delimiter;
    bool no_header;
    int64_t batch_rows;
    int64_t infer_rows;
} read_flags;

enum {
    OPT_FROM = 1000,
    OPT_TO,
    OPT_DELIM,
    OPT_OUT_DELIM,
    OPT_NO_HEADER,
    OPT_BATCH_ROWS,
    OPT_INFER_ROWS,
    OPT_NULL,
    OPT_FSYNC,
    OPT_COMPRESSION,
    OPT_COMPRESSION_LEVEL,
    OPT_ROW_GROUP_ROWS,
    OPT_PAGE_V2,
};

static int parse_delimiter(const char *cmd, const char *text, char *out)
{
    if (!strcmp(text, "\\t") || !strcmp(text, "tab"))
        *out = '\t';
    else if (strlen(text) == 1 && text[0] != '"' && text[0] != '\n' && text[0] != '\r')
        *out = text[0];
    else
        return dc_cli_usage(cmd, "--delimiter takes one character (or \\t), not \"%s\"", text);
    return 0;
}

static int open_input(const char *cmd, const char *path, const read_flags *rf, dc_reader **r,
                      dc_error *err, int *exit_code)
{
    dc_file_format f = DC_FORMAT_UNKNOWN;
    if (rf->from) {
        f = dc_format_from_name(rf->from);
        if (f == DC_FORMAT_UNKNOWN) {
            *exit_code = dc_cli_usage(cmd, "unknown input format \"%s\" (csv, tsv, psv, jsonl)",
                                      rf->from);
            return -1;
        }
    } else {
        f = dc_format_from_path(path);
        if (f == DC_FORMAT_UNKNOWN) {
            *exit_code = dc_cli_usage(
                cmd, "cannot tell the format of \"%s\" from its name: give --from FORMAT", path);
            return -1;
        }
    }
    dc_read_options ro;
    dc_read_options_init(&ro, f);
    if (rf->delimiter && (*exit_code = parse_delimiter(cmd, rf->delimiter, &ro.csv.delimiter)))
        return -1;
    if (rf->no_header)
        ro.csv.header = false;
    if (rf->batch_rows > 0)
        ro.batch_rows = rf->batch_rows;
    if (rf->infer_rows > 0)
        ro.infer_rows = rf->infer_rows;
    dc_status rc = dc_file_reader_open(r, path, f, &ro, err);
    if (rc != DC_OK) {
        *exit_code = dc_cli_fail(rc, err);
        return -1;
    }
    return 0;
}

int dc_cmd_convert(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"delimiter", required_argument, NULL, OPT_DELIM},
        {"out-delimiter", required_argument, NULL, OPT_OUT_DELIM},
        {"no-header", no_argument, NULL, OPT_NO_HEADER},
        {"batch-rows", required_argument, NULL, OPT_BATCH_ROWS},
        {"infer-rows", required_argument, NULL, OPT_INFER_ROWS},
        {"null", required_argument, NULL, OPT_NULL},
        {"fsync", no_argument, NULL, OPT_FSYNC},
        {"compression", required_argument, NULL, OPT_COMPRESSION},
        {"compression-level", required_argument, NULL, OPT_COMPRESSION_LEVEL},
        {"row-group-rows", required_argument, NULL, OPT_ROW_GROUP_ROWS},
        {"page-v2", no_argument, NULL, OPT_PAGE_V2},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    read_flags rf = {0};
    const char *to = NULL, *out_delim = NULL, *null_string = NULL;
    bool fsync_out = false;
    dc_parquet_write_options pq;
    dc_parquet_write_options_init(&pq);
    int c, code = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_FROM: rf.from = optarg; break;
        case OPT_TO: to = optarg; break;
        case OPT_DELIM: rf.delimiter = optarg; break;
        case OPT_OUT_DELIM: out_delim = optarg; break;
        case OPT_NO_HEADER: rf.no_header = true; break;
        case OPT_BATCH_ROWS:
            if (!dc_cli_parse_count("convert", "--batch-rows", optarg, &rf.batch_rows))
                return DC_EXIT_USAGE;
            break;
        case OPT_INFER_ROWS:
            if (!dc_cli_parse_count("convert", "--infer-rows", optarg, &rf.infer_rows))
                return DC_EXIT_USAGE;
            break;
        case OPT_NULL: null_string = optarg; break;
        case OPT_FSYNC: fsync_out = true; break;
        case OPT_COMPRESSION:
            if (!dc_parquet_codec_from_name(optarg, &pq.compression))
                return dc_cli_usage("convert",
                                    "unknown --compression \"%s\" (snappy, zstd, gzip, lz4, none)",
                                    optarg);
            break;
        case OPT_COMPRESSION_LEVEL: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < -7 || v > 22)
                return dc_cli_usage("convert", "--compression-level takes -7..22, not \"%s\"",
                                    optarg);
            pq.compression_level = (int32_t)v;
            break;
        }
        case OPT_ROW_GROUP_ROWS:
            if (!dc_cli_parse_count("convert", "--row-group-rows", optarg, &pq.row_group_rows))
                return DC_EXIT_USAGE;
            break;
        case OPT_PAGE_V2: pq.page_v2 = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "convert", NULL});
        default: return dc_cli_usage("convert", "unknown option");
        }
    }
    if (argc - optind != 2)
        return dc_cli_usage("convert", "expected IN and OUT files, got %d argument%s",
                            argc - optind, argc - optind == 1 ? "" : "s");
    const char *in_path = argv[optind], *out_path = argv[optind + 1];
    dc_file_format tf = to ? dc_format_from_name(to) : dc_format_from_path(out_path);
    if (tf == DC_FORMAT_UNKNOWN)
        return dc_cli_usage("convert",
                            to ? "unknown output format \"%s\" (csv, tsv, psv, jsonl, parquet)"
                               : "cannot tell the output format of \"%s\" from its name: give --to",
                            to ? to : out_path);
    if (strcmp(in_path, "-") != 0 && strcmp(in_path, out_path) == 0)
        return dc_cli_usage("convert", "IN and OUT are the same file");
    dc_write_options wo;
    dc_write_options_init(&wo, tf);
    wo.fsync = fsync_out;
    wo.parquet = pq;
    if (out_delim && (code = parse_delimiter("convert", out_delim, &wo.csv.delimiter)))
        return code;
    if (null_string)
        wo.csv.null_string = null_string;
    dc_error err;
    dc_error_clear(&err);
    dc_reader *r = NULL;
    if (open_input("convert", in_path, &rf, &r, &err, &code) != 0)
        return code;
    int64_t rows = 0;
    dc_status rc = dc_file_write(r, out_path, tf, &wo, &rows, &err);
    dc_reader_free(r);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &err);
    if (strcmp(out_path, "-") != 0)
        fprintf(stderr, "deltacat: wrote %lld rows to %s\n", (long long)rows, out_path);
    return DC_EXIT_OK;
}

int dc_cmd_show(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, OPT_FROM},
        {"delimiter", required_argument, NULL, OPT_DELIM},
        {"no-header", no_argument, NULL, OPT_NO_HEADER},
        {"limit", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"schema", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    read_flags rf = {0};
    int64_t limit = 20;
    bool json = false, schema_only = false;
    int c, code = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "n:jsh", opts, NULL)) != -1) {
        switch (c) {
        case OPT_FROM: rf.from = optarg; break;
        case OPT_DELIM: rf.delimiter = optarg; break;
        case OPT_NO_HEADER: rf.no_header = true; break;
        case 'n':
            if (!dc_cli_parse_count("show", "--limit", optarg, &limit))
                return DC_EXIT_USAGE;
            break;
        case 'j': json = true; break;
        case 's': schema_only = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "show", NULL});
        default: return dc_cli_usage("show", "unknown option");
        }
    }
    if (argc - optind != 1)
        return dc_cli_usage("show", "expected one FILE");
    const char *path = argv[optind];
    dc_error err;
    dc_error_clear(&err);
    dc_reader *r = NULL;
    rf.batch_rows = limit > 0 && limit < 65536 ? limit + 1 : 0;
    if (open_input("show", path, &rf, &r, &err, &code) != 0)
        return code;
    const dc_schema *schema = dc_reader_schema(r);
    if (schema_only) {
        char *s = dc_schema_to_string(schema);
        fputs(s ? s : "", stdout);
        dc_free(s);
        dc_reader_free(r);
        return DC_EXIT_OK;
    }
    dc_batch **batches = NULL;
    int n = 0;
    int64_t rows = 0;
    bool more = false;
    dc_status rc = DC_OK;
    while (rows < limit || limit == 0) {
        dc_batch *b = NULL;
        rc = dc_reader_next(r, &b, &err);
        if (rc != DC_OK || !b)
            break;
        if (limit == 0) { /* --limit 0: count only */
            rows += b->length;
            dc_batch_unref(b);
            continue;
        }
        dc_batch **nb = realloc(batches, sizeof *batches * (size_t)(n + 1));
        if (!nb) {
            dc_batch_unref(b);
            rc = DC_ENOMEM;
            break;
        }
        batches = nb;
        batches[n++] = b;
        rows += b->length;
    }
    if (rc == DC_OK && limit > 0 && rows > limit) {
        more = true;
    } else if (rc == DC_OK && limit > 0 && rows == limit) {
        dc_batch *b = NULL;
        rc = dc_reader_next(r, &b, &err);
        more = rc == DC_OK && b && b->length > 0;
        dc_batch_unref(b);
    }
    if (rc == DC_OK) {
        if (limit == 0) {
            printf("%lld rows\n", (long long)rows);
        } else {
            /* Print at most `limit` rows: shorten the batch list's view. */
            int64_t left = limit;
            int keep = 0;
            for (; keep < n && left > 0; keep++)
                left -= batches[keep]->length;
            if (left < 0) { /* the last kept batch has -left rows too many */
                dc_batch *last = batches[keep - 1], *head = NULL;
                rc = dc_batch_slice(&head, last, 0, last->length + left, &err);
                if (rc == DC_OK) {
                    dc_batch_unref(last);
                    batches[keep - 1] = head;
                }
            }
            for (int k = keep; k < n; k++)
                dc_batch_unref(batches[k]);
            n = keep;
            if (rc == DC_OK) {
                if (json)
                    dc_cli_print_json_rows(stdout, schema, batches, n);
                else
                    dc_cli_print_table(stdout, schema, batches, n, -1, more);
            }
        }
    }
    for (int k = 0; k < n; k++)
        dc_batch_unref(batches[k]);
    free(batches);
    dc_reader_free(r);
    return rc == DC_OK ? DC_EXIT_OK : dc_cli_fail(rc, &err);
}
