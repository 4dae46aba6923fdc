/*
 * kernel_decimal.c: a small signed 256-bit integer for decimal kernels
 * (compare, cast, rescale). Values are two's complement in four 64-bit
 * little-endian words; arithmetic works on magnitudes with 128-bit limbs.
 */
#include "columnar/kernel_int.h"

#include <math.h>

typedef unsigned __int128 u128;

void dc_i256_from_int64(dc_i256 *x, int64_t v)
{
    uint64_t ext = v < 0 ? UINT64_MAX : 0;
    x->w[0] = (uint64_t)v;
    x->w[1] = x->w[2] = x->w[3] = ext;
}

void dc_i256_from_uint64(dc_i256 *x, uint64_t v)
{
    x->w[0] = v;
    x->w[1] = x->w[2] = x->w[3] = 0;
}

void dc_i256_from_bytes(dc_i256 *x, const uint8_t *p, int32_t bytes)
{
    int32_t words = bytes / 8;
    for (int32_t i = 0; i < words && i < 4; i++)
        memcpy(&x->w[i], p + 8 * i, 8);
    uint64_t ext = (words > 0 && (x->w[words - 1] >> 63)) ? UINT64_MAX : 0;
    for (int32_t i = words; i < 4; i++)
        x->w[i] = ext;
}

void dc_i256_to_bytes(const dc_i256 *x, uint8_t *p, int32_t bytes)
{
    for (int32_t i = 0; i < bytes / 8 && i < 4; i++)
        memcpy(p + 8 * i, &x->w[i], 8);
}

bool dc_i256_is_neg(const dc_i256 *x) { return (x->w[3] >> 63) != 0; }

void dc_i256_neg(dc_i256 *x)
{
    uint64_t carry = 1;
    for (int i = 0; i < 4; i++) {
        uint64_t v = ~x->w[i] + carry;
        carry = (carry && v == 0) ? 1 : 0;
        x->w[i] = v;
    }
}

int dc_i256_cmp(const dc_i256 *a, const dc_i256 *b)
{
    bool na = dc_i256_is_neg(a), nb = dc_i256_is_neg(b);
    if (na != nb)
        return na ? -1 : 1;
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

/* Unsigned magnitude multiply by m; true when the result needs more than 255 bits. */
static bool mag_mul(dc_i256 *x, uint64_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        u128 p = (u128)x->w[i] * m + carry;
        x->w[i] = (uint64_t)p;
        carry = (uint64_t)(p >> 64);
    }
    return carry != 0 || (x->w[3] >> 63) != 0;
}

/* Unsigned magnitude divide by d; returns the remainder. */
static uint64_t mag_div(dc_i256 *x, uint64_t d)
{
    u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
        u128 cur = (rem << 64) | x->w[i];
        x->w[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
    return (uint64_t)rem;
}

static const uint64_t POW10[20] = {1ULL,
                                   10ULL,
                                   100ULL,
                                   1000ULL,
                                   10000ULL,
                                   100000ULL,
                                   1000000ULL,
                                   10000000ULL,
                                   100000000ULL,
                                   1000000000ULL,
                                   10000000000ULL,
                                   100000000000ULL,
                                   1000000000000ULL,
                                   10000000000000ULL,
                                   100000000000000ULL,
                                   1000000000000000ULL,
                                   10000000000000000ULL,
                                   100000000000000000ULL,
                                   1000000000000000000ULL,
                                   10000000000000000000ULL};

bool dc_i256_mul_pow10(dc_i256 *x, int32_t k)
{
    bool neg = dc_i256_is_neg(x);
    if (neg)
        dc_i256_neg(x);
    bool overflow = false;
    while (k > 0 && !overflow) {
        int32_t step = k > 19 ? 19 : k;
        overflow = mag_mul(x, POW10[step]);
        k -= step;
    }
    if (neg)
        dc_i256_neg(x);
    return overflow;
}

void dc_i256_div_pow10(dc_i256 *x, int32_t k, bool *inexact)
{
    bool neg = dc_i256_is_neg(x);
    if (neg)
        dc_i256_neg(x);
    bool lost = false;
    while (k > 0) {
        int32_t step = k > 19 ? 19 : k;
        if (mag_div(x, POW10[step]) != 0)
            lost = true;
        k -= step;
        if (!x->w[0] && !x->w[1] && !x->w[2] && !x->w[3])
            break;
    }
    if (neg)
        dc_i256_neg(x);
    if (inexact)
        *inexact = lost;
}

bool dc_i256_fits_digits(const dc_i256 *x, int32_t digits)
{
    dc_i256 m = *x;
    if (dc_i256_is_neg(&m))
        dc_i256_neg(&m);
    /* |x| < 10^digits  <=>  |x| / 10^digits == 0. */
    bool inexact;
    if (digits >= 77)
        return true;
    dc_i256_div_pow10(&m, digits, &inexact);
    return !m.w[0] && !m.w[1] && !m.w[2] && !m.w[3];
}

bool dc_i256_to_int64(const dc_i256 *x, int64_t *out)
{
    uint64_t ext = (x->w[0] >> 63) ? UINT64_MAX : 0;
    if (x->w[1] != ext || x->w[2] != ext || x->w[3] != ext)
        return false;
    *out = (int64_t)x->w[0];
    return true;
}

bool dc_i256_to_uint64(const dc_i256 *x, uint64_t *out)
{
    if (x->w[1] || x->w[2] || x->w[3])
        return false;
    *out = x->w[0];
    return true;
}

double dc_i256_to_double(const dc_i256 *x)
{
    dc_i256 m = *x;
    bool neg = dc_i256_is_neg(&m);
    if (neg)
        dc_i256_neg(&m);
    double d = 0;
    for (int i = 3; i >= 0; i--)
        d = d * 18446744073709551616.0 + (double)m.w[i];
    return neg ? -d : d;
}

bool dc_i256_from_double(dc_i256 *x, double v)
{
    if (!isfinite(v) || fabs(v) >= 0x1p254)
        return false;
    bool neg = v < 0;
    double a = trunc(fabs(v));
    dc_i256_from_uint64(x, 0);
    if (a < 0x1p64) {
        x->w[0] = (uint64_t)a;
    } else {
        int e;
        double frac = frexp(a, &e); /* a = frac * 2^e, 0.5 <= frac < 1 */
        uint64_t mant = (uint64_t)ldexp(frac, 53);
        int shift = e - 53; /* a = mant * 2^shift, shift >= 11 here */
        int word = shift / 64, bit = shift % 64;
        x->w[word] = mant << bit;
        if (bit && word + 1 < 4)
            x->w[word + 1] = mant >> (64 - bit);
    }
    if (neg)
        dc_i256_neg(x);
    return true;
}

int dc_kernel__decimal_cmp(const dc_i256 *x, int32_t sx, const dc_i256 *y, int32_t sy)
{
    if (sx == sy)
        return dc_i256_cmp(x, y);
    dc_i256 a = *x, b = *y;
    bool overflow = sx < sy ? dc_i256_mul_pow10(&a, sy - sx) : dc_i256_mul_pow10(&b, sx - sy);
    if (!overflow)
        return dc_i256_cmp(&a, &b);
    /* Rescaling overflowed 256 bits: the magnitudes are far apart, doubles decide. */
    double da = dc_i256_to_double(x) / pow(10, sx), db = dc_i256_to_double(y) / pow(10, sy);
    return (da > db) - (da < db);
}
