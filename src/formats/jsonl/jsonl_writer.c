/*
 * jsonl_writer.c: record batches as JSON Lines: one object per row, every key
 * of the schema in schema order (nulls written as null, keys kept), values
 * as dc_format_value(..., DC_STYLE_JSON) renders them.
 *
 * Speed: a batch is rendered into one buffer and handed to the output in one
 * write (or a few, when the rendering passes 8 MiB). Integer, bool, string,
 * date32 and timestamp columns take a fast path reading the Arrow buffers
 * directly; it produces exactly the text dc_format_value would (decimal
 * integers; true/false; strings with '"', '\\' and control characters escaped
 * as dc_strbuf_json_escape does, other bytes as they are; "YYYY-MM-DD" and
 * "YYYY-MM-DD HH:MM:SS[.fraction][Z]", the date text cached between rows of
 * the same day, years outside 0000..9999 left to dc_format_value). Every
 * other type goes through dc_format_value. The test
 * test_writer_fast_paths_match_format_value holds the two to the same text.
 */
#include "formats/jsonl/jsonl_int.h"

#define JW_FLUSH_BYTES ((int64_t)8 << 20)

typedef enum jw_kind {
    JW_I8,
    JW_I16,
    JW_I32,
    JW_I64,
    JW_U8,
    JW_U16,
    JW_U32,
    JW_U64,
    JW_BOOL,
    JW_STR,
    JW_LSTR,
    JW_TS,
    JW_DATE32,
    JW_OTHER,
} jw_kind;

/* Per column: the fast path, and for dates/timestamps the last date rendered. */
typedef struct jw_col {
    jw_kind kind;
    int64_t per_sec; /* TIMESTAMP: units per second */
    int digits;      /* TIMESTAMP: fraction digits of the unit */
    bool zoned;
    int64_t cached_day;
    bool cached;
    char date[10];
} jw_col;

typedef struct jl_writer {
    dc_strbuf buf;
    int32_t n;
    char **keys; /* per column: '{' or ',' then the quoted, escaped key and ':' */
    int64_t *key_len;
    jw_col *cols;
} jl_writer;

static void jw_free(jl_writer *w)
{
    if (!w)
        return;
    for (int32_t i = 0; w->keys && i < w->n; i++)
        dc_free(w->keys[i]);
    dc_free(w->keys);
    dc_free(w->key_len);
    dc_free(w->cols);
    dc_strbuf_free(&w->buf);
    dc_free(w);
}

static jw_kind kind_of(dc_type_id id)
{
    switch (id) {
    case DC_TYPE_INT8: return JW_I8;
    case DC_TYPE_INT16: return JW_I16;
    case DC_TYPE_INT32: return JW_I32;
    case DC_TYPE_INT64: return JW_I64;
    case DC_TYPE_UINT8: return JW_U8;
    case DC_TYPE_UINT16: return JW_U16;
    case DC_TYPE_UINT32: return JW_U32;
    case DC_TYPE_UINT64: return JW_U64;
    case DC_TYPE_BOOL: return JW_BOOL;
    case DC_TYPE_UTF8: return JW_STR;
    case DC_TYPE_LARGE_UTF8: return JW_LSTR;
    case DC_TYPE_TIMESTAMP: return JW_TS;
    case DC_TYPE_DATE32: return JW_DATE32;
    default: return JW_OTHER;
    }
}

/* Make room for n more bytes (plus the NUL) in s; false (and s failed) on ENOMEM. */
static bool sb_reserve(dc_strbuf *s, int64_t n)
{
    if (DC_LIKELY(s->len + n + 1 <= s->cap))
        return true;
    if (s->failed)
        return false;
    int64_t cap = DC_MAX(s->cap * 2, s->len + n + 1);
    cap = DC_MAX(cap, 4096);
    char *p = dc_realloc(s->data, (size_t)cap);
    if (!p) {
        s->failed = true;
        return false;
    }
    s->data = p;
    s->cap = cap;
    return true;
}

static const char DIGITS2[] = "00010203040506070809101112131415161718192021222324252627282930313233"
                              "34353637383940414243444546474849505152535455565758596061626364656667"
                              "6869707172737475767778798081828384858687888990919293949596979899";

/* Append the decimal digits of v (room for 20 bytes reserved by the caller). */
static inline void put_u64(dc_strbuf *s, uint64_t v)
{
    char tmp[24];
    char *end = tmp + sizeof tmp, *p = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, DIGITS2 + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, DIGITS2 + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    memcpy(s->data + s->len, p, (size_t)(end - p));
    s->len += end - p;
}

static inline void put_i64(dc_strbuf *s, int64_t v)
{
    if (v < 0) {
        s->data[s->len++] = '-';
        put_u64(s, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(s, (uint64_t)v);
    }
}

#define ONES          0x0101010101010101ULL
#define HIGHS         0x8080808080808080ULL
#define HASZERO(v)    (((v)-ONES) & ~(v)&HIGHS)
#define HASLESS(v, n) (((v)-ONES * (n)) & ~(v)&HIGHS)

/* 1 for the bytes dc_strbuf_json_escape rewrites. */
static const uint8_t NEEDS_ESCAPE[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* Append "str" quoted and escaped exactly as dc_strbuf_json_escape does. */
static bool put_string(dc_strbuf *s, const uint8_t *str, int64_t n)
{
    if (!sb_reserve(s, 6 * n + 2))
        return false;
    char *o = s->data + s->len;
    *o++ = '"';
    int64_t start = 0, i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, str + i, 8);
            if (!(HASLESS(v, 0x20) | HASZERO(v ^ (ONES * '"')) | HASZERO(v ^ (ONES * '\\')))) {
                i += 8;
                continue;
            }
        }
        uint8_t c = str[i];
        if (DC_LIKELY(!NEEDS_ESCAPE[c])) {
            i++;
            continue;
        }
        memcpy(o, str + start, (size_t)(i - start));
        o += i - start;
        start = ++i;
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default: {
            static const char hex[] = "0123456789abcdef";
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        }
    }
    memcpy(o, str + start, (size_t)(n - start));
    o += n - start;
    *o++ = '"';
    s->len = o - s->data;
    return true;
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm, as format.c). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static inline void put2(char *o, int64_t v)
{
    memcpy(o, DIGITS2 + 2 * v, 2);
}

/* Make col->date the text of `days`; false when the year is outside 0000..9999 (then
 * dc_format_value renders it). */
static bool jw_date(jw_col *col, int64_t days)
{
    if (col->cached && col->cached_day == days)
        return true;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return false;
    put2(col->date, y / 100);
    put2(col->date + 2, y % 100);
    col->date[4] = '-';
    put2(col->date + 5, m);
    col->date[7] = '-';
    put2(col->date + 8, d);
    col->cached_day = days;
    col->cached = true;
    return true;
}

/* A timestamp as dc_format_value renders it in JSON: "YYYY-MM-DD HH:MM:SS[.f][Z]".
 * False (nothing written) when the date is out of the fast path's range. */
static bool put_timestamp(dc_strbuf *s, jw_col *col, int64_t v)
{
    int64_t per_day = 86400 * col->per_sec;
    int64_t days = v / per_day, rem = v % per_day;
    if (rem < 0) {
        rem += per_day;
        days--;
    }
    if (!jw_date(col, days))
        return false;
    int64_t secs = rem / col->per_sec, frac = rem % col->per_sec;
    char *o = s->data + s->len;
    *o++ = '"';
    memcpy(o, col->date, 10);
    o += 10;
    *o++ = ' ';
    put2(o, secs / 3600);
    o[2] = ':';
    put2(o + 3, (secs / 60) % 60);
    o[5] = ':';
    put2(o + 6, secs % 60);
    o += 8;
    if (frac) {
        *o++ = '.';
        for (int k = col->digits - 1; k >= 0; k--) {
            o[k] = (char)('0' + frac % 10);
            frac /= 10;
        }
        o += col->digits;
    }
    if (col->zoned)
        *o++ = 'Z';
    *o++ = '"';
    s->len = o - s->data;
    return true;
}

/* Append value i of column a (of fast-path kind k). False on ENOMEM. */
static inline bool put_value(dc_strbuf *s, const dc_array *a, int64_t i, jw_col *col)
{
    jw_kind k = col->kind;
    int64_t j = a->offset + i;
    if (a->null_count > 0 && !dc_array_valid(a, i)) {
        if (!sb_reserve(s, 4))
            return false;
        memcpy(s->data + s->len, "null", 4);
        s->len += 4;
        return true;
    }
    const uint8_t *v = a->data[1];
    switch (k) {
    case JW_STR: {
        const int32_t *off = (const int32_t *)(const void *)v;
        return put_string(s, a->data[2] + off[j], (int64_t)off[j + 1] - off[j]);
    }
    case JW_LSTR: {
        const int64_t *off = (const int64_t *)(const void *)v;
        return put_string(s, a->data[2] + off[j], off[j + 1] - off[j]);
    }
    case JW_OTHER: dc_format_value(s, a, i, DC_STYLE_JSON); return !s->failed;
    default: break;
    }
    if (!sb_reserve(s, 48))
        return false;
    switch (k) {
    case JW_TS:
        if (!put_timestamp(s, col, ((const int64_t *)(const void *)v)[j]))
            dc_format_value(s, a, i, DC_STYLE_JSON);
        break;
    case JW_DATE32:
        if (jw_date(col, ((const int32_t *)(const void *)v)[j])) {
            s->data[s->len] = '"';
            memcpy(s->data + s->len + 1, col->date, 10);
            s->data[s->len + 11] = '"';
            s->len += 12;
        } else {
            dc_format_value(s, a, i, DC_STYLE_JSON);
        }
        break;
    case JW_I8: put_i64(s, ((const int8_t *)v)[j]); break;
    case JW_I16: put_i64(s, ((const int16_t *)(const void *)v)[j]); break;
    case JW_I32: put_i64(s, ((const int32_t *)(const void *)v)[j]); break;
    case JW_I64: put_i64(s, ((const int64_t *)(const void *)v)[j]); break;
    case JW_U8: put_u64(s, v[j]); break;
    case JW_U16: put_u64(s, ((const uint16_t *)(const void *)v)[j]); break;
    case JW_U32: put_u64(s, ((const uint32_t *)(const void *)v)[j]); break;
    case JW_U64: put_u64(s, ((const uint64_t *)(const void *)v)[j]); break;
    case JW_BOOL:
        if (dc_bit_get(v, j)) {
            memcpy(s->data + s->len, "true", 4);
            s->len += 4;
        } else {
            memcpy(s->data + s->len, "false", 5);
            s->len += 5;
        }
        break;
    default: break;
    }
    return true;
}

static dc_status jw_flush(dc_batch_writer *bw, jl_writer *w, dc_error *err)
{
    if (w->buf.len == 0)
        return DC_OK;
    dc_status rc = dc_output_write(bw->out, w->buf.data, w->buf.len, err);
    dc_strbuf_clear(&w->buf);
    return rc;
}

/* Render the batch row by row and write it out. */
static dc_status jw_write(dc_batch_writer *bw, const dc_batch *batch, dc_error *err)
{
    dc_status rc = DC_OK;
    jl_writer *w = bw->impl;
    dc_strbuf *s = &w->buf;
    for (int64_t r = 0; r < batch->length; r++) {
        if (w->n == 0) {
            dc_strbuf_append(s, "{}\n", 3);
        } else {
            for (int32_t c = 0; c < w->n; c++) {
                if (!sb_reserve(s, w->key_len[c]))
                    break;
                memcpy(s->data + s->len, w->keys[c], (size_t)w->key_len[c]);
                s->len += w->key_len[c];
                if (!put_value(s, batch->columns[c], r, &w->cols[c]))
                    break;
            }
            if (sb_reserve(s, 2)) {
                s->data[s->len++] = '}';
                s->data[s->len++] = '\n';
                s->data[s->len] = '\0';
            }
        }
        if (s->failed) {
            dc_strbuf_clear(s);
            s->failed = false;
            return dc_error_set(err, DC_ENOMEM, "%s: out of memory rendering JSON Lines",
                                bw->out->name);
        }
        if (s->len >= JW_FLUSH_BYTES)
            DC_TRY(jw_flush(bw, w, err));
    }
    DC_TRY(jw_flush(bw, w, err));
cleanup:
    return rc;
}

static dc_status jw_finish(dc_batch_writer *bw, dc_error *err)
{
    return jw_flush(bw, bw->impl, err);
}

static void jw_destroy(dc_batch_writer *bw)
{
    jw_free(bw->impl);
    bw->impl = NULL;
}

static const dc_batch_writer_vtable JW_VT = {jw_write, jw_finish, jw_destroy};

dc_status dc_jsonl_writer_open(dc_batch_writer **out, dc_output *o, const dc_schema *schema,
                               dc_error *err)
{
    dc_status rc = DC_OK;
    dc_strbuf k;
    dc_strbuf_init(&k);
    *out = NULL;
    jl_writer *w = dc_calloc(1, sizeof *w);
    DC_TRY_ALLOC(w, err);
    dc_strbuf_init(&w->buf);
    int32_t n = schema->n_fields;
    w->keys = dc_calloc((size_t)(n ? n : 1), sizeof *w->keys);
    w->key_len = dc_calloc((size_t)(n ? n : 1), sizeof *w->key_len);
    w->cols = dc_calloc((size_t)(n ? n : 1), sizeof *w->cols);
    DC_TRY_ALLOC(w->keys, err);
    DC_TRY_ALLOC(w->key_len, err);
    DC_TRY_ALLOC(w->cols, err);
    w->n = n;
    for (int32_t c = 0; c < n; c++) {
        const char *name = schema->fields[c].name;
        dc_strbuf_clear(&k);
        dc_strbuf_append(&k, c == 0 ? "{\"" : ",\"", 2);
        dc_strbuf_json_escape(&k, name, (int64_t)strlen(name));
        dc_strbuf_append(&k, "\":", 2);
        if (dc_strbuf_status(&k) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        w->key_len[c] = k.len;
        w->keys[c] = dc_strbuf_detach(&k);
        DC_TRY_ALLOC(w->keys[c], err);
        const dc_type *t = schema->fields[c].type;
        jw_col *col = &w->cols[c];
        col->kind = kind_of(t->id);
        if (t->id == DC_TYPE_TIMESTAMP) {
            col->per_sec = dc_unit_nanos(DC_UNIT_SECOND) / dc_unit_nanos(t->unit);
            col->digits = (int)t->unit * 3;
            col->zoned = t->timezone != NULL;
        }
    }
    DC_TRY(dc_batch_writer_new(out, &JW_VT, w, o, schema, err));
    return DC_OK;
cleanup:
    dc_strbuf_free(&k);
    jw_free(w);
    return rc;
}
