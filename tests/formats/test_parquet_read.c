/*
 * test_parquet_read.c: the Parquet reader (reader*.c): values of a nested
 * fixture written by pyarrow, bounded batches of whole rows, projection,
 * row-group selection and the filter hook, statistics, the schema mapping;
 * hostile input (every prefix of a file, every byte flipped, hand-made files
 * with bad dictionary indices, page sizes, counts and offsets) each a clean
 * DC_ECORRUPT naming the file; a projected read touching well under half the
 * file; field ids; threads (columns in parallel, row groups decoded ahead in
 * order, a corrupt row group failing at the same row whatever the threads). The oracle matrix
 * (files written by pyarrow and DuckDB, compared value by value) is parquet_oracles.sh (ctest
 * formats_parquet_oracles).
 */
#include "testutil.h"

#include "formats/parquet/encoding_int.h"
#include "formats/parquet/parquet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NESTED   "tests/formats/data/parquet/small_nested.parquet"
#define PLAIN_V2 "tests/formats/data/parquet/small_plain_v2.parquet"

static uint8_t *read_fixture(const char *rel, int64_t *n)
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

/* Read all of `bytes` as a Parquet file; returns the status, *rows the rows read. */
static dc_status read_all(const uint8_t *bytes, int64_t n, int64_t batch_rows, int64_t *rows,
                          dc_error *err)
{
    dc_input *in = NULL;
    dc_reader *r = NULL;
    dc_batch *b = NULL;
    dc_status rc = dc_input_open_memory(&in, bytes, n, false, "mem.parquet", err);
    int64_t total = 0;
    if (rc != DC_OK)
        return rc;
    dc_pq_read_options o = {.batch_rows = batch_rows};
    rc = dc_pq_reader_open_input(&r, in, &o, err);
    while (rc == DC_OK) {
        rc = dc_reader_next(r, &b, err);
        if (rc != DC_OK || !b)
            break;
        for (int32_t i = 0; i < b->schema->n_fields; i++)
            if (dc_array_validate(b->columns[i], err) != DC_OK)
                fail_msg("invalid array from the reader (column %d): %s", i, err->message);
        total += b->length;
        dc_batch_unref(b);
        b = NULL;
    }
    dc_reader_free(r);
    if (rows)
        *rows = total;
    return rc;
}

static dc_reader *open_fixture(const char *rel, const dc_pq_read_options *o)
{
    char path[1024];
    dc_input *in = NULL;
    dc_reader *r = NULL;
    dc_error e;
    snprintf(path, sizeof path, "%s/%s", DC_SOURCE_DIR, rel);
    if (dc_input_open_file(&in, path, &e) != DC_OK ||
        dc_pq_reader_open_input(&r, in, o, &e) != DC_OK)
        fail_msg("open %s: %s", rel, e.message);
    return r;
}

/* ---- values and schema ---- */

static void test_nested_fixture_reads_pyarrow_values(void **state)
{
    (void)state;
    dc_reader *r = open_fixture(NESTED, NULL);
    const dc_schema *s = dc_reader_schema(r);
    char *text = dc_schema_to_string(s);
    assert_non_null(strstr(text, "l: list<element: int32>"));
    assert_non_null(strstr(text, "st: struct<a: int64, b: string>"));
    assert_non_null(strstr(text, "m: map<string, int64>"));
    dc_free(text);
    dc_batch *b;
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_int_equal(b->length, 25); /* the first row group */
    assert_string_equal(tu_str(b->columns[0], 3), "3");
    assert_string_equal(tu_str(b->columns[1], 0), "null");
    assert_string_equal(tu_str(b->columns[1], 8), "s1");
    assert_string_equal(tu_str(b->columns[2], 0), "null");
    assert_string_equal(tu_str(b->columns[2], 2), "[2,null]");
    assert_string_equal(tu_str(b->columns[2], 3), "[]");
    assert_string_equal(tu_str(b->columns[3], 1), "null");
    assert_string_equal(tu_str(b->columns[4], 0), "null");
    assert_string_equal(tu_str(b->columns[5], 2), "0.5");
    dc_batch_unref(b);
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_int_equal(b->length, 15);
    assert_string_equal(tu_str(b->columns[0], 0), "25");
    dc_batch_unref(b);
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_null(b);
    dc_reader_free(r);
}

static void test_batches_hold_whole_rows_of_one_row_group(void **state)
{
    (void)state;
    dc_pq_read_options o = {.batch_rows = 7};
    dc_reader *r = open_fixture(NESTED, &o);
    const int64_t want[] = {7, 7, 7, 4, 7, 7, 1};
    dc_batch *b;
    int64_t next_id = 0;
    for (size_t i = 0; i < DC_ARRAY_LEN(want); i++) {
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        assert_non_null(b);
        assert_int_equal(b->length, want[i]);
        assert_int_equal(dc_array_get_int(b->columns[0], 0), next_id);
        next_id += b->length;
        dc_batch_unref(b);
    }
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_null(b);
    dc_reader_free(r);
}

static void test_projection_by_name_reorders_and_rejects_unknown_names(void **state)
{
    (void)state;
    const char *cols[] = {"m", "id"};
    dc_pq_read_options o = {.columns = cols, .n_columns = 2};
    dc_reader *r = open_fixture(NESTED, &o);
    const dc_schema *s = dc_reader_schema(r);
    assert_int_equal(s->n_fields, 2);
    assert_string_equal(s->fields[0].name, "m");
    dc_batch *b;
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_string_equal(tu_str(b->columns[1], 4), "4");
    assert_string_equal(tu_str(b->columns[0], 1), "{\"k\":1}");
    dc_batch_unref(b);
    dc_reader_free(r);

    const char *bad[] = {"nope"};
    dc_pq_read_options o2 = {.columns = bad, .n_columns = 1};
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DC_SOURCE_DIR, NESTED);
    dc_input *in;
    dc_error e;
    DC_ASSERT_OK(dc_input_open_file(&in, path, NULL));
    assert_int_equal(dc_pq_reader_open_input(&r, in, &o2, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "nope"));
}

static char *render_all(dc_reader *r)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_batch *b;
    for (;;) {
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        if (!b)
            break;
        for (int32_t i = 0; i < b->schema->n_fields; i++) {
            char *t = tu_render(b->columns[i]);
            dc_strbuf_printf(&s, "%s\n", t);
            dc_free(t);
        }
        dc_batch_unref(b);
    }
    dc_reader_free(r);
    return dc_strbuf_detach(&s);
}

static void test_threads_give_the_same_batches(void **state)
{
    (void)state;
    dc_pq_read_options one = {.batch_rows = 6, .threads = 1};
    dc_pq_read_options four = {.batch_rows = 6, .threads = 4};
    char *a = render_all(open_fixture(NESTED, &one));
    char *b = render_all(open_fixture(NESTED, &four));
    assert_true(strlen(a) > 500);
    assert_string_equal(a, b);
    dc_free(a);
    dc_free(b);
    const char *twice[] = {"id", "s", "id"};
    dc_pq_read_options o = {.columns = twice, .n_columns = 3};
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DC_SOURCE_DIR, NESTED);
    dc_input *in;
    dc_reader *r;
    DC_ASSERT_OK(dc_input_open_file(&in, path, NULL));
    assert_int_equal(dc_pq_reader_open_input(&r, in, &o, NULL), DC_EINVALID);
}

static bool skip_first(const dc_pq_file *f, int32_t rg, void *user)
{
    (void)f;
    (*(int *)user)++;
    return rg != 0;
}

static void test_row_group_selection_and_filter_hook(void **state)
{
    (void)state;
    int32_t groups[] = {1, 0};
    dc_pq_read_options o = {.row_groups = groups, .n_row_groups = 2};
    dc_reader *r = open_fixture(NESTED, &o);
    dc_batch *b;
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_int_equal(b->length, 15);
    assert_int_equal(dc_array_get_int(b->columns[0], 0), 25);
    dc_batch_unref(b);
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_int_equal(dc_array_get_int(b->columns[0], 0), 0);
    dc_batch_unref(b);
    dc_reader_free(r);

    int calls = 0;
    dc_pq_read_options o2 = {.filter = skip_first, .filter_user = &calls};
    r = open_fixture(NESTED, &o2);
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_int_equal(dc_array_get_int(b->columns[0], 0), 25);
    dc_batch_unref(b);
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    assert_null(b);
    assert_int_equal(calls, 2);
    dc_reader_free(r);

    int32_t bad[] = {2};
    dc_pq_read_options o3 = {.row_groups = bad, .n_row_groups = 1};
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DC_SOURCE_DIR, NESTED);
    dc_input *in;
    DC_ASSERT_OK(dc_input_open_file(&in, path, NULL));
    assert_int_equal(dc_pq_reader_open_input(&r, in, &o3, NULL), DC_EINVALID);
}

static void test_statistics_decode_to_typed_values(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DC_SOURCE_DIR, NESTED);
    dc_input *in;
    dc_pq_file *f;
    DC_ASSERT_OK(dc_input_open_file(&in, path, NULL));
    DC_ASSERT_OK(dc_pq_file_open(&f, in, NULL));
    assert_int_equal(dc_pq_file_n_leaves(f), 8); /* id s l.element st.a st.b m.key m.value d */
    dc_pq_stats st;
    DC_ASSERT_OK(dc_pq_file_column_stats(f, 1, 0, &st, NULL));
    assert_true(st.has_min && st.has_max && st.min_exact);
    assert_string_equal(tu_str(st.min, 0), "25");
    assert_string_equal(tu_str(st.max, 0), "39");
    assert_int_equal(st.null_count, 0);
    dc_pq_stats_clear(&st);
    DC_ASSERT_OK(dc_pq_file_column_stats(f, 0, 1, &st, NULL));
    assert_string_equal(tu_str(st.min, 0), "s0");
    assert_string_equal(tu_str(st.max, 0), "s6");
    assert_int_equal(st.null_count, 5);
    dc_pq_stats_clear(&st);
    assert_string_equal(dc_pq_file_leaf(f, 2)->path, "l.list.element");
    assert_int_equal(dc_pq_file_leaf(f, 2)->max_def, 3);
    assert_int_equal(dc_pq_file_leaf(f, 2)->max_rep, 1);
    dc_pq_file_free(f);
}

/* ---- hostile input ---- */

static void test_every_prefix_is_a_clean_corrupt_error(void **state)
{
    (void)state;
    const char *fixtures[] = {NESTED, PLAIN_V2};
    for (size_t k = 0; k < DC_ARRAY_LEN(fixtures); k++) {
        int64_t n;
        uint8_t *bytes = read_fixture(fixtures[k], &n);
        int64_t rows;
        DC_ASSERT_OK(read_all(bytes, n, 5, &rows, NULL));
        assert_int_equal(rows, 40);
        for (int64_t len = 0; len < n; len++) {
            dc_error e;
            uint8_t *copy = dc_malloc((size_t)DC_MAX(len, 1)); /* exact size: ASan sees overreads */
            memcpy(copy, bytes, (size_t)len);
            dc_status rc = read_all(copy, len, 5, NULL, &e);
            if (rc != DC_ECORRUPT)
                fail_msg("prefix of %lld bytes: %s", (long long)len, dc_status_name(rc));
            assert_non_null(strstr(e.message, "mem.parquet"));
            dc_free(copy);
        }
        dc_free(bytes);
    }
}

static void test_every_flipped_byte_reads_or_fails_cleanly(void **state)
{
    (void)state;
    const char *fixtures[] = {NESTED, PLAIN_V2};
    for (size_t k = 0; k < DC_ARRAY_LEN(fixtures); k++) {
        int64_t n;
        uint8_t *bytes = read_fixture(fixtures[k], &n);
        int failures = 0;
        for (int64_t i = 0; i < n; i++) {
            for (int v = 0; v < 2; v++) {
                uint8_t *copy = dc_malloc((size_t)n);
                memcpy(copy, bytes, (size_t)n);
                copy[i] = v ? (uint8_t)(copy[i] ^ 0xFF) : (uint8_t)(copy[i] + 1);
                dc_error e;
                dc_status rc = read_all(copy, n, 3, NULL, &e);
                if (rc != DC_OK) {
                    failures++;
                    assert_true(rc == DC_ECORRUPT || rc == DC_EUNSUPPORTED);
                    assert_true(e.message[0] != 0);
                }
                dc_free(copy);
            }
        }
        assert_true(failures > n / 4); /* most bytes matter (CRCs, offsets, levels) */
        dc_free(bytes);
    }
}

static void test_bad_magic_and_footer_length_are_named(void **state)
{
    (void)state;
    int64_t n;
    uint8_t *bytes = read_fixture(PLAIN_V2, &n);
    dc_error e;
    bytes[0] = 'X';
    assert_int_equal(read_all(bytes, n, 10, NULL, &e), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "magic"));
    bytes[0] = 'P';
    uint8_t save[4];
    memcpy(save, bytes + n - 8, 4);
    memcpy(bytes + n - 8, "\xf0\xff\xff\x7f", 4);
    assert_int_equal(read_all(bytes, n, 10, NULL, &e), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "footer length"));
    memcpy(bytes + n - 8, save, 4);
    memcpy(bytes + n - 4, "PARE", 4);
    assert_int_equal(read_all(bytes, n, 10, NULL, &e), DC_EUNSUPPORTED);
    assert_non_null(strstr(e.message, "encrypted"));
    dc_free(bytes);
    dc_input *in;
    DC_ASSERT_OK(dc_input_open_memory(&in, "PAR1", 4, false, "tiny.parquet", NULL));
    dc_reader *r;
    assert_int_equal(dc_pq_reader_open_input(&r, in, NULL, &e), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "tiny.parquet"));
}

/*
 * A hand-made file of one required INT32 column "x": a dictionary page of
 * `dict_n` values (when dict_n > 0), then one v1 data page of `n` values whose
 * body is `body`; `declared_rows` in the footer; page header fields can be
 * overridden by `tweak`.
 */
typedef struct handmade {
    int32_t dict_n;
    const uint8_t *body;
    int64_t body_len;
    int32_t n;
    int32_t encoding;
    int64_t declared_rows;
    int32_t page_size_delta; /* added to the declared compressed size */
    int64_t chunk_size_delta;
} handmade;

static uint8_t *make_file(const handmade *h, int64_t *len)
{
    dc_bytes f;
    dc_bytes_init(&f);
    assert_int_equal(dc_bytes_append(&f, "PAR1", 4), DC_OK);
    int64_t dict_off = -1;
    if (h->dict_n > 0) {
        dict_off = f.size;
        dc_bytes body;
        dc_bytes_init(&body);
        for (int32_t i = 0; i < h->dict_n; i++) {
            int32_t v = 100 + i;
            dc_bytes_append(&body, &v, 4);
        }
        dc_pq_page_header ph = {
            .type = DC_PQ_PAGE_DICTIONARY,
            .uncompressed_page_size = (int32_t)body.size,
            .compressed_page_size = (int32_t)body.size,
            .has_dictionary_page_header = true,
            .dictionary_page_header = {.num_values = h->dict_n, .encoding = DC_PQ_ENC_PLAIN}};
        DC_ASSERT_OK(dc_pq_page_header_encode(&f, &ph, NULL));
        dc_bytes_append(&f, body.data, body.size);
        dc_bytes_free(&body);
    }
    int64_t data_off = f.size;
    dc_pq_page_header ph = {.type = DC_PQ_PAGE_DATA,
                            .uncompressed_page_size = (int32_t)h->body_len,
                            .compressed_page_size = (int32_t)h->body_len + h->page_size_delta,
                            .has_data_page_header = true,
                            .data_page_header = {.num_values = h->n,
                                                 .encoding = h->encoding,
                                                 .definition_level_encoding = DC_PQ_ENC_RLE,
                                                 .repetition_level_encoding = DC_PQ_ENC_RLE}};
    DC_ASSERT_OK(dc_pq_page_header_encode(&f, &ph, NULL));
    dc_bytes_append(&f, h->body, h->body_len);
    int64_t chunk_len = f.size - (dict_off >= 0 ? dict_off : data_off) + h->chunk_size_delta;
    dc_pq_schema_element schema[2] = {
        {.name = {"schema", 6}, .num_children = 1, .has_num_children = true},
        {.name = {"x", 1},
         .type = DC_PQ_TYPE_INT32,
         .has_type = true,
         .repetition_type = DC_PQ_REP_REQUIRED,
         .has_repetition_type = true},
    };
    int32_t encs[] = {DC_PQ_ENC_PLAIN, DC_PQ_ENC_RLE_DICTIONARY};
    dc_pq_str path[] = {{"x", 1}};
    dc_pq_column_chunk cc = {.has_meta_data = true,
                             .meta_data = {.type = DC_PQ_TYPE_INT32,
                                           .encodings = encs,
                                           .n_encodings = 2,
                                           .path_in_schema = path,
                                           .n_path_in_schema = 1,
                                           .codec = DC_PQ_CODEC_UNCOMPRESSED,
                                           .num_values = h->n,
                                           .total_uncompressed_size = chunk_len,
                                           .total_compressed_size = chunk_len,
                                           .data_page_offset = data_off,
                                           .dictionary_page_offset = dict_off,
                                           .has_dictionary_page_offset = dict_off >= 0}};
    dc_pq_row_group rg = {
        .columns = &cc, .n_columns = 1, .num_rows = h->declared_rows, .total_byte_size = chunk_len};
    dc_pq_file_metadata m = {.version = 1,
                             .schema = schema,
                             .n_schema = 2,
                             .num_rows = h->declared_rows,
                             .row_groups = &rg,
                             .n_row_groups = 1};
    int64_t fstart = f.size;
    DC_ASSERT_OK(dc_pq_file_metadata_encode(&f, &m, NULL));
    uint32_t flen = (uint32_t)(f.size - fstart);
    dc_bytes_append(&f, &flen, 4);
    dc_bytes_append(&f, "PAR1", 4);
    *len = f.size;
    uint8_t *out = dc_malloc((size_t)f.size);
    memcpy(out, f.data, (size_t)f.size);
    dc_bytes_free(&f);
    return out;
}

static dc_status read_handmade(const handmade *h, dc_error *e, int64_t *first)
{
    int64_t len;
    uint8_t *bytes = make_file(h, &len);
    dc_input *in = NULL;
    dc_reader *r = NULL;
    dc_batch *b = NULL;
    dc_status rc = dc_input_open_memory(&in, bytes, len, false, "hand.parquet", e);
    if (rc == DC_OK)
        rc = dc_pq_reader_open_input(&r, in, NULL, e);
    if (rc == DC_OK)
        rc = dc_reader_next(r, &b, e);
    if (rc == DC_OK && b && first)
        *first = dc_array_get_int(b->columns[0], 0);
    dc_batch_unref(b);
    dc_reader_free(r);
    dc_free(bytes);
    return rc;
}

static void test_handmade_dictionary_file_reads(void **state)
{
    (void)state;
    /* bit width 1, a bit-packed run of 8 values: 1,0,1,1,0,0,0,0 */
    const uint8_t body[] = {1, 0x03, 0x0D};
    handmade h = {.dict_n = 2,
                  .body = body,
                  .body_len = 3,
                  .n = 4,
                  .encoding = DC_PQ_ENC_RLE_DICTIONARY,
                  .declared_rows = 4};
    int64_t first = 0;
    DC_ASSERT_OK(read_handmade(&h, NULL, &first));
    assert_int_equal(first, 101);
}

static void test_bad_dictionary_index_is_corrupt(void **state)
{
    (void)state;
    /* bit width 3: values 5 (>= 2 dictionary entries) */
    const uint8_t body[] = {3, 0x08, 0x05};
    handmade h = {.dict_n = 2,
                  .body = body,
                  .body_len = 3,
                  .n = 4,
                  .encoding = DC_PQ_ENC_RLE_DICTIONARY,
                  .declared_rows = 4};
    dc_error e;
    assert_int_equal(read_handmade(&h, &e, NULL), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "hand.parquet"));
    assert_non_null(strstr(e.message, "column x"));
    /* dictionary-encoded values without a dictionary page */
    h.dict_n = 0;
    assert_int_equal(read_handmade(&h, &e, NULL), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "without a dictionary"));
}

static void test_wrong_sizes_and_counts_are_corrupt(void **state)
{
    (void)state;
    const uint8_t body[] = {1, 0, 0, 0, 2, 0, 0, 0};
    handmade ok = {
        .body = body, .body_len = 8, .n = 2, .encoding = DC_PQ_ENC_PLAIN, .declared_rows = 2};
    int64_t first = 0;
    DC_ASSERT_OK(read_handmade(&ok, NULL, &first));
    assert_int_equal(first, 1);
    dc_error e;
    handmade h = ok;
    h.page_size_delta = 100; /* the page claims more bytes than the chunk has */
    assert_int_equal(read_handmade(&h, &e, NULL), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "remain"));
    h = ok;
    h.n = 3; /* three values declared, two present */
    h.declared_rows = 3;
    assert_int_equal(read_handmade(&h, &e, NULL), DC_ECORRUPT);
    h = ok;
    h.n = 0x7fffffff; /* absurd value count */
    assert_int_equal(read_handmade(&h, &e, NULL), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "values"));
    h = ok;
    h.declared_rows = 5; /* the row group claims more rows than the column has */
    assert_int_equal(read_handmade(&h, &e, NULL), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "rows before"));
    h = ok;
    h.chunk_size_delta = 1LL << 40; /* the chunk runs past the file */
    assert_int_equal(read_handmade(&h, &e, NULL), DC_ECORRUPT);
    assert_non_null(strstr(e.message, "outside the data"));
    h = ok;
    h.encoding = 77; /* an encoding that does not exist */
    assert_int_equal(read_handmade(&h, &e, NULL), DC_EUNSUPPORTED);
}

/* ---- I/O ---- */

static const char *python(void)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/build/venv/bin/python", DC_SOURCE_DIR);
    return access(path, X_OK) == 0 ? path : NULL;
}

static void test_projected_read_reads_well_under_half_the_file(void **state)
{
    (void)state;
    if (!python()) {
        skip();
        return;
    }
    char *dir = tu_tmpdir();
    char path[1024], cmd[4096];
    snprintf(path, sizeof path, "%s/eight.parquet", dir);
    snprintf(cmd, sizeof cmd,
             "%s -c \"import pyarrow as pa, pyarrow.parquet as pq; n=200000; "
             "pq.write_table(pa.table({f'c{k}': pa.array([(i * (k + 7)) %% 1000003 for i in "
             "range(n)], pa.int64()) for k in range(8)}), '%s', use_dictionary=False)\"",
             python(), path);
    assert_int_equal(system(cmd), 0);
    dc_input *in;
    dc_reader *r;
    DC_ASSERT_OK(dc_input_open_file(&in, path, NULL));
    int64_t size = in->size;
    dc_pq_file *f;
    DC_ASSERT_OK(dc_pq_file_open(&f, in, NULL));
    const char *cols[] = {"c2", "c5"};
    dc_pq_read_options o = {.columns = cols, .n_columns = 2};
    DC_ASSERT_OK(dc_pq_reader_open(&r, f, &o, NULL));
    dc_batch *b;
    int64_t rows = 0;
    for (;;) {
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        if (!b)
            break;
        if (rows == 0)
            assert_int_equal(dc_array_get_int(b->columns[1], 1), 12);
        rows += b->length;
        dc_batch_unref(b);
    }
    assert_int_equal(rows, 200000);
    int64_t read = in->bytes_read;
    print_message("projected read of 2 of 8 columns: %lld of %lld bytes (%.1f%%) in %lld reads\n",
                  (long long)read, (long long)size, 100.0 * (double)read / (double)size,
                  (long long)in->reads);
    assert_true(read < size / 3);
    assert_true(read > size / 5);
    dc_reader_free(r);
    tu_rmdir(dir);
    dc_free(dir);
}

static void test_field_ids_become_field_metadata(void **state)
{
    (void)state;
    if (!python()) {
        skip();
        return;
    }
    char *dir = tu_tmpdir();
    char path[1024], cmd[4096];
    snprintf(path, sizeof path, "%s/ids.parquet", dir);
    snprintf(
        cmd, sizeof cmd,
        "%s -c \"import pyarrow as pa, pyarrow.parquet as pq; "
        "f = lambda n, t, i: pa.field(n, t, metadata={b'PARQUET:field_id': str(i).encode()}); "
        "s = pa.schema([f('a', pa.int32(), 7), f('b', pa.list_(f('item', pa.string(), 9)), 8)]); "
        "pq.write_table(pa.table([pa.array([1]), pa.array([['x']])], schema=s), '%s')\"",
        python(), path);
    assert_int_equal(system(cmd), 0);
    dc_input *in;
    dc_pq_file *f;
    DC_ASSERT_OK(dc_input_open_file(&in, path, NULL));
    DC_ASSERT_OK(dc_pq_file_open(&f, in, NULL));
    const dc_schema *s = dc_pq_file_schema(f);
    assert_string_equal(dc_metadata_get(&s->fields[0].metadata, "PARQUET:field_id"), "7");
    assert_string_equal(dc_metadata_get(&s->fields[1].metadata, "PARQUET:field_id"), "8");
    const dc_field *item = &s->fields[1].type->children[0];
    assert_string_equal(dc_metadata_get(&item->metadata, "PARQUET:field_id"), "9");
    dc_pq_file_free(f);
    tu_rmdir(dir);
    dc_free(dir);
}

/* ---- row groups decoded ahead (reader.c, the pipeline) ---- */

/* 1000 rows (id, a text of varying length, a list) in row groups of 37 rows. */
static uint8_t *many_row_groups(int64_t *len)
{
    enum { N = 1000 };
    int64_t *ids = dc_malloc(N * sizeof *ids);
    char **txt = dc_malloc(N * sizeof *txt);
    for (int64_t i = 0; i < N; i++) {
        ids[i] = i;
        txt[i] = dc_malloc(64);
        snprintf(txt[i], 64, "row %lld %.*s", (long long)i, (int)(i % 40),
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    }
    dc_array *cols[2] = {tu_int64(ids, N, NULL), tu_utf8((const char *const *)txt, N)};
    dc_field fl[2];
    DC_ASSERT_OK(dc_field_init(&fl[0], "id", cols[0]->type, true, NULL));
    DC_ASSERT_OK(dc_field_init(&fl[1], "s", cols[1]->type, true, NULL));
    dc_schema *sc = dc_schema_new(fl, 2, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, sc, cols, N, NULL));
    dc_parquet_write_options o;
    dc_parquet_write_options_init(&o);
    o.row_group_rows = 37;
    uint8_t *copy = tu_parquet_bytes(b, &o, len);
    dc_batch_unref(b);
    dc_schema_unref(sc);
    for (int i = 0; i < 2; i++) {
        dc_field_clear(&fl[i]);
        dc_array_unref(cols[i]);
    }
    for (int64_t i = 0; i < N; i++)
        dc_free(txt[i]);
    dc_free(txt);
    dc_free(ids);
    return copy;
}

static dc_reader *open_bytes(const uint8_t *bytes, int64_t n, const dc_pq_read_options *o)
{
    dc_input *in;
    dc_reader *r;
    DC_ASSERT_OK(dc_input_open_memory(&in, bytes, n, false, "many.parquet", NULL));
    DC_ASSERT_OK(dc_pq_reader_open_input(&r, in, o, NULL));
    return r;
}

/* Every batch rendered, then the final status and message; rows counted. */
static char *render_until_end(dc_reader *r, int64_t *rows)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_batch *b;
    dc_error e;
    *rows = 0;
    for (;;) {
        dc_status rc = dc_reader_next(r, &b, &e);
        if (rc != DC_OK) {
            dc_strbuf_printf(&s, "error %d: %s\n", (int)rc, e.message);
            /* asked again, the reader repeats its failure */
            assert_int_equal(dc_reader_next(r, &b, NULL), rc);
            break;
        }
        if (!b)
            break;
        *rows += b->length;
        for (int32_t i = 0; i < b->schema->n_fields; i++) {
            char *t = tu_render(b->columns[i]);
            dc_strbuf_printf(&s, "%s\n", t);
            dc_free(t);
        }
        dc_batch_unref(b);
    }
    dc_reader_free(r);
    return dc_strbuf_detach(&s);
}

static bool odd_groups(const dc_pq_file *f, int32_t rg, void *user)
{
    (void)f;
    (void)user;
    return rg % 2 == 1;
}

static void test_row_groups_decoded_ahead_keep_file_order(void **state)
{
    (void)state;
    int64_t n, rows;
    uint8_t *bytes = many_row_groups(&n);
    dc_pq_read_options one = {.batch_rows = 10, .threads = 1};
    char *want = render_until_end(open_bytes(bytes, n, &one), &rows);
    assert_int_equal(rows, 1000);
    for (int32_t t = 2; t <= 8; t *= 2) {
        dc_pq_read_options o = {.batch_rows = 10, .threads = t};
        char *got = render_until_end(open_bytes(bytes, n, &o), &rows);
        assert_string_equal(got, want);
        dc_free(got);
    }
    /* filter and projection through the pipeline */
    const char *cols[] = {"s"};
    dc_pq_read_options f1 = {.columns = cols, .n_columns = 1, .filter = odd_groups, .threads = 1};
    dc_pq_read_options f3 = {.columns = cols, .n_columns = 1, .filter = odd_groups, .threads = 3};
    char *a = render_until_end(open_bytes(bytes, n, &f1), &rows);
    assert_int_equal(rows, 13 * 37 + 1); /* 28 row groups, the last of 1 row: 14 odd ones */
    char *b = render_until_end(open_bytes(bytes, n, &f3), &rows);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "row 37 "));
    assert_null(strstr(a, "row 36 "));
    dc_free(a);
    dc_free(b);
    /* freed with workers blocked on full queues, and before the first batch */
    dc_pq_read_options four = {.batch_rows = 5, .threads = 4};
    dc_reader *r = open_bytes(bytes, n, &four);
    dc_batch *bt;
    DC_ASSERT_OK(dc_reader_next(r, &bt, NULL));
    assert_int_equal(dc_array_get_int(bt->columns[0], 0), 0);
    dc_batch_unref(bt);
    usleep(20000);
    dc_reader_free(r);
    dc_reader_free(open_bytes(bytes, n, &four));
    dc_free(want);
    dc_free(bytes);
}

static void test_a_corrupt_row_group_fails_in_order_whatever_the_threads(void **state)
{
    (void)state;
    int64_t n, rows_one, rows;
    uint8_t *bytes = many_row_groups(&n);
    dc_input *in;
    dc_pq_file *f;
    DC_ASSERT_OK(dc_input_open_memory(&in, bytes, n, false, "many.parquet", NULL));
    DC_ASSERT_OK(dc_pq_file_open(&f, in, NULL));
    int64_t start, len;
    dc_pq_file_chunk_range(f, 5, 1, &start, &len); /* row group 5, column s */
    dc_pq_file_free(f);
    memset(bytes + start, 0xFF, 8); /* its first page header */
    dc_pq_read_options one = {.batch_rows = 10, .threads = 1};
    char *want = render_until_end(open_bytes(bytes, n, &one), &rows_one);
    assert_int_equal(rows_one, 5 * 37);
    assert_non_null(strstr(want, "error"));
    assert_non_null(strstr(want, "many.parquet"));
    for (int32_t t = 2; t <= 4; t++) {
        dc_pq_read_options o = {.batch_rows = 10, .threads = t};
        char *got = render_until_end(open_bytes(bytes, n, &o), &rows);
        assert_int_equal(rows, rows_one);
        assert_string_equal(got, want);
        dc_free(got);
    }
    dc_free(want);
    dc_free(bytes);
}

/* ---- row selection by the page index ---- */

/* 1000 rows (id, text, list of ints) in one row group of pages of 37 rows. */
static uint8_t *paged_file(int64_t *len, bool statistics, bool dictionary)
{
    enum { N = 1000 };
    int64_t *ids = dc_malloc(N * sizeof *ids);
    char **txt = dc_malloc(N * sizeof *txt);
    const char **lists = dc_malloc(N * sizeof *lists);
    char(*lbuf)[64] = dc_malloc(N * 64);
    for (int64_t i = 0; i < N; i++) {
        ids[i] = i;
        txt[i] = dc_malloc(48);
        snprintf(txt[i], 48, "t%lld%s", (long long)i, i % 7 ? "" : "-seven");
        snprintf(lbuf[i], 64, "[%lld, %lld]", (long long)i, (long long)(i * 2));
        lists[i] = i % 11 ? lbuf[i] : NULL;
    }
    dc_type *lt;
    DC_ASSERT_OK(dc_type_parse(&lt, "list<int64>", NULL));
    dc_array *cols[3] = {tu_int64(ids, N, NULL), tu_utf8((const char *const *)txt, N),
                         tu_of_type(lt, lists, N)};
    dc_field fl[3];
    const char *names[3] = {"id", "s", "l"};
    for (int i = 0; i < 3; i++)
        DC_ASSERT_OK(dc_field_init(&fl[i], names[i], cols[i]->type, true, NULL));
    dc_schema *sc = dc_schema_new(fl, 3, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, sc, cols, N, NULL));
    dc_parquet_write_options o;
    dc_parquet_write_options_init(&o);
    o.page_rows = 37;
    o.statistics = statistics;
    o.dictionary = dictionary;
    uint8_t *copy = tu_parquet_bytes(b, &o, len);
    dc_batch_unref(b);
    dc_schema_unref(sc);
    for (int i = 0; i < 3; i++) {
        dc_field_clear(&fl[i]);
        dc_array_unref(cols[i]);
    }
    dc_type_unref(lt);
    for (int64_t i = 0; i < N; i++)
        dc_free(txt[i]);
    dc_free(txt);
    dc_free(lists);
    dc_free(lbuf);
    dc_free(ids);
    return copy;
}

typedef struct sel_case {
    const dc_pq_row_range *r;
    int64_t n;
    int calls;
} sel_case;

static bool select_ranges(const dc_pq_file *f, int32_t rg, dc_pq_row_range **out, int64_t *n,
                          void *user)
{
    (void)f;
    (void)rg;
    sel_case *c = user;
    c->calls++;
    *out = dc_malloc((size_t)(c->n + 1) * sizeof **out);
    memcpy(*out, c->r, (size_t)c->n * sizeof **out);
    *n = c->n;
    return true;
}

/* Every row of the selection, rendered as the full read renders it. */
static char *expected_rows(const uint8_t *bytes, int64_t len, const dc_pq_row_range *r, int64_t n)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    for (int64_t k = 0; k < n; k++) {
        dc_pq_read_options o = {.batch_rows = 1000};
        dc_reader *rd = open_bytes(bytes, len, &o);
        dc_batch *b;
        DC_ASSERT_OK(dc_reader_next(rd, &b, NULL));
        dc_batch *sl;
        DC_ASSERT_OK(dc_batch_slice(&sl, b, r[k].start, r[k].end - r[k].start, NULL));
        for (int32_t i = 0; i < sl->schema->n_fields; i++) {
            char *t = tu_render(sl->columns[i]);
            dc_strbuf_printf(&s, "%s\n", t);
            dc_free(t);
        }
        dc_batch_unref(sl);
        dc_batch_unref(b);
        dc_reader_free(rd);
    }
    return dc_strbuf_detach(&s);
}

static void test_selected_rows_read_only_their_pages(void **state)
{
    (void)state;
    const dc_pq_row_range ranges[] = {{0, 3},     {10, 20},   {36, 38},   {120, 130},
                                      {500, 505}, {506, 507}, {990, 1000}};
    for (int variant = 0; variant < 3; variant++) { /* index + dictionary, index, neither */
        int64_t n;
        bool with_index = variant < 2;
        uint8_t *bytes = paged_file(&n, with_index, variant == 0);
        for (int64_t cut = 1; cut <= (int64_t)DC_ARRAY_LEN(ranges); cut += 3) {
            char *want = expected_rows(bytes, n, ranges, cut);
            for (int32_t threads = 1; threads <= 2; threads++) {
                sel_case sc = {ranges, cut, 0};
                dc_pq_read_options o = {.batch_rows = 4,
                                        .threads = threads,
                                        .select = select_ranges,
                                        .select_user = &sc};
                dc_input *in;
                DC_ASSERT_OK(dc_input_open_memory(&in, bytes, n, false, "paged.parquet", NULL));
                dc_reader *r;
                DC_ASSERT_OK(dc_pq_reader_open_input(&r, in, &o, NULL));
                dc_strbuf s;
                dc_strbuf_init(&s);
                int64_t rows = 0;
                /* batches of 4 rows within a range: render each range as one piece */
                dc_batch *acc = NULL;
                for (;;) {
                    dc_batch *b;
                    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
                    if (!b)
                        break;
                    rows += b->length;
                    if (acc) {
                        dc_batch *both[2] = {acc, b}, *cat;
                        DC_ASSERT_OK(dc_batch_concat(&cat, both, 2, NULL));
                        dc_batch_unref(acc);
                        dc_batch_unref(b);
                        acc = cat;
                    } else {
                        acc = b;
                    }
                }
                int64_t want_rows = 0;
                for (int64_t k = 0; k < cut; k++)
                    want_rows += ranges[k].end - ranges[k].start;
                assert_int_equal(rows, want_rows);
                /* compare range by range */
                int64_t off = 0;
                for (int64_t k = 0; k < cut; k++) {
                    dc_batch *sl;
                    int64_t len = ranges[k].end - ranges[k].start;
                    DC_ASSERT_OK(dc_batch_slice(&sl, acc, off, len, NULL));
                    for (int32_t i = 0; i < sl->schema->n_fields; i++) {
                        char *t = tu_render(sl->columns[i]);
                        dc_strbuf_printf(&s, "%s\n", t);
                        dc_free(t);
                    }
                    dc_batch_unref(sl);
                    off += len;
                }
                char *got = dc_strbuf_detach(&s);
                assert_string_equal(got, want);
                assert_int_equal(sc.calls, 1);
                dc_free(got);
                dc_batch_unref(acc);
                dc_reader_free(r);
            }
            dc_free(want);
        }
        /* with the index, the pages far from the selection are not read */
        if (variant == 1) {
            dc_input *in;
            DC_ASSERT_OK(dc_input_open_memory(&in, bytes, n, false, "paged.parquet", NULL));
            dc_pq_file *f;
            DC_ASSERT_OK(dc_pq_file_open(&f, in, NULL));
            dc_pq_page_stats *ps;
            int64_t np;
            DC_ASSERT_OK(dc_pq_file_page_stats(f, 0, 0, &ps, &np, NULL));
            assert_int_equal(np, 28); /* ceil(1000 / 37) */
            assert_int_equal(ps[1].first_row, 37);
            assert_int_equal(ps[1].end_row, 74);
            assert_int_equal(dc_array_get_int(ps[1].st.min, 0), 37);
            assert_int_equal(dc_array_get_int(ps[1].st.max, 0), 73);
            dc_pq_page_stats_free(ps, np);
            int64_t before = in->bytes_read;
            sel_case sc = {ranges + 4, 1, 0};
            dc_pq_read_options o = {.threads = 1, .select = select_ranges, .select_user = &sc};
            dc_reader *r;
            DC_ASSERT_OK(dc_pq_reader_open(&r, f, &o, NULL));
            dc_batch *b;
            DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
            assert_int_equal(b->length, 5);
            assert_int_equal(dc_array_get_int(b->columns[0], 0), 500);
            dc_batch_unref(b);
            int64_t sel_bytes = in->bytes_read - before;
            int64_t chunks = 0;
            for (int32_t leaf = 0; leaf < dc_pq_file_n_leaves(f); leaf++) {
                int64_t st, ln;
                dc_pq_file_chunk_range(f, 0, leaf, &st, &ln);
                chunks += ln;
            }
            if (sel_bytes * 3 > chunks)
                fail_msg("a 5-row selection read %lld of the chunks' %lld bytes",
                         (long long)sel_bytes, (long long)chunks);
            dc_reader_free(r);
        }
        /* an empty selection skips the row group; a bad one is refused */
        sel_case none = {ranges, 0, 0};
        dc_pq_read_options o0 = {.select = select_ranges, .select_user = &none};
        int64_t rows = -1;
        char *t = render_until_end(open_bytes(bytes, n, &o0), &rows);
        assert_int_equal(rows, 0);
        dc_free(t);
        const dc_pq_row_range bad[] = {{5, 9}, {7, 12}};
        sel_case sb = {bad, 2, 0};
        dc_pq_read_options ob = {.select = select_ranges, .select_user = &sb};
        t = render_until_end(open_bytes(bytes, n, &ob), &rows);
        assert_non_null(strstr(t, "sorted, disjoint"));
        dc_free(t);
        dc_free(bytes);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_fixture_reads_pyarrow_values),
        cmocka_unit_test(test_batches_hold_whole_rows_of_one_row_group),
        cmocka_unit_test(test_projection_by_name_reorders_and_rejects_unknown_names),
        cmocka_unit_test(test_row_group_selection_and_filter_hook),
        cmocka_unit_test(test_threads_give_the_same_batches),
        cmocka_unit_test(test_statistics_decode_to_typed_values),
        cmocka_unit_test(test_every_prefix_is_a_clean_corrupt_error),
        cmocka_unit_test(test_every_flipped_byte_reads_or_fails_cleanly),
        cmocka_unit_test(test_bad_magic_and_footer_length_are_named),
        cmocka_unit_test(test_handmade_dictionary_file_reads),
        cmocka_unit_test(test_bad_dictionary_index_is_corrupt),
        cmocka_unit_test(test_wrong_sizes_and_counts_are_corrupt),
        cmocka_unit_test(test_projected_read_reads_well_under_half_the_file),
        cmocka_unit_test(test_field_ids_become_field_metadata),
        cmocka_unit_test(test_row_groups_decoded_ahead_keep_file_order),
        cmocka_unit_test(test_a_corrupt_row_group_fails_in_order_whatever_the_threads),
        cmocka_unit_test(test_selected_rows_read_only_their_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
