/*
 * test_parquet_thrift.c: the Thrift compact protocol (thrift.c) and the Parquet
 * metadata structures (meta.c): byte-exact corner cases of the protocol, round
 * trips of every structure with every optional field set and unset, corrupt
 * and truncated inputs, allocation failures, and a real footer written by
 * DuckDB (tests/formats/data/duckdb_footer.bin, made by gen_parquet_thrift.mjs).
 */
#include "testutil.h"

#include "formats/parquet/parquet_meta_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static dc_pq_str S(const char *s)
{
    return (dc_pq_str){s, (int64_t)strlen(s)};
}

static bool str_is(dc_pq_str s, const char *lit)
{
    return s.len == (int64_t)strlen(lit) && memcmp(s.ptr, lit, (size_t)s.len) == 0;
}

static uint8_t *read_file(const char *rel, int64_t *n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DC_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = dc_malloc((size_t)sz + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = sz;
    return buf;
}

/* A tiny deterministic generator (xorshift64*). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

enum { FILL_NONE, FILL_ALL, FILL_RANDOM };

static void *field_at(void *obj, int32_t off)
{
    return (uint8_t *)obj + off;
}

/*
 * Fill a struct of descriptor `d` with generated values: required fields
 * always, optional fields all (FILL_ALL), none (FILL_NONE) or at random.
 * Lists get 1..3 elements (0..3 at random); unions pick a member at random.
 */
static void fill(const dc_pq_desc *d, void *obj, dc_arena *a, int mode, uint64_t *rng)
{
    if (d->kind_off >= 0) {
        const dc_pq_field *f = &d->fields[rnd(rng) % (uint64_t)d->n_fields];
        *(int32_t *)field_at(obj, d->kind_off) = f->id;
        if (f->off >= 0)
            fill(f->sub, field_at(obj, f->off), a, mode, rng);
        return;
    }
    for (int i = 0; i < d->n_fields; i++) {
        const dc_pq_field *f = &d->fields[i];
        bool set = f->required || f->has_off < 0 || mode == FILL_ALL ||
                   (mode == FILL_RANDOM && (rnd(rng) & 1));
        if (!set)
            continue;
        if (f->has_off >= 0)
            *(bool *)field_at(obj, f->has_off) = true;
        if (f->off < 0)
            continue;
        void *p = field_at(obj, f->off);
        uint64_t r = rnd(rng);
        switch (f->kind) {
        case DC_PQK_BOOL: *(bool *)p = r & 1; break;
        case DC_PQK_I8: *(int8_t *)p = (int8_t)r; break;
        case DC_PQK_I16: *(int16_t *)p = (int16_t)r; break;
        case DC_PQK_I32: *(int32_t *)p = (int32_t)r; break;
        case DC_PQK_I64: *(int64_t *)p = (r & 8) ? (int64_t)r : (int64_t)(r % 1000) - 500; break;
        case DC_PQK_STR: {
            int64_t len = (int64_t)(r % 9);
            char *s = dc_arena_alloc(a, len + 1);
            assert_non_null(s);
            for (int64_t k = 0; k < len; k++)
                s[k] = (char)rnd(rng);
            *(dc_pq_str *)p = (dc_pq_str){s, len};
            break;
        }
        case DC_PQK_STRUCT: fill(f->sub, p, a, mode, rng); break;
        case DC_PQK_LIST: {
            int64_t n = mode == FILL_RANDOM ? (int64_t)(r % 4) : 1 + (int64_t)(r % 3);
            int64_t es = f->elem == DC_PQK_BOOL  ? (int64_t)sizeof(bool)
                         : f->elem == DC_PQK_I32 ? 4
                         : f->elem == DC_PQK_I64 ? 8
                         : f->elem == DC_PQK_STR ? (int64_t)sizeof(dc_pq_str)
                                                 : f->sub->size;
            uint8_t *items = n ? dc_arena_alloc(a, n * es) : NULL;
            if (n)
                memset(items, 0, (size_t)(n * es));
            for (int64_t k = 0; k < n; k++) {
                void *e = items + k * es;
                uint64_t v = rnd(rng);
                switch (f->elem) {
                case DC_PQK_BOOL: *(bool *)e = v & 1; break;
                case DC_PQK_I32: *(int32_t *)e = (int32_t)v; break;
                case DC_PQK_I64: *(int64_t *)e = (int64_t)v; break;
                case DC_PQK_STR: {
                    char *s = dc_arena_alloc(a, 4);
                    memcpy(s, "ab\0c", 4);
                    *(dc_pq_str *)e = (dc_pq_str){s, (int64_t)(v % 5)};
                    break;
                }
                default: fill(f->sub, e, a, mode, rng); break;
                }
            }
            memcpy(p, &items, sizeof items);
            *(int64_t *)field_at(obj, f->count_off) = n;
            break;
        }
        }
    }
}

/* Encode, decode, compare; re-encoding must give the same bytes. Returns the encoding size. */
static int64_t roundtrip(const dc_pq_desc *d, const void *obj)
{
    dc_bytes b1, b2;
    dc_bytes_init(&b1);
    dc_bytes_init(&b2);
    dc_error err;
    dc_arena a;
    dc_arena_init(&a, 4096);
    void *back = dc_calloc(1, (size_t)d->size);
    assert_non_null(back);
    if (dc_pq__encode(d, obj, &b1, &err) != DC_OK)
        fail_msg("encode %s: %s", d->name, err.message);
    int64_t consumed = -1;
    if (dc_pq__decode(d, back, b1.data, b1.size, &a, &consumed, d->name, &err) != DC_OK)
        fail_msg("decode %s: %s", d->name, err.message);
    assert_int_equal(consumed, b1.size);
    if (!dc_pq__equal(d, obj, back))
        fail_msg("%s changed in a round trip", d->name);
    DC_ASSERT_OK(dc_pq__encode(d, back, &b2, NULL));
    assert_int_equal(b1.size, b2.size);
    assert_memory_equal(b1.data, b2.data, (size_t)b1.size);
    int64_t n = b1.size;
    dc_free(back);
    dc_arena_free(&a);
    dc_bytes_free(&b1);
    dc_bytes_free(&b2);
    return n;
}

static const dc_pq_desc *const all_descs[] = {
    &dc_pq_desc_statistics,          &dc_pq_desc_logical_type,
    &dc_pq_desc_schema_element,      &dc_pq_desc_key_value,
    &dc_pq_desc_sorting_column,      &dc_pq_desc_page_encoding_stats,
    &dc_pq_desc_size_statistics,     &dc_pq_desc_column_metadata,
    &dc_pq_desc_column_chunk,        &dc_pq_desc_row_group,
    &dc_pq_desc_column_order,        &dc_pq_desc_file_metadata,
    &dc_pq_desc_data_page_header,    &dc_pq_desc_dictionary_page_header,
    &dc_pq_desc_data_page_header_v2, &dc_pq_desc_page_header,
    &dc_pq_desc_page_location,       &dc_pq_desc_offset_index,
    &dc_pq_desc_column_index,        &dc_pq_desc_bloom_filter_header,
};

/* Decode `bytes` as `d` expecting DC_ECORRUPT whose message contains `needle`. */
static void expect_corrupt(const dc_pq_desc *d, const uint8_t *bytes, size_t n, const char *needle)
{
    dc_arena a;
    dc_arena_init(&a, 1024);
    void *obj = dc_calloc(1, (size_t)d->size);
    dc_error err;
    dc_status rc = dc_pq__decode(d, obj, bytes, (int64_t)n, &a, NULL, "footer", &err);
    if (rc != DC_ECORRUPT)
        fail_msg("expected ECORRUPT, got %s", dc_status_name(rc));
    assert_int_equal(err.code, DC_ECORRUPT);
    assert_true(err.offset >= 0 && err.offset <= (int64_t)n);
    if (!strstr(err.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
    assert_non_null(strstr(err.message, "in the footer"));
    dc_free(obj);
    dc_arena_free(&a);
}

/* ---- compact protocol: integers ---- */

static void test_zigzag_varints_match_the_spec_bytes(void **state)
{
    (void)state;
    dc_bytes b;
    dc_bytes_init(&b);
    dc_thrift_writer w;
    dc_thrift_writer_init(&w, &b, NULL);
    DC_ASSERT_OK(dc_thrift_write_i32(&w, 0));      /* 00 */
    DC_ASSERT_OK(dc_thrift_write_i32(&w, -1));     /* 01 */
    DC_ASSERT_OK(dc_thrift_write_i32(&w, 1));      /* 02 */
    DC_ASSERT_OK(dc_thrift_write_i32(&w, -2));     /* 03 */
    DC_ASSERT_OK(dc_thrift_write_i32(&w, 300));    /* 600 = d8 04 */
    DC_ASSERT_OK(dc_thrift_write_i16(&w, -32768)); /* 65535 = ff ff 03 */
    DC_ASSERT_OK(dc_thrift_write_i8(&w, -1));      /* ff */
    static const uint8_t want[] = {0x00, 0x01, 0x02, 0x03, 0xd8, 0x04, 0xff, 0xff, 0x03, 0xff};
    assert_int_equal(b.size, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    dc_bytes_free(&b);
}

static void test_integer_extremes_round_trip(void **state)
{
    (void)state;
    static const int64_t v64[] = {0,  1,         -1,        63,        -64,
                                  64, INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN};
    static const int32_t v32[] = {0, -1, 1, INT32_MAX, INT32_MIN, 123456789};
    static const int16_t v16[] = {0, -1, INT16_MAX, INT16_MIN};
    static const double vd[] = {0.0, -0.0, 1.5, -1e300, 5e-324};
    dc_bytes b;
    dc_bytes_init(&b);
    dc_thrift_writer w;
    dc_thrift_writer_init(&w, &b, NULL);
    for (size_t i = 0; i < DC_ARRAY_LEN(v64); i++)
        DC_ASSERT_OK(dc_thrift_write_i64(&w, v64[i]));
    for (size_t i = 0; i < DC_ARRAY_LEN(v32); i++)
        DC_ASSERT_OK(dc_thrift_write_i32(&w, v32[i]));
    for (size_t i = 0; i < DC_ARRAY_LEN(v16); i++)
        DC_ASSERT_OK(dc_thrift_write_i16(&w, v16[i]));
    for (size_t i = 0; i < DC_ARRAY_LEN(vd); i++)
        DC_ASSERT_OK(dc_thrift_write_double(&w, vd[i]));
    DC_ASSERT_OK(dc_thrift_write_i8(&w, INT8_MIN));

    dc_thrift_reader r;
    dc_thrift_reader_init(&r, b.data, b.size, "test", NULL);
    for (size_t i = 0; i < DC_ARRAY_LEN(v64); i++) {
        int64_t v;
        DC_ASSERT_OK(dc_thrift_read_i64(&r, &v));
        assert_true(v == v64[i]);
    }
    for (size_t i = 0; i < DC_ARRAY_LEN(v32); i++) {
        int32_t v;
        DC_ASSERT_OK(dc_thrift_read_i32(&r, &v));
        assert_int_equal(v, v32[i]);
    }
    for (size_t i = 0; i < DC_ARRAY_LEN(v16); i++) {
        int16_t v;
        DC_ASSERT_OK(dc_thrift_read_i16(&r, &v));
        assert_int_equal(v, v16[i]);
    }
    for (size_t i = 0; i < DC_ARRAY_LEN(vd); i++) {
        double v;
        DC_ASSERT_OK(dc_thrift_read_double(&r, &v));
        assert_memory_equal(&v, &vd[i], sizeof v);
    }
    int8_t i8;
    DC_ASSERT_OK(dc_thrift_read_i8(&r, &i8));
    assert_int_equal(i8, INT8_MIN);
    assert_int_equal(r.pos, b.size);
    dc_bytes_free(&b);
}

static void test_overlong_and_overflowing_varints_are_corrupt(void **state)
{
    (void)state;
    dc_thrift_reader r;
    dc_error err;
    uint64_t u;
    int32_t i32;
    int16_t i16;
    /* 11 bytes: too long for 64 bits */
    static const uint8_t v11[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00};
    dc_thrift_reader_init(&r, v11, sizeof v11, "footer", &err);
    assert_int_equal(dc_thrift_read_varint(&r, &u), DC_ECORRUPT);
    assert_non_null(strstr(err.message, "overflows 64 bits at offset 0 in the footer"));
    /* 10th byte 2: bit 64 set */
    static const uint8_t v10[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02};
    dc_thrift_reader_init(&r, v10, sizeof v10, "footer", &err);
    assert_int_equal(dc_thrift_read_varint(&r, &u), DC_ECORRUPT);
    /* the largest 10-byte varint is fine */
    static const uint8_t vmax[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    dc_thrift_reader_init(&r, vmax, sizeof vmax, "footer", &err);
    DC_ASSERT_OK(dc_thrift_read_varint(&r, &u));
    assert_true(u == UINT64_MAX);
    /* a non-canonical zero is accepted */
    static const uint8_t vnc[] = {0x80, 0x80, 0x00};
    dc_thrift_reader_init(&r, vnc, sizeof vnc, "footer", &err);
    DC_ASSERT_OK(dc_thrift_read_i32(&r, &i32));
    assert_int_equal(i32, 0);
    /* 2^32 does not fit an i32 */
    static const uint8_t v33[] = {0x80, 0x80, 0x80, 0x80, 0x10};
    dc_thrift_reader_init(&r, v33, sizeof v33, "footer", &err);
    assert_int_equal(dc_thrift_read_i32(&r, &i32), DC_ECORRUPT);
    assert_non_null(strstr(err.message, "overflows an i32"));
    /* 40000 does not fit an i16 */
    static const uint8_t v17[] = {0x80, 0xf1, 0x04}; /* zigzag 80000 */
    dc_thrift_reader_init(&r, v17, sizeof v17, "footer", &err);
    assert_int_equal(dc_thrift_read_i16(&r, &i16), DC_ECORRUPT);
    assert_non_null(strstr(err.message, "overflows an i16"));
    /* truncated: a continuation bit on the last byte */
    static const uint8_t vt[] = {0x05, 0x80};
    dc_thrift_reader_init(&r, vt, sizeof vt, "footer", &err);
    DC_ASSERT_OK(dc_thrift_read_varint(&r, &u));
    assert_int_equal(dc_thrift_read_varint(&r, &u), DC_ECORRUPT);
    assert_string_equal(err.message, "truncated varint at offset 1 in the footer");
    assert_int_equal(err.offset, 1);
    /* truncated double and i8 */
    dc_thrift_reader_init(&r, vt, sizeof vt, "footer", &err);
    double dv;
    assert_int_equal(dc_thrift_read_double(&r, &dv), DC_ECORRUPT);
    r.pos = 2;
    int8_t i8;
    assert_int_equal(dc_thrift_read_i8(&r, &i8), DC_ECORRUPT);
}

/* ---- compact protocol: structs, fields, containers ---- */

static void test_field_headers_use_deltas_and_long_form(void **state)
{
    (void)state;
    dc_bytes b;
    dc_bytes_init(&b);
    dc_thrift_writer w;
    dc_thrift_writer_init(&w, &b, NULL);
    DC_ASSERT_OK(dc_thrift_write_struct_begin(&w));
    DC_ASSERT_OK(dc_thrift_write_field_begin(&w, DC_TC_I32, 1)); /* delta 1: 0x15 */
    DC_ASSERT_OK(dc_thrift_write_i32(&w, 7));
    DC_ASSERT_OK(dc_thrift_write_field_begin(&w, DC_TC_I32, 16)); /* delta 15: 0xf5 */
    DC_ASSERT_OK(dc_thrift_write_i32(&w, 7));
    DC_ASSERT_OK(dc_thrift_write_field_begin(&w, DC_TC_I32, 1000)); /* long: 05 d0 0f */
    DC_ASSERT_OK(dc_thrift_write_i32(&w, 7));
    DC_ASSERT_OK(dc_thrift_write_field_begin(&w, DC_TC_I32, 2)); /* backwards: 05 04 */
    DC_ASSERT_OK(dc_thrift_write_i32(&w, 7));
    DC_ASSERT_OK(dc_thrift_write_field_bool(&w, -3, true)); /* negative id: 01 05 */
    DC_ASSERT_OK(dc_thrift_write_struct_end(&w));
    static const uint8_t want[] = {0x15, 0x0e, 0xf5, 0x0e, 0x05, 0xd0, 0x0f,
                                   0x0e, 0x05, 0x04, 0x0e, 0x01, 0x05, 0x00};
    assert_int_equal(b.size, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);

    dc_thrift_reader r;
    dc_thrift_reader_init(&r, b.data, b.size, "test", NULL);
    int16_t last = 0, id;
    uint8_t t;
    static const int16_t ids[] = {1, 16, 1000, 2};
    for (size_t i = 0; i < DC_ARRAY_LEN(ids); i++) {
        int32_t v;
        DC_ASSERT_OK(dc_thrift_read_field(&r, &last, &t, &id));
        assert_int_equal(t, DC_TC_I32);
        assert_int_equal(id, ids[i]);
        DC_ASSERT_OK(dc_thrift_read_i32(&r, &v));
        assert_int_equal(v, 7);
    }
    DC_ASSERT_OK(dc_thrift_read_field(&r, &last, &t, &id));
    assert_int_equal(t, DC_TC_BOOL_TRUE);
    assert_int_equal(id, -3);
    DC_ASSERT_OK(dc_thrift_read_field(&r, &last, &t, &id));
    assert_int_equal(t, DC_TC_STOP);
    assert_int_equal(r.pos, b.size);
    dc_bytes_free(&b);
}

static void test_bool_fields_live_in_the_type_nibble(void **state)
{
    (void)state;
    /* Statistics: is_max_value_exact (7) = true, is_min_value_exact (8) = false. */
    static const uint8_t bytes[] = {0x71, 0x12, 0x00};
    dc_pq_statistics st;
    int64_t consumed;
    DC_ASSERT_OK(dc_pq__decode(&dc_pq_desc_statistics, &st, bytes, sizeof bytes, NULL, &consumed,
                               "test", NULL));
    assert_int_equal(consumed, 3);
    assert_true(st.has_is_max_value_exact && st.is_max_value_exact);
    assert_true(st.has_is_min_value_exact && !st.is_min_value_exact);
    assert_false(st.has_max || st.has_null_count);
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq__encode(&dc_pq_desc_statistics, &st, &b, NULL));
    assert_int_equal(b.size, sizeof bytes);
    assert_memory_equal(b.data, bytes, sizeof bytes);
    dc_bytes_free(&b);
}

static void test_unknown_fields_of_every_type_are_skipped(void **state)
{
    (void)state;
    /* A KeyValue whose known fields come after unknown fields of every type. */
    static const uint8_t bytes[] = {
        0x51,                                                             /* 5: bool true */
        0x12,                                                             /* 6: bool false */
        0x13, 0x7f,                                                       /* 7: i8 */
        0x14, 0x03,                                                       /* 8: i16 -2 */
        0x15, 0x81, 0x01,                                                 /* 9: i32 -65 */
        0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, /* 10: i64 */
        0x17, 0,    0,    0,    0,    0,    0,    0xf0, 0x3f,             /* 11: double 1.0 */
        0x18, 0x03, 'a',  'b',  'c',                                      /* 12: binary */
        0x19, 0x35, 0x02, 0x04, 0x06,                                     /* 13: list<i32> of 3 */
        0x1a, 0x28, 0x01, 'x',  0x00,                                     /* 14: set<binary> of 2 */
        0x1b, 0x02, 0x58, 0x02, 0x01, 'k',  0x04, 0x01, 'j',              /* 15: map<i32,binary> */
        0x1b, 0x00,                                                       /* 16: empty map */
        0x1c,                                                             /* 17: struct { */
        0x15, 0x02,                                                       /*   1: i32 */
        0x19, 0x1c, 0x11, 0x00,            /*   2: list<struct{1: true}> */
        0x1c, 0x00,                        /*   3: empty struct */
        0x00,                              /* } */
        0x19, 0x21, 0x01, 0x02,            /* 18: list<bool> true, false */
        0x19, 0x29, 0x15, 0x02, 0x05,      /* 19: list<list<i32>> [[1], []] */
        0x19, 0xf8, 0x00,                  /* 20: empty list, long-form header */
        0x1b, 0x01, 0xcc, 0x00, 0x00,      /* 21: map<struct,struct> {{}: {}} */
        0x1b, 0x01, 0x11, 0x01, 0x02,      /* 22: map<bool,bool> {true: false} */
        0x08, 0xd0, 0x0f, 0x01, 'z',       /* 1000 (long form): binary */
        0x08, 0x02, 0x03, 'k',  'e',  'y', /* 1 (long form, backwards): key */
        0x18, 0x01, 'v',                   /* 2: value */
        0x00,
    };
    dc_pq_key_value kv;
    dc_arena a;
    dc_arena_init(&a, 1024);
    int64_t consumed;
    dc_error err;
    if (dc_pq__decode(&dc_pq_desc_key_value, &kv, bytes, sizeof bytes, &a, &consumed, "test",
                      &err) != DC_OK)
        fail_msg("%s", err.message);
    assert_int_equal(consumed, sizeof bytes);
    assert_true(str_is(kv.key, "key"));
    assert_string_equal(kv.key.ptr, "key"); /* NUL-terminated copy */
    assert_true(kv.has_value && str_is(kv.value, "v"));

    /* The same bytes through the raw skipper: one struct, exactly consumed. */
    dc_thrift_reader r;
    dc_thrift_reader_init(&r, bytes, sizeof bytes, "test", NULL);
    DC_ASSERT_OK(dc_thrift_skip_value(&r, DC_TC_STRUCT));
    assert_int_equal(r.pos, sizeof bytes);
    assert_int_equal(r.depth, 0);
    dc_arena_free(&a);
}

static void test_known_field_with_wrong_type_is_skipped(void **state)
{
    (void)state;
    /* KeyValue: key ok; value (2) sent as an i32: skipped, left unset. */
    static const uint8_t bytes[] = {0x18, 0x01, 'k', 0x15, 0x02, 0x00};
    dc_pq_key_value kv;
    DC_ASSERT_OK(
        dc_pq__decode(&dc_pq_desc_key_value, &kv, bytes, sizeof bytes, NULL, NULL, "t", NULL));
    assert_true(str_is(kv.key, "k"));
    assert_false(kv.has_value);
    /* ...but a required field of the wrong type is then missing. */
    static const uint8_t bad[] = {0x15, 0x02, 0x00};
    expect_corrupt(&dc_pq_desc_key_value, bad, sizeof bad,
                   "KeyValue is missing its required field key (id 1)");
}

static void test_lists_empty_short_and_long_headers(void **state)
{
    (void)state;
    int32_t enc[20];
    for (int i = 0; i < 20; i++)
        enc[i] = i % 10;
    dc_pq_str path[] = {S("a"), S(""), S("c")};
    dc_pq_column_metadata cm = {0};
    cm.type = DC_PQ_TYPE_INT64;
    cm.encodings = enc;
    cm.n_encodings = 20; /* long-form list header */
    cm.path_in_schema = path;
    cm.n_path_in_schema = 3;
    cm.codec = DC_PQ_CODEC_ZSTD;
    cm.has_key_value_metadata = true; /* set but empty */
    roundtrip(&dc_pq_desc_column_metadata, &cm);

    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq__encode(&dc_pq_desc_column_metadata, &cm, &b, NULL));
    /* type, then encodings: header 0xf5 (long form, i32) and size 20 */
    assert_int_equal(b.data[2], 0x19);
    assert_int_equal(b.data[3], 0xf5);
    assert_int_equal(b.data[4], 20);
    dc_arena a;
    dc_arena_init(&a, 1024);
    dc_pq_column_metadata back;
    DC_ASSERT_OK(
        dc_pq__decode(&dc_pq_desc_column_metadata, &back, b.data, b.size, &a, NULL, "t", NULL));
    assert_true(back.has_key_value_metadata);
    assert_int_equal(back.n_key_value_metadata, 0);
    assert_null(back.key_value_metadata);
    assert_int_equal(back.n_encodings, 20);
    assert_int_equal(back.encodings[19], 9);
    assert_true(str_is(back.path_in_schema[1], ""));
    dc_arena_free(&a);
    dc_bytes_free(&b);

    /* An empty list may declare any element type. */
    static const uint8_t empty_any[] = {0x19, 0x05, 0x00}; /* ColumnIndex.null_pages: [] of i32 */
    dc_pq_column_index ci;
    assert_int_equal(dc_pq_column_index_decode(&ci, empty_any, sizeof empty_any, NULL),
                     DC_ECORRUPT); /* min_values etc. missing */
    static const uint8_t empty_ok[] = {0x19, 0x05, 0x19, 0x08, 0x19, 0x08, 0x15, 0x02, 0x00};
    DC_ASSERT_OK(dc_pq_column_index_decode(&ci, empty_ok, sizeof empty_ok, NULL));
    assert_int_equal(ci.n_null_pages, 0);
    assert_int_equal(ci.boundary_order, DC_PQ_BOUNDARY_ASCENDING);
    dc_pq_column_index_clear(&ci);
}

/* ---- round trips of every structure ---- */

static void test_every_struct_round_trips_with_all_optional_fields_set(void **state)
{
    (void)state;
    uint64_t rng = 0x1234567;
    for (size_t i = 0; i < DC_ARRAY_LEN(all_descs); i++) {
        for (int rep = 0; rep < 8; rep++) {
            dc_arena a;
            dc_arena_init(&a, 4096);
            void *obj = dc_calloc(1, (size_t)all_descs[i]->size);
            fill(all_descs[i], obj, &a, FILL_ALL, &rng);
            roundtrip(all_descs[i], obj);
            dc_free(obj);
            dc_arena_free(&a);
        }
    }
}

static void test_every_struct_round_trips_with_no_optional_field_set(void **state)
{
    (void)state;
    uint64_t rng = 0x7654321;
    for (size_t i = 0; i < DC_ARRAY_LEN(all_descs); i++) {
        dc_arena a;
        dc_arena_init(&a, 4096);
        void *obj = dc_calloc(1, (size_t)all_descs[i]->size);
        fill(all_descs[i], obj, &a, FILL_NONE, &rng);
        int64_t n = roundtrip(all_descs[i], obj);
        assert_true(n >= 1);
        dc_free(obj);
        dc_arena_free(&a);
    }
    /* An all-optional struct with nothing set is a lone STOP byte. */
    dc_pq_statistics st = {0};
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq__encode(&dc_pq_desc_statistics, &st, &b, NULL));
    assert_int_equal(b.size, 1);
    assert_int_equal(b.data[0], 0);
    dc_bytes_free(&b);
}

static void test_every_struct_round_trips_with_random_fields(void **state)
{
    (void)state;
    uint64_t rng = 42;
    for (int rep = 0; rep < 200; rep++) {
        for (size_t i = 0; i < DC_ARRAY_LEN(all_descs); i++) {
            dc_arena a;
            dc_arena_init(&a, 4096);
            void *obj = dc_calloc(1, (size_t)all_descs[i]->size);
            fill(all_descs[i], obj, &a, FILL_RANDOM, &rng);
            roundtrip(all_descs[i], obj);
            dc_free(obj);
            dc_arena_free(&a);
        }
    }
}

static void test_every_logical_type_member_round_trips(void **state)
{
    (void)state;
    const dc_pq_desc *d = &dc_pq_desc_logical_type;
    for (int i = 0; i < d->n_fields; i++) {
        dc_pq_logical_type lt = {0};
        lt.kind = d->fields[i].id;
        lt.decimal = (dc_pq_decimal_type){2, 10};
        lt.time = (dc_pq_time_type){true, DC_PQ_UNIT_NANOS};
        lt.timestamp = (dc_pq_time_type){false, DC_PQ_UNIT_MILLIS};
        lt.integer = (dc_pq_int_type){16, false};
        lt.variant = (dc_pq_variant_type){1, true};
        lt.geometry = (dc_pq_geo_type){S("OGC:CRS84"), 0, true, false};
        lt.geography = (dc_pq_geo_type){S("srid:4326"), 2, true, true};
        roundtrip(d, &lt);
    }
    /* TIMESTAMP(isAdjustedToUTC=true, MICROS) byte for byte:
     * 8: struct { 1: true, 2: struct { 2: struct {} } } */
    dc_pq_logical_type ts = {.kind = DC_PQ_LT_TIMESTAMP, .timestamp = {true, DC_PQ_UNIT_MICROS}};
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq__encode(d, &ts, &b, NULL));
    static const uint8_t want[] = {0x8c, 0x11, 0x1c, 0x2c, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(b.size, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    dc_bytes_free(&b);
    /* A member this code does not know (id 30) survives as its kind. */
    static const uint8_t unknown[] = {0xec, 0x15, 0x02, 0x00, 0x00}; /* 14: UUID */
    static const uint8_t unknown_long[] = {0x0c, 0x3c, 0x15, 0x02, 0x00, 0x00};
    dc_pq_logical_type u;
    DC_ASSERT_OK(dc_pq__decode(d, &u, unknown_long, sizeof unknown_long, NULL, NULL, "t", NULL));
    assert_int_equal(u.kind, 30);
    roundtrip(d, &u);
    DC_ASSERT_OK(dc_pq__decode(d, &u, unknown, sizeof unknown, NULL, NULL, "t", NULL));
    assert_int_equal(u.kind, 14); /* delta 14: UUID, whose unknown inner field is skipped */
    roundtrip(d, &u);
}

static void test_file_metadata_round_trip_keeps_every_value(void **state)
{
    (void)state;
    dc_pq_schema_element schema[3] = {0};
    schema[0].name = S("root");
    schema[0].has_num_children = true;
    schema[0].num_children = 2;
    schema[1].name = S("ts");
    schema[1].has_type = schema[1].has_repetition_type = schema[1].has_logical_type = true;
    schema[1].type = DC_PQ_TYPE_INT64;
    schema[1].repetition_type = DC_PQ_REP_OPTIONAL;
    schema[1].logical_type.kind = DC_PQ_LT_TIMESTAMP;
    schema[1].logical_type.timestamp = (dc_pq_time_type){true, DC_PQ_UNIT_NANOS};
    schema[1].has_field_id = true;
    schema[1].field_id = -5;
    schema[2].name = S("amount");
    schema[2].has_type = schema[2].has_type_length = schema[2].has_converted_type = true;
    schema[2].type = DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
    schema[2].type_length = 16;
    schema[2].converted_type = DC_PQ_CT_DECIMAL;
    schema[2].has_scale = schema[2].has_precision = true;
    schema[2].scale = 4;
    schema[2].precision = 38;

    int32_t encs[] = {DC_PQ_ENC_PLAIN, DC_PQ_ENC_RLE, DC_PQ_ENC_RLE_DICTIONARY};
    dc_pq_str path[] = {S("ts")};
    dc_pq_page_encoding_stats es[] = {{DC_PQ_PAGE_DICTIONARY, DC_PQ_ENC_PLAIN, 1},
                                      {DC_PQ_PAGE_DATA, DC_PQ_ENC_RLE_DICTIONARY, 3}};
    dc_pq_column_chunk cols[2] = {0};
    dc_pq_column_metadata *cm = &cols[0].meta_data;
    cols[0].has_meta_data = true;
    cols[0].file_offset = 0;
    cm->type = DC_PQ_TYPE_INT64;
    cm->encodings = encs;
    cm->n_encodings = 3;
    cm->path_in_schema = path;
    cm->n_path_in_schema = 1;
    cm->codec = DC_PQ_CODEC_SNAPPY;
    cm->num_values = 1000;
    cm->total_uncompressed_size = 8000;
    cm->total_compressed_size = 4000;
    cm->data_page_offset = 104;
    cm->has_dictionary_page_offset = true;
    cm->dictionary_page_offset = 4;
    cm->has_statistics = true;
    cm->statistics.has_null_count = true;
    cm->statistics.null_count = 7;
    cm->statistics.has_min_value = cm->statistics.has_max_value = true;
    cm->statistics.min_value = (dc_pq_str){"\x01\0\0\0\0\0\0\0", 8};
    cm->statistics.max_value = (dc_pq_str){"\xff\xff\xff\xff\xff\xff\xff\x7f", 8};
    cm->encoding_stats = es;
    cm->n_encoding_stats = 2;
    cm->has_encoding_stats = true;
    cm->has_bloom_filter_offset = cm->has_bloom_filter_length = true;
    cm->bloom_filter_offset = 9000;
    cm->bloom_filter_length = 64;
    cols[0].has_offset_index_offset = cols[0].has_offset_index_length = true;
    cols[0].offset_index_offset = 12000;
    cols[0].offset_index_length = 30;
    cols[1].has_file_path = true;
    cols[1].file_path = S("other.parquet");
    cols[1].file_offset = 77;
    dc_pq_sorting_column sc[] = {{1, true, false}};
    dc_pq_row_group rg = {0};
    rg.columns = cols;
    rg.n_columns = 2;
    rg.total_byte_size = 8000;
    rg.num_rows = 1000;
    rg.sorting_columns = sc;
    rg.n_sorting_columns = 1;
    rg.has_sorting_columns = rg.has_ordinal = true;
    rg.ordinal = 0;
    dc_pq_key_value kv[] = {{S("a"), S("1"), true}, {S("b"), {0}, false}};
    dc_pq_column_order co[] = {{DC_PQ_ORDER_TYPE_DEFINED}, {DC_PQ_ORDER_IEEE_754_TOTAL}};
    dc_pq_file_metadata fm = {0};
    fm.version = 2;
    fm.schema = schema;
    fm.n_schema = 3;
    fm.num_rows = 1000;
    fm.row_groups = &rg;
    fm.n_row_groups = 1;
    fm.key_value_metadata = kv;
    fm.n_key_value_metadata = 2;
    fm.has_key_value_metadata = true;
    fm.has_created_by = true;
    fm.created_by = S("deltacat version 0.1");
    fm.column_orders = co;
    fm.n_column_orders = 2;
    fm.has_column_orders = true;

    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_file_metadata_encode(&b, &fm, NULL));
    dc_pq_file_metadata back;
    DC_ASSERT_OK(dc_pq_file_metadata_decode(&back, b.data, b.size, NULL));
    dc_bytes_free(&b); /* the decoded metadata owns copies */
    assert_true(dc_pq__equal(&dc_pq_desc_file_metadata, &fm, &back));
    assert_int_equal(back.version, 2);
    assert_int_equal(back.n_schema, 3);
    assert_string_equal(back.schema[1].name.ptr, "ts");
    assert_int_equal(back.schema[1].logical_type.kind, DC_PQ_LT_TIMESTAMP);
    assert_int_equal(back.schema[1].logical_type.timestamp.unit, DC_PQ_UNIT_NANOS);
    assert_true(back.schema[1].logical_type.timestamp.is_adjusted_to_utc);
    assert_int_equal(back.schema[1].field_id, -5);
    assert_false(back.schema[0].has_type);
    assert_int_equal(back.schema[2].precision, 38);
    const dc_pq_column_metadata *bm = &back.row_groups[0].columns[0].meta_data;
    assert_int_equal(bm->codec, DC_PQ_CODEC_SNAPPY);
    assert_int_equal(bm->encodings[2], DC_PQ_ENC_RLE_DICTIONARY);
    assert_int_equal(bm->statistics.null_count, 7);
    assert_memory_equal(bm->statistics.max_value.ptr, "\xff\xff\xff\xff\xff\xff\xff\x7f", 8);
    assert_int_equal(bm->encoding_stats[1].count, 3);
    assert_int_equal(bm->bloom_filter_length, 64);
    assert_false(bm->has_index_page_offset);
    assert_int_equal(back.row_groups[0].columns[0].offset_index_offset, 12000);
    assert_false(back.row_groups[0].columns[1].has_meta_data);
    assert_int_equal(back.row_groups[0].columns[1].file_offset, 77);
    assert_true(back.row_groups[0].sorting_columns[0].descending);
    assert_false(back.row_groups[0].has_file_offset);
    assert_false(back.key_value_metadata[1].has_value);
    assert_int_equal(back.column_orders[1].kind, DC_PQ_ORDER_IEEE_754_TOTAL);
    assert_string_equal(back.created_by.ptr, "deltacat version 0.1");
    dc_pq_file_metadata_clear(&back);
    dc_pq_file_metadata_clear(&back); /* idempotent */
    dc_pq_file_metadata_clear(NULL);
}

static void test_page_headers_round_trip_and_borrow_statistics(void **state)
{
    (void)state;
    dc_pq_page_header h = {0};
    h.type = DC_PQ_PAGE_DATA_V2;
    h.uncompressed_page_size = 4096;
    h.compressed_page_size = 1234;
    h.has_crc = true;
    h.crc = (int32_t)0xdeadbeef;
    h.has_data_page_header_v2 = true;
    dc_pq_data_page_header_v2 *v2 = &h.data_page_header_v2;
    v2->num_values = 100;
    v2->num_nulls = 3;
    v2->num_rows = 50;
    v2->encoding = DC_PQ_ENC_DELTA_BINARY_PACKED;
    v2->definition_levels_byte_length = 10;
    v2->repetition_levels_byte_length = 12;
    v2->has_is_compressed = true;
    v2->is_compressed = false;
    v2->has_statistics = true;
    v2->statistics.has_min = true;
    v2->statistics.min = S("abc");
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_page_header_encode(&b, &h, NULL));
    int64_t hlen = b.size;
    DC_ASSERT_OK(dc_bytes_append(&b, "page bytes follow", 17));
    dc_pq_page_header back;
    int64_t consumed = 0;
    DC_ASSERT_OK(dc_pq_page_header_decode(&back, b.data, b.size, &consumed, NULL));
    assert_int_equal(consumed, hlen);
    assert_true(dc_pq__equal(&dc_pq_desc_page_header, &h, &back));
    assert_int_equal(back.crc, (int32_t)0xdeadbeef);
    assert_false(back.data_page_header_v2.is_compressed);
    assert_true(back.data_page_header_v2.has_is_compressed);
    /* no allocation: the statistics point into the decoded bytes */
    const char *minp = back.data_page_header_v2.statistics.min.ptr;
    assert_true(minp >= (const char *)b.data && minp < (const char *)b.data + hlen);
    dc_pq_page_header_clear(&back);
    dc_bytes_free(&b);

    /* a dictionary page header and a v1 header with the index page flag */
    dc_pq_page_header d = {.type = DC_PQ_PAGE_DICTIONARY,
                           .uncompressed_page_size = 10,
                           .compressed_page_size = 10,
                           .has_dictionary_page_header = true,
                           .dictionary_page_header = {5, DC_PQ_ENC_PLAIN, true, true}};
    roundtrip(&dc_pq_desc_page_header, &d);
    d.has_index_page_header = true;
    roundtrip(&dc_pq_desc_page_header, &d);
}

static void test_page_indexes_round_trip(void **state)
{
    (void)state;
    dc_pq_page_location locs[] = {{4, 100, 0}, {104, 90, 500}, {194, 80, 1000}};
    int64_t ub[] = {10, 20, 30};
    dc_pq_offset_index oi = {0};
    oi.page_locations = locs;
    oi.n_page_locations = 3;
    oi.unencoded_byte_array_data_bytes = ub;
    oi.n_unencoded_byte_array_data_bytes = 3;
    oi.has_unencoded_byte_array_data_bytes = true;
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_offset_index_encode(&b, &oi, NULL));
    dc_pq_offset_index oib;
    DC_ASSERT_OK(dc_pq_offset_index_decode(&oib, b.data, b.size, NULL));
    assert_true(dc_pq__equal(&dc_pq_desc_offset_index, &oi, &oib));
    assert_int_equal(oib.page_locations[2].first_row_index, 1000);
    dc_pq_offset_index_clear(&oib);
    b.size = 0;

    bool nulls[] = {false, true, false};
    dc_pq_str mins[] = {S("a"), S(""), S("m")};
    dc_pq_str maxs[] = {S("f"), S(""), S("z")};
    int64_t nc[] = {0, 500, 2};
    dc_pq_column_index ci = {0};
    ci.null_pages = nulls;
    ci.n_null_pages = 3;
    ci.min_values = mins;
    ci.n_min_values = 3;
    ci.max_values = maxs;
    ci.n_max_values = 3;
    ci.boundary_order = DC_PQ_BOUNDARY_ASCENDING;
    ci.null_counts = nc;
    ci.n_null_counts = 3;
    ci.has_null_counts = true;
    DC_ASSERT_OK(dc_pq_column_index_encode(&b, &ci, NULL));
    /* null_pages: list<bool> of 3 elements: 0x31, then 02 01 02 */
    static const uint8_t head[] = {0x19, 0x31, 0x02, 0x01, 0x02};
    assert_memory_equal(b.data, head, sizeof head);
    dc_pq_column_index cib;
    DC_ASSERT_OK(dc_pq_column_index_decode(&cib, b.data, b.size, NULL));
    assert_true(dc_pq__equal(&dc_pq_desc_column_index, &ci, &cib));
    assert_true(cib.null_pages[1] && !cib.null_pages[2]);
    assert_string_equal(cib.max_values[2].ptr, "z");
    assert_int_equal(cib.null_counts[1], 500);
    assert_false(cib.has_nan_counts);
    dc_pq_column_index_clear(&cib);
    dc_bytes_free(&b);

    /* bool list elements written as 0 for false are accepted */
    static const uint8_t zero_false[] = {0x19, 0x21, 0x00, 0x01, 0x19, 0x08,
                                         0x19, 0x08, 0x15, 0x00, 0x00};
    DC_ASSERT_OK(dc_pq_column_index_decode(&cib, zero_false, sizeof zero_false, NULL));
    assert_false(cib.null_pages[0]);
    assert_true(cib.null_pages[1]);
    dc_pq_column_index_clear(&cib);

    dc_pq_bloom_filter_header bf = {1024, 1, 1, 1}, bfb;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_bloom_filter_header_encode(&b, &bf, NULL));
    int64_t consumed;
    DC_ASSERT_OK(dc_pq_bloom_filter_header_decode(&bfb, b.data, b.size, &consumed, NULL));
    assert_int_equal(consumed, b.size);
    assert_int_equal(bfb.num_bytes, 1024);
    assert_int_equal(bfb.hash, 1);
    dc_bytes_free(&b);
}

/* ---- corrupt input ---- */

/* Every strict prefix of a valid encoding fails cleanly with DC_ECORRUPT. */
static void check_prefixes(const dc_pq_desc *d, const uint8_t *bytes, int64_t n, bool use_arena)
{
    for (int64_t k = 0; k < n; k++) {
        /* a private copy of exactly k bytes so ASan catches any overread */
        uint8_t *copy = dc_malloc((size_t)k + 1);
        memcpy(copy, bytes, (size_t)k);
        dc_arena a;
        dc_arena_init(&a, 1024);
        void *obj = dc_calloc(1, (size_t)d->size);
        dc_error err;
        dc_status rc = dc_pq__decode(d, obj, copy, k, use_arena ? &a : NULL, NULL, "footer", &err);
        if (rc != DC_ECORRUPT)
            fail_msg("%s prefix of %lld/%lld bytes: %s", d->name, (long long)k, (long long)n,
                     dc_status_name(rc));
        assert_true(err.offset >= 0 && err.offset <= k);
        assert_non_null(strstr(err.message, " at offset "));
        dc_free(obj);
        dc_arena_free(&a);
        dc_free(copy);
    }
}

static void test_every_truncation_is_corrupt(void **state)
{
    (void)state;
    uint64_t rng = 99;
    for (size_t i = 0; i < DC_ARRAY_LEN(all_descs); i++) {
        dc_arena a;
        dc_arena_init(&a, 4096);
        void *obj = dc_calloc(1, (size_t)all_descs[i]->size);
        fill(all_descs[i], obj, &a, FILL_ALL, &rng);
        dc_bytes b;
        dc_bytes_init(&b);
        DC_ASSERT_OK(dc_pq__encode(all_descs[i], obj, &b, NULL));
        check_prefixes(all_descs[i], b.data, b.size, true);
        dc_bytes_free(&b);
        dc_free(obj);
        dc_arena_free(&a);
    }
    /* the typed decoders too, on real bytes */
    int64_t n;
    uint8_t *footer = read_file("tests/formats/data/duckdb_footer.bin", &n);
    for (int64_t k = 0; k < n; k++) {
        dc_pq_file_metadata fm;
        dc_error err;
        assert_int_equal(dc_pq_file_metadata_decode(&fm, footer, k, &err), DC_ECORRUPT);
        assert_null(fm.schema);
        assert_null(fm.arena.head);
    }
    dc_free(footer);
    uint8_t *ph = read_file("tests/formats/data/duckdb_page_header.bin", &n);
    int64_t consumed;
    dc_pq_page_header h;
    DC_ASSERT_OK(dc_pq_page_header_decode(&h, ph, n, &consumed, NULL));
    check_prefixes(&dc_pq_desc_page_header, ph, consumed, false);
    dc_free(ph);
}

static void test_huge_declared_sizes_are_corrupt_before_allocating(void **state)
{
    (void)state;
    /* FileMetaData.schema: a list of 2^31-1 structs in 6 bytes */
    expect_corrupt(&dc_pq_desc_file_metadata,
                   BYTES(0x15, 0x02, 0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07),
                   "list of 2147483647 elements cannot fit in the 0 bytes left");
    /* a list size over 2^31-1 */
    expect_corrupt(&dc_pq_desc_file_metadata,
                   BYTES(0x15, 0x02, 0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00),
                   "list size 4294967295 is larger than 2^31-1");
    /* 3 elements declared, 2 bytes left */
    expect_corrupt(&dc_pq_desc_file_metadata, BYTES(0x19, 0x3c, 0x00, 0x00),
                   "list of 3 elements cannot fit in the 2 bytes left at offset 1");
    /* a string longer than what is left */
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x18, 0x10, 'a', 'b'),
                   "binary of 16 bytes runs past the end (2 bytes left) at offset 1");
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x18, 0xff, 0xff, 0xff, 0xff, 0x0f),
                   "binary length 4294967295 is larger than 2^31-1");
    /* a map in an unknown field declaring more entries than bytes */
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x1b, 0x80, 0x80, 0x04, 0x55, 0x00),
                   "map of 65536 entries cannot fit");
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x1b, 0x80, 0x80, 0x80, 0x80, 0x08, 0x55),
                   "map size 2147483648 is larger than 2^31-1");
}

static void test_excessive_nesting_is_corrupt(void **state)
{
    (void)state;
    /* 200 structs nested in unknown field 1 of each other, inside a KeyValue */
    enum { N = 200 };
    uint8_t buf[2 * N + 8];
    size_t n = 0;
    for (int i = 0; i < N; i++)
        buf[n++] = 0x1c;
    for (int i = 0; i < N; i++)
        buf[n++] = 0x00;
    buf[n++] = 0x00;
    expect_corrupt(&dc_pq_desc_key_value, buf, n, "nested deeper than 64 levels");
    /* lists of lists of ... */
    n = 0;
    buf[n++] = 0x19;
    for (int i = 0; i < N; i++)
        buf[n++] = 0x19; /* a list of one list */
    buf[n++] = 0x00;
    expect_corrupt(&dc_pq_desc_key_value, buf, n, "nested deeper than 64 levels");
    /* nesting within the limit is fine: 60 levels */
    n = 0;
    for (int i = 0; i < 60; i++)
        buf[n++] = 0x1c;
    for (int i = 0; i < 60; i++)
        buf[n++] = 0x00;
    buf[n++] = 0x08; /* field 1 in long form (the last id was 1): key "" */
    buf[n++] = 0x02;
    buf[n++] = 0x00;
    buf[n++] = 0x00;
    dc_pq_key_value kv;
    dc_error err;
    if (dc_pq__decode(&dc_pq_desc_key_value, &kv, buf, (int64_t)n, NULL, NULL, "t", &err) != DC_OK)
        fail_msg("%s", err.message);
    assert_int_equal(kv.key.len, 0);
}

static void test_invalid_types_and_missing_fields_are_corrupt(void **state)
{
    (void)state;
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x1d, 0x00), "invalid field type 13");
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x10, 0x00), "invalid field type 0");
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x19, 0x10, 0x00, 0x00),
                   "invalid list element type 0");
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x19, 0x1f, 0x00, 0x00),
                   "invalid list element type 15");
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x1b, 0x01, 0xd5, 0x00, 0x00, 0x00),
                   "invalid map key/value types");
    expect_corrupt(&dc_pq_desc_column_index, BYTES(0x19, 0x11, 0x07, 0x00),
                   "invalid bool byte 0x07");
    expect_corrupt(&dc_pq_desc_column_index, BYTES(0x19, 0x15, 0x02, 0x00),
                   "ColumnIndex.null_pages is a list of i32, expected a list of bool");
    /* field id delta overflowing an i16 */
    expect_corrupt(&dc_pq_desc_key_value, BYTES(0x05, 0xfe, 0xff, 0x03, 0x02, 0x15, 0x00, 0x00),
                   "field id 32768 overflows");
    /* required fields of FileMetaData */
    expect_corrupt(&dc_pq_desc_file_metadata, BYTES(0x15, 0x02, 0x19, 0x0c, 0x00),
                   "FileMetaData is missing its required field num_rows (id 3) at offset 0");
    expect_corrupt(&dc_pq_desc_file_metadata, BYTES(0x00), "missing its required field version");
    /* an empty input */
    expect_corrupt(&dc_pq_desc_file_metadata, (const uint8_t *)"", 0, "truncated struct");
    /* a required field inside a nested struct: SchemaElement without its name */
    expect_corrupt(&dc_pq_desc_file_metadata, BYTES(0x15, 0x02, 0x19, 0x1c, 0x15, 0x02, 0x00),
                   "SchemaElement is missing its required field name (id 4) at offset 4");
}

static void test_encoding_rejects_invalid_structs(void **state)
{
    (void)state;
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_bytes_append(&b, "xyz", 3));
    dc_error err;
    dc_pq_file_metadata fm = {0};
    fm.n_schema = 2; /* but no items */
    assert_int_equal(dc_pq_file_metadata_encode(&b, &fm, &err), DC_EINVALID);
    assert_non_null(strstr(err.message, "FileMetaData.schema"));
    assert_int_equal(b.size, 3); /* left as it was */
    dc_pq_key_value kv = {{NULL, 4}, {0}, false};
    assert_int_equal(dc_pq__encode(&dc_pq_desc_key_value, &kv, &b, &err), DC_EINVALID);
    assert_non_null(strstr(err.message, "KeyValue.key"));
    dc_pq_logical_type lt = {.kind = 70000};
    assert_int_equal(dc_pq__encode(&dc_pq_desc_logical_type, &lt, &b, &err), DC_EINVALID);
    assert_int_equal(b.size, 3);
    dc_bytes_free(&b);
}

static void test_allocation_failures_leave_nothing_behind(void **state)
{
    (void)state;
    int64_t n;
    uint8_t *footer = read_file("tests/formats/data/duckdb_footer.bin", &n);
    bool done = false;
    for (int64_t k = 0; !done && k < 10000; k++) {
        dc_pq_file_metadata fm;
        dc_error err;
        dc_alloc_fail_after(k);
        dc_status rc = dc_pq_file_metadata_decode(&fm, footer, n, &err);
        dc_alloc_fail_after(-1);
        if (rc == DC_OK) {
            done = true;
            assert_int_equal(fm.num_rows, 3000);
            dc_pq_file_metadata_clear(&fm);
        } else {
            assert_int_equal(rc, DC_ENOMEM);
            assert_null(fm.arena.head);
        }
    }
    assert_true(done);
    /* encoding into a buffer that cannot grow */
    dc_pq_file_metadata fm;
    DC_ASSERT_OK(dc_pq_file_metadata_decode(&fm, footer, n, NULL));
    done = false;
    for (int64_t k = 0; !done && k < 100; k++) {
        dc_bytes b;
        dc_bytes_init(&b);
        dc_alloc_fail_after(k);
        dc_status rc = dc_pq_file_metadata_encode(&b, &fm, NULL);
        dc_alloc_fail_after(-1);
        if (rc == DC_OK)
            done = true;
        else
            assert_int_equal(rc, DC_ENOMEM);
        dc_bytes_free(&b);
    }
    assert_true(done);
    dc_pq_file_metadata_clear(&fm);
    dc_free(footer);
}

/* ---- a real footer (DuckDB 1.5.6; see tests/formats/data/gen_parquet_thrift.mjs) ---- */

static void test_duckdb_footer_decodes_to_its_schema_and_row_groups(void **state)
{
    (void)state;
    int64_t n;
    uint8_t *footer = read_file("tests/formats/data/duckdb_footer.bin", &n);
    dc_pq_file_metadata fm;
    dc_error err;
    if (dc_pq_file_metadata_decode(&fm, footer, n, &err) != DC_OK)
        fail_msg("%s", err.message);
    assert_int_equal(fm.version, 1);
    assert_int_equal(fm.num_rows, 3000);
    assert_true(fm.has_created_by);
    assert_non_null(strstr(fm.created_by.ptr, "DuckDB"));

    static const struct {
        const char *name;
        int type; /* -1: group */
        int rep;
        int children;
        int ct; /* -1: none */
    } want[] = {
        {"duckdb_schema", -1, -1, 10, -1},
        {"id", DC_PQ_TYPE_INT32, DC_PQ_REP_OPTIONAL, 0, DC_PQ_CT_INT_32},
        {"big", DC_PQ_TYPE_INT64, DC_PQ_REP_OPTIONAL, 0, DC_PQ_CT_INT_64},
        {"maybe", DC_PQ_TYPE_INT32, DC_PQ_REP_OPTIONAL, 0, DC_PQ_CT_INT_32},
        {"ratio", DC_PQ_TYPE_DOUBLE, DC_PQ_REP_OPTIONAL, 0, -1},
        {"name", DC_PQ_TYPE_BYTE_ARRAY, DC_PQ_REP_OPTIONAL, 0, DC_PQ_CT_UTF8},
        {"even", DC_PQ_TYPE_BOOLEAN, DC_PQ_REP_OPTIONAL, 0, -1},
        {"day", DC_PQ_TYPE_INT32, DC_PQ_REP_OPTIONAL, 0, DC_PQ_CT_DATE},
        {"ts", DC_PQ_TYPE_INT64, DC_PQ_REP_OPTIONAL, 0, DC_PQ_CT_TIMESTAMP_MICROS},
        {"price", DC_PQ_TYPE_INT64, DC_PQ_REP_OPTIONAL, 0, DC_PQ_CT_DECIMAL},
        {"pair", -1, DC_PQ_REP_OPTIONAL, 1, DC_PQ_CT_LIST},
        {"list", -1, DC_PQ_REP_REPEATED, 1, -1},
        {"element", DC_PQ_TYPE_INT64, DC_PQ_REP_OPTIONAL, 0, DC_PQ_CT_INT_64},
    };
    assert_int_equal(fm.n_schema, DC_ARRAY_LEN(want));
    for (size_t i = 0; i < DC_ARRAY_LEN(want); i++) {
        const dc_pq_schema_element *se = &fm.schema[i];
        assert_string_equal(se->name.ptr, want[i].name);
        assert_int_equal(se->has_type, want[i].type >= 0);
        if (want[i].type >= 0)
            assert_int_equal(se->type, want[i].type);
        if (want[i].rep >= 0) {
            assert_true(se->has_repetition_type);
            assert_int_equal(se->repetition_type, want[i].rep);
        }
        assert_int_equal(se->has_num_children, want[i].children > 0);
        if (want[i].children > 0)
            assert_int_equal(se->num_children, want[i].children);
        assert_int_equal(se->has_converted_type, want[i].ct >= 0);
        if (want[i].ct >= 0)
            assert_int_equal(se->converted_type, want[i].ct);
    }
    /* ts: TIMESTAMP(isAdjustedToUTC=false, MICROS); price: DECIMAL(10, 2) */
    assert_true(fm.schema[8].has_logical_type);
    assert_int_equal(fm.schema[8].logical_type.kind, DC_PQ_LT_TIMESTAMP);
    assert_int_equal(fm.schema[8].logical_type.timestamp.unit, DC_PQ_UNIT_MICROS);
    assert_false(fm.schema[8].logical_type.timestamp.is_adjusted_to_utc);
    assert_int_equal(fm.schema[9].logical_type.kind, DC_PQ_LT_DECIMAL);
    assert_int_equal(fm.schema[9].logical_type.decimal.precision, 10);
    assert_int_equal(fm.schema[9].logical_type.decimal.scale, 2);
    assert_int_equal(fm.schema[9].scale, 2);
    assert_int_equal(fm.schema[9].precision, 10);

    assert_int_equal(fm.n_row_groups, 2);
    assert_int_equal(fm.row_groups[0].num_rows, 2048);
    assert_int_equal(fm.row_groups[1].num_rows, 952);
    for (int g = 0; g < 2; g++) {
        const dc_pq_row_group *rg = &fm.row_groups[g];
        assert_int_equal(rg->n_columns, 10);
        for (int c = 0; c < 10; c++) {
            const dc_pq_column_chunk *cc = &rg->columns[c];
            assert_true(cc->has_meta_data);
            assert_int_equal(cc->meta_data.codec, DC_PQ_CODEC_SNAPPY);
            assert_int_equal(cc->meta_data.num_values, c == 9 ? 2 * rg->num_rows : rg->num_rows);
        }
    }
    const dc_pq_column_metadata *name = &fm.row_groups[0].columns[4].meta_data;
    assert_int_equal(name->type, DC_PQ_TYPE_BYTE_ARRAY);
    assert_int_equal(name->data_page_offset, 27888);
    assert_true(name->has_dictionary_page_offset);
    assert_int_equal(name->dictionary_page_offset, 27803);
    assert_int_equal(name->n_path_in_schema, 1);
    assert_string_equal(name->path_in_schema[0].ptr, "name");
    assert_true(name->has_statistics && name->statistics.has_min_value);
    assert_true(str_is(name->statistics.min_value, "name_0"));
    assert_true(str_is(name->statistics.max_value, "name_9"));
    const dc_pq_column_metadata *id0 = &fm.row_groups[0].columns[0].meta_data;
    assert_int_equal(id0->data_page_offset, 4);
    assert_false(id0->has_dictionary_page_offset);
    int32_t mn, mx;
    assert_int_equal(id0->statistics.min_value.len, 4);
    memcpy(&mn, id0->statistics.min_value.ptr, 4);
    memcpy(&mx, id0->statistics.max_value.ptr, 4);
    assert_int_equal(mn, 0);
    assert_int_equal(mx, 2047);
    assert_int_equal(fm.row_groups[0].columns[2].meta_data.statistics.null_count, 293);
    const dc_pq_column_metadata *pair = &fm.row_groups[1].columns[9].meta_data;
    assert_int_equal(pair->n_path_in_schema, 3);
    assert_string_equal(pair->path_in_schema[0].ptr, "pair");
    assert_string_equal(pair->path_in_schema[1].ptr, "list");
    assert_string_equal(pair->path_in_schema[2].ptr, "element");
    assert_int_equal(pair->data_page_offset, 90850);

    bool found = false;
    for (int64_t i = 0; i < fm.n_key_value_metadata; i++)
        if (str_is(fm.key_value_metadata[i].key, "origin"))
            found = str_is(fm.key_value_metadata[i].value, "deltacat-test");
    assert_true(found);
    assert_int_equal(fm.n_column_orders, 10);
    assert_int_equal(fm.column_orders[3].kind, DC_PQ_ORDER_TYPE_DEFINED);

    /* Our encoding of what we decoded is DuckDB's encoding, byte for byte. */
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_file_metadata_encode(&b, &fm, NULL));
    assert_int_equal(b.size, n);
    assert_memory_equal(b.data, footer, (size_t)n);
    dc_bytes_free(&b);
    dc_pq_file_metadata_clear(&fm);
    dc_free(footer);
}

static void test_duckdb_page_header_decodes(void **state)
{
    (void)state;
    int64_t n;
    uint8_t *ph = read_file("tests/formats/data/duckdb_page_header.bin", &n);
    dc_pq_page_header h;
    int64_t consumed = 0;
    dc_error err;
    if (dc_pq_page_header_decode(&h, ph, n, &consumed, &err) != DC_OK)
        fail_msg("%s", err.message);
    assert_true(consumed > 10 && consumed < 64);
    assert_int_equal(h.type, DC_PQ_PAGE_DATA);
    assert_true(h.has_data_page_header);
    assert_int_equal(h.data_page_header.num_values, 2048);
    assert_int_equal(h.data_page_header.encoding, DC_PQ_ENC_PLAIN);
    assert_true(h.uncompressed_page_size > 0 && h.compressed_page_size > 0);
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_pq_page_header_encode(&b, &h, NULL));
    assert_int_equal(b.size, consumed);
    assert_memory_equal(b.data, ph, (size_t)consumed);
    dc_bytes_free(&b);
    dc_free(ph);
}

static void test_enum_names(void **state)
{
    (void)state;
    assert_string_equal(dc_pq_type_name(DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY), "FIXED_LEN_BYTE_ARRAY");
    assert_string_equal(dc_pq_type_name(99), "unknown");
    assert_string_equal(dc_pq_converted_type_name(DC_PQ_CT_INTERVAL), "INTERVAL");
    assert_string_equal(dc_pq_encoding_name(DC_PQ_ENC_BYTE_STREAM_SPLIT), "BYTE_STREAM_SPLIT");
    assert_string_equal(dc_pq_encoding_name(1), "unknown");
    assert_string_equal(dc_pq_encoding_name(-1), "unknown");
    assert_string_equal(dc_pq_page_type_name(DC_PQ_PAGE_DATA_V2), "DATA_PAGE_V2");
    assert_string_equal(dc_thrift_type_name(DC_TC_MAP), "map");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zigzag_varints_match_the_spec_bytes),
        cmocka_unit_test(test_integer_extremes_round_trip),
        cmocka_unit_test(test_overlong_and_overflowing_varints_are_corrupt),
        cmocka_unit_test(test_field_headers_use_deltas_and_long_form),
        cmocka_unit_test(test_bool_fields_live_in_the_type_nibble),
        cmocka_unit_test(test_unknown_fields_of_every_type_are_skipped),
        cmocka_unit_test(test_known_field_with_wrong_type_is_skipped),
        cmocka_unit_test(test_lists_empty_short_and_long_headers),
        cmocka_unit_test(test_every_struct_round_trips_with_all_optional_fields_set),
        cmocka_unit_test(test_every_struct_round_trips_with_no_optional_field_set),
        cmocka_unit_test(test_every_struct_round_trips_with_random_fields),
        cmocka_unit_test(test_every_logical_type_member_round_trips),
        cmocka_unit_test(test_file_metadata_round_trip_keeps_every_value),
        cmocka_unit_test(test_page_headers_round_trip_and_borrow_statistics),
        cmocka_unit_test(test_page_indexes_round_trip),
        cmocka_unit_test(test_every_truncation_is_corrupt),
        cmocka_unit_test(test_huge_declared_sizes_are_corrupt_before_allocating),
        cmocka_unit_test(test_excessive_nesting_is_corrupt),
        cmocka_unit_test(test_invalid_types_and_missing_fields_are_corrupt),
        cmocka_unit_test(test_encoding_rejects_invalid_structs),
        cmocka_unit_test(test_allocation_failures_leave_nothing_behind),
        cmocka_unit_test(test_duckdb_footer_decodes_to_its_schema_and_row_groups),
        cmocka_unit_test(test_duckdb_page_header_decodes),
        cmocka_unit_test(test_enum_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
