/*
 * kernel_unify.c: permissive type and schema unification, columns filled
 * with a default, and conforming a batch to a target schema.
 */
#include "columnar/kernel_int.h"

#include <inttypes.h>

static dc_status no_common_type(const dc_type *a, const dc_type *b, dc_error *err)
{
    char *x = dc_type_to_string(a), *y = dc_type_to_string(b);
    dc_status rc = dc_error_set(err, DC_ESCHEMA,
                                "no common type for %s and %s; cast one side explicitly",
                                x ? x : "?", y ? y : "?");
    dc_free(x);
    dc_free(y);
    return rc;
}

static int bits_of(dc_type_id id)
{
    switch (id) {
    case DC_TYPE_INT8:
    case DC_TYPE_UINT8: return 8;
    case DC_TYPE_INT16:
    case DC_TYPE_UINT16: return 16;
    case DC_TYPE_INT32:
    case DC_TYPE_UINT32: return 32;
    default: return 64;
    }
}

static dc_type_id signed_of_bits(int bits)
{
    return bits <= 8    ? DC_TYPE_INT8
           : bits <= 16 ? DC_TYPE_INT16
           : bits <= 32 ? DC_TYPE_INT32
                        : DC_TYPE_INT64;
}

static int int_digits(dc_type_id id)
{
    int b = bits_of(id);
    return b == 8 ? 3 : b == 16 ? 5 : b == 32 ? 10 : id == DC_TYPE_INT64 ? 19 : 20;
}

/* The narrowest integer type holding every value of two integer types, or -1. */
static int unify_ints(dc_type_id a, dc_type_id b)
{
    bool sa = dc_type_is_signed_integer(a), sb = dc_type_is_signed_integer(b);
    int ba = bits_of(a), bb = bits_of(b);
    if (sa == sb)
        return ba >= bb ? (int)a : (int)b;
    int s_bits = sa ? ba : bb, u_bits = sa ? bb : ba;
    if (s_bits > u_bits)
        return (int)(sa ? a : b);
    if (u_bits >= 64)
        return -1;
    return (int)signed_of_bits(u_bits * 2);
}

static dc_status unify_fields(dc_field **out, int32_t *n_out, const dc_field *fa, int32_t na,
                              const dc_field *fb, int32_t nb, dc_error *err);

static dc_type *with_child(dc_type_id id, const dc_field *like, dc_type *child, bool nullable,
                           int32_t list_size)
{
    dc_field f;
    if (dc_field_init(&f, like->name, child, nullable, &like->metadata) != DC_OK)
        return NULL;
    dc_type *t = id == DC_TYPE_FIXED_SIZE_LIST ? dc_type_fixed_size_list(&f, list_size)
                                               : dc_type_list(id, &f);
    dc_field_clear(&f);
    return t;
}

static bool is_list_like(dc_type_id id)
{
    return id == DC_TYPE_LIST || id == DC_TYPE_LARGE_LIST || id == DC_TYPE_FIXED_SIZE_LIST;
}

/*
 * The narrowest type both `a` and `b` widen to, per the rules of
 * dc_type_unify. DC_ESCHEMA naming both types when there is none.
 */
static dc_status unify(dc_type **out, const dc_type *a, const dc_type *b, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_type *x = NULL, *y = NULL;
    dc_field *fields = NULL;
    int32_t nf = 0;
    dc_type_id ia = a->id, ib = b->id;
    *out = NULL;
    if (dc_type_equals(a, b) || ib == DC_TYPE_NULL)
        return (*out = dc_type_ref(a)) ? DC_OK : dc_error_nomem(err);
    if (ia == DC_TYPE_NULL)
        return (*out = dc_type_ref(b)) ? DC_OK : dc_error_nomem(err);
    if (ia == DC_TYPE_DICTIONARY && ib == DC_TYPE_DICTIONARY) {
        DC_TRY(unify(&x, a->value_type, b->value_type, err));
        const dc_type *index = a->index_type->byte_width >= b->index_type->byte_width
                                   ? a->index_type
                                   : b->index_type;
        *out = dc_type_dictionary(index, x, a->ordered && b->ordered);
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if (ia == DC_TYPE_DICTIONARY || ib == DC_TYPE_DICTIONARY) {
        rc = ia == DC_TYPE_DICTIONARY ? unify(out, a->value_type, b, err)
                                      : unify(out, a, b->value_type, err);
        goto cleanup;
    }
    if (dc_type_is_integer(ia) && dc_type_is_integer(ib)) {
        int id = unify_ints(ia, ib);
        if (id < 0)
            return no_common_type(a, b, err);
        *out = dc_type_new((dc_type_id)id);
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    bool na = dc_type_is_integer(ia) || dc_type_is_floating(ia) || dc_type_is_decimal(ia);
    bool nb = dc_type_is_integer(ib) || dc_type_is_floating(ib) || dc_type_is_decimal(ib);
    if (na && nb) {
        if (dc_type_is_floating(ia) && dc_type_is_floating(ib)) {
            *out = dc_type_ref(ia >= ib ? a : b);
        } else if (dc_type_is_floating(ia) || dc_type_is_floating(ib)) {
            *out = dc_type_new(DC_TYPE_FLOAT64);
        } else {
            /* Decimals, or a decimal and an integer (as decimal(digits, 0)). */
            int32_t sa = dc_type_is_decimal(ia) ? a->scale : 0;
            int32_t sb = dc_type_is_decimal(ib) ? b->scale : 0;
            int32_t da = dc_type_is_decimal(ia) ? a->precision - sa : int_digits(ia);
            int32_t db = dc_type_is_decimal(ib) ? b->precision - sb : int_digits(ib);
            int32_t s = DC_MAX(sa, sb), p = DC_MAX(da, db) + s;
            bool wide = ia == DC_TYPE_DECIMAL256 || ib == DC_TYPE_DECIMAL256 || p > 38;
            if (p > 76 || p < 1)
                return no_common_type(a, b, err);
            *out = dc_type_decimal(wide ? 256 : 128, p, s);
        }
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if ((dc_type_is_binary_like(ia) || ia == DC_TYPE_FIXED_SIZE_BINARY) &&
        (dc_type_is_binary_like(ib) || ib == DC_TYPE_FIXED_SIZE_BINARY)) {
        bool large = dc_type_has_offsets64(ia) || dc_type_has_offsets64(ib);
        bool text = dc_type_is_string(ia) && dc_type_is_string(ib);
        *out = dc_type_new(text ? (large ? DC_TYPE_LARGE_UTF8 : DC_TYPE_UTF8)
                                : (large ? DC_TYPE_LARGE_BINARY : DC_TYPE_BINARY));
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if (ia == DC_TYPE_TIMESTAMP && ib == DC_TYPE_TIMESTAMP) {
        bool same_tz = (!a->timezone && !b->timezone) ||
                       (a->timezone && b->timezone && strcmp(a->timezone, b->timezone) == 0);
        if (!same_tz)
            return no_common_type(a, b, err);
        *out = dc_type_timestamp(DC_MAX(a->unit, b->unit), a->timezone);
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if ((ia == DC_TYPE_DATE32 || ia == DC_TYPE_DATE64) &&
        (ib == DC_TYPE_DATE32 || ib == DC_TYPE_DATE64)) {
        *out = dc_type_new(DC_TYPE_DATE64);
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if ((ia == DC_TYPE_TIMESTAMP && (ib == DC_TYPE_DATE32 || ib == DC_TYPE_DATE64)) ||
        (ib == DC_TYPE_TIMESTAMP && (ia == DC_TYPE_DATE32 || ia == DC_TYPE_DATE64))) {
        const dc_type *ts = ia == DC_TYPE_TIMESTAMP ? a : b, *d = ts == a ? b : a;
        dc_time_unit u = d->id == DC_TYPE_DATE64 ? DC_MAX(ts->unit, DC_UNIT_MILLI) : ts->unit;
        *out = dc_type_timestamp(u, ts->timezone);
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if ((ia == DC_TYPE_TIME32 || ia == DC_TYPE_TIME64) &&
        (ib == DC_TYPE_TIME32 || ib == DC_TYPE_TIME64)) {
        *out = dc_type_time(DC_MAX(a->unit, b->unit));
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if (ia == DC_TYPE_DURATION && ib == DC_TYPE_DURATION) {
        *out = dc_type_duration(DC_MAX(a->unit, b->unit));
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if (is_list_like(ia) && is_list_like(ib)) {
        DC_TRY(unify(&x, a->children[0].type, b->children[0].type, err));
        bool nullable = a->children[0].nullable || b->children[0].nullable;
        dc_type_id id = (ia == DC_TYPE_LARGE_LIST || ib == DC_TYPE_LARGE_LIST) ? DC_TYPE_LARGE_LIST
                                                                                : DC_TYPE_LIST;
        if (ia == DC_TYPE_FIXED_SIZE_LIST && ib == DC_TYPE_FIXED_SIZE_LIST &&
            a->list_size == b->list_size)
            id = DC_TYPE_FIXED_SIZE_LIST;
        *out = with_child(id, &a->children[0], x, nullable, a->list_size);
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if (ia == DC_TYPE_MAP && ib == DC_TYPE_MAP) {
        const dc_type *ea = a->children[0].type, *eb = b->children[0].type;
        DC_TRY(unify(&x, ea->children[0].type, eb->children[0].type, err));
        DC_TRY(unify(&y, ea->children[1].type, eb->children[1].type, err));
        *out = dc_type_map(x, y, ea->children[1].nullable || eb->children[1].nullable,
                           a->keys_sorted && b->keys_sorted);
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    if (ia == DC_TYPE_STRUCT && ib == DC_TYPE_STRUCT) {
        DC_TRY(unify_fields(&fields, &nf, a->children, a->n_children, b->children, b->n_children,
                            err));
        *out = dc_type_struct(fields, nf);
        DC_TRY_ALLOC(*out, err);
        goto cleanup;
    }
    return no_common_type(a, b, err);
cleanup:
    dc_type_unref(x);
    dc_type_unref(y);
    for (int32_t i = 0; i < nf; i++)
        dc_field_clear(&fields[i]);
    dc_free(fields);
    return rc;
}

/*
 * Fields of `fa` (unified with their namesakes in `fb`) then the fields only
 * in `fb`, nullable. *out (dc_malloc, *n_out fields) is the caller's.
 */
static dc_status unify_fields(dc_field **out, int32_t *n_out, const dc_field *fa, int32_t na,
                              const dc_field *fb, int32_t nb, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_type *t = NULL;
    int32_t n = 0;
    dc_field *f = dc_calloc((size_t)(na + nb ? na + nb : 1), sizeof *f);
    *out = NULL;
    *n_out = 0;
    DC_TRY_ALLOC(f, err);
    for (int32_t i = 0; i < na; i++) {
        const dc_field *match = NULL;
        for (int32_t j = 0; j < nb && !match; j++) {
            if (strcmp(fa[i].name, fb[j].name) == 0)
                match = &fb[j];
        }
        if (!match) {
            DC_TRY(dc_field_copy(&f[n++], &fa[i]));
            continue;
        }
        rc = unify(&t, fa[i].type, match->type, err);
        if (rc != DC_OK) {
            dc_error_prefix(err, "field '%s': ", fa[i].name);
            dc_error_at(err, NULL, fa[i].name, -1, -1);
            goto cleanup;
        }
        DC_TRY(dc_field_init(&f[n++], fa[i].name, t, fa[i].nullable || match->nullable,
                             &fa[i].metadata));
        dc_type_unref(t);
        t = NULL;
    }
    for (int32_t j = 0; j < nb; j++) {
        bool seen = false;
        for (int32_t i = 0; i < na && !seen; i++)
            seen = strcmp(fa[i].name, fb[j].name) == 0;
        if (!seen)
            DC_TRY(dc_field_init(&f[n++], fb[j].name, fb[j].type, true, &fb[j].metadata));
    }
    *out = f;
    *n_out = n;
    f = NULL;
cleanup:
    dc_type_unref(t);
    if (f) {
        for (int32_t i = 0; i < n; i++)
            dc_field_clear(&f[i]);
        dc_free(f);
    }
    return rc;
}

/* The narrowest common type of `a` and `b` (rules in columnar_int.h); DC_ESCHEMA otherwise. */
dc_status dc_type_unify(dc_type **out, const dc_type *a, const dc_type *b, dc_error *err)
{
    return unify(out, a, b, err);
}

/* The schema of `a`'s fields (unified) then `b`'s new ones; `a`'s metadata. */
dc_status dc_schema_unify(dc_schema **out, const dc_schema *a, const dc_schema *b,
                          dc_error *err)
{
    dc_status rc = DC_OK;
    dc_field *f = NULL;
    int32_t n = 0;
    *out = NULL;
    DC_TRY(unify_fields(&f, &n, a->fields, a->n_fields, b->fields, b->n_fields, err));
    *out = dc_schema_new(f, n, &a->metadata);
    DC_TRY_ALLOC(*out, err);
cleanup:
    for (int32_t i = 0; i < n; i++)
        dc_field_clear(&f[i]);
    dc_free(f);
    return rc;
}

/*
 * `length` rows of `type`, each element 0 of `default_value` cast (safely)
 * to `type`, or nulls. DC_ESCHEMA when the default does not cast,
 * DC_EINVALID when the default array is empty.
 */
dc_status dc_array_fill(dc_array **out, const dc_type *type, const dc_array *default_value,
                        int64_t length, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array *one = NULL, *cast = NULL;
    int64_t *zeros = NULL;
    *out = NULL;
    if (length < 0)
        return dc_error_set(err, DC_EINVALID, "fill: negative length %" PRId64, length);
    if (!default_value)
        return dc_array_new_null(out, type, length, err);
    if (default_value->length < 1)
        return dc_error_set(err, DC_EINVALID,
                            "fill: the default value array is empty; give one value or none");
    DC_TRY(dc_array_slice(&one, default_value, 0, 1, err));
    rc = dc_cast(&cast, one, type, true, err);
    if (rc != DC_OK) {
        dc_error_prefix(err, "default value: ");
        if (err)
            err->code = DC_ESCHEMA;
        rc = DC_ESCHEMA;
        goto cleanup;
    }
    if (!dc_array_valid(cast, 0)) {
        rc = dc_array_new_null(out, type, length, err);
        goto cleanup;
    }
    zeros = dc_calloc((size_t)(length ? length : 1), sizeof *zeros);
    DC_TRY_ALLOC(zeros, err);
    rc = dc_kernel__take(out, cast, zeros, length, false, err);
cleanup:
    dc_array_unref(one);
    dc_array_unref(cast);
    dc_free(zeros);
    return rc;
}

static bool has_nulls(const dc_array *a)
{
    return a->type->id == DC_TYPE_NULL ? a->length > 0 : a->null_count > 0;
}

/*
 * `b` under `target`: matched by name, cast safely, missing columns filled.
 * DC_ESCHEMA naming the column for an extra column, a failed cast, or nulls
 * (missing or present) in a non-nullable field.
 */
dc_status dc_batch_conform(dc_batch **out, const dc_batch *b, const dc_schema *target,
                           dc_array *const *defaults, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t nt = target->n_fields;
    dc_array **cols = NULL;
    *out = NULL;
    for (int32_t j = 0; j < b->schema->n_fields; j++) {
        const char *name = b->schema->fields[j].name;
        if (dc_schema_find(target, name) < 0) {
            rc = dc_error_set(err, DC_ESCHEMA,
                              "column '%s' is not in the target schema; add it to the schema "
                              "or drop it",
                              name);
            dc_error_at(err, NULL, name, -1, -1);
            return rc;
        }
    }
    cols = dc_calloc((size_t)(nt ? nt : 1), sizeof *cols);
    DC_TRY_ALLOC(cols, err);
    for (int32_t k = 0; k < nt; k++) {
        const dc_field *f = &target->fields[k];
        int32_t j = dc_schema_find(b->schema, f->name);
        const dc_array *def = defaults ? defaults[k] : NULL;
        if (j >= 0)
            rc = dc_cast(&cols[k], b->columns[j], f->type, true, err);
        else if (!def && !f->nullable)
            rc = dc_error_set(err, DC_ESCHEMA,
                              "column '%s' is missing, not nullable and has no default; "
                              "give a default or make it nullable",
                              f->name);
        else
            rc = dc_array_fill(&cols[k], f->type, def, b->length, err);
        if (rc == DC_OK && !f->nullable && has_nulls(cols[k]))
            rc = dc_error_set(err, DC_ESCHEMA,
                              "column '%s' is not nullable but has %" PRId64
                              " null values; fill them or make the field nullable",
                              f->name, cols[k]->type->id == DC_TYPE_NULL ? cols[k]->length
                                                                         : cols[k]->null_count);
        if (rc != DC_OK) {
            if (err && !strstr(err->message, f->name))
                dc_error_prefix(err, "column '%s': ", f->name);
            dc_error_at(err, NULL, f->name, -1, -1);
            goto cleanup;
        }
    }
    rc = dc_batch_new(out, target, cols, b->length, err);
cleanup:
    if (cols) {
        for (int32_t k = 0; k < nt; k++)
            dc_array_unref(cols[k]);
        dc_free(cols);
    }
    return rc;
}
