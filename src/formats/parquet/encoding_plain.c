/*
 * encoding_plain.c: PLAIN (= 0) for every physical type, BYTE_STREAM_SPLIT
 * (= 9), and the dictionary gathers that turn decoded indices into values.
 *
 * Byte arrays decode in two passes: the first walks the length prefixes,
 * checking each against the bytes left and summing them, so `data` grows once;
 * the second copies. Nothing is allocated per value.
 */
#include "formats/parquet/encoding_int.h"

#include <inttypes.h>

#define DC_AI static inline __attribute__((always_inline))

static dc_status short_input(dc_error *err, const char *enc, int64_t n, int64_t need, int64_t have)
{
    return dc_error_set(err, DC_ECORRUPT,
                        "%s: %" PRId64 " values need %" PRId64 " bytes but %" PRId64
                        " remain; the page is corrupt",
                        enc, n, need, have);
}

static dc_status bad_count(dc_error *err, const char *enc, int64_t n)
{
    return dc_error_set(err, DC_EINVALID, "%s: invalid value count %" PRId64, enc, n);
}

dc_status dc_pq_plain_decode_fixed(const uint8_t *in, int64_t in_len, int64_t n, int32_t width,
                                   void *out, int64_t *consumed, dc_error *err)
{
    int64_t need;
    if (n < 0 || width <= 0 || dc_mul_overflows(n, width, &need))
        return bad_count(err, "PLAIN", n);
    if (need > in_len)
        return short_input(err, "PLAIN", n, need, in_len);
    if (need > 0)
        memcpy(out, in, (size_t)need);
    if (consumed)
        *consumed = need;
    return DC_OK;
}

dc_status dc_pq_plain_encode_fixed(dc_bytes *out, const void *values, int64_t n, int32_t width,
                                   dc_error *err)
{
    int64_t need;
    if (n < 0 || width <= 0 || dc_mul_overflows(n, width, &need))
        return bad_count(err, "PLAIN", n);
    if (need == 0)
        return DC_OK;
    dc_status rc = dc_bytes_append(out, values, need);
    if (rc != DC_OK)
        return dc_error_nomem(err);
    return DC_OK;
}

dc_status dc_pq_plain_decode_bool(const uint8_t *in, int64_t in_len, int64_t in_bit, int64_t n,
                                  uint8_t *bits, int64_t bit_offset, dc_error *err)
{
    if (n < 0 || in_bit < 0 || in_bit > INT64_MAX - n - 7)
        return bad_count(err, "PLAIN BOOLEAN", n);
    int64_t need = (in_bit + n + 7) / 8;
    if (need > in_len)
        return short_input(err, "PLAIN BOOLEAN", n, need, in_len);
    if (n > 0)
        dc_bitmap_copy(bits, bit_offset, in, in_bit, n);
    return DC_OK;
}

dc_status dc_pq_plain_encode_bool(dc_bytes *out, const uint8_t *bits, int64_t bit_offset, int64_t n,
                                  dc_error *err)
{
    if (n < 0)
        return bad_count(err, "PLAIN BOOLEAN", n);
    int64_t bytes = (n + 7) / 8;
    int64_t start = out->size;
    if (bytes == 0)
        return DC_OK;
    if (dc_bytes_append_zeros(out, bytes) != DC_OK)
        return dc_error_nomem(err);
    dc_bitmap_copy(out->data + start, 0, bits, bit_offset, n);
    /* dc_bitmap_copy may leave the padding bits of the last byte as they were (zero). */
    return DC_OK;
}

dc_status dc_pq_plain_decode_binary(const uint8_t *in, int64_t in_len, int64_t n, int32_t *ends,
                                    dc_bytes *data, int64_t *consumed, dc_error *err)
{
    if (n < 0)
        return bad_count(err, "PLAIN BYTE_ARRAY", n);
    /* Pass 1: validate the lengths, total the bytes. */
    int64_t pos = 0, total = 0;
    for (int64_t i = 0; i < n; i++) {
        if (in_len - pos < 4)
            return dc_error_set(err, DC_ECORRUPT,
                                "PLAIN BYTE_ARRAY: value %" PRId64 " of %" PRId64
                                ": its length prefix at byte %" PRId64
                                " is cut off; the page is corrupt",
                                i, n, pos);
        uint32_t len;
        memcpy(&len, in + pos, 4);
        if ((int64_t)len > in_len - pos - 4)
            return dc_error_set(err, DC_ECORRUPT,
                                "PLAIN BYTE_ARRAY: value %" PRId64 " at byte %" PRId64
                                " declares %" PRIu32 " bytes but %" PRId64
                                " remain; the page is corrupt",
                                i, pos, len, in_len - pos - 4);
        if (len > (uint32_t)INT32_MAX)
            return dc_error_set(err, DC_EINVALID,
                                "PLAIN BYTE_ARRAY: value %" PRId64 " is %" PRIu32
                                " bytes, more than 2 GiB",
                                i, len);
        pos += 4 + (int64_t)len;
        total += len;
        ends[i] = (int32_t)len; /* lengths for now */
    }
    if (total > (int64_t)INT32_MAX - data->size)
        return dc_error_set(err, DC_EINVALID,
                            "PLAIN BYTE_ARRAY: the values pass 2 GiB in one array; read smaller "
                            "batches");
    if (total == 0) {
        for (int64_t i = 0; i < n; i++)
            ends[i] = (int32_t)data->size;
        if (consumed)
            *consumed = pos;
        return DC_OK;
    }
    if (dc_bytes_reserve(data, total) != DC_OK)
        return dc_error_nomem(err);
    /* Pass 2: copy. */
    uint8_t *dst = data->data + data->size;
    int64_t end = data->size;
    const uint8_t *src = in;
    for (int64_t i = 0; i < n; i++) {
        int32_t len = ends[i];
        memcpy(dst, src + 4, (size_t)len);
        dst += len;
        src += 4 + len;
        end += len;
        ends[i] = (int32_t)end;
    }
    data->size = end;
    if (consumed)
        *consumed = pos;
    return DC_OK;
}

/* Append the values [offsets[0], offsets[n]) with their length prefixes. */
#define DC_PLAIN_ENCODE_BINARY(OFF_T)                                                              \
    do {                                                                                           \
        if (n < 0)                                                                                 \
            return bad_count(err, "PLAIN BYTE_ARRAY", n);                                          \
        if (n == 0)                                                                                \
            return DC_OK;                                                                          \
        int64_t bytes = (int64_t)(offsets[n] - offsets[0]) + 4 * n;                                \
        if (dc_bytes_reserve(out, bytes) != DC_OK)                                                 \
            return dc_error_nomem(err);                                                            \
        uint8_t *dst = out->data + out->size;                                                      \
        for (int64_t i = 0; i < n; i++) {                                                          \
            OFF_T len = offsets[i + 1] - offsets[i];                                               \
            if (len < 0 || (int64_t)len > (int64_t)UINT32_MAX)                                     \
                return dc_error_set(err, DC_EINVALID,                                              \
                                    "PLAIN BYTE_ARRAY: value %" PRId64 " has length %" PRId64, i,  \
                                    (int64_t)len);                                                 \
            uint32_t l32 = (uint32_t)len;                                                          \
            memcpy(dst, &l32, 4);                                                                  \
            if (len > 0)                                                                           \
                memcpy(dst + 4, data + offsets[i], (size_t)len);                                   \
            dst += 4 + len;                                                                        \
        }                                                                                          \
        out->size += bytes;                                                                        \
        return DC_OK;                                                                              \
    } while (0)

dc_status dc_pq_plain_encode_binary(dc_bytes *out, const int32_t *offsets, const uint8_t *data,
                                    int64_t n, dc_error *err)
{
    DC_PLAIN_ENCODE_BINARY(int32_t);
}

dc_status dc_pq_plain_encode_binary64(dc_bytes *out, const int64_t *offsets, const uint8_t *data,
                                      int64_t n, dc_error *err)
{
    DC_PLAIN_ENCODE_BINARY(int64_t);
}

/* ---- BYTE_STREAM_SPLIT -------------------------------------------------------------- */

DC_AI void bss_decode_w(uint8_t *out, const uint8_t *in, int64_t stride, int64_t start, int64_t n,
                        const int w)
{
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < w; k++)
            out[i * w + k] = in[k * stride + start + i];
}

dc_status dc_pq_bss_decode(const uint8_t *in, int64_t in_len, int32_t width, int64_t start,
                           int64_t n, void *out, dc_error *err)
{
    if (width <= 0 || n < 0 || start < 0)
        return bad_count(err, "BYTE_STREAM_SPLIT", n);
    if (in_len % width != 0)
        return dc_error_set(err, DC_ECORRUPT,
                            "BYTE_STREAM_SPLIT: %" PRId64
                            " bytes are not a whole number of %d-byte values; the page is corrupt",
                            in_len, width);
    int64_t stride = in_len / width;
    if (start > stride || n > stride - start)
        return dc_error_set(err, DC_ECORRUPT,
                            "BYTE_STREAM_SPLIT: values %" PRId64 "..%" PRId64
                            " wanted but the page holds %" PRId64 "; the page is corrupt",
                            start, start + n, stride);
    uint8_t *o = out;
    switch (width) {
    case 4: bss_decode_w(o, in, stride, start, n, 4); break;
    case 8: bss_decode_w(o, in, stride, start, n, 8); break;
    case 2: bss_decode_w(o, in, stride, start, n, 2); break;
    default:
        for (int32_t k = 0; k < width; k++) {
            const uint8_t *s = in + (int64_t)k * stride + start;
            for (int64_t i = 0; i < n; i++)
                o[i * width + k] = s[i];
        }
    }
    return DC_OK;
}

DC_AI void bss_encode_w(uint8_t *dst, const uint8_t *v, int64_t n, const int w)
{
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < w; k++)
            dst[k * n + i] = v[i * w + k];
}

dc_status dc_pq_bss_encode(dc_bytes *out, const void *values, int64_t n, int32_t width,
                           dc_error *err)
{
    int64_t need;
    if (n < 0 || width <= 0 || dc_mul_overflows(n, width, &need))
        return bad_count(err, "BYTE_STREAM_SPLIT", n);
    if (need == 0)
        return DC_OK;
    if (dc_bytes_reserve(out, need) != DC_OK)
        return dc_error_nomem(err);
    uint8_t *dst = out->data + out->size;
    const uint8_t *v = values;
    switch (width) {
    case 4: bss_encode_w(dst, v, n, 4); break;
    case 8: bss_encode_w(dst, v, n, 8); break;
    default:
        for (int32_t k = 0; k < width; k++)
            for (int64_t i = 0; i < n; i++)
                dst[k * n + i] = v[i * width + k];
    }
    out->size += need;
    return DC_OK;
}

/* ---- dictionary gathers ------------------------------------------------------------------ */

void dc_pq_dict_gather_fixed(void *out, const void *dict, int32_t width, const uint32_t *idx,
                             int64_t n)
{
    switch (width) {
    case 4: {
        uint32_t *o = out;
        const uint32_t *d = dict;
        for (int64_t i = 0; i < n; i++)
            o[i] = d[idx[i]];
        break;
    }
    case 8: {
        uint64_t *o = out;
        const uint64_t *d = dict;
        for (int64_t i = 0; i < n; i++)
            o[i] = d[idx[i]];
        break;
    }
    default: {
        uint8_t *o = out;
        const uint8_t *d = dict;
        for (int64_t i = 0; i < n; i++)
            memcpy(o + i * width, d + (int64_t)idx[i] * width, (size_t)width);
    }
    }
}

dc_status dc_pq_dict_gather_binary(int32_t *ends, dc_bytes *data, const int32_t *dict_offsets,
                                   const uint8_t *dict_data, const uint32_t *idx, int64_t n,
                                   dc_error *err)
{
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++)
        total += dict_offsets[idx[i] + 1] - dict_offsets[idx[i]];
    if (total > (int64_t)INT32_MAX - data->size)
        return dc_error_set(err, DC_EINVALID,
                            "dictionary values pass 2 GiB in one array; read smaller batches");
    if (total == 0) {
        for (int64_t i = 0; i < n; i++)
            ends[i] = (int32_t)data->size;
        return DC_OK;
    }
    if (dc_bytes_reserve(data, total) != DC_OK)
        return dc_error_nomem(err);
    int64_t end = data->size;
    uint8_t *base = data->data;
    for (int64_t i = 0; i < n; i++) {
        int32_t s = dict_offsets[idx[i]];
        int32_t len = dict_offsets[idx[i] + 1] - s;
        if (len > 0)
            memcpy(base + end, dict_data + s, (size_t)len);
        end += len;
        ends[i] = (int32_t)end;
    }
    data->size = end;
    return DC_OK;
}
