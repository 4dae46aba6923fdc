/*
 * kernel_int.h: helpers shared by the columnar kernels (src/columnar/kernel_*.c)
 * and nothing else: bitmap copies at any bit offset, offset access, building
 * result arrays, a 256-bit integer for decimals, and the gather used by take,
 * filter, fill and dictionary decoding.
 */
#ifndef DC_KERNEL_INT_H
#define DC_KERNEL_INT_H

#include "columnar/columnar_int.h"

/* ---- bitmaps ------------------------------------------------------------------- */

/* Copy `n` bits from src[soff..] to dst[doff..] (any alignment, byte-at-a-time). */
void dc_kernel__bits_copy(uint8_t *dst, int64_t doff, const uint8_t *src, int64_t soff, int64_t n);
/* Set bits [off, off+n) of dst. */
void dc_kernel__bits_set_range(uint8_t *dst, int64_t off, int64_t n);

/*
 * The validity of `a` copied into a new bitmap starting at bit 0, or *out NULL
 * when `a` has no null. DC_ENOMEM on failure.
 */
dc_status dc_kernel__copy_validity(dc_buffer **out, const dc_array *a, dc_error *err);

static inline int64_t dc_kernel__bitmap_bytes(int64_t n) { return (n + 7) >> 3; }

/* ---- offsets ------------------------------------------------------------------- */

/* Offset entry k (physical, the array's offset already added by the caller). */
static inline int64_t dc_kernel__off(const dc_array *a, int64_t k)
{
    if (dc_type_has_offsets64(a->type->id))
        return ((const int64_t *)(const void *)a->data[1])[k];
    return ((const int32_t *)(const void *)a->data[1])[k];
}

/* The child range of list-like element i (LIST, LARGE_LIST, MAP, FIXED_SIZE_LIST). */
static inline void dc_kernel__list_range(const dc_array *a, int64_t i, int64_t *s, int64_t *e)
{
    if (a->type->id == DC_TYPE_FIXED_SIZE_LIST) {
        int64_t w = a->type->list_size;
        *s = (a->offset + i) * w;
        *e = *s + w;
        return;
    }
    *s = dc_kernel__off(a, a->offset + i);
    *e = dc_kernel__off(a, a->offset + i + 1);
}

/* The bytes of binary-like element i (UTF8, BINARY and LARGE_ forms). */
static inline const uint8_t *dc_kernel__bytes(const dc_array *a, int64_t i, int64_t *len)
{
    int64_t s = dc_kernel__off(a, a->offset + i);
    *len = dc_kernel__off(a, a->offset + i + 1) - s;
    return a->data[2] ? a->data[2] + s : (const uint8_t *)"";
}

/* ---- results ------------------------------------------------------------------- */

/*
 * dc_array_make() for a result at offset 0, then give up the caller's
 * references to `buffers` and `children` (which may contain NULLs) in every
 * case, success or failure.
 */
dc_status dc_kernel__make(dc_array **out, const dc_type *type, int64_t length, int64_t null_count,
                          dc_buffer **buffers, int32_t n_buffers, dc_array **children,
                          int32_t n_children, dc_array *dictionary, dc_error *err);

/* An empty array of `type`. */
dc_status dc_kernel__empty(dc_array **out, const dc_type *type, dc_error *err);

/*
 * Gather: rows indices[0..n) of `a`, a negative index giving a null row.
 * Indices are trusted (< a->length). `any_negative` says whether one is < 0.
 */
dc_status dc_kernel__take(dc_array **out, const dc_array *a, const int64_t *indices, int64_t n,
                          bool any_negative, dc_error *err);

/* Physical integer value of a dictionary array's index at row i. */
static inline int64_t dc_kernel__dict_index(const dc_array *a, int64_t i)
{
    const uint8_t *p = a->data[1];
    int64_t k = a->offset + i;
    switch (a->type->index_type->id) {
    case DC_TYPE_INT8: return ((const int8_t *)p)[k];
    case DC_TYPE_UINT8: return ((const uint8_t *)p)[k];
    case DC_TYPE_INT16: return ((const int16_t *)(const void *)p)[k];
    case DC_TYPE_UINT16: return ((const uint16_t *)(const void *)p)[k];
    case DC_TYPE_INT32: return ((const int32_t *)(const void *)p)[k];
    case DC_TYPE_UINT32: return ((const uint32_t *)(const void *)p)[k];
    case DC_TYPE_UINT64: return (int64_t)((const uint64_t *)(const void *)p)[k];
    default: return ((const int64_t *)(const void *)p)[k];
    }
}

/*
 * Distinct values of `values`: codes[i] (caller's, values->length entries) is
 * the rank of row i's value among the distinct values in first-occurrence
 * order; *uniq (dc_malloc, *n_uniq entries) the first row of each. With
 * `nulls_apart`, null rows get code -1 and no entry; else null is a value.
 */
dc_status dc_kernel__unique(int64_t **uniq, int64_t *n_uniq, int64_t *codes,
                            const dc_array *values, bool nulls_apart, dc_error *err);
/* DC_EINVALID when `n` dictionary values cannot be indexed by `index_type`. */
dc_status dc_kernel__check_index_capacity(const dc_type *index_type, int64_t n, dc_error *err);

/*
 * Parse text into row k of a value buffer of `to` (a number, temporal,
 * decimal or fixed_size_binary type), as a cast from utf8 does. False when the
 * text is not a value of the type or does not fit.
 */
bool dc_kernel__parse_text(uint8_t *dst, int64_t k, const dc_type *to, const char *p, int64_t len);
/* Cast UTF8 / LARGE_UTF8 JSON text ("[1,2]", {"a": 1}) to a nested type (kernel_cast_json.c). */
dc_status dc_kernel__cast_json(dc_array **out, const dc_array *a, const dc_type *to, bool safe,
                               dc_error *err);

/* ---- numbers and instants ---------------------------------------------------------- */

/* Nanoseconds per stored unit of a temporal type (DATE32: a day, DATE64: a ms). */
int64_t dc_kernel__temporal_nanos(const dc_type *t);
/* Stored value of a temporal / integer element as int64 (any width). */
int64_t dc_kernel__raw_int(const dc_array *a, int64_t i);

/* A signed 256-bit two's complement integer, little-endian 64-bit words. */
typedef struct dc_i256 {
    uint64_t w[4];
} dc_i256;

void dc_i256_from_int64(dc_i256 *x, int64_t v);
void dc_i256_from_uint64(dc_i256 *x, uint64_t v);
/* From `bytes` (16 or 32) little-endian two's complement bytes (sign-extended). */
void dc_i256_from_bytes(dc_i256 *x, const uint8_t *p, int32_t bytes);
/* Into `bytes` bytes (truncating). */
void dc_i256_to_bytes(const dc_i256 *x, uint8_t *p, int32_t bytes);
bool dc_i256_is_neg(const dc_i256 *x);
void dc_i256_neg(dc_i256 *x);
int dc_i256_cmp(const dc_i256 *a, const dc_i256 *b);
/* x *= 10^k; true on overflow of the signed 256-bit range (x is then unspecified). */
bool dc_i256_mul_pow10(dc_i256 *x, int32_t k);
/* x /= 10^k truncating toward zero; *inexact set when a nonzero remainder was dropped. */
void dc_i256_div_pow10(dc_i256 *x, int32_t k, bool *inexact);
/* True when |x| < 10^digits. */
bool dc_i256_fits_digits(const dc_i256 *x, int32_t digits);
/* True when x fits int64 (and stores it). */
bool dc_i256_to_int64(const dc_i256 *x, int64_t *out);
bool dc_i256_to_uint64(const dc_i256 *x, uint64_t *out);
double dc_i256_to_double(const dc_i256 *x);
/* From an integral double; false when |v| >= 2^254 or not finite. */
bool dc_i256_from_double(dc_i256 *x, double v);

/* Compare decimal values x (scale sx) and y (scale sy) by value. */
int dc_kernel__decimal_cmp(const dc_i256 *x, int32_t sx, const dc_i256 *y, int32_t sy);

#endif
