/*
 * test_array.c: types (names, parsing, Arrow formats), builders for every
 * type, validation of malformed arrays, the Arrow C Data Interface (export,
 * import, streams, release discipline) and value formatting.
 */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static dc_type *parse(const char *s)
{
    dc_type *t = NULL;
    dc_error e;
    if (dc_type_parse(&t, s, &e) != DC_OK)
        fail_msg("parse %s: %s", s, e.message);
    return t;
}

static const char *const ALL_TYPES[] = {
    "null", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "halffloat", "float", "double", "decimal128(10, 2)", "decimal256(60, -3)", "date32",
    "date64", "time32[ms]", "time64[ns]", "timestamp[s]", "timestamp[us, tz=UTC]",
    "timestamp[ns, tz=+05:30]", "duration[us]", "string", "large_string", "binary",
    "large_binary", "fixed_size_binary[16]", "list<item: int64>",
    "large_list<item: string not null>", "fixed_size_list<item: float>[3]",
    "struct<a: int64, b: string not null, c: struct<d: bool>>", "map<string, double>",
    "map<int32, string not null, keys_sorted>",
    "dictionary<values=string, indices=int32>", "dictionary<values=int64, indices=uint8, ordered>",
};

static void type_names_round_trip(void **state)
{
    for (size_t i = 0; i < DC_ARRAY_LEN(ALL_TYPES); i++) {
        dc_type *t = parse(ALL_TYPES[i]);
        char *s = dc_type_to_string(t);
        assert_string_equal(s, ALL_TYPES[i]);
        dc_type *u = parse(s);
        assert_true(dc_type_equals(t, u));
        dc_free(s);
        dc_type_unref(t);
        dc_type_unref(u);
    }
}

static void type_aliases_parse(void **state)
{
    static const struct { const char *in, *out; } cases[] = {
        {"utf8", "string"}, {"bigint", "int64"}, {"boolean", "bool"}, {"float64", "double"},
        {"bytes", "binary"}, {"timestamp", "timestamp[us]"}, {"decimal(50, 2)", "decimal256(50, 2)"},
        {"  list< int32 > ", "list<item: int32>"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_type *t = parse(cases[i].in);
        char *s = dc_type_to_string(t);
        assert_string_equal(s, cases[i].out);
        dc_free(s);
        dc_type_unref(t);
    }
}

static void bad_type_names_say_where(void **state)
{
    static const char *const bad[] = {"", "int65", "list<", "struct<a int64>", "decimal128(0, 1)",
                                      "decimal128(39, 1)", "timestamp[hours]", "int64 junk",
                                      "time32[us]", "dictionary<values=string, indices=string>",
                                      "map<string>", "fixed_size_binary[-1]"};
    for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++) {
        dc_type *t = NULL;
        dc_error e;
        assert_int_equal(dc_type_parse(&t, bad[i], &e), DC_EINVALID);
        assert_null(t);
        assert_non_null(strstr(e.message, "invalid type"));
    }
    char deep[400] = "";
    for (int i = 0; i < 70; i++)
        strcat(deep, "list<");
    dc_type *t = NULL;
    assert_int_equal(dc_type_parse(&t, deep, NULL), DC_EINVALID);
}

static void type_parse_reports_allocation_failure_as_enomem(void **state)
{
    /* Regression: a failed allocation inside dc_type_decimal was reported as
     * "precision out of range" (DC_EINVALID). */
    for (int n = 0; n < 20; n++) {
        dc_type *t = NULL;
        dc_alloc_fail_after(n);
        dc_status rc = dc_type_parse(&t, "decimal128(10, 2)", NULL);
        dc_alloc_fail_after(-1);
        if (rc == DC_OK) {
            dc_type_unref(t);
            return;
        }
        assert_int_equal(rc, DC_ENOMEM);
    }
    fail_msg("never succeeded");
}

static void type_equality_is_deep(void **state)
{
    dc_type *a = parse("struct<a: int64, b: list<item: string>>");
    dc_type *b = parse("struct<a: int64, b: list<element: string>>"); /* list child name ignored */
    dc_type *c = parse("struct<a: int64, b: list<item: large_string>>");
    dc_type *d = parse("timestamp[us, tz=UTC]"), *e = parse("timestamp[us]");
    assert_true(dc_type_equals(a, b));
    assert_false(dc_type_equals(a, c));
    assert_false(dc_type_equals(d, e));
    dc_type_unref(a);
    dc_type_unref(b);
    dc_type_unref(c);
    dc_type_unref(d);
    dc_type_unref(e);
}

static void schema_find_and_string(void **state)
{
    dc_type *i64 = dc_type_new(DC_TYPE_INT64), *str = dc_type_new(DC_TYPE_UTF8);
    dc_field f[2];
    dc_metadata md = {0};
    assert_int_equal(dc_metadata_set(&md, "doc", "the id"), DC_OK);
    assert_int_equal(dc_metadata_set(&md, "doc", "the key"), DC_OK); /* replaces */
    dc_field_init(&f[0], "id", i64, false, &md);
    dc_field_init(&f[1], "name", str, true, NULL);
    dc_schema *s = dc_schema_new(f, 2, NULL);
    assert_int_equal(dc_schema_find(s, "name"), 1);
    assert_int_equal(dc_schema_find(s, "nope"), -1);
    assert_string_equal(dc_metadata_get(&s->fields[0].metadata, "doc"), "the key");
    char *txt = dc_schema_to_string(s);
    assert_string_equal(txt, "id: int64 not null\nname: string\n");
    dc_free(txt);
    dc_schema *s2 = dc_schema_new(f, 2, NULL);
    assert_true(dc_schema_equals(s, s2));
    dc_schema_unref(s2);
    dc_schema_unref(s);
    dc_field_clear(&f[0]);
    dc_field_clear(&f[1]);
    dc_metadata_clear(&md);
    dc_type_unref(i64);
    dc_type_unref(str);
}

/* Build an array of `type` from a JSON-ish description, through the nested builders. */
static dc_array *build_sample(const char *type_name, dc_type **type_out)
{
    dc_type *t = parse(type_name);
    dc_builder *b = NULL;
    dc_array *a = NULL;
    assert_int_equal(dc_builder_new(&b, t, NULL), DC_OK);
    switch (t->id) {
    case DC_TYPE_LIST: { /* [[1, 2], null, [], [3]] */
        dc_builder *c = dc_builder_child(b, 0);
        assert_int_equal(dc_builder_append_int(c, 1), DC_OK);
        assert_int_equal(dc_builder_append_int(c, 2), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
        assert_int_equal(dc_builder_append_null(b), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
        assert_int_equal(dc_builder_append_int(c, 3), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
        break;
    }
    case DC_TYPE_STRUCT: { /* {a: 1, b: "x"}, null, {a: null, b: "y"} */
        dc_builder *ca = dc_builder_child(b, 0), *cb = dc_builder_child(b, 1);
        assert_int_equal(dc_builder_append_int(ca, 1), DC_OK);
        assert_int_equal(dc_builder_append_bytes(cb, "x", 1), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
        assert_int_equal(dc_builder_append_null(b), DC_OK);
        assert_int_equal(dc_builder_append_null(ca), DC_OK);
        assert_int_equal(dc_builder_append_bytes(cb, "y", 1), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_EINVALID); /* children not filled */
        break;
    }
    case DC_TYPE_MAP: { /* {"k1": 1.5, "k2": null}, null */
        dc_builder *e = dc_builder_child(b, 0);
        dc_builder *k = dc_builder_child(e, 0), *v = dc_builder_child(e, 1);
        assert_int_equal(dc_builder_append_bytes(k, "k1", 2), DC_OK);
        assert_int_equal(dc_builder_append_double(v, 1.5), DC_OK);
        assert_int_equal(dc_builder_append_valid(e), DC_OK);
        assert_int_equal(dc_builder_append_bytes(k, "k2", 2), DC_OK);
        assert_int_equal(dc_builder_append_null(v), DC_OK);
        assert_int_equal(dc_builder_append_valid(e), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
        assert_int_equal(dc_builder_append_null(b), DC_OK);
        break;
    }
    case DC_TYPE_FIXED_SIZE_LIST: { /* [1, 2], null, [3, null] */
        dc_builder *c = dc_builder_child(b, 0);
        assert_int_equal(dc_builder_append_int(c, 1), DC_OK);
        assert_int_equal(dc_builder_append_int(c, 2), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
        assert_int_equal(dc_builder_append_null(b), DC_OK);
        assert_int_equal(dc_builder_append_int(c, 3), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_EINVALID); /* one value short */
        assert_int_equal(dc_builder_append_null(c), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
        break;
    }
    case DC_TYPE_DICTIONARY: { /* "b", null, "a", "b" over dictionary ["a", "b"] */
        const char *const words[] = {"a", "b"};
        dc_array *dict = tu_utf8(words, 2);
        assert_int_equal(dc_builder_append_int(b, 0), DC_EINVALID); /* no dictionary yet */
        assert_int_equal(dc_builder_set_dictionary(b, dict), DC_OK);
        assert_int_equal(dc_builder_append_int(b, 1), DC_OK);
        assert_int_equal(dc_builder_append_null(b), DC_OK);
        assert_int_equal(dc_builder_append_int(b, 0), DC_OK);
        assert_int_equal(dc_builder_append_int(b, 1), DC_OK);
        assert_int_equal(dc_builder_append_int(b, 2), DC_EINVALID); /* beyond the dictionary */
        dc_array_unref(dict);
        break;
    }
    default:
        fail_msg("no sample for %s", type_name);
    }
    assert_int_equal(dc_builder_finish(b, &a, NULL), DC_OK);
    assert_int_equal(dc_array_validate(a, NULL), DC_OK);
    dc_builder_free(b);
    if (type_out)
        *type_out = t;
    else
        dc_type_unref(t);
    return a;
}

static void nested_builders_produce_valid_arrays(void **state)
{
    static const struct { const char *type, *expect; } cases[] = {
        {"list<item: int64>", "[[1,2], null, [], [3]]"},
        {"struct<a: int64, b: string>", "[{\"a\":1,\"b\":\"x\"}, null, {\"a\":null,\"b\":\"y\"}]"},
        {"map<string, double>", "[{\"k1\":1.5,\"k2\":null}, null]"},
        {"fixed_size_list<item: int64>[2]", "[[1,2], null, [3,null]]"},
        {"dictionary<values=string, indices=int8>", "[b, null, a, b]"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_array *a = build_sample(cases[i].type, NULL);
        TU_ASSERT_ARRAY(a, cases[i].expect);
        dc_array_unref(a);
    }
}

static void primitive_builders_check_ranges(void **state)
{
    static const char *const ints[] = {"int8", "int16", "int32", "uint8", "uint16", "uint32"};
    static const int64_t hi[] = {127, 32767, 2147483647, 255, 65535, 4294967295LL};
    for (size_t i = 0; i < DC_ARRAY_LEN(ints); i++) {
        dc_type *t = parse(ints[i]);
        dc_builder *b = NULL;
        dc_array *a = NULL;
        assert_int_equal(dc_builder_new(&b, t, NULL), DC_OK);
        assert_int_equal(dc_builder_append_int(b, hi[i]), DC_OK);
        assert_int_equal(dc_builder_append_int(b, hi[i] + 1), DC_EINVALID);
        assert_int_equal(dc_builder_append_bytes(b, "x", 1), DC_EINVALID); /* wrong kind */
        assert_int_equal(dc_builder_finish(b, &a, NULL), DC_OK);
        assert_int_equal(a->length, 1);
        assert_int_equal(dc_array_get_int(a, 0), hi[i]);
        dc_array_unref(a);
        dc_builder_free(b);
        dc_type_unref(t);
    }
    dc_type *u64 = parse("uint64");
    dc_builder *b = NULL;
    dc_array *a = NULL;
    dc_builder_new(&b, u64, NULL);
    assert_int_equal(dc_builder_append_uint(b, UINT64_MAX), DC_OK);
    assert_int_equal(dc_builder_append_int(b, -1), DC_EINVALID);
    dc_builder_finish(b, &a, NULL);
    TU_ASSERT_ARRAY(a, "[18446744073709551615]");
    dc_array_unref(a);
    dc_builder_free(b);
    dc_type_unref(u64);
}

static void validity_bitmap_is_lazy(void **state)
{
    int64_t v[] = {1, 2, 3};
    dc_array *a = tu_int64(v, 3, NULL);
    assert_null(a->buffers[0]); /* no nulls, no bitmap */
    assert_int_equal(a->null_count, 0);
    dc_array *b = tu_int64(v, 3, "101");
    assert_non_null(b->buffers[0]);
    assert_int_equal(b->null_count, 1);
    TU_ASSERT_ARRAY(b, "[1, null, 3]");
    dc_array_unref(a);
    dc_array_unref(b);
    /* A builder reused after finish starts clean. */
    dc_type *t = parse("string");
    dc_builder *bl = NULL;
    dc_array *x = NULL, *y = NULL;
    dc_builder_new(&bl, t, NULL);
    dc_builder_append_null(bl);
    dc_builder_finish(bl, &x, NULL);
    dc_builder_append_bytes(bl, "ok", 2);
    dc_builder_finish(bl, &y, NULL);
    TU_ASSERT_ARRAY(x, "[null]");
    TU_ASSERT_ARRAY(y, "[ok]");
    assert_null(y->buffers[0]);
    dc_array_unref(x);
    dc_array_unref(y);
    dc_builder_free(bl);
    dc_type_unref(t);
}

static void null_arrays_of_every_type(void **state)
{
    for (size_t i = 0; i < DC_ARRAY_LEN(ALL_TYPES); i++) {
        dc_type *t = parse(ALL_TYPES[i]);
        dc_array *a = NULL;
        assert_int_equal(dc_array_new_null(&a, t, 5, NULL), DC_OK);
        assert_int_equal(a->null_count, 5);
        assert_int_equal(dc_array_validate(a, NULL), DC_OK);
        for (int k = 0; k < 5; k++)
            assert_true(dc_array_is_null(a, k));
        dc_array *empty = NULL;
        assert_int_equal(dc_array_new_null(&empty, t, 0, NULL), DC_OK);
        assert_int_equal(dc_array_validate(empty, NULL), DC_OK);
        dc_array_unref(a);
        dc_array_unref(empty);
        dc_type_unref(t);
    }
}

static void validation_catches_broken_arrays(void **state)
{
    /* Offsets that decrease. */
    dc_type *t = parse("string");
    dc_buffer *offs = dc_buffer_new(12, true), *data = dc_buffer_new(4, true);
    int32_t o[3] = {0, 3, 2};
    memcpy(offs->data, o, sizeof o);
    memcpy(data->data, "abcd", 4);
    dc_buffer *bufs[3] = {NULL, offs, data};
    dc_array *a = NULL;
    dc_error e;
    assert_int_equal(dc_array_make(&a, t, 2, 0, 0, bufs, 3, NULL, 0, NULL, NULL), DC_OK);
    assert_int_equal(dc_array_validate(a, &e), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "decrease"));
    dc_array_unref(a);
    /* Offsets beyond the data. */
    o[2] = 9;
    memcpy(offs->data, o, sizeof o);
    assert_int_equal(dc_array_make(&a, t, 2, 0, 0, bufs, 3, NULL, 0, NULL, NULL), DC_OK);
    assert_int_equal(dc_array_validate(a, &e), DC_ECORRUPT);
    dc_array_unref(a);
    /* Invalid UTF-8 in a string. */
    o[2] = 4;
    memcpy(offs->data, o, sizeof o);
    data->data[3] = (uint8_t)0xff;
    assert_int_equal(dc_array_make(&a, t, 2, 0, 0, bufs, 3, NULL, 0, NULL, NULL), DC_OK);
    assert_int_equal(dc_array_validate(a, &e), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "UTF-8"));
    dc_array_unref(a);
    /* Wrong buffer count is refused at construction. */
    assert_int_equal(dc_array_make(&a, t, 2, 0, 0, bufs, 2, NULL, 0, NULL, &e), DC_EINVALID);
    dc_buffer_unref(offs);
    dc_buffer_unref(data);
    dc_type_unref(t);
}

/* Empty strings without a values buffer (what some producers export): bytes of length 0. */
static void empty_strings_without_a_values_buffer(void **state)
{
    (void)state;
    const char *const names[] = {"string", "large_string", "binary"};
    for (size_t k = 0; k < DC_ARRAY_LEN(names); k++) {
        dc_type *t = parse(names[k]);
        bool large = t->id == DC_TYPE_LARGE_UTF8;
        dc_buffer *offs = dc_buffer_new(large ? 24 : 12, true);
        dc_buffer *bufs[3] = {NULL, offs, NULL};
        dc_array *a = NULL;
        assert_int_equal(dc_array_make(&a, t, 2, 0, 0, bufs, 3, NULL, 0, NULL, NULL), DC_OK);
        int64_t len = -1;
        const uint8_t *p = dc_array_get_bytes(a, 1, &len);
        assert_non_null(p);
        assert_int_equal(len, 0);
        assert_int_equal(dc_array_validate(a, NULL), DC_OK);
        dc_array_unref(a);
        dc_buffer_unref(offs);
        dc_type_unref(t);
    }
}

static void roundtrip_through_arrow(dc_array *a)
{
    struct ArrowSchema s;
    struct ArrowArray arr;
    dc_field f = {.name = "col", .type = a->type, .nullable = true};
    assert_int_equal(dc_field_export(&f, &s, NULL), DC_OK);
    dc_field back;
    assert_int_equal(dc_field_import(&back, &s, NULL), DC_OK);
    s.release(&s);
    assert_null(s.release);
    assert_string_equal(back.name, "col");
    assert_true(back.nullable);
    assert_true(dc_type_equals(back.type, a->type));
    assert_int_equal(dc_array_export(a, &arr, NULL), DC_OK);
    dc_array *b = NULL;
    assert_int_equal(dc_array_import(&b, &arr, back.type, NULL), DC_OK);
    assert_null(arr.release); /* moved */
    char *ra = tu_render(a), *rb = tu_render(b);
    assert_string_equal(ra, rb);
    dc_free(ra);
    dc_free(rb);
    /* The imported array shares the memory (zero-copy). */
    if (a->n_buffers >= 2 && a->data[1] && a->length)
        assert_ptr_equal(a->data[1], b->data[1]);
    dc_array_unref(b);
    dc_field_clear(&back);
}

static void arrow_export_import_every_type(void **state)
{
    static const char *const nested[] = {"list<item: int64>", "struct<a: int64, b: string>",
                                         "map<string, double>", "fixed_size_list<item: int64>[2]",
                                         "dictionary<values=string, indices=int8>"};
    for (size_t i = 0; i < DC_ARRAY_LEN(nested); i++) {
        dc_array *a = build_sample(nested[i], NULL);
        roundtrip_through_arrow(a);
        dc_array_unref(a);
    }
    for (size_t i = 0; i < DC_ARRAY_LEN(ALL_TYPES); i++) {
        dc_type *t = parse(ALL_TYPES[i]);
        dc_array *a = NULL;
        assert_int_equal(dc_array_new_null(&a, t, 3, NULL), DC_OK);
        roundtrip_through_arrow(a);
        dc_array_unref(a);
        dc_type_unref(t);
    }
    int64_t v[] = {5, 6, 7, 8};
    dc_array *ints = tu_int64(v, 4, "1011");
    roundtrip_through_arrow(ints);
    dc_array_unref(ints);
}

static void consumer_may_move_children_out(void **state)
{
    /* The specification lets a consumer move a child out and release it
     * separately; the parent's release must then skip it. */
    dc_array *a = build_sample("struct<a: int64, b: string>", NULL);
    struct ArrowArray arr, child;
    assert_int_equal(dc_array_export(a, &arr, NULL), DC_OK);
    child = *arr.children[1];
    arr.children[1]->release = NULL;
    arr.release(&arr);
    dc_array_unref(a); /* the moved child still holds its buffers */
    assert_int_equal(child.length, 3);
    child.release(&child);
}

static void import_rejects_malformed_input(void **state)
{
    int64_t v[] = {1, 2};
    dc_array *a = tu_int64(v, 2, NULL);
    dc_type *wrong = parse("string");
    struct ArrowArray arr;
    dc_array *b = NULL;
    dc_error e;
    assert_int_equal(dc_array_export(a, &arr, NULL), DC_OK);
    assert_int_equal(dc_array_import(&b, &arr, wrong, &e), DC_EINVALID); /* 2 buffers, not 3 */
    assert_null(b);
    assert_null(arr.release);
    dc_array_export(a, &arr, NULL);
    arr.null_count = 1; /* lies: there is no bitmap */
    assert_int_equal(dc_array_import(&b, &arr, a->type, &e), DC_EINVALID);
    dc_array_unref(a);
    dc_type_unref(wrong);
    struct ArrowSchema s = {.format = "+ud:0,1", .release = NULL};
    dc_field f;
    assert_int_equal(dc_field_import(&f, &s, &e), DC_EINVALID); /* released */
}

static dc_batch *sample_batch(int64_t start, int64_t n)
{
    dc_type *i64 = dc_type_new(DC_TYPE_INT64), *str = dc_type_new(DC_TYPE_UTF8);
    dc_field f[2] = {{.name = "id", .type = i64, .nullable = false},
                     {.name = "name", .type = str, .nullable = true}};
    dc_schema *s = dc_schema_new(f, 2, NULL);
    dc_builder *bi = NULL, *bs = NULL;
    dc_builder_new(&bi, i64, NULL);
    dc_builder_new(&bs, str, NULL);
    for (int64_t i = 0; i < n; i++) {
        char name[32];
        int len = snprintf(name, sizeof name, "n%lld", (long long)(start + i));
        dc_builder_append_int(bi, start + i);
        if ((start + i) % 3 == 0)
            dc_builder_append_null(bs);
        else
            dc_builder_append_bytes(bs, name, len);
    }
    dc_array *cols[2];
    dc_builder_finish(bi, &cols[0], NULL);
    dc_builder_finish(bs, &cols[1], NULL);
    dc_batch *b = NULL;
    assert_int_equal(dc_batch_new(&b, s, cols, n, NULL), DC_OK);
    dc_array_unref(cols[0]);
    dc_array_unref(cols[1]);
    dc_builder_free(bi);
    dc_builder_free(bs);
    dc_schema_unref(s);
    dc_type_unref(i64);
    dc_type_unref(str);
    return b;
}

static void batches_check_columns(void **state)
{
    dc_batch *b = sample_batch(0, 4);
    dc_array *cols[2] = {b->columns[1], b->columns[0]}; /* swapped types */
    dc_batch *bad = NULL;
    dc_error e;
    assert_int_equal(dc_batch_new(&bad, b->schema, cols, 4, &e), DC_ESCHEMA);
    assert_non_null(strstr(e.message, "id"));
    cols[0] = b->columns[0];
    cols[1] = b->columns[1];
    assert_int_equal(dc_batch_new(&bad, b->schema, cols, 3, &e), DC_ESCHEMA); /* wrong length */
    dc_batch_unref(b);
}

static void streams_round_trip_through_arrow(void **state)
{
    dc_batch *bs[3] = {sample_batch(0, 5), sample_batch(5, 0), sample_batch(5, 3)};
    dc_reader *r = NULL;
    assert_int_equal(dc_reader_from_batches(&r, bs[0]->schema, bs, 3, NULL), DC_OK);
    struct ArrowArrayStream stream;
    assert_int_equal(dc_reader_export(r, &stream, NULL), DC_OK);
    dc_reader *back = NULL;
    assert_int_equal(dc_reader_import(&back, &stream, NULL), DC_OK);
    assert_null(stream.release);
    assert_true(dc_schema_equals(dc_reader_schema(back), bs[0]->schema));
    int64_t rows = 0, n = 0;
    dc_batch *b = NULL;
    while (dc_reader_next(back, &b, NULL) == DC_OK && b) {
        for (int64_t i = 0; i < b->length; i++, rows++)
            assert_int_equal(dc_array_get_int(b->columns[0], i), rows);
        if (b->length)
            assert_string_equal(tu_str(b->columns[1], b->length - 1),
                                (rows - 1) % 3 == 0 ? "null" : (rows == 5 ? "n4" : "n7"));
        dc_batch_unref(b);
        n++;
    }
    assert_int_equal(rows, 8);
    assert_int_equal(n, 3);
    dc_reader_free(back);
    for (int i = 0; i < 3; i++)
        dc_batch_unref(bs[i]);
}

static void reader_errors_are_sticky(void **state)
{
    dc_batch *b0 = sample_batch(0, 2), *b1 = sample_batch(0, 2);
    dc_type *i64 = dc_type_new(DC_TYPE_INT64);
    dc_field f = {.name = "other", .type = i64, .nullable = true};
    dc_schema *other = dc_schema_new(&f, 1, NULL);
    dc_reader *r = NULL;
    dc_error e;
    dc_batch *list[2] = {b0, b1};
    assert_int_equal(dc_reader_from_batches(&r, other, list, 2, &e), DC_ESCHEMA);
    dc_schema_unref(other);
    dc_type_unref(i64);
    dc_batch_unref(b0);
    dc_batch_unref(b1);
}

static void formatting_of_values(void **state)
{
    static const struct { const char *type, *text, *expect_text, *expect_json; } cases[] = {
        {"double", "0.1", "0.1", "0.1"},
        {"double", "3", "3.0", "3.0"},
        {"double", "-2.5e-8", "-2.5e-08", "-2.5e-08"},
        {"double", "123456789.125", "123456789.125", "123456789.125"},
        {"float", "0.1", "0.1", "0.1"},
        {"double", "1e300", "1e+300", "1e+300"},
        {"int64", "-9223372036854775808", "-9223372036854775808", "-9223372036854775808"},
        {"decimal128(10, 2)", "-12.05", "-12.05", "-12.05"},
        {"decimal128(5, 0)", "0", "0", "0"},
        {"decimal128(38, 4)", "0.0001", "0.0001", "0.0001"},
        {"date32", "2024-02-29", "2024-02-29", "\"2024-02-29\""},
        {"date32", "1969-12-31", "1969-12-31", "\"1969-12-31\""},
        {"timestamp[us]", "2024-03-01 12:34:56.123456", "2024-03-01 12:34:56.123456",
         "\"2024-03-01 12:34:56.123456\""},
        {"timestamp[ms, tz=UTC]", "1969-12-31 23:59:59.5Z", "1969-12-31 23:59:59.500Z",
         "\"1969-12-31 23:59:59.500Z\""},
        {"timestamp[s]", "2000-01-01 00:00:00", "2000-01-01 00:00:00", "\"2000-01-01 00:00:00\""},
        {"time64[us]", "23:59:59.000001", "23:59:59.000001", "\"23:59:59.000001\""},
        {"string", "a \"q\"\n", "a \"q\"\n", "\"a \\\"q\\\"\\n\""},
        {"bool", "true", "true", "true"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        dc_type *t = parse(cases[i].type);
        const char *txt[1] = {cases[i].text};
        dc_array *a = tu_of_type(t, txt, 1);
        char *s = dc_value_to_text(a, 0, false), *j = dc_value_to_text(a, 0, true);
        if (strcmp(s, cases[i].expect_text) || strcmp(j, cases[i].expect_json))
            fail_msg("%s %s: got %s / %s", cases[i].type, cases[i].text, s, j);
        dc_free(s);
        dc_free(j);
        dc_array_unref(a);
        dc_type_unref(t);
    }
    double special[] = {NAN, INFINITY, -INFINITY};
    dc_array *sp = tu_double(special, 3, NULL);
    TU_ASSERT_ARRAY(sp, "[NaN, inf, -inf]");
    char *j = dc_value_to_text(sp, 0, true);
    assert_string_equal(j, "null"); /* JSON has no NaN */
    dc_free(j);
    dc_array_unref(sp);
    int64_t one = 1;
    dc_array *withnull = tu_int64(&one, 1, "0");
    assert_null(dc_value_to_text(withnull, 0, false)); /* text of a null: none */
    j = dc_value_to_text(withnull, 0, true);
    assert_string_equal(j, "null");
    dc_free(j);
    assert_null(dc_value_to_text(withnull, 5, true)); /* out of range */
    dc_array_unref(withnull);
}

static void doubles_print_shortest_round_trip(void **state)
{
    /* Every printed double must read back to the same bits. */
    uint64_t x = 88172645463325252ULL;
    dc_type *t = dc_type_new(DC_TYPE_FLOAT64);
    dc_builder *b = NULL;
    dc_array *a = NULL;
    dc_builder_new(&b, t, NULL);
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d;
        if (i % 2) {
            uint64_t bits = x & ~(0x7ffULL << 52);
            bits |= (uint64_t)(1023 + (int)(x % 80) - 40) << 52;
            memcpy(&d, &bits, 8);
        } else {
            d = (double)(int64_t)(x % 2000000) / 1000.0;
        }
        dc_builder_append_double(b, d);
    }
    dc_builder_finish(b, &a, NULL);
    for (int64_t i = 0; i < a->length; i++) {
        char *s = dc_value_to_text(a, i, true);
        double back = strtod(s, NULL);
        double orig = dc_array_get_double(a, i);
        if (memcmp(&back, &orig, 8) != 0)
            fail_msg("%.17g printed as %s", orig, s);
        dc_free(s);
    }
    dc_array_unref(a);
    dc_builder_free(b);
    dc_type_unref(t);
}

static void allocation_failures_are_clean(void **state)
{
    /* Walk every allocation of building and exporting a nested array: each
     * failure must be reported and leak nothing (ASan checks the leaks). */
    for (int n = 0; n < 200; n++) {
        dc_type *t = NULL;
        if (dc_type_parse(&t, "struct<a: list<item: string>, b: int64>", NULL) != DC_OK)
            continue;
        dc_builder *b = NULL;
        dc_array *a = NULL;
        struct ArrowArray arr = {0};
        dc_alloc_fail_after(n);
        dc_status rc = dc_builder_new(&b, t, NULL);
        if (rc == DC_OK) {
            dc_builder *l = dc_builder_child(b, 0), *s = dc_builder_child(l, 0);
            rc = dc_builder_append_bytes(s, "x", 1);
            if (rc == DC_OK)
                rc = dc_builder_append_valid(l);
            if (rc == DC_OK)
                rc = dc_builder_append_int(dc_builder_child(b, 1), 7);
            if (rc == DC_OK)
                rc = dc_builder_append_valid(b);
            if (rc == DC_OK)
                rc = dc_builder_finish(b, &a, NULL);
            if (rc == DC_OK)
                rc = dc_array_export(a, &arr, NULL);
        }
        dc_alloc_fail_after(-1);
        if (arr.release)
            arr.release(&arr);
        dc_array_unref(a);
        dc_builder_free(b);
        dc_type_unref(t);
        if (rc == DC_OK)
            return; /* n was past the last allocation: every earlier one failed cleanly */
        assert_true(rc == DC_ENOMEM || rc == DC_EINVALID);
    }
    fail_msg("never succeeded");
}

typedef struct concat_src {
    int opened, freed;
} concat_src;

static dc_status open_src(void *user, int64_t i, dc_reader **out, dc_error *err)
{
    concat_src *u = user;
    u->opened++;
    if (i == 2)
        return dc_error_set(err, DC_EIO, "source %lld cannot be opened", (long long)i);
    int32_t v32[2] = {1, 2};
    int64_t v64[1] = {3};
    dc_array *a = i == 0 ? tu_int32(v32, 2, NULL) : tu_int64(v64, 1, NULL);
    dc_field f;
    assert_int_equal(dc_field_init(&f, "x", a->type, true, NULL), DC_OK);
    dc_schema *s = dc_schema_new(&f, 1, NULL);
    dc_batch *b;
    assert_int_equal(dc_batch_new(&b, s, &a, a->length, NULL), DC_OK);
    assert_int_equal(dc_reader_from_batches(out, s, &b, 1, NULL), DC_OK);
    dc_batch_unref(b);
    dc_schema_unref(s);
    dc_field_clear(&f);
    dc_array_unref(a);
    return DC_OK;
}

static void free_src(void *user)
{
    ((concat_src *)user)->freed++;
}

static void concat_reader_conforms_each_source(void **state)
{
    (void)state;
    dc_type *t = parse("int64");
    dc_field f;
    assert_int_equal(dc_field_init(&f, "x", t, true, NULL), DC_OK);
    dc_schema *s = dc_schema_new(&f, 1, NULL);
    concat_src u = {0};
    dc_reader *r;
    assert_int_equal(dc_reader_concat(&r, s, 3, open_src, &u, free_src, NULL), DC_OK);
    assert_int_equal(u.opened, 0); /* lazily */
    dc_batch *b;
    int64_t seen[3], n = 0;
    dc_error e;
    for (;;) {
        dc_status rc = dc_reader_next(r, &b, &e);
        if (rc != DC_OK) {
            assert_int_equal(rc, DC_EIO);
            assert_non_null(strstr(e.message, "source 2"));
            break;
        }
        assert_non_null(b);
        assert_int_equal(b->columns[0]->type->id, DC_TYPE_INT64);
        for (int64_t i = 0; i < b->length; i++)
            seen[n++] = dc_array_get_int(b->columns[0], i);
        dc_batch_unref(b);
    }
    assert_int_equal(n, 3);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[2], 3);
    dc_reader_free(r);
    assert_int_equal(u.freed, 1);
    dc_schema_unref(s);
    dc_field_clear(&f);
    dc_type_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(type_names_round_trip),
        cmocka_unit_test(type_aliases_parse),
        cmocka_unit_test(bad_type_names_say_where),
        cmocka_unit_test(type_parse_reports_allocation_failure_as_enomem),
        cmocka_unit_test(type_equality_is_deep),
        cmocka_unit_test(schema_find_and_string),
        cmocka_unit_test(nested_builders_produce_valid_arrays),
        cmocka_unit_test(primitive_builders_check_ranges),
        cmocka_unit_test(validity_bitmap_is_lazy),
        cmocka_unit_test(null_arrays_of_every_type),
        cmocka_unit_test(validation_catches_broken_arrays),
        cmocka_unit_test(arrow_export_import_every_type),
        cmocka_unit_test(consumer_may_move_children_out),
        cmocka_unit_test(import_rejects_malformed_input),
        cmocka_unit_test(batches_check_columns),
        cmocka_unit_test(streams_round_trip_through_arrow),
        cmocka_unit_test(reader_errors_are_sticky),
        cmocka_unit_test(formatting_of_values),
        cmocka_unit_test(doubles_print_shortest_round_trip),
        cmocka_unit_test(allocation_failures_are_clean),
        cmocka_unit_test(empty_strings_without_a_values_buffer),
        cmocka_unit_test(concat_reader_conforms_each_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
