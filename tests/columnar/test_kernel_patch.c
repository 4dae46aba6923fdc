/* test_kernel_patch.c: dc_array_patch and dc_array_patch_owned (merge on read's in-place fold). */
#include "kernel_fixtures.h"

static const int64_t REV[KF_ROWS] = {5, 4, 3, 2, 1, 0};

/* Check out == base with rows[j] replaced by src[src_rows[j]], through one array holding
 * base then src (what kf_assert_gathered compares against). */
static void assert_patched(const dc_array *out, const dc_array *base, const dc_array *src,
                           const int64_t *rows, const int64_t *src_rows, int64_t n)
{
    dc_array *both = NULL;
    dc_array *two[2] = {(dc_array *)base, (dc_array *)src};
    DC_ASSERT_OK(dc_array_concat_typed(&both, base->type, two, 2, NULL));
    int64_t idx[64];
    assert_true(base->length <= 64);
    for (int64_t i = 0; i < base->length; i++)
        idx[i] = i;
    for (int64_t j = 0; j < n; j++)
        idx[rows[j]] = base->length + src_rows[j];
    kf_assert_gathered(out, both, idx, base->length);
    dc_array_unref(both);
}

static void test_patch_replaces_rows_of_every_type(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    /* rows 1 and 4 of the fixtures are null: a valid value replaces a null (row 1 <- 5),
     * a null a valid value (row 2 <- 1), a null a valid one at the end (row 5 <- 4) */
    const int64_t rows[] = {1, 2, 5}, from[] = {0, 4, 1};
    for (int i = 0; i < n; i++) {
        dc_array *src = NULL, *out = NULL;
        DC_ASSERT_OK(dc_array_take(&src, all[i], REV, KF_ROWS, NULL));
        DC_ASSERT_OK(dc_array_patch(&out, all[i], rows, src, from, 3, NULL));
        assert_patched(out, all[i], src, rows, from, 3);
        /* the base is unchanged */
        kf_assert_gathered(all[i], all[i], (const int64_t[]){0, 1, 2, 3, 4, 5}, KF_ROWS);
        dc_array_unref(out);
        dc_array_unref(src);
    }
    kf_free_all(all, n);
}

static void test_patch_of_slices_uses_the_slice_rows(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    const int64_t rows[] = {0, 3}, from[] = {2, 0};
    for (int i = 0; i < n; i++) {
        dc_array *base = NULL, *src = NULL, *out = NULL;
        DC_ASSERT_OK(dc_array_slice(&base, all[i], 1, 4, NULL));
        DC_ASSERT_OK(dc_array_slice(&src, all[i], 3, 3, NULL));
        DC_ASSERT_OK(dc_array_patch(&out, base, rows, src, from, 2, NULL));
        assert_patched(out, base, src, rows, from, 2);
        dc_array_unref(out);
        /* and through dc_array_patch_owned: a slice shares its buffers, so it is copied */
        dc_array *own = dc_array_ref(base);
        DC_ASSERT_OK(dc_array_patch_owned(&own, rows, src, from, 2, NULL));
        assert_patched(own, base, src, rows, from, 2);
        dc_array_unref(own);
        dc_array_unref(base);
        dc_array_unref(src);
    }
    kf_free_all(all, n);
}

static void test_patch_owned_writes_in_place_when_it_may(void **state)
{
    (void)state;
    const int64_t v[] = {10, 20, 30, 40, 50}, w[] = {7, 8, 9};
    dc_array *a = tu_int64(v, 5, NULL), *src = tu_int64(w, 3, "101");
    const uint8_t *values = a->data[1];
    const int64_t rows[] = {0, 3}, from[] = {2, 0};
    dc_array *x = a;
    DC_ASSERT_OK(dc_array_patch_owned(&x, rows, src, from, 2, NULL));
    assert_ptr_equal(x, a); /* the same array, written into */
    assert_ptr_equal(x->data[1], values);
    TU_ASSERT_ARRAY(x, "[9, 20, 30, 7, 50]");
    assert_int_equal(x->null_count, 0);
    /* a null patched into an array without a validity bitmap gets one */
    const int64_t r2[] = {4}, f2[] = {1};
    DC_ASSERT_OK(dc_array_patch_owned(&x, r2, src, f2, 1, NULL));
    assert_ptr_equal(x, a);
    TU_ASSERT_ARRAY(x, "[9, 20, 30, 7, null]");
    assert_int_equal(x->null_count, 1);
    /* and a valid value over a null clears it */
    const int64_t r3[] = {4}, f3[] = {0};
    DC_ASSERT_OK(dc_array_patch_owned(&x, r3, src, f3, 1, NULL));
    TU_ASSERT_ARRAY(x, "[9, 20, 30, 7, 7]");
    assert_int_equal(x->null_count, 0);
    DC_ASSERT_OK(dc_array_validate(x, NULL));
    dc_array_unref(x);
    /* bools, bit by bit, at a bit offset that is not a byte boundary */
    const bool bv[] = {true, false, true, true, false, false, true, false, true, true};
    const bool bw[] = {false, true};
    dc_array *b = tu_bool(bv, 10, NULL), *bs = tu_bool(bw, 2, NULL);
    const int64_t br[] = {0, 1, 9}, bf[] = {0, 1, 0};
    x = b;
    DC_ASSERT_OK(dc_array_patch_owned(&x, br, bs, bf, 3, NULL));
    assert_ptr_equal(x, b);
    TU_ASSERT_ARRAY(x, "[false, true, true, true, false, false, true, false, true, false]");
    dc_array_unref(x);
    dc_array_unref(bs);
    dc_array_unref(src);
}

static void test_patch_owned_copies_what_others_see(void **state)
{
    (void)state;
    const int64_t v[] = {1, 2, 3}, w[] = {9};
    dc_array *a = tu_int64(v, 3, NULL), *src = tu_int64(w, 1, NULL);
    dc_array *held = dc_array_ref(a); /* someone else holds the array */
    dc_array *x = a;
    const int64_t rows[] = {1}, from[] = {0};
    DC_ASSERT_OK(dc_array_patch_owned(&x, rows, src, from, 1, NULL));
    assert_ptr_not_equal(x, held);
    TU_ASSERT_ARRAY(x, "[1, 9, 3]");
    TU_ASSERT_ARRAY(held, "[1, 2, 3]");
    dc_array_unref(x);
    /* someone holds only a buffer (a slice of it) */
    dc_array *s = NULL;
    DC_ASSERT_OK(dc_array_slice(&s, held, 0, 2, NULL));
    x = held;
    DC_ASSERT_OK(dc_array_patch_owned(&x, rows, src, from, 1, NULL));
    TU_ASSERT_ARRAY(x, "[1, 9, 3]");
    TU_ASSERT_ARRAY(s, "[1, 2]");
    dc_array_unref(x);
    dc_array_unref(s);
    dc_array_unref(src);
}

static void test_patch_refuses_bad_rows_and_types(void **state)
{
    (void)state;
    const int64_t v[] = {1, 2, 3};
    const char *strs[] = {"a"};
    dc_array *a = tu_int64(v, 3, NULL), *s = tu_utf8(strs, 1), *out = NULL;
    dc_error e;
    const int64_t zero[] = {0};
    assert_int_equal(dc_array_patch(&out, a, zero, s, zero, 1, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "patch: the rows are string, the array int64"));
    const int64_t twice[] = {1, 1}, from2[] = {0, 0};
    assert_int_equal(dc_array_patch(&out, a, twice, a, from2, 2, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "row 1 (position 1) is not increasing within 0..2"));
    const int64_t past[] = {3};
    assert_int_equal(dc_array_patch(&out, a, past, a, zero, 1, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "row 3"));
    const int64_t far[] = {5};
    assert_int_equal(dc_array_patch(&out, a, zero, a, far, 1, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "source row 5 (position 0) is outside 0..2"));
    assert_null(out);
    /* the owned form refuses the same, leaving the array as it was */
    dc_array *x = dc_array_ref(a);
    assert_int_equal(dc_array_patch_owned(&x, past, a, zero, 1, &e), DC_EINVALID);
    assert_ptr_equal(x, a);
    dc_array_unref(x);
    TU_ASSERT_ARRAY(a, "[1, 2, 3]");
    /* nothing to patch: the array itself */
    DC_ASSERT_OK(dc_array_patch(&out, a, NULL, a, NULL, 0, NULL));
    assert_ptr_equal(out, a);
    dc_array_unref(out);
    dc_array_unref(a);
    dc_array_unref(s);
}

static void test_patch_of_strings_moves_the_bytes_after_each_row(void **state)
{
    (void)state;
    const char *v[] = {"a", "bb", "ccc", NULL, "eeeee", "f"};
    const char *w[] = {"", "XXXXXXXX", NULL};
    dc_array *a = tu_utf8(v, 6), *src = tu_utf8(w, 3), *out = NULL;
    const int64_t rows[] = {0, 2, 3, 5}, from[] = {1, 0, 1, 2};
    DC_ASSERT_OK(dc_array_patch(&out, a, rows, src, from, 4, NULL));
    TU_ASSERT_ARRAY(out, "[XXXXXXXX, bb, , XXXXXXXX, eeeee, null]");
    assert_int_equal(out->null_count, 1);
    DC_ASSERT_OK(dc_array_validate(out, NULL));
    dc_array_unref(out);
    dc_array_unref(a);
    dc_array_unref(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patch_replaces_rows_of_every_type),
        cmocka_unit_test(test_patch_of_slices_uses_the_slice_rows),
        cmocka_unit_test(test_patch_owned_writes_in_place_when_it_may),
        cmocka_unit_test(test_patch_owned_copies_what_others_see),
        cmocka_unit_test(test_patch_refuses_bad_rows_and_types),
        cmocka_unit_test(test_patch_of_strings_moves_the_bytes_after_each_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
