/* util.c: exit codes, error messages and table rendering of the command. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int dc_cli_exit_code(dc_status rc)
{
    switch (rc) {
    case DC_OK: return DC_EXIT_OK;
    case DC_ENOTFOUND: return DC_EXIT_NOTFOUND;
    case DC_ECONFLICT: return DC_EXIT_CONFLICT;
    case DC_EEXISTS: return DC_EXIT_EXISTS;
    case DC_EINVALID: case DC_ESCHEMA: case DC_ECORRUPT: case DC_EUNSUPPORTED:
        return DC_EXIT_INVALID;
    case DC_EIO: return DC_EXIT_IO;
    default: return DC_EXIT_ERROR;
    }
}

int dc_cli_fail(dc_status rc, const dc_error *err)
{
    const char *msg = err && err->message[0] ? err->message : dc_status_str(rc);
    fprintf(stderr, "deltacat: error: %s\n", msg);
    return dc_cli_exit_code(rc);
}

int dc_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "deltacat %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nRun 'deltacat help %s' for usage.\n", cmd);
    va_end(ap);
    return DC_EXIT_USAGE;
}

bool dc_cli_parse_count(const char *cmd, const char *opt, const char *text, int64_t *out)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || v < 0) {
        dc_cli_usage(cmd, "%s takes a whole number >= 0, not \"%s\"", opt, text);
        return false;
    }
    *out = v;
    return true;
}

/* Display width of UTF-8 text (code points; good enough for aligned output). */
static int width_of(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* Truncate `s` in place to at most `max` code points, ending in "…". */
static void truncate_to(char *s, int max)
{
    int w = 0;
    for (char *p = s; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80) {
            if (w == max - 1) {
                strcpy(p, "\xe2\x80\xa6");
                return;
            }
            w++;
        }
    }
}

static bool right_aligned(const dc_type *t)
{
    return dc_type_is_integer(t->id) || dc_type_is_floating(t->id) || dc_type_is_decimal(t->id);
}

#define MAX_CELL 48

void dc_cli_print_table(FILE *out, const dc_schema *schema, dc_batch *const *batches, int n,
                        int64_t total_rows, bool more)
{
    int nc = schema->n_fields;
    int64_t rows = 0;
    for (int b = 0; b < n; b++)
        rows += batches[b]->length;
    int *w = calloc((size_t)(nc ? nc : 1), sizeof *w);
    char ***cells = calloc((size_t)(rows ? rows : 1), sizeof *cells);
    if (!w || !cells) {
        free(w);
        free(cells);
        fprintf(stderr, "deltacat: out of memory\n");
        return;
    }
    for (int c = 0; c < nc; c++)
        w[c] = width_of(schema->fields[c].name);
    int64_t r = 0;
    for (int b = 0; b < n; b++) {
        for (int64_t i = 0; i < batches[b]->length; i++, r++) {
            cells[r] = calloc((size_t)(nc ? nc : 1), sizeof **cells);
            for (int c = 0; cells[r] && c < nc; c++) {
                char *t = dc_value_to_text(batches[b]->columns[c], i, false);
                if (!t)
                    t = strdup(dc_array_is_null(batches[b]->columns[c], i) ? "null" : "");
                else {
                    for (char *p = t; *p; p++) /* keep one row per line */
                        if (*p == '\n' || *p == '\r' || *p == '\t')
                            *p = ' ';
                    char *copy = strdup(t);
                    dc_free(t);
                    t = copy;
                }
                if (t && width_of(t) > MAX_CELL)
                    truncate_to(t, MAX_CELL);
                cells[r][c] = t;
                if (t && width_of(t) > w[c])
                    w[c] = width_of(t);
            }
        }
    }
    for (int c = 0; c < nc; c++) {
        const char *name = schema->fields[c].name;
        int pad = w[c] - width_of(name);
        fprintf(out, "%s%s%*s", c ? "  " : "", name, c == nc - 1 ? 0 : pad, "");
    }
    fputc('\n', out);
    for (int c = 0; c < nc; c++) {
        fputs(c ? "  " : "", out);
        for (int k = 0; k < w[c]; k++)
            fputc('-', out);
    }
    fputc('\n', out);
    for (int64_t i = 0; i < rows; i++) {
        for (int c = 0; c < nc; c++) {
            const char *t = cells[i] && cells[i][c] ? cells[i][c] : "";
            int pad = w[c] - width_of(t);
            const dc_type *ty = schema->fields[c].type;
            if (c)
                fputs("  ", out);
            if (right_aligned(ty))
                fprintf(out, "%*s%s", pad, "", t);
            else
                fprintf(out, "%s%*s", t, c == nc - 1 ? 0 : pad, "");
        }
        fputc('\n', out);
        for (int c = 0; cells[i] && c < nc; c++)
            free(cells[i][c]);
        free(cells[i]);
    }
    if (more)
        fprintf(out, "(%lld rows shown; more not shown: raise --limit)\n", (long long)rows);
    else
        fprintf(out, "(%lld row%s)\n", (long long)rows, rows == 1 ? "" : "s");
    (void)total_rows;
    free(cells);
    free(w);
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

void dc_cli_print_json_rows(FILE *out, const dc_schema *schema, dc_batch *const *batches, int n)
{
    bool first = true;
    fputc('[', out);
    for (int b = 0; b < n; b++) {
        for (int64_t i = 0; i < batches[b]->length; i++) {
            fputs(first ? "\n  {" : ",\n  {", out);
            first = false;
            for (int c = 0; c < schema->n_fields; c++) {
                if (c)
                    fputs(", ", out);
                json_string(out, schema->fields[c].name);
                fputs(": ", out);
                char *t = dc_value_to_text(batches[b]->columns[c], i, true);
                fputs(t ? t : "null", out);
                dc_free(t);
            }
            fputc('}', out);
        }
    }
    fputs(first ? "]\n" : "\n]\n", out);
}
