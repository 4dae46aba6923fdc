/*
 * tschema.c: the rules of a table's schema (see tschema_int.h).
 *
 * Notes on the design.
 *  1. A table schema is a plain dc_schema; every deltacat attribute lives in
 *     field metadata, so nothing here needs a struct of its own and every
 *     result is an ordinary immutable schema the caller stores as JSON.
 *  2. Field ids identify a column for its whole life: renames keep them,
 *     readers of old files match columns by them, and a dropped column's id is
 *     never handed out again because new ids come from the caller's
 *     `next_id`, which only grows (and is bumped past every id in sight).
 *  3. Functions build their result in scratch fields and publish it (and the
 *     new next_id) only on success: a failed call changes nothing.
 */
#include "catalog/tschema_int.h"

#include "core/json_int.h"

#include <inttypes.h>
#include <stdio.h>

#define MAX_FIELD_ID INT32_MAX /* ids become Parquet field ids (int32) */

/* ---- errors ------------------------------------------------------------------------ */

/* Set `err` to (code, message) about `column` (recorded in err->column too). */
DC_PRINTF(4, 5)
static dc_status col_error(dc_error *err, dc_status code, const char *column, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dc_error_setv(err, code, fmt, ap);
    va_end(ap);
    if (err) {
        err->column[0] = '\0';
        dc_error_at(err, NULL, column, -1, -1);
    }
    return code;
}

/* "int64" for messages; "?" when out of memory. Free with dc_free. */
static char *type_name(const dc_type *t)
{
    char *s = dc_type_to_string(t);
    return s ? s : dc_strdup("?");
}

/* ---- attributes -------------------------------------------------------------------- */

static const char *attr(const dc_field *f, const char *key)
{
    return dc_metadata_get(&f->metadata, key);
}

/* A field id: decimal digits making 1..MAX_FIELD_ID; -1 otherwise. */
static int64_t parse_id(const char *s)
{
    if (!s || !*s)
        return -1;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
        if (v > MAX_FIELD_ID)
            return -1;
    }
    return v >= 1 ? v : -1;
}

int64_t dc_tfield_id(const dc_field *f)
{
    return parse_id(attr(f, DC_TFIELD_ID));
}

static bool flag(const dc_field *f, const char *key)
{
    const char *v = attr(f, key);
    return v && strcmp(v, "true") == 0;
}

bool dc_tfield_is_merge_key(const dc_field *f)
{
    return flag(f, DC_TFIELD_MERGE_KEY);
}
bool dc_tfield_is_event_time(const dc_field *f)
{
    return flag(f, DC_TFIELD_EVENT_TIME);
}
const char *dc_tfield_past_default(const dc_field *f)
{
    return attr(f, DC_TFIELD_PAST_DEFAULT);
}
const char *dc_tfield_future_default(const dc_field *f)
{
    return attr(f, DC_TFIELD_FUTURE_DEFAULT);
}

/* A copy of `src` without `key` (when `key` is NULL and `strip`: without the
 * attributes a column of a write must not bring: deltacat.* but the doc, and
 * the Parquet field id). */
static dc_status metadata_filtered(dc_metadata *dst, const dc_metadata *src, const char *key,
                                   bool strip)
{
    memset(dst, 0, sizeof *dst);
    for (int32_t i = 0; src && i < src->n; i++) {
        const char *k = src->keys[i];
        if (key && strcmp(k, key) == 0)
            continue;
        if (strip && ((strncmp(k, "deltacat.", 9) == 0 && strcmp(k, DC_TFIELD_DOC) != 0) ||
                      strcmp(k, DC_PARQUET_FIELD_ID) == 0))
            continue;
        if (dc_metadata_set(dst, k, src->values[i]) != DC_OK) {
            dc_metadata_clear(dst);
            return DC_ENOMEM;
        }
    }
    return DC_OK;
}

/* Set (value non-NULL) or remove (value NULL) attribute `key` of `f`. */
static dc_status set_attr(dc_field *f, const char *key, const char *value, dc_error *err)
{
    if (value)
        return dc_metadata_set(&f->metadata, key, value) == DC_OK ? DC_OK : dc_error_nomem(err);
    dc_metadata m;
    if (metadata_filtered(&m, &f->metadata, key, false) != DC_OK)
        return dc_error_nomem(err);
    dc_metadata_clear(&f->metadata);
    f->metadata = m;
    return DC_OK;
}

/* ---- defaults ---------------------------------------------------------------------- */

/* A 1-value array of the JSON value `j` (not null): int64, double, bool, or utf8
 * holding a string's text or a container's JSON text. */
static dc_status json_value_array(dc_array **out, const json_t *j, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_builder *b = NULL;
    dc_type *t = NULL;
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_type_id id = DC_TYPE_UTF8;
    if (json_is_integer(j))
        id = DC_TYPE_INT64;
    else if (json_is_real(j))
        id = DC_TYPE_FLOAT64;
    else if (json_is_boolean(j))
        id = DC_TYPE_BOOL;
    t = dc_type_new(id);
    DC_TRY_ALLOC(t, err);
    DC_TRY(dc_builder_new(&b, t, err));
    switch (json_typeof(j)) {
    case JSON_INTEGER: rc = dc_builder_append_int(b, (int64_t)json_integer_value(j)); break;
    case JSON_REAL: rc = dc_builder_append_double(b, json_real_value(j)); break;
    case JSON_TRUE:
    case JSON_FALSE: rc = dc_builder_append_bool(b, json_is_true(j)); break;
    case JSON_STRING:
        rc = dc_builder_append_bytes(b, json_string_value(j), (int64_t)json_string_length(j));
        break;
    default:
        rc = dc_json_dump(&s, j);
        if (rc == DC_OK)
            rc = dc_builder_append_bytes(b, s.data ? s.data : "", s.len);
        break;
    }
    if (rc != DC_OK) {
        rc = rc == DC_ENOMEM ? dc_error_nomem(err)
                             : dc_error_set(err, rc, "cannot hold the default value");
        goto cleanup;
    }
    rc = dc_builder_finish(b, out, err);
cleanup:
    dc_builder_free(b);
    dc_type_unref(t);
    dc_strbuf_free(&s);
    return rc;
}

dc_status dc_tfield_default_value(const dc_field *f, const char *json_text, dc_array **out,
                                  dc_error *err)
{
    dc_status rc = DC_OK;
    json_t *j = NULL;
    dc_array *one = NULL;
    char *tn = NULL;
    dc_error e;
    dc_error_clear(&e);
    *out = NULL;
    if (!json_text)
        return col_error(err, DC_EINVALID, f->name, "column \"%s\": no default text given",
                         f->name);
    rc = dc_json_parse(&j, json_text, strlen(json_text), "default", &e);
    if (rc != DC_OK) {
        rc = col_error(err, DC_EINVALID, f->name,
                       "column \"%s\": default '%.200s' is not a JSON literal (%s); write it as "
                       "JSON: 5, 1.5, true, \"text\", null",
                       f->name, json_text, e.message);
        goto cleanup;
    }
    if (json_is_null(j)) {
        rc = dc_array_new_null(out, f->type, 1, err);
        goto cleanup;
    }
    DC_TRY(json_value_array(&one, j, err));
    rc = dc_cast(out, one, f->type, true, &e);
    if (rc == DC_ENOMEM) {
        rc = dc_error_nomem(err);
    } else if (rc != DC_OK) {
        tn = type_name(f->type);
        rc = col_error(err, DC_EINVALID, f->name,
                       "column \"%s\": default '%.200s' does not convert to %s (%s); give a "
                       "value of the column's type",
                       f->name, json_text, tn ? tn : "?", e.message);
    }
cleanup:
    json_decref(j);
    dc_array_unref(one);
    dc_free(tn);
    return rc;
}

/* ---- validation -------------------------------------------------------------------- */

/* Can values of `t` be merge keys? Floating point (NaN, -0.0), nested values and the
 * null type have no usable equality; a dictionary is as its values. */
static bool keyable(const dc_type *t)
{
    if (t->id == DC_TYPE_DICTIONARY)
        return keyable(t->value_type);
    return t->id != DC_TYPE_NULL && !dc_type_is_floating(t->id) && !dc_type_is_nested(t->id);
}

static dc_status check_flag_text(const dc_field *f, const char *key, dc_error *err)
{
    const char *v = attr(f, key);
    if (v && strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
        return col_error(err, DC_EINVALID, f->name,
                         "column \"%s\": attribute %s is '%.100s'; it must be \"true\" or "
                         "\"false\"",
                         f->name, key, v);
    return DC_OK;
}

/* A default of `f` (attribute `key`) must convert to its type, and cannot be null
 * when the field is not nullable. */
static dc_status check_default(const dc_field *f, const char *key, dc_error *err)
{
    const char *text = attr(f, key);
    dc_array *v = NULL;
    if (!text)
        return DC_OK;
    dc_status rc = dc_tfield_default_value(f, text, &v, err);
    if (rc == DC_OK && v && !f->nullable && !dc_array_valid(v, 0))
        rc = col_error(err, DC_EINVALID, f->name,
                       "column \"%s\" is not nullable but its %s is null; give a value or make "
                       "the column nullable",
                       f->name, key + 9);
    dc_array_unref(v);
    return rc;
}

static dc_status merge_key_error(const dc_field *f, const dc_type *t, dc_error *err)
{
    if (f->nullable)
        return col_error(err, DC_EINVALID, f->name,
                         "column \"%s\" is a merge key and so cannot be nullable; declare it "
                         "not null",
                         f->name);
    char *tn = type_name(t);
    dc_status rc = col_error(err, DC_EINVALID, f->name,
                             "column \"%s\" of type %s cannot be a merge key (floating-point, "
                             "nested and null types cannot); pick another column or type",
                             f->name, tn ? tn : "?");
    dc_free(tn);
    return rc;
}

/* The attributes of a top-level field: their text, the merge-key and event-time
 * rules, and the defaults. DC_EINVALID naming the column. */
static dc_status check_field(const dc_field *f, dc_error *err)
{
    dc_status rc;
    const char *id = attr(f, DC_TFIELD_ID);
    if (id && parse_id(id) < 0)
        return col_error(err, DC_EINVALID, f->name,
                         "column \"%s\": %s '%.100s' is not a field id (an integer from 1 to "
                         "%d); fix it or leave it out to have one assigned",
                         f->name, DC_TFIELD_ID, id, MAX_FIELD_ID);
    if ((rc = check_flag_text(f, DC_TFIELD_MERGE_KEY, err)) != DC_OK ||
        (rc = check_flag_text(f, DC_TFIELD_EVENT_TIME, err)) != DC_OK)
        return rc;
    const char *order = attr(f, DC_TFIELD_MERGE_ORDER);
    if (order && strcmp(order, "ascending") != 0 && strcmp(order, "descending") != 0)
        return col_error(err, DC_EINVALID, f->name,
                         "column \"%s\": %s is '%.100s'; it must be \"ascending\" or "
                         "\"descending\"",
                         f->name, DC_TFIELD_MERGE_ORDER, order);
    if (order && dc_tfield_is_merge_key(f))
        return col_error(err, DC_EINVALID, f->name,
                         "column \"%s\" is a merge key and has a merge order: the order ranks "
                         "the rows of one key, so it belongs on another column (a version, a "
                         "timestamp)",
                         f->name);
    if (dc_tfield_is_merge_key(f) && (f->nullable || !keyable(f->type)))
        return merge_key_error(f, f->type, err);
    if (dc_tfield_is_event_time(f)) {
        dc_type_id t = f->type->id;
        if (t != DC_TYPE_DATE32 && t != DC_TYPE_DATE64 && t != DC_TYPE_TIMESTAMP &&
            !dc_type_is_integer(t)) {
            char *tn = type_name(f->type);
            rc = col_error(err, DC_EINVALID, f->name,
                           "column \"%s\" of type %s cannot be the event time; it must be a "
                           "date, a timestamp or an integer",
                           f->name, tn ? tn : "?");
            dc_free(tn);
            return rc;
        }
    }
    if ((rc = check_default(f, DC_TFIELD_PAST_DEFAULT, err)) != DC_OK ||
        (rc = check_default(f, DC_TFIELD_FUTURE_DEFAULT, err)) != DC_OK)
        return rc;
    return DC_OK;
}

/* Struct children, recursively: non-empty unique names, valid id text. `path` names
 * the parent for messages. */
static dc_status check_children(const dc_type *t, const char *path, dc_error *err)
{
    if (t->id != DC_TYPE_STRUCT)
        return DC_OK;
    for (int32_t i = 0; i < t->n_children; i++) {
        const dc_field *c = &t->children[i];
        char sub[DC_ERROR_COLUMN_MAX];
        snprintf(sub, sizeof sub, "%s.%s", path, c->name);
        if (!c->name[0])
            return col_error(err, DC_EINVALID, path,
                             "column \"%s\": struct field %" PRId32 " has an empty name; name "
                             "every field",
                             path, i);
        for (int32_t j = 0; j < i; j++)
            if (strcmp(t->children[j].name, c->name) == 0)
                return col_error(err, DC_EINVALID, sub,
                                 "column \"%s\" appears twice in its struct; field names must "
                                 "be unique",
                                 sub);
        const char *id = attr(c, DC_TFIELD_ID);
        if (id && parse_id(id) < 0)
            return col_error(err, DC_EINVALID, sub,
                             "column \"%s\": %s '%.100s' is not a field id (an integer from 1 "
                             "to %d); fix it or leave it out",
                             sub, DC_TFIELD_ID, id, MAX_FIELD_ID);
        dc_status rc = check_children(c->type, sub, err);
        if (rc != DC_OK)
            return rc;
    }
    return DC_OK;
}

/* Every rule of a table schema's fields (see dc_tschema_prepare). */
static dc_status validate_fields(const dc_field *fs, int32_t n, dc_error *err)
{
    int32_t event_time = -1;
    for (int32_t i = 0; i < n; i++) {
        const dc_field *f = &fs[i];
        dc_status rc;
        if (!f->name || !f->name[0])
            return dc_error_set(err, DC_EINVALID,
                                "column %" PRId32 " has an empty name; name every column", i);
        for (int32_t j = 0; j < i; j++)
            if (strcmp(fs[j].name, f->name) == 0)
                return col_error(err, DC_EINVALID, f->name,
                                 "column \"%s\" appears twice (columns %" PRId32 " and %" PRId32
                                 "); column names must be unique",
                                 f->name, j, i);
        if ((rc = check_field(f, err)) != DC_OK || (rc = check_children(f->type, f->name, err)))
            return rc;
        if (dc_tfield_is_event_time(f)) {
            if (event_time >= 0)
                return col_error(err, DC_EINVALID, f->name,
                                 "columns \"%s\" and \"%s\" are both marked as the event time; "
                                 "a table has at most one",
                                 fs[event_time].name, f->name);
            event_time = i;
        }
    }
    return DC_OK;
}

/* ---- field ids --------------------------------------------------------------------- */

typedef struct idset {
    int64_t *v;
    int64_t n, cap;
} idset;

static bool idset_has(const idset *s, int64_t id)
{
    for (int64_t i = 0; i < s->n; i++)
        if (s->v[i] == id)
            return true;
    return false;
}

static dc_status idset_add(idset *s, int64_t id, dc_error *err)
{
    if (s->n == s->cap) {
        int64_t cap = s->cap ? s->cap * 2 : 16;
        int64_t *v = dc_realloc(s->v, (size_t)cap * sizeof *v);
        if (!v)
            return dc_error_nomem(err);
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = id;
    return DC_OK;
}

/*
 * Assigns ids. `used`: every id a field holds or will hold (fresh ids avoid
 * them); `claimed`: with keep_src, the ids already kept by a field (a second
 * holder gets a fresh one); `next`: where the search for a fresh id starts;
 * `strip`: a new field's metadata loses what a write must not bring.
 */
typedef struct idgen {
    idset used, claimed;
    int64_t next;
    bool keep_src;
    bool strip;
} idgen;

static void idgen_free(idgen *g)
{
    dc_free(g->used.v);
    dc_free(g->claimed.v);
}

/* Add the valid ids of `f` and its struct children to g->used (once each). */
static dc_status collect_ids(idgen *g, const dc_field *f, dc_error *err)
{
    int64_t id = dc_tfield_id(f);
    if (id > 0 && !idset_has(&g->used, id)) {
        dc_status rc = idset_add(&g->used, id, err);
        if (rc != DC_OK)
            return rc;
    }
    if (f->type->id == DC_TYPE_STRUCT)
        for (int32_t i = 0; i < f->type->n_children; i++) {
            dc_status rc = collect_ids(g, &f->type->children[i], err);
            if (rc != DC_OK)
                return rc;
        }
    return DC_OK;
}

/* The largest id in g->used, plus one, or `floor` if larger. */
static int64_t next_after_used(const idgen *g, int64_t floor)
{
    int64_t next = floor < 1 ? 1 : floor;
    for (int64_t i = 0; i < g->used.n; i++)
        if (g->used.v[i] >= next)
            next = g->used.v[i] + 1;
    return next;
}

static dc_status fresh_id(idgen *g, int64_t *out, dc_error *err)
{
    while (idset_has(&g->used, g->next))
        g->next++;
    if (g->next > MAX_FIELD_ID)
        return dc_error_set(err, DC_ESCHEMA,
                            "the table has used every field id up to %d; recreate the table to "
                            "add columns",
                            MAX_FIELD_ID);
    *out = g->next++;
    return idset_add(&g->used, *out, err);
}

static const dc_field *find_child(const dc_type *t, const char *name)
{
    for (int32_t i = 0; t && i < t->n_children; i++)
        if (strcmp(t->children[i].name, name) == 0)
            return &t->children[i];
    return NULL;
}

/*
 * *dst = `src` with an id on it and on its struct children. `old` (may be NULL)
 * is the same field as the table had it: its id and metadata stay, and its
 * children give theirs by name. A field without `old` keeps its own id
 * (keep_src, when not claimed yet) or gets a fresh one.
 */
static dc_status with_ids(dc_field *dst, const dc_field *src, const dc_field *old, idgen *g,
                          dc_error *err)
{
    dc_status rc = DC_OK;
    dc_metadata md = {0};
    dc_type *t = NULL;
    dc_field *kids = NULL;
    int32_t nk = 0;
    char buf[24];
    memset(dst, 0, sizeof *dst);
    int64_t id = old ? dc_tfield_id(old) : -1;
    if (id < 0 && g->keep_src) {
        int64_t own = dc_tfield_id(src);
        if (own > 0 && !idset_has(&g->claimed, own)) {
            id = own;
            DC_TRY(idset_add(&g->claimed, own, err));
        }
    }
    if (id < 0)
        DC_TRY(fresh_id(g, &id, err));
    if (old ? dc_metadata_copy(&md, &old->metadata) != DC_OK
            : metadata_filtered(&md, &src->metadata, NULL, g->strip) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    snprintf(buf, sizeof buf, "%" PRId64, id);
    if (dc_metadata_set(&md, DC_TFIELD_ID, buf) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    if (src->type->id == DC_TYPE_STRUCT) {
        const dc_type *ot = old && old->type->id == DC_TYPE_STRUCT ? old->type : NULL;
        kids = dc_calloc((size_t)(src->type->n_children ? src->type->n_children : 1), sizeof *kids);
        DC_TRY_ALLOC(kids, err);
        for (; nk < src->type->n_children; nk++) {
            const dc_field *c = &src->type->children[nk];
            DC_TRY(with_ids(&kids[nk], c, find_child(ot, c->name), g, err));
        }
        t = dc_type_struct(kids, nk);
    } else {
        t = dc_type_ref(src->type);
    }
    DC_TRY_ALLOC(t, err);
    if (dc_field_init(dst, src->name, t, src->nullable, &md) != DC_OK)
        rc = dc_error_nomem(err);
cleanup:
    for (int32_t i = 0; kids && i < nk; i++)
        dc_field_clear(&kids[i]);
    dc_free(kids);
    dc_type_unref(t);
    dc_metadata_clear(&md);
    return rc;
}

/* A vector of owned fields (the schema being built). */
typedef struct fieldvec {
    dc_field *v;
    int32_t n;
} fieldvec;

static void fieldvec_free(fieldvec *fv)
{
    for (int32_t i = 0; fv->v && i < fv->n; i++)
        dc_field_clear(&fv->v[i]);
    dc_free(fv->v);
    fv->v = NULL;
    fv->n = 0;
}

/* Copies of `s`'s fields, with room for `extra` more. */
static dc_status fieldvec_copy(fieldvec *fv, const dc_schema *s, int32_t extra, dc_error *err)
{
    int64_t cap = (int64_t)s->n_fields + extra;
    fv->n = 0;
    fv->v = dc_calloc((size_t)(cap > 0 ? cap : 1), sizeof *fv->v);
    if (!fv->v)
        return dc_error_nomem(err);
    for (; fv->n < s->n_fields; fv->n++)
        if (dc_field_copy(&fv->v[fv->n], &s->fields[fv->n]) != DC_OK)
            return dc_error_nomem(err);
    return DC_OK;
}

/* Replace fv->v[k] by *f (moved). */
static void fieldvec_put(fieldvec *fv, int32_t k, dc_field *f)
{
    dc_field_clear(&fv->v[k]);
    fv->v[k] = *f;
    memset(f, 0, sizeof *f);
}

static int32_t fieldvec_find(const fieldvec *fv, const char *name)
{
    for (int32_t i = 0; i < fv->n; i++)
        if (strcmp(fv->v[i].name, name) == 0)
            return i;
    return -1;
}

static dc_status publish(dc_schema **out, const fieldvec *fv, const dc_metadata *md, dc_error *err)
{
    *out = dc_schema_new(fv->v, fv->n, md);
    return *out ? DC_OK : dc_error_nomem(err);
}

/* ---- prepare ----------------------------------------------------------------------- */

dc_status dc_tschema_with_merge_keys(dc_schema **out, const dc_schema *in, const char *const *keys,
                                     int32_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    fieldvec fv = {0};
    *out = NULL;
    fv.v = dc_calloc((size_t)(in->n_fields ? in->n_fields : 1), sizeof *fv.v);
    DC_TRY_ALLOC(fv.v, err);
    for (; fv.n < in->n_fields; fv.n++)
        if (dc_field_copy(&fv.v[fv.n], &in->fields[fv.n]) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    for (int32_t k = 0; k < n; k++) {
        const char *name = keys ? keys[k] : NULL;
        if (!name || !*name) {
            rc = dc_error_set(err, DC_EINVALID, "merge key %d has no name", (int)k + 1);
            goto cleanup;
        }
        int32_t i = fieldvec_find(&fv, name);
        if (i < 0) {
            rc = col_error(err, DC_EINVALID, name,
                           "merge key %s is not a column of the table's schema", name);
            goto cleanup;
        }
        for (int32_t j = 0; j < k; j++)
            if (strcmp(keys[j], name) == 0) {
                rc = col_error(err, DC_EINVALID, name, "merge key %s is given twice", name);
                goto cleanup;
            }
        DC_TRY(set_attr(&fv.v[i], DC_TFIELD_MERGE_KEY, "true", err));
        fv.v[i].nullable = false;
    }
    DC_TRY(publish(out, &fv, &in->metadata, err));
cleanup:
    fieldvec_free(&fv);
    return rc;
}

dc_status dc_tschema_prepare(dc_schema **out, const dc_schema *in, int64_t *next_id, dc_error *err)
{
    dc_status rc = DC_OK;
    idgen g = {.next = 1, .keep_src = true};
    fieldvec fv = {0};
    *out = NULL;
    DC_TRY(validate_fields(in->fields, in->n_fields, err));
    for (int32_t i = 0; i < in->n_fields; i++)
        DC_TRY(collect_ids(&g, &in->fields[i], err));
    fv.v = dc_calloc((size_t)(in->n_fields ? in->n_fields : 1), sizeof *fv.v);
    DC_TRY_ALLOC(fv.v, err);
    for (; fv.n < in->n_fields; fv.n++)
        DC_TRY(with_ids(&fv.v[fv.n], &in->fields[fv.n], NULL, &g, err));
    DC_TRY(publish(out, &fv, &in->metadata, err));
    *next_id = next_after_used(&g, 1);
cleanup:
    fieldvec_free(&fv);
    idgen_free(&g);
    return rc;
}

/* ---- evolution on write ------------------------------------------------------------ */

static const char *evolution_name(dc_evolution ev)
{
    switch (ev) {
    case DC_EVOLVE_AUTO: return "AUTO";
    case DC_EVOLVE_MANUAL: return "MANUAL";
    default: return "DISABLED";
    }
}

/* Does dc_cast support `from` -> `to`? Probed on an empty array, so the answer is
 * exactly dc_cast's dispatch; values are checked when they are cast. */
static dc_status cast_supported(const dc_type *from, const dc_type *to, bool *ok, dc_error *err)
{
    dc_array *empty = NULL, *res = NULL;
    dc_error e;
    dc_error_clear(&e);
    *ok = false;
    dc_status rc = dc_array_new_null(&empty, from, 0, err);
    if (rc != DC_OK)
        return rc;
    rc = dc_cast(&res, empty, to, true, &e);
    *ok = rc == DC_OK;
    dc_array_unref(empty);
    dc_array_unref(res);
    return rc == DC_ENOMEM ? dc_error_nomem(err) : DC_OK;
}

/* DC_ESCHEMA: column `name` has type `a` in the write and `b` in the table; `tail` says
 * what to do. */
static dc_status type_mismatch(dc_error *err, const char *name, const dc_type *a, const dc_type *b,
                               const char *tail)
{
    char *ta = type_name(a), *tb = type_name(b);
    dc_status rc = col_error(err, DC_ESCHEMA, name,
                             "column \"%s\" has type %s in the write but %s in the table; %s", name,
                             ta ? ta : "?", tb ? tb : "?", tail);
    dc_free(ta);
    dc_free(tb);
    return rc;
}

/* The table field `tf` with the write's wider type `wide` (ids and attributes kept) into *dst. */
static dc_status widen_field(dc_field *dst, const dc_field *tf, const dc_type *wide, idgen *g,
                             dc_error *err)
{
    if (dc_tfield_is_merge_key(tf) && !keyable(wide)) {
        char *tn = type_name(wide);
        dc_status rc = col_error(err, DC_ESCHEMA, tf->name,
                                 "column \"%s\" is a merge key and cannot widen to %s; cast the "
                                 "data to the column's type",
                                 tf->name, tn ? tn : "?");
        dc_free(tn);
        return rc;
    }
    dc_field src = *tf; /* shallow: only read */
    src.type = (dc_type *)wide;
    return with_ids(dst, &src, tf, g, err);
}

/* One column `f` of the write against the table's column k (fv holds the new schema). */
static dc_status evolve_column(fieldvec *fv, int32_t k, const dc_field *tf, const dc_field *f,
                               dc_evolution ev, dc_consistency cons, idgen *g, bool *changed,
                               dc_error *err)
{
    dc_status rc = DC_OK;
    if (dc_type_equals(f->type, tf->type))
        return DC_OK;
    if (cons == DC_CONSIST_VALIDATE)
        return type_mismatch(err, f->name, f->type, tf->type,
                             "schema consistency VALIDATE requires the table's type exactly; "
                             "cast the data first");
    if (cons == DC_CONSIST_COERCE) {
        bool ok;
        if ((rc = cast_supported(f->type, tf->type, &ok, err)) != DC_OK)
            return rc;
        return ok ? DC_OK
                  : type_mismatch(err, f->name, f->type, tf->type,
                                  "there is no cast between them (schema consistency COERCE); "
                                  "cast the data first");
    }
    if (dc_type_widens_to(f->type, tf->type))
        return DC_OK;
    if (!dc_type_widens_to(tf->type, f->type))
        return type_mismatch(err, f->name, f->type, tf->type,
                             "neither type widens to the other; cast the data to the table's "
                             "type or use schema consistency COERCE");
    if (ev != DC_EVOLVE_AUTO) {
        char tail[160];
        snprintf(tail, sizeof tail,
                 "schema evolution is %s; widen the column with a schema update first",
                 evolution_name(ev));
        return type_mismatch(err, f->name, f->type, tf->type, tail);
    }
    dc_field wide;
    if ((rc = widen_field(&wide, tf, f->type, g, err)) != DC_OK)
        return rc;
    fieldvec_put(fv, k, &wide);
    *changed = true;
    return DC_OK;
}

dc_status dc_tschema_evolve_for_write(dc_schema **out, bool *changed, const dc_schema *table,
                                      const dc_schema *in, dc_evolution ev, dc_consistency cons,
                                      int64_t *next_id, dc_error *err)
{
    dc_status rc = DC_OK;
    idgen g = {.strip = true};
    fieldvec fv = {0};
    bool ch = false;
    *out = NULL;
    *changed = false;
    if (!table) {
        rc = dc_tschema_prepare(out, in, next_id, err);
        *changed = rc == DC_OK;
        return rc;
    }
    for (int32_t i = 0; i < in->n_fields; i++)
        for (int32_t j = 0; j < i; j++)
            if (strcmp(in->fields[i].name, in->fields[j].name) == 0)
                return col_error(err, DC_ESCHEMA, in->fields[i].name,
                                 "the write has two columns named \"%s\"; column names must be "
                                 "unique",
                                 in->fields[i].name);
    for (int32_t i = 0; i < table->n_fields; i++)
        DC_TRY(collect_ids(&g, &table->fields[i], err));
    g.next = next_after_used(&g, *next_id);
    DC_TRY(fieldvec_copy(&fv, table, in->n_fields, err));
    for (int32_t i = 0; i < in->n_fields; i++) {
        const dc_field *f = &in->fields[i];
        int32_t k = dc_schema_find(table, f->name);
        if (k >= 0) {
            DC_TRY(evolve_column(&fv, k, &table->fields[k], f, ev, cons, &g, &ch, err));
            continue;
        }
        if (ev != DC_EVOLVE_AUTO) {
            rc = col_error(err, DC_ESCHEMA, f->name,
                           "column \"%s\" is not in the table's schema (schema evolution is %s; "
                           "add it with a schema update first)",
                           f->name, evolution_name(ev));
            goto cleanup;
        }
        dc_field src = *f; /* shallow: only read */
        src.nullable = true;
        DC_TRY(with_ids(&fv.v[fv.n], &src, NULL, &g, err));
        fv.n++;
        ch = true;
    }
    for (int32_t k = 0; k < table->n_fields; k++) {
        const dc_field *tf = &table->fields[k];
        if (dc_schema_find(in, tf->name) < 0 && !tf->nullable && !dc_tfield_future_default(tf)) {
            rc = col_error(err, DC_ESCHEMA, tf->name,
                           "column \"%s\" is required (not nullable, no future_default) but the "
                           "write lacks it",
                           tf->name);
            goto cleanup;
        }
    }
    if (ch)
        DC_TRY(publish(out, &fv, &table->metadata, err));
    else
        *out = dc_schema_ref(table);
    *changed = ch;
    *next_id = g.next;
cleanup:
    fieldvec_free(&fv);
    idgen_free(&g);
    return rc;
}

/* ---- conforming batches ------------------------------------------------------------ */

/* First null row of `a`, or -1. */
static int64_t first_null(const dc_array *a)
{
    if (a->type->id == DC_TYPE_NULL)
        return a->length > 0 ? 0 : -1;
    if (a->null_count == 0)
        return -1;
    for (int64_t i = 0; i < a->length; i++)
        if (!dc_array_valid(a, i))
            return i;
    return -1;
}

/* A column of `length` rows of f's type, each the default `text` (JSON) or null. */
static dc_status fill_default(dc_array **out, const dc_field *f, const char *text, int64_t length,
                              dc_error *err)
{
    dc_array *def = NULL;
    dc_status rc = text ? dc_tfield_default_value(f, text, &def, err) : DC_OK;
    if (rc == DC_OK)
        rc = dc_array_fill(out, f->type, def, length, err);
    dc_array_unref(def);
    return rc;
}

/* `a` cast safely to f's type; DC_ESCHEMA naming the column (`what`: "write" or "file"). */
static dc_status cast_column(dc_array **out, const dc_array *a, const dc_field *f, const char *what,
                             dc_error *err)
{
    dc_error e;
    dc_error_clear(&e);
    dc_status rc = dc_cast(out, a, f->type, true, &e);
    if (rc == DC_ENOMEM)
        return dc_error_nomem(err);
    if (rc != DC_OK)
        return col_error(err, DC_ESCHEMA, f->name, "column \"%s\" of the %s: %s", f->name, what,
                         e.message);
    return DC_OK;
}

static dc_status null_in_required(dc_error *err, const dc_field *f, int64_t row, const char *what)
{
    return col_error(err, DC_ESCHEMA, f->name,
                     "column \"%s\" is not nullable but row %" PRId64 " of the %s is null; fill "
                     "it or make the column nullable with a schema update",
                     f->name, row, what);
}

static void free_columns(dc_array **cols, int32_t n)
{
    for (int32_t k = 0; cols && k < n; k++)
        dc_array_unref(cols[k]);
    dc_free(cols);
}

dc_status dc_tschema_conform_write(dc_batch **out, const dc_batch *b, const dc_schema *table,
                                   dc_consistency cons, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t nt = table->n_fields;
    dc_array **cols = NULL;
    *out = NULL;
    for (int32_t j = 0; j < b->schema->n_fields; j++) {
        const char *name = b->schema->fields[j].name;
        if (dc_schema_find(table, name) < 0)
            return col_error(err, DC_ESCHEMA, name,
                             "column \"%s\" of the write is not in the table's schema; evolve "
                             "the schema first or drop the column",
                             name);
    }
    cols = dc_calloc((size_t)(nt ? nt : 1), sizeof *cols);
    DC_TRY_ALLOC(cols, err);
    for (int32_t k = 0; k < nt; k++) {
        const dc_field *tf = &table->fields[k];
        int32_t j = dc_schema_find(b->schema, tf->name);
        if (j >= 0) {
            const dc_array *a = b->columns[j];
            if (dc_type_equals(a->type, tf->type))
                cols[k] = dc_array_ref(a);
            else if (cons == DC_CONSIST_VALIDATE)
                DC_TRY(type_mismatch(err, tf->name, a->type, tf->type,
                                     "schema consistency VALIDATE requires the table's type "
                                     "exactly; cast the data first"));
            else
                DC_TRY(cast_column(&cols[k], a, tf, "write", err));
        } else {
            const char *fd = dc_tfield_future_default(tf);
            if (!fd && !tf->nullable) {
                rc = col_error(err, DC_ESCHEMA, tf->name,
                               "column \"%s\" is required (not nullable, no future_default) but "
                               "the write lacks it",
                               tf->name);
                goto cleanup;
            }
            DC_TRY(fill_default(&cols[k], tf, fd, b->length, err));
        }
        int64_t row = tf->nullable ? -1 : first_null(cols[k]);
        if (row >= 0) {
            rc = null_in_required(err, tf, row, "write");
            goto cleanup;
        }
    }
    rc = dc_batch_new(out, table, cols, b->length, err);
cleanup:
    free_columns(cols, nt);
    return rc;
}

/* The id a file column carries (ours, else Parquet's), or -1. */
static int64_t file_field_id(const dc_field *f)
{
    int64_t id = dc_tfield_id(f);
    return id > 0 ? id : parse_id(attr(f, DC_PARQUET_FIELD_ID));
}

/* The file column that holds table field `tf`, or -1 (see dc_tschema_conform_read). */
static int32_t match_file_column(const dc_schema *fs, const dc_field *tf)
{
    int64_t id = dc_tfield_id(tf);
    if (id > 0)
        for (int32_t j = 0; j < fs->n_fields; j++)
            if (file_field_id(&fs->fields[j]) == id)
                return j;
    for (int32_t j = 0; j < fs->n_fields; j++)
        if (strcmp(fs->fields[j].name, tf->name) == 0 &&
            (id < 0 || file_field_id(&fs->fields[j]) < 0))
            return j;
    return -1;
}

dc_status dc_tschema_conform_read(dc_batch **out, const dc_batch *file_batch,
                                  const dc_schema *table, dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t nt = table->n_fields;
    dc_array **cols = NULL;
    *out = NULL;
    cols = dc_calloc((size_t)(nt ? nt : 1), sizeof *cols);
    DC_TRY_ALLOC(cols, err);
    for (int32_t k = 0; k < nt; k++) {
        const dc_field *tf = &table->fields[k];
        int32_t j = match_file_column(file_batch->schema, tf);
        if (j >= 0) {
            const dc_array *a = file_batch->columns[j];
            if (dc_type_equals(a->type, tf->type))
                cols[k] = dc_array_ref(a);
            else
                DC_TRY(cast_column(&cols[k], a, tf, "file", err));
        } else {
            const char *pd = dc_tfield_past_default(tf);
            if (!pd && !tf->nullable) {
                rc = col_error(err, DC_ESCHEMA, tf->name,
                               "column \"%s\" is not in the file, is not nullable and has no "
                               "past_default; set a past_default with a schema update",
                               tf->name);
                goto cleanup;
            }
            DC_TRY(fill_default(&cols[k], tf, pd, file_batch->length, err));
        }
        int64_t row = tf->nullable ? -1 : first_null(cols[k]);
        if (row >= 0) {
            rc = null_in_required(err, tf, row, "file");
            goto cleanup;
        }
    }
    rc = dc_batch_new(out, table, cols, file_batch->length, err);
cleanup:
    free_columns(cols, nt);
    return rc;
}

/* ---- schema updates ---------------------------------------------------------------- */

static const char *update_name(dc_schema_update_kind k)
{
    switch (k) {
    case DC_SU_ADD: return "add";
    case DC_SU_RENAME: return "rename";
    case DC_SU_WIDEN: return "widen";
    case DC_SU_SET_DOC: return "set_doc";
    case DC_SU_SET_PAST_DEFAULT: return "set_past_default";
    case DC_SU_SET_FUTURE_DEFAULT: return "set_future_default";
    case DC_SU_DROP: return "drop";
    case DC_SU_SET_NULLABLE: return "set_nullable";
    case DC_SU_SET_MERGE_KEY: return "set_merge_key";
    default: return "unknown";
    }
}

/* An error about update `i`: "schema update I (KIND of column "C"): ...". */
DC_PRINTF(5, 6)
static dc_status su_error(dc_error *err, dc_status code, int32_t i, const dc_schema_update *u,
                          const char *fmt, ...)
{
    char msg[DC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *col = u->column ? u->column : "";
    return col_error(err, code, col, "schema update %" PRId32 " (%s of column \"%s\"): %s", i,
                     update_name(u->kind), col, msg);
}

/* Re-frame an error `e` from a field check as an error of update `i`. */
static dc_status su_wrap(dc_error *err, dc_status rc, int32_t i, const dc_schema_update *u,
                         const dc_error *e)
{
    if (rc == DC_ENOMEM)
        return dc_error_nomem(err);
    return su_error(err, rc, i, u, "%s", e->message);
}

static dc_status incompatible(dc_error *err, int32_t i, const dc_schema_update *u, const char *why)
{
    return su_error(err, DC_ESCHEMA, i, u,
                    "the change is incompatible: %s; pass allow_incompatible to apply it anyway",
                    why);
}

/* The scratch copy *f checked as a table field, then moved into slot k (or appended when
 * k == fv->n). */
static dc_status commit_field(fieldvec *fv, int32_t k, dc_field *f, int32_t i,
                              const dc_schema_update *u, dc_error *err)
{
    dc_error e;
    dc_error_clear(&e);
    dc_status rc = check_field(f, &e);
    if (rc != DC_OK) {
        dc_field_clear(f);
        return su_wrap(err, rc, i, u, &e);
    }
    if (k == fv->n) {
        fv->v[fv->n++] = *f;
        memset(f, 0, sizeof *f);
    } else {
        fieldvec_put(fv, k, f);
    }
    return DC_OK;
}

static dc_status su_add(fieldvec *fv, int32_t i, const dc_schema_update *u, bool allow, idgen *g,
                        dc_error *err)
{
    dc_status rc = DC_OK;
    dc_field src = {0}, nf = {0};
    if (!u->type)
        return su_error(err, DC_EINVALID, i, u, "no type given; give the new column's type");
    if (fieldvec_find(fv, u->column) >= 0)
        return su_error(err, DC_EEXISTS, i, u,
                        "a column of that name already exists; pick another name");
    if (!u->nullable && !u->text && !allow)
        return incompatible(err, i, u,
                            "it adds a non-nullable column without a default, which rows "
                            "already written cannot have; give a default or make it nullable");
    if (dc_field_init(&src, u->column, u->type, u->nullable, NULL) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    /* The metadata of a type's struct children may carry ids of elsewhere: fresh ones. */
    DC_TRY(with_ids(&nf, &src, NULL, g, err));
    if (u->text) {
        DC_TRY(set_attr(&nf, DC_TFIELD_PAST_DEFAULT, u->text, err));
        DC_TRY(set_attr(&nf, DC_TFIELD_FUTURE_DEFAULT, u->text, err));
    }
    rc = commit_field(fv, fv->n, &nf, i, u, err);
cleanup:
    dc_field_clear(&src);
    dc_field_clear(&nf);
    return rc;
}

static dc_status su_rename(fieldvec *fv, int32_t k, int32_t i, const dc_schema_update *u,
                           dc_error *err)
{
    if (!u->new_name || !u->new_name[0])
        return su_error(err, DC_EINVALID, i, u, "no new name given");
    if (strcmp(u->new_name, u->column) == 0)
        return DC_OK;
    if (fieldvec_find(fv, u->new_name) >= 0)
        return su_error(err, DC_EEXISTS, i, u,
                        "a column named \"%s\" already exists; pick another name or rename it "
                        "first",
                        u->new_name);
    char *name = dc_strdup(u->new_name);
    if (!name)
        return dc_error_nomem(err);
    dc_free(fv->v[k].name);
    fv->v[k].name = name;
    return DC_OK;
}

static dc_status su_widen(fieldvec *fv, int32_t k, int32_t i, const dc_schema_update *u, bool allow,
                          idgen *g, dc_error *err)
{
    const dc_field *f = &fv->v[k];
    dc_field nf;
    dc_error e;
    dc_error_clear(&e);
    if (!u->type)
        return su_error(err, DC_EINVALID, i, u, "no type given; give the column's new type");
    if (dc_type_equals(f->type, u->type))
        return DC_OK;
    if (!dc_type_widens_to(f->type, u->type) && !allow) {
        char *a = type_name(f->type), *b = type_name(u->type), why[400];
        snprintf(why, sizeof why, "%s does not widen to %s (values may not fit)", a ? a : "?",
                 b ? b : "?");
        dc_free(a);
        dc_free(b);
        return incompatible(err, i, u, why);
    }
    dc_status rc = widen_field(&nf, f, u->type, g, &e);
    if (rc != DC_OK)
        return su_wrap(err, rc, i, u, &e);
    return commit_field(fv, k, &nf, i, u, err);
}

/* SET_DOC, SET_*_DEFAULT, SET_NULLABLE, SET_MERGE_KEY: a changed copy of field k. */
static dc_status su_set(fieldvec *fv, int32_t k, int32_t i, const dc_schema_update *u, bool allow,
                        dc_error *err)
{
    dc_status rc = DC_OK;
    dc_field nf;
    if (dc_field_copy(&nf, &fv->v[k]) != DC_OK)
        return dc_error_nomem(err);
    switch (u->kind) {
    case DC_SU_SET_DOC: DC_TRY(set_attr(&nf, DC_TFIELD_DOC, u->text, err)); break;
    case DC_SU_SET_PAST_DEFAULT: DC_TRY(set_attr(&nf, DC_TFIELD_PAST_DEFAULT, u->text, err)); break;
    case DC_SU_SET_FUTURE_DEFAULT:
        DC_TRY(set_attr(&nf, DC_TFIELD_FUTURE_DEFAULT, u->text, err));
        break;
    case DC_SU_SET_NULLABLE:
        if (u->nullable && dc_tfield_is_merge_key(&nf)) {
            rc = su_error(err, DC_EINVALID, i, u,
                          "a merge key cannot be nullable; unset the merge key first");
            goto cleanup;
        }
        if (!u->nullable && nf.nullable && !allow) {
            rc = incompatible(err, i, u, "rows already written may hold nulls");
            goto cleanup;
        }
        nf.nullable = u->nullable;
        break;
    default: /* DC_SU_SET_MERGE_KEY */
        if (u->merge_key == dc_tfield_is_merge_key(&nf))
            break;
        if (!allow) {
            rc = incompatible(err, i, u,
                              "changing the merge keys changes which rows are the same row for "
                              "the data already written");
            goto cleanup;
        }
        if (u->merge_key) { /* a key orders nothing: its merge order goes */
            DC_TRY(set_attr(&nf, DC_TFIELD_MERGE_KEY, "true", err));
            DC_TRY(set_attr(&nf, DC_TFIELD_MERGE_ORDER, NULL, err));
        } else {
            DC_TRY(set_attr(&nf, DC_TFIELD_MERGE_KEY, NULL, err));
        }
        break;
    }
    return commit_field(fv, k, &nf, i, u, err);
cleanup:
    dc_field_clear(&nf);
    return rc;
}

static dc_status apply_one(fieldvec *fv, int32_t i, const dc_schema_update *u, bool allow, idgen *g,
                           dc_error *err)
{
    if ((int)u->kind < (int)DC_SU_ADD || (int)u->kind > (int)DC_SU_SET_MERGE_KEY)
        return su_error(err, DC_EINVALID, i, u, "unknown kind %d", (int)u->kind);
    if (!u->column || !u->column[0])
        return su_error(err, DC_EINVALID, i, u, "no column named; name the column to change");
    if (u->kind == DC_SU_ADD)
        return su_add(fv, i, u, allow, g, err);
    int32_t k = fieldvec_find(fv, u->column);
    if (k < 0)
        return su_error(err, DC_ENOTFOUND, i, u, "the table has no column \"%s\"", u->column);
    switch (u->kind) {
    case DC_SU_RENAME: return su_rename(fv, k, i, u, err);
    case DC_SU_WIDEN: return su_widen(fv, k, i, u, allow, g, err);
    case DC_SU_DROP:
        if (!allow)
            return incompatible(err, i, u, "dropping a column loses its data for every reader");
        dc_field_clear(&fv->v[k]);
        memmove(&fv->v[k], &fv->v[k + 1], (size_t)(fv->n - k - 1) * sizeof *fv->v);
        fv->n--;
        return DC_OK;
    default: return su_set(fv, k, i, u, allow, err);
    }
}

dc_status dc_tschema_apply_updates(dc_schema **out, const dc_schema *table,
                                   const dc_schema_update *u, int32_t n, bool allow_incompatible,
                                   int64_t *next_id, dc_error *err)
{
    dc_status rc = DC_OK;
    idgen g = {0};
    fieldvec fv = {0};
    *out = NULL;
    if (n < 0 || (n > 0 && !u))
        return dc_error_set(err, DC_EINVALID, "schema updates: bad list (%" PRId32 " updates)", n);
    for (int32_t i = 0; i < table->n_fields; i++)
        DC_TRY(collect_ids(&g, &table->fields[i], err));
    g.next = next_after_used(&g, *next_id);
    DC_TRY(fieldvec_copy(&fv, table, n, err));
    for (int32_t i = 0; i < n; i++)
        DC_TRY(apply_one(&fv, i, &u[i], allow_incompatible, &g, err));
    rc = validate_fields(fv.v, fv.n, err);
    if (rc != DC_OK) {
        dc_error_prefix(err, "after the schema updates: ");
        goto cleanup;
    }
    DC_TRY(publish(out, &fv, &table->metadata, err));
    *next_id = g.next;
cleanup:
    fieldvec_free(&fv);
    idgen_free(&g);
    return rc;
}

/* ---- readers ----------------------------------------------------------------------- */

static const char *const k_readers[] = {"pyarrow", "pandas", "polars",     "daft",
                                        "numpy",   "duckdb", "ray_dataset"};

/*
 * Types a reader cannot hold, with the reason. Conservative: a type is listed
 * when the library has no native representation for it, even where a
 * conversion to Python objects exists. pyarrow and ray_dataset (whose blocks
 * are pyarrow tables) read every Arrow type we produce: no rule.
 * Rules apply to nested types too (a list of decimal256 is rejected where
 * decimal256 is).
 */
typedef struct reader_rule {
    const char *reader;
    dc_type_id type;
    const char *why;
} reader_rule;

static const reader_rule k_rules[] = {
    /* pandas converts through numpy (to_pandas): no 256-bit decimal dtype. */
    {"pandas", DC_TYPE_DECIMAL256, "pandas (through numpy) holds decimals of at most 128 bits"},
    /* numpy has no decimal dtype at all; decimal128 comes as an object array of Python
     * Decimals (accepted), decimal256 is refused as for pandas. */
    {"numpy", DC_TYPE_DECIMAL256, "numpy holds decimals of at most 128 bits"},
    /* numpy arrays are flat values: a nested value becomes a Python object per row. */
    {"numpy", DC_TYPE_LIST, "numpy cannot hold nested values"},
    {"numpy", DC_TYPE_LARGE_LIST, "numpy cannot hold nested values"},
    {"numpy", DC_TYPE_FIXED_SIZE_LIST, "numpy cannot hold nested values"},
    {"numpy", DC_TYPE_STRUCT, "numpy cannot hold nested values"},
    {"numpy", DC_TYPE_MAP, "numpy cannot hold nested values"},
    /* polars: Decimal is 128-bit (precision <= 38); no 16-bit float dtype. */
    {"polars", DC_TYPE_DECIMAL256, "polars decimals are at most 128 bits (38 digits)"},
    {"polars", DC_TYPE_FLOAT16, "polars has no 16-bit float type"},
    /* daft: Decimal128 only; no 16-bit float DataType. */
    {"daft", DC_TYPE_DECIMAL256, "daft decimals are at most 128 bits (38 digits)"},
    {"daft", DC_TYPE_FLOAT16, "daft has no 16-bit float type"},
    /* DuckDB: DECIMAL width is at most 38; half floats are not read by every version of
     * its Arrow scan, so refused. */
    {"duckdb", DC_TYPE_DECIMAL256, "DuckDB decimals hold at most 38 digits"},
    {"duckdb", DC_TYPE_FLOAT16, "DuckDB has no 16-bit float type"},
};

/* The first rule of `reader` that `t` or a type inside it breaks, or NULL; *bad the
 * offending (possibly nested) type. */
static const reader_rule *broken_rule(const char *reader, const dc_type *t, const dc_type **bad)
{
    for (size_t r = 0; r < DC_ARRAY_LEN(k_rules); r++)
        if (k_rules[r].type == t->id && strcmp(k_rules[r].reader, reader) == 0) {
            *bad = t;
            return &k_rules[r];
        }
    for (int32_t i = 0; i < t->n_children; i++) {
        const reader_rule *rr = broken_rule(reader, t->children[i].type, bad);
        if (rr)
            return rr;
    }
    if (t->id == DC_TYPE_DICTIONARY) {
        const reader_rule *rr = broken_rule(reader, t->value_type, bad);
        if (rr)
            return rr;
    }
    return NULL;
}

dc_status dc_tschema_check_readers(const dc_schema *s, const char *const *readers, int32_t n,
                                   dc_error *err)
{
    if (n < 0 || (n > 0 && !readers))
        return dc_error_set(err, DC_EINVALID, "readers: bad list (%" PRId32 " readers)", n);
    for (int32_t r = 0; r < n; r++) {
        bool known = false;
        for (size_t k = 0; readers[r] && k < DC_ARRAY_LEN(k_readers) && !known; k++)
            known = strcmp(readers[r], k_readers[k]) == 0;
        if (!known)
            return dc_error_set(err, DC_EINVALID,
                                "unknown reader '%.100s'; the readers are pyarrow, pandas, "
                                "polars, daft, numpy, duckdb and ray_dataset",
                                readers[r] ? readers[r] : "(null)");
    }
    for (int32_t r = 0; r < n; r++) {
        for (int32_t i = 0; i < s->n_fields; i++) {
            const dc_field *f = &s->fields[i];
            const dc_type *bad = NULL;
            const reader_rule *rule = broken_rule(readers[r], f->type, &bad);
            if (!rule)
                continue;
            char *tn = type_name(f->type), *bn = bad != f->type ? type_name(bad) : NULL;
            char inner[300] = "";
            if (bn)
                snprintf(inner, sizeof inner, " (it holds %s)", bn);
            dc_status rc = col_error(err, DC_ESCHEMA, f->name,
                                     "column \"%s\" has type %s%s, which reader \"%s\" cannot "
                                     "read: %s; change the column's type or drop the reader",
                                     f->name, tn ? tn : "?", inner, readers[r], rule->why);
            dc_free(tn);
            dc_free(bn);
            return rc;
        }
    }
    return DC_OK;
}
