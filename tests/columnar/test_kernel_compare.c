/* test_kernel_compare.c: dc_compare_values and dc_compare. */
#include "kernel_fixtures.h"

static dc_array *one(const char *type, const char *text)
{
    const char *v[] = {text};
    dc_type *t = kf_type(type);
    dc_array *a = tu_of_type(t, v, 1);
    dc_type_unref(t);
    return a;
}

/* Compare the single values of two one-row arrays. */
static int cmp1(const char *ta, const char *va, const char *tb, const char *vb)
{
    dc_array *a = one(ta, va), *b = one(tb, vb);
    int c = dc_compare_values(a, 0, b, 0, true);
    int back = dc_compare_values(b, 0, a, 0, true);
    assert_int_equal(c, -back);
    dc_array_unref(a);
    dc_array_unref(b);
    return c;
}

static void test_numbers_compare_by_value_across_widths_signs_and_kinds(void **state)
{
    (void)state;
    assert_int_equal(cmp1("int8", "-1", "uint64", "18446744073709551615"), -1);
    assert_int_equal(cmp1("int64", "5", "uint8", "5"), 0);
    assert_int_equal(cmp1("uint64", "9223372036854775808", "int64", "9223372036854775807"), 1);
    assert_int_equal(cmp1("int32", "2", "double", "2.5"), -1);
    assert_int_equal(cmp1("float", "2.5", "double", "2.5"), 0);
    assert_int_equal(cmp1("double", "-0.0", "double", "0"), 0);
    assert_int_equal(cmp1("double", "nan", "double", "inf"), 1);
    assert_int_equal(cmp1("double", "nan", "float", "nan"), 0);
    assert_int_equal(cmp1("decimal128(5, 2)", "1.50", "int64", "1"), 1);
    assert_int_equal(cmp1("decimal128(5, 2)", "2.00", "int16", "2"), 0);
    assert_int_equal(cmp1("decimal128(5, 1)", "1.5", "decimal256(40, 3)", "1.500"), 0);
    assert_int_equal(cmp1("decimal128(5, 1)", "-1.5", "decimal128(5, 3)", "-1.499"), -1);
    assert_int_equal(cmp1("decimal128(5, 2)", "0.25", "double", "0.5"), -1);
    assert_int_equal(cmp1("bool", "true", "bool", "false"), 1);
}

static void test_temporal_values_compare_by_instant_across_units(void **state)
{
    (void)state;
    dc_type *ts_s = dc_type_timestamp(DC_UNIT_SECOND, NULL);
    dc_type *ts_ms = dc_type_timestamp(DC_UNIT_MILLI, NULL);
    const char *a[] = {"2024-01-01 00:00:01"}, *b[] = {"2024-01-01 00:00:01.001"},
               *d[] = {"2024-01-01"};
    dc_array *x = tu_of_type(ts_s, a, 1), *y = tu_of_type(ts_ms, b, 1);
    dc_array *y0 = tu_of_type(ts_ms, a, 1);
    dc_type *date = dc_type_new(DC_TYPE_DATE32);
    dc_array *day = tu_of_type(date, d, 1);
    assert_int_equal(dc_compare_values(x, 0, y, 0, true), -1);
    assert_int_equal(dc_compare_values(x, 0, y0, 0, true), 0);
    assert_int_equal(dc_compare_values(day, 0, x, 0, true), -1);
    assert_int_equal(cmp1("time32[s]", "01:00:00", "time64[us]", "01:00:00"), 0);
    assert_int_equal(cmp1("duration[s]", "2", "duration[ms]", "1999"), 1);
    dc_array_unref(x);
    dc_array_unref(y);
    dc_array_unref(y0);
    dc_array_unref(day);
    dc_type_unref(ts_s);
    dc_type_unref(ts_ms);
    dc_type_unref(date);
}

static void test_strings_and_binary_compare_bytewise(void **state)
{
    (void)state;
    assert_int_equal(cmp1("string", "ab", "string", "abc"), -1);
    assert_int_equal(cmp1("string", "abc", "large_string", "b"), -1);
    assert_int_equal(cmp1("string", "same", "large_string", "same"), 0);
    assert_int_equal(cmp1("binary", "\xff", "string", "a"), 1);
    assert_int_equal(cmp1("string", "", "string", ""), 0);
}

static void test_nested_values_compare_lexicographically(void **state)
{
    (void)state;
    dc_array *l = kf_list(DC_TYPE_LIST, "1,2;1,2,3;1,3;1,n;null");
    dc_array *ll = kf_list(DC_TYPE_LARGE_LIST, "1,2");
    assert_int_equal(dc_compare_values(l, 0, l, 1, true), -1);
    assert_int_equal(dc_compare_values(l, 1, l, 2, true), -1);
    assert_int_equal(dc_compare_values(l, 3, l, 0, true), -1); /* null item first */
    assert_int_equal(dc_compare_values(l, 3, l, 0, false), 1);
    assert_int_equal(dc_compare_values(l, 0, ll, 0, true), 0);
    assert_int_equal(dc_compare_values(l, 4, l, 0, true), -1);
    dc_array *s = kf_struct();
    assert_int_equal(dc_compare_values(s, 0, s, 2, true), -1); /* a: 0 < 20 */
    assert_int_equal(dc_compare_values(s, 3, s, 3, true), 0);
    dc_array *m = kf_map();
    assert_int_equal(dc_compare_values(m, 2, m, 0, true), -1); /* empty map first */
    dc_array_unref(l);
    dc_array_unref(ll);
    dc_array_unref(s);
    dc_array_unref(m);
}

static void test_dictionaries_compare_by_their_values(void **state)
{
    (void)state;
    dc_array *d = kf_dict(); /* red, null, blue, green, null, red */
    const char *v[] = {"blue"};
    dc_array *s = tu_utf8(v, 1);
    assert_int_equal(dc_compare_values(d, 2, s, 0, true), 0);
    assert_int_equal(dc_compare_values(d, 0, s, 0, true), 1);
    assert_int_equal(dc_compare_values(d, 1, d, 4, true), 0);
    assert_int_equal(dc_compare_values(d, 1, s, 0, true), -1);
    assert_int_equal(dc_compare_values(d, 1, s, 0, false), 1);
    dc_array_unref(d);
    dc_array_unref(s);
}

static void test_every_type_equals_itself_and_nulls_sort_as_asked(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    for (int i = 0; i < n; i++) {
        dc_array *out = NULL;
        DC_ASSERT_OK(dc_compare(&out, all[i], DC_CMP_EQ, all[i], NULL));
        assert_int_equal(out->length, KF_ROWS);
        for (int64_t k = 0; k < KF_ROWS; k++) {
            if (dc_array_is_null(all[i], k)) {
                assert_true(dc_array_is_null(out, k));
                assert_int_equal(dc_compare_values(all[i], k, all[i], 0, true),
                                 dc_array_is_null(all[i], 0) ? 0 : -1);
            } else {
                assert_false(dc_array_is_null(out, k));
                assert_true(dc_bit_get(out->data[1], out->offset + k));
                if (!dc_array_is_null(all[i], 1))
                    continue;
                assert_int_equal(dc_compare_values(all[i], k, all[i], 1, false), -1);
            }
        }
        dc_array_unref(out);
    }
    kf_free_all(all, n);
}

static void test_compare_kernel_every_operator_with_nulls(void **state)
{
    (void)state;
    const int64_t l[] = {1, 2, 3, 4}, r[] = {2, 2, 2, 0};
    dc_array *a = tu_int64(l, 4, "1110"), *b = tu_int64(r, 4, NULL), *out = NULL;
    const char *expect[] = {"[false, true, false, null]", "[true, false, true, null]",
                            "[true, false, false, null]", "[true, true, false, null]",
                            "[false, false, true, null]", "[false, true, true, null]"};
    for (int op = DC_CMP_EQ; op <= DC_CMP_GE; op++) {
        DC_ASSERT_OK(dc_compare(&out, a, (dc_cmp_op)op, b, NULL));
        TU_ASSERT_ARRAY(out, expect[op]);
        assert_int_equal(out->null_count, 1);
        dc_array_unref(out);
    }
    dc_array_unref(a);
    dc_array_unref(b);
}

static void test_compare_kernel_broadcasts_a_scalar_and_mixes_types(void **state)
{
    (void)state;
    const int32_t l[] = {1, 5, 9};
    const double r[] = {5.0};
    dc_array *a = tu_int32(l, 3, NULL), *b = tu_double(r, 1, NULL), *out = NULL;
    DC_ASSERT_OK(dc_compare(&out, a, DC_CMP_LT, b, NULL));
    TU_ASSERT_ARRAY(out, "[true, false, false]");
    dc_array_unref(out);
    const char *s[] = {"b", "a", NULL}, *k[] = {"a"};
    dc_array *sa = tu_utf8(s, 3), *sk = tu_utf8(k, 1);
    DC_ASSERT_OK(dc_compare(&out, sa, DC_CMP_GT, sk, NULL));
    TU_ASSERT_ARRAY(out, "[true, false, null]");
    dc_array_unref(out);
    dc_array_unref(a);
    dc_array_unref(b);
    dc_array_unref(sa);
    dc_array_unref(sk);
}

static void test_compare_kernel_rejects_incomparable_types_and_lengths(void **state)
{
    (void)state;
    const int64_t l[] = {1, 2};
    const char *s[] = {"1", "2"};
    dc_array *a = tu_int64(l, 2, NULL), *b = tu_utf8(s, 2), *c = tu_int64(l, 2, NULL), *out = NULL;
    dc_error e;
    assert_int_equal(dc_compare(&out, a, DC_CMP_EQ, b, &e), DC_ESCHEMA);
    assert_null(out);
    assert_non_null(strstr(e.message, "int64"));
    assert_non_null(strstr(e.message, "string"));
    dc_array *three = NULL;
    const int64_t t[] = {1, 2, 3};
    three = tu_int64(t, 3, NULL);
    assert_int_equal(dc_compare(&out, a, DC_CMP_EQ, three, &e), DC_EINVALID);
    assert_null(out);
    DC_ASSERT_OK(dc_compare(&out, a, DC_CMP_EQ, c, NULL));
    TU_ASSERT_ARRAY(out, "[true, true]");
    dc_array_unref(out);
    dc_array *empty = tu_int64(NULL, 0, NULL);
    DC_ASSERT_OK(dc_compare(&out, empty, DC_CMP_EQ, empty, NULL));
    assert_int_equal(out->length, 0);
    dc_array_unref(out);
    dc_array_unref(empty);
    dc_array_unref(three);
    dc_array_unref(a);
    dc_array_unref(b);
    dc_array_unref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_compare_by_value_across_widths_signs_and_kinds),
        cmocka_unit_test(test_temporal_values_compare_by_instant_across_units),
        cmocka_unit_test(test_strings_and_binary_compare_bytewise),
        cmocka_unit_test(test_nested_values_compare_lexicographically),
        cmocka_unit_test(test_dictionaries_compare_by_their_values),
        cmocka_unit_test(test_every_type_equals_itself_and_nulls_sort_as_asked),
        cmocka_unit_test(test_compare_kernel_every_operator_with_nulls),
        cmocka_unit_test(test_compare_kernel_broadcasts_a_scalar_and_mixes_types),
        cmocka_unit_test(test_compare_kernel_rejects_incomparable_types_and_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
