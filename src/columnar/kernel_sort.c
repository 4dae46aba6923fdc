/*
 * kernel_sort.c: stable multi-key sort of row indices.
 *
 * When the first key is a number or a string, rows are radix-sorted by an
 * order-preserving 64-bit image of that key (the value itself, or the first
 * 8 bytes of a string), nulls set apart; runs of equal images are then
 * refined by a merge sort over the remaining keys (all keys for strings).
 * Otherwise a bottom-up merge sort (insertion sort on short runs) orders the
 * indices, each key read through a specialized accessor (signed, unsigned,
 * float, bytes) or dc_compare_values for the other types.
 */
#include "columnar/kernel_int.h"

#include <inttypes.h>
#include <math.h>

typedef enum sort_kind { S_I32, S_I64, S_U64, S_F64, S_F32, S_BYTES, S_GENERIC } sort_kind;

typedef struct sort_key {
    const dc_array *a;
    sort_kind kind;
    const void *values; /* typed values, offset applied */
    const uint8_t *validity;
    int64_t voff;
    bool desc;
    bool nulls_first;
    void *owned;            /* materialized values (dc_malloc), or NULL */
    uint8_t *owned_validity; /* materialized validity (dc_malloc), or NULL */
} sort_key;

typedef struct sort_ctx {
    sort_key *keys;
    int32_t n;
} sort_ctx;

static sort_kind kind_for(const dc_type *t)
{
    switch (t->id) {
    case DC_TYPE_INT32:
    case DC_TYPE_DATE32:
    case DC_TYPE_TIME32: return S_I32;
    case DC_TYPE_INT64:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP:
    case DC_TYPE_DURATION: return S_I64;
    case DC_TYPE_UINT64: return S_U64;
    case DC_TYPE_FLOAT64: return S_F64;
    case DC_TYPE_FLOAT32: return S_F32;
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_BINARY: return S_BYTES;
    default: return S_GENERIC;
    }
}

static inline int cmp_f(double x, double y)
{
    bool nx = isnan(x), ny = isnan(y);
    if (nx || ny)
        return nx && ny ? 0 : (nx ? 1 : -1);
    return (x > y) - (x < y);
}

static inline int cmp_key(const sort_key *k, int64_t x, int64_t y)
{
    if (k->validity) {
        bool vx = dc_bit_get(k->validity, k->voff + x), vy = dc_bit_get(k->validity, k->voff + y);
        if (!vx || !vy) {
            if (!vx && !vy)
                return 0;
            return !vx ? (k->nulls_first ? -1 : 1) : (k->nulls_first ? 1 : -1);
        }
    }
    int c;
    switch (k->kind) {
    case S_I32: {
        int32_t u = ((const int32_t *)k->values)[x], v = ((const int32_t *)k->values)[y];
        c = (u > v) - (u < v);
        break;
    }
    case S_I64: {
        int64_t u = ((const int64_t *)k->values)[x], v = ((const int64_t *)k->values)[y];
        c = (u > v) - (u < v);
        break;
    }
    case S_U64: {
        uint64_t u = ((const uint64_t *)k->values)[x], v = ((const uint64_t *)k->values)[y];
        c = (u > v) - (u < v);
        break;
    }
    case S_F64: c = cmp_f(((const double *)k->values)[x], ((const double *)k->values)[y]); break;
    case S_F32: c = cmp_f(((const float *)k->values)[x], ((const float *)k->values)[y]); break;
    case S_BYTES: {
        int64_t nx, ny;
        const uint8_t *px = dc_kernel__bytes(k->a, x, &nx), *py = dc_kernel__bytes(k->a, y, &ny);
        int64_t m = nx < ny ? nx : ny;
        c = m ? memcmp(px, py, (size_t)m) : 0;
        c = c ? (c < 0 ? -1 : 1) : (nx > ny) - (nx < ny);
        break;
    }
    default:
        /* Nulls handled here too (validity is NULL for generic keys). */
        c = dc_compare_values(k->a, x, k->a, y, k->nulls_first);
        if (c && (!dc_array_valid(k->a, x) || !dc_array_valid(k->a, y)))
            return c; /* null placement ignores the direction */
        break;
    }
    return k->desc ? -c : c;
}

static inline int cmp_rows(const sort_ctx *s, int64_t x, int64_t y)
{
    for (int32_t i = 0; i < s->n; i++) {
        int c = cmp_key(&s->keys[i], x, y);
        if (c)
            return c;
    }
    return 0;
}

/* Stable merge sort of idx[0..n) using tmp[0..n) as scratch. */
static void merge_sort(const sort_ctx *s, int64_t *idx, int64_t *tmp, int64_t n)
{
    const int64_t RUN = 16;
    for (int64_t lo = 0; lo < n; lo += RUN) {
        int64_t hi = lo + RUN < n ? lo + RUN : n;
        for (int64_t i = lo + 1; i < hi; i++) {
            int64_t v = idx[i], j = i;
            while (j > lo && cmp_rows(s, idx[j - 1], v) > 0) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = v;
        }
    }
    int64_t *src = idx, *dst = tmp;
    for (int64_t width = RUN; width < n; width *= 2) {
        for (int64_t lo = 0; lo < n; lo += 2 * width) {
            int64_t mid = lo + width < n ? lo + width : n;
            int64_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            int64_t i = lo, j = mid, k = lo;
            if (mid < hi && cmp_rows(s, src[mid - 1], src[mid]) <= 0) {
                memcpy(dst + lo, src + lo, (size_t)(hi - lo) * sizeof *dst); /* already ordered */
                continue;
            }
            while (i < mid && j < hi)
                dst[k++] = cmp_rows(s, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        int64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != idx)
        memcpy(idx, src, (size_t)n * sizeof *idx);
}

/* ---- radix fast path for a numeric first key ---------------------------------------- */

typedef struct key_row {
    uint64_t key; /* order-preserving image of the value (direction applied) */
    int64_t row;
} key_row;

static inline uint64_t order_double(double d)
{
    if (isnan(d))
        return UINT64_MAX; /* every NaN equal, above every number */
    if (d == 0)
        d = 0; /* -0.0 equals 0.0 */
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return (b >> 63) ? ~b : b ^ 0x8000000000000000ULL;
}

/* The order-preserving image of row r of a numeric key (kind not S_BYTES / S_GENERIC). */
static inline uint64_t order_key(const sort_key *k, int64_t r)
{
    switch (k->kind) {
    case S_I32: return (uint64_t)(int64_t)((const int32_t *)k->values)[r] ^ 0x8000000000000000ULL;
    case S_I64: return (uint64_t)((const int64_t *)k->values)[r] ^ 0x8000000000000000ULL;
    case S_U64: return ((const uint64_t *)k->values)[r];
    case S_F32: return order_double(((const float *)k->values)[r]);
    case S_BYTES: {
        /* The first 8 bytes, big-endian: ties are refined by the full comparison. */
        int64_t len;
        const uint8_t *p = dc_kernel__bytes(k->a, r, &len);
        uint64_t key = 0;
        for (int i = 0; i < 8; i++)
            key = (key << 8) | (i < len ? p[i] : 0);
        return key;
    }
    default: return order_double(((const double *)k->values)[r]);
    }
}

/* Stable LSD radix sort of v[0..n) by key, 11 bits per pass, skipping the digits above max. */
static void radix_sort(key_row *v, key_row *tmp, int64_t n, uint64_t max)
{
    enum { BITS = 11, BUCKETS = 1 << BITS };
    static const int64_t zero[BUCKETS];
    int64_t count[BUCKETS];
    key_row *src = v, *dst = tmp;
    for (int shift = 0; shift < 64 && (max >> shift) != 0; shift += BITS) {
        memcpy(count, zero, sizeof count);
        for (int64_t i = 0; i < n; i++)
            count[(src[i].key >> shift) & (BUCKETS - 1)]++;
        int64_t sum = 0;
        for (int b = 0; b < BUCKETS; b++) {
            int64_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (int64_t i = 0; i < n; i++)
            dst[count[(src[i].key >> shift) & (BUCKETS - 1)]++] = src[i];
        key_row *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, (size_t)n * sizeof *v);
}

/*
 * Order idx[0..length) by a numeric first key with a radix sort (nulls placed
 * apart, in row order), then the runs of equal first keys by the other keys.
 */
static dc_status sort_radix(const sort_ctx *ctx, int64_t *idx, int64_t *tmp, int64_t length,
                            dc_error *err)
{
    const sort_key *k = &ctx->keys[0];
    key_row *v = dc_malloc((size_t)length * sizeof *v), *t = dc_malloc((size_t)length * sizeof *t);
    if (!v || !t) {
        dc_free(v);
        dc_free(t);
        return dc_error_nomem(err);
    }
    int64_t n = 0, n_null = 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int64_t r = 0; r < length; r++) {
        if (k->validity && !dc_bit_get(k->validity, k->voff + r)) {
            tmp[n_null++] = r;
            continue;
        }
        uint64_t key = order_key(k, r);
        if (k->desc)
            key = ~key;
        v[n].key = key;
        v[n].row = r;
        lo = key < lo ? key : lo;
        hi = key > hi ? key : hi;
        n++;
    }
    for (int64_t i = 0; i < n; i++)
        v[i].key -= lo;
    if (n > 1)
        radix_sort(v, t, n, hi - lo);
    int64_t base = k->nulls_first ? n_null : 0;
    int64_t null_at = k->nulls_first ? 0 : n;
    memmove(idx + null_at, tmp, (size_t)n_null * sizeof *idx);
    for (int64_t i = 0; i < n; i++)
        idx[base + i] = v[i].row;
    /* Byte keys are ordered by their prefix only: their ties are refined by every key. */
    bool exact = k->kind != S_BYTES;
    sort_ctx rest = {ctx->keys + 1, ctx->n - 1};
    const sort_ctx *refine = exact ? &rest : ctx;
    if (refine->n > 0) {
        for (int64_t i = 0; i < n;) {
            int64_t j = i + 1;
            while (j < n && v[j].key == v[i].key)
                j++;
            if (j - i > 1)
                merge_sort(refine, idx + base + i, tmp, j - i);
            i = j;
        }
    }
    if (rest.n > 0 && n_null > 1)
        merge_sort(&rest, idx + null_at, tmp, n_null);
    dc_free(v);
    dc_free(t);
    return DC_OK;
}

/* ---- materialized keys --------------------------------------------------------------- */

/*
 * Give key `k` (over array `a` of `length` rows) values the fast paths can
 * read: narrow integers and bool as int64, float16 as double, and a
 * dictionary as the rank of each row's value among the sorted dictionary
 * (equal values, equal ranks; rows whose value is null become null). Other
 * types are left to dc_compare_values.
 */
static dc_status materialize_key(sort_key *k, const dc_array *a, int64_t length, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_type_id id = a->type->id;
    int64_t *rank = NULL, *perm = NULL;
    bool dict = id == DC_TYPE_DICTIONARY, half = id == DC_TYPE_FLOAT16;
    bool small = id == DC_TYPE_BOOL || id == DC_TYPE_INT8 || id == DC_TYPE_INT16 ||
                 id == DC_TYPE_UINT8 || id == DC_TYPE_UINT16 || id == DC_TYPE_UINT32;
    if (!dict && !half && !small)
        return DC_OK;
    k->owned = dc_malloc((size_t)length * 8);
    DC_TRY_ALLOC(k->owned, err);
    if (small) {
        for (int64_t r = 0; r < length; r++)
            ((int64_t *)k->owned)[r] = dc_kernel__raw_int(a, r);
    } else if (half) {
        for (int64_t r = 0; r < length; r++)
            ((double *)k->owned)[r] = dc_array_get_double(a, r);
    } else {
        const dc_array *d = a->dictionary;
        int64_t nd = d->length;
        dc_sort_key dk = {d, false, true};
        DC_TRY(dc_sort_indices(&perm, &dk, 1, nd, err));
        rank = dc_malloc((size_t)(nd ? nd : 1) * sizeof *rank);
        k->owned_validity = dc_calloc((size_t)dc_kernel__bitmap_bytes(length), 1);
        if (!rank || !k->owned_validity) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        for (int64_t r = 0, cur = 0; r < nd; r++) {
            if (r > 0 && dc_compare_values(d, perm[r - 1], d, perm[r], true) != 0)
                cur++;
            rank[perm[r]] = cur;
        }
        for (int64_t r = 0; r < length; r++) {
            int64_t v = 0;
            if (dc_array_valid(a, r)) {
                int64_t di = dc_kernel__dict_index(a, r);
                if (dc_array_valid(d, di)) {
                    v = rank[di];
                    dc_bit_set(k->owned_validity, r);
                }
            }
            ((int64_t *)k->owned)[r] = v;
        }
    }
    k->kind = half ? S_F64 : S_I64;
    k->values = k->owned;
    if (dict) {
        k->validity = k->owned_validity;
        k->voff = 0;
    } else {
        k->validity = a->null_count ? a->data[0] : NULL;
        k->voff = a->offset;
    }
cleanup:
    dc_free(rank);
    dc_free(perm);
    return rc;
}

/*
 * The stable permutation ordering rows [0, length) by the keys. DC_EINVALID
 * when a key has another length; *out (dc_malloc) is the caller's.
 */
dc_status dc_sort_indices(int64_t **out, const dc_sort_key *keys, int32_t n_keys, int64_t length,
                          dc_error *err)
{
    dc_status rc = DC_OK;
    sort_key *sk = NULL;
    int64_t *idx = NULL, *tmp = NULL;
    *out = NULL;
    if (length < 0 || n_keys < 0 || (n_keys > 0 && !keys))
        return dc_error_set(err, DC_EINVALID, "sort: negative length or missing keys");
    for (int32_t i = 0; i < n_keys; i++) {
        if (!keys[i].array || keys[i].array->length != length)
            return dc_error_set(err, DC_EINVALID,
                                "sort: key %d has %" PRId64 " rows, expected %" PRId64, i,
                                keys[i].array ? keys[i].array->length : -1, length);
    }
    sk = dc_calloc((size_t)(n_keys ? n_keys : 1), sizeof *sk);
    idx = dc_malloc((size_t)(length ? length : 1) * sizeof *idx);
    tmp = dc_malloc((size_t)(length ? length : 1) * sizeof *tmp);
    if (!sk || !idx || !tmp) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    for (int32_t i = 0; i < n_keys; i++) {
        const dc_array *a = keys[i].array;
        sort_key *k = &sk[i];
        k->a = a;
        k->desc = keys[i].descending;
        k->nulls_first = keys[i].nulls_first;
        k->kind = length ? kind_for(a->type) : S_GENERIC;
        if (k->kind != S_GENERIC) {
            if (k->kind != S_BYTES) {
                int32_t w = a->type->byte_width;
                k->values = a->data[1] + a->offset * w;
            }
            k->validity = a->null_count ? a->data[0] : NULL;
            k->voff = a->offset;
        } else if (length > 0) {
            DC_TRY(materialize_key(k, a, length, err));
        }
    }
    for (int64_t r = 0; r < length; r++)
        idx[r] = r;
    sort_ctx ctx = {sk, n_keys};
    if (n_keys > 0 && length > 1) {
        if (sk[0].kind != S_GENERIC)
            DC_TRY(sort_radix(&ctx, idx, tmp, length, err));
        else
            merge_sort(&ctx, idx, tmp, length);
    }
    *out = idx;
    idx = NULL;
cleanup:
    for (int32_t i = 0; sk && i < n_keys; i++) {
        dc_free(sk[i].owned);
        dc_free(sk[i].owned_validity);
    }
    dc_free(sk);
    dc_free(idx);
    dc_free(tmp);
    return rc;
}
