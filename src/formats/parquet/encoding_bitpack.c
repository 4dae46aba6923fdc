/*
 * encoding_bitpack.c: LSB-first bit packing and unpacking (the order of the
 * RLE/bit-packing hybrid and of DELTA_BINARY_PACKED miniblocks), and ULEB128
 * appends.
 *
 * Unpacking is specialised per bit width: a group of 8 values of width w takes
 * exactly w bytes, and with w a compile-time constant each value is one
 * unaligned 64-bit load, a constant shift and a mask. The 64-bit loads may
 * touch up to 8 bytes past a group, so groups near the end of the input are
 * unpacked from a zero-padded copy instead: nothing is read past in_len.
 */
#include "formats/parquet/encoding_int.h"

#define DC_AI static inline __attribute__((always_inline))

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "Parquet decoding assumes little-endian");

DC_AI uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

dc_status dc_pq_uleb_append(dc_bytes *out, uint64_t v)
{
    uint8_t buf[10];
    int n = dc_pq_uleb_put(buf, v);
    return dc_bytes_append(out, buf, n);
}

/* ---- 32-bit ------------------------------------------------------------------------ */

DC_AI void unpack8_32(uint32_t *out, const uint8_t *in, const int w)
{
    const uint64_t mask = w == 32 ? 0xffffffffu : (((uint64_t)1 << w) - 1);
    for (int j = 0; j < 8; j++) {
        const int off = j * w;
        out[j] = (uint32_t)((load64(in + (off >> 3)) >> (off & 7)) & mask);
    }
}

DC_AI void unpack_groups32(uint32_t *out, const uint8_t *in, int64_t groups, const int w)
{
    for (int64_t g = 0; g < groups; g++)
        unpack8_32(out + g * 8, in + g * w, w);
}

/* Unpack `groups` full groups with the width's specialised loop. */
static void unpack_fast32(uint32_t *out, const uint8_t *in, int64_t groups, int w)
{
    switch (w) {
#define DC_CASE(W)                                                                                 \
    case W: unpack_groups32(out, in, groups, W); break;
        DC_CASE(1)
        DC_CASE(2) DC_CASE(3) DC_CASE(4) DC_CASE(5) DC_CASE(6) DC_CASE(7) DC_CASE(8) DC_CASE(9)
            DC_CASE(10) DC_CASE(11) DC_CASE(12) DC_CASE(13) DC_CASE(14) DC_CASE(15) DC_CASE(16)
                DC_CASE(17) DC_CASE(18) DC_CASE(19) DC_CASE(20) DC_CASE(21) DC_CASE(22) DC_CASE(23)
                    DC_CASE(24) DC_CASE(25) DC_CASE(26) DC_CASE(27) DC_CASE(28) DC_CASE(29)
                        DC_CASE(30) DC_CASE(31) DC_CASE(32)
#undef DC_CASE
                            default : break;
    }
}

void dc_pq_unpack32(uint32_t *out, const uint8_t *in, int64_t in_len, int64_t n, int w)
{
    if (n <= 0)
        return;
    if (w == 0) {
        memset(out, 0, (size_t)n * sizeof(uint32_t));
        return;
    }
    int64_t groups = n / 8;
    /* Group g reads bytes below g*w + w + 8. */
    int64_t safe = in_len >= w + 8 ? (in_len - 8 - w) / w + 1 : 0;
    int64_t fast = DC_MIN(groups, safe);
    unpack_fast32(out, in, fast, w);
    for (int64_t g = fast; g * 8 < n; g++) {
        uint8_t tmp[48] = {0};
        uint32_t vals[8];
        int64_t start = g * w;
        int64_t avail = DC_MIN((int64_t)w, in_len - start);
        if (avail > 0)
            memcpy(tmp, in + start, (size_t)avail);
        unpack_fast32(vals, tmp, 1, w);
        int64_t k = DC_MIN((int64_t)8, n - g * 8);
        memcpy(out + g * 8, vals, (size_t)k * sizeof(uint32_t));
    }
}

void dc_pq_pack32(uint8_t *out, const uint32_t *in, int64_t n, int w)
{
    if (w == 0 || n <= 0)
        return;
    uint64_t acc = 0;
    int bits = 0;
    for (int64_t i = 0; i < n; i++) {
        acc |= (uint64_t)in[i] << bits;
        bits += w;
        while (bits >= 8) {
            *out++ = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    if (bits > 0)
        *out = (uint8_t)acc;
}

/* ---- 64-bit ------------------------------------------------------------------------ */

DC_AI void unpack8_64(uint64_t *out, const uint8_t *in, const int w)
{
    const uint64_t mask = w == 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
    for (int j = 0; j < 8; j++) {
        const int off = j * w;
        const int s = off & 7;
        const uint8_t *p = in + (off >> 3);
        uint64_t v = load64(p) >> s;
        if (w > 56 && s + w > 64)
            v |= (uint64_t)p[8] << (64 - s);
        out[j] = v & mask;
    }
}

DC_AI void unpack_groups64(uint64_t *out, const uint8_t *in, int64_t groups, const int w)
{
    for (int64_t g = 0; g < groups; g++)
        unpack8_64(out + g * 8, in + g * w, w);
}

static void unpack_fast64(uint64_t *out, const uint8_t *in, int64_t groups, int w)
{
    switch (w) {
#define DC_CASE(W)                                                                                 \
    case W: unpack_groups64(out, in, groups, W); break;
        DC_CASE(1)
        DC_CASE(2) DC_CASE(3) DC_CASE(4) DC_CASE(5) DC_CASE(6) DC_CASE(7) DC_CASE(8) DC_CASE(9)
            DC_CASE(10) DC_CASE(11) DC_CASE(12) DC_CASE(13) DC_CASE(14) DC_CASE(15) DC_CASE(16)
                DC_CASE(17) DC_CASE(18) DC_CASE(19) DC_CASE(20) DC_CASE(21) DC_CASE(22) DC_CASE(23)
                    DC_CASE(24) DC_CASE(25) DC_CASE(26) DC_CASE(27) DC_CASE(28) DC_CASE(29)
                        DC_CASE(30) DC_CASE(31) DC_CASE(32) DC_CASE(33) DC_CASE(34) DC_CASE(35)
                            DC_CASE(36) DC_CASE(37) DC_CASE(38) DC_CASE(39) DC_CASE(40) DC_CASE(41)
                                DC_CASE(42) DC_CASE(43) DC_CASE(44) DC_CASE(45) DC_CASE(46)
                                    DC_CASE(47) DC_CASE(48) DC_CASE(49) DC_CASE(50) DC_CASE(51)
                                        DC_CASE(52) DC_CASE(53) DC_CASE(54) DC_CASE(55) DC_CASE(56)
                                            DC_CASE(57) DC_CASE(58) DC_CASE(59) DC_CASE(60)
                                                DC_CASE(61) DC_CASE(62) DC_CASE(63) DC_CASE(64)
#undef DC_CASE
                                                    default : break;
    }
}

void dc_pq_unpack64(uint64_t *out, const uint8_t *in, int64_t in_len, int64_t n, int w)
{
    if (n <= 0)
        return;
    if (w == 0) {
        memset(out, 0, (size_t)n * sizeof(uint64_t));
        return;
    }
    int64_t groups = n / 8;
    /* Group g reads bytes below g*w + w + 9. */
    int64_t safe = in_len >= w + 16 ? (in_len - 16 - w) / w + 1 : 0;
    int64_t fast = DC_MIN(groups, safe);
    unpack_fast64(out, in, fast, w);
    for (int64_t g = fast; g * 8 < n; g++) {
        uint8_t tmp[88] = {0};
        uint64_t vals[8];
        int64_t start = g * w;
        int64_t avail = DC_MIN((int64_t)w, in_len - start);
        if (avail > 0)
            memcpy(tmp, in + start, (size_t)avail);
        unpack_fast64(vals, tmp, 1, w);
        int64_t k = DC_MIN((int64_t)8, n - g * 8);
        memcpy(out + g * 8, vals, (size_t)k * sizeof(uint64_t));
    }
}

void dc_pq_pack64(uint8_t *out, const uint64_t *in, int64_t n, int w)
{
    if (w == 0 || n <= 0)
        return;
    unsigned __int128 acc = 0;
    int bits = 0;
    for (int64_t i = 0; i < n; i++) {
        acc |= (unsigned __int128)in[i] << bits;
        bits += w;
        while (bits >= 8) {
            *out++ = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    if (bits > 0)
        *out = (uint8_t)acc;
}
