/* test_kernel_cast.c: dc_cast (safe and unsafe) and dc_type_widens_to. */
#include "kernel_fixtures.h"

#include <math.h>

/* An array of type `type` from texts. */
static dc_array *arr(const char *type, const char *const *v, int64_t n)
{
    dc_type *t = kf_type(type);
    dc_array *a = tu_of_type(t, v, n);
    dc_type_unref(t);
    return a;
}

/* Cast `a` to `type` (must succeed), check it, render it, compare to `expected`. */
static void cast_ok(const dc_array *a, const char *type, bool safe, const char *expected)
{
    dc_type *t = kf_type(type);
    dc_array *out = NULL;
    dc_error e;
    if (dc_cast(&out, a, t, safe, &e) != DC_OK)
        fail_msg("cast to %s failed: %s", type, e.message);
    assert_true(dc_type_equals(out->type, t));
    assert_int_equal(out->length, a->length);
    if (dc_array_validate(out, &e) != DC_OK)
        fail_msg("cast to %s: invalid result: %s", type, e.message);
    TU_ASSERT_ARRAY(out, expected);
    dc_array_unref(out);
    dc_type_unref(t);
}

/* A safe cast that must fail with DC_ESCHEMA whose message contains `needle`. */
static void cast_fails(const dc_array *a, const char *type, const char *needle)
{
    dc_type *t = kf_type(type);
    dc_array *out = NULL;
    dc_error e;
    assert_int_equal(dc_cast(&out, a, t, true, &e), DC_ESCHEMA);
    assert_null(out);
    if (!strstr(e.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e.message, needle);
    dc_type_unref(t);
}

static void test_integers_narrow_safely_or_wrap_when_unsafe(void **state)
{
    (void)state;
    const int64_t v[] = {1, 0, 300, -5};
    dc_array *a = tu_int64(v, 4, "1011");
    cast_ok(a, "int16", true, "[1, null, 300, -5]");
    cast_fails(a, "int8", "'300' (row 2)");
    cast_ok(a, "int8", false, "[1, null, 44, -5]");
    cast_fails(a, "uint16", "'-5' (row 3)");
    cast_ok(a, "uint16", false, "[1, null, 300, 65531]");
    cast_ok(a, "double", true, "[1.0, null, 300.0, -5.0]");
    cast_ok(a, "bool", true, "[true, null, true, true]");
    dc_array_unref(a);
    const int64_t big[] = {9007199254740993LL};
    a = tu_int64(big, 1, NULL);
    cast_fails(a, "double", "lose digits");
    dc_array_unref(a);
}

static void test_floats_to_integers_check_fractions_and_range(void **state)
{
    (void)state;
    const double v[] = {2.0, 2.5, NAN, 1e20, -3.0};
    dc_array *a = tu_double(v, 5, NULL);
    cast_fails(a, "int32", "'2.5' (row 1)");
    cast_ok(a, "int64", false, "[2, 2, null, null, -3]");
    cast_ok(a, "float", true, "[2.0, 2.5, NaN, 1e+20, -3.0]");
    dc_array_unref(a);
    const double big[] = {1e300};
    a = tu_double(big, 1, NULL);
    cast_fails(a, "float", "out of range");
    dc_array_unref(a);
}

static void test_decimals_convert_from_and_to_numbers_and_rescale(void **state)
{
    (void)state;
    const char *d[] = {"1.25", NULL, "-0.50", "99.99"};
    dc_array *a = arr("decimal128(4, 2)", d, 4);
    cast_ok(a, "decimal128(6, 3)", true, "[1.250, null, -0.500, 99.990]");
    cast_ok(a, "decimal256(40, 2)", true, "[1.25, null, -0.50, 99.99]");
    cast_fails(a, "decimal128(3, 1)", "'1.25' (row 0)");
    cast_ok(a, "decimal128(3, 1)", false, "[1.2, null, -0.5, 99.9]");
    cast_fails(a, "decimal128(3, 2)", "out of range");
    cast_ok(a, "decimal128(3, 2)", false, "[1.25, null, -0.50, null]");
    cast_fails(a, "int64", "lose digits");
    cast_ok(a, "int64", false, "[1, null, 0, 99]");
    cast_ok(a, "double", true, "[1.25, null, -0.5, 99.99]");
    dc_array_unref(a);

    const int64_t i[] = {123, -7};
    a = tu_int64(i, 2, NULL);
    cast_ok(a, "decimal128(5, 2)", true, "[123.00, -7.00]");
    cast_fails(a, "decimal128(4, 2)", "'123' (row 0)");
    cast_ok(a, "decimal128(4, 2)", false, "[null, -7.00]");
    dc_array_unref(a);

    const double f[] = {1.15, -2.5, 0.001};
    a = tu_double(f, 3, NULL);
    cast_fails(a, "decimal128(5, 2)", "'0.001' (row 2)");
    cast_ok(a, "decimal128(5, 2)", false, "[1.15, -2.50, 0.00]");
    cast_ok(a, "decimal128(6, 3)", true, "[1.150, -2.500, 0.001]");
    dc_array_unref(a);
}

static void test_wide_decimals_rescale_exactly_beyond_128_bits(void **state)
{
    (void)state;
    const char *d[] = {"-1234567890123456789012345678901234567890", "7", NULL};
    dc_array *a = arr("decimal256(50, 0)", d, 3);
    cast_ok(a, "decimal256(60, 10)", true,
            "[-1234567890123456789012345678901234567890.0000000000, 7.0000000000, null]");
    cast_fails(a, "decimal128(38, 0)", "out of range");
    cast_fails(a, "int64", "out of range");
    cast_ok(a, "decimal128(38, 0)", false, "[null, 7, null]");
    const char *hundred[] = {"100"};
    dc_array *b = arr("decimal128(38, -2)", hundred, 1); /* negative scale: stored as 1 */
    cast_ok(b, "int32", true, "[100]");
    dc_array_unref(b);
    dc_array_unref(a);
}

static void test_strings_parse_into_every_text_type_and_fail_by_row(void **state)
{
    (void)state;
    const char *v[] = {"12", NULL, "x1", "-3"};
    dc_array *s = tu_utf8(v, 4);
    cast_fails(s, "int64", "'x1' (row 2)");
    cast_ok(s, "int64", false, "[12, null, null, -3]");
    cast_fails(s, "uint8", "row 2");
    dc_array_unref(s);
    const char *w[] = {"2024-02-29", "1970-01-01"};
    s = tu_utf8(w, 2);
    cast_ok(s, "date32", true, "[2024-02-29, 1970-01-01]");
    cast_ok(s, "date64", true, "[2024-02-29, 1970-01-01]");
    cast_fails(s, "time32[s]", "row 0");
    dc_array_unref(s);
    const char *ts[] = {"2024-01-02T03:04:05Z", "2024-01-02 03:04:05.5"};
    s = tu_utf8(ts, 2);
    cast_ok(s, "timestamp[ms]", true, "[2024-01-02 03:04:05, 2024-01-02 03:04:05.500]");
    cast_fails(s, "timestamp[s]", "row 1");
    dc_array_unref(s);
    const char *b[] = {"true", "no", "maybe"};
    s = tu_utf8(b, 3);
    cast_ok(s, "bool", false, "[true, false, null]");
    dc_array_unref(s);
}

static void test_every_type_with_a_text_form_round_trips_through_utf8(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    dc_type *utf8 = dc_type_new(DC_TYPE_UTF8), *large = dc_type_new(DC_TYPE_LARGE_UTF8);
    for (int i = 0; i < n; i++) {
        dc_type_id id = all[i]->type->id;
        dc_array *text = NULL, *back = NULL;
        DC_ASSERT_OK(dc_cast(&text, all[i], id == DC_TYPE_LIST ? large : utf8, true, NULL));
        DC_ASSERT_OK(dc_array_validate(text, NULL));
        assert_int_equal(text->null_count, id == DC_TYPE_NULL ? KF_ROWS : 2);
        bool parsable = id != DC_TYPE_NULL && !dc_type_is_nested(id) &&
                        id != DC_TYPE_DICTIONARY && id != DC_TYPE_BINARY &&
                        id != DC_TYPE_LARGE_BINARY;
        if (id == DC_TYPE_TIMESTAMP && all[i]->type->timezone)
            parsable = true; /* "...Z" parses back to the same instant */
        if (parsable) {
            dc_error e;
            if (dc_cast(&back, text, all[i]->type, true, &e) != DC_OK)
                fail_msg("%s: %s", dc_type_id_name(id), e.message);
            const int64_t idx[] = {0, 1, 2, 3, 4, 5};
            kf_assert_gathered(back, all[i], idx, KF_ROWS);
            dc_array_unref(back);
        }
        dc_array_unref(text);
    }
    dc_type_unref(utf8);
    dc_type_unref(large);
    kf_free_all(all, n);
}

static void test_temporal_units_and_dates_convert_by_instant(void **state)
{
    (void)state;
    const char *v[] = {"2024-01-02 03:04:05", NULL, "1969-12-31 23:00:00"};
    dc_array *a = arr("timestamp[s]", v, 3);
    cast_ok(a, "timestamp[ms]", true, "[2024-01-02 03:04:05, null, 1969-12-31 23:00:00]");
    cast_ok(a, "date32", true, "[2024-01-02, null, 1969-12-31]");
    cast_ok(a, "date64", true, "[2024-01-02, null, 1969-12-31]");
    dc_array_unref(a);
    const char *ms[] = {"2024-01-02 03:04:05.250"};
    a = arr("timestamp[ms]", ms, 1);
    cast_fails(a, "timestamp[s]", "lose digits");
    cast_ok(a, "timestamp[s]", false, "[2024-01-02 03:04:05]");
    dc_array_unref(a);
    const char *d[] = {"2000-01-01", "1960-06-15"};
    a = arr("date32", d, 2);
    cast_ok(a, "timestamp[us]", true, "[2000-01-01 00:00:00, 1960-06-15 00:00:00]");
    cast_ok(a, "date64", true, "[2000-01-01, 1960-06-15]");
    dc_array_unref(a);
    const char *t[] = {"01:02:03"};
    a = arr("time32[s]", t, 1);
    cast_ok(a, "time64[us]", true, "[01:02:03]");
    dc_array_unref(a);
    const int64_t big[] = {INT64_MAX / 10};
    dc_array *raw = tu_int64(big, 1, NULL), *sec = NULL;
    dc_type *ts_s = dc_type_timestamp(DC_UNIT_SECOND, NULL);
    DC_ASSERT_OK(dc_cast(&sec, raw, ts_s, true, NULL));
    cast_fails(sec, "timestamp[ns]", "out of range");
    dc_array_unref(sec);
    dc_array_unref(raw);
    dc_type_unref(ts_s);
    const int64_t zero[] = {0, 86400};
    raw = tu_int64(zero, 2, NULL);
    cast_ok(raw, "timestamp[s]", true, "[1970-01-01 00:00:00, 1970-01-02 00:00:00]");
    dc_array_unref(raw);
}

static void test_string_and_binary_forms_convert_and_check_utf8(void **state)
{
    (void)state;
    const char *v[] = {"ab", NULL, "", "\xc3\xa9", "zz"};
    dc_array *a = tu_utf8(v, 5), *s = NULL;
    DC_ASSERT_OK(dc_array_slice(&s, a, 1, 4, NULL));
    cast_ok(s, "large_string", true, "[null, , \xc3\xa9, zz]");
    cast_ok(s, "binary", true, "[null, , c3a9, 7a7a]"); /* binary renders as hex */
    dc_type *large = dc_type_new(DC_TYPE_LARGE_UTF8);
    dc_array *l = NULL;
    DC_ASSERT_OK(dc_cast(&l, s, large, true, NULL));
    assert_ptr_equal(l->data[2], a->data[2]); /* the bytes are shared */
    cast_ok(l, "string", true, "[null, , \xc3\xa9, zz]");
    dc_array_unref(l);
    dc_type_unref(large);
    const char *bad[] = {"ok", "\xff\xfe"};
    dc_array *bin = NULL, *u = tu_utf8(bad, 1);
    /* Build a binary array holding invalid UTF-8 through the builder. */
    dc_builder *b = kf_builder(dc_type_new(DC_TYPE_BINARY));
    for (int i = 0; i < 2; i++)
        assert_int_equal(dc_builder_append_bytes(b, bad[i], (int64_t)strlen(bad[i])), DC_OK);
    bin = kf_finish(b);
    cast_fails(bin, "string", "UTF-8");
    cast_ok(bin, "string", false, "[ok, null]");
    dc_array_unref(bin);
    dc_array_unref(u);
    dc_array_unref(s);
    dc_array_unref(a);
}

static void test_lists_cast_their_elements_and_change_offset_width(void **state)
{
    (void)state;
    dc_array *l = kf_list(DC_TYPE_LIST, "1,2;null;;3,n,4"), *s = NULL;
    cast_ok(l, "large_list<item: double>", true, "[[1.0,2.0], null, [], [3.0,null,4.0]]");
    DC_ASSERT_OK(dc_array_slice(&s, l, 2, 2, NULL));
    cast_ok(s, "large_list<item: string>", true, "[[], [\"3\",null,\"4\"]]");
    dc_array *fsl = kf_fsl();
    cast_ok(fsl, "list<item: int32>", true, "[[0,1], null, [4,5], [6,null], null, [10,11]]");
    cast_fails(l, "list<item: struct<a: int64>>", "no cast from int64");
    cast_ok(fsl, "fixed_size_list<item: double>[2]", true,
            "[[0.0,1.0], null, [4.0,5.0], [6.0,null], null, [10.0,11.0]]");
    cast_fails(fsl, "fixed_size_list<item: int64>[3]", "3 values");
    dc_array *m = kf_map();
    cast_ok(m, "map<string, double>", true,
            "[{\"k0\":0.0}, null, {}, {\"k0\":300.0}, null, "
            "{\"k0\":500.0,\"k1\":501.0,\"k2\":502.0}]");
    dc_array_unref(m);
    dc_array_unref(s);
    dc_array_unref(fsl);
    dc_array_unref(l);
}

static void test_json_text_casts_to_lists_structs_and_maps(void **state)
{
    (void)state;
    const char *l[] = {"[1, 2]", NULL, "[]", "[3, null]", "nope", "[1.5]"};
    dc_array *s = tu_utf8(l, 6), *short_s = NULL;
    cast_fails(s, "list<item: int64>", "'nope' (row 4)");
    cast_ok(s, "large_list<item: int64>", false, "[[1,2], null, [], [3,null], null, null]");
    DC_ASSERT_OK(dc_array_slice(&short_s, s, 0, 4, NULL));
    cast_ok(short_s, "fixed_size_list<item: double>[2]", false,
            "[[1.0,2.0], null, null, [3.0,null]]");
    dc_array_unref(short_s);
    dc_array_unref(s);
    const char *st[] = {"{\"a\": 1, \"d\": \"2024-01-02\"}", "{\"a\": null}", "{\"d\": 5}"};
    s = tu_utf8(st, 3);
    cast_ok(s, "struct<a: int8, d: date32>", false,
            "[{\"a\":1,\"d\":\"2024-01-02\"}, {\"a\":null,\"d\":null}, null]");
    cast_fails(s, "struct<a: int8, d: date32>", "row 2");
    dc_array_unref(s);
    const char *m[] = {"{\"x\": 1.5, \"y\": null}", "{}"};
    s = tu_utf8(m, 2);
    cast_ok(s, "map<string, double>", true, "[{\"x\":1.5,\"y\":null}, {}]");
    dc_array_unref(s);
    /* Nested values survive a trip through text. */
    int n;
    dc_array **all = kf_all(&n);
    dc_type *text = dc_type_new(DC_TYPE_UTF8);
    for (int i = n - 6; i < n - 1; i++) {
        dc_array *t = NULL, *back = NULL;
        DC_ASSERT_OK(dc_cast(&t, all[i], text, true, NULL));
        dc_error e;
        if (dc_cast(&back, t, all[i]->type, true, &e) != DC_OK)
            fail_msg("%s: %s", tu_str(t, 0), e.message);
        const int64_t idx[] = {0, 1, 2, 3, 4, 5};
        kf_assert_gathered(back, all[i], idx, KF_ROWS);
        dc_array_unref(back);
        dc_array_unref(t);
    }
    dc_type_unref(text);
    kf_free_all(all, n);
}

static void test_structs_cast_field_by_name_and_fill_missing_fields(void **state)
{
    (void)state;
    dc_array *s = kf_struct();
    cast_ok(s, "struct<b: string, a: double, c: int32>", true,
            "[{\"b\":\"x\",\"a\":0.0,\"c\":null}, null, {\"b\":\"zz\",\"a\":20.0,\"c\":null}, "
            "{\"b\":null,\"a\":30.0,\"c\":null}, null, {\"b\":\"\",\"a\":50.0,\"c\":null}]");
    dc_array_unref(s);
}

static void test_dictionaries_decode_and_encode(void **state)
{
    (void)state;
    dc_array *d = kf_dict();
    cast_ok(d, "string", true, "[red, null, blue, green, null, red]");
    cast_ok(d, "large_string", true, "[red, null, blue, green, null, red]");
    const char *v[] = {"x", "y", NULL, "x"};
    dc_array *s = tu_utf8(v, 4), *enc = NULL;
    dc_type *i16 = dc_type_new(DC_TYPE_INT16), *u8 = dc_type_new(DC_TYPE_UTF8);
    dc_type *dt = dc_type_dictionary(i16, u8, false);
    DC_ASSERT_OK(dc_cast(&enc, s, dt, true, NULL));
    DC_ASSERT_OK(dc_array_validate(enc, NULL));
    TU_ASSERT_ARRAY(enc, "[x, y, null, x]");
    assert_int_equal(enc->dictionary->length, 2);
    dc_array_unref(enc);
    dc_array_unref(s);
    dc_array_unref(d);
    dc_type_unref(dt);
    dc_type_unref(i16);
    dc_type_unref(u8);
}

static void test_null_casts_and_identity_and_impossible_casts(void **state)
{
    (void)state;
    dc_type *nt = dc_type_new(DC_TYPE_NULL);
    dc_array *nulls = NULL, *out = NULL;
    DC_ASSERT_OK(dc_array_new_null(&nulls, nt, 3, NULL));
    cast_ok(nulls, "list<item: int64>", true, "[null, null, null]");
    cast_ok(nulls, "string", true, "[null, null, null]");
    const int64_t v[] = {1, 2};
    dc_array *a = tu_int64(v, 2, "01");
    cast_fails(a, "null", "non-null");
    DC_ASSERT_OK(dc_cast(&out, a, nt, false, NULL));
    assert_int_equal(out->null_count, 2);
    dc_array_unref(out);
    DC_ASSERT_OK(dc_cast(&out, a, a->type, true, NULL));
    assert_ptr_equal(out, a);
    dc_array_unref(out);
    cast_fails(a, "list<item: int64>", "no cast from int64");
    cast_fails(a, "struct<a: int64>", "no cast");
    dc_array_unref(a);
    dc_array_unref(nulls);
    dc_type_unref(nt);
}

static bool widens(const char *from, const char *to)
{
    dc_type *f = kf_type(from), *t = kf_type(to);
    bool r = dc_type_widens_to(f, t);
    dc_type_unref(f);
    dc_type_unref(t);
    return r;
}

static void test_widening_holds_only_for_lossless_pairs(void **state)
{
    (void)state;
    assert_true(widens("int8", "int64"));
    assert_true(widens("uint8", "int16"));
    assert_false(widens("uint8", "int8"));
    assert_false(widens("int8", "uint64"));
    assert_true(widens("int32", "double"));
    assert_false(widens("int64", "double"));
    assert_true(widens("int16", "float"));
    assert_true(widens("float", "double"));
    assert_false(widens("double", "float"));
    assert_true(widens("int32", "decimal128(12, 2)"));
    assert_false(widens("int32", "decimal128(10, 2)"));
    assert_true(widens("decimal128(5, 2)", "decimal128(7, 3)"));
    assert_false(widens("decimal128(5, 2)", "decimal128(7, 1)"));
    assert_true(widens("string", "large_string"));
    assert_false(widens("large_string", "string"));
    assert_true(widens("date32", "timestamp[s]"));
    assert_true(widens("timestamp[s]", "timestamp[us]"));
    assert_false(widens("timestamp[us]", "timestamp[s]"));
    assert_false(widens("timestamp[s]", "timestamp[s, tz=UTC]"));
    assert_true(widens("null", "string"));
    assert_true(widens("list<item: int32>", "large_list<item: int64>"));
    assert_false(widens("list<item: int64>", "list<item: int32>"));
    assert_true(widens("struct<a: int32>", "struct<a: int64, b: string>"));
    assert_false(widens("struct<a: int32, c: int8>", "struct<a: int64>"));
    assert_false(widens("string", "int64"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_narrow_safely_or_wrap_when_unsafe),
        cmocka_unit_test(test_floats_to_integers_check_fractions_and_range),
        cmocka_unit_test(test_decimals_convert_from_and_to_numbers_and_rescale),
        cmocka_unit_test(test_wide_decimals_rescale_exactly_beyond_128_bits),
        cmocka_unit_test(test_strings_parse_into_every_text_type_and_fail_by_row),
        cmocka_unit_test(test_every_type_with_a_text_form_round_trips_through_utf8),
        cmocka_unit_test(test_temporal_units_and_dates_convert_by_instant),
        cmocka_unit_test(test_string_and_binary_forms_convert_and_check_utf8),
        cmocka_unit_test(test_lists_cast_their_elements_and_change_offset_width),
        cmocka_unit_test(test_json_text_casts_to_lists_structs_and_maps),
        cmocka_unit_test(test_structs_cast_field_by_name_and_fill_missing_fields),
        cmocka_unit_test(test_dictionaries_decode_and_encode),
        cmocka_unit_test(test_null_casts_and_identity_and_impossible_casts),
        cmocka_unit_test(test_widening_holds_only_for_lossless_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
