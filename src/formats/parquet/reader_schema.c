/*
 * reader_schema.c: the Parquet schema (a depth-first list of SchemaElements)
 * as Arrow fields, following parquet-format's LogicalTypes.md: logical types
 * first, converted types for older files, and the backward-compatibility rules
 * for lists (3-level, legacy 2-level, unannotated repeated fields) and maps.
 */
#include "formats/parquet/reader_int.h"

#include <inttypes.h>
#include <stdio.h>

typedef struct build_ctx {
    dc_pq_file *f;
    int64_t pos; /* next schema element */
    int32_t top; /* current top-level field */
    dc_strbuf path;
    dc_error *err;
} build_ctx;

static dc_status corrupt(build_ctx *b, const char *fmt, const char *name)
{
    return dc_error_set(b->err, DC_ECORRUPT, "%s: schema: %s%s%s", b->f->in->name, fmt,
                        name ? " " : "", name ? name : "");
}

static bool is_group(const dc_pq_schema_element *e)
{
    return !e->has_type || (e->has_num_children && e->num_children > 0);
}

static int32_t rep_of(const dc_pq_schema_element *e)
{
    return e->has_repetition_type ? e->repetition_type : DC_PQ_REP_OPTIONAL;
}

/* The decimal Arrow type for precision/scale, or NULL (message set) when impossible. */
static dc_type *decimal_type(build_ctx *b, const dc_pq_schema_element *e, int32_t precision,
                             int32_t scale, int32_t *conv, int32_t phys_conv)
{
    if (precision < 1 || precision > 76 || scale < 0 || scale > precision) {
        dc_error_set(b->err, DC_ECORRUPT,
                     "%s: schema: column %s declares DECIMAL(%d, %d); precision must be 1..76 "
                     "and scale 0..precision",
                     b->f->in->name, e->name.ptr, precision, scale);
        return NULL;
    }
    *conv = phys_conv;
    dc_type *t = dc_type_decimal(precision <= 38 ? 128 : 256, precision, scale);
    if (!t)
        dc_error_nomem(b->err);
    return t;
}

static dc_time_unit unit_of(int32_t u)
{
    return u == DC_PQ_UNIT_MILLIS   ? DC_UNIT_MILLI
           : u == DC_PQ_UNIT_MICROS ? DC_UNIT_MICRO
                                    : DC_UNIT_NANO;
}

/*
 * The Arrow type of a primitive element and how its values convert; sets
 * leaf->type/conv/width. DC_ECORRUPT for impossible annotations.
 */
static dc_status leaf_type(build_ctx *b, const dc_pq_schema_element *e, dc_pq_leaf *L)
{
    const dc_pq_logical_type *lt = e->has_logical_type ? &e->logical_type : NULL;
    int32_t lk = lt ? lt->kind : 0;
    int32_t ct = e->has_converted_type ? e->converted_type : -1;
    dc_type *t = NULL;
    int32_t conv = PQR_CV_COPY;
    switch (e->type) {
    case DC_PQ_TYPE_BOOLEAN:
        L->width = 0;
        conv = PQR_CV_BOOL;
        t = dc_type_new(DC_TYPE_BOOL);
        break;
    case DC_PQ_TYPE_INT32: {
        L->width = 4;
        int bits = 32;
        bool sgn = true;
        if (lk == DC_PQ_LT_INTEGER) {
            bits = lt->integer.bit_width;
            sgn = lt->integer.is_signed;
        } else if (!lk && ct >= DC_PQ_CT_UINT_8 && ct <= DC_PQ_CT_INT_32 &&
                   ct != DC_PQ_CT_UINT_64) {
            static const int w[] = {8, 16, 32, 64, 8, 16, 32};
            bits = w[ct - DC_PQ_CT_UINT_8];
            sgn = ct >= DC_PQ_CT_INT_8;
        }
        if (lk == DC_PQ_LT_DATE || (!lk && ct == DC_PQ_CT_DATE)) {
            t = dc_type_new(DC_TYPE_DATE32);
        } else if ((lk == DC_PQ_LT_TIME && lt->time.unit == DC_PQ_UNIT_MILLIS) ||
                   (!lk && ct == DC_PQ_CT_TIME_MILLIS)) {
            t = dc_type_time(DC_UNIT_MILLI);
        } else if (lk == DC_PQ_LT_DECIMAL || (!lk && ct == DC_PQ_CT_DECIMAL)) {
            int32_t p = lk ? lt->decimal.precision : e->precision;
            int32_t s = lk ? lt->decimal.scale : e->scale;
            if (!(t = decimal_type(b, e, p, s, &conv, PQR_CV_I32_DEC)))
                return b->err ? b->err->code : DC_ECORRUPT;
        } else if (bits == 8) {
            conv = PQR_CV_I32_I8;
            t = dc_type_new(sgn ? DC_TYPE_INT8 : DC_TYPE_UINT8);
        } else if (bits == 16) {
            conv = PQR_CV_I32_I16;
            t = dc_type_new(sgn ? DC_TYPE_INT16 : DC_TYPE_UINT16);
        } else {
            t = dc_type_new(sgn ? DC_TYPE_INT32 : DC_TYPE_UINT32);
        }
        break;
    }
    case DC_PQ_TYPE_INT64:
        L->width = 8;
        if (lk == DC_PQ_LT_TIMESTAMP) {
            t = dc_type_timestamp(unit_of(lt->timestamp.unit),
                                  lt->timestamp.is_adjusted_to_utc ? "UTC" : NULL);
        } else if (!lk && (ct == DC_PQ_CT_TIMESTAMP_MILLIS || ct == DC_PQ_CT_TIMESTAMP_MICROS)) {
            t = dc_type_timestamp(ct == DC_PQ_CT_TIMESTAMP_MILLIS ? DC_UNIT_MILLI : DC_UNIT_MICRO,
                                  "UTC");
        } else if (lk == DC_PQ_LT_TIME) {
            t = dc_type_time(lt->time.unit == DC_PQ_UNIT_NANOS ? DC_UNIT_NANO : DC_UNIT_MICRO);
        } else if (!lk && ct == DC_PQ_CT_TIME_MICROS) {
            t = dc_type_time(DC_UNIT_MICRO);
        } else if (lk == DC_PQ_LT_DECIMAL || (!lk && ct == DC_PQ_CT_DECIMAL)) {
            int32_t p = lk ? lt->decimal.precision : e->precision;
            int32_t s = lk ? lt->decimal.scale : e->scale;
            if (!(t = decimal_type(b, e, p, s, &conv, PQR_CV_I64_DEC)))
                return b->err ? b->err->code : DC_ECORRUPT;
        } else if ((lk == DC_PQ_LT_INTEGER && !lt->integer.is_signed) ||
                   (!lk && ct == DC_PQ_CT_UINT_64)) {
            t = dc_type_new(DC_TYPE_UINT64);
        } else {
            t = dc_type_new(DC_TYPE_INT64);
        }
        break;
    case DC_PQ_TYPE_INT96:
        L->width = 12;
        conv = PQR_CV_INT96;
        t = dc_type_timestamp(DC_UNIT_NANO, NULL);
        break;
    case DC_PQ_TYPE_FLOAT:
        L->width = 4;
        t = dc_type_new(DC_TYPE_FLOAT32);
        break;
    case DC_PQ_TYPE_DOUBLE:
        L->width = 8;
        t = dc_type_new(DC_TYPE_FLOAT64);
        break;
    case DC_PQ_TYPE_BYTE_ARRAY:
        L->width = 0;
        if (lk == DC_PQ_LT_STRING || lk == DC_PQ_LT_ENUM || lk == DC_PQ_LT_JSON ||
            (!lk && (ct == DC_PQ_CT_UTF8 || ct == DC_PQ_CT_ENUM || ct == DC_PQ_CT_JSON))) {
            conv = PQR_CV_UTF8;
            t = dc_type_new(DC_TYPE_UTF8);
        } else if (lk == DC_PQ_LT_DECIMAL || (!lk && ct == DC_PQ_CT_DECIMAL)) {
            int32_t p = lk ? lt->decimal.precision : e->precision;
            int32_t s = lk ? lt->decimal.scale : e->scale;
            if (!(t = decimal_type(b, e, p, s, &conv, PQR_CV_BE_DEC)))
                return b->err ? b->err->code : DC_ECORRUPT;
        } else {
            conv = PQR_CV_BINARY;
            t = dc_type_new(DC_TYPE_BINARY);
        }
        break;
    case DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY:
        if (!e->has_type_length || e->type_length <= 0 || e->type_length > (1 << 24))
            return corrupt(
                b, "a FIXED_LEN_BYTE_ARRAY needs a type_length of 1..16M bytes:", e->name.ptr);
        L->width = e->type_length;
        if (lk == DC_PQ_LT_DECIMAL || (!lk && ct == DC_PQ_CT_DECIMAL)) {
            int32_t p = lk ? lt->decimal.precision : e->precision;
            int32_t s = lk ? lt->decimal.scale : e->scale;
            if (!(t = decimal_type(b, e, p, s, &conv, PQR_CV_BE_DEC)))
                return b->err ? b->err->code : DC_ECORRUPT;
        } else if (lk == DC_PQ_LT_FLOAT16 && e->type_length == 2) {
            t = dc_type_new(DC_TYPE_FLOAT16);
        } else {
            t = dc_type_fixed_size_binary(e->type_length);
        }
        break;
    default:
        return dc_error_set(b->err, DC_EUNSUPPORTED, "%s: schema: column %s has physical type %d",
                            b->f->in->name, e->name.ptr, e->type);
    }
    if (lk == DC_PQ_LT_UNKNOWN) {
        dc_type_unref(t);
        conv = PQR_CV_NULL;
        t = dc_type_new(DC_TYPE_NULL);
    }
    if (!t)
        return dc_error_nomem(b->err);
    L->type = t;
    L->conv = conv;
    return DC_OK;
}

static dc_status field_metadata(build_ctx *b, const dc_pq_schema_element *e, dc_metadata *md)
{
    if (!e->has_field_id)
        return DC_OK;
    char buf[16];
    snprintf(buf, sizeof buf, "%" PRId32, e->field_id);
    if (dc_metadata_set(md, "PARQUET:field_id", buf) != DC_OK)
        return dc_error_nomem(b->err);
    return DC_OK;
}

/* A parsed subtree of the Parquet schema. */
typedef struct ptree {
    const dc_pq_schema_element *el;
    int32_t n;
    struct ptree *kids;
} ptree;

static dc_status parse_tree(build_ctx *b, ptree *t, int depth)
{
    const dc_pq_file_metadata *m = &b->f->meta;
    if (depth > PQR_MAX_DEPTH)
        return corrupt(b, "nested deeper than 100 levels", NULL);
    if (b->pos >= m->n_schema)
        return corrupt(b, "the elements end before the groups that declare them", NULL);
    const dc_pq_schema_element *e = &m->schema[b->pos++];
    t->el = e;
    t->n = 0;
    t->kids = NULL;
    if (!e->name.ptr)
        return corrupt(b, "an element without a name", NULL);
    if (!is_group(e))
        return DC_OK;
    if (!e->has_num_children || e->num_children <= 0 || e->num_children > m->n_schema - b->pos)
        return corrupt(b, "a group with an impossible number of children:", e->name.ptr);
    t->kids =
        dc_arena_alloc(&b->f->meta.arena, (int64_t)e->num_children * (int64_t)sizeof *t->kids);
    if (!t->kids)
        return dc_error_nomem(b->err);
    t->n = e->num_children;
    for (int32_t i = 0; i < t->n; i++) {
        dc_status rc = parse_tree(b, &t->kids[i], depth + 1);
        if (rc != DC_OK)
            return rc;
    }
    return DC_OK;
}

static bool has_annotation(const dc_pq_schema_element *e, int32_t lt, int32_t ct, int32_t ct2)
{
    if (e->has_logical_type && e->logical_type.kind)
        return e->logical_type.kind == lt;
    return e->has_converted_type && (e->converted_type == ct || e->converted_type == ct2);
}

static dc_status convert_node(build_ctx *b, const ptree *p, const char *name, int16_t def_at,
                              int16_t rep_at, bool nullable, int16_t slot_def, int16_t slot_rep,
                              pqr_node *out, int depth);

static dc_status push_path(build_ctx *b, const ptree *p, int64_t *mark)
{
    *mark = b->path.len;
    if (b->path.len)
        dc_strbuf_putc(&b->path, '.');
    dc_strbuf_append(&b->path, p->el->name.ptr, p->el->name.len);
    return dc_strbuf_status(&b->path) == DC_OK ? DC_OK : dc_error_nomem(b->err);
}

static void pop_path(build_ctx *b, int64_t mark)
{
    b->path.len = mark;
    if (b->path.data)
        b->path.data[mark] = 0;
}

/* A field of a group: handles the field's own repetition (a repeated field that no
 * LIST annotation explains is a required list of required elements). */
static dc_status convert_field(build_ctx *b, const ptree *p, int16_t parent_def, int16_t parent_rep,
                               int16_t slot_def, int16_t slot_rep, pqr_node *out, int depth)
{
    int32_t r = rep_of(p->el);
    if (r != DC_PQ_REP_REPEATED)
        return convert_node(b, p, p->el->name.ptr, parent_def + (r == DC_PQ_REP_OPTIONAL),
                            parent_rep, r == DC_PQ_REP_OPTIONAL, slot_def, slot_rep, out, depth);
    dc_status rc;
    out->kind = PQR_LIST;
    out->rep = slot_rep;
    out->slot_def = slot_def;
    out->null_def = parent_def;
    out->elem_def = parent_def + 1;
    out->elem_rep = parent_rep + 1;
    out->children = dc_calloc(1, sizeof *out->children);
    DC_TRY_ALLOC(out->children, b->err);
    out->n_children = 1;
    DC_TRY(convert_node(b, p, p->el->name.ptr, out->elem_def, out->elem_rep, false, out->elem_def,
                        out->elem_rep, &out->children[0], depth + 1));
    out->leaf = out->children[0].leaf;
    dc_type *lt = dc_type_list(DC_TYPE_LIST, &out->children[0].field);
    DC_TRY_ALLOC(lt, b->err);
    rc = dc_field_init(&out->field, p->el->name.ptr, lt, false, NULL);
    dc_type_unref(lt);
    if (rc == DC_OK)
        rc = field_metadata(b, p->el, &out->field.metadata);
cleanup:
    return rc;
}

/*
 * Convert element p (its own repetition already accounted for in def_at/rep_at,
 * the cumulative levels at p) into an Arrow node named `name`.
 */
static dc_status convert_node(build_ctx *b, const ptree *p, const char *name, int16_t def_at,
                              int16_t rep_at, bool nullable, int16_t slot_def, int16_t slot_rep,
                              pqr_node *out, int depth)
{
    dc_status rc = DC_OK;
    dc_type *t = NULL;
    dc_field *kids = NULL;
    int64_t mark = b->path.len;
    const dc_pq_schema_element *e = p->el;
    if (depth > PQR_MAX_DEPTH)
        return corrupt(b, "nested deeper than 100 levels", NULL);
    DC_TRY(push_path(b, p, &mark));
    out->rep = slot_rep;
    out->slot_def = slot_def;
    out->null_def = def_at;
    if (p->n == 0) { /* a leaf */
        dc_pq_file *f = b->f;
        int32_t li = f->n_leaves;
        dc_pq_leaf *L = &f->leaves[li];
        memset(L, 0, sizeof *L);
        L->el = e;
        L->top = b->top;
        L->max_def = def_at;
        L->max_rep = rep_at;
        L->path = dc_strdup(dc_strbuf_cstr(&b->path));
        DC_TRY_ALLOC(L->path, b->err);
        f->n_leaves++;
        DC_TRY(leaf_type(b, e, L));
        out->kind = PQR_LEAF;
        out->leaf = li;
        /* A column of the null type holds only nulls, whatever its repetition says. */
        DC_TRY(dc_field_init(&out->field, name, L->type,
                             nullable || L->type->id == DC_TYPE_NULL, NULL));
        DC_TRY(field_metadata(b, e, &out->field.metadata));
        goto cleanup;
    }
    bool is_list = has_annotation(e, DC_PQ_LT_LIST, DC_PQ_CT_LIST, DC_PQ_CT_LIST);
    bool is_map = has_annotation(e, DC_PQ_LT_MAP, DC_PQ_CT_MAP, DC_PQ_CT_MAP_KEY_VALUE);
    if ((is_list || is_map) && p->n == 1 && rep_of(p->kids[0].el) == DC_PQ_REP_REPEATED) {
        const ptree *rp = &p->kids[0];
        int64_t mark2;
        out->elem_def = def_at + 1;
        out->elem_rep = rep_at + 1;
        out->children = dc_calloc(1, sizeof *out->children);
        DC_TRY_ALLOC(out->children, b->err);
        out->n_children = 1;
        pqr_node *c = &out->children[0];
        if (is_map && rp->n == 2 && rep_of(rp->kids[0].el) == DC_PQ_REP_REQUIRED) {
            /* key_value: the entries struct (never null) of key and value */
            DC_TRY(push_path(b, rp, &mark2));
            c->kind = PQR_STRUCT;
            c->rep = out->elem_rep;
            c->slot_def = out->elem_def;
            c->null_def = out->elem_def;
            c->children = dc_calloc(2, sizeof *c->children);
            DC_TRY_ALLOC(c->children, b->err);
            c->n_children = 2;
            for (int i = 0; i < 2; i++)
                DC_TRY(convert_field(b, &rp->kids[i], out->elem_def, out->elem_rep, out->elem_def,
                                     out->elem_rep, &c->children[i], depth + 2));
            pop_path(b, mark2);
            c->leaf = c->children[0].leaf;
            out->kind = PQR_MAP;
            t = dc_type_map(c->children[0].field.type, c->children[1].field.type,
                            c->children[1].field.nullable, false);
            DC_TRY_ALLOC(t, b->err);
            DC_TRY(dc_field_init(&c->field, "entries", t->children[0].type, false, NULL));
        } else {
            out->kind = PQR_LIST;
            const ptree *elem = rp;
            bool legacy = rp->n != 1 || !strcmp(rp->el->name.ptr, "array") ||
                          (rp->el->name.len == e->name.len + 6 &&
                           !strncmp(rp->el->name.ptr, e->name.ptr, (size_t)e->name.len) &&
                           !strcmp(rp->el->name.ptr + e->name.len, "_tuple"));
            if (rp->n == 0 || legacy || is_map) {
                /* 2-level: the repeated node is the element (required) */
                DC_TRY(convert_node(b, rp, rp->el->name.ptr, out->elem_def, out->elem_rep, false,
                                    out->elem_def, out->elem_rep, c, depth + 1));
            } else {
                elem = &rp->kids[0];
                DC_TRY(push_path(b, rp, &mark2));
                DC_TRY(convert_field(b, elem, out->elem_def, out->elem_rep, out->elem_def,
                                     out->elem_rep, c, depth + 2));
                pop_path(b, mark2);
            }
            t = dc_type_list(DC_TYPE_LIST, &c->field);
            DC_TRY_ALLOC(t, b->err);
        }
        out->leaf = c->leaf;
    } else {
        out->kind = PQR_STRUCT;
        out->children = dc_calloc((size_t)p->n, sizeof *out->children);
        DC_TRY_ALLOC(out->children, b->err);
        out->n_children = p->n;
        kids = dc_calloc((size_t)p->n, sizeof *kids);
        DC_TRY_ALLOC(kids, b->err);
        for (int32_t i = 0; i < p->n; i++) {
            DC_TRY(convert_field(b, &p->kids[i], def_at, rep_at, slot_def, slot_rep,
                                 &out->children[i], depth + 1));
            kids[i] = out->children[i].field; /* shallow: only for dc_type_struct's copy */
        }
        out->leaf = out->children[0].leaf;
        t = dc_type_struct(kids, p->n);
        DC_TRY_ALLOC(t, b->err);
    }
    DC_TRY(dc_field_init(&out->field, name, t, nullable, NULL));
    DC_TRY(field_metadata(b, e, &out->field.metadata));
cleanup:
    pop_path(b, mark);
    dc_free(kids);
    dc_type_unref(t);
    return rc;
}

static void node_free(pqr_node *n)
{
    for (int32_t i = 0; i < n->n_children; i++)
        node_free(&n->children[i]);
    dc_free(n->children);
    dc_field_clear(&n->field);
    memset(n, 0, sizeof *n);
}

void pqr_schema_free(dc_pq_file *f)
{
    node_free(&f->root);
    for (int32_t i = 0; i < f->n_leaves; i++) {
        dc_free(f->leaves[i].path);
        dc_type_unref(f->leaves[i].type);
    }
    dc_free(f->leaves);
    f->leaves = NULL;
    f->n_leaves = 0;
    dc_schema_unref(f->schema);
    f->schema = NULL;
}

/*
 * Build the Arrow tree, the leaves and the schema of f from its metadata.
 * On failure f holds what was built so far (pqr_schema_free releases it).
 */
dc_status pqr_schema_build(dc_pq_file *f, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_field *fields = NULL;
    dc_metadata md = {0};
    build_ctx b = {.f = f, .err = err};
    dc_strbuf_init(&b.path);
    ptree root;
    const dc_pq_file_metadata *m = &f->meta;
    if (m->n_schema < 1)
        return dc_error_set(err, DC_ECORRUPT, "%s: the footer has an empty schema", f->in->name);
    /* the root may declare no children (a file without columns) */
    const dc_pq_schema_element *re = &m->schema[0];
    if (!re->has_num_children || re->num_children < 0 || re->num_children > m->n_schema - 1)
        return corrupt(&b, "the root declares an impossible number of columns", NULL);
    root.el = re;
    root.n = re->num_children;
    root.kids = NULL;
    b.pos = 1;
    if (root.n > 0) {
        root.kids = dc_arena_alloc(&f->meta.arena, (int64_t)root.n * (int64_t)sizeof *root.kids);
        DC_TRY_ALLOC(root.kids, err);
    }
    for (int32_t i = 0; i < root.n; i++)
        DC_TRY(parse_tree(&b, &root.kids[i], 1));
    if (b.pos != m->n_schema)
        DC_TRY(corrupt(&b, "elements left over after the root's columns", NULL));
    f->leaves = dc_calloc((size_t)m->n_schema, sizeof *f->leaves);
    DC_TRY_ALLOC(f->leaves, err);
    f->root.kind = PQR_STRUCT;
    if (root.n > 0) {
        f->root.children = dc_calloc((size_t)root.n, sizeof *f->root.children);
        DC_TRY_ALLOC(f->root.children, err);
        fields = dc_calloc((size_t)root.n, sizeof *fields);
        DC_TRY_ALLOC(fields, err);
    }
    f->root.n_children = root.n;
    for (int32_t i = 0; i < root.n; i++) {
        b.top = i;
        DC_TRY(convert_field(&b, &root.kids[i], 0, 0, 0, 0, &f->root.children[i], 1));
        fields[i] = f->root.children[i].field;
    }
    for (int64_t i = 0; i < m->n_key_value_metadata; i++) {
        const dc_pq_key_value *kv = &m->key_value_metadata[i];
        if (kv->key.ptr &&
            dc_metadata_set(&md, kv->key.ptr,
                            kv->has_value && kv->value.ptr ? kv->value.ptr : "") != DC_OK)
            DC_TRY(dc_error_nomem(err));
    }
    f->schema = dc_schema_new(fields, root.n, &md);
    DC_TRY_ALLOC(f->schema, err);
cleanup:
    dc_free(fields);
    dc_metadata_clear(&md);
    dc_strbuf_free(&b.path);
    return rc;
}
