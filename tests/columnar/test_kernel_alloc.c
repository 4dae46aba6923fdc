/*
 * test_kernel_alloc.c: every kernel under allocation failure: it must return
 * DC_ENOMEM (or succeed), leave *out NULL on failure and leak nothing (ASan).
 */
#include "kernel_fixtures.h"

typedef dc_status (*kernel_fn)(dc_array *const *all, int n, dc_array **keep, void *ctx);

/* Run fn with allocation failing after 0, 1, 2, ... allocations until it succeeds. */
static void fail_each_allocation(kernel_fn fn, const char *name, void *ctx)
{
    int n;
    dc_array **all = kf_all(&n);
    bool succeeded = false;
    int64_t k = 0;
    for (k = 0; k < 5000 && !succeeded; k++) {
        dc_array *keep = NULL;
        dc_alloc_fail_after(k);
        dc_status rc = fn(all, n, &keep, ctx);
        dc_alloc_fail_after(-1);
        if (rc == DC_OK) {
            succeeded = true;
            dc_array_unref(keep);
            break;
        } else if (rc != DC_ENOMEM) {
            fail_msg("%s: failure %lld gave %s instead of ENOMEM", name, (long long)k,
                     dc_status_name(rc));
        } else {
            assert_null(keep);
        }
        dc_array_unref(keep);
    }
    assert_true(succeeded);
    assert_true(k > 10); /* the walk did go through many allocations */
    kf_free_all(all, n);
}

/* Each kernel over every type; `keep` is unused except by the last call. */
static dc_status run_take(dc_array *const *all, int n, dc_array **keep, void *ctx)
{
    const int64_t idx[] = {5, -1, 0, 3};
    for (int i = 0; i < n; i++) {
        dc_array *out = NULL;
        dc_status rc = dc_array_take(&out, all[i], idx, 4, NULL);
        if (rc != DC_OK)
            return rc;
        assert_non_null(out);
        dc_array_unref(out);
    }
    *keep = NULL;
    return DC_OK;
}

static dc_status run_concat(dc_array *const *all, int n, dc_array **keep, void *ctx)
{
    for (int i = 0; i < n; i++) {
        dc_array *parts[2] = {all[i], all[i]}, *out = NULL;
        dc_status rc = dc_array_concat(&out, parts, 2, NULL);
        if (rc != DC_OK)
            return rc;
        dc_array_unref(out);
    }
    /* Different dictionaries need the merge path: encode the utf8 fixture. */
    dc_array *other = NULL;
    dc_status rc = dc_cast(&other, all[22], all[n - 1]->type, true, NULL);
    if (rc != DC_OK)
        return rc;
    dc_array *parts[2] = {all[n - 1], other};
    rc = dc_array_concat(keep, parts, 2, NULL);
    dc_array_unref(other);
    if (rc == DC_OK)
        assert_int_equal((*keep)->dictionary->length, 7);
    return rc;
}

static dc_status run_cast_to_text(dc_array *const *all, int n, dc_array **keep, void *ctx)
{
    dc_type *t = dc_type_new(DC_TYPE_LARGE_UTF8);
    if (!t)
        return DC_ENOMEM;
    dc_status rc = DC_OK;
    for (int i = 0; i < n && rc == DC_OK; i++) {
        dc_array *out = NULL;
        rc = dc_cast(&out, all[i], t, true, NULL);
        dc_array_unref(out);
    }
    dc_type_unref(t);
    *keep = NULL;
    return rc;
}

static dc_status run_sort_and_hash(dc_array *const *all, int n, dc_array **keep, void *ctx)
{
    for (int i = 0; i < n; i++) {
        dc_sort_key k = {all[i], true, false};
        int64_t *p = NULL;
        uint64_t h[KF_ROWS];
        dc_status rc = dc_sort_indices(&p, &k, 1, KF_ROWS, NULL);
        if (rc != DC_OK)
            return rc;
        dc_free(p);
        rc = dc_hash_rows(h, &all[i], 1, KF_ROWS, NULL);
        if (rc != DC_OK)
            return rc;
    }
    *keep = NULL;
    return DC_OK;
}

static dc_status run_fill_and_filter(dc_array *const *all, int n, dc_array **keep, void *ctx)
{
    const dc_array *mask = all[1]; /* the bool fixture, with nulls */
    assert_int_equal(mask->type->id, DC_TYPE_BOOL);
    dc_status rc = DC_OK;
    for (int i = 0; i < n && rc == DC_OK; i++) {
        dc_array *out = NULL;
        rc = dc_array_filter(&out, all[i], mask, NULL);
        dc_array_unref(out);
        out = NULL;
        if (rc == DC_OK)
            rc = dc_array_fill(&out, all[i]->type, all[i], 3, NULL);
        dc_array_unref(out);
    }
    *keep = NULL;
    return rc;
}

static dc_status cast_to(const dc_array *a, const dc_type *t)
{
    dc_array *out = NULL;
    dc_status rc = dc_cast(&out, a, t, true, NULL);
    dc_array_unref(out);
    return rc;
}

static const char *const NESTED_TARGETS[] = {
    "struct<b: large_string, a: double, c: int32>", "large_list<item: double>", "large_string",
    "dictionary<values=string, indices=int16>", "decimal256(40, 4)"};
enum { N_TARGETS = 5 };

static dc_status run_cast_nested_and_conform(dc_array *const *all, int n, dc_array **keep,
                                             void *ctx)
{
    dc_type *const *targets = ctx; /* parsed from NESTED_TARGETS before the faults */
    const int sources[N_TARGETS] = {n - 3, n - 6, n - 1, 22, 13};
    dc_status rc = DC_OK;
    for (int i = 0; i < N_TARGETS && rc == DC_OK; i++)
        rc = cast_to(all[sources[i]], targets[i]);
    if (rc != DC_OK)
        return rc;
    /* Unify two schemas and conform a batch of the first to the result. */
    dc_field f[2] = {{0}, {0}};
    dc_schema *a = NULL, *b = NULL, *u = NULL;
    dc_batch *batch = NULL, *out = NULL;
    rc = dc_field_init(&f[0], "x", all[4]->type, true, NULL);
    if (rc == DC_OK)
        rc = dc_field_init(&f[1], "x", all[5]->type, true, NULL);
    if (rc == DC_OK) {
        a = dc_schema_new(&f[0], 1, NULL);
        b = dc_schema_new(&f[1], 1, NULL);
        if (!a || !b)
            rc = DC_ENOMEM;
    }
    if (rc == DC_OK)
        rc = dc_schema_unify(&u, a, b, NULL);
    if (rc == DC_OK)
        rc = dc_batch_new(&batch, a, &all[4], KF_ROWS, NULL);
    if (rc == DC_OK)
        rc = dc_batch_conform(&out, batch, u, NULL, NULL);
    dc_batch_unref(out);
    dc_batch_unref(batch);
    dc_schema_unref(a);
    dc_schema_unref(b);
    dc_schema_unref(u);
    dc_field_clear(&f[0]);
    dc_field_clear(&f[1]);
    *keep = NULL;
    return rc;
}

static void test_nested_casts_and_conform_survive_every_allocation_failure(void **state)
{
    (void)state;
    dc_type *targets[N_TARGETS];
    for (int i = 0; i < N_TARGETS; i++)
        targets[i] = kf_type(NESTED_TARGETS[i]);
    fail_each_allocation(run_cast_nested_and_conform, "conform", targets);
    for (int i = 0; i < N_TARGETS; i++)
        dc_type_unref(targets[i]);
}

static void test_take_survives_every_allocation_failure(void **state)
{
    (void)state;
    fail_each_allocation(run_take, "take", NULL);
}

static void test_concat_survives_every_allocation_failure(void **state)
{
    (void)state;
    fail_each_allocation(run_concat, "concat", NULL);
}

static void test_cast_to_text_survives_every_allocation_failure(void **state)
{
    (void)state;
    fail_each_allocation(run_cast_to_text, "cast", NULL);
}

static void test_sort_and_hash_survive_every_allocation_failure(void **state)
{
    (void)state;
    fail_each_allocation(run_sort_and_hash, "sort", NULL);
}

static void test_filter_and_fill_survive_every_allocation_failure(void **state)
{
    (void)state;
    fail_each_allocation(run_fill_and_filter, "fill", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_survives_every_allocation_failure),
        cmocka_unit_test(test_concat_survives_every_allocation_failure),
        cmocka_unit_test(test_cast_to_text_survives_every_allocation_failure),
        cmocka_unit_test(test_sort_and_hash_survive_every_allocation_failure),
        cmocka_unit_test(test_filter_and_fill_survive_every_allocation_failure),
        cmocka_unit_test(test_nested_casts_and_conform_survive_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
