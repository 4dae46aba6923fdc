/* test_kernel_take.c: dc_array_take / dc_batch_take and dc_array_filter / dc_batch_filter. */
#include "kernel_fixtures.h"

static void test_take_gathers_every_type_with_null_rows(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    const int64_t idx[] = {5, -1, 0, 3, 3, 2, 1, 4};
    for (int i = 0; i < n; i++) {
        dc_array *out = NULL;
        DC_ASSERT_OK(dc_array_take(&out, all[i], idx, 8, NULL));
        kf_assert_gathered(out, all[i], idx, 8);
        dc_array_unref(out);
    }
    kf_free_all(all, n);
}

static void test_take_from_unaligned_slice_uses_the_slice_rows(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    const int64_t idx[] = {4, 0, -1, 2, 1, 3};
    const int64_t base[] = {5, 1, -1, 3, 2, 4};
    for (int i = 0; i < n; i++) {
        dc_array *s = NULL, *out = NULL;
        DC_ASSERT_OK(dc_array_slice(&s, all[i], 1, 5, NULL));
        DC_ASSERT_OK(dc_array_take(&out, s, idx, 6, NULL));
        kf_assert_gathered(out, all[i], base, 6);
        dc_array_unref(out);
        dc_array_unref(s);
    }
    kf_free_all(all, n);
}

static void test_take_with_no_indices_gives_an_empty_array_of_the_type(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    for (int i = 0; i < n; i++) {
        dc_array *out = NULL;
        DC_ASSERT_OK(dc_array_take(&out, all[i], NULL, 0, NULL));
        assert_int_equal(out->length, 0);
        assert_true(dc_type_equals(out->type, all[i]->type));
        DC_ASSERT_OK(dc_array_validate(out, NULL));
        dc_array_unref(out);
    }
    kf_free_all(all, n);
}

static void test_take_from_an_empty_array_with_negative_indices_gives_nulls(void **state)
{
    (void)state;
    dc_array *e = tu_utf8(NULL, 0), *out = NULL;
    const int64_t idx[] = {-1, -1};
    DC_ASSERT_OK(dc_array_take(&out, e, idx, 2, NULL));
    TU_ASSERT_ARRAY(out, "[null, null]");
    assert_int_equal(out->null_count, 2);
    dc_array_unref(out);
    dc_array_unref(e);
}

static void test_take_rejects_an_index_past_the_end(void **state)
{
    (void)state;
    const int64_t v[] = {1, 2, 3};
    dc_array *a = tu_int64(v, 3, NULL), *out = NULL;
    const int64_t idx[] = {0, 3};
    dc_error e;
    assert_int_equal(dc_array_take(&out, a, idx, 2, &e), DC_EINVALID);
    assert_null(out);
    assert_non_null(strstr(e.message, "index 3"));
    dc_array_unref(a);
}

static void test_take_renders_values_strings_and_lists(void **state)
{
    (void)state;
    const int64_t v[] = {10, 20, 30, 40};
    dc_array *a = tu_int64(v, 4, "1101"), *out = NULL;
    const int64_t idx[] = {3, 2, -1, 0, 1};
    DC_ASSERT_OK(dc_array_take(&out, a, idx, 5, NULL));
    TU_ASSERT_ARRAY(out, "[40, null, null, 10, 20]");
    dc_array_unref(out);
    dc_array_unref(a);

    const char *s[] = {"a", NULL, "ccc", "dd"};
    a = tu_utf8(s, 4);
    DC_ASSERT_OK(dc_array_take(&out, a, idx, 5, NULL));
    TU_ASSERT_ARRAY(out, "[dd, ccc, null, a, null]");
    assert_int_equal(out->null_count, 2);
    dc_array_unref(out);
    dc_array_unref(a);

    a = kf_list(DC_TYPE_LIST, "1,2;null;;3,n,4");
    const int64_t li[] = {3, 0, 1, 2, 3};
    DC_ASSERT_OK(dc_array_take(&out, a, li, 5, NULL));
    DC_ASSERT_OK(dc_array_validate(out, NULL));
    TU_ASSERT_ARRAY(out, "[[3,null,4], [1,2], null, [], [3,null,4]]");
    dc_array_unref(out);
    dc_array_unref(a);
}

static void test_take_large_int32_column_keeps_every_value(void **state)
{
    (void)state;
    enum { N = 10000 };
    int32_t *v = dc_malloc(N * sizeof *v);
    int64_t *idx = dc_malloc(N * sizeof *idx);
    for (int i = 0; i < N; i++) {
        v[i] = i * 3;
        idx[i] = N - 1 - i;
    }
    dc_array *a = tu_int32(v, N, NULL), *out = NULL;
    DC_ASSERT_OK(dc_array_take(&out, a, idx, N, NULL));
    assert_null(out->data[0]);
    for (int i = 0; i < N; i++)
        assert_int_equal(((const int32_t *)(const void *)out->data[1])[i], (N - 1 - i) * 3);
    dc_array_unref(out);
    dc_array_unref(a);
    dc_free(v);
    dc_free(idx);
}

static void test_filter_keeps_true_rows_of_every_type_and_drops_null_mask_rows(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    const bool m[] = {true, true, false, true, true, true};
    dc_array *mask = tu_bool(m, 6, "111101"); /* row 4 null: dropped */
    const int64_t kept[] = {0, 1, 3, 5};
    for (int i = 0; i < n; i++) {
        dc_array *out = NULL;
        DC_ASSERT_OK(dc_array_filter(&out, all[i], mask, NULL));
        kf_assert_gathered(out, all[i], kept, 4);
        dc_array_unref(out);
    }
    dc_array_unref(mask);
    kf_free_all(all, n);
}

static void test_filter_all_true_keeps_everything_and_all_false_nothing(void **state)
{
    (void)state;
    const int64_t v[] = {1, 2, 3};
    const bool t[] = {true, true, true}, f[] = {false, false, false};
    dc_array *a = tu_int64(v, 3, "101"), *mt = tu_bool(t, 3, NULL), *mf = tu_bool(f, 3, NULL);
    dc_array *out = NULL;
    DC_ASSERT_OK(dc_array_filter(&out, a, mt, NULL));
    TU_ASSERT_ARRAY(out, "[1, null, 3]");
    dc_array_unref(out);
    DC_ASSERT_OK(dc_array_filter(&out, a, mf, NULL));
    TU_ASSERT_ARRAY(out, "[]");
    assert_int_equal(out->length, 0);
    dc_array_unref(out);
    dc_array_unref(a);
    dc_array_unref(mt);
    dc_array_unref(mf);
}

static void test_filter_with_a_long_mask_at_unaligned_offset(void **state)
{
    (void)state;
    enum { N = 1003 };
    int64_t *v = dc_malloc(N * sizeof *v);
    bool *m = dc_malloc(N * sizeof *m);
    for (int i = 0; i < N; i++) {
        v[i] = i;
        m[i] = (i % 3) == 0 || (i > 500 && i < 600);
    }
    dc_array *a = tu_int64(v, N, NULL), *mask = tu_bool(m, N, NULL);
    for (int64_t off = 0; off < 10; off += 3) {
        dc_array *sa = NULL, *sm = NULL, *out = NULL;
        DC_ASSERT_OK(dc_array_slice(&sa, a, off, N - off, NULL));
        DC_ASSERT_OK(dc_array_slice(&sm, mask, off, N - off, NULL));
        DC_ASSERT_OK(dc_array_filter(&out, sa, sm, NULL));
        int64_t k = 0;
        for (int64_t i = off; i < N; i++) {
            if (m[i]) {
                assert_int_equal(((const int64_t *)(const void *)out->data[1])[k], i);
                k++;
            }
        }
        assert_int_equal(out->length, k);
        dc_array_unref(sa);
        dc_array_unref(sm);
        dc_array_unref(out);
    }
    dc_array_unref(a);
    dc_array_unref(mask);
    dc_free(v);
    dc_free(m);
}

static void test_filter_rejects_a_mask_of_wrong_type_or_length(void **state)
{
    (void)state;
    const int64_t v[] = {1, 2, 3};
    const bool m[] = {true, false};
    dc_array *a = tu_int64(v, 3, NULL), *short_mask = tu_bool(m, 2, NULL), *out = NULL;
    dc_error e;
    assert_int_equal(dc_array_filter(&out, a, short_mask, &e), DC_EINVALID);
    assert_null(out);
    assert_int_equal(dc_array_filter(&out, a, a, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "bool"));
    dc_array_unref(a);
    dc_array_unref(short_mask);
}

static dc_batch *two_column_batch(void)
{
    const int64_t v[] = {1, 2, 3, 4};
    const char *s[] = {"a", "b", NULL, "d"};
    dc_array *cols[2] = {tu_int64(v, 4, NULL), tu_utf8(s, 4)};
    dc_field f[2] = {kf_field("n", dc_type_new(DC_TYPE_INT64), true),
                     kf_field("s", dc_type_new(DC_TYPE_UTF8), true)};
    dc_schema *schema = dc_schema_new(f, 2, NULL);
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_batch_new(&b, schema, cols, 4, NULL));
    dc_schema_unref(schema);
    dc_field_clear(&f[0]);
    dc_field_clear(&f[1]);
    dc_array_unref(cols[0]);
    dc_array_unref(cols[1]);
    return b;
}

static void test_batch_take_and_filter_apply_to_every_column(void **state)
{
    (void)state;
    dc_batch *b = two_column_batch(), *out = NULL;
    const int64_t idx[] = {3, -1, 2};
    DC_ASSERT_OK(dc_batch_take(&out, b, idx, 3, NULL));
    assert_int_equal(out->length, 3);
    TU_ASSERT_ARRAY(out->columns[0], "[4, null, 3]");
    TU_ASSERT_ARRAY(out->columns[1], "[d, null, null]");
    dc_batch_unref(out);

    const bool m[] = {false, true, true, false};
    dc_array *mask = tu_bool(m, 4, NULL);
    DC_ASSERT_OK(dc_batch_filter(&out, b, mask, NULL));
    TU_ASSERT_ARRAY(out->columns[0], "[2, 3]");
    TU_ASSERT_ARRAY(out->columns[1], "[b, null]");
    dc_batch_unref(out);

    const int64_t bad[] = {4};
    assert_int_equal(dc_batch_take(&out, b, bad, 1, NULL), DC_EINVALID);
    assert_null(out);
    dc_array_unref(mask);
    dc_batch_unref(b);
}

/* list<int64> [[1,2], [], [3,4,5]] whose child is a slice at offset 2 of a larger array. */
static dc_array *list_over_sliced_child(void)
{
    const int64_t v[] = {100, 101, 1, 2, 3, 4, 5};
    dc_array *base = tu_int64(v, 7, NULL), *child = NULL, *out = NULL;
    DC_ASSERT_OK(dc_array_slice(&child, base, 2, 5, NULL));
    dc_buffer *bufs[2] = {NULL, dc_buffer_new(4 * 4, true)};
    int32_t offs[] = {0, 2, 2, 5};
    memcpy(bufs[1]->data, offs, sizeof offs);
    dc_field item = kf_field("item", dc_type_new(DC_TYPE_INT64), true);
    dc_type *lt = dc_type_list(DC_TYPE_LIST, &item);
    DC_ASSERT_OK(dc_array_make(&out, lt, 3, 0, 0, bufs, 2, &child, 1, NULL, NULL));
    DC_ASSERT_OK(dc_array_validate(out, NULL));
    dc_buffer_unref(bufs[1]);
    dc_type_unref(lt);
    dc_field_clear(&item);
    dc_array_unref(child);
    dc_array_unref(base);
    return out;
}

static void test_nested_arrays_whose_children_are_slices(void **state)
{
    (void)state;
    dc_array *l = list_over_sliced_child(), *out = NULL, *s = NULL;
    TU_ASSERT_ARRAY(l, "[[1,2], [], [3,4,5]]");
    const int64_t idx[] = {2, 0, -1};
    DC_ASSERT_OK(dc_array_take(&out, l, idx, 3, NULL));
    DC_ASSERT_OK(dc_array_validate(out, NULL));
    TU_ASSERT_ARRAY(out, "[[3,4,5], [1,2], null]");
    dc_array_unref(out);
    DC_ASSERT_OK(dc_array_slice(&s, l, 1, 2, NULL));
    dc_array *parts[2] = {s, l};
    DC_ASSERT_OK(dc_array_concat(&out, parts, 2, NULL));
    DC_ASSERT_OK(dc_array_validate(out, NULL));
    TU_ASSERT_ARRAY(out, "[[], [3,4,5], [1,2], [], [3,4,5]]");
    dc_array_unref(out);
    const bool m[] = {false, true, true};
    dc_array *mask = tu_bool(m, 3, NULL);
    DC_ASSERT_OK(dc_array_filter(&out, l, mask, NULL));
    TU_ASSERT_ARRAY(out, "[[], [3,4,5]]");
    dc_array_unref(out);
    dc_type *lt = kf_type("large_list<item: int32>");
    DC_ASSERT_OK(dc_cast(&out, s, lt, true, NULL));
    DC_ASSERT_OK(dc_array_validate(out, NULL));
    TU_ASSERT_ARRAY(out, "[[], [3,4,5]]");
    assert_int_equal(dc_compare_values(out, 1, l, 2, true), 0);
    uint64_t h1[2], h2[3];
    DC_ASSERT_OK(dc_hash_rows(h1, &s, 1, 2, NULL));
    DC_ASSERT_OK(dc_hash_rows(h2, &l, 1, 3, NULL));
    assert_true(h1[1] == h2[2] && h1[0] == h2[1]);
    dc_array_unref(out);
    dc_type_unref(lt);
    dc_array_unref(mask);
    dc_array_unref(s);
    dc_array_unref(l);
}

/* A batch with one column per array (named c0, c1, ...), all of `n` rows. */
static dc_batch *batch_of(dc_array **cols, int nc, int64_t n)
{
    dc_field *f = dc_calloc((size_t)nc, sizeof *f);
    assert_non_null(f);
    for (int i = 0; i < nc; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        f[i] = kf_field(name, dc_type_ref(cols[i]->type), true);
    }
    dc_schema *schema = dc_schema_new(f, nc, NULL);
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_batch_new(&b, schema, cols, n, NULL));
    dc_schema_unref(schema);
    for (int i = 0; i < nc; i++)
        dc_field_clear(&f[i]);
    dc_free(f);
    return b;
}

/* The rows of each group in turn (a counting sort of group[0..n)). */
static int64_t *order_of(const int32_t *group, int64_t n, int32_t ng)
{
    int64_t *order = dc_malloc((size_t)(n ? n : 1) * sizeof *order), k = 0;
    assert_non_null(order);
    for (int32_t g = 0; g < ng; g++)
        for (int64_t i = 0; i < n; i++)
            if (group[i] == g)
                order[k++] = i;
    return order;
}

/* dc_batch_regroup gives exactly dc_batch_take of the grouped order, for every column. */
static void assert_regroup_is_the_take(const dc_batch *b, const int32_t *group, int32_t ng)
{
    int64_t *order = order_of(group, b->length, ng), first[8];
    dc_batch *out = NULL;
    DC_ASSERT_OK(dc_batch_regroup(&out, first, b, group, ng, NULL));
    assert_int_equal(out->length, b->length);
    for (int32_t c = 0; c < b->schema->n_fields; c++)
        kf_assert_gathered(out->columns[c], b->columns[c], order, b->length);
    dc_batch_unref(out);
    dc_free(order);
}

static void test_regroup_scatters_every_type_like_a_take_of_the_groups(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    const int32_t group[] = {2, 0, 1, 0, 2, 0}, one[] = {0, 0, 0, 0, 0, 0};
    dc_batch *b = batch_of(all, n, KF_ROWS);
    assert_regroup_is_the_take(b, group, 3);
    assert_regroup_is_the_take(b, group, 4); /* an empty group */
    assert_regroup_is_the_take(b, one, 1);
    dc_batch *s = NULL; /* rows 1..5 of every column: offsets into the buffers */
    DC_ASSERT_OK(dc_batch_slice(&s, b, 1, 5, NULL));
    assert_regroup_is_the_take(s, group + 1, 3);
    dc_batch_unref(s);
    DC_ASSERT_OK(dc_batch_slice(&s, b, 0, 0, NULL));
    assert_regroup_is_the_take(s, group, 3);
    dc_batch_unref(s);
    const int32_t bad[] = {0, 3, 0, 0, 0, 0}, neg[] = {0, 0, -1, 0, 0, 0};
    dc_batch *out = NULL;
    dc_error e;
    int64_t first[8];
    assert_int_equal(dc_batch_regroup(&out, first, b, bad, 3, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "row 1 is in group 3 of 3"));
    assert_int_equal(dc_batch_regroup(&out, first, b, neg, 3, &e), DC_EINVALID);
    assert_int_equal(dc_batch_regroup(&out, first, b, one, 0, &e), DC_EINVALID);
    assert_null(out);
    dc_batch_unref(b);
    kf_free_all(all, n);
}

/* Many rows: validity and bool bits cross bytes at every offset, strings of every length. */
static void test_regroup_of_many_rows_with_nulls_at_an_unaligned_offset(void **state)
{
    (void)state;
    enum { N = 3001 };
    int64_t *v = dc_malloc(N * sizeof *v);
    char *valid = dc_malloc(N + 1);
    bool *bits = dc_malloc(N);
    const char **str = dc_malloc(N * sizeof *str);
    char (*text)[24] = dc_malloc(N * sizeof *text);
    int32_t *group = dc_malloc(N * sizeof *group);
    assert_true(v && valid && bits && str && text && group);
    uint64_t r = 42;
    for (int i = 0; i < N; i++) {
        r = r * 6364136223846793005u + 1442695040888963407u;
        v[i] = (int64_t)(r >> 20);
        valid[i] = (r >> 7) % 5 != 0 ? '1' : '0';
        bits[i] = (r >> 9) & 1;
        snprintf(text[i], sizeof text[i], "%.*s", (int)((r >> 11) % 20), "abcdefghijklmnopqrstu");
        str[i] = valid[i] == '1' ? text[i] : NULL;
        group[i] = (int32_t)((r >> 33) % 7);
    }
    valid[N] = 0;
    dc_array *cols[4] = {tu_int64(v, N, valid), tu_utf8(str, N), tu_bool(bits, N, valid), NULL};
    dc_type *large = kf_type("large_string");
    DC_ASSERT_OK(dc_cast(&cols[3], cols[1], large, true, NULL));
    dc_type_unref(large);
    dc_batch *b = batch_of(cols, 4, N), *s = NULL;
    assert_regroup_is_the_take(b, group, 7);
    DC_ASSERT_OK(dc_batch_slice(&s, b, 3, N - 10, NULL));
    assert_regroup_is_the_take(s, group + 3, 7);
    dc_batch_unref(s);
    dc_batch_unref(b);
    for (int i = 0; i < 4; i++)
        dc_array_unref(cols[i]);
    dc_free(v);
    dc_free(valid);
    dc_free(bits);
    dc_free(str);
    dc_free(text);
    dc_free(group);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_gathers_every_type_with_null_rows),
        cmocka_unit_test(test_take_from_unaligned_slice_uses_the_slice_rows),
        cmocka_unit_test(test_take_with_no_indices_gives_an_empty_array_of_the_type),
        cmocka_unit_test(test_take_from_an_empty_array_with_negative_indices_gives_nulls),
        cmocka_unit_test(test_take_rejects_an_index_past_the_end),
        cmocka_unit_test(test_take_renders_values_strings_and_lists),
        cmocka_unit_test(test_take_large_int32_column_keeps_every_value),
        cmocka_unit_test(test_filter_keeps_true_rows_of_every_type_and_drops_null_mask_rows),
        cmocka_unit_test(test_filter_all_true_keeps_everything_and_all_false_nothing),
        cmocka_unit_test(test_filter_with_a_long_mask_at_unaligned_offset),
        cmocka_unit_test(test_filter_rejects_a_mask_of_wrong_type_or_length),
        cmocka_unit_test(test_batch_take_and_filter_apply_to_every_column),
        cmocka_unit_test(test_nested_arrays_whose_children_are_slices),
        cmocka_unit_test(test_regroup_scatters_every_type_like_a_take_of_the_groups),
        cmocka_unit_test(test_regroup_of_many_rows_with_nulls_at_an_unaligned_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
