/*
 * csv_reader.c: a streaming RFC 4180 reader (CSV, TSV, PSV) producing record
 * batches.
 *
 * Notes on the design.
 *  1. Input arrives in chunks (CSV_CHUNK bytes) read at increasing offsets, so
 *     a pipe works. The buffer holds the unconsumed tail of the last chunk and
 *     the next chunk; a row is only ever scanned from its first byte to its
 *     last inside the buffer. When a row is cut by the end of the buffer the
 *     scan stops (SCAN_MORE), the tail moves to the front, at least as many
 *     bytes again are read (so a long row costs amortized linear time), and
 *     the row is scanned again from its start. No state survives a restart.
 *  2. Fields are slices of the buffer. A quoted field with doubled quotes is
 *     unescaped in place once its row is complete (the result is shorter, and
 *     the row is never scanned again after that).
 *  3. Memory is bounded by the batch: a row may not exceed CSV_ROW_LIMIT bytes
 *     and a batch closes early after CSV_BATCH_BYTES bytes of text.
 *  4. Without an explicit schema the first infer_rows rows are scanned at open,
 *     copied into `store`, and their types inferred; they are then emitted as
 *     the first batches before the reader continues with the live input.
 *  5. Values go straight from the buffer into per-column byte vectors (no
 *     per-value allocation); the vectors become the Arrow buffers of a batch.
 *
 * Line numbers are 1-based physical lines (newlines inside quoted fields
 * count). A UTF-8 byte order mark at the start is skipped.
 */
#include "formats/formats_int.h"

#include <stdio.h>
#include <stdlib.h>

#define CSV_CHUNK ((int64_t)1 << 20)
#define CSV_ROW_LIMIT ((int64_t)64 << 20) /* the messages say "64 MiB" */
#define CSV_BATCH_BYTES ((int64_t)256 << 20)
#define CSV_MAX_FIELDS ((int64_t)1 << 20)
#define CSV_VALUE_SHOW 80 /* bytes of a bad value quoted in an error message */

enum { F_QUOTED = 1, F_ESCAPED = 2, F_NULL = 4 };
enum { SCAN_ROW, SCAN_EOF, SCAN_MORE, SCAN_ERR };
/* Private outcomes of col_append besides dc_status codes. */
enum { APPEND_BAD_VALUE = 1, APPEND_NULL_IN_NOT_NULL = 2 };

typedef struct span {
    const char *p;
    int64_t n;
    uint32_t flags;
} span;

/* A field of a stored (inference) row: offset into store_text, or n == -1 for null. */
typedef struct stored_field {
    int64_t off;
    int64_t n;
} stored_field;

typedef enum kind {
    K_NULL,
    K_BOOL,
    K_INT,  /* signed integers: width 1, 2, 4 or 8 */
    K_DUR,  /* DURATION: an integer, optionally followed by its unit ("5s") */
    K_UINT, /* unsigned integers */
    K_F16,
    K_F32,
    K_F64,
    K_DEC,
    K_DATE32,
    K_DATE64,
    K_TIME,
    K_TS,
    K_STR, /* UTF8 (validated), 32-bit offsets */
    K_LSTR,
    K_BIN,  /* binary: hex digits, as the writer renders it */
    K_LBIN,
    K_FSB,
} kind;

/* One output column being built. */
typedef struct column {
    const dc_field *field; /* in the reader's schema */
    kind k;
    int32_t width; /* bytes per value (fixed-width kinds) */
    int64_t lo, hi;
    uint64_t uhi;
    dc_bytes validity, values, offsets, data;
    int64_t length, nulls;
    int64_t data_hint; /* bytes of text in the last batch (to reserve the next) */
} column;

/* Candidate types of a column during inference (a bit each). */
enum { C_BOOL = 1, C_INT = 2, C_DBL = 4, C_DATE = 8, C_TS = 16, C_TZ = 32, C_ALL = 63 };

typedef struct csv_reader {
    dc_input *in;
    char delim, quote;
    const char *const *null_values;
    int64_t *null_lens;
    int32_t n_null_values;
    bool null_is_empty_only; /* the default: only the empty unquoted field is null */

    char *buf;
    int64_t cap, pos, end; /* unconsumed bytes are buf[pos, end) */
    int64_t buf_off;       /* input offset of buf[0] */
    int64_t in_off;        /* next input offset to read */
    int64_t chunk;
    bool eof;
    int64_t line; /* line of the next row */

    span *fields; /* the current row */
    int64_t n_fields, cap_fields;
    int64_t row_line, row_off, row_bytes;

    bool has_header;
    int32_t n_cols;     /* fields per row (0 until known) */
    char **file_names;  /* n_cols names from the header (or column_N) */
    int32_t *map;       /* file column -> output column, or -1 */
    int32_t n_out;
    column *cols;
    bool inferred;
    int64_t infer_rows;

    dc_bytes store_text;
    stored_field *store; /* n_stored * n_cols */
    int64_t *store_lines, *store_offs, *store_bytes;
    int64_t n_stored, cap_stored, next_stored;

    int64_t batch_rows;
    bool done;
} csv_reader;

/* ---- scanning ------------------------------------------------------------------- */

/* First byte in [p, end) equal to the delimiter, '\n' or '\r'; `end` if none. */
static inline const char *find_special(const char *p, const char *end, char delim)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const uint64_t md = ones * (uint8_t)delim, mn = ones * (uint8_t)'\n', mr = ones * (uint8_t)'\r';
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t a = w ^ md, b = w ^ mn, c = w ^ mr;
        uint64_t t = (((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c)) & highs;
        if (t)
            return p + (__builtin_ctzll(t) >> 3);
        p += 8;
    }
#endif
    while (p < end && *p != delim && *p != '\n' && *p != '\r')
        p++;
    return p;
}

static int64_t count_newlines(const char *p, const char *end)
{
    int64_t k = 0;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* Record a field of the current row; fields beyond the storage limit are only counted. */
static inline dc_status push_field(csv_reader *r, int64_t nf, const char *p, int64_t n,
                                   uint32_t flags)
{
    if (DC_UNLIKELY(nf >= r->cap_fields)) {
        int64_t limit = r->n_cols > 0 ? (int64_t)r->n_cols + 1 : CSV_MAX_FIELDS;
        if (nf >= limit)
            return DC_OK;
        int64_t cap = DC_MIN(DC_MAX(r->cap_fields * 2, 16), limit);
        span *f = dc_realloc(r->fields, (size_t)cap * sizeof *f);
        if (!f)
            return DC_ENOMEM;
        r->fields = f;
        r->cap_fields = cap;
    }
    r->fields[nf].p = p;
    r->fields[nf].n = n;
    r->fields[nf].flags = flags;
    return DC_OK;
}

static bool is_null_value(const csv_reader *r, const char *p, int64_t n)
{
    if (r->null_is_empty_only)
        return n == 0;
    for (int32_t i = 0; i < r->n_null_values; i++)
        if (r->null_lens[i] == n && memcmp(r->null_values[i], p, (size_t)n) == 0)
            return true;
    return false;
}

/* Remove one quote of each doubled pair, in place; returns the new length. */
static int64_t unescape_in_place(char *p, int64_t n, char quote)
{
    int64_t w = 0;
    for (int64_t i = 0; i < n; i++) {
        p[w++] = p[i];
        if (p[i] == quote)
            i++; /* skip the second quote of the pair */
    }
    return w;
}

static int scan_error(csv_reader *r, dc_error *err, int64_t line, dc_status code, const char *msg)
{
    dc_error_set(err, code, "%s", msg);
    dc_error_at(err, r->in->name, NULL, r->buf_off + r->pos, line);
    return SCAN_ERR;
}

/*
 * Scan one row starting at buf[pos]. SCAN_ROW: the row's fields are in
 * r->fields (unescaped, null flags set) and pos is past its terminator.
 * SCAN_MORE: the buffer ends inside the row and more input exists; nothing
 * changed. SCAN_EOF: no bytes left. SCAN_ERR: `err` says why.
 */
static int scan_row(csv_reader *r, dc_error *err)
{
    char *const base = r->buf;
    char *p = base + r->pos;
    const char *const end = base + r->end;
    const char delim = r->delim, quote = r->quote;
    const bool eof = r->eof;
    int64_t nf = 0, nl = 0;
    const char *x;

    if (p == end)
        return eof ? SCAN_EOF : SCAN_MORE;
    for (;;) {
        if (p < end && *p == quote) {
            const char *q = p + 1;
            uint32_t flags = F_QUOTED;
            for (;;) {
                x = memchr(q, quote, (size_t)(end - q));
                if (!x) {
                    if (!eof)
                        return SCAN_MORE;
                    return scan_error(r, err, r->line + nl, DC_EINVALID,
                                      "unterminated quoted field: the quote opened on this line "
                                      "is never closed; close it, or double the quotes inside it");
                }
                nl += count_newlines(q, x);
                if (x + 1 == end && !eof)
                    return SCAN_MORE;
                if (x + 1 < end && x[1] == quote) {
                    flags |= F_ESCAPED;
                    q = x + 2;
                    continue;
                }
                break;
            }
            if (push_field(r, nf++, p + 1, x - (p + 1), flags) != DC_OK)
                goto nomem;
            p = (char *)x + 1;
            if (p == end)
                goto row_done; /* end of input */
            if (*p == delim) {
                p++;
                continue;
            }
            if (*p == '\n' || *p == '\r') {
                x = p;
                goto row_end;
            }
            return scan_error(r, err, r->line + nl, DC_EINVALID,
                              "unexpected character after a closing quote: a quoted field must "
                              "end at a delimiter or a line end (double the quotes inside it)");
        }
        x = find_special(p, end, delim);
        if (x == end) {
            if (!eof)
                return SCAN_MORE;
            if (push_field(r, nf++, p, x - p, 0) != DC_OK)
                goto nomem;
            p = (char *)end;
            goto row_done;
        }
        if (push_field(r, nf++, p, x - p, 0) != DC_OK)
            goto nomem;
        if (*x == delim) {
            p = (char *)x + 1;
            continue;
        }
        goto row_end;
    }

row_end: /* x is at '\r' or '\n' */
    if (*x == '\r') {
        if (x + 1 == end) {
            if (!eof)
                return SCAN_MORE;
            x++;
        } else {
            x += x[1] == '\n' ? 2 : 1;
        }
    } else {
        x++;
    }
    p = (char *)x;
row_done:
    if (nf > CSV_MAX_FIELDS)
        return scan_error(r, err, r->line, DC_EINVALID,
                          "a row has more than 1048576 fields; is the delimiter right?");
    if ((p - base) - r->pos > CSV_ROW_LIMIT)
        return scan_error(r, err, r->line, DC_EINVALID,
                          "a row longer than 64 MiB starts here; is the delimiter or line ending "
                          "right, or is a quote never closed?");
    r->row_line = r->line;
    r->row_off = r->buf_off + r->pos;
    r->row_bytes = (p - base) - r->pos;
    r->line += nl + 1;
    r->pos = p - base;
    r->n_fields = nf;
    int64_t stored = DC_MIN(nf, r->cap_fields);
    for (int64_t i = 0; i < stored; i++) {
        span *f = &r->fields[i];
        if (f->flags & F_ESCAPED)
            f->n = unescape_in_place((char *)f->p, f->n, quote);
        else if (!(f->flags & F_QUOTED) && is_null_value(r, f->p, f->n))
            f->flags |= F_NULL;
    }
    return SCAN_ROW;
nomem:
    dc_error_nomem(err);
    return SCAN_ERR;
}

/*
 * Move the unconsumed bytes to the front and read more: at least CSV_CHUNK,
 * and at least as many as are kept (a long row doubles the read). Fails when
 * the pending row exceeds CSV_ROW_LIMIT.
 */
static dc_status refill(csv_reader *r, dc_error *err)
{
    int64_t keep = r->end - r->pos;
    if (keep > CSV_ROW_LIMIT) {
        dc_error_set(err, DC_EINVALID,
                     "a row longer than %lld MiB starts here (a quote that is never closed, or "
                     "the wrong delimiter/line ending?)",
                     (long long)(CSV_ROW_LIMIT >> 20));
        dc_error_at(err, r->in->name, NULL, r->buf_off + r->pos, r->line);
        return DC_EINVALID;
    }
    if (r->pos > 0) {
        if (keep > 0)
            memmove(r->buf, r->buf + r->pos, (size_t)keep);
        r->buf_off += r->pos;
        r->pos = 0;
        r->end = keep;
    }
    int64_t want = DC_MAX(r->chunk, keep);
    if (keep + want > r->cap) {
        int64_t cap = keep + want;
        char *nb = dc_realloc(r->buf, (size_t)cap);
        if (!nb)
            return dc_error_nomem(err);
        r->buf = nb;
        r->cap = cap;
    }
    int64_t got = 0;
    dc_status rc = dc_input_read_at(r->in, r->in_off, r->buf + r->end, want, &got, err);
    if (rc != DC_OK)
        return rc;
    r->in_off += got;
    r->end += got;
    if (got < want)
        r->eof = true;
    return DC_OK;
}

/* Next non-blank row of the live input (blank lines are skipped unless the file has
 * exactly one column, where they are null values). SCAN_ROW, SCAN_EOF or SCAN_ERR. */
static int next_live_row(csv_reader *r, dc_error *err)
{
    for (;;) {
        int s = scan_row(r, err);
        if (s == SCAN_MORE) {
            if (refill(r, err) != DC_OK)
                return SCAN_ERR;
            continue;
        }
        if (s == SCAN_ROW && r->n_fields == 1 && r->fields[0].n == 0 &&
            !(r->fields[0].flags & F_QUOTED) && r->n_cols != 1)
            continue;
        return s;
    }
}

/* ---- columns ---------------------------------------------------------------------- */

static inline dc_status bit_push(dc_bytes *b, int64_t i, bool v)
{
    if ((i & 7) == 0) {
        uint8_t z = 0;
        if (dc_bytes_push(b, &z, 1) != DC_OK)
            return DC_ENOMEM;
    }
    if (v)
        b->data[i >> 3] |= (uint8_t)(1u << (i & 7));
    return DC_OK;
}

static dc_status column_setup(column *c, const dc_field *f, dc_error *err)
{
    const dc_type *t = f->type;
    c->field = f;
    c->width = t->byte_width;
    switch (t->id) {
    case DC_TYPE_NULL: c->k = K_NULL; break;
    case DC_TYPE_BOOL: c->k = K_BOOL; break;
    case DC_TYPE_INT8: c->k = K_INT, c->width = 1, c->lo = INT8_MIN, c->hi = INT8_MAX; break;
    case DC_TYPE_INT16: c->k = K_INT, c->width = 2, c->lo = INT16_MIN, c->hi = INT16_MAX; break;
    case DC_TYPE_INT32: c->k = K_INT, c->width = 4, c->lo = INT32_MIN, c->hi = INT32_MAX; break;
    case DC_TYPE_INT64: c->k = K_INT, c->width = 8, c->lo = INT64_MIN, c->hi = INT64_MAX; break;
    case DC_TYPE_DURATION: c->k = K_DUR, c->width = 8; break;
    case DC_TYPE_UINT8: c->k = K_UINT, c->width = 1, c->uhi = UINT8_MAX; break;
    case DC_TYPE_UINT16: c->k = K_UINT, c->width = 2, c->uhi = UINT16_MAX; break;
    case DC_TYPE_UINT32: c->k = K_UINT, c->width = 4, c->uhi = UINT32_MAX; break;
    case DC_TYPE_UINT64: c->k = K_UINT, c->width = 8, c->uhi = UINT64_MAX; break;
    case DC_TYPE_FLOAT16: c->k = K_F16, c->width = 2; break;
    case DC_TYPE_FLOAT32: c->k = K_F32, c->width = 4; break;
    case DC_TYPE_FLOAT64: c->k = K_F64, c->width = 8; break;
    case DC_TYPE_DECIMAL128: c->k = K_DEC, c->width = 16; break;
    case DC_TYPE_DECIMAL256: c->k = K_DEC, c->width = 32; break;
    case DC_TYPE_DATE32: c->k = K_DATE32, c->width = 4; break;
    case DC_TYPE_DATE64: c->k = K_DATE64, c->width = 8; break;
    case DC_TYPE_TIME32: c->k = K_TIME, c->width = 4; break;
    case DC_TYPE_TIME64: c->k = K_TIME, c->width = 8; break;
    case DC_TYPE_TIMESTAMP: c->k = K_TS, c->width = 8; break;
    case DC_TYPE_UTF8: c->k = K_STR; break;
    case DC_TYPE_LARGE_UTF8: c->k = K_LSTR; break;
    case DC_TYPE_BINARY: c->k = K_BIN; break;
    case DC_TYPE_LARGE_BINARY: c->k = K_LBIN; break;
    case DC_TYPE_FIXED_SIZE_BINARY: c->k = K_FSB; break;
    default: {
        char *tn = dc_type_to_string(t);
        dc_error_set(err, DC_EUNSUPPORTED,
                     "column '%s' has type %s, which CSV cannot hold; use JSON Lines for nested "
                     "types, or give the column a string type",
                     f->name, tn ? tn : dc_type_id_name(t->id));
        dc_free(tn);
        return DC_EUNSUPPORTED;
    }
    }
    return DC_OK;
}

static void column_reset(column *c)
{
    dc_bytes_free(&c->validity);
    dc_bytes_free(&c->values);
    dc_bytes_free(&c->offsets);
    dc_bytes_free(&c->data);
    c->length = 0;
    c->nulls = 0;
}

/*
 * Begin a batch of up to `rows` rows: reserve the vectors (strings by the size
 * of the previous batch's text) so appends rarely grow them; string columns
 * get their first offset.
 */
static dc_status column_begin(column *c, int64_t rows)
{
    bool is_var = c->k == K_STR || c->k == K_LSTR || c->k == K_BIN || c->k == K_LBIN;
    int64_t width = c->k == K_BOOL ? 0 : is_var ? 0 : c->width;
    if (dc_bytes_reserve(&c->validity, rows / 8 + 1) != DC_OK ||
        dc_bytes_reserve(&c->values, c->k == K_BOOL ? rows / 8 + 1 : rows * width) != DC_OK)
        return DC_ENOMEM;
    if (!is_var)
        return DC_OK;
    if (dc_bytes_reserve(&c->data, c->data_hint) != DC_OK)
        return DC_ENOMEM;
    if (c->k == K_STR || c->k == K_BIN) {
        int32_t z = 0;
        if (dc_bytes_reserve(&c->offsets, (rows + 1) * 4) != DC_OK)
            return DC_ENOMEM;
        return dc_bytes_append(&c->offsets, &z, 4);
    }
    int64_t z = 0;
    if (dc_bytes_reserve(&c->offsets, (rows + 1) * 8) != DC_OK)
        return DC_ENOMEM;
    return dc_bytes_append(&c->offsets, &z, 8);
}

static inline dc_status put_fixed(column *c, const void *v)
{
    return dc_bytes_push(&c->values, v, c->width);
}

static inline dc_status put_int(column *c, int64_t v)
{
    switch (c->width) {
    case 1: {
        int8_t x = (int8_t)v;
        return dc_bytes_push(&c->values, &x, 1);
    }
    case 2: {
        int16_t x = (int16_t)v;
        return dc_bytes_push(&c->values, &x, 2);
    }
    case 4: {
        int32_t x = (int32_t)v;
        return dc_bytes_push(&c->values, &x, 4);
    }
    default: return dc_bytes_push(&c->values, &v, 8);
    }
}

static dc_status put_bytes(column *c, const char *p, int64_t n)
{
    if (n > 0 && dc_bytes_push(&c->data, p, n) != DC_OK)
        return DC_ENOMEM;
    if (c->k == K_STR || c->k == K_BIN) {
        if (c->data.size > INT32_MAX)
            return DC_ENOMEM;
        int32_t o = (int32_t)c->data.size;
        return dc_bytes_push(&c->offsets, &o, 4);
    }
    int64_t o = c->data.size;
    return dc_bytes_push(&c->offsets, &o, 8);
}

/* The zero placeholder of a null. */
static dc_status put_null(column *c)
{
    static const uint8_t zeros[32];
    switch (c->k) {
    case K_NULL: return DC_OK;
    case K_BOOL: return bit_push(&c->values, c->length, false);
    case K_STR:
    case K_LSTR:
    case K_BIN:
    case K_LBIN: return put_bytes(c, NULL, 0);
    case K_FSB: return dc_bytes_append_zeros(&c->values, c->width);
    default: return dc_bytes_push(&c->values, zeros, c->width);
    }
}

static inline bool is_digit_char(char ch) { return ch >= '0' && ch <= '9'; }

static inline int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decode n (even) hex digits into n/2 bytes; false on a non-hex digit. */
static bool unhex(uint8_t *dst, const char *p, int64_t n)
{
    for (int64_t i = 0; i < n; i += 2) {
        int hi = hex_value(p[i]), lo = hex_value(p[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        dst[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/*
 * Append one value (or a null) to a column. Returns DC_OK, DC_ENOMEM,
 * APPEND_BAD_VALUE when the text is not a value of the column's type, or
 * APPEND_NULL_IN_NOT_NULL. After a failure the column is inconsistent and the
 * reader fails for good.
 */
static dc_status col_append(column *c, const char *p, int64_t n, bool is_null)
{
    dc_status rc;
    if (is_null) {
        if (!c->field->nullable)
            return APPEND_NULL_IN_NOT_NULL;
        if (bit_push(&c->validity, c->length, false) != DC_OK || put_null(c) != DC_OK)
            return DC_ENOMEM;
        c->nulls++;
        c->length++;
        return DC_OK;
    }
    switch (c->k) {
    case K_NULL: return APPEND_BAD_VALUE;
    case K_BOOL: {
        bool v;
        if (!dc_parse_bool(p, n, &v))
            return APPEND_BAD_VALUE;
        rc = bit_push(&c->values, c->length, v);
        break;
    }
    case K_INT: {
        int64_t v;
        if (!dc_parse_int64(p, n, &v) || v < c->lo || v > c->hi)
            return APPEND_BAD_VALUE;
        rc = put_int(c, v);
        break;
    }
    case K_DUR: {
        int64_t v;
        const char *u = dc_unit_name(c->field->type->unit);
        int64_t ul = (int64_t)strlen(u);
        if (n > ul && memcmp(p + n - ul, u, (size_t)ul) == 0 && is_digit_char(p[n - ul - 1]))
            n -= ul;
        if (!dc_parse_int64(p, n, &v))
            return APPEND_BAD_VALUE;
        rc = put_fixed(c, &v);
        break;
    }
    case K_UINT: {
        uint64_t v;
        if (!dc_parse_uint64(p, n, &v) || v > c->uhi)
            return APPEND_BAD_VALUE;
        rc = put_int(c, (int64_t)v);
        break;
    }
    case K_F16:
    case K_F32:
    case K_F64: {
        double v;
        if (!dc_parse_double(p, n, &v))
            return APPEND_BAD_VALUE;
        if (c->k == K_F64) {
            rc = put_fixed(c, &v);
        } else if (c->k == K_F32) {
            float f = (float)v;
            rc = put_fixed(c, &f);
        } else {
            uint16_t h = dc_float_to_half((float)v);
            rc = put_fixed(c, &h);
        }
        break;
    }
    case K_DEC: {
        uint8_t v[32];
        if (!dc_parse_decimal(p, n, c->field->type->precision, c->field->type->scale, c->width,
                              v))
            return APPEND_BAD_VALUE;
        rc = put_fixed(c, v);
        break;
    }
    case K_DATE32: {
        int32_t v;
        if (!dc_parse_date32(p, n, &v))
            return APPEND_BAD_VALUE;
        rc = put_fixed(c, &v);
        break;
    }
    case K_DATE64: {
        int32_t d;
        if (!dc_parse_date32(p, n, &d))
            return APPEND_BAD_VALUE;
        int64_t v = (int64_t)d * 86400000;
        rc = put_fixed(c, &v);
        break;
    }
    case K_TIME: {
        int64_t v;
        if (!dc_parse_time(p, n, c->field->type->unit, &v))
            return APPEND_BAD_VALUE;
        rc = put_int(c, v);
        break;
    }
    case K_TS: {
        int64_t v;
        bool zone;
        if (!dc_parse_timestamp(p, n, c->field->type->unit, &v, &zone))
            return APPEND_BAD_VALUE;
        rc = put_fixed(c, &v);
        break;
    }
    case K_STR:
    case K_LSTR:
        if (!dc_utf8_valid(p, n))
            return APPEND_BAD_VALUE;
        rc = put_bytes(c, p, n);
        break;
    case K_BIN:
    case K_LBIN:
        if ((n & 1) || dc_bytes_reserve(&c->data, n / 2) != DC_OK)
            return (n & 1) ? APPEND_BAD_VALUE : DC_ENOMEM;
        if (!unhex(c->data.data + c->data.size, p, n))
            return APPEND_BAD_VALUE;
        c->data.size += n / 2;
        rc = put_bytes(c, NULL, 0);
        break;
    case K_FSB:
        if (n != 2 * (int64_t)c->width || dc_bytes_reserve(&c->values, c->width) != DC_OK)
            return n != 2 * (int64_t)c->width ? APPEND_BAD_VALUE : DC_ENOMEM;
        if (!unhex(c->values.data + c->values.size, p, n))
            return APPEND_BAD_VALUE;
        c->values.size += c->width;
        rc = DC_OK;
        break;
    default: return APPEND_BAD_VALUE;
    }
    if (rc != DC_OK || bit_push(&c->validity, c->length, true) != DC_OK)
        return DC_ENOMEM;
    c->length++;
    return DC_OK;
}

/* Turn a column's vectors into an array; the column is left empty for the next batch. */
static dc_status column_finish(column *c, dc_array **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *bufs[3] = {NULL, NULL, NULL};
    int32_t nb = 0;
    *out = NULL;
    if (c->k == K_NULL) {
        rc = dc_array_new_null(out, c->field->type, c->length, err);
        goto cleanup;
    }
    if (c->nulls > 0) {
        bufs[0] = dc_bytes_finish(&c->validity);
        DC_TRY_ALLOC(bufs[0], err);
    }
    if (c->k == K_STR || c->k == K_LSTR || c->k == K_BIN || c->k == K_LBIN) {
        c->data_hint = DC_MIN(c->data.size + c->data.size / 8, CSV_BATCH_BYTES);
        bufs[1] = dc_bytes_finish(&c->offsets);
        DC_TRY_ALLOC(bufs[1], err);
        bufs[2] = dc_bytes_finish(&c->data);
        DC_TRY_ALLOC(bufs[2], err);
        nb = 3;
    } else {
        bufs[1] = dc_bytes_finish(&c->values);
        DC_TRY_ALLOC(bufs[1], err);
        nb = 2;
    }
    rc = dc_array_make(out, c->field->type, c->length, 0, c->nulls, bufs, nb, NULL, 0, NULL, err);
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    column_reset(c);
    return rc;
}

/* ---- errors about values ------------------------------------------------------------ */

static dc_status value_error(csv_reader *r, int32_t file_col, int64_t line, int64_t offset,
                             const span *f, dc_status why, dc_error *err)
{
    column *c = &r->cols[r->map[file_col]];
    const char *name = c->field->name;
    if (why == DC_ENOMEM) {
        dc_error_set(err, DC_ENOMEM, "out of memory building column '%s'", name);
    } else if (why == APPEND_NULL_IN_NOT_NULL) {
        dc_error_set(err, DC_ESCHEMA,
                     "column '%s' is null here but the schema declares it not null; fill the "
                     "value or make the field nullable",
                     name);
    } else {
        char *tn = dc_type_to_string(c->field->type);
        const char *tname = tn ? tn : dc_type_id_name(c->field->type->id);
        int shown = (int)DC_MIN(f->n, CSV_VALUE_SHOW);
        const char *more = f->n > CSV_VALUE_SHOW ? "..." : "";
        if ((c->k == K_STR || c->k == K_LSTR) && !dc_utf8_valid(f->p, f->n))
            dc_error_set(err, DC_EINVALID,
                         "column '%s': the value is not valid UTF-8; convert the file to UTF-8 "
                         "or read the column as binary",
                         name);
        else if (r->inferred)
            dc_error_set(err, DC_ESCHEMA,
                         "column '%s': cannot read '%.*s%s' as %s, the type inferred from the "
                         "first %lld rows; pass an explicit schema or raise infer_rows",
                         name, shown, f->p, more, tname, (long long)r->infer_rows);
        else
            dc_error_set(err, DC_ESCHEMA,
                         "column '%s': cannot read '%.*s%s' as %s, the type the schema gives; "
                         "fix the value or change the schema",
                         name, shown, f->p, more, tname);
        dc_free(tn);
    }
    dc_error_at(err, r->in->name, name, offset, line);
    return err ? err->code : (why == DC_ENOMEM ? DC_ENOMEM : DC_ESCHEMA);
}

static dc_status field_count_error(csv_reader *r, int64_t nf, int64_t line, int64_t offset,
                                   dc_error *err)
{
    dc_status rc = dc_error_set(err, DC_EINVALID,
                                "expected %d fields (as in the %s) but found %lld; quote fields "
                                "that contain the delimiter or line breaks",
                                (int)r->n_cols, r->has_header ? "header" : "first row",
                                (long long)nf);
    dc_error_at(err, r->in->name, NULL, offset, line);
    return rc;
}

/* Append the current row (r->fields) to the columns. */
static dc_status append_row(csv_reader *r, dc_error *err)
{
    if (DC_UNLIKELY(r->n_fields != r->n_cols))
        return field_count_error(r, r->n_fields, r->row_line, r->row_off, err);
    const span *f = r->fields;
    for (int32_t j = 0; j < r->n_cols; j++) {
        int32_t o = r->map[j];
        if (o < 0)
            continue;
        dc_status rc = col_append(&r->cols[o], f[j].p, f[j].n, (f[j].flags & F_NULL) != 0);
        if (DC_UNLIKELY(rc != DC_OK))
            return value_error(r, j, r->row_line, r->row_off, &f[j], rc, err);
    }
    return DC_OK;
}

/* ---- inference ---------------------------------------------------------------------- */

/* Copy the current row into the store (for inference, then emission). */
static dc_status store_row(csv_reader *r)
{
    if (r->n_stored == r->cap_stored) {
        int64_t cap = r->cap_stored ? r->cap_stored * 2 : 64;
        stored_field *s = dc_realloc(r->store, (size_t)cap * (size_t)r->n_cols * sizeof *s);
        if (!s)
            return DC_ENOMEM;
        r->store = s;
        int64_t *l = dc_realloc(r->store_lines, (size_t)cap * 3 * sizeof *l);
        if (!l)
            return DC_ENOMEM;
        r->store_lines = l;
        r->cap_stored = cap;
    }
    if (!r->store_text.data && dc_bytes_reserve(&r->store_text, 256) != DC_OK)
        return DC_ENOMEM; /* never NULL below, even when every value is empty */
    stored_field *s = r->store + r->n_stored * r->n_cols;
    for (int32_t j = 0; j < r->n_cols; j++) {
        const span *f = &r->fields[j];
        s[j].off = r->store_text.size;
        s[j].n = (f->flags & F_NULL) ? -1 : f->n;
        if (s[j].n > 0 && dc_bytes_append(&r->store_text, f->p, f->n) != DC_OK)
            return DC_ENOMEM;
    }
    r->store_lines[r->n_stored * 3] = r->row_line;
    r->store_lines[r->n_stored * 3 + 1] = r->row_off;
    r->store_lines[r->n_stored * 3 + 2] = r->row_bytes;
    r->n_stored++;
    return DC_OK;
}

/* Make stored row i the current row. */
static void load_stored_row(csv_reader *r, int64_t i)
{
    const stored_field *s = r->store + i * r->n_cols;
    for (int32_t j = 0; j < r->n_cols; j++) {
        r->fields[j].p = (const char *)r->store_text.data + s[j].off;
        r->fields[j].n = s[j].n < 0 ? 0 : s[j].n;
        r->fields[j].flags = s[j].n < 0 ? F_NULL : 0;
    }
    r->n_fields = r->n_cols;
    r->row_line = r->store_lines[i * 3];
    r->row_off = r->store_lines[i * 3 + 1];
    r->row_bytes = r->store_lines[i * 3 + 2];
}

static void free_store(csv_reader *r)
{
    dc_bytes_free(&r->store_text);
    dc_free(r->store);
    dc_free(r->store_lines);
    r->store = NULL;
    r->store_lines = NULL;
    r->n_stored = r->cap_stored = r->next_stored = 0;
}

/* Narrow a column's candidate set by one non-null value. */
static uint8_t narrow(uint8_t m, const char *p, int64_t n)
{
    if (m & C_BOOL) {
        if (!dc_str_ieq(p, n, "true") && !dc_str_ieq(p, n, "false"))
            m &= (uint8_t)~C_BOOL;
    }
    if (m & C_INT) {
        int64_t v;
        if (!dc_parse_int64(p, n, &v))
            m &= (uint8_t)~C_INT;
        else
            return m & (uint8_t)~(C_BOOL | C_DATE | C_TS | C_TZ);
    }
    if (m & C_DBL) {
        double v;
        if (!dc_parse_double(p, n, &v))
            m &= (uint8_t)~C_DBL;
    }
    if (m & C_DATE) {
        int32_t v;
        if (!dc_parse_date32(p, n, &v))
            m &= (uint8_t)~C_DATE;
    }
    if (m & C_TS) {
        int64_t v;
        bool zone = false;
        if (!dc_parse_timestamp(p, n, DC_UNIT_MICRO, &v, &zone))
            m &= (uint8_t)~(C_TS | C_TZ);
        else if (!zone)
            m &= (uint8_t)~C_TZ;
    }
    return m;
}

static dc_type *type_of_candidates(uint8_t m, bool any)
{
    if (!any)
        return dc_type_new(DC_TYPE_UTF8);
    if (m & C_BOOL)
        return dc_type_new(DC_TYPE_BOOL);
    if (m & C_INT)
        return dc_type_new(DC_TYPE_INT64);
    if (m & C_DBL)
        return dc_type_new(DC_TYPE_FLOAT64);
    if (m & C_DATE)
        return dc_type_new(DC_TYPE_DATE32);
    if (m & C_TS)
        return dc_type_timestamp(DC_UNIT_MICRO, (m & C_TZ) ? "UTC" : NULL);
    return dc_type_new(DC_TYPE_UTF8);
}

/* ---- header and schema -------------------------------------------------------------- */

/* A set of names (open addressing) for deduplicating header names. */
typedef struct name_set {
    const char **slots;
    uint64_t mask;
} name_set;

static bool name_set_init(name_set *ns, int64_t n)
{
    uint64_t cap = 16;
    while (cap < (uint64_t)n * 2 + 2)
        cap *= 2;
    ns->slots = dc_calloc((size_t)cap, sizeof *ns->slots);
    ns->mask = cap - 1;
    return ns->slots != NULL;
}

/* The slot holding `name`, or the empty slot where it would go. */
static const char **name_set_slot(const name_set *ns, const char *name)
{
    uint64_t h = dc_hash_bytes(name, strlen(name), 0) & ns->mask;
    while (ns->slots[h] && strcmp(ns->slots[h], name) != 0)
        h = (h + 1) & ns->mask;
    return &ns->slots[h];
}

/*
 * Column names from the header row (header) or column_1..N: blank names
 * become column_N, duplicates get _2, _3, ... Invalid UTF-8 is an error.
 */
static dc_status make_names(csv_reader *r, bool from_header, dc_error *err)
{
    dc_status rc = DC_OK;
    char tmp[64];
    int32_t n = (int32_t)r->n_fields;
    name_set ns = {NULL, 0};
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    r->file_names = dc_calloc((size_t)DC_MAX(n, 1), sizeof *r->file_names);
    DC_TRY_ALLOC(r->file_names, err);
    r->n_cols = n;
    if (!name_set_init(&ns, n)) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    for (int32_t j = 0; j < n; j++) {
        const span *f = &r->fields[j];
        char *name;
        if (from_header && f->n > 0) {
            if (!dc_utf8_valid(f->p, f->n) || memchr(f->p, '\0', (size_t)f->n)) {
                rc = dc_error_set(err, DC_EINVALID,
                                  "the name of column %d in the header is not valid UTF-8 text "
                                  "(or holds a NUL byte); convert the file to UTF-8",
                                  (int)j + 1);
                dc_error_at(err, r->in->name, NULL, r->row_off, r->row_line);
                goto cleanup;
            }
            name = dc_strndup(f->p, (size_t)f->n);
        } else {
            snprintf(tmp, sizeof tmp, "column_%d", (int)j + 1);
            name = dc_strdup(tmp);
        }
        DC_TRY_ALLOC(name, err);
        const char **slot = name_set_slot(&ns, name);
        for (int k = 2; *slot; k++) {
            dc_strbuf_clear(&sb);
            dc_strbuf_printf(&sb, "%s_%d", name, k);
            if (dc_strbuf_status(&sb) != DC_OK) {
                dc_free(name);
                rc = dc_error_nomem(err);
                goto cleanup;
            }
            slot = name_set_slot(&ns, dc_strbuf_cstr(&sb));
            if (!*slot) {
                dc_free(name);
                name = dc_strbuf_detach(&sb);
                DC_TRY_ALLOC(name, err);
                break;
            }
        }
        r->file_names[j] = name;
        *slot = name;
    }
cleanup:
    dc_free(ns.slots);
    dc_strbuf_free(&sb);
    return rc;
}

/* Map the file's columns onto an explicit schema (by name with a header, else by position). */
static dc_status map_to_schema(csv_reader *r, const dc_schema *s, bool by_name, dc_error *err)
{
    dc_status rc = DC_OK;
    r->map = dc_malloc((size_t)DC_MAX(r->n_cols, 1) * sizeof *r->map);
    if (!r->map)
        return dc_error_nomem(err);
    if (!by_name) {
        if (r->n_cols != s->n_fields) {
            rc = dc_error_set(err, DC_ESCHEMA,
                              "the first row has %d fields but the schema has %d; give a schema "
                              "with one field per column",
                              (int)r->n_cols, (int)s->n_fields);
            dc_error_at(err, r->in->name, NULL, r->row_off, r->row_line);
            return rc;
        }
        for (int32_t j = 0; j < r->n_cols; j++)
            r->map[j] = j;
        return DC_OK;
    }
    for (int32_t j = 0; j < r->n_cols; j++)
        r->map[j] = dc_schema_find(s, r->file_names[j]);
    dc_strbuf missing;
    dc_strbuf_init(&missing);
    int32_t n_missing = 0;
    for (int32_t i = 0; i < s->n_fields; i++) {
        bool found = false;
        for (int32_t j = 0; j < r->n_cols && !found; j++)
            found = r->map[j] == i;
        if (!found) {
            dc_strbuf_printf(&missing, "%s'%s'", n_missing ? ", " : "", s->fields[i].name);
            n_missing++;
        }
    }
    if (n_missing > 0) {
        rc = dc_error_set(err, DC_ESCHEMA,
                          "the header lacks %s %s of the schema; rename the header or drop the "
                          "field%s from the schema",
                          n_missing > 1 ? "columns" : "column", dc_strbuf_cstr(&missing),
                          n_missing > 1 ? "s" : "");
        dc_error_at(err, r->in->name, NULL, 0, 1);
    }
    dc_strbuf_free(&missing);
    return rc;
}

/* Infer the types of the stored rows and build the schema. */
static dc_status infer_schema(csv_reader *r, bool infer, dc_schema **out, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t n = r->n_cols;
    uint8_t *cand = dc_malloc((size_t)DC_MAX(n, 1));
    bool *any = dc_calloc((size_t)DC_MAX(n, 1), sizeof *any);
    dc_field *fields = dc_calloc((size_t)DC_MAX(n, 1), sizeof *fields);
    int32_t n_init = 0;
    DC_TRY_ALLOC(cand, err);
    DC_TRY_ALLOC(any, err);
    DC_TRY_ALLOC(fields, err);
    memset(cand, C_ALL, (size_t)DC_MAX(n, 1));
    if (infer) {
        for (int64_t i = 0; i < r->n_stored; i++) {
            const stored_field *s = r->store + i * n;
            for (int32_t j = 0; j < n; j++) {
                if (s[j].n < 0)
                    continue;
                any[j] = true;
                if (cand[j])
                    cand[j] = narrow(cand[j], (const char *)r->store_text.data + s[j].off, s[j].n);
            }
        }
    }
    for (int32_t j = 0; j < n; j++) {
        dc_type *t = infer ? type_of_candidates(cand[j], any[j]) : dc_type_new(DC_TYPE_UTF8);
        DC_TRY_ALLOC(t, err);
        rc = dc_field_init(&fields[j], r->file_names[j], t, true, NULL);
        dc_type_unref(t);
        if (rc != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        n_init++;
    }
    *out = dc_schema_new(fields, n, NULL);
    DC_TRY_ALLOC(*out, err);
cleanup:
    for (int32_t j = 0; j < n_init; j++)
        dc_field_clear(&fields[j]);
    dc_free(fields);
    dc_free(cand);
    dc_free(any);
    return rc;
}

/* ---- the reader ------------------------------------------------------------------------ */

static void csv_free_impl(csv_reader *r)
{
    if (!r)
        return;
    dc_input_close(r->in);
    dc_free(r->buf);
    dc_free(r->fields);
    dc_free(r->null_lens);
    if (r->file_names)
        for (int32_t j = 0; j < r->n_cols; j++)
            dc_free(r->file_names[j]);
    dc_free(r->file_names);
    dc_free(r->map);
    if (r->cols)
        for (int32_t i = 0; i < r->n_out; i++)
            column_reset(&r->cols[i]);
    dc_free(r->cols);
    free_store(r);
    dc_free(r);
}

static void csv_destroy(dc_reader *rd) { csv_free_impl(rd->impl); }

static dc_status csv_next(dc_reader *rd, dc_batch **out, dc_error *err)
{
    csv_reader *r = rd->impl;
    dc_status rc = DC_OK;
    dc_array **arrays = NULL;
    int32_t n_arrays = 0;
    *out = NULL;
    if (r->done)
        return DC_OK;
    /* Reserve for a full batch, but not absurdly much for a huge batch_rows. */
    int64_t expect = DC_MIN(r->batch_rows, (int64_t)1 << 20);
    if (r->n_stored > r->next_stored)
        expect = DC_MIN(expect, r->n_stored - r->next_stored);
    for (int32_t i = 0; i < r->n_out; i++) {
        if (column_begin(&r->cols[i], expect) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    }
    int64_t rows = 0, bytes = 0;
    while (rows < r->batch_rows && bytes < CSV_BATCH_BYTES) {
        int s;
        if (r->next_stored < r->n_stored) {
            load_stored_row(r, r->next_stored++);
            s = SCAN_ROW;
        } else {
            s = next_live_row(r, err);
        }
        if (s == SCAN_ERR) {
            rc = err ? err->code : DC_EINVALID;
            goto cleanup;
        }
        if (s == SCAN_EOF) {
            r->done = true;
            break;
        }
        rc = append_row(r, err);
        if (r->n_stored > 0 && r->next_stored == r->n_stored)
            free_store(r); /* every stored row is now in the columns */
        if (rc != DC_OK)
            goto cleanup;
        rows++;
        bytes += r->row_bytes;
    }
    if (rows == 0) {
        for (int32_t i = 0; i < r->n_out; i++)
            column_reset(&r->cols[i]);
        return DC_OK;
    }
    arrays = dc_calloc((size_t)DC_MAX(r->n_out, 1), sizeof *arrays);
    DC_TRY_ALLOC(arrays, err);
    for (; n_arrays < r->n_out; n_arrays++)
        DC_TRY(column_finish(&r->cols[n_arrays], &arrays[n_arrays], err));
    rc = dc_batch_new(out, rd->schema, arrays, rows, err);
cleanup:
    if (arrays)
        for (int32_t i = 0; i < n_arrays; i++)
            dc_array_unref(arrays[i]);
    dc_free(arrays);
    if (rc != DC_OK) {
        r->done = true;
        for (int32_t i = 0; i < r->n_out; i++)
            column_reset(&r->cols[i]);
    }
    return rc;
}

static const dc_reader_vtable CSV_READER = {csv_next, csv_destroy};

/* Read rows into the store until infer_rows of them are there or the input ends. */
static dc_status sample_rows(csv_reader *r, dc_error *err)
{
    while (r->n_stored < r->infer_rows) {
        int s = next_live_row(r, err);
        if (s == SCAN_ERR)
            return err ? err->code : DC_EINVALID;
        if (s == SCAN_EOF)
            break;
        if (r->n_fields != r->n_cols)
            return field_count_error(r, r->n_fields, r->row_line, r->row_off, err);
        if (store_row(r) != DC_OK)
            return dc_error_nomem(err);
    }
    return DC_OK;
}


/*
 * Open a CSV reader: read the header and (without a schema) the first
 * infer_rows rows to infer the types. Takes ownership of `in`, closed here on
 * failure. On failure *out is NULL.
 */
dc_status dc_csv__reader_open_chunked(dc_reader **out, dc_input *in, const dc_read_options *opts,
                                      int64_t chunk, dc_error *err)
{
    dc_status rc = DC_OK;
    csv_reader *r = NULL;
    dc_schema *schema = NULL;
    dc_read_options defaults;
    *out = NULL;
    if (!in)
        return dc_error_set(err, DC_EINVALID, "no input given to the CSV reader");
    if (!opts) {
        dc_read_options_init(&defaults, DC_FORMAT_CSV);
        opts = &defaults;
    }
    const dc_csv_options *co = &opts->csv;
    const dc_schema *given = opts->schema;
    r = dc_calloc(1, sizeof *r);
    if (!r) {
        dc_input_close(in);
        return dc_error_nomem(err);
    }
    r->in = in;
    r->delim = co->delimiter ? co->delimiter : ',';
    r->quote = co->quote ? co->quote : '"';
    r->chunk = chunk > 0 ? chunk : CSV_CHUNK;
    r->line = 1;
    r->batch_rows = opts->batch_rows > 0 ? opts->batch_rows : 65536;
    r->infer_rows = opts->infer_rows > 0 ? opts->infer_rows : 16384;
    r->has_header = co->header;
    dc_bytes_init(&r->store_text);
    if (r->delim == '\n' || r->delim == '\r' || r->delim == r->quote || r->quote == '\n' ||
        r->quote == '\r') {
        rc = dc_error_set(err, DC_EINVALID,
                          "%s: the CSV delimiter and quote must differ from each other and from "
                          "line breaks",
                          in->name);
        goto cleanup;
    }
    r->null_is_empty_only = true;
    if (co->null_values && co->n_null_values > 0) {
        r->null_values = co->null_values;
        r->n_null_values = co->n_null_values;
        r->null_lens = dc_malloc((size_t)co->n_null_values * sizeof *r->null_lens);
        DC_TRY_ALLOC(r->null_lens, err);
        for (int32_t i = 0; i < co->n_null_values; i++)
            r->null_lens[i] = co->null_values[i] ? (int64_t)strlen(co->null_values[i]) : -1;
        r->null_is_empty_only =
            co->n_null_values == 1 && co->null_values[0] && co->null_values[0][0] == '\0';
    }

    /* Skip a byte order mark. */
    while (r->end < 3 && !r->eof)
        DC_TRY(refill(r, err));
    if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;

    int s = next_live_row(r, err);
    if (s == SCAN_ERR) {
        rc = err ? err->code : DC_EINVALID;
        goto cleanup;
    }
    if (s == SCAN_EOF) {
        /* Empty input: no columns unless a schema says which, and no rows. */
        r->done = true;
        schema = given ? dc_schema_ref(given) : dc_schema_new(NULL, 0, NULL);
        DC_TRY_ALLOC(schema, err);
    } else {
        DC_TRY(make_names(r, co->header, err));
        if (!co->header && store_row(r) != DC_OK) { /* the first row is data */
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        if (given) {
            DC_TRY(map_to_schema(r, given, co->header, err));
            schema = dc_schema_ref(given);
        } else {
            r->map = dc_malloc((size_t)DC_MAX(r->n_cols, 1) * sizeof *r->map);
            DC_TRY_ALLOC(r->map, err);
            for (int32_t j = 0; j < r->n_cols; j++)
                r->map[j] = j;
            if (co->infer_types)
                DC_TRY(sample_rows(r, err));
            DC_TRY(infer_schema(r, co->infer_types, &schema, err));
            r->inferred = co->infer_types;
        }
    }
    r->n_out = schema->n_fields;
    r->cols = dc_calloc((size_t)DC_MAX(r->n_out, 1), sizeof *r->cols);
    DC_TRY_ALLOC(r->cols, err);
    for (int32_t i = 0; i < r->n_out; i++) {
        rc = column_setup(&r->cols[i], &schema->fields[i], err);
        if (rc != DC_OK) {
            dc_error_at(err, in->name, schema->fields[i].name, -1, -1);
            goto cleanup;
        }
    }
    rc = dc_reader_new(out, &CSV_READER, r, schema, err);
cleanup:
    dc_schema_unref(schema);
    if (rc != DC_OK) {
        csv_free_impl(r);
        *out = NULL;
    }
    return rc;
}

dc_status dc_csv_reader_open(dc_reader **out, dc_input *in, const dc_read_options *opts,
                             dc_error *err)
{
    return dc_csv__reader_open_chunked(out, in, opts, CSV_CHUNK, err);
}
