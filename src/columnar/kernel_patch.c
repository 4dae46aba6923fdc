/*
 * kernel_patch.c: patch (a copy of an array with some rows replaced by rows of another).
 * Merge on read replaces the few base rows a MERGE touched and keeps the rest where they
 * are: copying the base once, in runs, costs a fraction of gathering every kept row by
 * index (take/filter). Fixed-width values and bits are copied whole and then overwritten;
 * strings are copied run by run with their offsets shifted; other types go through a
 * concat and one take.
 */
#include "columnar/kernel_int.h"

#include <inttypes.h>

/* Validity of the result: *out NULL when no row is null. */
static dc_status patch_validity(dc_buffer **out, int64_t *nulls, const dc_array *base,
                                const int64_t *rows, const dc_array *src, const int64_t *src_rows,
                                int64_t n, dc_error *err)
{
    int64_t L = base->length;
    *out = NULL;
    *nulls = 0;
    bool src_nulls = false;
    if (src->null_count > 0 && src->data[0])
        for (int64_t j = 0; j < n && !src_nulls; j++)
            src_nulls = !dc_array_valid(src, src_rows[j]);
    if (base->null_count == 0 && !src_nulls)
        return DC_OK;
    dc_buffer *b = dc_buffer_new(dc_kernel__bitmap_bytes(L), false);
    if (!b)
        return dc_error_nomem(err);
    if (base->null_count > 0 && base->data[0])
        dc_kernel__bits_copy(b->data, 0, base->data[0], base->offset, L);
    else
        memset(b->data, 0xff, (size_t)dc_kernel__bitmap_bytes(L));
    int64_t nulls_out = base->null_count;
    for (int64_t j = 0; j < n; j++) {
        bool was = dc_array_valid(base, rows[j]), now = dc_array_valid(src, src_rows[j]);
        if (was == now)
            continue;
        if (now) {
            dc_bit_set(b->data, rows[j]);
            nulls_out--;
        } else {
            dc_bit_clear(b->data, rows[j]);
            nulls_out++;
        }
    }
    *nulls = nulls_out;
    if (nulls_out == 0) {
        dc_buffer_unref(b);
        return DC_OK;
    }
    *out = b;
    return DC_OK;
}

/* Strings and binary: runs of the base between patched rows, and the patched values. */
#define PATCH_VARLEN(OT, LIMIT)                                                                    \
    do {                                                                                           \
        const OT *bo = (const OT *)(const void *)base->data[1] + base->offset;                     \
        const OT *so = (const OT *)(const void *)src->data[1] + src->offset;                       \
        int64_t total = (int64_t)bo[L] - (int64_t)bo[0];                                           \
        for (int64_t j = 0; j < n; j++)                                                            \
            total += ((int64_t)so[src_rows[j] + 1] - so[src_rows[j]]) -                            \
                     ((int64_t)bo[rows[j] + 1] - bo[rows[j]]);                                     \
        if (total > (LIMIT)) {                                                                     \
            rc = dc_error_set(err, DC_EINVALID,                                                    \
                              "patch of %s: %" PRId64 " bytes exceed 32-bit offsets; "             \
                              "cast to the large_ type first",                                     \
                              dc_type_id_name(t->id), total);                                      \
            goto cleanup;                                                                          \
        }                                                                                          \
        bufs[1] = dc_buffer_new((L + 1) * (int64_t)sizeof(OT), false);                             \
        bufs[2] = dc_buffer_new(total, false);                                                     \
        DC_TRY_ALLOC(bufs[1], err);                                                                \
        DC_TRY_ALLOC(bufs[2], err);                                                                \
        OT *d_off = (OT *)(void *)bufs[1]->data;                                                   \
        uint8_t *d_data = bufs[2]->data;                                                           \
        const uint8_t *b_data = base->data[2], *s_data = src->data[2];                             \
        int64_t pos = 0, at = 0; /* bytes written; next base row to copy */                        \
        for (int64_t j = 0; j <= n; j++) {                                                         \
            int64_t end = j < n ? rows[j] : L; /* copy base rows [at, end) as one run */           \
            if (end > at) {                                                                        \
                int64_t s0 = bo[at], len = (int64_t)bo[end] - s0;                                  \
                if (len)                                                                           \
                    memcpy(d_data + pos, b_data + s0, (size_t)len);                                \
                for (int64_t i = at; i < end; i++)                                                 \
                    d_off[i] = (OT)(pos + ((int64_t)bo[i] - s0));                                  \
                pos += len;                                                                        \
            }                                                                                      \
            if (j == n)                                                                            \
                break;                                                                             \
            int64_t s0 = so[src_rows[j]], len = (int64_t)so[src_rows[j] + 1] - s0;                 \
            d_off[end] = (OT)pos;                                                                  \
            if (len)                                                                               \
                memcpy(d_data + pos, s_data + s0, (size_t)len);                                    \
            pos += len;                                                                            \
            at = end + 1;                                                                          \
        }                                                                                          \
        d_off[L] = (OT)pos;                                                                        \
    } while (0)

/* Any type: concat(base, src) and one take (base row i, or L + the source row). */
static dc_status patch_by_take(dc_array **out, const dc_array *base, const int64_t *rows,
                               const dc_array *src, const int64_t *src_rows, int64_t n,
                               dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array *both = NULL;
    int64_t L = base->length;
    int64_t *idx = dc_malloc((size_t)(L + 1) * sizeof *idx);
    DC_TRY_ALLOC(idx, err);
    dc_array *two[2] = {(dc_array *)base, (dc_array *)src};
    DC_TRY(dc_array_concat_typed(&both, base->type, two, 2, err));
    for (int64_t i = 0; i < L; i++)
        idx[i] = i;
    for (int64_t j = 0; j < n; j++)
        idx[rows[j]] = L + src_rows[j];
    rc = dc_kernel__take(out, both, idx, L, false, err);
cleanup:
    dc_array_unref(both);
    dc_free(idx);
    return rc;
}

dc_status dc_array_patch(dc_array **out, const dc_array *base, const int64_t *rows,
                         const dc_array *src, const int64_t *src_rows, int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *bufs[3] = {NULL, NULL, NULL};
    const dc_type *t = base->type;
    int64_t L = base->length, nulls = 0;
    *out = NULL;
    if (!dc_type_equals(t, src->type))
        return dc_error_set(err, DC_EINVALID, "patch: the rows are %s, the array %s",
                            dc_type_id_name(src->type->id), dc_type_id_name(t->id));
    for (int64_t j = 0; j < n; j++) {
        if (rows[j] < 0 || rows[j] >= L || (j > 0 && rows[j] <= rows[j - 1]))
            return dc_error_set(err, DC_EINVALID,
                                "patch: row %" PRId64 " (position %" PRId64
                                ") is not increasing within 0..%" PRId64,
                                rows[j], j, L - 1);
        if (src_rows[j] < 0 || src_rows[j] >= src->length)
            return dc_error_set(err, DC_EINVALID,
                                "patch: source row %" PRId64 " (position %" PRId64
                                ") is outside 0..%" PRId64,
                                src_rows[j], j, src->length - 1);
    }
    if (n == 0) {
        *out = dc_array_ref((dc_array *)base);
        return DC_OK;
    }
    bool fixed = dc_type_is_fixed_width(t->id) && t->byte_width > 0 && t->id != DC_TYPE_DICTIONARY;
    bool varlen = t->id == DC_TYPE_UTF8 || t->id == DC_TYPE_BINARY ||
                  t->id == DC_TYPE_LARGE_UTF8 || t->id == DC_TYPE_LARGE_BINARY;
    if (!fixed && !varlen && t->id != DC_TYPE_BOOL)
        return patch_by_take(out, base, rows, src, src_rows, n, err);
    DC_TRY(patch_validity(&bufs[0], &nulls, base, rows, src, src_rows, n, err));
    if (t->id == DC_TYPE_BOOL) {
        bufs[1] = dc_buffer_new(dc_kernel__bitmap_bytes(L), false);
        DC_TRY_ALLOC(bufs[1], err);
        dc_kernel__bits_copy(bufs[1]->data, 0, base->data[1], base->offset, L);
        for (int64_t j = 0; j < n; j++) {
            if (dc_bit_get(src->data[1], src->offset + src_rows[j]))
                dc_bit_set(bufs[1]->data, rows[j]);
            else
                dc_bit_clear(bufs[1]->data, rows[j]);
        }
    } else if (fixed) {
        int64_t w = t->byte_width;
        bufs[1] = dc_buffer_new(L * w, false);
        DC_TRY_ALLOC(bufs[1], err);
        uint8_t *d = bufs[1]->data;
        const uint8_t *bs = base->data[1] + base->offset * w, *ss = src->data[1] + src->offset * w;
        memcpy(d, bs, (size_t)(L * w));
        if (w == 8) {
            for (int64_t j = 0; j < n; j++)
                memcpy(d + rows[j] * 8, ss + src_rows[j] * 8, 8);
        } else {
            for (int64_t j = 0; j < n; j++)
                memcpy(d + rows[j] * w, ss + src_rows[j] * w, (size_t)w);
        }
    } else if (t->id == DC_TYPE_UTF8 || t->id == DC_TYPE_BINARY) {
        PATCH_VARLEN(int32_t, INT32_MAX);
    } else {
        PATCH_VARLEN(int64_t, INT64_MAX);
    }
    rc = dc_kernel__make(out, t, L, nulls, bufs, dc_type_n_buffers(t), NULL, 0, NULL, err);
    bufs[0] = bufs[1] = bufs[2] = NULL; /* given up by dc_kernel__make */
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    return rc;
}

/* Is buffer i of `a` ours alone to write? */
static bool sole_owner(const dc_array *a, int i)
{
    const dc_buffer *b = a->buffers[i];
    return b && b->capacity > 0 && atomic_load(&((dc_buffer *)b)->refs) == 1;
}

dc_status dc_array_patch_owned(dc_array **a, const int64_t *rows, const dc_array *src,
                               const int64_t *src_rows, int64_t n, dc_error *err)
{
    dc_array *x = *a;
    const dc_type *t = x->type;
    bool fixed = dc_type_is_fixed_width(t->id) && t->byte_width > 0 && t->id != DC_TYPE_DICTIONARY;
    bool in_place = n > 0 && (fixed || t->id == DC_TYPE_BOOL) &&
                    __atomic_load_n(&x->refs_, __ATOMIC_ACQUIRE) == 1 && sole_owner(x, 1) &&
                    dc_type_equals(t, src->type) &&
                    (x->null_count == 0 || !x->data[0] || sole_owner(x, 0));
    if (in_place) { /* the checks dc_array_patch makes */
        for (int64_t j = 0; j < n && in_place; j++)
            in_place = rows[j] >= 0 && rows[j] < x->length && (j == 0 || rows[j] > rows[j - 1]) &&
                       src_rows[j] >= 0 && src_rows[j] < src->length;
    }
    if (!in_place) {
        dc_array *patched = NULL;
        dc_status rc = dc_array_patch(&patched, x, rows, src, src_rows, n, err);
        if (rc != DC_OK)
            return rc;
        dc_array_unref(x);
        *a = patched;
        return DC_OK;
    }
    /* validity first: it may need a buffer (a null patched into an array without one) */
    bool src_nulls = false;
    if (src->null_count > 0 && src->data[0])
        for (int64_t j = 0; j < n && !src_nulls; j++)
            src_nulls = !dc_array_valid(src, src_rows[j]);
    if (src_nulls || (x->null_count > 0 && x->data[0])) {
        if (!x->buffers[0] || x->null_count == 0) { /* all valid so far */
            dc_buffer *v = dc_buffer_new(dc_kernel__bitmap_bytes(x->offset + x->length), false);
            if (!v)
                return dc_error_nomem(err);
            memset(v->data, 0xff, (size_t)dc_kernel__bitmap_bytes(x->offset + x->length));
            dc_buffer_unref(x->buffers[0]);
            x->buffers[0] = v;
            x->data[0] = v->data;
            x->null_count = 0;
        }
        uint8_t *bits = (uint8_t *)x->data[0];
        for (int64_t j = 0; j < n; j++) {
            int64_t p = x->offset + rows[j];
            bool was = dc_bit_get(bits, p), now = dc_array_valid(src, src_rows[j]);
            if (was != now) {
                dc_bit_put(bits, p, now);
                x->null_count += now ? -1 : 1;
            }
        }
    }
    uint8_t *d = (uint8_t *)x->data[1];
    if (t->id == DC_TYPE_BOOL) {
        for (int64_t j = 0; j < n; j++)
            dc_bit_put(d, x->offset + rows[j],
                          dc_bit_get(src->data[1], src->offset + src_rows[j]));
    } else {
        int64_t w = t->byte_width;
        const uint8_t *ss = src->data[1] + src->offset * w;
        d += x->offset * w;
        for (int64_t j = 0; j < n; j++)
            memcpy(d + rows[j] * w, ss + src_rows[j] * w, (size_t)w);
    }
    return DC_OK;
}
