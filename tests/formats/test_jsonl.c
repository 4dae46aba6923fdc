/* test_jsonl.c: the JSON Lines reader and writer (jsonl_reader.c, jsonl_writer.c). */
#include "testutil.h"

#include "formats/jsonl/jsonl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static dc_status open_ex(dc_reader **r, const char *text, int64_t n, const dc_read_options *o,
                         const dc_jsonl_limits *lim, dc_error *err)
{
    dc_input *in = NULL;
    dc_status rc = dc_input_open_memory(&in, text, n, true, "t.jsonl", err);
    if (rc != DC_OK)
        return rc;
    return dc_jsonl__reader_open_ex(r, in, o, lim, err);
}

static dc_status open_text(dc_reader **r, const char *text, const dc_read_options *o, dc_error *err)
{
    return open_ex(r, text, (int64_t)strlen(text), o, NULL, err);
}

/* Every row of every batch as "v|v|null\n" (TEXT rendering); NULL on a reader error. */
static char *dump_reader(dc_reader *r, int64_t *batches, dc_status *rc, dc_error *err)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    int64_t nb = 0;
    for (;;) {
        dc_batch *b = NULL;
        *rc = dc_reader_next(r, &b, err);
        if (*rc != DC_OK) {
            dc_strbuf_free(&s);
            return NULL;
        }
        if (!b)
            break;
        nb++;
        assert_true(b->length > 0);
        for (int32_t j = 0; j < b->schema->n_fields; j++)
            DC_ASSERT_OK(dc_array_validate(b->columns[j], NULL));
        for (int64_t i = 0; i < b->length; i++) {
            for (int32_t j = 0; j < b->schema->n_fields; j++) {
                if (j)
                    dc_strbuf_putc(&s, '|');
                dc_strbuf_puts(&s, tu_str(b->columns[j], i));
            }
            dc_strbuf_putc(&s, '\n');
        }
        dc_batch_unref(b);
    }
    if (batches)
        *batches = nb;
    return dc_strbuf_detach(&s);
}

static char *read_with(const char *text, int64_t n, const dc_read_options *o,
                       const dc_jsonl_limits *lim, int64_t *batches)
{
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    dc_status rc = open_ex(&r, text, n, o, lim, &err);
    if (rc != DC_OK)
        fail_msg("open failed: %s", err.message);
    char *got = dump_reader(r, batches, &rc, &err);
    if (!got)
        fail_msg("read failed: %s", err.message);
    dc_reader_free(r);
    return got;
}

static void assert_reads(const char *text, const dc_read_options *o, const char *expected)
{
    char *got = read_with(text, (int64_t)strlen(text), o, NULL, NULL);
    assert_string_equal(got, expected);
    dc_free(got);
}

#define schema_text tu_schema_text

static void assert_schema(const char *text, const dc_read_options *o, const char *expected)
{
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    dc_status rc = open_text(&r, text, o, &err);
    if (rc != DC_OK)
        fail_msg("open failed: %s", err.message);
    char *got = schema_text(dc_reader_schema(r));
    assert_string_equal(got, expected);
    for (int32_t i = 0; i < dc_reader_schema(r)->n_fields; i++)
        assert_true(dc_reader_schema(r)->fields[i].nullable);
    dc_free(got);
    dc_reader_free(r);
}

/* Open and read `text` expecting failure `code` at `line` with `needle` in the message. */
static void assert_fails_n(const char *text, int64_t n, const dc_read_options *o, dc_status code,
                           int64_t line, const char *needle)
{
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    dc_status rc = open_ex(&r, text, n, o, NULL, &err);
    if (rc == DC_OK) {
        char *got = dump_reader(r, NULL, &rc, &err);
        dc_free(got);
        assert_null(got);
        dc_reader_free(r);
    } else {
        assert_null(r);
    }
    if (rc != code)
        fail_msg("expected %s, got %s: %s", dc_status_name(code), dc_status_name(rc), err.message);
    assert_int_equal(err.code, code);
    assert_int_equal(err.line, line);
    assert_string_equal(err.path, "t.jsonl");
    char prefix[64];
    snprintf(prefix, sizeof prefix, "t.jsonl:%lld: ", (long long)line);
    if (strncmp(err.message, prefix, strlen(prefix)) != 0)
        fail_msg("message does not start with '%s': %s", prefix, err.message);
    if (needle && !strstr(err.message, needle))
        fail_msg("message lacks '%s': %s", needle, err.message);
}

static void assert_fails(const char *text, const dc_read_options *o, dc_status code, int64_t line,
                         const char *needle)
{
    assert_fails_n(text, (int64_t)strlen(text), o, code, line, needle);
}

static dc_schema *make_schema(const char *const *names, const char *const *types, int32_t n,
                              bool nullable)
{
    dc_field f[16];
    for (int32_t i = 0; i < n; i++) {
        dc_type *t = NULL;
        dc_error e;
        if (dc_type_parse(&t, types[i], &e) != DC_OK)
            fail_msg("type %s: %s", types[i], e.message);
        DC_ASSERT_OK(dc_field_init(&f[i], names[i], t, nullable, NULL));
        dc_type_unref(t);
    }
    dc_schema *s = dc_schema_new(f, n, NULL);
    for (int32_t i = 0; i < n; i++)
        dc_field_clear(&f[i]);
    assert_non_null(s);
    return s;
}

/* One column `name` of `type`: read `text` under that schema, expect `expected`. */
static void assert_reads_as(const char *type, const char *text, const char *expected)
{
    const char *names[] = {"v"};
    const char *types[] = {type};
    dc_schema *s = make_schema(names, types, 1, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.schema = s;
    assert_reads(text, &o, expected);
    dc_schema_unref(s);
}

static void assert_fails_as(const char *type, const char *text, dc_status code, int64_t line,
                            const char *needle)
{
    const char *names[] = {"v"};
    const char *types[] = {type};
    dc_schema *s = make_schema(names, types, 1, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.schema = s;
    assert_fails(text, &o, code, line, needle);
    dc_schema_unref(s);
}

/* Read `text` and write it back as JSON Lines; returns the text (dc_free). */
static char *rewrite(const char *text, const dc_read_options *o)
{
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    if (open_text(&r, text, o, &err) != DC_OK)
        fail_msg("open failed: %s", err.message);
    dc_output *out = NULL;
    dc_batch_writer *w = NULL;
    DC_ASSERT_OK(dc_output_open_memory(&out, NULL));
    DC_ASSERT_OK(dc_jsonl_writer_open(&w, out, dc_reader_schema(r), NULL));
    for (;;) {
        dc_batch *b = NULL;
        if (dc_reader_next(r, &b, &err) != DC_OK)
            fail_msg("read failed: %s", err.message);
        if (!b)
            break;
        DC_ASSERT_OK(dc_batch_writer_write(w, b, NULL));
        dc_batch_unref(b);
    }
    DC_ASSERT_OK(dc_batch_writer_finish(w, NULL));
    DC_ASSERT_OK(dc_output_finish(out, NULL));
    int64_t len = 0;
    const uint8_t *data = dc_output_memory_data(out, &len);
    char *res = dc_strndup(len ? (const char *)data : "", (size_t)len);
    dc_batch_writer_free(w);
    dc_output_close(out);
    dc_reader_free(r);
    return res;
}

/* ---- inference ---- */

static void test_infers_each_scalar_type(void **state)
{
    (void)state;
    assert_schema("{\"b\":true,\"i\":1,\"d\":1.5,\"s\":\"x\",\"n\":null}\n", NULL,
                  "b: bool, i: int64, d: double, s: string, n: string");
    assert_reads("{\"b\":true,\"i\":-7,\"d\":1.5,\"s\":\"x\",\"n\":null}\n"
                 "{\"b\":false,\"i\":9223372036854775807,\"d\":-0.25e2,\"s\":\"\",\"n\":null}\n",
                 NULL, "true|-7|1.5|x|null\nfalse|9223372036854775807|-25.0||null\n");
}

static void test_ints_and_doubles_unify_to_double(void **state)
{
    (void)state;
    assert_schema("{\"a\":1}\n{\"a\":2.5}\n", NULL, "a: double");
    assert_reads("{\"a\":1}\n{\"a\":2.5}\n", NULL, "1.0\n2.5\n");
    /* An integer beyond int64 makes the column double. */
    assert_schema("{\"a\":1}\n{\"a\":18446744073709551615}\n", NULL, "a: double");
    assert_schema("{\"a\":-9223372036854775808}\n", NULL, "a: int64");
    assert_reads("{\"a\":-9223372036854775808}\n", NULL, "-9223372036854775808\n");
    assert_schema("{\"a\":-9223372036854775809}\n", NULL, "a: double");
    assert_schema("{\"a\":1e2}\n", NULL, "a: double");
}

static void test_fields_are_in_order_of_first_appearance_and_missing_keys_are_null(void **state)
{
    (void)state;
    const char *t = "{\"b\":1}\n{\"c\":\"x\",\"a\":true}\n{\"a\":false,\"b\":2}\n";
    assert_schema(t, NULL, "b: int64, c: string, a: bool");
    assert_reads(t, NULL, "1|null|null\nnull|x|true\n2|null|false\n");
}

static void test_conflicting_types_become_json_text(void **state)
{
    (void)state;
    const char *t = "{\"x\":1}\n{\"x\":\"a\"}\n{\"x\":{\"k\": [1, 2]}}\n{\"x\":true}\n"
                    "{\"x\":null}\n{\"x\":[\"\\u00e9\"]}\n";
    assert_schema(t, NULL, "x: string");
    assert_reads(t, NULL, "1\na\n{\"k\": [1, 2]}\ntrue\nnull\n[\"\\u00e9\"]\n");
    /* bool and number do not mix either */
    assert_schema("{\"x\":1}\n{\"x\":false}\n", NULL, "x: string");
}

static void test_null_only_and_empty_objects_are_strings(void **state)
{
    (void)state;
    assert_schema("{\"n\":null,\"o\":{}}\n{\"n\":null,\"o\":{}}\n", NULL, "n: string, o: string");
    assert_reads("{\"n\":null,\"o\":{}}\n", NULL, "null|{}\n");
    assert_schema("{\"l\":[]}\n{\"l\":[null]}\n", NULL, "l: list<item: string>");
}

static void test_dates_and_timestamps_are_recognized(void **state)
{
    (void)state;
    assert_schema("{\"d\":\"2024-01-02\"}\n{\"d\":\"1969-12-31\"}\n", NULL, "d: date32");
    assert_reads("{\"d\":\"2024-01-02\"}\n{\"d\":null}\n", NULL, "2024-01-02\nnull\n");
    assert_schema(
        "{\"t\":\"2024-01-02T03:04:05Z\"}\n{\"t\":\"2024-01-02 03:04:05.123456+01:00\"}\n", NULL,
        "t: timestamp[us, tz=UTC]");
    assert_reads("{\"t\":\"2024-01-02T03:04:05Z\"}\n{\"t\":\"2024-01-02T03:04:05.5+01:00\"}\n",
                 NULL, "2024-01-02 03:04:05Z\n2024-01-02 02:04:05.500000Z\n");
    assert_schema("{\"t\":\"2024-01-02T03:04:05\"}\n{\"t\":\"2024-01-02\"}\n", NULL,
                  "t: timestamp[us]");
    /* zoned and naive mixed: ambiguous, kept as text */
    assert_schema("{\"t\":\"2024-01-02T03:04:05\"}\n{\"t\":\"2024-01-02T03:04:05Z\"}\n", NULL,
                  "t: string");
    /* one value that is not temporal: text */
    assert_schema("{\"d\":\"2024-01-02\"}\n{\"d\":\"soon\"}\n", NULL, "d: string");
    assert_schema("{\"d\":\"2024-02-30\"}\n", NULL, "d: string");
    /* nanoseconds do not fit microseconds: text, never truncated */
    assert_schema("{\"t\":\"2024-01-02T03:04:05.123456789\"}\n", NULL, "t: string");
}

static void test_nested_objects_become_structs_unified_recursively(void **state)
{
    (void)state;
    const char *t = "{\"a\":{\"x\":1}}\n{\"a\":{\"y\":\"s\",\"x\":2.5}}\n{\"a\":null}\n"
                    "{\"a\":{\"z\":{\"q\":true}}}\n";
    assert_schema(t, NULL, "a: struct<x: double, y: string, z: struct<q: bool>>");
    assert_reads(t, NULL,
                 "{\"x\":1.0,\"y\":null,\"z\":null}\n{\"x\":2.5,\"y\":\"s\",\"z\":null}\nnull\n"
                 "{\"x\":null,\"y\":null,\"z\":{\"q\":true}}\n");
}

static void test_arrays_become_lists_of_the_unified_element_type(void **state)
{
    (void)state;
    const char *t = "{\"l\":[1,2]}\n{\"l\":[]}\n{\"l\":null}\n{\"l\":[1.5,null]}\n";
    assert_schema(t, NULL, "l: list<item: double>");
    assert_reads(t, NULL, "[1.0,2.0]\n[]\nnull\n[1.5,null]\n");
    const char *u = "{\"l\":[{\"a\":[1]},{\"b\":\"x\"}]}\n{\"l\":[[1]]}\n";
    assert_schema(u, NULL, "l: list<item: string>");
    assert_reads(u, NULL, "[\"{\\\"a\\\":[1]}\",\"{\\\"b\\\":\\\"x\\\"}\"]\n[\"[1]\"]\n");
    assert_schema("{\"l\":[{\"a\":1},{\"b\":[true]}]}\n", NULL,
                  "l: list<item: struct<a: int64, b: list<item: bool>>>");
}

static void test_key_unseen_during_inference_is_an_error_naming_it(void **state)
{
    (void)state;
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.infer_rows = 2;
    assert_fails("{\"a\":1}\n\n{\"a\":2}\n{\"a\":3,\"zz\":4}\n", &o, DC_ESCHEMA, 4,
                 "key \"zz\" (in the top level) did not appear in the first 2 lines");
    o.infer_rows = 1;
    assert_fails("{\"a\":{\"b\":1}}\n{\"a\":{\"c\":1}}\n", &o, DC_ESCHEMA, 2, "key \"c\" (in a)");
}

static void test_value_not_fitting_the_inferred_type_is_an_error_naming_it(void **state)
{
    (void)state;
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.infer_rows = 2;
    assert_fails("{\"a\":1}\n{\"a\":2}\n{\"a\":1.5}\n", &o, DC_ESCHEMA, 3,
                 "key \"a\": value 1.5 does not fit type int64 inferred from the first 2 lines");
    assert_fails("{\"a\":1}\n{\"a\":2}\n{\"a\":\"7\"}\n", &o, DC_ESCHEMA, 3, "raise infer_rows");
    assert_fails("{\"a\":true}\n{\"a\":false}\n{\"a\":1}\n", &o, DC_ESCHEMA, 3, "bool");
    assert_fails("{\"a\":{\"b\":1}}\n{\"a\":{}}\n{\"a\":[1]}\n", &o, DC_ESCHEMA, 3, "[1]");
    assert_fails("{\"a\":\"2024-01-02\"}\n{\"a\":null}\n{\"a\":\"2024-13-01\"}\n", &o, DC_ESCHEMA,
                 3, "2024-13-01");
    assert_fails("{\"a\":\"2024-01-02T00:00:00Z\"}\n{}\n{\"a\":\"2024-01-02T00:00:00\"}\n", &o,
                 DC_ESCHEMA, 3, "time zone");
    assert_fails("{\"a\":1}\n{}\n{\"a\":99999999999999999999}\n", &o, DC_ESCHEMA, 3,
                 "out of range");
    /* an integral double is an integer; a utf8 column takes anything */
    assert_reads("{\"a\":1,\"s\":\"x\"}\n{\"a\":3,\"s\":\"y\"}\n{\"a\":2.0,\"s\":[1]}\n", &o,
                 "1|x\n3|y\n2|[1]\n");
}

/* ---- strings ---- */

static void test_string_escapes_and_surrogate_pairs_decode(void **state)
{
    (void)state;
    dc_reader *r = NULL;
    const char *t =
        "{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\\u0000z\"}\n"
        "{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 plain\"}\n";
    DC_ASSERT_OK(open_text(&r, t, NULL, NULL));
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_non_null(b);
    int64_t n;
    const uint8_t *p = dc_array_get_bytes(b->columns[0], 0, &n);
    const char want[] = "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z";
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(p, want, sizeof want - 1);
    p = dc_array_get_bytes(b->columns[0], 1, &n);
    assert_int_equal(n, 15);
    assert_memory_equal(p, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 plain", 15);
    dc_batch_unref(b);
    dc_reader_free(r);
    /* keys are decoded too */
    assert_schema("{\"\\u0061b\":1}\n", NULL, "ab: int64");
}

static void test_bad_strings_are_errors_with_the_line(void **state)
{
    (void)state;
    assert_fails("{}\n{\"s\":\"\\ud83d\"}\n", NULL, DC_EINVALID, 2, "high surrogate");
    assert_fails("{}\n{\"s\":\"\\ud83dx\"}\n", NULL, DC_EINVALID, 2, "high surrogate");
    assert_fails("{}\n{\"s\":\"\\ude00\"}\n", NULL, DC_EINVALID, 2, "lone low surrogate");
    assert_fails("{\"s\":\"\\u12g4\"}\n", NULL, DC_EINVALID, 1, "4 hexadecimal digits");
    assert_fails("{\"s\":\"\\x\"}\n", NULL, DC_EINVALID, 1, "invalid escape");
    assert_fails("{\"s\":\"a\tb\"}\n", NULL, DC_EINVALID, 1, "control character");
    assert_fails("{\"s\":\"\xc3\"}\n", NULL, DC_EINVALID, 1, "invalid UTF-8");
    assert_fails("{\"s\":\"\xc0\xaf\"}\n", NULL, DC_EINVALID, 1, "invalid UTF-8"); /* overlong */
    assert_fails("{\"s\":\"\xed\xa0\x80\"}\n", NULL, DC_EINVALID, 1,
                 "invalid UTF-8"); /* surrogate */
    assert_fails("{\"s\":\"\xf4\x90\x80\x80\"}\n", NULL, DC_EINVALID, 1, "invalid UTF-8");
    assert_fails("{\"s\":\"abc\n", NULL, DC_EINVALID, 1, "unterminated string");
    /* the same errors after inference, in the replay and the stream */
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.infer_rows = 1;
    assert_fails("{\"s\":\"a\"}\n{\"s\":\"\\ud800\\u0041\"}\n", &o, DC_EINVALID, 2,
                 "high surrogate");
}

/* ---- syntax errors ---- */

static void test_syntax_errors_name_the_line(void **state)
{
    (void)state;
    assert_fails("{\"a\":1}\n[1,2]\n", NULL, DC_EINVALID, 2, "not a JSON object");
    assert_fails("{\"a\":1}\n\n42\n", NULL, DC_EINVALID, 3, "not a JSON object");
    assert_fails("{\"a\":1}\n{\"a\":", NULL, DC_EINVALID, 2, "truncated");
    assert_fails("{\"a\":1}\n{\"a\":1", NULL, DC_EINVALID, 2, "truncated");
    assert_fails("{\"a\":1} x\n", NULL, DC_EINVALID, 1, "after the object");
    assert_fails("{\"a\":1}{\"a\":2}\n", NULL, DC_EINVALID, 1, "after the object");
    assert_fails("{\"a\":01}\n", NULL, DC_EINVALID, 1, "leading zeros");
    assert_fails("{\"a\":1.}\n", NULL, DC_EINVALID, 1, "decimal point");
    assert_fails("{\"a\":1e}\n", NULL, DC_EINVALID, 1, "exponent");
    assert_fails("{\"a\":-}\n", NULL, DC_EINVALID, 1, "expected a digit");
    assert_fails("{\"a\":+1}\n", NULL, DC_EINVALID, 1, "unexpected '+'");
    assert_fails("{\"a\":NaN}\n", NULL, DC_EINVALID, 1, "unexpected 'N'");
    assert_fails("{\"a\":tru}\n", NULL, DC_EINVALID, 1, "invalid JSON");
    assert_fails("{\"a\":[1,]}\n", NULL, DC_EINVALID, 1, "unexpected ']'");
    assert_fails("{\"a\":1,}\n", NULL, DC_EINVALID, 1, "a key in double quotes");
    assert_fails("{a:1}\n", NULL, DC_EINVALID, 1, "a key in double quotes");
    assert_fails("{\"a\" 1}\n", NULL, DC_EINVALID, 1, "':' after a key");
    assert_fails("{\"a\":1 \"b\":2}\n", NULL, DC_EINVALID, 1, "',' or '}'");
    assert_fails("{\"a\":1}\n{\"a\":2,\"a\":3}\n", NULL, DC_EINVALID, 2, "duplicate key \"a\"");
    /* the byte position is reported */
    assert_fails("{\"a\":  x}\n", NULL, DC_EINVALID, 1, "(byte 8 of the line)");
}

static void test_nesting_deeper_than_the_limit_is_an_error(void **state)
{
    (void)state;
    char deep[512], ok[512];
    int n = 0, m = 0;
    n += snprintf(deep + n, sizeof deep - (size_t)n, "{\"a\":");
    m += snprintf(ok + m, sizeof ok - (size_t)m, "{\"a\":");
    for (int i = 0; i < DC_JSONL_MAX_DEPTH; i++)
        deep[n++] = '[';
    for (int i = 0; i < DC_JSONL_MAX_DEPTH - 1; i++)
        ok[m++] = '[';
    for (int i = 0; i < DC_JSONL_MAX_DEPTH; i++)
        deep[n++] = ']';
    for (int i = 0; i < DC_JSONL_MAX_DEPTH - 1; i++)
        ok[m++] = ']';
    deep[n++] = '}';
    ok[m++] = '}';
    deep[n++] = '\n';
    ok[m++] = '\n';
    deep[n] = ok[m] = '\0';
    assert_fails(deep, NULL, DC_EINVALID, 1, "nesting deeper than 64");
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    if (open_text(&r, ok, NULL, &err) != DC_OK)
        fail_msg("depth 64 should read: %s", err.message);
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_int_equal(b->length, 1);
    dc_batch_unref(b);
    dc_reader_free(r);
}

static void test_line_longer_than_the_limit_is_an_error(void **state)
{
    (void)state;
    const char *t = "{\"a\":\"short\"}\n{\"a\":\"this line is long\"}\n";
    dc_jsonl_limits lim = {4, 16};
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    dc_status rc = open_ex(&r, t, (int64_t)strlen(t), NULL, &lim, &err);
    assert_int_equal(rc, DC_EINVALID);
    assert_null(r);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, "longer than 16 bytes"));
    /* the last line without newline too */
    rc = open_ex(&r, t, (int64_t)strlen(t) - 1, NULL, &lim, &err);
    assert_int_equal(rc, DC_EINVALID);
    assert_int_equal(err.line, 2);
    lim.max_line_bytes = 26;
    char *got = read_with(t, (int64_t)strlen(t), NULL, &lim, NULL);
    assert_string_equal(got, "short\nthis line is long\n");
    dc_free(got);
}

/* ---- lines ---- */

static void test_empty_input_has_no_columns_and_no_batches(void **state)
{
    (void)state;
    const char *inputs[] = {"", "\n", "\n \t\r\n\n", "\xEF\xBB\xBF", "\xEF\xBB\xBF\r\n"};
    for (size_t i = 0; i < DC_ARRAY_LEN(inputs); i++) {
        dc_reader *r = NULL;
        DC_ASSERT_OK(open_text(&r, inputs[i], NULL, NULL));
        assert_int_equal(dc_reader_schema(r)->n_fields, 0);
        dc_batch *b = NULL;
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        assert_null(b);
        dc_reader_free(r);
    }
}

static void test_objects_without_keys_give_rows_without_columns(void **state)
{
    (void)state;
    int64_t nb = 0;
    char *got = read_with("{}\n{ }\n", 7, NULL, NULL, &nb);
    assert_string_equal(got, "\n\n");
    assert_int_equal(nb, 1);
    dc_free(got);
}

static void test_blank_lines_crlf_and_bom_are_accepted(void **state)
{
    (void)state;
    assert_reads("\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"a\":2}\r\n{\"a\":3}", NULL, "1\n2\n3\n");
    /* blank lines count for line numbers */
    assert_fails("\xEF\xBB\xBF{\"a\":1}\r\n\r\n\n{\"a\":x}\r\n", NULL, DC_EINVALID, 4, NULL);
    /* a BOM elsewhere is not whitespace */
    assert_fails("{\"a\":1}\n\xEF\xBB\xBF{\"a\":1}\n", NULL, DC_EINVALID, 2, "0xef");
}

static void test_lines_spanning_reads_give_the_same_rows_for_every_chunk_size(void **state)
{
    (void)state;
    const char *t = "\xEF\xBB\xBF{\"a\":1,\"s\":\"\\u00e9t\xc3\xa9\",\"l\":[1,2,3]}\r\n\n"
                    "{\"a\":22,\"s\":\"xx\",\"l\":[]}\n{\"a\":333,\"s\":null,\"l\":null}";
    int64_t n = (int64_t)strlen(t);
    char *want = read_with(t, n, NULL, NULL, NULL);
    assert_string_equal(want, "1|\xc3\xa9t\xc3\xa9|[1,2,3]\n22|xx|[]\n333|null|null\n");
    for (int64_t chunk = 1; chunk <= 9; chunk++) {
        dc_jsonl_limits lim = {chunk, 1 << 20};
        dc_read_options o;
        dc_read_options_init(&o, DC_FORMAT_JSONL);
        for (int64_t infer = 1; infer <= 4; infer++) {
            o.infer_rows = infer;
            o.batch_rows = infer;
            char *got = read_with(t, n, &o, &lim, NULL);
            assert_string_equal(got, want);
            dc_free(got);
        }
    }
    dc_free(want);
}

static void test_a_line_spanning_the_default_read_size(void **state)
{
    (void)state;
    /* Lines of ~100 KiB, so that several straddle the 1 MiB reads. */
    int64_t lines = 25, width = 100000;
    dc_strbuf s;
    dc_strbuf_init(&s);
    char *filler = dc_malloc((size_t)width + 1);
    memset(filler, 'x', (size_t)width);
    filler[width] = '\0';
    for (int64_t i = 0; i < lines; i++)
        dc_strbuf_printf(&s, "{\"i\":%lld,\"s\":\"%s\"}\n", (long long)i, filler);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.infer_rows = 3;
    o.batch_rows = 4;
    dc_reader *r = NULL;
    DC_ASSERT_OK(open_ex(&r, s.data, s.len, &o, NULL, NULL));
    int64_t seen = 0, batches = 0;
    for (;;) {
        dc_batch *b = NULL;
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        if (!b)
            break;
        batches++;
        for (int64_t i = 0; i < b->length; i++, seen++) {
            assert_int_equal(dc_array_get_int(b->columns[0], i), seen);
            int64_t n;
            const uint8_t *p = dc_array_get_bytes(b->columns[1], i, &n);
            assert_int_equal(n, width);
            assert_memory_equal(p, filler, (size_t)width);
        }
        dc_batch_unref(b);
    }
    assert_int_equal(seen, lines);
    assert_int_equal(batches, 7);
    dc_reader_free(r);
    dc_free(filler);
    dc_strbuf_free(&s);
}

static void test_more_lines_than_one_batch(void **state)
{
    (void)state;
    dc_strbuf s, want;
    dc_strbuf_init(&s);
    dc_strbuf_init(&want);
    for (int i = 0; i < 10; i++) {
        dc_strbuf_printf(&s, "{\"i\":%d}\n%s", i, i % 3 ? "" : "\n");
        dc_strbuf_printf(&want, "%d\n", i);
    }
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.batch_rows = 3;
    o.infer_rows = 5;
    int64_t nb = 0;
    char *got = read_with(s.data, s.len, &o, NULL, &nb);
    assert_string_equal(got, want.data);
    assert_int_equal(nb, 4);
    dc_free(got);
    o.infer_rows = 100;
    got = read_with(s.data, s.len, &o, NULL, &nb);
    assert_string_equal(got, want.data);
    assert_int_equal(nb, 4);
    dc_free(got);
    dc_strbuf_free(&s);
    dc_strbuf_free(&want);
}

/* ---- explicit schema ---- */

static void test_schema_integers_of_every_width_are_range_checked(void **state)
{
    (void)state;
    assert_reads_as("int8", "{\"v\":-128}\n{\"v\":127}\n{\"v\":null}\n{}\n",
                    "-128\n127\nnull\nnull\n");
    assert_fails_as("int8", "{\"v\":1}\n{\"v\":128}\n", DC_ESCHEMA, 2, "out of range");
    assert_fails_as("int8", "{\"v\":-129}\n", DC_ESCHEMA, 1, "int8");
    assert_reads_as("int16", "{\"v\":-32768}\n", "-32768\n");
    assert_fails_as("int16", "{\"v\":32768}\n", DC_ESCHEMA, 1, "out of range");
    assert_reads_as("int32", "{\"v\":2147483647}\n{\"v\":\"-5\"}\n{\"v\":3.0}\n",
                    "2147483647\n-5\n3\n");
    assert_fails_as("int32", "{\"v\":2147483648}\n", DC_ESCHEMA, 1, "out of range");
    assert_fails_as("int32", "{\"v\":1.5}\n", DC_ESCHEMA, 1, "not an integer");
    assert_reads_as("int64", "{\"v\":-9223372036854775808}\n", "-9223372036854775808\n");
    assert_fails_as("int64", "{\"v\":9223372036854775808}\n", DC_ESCHEMA, 1, "out of range");
    assert_reads_as("uint8", "{\"v\":255}\n{\"v\":-0}\n", "255\n0\n");
    assert_fails_as("uint8", "{\"v\":-1}\n", DC_ESCHEMA, 1, "out of range");
    assert_reads_as("uint16", "{\"v\":65535}\n", "65535\n");
    assert_reads_as("uint32", "{\"v\":4294967295}\n", "4294967295\n");
    assert_reads_as("uint64", "{\"v\":18446744073709551615}\n{\"v\":\"7\"}\n",
                    "18446744073709551615\n7\n");
    assert_fails_as("uint64", "{\"v\":18446744073709551616}\n", DC_ESCHEMA, 1, "out of range");
    assert_fails_as("int64", "{\"v\":\"abc\"}\n", DC_ESCHEMA, 1, "given schema");
    assert_fails_as("int64", "{\"v\":true}\n", DC_ESCHEMA, 1, "value true");
}

static void test_schema_floats_decimals_and_bools(void **state)
{
    (void)state;
    assert_reads_as("double", "{\"v\":1}\n{\"v\":-2.5e-3}\n{\"v\":\"4.25\"}\n{\"v\":1e308}\n",
                    "1.0\n-0.0025\n4.25\n1e+308\n");
    assert_fails_as("double", "{\"v\":1e999}\n", DC_ESCHEMA, 1, "out of range");
    assert_reads_as("float", "{\"v\":0.1}\n", "0.1\n");
    assert_reads_as("decimal128(10, 2)", "{\"v\":12.5}\n{\"v\":\"-0.01\"}\n{\"v\":7}\n",
                    "12.50\n-0.01\n7.00\n");
    assert_fails_as("decimal128(4, 2)", "{\"v\":123.45}\n", DC_ESCHEMA, 1, "precision");
    assert_fails_as("decimal128(10, 2)", "{\"v\":1.234}\n", DC_ESCHEMA, 1, "1.234");
    assert_reads_as("decimal256(40, 0)", "{\"v\":1234567890123456789012345678901234567890}\n",
                    "1234567890123456789012345678901234567890\n");
    assert_reads_as("bool", "{\"v\":true}\n{\"v\":\"false\"}\n{\"v\":null}\n",
                    "true\nfalse\nnull\n");
    assert_fails_as("bool", "{\"v\":1}\n", DC_ESCHEMA, 1, "bool");
}

static void test_schema_strings_into_temporal_types(void **state)
{
    (void)state;
    assert_reads_as("date32", "{\"v\":\"2024-02-29\"}\n{\"v\":19000}\n",
                    "2024-02-29\n2022-01-08\n");
    assert_fails_as("date32", "{\"v\":\"2023-02-29\"}\n", DC_ESCHEMA, 1, "YYYY-MM-DD");
    assert_reads_as("date64", "{\"v\":\"1970-01-02\"}\n", "1970-01-02\n");
    assert_reads_as("timestamp[ms]", "{\"v\":\"2024-01-02 03:04:05.123\"}\n{\"v\":0}\n",
                    "2024-01-02 03:04:05.123\n1970-01-01 00:00:00\n");
    assert_reads_as("timestamp[s, tz=UTC]", "{\"v\":\"2024-01-02T03:04:05+02:00\"}\n",
                    "2024-01-02 01:04:05Z\n");
    assert_fails_as("timestamp[s]", "{\"v\":\"2024-01-02T03:04:05.5\"}\n", DC_ESCHEMA, 1,
                    "ISO-8601");
    assert_reads_as("time64[us]", "{\"v\":\"12:34:56.789\"}\n", "12:34:56.789000\n");
    assert_reads_as("time32[s]", "{\"v\":\"00:00:01\"}\n", "00:00:01\n");
    assert_reads_as("duration[ms]", "{\"v\":1500}\n", "1500ms\n");
    assert_fails_as("timestamp[ms]", "{\"v\":1.5}\n", DC_ESCHEMA, 1, NULL);
}

static void test_schema_strings_binary_and_json_text(void **state)
{
    (void)state;
    assert_reads_as("string", "{\"v\":\"x\"}\n{\"v\":12}\n{\"v\":{\"a\": [true]}}\n",
                    "x\n12\n{\"a\": [true]}\n");
    assert_reads_as("large_string", "{\"v\":\"\\u00e9\"}\n", "\xc3\xa9\n");
    assert_reads_as("binary", "{\"v\":\"AAH/\"}\n{\"v\":\"aGk=\"}\n{\"v\":\"\"}\n",
                    "0001ff\n6869\n\n");
    assert_fails_as("binary", "{\"v\":\"a*==\"}\n", DC_ESCHEMA, 1, "base64");
    assert_reads_as("fixed_size_binary[2]", "{\"v\":\"aGk\"}\n", "6869\n");
    assert_fails_as("fixed_size_binary[2]", "{\"v\":\"aGkh\"}\n", DC_ESCHEMA, 1, "bytes");
}

static void test_schema_nested_types(void **state)
{
    (void)state;
    assert_reads_as("list<item: int16>", "{\"v\":[1,null,3]}\n{\"v\":[]}\n{\"v\":null}\n",
                    "[1,null,3]\n[]\nnull\n");
    assert_fails_as("list<item: int16>", "{\"v\":[1,70000]}\n", DC_ESCHEMA, 1, "v[]");
    assert_fails_as("list<item: int16>", "{\"v\":{}}\n", DC_ESCHEMA, 1, NULL);
    assert_reads_as("large_list<item: string>", "{\"v\":[\"a\",1]}\n", "[\"a\",\"1\"]\n");
    assert_reads_as("fixed_size_list<item: double>[2]", "{\"v\":[1,2.5]}\n", "[1.0,2.5]\n");
    assert_fails_as("fixed_size_list<item: double>[2]", "{\"v\":[1]}\n", DC_ESCHEMA, 1,
                    "number of elements");
    assert_reads_as("struct<a: int32, b: list<item: bool>>",
                    "{\"v\":{\"b\":[true],\"a\":1}}\n{\"v\":{}}\n{\"v\":null}\n",
                    "{\"a\":1,\"b\":[true]}\n{\"a\":null,\"b\":null}\nnull\n");
    assert_fails_as("struct<a: int32>", "{\"v\":{\"a\":1,\"zz\":2}}\n", DC_ESCHEMA, 1,
                    "key \"zz\" (in v) is not in the given schema");
    assert_reads_as("map<string, int64>", "{\"v\":{\"x\":1,\"y\":null}}\n{\"v\":{}}\n",
                    "{\"x\":1,\"y\":null}\n{}\n");
    assert_reads_as("map<int32, string>", "{\"v\":{\"7\":\"seven\"}}\n", "{\"7\":\"seven\"}\n");
    assert_fails_as("map<int32, string>", "{\"v\":{\"x\":\"seven\"}}\n", DC_ESCHEMA, 1, "v.key");
}

static void test_schema_unknown_keys_and_non_nullable_fields(void **state)
{
    (void)state;
    const char *names[] = {"a", "b"};
    const char *types[] = {"int64", "string"};
    dc_schema *s = make_schema(names, types, 2, false);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.schema = s;
    assert_reads("{\"b\":\"x\",\"a\":1}\n", &o, "1|x\n");
    assert_fails("{\"a\":1,\"b\":\"x\"}\n{\"a\":1,\"b\":\"x\",\"c\":1}\n", &o, DC_ESCHEMA, 2,
                 "key \"c\" (in the top level) is not in the given schema");
    assert_fails("{\"a\":1,\"b\":\"x\"}\n{\"a\":2}\n", &o, DC_ESCHEMA, 2, "key \"b\" is missing");
    assert_fails("{\"a\":null,\"b\":\"x\"}\n", &o, DC_ESCHEMA, 1, "cannot be null");
    dc_schema_unref(s);
}

/* ---- writing and round trips ---- */

static void test_round_trip_reproduces_canonical_lines(void **state)
{
    (void)state;
    const char *t =
        "{\"b\":true,\"i\":-3,\"d\":2.5,\"s\":\"q\\\"\\\\\\n\\u0001\xc3\xa9\",\"dt\":\"2024-01-"
        "02\","
        "\"ts\":\"2024-01-02 03:04:05.250000Z\",\"l\":[1,null],\"st\":{\"x\":\"y\"}}\n"
        "{\"b\":null,\"i\":null,\"d\":null,\"s\":null,\"dt\":null,\"ts\":null,\"l\":null,"
        "\"st\":null}\n";
    char *out = rewrite(t, NULL);
    assert_string_equal(out, t);
    /* and the output reads back to the same */
    char *again = rewrite(out, NULL);
    assert_string_equal(again, t);
    dc_free(out);
    dc_free(again);
}

static void test_writer_keeps_keys_of_nulls_and_escapes_key_names(void **state)
{
    (void)state;
    const char *names[] = {"a\"b", "n"};
    const char *types[] = {"int32", "double"};
    dc_schema *s = make_schema(names, types, 2, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.schema = s;
    char *out = rewrite("{\"a\\\"b\":1}\n{\"n\":0.5}\n", &o);
    assert_string_equal(out, "{\"a\\\"b\":1,\"n\":null}\n{\"a\\\"b\":null,\"n\":0.5}\n");
    dc_free(out);
    dc_schema_unref(s);
}

static void test_writer_fast_paths_match_format_value(void **state)
{
    (void)state;
    const char *names[] = {"i8", "i16", "i32", "i64", "u8",  "u16", "u32", "u64",
                           "b",  "s",   "ls",  "tu",  "tnz", "ts",  "d"};
    const char *types[] = {"int8",
                           "int16",
                           "int32",
                           "int64",
                           "uint8",
                           "uint16",
                           "uint32",
                           "uint64",
                           "bool",
                           "string",
                           "large_string",
                           "timestamp[us]",
                           "timestamp[ns, tz=UTC]",
                           "timestamp[s]",
                           "date32"};
    const int32_t nc = 15;
    dc_schema *s = make_schema(names, types, nc, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.schema = s;
    const char *t =
        "{\"i8\":-128,\"i16\":-32768,\"i32\":-2147483648,\"i64\":-9223372036854775808,"
        "\"u8\":255,\"u16\":65535,\"u32\":4294967295,\"u64\":18446744073709551615,"
        "\"b\":false,\"s\":\"\\u001f\\b\\f\\t\\r\\n\\\"\\\\/\\u007f\xf0\x9f\x98\x80\","
        "\"ls\":\"\",\"tu\":-1,\"tnz\":1,\"ts\":253402300800,\"d\":-800000}\n"
        "{\"i8\":0,\"i16\":9,\"i32\":10,\"i64\":99,\"u8\":100,\"u16\":0,\"u32\":1,"
        "\"u64\":0,\"b\":true,\"s\":\"plain string longer than eight\",\"ls\":\"x\","
        "\"tu\":\"2024-02-29 23:59:59.000001\",\"tnz\":\"1900-01-01T00:00:00Z\","
        "\"ts\":\"0001-01-01 00:00:00\",\"d\":\"9999-12-31\"}\n"
        "{\"tu\":\"2024-02-29 00:00:00\",\"d\":\"2024-02-29\",\"s\":\"0123456\\\"89\"}\n"
        "{}\n";
    dc_reader *r = NULL;
    DC_ASSERT_OK(open_text(&r, t, &o, NULL));
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_non_null(b);
    /* expected: every value through dc_format_value */
    dc_strbuf want;
    dc_strbuf_init(&want);
    for (int64_t i = 0; i < b->length; i++) {
        for (int32_t c = 0; c < nc; c++) {
            dc_strbuf_puts(&want, c ? ",\"" : "{\"");
            dc_strbuf_json_escape(&want, names[c], (int64_t)strlen(names[c]));
            dc_strbuf_puts(&want, "\":");
            dc_format_value(&want, b->columns[c], i, DC_STYLE_JSON);
        }
        dc_strbuf_puts(&want, "}\n");
    }
    dc_output *out = NULL;
    dc_batch_writer *w = NULL;
    DC_ASSERT_OK(dc_output_open_memory(&out, NULL));
    DC_ASSERT_OK(dc_jsonl_writer_open(&w, out, s, NULL));
    DC_ASSERT_OK(dc_batch_writer_write(w, b, NULL));
    DC_ASSERT_OK(dc_batch_writer_finish(w, NULL));
    DC_ASSERT_OK(dc_output_finish(out, NULL));
    int64_t len = 0;
    const uint8_t *data = dc_output_memory_data(out, &len);
    assert_int_equal(len, want.len);
    assert_memory_equal(data, want.data, (size_t)len);
    assert_int_equal(w->rows, 4);
    dc_batch_writer_free(w);
    dc_output_close(out);
    dc_strbuf_free(&want);
    dc_batch_unref(b);
    dc_reader_free(r);
    dc_schema_unref(s);
}

static void test_writer_of_a_schema_without_columns_writes_empty_objects(void **state)
{
    (void)state;
    char *out = rewrite("{}\n\n{}\n", NULL);
    assert_string_equal(out, "{}\n{}\n");
    dc_free(out);
    out = rewrite("", NULL);
    assert_string_equal(out, "");
    dc_free(out);
}

static void test_round_trip_of_every_schema_type(void **state)
{
    (void)state;
    const char *names[] = {"dec", "d64", "t32", "bin", "m", "fl", "dur", "ts"};
    const char *types[] = {"decimal128(6, 3)",    "date64",
                           "time32[ms]",          "binary",
                           "map<string, double>", "fixed_size_list<item: int8>[2]",
                           "duration[s]",         "timestamp[ns]"};
    dc_schema *s = make_schema(names, types, 8, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.schema = s;
    const char *t = "{\"dec\":-123.456,\"d64\":\"2000-03-01\",\"t32\":\"23:59:59.999\","
                    "\"bin\":\"3q2+7w==\",\"m\":{\"k\":1.5},\"fl\":[1,-2],\"dur\":-5,"
                    "\"ts\":\"1969-12-31 23:59:59.999999999\"}\n";
    char *out = rewrite(t, &o);
    assert_string_equal(out, t);
    dc_free(out);
    dc_schema_unref(s);
}

static void test_file_reader_and_writer_dispatch_to_jsonl(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char src[512], dst[512];
    snprintf(src, sizeof src, "%s/in.jsonl", dir);
    snprintf(dst, sizeof dst, "%s/out.ndjson", dir);
    FILE *f = fopen(src, "wb");
    assert_non_null(f);
    fputs("{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":null}\n", f);
    fclose(f);
    dc_reader *r = NULL;
    DC_ASSERT_OK(dc_file_reader_open(&r, src, DC_FORMAT_UNKNOWN, NULL, NULL));
    int64_t rows = 0;
    DC_ASSERT_OK(dc_file_write(r, dst, DC_FORMAT_UNKNOWN, NULL, &rows, NULL));
    assert_int_equal(rows, 2);
    dc_reader_free(r);
    f = fopen(dst, "rb");
    assert_non_null(f);
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"a\":1,\"b\":\"x\"}\n{\"a\":2,\"b\":null}\n");
    /* errors through the file reader name the file and line */
    f = fopen(src, "wb");
    fputs("{\"a\":1}\n{\"a\":\n", f);
    fclose(f);
    dc_error err;
    dc_error_clear(&err);
    assert_int_equal(dc_file_reader_open(&r, src, DC_FORMAT_UNKNOWN, NULL, &err), DC_EINVALID);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.message, src));
    tu_rmdir(dir);
    dc_free(dir);
}

static void test_allocation_failures_are_reported_cleanly(void **state)
{
    (void)state;
    const char *t =
        "{\"a\":1,\"s\":\"x\\u00e9\",\"l\":[{\"q\":1.5}]}\n{\"a\":2,\"s\":\"y\",\"l\":[]}\n";
    bool succeeded = false;
    for (int64_t k = 0; k < 400 && !succeeded; k++) {
        dc_reader *r = NULL;
        dc_alloc_fail_after(k);
        dc_status rc = open_text(&r, t, NULL, NULL);
        if (rc == DC_OK) {
            dc_batch *b = NULL;
            rc = dc_reader_next(r, &b, NULL);
            if (rc == DC_OK && b) {
                succeeded = b->length == 2;
                dc_batch_unref(b);
            }
            dc_reader_free(r);
        } else {
            assert_int_equal(rc, DC_ENOMEM);
        }
        dc_alloc_fail_after(-1);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_infers_each_scalar_type),
        cmocka_unit_test(test_ints_and_doubles_unify_to_double),
        cmocka_unit_test(test_fields_are_in_order_of_first_appearance_and_missing_keys_are_null),
        cmocka_unit_test(test_conflicting_types_become_json_text),
        cmocka_unit_test(test_null_only_and_empty_objects_are_strings),
        cmocka_unit_test(test_dates_and_timestamps_are_recognized),
        cmocka_unit_test(test_nested_objects_become_structs_unified_recursively),
        cmocka_unit_test(test_arrays_become_lists_of_the_unified_element_type),
        cmocka_unit_test(test_key_unseen_during_inference_is_an_error_naming_it),
        cmocka_unit_test(test_value_not_fitting_the_inferred_type_is_an_error_naming_it),
        cmocka_unit_test(test_string_escapes_and_surrogate_pairs_decode),
        cmocka_unit_test(test_bad_strings_are_errors_with_the_line),
        cmocka_unit_test(test_syntax_errors_name_the_line),
        cmocka_unit_test(test_nesting_deeper_than_the_limit_is_an_error),
        cmocka_unit_test(test_line_longer_than_the_limit_is_an_error),
        cmocka_unit_test(test_empty_input_has_no_columns_and_no_batches),
        cmocka_unit_test(test_objects_without_keys_give_rows_without_columns),
        cmocka_unit_test(test_blank_lines_crlf_and_bom_are_accepted),
        cmocka_unit_test(test_lines_spanning_reads_give_the_same_rows_for_every_chunk_size),
        cmocka_unit_test(test_a_line_spanning_the_default_read_size),
        cmocka_unit_test(test_more_lines_than_one_batch),
        cmocka_unit_test(test_schema_integers_of_every_width_are_range_checked),
        cmocka_unit_test(test_schema_floats_decimals_and_bools),
        cmocka_unit_test(test_schema_strings_into_temporal_types),
        cmocka_unit_test(test_schema_strings_binary_and_json_text),
        cmocka_unit_test(test_schema_nested_types),
        cmocka_unit_test(test_schema_unknown_keys_and_non_nullable_fields),
        cmocka_unit_test(test_round_trip_reproduces_canonical_lines),
        cmocka_unit_test(test_writer_keeps_keys_of_nulls_and_escapes_key_names),
        cmocka_unit_test(test_writer_fast_paths_match_format_value),
        cmocka_unit_test(test_writer_of_a_schema_without_columns_writes_empty_objects),
        cmocka_unit_test(test_round_trip_of_every_schema_type),
        cmocka_unit_test(test_file_reader_and_writer_dispatch_to_jsonl),
        cmocka_unit_test(test_allocation_failures_are_reported_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
