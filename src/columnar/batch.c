/* batch.c: record batches and batch readers (over a list of batches, or a vtable). */
#include "columnar/columnar_int.h"

dc_status dc_batch_new(dc_batch **out, const dc_schema *schema, dc_array *const *columns,
                       int64_t length, dc_error *err)
{
    *out = NULL;
    if (length < 0)
        return dc_error_set(err, DC_EINVALID, "negative batch length");
    for (int32_t i = 0; i < schema->n_fields; i++) {
        const dc_field *f = &schema->fields[i];
        if (!columns[i])
            return dc_error_set(err, DC_EINVALID, "column %s is missing", f->name);
        if (columns[i]->length != length)
            return dc_error_set(err, DC_ESCHEMA, "column %s has %lld rows, the batch has %lld",
                                f->name, (long long)columns[i]->length, (long long)length);
        if (!dc_type_equals(columns[i]->type, f->type)) {
            char *a = dc_type_to_string(columns[i]->type), *b = dc_type_to_string(f->type);
            dc_error_set(err, DC_ESCHEMA, "column %s is %s but the schema says %s", f->name,
                         a ? a : "?", b ? b : "?");
            dc_free(a);
            dc_free(b);
            return DC_ESCHEMA;
        }
        if (!f->nullable && columns[i]->null_count > 0)
            return dc_error_set(err, DC_ESCHEMA, "column %s is not nullable but has %lld nulls",
                                f->name, (long long)columns[i]->null_count);
    }
    dc_batch *b = dc_calloc(1, sizeof *b);
    if (!b)
        return dc_error_nomem(err);
    b->columns = dc_calloc((size_t)(schema->n_fields ? schema->n_fields : 1), sizeof *b->columns);
    if (!b->columns) {
        dc_free(b);
        return dc_error_nomem(err);
    }
    __atomic_store_n(&b->refs_, 1, __ATOMIC_RELAXED);
    b->schema = dc_schema_ref(schema);
    b->length = length;
    for (int32_t i = 0; i < schema->n_fields; i++)
        b->columns[i] = dc_array_ref(columns[i]);
    *out = b;
    return DC_OK;
}

dc_batch *dc_batch_ref(const dc_batch *b)
{
    if (b)
        __atomic_fetch_add(&((dc_batch *)b)->refs_, 1, __ATOMIC_RELAXED);
    return (dc_batch *)b;
}

void dc_batch_unref(dc_batch *b)
{
    if (!b || __atomic_sub_fetch(&b->refs_, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (int32_t i = 0; i < b->schema->n_fields; i++)
        dc_array_unref(b->columns[i]);
    dc_free(b->columns);
    dc_schema_unref(b->schema);
    dc_free(b);
}

/* ---- readers ---- */

dc_status dc_reader_new(dc_reader **out, const dc_reader_vtable *vt, void *impl,
                        const dc_schema *schema, dc_error *err)
{
    *out = NULL;
    dc_reader *r = dc_calloc(1, sizeof *r);
    if (!r)
        return dc_error_nomem(err);
    r->vt = vt;
    r->impl = impl;
    r->schema = dc_schema_ref(schema);
    dc_error_clear(&r->last_error);
    *out = r;
    return DC_OK;
}

dc_status dc_reader_next(dc_reader *r, dc_batch **out, dc_error *err)
{
    *out = NULL;
    if (r->failed) {
        if (err)
            *err = r->last_error;
        return r->failed;
    }
    dc_error e;
    dc_error_clear(&e);
    dc_status rc = r->vt->next(r, out, &e);
    if (rc != DC_OK) {
        if (e.code == DC_OK) /* an implementation that forgot the message */
            dc_error_set(&e, rc, "reading failed: %s", dc_status_str(rc));
        r->failed = rc;
        r->last_error = e;
        if (err)
            *err = e;
        *out = NULL;
    }
    return rc;
}

const dc_schema *dc_reader_schema(const dc_reader *r) { return r->schema; }

void dc_reader_free(dc_reader *r)
{
    if (!r)
        return;
    if (r->vt && r->vt->destroy)
        r->vt->destroy(r);
    dc_schema_unref(r->schema);
    dc_free(r);
}

typedef struct list_reader {
    dc_batch **batches;
    int64_t n, next;
} list_reader;

static dc_status list_next(dc_reader *r, dc_batch **out, dc_error *err)
{
    list_reader *l = r->impl;
    *out = l->next < l->n ? dc_batch_ref(l->batches[l->next++]) : NULL;
    return DC_OK;
}

static void list_destroy(dc_reader *r)
{
    list_reader *l = r->impl;
    for (int64_t i = 0; i < l->n; i++)
        dc_batch_unref(l->batches[i]);
    dc_free(l->batches);
    dc_free(l);
}

static const dc_reader_vtable LIST_READER = {list_next, list_destroy};

dc_status dc_reader_from_batches(dc_reader **out, const dc_schema *schema,
                                 dc_batch *const *batches, int64_t n, dc_error *err)
{
    *out = NULL;
    for (int64_t i = 0; i < n; i++)
        if (!dc_schema_equals(batches[i]->schema, schema))
            return dc_error_set(err, DC_ESCHEMA, "batch %lld has another schema than the reader",
                                (long long)i);
    list_reader *l = dc_calloc(1, sizeof *l);
    if (!l)
        return dc_error_nomem(err);
    l->batches = dc_calloc((size_t)(n ? n : 1), sizeof *l->batches);
    if (!l->batches) {
        dc_free(l);
        return dc_error_nomem(err);
    }
    for (int64_t i = 0; i < n; i++)
        l->batches[i] = dc_batch_ref(batches[i]);
    l->n = n;
    dc_status rc = dc_reader_new(out, &LIST_READER, l, schema, err);
    if (rc != DC_OK)
        list_destroy(&(dc_reader){.impl = l});
    return rc;
}

/* ---- a stream over several sources ---- */

typedef struct concat_reader {
    int64_t n, i;
    dc_source_open_fn open;
    void *user;
    void (*free_user)(void *);
    dc_reader *cur;
} concat_reader;

static dc_status concat_next(dc_reader *r, dc_batch **out, dc_error *err)
{
    concat_reader *c = r->impl;
    dc_status rc;
    *out = NULL;
    for (;;) {
        if (!c->cur) {
            if (c->i == c->n)
                return DC_OK;
            rc = c->open(c->user, c->i++, &c->cur, err);
            if (rc != DC_OK)
                return rc;
        }
        dc_batch *b = NULL;
        rc = dc_reader_next(c->cur, &b, err);
        if (rc != DC_OK)
            return rc;
        if (!b) {
            dc_reader_free(c->cur);
            c->cur = NULL;
            continue;
        }
        rc = dc_batch_conform(out, b, r->schema, NULL, err);
        dc_batch_unref(b);
        return rc;
    }
}

static void concat_destroy(dc_reader *r)
{
    concat_reader *c = r->impl;
    if (!c)
        return;
    dc_reader_free(c->cur);
    if (c->free_user)
        c->free_user(c->user);
    dc_free(c);
}

static const dc_reader_vtable CONCAT_VT = {concat_next, concat_destroy};

dc_status dc_reader_concat(dc_reader **out, const dc_schema *schema, int64_t n,
                           dc_source_open_fn open, void *user, void (*free_user)(void *),
                           dc_error *err)
{
    *out = NULL;
    concat_reader *c = dc_calloc(1, sizeof *c);
    if (!c) {
        if (free_user)
            free_user(user);
        return dc_error_nomem(err);
    }
    c->n = n;
    c->open = open;
    c->user = user;
    c->free_user = free_user;
    dc_status rc = dc_reader_new(out, &CONCAT_VT, c, schema, err);
    if (rc != DC_OK) {
        dc_reader tmp = {.impl = c};
        concat_destroy(&tmp);
    }
    return rc;
}
