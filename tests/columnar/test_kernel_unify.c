/* test_kernel_unify.c: dc_type_unify, dc_schema_unify, dc_array_fill and dc_batch_conform. */
#include "kernel_fixtures.h"

/* Unify two named types; returns the result's name (static) or the error code's name. */
static const char *unified(const char *a, const char *b)
{
    static char buf[256];
    dc_type *x = kf_type(a), *y = kf_type(b), *u = NULL, *v = NULL;
    dc_error e;
    dc_status rc = dc_type_unify(&u, x, y, &e);
    if (rc != DC_OK) {
        assert_null(u);
        snprintf(buf, sizeof buf, "%s", dc_status_name(rc));
    } else {
        /* Unification is symmetric in the type it finds (struct field order aside). */
        DC_ASSERT_OK(dc_type_unify(&v, y, x, NULL));
        if (x->id != DC_TYPE_STRUCT)
            assert_true(dc_type_equals(u, v));
        char *s = dc_type_to_string(u);
        snprintf(buf, sizeof buf, "%s", s);
        dc_free(s);
    }
    dc_type_unref(x);
    dc_type_unref(y);
    dc_type_unref(u);
    dc_type_unref(v);
    return buf;
}

static void test_type_unify_promotes_numbers_to_the_narrowest_common_type(void **state)
{
    (void)state;
    assert_string_equal(unified("int8", "int16"), "int16");
    assert_string_equal(unified("int8", "uint8"), "int16");
    assert_string_equal(unified("int32", "uint16"), "int32");
    assert_string_equal(unified("uint32", "int8"), "int64");
    assert_string_equal(unified("uint8", "uint64"), "uint64");
    assert_string_equal(unified("int64", "uint64"), "ESCHEMA");
    assert_string_equal(unified("int32", "float"), "double");
    assert_string_equal(unified("float16", "float"), "float");
    assert_string_equal(unified("decimal128(5, 2)", "decimal128(10, 4)"), "decimal128(10, 4)");
    assert_string_equal(unified("decimal128(5, 2)", "int32"), "decimal128(12, 2)");
    assert_string_equal(unified("decimal128(38, 0)", "decimal128(5, 4)"), "decimal256(42, 4)");
    assert_string_equal(unified("decimal128(5, 2)", "double"), "double");
}

static void test_type_unify_strings_temporals_nested_and_nulls(void **state)
{
    (void)state;
    assert_string_equal(unified("null", "string"), "string");
    assert_string_equal(unified("string", "large_string"), "large_string");
    assert_string_equal(unified("string", "binary"), "binary");
    assert_string_equal(unified("string", "int64"), "ESCHEMA");
    assert_string_equal(unified("timestamp[s]", "timestamp[ms]"), "timestamp[ms]");
    assert_string_equal(unified("timestamp[s, tz=UTC]", "timestamp[ns, tz=UTC]"),
                        "timestamp[ns, tz=UTC]");
    assert_string_equal(unified("timestamp[s]", "timestamp[s, tz=UTC]"), "ESCHEMA");
    assert_string_equal(unified("date32", "timestamp[s]"), "timestamp[s]");
    assert_string_equal(unified("date32", "date64"), "date64");
    assert_string_equal(unified("time32[s]", "time64[us]"), "time64[us]");
    assert_string_equal(unified("duration[ms]", "duration[s]"), "duration[ms]");
    assert_string_equal(unified("list<item: int32>", "large_list<item: int64>"),
                        "large_list<item: int64>");
    assert_string_equal(unified("list<item: int32>", "list<item: string>"), "ESCHEMA");
    assert_string_equal(unified("struct<a: int32, b: string>", "struct<c: double, a: int64>"),
                        "struct<a: int64, b: string, c: double>");
    assert_string_equal(unified("bool", "int8"), "ESCHEMA");
}

static void test_type_unify_error_names_both_types_and_the_nested_field(void **state)
{
    (void)state;
    dc_type *a = kf_type("struct<x: int64>"), *b = kf_type("struct<x: string>"), *u = NULL;
    dc_error e;
    assert_int_equal(dc_type_unify(&u, a, b, &e), DC_ESCHEMA);
    assert_null(u);
    assert_non_null(strstr(e.message, "'x'"));
    assert_non_null(strstr(e.message, "int64"));
    assert_non_null(strstr(e.message, "string"));
    dc_type_unref(a);
    dc_type_unref(b);
}

static void test_schema_unify_keeps_order_merges_nullability_and_adds_new_fields(void **state)
{
    (void)state;
    dc_field fa[2] = {kf_field("x", dc_type_new(DC_TYPE_INT32), false),
                      kf_field("y", dc_type_new(DC_TYPE_UTF8), false)};
    dc_field fb[3] = {kf_field("y", dc_type_new(DC_TYPE_LARGE_UTF8), false),
                      kf_field("z", dc_type_new(DC_TYPE_FLOAT64), false),
                      kf_field("x", dc_type_new(DC_TYPE_INT64), true)};
    dc_schema *a = dc_schema_new(fa, 2, NULL), *b = dc_schema_new(fb, 3, NULL), *u = NULL;
    DC_ASSERT_OK(dc_schema_unify(&u, a, b, NULL));
    assert_int_equal(u->n_fields, 3);
    char *s = dc_schema_to_string(u);
    assert_non_null(strstr(s, "x: int64"));
    assert_string_equal(u->fields[0].name, "x");
    assert_true(u->fields[0].nullable);
    assert_string_equal(u->fields[1].name, "y");
    assert_false(u->fields[1].nullable);
    assert_int_equal(u->fields[1].type->id, DC_TYPE_LARGE_UTF8);
    assert_string_equal(u->fields[2].name, "z");
    assert_true(u->fields[2].nullable);
    dc_free(s);
    dc_schema_unref(u);

    dc_field bad = kf_field("y", dc_type_new(DC_TYPE_INT64), true);
    dc_schema *c = dc_schema_new(&bad, 1, NULL);
    dc_error e;
    assert_int_equal(dc_schema_unify(&u, a, c, &e), DC_ESCHEMA);
    assert_null(u);
    assert_non_null(strstr(e.message, "'y'"));
    assert_string_equal(e.column, "y");
    dc_schema_unref(c);
    dc_field_clear(&bad);
    for (int i = 0; i < 2; i++)
        dc_field_clear(&fa[i]);
    for (int i = 0; i < 3; i++)
        dc_field_clear(&fb[i]);
    dc_schema_unref(a);
    dc_schema_unref(b);
}

static void test_fill_repeats_the_cast_default_or_nulls(void **state)
{
    (void)state;
    const int64_t v[] = {5, 6};
    dc_array *def = tu_int64(v, 2, NULL), *out = NULL;
    dc_type *dbl = dc_type_new(DC_TYPE_FLOAT64);
    DC_ASSERT_OK(dc_array_fill(&out, dbl, def, 3, NULL));
    TU_ASSERT_ARRAY(out, "[5.0, 5.0, 5.0]");
    dc_array_unref(out);
    DC_ASSERT_OK(dc_array_fill(&out, dbl, def, 0, NULL));
    assert_int_equal(out->length, 0);
    dc_array_unref(out);
    DC_ASSERT_OK(dc_array_fill(&out, dbl, NULL, 2, NULL));
    TU_ASSERT_ARRAY(out, "[null, null]");
    dc_array_unref(out);
    dc_type *lt = kf_type("list<item: string>");
    DC_ASSERT_OK(dc_array_fill(&out, lt, NULL, 2, NULL));
    DC_ASSERT_OK(dc_array_validate(out, NULL));
    TU_ASSERT_ARRAY(out, "[null, null]");
    dc_array_unref(out);
    const char *s[] = {"abc"};
    dc_array *text = tu_utf8(s, 1);
    dc_type *i64 = dc_type_new(DC_TYPE_INT64);
    dc_error e;
    assert_int_equal(dc_array_fill(&out, i64, text, 2, &e), DC_ESCHEMA);
    assert_null(out);
    assert_non_null(strstr(e.message, "default value"));
    dc_type *str = dc_type_new(DC_TYPE_LARGE_UTF8);
    DC_ASSERT_OK(dc_array_fill(&out, str, text, 2, NULL));
    TU_ASSERT_ARRAY(out, "[abc, abc]");
    dc_array_unref(out);
    dc_array *empty = tu_int64(NULL, 0, NULL);
    assert_int_equal(dc_array_fill(&out, i64, empty, 2, NULL), DC_EINVALID);
    dc_array_unref(empty);
    dc_array_unref(text);
    dc_array_unref(def);
    dc_type_unref(dbl);
    dc_type_unref(lt);
    dc_type_unref(i64);
    dc_type_unref(str);
}

static dc_batch *input_batch(void)
{
    const int32_t b[] = {1, 2};
    const char *a[] = {"x", NULL};
    dc_array *cols[2] = {tu_int32(b, 2, NULL), tu_utf8(a, 2)};
    dc_field f[2] = {kf_field("b", dc_type_new(DC_TYPE_INT32), true),
                     kf_field("a", dc_type_new(DC_TYPE_UTF8), true)};
    dc_schema *s = dc_schema_new(f, 2, NULL);
    dc_batch *out = NULL;
    DC_ASSERT_OK(dc_batch_new(&out, s, cols, 2, NULL));
    dc_schema_unref(s);
    for (int i = 0; i < 2; i++) {
        dc_field_clear(&f[i]);
        dc_array_unref(cols[i]);
    }
    return out;
}

static void test_conform_casts_reorders_and_fills_missing_columns(void **state)
{
    (void)state;
    dc_batch *in = input_batch(), *out = NULL;
    dc_field f[4] = {kf_field("a", dc_type_new(DC_TYPE_LARGE_UTF8), true),
                     kf_field("b", dc_type_new(DC_TYPE_INT64), false),
                     kf_field("c", dc_type_new(DC_TYPE_FLOAT64), true),
                     kf_field("d", dc_type_new(DC_TYPE_INT32), false)};
    dc_schema *target = dc_schema_new(f, 4, NULL);
    const int64_t seven[] = {7};
    dc_array *d7 = tu_int64(seven, 1, NULL);
    dc_array *defaults[4] = {NULL, NULL, NULL, d7};
    DC_ASSERT_OK(dc_batch_conform(&out, in, target, defaults, NULL));
    assert_int_equal(out->length, 2);
    TU_ASSERT_ARRAY(out->columns[0], "[x, null]");
    TU_ASSERT_ARRAY(out->columns[1], "[1, 2]");
    TU_ASSERT_ARRAY(out->columns[2], "[null, null]");
    TU_ASSERT_ARRAY(out->columns[3], "[7, 7]");
    assert_true(dc_schema_equals(out->schema, target));
    dc_batch_unref(out);

    dc_error e;
    assert_int_equal(dc_batch_conform(&out, in, target, NULL, &e), DC_ESCHEMA);
    assert_null(out);
    assert_non_null(strstr(e.message, "'d'"));
    assert_string_equal(e.column, "d");

    dc_schema_unref(target);
    for (int i = 0; i < 4; i++)
        dc_field_clear(&f[i]);
    dc_array_unref(d7);
    dc_batch_unref(in);
}

static void test_conform_rejects_extra_columns_bad_casts_and_nulls_in_required_fields(void **state)
{
    (void)state;
    dc_batch *in = input_batch(), *out = NULL;
    dc_error e;
    dc_field only_a = kf_field("a", dc_type_new(DC_TYPE_UTF8), true);
    dc_schema *t1 = dc_schema_new(&only_a, 1, NULL);
    assert_int_equal(dc_batch_conform(&out, in, t1, NULL, &e), DC_ESCHEMA);
    assert_non_null(strstr(e.message, "'b' is not in the target schema"));

    dc_field f2[2] = {kf_field("a", dc_type_new(DC_TYPE_INT64), true),
                      kf_field("b", dc_type_new(DC_TYPE_INT32), true)};
    dc_schema *t2 = dc_schema_new(f2, 2, NULL);
    assert_int_equal(dc_batch_conform(&out, in, t2, NULL, &e), DC_ESCHEMA);
    assert_non_null(strstr(e.message, "'x'"));
    assert_string_equal(e.column, "a");

    dc_field f3[2] = {kf_field("a", dc_type_new(DC_TYPE_UTF8), false),
                      kf_field("b", dc_type_new(DC_TYPE_INT32), true)};
    dc_schema *t3 = dc_schema_new(f3, 2, NULL);
    assert_int_equal(dc_batch_conform(&out, in, t3, NULL, &e), DC_ESCHEMA);
    assert_non_null(strstr(e.message, "not nullable"));
    assert_null(out);

    dc_schema_unref(t1);
    dc_schema_unref(t2);
    dc_schema_unref(t3);
    dc_field_clear(&only_a);
    for (int i = 0; i < 2; i++) {
        dc_field_clear(&f2[i]);
        dc_field_clear(&f3[i]);
    }
    dc_batch_unref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_unify_promotes_numbers_to_the_narrowest_common_type),
        cmocka_unit_test(test_type_unify_strings_temporals_nested_and_nulls),
        cmocka_unit_test(test_type_unify_error_names_both_types_and_the_nested_field),
        cmocka_unit_test(test_schema_unify_keeps_order_merges_nullability_and_adds_new_fields),
        cmocka_unit_test(test_fill_repeats_the_cast_default_or_nulls),
        cmocka_unit_test(test_conform_casts_reorders_and_fills_missing_columns),
        cmocka_unit_test(test_conform_rejects_extra_columns_bad_casts_and_nulls_in_required_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
