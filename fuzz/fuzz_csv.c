/*
 * fuzz_csv.c: libFuzzer target for the CSV reader. Arbitrary bytes are read
 * through dc_csv_reader_open over a memory input, several ways: inferred
 * types and a fixed schema, header or not, comma or tab, with small batches
 * and small inference windows, and (via the test hook) tiny read chunks. Every
 * batch produced is validated; everything is freed. Errors are expected;
 * crashes, leaks, sanitizer reports and invalid arrays are bugs. An input
 * that reads without error must also survive a round trip: written back as
 * CSV and read again with the schema it was read with, it gives the same
 * values.
 */
#include "formats/formats_int.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/*
 * Read everything; validate each batch; append each value's TEXT rendering to
 * `dump` and (when `w` is given) write the batch to `w`. Returns whether the
 * whole input read without error; *schema_out (optional) gets the schema.
 */
static bool drain(const uint8_t *data, size_t size, const dc_read_options *o, int64_t chunk,
                  dc_strbuf *dump, dc_schema **schema_out)
{
    dc_input *in = NULL;
    dc_reader *r = NULL;
    dc_error err;
    bool ok = false;
    if (dc_input_open_memory(&in, data, (int64_t)size, false, "fuzz.csv", &err) != DC_OK)
        return false;
    if (dc_csv__reader_open_chunked(&r, in, o, chunk, &err) != DC_OK)
        return false; /* the input was closed by the failed open */
    for (;;) {
        dc_batch *b = NULL;
        if (dc_reader_next(r, &b, &err) != DC_OK)
            goto cleanup;
        if (!b)
            break;
        for (int32_t j = 0; j < b->schema->n_fields; j++) {
            if (dc_array_validate(b->columns[j], &err) != DC_OK)
                abort(); /* the reader built an invalid array */
            if (b->columns[j]->length != b->length)
                abort();
        }
        if (dump) {
            for (int64_t i = 0; i < b->length; i++) {
                for (int32_t j = 0; j < b->schema->n_fields; j++) {
                    dc_strbuf_putc(dump, dc_array_is_null(b->columns[j], i) ? 'N' : 'V');
                    dc_format_value(dump, b->columns[j], i, DC_STYLE_TEXT);
                    dc_strbuf_putc(dump, '\x1f');
                }
                dc_strbuf_putc(dump, '\n');
            }
        }
        dc_batch_unref(b);
    }
    ok = true;
    if (schema_out)
        *schema_out = dc_schema_ref(dc_reader_schema(r));
cleanup:
    dc_reader_free(r);
    return ok;
}

/* Write what `data` reads as (under `o`) to CSV text; false when it does not read. */
static bool rewrite(const uint8_t *data, size_t size, const dc_read_options *o, dc_output *out)
{
    dc_input *in = NULL;
    dc_reader *r = NULL;
    dc_batch_writer *w = NULL;
    bool ok = false;
    if (dc_input_open_memory(&in, data, (int64_t)size, false, "fuzz.csv", NULL) != DC_OK)
        return false;
    if (dc_csv_reader_open(&r, in, o, NULL) != DC_OK)
        return false;
    if (dc_csv_writer_open(&w, out, dc_reader_schema(r), &o->csv, NULL) != DC_OK)
        goto cleanup;
    for (;;) {
        dc_batch *b = NULL;
        if (dc_reader_next(r, &b, NULL) != DC_OK)
            goto cleanup;
        if (!b)
            break;
        dc_status rc = dc_batch_writer_write(w, b, NULL);
        dc_batch_unref(b);
        if (rc != DC_OK)
            goto cleanup;
    }
    ok = dc_batch_writer_finish(w, NULL) == DC_OK && dc_output_finish(out, NULL) == DC_OK;
cleanup:
    dc_batch_writer_free(w);
    dc_reader_free(r);
    return ok;
}

/* Read, write, read again with the first read's schema: the values must match. */
static void round_trip(const uint8_t *data, size_t size, const dc_read_options *o)
{
    dc_strbuf first, second;
    dc_strbuf_init(&first);
    dc_strbuf_init(&second);
    dc_schema *schema = NULL;
    dc_output *out = NULL;
    if (!drain(data, size, o, 0, &first, &schema) || schema->n_fields == 0)
        goto cleanup;
    if (dc_output_open_memory(&out, NULL) != DC_OK || !rewrite(data, size, o, out))
        goto cleanup;
    int64_t len = 0;
    const uint8_t *text = dc_output_memory_data(out, &len);
    dc_read_options o2 = *o;
    o2.schema = schema;
    if (!drain(text, (size_t)len, &o2, 0, &second, NULL))
        abort(); /* what we wrote does not read back */
    if (dc_strbuf_status(&first) == DC_OK && dc_strbuf_status(&second) == DC_OK &&
        (first.len != second.len || memcmp(dc_strbuf_cstr(&first), dc_strbuf_cstr(&second),
                                           (size_t)first.len) != 0))
        abort(); /* the round trip changed a value */
cleanup:
    dc_output_close(out);
    dc_schema_unref(schema);
    dc_strbuf_free(&first);
    dc_strbuf_free(&second);
}

static dc_schema *fixed_schema(void)
{
    static const char *const names[] = {"a", "b", "c"};
    static const char *const types[] = {"int32", "timestamp[ms, tz=UTC]", "decimal128(9, 2)"};
    dc_field f[3];
    int n = 0;
    dc_schema *s = NULL;
    for (; n < 3; n++) {
        dc_type *t = NULL;
        if (dc_type_parse(&t, types[n], NULL) != DC_OK)
            goto cleanup;
        dc_status rc = dc_field_init(&f[n], names[n], t, true, NULL);
        dc_type_unref(t);
        if (rc != DC_OK)
            goto cleanup;
    }
    s = dc_schema_new(f, 3, NULL);
cleanup:
    for (int i = 0; i < n; i++)
        dc_field_clear(&f[i]);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const nulls[] = {"NA", ""};
    dc_read_options o;
    uint8_t sel = size > 0 ? data[0] : 0;

    dc_read_options_init(&o, (sel & 1) ? DC_FORMAT_TSV : DC_FORMAT_CSV);
    o.batch_rows = 1 + (sel >> 4);
    o.infer_rows = 1 + ((sel >> 2) & 3);
    o.csv.header = !(sel & 2);
    if (sel & 0x40) {
        o.csv.null_values = nulls;
        o.csv.n_null_values = 2;
    }
    drain(data, size, &o, (sel & 0x80) ? 1 + (sel & 7) : 0, NULL, NULL);

    dc_read_options_init(&o, DC_FORMAT_CSV);
    o.batch_rows = 3;
    o.infer_rows = 1000;
    round_trip(data, size, &o);

    dc_schema *s = fixed_schema();
    if (s) {
        dc_read_options_init(&o, DC_FORMAT_CSV);
        o.schema = s;
        o.batch_rows = 2;
        o.csv.header = (sel & 2) != 0;
        drain(data, size, &o, 3, NULL, NULL);
        dc_schema_unref(s);
    }
    return 0;
}
