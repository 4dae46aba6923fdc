/* kernel_common.c: bitmap, result-building and value helpers shared by the kernels. */
#include "columnar/kernel_int.h"

void dc_kernel__bits_copy(uint8_t *dst, int64_t doff, const uint8_t *src, int64_t soff, int64_t n)
{
    /* Head: single bits until the destination is byte aligned. */
    while (n > 0 && (doff & 7)) {
        dc_bit_put(dst, doff++, dc_bit_get(src, soff++));
        n--;
    }
    int64_t nbytes = n >> 3;
    uint8_t *d = dst + (doff >> 3);
    const uint8_t *s = src + (soff >> 3);
    int sh = (int)(soff & 7);
    if (nbytes > 0) {
        if (sh == 0) {
            memcpy(d, s, (size_t)nbytes);
        } else {
            /* Byte k takes the high bits of s[k] and the low bits of s[k+1]; the last
             * byte read, s[nbytes], still holds wanted bits because sh > 0. */
            for (int64_t k = 0; k < nbytes; k++)
                d[k] = (uint8_t)((s[k] >> sh) | (s[k + 1] << (8 - sh)));
        }
    }
    doff += nbytes << 3;
    soff += nbytes << 3;
    n -= nbytes << 3;
    while (n-- > 0)
        dc_bit_put(dst, doff++, dc_bit_get(src, soff++));
}

void dc_kernel__bits_set_range(uint8_t *dst, int64_t off, int64_t n)
{
    while (n > 0 && (off & 7)) {
        dc_bit_set(dst, off++);
        n--;
    }
    if (n >= 8) {
        memset(dst + (off >> 3), 0xff, (size_t)(n >> 3));
        off += (n >> 3) << 3;
        n &= 7;
    }
    while (n-- > 0)
        dc_bit_set(dst, off++);
}

dc_status dc_kernel__copy_validity(dc_buffer **out, const dc_array *a, dc_error *err)
{
    *out = NULL;
    if (a->type->id == DC_TYPE_NULL) {
        /* All null: a zeroed bitmap. */
        *out = dc_buffer_new(dc_kernel__bitmap_bytes(a->length), true);
        return *out ? DC_OK : dc_error_nomem(err);
    }
    if (a->null_count == 0 || !a->data[0])
        return DC_OK;
    dc_buffer *b = dc_buffer_new(dc_kernel__bitmap_bytes(a->length), true);
    if (!b)
        return dc_error_nomem(err);
    dc_kernel__bits_copy(b->data, 0, a->data[0], a->offset, a->length);
    *out = b;
    return DC_OK;
}

dc_status dc_kernel__make(dc_array **out, const dc_type *type, int64_t length, int64_t null_count,
                          dc_buffer **buffers, int32_t n_buffers, dc_array **children,
                          int32_t n_children, dc_array *dictionary, dc_error *err)
{
    dc_status rc = DC_OK;
    *out = NULL;
    /* Any NULL buffer other than the validity one means an allocation failed upstream. */
    for (int32_t i = 1; i < n_buffers; i++) {
        if (!buffers[i]) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    }
    for (int32_t i = 0; i < n_children; i++) {
        if (!children[i]) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    }
    if (null_count == 0 && n_buffers > 0 && buffers[0]) {
        dc_buffer_unref(buffers[0]);
        buffers[0] = NULL;
    }
    rc = dc_array_make(out, type, length, 0, null_count, buffers, n_buffers, children, n_children,
                       dictionary, err);
cleanup:
    for (int32_t i = 0; i < n_buffers; i++) {
        dc_buffer_unref(buffers[i]);
        buffers[i] = NULL;
    }
    for (int32_t i = 0; i < n_children; i++) {
        dc_array_unref(children[i]);
        children[i] = NULL;
    }
    return rc;
}

dc_status dc_kernel__empty(dc_array **out, const dc_type *type, dc_error *err)
{
    return dc_array_new_null(out, type, 0, err);
}

int64_t dc_kernel__temporal_nanos(const dc_type *t)
{
    switch (t->id) {
    case DC_TYPE_DATE32: return 86400LL * 1000000000LL;
    case DC_TYPE_DATE64: return 1000000LL;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP:
    case DC_TYPE_DURATION: return dc_unit_nanos(t->unit);
    default: return 1;
    }
}

int64_t dc_kernel__raw_int(const dc_array *a, int64_t i)
{
    const uint8_t *p = a->data[1];
    int64_t k = a->offset + i;
    switch (a->type->id) {
    case DC_TYPE_BOOL: return dc_bit_get(p, k);
    case DC_TYPE_INT8: return ((const int8_t *)p)[k];
    case DC_TYPE_UINT8: return ((const uint8_t *)p)[k];
    case DC_TYPE_INT16: return ((const int16_t *)(const void *)p)[k];
    case DC_TYPE_UINT16: return ((const uint16_t *)(const void *)p)[k];
    case DC_TYPE_INT32:
    case DC_TYPE_DATE32:
    case DC_TYPE_TIME32: return ((const int32_t *)(const void *)p)[k];
    case DC_TYPE_UINT32: return ((const uint32_t *)(const void *)p)[k];
    case DC_TYPE_DICTIONARY: return dc_kernel__dict_index(a, i);
    default: return ((const int64_t *)(const void *)p)[k];
    }
}
