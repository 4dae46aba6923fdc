/*
 * test_parquet_write.c: the Parquet writer (writer.c, writer_column.c). The
 * footer and page index of what we write are decoded with meta.c and checked:
 * schema mapping of every type, levels of nested data, statistics and their
 * sort orders, encodings and the dictionary fallback, row group splitting,
 * determinism across thread counts, and the error paths (a batch of another
 * schema, an output that fails, allocation failures, nulls in required fields).
 *
 * Run as `test_formats_parquet_write --write-matrix DIR` it writes the oracle
 * matrix instead (types x nullability x nesting x codec x encoding x page
 * version, each NAME.parquet with NAME.expected.jsonl): the values in a
 * canonical JSON form that tests/formats/parquet_write_oracles.sh compares with
 * what pyarrow, DuckDB and hyparquet read.
 */
#include "testutil.h"

#include "formats/parquet/parquet_int.h"
#include "formats/parquet/parquet_meta_int.h"
#include "formats/parquet/writer_int.h" /* PQW_DICT_REST */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- data ----------------------------------------------------------------------------- */

static dc_type *T(const char *text)
{
    dc_type *t = NULL;
    dc_error e;
    if (dc_type_parse(&t, text, &e) != DC_OK)
        fail_msg("type %s: %s", text, e.message);
    return t;
}

typedef struct col_spec {
    const char *name;
    const char *type;
    bool nullable;
    const char *values[8]; /* text (JSON for nested), NULL = null */
} col_spec;

#define NROWS 7

/* Every primitive type; nulls in the nullable ones. */
static const col_spec FLAT[] = {
    {"b", "bool", true, {"true", "false", NULL, "true", "false", "true", "false"}},
    {"i8", "int8", true, {"-128", "127", NULL, "0", "-1", "5", "3"}},
    {"i16", "int16", false, {"-32768", "32767", "0", "1", "-1", "7", "8"}},
    {"i32", "int32", true, {"-2147483648", "2147483647", NULL, "0", "1", "2", "3"}},
    {"i64", "int64", false,
     {"-9223372036854775808", "9223372036854775807", "0", "1", "2", "3", "4"}},
    {"u8", "uint8", true, {"0", "255", NULL, "128", "1", "2", "3"}},
    {"u16", "uint16", true, {"0", "65535", "32768", NULL, "1", "2", "3"}},
    {"u32", "uint32", true, {"0", "4294967295", "2147483648", NULL, "1", "2", "3"}},
    {"u64", "uint64", true, {"0", "18446744073709551615", "9223372036854775808", NULL, "1", "2", "3"}},
    {"f16", "halffloat", true, {"1.5", "-2.25", NULL, "0", "65504", "-0.5", "3"}},
    {"f32", "float", true, {"1.5", "-2.25", NULL, "nan", "3.4e38", "-0.0", "1e-7"}},
    {"f64", "double", true, {"1.5", "-2.25", NULL, "nan", "1e308", "-0.0", "0.1"}},
    {"d9", "decimal128(9, 2)", true, {"1234567.89", "-0.01", NULL, "0", "1", "-9999999.99", "2"}},
    {"d18", "decimal128(18, 4)", true, {"12345678901234.5678", "-1", NULL, "0", "1", "2", "3"}},
    {"d38", "decimal128(38, 10)", true,
     {"1234567890123456789012345678.0123456789", "-1", NULL, "0", "-0.0000000001", "2", "3"}},
    {"d50", "decimal256(50, 5)", true,
     {"123456789012345678901234567890123456789012345.12345", "-7", NULL, "0", "1", "2", "3"}},
    {"date", "date32", true, {"2024-01-02", "1969-12-31", NULL, "1970-01-01", "2000-02-29", "9999-12-31", "0001-01-01"}},
    {"date64", "date64", true, {"2024-01-02", "1969-12-31", NULL, "1970-01-01", "2000-02-29", "2100-01-01", "1900-01-01"}},
    {"t32s", "time32[s]", true, {"00:00:00", "23:59:59", NULL, "12:00:00", "01:02:03", "00:00:01", "10:00:00"}},
    {"t32ms", "time32[ms]", true, {"00:00:00.001", "23:59:59.999", NULL, "12:00:00", "01:02:03", "00:00:01", "10:00:00"}},
    {"t64us", "time64[us]", true, {"00:00:00.000001", "23:59:59.999999", NULL, "12:00:00", "01:02:03", "00:00:01", "10:00:00"}},
    {"t64ns", "time64[ns]", true, {"00:00:00.000000001", "23:59:59.999999999", NULL, "12:00:00", "01:02:03", "00:00:01", "10:00:00"}},
    {"ts_s", "timestamp[s]", true, {"2024-01-02 03:04:05", "1960-01-01 00:00:00", NULL, "1970-01-01 00:00:00", "2038-01-19 03:14:08", "2000-01-01 00:00:00", "2001-01-01 00:00:00"}},
    {"ts_ms", "timestamp[ms, tz=UTC]", true, {"2024-01-02 03:04:05.123Z", "1960-01-01 00:00:00Z", NULL, "1970-01-01 00:00:00Z", "2038-01-19 03:14:08Z", "2000-01-01 00:00:00Z", "2001-01-01 00:00:00Z"}},
    {"ts_us", "timestamp[us]", true, {"2024-01-02 03:04:05.123456", "1960-01-01 00:00:00", NULL, "1970-01-01 00:00:00", "2038-01-19 03:14:08", "2000-01-01 00:00:00", "2001-01-01 00:00:00"}},
    {"ts_ns", "timestamp[ns, tz=UTC]", true, {"2024-01-02 03:04:05.123456789Z", "1960-01-01 00:00:00Z", NULL, "1970-01-01 00:00:00Z", "2038-01-19 03:14:08Z", "2000-01-01 00:00:00Z", "2001-01-01 00:00:00Z"}},
    {"dur", "duration[ms]", true, {"1", "-1", NULL, "0", "86400000", "5", "6"}},
    {"s", "string", true, {"héllo", "", NULL, "a", "zzz", "a", "\xe2\x82\xac"}},
    {"ls", "large_string", false, {"x", "y", "z", "x", "y", "z", "w"}},
    {"bin", "binary", true, {"\x01\x02", "", NULL, "\xff", "abc", "\x01\x02", "q"}},
    {"fsb", "fixed_size_binary[3]", true, {"abc", "\xff\xfe\xfd", NULL, "abd", "aaa", "zzz", "abc"}},
    {"nul", "null", true, {NULL, NULL, NULL, NULL, NULL, NULL, NULL}},
};

/* Nesting, with nulls at every level. */
static const col_spec NESTED[] = {
    {"l", "list<item: int32>", true, {"[1, 2]", NULL, "[]", "[3, null]", "[null]", "[4, 5, 6]", "[7]"}},
    {"ll", "large_list<item: string>", true, {"[\"a\"]", "[]", NULL, "[\"b\", null, \"c\"]", "[\"\"]", "[\"d\"]", NULL}},
    {"fl", "fixed_size_list<item: double>[2]", true, {"[1.5, 2.5]", NULL, "[null, 3]", "[4, 5]", "[6, null]", "[7, 8]", "[9, 10]"}},
    {"st", "struct<a: int64, b: string>", true,
     {"{\"a\": 1, \"b\": \"x\"}", NULL, "{\"a\": null, \"b\": \"y\"}", "{\"a\": 3, \"b\": null}", "{}", "{\"a\": 5, \"b\": \"z\"}", "{\"a\": 6, \"b\": \"w\"}"}},
    {"m", "map<string, int64>", true, {"{\"k\": 1, \"j\": 2}", NULL, "{}", "{\"x\": null}", "{\"a\": 5}", "{\"b\": 6, \"c\": 7}", "{\"d\": 8}"}},
    {"ls2", "list<item: struct<x: list<item: int64>, y: bool>>", true,
     {"[{\"x\": [1, 2], \"y\": true}]", "[null, {\"x\": null, \"y\": false}]", NULL, "[]", "[{\"x\": [], \"y\": null}]", "[{\"x\": [null, 3], \"y\": true}, {\"x\": [4], \"y\": false}]", "[]"}},
    {"lreq", "list<item: int64>", false, {"[1]", "[2, 3]", "[]", "[4]", "[5]", "[6]", "[7, 8, 9]"}},
};

static dc_array *make_array(const col_spec *s, const dc_type *t)
{
    return tu_of_type(t, s->values, NROWS);
}

static dc_batch *make_batch(const col_spec *specs, int n, bool with_dict)
{
    dc_field *fields = dc_calloc((size_t)n + 1, sizeof *fields);
    dc_array **cols = dc_calloc((size_t)n + 1, sizeof *cols);
    for (int i = 0; i < n; i++) {
        dc_type *t = T(specs[i].type);
        DC_ASSERT_OK(dc_field_init(&fields[i], specs[i].name, t, specs[i].nullable, NULL));
        cols[i] = make_array(&specs[i], t);
        dc_type_unref(t);
    }
    int nf = n;
    if (with_dict) { /* dictionary<int8, string> with a null index */
        dc_type *it = dc_type_new(DC_TYPE_INT8), *vt = dc_type_new(DC_TYPE_UTF8);
        dc_type *dt = dc_type_dictionary(it, vt, false);
        dc_builder *b;
        DC_ASSERT_OK(dc_builder_new(&b, dt, NULL));
        const char *dv[] = {"red", "green", "blue"};
        dc_array *dict = tu_utf8(dv, 3);
        DC_ASSERT_OK(dc_builder_set_dictionary(b, dict));
        int64_t idx[NROWS] = {0, 1, -1, 2, 2, 0, 1};
        for (int r = 0; r < NROWS; r++)
            DC_ASSERT_OK(idx[r] < 0 ? dc_builder_append_null(b) : dc_builder_append_int(b, idx[r]));
        DC_ASSERT_OK(dc_builder_finish(b, &cols[nf], NULL));
        DC_ASSERT_OK(dc_field_init(&fields[nf], "dict", dt, true, NULL));
        nf++;
        dc_builder_free(b);
        dc_array_unref(dict);
        dc_type_unref(it);
        dc_type_unref(vt);
        dc_type_unref(dt);
    }
    dc_schema *schema = dc_schema_new(fields, nf, NULL);
    dc_batch *batch;
    DC_ASSERT_OK(dc_batch_new(&batch, schema, cols, NROWS, NULL));
    for (int i = 0; i < nf; i++) {
        dc_field_clear(&fields[i]);
        dc_array_unref(cols[i]);
    }
    dc_free(fields);
    dc_free(cols);
    dc_schema_unref(schema);
    return batch;
}

/* Write batches into memory; returns the file's bytes (caller frees) or NULL with *rc. */
static uint8_t *write_mem(dc_batch *const *batches, int n, const dc_parquet_write_options *o,
                          int64_t *len, dc_status *rc_out, dc_error *err)
{
    dc_output *out = NULL;
    dc_batch_writer *w = NULL;
    uint8_t *copy = NULL;
    dc_status rc;
    DC_TRY(dc_output_open_memory(&out, err));
    DC_TRY(dc_parquet_writer_open(&w, out, batches[0]->schema, o, err));
    for (int i = 0; i < n; i++)
        DC_TRY(dc_batch_writer_write(w, batches[i], err));
    DC_TRY(dc_batch_writer_finish(w, err));
    DC_TRY(dc_output_finish(out, err));
    const uint8_t *d = dc_output_memory_data(out, len);
    copy = dc_malloc((size_t)*len);
    DC_TRY_ALLOC(copy, err);
    memcpy(copy, d, (size_t)*len);
cleanup:
    dc_batch_writer_free(w);
    dc_output_close(out);
    if (rc_out)
        *rc_out = rc;
    return rc == DC_OK ? copy : NULL;
}

static void decode_footer(const uint8_t *f, int64_t n, dc_pq_file_metadata *m)
{
    assert_true(n > 12);
    assert_memory_equal(f, "PAR1", 4);
    assert_memory_equal(f + n - 4, "PAR1", 4);
    uint32_t flen;
    memcpy(&flen, f + n - 8, 4);
    assert_true(flen <= n - 12);
    dc_error e;
    if (dc_pq_file_metadata_decode(m, f + n - 8 - flen, flen, &e) != DC_OK)
        fail_msg("footer: %s", e.message);
}

static const dc_pq_schema_element *elem(const dc_pq_file_metadata *m, const char *name)
{
    for (int64_t i = 0; i < m->n_schema; i++)
        if (m->schema[i].name.len == (int64_t)strlen(name) &&
            memcmp(m->schema[i].name.ptr, name, strlen(name)) == 0)
            return &m->schema[i];
    fail_msg("no schema element %s", name);
    return NULL;
}

static int64_t leaf_of(const dc_pq_file_metadata *m, const char *first)
{
    const dc_pq_row_group *rg = &m->row_groups[0];
    for (int64_t j = 0; j < rg->n_columns; j++) {
        const dc_pq_str *p = &rg->columns[j].meta_data.path_in_schema[0];
        if (p->len == (int64_t)strlen(first) && memcmp(p->ptr, first, (size_t)p->len) == 0)
            return j;
    }
    fail_msg("no column %s", first);
    return -1;
}

static dc_parquet_write_options defaults(void)
{
    dc_parquet_write_options o;
    dc_parquet_write_options_init(&o);
    return o;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_every_type_maps_to_its_parquet_type(void **state)
{
    (void)state;
    dc_batch *b = make_batch(FLAT, (int)DC_ARRAY_LEN(FLAT), true);
    dc_parquet_write_options o = defaults();
    int64_t n;
    uint8_t *f = write_mem(&b, 1, &o, &n, NULL, NULL);
    assert_non_null(f);
    dc_pq_file_metadata m;
    decode_footer(f, n, &m);
    assert_int_equal(m.num_rows, NROWS);
    assert_int_equal(m.n_row_groups, 1);
    assert_int_equal(m.n_schema, (int64_t)DC_ARRAY_LEN(FLAT) + 2);
    const dc_pq_schema_element *e = elem(&m, "i8");
    assert_int_equal(e->type, DC_PQ_TYPE_INT32);
    assert_int_equal(e->logical_type.kind, DC_PQ_LT_INTEGER);
    assert_int_equal(e->logical_type.integer.bit_width, 8);
    assert_true(e->logical_type.integer.is_signed);
    e = elem(&m, "u64");
    assert_int_equal(e->type, DC_PQ_TYPE_INT64);
    assert_false(e->logical_type.integer.is_signed);
    e = elem(&m, "i16");
    assert_int_equal(e->repetition_type, DC_PQ_REP_REQUIRED);
    e = elem(&m, "f16");
    assert_int_equal(e->type, DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY);
    assert_int_equal(e->type_length, 2);
    assert_int_equal(e->logical_type.kind, DC_PQ_LT_FLOAT16);
    e = elem(&m, "d9");
    assert_int_equal(e->type, DC_PQ_TYPE_INT32);
    assert_int_equal(e->logical_type.decimal.precision, 9);
    assert_int_equal(e->logical_type.decimal.scale, 2);
    assert_int_equal(elem(&m, "d18")->type, DC_PQ_TYPE_INT64);
    assert_int_equal(elem(&m, "d38")->type_length, 16);
    assert_int_equal(elem(&m, "d50")->type_length, 21);
    assert_int_equal(elem(&m, "date64")->logical_type.kind, DC_PQ_LT_DATE);
    e = elem(&m, "t32s");
    assert_int_equal(e->logical_type.time.unit, DC_PQ_UNIT_MILLIS);
    e = elem(&m, "ts_ns");
    assert_int_equal(e->logical_type.timestamp.unit, DC_PQ_UNIT_NANOS);
    assert_true(e->logical_type.timestamp.is_adjusted_to_utc);
    assert_false(elem(&m, "ts_us")->logical_type.timestamp.is_adjusted_to_utc);
    assert_false(elem(&m, "dur")->has_logical_type);
    assert_int_equal(elem(&m, "s")->logical_type.kind, DC_PQ_LT_STRING);
    assert_false(elem(&m, "bin")->has_logical_type);
    assert_int_equal(elem(&m, "fsb")->type_length, 3);
    assert_int_equal(elem(&m, "nul")->logical_type.kind, DC_PQ_LT_UNKNOWN);
    assert_int_equal(elem(&m, "dict")->logical_type.kind, DC_PQ_LT_STRING);
    /* key-value metadata keeps the Arrow types */
    assert_int_equal(m.n_key_value_metadata, 1);
    assert_non_null(strstr(m.key_value_metadata[0].value.ptr, "\"duration[ms]\""));
    /* every chunk has an offset index; the null column has no column index */
    for (int64_t j = 0; j < m.row_groups[0].n_columns; j++)
        assert_true(m.row_groups[0].columns[j].has_offset_index_offset);
    assert_false(m.row_groups[0].columns[leaf_of(&m, "nul")].has_column_index_offset);
    assert_true(m.row_groups[0].columns[leaf_of(&m, "i8")].has_column_index_offset);
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    dc_batch_unref(b);
}

static void check_stat(const dc_pq_file_metadata *m, const char *col, const void *min,
                       const void *max, int64_t len, int64_t nulls)
{
    const dc_pq_statistics *s = &m->row_groups[0].columns[leaf_of(m, col)].meta_data.statistics;
    assert_int_equal(s->null_count, nulls);
    assert_true(s->has_min_value && s->has_max_value);
    assert_int_equal(s->min_value.len, len);
    assert_int_equal(s->max_value.len, len);
    assert_memory_equal(s->min_value.ptr, min, (size_t)len);
    assert_memory_equal(s->max_value.ptr, max, (size_t)len);
}

static void test_statistics_follow_each_sort_order(void **state)
{
    (void)state;
    dc_batch *b = make_batch(FLAT, (int)DC_ARRAY_LEN(FLAT), false);
    int64_t n;
    dc_parquet_write_options o = defaults();
    uint8_t *f = write_mem(&b, 1, &o, &n, NULL, NULL);
    assert_non_null(f);
    dc_pq_file_metadata m;
    decode_footer(f, n, &m);
    int32_t i32[2] = {-128, 127};
    check_stat(&m, "i8", &i32[0], &i32[1], 4, 1);
    uint32_t u32[2] = {0, 4294967295u};
    check_stat(&m, "u32", &u32[0], &u32[1], 4, 1);
    uint64_t u64[2] = {0, UINT64_MAX};
    check_stat(&m, "u64", &u64[0], &u64[1], 8, 1);
    float f32[2] = {-2.25f, 3.4e38f}; /* NaN ignored */
    check_stat(&m, "f32", &f32[0], &f32[1], 4, 1);
    double f64[2] = {-2.25, 1e308};
    check_stat(&m, "f64", &f64[0], &f64[1], 8, 1);
    int32_t d9[2] = {-999999999, 123456789};
    check_stat(&m, "d9", &d9[0], &d9[1], 4, 1);
    /* strings bytewise unsigned: "" is the min, the euro sign (0xe2...) the max */
    const dc_pq_statistics *s = &m.row_groups[0].columns[leaf_of(&m, "s")].meta_data.statistics;
    assert_int_equal(s->min_value.len, 0);
    assert_int_equal(s->max_value.len, 3);
    assert_memory_equal(s->max_value.ptr, "\xe2\x82\xac", 3);
    assert_true(s->is_max_value_exact);
    /* decimal(38) as FLBA: signed big-endian, -1 is the min */
    s = &m.row_groups[0].columns[leaf_of(&m, "d38")].meta_data.statistics;
    assert_int_equal(s->min_value.len, 16);
    /* -1.0000000000 = -10^10 unscaled: ff x 11, fd ab f4 1c 00 big-endian */
    static const uint8_t minus_ten_e10[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                              0xff, 0xff, 0xff, 0xfd, 0xab, 0xf4, 0x1c, 0x00};
    assert_memory_equal(s->min_value.ptr, minus_ten_e10, 16);
    assert_int_equal((uint8_t)s->max_value.ptr[0], 0x09); /* 1.23e37 / 2^120 = 9.3 */
    /* -0.0 as max of nothing positive? f64 max is 1e308; min sign rule: f32 has -0.0 */
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    dc_batch_unref(b);
}

static int bytes_cmp(const uint8_t *a, int64_t al, const uint8_t *b, int64_t bl)
{
    int r = memcmp(a, b, (size_t)DC_MIN(al, bl));
    return r ? r : (al > bl) - (al < bl);
}

/* Byte strings that tie on their first 8 bytes, are prefixes of one another, hold zero
 * bytes and bytes >= 0x80: the chunk's and every page's min and max are those of a
 * plain byte-wise comparison. */
static void test_binary_statistics_match_a_bytewise_comparison(void **state)
{
    (void)state;
    enum { N = 3000 };
    uint8_t *data = dc_malloc(N * 20);
    int32_t *offs = dc_malloc((N + 1) * sizeof *offs);
    uint64_t x = 88172645463325252ULL;
    offs[0] = 0;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        int len = (int)(x % 20);
        for (int k = 0; k < len; k++) /* few distinct bytes: long shared prefixes */
            data[offs[i] + k] = "\x00\x01\x7f\x80\xff"[(x >> (8 + 3 * (k % 16))) % 5];
        if (i % 7 == 0 && len >= 9) /* the same first 8 bytes as the previous string */
            memcpy(data + offs[i], "\x01\x01\x01\x01\x01\x01\x01\x01", 8);
        offs[i + 1] = offs[i] + len;
    }
    dc_buffer *bufs[3] = {NULL, dc_buffer_new(((int64_t)N + 1) * 4, false),
                          dc_buffer_new(offs[N], false)};
    memcpy(bufs[1]->data, offs, ((size_t)N + 1) * 4);
    memcpy(bufs[2]->data, data, (size_t)offs[N]);
    dc_type *t = T("binary");
    dc_array *a;
    DC_ASSERT_OK(dc_array_make(&a, t, N, 0, 0, bufs, 3, NULL, 0, NULL, NULL));
    dc_buffer_unref(bufs[1]);
    dc_buffer_unref(bufs[2]);
    dc_field fl;
    DC_ASSERT_OK(dc_field_init(&fl, "b", t, false, NULL));
    dc_schema *sc = dc_schema_new(&fl, 1, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, sc, &a, N, NULL));
    dc_parquet_write_options o = defaults();
    o.page_rows = 700;
    int64_t n;
    uint8_t *f = write_mem(&b, 1, &o, &n, NULL, NULL);
    dc_pq_file_metadata m;
    decode_footer(f, n, &m);
    const dc_pq_column_chunk *cc = &m.row_groups[0].columns[0];
    dc_pq_column_index ci;
    DC_ASSERT_OK(dc_pq_column_index_decode(&ci, f + cc->column_index_offset,
                                           cc->column_index_length, NULL));
    assert_int_equal(ci.n_min_values, (N + 699) / 700);
    for (int64_t pg = -1; pg < ci.n_min_values; pg++) { /* -1: the chunk */
        int lo = pg < 0 ? 0 : (int)pg * 700, hi = pg < 0 ? N : DC_MIN(N, lo + 700);
        int imin = lo, imax = lo;
        for (int i = lo + 1; i < hi; i++) {
            const uint8_t *v = data + offs[i];
            int64_t l = offs[i + 1] - offs[i];
            if (bytes_cmp(v, l, data + offs[imin], offs[imin + 1] - offs[imin]) < 0)
                imin = i;
            if (bytes_cmp(v, l, data + offs[imax], offs[imax + 1] - offs[imax]) > 0)
                imax = i;
        }
        dc_pq_str smin = pg < 0 ? cc->meta_data.statistics.min_value : ci.min_values[pg];
        dc_pq_str smax = pg < 0 ? cc->meta_data.statistics.max_value : ci.max_values[pg];
        assert_int_equal(smin.len, offs[imin + 1] - offs[imin]);
        assert_memory_equal(smin.ptr, data + offs[imin], (size_t)smin.len);
        assert_int_equal(smax.len, offs[imax + 1] - offs[imax]);
        assert_memory_equal(smax.ptr, data + offs[imax], (size_t)smax.len);
    }
    dc_pq_column_index_clear(&ci);
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    dc_batch_unref(b);
    dc_array_unref(a);
    dc_schema_unref(sc);
    dc_field_clear(&fl);
    dc_type_unref(t);
    dc_free(data);
    dc_free(offs);
}

static void test_long_strings_have_truncated_inexact_bounds(void **state)
{
    (void)state;
    char a[200], z[200];
    memset(a, 'a', 150);
    a[150] = 0;
    memset(z, 'z', 150);
    z[150] = 0;
    const char *v[] = {a, z, "m"};
    dc_array *arr = tu_utf8(v, 3);
    dc_field fl;
    DC_ASSERT_OK(dc_field_init(&fl, "s", arr->type, true, NULL));
    dc_schema *sc = dc_schema_new(&fl, 1, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, sc, &arr, 3, NULL));
    int64_t n;
    dc_parquet_write_options o = defaults();
    uint8_t *f = write_mem(&b, 1, &o, &n, NULL, NULL);
    dc_pq_file_metadata m;
    decode_footer(f, n, &m);
    const dc_pq_statistics *s = &m.row_groups[0].columns[0].meta_data.statistics;
    assert_int_equal(s->min_value.len, 64);
    assert_false(s->is_min_value_exact);
    assert_memory_equal(s->min_value.ptr, a, 64);
    assert_int_equal(s->max_value.len, 64);
    assert_false(s->is_max_value_exact);
    assert_memory_equal(s->max_value.ptr, z, 63);
    assert_int_equal(s->max_value.ptr[63], 'z' + 1);
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    dc_batch_unref(b);
    dc_schema_unref(sc);
    dc_field_clear(&fl);
    dc_array_unref(arr);
}

static void test_nested_columns_have_levels_for_every_element(void **state)
{
    (void)state;
    dc_batch *b = make_batch(NESTED, (int)DC_ARRAY_LEN(NESTED), false);
    int64_t n;
    dc_parquet_write_options o = defaults();
    uint8_t *f = write_mem(&b, 1, &o, &n, NULL, NULL);
    assert_non_null(f);
    dc_pq_file_metadata m;
    decode_footer(f, n, &m);
    const dc_pq_row_group *rg = &m.row_groups[0];
    /* leaves: l, ll, fl, st.a, st.b, m.key, m.value, ls2.x, ls2.y, lreq */
    assert_int_equal(rg->n_columns, 10);
    /* l: [1,2] null [] [3,null] [null] [4,5,6] [7] -> 2+1+1+2+1+3+1 level entries */
    assert_int_equal(rg->columns[0].meta_data.num_values, 11);
    assert_int_equal(rg->columns[0].meta_data.n_path_in_schema, 3);
    assert_int_equal(rg->columns[0].meta_data.statistics.null_count, 4);
    /* fl: fixed size 2 -> 2 per non-null row, 1 for the null row */
    assert_int_equal(rg->columns[2].meta_data.num_values, 13);
    /* m.key: {k,j} null {} {x} {a} {b,c} {d} -> 2+1+1+1+1+2+1 */
    assert_int_equal(rg->columns[5].meta_data.num_values, 9);
    assert_int_equal(elem(&m, "key_value")->repetition_type, DC_PQ_REP_REPEATED);
    assert_int_equal(elem(&m, "m")->logical_type.kind, DC_PQ_LT_MAP);
    assert_int_equal(elem(&m, "key")->repetition_type, DC_PQ_REP_REQUIRED);
    /* ls2.x: [{x:[1,2]}] [null,{x:null}] null [] [{x:[]}] [{x:[null,3]},{x:[4]}] [] */
    assert_int_equal(rg->columns[7].meta_data.num_values, 2 + 2 + 1 + 1 + 1 + 3 + 1);
    assert_int_equal(rg->columns[7].meta_data.n_path_in_schema, 6);
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    dc_batch_unref(b);
}

static dc_batch *int_batch(int64_t rows, int64_t mod)
{
    int64_t *v = dc_malloc((size_t)rows * sizeof *v);
    for (int64_t i = 0; i < rows; i++)
        v[i] = (i * 7919) % mod;
    dc_array *a = tu_int64(v, rows, NULL);
    dc_free(v);
    dc_field fl;
    DC_ASSERT_OK(dc_field_init(&fl, "x", a->type, true, NULL));
    dc_schema *sc = dc_schema_new(&fl, 1, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, sc, &a, rows, NULL));
    dc_schema_unref(sc);
    dc_field_clear(&fl);
    dc_array_unref(a);
    return b;
}

static void test_row_groups_split_at_the_configured_rows(void **state)
{
    (void)state;
    dc_batch *b[2] = {int_batch(25, 1000), int_batch(10, 1000)};
    dc_parquet_write_options o = defaults();
    o.row_group_rows = 10;
    o.page_rows = 4;
    int64_t n;
    uint8_t *f = write_mem(b, 2, &o, &n, NULL, NULL);
    dc_pq_file_metadata m;
    decode_footer(f, n, &m);
    assert_int_equal(m.n_row_groups, 4);
    assert_int_equal(m.num_rows, 35);
    for (int g = 0; g < 4; g++) {
        assert_int_equal(m.row_groups[g].num_rows, g == 3 ? 5 : 10);
        /* the page index of each chunk: pages of 4, 4, 2 rows (4, 1 in the last) */
        int64_t pages = g == 3 ? 2 : 3;
        const dc_pq_column_chunk *cc = &m.row_groups[g].columns[0];
        assert_true(cc->has_offset_index_offset);
        dc_pq_offset_index oi;
        DC_ASSERT_OK(dc_pq_offset_index_decode(&oi, f + cc->offset_index_offset,
                                               cc->offset_index_length, NULL));
        assert_int_equal(oi.n_page_locations, pages);
        assert_int_equal(oi.page_locations[1].first_row_index, 4);
        assert_int_equal(oi.page_locations[0].offset, cc->meta_data.data_page_offset);
        dc_pq_offset_index_clear(&oi);
        dc_pq_column_index ci;
        DC_ASSERT_OK(dc_pq_column_index_decode(&ci, f + cc->column_index_offset,
                                               cc->column_index_length, NULL));
        assert_int_equal(ci.n_min_values, pages);
        dc_pq_column_index_clear(&ci);
    }
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    dc_batch_unref(b[0]);
    dc_batch_unref(b[1]);
}

static void test_dictionary_falls_back_to_plain_when_full(void **state)
{
    (void)state;
    dc_batch *b = int_batch(20000, 1000003);
    dc_parquet_write_options o = defaults();
    o.dictionary_bytes = 4096;
    int64_t n;
    uint8_t *f = write_mem(&b, 1, &o, &n, NULL, NULL);
    dc_pq_file_metadata m;
    decode_footer(f, n, &m);
    const dc_pq_column_metadata *cm = &m.row_groups[0].columns[0].meta_data;
    assert_true(cm->has_dictionary_page_offset);
    bool plain = false, dict = false;
    for (int64_t k = 0; k < cm->n_encoding_stats; k++) {
        if (cm->encoding_stats[k].encoding == DC_PQ_ENC_PLAIN &&
            cm->encoding_stats[k].page_type != DC_PQ_PAGE_DICTIONARY)
            plain = true;
        if (cm->encoding_stats[k].encoding == DC_PQ_ENC_RLE_DICTIONARY)
            dict = true;
    }
    assert_true(plain && dict);
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    /* dictionary off: no dictionary page at all */
    o.dictionary = false;
    f = write_mem(&b, 1, &o, &n, NULL, NULL);
    decode_footer(f, n, &m);
    assert_false(m.row_groups[0].columns[0].meta_data.has_dictionary_page_offset);
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    dc_batch_unref(b);
}

/* A column whose dictionary saved nothing (unique values) on a first page of
 * PQW_DICT_JUDGE values writes the next PQW_DICT_REST chunks PLAIN without trying
 * one, then tries again; a column whose dictionary pays keeps one in every chunk; a
 * first page of fewer values is no judge: every chunk tries. */
static void test_a_dictionary_that_saves_nothing_rests_for_some_row_groups(void **state)
{
    (void)state;
    dc_batch *u = int_batch(20000, 1000003), *r = int_batch(20000, 10);
    dc_parquet_write_options o = defaults();
    o.row_group_rows = 2000;
    o.page_rows = PQW_DICT_JUDGE;
    for (int pass = 0; pass < 2; pass++) {
        int64_t n;
        uint8_t *f = write_mem(pass ? &r : &u, 1, &o, &n, NULL, NULL);
        dc_pq_file_metadata m;
        decode_footer(f, n, &m);
        assert_int_equal(m.n_row_groups, 10);
        for (int g = 0; g < 10; g++) {
            bool tried = pass == 1 || g % (PQW_DICT_REST + 1) == 0;
            assert_int_equal(m.row_groups[g].columns[0].meta_data.has_dictionary_page_offset,
                             tried);
        }
        dc_pq_file_metadata_clear(&m);
        dc_free(f);
    }
    o.page_rows = PQW_DICT_JUDGE - 1;
    int64_t n;
    uint8_t *f = write_mem(&u, 1, &o, &n, NULL, NULL);
    dc_pq_file_metadata m;
    decode_footer(f, n, &m);
    for (int g = 0; g < 10; g++)
        assert_true(m.row_groups[g].columns[0].meta_data.has_dictionary_page_offset);
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    dc_batch_unref(u);
    dc_batch_unref(r);
}

static void test_output_is_identical_whatever_the_threads(void **state)
{
    (void)state;
    dc_batch *b[2] = {make_batch(FLAT, (int)DC_ARRAY_LEN(FLAT), true),
                      make_batch(FLAT, (int)DC_ARRAY_LEN(FLAT), true)};
    dc_parquet_write_options o = defaults();
    o.row_group_rows = 5;
    o.compression = DC_PARQUET_ZSTD;
    int64_t n1, n2, n3;
    o.threads = 1;
    uint8_t *f1 = write_mem(b, 2, &o, &n1, NULL, NULL);
    o.threads = 2;
    uint8_t *f2 = write_mem(b, 2, &o, &n2, NULL, NULL);
    o.threads = 8;
    uint8_t *f3 = write_mem(b, 2, &o, &n3, NULL, NULL);
    assert_int_equal(n1, n2);
    assert_int_equal(n1, n3);
    assert_memory_equal(f1, f2, (size_t)n1);
    assert_memory_equal(f1, f3, (size_t)n1);
    dc_free(f1);
    dc_free(f2);
    dc_free(f3);
    dc_batch_unref(b[0]);
    dc_batch_unref(b[1]);
}

/* Many pages per batch: compressed by any thread, put in the chunk in order. */
static void test_pages_compressed_in_parallel_land_in_order(void **state)
{
    (void)state;
    dc_batch *b[3] = {int_batch(20000, 100000), int_batch(7, 3), int_batch(20000, 50)};
    const dc_parquet_codec codecs[] = {DC_PARQUET_SNAPPY, DC_PARQUET_ZSTD, DC_PARQUET_GZIP,
                                       DC_PARQUET_UNCOMPRESSED};
    for (int v2 = 0; v2 < 2; v2++) {
        for (size_t k = 0; k < DC_ARRAY_LEN(codecs); k++) {
            dc_parquet_write_options o = defaults();
            o.page_rows = 97;
            o.dictionary_bytes = 4096; /* the first batch falls back to PLAIN */
            o.row_group_rows = 15000;
            o.page_v2 = v2;
            o.compression = codecs[k];
            int64_t n1, n;
            o.threads = 1;
            uint8_t *f1 = write_mem(b, 3, &o, &n1, NULL, NULL);
            assert_non_null(f1);
            for (int32_t t = 2; t <= 5; t += 3) {
                o.threads = t;
                uint8_t *f = write_mem(b, 3, &o, &n, NULL, NULL);
                assert_int_equal(n, n1);
                assert_memory_equal(f, f1, (size_t)n1);
                dc_free(f);
            }
            dc_pq_file_metadata m;
            decode_footer(f1, n1, &m);
            assert_int_equal(m.num_rows, 40007);
            assert_int_equal(m.n_row_groups, 3);
            dc_pq_file_metadata_clear(&m);
            dc_free(f1);
        }
    }
    for (int i = 0; i < 3; i++)
        dc_batch_unref(b[i]);
}

static void test_empty_input_writes_a_valid_file_without_row_groups(void **state)
{
    (void)state;
    dc_batch *b = int_batch(0, 1);
    int64_t n;
    dc_parquet_write_options o = defaults();
    uint8_t *f = write_mem(&b, 1, &o, &n, NULL, NULL);
    dc_pq_file_metadata m;
    decode_footer(f, n, &m);
    assert_int_equal(m.n_row_groups, 0);
    assert_int_equal(m.num_rows, 0);
    dc_pq_file_metadata_clear(&m);
    dc_free(f);
    dc_batch_unref(b);
}

static void test_batch_of_another_schema_is_rejected(void **state)
{
    (void)state;
    dc_batch *b[2] = {int_batch(3, 10), make_batch(NESTED, 1, false)};
    dc_status rc;
    dc_error e;
    int64_t n;
    dc_parquet_write_options o = defaults();
    uint8_t *f = write_mem(b, 2, &o, &n, &rc, &e);
    assert_null(f);
    assert_int_equal(rc, DC_ESCHEMA);
    dc_batch_unref(b[0]);
    dc_batch_unref(b[1]);
}

static void test_null_in_required_field_is_rejected(void **state)
{
    (void)state;
    /* a struct whose child is declared non-null but holds a null under a valid row */
    dc_type *i64 = dc_type_new(DC_TYPE_INT64);
    dc_field child;
    DC_ASSERT_OK(dc_field_init(&child, "req", i64, false, NULL));
    dc_type *st = dc_type_struct(&child, 1);
    int64_t v[3] = {1, 2, 3};
    dc_array *kid = tu_int64(v, 3, "101"), *a;
    DC_ASSERT_OK(dc_array_make(&a, st, 3, 0, 0, (dc_buffer *const[]){NULL}, 1, &kid, 1, NULL,
                               NULL));
    dc_field fl;
    DC_ASSERT_OK(dc_field_init(&fl, "s", st, true, NULL));
    dc_schema *sc = dc_schema_new(&fl, 1, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, sc, &a, 3, NULL));
    dc_status rc;
    dc_error e;
    int64_t n;
    dc_parquet_write_options o = defaults();
    assert_null(write_mem(&b, 1, &o, &n, &rc, &e));
    assert_int_equal(rc, DC_ESCHEMA);
    assert_non_null(strstr(e.message, "s.req"));
    dc_batch_unref(b);
    dc_schema_unref(sc);
    dc_field_clear(&fl);
    dc_field_clear(&child);
    dc_array_unref(a);
    dc_array_unref(kid);
    dc_type_unref(st);
    dc_type_unref(i64);
}

static void test_unsupported_types_and_options_are_rejected(void **state)
{
    (void)state;
    dc_type *t = dc_type_decimal(128, 10, -2);
    dc_field fl;
    DC_ASSERT_OK(dc_field_init(&fl, "neg", t, true, NULL));
    dc_schema *sc = dc_schema_new(&fl, 1, NULL);
    dc_output *out;
    DC_ASSERT_OK(dc_output_open_memory(&out, NULL));
    dc_batch_writer *w;
    dc_error e;
    assert_int_equal(dc_parquet_writer_open(&w, out, sc, NULL, &e), DC_EUNSUPPORTED);
    assert_null(w);
    dc_parquet_write_options o = defaults();
    o.compression = (dc_parquet_codec)4; /* brotli: read, not written */
    dc_batch *b = int_batch(1, 1);
    assert_int_equal(dc_parquet_writer_open(&w, out, b->schema, &o, &e), DC_EINVALID);
    o = defaults();
    o.row_group_rows = 0;
    assert_int_equal(dc_parquet_writer_open(&w, out, b->schema, &o, &e), DC_EINVALID);
    dc_batch_unref(b);
    dc_output_close(out);
    dc_schema_unref(sc);
    dc_field_clear(&fl);
    dc_type_unref(t);
}

/* An output that fails once `budget` bytes were written. */
typedef struct failing {
    int64_t budget;
} failing;

static dc_status failing_write(dc_output *o, const void *d, int64_t n, dc_error *err)
{
    (void)d;
    failing *f = o->impl;
    if (o->written + n > f->budget)
        return dc_error_set(err, DC_EIO, "%s: disk full (test)", o->name);
    return DC_OK;
}
static dc_status failing_finish(dc_output *o, dc_error *err)
{
    (void)o;
    (void)err;
    return DC_OK;
}
static void failing_abort(dc_output *o) { (void)o; }
static void failing_close(dc_output *o) { dc_free(o->impl); }
static const dc_output_vtable FAILING_VT = {failing_write, failing_finish, failing_abort,
                                            failing_close};

static void test_output_failure_fails_the_writer_for_good(void **state)
{
    (void)state;
    dc_batch *b = make_batch(FLAT, (int)DC_ARRAY_LEN(FLAT), false);
    for (int64_t budget = 0; budget < 4000; budget += 97) {
        dc_output *o = dc_calloc(1, sizeof *o);
        failing *fi = dc_calloc(1, sizeof *fi);
        fi->budget = budget;
        o->vt = &FAILING_VT;
        o->impl = fi;
        o->name = dc_strdup("failing.parquet");
        dc_batch_writer *w = NULL;
        dc_error e;
        dc_status rc = dc_parquet_writer_open(&w, o, b->schema, NULL, &e);
        if (rc == DC_OK) {
            rc = dc_batch_writer_write(w, b, &e);
            if (rc == DC_OK)
                rc = dc_batch_writer_finish(w, &e);
        }
        if (budget < 1000) { /* the file is longer than that: it must fail */
            assert_int_equal(rc, DC_EIO);
            assert_non_null(strstr(e.message, "disk full"));
            if (w) { /* sticky */
                dc_error e2;
                assert_int_equal(dc_batch_writer_finish(w, &e2), DC_EIO);
            }
        }
        dc_batch_writer_free(w);
        dc_output_close(o);
    }
    dc_batch_unref(b);
}

static void test_allocation_failures_leave_nothing_behind(void **state)
{
    (void)state;
    dc_batch *b = make_batch(NESTED, (int)DC_ARRAY_LEN(NESTED), false);
    dc_reader *r0;
    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/out.parquet", dir);
    int ok = 0;
    for (int64_t k = 0; k < 100000 && !ok; k += (k < 300 ? 1 : 37)) {
        DC_ASSERT_OK(dc_reader_from_batches(&r0, b->schema, &b, 1, NULL));
        dc_write_options wo;
        dc_write_options_init(&wo, DC_FORMAT_PARQUET);
        dc_error e;
        dc_alloc_fail_after(k);
        dc_status rc = dc_file_write(r0, path, DC_FORMAT_PARQUET, &wo, NULL, &e);
        dc_alloc_fail_after(-1);
        struct stat st;
        if (rc == DC_OK) {
            ok = 1;
            assert_int_equal(stat(path, &st), 0);
        } else {
            assert_int_equal(rc, DC_ENOMEM);
            assert_int_not_equal(stat(path, &st), 0);
        }
        dc_reader_free(r0);
    }
    assert_true(ok);
    tu_rmdir(dir);
    dc_free(dir);
    dc_batch_unref(b);
}

/* ---- the oracle matrix ------------------------------------------------------------------- */

static void canon(dc_strbuf *s, const dc_array *a, int64_t i);

static void canon_int(dc_strbuf *s, int64_t v) { dc_strbuf_printf(s, "%" PRId64, v); }

static void canon_float(dc_strbuf *s, double d)
{
    if (isnan(d))
        dc_strbuf_puts(s, "\"NaN\"");
    else if (isinf(d))
        dc_strbuf_puts(s, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else
        dc_strbuf_printf(s, "%.17g", d);
}

/*
 * Element i as canonical JSON: integers as numbers, temporal values as the
 * integer Parquet stores (seconds scaled to milliseconds, date64 in days),
 * decimals as exact text, binary as hex, maps as [key, value] pairs.
 */
static void canon(dc_strbuf *s, const dc_array *a, int64_t i)
{
    if (!dc_array_valid(a, i)) {
        dc_strbuf_puts(s, "null");
        return;
    }
    const dc_type *t = a->type;
    switch (t->id) {
    case DC_TYPE_BOOL: dc_strbuf_puts(s, dc_array_get_int(a, i) ? "true" : "false"); break;
    case DC_TYPE_UINT64: dc_strbuf_printf(s, "%" PRIu64, dc_array_get_uint(a, i)); break;
    case DC_TYPE_INT8: case DC_TYPE_INT16: case DC_TYPE_INT32: case DC_TYPE_INT64:
    case DC_TYPE_UINT8: case DC_TYPE_UINT16: case DC_TYPE_UINT32: case DC_TYPE_DATE32:
    case DC_TYPE_TIME64: case DC_TYPE_DURATION:
        canon_int(s, dc_array_get_int(a, i));
        break;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIMESTAMP:
        canon_int(s, dc_array_get_int(a, i) * (t->unit == DC_UNIT_SECOND ? 1000 : 1));
        break;
    case DC_TYPE_DATE64: {
        int64_t v = dc_array_get_int(a, i);
        canon_int(s, v / 86400000 - (v % 86400000 < 0));
        break;
    }
    case DC_TYPE_FLOAT16: case DC_TYPE_FLOAT32: case DC_TYPE_FLOAT64:
        canon_float(s, dc_array_get_double(a, i));
        break;
    case DC_TYPE_DECIMAL128: case DC_TYPE_DECIMAL256: {
        char *txt = dc_value_to_text(a, i, false);
        dc_strbuf_printf(s, "\"%s\"", txt);
        dc_free(txt);
        break;
    }
    case DC_TYPE_UTF8: case DC_TYPE_LARGE_UTF8: {
        int64_t n;
        const uint8_t *p = dc_array_get_bytes(a, i, &n);
        dc_strbuf_putc(s, '"');
        dc_strbuf_json_escape(s, (const char *)p, n);
        dc_strbuf_putc(s, '"');
        break;
    }
    case DC_TYPE_BINARY: case DC_TYPE_LARGE_BINARY: case DC_TYPE_FIXED_SIZE_BINARY: {
        int64_t n;
        const uint8_t *p = dc_array_get_bytes(a, i, &n);
        dc_strbuf_putc(s, '"');
        for (int64_t k = 0; k < n; k++)
            dc_strbuf_printf(s, "%02x", p[k]);
        dc_strbuf_putc(s, '"');
        break;
    }
    case DC_TYPE_LIST: case DC_TYPE_LARGE_LIST: case DC_TYPE_FIXED_SIZE_LIST: {
        int64_t b, e;
        dc_array_get_list_range(a, i, &b, &e);
        dc_strbuf_putc(s, '[');
        for (int64_t j = b; j < e; j++) {
            if (j > b)
                dc_strbuf_putc(s, ',');
            canon(s, a->children[0], j);
        }
        dc_strbuf_putc(s, ']');
        break;
    }
    case DC_TYPE_MAP: {
        int64_t b, e;
        dc_array_get_list_range(a, i, &b, &e);
        const dc_array *ent = a->children[0];
        dc_strbuf_putc(s, '[');
        for (int64_t j = b; j < e; j++) {
            dc_strbuf_puts(s, j > b ? ",[" : "[");
            canon(s, ent->children[0], ent->offset + j);
            dc_strbuf_putc(s, ',');
            canon(s, ent->children[1], ent->offset + j);
            dc_strbuf_putc(s, ']');
        }
        dc_strbuf_putc(s, ']');
        break;
    }
    case DC_TYPE_STRUCT:
        dc_strbuf_putc(s, '{');
        for (int32_t k = 0; k < t->n_children; k++) {
            dc_strbuf_printf(s, "%s\"", k ? "," : "");
            dc_strbuf_json_escape(s, t->children[k].name, (int64_t)strlen(t->children[k].name));
            dc_strbuf_puts(s, "\":");
            canon(s, a->children[k], a->offset + i);
        }
        dc_strbuf_putc(s, '}');
        break;
    case DC_TYPE_DICTIONARY: canon(s, a->dictionary, dc_array_get_int(a, i)); break;
    default: dc_strbuf_puts(s, "null"); break;
    }
}

static int write_one(const char *dir, const char *name, dc_batch *const *bs, int nb,
                     const dc_parquet_write_options *o)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.parquet", dir, name);
    dc_reader *r;
    dc_error e;
    if (dc_reader_from_batches(&r, bs[0]->schema, bs, nb, &e) != DC_OK)
        return fprintf(stderr, "%s\n", e.message), 1;
    dc_write_options wo;
    dc_write_options_init(&wo, DC_FORMAT_PARQUET);
    wo.parquet = *o;
    dc_status rc = dc_file_write(r, path, DC_FORMAT_PARQUET, &wo, NULL, &e);
    dc_reader_free(r);
    if (rc != DC_OK)
        return fprintf(stderr, "%s: %s\n", path, e.message), 1;
    snprintf(path, sizeof path, "%s/%s.expected.jsonl", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    for (int k = 0; k < nb; k++) {
        const dc_batch *b = bs[k];
        for (int64_t i = 0; i < b->length; i++) {
            dc_strbuf s;
            dc_strbuf_init(&s);
            dc_strbuf_putc(&s, '{');
            for (int32_t c = 0; c < b->schema->n_fields; c++) {
                dc_strbuf_printf(&s, "%s\"%s\":", c ? "," : "", b->schema->fields[c].name);
                canon(&s, b->columns[c], i);
            }
            dc_strbuf_puts(&s, "}\n");
            fputs(dc_strbuf_cstr(&s), f);
            dc_strbuf_free(&s);
        }
    }
    fclose(f);
    return 0;
}

/* The matrix of files for the oracles. */
static int write_matrix(const char *dir)
{
    static const struct {
        const char *name;
        dc_parquet_codec codec;
    } codecs[] = {{"snappy", DC_PARQUET_SNAPPY}, {"zstd", DC_PARQUET_ZSTD},
                  {"gzip", DC_PARQUET_GZIP},     {"lz4", DC_PARQUET_LZ4_RAW},
                  {"none", DC_PARQUET_UNCOMPRESSED}};
    static const char *encodings[] = {"dict", "plain", "fallback"};
    dc_batch *tables[3];
    tables[0] = make_batch(FLAT, (int)DC_ARRAY_LEN(FLAT), true);
    tables[1] = make_batch(NESTED, (int)DC_ARRAY_LEN(NESTED), false);
    /* sliced batches: offsets inside every array */
    dc_batch *two[2] = {tables[0], tables[0]};
    dc_batch *cat2;
    if (dc_batch_concat(&cat2, two, 2, NULL) != DC_OK)
        return 1;
    const char *tnames[] = {"flat", "nested", "sliced"};
    int bad = 0;
    for (size_t c = 0; c < DC_ARRAY_LEN(codecs); c++) {
        for (int enc = 0; enc < 3; enc++) {
            for (int v2 = 0; v2 < 2; v2++) {
                for (int t = 0; t < 3; t++) {
                    dc_parquet_write_options o;
                    dc_parquet_write_options_init(&o);
                    o.compression = codecs[c].codec;
                    if (codecs[c].codec == DC_PARQUET_ZSTD)
                        o.compression_level = 3;
                    o.dictionary = enc != 1;
                    if (enc == 2) {
                        o.dictionary_bytes = 8;
                        o.page_rows = 2; /* several pages per chunk, dictionary then plain */
                    }
                    o.page_v2 = v2;
                    o.row_group_rows = t == 2 ? 5 : 1048576;
                    char name[128];
                    snprintf(name, sizeof name, "%s_%s_%s_%s", tnames[t], codecs[c].name,
                             encodings[enc], v2 ? "v2" : "v1");
                    if (t < 2) {
                        bad |= write_one(dir, name, &tables[t], 1, &o);
                    } else {
                        dc_batch *parts[2];
                        if (dc_batch_slice(&parts[0], cat2, 3, 6, NULL) != DC_OK ||
                            dc_batch_slice(&parts[1], cat2, 9, 4, NULL) != DC_OK)
                            return 1;
                        bad |= write_one(dir, name, parts, 2, &o);
                        dc_batch_unref(parts[0]);
                        dc_batch_unref(parts[1]);
                    }
                }
            }
        }
    }
    /* a larger file: several row groups and pages, dictionary fallback mid-chunk */
    {
        dc_batch *b = int_batch(300000, 1000003);
        dc_parquet_write_options o;
        dc_parquet_write_options_init(&o);
        o.row_group_rows = 100000;
        bad |= write_one(dir, "big_ints", &b, 1, &o);
        dc_batch_unref(b);
    }
    dc_batch_unref(cat2);
    dc_batch_unref(tables[0]);
    dc_batch_unref(tables[1]);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-matrix") == 0)
        return write_matrix(argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_maps_to_its_parquet_type),
        cmocka_unit_test(test_statistics_follow_each_sort_order),
        cmocka_unit_test(test_binary_statistics_match_a_bytewise_comparison),
        cmocka_unit_test(test_long_strings_have_truncated_inexact_bounds),
        cmocka_unit_test(test_nested_columns_have_levels_for_every_element),
        cmocka_unit_test(test_row_groups_split_at_the_configured_rows),
        cmocka_unit_test(test_dictionary_falls_back_to_plain_when_full),
        cmocka_unit_test(test_a_dictionary_that_saves_nothing_rests_for_some_row_groups),
        cmocka_unit_test(test_output_is_identical_whatever_the_threads),
        cmocka_unit_test(test_pages_compressed_in_parallel_land_in_order),
        cmocka_unit_test(test_empty_input_writes_a_valid_file_without_row_groups),
        cmocka_unit_test(test_batch_of_another_schema_is_rejected),
        cmocka_unit_test(test_null_in_required_field_is_rejected),
        cmocka_unit_test(test_unsupported_types_and_options_are_rejected),
        cmocka_unit_test(test_output_failure_fails_the_writer_for_good),
        cmocka_unit_test(test_allocation_failures_leave_nothing_behind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
