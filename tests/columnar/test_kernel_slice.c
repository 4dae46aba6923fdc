/* test_kernel_slice.c: dc_array_slice and dc_batch_slice (zero-copy views). */
#include "kernel_fixtures.h"

static void test_slice_every_type_at_every_offset_and_length(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    for (int i = 0; i < n; i++) {
        for (int64_t off = 0; off <= KF_ROWS; off++) {
            for (int64_t len = 0; off + len <= KF_ROWS; len++) {
                dc_array *s = NULL;
                int64_t idx[KF_ROWS];
                for (int64_t k = 0; k < len; k++)
                    idx[k] = off + k;
                DC_ASSERT_OK(dc_array_slice(&s, all[i], off, len, NULL));
                kf_assert_gathered(s, all[i], idx, len);
                dc_array_unref(s);
            }
        }
    }
    kf_free_all(all, n);
}

static void test_slice_shares_buffers_without_copying(void **state)
{
    (void)state;
    const int64_t v[] = {1, 2, 3, 4};
    dc_array *a = tu_int64(v, 4, "1011"), *s = NULL;
    DC_ASSERT_OK(dc_array_slice(&s, a, 1, 2, NULL));
    assert_ptr_equal(s->data[1], a->data[1]);
    assert_int_equal(s->offset, 1);
    assert_int_equal(s->null_count, 1);
    TU_ASSERT_ARRAY(s, "[null, 3]");
    dc_array_unref(s);
    dc_array_unref(a);
}

static void test_slice_of_a_slice_composes_offsets(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    const int64_t idx[] = {2, 3, 4};
    for (int i = 0; i < n; i++) {
        dc_array *s1 = NULL, *s2 = NULL;
        DC_ASSERT_OK(dc_array_slice(&s1, all[i], 1, 5, NULL));
        DC_ASSERT_OK(dc_array_slice(&s2, s1, 1, 3, NULL));
        kf_assert_gathered(s2, all[i], idx, 3);
        dc_array_unref(s1);
        dc_array_unref(s2);
    }
    kf_free_all(all, n);
}

static void test_slice_outside_the_array_is_rejected(void **state)
{
    (void)state;
    const int64_t v[] = {1, 2, 3};
    dc_array *a = tu_int64(v, 3, NULL), *s = NULL;
    dc_error e;
    assert_int_equal(dc_array_slice(&s, a, 2, 2, &e), DC_EINVALID);
    assert_null(s);
    assert_non_null(strstr(e.message, "outside"));
    assert_int_equal(dc_array_slice(&s, a, -1, 1, NULL), DC_EINVALID);
    assert_int_equal(dc_array_slice(&s, a, 0, -1, NULL), DC_EINVALID);
    assert_int_equal(dc_array_slice(&s, a, INT64_MAX, 2, NULL), DC_EINVALID);
    DC_ASSERT_OK(dc_array_slice(&s, a, 3, 0, NULL));
    assert_int_equal(s->length, 0);
    dc_array_unref(s);
    dc_array_unref(a);
}

static void test_batch_slice_slices_every_column(void **state)
{
    (void)state;
    const int64_t v[] = {1, 2, 3, 4};
    const char *s[] = {"a", "b", NULL, "d"};
    dc_array *cols[2] = {tu_int64(v, 4, NULL), tu_utf8(s, 4)};
    dc_field f[2] = {kf_field("n", dc_type_new(DC_TYPE_INT64), true),
                     kf_field("s", dc_type_new(DC_TYPE_UTF8), true)};
    dc_schema *schema = dc_schema_new(f, 2, NULL);
    dc_batch *b = NULL, *out = NULL;
    DC_ASSERT_OK(dc_batch_new(&b, schema, cols, 4, NULL));
    DC_ASSERT_OK(dc_batch_slice(&out, b, 1, 3, NULL));
    assert_int_equal(out->length, 3);
    TU_ASSERT_ARRAY(out->columns[0], "[2, 3, 4]");
    TU_ASSERT_ARRAY(out->columns[1], "[b, null, d]");
    dc_batch_unref(out);
    assert_int_equal(dc_batch_slice(&out, b, 3, 2, NULL), DC_EINVALID);
    assert_null(out);
    dc_batch_unref(b);
    dc_schema_unref(schema);
    dc_field_clear(&f[0]);
    dc_field_clear(&f[1]);
    dc_array_unref(cols[0]);
    dc_array_unref(cols[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slice_every_type_at_every_offset_and_length),
        cmocka_unit_test(test_slice_shares_buffers_without_copying),
        cmocka_unit_test(test_slice_of_a_slice_composes_offsets),
        cmocka_unit_test(test_slice_outside_the_array_is_rejected),
        cmocka_unit_test(test_batch_slice_slices_every_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
