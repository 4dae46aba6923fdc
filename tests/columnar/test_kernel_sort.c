/* test_kernel_sort.c: dc_sort_indices (stable, multi-key, directions, null placement). */
#include "kernel_fixtures.h"

#include <math.h>

static char *perm_text(const int64_t *p, int64_t n)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    for (int64_t i = 0; i < n; i++)
        dc_strbuf_printf(&s, "%s%lld", i ? " " : "", (long long)p[i]);
    return dc_strbuf_detach(&s);
}

#define ASSERT_PERM(p, n, expected)                                                                \
    do {                                                                                           \
        char *t_ = perm_text(p, n);                                                                \
        assert_string_equal(t_, expected);                                                         \
        dc_free(t_);                                                                               \
    } while (0)

static void test_sort_int64_ascending_and_descending_with_null_placement(void **state)
{
    (void)state;
    const int64_t v[] = {3, 1, 0, 2, 1};
    dc_array *a = tu_int64(v, 5, "11011");
    int64_t *p = NULL;
    dc_sort_key k = {a, false, false};
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, 5, NULL));
    ASSERT_PERM(p, 5, "1 4 3 0 2");
    dc_free(p);
    k.nulls_first = true;
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, 5, NULL));
    ASSERT_PERM(p, 5, "2 1 4 3 0");
    dc_free(p);
    k.descending = true;
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, 5, NULL));
    ASSERT_PERM(p, 5, "2 0 3 1 4"); /* ties keep their order even descending */
    dc_free(p);
    k.nulls_first = false;
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, 5, NULL));
    ASSERT_PERM(p, 5, "0 3 1 4 2");
    dc_free(p);
    dc_array_unref(a);
}

static void test_sort_by_two_keys_breaks_ties_with_the_second(void **state)
{
    (void)state;
    const char *s[] = {"b", "a", "b", "a", NULL};
    const double d[] = {1.0, 2.0, NAN, 1.0, 0.0};
    dc_array *a = tu_utf8(s, 5), *b = tu_double(d, 5, NULL);
    dc_sort_key k[2] = {{a, false, true}, {b, true, false}};
    int64_t *p = NULL;
    DC_ASSERT_OK(dc_sort_indices(&p, k, 2, 5, NULL));
    ASSERT_PERM(p, 5, "4 1 3 2 0"); /* null first; then a: 2 > 1; b: NaN > 1 descending */
    dc_free(p);
    dc_array_unref(a);
    dc_array_unref(b);
}

static void test_sort_by_a_numeric_first_key_refines_ties_and_nulls_with_the_next(void **state)
{
    (void)state;
    const double d[] = {1.0, -0.0, NAN, 0.0, 1.0, 5.0, 9.0, 1.0};
    const char *s[] = {"b", "x", "n", "a", "c", "z", "q", "a"};
    dc_array *a = tu_double(d, 8, "11111100"), *b = tu_utf8(s, 8);
    dc_sort_key k[2] = {{a, false, false}, {b, true, false}};
    int64_t *p = NULL;
    /* 0.0 ties (x, a) desc; 1.0 ties (b, c) desc; NaN; then nulls (z, q) by the string desc. */
    DC_ASSERT_OK(dc_sort_indices(&p, k, 2, 8, NULL));
    ASSERT_PERM(p, 8, "1 3 4 0 5 2 6 7");
    dc_free(p);
    k[0].descending = true;
    k[0].nulls_first = true;
    DC_ASSERT_OK(dc_sort_indices(&p, k, 2, 8, NULL));
    ASSERT_PERM(p, 8, "6 7 2 5 4 0 1 3");
    dc_free(p);
    dc_array_unref(a);
    dc_array_unref(b);
}

static void test_sort_strings_sharing_long_prefixes(void **state)
{
    (void)state;
    const char *s[] = {"prefix__b", "prefix__", "prefix__a", "prefix", "prefix__a\x01", NULL, ""};
    dc_array *a = tu_utf8(s, 7);
    dc_sort_key k = {a, false, true};
    int64_t *p = NULL;
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, 7, NULL));
    ASSERT_PERM(p, 7, "5 6 3 1 2 4 0");
    dc_free(p);
    k.descending = true;
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, 7, NULL));
    ASSERT_PERM(p, 7, "5 0 4 2 1 3 6");
    dc_free(p);
    dc_array_unref(a);
}

static void test_sort_dictionary_keys_by_their_values_not_their_indices(void **state)
{
    (void)state;
    const char *d[] = {"b", "a", "b"};
    const int64_t idx[] = {0, 1, 2, 1, 0};
    dc_array *a = kf_dict_of(d, 3, idx, "11101", 5);
    dc_sort_key k = {a, false, false};
    int64_t *p = NULL;
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, 5, NULL));
    ASSERT_PERM(p, 5, "1 0 2 4 3"); /* a; the b rows (indices 0 and 2) tie; null */
    dc_free(p);
    k.descending = true;
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, 5, NULL));
    ASSERT_PERM(p, 5, "0 2 4 1 3");
    dc_free(p);
    dc_array_unref(a);
}

static void test_sort_every_type_orders_rows_by_compare_values(void **state)
{
    (void)state;
    int n;
    dc_array **all = kf_all(&n);
    for (int i = 0; i < n; i++) {
        for (int mode = 0; mode < 4; mode++) {
            dc_sort_key k = {all[i], (mode & 1) != 0, (mode & 2) != 0};
            int64_t *p = NULL;
            DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, KF_ROWS, NULL));
            bool seen[KF_ROWS] = {false};
            for (int r = 0; r < KF_ROWS; r++) {
                assert_true(p[r] >= 0 && p[r] < KF_ROWS && !seen[p[r]]);
                seen[p[r]] = true;
                if (r == 0)
                    continue;
                int c = dc_compare_values(all[i], p[r - 1], all[i], p[r], k.nulls_first);
                bool either_null = dc_array_is_null(all[i], p[r - 1]) ||
                                   dc_array_is_null(all[i], p[r]);
                if (k.descending && !either_null)
                    c = -c;
                assert_true(c <= 0);
                if (c == 0)
                    assert_true(p[r - 1] < p[r]); /* stable */
            }
            dc_free(p);
        }
    }
    kf_free_all(all, n);
}

static void test_sort_many_rows_is_ordered_and_stable(void **state)
{
    (void)state;
    enum { N = 20000 };
    int64_t *v = dc_malloc(N * sizeof *v);
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[i] = (int64_t)(x % 1000);
    }
    dc_array *a = tu_int64(v, N, NULL), *s = NULL;
    DC_ASSERT_OK(dc_array_slice(&s, a, 3, N - 3, NULL));
    dc_sort_key k = {s, false, false};
    int64_t *p = NULL;
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, N - 3, NULL));
    for (int r = 1; r < N - 3; r++) {
        int64_t prev = v[p[r - 1] + 3], cur = v[p[r] + 3];
        assert_true(prev <= cur);
        if (prev == cur)
            assert_true(p[r - 1] < p[r]);
    }
    dc_free(p);
    dc_free(v);
    dc_array_unref(s);
    dc_array_unref(a);
}

static void test_sort_without_keys_or_rows_and_with_a_wrong_length(void **state)
{
    (void)state;
    const int64_t v[] = {2, 1};
    dc_array *a = tu_int64(v, 2, NULL);
    int64_t *p = NULL;
    DC_ASSERT_OK(dc_sort_indices(&p, NULL, 0, 2, NULL));
    ASSERT_PERM(p, 2, "0 1");
    dc_free(p);
    dc_sort_key k = {a, false, false};
    dc_error e;
    assert_int_equal(dc_sort_indices(&p, &k, 1, 3, &e), DC_EINVALID);
    assert_null(p);
    assert_non_null(strstr(e.message, "key 0"));
    dc_array *empty = tu_int64(NULL, 0, NULL);
    k.array = empty;
    DC_ASSERT_OK(dc_sort_indices(&p, &k, 1, 0, NULL));
    assert_non_null(p);
    dc_free(p);
    dc_array_unref(empty);
    dc_array_unref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort_int64_ascending_and_descending_with_null_placement),
        cmocka_unit_test(test_sort_by_two_keys_breaks_ties_with_the_second),
        cmocka_unit_test(test_sort_by_a_numeric_first_key_refines_ties_and_nulls_with_the_next),
        cmocka_unit_test(test_sort_strings_sharing_long_prefixes),
        cmocka_unit_test(test_sort_dictionary_keys_by_their_values_not_their_indices),
        cmocka_unit_test(test_sort_every_type_orders_rows_by_compare_values),
        cmocka_unit_test(test_sort_many_rows_is_ordered_and_stable),
        cmocka_unit_test(test_sort_without_keys_or_rows_and_with_a_wrong_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
