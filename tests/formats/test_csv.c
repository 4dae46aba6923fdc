/* test_csv.c: the CSV/TSV/PSV reader and writer (csv_reader.c, csv_writer.c). */
#include "testutil.h"

#include "formats/formats_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- helpers ---- */

static dc_status open_text_chunked(dc_reader **r, const char *text, int64_t n,
                                   const dc_read_options *o, int64_t chunk, dc_error *err)
{
    dc_input *in = NULL;
    dc_status rc = dc_input_open_memory(&in, text, n, true, "t.csv", err);
    if (rc != DC_OK)
        return rc;
    return dc_csv__reader_open_chunked(r, in, o, chunk, err);
}

static dc_status open_text(dc_reader **r, const char *text, const dc_read_options *o,
                           dc_error *err)
{
    dc_input *in = NULL;
    dc_status rc = dc_input_open_memory(&in, text, (int64_t)strlen(text), true, "t.csv", err);
    if (rc != DC_OK)
        return rc;
    return dc_csv_reader_open(r, in, o, err);
}

/* Every row of every batch as "v|v|null\n" (TEXT rendering); NULL on a reader error
 * (then *rc and err say why). *batches counts the batches. */
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

/* Read `text` fully and compare with `expected` (dump format). */
static void assert_reads(const char *text, const dc_read_options *o, const char *expected)
{
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    dc_status rc = open_text(&r, text, o, &err);
    if (rc != DC_OK)
        fail_msg("open failed: %s", err.message);
    char *got = dump_reader(r, NULL, &rc, &err);
    if (!got)
        fail_msg("read failed: %s", err.message);
    assert_string_equal(got, expected);
    dc_free(got);
    dc_reader_free(r);
}

#define schema_text tu_schema_text

static void assert_schema(const char *text, const dc_read_options *o, const char *expected)
{
    dc_reader *r = NULL;
    dc_error err;
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

/* Open and read `text`, expecting failure with `code` at `line` (either at open or
 * while reading); returns nothing, checks the message mentions the file. */
static void assert_fails(const char *text, const dc_read_options *o, dc_status code,
                         int64_t line, const char *needle)
{
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    dc_status rc = open_text(&r, text, o, &err);
    if (rc == DC_OK) {
        char *got = dump_reader(r, NULL, &rc, &err);
        dc_free(got);
        assert_null(got);
        dc_reader_free(r);
    } else {
        assert_null(r);
    }
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_int_equal(err.line, line);
    assert_string_equal(err.path, "t.csv");
    if (!strstr(err.message, "t.csv"))
        fail_msg("message does not name the file: %s", err.message);
    if (needle && !strstr(err.message, needle))
        fail_msg("message lacks '%s': %s", needle, err.message);
}

static dc_schema *make_schema(const char *const *names, const char *const *types, int32_t n,
                              bool nullable)
{
    dc_field f[16];
    for (int32_t i = 0; i < n; i++) {
        dc_type *t = NULL;
        DC_ASSERT_OK(dc_type_parse(&t, types[i], NULL));
        DC_ASSERT_OK(dc_field_init(&f[i], names[i], t, nullable, NULL));
        dc_type_unref(t);
    }
    dc_schema *s = dc_schema_new(f, n, NULL);
    for (int32_t i = 0; i < n; i++)
        dc_field_clear(&f[i]);
    assert_non_null(s);
    return s;
}

/* Write the batches of `r` as CSV with `o` into memory; returns the text (dc_free). */
static char *write_reader(dc_reader *r, const dc_csv_options *o)
{
    dc_output *out = NULL;
    dc_batch_writer *w = NULL;
    DC_ASSERT_OK(dc_output_open_memory(&out, NULL));
    DC_ASSERT_OK(dc_csv_writer_open(&w, out, dc_reader_schema(r), o, NULL));
    for (;;) {
        dc_batch *b = NULL;
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        if (!b)
            break;
        DC_ASSERT_OK(dc_batch_writer_write(w, b, NULL));
        dc_batch_unref(b);
    }
    DC_ASSERT_OK(dc_batch_writer_finish(w, NULL));
    DC_ASSERT_OK(dc_output_finish(out, NULL));
    int64_t len = 0;
    const uint8_t *data = dc_output_memory_data(out, &len);
    char *text = dc_strndup((const char *)data, (size_t)len);
    dc_batch_writer_free(w);
    dc_output_close(out);
    return text;
}

/* Write one batch of `columns` under `schema`; returns the text. */
static char *write_columns(const dc_schema *schema, dc_array **cols, int64_t n,
                           const dc_csv_options *o)
{
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_batch_new(&b, schema, cols, n, NULL));
    dc_reader *r = NULL;
    DC_ASSERT_OK(dc_reader_from_batches(&r, schema, &b, 1, NULL));
    char *text = write_reader(r, o);
    dc_reader_free(r);
    dc_batch_unref(b);
    return text;
}

/* ---- inference ---- */

static void test_infers_each_type(void **state)
{
    (void)state;
    const char *csv = "b,i,d,dt,ts,tz,s,n\n"
                      "true,1,1.5,2024-01-02,2024-01-02 03:04:05,2024-01-02T03:04:05Z,x,\n"
                      "FALSE,-2,2,2024-02-29,2024-01-02T03:04:05.123456,2024-01-02 05:04:05+02:00,"
                      "y,\n"
                      ",,,,,,,\n";
    assert_schema(csv, NULL,
                  "b: bool, i: int64, d: double, dt: date32, ts: timestamp[us], "
                  "tz: timestamp[us, tz=UTC], s: string, n: string");
    assert_reads(csv, NULL,
                 "true|1|1.5|2024-01-02|2024-01-02 03:04:05|2024-01-02 03:04:05Z|x|null\n"
                 "false|-2|2.0|2024-02-29|2024-01-02 03:04:05.123456|2024-01-02 03:04:05Z|y|null\n"
                 "null|null|null|null|null|null|null|null\n");
}

static void test_infers_the_widest_type_of_mixed_values(void **state)
{
    (void)state;
    /* int+double -> double, int+text -> string, date+timestamp -> timestamp,
     * zoned+naive -> naive timestamp, 0/1 -> int64 (not bool), huge int -> double */
    const char *csv = "a,b,c,d,e,f\n"
                      "1,1,2024-01-01,2024-01-01 00:00Z,0,1\n"
                      "2.5,x,2024-01-01 10:00,2024-01-01 00:00,1,99999999999999999999\n";
    assert_schema(csv, NULL,
                  "a: double, b: string, c: timestamp[us], d: timestamp[us], e: int64, f: double");
}

static void test_infer_types_off_reads_strings(void **state)
{
    (void)state;
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.csv.infer_types = false;
    assert_schema("a,b\n1,true\n", &o, "a: string, b: string");
    assert_reads("a,b\n1,true\n", &o, "1|true\n");
}

static void test_value_after_inference_window_that_does_not_parse_fails_with_line(void **state)
{
    (void)state;
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.infer_rows = 2;
    assert_fails("id,name\n1,a\n2,b\n3,c\nfour,d\n", &o, DC_ESCHEMA, 5, "four");
    dc_error err;
    dc_reader *r = NULL;
    DC_ASSERT_OK(open_text(&r, "id,name\n1,a\n2,b\n3,c\nfour,d\n", &o, &err));
    dc_status rc;
    char *got = dump_reader(r, NULL, &rc, &err);
    assert_null(got);
    assert_string_equal(err.column, "id");
    assert_non_null(strstr(err.message, "int64"));
    assert_non_null(strstr(err.message, "infer_rows"));
    assert_non_null(strstr(err.message, "schema"));
    dc_reader_free(r);
}

/* ---- RFC 4180 syntax ---- */

static void test_quoted_fields_hold_delimiters_quotes_and_newlines(void **state)
{
    (void)state;
    const char *csv = "a,b\n"
                      "\"x,y\",\"say \"\"hi\"\"\"\n"
                      "\"line1\nline2\",\"\"\"\"\n"
                      "plain,\"\"\n";
    assert_reads(csv, NULL,
                 "x,y|say \"hi\"\n"
                 "line1\nline2|\"\n"
                 "plain|\n");
}

static void test_quoted_empty_is_empty_string_and_unquoted_empty_is_null(void **state)
{
    (void)state;
    dc_reader *r = NULL;
    DC_ASSERT_OK(open_text(&r, "a,b\n\"\",\n", NULL, NULL));
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_non_null(b);
    assert_false(dc_array_is_null(b->columns[0], 0));
    int64_t n = -1;
    dc_array_get_bytes(b->columns[0], 0, &n);
    assert_int_equal(n, 0);
    assert_true(dc_array_is_null(b->columns[1], 0));
    dc_batch_unref(b);
    dc_reader_free(r);
}

static void test_custom_null_values(void **state)
{
    (void)state;
    static const char *const nulls[] = {"NA", "null"};
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.csv.null_values = nulls;
    o.csv.n_null_values = 2;
    /* "NA" unquoted is null, quoted it is text; the empty field is no longer null */
    assert_reads("a,b\nNA,\"NA\"\nnull,\n", &o, "null|NA\nnull|\n");
    assert_schema("a,b\nNA,1\n2,null\n", &o, "a: int64, b: int64");
}

static void test_crlf_line_endings(void **state)
{
    (void)state;
    assert_reads("a,b\r\n1,x\r\n2,\"y\r\nz\"\r\n", NULL, "1|x\n2|y\r\nz\n");
    assert_schema("a,b\r\n1,x\r\n", NULL, "a: int64, b: string");
}

static void test_byte_order_mark_is_skipped(void **state)
{
    (void)state;
    assert_schema("\xEF\xBB\xBF" "a,b\n1,2\n", NULL, "a: int64, b: int64");
    assert_reads("\xEF\xBB\xBF" "a,b\n1,2\n", NULL, "1|2\n");
}

static void test_tsv_and_psv_delimiters(void **state)
{
    (void)state;
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_TSV);
    assert_reads("a\tb\n1,5\tx|y\n", &o, "1,5|x|y\n");
    assert_schema("a\tb\n1\t2.5\n", &o, "a: int64, b: double");
    dc_read_options_init(&o, DC_FORMAT_PSV);
    assert_reads("a|b\n1,5|\"x|y\"\n", &o, "1,5|x|y\n");
}

static void test_last_row_without_newline_and_trailing_delimiter(void **state)
{
    (void)state;
    assert_reads("a,b\n1,2\n3,", NULL, "1|2\n3|null\n");
    assert_reads("a,b\n1,\"2\"", NULL, "1|2\n");
}

static void test_blank_lines_are_skipped_with_several_columns(void **state)
{
    (void)state;
    assert_reads("a,b\n\n1,2\n\n\n3,4\n\n", NULL, "1|2\n3|4\n");
}

static void test_blank_lines_are_nulls_with_one_column(void **state)
{
    (void)state;
    assert_reads("a\n1\n\n3\n", NULL, "1\nnull\n3\n");
}

/* ---- header ---- */

static void test_header_names_are_deduplicated_and_blanks_named(void **state)
{
    (void)state;
    assert_schema("a,a,,b,a_2,\"\"\n1,2,3,4,5,6\n", NULL,
                  "a: int64, a_2: int64, column_3: int64, b: int64, a_2_2: int64, "
                  "column_6: int64");
}

static void test_no_header_names_columns(void **state)
{
    (void)state;
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.csv.header = false;
    assert_schema("1,x\n2,y\n", &o, "column_1: int64, column_2: string");
    assert_reads("1,x\n2,y\n", &o, "1|x\n2|y\n");
}

static void test_empty_file_has_no_columns_and_no_rows(void **state)
{
    (void)state;
    assert_schema("", NULL, "");
    assert_reads("", NULL, "");
    assert_reads("\xEF\xBB\xBF", NULL, "");
    assert_reads("\n\n", NULL, "");
}

static void test_header_only_gives_string_columns_and_no_rows(void **state)
{
    (void)state;
    assert_schema("a,b\n", NULL, "a: string, b: string");
    assert_reads("a,b\n", NULL, "");
    assert_reads("a,b", NULL, "");
}

/* ---- explicit schema ---- */

static void test_schema_matches_header_by_name_and_drops_extra_columns(void **state)
{
    (void)state;
    static const char *const names[] = {"id", "price", "when", "ok"};
    static const char *const types[] = {"int32", "decimal128(5, 2)", "timestamp[ms]", "bool"};
    dc_schema *s = make_schema(names, types, 4, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.schema = s;
    const char *csv = "ok,extra,when,price,id\n"
                      "yes,zzz,2024-01-02 03:04:05.5,12.5,7\n"
                      "0,,,,\n";
    assert_schema(csv, &o, "id: int32, price: decimal128(5, 2), when: timestamp[ms], ok: bool");
    assert_reads(csv, &o, "7|12.50|2024-01-02 03:04:05.500|true\nnull|null|null|false\n");
    dc_schema_unref(s);
}

static void test_schema_without_header_is_positional(void **state)
{
    (void)state;
    static const char *const names[] = {"x", "y"};
    static const char *const types[] = {"uint8", "float"};
    dc_schema *s = make_schema(names, types, 2, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.schema = s;
    o.csv.header = false;
    assert_reads("255,0.5\n0,-1\n", &o, "255|0.5\n0|-1.0\n");
    assert_fails("256,0.5\n", &o, DC_ESCHEMA, 1, "uint8");
    assert_fails("1,2,3\n", &o, DC_ESCHEMA, 1, "schema");
    dc_schema_unref(s);
}

static void test_schema_column_missing_from_header_is_named(void **state)
{
    (void)state;
    static const char *const names[] = {"a", "zz", "yy"};
    static const char *const types[] = {"int64", "string", "string"};
    dc_schema *s = make_schema(names, types, 3, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.schema = s;
    assert_fails("a,b\n1,2\n", &o, DC_ESCHEMA, 1, "'zz', 'yy'");
    dc_schema_unref(s);
}

static void test_schema_value_that_does_not_parse_names_column_and_line(void **state)
{
    (void)state;
    static const char *const names[] = {"a", "d"};
    static const char *const types[] = {"int64", "date32"};
    dc_schema *s = make_schema(names, types, 2, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.schema = s;
    assert_fails("a,d\n1,2024-01-01\n2,2024-02-30\n", &o, DC_ESCHEMA, 3, "2024-02-30");
    dc_schema_unref(s);
}

static void test_null_in_not_null_schema_field_fails(void **state)
{
    (void)state;
    static const char *const names[] = {"a"};
    static const char *const types[] = {"int64"};
    dc_schema *s = make_schema(names, types, 1, false);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.schema = s;
    assert_fails("a\n1\n\n", &o, DC_ESCHEMA, 3, "not null");
    dc_schema_unref(s);
}

static void test_schema_reads_every_scalar_type(void **state)
{
    (void)state;
    static const char *const names[] = {"i8",  "i16", "u64", "f16", "d256", "d64",
                                        "t32", "t64", "dur", "ls",  "bin",  "fsb"};
    static const char *const types[] = {"int8",       "int16",        "uint64",
                                        "halffloat",  "decimal256(40, 3)", "date64",
                                        "time32[ms]", "time64[us]",   "duration[s]",
                                        "large_string", "binary",     "fixed_size_binary[2]"};
    dc_schema *s = make_schema(names, types, 12, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.schema = s;
    o.csv.header = false;
    assert_reads("-128,32767,18446744073709551615,1.5,-1.125,2024-01-02,01:02:03.004,"
                 "01:02:03.000004,5s,héllo,00ff41,abcd\n"
                 ",,,,,,,,,,,\n",
                 &o,
                 "-128|32767|18446744073709551615|1.5|-1.125|2024-01-02|01:02:03.004|"
                 "01:02:03.000004|5s|héllo|00ff41|abcd\n"
                 "null|null|null|null|null|null|null|null|null|null|null|null\n");
    assert_fails("128,,,,,,,,,,,\n", &o, DC_ESCHEMA, 1, "int8");
    assert_fails(",,,,,,,,,,0g,\n", &o, DC_ESCHEMA, 1, "binary");
    assert_fails(",,,,,,,,,,,abc\n", &o, DC_ESCHEMA, 1, "fixed_size_binary");
    dc_schema_unref(s);
}

static void test_nested_schema_type_is_unsupported(void **state)
{
    (void)state;
    static const char *const names[] = {"l"};
    static const char *const types[] = {"list<item: int64>"};
    dc_schema *s = make_schema(names, types, 1, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.schema = s;
    dc_reader *r = NULL;
    dc_error err;
    assert_int_equal(open_text(&r, "l\n1\n", &o, &err), DC_EUNSUPPORTED);
    assert_null(r);
    assert_non_null(strstr(err.message, "JSON Lines"));
    dc_schema_unref(s);
}

/* ---- errors ---- */

static void test_wrong_field_count_fails_with_line(void **state)
{
    (void)state;
    assert_fails("a,b\n1,2\n3\n", NULL, DC_EINVALID, 3, "expected 2 fields");
    assert_fails("a,b\n1,2\n3,4,5\n", NULL, DC_EINVALID, 3, "found 3");
    /* beyond the inference window, after a multi-line quoted field */
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.infer_rows = 1;
    assert_fails("a,b\n\"x\ny\",2\n1,2\n3,4,5\n", &o, DC_EINVALID, 5, "found 3");
}

static void test_unterminated_quote_fails_with_line(void **state)
{
    (void)state;
    assert_fails("a,b\n1,2\n3,\"abc\ndef\n", NULL, DC_EINVALID, 3, "unterminated");
}

static void test_junk_after_closing_quote_fails(void **state)
{
    (void)state;
    assert_fails("a,b\n1,\"x\"y\n", NULL, DC_EINVALID, 2, "closing quote");
}

static void test_invalid_utf8_in_string_column_fails(void **state)
{
    (void)state;
    assert_fails("a,b\n1,ok\n2,bad\xff\n", NULL, DC_EINVALID, 3, "UTF-8");
    assert_fails("a,\xc3\n1,2\n", NULL, DC_EINVALID, 1, "UTF-8");
}

static void test_reader_stays_failed_after_error(void **state)
{
    (void)state;
    dc_reader *r = NULL;
    dc_error err;
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.infer_rows = 1; /* the bad row is read by next, not by open */
    DC_ASSERT_OK(open_text(&r, "a,b\n1,2\n3\n4,5\n", &o, &err));
    dc_batch *b = NULL;
    assert_int_equal(dc_reader_next(r, &b, &err), DC_EINVALID);
    assert_null(b);
    assert_int_equal(dc_reader_next(r, &b, &err), DC_EINVALID);
    assert_null(b);
    dc_reader_free(r);
}

static void test_bad_options_fail(void **state)
{
    (void)state;
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.csv.delimiter = '"';
    dc_reader *r = NULL;
    dc_error err;
    assert_int_equal(open_text(&r, "a\n", &o, &err), DC_EINVALID);
    assert_null(r);
    o.csv.delimiter = '\n';
    assert_int_equal(open_text(&r, "a\n", &o, &err), DC_EINVALID);
}

/* ---- streaming ---- */

/* Every chunk size from 1 byte up must give the same rows as one big chunk. */
static void test_tiny_chunks_cut_rows_and_quotes_anywhere(void **state)
{
    (void)state;
    const char *csv = "\xEF\xBB\xBF" "id,text,x\r\n"
                      "1,\"a,b\"\"c\"\"\r\nd\",1.5\r\n"
                      "2,,\r\n"
                      "3,\"\",2\r\n"
                      "4,plain text here,3\r\n"
                      "5,\"\"\"\",4";
    const char *want =
        "1|a,b\"c\"\r\nd|1.5\n2|null|null\n3||2.0\n4|plain text here|3.0\n5|\"|4.0\n";
    for (int64_t chunk = 1; chunk <= 40; chunk++) {
        for (int infer = 1; infer <= 6; infer += 5) {
            dc_read_options o;
            dc_read_options_init(&o, DC_FORMAT_CSV);
            o.infer_rows = infer;
            o.batch_rows = 2;
            dc_reader *r = NULL;
            dc_error err;
            if (open_text_chunked(&r, csv, (int64_t)strlen(csv), &o, chunk, &err) != DC_OK)
                fail_msg("chunk %lld: %s", (long long)chunk, err.message);
            char *sch = schema_text(dc_reader_schema(r));
            assert_string_equal(sch, "id: int64, text: string, x: double");
            dc_free(sch);
            dc_status rc;
            int64_t nb = 0;
            char *got = dump_reader(r, &nb, &rc, &err);
            if (!got)
                fail_msg("chunk %lld: %s", (long long)chunk, err.message);
            assert_string_equal(got, want);
            assert_int_equal(nb, 3);
            dc_free(got);
            dc_reader_free(r);
        }
    }
}

static void test_tiny_chunks_report_errors_on_the_right_line(void **state)
{
    (void)state;
    const char *csv = "a,b\n1,\"x\ny\"\n2,3,4\n";
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.infer_rows = 1;
    for (int64_t chunk = 1; chunk <= 8; chunk++) {
        dc_reader *r = NULL;
        dc_error err;
        DC_ASSERT_OK(open_text_chunked(&r, csv, (int64_t)strlen(csv), &o, chunk, &err));
        dc_status rc;
        char *got = dump_reader(r, NULL, &rc, &err);
        assert_null(got);
        assert_int_equal(rc, DC_EINVALID);
        assert_int_equal(err.line, 4);
        dc_reader_free(r);
    }
}

static void test_file_larger_than_one_batch(void **state)
{
    (void)state;
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_strbuf_puts(&s, "n,sq,label\n");
    const int64_t rows = 25000;
    for (int64_t i = 0; i < rows; i++)
        dc_strbuf_printf(&s, "%lld,%lld,\"row %lld\"\n", (long long)i, (long long)(i * i),
                         (long long)i);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.batch_rows = 1000;
    o.infer_rows = 100;
    dc_reader *r = NULL;
    DC_ASSERT_OK(open_text_chunked(&r, s.data, s.len, &o, 4096, NULL));
    int64_t seen = 0, batches = 0;
    for (;;) {
        dc_batch *b = NULL;
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        if (!b)
            break;
        batches++;
        assert_int_equal(b->length, 1000);
        assert_int_equal(b->columns[0]->type->id, DC_TYPE_INT64);
        for (int64_t i = 0; i < b->length; i++) {
            int64_t n = seen + i;
            assert_int_equal(dc_array_get_int(b->columns[0], i), n);
            assert_int_equal(dc_array_get_int(b->columns[1], i), n * n);
            int64_t len;
            const uint8_t *p = dc_array_get_bytes(b->columns[2], i, &len);
            char want[32];
            snprintf(want, sizeof want, "row %lld", (long long)n);
            assert_int_equal(len, (int64_t)strlen(want));
            assert_memory_equal(p, want, (size_t)len);
        }
        seen += b->length;
        dc_batch_unref(b);
    }
    assert_int_equal(seen, rows);
    assert_int_equal(batches, 25);
    dc_reader_free(r);
    dc_strbuf_free(&s);
}

static void test_long_field_spanning_many_chunks(void **state)
{
    (void)state;
    int64_t n = 3 << 20; /* 3 MiB, above the 1 MiB chunk */
    char *text = malloc((size_t)n + 64);
    assert_non_null(text);
    int64_t k = (int64_t)snprintf(text, 64, "a,b\n1,\"");
    memset(text + k, 'x', (size_t)n);
    k += n;
    memcpy(text + k, "\"\n2,y\n", 6);
    k += 6;
    dc_reader *r = NULL;
    DC_ASSERT_OK(open_text_chunked(&r, text, k, NULL, 0, NULL));
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_non_null(b);
    assert_int_equal(b->length, 2);
    int64_t len;
    dc_array_get_bytes(b->columns[1], 0, &len);
    assert_int_equal(len, n);
    dc_batch_unref(b);
    dc_reader_free(r);
    free(text);
}

static void test_row_longer_than_the_limit_fails_clearly(void **state)
{
    (void)state;
    int64_t n = (int64_t)65 << 20; /* above the 64 MiB row limit */
    char *text = malloc((size_t)n + 64);
    assert_non_null(text);
    int64_t k = (int64_t)snprintf(text, 64, "a,b\n1,2\n3,\"");
    memset(text + k, 'x', (size_t)n);
    k += n;
    memcpy(text + k, "\"\n", 3);
    k += 2;
    dc_input *in = NULL;
    DC_ASSERT_OK(dc_input_open_memory(&in, text, k, false, "t.csv", NULL));
    dc_reader *r = NULL;
    dc_error err;
    assert_int_equal(dc_csv_reader_open(&r, in, NULL, &err), DC_EINVALID);
    assert_null(r);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.message, "longer than 64 MiB"));
    free(text);
}

/* Every allocation failure, at every step, gives DC_ENOMEM cleanly (ASan checks leaks). */
static void test_allocation_failures_are_reported_not_crashed(void **state)
{
    (void)state;
    const char *csv = "a,b,c\n1,x,2024-01-01\n2,\"y\"\"z\",\n,,2024-02-02\n";
    bool completed = false;
    for (int64_t n = 0; n < 400 && !completed; n++) {
        dc_input *in = NULL;
        dc_reader *r = NULL;
        dc_error err;
        dc_read_options o;
        dc_read_options_init(&o, DC_FORMAT_CSV);
        o.batch_rows = 2;
        dc_alloc_fail_after(n);
        dc_status rc = dc_input_open_memory(&in, csv, (int64_t)strlen(csv), true, "t.csv", &err);
        if (rc == DC_OK)
            rc = dc_csv_reader_open(&r, in, &o, &err);
        int64_t rows = 0;
        while (rc == DC_OK) {
            dc_batch *b = NULL;
            rc = dc_reader_next(r, &b, &err);
            if (rc != DC_OK || !b)
                break;
            rows += b->length;
            dc_batch_unref(b);
        }
        dc_alloc_fail_after(-1);
        if (rc == DC_OK) {
            assert_int_equal(rows, 3);
            completed = true;
        } else {
            assert_int_equal(rc, DC_ENOMEM);
        }
        dc_reader_free(r);
    }
    assert_true(completed);
}

/* ---- writer ---- */

static void test_writer_quotes_only_when_needed(void **state)
{
    (void)state;
    const char *v[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", " lead", "trail ",
                       "",      NULL,  "x"};
    dc_array *a = tu_utf8(v, 10);
    static const char *const names[] = {"s"};
    static const char *const types[] = {"string"};
    dc_schema *s = make_schema(names, types, 1, true);
    char *text = write_columns(s, &a, 10, NULL);
    assert_string_equal(text, "s\nplain\n\"a,b\"\n\"say \"\"hi\"\"\"\n\"two\nlines\"\n\"cr\r\"\n"
                              "\" lead\"\n\"trail \"\n\"\"\n\nx\n");
    dc_free(text);
    dc_array_unref(a);
    dc_schema_unref(s);
}

static void test_writer_null_string_and_markers_round_trip(void **state)
{
    (void)state;
    const char *v[] = {"NA", NULL, "", "ok"};
    dc_array *a = tu_utf8(v, 4);
    static const char *const names[] = {"s"};
    static const char *const types[] = {"string"};
    dc_schema *s = make_schema(names, types, 1, true);
    static const char *const nulls[] = {"NA"};
    dc_write_options wo;
    dc_write_options_init(&wo, DC_FORMAT_CSV);
    wo.csv.null_string = "NA";
    wo.csv.null_values = nulls;
    wo.csv.n_null_values = 1;
    char *text = write_columns(s, &a, 4, &wo.csv);
    /* the literal "NA" is quoted, the null is NA, the empty string is bare */
    assert_string_equal(text, "s\n\"NA\"\nNA\n\nok\n");
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.csv.null_values = nulls;
    o.csv.n_null_values = 1;
    assert_reads(text, &o, "NA\nnull\n\nok\n");
    dc_free(text);
    dc_array_unref(a);
    dc_schema_unref(s);
}

static void test_writer_tsv_without_header(void **state)
{
    (void)state;
    int64_t iv[] = {1, -2};
    dc_array *cols[2];
    cols[0] = tu_int64(iv, 2, "11");
    const char *sv[] = {"a\tb", "c,d"};
    cols[1] = tu_utf8(sv, 2);
    static const char *const names[] = {"i", "s"};
    static const char *const types[] = {"int64", "string"};
    dc_schema *s = make_schema(names, types, 2, true);
    dc_write_options wo;
    dc_write_options_init(&wo, DC_FORMAT_TSV);
    wo.csv.header = false;
    char *text = write_columns(s, cols, 2, &wo.csv);
    assert_string_equal(text, "1\t\"a\tb\"\n-2\tc,d\n");
    dc_free(text);
    dc_array_unref(cols[0]);
    dc_array_unref(cols[1]);
    dc_schema_unref(s);
}

static void test_writer_empty_reader_writes_only_the_header(void **state)
{
    (void)state;
    static const char *const names[] = {"a", "b c"};
    static const char *const types[] = {"int64", "string"};
    dc_schema *s = make_schema(names, types, 2, true);
    dc_reader *r = NULL;
    DC_ASSERT_OK(dc_reader_from_batches(&r, s, NULL, 0, NULL));
    char *text = write_reader(r, NULL);
    assert_string_equal(text, "a,b c\n");
    dc_free(text);
    dc_reader_free(r);
    dc_schema_unref(s);
}

static void test_writer_allocation_failures_are_reported(void **state)
{
    (void)state;
    const char *v[] = {"a,b", NULL, "plain"};
    dc_array *a = tu_utf8(v, 3);
    static const char *const names[] = {"s"};
    static const char *const types[] = {"string"};
    dc_schema *s = make_schema(names, types, 1, true);
    dc_batch *b = NULL;
    DC_ASSERT_OK(dc_batch_new(&b, s, &a, 3, NULL));
    bool completed = false;
    for (int64_t n = 0; n < 100 && !completed; n++) {
        dc_output *out = NULL;
        dc_batch_writer *w = NULL;
        dc_alloc_fail_after(n);
        dc_status rc = dc_output_open_memory(&out, NULL);
        if (rc == DC_OK)
            rc = dc_csv_writer_open(&w, out, s, NULL, NULL);
        if (rc == DC_OK)
            rc = dc_batch_writer_write(w, b, NULL);
        if (rc == DC_OK)
            rc = dc_batch_writer_finish(w, NULL);
        if (rc == DC_OK)
            rc = dc_output_finish(out, NULL);
        dc_alloc_fail_after(-1);
        if (rc == DC_OK) {
            int64_t len = 0;
            const uint8_t *data = dc_output_memory_data(out, &len);
            assert_int_equal(len, 15);
            assert_memory_equal(data, "s\n\"a,b\"\n\nplain\n", 15);
            completed = true;
        } else {
            assert_int_equal(rc, DC_ENOMEM);
        }
        dc_batch_writer_free(w);
        dc_output_close(out);
    }
    assert_true(completed);
    dc_batch_unref(b);
    dc_array_unref(a);
    dc_schema_unref(s);
}

/* ---- round trips ---- */

/* Read `text` with `o`, write it, read the output again: same rows and schema. */
static void assert_round_trip(const char *text, const dc_read_options *o)
{
    dc_reader *r = NULL;
    dc_error err;
    if (open_text(&r, text, o, &err) != DC_OK)
        fail_msg("%s", err.message);
    char *first = schema_text(dc_reader_schema(r));
    char *written = write_reader(r, o ? &o->csv : NULL);
    dc_reader_free(r);
    char *want_rows = NULL, *got_rows = NULL;
    dc_status rc;
    DC_ASSERT_OK(open_text(&r, text, o, NULL));
    want_rows = dump_reader(r, NULL, &rc, NULL);
    dc_reader_free(r);
    if (open_text(&r, written, o, &err) != DC_OK)
        fail_msg("re-read: %s\n%s", err.message, written);
    char *second = schema_text(dc_reader_schema(r));
    got_rows = dump_reader(r, NULL, &rc, &err);
    if (!got_rows)
        fail_msg("re-read: %s\n%s", err.message, written);
    assert_string_equal(second, first);
    assert_string_equal(got_rows, want_rows);
    dc_reader_free(r);
    dc_free(first);
    dc_free(second);
    dc_free(written);
    dc_free(want_rows);
    dc_free(got_rows);
}

static void test_round_trip_inferred_types_with_nulls(void **state)
{
    (void)state;
    assert_round_trip("b,i,d,dt,ts,tz,s\n"
                      "true,1,1.5,2024-01-02,2024-01-02 03:04:05,2024-01-02T03:04:05Z,\"x,\"\"y\"\"\"\n"
                      ",,,,,,\n"
                      "false,-9223372036854775808,-0.1,1900-02-28,1969-12-31 23:59:59.999999,"
                      "2000-01-01 00:00:00+05:30,\"\"\n"
                      "true,9223372036854775807,1e300,9999-12-31,2024-01-01,2024-01-01 00:00Z,"
                      "\" spaced \"\n",
                      NULL);
}

static void test_round_trip_explicit_schema_of_every_scalar_type(void **state)
{
    (void)state;
    static const char *const names[] = {"i8",   "u32", "f32",  "f64", "dec",  "d32",  "d64",
                                        "t32",  "t64", "tsns", "dur", "bin",  "ls",   "b"};
    static const char *const types[] = {"int8",        "uint32",       "float",
                                        "double",      "decimal128(10, 4)", "date32",
                                        "date64",      "time32[s]",    "time64[ns]",
                                        "timestamp[ns, tz=UTC]", "duration[ms]", "binary",
                                        "large_string", "bool"};
    dc_schema *s = make_schema(names, types, 14, true);
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.schema = s;
    assert_round_trip("i8,u32,f32,f64,dec,d32,d64,t32,t64,tsns,dur,bin,ls,b\n"
                      "-7,4294967295,0.1,0.30000000000000004,-123456.7891,2024-02-29,1970-01-01,"
                      "23:59:59,00:00:00.000000001,2024-01-02T03:04:05.123456789Z,1500,00ff,"
                      "\"multi\nline\",true\n"
                      ",,,,,,,,,,,,,\n"
                      "0,0,inf,nan,0,1969-12-31,2262-04-11,00:00:00,12:00:00,"
                      "1677-09-22 00:00:00Z,-5ms,,\"\",false\n",
                      &o);
    dc_schema_unref(s);
}

static void test_round_trip_tsv_and_single_column_with_nulls(void **state)
{
    (void)state;
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_TSV);
    assert_round_trip("a\tb\nx y\t1\n\t\n\"\"\t2\n", &o);
    assert_round_trip("only\n1\n\n3\n\n", NULL);
    dc_read_options_init(&o, DC_FORMAT_PSV);
    assert_round_trip("a|b\n\"x|y\"|1\n", &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_infers_each_type),
        cmocka_unit_test(test_infers_the_widest_type_of_mixed_values),
        cmocka_unit_test(test_infer_types_off_reads_strings),
        cmocka_unit_test(test_value_after_inference_window_that_does_not_parse_fails_with_line),
        cmocka_unit_test(test_quoted_fields_hold_delimiters_quotes_and_newlines),
        cmocka_unit_test(test_quoted_empty_is_empty_string_and_unquoted_empty_is_null),
        cmocka_unit_test(test_custom_null_values),
        cmocka_unit_test(test_crlf_line_endings),
        cmocka_unit_test(test_byte_order_mark_is_skipped),
        cmocka_unit_test(test_tsv_and_psv_delimiters),
        cmocka_unit_test(test_last_row_without_newline_and_trailing_delimiter),
        cmocka_unit_test(test_blank_lines_are_skipped_with_several_columns),
        cmocka_unit_test(test_blank_lines_are_nulls_with_one_column),
        cmocka_unit_test(test_header_names_are_deduplicated_and_blanks_named),
        cmocka_unit_test(test_no_header_names_columns),
        cmocka_unit_test(test_empty_file_has_no_columns_and_no_rows),
        cmocka_unit_test(test_header_only_gives_string_columns_and_no_rows),
        cmocka_unit_test(test_schema_matches_header_by_name_and_drops_extra_columns),
        cmocka_unit_test(test_schema_without_header_is_positional),
        cmocka_unit_test(test_schema_column_missing_from_header_is_named),
        cmocka_unit_test(test_schema_value_that_does_not_parse_names_column_and_line),
        cmocka_unit_test(test_null_in_not_null_schema_field_fails),
        cmocka_unit_test(test_schema_reads_every_scalar_type),
        cmocka_unit_test(test_nested_schema_type_is_unsupported),
        cmocka_unit_test(test_wrong_field_count_fails_with_line),
        cmocka_unit_test(test_unterminated_quote_fails_with_line),
        cmocka_unit_test(test_junk_after_closing_quote_fails),
        cmocka_unit_test(test_invalid_utf8_in_string_column_fails),
        cmocka_unit_test(test_reader_stays_failed_after_error),
        cmocka_unit_test(test_bad_options_fail),
        cmocka_unit_test(test_tiny_chunks_cut_rows_and_quotes_anywhere),
        cmocka_unit_test(test_tiny_chunks_report_errors_on_the_right_line),
        cmocka_unit_test(test_file_larger_than_one_batch),
        cmocka_unit_test(test_long_field_spanning_many_chunks),
        cmocka_unit_test(test_row_longer_than_the_limit_fails_clearly),
        cmocka_unit_test(test_allocation_failures_are_reported_not_crashed),
        cmocka_unit_test(test_writer_quotes_only_when_needed),
        cmocka_unit_test(test_writer_null_string_and_markers_round_trip),
        cmocka_unit_test(test_writer_tsv_without_header),
        cmocka_unit_test(test_writer_empty_reader_writes_only_the_header),
        cmocka_unit_test(test_writer_allocation_failures_are_reported),
        cmocka_unit_test(test_round_trip_inferred_types_with_nulls),
        cmocka_unit_test(test_round_trip_explicit_schema_of_every_scalar_type),
        cmocka_unit_test(test_round_trip_tsv_and_single_column_with_nulls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
