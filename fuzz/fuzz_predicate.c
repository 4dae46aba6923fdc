/*
 * fuzz_predicate.c: arbitrary bytes as a filter predicate (JSON), through
 * parse, canonical printing, bind, eval and statistics pruning on a small
 * fixed batch holding every kind of column (nulls, NaN, extremes, a struct,
 * a dictionary, a list, the null type). Whatever the bytes:
 *  - a failure carries its code and a message;
 *  - the canonical form parses back to the same canonical form;
 *  - the mask is a valid non-null bool array of the batch's length, and the
 *    mask of a slice is the slice of the mask (offsets);
 *  - pruning with the batch's true statistics never rejects a batch that
 *    has a matching row.
 * It must never crash, leak or read out of bounds.
 */
#include "compute/predicate_int.h"

#include <math.h>
#include <stdlib.h>

enum { ROWS = 8, COLS = 13 };

static const char *const names[COLS] = {"a", "b",  "s", "d", "t", "dt", "u",
                                        "f", "st", "k", "h", "n", "l"};
static const char *const types[COLS] = {
    "int64",
    "double",
    "string",
    "decimal128(10, 2)",
    "timestamp[us]",
    "date32",
    "uint64",
    "bool",
    "struct<x: int32, y: string>",
    "dictionary<values=string, indices=int32>",
    "halffloat",
    "null",
    "list<item: int64>",
};
static const char *const texts[COLS][ROWS] = {
    {"1", "-5", NULL, "100", "0", "9223372036854775807", "-9223372036854775808", "7"},
    {"1.5", "nan", NULL, "-0.0", "inf", "-inf", "2", "1e300"},
    {"apple", "", NULL, "banana", "a\xc3\xa9", "zz", "apple", "key"},
    {"12.50", "-3.00", NULL, "0", "99999999.99", "-0.01", "1", "12.49"},
    {"2024-03-01T00:00:00", "1970-01-01T00:00:00.000001", NULL, "2024-02-29T23:59:59.999999",
     "1969-12-31T23:59:59", "2262-04-11T23:47:16", "1677-09-21T00:12:44", "2000-01-01"},
    {"2024-03-01", "1970-01-01", NULL, "2000-02-29", "1969-12-31", "9999-12-31", "0001-01-01",
     "2024-02-29"},
    {"0", "18446744073709551615", NULL, "5", "1", "2", "3", "9223372036854775808"},
    {"true", "false", NULL, "true", "false", "true", "false", "true"},
    {"{\"x\": 1, \"y\": \"a\"}", NULL, "{\"x\": null, \"y\": \"b\"}", "{\"x\": -7, \"y\": null}",
     "{\"x\": 2147483647, \"y\": \"\"}", NULL, "{\"x\": 0, \"y\": \"zz\"}",
     "{\"x\": 3, \"y\": \"a\"}"},
    {"b", "a", NULL, "b", "c", "a", "b", "zz"},
    {"0.5", "nan", NULL, "2", "-1", "65504", "0", "1"},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"[1, 2]", NULL, "[]", "[3]", "[null]", "[1]", "[2, 2]", "[0]"},
};

static dc_batch *fixture;
static dc_batch *fixture_slice; /* rows [1, 7) */

static dc_array *text_column(const char *type, const char *const *v)
{
    dc_type *t = NULL, *ut = dc_type_new(DC_TYPE_UTF8);
    dc_builder *b = NULL;
    dc_array *u = NULL, *out = NULL;
    if (!ut || dc_type_parse(&t, type, NULL) != DC_OK || dc_builder_new(&b, ut, NULL) != DC_OK)
        abort();
    for (int i = 0; i < ROWS; i++) {
        if ((v[i] ? dc_builder_append_bytes(b, v[i], (int64_t)strlen(v[i]))
                  : dc_builder_append_null(b)) != DC_OK)
            abort();
    }
    if (dc_builder_finish(b, &u, NULL) != DC_OK || dc_cast(&out, u, t, true, NULL) != DC_OK)
        abort();
    dc_builder_free(b);
    dc_array_unref(u);
    dc_type_unref(t);
    dc_type_unref(ut);
    return out;
}

static void setup(void)
{
    dc_field f[COLS];
    dc_array *cols[COLS];
    for (int c = 0; c < COLS; c++) {
        cols[c] = text_column(types[c], texts[c]);
        if (dc_field_init(&f[c], names[c], cols[c]->type, true, NULL) != DC_OK)
            abort();
    }
    dc_schema *s = dc_schema_new(f, COLS, NULL);
    if (!s || dc_batch_new(&fixture, s, cols, ROWS, NULL) != DC_OK ||
        dc_batch_slice(&fixture_slice, fixture, 1, ROWS - 2, NULL) != DC_OK)
        abort();
    for (int c = 0; c < COLS; c++) {
        dc_field_clear(&f[c]);
        dc_array_unref(cols[c]);
    }
    dc_schema_unref(s);
}

/* The batch's true statistics (NaN left out of min/max, as Parquet writers do). */
typedef struct stats_ctx {
    dc_array *owned[64];
    int n;
} stats_ctx;

static bool stats_of(void *user, const char *column, dc_col_stats *out)
{
    stats_ctx *c = user;
    int32_t i = dc_schema_find(fixture->schema, column);
    if (i < 0 || c->n + 2 > (int)(sizeof c->owned / sizeof c->owned[0]))
        return false; /* struct children and unknown names: no statistics */
    const dc_array *a = fixture->columns[i];
    if (a->type->id == DC_TYPE_DICTIONARY || dc_type_is_nested(a->type->id))
        return false;
    int64_t lo = -1, hi = -1, nulls = 0;
    bool fl = dc_type_is_floating(a->type->id);
    for (int64_t r = 0; r < a->length; r++) {
        if (dc_array_is_null(a, r)) {
            nulls++;
            continue;
        }
        if (fl && isnan(dc_array_get_double(a, r)))
            continue;
        if (lo < 0 || dc_compare_values(a, r, a, lo, true) < 0)
            lo = r;
        if (hi < 0 || dc_compare_values(a, r, a, hi, true) > 0)
            hi = r;
    }
    out->min = out->max = NULL;
    if (lo >= 0) {
        dc_array *mn = NULL, *mx = NULL;
        if (dc_array_slice(&mn, a, lo, 1, NULL) != DC_OK ||
            dc_array_slice(&mx, a, hi, 1, NULL) != DC_OK)
            abort();
        c->owned[c->n++] = mn;
        c->owned[c->n++] = mx;
        out->min = mn;
        out->max = mx;
    }
    out->min_exact = out->max_exact = true;
    out->null_count = nulls;
    out->row_count = a->length;
    return true;
}

static void check_error(dc_status rc, const dc_error *err)
{
    if (rc == DC_OK || err->code != rc || err->message[0] == '\0')
        abort();
}

static char *canonical(const dc_pred *p)
{
    json_t *j = dc_pred_to_json(p);
    dc_strbuf s;
    dc_strbuf_init(&s);
    if (!j || dc_json_dump(&s, j) != DC_OK)
        abort();
    json_decref(j);
    return dc_strbuf_detach(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dc_pred *p = NULL, *q = NULL;
    dc_array *m = NULL, *ms = NULL;
    dc_error err;
    char *c1 = NULL, *c2 = NULL;
    if (!fixture)
        setup();
    dc_status rc = dc_pred_parse(&p, (const char *)data, (int64_t)size, &err);
    if (rc != DC_OK) {
        check_error(rc, &err);
        return 0;
    }
    /* The canonical form is a fixed point. */
    c1 = canonical(p);
    if (dc_pred_parse(&q, c1, -1, &err) != DC_OK)
        abort();
    c2 = canonical(q);
    if (strcmp(c1, c2) != 0)
        abort();
    for (int32_t i = 0; i < dc_pred_n_columns(p); i++) {
        if (!dc_pred_column(p, i) || strcmp(dc_pred_column(p, i), dc_pred_column(q, i)) != 0)
            abort();
    }

    rc = dc_pred_bind(p, fixture->schema, &err);
    if (rc != DC_OK) {
        check_error(rc, &err);
        if (dc_pred_is_bound(p))
            abort();
        goto done;
    }
    rc = dc_pred_eval(p, fixture, &m, &err);
    if (rc != DC_OK)
        abort(); /* bound to this very schema: evaluation cannot fail but for memory */
    if (m->length != ROWS || m->null_count != 0 || m->type->id != DC_TYPE_BOOL ||
        dc_array_validate(m, NULL) != DC_OK)
        abort();
    if (dc_pred_eval(p, fixture_slice, &ms, &err) != DC_OK || ms->length != ROWS - 2)
        abort();
    bool any = false;
    for (int64_t i = 0; i < ROWS; i++) {
        bool v = dc_array_get_int(m, i) != 0;
        any = any || v;
        if (i >= 1 && i < ROWS - 1 && v != (dc_array_get_int(ms, i - 1) != 0))
            abort(); /* the slice disagrees with the whole */
    }
    stats_ctx sc = {{NULL}, 0};
    bool may = dc_pred_may_match(p, stats_of, &sc);
    for (int i = 0; i < sc.n; i++)
        dc_array_unref(sc.owned[i]);
    if (any && !may)
        abort(); /* pruned a batch that has a matching row */
done:
    dc_array_unref(m);
    dc_array_unref(ms);
    dc_free(c1);
    dc_free(c2);
    dc_pred_free(p);
    dc_pred_free(q);
    return 0;
}
