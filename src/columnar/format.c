/*
 * format.c: rendering one value as text (humans, CSV) or as a JSON value.
 *
 * Choices (documented for users in docs/FORMAT.md later):
 *  - floats: the shortest decimal that reads back to the same double, in
 *    fixed notation below 1e15 (integral values keep ".0" so they stay
 *    floats), else "%.17g"-style exponent; NaN and infinities are "NaN",
 *    "inf", "-inf" in text and null in JSON (JSON has no such numbers).
 *  - timestamps: "YYYY-MM-DD HH:MM:SS[.fraction]" with the unit's digits when
 *    the fraction is not zero; a timestamp with a zone is shown as the UTC
 *    instant with a "Z" suffix. Dates "YYYY-MM-DD", times "HH:MM:SS[.f]".
 *  - decimals: exact, with `scale` fractional digits.
 *  - binary: lowercase hex in text, base64 in JSON.
 *  - nested values (list, struct, map) are JSON in both styles; a map whose
 *    keys are not strings becomes an object with the keys' text as names.
 */
#include "columnar/columnar_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char DIGITS2[] = "00010203040506070809101112131415161718192021222324252627282930313233"
                              "34353637383940414243444546474849505152535455565758596061626364656667"
                              "6869707172737475767778798081828384858687888990919293949596979899";

/* Write the decimal digits of v into the end of buf; return the start. */
static char *utoa_rev(char *end, uint64_t v)
{
    char *p = end;
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
    return p;
}

static void put_int(dc_strbuf *s, int64_t v)
{
    char buf[24];
    char *end = buf + sizeof buf;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char *p = utoa_rev(end, u);
    if (v < 0)
        *--p = '-';
    dc_strbuf_append(s, p, end - p);
}

static void put_uint(dc_strbuf *s, uint64_t v)
{
    char buf[24];
    char *end = buf + sizeof buf;
    char *p = utoa_rev(end, v);
    dc_strbuf_append(s, p, end - p);
}

static void put_padded(char *dst, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        dst[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                               1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16};

static void put_double(dc_strbuf *s, double v, bool json)
{
    if (isnan(v) || isinf(v)) {
        if (json)
            dc_strbuf_append(s, "null", 4);
        else
            dc_strbuf_puts(s, isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf");
        return;
    }
    double a = fabs(v);
    /* Fast path: few fractional digits, exactly round-tripping. */
    if (a < 1e15 && (a >= 1e-6 || a == 0)) {
        for (int k = 0; k <= 15; k++) {
            double r = a * POW10[k];
            if (r >= 9007199254740992.0)
                break;
            double ri = nearbyint(r);
            if (ri / POW10[k] != a)
                continue;
            uint64_t n = (uint64_t)ri;
            char buf[48];
            char *end = buf + sizeof buf;
            char *p;
            if (k == 0) {
                p = end;
                *--p = '0';
                *--p = '.';
                p = utoa_rev(p, n);
            } else {
                uint64_t ip = n / (uint64_t)POW10[k], fp = n % (uint64_t)POW10[k];
                char *fend = end;
                p = fend - k;
                put_padded(p, (int64_t)fp, k);
                *--p = '.';
                p = utoa_rev(p, ip);
            }
            if (signbit(v))
                *--p = '-';
            dc_strbuf_append(s, p, end - p);
            return;
        }
    }
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    dc_strbuf_puts(s, buf);
}

/* Days since 1970-01-01 to a civil date (H. Hinnant's algorithm). */
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

static void put_date(dc_strbuf *s, int64_t days)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999) {
        char b[10];
        put_padded(b, y, 4);
        b[4] = '-';
        put_padded(b + 5, m, 2);
        b[7] = '-';
        put_padded(b + 8, d, 2);
        dc_strbuf_append(s, b, 10);
    } else {
        dc_strbuf_printf(s, "%lld-%02d-%02d", (long long)y, m, d);
    }
}

static int unit_digits(dc_time_unit u) { return (int)u * 3; }

/* Time of day: `v` units since midnight. */
static void put_time_of_day(dc_strbuf *s, int64_t v, dc_time_unit unit)
{
    int64_t per = dc_unit_nanos(DC_UNIT_SECOND) / dc_unit_nanos(unit); /* units per second */
    int64_t secs = v / per, frac = v % per;
    char b[32];
    put_padded(b, secs / 3600, 2);
    b[2] = ':';
    put_padded(b + 3, (secs / 60) % 60, 2);
    b[5] = ':';
    put_padded(b + 6, secs % 60, 2);
    int n = 8;
    if (frac) {
        b[n++] = '.';
        put_padded(b + n, frac, unit_digits(unit));
        n += unit_digits(unit);
    }
    dc_strbuf_append(s, b, n);
}

static void put_timestamp(dc_strbuf *s, int64_t v, dc_time_unit unit, bool zoned)
{
    int64_t per_day = 86400LL * (dc_unit_nanos(DC_UNIT_SECOND) / dc_unit_nanos(unit));
    int64_t days = v / per_day, rem = v % per_day;
    if (rem < 0) {
        rem += per_day;
        days--;
    }
    put_date(s, days);
    dc_strbuf_putc(s, ' ');
    put_time_of_day(s, rem, unit);
    if (zoned)
        dc_strbuf_putc(s, 'Z');
}

/* Exact decimal text of a little-endian two's complement integer of `bytes`. */
static void put_decimal(dc_strbuf *s, const uint8_t *p, int32_t bytes, int32_t scale)
{
    uint32_t limbs[8];
    int n = bytes / 4;
    memcpy(limbs, p, (size_t)bytes);
    bool neg = (limbs[n - 1] >> 31) != 0;
    if (neg) {
        uint64_t carry = 1;
        for (int k = 0; k < n; k++) {
            uint64_t x = (uint64_t)(uint32_t)~limbs[k] + carry;
            limbs[k] = (uint32_t)x;
            carry = x >> 32;
        }
    }
    char digits[96];
    int nd = 0;
    for (;;) { /* divide by 1e9 repeatedly */
        bool zero = true;
        uint64_t rem = 0;
        for (int k = n - 1; k >= 0; k--) {
            uint64_t cur = (rem << 32) | limbs[k];
            limbs[k] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
            if (limbs[k])
                zero = false;
        }
        for (int k = 0; k < 9; k++) {
            digits[nd++] = (char)('0' + rem % 10);
            rem /= 10;
        }
        if (zero)
            break;
    }
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (neg)
        dc_strbuf_putc(s, '-');
    if (scale <= 0) {
        for (int k = nd - 1; k >= 0; k--)
            dc_strbuf_putc(s, digits[k]);
        for (int k = 0; k < -scale && !(nd == 1 && digits[0] == '0'); k++)
            dc_strbuf_putc(s, '0');
        return;
    }
    while (nd <= scale)
        digits[nd++] = '0';
    for (int k = nd - 1; k >= scale; k--)
        dc_strbuf_putc(s, digits[k]);
    dc_strbuf_putc(s, '.');
    for (int k = scale - 1; k >= 0; k--)
        dc_strbuf_putc(s, digits[k]);
}

static void put_hex(dc_strbuf *s, const uint8_t *p, int64_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (int64_t i = 0; i < n; i++) {
        char b[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        dc_strbuf_append(s, b, 2);
    }
}

static void put_base64(dc_strbuf *s, const uint8_t *p, int64_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int64_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char b[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], tbl[v & 63]};
        dc_strbuf_append(s, b, 4);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        char b[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], '=', '='};
        dc_strbuf_append(s, b, 4);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        char b[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], tbl[(v >> 6) & 63], '='};
        dc_strbuf_append(s, b, 4);
    }
}

static void format_value(dc_strbuf *s, const dc_array *a, int64_t i, bool json, int depth);

static void format_nested(dc_strbuf *s, const dc_array *a, int64_t i, int depth)
{
    const dc_type *t = a->type;
    if (depth > 64) {
        dc_strbuf_puts(s, "null");
        return;
    }
    if (t->id == DC_TYPE_STRUCT) {
        dc_strbuf_putc(s, '{');
        for (int32_t c = 0; c < t->n_children; c++) {
            if (c)
                dc_strbuf_putc(s, ',');
            dc_strbuf_putc(s, '"');
            dc_strbuf_json_escape(s, t->children[c].name, (int64_t)strlen(t->children[c].name));
            dc_strbuf_append(s, "\":", 2);
            format_value(s, a->children[c], a->offset + i, true, depth + 1);
        }
        dc_strbuf_putc(s, '}');
        return;
    }
    int64_t st, en;
    dc_array_get_list_range(a, i, &st, &en);
    const dc_array *c = a->children[0];
    if (t->id == DC_TYPE_MAP) {
        const dc_array *keys = c->children[0], *vals = c->children[1];
        bool string_keys = dc_type_is_string(keys->type->id);
        dc_strbuf_putc(s, '{');
        for (int64_t k = st; k < en; k++) {
            if (k > st)
                dc_strbuf_putc(s, ',');
            if (string_keys) {
                format_value(s, keys, c->offset + k, true, depth + 1);
            } else {
                dc_strbuf tmp;
                dc_strbuf_init(&tmp);
                format_value(&tmp, keys, c->offset + k, false, depth + 1);
                dc_strbuf_putc(s, '"');
                dc_strbuf_json_escape(s, dc_strbuf_cstr(&tmp), tmp.len);
                dc_strbuf_putc(s, '"');
                if (tmp.failed)
                    s->failed = true;
                dc_strbuf_free(&tmp);
            }
            dc_strbuf_putc(s, ':');
            format_value(s, vals, c->offset + k, true, depth + 1);
        }
        dc_strbuf_putc(s, '}');
        return;
    }
    dc_strbuf_putc(s, '[');
    for (int64_t k = st; k < en; k++) {
        if (k > st)
            dc_strbuf_putc(s, ',');
        format_value(s, c, k, true, depth + 1);
    }
    dc_strbuf_putc(s, ']');
}

static void format_value(dc_strbuf *s, const dc_array *a, int64_t i, bool json, int depth)
{
    const dc_type *t = a->type;
    if (!dc_array_valid(a, i)) {
        if (json)
            dc_strbuf_append(s, "null", 4);
        return;
    }
    int64_t k = a->offset + i, n;
    const uint8_t *p;
    switch (t->id) {
    case DC_TYPE_NULL:
        return;
    case DC_TYPE_BOOL:
        if (dc_bit_get(a->data[1], k))
            dc_strbuf_append(s, "true", 4);
        else
            dc_strbuf_append(s, "false", 5);
        return;
    case DC_TYPE_INT8: case DC_TYPE_INT16: case DC_TYPE_INT32: case DC_TYPE_INT64:
    case DC_TYPE_UINT8: case DC_TYPE_UINT16: case DC_TYPE_UINT32:
        put_int(s, dc_array_get_int(a, i));
        return;
    case DC_TYPE_DURATION:
        put_int(s, dc_array_get_int(a, i));
        if (!json)
            dc_strbuf_puts(s, dc_unit_name(t->unit));
        return;
    case DC_TYPE_UINT64:
        put_uint(s, dc_array_get_uint(a, i));
        return;
    case DC_TYPE_FLOAT16:
    case DC_TYPE_FLOAT32:
    case DC_TYPE_FLOAT64: {
        double v = dc_array_get_double(a, i);
        if (t->id != DC_TYPE_FLOAT64) {
            /* Shortest text for the float, not for its double widening. */
            char buf[32];
            float f = (float)v;
            if (!isnan(f) && !isinf(f)) {
                for (int prec = 6; prec <= 9; prec++) {
                    snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
                    if (strtof(buf, NULL) == f)
                        break;
                }
                v = strtod(buf, NULL);
            }
        }
        put_double(s, v, json);
        return;
    }
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
        put_decimal(s, a->data[1] + k * t->byte_width, t->byte_width, t->scale);
        return;
    case DC_TYPE_DATE32:
    case DC_TYPE_DATE64: {
        int64_t days = dc_array_get_int(a, i);
        if (t->id == DC_TYPE_DATE64)
            days = days >= 0 ? days / 86400000 : -((-days + 86399999) / 86400000);
        if (json)
            dc_strbuf_putc(s, '"');
        put_date(s, days);
        if (json)
            dc_strbuf_putc(s, '"');
        return;
    }
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
        if (json)
            dc_strbuf_putc(s, '"');
        put_time_of_day(s, dc_array_get_int(a, i), t->unit);
        if (json)
            dc_strbuf_putc(s, '"');
        return;
    case DC_TYPE_TIMESTAMP:
        if (json)
            dc_strbuf_putc(s, '"');
        put_timestamp(s, dc_array_get_int(a, i), t->unit, t->timezone != NULL);
        if (json)
            dc_strbuf_putc(s, '"');
        return;
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8:
        p = dc_array_get_bytes(a, i, &n);
        if (json) {
            dc_strbuf_putc(s, '"');
            dc_strbuf_json_escape(s, (const char *)p, n);
            dc_strbuf_putc(s, '"');
        } else {
            dc_strbuf_append(s, (const char *)p, n);
        }
        return;
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_BINARY:
    case DC_TYPE_FIXED_SIZE_BINARY:
        p = dc_array_get_bytes(a, i, &n);
        if (json) {
            dc_strbuf_putc(s, '"');
            put_base64(s, p, n);
            dc_strbuf_putc(s, '"');
        } else {
            put_hex(s, p, n);
        }
        return;
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST:
    case DC_TYPE_STRUCT:
    case DC_TYPE_MAP:
        format_nested(s, a, i, depth);
        return;
    case DC_TYPE_DICTIONARY: {
        int64_t ix = t->index_type->id == DC_TYPE_UINT64 ? (int64_t)dc_array_get_uint(a, i)
                                                         : dc_array_get_int(a, i);
        format_value(s, a->dictionary, ix, json, depth + 1);
        return;
    }
    default:
        return;
    }
}

void dc_format_value(dc_strbuf *s, const dc_array *a, int64_t i, dc_format_style style)
{
    format_value(s, a, i, style == DC_STYLE_JSON, 0);
}

char *dc_value_to_text(const dc_array *a, int64_t i, bool json)
{
    if (i < 0 || i >= a->length || (!json && !dc_array_valid(a, i)))
        return NULL;
    dc_strbuf s;
    dc_strbuf_init(&s);
    format_value(&s, a, i, json, 0);
    if (s.failed) {
        dc_strbuf_free(&s);
        return NULL;
    }
    return dc_strbuf_detach(&s);
}
