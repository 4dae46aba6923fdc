/* catalog.c: opening catalogs, transactions and history (the public API). */
#include "catalog/catalog_int.h"
#include "columnar/columnar_int.h"
#include "storage/lifecycle_int.h"

#include <stdio.h>

/*
 * The S3 options that storage_options name (see dc_catalog_options); the strings are
 * borrowed from `kv`. DC_EINVALID naming the key at fault.
 */
static dc_status storage_options(dc_fs_s3_options *o, const char *const *kv, const char *url,
                                 dc_error *err)
{
    static const char KNOWN[] =
        "region, endpoint_url, profile, access_key_id, secret_access_key, session_token";
    memset(o, 0, sizeof *o);
    for (size_t i = 0; kv[i]; i += 2) {
        const char *k = kv[i], *v = kv[i + 1];
        const char **slot = !strcmp(k, "region")              ? &o->region
                            : !strcmp(k, "endpoint_url")      ? &o->endpoint
                            : !strcmp(k, "profile")           ? &o->profile
                            : !strcmp(k, "access_key_id")     ? &o->access_key_id
                            : !strcmp(k, "secret_access_key") ? &o->secret_access_key
                            : !strcmp(k, "session_token")     ? &o->session_token
                                                              : NULL;
        if (!slot)
            return dc_error_set(err, DC_EINVALID, "unknown storage option \"%s\" (known: %s)", k,
                                KNOWN);
        if (!v)
            return dc_error_set(err, DC_EINVALID, "storage option \"%s\" has no value", k);
        *slot = v[0] ? v : NULL;
    }
    if (kv[0] && strncmp(url, "s3://", 5) != 0)
        return dc_error_set(err, DC_EINVALID,
                            "storage option \"%s\" applies to s3:// roots, not to %s", kv[0], url);
    return DC_OK;
}

dc_status dc_catalog_open(dc_catalog **out, const char *url, const dc_catalog_options *opts,
                          dc_error *err)
{
    dc_status rc;
    dc_fs *fs = NULL;
    *out = NULL;
    if (!url || !*url)
        return dc_error_set(err, DC_EINVALID, "a catalog needs a root (a path or a URL)");
    int64_t stale = opts ? opts->max_staleness_ms : 0;
    if (stale < 0 || stale > DC_MAX_STALENESS_NS / 1000000)
        return dc_error_set(err, DC_EINVALID,
                            "max_staleness_ms is %lld: it must be 0 (always ask the store) or a "
                            "bound of at most %lld ms",
                            (long long)stale, (long long)(DC_MAX_STALENESS_NS / 1000000));
    bool create = opts && opts->create;
    bool is_local = strncmp(url, "mem://", 6) != 0 && strstr(url, "://") == NULL;
    const char *const *kv = opts ? opts->storage_options : NULL;
    if ((kv && kv[0]) || !strncmp(url, "s3://", 5)) {
        dc_fs_s3_options so = {0};
        rc = kv ? storage_options(&so, kv, url, err) : DC_OK;
        /* Every key the engine writes is generated (log numbers, UUIDs, partition
         * directories): none can also be a "directory" of another, so the backend's
         * check of that (a LIST per write, a HEAD per parent) is skipped. */
        so.no_shape_check = true;
        if (rc == DC_OK)
            rc = dc_fs_s3_open(&fs, url, &so, err);
    } else if (create && (is_local || !strncmp(url, "file:///", 8))) {
        dc_fs_local_options lo = {.create_root = true};
        rc = dc_fs_local_open(&fs, is_local ? url : url + 7, &lo, err);
    } else {
        rc = dc_fs_open(&fs, url, err);
    }
    if (rc != DC_OK)
        return rc;
    dc_catalog *c = dc_calloc(1, sizeof *c);
    if (!c) {
        dc_fs_unref(fs);
        return dc_error_nomem(err);
    }
    c->refs = 1;
    c->max_staleness_ms = stale;
    dc_store_options so = {.create = create,
                           .checkpoint_interval = opts ? opts->checkpoint_interval : 0};
    rc = dc_store_open(&c->store, fs, &so, err);
    dc_fs_unref(fs);
    if (rc != DC_OK) {
        dc_free(c);
        return rc;
    }
    *out = c;
    return DC_OK;
}

dc_catalog *dc_catalog_ref(dc_catalog *c)
{
    if (c)
        __atomic_fetch_add(&c->refs, 1, __ATOMIC_RELAXED);
    return c;
}

void dc_catalog_close(dc_catalog *c)
{
    if (!c || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    dc_store_unref(c->store);
    dc_free(c);
}

const char *dc_catalog_id(const dc_catalog *c) { return dc_store_catalog_id(c->store); }

const char *dc_catalog_location(const dc_catalog *c)
{
    return dc_store_fs(c->store)->display;
}

dc_status dc_catalog_latest_version(dc_catalog *c, int64_t *out, dc_error *err)
{
    return dc_store_latest_version(c->store, out, err);
}

dc_status dc_txn_begin(dc_txn **out, dc_catalog *c, const dc_txn_options *opts, dc_error *err)
{
    *out = NULL;
    dc_txn *t = dc_calloc(1, sizeof *t);
    if (!t)
        return dc_error_nomem(err);
    dc_stxn_options so = {0};
    if (opts) {
        so.as_of_version = opts->as_of_version;
        so.as_of_ns = opts->as_of_ns;
        so.author = opts->author;
    }
    int64_t stale = opts && opts->max_staleness_ms ? opts->max_staleness_ms : c->max_staleness_ms;
    if (stale > DC_MAX_STALENESS_NS / 1000000) {
        dc_free(t);
        return dc_error_set(err, DC_EINVALID,
                            "max_staleness_ms is %lld: a bound is at most %lld ms",
                            (long long)stale, (long long)(DC_MAX_STALENESS_NS / 1000000));
    }
    so.max_staleness_ns = stale > 0 ? stale * 1000000 : 0;
    dc_status rc = dc_stxn_begin(&t->st, c->store, &so, err);
    if (rc != DC_OK) {
        dc_free(t);
        return rc;
    }
    t->catalog = dc_catalog_ref(c);
    *out = t;
    return DC_OK;
}

const char *dc_txn_id(const dc_txn *t) { return dc_stxn_id(t->st); }
int64_t dc_txn_read_version(const dc_txn *t) { return dc_stxn_read_version(t->st); }
bool dc_txn_read_only(const dc_txn *t) { return dc_stxn_read_only(t->st); }

dc_status dc_txn_commit(dc_txn *t, const char *message, int64_t *version, dc_error *err)
{
    return dc_stxn_commit(t->st, message, version, err);
}

void dc_txn_abort(dc_txn *t)
{
    if (!t)
        return;
    dc_stxn_free(t->st);
    dc_catalog_close(t->catalog);
    dc_free(t);
}

/* ---- history ---- */

static const char *const OP_NAMES[DC_OP__COUNT] = {
    "create_namespace", "update_namespace",     "drop_namespace",       "create_table",
    "update_table",     "drop_table",           "create_table_version", "update_table_version",
    "add_delta",        "remove_files",
};

const char *dc_op_kind_name(dc_op_kind k)
{
    return (unsigned)k < DC_OP__COUNT ? OP_NAMES[k] : "unknown";
}

static char *dup_member(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? dc_strdup(s) : NULL;
}

static dc_status fill_info(dc_txn_info *info, const json_t *txn, const json_t *entry,
                           dc_error *err)
{
    memset(info, 0, sizeof *info);
    info->id = dup_member(txn, "id");
    info->author = dup_member(txn, "author");
    info->message = dup_member(txn, "message");
    if (!info->id || (json_object_get(txn, "author") && !info->author) ||
        (json_object_get(txn, "message") && !info->message))
        return dc_error_nomem(err);
    info->version = json_integer_value(json_object_get(entry, "version"));
    info->end_ns = json_integer_value(json_object_get(entry, "timestamp_ns"));
    info->read_version = json_integer_value(json_object_get(txn, "read_version"));
    info->start_ns = json_integer_value(json_object_get(txn, "start_ns"));
    info->status = "committed";
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(txn, "operations"), i, op)
    {
        const char *name = json_string_value(json_object_get(op, "op"));
        for (int k = 0; name && k < DC_OP__COUNT; k++)
            if (!strcmp(name, OP_NAMES[k]))
                info->op_counts[k]++;
    }
    return DC_OK;
}

void dc_txn_info_free(dc_txn_info *infos, int64_t n)
{
    for (int64_t i = 0; infos && i < n; i++) {
        dc_free(infos[i].id);
        dc_free(infos[i].author);
        dc_free(infos[i].message);
    }
    dc_free(infos);
}

/* The greatest version committed at or before ts (0 when none): binary search (LOG-4). */
static dc_status version_at_or_before(dc_store *s, int64_t latest, int64_t ts, int64_t *out,
                                      dc_error *err)
{
    int64_t lo = 0, hi = latest + 1;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        json_t *e = NULL;
        dc_status rc = dc_store_read_entry(s, mid, &e, err);
        if (rc != DC_OK)
            return rc;
        int64_t t = json_integer_value(json_object_get(e, "timestamp_ns"));
        json_decref(e);
        if (t <= ts)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return DC_OK;
}

dc_status dc_catalog_history(dc_catalog *c, const dc_history_query *q, dc_txn_info **out,
                             int64_t *n, dc_error *err)
{
    dc_status rc;
    int64_t latest, from, cap = 0, count = 0;
    dc_txn_info *infos = NULL;
    json_t *e = NULL;
    *out = NULL;
    *n = 0;
    if (q && (q->limit < 0 || (q->since_ns && q->until_ns && q->since_ns > q->until_ns)))
        return dc_error_set(err, DC_EINVALID, "history: limit must be >= 0 and since <= until");
    DC_TRY(dc_store_latest_version(c->store, &latest, err));
    from = latest;
    if (q && q->until_ns > 0)
        DC_TRY(version_at_or_before(c->store, latest, q->until_ns, &from, err));
    for (int64_t v = from; v >= 1; v--) {
        DC_TRY(dc_store_read_entry(c->store, v, &e, err));
        int64_t ts = json_integer_value(json_object_get(e, "timestamp_ns"));
        if (q && q->since_ns > 0 && ts < q->since_ns)
            break;
        json_t *txns = json_object_get(e, "transactions");
        for (size_t i = json_array_size(txns); i-- > 0;) {
            if (q && q->limit > 0 && count >= q->limit)
                break;
            if (count == cap) {
                int64_t ncap = cap ? cap * 2 : 16;
                dc_txn_info *p = dc_realloc(infos, sizeof *infos * (size_t)ncap);
                DC_TRY_ALLOC(p, err);
                infos = p;
                cap = ncap;
            }
            rc = fill_info(&infos[count], json_array_get(txns, i), e, err);
            count++;
            if (rc != DC_OK)
                goto cleanup;
        }
        json_decref(e);
        e = NULL;
        if (q && q->limit > 0 && count >= q->limit)
            break;
    }
    *out = infos;
    *n = count;
    infos = NULL;
    rc = DC_OK;
cleanup:
    json_decref(e);
    dc_txn_info_free(infos, count);
    return rc;
}

dc_status dc_catalog_transaction(dc_catalog *c, const char *txn_id, dc_txn_info **out,
                                 dc_error *err)
{
    dc_status rc;
    int64_t latest;
    *out = NULL;
    DC_TRY(dc_store_latest_version(c->store, &latest, err));
    /* Newest first: recent transactions are the ones asked about. */
    for (int64_t v = latest; v >= 1; v--) {
        json_t *e = NULL;
        DC_TRY(dc_store_read_entry(c->store, v, &e, err));
        size_t i;
        json_t *txn;
        json_array_foreach(json_object_get(e, "transactions"), i, txn)
        {
            const char *id = json_string_value(json_object_get(txn, "id"));
            if (id && !strcmp(id, txn_id)) {
                dc_txn_info *info = dc_calloc(1, sizeof *info);
                rc = info ? fill_info(info, txn, e, err) : dc_error_nomem(err);
                json_decref(e);
                if (rc != DC_OK) {
                    dc_txn_info_free(info, 1);
                    return rc;
                }
                *out = info;
                return DC_OK;
            }
        }
        json_decref(e);
    }
    return dc_error_set(err, DC_ENOTFOUND, "no committed transaction %s in the catalog", txn_id);
cleanup:
    return rc;
}

/* ---- garbage collection ---- */

void dc_catalog_gc_report_free(dc_catalog_gc_report *r)
{
    if (!r)
        return;
    for (int64_t i = 0; i < r->n_keys; i++)
        dc_free(r->keys[i]);
    dc_free(r->keys);
    memset(r, 0, sizeof *r);
}

dc_status dc_catalog_gc(dc_catalog *c, const dc_catalog_gc_options *opts, dc_catalog_gc_report *out,
                        dc_error *err)
{
    dc_gc_options o = {0};
    dc_gc_report rep = {0};
    if (out)
        memset(out, 0, sizeof *out);
    if (!c)
        return dc_error_set(err, DC_EINVALID, "gc: no catalog given");
    if (opts) {
        o.grace_ns = opts->grace_ns;
        o.dry_run = opts->dry_run;
        o.retain_versions = opts->retain_versions;
        o.retain_ns = opts->retain_ns;
    }
    dc_status rc = dc_store_gc(c->store, &o, &rep, err);
    if (out) {
        *out = (dc_catalog_gc_report){
            .keys = rep.keys,
            .n_keys = rep.n_keys,
            .bytes = rep.bytes,
            .data_files = rep.data_files,
            .staged_files = rep.staged_files,
            .log_entries = rep.log_entries,
            .checkpoint_files = rep.checkpoint_files,
            .txn_records = rep.txn_records,
            .temporaries = rep.temporaries,
            .kept_young = rep.kept_young,
            .oldest_version = rep.oldest_version,
            .latest_version = rep.latest_version,
        };
        rep.keys = NULL; /* moved */
        rep.n_keys = 0;
    }
    dc_gc_report_free(&rep);
    return rc;
}
