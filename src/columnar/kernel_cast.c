/*
 * kernel_cast.c: casts between types (see dc_cast in columnar_int.h for the
 * supported pairs) and the widening relation dc_type_widens_to.
 *
 * Numbers go through one of three carriers: a 128-bit integer (every integer,
 * bool and raw temporal value fits), a double, or a 256-bit decimal with its
 * scale. Each writer checks what the target can hold and says what went
 * wrong; a safe cast turns any problem into DC_ESCHEMA naming the value and
 * row, an unsafe one keeps the wrapped / truncated value or writes a null
 * when no value makes sense (NaN to int, decimal overflow, parse failure).
 */
#include "columnar/kernel_int.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>

typedef __int128 i128;

/* What a writer reports. */
enum {
    C_OK = 0,
    C_LOST,     /* digits lost; the truncated value was written */
    C_WRAP,     /* out of range; a wrapped / infinite value was written */
    C_OVERFLOW, /* out of range; nothing sensible to write: null when unsafe */
    C_PARSE,    /* text is not a value of the type: null when unsafe */
    C_INVALID,  /* bytes are not UTF-8: null when unsafe */
};

typedef struct cast_ctx {
    const dc_array *a;
    const dc_type *to;
    bool safe;
    dc_error *err;
    dc_buffer *validity; /* NULL while every row is valid */
    int64_t nulls;
} cast_ctx;

static const char *problem_text(int code)
{
    switch (code) {
    case C_LOST: return "the value would lose digits";
    case C_WRAP:
    case C_OVERFLOW: return "the value is out of range of the target type";
    case C_PARSE: return "the text is not a valid value of the target type";
    case C_INVALID: return "the bytes are not valid UTF-8";
    default: return "unknown problem";
    }
}

/* DC_ESCHEMA naming element i of `a`, the types and the problem. */
static dc_status value_error(cast_ctx *c, int64_t i, int code)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_format_value(&s, c->a, i, DC_STYLE_TEXT);
    char *from = dc_type_to_string(c->a->type), *to = dc_type_to_string(c->to);
    dc_status rc = dc_error_set(c->err, DC_ESCHEMA,
                                "cannot cast '%.200s' (row %" PRId64 ") from %s to %s: %s; fix the "
                                "data, pick a wider type or cast unsafely",
                                dc_strbuf_cstr(&s), i, from ? from : "?", to ? to : "?",
                                problem_text(code));
    dc_strbuf_free(&s);
    dc_free(from);
    dc_free(to);
    return rc;
}

/* Set up the result validity as a copy of the input's. */
static dc_status ctx_init(cast_ctx *c, const dc_array *a, const dc_type *to, bool safe,
                          dc_error *err)
{
    c->a = a;
    c->to = to;
    c->safe = safe;
    c->err = err;
    c->validity = NULL;
    c->nulls = a->type->id == DC_TYPE_NULL ? a->length : a->null_count;
    return dc_kernel__copy_validity(&c->validity, a, err);
}

static dc_status set_null(cast_ctx *c, int64_t k)
{
    if (!c->validity) {
        c->validity = dc_buffer_new(dc_kernel__bitmap_bytes(c->a->length), true);
        if (!c->validity)
            return dc_error_nomem(c->err);
        dc_kernel__bits_set_range(c->validity->data, 0, c->a->length);
    }
    if (dc_bit_get(c->validity->data, k)) {
        dc_bit_clear(c->validity->data, k);
        c->nulls++;
    }
    return DC_OK;
}

/* Apply the safe / unsafe policy to a writer's report for row k. */
static inline dc_status settle(cast_ctx *c, int64_t k, int code)
{
    if (DC_LIKELY(code == C_OK))
        return DC_OK;
    if (c->safe)
        return value_error(c, k, code);
    if (code == C_OVERFLOW || code == C_PARSE || code == C_INVALID)
        return set_null(c, k);
    return DC_OK;
}

static inline bool row_valid(const cast_ctx *c, int64_t k)
{
    return !c->validity || dc_bit_get(c->validity->data, k);
}

/* ---- writers ------------------------------------------------------------------- */

static void store_low(uint8_t *dst, int64_t k, int32_t w, uint64_t u)
{
    memcpy(dst + k * w, &u, (size_t)w); /* little-endian hosts only, as Arrow buffers */
}

static void i256_from_i128(dc_i256 *x, i128 v)
{
    dc_i256_from_int64(x, v < 0 ? -1 : 0);
    x->w[0] = (uint64_t)v;
    x->w[1] = (uint64_t)((unsigned __int128)v >> 64);
}

static int put_decimal(uint8_t *dst, int64_t k, const dc_type *to, dc_i256 x, int32_t scale)
{
    bool lost = false;
    if (to->scale > scale) {
        if (dc_i256_mul_pow10(&x, to->scale - scale))
            return C_OVERFLOW;
    } else if (to->scale < scale) {
        dc_i256_div_pow10(&x, scale - to->scale, &lost);
    }
    if (!dc_i256_fits_digits(&x, to->precision))
        return C_OVERFLOW;
    dc_i256_to_bytes(&x, dst + k * to->byte_width, to->byte_width);
    return lost ? C_LOST : C_OK;
}

static int put_half(uint8_t *dst, int64_t k, float f)
{
    uint16_t h = dc_float_to_half(f);
    memcpy(dst + k * 2, &h, 2);
    if (isfinite(f) && fabsf(f) > 65504.0f)
        return C_WRAP;
    return dc_half_to_float(h) == f || isnan(f) ? C_OK : C_LOST;
}

static int put_i128(uint8_t *dst, int64_t k, const dc_type *to, i128 v)
{
    int32_t w = to->byte_width;
    switch (to->id) {
    case DC_TYPE_BOOL: dc_bit_put(dst, k, v != 0); return C_OK;
    case DC_TYPE_INT8:
    case DC_TYPE_INT16:
    case DC_TYPE_INT32:
    case DC_TYPE_INT64:
    case DC_TYPE_DATE32:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP:
    case DC_TYPE_DURATION: {
        i128 hi = ((i128)1 << (8 * w - 1)) - 1, lo = -hi - 1;
        store_low(dst, k, w, (uint64_t)v);
        return v >= lo && v <= hi ? C_OK : C_WRAP;
    }
    case DC_TYPE_UINT8:
    case DC_TYPE_UINT16:
    case DC_TYPE_UINT32:
    case DC_TYPE_UINT64: {
        i128 hi = ((i128)1 << (8 * w)) - 1;
        store_low(dst, k, w, (uint64_t)v);
        return v >= 0 && v <= hi ? C_OK : C_WRAP;
    }
    case DC_TYPE_FLOAT64: {
        double d = (double)v;
        ((double *)(void *)dst)[k] = d;
        return (i128)d == v ? C_OK : C_LOST;
    }
    case DC_TYPE_FLOAT32: {
        float f = (float)v;
        ((float *)(void *)dst)[k] = f;
        return (i128)f == v ? C_OK : C_LOST;
    }
    case DC_TYPE_FLOAT16: {
        float f = (float)v;
        int r = put_half(dst, k, f);
        return r == C_OK && (i128)f != v ? C_LOST : r;
    }
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256: {
        dc_i256 x;
        i256_from_i128(&x, v);
        return put_decimal(dst, k, to, x, 0);
    }
    default: return C_OVERFLOW;
    }
}

static int put_f64(uint8_t *dst, int64_t k, const dc_type *to, double d)
{
    switch (to->id) {
    case DC_TYPE_BOOL: dc_bit_put(dst, k, d != 0); return C_OK;
    case DC_TYPE_FLOAT64: ((double *)(void *)dst)[k] = d; return C_OK;
    case DC_TYPE_FLOAT32:
        if (isfinite(d) && fabs(d) > FLT_MAX) {
            ((float *)(void *)dst)[k] = d > 0 ? INFINITY : -INFINITY;
            return C_WRAP;
        }
        ((float *)(void *)dst)[k] = (float)d;
        return C_OK;
    case DC_TYPE_FLOAT16:
        if (isfinite(d) && fabs(d) > 65504.0)
            return put_half(dst, k, d > 0 ? INFINITY : -INFINITY) == C_OK ? C_WRAP : C_WRAP;
        put_half(dst, k, (float)d);
        return C_OK; /* float narrowing rounds, as every engine does */
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256: {
        if (!isfinite(d))
            return C_OVERFLOW;
        double scaled = d * pow(10, to->scale), r = round(scaled);
        bool lost = fabs(scaled - r) > 1e-9 * fmax(1.0, fabs(r));
        dc_i256 x;
        if (!dc_i256_from_double(&x, r) || !dc_i256_fits_digits(&x, to->precision))
            return C_OVERFLOW;
        dc_i256_to_bytes(&x, dst + k * to->byte_width, to->byte_width);
        return lost ? C_LOST : C_OK;
    }
    default: {
        /* Integers and raw temporal values. */
        if (!isfinite(d))
            return C_OVERFLOW;
        double t = trunc(d);
        int32_t bits = 8 * to->byte_width;
        bool is_unsigned = dc_type_is_unsigned_integer(to->id);
        double lo = is_unsigned ? 0 : -ldexp(1, bits - 1);
        double hi = ldexp(1, is_unsigned ? bits : bits - 1);
        if (t < lo || t >= hi)
            return C_OVERFLOW;
        int r = put_i128(dst, k, to, (i128)t);
        return r == C_OK && t != d ? C_LOST : r;
    }
    }
}

/* From a decimal value x with `scale`. */
static int put_from_decimal(uint8_t *dst, int64_t k, const dc_type *to, const dc_i256 *x,
                            int32_t scale)
{
    if (dc_type_is_decimal(to->id))
        return put_decimal(dst, k, to, *x, scale);
    if (dc_type_is_floating(to->id)) {
        double d = dc_i256_to_double(x);
        d = scale >= 0 ? d / pow(10, scale) : d * pow(10, -scale);
        return put_f64(dst, k, to, d);
    }
    dc_i256 y = *x;
    bool lost = false;
    if (scale > 0)
        dc_i256_div_pow10(&y, scale, &lost);
    else if (scale < 0 && dc_i256_mul_pow10(&y, -scale))
        return C_OVERFLOW;
    int64_t s;
    uint64_t u;
    i128 v;
    if (dc_i256_to_int64(&y, &s))
        v = s;
    else if (dc_i256_to_uint64(&y, &u))
        v = (i128)u;
    else
        return C_OVERFLOW;
    int r = put_i128(dst, k, to, v);
    return r == C_OK && lost ? C_LOST : r;
}

/* ---- numeric casts ----------------------------------------------------------------- */

static bool is_number(dc_type_id id)
{
    return id == DC_TYPE_BOOL || dc_type_is_integer(id) || dc_type_is_floating(id) ||
           dc_type_is_decimal(id);
}

/* A new value buffer for `n` rows of `to` (bits for BOOL). */
static dc_buffer *value_buffer(const dc_type *to, int64_t n)
{
    if (to->id == DC_TYPE_BOOL)
        return dc_buffer_new(dc_kernel__bitmap_bytes(n), true);
    return dc_buffer_new(n * to->byte_width, true);
}

#define WIDEN_LOOP(T1, T2)                                                                         \
    do {                                                                                           \
        const T1 *s_ = (const T1 *)(const void *)a->data[1] + a->offset;                           \
        T2 *d_ = (T2 *)(void *)dst;                                                                \
        for (int64_t k = 0; k < n; k++)                                                            \
            d_[k] = (T2)s_[k];                                                                     \
    } while (0)
#define WIDEN_FROM(T2)                                                                             \
    switch (a->type->id) {                                                                         \
    case DC_TYPE_INT8: WIDEN_LOOP(int8_t, T2); return true;                                        \
    case DC_TYPE_INT16: WIDEN_LOOP(int16_t, T2); return true;                                      \
    case DC_TYPE_INT32: WIDEN_LOOP(int32_t, T2); return true;                                      \
    case DC_TYPE_INT64: WIDEN_LOOP(int64_t, T2); return true;                                      \
    case DC_TYPE_UINT8: WIDEN_LOOP(uint8_t, T2); return true;                                      \
    case DC_TYPE_UINT16: WIDEN_LOOP(uint16_t, T2); return true;                                    \
    case DC_TYPE_UINT32: WIDEN_LOOP(uint32_t, T2); return true;                                    \
    case DC_TYPE_UINT64: WIDEN_LOOP(uint64_t, T2); return true;                                    \
    case DC_TYPE_FLOAT32: WIDEN_LOOP(float, T2); return true;                                      \
    case DC_TYPE_FLOAT64: WIDEN_LOOP(double, T2); return true;                                     \
    default: return false;                                                                         \
    }

/* Lossless primitive conversions as plain loops; false when there is none. */
static bool widen_fast(uint8_t *dst, const dc_array *a, const dc_type *to, int64_t n)
{
    if (n == 0 || !dc_type_widens_to(a->type, to))
        return false;
    switch (to->id) {
    case DC_TYPE_INT16: WIDEN_FROM(int16_t);
    case DC_TYPE_INT32: WIDEN_FROM(int32_t);
    case DC_TYPE_INT64: WIDEN_FROM(int64_t);
    case DC_TYPE_UINT16: WIDEN_FROM(uint16_t);
    case DC_TYPE_UINT32: WIDEN_FROM(uint32_t);
    case DC_TYPE_UINT64: WIDEN_FROM(uint64_t);
    case DC_TYPE_FLOAT32: WIDEN_FROM(float);
    case DC_TYPE_FLOAT64: WIDEN_FROM(double);
    default: return false;
    }
}

/*
 * Numbers (bool, ints, floats, decimals) to numbers, and integers to / from
 * the raw values of temporal types.
 */
static dc_status cast_numeric(dc_array **out, cast_ctx *c)
{
    dc_status rc = DC_OK;
    const dc_array *a = c->a;
    const dc_type *from = a->type, *to = c->to;
    int64_t n = a->length;
    dc_buffer *bufs[2] = {NULL, NULL};
    bufs[1] = value_buffer(to, n);
    DC_TRY_ALLOC(bufs[1], c->err);
    uint8_t *dst = bufs[1]->data;
    if (!widen_fast(dst, a, to, n)) {
        for (int64_t k = 0; k < n; k++) {
            if (!row_valid(c, k))
                continue;
            int r;
            if (dc_type_is_floating(from->id)) {
                r = put_f64(dst, k, to, dc_array_get_double(a, k));
            } else if (dc_type_is_decimal(from->id)) {
                dc_i256 x;
                dc_i256_from_bytes(&x, a->data[1] + (a->offset + k) * from->byte_width,
                                   from->byte_width);
                r = put_from_decimal(dst, k, to, &x, from->scale);
            } else if (from->id == DC_TYPE_UINT64) {
                r = put_i128(dst, k, to,
                             (i128)((const uint64_t *)(const void *)a->data[1])[a->offset + k]);
            } else {
                r = put_i128(dst, k, to, dc_kernel__raw_int(a, k));
            }
            DC_TRY(settle(c, k, r));
        }
    }
    bufs[0] = dc_buffer_ref(c->validity);
    rc = dc_kernel__make(out, to, n, c->nulls, bufs, 2, NULL, 0, NULL, c->err);
cleanup:
    dc_buffer_unref(bufs[0]);
    dc_buffer_unref(bufs[1]);
    return rc;
}

/* ---- temporal casts ---------------------------------------------------------------- */

static int temporal_family(dc_type_id id)
{
    switch (id) {
    case DC_TYPE_DATE32:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIMESTAMP: return 1;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64: return 2;
    case DC_TYPE_DURATION: return 3;
    default: return 0;
    }
}

static inline i128 floor_div(i128 x, i128 d)
{
    i128 q = x / d;
    return (x % d != 0 && (x < 0) != (d < 0)) ? q - 1 : q;
}

/* Between units and between dates and timestamps: by instant, flooring when coarser. */
static dc_status cast_temporal(dc_array **out, cast_ctx *c)
{
    dc_status rc = DC_OK;
    const dc_array *a = c->a;
    const dc_type *to = c->to;
    int64_t n = a->length;
    int64_t f_from = dc_kernel__temporal_nanos(a->type), f_to = dc_kernel__temporal_nanos(to);
    bool to_date = to->id == DC_TYPE_DATE32 || to->id == DC_TYPE_DATE64;
    dc_buffer *bufs[2] = {NULL, NULL};
    bufs[1] = value_buffer(to, n);
    DC_TRY_ALLOC(bufs[1], c->err);
    for (int64_t k = 0; k < n; k++) {
        if (!row_valid(c, k))
            continue;
        i128 v = (i128)dc_kernel__raw_int(a, k) * f_from;
        i128 q = floor_div(v, f_to);
        int r = put_i128(bufs[1]->data, k, to, q);
        if (r == C_OK && !to_date && q * f_to != v)
            r = C_LOST;
        DC_TRY(settle(c, k, r));
    }
    bufs[0] = dc_buffer_ref(c->validity);
    rc = dc_kernel__make(out, to, n, c->nulls, bufs, 2, NULL, 0, NULL, c->err);
cleanup:
    dc_buffer_unref(bufs[0]);
    dc_buffer_unref(bufs[1]);
    return rc;
}

/* ---- strings and binary ------------------------------------------------------------ */

/*
 * Between UTF8, BINARY and their LARGE_ forms: the data buffer is shared, the
 * offsets reused (same width) or widened / narrowed. Binary to UTF8 checks
 * every value is UTF-8.
 */
static dc_status cast_binary_like(dc_array **out, cast_ctx *c)
{
    dc_status rc = DC_OK;
    const dc_array *a = c->a;
    const dc_type *to = c->to;
    int64_t n = a->length;
    dc_buffer *bufs[3] = {NULL, NULL, NULL};
    if (dc_type_is_string(to->id) && !dc_type_is_string(a->type->id)) {
        for (int64_t k = 0; k < n; k++) {
            if (!row_valid(c, k))
                continue;
            int64_t len;
            const uint8_t *p = dc_kernel__bytes(a, k, &len);
            if (!dc_utf8_valid((const char *)p, len))
                DC_TRY(settle(c, k, C_INVALID));
        }
    }
    bool large_from = dc_type_has_offsets64(a->type->id), large_to = dc_type_has_offsets64(to->id);
    if (large_from == large_to && c->nulls == a->null_count) {
        /* Zero copy: the same buffers under another type. */
        return dc_array_make(out, to, n, a->offset, a->null_count, a->buffers, 3, NULL, 0, NULL,
                             c->err);
    }
    if (n == 0)
        return dc_kernel__empty(out, to, c->err);
    int64_t last = dc_kernel__off(a, a->offset + n);
    if (!large_to && last > INT32_MAX) {
        rc = dc_error_set(c->err, DC_EINVALID,
                          "cast to %s: %" PRId64 " bytes of data exceed 32-bit offsets; keep "
                          "the large_ type",
                          dc_type_id_name(to->id), last);
        goto cleanup;
    }
    if (large_from == large_to) {
        bufs[1] = dc_buffer_ref(a->buffers[1]);
        bufs[2] = dc_buffer_ref(a->buffers[2]);
        bufs[0] = c->validity ? dc_buffer_new(dc_kernel__bitmap_bytes(a->offset + n), true) : NULL;
        if (bufs[0])
            dc_kernel__bits_copy(bufs[0]->data, a->offset, c->validity->data, 0, n);
        if (c->validity && !bufs[0]) {
            rc = dc_error_nomem(c->err);
            goto cleanup;
        }
        rc = dc_array_make(out, to, n, a->offset, c->nulls, bufs, 3, NULL, 0, NULL, c->err);
        goto cleanup;
    }
    bufs[1] = dc_buffer_new((n + 1) * (large_to ? 8 : 4), false);
    DC_TRY_ALLOC(bufs[1], c->err);
    for (int64_t k = 0; k <= n; k++) {
        int64_t o = dc_kernel__off(a, a->offset + k);
        if (large_to)
            ((int64_t *)(void *)bufs[1]->data)[k] = o;
        else
            ((int32_t *)(void *)bufs[1]->data)[k] = (int32_t)o;
    }
    bufs[2] = a->buffers[2] ? dc_buffer_ref(a->buffers[2]) : dc_buffer_new(0, true);
    DC_TRY_ALLOC(bufs[2], c->err);
    bufs[0] = dc_buffer_ref(c->validity);
    rc = dc_kernel__make(out, to, n, c->nulls, bufs, 3, NULL, 0, NULL, c->err);
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    return rc;
}

/* Offsets + data builder for string results. */
typedef struct str_out {
    dc_bytes offsets;
    dc_bytes data;
    bool large;
} str_out;

static dc_status str_out_push(str_out *s, const void *p, int64_t n, dc_error *err)
{
    if (dc_bytes_append(&s->data, p, n) != DC_OK)
        return dc_error_nomem(err);
    if (!s->large && s->data.size > INT32_MAX)
        return dc_error_set(err, DC_EINVALID,
                            "cast: more than 2 GiB of text; cast to large_utf8 instead");
    int64_t o64 = s->data.size;
    int32_t o32 = (int32_t)o64;
    if (dc_bytes_append(&s->offsets, s->large ? (const void *)&o64 : (const void *)&o32,
                        s->large ? 8 : 4) != DC_OK)
        return dc_error_nomem(err);
    return DC_OK;
}

static dc_status str_out_finish(str_out *s, dc_array **out, cast_ctx *c)
{
    dc_buffer *bufs[3] = {dc_buffer_ref(c->validity), dc_bytes_finish(&s->offsets),
                          dc_bytes_finish(&s->data)};
    return dc_kernel__make(out, c->to, c->a->length, c->nulls, bufs, 3, NULL, 0, NULL, c->err);
}

/* Anything with a text form to UTF8 / LARGE_UTF8 (TEXT style); binary-likes to BINARY. */
static dc_status cast_to_text(dc_array **out, cast_ctx *c)
{
    dc_status rc = DC_OK;
    str_out s;
    dc_strbuf sb;
    dc_bytes_init(&s.offsets);
    dc_bytes_init(&s.data);
    dc_strbuf_init(&sb);
    s.large = dc_type_has_offsets64(c->to->id);
    int32_t zero32 = 0;
    int64_t zero64 = 0;
    if (dc_bytes_append(&s.offsets, s.large ? (const void *)&zero64 : (const void *)&zero32,
                        s.large ? 8 : 4) != DC_OK ||
        dc_bytes_reserve(&s.offsets, (c->a->length + 1) * (s.large ? 8 : 4)) != DC_OK) {
        rc = dc_error_nomem(c->err);
        goto cleanup;
    }
    for (int64_t k = 0; k < c->a->length; k++) {
        if (!row_valid(c, k)) {
            DC_TRY(str_out_push(&s, NULL, 0, c->err));
            continue;
        }
        if (c->a->type->id == DC_TYPE_FIXED_SIZE_BINARY) {
            int32_t w = c->a->type->byte_width;
            DC_TRY(str_out_push(&s, c->a->data[1] + (c->a->offset + k) * w, w, c->err));
            continue;
        }
        dc_strbuf_clear(&sb);
        dc_format_value(&sb, c->a, k, DC_STYLE_TEXT);
        if (dc_strbuf_status(&sb) != DC_OK) {
            rc = dc_error_nomem(c->err);
            goto cleanup;
        }
        DC_TRY(str_out_push(&s, sb.data, sb.len, c->err));
    }
    rc = str_out_finish(&s, out, c);
cleanup:
    dc_bytes_free(&s.offsets);
    dc_bytes_free(&s.data);
    dc_strbuf_free(&sb);
    return rc;
}

/* A duration: an integer count of the type's unit, or with a unit suffix ("90s", "5ms"). */
static int parse_duration(uint8_t *dst, int64_t k, const dc_type *to, const char *p, int64_t len)
{
    int64_t v, from_nanos = dc_unit_nanos(to->unit);
    static const char *const suffix[] = {"ns", "us", "ms", "s"};
    static const dc_time_unit units[] = {DC_UNIT_NANO, DC_UNIT_MICRO, DC_UNIT_MILLI,
                                         DC_UNIT_SECOND};
    for (int u = 0; u < 4; u++) {
        int64_t sl = (int64_t)strlen(suffix[u]);
        if (len > sl && memcmp(p + len - sl, suffix[u], (size_t)sl) == 0 &&
            (p[len - sl - 1] >= '0' && p[len - sl - 1] <= '9')) {
            len -= sl;
            from_nanos = dc_unit_nanos(units[u]);
            break;
        }
    }
    if (!dc_parse_int64(p, len, &v))
        return C_PARSE;
    i128 ns = (i128)v * from_nanos, unit = dc_unit_nanos(to->unit);
    if (ns % unit != 0)
        return C_PARSE;
    return put_i128(dst, k, to, ns / unit) == C_OK ? C_OK : C_OVERFLOW;
}

/* Parse one text value into row k of the value buffer. */
static int parse_one(uint8_t *dst, int64_t k, const dc_type *to, const char *p, int64_t len);

bool dc_kernel__parse_text(uint8_t *dst, int64_t k, const dc_type *to, const char *p, int64_t len)
{
    return parse_one(dst, k, to, p, len) == C_OK;
}

static int parse_one(uint8_t *dst, int64_t k, const dc_type *to, const char *p, int64_t len)
{
    switch (to->id) {
    case DC_TYPE_BOOL: {
        bool b;
        if (!dc_parse_bool(p, len, &b))
            return C_PARSE;
        dc_bit_put(dst, k, b);
        return C_OK;
    }
    case DC_TYPE_DURATION:
        return parse_duration(dst, k, to, p, len);
    case DC_TYPE_INT8:
    case DC_TYPE_INT16:
    case DC_TYPE_INT32:
    case DC_TYPE_INT64: {
        int64_t v;
        if (!dc_parse_int64(p, len, &v)) {
            uint64_t u;
            return dc_parse_uint64(p, len, &u) ? C_OVERFLOW : C_PARSE;
        }
        return put_i128(dst, k, to, v) == C_OK ? C_OK : C_OVERFLOW;
    }
    case DC_TYPE_UINT8:
    case DC_TYPE_UINT16:
    case DC_TYPE_UINT32:
    case DC_TYPE_UINT64: {
        uint64_t u;
        if (!dc_parse_uint64(p, len, &u)) {
            int64_t v;
            return dc_parse_int64(p, len, &v) ? C_OVERFLOW : C_PARSE;
        }
        return put_i128(dst, k, to, (i128)u) == C_OK ? C_OK : C_OVERFLOW;
    }
    case DC_TYPE_FLOAT16:
    case DC_TYPE_FLOAT32:
    case DC_TYPE_FLOAT64: {
        double d;
        if (!dc_parse_double(p, len, &d))
            return C_PARSE;
        return put_f64(dst, k, to, d) == C_OK ? C_OK : C_OVERFLOW;
    }
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
        if (!dc_parse_decimal(p, len, to->precision, to->scale, to->byte_width,
                              dst + k * to->byte_width))
            return C_PARSE;
        return C_OK;
    case DC_TYPE_DATE32: {
        int32_t days;
        if (!dc_parse_date32(p, len, &days))
            return C_PARSE;
        ((int32_t *)(void *)dst)[k] = days;
        return C_OK;
    }
    case DC_TYPE_DATE64: {
        int32_t days;
        int64_t ms;
        bool zone;
        if (dc_parse_date32(p, len, &days))
            ms = (int64_t)days * 86400000LL;
        else if (!dc_parse_timestamp(p, len, DC_UNIT_MILLI, &ms, &zone))
            return C_PARSE;
        ((int64_t *)(void *)dst)[k] = ms;
        return C_OK;
    }
    case DC_TYPE_TIMESTAMP: {
        int64_t v;
        bool zone;
        if (!dc_parse_timestamp(p, len, to->unit, &v, &zone))
            return C_PARSE;
        ((int64_t *)(void *)dst)[k] = v;
        return C_OK;
    }
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64: {
        int64_t v;
        if (!dc_parse_time(p, len, to->unit, &v))
            return C_PARSE;
        return put_i128(dst, k, to, v) == C_OK ? C_OK : C_OVERFLOW;
    }
    case DC_TYPE_FIXED_SIZE_BINARY:
        if (len != to->byte_width)
            return C_PARSE;
        if (len)
            memcpy(dst + k * len, p, (size_t)len);
        return C_OK;
    default: return C_PARSE;
    }
}

static bool parsable(dc_type_id id)
{
    return is_number(id) || dc_type_is_temporal(id) || id == DC_TYPE_FIXED_SIZE_BINARY;
}

/* Text (UTF8 / LARGE_UTF8, or binary) to a parsable type with the dc_parse_* functions. */
static dc_status cast_parse(dc_array **out, cast_ctx *c)
{
    dc_status rc = DC_OK;
    const dc_array *a = c->a;
    int64_t n = a->length;
    dc_buffer *bufs[2] = {NULL, NULL};
    bufs[1] = value_buffer(c->to, n);
    DC_TRY_ALLOC(bufs[1], c->err);
    for (int64_t k = 0; k < n; k++) {
        if (!row_valid(c, k))
            continue;
        int64_t len;
        const uint8_t *p = dc_kernel__bytes(a, k, &len);
        DC_TRY(settle(c, k, parse_one(bufs[1]->data, k, c->to, (const char *)p, len)));
    }
    bufs[0] = dc_buffer_ref(c->validity);
    rc = dc_kernel__make(out, c->to, n, c->nulls, bufs, 2, NULL, 0, NULL, c->err);
cleanup:
    dc_buffer_unref(bufs[0]);
    dc_buffer_unref(bufs[1]);
    return rc;
}

/* ---- nested ------------------------------------------------------------------------- */

static dc_status no_cast_sizes(const dc_type *from, const dc_type *to, dc_error *err)
{
    return dc_error_set(err, DC_ESCHEMA,
                        "no cast from fixed_size_list of %d values to one of %d values",
                        from->list_size, to->list_size);
}

/* LIST / LARGE_LIST / FIXED_SIZE_LIST / MAP to LIST / LARGE_LIST / MAP: elements cast. */
static dc_status cast_list(dc_array **out, cast_ctx *c)
{
    dc_status rc = DC_OK;
    const dc_array *a = c->a;
    const dc_type *to = c->to;
    int64_t n = a->length, cs = 0, ce = 0, s, e;
    dc_buffer *bufs[2] = {NULL, NULL};
    dc_array *child = NULL, *kids[1] = {NULL};
    bool large = to->id == DC_TYPE_LARGE_LIST;
    if (n > 0) {
        dc_kernel__list_range(a, 0, &cs, &e);
        dc_kernel__list_range(a, n - 1, &s, &ce);
    }
    if (!large && ce - cs > INT32_MAX) {
        rc = dc_error_set(c->err, DC_EINVALID,
                          "cast to %s: %" PRId64 " elements exceed 32-bit offsets; cast to "
                          "large_list",
                          dc_type_id_name(to->id), ce - cs);
        goto cleanup;
    }
    DC_TRY(dc_array_slice(&child, a->children[0], cs, ce - cs, c->err));
    DC_TRY(dc_cast(&kids[0], child, to->children[0].type, c->safe, c->err));
    bufs[1] = dc_buffer_new((n + 1) * (large ? 8 : 4), false);
    DC_TRY_ALLOC(bufs[1], c->err);
    for (int64_t k = 0; k <= n; k++) {
        int64_t o;
        if (k < n)
            dc_kernel__list_range(a, k, &o, &e);
        else
            o = ce;
        if (large)
            ((int64_t *)(void *)bufs[1]->data)[k] = o - cs;
        else
            ((int32_t *)(void *)bufs[1]->data)[k] = (int32_t)(o - cs);
    }
    bufs[0] = dc_buffer_ref(c->validity);
    rc = dc_kernel__make(out, to, n, c->nulls, bufs, 2, kids, 1, NULL, c->err);
cleanup:
    dc_buffer_unref(bufs[0]);
    dc_buffer_unref(bufs[1]);
    dc_array_unref(kids[0]);
    dc_array_unref(child);
    return rc;
}

/* FIXED_SIZE_LIST to FIXED_SIZE_LIST of the same size: the elements cast. */
static dc_status cast_fixed_list(dc_array **out, cast_ctx *c)
{
    dc_status rc = DC_OK;
    const dc_array *a = c->a;
    int64_t w = a->type->list_size;
    dc_buffer *bufs[1] = {NULL};
    dc_array *child = NULL, *kids[1] = {NULL};
    if (c->to->list_size != w)
        return no_cast_sizes(a->type, c->to, c->err);
    DC_TRY(dc_array_slice(&child, a->children[0], a->offset * w, a->length * w, c->err));
    DC_TRY(dc_cast(&kids[0], child, c->to->children[0].type, c->safe, c->err));
    bufs[0] = dc_buffer_ref(c->validity);
    rc = dc_kernel__make(out, c->to, a->length, c->nulls, bufs, 1, kids, 1, NULL, c->err);
cleanup:
    dc_buffer_unref(bufs[0]);
    dc_array_unref(kids[0]);
    dc_array_unref(child);
    return rc;
}

/* STRUCT to STRUCT by field name; fields the input lacks become null. */
static dc_status cast_struct(dc_array **out, cast_ctx *c)
{
    dc_status rc = DC_OK;
    const dc_array *a = c->a;
    const dc_type *from = a->type, *to = c->to;
    int32_t nk = to->n_children;
    dc_array **kids = dc_calloc((size_t)(nk ? nk : 1), sizeof *kids), *part = NULL;
    dc_buffer *bufs[1] = {NULL};
    DC_TRY_ALLOC(kids, c->err);
    for (int32_t f = 0; f < nk; f++) {
        int32_t src = -1;
        for (int32_t g = 0; g < from->n_children && src < 0; g++) {
            if (strcmp(from->children[g].name, to->children[f].name) == 0)
                src = g;
        }
        if (src < 0) {
            DC_TRY(dc_array_new_null(&kids[f], to->children[f].type, a->length, c->err));
            continue;
        }
        DC_TRY(dc_array_slice(&part, a->children[src], a->offset, a->length, c->err));
        rc = dc_cast(&kids[f], part, to->children[f].type, c->safe, c->err);
        dc_array_unref(part);
        part = NULL;
        if (rc != DC_OK) {
            dc_error_prefix(c->err, "field %s: ", to->children[f].name);
            goto cleanup;
        }
    }
    bufs[0] = dc_buffer_ref(c->validity);
    rc = dc_kernel__make(out, to, a->length, c->nulls, bufs, 1, kids, nk, NULL, c->err);
cleanup:
    dc_buffer_unref(bufs[0]);
    if (kids) {
        for (int32_t f = 0; f < nk; f++)
            dc_array_unref(kids[f]);
        dc_free(kids);
    }
    return rc;
}

/* DICTIONARY to anything: the dictionary's values gathered, then cast. */
static dc_status cast_from_dictionary(dc_array **out, const dc_array *a, const dc_type *to,
                                      bool safe, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array *decoded = NULL;
    int64_t n = a->length, dn = a->dictionary->length;
    int64_t *idx = dc_malloc((size_t)(n ? n : 1) * sizeof *idx);
    bool any_neg = false;
    DC_TRY_ALLOC(idx, err);
    for (int64_t k = 0; k < n; k++) {
        if (!dc_array_valid(a, k)) {
            idx[k] = -1;
            any_neg = true;
            continue;
        }
        idx[k] = dc_kernel__dict_index(a, k);
        if (idx[k] < 0 || idx[k] >= dn) {
            rc = dc_error_set(err, DC_ECORRUPT,
                              "dictionary index %" PRId64 " at row %" PRId64
                              " is outside the dictionary of %" PRId64 " values",
                              idx[k], k, dn);
            goto cleanup;
        }
    }
    DC_TRY(dc_kernel__take(&decoded, a->dictionary, idx, n, any_neg, err));
    rc = dc_cast(out, decoded, to, safe, err);
cleanup:
    dc_free(idx);
    dc_array_unref(decoded);
    return rc;
}

/* Anything castable to the value type, then dictionary-encoded (first occurrence order). */
static dc_status cast_to_dictionary(dc_array **out, const dc_array *a, const dc_type *to,
                                    bool safe, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array *values = NULL, *dict = NULL;
    int64_t *uniq = NULL, *codes = NULL, n_uniq = 0;
    dc_buffer *bufs[2] = {NULL, NULL};
    DC_TRY(dc_cast(&values, a, to->value_type, safe, err));
    int64_t n = values->length;
    codes = dc_malloc((size_t)(n ? n : 1) * sizeof *codes);
    DC_TRY_ALLOC(codes, err);
    DC_TRY(dc_kernel__unique(&uniq, &n_uniq, codes, values, true, err));
    DC_TRY(dc_kernel__check_index_capacity(to->index_type, n_uniq, err));
    DC_TRY(dc_kernel__take(&dict, values, uniq, n_uniq, false, err));
    int32_t w = to->index_type->byte_width;
    bufs[1] = dc_buffer_new(n * w, true);
    DC_TRY_ALLOC(bufs[1], err);
    for (int64_t k = 0; k < n; k++) {
        if (codes[k] >= 0)
            store_low(bufs[1]->data, k, w, (uint64_t)codes[k]);
    }
    DC_TRY(dc_kernel__copy_validity(&bufs[0], values, err));
    rc = dc_kernel__make(out, to, n, values->type->id == DC_TYPE_NULL ? n : values->null_count,
                         bufs, 2, NULL, 0, dict, err);
cleanup:
    dc_buffer_unref(bufs[0]);
    dc_buffer_unref(bufs[1]);
    dc_array_unref(values);
    dc_array_unref(dict);
    dc_free(uniq);
    dc_free(codes);
    return rc;
}

static dc_status no_cast(const dc_type *from, const dc_type *to, dc_error *err)
{
    char *f = dc_type_to_string(from), *t = dc_type_to_string(to);
    dc_status rc = dc_error_set(err, DC_ESCHEMA, "no cast from %s to %s", f ? f : "?",
                                t ? t : "?");
    dc_free(f);
    dc_free(t);
    return rc;
}

/*
 * `a` as an array of `to` (pairs and policy in columnar_int.h). Dictionaries
 * are decoded first, anything is dictionary-encoded after a cast to the value
 * type; the other pairs dispatch by family below. DC_ESCHEMA for a pair
 * without a cast or (safe) a value that does not fit; *out NULL on failure.
 * Timestamps carry UTC instants: a zone changes no value, and text without an
 * offset is read as UTC when the target has a zone.
 */
dc_status dc_cast(dc_array **out, const dc_array *a, const dc_type *to, bool safe, dc_error *err)
{
    dc_status rc = DC_OK;
    cast_ctx c = {0};
    const dc_type *from = a->type;
    *out = NULL;
    if (dc_type_equals(from, to))
        return (*out = dc_array_ref(a)) ? DC_OK : dc_error_nomem(err);
    if (from->id == DC_TYPE_NULL)
        return dc_array_new_null(out, to, a->length, err);
    if (from->id == DC_TYPE_DICTIONARY)
        return cast_from_dictionary(out, a, to, safe, err);
    if (to->id == DC_TYPE_DICTIONARY)
        return cast_to_dictionary(out, a, to, safe, err);
    if (to->id == DC_TYPE_NULL) {
        if (safe && a->null_count != a->length)
            return dc_error_set(err, DC_ESCHEMA,
                                "cannot cast %s with %" PRId64 " non-null values to null",
                                dc_type_id_name(from->id), a->length - a->null_count);
        return dc_array_new_null(out, to, a->length, err);
    }
    DC_TRY(ctx_init(&c, a, to, safe, err));
    dc_type_id f = from->id, t = to->id;
    if (dc_type_is_binary_like(f) && dc_type_is_binary_like(t))
        rc = cast_binary_like(out, &c);
    else if (dc_type_is_string(t) ||
             (f == DC_TYPE_FIXED_SIZE_BINARY && (t == DC_TYPE_BINARY || t == DC_TYPE_LARGE_BINARY)))
        rc = cast_to_text(out, &c);
    else if (dc_type_is_binary_like(f) && parsable(t))
        rc = cast_parse(out, &c);
    else if (dc_type_is_string(f) && dc_type_is_nested(t))
        rc = dc_kernel__cast_json(out, a, to, safe, err);
    else if (is_number(f) && is_number(t))
        rc = cast_numeric(out, &c);
    else if ((dc_type_is_integer(f) && dc_type_is_temporal(t)) ||
             (dc_type_is_temporal(f) && dc_type_is_integer(t)))
        rc = cast_numeric(out, &c);
    else if (temporal_family(f) && temporal_family(f) == temporal_family(t))
        rc = cast_temporal(out, &c);
    else if ((f == DC_TYPE_LIST || f == DC_TYPE_LARGE_LIST || f == DC_TYPE_FIXED_SIZE_LIST) &&
             (t == DC_TYPE_LIST || t == DC_TYPE_LARGE_LIST))
        rc = cast_list(out, &c);
    else if (f == DC_TYPE_FIXED_SIZE_LIST && t == DC_TYPE_FIXED_SIZE_LIST)
        rc = cast_fixed_list(out, &c);
    else if (f == DC_TYPE_MAP && t == DC_TYPE_MAP)
        rc = cast_list(out, &c);
    else if (f == DC_TYPE_STRUCT && t == DC_TYPE_STRUCT)
        rc = cast_struct(out, &c);
    else
        rc = no_cast(from, to, err);
cleanup:
    dc_buffer_unref(c.validity);
    return rc;
}

/* ---- widening ------------------------------------------------------------------------ */

static int int_bits(dc_type_id id)
{
    switch (id) {
    case DC_TYPE_INT8:
    case DC_TYPE_UINT8: return 8;
    case DC_TYPE_INT16:
    case DC_TYPE_UINT16: return 16;
    case DC_TYPE_INT32:
    case DC_TYPE_UINT32: return 32;
    default: return 64;
    }
}

/* Decimal digits every value of an integer type fits in. */
static int int_digits(dc_type_id id)
{
    switch (id) {
    case DC_TYPE_INT8:
    case DC_TYPE_UINT8: return 3;
    case DC_TYPE_INT16:
    case DC_TYPE_UINT16: return 5;
    case DC_TYPE_INT32:
    case DC_TYPE_UINT32: return 10;
    case DC_TYPE_INT64: return 19;
    default: return 20;
    }
}

/* Mantissa bits of a float type (an integer of that many bits converts exactly). */
static int float_mantissa(dc_type_id id)
{
    return id == DC_TYPE_FLOAT16 ? 11 : id == DC_TYPE_FLOAT32 ? 24 : 53;
}

static bool same_tz(const dc_type *a, const dc_type *b)
{
    if (!a->timezone || !b->timezone)
        return !a->timezone && !b->timezone;
    return strcmp(a->timezone, b->timezone) == 0;
}

/*
 * True when every value of `from` converts to `to` exactly: integers to wider
 * integers, floats whose mantissa holds them and decimals with room for their
 * digits; floats to wider floats; decimals to decimals with no fewer integer
 * and fraction digits; strings to their large / binary forms; dates to
 * timestamps; temporal values to finer units (timestamps of one zone);
 * lists, maps and structs (by name; new fields nullable) element-wise.
 */
bool dc_type_widens_to(const dc_type *from, const dc_type *to)
{
    if (dc_type_equals(from, to) || from->id == DC_TYPE_NULL)
        return true;
    dc_type_id f = from->id, t = to->id;
    if (f == DC_TYPE_DICTIONARY)
        return dc_type_widens_to(from->value_type, to);
    if (dc_type_is_integer(f)) {
        bool fs = dc_type_is_signed_integer(f);
        int fb = int_bits(f);
        if (dc_type_is_signed_integer(t))
            return fs ? int_bits(t) >= fb : int_bits(t) > fb;
        if (dc_type_is_unsigned_integer(t))
            return !fs && int_bits(t) >= fb;
        if (dc_type_is_floating(t))
            return (fs ? fb - 1 : fb) <= float_mantissa(t);
        if (dc_type_is_decimal(t))
            return to->precision - to->scale >= int_digits(f);
        return false;
    }
    if (dc_type_is_floating(f))
        return dc_type_is_floating(t) && float_mantissa(t) >= float_mantissa(f);
    if (dc_type_is_decimal(f))
        return dc_type_is_decimal(t) && to->scale >= from->scale &&
               to->precision - to->scale >= from->precision - from->scale;
    switch (f) {
    case DC_TYPE_UTF8:
        return t == DC_TYPE_LARGE_UTF8 || t == DC_TYPE_BINARY || t == DC_TYPE_LARGE_BINARY;
    case DC_TYPE_LARGE_UTF8: return t == DC_TYPE_LARGE_BINARY;
    case DC_TYPE_BINARY: return t == DC_TYPE_LARGE_BINARY;
    case DC_TYPE_FIXED_SIZE_BINARY: return t == DC_TYPE_BINARY || t == DC_TYPE_LARGE_BINARY;
    case DC_TYPE_DATE32: return t == DC_TYPE_DATE64 || t == DC_TYPE_TIMESTAMP;
    case DC_TYPE_DATE64: return t == DC_TYPE_TIMESTAMP && to->unit >= DC_UNIT_MILLI;
    case DC_TYPE_TIMESTAMP:
        return t == DC_TYPE_TIMESTAMP && to->unit >= from->unit && same_tz(from, to);
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
        return (t == DC_TYPE_TIME32 || t == DC_TYPE_TIME64) && to->unit >= from->unit;
    case DC_TYPE_DURATION: return t == DC_TYPE_DURATION && to->unit >= from->unit;
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST:
        if (t != DC_TYPE_LARGE_LIST && !(t == DC_TYPE_LIST && f != DC_TYPE_LARGE_LIST))
            return false;
        return (to->children[0].nullable || !from->children[0].nullable) &&
               dc_type_widens_to(from->children[0].type, to->children[0].type);
    case DC_TYPE_MAP:
        return t == DC_TYPE_MAP && dc_type_widens_to(from->children[0].type, to->children[0].type);
    case DC_TYPE_STRUCT: {
        if (t != DC_TYPE_STRUCT)
            return false;
        for (int32_t i = 0; i < to->n_children; i++) {
            const dc_field *tf = &to->children[i];
            const dc_field *ff = NULL;
            for (int32_t j = 0; j < from->n_children && !ff; j++) {
                if (strcmp(from->children[j].name, tf->name) == 0)
                    ff = &from->children[j];
            }
            if (!ff ? !tf->nullable
                    : (!dc_type_widens_to(ff->type, tf->type) || (ff->nullable && !tf->nullable)))
                return false;
        }
        /* Every input field must land somewhere. */
        for (int32_t j = 0; j < from->n_children; j++) {
            bool found = false;
            for (int32_t i = 0; i < to->n_children && !found; i++)
                found = strcmp(from->children[j].name, to->children[i].name) == 0;
            if (!found)
                return false;
        }
        return true;
    }
    default: return false;
    }
}
