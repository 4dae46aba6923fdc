/*
 * reader_column.c: one leaf column chunk being read: the chunk's bytes (one
 * range read), its pages (v1, v2, dictionary; CRC checked when present),
 * their levels, and their values in every encoding, appended densely to the
 * column's batch output.
 */
#include "formats/parquet/reader_int.h"

#include <inttypes.h>
#include <stdio.h>

void pqr_column_init(pqr_column *c, const dc_pq_file *f, int32_t leaf, dc_pq_codec_ctx *codec)
{
    memset(c, 0, sizeof *c);
    c->file = f;
    c->leaf = leaf;
    c->L = &f->leaves[leaf];
    c->codec = codec;
    c->rg = -1;
    c->oi_rg = -1;
    dc_bytes *all[] = {&c->dict_vals, &c->dict_offsets, &c->page_def, &c->page_rep,
                       &c->page_buf,  &c->pre_ends,     &c->pre_data, &c->idx,
                       &c->out_def,   &c->out_rep,      &c->out_vals, &c->out_ends};
    for (size_t i = 0; i < DC_ARRAY_LEN(all); i++)
        dc_bytes_init(all[i]);
}

void pqr_column_clear(pqr_column *c)
{
    dc_bytes *all[] = {&c->dict_vals, &c->dict_offsets, &c->page_def, &c->page_rep,
                       &c->page_buf,  &c->pre_ends,     &c->pre_data, &c->idx,
                       &c->out_def,   &c->out_rep,      &c->out_vals, &c->out_ends};
    for (size_t i = 0; i < DC_ARRAY_LEN(all); i++)
        dc_bytes_free(all[i]);
    dc_free(c->chunk);
    c->chunk = NULL;
    dc_free(c->inc_first);
    dc_free(c->inc_end);
    dc_free(c->inc_pos);
    c->inc_first = c->inc_end = c->inc_pos = NULL;
    dc_pq_offset_index_clear(&c->oi);
    memset(&c->oi, 0, sizeof c->oi);
    c->oi_rg = -1;
}

dc_status pqr_column_fail(const pqr_column *c, dc_status rc, dc_error *err)
{
    if (rc == DC_ENOMEM || !err)
        return rc;
    if (rc == DC_EINVALID) /* a decoder's "too large for one array" */
        rc = err->code = DC_EUNSUPPORTED;
    dc_error_prefix(err, "%s: column %s, row group %d, page at byte %" PRId64 ": ",
                    c->file->in->name, c->L->path, c->rg, c->page_off);
    snprintf(err->path, sizeof err->path, "%s", c->file->in->name);
    snprintf(err->column, sizeof err->column, "%s", c->L->path);
    err->offset = c->page_off;
    return rc;
}

static dc_status col_corrupt(const pqr_column *c, dc_error *err, const char *fmt, ...)
    DC_PRINTF(3, 4);
static dc_status col_corrupt(const pqr_column *c, dc_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dc_error_setv(err, DC_ECORRUPT, fmt, ap);
    va_end(ap);
    return pqr_column_fail(c, DC_ECORRUPT, err);
}

void pqr_column_reset_output(pqr_column *c)
{
    c->out_def.size = c->out_rep.size = c->out_vals.size = c->out_ends.size = 0;
    c->out_n = c->out_nv = 0;
    c->out_plain_utf8 = false;
}

static dc_status sel_reserve(pqr_column *c, int64_t n, dc_error *err)
{
    dc_free(c->inc_first);
    dc_free(c->inc_end);
    dc_free(c->inc_pos);
    c->inc_first = dc_malloc((size_t)DC_MAX(n, 1) * sizeof *c->inc_first);
    c->inc_end = dc_malloc((size_t)DC_MAX(n, 1) * sizeof *c->inc_end);
    c->inc_pos = dc_malloc((size_t)DC_MAX(n, 1) * sizeof *c->inc_pos);
    if (!c->inc_first || !c->inc_end || !c->inc_pos)
        return dc_error_nomem(err);
    return DC_OK;
}

dc_status pqr_column_start(pqr_column *c, int32_t rg, dc_error *err)
{
    c->sel = false;
    int64_t start, len, got = 0;
    dc_pq_file_chunk_range(c->file, rg, c->leaf, &start, &len);
    c->rg = rg;
    c->page_off = start;
    if (len > c->chunk_cap) {
        dc_free(c->chunk);
        c->chunk_cap = 0;
        c->chunk = dc_malloc((size_t)len);
        if (!c->chunk)
            return dc_error_nomem(err);
        c->chunk_cap = len;
    }
    dc_status rc = dc_input_read_at(c->file->in, start, c->chunk, len, &got, err);
    if (rc != DC_OK)
        return pqr_column_fail(c, rc, err);
    if (got != len)
        return col_corrupt(c, err, "the column chunk (%" PRId64 " bytes) is cut off", len);
    c->chunk_len = len;
    c->chunk_start = start;
    c->pos = 0;
    c->codec_id = c->file->meta.row_groups[rg].columns[c->leaf].meta_data.codec;
    c->started = false;
    c->has_dict = false;
    c->dict_n = 0;
    c->page_n = c->page_i = 0;
    return DC_OK;
}

/* Load the dictionary page at the start of the chunk, if there is one (before a seek). */
static dc_status load_page(pqr_column *c, bool *eof, dc_error *err);

dc_status pqr_ranges_add(pqr_ranges *r, int64_t offset, int64_t length, dc_error *err)
{
    if (length <= 0)
        return DC_OK;
    if (r->n > 0 && r->v[r->n - 1].offset + r->v[r->n - 1].length == offset) {
        r->v[r->n - 1].length += length; /* adjacent: one range */
        return DC_OK;
    }
    if (r->n == r->cap) {
        int64_t cap = r->cap ? r->cap * 2 : 16;
        dc_input_range *v = dc_realloc(r->v, (size_t)cap * sizeof *v);
        if (!v)
            return dc_error_nomem(err);
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = (dc_input_range){offset, length};
    return DC_OK;
}

/* The offset index of row group rg, read once for planning and reading (DC_ENOTFOUND:
 * none, or not usable). */
static dc_status column_oi(pqr_column *c, int32_t rg, dc_error *err)
{
    if (c->oi_rg == rg)
        return c->oi_found ? DC_OK : DC_ENOTFOUND;
    dc_pq_offset_index_clear(&c->oi);
    memset(&c->oi, 0, sizeof c->oi);
    c->oi_rg = -1;
    dc_status rc = pqr_offset_index(c->file, rg, c->leaf, &c->oi, err);
    if (rc != DC_OK && rc != DC_ENOTFOUND)
        return rc;
    c->oi_rg = rg;
    c->oi_found = rc == DC_OK;
    return rc;
}

/* The pages overlapping `ranges` into inc_first/inc_end, their page numbers into inc_pos
 * (room for every page: sel_reserve); their count, *total the bytes with the dictionary. */
static int64_t select_pages(pqr_column *c, int64_t rows, const dc_pq_row_range *ranges, int64_t n,
                            int64_t dict_len, int64_t *total)
{
    const dc_pq_offset_index *oi = &c->oi;
    int64_t np = oi->n_page_locations, ni = 0, ri = 0;
    *total = dict_len;
    for (int64_t i = 0; i < np; i++) {
        int64_t a = oi->page_locations[i].first_row_index;
        int64_t b = i + 1 < np ? oi->page_locations[i + 1].first_row_index : rows;
        while (ri < n && ranges[ri].end <= a)
            ri++;
        if (ri == n)
            break;
        if (ranges[ri].start >= b)
            continue;
        c->inc_first[ni] = a;
        c->inc_end[ni] = b;
        c->inc_pos[ni] = i; /* the page number for now */
        ni++;
        *total += oi->page_locations[i].compressed_page_size;
    }
    return ni;
}

/* The run of adjacent selected pages from k (page numbers in inc_pos): its end j, its
 * offset and length in the file. */
static int64_t page_run(const pqr_column *c, int64_t k, int64_t ni, int64_t *off, int64_t *span)
{
    const dc_pq_offset_index *oi = &c->oi;
    int64_t j = k;
    *off = oi->page_locations[c->inc_pos[k]].offset;
    *span = 0;
    while (j < ni && (j == k || c->inc_pos[j] == c->inc_pos[j - 1] + 1)) {
        const dc_pq_page_location *p = &oi->page_locations[c->inc_pos[j]];
        if (j > k && p->offset != *off + *span)
            break;
        *span = p->offset + p->compressed_page_size - *off;
        j++;
    }
    return j;
}

dc_status pqr_column_plan(pqr_column *c, int32_t rg, const dc_pq_row_range *ranges, int64_t n,
                          pqr_ranges *out, dc_error *err)
{
    int64_t start, len;
    dc_pq_file_chunk_range(c->file, rg, c->leaf, &start, &len);
    if (!ranges)
        return pqr_ranges_add(out, start, len, err);
    dc_status rc = column_oi(c, rg, err);
    if (rc == DC_ENOTFOUND)
        return pqr_ranges_add(out, start, len, err);
    if (rc != DC_OK)
        return pqr_column_fail(c, rc, err);
    int64_t dict_len = c->oi.page_locations[0].offset - start, total;
    DC_TRY(sel_reserve(c, c->oi.n_page_locations, err));
    int64_t ni =
        select_pages(c, c->file->meta.row_groups[rg].num_rows, ranges, n, dict_len, &total);
    DC_TRY(pqr_ranges_add(out, start, dict_len, err));
    for (int64_t k = 0; k < ni;) {
        int64_t off, span;
        k = page_run(c, k, ni, &off, &span);
        DC_TRY(pqr_ranges_add(out, off, span, err));
    }
cleanup:
    return rc;
}

dc_status pqr_column_start_selected(pqr_column *c, int32_t rg, const dc_pq_row_range *ranges,
                                    int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t rows = c->file->meta.row_groups[rg].num_rows;
    rc = column_oi(c, rg, err);
    if (rc == DC_ENOTFOUND) { /* no index: the whole chunk, rows skipped by decoding them */
        DC_TRY(pqr_column_start(c, rg, err));
        DC_TRY(sel_reserve(c, 1, err));
        c->sel = true;
        c->n_inc = 1;
        c->inc_first[0] = 0;
        c->inc_end[0] = rows;
        c->inc_pos[0] = 0;
        c->row_pos = 0;
        return DC_OK;
    }
    if (rc != DC_OK)
        return pqr_column_fail(c, rc, err);
    int64_t start, len;
    dc_pq_file_chunk_range(c->file, rg, c->leaf, &start, &len);
    int64_t np = c->oi.n_page_locations, dict_len = c->oi.page_locations[0].offset - start;
    DC_TRY(sel_reserve(c, np, err));
    /* the pages overlapping a range, and the bytes they need */
    int64_t total;
    int64_t ni = select_pages(c, rows, ranges, n, dict_len, &total);
    if (total > c->chunk_cap) {
        dc_free(c->chunk);
        c->chunk_cap = 0;
        c->chunk = dc_malloc((size_t)DC_MAX(total, 1));
        if (!c->chunk) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        c->chunk_cap = total;
    }
    /* read: the dictionary region, then runs of adjacent pages in one read each */
    int64_t got = 0, at = 0;
    if (dict_len > 0) {
        DC_TRY(dc_input_read_at(c->file->in, start, c->chunk, dict_len, &got, err));
        if (got != dict_len) {
            rc = col_corrupt(c, err, "the column chunk is cut off");
            goto cleanup;
        }
        at = dict_len;
    }
    for (int64_t k = 0; k < ni;) {
        int64_t off, span;
        int64_t j = page_run(c, k, ni, &off, &span);
        DC_TRY(dc_input_read_at(c->file->in, off, c->chunk + at, span, &got, err));
        if (got != span) {
            rc = col_corrupt(c, err, "the column chunk is cut off");
            goto cleanup;
        }
        for (int64_t q = k, pos = at; q < j; q++) { /* page numbers -> positions */
            int64_t sz = c->oi.page_locations[c->inc_pos[q]].compressed_page_size;
            c->inc_pos[q] = pos;
            pos += sz;
        }
        at += span;
        k = j;
    }
    c->rg = rg;
    c->chunk_len = at;
    c->chunk_start = start;
    c->page_off = start;
    c->codec_id = c->file->meta.row_groups[rg].columns[c->leaf].meta_data.codec;
    c->started = false;
    c->has_dict = false;
    c->dict_n = 0;
    c->page_n = c->page_i = 0;
    c->sel = true;
    c->n_inc = ni;
    c->row_pos = -1;
    c->pos = 0;
    if (dict_len > 0) { /* the dictionary now: seeks jump over it */
        bool eof;
        c->chunk_len = dict_len;
        rc = load_page(c, &eof, err);
        c->chunk_len = at;
        if (rc != DC_OK)
            goto cleanup;
        if (!eof) {
            rc = col_corrupt(c, err, "data before the first page of the offset index");
            goto cleanup;
        }
    }
cleanup:
    return rc;
}

dc_status pqr_column_seek(pqr_column *c, int64_t row, dc_error *err)
{
    if (!c->sel || c->row_pos == row)
        return DC_OK;
    int64_t k = 0;
    while (k < c->n_inc && c->inc_end[k] <= row)
        k++;
    if (k == c->n_inc || c->inc_first[k] > row || row < c->row_pos)
        return col_corrupt(c, err,
                           "row %" PRId64 " is not in the pages its offset index names (at %" PRId64
                           "): the index does not match the pages",
                           row, c->row_pos);
    /* rows from row_pos to `row` all in pages read, in order: decode and drop them */
    bool run = c->row_pos >= 0;
    if (run) {
        int64_t j = 0;
        while (j < c->n_inc && c->inc_end[j] < c->row_pos)
            j++;
        for (; run && j < k; j++)
            run = c->inc_end[j] == c->inc_first[j + 1];
        run = run && c->inc_first[DC_MIN(j, k)] <= c->row_pos;
    }
    if (!run) { /* jump to the page holding `row` */
        c->page_i = c->page_n;
        c->pos = c->inc_pos[k];
        c->row_pos = c->inc_first[k];
    }
    int64_t skip = row - c->row_pos;
    if (skip > 0) {
        int64_t sd = c->out_def.size, sr = c->out_rep.size, sv = c->out_vals.size,
                se = c->out_ends.size, sn = c->out_n, snv = c->out_nv;
        bool su = c->out_plain_utf8;
        dc_status rc = pqr_column_read_rows(c, skip, err); /* advances row_pos to `row` */
        c->out_def.size = sd;
        c->out_rep.size = sr;
        c->out_vals.size = sv;
        c->out_ends.size = se;
        c->out_n = sn;
        c->out_nv = snv;
        c->out_plain_utf8 = su;
        if (rc != DC_OK)
            return rc;
    }
    return DC_OK;
}

/* The bytes of a page body: as is when uncompressed, else decompressed into page_buf. */
static dc_status page_bytes(pqr_column *c, bool compressed, const uint8_t *src, int64_t src_len,
                            int64_t raw_len, const uint8_t **out, int64_t *out_len, dc_error *err)
{
    if (!compressed || c->codec_id == DC_PQ_CODEC_UNCOMPRESSED) {
        *out = src;
        *out_len = src_len;
        return DC_OK;
    }
    if (raw_len < 0 || raw_len > PQR_MAX_PAGE_BYTES)
        return col_corrupt(c, err, "the page declares %" PRId64 " uncompressed bytes", raw_len);
    c->page_buf.size = 0;
    if (dc_bytes_reserve(&c->page_buf, DC_MAX(raw_len, 1)) != DC_OK)
        return dc_error_nomem(err);
    dc_status rc = dc_pq_decompress(c->codec, (int32_t)c->codec_id, src, src_len, c->page_buf.data,
                                    raw_len, err);
    if (rc != DC_OK)
        return pqr_column_fail(c, rc, err);
    *out = c->page_buf.data;
    *out_len = raw_len;
    return DC_OK;
}

static bool utf8_values_ok(const int32_t *offsets, int64_t n, const uint8_t *data)
{
    int64_t total = offsets[n] - offsets[0];
    if (total == 0)
        return true;
    if (!dc_utf8_valid((const char *)data + offsets[0], total))
        return false;
    for (int64_t i = 1; i < n; i++) /* no value may start inside a sequence */
        if (offsets[i] < offsets[n] && (data[offsets[i]] & 0xC0) == 0x80)
            return false;
    return true;
}

static dc_status load_dictionary(pqr_column *c, const dc_pq_page_header *h, const uint8_t *body,
                                 dc_error *err)
{
    const dc_pq_dictionary_page_header *dh = &h->dictionary_page_header;
    const dc_pq_leaf *L = c->L;
    const uint8_t *p;
    int64_t len;
    dc_status rc;
    if (!h->has_dictionary_page_header)
        return col_corrupt(c, err, "a dictionary page without its header");
    if (c->has_dict || c->started)
        return col_corrupt(c, err, "a dictionary page after %s",
                           c->has_dict ? "another one" : "data pages");
    if (dh->encoding != DC_PQ_ENC_PLAIN && dh->encoding != DC_PQ_ENC_PLAIN_DICTIONARY)
        return col_corrupt(c, err, "a dictionary page encoded %s",
                           dc_pq_encoding_name(dh->encoding));
    if (dh->num_values < 0 || dh->num_values > PQR_MAX_PAGE_VALUES)
        return col_corrupt(c, err, "a dictionary of %" PRId32 " values", dh->num_values);
    rc = page_bytes(c, true, body, h->compressed_page_size, h->uncompressed_page_size, &p, &len,
                    err);
    if (rc != DC_OK)
        return rc;
    int64_t n = dh->num_values;
    c->dict_vals.size = c->dict_offsets.size = 0;
    if (L->el->type == DC_PQ_TYPE_BYTE_ARRAY) {
        if (n > len / 4)
            return col_corrupt(c, err, "a dictionary of %" PRId64 " strings in %" PRId64 " bytes",
                               n, len);
        if (dc_bytes_resize(&c->dict_offsets, (n + 1) * 4) != DC_OK)
            return dc_error_nomem(err);
        int32_t *offs = (int32_t *)c->dict_offsets.data;
        offs[0] = 0;
        rc = dc_pq_plain_decode_binary(p, len, n, offs + 1, &c->dict_vals, NULL, err);
        if (rc != DC_OK)
            return pqr_column_fail(c, rc, err);
        if (L->conv == PQR_CV_UTF8 && !utf8_values_ok(offs, n, c->dict_vals.data))
            return col_corrupt(c, err, "a dictionary string is not valid UTF-8");
    } else if (L->el->type == DC_PQ_TYPE_BOOLEAN) {
        return col_corrupt(c, err, "a dictionary page for a BOOLEAN column");
    } else {
        if (n > len / DC_MAX(L->width, 1))
            return col_corrupt(
                c, err, "a dictionary of %" PRId64 " values of %d bytes in %" PRId64 " bytes", n,
                L->width, len);
        if (dc_bytes_resize(&c->dict_vals, DC_MAX(n * L->width, 1)) != DC_OK)
            return dc_error_nomem(err);
        rc = dc_pq_plain_decode_fixed(p, len, n, L->width, c->dict_vals.data, NULL, err);
        if (rc != DC_OK)
            return pqr_column_fail(c, rc, err);
    }
    c->dict_n = n;
    c->has_dict = true;
    return DC_OK;
}

/* Decode n levels of max `max` (encoding RLE or BIT_PACKED) into dst. */
static dc_status decode_levels(pqr_column *c, int32_t enc, const uint8_t *p, int64_t len,
                               bool prefixed, int64_t n, int max, dc_bytes *dst, int64_t *used,
                               dc_error *err)
{
    dc_status rc;
    int bw = dc_pq_bit_width32((uint32_t)max);
    dst->size = 0;
    if (dc_bytes_reserve(dst, DC_MAX(n, 1) * 4) != DC_OK)
        return dc_error_nomem(err);
    uint32_t *out = (uint32_t *)dst->data;
    if (enc == DC_PQ_ENC_BIT_PACKED) {
        rc = dc_pq_bitpacked_msb_decode(p, len, n, bw, out, used, err);
        for (int64_t i = 0; rc == DC_OK && i < n; i++)
            if (out[i] > (uint32_t)max)
                rc = dc_error_set(err, DC_ECORRUPT, "level %" PRIu32 " above the maximum %d",
                                  out[i], max);
    } else if (enc == DC_PQ_ENC_RLE) {
        dc_pq_rle_decoder d;
        if (prefixed)
            rc = dc_pq_rle_decoder_init_prefixed(&d, p, len, bw, used, err);
        else {
            rc = dc_pq_rle_decoder_init(&d, p, len, bw, err);
            *used = len;
        }
        if (rc == DC_OK)
            rc = dc_pq_rle_decode_checked(&d, out, n, (uint32_t)max + 1, err);
    } else {
        return col_corrupt(c, err, "levels encoded %s", dc_pq_encoding_name(enc));
    }
    if (rc != DC_OK)
        return pqr_column_fail(c, rc, err);
    dst->size = n * 4;
    return DC_OK;
}

/* Start decoding the page's values (nv of them) in encoding enc. */
static dc_status start_values(pqr_column *c, int64_t nv, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t type = c->L->el->type;
    c->vpos = 0;
    c->pre_i = 0;
    switch (c->enc) {
    case DC_PQ_ENC_PLAIN: return DC_OK;
    case DC_PQ_ENC_PLAIN_DICTIONARY:
    case DC_PQ_ENC_RLE_DICTIONARY:
        if (!c->has_dict)
            return col_corrupt(c, err, "dictionary-encoded values without a dictionary page");
        if (nv > 0)
            rc = dc_pq_dict_decoder_init(&c->rle, c->vals, c->vals_len, err);
        break;
    case DC_PQ_ENC_RLE:
        if (type != DC_PQ_TYPE_BOOLEAN)
            return col_corrupt(c, err, "RLE values in a %s column", dc_pq_type_name(type));
        if (nv > 0) {
            int64_t used;
            rc = dc_pq_rle_decoder_init_prefixed(&c->rle, c->vals, c->vals_len, 1, &used, err);
        }
        break;
    case DC_PQ_ENC_DELTA_BINARY_PACKED:
        if (type != DC_PQ_TYPE_INT32 && type != DC_PQ_TYPE_INT64)
            return col_corrupt(c, err, "DELTA_BINARY_PACKED values in a %s column",
                               dc_pq_type_name(type));
        if (nv > 0)
            rc = dc_pq_delta_decoder_init(&c->delta, c->vals, c->vals_len, type == DC_PQ_TYPE_INT32,
                                          err);
        break;
    case DC_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
    case DC_PQ_ENC_DELTA_BYTE_ARRAY: {
        bool dba = c->enc == DC_PQ_ENC_DELTA_BYTE_ARRAY;
        if (type != DC_PQ_TYPE_BYTE_ARRAY && !(dba && type == DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY))
            return col_corrupt(c, err, "%s values in a %s column", dc_pq_encoding_name(c->enc),
                               dc_pq_type_name(type));
        c->pre_ends.size = c->pre_data.size = 0;
        if (dc_bytes_resize(&c->pre_ends, (nv + 1) * 4) != DC_OK)
            return dc_error_nomem(err);
        int32_t *ends = (int32_t *)c->pre_ends.data;
        ends[0] = 0;
        if (nv == 0)
            break;
        if (dba)
            rc = dc_pq_delta_byte_array_decode(c->vals, c->vals_len, nv,
                                               type == DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY ? c->L->width
                                                                                       : -1,
                                               ends + 1, &c->pre_data, NULL, err);
        else
            rc = dc_pq_delta_length_decode(c->vals, c->vals_len, nv, ends + 1, &c->pre_data, NULL,
                                           err);
        break;
    }
    case DC_PQ_ENC_BYTE_STREAM_SPLIT:
        if (type == DC_PQ_TYPE_BOOLEAN || type == DC_PQ_TYPE_BYTE_ARRAY || type == DC_PQ_TYPE_INT96)
            return col_corrupt(c, err, "BYTE_STREAM_SPLIT values in a %s column",
                               dc_pq_type_name(type));
        break;
    default:
        rc = dc_error_set(err, DC_EUNSUPPORTED, "values encoded %s (%d) are not supported",
                          dc_pq_encoding_name(c->enc), c->enc);
    }
    return rc == DC_OK ? DC_OK : pqr_column_fail(c, rc, err);
}

/*
 * Load the next data page (skipping index pages, reading the dictionary page):
 * *eof when the chunk has no more pages.
 */
static dc_status load_page(pqr_column *c, bool *eof, dc_error *err)
{
    dc_status rc;
    const dc_pq_leaf *L = c->L;
    *eof = false;
    for (;;) {
        if (c->pos >= c->chunk_len) {
            *eof = true;
            return DC_OK;
        }
        dc_pq_page_header h;
        int64_t hl = 0;
        c->page_off = c->chunk_start + c->pos;
        rc = dc_pq_page_header_decode(&h, c->chunk + c->pos, c->chunk_len - c->pos, &hl, err);
        if (rc != DC_OK)
            return pqr_column_fail(c, rc, err);
        int64_t left = c->chunk_len - c->pos - hl;
        if (h.compressed_page_size < 0 || h.compressed_page_size > left ||
            h.uncompressed_page_size < 0)
            return col_corrupt(c, err,
                               "the page declares %" PRId32 " bytes (%" PRId32
                               " uncompressed) but %" PRId64 " remain in the column chunk",
                               h.compressed_page_size, h.uncompressed_page_size, left);
        const uint8_t *body = c->chunk + c->pos + hl;
        int64_t blen = h.compressed_page_size;
        c->pos += hl + blen;
        if (h.has_crc && dc_pq_crc32(0, body, blen) != (uint32_t)h.crc)
            return col_corrupt(c, err, "the page's CRC does not match its bytes");
        if (h.type == DC_PQ_PAGE_DICTIONARY) {
            rc = load_dictionary(c, &h, body, err);
            if (rc != DC_OK)
                return rc;
            continue;
        }
        if (h.type != DC_PQ_PAGE_DATA && h.type != DC_PQ_PAGE_DATA_V2)
            continue; /* index pages and unknown kinds carry no values */
        bool v2 = h.type == DC_PQ_PAGE_DATA_V2;
        if ((v2 && !h.has_data_page_header_v2) || (!v2 && !h.has_data_page_header))
            return col_corrupt(c, err, "a data page without its header");
        int64_t n = v2 ? h.data_page_header_v2.num_values : h.data_page_header.num_values;
        if (n < 0 || n > PQR_MAX_PAGE_VALUES)
            return col_corrupt(c, err, "a page of %" PRId64 " values", n);
        c->started = true;
        if (n == 0)
            continue;
        const uint8_t *p;
        int64_t len, pos = 0, used = 0;
        c->page_rep.size = c->page_def.size = 0;
        if (!v2) {
            const dc_pq_data_page_header *dh = &h.data_page_header;
            DC_TRY(page_bytes(c, true, body, blen, h.uncompressed_page_size, &p, &len, err));
            if (L->max_rep > 0) {
                DC_TRY(decode_levels(c, dh->repetition_level_encoding, p, len, true, n, L->max_rep,
                                     &c->page_rep, &used, err));
                pos += used;
            }
            if (L->max_def > 0) {
                DC_TRY(decode_levels(c, dh->definition_level_encoding, p + pos, len - pos, true, n,
                                     L->max_def, &c->page_def, &used, err));
                pos += used;
            }
            c->enc = dh->encoding;
            c->vals = p + pos;
            c->vals_len = len - pos;
        } else {
            const dc_pq_data_page_header_v2 *dh = &h.data_page_header_v2;
            int64_t rl = dh->repetition_levels_byte_length, dl = dh->definition_levels_byte_length;
            if (rl < 0 || dl < 0 || rl + dl > blen || rl + dl > h.uncompressed_page_size)
                return col_corrupt(c, err,
                                   "level lengths %" PRId64 " + %" PRId64
                                   " do not fit the page's %" PRId64 " bytes",
                                   rl, dl, blen);
            if (L->max_rep > 0)
                DC_TRY(decode_levels(c, DC_PQ_ENC_RLE, body, rl, false, n, L->max_rep, &c->page_rep,
                                     &used, err));
            if (L->max_def > 0)
                DC_TRY(decode_levels(c, DC_PQ_ENC_RLE, body + rl, dl, false, n, L->max_def,
                                     &c->page_def, &used, err));
            bool compressed = !dh->has_is_compressed || dh->is_compressed;
            DC_TRY(page_bytes(c, compressed, body + rl + dl, blen - rl - dl,
                              h.uncompressed_page_size - rl - dl, &p, &len, err));
            c->enc = dh->encoding;
            c->vals = p;
            c->vals_len = len;
        }
        int64_t nv = n;
        if (L->max_def > 0) {
            const uint32_t *d = (const uint32_t *)c->page_def.data;
            uint32_t md = (uint32_t)L->max_def;
            nv = 0;
            for (int64_t i = 0; i < n; i++)
                nv += d[i] == md;
        }
        DC_TRY(start_values(c, nv, err));
        c->page_n = n;
        c->page_i = 0;
        return DC_OK;
    }
cleanup:
    return rc;
}

/* Append n dense values of the current page to the output. */
static dc_status take_values(pqr_column *c, int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    const dc_pq_leaf *L = c->L;
    int32_t type = L->el->type;
    if (n == 0)
        return DC_OK;
    bool dict = c->enc == DC_PQ_ENC_PLAIN_DICTIONARY || c->enc == DC_PQ_ENC_RLE_DICTIONARY;
    uint32_t *idx = NULL;
    if (dict) {
        c->idx.size = 0;
        if (dc_bytes_reserve(&c->idx, n * 4) != DC_OK)
            return dc_error_nomem(err);
        idx = (uint32_t *)c->idx.data;
        rc = dc_pq_rle_decode_checked(&c->rle, idx, n, (uint32_t)c->dict_n, err);
        if (rc != DC_OK)
            return pqr_column_fail(c, rc, err);
    }
    if (type == DC_PQ_TYPE_BOOLEAN) {
        int64_t need = (c->out_nv + n + 7) / 8;
        if (need > c->out_vals.size && dc_bytes_resize(&c->out_vals, need) != DC_OK)
            return dc_error_nomem(err);
        if (c->enc == DC_PQ_ENC_PLAIN) {
            rc = dc_pq_plain_decode_bool(c->vals, c->vals_len, c->vpos, n, c->out_vals.data,
                                         c->out_nv, err);
            c->vpos += n;
        } else if (c->enc == DC_PQ_ENC_RLE) {
            rc = dc_pq_rle_decode_bits(&c->rle, c->out_vals.data, c->out_nv, n, err);
        } else {
            return col_corrupt(c, err, "BOOLEAN values encoded %s", dc_pq_encoding_name(c->enc));
        }
    } else if (type == DC_PQ_TYPE_BYTE_ARRAY) {
        if (c->out_ends.size == 0) {
            int32_t zero = 0;
            if (dc_bytes_append(&c->out_ends, &zero, 4) != DC_OK)
                return dc_error_nomem(err);
        }
        if (dc_bytes_reserve(&c->out_ends, n * 4) != DC_OK)
            return dc_error_nomem(err);
        int32_t *ends = (int32_t *)c->out_ends.data + c->out_nv + 1;
        if (dict) {
            rc = dc_pq_dict_gather_binary(ends, &c->out_vals, (const int32_t *)c->dict_offsets.data,
                                          c->dict_vals.data, idx, n, err);
        } else if (c->enc == DC_PQ_ENC_PLAIN) {
            int64_t used = 0;
            rc = dc_pq_plain_decode_binary(c->vals + c->vpos, c->vals_len - c->vpos, n, ends,
                                           &c->out_vals, &used, err);
            c->vpos += used;
            c->out_plain_utf8 = true;
        } else if (c->enc == DC_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY ||
                   c->enc == DC_PQ_ENC_DELTA_BYTE_ARRAY) {
            const int32_t *pe = (const int32_t *)c->pre_ends.data;
            int64_t have = (int64_t)c->pre_ends.size / 4 - 1;
            if (c->pre_i + n > have)
                return col_corrupt(c, err, "the page holds %" PRId64 " values, more wanted", have);
            int64_t a = pe[c->pre_i], bytes = pe[c->pre_i + n] - a;
            if (bytes > (int64_t)INT32_MAX - c->out_vals.size)
                return col_corrupt(c, err, "values pass 2 GiB in one batch");
            int64_t base = c->out_vals.size - a;
            /* No pointer arithmetic on an empty (NULL) buffer: UB even for + 0. */
            if (bytes > 0 && dc_bytes_append(&c->out_vals, c->pre_data.data + a, bytes) != DC_OK)
                return dc_error_nomem(err);
            for (int64_t i = 0; i < n; i++)
                ends[i] = (int32_t)(pe[c->pre_i + i + 1] + base);
            c->pre_i += n;
            c->out_plain_utf8 = true;
        } else {
            return col_corrupt(c, err, "BYTE_ARRAY values encoded %s", dc_pq_encoding_name(c->enc));
        }
        if (rc == DC_OK)
            c->out_ends.size += n * 4;
    } else {
        int32_t w = L->width;
        if ((c->enc == DC_PQ_ENC_PLAIN && n > (c->vals_len - c->vpos) / w) ||
            (c->enc == DC_PQ_ENC_BYTE_STREAM_SPLIT && n > c->vals_len / w))
            return col_corrupt(
                c, err, "%" PRId64 " values of %d bytes wanted, the page has %" PRId64 " bytes", n,
                w, c->vals_len);
        int64_t bytes = n * w;
        if (bytes > PQR_MAX_BATCH_BYTES || c->out_vals.size > PQR_MAX_BATCH_BYTES - bytes)
            return col_corrupt(c, err,
                               "a batch of more than 1 GiB of values; read smaller batches");
        if (dc_bytes_reserve(&c->out_vals, bytes) != DC_OK)
            return dc_error_nomem(err);
        uint8_t *dst = c->out_vals.data + c->out_vals.size;
        switch (c->enc) {
        case DC_PQ_ENC_PLAIN: {
            int64_t used = 0;
            rc = dc_pq_plain_decode_fixed(c->vals + c->vpos, c->vals_len - c->vpos, n, w, dst,
                                          &used, err);
            c->vpos += used;
            break;
        }
        case DC_PQ_ENC_PLAIN_DICTIONARY:
        case DC_PQ_ENC_RLE_DICTIONARY:
            dc_pq_dict_gather_fixed(dst, c->dict_vals.data, w, idx, n);
            break;
        case DC_PQ_ENC_DELTA_BINARY_PACKED:
            rc = type == DC_PQ_TYPE_INT32 ? dc_pq_delta_decode32(&c->delta, (int32_t *)dst, n, err)
                                          : dc_pq_delta_decode64(&c->delta, (int64_t *)dst, n, err);
            break;
        case DC_PQ_ENC_BYTE_STREAM_SPLIT:
            rc = dc_pq_bss_decode(c->vals, c->vals_len, w, c->vpos, n, dst, err);
            c->vpos += n;
            break;
        case DC_PQ_ENC_DELTA_BYTE_ARRAY: {
            int64_t have = (int64_t)c->pre_ends.size / 4 - 1;
            if (c->pre_i + n > have)
                return col_corrupt(c, err, "the page holds %" PRId64 " values, more wanted", have);
            memcpy(dst, c->pre_data.data + c->pre_i * w, (size_t)bytes);
            c->pre_i += n;
            break;
        }
        default:
            return col_corrupt(c, err, "%s values encoded %s", dc_pq_type_name(type),
                               dc_pq_encoding_name(c->enc));
        }
        if (rc == DC_OK)
            c->out_vals.size += bytes;
    }
    if (rc != DC_OK)
        return pqr_column_fail(c, rc, err);
    c->out_nv += n;
    return DC_OK;
}

/* Append entries [page_i, end) of the page: their levels and their values. */
static dc_status take_entries(pqr_column *c, int64_t end, dc_error *err)
{
    const dc_pq_leaf *L = c->L;
    int64_t a = c->page_i, k = end - a, nv = k;
    if (k <= 0)
        return DC_OK;
    if (c->out_n + k > PQR_MAX_PAGE_VALUES)
        return pqr_column_fail(c,
                               dc_error_set(err, DC_EUNSUPPORTED,
                                            "a batch of more than %" PRId64
                                            " values in one column; read fewer rows per batch",
                                            PQR_MAX_PAGE_VALUES),
                               err);
    if (L->max_def > 0) {
        const uint32_t *d = (const uint32_t *)c->page_def.data + a;
        if (dc_bytes_append(&c->out_def, d, k * 4) != DC_OK)
            return dc_error_nomem(err);
        uint32_t md = (uint32_t)L->max_def;
        nv = 0;
        for (int64_t i = 0; i < k; i++)
            nv += d[i] == md;
    }
    if (L->max_rep > 0 &&
        dc_bytes_append(&c->out_rep, (const uint32_t *)c->page_rep.data + a, k * 4) != DC_OK)
        return dc_error_nomem(err);
    c->out_n += k;
    c->page_i = end;
    return take_values(c, nv, err);
}

dc_status pqr_column_read_rows(pqr_column *c, int64_t rows, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t need = rows;
    bool eof;
    /* reserve what the batch will most likely need: buffers are handed to the arrays
     * after each batch, so growing them by doubling would copy every batch */
    if (c->L->max_rep == 0 && c->out_vals.size == 0) {
        int64_t want = c->L->el->type == DC_PQ_TYPE_BYTE_ARRAY ? c->last_bytes
                       : c->L->el->type == DC_PQ_TYPE_BOOLEAN  ? (rows + 7) / 8
                                                               : rows * c->L->width;
        if (want > 0 && want < PQR_MAX_BATCH_BYTES && dc_bytes_reserve(&c->out_vals, want) != DC_OK)
            return dc_error_nomem(err);
        /* (rows may be a skip to a row a hostile page index names: no reservation past a
         * batch's bound; the buffers grow as values really come) */
        if (c->L->el->type == DC_PQ_TYPE_BYTE_ARRAY && rows < PQR_MAX_BATCH_BYTES / 4 &&
            dc_bytes_reserve(&c->out_ends, (rows + 1) * 4) != DC_OK)
            return dc_error_nomem(err);
    }
    for (;;) {
        if (c->L->max_rep == 0 && need == 0)
            break;
        if (c->page_i >= c->page_n) {
            DC_TRY(load_page(c, &eof, err));
            if (eof) {
                if (need > 0)
                    rc = col_corrupt(c, err,
                                     "the column chunk ends %" PRId64
                                     " rows before the row group's %" PRId64 " rows",
                                     need, c->file->meta.row_groups[c->rg].num_rows);
                break;
            }
        }
        if (c->L->max_rep == 0) {
            int64_t k = DC_MIN(c->page_n - c->page_i, need);
            DC_TRY(take_entries(c, c->page_i + k, err));
            need -= k;
            continue;
        }
        const uint32_t *rep = (const uint32_t *)c->page_rep.data;
        int64_t j = c->page_i;
        if (need == rows && rep[j] != 0) { /* rows end before an entry of level 0 */
            rc = col_corrupt(c, err, "a row starts with repetition level %" PRIu32, rep[j]);
            goto cleanup;
        }
        while (j < c->page_n) {
            if (rep[j] == 0) {
                if (need == 0)
                    break;
                need--;
            }
            j++;
        }
        DC_TRY(take_entries(c, j, err));
        if (j < c->page_n)
            break;
    }
    if (c->sel)
        c->row_pos += rows; /* selected rows: where the decoder is in the row group */
cleanup:
    return rc;
}
