/*
 * parse.c: exact, allocation-free parsers of text values (booleans, integers,
 * floating point, dates, times, timestamps, decimals), shared by the CSV and
 * JSONL readers and by casts from strings.
 *
 * Contract of every dc_parse_*: parse exactly the n bytes given (no
 * surrounding white space, no trailing junk), return false when they are not
 * a valid value of the kind or when the value does not fit, and write *out
 * only on success. Nothing is allocated and no global state is touched,
 * except that doubles outside the fast path go through strtod(), which reads
 * the C library's current locale (the library never changes it; a program
 * that sets LC_NUMERIC to a locale with a decimal comma would break it).
 */
#include "columnar/columnar_int.h"

#include <math.h>
#include <stdlib.h>

static inline bool is_digit(char c) { return (unsigned)(c - '0') <= 9; }

/*
 * An optional exponent ("e5", "E-07") at *pp, which must then end the text:
 * false when it is malformed or other text follows. The value saturates at a
 * million (enough to overflow or underflow any double or decimal).
 */
static bool parse_exponent(const char **pp, const char *end, int64_t *exp)
{
    const char *p = *pp;
    *exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p == end || !is_digit(*p))
            return false;
        while (p < end && is_digit(*p)) {
            if (*exp < 1000000)
                *exp = *exp * 10 + (*p - '0');
            p++;
        }
        if (eneg)
            *exp = -*exp;
    }
    *pp = p;
    return p == end;
}

/* ---- booleans ---------------------------------------------------------------------- */

bool dc_parse_bool(const char *s, int64_t n, bool *out)
{
    bool v;
    switch (n) {
    case 1:
        if (s[0] == '1' || s[0] == 't' || s[0] == 'T')
            v = true;
        else if (s[0] == '0' || s[0] == 'f' || s[0] == 'F')
            v = false;
        else
            return false;
        break;
    case 2:
        if (!dc_str_ieq(s, n, "no"))
            return false;
        v = false;
        break;
    case 3:
        if (!dc_str_ieq(s, n, "yes"))
            return false;
        v = true;
        break;
    case 4:
        if (!dc_str_ieq(s, n, "true"))
            return false;
        v = true;
        break;
    case 5:
        if (!dc_str_ieq(s, n, "false"))
            return false;
        v = false;
        break;
    default: return false;
    }
    *out = v;
    return true;
}

/* ---- integers ---------------------------------------------------------------------- */

/*
 * Accumulate the decimal digits of [p, end) into *v. Returns false on a
 * non-digit, on no digit at all, or when the value exceeds UINT64_MAX.
 * Up to 19 digits cannot overflow, so they are summed without checks.
 */
static inline bool parse_digits_u64(const char *p, const char *end, uint64_t *v)
{
    int64_t len = end - p;
    if (len <= 0)
        return false;
    uint64_t acc = 0;
    const char *fast_end = len <= 19 ? end : p + 19;
    for (; p < fast_end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (d > 9)
            return false;
        acc = acc * 10 + d;
    }
    for (; p < end; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (d > 9)
            return false;
        if (__builtin_mul_overflow(acc, (uint64_t)10, &acc) ||
            __builtin_add_overflow(acc, (uint64_t)d, &acc))
            return false;
    }
    *v = acc;
    return true;
}

bool dc_parse_int64(const char *s, int64_t n, int64_t *out)
{
    if (n <= 0)
        return false;
    const char *p = s, *end = s + n;
    bool neg = false;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    uint64_t v;
    if (!parse_digits_u64(p, end, &v))
        return false;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

bool dc_parse_uint64(const char *s, int64_t n, uint64_t *out)
{
    if (n <= 0)
        return false;
    const char *p = s;
    if (*p == '+')
        p++;
    return parse_digits_u64(p, s + n, out);
}

/* ---- floating point ---------------------------------------------------------------- */

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Significant digits kept for strtod: more than the 767 that can matter for a
 * double; any non-zero digit beyond is folded into one sticky digit. */
#define SLOW_DIGITS 780

static bool parse_special_double(const char *p, int64_t n, bool neg, double *out)
{
    if (dc_str_ieq(p, n, "inf") || dc_str_ieq(p, n, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return true;
    }
    if (dc_str_ieq(p, n, "nan")) {
        *out = NAN;
        return true;
    }
    return false;
}

/*
 * The exact path: rewrite the validated number as "0.DDDD[1]e<E>" with its
 * significant digits only (so its length is bounded whatever the input) and
 * let strtod round it. Returns false when the value overflows a double.
 */
static bool parse_double_slow(const char *int_p, int64_t n_int, const char *frac_p, int64_t n_frac,
                              int64_t exp, bool neg, double *out)
{
    char buf[SLOW_DIGITS + 48];
    int64_t k = 0, point = 0;
    bool started = false, sticky = false;
    buf[k++] = '-';
    buf[k++] = '0';
    buf[k++] = '.';
    for (int64_t i = 0; i < n_int + n_frac; i++) {
        char c = i < n_int ? int_p[i] : frac_p[i - n_int];
        bool in_int = i < n_int;
        if (!started) {
            if (c == '0') {
                if (!in_int)
                    point--;
                continue;
            }
            started = true;
        }
        if (in_int)
            point++;
        if (k - 3 < SLOW_DIGITS)
            buf[k++] = c;
        else if (c != '0')
            sticky = true;
    }
    if (!started) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    if (sticky)
        buf[k++] = '1';
    /* exp is clamped to +-1e6 by the caller and point to the input length. */
    int64_t e = point + exp;
    buf[k++] = 'e';
    if (e < 0) {
        buf[k++] = '-';
        e = -e;
    }
    char digits[24];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + e % 10);
        e /= 10;
    } while (e);
    while (nd)
        buf[k++] = digits[--nd];
    buf[k] = '\0';
    char *endp = NULL;
    double d = strtod(neg ? buf : buf + 1, &endp);
    if (endp != buf + k || isinf(d))
        return false;
    *out = d;
    return true;
}

/*
 * Grammar: [+-]( digits [. digits*] | . digits )( [eE] [+-] digits )?, or
 * [+-](inf|infinity|nan) in any case. The result is the correctly rounded
 * double: Clinger's fast path when the significand fits in 53 bits and the
 * power of ten is exact, strtod otherwise. Overflow to infinity fails.
 */
bool dc_parse_double(const char *s, int64_t n, double *out)
{
    if (n <= 0)
        return false;
    const char *p = s, *end = s + n;
    bool neg = false;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
        if (p == end)
            return false;
    }
    if (!is_digit(*p) && *p != '.')
        return parse_special_double(p, end - p, neg, out);

    uint64_t mant = 0;
    int ndig = 0;
    int64_t exp10 = 0;
    bool truncated = false;
    const char *int_p = p;
    while (p < end && is_digit(*p)) {
        unsigned d = (unsigned)(*p - '0');
        if (mant == 0 && d == 0) {
            /* leading zero */
        } else if (ndig < 19) {
            mant = mant * 10 + d;
            ndig++;
        } else {
            exp10++;
            truncated |= d != 0;
        }
        p++;
    }
    int64_t n_int = p - int_p;
    const char *frac_p = p;
    int64_t n_frac = 0;
    if (p < end && *p == '.') {
        p++;
        frac_p = p;
        while (p < end && is_digit(*p)) {
            unsigned d = (unsigned)(*p - '0');
            if (mant == 0 && d == 0) {
                exp10--;
            } else if (ndig < 19) {
                mant = mant * 10 + d;
                ndig++;
                exp10--;
            } else {
                truncated |= d != 0;
            }
            p++;
        }
        n_frac = p - frac_p;
    }
    if (n_int + n_frac == 0)
        return false;
    int64_t exp = 0;
    if (!parse_exponent(&p, end, &exp))
        return false;
    if (mant == 0) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    int64_t e = exp10 + exp;
    if (!truncated && mant <= (1ULL << 53) && e >= -22 && e <= 22) {
        double d = (double)mant;
        d = e < 0 ? d / POW10[-e] : d * POW10[e];
        *out = neg ? -d : d;
        return true;
    }
    return parse_double_slow(int_p, n_int, frac_p, n_frac, exp, neg, out);
}

/* ---- dates and times -------------------------------------------------------------- */

static inline bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Exactly `k` digits at p as a number. */
static inline bool fixed_digits(const char *p, int k, int *out)
{
    int v = 0;
    for (int i = 0; i < k; i++) {
        if (!is_digit(p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/* YYYY-MM-DD at s (10 bytes available) into days since the epoch. */
static bool parse_ymd(const char *s, int64_t *days)
{
    int y, m, d;
    if (s[4] != '-' || s[7] != '-' || !fixed_digits(s, 4, &y) || !fixed_digits(s + 5, 2, &m) ||
        !fixed_digits(s + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

bool dc_parse_date32(const char *s, int64_t n, int32_t *days)
{
    int64_t d;
    if (n != 10 || !parse_ymd(s, &d))
        return false;
    *days = (int32_t)d;
    return true;
}

static const int64_t UNIT_PER_SEC[4] = {1, 1000, 1000000, 1000000000};
static const int64_t NANOS_PER_UNIT[4] = {1000000000, 1000000, 1000, 1};

/*
 * A fraction ".ddd" starting at *pp (the dot): its value in `unit` through
 * *out. Digits finer than the unit must be zeros (no silent truncation).
 * Advances *pp past the digits.
 */
static bool parse_fraction(const char **pp, const char *end, dc_time_unit unit, int64_t *out)
{
    const char *p = *pp + 1;
    int64_t ns = 0;
    int k = 0;
    while (p < end && is_digit(*p)) {
        if (k < 9)
            ns = ns * 10 + (*p - '0');
        else if (*p != '0')
            return false;
        k++;
        p++;
    }
    if (k == 0)
        return false;
    for (int i = k; i < 9; i++)
        ns *= 10;
    int64_t per = NANOS_PER_UNIT[unit];
    if (ns % per != 0)
        return false;
    *out = ns / per;
    *pp = p;
    return true;
}

/* HH:MM[:SS[.frac]] at *pp; seconds of the day and the fraction in `unit`. */
static bool parse_clock(const char **pp, const char *end, bool need_seconds, dc_time_unit unit,
                        int64_t *secs, int64_t *frac)
{
    const char *p = *pp;
    int h, m, sec = 0;
    if (end - p < 5 || p[2] != ':' || !fixed_digits(p, 2, &h) || !fixed_digits(p + 3, 2, &m))
        return false;
    p += 5;
    *frac = 0;
    if (p < end && *p == ':') {
        if (end - p < 3 || !fixed_digits(p + 1, 2, &sec))
            return false;
        p += 3;
        if (p < end && *p == '.' && !parse_fraction(&p, end, unit, frac))
            return false;
    } else if (need_seconds) {
        return false;
    }
    if (h > 23 || m > 59 || sec > 59)
        return false;
    *secs = h * 3600 + m * 60 + sec;
    *pp = p;
    return true;
}

bool dc_parse_timestamp(const char *s, int64_t n, dc_time_unit unit, int64_t *out, bool *has_zone)
{
    if ((unsigned)unit > DC_UNIT_NANO || n < 10)
        return false;
    const char *p = s, *end = s + n;
    int64_t days, secs = 0, frac = 0, offset = 0;
    bool zone = false;
    if (!parse_ymd(p, &days))
        return false;
    p += 10;
    if (p < end) {
        if (*p != ' ' && *p != 'T' && *p != 't')
            return false;
        p++;
        if (!parse_clock(&p, end, false, unit, &secs, &frac))
            return false;
        if (p < end) {
            if ((*p == 'Z' || *p == 'z') && p + 1 == end) {
                zone = true;
                p++;
            } else if (*p == '+' || *p == '-') {
                int sign = *p == '-' ? -1 : 1, oh, om = 0;
                p++;
                if (end - p < 2 || !fixed_digits(p, 2, &oh))
                    return false;
                p += 2;
                if (p < end && *p == ':')
                    p++;
                if (p < end) {
                    if (end - p != 2 || !fixed_digits(p, 2, &om))
                        return false;
                    p += 2;
                }
                if (oh > 23 || om > 59)
                    return false;
                offset = sign * (oh * 3600 + om * 60);
                zone = true;
            }
            if (p != end)
                return false;
        }
    }
    int64_t total = days * 86400 + secs - offset, v;
    if (__builtin_mul_overflow(total, UNIT_PER_SEC[unit], &v) || __builtin_add_overflow(v, frac, &v))
        return false;
    *out = v;
    if (has_zone)
        *has_zone = zone;
    return true;
}

bool dc_parse_time(const char *s, int64_t n, dc_time_unit unit, int64_t *out)
{
    if ((unsigned)unit > DC_UNIT_NANO || n < 8)
        return false;
    const char *p = s, *end = s + n;
    int64_t secs, frac;
    if (!parse_clock(&p, end, true, unit, &secs, &frac) || p != end)
        return false;
    *out = secs * UNIT_PER_SEC[unit] + frac;
    return true;
}

/* ---- decimals ---------------------------------------------------------------------- */

/* A 256-bit unsigned integer, least significant limb first. */
typedef struct u256 {
    uint64_t w[4];
} u256;

static inline void u256_mul_add(u256 *x, uint32_t mul, uint32_t add)
{
    unsigned __int128 carry = add;
    for (int i = 0; i < 4; i++) {
        unsigned __int128 t = (unsigned __int128)x->w[i] * mul + carry;
        x->w[i] = (uint64_t)t;
        carry = t >> 64;
    }
}

/*
 * Grammar: [+-]( digits [. digits*] | . digits )( [eE] [+-] digits )?. The
 * unscaled value is value * 10^scale; digits that scaling drops must be zeros,
 * and the unscaled value may have at most `precision` digits (which bounds it
 * well inside `bytes`).
 */
bool dc_parse_decimal(const char *s, int64_t n, int32_t precision, int32_t scale, int32_t bytes,
                      uint8_t *out)
{
    if (n <= 0 || (bytes != 16 && bytes != 32) || precision < 1 ||
        precision > (bytes == 16 ? 38 : 76))
        return false;
    const char *p = s, *end = s + n;
    bool neg = false;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    const char *int_p = p;
    while (p < end && is_digit(*p))
        p++;
    int64_t n_int = p - int_p;
    const char *frac_p = p;
    int64_t n_frac = 0;
    if (p < end && *p == '.') {
        frac_p = ++p;
        while (p < end && is_digit(*p))
            p++;
        n_frac = p - frac_p;
    }
    int64_t total = n_int + n_frac;
    if (total == 0)
        return false;
    int64_t exp = 0;
    if (!parse_exponent(&p, end, &exp))
        return false;

#define DIGIT_AT(i) ((i) < n_int ? int_p[(i)] : frac_p[(i) - n_int])
    /* unscaled = digits * 10^shift */
    int64_t shift = exp - n_frac + scale;
    int64_t kept = total;
    if (shift < 0) {
        int64_t drop = -shift;
        kept = drop >= total ? 0 : total - drop;
        for (int64_t i = kept; i < total; i++)
            if (DIGIT_AT(i) != '0')
                return false;
        shift = 0;
    }
    int64_t first = 0;
    while (first < kept && DIGIT_AT(first) == '0')
        first++;
    u256 v = {{0, 0, 0, 0}};
    if (first < kept) {
        if ((kept - first) + shift > precision)
            return false;
        for (int64_t i = first; i < kept; i++)
            u256_mul_add(&v, 10, (uint32_t)(DIGIT_AT(i) - '0'));
        for (int64_t i = 0; i < shift; i++)
            u256_mul_add(&v, 10, 0);
    }
#undef DIGIT_AT
    if (neg) {
        /* two's complement: invert and add one */
        unsigned __int128 carry = 1;
        for (int i = 0; i < 4; i++) {
            unsigned __int128 t = (unsigned __int128)(uint64_t)~v.w[i] + carry;
            v.w[i] = (uint64_t)t;
            carry = t >> 64;
        }
    }
    for (int i = 0; i < bytes / 8; i++) {
        uint64_t w = v.w[i];
        for (int b = 0; b < 8; b++)
            out[i * 8 + b] = (uint8_t)(w >> (8 * b));
    }
    return true;
}
