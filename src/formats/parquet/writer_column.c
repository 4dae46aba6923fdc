/*
 * writer_column.c: one leaf column of the Parquet writer. Shreds Arrow arrays
 * into repetition/definition levels and leaf values (writer_int.h, note 1),
 * converts the values to their physical form, keeps min/max statistics under
 * the column's sort order, encodes values with a dictionary (RLE_DICTIONARY
 * data pages, one PLAIN dictionary page per chunk) until the dictionary passes
 * its limit and with PLAIN after that, and builds compressed data pages (v1 or
 * v2) into the column's chunk buffer.
 */
#include "formats/parquet/writer_int.h"

#include <inttypes.h>
#include <math.h>

/* ---- small helpers ------------------------------------------------------------------ */

static inline dc_status push_u32(dc_bytes *b, uint32_t v)
{
    return dc_bytes_push(b, &v, sizeof v);
}

static void mm_clear(pqw_minmax *m)
{
    m->min.size = m->max.size = 0;
    m->has = false;
}

static void mm_free(pqw_minmax *m)
{
    dc_bytes_free(&m->min);
    dc_bytes_free(&m->max);
    m->has = false;
}

static dc_status set_bytes(dc_bytes *b, const uint8_t *p, int64_t n)
{
    b->size = 0;
    return dc_bytes_append(b, p, n);
}

/* Fold the value (p, n) into m. */
static dc_status mm_add(const pqw_column *c, pqw_minmax *m, const uint8_t *p, int64_t n,
                        const uint8_t *q, int64_t qn)
{
    dc_status rc = DC_OK;
    if (!m->has) {
        DC_TRY(set_bytes(&m->min, p, n));
        DC_TRY(set_bytes(&m->max, q, qn));
        m->has = true;
        return DC_OK;
    }
    if (dc_pqw_compare(c, p, n, m->min.data, m->min.size) < 0)
        DC_TRY(set_bytes(&m->min, p, n));
    if (dc_pqw_compare(c, q, qn, m->max.data, m->max.size) > 0)
        DC_TRY(set_bytes(&m->max, q, qn));
cleanup:
    return rc;
}

int dc_pqw_compare(const pqw_column *c, const uint8_t *a, int64_t alen, const uint8_t *b,
                   int64_t blen)
{
#define CMP3(x, y) ((x) < (y) ? -1 : (x) > (y) ? 1 : 0)
    switch (c->order) {
    case PQW_ORD_BOOL: return CMP3(a[0], b[0]);
    case PQW_ORD_I32: {
        int32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return CMP3(x, y);
    }
    case PQW_ORD_U32: {
        uint32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return CMP3(x, y);
    }
    case PQW_ORD_I64: {
        int64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return CMP3(x, y);
    }
    case PQW_ORD_U64: {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return CMP3(x, y);
    }
    case PQW_ORD_FLOAT: {
        float x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return CMP3(x, y);
    }
    case PQW_ORD_DOUBLE: {
        double x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return CMP3(x, y);
    }
    case PQW_ORD_HALF: {
        uint16_t x, y;
        memcpy(&x, a, 2);
        memcpy(&y, b, 2);
        float fx = dc_half_to_float(x), fy = dc_half_to_float(y);
        return CMP3(fx, fy);
    }
    case PQW_ORD_DEC_BE:
        if (alen > 0 && blen > 0 && (int8_t)a[0] != (int8_t)b[0])
            return CMP3((int8_t)a[0], (int8_t)b[0]);
        /* fall through: same sign byte, the rest compares unsigned */
    case PQW_ORD_BYTES: {
        int64_t n = DC_MIN(alen, blen);
        int r = n > 0 ? memcmp(a, b, (size_t)n) : 0;
        if (r)
            return r < 0 ? -1 : 1;
        return CMP3(alen, blen);
    }
    case PQW_ORD_NONE: return 0;
    }
    return 0;
#undef CMP3
}

void dc_pqw_stat_bound(const pqw_column *c, const uint8_t *src, int64_t len, bool is_max,
                       uint8_t *buf, const uint8_t **out, int64_t *out_len, bool *exact)
{
    *out = src;
    *out_len = len;
    *exact = true;
    /* Signed zeros: a min of +0 is written -0 and a max of -0 is written +0 (the spec's
     * rule, so that readers comparing with either zero never skip a page wrongly). */
    if (c->order == PQW_ORD_FLOAT || c->order == PQW_ORD_DOUBLE || c->order == PQW_ORD_HALF) {
        double v;
        if (c->order == PQW_ORD_FLOAT) {
            float f;
            memcpy(&f, src, 4);
            v = f;
        } else if (c->order == PQW_ORD_DOUBLE) {
            memcpy(&v, src, 8);
        } else {
            uint16_t h;
            memcpy(&h, src, 2);
            v = dc_half_to_float(h);
        }
        if (v == 0.0) {
            memcpy(buf, src, (size_t)len);
            uint8_t *top = &buf[len - 1];
            *top = is_max ? (uint8_t)(*top & 0x7f) : (uint8_t)(*top | 0x80);
            *out = buf;
        }
        return;
    }
    if (c->ptype != DC_PQ_TYPE_BYTE_ARRAY || len <= PQW_STATS_TRUNCATE)
        return;
    int64_t n = PQW_STATS_TRUNCATE;
    bool utf8 = c->is_text && dc_utf8_valid((const char *)src, len);
    if (utf8)
        while (n > 0 && (src[n] & 0xc0) == 0x80) /* cut on a character boundary */
            n--;
    if (!is_max) {
        *out_len = n;
        *exact = false;
        return;
    }
    /* The max: a prefix with its last byte incremented is above every value that
     * starts with the prefix. For text, only an ASCII byte below 0x7f is bumped so
     * the bound stays valid UTF-8. When no byte can be bumped, keep the exact value. */
    for (int64_t k = n - 1; k >= 0; k--) {
        bool bumpable = utf8 ? src[k] < 0x7f : src[k] < 0xff;
        if (bumpable) {
            memcpy(buf, src, (size_t)k + 1);
            buf[k]++;
            *out = buf;
            *out_len = k + 1;
            *exact = false;
            return;
        }
    }
}

/* ---- shredding ------------------------------------------------------------------------ */

typedef struct shredder {
    pqw_column *c;
    int64_t nvals; /* leaf indices collected in c->scratch_idx */
    dc_error *err;
} shredder;

static dc_status push_entry(shredder *s, int16_t def, int16_t rep, int64_t leaf_index)
{
    pqw_column *c = s->c;
    dc_status rc = DC_OK;
    if (c->max_def > 0)
        DC_TRY(push_u32(&c->def, (uint32_t)def));
    if (c->max_rep > 0)
        DC_TRY(push_u32(&c->rep, (uint32_t)rep));
    c->page_entries++;
    if (leaf_index >= 0) {
        DC_TRY(dc_bytes_push(&c->scratch_idx, &leaf_index, sizeof leaf_index));
        s->nvals++;
    } else {
        c->page_nulls++;
    }
    return DC_OK;
cleanup:
    return dc_error_nomem(s->err);
}

static dc_status required_null(shredder *s, int k)
{
    return dc_error_set(s->err, DC_ESCHEMA,
                        "column %s: a null where the schema says the value is required (level "
                        "%d of the path); make the field nullable or fill the nulls",
                        s->c->name, k);
}

/* Emit the levels (and leaf index) of element i of `a`, the array at step k. */
static dc_status emit(shredder *s, int k, const dc_array *a, int64_t i, int16_t def, int16_t rep)
{
    const pqw_step *st = &s->c->steps[k];
    if (!dc_array_valid(a, i)) {
        if (!st->optional)
            return required_null(s, k);
        return push_entry(s, def, rep, -1);
    }
    if (st->optional)
        def++;
    switch (st->kind) {
    case PQW_STEP_LEAF: return push_entry(s, def, rep, i);
    case PQW_STEP_STRUCT:
        return emit(s, k + 1, a->children[st->child], a->offset + i, def, rep);
    default: {
        int64_t b, e;
        dc_array_get_list_range(a, i, &b, &e);
        if (b >= e)
            return push_entry(s, def, rep, -1);
        const dc_array *child = a->children[0];
        for (int64_t j = b; j < e; j++) {
            dc_status rc = emit(s, k + 1, child, j, (int16_t)(def + 1), j == b ? rep : st->rep_level);
            if (rc != DC_OK)
                return rc;
        }
        return DC_OK;
    }
    }
}

/* The leaf array a path reaches from the top-level array. */
static const dc_array *leaf_of(const pqw_column *c, const dc_array *a)
{
    for (int k = 0; k < c->n_steps - 1; k++)
        a = c->steps[k].kind == PQW_STEP_STRUCT ? a->children[c->steps[k].child] : a->children[0];
    return a;
}

/*
 * Shred rows [r0, r1) of top-level array `a`: levels appended to the page, the
 * leaf indices of the present values into scratch_idx (or, for a flat column
 * without nulls, *contiguous set and the range is [r0, r1)). *nvals receives the
 * number of values.
 */
static dc_status shred(pqw_column *c, const dc_array *a, int64_t r0, int64_t r1, bool *contiguous,
                       int64_t *nvals, dc_error *err)
{
    dc_status rc = DC_OK;
    shredder s = {c, 0, err};
    int64_t n = r1 - r0;
    c->scratch_idx.size = 0;
    *contiguous = false;
    if (c->n_steps == 1 && a->type->id != DC_TYPE_NULL) {
        bool nulls = a->null_count > 0 && a->data[0];
        if (!c->steps[0].optional && nulls)
            return required_null(&s, 0);
        if (!nulls) {
            if (c->max_def > 0) {
                DC_TRY(dc_bytes_reserve(&c->def, n * 4));
                uint32_t *d = (uint32_t *)(c->def.data + c->def.size);
                for (int64_t i = 0; i < n; i++)
                    d[i] = 1;
                c->def.size += n * 4;
            }
            c->page_entries += n;
            *contiguous = true;
            *nvals = n;
            return DC_OK;
        }
        DC_TRY(dc_bytes_reserve(&c->def, n * 4));
        DC_TRY(dc_bytes_reserve(&c->scratch_idx, n * 8));
        uint32_t *d = (uint32_t *)(c->def.data + c->def.size);
        int64_t *ix = (int64_t *)c->scratch_idx.data;
        int64_t m = 0;
        const uint8_t *bits = a->data[0];
        for (int64_t i = 0; i < n; i++) {
            bool v = dc_bit_get(bits, a->offset + r0 + i);
            d[i] = v;
            ix[m] = r0 + i;
            m += v;
        }
        c->def.size += n * 4;
        c->scratch_idx.size = m * 8;
        c->page_entries += n;
        c->page_nulls += n - m;
        *nvals = m;
        return DC_OK;
    }
    for (int64_t r = r0; r < r1; r++)
        DC_TRY(emit(&s, 0, a, r, 0, 0));
    *nvals = s.nvals;
    return DC_OK;
cleanup:
    if (rc == DC_ENOMEM)
        return dc_error_nomem(err);
    return rc;
}

/* ---- physical values ------------------------------------------------------------------- */

/*
 * The physical values of `n` leaf elements (leaf indices `idx`, or start..start+n
 * when idx is NULL): *out points at n values of type_length bytes (booleans one
 * byte each) or n pqw_view for byte arrays; either into the array (no copy
 * needed) or into scratch_vals.
 */
static dc_status materialize(pqw_column *c, const dc_array *leaf, const int64_t *idx,
                             int64_t start, int64_t n, const void **out, dc_error *err)
{
    dc_status rc = DC_OK;
    if (c->dict_source) {
        const dc_array *dict = leaf->dictionary;
        DC_TRY(dc_bytes_resize(&c->scratch_map, n * 8));
        int64_t *m = (int64_t *)c->scratch_map.data;
        for (int64_t k = 0; k < n; k++) {
            int64_t j = dc_array_get_int(leaf, idx ? idx[k] : start + k);
            if (j < 0 || j >= dict->length || !dc_array_valid(dict, j)) {
                return dc_error_set(err, DC_EINVALID,
                                    "column %s: dictionary index %" PRId64
                                    " is outside the dictionary of %" PRId64
                                    " values or names a null value",
                                    c->name, j, dict->length);
            }
            m[k] = j;
        }
        leaf = dict;
        idx = m;
    }
    const int w = c->type_length;
    const uint8_t *base = leaf->data[1];
    const int64_t off = leaf->offset;
#define POS(k) (off + (idx ? idx[k] : start + (k)))
    switch (c->conv) {
    case PQW_CV_NULL: *out = NULL; return DC_OK;
    case PQW_CV_COPY:
        if (!idx) {
            *out = base + (off + start) * w;
            return DC_OK;
        }
        DC_TRY(dc_bytes_resize(&c->scratch_vals, n * w));
        if (w == 8) {
            int64_t *o = (int64_t *)c->scratch_vals.data;
            const int64_t *src = (const int64_t *)base;
            for (int64_t k = 0; k < n; k++)
                o[k] = src[POS(k)];
        } else if (w == 4) {
            int32_t *o = (int32_t *)c->scratch_vals.data;
            const int32_t *src = (const int32_t *)base;
            for (int64_t k = 0; k < n; k++)
                o[k] = src[POS(k)];
        } else {
            for (int64_t k = 0; k < n; k++)
                memcpy(c->scratch_vals.data + k * w, base + POS(k) * w, (size_t)w);
        }
        break;
    case PQW_CV_BOOL: {
        DC_TRY(dc_bytes_resize(&c->scratch_vals, n));
        for (int64_t k = 0; k < n; k++)
            c->scratch_vals.data[k] = dc_bit_get(base, POS(k));
        break;
    }
#define CONV32(T, expr)                                                                            \
    do {                                                                                           \
        DC_TRY(dc_bytes_resize(&c->scratch_vals, n * 4));                                          \
        int32_t *o = (int32_t *)c->scratch_vals.data;                                              \
        const T *src = (const T *)base;                                                            \
        for (int64_t k = 0; k < n; k++) {                                                          \
            T x = src[POS(k)];                                                                     \
            o[k] = (int32_t)(expr);                                                                \
        }                                                                                          \
    } while (0)
    case PQW_CV_I8: CONV32(int8_t, x); break;
    case PQW_CV_I16: CONV32(int16_t, x); break;
    case PQW_CV_U8: CONV32(uint8_t, x); break;
    case PQW_CV_U16: CONV32(uint16_t, x); break;
    case PQW_CV_MUL1000_32: CONV32(int32_t, (int64_t)x * 1000); break;
    case PQW_CV_DATE64: {
        DC_TRY(dc_bytes_resize(&c->scratch_vals, n * 4));
        int32_t *o = (int32_t *)c->scratch_vals.data;
        const int64_t *src = (const int64_t *)base;
        for (int64_t k = 0; k < n; k++) {
            int64_t x = src[POS(k)];
            int64_t d = x / 86400000;
            if (x % 86400000 < 0)
                d--;
            o[k] = (int32_t)d;
        }
        break;
    }
    case PQW_CV_MUL1000_64: {
        DC_TRY(dc_bytes_resize(&c->scratch_vals, n * 8));
        int64_t *o = (int64_t *)c->scratch_vals.data;
        const int64_t *src = (const int64_t *)base;
        for (int64_t k = 0; k < n; k++)
            o[k] = (int64_t)((uint64_t)src[POS(k)] * 1000u);
        break;
    }
    case PQW_CV_DEC_I32:
    case PQW_CV_DEC_I64:
    case PQW_CV_DEC_FLBA: {
        int32_t bw = leaf->type->byte_width; /* 16 or 32 */
        DC_TRY(dc_bytes_resize(&c->scratch_vals, n * w));
        uint8_t *o = c->scratch_vals.data;
        for (int64_t k = 0; k < n; k++) {
            const uint8_t *v = base + POS(k) * bw;
            if (c->conv == PQW_CV_DEC_FLBA) {
                for (int b = 0; b < w; b++)
                    o[k * w + b] = v[w - 1 - b];
            } else {
                memcpy(o + k * w, v, (size_t)w); /* the low bytes, little-endian */
            }
        }
        break;
    }
    case PQW_CV_BIN32:
    case PQW_CV_BIN64: {
        DC_TRY(dc_bytes_resize(&c->scratch_vals, n * (int64_t)sizeof(pqw_view)));
        pqw_view *o = (pqw_view *)c->scratch_vals.data;
        const uint8_t *data = leaf->data[2];
        if (c->conv == PQW_CV_BIN32) {
            const int32_t *offs = (const int32_t *)base;
            for (int64_t k = 0; k < n; k++) {
                int64_t p = POS(k);
                o[k].p = data + offs[p];
                o[k].len = offs[p + 1] - offs[p];
            }
        } else {
            const int64_t *offs = (const int64_t *)base;
            for (int64_t k = 0; k < n; k++) {
                int64_t p = POS(k);
                o[k].p = data + offs[p];
                o[k].len = offs[p + 1] - offs[p];
            }
        }
        break;
    }
    }
#undef POS
#undef CONV32
    *out = c->scratch_vals.data;
    return DC_OK;
cleanup:
    return dc_error_nomem(err);
}

/* ---- statistics of a slice ------------------------------------------------------------ */

#define EXTREMES(T, skip)                                                                          \
    do {                                                                                           \
        const T *v = vals;                                                                         \
        int64_t k = 0;                                                                             \
        while (k < n && (skip))                                                                    \
            k++;                                                                                   \
        if (k == n)                                                                                \
            return;                                                                                \
        T lo = v[k], hi = v[k];                                                                    \
        int64_t ilo = k, ihi = k;                                                                  \
        for (k++; k < n; k++) {                                                                    \
            if (skip)                                                                              \
                continue;                                                                          \
            if (v[k] < lo) {                                                                       \
                lo = v[k];                                                                         \
                ilo = k;                                                                           \
            }                                                                                      \
            if (v[k] > hi) {                                                                       \
                hi = v[k];                                                                         \
                ihi = k;                                                                           \
            }                                                                                      \
        }                                                                                          \
        *imin = ilo;                                                                               \
        *imax = ihi;                                                                               \
        return;                                                                                    \
    } while (0)

/* The first 8 bytes of (p, len), zero-padded, as a big-endian number: two byte strings
 * whose numbers differ compare as the numbers do (unsigned lexicographic order, a
 * shorter string before its extensions); equal numbers need the full comparison. */
static inline uint64_t prefix8(const uint8_t *p, int64_t len)
{
    uint64_t x = 0;
    if (len >= 8)
        memcpy(&x, p, 8);
    else if (len > 0)
        memcpy(&x, p, (size_t)len);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

/* Indices of the least and greatest of n physical values (-1 when there is none: no
 * values, or only NaN). */
static void extremes(const pqw_column *c, const void *vals, int64_t n, int64_t *imin,
                     int64_t *imax)
{
    *imin = *imax = -1;
    if (n == 0)
        return;
    switch (c->order) {
    case PQW_ORD_NONE: return;
    case PQW_ORD_BOOL: EXTREMES(uint8_t, false);
    case PQW_ORD_I32: EXTREMES(int32_t, false);
    case PQW_ORD_U32: EXTREMES(uint32_t, false);
    case PQW_ORD_I64: EXTREMES(int64_t, false);
    case PQW_ORD_U64: EXTREMES(uint64_t, false);
    case PQW_ORD_FLOAT: EXTREMES(float, isnan(v[k]));
    case PQW_ORD_DOUBLE: EXTREMES(double, isnan(v[k]));
    case PQW_ORD_HALF: {
        const uint16_t *v = vals;
        float lo = 0, hi = 0;
        for (int64_t k = 0; k < n; k++) {
            float f = dc_half_to_float(v[k]);
            if (isnan(f))
                continue;
            if (*imin < 0 || f < lo) {
                lo = f;
                *imin = k;
            }
            if (*imax < 0 || f > hi) {
                hi = f;
                *imax = k;
            }
        }
        return;
    }
    case PQW_ORD_BYTES:
    case PQW_ORD_DEC_BE:
        if (c->ptype == DC_PQ_TYPE_BYTE_ARRAY && c->order == PQW_ORD_BYTES) {
            /* the first 8 bytes as a big-endian number decide most comparisons */
            const pqw_view *v = vals;
            int64_t lo = 0, hi = 0;
            uint64_t plo = prefix8(v[0].p, v[0].len), phi = plo;
            for (int64_t k = 1; k < n; k++) {
                uint64_t pk = prefix8(v[k].p, v[k].len);
                if (pk <= plo &&
                    (pk < plo || dc_pqw_compare(c, v[k].p, v[k].len, v[lo].p, v[lo].len) < 0)) {
                    lo = k;
                    plo = pk;
                }
                if (pk >= phi &&
                    (pk > phi || dc_pqw_compare(c, v[k].p, v[k].len, v[hi].p, v[hi].len) > 0)) {
                    hi = k;
                    phi = pk;
                }
            }
            *imin = lo;
            *imax = hi;
        } else if (c->ptype == DC_PQ_TYPE_BYTE_ARRAY) {
            const pqw_view *v = vals;
            *imin = *imax = 0;
            for (int64_t k = 1; k < n; k++) {
                if (dc_pqw_compare(c, v[k].p, v[k].len, v[*imin].p, v[*imin].len) < 0)
                    *imin = k;
                if (dc_pqw_compare(c, v[k].p, v[k].len, v[*imax].p, v[*imax].len) > 0)
                    *imax = k;
            }
        } else {
            const uint8_t *v = vals;
            int64_t w = c->type_length;
            *imin = *imax = 0;
            for (int64_t k = 1; k < n; k++) {
                if (dc_pqw_compare(c, v + k * w, w, v + *imin * w, w) < 0)
                    *imin = k;
                if (dc_pqw_compare(c, v + k * w, w, v + *imax * w, w) > 0)
                    *imax = k;
            }
        }
        return;
    }
}
#undef EXTREMES

static void value_at(const pqw_column *c, const void *vals, int64_t k, const uint8_t **p,
                     int64_t *len)
{
    if (c->ptype == DC_PQ_TYPE_BYTE_ARRAY) {
        const pqw_view *v = vals;
        *p = v[k].p;
        *len = v[k].len;
    } else {
        *p = (const uint8_t *)vals + k * c->type_length;
        *len = c->type_length;
    }
}

/* ---- dictionary ------------------------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t hash_value(const uint8_t *p, int64_t len)
{
    if (len == 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        return mix64(x);
    }
    if (len == 4) {
        uint32_t x;
        memcpy(&x, p, 4);
        return mix64(x ^ 0x5bd1e995u);
    }
    return dc_hash_bytes(p, (size_t)len, 0);
}

static dc_status dict_grow(pqw_column *c)
{
    int64_t ns = c->n_slots ? c->n_slots * 2 : 1024;
    uint32_t *slots = dc_calloc((size_t)ns, sizeof *slots);
    if (!slots)
        return DC_ENOMEM;
    for (int64_t e = 0; e < c->dict_n; e++) {
        uint64_t s = c->dict_hash[e] & (uint64_t)(ns - 1);
        while (slots[s])
            s = (s + 1) & (uint64_t)(ns - 1);
        slots[s] = (uint32_t)(e + 1);
    }
    dc_free(c->slots);
    c->slots = slots;
    c->n_slots = ns;
    return DC_OK;
}

static inline const uint8_t *dict_entry(const pqw_column *c, int64_t e, int64_t *len)
{
    if (c->ptype == DC_PQ_TYPE_BYTE_ARRAY) {
        int32_t l;
        memcpy(&l, c->dict_vals.data + c->dict_off[e] - 4, 4);
        *len = l;
        return c->dict_vals.data + c->dict_off[e];
    }
    *len = c->type_length;
    return c->dict_vals.data + e * c->type_length;
}

/* The dictionary index of (p, len), inserting it when new. */
static dc_status dict_index(pqw_column *c, const uint8_t *p, int64_t len, uint32_t *out)
{
    if ((c->dict_n + 1) * 2 > c->n_slots && dict_grow(c) != DC_OK)
        return DC_ENOMEM;
    uint64_t h = hash_value(p, len);
    uint64_t mask = (uint64_t)(c->n_slots - 1);
    uint64_t s = h & mask;
    for (;;) {
        uint32_t e = c->slots[s];
        if (!e)
            break;
        if (c->dict_hash[e - 1] == h) {
            int64_t elen;
            const uint8_t *q = dict_entry(c, e - 1, &elen);
            if (elen == len && memcmp(q, p, (size_t)len) == 0) {
                *out = e - 1;
                return DC_OK;
            }
        }
        s = (s + 1) & mask;
    }
    if (c->dict_n == c->dict_cap) {
        int64_t cap = c->dict_cap ? c->dict_cap * 2 : 1024;
        uint64_t *hh = dc_realloc(c->dict_hash, (size_t)cap * sizeof *hh);
        if (!hh)
            return DC_ENOMEM;
        c->dict_hash = hh;
        if (c->ptype == DC_PQ_TYPE_BYTE_ARRAY) {
            int64_t *oo = dc_realloc(c->dict_off, (size_t)cap * sizeof *oo);
            if (!oo)
                return DC_ENOMEM;
            c->dict_off = oo;
        }
        c->dict_cap = cap;
    }
    if (c->ptype == DC_PQ_TYPE_BYTE_ARRAY) {
        int32_t l = (int32_t)len;
        if (dc_bytes_reserve(&c->dict_vals, 4 + len) != DC_OK)
            return DC_ENOMEM;
        dc_bytes_push(&c->dict_vals, &l, 4);
        c->dict_off[c->dict_n] = c->dict_vals.size;
        if (len)
            dc_bytes_push(&c->dict_vals, p, len);
    } else if (dc_bytes_push(&c->dict_vals, p, len) != DC_OK) {
        return DC_ENOMEM;
    }
    c->dict_hash[c->dict_n] = h;
    c->slots[s] = (uint32_t)(c->dict_n + 1);
    *out = (uint32_t)c->dict_n++;
    return DC_OK;
}

/* ---- encoding a slice's values into the page ------------------------------------------ */

static dc_status append_values(pqw_column *c, const void *vals, int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    if (n == 0 || c->conv == PQW_CV_NULL)
        return DC_OK;
    if (c->page_dict) {
        DC_TRY(dc_bytes_reserve(&c->values, n * 4));
        uint32_t *o = (uint32_t *)(c->values.data + c->values.size);
        const uint8_t *p;
        int64_t len;
        if (c->ptype == DC_PQ_TYPE_BYTE_ARRAY) {
            const pqw_view *v = vals;
            for (int64_t k = 0; k < n; k++) {
                if ((rc = dict_index(c, v[k].p, v[k].len, &o[k])) != DC_OK)
                    goto cleanup;
                c->page_plain += 4 + v[k].len;
            }
        } else {
            for (int64_t k = 0; k < n; k++) {
                value_at(c, vals, k, &p, &len);
                if ((rc = dict_index(c, p, len, &o[k])) != DC_OK)
                    goto cleanup;
            }
            c->page_plain += n * (c->ptype == DC_PQ_TYPE_BOOLEAN ? 1 : len);
        }
        c->values.size += n * 4;
        return DC_OK;
    }
    switch (c->ptype) {
    case DC_PQ_TYPE_BOOLEAN: {
        int64_t bits = c->page_bool_bits;
        DC_TRY(dc_bytes_resize(&c->values, (bits + n + 7) / 8));
        const uint8_t *v = vals;
        for (int64_t k = 0; k < n; k++)
            if (v[k])
                dc_bit_set(c->values.data, bits + k);
        c->page_bool_bits += n;
        return DC_OK;
    }
    case DC_PQ_TYPE_BYTE_ARRAY: {
        const pqw_view *v = vals;
        int64_t total = 0;
        for (int64_t k = 0; k < n; k++)
            total += 4 + v[k].len;
        DC_TRY(dc_bytes_reserve(&c->values, total));
        uint8_t *o = c->values.data + c->values.size;
        for (int64_t k = 0; k < n; k++) {
            int32_t l = (int32_t)v[k].len;
            memcpy(o, &l, 4);
            if (l)
                memcpy(o + 4, v[k].p, (size_t)l);
            o += 4 + l;
        }
        c->values.size += total;
        return DC_OK;
    }
    default: return dc_bytes_append(&c->values, vals, n * c->type_length) == DC_OK
                        ? DC_OK
                        : dc_error_nomem(err);
    }
cleanup:
    return rc == DC_ENOMEM ? dc_error_nomem(err) : rc;
}

/* ---- pages --------------------------------------------------------------------------------- */

static int dict_bit_width(const pqw_column *c)
{
    int bw = c->dict_n > 1 ? dc_pq_bit_width64((uint64_t)(c->dict_n - 1)) : 1;
    return bw ? bw : 1;
}

/* Estimated encoded size of the page being built. */
static int64_t page_estimate(const pqw_column *c)
{
    int64_t v = c->page_dict ? (int64_t)(c->values.size / 4) * dict_bit_width(c) / 8
                             : c->values.size;
    int64_t levels = (c->max_def ? c->page_entries / 4 : 0) + (c->max_rep ? c->page_entries / 4 : 0);
    return v + levels;
}

static dc_status check_i32(const pqw_column *c, int64_t v, const char *what, dc_error *err)
{
    if (v > INT32_MAX)
        return dc_error_set(err, DC_EINVALID,
                            "column %s: a page of %" PRId64 " bytes (%s) is over Parquet's 2 GiB "
                            "limit; write smaller batches or pages",
                            c->name, v, what);
    return DC_OK;
}

/* A free pending-page slot of c (reused from earlier batches when there is one). */
static pqw_page *take_slot(pqw_column *c, dc_error *err)
{
    if (c->n_pend == c->pend_cap) {
        int64_t cap = c->pend_cap ? c->pend_cap * 2 : 4;
        pqw_page **pp = dc_realloc(c->pend, (size_t)cap * sizeof *pp);
        if (!pp) {
            dc_error_nomem(err);
            return NULL;
        }
        for (int64_t i = c->pend_cap; i < cap; i++)
            pp[i] = NULL;
        c->pend = pp;
        c->pend_cap = cap;
    }
    pqw_page *pg = c->pend[c->n_pend];
    if (!pg) {
        pg = dc_calloc(1, sizeof *pg);
        if (!pg) {
            dc_error_nomem(err);
            return NULL;
        }
        c->pend[c->n_pend] = pg;
    }
    pg->body.size = pg->vals.size = pg->lvl.size = pg->comp.size = pg->bounds.size = 0;
    pg->comp_off = 0;
    pg->rc = DC_OK;
    return pg;
}

/*
 * Cut the page being built into a pending page: levels and values encoded,
 * statistics taken, the chunk's counts advanced. Its compression and its place
 * in the chunk come after (dc_pqw_page_compress, complete_pages).
 */
static dc_status cut_page(pqw_column *c, pqw_page **out, dc_error *err)
{
    dc_status rc = DC_OK;
    *out = NULL;
    if (c->page_entries == 0)
        return DC_OK;
    pqw_page *pg = take_slot(c, err);
    if (!pg)
        return DC_ENOMEM;
    const bool v2 = c->opts->page_v2;
    const int64_t nonnull = c->page_entries - c->page_nulls;
    dc_bytes *body = &pg->body, *lvl = &pg->lvl;
    pg->enc = DC_PQ_ENC_PLAIN;
    /* levels: v1 prefixed inside the compressed body, v2 bare and uncompressed */
    dc_bytes *ldst = v2 ? lvl : body;
    pg->rep_len = pg->def_len = 0;
    if (c->max_rep > 0) {
        int64_t before = ldst->size;
        int bw = dc_pq_bit_width32((uint32_t)c->max_rep);
        DC_TRY(v2 ? dc_pq_rle_encode(ldst, (const uint32_t *)c->rep.data, c->page_entries, bw, err)
                  : dc_pq_rle_encode_prefixed(ldst, (const uint32_t *)c->rep.data,
                                              c->page_entries, bw, err));
        pg->rep_len = ldst->size - before;
    }
    if (c->max_def > 0) {
        int64_t before = ldst->size;
        int bw = dc_pq_bit_width32((uint32_t)c->max_def);
        DC_TRY(v2 ? dc_pq_rle_encode(ldst, (const uint32_t *)c->def.data, c->page_entries, bw, err)
                  : dc_pq_rle_encode_prefixed(ldst, (const uint32_t *)c->def.data,
                                              c->page_entries, bw, err));
        pg->def_len = ldst->size - before;
    }
    if (c->page_dict && nonnull > 0) {
        pg->enc = DC_PQ_ENC_RLE_DICTIONARY;
        DC_TRY(dc_pq_dict_indices_encode(body, (const uint32_t *)c->values.data, nonnull,
                                         dict_bit_width(c), err));
    } else if (!c->page_dict) { /* the values move to the page whole: no copy */
        dc_bytes t = pg->vals;
        pg->vals = c->values;
        c->values = t;
        c->values.size = 0;
    }
    /* A v2 page without values (all null) is stored uncompressed: nothing to compress,
     * and some readers reject a codec's encoding of zero bytes. */
    pg->raw = (v2 && body->size + pg->vals.size == 0) ||
              c->opts->compression == DC_PARQUET_UNCOMPRESSED;
    DC_TRY(check_i32(c, lvl->size + body->size + pg->vals.size, "uncompressed", err));
    pg->entries = c->page_entries;
    pg->nulls = c->page_nulls;
    pg->rows = c->page_rows;
    pg->first_row = c->chunk_rows;
    pg->has_mm = c->opts->statistics && c->page_mm.has;
    if (pg->has_mm) {
        uint8_t buf[PQW_STATS_TRUNCATE + 8];
        const uint8_t *p;
        dc_pqw_stat_bound(c, c->page_mm.min.data, c->page_mm.min.size, false, buf, &p,
                          &pg->min_len, &pg->min_exact);
        if (dc_bytes_append(&pg->bounds, p, pg->min_len) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        dc_pqw_stat_bound(c, c->page_mm.max.data, c->page_mm.max.size, true, buf, &p,
                          &pg->max_len, &pg->max_exact);
        if (dc_bytes_append(&pg->bounds, p, pg->max_len) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    } else if (nonnull > 0 && c->order != PQW_ORD_NONE) {
        c->chunk_minmax_lost = true;
    }
    if (c->page_mm.has &&
        mm_add(c, &c->chunk_mm, c->page_mm.min.data, c->page_mm.min.size, c->page_mm.max.data,
               c->page_mm.max.size) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    c->chunk_entries += c->page_entries;
    c->chunk_rows += c->page_rows;
    c->chunk_nulls += c->page_nulls;
    if (pg->enc == DC_PQ_ENC_RLE_DICTIONARY)
        c->n_dict_pages_data++;
    else
        c->n_plain_pages_data++;
    c->n_pend++;
    *out = pg;
    /* After the chunk's first page, a dictionary that saves nothing (it and the indices
     * take as many bytes as the PLAIN values: unique ids, measurements, timestamps) is
     * dropped for the rest of the chunk, as parquet-mr does: hashing every value into it
     * until it fills would cost time for no gain. */
    if (c->page_dict && c->chunk_entries == pg->entries && nonnull > 0 &&
        c->dict_vals.size + nonnull * dict_bit_width(c) / 8 >= c->page_plain) {
        c->dict_active = false;
        c->fell_back = true;
        /* judged on enough values, the next chunks do not try (dc_pqw_column_reset_chunk) */
        c->dict_useless = nonnull >= PQW_DICT_JUDGE;
    }
    c->page_plain = 0;
    /* a new page */
    c->def.size = c->rep.size = c->values.size = 0;
    c->page_bool_bits = 0;
    c->page_entries = c->page_rows = c->page_nulls = 0;
    mm_clear(&c->page_mm);
    c->page_dict = c->dict_active;
cleanup:
    return rc;
}

void dc_pqw_page_compress(const pqw_column *c, pqw_page *pg, dc_pq_codec_ctx *ctx)
{
    dc_error_clear(&pg->err);
    pg->rc = DC_OK;
    if (pg->raw)
        return;
    pg->comp.size = 0;
    pg->comp_off = 0;
    int32_t codec = (int32_t)c->opts->compression;
    const dc_bytes *in = &pg->body;
    if (pg->vals.size > 0 && pg->body.size == 0) {
        in = &pg->vals;
    } else if (pg->vals.size > 0 && codec == DC_PARQUET_SNAPPY) { /* levels, then values */
        pg->rc = dc_pq_snappy_compress_pair(pg->body.data, pg->body.size, pg->vals.data,
                                            pg->vals.size, &pg->comp, &pg->comp_off, &pg->err);
        in = NULL;
    } else if (pg->vals.size > 0) { /* other codecs want them together */
        pg->rc = dc_bytes_append(&pg->body, pg->vals.data, pg->vals.size) == DC_OK
                     ? DC_OK
                     : dc_error_nomem(&pg->err);
        pg->vals.size = 0;
    }
    if (in && pg->rc == DC_OK)
        pg->rc = dc_pq_compress(ctx, codec, c->opts->compression_level, in->data, in->size,
                                &pg->comp, &pg->err);
    if (pg->rc == DC_OK)
        pg->rc = check_i32(c, pg->lvl.size + pg->comp.size - pg->comp_off, "compressed", &pg->err);
}

/* Put the pending pages (compressed) into the chunk, in order: headers, page index. */
static dc_status complete_pages(pqw_column *c, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t k = 0;
    for (; k < c->n_pend; k++) {
        pqw_page *pg = c->pend[k];
        if (pg->rc != DC_OK) {
            rc = pg->rc;
            if (err)
                *err = pg->err;
            goto cleanup;
        }
        const bool v2 = c->opts->page_v2;
        /* raw: body and vals as they are */
        const uint8_t *comp = pg->raw ? pg->body.data : pg->comp.data + pg->comp_off;
        int64_t comp_len = pg->raw ? pg->body.size : pg->comp.size - pg->comp_off;
        int64_t raw_vals = pg->raw ? pg->vals.size : 0;
        int64_t uncompressed = pg->lvl.size + pg->body.size + pg->vals.size,
                compressed = pg->lvl.size + comp_len + raw_vals;
        dc_pq_statistics st;
        memset(&st, 0, sizeof st);
        bool stats = c->opts->statistics;
        if (stats) {
            st.has_null_count = true;
            st.null_count = pg->nulls;
            if (pg->has_mm) {
                st.has_min_value = st.has_max_value = true;
                st.min_value = (dc_pq_str){(const char *)pg->bounds.data, pg->min_len};
                st.max_value =
                    (dc_pq_str){(const char *)pg->bounds.data + pg->min_len, pg->max_len};
                st.has_is_min_value_exact = st.has_is_max_value_exact = true;
                st.is_min_value_exact = pg->min_exact;
                st.is_max_value_exact = pg->max_exact;
            }
        }
        dc_pq_page_header h;
        memset(&h, 0, sizeof h);
        h.uncompressed_page_size = (int32_t)uncompressed;
        h.compressed_page_size = (int32_t)compressed;
        if (v2) {
            h.type = DC_PQ_PAGE_DATA_V2;
            h.has_data_page_header_v2 = true;
            dc_pq_data_page_header_v2 *d = &h.data_page_header_v2;
            d->num_values = (int32_t)pg->entries;
            d->num_nulls = (int32_t)pg->nulls;
            d->num_rows = (int32_t)pg->rows;
            d->encoding = pg->enc;
            d->definition_levels_byte_length = (int32_t)pg->def_len;
            d->repetition_levels_byte_length = (int32_t)pg->rep_len;
            d->has_is_compressed = true;
            d->is_compressed = !pg->raw;
            d->has_statistics = stats;
            d->statistics = st;
        } else {
            h.type = DC_PQ_PAGE_DATA;
            h.has_data_page_header = true;
            dc_pq_data_page_header *d = &h.data_page_header;
            d->num_values = (int32_t)pg->entries;
            d->encoding = pg->enc;
            d->definition_level_encoding = DC_PQ_ENC_RLE;
            d->repetition_level_encoding = DC_PQ_ENC_RLE;
            d->has_statistics = stats;
            d->statistics = st;
        }
        c->scratch_hdr.size = 0;
        DC_TRY(dc_pq_page_header_encode(&c->scratch_hdr, &h, err));
        /* the page and what the page index needs of it */
        if (c->n_pages == c->page_cap) {
            int64_t cap = c->page_cap ? c->page_cap * 2 : 16;
            pqw_page_info *pi = dc_realloc(c->page_info, (size_t)cap * sizeof *pi);
            if (!pi) {
                rc = dc_error_nomem(err);
                goto cleanup;
            }
            c->page_info = pi;
            c->page_cap = cap;
        }
        pqw_page_info *pi = &c->page_info[c->n_pages];
        memset(pi, 0, sizeof *pi);
        pi->offset = c->pages.size;
        pi->size = (int32_t)(c->scratch_hdr.size + compressed);
        pi->first_row = pg->first_row;
        pi->null_count = pg->nulls;
        pi->null_page = pg->entries == pg->nulls;
        if (pg->has_mm) {
            pi->has_minmax = true;
            pi->min_off = c->page_stats.size;
            pi->min_len = (int32_t)pg->min_len;
            pi->max_off = c->page_stats.size + pg->min_len;
            pi->max_len = (int32_t)pg->max_len;
            if (dc_bytes_append(&c->page_stats, pg->bounds.data, pg->bounds.size) != DC_OK) {
                rc = dc_error_nomem(err);
                goto cleanup;
            }
        }
        if (dc_bytes_reserve(&c->pages, c->scratch_hdr.size + compressed) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        dc_bytes_push(&c->pages, c->scratch_hdr.data, c->scratch_hdr.size);
        dc_bytes_push(&c->pages, pg->lvl.data, pg->lvl.size);
        dc_bytes_push(&c->pages, comp, comp_len);
        dc_bytes_push(&c->pages, pg->vals.data, raw_vals);
        c->n_pages++;
        c->chunk_uncompressed += c->scratch_hdr.size + uncompressed;
        c->chunk_compressed += c->scratch_hdr.size + compressed;
    }
cleanup:
    c->n_pend = 0; /* on failure the column is unusable anyway */
    return rc;
}

dc_status dc_pqw_column_complete(pqw_column *c, dc_error *err)
{
    return complete_pages(c, err);
}

/*
 * Cut the page being built. Deferred (the writer's pool compresses pages of every
 * column), it is handed to the writer; else compressed and put in place now.
 */
static dc_status flush_page(pqw_column *c, dc_pq_codec_ctx *ctx, dc_error *err)
{
    pqw_page *pg;
    dc_status rc = cut_page(c, &pg, err);
    if (rc != DC_OK || !pg)
        return rc;
    if (c->page_cut) { /* the writer completes the pages once every queued one is done */
        if (!c->page_cut(c->page_cut_user, c, pg))
            dc_pqw_page_compress(c, pg, ctx);
        return DC_OK;
    }
    dc_pqw_page_compress(c, pg, ctx);
    return complete_pages(c, err);
}

dc_status dc_pqw_column_write(pqw_column *c, const dc_array *arr, dc_pq_codec_ctx *ctx,
                              dc_error *err)
{
    dc_status rc = DC_OK;
    const dc_array *leaf = leaf_of(c, arr);
    const dc_parquet_write_options *o = c->opts;
    for (int64_t r0 = 0; r0 < arr->length;) {
        int64_t r1 = DC_MIN(arr->length, r0 + DC_MIN(PQW_SLICE_ROWS, o->page_rows - c->page_rows));
        if (r1 <= r0)
            r1 = r0 + 1;
        /* the dictionary is full: the rest of the chunk is PLAIN (pages before keep it) */
        if (c->dict_active && c->dict_vals.size >= o->dictionary_bytes) {
            DC_TRY(flush_page(c, ctx, err));
            c->dict_active = false;
            c->page_dict = false;
            c->fell_back = true;
        }
        bool contiguous;
        int64_t nvals;
        DC_TRY(shred(c, arr, r0, r1, &contiguous, &nvals, err));
        c->page_rows += r1 - r0;
        const void *vals = NULL;
        if (nvals > 0 && c->conv != PQW_CV_NULL) {
            DC_TRY(materialize(c, leaf, contiguous ? NULL : (const int64_t *)c->scratch_idx.data,
                               contiguous ? r0 : 0, nvals, &vals, err));
            if (o->statistics) {
                int64_t imin, imax;
                extremes(c, vals, nvals, &imin, &imax);
                if (imin >= 0) {
                    const uint8_t *p, *q;
                    int64_t pl, ql;
                    value_at(c, vals, imin, &p, &pl);
                    value_at(c, vals, imax, &q, &ql);
                    if (mm_add(c, &c->page_mm, p, pl, q, ql) != DC_OK) {
                        rc = dc_error_nomem(err);
                        goto cleanup;
                    }
                }
            }
            DC_TRY(append_values(c, vals, nvals, err));
        }
        if (c->page_rows >= o->page_rows || page_estimate(c) >= o->page_bytes)
            DC_TRY(flush_page(c, ctx, err));
        r0 = r1;
    }
cleanup:
    return rc;
}

dc_status dc_pqw_column_finish_chunk(pqw_column *c, dc_pq_codec_ctx *ctx, dc_error *err)
{
    dc_status rc = DC_OK;
    pqw_page *pg;
    DC_TRY(cut_page(c, &pg, err)); /* the last page; earlier ones are complete */
    for (int64_t k = 0; k < c->n_pend; k++)
        dc_pqw_page_compress(c, c->pend[k], ctx);
    DC_TRY(complete_pages(c, err));
    c->dict_page.size = 0;
    if (c->n_dict_pages_data > 0) {
        const uint8_t *comp = c->dict_vals.data;
        int64_t comp_len = c->dict_vals.size;
        DC_TRY(check_i32(c, c->dict_vals.size, "dictionary", err));
        if (c->opts->compression != DC_PARQUET_UNCOMPRESSED) {
            c->scratch_comp.size = 0;
            DC_TRY(dc_pq_compress(ctx, (int32_t)c->opts->compression, c->opts->compression_level,
                                  c->dict_vals.data, c->dict_vals.size, &c->scratch_comp, err));
            comp = c->scratch_comp.data;
            comp_len = c->scratch_comp.size;
        }
        DC_TRY(check_i32(c, comp_len, "dictionary", err));
        dc_pq_page_header h;
        memset(&h, 0, sizeof h);
        h.type = DC_PQ_PAGE_DICTIONARY;
        h.uncompressed_page_size = (int32_t)c->dict_vals.size;
        h.compressed_page_size = (int32_t)comp_len;
        h.has_dictionary_page_header = true;
        h.dictionary_page_header.num_values = (int32_t)c->dict_n;
        h.dictionary_page_header.encoding = DC_PQ_ENC_PLAIN;
        DC_TRY(dc_pq_page_header_encode(&c->dict_page, &h, err));
        c->dict_uncompressed = c->dict_page.size + c->dict_vals.size;
        c->dict_compressed = c->dict_page.size + comp_len;
        if (dc_bytes_append(&c->dict_page, comp, comp_len) != DC_OK)
            rc = dc_error_nomem(err);
    }
cleanup:
    return rc;
}

void dc_pqw_column_reset_chunk(pqw_column *c)
{
    c->dict_vals.size = 0;
    c->dict_n = 0;
    if (c->slots)
        memset(c->slots, 0, (size_t)c->n_slots * sizeof *c->slots);
    /* A dictionary that saved nothing on its chunk's first page (unique ids, measurements,
     * free text) is not tried for the next PQW_DICT_REST chunks, then tried again: each
     * try hashes a page of values into a dictionary that is thrown away. */
    if (c->dict_useless)
        c->dict_rest = PQW_DICT_REST;
    else if (c->dict_rest > 0)
        c->dict_rest--;
    c->dict_useless = false;
    c->dict_active = c->use_dict && c->dict_rest == 0;
    c->page_dict = c->dict_active;
    c->def.size = c->rep.size = c->values.size = 0;
    c->page_bool_bits = 0;
    c->page_entries = c->page_rows = c->page_nulls = 0;
    mm_clear(&c->page_mm);
    c->pages.size = c->dict_page.size = c->page_stats.size = 0;
    c->n_pages = 0;
    mm_clear(&c->chunk_mm);
    c->chunk_minmax_lost = false;
    c->chunk_entries = c->chunk_rows = c->chunk_nulls = 0;
    c->chunk_uncompressed = c->chunk_compressed = 0;
    c->dict_uncompressed = c->dict_compressed = 0;
    c->n_dict_pages_data = c->n_plain_pages_data = 0;
    c->fell_back = false;
}

int64_t dc_pqw_column_buffered(const pqw_column *c)
{
    return c->pages.size + c->values.size + c->def.size + c->rep.size + c->dict_vals.size;
}

void dc_pqw_column_clear(pqw_column *c)
{
    dc_bytes *all[] = {&c->dict_vals, &c->def, &c->rep, &c->values, &c->pages, &c->dict_page,
                       &c->page_stats, &c->scratch_idx, &c->scratch_map, &c->scratch_vals,
                       &c->scratch_comp, &c->scratch_hdr};
    for (size_t i = 0; i < DC_ARRAY_LEN(all); i++)
        dc_bytes_free(all[i]);
    for (int64_t i = 0; i < c->pend_cap; i++) {
        if (!c->pend[i])
            continue;
        dc_bytes_free(&c->pend[i]->body);
        dc_bytes_free(&c->pend[i]->vals);
        dc_bytes_free(&c->pend[i]->lvl);
        dc_bytes_free(&c->pend[i]->comp);
        dc_bytes_free(&c->pend[i]->bounds);
        dc_free(c->pend[i]);
    }
    dc_free(c->pend);
    mm_free(&c->page_mm);
    mm_free(&c->chunk_mm);
    dc_free(c->dict_off);
    dc_free(c->dict_hash);
    dc_free(c->slots);
    dc_free(c->page_info);
    dc_free(c->name);
    dc_free(c->path);
}
