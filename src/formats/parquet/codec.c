/*
 * codec.c: Parquet page codecs over Debian's libraries: snappy (C API),
 * zlib (GZIP; decompression reads multi-member gzip and zlib streams), zstd,
 * liblz4 (LZ4_RAW blocks; the deprecated LZ4 codec as Hadoop-framed blocks
 * with a fallback to one raw block, as parquet-mr and Arrow read it), brotli.
 *
 * Every decompressor writes into the caller's buffer of the expected size and
 * checks it produced exactly that; the libraries are all bounds-checked
 * against both the input and the output capacity.
 */
#include "formats/parquet/codec_int.h"
#include "formats/parquet/encoding_int.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <inttypes.h>
#include <limits.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* Hadoop LZ4 framing: blocks of at most this many uncompressed bytes when writing. */
#define DC_LZ4_HADOOP_BLOCK ((int64_t)256 << 10)

struct dc_pq_codec_ctx {
    ZSTD_DCtx *zd;
    ZSTD_CCtx *zc;
    z_stream inf;
    bool inf_ready;
};

const char *dc_pq_codec_name(int32_t codec)
{
    switch (codec) {
    case DC_PQCODEC_UNCOMPRESSED: return "UNCOMPRESSED";
    case DC_PQCODEC_SNAPPY: return "SNAPPY";
    case DC_PQCODEC_GZIP: return "GZIP";
    case DC_PQCODEC_LZO: return "LZO";
    case DC_PQCODEC_BROTLI: return "BROTLI";
    case DC_PQCODEC_LZ4: return "LZ4";
    case DC_PQCODEC_ZSTD: return "ZSTD";
    case DC_PQCODEC_LZ4_RAW: return "LZ4_RAW";
    default: return "UNKNOWN";
    }
}

bool dc_pq_codec_supported(int32_t codec)
{
    return codec >= DC_PQCODEC_UNCOMPRESSED && codec <= DC_PQCODEC_LZ4_RAW &&
           codec != DC_PQCODEC_LZO;
}

dc_status dc_pq_codec_ctx_new(dc_pq_codec_ctx **out, dc_error *err)
{
    *out = dc_calloc(1, sizeof(dc_pq_codec_ctx));
    if (!*out)
        return dc_error_nomem(err);
    return DC_OK;
}

void dc_pq_codec_ctx_free(dc_pq_codec_ctx *ctx)
{
    if (!ctx)
        return;
    ZSTD_freeDCtx(ctx->zd);
    ZSTD_freeCCtx(ctx->zc);
    if (ctx->inf_ready)
        inflateEnd(&ctx->inf);
    dc_free(ctx);
}

static dc_status corrupt(dc_error *err, int32_t codec, const char *what, int64_t in_len,
                         int64_t out_len)
{
    return dc_error_set(err, DC_ECORRUPT,
                        "%s page data (%" PRId64 " bytes, %" PRId64
                        " expected uncompressed): %s; the file is corrupt",
                        dc_pq_codec_name(codec), in_len, out_len, what);
}

/* ---- GZIP ------------------------------------------------------------------------------------ */

static dc_status gzip_decompress(dc_pq_codec_ctx *ctx, const uint8_t *in, int64_t in_len,
                                 uint8_t *out, int64_t out_len, dc_error *err)
{
    z_stream *s = &ctx->inf;
    if (!ctx->inf_ready) {
        memset(s, 0, sizeof *s);
        if (inflateInit2(s, 15 + 32) != Z_OK) /* +32: gzip or zlib header */
            return dc_error_nomem(err);
        ctx->inf_ready = true;
    } else if (inflateReset2(s, 15 + 32) != Z_OK) {
        return dc_error_set(err, DC_EINTERNAL, "zlib inflateReset2 failed");
    }
    s->next_in = (Bytef *)(uintptr_t)in;
    s->avail_in = (uInt)in_len;
    s->next_out = out;
    s->avail_out = (uInt)out_len;
    uint8_t spare = 0;
    bool over = false;
    for (;;) {
        if (s->avail_out == 0 && !over) { /* full: any further byte is one too many */
            over = true;
            s->next_out = &spare;
            s->avail_out = 1;
        }
        int ret = inflate(s, Z_NO_FLUSH);
        if (over && s->avail_out == 0)
            return corrupt(err, DC_PQCODEC_GZIP, "decompresses to more bytes than expected", in_len,
                           out_len);
        if (ret == Z_STREAM_END) {
            if (s->avail_in == 0)
                break;
            if (inflateReset(s) != Z_OK) /* the next member of a multi-member stream */
                return dc_error_set(err, DC_EINTERNAL, "zlib inflateReset failed");
            continue;
        }
        if (ret == Z_OK)
            continue;
        if (ret == Z_MEM_ERROR)
            return dc_error_nomem(err);
        if (ret == Z_BUF_ERROR && s->avail_in == 0)
            return corrupt(err, DC_PQCODEC_GZIP, "the stream is truncated", in_len, out_len);
        return corrupt(err, DC_PQCODEC_GZIP, s->msg ? s->msg : "invalid deflate data", in_len,
                       out_len);
    }
    int64_t produced = over ? out_len : (int64_t)(s->next_out - out);
    if (produced != out_len)
        return corrupt(err, DC_PQCODEC_GZIP, "decompresses to fewer bytes than expected", in_len,
                       out_len);
    return DC_OK;
}

static dc_status gzip_compress(int level, const uint8_t *in, int64_t in_len, dc_bytes *out,
                               dc_error *err)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    if (level == 0)
        level = 6;
    if (level < 1 || level > 9)
        return dc_error_set(err, DC_EINVALID, "GZIP level %d is not in 1..9", level);
    if (deflateInit2(&s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return dc_error_nomem(err);
    dc_status rc = DC_OK;
    uLong bound = deflateBound(&s, (uLong)in_len);
    if (dc_bytes_reserve(out, (int64_t)bound) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    s.next_in = (Bytef *)(uintptr_t)in;
    s.avail_in = (uInt)in_len;
    s.next_out = out->data + out->size;
    s.avail_out = (uInt)bound;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END) {
        rc = dc_error_set(err, DC_EINTERNAL, "zlib deflate did not finish");
        goto cleanup;
    }
    out->size += (int64_t)s.total_out;
cleanup:
    deflateEnd(&s);
    return rc;
}

/* ---- LZ4 ---------------------------------------------------------------------------------------
 */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/*
 * Hadoop's framing: blocks of <BE32 uncompressed size> then chunks of
 * <BE32 compressed size><LZ4 block> until the block's bytes are produced
 * (at least one chunk, so an empty page is <0><1><one-byte block>).
 * True when the whole input parses so and fills out exactly.
 */
static bool lz4_hadoop(const uint8_t *in, int64_t in_len, uint8_t *out, int64_t out_len)
{
    int64_t ip = 0, op = 0;
    if (in_len < 8)
        return false;
    while (ip < in_len) {
        if (in_len - ip < 4)
            return false;
        uint32_t usize = be32(in + ip);
        ip += 4;
        if ((int64_t)usize > out_len - op)
            return false;
        int64_t block_end = op + usize;
        do { /* at least one chunk per block, as Arrow writes an empty page */
            if (in_len - ip < 4)
                return false;
            uint32_t csize = be32(in + ip);
            ip += 4;
            if ((int64_t)csize > in_len - ip || csize > INT_MAX)
                return false;
            int r = LZ4_decompress_safe((const char *)in + ip, (char *)out + op, (int)csize,
                                        (int)(block_end - op));
            if (r < 0)
                return false;
            op += r;
            ip += csize;
        } while (op < block_end);
    }
    return op == out_len;
}

static dc_status lz4_raw_decompress(int32_t codec, const uint8_t *in, int64_t in_len, uint8_t *out,
                                    int64_t out_len, dc_error *err)
{
    int r = LZ4_decompress_safe((const char *)in, (char *)out, (int)in_len, (int)out_len);
    if (r < 0)
        return corrupt(err, codec,
                       "invalid LZ4 block (or it decompresses to more bytes than "
                       "expected)",
                       in_len, out_len);
    if (r != out_len)
        return corrupt(err, codec, "decompresses to fewer bytes than expected", in_len, out_len);
    return DC_OK;
}

static dc_status lz4_block_append(const uint8_t *in, int64_t in_len, dc_bytes *out,
                                  int64_t *written, dc_error *err)
{
    int bound = LZ4_compressBound((int)in_len);
    if (dc_bytes_reserve(out, bound) != DC_OK)
        return dc_error_nomem(err);
    int r =
        LZ4_compress_default((const char *)in, (char *)out->data + out->size, (int)in_len, bound);
    if (r <= 0 && in_len > 0)
        return dc_error_set(err, DC_EINTERNAL, "LZ4 compression failed");
    if (r <= 0) { /* empty input still makes a (one-byte) block */
        r = LZ4_compress_default("", (char *)out->data + out->size, 0, bound);
        if (r <= 0)
            return dc_error_set(err, DC_EINTERNAL, "LZ4 compression failed");
    }
    out->size += r;
    *written = r;
    return DC_OK;
}

static dc_status lz4_hadoop_compress(const uint8_t *in, int64_t in_len, dc_bytes *out,
                                     dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t pos = 0;
    do {
        int64_t n = DC_MIN(DC_LZ4_HADOOP_BLOCK, in_len - pos);
        int64_t hdr = out->size, written = 0;
        DC_TRY(dc_bytes_append_zeros(out, 8));
        DC_TRY(lz4_block_append(in + pos, n, out, &written, err));
        put_be32(out->data + hdr, (uint32_t)n);
        put_be32(out->data + hdr + 4, (uint32_t)written);
        pos += n;
    } while (pos < in_len);
cleanup:
    if (rc == DC_ENOMEM)
        dc_error_nomem(err);
    return rc;
}

/* ---- dispatch
 * ------------------------------------------------------------------------------------ */

dc_status dc_pq_decompress(dc_pq_codec_ctx *ctx, int32_t codec, const uint8_t *in, int64_t in_len,
                           uint8_t *out, int64_t out_len, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_pq_codec_ctx local;
    bool own = false;
    if (in_len < 0 || out_len < 0)
        return dc_error_set(err, DC_ECORRUPT, "%s page: negative size", dc_pq_codec_name(codec));
    if (!dc_pq_codec_supported(codec))
        return dc_error_set(err, DC_EUNSUPPORTED,
                            "compression codec %s (%" PRId32
                            ") is not supported; rewrite the file with SNAPPY, GZIP, ZSTD, "
                            "LZ4_RAW or BROTLI",
                            dc_pq_codec_name(codec), codec);
    if (in_len > INT_MAX || out_len > INT_MAX)
        return dc_error_set(err, DC_EUNSUPPORTED,
                            "%s page of %" PRId64 " -> %" PRId64 " bytes: pages over 2 GiB are "
                            "not supported",
                            dc_pq_codec_name(codec), in_len, out_len);
    if (codec == DC_PQCODEC_UNCOMPRESSED) {
        if (in_len != out_len)
            return corrupt(err, codec, "sizes differ", in_len, out_len);
        if (out_len > 0)
            memcpy(out, in, (size_t)out_len);
        return DC_OK;
    }
    if (in_len == 0 && out_len == 0)
        return DC_OK;
    if (!ctx) {
        memset(&local, 0, sizeof local);
        ctx = &local;
        own = true;
    }
    switch (codec) {
    case DC_PQCODEC_SNAPPY: {
        size_t ulen = 0;
        if (snappy_uncompressed_length((const char *)in, (size_t)in_len, &ulen) != SNAPPY_OK) {
            rc = corrupt(err, codec, "invalid snappy header", in_len, out_len);
            break;
        }
        if (ulen != (size_t)out_len) {
            rc = corrupt(err, codec, "stored uncompressed size differs", in_len, out_len);
            break;
        }
        if (snappy_uncompress((const char *)in, (size_t)in_len, (char *)out, &ulen) != SNAPPY_OK ||
            ulen != (size_t)out_len)
            rc = corrupt(err, codec, "invalid snappy data", in_len, out_len);
        break;
    }
    case DC_PQCODEC_GZIP: rc = gzip_decompress(ctx, in, in_len, out, out_len, err); break;
    case DC_PQCODEC_ZSTD: {
        if (!ctx->zd && !(ctx->zd = ZSTD_createDCtx())) {
            rc = dc_error_nomem(err);
            break;
        }
        size_t r = ZSTD_decompressDCtx(ctx->zd, out, (size_t)out_len, in, (size_t)in_len);
        if (ZSTD_isError(r))
            rc = corrupt(err, codec,
                         ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall
                             ? "decompresses to more bytes than expected"
                             : ZSTD_getErrorName(r),
                         in_len, out_len);
        else if (r != (size_t)out_len)
            rc = corrupt(err, codec, "decompresses to fewer bytes than expected", in_len, out_len);
        break;
    }
    case DC_PQCODEC_LZ4_RAW: rc = lz4_raw_decompress(codec, in, in_len, out, out_len, err); break;
    case DC_PQCODEC_LZ4:
        if (!lz4_hadoop(in, in_len, out, out_len))
            rc = lz4_raw_decompress(codec, in, in_len, out, out_len, err);
        break;
    case DC_PQCODEC_BROTLI: {
        size_t produced = (size_t)out_len;
        BrotliDecoderResult r = BrotliDecoderDecompress((size_t)in_len, in, &produced, out);
        if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
            rc = corrupt(err, codec, "decompresses to more bytes than expected", in_len, out_len);
        else if (r != BROTLI_DECODER_RESULT_SUCCESS)
            rc = corrupt(err, codec, "invalid or truncated brotli data", in_len, out_len);
        else if (produced != (size_t)out_len)
            rc = corrupt(err, codec, "decompresses to fewer bytes than expected", in_len, out_len);
        break;
    }
    default: rc = dc_error_set(err, DC_EINTERNAL, "codec %" PRId32 " not dispatched", codec);
    }
    if (own) {
        ZSTD_freeDCtx(local.zd);
        if (local.inf_ready)
            inflateEnd(&local.inf);
    }
    return rc;
}

dc_status dc_pq_compress(dc_pq_codec_ctx *ctx, int32_t codec, int level, const uint8_t *in,
                         int64_t in_len, dc_bytes *out, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t start = out->size;
    if (!dc_pq_codec_supported(codec))
        return dc_error_set(err, DC_EUNSUPPORTED,
                            "compression codec %s (%" PRId32 ") is not supported for writing",
                            dc_pq_codec_name(codec), codec);
    if (in_len < 0 || in_len > INT_MAX / 2)
        return dc_error_set(err, DC_EINVALID,
                            "%s: pages over 1 GiB are not supported (%" PRId64 " bytes)",
                            dc_pq_codec_name(codec), in_len);
    switch (codec) {
    case DC_PQCODEC_UNCOMPRESSED:
        if (in_len > 0 && dc_bytes_append(out, in, in_len) != DC_OK)
            rc = dc_error_nomem(err);
        break;
    case DC_PQCODEC_SNAPPY: {
        size_t cap = snappy_max_compressed_length((size_t)in_len);
        if (dc_bytes_reserve(out, (int64_t)cap) != DC_OK) {
            rc = dc_error_nomem(err);
            break;
        }
        if (snappy_compress((const char *)in, (size_t)in_len, (char *)out->data + out->size,
                            &cap) != SNAPPY_OK) {
            rc = dc_error_set(err, DC_EINTERNAL, "snappy compression failed");
            break;
        }
        out->size += (int64_t)cap;
        break;
    }
    case DC_PQCODEC_GZIP: rc = gzip_compress(level, in, in_len, out, err); break;
    case DC_PQCODEC_ZSTD: {
        ZSTD_CCtx *zc = ctx ? ctx->zc : NULL;
        if (!zc && !(zc = ZSTD_createCCtx())) {
            rc = dc_error_nomem(err);
            break;
        }
        if (ctx)
            ctx->zc = zc;
        size_t cap = ZSTD_compressBound((size_t)in_len);
        if (dc_bytes_reserve(out, (int64_t)cap) != DC_OK) {
            rc = dc_error_nomem(err);
        } else {
            size_t r = ZSTD_compressCCtx(zc, out->data + out->size, cap, in, (size_t)in_len,
                                         level == 0 ? 1 : level);
            if (ZSTD_isError(r))
                rc = dc_error_set(err, DC_EINVALID, "ZSTD compression failed: %s",
                                  ZSTD_getErrorName(r));
            else
                out->size += (int64_t)r;
        }
        if (!ctx)
            ZSTD_freeCCtx(zc);
        break;
    }
    case DC_PQCODEC_LZ4_RAW: {
        int64_t written;
        rc = lz4_block_append(in, in_len, out, &written, err);
        break;
    }
    case DC_PQCODEC_LZ4: rc = lz4_hadoop_compress(in, in_len, out, err); break;
    case DC_PQCODEC_BROTLI: {
        int q = level == 0 ? 8 : level;
        if (q < 0 || q > 11) {
            rc = dc_error_set(err, DC_EINVALID, "BROTLI level %d is not in 1..11", level);
            break;
        }
        size_t cap = BrotliEncoderMaxCompressedSize((size_t)in_len);
        if (cap == 0)
            cap = (size_t)in_len + 1024;
        if (dc_bytes_reserve(out, (int64_t)cap) != DC_OK) {
            rc = dc_error_nomem(err);
            break;
        }
        if (!BrotliEncoderCompress(q, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, (size_t)in_len,
                                   in, &cap, out->data + out->size)) {
            rc = dc_error_set(err, DC_EINTERNAL, "brotli compression failed");
            break;
        }
        out->size += (int64_t)cap;
        break;
    }
    default: rc = dc_error_set(err, DC_EINTERNAL, "codec %" PRId32 " not dispatched", codec);
    }
    if (rc != DC_OK)
        out->size = start;
    return rc;
}

/*
 * A snappy stream is the uncompressed length (varint) and then elements, literals and
 * copies, each copy reaching back into what the elements before it produced. The
 * elements of in's own stream only reach into in, so they stay valid after a literal
 * holding head: varint(|head| + |in|), literal(head), in's elements is the stream of
 * head || in, without head and in ever being contiguous.
 */
dc_status dc_pq_snappy_compress_pair(const uint8_t *head, int64_t head_len, const uint8_t *in,
                                     int64_t in_len, dc_bytes *out, int64_t *start, dc_error *err)
{
    if (head_len < 0 || in_len < 0 || head_len + in_len > INT_MAX / 2)
        return dc_error_set(err, DC_EINVALID,
                            "SNAPPY: pages over 1 GiB are not supported (%" PRId64 " bytes)",
                            head_len + in_len);
    /* room before in's stream: preamble (5), literal tag (5), head */
    int64_t room = 10 + head_len, base = out->size;
    size_t cap = snappy_max_compressed_length((size_t)in_len);
    if (dc_bytes_reserve(out, room + (int64_t)cap) != DC_OK)
        return dc_error_nomem(err);
    uint8_t *own = out->data + base + room;
    if (snappy_compress((const char *)in, (size_t)in_len, (char *)own, &cap) != SNAPPY_OK)
        return dc_error_set(err, DC_EINTERNAL, "snappy compression failed");
    int vl = 0;
    while (vl < 5 && (own[vl] & 0x80))
        vl++;
    vl++; /* in's preamble: dropped */
    uint8_t *p = own + vl;
    if (head_len > 0) {
        p -= head_len;
        memcpy(p, head, (size_t)head_len);
        uint32_t n1 = (uint32_t)(head_len - 1);
        uint8_t tag[5];
        int tl;
        if (n1 < 60) {
            tag[0] = (uint8_t)(n1 << 2);
            tl = 1;
        } else {
            int nb = n1 < (1u << 8) ? 1 : n1 < (1u << 16) ? 2 : n1 < (1u << 24) ? 3 : 4;
            tag[0] = (uint8_t)((59 + nb) << 2);
            for (int k = 0; k < nb; k++)
                tag[1 + k] = (uint8_t)(n1 >> (8 * k));
            tl = 1 + nb;
        }
        p -= tl;
        memcpy(p, tag, (size_t)tl);
    }
    uint8_t pre[10];
    int pl = dc_pq_uleb_put(pre, (uint64_t)(head_len + in_len)); /* snappy's length: a varint */
    p -= pl;
    memcpy(p, pre, (size_t)pl);
    *start = p - out->data;
    out->size = base + room + (int64_t)cap;
    return DC_OK;
}

uint32_t dc_pq_crc32(uint32_t crc, const uint8_t *data, int64_t n)
{
    uLong c = crc;
    while (n > 0) {
        uInt k = (uInt)DC_MIN(n, (int64_t)1 << 30);
        c = crc32(c, data, k);
        data += k;
        n -= k;
    }
    return (uint32_t)c;
}
