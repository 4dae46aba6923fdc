/*
 * test_parquet_encoding.c: the Parquet value encodings (encoding_int.h):
 * round trips of every encoding x type over seeded random data and edge
 * values, the spec's own examples as byte vectors, and corrupt or truncated
 * inputs failing cleanly (DC_ECORRUPT, no read past the range: buffers are
 * exact-size heap copies so ASan catches any over-read).
 */
#include "testutil.h"

#include "formats/parquet/encoding_int.h"

#include <stdlib.h>

/* ---- helpers ---------------------------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static uint64_t rnd_bits(int w)
{
    return w == 0 ? 0 : w == 64 ? rnd() : rnd() & ((1ULL << w) - 1);
}

/* An exact-size heap copy, so that ASan reports any read past the end. */
static uint8_t *dup_exact(const uint8_t *p, int64_t n)
{
    uint8_t *q = malloc((size_t)(n > 0 ? n : 1));
    if (n > 0)
        memcpy(q, p, (size_t)n);
    return q;
}

static const int64_t counts[] = {0, 1, 2, 7, 8, 9, 31, 32, 33, 127, 128, 129, 130, 513, 1000, 4099};

/* ---- varints, bit packing --------------------------------------------------------------- */

static void test_uleb_and_zigzag_round_trip(void **state)
{
    (void)state;
    const int64_t vals[] = {0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < DC_ARRAY_LEN(vals); i++) {
        uint8_t buf[10];
        int n = dc_pq_uleb_put(buf, dc_pq_zigzag_encode(vals[i]));
        int64_t pos = 0;
        uint64_t u;
        assert_true(dc_pq_uleb_read(buf, n, &pos, &u));
        assert_int_equal(pos, n);
        assert_true(dc_pq_zigzag_decode(u) == vals[i]);
        /* every truncation fails */
        for (int cut = 0; cut < n; cut++) {
            pos = 0;
            assert_false(dc_pq_uleb_read(buf, cut, &pos, &u));
        }
    }
    /* 11 continuation bytes / bits past 64 are rejected */
    uint8_t over[11];
    memset(over, 0xff, sizeof over);
    int64_t pos = 0;
    uint64_t u;
    assert_false(dc_pq_uleb_read(over, 11, &pos, &u));
    uint8_t big[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    pos = 0;
    assert_false(dc_pq_uleb_read(big, 10, &pos, &u));
}

static void test_pack_unpack_every_width(void **state)
{
    (void)state;
    rng_state = 1;
    for (int w = 0; w <= 64; w++) {
        for (size_t c = 0; c < DC_ARRAY_LEN(counts); c++) {
            int64_t n = counts[c];
            uint64_t *v = malloc((size_t)(n + 1) * 8);
            uint64_t *back = malloc((size_t)(n + 1) * 8);
            for (int64_t i = 0; i < n; i++)
                v[i] = rnd_bits(w);
            int64_t bytes = dc_pq_packed_bytes(n, w);
            uint8_t *packed = calloc(1, (size_t)bytes + 1);
            dc_pq_pack64(packed, v, n, w);
            uint8_t *exact = dup_exact(packed, bytes);
            dc_pq_unpack64(back, exact, bytes, n, w);
            assert_memory_equal(v, back, (size_t)n * 8);
            if (w <= 32) {
                uint32_t *v32 = malloc((size_t)(n + 1) * 4), *b32 = malloc((size_t)(n + 1) * 4);
                for (int64_t i = 0; i < n; i++)
                    v32[i] = (uint32_t)v[i];
                uint8_t *p32 = calloc(1, (size_t)bytes + 1);
                dc_pq_pack32(p32, v32, n, w);
                assert_memory_equal(p32, packed, (size_t)bytes);
                dc_pq_unpack32(b32, exact, bytes, n, w);
                assert_memory_equal(v32, b32, (size_t)n * 4);
                free(v32);
                free(b32);
                free(p32);
            }
            free(exact);
            free(packed);
            free(v);
            free(back);
        }
    }
}

/* ---- RLE / bit-packing hybrid -------------------------------------------------------------- */

/* Encodings.md: 0..7 at bit width 3 bit-packed are 10001000 11000110 11111010. */
static void test_rle_decodes_spec_bitpacking_example(void **state)
{
    (void)state;
    const uint8_t enc[] = {0x03, 0x88, 0xC6, 0xFA}; /* header: 1 group of 8, bit-packed */
    uint8_t *in = dup_exact(enc, sizeof enc);
    dc_pq_rle_decoder d;
    uint32_t out[8];
    DC_ASSERT_OK(dc_pq_rle_decoder_init(&d, in, sizeof enc, 3, NULL));
    DC_ASSERT_OK(dc_pq_rle_decode(&d, out, 8, NULL));
    for (uint32_t i = 0; i < 8; i++)
        assert_int_equal(out[i], i);
    /* our encoder produces the same bytes */
    dc_bytes b;
    dc_bytes_init(&b);
    const uint32_t vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    DC_ASSERT_OK(dc_pq_rle_encode(&b, vals, 8, 3, NULL));
    assert_int_equal(b.size, 4);
    assert_memory_equal(b.data, enc, 4);
    dc_bytes_free(&b);
    free(in);
}

/* Encodings.md: BIT_PACKED 0..7 at width 3 is 00000101 00111001 01110111 (MSB first). */
static void test_bitpacked_msb_decodes_spec_example(void **state)
{
    (void)state;
    const uint8_t enc[] = {0x05, 0x39, 0x77};
    uint8_t *in = dup_exact(enc, 3);
    uint32_t out[8];
    int64_t used = 0;
    DC_ASSERT_OK(dc_pq_bitpacked_msb_decode(in, 3, 8, 3, out, &used, NULL));
    assert_int_equal(used, 3);
    for (uint32_t i = 0; i < 8; i++)
        assert_int_equal(out[i], i);
    dc_error err;
    assert_int_equal(dc_pq_bitpacked_msb_decode(in, 2, 8, 3, out, &used, &err), DC_ECORRUPT);
    assert_int_equal(dc_pq_bitpacked_msb_decode(in, 3, 8, 33, out, &used, &err), DC_ECORRUPT);
    free(in);
}

static void test_rle_rle_run_and_prefixed_length(void **state)
{
    (void)state;
    /* 4-byte length 3, then an RLE run of 10 x value 5 at width 3 */
    const uint8_t enc[] = {3, 0, 0, 0, 10 << 1, 5, 0xAA};
    uint8_t *in = dup_exact(enc, sizeof enc);
    dc_pq_rle_decoder d;
    int64_t used = 0;
    uint32_t out[10];
    DC_ASSERT_OK(dc_pq_rle_decoder_init_prefixed(&d, in, sizeof enc, 3, &used, NULL));
    assert_int_equal(used, 7);
    DC_ASSERT_OK(dc_pq_rle_decode(&d, out, 10, NULL));
    for (int i = 0; i < 10; i++)
        assert_int_equal(out[i], 5);
    dc_error err;
    assert_int_equal(dc_pq_rle_decode(&d, out, 1, &err), DC_ECORRUPT); /* runs exhausted */
    /* a prefix declaring more than remains */
    const uint8_t bad[] = {9, 0, 0, 0, 1};
    uint8_t *b = dup_exact(bad, sizeof bad);
    assert_int_equal(dc_pq_rle_decoder_init_prefixed(&d, b, sizeof bad, 1, &used, &err),
                     DC_ECORRUPT);
    assert_int_equal(dc_pq_rle_decoder_init_prefixed(&d, b, 3, 1, &used, &err), DC_ECORRUPT);
    free(b);
    free(in);
}

/* Values of several shapes: long runs, random, short runs, alternating. */
static void fill_levels(uint32_t *v, int64_t n, int w, int shape)
{
    uint32_t max = w == 0 ? 0 : w == 32 ? UINT32_MAX : (1u << w) - 1;
    for (int64_t i = 0; i < n; i++) {
        switch (shape) {
        case 0: v[i] = (uint32_t)((i / 100) % 2) * max; break;
        case 1: v[i] = (uint32_t)rnd_bits(w); break;
        case 2: v[i] = (uint32_t)((i / (1 + rnd() % 12)) % 3) & max; break;
        default: v[i] = (i & 1) ? max : 0;
        }
    }
}

static void test_rle_round_trip_all_widths_random(void **state)
{
    (void)state;
    rng_state = 2;
    for (int w = 0; w <= 32; w++) {
        for (size_t c = 0; c < DC_ARRAY_LEN(counts); c++) {
            for (int shape = 0; shape < 4; shape++) {
                int64_t n = counts[c];
                uint32_t *v = malloc((size_t)(n + 1) * 4), *back = malloc((size_t)(n + 1) * 4);
                fill_levels(v, n, w, shape);
                dc_bytes b;
                dc_bytes_init(&b);
                DC_ASSERT_OK(dc_pq_rle_encode(&b, v, n, w, NULL));
                assert_true(b.size <= dc_pq_rle_max_size(n, w));
                uint8_t *in = dup_exact(b.data, b.size);
                dc_pq_rle_decoder d;
                DC_ASSERT_OK(dc_pq_rle_decoder_init(&d, in, b.size, w, NULL));
                /* in uneven pieces */
                for (int64_t got = 0; got < n;) {
                    int64_t r = (int64_t)(1 + rnd() % 37);
                    int64_t k = DC_MIN(n - got, r);
                    DC_ASSERT_OK(dc_pq_rle_decode(&d, back + got, k, NULL));
                    got += k;
                }
                assert_memory_equal(v, back, (size_t)n * 4);
                free(in);
                /* prefixed and dictionary variants */
                b.size = 0;
                DC_ASSERT_OK(dc_pq_rle_encode_prefixed(&b, v, n, w, NULL));
                int64_t used;
                DC_ASSERT_OK(dc_pq_rle_decoder_init_prefixed(&d, b.data, b.size, w, &used, NULL));
                assert_int_equal(used, b.size);
                DC_ASSERT_OK(dc_pq_rle_decode(&d, back, n, NULL));
                assert_memory_equal(v, back, (size_t)n * 4);
                b.size = 0;
                DC_ASSERT_OK(dc_pq_dict_indices_encode(&b, v, n, w, NULL));
                assert_int_equal(b.data[0], w);
                DC_ASSERT_OK(dc_pq_dict_decoder_init(&d, b.data, b.size, NULL));
                if (w < 32)
                    DC_ASSERT_OK(dc_pq_rle_decode_checked(&d, back, n, 1u << w, NULL));
                else
                    DC_ASSERT_OK(dc_pq_rle_decode(&d, back, n, NULL));
                assert_memory_equal(v, back, (size_t)n * 4);
                dc_bytes_free(&b);
                free(v);
                free(back);
            }
        }
    }
}

static void test_rle_long_runs_use_few_bytes(void **state)
{
    (void)state;
    int64_t n = 100000;
    uint32_t *v = calloc((size_t)n, 4), *back = malloc((size_t)n * 4);
    for (int64_t i = 50000; i < n; i++)
        v[i] = 1;
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_rle_encode(&b, v, n, 1, NULL));
    assert_true(b.size <= 8);
    dc_pq_rle_decoder d;
    DC_ASSERT_OK(dc_pq_rle_decoder_init(&d, b.data, b.size, 1, NULL));
    DC_ASSERT_OK(dc_pq_rle_decode(&d, back, n, NULL));
    assert_memory_equal(v, back, (size_t)n * 4);
    dc_bytes_free(&b);
    free(v);
    free(back);
}

static void test_rle_bit_width_zero_with_no_data_reads_zeros(void **state)
{
    (void)state;
    dc_pq_rle_decoder d;
    uint32_t out[20];
    memset(out, 0xff, sizeof out);
    DC_ASSERT_OK(dc_pq_rle_decoder_init(&d, NULL, 0, 0, NULL));
    DC_ASSERT_OK(dc_pq_rle_decode(&d, out, 20, NULL));
    for (int i = 0; i < 20; i++)
        assert_int_equal(out[i], 0);
    /* width > 0 and no data: corrupt */
    dc_error err;
    DC_ASSERT_OK(dc_pq_rle_decoder_init(&d, NULL, 0, 1, NULL));
    assert_int_equal(dc_pq_rle_decode(&d, out, 1, &err), DC_ECORRUPT);
    assert_non_null(strstr(err.message, "ends after 0 of the 1"));
    DC_ASSERT_OK(dc_pq_rle_decode(&d, out, 0, NULL)); /* nothing wanted: fine */
}

static void test_rle_corrupt_inputs_fail_cleanly(void **state)
{
    (void)state;
    dc_pq_rle_decoder d;
    dc_error err;
    uint32_t out[64];
    assert_int_equal(dc_pq_rle_decoder_init(&d, NULL, 0, 33, &err), DC_ECORRUPT);
    assert_int_equal(dc_pq_rle_decoder_init(&d, NULL, 0, -1, &err), DC_ECORRUPT);
    const uint8_t w33[] = {33, 0};
    assert_int_equal(dc_pq_dict_decoder_init(&d, w33, 2, &err), DC_ECORRUPT);
    assert_int_equal(dc_pq_dict_decoder_init(&d, w33, 0, &err), DC_ECORRUPT);
    struct {
        uint8_t bytes[16];
        int len, width;
    } cases[] = {
        {{0x80}, 1, 3},                            /* truncated header */
        {{0x02}, 1, 9},                            /* RLE value (2 bytes) missing */
        {{0x02, 0x08}, 2, 3},                      /* RLE value 8 wider than 3 bits */
        {{0x03}, 1, 3},                            /* bit-packed run without bytes */
        {{0xff, 0xff, 0xff, 0xff, 0x7f}, 5, 4},    /* bit-packed run of 2^34 values, no bytes */
        {{0xfe, 0xff, 0xff, 0xff, 0x7f, 1}, 6, 1}, /* RLE run longer than 2^31-1 */
        {{0x05, 0xff}, 2, 8},                      /* 2 groups declared, 1 byte: 1 value only */
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        uint8_t *in = dup_exact(cases[i].bytes, cases[i].len);
        DC_ASSERT_OK(dc_pq_rle_decoder_init(&d, in, cases[i].len, cases[i].width, NULL));
        dc_error_clear(&err);
        assert_int_equal(dc_pq_rle_decode(&d, out, 16, &err), DC_ECORRUPT);
        assert_true(strlen(err.message) > 0);
        free(in);
    }
    /* dictionary index out of range */
    const uint32_t idx[] = {0, 1, 2, 3, 4, 5, 6, 7};
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_dict_indices_encode(&b, idx, 8, 3, NULL));
    DC_ASSERT_OK(dc_pq_dict_decoder_init(&d, b.data, b.size, NULL));
    assert_int_equal(dc_pq_rle_decode_checked(&d, out, 8, 7, &err), DC_ECORRUPT);
    assert_non_null(strstr(err.message, "value 7"));
    /* the encoder rejects values wider than the width */
    dc_error_clear(&err);
    assert_int_equal(dc_pq_rle_encode(&b, idx, 8, 2, &err), DC_EINVALID);
    assert_int_equal(dc_pq_rle_encode(&b, idx, 8, 33, &err), DC_EINVALID);
    dc_bytes_free(&b);
}

/* Every truncation of a valid encoding either fails or yields the original values. */
static void test_rle_every_truncation_fails_or_is_exact(void **state)
{
    (void)state;
    rng_state = 3;
    int64_t n = 300;
    uint32_t v[300], back[300];
    fill_levels(v, n, 5, 2);
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_rle_encode(&b, v, n, 5, NULL));
    for (int64_t cut = 0; cut < b.size; cut++) {
        uint8_t *in = dup_exact(b.data, cut);
        dc_pq_rle_decoder d;
        DC_ASSERT_OK(dc_pq_rle_decoder_init(&d, in, cut, 5, NULL));
        dc_status rc = dc_pq_rle_decode(&d, back, n, NULL);
        if (rc == DC_OK)
            assert_memory_equal(v, back, sizeof v);
        else
            assert_int_equal(rc, DC_ECORRUPT);
        free(in);
    }
    dc_bytes_free(&b);
}

static void test_rle_decode_bits_into_bitmap(void **state)
{
    (void)state;
    uint32_t v[2000];
    rng_state = 4;
    for (int i = 0; i < 2000; i++)
        v[i] = (i % 300 < 150) ? 1 : (uint32_t)(rnd() & 1);
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_rle_encode_prefixed(&b, v, 2000, 1, NULL));
    dc_pq_rle_decoder d;
    int64_t used;
    DC_ASSERT_OK(dc_pq_rle_decoder_init_prefixed(&d, b.data, b.size, 1, &used, NULL));
    uint8_t bits[260] = {0};
    DC_ASSERT_OK(dc_pq_rle_decode_bits(&d, bits, 3, 2000, NULL));
    for (int i = 0; i < 2000; i++)
        assert_int_equal(dc_bit_get(bits, 3 + i), v[i]);
    dc_bytes_free(&b);
}

/* ---- PLAIN --------------------------------------------------------------------------------------
 */

static void test_plain_fixed_round_trip_every_width(void **state)
{
    (void)state;
    rng_state = 5;
    const int32_t widths[] = {4, 8, 12, 1, 3, 16, 33};
    for (size_t wi = 0; wi < DC_ARRAY_LEN(widths); wi++) {
        for (size_t c = 0; c < DC_ARRAY_LEN(counts); c++) {
            int32_t w = widths[wi];
            int64_t n = counts[c];
            uint8_t *v = malloc((size_t)(n * w + 1)), *back = malloc((size_t)(n * w + 1));
            for (int64_t i = 0; i < n * w; i++)
                v[i] = (uint8_t)rnd();
            dc_bytes b;
            dc_bytes_init(&b);
            DC_ASSERT_OK(dc_pq_plain_encode_fixed(&b, v, n, w, NULL));
            assert_int_equal(b.size, n * w);
            uint8_t *in = dup_exact(b.data, b.size);
            int64_t used = -1;
            DC_ASSERT_OK(dc_pq_plain_decode_fixed(in, b.size, n, w, back, &used, NULL));
            assert_int_equal(used, n * w);
            assert_memory_equal(v, back, (size_t)(n * w));
            if (n > 0) {
                dc_error err;
                assert_int_equal(dc_pq_plain_decode_fixed(in, b.size - 1, n, w, back, &used, &err),
                                 DC_ECORRUPT);
            }
            free(in);
            dc_bytes_free(&b);
            free(v);
            free(back);
        }
    }
    /* INT64 edge values are bytes as they are */
    const int64_t e[] = {INT64_MIN, INT64_MAX, 0, -1};
    int64_t back[4];
    DC_ASSERT_OK(dc_pq_plain_decode_fixed((const uint8_t *)e, 32, 4, 8, back, NULL, NULL));
    assert_memory_equal(e, back, 32);
    dc_error err;
    assert_int_equal(
        dc_pq_plain_decode_fixed((const uint8_t *)e, 32, INT64_MAX, 8, back, NULL, &err),
        DC_EINVALID);
}

static void test_plain_bool_round_trip_with_offsets(void **state)
{
    (void)state;
    rng_state = 6;
    uint8_t src[40], dst[40];
    for (int i = 0; i < 40; i++)
        src[i] = (uint8_t)rnd();
    for (int64_t n = 0; n < 200; n += 13) {
        dc_bytes b;
        dc_bytes_init(&b);
        DC_ASSERT_OK(dc_pq_plain_encode_bool(&b, src, 5, n, NULL));
        assert_int_equal(b.size, (n + 7) / 8);
        uint8_t *in = dup_exact(b.data, b.size);
        memset(dst, 0, sizeof dst);
        DC_ASSERT_OK(dc_pq_plain_decode_bool(in, b.size, 0, n, dst, 2, NULL));
        for (int64_t i = 0; i < n; i++)
            assert_int_equal(dc_bit_get(dst, 2 + i), dc_bit_get(src, 5 + i));
        /* reading the second half from a bit position */
        if (n >= 2) {
            DC_ASSERT_OK(dc_pq_plain_decode_bool(in, b.size, n / 2, n - n / 2, dst, 0, NULL));
            for (int64_t i = 0; i < n - n / 2; i++)
                assert_int_equal(dc_bit_get(dst, i), dc_bit_get(src, 5 + n / 2 + i));
            dc_error err;
            assert_int_equal(dc_pq_plain_decode_bool(in, b.size, 8, n, dst, 0, &err), DC_ECORRUPT);
        }
        free(in);
        dc_bytes_free(&b);
    }
}

/* Build Arrow-style offsets/data for n random strings (length 0..maxlen) with shared prefixes. */
static void make_strings(int64_t n, int maxlen, int32_t **offs, uint8_t **data)
{
    *offs = malloc((size_t)(n + 1) * 4);
    *data = malloc((size_t)(n * maxlen + 1));
    (*offs)[0] = 0;
    int32_t pos = 0;
    for (int64_t i = 0; i < n; i++) {
        int len = maxlen ? (int)(rnd() % (uint64_t)(maxlen + 1)) : 0;
        int keep = 0;
        if (i > 0 && (rnd() & 1)) { /* share a prefix with the previous string */
            int plen = (*offs)[i] - (*offs)[i - 1];
            keep = DC_MIN(plen, len);
            memmove(*data + pos, *data + (*offs)[i - 1], (size_t)keep);
        }
        for (int k = keep; k < len; k++)
            (*data)[pos + k] = (uint8_t)('a' + rnd() % 4);
        pos += len;
        (*offs)[i + 1] = pos;
    }
}

static void assert_strings(const int32_t *offs, const uint8_t *data, int64_t n, int32_t base,
                           const int32_t *ends, const dc_bytes *out)
{
    int32_t prev = base;
    for (int64_t i = 0; i < n; i++) {
        int32_t len = offs[i + 1] - offs[i];
        assert_int_equal(ends[i] - prev, len);
        if (len)
            assert_memory_equal(out->data + prev, data + offs[i], (size_t)len);
        prev = ends[i];
    }
    assert_int_equal(out->size, prev);
}

static void test_plain_byte_array_round_trip(void **state)
{
    (void)state;
    rng_state = 7;
    for (size_t c = 0; c < DC_ARRAY_LEN(counts); c++) {
        int64_t n = counts[c];
        int32_t *offs;
        uint8_t *data;
        make_strings(n, c % 2 ? 0 : 20, &offs, &data);
        dc_bytes b, out;
        dc_bytes_init(&b);
        dc_bytes_init(&out);
        DC_ASSERT_OK(dc_pq_plain_encode_binary(&b, offs, data, n, NULL));
        assert_int_equal(b.size, 4 * n + offs[n]);
        uint8_t *in = dup_exact(b.data, b.size);
        int32_t *ends = malloc((size_t)(n + 1) * 4);
        DC_ASSERT_OK(dc_bytes_append(&out, "xyz", 3)); /* appends after existing bytes */
        int64_t used = -1;
        DC_ASSERT_OK(dc_pq_plain_decode_binary(in, b.size, n, ends, &out, &used, NULL));
        assert_int_equal(used, b.size);
        assert_strings(offs, data, n, 3, ends, &out);
        /* 64-bit offsets encode the same bytes */
        int64_t *o64 = malloc((size_t)(n + 1) * 8);
        for (int64_t i = 0; i <= n; i++)
            o64[i] = offs[i];
        dc_bytes b2;
        dc_bytes_init(&b2);
        DC_ASSERT_OK(dc_pq_plain_encode_binary64(&b2, o64, data, n, NULL));
        assert_int_equal(b2.size, b.size);
        if (b.size)
            assert_memory_equal(b2.data, b.data, (size_t)b.size);
        /* every truncation fails */
        for (int64_t cut = 0; n > 0 && cut < b.size; cut += 1 + cut / 7) {
            int64_t before = out.size;
            dc_error err;
            assert_int_equal(dc_pq_plain_decode_binary(in, cut, n, ends, &out, NULL, &err),
                             DC_ECORRUPT);
            assert_int_equal(out.size, before);
        }
        dc_bytes_free(&b2);
        free(o64);
        free(ends);
        free(in);
        dc_bytes_free(&b);
        dc_bytes_free(&out);
        free(offs);
        free(data);
    }
}

static void test_plain_byte_array_corrupt_length(void **state)
{
    (void)state;
    const uint8_t enc[] = {2, 0, 0, 0, 'h', 'i', 0xff, 0xff, 0xff, 0x7f, 'x'};
    uint8_t *in = dup_exact(enc, sizeof enc);
    int32_t ends[2];
    dc_bytes out;
    dc_bytes_init(&out);
    dc_error err;
    assert_int_equal(dc_pq_plain_decode_binary(in, sizeof enc, 2, ends, &out, NULL, &err),
                     DC_ECORRUPT);
    assert_non_null(strstr(err.message, "value 1"));
    DC_ASSERT_OK(dc_pq_plain_decode_binary(in, sizeof enc, 1, ends, &out, NULL, NULL));
    assert_int_equal(ends[0], 2);
    assert_memory_equal(out.data, "hi", 2);
    dc_bytes_free(&out);
    free(in);
}

/* ---- BYTE_STREAM_SPLIT -------------------------------------------------------------------------
 */

static void test_bss_decodes_spec_example(void **state)
{
    (void)state;
    const uint8_t enc[] = {0xAA, 0x00, 0xA3, 0xBB, 0x11, 0xB4, 0xCC, 0x22, 0xC5, 0xDD, 0x33, 0xD6};
    const uint8_t want[] = {0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x11, 0x22, 0x33, 0xA3, 0xB4, 0xC5, 0xD6};
    uint8_t *in = dup_exact(enc, 12);
    uint8_t out[12];
    DC_ASSERT_OK(dc_pq_bss_decode(in, 12, 4, 0, 3, out, NULL));
    assert_memory_equal(out, want, 12);
    DC_ASSERT_OK(dc_pq_bss_decode(in, 12, 4, 1, 2, out, NULL));
    assert_memory_equal(out, want + 4, 8);
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_bss_encode(&b, want, 3, 4, NULL));
    assert_memory_equal(b.data, enc, 12);
    dc_error err;
    assert_int_equal(dc_pq_bss_decode(in, 11, 4, 0, 2, out, &err), DC_ECORRUPT);
    assert_int_equal(dc_pq_bss_decode(in, 12, 4, 2, 2, out, &err), DC_ECORRUPT);
    assert_int_equal(dc_pq_bss_decode(in, 12, 4, 4, 0, out, &err), DC_ECORRUPT);
    dc_bytes_free(&b);
    free(in);
}

static void test_bss_round_trip_every_type(void **state)
{
    (void)state;
    rng_state = 8;
    const int32_t widths[] = {4, 8, 2, 3, 16};
    for (size_t wi = 0; wi < DC_ARRAY_LEN(widths); wi++) {
        for (size_t c = 0; c < DC_ARRAY_LEN(counts); c++) {
            int32_t w = widths[wi];
            int64_t n = counts[c];
            uint8_t *v = malloc((size_t)(n * w + 1)), *back = malloc((size_t)(n * w + 1));
            for (int64_t i = 0; i < n * w; i++)
                v[i] = (uint8_t)rnd();
            if (w == 8 && n >= 2) { /* doubles incl. edge bit patterns */
                const double d[2] = {-0.0, 1e308};
                memcpy(v, d, 16);
            }
            dc_bytes b;
            dc_bytes_init(&b);
            DC_ASSERT_OK(dc_pq_bss_encode(&b, v, n, w, NULL));
            uint8_t *in = dup_exact(b.data, b.size);
            DC_ASSERT_OK(dc_pq_bss_decode(in, b.size, w, 0, n, back, NULL));
            assert_memory_equal(v, back, (size_t)(n * w));
            free(in);
            dc_bytes_free(&b);
            free(v);
            free(back);
        }
    }
}

/* ---- DELTA_BINARY_PACKED ------------------------------------------------------------------------
 */

/* Encodings.md example 1: 1 2 3 4 5, block 8, 1 miniblock: header 8 1 5 1, min delta 1, width 0. */
static void test_delta_decodes_spec_example_1(void **state)
{
    (void)state;
    const uint8_t enc[] = {8, 1, 5, 2 /* zigzag(1) */, 2 /* zigzag(1) */, 0};
    uint8_t *in = dup_exact(enc, sizeof enc);
    dc_pq_delta_decoder d;
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, in, sizeof enc, false, NULL));
    assert_int_equal(dc_pq_delta_total(&d), 5);
    int64_t out[5];
    DC_ASSERT_OK(dc_pq_delta_decode64(&d, out, 5, NULL));
    for (int i = 0; i < 5; i++)
        assert_int_equal(out[i], i + 1);
    int64_t end;
    DC_ASSERT_OK(dc_pq_delta_finish(&d, &end, NULL));
    assert_int_equal(end, sizeof enc);
    free(in);
}

/* Example 2: 7 5 3 1 2 3 4 5: min delta -2, width 2, relative deltas 0 0 0 3 3 3 3 (+pad). */
static void test_delta_decodes_spec_example_2(void **state)
{
    (void)state;
    const uint8_t enc[] = {8, 1, 8, 14 /* zigzag(7) */, 3 /* zigzag(-2) */, 2, 0xC0, 0x3F};
    uint8_t *in = dup_exact(enc, sizeof enc);
    dc_pq_delta_decoder d;
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, in, sizeof enc, true, NULL));
    int32_t out[8];
    DC_ASSERT_OK(dc_pq_delta_decode32(&d, out, 3, NULL)); /* in two calls */
    DC_ASSERT_OK(dc_pq_delta_decode32(&d, out + 3, 5, NULL));
    const int32_t want[] = {7, 5, 3, 1, 2, 3, 4, 5};
    assert_memory_equal(out, want, sizeof want);
    int64_t end;
    DC_ASSERT_OK(dc_pq_delta_finish(&d, &end, NULL));
    assert_int_equal(end, sizeof enc);
    dc_error err;
    assert_int_equal(dc_pq_delta_decode32(&d, out, 1, &err), DC_ECORRUPT); /* none left */
    free(in);
}

static void delta_round_trip64(const int64_t *v, int64_t n)
{
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_delta_encode64(&b, v, n, NULL));
    uint8_t *in = dup_exact(b.data, b.size);
    int64_t *back = malloc((size_t)(n + 1) * 8);
    dc_pq_delta_decoder d;
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, in, b.size, false, NULL));
    assert_int_equal(dc_pq_delta_total(&d), n);
    for (int64_t got = 0; got < n;) {
        int64_t r = (int64_t)(1 + rnd() % 70);
        int64_t k = DC_MIN(n - got, r);
        DC_ASSERT_OK(dc_pq_delta_decode64(&d, back + got, k, NULL));
        got += k;
    }
    assert_memory_equal(v, back, (size_t)n * 8);
    int64_t end;
    DC_ASSERT_OK(dc_pq_delta_finish(&d, &end, NULL));
    assert_int_equal(end, b.size);
    /* finish without decoding finds the same end */
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, in, b.size, false, NULL));
    DC_ASSERT_OK(dc_pq_delta_finish(&d, &end, NULL));
    assert_int_equal(end, b.size);
    /* every truncation fails (the decoder needs every value's bytes) */
    for (int64_t cut = 0; n > 1 && cut < b.size; cut += 1 + cut / 5) {
        uint8_t *t = dup_exact(b.data, cut);
        dc_status rc = dc_pq_delta_decoder_init(&d, t, cut, false, NULL);
        if (rc == DC_OK)
            rc = dc_pq_delta_decode64(&d, back, n, NULL);
        if (rc == DC_OK) /* only trailing padding was cut */
            assert_memory_equal(v, back, (size_t)n * 8);
        else
            assert_int_equal(rc, DC_ECORRUPT);
        free(t);
    }
    free(back);
    free(in);
    dc_bytes_free(&b);
}

static void delta_round_trip32(const int32_t *v, int64_t n)
{
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_delta_encode32(&b, v, n, NULL));
    uint8_t *in = dup_exact(b.data, b.size);
    int32_t *back = malloc((size_t)(n + 1) * 4);
    dc_pq_delta_decoder d;
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, in, b.size, true, NULL));
    for (int64_t got = 0; got < n;) {
        int64_t r = (int64_t)(1 + rnd() % 70);
        int64_t k = DC_MIN(n - got, r);
        DC_ASSERT_OK(dc_pq_delta_decode32(&d, back + got, k, NULL));
        got += k;
    }
    assert_memory_equal(v, back, (size_t)n * 4);
    int64_t end;
    DC_ASSERT_OK(dc_pq_delta_finish(&d, &end, NULL));
    assert_int_equal(end, b.size);
    free(back);
    free(in);
    dc_bytes_free(&b);
}

static void test_delta_round_trip_int64_random_and_edges(void **state)
{
    (void)state;
    rng_state = 9;
    for (size_t c = 0; c < DC_ARRAY_LEN(counts); c++) {
        int64_t n = counts[c];
        int64_t *v = malloc((size_t)(n + 1) * 8);
        for (int shape = 0; shape < 5; shape++) {
            for (int64_t i = 0; i < n; i++) {
                switch (shape) {
                case 0: v[i] = (int64_t)rnd(); break;                      /* full width */
                case 1: v[i] = 1000 + i * 3 + (int64_t)(rnd() % 5); break; /* sorted */
                case 2: v[i] = (i & 1) ? INT64_MAX : INT64_MIN; break;     /* width 64 */
                case 3: v[i] = 42; break;                                  /* width 0 */
                default: v[i] = (int64_t)(rnd() % 100) - 50;
                }
            }
            delta_round_trip64(v, n);
        }
        free(v);
    }
}

static void test_delta_width_64_is_used_for_extreme_deltas(void **state)
{
    (void)state;
    const int64_t v[] = {INT64_MIN, INT64_MAX, INT64_MIN, 0, INT64_MAX};
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_delta_encode64(&b, v, 5, NULL));
    /* header: 128 (2 bytes) 4 5 zigzag(INT64_MIN) (10 bytes), then min delta (10 bytes), widths */
    int64_t pos = 0;
    uint64_t u;
    for (int i = 0; i < 5; i++)
        assert_true(dc_pq_uleb_read(b.data, b.size, &pos, &u));
    assert_int_equal(b.data[pos], 64);
    dc_bytes_free(&b);
    rng_state = 10;
    delta_round_trip64(v, 5);
}

static void test_delta_round_trip_int32_random_and_edges(void **state)
{
    (void)state;
    rng_state = 11;
    for (size_t c = 0; c < DC_ARRAY_LEN(counts); c++) {
        int64_t n = counts[c];
        int32_t *v = malloc((size_t)(n + 1) * 4);
        for (int shape = 0; shape < 4; shape++) {
            for (int64_t i = 0; i < n; i++) {
                switch (shape) {
                case 0: v[i] = (int32_t)rnd(); break;
                case 1: v[i] = (i & 1) ? INT32_MAX : INT32_MIN; break;
                case 2: v[i] = (int32_t)i; break;
                default: v[i] = -7;
                }
            }
            delta_round_trip32(v, n);
        }
        free(v);
    }
}

static void test_delta_corrupt_headers_and_blocks_fail(void **state)
{
    (void)state;
    dc_pq_delta_decoder d;
    dc_error err;
    int32_t out[16];
    struct {
        uint8_t bytes[16];
        int len;
        bool init_fails;
    } cases[] = {
        {{0x80, 1}, 2, true},                 /* truncated header */
        {{0, 1, 5, 2}, 4, true},              /* block size 0 */
        {{8, 0, 5, 2}, 4, true},              /* no miniblocks */
        {{8, 3, 5, 2}, 4, true},              /* 3 does not divide 8 */
        {{12, 3, 5, 2}, 4, true},             /* miniblocks of 4 values */
        {{8, 1, 5, 2}, 4, false},             /* blocks missing */
        {{8, 1, 5, 2, 2}, 5, false},          /* widths missing */
        {{8, 1, 5, 2, 2, 33}, 6, false},      /* width 33 for INT32 */
        {{8, 1, 5, 2, 2, 8, 1, 2}, 8, false}, /* body cut off */
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        uint8_t *in = dup_exact(cases[i].bytes, cases[i].len);
        dc_status rc = dc_pq_delta_decoder_init(&d, in, cases[i].len, true, &err);
        if (cases[i].init_fails) {
            assert_int_equal(rc, DC_ECORRUPT);
        } else {
            assert_int_equal(rc, DC_OK);
            assert_int_equal(dc_pq_delta_decode32(&d, out, 5, &err), DC_ECORRUPT);
            DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, in, cases[i].len, true, NULL));
            assert_int_equal(dc_pq_delta_finish(&d, NULL, &err), DC_ECORRUPT);
        }
        free(in);
    }
    /* more values wanted than declared */
    const uint8_t ok[] = {8, 1, 2, 2, 2, 0};
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, ok, sizeof ok, true, NULL));
    assert_int_equal(dc_pq_delta_decode32(&d, out, 3, &err), DC_ECORRUPT);
    /* a huge declared count with no blocks: decoding fails, nothing is allocated */
    const uint8_t huge[] = {0x80, 0x01, 1, 0xff, 0xff, 0xff, 0xff, 0x0f, 0};
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, huge, sizeof huge, false, NULL));
    assert_int_equal(dc_pq_delta_finish(&d, NULL, &err), DC_ECORRUPT);
}

/* ---- DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY
 * ---------------------------------------------------- */

static void test_delta_length_spec_example(void **state)
{
    (void)state;
    const char *s = "HelloWorldFoobarABCDEF";
    const int32_t offs[] = {0, 5, 10, 16, 22};
    dc_bytes b, out;
    dc_bytes_init(&b);
    dc_bytes_init(&out);
    DC_ASSERT_OK(dc_pq_delta_length_encode(&b, offs, (const uint8_t *)s, 4, NULL));
    /* DeltaEncoding(5, 5, 6, 6) then the bytes back to back */
    assert_memory_equal(b.data + b.size - 22, s, 22);
    dc_pq_delta_decoder d;
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, b.data, b.size - 22, true, NULL));
    int32_t lens[4];
    DC_ASSERT_OK(dc_pq_delta_decode32(&d, lens, 4, NULL));
    assert_int_equal(lens[0], 5);
    assert_int_equal(lens[3], 6);
    uint8_t *in = dup_exact(b.data, b.size);
    int32_t ends[4];
    int64_t used;
    DC_ASSERT_OK(dc_pq_delta_length_decode(in, b.size, 4, ends, &out, &used, NULL));
    assert_int_equal(used, b.size);
    assert_strings(offs, (const uint8_t *)s, 4, 0, ends, &out);
    dc_error err;
    assert_int_equal(dc_pq_delta_length_decode(in, b.size - 1, 4, ends, &out, &used, &err),
                     DC_ECORRUPT);
    assert_int_equal(dc_pq_delta_length_decode(in, b.size, 3, ends, &out, &used, &err),
                     DC_ECORRUPT); /* count mismatch */
    free(in);
    dc_bytes_free(&b);
    dc_bytes_free(&out);
}

static void test_delta_byte_array_spec_example(void **state)
{
    (void)state;
    const char *s = "axisaxlebabblebabyhood";
    const int32_t offs[] = {0, 4, 8, 14, 22};
    dc_bytes b, out;
    dc_bytes_init(&b);
    dc_bytes_init(&out);
    DC_ASSERT_OK(dc_pq_delta_byte_array_encode(&b, offs, (const uint8_t *)s, 4, NULL));
    /* prefix lengths 0 2 0 3, suffix lengths 4 2 6 5, suffixes "axislebabbleyhood" */
    assert_memory_equal(b.data + b.size - 17, "axislebabbleyhood", 17);
    dc_pq_delta_decoder d;
    int32_t v[4];
    int64_t end;
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, b.data, b.size, true, NULL));
    DC_ASSERT_OK(dc_pq_delta_decode32(&d, v, 4, NULL));
    const int32_t pre[] = {0, 2, 0, 3}, suf[] = {4, 2, 6, 5};
    assert_memory_equal(v, pre, 16);
    DC_ASSERT_OK(dc_pq_delta_finish(&d, &end, NULL));
    DC_ASSERT_OK(dc_pq_delta_decoder_init(&d, b.data + end, b.size - end, true, NULL));
    DC_ASSERT_OK(dc_pq_delta_decode32(&d, v, 4, NULL));
    assert_memory_equal(v, suf, 16);
    uint8_t *in = dup_exact(b.data, b.size);
    int32_t ends[4];
    int64_t used;
    DC_ASSERT_OK(dc_pq_delta_byte_array_decode(in, b.size, 4, -1, ends, &out, &used, NULL));
    assert_int_equal(used, b.size);
    assert_strings(offs, (const uint8_t *)s, 4, 0, ends, &out);
    dc_error err;
    assert_int_equal(dc_pq_delta_byte_array_decode(in, b.size, 4, 4, ends, &out, &used, &err),
                     DC_ECORRUPT); /* not all 4 bytes long */
    for (int64_t cut = 0; cut < b.size; cut++)
        assert_int_equal(dc_pq_delta_byte_array_decode(in, cut, 4, -1, ends, &out, &used, &err),
                         DC_ECORRUPT);
    free(in);
    dc_bytes_free(&b);
    dc_bytes_free(&out);
}

static void test_delta_byte_arrays_round_trip_random(void **state)
{
    (void)state;
    rng_state = 12;
    for (size_t c = 0; c < DC_ARRAY_LEN(counts); c++) {
        int64_t n = counts[c];
        int32_t *offs;
        uint8_t *data;
        make_strings(n, c % 3 ? 12 : 0, &offs, &data);
        int32_t *ends = malloc((size_t)(n + 1) * 4);
        for (int kind = 0; kind < 2; kind++) {
            dc_bytes b, out;
            dc_bytes_init(&b);
            dc_bytes_init(&out);
            if (kind == 0)
                DC_ASSERT_OK(dc_pq_delta_length_encode(&b, offs, data, n, NULL));
            else
                DC_ASSERT_OK(dc_pq_delta_byte_array_encode(&b, offs, data, n, NULL));
            uint8_t *in = dup_exact(b.data, b.size);
            DC_ASSERT_OK(dc_bytes_append(&out, "Q", 1));
            int64_t used;
            if (kind == 0)
                DC_ASSERT_OK(dc_pq_delta_length_decode(in, b.size, n, ends, &out, &used, NULL));
            else
                DC_ASSERT_OK(
                    dc_pq_delta_byte_array_decode(in, b.size, n, -1, ends, &out, &used, NULL));
            assert_int_equal(used, b.size);
            assert_strings(offs, data, n, 1, ends, &out);
            free(in);
            dc_bytes_free(&b);
            dc_bytes_free(&out);
        }
        free(ends);
        free(offs);
        free(data);
    }
}

static void test_delta_byte_array_fixed_len_and_bad_prefix(void **state)
{
    (void)state;
    const char *s = "abcdabceabff";
    const int32_t offs[] = {0, 4, 8, 12};
    dc_bytes b, out;
    dc_bytes_init(&b);
    dc_bytes_init(&out);
    DC_ASSERT_OK(dc_pq_delta_byte_array_encode(&b, offs, (const uint8_t *)s, 3, NULL));
    int32_t ends[3];
    DC_ASSERT_OK(dc_pq_delta_byte_array_decode(b.data, b.size, 3, 4, ends, &out, NULL, NULL));
    assert_strings(offs, (const uint8_t *)s, 3, 0, ends, &out);
    /* hand-made: prefixes 1, 0 (first value takes a prefix of nothing) */
    dc_bytes h;
    dc_bytes_init(&h);
    const int32_t pre[] = {1, 0}, suf[] = {1, 1};
    DC_ASSERT_OK(dc_pq_delta_encode32(&h, pre, 2, NULL));
    DC_ASSERT_OK(dc_pq_delta_encode32(&h, suf, 2, NULL));
    DC_ASSERT_OK(dc_bytes_append(&h, "ab", 2));
    dc_error err;
    assert_int_equal(dc_pq_delta_byte_array_decode(h.data, h.size, 2, -1, ends, &out, NULL, &err),
                     DC_ECORRUPT);
    assert_non_null(strstr(err.message, "prefix"));
    /* negative suffix length */
    h.size = 0;
    const int32_t pre2[] = {0, 0}, neg[] = {1, -1};
    DC_ASSERT_OK(dc_pq_delta_encode32(&h, pre2, 2, NULL));
    DC_ASSERT_OK(dc_pq_delta_encode32(&h, neg, 2, NULL));
    DC_ASSERT_OK(dc_bytes_append(&h, "ab", 2));
    assert_int_equal(dc_pq_delta_byte_array_decode(h.data, h.size, 2, -1, ends, &out, NULL, &err),
                     DC_ECORRUPT);
    dc_bytes_free(&h);
    dc_bytes_free(&b);
    dc_bytes_free(&out);
}

/* ---- dictionary
 * ---------------------------------------------------------------------------------------- */

static void test_dictionary_indices_and_gathers(void **state)
{
    (void)state;
    rng_state = 13;
    const char *dict = "redgreenblue";
    const int32_t doffs[] = {0, 3, 8, 12};
    const int64_t dvals[] = {-5, 77, INT64_MAX};
    uint32_t idx[500], back[500];
    for (int i = 0; i < 500; i++)
        idx[i] = (uint32_t)(i < 100 ? 2 : rnd() % 3);
    dc_bytes b, out;
    dc_bytes_init(&b);
    dc_bytes_init(&out);
    DC_ASSERT_OK(dc_pq_dict_indices_encode(&b, idx, 500, 2, NULL));
    dc_pq_rle_decoder d;
    DC_ASSERT_OK(dc_pq_dict_decoder_init(&d, b.data, b.size, NULL));
    DC_ASSERT_OK(dc_pq_rle_decode_checked(&d, back, 500, 3, NULL));
    assert_memory_equal(idx, back, sizeof idx);
    int64_t vals[500];
    dc_pq_dict_gather_fixed(vals, dvals, 8, back, 500);
    int32_t ends[500];
    DC_ASSERT_OK(
        dc_pq_dict_gather_binary(ends, &out, doffs, (const uint8_t *)dict, back, 500, NULL));
    int32_t prev = 0;
    for (int i = 0; i < 500; i++) {
        assert_true(vals[i] == dvals[idx[i]]);
        assert_int_equal(ends[i] - prev, doffs[idx[i] + 1] - doffs[idx[i]]);
        assert_memory_equal(out.data + prev, dict + doffs[idx[i]], (size_t)(ends[i] - prev));
        prev = ends[i];
    }
    dc_bytes_free(&b);
    dc_bytes_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uleb_and_zigzag_round_trip),
        cmocka_unit_test(test_pack_unpack_every_width),
        cmocka_unit_test(test_rle_decodes_spec_bitpacking_example),
        cmocka_unit_test(test_bitpacked_msb_decodes_spec_example),
        cmocka_unit_test(test_rle_rle_run_and_prefixed_length),
        cmocka_unit_test(test_rle_round_trip_all_widths_random),
        cmocka_unit_test(test_rle_long_runs_use_few_bytes),
        cmocka_unit_test(test_rle_bit_width_zero_with_no_data_reads_zeros),
        cmocka_unit_test(test_rle_corrupt_inputs_fail_cleanly),
        cmocka_unit_test(test_rle_every_truncation_fails_or_is_exact),
        cmocka_unit_test(test_rle_decode_bits_into_bitmap),
        cmocka_unit_test(test_plain_fixed_round_trip_every_width),
        cmocka_unit_test(test_plain_bool_round_trip_with_offsets),
        cmocka_unit_test(test_plain_byte_array_round_trip),
        cmocka_unit_test(test_plain_byte_array_corrupt_length),
        cmocka_unit_test(test_bss_decodes_spec_example),
        cmocka_unit_test(test_bss_round_trip_every_type),
        cmocka_unit_test(test_delta_decodes_spec_example_1),
        cmocka_unit_test(test_delta_decodes_spec_example_2),
        cmocka_unit_test(test_delta_round_trip_int64_random_and_edges),
        cmocka_unit_test(test_delta_width_64_is_used_for_extreme_deltas),
        cmocka_unit_test(test_delta_round_trip_int32_random_and_edges),
        cmocka_unit_test(test_delta_corrupt_headers_and_blocks_fail),
        cmocka_unit_test(test_delta_length_spec_example),
        cmocka_unit_test(test_delta_byte_array_spec_example),
        cmocka_unit_test(test_delta_byte_arrays_round_trip_random),
        cmocka_unit_test(test_delta_byte_array_fixed_len_and_bad_prefix),
        cmocka_unit_test(test_dictionary_indices_and_gathers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
