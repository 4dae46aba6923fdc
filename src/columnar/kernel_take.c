/*
 * kernel_take.c: take (gather rows by index) and filter (keep rows under a
 * boolean mask), for every type. Fixed-width values, bits and strings are
 * gathered by tight loops over the buffers; nested types gather their
 * children through index lists built from the parents' offsets.
 */
#include "columnar/kernel_int.h"

#include <inttypes.h>

/* Validity of the gathered rows: *out NULL when no row is null. */
static dc_status take_validity(dc_buffer **out, int64_t *nulls, const dc_array *a,
                               const int64_t *idx, int64_t n, bool any_neg, dc_error *err)
{
    *out = NULL;
    *nulls = 0;
    if ((a->null_count == 0 || !a->data[0]) && !any_neg)
        return DC_OK;
    dc_buffer *b = dc_buffer_new(dc_kernel__bitmap_bytes(n), true);
    if (!b)
        return dc_error_nomem(err);
    uint8_t *bits = b->data;
    const uint8_t *src = a->data[0];
    int64_t valid = 0;
    if (!src || a->null_count == 0) {
        for (int64_t k = 0; k < n; k++) {
            if (idx[k] >= 0) {
                dc_bit_set(bits, k);
                valid++;
            }
        }
    } else {
        int64_t off = a->offset;
        for (int64_t k = 0; k < n; k++) {
            if (idx[k] >= 0 && dc_bit_get(src, off + idx[k])) {
                dc_bit_set(bits, k);
                valid++;
            }
        }
    }
    *nulls = n - valid;
    *out = b;
    return DC_OK;
}

#define GATHER(T)                                                                                  \
    do {                                                                                           \
        const T *s = (const T *)(const void *)src;                                                 \
        T *d = (T *)(void *)dst;                                                                   \
        if (!any_neg) {                                                                            \
            for (int64_t k = 0; k < n; k++)                                                        \
                d[k] = s[idx[k]];                                                                  \
        } else {                                                                                   \
            for (int64_t k = 0; k < n; k++)                                                        \
                d[k] = idx[k] >= 0 ? s[idx[k]] : (T)0;                                             \
        }                                                                                          \
    } while (0)

/* Gather `n` values of `width` bytes (width > 0) into a new buffer. */
static dc_buffer *gather_fixed(const uint8_t *base, int64_t offset, int32_t width,
                               const int64_t *idx, int64_t n, bool any_neg)
{
    dc_buffer *b = dc_buffer_new(n * width, any_neg);
    if (!b || n == 0)
        return b;
    const uint8_t *src = base + offset * width;
    uint8_t *dst = b->data;
    switch (width) {
    case 1: GATHER(uint8_t); break;
    case 2: GATHER(uint16_t); break;
    case 4: GATHER(uint32_t); break;
    case 8: GATHER(uint64_t); break;
    default:
        for (int64_t k = 0; k < n; k++) {
            if (idx[k] >= 0)
                memcpy(dst + k * width, src + idx[k] * width, (size_t)width);
        }
        break;
    }
    return b;
}

static dc_buffer *gather_bits(const uint8_t *src, int64_t offset, const int64_t *idx, int64_t n)
{
    dc_buffer *b = dc_buffer_new(dc_kernel__bitmap_bytes(n), true);
    if (!b)
        return NULL;
    for (int64_t k = 0; k < n; k++) {
        if (idx[k] >= 0 && dc_bit_get(src, offset + idx[k]))
            dc_bit_set(b->data, k);
    }
    return b;
}

/* Strings and binary: offsets of width OT, then the bytes. */
#define GATHER_VARLEN(OT, LIMIT)                                                                   \
    do {                                                                                           \
        const OT *so = (const OT *)(const void *)a->data[1] + a->offset;                           \
        int64_t total = 0;                                                                         \
        for (int64_t k = 0; k < n; k++) {                                                          \
            if (idx[k] >= 0)                                                                       \
                total += (int64_t)so[idx[k] + 1] - (int64_t)so[idx[k]];                            \
        }                                                                                          \
        if (total > (LIMIT)) {                                                                     \
            rc = dc_error_set(err, DC_EINVALID,                                                    \
                              "take of %s: %" PRId64 " bytes exceed 32-bit offsets; "              \
                              "cast to the large_ type first",                                     \
                              dc_type_id_name(a->type->id), total);                                \
            goto cleanup;                                                                          \
        }                                                                                          \
        bufs[1] = dc_buffer_new((n + 1) * (int64_t)sizeof(OT), false);                             \
        bufs[2] = dc_buffer_new(total, false);                                                     \
        DC_TRY_ALLOC(bufs[1], err);                                                                \
        DC_TRY_ALLOC(bufs[2], err);                                                                \
        OT *d_off = (OT *)(void *)bufs[1]->data;                                                   \
        uint8_t *d_data = bufs[2]->data;                                                           \
        const uint8_t *s_data = a->data[2];                                                        \
        OT pos = 0;                                                                                \
        d_off[0] = 0;                                                                              \
        for (int64_t k = 0; k < n; k++) {                                                          \
            if (idx[k] >= 0) {                                                                     \
                OT st = so[idx[k]], len = (OT)(so[idx[k] + 1] - st);                               \
                if (len)                                                                           \
                    memcpy(d_data + pos, s_data + st, (size_t)len);                                \
                pos = (OT)(pos + len);                                                             \
            }                                                                                      \
            d_off[k + 1] = pos;                                                                    \
        }                                                                                          \
    } while (0)

/* Child indices of list-like rows (LIST, LARGE_LIST, MAP); *out has *n_out entries. */
static dc_status list_child_indices(int64_t **out, int64_t *n_out, dc_buffer **offsets,
                                    const dc_array *a, const int64_t *idx, int64_t n,
                                    dc_error *err)
{
    dc_status rc = DC_OK;
    bool large = dc_type_has_offsets64(a->type->id);
    int64_t total = 0;
    *out = NULL;
    *offsets = NULL;
    for (int64_t k = 0; k < n; k++) {
        if (idx[k] >= 0)
            total += dc_kernel__off(a, a->offset + idx[k] + 1) -
                     dc_kernel__off(a, a->offset + idx[k]);
    }
    if (!large && total > INT32_MAX)
        return dc_error_set(err, DC_EINVALID,
                            "take of %s: %" PRId64 " child values exceed 32-bit offsets; "
                            "cast to large_list first",
                            dc_type_id_name(a->type->id), total);
    int64_t *ci = dc_malloc((size_t)(total ? total : 1) * sizeof *ci);
    dc_buffer *ob = dc_buffer_new((n + 1) * (large ? 8 : 4), false);
    if (!ci || !ob) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    int64_t pos = 0;
    for (int64_t k = 0; k < n; k++) {
        if (large)
            ((int64_t *)(void *)ob->data)[k] = pos;
        else
            ((int32_t *)(void *)ob->data)[k] = (int32_t)pos;
        if (idx[k] < 0)
            continue;
        int64_t s = dc_kernel__off(a, a->offset + idx[k]);
        int64_t e = dc_kernel__off(a, a->offset + idx[k] + 1);
        for (int64_t c = s; c < e; c++)
            ci[pos++] = c;
    }
    if (large)
        ((int64_t *)(void *)ob->data)[n] = pos;
    else
        ((int32_t *)(void *)ob->data)[n] = (int32_t)pos;
    *out = ci;
    *n_out = total;
    *offsets = ob;
    ci = NULL;
    ob = NULL;
cleanup:
    dc_free(ci);
    dc_buffer_unref(ob);
    return rc;
}

dc_status dc_kernel__take(dc_array **out, const dc_array *a, const int64_t *idx, int64_t n,
                          bool any_neg, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *bufs[3] = {NULL, NULL, NULL};
    dc_array **children = NULL;
    int64_t *cidx = NULL;
    int64_t nulls = 0;
    int32_t nc = 0;
    const dc_type *t = a->type;
    *out = NULL;

    /* From nothing only null rows can be taken (every index is negative). */
    if (t->id == DC_TYPE_NULL || a->length == 0)
        return dc_array_new_null(out, t, n, err);
    DC_TRY(take_validity(&bufs[0], &nulls, a, idx, n, any_neg, err));

    switch (t->id) {
    case DC_TYPE_BOOL:
        bufs[1] = gather_bits(a->data[1], a->offset, idx, n);
        break;
    case DC_TYPE_UTF8:
    case DC_TYPE_BINARY:
        GATHER_VARLEN(int32_t, INT32_MAX);
        break;
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_LARGE_BINARY:
        GATHER_VARLEN(int64_t, INT64_MAX);
        break;
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_MAP: {
        int64_t nci = 0;
        DC_TRY(list_child_indices(&cidx, &nci, &bufs[1], a, idx, n, err));
        nc = 1;
        children = dc_calloc(1, sizeof *children);
        DC_TRY_ALLOC(children, err);
        DC_TRY(dc_kernel__take(&children[0], a->children[0], cidx, nci, false, err));
        break;
    }
    case DC_TYPE_FIXED_SIZE_LIST: {
        int64_t w = t->list_size, nci = n * w;
        cidx = dc_malloc((size_t)(nci ? nci : 1) * sizeof *cidx);
        DC_TRY_ALLOC(cidx, err);
        for (int64_t k = 0; k < n; k++) {
            for (int64_t j = 0; j < w; j++)
                cidx[k * w + j] = idx[k] >= 0 ? (a->offset + idx[k]) * w + j : -1;
        }
        nc = 1;
        children = dc_calloc(1, sizeof *children);
        DC_TRY_ALLOC(children, err);
        DC_TRY(dc_kernel__take(&children[0], a->children[0], cidx, nci, any_neg, err));
        break;
    }
    case DC_TYPE_STRUCT: {
        const int64_t *ci = idx;
        if (a->offset != 0) {
            cidx = dc_malloc((size_t)(n ? n : 1) * sizeof *cidx);
            DC_TRY_ALLOC(cidx, err);
            for (int64_t k = 0; k < n; k++)
                cidx[k] = idx[k] >= 0 ? a->offset + idx[k] : -1;
            ci = cidx;
        }
        nc = a->n_children;
        children = dc_calloc((size_t)(nc ? nc : 1), sizeof *children);
        DC_TRY_ALLOC(children, err);
        for (int32_t c = 0; c < nc; c++)
            DC_TRY(dc_kernel__take(&children[c], a->children[c], ci, n, any_neg, err));
        break;
    }
    case DC_TYPE_DICTIONARY:
        bufs[1] = gather_fixed(a->data[1], a->offset, t->index_type->byte_width, idx, n, any_neg);
        break;
    default:
        if (!dc_type_is_fixed_width(t->id) || t->byte_width <= 0) {
            rc = dc_error_set(err, DC_EUNSUPPORTED, "take: type %s is not supported",
                              dc_type_id_name(t->id));
            goto cleanup;
        }
        bufs[1] = gather_fixed(a->data[1], a->offset, t->byte_width, idx, n, any_neg);
        break;
    }
    rc = dc_kernel__make(out, t, n, nulls, bufs, dc_type_n_buffers(t), children, nc,
                         a->dictionary, err);
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    if (children) {
        for (int32_t c = 0; c < nc; c++)
            dc_array_unref(children[c]);
        dc_free(children);
    }
    dc_free(cidx);
    return rc;
}

/*
 * Rows indices[0..n) of `a` (a negative index gives a null row). DC_EINVALID
 * naming the position when an index is >= the array's length.
 */
dc_status dc_array_take(dc_array **out, const dc_array *a, const int64_t *indices, int64_t n,
                        dc_error *err)
{
    *out = NULL;
    if (n < 0 || (n > 0 && !indices))
        return dc_error_set(err, DC_EINVALID, "take: %" PRId64 " indices given without a list", n);
    bool any_neg = false;
    for (int64_t k = 0; k < n; k++) {
        if (indices[k] >= a->length)
            return dc_error_set(err, DC_EINVALID,
                                "take: index %" PRId64 " (position %" PRId64
                                ") is out of range for an array of %" PRId64 " rows",
                                indices[k], k, a->length);
        if (indices[k] < 0)
            any_neg = true;
    }
    return dc_kernel__take(out, a, indices, n, any_neg, err);
}

static dc_status batch_take_checked(dc_batch **out, const dc_batch *b, const int64_t *indices,
                                    int64_t n, bool any_neg, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t nf = b->schema->n_fields;
    dc_array **cols = dc_calloc((size_t)(nf ? nf : 1), sizeof *cols);
    *out = NULL;
    DC_TRY_ALLOC(cols, err);
    for (int32_t c = 0; c < nf; c++)
        DC_TRY(dc_kernel__take(&cols[c], b->columns[c], indices, n, any_neg, err));
    rc = dc_batch_new(out, b->schema, cols, n, err);
cleanup:
    if (cols) {
        for (int32_t c = 0; c < nf; c++)
            dc_array_unref(cols[c]);
        dc_free(cols);
    }
    return rc;
}

/* Every column taken with the same indices; see dc_array_take. */
dc_status dc_batch_take(dc_batch **out, const dc_batch *b, const int64_t *indices, int64_t n,
                        dc_error *err)
{
    *out = NULL;
    if (n < 0 || (n > 0 && !indices))
        return dc_error_set(err, DC_EINVALID, "take: %" PRId64 " indices given without a list", n);
    bool any_neg = false;
    for (int64_t k = 0; k < n; k++) {
        if (indices[k] >= b->length)
            return dc_error_set(err, DC_EINVALID,
                                "take: index %" PRId64 " (position %" PRId64
                                ") is out of range for a batch of %" PRId64 " rows",
                                indices[k], k, b->length);
        if (indices[k] < 0)
            any_neg = true;
    }
    return batch_take_checked(out, b, indices, n, any_neg, err);
}

/* ---- regroup: a take of rows listed group by group, as a scatter ---------------------- */

#define SCATTER(T)                                                                                 \
    do {                                                                                           \
        const T *s = (const T *)(const void *)src;                                                 \
        T *d = (T *)(void *)dst;                                                                   \
        for (int64_t i = 0; i < n; i++)                                                            \
            d[pos[group[i]]++] = s[i];                                                             \
    } while (0)

/* Values of `width` bytes of rows [0, n) from `base` (at row `offset`) to their group's
 * place: pos[g] is where group g's next row goes (advanced). */
static dc_buffer *scatter_fixed(const uint8_t *base, int64_t offset, int32_t width,
                                const int32_t *group, int64_t n, int64_t *pos)
{
    dc_buffer *b = dc_buffer_new(n * width, false);
    if (!b || n == 0)
        return b;
    const uint8_t *src = base + offset * width;
    uint8_t *dst = b->data;
    switch (width) {
    case 1: SCATTER(uint8_t); break;
    case 2: SCATTER(uint16_t); break;
    case 4: SCATTER(uint32_t); break;
    case 8: SCATTER(uint64_t); break;
    default:
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + pos[group[i]]++ * width, src + i * width, (size_t)width);
        break;
    }
    return b;
}
#undef SCATTER

static dc_buffer *scatter_bits(const uint8_t *src, int64_t offset, const int32_t *group, int64_t n,
                               int64_t *pos)
{
    dc_buffer *b = dc_buffer_new(dc_kernel__bitmap_bytes(n), true);
    if (!b)
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        int64_t p = pos[group[i]]++;
        if (dc_bit_get(src, offset + i))
            dc_bit_set(b->data, p);
    }
    return b;
}

/* Strings and binary with offsets of type OT: each group's bytes are counted first, so
 * that every row's bytes are copied once, straight to their place. */
#define SCATTER_VARLEN(OT)                                                                         \
    do {                                                                                           \
        const OT *so = (const OT *)(const void *)a->data[1] + a->offset;                           \
        const uint8_t *s_data = a->data[2];                                                        \
        for (int64_t i = 0; i < n; i++)                                                            \
            bpos[group[i] + 1] += (int64_t)so[i + 1] - (int64_t)so[i];                             \
        for (int32_t g = 0; g < n_groups; g++)                                                     \
            bpos[g + 1] += bpos[g];                                                                \
        bufs[1] = dc_buffer_new((n + 1) * (int64_t)sizeof(OT), false);                             \
        bufs[2] = dc_buffer_new(bpos[n_groups], false);                                            \
        DC_TRY_ALLOC(bufs[1], err);                                                                \
        DC_TRY_ALLOC(bufs[2], err);                                                                \
        OT *d_off = (OT *)(void *)bufs[1]->data;                                                   \
        uint8_t *d_data = bufs[2]->data;                                                           \
        for (int64_t i = 0; i < n; i++) {                                                          \
            int32_t g = group[i];                                                                  \
            OT st = so[i], len = (OT)(so[i + 1] - st);                                             \
            d_off[pos[g]++] = (OT)bpos[g];                                                         \
            if (len)                                                                               \
                memcpy(d_data + bpos[g], s_data + st, (size_t)len);                                \
            bpos[g] += len;                                                                        \
        }                                                                                          \
        d_off[n] = (OT)bpos[n_groups - 1];                                                         \
    } while (0)

/* One column regrouped; `first` holds each group's first row of the result, *order the
 * rows group by group (made here the first time a type needs it: only nested types). */
static dc_status regroup_array(dc_array **out, const dc_array *a, const int32_t *group,
                               int32_t n_groups, const int64_t *first, int64_t **order,
                               int64_t *pos, int64_t *bpos, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *bufs[3] = {NULL, NULL, NULL};
    const dc_type *t = a->type;
    int64_t n = a->length;
    *out = NULL;
    bool fixed = t->id != DC_TYPE_NULL && dc_type_is_fixed_width(t->id) && t->byte_width > 0;
    if (!fixed && t->id != DC_TYPE_BOOL && t->id != DC_TYPE_DICTIONARY &&
        t->id != DC_TYPE_UTF8 && t->id != DC_TYPE_BINARY && t->id != DC_TYPE_LARGE_UTF8 &&
        t->id != DC_TYPE_LARGE_BINARY) { /* nested, null: gathered by the grouped order */
        if (!*order) {
            *order = dc_malloc((size_t)(n ? n : 1) * sizeof **order);
            if (!*order)
                return dc_error_nomem(err);
            memcpy(pos, first, (size_t)n_groups * sizeof *pos);
            for (int64_t i = 0; i < n; i++)
                (*order)[pos[group[i]]++] = i;
        }
        return dc_kernel__take(out, a, *order, n, false, err);
    }
    if (a->null_count != 0 && a->data[0]) { /* (-1: not counted yet) */
        memcpy(pos, first, (size_t)n_groups * sizeof *pos);
        bufs[0] = scatter_bits(a->data[0], a->offset, group, n, pos);
        DC_TRY_ALLOC(bufs[0], err);
    }
    memcpy(pos, first, (size_t)n_groups * sizeof *pos);
    switch (t->id) {
    case DC_TYPE_BOOL: bufs[1] = scatter_bits(a->data[1], a->offset, group, n, pos); break;
    case DC_TYPE_UTF8:
    case DC_TYPE_BINARY:
        memset(bpos, 0, ((size_t)n_groups + 1) * sizeof *bpos);
        SCATTER_VARLEN(int32_t);
        break;
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_LARGE_BINARY:
        memset(bpos, 0, ((size_t)n_groups + 1) * sizeof *bpos);
        SCATTER_VARLEN(int64_t);
        break;
    case DC_TYPE_DICTIONARY:
        bufs[1] = scatter_fixed(a->data[1], a->offset, t->index_type->byte_width, group, n, pos);
        break;
    default: bufs[1] = scatter_fixed(a->data[1], a->offset, t->byte_width, group, n, pos); break;
    }
    DC_TRY_ALLOC(bufs[1], err);
    return dc_kernel__make(out, t, n, bufs[0] ? a->null_count : 0, bufs, dc_type_n_buffers(t),
                           NULL, 0, a->dictionary, err);
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    return rc;
}
#undef SCATTER_VARLEN

dc_status dc_batch_regroup(dc_batch **out, int64_t *first, const dc_batch *b,
                           const int32_t *group, int32_t n_groups, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t nf = b->schema->n_fields;
    int64_t *pos = NULL, *bpos = NULL, *order = NULL;
    dc_array **cols = NULL;
    *out = NULL;
    if (n_groups < 1)
        return dc_error_set(err, DC_EINVALID, "regroup: %d groups", n_groups);
    memset(first, 0, ((size_t)n_groups + 1) * sizeof *first);
    pos = dc_calloc((size_t)n_groups, sizeof *pos);
    bpos = dc_calloc((size_t)n_groups + 1, sizeof *bpos);
    cols = dc_calloc((size_t)(nf ? nf : 1), sizeof *cols);
    DC_TRY_ALLOC(pos && bpos && cols ? cols : NULL, err);
    for (int64_t i = 0; i < b->length; i++) {
        if (group[i] < 0 || group[i] >= n_groups) {
            rc = dc_error_set(err, DC_EINVALID, "regroup: row %" PRId64 " is in group %d of %d", i,
                              group[i], n_groups);
            goto cleanup;
        }
        first[group[i] + 1]++;
    }
    for (int32_t g = 0; g < n_groups; g++)
        first[g + 1] += first[g];
    for (int32_t c = 0; c < nf; c++)
        DC_TRY(regroup_array(&cols[c], b->columns[c], group, n_groups, first, &order, pos, bpos,
                             err));
    rc = dc_batch_new(out, b->schema, cols, b->length, err);
cleanup:
    for (int32_t c = 0; cols && c < nf; c++)
        dc_array_unref(cols[c]);
    dc_free(cols);
    dc_free(order);
    dc_free(pos);
    dc_free(bpos);
    return rc;
}

/*
 * The positions of the rows `mask` keeps, into *out (dc_malloc; *n_out
 * entries), after checking the mask is a BOOL array of `length` rows.
 */
static dc_status mask_indices(int64_t **out, int64_t *n_out, const dc_array *mask, int64_t length,
                              dc_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (mask->type->id != DC_TYPE_BOOL && mask->type->id != DC_TYPE_NULL)
        return dc_error_set(err, DC_EINVALID, "filter: the mask must be a bool array, not %s",
                            dc_type_id_name(mask->type->id));
    if (mask->length != length)
        return dc_error_set(err, DC_EINVALID,
                            "filter: the mask has %" PRId64 " rows but the input has %" PRId64
                            "; they must be equal",
                            mask->length, length);
    int64_t *idx = dc_malloc((size_t)(length ? length : 1) * sizeof *idx);
    if (!idx)
        return dc_error_nomem(err);
    int64_t m = 0;
    if (mask->type->id == DC_TYPE_BOOL && length > 0) {
        const uint8_t *v = mask->data[1], *valid = mask->null_count ? mask->data[0] : NULL;
        int64_t off = mask->offset, i = 0;
        if (!valid) {
            /* Whole bytes at a time when the values are byte aligned. */
            if ((off & 7) == 0) {
                const uint8_t *p = v + (off >> 3);
                for (; i + 8 <= length; i += 8) {
                    uint8_t byte = p[i >> 3];
                    while (byte) {
                        idx[m++] = i + __builtin_ctz(byte);
                        byte &= (uint8_t)(byte - 1);
                    }
                }
            }
            for (; i < length; i++) {
                if (dc_bit_get(v, off + i))
                    idx[m++] = i;
            }
        } else {
            for (; i < length; i++) {
                if (dc_bit_get(v, off + i) && dc_bit_get(valid, off + i))
                    idx[m++] = i;
            }
        }
    }
    *out = idx;
    *n_out = m;
    return DC_OK;
}

/*
 * The rows of `a` where `mask` is true (null mask values drop the row).
 * DC_EINVALID when the mask is not BOOL or its length differs.
 */
dc_status dc_array_filter(dc_array **out, const dc_array *a, const dc_array *mask, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t *idx = NULL, m = 0;
    *out = NULL;
    DC_TRY(mask_indices(&idx, &m, mask, a->length, err));
    if (m == a->length) {
        *out = dc_array_ref(a);
        goto cleanup;
    }
    rc = dc_kernel__take(out, a, idx, m, false, err);
cleanup:
    dc_free(idx);
    return rc;
}

/* Every column filtered by the same mask; see dc_array_filter. */
dc_status dc_batch_filter(dc_batch **out, const dc_batch *b, const dc_array *mask, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t *idx = NULL, m = 0;
    *out = NULL;
    DC_TRY(mask_indices(&idx, &m, mask, b->length, err));
    if (m == b->length) {
        *out = dc_batch_ref(b);
        goto cleanup;
    }
    rc = batch_take_checked(out, b, idx, m, false, err);
cleanup:
    dc_free(idx);
    return rc;
}
