/*
 * test_parquet_codec.c: Parquet page codecs (codec_int.h): round trips of
 * every supported codec over empty, tiny, random and compressible data; exact
 * expected sizes enforced both ways; truncated data rejected; multi-member
 * gzip; Hadoop-framed LZ4 with several blocks and chunks, and the raw-block
 * fallback; the CRC-32 check value.
 */
#include "testutil.h"

#include "formats/parquet/codec_int.h"

#include <lz4.h>
#include <stdlib.h>

static const int32_t codecs[] = {DC_PQCODEC_UNCOMPRESSED, DC_PQCODEC_SNAPPY, DC_PQCODEC_GZIP,
                                 DC_PQCODEC_BROTLI,       DC_PQCODEC_LZ4,    DC_PQCODEC_ZSTD,
                                 DC_PQCODEC_LZ4_RAW};

static uint64_t rng_state;
static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* n bytes: kind 0 random, 1 compressible text-like, 2 all zeros. */
static uint8_t *make_data(int64_t n, int kind)
{
    uint8_t *p = malloc((size_t)(n > 0 ? n : 1));
    for (int64_t i = 0; i < n; i++)
        p[i] = kind == 0   ? (uint8_t)rnd()
               : kind == 1 ? (uint8_t)("parquet,"[i % 8] + (i / 1000) % 3)
                           : 0;
    return p;
}

static uint8_t *dup_exact(const uint8_t *p, int64_t n)
{
    uint8_t *q = malloc((size_t)(n > 0 ? n : 1));
    if (n > 0)
        memcpy(q, p, (size_t)n);
    return q;
}

static void test_every_codec_round_trips(void **state)
{
    (void)state;
    rng_state = 1;
    const int64_t sizes[] = {0, 1, 17, 1000, 70000, 600000};
    dc_pq_codec_ctx *ctx = NULL;
    DC_ASSERT_OK(dc_pq_codec_ctx_new(&ctx, NULL));
    for (size_t c = 0; c < DC_ARRAY_LEN(codecs); c++) {
        for (size_t s = 0; s < DC_ARRAY_LEN(sizes); s++) {
            for (int kind = 0; kind < 3; kind++) {
                int64_t n = sizes[s];
                uint8_t *src = make_data(n, kind);
                dc_bytes b;
                dc_bytes_init(&b);
                DC_ASSERT_OK(dc_bytes_append(&b, "hdr", 3)); /* compress appends */
                /* with and without a context */
                DC_ASSERT_OK(dc_pq_compress(c % 2 ? ctx : NULL, codecs[c], 0, src, n, &b, NULL));
                if (kind == 2 && n >= 70000 && codecs[c] != DC_PQCODEC_UNCOMPRESSED)
                    assert_true(b.size < n / 10);
                uint8_t *in = dup_exact(b.data + 3, b.size - 3);
                uint8_t *out = malloc((size_t)(n > 0 ? n : 1));
                DC_ASSERT_OK(dc_pq_decompress(ctx, codecs[c], in, b.size - 3, out, n, NULL));
                if (n)
                    assert_memory_equal(src, out, (size_t)n);
                DC_ASSERT_OK(dc_pq_decompress(NULL, codecs[c], in, b.size - 3, out, n, NULL));
                free(out);
                free(in);
                dc_bytes_free(&b);
                free(src);
            }
        }
    }
    dc_pq_codec_ctx_free(ctx);
}

/* A head (levels) and a body (values) compressed as one SNAPPY stream without being
 * joined: heads of every literal-tag length form (1 byte, then 1..3 length bytes), bodies
 * empty, random, compressible, over snappy's 64 KiB fragment; the stream decompresses to
 * head || body, and the bytes before *start are left alone. */
static void test_snappy_pair_is_the_stream_of_head_then_body(void **state)
{
    (void)state;
    rng_state = 7;
    const int64_t heads[] = {0, 1, 59, 60, 61, 255, 256, 257, 65536, 65537, 70000};
    const int64_t bodies[] = {0, 1, 1000, 200000};
    for (size_t h = 0; h < DC_ARRAY_LEN(heads); h++)
        for (size_t bi = 0; bi < DC_ARRAY_LEN(bodies); bi++)
            for (int kind = 0; kind < 2; kind++) {
                int64_t hn = heads[h], n = bodies[bi];
                uint8_t *head = make_data(hn, 1 - kind), *body = make_data(n, kind);
                dc_bytes b;
                dc_bytes_init(&b);
                DC_ASSERT_OK(dc_bytes_append(&b, "hdr", 3));
                int64_t start = -1;
                DC_ASSERT_OK(dc_pq_snappy_compress_pair(head, hn, body, n, &b, &start, NULL));
                assert_true(start >= 3 && start < b.size);
                assert_memory_equal(b.data, "hdr", 3);
                uint8_t *in = dup_exact(b.data + start, b.size - start);
                uint8_t *out = malloc((size_t)(hn + n + 1));
                DC_ASSERT_OK(dc_pq_decompress(NULL, DC_PQCODEC_SNAPPY, in, b.size - start, out,
                                              hn + n, NULL));
                if (hn)
                    assert_memory_equal(out, head, (size_t)hn);
                if (n)
                    assert_memory_equal(out + hn, body, (size_t)n);
                free(out);
                free(in);
                dc_bytes_free(&b);
                free(head);
                free(body);
            }
}

static void test_levels_are_honoured(void **state)
{
    (void)state;
    rng_state = 2;
    uint8_t *src = make_data(200000, 1);
    const struct {
        int32_t codec;
        int level;
    } cases[] = {{DC_PQCODEC_ZSTD, 1},   {DC_PQCODEC_ZSTD, 19}, {DC_PQCODEC_ZSTD, -5},
                 {DC_PQCODEC_GZIP, 1},   {DC_PQCODEC_GZIP, 9},  {DC_PQCODEC_BROTLI, 1},
                 {DC_PQCODEC_BROTLI, 11}};
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_bytes b;
        dc_bytes_init(&b);
        DC_ASSERT_OK(dc_pq_compress(NULL, cases[i].codec, cases[i].level, src, 200000, &b, NULL));
        uint8_t *out = malloc(200000);
        DC_ASSERT_OK(dc_pq_decompress(NULL, cases[i].codec, b.data, b.size, out, 200000, NULL));
        assert_memory_equal(src, out, 200000);
        free(out);
        dc_bytes_free(&b);
    }
    dc_bytes b;
    dc_bytes_init(&b);
    dc_error err;
    assert_int_equal(dc_pq_compress(NULL, DC_PQCODEC_GZIP, 10, src, 10, &b, &err), DC_EINVALID);
    assert_int_equal(dc_pq_compress(NULL, DC_PQCODEC_BROTLI, 12, src, 10, &b, &err), DC_EINVALID);
    assert_int_equal(b.size, 0);
    dc_bytes_free(&b);
    free(src);
}

static void test_wrong_expected_size_is_rejected(void **state)
{
    (void)state;
    rng_state = 3;
    int64_t n = 5000;
    uint8_t *src = make_data(n, 1);
    uint8_t *out = malloc((size_t)n + 1);
    for (size_t c = 0; c < DC_ARRAY_LEN(codecs); c++) {
        dc_bytes b;
        dc_bytes_init(&b);
        DC_ASSERT_OK(dc_pq_compress(NULL, codecs[c], 0, src, n, &b, NULL));
        uint8_t *in = dup_exact(b.data, b.size);
        dc_error err;
        dc_error_clear(&err);
        assert_int_equal(dc_pq_decompress(NULL, codecs[c], in, b.size, out, n - 1, &err),
                         DC_ECORRUPT);
        assert_non_null(strstr(err.message, dc_pq_codec_name(codecs[c])));
        assert_int_equal(dc_pq_decompress(NULL, codecs[c], in, b.size, out, n + 1, &err),
                         DC_ECORRUPT);
        assert_int_equal(dc_pq_decompress(NULL, codecs[c], in, b.size, out, 0, &err), DC_ECORRUPT);
        free(in);
        dc_bytes_free(&b);
    }
    free(out);
    free(src);
}

static void test_truncated_and_garbage_inputs_are_rejected(void **state)
{
    (void)state;
    rng_state = 4;
    int64_t n = 3000;
    uint8_t *src = make_data(n, 0);
    memset(src + 1000, 'a', 1000);
    uint8_t *out = malloc((size_t)n);
    dc_pq_codec_ctx *ctx = NULL;
    DC_ASSERT_OK(dc_pq_codec_ctx_new(&ctx, NULL));
    for (size_t c = 0; c < DC_ARRAY_LEN(codecs); c++) {
        dc_bytes b;
        dc_bytes_init(&b);
        DC_ASSERT_OK(dc_pq_compress(NULL, codecs[c], 0, src, n, &b, NULL));
        for (int64_t cut = 0; cut < b.size; cut += 1 + cut / 3) {
            uint8_t *in = dup_exact(b.data, cut);
            dc_error err;
            dc_status rc = dc_pq_decompress(ctx, codecs[c], in, cut, out, n, &err);
            assert_int_equal(rc, DC_ECORRUPT);
            free(in);
        }
        /* random garbage of the compressed size: rejected or (never) equal output */
        for (int t = 0; t < 20; t++) {
            uint8_t *g = make_data(b.size, 0);
            dc_status rc = dc_pq_decompress(ctx, codecs[c], g, b.size, out, n, NULL);
            if (codecs[c] != DC_PQCODEC_UNCOMPRESSED)
                assert_int_equal(rc, DC_ECORRUPT);
            free(g);
        }
        dc_bytes_free(&b);
    }
    dc_pq_codec_ctx_free(ctx);
    free(out);
    free(src);
}

static void test_gzip_reads_multi_member_streams(void **state)
{
    (void)state;
    rng_state = 5;
    int64_t n = 100000;
    uint8_t *src = make_data(n, 1);
    dc_bytes b;
    dc_bytes_init(&b);
    /* three members: 40000 + 0 + 60000 bytes */
    DC_ASSERT_OK(dc_pq_compress(NULL, DC_PQCODEC_GZIP, 0, src, 40000, &b, NULL));
    DC_ASSERT_OK(dc_pq_compress(NULL, DC_PQCODEC_GZIP, 0, src, 0, &b, NULL));
    DC_ASSERT_OK(dc_pq_compress(NULL, DC_PQCODEC_GZIP, 0, src + 40000, 60000, &b, NULL));
    uint8_t *in = dup_exact(b.data, b.size);
    uint8_t *out = malloc((size_t)n);
    dc_pq_codec_ctx *ctx = NULL;
    DC_ASSERT_OK(dc_pq_codec_ctx_new(&ctx, NULL));
    for (int rep = 0; rep < 3; rep++) { /* the context's inflate state is reused */
        DC_ASSERT_OK(dc_pq_decompress(ctx, DC_PQCODEC_GZIP, in, b.size, out, n, NULL));
        assert_memory_equal(src, out, (size_t)n);
    }
    dc_error err;
    assert_int_equal(dc_pq_decompress(ctx, DC_PQCODEC_GZIP, in, b.size, out, 40000, &err),
                     DC_ECORRUPT);
    assert_non_null(strstr(err.message, "more bytes"));
    /* trailing garbage after the last member */
    DC_ASSERT_OK(dc_bytes_append(&b, "junk", 4));
    assert_int_equal(dc_pq_decompress(ctx, DC_PQCODEC_GZIP, b.data, b.size, out, n, &err),
                     DC_ECORRUPT);
    dc_pq_codec_ctx_free(ctx);
    free(out);
    free(in);
    dc_bytes_free(&b);
    free(src);
}

static void put_be32(dc_bytes *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    DC_ASSERT_OK(dc_bytes_append(b, p, 4));
}

/* Append one LZ4 block of src[0..n) preceded by its big-endian compressed size. */
static void put_chunk(dc_bytes *b, const uint8_t *src, int n)
{
    int cap = LZ4_compressBound(n);
    char *tmp = malloc((size_t)cap);
    int c = LZ4_compress_default((const char *)src, tmp, n, cap);
    assert_true(c > 0);
    put_be32(b, (uint32_t)c);
    DC_ASSERT_OK(dc_bytes_append(b, tmp, c));
    free(tmp);
}

static void test_lz4_hadoop_frames_with_several_blocks_and_chunks(void **state)
{
    (void)state;
    rng_state = 6;
    int64_t n = 700000;
    uint8_t *src = make_data(n, 1);
    uint8_t *out = malloc((size_t)n);
    /* our writer: several 256 KiB blocks */
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_compress(NULL, DC_PQCODEC_LZ4, 0, src, n, &b, NULL));
    assert_int_equal((b.data[0] << 24 | b.data[1] << 16 | b.data[2] << 8 | b.data[3]), 256 << 10);
    DC_ASSERT_OK(dc_pq_decompress(NULL, DC_PQCODEC_LZ4, b.data, b.size, out, n, NULL));
    assert_memory_equal(src, out, (size_t)n);
    /* hand-made: block 1 of 1000 bytes in two chunks (600 + 400), block 2 of 500 in one */
    b.size = 0;
    put_be32(&b, 1000);
    put_chunk(&b, src, 600);
    put_chunk(&b, src + 600, 400);
    put_be32(&b, 500);
    put_chunk(&b, src + 1000, 500);
    uint8_t *in = dup_exact(b.data, b.size);
    DC_ASSERT_OK(dc_pq_decompress(NULL, DC_PQCODEC_LZ4, in, b.size, out, 1500, NULL));
    assert_memory_equal(src, out, 1500);
    dc_error err;
    assert_int_equal(dc_pq_decompress(NULL, DC_PQCODEC_LZ4, in, b.size, out, 1499, &err),
                     DC_ECORRUPT);
    assert_int_equal(dc_pq_decompress(NULL, DC_PQCODEC_LZ4, in, b.size - 1, out, 1500, &err),
                     DC_ECORRUPT);
    free(in);
    /* a raw LZ4 block (as older Arrow wrote for LZ4) is read by the fallback */
    b.size = 0;
    DC_ASSERT_OK(dc_pq_compress(NULL, DC_PQCODEC_LZ4_RAW, 0, src, 5000, &b, NULL));
    DC_ASSERT_OK(dc_pq_decompress(NULL, DC_PQCODEC_LZ4, b.data, b.size, out, 5000, NULL));
    assert_memory_equal(src, out, 5000);
    dc_bytes_free(&b);
    free(out);
    free(src);
}

static void test_unsupported_codecs_and_bad_sizes(void **state)
{
    (void)state;
    uint8_t buf[8] = {0};
    dc_bytes b;
    dc_bytes_init(&b);
    dc_error err;
    assert_int_equal(dc_pq_decompress(NULL, DC_PQCODEC_LZO, buf, 8, buf, 8, &err), DC_EUNSUPPORTED);
    assert_non_null(strstr(err.message, "LZO"));
    assert_int_equal(dc_pq_decompress(NULL, 99, buf, 8, buf, 8, &err), DC_EUNSUPPORTED);
    assert_int_equal(dc_pq_compress(NULL, DC_PQCODEC_LZO, 0, buf, 8, &b, &err), DC_EUNSUPPORTED);
    assert_int_equal(dc_pq_decompress(NULL, DC_PQCODEC_ZSTD, buf, -1, buf, 8, &err), DC_ECORRUPT);
    assert_int_equal(dc_pq_decompress(NULL, DC_PQCODEC_UNCOMPRESSED, buf, 8, buf, 7, &err),
                     DC_ECORRUPT);
    assert_string_equal(dc_pq_codec_name(DC_PQCODEC_LZ4_RAW), "LZ4_RAW");
    assert_string_equal(dc_pq_codec_name(-3), "UNKNOWN");
    assert_false(dc_pq_codec_supported(DC_PQCODEC_LZO));
    assert_true(dc_pq_codec_supported(DC_PQCODEC_BROTLI));
    /* a snappy header declaring a huge size is refused before anything is written */
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
    assert_int_equal(dc_pq_decompress(NULL, DC_PQCODEC_SNAPPY, huge, 6, buf, 8, &err), DC_ECORRUPT);
    dc_bytes_free(&b);
}

static void test_crc32_matches_the_check_value(void **state)
{
    (void)state;
    const char *s = "123456789";
    assert_int_equal(dc_pq_crc32(0, (const uint8_t *)s, 9), 0xCBF43926u);
    uint32_t c = dc_pq_crc32(0, (const uint8_t *)s, 4);
    assert_int_equal(dc_pq_crc32(c, (const uint8_t *)s + 4, 5), 0xCBF43926u);
    assert_int_equal(dc_pq_crc32(0, NULL, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_codec_round_trips),
        cmocka_unit_test(test_snappy_pair_is_the_stream_of_head_then_body),
        cmocka_unit_test(test_levels_are_honoured),
        cmocka_unit_test(test_wrong_expected_size_is_rejected),
        cmocka_unit_test(test_truncated_and_garbage_inputs_are_rejected),
        cmocka_unit_test(test_gzip_reads_multi_member_streams),
        cmocka_unit_test(test_lz4_hadoop_frames_with_several_blocks_and_chunks),
        cmocka_unit_test(test_unsupported_codecs_and_bad_sizes),
        cmocka_unit_test(test_crc32_matches_the_check_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
