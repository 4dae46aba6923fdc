/*
 * table.c: namespaces and tables (include/deltacat/table.h) as operations of
 * the commit log (docs/FORMAT.md 4.1), and the helpers the write and read
 * paths share (engine_int.h).
 */
#include "catalog/engine_int.h"
#include "catalog/tschema_int.h"
#include "compute/partition_int.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- scopes ---- */

dc_status dc_scope_begin(dc_scope *s, dc_catalog *c, dc_txn *txn, dc_error *err)
{
    s->c = c;
    s->txn = txn;
    s->own = false;
    if (!c)
        return dc_error_set(err, DC_EINVALID, "no catalog given");
    if (txn) {
        if (txn->catalog != c)
            return dc_error_set(err, DC_EINVALID,
                                "the transaction belongs to another catalog handle");
        return DC_OK;
    }
    s->own = true;
    return dc_txn_begin(&s->txn, c, NULL, err);
}

dc_status dc_scope_end(dc_scope *s, dc_status rc, const char *message, int64_t *version,
                       dc_error *err)
{
    if (version)
        *version = 0;
    if (!s->own)
        return rc;
    if (rc == DC_OK)
        rc = dc_txn_commit(s->txn, message, version, err);
    dc_txn_abort(s->txn);
    s->txn = NULL;
    return rc;
}

void dc_scope_drop(dc_scope *s)
{
    if (s->own)
        dc_txn_abort(s->txn);
    s->txn = NULL;
}

dc_status dc_scope_add_op(dc_scope *s, json_t *op, dc_error *err)
{
    if (!op)
        return dc_error_nomem(err);
    dc_status rc = dc_stxn_add_op(s->txn->st, op, err);
    json_decref(op);
    return rc;
}

/* ---- lookups ---- */

dc_status dc_ns_resolve(const dc_scope *s, const char *name, const char **id, dc_error *err)
{
    if (!name)
        name = DC_DEFAULT_NAMESPACE;
    *id = dc_state_namespace_id_by_name(dc_scope_state(s), name);
    if (!*id) { /* a name no namespace could have is a bad name, not a missing one */
        DC_RET(dc_state_check_name("namespace", name, err));
        return dc_error_set(err, DC_ENOTFOUND, "namespace %s does not exist", name);
    }
    return DC_OK;
}

dc_status dc_table_resolve(const dc_scope *s, const char *ns, const char *name,
                           const char **table_id, const json_t **table, dc_error *err)
{
    const char *nsid;
    if (!name)
        return dc_error_set(err, DC_EINVALID, "no table name given");
    DC_RET(dc_ns_resolve(s, ns, &nsid, err));
    const char *id = dc_state_table_id_by_name(dc_scope_state(s), nsid, name);
    if (!id) {
        DC_RET(dc_state_check_name("table", name, err));
        return dc_error_set(err, DC_ENOTFOUND, "table %s does not exist in namespace %s", name,
                            ns ? ns : DC_DEFAULT_NAMESPACE);
    }
    if (table_id)
        *table_id = id;
    if (table)
        *table = dc_state_table(dc_scope_state(s), id);
    return DC_OK;
}

const json_t *dc_table_current(const json_t *table, int64_t *number)
{
    json_int_t n = json_integer_value(json_object_get(table, "current_version"));
    if (number)
        *number = (int64_t)n;
    if (n < 1)
        return NULL;
    char k[24];
    snprintf(k, sizeof k, "%lld", (long long)n);
    return json_object_get(json_object_get(table, "versions"), k);
}

const json_t *dc_table_version_obj(const json_t *table, int64_t want, int64_t *number)
{
    if (want <= 0)
        return dc_table_current(table, number);
    char k[24];
    snprintf(k, sizeof k, "%lld", (long long)want);
    if (number)
        *number = want;
    return json_object_get(json_object_get(table, "versions"), k);
}

dc_status dc_tv_schema(const json_t *tv, dc_schema **out, dc_error *err)
{
    *out = NULL;
    const json_t *j = json_object_get(tv, "schema");
    if (!j || json_is_null(j))
        return DC_OK;
    dc_status rc = dc_schema_from_json(out, j, err);
    if (rc != DC_OK)
        return dc_error_set(err, DC_ECORRUPT, "the table's schema does not parse: %s",
                            err ? err->message : "");
    return DC_OK;
}

static const char *const EVOLUTION[] = {"auto", "manual", "disabled"};
static const char *const CONSISTENCY[] = {"none", "coerce", "validate"};

const char *dc_evolution_name(dc_schema_evolution e)
{
    return (unsigned)e < DC_ARRAY_LEN(EVOLUTION) ? EVOLUTION[e] : "auto";
}

const char *dc_consistency_name(dc_schema_consistency c)
{
    return (unsigned)c < DC_ARRAY_LEN(CONSISTENCY) ? CONSISTENCY[c] : "none";
}

static int name_index(const char *const *names, size_t n, const char *v)
{
    for (size_t i = 0; v && i < n; i++)
        if (!strcmp(names[i], v))
            return (int)i;
    return 0;
}

static const char *tv_prop(const json_t *tv, const char *key)
{
    return json_string_value(json_object_get(json_object_get(tv, "properties"), key));
}

dc_schema_evolution dc_tv_evolution(const json_t *tv)
{
    return (dc_schema_evolution)name_index(EVOLUTION, DC_ARRAY_LEN(EVOLUTION),
                                           tv_prop(tv, TV_EVOLUTION));
}

dc_schema_consistency dc_tv_consistency(const json_t *tv)
{
    return (dc_schema_consistency)name_index(CONSISTENCY, DC_ARRAY_LEN(CONSISTENCY),
                                             tv_prop(tv, TV_CONSISTENCY));
}

bool dc_tv_schemaless(const json_t *tv)
{
    return json_is_true(json_object_get(json_object_get(tv, "properties"), TV_SCHEMALESS));
}

dc_file_format dc_tv_content_type(const json_t *tv)
{
    const char *n = tv_prop(tv, TV_CONTENT_TYPE);
    dc_file_format f = n ? dc_format_from_name(n) : DC_FORMAT_PARQUET;
    return f == DC_FORMAT_UNKNOWN ? DC_FORMAT_PARQUET : f;
}

json_t *dc_metadata_to_json(const dc_metadata *m)
{
    json_t *o = json_object();
    for (int32_t i = 0; o && m && i < m->n; i++)
        if (json_object_set_new(o, m->keys[i], json_string(m->values[i])) != 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

dc_status dc_metadata_from_json(dc_metadata *out, const json_t *obj, dc_error *err)
{
    memset(out, 0, sizeof *out);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        if (!json_is_string(v))
            continue; /* engine-owned members (not strings) are not user properties */
        if (!strcmp(k, "description"))
            continue;
        if (dc_metadata_set(out, k, json_string_value(v)) != DC_OK) {
            dc_metadata_clear(out);
            return dc_error_nomem(err);
        }
    }
    return DC_OK;
}

static dc_status check_props(const dc_metadata *m, dc_error *err)
{
    for (int32_t i = 0; m && i < m->n; i++) {
        if (!m->keys[i] || !*m->keys[i] || !m->values[i])
            return dc_error_set(err, DC_EINVALID, "a property needs a non-empty key and a value");
        if (!dc_utf8_valid(m->keys[i], (int64_t)strlen(m->keys[i])) ||
            !dc_utf8_valid(m->values[i], (int64_t)strlen(m->values[i])))
            return dc_error_set(err, DC_EINVALID, "property %s is not valid UTF-8", m->keys[i]);
    }
    return DC_OK;
}

/* The text form of a partition scheme ("day(ts), bucket(16, id) AS b"); NULL on ENOMEM. */
char *dc_part_spec_text(const dc_part_spec *s)
{
    dc_strbuf b;
    dc_strbuf_init(&b);
    for (int32_t i = 0; i < s->n; i++) {
        const dc_part_field *f = &s->fields[i];
        char dflt[600];
        if (i)
            dc_strbuf_puts(&b, ", ");
        if (f->transform == DC_TR_IDENTITY) {
            dc_strbuf_puts(&b, f->column);
            snprintf(dflt, sizeof dflt, "%s", f->column);
        } else if (f->transform == DC_TR_BUCKET || f->transform == DC_TR_TRUNCATE) {
            dc_strbuf_printf(&b, "%s(%d, %s)", dc_transform_name(f->transform), (int)f->param,
                             f->column);
            snprintf(dflt, sizeof dflt, "%s_%s", f->column, dc_transform_name(f->transform));
        } else {
            dc_strbuf_printf(&b, "%s(%s)", dc_transform_name(f->transform), f->column);
            snprintf(dflt, sizeof dflt, "%s_%s", f->column, dc_transform_name(f->transform));
        }
        if (strcmp(dflt, f->name) != 0)
            dc_strbuf_printf(&b, " AS %s", f->name);
    }
    return dc_strbuf_detach(&b);
}

/* ---- namespaces ---- */

dc_status dc_ns_create_op(dc_scope *s, const char *name, const dc_metadata *props, dc_error *err)
{
    char id[37];
    DC_RET(dc_uuid(id, err));
    json_t *p = dc_metadata_to_json(props);
    if (!p)
        return dc_error_nomem(err);
    return dc_scope_add_op(s,
                           json_pack("{s:s, s:s, s:s, s:o}", "op", "create_namespace",
                                     "namespace_id", id, "name", name, "properties", p),
                           err);
}

dc_status dc_namespace_create(dc_catalog *c, dc_txn *txn, const char *name,
                              const dc_metadata *properties, dc_error *err)
{
    dc_scope s;
    if (!name)
        name = DC_DEFAULT_NAMESPACE;
    DC_RET(check_props(properties, err));
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_ns_create_op(&s, name, properties, err);
    return dc_scope_end(&s, rc, "create namespace", NULL, err);
}

dc_status dc_namespace_exists(dc_catalog *c, dc_txn *txn, const char *name, bool *out,
                              dc_error *err)
{
    dc_scope s;
    *out = false;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    *out = dc_state_namespace_id_by_name(dc_scope_state(&s), name ? name : DC_DEFAULT_NAMESPACE) !=
           NULL;
    dc_scope_drop(&s);
    return DC_OK;
}

static int64_t ns_table_count(const json_t *state, const char *nsid)
{
    int64_t n = 0;
    const char *id;
    json_t *t;
    json_object_foreach(json_object_get(state, "tables"), id, t)
    {
        const char *tn = json_string_value(json_object_get(t, "namespace_id"));
        n += tn && !strcmp(tn, nsid);
    }
    return n;
}

static dc_status ns_info(const json_t *state, const char *id, dc_namespace_info *out, dc_error *err)
{
    memset(out, 0, sizeof *out);
    const json_t *ns = dc_state_namespace(state, id);
    out->id = dc_strdup(id);
    out->name = dc_strdup(json_string_value(json_object_get(ns, "name")));
    if (!out->id || !out->name) {
        dc_namespace_info_clear(out);
        return dc_error_nomem(err);
    }
    out->n_tables = ns_table_count(state, id);
    dc_status rc = dc_metadata_from_json(&out->properties, json_object_get(ns, "properties"), err);
    if (rc != DC_OK)
        dc_namespace_info_clear(out);
    return rc;
}

dc_status dc_namespace_get(dc_catalog *c, dc_txn *txn, const char *name, dc_namespace_info *out,
                           dc_error *err)
{
    dc_scope s;
    const char *id;
    memset(out, 0, sizeof *out);
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_ns_resolve(&s, name, &id, err);
    if (rc == DC_OK)
        rc = ns_info(dc_scope_state(&s), id, out, err);
    dc_scope_drop(&s);
    return rc;
}

static int ns_cmp(const void *a, const void *b)
{
    return strcmp(((const dc_namespace_info *)a)->name, ((const dc_namespace_info *)b)->name);
}

dc_status dc_namespace_list(dc_catalog *c, dc_txn *txn, dc_namespace_info **out, int64_t *n,
                            dc_error *err)
{
    dc_scope s;
    dc_status rc = DC_OK;
    *out = NULL;
    *n = 0;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    const json_t *all = json_object_get(dc_scope_state(&s), "namespaces");
    int64_t cnt = (int64_t)json_object_size(all), k = 0;
    dc_namespace_info *v = dc_calloc((size_t)DC_MAX(cnt, 1), sizeof *v);
    DC_TRY_ALLOC(v, err);
    const char *id;
    json_t *ns;
    json_object_foreach((json_t *)all, id, ns)
    {
        DC_TRY(ns_info(dc_scope_state(&s), id, &v[k], err));
        k++;
    }
    qsort(v, (size_t)k, sizeof *v, ns_cmp);
    *out = v;
    *n = k;
    v = NULL;
cleanup:
    dc_namespace_infos_free(v, k);
    dc_scope_drop(&s);
    return rc;
}

dc_status dc_namespace_alter(dc_catalog *c, dc_txn *txn, const char *name, const char *new_name,
                             const dc_metadata *properties, dc_error *err)
{
    dc_scope s;
    const char *id;
    DC_RET(check_props(properties, err));
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_ns_resolve(&s, name, &id, err);
    if (rc == DC_OK) {
        json_t *op = json_pack("{s:s, s:s}", "op", "update_namespace", "namespace_id", id);
        if (op && new_name)
            json_object_set_new(op, "name", json_string(new_name));
        if (op && properties)
            json_object_set_new(op, "properties", dc_metadata_to_json(properties));
        rc = dc_scope_add_op(&s, op, err);
    }
    return dc_scope_end(&s, rc, "alter namespace", NULL, err);
}

dc_status dc_namespace_drop(dc_catalog *c, dc_txn *txn, const char *name, bool cascade,
                            dc_error *err)
{
    dc_scope s;
    const char *id;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_ns_resolve(&s, name, &id, err);
    char nsid[64];
    if (rc == DC_OK)
        snprintf(nsid, sizeof nsid, "%s", id); /* the state changes under us below */
    if (rc == DC_OK && cascade) {
        for (;;) { /* drop the tables one by one (each op changes the state) */
            const char *tid = NULL, *k;
            json_t *t;
            json_object_foreach(json_object_get(dc_scope_state(&s), "tables"), k, t)
            {
                const char *tn = json_string_value(json_object_get(t, "namespace_id"));
                if (tn && !strcmp(tn, nsid)) {
                    tid = k;
                    break;
                }
            }
            if (!tid)
                break;
            rc = dc_scope_add_op(&s, json_pack("{s:s, s:s}", "op", "drop_table", "table_id", tid),
                                 err);
            if (rc != DC_OK)
                break;
        }
    }
    if (rc == DC_OK)
        rc = dc_scope_add_op(
            &s, json_pack("{s:s, s:s}", "op", "drop_namespace", "namespace_id", nsid), err);
    return dc_scope_end(&s, rc, "drop namespace", NULL, err);
}

void dc_namespace_info_clear(dc_namespace_info *i)
{
    if (!i)
        return;
    dc_free(i->id);
    dc_free(i->name);
    dc_metadata_clear(&i->properties);
    memset(i, 0, sizeof *i);
}

void dc_namespace_infos_free(dc_namespace_info *i, int64_t n)
{
    for (int64_t k = 0; i && k < n; k++)
        dc_namespace_info_clear(&i[k]);
    dc_free(i);
}

/* ---- tables ---- */

void dc_table_options_init(dc_table_options *o)
{
    memset(o, 0, sizeof *o);
    o->content_type = DC_FORMAT_PARQUET;
}

static dc_status check_content_type(dc_file_format f, dc_error *err)
{
    if (f == DC_FORMAT_PARQUET || f == DC_FORMAT_CSV || f == DC_FORMAT_JSONL ||
        f == DC_FORMAT_TSV || f == DC_FORMAT_PSV)
        return DC_OK;
    return dc_error_set(err, DC_EINVALID,
                        "a table's content type must be parquet, csv, tsv, psv or jsonl");
}

dc_status dc_table_version_ops(dc_scope *s, const char *table_id, int64_t number,
                               const dc_table_options *o, const dc_schema *schema, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_schema *prepared = NULL, *keyed = NULL;
    int64_t next_id = 1;
    json_t *vprops = NULL, *sj = NULL, *pj = NULL;
    dc_part_spec spec = {0};
    DC_TRY(check_content_type(o->content_type ? o->content_type : DC_FORMAT_PARQUET, err));
    if ((unsigned)o->evolution > DC_SCHEMA_EVOLUTION_DISABLED ||
        (unsigned)o->consistency > DC_SCHEMA_CONSISTENCY_VALIDATE) {
        rc = dc_error_set(err, DC_EINVALID, "unknown schema evolution or consistency mode");
        goto cleanup;
    }
    if (o->schemaless && (o->schema || (o->partition_by && *o->partition_by))) {
        rc = dc_error_set(err, DC_EINVALID,
                          "a schemaless table has no schema and no partition scheme");
        goto cleanup;
    }
    if (o->n_merge_keys > 0 && (o->schemaless || !schema)) {
        rc = dc_error_set(err, DC_EINVALID,
                          "merge keys need a schema: give one, or create the table with its "
                          "first write");
        goto cleanup;
    }
    if (schema && !o->schemaless) {
        if (o->n_merge_keys > 0) {
            DC_TRY(dc_tschema_with_merge_keys(&keyed, schema, o->merge_keys, o->n_merge_keys,
                                              err));
            schema = keyed;
        }
        DC_TRY(dc_tschema_prepare(&prepared, schema, &next_id, err));
    }
    if (o->partition_by && *o->partition_by) {
        DC_TRY(dc_part_spec_parse(&spec, o->partition_by, err));
        if (prepared)
            DC_TRY(dc_part_spec_bind(&spec, prepared, err));
        pj = dc_part_spec_to_json(&spec);
        DC_TRY_ALLOC(pj, err);
    }
    vprops = json_pack("{s:s, s:s, s:s, s:I}", TV_EVOLUTION, dc_evolution_name(o->evolution),
                       TV_CONSISTENCY, dc_consistency_name(o->consistency), TV_CONTENT_TYPE,
                       dc_format_name(o->content_type ? o->content_type : DC_FORMAT_PARQUET),
                       TV_NEXT_FIELD_ID, (json_int_t)next_id);
    DC_TRY_ALLOC(vprops, err);
    if (o->schemaless)
        json_object_set_new(vprops, TV_SCHEMALESS, json_true());
    if (o->n_readers > 0) {
        json_t *rd = json_array();
        DC_TRY_ALLOC(rd, err);
        json_object_set_new(vprops, TV_READERS, rd);
        for (int32_t i = 0; i < o->n_readers; i++)
            if (!o->readers || !o->readers[i] ||
                json_array_append_new(rd, json_string(o->readers[i])) != 0) {
                rc = dc_error_set(err, DC_EINVALID, "a reader name is missing or not UTF-8");
                goto cleanup;
            }
        /* unknown names are refused even before the table has a schema */
        dc_schema *empty = dc_schema_new(NULL, 0, NULL);
        DC_TRY_ALLOC(empty, err);
        rc = dc_tschema_check_readers(prepared ? prepared : empty, o->readers, o->n_readers, err);
        dc_schema_unref(empty);
        if (rc != DC_OK)
            goto cleanup;
    }
    json_t *op = json_pack("{s:s, s:s, s:I, s:O}", "op", "create_table_version", "table_id",
                           table_id, "table_version", (json_int_t)number, "properties", vprops);
    if (op && prepared) {
        sj = dc_schema_to_json(prepared);
        if (!sj) {
            json_decref(op);
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        json_object_set_new(sj, "schema_id", json_integer(0));
        json_object_set(op, "schema", sj);
    }
    if (op && pj)
        json_object_set(op, "partition_spec", pj);
    DC_TRY(dc_scope_add_op(s, op, err));
cleanup:
    json_decref(vprops);
    json_decref(sj);
    json_decref(pj);
    dc_part_spec_clear(&spec);
    dc_schema_unref(prepared);
    dc_schema_unref(keyed);
    return rc;
}

dc_status dc_table_create_ops(dc_scope *s, const char *nsid, const char *name,
                              const dc_table_options *o, const dc_schema *schema,
                              const char **table_id, dc_error *err)
{
    dc_status rc = DC_OK;
    char id[37];
    json_t *tprops = NULL;
    DC_TRY(dc_uuid(id, err));
    DC_TRY(check_props(o->properties, err));
    tprops = dc_metadata_to_json(o->properties);
    DC_TRY_ALLOC(tprops, err);
    if (o->description)
        json_object_set_new(tprops, "description", json_string(o->description));
    DC_TRY(dc_scope_add_op(s,
                           json_pack("{s:s, s:s, s:s, s:s, s:O}", "op", "create_table", "table_id",
                                     id, "namespace_id", nsid, "name", name, "properties", tprops),
                           err));
    DC_TRY(dc_table_version_ops(s, id, 1, o, schema, err));
    if (table_id)
        *table_id = dc_state_table_id_by_name(dc_scope_state(s), nsid, name);
cleanup:
    json_decref(tprops);
    return rc;
}

dc_status dc_table_create(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                          const dc_table_options *opts, dc_error *err)
{
    dc_scope s;
    dc_table_options defaults;
    const char *nsid;
    if (!opts) {
        dc_table_options_init(&defaults);
        opts = &defaults;
    }
    if (!name)
        return dc_error_set(err, DC_EINVALID, "no table name given");
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = DC_OK;
    if (!ns || !strcmp(ns, DC_DEFAULT_NAMESPACE)) { /* the default namespace: made on first use */
        if (!dc_state_namespace_id_by_name(dc_scope_state(&s), DC_DEFAULT_NAMESPACE))
            rc = dc_ns_create_op(&s, DC_DEFAULT_NAMESPACE, NULL, err);
    }
    if (rc == DC_OK)
        rc = dc_ns_resolve(&s, ns, &nsid, err);
    if (rc == DC_OK && dc_state_table_id_by_name(dc_scope_state(&s), nsid, name)) {
        if (opts->if_not_exists) {
            dc_scope_drop(&s);
            return DC_OK;
        }
        rc = dc_error_set(err, DC_EEXISTS, "table %s already exists in namespace %s", name,
                          ns ? ns : DC_DEFAULT_NAMESPACE);
    }
    if (rc == DC_OK)
        rc = dc_table_create_ops(&s, nsid, name, opts, opts->schema, NULL, err);
    return dc_scope_end(&s, rc, "create table", NULL, err);
}

dc_status dc_table_exists(dc_catalog *c, dc_txn *txn, const char *ns, const char *name, bool *out,
                          dc_error *err)
{
    dc_scope s;
    *out = false;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    const char *nsid =
        dc_state_namespace_id_by_name(dc_scope_state(&s), ns ? ns : DC_DEFAULT_NAMESPACE);
    *out = nsid && name && dc_state_table_id_by_name(dc_scope_state(&s), nsid, name);
    dc_scope_drop(&s);
    return DC_OK;
}

static dc_status table_info(const json_t *state, const char *id, dc_table_info *out, dc_error *err)
{
    dc_status rc = DC_OK;
    memset(out, 0, sizeof *out);
    const json_t *t = dc_state_table(state, id);
    const json_t *ns =
        dc_state_namespace(state, json_string_value(json_object_get(t, "namespace_id")));
    const json_t *props = json_object_get(t, "properties");
    out->id = dc_strdup(id);
    out->name = dc_strdup(json_string_value(json_object_get(t, "name")));
    out->namespace_name = dc_strdup(json_string_value(json_object_get(ns, "name")));
    DC_TRY_ALLOC(out->id, err);
    DC_TRY_ALLOC(out->name, err);
    DC_TRY_ALLOC(out->namespace_name, err);
    const char *desc = json_string_value(json_object_get(props, "description"));
    if (desc) {
        out->description = dc_strdup(desc);
        DC_TRY_ALLOC(out->description, err);
    }
    DC_TRY(dc_metadata_from_json(&out->properties, props, err));
    out->last_modified = json_integer_value(json_object_get(t, "modified"));
    const json_t *tv = dc_table_current(t, &out->table_version);
    if (!tv)
        goto cleanup;
    DC_TRY(dc_tv_schema(tv, &out->schema, err));
    const json_t *pspec = json_object_get(tv, "partition_spec");
    if (pspec && json_array_size(pspec) > 0) {
        dc_part_spec ps = {0};
        DC_TRY(dc_part_spec_from_json(&ps, pspec, err));
        out->partition_by = dc_part_spec_text(&ps);
        dc_part_spec_clear(&ps);
        DC_TRY_ALLOC(out->partition_by, err);
    }
    out->evolution = dc_tv_evolution(tv);
    out->consistency = dc_tv_consistency(tv);
    out->content_type = dc_tv_content_type(tv);
    out->schemaless = dc_tv_schemaless(tv);
    int64_t tvmod = json_integer_value(json_object_get(tv, "modified"));
    if (tvmod > out->last_modified)
        out->last_modified = tvmod;
    const char *pk;
    json_t *p;
    json_object_foreach(json_object_get(tv, "partitions"), pk, p)
    {
        size_t i, j;
        json_t *d, *f;
        int64_t files_before = out->file_count;
        json_array_foreach(json_object_get(p, "deltas"), i, d)
        {
            out->delta_count++;
            json_array_foreach(json_object_get(d, "files"), j, f)
            {
                out->file_count++;
                out->row_count += json_integer_value(json_object_get(f, "record_count"));
                out->size_bytes += json_integer_value(json_object_get(f, "file_size"));
            }
        }
        out->partition_count += out->file_count > files_before;
    }
cleanup:
    if (rc != DC_OK)
        dc_table_info_clear(out);
    return rc;
}

dc_status dc_table_describe(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                            dc_table_info *out, dc_error *err)
{
    dc_scope s;
    const char *id;
    memset(out, 0, sizeof *out);
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, NULL, err);
    if (rc == DC_OK)
        rc = table_info(dc_scope_state(&s), id, out, err);
    if (rc == DC_OK)
        rc = dc_stxn_note_read(s.txn->st, id, false, err);
    dc_scope_drop(&s);
    return rc;
}

static int table_cmp(const void *a, const void *b)
{
    return strcmp(((const dc_table_info *)a)->name, ((const dc_table_info *)b)->name);
}

dc_status dc_table_list(dc_catalog *c, dc_txn *txn, const char *ns, dc_table_info **out, int64_t *n,
                        dc_error *err)
{
    dc_scope s;
    dc_status rc = DC_OK;
    const char *nsid;
    dc_table_info *v = NULL;
    int64_t k = 0;
    *out = NULL;
    *n = 0;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    DC_TRY(dc_ns_resolve(&s, ns, &nsid, err));
    const json_t *tables = json_object_get(dc_scope_state(&s), "tables");
    v = dc_calloc(json_object_size(tables) + 1, sizeof *v);
    DC_TRY_ALLOC(v, err);
    const char *id;
    json_t *t;
    json_object_foreach((json_t *)tables, id, t)
    {
        const char *tn = json_string_value(json_object_get(t, "namespace_id"));
        if (!tn || strcmp(tn, nsid) != 0)
            continue;
        DC_TRY(table_info(dc_scope_state(&s), id, &v[k], err));
        k++;
    }
    qsort(v, (size_t)k, sizeof *v, table_cmp);
    *out = v;
    *n = k;
    v = NULL;
cleanup:
    dc_table_infos_free(v, k);
    dc_scope_drop(&s);
    return rc;
}

dc_status dc_table_alter(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                         const dc_metadata *properties, const char *description, dc_error *err)
{
    dc_scope s;
    const char *id;
    const json_t *t;
    DC_RET(check_props(properties, err));
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, &t, err);
    if (rc == DC_OK && (properties || description)) {
        json_t *p = properties ? dc_metadata_to_json(properties)
                               : json_deep_copy(json_object_get(t, "properties"));
        if (p && !properties) { /* keep the user's properties, change the description */
            json_object_del(p, "description");
        }
        const char *old =
            json_string_value(json_object_get(json_object_get(t, "properties"), "description"));
        const char *d = description ? description : old;
        if (p && d && *d)
            json_object_set_new(p, "description", json_string(d));
        rc = dc_scope_add_op(
            &s,
            p ? json_pack("{s:s, s:s, s:o}", "op", "update_table", "table_id", id, "properties", p)
              : NULL,
            err);
    }
    return dc_scope_end(&s, rc, "alter table", NULL, err);
}

dc_status dc_table_rename(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                          const char *new_ns, const char *new_name, dc_error *err)
{
    dc_scope s;
    const char *id, *nsid = NULL;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, NULL, err);
    if (rc == DC_OK && new_ns)
        rc = dc_ns_resolve(&s, new_ns, &nsid, err);
    if (rc == DC_OK) {
        json_t *op = json_pack("{s:s, s:s}", "op", "update_table", "table_id", id);
        if (op && new_name)
            json_object_set_new(op, "name", json_string(new_name));
        if (op && nsid)
            json_object_set_new(op, "namespace_id", json_string(nsid));
        rc = dc_scope_add_op(&s, op, err);
    }
    return dc_scope_end(&s, rc, "rename table", NULL, err);
}

/* The live files of a table version grouped by partition: {key: [entry, ...]}. */
static json_t *files_by_partition(const json_t *tv)
{
    json_t *out = json_object();
    const char *pk;
    json_t *p;
    json_object_foreach(json_object_get(tv, "partitions"), pk, p)
    {
        json_t *files = json_array();
        size_t i, j;
        json_t *d, *f;
        json_array_foreach(json_object_get(p, "deltas"), i, d)
            json_array_foreach(json_object_get(d, "files"), j, f) json_array_append(files, f);
        if (!files || !out) {
            json_decref(files);
            json_decref(out);
            return NULL;
        }
        if (json_array_size(files) > 0)
            json_object_set_new(out, pk, files);
        else
            json_decref(files);
    }
    return out;
}

dc_status dc_table_drop(dc_catalog *c, dc_txn *txn, const char *ns, const char *name, bool purge,
                        dc_error *err)
{
    dc_scope s;
    const char *id;
    const json_t *t;
    json_t *doomed = NULL;
    if (purge && txn)
        return dc_error_set(err, DC_EINVALID,
                            "a purge removes the files once the drop commits: drop with its own "
                            "transaction (txn NULL)");
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, &t, err);
    if (rc == DC_OK && purge) { /* every file of every version, as this transaction sees them */
        doomed = json_array();
        const char *vk;
        json_t *tv;
        json_object_foreach(json_object_get(t, "versions"), vk, tv)
        {
            json_t *byp = files_by_partition(tv);
            const char *pk;
            json_t *files;
            json_object_foreach(byp, pk, files)
            {
                size_t i;
                json_t *f;
                json_array_foreach(files, i, f)
                    json_array_append(doomed, json_object_get(f, "path"));
            }
            if (!byp)
                rc = dc_error_nomem(err);
            json_decref(byp);
        }
        if (!doomed)
            rc = dc_error_nomem(err);
    }
    if (rc == DC_OK)
        rc = dc_scope_add_op(&s, json_pack("{s:s, s:s}", "op", "drop_table", "table_id", id), err);
    rc = dc_scope_end(&s, rc, purge ? "drop table (purge)" : "drop table", NULL, err);
    if (rc == DC_OK && doomed) {
        size_t i;
        json_t *pv;
        json_array_foreach(doomed, i, pv) /* best effort: what remains is the collector's */
            (void) dc_fs_remove(dc_store_fs(c->store), json_string_value(pv), NULL);
    }
    json_decref(doomed);
    return rc;
}

dc_status dc_table_remove_all_ops(dc_scope *s, const char *table_id, int64_t want, dc_error *err)
{
    int64_t vn;
    const json_t *tv = dc_table_version_obj(dc_state_table(dc_scope_state(s), table_id), want, &vn);
    if (!tv)
        return DC_OK;
    /* collect first: every op changes the state */
    json_t *todo = files_by_partition(tv);
    if (!todo)
        return dc_error_nomem(err);
    const char *pk;
    json_t *files;
    json_object_foreach(todo, pk, files)
    {
        json_t *paths = json_array();
        size_t i;
        json_t *f;
        json_array_foreach(files, i, f) json_array_append(paths, json_object_get(f, "path"));
        if (!paths || json_object_set_new(todo, pk, paths) != 0) { /* entries -> paths */
            json_decref(todo);
            return dc_error_nomem(err);
        }
    }
    dc_status rc = DC_OK;
    json_t *paths;
    json_object_foreach(todo, pk, paths)
    {
        rc = dc_scope_add_op(s,
                             json_pack("{s:s, s:s, s:I, s:s, s:O, s:b}", "op", "remove_files",
                                       "table_id", table_id, "table_version", (json_int_t)vn,
                                       "partition", pk, "paths", paths, "exclusive", 1),
                             err);
        if (rc != DC_OK)
            break;
    }
    json_decref(todo);
    return rc;
}

dc_status dc_table_truncate(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                            dc_error *err)
{
    dc_scope s;
    const char *id;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, NULL, err);
    char tid[64];
    if (rc == DC_OK) {
        snprintf(tid, sizeof tid, "%s", id);
        rc = dc_table_remove_all_ops(&s, tid, 0, err);
    }
    return dc_scope_end(&s, rc, "truncate table", NULL, err);
}

dc_status dc_tv_set_schema_op(dc_scope *s, const char *table_id, int64_t vn, const json_t *tv,
                              const dc_schema *schema, int64_t next_id, dc_error *err)
{
    json_t *sj = dc_schema_to_json(schema);
    json_t *props = json_deep_copy(json_object_get(tv, "properties"));
    if (!sj || !props) {
        json_decref(sj);
        json_decref(props);
        return dc_error_nomem(err);
    }
    const json_t *old = json_object_get(tv, "schema");
    json_int_t sid = old ? json_integer_value(json_object_get(old, "schema_id")) + 1 : 0;
    json_object_set_new(sj, "schema_id", json_integer(sid));
    json_object_set_new(props, TV_NEXT_FIELD_ID, json_integer(next_id));
    return dc_scope_add_op(s,
                           json_pack("{s:s, s:s, s:I, s:o, s:o}", "op", "update_table_version",
                                     "table_id", table_id, "table_version", (json_int_t)vn,
                                     "schema", sj, "properties", props),
                           err);
}

dc_status dc_tv_check_readers(const json_t *tv, const dc_schema *schema, dc_error *err)
{
    const json_t *rd = json_object_get(json_object_get(tv, "properties"), TV_READERS);
    size_t n = json_array_size(rd);
    if (n == 0)
        return DC_OK;
    const char **names = dc_calloc(n, sizeof *names);
    if (!names)
        return dc_error_nomem(err);
    for (size_t i = 0; i < n; i++)
        names[i] = json_string_value(json_array_get(rd, i));
    dc_status rc = dc_tschema_check_readers(schema, names, (int32_t)n, err);
    dc_free(names);
    return rc;
}

dc_status dc_table_update_schema(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                 const dc_schema_update *updates, int32_t n,
                                 bool allow_incompatible, dc_error *err)
{
    dc_scope s;
    const char *id;
    const json_t *t;
    dc_schema *cur = NULL, *next = NULL;
    char tid[64];
    if (n < 0 || (n > 0 && !updates))
        return dc_error_set(err, DC_EINVALID, "no schema updates given");
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, &t, err);
    if (rc != DC_OK)
        goto cleanup;
    snprintf(tid, sizeof tid, "%s", id);
    int64_t vn;
    const json_t *tv = dc_table_current(t, &vn);
    if (!tv) {
        rc = dc_error_set(err, DC_ECORRUPT, "table %s has no table version", name);
        goto cleanup;
    }
    if (dc_tv_evolution(tv) == DC_SCHEMA_EVOLUTION_DISABLED) {
        rc = dc_error_set(err, DC_ESCHEMA,
                          "table %s: schema evolution is DISABLED; its schema cannot change", name);
        goto cleanup;
    }
    DC_TRY(dc_tv_schema(tv, &cur, err));
    if (!cur) {
        cur = dc_schema_new(NULL, 0, NULL);
        DC_TRY_ALLOC(cur, err);
    }
    int64_t next_id =
        json_integer_value(json_object_get(json_object_get(tv, "properties"), TV_NEXT_FIELD_ID));
    if (next_id < 1)
        next_id = 1;
    DC_TRY(dc_tschema_apply_updates(&next, cur, updates, n, allow_incompatible, &next_id, err));
    DC_TRY(dc_tv_check_readers(tv, next, err));
    DC_TRY(dc_tv_set_schema_op(&s, tid, vn, tv, next, next_id, err));
cleanup:
    dc_schema_unref(cur);
    dc_schema_unref(next);
    return dc_scope_end(&s, rc, "update schema", NULL, err);
}

dc_status dc_table_rollback(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                            int64_t version, int64_t as_of_ns, dc_error *err)
{
    dc_scope s;
    const char *id;
    const json_t *t;
    dc_snapshot *snap = NULL;
    json_t *old_files = NULL;
    dc_schema *old_schema = NULL;
    char tid[64];
    if (version < 0 || as_of_ns < 0 || (version == 0 && as_of_ns == 0))
        return dc_error_set(err, DC_EINVALID, "a rollback needs a catalog version or a time");
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, &t, err);
    if (rc != DC_OK)
        goto cleanup;
    snprintf(tid, sizeof tid, "%s", id);
    if (version > dc_txn_read_version(s.txn)) {
        rc = dc_error_set(err, DC_EINVALID, "catalog version %lld is after the one read (%lld)",
                          (long long)version, (long long)dc_txn_read_version(s.txn));
        goto cleanup;
    }
    DC_TRY(version > 0 ? dc_store_snapshot_at(c->store, version, &snap, err)
                       : dc_store_snapshot_at_time(c->store, as_of_ns, &snap, err));
    const json_t *then = dc_state_table(snap->state, tid);
    int64_t vn_now, vn_then;
    const json_t *tv_now = dc_table_current(t, &vn_now);
    const json_t *tv_then = then ? dc_table_current(then, &vn_then) : NULL;
    if (!tv_then) {
        rc = dc_error_set(err, DC_ENOTFOUND, "table %s did not exist at catalog version %lld", name,
                          (long long)snap->version);
        goto cleanup;
    }
    if (vn_then != vn_now) {
        rc = dc_error_set(err, DC_EUNSUPPORTED,
                          "table %s was at table version %lld then and is at %lld now; read "
                          "the old version by number instead",
                          name, (long long)vn_then, (long long)vn_now);
        goto cleanup;
    }
    old_files = files_by_partition(tv_then);
    DC_TRY_ALLOC(old_files, err);
    /* every file of then must still be there */
    const char *pk;
    json_t *files;
    json_object_foreach(old_files, pk, files)
    {
        size_t i;
        json_t *f;
        json_array_foreach(files, i, f)
        {
            bool ex = false;
            const char *path = json_string_value(json_object_get(f, "path"));
            DC_TRY(dc_fs_exists(dc_store_fs(c->store), path, &ex, err));
            if (!ex) {
                rc = dc_error_set(err, DC_ENOTFOUND,
                                  "table %s: file %s of catalog version %lld was collected; "
                                  "that version can no longer be restored",
                                  name, path, (long long)snap->version);
                goto cleanup;
            }
        }
    }
    DC_TRY(dc_table_remove_all_ops(&s, tid, vn_now, err));
    json_object_foreach(old_files, pk, files)
    {
        DC_TRY(dc_scope_add_op(&s,
                               json_pack("{s:s, s:s, s:I, s:s, s:s, s:O, s:b}", "op", "add_delta",
                                         "table_id", tid, "table_version", (json_int_t)vn_now,
                                         "partition", pk, "delta_type", "add", "files", files,
                                         "exclusive", 1),
                               err));
    }
    /* the schema of then, when it differs (a new schema id: history is kept) */
    const json_t *sj_then = json_object_get(tv_then, "schema");
    const json_t *sj_now = json_object_get(tv_now, "schema");
    if (sj_then && (!sj_now || json_integer_value(json_object_get(sj_then, "schema_id")) !=
                                   json_integer_value(json_object_get(sj_now, "schema_id")))) {
        DC_TRY(dc_tv_schema(tv_then, &old_schema, err));
        tv_now = dc_table_current(dc_state_table(dc_scope_state(&s), tid), &vn_now);
        int64_t next_id = json_integer_value(
            json_object_get(json_object_get(tv_now, "properties"), TV_NEXT_FIELD_ID));
        DC_TRY(dc_tv_set_schema_op(&s, tid, vn_now, tv_now, old_schema, next_id, err));
    }
cleanup:
    json_decref(old_files);
    dc_schema_unref(old_schema);
    dc_snapshot_unref(snap);
    return dc_scope_end(&s, rc, "rollback table", NULL, err);
}

dc_status dc_table_set_lifecycle(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                 int64_t version, const char *lifecycle, dc_error *err)
{
    static const char *const states[] = {"unreleased", "beta", "active", "deprecated"};
    bool known = false;
    for (size_t i = 0; lifecycle && i < DC_ARRAY_LEN(states); i++)
        known |= !strcmp(lifecycle, states[i]);
    if (!known)
        return dc_error_set(err, DC_EINVALID,
                            "lifecycle \"%s\" is not one of unreleased, beta, active, deprecated",
                            lifecycle ? lifecycle : "(null)");
    dc_scope s;
    const char *id;
    const json_t *t;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, &t, err);
    int64_t vn = 0;
    if (rc == DC_OK && !dc_table_version_obj(t, version, &vn))
        rc = dc_error_set(err, DC_ENOTFOUND, "table %s has no version %lld", name,
                          (long long)version);
    if (rc == DC_OK)
        rc = dc_scope_add_op(&s,
                             json_pack("{s:s, s:s, s:I, s:s}", "op", "update_table_version",
                                       "table_id", id, "table_version", (json_int_t)vn, "lifecycle",
                                       lifecycle),
                             err);
    return dc_scope_end(&s, rc, "set lifecycle", NULL, err);
}

dc_status dc_table_versions(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                            dc_table_version_info **out, int64_t *n, dc_error *err)
{
    dc_scope s;
    const json_t *t;
    dc_table_version_info *v = NULL;
    int64_t k = 0;
    *out = NULL;
    *n = 0;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, NULL, &t, err);
    if (rc != DC_OK)
        goto cleanup;
    int64_t cur;
    dc_table_current(t, &cur);
    size_t nv = json_object_size(json_object_get(t, "versions"));
    v = dc_calloc(nv + 1, sizeof *v);
    DC_TRY_ALLOC(v, err);
    for (int64_t num = 1; num <= (int64_t)nv; num++) {
        const json_t *tv = dc_table_version_obj(t, num, NULL);
        if (!tv)
            continue;
        dc_table_version_info *vi = &v[k++];
        vi->version = num;
        vi->current = num == cur;
        const char *lc = json_string_value(json_object_get(tv, "lifecycle"));
        vi->lifecycle = dc_strdup(lc ? lc : "active");
        DC_TRY_ALLOC(vi->lifecycle, err);
        DC_TRY(dc_tv_schema(tv, &vi->schema, err));
        json_t *byp = files_by_partition(tv);
        DC_TRY_ALLOC(byp, err);
        const char *pk;
        json_t *files;
        json_object_foreach(byp, pk, files)
        {
            size_t i;
            json_t *f;
            json_array_foreach(files, i, f)
            {
                vi->file_count++;
                vi->row_count += json_integer_value(json_object_get(f, "record_count"));
            }
        }
        json_decref(byp);
    }
    *out = v;
    *n = k;
    v = NULL;
cleanup:
    dc_table_versions_free(v, k);
    dc_scope_drop(&s);
    return rc;
}

void dc_table_versions_free(dc_table_version_info *v, int64_t n)
{
    for (int64_t i = 0; v && i < n; i++) {
        dc_free(v[i].lifecycle);
        dc_schema_unref(v[i].schema);
    }
    dc_free(v);
}

dc_status dc_table_create_version(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                  const dc_table_options *opts, int64_t *version, dc_error *err)
{
    dc_scope s;
    const char *id;
    const json_t *t;
    dc_table_options defaults;
    char tid[64];
    if (!opts) {
        dc_table_options_init(&defaults);
        opts = &defaults;
    }
    if (version)
        *version = 0;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, &t, err);
    if (rc == DC_OK) {
        snprintf(tid, sizeof tid, "%s", id);
        int64_t next = (int64_t)json_object_size(json_object_get(t, "versions")) + 1;
        rc = dc_table_version_ops(&s, tid, next, opts, opts->schema, err);
        if (rc == DC_OK && version)
            *version = next;
    }
    return dc_scope_end(&s, rc, "create table version", NULL, err);
}

void dc_table_info_clear(dc_table_info *i)
{
    if (!i)
        return;
    dc_free(i->id);
    dc_free(i->name);
    dc_free(i->namespace_name);
    dc_free(i->description);
    dc_free(i->partition_by);
    dc_metadata_clear(&i->properties);
    dc_schema_unref(i->schema);
    memset(i, 0, sizeof *i);
}

void dc_table_infos_free(dc_table_info *i, int64_t n)
{
    for (int64_t k = 0; i && k < n; k++)
        dc_table_info_clear(&i[k]);
    dc_free(i);
}
