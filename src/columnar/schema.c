/* schema.c: fields, key/value metadata and schemas. */
#include "columnar/columnar_int.h"

dc_status dc_metadata_set(dc_metadata *m, const char *key, const char *value)
{
    for (int32_t i = 0; i < m->n; i++) {
        if (strcmp(m->keys[i], key) == 0) {
            char *v = dc_strdup(value);
            if (!v)
                return DC_ENOMEM;
            dc_free(m->values[i]);
            m->values[i] = v;
            return DC_OK;
        }
    }
    char **k = dc_realloc(m->keys, sizeof(char *) * (size_t)(m->n + 1));
    if (!k)
        return DC_ENOMEM;
    m->keys = k;
    char **v = dc_realloc(m->values, sizeof(char *) * (size_t)(m->n + 1));
    if (!v)
        return DC_ENOMEM;
    m->values = v;
    char *kk = dc_strdup(key), *vv = dc_strdup(value);
    if (!kk || !vv) {
        dc_free(kk);
        dc_free(vv);
        return DC_ENOMEM;
    }
    m->keys[m->n] = kk;
    m->values[m->n] = vv;
    m->n++;
    return DC_OK;
}

const char *dc_metadata_get(const dc_metadata *m, const char *key)
{
    if (!m)
        return NULL;
    for (int32_t i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0)
            return m->values[i];
    return NULL;
}

void dc_metadata_clear(dc_metadata *m)
{
    if (!m)
        return;
    for (int32_t i = 0; i < m->n; i++) {
        dc_free(m->keys[i]);
        dc_free(m->values[i]);
    }
    dc_free(m->keys);
    dc_free(m->values);
    m->keys = m->values = NULL;
    m->n = 0;
}

dc_status dc_metadata_copy(dc_metadata *dst, const dc_metadata *src)
{
    dst->n = 0;
    dst->keys = dst->values = NULL;
    if (!src)
        return DC_OK;
    for (int32_t i = 0; i < src->n; i++) {
        if (dc_metadata_set(dst, src->keys[i], src->values[i]) != DC_OK) {
            dc_metadata_clear(dst);
            return DC_ENOMEM;
        }
    }
    return DC_OK;
}

dc_status dc_field_init(dc_field *f, const char *name, const dc_type *type, bool nullable,
                        const dc_metadata *metadata)
{
    memset(f, 0, sizeof *f);
    f->name = dc_strdup(name ? name : "");
    if (!f->name || dc_metadata_copy(&f->metadata, metadata) != DC_OK) {
        dc_free(f->name);
        f->name = NULL;
        return DC_ENOMEM;
    }
    f->type = dc_type_ref(type);
    f->nullable = nullable;
    return DC_OK;
}

dc_status dc_field_copy(dc_field *dst, const dc_field *src)
{
    return dc_field_init(dst, src->name, src->type, src->nullable, &src->metadata);
}

void dc_field_clear(dc_field *f)
{
    if (!f)
        return;
    dc_free(f->name);
    dc_type_unref(f->type);
    dc_metadata_clear(&f->metadata);
    memset(f, 0, sizeof *f);
}

dc_schema *dc_schema_new(const dc_field *fields, int32_t n, const dc_metadata *metadata)
{
    if (n < 0)
        return NULL;
    dc_schema *s = dc_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    __atomic_store_n(&s->refs_, 1, __ATOMIC_RELAXED);
    if (n > 0) {
        s->fields = dc_calloc((size_t)n, sizeof *s->fields);
        if (!s->fields)
            goto fail;
    }
    for (int32_t i = 0; i < n; i++) {
        if (dc_field_copy(&s->fields[i], &fields[i]) != DC_OK)
            goto fail;
        s->n_fields = i + 1;
    }
    if (dc_metadata_copy(&s->metadata, metadata) != DC_OK)
        goto fail;
    return s;
fail:
    dc_schema_unref(s);
    return NULL;
}

dc_schema *dc_schema_ref(const dc_schema *s)
{
    if (s)
        __atomic_fetch_add(&((dc_schema *)s)->refs_, 1, __ATOMIC_RELAXED);
    return (dc_schema *)s;
}

void dc_schema_unref(dc_schema *s)
{
    if (!s || __atomic_sub_fetch(&s->refs_, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (int32_t i = 0; i < s->n_fields; i++)
        dc_field_clear(&s->fields[i]);
    dc_free(s->fields);
    dc_metadata_clear(&s->metadata);
    dc_free(s);
}

int32_t dc_schema_find(const dc_schema *s, const char *name)
{
    for (int32_t i = 0; i < s->n_fields; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return i;
    return -1;
}

bool dc_schema_equals(const dc_schema *a, const dc_schema *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->n_fields != b->n_fields)
        return false;
    for (int32_t i = 0; i < a->n_fields; i++) {
        if (strcmp(a->fields[i].name, b->fields[i].name) != 0 ||
            a->fields[i].nullable != b->fields[i].nullable ||
            !dc_type_equals(a->fields[i].type, b->fields[i].type))
            return false;
    }
    return true;
}

char *dc_schema_to_string(const dc_schema *s)
{
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    for (int32_t i = 0; i < s->n_fields; i++) {
        char *t = dc_type_to_string(s->fields[i].type);
        dc_strbuf_printf(&sb, "%s: %s%s\n", s->fields[i].name, t ? t : "?",
                         s->fields[i].nullable ? "" : " not null");
        dc_free(t);
    }
    return dc_strbuf_detach(&sb);
}
