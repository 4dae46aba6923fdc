/*
 * array.c: arrays: construction, reference counting, value access and the
 * structural validation applied to everything that comes from outside.
 */
#include "columnar/columnar_int.h"

#include <math.h>
#include <stdio.h>

dc_status dc_array_make(dc_array **out, const dc_type *type, int64_t length, int64_t offset,
                        int64_t null_count, dc_buffer *const *buffers, int32_t n_buffers,
                        dc_array *const *children, int32_t n_children, dc_array *dictionary,
                        dc_error *err)
{
    *out = NULL;
    if (length < 0 || offset < 0)
        return dc_error_set(err, DC_EINVALID, "array length and offset must be >= 0");
    if (n_buffers != dc_type_n_buffers(type) || n_buffers > 3)
        return dc_error_set(err, DC_EINVALID, "array of type %s needs %d buffers, got %d",
                            dc_type_id_name(type->id), dc_type_n_buffers(type), n_buffers);
    int32_t want_children = type->id == DC_TYPE_DICTIONARY ? 0 : type->n_children;
    if (n_children != want_children)
        return dc_error_set(err, DC_EINVALID, "array of type %s needs %d children, got %d",
                            dc_type_id_name(type->id), want_children, n_children);
    if ((type->id == DC_TYPE_DICTIONARY) != (dictionary != NULL))
        return dc_error_set(err, DC_EINVALID, "a dictionary array needs exactly its dictionary");
    dc_array *a = dc_calloc(1, sizeof *a);
    if (!a)
        return dc_error_nomem(err);
    if (n_children > 0) {
        a->children = dc_calloc((size_t)n_children, sizeof *a->children);
        if (!a->children) {
            dc_free(a);
            return dc_error_nomem(err);
        }
    }
    __atomic_store_n(&a->refs_, 1, __ATOMIC_RELAXED);
    a->type = dc_type_ref(type);
    a->length = length;
    a->offset = offset;
    a->n_buffers = n_buffers;
    for (int32_t i = 0; i < n_buffers; i++) {
        a->buffers[i] = dc_buffer_ref(buffers[i]);
        a->data[i] = buffers[i] ? buffers[i]->data : NULL;
    }
    a->n_children = n_children;
    for (int32_t i = 0; i < n_children; i++)
        a->children[i] = dc_array_ref(children[i]);
    a->dictionary = dc_array_ref(dictionary);
    if (type->id == DC_TYPE_NULL)
        a->null_count = length;
    else if (!a->data[0])
        a->null_count = 0;
    else if (null_count >= 0)
        a->null_count = null_count;
    else
        a->null_count = length - dc_bitmap_count(a->data[0], offset, length);
    *out = a;
    return DC_OK;
}

dc_array *dc_array_ref(const dc_array *a)
{
    if (a)
        __atomic_fetch_add(&((dc_array *)a)->refs_, 1, __ATOMIC_RELAXED);
    return (dc_array *)a;
}

void dc_array_unref(dc_array *a)
{
    if (!a || __atomic_sub_fetch(&a->refs_, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (int32_t i = 0; i < a->n_buffers; i++)
        dc_buffer_unref(a->buffers[i]);
    for (int32_t i = 0; i < a->n_children; i++)
        dc_array_unref(a->children[i]);
    dc_free(a->children);
    dc_array_unref(a->dictionary);
    dc_type_unref(a->type);
    dc_free(a);
}

bool dc_array_is_null(const dc_array *a, int64_t i) { return !dc_array_valid(a, i); }

dc_status dc_array_new_null(dc_array **out, const dc_type *type, int64_t length, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *bufs[3] = {NULL, NULL, NULL};
    dc_array **kids = NULL;
    dc_array *dict = NULL;
    int32_t nb = dc_type_n_buffers(type), nk = 0;
    *out = NULL;
    if (length < 0)
        return dc_error_set(err, DC_EINVALID, "negative length");
    if (nb > 0) {
        bufs[0] = dc_buffer_new((length + 7) / 8, true);
        DC_TRY_ALLOC(bufs[0], err);
    }
    if (type->id == DC_TYPE_BOOL) {
        bufs[1] = dc_buffer_new((length + 7) / 8, true);
        DC_TRY_ALLOC(bufs[1], err);
    } else if (dc_type_has_offsets32(type->id) || dc_type_has_offsets64(type->id)) {
        int64_t w = dc_type_has_offsets32(type->id) ? 4 : 8;
        bufs[1] = dc_buffer_new((length + 1) * w, true);
        DC_TRY_ALLOC(bufs[1], err);
        if (nb == 3) {
            bufs[2] = dc_buffer_new(0, true);
            DC_TRY_ALLOC(bufs[2], err);
        }
    } else if (nb == 2) {
        bufs[1] = dc_buffer_new(length * type->byte_width, true);
        DC_TRY_ALLOC(bufs[1], err);
    }
    if (type->id == DC_TYPE_DICTIONARY) {
        DC_TRY(dc_array_new_null(&dict, type->value_type, 0, err));
    } else if (type->n_children > 0) {
        nk = type->n_children;
        kids = dc_calloc((size_t)nk, sizeof *kids);
        DC_TRY_ALLOC(kids, err);
        int64_t child_len = type->id == DC_TYPE_STRUCT ? length
                            : type->id == DC_TYPE_FIXED_SIZE_LIST ? length * type->list_size
                                                                  : 0;
        for (int32_t i = 0; i < nk; i++)
            DC_TRY(dc_array_new_null(&kids[i], type->children[i].type, child_len, err));
    }
    DC_TRY(dc_array_make(out, type, length, 0, length, bufs, nb, kids, nk, dict, err));
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    for (int32_t i = 0; kids && i < nk; i++)
        dc_array_unref(kids[i]);
    dc_free(kids);
    dc_array_unref(dict);
    return rc;
}

/* ---- value access ---- */

int64_t dc_array_get_int(const dc_array *a, int64_t i)
{
    const uint8_t *v = a->data[1];
    int64_t k = a->offset + i;
    switch (a->type->id == DC_TYPE_DICTIONARY ? a->type->index_type->id : a->type->id) {
    case DC_TYPE_BOOL: return dc_bit_get(v, k);
    case DC_TYPE_INT8: return ((const int8_t *)v)[k];
    case DC_TYPE_UINT8: return ((const uint8_t *)v)[k];
    case DC_TYPE_INT16: return ((const int16_t *)v)[k];
    case DC_TYPE_UINT16: return ((const uint16_t *)v)[k];
    case DC_TYPE_INT32: case DC_TYPE_DATE32: case DC_TYPE_TIME32: return ((const int32_t *)v)[k];
    case DC_TYPE_UINT32: return ((const uint32_t *)v)[k];
    case DC_TYPE_INT64: case DC_TYPE_UINT64: case DC_TYPE_DATE64: case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP: case DC_TYPE_DURATION: return ((const int64_t *)v)[k];
    case DC_TYPE_FLOAT16: return (int64_t)dc_half_to_float(((const uint16_t *)v)[k]);
    case DC_TYPE_FLOAT32: return (int64_t)((const float *)v)[k];
    case DC_TYPE_FLOAT64: return (int64_t)((const double *)v)[k];
    default: return 0;
    }
}

uint64_t dc_array_get_uint(const dc_array *a, int64_t i)
{
    if (a->type->id == DC_TYPE_UINT64)
        return ((const uint64_t *)a->data[1])[a->offset + i];
    return (uint64_t)dc_array_get_int(a, i);
}

static double decimal_to_double(const uint8_t *p, int32_t bytes, int32_t scale)
{
    /* Little-endian two's complement; convert through 64-bit limbs. */
    int limbs = bytes / 8;
    uint64_t w[4];
    memcpy(w, p, (size_t)bytes);
    bool neg = (w[limbs - 1] >> 63) != 0;
    if (neg) { /* negate */
        uint64_t carry = 1;
        for (int k = 0; k < limbs; k++) {
            w[k] = ~w[k] + carry;
            carry = carry && w[k] == 0;
        }
    }
    double v = 0;
    for (int k = limbs - 1; k >= 0; k--)
        v = v * 18446744073709551616.0 + (double)w[k];
    v /= pow(10.0, scale);
    return neg ? -v : v;
}

double dc_array_get_double(const dc_array *a, int64_t i)
{
    int64_t k = a->offset + i;
    switch (a->type->id) {
    case DC_TYPE_FLOAT16: return dc_half_to_float(((const uint16_t *)a->data[1])[k]);
    case DC_TYPE_FLOAT32: return ((const float *)a->data[1])[k];
    case DC_TYPE_FLOAT64: return ((const double *)a->data[1])[k];
    case DC_TYPE_UINT64: return (double)((const uint64_t *)a->data[1])[k];
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
        return decimal_to_double(a->data[1] + k * a->type->byte_width, a->type->byte_width,
                                 a->type->scale);
    default: return (double)dc_array_get_int(a, i);
    }
}

const uint8_t *dc_array_get_bytes(const dc_array *a, int64_t i, int64_t *len)
{
    int64_t k = a->offset + i;
    switch (a->type->id) {
    case DC_TYPE_UTF8:
    case DC_TYPE_BINARY: {
        const int32_t *o = (const int32_t *)a->data[1];
        *len = o[k + 1] - o[k];
        return a->data[2] ? a->data[2] + o[k] : (const uint8_t *)""; /* all empty, no buffer */
    }
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_LARGE_BINARY: {
        const int64_t *o = (const int64_t *)a->data[1];
        *len = o[k + 1] - o[k];
        return a->data[2] ? a->data[2] + o[k] : (const uint8_t *)"";
    }
    case DC_TYPE_FIXED_SIZE_BINARY:
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
        *len = a->type->byte_width;
        return a->data[1] + k * a->type->byte_width;
    default:
        *len = 0;
        return NULL;
    }
}

void dc_array_get_list_range(const dc_array *a, int64_t i, int64_t *start, int64_t *end)
{
    int64_t k = a->offset + i;
    switch (a->type->id) {
    case DC_TYPE_LIST:
    case DC_TYPE_MAP: {
        const int32_t *o = (const int32_t *)a->data[1];
        *start = o[k];
        *end = o[k + 1];
        return;
    }
    case DC_TYPE_LARGE_LIST: {
        const int64_t *o = (const int64_t *)a->data[1];
        *start = o[k];
        *end = o[k + 1];
        return;
    }
    case DC_TYPE_FIXED_SIZE_LIST:
        *start = k * a->type->list_size;
        *end = *start + a->type->list_size;
        return;
    default:
        *start = *end = 0;
    }
}

/* ---- IEEE 754 half precision ---- */

float dc_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: normalize */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | man << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t dc_float_to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
    uint32_t man = x & 0x7fffff;
    if (((x >> 23) & 0xff) == 0xff) /* inf or nan */
        return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
    if (exp >= 31)
        return (uint16_t)(sign | 0x7c00);
    if (exp <= 0) {
        if (exp < -10)
            return sign;
        man |= 0x800000;
        uint32_t shift = (uint32_t)(14 - exp);
        uint32_t half = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1)))
            half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = (uint32_t)exp << 10 | man >> 13;
    uint32_t rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
        half++; /* may carry into the exponent, which is the right rounding */
    return (uint16_t)(sign | half);
}

/* ---- validation ---- */

static dc_status vfail(dc_error *err, const char *path, const char *fmt, ...) DC_PRINTF(3, 4);
static dc_status vfail(dc_error *err, const char *path, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dc_error_set(err, DC_ECORRUPT, "invalid Arrow array at %s: %s", path, msg);
}

static dc_status validate(const dc_array *a, const char *path, int depth, dc_error *err)
{
    const dc_type *t = a->type;
    int64_t end;
    if (depth > 64)
        return vfail(err, path, "nested deeper than 64 levels");
    if (a->length < 0 || a->offset < 0 || dc_add_overflows(a->offset, a->length, &end))
        return vfail(err, path, "negative or overflowing length %lld / offset %lld", (long long)(a->length), (long long)(a->offset));
    if (a->n_buffers != dc_type_n_buffers(t))
        return vfail(err, path, "expected %lld buffers, has %lld", (long long)(dc_type_n_buffers(t)), (long long)(a->n_buffers));
    if (a->null_count < 0 || a->null_count > a->length)
        return vfail(err, path, "null_count %lld out of range for length %lld", (long long)(a->null_count), (long long)(a->length));
    if (t->id == DC_TYPE_NULL)
        return DC_OK;
    if (a->buffers[0] && a->buffers[0]->size * 8 < end)
        return vfail(err, path, "validity bitmap holds %lld bits, needs %lld", (long long)(a->buffers[0]->size * 8), (long long)(end));
    if (a->buffers[0] && a->null_count != a->length - dc_bitmap_count(a->data[0], a->offset, a->length))
        return vfail(err, path, "null_count %lld does not match the bitmap (%lld nulls)", (long long)(a->null_count), (long long)(a->length - dc_bitmap_count(a->data[0], a->offset, a->length)));
    if (!a->buffers[0] && a->null_count != 0)
        return vfail(err, path, "null_count %lld without a validity bitmap", (long long)a->null_count);
    if (a->n_buffers >= 2 && !a->buffers[1] && a->length > 0)
        return vfail(err, path, "missing data buffer (length %lld)", (long long)a->length);
    if (t->id == DC_TYPE_BOOL) {
        if (a->length && a->buffers[1]->size * 8 < end)
            return vfail(err, path, "values hold %lld bits, need %lld", (long long)(a->buffers[1]->size * 8), (long long)(end));
        return DC_OK;
    }
    if (dc_type_is_fixed_width(t->id) || t->id == DC_TYPE_DICTIONARY) {
        int64_t need;
        if (dc_mul_overflows(end, t->byte_width, &need))
            return vfail(err, path, "size overflow");
        if (a->length && a->buffers[1]->size < need)
            return vfail(err, path, "values buffer has %lld bytes, needs %lld", (long long)(a->buffers[1]->size), (long long)(need));
        if (t->id == DC_TYPE_DICTIONARY) {
            char sub[300];
            snprintf(sub, sizeof sub, "%s.dictionary", path);
            dc_status rc = validate(a->dictionary, sub, depth + 1, err);
            if (rc != DC_OK)
                return rc;
            if (!dc_type_equals(a->dictionary->type, t->value_type))
                return vfail(err, path, "dictionary type differs from the declared one");
            for (int64_t i = 0; i < a->length; i++) {
                if (!dc_array_valid(a, i))
                    continue;
                int64_t ix = dc_array_get_int(a, i);
                if (t->index_type->id == DC_TYPE_UINT64 && (int64_t)dc_array_get_uint(a, i) < 0)
                    ix = -1;
                if (ix < 0 || ix >= a->dictionary->length)
                    return vfail(err, path, "index %lld out of the dictionary's %lld values", (long long)(ix), (long long)(a->dictionary->length));
            }
        }
        return DC_OK;
    }
    if (dc_type_has_offsets32(t->id) || dc_type_has_offsets64(t->id)) {
        bool o32 = dc_type_has_offsets32(t->id);
        int64_t w = o32 ? 4 : 8;
        if (a->length == 0 && !a->buffers[1])
            goto children;
        if (a->buffers[1]->size < (end + 1) * w)
            return vfail(err, path, "offsets buffer has %lld bytes, needs %lld", (long long)(a->buffers[1]->size), (long long)((end + 1) * w));
        int64_t prev = o32 ? ((const int32_t *)a->data[1])[a->offset]
                           : ((const int64_t *)a->data[1])[a->offset];
        if (prev < 0)
            return vfail(err, path, "negative first offset %lld", (long long)prev);
        for (int64_t k = a->offset + 1; k <= end; k++) {
            int64_t cur = o32 ? ((const int32_t *)a->data[1])[k] : ((const int64_t *)a->data[1])[k];
            if (cur < prev)
                return vfail(err, path, "offsets decrease at element %lld (%lld)", (long long)(k - a->offset), (long long)(cur));
            prev = cur;
        }
        if (a->n_buffers == 3) {
            int64_t dsz = a->buffers[2] ? a->buffers[2]->size : 0;
            if (prev > dsz)
                return vfail(err, path, "last offset %lld beyond the data buffer (%lld bytes)", (long long)(prev), (long long)(dsz));
            if (dc_type_is_string(t->id)) {
                for (int64_t i = 0; i < a->length; i++) {
                    if (!dc_array_valid(a, i))
                        continue;
                    int64_t n;
                    const uint8_t *p = dc_array_get_bytes(a, i, &n);
                    if (!dc_utf8_valid((const char *)p, n))
                        return vfail(err, path, "invalid UTF-8 in element %lld", (long long)i);
                }
            }
            return DC_OK;
        }
        if (prev > a->children[0]->length)
            return vfail(err, path, "last offset %lld beyond the child's %lld elements", (long long)(prev), (long long)(a->children[0]->length));
    }
children:
    if (t->id == DC_TYPE_FIXED_SIZE_LIST) {
        int64_t need;
        if (dc_mul_overflows(end, t->list_size, &need) || a->children[0]->length < need)
            return vfail(err, path, "child has %lld elements, needs %lld", (long long)(a->children[0]->length), (long long)(end * (int64_t)t->list_size));
    }
    if (t->id == DC_TYPE_MAP) {
        const dc_array *e = a->children[0];
        if (e->null_count != 0)
            return vfail(err, path, "map entries may not be null (%lld nulls)", (long long)e->null_count);
        if (e->children[0]->null_count != 0)
            return vfail(err, path, "map keys may not be null (%lld nulls)", (long long)e->children[0]->null_count);
    }
    for (int32_t i = 0; i < a->n_children; i++) {
        const dc_array *c = a->children[i];
        if (!dc_type_equals(c->type, t->children[i].type))
            return vfail(err, path, "child %d has another type than declared", (int)i);
        if (t->id == DC_TYPE_STRUCT && c->length < end)
            return vfail(err, path, "struct child shorter (%lld) than the struct (%lld)", (long long)(c->length), (long long)(end));
        char sub[300];
        snprintf(sub, sizeof sub, "%s.%s", path, t->children[i].name);
        dc_status rc = validate(c, sub, depth + 1, err);
        if (rc != DC_OK)
            return rc;
    }
    return DC_OK;
}

dc_status dc_array_validate(const dc_array *a, dc_error *err)
{
    return validate(a, "<array>", 0, err);
}
