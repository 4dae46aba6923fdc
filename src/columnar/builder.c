/*
 * builder.c: appending values of one type and finishing them into an array.
 *
 * The validity bitmap is created lazily at the first null (all earlier bits
 * set), so a column without nulls finishes with no bitmap at all, as Arrow
 * prefers. Offsets-based builders keep offsets[0] = 0 from the start.
 */
#include "columnar/columnar_int.h"

#include <math.h>

struct dc_builder {
    dc_type *type;
    int64_t length;
    int64_t null_count;
    bool has_validity;
    dc_bytes validity;
    dc_bytes values; /* fixed-width values, bool bits, offsets, or dictionary indices */
    dc_bytes data;   /* string/binary bytes */
    int32_t n_children;
    dc_builder **children;
    dc_array *dictionary;
};

static bool is_offsets32(const dc_type *t) { return dc_type_has_offsets32(t->id); }
static bool is_offsets64(const dc_type *t) { return dc_type_has_offsets64(t->id); }

static dc_status init_offsets(dc_builder *b)
{
    if (is_offsets32(b->type)) {
        int32_t z = 0;
        return dc_bytes_append(&b->values, &z, 4);
    }
    if (is_offsets64(b->type)) {
        int64_t z = 0;
        return dc_bytes_append(&b->values, &z, 8);
    }
    return DC_OK;
}

dc_status dc_builder_new(dc_builder **out, const dc_type *type, dc_error *err)
{
    dc_status rc = DC_OK;
    *out = NULL;
    dc_builder *b = dc_calloc(1, sizeof *b);
    DC_TRY_ALLOC(b, err);
    b->type = dc_type_ref(type);
    dc_bytes_init(&b->validity);
    dc_bytes_init(&b->values);
    dc_bytes_init(&b->data);
    if (init_offsets(b) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    if (type->id != DC_TYPE_DICTIONARY && type->n_children > 0) {
        b->children = dc_calloc((size_t)type->n_children, sizeof *b->children);
        DC_TRY_ALLOC(b->children, err);
        b->n_children = type->n_children;
        for (int32_t i = 0; i < type->n_children; i++)
            DC_TRY(dc_builder_new(&b->children[i], type->children[i].type, err));
    }
    *out = b;
    return DC_OK;
cleanup:
    dc_builder_free(b);
    return rc;
}

void dc_builder_free(dc_builder *b)
{
    if (!b)
        return;
    for (int32_t i = 0; i < b->n_children; i++)
        dc_builder_free(b->children[i]);
    dc_free(b->children);
    dc_bytes_free(&b->validity);
    dc_bytes_free(&b->values);
    dc_bytes_free(&b->data);
    dc_array_unref(b->dictionary);
    dc_type_unref(b->type);
    dc_free(b);
}

const dc_type *dc_builder_type(const dc_builder *b) { return b->type; }
int64_t dc_builder_length(const dc_builder *b) { return b->length; }

dc_builder *dc_builder_child(dc_builder *b, int32_t i)
{
    return (i >= 0 && i < b->n_children) ? b->children[i] : NULL;
}

int64_t dc_builder_memory(const dc_builder *b)
{
    int64_t m = b->validity.capacity + b->values.capacity + b->data.capacity;
    for (int32_t i = 0; i < b->n_children; i++)
        m += dc_builder_memory(b->children[i]);
    return m;
}

dc_status dc_builder_reserve(dc_builder *b, int64_t additional)
{
    int64_t w = b->type->id == DC_TYPE_BOOL ? 0
                : is_offsets32(b->type)    ? 4
                : is_offsets64(b->type)    ? 8
                                           : b->type->byte_width;
    if (b->type->id == DC_TYPE_BOOL)
        return dc_bytes_reserve(&b->values, (additional + 7) / 8 + 1);
    if (w > 0)
        return dc_bytes_reserve(&b->values, additional * w);
    return DC_OK;
}

/* Record the validity of the next element (before length++). */
static inline dc_status put_valid(dc_builder *b, bool valid)
{
    if (valid && !b->has_validity)
        return DC_OK;
    if (!b->has_validity) {
        /* First null: materialize the bitmap with every earlier element valid. */
        int64_t nbytes = (b->length + 8) / 8;
        if (dc_bytes_resize(&b->validity, nbytes) != DC_OK)
            return DC_ENOMEM;
        memset(b->validity.data, 0xff, (size_t)nbytes);
        for (int64_t i = b->length; i < nbytes * 8; i++)
            dc_bit_clear(b->validity.data, i);
        b->has_validity = true;
    }
    int64_t need = (b->length + 8) / 8;
    if (need > b->validity.size && dc_bytes_resize(&b->validity, need) != DC_OK)
        return DC_ENOMEM;
    if (valid)
        dc_bit_set(b->validity.data, b->length);
    else
        dc_bit_clear(b->validity.data, b->length);
    return DC_OK;
}

static dc_status push_offset(dc_builder *b, int64_t end)
{
    if (is_offsets32(b->type)) {
        if (end > INT32_MAX)
            return DC_EINVALID;
        int32_t o = (int32_t)end;
        return dc_bytes_push(&b->values, &o, 4);
    }
    return dc_bytes_push(&b->values, &end, 8);
}

static int64_t child_length_now(const dc_builder *b)
{
    if (dc_type_is_binary_like(b->type->id))
        return b->data.size;
    return b->children[0]->length;
}

static dc_status wrong_kind(dc_builder *b) { (void)b; return DC_EINVALID; }

dc_status dc_builder_append_null(dc_builder *b)
{
    dc_status rc;
    const dc_type *t = b->type;
    switch (t->id) {
    case DC_TYPE_NULL:
        b->length++;
        b->null_count++;
        return DC_OK;
    case DC_TYPE_BOOL:
        if (dc_bytes_resize(&b->values, (b->length + 8) / 8) != DC_OK)
            return DC_ENOMEM;
        break;
    case DC_TYPE_STRUCT:
        for (int32_t i = 0; i < b->n_children; i++)
            if ((rc = dc_builder_append_null(b->children[i])) != DC_OK)
                return rc;
        break;
    case DC_TYPE_FIXED_SIZE_LIST:
        if ((rc = dc_builder_append_nulls(b->children[0], t->list_size)) != DC_OK)
            return rc;
        break;
    default:
        if (is_offsets32(t) || is_offsets64(t)) {
            if ((rc = push_offset(b, child_length_now(b))) != DC_OK)
                return rc;
        } else if (dc_bytes_append_zeros(&b->values, t->byte_width) != DC_OK) {
            return DC_ENOMEM;
        }
    }
    if (put_valid(b, false) != DC_OK)
        return DC_ENOMEM;
    b->length++;
    b->null_count++;
    return DC_OK;
}

dc_status dc_builder_append_nulls(dc_builder *b, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        dc_status rc = dc_builder_append_null(b);
        if (rc != DC_OK)
            return rc;
    }
    return DC_OK;
}

static inline dc_status finish_value(dc_builder *b)
{
    if (DC_UNLIKELY(b->has_validity) && put_valid(b, true) != DC_OK)
        return DC_ENOMEM;
    b->length++;
    return DC_OK;
}

dc_status dc_builder_append_bool(dc_builder *b, bool v)
{
    if (b->type->id != DC_TYPE_BOOL)
        return wrong_kind(b);
    if (dc_bytes_resize(&b->values, (b->length + 8) / 8) != DC_OK)
        return DC_ENOMEM;
    dc_bit_put(b->values.data, b->length, v);
    return finish_value(b);
}

dc_status dc_builder_append_int(dc_builder *b, int64_t v)
{
    dc_type_id id = b->type->id;
    if (id == DC_TYPE_DICTIONARY) {
        if (!b->dictionary || v < 0 || v >= b->dictionary->length)
            return DC_EINVALID;
        id = b->type->index_type->id;
    }
    switch (id) {
    case DC_TYPE_INT8:
        if (v < INT8_MIN || v > INT8_MAX)
            return DC_EINVALID;
        {
            int8_t x = (int8_t)v;
            if (dc_bytes_push(&b->values, &x, 1) != DC_OK)
                return DC_ENOMEM;
        }
        break;
    case DC_TYPE_INT16:
        if (v < INT16_MIN || v > INT16_MAX)
            return DC_EINVALID;
        {
            int16_t x = (int16_t)v;
            if (dc_bytes_push(&b->values, &x, 2) != DC_OK)
                return DC_ENOMEM;
        }
        break;
    case DC_TYPE_INT32:
    case DC_TYPE_DATE32:
    case DC_TYPE_TIME32:
        if (v < INT32_MIN || v > INT32_MAX)
            return DC_EINVALID;
        {
            int32_t x = (int32_t)v;
            if (dc_bytes_push(&b->values, &x, 4) != DC_OK)
                return DC_ENOMEM;
        }
        break;
    case DC_TYPE_INT64:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP:
    case DC_TYPE_DURATION:
        if (dc_bytes_push(&b->values, &v, 8) != DC_OK)
            return DC_ENOMEM;
        break;
    case DC_TYPE_UINT8:
    case DC_TYPE_UINT16:
    case DC_TYPE_UINT32:
    case DC_TYPE_UINT64:
        if (v < 0)
            return DC_EINVALID;
        return dc_builder_append_uint(b, (uint64_t)v);
    case DC_TYPE_BOOL:
        if (v != 0 && v != 1)
            return DC_EINVALID;
        return dc_builder_append_bool(b, v != 0);
    default:
        return wrong_kind(b);
    }
    return finish_value(b);
}

dc_status dc_builder_append_uint(dc_builder *b, uint64_t v)
{
    dc_type_id id = b->type->id;
    if (id == DC_TYPE_DICTIONARY) {
        if (!b->dictionary || v >= (uint64_t)b->dictionary->length)
            return DC_EINVALID;
        id = b->type->index_type->id;
    }
    switch (id) {
    case DC_TYPE_UINT8:
        if (v > UINT8_MAX)
            return DC_EINVALID;
        {
            uint8_t x = (uint8_t)v;
            if (dc_bytes_push(&b->values, &x, 1) != DC_OK)
                return DC_ENOMEM;
        }
        break;
    case DC_TYPE_UINT16:
        if (v > UINT16_MAX)
            return DC_EINVALID;
        {
            uint16_t x = (uint16_t)v;
            if (dc_bytes_push(&b->values, &x, 2) != DC_OK)
                return DC_ENOMEM;
        }
        break;
    case DC_TYPE_UINT32:
        if (v > UINT32_MAX)
            return DC_EINVALID;
        {
            uint32_t x = (uint32_t)v;
            if (dc_bytes_push(&b->values, &x, 4) != DC_OK)
                return DC_ENOMEM;
        }
        break;
    case DC_TYPE_UINT64:
        if (b->type->id == DC_TYPE_DICTIONARY &&
            (!b->dictionary || v >= (uint64_t)b->dictionary->length))
            return DC_EINVALID;
        if (dc_bytes_push(&b->values, &v, 8) != DC_OK)
            return DC_ENOMEM;
        break;
    default:
        if (v > INT64_MAX)
            return DC_EINVALID;
        return dc_builder_append_int(b, (int64_t)v);
    }
    return finish_value(b);
}

dc_status dc_builder_append_double(dc_builder *b, double v)
{
    switch (b->type->id) {
    case DC_TYPE_FLOAT64:
        if (dc_bytes_push(&b->values, &v, 8) != DC_OK)
            return DC_ENOMEM;
        break;
    case DC_TYPE_FLOAT32: {
        float f = (float)v;
        if (dc_bytes_push(&b->values, &f, 4) != DC_OK)
            return DC_ENOMEM;
        break;
    }
    case DC_TYPE_FLOAT16: {
        uint16_t h = dc_float_to_half((float)v);
        if (dc_bytes_push(&b->values, &h, 2) != DC_OK)
            return DC_ENOMEM;
        break;
    }
    default:
        return wrong_kind(b);
    }
    return finish_value(b);
}

dc_status dc_builder_append_bytes(dc_builder *b, const void *p, int64_t n)
{
    const dc_type *t = b->type;
    if (n < 0)
        return DC_EINVALID;
    switch (t->id) {
    case DC_TYPE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_LARGE_BINARY: {
        int64_t end = b->data.size + n;
        if (is_offsets32(t) && end > INT32_MAX)
            return DC_EINVALID; /* more than 2 GiB in one batch: use large_string */
        if (dc_bytes_push(&b->data, p, n) != DC_OK || push_offset(b, end) != DC_OK)
            return DC_ENOMEM;
        break;
    }
    case DC_TYPE_FIXED_SIZE_BINARY:
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
        if (n != t->byte_width)
            return DC_EINVALID;
        if (dc_bytes_push(&b->values, p, n) != DC_OK)
            return DC_ENOMEM;
        break;
    default:
        return wrong_kind(b);
    }
    return finish_value(b);
}

dc_status dc_builder_append_valid(dc_builder *b)
{
    const dc_type *t = b->type;
    switch (t->id) {
    case DC_TYPE_STRUCT:
        for (int32_t i = 0; i < b->n_children; i++)
            if (b->children[i]->length != b->length + 1)
                return DC_EINVALID; /* every field needs exactly one value for the row */
        break;
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_MAP: {
        dc_status rc = push_offset(b, b->children[0]->length);
        if (rc != DC_OK)
            return rc;
        break;
    }
    case DC_TYPE_FIXED_SIZE_LIST:
        if (b->children[0]->length != (b->length + 1) * t->list_size)
            return DC_EINVALID;
        break;
    default:
        return wrong_kind(b);
    }
    return finish_value(b);
}

dc_status dc_builder_set_dictionary(dc_builder *b, const dc_array *values)
{
    if (b->type->id != DC_TYPE_DICTIONARY || !dc_type_equals(values->type, b->type->value_type))
        return DC_EINVALID;
    if (b->dictionary && b->length > 0 && b->dictionary != values)
        return DC_EINVALID; /* indices already refer to the old dictionary */
    dc_array_unref(b->dictionary);
    b->dictionary = dc_array_ref(values);
    return DC_OK;
}

dc_status dc_builder_append_from(dc_builder *b, const dc_array *a, int64_t i)
{
    const dc_type *t = b->type;
    if (!dc_array_valid(a, i))
        return dc_builder_append_null(b);
    int64_t k = a->offset + i;
    switch (t->id) {
    case DC_TYPE_BOOL:
        return dc_builder_append_bool(b, dc_bit_get(a->data[1], k));
    case DC_TYPE_FLOAT16:
    case DC_TYPE_FLOAT32:
    case DC_TYPE_FLOAT64:
    case DC_TYPE_INT8: case DC_TYPE_INT16: case DC_TYPE_INT32: case DC_TYPE_INT64:
    case DC_TYPE_UINT8: case DC_TYPE_UINT16: case DC_TYPE_UINT32: case DC_TYPE_UINT64:
    case DC_TYPE_DATE32: case DC_TYPE_DATE64: case DC_TYPE_TIME32: case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP: case DC_TYPE_DURATION: {
        /* Raw copy keeps NaN payloads and half floats bit-exact. */
        int32_t w = t->byte_width;
        if (dc_bytes_push(&b->values, a->data[1] + k * w, w) != DC_OK)
            return DC_ENOMEM;
        return finish_value(b);
    }
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
    case DC_TYPE_FIXED_SIZE_BINARY:
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_BINARY: {
        int64_t n;
        const uint8_t *p = dc_array_get_bytes(a, i, &n);
        return dc_builder_append_bytes(b, p, n);
    }
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_MAP:
    case DC_TYPE_FIXED_SIZE_LIST: {
        int64_t s, e;
        dc_array_get_list_range(a, i, &s, &e);
        dc_status rc = dc_builder_append_range(b->children[0], a->children[0], s, e - s);
        if (rc != DC_OK)
            return rc;
        return dc_builder_append_valid(b);
    }
    case DC_TYPE_STRUCT:
        for (int32_t c = 0; c < b->n_children; c++) {
            dc_status rc = dc_builder_append_from(b->children[c], a->children[c], k);
            if (rc != DC_OK)
                return rc;
        }
        return dc_builder_append_valid(b);
    case DC_TYPE_DICTIONARY:
        if (!b->dictionary) {
            dc_status rc = dc_builder_set_dictionary(b, a->dictionary);
            if (rc != DC_OK)
                return rc;
        } else if (b->dictionary != a->dictionary) {
            return DC_EUNSUPPORTED; /* different dictionaries: concat unifies them */
        }
        if (t->index_type->id == DC_TYPE_UINT64)
            return dc_builder_append_uint(b, dc_array_get_uint(a, i));
        return dc_builder_append_int(b, dc_array_get_int(a, i));
    default:
        return wrong_kind(b);
    }
}

dc_status dc_builder_append_range(dc_builder *b, const dc_array *a, int64_t start, int64_t n)
{
    const dc_type *t = b->type;
    /* Fast path: fixed-width values without nulls (or with a bitmap copied below). */
    if (n > 0 && t->byte_width > 0 && dc_type_is_fixed_width(t->id) && t->id != DC_TYPE_BOOL &&
        a->null_count == 0 && !b->has_validity) {
        int32_t w = t->byte_width;
        if (dc_bytes_append(&b->values, a->data[1] + (a->offset + start) * w, n * w) != DC_OK)
            return DC_ENOMEM;
        b->length += n;
        return DC_OK;
    }
    for (int64_t i = 0; i < n; i++) {
        dc_status rc = dc_builder_append_from(b, a, start + i);
        if (rc != DC_OK)
            return rc;
    }
    return DC_OK;
}

dc_status dc_builder_finish(dc_builder *b, dc_array **out, dc_error *err)
{
    dc_status rc = DC_OK;
    const dc_type *t = b->type;
    dc_buffer *bufs[3] = {NULL, NULL, NULL};
    dc_array **kids = NULL;
    int32_t nb = dc_type_n_buffers(t);
    *out = NULL;
    if (t->id == DC_TYPE_DICTIONARY && !b->dictionary) {
        /* No dictionary was given: only nulls can have been appended. */
        DC_TRY(dc_array_new_null(&b->dictionary, t->value_type, 0, err));
    }
    if (nb > 0 && b->has_validity) {
        if (dc_bytes_resize(&b->validity, (b->length + 7) / 8) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        bufs[0] = dc_bytes_finish(&b->validity);
        DC_TRY_ALLOC(bufs[0], err);
    }
    if (nb >= 2) {
        if (t->id == DC_TYPE_BOOL && dc_bytes_resize(&b->values, (b->length + 7) / 8) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        bufs[1] = dc_bytes_finish(&b->values);
        DC_TRY_ALLOC(bufs[1], err);
    }
    if (nb == 3) {
        bufs[2] = dc_bytes_finish(&b->data);
        DC_TRY_ALLOC(bufs[2], err);
    }
    if (b->n_children > 0) {
        kids = dc_calloc((size_t)b->n_children, sizeof *kids);
        DC_TRY_ALLOC(kids, err);
        for (int32_t i = 0; i < b->n_children; i++)
            DC_TRY(dc_builder_finish(b->children[i], &kids[i], err));
    }
    DC_TRY(dc_array_make(out, t, b->length, 0, b->null_count, bufs, nb, kids, b->n_children,
                         b->dictionary, err));
    /* Reset for reuse. */
    b->length = 0;
    b->null_count = 0;
    b->has_validity = false;
    dc_bytes_free(&b->validity);
    dc_bytes_free(&b->values);
    dc_bytes_free(&b->data);
    if (init_offsets(b) != DC_OK) {
        dc_array_unref(*out);
        *out = NULL;
        rc = dc_error_nomem(err);
    }
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    for (int32_t i = 0; kids && i < b->n_children; i++)
        dc_array_unref(kids[i]);
    dc_free(kids);
    return rc;
}

/* ---- batch builders ---- */

dc_status dc_batch_builder_init(dc_batch_builder *bb, const dc_schema *schema, dc_error *err)
{
    dc_status rc = DC_OK;
    memset(bb, 0, sizeof *bb);
    bb->schema = dc_schema_ref(schema);
    bb->columns = dc_calloc((size_t)(schema->n_fields ? schema->n_fields : 1), sizeof *bb->columns);
    DC_TRY_ALLOC(bb->columns, err);
    for (int32_t i = 0; i < schema->n_fields; i++)
        DC_TRY(dc_builder_new(&bb->columns[i], schema->fields[i].type, err));
    return DC_OK;
cleanup:
    dc_batch_builder_clear(bb);
    return rc;
}

void dc_batch_builder_clear(dc_batch_builder *bb)
{
    if (bb->columns && bb->schema)
        for (int32_t i = 0; i < bb->schema->n_fields; i++)
            dc_builder_free(bb->columns[i]);
    dc_free(bb->columns);
    dc_schema_unref(bb->schema);
    memset(bb, 0, sizeof *bb);
}

dc_status dc_batch_builder_finish(dc_batch_builder *bb, dc_batch **out, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t n = bb->schema->n_fields;
    dc_array **cols = dc_calloc((size_t)(n ? n : 1), sizeof *cols);
    *out = NULL;
    DC_TRY_ALLOC(cols, err);
    for (int32_t i = 0; i < n; i++) {
        DC_TRY(dc_builder_finish(bb->columns[i], &cols[i], err));
        if (cols[i]->length != bb->length) {
            rc = dc_error_set(err, DC_EINTERNAL, "column %s has %lld rows, the batch %lld",
                              bb->schema->fields[i].name, (long long)cols[i]->length,
                              (long long)bb->length);
            goto cleanup;
        }
    }
    DC_TRY(dc_batch_new(out, bb->schema, cols, bb->length, err));
    bb->length = 0;
cleanup:
    for (int32_t i = 0; cols && i < n; i++)
        dc_array_unref(cols[i]);
    dc_free(cols);
    return rc;
}

int64_t dc_batch_builder_memory(const dc_batch_builder *bb)
{
    int64_t m = 0;
    for (int32_t i = 0; i < bb->schema->n_fields; i++)
        m += dc_builder_memory(bb->columns[i]);
    return m;
}
