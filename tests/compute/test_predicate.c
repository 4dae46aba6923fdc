/* test_predicate.c: filter predicates: parse, bind, evaluate, prune, print. */
#include "testutil.h"

#include "compute/predicate_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------------------- */

static dc_type *ty(const char *text)
{
    dc_type *t = NULL;
    dc_error e;
    if (dc_type_parse(&t, text, &e) != DC_OK)
        fail_msg("type %s: %s", text, e.message);
    return t;
}

/* An array of type `type` from texts (NULL = null). */
static dc_array *col(const char *type, const char *const *v, int64_t n)
{
    dc_type *t = ty(type);
    dc_array *a = tu_of_type(t, v, n);
    dc_type_unref(t);
    return a;
}

/* A batch of the given named columns (all nullable). */
static dc_batch *batch_of(int32_t n, const char *const *names, dc_array *const *cols)
{
    dc_field f[16];
    for (int32_t i = 0; i < n; i++)
        assert_int_equal(dc_field_init(&f[i], names[i], cols[i]->type, true, NULL), DC_OK);
    dc_schema *s = dc_schema_new(f, n, NULL);
    assert_non_null(s);
    dc_batch *b = NULL;
    dc_error e;
    if (dc_batch_new(&b, s, cols, n ? cols[0]->length : 0, &e) != DC_OK)
        fail_msg("batch: %s", e.message);
    for (int32_t i = 0; i < n; i++)
        dc_field_clear(&f[i]);
    dc_schema_unref(s);
    return b;
}

/* A one-column batch; takes the array's reference. */
static dc_batch *batch1(const char *name, dc_array *a)
{
    dc_batch *b = batch_of(1, &name, &a);
    dc_array_unref(a);
    return b;
}

static dc_pred *parse_ok(const char *json)
{
    dc_pred *p = NULL;
    dc_error e;
    if (dc_pred_parse(&p, json, -1, &e) != DC_OK)
        fail_msg("parse %s: %s", json, e.message);
    return p;
}

/* Parse must fail with `code` and a message containing `want`. */
static void parse_fails(const char *json, const char *want)
{
    dc_pred *p = (dc_pred *)(uintptr_t)1;
    dc_error e;
    dc_status rc = dc_pred_parse(&p, json, -1, &e);
    if (rc != DC_EINVALID)
        fail_msg("parse %.200s: expected EINVALID, got %s", json, dc_status_name(rc));
    assert_null(p);
    assert_int_equal(e.code, DC_EINVALID);
    if (!strstr(e.message, want))
        fail_msg("parse %.200s: message \"%s\" lacks \"%s\"", json, e.message, want);
}

/* The mask of `json` on `b` as "0110". */
static char mask_buf[1024];
static const char *mask(const char *json, const dc_batch *b)
{
    dc_pred *p = parse_ok(json);
    dc_error e;
    dc_array *m = NULL;
    if (dc_pred_bind(p, b->schema, &e) != DC_OK)
        fail_msg("bind %s: %s", json, e.message);
    if (dc_pred_eval(p, b, &m, &e) != DC_OK)
        fail_msg("eval %s: %s", json, e.message);
    assert_int_equal(m->type->id, DC_TYPE_BOOL);
    assert_int_equal(m->length, b->length);
    assert_int_equal(m->null_count, 0);
    assert_int_equal(dc_array_validate(m, NULL), DC_OK);
    int64_t n = m->length < (int64_t)sizeof mask_buf - 1 ? m->length : (int64_t)sizeof mask_buf - 1;
    for (int64_t i = 0; i < n; i++)
        mask_buf[i] = dc_array_get_int(m, i) ? '1' : '0';
    mask_buf[n] = '\0';
    dc_array_unref(m);
    dc_pred_free(p);
    return mask_buf;
}

#define ASSERT_MASK(json, b, want) assert_string_equal(mask(json, b), want)

/* Bind must fail with `code` and a message containing `want`. */
static void bind_fails(const char *json, const dc_schema *s, dc_status code, const char *want,
                       const char *column)
{
    dc_pred *p = parse_ok(json);
    dc_error e;
    dc_status rc = dc_pred_bind(p, s, &e);
    if (rc != code)
        fail_msg("bind %s: expected %s, got %s (%s)", json, dc_status_name(code),
                 dc_status_name(rc), rc ? e.message : "");
    if (!strstr(e.message, want))
        fail_msg("bind %s: message \"%s\" lacks \"%s\"", json, e.message, want);
    if (column)
        assert_string_equal(e.column, column);
    assert_false(dc_pred_is_bound(p));
    dc_pred_free(p);
}

static char *dump(const json_t *j)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    assert_int_equal(dc_json_dump(&s, j), DC_OK);
    return dc_strbuf_detach(&s);
}

/* ---- parsing ---------------------------------------------------------------------- */

static void test_parse_every_operator_and_print_canonically(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"eq\": [\"a\", 1]}", "{\"eq\":[\"a\",1]}"},
        {"{\"neq\": [\"a\", \"x\"]}", "{\"neq\":[\"a\",\"x\"]}"},
        {"{\"gt\": [\"a\", 2.5]}", "{\"gt\":[\"a\",2.5]}"},
        {"{\"gte\": [\"a\", true]}", "{\"gte\":[\"a\",true]}"},
        {"{\"lt\": [\"a\", -7]}", "{\"lt\":[\"a\",-7]}"},
        {"{\"lte\": [\"a.b\", 0.25]}", "{\"lte\":[\"a.b\",0.25]}"},
        {"{\"in\": [\"a\", [1, \"two\", 3.5, false]]}", "{\"in\":[\"a\",[1,\"two\",3.5,false]]}"},
        {"{\"in\": [\"a\", []]}", "{\"in\":[\"a\",[]]}"},
        {"{\"between\": [\"a\", 1, 9]}", "{\"between\":[\"a\",1,9]}"},
        {"{\"is_null\": [\"a\"]}", "{\"is_null\":[\"a\"]}"},
        {"{\"is_null\": \"a\"}", "{\"is_null\":[\"a\"]}"},
        {"{\"not\": {\"eq\": [\"a\", 1]}}", "{\"not\":{\"eq\":[\"a\",1]}}"},
        {"{\"not\": [{\"eq\": [\"a\", 1]}]}", "{\"not\":{\"eq\":[\"a\",1]}}"},
        {"{\"and\": [{\"eq\": [\"a\", 1]}]}", "{\"and\":[{\"eq\":[\"a\",1]}]}"},
        {"{\"or\": [{\"eq\": [\"a\", 1]}, {\"and\": [{\"is_null\": \"b\"}, {\"not\": "
         "{\"lt\": [\"c\", 3]}}]}]}",
         "{\"or\":[{\"eq\":[\"a\",1]},{\"and\":[{\"is_null\":[\"b\"]},{\"not\":{\"lt\":[\"c\","
         "3]}}]}]}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dc_pred *p = parse_ok(cases[i][0]);
        json_t *j = dc_pred_to_json(p);
        assert_non_null(j);
        char *text = dump(j);
        assert_string_equal(text, cases[i][1]);
        /* The canonical form parses to itself. */
        dc_pred *q = NULL;
        assert_int_equal(dc_pred_from_json(&q, j, NULL), DC_OK);
        json_t *j2 = dc_pred_to_json(q);
        char *text2 = dump(j2);
        assert_string_equal(text2, text);
        dc_free(text);
        dc_free(text2);
        json_decref(j);
        json_decref(j2);
        dc_pred_free(p);
        dc_pred_free(q);
    }
    dc_pred_free(NULL);
}

static void test_columns_are_listed_once_in_first_seen_order(void **state)
{
    (void)state;
    dc_pred *p = parse_ok("{\"or\": [{\"eq\": [\"b\", 1]}, {\"and\": [{\"is_null\": \"a\"}, "
                          "{\"gt\": [\"b\", 2]}, {\"in\": [\"c.d\", [1]]}]}, {\"not\": "
                          "{\"lt\": [\"a\", 0]}}]}");
    assert_int_equal(dc_pred_n_columns(p), 3);
    assert_string_equal(dc_pred_column(p, 0), "b");
    assert_string_equal(dc_pred_column(p, 1), "a");
    assert_string_equal(dc_pred_column(p, 2), "c.d");
    assert_null(dc_pred_column(p, 3));
    assert_null(dc_pred_column(p, -1));
    dc_pred_free(p);
}

static void test_malformed_predicates_are_rejected_naming_the_problem(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"5", "expected a predicate object with one operator key"},
        {"\"eq\"", "got a string"},
        {"[{\"eq\": [\"a\", 1]}]", "got a list"},
        {"{}", "exactly one key (the operator), got 0"},
        {"{\"eq\": [\"a\", 1], \"gt\": [\"a\", 2]}", "exactly one key (the operator), got 2"},
        {"{\"like\": [\"a\", \"x%\"]}", "unknown operator \"like\""},
        {"{\"EQ\": [\"a\", 1]}", "unknown operator \"EQ\""},
        {"{\"eq\": [\"a\"]}", "\"eq\" takes [\"column\", literal]: 2 elements, got 1"},
        {"{\"gt\": [\"a\", 1, 2]}", "\"gt\" takes [\"column\", literal]: 2 elements, got 3"},
        {"{\"lt\": \"a\"}", "\"lt\" takes [\"column\", literal], got a string"},
        {"{\"between\": [\"a\", 1]}", "\"between\" takes [\"column\", low, high]: 3 elements"},
        {"{\"is_null\": []}", "\"is_null\" takes [\"column\"] or \"column\": 1 elements, got 0"},
        {"{\"is_null\": 5}", "\"is_null\" takes [\"column\"] or \"column\", got a number"},
        {"{\"eq\": [1, 2]}", "the column must be a string naming it, got a number"},
        {"{\"eq\": [[\"a\"], 2]}", "the column must be a string naming it, got a list"},
        {"{\"eq\": [\"\", 2]}", "the column name is empty"},
        {"{\"eq\": [\"a\\u0000b\", 2]}", "invalid JSON at line 1 column 18"},
        {"{\"eq\": [\"a\", null]}", "the literal is null; a comparison with null is never true: "
                                    "use {\"is_null\": [\"column\"]}"},
        {"{\"between\": [\"a\", 1, null]}", "the high bound is null"},
        {"{\"in\": [\"a\", [1, null]]}", "value 1 of the \"in\" list is null"},
        {"{\"eq\": [\"a\", [1]]}", "the literal must be a number, string or bool, got a list"},
        {"{\"eq\": [\"a\", {\"x\": 1}]}", "must be a number, string or bool, got an object"},
        {"{\"in\": [\"a\", [[1]]]}", "value 0 of the \"in\" list must be a number"},
        {"{\"in\": [\"a\", 1]}", "the second element must be a list of literals, got a number"},
        {"{\"and\": []}", "\"and\" takes a non-empty list of predicates, got an empty list"},
        {"{\"or\": {\"eq\": [\"a\", 1]}}", "\"or\" takes a non-empty list of predicates, got an "
                                           "object"},
        {"{\"not\": [{\"eq\": [\"a\", 1]}, {\"eq\": [\"a\", 2]}]}", "\"not\" takes one predicate"},
        {"{\"not\": 3}", "expected a predicate object"},
        {"{\"and\": [{\"eq\": [\"a\", 1]}, {\"not\": {\"foo\": 1}}]}",
         "predicate at $.and[1].not: unknown operator \"foo\""},
        {"{\"or\": [{\"is_null\": \"a\"}, {\"and\": [{\"eq\": [\"a\", 1]}, {\"eq\": [7, 1]}]}]}",
         "predicate at $.or[1].and[1].eq: the column must be a string"},
        {"{\"eq\": ", "predicate: invalid JSON at line 1"},
        {"", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        parse_fails(cases[i][0], cases[i][1]);

    /* dc_pred_from_json(NULL) and a NULL text. */
    dc_pred *p = NULL;
    dc_error e;
    /* A NUL inside a column name (jansson's parser refuses it; a built value may hold it). */
    json_t *j = json_pack("{s:[s%,i]}", "eq", "a\0b", (size_t)3, 1);
    assert_non_null(j);
    assert_int_equal(dc_pred_from_json(&p, j, &e), DC_EINVALID);
    assert_null(p);
    assert_string_equal(e.message, "predicate at $.eq: the column name contains a NUL character");
    json_decref(j);
    assert_int_equal(dc_pred_from_json(&p, NULL, &e), DC_EINVALID);
    assert_null(p);
    assert_int_equal(dc_pred_parse(&p, NULL, 0, &e), DC_EINVALID);
    /* A length shorter than the text: only those bytes are read. */
    assert_int_equal(dc_pred_parse(&p, "{\"is_null\": \"a\"} garbage", 16, &e), DC_OK);
    dc_pred_free(p);
}

static void test_hostile_sizes_hit_the_limits(void **state)
{
    (void)state;
    dc_strbuf s;
    /* 64 levels parse; 65 do not. */
    for (int depth = 64; depth <= 65; depth++) {
        dc_strbuf_init(&s);
        for (int i = 1; i < depth; i++)
            dc_strbuf_puts(&s, "{\"not\": ");
        dc_strbuf_puts(&s, "{\"is_null\": \"a\"}");
        for (int i = 1; i < depth; i++)
            dc_strbuf_puts(&s, "}");
        if (depth == 64) {
            dc_pred *p = parse_ok(dc_strbuf_cstr(&s));
            dc_pred_free(p);
        } else {
            parse_fails(dc_strbuf_cstr(&s), "nested more than 64 levels deep");
        }
        dc_strbuf_free(&s);
    }
    /* 10000 nodes parse; 10001 do not. */
    for (int leaves = 9999; leaves <= 10000; leaves++) {
        dc_strbuf_init(&s);
        dc_strbuf_puts(&s, "{\"or\": [");
        for (int i = 0; i < leaves; i++)
            dc_strbuf_printf(&s, "%s{\"eq\": [\"c%d\", %d]}", i ? "," : "", i, i);
        dc_strbuf_puts(&s, "]}");
        if (leaves == 9999) {
            dc_pred *p = parse_ok(dc_strbuf_cstr(&s));
            assert_int_equal(dc_pred_n_columns(p), 9999);
            assert_string_equal(dc_pred_column(p, 9998), "c9998");
            dc_pred_free(p);
        } else {
            parse_fails(dc_strbuf_cstr(&s), "more than 10000 nodes");
        }
        dc_strbuf_free(&s);
    }
    /* in lists: 100000 values parse; 100001 do not. */
    for (int n = 100000; n <= 100001; n++) {
        dc_strbuf_init(&s);
        dc_strbuf_puts(&s, "{\"in\": [\"a\", [");
        for (int i = 0; i < n; i++)
            dc_strbuf_printf(&s, "%s%d", i ? "," : "", i);
        dc_strbuf_puts(&s, "]]}");
        if (n == 100000) {
            dc_pred *p = parse_ok(dc_strbuf_cstr(&s));
            dc_pred_free(p);
        } else {
            parse_fails(dc_strbuf_cstr(&s), "the \"in\" list has 100001 values; at most 100000");
        }
        dc_strbuf_free(&s);
    }
    /* A column name longer than the limit. */
    dc_strbuf_init(&s);
    dc_strbuf_puts(&s, "{\"is_null\": \"");
    for (int i = 0; i < DC_PRED_MAX_NAME + 1; i++)
        dc_strbuf_putc(&s, 'x');
    dc_strbuf_puts(&s, "\"}");
    parse_fails(dc_strbuf_cstr(&s), "the column name is 4097 bytes long; at most 4096");
    dc_strbuf_free(&s);
}

/* ---- binding -------------------------------------------------------------------------- */

static dc_schema *schema_of(const char *const *names, const char *const *types, int32_t n)
{
    dc_field f[16];
    for (int32_t i = 0; i < n; i++) {
        dc_type *t = ty(types[i]);
        assert_int_equal(dc_field_init(&f[i], names[i], t, true, NULL), DC_OK);
        dc_type_unref(t);
    }
    dc_schema *s = dc_schema_new(f, n, NULL);
    for (int32_t i = 0; i < n; i++)
        dc_field_clear(&f[i]);
    return s;
}

static void test_bind_errors_name_the_column_and_the_literal(void **state)
{
    (void)state;
    static const char *const names[] = {"i", "s", "ts", "d", "st", "l", "b"};
    static const char *const types[] = {"int64",
                                        "string",
                                        "timestamp[us]",
                                        "decimal128(10, 2)",
                                        "struct<x: int32>",
                                        "list<item: int64>",
                                        "bool"};
    dc_schema *s = schema_of(names, types, 7);
    bind_fails("{\"eq\": [\"zz\", 1]}", s, DC_ENOTFOUND,
               "predicate at $.eq: no column \"zz\" in the schema; its columns are: i, s, ts, d, "
               "st, l, b",
               "zz");
    bind_fails("{\"and\": [{\"is_null\": \"i\"}, {\"gt\": [\"st.y\", 1]}]}", s, DC_ENOTFOUND,
               "predicate at $.and[1].gt: no column \"st.y\"", "st.y");
    bind_fails("{\"eq\": [\"i\", \"abc\"]}", s, DC_EINVALID,
               "predicate at $.eq: \"abc\" is not a int64 (column \"i\")", "i");
    bind_fails("{\"in\": [\"i\", [1, 2, \"abc\"]]}", s, DC_EINVALID,
               "predicate at $.in: \"abc\" is not a int64 (column \"i\")", "i");
    bind_fails("{\"eq\": [\"i\", true]}", s, DC_EINVALID, "true is not a int64", "i");
    bind_fails("{\"gt\": [\"s\", 5]}", s, DC_EINVALID,
               "cannot compare string column \"s\" with a number 5; write the literal as a JSON "
               "string",
               "s");
    bind_fails("{\"between\": [\"s\", \"a\", 2.5]}", s, DC_EINVALID,
               "predicate at $.between: cannot compare string column \"s\" with a number 2.5", "s");
    bind_fails("{\"eq\": [\"ts\", \"yesterday\"]}", s, DC_EINVALID,
               "\"yesterday\" is not a timestamp[us] (column \"ts\"); write an ISO-8601 value",
               "ts");
    bind_fails("{\"eq\": [\"ts\", 1.5]}", s, DC_EINVALID, "1.5 is not a timestamp[us]", "ts");
    bind_fails("{\"eq\": [\"d\", \"12.5x\"]}", s, DC_EINVALID,
               "\"12.5x\" is not a decimal128(10, 2) (column \"d\")", "d");
    bind_fails("{\"eq\": [\"b\", 1]}", s, DC_EINVALID,
               "1 is not a bool (column \"b\"); give true or false", "b");
    bind_fails("{\"eq\": [\"st\", 1]}", s, DC_EINVALID,
               "column \"st\" is a struct<x: int32>; \"eq\" cannot compare it", "st");
    bind_fails("{\"not\": {\"in\": [\"l\", [1]]}}", s, DC_EINVALID,
               "predicate at $.not.in: column \"l\" is a list<item: int64>", "l");

    /* A failed re-bind keeps the previous binding. */
    dc_pred *p = parse_ok("{\"gt\": [\"x\", 1]}");
    dc_array *x = NULL;
    {
        int64_t v[] = {0, 5};
        x = tu_int64(v, 2, NULL);
    }
    dc_batch *b = batch1("x", x);
    dc_error e;
    dc_array *m = NULL;
    assert_int_equal(dc_pred_eval(p, b, &m, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "the predicate is not bound; call dc_pred_bind"));
    assert_null(m);
    assert_int_equal(dc_pred_bind(p, b->schema, &e), DC_OK);
    assert_int_equal(dc_pred_bind(p, s, &e), DC_ENOTFOUND);
    assert_true(dc_pred_is_bound(p));
    assert_int_equal(dc_pred_eval(p, b, &m, &e), DC_OK);
    TU_ASSERT_ARRAY(m, "[false, true]");
    dc_array_unref(m);
    dc_pred_free(p);
    dc_batch_unref(b);
    dc_schema_unref(s);
}

static void test_rebinding_replaces_the_binding(void **state)
{
    (void)state;
    dc_pred *p = parse_ok("{\"gt\": [\"x\", 2.5]}");
    int64_t iv[] = {2, 3};
    double dv[] = {2.5, 2.75};
    dc_batch *bi = batch1("x", tu_int64(iv, 2, NULL));
    dc_batch *bd = batch1("x", tu_double(dv, 2, NULL));
    dc_array *m = NULL;
    dc_error e;
    assert_int_equal(dc_pred_bind(p, bi->schema, &e), DC_OK);
    assert_int_equal(dc_pred_eval(p, bi, &m, &e), DC_OK);
    TU_ASSERT_ARRAY(m, "[false, true]");
    dc_array_unref(m);
    /* The int binding does not read a double column. */
    assert_int_equal(dc_pred_eval(p, bd, &m, &e), DC_ESCHEMA);
    assert_null(m);
    assert_non_null(strstr(e.message, "column \"x\" is a double in the batch but the predicate "
                                      "was bound to a int64; bind it again"));
    assert_string_equal(e.column, "x");
    assert_int_equal(dc_pred_bind(p, bd->schema, &e), DC_OK);
    assert_int_equal(dc_pred_eval(p, bd, &m, &e), DC_OK);
    TU_ASSERT_ARRAY(m, "[false, true]");
    dc_array_unref(m);
    dc_batch_unref(bi);
    dc_batch_unref(bd);
    dc_pred_free(p);
}

/* ---- evaluation ---------------------------------------------------------------------- */

static void test_every_operator_with_nulls(void **state)
{
    (void)state;
    int64_t v[] = {0, 1, 2, 0, 5};
    dc_batch *b = batch1("x", tu_int64(v, 5, "11101"));
    ASSERT_MASK("{\"eq\": [\"x\", 2]}", b, "00100");
    ASSERT_MASK("{\"neq\": [\"x\", 1]}", b, "10101");
    ASSERT_MASK("{\"gt\": [\"x\", 1]}", b, "00101");
    ASSERT_MASK("{\"gte\": [\"x\", 2]}", b, "00101");
    ASSERT_MASK("{\"lt\": [\"x\", 2]}", b, "11000");
    ASSERT_MASK("{\"lte\": [\"x\", 2]}", b, "11100");
    ASSERT_MASK("{\"in\": [\"x\", [5, 0, 5]]}", b, "10001");
    ASSERT_MASK("{\"in\": [\"x\", []]}", b, "00000");
    ASSERT_MASK("{\"not\": {\"in\": [\"x\", []]}}", b, "11101");
    ASSERT_MASK("{\"between\": [\"x\", 1, 2]}", b, "01100");
    ASSERT_MASK("{\"between\": [\"x\", 2, 1]}", b, "00000");
    ASSERT_MASK("{\"is_null\": \"x\"}", b, "00010");
    ASSERT_MASK("{\"not\": {\"is_null\": [\"x\"]}}", b, "11101");
    /* A comparison with null is unknown; NOT unknown is unknown: the null row is dropped. */
    ASSERT_MASK("{\"not\": {\"gt\": [\"x\", 1]}}", b, "11000");
    ASSERT_MASK("{\"not\": {\"not\": {\"gt\": [\"x\", 1]}}}", b, "00101");
    ASSERT_MASK("{\"or\": [{\"is_null\": \"x\"}, {\"gt\": [\"x\", 1]}]}", b, "00111");
    ASSERT_MASK("{\"and\": [{\"gt\": [\"x\", 0]}, {\"lt\": [\"x\", 5]}]}", b, "01100");
    ASSERT_MASK("{\"and\": [{\"gt\": [\"x\", 100]}, {\"eq\": [\"x\", 1]}]}", b, "00000");
    ASSERT_MASK("{\"or\": [{\"gt\": [\"x\", -100]}, {\"eq\": [\"x\", 1]}]}", b, "11101");
    dc_batch_unref(b);
}

static void test_kleene_logic_across_two_columns(void **state)
{
    (void)state;
    int64_t xv[] = {0, 1, 2, 0, 5};
    bool yv[] = {true, false, false, true, false};
    dc_array *cols[2] = {tu_int64(xv, 5, "11101"), tu_bool(yv, 5, "10110")};
    static const char *const names[] = {"x", "y"};
    dc_batch *b = batch_of(2, names, cols);
    /* rows: x>1 = F F T U T; y = T U F T U */
    ASSERT_MASK("{\"or\": [{\"gt\": [\"x\", 1]}, {\"eq\": [\"y\", true]}]}", b, "10111");
    /* NOT(F or U) = NOT U: dropped; the others are true. */
    ASSERT_MASK("{\"not\": {\"or\": [{\"gt\": [\"x\", 1]}, {\"eq\": [\"y\", true]}]}}", b, "00000");
    ASSERT_MASK("{\"and\": [{\"gt\": [\"x\", 1]}, {\"eq\": [\"y\", true]}]}", b, "00000");
    /* F and U = F, so NOT of it is true (row 1); U and T = U stays dropped (row 3). */
    ASSERT_MASK("{\"not\": {\"and\": [{\"gt\": [\"x\", 1]}, {\"eq\": [\"y\", true]}]}}", b,
                "11100");
    ASSERT_MASK("{\"or\": [{\"is_null\": \"x\"}, {\"is_null\": \"y\"}]}", b, "01011");
    dc_array_unref(cols[0]);
    dc_array_unref(cols[1]);
    dc_batch_unref(b);
}

static void test_signed_and_unsigned_integers_of_every_width(void **state)
{
    (void)state;
    static const char *const types[] = {"int8", "int16", "int32", "int64"};
    static const char *const v[] = {"-100", "0", "100", NULL};
    for (int t = 0; t < 4; t++) {
        dc_batch *b = batch1("x", col(types[t], v, 4));
        ASSERT_MASK("{\"gt\": [\"x\", 0]}", b, "0010");
        ASSERT_MASK("{\"lte\": [\"x\", 0]}", b, "1100");
        ASSERT_MASK("{\"eq\": [\"x\", \"-100\"]}", b, "1000");
        ASSERT_MASK("{\"in\": [\"x\", [100, -100, 7]]}", b, "1010");
        ASSERT_MASK("{\"between\": [\"x\", -100, 99]}", b, "1100");
        /* Literals beyond the type compare by value. */
        ASSERT_MASK("{\"lt\": [\"x\", 100000000000]}", b, "1110");
        ASSERT_MASK("{\"gt\": [\"x\", -100000000000]}", b, "1110");
        ASSERT_MASK("{\"gt\": [\"x\", 100000000000]}", b, "0000");
        ASSERT_MASK("{\"eq\": [\"x\", 100000000000]}", b, "0000");
        ASSERT_MASK("{\"neq\": [\"x\", 100000000000]}", b, "1110");
        ASSERT_MASK("{\"lt\": [\"x\", \"18446744073709551615\"]}", b, "1110");
        ASSERT_MASK("{\"lt\": [\"x\", 1e300]}", b, "1110");
        ASSERT_MASK("{\"gt\": [\"x\", -1e300]}", b, "1110");
        dc_batch_unref(b);
    }
    dc_batch *b = batch1("x", col("int8", (const char *[]){"-128", "0", "127"}, 3));
    ASSERT_MASK("{\"gt\": [\"x\", 126]}", b, "001");
    ASSERT_MASK("{\"lt\": [\"x\", 300]}", b, "111");
    ASSERT_MASK("{\"gte\": [\"x\", -129]}", b, "111");
    ASSERT_MASK("{\"in\": [\"x\", [300, 127, -129, -128]]}", b, "101");
    dc_batch_unref(b);

    static const char *const uv[] = {"0", "18446744073709551615", "5", NULL};
    b = batch1("x", col("uint64", uv, 4));
    ASSERT_MASK("{\"gt\": [\"x\", -1]}", b, "1110");
    ASSERT_MASK("{\"eq\": [\"x\", \"18446744073709551615\"]}", b, "0100");
    ASSERT_MASK("{\"gt\": [\"x\", 9223372036854775807]}", b, "0100");
    ASSERT_MASK("{\"lt\": [\"x\", 2.5]}", b, "1000");
    ASSERT_MASK("{\"lt\": [\"x\", 5.5]}", b, "1010");
    ASSERT_MASK("{\"gt\": [\"x\", 9.3e18]}", b, "0100");
    ASSERT_MASK("{\"lt\": [\"x\", -0.5]}", b, "0000");
    ASSERT_MASK("{\"in\": [\"x\", [-1, 5, \"18446744073709551615\"]]}", b, "0110");
    dc_batch_unref(b);
    b = batch1("x", col("uint8", (const char *[]){"0", "255", "7"}, 3));
    ASSERT_MASK("{\"lt\": [\"x\", 256]}", b, "111");
    ASSERT_MASK("{\"gte\": [\"x\", 255]}", b, "010");
    ASSERT_MASK("{\"between\": [\"x\", -5, 7]}", b, "101");
    dc_batch_unref(b);
}

static void test_int_column_with_float_literal_is_exact(void **state)
{
    (void)state;
    int64_t v[] = {2, 3, 0, -3, -2};
    dc_batch *b = batch1("x", tu_int64(v, 5, "11011"));
    ASSERT_MASK("{\"gt\": [\"x\", 2.5]}", b, "01000");
    ASSERT_MASK("{\"gte\": [\"x\", 2.5]}", b, "01000");
    ASSERT_MASK("{\"lt\": [\"x\", 2.5]}", b, "10011");
    ASSERT_MASK("{\"lte\": [\"x\", 2.5]}", b, "10011");
    ASSERT_MASK("{\"gt\": [\"x\", -2.5]}", b, "11001");
    ASSERT_MASK("{\"lte\": [\"x\", -2.5]}", b, "00010");
    ASSERT_MASK("{\"eq\": [\"x\", 2.5]}", b, "00000");
    ASSERT_MASK("{\"neq\": [\"x\", 2.5]}", b, "11011");
    ASSERT_MASK("{\"not\": {\"eq\": [\"x\", 2.5]}}", b, "11011");
    ASSERT_MASK("{\"eq\": [\"x\", 3.0]}", b, "01000");
    ASSERT_MASK("{\"eq\": [\"x\", \"3.0\"]}", b, "01000"); /* numeric text, by value */
    ASSERT_MASK("{\"in\": [\"x\", [2.5, 3.0, \"-3\", 7]]}", b, "01010");
    ASSERT_MASK("{\"between\": [\"x\", 2.5, 3.5]}", b, "01000");
    ASSERT_MASK("{\"between\": [\"x\", -2.5, 2.0]}", b, "10001");
    ASSERT_MASK("{\"gt\": [\"x\", -0.0]}", b, "11000");
    dc_batch_unref(b);
}

static void test_floating_point_follows_ieee_for_nan(void **state)
{
    (void)state;
    double v[] = {1.5, NAN, -0.0, 0, INFINITY, 2.0};
    dc_batch *b = batch1("f", tu_double(v, 6, "111011"));
    ASSERT_MASK("{\"gt\": [\"f\", 1]}", b, "100011");
    /* NaN > 1 is false, so NOT of it keeps the NaN row. */
    ASSERT_MASK("{\"not\": {\"gt\": [\"f\", 1]}}", b, "011000");
    ASSERT_MASK("{\"eq\": [\"f\", 0]}", b, "001000"); /* -0.0 = 0 */
    ASSERT_MASK("{\"neq\": [\"f\", 1.5]}", b, "011011");
    ASSERT_MASK("{\"eq\": [\"f\", \"nan\"]}", b, "000000");
    ASSERT_MASK("{\"neq\": [\"f\", \"nan\"]}", b, "111011");
    ASSERT_MASK("{\"lt\": [\"f\", \"nan\"]}", b, "000000");
    ASSERT_MASK("{\"eq\": [\"f\", \"inf\"]}", b, "000010");
    ASSERT_MASK("{\"in\": [\"f\", [1.5, \"nan\", 2]]}", b, "100001");
    ASSERT_MASK("{\"between\": [\"f\", -1, 2]}", b, "101001");
    ASSERT_MASK("{\"not\": {\"between\": [\"f\", -1, 2]}}", b, "010010");
    ASSERT_MASK("{\"gt\": [\"f\", 9007199254740993]}", b, "000010");
    dc_batch_unref(b);

    static const char *const fv[] = {"0.5", "nan", "-1", NULL};
    b = batch1("f", col("float", fv, 4));
    ASSERT_MASK("{\"eq\": [\"f\", 0.5]}", b, "1000");
    ASSERT_MASK("{\"lt\": [\"f\", 0.5]}", b, "0010");
    ASSERT_MASK("{\"neq\": [\"f\", 0.5]}", b, "0110");
    ASSERT_MASK("{\"in\": [\"f\", [-1, 0.5]]}", b, "1010");
    /* Exact values: the float nearest 0.1 is not 0.1. */
    dc_batch_unref(b);
    b = batch1("f", col("float", (const char *[]){"0.1"}, 1));
    ASSERT_MASK("{\"eq\": [\"f\", 0.1]}", b, "0");
    ASSERT_MASK("{\"gt\": [\"f\", 0.1]}", b, "1");
    dc_batch_unref(b);
    b = batch1("f", col("halffloat", (const char *[]){"0.5", "nan", "2"}, 3));
    ASSERT_MASK("{\"gte\": [\"f\", 0.5]}", b, "101");
    ASSERT_MASK("{\"in\": [\"f\", [2]]}", b, "001");
    dc_batch_unref(b);
}

static void test_strings_bools_and_binary(void **state)
{
    (void)state;
    static const char *const sv[] = {"apple", "banana", NULL, ""};
    static const char *const types[] = {"string", "large_string", "binary"};
    for (int t = 0; t < 3; t++) {
        dc_batch *b = batch1("s", col(types[t], sv, 4));
        ASSERT_MASK("{\"eq\": [\"s\", \"banana\"]}", b, "0100");
        ASSERT_MASK("{\"gt\": [\"s\", \"apple\"]}", b, "0100");
        ASSERT_MASK("{\"lt\": [\"s\", \"b\"]}", b, "1001");
        ASSERT_MASK("{\"neq\": [\"s\", \"\"]}", b, "1100");
        ASSERT_MASK("{\"in\": [\"s\", [\"\", \"apple\", \"zz\"]]}", b, "1001");
        ASSERT_MASK("{\"between\": [\"s\", \"a\", \"b\"]}", b, "1000");
        ASSERT_MASK("{\"not\": {\"eq\": [\"s\", \"apple\"]}}", b, "0101");
        dc_batch_unref(b);
    }
    bool bv[] = {true, false, false};
    dc_batch *b = batch1("b", tu_bool(bv, 3, "110"));
    ASSERT_MASK("{\"eq\": [\"b\", true]}", b, "100");
    ASSERT_MASK("{\"neq\": [\"b\", true]}", b, "010");
    ASSERT_MASK("{\"eq\": [\"b\", \"false\"]}", b, "010");
    ASSERT_MASK("{\"gt\": [\"b\", false]}", b, "100");
    ASSERT_MASK("{\"in\": [\"b\", [false]]}", b, "010");
    ASSERT_MASK("{\"in\": [\"b\", [\"yes\", \"no\"]]}", b, "110");
    ASSERT_MASK("{\"not\": {\"eq\": [\"b\", true]}}", b, "010");
    dc_batch_unref(b);
    b = batch1("k", col("fixed_size_binary[2]", (const char *[]){"ab", "cd", NULL}, 3));
    ASSERT_MASK("{\"gte\": [\"k\", \"ac\"]}", b, "010");
    ASSERT_MASK("{\"in\": [\"k\", [\"ab\", \"zz\"]]}", b, "100");
    bind_fails("{\"eq\": [\"k\", \"abc\"]}", b->schema, DC_EINVALID,
               "\"abc\" is not a fixed_size_binary[2]", "k");
    dc_batch_unref(b);
}

static void test_dates_and_timestamps_from_text_and_integers(void **state)
{
    (void)state;
    static const char *const dv[] = {"2024-03-01", "2024-02-29", NULL};
    dc_batch *b = batch1("d", col("date32", dv, 3));
    ASSERT_MASK("{\"eq\": [\"d\", \"2024-03-01\"]}", b, "100");
    ASSERT_MASK("{\"lt\": [\"d\", 19783]}", b, "010"); /* 2024-03-01 is day 19783 */
    ASSERT_MASK("{\"eq\": [\"d\", 19782]}", b, "010");
    /* A time of day compares by instant. */
    ASSERT_MASK("{\"gt\": [\"d\", \"2024-02-29T12:00:00\"]}", b, "100");
    ASSERT_MASK("{\"gte\": [\"d\", \"2024-02-29T12:00:00\"]}", b, "100");
    ASSERT_MASK("{\"lt\": [\"d\", \"2024-02-29T12:00:00\"]}", b, "010");
    ASSERT_MASK("{\"eq\": [\"d\", \"2024-02-29T12:00:00\"]}", b, "000");
    ASSERT_MASK("{\"in\": [\"d\", [\"2024-02-29\", \"2024-03-01T00:00:01\"]]}", b, "010");
    ASSERT_MASK("{\"lt\": [\"d\", 100000000000]}", b, "110");
    dc_batch_unref(b);

    static const char *const tv[] = {"2024-03-01T00:00:00", "2024-02-29 23:59:59.999999", NULL};
    b = batch1("t", col("timestamp[us]", tv, 3));
    ASSERT_MASK("{\"eq\": [\"t\", \"2024-03-01T00:00:00\"]}", b, "100");
    ASSERT_MASK("{\"gte\": [\"t\", 1709251200000000]}", b, "100");
    ASSERT_MASK("{\"eq\": [\"t\", 1709251199999999]}", b, "010");
    ASSERT_MASK("{\"lt\": [\"t\", \"2024-03-01\"]}", b, "010");
    ASSERT_MASK("{\"gt\": [\"t\", \"2024-02-29T23:59:59.9999995\"]}", b, "100");
    ASSERT_MASK("{\"between\": [\"t\", \"2024-02-29\", \"2024-02-29T23:59:59.9999999\"]}", b,
                "010");
    ASSERT_MASK("{\"in\": [\"t\", [1709251200000000, \"2024-02-29T23:59:59.999999\"]]}", b, "110");
    dc_batch_unref(b);

    static const char *const sv[] = {"2024-03-01T00:00:00", "2024-03-01T00:00:01"};
    b = batch1("t", col("timestamp[s, tz=UTC]", sv, 2));
    ASSERT_MASK("{\"gt\": [\"t\", \"2024-03-01T00:00:00.5\"]}", b, "01");
    ASSERT_MASK("{\"lt\": [\"t\", \"2024-03-01T00:00:00.5Z\"]}", b, "10");
    ASSERT_MASK("{\"eq\": [\"t\", \"2024-03-01T00:00:00.5\"]}", b, "00");
    ASSERT_MASK("{\"eq\": [\"t\", \"2024-03-01T01:00:01+01:00\"]}", b, "01");
    dc_batch_unref(b);
}

static void test_decimals_compare_exactly(void **state)
{
    (void)state;
    static const char *const v[] = {"12.50", "12.49", "-3.00", NULL};
    dc_batch *b = batch1("p", col("decimal128(10, 2)", v, 4));
    ASSERT_MASK("{\"eq\": [\"p\", \"12.50\"]}", b, "1000");
    ASSERT_MASK("{\"eq\": [\"p\", \"12.5\"]}", b, "1000");
    ASSERT_MASK("{\"eq\": [\"p\", 12.5]}", b, "1000");
    ASSERT_MASK("{\"gt\": [\"p\", 12]}", b, "1100");
    ASSERT_MASK("{\"gt\": [\"p\", \"12.495\"]}", b, "1000");
    ASSERT_MASK("{\"lt\": [\"p\", 12.495]}", b, "0110");
    ASSERT_MASK("{\"gt\": [\"p\", \"-3.001\"]}", b, "1110");
    ASSERT_MASK("{\"lt\": [\"p\", \"-2.999\"]}", b, "0010");
    ASSERT_MASK("{\"eq\": [\"p\", \"12.495\"]}", b, "0000");
    ASSERT_MASK("{\"neq\": [\"p\", \"12.495\"]}", b, "1110");
    ASSERT_MASK("{\"in\": [\"p\", [\"12.5\", -3, \"1.001\", 0.1]]}", b, "1010");
    ASSERT_MASK("{\"between\": [\"p\", \"12.491\", 13]}", b, "1000");
    ASSERT_MASK("{\"gt\": [\"p\", 1e20]}", b, "0000");
    ASSERT_MASK("{\"lt\": [\"p\", 1e20]}", b, "1110");
    ASSERT_MASK("{\"gt\": [\"p\", \"-1e20\"]}", b, "1110");
    dc_batch_unref(b);
    b = batch1("p", col("decimal256(40, 3)", (const char *[]){"1.500", "-2.000", NULL}, 3));
    ASSERT_MASK("{\"eq\": [\"p\", 1.5]}", b, "100");
    ASSERT_MASK("{\"gt\": [\"p\", \"-2.0001\"]}", b, "110");
    ASSERT_MASK("{\"in\": [\"p\", [\"-2\", 7]]}", b, "010");
    dc_batch_unref(b);
}

static void test_dictionary_and_struct_child_columns(void **state)
{
    (void)state;
    static const char *const v[] = {"b", "a", NULL, "b", "c"};
    dc_batch *b = batch1("s", col("dictionary<values=string, indices=int32>", v, 5));
    ASSERT_MASK("{\"eq\": [\"s\", \"b\"]}", b, "10010");
    ASSERT_MASK("{\"neq\": [\"s\", \"b\"]}", b, "01001");
    ASSERT_MASK("{\"in\": [\"s\", [\"a\", \"c\"]]}", b, "01001");
    ASSERT_MASK("{\"is_null\": \"s\"}", b, "00100");
    ASSERT_MASK("{\"not\": {\"gt\": [\"s\", \"a\"]}}", b, "01000");
    dc_batch_unref(b);

    /* A valid index to a null dictionary value is a null. */
    dc_type *dt = ty("dictionary<values=string, indices=int8>");
    dc_builder *db = NULL;
    dc_array *dict = tu_utf8((const char *[]){"x", NULL}, 2), *da = NULL;
    assert_int_equal(dc_builder_new(&db, dt, NULL), DC_OK);
    assert_int_equal(dc_builder_set_dictionary(db, dict), DC_OK);
    assert_int_equal(dc_builder_append_int(db, 0), DC_OK);
    assert_int_equal(dc_builder_append_int(db, 1), DC_OK);
    assert_int_equal(dc_builder_append_null(db), DC_OK);
    assert_int_equal(dc_builder_finish(db, &da, NULL), DC_OK);
    b = batch1("s", da);
    ASSERT_MASK("{\"is_null\": \"s\"}", b, "011");
    ASSERT_MASK("{\"eq\": [\"s\", \"x\"]}", b, "100");
    ASSERT_MASK("{\"not\": {\"eq\": [\"s\", \"x\"]}}", b, "000");
    ASSERT_MASK("{\"in\": [\"s\", [\"x\", \"y\"]]}", b, "100");
    dc_batch_unref(b);
    dc_builder_free(db);
    dc_array_unref(dict);
    dc_type_unref(dt);

    static const char *const sv[] = {"{\"a\": 1, \"b.c\": \"x\"}", "{\"a\": null, \"b.c\": \"y\"}",
                                     NULL, "{\"a\": 5, \"b.c\": null}"};
    dc_field kids[2];
    dc_type *i64 = dc_type_new(DC_TYPE_INT64), *str = dc_type_new(DC_TYPE_UTF8);
    assert_int_equal(dc_field_init(&kids[0], "a", i64, true, NULL), DC_OK);
    assert_int_equal(dc_field_init(&kids[1], "b.c", str, true, NULL), DC_OK);
    dc_type *st = dc_type_struct(kids, 2);
    b = batch1("s", tu_of_type(st, sv, 4));
    dc_field_clear(&kids[0]);
    dc_field_clear(&kids[1]);
    dc_type_unref(i64);
    dc_type_unref(str);
    dc_type_unref(st);
    ASSERT_MASK("{\"gt\": [\"s.a\", 0]}", b, "1001");
    ASSERT_MASK("{\"is_null\": \"s.a\"}", b, "0110");
    ASSERT_MASK("{\"not\": {\"gt\": [\"s.a\", 1]}}", b, "1000");
    ASSERT_MASK("{\"eq\": [\"s.b.c\", \"y\"]}", b, "0100");
    ASSERT_MASK("{\"is_null\": \"s\"}", b, "0010");
    bind_fails("{\"eq\": [\"s.z\", 1]}", b->schema, DC_ENOTFOUND, "no column \"s.z\"", "s.z");
    dc_batch_unref(b);

    /* A top-level field whose name has a dot wins over a split. */
    int64_t x[] = {1, 2};
    int64_t y[] = {10, 20};
    dc_array *cols[2] = {tu_int64(x, 2, NULL), tu_int64(y, 2, NULL)};
    static const char *const names[] = {"a.b", "a"};
    b = batch_of(2, names, cols);
    ASSERT_MASK("{\"eq\": [\"a.b\", 2]}", b, "01");
    dc_array_unref(cols[0]);
    dc_array_unref(cols[1]);
    dc_batch_unref(b);
}

static void test_batches_with_other_columns_slices_and_errors(void **state)
{
    (void)state;
    int64_t xv[] = {1, 2, 3};
    static const char *const sv[] = {"a", "b", NULL};
    dc_array *c1[2] = {tu_int64(xv, 3, NULL), col("string", sv, 3)};
    static const char *const n1[] = {"x", "s"};
    dc_batch *bound_to = batch_of(2, n1, c1);
    dc_pred *p = parse_ok("{\"and\": [{\"gt\": [\"x\", 1]}, {\"neq\": [\"s\", \"a\"]}]}");
    dc_error e;
    assert_int_equal(dc_pred_bind(p, bound_to->schema, &e), DC_OK);

    /* More columns, another order. */
    dc_array *c2[3] = {col("string", sv, 3), tu_double((double[]){0, 0, 0}, 3, NULL),
                       tu_int64(xv, 3, NULL)};
    static const char *const n2[] = {"s", "z", "x"};
    dc_batch *other = batch_of(3, n2, c2);
    dc_array *m = NULL;
    assert_int_equal(dc_pred_eval(p, other, &m, &e), DC_OK);
    TU_ASSERT_ARRAY(m, "[false, true, false]");
    dc_array_unref(m);

    /* A batch without the column. */
    dc_batch *lacking = batch1("x", tu_int64(xv, 3, NULL));
    assert_int_equal(dc_pred_eval(p, lacking, &m, &e), DC_ENOTFOUND);
    assert_null(m);
    assert_non_null(strstr(e.message, "the batch has no column \"s\""));

    /* An empty batch. */
    dc_batch *empty = NULL;
    assert_int_equal(dc_batch_slice(&empty, other, 3, 0, NULL), DC_OK);
    assert_int_equal(dc_pred_eval(p, empty, &m, &e), DC_OK);
    assert_int_equal(m->length, 0);
    dc_array_unref(m);

    /* A slice at an odd offset across word boundaries, with nulls. */
    enum { N = 300 };
    int64_t big[N];
    char valid[N + 1];
    for (int i = 0; i < N; i++) {
        big[i] = i;
        valid[i] = i % 7 == 3 ? '0' : '1';
    }
    valid[N] = '\0';
    dc_batch *whole = batch1("x", tu_int64(big, N, valid));
    dc_batch *slice = NULL;
    assert_int_equal(dc_batch_slice(&slice, whole, 5, 250, NULL), DC_OK);
    dc_pred *q = parse_ok("{\"or\": [{\"gt\": [\"x\", 200]}, {\"is_null\": \"x\"}, "
                          "{\"in\": [\"x\", [5, 64, 69, 70]]}]}");
    assert_int_equal(dc_pred_bind(q, slice->schema, &e), DC_OK);
    assert_int_equal(dc_pred_eval(q, slice, &m, &e), DC_OK);
    assert_int_equal(m->length, 250);
    for (int i = 0; i < 250; i++) {
        int r = i + 5;
        bool want = r % 7 == 3 || r > 200 || r == 5 || r == 64 || r == 69 || r == 70;
        if ((dc_array_get_int(m, i) != 0) != want)
            fail_msg("row %d of the slice: expected %d", i, want);
    }
    dc_array_unref(m);

    dc_pred_free(q);
    dc_pred_free(p);
    dc_batch_unref(slice);
    dc_batch_unref(whole);
    dc_batch_unref(empty);
    dc_batch_unref(lacking);
    dc_batch_unref(other);
    dc_batch_unref(bound_to);
    for (int i = 0; i < 2; i++)
        dc_array_unref(c1[i]);
    for (int i = 0; i < 3; i++)
        dc_array_unref(c2[i]);
}

static void test_large_in_lists_are_sets(void **state)
{
    (void)state;
    enum { ROWS = 20000, VALUES = 100000 };
    int64_t *v = malloc(ROWS * sizeof *v);
    for (int i = 0; i < ROWS; i++)
        v[i] = (int64_t)i * 37 % 250000;
    dc_batch *b = batch1("x", tu_int64(v, ROWS, NULL));
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_strbuf_puts(&s, "{\"in\": [\"x\", [");
    for (int i = 0; i < VALUES; i++) /* the even numbers below 200000, backwards */
        dc_strbuf_printf(&s, "%s%d", i ? "," : "", 2 * (VALUES - 1 - i));
    dc_strbuf_puts(&s, "]]}");
    dc_pred *p = parse_ok(dc_strbuf_cstr(&s));
    dc_array *m = NULL;
    assert_int_equal(dc_pred_bind(p, b->schema, NULL), DC_OK);
    assert_int_equal(dc_pred_eval(p, b, &m, NULL), DC_OK);
    for (int i = 0; i < ROWS; i++) {
        bool want = v[i] % 2 == 0 && v[i] < 200000;
        if ((dc_array_get_int(m, i) != 0) != want)
            fail_msg("row %d (%lld)", i, (long long)v[i]);
    }
    dc_array_unref(m);
    dc_pred_free(p);
    dc_strbuf_free(&s);
    dc_batch_unref(b);
    free(v);

    /* Strings, with duplicates. */
    static const char *const sv[] = {"k1", "k5", "zz", NULL, "k99999"};
    b = batch1("s", col("string", sv, 5));
    dc_strbuf_init(&s);
    dc_strbuf_puts(&s, "{\"in\": [\"s\", [");
    for (int i = 0; i < VALUES; i++)
        dc_strbuf_printf(&s, "%s\"k%d\"", i ? "," : "", i % 50000 * 2 + 1);
    dc_strbuf_puts(&s, "]]}");
    ASSERT_MASK(dc_strbuf_cstr(&s), b, "11001");
    dc_strbuf_free(&s);
    dc_batch_unref(b);
}

/* ---- pruning -------------------------------------------------------------------------- */

typedef struct stat_row {
    const char *column;
    const char *type;
    const char *min, *max; /* NULL: unknown */
    bool min_exact, max_exact;
    int64_t null_count, row_count;
} stat_row;

typedef struct stat_table {
    const stat_row *rows;
    int n;
    dc_array *arrays[32];
    int n_arrays;
    int calls;
} stat_table;

static bool lookup(void *user, const char *column, dc_col_stats *out)
{
    stat_table *t = user;
    t->calls++;
    for (int i = 0; i < t->n; i++) {
        const stat_row *r = &t->rows[i];
        if (strcmp(r->column, column) != 0)
            continue;
        out->min = out->max = NULL;
        if (r->min) {
            t->arrays[t->n_arrays] = col(r->type, &r->min, 1);
            out->min = t->arrays[t->n_arrays++];
        }
        if (r->max) {
            t->arrays[t->n_arrays] = col(r->type, &r->max, 1);
            out->max = t->arrays[t->n_arrays++];
        }
        out->min_exact = r->min_exact;
        out->max_exact = r->max_exact;
        out->null_count = r->null_count;
        out->row_count = r->row_count;
        return true;
    }
    return false;
}

static void test_pruning_by_statistics(void **state)
{
    (void)state;
    static const char *const names[] = {"x", "y", "z", "s", "f", "u", "h", "e", "w", "g"};
    static const char *const types[] = {"int64", "int64", "int64", "string", "double",
                                        "int64", "int64", "int64", "int32",  "double"};
    dc_schema *schema = schema_of(names, types, 10);
    static const stat_row rows[] = {
        {"x", "int64", "10", "20", true, true, 0, 100},
        {"y", "int64", "5", "5", true, true, 3, 10},
        {"z", "int64", NULL, NULL, false, false, 10, 10},
        {"s", "string", "apple", "banana", true, false, -1, -1},
        {"f", "double", "1.5", "1.5", true, true, 0, 10},
        {"h", "int64", NULL, "5", false, true, -1, -1},
        {"e", "int64", "1", "9", true, true, 0, 0},
        {"w", "string", "1", "9", true, true, 0, 10}, /* stats of another type: unknown */
        {"g", "double", "nan", "2", true, true, 0, 10},
    };
    static const struct {
        const char *pred;
        bool may;
    } cases[] = {
        /* x in [10, 20], no nulls */
        {"{\"eq\": [\"x\", 5]}", false},
        {"{\"eq\": [\"x\", 15]}", true},
        {"{\"eq\": [\"x\", 25]}", false},
        {"{\"gt\": [\"x\", 20]}", false},
        {"{\"gt\": [\"x\", 19.5]}", true},
        {"{\"gt\": [\"x\", 20.5]}", false},
        {"{\"gte\": [\"x\", 20]}", true},
        {"{\"lt\": [\"x\", 10]}", false},
        {"{\"lte\": [\"x\", 10]}", true},
        {"{\"lt\": [\"x\", 10.5]}", true},
        {"{\"neq\": [\"x\", 15]}", true},
        {"{\"eq\": [\"x\", 15.5]}", false},
        {"{\"in\": [\"x\", [1, 2, 30]]}", false},
        {"{\"in\": [\"x\", [1, 15, 30]]}", true},
        {"{\"in\": [\"x\", [20]]}", true},
        {"{\"in\": [\"x\", []]}", false},
        {"{\"between\": [\"x\", 21, 30]}", false},
        {"{\"between\": [\"x\", 0, 9]}", false},
        {"{\"between\": [\"x\", 5, 10]}", true},
        {"{\"between\": [\"x\", 12, 11]}", false},
        {"{\"is_null\": \"x\"}", false},
        {"{\"not\": {\"is_null\": \"x\"}}", true},
        {"{\"not\": {\"gt\": [\"x\", 5]}}", false},
        {"{\"not\": {\"gt\": [\"x\", 15]}}", true},
        {"{\"not\": {\"between\": [\"x\", 0, 100]}}", false},
        {"{\"not\": {\"eq\": [\"x\", 15]}}", true},
        /* y: min = max = 5 exactly, some nulls */
        {"{\"eq\": [\"y\", 5]}", true},
        {"{\"not\": {\"eq\": [\"y\", 5]}}", false},
        {"{\"neq\": [\"y\", 5]}", false},
        {"{\"not\": {\"in\": [\"y\", [5, 6]]}}", false},
        {"{\"not\": {\"between\": [\"y\", 5, 5]}}", false},
        {"{\"is_null\": \"y\"}", true},
        {"{\"or\": [{\"neq\": [\"y\", 5]}, {\"is_null\": \"y\"}]}", true},
        /* z: every value null */
        {"{\"eq\": [\"z\", 1]}", false},
        {"{\"not\": {\"eq\": [\"z\", 1]}}", false},
        {"{\"is_null\": \"z\"}", true},
        {"{\"not\": {\"is_null\": \"z\"}}", false},
        /* unknown stats (no entry) */
        {"{\"eq\": [\"u\", 1]}", true},
        {"{\"not\": {\"eq\": [\"u\", 1]}}", true},
        {"{\"is_null\": \"u\"}", true},
        /* strings with an inexact max bound */
        {"{\"eq\": [\"s\", \"cherry\"]}", false},
        {"{\"eq\": [\"s\", \"b\"]}", true},
        {"{\"lt\": [\"s\", \"apple\"]}", false},
        {"{\"gte\": [\"s\", \"banana\"]}", true},
        /* a float column may hold NaN outside min/max */
        {"{\"eq\": [\"f\", 1.5]}", true},
        {"{\"eq\": [\"f\", 2]}", false},
        {"{\"not\": {\"eq\": [\"f\", 1.5]}}", true},
        {"{\"neq\": [\"f\", 1.5]}", true},
        {"{\"eq\": [\"f\", \"nan\"]}", false},
        {"{\"neq\": [\"f\", \"nan\"]}", true},
        /* only a max */
        {"{\"gt\": [\"h\", 10]}", false},
        {"{\"lt\": [\"h\", 0]}", true},
        /* no rows at all */
        {"{\"eq\": [\"e\", 5]}", false},
        {"{\"is_null\": \"e\"}", false},
        /* stats of a type that does not compare: unknown */
        {"{\"eq\": [\"w\", 100]}", true},
        /* a NaN bound: unknown */
        {"{\"gt\": [\"g\", 5]}", true},
        /* nested */
        {"{\"and\": [{\"eq\": [\"x\", 5]}, {\"eq\": [\"s\", \"b\"]}]}", false},
        {"{\"and\": [{\"eq\": [\"x\", 15]}, {\"eq\": [\"s\", \"b\"]}]}", true},
        {"{\"or\": [{\"eq\": [\"x\", 5]}, {\"eq\": [\"x\", 25]}]}", false},
        {"{\"or\": [{\"eq\": [\"x\", 5]}, {\"eq\": [\"x\", 15]}]}", true},
        {"{\"or\": [{\"eq\": [\"x\", 5]}, {\"eq\": [\"u\", 15]}]}", true},
        {"{\"not\": {\"and\": [{\"gt\": [\"x\", 5]}, {\"lt\": [\"x\", 30]}]}}", false},
        {"{\"not\": {\"or\": [{\"lt\": [\"x\", 10]}, {\"gt\": [\"x\", 20]}]}}", true},
        {"{\"not\": {\"or\": [{\"lt\": [\"x\", 0]}, {\"gt\": [\"x\", 9]}]}}", false},
        {"{\"and\": [{\"is_null\": \"z\"}, {\"eq\": [\"x\", 15]}]}", true},
        {"{\"and\": [{\"is_null\": \"x\"}, {\"eq\": [\"u\", 15]}]}", false},
        {"{\"not\": {\"not\": {\"eq\": [\"x\", 5]}}}", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        stat_table t = {rows, (int)(sizeof rows / sizeof rows[0]), {0}, 0, 0};
        dc_pred *p = parse_ok(cases[i].pred);
        dc_error e;
        if (dc_pred_bind(p, schema, &e) != DC_OK)
            fail_msg("bind %s: %s", cases[i].pred, e.message);
        bool may = dc_pred_may_match(p, lookup, &t);
        if (may != cases[i].may)
            fail_msg("%s: may_match %d, expected %d", cases[i].pred, may, cases[i].may);
        /* Each column is asked for once. */
        assert_true(t.calls <= dc_pred_n_columns(p));
        for (int k = 0; k < t.n_arrays; k++)
            dc_array_unref(t.arrays[k]);
        dc_pred_free(p);
    }
    /* An unbound predicate, or no callback, proves nothing. */
    dc_pred *p = parse_ok("{\"eq\": [\"x\", 5]}");
    stat_table t = {rows, 1, {0}, 0, 0};
    assert_true(dc_pred_may_match(p, lookup, &t));
    assert_int_equal(dc_pred_bind(p, schema, NULL), DC_OK);
    assert_true(dc_pred_may_match(p, NULL, NULL));
    assert_false(dc_pred_may_match(p, lookup, &t));
    for (int k = 0; k < t.n_arrays; k++)
        dc_array_unref(t.arrays[k]);
    dc_pred_free(p);
    dc_schema_unref(schema);
}

/* Pruning never contradicts evaluation: for random data, a set that has a matching
 * row is never pruned, for a list of predicates. */
static void test_pruning_agrees_with_evaluation(void **state)
{
    (void)state;
    static const char *const preds[] = {
        "{\"eq\": [\"x\", 3]}",
        "{\"neq\": [\"x\", 3]}",
        "{\"not\": {\"eq\": [\"x\", 3]}}",
        "{\"gt\": [\"x\", 2.5]}",
        "{\"not\": {\"lte\": [\"x\", 4]}}",
        "{\"in\": [\"x\", [1, 6]]}",
        "{\"not\": {\"in\": [\"x\", [3, 4]]}}",
        "{\"between\": [\"x\", 2, 3]}",
        "{\"not\": {\"between\": [\"x\", 2, 3]}}",
        "{\"is_null\": \"x\"}",
        "{\"or\": [{\"is_null\": \"x\"}, {\"lt\": [\"x\", 2]}]}",
        "{\"and\": [{\"gte\": [\"x\", 2]}, {\"not\": {\"eq\": [\"x\", 4]}}]}",
    };
    uint64_t seed = 42;
    for (int round = 0; round < 400; round++) {
        enum { N = 6 };
        int64_t v[N];
        char valid[N + 1];
        int64_t lo = INT64_MAX, hi = INT64_MIN, nulls = 0;
        for (int i = 0; i < N; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            v[i] = (int64_t)((seed >> 33) % 7);
            valid[i] = (seed >> 20) % 4 == 0 ? '0' : '1';
            if (valid[i] == '0') {
                nulls++;
                continue;
            }
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
        valid[N] = '\0';
        dc_batch *b = batch1("x", tu_int64(v, N, valid));
        char smin[32], smax[32];
        snprintf(smin, sizeof smin, "%lld", (long long)lo);
        snprintf(smax, sizeof smax, "%lld", (long long)hi);
        stat_row row = {
            "x", "int64", nulls < N ? smin : NULL, nulls < N ? smax : NULL, true, true, nulls, N};
        for (size_t k = 0; k < sizeof preds / sizeof preds[0]; k++) {
            stat_table t = {&row, 1, {0}, 0, 0};
            dc_pred *p = parse_ok(preds[k]);
            dc_array *m = NULL;
            assert_int_equal(dc_pred_bind(p, b->schema, NULL), DC_OK);
            assert_int_equal(dc_pred_eval(p, b, &m, NULL), DC_OK);
            bool any = false;
            for (int i = 0; i < N; i++)
                any = any || dc_array_get_int(m, i);
            bool may = dc_pred_may_match(p, lookup, &t);
            if (any && !may)
                fail_msg("%s pruned a set with a matching row (round %d)", preds[k], round);
            dc_array_unref(m);
            for (int a = 0; a < t.n_arrays; a++)
                dc_array_unref(t.arrays[a]);
            dc_pred_free(p);
        }
        dc_batch_unref(b);
    }
}

/* ---- allocation failures ------------------------------------------------------------- */

static void test_allocation_failures_fail_cleanly(void **state)
{
    (void)state;
    static const char *const json =
        "{\"or\": [{\"in\": [\"s\", [\"a\", \"b\"]]}, {\"not\": {\"between\": [\"x\", 1.5, 9]}},"
        " {\"and\": [{\"is_null\": \"x\"}, {\"gt\": [\"d\", \"1.005\"]}]}]}";
    int64_t xv[] = {1, 2, 30};
    static const char *const sv[] = {"a", NULL, "c"};
    static const char *const dv[] = {"1.01", "1.00", NULL};
    dc_array *cols[3] = {tu_int64(xv, 3, "101"), col("string", sv, 3),
                         col("decimal128(5, 2)", dv, 3)};
    static const char *const names[] = {"x", "s", "d"};
    dc_batch *b = batch_of(3, names, cols);
    bool completed = false;
    for (int64_t n = 0; n < 2000 && !completed; n++) {
        dc_pred *p = NULL;
        dc_array *m = NULL;
        dc_error e;
        dc_alloc_fail_after(n);
        dc_status rc = dc_pred_parse(&p, json, -1, &e);
        if (rc == DC_OK)
            rc = dc_pred_bind(p, b->schema, &e);
        if (rc == DC_OK)
            rc = dc_pred_eval(p, b, &m, &e);
        dc_alloc_fail_after(-1);
        if (rc == DC_OK) {
            TU_ASSERT_ARRAY(m, "[true, false, true]");
            completed = true;
        } else if (rc != DC_ENOMEM) {
            fail_msg("after %lld allocations: %s: %s", (long long)n, dc_status_name(rc), e.message);
        }
        dc_array_unref(m);
        dc_pred_free(p);
    }
    assert_true(completed);
    for (int i = 0; i < 3; i++)
        dc_array_unref(cols[i]);
    dc_batch_unref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_every_operator_and_print_canonically),
        cmocka_unit_test(test_columns_are_listed_once_in_first_seen_order),
        cmocka_unit_test(test_malformed_predicates_are_rejected_naming_the_problem),
        cmocka_unit_test(test_hostile_sizes_hit_the_limits),
        cmocka_unit_test(test_bind_errors_name_the_column_and_the_literal),
        cmocka_unit_test(test_rebinding_replaces_the_binding),
        cmocka_unit_test(test_every_operator_with_nulls),
        cmocka_unit_test(test_kleene_logic_across_two_columns),
        cmocka_unit_test(test_signed_and_unsigned_integers_of_every_width),
        cmocka_unit_test(test_int_column_with_float_literal_is_exact),
        cmocka_unit_test(test_floating_point_follows_ieee_for_nan),
        cmocka_unit_test(test_strings_bools_and_binary),
        cmocka_unit_test(test_dates_and_timestamps_from_text_and_integers),
        cmocka_unit_test(test_decimals_compare_exactly),
        cmocka_unit_test(test_dictionary_and_struct_child_columns),
        cmocka_unit_test(test_batches_with_other_columns_slices_and_errors),
        cmocka_unit_test(test_large_in_lists_are_sets),
        cmocka_unit_test(test_pruning_by_statistics),
        cmocka_unit_test(test_pruning_agrees_with_evaluation),
        cmocka_unit_test(test_allocation_failures_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
