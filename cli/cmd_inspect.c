/*
 * cmd_inspect.c: `deltacat inspect FILE.parquet`: a Parquet file's schema,
 * row groups and column chunks (encodings, codecs, sizes, compression ratio,
 * statistics) as aligned tables or JSON. The facts come from
 * dc_parquet_inspect(); this file only formats them.
 */
#include "cli.h"

#include <deltacat/parquet.h>

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static double ratio(int64_t uncompressed, int64_t compressed)
{
    return compressed > 0 ? (double)uncompressed / (double)compressed : 0.0;
}

static json_t *opt_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* A statistics value as JSON: the value itself (it is JSON text already). */
static json_t *stat_json(const char *text)
{
    if (!text)
        return json_null();
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(text);
}

static int print_json(const dc_parquet_info *info)
{
    json_t *root = json_object();
    json_object_set_new(root, "path", json_string(info->path));
    json_object_set_new(root, "file_size", json_integer(info->file_size));
    json_object_set_new(root, "footer_size", json_integer(info->footer_size));
    json_object_set_new(root, "version", json_integer(info->version));
    json_object_set_new(root, "created_by", opt_str(info->created_by));
    json_object_set_new(root, "num_rows", json_integer(info->num_rows));
    json_object_set_new(root, "column_order", opt_str(info->column_order));
    json_t *fields = json_array();
    for (int32_t i = 0; i < info->schema->n_fields; i++) {
        const dc_field *f = &info->schema->fields[i];
        char *t = dc_type_to_string(f->type);
        json_t *jf = json_object();
        json_object_set_new(jf, "name", json_string(f->name));
        json_object_set_new(jf, "type", json_string(t ? t : "?"));
        json_object_set_new(jf, "nullable", json_boolean(f->nullable));
        json_array_append_new(fields, jf);
        dc_free(t);
    }
    json_object_set_new(root, "schema", fields);
    json_object_set_new(root, "parquet_schema", json_string(info->parquet_schema));
    json_t *kv = json_object();
    for (int32_t i = 0; i < info->key_value.n; i++)
        json_object_set_new(kv, info->key_value.keys[i], json_string(info->key_value.values[i]));
    json_object_set_new(root, "key_value_metadata", kv);
    json_t *rgs = json_array();
    for (int32_t g = 0; g < info->n_row_groups; g++) {
        const dc_parquet_row_group_info *rg = &info->row_groups[g];
        json_t *jr = json_object();
        json_object_set_new(jr, "num_rows", json_integer(rg->num_rows));
        json_object_set_new(jr, "total_byte_size", json_integer(rg->total_byte_size));
        json_object_set_new(jr, "compressed_size", json_integer(rg->compressed_size));
        json_object_set_new(jr, "sorting_columns", opt_str(rg->sorting_columns));
        json_t *cols = json_array();
        for (int32_t c = 0; c < rg->n_columns; c++) {
            const dc_parquet_column_info *ci = &rg->columns[c];
            json_t *jc = json_object();
            json_object_set_new(jc, "path", json_string(ci->path));
            json_object_set_new(jc, "physical_type", json_string(ci->physical_type));
            json_object_set_new(jc, "arrow_type", json_string(ci->arrow_type));
            json_object_set_new(jc, "codec", json_string(ci->codec));
            json_object_set_new(jc, "encodings", json_string(ci->encodings));
            json_object_set_new(jc, "num_values", json_integer(ci->num_values));
            json_object_set_new(jc, "compressed_size", json_integer(ci->compressed_size));
            json_object_set_new(jc, "uncompressed_size", json_integer(ci->uncompressed_size));
            json_object_set_new(jc, "compression_ratio",
                                json_real(ratio(ci->uncompressed_size, ci->compressed_size)));
            json_object_set_new(jc, "data_page_offset", json_integer(ci->data_page_offset));
            json_object_set_new(jc, "dictionary_page_offset",
                                ci->dictionary_page_offset >= 0
                                    ? json_integer(ci->dictionary_page_offset)
                                    : json_null());
            json_object_set_new(jc, "has_column_index", json_boolean(ci->has_column_index));
            json_object_set_new(jc, "has_offset_index", json_boolean(ci->has_offset_index));
            json_object_set_new(jc, "has_bloom_filter", json_boolean(ci->has_bloom_filter));
            json_t *st = json_object();
            json_object_set_new(st, "null_count",
                                ci->has_null_count ? json_integer(ci->null_count) : json_null());
            json_object_set_new(st, "distinct_count",
                                ci->has_distinct_count ? json_integer(ci->distinct_count)
                                                       : json_null());
            json_object_set_new(st, "min", stat_json(ci->min));
            json_object_set_new(st, "max", stat_json(ci->max));
            json_object_set_new(st, "min_exact",
                                ci->min ? json_boolean(ci->min_exact) : json_null());
            json_object_set_new(st, "max_exact",
                                ci->max ? json_boolean(ci->max_exact) : json_null());
            json_object_set_new(jc, "statistics", st);
            json_array_append_new(cols, jc);
        }
        json_object_set_new(jr, "columns", cols);
        json_array_append_new(rgs, jr);
    }
    json_object_set_new(root, "row_groups", rgs);
    int rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(root);
    return rc == 0 ? DC_EXIT_OK : DC_EXIT_ERROR;
}

/* Shorten a statistics value for the table (UTF-8 safe: cuts at a character start). */
static void clip(char *out, size_t cap, const char *s, bool exact)
{
    if (!s) {
        snprintf(out, cap, "-");
        return;
    }
    size_t n = strlen(s), max = 24;
    if (n <= max) {
        snprintf(out, cap, "%s%s", s, exact ? "" : "~");
        return;
    }
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    snprintf(out, cap, "%.*s...%s", (int)max, s, exact ? "" : "~");
}

#define NCOL 11

static void print_human(const dc_parquet_info *info)
{
    printf("file:        %s (%lld bytes; footer %lld bytes)\n", info->path,
           (long long)info->file_size, (long long)info->footer_size);
    printf("created by:  %s\n", info->created_by ? info->created_by : "(not recorded)");
    printf("format:      version %d%s%s\n", info->version,
           info->column_order ? ", column order " : "",
           info->column_order ? info->column_order : "");
    printf("rows:        %lld in %d row group%s\n", (long long)info->num_rows, info->n_row_groups,
           info->n_row_groups == 1 ? "" : "s");
    char *s = dc_schema_to_string(info->schema);
    printf("\nschema (as read):\n");
    for (char *line = s, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        printf("  %.*s\n", (int)(nl ? nl - line : (long)strlen(line)), line);
        if (!nl)
            break;
    }
    dc_free(s);
    printf("\nparquet schema:\n");
    for (char *line = info->parquet_schema, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl)
            break;
        printf("  %.*s\n", (int)(nl - line), line);
    }
    if (info->key_value.n > 0) {
        printf("\nkey-value metadata:\n");
        for (int32_t i = 0; i < info->key_value.n; i++) {
            const char *v = info->key_value.values[i];
            size_t n = strlen(v);
            bool printable = true;
            for (size_t k = 0; k < n && printable; k++)
                printable = (unsigned char)v[k] >= 0x20 || v[k] == '\t';
            if (!printable || n > 60)
                printf("  %s: (%zu bytes)\n", info->key_value.keys[i], n);
            else
                printf("  %s: %s\n", info->key_value.keys[i], v);
        }
    }
    /* column chunks: one aligned table over all row groups */
    static const char *head[NCOL] = {"rg",    "column", "type",  "codec", "encodings", "values",
                                     "bytes", "raw",    "ratio", "nulls", "min .. max"};
    static const bool right[NCOL] = {1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0};
    int64_t n_rows = 0;
    for (int32_t g = 0; g < info->n_row_groups; g++)
        n_rows += info->row_groups[g].n_columns;
    char(*cells)[NCOL][96] = calloc((size_t)(n_rows > 0 ? n_rows : 1), sizeof *cells);
    if (!cells)
        return;
    int width[NCOL];
    for (int k = 0; k < NCOL; k++)
        width[k] = (int)strlen(head[k]);
    int64_t r = 0;
    for (int32_t g = 0; g < info->n_row_groups; g++) {
        const dc_parquet_row_group_info *rg = &info->row_groups[g];
        for (int32_t c = 0; c < rg->n_columns; c++, r++) {
            const dc_parquet_column_info *ci = &rg->columns[c];
            char mn[64], mx[64];
            clip(mn, sizeof mn, ci->min, ci->min_exact);
            clip(mx, sizeof mx, ci->max, ci->max_exact);
            snprintf(cells[r][0], 96, "%d", g);
            snprintf(cells[r][1], 96, "%s", ci->path);
            snprintf(cells[r][2], 96, "%s", ci->arrow_type);
            snprintf(cells[r][3], 96, "%s", ci->codec);
            snprintf(cells[r][4], 96, "%s", ci->encodings);
            snprintf(cells[r][5], 96, "%lld", (long long)ci->num_values);
            snprintf(cells[r][6], 96, "%lld", (long long)ci->compressed_size);
            snprintf(cells[r][7], 96, "%lld", (long long)ci->uncompressed_size);
            snprintf(cells[r][8], 96, "%.2f", ratio(ci->uncompressed_size, ci->compressed_size));
            if (ci->has_null_count)
                snprintf(cells[r][9], 96, "%lld", (long long)ci->null_count);
            else
                snprintf(cells[r][9], 96, "-");
            if (ci->min || ci->max)
                snprintf(cells[r][10], 96, "%s .. %s", mn, mx);
            else
                snprintf(cells[r][10], 96, "-");
            for (int k = 0; k < NCOL; k++) {
                int w = 0;
                for (const char *p = cells[r][k]; *p; p++)
                    w += ((unsigned char)*p & 0xC0) != 0x80;
                if (w > width[k])
                    width[k] = w;
            }
        }
    }
    printf("\nrow groups:\n");
    printf("  %3s  %10s  %12s  %12s  %6s  %s\n", "rg", "rows", "bytes", "raw", "ratio",
           "sorted by");
    for (int32_t g = 0; g < info->n_row_groups; g++) {
        const dc_parquet_row_group_info *rg = &info->row_groups[g];
        printf("  %3d  %10lld  %12lld  %12lld  %6.2f  %s\n", g, (long long)rg->num_rows,
               (long long)rg->compressed_size, (long long)rg->total_byte_size,
               ratio(rg->total_byte_size, rg->compressed_size),
               rg->sorting_columns ? rg->sorting_columns : "-");
    }
    printf("\ncolumn chunks (bytes: compressed; raw: uncompressed; ~: truncated bound):\n");
    for (int64_t i = -1; i < n_rows; i++) {
        fputs("  ", stdout);
        for (int k = 0; k < NCOL; k++) {
            const char *v = i < 0 ? head[k] : cells[i][k];
            int w = 0;
            for (const char *p = v; *p; p++)
                w += ((unsigned char)*p & 0xC0) != 0x80;
            int pad = width[k] - w;
            if (right[k])
                printf("%*s%s", pad, "", v);
            else if (k == NCOL - 1)
                printf("%s", v);
            else
                printf("%s%*s", v, pad, "");
            if (k < NCOL - 1)
                fputs("  ", stdout);
        }
        fputc('\n', stdout);
    }
    free(cells);
}

int dc_cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "inspect", NULL});
        default: return dc_cli_usage("inspect", "unknown option");
        }
    }
    if (argc - optind != 1)
        return dc_cli_usage("inspect", "expected one FILE.parquet, got %d arguments",
                            argc - optind);
    const char *path = argv[optind];
    dc_error err;
    dc_error_clear(&err);
    dc_parquet_info *info = NULL;
    dc_status rc = dc_parquet_inspect(&info, path, &err);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &err);
    int code = DC_EXIT_OK;
    if (json)
        code = print_json(info);
    else
        print_human(info);
    dc_parquet_info_free(info);
    return code;
}
