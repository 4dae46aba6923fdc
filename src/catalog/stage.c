/*
 * stage.c: staged writes. A caller (a worker process, the server's client)
 * writes data files itself under a prefix the engine hands out, then asks
 * the engine to commit them: the engine checks each file (where it is, its
 * size, its record count, its schema against the table's, its nulls against
 * required columns), takes its statistics from its footer and commits them
 * all in one transaction, or nothing.
 */
#include "catalog/engine_int.h"
#include "catalog/tschema_int.h"
#include "compute/partition_int.h"
#include "formats/formats_int.h"
#include "formats/parquet/parquet_int.h"

#include <stdio.h>

#define STAGING_PREFIX "_staging/"

dc_status dc_table_stage(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                         char **prefix, dc_error *err)
{
    dc_scope s;
    const char *id;
    char hex[33];
    *prefix = NULL;
    DC_RET(dc_scope_begin(&s, c, txn, err));
    dc_status rc = dc_table_resolve(&s, ns, name, &id, NULL, err);
    if (rc == DC_OK)
        rc = dc_random_hex(hex, err);
    if (rc == DC_OK) {
        size_t len = strlen(STAGING_PREFIX) + strlen(id) + 40;
        *prefix = dc_malloc(len);
        if (!*prefix)
            rc = dc_error_nomem(err);
        else
            snprintf(*prefix, len, STAGING_PREFIX "%s/%s/", id, hex);
    }
    dc_scope_drop(&s);
    return rc;
}

/* What one staged file turned out to be. */
typedef struct staged {
    dc_file_format fmt;
    dc_schema *schema; /* the file's */
    int64_t rows;
    int64_t *nulls; /* per file column: nulls counted (CSV/JSONL), or NULL (Parquet) */
} staged;

static void staged_clear(staged *f)
{
    dc_schema_unref(f->schema);
    dc_free(f->nulls);
    memset(f, 0, sizeof *f);
}

/* Open a staged file, take its schema and count its rows (and, for text formats, nulls). */
static dc_status inspect(dc_fs *fs, const dc_staged_file *sf, staged *out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_input *in = NULL;
    dc_pq_file *pf = NULL;
    dc_reader *r = NULL;
    dc_batch *b = NULL;
    memset(out, 0, sizeof *out);
    out->fmt = sf->content_type ? sf->content_type : dc_format_from_path(sf->path);
    DC_TRY(dc_fs_open_input(fs, sf->path, &in, err));
    if (out->fmt == DC_FORMAT_PARQUET) {
        DC_TRY(dc_pq_file_open(&pf, in, err));
        in = NULL;
        out->schema = dc_schema_ref(dc_pq_file_schema(pf));
        out->rows = dc_pq_file_meta(pf)->num_rows;
        goto cleanup;
    }
    dc_read_options ro;
    dc_read_options_init(&ro, out->fmt);
    if (out->fmt == DC_FORMAT_JSONL)
        rc = dc_jsonl_reader_open(&r, in, &ro, err);
    else if (out->fmt == DC_FORMAT_CSV || out->fmt == DC_FORMAT_TSV || out->fmt == DC_FORMAT_PSV)
        rc = dc_csv_reader_open(&r, in, &ro, err);
    else
        rc = dc_error_set(err, DC_EINVALID,
                          "staged file %s: content type %s cannot be committed to a table "
                          "(parquet, csv, tsv, psv, jsonl)",
                          sf->path, dc_format_name(out->fmt));
    in = NULL;
    if (rc != DC_OK)
        goto cleanup;
    out->schema = dc_schema_ref(dc_reader_schema(r));
    out->nulls = dc_calloc((size_t)out->schema->n_fields + 1, sizeof *out->nulls);
    DC_TRY_ALLOC(out->nulls, err);
    for (;;) {
        DC_TRY(dc_reader_next(r, &b, err));
        if (!b)
            break;
        out->rows += b->length;
        for (int32_t i = 0; i < b->schema->n_fields; i++)
            out->nulls[i] += b->columns[i]->null_count;
        dc_batch_unref(b);
        b = NULL;
    }
cleanup:
    dc_batch_unref(b);
    dc_reader_free(r);
    dc_pq_file_free(pf);
    dc_input_close(in);
    if (rc != DC_OK)
        staged_clear(out);
    return rc;
}

static dc_status check_place(const dc_staged_file *sf, const char *table_id, dc_error *err)
{
    if (!sf->path)
        return dc_error_set(err, DC_EINVALID, "a staged file needs a path");
    DC_RET(dc_fs_path_check(sf->path, err));
    char want[128];
    snprintf(want, sizeof want, STAGING_PREFIX "%s/", table_id);
    if (strncmp(sf->path, want, strlen(want)) != 0)
        return dc_error_set(err, DC_EINVALID,
                            "staged file %s is not under a staging prefix of this table (%s...); "
                            "use dc_table_stage",
                            sf->path, want);
    if (sf->file_size < 0 || sf->record_count < 0)
        return dc_error_set(err, DC_EINVALID, "staged file %s: size and record count must be >= 0",
                            sf->path);
    return DC_OK;
}

/* Required table columns must hold no null in the file (Parquet: the footer's counts). */
static dc_status check_required(const dc_staged_file *sf, const staged *st, const dc_schema *table,
                                const json_t *stats, dc_error *err)
{
    for (int32_t i = 0; i < table->n_fields; i++) {
        const dc_field *tf = &table->fields[i];
        if (tf->nullable)
            continue;
        int32_t k = dc_schema_find(st->schema, tf->name);
        if (k < 0 || !st->schema->fields[k].nullable)
            continue; /* missing: the schema check decided; required in the file: no nulls */
        int64_t nulls = -1;
        if (st->nulls) {
            nulls = st->nulls[k];
        } else {
            const json_t *nc = json_object_get(json_object_get(stats, tf->name), "null_count");
            nulls = json_is_integer(nc) ? json_integer_value(nc) : -1;
        }
        if (nulls != 0)
            return dc_error_set(err, DC_ESCHEMA,
                                "staged file %s: column %s is required by the table but the file "
                                "%s",
                                sf->path, tf->name,
                                nulls < 0 ? "does not say it holds no null" : "holds nulls");
    }
    return DC_OK;
}

dc_status dc_table_commit_staged(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                 const dc_staged_file *files, int32_t n,
                                 const dc_table_write_options *opts, dc_write_result *result,
                                 dc_error *err)
{
    dc_status rc = DC_OK;
    dc_scope s = {0};
    dc_table_write_options defaults;
    staged *st = NULL;
    dc_schema *schema = NULL;
    json_t *groups = NULL;
    dc_part_spec spec = {0};
    char tid[64];
    bool changed = false;
    if (result)
        memset(result, 0, sizeof *result);
    if (!opts) {
        dc_table_write_options_init(&defaults);
        opts = &defaults;
    }
    if (n < 1 || !files)
        return dc_error_set(err, DC_EINVALID, "no staged files to commit");
    if ((unsigned)opts->mode > DC_WRITE_DELETE)
        return dc_error_set(err, DC_EINVALID, "unknown write mode %d", (int)opts->mode);
    DC_TRY(dc_scope_begin(&s, c, txn, err));
    const char *id;
    const json_t *t;
    DC_TRY(dc_table_resolve(&s, ns, name, &id, &t, err));
    if (opts->mode == DC_WRITE_CREATE) {
        rc = dc_error_set(err, DC_EEXISTS, "table %s already exists (write mode CREATE)", name);
        goto cleanup;
    }
    snprintf(tid, sizeof tid, "%s", id);
    int64_t vn;
    const json_t *tv = dc_table_version_obj(t, opts->table_version, &vn);
    if (!tv) {
        rc = dc_error_set(err, DC_ENOTFOUND, "table %s has no version %lld", name,
                          (long long)opts->table_version);
        goto cleanup;
    }
    DC_TRY(dc_tv_schema(tv, &schema, err));
    /* Tables with merge keys take the files as MERGE (AUTO, CREATE, MERGE, and REPLACE
     * after removing everything: its keys need not be unique, reads fold them) or DELETE
     * deltas; other tables as ADD, APPEND or REPLACE. */
    bool keyed = false, deleting = opts->mode == DC_WRITE_DELETE;
    for (int32_t i = 0; schema && i < schema->n_fields; i++)
        keyed |= dc_tfield_is_merge_key(&schema->fields[i]);
    if (keyed && (opts->mode == DC_WRITE_ADD || opts->mode == DC_WRITE_APPEND)) {
        rc = dc_error_set(err, DC_EINVALID,
                          "table %s has merge keys: staged files commit as AUTO/MERGE "
                          "(upserts), DELETE or REPLACE, not %s",
                          name, dc_write_mode_name(opts->mode));
        goto cleanup;
    }
    if (!keyed && (opts->mode == DC_WRITE_MERGE || deleting)) {
        rc = dc_error_set(err, DC_EINVALID,
                          "table %s has no merge keys: %s needs them (staged files commit "
                          "with AUTO, ADD, APPEND or REPLACE)",
                          name, dc_write_mode_name(opts->mode));
        goto cleanup;
    }
    const json_t *pspec = json_object_get(tv, "partition_spec");
    if (pspec)
        DC_TRY(dc_part_spec_from_json(&spec, pspec, err));
    int64_t next_id =
        json_integer_value(json_object_get(json_object_get(tv, "properties"), TV_NEXT_FIELD_ID));
    if (next_id < 1)
        next_id = 1;
    dc_consistency cons = (dc_consistency)dc_tv_consistency(tv);
    if (cons == DC_CONSIST_COERCE) /* files are not rewritten: only widening reads are safe */
        cons = DC_CONSIST_NONE;
    st = dc_calloc((size_t)n, sizeof *st);
    DC_TRY_ALLOC(st, err);
    groups = json_object();
    DC_TRY_ALLOC(groups, err);
    dc_fs *fs = dc_store_fs(c->store);
    for (int32_t i = 0; i < n; i++) {
        const dc_staged_file *sf = &files[i];
        DC_TRY(check_place(sf, tid, err));
        for (int32_t j = 0; j < i; j++)
            if (!strcmp(files[j].path, sf->path)) {
                rc = dc_error_set(err, DC_EINVALID, "staged file %s is listed twice", sf->path);
                goto cleanup;
            }
        dc_fs_info info;
        DC_TRY(dc_fs_stat(fs, sf->path, &info, err));
        if (info.size != sf->file_size) {
            rc = dc_error_set(err, DC_EINVALID,
                              "staged file %s is %lld bytes, not the %lld declared", sf->path,
                              (long long)info.size, (long long)sf->file_size);
            goto cleanup;
        }
        DC_TRY(inspect(fs, sf, &st[i], err));
        if (st[i].rows != sf->record_count) {
            rc = dc_error_set(err, DC_EINVALID,
                              "staged file %s holds %lld records, not the %lld declared", sf->path,
                              (long long)st[i].rows, (long long)sf->record_count);
            goto cleanup;
        }
        for (int32_t k = 0; keyed && k < schema->n_fields; k++) {
            const dc_field *kf = &schema->fields[k];
            if (dc_tfield_is_merge_key(kf) && dc_schema_find(st[i].schema, kf->name) < 0) {
                rc = dc_error_set(err, DC_ESCHEMA,
                                  "staged file %s lacks merge-key column %s of table %s: a "
                                  "MERGE or DELETE finds rows by their merge key",
                                  sf->path, kf->name, name);
                goto cleanup;
            }
        }
        /* a DELETE's files are read for their keys alone: those are checked against the
         * table, the rest is ignored and changes no schema */
        dc_schema *keys_of_file = NULL;
        if (deleting) {
            dc_field kf[64];
            int32_t nk = 0;
            for (int32_t k = 0; k < st[i].schema->n_fields && nk < 64; k++) {
                int32_t ti = dc_schema_find(schema, st[i].schema->fields[k].name);
                if (ti >= 0 && dc_tfield_is_merge_key(&schema->fields[ti]))
                    kf[nk++] = st[i].schema->fields[k];
            }
            keys_of_file = dc_schema_new(kf, nk, NULL);
            DC_TRY_ALLOC(keys_of_file, err);
        }
        dc_schema *next = NULL;
        bool ch = false;
        rc = dc_tschema_evolve_for_write(&next, &ch, schema,
                                         keys_of_file ? keys_of_file : st[i].schema,
                                         (dc_evolution)dc_tv_evolution(tv), cons, &next_id, err);
        dc_schema_unref(keys_of_file);
        if (rc != DC_OK) {
            char msg[sizeof err->message];
            snprintf(msg, sizeof msg, "%s", err ? err->message : "");
            rc = dc_error_set(err, rc, "staged file %s: %s", sf->path, msg);
            goto cleanup;
        }
        changed |= ch || !schema;
        dc_schema_unref(schema);
        schema = next;
        const char *key = sf->partition ? sf->partition : "";
        if (spec.n > 0) {
            json_t *vals = NULL;
            rc = dc_part_key_decode(&vals, &spec, key, err);
            json_decref(vals);
            if (rc != DC_OK)
                goto cleanup;
        } else if (*key) {
            rc = dc_error_set(err, DC_EINVALID,
                              "staged file %s names partition %s but table %s is not "
                              "partitioned",
                              sf->path, key, name);
            goto cleanup;
        }
    }
    DC_TRY(dc_tv_check_readers(tv, schema, err));
    for (int32_t i = 0; i < n; i++) { /* statistics, then required columns, under the schema */
        const dc_staged_file *sf = &files[i];
        json_t *stats = json_object();
        DC_TRY_ALLOC(stats, err);
        if (st[i].fmt == DC_FORMAT_PARQUET)
            rc = dc_parquet_file_stats(fs, sf->path, schema, stats, err);
        if (rc == DC_OK)
            rc = check_required(sf, &st[i], schema, stats, err);
        json_t *entry = NULL;
        if (rc == DC_OK)
            entry =
                json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "path", sf->path, "content_type",
                          dc_format_name(st[i].fmt), "encoding", "identity", "record_count",
                          (json_int_t)sf->record_count, "file_size", (json_int_t)sf->file_size,
                          "schema_id", (json_int_t)0, "stats", stats);
        else
            json_decref(stats);
        if (rc != DC_OK)
            goto cleanup;
        DC_TRY_ALLOC(entry, err);
        if (keyed && !deleting) { /* a MERGE file carrying fewer columns than the table */
            int32_t carried = 0;
            for (int32_t k = 0; k < schema->n_fields; k++)
                carried += dc_schema_find(st[i].schema, schema->fields[k].name) >= 0;
            if (carried < schema->n_fields)
                json_object_set_new(entry, "partial", json_true());
        }
        const char *key = sf->partition ? sf->partition : "";
        json_t *g = json_object_get(groups, key);
        if (!g) {
            g = json_array();
            if (!g || json_object_set_new(groups, key, g) != 0) {
                json_decref(entry);
                rc = dc_error_nomem(err);
                goto cleanup;
            }
        }
        json_array_append_new(g, entry);
        if (result) {
            result->rows += sf->record_count;
            result->bytes += sf->file_size;
            result->files++;
        }
    }
    if (changed)
        DC_TRY(dc_tv_set_schema_op(&s, tid, vn, tv, schema, next_id, err));
    /* the schema id the files were checked under */
    tv = dc_table_version_obj(dc_state_table(dc_scope_state(&s), tid), vn, NULL);
    json_int_t sid =
        json_integer_value(json_object_get(json_object_get(tv, "schema"), "schema_id"));
    if (opts->mode == DC_WRITE_REPLACE)
        DC_TRY(dc_table_remove_all_ops(&s, tid, vn, err));
    const char *key;
    json_t *g;
    json_object_foreach(groups, key, g)
    {
        size_t i;
        json_t *e;
        json_array_foreach(g, i, e) json_object_set_new(e, "schema_id", json_integer(sid));
        json_t *op = json_pack("{s:s, s:s, s:I, s:s, s:s, s:O}", "op", "add_delta", "table_id", tid,
                               "table_version", (json_int_t)vn, "partition", key, "delta_type",
                               keyed ? (deleting ? "delete" : "upsert")
                               : opts->mode == DC_WRITE_APPEND ? "append"
                                                                : "add",
                               "files", g);
        if (op && opts->mode == DC_WRITE_REPLACE)
            json_object_set_new(op, "exclusive", json_true());
        DC_TRY(dc_scope_add_op(&s, op, err));
    }
    if (result)
        result->schema_changed = changed;
cleanup:
    if (s.txn)
        rc = dc_scope_end(&s, rc, "commit staged files", result ? &result->commit_version : NULL,
                          err);
    for (int32_t i = 0; st && i < n; i++)
        staged_clear(&st[i]);
    dc_free(st);
    dc_schema_unref(schema);
    json_decref(groups);
    dc_part_spec_clear(&spec);
    return rc;
}
