/*
 * codec_int.h: Parquet page compression (apache/parquet-format Compression.md)
 * and the page CRC.
 *
 * Codec numbers are the Thrift CompressionCodec values. Decompression is
 * always told the page's uncompressed size and must produce exactly that many
 * bytes into a caller buffer of that size: a size stored inside the compressed
 * data never sizes an allocation, and producing more or fewer bytes is
 * DC_ECORRUPT. A codec context keeps the zstd/zlib state between pages; it is
 * optional (NULL works, a little slower) and belongs to one thread.
 */
#ifndef DC_PQ_CODEC_INT_H
#define DC_PQ_CODEC_INT_H

#include "core/core_int.h"

typedef enum dc_pq_codec_id {
    DC_PQCODEC_UNCOMPRESSED = 0,
    DC_PQCODEC_SNAPPY = 1,
    DC_PQCODEC_GZIP = 2,
    DC_PQCODEC_LZO = 3, /* not supported: DC_EUNSUPPORTED */
    DC_PQCODEC_BROTLI = 4,
    DC_PQCODEC_LZ4 = 5, /* deprecated: Hadoop-framed LZ4 blocks (raw blocks also read) */
    DC_PQCODEC_ZSTD = 6,
    DC_PQCODEC_LZ4_RAW = 7,
} dc_pq_codec_id;

/* "SNAPPY", ... or "UNKNOWN"; never NULL. */
const char *dc_pq_codec_name(int32_t codec);
/* Whether this build reads and writes the codec. */
bool dc_pq_codec_supported(int32_t codec);

typedef struct dc_pq_codec_ctx dc_pq_codec_ctx;
dc_status dc_pq_codec_ctx_new(dc_pq_codec_ctx **out, dc_error *err);
void dc_pq_codec_ctx_free(dc_pq_codec_ctx *ctx); /* NULL-safe */

/*
 * Decompress in[0..in_len) into out[0..out_len), which it must fill exactly.
 * DC_ECORRUPT when the data is malformed or decompresses to another size,
 * DC_EUNSUPPORTED for LZO or unknown codecs, DC_ENOMEM. `out` holds garbage
 * on failure.
 */
dc_status dc_pq_decompress(dc_pq_codec_ctx *ctx, int32_t codec, const uint8_t *in, int64_t in_len,
                           uint8_t *out, int64_t out_len, dc_error *err);

/*
 * Append the compressed form of in[0..in_len) to `out`. `level` 0 picks the
 * codec's default (ZSTD 1, GZIP 6, BROTLI 8; ignored by the others). On
 * failure `out` keeps its previous size.
 */
dc_status dc_pq_compress(dc_pq_codec_ctx *ctx, int32_t codec, int level, const uint8_t *in,
                         int64_t in_len, dc_bytes *out, dc_error *err);

/*
 * Append the SNAPPY compressed form of head[0..head_len) || in[0..in_len) to `out`
 * without joining them (head, small, is stored as one literal): the stream is
 * out[*start .. out->size); the bytes before *start that were appended are scratch.
 */
dc_status dc_pq_snappy_compress_pair(const uint8_t *head, int64_t head_len, const uint8_t *in,
                                     int64_t in_len, dc_bytes *out, int64_t *start, dc_error *err);

/* zlib's CRC-32 of data[0..n) continuing from `crc` (0 to start): Parquet page CRCs. */
uint32_t dc_pq_crc32(uint32_t crc, const uint8_t *data, int64_t n);

#endif
