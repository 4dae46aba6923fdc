/* kernel_slice.c: zero-copy slices of arrays and batches. */
#include "columnar/kernel_int.h"

#include <inttypes.h>

/*
 * A view of rows [offset, offset+length) of `a`: the same buffers, children
 * and dictionary, with the array offset moved (children of structs and
 * fixed-size lists are addressed through the parent offset, as in Arrow).
 * DC_EINVALID when the range is outside the array; *out untouched then.
 */
dc_status dc_array_slice(dc_array **out, const dc_array *a, int64_t offset, int64_t length,
                         dc_error *err)
{
    *out = NULL;
    int64_t end;
    if (offset < 0 || length < 0 || dc_add_overflows(offset, length, &end) || end > a->length)
        return dc_error_set(err, DC_EINVALID,
                            "slice [%" PRId64 ", %" PRId64 " rows) is outside the array of %" PRId64
                            " rows; keep offset + length within the array",
                            offset, length, a->length);
    if (offset == 0 && length == a->length)
        return (*out = dc_array_ref(a)) ? DC_OK : dc_error_nomem(err);
    int64_t nulls;
    if (a->type->id == DC_TYPE_NULL)
        nulls = length;
    else if (!a->data[0] || a->null_count == 0)
        nulls = 0;
    else
        nulls = length - dc_bitmap_count(a->data[0], a->offset + offset, length);
    return dc_array_make(out, a->type, length, a->offset + offset, nulls, a->buffers, a->n_buffers,
                         a->children, a->n_children, a->dictionary, err);
}

/* Every column sliced; the schema shared. */
dc_status dc_batch_slice(dc_batch **out, const dc_batch *b, int64_t offset, int64_t length,
                         dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t n = b->schema->n_fields;
    dc_array **cols = NULL;
    *out = NULL;
    int64_t end;
    if (offset < 0 || length < 0 || dc_add_overflows(offset, length, &end) || end > b->length)
        return dc_error_set(err, DC_EINVALID,
                            "slice [%" PRId64 ", %" PRId64 " rows) is outside the batch of %" PRId64
                            " rows; keep offset + length within the batch",
                            offset, length, b->length);
    cols = dc_calloc((size_t)(n ? n : 1), sizeof *cols);
    DC_TRY_ALLOC(cols, err);
    for (int32_t i = 0; i < n; i++)
        DC_TRY(dc_array_slice(&cols[i], b->columns[i], offset, length, err));
    rc = dc_batch_new(out, b->schema, cols, length, err);
cleanup:
    if (cols) {
        for (int32_t i = 0; i < n; i++)
            dc_array_unref(cols[i]);
        dc_free(cols);
    }
    return rc;
}
