/*
 * fuzz_jsonl.c: arbitrary bytes through the JSON Lines reader over a memory
 * input, three ways: schema inference, a fixed schema covering the nested and
 * converted types, and inference again with tiny reads (lines spanning many
 * reads). Small batches and a small line limit keep every path busy. Whatever
 * the bytes, the reader must return batches that validate or a clean error
 * that names a line; it must never crash, leak or read out of bounds.
 */
#include "formats/jsonl/jsonl_int.h"

#include <stdlib.h>

static dc_schema *fixed_schema(void)
{
    static const char *const names[] = {"a", "s", "d", "t", "l", "st", "m", "b", "u8"};
    static const char *const types[] = {
        "int64",
        "string",
        "decimal128(10, 3)",
        "timestamp[ms, tz=UTC]",
        "list<item: double>",
        "struct<x: int32, y: list<item: date32>>",
        "map<string, bool>",
        "binary",
        "uint8",
    };
    dc_field f[9];
    int32_t n = 0;
    dc_schema *s = NULL;
    for (; n < 9; n++) {
        dc_type *t = NULL;
        if (dc_type_parse(&t, types[n], NULL) != DC_OK)
            goto done;
        dc_status rc = dc_field_init(&f[n], names[n], t, true, NULL);
        dc_type_unref(t);
        if (rc != DC_OK)
            goto done;
    }
    s = dc_schema_new(f, n, NULL);
done:
    for (int32_t i = 0; i < n; i++)
        dc_field_clear(&f[i]);
    return s;
}

static void run(const uint8_t *data, size_t size, const dc_read_options *o, int64_t chunk)
{
    dc_input *in = NULL;
    dc_reader *r = NULL;
    dc_error err;
    if (dc_input_open_memory(&in, data, (int64_t)size, false, "fuzz.jsonl", &err) != DC_OK)
        return;
    dc_jsonl_limits lim = {chunk, 4096};
    if (dc_jsonl__reader_open_ex(&r, in, o, &lim, &err) != DC_OK) {
        if (err.code == DC_OK || err.message[0] == '\0')
            abort(); /* every failure carries a message */
        return;
    }
    for (;;) {
        dc_batch *b = NULL;
        dc_status rc = dc_reader_next(r, &b, &err);
        if (rc != DC_OK) {
            if (err.message[0] == '\0')
                abort();
            break;
        }
        if (!b)
            break;
        for (int32_t i = 0; i < b->schema->n_fields; i++)
            if (dc_array_validate(b->columns[i], NULL) != DC_OK)
                abort(); /* the reader built an invalid array */
        dc_batch_unref(b);
    }
    dc_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dc_read_options o;
    dc_read_options_init(&o, DC_FORMAT_JSONL);
    o.batch_rows = 3;
    o.infer_rows = 4;
    run(data, size, &o, 1 << 16);

    dc_schema *s = fixed_schema();
    if (s) {
        o.schema = s;
        run(data, size, &o, 7);
        dc_schema_unref(s);
        o.schema = NULL;
    }

    o.infer_rows = 2;
    o.batch_rows = 1;
    run(data, size, &o, 3);
    return 0;
}
