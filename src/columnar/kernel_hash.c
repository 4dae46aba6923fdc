/*
 * kernel_hash.c: row hashing for joins, group-by and deduplication, and row
 * equality. Hashes agree with dc_compare_values' equality within a type:
 * integers hash their value (so int32 5 and int64 5 agree too), floats are
 * normalized (-0.0 as 0.0, one NaN), dictionaries hash their values, nested
 * values hash their elements in order.
 */
#include "columnar/kernel_int.h"

#include <inttypes.h>
#include <math.h>

#define NULL_HASH 0x2d358dccaa6c78a5ULL
#define LIST_SEED 0x8bb84b93962eacc9ULL
#define STRUCT_SEED 0x4b33a62ed433d4a3ULL

static inline uint64_t hash_double(double d)
{
    uint64_t bits;
    if (d == 0)
        d = 0; /* -0.0 equals 0.0 */
    if (isnan(d))
        bits = 0x7ff8000000000000ULL;
    else
        memcpy(&bits, &d, sizeof bits);
    return dc_hash_u64(bits, 0);
}

static dc_status hash_range(const dc_array *a, int64_t start, int64_t n, uint64_t *out,
                            dc_error *err);

/* Hash the elements of list-like rows from their children's hashes. */
static dc_status hash_lists(const dc_array *a, int64_t start, int64_t n, uint64_t *out,
                            dc_error *err)
{
    int64_t cs, ce, s, e;
    if (n == 0)
        return DC_OK;
    dc_kernel__list_range(a, start, &cs, &e);
    dc_kernel__list_range(a, start + n - 1, &s, &ce);
    int64_t m = ce - cs;
    uint64_t *ch = dc_malloc((size_t)(m > 0 ? m : 1) * sizeof *ch);
    if (!ch)
        return dc_error_nomem(err);
    dc_status rc = m > 0 ? hash_range(a->children[0], cs, m, ch, err) : DC_OK;
    if (rc == DC_OK) {
        for (int64_t k = 0; k < n; k++) {
            dc_kernel__list_range(a, start + k, &s, &e);
            uint64_t h = dc_hash_u64((uint64_t)(e - s), LIST_SEED);
            for (int64_t c = s; c < e; c++)
                h = dc_hash_combine(h, ch[c - cs]);
            out[k] = h;
        }
    }
    dc_free(ch);
    return rc;
}

/* out[k] = hash of element start+k of `a` (NULL_HASH for nulls). */
static dc_status hash_range(const dc_array *a, int64_t start, int64_t n, uint64_t *out,
                            dc_error *err)
{
    dc_status rc = DC_OK;
    const dc_type *t = a->type;
    int64_t off = a->offset + start;
    if (t->id == DC_TYPE_NULL) {
        for (int64_t k = 0; k < n; k++)
            out[k] = NULL_HASH;
        return DC_OK;
    }
    if (n == 0)
        return DC_OK;
    switch (t->id) {
    case DC_TYPE_INT32:
    case DC_TYPE_DATE32:
    case DC_TYPE_TIME32: {
        const int32_t *v = (const int32_t *)(const void *)a->data[1] + off;
        for (int64_t k = 0; k < n; k++)
            out[k] = dc_hash_u64((uint64_t)(int64_t)v[k], 0);
        break;
    }
    case DC_TYPE_INT64:
    case DC_TYPE_UINT64:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP:
    case DC_TYPE_DURATION: {
        const uint64_t *v = (const uint64_t *)(const void *)a->data[1] + off;
        for (int64_t k = 0; k < n; k++)
            out[k] = dc_hash_u64(v[k], 0);
        break;
    }
    case DC_TYPE_BOOL:
    case DC_TYPE_INT8:
    case DC_TYPE_INT16:
    case DC_TYPE_UINT8:
    case DC_TYPE_UINT16:
    case DC_TYPE_UINT32:
        for (int64_t k = 0; k < n; k++)
            out[k] = dc_hash_u64((uint64_t)dc_kernel__raw_int(a, start + k), 0);
        break;
    case DC_TYPE_FLOAT16:
    case DC_TYPE_FLOAT32:
    case DC_TYPE_FLOAT64:
        for (int64_t k = 0; k < n; k++) {
            double d;
            if (t->id == DC_TYPE_FLOAT64)
                d = ((const double *)(const void *)a->data[1])[off + k];
            else if (t->id == DC_TYPE_FLOAT32)
                d = ((const float *)(const void *)a->data[1])[off + k];
            else
                d = dc_half_to_float(((const uint16_t *)(const void *)a->data[1])[off + k]);
            out[k] = hash_double(d);
        }
        break;
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
    case DC_TYPE_FIXED_SIZE_BINARY: {
        int32_t w = t->byte_width;
        for (int64_t k = 0; k < n; k++)
            out[k] = dc_hash_bytes(a->data[1] + (off + k) * w, (size_t)w, 0);
        break;
    }
    case DC_TYPE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_LARGE_BINARY:
        for (int64_t k = 0; k < n; k++) {
            int64_t len;
            const uint8_t *p = dc_kernel__bytes(a, start + k, &len);
            out[k] = dc_hash_bytes(p, (size_t)len, 0);
        }
        break;
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST:
    case DC_TYPE_MAP:
        DC_TRY(hash_lists(a, start, n, out, err));
        break;
    case DC_TYPE_STRUCT: {
        uint64_t *tmp = dc_malloc((size_t)n * sizeof *tmp);
        DC_TRY_ALLOC(tmp, err);
        for (int64_t k = 0; k < n; k++)
            out[k] = STRUCT_SEED;
        for (int32_t c = 0; c < a->n_children && rc == DC_OK; c++) {
            rc = hash_range(a->children[c], off, n, tmp, err);
            for (int64_t k = 0; rc == DC_OK && k < n; k++)
                out[k] = dc_hash_combine(out[k], tmp[k]);
        }
        dc_free(tmp);
        DC_TRY(rc);
        break;
    }
    case DC_TYPE_DICTIONARY: {
        const dc_array *d = a->dictionary;
        uint64_t *dh = dc_malloc((size_t)(d->length ? d->length : 1) * sizeof *dh);
        DC_TRY_ALLOC(dh, err);
        rc = hash_range(d, 0, d->length, dh, err);
        for (int64_t k = 0; rc == DC_OK && k < n; k++) {
            if (dc_array_valid(a, start + k))
                out[k] = dh[dc_kernel__dict_index(a, start + k)];
        }
        dc_free(dh);
        DC_TRY(rc);
        break;
    }
    default:
        return dc_error_set(err, DC_EUNSUPPORTED, "hash: type %s is not supported",
                            dc_type_id_name(t->id));
    }
    if (a->null_count > 0 && a->data[0]) {
        for (int64_t k = 0; k < n; k++) {
            if (!dc_bit_get(a->data[0], off + k))
                out[k] = NULL_HASH;
        }
    }
cleanup:
    return rc;
}

/*
 * Hash rows [0, length) of the key columns into out[]. DC_EINVALID when a
 * column has fewer rows than `length`.
 */
dc_status dc_hash_rows(uint64_t *out, dc_array *const *columns, int32_t n_columns, int64_t length,
                       dc_error *err)
{
    dc_status rc = DC_OK;
    uint64_t *tmp = NULL;
    if (length < 0 || n_columns < 0)
        return dc_error_set(err, DC_EINVALID, "hash: negative length or column count");
    for (int32_t c = 0; c < n_columns; c++) {
        if (columns[c]->length < length)
            return dc_error_set(err, DC_EINVALID,
                                "hash: key column %d has %" PRId64 " rows, fewer than %" PRId64,
                                c, columns[c]->length, length);
    }
    if (n_columns == 0) {
        for (int64_t k = 0; k < length; k++)
            out[k] = STRUCT_SEED;
        return DC_OK;
    }
    DC_TRY(hash_range(columns[0], 0, length, out, err));
    if (n_columns > 1) {
        tmp = dc_malloc((size_t)(length ? length : 1) * sizeof *tmp);
        DC_TRY_ALLOC(tmp, err);
        for (int32_t c = 1; c < n_columns; c++) {
            DC_TRY(hash_range(columns[c], 0, length, tmp, err));
            for (int64_t k = 0; k < length; k++)
                out[k] = dc_hash_combine(out[k], tmp[k]);
        }
    }
cleanup:
    dc_free(tmp);
    return rc;
}

/* Row i of columns `a` equals row j of `b` under dc_compare_values (nulls equal, NaN equal). */
bool dc_rows_equal(dc_array *const *a, int64_t i, dc_array *const *b, int64_t j,
                   int32_t n_columns)
{
    for (int32_t c = 0; c < n_columns; c++) {
        if (dc_compare_values(a[c], i, b[c], j, true) != 0)
            return false;
    }
    return true;
}

dc_status dc_kernel__unique(int64_t **uniq, int64_t *n_uniq, int64_t *codes,
                            const dc_array *values, bool nulls_apart, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t m = values->length, cap = 16, count = 0;
    uint64_t *hashes = NULL;
    int64_t *slots = NULL, *u = NULL;
    dc_array *cols[1] = {(dc_array *)values};
    *uniq = NULL;
    *n_uniq = 0;
    while (cap < 2 * m)
        cap *= 2;
    hashes = dc_malloc((size_t)(m ? m : 1) * sizeof *hashes);
    u = dc_malloc((size_t)(m ? m : 1) * sizeof *u);
    slots = dc_malloc((size_t)cap * sizeof *slots);
    if (!hashes || !u || !slots) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    DC_TRY(dc_hash_rows(hashes, cols, 1, m, err));
    for (int64_t s = 0; s < cap; s++)
        slots[s] = -1;
    for (int64_t i = 0; i < m; i++) {
        if (nulls_apart && !dc_array_valid(values, i)) {
            codes[i] = -1;
            continue;
        }
        uint64_t s = hashes[i] & (uint64_t)(cap - 1);
        for (;;) {
            int64_t id = slots[s];
            if (id < 0) {
                slots[s] = count;
                u[count] = i;
                codes[i] = count++;
                break;
            }
            if (hashes[u[id]] == hashes[i] && dc_rows_equal(cols, u[id], cols, i, 1)) {
                codes[i] = id;
                break;
            }
            s = (s + 1) & (uint64_t)(cap - 1);
        }
    }
    *uniq = u;
    *n_uniq = count;
    u = NULL;
cleanup:
    dc_free(hashes);
    dc_free(slots);
    dc_free(u);
    return rc;
}

dc_status dc_kernel__check_index_capacity(const dc_type *index_type, int64_t n, dc_error *err)
{
    int32_t bits = 8 * index_type->byte_width;
    uint64_t max = dc_type_is_signed_integer(index_type->id) ? (uint64_t)1 << (bits - 1)
                   : bits == 64                               ? UINT64_MAX
                                                              : (uint64_t)1 << bits;
    if ((uint64_t)n > max)
        return dc_error_set(err, DC_EINVALID,
                            "a dictionary of %" PRId64 " values is too large for index type %s; "
                            "use a wider index type",
                            n, dc_type_id_name(index_type->id));
    return DC_OK;
}
