/*
 * fuzz_parquet_encoding.c: libFuzzer target for the Parquet value encodings
 * and page codecs (src/formats/parquet/encoding_int.h, codec_int.h).
 *
 * Input layout: byte 0 picks the operation, byte 1 a bit width / type width /
 * codec, bytes 2-3 a little-endian value count (so outputs stay small); the
 * rest is the encoded data, decoded from an exact-size heap copy so ASan sees
 * any read past it. Errors are expected; crashes, sanitizer reports and leaks
 * are bugs. Where a decode succeeds, re-encoding the values and decoding them
 * again must give the same values.
 */
#include "formats/parquet/codec_int.h"
#include "formats/parquet/encoding_int.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rle_round_trip(const uint32_t *v, int64_t n, int w)
{
    dc_bytes b;
    dc_bytes_init(&b);
    uint32_t *back = malloc((size_t)(n + 1) * 4);
    if (dc_pq_rle_encode(&b, v, n, w, NULL) != DC_OK)
        abort(); /* decoded values always fit their width */
    dc_pq_rle_decoder d;
    if (dc_pq_rle_decoder_init(&d, b.data, b.size, w, NULL) != DC_OK ||
        dc_pq_rle_decode(&d, back, n, NULL) != DC_OK || (n && memcmp(v, back, (size_t)n * 4)))
        abort();
    free(back);
    dc_bytes_free(&b);
}

static void fuzz_rle(const uint8_t *in, int64_t len, int w, int64_t n, int variant)
{
    uint32_t *out = malloc((size_t)(n + 1) * 4);
    dc_pq_rle_decoder d;
    dc_status rc;
    int64_t used = 0;
    if (variant == 0)
        rc = dc_pq_rle_decoder_init(&d, in, len, w, NULL);
    else if (variant == 1)
        rc = dc_pq_rle_decoder_init_prefixed(&d, in, len, w, &used, NULL);
    else
        rc = dc_pq_dict_decoder_init(&d, in, len, NULL);
    if (rc == DC_OK) {
        int64_t half = n / 3;
        rc = dc_pq_rle_decode(&d, out, half, NULL);
        if (rc == DC_OK)
            rc = variant == 2
                     ? dc_pq_rle_decode_checked(&d, out + half, n - half, 1u + (uint32_t)w, NULL)
                     : dc_pq_rle_decode(&d, out + half, n - half, NULL);
        if (rc == DC_OK && variant != 2)
            check_rle_round_trip(out, n, w);
        if (rc == DC_OK && variant == 1) {
            uint8_t bits[64];
            dc_pq_rle_decoder d2;
            if (dc_pq_rle_decoder_init_prefixed(&d2, in, len, 1, &used, NULL) == DC_OK)
                (void)dc_pq_rle_decode_bits(&d2, bits, 3, DC_MIN(n, (int64_t)500), NULL);
        }
    }
    free(out);
}

static void fuzz_delta(const uint8_t *in, int64_t len, bool is32, int64_t n)
{
    dc_pq_delta_decoder d;
    int64_t *v64 = malloc((size_t)(n + 1) * 8);
    int32_t *v32 = malloc((size_t)(n + 1) * 4);
    if (dc_pq_delta_decoder_init(&d, in, len, is32, NULL) == DC_OK) {
        int64_t take = DC_MIN(n, d.total);
        dc_status rc = is32 ? dc_pq_delta_decode32(&d, v32, take, NULL)
                            : dc_pq_delta_decode64(&d, v64, take, NULL);
        int64_t end = 0;
        if (rc == DC_OK && dc_pq_delta_finish(&d, &end, NULL) == DC_OK && (end < 0 || end > len))
            abort();
        if (rc == DC_OK) { /* round trip what was decoded */
            dc_bytes b;
            dc_bytes_init(&b);
            dc_pq_delta_decoder d2;
            if (is32) {
                int32_t *back = malloc((size_t)(take + 1) * 4);
                if (dc_pq_delta_encode32(&b, v32, take, NULL) != DC_OK ||
                    dc_pq_delta_decoder_init(&d2, b.data, b.size, true, NULL) != DC_OK ||
                    dc_pq_delta_decode32(&d2, back, take, NULL) != DC_OK ||
                    (take && memcmp(back, v32, (size_t)take * 4)))
                    abort();
                free(back);
            } else {
                int64_t *back = malloc((size_t)(take + 1) * 8);
                if (dc_pq_delta_encode64(&b, v64, take, NULL) != DC_OK ||
                    dc_pq_delta_decoder_init(&d2, b.data, b.size, false, NULL) != DC_OK ||
                    dc_pq_delta_decode64(&d2, back, take, NULL) != DC_OK ||
                    (take && memcmp(back, v64, (size_t)take * 8)))
                    abort();
                free(back);
            }
            dc_bytes_free(&b);
        }
    }
    free(v64);
    free(v32);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    int op = data[0] % 13;
    int param = data[1];
    int64_t n = data[2] | (int64_t)data[3] << 8;
    int64_t len = (int64_t)size - 4;
    uint8_t *in = malloc((size_t)(len > 0 ? len : 1));
    if (len > 0)
        memcpy(in, data + 4, (size_t)len);
    dc_bytes bytes;
    dc_bytes_init(&bytes);
    int32_t *ends = malloc((size_t)(n + 1) * 4);
    void *out = malloc((size_t)(n + 1) * 16);
    int64_t used = 0;
    switch (op) {
    case 0:
    case 1:
    case 2: fuzz_rle(in, len, param % 34, n, op); break;
    case 3: (void)dc_pq_bitpacked_msb_decode(in, len, n, param % 34, out, &used, NULL); break;
    case 4: {
        int32_t w = 1 + param % 16;
        (void)dc_pq_plain_decode_fixed(in, len, n, w, out, &used, NULL);
        (void)dc_pq_bss_decode(in, len, w, param / 16, n / 2, out, NULL);
        break;
    }
    case 5: {
        uint8_t *bits = calloc(1, (size_t)(n / 8 + 2));
        (void)dc_pq_plain_decode_bool(in, len, param % 9, n, bits, param % 5, NULL);
        free(bits);
        break;
    }
    case 6:
        if (dc_pq_plain_decode_binary(in, len, n, ends, &bytes, &used, NULL) == DC_OK &&
            (used > len || (n && ends[n - 1] != bytes.size)))
            abort();
        break;
    case 7:
    case 8: fuzz_delta(in, len, op == 7, n); break;
    case 9:
        if (dc_pq_delta_length_decode(in, len, n, ends, &bytes, &used, NULL) == DC_OK && used > len)
            abort();
        break;
    case 10:
        if (dc_pq_delta_byte_array_decode(in, len, n, param & 1 ? param / 2 : -1, ends, &bytes,
                                          &used, NULL) == DC_OK &&
            used > len)
            abort();
        break;
    case 11:
    case 12: {
        int32_t codec = param % 8;
        int64_t cap = n * 4; /* up to 256 KiB */
        uint8_t *dst = malloc((size_t)(cap + 1));
        dc_pq_codec_ctx *ctx = NULL;
        if (op == 12 && dc_pq_codec_ctx_new(&ctx, NULL) != DC_OK)
            abort();
        (void)dc_pq_decompress(ctx, codec, in, len, dst, cap, NULL);
        dc_pq_codec_ctx_free(ctx);
        free(dst);
        break;
    }
    }
    free(out);
    free(ends);
    dc_bytes_free(&bytes);
    free(in);
    return 0;
}
