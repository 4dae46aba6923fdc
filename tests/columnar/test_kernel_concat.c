/* test_kernel_concat.c: dc_array_concat, dc_array_concat_typed and dc_batch_concat. */
#include "kernel_fixtures.h"

static void test_concat_of_unaligned_slices_restores_rows_of_every_type(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    /* Pieces [1,3) [0,0) [3,6) [0,1): rows 1 2 3 4 5 0, at odd bit offsets. */
    const int64_t offs[] = {1, 0, 3, 0}, lens[] = {2, 0, 3, 1};
    const int64_t expect[] = {1, 2, 3, 4, 5, 0};
    for (int i = 0; i < n; i++) {
        dc_array *parts[4] = {NULL}, *out = NULL;
        for (int p = 0; p < 4; p++)
            DC_ASSERT_OK(dc_array_slice(&parts[p], all[i], offs[p], lens[p], NULL));
        DC_ASSERT_OK(dc_array_concat(&out, parts, 4, NULL));
        kf_assert_gathered(out, all[i], expect, 6);
        dc_array_unref(out);
        for (int p = 0; p < 4; p++)
            dc_array_unref(parts[p]);
    }
    kf_free_all(all, n);
}

static void test_concat_of_one_array_keeps_its_rows(void **state)
{
    (void)state;
    const int64_t v[] = {7, 8};
    dc_array *a = tu_int64(v, 2, "01"), *out = NULL;
    DC_ASSERT_OK(dc_array_concat(&out, &a, 1, NULL));
    TU_ASSERT_ARRAY(out, "[null, 8]");
    dc_array_unref(out);
    dc_array_unref(a);
}

static void test_concat_typed_of_zero_arrays_is_empty_and_untyped_is_rejected(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    for (int i = 0; i < n; i++) {
        dc_array *out = NULL;
        DC_ASSERT_OK(dc_array_concat_typed(&out, all[i]->type, NULL, 0, NULL));
        assert_int_equal(out->length, 0);
        assert_true(dc_type_equals(out->type, all[i]->type));
        DC_ASSERT_OK(dc_array_validate(out, NULL));
        dc_array_unref(out);
    }
    dc_array *out = NULL;
    assert_int_equal(dc_array_concat(&out, NULL, 0, NULL), DC_EINVALID);
    assert_null(out);
    kf_free_all(all, n);
}

static void test_concat_of_different_types_names_the_array(void **state)
{
    (void)state;
    const int64_t v[] = {1};
    const int32_t w[] = {2};
    dc_array *arr[2] = {tu_int64(v, 1, NULL), tu_int32(w, 1, NULL)}, *out = NULL;
    dc_error e;
    assert_int_equal(dc_array_concat(&out, arr, 2, &e), DC_ESCHEMA);
    assert_null(out);
    assert_non_null(strstr(e.message, "array 1"));
    assert_non_null(strstr(e.message, "int32"));
    dc_array_unref(arr[0]);
    dc_array_unref(arr[1]);
}

static void test_concat_bools_and_strings_across_byte_boundaries(void **state)
{
    (void)state;
    enum { A = 13, B = 7 };
    bool va[A], vb[B];
    char vs[A + B][8];
    const char *sa[A], *sb[B];
    for (int i = 0; i < A; i++) {
        va[i] = i % 3 == 0;
        snprintf(vs[i], sizeof vs[i], "s%d", i);
        sa[i] = i == 5 ? NULL : vs[i];
    }
    for (int i = 0; i < B; i++) {
        vb[i] = i % 2 == 0;
        snprintf(vs[A + i], sizeof vs[A + i], "t%d", i);
        sb[i] = vs[A + i];
    }
    dc_array *ba[2] = {tu_bool(va, A, "1111111111101"), tu_bool(vb, B, NULL)}, *bo = NULL;
    DC_ASSERT_OK(dc_array_concat(&bo, ba, 2, NULL));
    assert_int_equal(bo->length, A + B);
    assert_int_equal(bo->null_count, 1);
    for (int i = 0; i < A + B; i++) {
        if (i == 11) {
            assert_true(dc_array_is_null(bo, i));
            continue;
        }
        assert_int_equal(dc_bit_get(bo->data[1], bo->offset + i), i < A ? va[i] : vb[i - A]);
    }
    dc_array *sarr[2] = {tu_utf8(sa, A), tu_utf8(sb, B)}, *so = NULL;
    DC_ASSERT_OK(dc_array_concat(&so, sarr, 2, NULL));
    DC_ASSERT_OK(dc_array_validate(so, NULL));
    assert_string_equal(tu_str(so, 4), "s4");
    assert_string_equal(tu_str(so, 5), "null");
    assert_string_equal(tu_str(so, A + 6), "t6");
    dc_array_unref(bo);
    dc_array_unref(so);
    for (int i = 0; i < 2; i++) {
        dc_array_unref(ba[i]);
        dc_array_unref(sarr[i]);
    }
}

static void test_concat_dictionaries_merges_different_dictionaries(void **state)
{
    (void)state;
    const char *d1[] = {"red", "green"}, *d2[] = {"blue", "red"};
    const int64_t i1[] = {0, 1}, i2[] = {1, 0, 0};
    dc_array *arr[2] = {kf_dict_of(d1, 2, i1, NULL, 2), kf_dict_of(d2, 2, i2, "110", 3)};
    dc_array *out = NULL;
    DC_ASSERT_OK(dc_array_concat(&out, arr, 2, NULL));
    DC_ASSERT_OK(dc_array_validate(out, NULL));
    TU_ASSERT_ARRAY(out, "[red, green, red, blue, null]");
    assert_int_equal(out->dictionary->length, 3);
    assert_int_equal(out->null_count, 1);
    dc_array_unref(out);

    /* The same dictionary object: indices are only appended. */
    dc_array *same[2] = {arr[0], arr[0]};
    DC_ASSERT_OK(dc_array_concat(&out, same, 2, NULL));
    assert_ptr_equal(out->dictionary, arr[0]->dictionary);
    TU_ASSERT_ARRAY(out, "[red, green, red, green]");
    dc_array_unref(out);
    dc_array_unref(arr[0]);
    dc_array_unref(arr[1]);
}

static void test_concat_dictionaries_too_large_for_the_index_type_fails(void **state)
{
    (void)state;
    char names[200][8];
    const char *p1[100], *p2[100];
    for (int i = 0; i < 100; i++) {
        snprintf(names[i], sizeof names[i], "a%d", i);
        snprintf(names[100 + i], sizeof names[100 + i], "b%d", i);
        p1[i] = names[i];
        p2[i] = names[100 + i];
    }
    dc_type *i8 = dc_type_new(DC_TYPE_INT8), *s = dc_type_new(DC_TYPE_UTF8);
    dc_type *dt = dc_type_dictionary(i8, s, false);
    dc_array *u1 = tu_utf8(p1, 100), *u2 = tu_utf8(p2, 100), *arr[2] = {NULL, NULL}, *out = NULL;
    DC_ASSERT_OK(dc_cast(&arr[0], u1, dt, true, NULL));
    DC_ASSERT_OK(dc_cast(&arr[1], u2, dt, true, NULL));
    dc_error e;
    assert_int_equal(dc_array_concat(&out, arr, 2, &e), DC_EINVALID);
    assert_null(out);
    assert_non_null(strstr(e.message, "int8"));
    dc_array_unref(arr[0]);
    dc_array_unref(arr[1]);
    dc_array_unref(u1);
    dc_array_unref(u2);
    dc_type_unref(dt);
    dc_type_unref(i8);
    dc_type_unref(s);
}

static dc_batch *batch_of(dc_array *col, const char *name)
{
    dc_field f = kf_field(name, dc_type_ref(col->type), true);
    dc_schema *schema = dc_schema_new(&f, 1, NULL);
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_batch_new(&b, schema, &col, col->length, NULL));
    dc_schema_unref(schema);
    dc_field_clear(&f);
    dc_array_unref(col);
    return b;
}

static void test_batch_concat_appends_rows_and_rejects_other_schemas(void **state)
{
    (void)state;
    const int64_t v1[] = {1, 2}, v2[] = {3};
    dc_batch *b[3] = {batch_of(tu_int64(v1, 2, NULL), "x"), batch_of(tu_int64(v2, 1, "0"), "x"),
                      batch_of(tu_int64(v2, 1, NULL), "y")};
    dc_batch *out = NULL;
    DC_ASSERT_OK(dc_batch_concat(&out, b, 2, NULL));
    assert_int_equal(out->length, 3);
    TU_ASSERT_ARRAY(out->columns[0], "[1, 2, null]");
    dc_batch_unref(out);
    dc_error e;
    assert_int_equal(dc_batch_concat(&out, b + 1, 2, &e), DC_ESCHEMA);
    assert_null(out);
    assert_non_null(strstr(e.message, "batch 1"));
    assert_int_equal(dc_batch_concat(&out, b, 0, NULL), DC_EINVALID);
    for (int i = 0; i < 3; i++)
        dc_batch_unref(b[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concat_of_unaligned_slices_restores_rows_of_every_type),
        cmocka_unit_test(test_concat_of_one_array_keeps_its_rows),
        cmocka_unit_test(test_concat_typed_of_zero_arrays_is_empty_and_untyped_is_rejected),
        cmocka_unit_test(test_concat_of_different_types_names_the_array),
        cmocka_unit_test(test_concat_bools_and_strings_across_byte_boundaries),
        cmocka_unit_test(test_concat_dictionaries_merges_different_dictionaries),
        cmocka_unit_test(test_concat_dictionaries_too_large_for_the_index_type_fails),
        cmocka_unit_test(test_batch_concat_appends_rows_and_rejects_other_schemas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
