/* util.c: exit codes, error messages and table rendering of the command. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

static void put_json_string(FILE *out, const char *s)
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
                put_json_string(out, schema->fields[c].name);
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

/* ---- times ---- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Read exactly n digits at *p into *out, advancing *p. */
static bool digits(const char **p, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

bool dc_cli_parse_time(const char *s, int64_t *out)
{
    int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
    const char *p = s;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
        return false;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
            return false;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &sec))
                return false;
            if (*p == '.' || *p == ',') {
                p++;
                int n = 0;
                for (; *p >= '0' && *p <= '9'; p++, n++)
                    if (n < 9)
                        frac = frac * 10 + (*p - '0');
                if (n == 0)
                    return false;
                for (; n < 9; n++)
                    frac *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 59)
            return false;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1;
            int64_t oh, om = 0;
            if (!digits(&p, 2, &oh))
                return false;
            if (*p == ':')
                p++;
            if (*p && !digits(&p, 2, &om))
                return false;
            if (oh > 23 || om > 59)
                return false;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p)
        return false;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    if (secs < 0 || secs > INT64_MAX / 1000000000LL - 1)
        return false;
    *out = secs * 1000000000LL + frac;
    return true;
}

bool dc_cli_parse_when(const char *s, int64_t *version, int64_t *ns)
{
    char *end;
    *version = *ns = 0;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end != s && !*end && !errno) {
        if (v <= 0)
            return false;
        if (v < 1000000000000LL)
            *version = v;
        else
            *ns = v;
        return true;
    }
    return dc_cli_parse_time(s, ns) && *ns > 0;
}

/* ---- output helpers ---- */

void dc_cli_put_json(json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    puts(text ? text : "null");
    free(text);
    json_decref(j);
}

bool dc_cli_stdout_tty(void)
{
    return isatty(STDOUT_FILENO) == 1;
}

struct dc_cli_grid {
    int n_cols;
    const char *align; /* 'l' or 'r' per column */
    char **cells;      /* rows * n_cols, row 0 the headers */
    int64_t n_rows, cap;
};

dc_cli_grid *dc_cli_grid_new(int n_cols, const char *const *headers, const char *align)
{
    dc_cli_grid *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->n_cols = n_cols;
    g->align = align;
    dc_cli_grid_add(g, headers);
    return g;
}

void dc_cli_grid_add(dc_cli_grid *g, const char *const *cells)
{
    if (!g)
        return;
    if (g->n_rows == g->cap) {
        int64_t cap = g->cap ? g->cap * 2 : 16;
        char **c = realloc(g->cells, sizeof *c * (size_t)(cap * g->n_cols));
        if (!c)
            return;
        g->cells = c;
        g->cap = cap;
    }
    for (int i = 0; i < g->n_cols; i++) {
        char *t = strdup(cells[i] ? cells[i] : "");
        for (char *q = t; q && *q; q++) /* one row per line */
            if (*q == '\n' || *q == '\r' || *q == '\t')
                *q = ' ';
        g->cells[g->n_rows * g->n_cols + i] = t;
    }
    g->n_rows++;
}

int64_t dc_cli_grid_rows(const dc_cli_grid *g)
{
    return g ? g->n_rows - 1 : 0;
}

void dc_cli_grid_print(const dc_cli_grid *g, FILE *out)
{
    if (!g)
        return;
    int w[64] = {0};
    int nc = g->n_cols < 64 ? g->n_cols : 64;
    for (int64_t r = 0; r < g->n_rows; r++)
        for (int c = 0; c < nc; c++) {
            const char *t = g->cells[r * g->n_cols + c];
            if (t && width_of(t) > w[c])
                w[c] = width_of(t);
        }
    for (int64_t r = 0; r < g->n_rows; r++) {
        for (int c = 0; c < nc; c++) {
            const char *t = g->cells[r * g->n_cols + c];
            t = t ? t : "";
            int pad = w[c] - width_of(t);
            bool right = g->align && g->align[c] == 'r' && r > 0;
            if (c)
                fputs("  ", out);
            if (right)
                fprintf(out, "%*s%s", pad, "", t);
            else
                fprintf(out, "%s%*s", t, c == nc - 1 ? 0 : pad, "");
        }
        fputc('\n', out);
        if (r == 0) {
            for (int c = 0; c < nc; c++) {
                fputs(c ? "  " : "", out);
                for (int k = 0; k < w[c]; k++)
                    fputc('-', out);
            }
            fputc('\n', out);
        }
    }
}

void dc_cli_grid_free(dc_cli_grid *g)
{
    if (!g)
        return;
    for (int64_t i = 0; i < g->n_rows * g->n_cols; i++)
        free(g->cells[i]);
    free(g->cells);
    free(g);
}

const char *dc_cli_bytes(int64_t n, char buf[32])
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, 32, "%lld B", (long long)n);
    else
        snprintf(buf, 32, "%.1f %s", v, units[u]);
    return buf;
}

const char *dc_cli_format_time(int64_t ns, char buf[48])
{
    time_t secs = (time_t)(ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(buf, 48, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 48 - n, ".%09lldZ", (long long)(ns % 1000000000LL));
    return buf;
}

/* Read a whole file ("-": standard input) into a NUL-terminated buffer. */
char *dc_cli_read_file(const char *path, size_t *len, int *code)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "deltacat: error: cannot open %s: %s\n", path, strerror(errno));
        *code = errno == ENOENT ? DC_EXIT_NOTFOUND : DC_EXIT_IO;
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || failed) {
        fprintf(stderr, "deltacat: error: cannot read %s: %s\n", path,
                buf ? strerror(errno) : "out of memory");
        free(buf);
        *code = buf ? DC_EXIT_IO : DC_EXIT_ERROR;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
