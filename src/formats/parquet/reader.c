/*
 * reader.c: the Parquet batch reader: row groups and batches, and Arrow
 * arrays assembled from each leaf's levels and dense values (see the notes in
 * reader_int.h for how slots, nulls and list offsets follow from the levels).
 */
#include "formats/parquet/reader_int.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>

/* ---- physical values -> Arrow values ---- */

static dc_status new_buffer(dc_buffer **out, int64_t size, dc_error *err)
{
    *out = dc_buffer_new(size, true);
    return *out ? DC_OK : dc_error_nomem(err);
}

static dc_status take_bytes(dc_buffer **out, dc_bytes *b, dc_error *err)
{
    *out = dc_bytes_finish(b);
    return *out ? DC_OK : dc_error_nomem(err);
}

/* Big-endian two's complement (len bytes) into a little-endian integer of w bytes. */
static bool be_to_le(uint8_t *out, int32_t w, const uint8_t *be, int64_t len)
{
    uint8_t sign = len > 0 && (be[0] & 0x80) ? 0xFF : 0x00;
    int64_t skip = len > w ? len - w : 0;
    for (int64_t k = 0; k < skip; k++)
        if (be[k] != sign)
            return false;
    if (skip > 0 && ((be[skip] ^ sign) & 0x80))
        return false;
    int64_t n = len - skip;
    for (int64_t k = 0; k < n; k++)
        out[k] = be[len - 1 - k];
    memset(out + n, sign, (size_t)(w - n));
    return true;
}

dc_status pqr_convert(const dc_pq_leaf *L, dc_bytes *vals, dc_bytes *ends, int64_t nv,
                      bool check_utf8, dc_buffer **values, dc_buffer **offsets, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *b = NULL;
    *values = *offsets = NULL;
    switch (L->conv) {
    case PQR_CV_NULL: return DC_OK;
    case PQR_CV_COPY:
    case PQR_CV_BOOL: return take_bytes(values, vals, err);
    case PQR_CV_UTF8:
    case PQR_CV_BINARY:
        if (ends->size == 0) {
            int32_t zero = 0;
            if (dc_bytes_append(ends, &zero, 4) != DC_OK)
                return dc_error_nomem(err);
        }
        if (L->conv == PQR_CV_UTF8 && check_utf8 && nv > 0) {
            const int32_t *o = (const int32_t *)ends->data;
            int64_t total = o[nv];
            if (!dc_utf8_valid((const char *)vals->data, total))
                return dc_error_set(err, DC_ECORRUPT, "a string value is not valid UTF-8");
            for (int64_t i = 1; i < nv; i++)
                if (o[i] < total && (vals->data[o[i]] & 0xC0) == 0x80)
                    return dc_error_set(err, DC_ECORRUPT,
                                        "string value %" PRId64 " is not valid UTF-8", i);
        }
        DC_TRY(take_bytes(offsets, ends, err));
        return take_bytes(values, vals, err);
    default: break;
    }
    int32_t w = L->type->byte_width;
    const uint8_t *in = vals->data;
    DC_TRY(new_buffer(&b, nv * w, err));
    uint8_t *o = b->data;
    switch (L->conv) {
    case PQR_CV_I32_I8:
        for (int64_t i = 0; i < nv; i++)
            o[i] = in[i * 4];
        break;
    case PQR_CV_I32_I16:
        for (int64_t i = 0; i < nv; i++)
            memcpy(o + i * 2, in + i * 4, 2);
        break;
    case PQR_CV_I32_DEC:
    case PQR_CV_I64_DEC:
        for (int64_t i = 0; i < nv; i++) {
            int64_t v;
            if (L->conv == PQR_CV_I32_DEC) {
                int32_t v32;
                memcpy(&v32, in + i * 4, 4);
                v = v32;
            } else {
                memcpy(&v, in + i * 8, 8);
            }
            memcpy(o + i * w, &v, 8);
            memset(o + i * w + 8, v < 0 ? 0xFF : 0, (size_t)(w - 8));
        }
        break;
    case PQR_CV_INT96:
        for (int64_t i = 0; i < nv; i++) {
            uint64_t nanos;
            int32_t jd;
            memcpy(&nanos, in + i * 12, 8);
            memcpy(&jd, in + i * 12 + 8, 4);
            uint64_t v = (uint64_t)((int64_t)jd - 2440588) * UINT64_C(86400000000000) + nanos;
            memcpy(o + i * 8, &v, 8);
        }
        break;
    case PQR_CV_BE_DEC:
        for (int64_t i = 0; i < nv; i++) {
            const uint8_t *be;
            int64_t len;
            if (L->el->type == DC_PQ_TYPE_BYTE_ARRAY) {
                const int32_t *e = (const int32_t *)ends->data;
                be = in + e[i];
                len = e[i + 1] - e[i];
            } else {
                be = in + i * L->width;
                len = L->width;
            }
            if (!be_to_le(o + i * w, w, be, len)) {
                rc = dc_error_set(err, DC_ECORRUPT, "decimal value %" PRId64 " does not fit %s", i,
                                  w == 16 ? "decimal128" : "decimal256");
                goto cleanup;
            }
        }
        break;
    default:
        rc = dc_error_set(err, DC_EINTERNAL, "unknown value conversion %d", L->conv);
        goto cleanup;
    }
    b->size = nv * w;
    *values = b;
    b = NULL;
cleanup:
    dc_buffer_unref(b);
    return rc;
}

/* ---- assembly ---- */

typedef struct pqr_reader {
    dc_pq_file *f;
    int32_t *top;
    int32_t n_top;
    pqr_column *cols;
    int32_t n_cols;
    int32_t *col_of_leaf; /* index into cols, or -1 */
    int32_t *rgs;
    int32_t n_rgs, rg_i;
    int64_t rows_left, batch_rows;
    dc_pq_codec_ctx *codec;
    dc_pq_codec_ctx *codec2[PQR_MAX_THREADS]; /* one per extra worker thread */
    int32_t threads;
    dc_pq_row_group_filter filter;
    void *filter_user;
    dc_pq_row_selector select;
    void *select_user;
    dc_pq_row_range *ranges; /* the selected rows of the open row group, or NULL: all */
    int64_t n_ranges, ri, rcur;
    bool owns_file;           /* false for a pipeline worker's reader */
    pthread_mutex_t *io_lock; /* a worker's: serializes reads of the shared input */
    struct pqr_pipe *pipe;    /* row groups decoded ahead in parallel, or NULL */
    bool planned;             /* pipe_start ran */
} pqr_reader;

static inline uint32_t lev(const uint32_t *a, int64_t i)
{
    return a ? a[i] : 0;
}

typedef struct levels {
    const uint32_t *def, *rep;
    int64_t n;
} levels;

static levels levels_of(const pqr_column *c)
{
    levels l = {c->L->max_def > 0 ? (const uint32_t *)c->out_def.data : NULL,
                c->L->max_rep > 0 ? (const uint32_t *)c->out_rep.data : NULL, c->out_n};
    return l;
}

static dc_status assembly_corrupt(pqr_reader *r, const pqr_node *nd, dc_error *err)
{
    return dc_error_set(
        err, DC_ECORRUPT, "%s: row group %d: the levels of column %s do not fit the schema (%s)",
        r->f->in->name, r->rgs[r->rg_i - 1], r->f->leaves[nd->leaf].path, nd->field.name);
}

/* Slots and validity of a non-list node: *valid NULL when no slot is null. */
static dc_status node_slots(const pqr_node *nd, levels l, int64_t *slots, dc_buffer **valid,
                            int64_t *nulls, dc_error *err)
{
    int64_t s = 0, z = 0;
    *valid = NULL;
    if (!l.def && !l.rep) {
        *slots = l.n;
        *nulls = 0;
        return DC_OK;
    }
    if (!l.rep && nd->slot_def <= 0) { /* flat: every entry is a slot */
        const uint32_t *d = l.def, nul = (uint32_t)nd->null_def;
        for (int64_t i = 0; i < l.n; i++)
            z += d[i] < nul;
        *slots = l.n;
        *nulls = z;
        if (z == 0)
            return DC_OK;
        dc_status rc = new_buffer(valid, (l.n + 7) / 8, err);
        if (rc != DC_OK)
            return rc;
        uint8_t *bits = (*valid)->data;
        int64_t i = 0;
        for (; i + 8 <= l.n; i += 8) {
            unsigned b = 0;
            for (int k = 0; k < 8; k++)
                b |= (unsigned)(d[i + k] >= nul) << k;
            bits[i / 8] = (uint8_t)b;
        }
        for (; i < l.n; i++)
            if (d[i] >= nul)
                dc_bit_set(bits, i);
        return DC_OK;
    }
    for (int64_t i = 0; i < l.n; i++)
        if (lev(l.rep, i) <= (uint32_t)nd->rep && lev(l.def, i) >= (uint32_t)nd->slot_def) {
            s++;
            z += lev(l.def, i) < (uint32_t)nd->null_def;
        }
    *slots = s;
    *nulls = z;
    if (z == 0)
        return DC_OK;
    dc_status rc = new_buffer(valid, (s + 7) / 8, err);
    if (rc != DC_OK)
        return rc;
    uint8_t *bits = (*valid)->data;
    int64_t j = 0;
    for (int64_t i = 0; i < l.n; i++)
        if (lev(l.rep, i) <= (uint32_t)nd->rep && lev(l.def, i) >= (uint32_t)nd->slot_def) {
            if (lev(l.def, i) >= (uint32_t)nd->null_def)
                dc_bit_set(bits, j);
            j++;
        }
    return DC_OK;
}

static dc_status build_leaf(pqr_reader *r, const pqr_node *nd, dc_array **out, dc_error *err)
{
    dc_status rc = DC_OK;
    pqr_column *c = &r->cols[r->col_of_leaf[nd->leaf]];
    const dc_pq_leaf *L = c->L;
    dc_buffer *valid = NULL, *values = NULL, *offsets = NULL, *spread = NULL;
    int64_t slots, nulls;
    DC_TRY(node_slots(nd, levels_of(c), &slots, &valid, &nulls, err));
    if (slots - nulls != c->out_nv && L->conv != PQR_CV_NULL) {
        rc = assembly_corrupt(r, nd, err);
        goto cleanup;
    }
    if (L->el->type == DC_PQ_TYPE_BYTE_ARRAY)
        c->last_bytes = c->out_vals.size + c->out_vals.size / 8;
    rc = pqr_convert(L, &c->out_vals, &c->out_ends, c->out_nv, c->out_plain_utf8, &values, &offsets,
                     err);
    if (rc != DC_OK) {
        rc = pqr_column_fail(c, rc, err);
        goto cleanup;
    }
    if (L->conv == PQR_CV_NULL) {
        DC_TRY(dc_array_make(out, L->type, slots, 0, slots, NULL, 0, NULL, 0, NULL, err));
        goto cleanup;
    }
    if (nulls > 0) {
        const uint8_t *bits = valid->data;
        int64_t k = 0;
        if (offsets) {
            DC_TRY(new_buffer(&spread, (slots + 1) * 4, err));
            const int32_t *src = (const int32_t *)offsets->data;
            int32_t *dst = (int32_t *)spread->data;
            dst[0] = src[0];
            for (int64_t j = 0; j < slots; j++) {
                if (dc_bit_get(bits, j))
                    k++;
                dst[j + 1] = src[k];
            }
            dc_buffer_unref(offsets);
            offsets = spread;
        } else if (L->conv == PQR_CV_BOOL) {
            DC_TRY(new_buffer(&spread, (slots + 7) / 8, err));
            for (int64_t j = 0; j < slots; j++)
                if (dc_bit_get(bits, j) && dc_bit_get(values->data, k++))
                    dc_bit_set(spread->data, j);
            dc_buffer_unref(values);
            values = spread;
        } else {
            int32_t w = L->type->byte_width;
            DC_TRY(new_buffer(&spread, slots * w, err));
            const uint8_t *src = values->data;
            uint8_t *dst = spread->data;
            switch (w) {
#define SPREAD(W)                                                                                  \
    for (int64_t j = 0; j < slots; j++)                                                            \
        if (dc_bit_get(bits, j))                                                                   \
            memcpy(dst + j * (W), src + (k++) * (W), (W));                                         \
    break
            case 1: SPREAD(1);
            case 2: SPREAD(2);
            case 4: SPREAD(4);
            case 8: SPREAD(8);
            case 16: SPREAD(16);
            default: SPREAD(w);
#undef SPREAD
            }
            dc_buffer_unref(values);
            values = spread;
        }
        spread = NULL;
    }
    dc_buffer *bufs[3] = {valid, offsets ? offsets : values, offsets ? values : NULL};
    DC_TRY(dc_array_make(out, L->type, slots, 0, nulls, bufs, dc_type_n_buffers(L->type), NULL, 0,
                         NULL, err));
cleanup:
    dc_buffer_unref(valid);
    dc_buffer_unref(values);
    dc_buffer_unref(offsets);
    dc_buffer_unref(spread);
    return rc;
}

static dc_status build_node(pqr_reader *r, const pqr_node *nd, dc_array **out, dc_error *err);

static dc_status build_struct(pqr_reader *r, const pqr_node *nd, dc_array **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *valid = NULL;
    int64_t slots, nulls;
    dc_array **kids = dc_calloc((size_t)DC_MAX(nd->n_children, 1), sizeof *kids);
    if (!kids)
        return dc_error_nomem(err);
    DC_TRY(
        node_slots(nd, levels_of(&r->cols[r->col_of_leaf[nd->leaf]]), &slots, &valid, &nulls, err));
    for (int32_t i = 0; i < nd->n_children; i++) {
        DC_TRY(build_node(r, &nd->children[i], &kids[i], err));
        if (kids[i]->length != slots) {
            rc = assembly_corrupt(r, &nd->children[i], err);
            goto cleanup;
        }
    }
    DC_TRY(dc_array_make(out, nd->field.type, slots, 0, nulls, &valid, 1, kids, nd->n_children,
                         NULL, err));
cleanup:
    for (int32_t i = 0; i < nd->n_children; i++)
        dc_array_unref(kids[i]);
    dc_free(kids);
    dc_buffer_unref(valid);
    return rc;
}

static dc_status build_list(pqr_reader *r, const pqr_node *nd, dc_array **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *valid = NULL, *offs = NULL;
    dc_array *child = NULL;
    dc_bytes ob, vb;
    dc_bytes_init(&ob);
    dc_bytes_init(&vb);
    levels l = levels_of(&r->cols[r->col_of_leaf[nd->leaf]]);
    int64_t slots = 0, nulls = 0, cur = 0;
    const uint32_t urep = (uint32_t)nd->rep, erep = (uint32_t)nd->elem_rep;
    const uint32_t sdef = (uint32_t)nd->slot_def, ndef = (uint32_t)nd->null_def,
                   edef = (uint32_t)nd->elem_def;
    /* first pass: slots (for the buffers' sizes) */
    for (int64_t i = 0; i < l.n; i++)
        if (lev(l.rep, i) <= urep && lev(l.def, i) >= sdef)
            slots++;
    if (dc_bytes_resize(&ob, (slots + 1) * 4) != DC_OK ||
        dc_bytes_resize(&vb, (slots + 7) / 8) != DC_OK)
        DC_TRY(dc_error_nomem(err));
    int32_t *o = (int32_t *)ob.data;
    int64_t j = 0;
    for (int64_t i = 0; i < l.n; i++) {
        uint32_t rp = lev(l.rep, i), d = lev(l.def, i);
        if (rp <= urep) {
            if (d < sdef)
                continue;
            o[j] = (int32_t)cur;
            if (d >= ndef)
                dc_bit_set(vb.data, j);
            else
                nulls++;
            j++;
            cur += d >= edef;
        } else if (rp == erep && j > 0) {
            cur += d >= edef;
        }
        if (cur > INT32_MAX) {
            rc = dc_error_set(err, DC_EUNSUPPORTED,
                              "%s: a list column %s has more than 2^31 "
                              "elements in one batch; read smaller batches",
                              r->f->in->name, nd->field.name);
            goto cleanup;
        }
    }
    o[slots] = (int32_t)cur;
    DC_TRY(build_node(r, &nd->children[0], &child, err));
    if (child->length != cur) {
        rc = assembly_corrupt(r, &nd->children[0], err);
        goto cleanup;
    }
    DC_TRY(take_bytes(&offs, &ob, err));
    if (nulls > 0)
        DC_TRY(take_bytes(&valid, &vb, err));
    dc_buffer *bufs[2] = {valid, offs};
    DC_TRY(dc_array_make(out, nd->field.type, slots, 0, nulls, bufs, 2, &child, 1, NULL, err));
cleanup:
    dc_bytes_free(&ob);
    dc_bytes_free(&vb);
    dc_buffer_unref(valid);
    dc_buffer_unref(offs);
    dc_array_unref(child);
    return rc;
}

static dc_status build_node(pqr_reader *r, const pqr_node *nd, dc_array **out, dc_error *err)
{
    *out = NULL;
    switch (nd->kind) {
    case PQR_LEAF: return build_leaf(r, nd, out, err);
    case PQR_STRUCT: return build_struct(r, nd, out, err);
    default: return build_list(r, nd, out, err);
    }
}

/* ---- the reader ---- */

static void pipe_free(struct pqr_pipe *p);

static void pqr_free(pqr_reader *r)
{
    if (!r)
        return;
    pipe_free(r->pipe); /* first: its workers use r's file */
    for (int32_t i = 0; i < r->n_cols; i++)
        pqr_column_clear(&r->cols[i]);
    dc_free(r->cols);
    dc_free(r->col_of_leaf);
    dc_free(r->top);
    dc_free(r->rgs);
    dc_free(r->ranges);
    dc_pq_codec_ctx_free(r->codec);
    for (int i = 0; i < PQR_MAX_THREADS; i++)
        dc_pq_codec_ctx_free(r->codec2[i]);
    if (r->owns_file)
        dc_pq_file_free(r->f);
    dc_free(r);
}

static void reader_destroy(dc_reader *rd)
{
    pqr_free(rd->impl);
}

/*
 * Prefetch hints (dc_input_prefetch: a remote input fetches the ranges together, in
 * parallel; a local one ignores them). Before the selector runs: the page indexes of row
 * group g (every column's: the selector reads its predicate's, the plan the projected
 * ones'). Before the chunks are read: the projected columns' chunks, or with selected
 * rows only their dictionaries and the pages overlapping the selection.
 */
static dc_status prefetch_indexes(pqr_reader *r, int32_t g, dc_error *err)
{
    pqr_ranges pr = {0};
    dc_status rc = DC_OK;
    const dc_pq_row_group *rg = &r->f->meta.row_groups[g];
    for (int64_t i = 0; i < rg->n_columns && rc == DC_OK; i++) {
        const dc_pq_column_chunk *cc = &rg->columns[i];
        if (cc->has_column_index_offset && cc->has_column_index_length)
            rc = pqr_ranges_add(&pr, cc->column_index_offset, cc->column_index_length, err);
        if (rc == DC_OK && cc->has_offset_index_offset && cc->has_offset_index_length)
            rc = pqr_ranges_add(&pr, cc->offset_index_offset, cc->offset_index_length, err);
    }
    if (rc == DC_OK)
        rc = dc_input_prefetch(r->f->in, pr.v, pr.n, err);
    dc_free(pr.v);
    return rc;
}

static dc_status prefetch_chunks(pqr_reader *r, int32_t g, bool selected, dc_error *err)
{
    pqr_ranges pr = {0};
    dc_status rc = DC_OK;
    for (int32_t i = 0; i < r->n_cols && rc == DC_OK; i++)
        rc = pqr_column_plan(&r->cols[i], g, selected ? r->ranges : NULL,
                             selected ? r->n_ranges : 0, &pr, err);
    if (rc == DC_OK)
        rc = dc_input_prefetch(r->f->in, pr.v, pr.n, err);
    dc_free(pr.v);
    return rc;
}

/* Move to the next row group with rows that the filter keeps; false at the end. */
static dc_status next_row_group(pqr_reader *r, bool *more, dc_error *err)
{
    *more = false;
    while (r->rg_i < r->n_rgs) {
        int32_t g = r->rgs[r->rg_i++];
        int64_t rows = r->f->meta.row_groups[g].num_rows;
        if (rows == 0 || (r->filter && !r->filter(r->f, g, r->filter_user)))
            continue;
        dc_status rc = DC_OK;
        dc_free(r->ranges);
        r->ranges = NULL;
        r->n_ranges = 0;
        if (r->io_lock)
            pthread_mutex_lock(r->io_lock);
        bool selected = false;
        if (r->select) {
            rc = prefetch_indexes(r, g, err);
            selected = rc == DC_OK && r->select(r->f, g, &r->ranges, &r->n_ranges, r->select_user);
        }
        if (selected) {
            rows = 0;
            for (int64_t i = 0; i < r->n_ranges; i++) {
                const dc_pq_row_range *q = &r->ranges[i];
                if (q->start < 0 || q->end <= q->start ||
                    q->end > r->f->meta.row_groups[g].num_rows ||
                    (i > 0 && q->start < r->ranges[i - 1].end))
                    rc = dc_error_set(err, DC_EINVALID,
                                      "row group %d: the selected rows are not sorted, disjoint "
                                      "ranges of its rows",
                                      g);
                rows += q->end - q->start;
            }
        }
        if (rc == DC_OK && rows > 0 && r->n_cols > 0)
            rc = prefetch_chunks(r, g, selected, err);
        for (int32_t i = 0; i < r->n_cols && rc == DC_OK && rows > 0; i++)
            rc = selected ? pqr_column_start_selected(&r->cols[i], g, r->ranges, r->n_ranges, err)
                          : pqr_column_start(&r->cols[i], g, err);
        if (r->io_lock)
            pthread_mutex_unlock(r->io_lock);
        if (rc != DC_OK)
            return rc;
        if (rows == 0)
            continue; /* nothing selected in this row group */
        if (selected) {
            r->ri = 0;
            r->rcur = r->ranges[0].start;
        }
        r->rows_left = rows;
        *more = true;
        return DC_OK;
    }
    return DC_OK;
}

/*
 * One batch is decoded field by field: a top-level field owns its columns, so
 * fields are independent and the reader's threads take them from a shared
 * counter. Chunk reads (I/O) happen before, on the calling thread.
 */
typedef struct pqr_batch_job {
    pqr_reader *r;
    int64_t rows;
    int64_t at; /* selected rows: the row group's row the batch starts at; -1: all rows */
    dc_array **arrays;
    atomic_int next;
    dc_status *rcs; /* per field */
    dc_error *errs; /* per field */
} pqr_batch_job;

typedef struct pqr_worker {
    pqr_batch_job *job;
    dc_pq_codec_ctx *codec;
} pqr_worker;

static dc_status decode_field(pqr_reader *r, int32_t k, int64_t n, int64_t at,
                              dc_pq_codec_ctx *codec, dc_array **out, dc_error *err)
{
    dc_status rc = DC_OK;
    const pqr_node *nd = &r->f->root.children[r->top[k]];
    for (int32_t i = 0; i < r->n_cols; i++) {
        pqr_column *c = &r->cols[i];
        if (c->L->top != r->top[k])
            continue;
        c->codec = codec;
        if (at >= 0)
            DC_TRY(pqr_column_seek(c, at, err));
        DC_TRY(pqr_column_read_rows(c, n, err));
    }
    DC_TRY(build_node(r, nd, out, err));
    if ((*out)->length != n)
        rc = assembly_corrupt(r, nd, err);
cleanup:
    return rc;
}

static void *worker_main(void *arg)
{
    pqr_worker *w = arg;
    pqr_batch_job *job = w->job;
    for (;;) {
        int k = atomic_fetch_add(&job->next, 1);
        if (k >= job->r->n_top)
            break;
        dc_error_clear(&job->errs[k]);
        job->rcs[k] = decode_field(job->r, k, job->rows, job->at, w->codec, &job->arrays[k],
                                   &job->errs[k]);
        if (job->rcs[k] != DC_OK)
            break;
    }
    return NULL;
}

/* The next batch of r (NULL at the end), its fields decoded on r's threads. */
static dc_status reader_produce(pqr_reader *r, const dc_schema *schema, dc_batch **out,
                                dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array **arrays = NULL;
    pqr_batch_job job = {.r = r};
    pthread_t tids[PQR_MAX_THREADS];
    pqr_worker workers[PQR_MAX_THREADS + 1];
    int started = 0;
    *out = NULL;
    if (r->rows_left == 0) {
        bool more;
        DC_TRY(next_row_group(r, &more, err));
        if (!more)
            return DC_OK;
    }
    int64_t n = DC_MIN(r->rows_left, r->batch_rows);
    job.at = -1;
    if (r->ranges) { /* a batch holds rows of one selected range */
        n = DC_MIN(n, r->ranges[r->ri].end - r->rcur);
        job.at = r->rcur;
    }
    int32_t nt = DC_MAX(r->n_top, 1);
    arrays = dc_calloc((size_t)nt, sizeof *arrays);
    job.rcs = dc_calloc((size_t)nt, sizeof *job.rcs);
    job.errs = dc_malloc((size_t)nt * sizeof *job.errs);
    DC_TRY_ALLOC(arrays, err);
    DC_TRY_ALLOC(job.rcs, err);
    DC_TRY_ALLOC(job.errs, err);
    job.rows = n;
    job.arrays = arrays;
    atomic_init(&job.next, 0);
    int extra = DC_MIN(r->threads, r->n_top) - 1;
    for (int i = 0; i < extra; i++) {
        workers[i] = (pqr_worker){&job, r->codec2[i]};
        if (pthread_create(&tids[i], NULL, worker_main, &workers[i]) != 0)
            break;
        started++;
    }
    workers[PQR_MAX_THREADS] = (pqr_worker){&job, r->codec};
    worker_main(&workers[PQR_MAX_THREADS]);
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    for (int32_t k = 0; k < r->n_top; k++)
        if (job.rcs[k] != DC_OK) { /* the first failing field, whatever the timing */
            rc = job.rcs[k];
            if (err)
                *err = job.errs[k];
            goto cleanup;
        }
    for (int32_t k = 0; k < r->n_top; k++)
        if (!arrays[k]) { /* a worker stopped after another field failed: cannot happen */
            rc = dc_error_set(err, DC_EINTERNAL, "a field of the batch was not decoded");
            goto cleanup;
        }
    for (int32_t i = 0; i < r->n_cols; i++)
        pqr_column_reset_output(&r->cols[i]);
    for (int32_t k = 0; k < schema->n_fields; k++) /* hostile files: not a schema error */
        if (!schema->fields[k].nullable && arrays[k]->null_count > 0) {
            rc = dc_error_set(err, DC_ECORRUPT,
                              "%s: column %s is declared required but its data holds %lld "
                              "nulls",
                              r->f->in->name, schema->fields[k].name,
                              (long long)arrays[k]->null_count);
            goto cleanup;
        }
    DC_TRY(dc_batch_new(out, schema, arrays, n, err));
    r->rows_left -= n;
    if (r->ranges) {
        r->rcur += n;
        if (r->rcur == r->ranges[r->ri].end && r->ri + 1 < r->n_ranges)
            r->rcur = r->ranges[++r->ri].start;
    }
cleanup:
    for (int32_t k = 0; arrays && k < r->n_top; k++)
        dc_array_unref(arrays[k]);
    dc_free(arrays);
    dc_free(job.rcs);
    dc_free(job.errs);
    return rc;
}

/*
 * Row groups decoded ahead, in parallel. Columns in parallel balance badly
 * when one column holds most of the bytes (a long text column), so when there
 * are two or more row groups to read the reader hands them out instead: each
 * of T workers owns a reader of its own (same file, same projection, columns
 * one after the other) over every T-th row group kept, and queues its batches;
 * the caller takes them in file order, moving to the next worker at the end of
 * each row group. At most T * (PQR_PIPE_DEPTH + 1) batches are decoded ahead;
 * reads of the shared input are serialized by a lock. A worker that fails
 * queues its error, which the caller sees when it reaches that row group.
 */
#define PQR_PIPE_DEPTH 2

typedef struct pqr_item {
    dc_batch *batch; /* NULL: the worker's end, or its failure (rc) */
    bool rg_last;    /* the last batch of its row group */
    dc_status rc;
    dc_error err;
} pqr_item;

typedef struct pqr_pipe_worker {
    struct pqr_pipe *pipe;
    pqr_reader *sub;
    pqr_item q[PQR_PIPE_DEPTH];
    int head, n;
    pthread_t tid;
    bool started;
} pqr_pipe_worker;

typedef struct pqr_pipe {
    pthread_mutex_t mu, io;
    pthread_cond_t cv;
    bool stop;     /* the reader is being freed */
    bool finished; /* the caller saw the end or a failure */
    dc_status final_rc;
    dc_error final_err;
    int32_t n_workers, cur;
    const dc_schema *schema;
    pqr_pipe_worker w[PQR_MAX_THREADS];
} pqr_pipe;

static void *pipe_worker_main(void *arg)
{
    pqr_pipe_worker *w = arg;
    pqr_pipe *p = w->pipe;
    for (;;) {
        pqr_item it = {.rc = DC_OK};
        dc_error_clear(&it.err);
        it.rc = reader_produce(w->sub, p->schema, &it.batch, &it.err);
        if (it.rc != DC_OK) {
            dc_batch_unref(it.batch);
            it.batch = NULL;
        }
        it.rg_last = it.batch && w->sub->rows_left == 0;
        bool end = !it.batch;
        pthread_mutex_lock(&p->mu);
        while (w->n == PQR_PIPE_DEPTH && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            dc_batch_unref(it.batch);
            return NULL;
        }
        w->q[(w->head + w->n) % PQR_PIPE_DEPTH] = it;
        w->n++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (end)
            return NULL;
    }
}

static void pipe_free(pqr_pipe *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int32_t i = 0; i < p->n_workers; i++) {
        pqr_pipe_worker *w = &p->w[i];
        if (w->started)
            pthread_join(w->tid, NULL);
        for (int k = 0; k < w->n; k++)
            dc_batch_unref(w->q[(w->head + k) % PQR_PIPE_DEPTH].batch);
        pqr_free(w->sub);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->io);
    pthread_mutex_destroy(&p->mu);
    dc_free(p);
}

/* A worker's reader: r's file and projection over the row groups given, one thread. */
static dc_status sub_reader_new(pqr_reader **out, const pqr_reader *r, const int32_t *rgs,
                                int32_t n, pthread_mutex_t *io, dc_error *err)
{
    dc_status rc = DC_OK;
    pqr_reader *s = dc_calloc(1, sizeof *s);
    DC_TRY_ALLOC(s, err);
    s->f = r->f;
    s->io_lock = io;
    s->select = r->select;
    s->select_user = r->select_user;
    s->batch_rows = r->batch_rows;
    s->threads = 1;
    s->n_top = r->n_top;
    s->top = dc_malloc((size_t)DC_MAX(r->n_top, 1) * sizeof *s->top);
    s->col_of_leaf = dc_malloc((size_t)DC_MAX(r->f->n_leaves, 1) * sizeof *s->col_of_leaf);
    s->cols = dc_calloc((size_t)DC_MAX(r->f->n_leaves, 1), sizeof *s->cols);
    s->rgs = dc_malloc((size_t)DC_MAX(n, 1) * sizeof *s->rgs);
    DC_TRY_ALLOC(s->top, err);
    DC_TRY_ALLOC(s->col_of_leaf, err);
    DC_TRY_ALLOC(s->cols, err);
    DC_TRY_ALLOC(s->rgs, err);
    memcpy(s->top, r->top, (size_t)r->n_top * sizeof *s->top);
    memcpy(s->col_of_leaf, r->col_of_leaf, (size_t)r->f->n_leaves * sizeof *s->col_of_leaf);
    memcpy(s->rgs, rgs, (size_t)n * sizeof *s->rgs);
    s->n_rgs = n;
    DC_TRY(dc_pq_codec_ctx_new(&s->codec, err));
    for (int32_t i = 0; i < r->n_cols; i++)
        pqr_column_init(&s->cols[s->n_cols++], r->f, r->cols[i].leaf, s->codec);
    *out = s;
    s = NULL;
cleanup:
    pqr_free(s);
    return rc;
}

/*
 * At the first batch: the row groups the filter keeps (asked once each, on the
 * caller's thread, as the serial reader does), then the pipeline when it pays.
 */
static dc_status pipe_start(pqr_reader *r, const dc_schema *schema, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t kept = 0;
    for (int32_t i = r->rg_i; i < r->n_rgs; i++) {
        int32_t g = r->rgs[i];
        if (r->f->meta.row_groups[g].num_rows > 0 &&
            (!r->filter || r->filter(r->f, g, r->filter_user)))
            r->rgs[kept++] = g;
    }
    r->n_rgs = kept;
    r->rg_i = 0;
    r->filter = NULL; /* asked already */
    int32_t t = DC_MIN(r->threads, kept);
    if (t < 2)
        return DC_OK; /* serial: columns in parallel within each batch */
    pqr_pipe *p = dc_calloc(1, sizeof *p);
    int32_t *mine = dc_malloc((size_t)kept * sizeof *mine);
    if (!p || !mine) {
        dc_free(p);
        dc_free(mine);
        return dc_error_nomem(err);
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->io, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->schema = schema;
    r->pipe = p;
    for (int32_t w = 0; w < t; w++) {
        int32_t n = 0;
        for (int32_t i = w; i < kept; i += t)
            mine[n++] = r->rgs[i];
        p->w[w].pipe = p;
        DC_TRY(sub_reader_new(&p->w[w].sub, r, mine, n, &p->io, err));
        p->n_workers = w + 1;
    }
    for (int32_t w = 0; w < t; w++) {
        if (pthread_create(&p->w[w].tid, NULL, pipe_worker_main, &p->w[w]) != 0) {
            rc = dc_error_set(err, DC_EIO, "%s: cannot start a reader thread", r->f->in->name);
            goto cleanup;
        }
        p->w[w].started = true;
    }
cleanup:
    dc_free(mine);
    if (rc != DC_OK) {
        pipe_free(r->pipe);
        r->pipe = NULL;
    }
    return rc;
}

static dc_status pipe_next(pqr_pipe *p, dc_batch **out, dc_error *err)
{
    if (p->finished) {
        if (p->final_rc != DC_OK && err)
            *err = p->final_err;
        return p->final_rc;
    }
    pqr_pipe_worker *w = &p->w[p->cur];
    pthread_mutex_lock(&p->mu);
    while (w->n == 0)
        pthread_cond_wait(&p->cv, &p->mu);
    pqr_item it = w->q[w->head];
    w->head = (w->head + 1) % PQR_PIPE_DEPTH;
    w->n--;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (!it.batch) { /* round robin: the worker of the next row group has none left */
        p->finished = true;
        p->final_rc = it.rc;
        p->final_err = it.err;
        if (it.rc != DC_OK && err)
            *err = it.err;
        return it.rc;
    }
    if (it.rg_last)
        p->cur = (p->cur + 1) % p->n_workers;
    *out = it.batch;
    return DC_OK;
}

static dc_status reader_next(dc_reader *rd, dc_batch **out, dc_error *err)
{
    pqr_reader *r = rd->impl;
    *out = NULL;
    if (!r->pipe && !r->planned) {
        r->planned = true;
        dc_status rc = pipe_start(r, rd->schema, err);
        if (rc != DC_OK)
            return rc;
    }
    if (r->pipe)
        return pipe_next(r->pipe, out, err);
    return reader_produce(r, rd->schema, out, err);
}

static const dc_reader_vtable PQR_VT = {reader_next, reader_destroy};

dc_status dc_pq_reader_open(dc_reader **out, dc_pq_file *f, const dc_pq_read_options *opts,
                            dc_error *err)
{
    dc_status rc = DC_OK;
    dc_schema *schema = NULL;
    dc_field *fields = NULL;
    *out = NULL;
    pqr_reader *r = dc_calloc(1, sizeof *r);
    if (!r) {
        dc_pq_file_free(f);
        return dc_error_nomem(err);
    }
    r->f = f;
    r->owns_file = true;
    const dc_schema *fs = f->schema;
    r->batch_rows = opts && opts->batch_rows > 0 ? opts->batch_rows : 65536;
    if (opts) {
        r->filter = opts->filter;
        r->filter_user = opts->filter_user;
        r->select = opts->select;
        r->select_user = opts->select_user;
    }
    /* projection */
    r->n_top = opts && opts->columns ? opts->n_columns : fs->n_fields;
    r->top = dc_calloc((size_t)DC_MAX(r->n_top, 1), sizeof *r->top);
    fields = dc_calloc((size_t)DC_MAX(r->n_top, 1), sizeof *fields);
    r->col_of_leaf = dc_calloc((size_t)DC_MAX(f->n_leaves, 1), sizeof *r->col_of_leaf);
    r->cols = dc_calloc((size_t)DC_MAX(f->n_leaves, 1), sizeof *r->cols);
    DC_TRY_ALLOC(r->top, err);
    DC_TRY_ALLOC(fields, err);
    DC_TRY_ALLOC(r->col_of_leaf, err);
    DC_TRY_ALLOC(r->cols, err);
    for (int32_t k = 0; k < r->n_top; k++) {
        if (opts && opts->columns) {
            int32_t idx = dc_schema_find(fs, opts->columns[k]);
            if (idx < 0) {
                rc = dc_error_set(err, DC_ENOTFOUND, "%s: no column \"%s\" in the file",
                                  f->in->name, opts->columns[k]);
                goto cleanup;
            }
            for (int32_t j = 0; j < k; j++)
                if (r->top[j] == idx) {
                    rc = dc_error_set(err, DC_EINVALID, "%s: column \"%s\" is asked for twice",
                                      f->in->name, opts->columns[k]);
                    goto cleanup;
                }
            r->top[k] = idx;
        } else {
            r->top[k] = k;
        }
        fields[k] = fs->fields[r->top[k]];
    }
    DC_TRY(dc_pq_codec_ctx_new(&r->codec, err));
    r->threads = opts && opts->threads > 0 ? opts->threads : 2;
    r->threads = DC_MIN(r->threads, PQR_MAX_THREADS);
    for (int32_t i = 0; i + 1 < DC_MIN(r->threads, r->n_top); i++)
        DC_TRY(dc_pq_codec_ctx_new(&r->codec2[i], err));
    for (int32_t i = 0; i < f->n_leaves; i++) {
        r->col_of_leaf[i] = -1;
        for (int32_t k = 0; k < r->n_top; k++)
            if (f->leaves[i].top == r->top[k]) {
                r->col_of_leaf[i] = r->n_cols;
                pqr_column_init(&r->cols[r->n_cols++], f, i, r->codec);
                break;
            }
    }
    /* row groups */
    r->n_rgs = opts && opts->row_groups ? opts->n_row_groups : (int32_t)f->meta.n_row_groups;
    r->rgs = dc_calloc((size_t)DC_MAX(r->n_rgs, 1), sizeof *r->rgs);
    DC_TRY_ALLOC(r->rgs, err);
    for (int32_t i = 0; i < r->n_rgs; i++) {
        int32_t g = opts && opts->row_groups ? opts->row_groups[i] : i;
        if (g < 0 || g >= f->meta.n_row_groups) {
            rc = dc_error_set(err, DC_EINVALID, "%s: no row group %d (the file has %" PRId64 ")",
                              f->in->name, g, f->meta.n_row_groups);
            goto cleanup;
        }
        r->rgs[i] = g;
    }
    schema = dc_schema_new(fields, r->n_top, &fs->metadata);
    DC_TRY_ALLOC(schema, err);
    rc = dc_reader_new(out, &PQR_VT, r, schema, err);
    if (rc == DC_OK)
        r = NULL;
cleanup:
    pqr_free(r);
    dc_schema_unref(schema);
    dc_free(fields);
    return rc;
}

dc_status dc_pq_reader_open_input(dc_reader **out, dc_input *in, const dc_pq_read_options *opts,
                                  dc_error *err)
{
    dc_pq_file *f = NULL;
    *out = NULL;
    dc_status rc = dc_pq_file_open(&f, in, err);
    if (rc != DC_OK)
        return rc;
    return dc_pq_reader_open(out, f, opts, err);
}
