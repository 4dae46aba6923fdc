/*
 * gc.c: garbage collection and snapshot expiry (FORMAT.md 9).
 *
 * Notes on the design. The collector computes what is reachable, lists what
 * exists, and deletes the difference when it is older than a grace period.
 *
 * Invariants (tests cite them as GC-n):
 *  GC-1 Never delete a file reachable from a retained version: every data or
 *       staged file in the state at the oldest retained version R or added by
 *       a commit after R, every file named by a live transaction record, the
 *       root of every checkpoint at or after the expiry checkpoint C and every
 *       segment such a root names, `_catalog.json`, `_checkpoints/_last.json`,
 *       the `_expired/` markers and the log entries from C on.
 *  GC-2 Never delete anything younger than the grace period (its mtime), so a
 *       writer in flight keeps its staged files, its half-written checkpoint and
 *       (for a writer whose read version is older than an expired entry) the log
 *       positions it may still try: a writer reading version r began before
 *       commit r+1 existed, so it is older than the grace period when commit r+1
 *       is.
 *  GC-3 The expiry marker is written (put_if_absent, seq n+1 after reading seq
 *       n) before anything it makes garbage is deleted, and only once the
 *       checkpoint C it names is whole. Markers only move forward: R and C never
 *       decrease. Readers look for markers after probing the log (log.c), so a
 *       reader never mistakes deleted entries for the end of the log.
 *  GC-4 A live transaction record (heartbeat within its TTL) pins its read
 *       version: R is never moved past it, and its `_staging/<id>/` files are
 *       kept whatever their age.
 *  GC-5 A dry run writes and deletes nothing.
 *
 * Deletion goes through dc_fs_remove_many, one call per managed prefix (DeleteObjects,
 * 1000 keys a request, on S3). The backends' temporaries of dead writers (local
 * ".dc-tmp-*" files, S3 multipart uploads never completed) are swept by
 * dc_fs_sweep_temporaries with the same grace period, on the real clock (GC-2).
 *
 * Crash states: dying before the marker changes nothing; after it, some of the
 * garbage is deleted and a later run (which reads the marker) deletes the rest.
 */
#include "storage/lifecycle_int.h"

#include <stdio.h>
#include <stdlib.h>

static void expiry_key(char out[64], int64_t seq)
{
    snprintf(out, 64, DC_EXPIRED_PREFIX "%020lld.json", (long long)seq);
}

static dc_status marker_exists(dc_fs *fs, int64_t seq, bool *exists, dc_error *err)
{
    char key[64];
    expiry_key(key, seq);
    return dc_fs_exists(fs, key, exists, err);
}

dc_status dc_expiry_read(dc_fs *fs, const dc_expiry *from, dc_expiry *out, dc_error *err)
{
    dc_status rc;
    bool exists;
    int64_t lo = from->seq, hi, step = 1;
    *out = *from;
    for (;;) { /* markers 1..n exist without a gap (GC-3): probe, then bisect */
        if ((rc = marker_exists(fs, lo + step, &exists, err)) != DC_OK)
            return rc;
        if (!exists) {
            hi = lo + step;
            break;
        }
        lo += step;
        step *= 2;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((rc = marker_exists(fs, mid, &exists, err)) != DC_OK)
            return rc;
        if (exists)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == from->seq)
        return DC_OK;
    char key[64];
    dc_bytes b;
    json_t *j = NULL;
    dc_bytes_init(&b);
    expiry_key(key, lo);
    rc = dc_fs_get(fs, key, &b, err);
    if (rc == DC_OK)
        rc = dc_json_parse(&j, (const char *)b.data, (size_t)b.size, key, err);
    if (rc == DC_OK) {
        json_t *r = json_object_get(j, "oldest_version"), *c = json_object_get(j, "checkpoint_version");
        json_t *fv = json_object_get(j, "format_version");
        if (json_is_integer(fv) && json_integer_value(fv) > DC_FORMAT_VERSION)
            rc = dc_error_set(err, DC_EUNSUPPORTED, "%s%s is of a newer format: upgrade deltacat",
                              fs->display, key);
        else if (!json_is_integer(r) || !json_is_integer(c) || json_integer_value(c) < 0 ||
                 json_integer_value(c) > json_integer_value(r))
            rc = dc_error_set(err, DC_ECORRUPT,
                              "%s%s is not a valid expiry marker (oldest_version and "
                              "checkpoint_version <= oldest_version are required)",
                              fs->display, key);
        else
            *out = (dc_expiry){lo, json_integer_value(r), json_integer_value(c)};
    } else if (rc != DC_ENOTFOUND && err) {
        rc = err->code = DC_ECORRUPT;
    }
    json_decref(j);
    dc_bytes_free(&b);
    return rc;
}

/* ---- the report ---- */

void dc_gc_report_free(dc_gc_report *r)
{
    if (!r)
        return;
    for (int64_t i = 0; i < r->n_keys; i++)
        dc_free(r->keys[i]);
    dc_free(r->keys);
    memset(r, 0, sizeof *r);
}

typedef enum gc_kind { G_DATA, G_STAGED, G_LOG, G_CHECKPOINT, G_TXN } gc_kind;

typedef struct gc_ctx {
    dc_store *s;
    dc_fs *fs;
    dc_gc_report *rep;
    int64_t cutoff; /* delete only what was modified before this */
    bool dry_run;
    json_t *reach;  /* {key: true}: reachable objects (GC-1) */
    json_t *live;   /* {txn id: true}: live records (GC-4) */
    json_t *done;   /* {txn id: true}: ids in the log after R */
    int64_t keep_log_from; /* log entries before it are garbage */
    int64_t now;
    const char *prefix; /* of the listing being collected */
} gc_ctx;

static dc_status add_key(dc_gc_report *r, const char *key, dc_error *err)
{
    char **k = dc_realloc(r->keys, (size_t)(r->n_keys + 1) * sizeof *k);
    if (!k)
        return dc_error_nomem(err);
    r->keys = k;
    if (!(k[r->n_keys] = dc_strdup(key)))
        return dc_error_nomem(err);
    r->n_keys++;
    return DC_OK;
}

static dc_status mark(json_t *set, const char *key, dc_error *err)
{
    if (key && json_object_set_new(set, key, json_true()) != 0)
        return dc_error_nomem(err);
    return DC_OK;
}

/* Mark every file named by the add_delta operations of `ops` reachable. */
static dc_status mark_ops(json_t *reach, const json_t *ops, dc_error *err)
{
    size_t i, k;
    json_t *op, *f;
    json_array_foreach(ops, i, op)
    {
        json_array_foreach(json_object_get(op, "files"), k, f)
        {
            dc_status rc = mark(reach, json_string_value(json_object_get(f, "path")), err);
            if (rc != DC_OK)
                return rc;
        }
    }
    return DC_OK;
}

/* Mark every file of every delta in a state document reachable. */
static dc_status mark_state(json_t *reach, const json_t *state, dc_error *err)
{
    const char *tid, *vk, *pk;
    json_t *t, *v, *p;
    json_object_foreach((json_t *)json_object_get(state, "tables"), tid, t)
    {
        json_object_foreach(json_object_get(t, "versions"), vk, v)
        {
            json_object_foreach(json_object_get(v, "partitions"), pk, p)
            {
                size_t d, k;
                json_t *delta, *f;
                json_array_foreach(json_object_get(p, "deltas"), d, delta)
                {
                    json_array_foreach(json_object_get(delta, "files"), k, f)
                    {
                        dc_status rc =
                            mark(reach, json_string_value(json_object_get(f, "path")), err);
                        if (rc != DC_OK)
                            return rc;
                    }
                }
            }
        }
    }
    return DC_OK;
}

/* The greatest version committed at or before `ts` (not before `lo`, which exists or is 0). */
static dc_status version_at_time(dc_store *s, int64_t lo, int64_t latest, int64_t ts,
                                 int64_t *out, dc_error *err)
{
    int64_t hi = latest + 1;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        json_t *e = NULL;
        dc_status rc = dc_store_read_entry(s, mid, &e, err);
        if (rc != DC_OK)
            return rc;
        int64_t mts = json_integer_value(json_object_get(e, "timestamp_ns"));
        json_decref(e);
        if (mts <= ts)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return DC_OK;
}

/*
 * Read the transaction records: a live one (heartbeat within its TTL at `now`)
 * pins its read version (*pin, the smallest) and its files (GC-4).
 */
static dc_status scan_records(gc_ctx *g, int64_t *pin, dc_error *err)
{
    dc_fs_listing l;
    dc_bytes b;
    dc_bytes_init(&b);
    dc_status rc = dc_fs_list_all(g->fs, DC_TXN_PREFIX, true, &l, err);
    for (int64_t i = 0; rc == DC_OK && i < l.n; i++) {
        json_t *j = NULL;
        if (dc_fs_get(g->fs, l.entries[i].key, &b, NULL) != DC_OK)
            continue; /* removed meanwhile: committed or discarded */
        j = json_loadb((const char *)b.data, (size_t)b.size, 0, NULL);
        const char *id = json_string_value(json_object_get(j, "id"));
        json_t *rv = json_object_get(j, "read_version"), *hb = json_object_get(j, "heartbeat_ns"),
               *ttl = json_object_get(j, "ttl_ns");
        if (id && json_is_integer(rv) && json_is_integer(hb) && json_is_integer(ttl) &&
            g->now - json_integer_value(hb) <= json_integer_value(ttl)) {
            rc = mark(g->live, id, err);
            if (rc == DC_OK)
                rc = mark_ops(g->reach, json_object_get(j, "operations"), err);
            if (json_integer_value(rv) < *pin)
                *pin = json_integer_value(rv);
        }
        json_decref(j);
    }
    dc_fs_listing_free(&l);
    dc_bytes_free(&b);
    return rc;
}

/* Mark the chunks a checkpoint segment names: {"partitions": {P: {"chunks": {K: KEY}}}}. */
static dc_status mark_chunks(gc_ctx *g, const char *seg, dc_bytes *b, dc_error *err)
{
    json_t *j = NULL;
    dc_status rc = dc_fs_get(g->fs, seg, b, err);
    if (rc == DC_ENOTFOUND)
        return DC_OK; /* a damaged checkpoint: readers skip it, nothing to keep */
    if (rc == DC_OK && !(j = json_loadb((const char *)b->data, (size_t)b->size, 0, NULL)))
        rc = dc_error_set(err, DC_ECORRUPT,
                          "%s%s does not parse: the collector will not guess what it names",
                          g->fs->display, seg);
    const char *pk, *ck;
    json_t *p, *c;
    json_object_foreach(json_object_get(j, "partitions"), pk, p)
    {
        json_object_foreach(json_object_get(p, "chunks"), ck, c)
        {
            if (rc == DC_OK)
                rc = mark(g->reach, json_string_value(c), err);
        }
    }
    json_decref(j);
    return rc;
}

/* Mark the roots of the checkpoints at or after `c` and the segments they name (GC-1). */
static dc_status mark_checkpoints(gc_ctx *g, int64_t c, dc_error *err)
{
    dc_fs_listing l;
    dc_bytes b;
    dc_bytes_init(&b);
    dc_status rc = dc_fs_list_all(g->fs, DC_CHECKPOINT_PREFIX, false, &l, err);
    for (int64_t i = 0; rc == DC_OK && i < l.n; i++) {
        const char *k = l.entries[i].key + strlen(DC_CHECKPOINT_PREFIX);
        char *end = NULL;
        long long v = strtoll(k, &end, 10);
        if (!l.entries[i].is_dir || !end || strcmp(end, "/") != 0 || v < c)
            continue;
        char root[96];
        snprintf(root, sizeof root, DC_CHECKPOINT_PREFIX "%020lld/root.json", v);
        json_t *j = NULL;
        dc_status grc = dc_fs_get(g->fs, root, &b, err);
        if (grc == DC_ENOTFOUND)
            continue; /* incomplete: its segments are garbage unless another root names them */
        if (grc != DC_OK) {
            rc = grc;
            break;
        }
        j = json_loadb((const char *)b.data, (size_t)b.size, 0, NULL);
        if (!j) {
            rc = dc_error_set(err, DC_ECORRUPT,
                              "%s%s does not parse: the collector will not guess what it names",
                              g->fs->display, root);
            break;
        }
        rc = mark(g->reach, root, err);
        const char *tid, *vk;
        json_t *t, *tv;
        json_object_foreach(json_object_get(j, "tables"), tid, t)
        {
            json_object_foreach(json_object_get(t, "versions"), vk, tv)
            {
                const char *seg = json_string_value(json_object_get(tv, "segment"));
                if (rc == DC_OK && seg && !json_object_get(g->reach, seg)) {
                    rc = mark(g->reach, seg, err);
                    if (rc == DC_OK)
                        rc = mark_chunks(g, seg, &b, err);
                }
            }
        }
        json_decref(j);
    }
    dc_fs_listing_free(&l);
    dc_bytes_free(&b);
    return rc;
}

/* The id of the transaction a `_staging/<id>/...` or `_txn/<id>.json` key belongs to. */
static void key_txn_id(const char *key, const char *prefix, char out[64])
{
    const char *p = key + strlen(prefix);
    size_t n = strcspn(p, "/");
    if (!strcmp(prefix, DC_TXN_PREFIX) && n > 5 && !strcmp(p + n - 5, ".json"))
        n -= 5;
    snprintf(out, 64, "%.*s", (int)(n < 63 ? n : 63), p);
}

/* Is a listed key garbage (before the grace period is applied)? */
static bool is_garbage(gc_ctx *g, const dc_fs_entry *e, gc_kind *kind)
{
    char id[64];
    if (json_object_get(g->reach, e->key))
        return false;
    if (!strcmp(g->prefix, DC_LOG_PREFIX)) {
        char *end = NULL;
        long long v = strtoll(e->key + strlen(DC_LOG_PREFIX), &end, 10);
        *kind = G_LOG;
        return end && !strcmp(end, ".json") && v > 0 && v < g->keep_log_from;
    }
    if (!strcmp(g->prefix, DC_CHECKPOINT_PREFIX)) {
        *kind = G_CHECKPOINT;
        return strcmp(e->key, DC_LAST_CHECKPOINT) != 0;
    }
    if (!strcmp(g->prefix, DC_STAGING_PREFIX)) {
        key_txn_id(e->key, DC_STAGING_PREFIX, id);
        *kind = G_STAGED;
        return !json_object_get(g->live, id);
    }
    if (!strcmp(g->prefix, DC_TXN_PREFIX)) {
        key_txn_id(e->key, DC_TXN_PREFIX, id);
        *kind = G_TXN;
        return !json_object_get(g->live, id) || json_object_get(g->done, id);
    }
    *kind = G_DATA;
    return true;
}

/*
 * Delete (or, in a dry run, only report) the old enough garbage of one listing: its keys
 * go to the backend in one dc_fs_remove_many (DeleteObjects on S3: 1000 keys a request),
 * then into the report. A key removed meanwhile by another collector is reported too.
 */
static dc_status collect_listing(gc_ctx *g, const dc_fs_listing *l, dc_error *err)
{
    dc_status rc = DC_OK;
    const char **doomed = dc_malloc((size_t)(l->n > 0 ? l->n : 1) * sizeof *doomed);
    gc_kind *kinds = dc_malloc((size_t)(l->n > 0 ? l->n : 1) * sizeof *kinds);
    int64_t n = 0;
    DC_TRY_ALLOC(doomed, err);
    DC_TRY_ALLOC(kinds, err);
    for (int64_t i = 0; i < l->n; i++) {
        gc_kind kind = G_DATA;
        if (!is_garbage(g, &l->entries[i], &kind))
            continue;
        if (l->entries[i].mtime_ns >= g->cutoff) { /* GC-2 */
            g->rep->kept_young++;
            continue;
        }
        kinds[n] = kind;
        doomed[n++] = l->entries[i].key;
    }
    if (!g->dry_run && n > 0)
        DC_TRY(dc_fs_remove_many(g->fs, doomed, n, NULL, err));
    int64_t *counts[] = {&g->rep->data_files, &g->rep->staged_files, &g->rep->log_entries,
                         &g->rep->checkpoint_files, &g->rep->txn_records};
    for (int64_t i = 0, k = 0; i < l->n && k < n; i++) {
        if (l->entries[i].key != doomed[k])
            continue;
        DC_TRY(add_key(g->rep, doomed[k], err));
        g->rep->bytes += l->entries[i].size > 0 ? l->entries[i].size : 0;
        (*counts[kinds[k]])++;
        k++;
    }
cleanup:
    dc_free(doomed);
    dc_free(kinds);
    return rc;
}

/*
 * Choose the oldest retained version (policy, pins, previous marker) and, when
 * it moves forward, make sure its checkpoint is whole and write the marker
 * (GC-3). *ex becomes the expiry in force.
 */
static dc_status expire(gc_ctx *g, const dc_gc_options *o, int64_t latest, int64_t pin,
                        dc_expiry *ex, dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t r = INT64_MAX;
    if (o->retain_versions > 0)
        r = latest - o->retain_versions + 1;
    if (o->retain_ns > 0) {
        int64_t rd = 0;
        int64_t lo = ex->oldest_version > 0 ? ex->oldest_version : 0;
        if ((rc = version_at_time(g->s, lo, latest, g->now - o->retain_ns, &rd, err)) != DC_OK)
            return rc;
        r = rd < r ? rd : r;
    }
    if (r == INT64_MAX) /* no policy: retain everything still retained */
        return DC_OK;
    if (pin < r)
        r = pin;
    if (r <= ex->oldest_version || r < 1)
        return DC_OK;
    int64_t interval = dc_store_checkpoint_interval(g->s);
    int64_t c = (r / interval) * interval;
    if (c > ex->checkpoint_version) {
        char root[96];
        bool exists = false;
        snprintf(root, sizeof root, DC_CHECKPOINT_PREFIX "%020lld/root.json", (long long)c);
        if ((rc = dc_fs_exists(g->fs, root, &exists, err)) != DC_OK)
            return rc;
        if (!exists && !g->dry_run) { /* checkpoints are best effort: write the missing one */
            dc_snapshot *snap = NULL;
            rc = dc_store_snapshot_at(g->s, c, &snap, err);
            if (rc == DC_OK)
                rc = dc_store_write_checkpoint(g->s, snap, err);
            dc_snapshot_unref(snap);
            if (rc != DC_OK)
                return rc;
        }
    } else {
        c = ex->checkpoint_version;
    }
    dc_expiry next = {ex->seq + 1, r, c};
    if (!g->dry_run) {
        char key[64];
        dc_strbuf sb;
        dc_strbuf_init(&sb);
        json_t *j = json_pack("{s:i, s:I, s:I, s:I, s:I}", "format_version", DC_FORMAT_VERSION,
                              "seq", (json_int_t)next.seq, "oldest_version", (json_int_t)r,
                              "checkpoint_version", (json_int_t)c, "expired_ns",
                              (json_int_t)g->now);
        expiry_key(key, next.seq);
        rc = !j || dc_json_dump(&sb, j) != DC_OK ? dc_error_nomem(err)
                                                  : dc_fs_put_if_absent(g->fs, key, sb.data,
                                                                        sb.len, err);
        json_decref(j);
        dc_strbuf_free(&sb);
        if (rc == DC_EEXISTS)
            rc = dc_error_set(err, DC_ECONFLICT,
                              "another collector expired snapshots at the same time (%s "
                              "exists): run the collection again",
                              key);
        if (rc != DC_OK)
            return rc;
        dc_expiry seen;
        dc_store__expiry(g->s, &seen, NULL); /* refresh the handle's cache */
    }
    *ex = next;
    return DC_OK;
}

dc_status dc_store_gc(dc_store *s, const dc_gc_options *opts, dc_gc_report *out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_gc_options o = opts ? *opts : (dc_gc_options){0};
    dc_gc_report local = {0}, *rep = out ? out : &local;
    dc_snapshot *snap = NULL;
    dc_fs_listing tmps = {0};
    memset(rep, 0, sizeof *rep);
    if (o.retain_versions < 0 || o.retain_ns < 0)
        return dc_error_set(err, DC_EINVALID,
                            "retain_versions and retain_ns must not be negative (0: no limit)");
    int64_t grace = o.grace_ns == 0 ? DC_DEFAULT_GC_GRACE_NS : o.grace_ns < 0 ? 0 : o.grace_ns;
    int64_t clock = dc_clock_now_ns();
    gc_ctx g = {.s = s, .fs = dc_store_fs(s), .rep = rep, .dry_run = o.dry_run,
                .now = o.now_ns > 0 ? o.now_ns : clock};
    g.cutoff = g.now - grace;
    g.reach = json_object();
    g.live = json_object();
    g.done = json_object();
    DC_TRY_ALLOC(g.reach, err);
    DC_TRY_ALLOC(g.live, err);
    DC_TRY_ALLOC(g.done, err);

    int64_t latest, pin = INT64_MAX;
    dc_expiry ex;
    DC_TRY(dc_store_latest_version(s, &latest, err));
    DC_TRY(dc_store__expiry(s, &ex, err));
    DC_TRY(scan_records(&g, &pin, err));
    DC_TRY(expire(&g, &o, latest, pin, &ex, err));
    rep->latest_version = latest;
    rep->oldest_version = ex.oldest_version;
    rep->checkpoint_version = ex.checkpoint_version;
    g.keep_log_from = ex.checkpoint_version;

    /* Reachable (GC-1): the state at R, what every commit after R added, checkpoints. */
    int64_t r = ex.oldest_version > 0 ? ex.oldest_version : 0;
    DC_TRY(dc_store_snapshot_at(s, r, &snap, err));
    DC_TRY(mark_state(g.reach, snap->state, err));
    for (int64_t v = r + 1; v <= latest; v++) {
        json_t *e = NULL;
        DC_TRY(dc_store_read_entry(s, v, &e, err));
        size_t i;
        json_t *txn;
        json_array_foreach(json_object_get(e, "transactions"), i, txn)
        {
            if (rc == DC_OK)
                rc = mark_ops(g.reach, json_object_get(txn, "operations"), err);
            if (rc == DC_OK)
                rc = mark(g.done, json_string_value(json_object_get(txn, "id")), err);
        }
        json_decref(e);
        if (rc != DC_OK)
            goto cleanup;
    }
    DC_TRY(mark_checkpoints(&g, ex.checkpoint_version, err));

    /* Collect, prefix by prefix, in key order. */
    static const char *const prefixes[] = {DC_CHECKPOINT_PREFIX, DC_LOG_PREFIX, DC_STAGING_PREFIX,
                                           DC_TXN_PREFIX, DC_DATA_PREFIX};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        dc_fs_listing l;
        g.prefix = prefixes[i];
        rc = dc_fs_list_all(g.fs, prefixes[i], true, &l, err);
        if (rc == DC_OK)
            rc = collect_listing(&g, &l, err);
        dc_fs_listing_free(&l);
        if (rc != DC_OK)
            goto cleanup;
    }

    /* The backends' temporaries left by dead writers (local temporary files, S3 multipart
     * uploads), with their own grace: the real clock. */
    int64_t tgrace = grace - (g.now - clock);
    rc = dc_fs_sweep_temporaries(g.fs, tgrace > 0 ? tgrace : 0, o.dry_run, &tmps, NULL, err);
    for (int64_t i = 0; i < tmps.n; i++) { /* what was removed, even if the sweep failed */
        dc_status arc = add_key(rep, tmps.entries[i].key, err);
        if (arc != DC_OK) {
            rc = arc;
            break;
        }
        rep->bytes += tmps.entries[i].size > 0 ? tmps.entries[i].size : 0;
        rep->temporaries++;
    }
cleanup:
    dc_fs_listing_free(&tmps);
    dc_snapshot_unref(snap);
    json_decref(g.reach);
    json_decref(g.live);
    json_decref(g.done);
    if (!out)
        dc_gc_report_free(&local);
    return rc;
}
