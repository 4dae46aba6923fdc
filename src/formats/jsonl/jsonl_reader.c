/*
 * jsonl_reader.c: JSON Lines (one JSON object per line) into record batches.
 *
 * Notes on the design.
 *
 * 1. Streaming. The input is read in chunks (1 MiB) at increasing offsets, so
 *    a pipe works. The window holds the unread bytes plus at most one partial
 *    line; a line longer than the limit (64 MiB) is an error naming it. Memory
 *    is therefore bounded by batch_rows rows plus one line, whatever the file
 *    size (during inference: the sampled lines, at most 256 MiB of them).
 *
 * 2. Lines. A line ends at '\n' (a '\r' before it is JSON whitespace, so CRLF
 *    works); a UTF-8 byte order mark at the start of the input is skipped;
 *    lines holding only whitespace are skipped; the last line needs no '\n'.
 *    Every other line must hold exactly one JSON object, with nothing but
 *    whitespace after it. Line numbers in errors count every line (1-based).
 *
 * 3. JSON. Our own strict RFC 8259 parser, appending straight into builders:
 *    strings are checked to be valid UTF-8 (no overlongs, no surrogates), all
 *    escapes are decoded, \u surrogate pairs must be complete; raw control
 *    characters in strings, leading zeros, NaN/Infinity and trailing commas
 *    are rejected; nesting deeper than 64 is rejected. Duplicate keys in an
 *    object are an error (there is no right answer to pick one silently).
 *
 * 4. Inference (no schema given). The first infer_rows non-blank lines are
 *    sampled; they stay in the window and are parsed again, as the first
 *    batches, once the schema is known. Rules, per field (fields in order of
 *    first appearance, all nullable; null values do not vote):
 *      - only true/false                    -> bool
 *      - only integers that fit int64       -> int64
 *      - numbers with a fraction/exponent, or integers beyond int64, alone or
 *        mixed with integers                 -> float64
 *      - only strings: all "YYYY-MM-DD"     -> date32
 *                      all ISO-8601 timestamps (dates allowed among them), at
 *                      most microsecond precision: all with a zone (Z/offset)
 *                      -> timestamp[us, tz=UTC]; none with a zone ->
 *                      timestamp[us]; a mix of the two -> utf8
 *                      otherwise        -> utf8
 *      - only objects (with some key)       -> struct, fields unified by these
 *                                              same rules, recursively
 *      - only arrays                        -> list<item: unified elements>
 *                                              (list<item: utf8> if all empty)
 *      - only nulls, or only empty objects  -> utf8
 *      - anything else (a string here and a number there, an object and an
 *        array, a bool and a number)        -> utf8 holding, for each value, the
 *        string itself when it is a string, else the value's JSON text as
 *        written (DuckDB would make it a JSON column; we have no JSON type).
 *    After inference the schema is fixed: a key it does not have, or a value
 *    that does not fit the column type (1.5 in an int64 column, a string in a
 *    bool column), is an error naming the file, line, key and value, and
 *    saying what to do (pass a schema or raise infer_rows). Nothing is
 *    dropped silently. A utf8 column accepts any value (rule above).
 *
 * 5. Explicit schema. No inference; values are converted to the field types:
 *    integers into any integer width (range-checked) and into temporal types
 *    as raw counts of their unit; numbers into floats and decimals (exact);
 *    strings into every type with a text form (dates, timestamps, times
 *    through dc_parse_*, decimals, numbers and bools when written as
 *    strings, binary as base64); objects into structs (by key) and maps;
 *    arrays into lists. Unknown keys are errors; missing keys and nulls are
 *    nulls, or an error in a non-nullable field.
 */
#include "formats/jsonl/jsonl_int.h"

#include <math.h>
#include <stdio.h>

#define JL_MAX_SAMPLE_BYTES   ((int64_t)256 << 20)
#define JL_DEFAULT_BATCH_ROWS 65536
#define JL_DEFAULT_INFER_ROWS 16384

/* ---- key lookup --------------------------------------------------------------------- */

/* A key of an object-shaped node: its name (NUL-terminated, may hold no NUL) and hash. */
typedef struct jkey {
    const char *name;
    int64_t len;
    uint64_t hash;
} jkey;

/* Open-addressing index over an array of jkey: slots hold key index + 1, 0 is empty. */
typedef struct nidx {
    int32_t *slots;
    uint64_t mask;
} nidx;

static inline uint64_t key_hash(const uint8_t *s, int64_t n)
{
    return dc_hash_bytes(s, (size_t)n, 0x6a736f6eULL);
}

static int32_t nidx_find(const nidx *ix, const jkey *keys, const uint8_t *s, int64_t n, uint64_t h)
{
    if (!ix->slots)
        return -1;
    for (uint64_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
        int32_t v = ix->slots[i];
        if (v == 0)
            return -1;
        const jkey *k = &keys[v - 1];
        if (k->hash == h && k->len == n && memcmp(k->name, s, (size_t)n) == 0)
            return v - 1;
    }
}

/* Index the first n keys, in a table at most half full. DC_ENOMEM leaves `ix` as it was. */
static dc_status nidx_build(dc_arena *a, nidx *ix, const jkey *keys, int32_t n)
{
    uint64_t cap = 8;
    while (cap < (uint64_t)n * 2)
        cap <<= 1;
    int32_t *slots = dc_arena_alloc(a, (int64_t)(cap * sizeof *slots));
    if (!slots)
        return DC_ENOMEM;
    memset(slots, 0, cap * sizeof *slots);
    for (int32_t k = 0; k < n; k++) {
        uint64_t i = keys[k].hash & (cap - 1);
        while (slots[i])
            i = (i + 1) & (cap - 1);
        slots[i] = k + 1;
    }
    ix->slots = slots;
    ix->mask = cap - 1;
    return DC_OK;
}

/* ---- the parser ------------------------------------------------------------------- */

/* Parser state over one line [line, end). */
typedef struct jp {
    const uint8_t *p;
    const uint8_t *end;
    const uint8_t *line;
    int64_t line_no;
    int64_t line_off; /* file offset of `line` */
    const char *file;
    int depth;
    bool lenient;       /* explicit schema: strings convert into numbers and bools */
    int64_t infer_rows; /* for messages */
    dc_bytes str;       /* decoded strings holding escapes */
    dc_bytes bin;       /* base64-decoded binary */
    dc_error *err;
} jp;

static dc_status jp_fail(jp *p, dc_status code, const char *column, const char *fmt, ...)
    DC_PRINTF(4, 5);

/*
 * Record a failure at the parser's position: the message gets "(byte N of the
 * line)" and the error the file, line, offset and column (a key path or NULL).
 * Returns `code`.
 */
static dc_status jp_fail(jp *p, dc_status code, const char *column, const char *fmt, ...)
{
    if (!p->err)
        return code;
    char msg[DC_ERROR_MSG_MAX - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int64_t col = p->p - p->line;
    if (col < 0 || p->p > p->end)
        col = p->end - p->line;
    dc_error_set(p->err, code, "%s (byte %lld of the line)", msg, (long long)col + 1);
    dc_error_at(p->err, p->file, column, p->line_off + col, p->line_no);
    return code;
}

static dc_status jp_nomem(jp *p)
{
    return jp_fail(p, DC_ENOMEM, NULL, "out of memory");
}

/* "unexpected X: expected WHAT" at the current position. */
static dc_status jp_unexpected(jp *p, const char *what)
{
    if (p->p >= p->end)
        return jp_fail(p, DC_EINVALID, NULL,
                       "unexpected end of line, expected %s (is the line truncated?)", what);
    unsigned c = *p->p;
    if (c > 0x20 && c < 0x7f)
        return jp_fail(p, DC_EINVALID, NULL, "invalid JSON: unexpected '%c', expected %s", c, what);
    return jp_fail(p, DC_EINVALID, NULL, "invalid JSON: unexpected byte 0x%02x, expected %s", c,
                   what);
}

static inline void jp_ws(jp *p)
{
    while (p->p < p->end && (*p->p == ' ' || *p->p == '\t' || *p->p == '\r' || *p->p == '\n'))
        p->p++;
}

static inline bool jp_at(const jp *p, uint8_t c)
{
    return p->p < p->end && *p->p == c;
}

static dc_status jp_literal(jp *p, const char *lit, int64_t n)
{
    if (p->end - p->p < n || memcmp(p->p, lit, (size_t)n) != 0)
        return jp_unexpected(p, "a value (true, false, null, a number, a string, [ or {)");
    p->p += n;
    return DC_OK;
}

/* Length of the valid UTF-8 sequence starting at q (a byte >= 0x80), or 0. */
static inline int utf8_seq(const uint8_t *q, const uint8_t *end)
{
    uint8_t c = q[0];
    ptrdiff_t avail = end - q;
    if (c >= 0xC2 && c <= 0xDF)
        return avail >= 2 && (q[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return avail >= 3 && q[1] >= lo && q[1] <= hi && (q[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return avail >= 4 && q[1] >= lo && q[1] <= hi && (q[2] & 0xC0) == 0x80 &&
                       (q[3] & 0xC0) == 0x80
                   ? 4
                   : 0;
    }
    return 0;
}

static inline int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at q (q + 4 <= end checked by the caller), or -1. */
static int32_t hex4(const uint8_t *q)
{
    int a = hexval(q[0]), b = hexval(q[1]), c = hexval(q[2]), d = hexval(q[3]);
    if ((a | b | c | d) < 0)
        return -1;
    return (a << 12) | (b << 8) | (c << 4) | d;
}

#define ONES          0x0101010101010101ULL
#define HIGHS         0x8080808080808080ULL
#define HASZERO(v)    (((v)-ONES) & ~(v)&HIGHS)
#define HASLESS(v, n) (((v)-ONES * (n)) & ~(v)&HIGHS)

/* Decode the rest of a string holding escapes, from q (at a backslash) on; the
 * plain prefix [s, q) is already in p->str. */
static dc_status jp_string_slow(jp *p, const uint8_t *q, const uint8_t **out, int64_t *outn)
{
    const uint8_t *end = p->end;
    dc_bytes *b = &p->str;
    for (;;) {
        if (q >= end) {
            p->p = q;
            return jp_fail(p, DC_EINVALID, NULL, "unterminated string (is the line truncated?)");
        }
        uint8_t c = *q;
        if (c == '"') {
            *out = b->data;
            *outn = b->size;
            p->p = q + 1;
            return DC_OK;
        }
        if (c == '\\') {
            if (q + 1 >= end) {
                p->p = q;
                return jp_fail(p, DC_EINVALID, NULL, "unterminated escape in a string");
            }
            uint8_t e = q[1], ch;
            switch (e) {
            case '"': ch = '"'; break;
            case '\\': ch = '\\'; break;
            case '/': ch = '/'; break;
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'u': {
                int32_t cp = end - q >= 6 ? hex4(q + 2) : -1;
                if (cp < 0) {
                    p->p = q;
                    return jp_fail(p, DC_EINVALID, NULL,
                                   "invalid \\u escape: expected 4 hexadecimal digits");
                }
                int consumed = 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    int32_t lo = (end - q >= 12 && q[6] == '\\' && q[7] == 'u') ? hex4(q + 8) : -1;
                    if (lo < 0xDC00 || lo > 0xDFFF) {
                        p->p = q;
                        return jp_fail(p, DC_EINVALID, NULL,
                                       "invalid \\u escape: high surrogate \\u%04X not followed by "
                                       "a low surrogate",
                                       (unsigned)cp);
                    }
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    consumed = 12;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    p->p = q;
                    return jp_fail(p, DC_EINVALID, NULL,
                                   "invalid \\u escape: lone low surrogate \\u%04X", (unsigned)cp);
                }
                uint8_t u[4];
                int k;
                if (cp < 0x80) {
                    u[0] = (uint8_t)cp;
                    k = 1;
                } else if (cp < 0x800) {
                    u[0] = (uint8_t)(0xC0 | (cp >> 6));
                    u[1] = (uint8_t)(0x80 | (cp & 0x3F));
                    k = 2;
                } else if (cp < 0x10000) {
                    u[0] = (uint8_t)(0xE0 | (cp >> 12));
                    u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
                    u[2] = (uint8_t)(0x80 | (cp & 0x3F));
                    k = 3;
                } else {
                    u[0] = (uint8_t)(0xF0 | (cp >> 18));
                    u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
                    u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
                    u[3] = (uint8_t)(0x80 | (cp & 0x3F));
                    k = 4;
                }
                if (dc_bytes_push(b, u, k) != DC_OK)
                    return jp_nomem(p);
                q += consumed;
                continue;
            }
            default:
                p->p = q;
                return jp_fail(p, DC_EINVALID, NULL, "invalid escape '\\%c' in a string",
                               e >= 0x20 && e < 0x7f ? e : '?');
            }
            if (dc_bytes_push(b, &ch, 1) != DC_OK)
                return jp_nomem(p);
            q += 2;
            continue;
        }
        if (c < 0x20) {
            p->p = q;
            return jp_fail(p, DC_EINVALID, NULL,
                           "raw control character 0x%02x in a string (JSON requires \\u escapes)",
                           c);
        }
        const uint8_t *run = q;
        if (c >= 0x80) {
            int k = utf8_seq(q, end);
            if (!k) {
                p->p = q;
                return jp_fail(p, DC_EINVALID, NULL, "invalid UTF-8 in a string");
            }
            q += k;
        } else {
            while (q < end && *q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
                q++;
        }
        if (dc_bytes_push(b, run, q - run) != DC_OK)
            return jp_nomem(p);
    }
}

/*
 * Parse a string (p->p at its opening quote). On success *out and *outn are the
 * decoded value: a slice of the line when it holds no escape, else the
 * parser's scratch, valid until the next string is parsed.
 */
static dc_status jp_string(jp *p, const uint8_t **out, int64_t *outn)
{
    const uint8_t *s = p->p + 1, *q = s, *end = p->end;
    for (;;) {
        while (end - q >= 8) {
            uint64_t w;
            memcpy(&w, q, 8);
            uint64_t t = HASZERO(w ^ (ONES * '"')) | HASZERO(w ^ (ONES * '\\')) | HASLESS(w, 0x20) |
                         (w & HIGHS);
            if (t)
                break;
            q += 8;
        }
        if (q >= end) {
            p->p = q;
            return jp_fail(p, DC_EINVALID, NULL, "unterminated string (is the line truncated?)");
        }
        uint8_t c = *q;
        if (c == '"') {
            *out = s;
            *outn = q - s;
            p->p = q + 1;
            return DC_OK;
        }
        if (c == '\\') {
            p->str.size = 0;
            if (dc_bytes_push(&p->str, s, q - s) != DC_OK)
                return jp_nomem(p);
            return jp_string_slow(p, q, out, outn);
        }
        if (c < 0x20) {
            p->p = q;
            return jp_fail(p, DC_EINVALID, NULL,
                           "raw control character 0x%02x in a string (JSON requires \\u escapes)",
                           c);
        }
        if (c >= 0x80) {
            int k = utf8_seq(q, end);
            if (!k) {
                p->p = q;
                return jp_fail(p, DC_EINVALID, NULL, "invalid UTF-8 in a string");
            }
            q += k;
        } else {
            q++;
        }
    }
}

/* A scanned number: its text and, for integers, the exact magnitude. */
typedef struct jnum {
    const uint8_t *s;
    int64_t n;
    bool neg;
    bool is_int; /* no fraction, no exponent */
    bool big;    /* integer magnitude beyond uint64 */
    uint64_t mag;
} jnum;

static inline bool is_digit(uint8_t c)
{
    return (unsigned)(c - '0') <= 9;
}

/* Scan a number by the RFC 8259 grammar (p->p at '-' or a digit). */
static dc_status jp_number(jp *p, jnum *x)
{
    const uint8_t *q = p->p, *end = p->end;
    x->s = q;
    x->neg = false;
    x->is_int = true;
    x->big = false;
    x->mag = 0;
    if (q < end && *q == '-') {
        x->neg = true;
        q++;
    }
    if (q >= end || !is_digit(*q)) {
        p->p = q;
        return jp_unexpected(p, "a digit");
    }
    if (*q == '0') {
        q++;
        if (q < end && is_digit(*q)) {
            p->p = q;
            return jp_fail(p, DC_EINVALID, NULL,
                           "invalid number: leading zeros are not allowed in JSON");
        }
    } else {
        while (q < end && is_digit(*q)) {
            uint64_t d = (uint64_t)(*q - '0');
            if (x->mag > (UINT64_MAX - d) / 10)
                x->big = true;
            else if (!x->big)
                x->mag = x->mag * 10 + d;
            q++;
        }
    }
    if (q < end && *q == '.') {
        x->is_int = false;
        q++;
        if (q >= end || !is_digit(*q)) {
            p->p = q;
            return jp_unexpected(p, "a digit after the decimal point");
        }
        while (q < end && is_digit(*q))
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        x->is_int = false;
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if (q >= end || !is_digit(*q)) {
            p->p = q;
            return jp_unexpected(p, "a digit in the exponent");
        }
        while (q < end && is_digit(*q))
            q++;
    }
    x->n = q - x->s;
    p->p = q;
    return DC_OK;
}

/* The number as a double (correctly rounded). False when it overflows a double. */
static bool jnum_double(const jnum *x, double *out)
{
    if (x->is_int && !x->big) {
        double d = (double)x->mag;
        *out = x->neg ? -d : d;
        return true;
    }
    return dc_parse_double((const char *)x->s, x->n, out);
}

/* The number as a signed magnitude of an integer, when it is one (2.0 and 1e3 are). */
static bool jnum_integral(const jnum *x, bool *neg, uint64_t *mag)
{
    if (x->is_int) {
        if (x->big)
            return false;
        *neg = x->neg && x->mag != 0;
        *mag = x->mag;
        return true;
    }
    double d;
    if (!jnum_double(x, &d) || d != floor(d) || fabs(d) >= 18446744073709551616.0)
        return false;
    *neg = d < 0;
    *mag = (uint64_t)fabs(d);
    return true;
}

/* True (and *v) when the number is an integer within int64. */
static bool jnum_int64(const jnum *x, int64_t *v)
{
    bool neg;
    uint64_t mag;
    if (!jnum_integral(x, &neg, &mag))
        return false;
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1)
            return false;
        *v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
        return true;
    }
    if (mag > (uint64_t)INT64_MAX)
        return false;
    *v = (int64_t)mag;
    return true;
}

/* Validate and skip one value of any kind. */
static dc_status jp_skip(jp *p)
{
    dc_status rc;
    jp_ws(p);
    if (p->p >= p->end)
        return jp_unexpected(p, "a value");
    switch (*p->p) {
    case '"': {
        const uint8_t *s;
        int64_t n;
        return jp_string(p, &s, &n);
    }
    case 't': return jp_literal(p, "true", 4);
    case 'f': return jp_literal(p, "false", 5);
    case 'n': return jp_literal(p, "null", 4);
    case '{':
    case '[': {
        bool obj = *p->p == '{';
        uint8_t close = obj ? '}' : ']';
        if (++p->depth > DC_JSONL_MAX_DEPTH)
            return jp_fail(p, DC_EINVALID, NULL, "nesting deeper than %d levels",
                           DC_JSONL_MAX_DEPTH);
        p->p++;
        jp_ws(p);
        if (jp_at(p, close)) {
            p->p++;
            p->depth--;
            return DC_OK;
        }
        for (;;) {
            if (obj) {
                jp_ws(p);
                if (!jp_at(p, '"'))
                    return jp_unexpected(p, "a key in double quotes");
                const uint8_t *s;
                int64_t n;
                if ((rc = jp_string(p, &s, &n)) != DC_OK)
                    return rc;
                jp_ws(p);
                if (!jp_at(p, ':'))
                    return jp_unexpected(p, "':' after a key");
                p->p++;
            }
            if ((rc = jp_skip(p)) != DC_OK)
                return rc;
            jp_ws(p);
            if (jp_at(p, ',')) {
                p->p++;
                continue;
            }
            if (jp_at(p, close)) {
                p->p++;
                p->depth--;
                return DC_OK;
            }
            return jp_unexpected(p, obj ? "',' or '}'" : "',' or ']'");
        }
    }
    default: {
        if (*p->p == '-' || is_digit(*p->p)) {
            jnum x;
            return jp_number(p, &x);
        }
        return jp_unexpected(p, "a value (true, false, null, a number, a string, [ or {)");
    }
    }
}

/* ---- inference ------------------------------------------------------------------- */

enum {
    K_NULL = 1,
    K_BOOL = 2,
    K_INT = 4,
    K_DOUBLE = 8,
    K_STRING = 16,
    K_OBJECT = 32,
    K_ARRAY = 64,
};

/* What was seen at one place of the documents (a field, an array's elements). */
typedef struct inode inode;
struct inode {
    unsigned kinds;
    int64_t n_str, n_date, n_ts, n_zoned, n_naive; /* strings and how many look temporal */
    jkey *keys;                                    /* objects: fields in order of appearance */
    inode **kids;
    int32_t n, cap;
    int32_t hint; /* index the next key is expected at */
    nidx ix;
    inode *elem; /* arrays: the elements */
};

static inode *inode_new(dc_arena *a)
{
    inode *n = dc_arena_alloc(a, sizeof *n);
    if (n)
        memset(n, 0, sizeof *n);
    return n;
}

/* The child of object node `n` named k[0..kn), created when new; NULL on ENOMEM. */
static inode *inode_field(dc_arena *a, inode *n, const uint8_t *k, int64_t kn)
{
    int32_t i = n->hint;
    if (!(i < n->n && n->keys[i].len == kn && memcmp(n->keys[i].name, k, (size_t)kn) == 0))
        i = nidx_find(&n->ix, n->keys, k, kn, key_hash(k, kn));
    if (i >= 0) {
        n->hint = i + 1;
        return n->kids[i];
    }
    if (n->n == n->cap) {
        int32_t cap = n->cap ? n->cap * 2 : 8;
        jkey *keys = dc_arena_alloc(a, (int64_t)cap * (int64_t)sizeof *keys);
        inode **kids = dc_arena_alloc(a, (int64_t)cap * (int64_t)sizeof *kids);
        if (!keys || !kids)
            return NULL;
        if (n->n) {
            memcpy(keys, n->keys, (size_t)n->n * sizeof *keys);
            memcpy(kids, n->kids, (size_t)n->n * sizeof *kids);
        }
        n->keys = keys;
        n->kids = kids;
        n->cap = cap;
    }
    char *name = dc_arena_strndup(a, (const char *)k, kn);
    inode *kid = inode_new(a);
    if (!name || !kid)
        return NULL;
    n->keys[n->n] = (jkey){name, kn, key_hash(k, kn)};
    n->kids[n->n] = kid;
    n->n++;
    if (!n->ix.slots || (uint64_t)n->n * 2 > n->ix.mask + 1) {
        if (nidx_build(a, &n->ix, n->keys, n->n) != DC_OK)
            return NULL;
    } else {
        uint64_t j = n->keys[n->n - 1].hash & n->ix.mask;
        while (n->ix.slots[j])
            j = (j + 1) & n->ix.mask;
        n->ix.slots[j] = n->n;
    }
    n->hint = n->n;
    return kid;
}

/* Count whether a string value looks like a date or a timestamp. */
static void inode_string(inode *n, const uint8_t *s, int64_t len)
{
    int64_t before = n->n_str++;
    if (n->n_ts != before)
        return; /* an earlier string was not temporal: the field is utf8 anyway */
    if (len < 10 || len > 64 || !is_digit(s[0]) || s[4] != '-')
        return;
    if (len == 10) {
        int32_t d;
        if (dc_parse_date32((const char *)s, len, &d)) {
            n->n_date++;
            n->n_ts++;
        }
        return;
    }
    int64_t v;
    bool zone;
    if (dc_parse_timestamp((const char *)s, len, DC_UNIT_MICRO, &v, &zone)) {
        n->n_ts++;
        if (zone)
            n->n_zoned++;
        else
            n->n_naive++;
    }
}

/* Record one value (of any kind) into `n`, validating its syntax. */
static dc_status infer_value(jp *p, dc_arena *a, inode *n)
{
    dc_status rc;
    jp_ws(p);
    if (p->p >= p->end)
        return jp_unexpected(p, "a value");
    uint8_t c = *p->p;
    switch (c) {
    case 'n': n->kinds |= K_NULL; return jp_literal(p, "null", 4);
    case 't': n->kinds |= K_BOOL; return jp_literal(p, "true", 4);
    case 'f': n->kinds |= K_BOOL; return jp_literal(p, "false", 5);
    case '"': {
        const uint8_t *s;
        int64_t len;
        if ((rc = jp_string(p, &s, &len)) != DC_OK)
            return rc;
        n->kinds |= K_STRING;
        inode_string(n, s, len);
        return DC_OK;
    }
    case '{':
    case '[': {
        bool obj = c == '{';
        uint8_t close = obj ? '}' : ']';
        n->kinds |= obj ? K_OBJECT : K_ARRAY;
        if (++p->depth > DC_JSONL_MAX_DEPTH)
            return jp_fail(p, DC_EINVALID, NULL, "nesting deeper than %d levels",
                           DC_JSONL_MAX_DEPTH);
        p->p++;
        n->hint = 0;
        jp_ws(p);
        if (jp_at(p, close)) {
            p->p++;
            p->depth--;
            return DC_OK;
        }
        for (;;) {
            inode *kid;
            if (obj) {
                jp_ws(p);
                if (!jp_at(p, '"'))
                    return jp_unexpected(p, "a key in double quotes");
                const uint8_t *ks = p->p, *k;
                int64_t kn;
                if ((rc = jp_string(p, &k, &kn)) != DC_OK)
                    return rc;
                if (memchr(k, 0, (size_t)kn)) {
                    p->p = ks;
                    return jp_fail(p, DC_EINVALID, NULL,
                                   "a key holding \\u0000 cannot name a column");
                }
                if (!(kid = inode_field(a, n, k, kn)))
                    return jp_nomem(p);
                jp_ws(p);
                if (!jp_at(p, ':'))
                    return jp_unexpected(p, "':' after a key");
                p->p++;
            } else {
                if (!n->elem && !(n->elem = inode_new(a)))
                    return jp_nomem(p);
                kid = n->elem;
            }
            if ((rc = infer_value(p, a, kid)) != DC_OK)
                return rc;
            jp_ws(p);
            if (jp_at(p, ',')) {
                p->p++;
                continue;
            }
            if (jp_at(p, close)) {
                p->p++;
                p->depth--;
                return DC_OK;
            }
            return jp_unexpected(p, obj ? "',' or '}'" : "',' or ']'");
        }
    }
    default:
        if (c == '-' || is_digit(c)) {
            jnum x;
            if ((rc = jp_number(p, &x)) != DC_OK)
                return rc;
            int64_t v;
            n->kinds |= (x.is_int && jnum_int64(&x, &v)) ? K_INT : K_DOUBLE;
            return DC_OK;
        }
        return jp_unexpected(p, "a value (true, false, null, a number, a string, [ or {)");
    }
}

static dc_status inode_type(const inode *n, dc_type **out, dc_error *err);

/* The struct fields of object node `n` (all nullable); *out_n of them. */
static dc_status inode_fields(const inode *n, dc_field **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_type *t = NULL;
    dc_field *f = dc_calloc((size_t)(n->n ? n->n : 1), sizeof *f);
    int32_t done = 0;
    *out = NULL;
    DC_TRY_ALLOC(f, err);
    for (; done < n->n; done++) {
        DC_TRY(inode_type(n->kids[done], &t, err));
        DC_TRY(dc_field_init(&f[done], n->keys[done].name, t, true, NULL));
        dc_type_unref(t);
        t = NULL;
    }
    *out = f;
    return DC_OK;
cleanup:
    dc_type_unref(t);
    for (int32_t i = 0; f && i < done; i++)
        dc_field_clear(&f[i]);
    dc_free(f);
    if (rc == DC_ENOMEM)
        dc_error_nomem(err);
    return rc;
}

/* The type inferred for node `n` (rules at the top of the file). */
static dc_status inode_type(const inode *n, dc_type **out, dc_error *err)
{
    dc_status rc = DC_OK;
    unsigned k = n->kinds & ~(unsigned)K_NULL;
    dc_field *fields = NULL, item;
    dc_type *t = NULL;
    memset(&item, 0, sizeof item);
    *out = NULL;
    if (k == K_BOOL) {
        t = dc_type_new(DC_TYPE_BOOL);
    } else if (k == K_INT) {
        t = dc_type_new(DC_TYPE_INT64);
    } else if (k == K_DOUBLE || k == (K_INT | K_DOUBLE)) {
        t = dc_type_new(DC_TYPE_FLOAT64);
    } else if (k == K_STRING && n->n_date == n->n_str) {
        t = dc_type_new(DC_TYPE_DATE32);
    } else if (k == K_STRING && n->n_ts == n->n_str && !(n->n_zoned && n->n_naive)) {
        t = dc_type_timestamp(DC_UNIT_MICRO, n->n_zoned ? "UTC" : NULL);
    } else if (k == K_OBJECT && n->n > 0) {
        DC_TRY(inode_fields(n, &fields, err));
        t = dc_type_struct(fields, n->n);
    } else if (k == K_ARRAY) {
        dc_type *it = NULL;
        if (n->elem && (n->elem->kinds & ~(unsigned)K_NULL))
            DC_TRY(inode_type(n->elem, &it, err));
        else
            it = dc_type_new(DC_TYPE_UTF8);
        DC_TRY_ALLOC(it, err);
        rc = dc_field_init(&item, "item", it, true, NULL);
        dc_type_unref(it);
        if (rc != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        t = dc_type_list(DC_TYPE_LIST, &item);
    } else {
        t = dc_type_new(DC_TYPE_UTF8);
    }
    DC_TRY_ALLOC(t, err);
    *out = t;
cleanup:
    for (int32_t i = 0; fields && i < n->n; i++)
        dc_field_clear(&fields[i]);
    dc_free(fields);
    dc_field_clear(&item);
    return rc;
}

/* ---- conversion into builders --------------------------------------------------------- */

/* One node of the target schema, bound to its builder. */
typedef struct cnode cnode;
struct cnode {
    dc_type_id id;
    const dc_type *type;
    char *path; /* "a.b", "a[]", "m.value": for messages and err->column */
    bool nullable;
    dc_builder *b;
    dc_builder *entries; /* MAP: the entries struct */
    int32_t n_kids;      /* STRUCT: fields; LIST*: 1; MAP: 2 (key, value) */
    cnode *kids;
    jkey *keys; /* STRUCT */
    nidx ix;
    uint32_t *seen; /* STRUCT: row generation each field was last seen in */
    uint32_t gen;
    int32_t hint;
};

/* Copy of at most ~60 bytes of the value at v, for messages. */
static int value_snippet(const uint8_t *v, const uint8_t *end, const char **dots)
{
    int64_t max = 60, n = 0;
    if (v < end && *v == '"') {
        n = 1;
        while (v + n < end && n < max && v[n] != '"')
            n += v[n] == '\\' ? 2 : 1;
        if (v + n < end && v[n] == '"')
            n++;
    } else if (v < end && (*v == '{' || *v == '[')) {
        n = DC_MIN(max, end - v);
    } else {
        while (v + n < end && n < max && v[n] != ',' && v[n] != '}' && v[n] != ']' && v[n] != ' ' &&
               v[n] != '\t' && v[n] != '\r')
            n++;
    }
    if (v + n > end)
        n = end - v;
    while (n > 0 && v + n < end && (v[n] & 0xC0) == 0x80)
        n--; /* do not cut a UTF-8 sequence */
    *dots = v + n < end && n >= max ? "..." : "";
    return (int)n;
}

/* A value at v that does not fit node c: the message names the key, value and type. */
static dc_status conv_mismatch(jp *p, const cnode *c, const uint8_t *v, const char *why)
{
    const char *dots;
    int n = value_snippet(v, p->end, &dots);
    char *tn = dc_type_to_string(c->type);
    const char *tname = tn ? tn : dc_type_id_name(c->id);
    const uint8_t *at = p->p;
    p->p = v;
    dc_status rc;
    if (p->lenient)
        rc = jp_fail(p, DC_ESCHEMA, c->path,
                     "key \"%s\": value %.*s%s does not fit type %s of the given schema%s%s",
                     c->path, n, (const char *)v, dots, tname, why ? ": " : "", why ? why : "");
    else
        rc = jp_fail(p, DC_ESCHEMA, c->path,
                     "key \"%s\": value %.*s%s does not fit type %s inferred from the first "
                     "%lld lines%s%s; pass a schema, or raise infer_rows so the sample "
                     "includes such values",
                     c->path, n, (const char *)v, dots, tname, (long long)p->infer_rows,
                     why ? ": " : "", why ? why : "");
    p->p = at;
    dc_free(tn);
    return rc;
}

/* Map a builder status: ENOMEM stays, anything else is a value that does not fit. */
static dc_status conv_appended(jp *p, const cnode *c, const uint8_t *v, dc_status rc)
{
    if (DC_LIKELY(rc == DC_OK))
        return DC_OK;
    if (rc == DC_ENOMEM)
        return jp_nomem(p);
    return conv_mismatch(p, c, v, "out of range");
}

static dc_status conv_value(jp *p, cnode *c);

/* Range of an integer-stored type. */
static void int_bounds(dc_type_id id, int64_t *lo, uint64_t *hi)
{
    switch (id) {
    case DC_TYPE_INT8: *lo = INT8_MIN, *hi = INT8_MAX; break;
    case DC_TYPE_INT16: *lo = INT16_MIN, *hi = INT16_MAX; break;
    case DC_TYPE_INT32:
    case DC_TYPE_DATE32:
    case DC_TYPE_TIME32: *lo = INT32_MIN, *hi = INT32_MAX; break;
    case DC_TYPE_UINT8: *lo = 0, *hi = UINT8_MAX; break;
    case DC_TYPE_UINT16: *lo = 0, *hi = UINT16_MAX; break;
    case DC_TYPE_UINT32: *lo = 0, *hi = UINT32_MAX; break;
    case DC_TYPE_UINT64: *lo = 0, *hi = UINT64_MAX; break;
    default: *lo = INT64_MIN, *hi = INT64_MAX; break;
    }
}

/* Append the integer neg/mag to integer-stored node c, range-checked. */
static dc_status conv_append_integer(jp *p, cnode *c, const uint8_t *v, bool neg, uint64_t mag)
{
    int64_t lo;
    uint64_t hi;
    int_bounds(c->id, &lo, &hi);
    if (neg) {
        uint64_t lim = lo < 0 ? (uint64_t)(-(lo + 1)) + 1 : 0;
        if (mag > lim)
            return conv_mismatch(p, c, v, "out of range");
        int64_t x = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
        return conv_appended(p, c, v, dc_builder_append_int(c->b, x));
    }
    if (mag > hi)
        return conv_mismatch(p, c, v, "out of range");
    if (dc_type_is_unsigned_integer(c->id))
        return conv_appended(p, c, v, dc_builder_append_uint(c->b, mag));
    return conv_appended(p, c, v, dc_builder_append_int(c->b, (int64_t)mag));
}

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decode base64 (standard or URL alphabet, padding optional) into `out`. */
static dc_status b64_decode(const uint8_t *s, int64_t n, dc_bytes *out, bool *ok)
{
    *ok = false;
    out->size = 0;
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return DC_OK;
    if (dc_bytes_reserve(out, n / 4 * 3 + 3) != DC_OK)
        return DC_ENOMEM;
    uint32_t acc = 0;
    int bits = 0;
    for (int64_t i = 0; i < n; i++) {
        int v = b64val(s[i]);
        if (v < 0)
            return DC_OK;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->data[out->size++] = (uint8_t)(acc >> bits);
        }
    }
    *ok = true;
    return DC_OK;
}

/*
 * Append the string s[0..n) (a JSON string value, or a map key) to node c,
 * converting it to c's type. Numbers and bools from strings only when
 * `lenient` (explicit schema, map keys).
 */
static dc_status conv_string(jp *p, cnode *c, const uint8_t *v, const uint8_t *s, int64_t n,
                             bool lenient)
{
    const char *cs = (const char *)s;
    dc_builder *b = c->b;
    switch (c->id) {
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8: return conv_appended(p, c, v, dc_builder_append_bytes(b, s, n));
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_BINARY:
    case DC_TYPE_FIXED_SIZE_BINARY: {
        bool ok;
        if (b64_decode(s, n, &p->bin, &ok) != DC_OK)
            return jp_nomem(p);
        if (!ok)
            return conv_mismatch(p, c, v, "binary values are read as base64");
        if (c->id == DC_TYPE_FIXED_SIZE_BINARY && p->bin.size != c->type->byte_width)
            return conv_mismatch(p, c, v, "wrong number of bytes");
        return conv_appended(p, c, v, dc_builder_append_bytes(b, p->bin.data, p->bin.size));
    }
    case DC_TYPE_DATE32:
    case DC_TYPE_DATE64: {
        int32_t d;
        if (!dc_parse_date32(cs, n, &d))
            return conv_mismatch(p, c, v, "expected a date YYYY-MM-DD");
        int64_t x = c->id == DC_TYPE_DATE32 ? d : (int64_t)d * 86400000;
        return conv_appended(p, c, v, dc_builder_append_int(b, x));
    }
    case DC_TYPE_TIMESTAMP: {
        int64_t x;
        bool zone;
        if (!dc_parse_timestamp(cs, n, c->type->unit, &x, &zone))
            return conv_mismatch(p, c, v, "expected an ISO-8601 timestamp");
        if (!p->lenient && n > 10 && zone != (c->type->timezone != NULL))
            return conv_mismatch(p, c, v,
                                 zone ? "it has a time zone, the sampled values had none"
                                      : "it has no time zone, the sampled values had one");
        return conv_appended(p, c, v, dc_builder_append_int(b, x));
    }
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64: {
        int64_t x;
        if (!dc_parse_time(cs, n, c->type->unit, &x))
            return conv_mismatch(p, c, v, "expected a time HH:MM:SS[.fraction]");
        return conv_appended(p, c, v, dc_builder_append_int(b, x));
    }
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256: {
        uint8_t buf[32];
        if (!dc_parse_decimal(cs, n, c->type->precision, c->type->scale, c->type->byte_width, buf))
            return conv_mismatch(p, c, v, "not a decimal within the precision and scale");
        return conv_appended(p, c, v, dc_builder_append_bytes(b, buf, c->type->byte_width));
    }
    default: break;
    }
    if (!lenient)
        return conv_mismatch(p, c, v, NULL);
    if (c->id == DC_TYPE_BOOL) {
        bool x;
        if (!dc_parse_bool(cs, n, &x))
            return conv_mismatch(p, c, v, "expected true or false");
        return conv_appended(p, c, v, dc_builder_append_bool(b, x));
    }
    if (dc_type_is_floating(c->id)) {
        double d;
        if (!dc_parse_double(cs, n, &d))
            return conv_mismatch(p, c, v, "expected a number");
        return conv_appended(p, c, v, dc_builder_append_double(b, d));
    }
    if (dc_type_is_integer(c->id) || c->id == DC_TYPE_DURATION) {
        int64_t x;
        uint64_t u;
        if (dc_parse_int64(cs, n, &x)) {
            if (x < 0)
                return conv_append_integer(p, c, v, true,
                                           x == INT64_MIN ? (uint64_t)INT64_MAX + 1 : (uint64_t)-x);
            return conv_append_integer(p, c, v, false, (uint64_t)x);
        }
        if (dc_parse_uint64(cs, n, &u))
            return conv_append_integer(p, c, v, false, u);
        return conv_mismatch(p, c, v, "expected an integer");
    }
    return conv_mismatch(p, c, v, NULL);
}

/* A number (p->p at it) into node c. */
static dc_status conv_number(jp *p, cnode *c, const uint8_t *v)
{
    dc_status rc;
    jnum x;
    if ((rc = jp_number(p, &x)) != DC_OK)
        return rc;
    switch (c->id) {
    case DC_TYPE_FLOAT16:
    case DC_TYPE_FLOAT32:
    case DC_TYPE_FLOAT64: {
        double d;
        if (!jnum_double(&x, &d))
            return conv_mismatch(p, c, v, "out of range");
        return conv_appended(p, c, v, dc_builder_append_double(c->b, d));
    }
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256: return conv_string(p, c, v, x.s, x.n, true);
    case DC_TYPE_DATE32:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP:
    case DC_TYPE_DURATION:
        if (!p->lenient || !x.is_int)
            return conv_mismatch(p, c, v, NULL);
        /* fall through: a count of the type's unit */
    default:
        if (dc_type_is_integer(c->id) || dc_type_is_temporal(c->id)) {
            bool neg;
            uint64_t mag;
            if (!jnum_integral(&x, &neg, &mag))
                return conv_mismatch(p, c, v, x.is_int ? "out of range" : "not an integer");
            return conv_append_integer(p, c, v, neg, mag);
        }
        return conv_mismatch(p, c, v, NULL);
    }
}

/* An unknown key in object node c: never dropped silently. */
static dc_status conv_unknown_key(jp *p, const cnode *c, const uint8_t *k, int64_t kn)
{
    int n = (int)DC_MIN(kn, 200);
    const char *where = c->path[0] ? c->path : "the top level";
    if (p->lenient)
        return jp_fail(p, DC_ESCHEMA, c->path[0] ? c->path : NULL,
                       "key \"%.*s\" (in %s) is not in the given schema; add it to the schema", n,
                       (const char *)k, where);
    return jp_fail(p, DC_ESCHEMA, c->path[0] ? c->path : NULL,
                   "key \"%.*s\" (in %s) did not appear in the first %lld lines used to infer "
                   "the schema; pass a schema, or raise infer_rows so the sample includes it",
                   n, (const char *)k, where, (long long)p->infer_rows);
}

/* An object (p->p at '{') into struct node c (or the row: c is the root). */
static dc_status conv_object(jp *p, cnode *c)
{
    dc_status rc;
    if (++p->depth > DC_JSONL_MAX_DEPTH)
        return jp_fail(p, DC_EINVALID, NULL, "nesting deeper than %d levels", DC_JSONL_MAX_DEPTH);
    p->p++;
    if (++c->gen == 0) {
        memset(c->seen, 0, (size_t)c->n_kids * sizeof *c->seen);
        c->gen = 1;
    }
    uint32_t gen = c->gen;
    int32_t n_seen = 0;
    c->hint = 0;
    jp_ws(p);
    if (jp_at(p, '}')) {
        p->p++;
    } else {
        for (;;) {
            jp_ws(p);
            if (!jp_at(p, '"'))
                return jp_unexpected(p, "a key in double quotes");
            const uint8_t *ks = p->p, *k;
            int64_t kn;
            if ((rc = jp_string(p, &k, &kn)) != DC_OK)
                return rc;
            int32_t i = c->hint;
            if (!(i < c->n_kids && c->keys[i].len == kn &&
                  memcmp(c->keys[i].name, k, (size_t)kn) == 0))
                i = nidx_find(&c->ix, c->keys, k, kn, key_hash(k, kn));
            if (i < 0) {
                p->p = ks;
                return conv_unknown_key(p, c, k, kn);
            }
            if (c->seen[i] == gen) {
                p->p = ks;
                return jp_fail(p, DC_EINVALID, c->kids[i].path,
                               "duplicate key \"%s\" in one object", c->kids[i].path);
            }
            c->seen[i] = gen;
            n_seen++;
            c->hint = i + 1;
            jp_ws(p);
            if (!jp_at(p, ':'))
                return jp_unexpected(p, "':' after a key");
            p->p++;
            if ((rc = conv_value(p, &c->kids[i])) != DC_OK)
                return rc;
            jp_ws(p);
            if (jp_at(p, ',')) {
                p->p++;
                continue;
            }
            if (jp_at(p, '}')) {
                p->p++;
                break;
            }
            return jp_unexpected(p, "',' or '}'");
        }
    }
    if (n_seen < c->n_kids) {
        for (int32_t i = 0; i < c->n_kids; i++) {
            if (c->seen[i] == gen)
                continue;
            cnode *k = &c->kids[i];
            if (!k->nullable)
                return jp_fail(p, DC_ESCHEMA, k->path,
                               "key \"%s\" is missing, and the schema says it cannot be null",
                               k->path);
            if (dc_builder_append_null(k->b) != DC_OK)
                return jp_nomem(p);
        }
    }
    p->depth--;
    return DC_OK;
}

/* An array (p->p at '[') into list node c. */
static dc_status conv_list(jp *p, cnode *c, const uint8_t *v)
{
    dc_status rc;
    int64_t count = 0;
    if (++p->depth > DC_JSONL_MAX_DEPTH)
        return jp_fail(p, DC_EINVALID, NULL, "nesting deeper than %d levels", DC_JSONL_MAX_DEPTH);
    p->p++;
    jp_ws(p);
    if (jp_at(p, ']')) {
        p->p++;
    } else {
        for (;;) {
            if ((rc = conv_value(p, &c->kids[0])) != DC_OK)
                return rc;
            count++;
            jp_ws(p);
            if (jp_at(p, ',')) {
                p->p++;
                continue;
            }
            if (jp_at(p, ']')) {
                p->p++;
                break;
            }
            return jp_unexpected(p, "',' or ']'");
        }
    }
    p->depth--;
    if (c->id == DC_TYPE_FIXED_SIZE_LIST && count != c->type->list_size)
        return conv_mismatch(p, c, v, "wrong number of elements");
    return conv_appended(p, c, v, dc_builder_append_valid(c->b));
}

/* An object (p->p at '{') into map node c: keys through conv_string. */
static dc_status conv_map(jp *p, cnode *c, const uint8_t *v)
{
    dc_status rc;
    if (++p->depth > DC_JSONL_MAX_DEPTH)
        return jp_fail(p, DC_EINVALID, NULL, "nesting deeper than %d levels", DC_JSONL_MAX_DEPTH);
    p->p++;
    jp_ws(p);
    if (jp_at(p, '}')) {
        p->p++;
    } else {
        for (;;) {
            jp_ws(p);
            if (!jp_at(p, '"'))
                return jp_unexpected(p, "a key in double quotes");
            const uint8_t *ks = p->p, *k;
            int64_t kn;
            if ((rc = jp_string(p, &k, &kn)) != DC_OK)
                return rc;
            if ((rc = conv_string(p, &c->kids[0], ks, k, kn, true)) != DC_OK)
                return rc;
            jp_ws(p);
            if (!jp_at(p, ':'))
                return jp_unexpected(p, "':' after a key");
            p->p++;
            if ((rc = conv_value(p, &c->kids[1])) != DC_OK)
                return rc;
            if ((rc = dc_builder_append_valid(c->entries)) != DC_OK)
                return conv_appended(p, c, v, rc);
            jp_ws(p);
            if (jp_at(p, ',')) {
                p->p++;
                continue;
            }
            if (jp_at(p, '}')) {
                p->p++;
                break;
            }
            return jp_unexpected(p, "',' or '}'");
        }
    }
    p->depth--;
    return conv_appended(p, c, v, dc_builder_append_valid(c->b));
}

/* One value of any kind (whitespace first) into node c. */
static dc_status conv_value(jp *p, cnode *c)
{
    dc_status rc;
    jp_ws(p);
    if (p->p >= p->end)
        return jp_unexpected(p, "a value");
    const uint8_t *v = p->p;
    uint8_t ch = *v;
    if (ch == 'n') {
        if ((rc = jp_literal(p, "null", 4)) != DC_OK)
            return rc;
        if (!c->nullable)
            return conv_mismatch(p, c, v, "the schema says it cannot be null");
        return conv_appended(p, c, v, dc_builder_append_null(c->b));
    }
    switch (c->id) {
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8:
        if (ch == '"') {
            const uint8_t *s;
            int64_t n;
            if ((rc = jp_string(p, &s, &n)) != DC_OK)
                return rc;
            return conv_appended(p, c, v, dc_builder_append_bytes(c->b, s, n));
        }
        /* Any other value: its JSON text as written. */
        if ((rc = jp_skip(p)) != DC_OK)
            return rc;
        return conv_appended(p, c, v, dc_builder_append_bytes(c->b, v, p->p - v));
    case DC_TYPE_STRUCT:
        if (ch != '{')
            break;
        if ((rc = conv_object(p, c)) != DC_OK)
            return rc;
        return conv_appended(p, c, v, dc_builder_append_valid(c->b));
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST:
        if (ch != '[')
            break;
        return conv_list(p, c, v);
    case DC_TYPE_MAP:
        if (ch != '{')
            break;
        return conv_map(p, c, v);
    default:
        if (ch == '"') {
            const uint8_t *s;
            int64_t n;
            if ((rc = jp_string(p, &s, &n)) != DC_OK)
                return rc;
            return conv_string(p, c, v, s, n, p->lenient);
        }
        if (ch == 't' || ch == 'f') {
            bool t = ch == 't';
            if ((rc = t ? jp_literal(p, "true", 4) : jp_literal(p, "false", 5)) != DC_OK)
                return rc;
            if (c->id != DC_TYPE_BOOL)
                return conv_mismatch(p, c, v, NULL);
            return conv_appended(p, c, v, dc_builder_append_bool(c->b, t));
        }
        if (ch == '-' || is_digit(ch))
            return conv_number(p, c, v);
        break;
    }
    /* A value of the wrong kind: check its syntax first, so a broken line says so. */
    if ((rc = jp_skip(p)) != DC_OK)
        return rc;
    return conv_mismatch(p, c, v, NULL);
}

/* The error for a line that does not start an object. */
static dc_status not_an_object(jp *p)
{
    if (p->p < p->end && (*p->p == '[' || *p->p == '"' || *p->p == '-' || is_digit(*p->p) ||
                          *p->p == 't' || *p->p == 'f' || *p->p == 'n'))
        return jp_fail(p, DC_EINVALID, NULL,
                       "the line is not a JSON object: JSON Lines needs one {...} object per "
                       "line");
    return jp_unexpected(p, "'{' starting a JSON object");
}

/* One non-blank line [p->p, p->end) into the root node: exactly one object. */
static dc_status conv_row(jp *p, cnode *root)
{
    dc_status rc;
    jp_ws(p);
    if (!jp_at(p, '{'))
        return not_an_object(p);
    p->depth = 0;
    if ((rc = conv_object(p, root)) != DC_OK)
        return rc;
    jp_ws(p);
    if (p->p != p->end)
        return jp_fail(p, DC_EINVALID, NULL,
                       "unexpected characters after the object (one object per line)");
    return DC_OK;
}

/* ---- compiling the schema into conversion nodes ----------------------------------------- */

static dc_status cnode_init(dc_arena *a, cnode *c, const dc_field *f, const char *parent,
                            const char *suffix, dc_error *err);

static bool type_supported(const dc_type *t)
{
    switch (t->id) {
    case DC_TYPE_DICTIONARY: return false;
    case DC_TYPE_MAP: return t->children[0].type->n_children == 2;
    default: return true;
    }
}

/* The struct part of node c: one child node per field, the key index, the seen marks. */
static dc_status cnode_init_fields(dc_arena *a, cnode *c, const dc_field *fields, int32_t n,
                                   dc_error *err)
{
    dc_status rc;
    c->n_kids = n;
    c->kids = dc_arena_alloc(a, (int64_t)(n + 1) * (int64_t)sizeof *c->kids);
    c->keys = dc_arena_alloc(a, (int64_t)(n + 1) * (int64_t)sizeof *c->keys);
    c->seen = dc_arena_alloc(a, (int64_t)(n + 1) * (int64_t)sizeof *c->seen);
    if (!c->kids || !c->keys || !c->seen)
        return dc_error_nomem(err);
    memset(c->seen, 0, (size_t)(n + 1) * sizeof *c->seen);
    for (int32_t i = 0; i < n; i++) {
        const char *nm = fields[i].name;
        int64_t nl = (int64_t)strlen(nm);
        c->keys[i] = (jkey){nm, nl, key_hash((const uint8_t *)nm, nl)};
        if ((rc = cnode_init(a, &c->kids[i], &fields[i], c->path, NULL, err)) != DC_OK)
            return rc;
    }
    if (nidx_build(a, &c->ix, c->keys, n) != DC_OK)
        return dc_error_nomem(err);
    return DC_OK;
}

/*
 * Build node c for field f (path = parent + "." + name, or parent + suffix
 * for list items and map keys/values). Allocations go to the arena, freed
 * with it. DC_EUNSUPPORTED for a type JSON cannot be read into.
 */
static dc_status cnode_init(dc_arena *a, cnode *c, const dc_field *f, const char *parent,
                            const char *suffix, dc_error *err)
{
    dc_status rc;
    const dc_type *t = f->type;
    memset(c, 0, sizeof *c);
    c->id = t->id;
    c->type = t;
    c->nullable = f->nullable;
    size_t pl = strlen(parent);
    const char *add = suffix ? suffix : f->name;
    size_t need = pl + 1 + strlen(add) + 1;
    c->path = dc_arena_alloc(a, (int64_t)need);
    if (!c->path)
        return dc_error_nomem(err);
    if (suffix)
        snprintf(c->path, need, "%s%s", parent, suffix);
    else if (pl)
        snprintf(c->path, need, "%s.%s", parent, f->name);
    else
        snprintf(c->path, need, "%s", f->name);
    if (!type_supported(t))
        return dc_error_set(err, DC_EUNSUPPORTED,
                            "column \"%s\": JSON Lines cannot be read into type %s; use its "
                            "value type instead",
                            c->path, dc_type_id_name(t->id));
    switch (t->id) {
    case DC_TYPE_STRUCT: return cnode_init_fields(a, c, t->children, t->n_children, err);
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST:
        c->n_kids = 1;
        c->kids = dc_arena_alloc(a, sizeof *c->kids);
        if (!c->kids)
            return dc_error_nomem(err);
        return cnode_init(a, &c->kids[0], &t->children[0], c->path, "[]", err);
    case DC_TYPE_MAP: {
        const dc_type *entries = t->children[0].type;
        c->n_kids = 2;
        c->kids = dc_arena_alloc(a, 2 * sizeof *c->kids);
        if (!c->kids)
            return dc_error_nomem(err);
        if ((rc = cnode_init(a, &c->kids[0], &entries->children[0], c->path, ".key", err)) != DC_OK)
            return rc;
        c->kids[0].nullable = false;
        return cnode_init(a, &c->kids[1], &entries->children[1], c->path, ".value", err);
    }
    default: return DC_OK;
    }
}

/* The root node: the row, a struct over the schema's fields (no builder of its own). */
static dc_status cnode_init_root(dc_arena *a, cnode *c, const dc_schema *s, dc_error *err)
{
    memset(c, 0, sizeof *c);
    c->id = DC_TYPE_STRUCT;
    c->path = (char *)"";
    return cnode_init_fields(a, c, s->fields, s->n_fields, err);
}

/* Point node c (and its descendants) at builder b and its children. */
static void cnode_bind(cnode *c, dc_builder *b)
{
    c->b = b;
    switch (c->id) {
    case DC_TYPE_STRUCT:
        for (int32_t i = 0; i < c->n_kids; i++)
            cnode_bind(&c->kids[i], dc_builder_child(b, i));
        break;
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST: cnode_bind(&c->kids[0], dc_builder_child(b, 0)); break;
    case DC_TYPE_MAP:
        c->entries = dc_builder_child(b, 0);
        cnode_bind(&c->kids[0], dc_builder_child(c->entries, 0));
        cnode_bind(&c->kids[1], dc_builder_child(c->entries, 1));
        break;
    default: break;
    }
}

/* ---- the reader ---------------------------------------------------------------------- */

typedef struct jl_reader {
    dc_input *in;
    /* The window: buf[0..len) holds the input from file offset `base`. */
    uint8_t *buf;
    int64_t len, cap;
    int64_t pos;        /* start of the next line */
    int64_t scan;       /* where the search for '\n' resumes */
    int64_t base;       /* file offset of buf[0] */
    int64_t file_off;   /* next offset to read */
    int64_t data_start; /* window offset of the first line (after a BOM) */
    bool eof;
    bool keep_all; /* inferring: keep every line in the window for the replay */
    bool bom_done;
    int64_t line_no;
    int64_t chunk, max_line;
    int64_t batch_rows;
    jp p;
    dc_schema *schema;
    dc_arena arena;
    cnode root;
    dc_batch_builder bb;
    bool bb_ready;
} jl_reader;

/* Read one more chunk into the window (dropping consumed bytes unless keep_all). */
static dc_status jl_fill(jl_reader *r, dc_error *err)
{
    if (!r->keep_all && r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, (size_t)(r->len - r->pos));
        r->base += r->pos;
        r->len -= r->pos;
        r->scan -= r->pos;
        r->data_start -= r->pos;
        r->pos = 0;
    }
    if (r->cap - r->len < r->chunk) {
        int64_t cap = DC_MAX(r->cap * 2, r->len + r->chunk);
        uint8_t *nb = dc_realloc(r->buf, (size_t)cap);
        if (!nb)
            return dc_error_nomem(err);
        r->buf = nb;
        r->cap = cap;
    }
    int64_t got = 0;
    dc_status rc = dc_input_read_at(r->in, r->file_off, r->buf + r->len, r->chunk, &got, err);
    if (rc != DC_OK) {
        dc_error_at(err, r->in->name, NULL, r->file_off, -1);
        return rc;
    }
    if (got < r->chunk)
        r->eof = true;
    r->file_off += got;
    r->len += got;
    return DC_OK;
}

/* The error for a line over the limit. */
static dc_status jl_too_long(jl_reader *r, dc_error *err)
{
    dc_error_set(err, DC_EINVALID,
                 "line %lld is longer than %lld bytes (the limit for one JSON Lines record); "
                 "is this really JSON Lines (one object per line)?",
                 (long long)r->line_no + 1, (long long)r->max_line);
    dc_error_at(err, r->in->name, NULL, r->base + r->pos, r->line_no + 1);
    return DC_EINVALID;
}

/*
 * The next line into r->p (its bounds, number and offset); *got false at the
 * end of the input. The line stays valid until the next call.
 */
static dc_status jl_next_line(jl_reader *r, bool *got, dc_error *err)
{
    dc_status rc;
    *got = false;
    for (;;) {
        if (!r->bom_done) {
            if (r->len - r->pos < 3 && !r->eof) {
                if ((rc = jl_fill(r, err)) != DC_OK)
                    return rc;
                continue;
            }
            if (r->len - r->pos >= 3 && memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3) == 0)
                r->pos += 3;
            r->bom_done = true;
            r->scan = r->pos;
            r->data_start = r->pos;
        }
        uint8_t *nl =
            r->scan < r->len ? memchr(r->buf + r->scan, '\n', (size_t)(r->len - r->scan)) : NULL;
        int64_t end;
        if (nl) {
            end = nl - r->buf;
        } else if (r->eof) {
            if (r->pos >= r->len)
                return DC_OK;
            end = r->len;
        } else {
            r->scan = r->len;
            if (r->len - r->pos > r->max_line)
                return jl_too_long(r, err);
            if ((rc = jl_fill(r, err)) != DC_OK)
                return rc;
            continue;
        }
        if (end - r->pos > r->max_line)
            return jl_too_long(r, err);
        r->line_no++;
        r->p.line = r->p.p = r->buf + r->pos;
        r->p.end = r->buf + end;
        r->p.line_no = r->line_no;
        r->p.line_off = r->base + r->pos;
        r->p.depth = 0;
        r->pos = r->scan = DC_MIN(end + 1, r->len);
        *got = true;
        return DC_OK;
    }
}

static bool line_blank(const jp *p)
{
    for (const uint8_t *q = p->p; q < p->end; q++)
        if (*q != ' ' && *q != '\t' && *q != '\r')
            return false;
    return true;
}

/* Sample the first lines, infer the schema into r->schema, rewind to the first line. */
static dc_status jl_infer(jl_reader *r, int64_t infer_rows, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_arena a;
    dc_field *fields = NULL;
    int32_t n_fields = 0;
    dc_arena_init(&a, 64 * 1024);
    inode *root = inode_new(&a);
    DC_TRY_ALLOC(root, err);
    r->keep_all = true;
    for (int64_t rows = 0; rows < infer_rows && r->pos - r->data_start < JL_MAX_SAMPLE_BYTES;) {
        bool got;
        DC_TRY(jl_next_line(r, &got, err));
        if (!got)
            break;
        if (line_blank(&r->p))
            continue;
        jp_ws(&r->p);
        if (!jp_at(&r->p, '{')) {
            rc = not_an_object(&r->p);
            goto cleanup;
        }
        DC_TRY(infer_value(&r->p, &a, root));
        jp_ws(&r->p);
        if (r->p.p != r->p.end) {
            rc = jp_fail(&r->p, DC_EINVALID, NULL,
                         "unexpected characters after the object (one object per line)");
            goto cleanup;
        }
        rows++;
    }
    if (root->n > 0)
        DC_TRY(inode_fields(root, &fields, err));
    n_fields = root->n;
    r->schema = dc_schema_new(fields, n_fields, NULL);
    DC_TRY_ALLOC(r->schema, err);
    /* Replay the sampled lines as the first batches. */
    r->keep_all = false;
    r->pos = r->scan = r->data_start;
    r->line_no = 0;
cleanup:
    for (int32_t i = 0; fields && i < n_fields; i++)
        dc_field_clear(&fields[i]);
    dc_free(fields);
    dc_arena_free(&a);
    return rc;
}

static void jl_free_impl(jl_reader *r)
{
    if (!r)
        return;
    if (r->bb_ready)
        dc_batch_builder_clear(&r->bb);
    dc_schema_unref(r->schema);
    dc_arena_free(&r->arena);
    dc_bytes_free(&r->p.str);
    dc_bytes_free(&r->p.bin);
    dc_free(r->buf);
    dc_input_close(r->in);
    dc_free(r);
}

static void jl_destroy(dc_reader *rd)
{
    jl_free_impl(rd->impl);
    rd->impl = NULL;
}

/* The next batch: up to batch_rows rows, *out NULL at the end of the input. */
static dc_status jl_next(dc_reader *rd, dc_batch **out, dc_error *err)
{
    dc_status rc = DC_OK;
    jl_reader *r = rd->impl;
    int64_t rows = 0;
    *out = NULL;
    r->p.err = err;
    while (rows < r->batch_rows) {
        bool got;
        DC_TRY(jl_next_line(r, &got, err));
        if (!got)
            break;
        if (line_blank(&r->p))
            continue;
        DC_TRY(conv_row(&r->p, &r->root));
        rows++;
    }
    if (rows == 0)
        goto cleanup;
    r->bb.length = rows;
    DC_TRY(dc_batch_builder_finish(&r->bb, out, err));
cleanup:
    r->p.err = NULL;
    return rc;
}

static const dc_reader_vtable JL_VT = {jl_next, jl_destroy};

dc_status dc_jsonl__reader_open_ex(dc_reader **out, dc_input *in, const dc_read_options *opts,
                                   const dc_jsonl_limits *limits, dc_error *err)
{
    dc_status rc = DC_OK;
    *out = NULL;
    jl_reader *r = dc_calloc(1, sizeof *r);
    if (!r) {
        dc_input_close(in);
        return dc_error_nomem(err);
    }
    r->in = in;
    dc_arena_init(&r->arena, 16 * 1024);
    dc_bytes_init(&r->p.str);
    dc_bytes_init(&r->p.bin);
    r->chunk = limits && limits->chunk_bytes > 0 ? limits->chunk_bytes : DC_JSONL_CHUNK_BYTES;
    r->max_line =
        limits && limits->max_line_bytes > 0 ? limits->max_line_bytes : DC_JSONL_MAX_LINE_BYTES;
    r->batch_rows = opts && opts->batch_rows > 0 ? opts->batch_rows : JL_DEFAULT_BATCH_ROWS;
    int64_t infer_rows = opts && opts->infer_rows > 0 ? opts->infer_rows : JL_DEFAULT_INFER_ROWS;
    r->p.file = in->name;
    r->p.infer_rows = infer_rows;
    r->p.err = err;
    if (opts && opts->schema) {
        r->schema = dc_schema_ref(opts->schema);
        r->p.lenient = true;
    } else {
        DC_TRY(jl_infer(r, infer_rows, err));
    }
    rc = cnode_init_root(&r->arena, &r->root, r->schema, err);
    if (rc != DC_OK) {
        dc_error_at(err, in->name, NULL, -1, -1);
        goto cleanup;
    }
    DC_TRY(dc_batch_builder_init(&r->bb, r->schema, err));
    r->bb_ready = true;
    for (int32_t i = 0; i < r->root.n_kids; i++)
        cnode_bind(&r->root.kids[i], r->bb.columns[i]);
    r->p.err = NULL;
    DC_TRY(dc_reader_new(out, &JL_VT, r, r->schema, err));
    return DC_OK;
cleanup:
    jl_free_impl(r);
    return rc;
}

dc_status dc_jsonl_reader_open(dc_reader **out, dc_input *in, const dc_read_options *opts,
                               dc_error *err)
{
    return dc_jsonl__reader_open_ex(out, in, opts, NULL, err);
}
