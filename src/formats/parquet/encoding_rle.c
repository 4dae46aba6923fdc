/*
 * encoding_rle.c: the RLE / bit-packing hybrid (RLE = 3) used for levels,
 * dictionary indices and RLE booleans, and the deprecated BIT_PACKED (= 4)
 * levels encoding.
 *
 * The decoder keeps one run at a time: an RLE run (value, count), or a
 * bit-packed run (groups of 8 values at bp_pos, of which bp_left are backed
 * by bytes). Whole groups are unpacked straight into the caller's array; a
 * group only partly wanted is unpacked into `buf` and handed out from there.
 */
#include "formats/parquet/encoding_int.h"

#include <inttypes.h>

#define DC_RLE_MAX_RUN ((int64_t)INT32_MAX)

static dc_status rle_corrupt(dc_error *err, const dc_pq_rle_decoder *d, const char *what)
{
    return dc_error_set(err, DC_ECORRUPT,
                        "RLE/bit-packed data (bit width %d, %" PRId64 " bytes): %s at byte %" PRId64
                        "; the page is corrupt",
                        d->bit_width, d->len, what, d->pos);
}

dc_status dc_pq_rle_decoder_init(dc_pq_rle_decoder *d, const uint8_t *data, int64_t len,
                                 int bit_width, dc_error *err)
{
    memset(d, 0, sizeof *d);
    d->data = data;
    d->len = len < 0 ? 0 : len;
    d->bit_width = bit_width;
    if (bit_width < 0 || bit_width > 32)
        return dc_error_set(err, DC_ECORRUPT,
                            "RLE/bit-packed data declares bit width %d (at most 32 allowed); the "
                            "page is corrupt",
                            bit_width);
    return DC_OK;
}

dc_status dc_pq_rle_decoder_init_prefixed(dc_pq_rle_decoder *d, const uint8_t *data, int64_t len,
                                          int bit_width, int64_t *consumed, dc_error *err)
{
    if (len < 4)
        return dc_error_set(err, DC_ECORRUPT,
                            "RLE/bit-packed data: %" PRId64
                            " bytes cannot hold the 4-byte length prefix; the page is corrupt",
                            len);
    uint32_t n;
    memcpy(&n, data, 4);
    if ((int64_t)n > len - 4)
        return dc_error_set(err, DC_ECORRUPT,
                            "RLE/bit-packed data: length prefix declares %" PRIu32
                            " bytes but only %" PRId64 " follow; the page is corrupt",
                            n, len - 4);
    if (consumed)
        *consumed = 4 + (int64_t)n;
    return dc_pq_rle_decoder_init(d, data + 4, (int64_t)n, bit_width, err);
}

dc_status dc_pq_dict_decoder_init(dc_pq_rle_decoder *d, const uint8_t *data, int64_t len,
                                  dc_error *err)
{
    if (len < 1)
        return dc_error_set(err, DC_ECORRUPT,
                            "dictionary indices: the page holds no bit-width byte; the page is "
                            "corrupt");
    if (data[0] > 32)
        return dc_error_set(err, DC_ECORRUPT,
                            "dictionary indices declare bit width %d (at most 32 allowed); the "
                            "page is corrupt",
                            data[0]);
    return dc_pq_rle_decoder_init(d, data + 1, len - 1, data[0], err);
}

/*
 * Read the next run header. Returns DC_OK with a run set up, DC_ENOTFOUND when
 * the data is exhausted (not an error for the caller to report as such), or
 * DC_ECORRUPT.
 */
static dc_status next_run(dc_pq_rle_decoder *d, dc_error *err)
{
    for (;;) {
        if (d->pos >= d->len)
            return DC_ENOTFOUND;
        uint64_t h;
        int64_t p = d->pos;
        if (!dc_pq_uleb_read(d->data, d->len, &p, &h))
            return rle_corrupt(err, d, "truncated or oversized run header");
        int w = d->bit_width;
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups > (uint64_t)(DC_RLE_MAX_RUN / 8))
                return rle_corrupt(err, d, "bit-packed run longer than 2^31-1 values");
            int64_t values = (int64_t)groups * 8;
            int64_t avail = d->len - p;
            int64_t bytes = (int64_t)groups * w;
            if (w > 0 && bytes > avail) /* a short last run: keep the values present */
                values = avail * 8 / w;
            d->bp_left = values;
            d->bp_pos = p;
            d->pos = p + DC_MIN(bytes, avail);
            if (values > 0)
                return DC_OK;
            if (groups > 0 && w > 0)
                return rle_corrupt(err, d, "bit-packed run with no bytes");
        } else {
            uint64_t count = h >> 1;
            if (count > (uint64_t)DC_RLE_MAX_RUN)
                return rle_corrupt(err, d, "RLE run longer than 2^31-1 values");
            int vb = (w + 7) / 8;
            if (d->len - p < vb)
                return rle_corrupt(err, d, "RLE run value truncated");
            uint32_t v = 0;
            for (int i = 0; i < vb; i++)
                v |= (uint32_t)d->data[p + i] << (8 * i);
            if (w < 32 && (v >> w) != 0) {
                d->pos = p;
                return rle_corrupt(err, d, "RLE run value wider than the bit width");
            }
            d->pos = p + vb;
            d->value = v;
            d->rle_left = (int64_t)count;
            if (count > 0)
                return DC_OK;
        }
        /* an empty run: skip it (progress was made) */
    }
}

dc_status dc_pq_rle_decode(dc_pq_rle_decoder *d, uint32_t *out, int64_t n, dc_error *err)
{
    int64_t got = 0;
    const int w = d->bit_width;
    while (got < n) {
        if (d->buf_pos < d->buf_len) {
            int64_t k = DC_MIN((int64_t)(d->buf_len - d->buf_pos), n - got);
            memcpy(out + got, d->buf + d->buf_pos, (size_t)k * sizeof(uint32_t));
            d->buf_pos += (int)k;
            got += k;
            continue;
        }
        if (d->rle_left > 0) {
            int64_t k = DC_MIN(d->rle_left, n - got);
            uint32_t v = d->value;
            uint32_t *o = out + got;
            for (int64_t i = 0; i < k; i++)
                o[i] = v;
            d->rle_left -= k;
            got += k;
            continue;
        }
        if (d->bp_left > 0) {
            int64_t want = DC_MIN(d->bp_left, n - got);
            int64_t groups = want / 8;
            if (groups > 0) {
                dc_pq_unpack32(out + got, d->data + d->bp_pos, d->len - d->bp_pos, groups * 8, w);
                d->bp_pos += groups * w;
                d->bp_left -= groups * 8;
                got += groups * 8;
                continue;
            }
            int64_t k = DC_MIN((int64_t)8, d->bp_left);
            dc_pq_unpack32(d->buf, d->data + d->bp_pos, d->len - d->bp_pos, k, w);
            d->bp_pos += w;
            d->bp_left -= k;
            d->buf_pos = 0;
            d->buf_len = (int)k;
            continue;
        }
        dc_status rc = next_run(d, err);
        if (rc == DC_ENOTFOUND) {
            if (w == 0) { /* nothing stored: every value is 0 */
                memset(out + got, 0, (size_t)(n - got) * sizeof(uint32_t));
                return DC_OK;
            }
            return dc_error_set(err, DC_ECORRUPT,
                                "RLE/bit-packed data (bit width %d, %" PRId64
                                " bytes) ends after %" PRId64 " of the %" PRId64
                                " values wanted; the page is corrupt",
                                w, d->len, got, n);
        }
        if (rc != DC_OK)
            return rc;
    }
    return DC_OK;
}

dc_status dc_pq_rle_decode_checked(dc_pq_rle_decoder *d, uint32_t *out, int64_t n, uint32_t limit,
                                   dc_error *err)
{
    dc_status rc = dc_pq_rle_decode(d, out, n, err);
    if (rc != DC_OK)
        return rc;
    uint32_t bad = 0;
    for (int64_t i = 0; i < n; i++)
        bad |= (uint32_t)(out[i] >= limit);
    if (DC_UNLIKELY(bad)) {
        for (int64_t i = 0; i < n; i++) {
            if (out[i] >= limit)
                return dc_error_set(err, DC_ECORRUPT,
                                    "RLE/bit-packed data: value %" PRIu32 " (the %" PRId64
                                    "th of this call) is not below %" PRIu32
                                    " (dictionary size or max level + 1); the page is corrupt",
                                    out[i], i, limit);
        }
    }
    return DC_OK;
}

dc_status dc_pq_rle_decode_bits(dc_pq_rle_decoder *d, uint8_t *bits, int64_t bit_offset, int64_t n,
                                dc_error *err)
{
    uint32_t tmp[1024];
    for (int64_t done = 0; done < n;) {
        int64_t k = DC_MIN((int64_t)DC_ARRAY_LEN(tmp), n - done);
        dc_status rc = dc_pq_rle_decode_checked(d, tmp, k, 2, err);
        if (rc != DC_OK)
            return rc;
        for (int64_t i = 0; i < k; i++)
            dc_bit_put(bits, bit_offset + done + i, tmp[i] != 0);
        done += k;
    }
    return DC_OK;
}

/* ---- encoder ------------------------------------------------------------------------- */

int64_t dc_pq_rle_max_size(int64_t n, int bit_width)
{
    /* Every run covers at least 8 values (but the last) and costs a header of at most 5
     * bytes plus, per 8 values, bit_width bytes (bit-packed) or at most 4 (RLE). */
    int64_t groups = (n + 7) / 8;
    return (groups + 1) * (bit_width + 9) + 4;
}

/* Length of the run of values equal to values[i] starting at i, stopping at `cap`. */
static inline int64_t run_length(const uint32_t *values, int64_t i, int64_t n, int64_t cap)
{
    int64_t j = i + 1;
    int64_t end = DC_MIN(n, i + cap);
    while (j < end && values[j] == values[i])
        j++;
    return j - i;
}

static dc_status rle_encode_body(dc_bytes *out, const uint32_t *values, int64_t n, int w,
                                 dc_error *err)
{
    dc_status rc = DC_OK;
    if (w < 0 || w > 32)
        return dc_error_set(err, DC_EINVALID, "RLE encoding: bit width %d is not in 0..32", w);
    if (w < 32) {
        uint32_t any = 0;
        for (int64_t i = 0; i < n; i++)
            any |= values[i];
        if (any >> w)
            return dc_error_set(err, DC_EINVALID, "RLE encoding: a value does not fit bit width %d",
                                w);
    }
    DC_TRY(dc_bytes_reserve(out, dc_pq_rle_max_size(n, w)));
    int vb = (w + 7) / 8;
    int64_t i = 0;
    while (i < n) {
        int64_t r = run_length(values, i, n, DC_RLE_MAX_RUN);
        if (r >= 8) {
            uint8_t hdr[16];
            int hn = dc_pq_uleb_put(hdr, (uint64_t)r << 1);
            uint32_t v = values[i];
            for (int b = 0; b < vb; b++)
                hdr[hn++] = (uint8_t)(v >> (8 * b));
            DC_TRY(dc_bytes_append(out, hdr, hn));
            i += r;
            continue;
        }
        /* A bit-packed run: groups of 8 until a group boundary starts a run of 8. */
        int64_t j = i;
        const int64_t max_vals = (DC_RLE_MAX_RUN / 8) * 8;
        do {
            j += 8;
        } while (j < n && j - i < max_vals && run_length(values, j, n, 8) < 8);
        int64_t groups = (j - i) / 8;
        int64_t have = DC_MIN(j, n) - i;
        DC_TRY(dc_pq_uleb_append(out, ((uint64_t)groups << 1) | 1));
        int64_t bytes = groups * w;
        DC_TRY(dc_bytes_reserve(out, bytes));
        uint8_t *dst = out->data + out->size;
        memset(dst, 0, (size_t)bytes);
        int64_t whole = have / 8 * 8;
        dc_pq_pack32(dst, values + i, whole, w);
        if (have > whole) {
            uint32_t last[8] = {0};
            memcpy(last, values + i + whole, (size_t)(have - whole) * sizeof(uint32_t));
            dc_pq_pack32(dst + whole / 8 * w, last, 8, w);
        }
        out->size += bytes;
        i = DC_MIN(j, n);
    }
cleanup:
    return rc;
}

dc_status dc_pq_rle_encode(dc_bytes *out, const uint32_t *values, int64_t n, int bit_width,
                           dc_error *err)
{
    int64_t start = out->size;
    dc_status rc = rle_encode_body(out, values, n, bit_width, err);
    if (rc != DC_OK)
        out->size = start;
    return rc;
}

dc_status dc_pq_rle_encode_prefixed(dc_bytes *out, const uint32_t *values, int64_t n, int bit_width,
                                    dc_error *err)
{
    int64_t start = out->size;
    uint32_t len = 0;
    dc_status rc = dc_bytes_append(out, &len, 4);
    if (rc == DC_OK)
        rc = rle_encode_body(out, values, n, bit_width, err);
    if (rc == DC_OK && out->size - start - 4 > (int64_t)UINT32_MAX)
        rc = dc_error_set(err, DC_EINVALID, "RLE encoding: more than 4 GiB of levels in a page");
    if (rc != DC_OK) {
        out->size = start;
        return rc;
    }
    len = (uint32_t)(out->size - start - 4);
    memcpy(out->data + start, &len, 4);
    return DC_OK;
}

dc_status dc_pq_dict_indices_encode(dc_bytes *out, const uint32_t *indices, int64_t n,
                                    int bit_width, dc_error *err)
{
    int64_t start = out->size;
    if (bit_width < 0 || bit_width > 32)
        return dc_error_set(err, DC_EINVALID, "dictionary indices: bit width %d is not in 0..32",
                            bit_width);
    uint8_t b = (uint8_t)bit_width;
    dc_status rc = dc_bytes_append(out, &b, 1);
    if (rc == DC_OK)
        rc = rle_encode_body(out, indices, n, bit_width, err);
    if (rc != DC_OK)
        out->size = start;
    return rc;
}

/* ---- BIT_PACKED (deprecated, MSB first) --------------------------------------------------- */

dc_status dc_pq_bitpacked_msb_decode(const uint8_t *in, int64_t in_len, int64_t n, int bit_width,
                                     uint32_t *out, int64_t *consumed, dc_error *err)
{
    if (bit_width < 0 || bit_width > 32)
        return dc_error_set(err, DC_ECORRUPT,
                            "BIT_PACKED levels: bit width %d is not in 0..32; the page is corrupt",
                            bit_width);
    if (n < 0)
        n = 0;
    int64_t bytes = dc_pq_packed_bytes(n, bit_width);
    if (bytes > in_len)
        return dc_error_set(err, DC_ECORRUPT,
                            "BIT_PACKED levels: %" PRId64 " values of %d bits need %" PRId64
                            " bytes but %" PRId64 " remain; the page is corrupt",
                            n, bit_width, bytes, in_len);
    uint64_t bit = 0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t v = 0;
        for (int b = 0; b < bit_width; b++, bit++)
            v = (v << 1) | ((in[bit >> 3] >> (7 - (bit & 7))) & 1u);
        out[i] = v;
    }
    if (consumed)
        *consumed = bytes;
    return DC_OK;
}
