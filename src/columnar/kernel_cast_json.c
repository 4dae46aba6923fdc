/*
 * kernel_cast_json.c: casts from text to nested types. Each string is JSON
 * (the form dc_format_value gives nested values): arrays for lists, objects
 * for structs (by field name; a missing field is null) and maps (keys parsed
 * as the key type). Scalars inside take JSON numbers, booleans and strings;
 * strings are parsed like a cast from utf8 ("2024-01-02" for a date).
 *
 * Every value is checked before anything is appended, so a value that does
 * not fit leaves no half-appended children behind: the safe cast fails
 * naming it, the unsafe one appends a null row.
 */
#include "columnar/kernel_int.h"
#include "core/json_int.h"

#include <inttypes.h>
#include <stdio.h>

/*
 * Check (b == NULL) or append (b != NULL) JSON value `j` as a value of `t`.
 * Returns DC_OK, DC_EINVALID when the value does not fit the type, or
 * DC_ENOMEM from the builder.
 */
static dc_status put_json(dc_builder *b, const json_t *j, const dc_type *t);

/* A JSON scalar as text for the dc_parse_* functions (numbers printed back). */
static bool scalar_text(const json_t *j, char *buf, size_t cap, const char **p, int64_t *n)
{
    if (json_is_string(j)) {
        *p = json_string_value(j);
        *n = (int64_t)json_string_length(j);
        return true;
    }
    int w;
    if (json_is_integer(j))
        w = snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
    else if (json_is_real(j))
        w = snprintf(buf, cap, "%.17g", json_real_value(j));
    else if (json_is_boolean(j))
        w = snprintf(buf, cap, "%s", json_is_true(j) ? "true" : "false");
    else
        return false;
    if (w < 0 || (size_t)w >= cap)
        return false;
    *p = buf;
    *n = w;
    return true;
}

/* A scalar of a parsable type: parsed into a one-row scratch value, then appended. */
static dc_status put_scalar(dc_builder *b, const json_t *j, const dc_type *t)
{
    char buf[64];
    const char *p;
    int64_t n;
    uint8_t v[32] = {0};
    if (t->id == DC_TYPE_FLOAT64 || t->id == DC_TYPE_FLOAT32 || t->id == DC_TYPE_FLOAT16) {
        if (json_is_number(j))
            return b ? dc_builder_append_double(b, json_number_value(j)) : DC_OK;
    }
    if (!scalar_text(j, buf, sizeof buf, &p, &n) || !dc_kernel__parse_text(v, 0, t, p, n))
        return DC_EINVALID;
    if (!b)
        return DC_OK;
    switch (t->id) {
    case DC_TYPE_BOOL: return dc_builder_append_bool(b, v[0] & 1);
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
    case DC_TYPE_FIXED_SIZE_BINARY: return dc_builder_append_bytes(b, v, t->byte_width);
    case DC_TYPE_UINT64: {
        uint64_t u;
        memcpy(&u, v, 8);
        return dc_builder_append_uint(b, u);
    }
    case DC_TYPE_FLOAT16:
    case DC_TYPE_FLOAT32:
    case DC_TYPE_FLOAT64: {
        double d = t->id == DC_TYPE_FLOAT64 ? *(double *)(void *)v
                   : t->id == DC_TYPE_FLOAT32 ? *(float *)(void *)v
                                             : dc_half_to_float(*(uint16_t *)(void *)v);
        return dc_builder_append_double(b, d);
    }
    default: {
        /* Integers and temporal values: sign-extend the stored width. */
        int32_t w = t->byte_width;
        uint64_t u = 0;
        memcpy(&u, v, (size_t)w);
        int64_t s = w == 8 ? (int64_t)u : (int64_t)(u << (64 - 8 * w)) >> (64 - 8 * w);
        if (dc_type_is_unsigned_integer(t->id))
            return dc_builder_append_uint(b, u);
        return dc_builder_append_int(b, s);
    }
    }
}

static dc_status put_json(dc_builder *b, const json_t *j, const dc_type *t)
{
    dc_status rc;
    if (json_is_null(j))
        return b ? dc_builder_append_null(b) : DC_OK;
    switch (t->id) {
    case DC_TYPE_NULL: return DC_EINVALID;
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_BINARY: {
        char buf[64];
        const char *p;
        int64_t n;
        if (!scalar_text(j, buf, sizeof buf, &p, &n))
            return DC_EINVALID; /* nested JSON inside a string column is not flattened */
        return b ? dc_builder_append_bytes(b, p, n) : DC_OK;
    }
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST: {
        if (!json_is_array(j))
            return DC_EINVALID;
        size_t n = json_array_size(j);
        if (t->id == DC_TYPE_FIXED_SIZE_LIST && n != (size_t)t->list_size)
            return DC_EINVALID;
        for (size_t i = 0; i < n; i++) {
            rc = put_json(b ? dc_builder_child(b, 0) : NULL, json_array_get(j, i),
                          t->children[0].type);
            if (rc != DC_OK)
                return rc;
        }
        return b ? dc_builder_append_valid(b) : DC_OK;
    }
    case DC_TYPE_STRUCT: {
        if (!json_is_object(j))
            return DC_EINVALID;
        for (int32_t c = 0; c < t->n_children; c++) {
            const json_t *v = json_object_get(j, t->children[c].name);
            rc = put_json(b ? dc_builder_child(b, c) : NULL, v ? v : json_null(),
                          t->children[c].type);
            if (rc != DC_OK)
                return rc;
        }
        return b ? dc_builder_append_valid(b) : DC_OK;
    }
    case DC_TYPE_MAP: {
        if (!json_is_object(j))
            return DC_EINVALID;
        const dc_type *et = t->children[0].type;
        dc_builder *eb = b ? dc_builder_child(b, 0) : NULL;
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)j, key, v)
        {
            json_t *k = json_string(key);
            if (!k)
                return DC_ENOMEM;
            rc = put_json(eb ? dc_builder_child(eb, 0) : NULL, k, et->children[0].type);
            json_decref(k);
            if (rc == DC_OK)
                rc = put_json(eb ? dc_builder_child(eb, 1) : NULL, v, et->children[1].type);
            if (rc == DC_OK && eb)
                rc = dc_builder_append_valid(eb);
            if (rc != DC_OK)
                return rc;
        }
        return b ? dc_builder_append_valid(b) : DC_OK;
    }
    case DC_TYPE_DICTIONARY: return DC_EINVALID;
    default: return put_scalar(b, j, t);
    }
}

/* Builder calls report a bare code: give it a message. */
#define B_TRY(expr)                                                                                \
    do {                                                                                           \
        rc = (expr);                                                                               \
        if (rc != DC_OK) {                                                                         \
            dc_error_set(err, rc, "cast to %s: building the result failed (%s)",                 \
                         dc_type_id_name(to->id), dc_status_name(rc));                             \
            goto cleanup;                                                                          \
        }                                                                                          \
    } while (0)

dc_status dc_kernel__cast_json(dc_array **out, const dc_array *a, const dc_type *to, bool safe,
                               dc_error *err)
{
    dc_status rc = DC_OK;
    dc_builder *b = NULL;
    json_t *j = NULL;
    *out = NULL;
    DC_TRY(dc_builder_new(&b, to, err));
    B_TRY(dc_builder_reserve(b, a->length));
    for (int64_t k = 0; k < a->length; k++) {
        if (!dc_array_valid(a, k)) {
            B_TRY(dc_builder_append_null(b));
            continue;
        }
        int64_t len;
        const uint8_t *p = dc_kernel__bytes(a, k, &len);
        json_error_t je;
        j = json_loadb((const char *)p, (size_t)len, JSON_DECODE_ANY, &je);
        dc_status check = j ? put_json(NULL, j, to) : DC_EINVALID;
        if (check == DC_ENOMEM) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        if (check != DC_OK) {
            if (safe) {
                char *ts = dc_type_to_string(to);
                rc = dc_error_set(err, DC_ESCHEMA,
                                  "cannot cast '%.*s' (row %" PRId64 ") from %s to %s: the text is "
                                  "not a JSON value of the target type; fix the data or cast "
                                  "unsafely",
                                  (int)(len > 200 ? 200 : len), (const char *)p, k,
                                  dc_type_id_name(a->type->id), ts ? ts : "?");
                dc_free(ts);
                goto cleanup;
            }
            B_TRY(dc_builder_append_null(b));
        } else {
            B_TRY(put_json(b, j, to));
        }
        json_decref(j);
        j = NULL;
    }
    rc = dc_builder_finish(b, out, err);
cleanup:
    json_decref(j);
    dc_builder_free(b);
    return rc;
}
