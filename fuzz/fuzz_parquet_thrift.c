/*
 * fuzz_parquet_thrift.c: libFuzzer target for the Thrift compact protocol and
 * the Parquet metadata structures (src/formats/parquet/thrift.c, meta.c).
 * Arbitrary bytes are decoded as a FileMetaData (footer), a PageHeader, an
 * OffsetIndex, a ColumnIndex and a BloomFilterHeader through their typed
 * decoders, and (after the first byte, which picks one) as any structure
 * through the generic decoder. Errors are expected; crashes, leaks, sanitizer
 * reports and errors that are not ECORRUPT are bugs. Whatever decodes must
 * survive a round trip: encoded, decoded again and compared equal, and the
 * second encoding must be byte-identical to the first.
 */
#include "formats/parquet/parquet_meta_int.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "fuzz_parquet_thrift: %s: %s\n", what, msg);
    abort();
}

/* A decode failure must be a clean ECORRUPT with an offset inside the input. */
static void check_failure(dc_status rc, const dc_error *err, int64_t n, const char *what)
{
    if (rc != DC_ECORRUPT || err->code != DC_ECORRUPT)
        die(what, "decode failed with something else than ECORRUPT");
    if (err->offset < 0 || err->offset > n)
        die(what, "error offset outside the input");
}

/*
 * Round trip of a decoded struct `obj` of descriptor `d`: encode, decode the
 * encoding (into a fresh arena), compare, and re-encode byte-identically.
 */
static void roundtrip(const dc_pq_desc *d, const void *obj)
{
    dc_bytes b1, b2;
    dc_error err;
    dc_arena arena;
    dc_bytes_init(&b1);
    dc_bytes_init(&b2);
    dc_arena_init(&arena, 4096);
    void *back = dc_calloc(1, (size_t)d->size);
    if (!back)
        abort();
    if (dc_pq__encode(d, obj, &b1, &err) != DC_OK)
        die(d->name, err.message);
    int64_t consumed = -1;
    if (dc_pq__decode(d, back, b1.data, b1.size, &arena, &consumed, d->name, &err) != DC_OK)
        die(d->name, err.message);
    if (consumed != b1.size)
        die(d->name, "re-decode did not consume the whole encoding");
    if (!dc_pq__equal(d, obj, back))
        die(d->name, "value changed in a round trip");
    if (dc_pq__encode(d, back, &b2, &err) != DC_OK)
        die(d->name, err.message);
    if (b1.size != b2.size || memcmp(b1.data, b2.data, (size_t)b1.size) != 0)
        die(d->name, "re-encoding differs");
    dc_free(back);
    dc_arena_free(&arena);
    dc_bytes_free(&b1);
    dc_bytes_free(&b2);
}

static const dc_pq_desc *const descs[] = {
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t n = (int64_t)size;
    dc_error err;
    dc_status rc;

    dc_pq_file_metadata fm;
    rc = dc_pq_file_metadata_decode(&fm, data, n, &err);
    if (rc == DC_OK) {
        roundtrip(&dc_pq_desc_file_metadata, &fm);
        dc_pq_file_metadata_clear(&fm);
    } else {
        check_failure(rc, &err, n, "footer");
        if (fm.arena.head || fm.schema)
            die("footer", "failed decode left memory behind");
    }

    dc_pq_page_header ph;
    int64_t consumed = -1;
    rc = dc_pq_page_header_decode(&ph, data, n, &consumed, &err);
    if (rc == DC_OK) {
        if (consumed < 1 || consumed > n)
            die("page header", "consumed outside the input");
        roundtrip(&dc_pq_desc_page_header, &ph);
    } else {
        check_failure(rc, &err, n, "page header");
    }

    dc_pq_offset_index oi;
    rc = dc_pq_offset_index_decode(&oi, data, n, &err);
    if (rc == DC_OK) {
        roundtrip(&dc_pq_desc_offset_index, &oi);
        dc_pq_offset_index_clear(&oi);
    } else {
        check_failure(rc, &err, n, "offset index");
    }

    dc_pq_column_index ci;
    rc = dc_pq_column_index_decode(&ci, data, n, &err);
    if (rc == DC_OK) {
        roundtrip(&dc_pq_desc_column_index, &ci);
        dc_pq_column_index_clear(&ci);
    } else {
        check_failure(rc, &err, n, "column index");
    }

    dc_pq_bloom_filter_header bf;
    rc = dc_pq_bloom_filter_header_decode(&bf, data, n, &consumed, &err);
    if (rc == DC_OK)
        roundtrip(&dc_pq_desc_bloom_filter_header, &bf);
    else
        check_failure(rc, &err, n, "bloom filter header");

    /* Any structure, chosen by the first byte, over the rest. */
    if (size >= 1) {
        const dc_pq_desc *d = descs[data[0] % DC_ARRAY_LEN(descs)];
        dc_arena arena;
        dc_arena_init(&arena, 4096);
        void *obj = dc_calloc(1, (size_t)d->size);
        if (!obj)
            abort();
        rc = dc_pq__decode(d, obj, data + 1, n - 1, &arena, &consumed, "fuzz input", &err);
        if (rc == DC_OK)
            roundtrip(d, obj);
        else
            check_failure(rc, &err, n - 1, d->name);
        dc_free(obj);
        dc_arena_free(&arena);
    }
    return 0;
}
