/*
 * encoding_int.h: Parquet value encodings (apache/parquet-format Encodings.md),
 * decoders and encoders over bounded byte ranges.
 *
 * Contract shared by every decoder here:
 *  - input is a byte range [in, in + in_len) that the decoder never reads past;
 *  - every length, width and count the data declares is checked against what is
 *    left of the range before it is used, and nothing is allocated from a count
 *    read out of the data (the caller's own counts, e.g. a page's value count,
 *    size the outputs);
 *  - a violation returns DC_ECORRUPT with a message naming the encoding, what was
 *    wrong and the byte offset inside the range; the reader prefixes it with the
 *    file, column and page (dc_error_prefix);
 *  - outputs are caller-provided arrays (or a dc_bytes that grows), so the reader
 *    decodes straight into Arrow buffers. On failure the outputs hold garbage
 *    (the caller discards them); a dc_bytes keeps its previous size.
 * Encoders append to a dc_bytes and fail only with DC_ENOMEM / DC_EINVALID.
 * Values are little-endian on the wire; the library assumes a little-endian host.
 */
#ifndef DC_PQ_ENCODING_INT_H
#define DC_PQ_ENCODING_INT_H

#include "core/core_int.h"

/* ---- ULEB128 / zigzag ------------------------------------------------------------ */

/*
 * Read a ULEB128 of at most 10 bytes at *pos (< len) into *out; advance *pos.
 * False when the bytes end first or the number does not fit 64 bits.
 */
static inline bool dc_pq_uleb_read(const uint8_t *in, int64_t len, int64_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    int64_t p = *pos;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= len)
            return false;
        uint8_t b = in[p++];
        if (shift == 63 && (b & 0x7e))
            return false;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *pos = p;
            *out = v;
            return true;
        }
    }
    return false;
}
static inline int64_t dc_pq_zigzag_decode(uint64_t v)
{
    return (int64_t)((v >> 1) ^ (~(v & 1) + 1));
}
static inline uint64_t dc_pq_zigzag_encode(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
/* Write a ULEB128 into buf (>= 10 bytes); returns the bytes written. */
static inline int dc_pq_uleb_put(uint8_t *buf, uint64_t v)
{
    int n = 0;
    while (v >= 0x80) {
        buf[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[n++] = (uint8_t)v;
    return n;
}
dc_status dc_pq_uleb_append(dc_bytes *out, uint64_t v);

/* ---- bit packing (LSB first, the RLE/bit-packing hybrid order) -------------------- */

/* Bytes that n values of `bit_width` bits occupy. */
static inline int64_t dc_pq_packed_bytes(int64_t n, int bit_width)
{
    return (int64_t)(((uint64_t)n * (uint64_t)bit_width + 7) / 8);
}
/*
 * Unpack n values of bit_width (0..32 / 0..64) bits from `in`, which holds
 * in_len >= dc_pq_packed_bytes(n, bit_width) bytes (the caller checks; this
 * reads nothing past in_len). Widths are specialised, 8 values at a time.
 */
void dc_pq_unpack32(uint32_t *out, const uint8_t *in, int64_t in_len, int64_t n, int bit_width);
void dc_pq_unpack64(uint64_t *out, const uint8_t *in, int64_t in_len, int64_t n, int bit_width);
/* Pack n values (each < 2^bit_width) into dc_pq_packed_bytes(n, w) bytes at `out`. */
void dc_pq_pack32(uint8_t *out, const uint32_t *in, int64_t n, int bit_width);
void dc_pq_pack64(uint8_t *out, const uint64_t *in, int64_t n, int bit_width);
/* Bits needed for v (0 for 0). */
static inline int dc_pq_bit_width32(uint32_t v)
{
    return v ? 32 - __builtin_clz(v) : 0;
}
static inline int dc_pq_bit_width64(uint64_t v)
{
    return v ? 64 - __builtin_clzll(v) : 0;
}

/* ---- RLE / bit-packing hybrid (RLE = 3, levels, dictionary indices) ---------------- */

/*
 * A streaming decoder of the hybrid over [data, data+len) with a fixed bit width
 * (0..32). Initialise, then take values in as many calls as wanted. With bit
 * width 0 every value is 0 and running out of runs is not an error (some
 * writers store nothing). A bit-packed run whose bytes end early is accepted up
 * to the values actually present (readers of other writers do the same).
 */
typedef struct dc_pq_rle_decoder {
    const uint8_t *data;
    int64_t len;
    int64_t pos; /* next header */
    int bit_width;
    uint32_t value;   /* current RLE run's value */
    int64_t rle_left; /* values left in the current RLE run */
    int64_t bp_left;  /* values left in the current bit-packed run (present bytes) */
    int64_t bp_pos;   /* byte of the next unconsumed group of 8 */
    uint32_t buf[8];  /* a partly consumed group */
    int buf_pos, buf_len;
} dc_pq_rle_decoder;

/* Start decoding the hybrid without a length prefix. DC_ECORRUPT if bit_width > 32. */
dc_status dc_pq_rle_decoder_init(dc_pq_rle_decoder *d, const uint8_t *data, int64_t len,
                                 int bit_width, dc_error *err);
/*
 * Start decoding the hybrid with its 4-byte little-endian length prefix (v1 data
 * page levels, RLE booleans). *consumed receives 4 + the declared length (the
 * bytes the levels occupy). DC_ECORRUPT when the prefix is missing or declares
 * more bytes than remain.
 */
dc_status dc_pq_rle_decoder_init_prefixed(dc_pq_rle_decoder *d, const uint8_t *data, int64_t len,
                                          int bit_width, int64_t *consumed, dc_error *err);
/*
 * Start decoding dictionary indices (PLAIN_DICTIONARY / RLE_DICTIONARY data):
 * one bit-width byte (<= 32) then the hybrid over the rest of the range.
 */
dc_status dc_pq_dict_decoder_init(dc_pq_rle_decoder *d, const uint8_t *data, int64_t len,
                                  dc_error *err);
/* Decode exactly n values into out. DC_ECORRUPT when the runs end first. */
dc_status dc_pq_rle_decode(dc_pq_rle_decoder *d, uint32_t *out, int64_t n, dc_error *err);
/*
 * Decode exactly n values and check each is < limit (dictionary size, or max
 * level + 1): DC_ECORRUPT naming the value otherwise.
 */
dc_status dc_pq_rle_decode_checked(dc_pq_rle_decoder *d, uint32_t *out, int64_t n, uint32_t limit,
                                   dc_error *err);
/* Decode n booleans (bit width 1) into bitmap `bits` from bit `bit_offset` on. */
dc_status dc_pq_rle_decode_bits(dc_pq_rle_decoder *d, uint8_t *bits, int64_t bit_offset, int64_t n,
                                dc_error *err);

/* Worst-case bytes dc_pq_rle_encode appends for n values of bit_width. */
int64_t dc_pq_rle_max_size(int64_t n, int bit_width);
/*
 * Append the hybrid encoding of values[0..n) (each < 2^bit_width, bit_width
 * 0..32): runs of 8 or more equal values as RLE runs, the rest bit-packed in
 * groups of 8 (the last group padded with zeros). DC_EINVALID if a value does
 * not fit the width.
 */
dc_status dc_pq_rle_encode(dc_bytes *out, const uint32_t *values, int64_t n, int bit_width,
                           dc_error *err);
/* The same preceded by the 4-byte little-endian length (v1 levels, RLE booleans). */
dc_status dc_pq_rle_encode_prefixed(dc_bytes *out, const uint32_t *values, int64_t n, int bit_width,
                                    dc_error *err);
/* Dictionary indices: the bit-width byte then the hybrid. */
dc_status dc_pq_dict_indices_encode(dc_bytes *out, const uint32_t *indices, int64_t n,
                                    int bit_width, dc_error *err);

/*
 * The deprecated BIT_PACKED (= 4) levels encoding: n values of bit_width
 * (0..32) packed most significant bit first. *consumed gets the bytes used.
 */
dc_status dc_pq_bitpacked_msb_decode(const uint8_t *in, int64_t in_len, int64_t n, int bit_width,
                                     uint32_t *out, int64_t *consumed, dc_error *err);

/* ---- PLAIN (= 0) --------------------------------------------------------------------- */

/*
 * Fixed-width values (INT32 4, INT64 8, INT96 12, FLOAT 4, DOUBLE 8,
 * FIXED_LEN_BYTE_ARRAY width): copy n * width bytes into out. *consumed
 * (optional) gets the bytes used. DC_ECORRUPT when fewer remain.
 */
dc_status dc_pq_plain_decode_fixed(const uint8_t *in, int64_t in_len, int64_t n, int32_t width,
                                   void *out, int64_t *consumed, dc_error *err);
dc_status dc_pq_plain_encode_fixed(dc_bytes *out, const void *values, int64_t n, int32_t width,
                                   dc_error *err);
/*
 * BOOLEAN: bit-packed LSB first. Read n bits from bit `in_bit` of the range into
 * bitmap `bits` from bit `bit_offset` on (callers decoding a page in pieces keep
 * the bit position).
 */
dc_status dc_pq_plain_decode_bool(const uint8_t *in, int64_t in_len, int64_t in_bit, int64_t n,
                                  uint8_t *bits, int64_t bit_offset, dc_error *err);
/* Append n booleans from bitmap `bits` (from bit `bit_offset`), padded to a byte. */
dc_status dc_pq_plain_encode_bool(dc_bytes *out, const uint8_t *bits, int64_t bit_offset, int64_t n,
                                  dc_error *err);
/*
 * BYTE_ARRAY: n values of a 4-byte length then the bytes. The bytes are
 * appended to `data`; ends[i] receives data->size after value i (so passing
 * &offsets[1] of an Arrow offsets array whose offsets[0] == data->size fills
 * it). *consumed (optional) gets the bytes used. DC_EINVALID when `data`
 * would pass INT32_MAX bytes (the caller starts a new array).
 */
dc_status dc_pq_plain_decode_binary(const uint8_t *in, int64_t in_len, int64_t n, int32_t *ends,
                                    dc_bytes *data, int64_t *consumed, dc_error *err);
/* Append n values given as Arrow offsets (n + 1 entries) into `data`. */
dc_status dc_pq_plain_encode_binary(dc_bytes *out, const int32_t *offsets, const uint8_t *data,
                                    int64_t n, dc_error *err);
dc_status dc_pq_plain_encode_binary64(dc_bytes *out, const int64_t *offsets, const uint8_t *data,
                                      int64_t n, dc_error *err);

/* ---- BYTE_STREAM_SPLIT (= 9) ------------------------------------------------------------ */

/*
 * The whole range is width streams of in_len / width bytes (DC_ECORRUPT unless
 * it divides exactly); decode values [start, start + n) into out (n * width
 * bytes). FLOAT/INT32 4, DOUBLE/INT64 8, FIXED_LEN_BYTE_ARRAY its width.
 */
dc_status dc_pq_bss_decode(const uint8_t *in, int64_t in_len, int32_t width, int64_t start,
                           int64_t n, void *out, dc_error *err);
dc_status dc_pq_bss_encode(dc_bytes *out, const void *values, int64_t n, int32_t width,
                           dc_error *err);

/* ---- DELTA_BINARY_PACKED (= 5) ----------------------------------------------------------- */

/*
 * A streaming decoder. Arithmetic wraps (unsigned), as the spec says; for INT32
 * the results are taken modulo 2^32 and miniblock widths above 32 are corrupt.
 * Miniblocks are unpacked 32 values at a time into `buf`.
 */
typedef struct dc_pq_delta_decoder {
    const uint8_t *data;
    int64_t len;
    int64_t pos; /* next unread byte (after the current miniblock's body) */
    bool is32;
    uint64_t block_size, n_mini, mini_size;
    int64_t total;       /* values the header declares */
    int64_t remaining;   /* values not yet returned */
    int64_t deltas_left; /* deltas not yet unpacked */
    uint64_t last;       /* last value returned (wrapping) */
    bool first_pending;  /* the header's first value not yet returned */
    uint64_t min_delta;
    int64_t widths_pos;  /* the current block's miniblock widths */
    uint64_t mini_index; /* current miniblock in the block; n_mini: block finished */
    int mini_width;
    int64_t mini_body;     /* byte of the current miniblock's body */
    int64_t mini_body_len; /* bytes present of it */
    uint64_t mini_done;    /* values of the current miniblock consumed */
    uint64_t buf[32];
    int buf_pos, buf_len;
} dc_pq_delta_decoder;

/* Read the header. DC_ECORRUPT when it is truncated or breaks the block rules. */
dc_status dc_pq_delta_decoder_init(dc_pq_delta_decoder *d, const uint8_t *data, int64_t len,
                                   bool is32, dc_error *err);
/* Values the header declares. */
static inline int64_t dc_pq_delta_total(const dc_pq_delta_decoder *d)
{
    return d->total;
}
/* Decode exactly n values (DC_ECORRUPT when fewer remain or the blocks end early). */
dc_status dc_pq_delta_decode32(dc_pq_delta_decoder *d, int32_t *out, int64_t n, dc_error *err);
dc_status dc_pq_delta_decode64(dc_pq_delta_decoder *d, int64_t *out, int64_t n, dc_error *err);
/*
 * Consume the rest of the values; *end gets the offset just past the encoded
 * data (where DELTA_LENGTH_BYTE_ARRAY's bytes start).
 */
dc_status dc_pq_delta_finish(dc_pq_delta_decoder *d, int64_t *end, dc_error *err);

/* Append the encoding of n values (block 128, 4 miniblocks of 32). */
dc_status dc_pq_delta_encode32(dc_bytes *out, const int32_t *values, int64_t n, dc_error *err);
dc_status dc_pq_delta_encode64(dc_bytes *out, const int64_t *values, int64_t n, dc_error *err);

/* ---- DELTA_LENGTH_BYTE_ARRAY (= 6) and DELTA_BYTE_ARRAY (= 7) ------------------------------ */

/*
 * Decode exactly n values (the lengths' header must declare n) from the whole
 * range: `ends` and `data` as for dc_pq_plain_decode_binary (ends is also the
 * scratch for the lengths: nothing is allocated but data's growth). *consumed
 * (optional) gets the bytes used.
 */
dc_status dc_pq_delta_length_decode(const uint8_t *in, int64_t in_len, int64_t n, int32_t *ends,
                                    dc_bytes *data, int64_t *consumed, dc_error *err);
dc_status dc_pq_delta_length_encode(dc_bytes *out, const int32_t *offsets, const uint8_t *data,
                                    int64_t n, dc_error *err);
/*
 * DELTA_BYTE_ARRAY: prefix lengths, then the suffixes as DELTA_LENGTH_BYTE_ARRAY;
 * value i is the first prefix[i] bytes of value i-1 followed by suffix i. When
 * fixed_len >= 0 (FIXED_LEN_BYTE_ARRAY) every value must be that long.
 */
dc_status dc_pq_delta_byte_array_decode(const uint8_t *in, int64_t in_len, int64_t n,
                                        int32_t fixed_len, int32_t *ends, dc_bytes *data,
                                        int64_t *consumed, dc_error *err);
dc_status dc_pq_delta_byte_array_encode(dc_bytes *out, const int32_t *offsets, const uint8_t *data,
                                        int64_t n, dc_error *err);

/* ---- dictionary gathers (dictionary pages decoded with PLAIN, then looked up) ------------- */

/* out[i] = dict[idx[i]] for fixed-width values (indices already checked < dict size). */
void dc_pq_dict_gather_fixed(void *out, const void *dict, int32_t width, const uint32_t *idx,
                             int64_t n);
/*
 * Append dict value idx[i] (dictionary as Arrow offsets + bytes) for each i to
 * `data`, ends[i] = data->size after it. DC_EINVALID past INT32_MAX bytes.
 */
dc_status dc_pq_dict_gather_binary(int32_t *ends, dc_bytes *data, const int32_t *dict_offsets,
                                   const uint8_t *dict_data, const uint32_t *idx, int64_t n,
                                   dc_error *err);

#endif
