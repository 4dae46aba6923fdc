/* test_kernel_hash.c: dc_hash_rows and dc_rows_equal. */
#include "kernel_fixtures.h"

#include <math.h>

static void test_equal_rows_of_every_type_hash_equal_through_take_and_slice(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    const int64_t idx[] = {5, 4, 3, 2, 1, 0, 3};
    for (int i = 0; i < n; i++) {
        dc_array *t = NULL, *s = NULL;
        uint64_t h[KF_ROWS], ht[7], hs[5];
        DC_ASSERT_OK(dc_array_take(&t, all[i], idx, 7, NULL));
        DC_ASSERT_OK(dc_array_slice(&s, all[i], 1, 5, NULL));
        DC_ASSERT_OK(dc_hash_rows(h, &all[i], 1, KF_ROWS, NULL));
        DC_ASSERT_OK(dc_hash_rows(ht, &t, 1, 7, NULL));
        DC_ASSERT_OK(dc_hash_rows(hs, &s, 1, 5, NULL));
        for (int k = 0; k < 7; k++) {
            assert_true(ht[k] == h[idx[k]]);
            assert_true(dc_rows_equal(&t, k, &all[i], idx[k], 1));
        }
        for (int k = 0; k < 5; k++)
            assert_true(hs[k] == h[k + 1]);
        /* Rows 1 and 4 are null everywhere: nulls hash alike. */
        assert_true(h[1] == h[4]);
        if (all[i]->type->id != DC_TYPE_NULL)
            assert_true(h[0] != h[1]);
        dc_array_unref(t);
        dc_array_unref(s);
    }
    kf_free_all(all, n);
}

static void test_integers_hash_by_value_and_floats_are_normalized(void **state)
{
    (void)state;
    const int64_t v64[] = {5, -7};
    const int32_t v32[] = {5, -7};
    const double d[] = {0.0, -0.0, NAN, -NAN, 1.5};
    dc_array *a = tu_int64(v64, 2, NULL), *b = tu_int32(v32, 2, NULL), *f = tu_double(d, 5, NULL);
    uint64_t ha[2], hb[2], hf[5];
    DC_ASSERT_OK(dc_hash_rows(ha, &a, 1, 2, NULL));
    DC_ASSERT_OK(dc_hash_rows(hb, &b, 1, 2, NULL));
    DC_ASSERT_OK(dc_hash_rows(hf, &f, 1, 5, NULL));
    assert_true(ha[0] == hb[0] && ha[1] == hb[1]);
    assert_true(ha[0] != ha[1]);
    assert_true(hf[0] == hf[1]);
    assert_true(hf[2] == hf[3]);
    assert_true(hf[0] != hf[4]);
    assert_true(dc_rows_equal(&f, 0, &f, 1, 1));
    assert_true(dc_rows_equal(&f, 2, &f, 3, 1));
    dc_array_unref(a);
    dc_array_unref(b);
    dc_array_unref(f);
}

static void test_dictionary_rows_hash_like_their_values(void **state)
{
    (void)state;
    dc_array *d = kf_dict(); /* red, null, blue, green, null, red */
    const char *v[] = {"red", NULL, "blue", "green", NULL, "red"};
    dc_array *s = tu_utf8(v, 6);
    uint64_t hd[6], hs[6];
    DC_ASSERT_OK(dc_hash_rows(hd, &d, 1, 6, NULL));
    DC_ASSERT_OK(dc_hash_rows(hs, &s, 1, 6, NULL));
    for (int k = 0; k < 6; k++)
        assert_true(hd[k] == hs[k]);
    assert_true(hd[0] == hd[5]);
    dc_array_unref(d);
    dc_array_unref(s);
}

static void test_multi_column_rows_hash_in_column_order(void **state)
{
    (void)state;
    const int64_t x[] = {1, 2, 1}, y[] = {2, 1, 2};
    const char *s[] = {"a", "a", "b"};
    dc_array *cols[3] = {tu_int64(x, 3, NULL), tu_int64(y, 3, NULL), tu_utf8(s, 3)};
    dc_array *swapped[2] = {cols[1], cols[0]};
    uint64_t h[3], hsw[3], h3[3];
    DC_ASSERT_OK(dc_hash_rows(h, cols, 2, 3, NULL));
    DC_ASSERT_OK(dc_hash_rows(hsw, swapped, 2, 3, NULL));
    DC_ASSERT_OK(dc_hash_rows(h3, cols, 3, 3, NULL));
    assert_true(h[0] == h[2]);
    assert_true(h[0] != h[1]);
    assert_true(h[0] != hsw[0]); /* (1,2) vs (2,1) */
    assert_true(h[0] == hsw[1]); /* (1,2) vs (1,2) */
    assert_true(h3[0] != h3[2]); /* "a" vs "b" */
    assert_true(dc_rows_equal(cols, 0, cols, 2, 2));
    assert_false(dc_rows_equal(cols, 0, cols, 2, 3));
    assert_true(dc_rows_equal(cols, 0, swapped, 1, 2));
    for (int i = 0; i < 3; i++)
        dc_array_unref(cols[i]);
}

static void test_hash_rows_rejects_a_short_column_and_accepts_empty(void **state)
{
    (void)state;
    const int64_t x[] = {1, 2};
    dc_array *a = tu_int64(x, 2, NULL);
    uint64_t h[3];
    dc_error e;
    assert_int_equal(dc_hash_rows(h, &a, 1, 3, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "column 0"));
    DC_ASSERT_OK(dc_hash_rows(h, &a, 1, 0, NULL));
    DC_ASSERT_OK(dc_hash_rows(h, NULL, 0, 2, NULL));
    assert_true(h[0] == h[1]);
    dc_array_unref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_rows_of_every_type_hash_equal_through_take_and_slice),
        cmocka_unit_test(test_integers_hash_by_value_and_floats_are_normalized),
        cmocka_unit_test(test_dictionary_rows_hash_like_their_values),
        cmocka_unit_test(test_multi_column_rows_hash_in_column_order),
        cmocka_unit_test(test_hash_rows_rejects_a_short_column_and_accepts_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
