/* test_partition.c: partition specs, transforms, splitting, key strings, pruning. */
#include "testutil.h"

#include "compute/partition_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers --------------------------------------------------------------------- */

static dc_type *ty(const char *text)
{
    dc_type *t = NULL;
    dc_error e;
    if (dc_type_parse(&t, text, &e) != DC_OK)
        fail_msg("type %s: %s", text, e.message);
    return t;
}

/* An array of type `type` from texts (NULL = null). */
static dc_array *arr(const char *type, const char *const *v, int64_t n)
{
    dc_type *t = ty(type);
    dc_array *a = tu_of_type(t, v, n);
    dc_type_unref(t);
    assert_non_null(a);
    return a;
}

static dc_array *one(const char *type, const char *text)
{
    const char *v[] = {text};
    return arr(type, v, 1);
}

/* A binary-like array of one value of n raw bytes. */
static dc_array *raw1(const char *type, const void *p, int64_t n)
{
    dc_type *t = ty(type);
    dc_builder *b = NULL;
    dc_array *a = NULL;
    DC_ASSERT_OK(dc_builder_new(&b, t, NULL));
    DC_ASSERT_OK(dc_builder_append_bytes(b, p, n));
    DC_ASSERT_OK(dc_builder_finish(b, &a, NULL));
    dc_builder_free(b);
    dc_type_unref(t);
    return a;
}

/* A batch from (name, array) pairs; the arrays' references are taken over. */
static dc_batch *batch(int n, const char *const *names, dc_array **cols)
{
    dc_field f[8];
    for (int k = 0; k < n; k++)
        DC_ASSERT_OK(dc_field_init(&f[k], names[k], cols[k]->type, true, NULL));
    dc_schema *s = dc_schema_new(f, n, NULL);
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_batch_new(&b, s, cols, cols[0]->length, NULL));
    for (int k = 0; k < n; k++) {
        dc_field_clear(&f[k]);
        dc_array_unref(cols[k]);
    }
    dc_schema_unref(s);
    return b;
}

static dc_batch *batch1(const char *name, dc_array *col)
{
    return batch(1, &name, &col);
}

static dc_part_spec spec(const char *text)
{
    dc_part_spec s = {NULL, 0};
    dc_error e;
    if (dc_part_spec_parse(&s, text, &e) != DC_OK)
        fail_msg("spec %s: %s", text, e.message);
    return s;
}

/* Transform column `col` (taken over) named "c" under the one-field spec text. */
static dc_array *transform(const char *spec_text, dc_array *col)
{
    dc_part_spec s = spec(spec_text);
    dc_batch *b = batch1("c", col);
    dc_array **v = NULL;
    dc_error e;
    if (dc_part_values(&v, &s, b, &e) != DC_OK)
        fail_msg("%s: %s", spec_text, e.message);
    dc_array *out = dc_array_ref(v[0]);
    dc_part_values_free(v, s.n);
    dc_batch_unref(b);
    dc_part_spec_clear(&s);
    return out;
}

#define ASSERT_TRANSFORM(spec_text, col, expected)                                                 \
    do {                                                                                           \
        dc_array *r__ = transform(spec_text, col);                                                 \
        TU_ASSERT_ARRAY(r__, expected);                                                            \
        dc_array_unref(r__);                                                                       \
    } while (0)

/* The error of dc_part_values on column "c" (taken over). */
static dc_status transform_error(const char *spec_text, dc_array *col, dc_error *e)
{
    dc_part_spec s = spec(spec_text);
    dc_batch *b = batch1("c", col);
    dc_array **v = NULL;
    dc_status rc = dc_part_values(&v, &s, b, e);
    assert_null(v);
    dc_batch_unref(b);
    dc_part_spec_clear(&s);
    return rc;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static char *dump(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(s);
    return s;
}

#define ASSERT_JSON(j, expected)                                                                   \
    do {                                                                                           \
        char *d__ = dump(j);                                                                       \
        assert_string_equal(d__, expected);                                                        \
        free(d__);                                                                                 \
    } while (0)

static int32_t hash1(dc_array *a)
{
    int32_t h = 0;
    DC_ASSERT_OK(dc_part__hash_value(&h, a, 0, NULL));
    dc_array_unref(a);
    return h;
}

/* ---- hashing --------------------------------------------------------------------- */

static void test_murmur3_matches_iceberg_spec_vectors(void **state)
{
    (void)state;
    uint8_t le34[8] = {34, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal((int32_t)dc_part__murmur3_32(le34, 8, 0), 2017239379);
    assert_int_equal((int32_t)dc_part__murmur3_32("iceberg", 7, 0), 1210000089);
    uint8_t b4[4] = {0, 1, 2, 3};
    assert_int_equal((int32_t)dc_part__murmur3_32(b4, 4, 0), -188683207);
    /* tails of 1..3 bytes and the empty input (reference: the public algorithm) */
    assert_int_equal(dc_part__murmur3_32("", 0, 0), 0);
    assert_int_equal(dc_part__murmur3_32("", 0, 1), 0x514e28b7u);
    assert_int_equal(dc_part__murmur3_32("a", 1, 0), 0x3c2569b2u);
    assert_int_equal(dc_part__murmur3_32("ab", 2, 0), 0x9bbfd75fu);
    assert_int_equal(dc_part__murmur3_32("abc", 3, 0), 0xb3dd93fau);
    assert_int_equal(dc_part__murmur3_32("Hello, world!", 13, 0x9747b28cu), 0x24884cbau);
}

static void test_iceberg_hash_of_every_type_matches_appendix_b(void **state)
{
    (void)state;
    assert_int_equal(hash1(one("int32", "34")), 2017239379);
    assert_int_equal(hash1(one("int64", "34")), 2017239379);
    assert_int_equal(hash1(one("int8", "34")), 2017239379);
    assert_int_equal(hash1(one("uint16", "34")), 2017239379);
    assert_int_equal(hash1(one("int32", "1")), 1392991556);
    assert_int_equal(hash1(one("int64", "-1")), 1651860712);
    assert_int_equal(hash1(one("decimal128(9, 2)", "14.20")), -500754589);
    assert_int_equal(hash1(one("decimal256(40, 2)", "14.20")), -500754589);
    assert_int_equal(hash1(one("date32", "2017-11-16")), -653330422);
    assert_int_equal(hash1(one("time64[us]", "22:31:08")), -662762989);
    assert_int_equal(hash1(one("time32[s]", "22:31:08")), -662762989);
    assert_int_equal(hash1(one("timestamp[us]", "2017-11-16 22:31:08")), -2047944441);
    assert_int_equal(hash1(one("timestamp[s]", "2017-11-16 22:31:08")), -2047944441);
    assert_int_equal(hash1(one("timestamp[ms]", "2017-11-16 22:31:08")), -2047944441);
    assert_int_equal(hash1(one("timestamp[ns]", "2017-11-16 22:31:08")), -2047944441);
    assert_int_equal(hash1(one("timestamp[us]", "2017-11-16 22:31:08.000001")), -1207196810);
    assert_int_equal(hash1(one("timestamp[ns]", "2017-11-16 22:31:08.000001001")), -1207196810);
    assert_int_equal(hash1(one("timestamp[us, tz=UTC]", "2017-11-16T14:31:08-08:00")), -2047944441);
    assert_int_equal(hash1(one("string", "iceberg")), 1210000089);
    assert_int_equal(hash1(one("large_string", "iceberg")), 1210000089);
    uint8_t b4[4] = {0, 1, 2, 3};
    assert_int_equal(hash1(raw1("binary", b4, 4)), -188683207);
    assert_int_equal(hash1(raw1("fixed_size_binary[4]", b4, 4)), -188683207);

    dc_error e;
    dc_array *d = one("double", "1.5");
    int32_t h;
    assert_int_equal(dc_part__hash_value(&h, d, 0, &e), DC_ESCHEMA);
    assert_contains(e.message, "bucket cannot hash a double value");
    dc_array_unref(d);
}

static void test_bucket_transform_values_and_nulls(void **state)
{
    (void)state;
    const char *ints[] = {"34", "1", "2", NULL, "-1"};
    ASSERT_TRANSFORM("bucket(16, c)", arr("int32", ints, 5), "[3, 4, 4, null, 8]");
    ASSERT_TRANSFORM("bucket(1, c)", arr("int64", ints, 5), "[0, 0, 0, null, 0]");
    const char *strs[] = {"iceberg", NULL, ""};
    /* 1210000089 % 100 = 89; "" hashes to 0 */
    ASSERT_TRANSFORM("bucket(100, c)", arr("string", strs, 3), "[89, null, 0]");
    dc_array *r = transform("bucket(16, c)", one("int32", "34"));
    assert_int_equal(r->type->id, DC_TYPE_INT32);
    dc_array_unref(r);

    /* a timestamp[s] whose microseconds overflow int64 */
    dc_error e;
    dc_array *fixed = NULL;
    {
        dc_type *t = ty("timestamp[s]");
        dc_builder *b = NULL;
        DC_ASSERT_OK(dc_builder_new(&b, t, NULL));
        DC_ASSERT_OK(dc_builder_append_int(b, 0));
        DC_ASSERT_OK(dc_builder_append_int(b, INT64_MAX / 100));
        DC_ASSERT_OK(dc_builder_finish(b, &fixed, NULL));
        dc_builder_free(b);
        dc_type_unref(t);
    }
    assert_int_equal(transform_error("bucket(8, c)", fixed, &e), DC_EINVALID);
    assert_contains(e.message, "partition field \"c_bucket\" (bucket(8, c))");
    assert_contains(e.message, "at row 1 cannot be hashed");
    assert_string_equal(e.column, "c");
}

/* ---- time transforms ----------------------------------------------------------------- */

static const char *const TS[] = {
    "1970-01-01 00:00:00", "1969-12-31 23:59:59.999999", "1900-03-01 12:00:00",
    "1600-02-29 00:00:00", "2024-02-29 23:30:00",        NULL,
};

static void test_time_transforms_floor_before_1970_and_know_leap_years(void **state)
{
    (void)state;
    ASSERT_TRANSFORM("year(c)", arr("timestamp[us]", TS, 6), "[0, -1, -70, -370, 54, null]");
    ASSERT_TRANSFORM("month(c)", arr("timestamp[us]", TS, 6), "[0, -1, -838, -4439, 649, null]");
    ASSERT_TRANSFORM("day(c)", arr("timestamp[us]", TS, 6),
                     "[0, -1, -25508, -135081, 19782, null]");
    ASSERT_TRANSFORM("hour(c)", arr("timestamp[us]", TS, 6),
                     "[0, -1, -612180, -3241944, 474791, null]");
    const char *dates[] = {"1970-01-01", "1969-12-31", "2000-02-29", "2024-02-29", NULL};
    ASSERT_TRANSFORM("day(c)", arr("date32", dates, 5), "[0, -1, 11016, 19782, null]");
    ASSERT_TRANSFORM("month(c)", arr("date32", dates, 5), "[0, -1, 361, 649, null]");
    ASSERT_TRANSFORM("year(c)", arr("date32", dates, 5), "[0, -1, 30, 54, null]");
    ASSERT_TRANSFORM("day(c)", arr("date64", dates, 5), "[0, -1, 11016, 19782, null]");
    ASSERT_TRANSFORM("years(c)", arr("date64", dates, 5), "[0, -1, 30, 54, null]");
}

static void test_time_transforms_agree_across_units_and_zones(void **state)
{
    (void)state;
    const char *s[] = {"2024-02-29 23:30:00", "1969-12-31 23:00:00"};
    const char *ns[] = {"2024-02-29 23:30:00", "1969-12-31 23:59:59.999999999"};
    ASSERT_TRANSFORM("hour(c)", arr("timestamp[s]", s, 2), "[474791, -1]");
    ASSERT_TRANSFORM("hour(c)", arr("timestamp[ms]", s, 2), "[474791, -1]");
    ASSERT_TRANSFORM("hour(c)", arr("timestamp[ns]", ns, 2), "[474791, -1]");
    ASSERT_TRANSFORM("day(c)", arr("timestamp[ns]", ns, 2), "[19782, -1]");
    /* a zoned value is an instant: 02:00 at +05:00 is 21:00 UTC the day before */
    const char *z[] = {"2024-01-01 02:00:00+05:00", "2024-01-01 06:00:00+05:00"};
    ASSERT_TRANSFORM("day(c)", arr("timestamp[ms, tz=+05:00]", z, 2), "[19722, 19723]");
    ASSERT_TRANSFORM("hour(c)", arr("timestamp[ms, tz=+05:00]", z, 2), "[473349, 473353]");
    ASSERT_TRANSFORM("month(c)", arr("timestamp[us, tz=UTC]", z, 2), "[647, 648]");
    ASSERT_TRANSFORM("year(c)", arr("timestamp[ns, tz=Europe/Paris]", z, 2), "[53, 54]");
}

static void test_time_transform_outside_int32_is_an_error(void **state)
{
    (void)state;
    dc_type *t = ty("timestamp[s]");
    dc_builder *b = NULL;
    dc_array *a = NULL;
    DC_ASSERT_OK(dc_builder_new(&b, t, NULL));
    DC_ASSERT_OK(dc_builder_append_int(b, 0));
    DC_ASSERT_OK(dc_builder_append_int(b, 10000000000000000LL)); /* 1e16 s */
    DC_ASSERT_OK(dc_builder_finish(b, &a, NULL));
    dc_builder_free(b);
    dc_type_unref(t);
    dc_error e;
    dc_array_ref(a);
    assert_int_equal(transform_error("hour(c)", a, &e), DC_EINVALID);
    assert_contains(e.message, "partition field \"c_hour\" (hour(c))");
    assert_contains(e.message, "at row 1 gives a partition value outside the int32 range");
    /* days of 1e16 s are 1.16e11: out of int32 too; years fit */
    assert_int_equal(transform_error("day(c)", dc_array_ref(a), &e), DC_EINVALID);
    dc_array *y = transform("year(c)", a);
    assert_int_equal(((const int32_t *)(const void *)y->data[1])[1], 316887385);
    dc_array_unref(y);
}

/* ---- truncate ------------------------------------------------------------------------ */

static void test_truncate_integers_floor_negatives(void **state)
{
    (void)state;
    const char *v[] = {"-1", "0", "9", "10", "-10", "-11", NULL, "2147483647"};
    ASSERT_TRANSFORM("truncate(10, c)", arr("int32", v, 8),
                     "[-10, 0, 0, 10, -10, -20, null, 2147483640]");
    ASSERT_TRANSFORM("truncate(1, c)", arr("int64", v, 8),
                     "[-1, 0, 9, 10, -10, -11, null, 2147483647]");
    const char *u[] = {"0", "9", "10", "18446744073709551615"};
    ASSERT_TRANSFORM("truncate(10, c)", arr("uint64", u, 4), "[0, 0, 10, 18446744073709551610]");
    dc_array *r = transform("truncate(3, c)", one("int16", "-5"));
    assert_int_equal(r->type->id, DC_TYPE_INT16);
    TU_ASSERT_ARRAY(r, "[-6]");
    dc_array_unref(r);

    dc_error e;
    const char *lo[] = {"5", "-128"};
    assert_int_equal(transform_error("truncate(10, c)", arr("int8", lo, 2), &e), DC_EINVALID);
    assert_contains(e.message, "the value -128 at row 1 truncates to a value below");
    assert_string_equal(e.column, "c");
    const char *min[] = {"-9223372036854775808"};
    assert_int_equal(transform_error("truncate(10, c)", arr("int64", min, 1), &e), DC_EINVALID);
    assert_contains(e.message, "-9223372036854775808 at row 0");
}

static void test_truncate_strings_count_code_points_and_decimals_scale(void **state)
{
    (void)state;
    const char *v[] = {"héllo", "日本語テキスト", "\xf0\x9f\x98\x80\xf0\x9f\x98\x81x", "ab", "",
                       NULL};
    ASSERT_TRANSFORM("truncate(2, c)", arr("string", v, 6),
                     "[hé, 日本, \xf0\x9f\x98\x80\xf0\x9f\x98\x81, ab, , null]");
    ASSERT_TRANSFORM("truncate(3, c)", arr("large_string", v, 6),
                     "[hél, 日本語, \xf0\x9f\x98\x80\xf0\x9f\x98\x81x, ab, , null]");
    const char *d[] = {"12.34", "-0.01", "0.00", NULL};
    ASSERT_TRANSFORM("truncate(50, c)", arr("decimal128(9, 2)", d, 4),
                     "[12.00, -0.50, 0.00, null]");
    ASSERT_TRANSFORM("truncate(10, c)", arr("decimal128(9, 2)", d, 4),
                     "[12.30, -0.10, 0.00, null]");
    dc_error e;
    assert_int_equal(transform_error("truncate(10, c)", one("decimal128(3, 0)", "-999"), &e),
                     DC_EINVALID);
    assert_contains(e.message, "-999 at row 0 truncates to a value beyond the column's decimal");
}

/* ---- specs: JSON and text -------------------------------------------------------------- */

static void test_spec_text_and_json_forms_round_trip_with_default_names(void **state)
{
    (void)state;
    dc_part_spec s = spec(" day(ts), bucket(16, id), truncate(4, name), region,"
                          " HOURS ( ts ) AS \"h our\", identity(\"a \"\"b\"\"\") as x_1 ");
    assert_int_equal(s.n, 6);
    json_t *j = dc_part_spec_to_json(&s);
    ASSERT_JSON(j,
                "[{\"column\":\"ts\",\"transform\":\"day\",\"name\":\"ts_day\"},"
                "{\"column\":\"id\",\"transform\":\"bucket\",\"param\":16,\"name\":\"id_bucket\"},"
                "{\"column\":\"name\",\"transform\":\"truncate\",\"param\":4,"
                "\"name\":\"name_truncate\"},"
                "{\"column\":\"region\",\"transform\":\"identity\",\"name\":\"region\"},"
                "{\"column\":\"ts\",\"transform\":\"hour\",\"name\":\"h our\"},"
                "{\"column\":\"a \\\"b\\\"\",\"transform\":\"identity\",\"name\":\"x_1\"}]");
    dc_part_spec back = {NULL, 0};
    DC_ASSERT_OK(dc_part_spec_from_json(&back, j, NULL));
    json_t *j2 = dc_part_spec_to_json(&back);
    assert_true(json_equal(j, j2));
    dc_part_spec cp;
    DC_ASSERT_OK(dc_part_spec_copy(&cp, &back, NULL));
    json_t *j3 = dc_part_spec_to_json(&cp);
    assert_true(json_equal(j, j3));
    json_decref(j);
    json_decref(j2);
    json_decref(j3);
    dc_part_spec_clear(&s);
    dc_part_spec_clear(&back);
    dc_part_spec_clear(&cp);
    dc_part_spec_clear(&cp); /* clearing twice is harmless */

    /* Iceberg's bracket form, default transform, blank text */
    json_t *in =
        json_loads("[{\"column\":\"id\",\"transform\":\"bucket[8]\"},{\"column\":\"r\"}]", 0, NULL);
    DC_ASSERT_OK(dc_part_spec_from_json(&s, in, NULL));
    assert_int_equal(s.n, 2);
    assert_int_equal(s.fields[0].transform, DC_TR_BUCKET);
    assert_int_equal(s.fields[0].param, 8);
    assert_string_equal(s.fields[1].name, "r");
    assert_int_equal(s.fields[1].transform, DC_TR_IDENTITY);
    dc_part_spec_clear(&s);
    json_decref(in);
    s = spec("  \n ");
    assert_int_equal(s.n, 0);
    assert_null(s.fields);
    in = json_array();
    DC_ASSERT_OK(dc_part_spec_from_json(&s, in, NULL));
    assert_int_equal(s.n, 0);
    json_decref(in);
}

static void expect_text_error(const char *text, const char *msg, int64_t offset)
{
    dc_part_spec s = {(dc_part_field *)1, 99};
    dc_error e;
    assert_int_equal(dc_part_spec_parse(&s, text, &e), DC_EINVALID);
    assert_null(s.fields);
    assert_int_equal(s.n, 0);
    assert_contains(e.message, msg);
    if (offset >= 0)
        assert_int_equal(e.offset, offset);
}

static void test_spec_text_errors_name_the_offset_and_what_was_expected(void **state)
{
    (void)state;
    expect_text_error("day(ts", "at offset 6: expected ')' after the column of day", 6);
    expect_text_error("dya(ts)", "unknown partition transform \"dya\"", 0);
    expect_text_error("bucket(id)",
                      "bucket needs the number of buckets first, as in bucket(16, id)", 7);
    expect_text_error("bucket(0, id)", "must be between 1 and 2147483647, got 0", 7);
    expect_text_error("truncate(99999999999, s)", "between 1 and 2147483647, got 99999999999", 9);
    expect_text_error("bucket(16 id)", "expected ',' and the column after the bucket parameter",
                      10);
    expect_text_error("day(ts),", "expected a partition field after ','", 8);
    expect_text_error("day(ts) region", "expected ',' or the end of the spec", 8);
    expect_text_error("a, , b", "expected a column or a transform", 3);
    expect_text_error("\"abc", "unterminated quoted", 0);
    expect_text_error("\"\"", "empty quoted", 0);
    expect_text_error("day(ts) as", "expected a partition field name after AS", 10);
    expect_text_error("day(ts), day(ts)", "partition fields #1 and #2 are both day(ts): drop one",
                      -1);
    expect_text_error("day(ts), hour(ts) as ts_day", "are both named \"ts_day\"", -1);
    expect_text_error("day(3)", "expected a column name", 4);
    dc_part_spec s;
    dc_error e;
    assert_int_equal(dc_part_spec_parse(&s, NULL, &e), DC_EINVALID);
}

static void expect_json_error(const char *text, const char *msg)
{
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    dc_part_spec s;
    dc_error e;
    assert_int_equal(dc_part_spec_from_json(&s, j, &e), DC_EINVALID);
    assert_null(s.fields);
    assert_int_equal(s.n, 0);
    assert_contains(e.message, msg);
    json_decref(j);
}

static void test_spec_json_errors_name_the_field_and_member(void **state)
{
    (void)state;
    expect_json_error("{\"column\":\"a\"}", "must be a JSON array of fields");
    expect_json_error("[1]", "partition field #1 must be an object");
    expect_json_error("[{\"colum\":\"a\"}]", "partition field #1: unknown member \"colum\"");
    expect_json_error("[{\"transform\":\"day\"}]", "partition field #1 has no \"column\"");
    expect_json_error("[{\"column\":\"\"}]", "\"column\" must be a non-empty string");
    expect_json_error("[{\"column\":7}]", "\"column\" must be a non-empty string without NUL "
                                          "bytes, got an integer");
    expect_json_error("[{\"column\":\"a\"},{\"column\":\"b\",\"transform\":\"week\"}]",
                      "partition field #2: unknown transform \"week\"");
    expect_json_error("[{\"column\":\"a\",\"transform\":\"bucket\"}]",
                      "bucket needs \"param\": the number of buckets");
    expect_json_error("[{\"column\":\"a\",\"transform\":\"truncate\",\"param\":0}]",
                      "truncate param must be between 1 and 2147483647, got 0");
    expect_json_error("[{\"column\":\"a\",\"transform\":\"bucket\",\"param\":2147483648}]",
                      "got 2147483648");
    expect_json_error("[{\"column\":\"a\",\"transform\":\"bucket\",\"param\":\"16\"}]",
                      "\"param\" must be an integer, got a string");
    expect_json_error("[{\"column\":\"a\",\"transform\":\"day\",\"param\":3}]",
                      "day takes no param, got 3");
    expect_json_error("[{\"column\":\"a\",\"transform\":\"bucket[x]\"}]",
                      "bad transform \"bucket[x]\"");
    expect_json_error("[{\"column\":\"a\",\"transform\":\"day[3]\"}]", "bad transform");
    expect_json_error("[{\"column\":\"a\",\"transform\":\"bucket[4]\",\"param\":5}]",
                      "bucket[4] disagrees with \"param\": 5");
    expect_json_error("[{\"column\":\"a\",\"name\":\"x\"},{\"column\":\"b\",\"name\":\"x\"}]",
                      "partition fields #1 (identity(a)) and #2 (identity(b)) are both named "
                      "\"x\"");
    expect_json_error("[{\"column\":\"a\",\"name\":\"\"}]", "\"name\" must be a non-empty string");
    expect_json_error("[{\"column\":\"a\",\"transform\":5}]", "\"transform\" must be a string");
}

/* ---- bind ------------------------------------------------------------------------------- */

static dc_schema *table_schema(void)
{
    const char *names[] = {"ts", "d", "id", "x", "name", "flag", "dict", "blob"};
    const char *types[] = {"timestamp[us, tz=UTC]",
                           "date32",
                           "int64",
                           "double",
                           "string",
                           "bool",
                           "dictionary<values=string, indices=int32>",
                           "binary"};
    dc_field f[8];
    for (int k = 0; k < 8; k++) {
        dc_type *t = ty(types[k]);
        DC_ASSERT_OK(dc_field_init(&f[k], names[k], t, true, NULL));
        dc_type_unref(t);
    }
    dc_schema *s = dc_schema_new(f, 8, NULL);
    for (int k = 0; k < 8; k++)
        dc_field_clear(&f[k]);
    return s;
}

static void expect_bind(const char *text, dc_status code, const char *msg, const char *column)
{
    dc_schema *sc = table_schema();
    dc_part_spec s = spec(text);
    dc_error e;
    dc_error_clear(&e);
    assert_int_equal(dc_part_spec_bind(&s, sc, &e), code);
    if (code != DC_OK) {
        assert_contains(e.message, msg);
        if (column)
            assert_string_equal(e.column, column);
    }
    dc_part_spec_clear(&s);
    dc_schema_unref(sc);
}

static void test_bind_checks_columns_types_names_and_params(void **state)
{
    (void)state;
    expect_bind("day(ts), bucket(16, id), truncate(4, name), flag, hour(ts), month(d), dict, "
                "bucket(3, blob), truncate(2, dict)",
                DC_OK, NULL, NULL);
    expect_bind("day(nope)", DC_ESCHEMA,
                "partition field \"nope_day\" (day(nope)): column \"nope\" is not in the table "
                "schema",
                "nope");
    expect_bind("bucket(8, x)", DC_ESCHEMA,
                "partition field \"x_bucket\": bucket needs an integer, decimal, date, time, "
                "timestamp, string or binary column; column \"x\" is double",
                "x");
    expect_bind("hour(d)", DC_ESCHEMA, "hour needs a timestamp column; column \"d\" is date32",
                "d");
    expect_bind("day(id)", DC_ESCHEMA,
                "day needs a date or timestamp column; column \"id\" is int64", "id");
    expect_bind("truncate(3, flag)", DC_ESCHEMA,
                "truncate needs an integer, decimal128 or string column; column \"flag\" is bool",
                "flag");
    expect_bind("x", DC_ESCHEMA,
                "identity needs a bool, integer, decimal, date, time, timestamp "
                "or string column; column \"x\" is double",
                "x");
    expect_bind("blob", DC_ESCHEMA, "column \"blob\" is binary", "blob");
    expect_bind("day(ts) as id", DC_EINVALID,
                "partition field name \"id\" (day(ts)) is also a column of the table", "ts");
    expect_bind("name as id", DC_EINVALID, "only identity(id) may take a column's name", "name");

    /* a spec built by hand is checked too */
    dc_schema *sc = table_schema();
    dc_part_field f = {"id", DC_TR_BUCKET, 0, "b"};
    dc_part_spec s = {&f, 1};
    dc_error e;
    assert_int_equal(dc_part_spec_bind(&s, sc, &e), DC_EINVALID);
    assert_contains(e.message, "partition field #1: bucket needs a bucket count between 1 and "
                               "2147483647, got 0");
    f.transform = DC_TR_DAY;
    f.param = 4;
    f.column = "ts";
    assert_int_equal(dc_part_spec_bind(&s, sc, &e), DC_EINVALID);
    assert_contains(e.message, "day(ts) takes no parameter, got 4");
    f.param = 0;
    f.transform = (dc_transform)42;
    assert_int_equal(dc_part_spec_bind(&s, sc, &e), DC_EINVALID);
    assert_contains(e.message, "unknown transform 42");
    f.transform = DC_TR_DAY;
    f.name = "bad\xff";
    assert_int_equal(dc_part_spec_bind(&s, sc, &e), DC_EINVALID);
    assert_contains(e.message, "partition field #1: its column or name is not valid UTF-8");
    f.name = "";
    assert_int_equal(dc_part_spec_bind(&s, sc, &e), DC_EINVALID);
    assert_contains(e.message, "has an empty name");
    f.column = NULL;
    assert_int_equal(dc_part_spec_bind(&s, sc, &e), DC_EINVALID);
    assert_contains(e.message, "partition field #1 has no column");
    assert_int_equal(dc_part_spec_bind(NULL, sc, &e), DC_EINVALID);
    dc_schema_unref(sc);
}

/* ---- values on a dictionary column ------------------------------------------------------ */

static void test_values_of_a_dictionary_column_use_its_values(void **state)
{
    (void)state;
    dc_type *t = ty("dictionary<values=string, indices=int32>");
    const char *dv[] = {"eu", "us"};
    dc_array *dict = arr("string", dv, 2);
    dc_builder *b = NULL;
    dc_array *a = NULL;
    DC_ASSERT_OK(dc_builder_new(&b, t, NULL));
    DC_ASSERT_OK(dc_builder_set_dictionary(b, dict));
    DC_ASSERT_OK(dc_builder_append_int(b, 1));
    DC_ASSERT_OK(dc_builder_append_null(b));
    DC_ASSERT_OK(dc_builder_append_int(b, 0));
    DC_ASSERT_OK(dc_builder_finish(b, &a, NULL));
    dc_builder_free(b);
    dc_type_unref(t);
    dc_array_unref(dict);
    dc_array_ref(a);
    ASSERT_TRANSFORM("c", a, "[us, null, eu]");
    ASSERT_TRANSFORM("truncate(1, c)", a, "[u, null, e]");
}

/* Merge-key buckets (FORMAT.md 4.3): one column is Iceberg's bucket(N); several combine
 * as 31 * h + h_i; booleans hash as longs; a dictionary as its values. */
static void test_key_buckets_are_iceberg_buckets_combined(void **state)
{
    (void)state;
    const char *iv[] = {"34", "1", "-1", "7"};
    dc_array *ids = arr("int64", iv, 4);
    int32_t got[4];
    DC_ASSERT_OK(dc_part_key_buckets(got, &ids, 1, 4, 16, NULL));
    /* Iceberg: hash(34) = 2017239379, hash(1) = 1392991556, hash(-1) = 1651860712 */
    assert_int_equal(got[0], (2017239379 & INT32_MAX) % 16);
    assert_int_equal(got[1], (1392991556 & INT32_MAX) % 16);
    assert_int_equal(got[2], (1651860712 & INT32_MAX) % 16);
    dc_array *b16 = transform("bucket(16, c)", dc_array_ref(ids)); /* the same as the transform */
    for (int i = 0; i < 4; i++)
        assert_int_equal(got[i], dc_array_get_int(b16, i));
    dc_array_unref(b16);
    /* two columns: (id 34, name "iceberg") */
    dc_array *cols[2] = {one("int64", "34"), one("string", "iceberg")};
    int32_t two;
    DC_ASSERT_OK(dc_part_key_buckets(&two, cols, 2, 1, 1000, NULL));
    uint32_t h = 31u * (uint32_t)2017239379 + (uint32_t)1210000089;
    assert_int_equal(two, (int32_t)((h & INT32_MAX) % 1000));
    /* a bool hashes as the long 0 / 1 */
    dc_array *bo = one("bool", "true");
    int32_t bb;
    DC_ASSERT_OK(dc_part_key_buckets(&bb, &bo, 1, 1, 1000, NULL));
    assert_int_equal(bb, (1392991556 & INT32_MAX) % 1000);
    /* a dictionary column as its values */
    dc_type *t = ty("dictionary<values=string, indices=int32>");
    dc_array *dict = one("string", "iceberg"), *da = NULL;
    dc_builder *bd = NULL;
    DC_ASSERT_OK(dc_builder_new(&bd, t, NULL));
    DC_ASSERT_OK(dc_builder_set_dictionary(bd, dict));
    DC_ASSERT_OK(dc_builder_append_int(bd, 0));
    DC_ASSERT_OK(dc_builder_finish(bd, &da, NULL));
    int32_t dv;
    DC_ASSERT_OK(dc_part_key_buckets(&dv, &da, 1, 1, 1000, NULL));
    assert_int_equal(dv, (1210000089 & INT32_MAX) % 1000);
    assert_true(dc_part_key_type_hashes(t));
    /* what has no hash, and no buckets */
    dc_error e;
    dc_array *d = one("double", "1.5");
    assert_false(dc_part_key_type_hashes(d->type));
    assert_int_equal(dc_part_key_buckets(&dv, &d, 1, 1, 4, &e), DC_ESCHEMA);
    assert_contains(e.message, "double");
    assert_int_equal(dc_part_key_buckets(&dv, &ids, 1, 1, 0, &e), DC_EINVALID);
    dc_array_unref(d);
    dc_builder_free(bd);
    dc_type_unref(t);
    dc_array_unref(dict);
    dc_array_unref(da);
    dc_array_unref(bo);
    dc_array_unref(cols[0]);
    dc_array_unref(cols[1]);
    dc_array_unref(ids);
}

/* ---- split ------------------------------------------------------------------------------ */

static void test_split_groups_rows_in_order_with_nulls_and_several_fields(void **state)
{
    (void)state;
    const char *region[] = {"eu", "us", "eu", NULL, "us", "eu", NULL, "eu"};
    const char *ts[] = {
        "2024-02-29 10:00:00", "2024-02-29 11:00:00", "2024-03-01 00:00:00", "2024-02-29 12:00:00",
        "2024-02-29 13:00:00", "2024-02-29 23:59:59", "2024-02-29 14:00:00", NULL};
    const char *id[] = {"0", "1", "2", "3", "4", "5", "6", "7"};
    const char *names[] = {"region", "ts", "id"};
    dc_array *cols[] = {arr("string", region, 8), arr("timestamp[us]", ts, 8), arr("int64", id, 8)};
    dc_batch *b = batch(3, names, cols);
    dc_part_spec s = spec("region, day(ts)");
    dc_part_group *g = NULL;
    int64_t n = -1;
    DC_ASSERT_OK(dc_part_split(&g, &n, &s, b, NULL));
    assert_int_equal(n, 5);
    const char *keys[] = {"region=eu/ts_day=2024-02-29", "region=us/ts_day=2024-02-29",
                          "region=eu/ts_day=2024-03-01", "region=__null__/ts_day=2024-02-29",
                          "region=eu/ts_day=__null__"};
    const char *vals[] = {
        "{\"region\":\"eu\",\"ts_day\":19782}", "{\"region\":\"us\",\"ts_day\":19782}",
        "{\"region\":\"eu\",\"ts_day\":19783}", "{\"region\":null,\"ts_day\":19782}",
        "{\"region\":\"eu\",\"ts_day\":null}"};
    const char *ids[] = {"[0, 5]", "[1, 4]", "[2]", "[3, 6]", "[7]"};
    for (int64_t k = 0; k < n; k++) {
        assert_string_equal(g[k].key, keys[k]);
        ASSERT_JSON(g[k].values, vals[k]);
        TU_ASSERT_ARRAY(g[k].rows->columns[2], ids[k]);
        assert_true(dc_schema_equals(g[k].rows->schema, b->schema));
        json_t *back = NULL;
        DC_ASSERT_OK(dc_part_key_decode(&back, &s, g[k].key, NULL));
        assert_true(json_equal(back, g[k].values));
        json_decref(back);
    }
    dc_part_groups_free(g, n);
    dc_part_spec_clear(&s);

    /* unpartitioned: one group, key "", all rows (the same batch) */
    DC_ASSERT_OK(dc_part_split(&g, &n, &s, b, NULL));
    assert_int_equal(n, 1);
    assert_string_equal(g[0].key, "");
    ASSERT_JSON(g[0].values, "{}");
    assert_ptr_equal(g[0].rows, b);
    dc_part_groups_free(g, n);

    /* one partition only: the rows are the batch itself */
    s = spec("bucket(1, id), year(ts)");
    dc_batch *head = NULL;
    DC_ASSERT_OK(dc_batch_slice(&head, b, 0, 7, NULL));
    DC_ASSERT_OK(dc_part_split(&g, &n, &s, head, NULL));
    assert_int_equal(n, 1);
    assert_string_equal(g[0].key, "id_bucket=0/ts_year=2024");
    ASSERT_JSON(g[0].values, "{\"id_bucket\":0,\"ts_year\":54}");
    assert_int_equal(g[0].rows->length, 7);
    dc_part_groups_free(g, n);

    /* an empty batch has no partition */
    dc_batch *empty = NULL;
    DC_ASSERT_OK(dc_batch_slice(&empty, b, 3, 0, NULL));
    g = (dc_part_group *)1;
    DC_ASSERT_OK(dc_part_split(&g, &n, &s, empty, NULL));
    assert_null(g);
    assert_int_equal(n, 0);
    dc_batch_unref(empty);
    dc_batch_unref(head);

    /* errors leave nothing behind */
    dc_error e;
    dc_part_spec_clear(&s);
    s = spec("hour(id)");
    g = (dc_part_group *)1;
    assert_int_equal(dc_part_split(&g, &n, &s, b, &e), DC_ESCHEMA);
    assert_null(g);
    assert_int_equal(n, 0);
    assert_contains(e.message, "hour needs a timestamp column; column \"id\" is int64");
    dc_part_spec_clear(&s);
    dc_batch_unref(b);
}

static void test_split_many_rows_every_group_keeps_its_rows(void **state)
{
    (void)state;
    enum { N = 5000 };
    dc_type *t = ty("int64");
    dc_builder *bd = NULL;
    dc_array *a = NULL;
    DC_ASSERT_OK(dc_builder_new(&bd, t, NULL));
    for (int64_t i = 0; i < N; i++)
        DC_ASSERT_OK(dc_builder_append_int(bd, (i * 7919) % 1000 - 500));
    DC_ASSERT_OK(dc_builder_finish(bd, &a, NULL));
    dc_builder_free(bd);
    dc_type_unref(t);
    dc_batch *b = batch1("v", a);
    dc_part_spec s = spec("truncate(10, v), bucket(7, v)");
    dc_part_group *g = NULL;
    int64_t n = 0, total = 0;
    DC_ASSERT_OK(dc_part_split(&g, &n, &s, b, NULL));
    assert_true(n >= 100 && n <= 700);
    for (int64_t k = 0; k < n; k++) {
        const dc_array *v = g[k].rows->columns[0];
        json_t *tr = json_object_get(g[k].values, "v_truncate");
        json_t *bk = json_object_get(g[k].values, "v_bucket");
        for (int64_t i = 0; i < v->length; i++) {
            int64_t x = dc_array_get_int(v, i);
            assert_int_equal(x - (((x % 10) + 10) % 10), json_integer_value(tr));
            assert_true(json_integer_value(bk) >= 0 && json_integer_value(bk) < 7);
        }
        for (int64_t j = 0; j < k; j++)
            assert_string_not_equal(g[j].key, g[k].key);
        total += v->length;
    }
    assert_int_equal(total, N);
    dc_part_groups_free(g, n);
    dc_part_spec_clear(&s);
    dc_batch_unref(b);
}

static void test_split_under_allocation_failures_fails_cleanly(void **state)
{
    (void)state;
    const char *region[] = {"eu", "us", "eu", NULL};
    const char *id[] = {"1", "2", "3", "4"};
    const char *names[] = {"region", "id"};
    dc_array *cols[] = {arr("string", region, 4), arr("int64", id, 4)};
    dc_batch *b = batch(2, names, cols);
    dc_part_spec s = spec("region, bucket(4, id)");
    bool done = false;
    for (int64_t k = 0; k < 200 && !done; k++) {
        dc_part_group *g = NULL;
        int64_t n = 0;
        dc_error e;
        dc_alloc_fail_after(k);
        dc_status rc = dc_part_split(&g, &n, &s, b, &e);
        dc_alloc_fail_after(-1);
        if (rc == DC_OK) {
            assert_int_equal(n, 4);
            dc_part_groups_free(g, n);
            done = true;
        } else {
            assert_int_equal(rc, DC_ENOMEM);
            assert_null(g);
            assert_int_equal(n, 0);
        }
    }
    assert_true(done);
    done = false;
    for (int64_t k = 0; k < 200 && !done; k++) {
        dc_part_spec p;
        dc_error e;
        dc_alloc_fail_after(k);
        dc_status rc = dc_part_spec_parse(&p, "day(ts), bucket(16, id) as b, region", &e);
        dc_alloc_fail_after(-1);
        if (rc == DC_OK) {
            assert_int_equal(p.n, 3);
            dc_part_spec_clear(&p);
            done = true;
        } else {
            assert_int_equal(rc, DC_ENOMEM);
            assert_null(p.fields);
        }
    }
    assert_true(done);
    dc_part_spec_clear(&s);
    dc_batch_unref(b);
}

/* ---- keys ------------------------------------------------------------------------------- */

static void test_keys_of_hostile_values_are_safe_and_decode_back(void **state)
{
    (void)state;
    const char *v[] = {"../x", "a/b",      "%",    "line\nbreak", "",     "..",       ".",  "12",
                       "true", "__null__", "a..b", "x=y:z",       "日本", "\xc2\x85", "-5", "a b",
                       NULL,   "...",      "0",    "07",          "\x7f", "C:\\w"};
    const char *expect[] = {
        "s=%2E.%2Fx", "s=a%2Fb",  "s=%25",    "s=line%0Abreak", "s=",         "s=%2E%2E",
        "s=%2E",      "s=%312",   "s=%74rue", "s=%5F_null__",   "s=a%2E.b",   "s=x%3Dy%3Az",
        "s=日本",     "s=%C2%85", "s=%2D5",   "s=a%20b",        "s=__null__", "s=%2E%2E%2E",
        "s=%30",      "s=07",     "s=%7F",    "s=C%3A%5Cw"};
    int n = (int)DC_ARRAY_LEN(v);
    dc_batch *b = batch1("s", arr("string", v, n));
    dc_part_spec s = spec("s");
    dc_part_group *g = NULL;
    int64_t ng = 0;
    DC_ASSERT_OK(dc_part_split(&g, &ng, &s, b, NULL));
    assert_int_equal(ng, n);
    for (int64_t k = 0; k < ng; k++) {
        const char *key = g[k].key;
        assert_string_equal(key, expect[k]);
        assert_null(strstr(key, ".."));
        assert_null(strchr(key, '/'));
        for (const char *p = key; *p; p++)
            assert_true((unsigned char)*p >= 0x20 && *p != 0x7f && *p != ':' && *p != ' ' &&
                        *p != '\\');
        json_t *back = NULL;
        DC_ASSERT_OK(dc_part_key_decode(&back, &s, key, NULL));
        assert_true(json_equal(back, g[k].values));
        json_decref(back);
    }
    dc_part_groups_free(g, ng);
    dc_part_spec_clear(&s);
    dc_batch_unref(b);

    /* hostile partition field names are encoded too */
    s = spec("truncate(1, s) as \"../we/ird=\"");
    b = batch1("s", one("string", "ab"));
    DC_ASSERT_OK(dc_part_split(&g, &ng, &s, b, NULL));
    assert_string_equal(g[0].key, "%2E.%2Fwe%2Fird%3D=a");
    json_t *back = NULL;
    DC_ASSERT_OK(dc_part_key_decode(&back, &s, g[0].key, NULL));
    ASSERT_JSON(back, "{\"../we/ird=\":\"a\"}");
    json_decref(back);
    dc_part_groups_free(g, ng);
    dc_part_spec_clear(&s);
    dc_batch_unref(b);
}

static void test_keys_of_every_value_kind_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"ts", "d", "u", "dec", "flag", "t"};
    const char *ts[] = {"2024-02-29 23:30:00", "1600-02-29 00:00:00", "0001-01-01 00:00:00"};
    const char *d[] = {"2024-02-29", "1969-12-31", NULL};
    const char *u[] = {"18446744073709551615", "7", "0"};
    const char *dec[] = {"-12.50", "0.00", "7.00"};
    const char *flag[] = {"true", "false", NULL};
    const char *t[] = {"2024-02-29 23:30:00+01:00", "1970-01-01 00:00:00.5Z", NULL};
    dc_array *cols[] = {arr("timestamp[us]", ts, 3), arr("date32", d, 3),
                        arr("uint64", u, 3),         arr("decimal128(6, 2)", dec, 3),
                        arr("bool", flag, 3),        arr("timestamp[ms, tz=UTC]", t, 3)};
    dc_batch *b = batch(6, names, cols);
    dc_part_spec s = spec("year(ts), month(ts), day(ts), hour(ts), d, u, dec, flag, t, month(d)");
    dc_part_group *g = NULL;
    int64_t n = 0;
    DC_ASSERT_OK(dc_part_split(&g, &n, &s, b, NULL));
    assert_int_equal(n, 3);
    assert_string_equal(g[0].key, "ts_year=2024/ts_month=2024-02/ts_day=2024-02-29/"
                                  "ts_hour=2024-02-29-23/d=2024-02-29/u=%318446744073709551615/"
                                  "dec=-12.50/flag=true/t=2024-02-29%2022%3A30%3A00Z/"
                                  "d_month=2024-02");
    ASSERT_JSON(g[0].values,
                "{\"ts_year\":54,\"ts_month\":649,\"ts_day\":19782,\"ts_hour\":474791,"
                "\"d\":\"2024-02-29\",\"u\":\"18446744073709551615\",\"dec\":\"-12.50\","
                "\"flag\":true,\"t\":\"2024-02-29 22:30:00Z\",\"d_month\":649}");
    assert_string_equal(g[1].key, "ts_year=1600/ts_month=1600-02/ts_day=1600-02-29/"
                                  "ts_hour=1600-02-29-00/d=1969-12-31/u=7/dec=0.00/flag=false/"
                                  "t=1970-01-01%2000%3A00%3A00.500Z/d_month=1969-12");
    assert_string_equal(g[2].key, "ts_year=0001/ts_month=0001-01/ts_day=0001-01-01/"
                                  "ts_hour=0001-01-01-00/d=__null__/u=0/dec=7.00/flag=__null__/"
                                  "t=__null__/d_month=__null__");
    for (int64_t k = 0; k < n; k++) {
        json_t *back = NULL;
        DC_ASSERT_OK(dc_part_key_decode(&back, &s, g[k].key, NULL));
        assert_true(json_equal(back, g[k].values));
        json_decref(back);
    }
    dc_part_groups_free(g, n);
    dc_part_spec_clear(&s);
    dc_batch_unref(b);

    /* time-transform values beyond year 9999 and before year 0 */
    s = spec("year(ts), day(ts)");
    json_t *vals = json_pack("{s:i, s:i}", "ts_year", 9000, "ts_day", -800000);
    char *key = NULL;
    DC_ASSERT_OK(dc_part_key_encode(&key, &s, vals, NULL));
    assert_string_equal(key, "ts_year=%2B10970/ts_day=-0221-09-04");
    json_t *back = NULL;
    DC_ASSERT_OK(dc_part_key_decode(&back, &s, key, NULL));
    assert_true(json_equal(back, vals));
    json_decref(back);
    json_decref(vals);
    dc_free(key);
    dc_part_spec_clear(&s);
}

static void expect_decode_error(const char *spec_text, const char *key, const char *msg)
{
    dc_part_spec s = spec(spec_text);
    json_t *v = (json_t *)1;
    dc_error e;
    assert_int_equal(dc_part_key_decode(&v, &s, key, &e), DC_EINVALID);
    assert_null(v);
    assert_contains(e.message, msg);
    dc_part_spec_clear(&s);
}

static void test_key_decode_rejects_malformed_keys(void **state)
{
    (void)state;
    expect_decode_error("day(ts), r", "ts_day=2024-01-01",
                        "does not have 2 \"name=value\" segments");
    expect_decode_error("r", "r=a/x=b", "does not have 1 \"name=value\" segments");
    expect_decode_error("day(ts), r", "", "does not have 2");
    expect_decode_error("r", "ra", "segment 1 \"ra\" has no '='");
    expect_decode_error("day(ts), r", "ts_day=2024-01-01/q=a",
                        "segment 2 is \"q\", expected the field \"r\"");
    expect_decode_error("r", "r=%G1", "bad %XX escape in the value of \"r\"");
    expect_decode_error("r", "r=abc%2", "bad %XX escape");
    expect_decode_error("r", "r=%FF", "the value of \"r\" is not valid UTF-8");
    expect_decode_error("month(ts)", "ts_month=2024-13",
                        "\"2024-13\" is not a value of month \"ts_month\" (expected YYYY-MM)");
    expect_decode_error("day(ts)", "ts_day=2023-02-29", "(expected YYYY-MM-DD)");
    expect_decode_error("day(ts)", "ts_day=2024-02-29-01", "(expected YYYY-MM-DD)");
    expect_decode_error("hour(ts)", "ts_hour=2024-02-29-24", "(expected YYYY-MM-DD-HH)");
    expect_decode_error("year(ts)", "ts_year=24", "(expected YYYY)");
    expect_decode_error("year(ts)", "ts_year=+99999999999", "(expected YYYY)");
    expect_decode_error("bucket(16, id)", "id_bucket=16", "(expected 0 to N-1)");
    expect_decode_error("bucket(16, id)", "id_bucket=03", "(expected 0 to N-1)");
    expect_decode_error("r", "r=99999999999999999999", "out of the int64 range");
    expect_decode_error("r", "r=%61", "is not in canonical form (expected \"r=a\")");
    expect_decode_error("r", "r=..", "is not in canonical form (expected \"r=%2E%2E\")");
    expect_decode_error("r", "r=a%2fb", "is not in canonical form (expected \"r=a%2Fb\")");
    expect_decode_error("r", "%72=a", "not in canonical form (expected \"r=a\")");
    expect_decode_error("", "x=1", "given for an unpartitioned table");

    dc_part_spec s = {NULL, 0};
    json_t *v = NULL;
    DC_ASSERT_OK(dc_part_key_decode(&v, &s, "", NULL));
    ASSERT_JSON(v, "{}");
    json_decref(v);

    /* encoding checks its input too */
    s = spec("bucket(4, id), r");
    char *key = (char *)1;
    dc_error e;
    json_t *bad = json_pack("{s:i, s:s}", "id_bucket", 4, "r", "x");
    assert_int_equal(dc_part_key_encode(&key, &s, bad, &e), DC_EINVALID);
    assert_null(key);
    assert_contains(e.message, "must be an integer in [0, N)");
    json_decref(bad);
    bad = json_pack("{s:i}", "id_bucket", 1);
    assert_int_equal(dc_part_key_encode(&key, &s, bad, &e), DC_EINVALID);
    assert_contains(e.message, "partition values have no member \"r\"");
    json_decref(bad);
    bad = json_pack("{s:i, s:[]}", "id_bucket", 1, "r");
    assert_int_equal(dc_part_key_encode(&key, &s, bad, &e), DC_EINVALID);
    assert_contains(e.message, "must be an integer, boolean, string or null, got an array");
    json_decref(bad);
    dc_part_spec_clear(&s);
}

/* ---- pruning ------------------------------------------------------------------------------ */

static bool may(const char *spec_text, const char *values, const char *column, const char *type,
                const char *lo, const char *hi, bool lo_incl, bool hi_incl)
{
    dc_part_spec s = spec(spec_text);
    json_t *v = json_loads(values, 0, NULL);
    assert_non_null(v);
    dc_array *l = lo ? one(type, lo) : NULL, *h = hi ? one(type, hi) : NULL;
    bool r = dc_part_may_contain(&s, v, column, l, h, lo_incl, hi_incl);
    dc_array_unref(l);
    dc_array_unref(h);
    json_decref(v);
    dc_part_spec_clear(&s);
    return r;
}

static void test_may_contain_identity_compares_values_and_bounds(void **state)
{
    (void)state;
    const char *p = "{\"id\": 5}";
    assert_false(may("id", p, "id", "int64", "1", "4", true, true));
    assert_true(may("id", p, "id", "int64", "5", "5", true, true));
    assert_false(may("id", p, "id", "int64", "5", "10", false, true));
    assert_false(may("id", p, "id", "int64", "6", NULL, true, true));
    assert_false(may("id", p, "id", "int64", NULL, "5", true, false));
    assert_true(may("id", p, "id", "int64", NULL, "5", true, true));
    assert_true(may("id", p, "id", "int32", "5", NULL, true, true));
    assert_false(may("r", "{\"r\": \"eu\"}", "r", "string", "f", NULL, true, true));
    assert_true(may("r", "{\"r\": \"eu\"}", "r", "string", "e", "eu", true, true));
    assert_false(
        may("d", "{\"d\": \"2024-02-29\"}", "d", "date32", "2024-03-01", NULL, true, true));
    assert_true(may("d", "{\"d\": \"2024-02-29\"}", "d", "date32", "2024-02-29", NULL, true, true));
    assert_false(
        may("dec", "{\"dec\": \"12.50\"}", "dec", "decimal128(6, 2)", "12.51", NULL, true, true));
    /* a null partition holds only nulls: no bound matches, no bound at all is unsure */
    assert_false(may("r", "{\"r\": null}", "r", "string", "a", NULL, true, true));
    assert_true(may("r", "{\"r\": null}", "r", "string", NULL, NULL, true, true));
    /* unsure: another column, a missing member, a bound of another type, a value that
     * does not convert */
    assert_true(may("id", p, "other", "int64", "9", "9", true, true));
    assert_true(may("id", "{\"x\": 1}", "id", "int64", "9", "9", true, true));
    assert_true(may("id", p, "id", "string", "9", "9", true, true));
    assert_true(may("id", "{\"id\": [1]}", "id", "int64", "9", "9", true, true));
    assert_true(dc_part_may_contain(NULL, NULL, "id", NULL, NULL, true, true));
}

static void test_may_contain_time_transforms_and_truncate_map_the_bounds(void **state)
{
    (void)state;
    const char *p = "{\"ts_day\": 19782}"; /* 2024-02-29 */
    const char *T = "timestamp[us]";
    assert_false(may("day(ts)", p, "ts", T, "2024-03-01 00:00:00", NULL, true, true));
    assert_true(may("day(ts)", p, "ts", T, "2024-02-29 23:59:59", NULL, true, true));
    assert_false(may("day(ts)", p, "ts", T, "2024-02-29 23:59:59.999999", NULL, false, true));
    assert_false(may("day(ts)", p, "ts", T, NULL, "2024-02-29 00:00:00", true, false));
    assert_true(may("day(ts)", p, "ts", T, NULL, "2024-02-29 00:00:00", true, true));
    assert_true(
        may("day(ts)", p, "ts", T, "2024-01-01 00:00:00", "2024-12-31 00:00:00", true, true));
    assert_false(may("day(ts)", p, "ts", "timestamp[s, tz=UTC]", "2024-02-29 20:00:00-05:00", NULL,
                     true, true));
    assert_true(
        may("month(ts)", "{\"ts_month\": 649}", "ts", T, "2024-02-29 12:00:00", NULL, true, true));
    assert_false(
        may("month(ts)", "{\"ts_month\": 649}", "ts", T, "2024-03-01 00:00:00", NULL, true, true));
    assert_false(
        may("year(ts)", "{\"ts_year\": -1}", "ts", T, "1970-01-01 00:00:00", NULL, true, true));
    assert_true(
        may("year(ts)", "{\"ts_year\": -1}", "ts", T, NULL, "1970-01-01 00:00:00", true, true));
    /* below an exclusive 1970-01-01 00:00:00 is 1969-12-31 23:59:59.999999, in 1969 */
    assert_true(
        may("year(ts)", "{\"ts_year\": -1}", "ts", T, NULL, "1970-01-01 00:00:00", true, false));
    assert_false(
        may("hour(ts)", "{\"ts_hour\": 0}", "ts", T, "1970-01-01 01:00:00", NULL, true, true));
    assert_false(may("day(d)", "{\"d_day\": -1}", "d", "date32", "1970-01-01", NULL, true, true));
    /* a string bound for a timestamp column: unsure */
    assert_true(may("day(ts)", p, "ts", "string", "2025-01-01", NULL, true, true));

    const char *tp = "{\"v_truncate\": 10}";
    assert_false(may("truncate(10, v)", tp, "v", "int64", "20", NULL, true, true));
    assert_true(may("truncate(10, v)", tp, "v", "int64", "19", NULL, true, true));
    assert_false(may("truncate(10, v)", tp, "v", "int64", "19", NULL, false, true));
    assert_false(may("truncate(10, v)", tp, "v", "int64", NULL, "9", true, true));
    assert_false(may("truncate(10, v)", tp, "v", "int64", NULL, "10", true, false));
    const char *sp = "{\"s_truncate\": \"ab\"}";
    assert_false(may("truncate(2, s)", sp, "s", "string", "ac", NULL, true, true));
    assert_true(may("truncate(2, s)", sp, "s", "string", "ab", NULL, true, true));
    assert_true(may("truncate(2, s)", sp, "s", "string", "abz", NULL, false, true));
    assert_false(may("truncate(2, s)", sp, "s", "string", NULL, "aa", true, true));
    assert_true(may("truncate(2, s)", sp, "s", "string", NULL, "abz", true, true));
}

static void test_may_contain_bucket_prunes_equality_only(void **state)
{
    (void)state;
    const char *p = "{\"id_bucket\": 3}"; /* bucket(16) of 34 */
    assert_true(may("bucket(16, id)", p, "id", "int64", "34", "34", true, true));
    assert_true(may("bucket(16, id)", p, "id", "int32", "34", "34", true, true));
    assert_false(may("bucket(16, id)", p, "id", "int64", "1", "1", true, true));
    assert_true(may("bucket(16, id)", p, "id", "int64", "1", "100", true, true));
    assert_true(may("bucket(16, id)", p, "id", "int64", "1", "1", false, true));
    assert_true(may("bucket(16, id)", p, "id", "int64", "1", NULL, true, true));
    assert_false(may("bucket(100, s)", "{\"s_bucket\": 88}", "s", "string", "iceberg", "iceberg",
                     true, true));
    assert_true(may("bucket(100, s)", "{\"s_bucket\": 89}", "s", "string", "iceberg", "iceberg",
                    true, true));
    /* several fields over one column: any of them may prune */
    assert_false(may("bucket(16, id), truncate(100, id)",
                     "{\"id_bucket\": 3, \"id_truncate\": 100}", "id", "int64", "34", "34", true,
                     true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_murmur3_matches_iceberg_spec_vectors),
        cmocka_unit_test(test_iceberg_hash_of_every_type_matches_appendix_b),
        cmocka_unit_test(test_bucket_transform_values_and_nulls),
        cmocka_unit_test(test_time_transforms_floor_before_1970_and_know_leap_years),
        cmocka_unit_test(test_time_transforms_agree_across_units_and_zones),
        cmocka_unit_test(test_time_transform_outside_int32_is_an_error),
        cmocka_unit_test(test_truncate_integers_floor_negatives),
        cmocka_unit_test(test_truncate_strings_count_code_points_and_decimals_scale),
        cmocka_unit_test(test_spec_text_and_json_forms_round_trip_with_default_names),
        cmocka_unit_test(test_spec_text_errors_name_the_offset_and_what_was_expected),
        cmocka_unit_test(test_spec_json_errors_name_the_field_and_member),
        cmocka_unit_test(test_bind_checks_columns_types_names_and_params),
        cmocka_unit_test(test_values_of_a_dictionary_column_use_its_values),
        cmocka_unit_test(test_key_buckets_are_iceberg_buckets_combined),
        cmocka_unit_test(test_split_groups_rows_in_order_with_nulls_and_several_fields),
        cmocka_unit_test(test_split_many_rows_every_group_keeps_its_rows),
        cmocka_unit_test(test_split_under_allocation_failures_fails_cleanly),
        cmocka_unit_test(test_keys_of_hostile_values_are_safe_and_decode_back),
        cmocka_unit_test(test_keys_of_every_value_kind_round_trip),
        cmocka_unit_test(test_key_decode_rejects_malformed_keys),
        cmocka_unit_test(test_may_contain_identity_compares_values_and_bounds),
        cmocka_unit_test(test_may_contain_time_transforms_and_truncate_map_the_bounds),
        cmocka_unit_test(test_may_contain_bucket_prunes_equality_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
