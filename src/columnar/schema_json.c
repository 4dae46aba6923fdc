/*
 * schema_json.c: schemas as JSON, for table metadata, --schema files and the
 * server:
 *
 *   {"fields": [{"name": "id", "type": "int64", "nullable": false,
 *                "metadata": {"key": "value"}}, ...],
 *    "metadata": {"key": "value"}}
 *
 * Types are written by their names (dc_type_to_string) and read back with
 * dc_type_parse, so nested types need no nested JSON. "nullable" defaults to
 * true, "metadata" to none.
 */
#include "columnar/columnar_int.h"
#include "core/json_int.h"

#include <stdio.h>

static json_t *metadata_json(const dc_metadata *m)
{
    json_t *o = json_object();
    for (int32_t i = 0; o && m && i < m->n; i++)
        if (json_object_set_new(o, m->keys[i], json_string(m->values[i])) != 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}


json_t *dc_schema_to_json(const dc_schema *s)
{
    json_t *fields = json_array(), *out = NULL;
    if (!fields)
        return NULL;
    for (int32_t i = 0; i < s->n_fields; i++) {
        const dc_field *f = &s->fields[i];
        char *t = dc_type_to_string(f->type);
        json_t *md = metadata_json(&f->metadata);
        json_t *jf = t && md ? json_pack("{s:s, s:s, s:b}", "name", f->name, "type", t, "nullable",
                                         f->nullable)
                             : NULL;
        dc_free(t);
        if (!jf || (md && json_object_size(md) && json_object_set(jf, "metadata", md) != 0) ||
            json_array_append_new(fields, jf) != 0) {
            json_decref(md);
            json_decref(fields);
            return NULL;
        }
        json_decref(md);
    }
    out = json_pack("{s:o}", "fields", fields);
    json_t *md = out ? metadata_json(&s->metadata) : NULL;
    if (md && json_object_size(md))
        json_object_set(out, "metadata", md);
    json_decref(md);
    return out;
}

static dc_status metadata_from(const json_t *j, dc_metadata *out, const char *where, dc_error *err)
{
    memset(out, 0, sizeof *out);
    if (!j)
        return DC_OK;
    if (!json_is_object(j))
        return dc_error_set(err, DC_EINVALID, "%s: \"metadata\" must be an object of strings", where);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v)
    {
        if (!json_is_string(v)) {
            dc_metadata_clear(out);
            return dc_error_set(err, DC_EINVALID, "%s: metadata value of \"%s\" must be a string",
                                where, k);
        }
        if (dc_metadata_set(out, k, json_string_value(v)) != DC_OK) {
            dc_metadata_clear(out);
            return dc_error_nomem(err);
        }
    }
    return DC_OK;
}


dc_status dc_schema_from_json(dc_schema **out, const json_t *j, dc_error *err)
{
    dc_status rc = DC_OK;
    *out = NULL;
    const json_t *fields = json_object_get(j, "fields");
    if (!json_is_object(j) || !json_is_array(fields))
        return dc_error_set(err, DC_EINVALID,
                            "a schema is {\"fields\": [{\"name\": ..., \"type\": ...}, ...]}");
    size_t n = json_array_size(fields);
    if (n > 100000)
        return dc_error_set(err, DC_EINVALID, "a schema may have at most 100000 fields, not %zu", n);
    dc_field *fs = dc_calloc(n ? n : 1, sizeof *fs);
    dc_metadata smd = {0};
    if (!fs)
        return dc_error_nomem(err);
    size_t i;
    json_t *jf;
    json_array_foreach(fields, i, jf)
    {
        const char *name = json_string_value(json_object_get(jf, "name"));
        const char *type = json_string_value(json_object_get(jf, "type"));
        const json_t *nullable = json_object_get(jf, "nullable");
        if (!name || !*name || !type) {
            rc = dc_error_set(err, DC_EINVALID, "schema field %zu needs a \"name\" and a \"type\"",
                              i + 1);
            goto cleanup;
        }
        if (nullable && !json_is_boolean(nullable)) {
            rc = dc_error_set(err, DC_EINVALID, "field %s: \"nullable\" must be true or false", name);
            goto cleanup;
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(fs[k].name, name)) {
                rc = dc_error_set(err, DC_EINVALID, "field %s appears twice in the schema", name);
                goto cleanup;
            }
        dc_type *t = NULL;
        if ((rc = dc_type_parse(&t, type, err)) != DC_OK) {
            dc_error_prefix(err, "field %s: ", name);
            goto cleanup;
        }
        dc_metadata md;
        char where[300];
        snprintf(where, sizeof where, "field %s", name);
        rc = metadata_from(json_object_get(jf, "metadata"), &md, where, err);
        if (rc == DC_OK) {
            rc = dc_field_init(&fs[i], name, t, nullable ? json_is_true(nullable) : true, &md);
            if (rc != DC_OK)
                rc = dc_error_nomem(err);
        }
        dc_metadata_clear(&md);
        dc_type_unref(t);
        if (rc != DC_OK)
            goto cleanup;
    }
    DC_TRY(metadata_from(json_object_get(j, "metadata"), &smd, "schema", err));
    *out = dc_schema_new(fs, (int32_t)n, &smd);
    if (!*out)
        rc = dc_error_nomem(err);
cleanup:
    for (size_t k = 0; k < n; k++)
        dc_field_clear(&fs[k]);
    dc_free(fs);
    dc_metadata_clear(&smd);
    return rc;
}

/* ---- the public text form ---- */

dc_status dc_schema_from_json_text(dc_schema **out, const char *text, size_t len, const char *what,
                                   dc_error *err)
{
    json_t *j = NULL;
    *out = NULL;
    if (!text)
        return dc_error_set(err, DC_EINVALID, "no schema text given");
    dc_status rc = dc_json_parse(&j, text, len, what ? what : "schema", err);
    if (rc == DC_OK && !json_is_object(j))
        rc = dc_error_set(err, DC_EINVALID,
                          "%s: a schema is a JSON object {\"fields\": [{\"name\": ..., "
                          "\"type\": ...}, ...]}",
                          what ? what : "schema");
    if (rc == DC_OK) {
        rc = dc_schema_from_json(out, j, err);
        if (rc != DC_OK && what)
            dc_error_prefix(err, "%s: ", what);
    }
    json_decref(j);
    return rc;
}

char *dc_schema_to_json_text(const dc_schema *s)
{
    json_t *j = s ? dc_schema_to_json(s) : NULL;
    if (!j)
        return NULL;
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    char *out = NULL;
    if (dc_json_dump(&sb, j) == DC_OK)
        out = dc_strndup(sb.data, (size_t)sb.len);
    dc_strbuf_free(&sb);
    json_decref(j);
    return out;
}
