/*
 * test_tschema.c: table schema rules (src/catalog/tschema.c): field attributes and
 * defaults, prepare at creation, evolution on write, conforming writes and reads of
 * old files, explicit schema updates and the reader-type checks.
 */
#include "testutil.h"

#include "catalog/tschema_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------- */

static dc_type *ty(const char *text)
{
    dc_type *t = NULL;
    dc_error e;
    if (dc_type_parse(&t, text, &e) != DC_OK)
        fail_msg("type %s: %s", text, e.message);
    return t;
}

/* A field: name, type text, nullable, then metadata key/value pairs ending with NULL. */
static dc_field fld(const char *name, const char *type, int nullable, ...)
{
    dc_field f;
    dc_metadata m = {0};
    va_list ap;
    va_start(ap, nullable);
    for (;;) {
        const char *k = va_arg(ap, const char *);
        if (!k)
            break;
        const char *v = va_arg(ap, const char *);
        assert_int_equal(dc_metadata_set(&m, k, v), DC_OK);
    }
    va_end(ap);
    dc_type *t = ty(type);
    assert_int_equal(dc_field_init(&f, name, t, nullable != 0, &m), DC_OK);
    dc_type_unref(t);
    dc_metadata_clear(&m);
    return f;
}

/* A schema of the fields, which are cleared. */
static dc_schema *sch_of(dc_field *fs, int n)
{
    dc_schema *s = dc_schema_new(fs, n, NULL);
    assert_non_null(s);
    for (int i = 0; i < n; i++)
        dc_field_clear(&fs[i]);
    return s;
}
#define SCH(...)                                                                                   \
    sch_of((dc_field[]){__VA_ARGS__}, (int)(sizeof((dc_field[]){__VA_ARGS__}) / sizeof(dc_field)))
/* The sentinel ending fld() and expect_err() argument lists. */
#define END  ((const char *)0)
#define NOMD END

/* A batch of `s` (consumed) and the n arrays that follow (consumed). */
static dc_batch *mk_batch(dc_schema *s, int n, ...)
{
    dc_array *cols[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        cols[i] = va_arg(ap, dc_array *);
    va_end(ap);
    dc_batch *b = NULL;
    dc_error e;
    if (dc_batch_new(&b, s, cols, n ? cols[0]->length : 0, &e) != DC_OK)
        fail_msg("batch: %s", e.message);
    for (int i = 0; i < n; i++)
        dc_array_unref(cols[i]);
    dc_schema_unref(s);
    return b;
}

static dc_array *i64s(int n, const int64_t *v, const char *valid)
{
    return tu_int64(v, n, valid);
}
static dc_array *i32s(int n, const int32_t *v, const char *valid)
{
    return tu_int32(v, n, valid);
}

static const char *md(const dc_schema *s, int i, const char *key)
{
    return dc_metadata_get(&s->fields[i].metadata, key);
}

static const char *child_md(const dc_schema *s, int i, int j, const char *key)
{
    return dc_metadata_get(&s->fields[i].type->children[j].metadata, key);
}

static const char *type_of(const dc_schema *s, int i)
{
    static char buf[256];
    char *t = dc_type_to_string(s->fields[i].type);
    snprintf(buf, sizeof buf, "%s", t);
    dc_free(t);
    return buf;
}

/* Assert rc == code and that the message holds every string after `code` (NULL-ended). */
static void expect_err(dc_status rc, const dc_error *e, dc_status code, ...)
{
    if (rc != code)
        fail_msg("expected %s, got %s: %s", dc_status_name(code), dc_status_name(rc),
                 rc == DC_OK ? "" : e->message);
    va_list ap;
    va_start(ap, code);
    for (;;) {
        const char *part = va_arg(ap, const char *);
        if (!part)
            break;
        if (!strstr(e->message, part))
            fail_msg("message \"%s\" lacks \"%s\"", e->message, part);
    }
    va_end(ap);
}

/* ---- attributes and defaults ---------------------------------------------------------- */

static void test_accessors_read_attributes_and_report_absence(void **state)
{
    (void)state;
    dc_field f = fld("id", "int64", false, DC_TFIELD_ID, "12", DC_TFIELD_MERGE_KEY, "true",
                     DC_TFIELD_EVENT_TIME, "false", DC_TFIELD_PAST_DEFAULT, "0",
                     DC_TFIELD_FUTURE_DEFAULT, "-1", END);
    assert_int_equal(dc_tfield_id(&f), 12);
    assert_true(dc_tfield_is_merge_key(&f));
    assert_false(dc_tfield_is_event_time(&f));
    assert_string_equal(dc_tfield_past_default(&f), "0");
    assert_string_equal(dc_tfield_future_default(&f), "-1");
    dc_field_clear(&f);

    dc_field g = fld("x", "string", true, NOMD);
    assert_int_equal(dc_tfield_id(&g), -1);
    assert_false(dc_tfield_is_merge_key(&g));
    assert_false(dc_tfield_is_event_time(&g));
    assert_null(dc_tfield_past_default(&g));
    assert_null(dc_tfield_future_default(&g));
    dc_field_clear(&g);

    const char *bad[] = {"abc", "0", "-3", "1.5", "99999999999", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        dc_field h = fld("x", "int64", true, DC_TFIELD_ID, bad[i], END);
        assert_int_equal(dc_tfield_id(&h), -1);
        dc_field_clear(&h);
    }
}

static void test_default_value_converts_json_literals_to_the_field_type(void **state)
{
    (void)state;
    struct {
        const char *type, *json, *expect;
    } ok[] = {
        {"int32", "5", "[5]"},
        {"int64", "null", "[null]"},
        {"double", "1.5", "[1.5]"},
        {"bool", "true", "[true]"},
        {"string", "\"abc\"", "[abc]"},
        {"date32", "\"2024-01-02\"", "[2024-01-02]"},
        {"list<item: int64>", "[1, 2]", "[[1,2]]"},
        {"decimal128(5, 2)", "\"1.25\"", "[1.25]"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        dc_field f = fld("c", ok[i].type, true, NOMD);
        dc_array *a = NULL;
        dc_error e;
        if (dc_tfield_default_value(&f, ok[i].json, &a, &e) != DC_OK)
            fail_msg("%s %s: %s", ok[i].type, ok[i].json, e.message);
        assert_int_equal(a->length, 1);
        assert_true(dc_type_equals(a->type, f.type));
        TU_ASSERT_ARRAY(a, ok[i].expect);
        dc_array_unref(a);
        dc_field_clear(&f);
    }

    dc_field f = fld("qty", "int32", true, NOMD);
    dc_array *a = NULL;
    dc_error e;
    expect_err(dc_tfield_default_value(&f, "1.5", &a, &e), &e, DC_EINVALID, "\"qty\"", "1.5",
               "int32", END);
    assert_null(a);
    expect_err(dc_tfield_default_value(&f, "\"many\"", &a, &e), &e, DC_EINVALID, "\"qty\"", "many",
               END);
    expect_err(dc_tfield_default_value(&f, "3000000000", &a, &e), &e, DC_EINVALID, "\"qty\"", END);
    expect_err(dc_tfield_default_value(&f, "abc", &a, &e), &e, DC_EINVALID, "\"qty\"",
               "not a JSON literal", END);
    assert_string_equal(e.column, "qty");
    assert_null(a);
    dc_field_clear(&f);
}

/* ---- prepare ---------------------------------------------------------------------------- */

static void test_prepare_assigns_ids_in_order_including_struct_children(void **state)
{
    (void)state;
    dc_schema *in = SCH(fld("a", "int64", false, "user.key", "kept", END),
                        fld("s", "struct<x: int32, y: string>", true, NOMD),
                        fld("b", "string", true, DC_TFIELD_DOC, "the b column", END));
    dc_schema *out = NULL;
    int64_t next = 99;
    dc_error e;
    DC_ASSERT_OK(dc_tschema_prepare(&out, in, &next, &e));
    assert_int_equal(next, 6);
    assert_int_equal(out->n_fields, 3);
    assert_string_equal(md(out, 0, DC_TFIELD_ID), "1");
    assert_string_equal(md(out, 0, "user.key"), "kept");
    assert_string_equal(md(out, 1, DC_TFIELD_ID), "2");
    assert_string_equal(child_md(out, 1, 0, DC_TFIELD_ID), "3");
    assert_string_equal(child_md(out, 1, 1, DC_TFIELD_ID), "4");
    assert_string_equal(md(out, 2, DC_TFIELD_ID), "5");
    assert_string_equal(md(out, 2, DC_TFIELD_DOC), "the b column");
    assert_true(dc_schema_equals(in, out));
    assert_false(out->fields[0].nullable);
    /* the input is untouched */
    assert_null(md(in, 0, DC_TFIELD_ID));
    dc_schema_unref(in);
    dc_schema_unref(out);
}

static void test_prepare_keeps_unique_given_ids_and_reassigns_repeats(void **state)
{
    (void)state;
    dc_schema *in =
        SCH(fld("a", "int64", true, DC_TFIELD_ID, "7", END), fld("b", "int64", true, NOMD),
            fld("c", "int64", true, DC_TFIELD_ID, "7", END),
            fld("d", "int64", true, DC_TFIELD_ID, "2", END));
    dc_schema *out = NULL;
    int64_t next = 0;
    DC_ASSERT_OK(dc_tschema_prepare(&out, in, &next, NULL));
    assert_string_equal(md(out, 0, DC_TFIELD_ID), "7");
    assert_string_equal(md(out, 1, DC_TFIELD_ID), "1");
    assert_string_equal(md(out, 2, DC_TFIELD_ID), "3"); /* 2 is d's */
    assert_string_equal(md(out, 3, DC_TFIELD_ID), "2");
    assert_int_equal(next, 8);
    dc_schema_unref(in);
    dc_schema_unref(out);

    dc_schema *empty = dc_schema_new(NULL, 0, NULL);
    DC_ASSERT_OK(dc_tschema_prepare(&out, empty, &next, NULL));
    assert_int_equal(out->n_fields, 0);
    assert_int_equal(next, 1);
    dc_schema_unref(out);
    dc_schema_unref(empty);
}

static void test_prepare_accepts_valid_merge_keys_event_time_and_defaults(void **state)
{
    (void)state;
    dc_schema *in = SCH(
        fld("id", "int64", false, DC_TFIELD_MERGE_KEY, "true", END),
        fld("region", "dictionary<values=string, indices=int32>", false, DC_TFIELD_MERGE_KEY,
            "true", END),
        fld("ts", "timestamp[us]", true, DC_TFIELD_EVENT_TIME, "true", END),
        fld("qty", "int32", false, DC_TFIELD_PAST_DEFAULT, "0", DC_TFIELD_FUTURE_DEFAULT, "1",
            DC_TFIELD_MERGE_ORDER, "descending", END),
        fld("v", "double", true, DC_TFIELD_MERGE_KEY, "false", END));
    dc_schema *out = NULL;
    int64_t next = 0;
    dc_error e;
    if (dc_tschema_prepare(&out, in, &next, &e) != DC_OK)
        fail_msg("%s", e.message);
    assert_true(dc_tfield_is_merge_key(&out->fields[0]));
    assert_true(dc_tfield_is_event_time(&out->fields[2]));
    dc_schema_unref(in);
    dc_schema_unref(out);
}

/* prepare(in) fails with `code` and a message holding `part` and `part2`. */
static void prepare_fails(dc_schema *in, dc_status code, const char *part, const char *part2)
{
    dc_schema *out = (dc_schema *)1;
    int64_t next = 42;
    dc_error e;
    dc_error_clear(&e);
    expect_err(dc_tschema_prepare(&out, in, &next, &e), &e, code, part, part2, END);
    assert_null(out);
    assert_int_equal(next, 42);
    dc_schema_unref(in);
}

static void test_prepare_rejects_bad_schemas_naming_the_column(void **state)
{
    (void)state;
    prepare_fails(SCH(fld("a", "int64", true, NOMD), fld("a", "string", true, NOMD)), DC_EINVALID,
                  "\"a\" appears twice", "unique");
    prepare_fails(SCH(fld("", "int64", true, NOMD)), DC_EINVALID, "empty name", NULL);
    prepare_fails(SCH(fld("id", "int64", true, DC_TFIELD_MERGE_KEY, "true", END)), DC_EINVALID,
                  "\"id\" is a merge key", "not null");
    prepare_fails(SCH(fld("score", "double", false, DC_TFIELD_MERGE_KEY, "true", END)), DC_EINVALID,
                  "\"score\" of type double cannot be a merge key", NULL);
    prepare_fails(SCH(fld("tags", "list<item: int64>", false, DC_TFIELD_MERGE_KEY, "true", END)),
                  DC_EINVALID, "\"tags\"", "cannot be a merge key");
    prepare_fails(SCH(fld("n", "null", false, DC_TFIELD_MERGE_KEY, "true", END)), DC_EINVALID,
                  "\"n\"", "cannot be a merge key");
    prepare_fails(SCH(fld("qty", "int32", true, DC_TFIELD_PAST_DEFAULT, "\"x\"", END)), DC_EINVALID,
                  "\"qty\"", "does not convert to int32");
    prepare_fails(SCH(fld("qty", "int32", true, DC_TFIELD_FUTURE_DEFAULT, "{", END)), DC_EINVALID,
                  "\"qty\"", "not a JSON literal");
    prepare_fails(SCH(fld("qty", "int32", false, DC_TFIELD_FUTURE_DEFAULT, "null", END)),
                  DC_EINVALID, "\"qty\" is not nullable", "future_default is null");
    prepare_fails(SCH(fld("a", "int64", true, DC_TFIELD_ID, "x1", END)), DC_EINVALID, "\"a\"",
                  "'x1' is not a field id");
    prepare_fails(SCH(fld("a", "int64", true, DC_TFIELD_MERGE_KEY, "yes", END)), DC_EINVALID,
                  "\"a\"", "must be \"true\" or \"false\"");
    prepare_fails(SCH(fld("a", "int64", true, DC_TFIELD_EVENT_TIME, "1", END)), DC_EINVALID,
                  "\"a\"", DC_TFIELD_EVENT_TIME);
    prepare_fails(SCH(fld("a", "int64", false, DC_TFIELD_MERGE_ORDER, "up", END)), DC_EINVALID,
                  "\"a\"", "\"ascending\" or \"descending\"");
    prepare_fails(SCH(fld("a", "int64", false, DC_TFIELD_MERGE_KEY, "true", DC_TFIELD_MERGE_ORDER,
                          "ascending", END)),
                  DC_EINVALID, "\"a\" is a merge key and has a merge order", NULL);
    prepare_fails(SCH(fld("when", "string", true, DC_TFIELD_EVENT_TIME, "true", END)), DC_EINVALID,
                  "\"when\" of type string cannot be the event time", NULL);
    prepare_fails(SCH(fld("t1", "timestamp[s]", true, DC_TFIELD_EVENT_TIME, "true", END),
                      fld("t2", "date32", true, DC_TFIELD_EVENT_TIME, "true", END)),
                  DC_EINVALID, "\"t1\" and \"t2\"", "at most one");
    prepare_fails(SCH(fld("s", "struct<x: int64, x: string>", true, NOMD)), DC_EINVALID,
                  "\"s.x\" appears twice", NULL);
}

/* ---- evolution on write ------------------------------------------------------------------- */

/* A prepared table: id int64 not null (merge key), name string, qty int32. ids 1..3. */
static dc_schema *base_table(int64_t *next)
{
    dc_schema *in = SCH(fld("id", "int32", false, DC_TFIELD_MERGE_KEY, "true", END),
                        fld("name", "string", true, NOMD), fld("qty", "int32", true, NOMD));
    dc_schema *t = NULL;
    DC_ASSERT_OK(dc_tschema_prepare(&t, in, next, NULL));
    dc_schema_unref(in);
    return t;
}

static void test_evolve_without_table_prepares_the_write_schema(void **state)
{
    (void)state;
    dc_schema *in = SCH(fld("a", "int64", true, NOMD), fld("b", "string", true, NOMD));
    dc_schema *out = NULL;
    bool changed = false;
    int64_t next = 0;
    DC_ASSERT_OK(dc_tschema_evolve_for_write(&out, &changed, NULL, in, DC_EVOLVE_MANUAL,
                                             DC_CONSIST_VALIDATE, &next, NULL));
    assert_true(changed);
    assert_int_equal(next, 3);
    assert_string_equal(md(out, 1, DC_TFIELD_ID), "2");
    dc_schema_unref(in);
    dc_schema_unref(out);
}

static void test_evolve_auto_adds_new_columns_nullable_with_new_ids(void **state)
{
    (void)state;
    int64_t next = 0;
    dc_schema *t = base_table(&next);
    next = 10; /* ids 4..9 belonged to dropped columns: never reused */
    dc_schema *in = SCH(fld("id", "int32", false, NOMD),
                        fld("extra", "double", false, DC_TFIELD_MERGE_KEY, "true",
                            DC_PARQUET_FIELD_ID, "5", DC_TFIELD_ID, "2", "user.key", "u", END),
                        fld("s", "struct<p: int64>", true, NOMD));
    dc_schema *out = NULL;
    bool changed = false;
    dc_error e;
    if (dc_tschema_evolve_for_write(&out, &changed, t, in, DC_EVOLVE_AUTO, DC_CONSIST_NONE, &next,
                                    &e) != DC_OK)
        fail_msg("%s", e.message);
    assert_true(changed);
    assert_int_equal(out->n_fields, 5);
    assert_string_equal(out->fields[3].name, "extra");
    assert_true(out->fields[3].nullable);
    assert_string_equal(md(out, 3, DC_TFIELD_ID), "10");
    assert_null(md(out, 3, DC_TFIELD_MERGE_KEY)); /* a write brings no attributes */
    assert_null(md(out, 3, DC_PARQUET_FIELD_ID));
    assert_string_equal(md(out, 3, "user.key"), "u");
    assert_string_equal(md(out, 4, DC_TFIELD_ID), "11");
    assert_string_equal(child_md(out, 4, 0, DC_TFIELD_ID), "12");
    assert_int_equal(next, 13);
    /* the table's columns are as they were */
    assert_string_equal(md(out, 0, DC_TFIELD_ID), "1");
    assert_true(dc_tfield_is_merge_key(&out->fields[0]));
    assert_int_equal(t->n_fields, 3);
    dc_schema_unref(in);
    dc_schema_unref(out);
    dc_schema_unref(t);
}

static void test_evolve_manual_and_disabled_reject_new_columns(void **state)
{
    (void)state;
    int64_t next = 0;
    dc_schema *t = base_table(&next);
    dc_schema *in = SCH(fld("id", "int32", false, NOMD), fld("x", "int64", true, NOMD));
    dc_schema *out = NULL;
    bool changed = true;
    dc_error e;
    expect_err(dc_tschema_evolve_for_write(&out, &changed, t, in, DC_EVOLVE_MANUAL, DC_CONSIST_NONE,
                                           &next, &e),
               &e, DC_ESCHEMA,
               "column \"x\" is not in the table's schema (schema evolution is MANUAL; add it "
               "with a schema update first)",
               END);
    assert_string_equal(e.column, "x");
    assert_null(out);
    assert_false(changed);
    expect_err(dc_tschema_evolve_for_write(&out, &changed, t, in, DC_EVOLVE_DISABLED,
                                           DC_CONSIST_NONE, &next, &e),
               &e, DC_ESCHEMA,
               "column \"x\" is not in the table's schema (schema evolution is DISABLED; add "
               "it with a schema update first)",
               END);
    assert_null(out);
    assert_int_equal(next, 4);
    dc_schema_unref(in);
    dc_schema_unref(t);
}

static void test_evolve_none_accepts_narrower_types_and_widens_under_auto(void **state)
{
    (void)state;
    int64_t next = 0;
    dc_schema *t = base_table(&next);
    dc_schema *out = NULL;
    bool changed = true;
    dc_error e;

    /* int16 widens to the table's int32: nothing changes, the table schema comes back */
    dc_schema *narrow = SCH(fld("id", "int16", true, NOMD), fld("qty", "int8", true, NOMD));
    DC_ASSERT_OK(dc_tschema_evolve_for_write(&out, &changed, t, narrow, DC_EVOLVE_MANUAL,
                                             DC_CONSIST_NONE, &next, NULL));
    assert_false(changed);
    assert_ptr_equal(out, t);
    dc_schema_unref(out);
    dc_schema_unref(narrow);

    /* int64 into int32: AUTO widens the table's type and keeps the id and attributes */
    dc_schema *wide = SCH(fld("id", "int64", false, NOMD), fld("qty", "int64", true, NOMD));
    DC_ASSERT_OK(dc_tschema_evolve_for_write(&out, &changed, t, wide, DC_EVOLVE_AUTO,
                                             DC_CONSIST_NONE, &next, NULL));
    assert_true(changed);
    assert_string_equal(type_of(out, 0), "int64");
    assert_string_equal(type_of(out, 2), "int64");
    assert_string_equal(md(out, 0, DC_TFIELD_ID), "1");
    assert_string_equal(md(out, 2, DC_TFIELD_ID), "3");
    assert_true(dc_tfield_is_merge_key(&out->fields[0]));
    assert_false(out->fields[0].nullable);
    assert_int_equal(next, 4);
    dc_schema_unref(out);

    /* MANUAL: the same write is an error naming column and both types */
    expect_err(dc_tschema_evolve_for_write(&out, &changed, t, wide, DC_EVOLVE_MANUAL,
                                           DC_CONSIST_NONE, &next, &e),
               &e, DC_ESCHEMA, "column \"id\" has type int64 in the write but int32 in the table",
               "MANUAL", END);
    assert_null(out);
    dc_schema_unref(wide);

    /* string into int32: neither widens */
    dc_schema *str = SCH(fld("qty", "string", true, NOMD));
    expect_err(dc_tschema_evolve_for_write(&out, &changed, t, str, DC_EVOLVE_AUTO, DC_CONSIST_NONE,
                                           &next, &e),
               &e, DC_ESCHEMA, "column \"qty\" has type string in the write but int32",
               "neither type widens", END);
    dc_schema_unref(str);

    /* a merge key cannot widen to a floating-point type */
    dc_schema *dbl = SCH(fld("id", "double", false, NOMD));
    expect_err(dc_tschema_evolve_for_write(&out, &changed, t, dbl, DC_EVOLVE_AUTO, DC_CONSIST_NONE,
                                           &next, &e),
               &e, DC_ESCHEMA, "\"id\" is a merge key and cannot widen to double", END);
    assert_null(out);
    dc_schema_unref(dbl);
    dc_schema_unref(t);
}

static void test_evolve_widening_a_struct_keeps_child_ids(void **state)
{
    (void)state;
    dc_schema *in = SCH(fld("s", "struct<x: int32>", true, NOMD));
    dc_schema *t = NULL, *out = NULL;
    int64_t next = 0;
    bool changed = false;
    DC_ASSERT_OK(dc_tschema_prepare(&t, in, &next, NULL));
    assert_int_equal(next, 3);
    dc_schema *w = SCH(fld("s", "struct<x: int64, y: string>", true, NOMD));
    DC_ASSERT_OK(dc_tschema_evolve_for_write(&out, &changed, t, w, DC_EVOLVE_AUTO, DC_CONSIST_NONE,
                                             &next, NULL));
    assert_true(changed);
    assert_string_equal(type_of(out, 0), "struct<x: int64, y: string>");
    assert_string_equal(md(out, 0, DC_TFIELD_ID), "1");
    assert_string_equal(child_md(out, 0, 0, DC_TFIELD_ID), "2");
    assert_string_equal(child_md(out, 0, 1, DC_TFIELD_ID), "3");
    assert_int_equal(next, 4);
    dc_schema_unref(in);
    dc_schema_unref(w);
    dc_schema_unref(t);
    dc_schema_unref(out);
}

static void test_evolve_coerce_and_validate_rules(void **state)
{
    (void)state;
    int64_t next = 0;
    dc_schema *t = base_table(&next);
    dc_schema *out = NULL;
    bool changed = true;
    dc_error e;

    /* COERCE: int64 and string into int32 may cast (values checked later) */
    dc_schema *in = SCH(fld("id", "int64", false, NOMD), fld("qty", "string", true, NOMD));
    DC_ASSERT_OK(dc_tschema_evolve_for_write(&out, &changed, t, in, DC_EVOLVE_AUTO,
                                             DC_CONSIST_COERCE, &next, NULL));
    assert_false(changed);
    assert_string_equal(type_of(out, 0), "int32");
    dc_schema_unref(out);
    /* VALIDATE: types must be equal */
    expect_err(dc_tschema_evolve_for_write(&out, &changed, t, in, DC_EVOLVE_AUTO,
                                           DC_CONSIST_VALIDATE, &next, &e),
               &e, DC_ESCHEMA, "column \"id\" has type int64 in the write but int32 in the table",
               "VALIDATE", END);
    assert_null(out);
    dc_schema_unref(in);

    /* COERCE: no cast from a struct to int32 */
    dc_schema *st = SCH(fld("qty", "struct<a: int64>", true, NOMD));
    expect_err(dc_tschema_evolve_for_write(&out, &changed, t, st, DC_EVOLVE_AUTO, DC_CONSIST_COERCE,
                                           &next, &e),
               &e, DC_ESCHEMA, "column \"qty\" has type struct<a: int64> in the write but int32",
               "COERCE", END);
    dc_schema_unref(st);

    /* VALIDATE with equal types (nullability may differ) is fine */
    dc_schema *same = SCH(fld("id", "int32", true, NOMD), fld("qty", "int32", false, NOMD));
    DC_ASSERT_OK(dc_tschema_evolve_for_write(&out, &changed, t, same, DC_EVOLVE_DISABLED,
                                             DC_CONSIST_VALIDATE, &next, NULL));
    assert_false(changed);
    dc_schema_unref(out);
    dc_schema_unref(same);
    dc_schema_unref(t);
}

static void test_evolve_requires_non_nullable_columns_without_future_default(void **state)
{
    (void)state;
    int64_t next = 0;
    dc_schema *t = base_table(&next);
    dc_schema *out = NULL;
    bool changed = true;
    dc_error e;
    dc_schema *in = SCH(fld("name", "string", true, NOMD));
    expect_err(dc_tschema_evolve_for_write(&out, &changed, t, in, DC_EVOLVE_AUTO, DC_CONSIST_NONE,
                                           &next, &e),
               &e, DC_ESCHEMA,
               "column \"id\" is required (not nullable, no future_default) but the write lacks "
               "it",
               END);
    assert_string_equal(e.column, "id");
    assert_null(out);

    /* with a future_default it may be left out */
    dc_schema *t2 = SCH(fld("id", "int32", false, DC_TFIELD_FUTURE_DEFAULT, "0", END),
                        fld("name", "string", true, NOMD));
    DC_ASSERT_OK(dc_tschema_evolve_for_write(&out, &changed, t2, in, DC_EVOLVE_AUTO,
                                             DC_CONSIST_NONE, &next, NULL));
    assert_false(changed);
    dc_schema_unref(out);

    /* two columns of one name in a write */
    dc_schema *dup = SCH(fld("name", "string", true, NOMD), fld("name", "int64", true, NOMD));
    expect_err(dc_tschema_evolve_for_write(&out, &changed, t2, dup, DC_EVOLVE_AUTO, DC_CONSIST_NONE,
                                           &next, &e),
               &e, DC_ESCHEMA, "two columns named \"name\"", END);
    dc_schema_unref(dup);
    dc_schema_unref(t2);
    dc_schema_unref(in);
    dc_schema_unref(t);
}

/* ---- conform_write ------------------------------------------------------------------------ */

/* id int64 not null, name string, score int32 (future_default 7), note string. */
static dc_schema *write_table(void)
{
    return SCH(fld("id", "int64", false, DC_TFIELD_ID, "1", END),
               fld("name", "string", true, DC_TFIELD_ID, "2", END),
               fld("score", "int32", false, DC_TFIELD_ID, "3", DC_TFIELD_FUTURE_DEFAULT, "7", END),
               fld("note", "string", true, DC_TFIELD_ID, "4", END));
}

static void test_conform_write_reorders_fills_defaults_and_nulls(void **state)
{
    (void)state;
    dc_schema *t = write_table();
    const char *names[] = {"x", NULL};
    int32_t ids[] = {10, 20};
    dc_batch *b = mk_batch(SCH(fld("name", "string", true, NOMD), fld("id", "int32", true, NOMD)),
                           2, tu_utf8(names, 2), i32s(2, ids, NULL));
    dc_batch *out = NULL;
    dc_error e;
    if (dc_tschema_conform_write(&out, b, t, DC_CONSIST_NONE, &e) != DC_OK)
        fail_msg("%s", e.message);
    assert_ptr_equal(out->schema, t);
    assert_int_equal(out->length, 2);
    TU_ASSERT_ARRAY(out->columns[0], "[10, 20]");
    assert_int_equal(out->columns[0]->type->id, DC_TYPE_INT64);
    TU_ASSERT_ARRAY(out->columns[1], "[x, null]");
    TU_ASSERT_ARRAY(out->columns[2], "[7, 7]");
    TU_ASSERT_ARRAY(out->columns[3], "[null, null]");
    dc_batch_unref(out);
    dc_batch_unref(b);
    dc_schema_unref(t);
}

static void test_conform_write_casts_by_consistency(void **state)
{
    (void)state;
    dc_schema *t = SCH(fld("v", "int32", true, NOMD));
    int64_t small[] = {1, -2, 3}, large[] = {1, 5000000000LL, 3};
    dc_batch *bs = mk_batch(SCH(fld("v", "int64", true, NOMD)), 1, i64s(3, small, NULL));
    dc_batch *bl = mk_batch(SCH(fld("v", "int64", true, NOMD)), 1, i64s(3, large, NULL));
    dc_batch *out = NULL;
    dc_error e;

    DC_ASSERT_OK(dc_tschema_conform_write(&out, bs, t, DC_CONSIST_COERCE, NULL));
    assert_int_equal(out->columns[0]->type->id, DC_TYPE_INT32);
    TU_ASSERT_ARRAY(out->columns[0], "[1, -2, 3]");
    dc_batch_unref(out);

    expect_err(dc_tschema_conform_write(&out, bl, t, DC_CONSIST_COERCE, &e), &e, DC_ESCHEMA,
               "column \"v\"", "5000000000", "row 1", END);
    assert_string_equal(e.column, "v");
    assert_null(out);
    expect_err(dc_tschema_conform_write(&out, bl, t, DC_CONSIST_NONE, &e), &e, DC_ESCHEMA,
               "column \"v\"", "row 1", END);

    expect_err(dc_tschema_conform_write(&out, bs, t, DC_CONSIST_VALIDATE, &e), &e, DC_ESCHEMA,
               "column \"v\" has type int64 in the write but int32 in the table", "VALIDATE", END);
    assert_null(out);

    /* VALIDATE with the exact type passes the column through without a copy */
    int32_t v32[] = {4};
    dc_batch *b32 = mk_batch(SCH(fld("v", "int32", true, NOMD)), 1, i32s(1, v32, NULL));
    DC_ASSERT_OK(dc_tschema_conform_write(&out, b32, t, DC_CONSIST_VALIDATE, NULL));
    assert_ptr_equal(out->columns[0], b32->columns[0]);
    dc_batch_unref(out);
    dc_batch_unref(b32);
    dc_batch_unref(bs);
    dc_batch_unref(bl);
    dc_schema_unref(t);
}

static void test_conform_write_rejects_nulls_missing_and_extra_columns(void **state)
{
    (void)state;
    dc_schema *t = write_table();
    dc_batch *out = NULL;
    dc_error e;
    int64_t ids[] = {1, 2, 3};

    dc_batch *nulls = mk_batch(SCH(fld("id", "int64", true, NOMD)), 1, i64s(3, ids, "110"));
    expect_err(dc_tschema_conform_write(&out, nulls, t, DC_CONSIST_NONE, &e), &e, DC_ESCHEMA,
               "column \"id\" is not nullable but row 2 of the write is null", END);
    assert_string_equal(e.column, "id");
    assert_null(out);
    dc_batch_unref(nulls);

    const char *names[] = {"a", "b", "c"};
    dc_batch *noid = mk_batch(SCH(fld("name", "string", true, NOMD)), 1, tu_utf8(names, 3));
    expect_err(dc_tschema_conform_write(&out, noid, t, DC_CONSIST_NONE, &e), &e, DC_ESCHEMA,
               "column \"id\" is required (not nullable, no future_default) but the write lacks "
               "it",
               END);
    dc_batch_unref(noid);

    dc_batch *extra =
        mk_batch(SCH(fld("id", "int64", false, NOMD), fld("zzz", "int64", true, NOMD)), 2,
                 i64s(3, ids, NULL), i64s(3, ids, NULL));
    expect_err(dc_tschema_conform_write(&out, extra, t, DC_CONSIST_NONE, &e), &e, DC_ESCHEMA,
               "column \"zzz\" of the write is not in the table's schema", END);
    dc_batch_unref(extra);

    /* a future_default of null for a non-nullable column fails at row 0 */
    dc_schema *t2 = SCH(fld("id", "int64", true, NOMD),
                        fld("k", "int64", false, DC_TFIELD_FUTURE_DEFAULT, "null", END));
    dc_batch *only = mk_batch(SCH(fld("id", "int64", true, NOMD)), 1, i64s(3, ids, NULL));
    expect_err(dc_tschema_conform_write(&out, only, t2, DC_CONSIST_NONE, &e), &e, DC_ESCHEMA,
               "column \"k\" is not nullable but row 0", END);
    dc_batch_unref(only);
    dc_schema_unref(t2);
    dc_schema_unref(t);
}

/* ---- conform_read ------------------------------------------------------------------------- */

static void test_conform_read_maps_by_field_id_and_fills_missing_columns(void **state)
{
    (void)state;
    /* table now: id (1, int64), full_name (2, renamed from name), qty (4, past_default 0),
     * note (5, no default) */
    dc_schema *t =
        SCH(fld("id", "int64", false, DC_TFIELD_ID, "1", END),
            fld("full_name", "string", true, DC_TFIELD_ID, "2", END),
            fld("qty", "int32", false, DC_TFIELD_ID, "4", DC_TFIELD_PAST_DEFAULT, "0", END),
            fld("note", "string", true, DC_TFIELD_ID, "5", END));
    /* the file: id as int32, name (id 2), dropped (id 3) */
    int32_t ids[] = {1, 2};
    const char *names[] = {"ann", "bob"};
    int64_t dropped[] = {9, 9};
    dc_batch *file = mk_batch(SCH(fld("id", "int32", false, DC_TFIELD_ID, "1", END),
                                  fld("name", "string", true, DC_TFIELD_ID, "2", END),
                                  fld("gone", "int64", true, DC_TFIELD_ID, "3", END)),
                              3, i32s(2, ids, NULL), tu_utf8(names, 2), i64s(2, dropped, NULL));
    dc_batch *out = NULL;
    dc_error e;
    if (dc_tschema_conform_read(&out, file, t, &e) != DC_OK)
        fail_msg("%s", e.message);
    assert_ptr_equal(out->schema, t);
    assert_int_equal(out->columns[0]->type->id, DC_TYPE_INT64);
    TU_ASSERT_ARRAY(out->columns[0], "[1, 2]");
    TU_ASSERT_ARRAY(out->columns[1], "[ann, bob]");
    TU_ASSERT_ARRAY(out->columns[2], "[0, 0]");
    TU_ASSERT_ARRAY(out->columns[3], "[null, null]");
    dc_batch_unref(out);

    /* a projection of the table schema */
    dc_schema *proj = SCH(fld("full_name", "string", true, DC_TFIELD_ID, "2", END));
    DC_ASSERT_OK(dc_tschema_conform_read(&out, file, proj, NULL));
    assert_int_equal(out->schema->n_fields, 1);
    TU_ASSERT_ARRAY(out->columns[0], "[ann, bob]");
    dc_batch_unref(out);
    dc_schema_unref(proj);
    dc_batch_unref(file);
    dc_schema_unref(t);
}

static void test_conform_read_falls_back_to_parquet_ids_then_names(void **state)
{
    (void)state;
    dc_schema *t = SCH(fld("a", "int64", true, DC_TFIELD_ID, "1", END),
                       fld("b", "int64", true, DC_TFIELD_ID, "2", END),
                       fld("c", "int64", true, DC_TFIELD_ID, "3", END));
    int64_t v1[] = {1}, v2[] = {2}, v3[] = {3};
    /* "old_a" carries the Parquet id 1; "b" no id (matched by name); "c" has id 9: a
     * different field that once had that name, so c reads as null */
    dc_batch *file = mk_batch(SCH(fld("old_a", "int64", true, DC_PARQUET_FIELD_ID, "1", END),
                                  fld("b", "int64", true, NOMD),
                                  fld("c", "int64", true, DC_TFIELD_ID, "9", END)),
                              3, i64s(1, v1, NULL), i64s(1, v2, NULL), i64s(1, v3, NULL));
    dc_batch *out = NULL;
    DC_ASSERT_OK(dc_tschema_conform_read(&out, file, t, NULL));
    TU_ASSERT_ARRAY(out->columns[0], "[1]");
    TU_ASSERT_ARRAY(out->columns[1], "[2]");
    TU_ASSERT_ARRAY(out->columns[2], "[null]");
    dc_batch_unref(out);

    /* a table schema without ids matches by name */
    dc_schema *plain = SCH(fld("c", "int64", true, NOMD));
    DC_ASSERT_OK(dc_tschema_conform_read(&out, file, plain, NULL));
    TU_ASSERT_ARRAY(out->columns[0], "[3]");
    dc_batch_unref(out);
    dc_schema_unref(plain);
    dc_batch_unref(file);
    dc_schema_unref(t);
}

static void test_conform_read_rejects_required_columns_it_cannot_fill(void **state)
{
    (void)state;
    int64_t v[] = {1, 2};
    dc_batch *file =
        mk_batch(SCH(fld("a", "int64", true, DC_TFIELD_ID, "1", END)), 1, i64s(2, v, "10"));
    dc_batch *out = NULL;
    dc_error e;
    dc_schema *t = SCH(fld("a", "int64", true, DC_TFIELD_ID, "1", END),
                       fld("req", "int64", false, DC_TFIELD_ID, "2", END));
    expect_err(dc_tschema_conform_read(&out, file, t, &e), &e, DC_ESCHEMA,
               "column \"req\" is not in the file", "past_default", END);
    assert_null(out);
    dc_schema_unref(t);

    dc_schema *t2 = SCH(fld("a", "int64", false, DC_TFIELD_ID, "1", END));
    expect_err(dc_tschema_conform_read(&out, file, t2, &e), &e, DC_ESCHEMA,
               "column \"a\" is not nullable but row 1 of the file is null", END);
    dc_schema_unref(t2);

    dc_schema *t3 = SCH(fld("a", "int8", true, DC_TFIELD_ID, "1", END));
    int64_t big[] = {1, 1000};
    dc_batch *f2 =
        mk_batch(SCH(fld("a", "int64", true, DC_TFIELD_ID, "1", END)), 1, i64s(2, big, NULL));
    expect_err(dc_tschema_conform_read(&out, f2, t3, &e), &e, DC_ESCHEMA,
               "column \"a\" of the file", "row 1", END);
    dc_batch_unref(f2);
    dc_schema_unref(t3);
    dc_batch_unref(file);
}

/* ---- schema updates ----------------------------------------------------------------------- */

static dc_schema *upd_table(int64_t *next)
{
    dc_schema *in = SCH(fld("id", "int32", false, DC_TFIELD_MERGE_KEY, "true", END),
                        fld("name", "string", true, NOMD),
                        fld("qty", "int32", true, DC_TFIELD_MERGE_ORDER, "ascending", END),
                        fld("price", "double", false, NOMD));
    dc_schema *t = NULL;
    DC_ASSERT_OK(dc_tschema_prepare(&t, in, next, NULL));
    dc_schema_unref(in);
    return t;
}

/* The status of the last apply1(). */
static dc_status last_rc;

/* Apply one update; NULL on failure (e holds why, last_rc the code). */
static dc_schema *apply1(const dc_schema *t, dc_schema_update u, bool allow, int64_t *next,
                         dc_error *e)
{
    dc_schema *out = (dc_schema *)1;
    dc_status rc = dc_tschema_apply_updates(&out, t, &u, 1, allow, next, e);
    last_rc = rc;
    if (rc != DC_OK) {
        assert_null(out);
        return NULL;
    }
    return out;
}

static void test_updates_add_rename_widen_and_docs(void **state)
{
    (void)state;
    int64_t next = 0;
    dc_schema *t = upd_table(&next);
    assert_int_equal(next, 5);
    dc_error e;
    dc_type *i64 = ty("int64"), *dec = ty("decimal128(10, 2)"), *st = ty("struct<p: int64>");

    dc_schema_update us[] = {
        {.kind = DC_SU_ADD, .column = "tags", .type = st, .nullable = true},
        {.kind = DC_SU_ADD, .column = "level", .type = i64, .nullable = false, .text = "3"},
        {.kind = DC_SU_RENAME, .column = "name", .new_name = "full_name"},
        {.kind = DC_SU_WIDEN, .column = "qty", .type = i64},
        {.kind = DC_SU_SET_DOC, .column = "full_name", .text = "who"},
        {.kind = DC_SU_SET_PAST_DEFAULT, .column = "qty", .text = "0"},
        {.kind = DC_SU_SET_FUTURE_DEFAULT, .column = "qty", .text = "1"},
        {.kind = DC_SU_SET_NULLABLE, .column = "price", .nullable = true},
    };
    dc_schema *out = NULL;
    if (dc_tschema_apply_updates(&out, t, us, 8, false, &next, &e) != DC_OK)
        fail_msg("%s", e.message);
    assert_int_equal(out->n_fields, 6);
    assert_string_equal(out->fields[1].name, "full_name");
    assert_string_equal(md(out, 1, DC_TFIELD_ID), "2"); /* renames keep the id */
    assert_string_equal(md(out, 1, DC_TFIELD_DOC), "who");
    assert_string_equal(type_of(out, 2), "int64");
    assert_string_equal(md(out, 2, DC_TFIELD_ID), "3");
    assert_string_equal(md(out, 2, DC_TFIELD_PAST_DEFAULT), "0");
    assert_string_equal(md(out, 2, DC_TFIELD_FUTURE_DEFAULT), "1");
    assert_true(out->fields[3].nullable);
    assert_string_equal(out->fields[4].name, "tags");
    assert_string_equal(md(out, 4, DC_TFIELD_ID), "5");
    assert_string_equal(child_md(out, 4, 0, DC_TFIELD_ID), "6");
    assert_string_equal(out->fields[5].name, "level");
    assert_false(out->fields[5].nullable);
    assert_string_equal(md(out, 5, DC_TFIELD_ID), "7");
    assert_string_equal(md(out, 5, DC_TFIELD_PAST_DEFAULT), "3");
    assert_string_equal(md(out, 5, DC_TFIELD_FUTURE_DEFAULT), "3");
    assert_int_equal(next, 8);
    assert_string_equal(t->fields[1].name, "name"); /* the input is untouched */

    /* removing attributes with a NULL text */
    dc_schema_update rm[] = {
        {.kind = DC_SU_SET_DOC, .column = "full_name"},
        {.kind = DC_SU_SET_PAST_DEFAULT, .column = "qty"},
        {.kind = DC_SU_SET_FUTURE_DEFAULT, .column = "qty"},
    };
    dc_schema *out2 = NULL;
    DC_ASSERT_OK(dc_tschema_apply_updates(&out2, out, rm, 3, false, &next, NULL));
    assert_null(md(out2, 1, DC_TFIELD_DOC));
    assert_null(md(out2, 2, DC_TFIELD_PAST_DEFAULT));
    assert_null(md(out2, 2, DC_TFIELD_FUTURE_DEFAULT));
    assert_string_equal(md(out2, 2, DC_TFIELD_ID), "3");
    dc_schema_unref(out2);

    /* widen to a decimal the int64 fits */
    dc_schema_update wd = {.kind = DC_SU_WIDEN, .column = "qty", .type = dec};
    assert_null(apply1(out, wd, false, &next, &e)); /* int64 needs 19 digits */
    expect_err(last_rc, &e, DC_ESCHEMA, "schema update 0 (widen of column \"qty\")",
               "int64 does not widen to decimal128(10, 2)", "allow_incompatible", END);
    dc_schema_unref(out);
    dc_type_unref(i64);
    dc_type_unref(dec);
    dc_type_unref(st);
    dc_schema_unref(t);
}

static void test_updates_reject_bad_and_incompatible_changes(void **state)
{
    (void)state;
    int64_t next = 0;
    dc_schema *t = upd_table(&next);
    dc_error e;
    dc_type *i16 = ty("int16"), *i64 = ty("int64"), *str = ty("string");

    assert_null(apply1(
        t, (dc_schema_update){.kind = DC_SU_ADD, .column = "qty", .type = i64, .nullable = true},
        false, &next, &e));
    expect_err(last_rc, &e, DC_EEXISTS, "schema update 0 (add of column \"qty\")", "already exists",
               END);
    assert_null(apply1(t, (dc_schema_update){.kind = DC_SU_ADD, .column = "n", .type = i64}, false,
                       &next, &e));
    expect_err(last_rc, &e, DC_ESCHEMA, "(add of column \"n\")", "incompatible",
               "non-nullable column without a default", "allow_incompatible", END);
    assert_null(apply1(
        t,
        (dc_schema_update){
            .kind = DC_SU_ADD, .column = "n", .type = i64, .nullable = true, .text = "\"x\""},
        false, &next, &e));
    expect_err(last_rc, &e, DC_EINVALID, "(add of column \"n\")", "does not convert to int64", END);
    assert_null(apply1(t, (dc_schema_update){.kind = DC_SU_ADD, .column = "n", .nullable = true},
                       false, &next, &e));
    expect_err(last_rc, &e, DC_EINVALID, "no type given", END);
    assert_null(apply1(t,
                       (dc_schema_update){.kind = DC_SU_RENAME, .column = "nope", .new_name = "x"},
                       false, &next, &e));
    expect_err(last_rc, &e, DC_ENOTFOUND, "(rename of column \"nope\")", "no column", END);
    assert_null(
        apply1(t, (dc_schema_update){.kind = DC_SU_RENAME, .column = "name", .new_name = "qty"},
               false, &next, &e));
    expect_err(last_rc, &e, DC_EEXISTS, "(rename of column \"name\")", "\"qty\" already exists",
               END);
    assert_null(apply1(t, (dc_schema_update){.kind = DC_SU_WIDEN, .column = "qty", .type = i16},
                       false, &next, &e));
    expect_err(last_rc, &e, DC_ESCHEMA, "(widen of column \"qty\")",
               "int32 does not widen to int16", "allow_incompatible", END);
    assert_null(apply1(
        t, (dc_schema_update){.kind = DC_SU_SET_PAST_DEFAULT, .column = "qty", .text = "1.5"},
        false, &next, &e));
    expect_err(last_rc, &e, DC_EINVALID, "(set_past_default of column \"qty\")",
               "does not convert to int32", END);
    assert_null(
        apply1(t, (dc_schema_update){.kind = DC_SU_DROP, .column = "qty"}, false, &next, &e));
    expect_err(last_rc, &e, DC_ESCHEMA, "(drop of column \"qty\")", "incompatible",
               "allow_incompatible", END);
    assert_null(apply1(t, (dc_schema_update){.kind = DC_SU_SET_NULLABLE, .column = "name"}, false,
                       &next, &e));
    expect_err(last_rc, &e, DC_ESCHEMA, "(set_nullable of column \"name\")", "may hold nulls",
               "allow_incompatible", END);
    assert_null(
        apply1(t, (dc_schema_update){.kind = DC_SU_SET_NULLABLE, .column = "id", .nullable = true},
               true, &next, &e));
    expect_err(last_rc, &e, DC_EINVALID, "(set_nullable of column \"id\")",
               "merge key cannot be nullable", END);
    assert_null(apply1(
        t, (dc_schema_update){.kind = DC_SU_SET_MERGE_KEY, .column = "qty", .merge_key = true},
        false, &next, &e));
    expect_err(last_rc, &e, DC_ESCHEMA, "(set_merge_key of column \"qty\")", "incompatible",
               "allow_incompatible", END);
    assert_null(apply1(
        t, (dc_schema_update){.kind = DC_SU_SET_MERGE_KEY, .column = "price", .merge_key = true},
        true, &next, &e));
    expect_err(last_rc, &e, DC_EINVALID, "(set_merge_key of column \"price\")",
               "cannot be a merge key", END);
    assert_null(apply1(
        t, (dc_schema_update){.kind = DC_SU_SET_MERGE_KEY, .column = "qty", .merge_key = true},
        true, &next, &e));
    expect_err(last_rc, &e, DC_EINVALID, "\"qty\" is a merge key", "not null", END);
    assert_null(apply1(t, (dc_schema_update){.kind = (dc_schema_update_kind)42, .column = "qty"},
                       true, &next, &e));
    expect_err(last_rc, &e, DC_EINVALID, "unknown kind 42", END);
    assert_null(
        apply1(t, (dc_schema_update){.kind = DC_SU_RENAME, .column = "qty"}, true, &next, &e));
    expect_err(last_rc, &e, DC_EINVALID, "no new name", END);
    assert_int_equal(next, 5);

    /* a failing update in a list changes nothing, even after successful ones */
    dc_schema_update us[] = {
        {.kind = DC_SU_ADD, .column = "z", .type = str, .nullable = true},
        {.kind = DC_SU_DROP, .column = "name"},
    };
    dc_schema *out = (dc_schema *)1;
    expect_err(dc_tschema_apply_updates(&out, t, us, 2, false, &next, &e), &e, DC_ESCHEMA,
               "schema update 1 (drop of column \"name\")", END);
    assert_null(out);
    assert_int_equal(next, 5);
    dc_type_unref(i16);
    dc_type_unref(i64);
    dc_type_unref(str);
    dc_schema_unref(t);
}

static void test_updates_incompatible_changes_apply_when_allowed(void **state)
{
    (void)state;
    int64_t next = 0;
    dc_schema *t = upd_table(&next);
    dc_error e;
    dc_type *i16 = ty("int16"), *i64 = ty("int64");
    dc_schema_update us[] = {
        {.kind = DC_SU_DROP, .column = "name"},
        {.kind = DC_SU_ADD, .column = "name", .type = i64, .nullable = false},
        {.kind = DC_SU_WIDEN, .column = "qty", .type = i16},
        {.kind = DC_SU_SET_NULLABLE, .column = "qty", .nullable = false},
        {.kind = DC_SU_SET_MERGE_KEY, .column = "id", .merge_key = false},
        {.kind = DC_SU_SET_MERGE_KEY, .column = "qty", .merge_key = true},
    };
    dc_schema *out = NULL;
    if (dc_tschema_apply_updates(&out, t, us, 6, true, &next, &e) != DC_OK)
        fail_msg("%s", e.message);
    assert_int_equal(out->n_fields, 4);
    assert_string_equal(out->fields[0].name, "id");
    assert_false(dc_tfield_is_merge_key(&out->fields[0]));
    assert_null(md(out, 0, DC_TFIELD_MERGE_ORDER));
    assert_string_equal(out->fields[1].name, "qty");
    assert_string_equal(type_of(out, 1), "int16");
    assert_false(out->fields[1].nullable);
    assert_true(dc_tfield_is_merge_key(&out->fields[1]));
    assert_null(md(out, 1, DC_TFIELD_MERGE_ORDER)); /* a key orders nothing */
    assert_string_equal(out->fields[3].name, "name");
    /* the dropped column's id 2 is never reused */
    assert_string_equal(md(out, 3, DC_TFIELD_ID), "5");
    assert_int_equal(next, 6);
    dc_schema_unref(out);
    dc_type_unref(i16);
    dc_type_unref(i64);
    dc_schema_unref(t);
}

/* ---- readers ------------------------------------------------------------------------------ */

static void test_readers_reject_types_they_cannot_hold(void **state)
{
    (void)state;
    dc_error e;
    dc_schema *s = SCH(
        fld("id", "int64", false, NOMD), fld("price", "decimal128(38, 2)", true, NOMD),
        fld("when", "timestamp[us, tz=UTC]", true, NOMD), fld("name", "large_string", true, NOMD));
    const char *all[] = {"pyarrow", "pandas", "polars", "daft", "numpy", "duckdb", "ray_dataset"};
    DC_ASSERT_OK(dc_tschema_check_readers(s, all, 7, NULL));
    DC_ASSERT_OK(dc_tschema_check_readers(s, NULL, 0, NULL));
    dc_schema_unref(s);

    dc_schema *big =
        SCH(fld("id", "int64", false, NOMD), fld("amount", "decimal256(50, 2)", true, NOMD));
    const char *pa[] = {"pyarrow", "ray_dataset"};
    DC_ASSERT_OK(dc_tschema_check_readers(big, pa, 2, NULL));
    const char *readers[] = {"pyarrow", "polars"};
    expect_err(dc_tschema_check_readers(big, readers, 2, &e), &e, DC_ESCHEMA,
               "column \"amount\" has type decimal256(50, 2)", "reader \"polars\"", END);
    assert_string_equal(e.column, "amount");
    const char *pd[] = {"pandas"};
    expect_err(dc_tschema_check_readers(big, pd, 1, &e), &e, DC_ESCHEMA, "\"amount\"", "\"pandas\"",
               END);
    const char *dk[] = {"duckdb"};
    expect_err(dc_tschema_check_readers(big, dk, 1, &e), &e, DC_ESCHEMA, "\"duckdb\"", END);
    const char *df[] = {"daft"};
    expect_err(dc_tschema_check_readers(big, df, 1, &e), &e, DC_ESCHEMA, "\"daft\"", END);
    dc_schema_unref(big);

    dc_schema *nested = SCH(fld("tags", "list<item: string>", true, NOMD));
    const char *np[] = {"pandas", "numpy"};
    expect_err(dc_tschema_check_readers(nested, np, 2, &e), &e, DC_ESCHEMA,
               "column \"tags\" has type list<item: string>", "reader \"numpy\"", "nested", END);
    dc_schema_unref(nested);

    dc_schema *inner =
        SCH(fld("m", "struct<d: decimal256(40, 0)>", true, NOMD), fld("h", "float16", true, NOMD));
    const char *pdf[] = {"pandas"};
    expect_err(dc_tschema_check_readers(inner, pdf, 1, &e), &e, DC_ESCHEMA, "\"m\"",
               "it holds decimal256(40, 0)", END);
    const char *pl[] = {"polars"};
    expect_err(dc_tschema_check_readers(inner, pl, 1, &e), &e, DC_ESCHEMA, "\"m\"", END);
    dc_schema_unref(inner);

    dc_schema *h = SCH(fld("h", "float16", true, NOMD));
    expect_err(dc_tschema_check_readers(h, pl, 1, &e), &e, DC_ESCHEMA, "\"h\" has type halffloat",
               "16-bit", END);
    const char *bad[] = {"pyarrow", "spark"};
    expect_err(dc_tschema_check_readers(h, bad, 2, &e), &e, DC_EINVALID, "unknown reader 'spark'",
               END);
    dc_schema_unref(h);
}

/* ---- allocation failures --------------------------------------------------------------------- */

/* Run `body` failing the k-th allocation for k = 0, 1, ... until it succeeds; every
 * failure must be DC_ENOMEM (ASan checks that nothing leaks). */
#define ALLOC_WALK(body)                                                                           \
    do {                                                                                           \
        bool ok_ = false;                                                                          \
        for (int64_t k_ = 0; k_ < 20000 && !ok_; k_++) {                                           \
            dc_alloc_fail_after(k_);                                                               \
            dc_status rc_ = (body);                                                                \
            dc_alloc_fail_after(-1);                                                               \
            if (rc_ == DC_OK)                                                                      \
                ok_ = true;                                                                        \
            else if (rc_ != DC_ENOMEM)                                                             \
                fail_msg("allocation %lld failed with %s", (long long)k_, dc_status_name(rc_));    \
        }                                                                                          \
        assert_true(ok_);                                                                          \
    } while (0)

static dc_status walk_prepare(const dc_schema *in)
{
    dc_schema *out = NULL;
    int64_t next = 0;
    dc_status rc = dc_tschema_prepare(&out, in, &next, NULL);
    assert_true(rc == DC_OK ? out != NULL : out == NULL);
    dc_schema_unref(out);
    return rc;
}

static dc_status walk_evolve(const dc_schema *t, const dc_schema *in)
{
    dc_schema *out = NULL;
    bool changed;
    int64_t next = 0;
    dc_status rc = dc_tschema_evolve_for_write(&out, &changed, t, in, DC_EVOLVE_AUTO,
                                               DC_CONSIST_NONE, &next, NULL);
    dc_schema_unref(out);
    return rc;
}

static dc_status walk_write(const dc_batch *b, const dc_schema *t)
{
    dc_batch *out = NULL;
    dc_status rc = dc_tschema_conform_write(&out, b, t, DC_CONSIST_COERCE, NULL);
    dc_batch_unref(out);
    return rc;
}

static dc_status walk_read(const dc_batch *b, const dc_schema *t)
{
    dc_batch *out = NULL;
    dc_status rc = dc_tschema_conform_read(&out, b, t, NULL);
    dc_batch_unref(out);
    return rc;
}

static dc_status walk_updates(const dc_schema *t, const dc_schema_update *u, int32_t n)
{
    dc_schema *out = NULL;
    int64_t next = 0;
    dc_status rc = dc_tschema_apply_updates(&out, t, u, n, true, &next, NULL);
    dc_schema_unref(out);
    return rc;
}

static void test_allocation_failures_leave_nothing_behind(void **state)
{
    (void)state;
    dc_schema *in = SCH(
        fld("id", "int64", false, DC_TFIELD_MERGE_KEY, "true", END),
        fld("s", "struct<x: int32, y: string>", true, NOMD),
        fld("q", "int32", true, DC_TFIELD_PAST_DEFAULT, "5", DC_TFIELD_FUTURE_DEFAULT, "7", END),
        fld("l", "list<item: int64>", true, DC_TFIELD_FUTURE_DEFAULT, "[1, null]", END),
        fld("d", "date32", true, DC_TFIELD_PAST_DEFAULT, "\"2024-02-29\"", END));
    ALLOC_WALK(walk_prepare(in));
    dc_schema_unref(in);

    int64_t next = 0;
    dc_schema *t = base_table(&next);
    dc_schema *w = SCH(fld("id", "int64", false, NOMD), fld("new", "struct<a: int64>", true, NOMD));
    ALLOC_WALK(walk_evolve(t, w));
    dc_schema_unref(w);

    dc_schema *wt = write_table();
    dc_batch *b =
        mk_batch(SCH(fld("id", "int32", false, NOMD)), 1, i32s(2, (const int32_t[]){1, 2}, NULL));
    ALLOC_WALK(walk_write(b, wt));
    dc_schema *rt =
        SCH(fld("id", "int64", false, DC_TFIELD_ID, "1", END),
            fld("q", "int32", true, DC_TFIELD_ID, "7", DC_TFIELD_PAST_DEFAULT, "3", END));
    ALLOC_WALK(walk_read(b, rt));

    dc_type *i64 = ty("int64"), *st = ty("struct<p: int64>");
    dc_schema_update us[] = {
        {.kind = DC_SU_ADD, .column = "tags", .type = st, .nullable = true, .text = "null"},
        {.kind = DC_SU_RENAME, .column = "name", .new_name = "full_name"},
        {.kind = DC_SU_WIDEN, .column = "qty", .type = i64},
        {.kind = DC_SU_SET_DOC, .column = "qty", .text = "how many"},
        {.kind = DC_SU_SET_PAST_DEFAULT, .column = "qty", .text = "0"},
        {.kind = DC_SU_SET_MERGE_KEY, .column = "id", .merge_key = false},
        {.kind = DC_SU_DROP, .column = "full_name"},
    };
    ALLOC_WALK(walk_updates(t, us, 7));
    dc_type_unref(i64);
    dc_type_unref(st);
    dc_schema_unref(rt);
    dc_batch_unref(b);
    dc_schema_unref(wt);
    dc_schema_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accessors_read_attributes_and_report_absence),
        cmocka_unit_test(test_default_value_converts_json_literals_to_the_field_type),
        cmocka_unit_test(test_prepare_assigns_ids_in_order_including_struct_children),
        cmocka_unit_test(test_prepare_keeps_unique_given_ids_and_reassigns_repeats),
        cmocka_unit_test(test_prepare_accepts_valid_merge_keys_event_time_and_defaults),
        cmocka_unit_test(test_prepare_rejects_bad_schemas_naming_the_column),
        cmocka_unit_test(test_evolve_without_table_prepares_the_write_schema),
        cmocka_unit_test(test_evolve_auto_adds_new_columns_nullable_with_new_ids),
        cmocka_unit_test(test_evolve_manual_and_disabled_reject_new_columns),
        cmocka_unit_test(test_evolve_none_accepts_narrower_types_and_widens_under_auto),
        cmocka_unit_test(test_evolve_widening_a_struct_keeps_child_ids),
        cmocka_unit_test(test_evolve_coerce_and_validate_rules),
        cmocka_unit_test(test_evolve_requires_non_nullable_columns_without_future_default),
        cmocka_unit_test(test_conform_write_reorders_fills_defaults_and_nulls),
        cmocka_unit_test(test_conform_write_casts_by_consistency),
        cmocka_unit_test(test_conform_write_rejects_nulls_missing_and_extra_columns),
        cmocka_unit_test(test_conform_read_maps_by_field_id_and_fills_missing_columns),
        cmocka_unit_test(test_conform_read_falls_back_to_parquet_ids_then_names),
        cmocka_unit_test(test_conform_read_rejects_required_columns_it_cannot_fill),
        cmocka_unit_test(test_updates_add_rename_widen_and_docs),
        cmocka_unit_test(test_updates_reject_bad_and_incompatible_changes),
        cmocka_unit_test(test_updates_incompatible_changes_apply_when_allowed),
        cmocka_unit_test(test_readers_reject_types_they_cannot_hold),
        cmocka_unit_test(test_allocation_failures_leave_nothing_behind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
