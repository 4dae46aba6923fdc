/*
 * csv_writer.c: writes batches as CSV/TSV/PSV: a header line, then one line
 * per row ending in "\n".
 *
 * A field is quoted (with inner quotes doubled) only when it has to be for
 * the reader to give it back: when it contains the delimiter, the quote, CR
 * or LF, begins or ends with a space or tab, or equals a null marker (the
 * null string or one of the null values; by default the empty string, so an
 * empty string is written "" and a null as nothing). Values are rendered by
 * dc_format_value in TEXT style, strings and integers directly. A batch is
 * rendered row by row into one buffer and handed to the output in large
 * writes.
 */
#include "formats/formats_int.h"

#define CSV_FLUSH_BYTES ((int64_t)1 << 20)

typedef struct csv_writer {
    char delim, quote;
    const char *null_string;
    int64_t null_len;
    const char **markers; /* strings that must be quoted to not read back as null */
    int64_t *marker_lens;
    int32_t n_markers;
    bool empty_is_marker;
    uint8_t special[256]; /* bytes that force quoting */
    bool header_pending;
    dc_strbuf out;
    dc_strbuf tmp;
} csv_writer;

static bool needs_quotes(const csv_writer *w, const char *p, int64_t n)
{
    if (n == 0)
        return w->empty_is_marker;
    if (p[0] == ' ' || p[0] == '\t' || p[n - 1] == ' ' || p[n - 1] == '\t')
        return true;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        return true; /* at the start of a file it would read as a byte order mark */
    const uint8_t *u = (const uint8_t *)p;
    for (int64_t i = 0; i < n; i++)
        if (w->special[u[i]])
            return true;
    for (int32_t i = 0; i < w->n_markers; i++)
        if (w->marker_lens[i] == n && memcmp(w->markers[i], p, (size_t)n) == 0)
            return true;
    return false;
}

/* Append a field's text, quoted when needed. */
static void put_field(csv_writer *w, const char *p, int64_t n)
{
    dc_strbuf *s = &w->out;
    if (!needs_quotes(w, p, n)) {
        dc_strbuf_append(s, p, n);
        return;
    }
    dc_strbuf_putc(s, w->quote);
    const char *end = p + n;
    while (p < end) {
        const char *q = memchr(p, w->quote, (size_t)(end - p));
        if (!q) {
            dc_strbuf_append(s, p, end - p);
            break;
        }
        dc_strbuf_append(s, p, q - p + 1);
        dc_strbuf_putc(s, w->quote); /* double it */
        p = q + 1;
    }
    dc_strbuf_putc(s, w->quote);
}

static void put_i64(dc_strbuf *s, int64_t v)
{
    char buf[24];
    char *e = buf + sizeof buf, *p = e;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    dc_strbuf_append(s, p, e - p);
}

/* Append element i of column a (valid) as a CSV field. */
static void put_value(csv_writer *w, const dc_array *a, int64_t i)
{
    switch (a->type->id) {
    case DC_TYPE_INT8:
    case DC_TYPE_INT16:
    case DC_TYPE_INT32:
    case DC_TYPE_INT64:
    case DC_TYPE_UINT8:
    case DC_TYPE_UINT16:
    case DC_TYPE_UINT32:
        /* digits never need quotes (a marker like "0" aside, checked below) */
        if (w->n_markers == 0) {
            put_i64(&w->out, dc_array_get_int(a, i));
            return;
        }
        break;
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8: {
        int64_t n;
        const uint8_t *p = dc_array_get_bytes(a, i, &n);
        put_field(w, (const char *)p, n);
        return;
    }
    default: break;
    }
    dc_strbuf_clear(&w->tmp);
    dc_format_value(&w->tmp, a, i, DC_STYLE_TEXT);
    put_field(w, dc_strbuf_cstr(&w->tmp), w->tmp.len);
}

static dc_status flush(dc_batch_writer *bw, dc_error *err)
{
    csv_writer *w = bw->impl;
    if (dc_strbuf_status(&w->out) != DC_OK || dc_strbuf_status(&w->tmp) != DC_OK)
        return dc_error_set(err, DC_ENOMEM, "%s: out of memory rendering CSV", bw->out->name);
    dc_status rc = DC_OK;
    if (w->out.len > 0)
        rc = dc_output_write(bw->out, w->out.data, w->out.len, err);
    dc_strbuf_clear(&w->out);
    return rc;
}

static void put_header(dc_batch_writer *bw)
{
    csv_writer *w = bw->impl;
    const dc_schema *s = bw->schema;
    w->header_pending = false;
    if (s->n_fields == 0)
        return; /* nothing to name: an empty file */
    for (int32_t j = 0; j < s->n_fields; j++) {
        if (j > 0)
            dc_strbuf_putc(&w->out, w->delim);
        const char *name = s->fields[j].name;
        int64_t n = (int64_t)strlen(name);
        /* An empty name would read back as column_N anyway; quote it like a value. */
        put_field(w, name, n);
    }
    dc_strbuf_putc(&w->out, '\n');
}

/*
 * Render every row of the batch and hand the text to the output (in writes
 * of about CSV_FLUSH_BYTES). On failure part of the batch may have been
 * written; the output is expected to be aborted.
 */
static dc_status csv_write(dc_batch_writer *bw, const dc_batch *b, dc_error *err)
{
    csv_writer *w = bw->impl;
    dc_status rc = DC_OK;
    int32_t nc = b->schema->n_fields;
    if (w->header_pending)
        put_header(bw);
    for (int64_t i = 0; i < b->length; i++) {
        for (int32_t j = 0; j < nc; j++) {
            if (j > 0)
                dc_strbuf_putc(&w->out, w->delim);
            const dc_array *a = b->columns[j];
            if (!dc_array_valid(a, i))
                dc_strbuf_append(&w->out, w->null_string, w->null_len);
            else
                put_value(w, a, i);
        }
        dc_strbuf_putc(&w->out, '\n');
        if (w->out.len >= CSV_FLUSH_BYTES) {
            rc = flush(bw, err);
            if (rc != DC_OK)
                return rc;
        }
    }
    return flush(bw, err);
}

static dc_status csv_finish(dc_batch_writer *bw, dc_error *err)
{
    csv_writer *w = bw->impl;
    if (w->header_pending)
        put_header(bw);
    return flush(bw, err);
}

static void csv_writer_free_impl(csv_writer *w)
{
    if (!w)
        return;
    dc_strbuf_free(&w->out);
    dc_strbuf_free(&w->tmp);
    dc_free(w->markers);
    dc_free(w->marker_lens);
    dc_free(w);
}

static void csv_destroy(dc_batch_writer *bw) { csv_writer_free_impl(bw->impl); }

static const dc_batch_writer_vtable CSV_WRITER = {csv_write, csv_finish, csv_destroy};

/*
 * A CSV writer over `o` (borrowed) for batches of `schema`. The header is
 * written with the first batch or at finish. Options: delimiter, quote,
 * null_string (how a null is written) and null_values (what must not be
 * written unquoted); NULL opts means CSV defaults. On failure *out is NULL
 * and nothing was written.
 */
dc_status dc_csv_writer_open(dc_batch_writer **out, dc_output *o, const dc_schema *schema,
                             const dc_csv_options *opts, dc_error *err)
{
    dc_status rc = DC_OK;
    csv_writer *w = NULL;
    *out = NULL;
    if (!o || !schema)
        return dc_error_set(err, DC_EINVALID, "the CSV writer needs an output and a schema");
    w = dc_calloc(1, sizeof *w);
    DC_TRY_ALLOC(w, err);
    dc_strbuf_init(&w->out);
    dc_strbuf_init(&w->tmp);
    w->delim = opts && opts->delimiter ? opts->delimiter : ',';
    w->quote = opts && opts->quote ? opts->quote : '"';
    if (w->delim == w->quote || w->delim == '\n' || w->delim == '\r' || w->quote == '\n' ||
        w->quote == '\r') {
        rc = dc_error_set(err, DC_EINVALID,
                          "%s: the CSV delimiter and quote must differ from each other and from "
                          "line breaks",
                          o->name);
        goto cleanup;
    }
    w->null_string = opts && opts->null_string ? opts->null_string : "";
    w->null_len = (int64_t)strlen(w->null_string);
    /* Markers: the null string and the reader's null values (default: the empty string). */
    int32_t nv = opts && opts->null_values && opts->n_null_values > 0 ? opts->n_null_values : 0;
    w->markers = dc_calloc((size_t)nv + 1, sizeof *w->markers);
    w->marker_lens = dc_calloc((size_t)nv + 1, sizeof *w->marker_lens);
    DC_TRY_ALLOC(w->markers, err);
    DC_TRY_ALLOC(w->marker_lens, err);
    w->empty_is_marker = w->null_len == 0 || nv == 0;
    if (w->null_len > 0) {
        w->markers[w->n_markers] = w->null_string;
        w->marker_lens[w->n_markers++] = w->null_len;
    }
    for (int32_t i = 0; i < nv; i++) {
        const char *m = opts->null_values[i];
        if (!m)
            continue;
        if (m[0] == '\0') {
            w->empty_is_marker = true;
            continue;
        }
        w->markers[w->n_markers] = m;
        w->marker_lens[w->n_markers++] = (int64_t)strlen(m);
    }
    w->special[(uint8_t)w->delim] = 1;
    w->special[(uint8_t)w->quote] = 1;
    w->special['\n'] = 1;
    w->special['\r'] = 1;
    w->header_pending = opts ? opts->header : true;
    rc = dc_batch_writer_new(out, &CSV_WRITER, w, o, schema, err);
cleanup:
    if (rc != DC_OK) {
        csv_writer_free_impl(w);
        *out = NULL;
    }
    return rc;
}
