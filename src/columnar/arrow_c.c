/*
 * arrow_c.c: the Arrow C Data Interface and C Stream Interface: export of our
 * fields, schemas, arrays, batches and readers, and import of a producer's.
 *
 * Ownership follows the specification (format/CDataInterface.rst):
 *  - An exported ArrowSchema/ArrowArray owns everything it points to through
 *    private_data; its release frees its children (those the consumer has not
 *    moved out, i.e. whose release is still set) and sets release to NULL.
 *  - An exported array holds a reference to our dc_array, so the buffers stay
 *    alive until the consumer releases it: export is zero-copy.
 *  - An imported ArrowArray is moved into a shared holder; every buffer we
 *    wrap from it holds a reference to the holder, and the producer's release
 *    runs when the last of them goes: import is zero-copy too.
 */
#include "columnar/columnar_int.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>

/* ---- schema export ---- */

typedef struct schema_priv {
    char *format;
    char *name;
    char *metadata;
    struct ArrowSchema **children_ptrs;
    struct ArrowSchema *children;
    struct ArrowSchema *dictionary;
} schema_priv;

static void release_schema(struct ArrowSchema *s)
{
    if (!s || !s->release)
        return;
    schema_priv *p = s->private_data;
    for (int64_t i = 0; i < s->n_children; i++) {
        struct ArrowSchema *c = s->children[i];
        if (c && c->release)
            c->release(c);
    }
    if (s->dictionary && s->dictionary->release)
        s->dictionary->release(s->dictionary);
    if (p) {
        dc_free(p->format);
        dc_free(p->name);
        dc_free(p->metadata);
        dc_free(p->children_ptrs);
        dc_free(p->children);
        dc_free(p->dictionary);
        dc_free(p);
    }
    s->release = NULL;
}

static char *encode_metadata(const dc_metadata *m)
{
    if (!m || m->n == 0)
        return NULL;
    dc_bytes b;
    dc_bytes_init(&b);
    int32_t n = m->n;
    bool ok = dc_bytes_append(&b, &n, 4) == DC_OK;
    for (int32_t i = 0; ok && i < m->n; i++) {
        int32_t kl = (int32_t)strlen(m->keys[i]), vl = (int32_t)strlen(m->values[i]);
        ok = dc_bytes_append(&b, &kl, 4) == DC_OK && dc_bytes_append(&b, m->keys[i], kl) == DC_OK &&
             dc_bytes_append(&b, &vl, 4) == DC_OK && dc_bytes_append(&b, m->values[i], vl) == DC_OK;
    }
    char *out = ok ? dc_malloc((size_t)b.size) : NULL;
    if (out)
        memcpy(out, b.data, (size_t)b.size);
    dc_bytes_free(&b);
    return out;
}

static dc_status export_type(const dc_type *t, const char *name, bool nullable,
                             const dc_metadata *md, struct ArrowSchema *out, dc_error *err);

static dc_status export_type(const dc_type *t, const char *name, bool nullable,
                             const dc_metadata *md, struct ArrowSchema *out, dc_error *err)
{
    dc_status rc = DC_OK;
    memset(out, 0, sizeof *out);
    schema_priv *p = dc_calloc(1, sizeof *p);
    if (!p)
        return dc_error_nomem(err);
    out->private_data = p;
    out->release = release_schema;
    dc_strbuf fs;
    dc_strbuf_init(&fs);
    dc_type_format_string(t, &fs);
    p->format = dc_strbuf_detach(&fs);
    p->name = dc_strdup(name ? name : "");
    DC_TRY_ALLOC(p->format, err);
    DC_TRY_ALLOC(p->name, err);
    if (md && md->n > 0) {
        p->metadata = encode_metadata(md);
        DC_TRY_ALLOC(p->metadata, err);
    }
    out->format = p->format;
    out->name = p->name;
    out->metadata = p->metadata;
    out->flags = (nullable ? ARROW_FLAG_NULLABLE : 0) |
                 (t->id == DC_TYPE_DICTIONARY && t->ordered ? ARROW_FLAG_DICTIONARY_ORDERED : 0) |
                 (t->id == DC_TYPE_MAP && t->keys_sorted ? ARROW_FLAG_MAP_KEYS_SORTED : 0);
    if (t->id == DC_TYPE_DICTIONARY) {
        p->dictionary = dc_calloc(1, sizeof *p->dictionary);
        DC_TRY_ALLOC(p->dictionary, err);
        DC_TRY(export_type(t->value_type, "", true, NULL, p->dictionary, err));
        out->dictionary = p->dictionary;
    } else if (t->n_children > 0) {
        p->children = dc_calloc((size_t)t->n_children, sizeof *p->children);
        p->children_ptrs = dc_calloc((size_t)t->n_children, sizeof *p->children_ptrs);
        DC_TRY_ALLOC(p->children, err);
        DC_TRY_ALLOC(p->children_ptrs, err);
        for (int32_t i = 0; i < t->n_children; i++) {
            const dc_field *f = &t->children[i];
            p->children_ptrs[i] = &p->children[i];
            DC_TRY(export_type(f->type, f->name, f->nullable, &f->metadata, &p->children[i], err));
            out->n_children = i + 1;
        }
        out->children = p->children_ptrs;
    }
    return DC_OK;
cleanup:
    if (!out->children && p->children_ptrs)
        out->children = p->children_ptrs; /* so release can see the exported ones */
    release_schema(out);
    return rc;
}

dc_status dc_field_export(const dc_field *f, struct ArrowSchema *out, dc_error *err)
{
    return export_type(f->type, f->name, f->nullable, &f->metadata, out, err);
}

dc_status dc_schema_export(const dc_schema *s, struct ArrowSchema *out, dc_error *err)
{
    dc_type *st = dc_type_struct(s->fields, s->n_fields);
    if (!st)
        return dc_error_nomem(err);
    dc_status rc = export_type(st, "", false, &s->metadata, out, err);
    dc_type_unref(st);
    return rc;
}

/* ---- schema import ---- */

static dc_status bad_format(dc_error *err, const char *fmt, const char *why)
{
    return dc_error_set(err, DC_EINVALID, "Arrow schema format \"%s\": %s", fmt, why);
}

static bool parse_unit_char(char c, dc_time_unit *u)
{
    switch (c) {
    case 's': *u = DC_UNIT_SECOND; return true;
    case 'm': *u = DC_UNIT_MILLI; return true;
    case 'u': *u = DC_UNIT_MICRO; return true;
    case 'n': *u = DC_UNIT_NANO; return true;
    default: return false;
    }
}

static dc_status decode_metadata(const char *md, dc_metadata *out, dc_error *err)
{
    memset(out, 0, sizeof *out);
    if (!md)
        return DC_OK;
    int32_t n;
    memcpy(&n, md, 4);
    const char *p = md + 4;
    if (n < 0 || n > 1 << 20)
        return dc_error_set(err, DC_EINVALID, "Arrow schema metadata: bad entry count %d", n);
    for (int32_t i = 0; i < n; i++) {
        int32_t kl, vl;
        memcpy(&kl, p, 4);
        p += 4;
        if (kl < 0)
            goto bad;
        char *k = dc_strndup(p, (size_t)kl);
        p += kl;
        memcpy(&vl, p, 4);
        p += 4;
        if (vl < 0) {
            dc_free(k);
            goto bad;
        }
        char *v = dc_strndup(p, (size_t)vl);
        p += vl;
        dc_status rc = (k && v) ? dc_metadata_set(out, k, v) : DC_ENOMEM;
        dc_free(k);
        dc_free(v);
        if (rc != DC_OK) {
            dc_metadata_clear(out);
            return dc_error_nomem(err);
        }
    }
    return DC_OK;
bad:
    dc_metadata_clear(out);
    return dc_error_set(err, DC_EINVALID, "Arrow schema metadata: negative length");
}

static dc_status import_children(const struct ArrowSchema *s, dc_field **out, dc_error *err)
{
    *out = NULL;
    if (s->n_children < 0 || s->n_children > INT32_MAX || (s->n_children && !s->children))
        return bad_format(err, s->format, "bad children");
    if (s->n_children == 0)
        return DC_OK;
    dc_field *f = dc_calloc((size_t)s->n_children, sizeof *f);
    if (!f)
        return dc_error_nomem(err);
    for (int64_t i = 0; i < s->n_children; i++) {
        dc_status rc = dc_field_import(&f[i], s->children[i], err);
        if (rc != DC_OK) {
            for (int64_t j = 0; j < i; j++)
                dc_field_clear(&f[j]);
            dc_free(f);
            return rc;
        }
    }
    *out = f;
    return DC_OK;
}

static dc_status type_from_format(dc_type **out, const struct ArrowSchema *s, int depth,
                                  dc_error *err)
{
    const char *f = s->format;
    dc_time_unit u;
    *out = NULL;
    if (!f)
        return dc_error_set(err, DC_EINVALID, "Arrow schema without a format string");
    if (depth > 64)
        return bad_format(err, f, "nested too deeply");
    if (s->dictionary) {
        dc_type *ix = NULL, *vt = NULL;
        struct ArrowSchema plain = *s;
        plain.dictionary = NULL;
        dc_status rc = type_from_format(&ix, &plain, depth + 1, err);
        if (rc == DC_OK)
            rc = type_from_format(&vt, s->dictionary, depth + 1, err);
        if (rc == DC_OK && !dc_type_is_integer(ix->id))
            rc = bad_format(err, f, "dictionary indices must be integers");
        if (rc == DC_OK) {
            *out = dc_type_dictionary(ix, vt, (s->flags & ARROW_FLAG_DICTIONARY_ORDERED) != 0);
            if (!*out)
                rc = dc_error_nomem(err);
        }
        dc_type_unref(ix);
        dc_type_unref(vt);
        return rc;
    }
    if (f[0] && !f[1]) {
        static const struct { char c; dc_type_id id; } one[] = {
            {'n', DC_TYPE_NULL}, {'b', DC_TYPE_BOOL}, {'c', DC_TYPE_INT8}, {'C', DC_TYPE_UINT8},
            {'s', DC_TYPE_INT16}, {'S', DC_TYPE_UINT16}, {'i', DC_TYPE_INT32},
            {'I', DC_TYPE_UINT32}, {'l', DC_TYPE_INT64}, {'L', DC_TYPE_UINT64},
            {'e', DC_TYPE_FLOAT16}, {'f', DC_TYPE_FLOAT32}, {'g', DC_TYPE_FLOAT64},
            {'z', DC_TYPE_BINARY}, {'Z', DC_TYPE_LARGE_BINARY}, {'u', DC_TYPE_UTF8},
            {'U', DC_TYPE_LARGE_UTF8},
        };
        for (size_t i = 0; i < DC_ARRAY_LEN(one); i++) {
            if (one[i].c == f[0]) {
                *out = dc_type_new(one[i].id);
                return *out ? DC_OK : dc_error_nomem(err);
            }
        }
        return bad_format(err, f, "unsupported type");
    }
    if (f[0] == 'd' && f[1] == ':') {
        int p = 0, sc = 0, bits = 128, n = 0;
        if (sscanf(f + 2, "%d,%d%n", &p, &sc, &n) < 2)
            return bad_format(err, f, "expected d:precision,scale[,bits]");
        if (f[2 + n] == ',' && sscanf(f + 3 + n, "%d", &bits) != 1)
            return bad_format(err, f, "bad decimal bit width");
        if (bits != 128 && bits != 256)
            return bad_format(err, f, "only 128- and 256-bit decimals are supported");
        *out = dc_type_decimal(bits, p, sc);
        return *out ? DC_OK : bad_format(err, f, "decimal precision out of range");
    }
    if (f[0] == 'w' && f[1] == ':') {
        long w = strtol(f + 2, NULL, 10);
        if (w < 0 || w > INT32_MAX)
            return bad_format(err, f, "bad width");
        *out = dc_type_fixed_size_binary((int32_t)w);
        return *out ? DC_OK : dc_error_nomem(err);
    }
    if (f[0] == 't') {
        if (!strcmp(f, "tdD"))
            *out = dc_type_new(DC_TYPE_DATE32);
        else if (!strcmp(f, "tdm"))
            *out = dc_type_new(DC_TYPE_DATE64);
        else if (f[1] == 't' && parse_unit_char(f[2], &u) && !f[3])
            *out = dc_type_time(u);
        else if (f[1] == 'D' && parse_unit_char(f[2], &u) && !f[3])
            *out = dc_type_duration(u);
        else if (f[1] == 's' && parse_unit_char(f[2], &u) && f[3] == ':')
            *out = dc_type_timestamp(u, f[4] ? f + 4 : NULL);
        else
            return bad_format(err, f, "unsupported temporal type (intervals are not supported)");
        return *out ? DC_OK : dc_error_nomem(err);
    }
    if (f[0] == '+') {
        dc_field *kids = NULL;
        dc_status rc = import_children(s, &kids, err);
        if (rc != DC_OK)
            return rc;
        int64_t nk = s->n_children;
        if ((!strcmp(f, "+l") || !strcmp(f, "+L")) && nk == 1) {
            *out = dc_type_list(f[1] == 'l' ? DC_TYPE_LIST : DC_TYPE_LARGE_LIST, &kids[0]);
        } else if (!strncmp(f, "+w:", 3) && nk == 1) {
            long n = strtol(f + 3, NULL, 10);
            if (n >= 0 && n <= INT32_MAX)
                *out = dc_type_fixed_size_list(&kids[0], (int32_t)n);
            else
                rc = bad_format(err, f, "bad list size");
        } else if (!strcmp(f, "+s")) {
            *out = dc_type_struct(kids, (int32_t)nk);
        } else if (!strcmp(f, "+m") && nk == 1 && kids[0].type->id == DC_TYPE_STRUCT &&
                   kids[0].type->n_children == 2) {
            const dc_type *e = kids[0].type;
            *out = dc_type_map(e->children[0].type, e->children[1].type, e->children[1].nullable,
                               (s->flags & ARROW_FLAG_MAP_KEYS_SORTED) != 0);
        } else {
            rc = bad_format(err, f, "unsupported or malformed nested type (unions, run-end "
                                    "encoded and list views are not supported)");
        }
        if (rc == DC_OK && !*out)
            rc = dc_error_nomem(err);
        for (int64_t i = 0; i < nk; i++)
            dc_field_clear(&kids[i]);
        dc_free(kids);
        return rc;
    }
    return bad_format(err, f, "unsupported type");
}

dc_status dc_type_from_arrow(dc_type **out, const struct ArrowSchema *schema, dc_error *err)
{
    return type_from_format(out, schema, 0, err);
}

dc_status dc_field_import(dc_field *out, const struct ArrowSchema *in, dc_error *err)
{
    memset(out, 0, sizeof *out);
    if (!in || !in->release)
        return dc_error_set(err, DC_EINVALID, "Arrow schema is released or NULL");
    dc_type *t = NULL;
    dc_metadata md;
    dc_status rc = dc_type_from_arrow(&t, in, err);
    if (rc != DC_OK)
        return rc;
    rc = decode_metadata(in->metadata, &md, err);
    if (rc == DC_OK) {
        rc = dc_field_init(out, in->name ? in->name : "", t, (in->flags & ARROW_FLAG_NULLABLE) != 0,
                           &md);
        if (rc != DC_OK)
            rc = dc_error_nomem(err);
        dc_metadata_clear(&md);
    }
    dc_type_unref(t);
    return rc;
}

dc_status dc_schema_import(dc_schema **out, const struct ArrowSchema *in, dc_error *err)
{
    *out = NULL;
    if (!in || !in->release)
        return dc_error_set(err, DC_EINVALID, "Arrow schema is released or NULL");
    if (!in->format || strcmp(in->format, "+s") != 0)
        return dc_error_set(err, DC_EINVALID,
                            "a schema must be an Arrow struct (\"+s\"), got format \"%s\"",
                            in->format ? in->format : "(null)");
    dc_field *kids = NULL;
    dc_metadata md;
    dc_status rc = import_children(in, &kids, err);
    if (rc != DC_OK)
        return rc;
    rc = decode_metadata(in->metadata, &md, err);
    if (rc == DC_OK) {
        *out = dc_schema_new(kids, (int32_t)in->n_children, &md);
        if (!*out)
            rc = dc_error_nomem(err);
        dc_metadata_clear(&md);
    }
    for (int64_t i = 0; i < in->n_children; i++)
        dc_field_clear(&kids[i]);
    dc_free(kids);
    return rc;
}

/* ---- array export ---- */

typedef struct array_priv {
    dc_array *array; /* keeps the buffers alive */
    const void *buffers[3];
    struct ArrowArray **children_ptrs;
    struct ArrowArray *children;
    struct ArrowArray *dictionary;
} array_priv;

static const uint8_t ZEROS[64] __attribute__((aligned(64)));

static void release_array(struct ArrowArray *a)
{
    if (!a || !a->release)
        return;
    array_priv *p = a->private_data;
    for (int64_t i = 0; i < a->n_children; i++) {
        struct ArrowArray *c = a->children[i];
        if (c && c->release)
            c->release(c);
    }
    if (a->dictionary && a->dictionary->release)
        a->dictionary->release(a->dictionary);
    if (p) {
        dc_array_unref(p->array);
        dc_free(p->children_ptrs);
        dc_free(p->children);
        dc_free(p->dictionary);
        dc_free(p);
    }
    a->release = NULL;
}

dc_status dc_array_export(const dc_array *a, struct ArrowArray *out, dc_error *err)
{
    dc_status rc = DC_OK;
    memset(out, 0, sizeof *out);
    array_priv *p = dc_calloc(1, sizeof *p);
    if (!p)
        return dc_error_nomem(err);
    out->private_data = p;
    out->release = release_array;
    p->array = dc_array_ref(a);
    out->length = a->length;
    out->offset = a->offset;
    out->null_count = a->null_count;
    out->n_buffers = a->n_buffers;
    for (int32_t i = 0; i < a->n_buffers; i++)
        p->buffers[i] = (i > 0 && !a->data[i]) ? (const void *)ZEROS : (const void *)a->data[i];
    out->buffers = a->n_buffers ? p->buffers : NULL;
    if (a->dictionary) {
        p->dictionary = dc_calloc(1, sizeof *p->dictionary);
        DC_TRY_ALLOC(p->dictionary, err);
        DC_TRY(dc_array_export(a->dictionary, p->dictionary, err));
        out->dictionary = p->dictionary;
    }
    if (a->n_children > 0) {
        p->children = dc_calloc((size_t)a->n_children, sizeof *p->children);
        p->children_ptrs = dc_calloc((size_t)a->n_children, sizeof *p->children_ptrs);
        DC_TRY_ALLOC(p->children, err);
        DC_TRY_ALLOC(p->children_ptrs, err);
        out->children = p->children_ptrs;
        for (int32_t i = 0; i < a->n_children; i++) {
            p->children_ptrs[i] = &p->children[i];
            DC_TRY(dc_array_export(a->children[i], &p->children[i], err));
            out->n_children = i + 1;
        }
    }
    return DC_OK;
cleanup:
    release_array(out);
    return rc;
}

dc_status dc_batch_export(const dc_batch *b, struct ArrowArray *out, dc_error *err)
{
    dc_status rc;
    dc_array *sa = NULL;
    dc_type *st = dc_type_struct(b->schema->fields, b->schema->n_fields);
    if (!st)
        return dc_error_nomem(err);
    dc_buffer *none = NULL;
    rc = dc_array_make(&sa, st, b->length, 0, 0, &none, 1, b->columns, b->schema->n_fields, NULL,
                       err);
    dc_type_unref(st);
    if (rc != DC_OK)
        return rc;
    rc = dc_array_export(sa, out, err);
    dc_array_unref(sa);
    return rc;
}

/* ---- array import ---- */

typedef struct import_holder {
    int64_t refs;
    struct ArrowArray array;
} import_holder;

static void holder_unref(void *h)
{
    import_holder *ih = h;
    if (__atomic_sub_fetch(&ih->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    if (ih->array.release)
        ih->array.release(&ih->array);
    dc_free(ih);
}

static dc_buffer *wrap(import_holder *h, const void *data, int64_t size)
{
    __atomic_fetch_add(&h->refs, 1, __ATOMIC_RELAXED);
    dc_buffer *b = dc_buffer_wrap(data, size, holder_unref, h);
    if (!b)
        holder_unref(h);
    return b;
}

static dc_status import_node(dc_array **out, const struct ArrowArray *in, const dc_type *t,
                             import_holder *h, int depth, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_buffer *bufs[3] = {NULL, NULL, NULL};
    dc_array **kids = NULL, *dict = NULL;
    int32_t nb = dc_type_n_buffers(t);
    int32_t nk = t->id == DC_TYPE_DICTIONARY ? 0 : t->n_children;
    int64_t end;
    *out = NULL;
    if (depth > 64)
        return dc_error_set(err, DC_EINVALID, "imported Arrow array nested too deeply");
    if (in->length < 0 || in->offset < 0 || dc_add_overflows(in->length, in->offset, &end) ||
        end > INT64_MAX / 64)
        return dc_error_set(err, DC_EINVALID, "imported Arrow array: bad length %lld / offset %lld",
                            (long long)in->length, (long long)in->offset);
    if (in->n_buffers != nb)
        return dc_error_set(err, DC_EINVALID,
                            "imported Arrow array of type %s has %lld buffers, expected %d",
                            dc_type_id_name(t->id), (long long)in->n_buffers, nb);
    if (in->n_children != nk || (nk && !in->children))
        return dc_error_set(err, DC_EINVALID,
                            "imported Arrow array of type %s has %lld children, expected %d",
                            dc_type_id_name(t->id), (long long)in->n_children, nk);
    if ((t->id == DC_TYPE_DICTIONARY) != (in->dictionary != NULL))
        return dc_error_set(err, DC_EINVALID, "imported Arrow array: dictionary mismatch");
    if (nb > 0 && in->n_buffers > 0 && !in->buffers)
        return dc_error_set(err, DC_EINVALID, "imported Arrow array without a buffers array");
    for (int32_t i = 0; i < nb; i++) {
        const uint8_t *d = in->buffers[i];
        int64_t size = 0;
        if (!d) {
            if (i == 0 || in->length == 0)
                continue;
            rc = dc_error_set(err, DC_EINVALID, "imported Arrow array of type %s: buffer %d is NULL",
                              dc_type_id_name(t->id), i);
            goto cleanup;
        }
        if (i == 0)
            size = (end + 7) / 8;
        else if (t->id == DC_TYPE_BOOL)
            size = (end + 7) / 8;
        else if (i == 1 && dc_type_has_offsets32(t->id))
            size = (end + 1) * 4;
        else if (i == 1 && dc_type_has_offsets64(t->id))
            size = (end + 1) * 8;
        else if (i == 1)
            size = end * t->byte_width;
        else { /* string data: up to the last offset */
            const uint8_t *o = in->buffers[1];
            size = !o ? 0
                   : dc_type_has_offsets32(t->id) ? ((const int32_t *)o)[end]
                                                  : ((const int64_t *)o)[end];
            if (size < 0) {
                rc = dc_error_set(err, DC_EINVALID, "imported Arrow array: negative offset");
                goto cleanup;
            }
        }
        bufs[i] = wrap(h, d, size);
        DC_TRY_ALLOC(bufs[i], err);
    }
    if (nk > 0) {
        kids = dc_calloc((size_t)nk, sizeof *kids);
        DC_TRY_ALLOC(kids, err);
        for (int32_t i = 0; i < nk; i++) {
            if (!in->children[i]) {
                rc = dc_error_set(err, DC_EINVALID, "imported Arrow array: child %d is NULL", i);
                goto cleanup;
            }
            DC_TRY(import_node(&kids[i], in->children[i], t->children[i].type, h, depth + 1, err));
        }
    }
    if (t->id == DC_TYPE_DICTIONARY)
        DC_TRY(import_node(&dict, in->dictionary, t->value_type, h, depth + 1, err));
    int64_t nc = in->null_count;
    if (nb == 0)
        nc = in->length;
    else if (!bufs[0])
        nc = 0;
    else
        nc = in->length - dc_bitmap_count(bufs[0]->data, in->offset, in->length);
    if (in->null_count >= 0 && nb > 0 && in->null_count != nc) {
        rc = dc_error_set(err, DC_EINVALID,
                          "imported Arrow array: null_count %lld disagrees with its bitmap (%lld)",
                          (long long)in->null_count, (long long)nc);
        goto cleanup;
    }
    DC_TRY(dc_array_make(out, t, in->length, in->offset, nc, bufs, nb, kids, nk, dict, err));
cleanup:
    for (int i = 0; i < 3; i++)
        dc_buffer_unref(bufs[i]);
    for (int32_t i = 0; kids && i < nk; i++)
        dc_array_unref(kids[i]);
    dc_free(kids);
    dc_array_unref(dict);
    return rc;
}

dc_status dc_array_import(dc_array **out, struct ArrowArray *in, const dc_type *type,
                          dc_error *err)
{
    *out = NULL;
    if (!in || !in->release)
        return dc_error_set(err, DC_EINVALID, "Arrow array is released or NULL");
    import_holder *h = dc_calloc(1, sizeof *h);
    if (!h) {
        in->release(in);
        return dc_error_nomem(err);
    }
    h->refs = 1;
    h->array = *in; /* move */
    in->release = NULL;
    dc_status rc = import_node(out, &h->array, type, h, 0, err);
    if (rc == DC_OK) {
        rc = dc_array_validate(*out, err);
        if (rc != DC_OK) {
            dc_array_unref(*out);
            *out = NULL;
        }
    }
    holder_unref(h); /* the arrays' buffers keep it alive */
    return rc;
}

dc_status dc_batch_import(dc_batch **out, struct ArrowArray *in, const dc_schema *schema,
                          dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array *sa = NULL;
    dc_array **cols = NULL;
    *out = NULL;
    dc_type *st = dc_type_struct(schema->fields, schema->n_fields);
    if (!st) {
        if (in && in->release)
            in->release(in);
        return dc_error_nomem(err);
    }
    DC_TRY(dc_array_import(&sa, in, st, err));
    if (sa->null_count > 0) {
        rc = dc_error_set(err, DC_EINVALID, "a record batch may not have null rows (%lld)",
                          (long long)sa->null_count);
        goto cleanup;
    }
    cols = dc_calloc((size_t)(schema->n_fields ? schema->n_fields : 1), sizeof *cols);
    DC_TRY_ALLOC(cols, err);
    for (int32_t i = 0; i < schema->n_fields; i++) {
        if (sa->offset == 0 && sa->children[i]->length == sa->length)
            cols[i] = dc_array_ref(sa->children[i]);
        else
            DC_TRY(dc_array_slice(&cols[i], sa->children[i], sa->offset, sa->length, err));
    }
    DC_TRY(dc_batch_new(out, schema, cols, sa->length, err));
cleanup:
    for (int32_t i = 0; cols && i < schema->n_fields; i++)
        dc_array_unref(cols[i]);
    dc_free(cols);
    dc_array_unref(sa);
    dc_type_unref(st);
    return rc;
}

/* ---- streams ---- */

typedef struct stream_priv {
    dc_reader *reader;
    char last_error[DC_ERROR_MSG_MAX];
} stream_priv;

static int errno_of(dc_status rc)
{
    switch (rc) {
    case DC_ENOMEM: return ENOMEM;
    case DC_EINVALID: case DC_ESCHEMA: return EINVAL;
    case DC_ENOTFOUND: return ENOENT;
    case DC_EUNSUPPORTED: return ENOSYS;
    default: return EIO;
    }
}

static int stream_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    stream_priv *p = s->private_data;
    dc_error e;
    dc_error_clear(&e);
    dc_status rc = dc_schema_export(p->reader->schema, out, &e);
    if (rc != DC_OK) {
        snprintf(p->last_error, sizeof p->last_error, "%s", e.message);
        return errno_of(rc);
    }
    return 0;
}

static int stream_get_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    stream_priv *p = s->private_data;
    dc_error e;
    dc_error_clear(&e);
    dc_batch *b = NULL;
    dc_status rc = dc_reader_next(p->reader, &b, &e);
    if (rc == DC_OK && !b) {
        memset(out, 0, sizeof *out); /* end of stream: released array */
        return 0;
    }
    if (rc == DC_OK) {
        rc = dc_batch_export(b, out, &e);
        dc_batch_unref(b);
    }
    if (rc != DC_OK) {
        snprintf(p->last_error, sizeof p->last_error, "%s", e.message);
        return errno_of(rc);
    }
    return 0;
}

static const char *stream_last_error(struct ArrowArrayStream *s)
{
    stream_priv *p = s->private_data;
    return p->last_error[0] ? p->last_error : NULL;
}

static void stream_release(struct ArrowArrayStream *s)
{
    if (!s || !s->release)
        return;
    stream_priv *p = s->private_data;
    dc_reader_free(p->reader);
    dc_free(p);
    s->release = NULL;
}

dc_status dc_reader_export(dc_reader *r, struct ArrowArrayStream *out, dc_error *err)
{
    memset(out, 0, sizeof *out);
    stream_priv *p = dc_calloc(1, sizeof *p);
    if (!p) {
        dc_reader_free(r);
        return dc_error_nomem(err);
    }
    p->reader = r;
    out->get_schema = stream_get_schema;
    out->get_next = stream_get_next;
    out->get_last_error = stream_last_error;
    out->release = stream_release;
    out->private_data = p;
    return DC_OK;
}

typedef struct import_stream {
    struct ArrowArrayStream stream;
} import_stream;

static dc_status istream_next(dc_reader *r, dc_batch **out, dc_error *err)
{
    import_stream *is = r->impl;
    struct ArrowArray arr;
    memset(&arr, 0, sizeof arr);
    int e = is->stream.get_next(&is->stream, &arr);
    if (e != 0) {
        const char *msg = is->stream.get_last_error ? is->stream.get_last_error(&is->stream) : NULL;
        return dc_error_set(err, DC_EIO, "the Arrow stream's producer failed: %s",
                            msg ? msg : strerror(e));
    }
    if (!arr.release)
        return DC_OK; /* end */
    return dc_batch_import(out, &arr, r->schema, err);
}

static void istream_destroy(dc_reader *r)
{
    import_stream *is = r->impl;
    if (is->stream.release)
        is->stream.release(&is->stream);
    dc_free(is);
}

static const dc_reader_vtable IMPORT_STREAM = {istream_next, istream_destroy};

dc_status dc_reader_import(dc_reader **out, struct ArrowArrayStream *in, dc_error *err)
{
    *out = NULL;
    if (!in || !in->release)
        return dc_error_set(err, DC_EINVALID, "Arrow stream is released or NULL");
    import_stream *is = dc_calloc(1, sizeof *is);
    if (!is) {
        in->release(in);
        return dc_error_nomem(err);
    }
    is->stream = *in;
    in->release = NULL;
    struct ArrowSchema sch;
    memset(&sch, 0, sizeof sch);
    dc_schema *schema = NULL;
    dc_status rc = DC_OK;
    int e = is->stream.get_schema(&is->stream, &sch);
    if (e != 0) {
        const char *msg = is->stream.get_last_error ? is->stream.get_last_error(&is->stream) : NULL;
        rc = dc_error_set(err, DC_EIO, "the Arrow stream's producer failed to give a schema: %s",
                          msg ? msg : strerror(e));
    } else {
        rc = dc_schema_import(&schema, &sch, err);
        if (sch.release)
            sch.release(&sch);
    }
    if (rc == DC_OK)
        rc = dc_reader_new(out, &IMPORT_STREAM, is, schema, err);
    dc_schema_unref(schema);
    if (rc != DC_OK) {
        dc_reader tmp = {.impl = is};
        istream_destroy(&tmp);
    }
    return rc;
}
