/*
 * kernel_compare.c: value comparison across comparable types and the
 * element-wise comparison kernel.
 *
 * Comparable families: numbers (ints, bool, floats, decimals: by value),
 * instants (date32/64, timestamp: by instant whatever the unit), times of
 * day, durations, bytes (utf8, binary, fixed_size_binary, bytewise), lists
 * (list, large_list, fixed_size_list: lexicographic), maps, structs (field by
 * field). Dictionaries compare by their values; the NULL type compares with
 * anything. NaN sorts above every number and equals NaN.
 */
#include "columnar/kernel_int.h"

#include <inttypes.h>
#include <math.h>

typedef enum kind {
    K_NULL,
    K_SINT,
    K_UINT,
    K_FLOAT,
    K_DEC,
    K_INSTANT,
    K_TIME,
    K_DURATION,
    K_BYTES,
    K_LIST,
    K_STRUCT,
    K_MAP,
    K_DICT,
    K_OTHER
} kind;

static kind kind_of(const dc_type *t)
{
    switch (t->id) {
    case DC_TYPE_NULL: return K_NULL;
    case DC_TYPE_BOOL:
    case DC_TYPE_INT8:
    case DC_TYPE_INT16:
    case DC_TYPE_INT32:
    case DC_TYPE_INT64: return K_SINT;
    case DC_TYPE_UINT8:
    case DC_TYPE_UINT16:
    case DC_TYPE_UINT32:
    case DC_TYPE_UINT64: return K_UINT;
    case DC_TYPE_FLOAT16:
    case DC_TYPE_FLOAT32:
    case DC_TYPE_FLOAT64: return K_FLOAT;
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256: return K_DEC;
    case DC_TYPE_DATE32:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIMESTAMP: return K_INSTANT;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64: return K_TIME;
    case DC_TYPE_DURATION: return K_DURATION;
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_BINARY:
    case DC_TYPE_FIXED_SIZE_BINARY: return K_BYTES;
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST: return K_LIST;
    case DC_TYPE_STRUCT: return K_STRUCT;
    case DC_TYPE_MAP: return K_MAP;
    case DC_TYPE_DICTIONARY: return K_DICT;
    default: return K_OTHER;
    }
}

static bool is_numeric(kind k) { return k == K_SINT || k == K_UINT || k == K_FLOAT || k == K_DEC; }

/* True when values of `a` and `b` can be compared by dc_compare_values. */
static bool comparable(const dc_type *a, const dc_type *b)
{
    kind ka = kind_of(a), kb = kind_of(b);
    if (ka == K_NULL || kb == K_NULL)
        return true;
    if (ka == K_DICT)
        return comparable(a->value_type, b);
    if (kb == K_DICT)
        return comparable(a, b->value_type);
    if (is_numeric(ka) && is_numeric(kb))
        return true;
    if (ka != kb || ka == K_OTHER)
        return false;
    switch (ka) {
    case K_LIST:
    case K_MAP: return comparable(a->children[0].type, b->children[0].type);
    case K_STRUCT:
        if (a->n_children != b->n_children)
            return false;
        for (int32_t c = 0; c < a->n_children; c++) {
            if (!comparable(a->children[c].type, b->children[c].type))
                return false;
        }
        return true;
    default: return true;
    }
}

static double num_double(const dc_array *a, int64_t i)
{
    const uint8_t *p = a->data[1];
    int64_t k = a->offset + i;
    switch (a->type->id) {
    case DC_TYPE_FLOAT16: return dc_half_to_float(((const uint16_t *)(const void *)p)[k]);
    case DC_TYPE_FLOAT32: return ((const float *)(const void *)p)[k];
    case DC_TYPE_FLOAT64: return ((const double *)(const void *)p)[k];
    case DC_TYPE_UINT64: return (double)((const uint64_t *)(const void *)p)[k];
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256: {
        dc_i256 x;
        dc_i256_from_bytes(&x, p + k * a->type->byte_width, a->type->byte_width);
        return dc_i256_to_double(&x) / pow(10, a->type->scale);
    }
    default: return (double)dc_kernel__raw_int(a, i);
    }
}

/* A number as a 256-bit integer and its scale (integers have scale 0). */
static void num_i256(const dc_array *a, int64_t i, dc_i256 *x, int32_t *scale)
{
    const dc_type *t = a->type;
    *scale = 0;
    if (dc_type_is_decimal(t->id)) {
        dc_i256_from_bytes(x, a->data[1] + (a->offset + i) * t->byte_width, t->byte_width);
        *scale = t->scale;
    } else if (t->id == DC_TYPE_UINT64) {
        dc_i256_from_uint64(x, ((const uint64_t *)(const void *)a->data[1])[a->offset + i]);
    } else {
        dc_i256_from_int64(x, dc_kernel__raw_int(a, i));
    }
}

static inline int cmp_double(double x, double y)
{
    bool nx = isnan(x), ny = isnan(y);
    if (nx || ny)
        return nx && ny ? 0 : (nx ? 1 : -1);
    return (x > y) - (x < y);
}

static int cmp_numbers(const dc_array *a, int64_t i, const dc_array *b, int64_t j)
{
    kind ka = kind_of(a->type), kb = kind_of(b->type);
    if (ka == K_FLOAT || kb == K_FLOAT)
        return cmp_double(num_double(a, i), num_double(b, j));
    if (ka == K_DEC || kb == K_DEC) {
        dc_i256 x, y;
        int32_t sx, sy;
        num_i256(a, i, &x, &sx);
        num_i256(b, j, &y, &sy);
        return dc_kernel__decimal_cmp(&x, sx, &y, sy);
    }
    bool ua = a->type->id == DC_TYPE_UINT64, ub = b->type->id == DC_TYPE_UINT64;
    if (!ua && !ub) {
        int64_t x = dc_kernel__raw_int(a, i), y = dc_kernel__raw_int(b, j);
        return (x > y) - (x < y);
    }
    /* A uint64 on at least one side: compare signs first, then as unsigned. */
    int64_t sx = ua ? 0 : dc_kernel__raw_int(a, i), sy = ub ? 0 : dc_kernel__raw_int(b, j);
    if (sx < 0 || sy < 0)
        return sx < 0 && sy < 0 ? (sx > sy) - (sx < sy) : (sx < 0 ? -1 : 1);
    uint64_t x = ua ? ((const uint64_t *)(const void *)a->data[1])[a->offset + i] : (uint64_t)sx;
    uint64_t y = ub ? ((const uint64_t *)(const void *)b->data[1])[b->offset + j] : (uint64_t)sy;
    return (x > y) - (x < y);
}

static int cmp_temporal(const dc_array *a, int64_t i, const dc_array *b, int64_t j)
{
    int64_t x = dc_kernel__raw_int(a, i), y = dc_kernel__raw_int(b, j);
    int64_t fa = dc_kernel__temporal_nanos(a->type), fb = dc_kernel__temporal_nanos(b->type);
    if (fa == fb)
        return (x > y) - (x < y);
    __int128 X = (__int128)x * fa, Y = (__int128)y * fb;
    return (X > Y) - (X < Y);
}

static const uint8_t *any_bytes(const dc_array *a, int64_t i, int64_t *len)
{
    if (a->type->id == DC_TYPE_FIXED_SIZE_BINARY) {
        *len = a->type->byte_width;
        return a->data[1] + (a->offset + i) * a->type->byte_width;
    }
    return dc_kernel__bytes(a, i, len);
}

static inline int cmp_bytes(const uint8_t *x, int64_t nx, const uint8_t *y, int64_t ny)
{
    int64_t m = nx < ny ? nx : ny;
    int c = m ? memcmp(x, y, (size_t)m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (nx > ny) - (nx < ny);
}

/* Both valid, neither a dictionary. */
static int cmp_valid(const dc_array *a, int64_t i, const dc_array *b, int64_t j, bool nf)
{
    kind ka = kind_of(a->type), kb = kind_of(b->type);
    if (is_numeric(ka) && is_numeric(kb))
        return cmp_numbers(a, i, b, j);
    if (ka != kb)
        return ka < kb ? -1 : 1;
    switch (ka) {
    case K_INSTANT:
    case K_TIME:
    case K_DURATION: return cmp_temporal(a, i, b, j);
    case K_BYTES: {
        int64_t nx, ny;
        const uint8_t *x = any_bytes(a, i, &nx), *y = any_bytes(b, j, &ny);
        return cmp_bytes(x, nx, y, ny);
    }
    case K_LIST:
    case K_MAP: {
        int64_t sa, ea, sb, eb;
        dc_kernel__list_range(a, i, &sa, &ea);
        dc_kernel__list_range(b, j, &sb, &eb);
        for (; sa < ea && sb < eb; sa++, sb++) {
            int c = dc_compare_values(a->children[0], sa, b->children[0], sb, nf);
            if (c)
                return c;
        }
        return (ea - sa > eb - sb) - (ea - sa < eb - sb);
    }
    case K_STRUCT: {
        int32_t n = a->n_children < b->n_children ? a->n_children : b->n_children;
        for (int32_t c = 0; c < n; c++) {
            int r = dc_compare_values(a->children[c], a->offset + i, b->children[c],
                                      b->offset + j, nf);
            if (r)
                return r;
        }
        return (a->n_children > b->n_children) - (a->n_children < b->n_children);
    }
    default: return 0;
    }
}

/*
 * Three-way comparison of a[i] and b[j]: dictionaries are resolved to their
 * values first, then nulls placed by `nulls_first`, then the values compared
 * by family (see the top of this file). Values of families that cannot be
 * compared order by family, so the result is still a total order.
 */
int dc_compare_values(const dc_array *a, int64_t i, const dc_array *b, int64_t j,
                      bool nulls_first)
{
    bool va = dc_array_valid(a, i), vb = dc_array_valid(b, j);
    while (va && a->type->id == DC_TYPE_DICTIONARY) {
        i = dc_kernel__dict_index(a, i);
        a = a->dictionary;
        va = dc_array_valid(a, i);
    }
    while (vb && b->type->id == DC_TYPE_DICTIONARY) {
        j = dc_kernel__dict_index(b, j);
        b = b->dictionary;
        vb = dc_array_valid(b, j);
    }
    if (!va || !vb) {
        if (!va && !vb)
            return 0;
        return !va ? (nulls_first ? -1 : 1) : (nulls_first ? 1 : -1);
    }
    return cmp_valid(a, i, b, j, nulls_first);
}

static inline bool op_holds(dc_cmp_op op, int c)
{
    switch (op) {
    case DC_CMP_EQ: return c == 0;
    case DC_CMP_NE: return c != 0;
    case DC_CMP_LT: return c < 0;
    case DC_CMP_LE: return c <= 0;
    case DC_CMP_GT: return c > 0;
    default: return c >= 0;
    }
}

#define CMP_FIXED(T, CMP)                                                                          \
    do {                                                                                           \
        const T *x = (const T *)(const void *)left->data[1] + left->offset;                        \
        const T *y = (const T *)(const void *)right->data[1] + right->offset;                      \
        for (int64_t k = 0; k < n; k++) {                                                          \
            T u = x[k], v = y[scalar ? 0 : k];                                                     \
            if (op_holds(op, CMP(u, v)))                                                           \
                dc_bit_set(res, k);                                                                \
        }                                                                                          \
    } while (0)
#define CMP_PLAIN(u, v) (((u) > (v)) - ((u) < (v)))

/* Same-type fast path over the value buffers; false when the type has none. */
static bool compare_fast(uint8_t *res, const dc_array *left, dc_cmp_op op, const dc_array *right,
                         int64_t n, bool scalar)
{
    const dc_type *t = left->type;
    if (!dc_type_equals(t, right->type) || n == 0)
        return false;
    switch (t->id) {
    case DC_TYPE_INT8: CMP_FIXED(int8_t, CMP_PLAIN); return true;
    case DC_TYPE_INT16: CMP_FIXED(int16_t, CMP_PLAIN); return true;
    case DC_TYPE_INT32:
    case DC_TYPE_DATE32:
    case DC_TYPE_TIME32: CMP_FIXED(int32_t, CMP_PLAIN); return true;
    case DC_TYPE_INT64:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP:
    case DC_TYPE_DURATION: CMP_FIXED(int64_t, CMP_PLAIN); return true;
    case DC_TYPE_UINT8: CMP_FIXED(uint8_t, CMP_PLAIN); return true;
    case DC_TYPE_UINT16: CMP_FIXED(uint16_t, CMP_PLAIN); return true;
    case DC_TYPE_UINT32: CMP_FIXED(uint32_t, CMP_PLAIN); return true;
    case DC_TYPE_UINT64: CMP_FIXED(uint64_t, CMP_PLAIN); return true;
    case DC_TYPE_FLOAT32: CMP_FIXED(float, cmp_double); return true;
    case DC_TYPE_FLOAT64: CMP_FIXED(double, cmp_double); return true;
    case DC_TYPE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_LARGE_BINARY:
        for (int64_t k = 0; k < n; k++) {
            int64_t nx, ny;
            const uint8_t *x = dc_kernel__bytes(left, k, &nx);
            const uint8_t *y = dc_kernel__bytes(right, scalar ? 0 : k, &ny);
            if (op_holds(op, cmp_bytes(x, nx, y, ny)))
                dc_bit_set(res, k);
        }
        return true;
    default: return false;
    }
}

/*
 * left[k] op right[k] (or right[0] when right has one row) as a BOOL array,
 * null where either side is null. DC_ESCHEMA when the types are not
 * comparable, DC_EINVALID when the lengths do not match.
 */
dc_status dc_compare(dc_array **out, const dc_array *left, dc_cmp_op op, const dc_array *right,
                     dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *bufs[2] = {NULL, NULL};
    dc_type *bool_t = NULL;
    *out = NULL;
    if (!comparable(left->type, right->type)) {
        char *l = dc_type_to_string(left->type), *r = dc_type_to_string(right->type);
        rc = dc_error_set(err, DC_ESCHEMA, "cannot compare %s with %s; cast one side first",
                          l ? l : "?", r ? r : "?");
        dc_free(l);
        dc_free(r);
        return rc;
    }
    if ((unsigned)op > DC_CMP_GE)
        return dc_error_set(err, DC_EINVALID, "compare: unknown operator %d", (int)op);
    int64_t n = left->length;
    bool scalar = right->length == 1 && n != 1;
    if (right->length != n && !scalar)
        return dc_error_set(err, DC_EINVALID,
                            "compare: the right side has %" PRId64 " rows, the left %" PRId64
                            "; give equal lengths or one right value",
                            right->length, n);
    bool_t = dc_type_new(DC_TYPE_BOOL);
    DC_TRY_ALLOC(bool_t, err);
    int64_t nulls = 0;
    bool lnull = left->type->id == DC_TYPE_NULL || left->null_count > 0;
    bool rnull = right->type->id == DC_TYPE_NULL || right->null_count > 0;
    if (lnull || rnull) {
        bufs[0] = dc_buffer_new(dc_kernel__bitmap_bytes(n), true);
        DC_TRY_ALLOC(bufs[0], err);
        for (int64_t k = 0; k < n; k++) {
            if (dc_array_valid(left, k) && dc_array_valid(right, scalar ? 0 : k))
                dc_bit_set(bufs[0]->data, k);
            else
                nulls++;
        }
    }
    bufs[1] = dc_buffer_new(dc_kernel__bitmap_bytes(n), true);
    DC_TRY_ALLOC(bufs[1], err);
    if (nulls < n && !compare_fast(bufs[1]->data, left, op, right, n, scalar)) {
        for (int64_t k = 0; k < n; k++) {
            if (bufs[0] && !dc_bit_get(bufs[0]->data, k))
                continue;
            if (op_holds(op, dc_compare_values(left, k, right, scalar ? 0 : k, true)))
                dc_bit_set(bufs[1]->data, k);
        }
    }
    /* Bits under nulls are left as computed; consumers look at validity first. */
    rc = dc_kernel__make(out, bool_t, n, nulls, bufs, 2, NULL, 0, NULL, err);
cleanup:
    dc_buffer_unref(bufs[0]);
    dc_buffer_unref(bufs[1]);
    dc_type_unref(bool_t);
    return rc;
}
