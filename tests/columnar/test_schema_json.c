/* test_schema_json.c: schemas to JSON and back, and every rejected document. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

static void schemas_round_trip_through_json(void **state)
{
    static const char *const types[] = {
        "int64", "string", "timestamp[us, tz=UTC]", "decimal128(10, 2)",
        "list<item: struct<a: int32, b: string not null>>", "map<string, double>",
        "dictionary<values=string, indices=int32>", "fixed_size_binary[16]"};
    dc_field f[8];
    for (int i = 0; i < 8; i++) {
        dc_type *t = NULL;
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        assert_int_equal(dc_type_parse(&t, types[i], NULL), DC_OK);
        dc_metadata md = {0};
        if (i == 2)
            dc_metadata_set(&md, "PARQUET:field_id", "7");
        assert_int_equal(dc_field_init(&f[i], name, t, i % 2 == 0, &md), DC_OK);
        dc_metadata_clear(&md);
        dc_type_unref(t);
    }
    dc_metadata smd = {0};
    dc_metadata_set(&smd, "owner", "data-eng");
    dc_schema *s = dc_schema_new(f, 8, &smd), *back = NULL;
    json_t *j = dc_schema_to_json(s);
    assert_non_null(j);
    char *text = json_dumps(j, JSON_COMPACT);
    json_t *parsed = json_loads(text, 0, NULL);
    assert_int_equal(dc_schema_from_json(&back, parsed, NULL), DC_OK);
    assert_true(dc_schema_equals(s, back));
    assert_string_equal(dc_metadata_get(&back->fields[2].metadata, "PARQUET:field_id"), "7");
    assert_string_equal(dc_metadata_get(&back->metadata, "owner"), "data-eng");
    assert_false(back->fields[1].nullable);
    free(text);
    json_decref(j);
    json_decref(parsed);
    dc_schema_unref(s);
    dc_schema_unref(back);
    for (int i = 0; i < 8; i++)
        dc_field_clear(&f[i]);
    dc_metadata_clear(&smd);
}

static void bad_schema_documents_are_rejected(void **state)
{
    static const struct { const char *doc, *needle; } bad[] = {
        {"[]", "fields"},
        {"{\"fields\": {}}", "fields"},
        {"{\"fields\": [{\"type\": \"int64\"}]}", "name"},
        {"{\"fields\": [{\"name\": \"a\"}]}", "type"},
        {"{\"fields\": [{\"name\": \"a\", \"type\": \"int65\"}]}", "field a"},
        {"{\"fields\": [{\"name\": \"a\", \"type\": \"int64\", \"nullable\": \"yes\"}]}", "nullable"},
        {"{\"fields\": [{\"name\": \"a\", \"type\": \"int64\"}, {\"name\": \"a\", \"type\": \"string\"}]}", "twice"},
        {"{\"fields\": [{\"name\": \"a\", \"type\": \"int64\", \"metadata\": {\"k\": 1}}]}", "metadata"},
        {"{\"fields\": [], \"metadata\": []}", "metadata"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++) {
        json_t *j = json_loads(bad[i].doc, 0, NULL);
        assert_non_null(j);
        dc_schema *s = NULL;
        dc_error e;
        assert_int_equal(dc_schema_from_json(&s, j, &e), DC_EINVALID);
        assert_null(s);
        if (!strstr(e.message, bad[i].needle))
            fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].doc, e.message, bad[i].needle);
        json_decref(j);
    }
    json_t *empty = json_loads("{\"fields\": []}", 0, NULL);
    dc_schema *s = NULL;
    assert_int_equal(dc_schema_from_json(&s, empty, NULL), DC_OK);
    assert_int_equal(s->n_fields, 0);
    dc_schema_unref(s);
    json_decref(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schemas_round_trip_through_json),
        cmocka_unit_test(bad_schema_documents_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
