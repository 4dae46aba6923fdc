/*
 * kernel_concat.c: concatenation of arrays of one type, and of batches of one
 * schema. Fixed-width values and strings are copied buffer by buffer (memcpy
 * per input, offsets rebased); nested children are concatenated from the
 * child ranges each input covers; dictionary arrays with different
 * dictionaries get one merged dictionary and remapped indices.
 */
#include "columnar/kernel_int.h"

#include <inttypes.h>

static dc_status concat_impl(dc_array **out, const dc_type *type, dc_array *const *arrays,
                             int64_t n, dc_error *err);

/* The validity of the concatenation, or NULL (and *nulls 0) when nothing is null. */
static dc_status concat_validity(dc_buffer **out, int64_t *nulls, dc_array *const *arrays,
                                 int64_t n, int64_t total, dc_error *err)
{
    int64_t nc = 0;
    *out = NULL;
    for (int64_t k = 0; k < n; k++)
        nc += arrays[k]->null_count;
    *nulls = nc;
    if (nc == 0)
        return DC_OK;
    dc_buffer *b = dc_buffer_new(dc_kernel__bitmap_bytes(total), true);
    if (!b)
        return dc_error_nomem(err);
    int64_t pos = 0;
    for (int64_t k = 0; k < n; k++) {
        const dc_array *a = arrays[k];
        if (a->null_count && a->data[0])
            dc_kernel__bits_copy(b->data, pos, a->data[0], a->offset, a->length);
        else if (!a->null_count)
            dc_kernel__bits_set_range(b->data, pos, a->length);
        pos += a->length;
    }
    *out = b;
    return DC_OK;
}

/* Fixed-width values of `width` bytes (or bits when width is 0). */
static dc_buffer *concat_fixed(dc_array *const *arrays, int64_t n, int64_t total, int32_t width)
{
    dc_buffer *b = dc_buffer_new(width ? total * width : dc_kernel__bitmap_bytes(total), !width);
    if (!b)
        return NULL;
    int64_t pos = 0;
    for (int64_t k = 0; k < n; k++) {
        const dc_array *a = arrays[k];
        if (a->length == 0)
            continue;
        if (width)
            memcpy(b->data + pos * width, a->data[1] + a->offset * width,
                   (size_t)(a->length * width));
        else
            dc_kernel__bits_copy(b->data, pos, a->data[1], a->offset, a->length);
        pos += a->length;
    }
    return b;
}

/*
 * Offsets of list-like or binary-like inputs rebased into one buffer; the
 * child/data range of each input into starts[k], ends[k]. DC_EINVALID when
 * the total exceeds 32-bit offsets.
 */
static dc_status concat_offsets(dc_buffer **out, int64_t *starts, int64_t *ends,
                                dc_array *const *arrays, int64_t n, int64_t total, bool large,
                                dc_error *err)
{
    int64_t sum = 0;
    *out = NULL;
    for (int64_t k = 0; k < n; k++) {
        const dc_array *a = arrays[k];
        starts[k] = a->length ? dc_kernel__off(a, a->offset) : 0;
        ends[k] = a->length ? dc_kernel__off(a, a->offset + a->length) : 0;
        sum += ends[k] - starts[k];
    }
    if (!large && sum > INT32_MAX)
        return dc_error_set(err, DC_EINVALID,
                            "concat of %s: %" PRId64 " values exceed 32-bit offsets; cast to the "
                            "large_ type first",
                            dc_type_id_name(arrays[0]->type->id), sum);
    dc_buffer *b = dc_buffer_new((total + 1) * (large ? 8 : 4), false);
    if (!b)
        return dc_error_nomem(err);
    int64_t pos = 0, row = 0;
    for (int64_t k = 0; k < n; k++) {
        const dc_array *a = arrays[k];
        if (a->length == 0)
            continue;
        int64_t shift = pos - starts[k];
        if (large) {
            const int64_t *s = (const int64_t *)(const void *)a->data[1] + a->offset;
            int64_t *d = (int64_t *)(void *)b->data + row;
            for (int64_t i = 0; i < a->length; i++)
                d[i] = s[i] + shift;
        } else {
            const int32_t *s = (const int32_t *)(const void *)a->data[1] + a->offset;
            int32_t *d = (int32_t *)(void *)b->data + row;
            int32_t sh = (int32_t)shift;
            for (int64_t i = 0; i < a->length; i++)
                d[i] = s[i] + sh;
        }
        row += a->length;
        pos += ends[k] - starts[k];
    }
    if (large)
        ((int64_t *)(void *)b->data)[total] = pos;
    else
        ((int32_t *)(void *)b->data)[total] = (int32_t)pos;
    *out = b;
    return DC_OK;
}

/* Child c of every input sliced to [starts[k], ends[k]) and concatenated. */
static dc_status concat_children(dc_array **out, dc_array *const *arrays, int64_t n, int32_t c,
                                 const dc_type *child_type, const int64_t *starts,
                                 const int64_t *ends, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array **parts = dc_calloc((size_t)(n ? n : 1), sizeof *parts);
    *out = NULL;
    DC_TRY_ALLOC(parts, err);
    for (int64_t k = 0; k < n; k++)
        DC_TRY(dc_array_slice(&parts[k], arrays[k]->children[c], starts[k], ends[k] - starts[k],
                              err));
    rc = concat_impl(out, child_type, parts, n, err);
cleanup:
    if (parts) {
        for (int64_t k = 0; k < n; k++)
            dc_array_unref(parts[k]);
        dc_free(parts);
    }
    return rc;
}

/* True when every input shares the first input's dictionary (same object or same values). */
static bool same_dictionaries(dc_array *const *arrays, int64_t n)
{
    const dc_array *d0 = arrays[0]->dictionary;
    for (int64_t k = 1; k < n; k++) {
        const dc_array *d = arrays[k]->dictionary;
        if (d == d0)
            continue;
        if (!d || !d0 || d->length != d0->length)
            return false;
        for (int64_t i = 0; i < d->length; i++) {
            if (dc_compare_values(d, i, d0, i, true) != 0)
                return false;
        }
    }
    return true;
}

/*
 * Dictionary arrays with different dictionaries: the dictionaries are
 * concatenated and deduplicated (first occurrence wins), and each input's
 * indices remapped into the merged dictionary. DC_EINVALID when the merged
 * dictionary does not fit the index type.
 */
static dc_status concat_dictionaries(dc_array **out, const dc_type *type, dc_array *const *arrays,
                                     int64_t n, int64_t total, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array **dicts = NULL, *all = NULL, *merged = NULL;
    int64_t *remap = NULL, *uniq = NULL, n_uniq = 0;
    dc_buffer *bufs[2] = {NULL, NULL};
    int64_t nulls = 0;
    *out = NULL;

    dicts = dc_calloc((size_t)n, sizeof *dicts);
    DC_TRY_ALLOC(dicts, err);
    for (int64_t k = 0; k < n; k++)
        dicts[k] = arrays[k]->dictionary;
    DC_TRY(concat_impl(&all, type->value_type, dicts, n, err));
    remap = dc_malloc((size_t)(all->length ? all->length : 1) * sizeof *remap);
    DC_TRY_ALLOC(remap, err);
    DC_TRY(dc_kernel__unique(&uniq, &n_uniq, remap, all, false, err));
    DC_TRY(dc_kernel__check_index_capacity(type->index_type, n_uniq, err));
    DC_TRY(dc_kernel__take(&merged, all, uniq, n_uniq, false, err));

    DC_TRY(concat_validity(&bufs[0], &nulls, arrays, n, total, err));
    int32_t w = type->index_type->byte_width;
    bufs[1] = dc_buffer_new(total * w, true);
    DC_TRY_ALLOC(bufs[1], err);
    int64_t row = 0, base = 0;
    for (int64_t k = 0; k < n; k++) {
        const dc_array *a = arrays[k];
        for (int64_t i = 0; i < a->length; i++, row++) {
            if (!dc_array_valid(a, i))
                continue;
            uint64_t v = (uint64_t)remap[base + dc_kernel__dict_index(a, i)];
            memcpy(bufs[1]->data + row * w, &v, (size_t)w); /* little-endian low bytes */
        }
        base += a->dictionary->length;
    }
    rc = dc_kernel__make(out, type, total, nulls, bufs, 2, NULL, 0, merged, err);
cleanup:
    dc_buffer_unref(bufs[0]);
    dc_buffer_unref(bufs[1]);
    dc_free(dicts);
    dc_array_unref(all);
    dc_array_unref(merged);
    dc_free(remap);
    dc_free(uniq);
    return rc;
}

/* Concatenation of inputs already checked to be of `type`. */
static dc_status concat_impl(dc_array **out, const dc_type *type, dc_array *const *arrays,
                             int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *bufs[3] = {NULL, NULL, NULL};
    dc_array **children = NULL;
    int64_t *starts = NULL, *ends = NULL;
    int32_t nc = 0;
    int64_t total = 0, nulls = 0;
    *out = NULL;

    if (n == 0)
        return dc_kernel__empty(out, type, err);
    if (n == 1)
        return (*out = dc_array_ref(arrays[0])) ? DC_OK : dc_error_nomem(err);
    for (int64_t k = 0; k < n; k++) {
        if (dc_add_overflows(total, arrays[k]->length, &total))
            return dc_error_set(err, DC_ENOMEM, "concat: the total length overflows");
    }
    if (type->id == DC_TYPE_NULL)
        return dc_array_new_null(out, type, total, err);
    if (type->id == DC_TYPE_DICTIONARY && !same_dictionaries(arrays, n))
        return concat_dictionaries(out, type, arrays, n, total, err);

    DC_TRY(concat_validity(&bufs[0], &nulls, arrays, n, total, err));
    starts = dc_malloc((size_t)n * sizeof *starts);
    ends = dc_malloc((size_t)n * sizeof *ends);
    if (!starts || !ends) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    switch (type->id) {
    case DC_TYPE_BOOL: bufs[1] = concat_fixed(arrays, n, total, 0); break;
    case DC_TYPE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_LARGE_BINARY: {
        bool large = dc_type_has_offsets64(type->id);
        DC_TRY(concat_offsets(&bufs[1], starts, ends, arrays, n, total, large, err));
        int64_t bytes = 0;
        for (int64_t k = 0; k < n; k++)
            bytes += ends[k] - starts[k];
        bufs[2] = dc_buffer_new(bytes, false);
        DC_TRY_ALLOC(bufs[2], err);
        int64_t pos = 0;
        for (int64_t k = 0; k < n; k++) {
            int64_t len = ends[k] - starts[k];
            if (len)
                memcpy(bufs[2]->data + pos, arrays[k]->data[2] + starts[k], (size_t)len);
            pos += len;
        }
        break;
    }
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_MAP:
        DC_TRY(concat_offsets(&bufs[1], starts, ends, arrays, n, total,
                              type->id == DC_TYPE_LARGE_LIST, err));
        nc = 1;
        children = dc_calloc(1, sizeof *children);
        DC_TRY_ALLOC(children, err);
        DC_TRY(concat_children(&children[0], arrays, n, 0, type->children[0].type, starts, ends,
                               err));
        break;
    case DC_TYPE_FIXED_SIZE_LIST:
        for (int64_t k = 0; k < n; k++) {
            starts[k] = arrays[k]->offset * type->list_size;
            ends[k] = starts[k] + arrays[k]->length * type->list_size;
        }
        nc = 1;
        children = dc_calloc(1, sizeof *children);
        DC_TRY_ALLOC(children, err);
        DC_TRY(concat_children(&children[0], arrays, n, 0, type->children[0].type, starts, ends,
                               err));
        break;
    case DC_TYPE_STRUCT:
        for (int64_t k = 0; k < n; k++) {
            starts[k] = arrays[k]->offset;
            ends[k] = starts[k] + arrays[k]->length;
        }
        nc = type->n_children;
        children = dc_calloc((size_t)(nc ? nc : 1), sizeof *children);
        DC_TRY_ALLOC(children, err);
        for (int32_t c = 0; c < nc; c++)
            DC_TRY(concat_children(&children[c], arrays, n, c, type->children[c].type, starts,
                                   ends, err));
        break;
    case DC_TYPE_DICTIONARY:
        bufs[1] = concat_fixed(arrays, n, total, type->index_type->byte_width);
        break;
    default:
        if (!dc_type_is_fixed_width(type->id) || type->byte_width <= 0) {
            rc = dc_error_set(err, DC_EUNSUPPORTED, "concat: type %s is not supported",
                              dc_type_id_name(type->id));
            goto cleanup;
        }
        bufs[1] = concat_fixed(arrays, n, total, type->byte_width);
        break;
    }
    rc = dc_kernel__make(out, type, total, nulls, bufs, dc_type_n_buffers(type), children, nc,
                         type->id == DC_TYPE_DICTIONARY ? arrays[0]->dictionary : NULL, err);
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    if (children) {
        for (int32_t c = 0; c < nc; c++)
            dc_array_unref(children[c]);
        dc_free(children);
    }
    dc_free(starts);
    dc_free(ends);
    return rc;
}

/*
 * The rows of arrays[0..n) one after the other, all of `type` (DC_ESCHEMA
 * naming the first input of another type). n == 0 gives an empty array.
 */
dc_status dc_array_concat_typed(dc_array **out, const dc_type *type, dc_array *const *arrays,
                                int64_t n, dc_error *err)
{
    *out = NULL;
    if (n < 0 || (n > 0 && !arrays))
        return dc_error_set(err, DC_EINVALID, "concat: %" PRId64 " arrays given without a list", n);
    for (int64_t k = 0; k < n; k++) {
        if (!dc_type_equals(arrays[k]->type, type)) {
            char *want = dc_type_to_string(type), *got = dc_type_to_string(arrays[k]->type);
            dc_status rc = dc_error_set(err, DC_ESCHEMA,
                                        "concat: array %" PRId64 " is of type %s, not %s; cast it "
                                        "first",
                                        k, got ? got : "?", want ? want : "?");
            dc_free(want);
            dc_free(got);
            return rc;
        }
    }
    return concat_impl(out, type, arrays, n, err);
}

/* As dc_array_concat_typed with the first array's type; n must be > 0. */
dc_status dc_array_concat(dc_array **out, dc_array *const *arrays, int64_t n, dc_error *err)
{
    *out = NULL;
    if (n <= 0 || !arrays)
        return dc_error_set(err, DC_EINVALID,
                            "concat: no arrays given; use dc_array_concat_typed for zero arrays");
    return dc_array_concat_typed(out, arrays[0]->type, arrays, n, err);
}

/* The batches one after the other; all of the first batch's schema (DC_ESCHEMA otherwise). */
dc_status dc_batch_concat(dc_batch **out, dc_batch *const *batches, int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array **cols = NULL, **parts = NULL;
    int32_t nf = 0;
    *out = NULL;
    if (n <= 0 || !batches)
        return dc_error_set(err, DC_EINVALID, "concat: no batches given");
    const dc_schema *s = batches[0]->schema;
    nf = s->n_fields;
    int64_t total = 0;
    for (int64_t k = 0; k < n; k++) {
        if (batches[k]->schema != s && !dc_schema_equals(batches[k]->schema, s))
            return dc_error_set(err, DC_ESCHEMA,
                                "concat: batch %" PRId64
                                " has a different schema from batch 0; conform it first",
                                k);
        total += batches[k]->length;
    }
    if (n == 1)
        return (*out = dc_batch_ref(batches[0])) ? DC_OK : dc_error_nomem(err);
    cols = dc_calloc((size_t)(nf ? nf : 1), sizeof *cols);
    parts = dc_calloc((size_t)n, sizeof *parts);
    if (!cols || !parts) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    for (int32_t c = 0; c < nf; c++) {
        for (int64_t k = 0; k < n; k++)
            parts[k] = batches[k]->columns[c];
        DC_TRY(concat_impl(&cols[c], s->fields[c].type, parts, n, err));
    }
    rc = dc_batch_new(out, s, cols, total, err);
cleanup:
    if (cols) {
        for (int32_t c = 0; c < nf; c++)
            dc_array_unref(cols[c]);
        dc_free(cols);
    }
    dc_free(parts);
    return rc;
}
