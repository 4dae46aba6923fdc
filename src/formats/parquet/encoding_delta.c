/*
 * encoding_delta.c: DELTA_BINARY_PACKED (= 5), DELTA_LENGTH_BYTE_ARRAY (= 6)
 * and DELTA_BYTE_ARRAY (= 7).
 *
 * DELTA_BINARY_PACKED layout: header <block size> <miniblocks per block>
 * <total values> <zigzag first value>, then blocks of <zigzag min delta>
 * <one width byte per miniblock> <miniblock bodies>. The decoder reads one
 * block header at a time and unpacks at most 32 deltas at once into `buf`,
 * turning them into values by a running (wrapping, unsigned) sum. The spec
 * wants block sizes that are multiples of 128 and miniblocks of multiples of
 * 32 values; the decoder only needs byte-aligned miniblocks (multiples of 8
 * values), which also accepts the spec's own short examples.
 * In the last block, miniblocks past the last value have a width byte but no
 * body; the last miniblock holding values is padded to its full length, but a
 * body cut short is accepted as far as the values that are actually needed.
 */
#include "formats/parquet/encoding_int.h"

#include <inttypes.h>

static dc_status delta_corrupt(dc_error *err, const dc_pq_delta_decoder *d, const char *what)
{
    return dc_error_set(err, DC_ECORRUPT,
                        "DELTA_BINARY_PACKED data (%" PRId64 " bytes): %s at byte %" PRId64
                        "; the page is corrupt",
                        d->len, what, d->pos);
}

dc_status dc_pq_delta_decoder_init(dc_pq_delta_decoder *d, const uint8_t *data, int64_t len,
                                   bool is32, dc_error *err)
{
    memset(d, 0, sizeof *d);
    d->data = data;
    d->len = len < 0 ? 0 : len;
    d->is32 = is32;
    uint64_t bs, nm, total, first;
    int64_t p = 0;
    if (!dc_pq_uleb_read(data, d->len, &p, &bs) || !dc_pq_uleb_read(data, d->len, &p, &nm) ||
        !dc_pq_uleb_read(data, d->len, &p, &total) || !dc_pq_uleb_read(data, d->len, &p, &first))
        return delta_corrupt(err, d, "truncated header");
    d->pos = p;
    if (bs == 0 || nm == 0 || bs % nm != 0 || (bs / nm) % 8 != 0 || bs > ((uint64_t)1 << 40))
        return dc_error_set(err, DC_ECORRUPT,
                            "DELTA_BINARY_PACKED data: block of %" PRIu64 " values in %" PRIu64
                            " miniblocks breaks the block rules; the page is corrupt",
                            bs, nm);
    if (total > (uint64_t)INT64_MAX / 2)
        return delta_corrupt(err, d, "impossible value count");
    d->block_size = bs;
    d->n_mini = nm;
    d->mini_size = bs / nm;
    d->total = (int64_t)total;
    d->remaining = (int64_t)total;
    d->deltas_left = total > 0 ? (int64_t)total - 1 : 0;
    d->first_pending = total > 0;
    d->last = (uint64_t)dc_pq_zigzag_decode(first);
    d->mini_index = nm; /* no block yet */
    d->mini_done = d->mini_size;
    return DC_OK;
}

/* Start the next miniblock (reading a block header when the block is done). */
static dc_status next_miniblock(dc_pq_delta_decoder *d, dc_error *err)
{
    if (d->mini_index + 1 >= d->n_mini) {
        uint64_t zz;
        int64_t p = d->pos;
        if (!dc_pq_uleb_read(d->data, d->len, &p, &zz))
            return delta_corrupt(err, d, "truncated block header (min delta)");
        if ((uint64_t)(d->len - p) < d->n_mini)
            return delta_corrupt(err, d, "miniblock widths cut off");
        d->min_delta = (uint64_t)dc_pq_zigzag_decode(zz);
        d->widths_pos = p;
        d->pos = p + (int64_t)d->n_mini;
        d->mini_index = 0;
    } else {
        d->mini_index++;
    }
    int w = d->data[d->widths_pos + (int64_t)d->mini_index];
    if (w > (d->is32 ? 32 : 64))
        return delta_corrupt(
            err, d, d->is32 ? "miniblock width above 32 for INT32" : "miniblock width above 64");
    d->mini_width = w;
    int64_t full = (int64_t)(d->mini_size / 8) * w;
    d->mini_body = d->pos;
    d->mini_body_len = DC_MIN(full, d->len - d->pos);
    d->pos += d->mini_body_len;
    d->mini_done = 0;
    return DC_OK;
}

/* Unpack the next (up to 32) deltas into buf as values. */
static dc_status load_chunk(dc_pq_delta_decoder *d, dc_error *err)
{
    if (d->mini_done >= d->mini_size) {
        dc_status rc = next_miniblock(d, err);
        if (rc != DC_OK)
            return rc;
    }
    int64_t k = (int64_t)DC_MIN((uint64_t)32, d->mini_size - d->mini_done);
    k = DC_MIN(k, d->deltas_left);
    int w = d->mini_width;
    int64_t off = (int64_t)(d->mini_done / 8) * w;
    int64_t have = d->mini_body_len - off;
    if (dc_pq_packed_bytes(k, w) > have)
        return delta_corrupt(err, d, "miniblock body cut off");
    const uint8_t *src = d->data + d->mini_body + off;
    uint64_t *b = d->buf;
    if (w <= 32) {
        uint32_t t[32];
        dc_pq_unpack32(t, src, have, k, w);
        for (int64_t i = 0; i < k; i++)
            b[i] = t[i];
    } else {
        dc_pq_unpack64(b, src, have, k, w);
    }
    uint64_t last = d->last, md = d->min_delta;
    for (int64_t i = 0; i < k; i++) {
        last += md + b[i];
        b[i] = last;
    }
    d->last = last;
    d->mini_done += (uint64_t)k;
    d->deltas_left -= k;
    d->buf_pos = 0;
    d->buf_len = (int)k;
    return DC_OK;
}

#define DC_DELTA_DECODE(T)                                                                         \
    do {                                                                                           \
        if (n < 0 || n > d->remaining)                                                             \
            return dc_error_set(err, DC_ECORRUPT,                                                  \
                                "DELTA_BINARY_PACKED data holds %" PRId64                          \
                                " more values but %" PRId64 " are wanted; the page is corrupt",    \
                                d->remaining, n);                                                  \
        int64_t i = 0;                                                                             \
        if (n > 0 && d->first_pending) {                                                           \
            out[i++] = (T)d->last;                                                                 \
            d->first_pending = false;                                                              \
        }                                                                                          \
        while (i < n) {                                                                            \
            if (d->buf_pos >= d->buf_len) {                                                        \
                dc_status rc_ = load_chunk(d, err);                                                \
                if (rc_ != DC_OK)                                                                  \
                    return rc_;                                                                    \
            }                                                                                      \
            int64_t k = DC_MIN((int64_t)(d->buf_len - d->buf_pos), n - i);                         \
            const uint64_t *b = d->buf + d->buf_pos;                                               \
            for (int64_t j = 0; j < k; j++)                                                        \
                out[i + j] = (T)b[j];                                                              \
            d->buf_pos += (int)k;                                                                  \
            i += k;                                                                                \
        }                                                                                          \
        d->remaining -= n;                                                                         \
        return DC_OK;                                                                              \
    } while (0)

dc_status dc_pq_delta_decode32(dc_pq_delta_decoder *d, int32_t *out, int64_t n, dc_error *err)
{
    DC_DELTA_DECODE(int32_t);
}

dc_status dc_pq_delta_decode64(dc_pq_delta_decoder *d, int64_t *out, int64_t n, dc_error *err)
{
    DC_DELTA_DECODE(int64_t);
}

dc_status dc_pq_delta_finish(dc_pq_delta_decoder *d, int64_t *end, dc_error *err)
{
    /* Skip whole miniblocks: each block costs input bytes, so this is bounded by len. */
    d->first_pending = false;
    while (d->deltas_left > 0) {
        if (d->mini_done >= d->mini_size) {
            dc_status rc = next_miniblock(d, err);
            if (rc != DC_OK)
                return rc;
        }
        int64_t k = (int64_t)DC_MIN(d->mini_size - d->mini_done, (uint64_t)d->deltas_left);
        int64_t off = (int64_t)(d->mini_done / 8) * d->mini_width;
        if (dc_pq_packed_bytes(k, d->mini_width) > d->mini_body_len - off)
            return delta_corrupt(err, d, "miniblock body cut off");
        d->mini_done += (uint64_t)k;
        d->deltas_left -= k;
    }
    d->buf_pos = d->buf_len;
    d->remaining = 0;
    if (end)
        *end = d->pos;
    return DC_OK;
}

/* ---- encoder --------------------------------------------------------------------------- */

#define DC_DELTA_BLOCK 128
#define DC_DELTA_MINIS 4
#define DC_DELTA_MINI  (DC_DELTA_BLOCK / DC_DELTA_MINIS)

/*
 * Append one block's min delta, widths and bodies. rel[0..cnt) are the
 * deltas minus the min (rel beyond cnt are zero).
 */
static dc_status put_block(dc_bytes *out, int64_t min_delta, const uint64_t *rel, int64_t cnt)
{
    dc_status rc = DC_OK;
    uint8_t widths[DC_DELTA_MINIS];
    int64_t body = 0;
    for (int m = 0; m < DC_DELTA_MINIS; m++) {
        uint64_t any = 0;
        if ((int64_t)m * DC_DELTA_MINI < cnt)
            for (int i = 0; i < DC_DELTA_MINI; i++)
                any |= rel[m * DC_DELTA_MINI + i];
        widths[m] = (uint8_t)dc_pq_bit_width64(any);
        if ((int64_t)m * DC_DELTA_MINI < cnt)
            body += DC_DELTA_MINI / 8 * widths[m];
    }
    DC_TRY(dc_pq_uleb_append(out, dc_pq_zigzag_encode(min_delta)));
    DC_TRY(dc_bytes_append(out, widths, DC_DELTA_MINIS));
    DC_TRY(dc_bytes_reserve(out, body));
    for (int m = 0; m < DC_DELTA_MINIS && (int64_t)m * DC_DELTA_MINI < cnt; m++) {
        dc_pq_pack64(out->data + out->size, rel + m * DC_DELTA_MINI, DC_DELTA_MINI, widths[m]);
        out->size += DC_DELTA_MINI / 8 * widths[m];
    }
cleanup:
    return rc;
}

static dc_status put_header(dc_bytes *out, int64_t n, int64_t first)
{
    uint8_t hdr[40];
    int h = 0;
    h += dc_pq_uleb_put(hdr + h, DC_DELTA_BLOCK);
    h += dc_pq_uleb_put(hdr + h, DC_DELTA_MINIS);
    h += dc_pq_uleb_put(hdr + h, (uint64_t)n);
    h += dc_pq_uleb_put(hdr + h, dc_pq_zigzag_encode(first));
    return dc_bytes_append(out, hdr, h);
}

dc_status dc_pq_delta_encode32(dc_bytes *out, const int32_t *values, int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t start = out->size;
    if (n < 0)
        return dc_error_set(err, DC_EINVALID, "DELTA_BINARY_PACKED: invalid count %" PRId64, n);
    DC_TRY(put_header(out, n, n > 0 ? values[0] : 0));
    for (int64_t b = 1; b < n; b += DC_DELTA_BLOCK) {
        int64_t cnt = DC_MIN((int64_t)DC_DELTA_BLOCK, n - b);
        uint32_t deltas[DC_DELTA_BLOCK];
        int32_t min = INT32_MAX;
        for (int64_t i = 0; i < cnt; i++) {
            deltas[i] = (uint32_t)values[b + i] - (uint32_t)values[b + i - 1];
            int32_t sd = (int32_t)deltas[i];
            min = sd < min ? sd : min;
        }
        uint64_t rel[DC_DELTA_BLOCK] = {0};
        for (int64_t i = 0; i < cnt; i++)
            rel[i] = (uint32_t)(deltas[i] - (uint32_t)min);
        DC_TRY(put_block(out, min, rel, cnt));
    }
cleanup:
    if (rc != DC_OK) {
        out->size = start;
        return dc_error_nomem(err);
    }
    return rc;
}

dc_status dc_pq_delta_encode64(dc_bytes *out, const int64_t *values, int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t start = out->size;
    if (n < 0)
        return dc_error_set(err, DC_EINVALID, "DELTA_BINARY_PACKED: invalid count %" PRId64, n);
    DC_TRY(put_header(out, n, n > 0 ? values[0] : 0));
    for (int64_t b = 1; b < n; b += DC_DELTA_BLOCK) {
        int64_t cnt = DC_MIN((int64_t)DC_DELTA_BLOCK, n - b);
        uint64_t rel[DC_DELTA_BLOCK] = {0};
        int64_t min = INT64_MAX;
        for (int64_t i = 0; i < cnt; i++) {
            rel[i] = (uint64_t)values[b + i] - (uint64_t)values[b + i - 1];
            int64_t sd = (int64_t)rel[i];
            min = sd < min ? sd : min;
        }
        for (int64_t i = 0; i < cnt; i++)
            rel[i] -= (uint64_t)min;
        DC_TRY(put_block(out, min, rel, cnt));
    }
cleanup:
    if (rc != DC_OK) {
        out->size = start;
        return dc_error_nomem(err);
    }
    return rc;
}

/* ---- DELTA_LENGTH_BYTE_ARRAY ------------------------------------------------------------------
 */

/*
 * Decode the n lengths at the start of [in, in_len) into lens; *end gets where
 * the lengths end. Checks the count and that no length is negative.
 */
static dc_status decode_lengths(const uint8_t *in, int64_t in_len, int64_t n, int32_t *lens,
                                int64_t *end, int64_t *sum, const char *what, dc_error *err)
{
    dc_pq_delta_decoder d;
    dc_status rc = dc_pq_delta_decoder_init(&d, in, in_len, true, err);
    if (rc != DC_OK)
        return rc;
    if (d.total != n)
        return dc_error_set(err, DC_ECORRUPT,
                            "%s: %" PRId64 " values declared where the page has %" PRId64
                            "; the page is corrupt",
                            what, d.total, n);
    rc = dc_pq_delta_decode32(&d, lens, n, err);
    if (rc == DC_OK)
        rc = dc_pq_delta_finish(&d, end, err);
    if (rc != DC_OK)
        return rc;
    int64_t s = 0;
    int32_t neg = 0;
    for (int64_t i = 0; i < n; i++) {
        s += lens[i];
        neg |= lens[i];
    }
    if (neg < 0)
        return dc_error_set(err, DC_ECORRUPT, "%s: a negative length; the page is corrupt", what);
    *sum = s;
    return DC_OK;
}

dc_status dc_pq_delta_length_decode(const uint8_t *in, int64_t in_len, int64_t n, int32_t *ends,
                                    dc_bytes *data, int64_t *consumed, dc_error *err)
{
    int64_t end = 0, total = 0;
    if (n < 0)
        return dc_error_set(err, DC_EINVALID, "DELTA_LENGTH_BYTE_ARRAY: invalid count");
    dc_status rc =
        decode_lengths(in, in_len, n, ends, &end, &total, "DELTA_LENGTH_BYTE_ARRAY", err);
    if (rc != DC_OK)
        return rc;
    if (total > in_len - end)
        return dc_error_set(err, DC_ECORRUPT,
                            "DELTA_LENGTH_BYTE_ARRAY: the lengths add up to %" PRId64
                            " bytes but %" PRId64 " remain after them; the page is corrupt",
                            total, in_len - end);
    if (total > (int64_t)INT32_MAX - data->size)
        return dc_error_set(err, DC_EINVALID,
                            "DELTA_LENGTH_BYTE_ARRAY: the values pass 2 GiB in one array; read "
                            "smaller batches");
    int64_t pos = data->size;
    if (total > 0 && dc_bytes_append(data, in + end, total) != DC_OK)
        return dc_error_nomem(err);
    for (int64_t i = 0; i < n; i++) {
        pos += ends[i];
        ends[i] = (int32_t)pos;
    }
    if (consumed)
        *consumed = end + total;
    return DC_OK;
}

dc_status dc_pq_delta_length_encode(dc_bytes *out, const int32_t *offsets, const uint8_t *data,
                                    int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t start = out->size;
    int32_t *lens = NULL;
    if (n < 0)
        return dc_error_set(err, DC_EINVALID, "DELTA_LENGTH_BYTE_ARRAY: invalid count");
    lens = dc_malloc((size_t)DC_MAX(n, 1) * sizeof(int32_t));
    DC_TRY_ALLOC(lens, err);
    for (int64_t i = 0; i < n; i++)
        lens[i] = offsets[i + 1] - offsets[i];
    DC_TRY(dc_pq_delta_encode32(out, lens, n, err));
    if (n > 0 && offsets[n] > offsets[0])
        DC_TRY(dc_bytes_append(out, data + offsets[0], offsets[n] - offsets[0]));
cleanup:
    if (rc != DC_OK)
        out->size = start;
    if (rc == DC_ENOMEM)
        dc_error_nomem(err);
    dc_free(lens);
    return rc;
}

/* ---- DELTA_BYTE_ARRAY
 * ------------------------------------------------------------------------------ */

dc_status dc_pq_delta_byte_array_decode(const uint8_t *in, int64_t in_len, int64_t n,
                                        int32_t fixed_len, int32_t *ends, dc_bytes *data,
                                        int64_t *consumed, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t *prefix = NULL;
    int64_t end1 = 0, end2 = 0, psum = 0, ssum = 0;
    const char *what = "DELTA_BYTE_ARRAY";
    if (n < 0)
        return dc_error_set(err, DC_EINVALID, "DELTA_BYTE_ARRAY: invalid count");
    prefix = dc_malloc((size_t)DC_MAX(n, 1) * sizeof(int32_t));
    DC_TRY_ALLOC(prefix, err);
    DC_TRY(decode_lengths(in, in_len, n, prefix, &end1, &psum, what, err));
    DC_TRY(decode_lengths(in + end1, in_len - end1, n, ends, &end2, &ssum, what, err));
    int64_t sfx = end1 + end2;
    if (ssum > in_len - sfx) {
        rc = dc_error_set(err, DC_ECORRUPT,
                          "DELTA_BYTE_ARRAY: the suffix lengths add up to %" PRId64
                          " bytes but %" PRId64 " remain; the page is corrupt",
                          ssum, in_len - sfx);
        goto cleanup;
    }
    /* Check the prefixes against the previous value's length; total the output. */
    int64_t total = 0, prev = 0;
    for (int64_t i = 0; i < n; i++) {
        if (prefix[i] > prev) {
            rc = dc_error_set(err, DC_ECORRUPT,
                              "DELTA_BYTE_ARRAY: value %" PRId64 " takes a prefix of %" PRId32
                              " bytes from a value of %" PRId64 "; the page is corrupt",
                              i, prefix[i], prev);
            goto cleanup;
        }
        int64_t len = (int64_t)prefix[i] + ends[i];
        if (fixed_len >= 0 && len != fixed_len) {
            rc = dc_error_set(err, DC_ECORRUPT,
                              "DELTA_BYTE_ARRAY: value %" PRId64 " is %" PRId64
                              " bytes in a FIXED_LEN_BYTE_ARRAY(%" PRId32
                              ") column; the page is corrupt",
                              i, len, fixed_len);
            goto cleanup;
        }
        total += len;
        prev = len;
        if (total > (int64_t)INT32_MAX - data->size) {
            rc = dc_error_set(err, DC_EINVALID,
                              "DELTA_BYTE_ARRAY: the values pass 2 GiB in one array; read "
                              "smaller batches");
            goto cleanup;
        }
    }
    if (total > 0 && dc_bytes_reserve(data, total) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    {
        const uint8_t *s = in + sfx;
        int64_t pos = data->size, prev_start = data->size;
        for (int64_t i = 0; i < n; i++) {
            int32_t pl = prefix[i], sl = ends[i];
            if (pl > 0)
                memcpy(data->data + pos, data->data + prev_start, (size_t)pl);
            if (sl > 0)
                memcpy(data->data + pos + pl, s, (size_t)sl);
            s += sl;
            prev_start = pos;
            pos += pl + sl;
            ends[i] = (int32_t)pos;
        }
        data->size = pos;
    }
    if (consumed)
        *consumed = sfx + ssum;
cleanup:
    dc_free(prefix);
    return rc;
}

dc_status dc_pq_delta_byte_array_encode(dc_bytes *out, const int32_t *offsets, const uint8_t *data,
                                        int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t start = out->size;
    int32_t *prefix = NULL, *suffix = NULL;
    if (n < 0)
        return dc_error_set(err, DC_EINVALID, "DELTA_BYTE_ARRAY: invalid count");
    prefix = dc_malloc((size_t)DC_MAX(n, 1) * sizeof(int32_t));
    suffix = dc_malloc((size_t)DC_MAX(n, 1) * sizeof(int32_t));
    DC_TRY_ALLOC(prefix, err);
    DC_TRY_ALLOC(suffix, err);
    int64_t ssum = 0;
    for (int64_t i = 0; i < n; i++) {
        int32_t len = offsets[i + 1] - offsets[i];
        int32_t p = 0;
        if (i > 0) {
            int32_t plen = offsets[i] - offsets[i - 1];
            int32_t lim = DC_MIN(len, plen);
            const uint8_t *a = data + offsets[i - 1], *b = data + offsets[i];
            while (p < lim && a[p] == b[p])
                p++;
        }
        prefix[i] = p;
        suffix[i] = len - p;
        ssum += len - p;
    }
    DC_TRY(dc_pq_delta_encode32(out, prefix, n, err));
    DC_TRY(dc_pq_delta_encode32(out, suffix, n, err));
    DC_TRY(dc_bytes_reserve(out, ssum));
    for (int64_t i = 0; i < n; i++) {
        if (suffix[i] > 0) {
            memcpy(out->data + out->size, data + offsets[i + 1] - suffix[i], (size_t)suffix[i]);
            out->size += suffix[i];
        }
    }
cleanup:
    if (rc != DC_OK)
        out->size = start;
    if (rc == DC_ENOMEM)
        dc_error_nomem(err);
    dc_free(prefix);
    dc_free(suffix);
    return rc;
}
