/* test_parse.c: the text parsers of parse.c (dc_parse_*). */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(lit) lit, (int64_t)(sizeof(lit) - 1)

/* ---- booleans ---- */

static void test_bool_accepts_every_spelling_in_any_case(void **state)
{
    (void)state;
    bool v;
    const char *t[] = {"true", "TRUE", "True", "t", "T", "yes", "YES", "1"};
    const char *f[] = {"false", "FALSE", "f", "F", "no", "No", "0"};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        v = false;
        assert_true(dc_parse_bool(t[i], (int64_t)strlen(t[i]), &v));
        assert_true(v);
    }
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        v = true;
        assert_true(dc_parse_bool(f[i], (int64_t)strlen(f[i]), &v));
        assert_false(v);
    }
}

static void test_bool_rejects_junk_and_empty(void **state)
{
    (void)state;
    bool v = true;
    assert_false(dc_parse_bool(S(""), &v));
    assert_false(dc_parse_bool(S(" true"), &v));
    assert_false(dc_parse_bool(S("tru"), &v));
    assert_false(dc_parse_bool(S("truee"), &v));
    assert_false(dc_parse_bool(S("2"), &v));
    assert_false(dc_parse_bool(S("yess"), &v));
    assert_true(v); /* untouched on failure */
}

/* ---- integers ---- */

static void test_int64_parses_boundaries(void **state)
{
    (void)state;
    int64_t v;
    assert_true(dc_parse_int64(S("0"), &v));
    assert_int_equal(v, 0);
    assert_true(dc_parse_int64(S("-0"), &v));
    assert_int_equal(v, 0);
    assert_true(dc_parse_int64(S("+42"), &v));
    assert_int_equal(v, 42);
    assert_true(dc_parse_int64(S("9223372036854775807"), &v));
    assert_true(v == INT64_MAX);
    assert_true(dc_parse_int64(S("-9223372036854775808"), &v));
    assert_true(v == INT64_MIN);
    assert_true(dc_parse_int64(S("000000000000000000000000012"), &v));
    assert_int_equal(v, 12);
    assert_true(dc_parse_int64(S("-1234567890123"), &v));
    assert_true(v == -1234567890123LL);
}

static void test_int64_rejects_overflow_and_junk(void **state)
{
    (void)state;
    int64_t v = 7;
    assert_false(dc_parse_int64(S("9223372036854775808"), &v));
    assert_false(dc_parse_int64(S("-9223372036854775809"), &v));
    assert_false(dc_parse_int64(S("18446744073709551616"), &v));
    assert_false(dc_parse_int64(S("99999999999999999999999"), &v));
    assert_false(dc_parse_int64(S(""), &v));
    assert_false(dc_parse_int64(S("-"), &v));
    assert_false(dc_parse_int64(S("+"), &v));
    assert_false(dc_parse_int64(S(" 1"), &v));
    assert_false(dc_parse_int64(S("1 "), &v));
    assert_false(dc_parse_int64(S("1.0"), &v));
    assert_false(dc_parse_int64(S("1e3"), &v));
    assert_false(dc_parse_int64(S("0x10"), &v));
    assert_false(dc_parse_int64(S("--1"), &v));
    assert_false(dc_parse_int64(S("1a"), &v));
    assert_int_equal(v, 7);
}

static void test_uint64_parses_full_range_and_rejects_signs(void **state)
{
    (void)state;
    uint64_t v;
    assert_true(dc_parse_uint64(S("18446744073709551615"), &v));
    assert_true(v == UINT64_MAX);
    assert_true(dc_parse_uint64(S("+5"), &v));
    assert_true(v == 5);
    assert_false(dc_parse_uint64(S("18446744073709551616"), &v));
    assert_false(dc_parse_uint64(S("-1"), &v));
    assert_false(dc_parse_uint64(S("-0"), &v));
    assert_false(dc_parse_uint64(S(""), &v));
    assert_false(dc_parse_uint64(S("+"), &v));
    assert_false(dc_parse_uint64(S("12x"), &v));
}

/* ---- doubles ---- */

static void test_double_parses_plain_and_exponent_forms(void **state)
{
    (void)state;
    double v;
    assert_true(dc_parse_double(S("1.5"), &v));
    assert_true(v == 1.5);
    assert_true(dc_parse_double(S("-0.25"), &v));
    assert_true(v == -0.25);
    assert_true(dc_parse_double(S(".5"), &v));
    assert_true(v == 0.5);
    assert_true(dc_parse_double(S("5."), &v));
    assert_true(v == 5.0);
    assert_true(dc_parse_double(S("1e3"), &v));
    assert_true(v == 1000.0);
    assert_true(dc_parse_double(S("1E-3"), &v));
    assert_true(v == 0.001);
    assert_true(dc_parse_double(S("+2.5e+2"), &v));
    assert_true(v == 250.0);
    assert_true(dc_parse_double(S("42"), &v));
    assert_true(v == 42.0);
    assert_true(dc_parse_double(S("-0"), &v));
    assert_true(v == 0.0 && signbit(v));
    assert_true(dc_parse_double(S("0.1"), &v));
    assert_true(v == 0.1);
    assert_true(dc_parse_double(S("1.7976931348623157e308"), &v));
    assert_true(v == 1.7976931348623157e308);
    assert_true(dc_parse_double(S("4.9406564584124654e-324"), &v));
    assert_true(v == 4.9406564584124654e-324);
    assert_true(dc_parse_double(S("1e-400"), &v)); /* underflows to zero: representable */
    assert_true(v == 0.0);
}

static void test_double_parses_inf_and_nan(void **state)
{
    (void)state;
    double v;
    assert_true(dc_parse_double(S("inf"), &v));
    assert_true(isinf(v) && v > 0);
    assert_true(dc_parse_double(S("-Infinity"), &v));
    assert_true(isinf(v) && v < 0);
    assert_true(dc_parse_double(S("NaN"), &v));
    assert_true(isnan(v));
    assert_false(dc_parse_double(S("infin"), &v));
    assert_false(dc_parse_double(S("nana"), &v));
}

static void test_double_rejects_junk_and_overflow(void **state)
{
    (void)state;
    double v = 3.0;
    const char *bad[] = {"",     "-",    ".",   "e5",   "1e",    "1e+",   "1.2.3", " 1",
                         "1 ",   "0x1p3", "1,5", "--1",  "1e5x",  "+-1",   "1e999", "-1e400",
                         "1..2", "abc"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(dc_parse_double(bad[i], (int64_t)strlen(bad[i]), &v));
    assert_true(v == 3.0);
}

/* Compare against strtod on many generated decimal strings (fast and slow paths). */
static void test_double_is_correctly_rounded_like_strtod(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    char buf[128];
    for (int iter = 0; iter < 200000; iter++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int ndig = 1 + (int)(x % 25);
        int dot = (int)((x >> 8) % (uint64_t)(ndig + 1));
        int k = 0;
        if ((x >> 16) & 1)
            buf[k++] = '-';
        uint64_t y = x;
        for (int i = 0; i < ndig; i++) {
            if (i == dot)
                buf[k++] = '.';
            y = y * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[k++] = (char)('0' + (y >> 60) % 10);
        }
        if ((x >> 20) & 1)
            k += snprintf(buf + k, sizeof buf - (size_t)k, "e%d", (int)((x >> 24) % 700) - 350);
        buf[k] = '\0';
        double want = strtod(buf, NULL), got = 0;
        bool ok = dc_parse_double(buf, k, &got);
        if (isinf(want)) {
            assert_false(ok);
            continue;
        }
        if (!ok || memcmp(&want, &got, sizeof want) != 0)
            fail_msg("%s: got %.17g want %.17g", buf, got, want);
    }
}

static void test_double_handles_very_long_inputs_exactly(void **state)
{
    (void)state;
    /* 0.000...0001 with 2000 zeros: below the smallest subnormal: zero. */
    char *s = malloc(4100);
    assert_non_null(s);
    int k = 0;
    s[k++] = '0';
    s[k++] = '.';
    for (int i = 0; i < 2000; i++)
        s[k++] = '0';
    s[k++] = '1';
    double v = 1;
    assert_true(dc_parse_double(s, k, &v));
    assert_true(v == 0.0);
    /* 1 followed by 3000 digits then e-3000: about 1.x, compare with strtod. */
    k = 0;
    s[k++] = '1';
    for (int i = 0; i < 3000; i++)
        s[k++] = (char)('0' + (i * 7) % 10);
    k += snprintf(s + k, 4100 - (size_t)k, "e-3000");
    s[k] = '\0';
    assert_true(dc_parse_double(s, k, &v));
    assert_true(v == strtod(s, NULL));
    /* Halfway case decided by a digit far beyond the first 780. */
    k = snprintf(s, 4100, "9007199254740993");
    for (int i = 0; i < 1000; i++)
        s[k++] = '0';
    s[k++] = '1';
    s[k] = '\0';
    /* 9007199254740993000...0001 * 10^-1001 -> just above the halfway point */
    k += snprintf(s + k, 4100 - (size_t)k, "e-1001");
    assert_true(dc_parse_double(s, k, &v));
    assert_true(v == strtod(s, NULL));
    free(s);
}

/* ---- dates ---- */

static void test_date32_counts_days_across_leap_years(void **state)
{
    (void)state;
    int32_t d;
    assert_true(dc_parse_date32(S("1970-01-01"), &d));
    assert_int_equal(d, 0);
    assert_true(dc_parse_date32(S("1969-12-31"), &d));
    assert_int_equal(d, -1);
    assert_true(dc_parse_date32(S("2000-02-29"), &d));
    assert_int_equal(d, 11016);
    assert_true(dc_parse_date32(S("2024-02-29"), &d));
    assert_int_equal(d, 19782);
    assert_true(dc_parse_date32(S("2024-03-01"), &d));
    assert_int_equal(d, 19783);
    assert_true(dc_parse_date32(S("0000-01-01"), &d));
    assert_int_equal(d, -719528);
    assert_true(dc_parse_date32(S("9999-12-31"), &d));
    assert_int_equal(d, 2932896);
    assert_true(dc_parse_date32(S("1600-02-29"), &d));
}

static void test_date32_rejects_impossible_dates_and_junk(void **state)
{
    (void)state;
    int32_t d = 5;
    const char *bad[] = {"1900-02-29", "2023-02-29", "2024-04-31", "2024-13-01", "2024-00-10",
                         "2024-01-00", "2024-1-01",  "24-01-01",   "2024/01/01", "2024-01-01 ",
                         "",           "2024-01-0x", "+024-01-01", "10000-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(dc_parse_date32(bad[i], (int64_t)strlen(bad[i]), &d));
    assert_int_equal(d, 5);
}

/* ---- timestamps ---- */

static void test_timestamp_parses_forms_and_units(void **state)
{
    (void)state;
    int64_t v;
    bool z = true;
    assert_true(dc_parse_timestamp(S("1970-01-01"), DC_UNIT_SECOND, &v, &z));
    assert_int_equal(v, 0);
    assert_false(z);
    assert_true(dc_parse_timestamp(S("1970-01-01 00:01"), DC_UNIT_SECOND, &v, &z));
    assert_int_equal(v, 60);
    assert_true(dc_parse_timestamp(S("1970-01-01T00:00:01"), DC_UNIT_MILLI, &v, &z));
    assert_int_equal(v, 1000);
    assert_true(dc_parse_timestamp(S("2024-01-02 03:04:05.123456"), DC_UNIT_MICRO, &v, &z));
    assert_true(v == 1704164645123456LL);
    assert_false(z);
    assert_true(dc_parse_timestamp(S("2024-01-02 03:04:05.5"), DC_UNIT_NANO, &v, &z));
    assert_true(v == 1704164645500000000LL);
    assert_true(dc_parse_timestamp(S("1969-12-31 23:59:59.999"), DC_UNIT_MILLI, &v, &z));
    assert_int_equal(v, -1);
}

static void test_timestamp_applies_zone_offsets(void **state)
{
    (void)state;
    int64_t v;
    bool z = false;
    assert_true(dc_parse_timestamp(S("2024-01-02T03:04:05Z"), DC_UNIT_SECOND, &v, &z));
    assert_true(z);
    assert_true(v == 1704164645);
    assert_true(dc_parse_timestamp(S("2024-01-02T05:04:05+02:00"), DC_UNIT_SECOND, &v, &z));
    assert_true(v == 1704164645);
    assert_true(dc_parse_timestamp(S("2024-01-02T01:34:05-0130"), DC_UNIT_SECOND, &v, &z));
    assert_true(v == 1704164645);
    assert_true(dc_parse_timestamp(S("2024-01-02T04:04:05+01"), DC_UNIT_SECOND, &v, &z));
    assert_true(v == 1704164645);
    assert_true(dc_parse_timestamp(S("2024-01-02t03:04:05z"), DC_UNIT_SECOND, &v, &z));
    assert_true(v == 1704164645);
    z = false;
    assert_true(dc_parse_timestamp(S("2024-01-02 03:04:05.25Z"), DC_UNIT_MILLI, &v, NULL));
    assert_true(v == 1704164645250LL);
}

static void test_timestamp_rejects_finer_fractions_and_junk(void **state)
{
    (void)state;
    int64_t v = 9;
    bool z;
    assert_false(dc_parse_timestamp(S("2024-01-02 03:04:05.1234567"), DC_UNIT_MICRO, &v, &z));
    assert_false(dc_parse_timestamp(S("2024-01-02 03:04:05.5"), DC_UNIT_SECOND, &v, &z));
    assert_false(dc_parse_timestamp(S("2024-01-02 03:04:05.0001"), DC_UNIT_MILLI, &v, &z));
    /* trailing zeros beyond the unit lose nothing: accepted */
    assert_true(dc_parse_timestamp(S("2024-01-02 03:04:05.1230000000"), DC_UNIT_MILLI, &v, &z));
    assert_true(v == 1704164645123LL);
    v = 9;
    const char *bad[] = {"2024-01-02 24:00:00", "2024-01-02 23:60:00", "2024-01-02 23:59:60",
                         "2024-01-02 3:04:05",  "2024-01-02 03:04:",   "2024-01-02 03:04:05.",
                         "2024-01-02X03:04:05", "2024-01-02 03:04:05 ", "2024-01-02 03:04:05+",
                         "2024-01-02 03:04:05+2", "2024-01-02 03:04:05+24:00",
                         "2024-01-02 03:04:05+02:60", "2024-01-02 03:04:05ZZ",
                         "2024-01-02 03:04:05+02:00:00", "2024-01-02 ", "2024-02-30 00:00", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (dc_parse_timestamp(bad[i], (int64_t)strlen(bad[i]), DC_UNIT_MICRO, &v, &z))
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(v, 9);
}

static void test_timestamp_nanos_overflow_fails(void **state)
{
    (void)state;
    int64_t v;
    bool z;
    assert_true(dc_parse_timestamp(S("2262-04-11 23:47:16"), DC_UNIT_NANO, &v, &z));
    assert_false(dc_parse_timestamp(S("2262-04-11 23:47:17"), DC_UNIT_NANO, &v, &z));
    assert_false(dc_parse_timestamp(S("1600-01-01"), DC_UNIT_NANO, &v, &z));
    assert_true(dc_parse_timestamp(S("1600-01-01"), DC_UNIT_MICRO, &v, &z));
    assert_true(dc_parse_timestamp(S("0000-01-01"), DC_UNIT_MICRO, &v, &z));
    assert_true(v == -719528LL * 86400 * 1000000);
}

/* ---- times ---- */

static void test_time_parses_units_and_rejects_junk(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_true(dc_parse_time(S("00:00:00"), DC_UNIT_SECOND, &v));
    assert_int_equal(v, 0);
    assert_true(dc_parse_time(S("23:59:59"), DC_UNIT_SECOND, &v));
    assert_int_equal(v, 86399);
    assert_true(dc_parse_time(S("01:02:03.5"), DC_UNIT_MILLI, &v));
    assert_int_equal(v, 3723500);
    assert_true(dc_parse_time(S("01:02:03.000000001"), DC_UNIT_NANO, &v));
    assert_true(v == 3723000000001LL);
    v = 4;
    assert_false(dc_parse_time(S("01:02:03.5"), DC_UNIT_SECOND, &v));
    assert_false(dc_parse_time(S("01:02"), DC_UNIT_SECOND, &v));
    assert_false(dc_parse_time(S("24:00:00"), DC_UNIT_SECOND, &v));
    assert_false(dc_parse_time(S("01:02:03Z"), DC_UNIT_SECOND, &v));
    assert_false(dc_parse_time(S("1:02:03"), DC_UNIT_SECOND, &v));
    assert_false(dc_parse_time(S(""), DC_UNIT_SECOND, &v));
    assert_int_equal(v, 4);
}

/* ---- decimals ---- */

/* The 16-byte little-endian value as a signed 128-bit integer. */
static __int128 dec128(const uint8_t *b)
{
    unsigned __int128 u = 0;
    for (int i = 15; i >= 0; i--)
        u = (u << 8) | b[i];
    return (__int128)u;
}

static void test_decimal128_scales_and_signs(void **state)
{
    (void)state;
    uint8_t b[16];
    assert_true(dc_parse_decimal(S("123.45"), 5, 2, 16, b));
    assert_true(dec128(b) == 12345);
    assert_true(dc_parse_decimal(S("-123.45"), 5, 2, 16, b));
    assert_true(dec128(b) == -12345);
    assert_true(dc_parse_decimal(S("1.5"), 5, 2, 16, b));
    assert_true(dec128(b) == 150);
    assert_true(dc_parse_decimal(S("7"), 5, 2, 16, b));
    assert_true(dec128(b) == 700);
    assert_true(dc_parse_decimal(S(".01"), 5, 2, 16, b));
    assert_true(dec128(b) == 1);
    assert_true(dc_parse_decimal(S("1.2300"), 5, 2, 16, b)); /* trailing zeros are exact */
    assert_true(dec128(b) == 123);
    assert_true(dc_parse_decimal(S("1.5e2"), 5, 0, 16, b));
    assert_true(dec128(b) == 150);
    assert_true(dc_parse_decimal(S("12300"), 3, -2, 16, b)); /* negative scale */
    assert_true(dec128(b) == 123);
    assert_true(dc_parse_decimal(S("-0.00"), 5, 2, 16, b));
    assert_true(dec128(b) == 0);
    assert_true(dc_parse_decimal(S("000000000000000000000000000000000000000001.5"), 2, 1, 16, b));
    assert_true(dec128(b) == 15);
}

static void test_decimal_enforces_precision_and_scale(void **state)
{
    (void)state;
    uint8_t b[32];
    assert_false(dc_parse_decimal(S("1234.5"), 5, 2, 16, b)); /* 6 digits */
    assert_false(dc_parse_decimal(S("1.234"), 5, 2, 16, b));  /* finer than the scale */
    assert_false(dc_parse_decimal(S("12345"), 3, -2, 16, b));
    assert_false(dc_parse_decimal(S("1e100"), 38, 0, 16, b));
    assert_false(dc_parse_decimal(S("1.5"), 0, 0, 16, b));   /* precision 0 */
    assert_false(dc_parse_decimal(S("1.5"), 39, 1, 16, b));  /* too precise for 128 bits */
    assert_false(dc_parse_decimal(S("1.5"), 10, 1, 24, b));  /* bad width */
    const char *bad[] = {"", "-", ".", "1.2.3", "1e", "abc", " 1", "1 ", "1,5", "0x10", "1e+"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(dc_parse_decimal(bad[i], (int64_t)strlen(bad[i]), 10, 2, 16, b));
    /* 38 nines fit decimal128(38, 0), 39 do not. */
    assert_true(dc_parse_decimal(S("99999999999999999999999999999999999999"), 38, 0, 16, b));
    assert_true(dec128(b) > 0);
    assert_false(dc_parse_decimal(S("999999999999999999999999999999999999999"), 38, 0, 16, b));
    assert_true(dc_parse_decimal(S("-99999999999999999999999999999999999999"), 38, 0, 16, b));
    assert_true(dec128(b) < 0);
}

static void test_decimal256_holds_76_digits(void **state)
{
    (void)state;
    uint8_t b[32];
    char nines[80];
    memset(nines, '9', 76);
    assert_true(dc_parse_decimal(nines, 76, 76, 0, 32, b));
    /* 10^76 - 1 < 2^255: the top byte is positive and non-zero */
    assert_true(b[31] > 0 && b[31] < 0x80);
    assert_true(dc_parse_decimal(S("-1"), 76, 0, 32, b));
    for (int i = 0; i < 32; i++)
        assert_int_equal(b[i], 0xFF);
    assert_true(dc_parse_decimal(S("1"), 10, 0, 32, b));
    assert_int_equal(b[0], 1);
    for (int i = 1; i < 32; i++)
        assert_int_equal(b[i], 0);
    memset(nines, '9', 77);
    assert_false(dc_parse_decimal(nines, 77, 76, 0, 32, b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool_accepts_every_spelling_in_any_case),
        cmocka_unit_test(test_bool_rejects_junk_and_empty),
        cmocka_unit_test(test_int64_parses_boundaries),
        cmocka_unit_test(test_int64_rejects_overflow_and_junk),
        cmocka_unit_test(test_uint64_parses_full_range_and_rejects_signs),
        cmocka_unit_test(test_double_parses_plain_and_exponent_forms),
        cmocka_unit_test(test_double_parses_inf_and_nan),
        cmocka_unit_test(test_double_rejects_junk_and_overflow),
        cmocka_unit_test(test_double_is_correctly_rounded_like_strtod),
        cmocka_unit_test(test_double_handles_very_long_inputs_exactly),
        cmocka_unit_test(test_date32_counts_days_across_leap_years),
        cmocka_unit_test(test_date32_rejects_impossible_dates_and_junk),
        cmocka_unit_test(test_timestamp_parses_forms_and_units),
        cmocka_unit_test(test_timestamp_applies_zone_offsets),
        cmocka_unit_test(test_timestamp_rejects_finer_fractions_and_junk),
        cmocka_unit_test(test_timestamp_nanos_overflow_fails),
        cmocka_unit_test(test_time_parses_units_and_rejects_junk),
        cmocka_unit_test(test_decimal128_scales_and_signs),
        cmocka_unit_test(test_decimal_enforces_precision_and_scale),
        cmocka_unit_test(test_decimal256_holds_76_digits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
