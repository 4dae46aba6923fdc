/*
 * reader_file.c: opening a Parquet file: the magic, the footer, and every
 * offset and size it declares checked against the file before anything is
 * read or allocated from it; column chunk statistics decoded to typed values.
 */
#include "formats/parquet/reader_int.h"

#include <inttypes.h>
#include <stdio.h>

static dc_status corrupt(dc_input *in, dc_error *err, const char *fmt, ...) DC_PRINTF(3, 4);
static dc_status corrupt(dc_input *in, dc_error *err, const char *fmt, ...)
{
    char msg[DC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dc_status rc =
        dc_error_set(err, DC_ECORRUPT, "%s: not a valid Parquet file: %s", in->name, msg);
    dc_error_at(err, in->name, NULL, -1, -1);
    return rc;
}

/* Read exactly n bytes at off; a short read is DC_ECORRUPT (the file changed or lied). */
static dc_status read_exact(dc_input *in, int64_t off, void *buf, int64_t n, dc_error *err)
{
    int64_t got = 0;
    dc_status rc = dc_input_read_at(in, off, buf, n, &got, err);
    if (rc != DC_OK)
        return rc;
    if (got != n)
        return corrupt(
            in, err, "%" PRId64 " bytes at offset %" PRId64 " wanted, the file ends after %" PRId64,
            n, off, got);
    return DC_OK;
}

/* Check the row groups and column chunks against the schema and the file size. */
static dc_status check_chunks(dc_pq_file *f, dc_error *err)
{
    const dc_pq_file_metadata *m = &f->meta;
    dc_status rc = DC_OK;
    int64_t n = 0;
    if (m->num_rows < 0)
        return corrupt(f->in, err, "the footer declares %" PRId64 " rows", m->num_rows);
    for (int64_t g = 0; g < m->n_row_groups; g++) /* before sizing anything from the counts */
        if (m->row_groups[g].n_columns != f->n_leaves)
            return corrupt(f->in, err,
                           "row group %" PRId64 " has %" PRId64
                           " column chunks, the schema %d columns",
                           g, m->row_groups[g].n_columns, f->n_leaves);
    if (dc_mul_overflows(m->n_row_groups, f->n_leaves, &n))
        return corrupt(f->in, err, "too many column chunks");
    f->chunk_start = dc_calloc((size_t)DC_MAX(n, 1), sizeof *f->chunk_start);
    f->chunk_len = dc_calloc((size_t)DC_MAX(n, 1), sizeof *f->chunk_len);
    DC_TRY_ALLOC(f->chunk_start, err);
    DC_TRY_ALLOC(f->chunk_len, err);
    for (int64_t g = 0; g < m->n_row_groups; g++) {
        const dc_pq_row_group *rg = &m->row_groups[g];
        if (rg->num_rows < 0)
            return corrupt(f->in, err, "row group %" PRId64 " declares %" PRId64 " rows", g,
                           rg->num_rows);
        if (rg->n_columns != f->n_leaves)
            return corrupt(f->in, err,
                           "row group %" PRId64 " has %" PRId64
                           " column chunks, the schema %d columns",
                           g, rg->n_columns, f->n_leaves);
        for (int32_t c = 0; c < f->n_leaves; c++) {
            const dc_pq_column_chunk *cc = &rg->columns[c];
            const dc_pq_column_metadata *cm = &cc->meta_data;
            const char *path = f->leaves[c].path;
            if (cc->has_crypto_metadata || cc->has_encrypted_column_metadata)
                return dc_error_set(
                    err, DC_EUNSUPPORTED,
                    "%s: column %s is encrypted; encrypted Parquet is not supported", f->in->name,
                    path);
            if (cc->has_file_path && cc->file_path.len > 0)
                return dc_error_set(
                    err, DC_EUNSUPPORTED,
                    "%s: column %s of row group %" PRId64
                    " is in another file (%s); external column chunks are not supported",
                    f->in->name, path, g, cc->file_path.ptr);
            if (!cc->has_meta_data)
                return corrupt(f->in, err, "column %s of row group %" PRId64 " has no metadata",
                               path, g);
            if (cm->type != f->leaves[c].el->type)
                return corrupt(
                    f->in, err, "column %s of row group %" PRId64 " is %s, the schema says %s",
                    path, g, dc_pq_type_name(cm->type), dc_pq_type_name(f->leaves[c].el->type));
            if (!dc_pq_codec_supported(cm->codec))
                return dc_error_set(
                    err, DC_EUNSUPPORTED,
                    "%s: column %s uses the %s codec (%d), which this build cannot read",
                    f->in->name, path, dc_pq_codec_name(cm->codec), cm->codec);
            if (rg->num_rows == 0)
                continue; /* an empty row group: never read (writers leave offsets at 0) */
            int64_t start = cm->data_page_offset;
            if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
                cm->dictionary_page_offset < start)
                start = cm->dictionary_page_offset;
            int64_t len = cm->total_compressed_size, end = 0;
            if (start < 4 || len < 0 || dc_add_overflows(start, len, &end) || end > f->data_end ||
                cm->num_values < 0)
                return corrupt(
                    f->in, err,
                    "column %s of row group %" PRId64 " declares bytes %" PRId64 "..%" PRId64
                    " (and %" PRId64 " values), outside the data (4..%" PRId64 ")",
                    path, g, start, start + (len > 0 ? len : 0), cm->num_values, f->data_end);
            f->chunk_start[g * f->n_leaves + c] = start;
            f->chunk_len[g * f->n_leaves + c] = len;
        }
    }
cleanup:
    return rc;
}

void dc_pq_file_free(dc_pq_file *f)
{
    if (!f)
        return;
    pqr_schema_free(f);
    dc_free(f->chunk_start);
    dc_free(f->chunk_len);
    dc_pq_file_metadata_clear(&f->meta);
    dc_input_close(f->in);
    dc_free(f);
}

dc_status dc_pq_file_open(dc_pq_file **out, dc_input *in, dc_error *err)
{
    dc_status rc = DC_OK;
    uint8_t *footer = NULL, *tail_buf = NULL;
    uint8_t tail[8], head[4];
    *out = NULL;
    dc_pq_file *f = dc_calloc(1, sizeof *f);
    if (!f) {
        dc_input_close(in);
        return dc_error_nomem(err);
    }
    f->in = in;
    f->size = in->size;
    if (f->size < 0) {
        rc = dc_error_set(
            err, DC_EUNSUPPORTED,
            "%s: Parquet needs a file it can seek in, not a pipe; save it to a file first",
            in->name);
        goto cleanup;
    }
    if (f->size < 12) {
        rc = corrupt(in, err, "it is %" PRId64 " bytes long, too short for the magic and footer",
                     f->size);
        goto cleanup;
    }
    /* the last PQR_TAIL_READ bytes in one read: the footer and its length, whole in most
     * files, so that a remote file costs one request here (and the magic at the start
     * comes from it too when the file is that small) */
    int64_t tail_len = DC_MIN(f->size, PQR_TAIL_READ);
    tail_buf = dc_malloc((size_t)tail_len);
    DC_TRY_ALLOC(tail_buf, err);
    if (tail_len < f->size) /* first: an S3 input holds the start since it was opened */
        DC_TRY(read_exact(in, 0, head, 4, err));
    DC_TRY(read_exact(in, f->size - tail_len, tail_buf, tail_len, err));
    memcpy(tail, tail_buf + tail_len - 8, 8);
    if (tail_len == f->size)
        memcpy(head, tail_buf, 4);
    if (!memcmp(tail + 4, "PARE", 4)) {
        rc = dc_error_set(err, DC_EUNSUPPORTED,
                          "%s: the file is encrypted (footer magic PARE); "
                          "encrypted Parquet is not supported",
                          in->name);
        goto cleanup;
    }
    if (memcmp(head, "PAR1", 4) || memcmp(tail + 4, "PAR1", 4)) {
        rc = corrupt(in, err, "the magic bytes \"PAR1\" are missing at the %s",
                     memcmp(head, "PAR1", 4) ? "start" : "end");
        goto cleanup;
    }
    uint32_t flen = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                    (uint32_t)tail[3] << 24;
    f->footer_len = flen;
    if (f->footer_len > f->size - 12) {
        rc = corrupt(in, err, "the footer length %" PRId64 " exceeds the file (%" PRId64 " bytes)",
                     f->footer_len, f->size);
        goto cleanup;
    }
    f->data_end = f->size - 8 - f->footer_len;
    const uint8_t *fbytes;
    if (f->footer_len + 8 <= tail_len) {
        fbytes = tail_buf + (tail_len - 8 - f->footer_len);
    } else {
        footer = dc_malloc((size_t)DC_MAX(f->footer_len, 1));
        DC_TRY_ALLOC(footer, err);
        DC_TRY(read_exact(in, f->data_end, footer, f->footer_len, err));
        fbytes = footer;
    }
    rc = dc_pq_file_metadata_decode(&f->meta, fbytes, f->footer_len, err);
    if (rc != DC_OK) {
        dc_error_prefix(err, "%s: not a valid Parquet file: footer at offset %" PRId64 ": ",
                        in->name, f->data_end);
        dc_error_at(err, in->name, NULL, f->data_end, -1);
        goto cleanup;
    }
    if (f->meta.has_encryption_algorithm) {
        rc = dc_error_set(err, DC_EUNSUPPORTED,
                          "%s: the file is encrypted; encrypted Parquet is "
                          "not supported",
                          in->name);
        goto cleanup;
    }
    DC_TRY(pqr_schema_build(f, err));
    DC_TRY(check_chunks(f, err));
    *out = f;
    f = NULL;
cleanup:
    dc_free(footer);
    dc_free(tail_buf);
    dc_pq_file_free(f);
    return rc;
}

const dc_pq_file_metadata *dc_pq_file_meta(const dc_pq_file *f)
{
    return &f->meta;
}
const dc_schema *dc_pq_file_schema(const dc_pq_file *f)
{
    return f->schema;
}
dc_input *dc_pq_file_input(const dc_pq_file *f)
{
    return f->in;
}
int32_t dc_pq_file_n_leaves(const dc_pq_file *f)
{
    return f->n_leaves;
}
const dc_pq_leaf *dc_pq_file_leaf(const dc_pq_file *f, int32_t i)
{
    return &f->leaves[i];
}

void dc_pq_file_chunk_range(const dc_pq_file *f, int32_t row_group, int32_t leaf, int64_t *start,
                            int64_t *len)
{
    *start = f->chunk_start[(int64_t)row_group * f->n_leaves + leaf];
    *len = f->chunk_len[(int64_t)row_group * f->n_leaves + leaf];
}

/* ---- statistics ---- */

void dc_pq_stats_clear(dc_pq_stats *s)
{
    if (!s)
        return;
    dc_array_unref(s->min);
    dc_array_unref(s->max);
    memset(s, 0, sizeof *s);
}

/* One statistics value (PLAIN bytes; BYTE_ARRAY without its length) as a 1-row array. */
static dc_status stat_value(const dc_pq_leaf *L, const dc_pq_str *v, dc_array **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_bytes vals, ends;
    dc_buffer *bufs[3] = {0};
    dc_bytes_init(&vals);
    dc_bytes_init(&ends);
    *out = NULL;
    int32_t type = L->el->type;
    if (L->conv == PQR_CV_NULL)
        return DC_OK;
    if (type == DC_PQ_TYPE_BYTE_ARRAY) {
        if (v->len > INT32_MAX)
            return DC_OK;
        int32_t e[2] = {0, (int32_t)v->len};
        DC_TRY(dc_bytes_append(&ends, e, sizeof e));
        DC_TRY(dc_bytes_append(&vals, v->ptr, v->len));
    } else if (type == DC_PQ_TYPE_BOOLEAN) {
        if (v->len != 1)
            return DC_OK;
        uint8_t bit = (uint8_t)(v->ptr[0] & 1);
        DC_TRY(dc_bytes_append(&vals, &bit, 1));
    } else {
        if (v->len != L->width)
            return DC_OK; /* not a value of this column: leave it out */
        DC_TRY(dc_bytes_append(&vals, v->ptr, v->len));
    }
    rc = pqr_convert(L, &vals, &ends, 1, true, &bufs[1], &bufs[2], err);
    if (rc != DC_OK) {
        rc = DC_OK; /* an undecodable bound is left out */
        dc_error_clear(err);
        goto cleanup;
    }
    if (L->type->id == DC_TYPE_UTF8 || L->type->id == DC_TYPE_BINARY) {
        dc_buffer *t = bufs[1]; /* convert gives (values=data, offsets) */
        bufs[1] = bufs[2];
        bufs[2] = t;
    }
    DC_TRY(
        dc_array_make(out, L->type, 1, 0, 0, bufs, dc_type_n_buffers(L->type), NULL, 0, NULL, err));
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    dc_bytes_free(&vals);
    dc_bytes_free(&ends);
    return rc;
}

/* True when the deprecated min/max (signed comparison) are also the logical order. */
static bool legacy_order_ok(const dc_pq_leaf *L)
{
    switch (L->el->type) {
    case DC_PQ_TYPE_BOOLEAN:
    case DC_PQ_TYPE_FLOAT:
    case DC_PQ_TYPE_DOUBLE: return true;
    case DC_PQ_TYPE_INT32:
    case DC_PQ_TYPE_INT64: return !dc_type_is_unsigned_integer(L->type->id);
    default: return false;
    }
}

dc_status dc_pq_file_column_stats(const dc_pq_file *f, int32_t row_group, int32_t leaf,
                                  dc_pq_stats *out, dc_error *err)
{
    dc_status rc = DC_OK;
    memset(out, 0, sizeof *out);
    if (row_group < 0 || row_group >= f->meta.n_row_groups || leaf < 0 || leaf >= f->n_leaves)
        return dc_error_set(err, DC_EINVALID, "%s: no column chunk (%d, %d)", f->in->name,
                            row_group, leaf);
    const dc_pq_column_metadata *cm = &f->meta.row_groups[row_group].columns[leaf].meta_data;
    if (!cm->has_statistics)
        return DC_OK;
    const dc_pq_statistics *s = &cm->statistics;
    const dc_pq_leaf *L = &f->leaves[leaf];
    bool binary =
        L->el->type == DC_PQ_TYPE_BYTE_ARRAY || L->el->type == DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
    out->has_null_count = s->has_null_count;
    out->null_count = s->null_count;
    out->has_distinct_count = s->has_distinct_count;
    out->distinct_count = s->distinct_count;
    const dc_pq_str *mn = NULL, *mx = NULL;
    if (s->has_min_value && s->has_max_value) {
        mn = &s->min_value;
        mx = &s->max_value;
        out->min_exact = s->has_is_min_value_exact ? s->is_min_value_exact : !binary;
        out->max_exact = s->has_is_max_value_exact ? s->is_max_value_exact : !binary;
    } else if (s->has_min && s->has_max && legacy_order_ok(L)) {
        mn = &s->min;
        mx = &s->max;
        out->min_exact = out->max_exact = true;
    }
    if (mn) {
        DC_TRY(stat_value(L, mn, &out->min, err));
        DC_TRY(stat_value(L, mx, &out->max, err));
        out->has_min = out->min != NULL;
        out->has_max = out->max != NULL;
    }
cleanup:
    if (rc != DC_OK)
        dc_pq_stats_clear(out);
    return rc;
}

/* ---- the page index ---- */

#define PQR_MAX_INDEX_BYTES (INT64_C(16) << 20)

/* Read `len` bytes at `off` (checked against the file) and decode them with `decode`. */
static dc_status read_index(const dc_pq_file *f, int64_t off, int64_t len, dc_bytes *buf,
                            dc_error *err)
{
    if (off < 4 || len <= 0 || len > PQR_MAX_INDEX_BYTES || off > f->in->size - len)
        return DC_ENOTFOUND;
    buf->size = 0;
    if (dc_bytes_reserve(buf, len) != DC_OK)
        return dc_error_nomem(err);
    dc_status rc = read_exact(f->in, off, buf->data, len, err);
    if (rc == DC_OK)
        buf->size = len;
    return rc;
}

dc_status pqr_offset_index(const dc_pq_file *f, int32_t rg, int32_t leaf, dc_pq_offset_index *oi,
                           dc_error *err)
{
    dc_status rc;
    dc_bytes buf;
    dc_bytes_init(&buf);
    memset(oi, 0, sizeof *oi);
    const dc_pq_column_chunk *cc = &f->meta.row_groups[rg].columns[leaf];
    if (!cc->has_offset_index_offset || !cc->has_offset_index_length)
        return DC_ENOTFOUND;
    rc = read_index(f, cc->offset_index_offset, cc->offset_index_length, &buf, err);
    if (rc == DC_OK && dc_pq_offset_index_decode(oi, buf.data, buf.size, NULL) != DC_OK)
        rc = DC_ENOTFOUND; /* an index that does not decode is not used */
    dc_bytes_free(&buf);
    if (rc != DC_OK)
        return rc;
    /* pages inside the chunk, in order, rows increasing from 0 and below the row count */
    int64_t start = f->chunk_start[rg * f->n_leaves + leaf];
    int64_t end = start + f->chunk_len[rg * f->n_leaves + leaf];
    int64_t rows = f->meta.row_groups[rg].num_rows, prev_end = start;
    bool ok = oi->n_page_locations > 0 && oi->page_locations[0].first_row_index == 0;
    for (int64_t i = 0; ok && i < oi->n_page_locations; i++) {
        const dc_pq_page_location *p = &oi->page_locations[i];
        ok = p->offset >= prev_end && p->compressed_page_size > 0 &&
             p->offset <= end - p->compressed_page_size && p->first_row_index < rows &&
             (i == 0 || p->first_row_index > oi->page_locations[i - 1].first_row_index);
        prev_end = p->offset + p->compressed_page_size;
    }
    if (!ok) {
        dc_pq_offset_index_clear(oi);
        memset(oi, 0, sizeof *oi);
        return DC_ENOTFOUND;
    }
    return DC_OK;
}

dc_status dc_pq_file_page_stats(const dc_pq_file *f, int32_t row_group, int32_t leaf,
                                dc_pq_page_stats **out, int64_t *n, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_pq_offset_index oi;
    dc_pq_column_index ci;
    dc_bytes buf;
    dc_pq_page_stats *v = NULL;
    int64_t np = 0;
    dc_bytes_init(&buf);
    memset(&ci, 0, sizeof ci);
    *out = NULL;
    *n = 0;
    if (row_group < 0 || row_group >= f->meta.n_row_groups || leaf < 0 || leaf >= f->n_leaves)
        return dc_error_set(err, DC_EINVALID, "%s: no column chunk (%d, %d)", f->in->name,
                            row_group, leaf);
    rc = pqr_offset_index(f, row_group, leaf, &oi, err);
    if (rc != DC_OK)
        return rc;
    const dc_pq_column_chunk *cc = &f->meta.row_groups[row_group].columns[leaf];
    np = oi.n_page_locations;
    if (!cc->has_column_index_offset || !cc->has_column_index_length) {
        rc = DC_ENOTFOUND;
        goto cleanup;
    }
    DC_TRY(read_index(f, cc->column_index_offset, cc->column_index_length, &buf, err));
    if (dc_pq_column_index_decode(&ci, buf.data, buf.size, NULL) != DC_OK ||
        ci.n_null_pages != np || ci.n_min_values != np || ci.n_max_values != np ||
        (ci.has_null_counts && ci.n_null_counts != np)) {
        rc = DC_ENOTFOUND;
        goto cleanup;
    }
    const dc_pq_leaf *L = &f->leaves[leaf];
    bool binary =
        L->el->type == DC_PQ_TYPE_BYTE_ARRAY || L->el->type == DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
    v = dc_calloc((size_t)np, sizeof *v);
    DC_TRY_ALLOC(v, err);
    int64_t rows = f->meta.row_groups[row_group].num_rows;
    for (int64_t i = 0; i < np; i++) {
        dc_pq_page_stats *p = &v[i];
        p->first_row = oi.page_locations[i].first_row_index;
        p->end_row = i + 1 < np ? oi.page_locations[i + 1].first_row_index : rows;
        if (ci.has_null_counts) {
            p->st.has_null_count = true;
            p->st.null_count = ci.null_counts[i];
        } else if (ci.null_pages[i] && L->max_rep == 0) {
            p->st.has_null_count = true;
            p->st.null_count = p->end_row - p->first_row;
        }
        if (ci.null_pages[i])
            continue;
        DC_TRY(stat_value(L, &ci.min_values[i], &p->st.min, err));
        DC_TRY(stat_value(L, &ci.max_values[i], &p->st.max, err));
        p->st.has_min = p->st.min != NULL;
        p->st.has_max = p->st.max != NULL;
        p->st.min_exact = p->st.max_exact = !binary; /* ColumnIndex bounds may be truncated */
    }
    *out = v;
    *n = np;
    v = NULL;
cleanup:
    dc_pq_page_stats_free(v, np);
    dc_pq_offset_index_clear(&oi);
    dc_pq_column_index_clear(&ci);
    dc_bytes_free(&buf);
    return rc;
}

void dc_pq_page_stats_free(dc_pq_page_stats *p, int64_t n)
{
    for (int64_t i = 0; p && i < n; i++)
        dc_pq_stats_clear(&p[i].st);
    dc_free(p);
}
