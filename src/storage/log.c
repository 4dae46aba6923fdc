/*
 * log.c: the store: catalog identity, the commit log, snapshots and
 * checkpoints (FORMAT.md sections 2-5).
 *
 * Invariants (tests cite them as LOG-n):
 *  LOG-1 Commits are whole: a log entry is written once with put_if_absent,
 *        so a reader sees all of commit V or none of it.
 *  LOG-2 The versions present form a gap-free range: commit V+1 is written
 *        only by a writer that read commit V. The latest version is found by
 *        probing existence, never by trusting a hint or a listing.
 *  LOG-3 The state at V is a function of commits 1..V only. A checkpoint is a
 *        cache of it: one is used only when its root (written last) exists.
 *  LOG-4 Commit timestamps strictly increase with the version.
 */
#include "storage/lifecycle_int.h"
#include "storage/storage_int.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>

struct dc_store {
    int64_t refs;
    dc_fs *fs;
    char catalog_id[64];
    int64_t interval;
    pthread_mutex_t mu;   /* guards `latest` */
    dc_snapshot *latest;  /* the newest snapshot built by this handle */
    dc_expiry expiry;     /* newest expiry marker seen, guarded by mu (gc.c, FORMAT.md 9) */
    atomic_int_fast64_t known_latest;
    /* A time (dc_clock_mono_ns) at or before which known_latest was the latest version: set
     * after it, read before it, so that a reader pairs a time with a version at least as
     * new as the one confirmed then (FORMAT.md 6.5). 0: never confirmed. */
    atomic_int_fast64_t known_at_ns;
    atomic_int_fast64_t entries_read, checkpoints_read, commits, retries;
};

void dc_log_key(char out[64], int64_t version)
{
    snprintf(out, 64, DC_LOG_PREFIX "%020lld.json", (long long)version);
}

static void checkpoint_dir(char out[64], int64_t version)
{
    snprintf(out, 64, DC_CHECKPOINT_PREFIX "%020lld/", (long long)version);
}

dc_status dc_random_hex(char out[33], dc_error *err)
{
    uint8_t b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return dc_error_set(err, DC_EIO, "cannot read random bytes: %s", strerror(errno));
        }
        got += (size_t)r;
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[32] = '\0';
    return DC_OK;
}

dc_status dc_uuid(char out[37], dc_error *err)
{
    char h[33];
    dc_status rc = dc_random_hex(h, err);
    if (rc != DC_OK)
        return rc;
    h[12] = '4';                           /* version 4 */
    h[16] = "89ab"[(h[16] - '0') & 3];     /* variant 10xx (h[16] is a hex digit) */
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
    return DC_OK;
}

/* ---- identity ---- */

static dc_status parse_identity(dc_store *s, const dc_bytes *b, dc_error *err)
{
    json_t *j = NULL;
    dc_status rc = dc_json_parse(&j, (const char *)b->data, (size_t)b->size,
                                 DC_CATALOG_FILE, err);
    if (rc != DC_OK)
        return rc;
    const char *fmt = json_string_value(json_object_get(j, "format"));
    json_t *fv = json_object_get(j, "format_version");
    const char *id = json_string_value(json_object_get(j, "catalog_id"));
    if (!fmt || strcmp(fmt, "deltacat") != 0 || !json_is_integer(fv) || !id) {
        rc = dc_error_set(err, DC_EINVALID,
                          "%s%s is not a deltacat catalog identity file (format, "
                          "format_version and catalog_id are required)",
                          s->fs->display, DC_CATALOG_FILE);
    } else if (json_integer_value(fv) > DC_FORMAT_VERSION) {
        rc = dc_error_set(err, DC_EUNSUPPORTED,
                          "the catalog at %s has format version %lld; this deltacat reads "
                          "version %d and older: upgrade deltacat",
                          s->fs->url, (long long)json_integer_value(fv), DC_FORMAT_VERSION);
    } else {
        snprintf(s->catalog_id, sizeof s->catalog_id, "%s", id);
        json_t *iv = json_object_get(j, "checkpoint_interval");
        s->interval = json_is_integer(iv) && json_integer_value(iv) > 0 ? json_integer_value(iv)
                                                                        : DC_DEFAULT_CHECKPOINT_INTERVAL;
    }
    json_decref(j);
    return rc;
}

dc_status dc_store_open(dc_store **out, dc_fs *fs, const dc_store_options *opts, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_bytes b;
    dc_bytes_init(&b);
    *out = NULL;
    dc_store *s = dc_calloc(1, sizeof *s);
    if (!s)
        return dc_error_nomem(err);
    s->refs = 1;
    s->fs = dc_fs_ref(fs);
    pthread_mutex_init(&s->mu, NULL);
    rc = dc_fs_get(fs, DC_CATALOG_FILE, &b, err);
    if (rc == DC_ENOTFOUND && opts && opts->create) {
        char id[37];
        DC_TRY(dc_uuid(id, err));
        int64_t interval = opts->checkpoint_interval > 0 ? opts->checkpoint_interval
                                                         : DC_DEFAULT_CHECKPOINT_INTERVAL;
        json_t *j = json_pack("{s:s, s:i, s:s, s:I, s:I}", "format", "deltacat", "format_version",
                              DC_FORMAT_VERSION, "catalog_id", id, "created_ns",
                              (json_int_t)dc_clock_now_ns(), "checkpoint_interval",
                              (json_int_t)interval);
        dc_strbuf sb;
        dc_strbuf_init(&sb);
        rc = j ? dc_json_dump(&sb, j) : DC_ENOMEM;
        json_decref(j);
        if (rc == DC_OK)
            rc = dc_fs_put_if_absent(fs, DC_CATALOG_FILE, sb.data, sb.len, err);
        dc_strbuf_free(&sb);
        if (rc == DC_ENOMEM)
            dc_error_nomem(err);
        if (rc != DC_OK && rc != DC_EEXISTS) /* EEXISTS: created concurrently, read theirs */
            goto cleanup;
        rc = dc_fs_get(fs, DC_CATALOG_FILE, &b, err);
    } else if (rc == DC_ENOTFOUND) {
        rc = dc_error_set(err, DC_ENOTFOUND,
                          "no deltacat catalog at %s (no %s); create one first", fs->url,
                          DC_CATALOG_FILE);
        goto cleanup;
    }
    if (rc != DC_OK)
        goto cleanup;
    DC_TRY(parse_identity(s, &b, err));
    *out = s;
    s = NULL;
cleanup:
    dc_bytes_free(&b);
    dc_store_unref(s);
    return rc;
}

dc_store *dc_store_ref(dc_store *s)
{
    if (s)
        __atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void dc_store_unref(dc_store *s)
{
    if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    dc_snapshot_unref(s->latest);
    pthread_mutex_destroy(&s->mu);
    dc_fs_unref(s->fs);
    dc_free(s);
}

dc_fs *dc_store_fs(dc_store *s) { return s->fs; }
const char *dc_store_catalog_id(const dc_store *s) { return s->catalog_id; }
int64_t dc_store_checkpoint_interval(const dc_store *s) { return s->interval; }

void dc_store_stats_get(dc_store *s, dc_store_stats *out)
{
    out->entries_read = atomic_load(&s->entries_read);
    out->checkpoints_read = atomic_load(&s->checkpoints_read);
    out->commits = atomic_load(&s->commits);
    out->retries = atomic_load(&s->retries);
}

/* Internal: counters updated by txn.c. */
void dc_store__count_commit(dc_store *s, bool retried);
void dc_store__count_commit(dc_store *s, bool retried)
{
    atomic_fetch_add(retried ? &s->retries : &s->commits, 1);
}

/* The newest expiry marker, refreshed from the store (one existence check when
 * nothing changed). Markers only move forward, so the cache only grows. */
dc_status dc_store__expiry(dc_store *s, dc_expiry *out, dc_error *err)
{
    dc_expiry cur;
    pthread_mutex_lock(&s->mu);
    cur = s->expiry;
    pthread_mutex_unlock(&s->mu);
    dc_status rc = dc_expiry_read(s->fs, &cur, out, err);
    if (rc != DC_OK)
        return rc;
    pthread_mutex_lock(&s->mu);
    if (out->seq > s->expiry.seq)
        s->expiry = *out;
    pthread_mutex_unlock(&s->mu);
    return DC_OK;
}

static dc_expiry cached_expiry(dc_store *s)
{
    pthread_mutex_lock(&s->mu);
    dc_expiry e = s->expiry;
    pthread_mutex_unlock(&s->mu);
    return e;
}

static dc_status expired_error(dc_error *err, int64_t version, const dc_expiry *e)
{
    return dc_error_set(err, DC_ENOTFOUND,
                        "version %lld has expired: the oldest retained version is %lld "
                        "(snapshot expiry); read a version at or after it",
                        (long long)version, (long long)e->oldest_version);
}

/* ---- the log ---- */

static dc_status entry_exists(dc_store *s, int64_t v, bool *exists, dc_error *err)
{
    char key[64];
    dc_log_key(key, v);
    return dc_fs_exists(s->fs, key, exists, err);
}

dc_status dc_store_read_entry(dc_store *s, int64_t version, json_t **out, dc_error *err)
{
    char key[64];
    dc_bytes b;
    dc_bytes_init(&b);
    *out = NULL;
    dc_log_key(key, version);
    dc_status rc = dc_fs_get(s->fs, key, &b, err);
    if (rc == DC_ENOTFOUND) {
        rc = dc_error_set(err, DC_ENOTFOUND, "commit %lld does not exist", (long long)version);
    } else if (rc == DC_OK) {
        atomic_fetch_add(&s->entries_read, 1);
        rc = dc_json_parse(out, (const char *)b.data, (size_t)b.size, key, err);
        if (rc == DC_OK) {
            json_t *fv = json_object_get(*out, "format_version");
            json_t *v = json_object_get(*out, "version");
            if (json_is_integer(fv) && json_integer_value(fv) > DC_FORMAT_VERSION)
                rc = dc_error_set(err, DC_EUNSUPPORTED,
                                  "commit %lld has format version %lld; upgrade deltacat",
                                  (long long)version, (long long)json_integer_value(fv));
            else if (!json_is_integer(v) || json_integer_value(v) != version ||
                     !json_is_array(json_object_get(*out, "transactions")) ||
                     !json_is_integer(json_object_get(*out, "timestamp_ns")))
                rc = dc_error_set(err, DC_ECORRUPT,
                                  "%s%s is not a valid log entry for version %lld",
                                  s->fs->display, key, (long long)version);
        } else {
            rc = DC_ECORRUPT;
            if (err)
                err->code = DC_ECORRUPT;
        }
        if (rc != DC_OK) {
            json_decref(*out);
            *out = NULL;
        }
    }
    dc_bytes_free(&b);
    return rc;
}

/* Version v is known to exist: known_latest only moves forward. */
static void note_latest(dc_store *s, int64_t v)
{
    int_fast64_t cur = atomic_load(&s->known_latest);
    while (cur < v && !atomic_compare_exchange_weak(&s->known_latest, &cur, v))
        ;
}

void dc_store__confirm_latest(dc_store *s, int64_t v, int64_t at_ns)
{
    note_latest(s, v);
    int_fast64_t cur = atomic_load(&s->known_at_ns);
    while (cur < at_ns && !atomic_compare_exchange_weak(&s->known_at_ns, &cur, at_ns))
        ;
}

bool dc_store__recent_latest(dc_store *s, int64_t max_age_ns, int64_t *out)
{
    int64_t at = atomic_load(&s->known_at_ns); /* the time first: see known_at_ns */
    int64_t v = atomic_load(&s->known_latest);
    if (at <= 0 || max_age_ns <= 0 || dc_clock_mono_ns() - at > max_age_ns)
        return false;
    *out = v;
    return true;
}

static int64_t read_hint(dc_store *s)
{
    dc_bytes b;
    dc_bytes_init(&b);
    int64_t v = 0;
    if (dc_fs_get(s->fs, DC_LAST_CHECKPOINT, &b, NULL) == DC_OK) {
        json_t *j = json_loadb((const char *)b.data, (size_t)b.size, 0, NULL);
        json_t *jv = json_object_get(j, "version");
        if (json_is_integer(jv) && json_integer_value(jv) > 0)
            v = json_integer_value(jv);
        json_decref(j);
    }
    dc_bytes_free(&b);
    return v;
}

dc_status dc_store_latest_version(dc_store *s, int64_t *out, dc_error *err)
{
    dc_status rc;
    bool exists;
    int64_t t0 = dc_clock_mono_ns(); /* every answer below reflects the store after t0 */
    int64_t lo = atomic_load(&s->known_latest), step = 1, hi;
    /* Up to date (nothing after the version this handle last saw or committed)? On a store
     * that lists in one request (S3): no log key after lo's means lo is the latest, whatever
     * an expiry did (it never deletes the newest entry), so no marker check either: one
     * request. Elsewhere one existence check, the marker check below. Behind or new: the
     * checkpoint hint first. */
    if (lo > 0) {
        char key[64], *next = NULL;
        dc_log_key(key, lo);
        rc = dc_fs_first_after(s->fs, DC_LOG_PREFIX, key, &next, err);
        if (rc == DC_OK) {
            dc_free(next);
            if (!next) {
                dc_store__confirm_latest(s, lo, t0);
                *out = lo;
                return DC_OK;
            }
        } else if (rc != DC_EUNSUPPORTED) {
            return rc;
        } else {
            if ((rc = entry_exists(s, lo + 1, &exists, err)) != DC_OK)
                return rc;
            if (!exists) {
                hi = lo + 1;
                goto found;
            }
        }
    }
    int64_t hint = read_hint(s);
    if (hint > lo) {
        /* A hint is advisory (LOG-2): use it only when its commit exists. */
        if ((rc = entry_exists(s, hint, &exists, err)) != DC_OK)
            return rc;
        if (exists)
            lo = hint;
    }
    /* Exponential probe past lo (which exists, or is 0), then binary search. */
reprobe:
    step = 1;
    for (;;) {
        if ((rc = entry_exists(s, lo + step, &exists, err)) != DC_OK)
            return rc;
        if (!exists) {
            hi = lo + step;
            break;
        }
        lo += step;
        step *= 2;
    }
found:
    while (hi - lo > 1) { /* lo exists (or is 0), hi does not */
        int64_t mid = lo + (hi - lo) / 2;
        if ((rc = entry_exists(s, mid, &exists, err)) != DC_OK)
            return rc;
        if (exists)
            lo = mid;
        else
            hi = mid;
    }
    /* Expiry deletes the entries before its checkpoint after writing its marker
     * (gc.c GC-3): a marker not seen now was written after the probe, which was
     * then right; one seen means entries before its checkpoint may be gone. */
    dc_expiry ex;
    if ((rc = dc_store__expiry(s, &ex, err)) != DC_OK)
        return rc;
    if (ex.checkpoint_version > lo) {
        lo = ex.checkpoint_version; /* kept by expiry */
        goto reprobe;
    }
    dc_store__confirm_latest(s, lo, t0);
    *out = lo;
    return DC_OK;
}

/* Apply every operation of a log entry to `state` (LOG-3). */
static dc_status apply_entry(json_t *state, const json_t *entry, int64_t version, dc_error *err)
{
    size_t i, j;
    json_t *txn, *op;
    json_array_foreach(json_object_get(entry, "transactions"), i, txn)
    {
        json_array_foreach(json_object_get(txn, "operations"), j, op)
        {
            dc_status rc = dc_state_apply(state, op, version, err);
            if (rc != DC_OK) {
                dc_error_prefix(err, "commit %lld holds an invalid operation: ", (long long)version);
                if (err)
                    err->code = DC_ECORRUPT;
                return DC_ECORRUPT;
            }
        }
    }
    return DC_OK;
}

/* ---- checkpoints ---- */

static dc_status put_json(dc_fs *fs, const char *key, const json_t *j, bool if_absent,
                          dc_error *err)
{
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    dc_status rc = dc_json_dump(&sb, j);
    if (rc != DC_OK) {
        dc_strbuf_free(&sb);
        return dc_error_nomem(err);
    }
    rc = if_absent ? dc_fs_put_if_absent(fs, key, sb.data, sb.len, err)
                   : dc_fs_put(fs, key, sb.data, sb.len, err);
    dc_strbuf_free(&sb);
    return rc;
}

/* Read a JSON object at `key` into *out (DC_ECORRUPT when it does not parse). */
static dc_status get_json(dc_store *s, const char *key, json_t **out, dc_error *err)
{
    dc_bytes b;
    dc_bytes_init(&b);
    *out = NULL;
    dc_status rc = dc_fs_get(s->fs, key, &b, err);
    if (rc == DC_OK && dc_json_parse(out, (const char *)b.data, (size_t)b.size, key, err) != DC_OK)
        rc = err ? (err->code = DC_ECORRUPT) : DC_ECORRUPT;
    dc_bytes_free(&b);
    return rc;
}

/*
 * Fill table version `v` (a fresh object) with the partitions of segment `seg`:
 * each partition's chunks are read in chunk order and their deltas appended.
 * Records {"key": seg, "chunks": {PARTITION: {K: CHUNK_KEY}}} under `mk` in
 * `segments` for reuse by the next checkpoint.
 */
static dc_status load_segment(dc_store *s, const char *seg, json_t *v, const char *mk,
                              json_t *segments, dc_error *err)
{
    dc_status rc = DC_OK;
    json_t *sj = NULL, *parts = json_object(), *rec = NULL, *chunk = NULL;
    DC_TRY_ALLOC(parts, err);
    DC_TRY(get_json(s, seg, &sj, err));
    json_t *sparts = json_object_get(sj, "partitions");
    if (!json_is_object(sparts)) {
        rc = dc_error_set(err, DC_ECORRUPT, "%s%s: no partitions", s->fs->display, seg);
        goto cleanup;
    }
    rec = json_pack("{s:s, s:{}}", "key", seg, "chunks");
    DC_TRY_ALLOC(rec, err);
    const char *pk;
    json_t *sp;
    json_object_foreach(sparts, pk, sp)
    {
        json_t *chunks = json_object_get(sp, "chunks");
        json_t *mods = json_object_get(sp, "chunk_mod");
        json_t *p = json_pack("{s:O, s:o, s:[]}", "next_position", json_object_get(sp, "next_position"),
                              "chunk_mod", mods ? json_copy(mods) : json_object(), "deltas");
        json_t *keys = json_object();
        if (!p || !keys || json_object_set_new(parts, pk, p) != 0 ||
            json_object_set_new(json_object_get(rec, "chunks"), pk, keys) != 0) {
            json_decref(keys);
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        if (!json_is_integer(json_object_get(sp, "next_position")) || !json_is_object(chunks)) {
            rc = dc_error_set(err, DC_ECORRUPT, "%s%s: partition %s is malformed", s->fs->display,
                              seg, pk);
            goto cleanup;
        }
        /* Chunks in index order (object keys are decimal indices). */
        json_int_t max_k = -1;
        const char *kk;
        json_t *ck;
        json_object_foreach(chunks, kk, ck) if (atoll(kk) > max_k) max_k = atoll(kk);
        for (json_int_t k = 0; k <= max_k; k++) {
            char ks[24];
            snprintf(ks, sizeof ks, "%lld", (long long)k);
            const char *ckey = json_string_value(json_object_get(chunks, ks));
            if (!ckey)
                continue;
            DC_TRY(get_json(s, ckey, &chunk, err));
            json_t *deltas = json_object_get(chunk, "deltas");
            if (!json_is_array(deltas)) {
                rc = dc_error_set(err, DC_ECORRUPT, "%s%s: no deltas", s->fs->display, ckey);
                goto cleanup;
            }
            json_array_extend(json_object_get(p, "deltas"), deltas);
            json_object_set_new(keys, ks, json_string(ckey));
            json_decref(chunk);
            chunk = NULL;
        }
    }
    json_object_set(v, "partitions", parts);
    json_object_set(segments, mk, rec);
cleanup:
    json_decref(chunk);
    json_decref(rec);
    json_decref(sj);
    json_decref(parts);
    return rc;
}

/*
 * Write the segment of table version `v` (of the snapshot) under checkpoint
 * directory `dir`, reusing the chunks of the checkpoint the state was loaded
 * from (`loaded`: its segments record for this table version, or NULL) that did
 * not change since (`since`): a checkpoint costs the chunks that changed. *rec: what
 * load_segment would record for it (the reuse of the checkpoint after this one).
 */
static dc_status write_segment(dc_store *s, const json_t *v, const char *dir, const char *tid,
                               const char *vk, const json_t *loaded, int64_t since, char *key,
                               size_t keycap, json_t **rec, dc_error *err)
{
    dc_status rc = DC_OK;
    json_t *parts = json_object(), *seg = NULL, *chunk = NULL;
    *rec = NULL;
    DC_TRY_ALLOC(parts, err);
    const char *pk;
    json_t *p;
    json_object_foreach(json_object_get(v, "partitions"), pk, p)
    {
        json_t *mods = json_object_get(p, "chunk_mod");
        json_t *old = loaded ? json_object_get(json_object_get(loaded, "chunks"), pk) : NULL;
        json_t *keys = json_object();
        json_t *sp = json_pack("{s:O, s:o, s:o}", "next_position", json_object_get(p, "next_position"),
                               "chunk_mod", mods ? json_copy(mods) : json_object(), "chunks", keys);
        if (!sp || json_object_set_new(parts, pk, sp) != 0) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        json_t *deltas = json_object_get(p, "deltas");
        size_t i = 0, n = json_array_size(deltas);
        while (i < n) { /* deltas are in position order: group them by chunk */
            json_int_t k = (json_integer_value(json_object_get(json_array_get(deltas, i), "position")) - 1) /
                           DC_CHUNK_DELTAS;
            size_t j = i;
            while (j < n && (json_integer_value(json_object_get(json_array_get(deltas, j), "position")) - 1) /
                                    DC_CHUNK_DELTAS == k)
                j++;
            char ks[24], ckey[256];
            snprintf(ks, sizeof ks, "%lld", (long long)k);
            const char *reuse = json_string_value(json_object_get(old, ks));
            if (reuse && json_integer_value(json_object_get(mods, ks)) <= since) {
                snprintf(ckey, sizeof ckey, "%s", reuse);
            } else {
                /* Named by what it holds (partition, chunk index), never by a counter:
                 * a rewrite after a crash may then meet the first writer's object
                 * (EEXISTS below), and it must hold the same deltas (LOG-3). */
                snprintf(ckey, sizeof ckey, "%sc-%s-%s-%016llx-%lld.json", dir, tid, vk,
                         (unsigned long long)dc_hash_bytes(pk, strlen(pk), 0), (long long)k);
                json_t *arr = json_array();
                for (size_t d = i; arr && d < j; d++)
                    json_array_append(arr, json_array_get(deltas, d));
                chunk = arr ? json_pack("{s:i, s:o}", "format_version", DC_FORMAT_VERSION, "deltas", arr)
                            : NULL;
                DC_TRY_ALLOC(chunk, err);
                rc = put_json(s->fs, ckey, chunk, true, err);
                json_decref(chunk);
                chunk = NULL;
                if (rc == DC_EEXISTS)
                    rc = DC_OK; /* a concurrent checkpointer of the same state */
                if (rc != DC_OK)
                    goto cleanup;
            }
            json_object_set_new(keys, ks, json_string(ckey));
            i = j;
        }
    }
    snprintf(key, keycap, "%st-%s-%s.json", dir, tid, vk);
    seg = json_pack("{s:i, s:O}", "format_version", DC_FORMAT_VERSION, "partitions", parts);
    DC_TRY_ALLOC(seg, err);
    rc = put_json(s->fs, key, seg, true, err);
    if (rc == DC_EEXISTS)
        rc = DC_OK;
    if (rc == DC_OK) {
        *rec = json_pack("{s:s, s:{}}", "key", key, "chunks");
        DC_TRY_ALLOC(*rec, err);
        json_object_foreach(parts, pk, p)
            json_object_set(json_object_get(*rec, "chunks"), pk, json_object_get(p, "chunks"));
    }
cleanup:
    json_decref(chunk);
    json_decref(seg);
    json_decref(parts);
    return rc;
}

static dc_status load_checkpoint(dc_store *s, int64_t c, dc_snapshot **out, dc_error *err)
{
    dc_status rc;
    char dir[64], key[96];
    dc_bytes b;
    json_t *root = NULL;
    dc_snapshot *snap = NULL;
    dc_bytes_init(&b);
    *out = NULL;
    checkpoint_dir(dir, c);
    snprintf(key, sizeof key, "%sroot.json", dir);
    DC_TRY(dc_fs_get(s->fs, key, &b, err));
    DC_TRY(dc_json_parse(&root, (const char *)b.data, (size_t)b.size, key, err));
    json_t *fv = json_object_get(root, "format_version");
    if (json_is_integer(fv) && json_integer_value(fv) > DC_FORMAT_VERSION) {
        rc = dc_error_set(err, DC_EUNSUPPORTED, "checkpoint %lld is of a newer format: upgrade",
                          (long long)c);
        goto cleanup;
    }
    snap = dc_calloc(1, sizeof *snap);
    DC_TRY_ALLOC(snap, err);
    snap->refs = 1;
    snap->version = c;
    snap->checkpoint_version = c;
    snap->timestamp_ns = json_integer_value(json_object_get(root, "timestamp_ns"));
    snap->state = json_pack("{s:O, s:O}", "namespaces", json_object_get(root, "namespaces"),
                            "tables", json_object_get(root, "tables"));
    snap->segments = json_object();
    DC_TRY_ALLOC(snap->state, err);
    DC_TRY_ALLOC(snap->segments, err);
    if (!json_is_object(json_object_get(snap->state, "namespaces")) ||
        !json_is_object(json_object_get(snap->state, "tables"))) {
        rc = dc_error_set(err, DC_ECORRUPT, "%s%s: namespaces and tables are required",
                          s->fs->display, key);
        goto cleanup;
    }
    /* The root shares its objects with the snapshot: copy before filling segments in. */
    json_t *tables = json_deep_copy(json_object_get(snap->state, "tables"));
    DC_TRY_ALLOC(tables, err);
    json_object_set_new(snap->state, "tables", tables);
    const char *tid;
    json_t *t;
    json_object_foreach(tables, tid, t)
    {
        const char *vk;
        json_t *v;
        json_object_foreach(json_object_get(t, "versions"), vk, v)
        {
            const char *seg = json_string_value(json_object_get(v, "segment"));
            if (!seg)
                continue;
            char mk[160];
            snprintf(mk, sizeof mk, "%s/%s", tid, vk);
            DC_TRY(load_segment(s, seg, v, mk, snap->segments, err));
            json_object_del(v, "segment");
        }
    }
    atomic_fetch_add(&s->checkpoints_read, 1);
    *out = snap;
    snap = NULL;
cleanup:
    dc_snapshot_unref(snap);
    json_decref(root);
    dc_bytes_free(&b);
    return rc;
}


dc_status dc_store_write_checkpoint(dc_store *s, const dc_snapshot *snap, dc_error *err)
{
    dc_status rc = DC_OK;
    char dir[64], key[256];
    checkpoint_dir(dir, snap->version);
    /* The root's tables: shallow copies of each table and version, their
     * partitions replaced by segment keys (the snapshot itself is not changed). */
    json_t *tables = json_object(), *written = json_object(), *rec = NULL;
    json_t *root = NULL;
    if (!tables || !written) {
        json_decref(tables);
        json_decref(written);
        return dc_error_nomem(err);
    }
    /* What a checkpoint before the expiry's holds is garbage (gc.c): never reuse it. */
    bool may_share = snap->checkpoint_version >= cached_expiry(s).checkpoint_version;
    const char *tid;
    json_t *t0;
    json_object_foreach(json_object_get(snap->state, "tables"), tid, t0)
    {
        json_t *t = json_copy(t0), *versions = json_object();
        if (!t || !versions || json_object_set_new(tables, tid, t) != 0 ||
            json_object_set_new(t, "versions", versions) != 0) {
            if (!t)
                json_decref(versions);
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        const char *vk;
        json_t *v0;
        json_object_foreach(json_object_get(t0, "versions"), vk, v0)
        {
            json_t *v = json_copy(v0);
            if (!v || json_object_set_new(versions, vk, v) != 0) {
                rc = dc_error_nomem(err);
                goto cleanup;
            }
            char mk[160];
            snprintf(mk, sizeof mk, "%s/%s", tid, vk);
            const json_t *loaded = may_share ? json_object_get(snap->segments, mk) : NULL;
            const char *old = json_string_value(json_object_get(loaded, "key"));
            json_int_t modified = json_integer_value(json_object_get(v, "modified"));
            if (old && modified <= snap->checkpoint_version) {
                snprintf(key, sizeof key, "%s", old); /* unchanged: share the segment */
                json_object_set(written, mk, (json_t *)loaded);
            } else {
                DC_TRY(write_segment(s, v, dir, tid, vk, loaded, snap->checkpoint_version, key,
                                     sizeof key, &rec, err));
                json_object_set_new(written, mk, rec);
                rec = NULL;
            }
            json_object_del(v, "partitions");
            json_object_set_new(v, "segment", json_string(key));
        }
    }
    root = json_pack("{s:i, s:I, s:I, s:O, s:O}", "format_version", DC_FORMAT_VERSION, "version",
                     (json_int_t)snap->version, "timestamp_ns", (json_int_t)snap->timestamp_ns,
                     "namespaces", json_object_get(snap->state, "namespaces"), "tables", tables);
    DC_TRY_ALLOC(root, err);
    snprintf(key, sizeof key, "%sroot.json", dir);
    rc = put_json(s->fs, key, root, true, err); /* last: makes the checkpoint whole */
    if (rc == DC_EEXISTS)
        rc = DC_OK;
    if (rc == DC_OK && read_hint(s) < snap->version) {
        json_t *hint = json_pack("{s:I}", "version", (json_int_t)snap->version);
        if (hint)
            put_json(s->fs, DC_LAST_CHECKPOINT, hint, false, NULL); /* advisory */
        json_decref(hint);
    }
    /* The cached latest snapshot, when it is this one, now stands on this checkpoint: the
     * next checkpoint shares what is unchanged since, without loading this one. */
    if (rc == DC_OK) {
        dc_snapshot *now = dc_calloc(1, sizeof *now);
        pthread_mutex_lock(&s->mu);
        if (now && s->latest && s->latest->version == snap->version &&
            s->latest->checkpoint_version < snap->version) {
            now->refs = 1;
            now->version = snap->version;
            now->timestamp_ns = s->latest->timestamp_ns;
            now->state = json_incref(s->latest->state);
            now->checkpoint_version = snap->version;
            now->segments = json_incref(written);
            dc_snapshot_unref(s->latest);
            s->latest = now;
            now = NULL;
        }
        pthread_mutex_unlock(&s->mu);
        dc_free(now);
    }
cleanup:
    json_decref(root);
    json_decref(tables);
    json_decref(written);
    json_decref(rec);
    return rc;
}

/* ---- snapshots ---- */

static void remember_latest(dc_store *s, dc_snapshot *snap)
{
    pthread_mutex_lock(&s->mu);
    if (!s->latest || s->latest->version < snap->version) {
        dc_snapshot_unref(s->latest);
        s->latest = dc_snapshot_ref(snap);
    }
    pthread_mutex_unlock(&s->mu);
}

void dc_store__remember_commit(dc_store *s, const dc_snapshot *from, int64_t version,
                               int64_t timestamp_ns, json_t *state)
{
    dc_snapshot *snap = dc_calloc(1, sizeof *snap);
    if (!snap)
        return; /* a cache: the next read rebuilds it */
    snap->refs = 1;
    snap->version = version;
    snap->timestamp_ns = timestamp_ns;
    snap->state = json_incref(state);
    snap->checkpoint_version = from->checkpoint_version;
    snap->segments = from->segments ? json_copy(from->segments) : NULL;
    remember_latest(s, snap);
    dc_snapshot_unref(snap);
    note_latest(s, version);
}

/* A snapshot at `version`, built from the nearest usable base: the cached latest
 * snapshot when it is at or before `version` and not before the checkpoint, else
 * the checkpoint at or before it, else the empty state. */
static dc_status snapshot_at_once(dc_store *s, int64_t version, const dc_expiry *ex,
                                  dc_snapshot **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_snapshot *base = NULL, *snap = NULL;
    json_t *entry = NULL;
    *out = NULL;
    if (version < 0)
        return dc_error_set(err, DC_EINVALID, "version %lld is negative", (long long)version);
    pthread_mutex_lock(&s->mu);
    if (s->latest && s->latest->version == version) {
        *out = dc_snapshot_ref(s->latest);
        pthread_mutex_unlock(&s->mu);
        return DC_OK;
    }
    dc_snapshot *cached = dc_snapshot_ref(s->latest);
    pthread_mutex_unlock(&s->mu);

    int64_t c = (version / s->interval) * s->interval;
    if (cached && cached->version <= version && cached->version >= c) {
        base = cached;
        cached = NULL;
    } else {
        for (int tries = 0; c > 0 && c >= ex->checkpoint_version && tries < 4;
             tries++, c -= s->interval) {
            rc = load_checkpoint(s, c, &base, NULL);
            if (rc == DC_OK)
                break;
            if (rc != DC_ENOTFOUND && rc != DC_ECORRUPT && rc != DC_EINVALID) {
                dc_error_set(err, rc, "reading checkpoint %lld failed", (long long)c);
                goto cleanup;
            }
        }
        rc = DC_OK;
        if (!base && ex->checkpoint_version > 0 && ex->checkpoint_version <= version)
            DC_TRY(load_checkpoint(s, ex->checkpoint_version, &base, err)); /* kept by expiry */
        if (!base && cached && cached->version <= version) {
            base = cached;
            cached = NULL;
        }
        if (!base)
            DC_TRY(dc_snapshot_empty(&base, err));
    }
    if (base->version == version) {
        *out = base;
        base = NULL;
        goto cleanup;
    }
    snap = dc_calloc(1, sizeof *snap);
    DC_TRY_ALLOC(snap, err);
    snap->refs = 1;
    snap->state = json_copy(base->state); /* shared until changed (STATE-5) */
    DC_TRY_ALLOC(snap->state, err);
    snap->checkpoint_version = base->checkpoint_version;
    snap->segments = base->segments ? json_copy(base->segments) : NULL;
    snap->version = base->version;
    snap->timestamp_ns = base->timestamp_ns;
    for (int64_t v = base->version + 1; v <= version; v++) {
        DC_TRY(dc_store_read_entry(s, v, &entry, err));
        DC_TRY(apply_entry(snap->state, entry, v, err));
        int64_t ts = json_integer_value(json_object_get(entry, "timestamp_ns"));
        if (ts <= snap->timestamp_ns) { /* LOG-4 */
            rc = dc_error_set(err, DC_ECORRUPT,
                              "commit %lld has a timestamp not after commit %lld's",
                              (long long)v, (long long)v - 1);
            goto cleanup;
        }
        snap->timestamp_ns = ts;
        snap->version = v;
        json_decref(entry);
        entry = NULL;
    }
    *out = snap;
    snap = NULL;
cleanup:
    json_decref(entry);
    dc_snapshot_unref(snap);
    dc_snapshot_unref(base);
    dc_snapshot_unref(cached);
    if (rc == DC_OK && *out)
        remember_latest(s, *out);
    return rc;
}

/*
 * The snapshot at `version`. A version before the oldest retained one (FORMAT.md
 * 9) fails with DC_ENOTFOUND naming the oldest retained version; so does a build
 * that met a log entry deleted by an expiry this handle had not seen yet.
 */
dc_status dc_store_snapshot_at(dc_store *s, int64_t version, dc_snapshot **out, dc_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&s->mu);
    bool hit = s->latest && s->latest->version == version;
    pthread_mutex_unlock(&s->mu);
    dc_expiry ex = cached_expiry(s);
    if (!hit && version > 0) {
        dc_status rc = dc_store__expiry(s, &ex, err);
        if (rc != DC_OK)
            return rc;
    }
    if (version > 0 && version < ex.oldest_version)
        return expired_error(err, version, &ex);
    dc_status rc = snapshot_at_once(s, version, &ex, out, err);
    if (rc == DC_ENOTFOUND && version > 0) {
        dc_expiry now;
        if (dc_store__expiry(s, &now, NULL) == DC_OK && now.seq > ex.seq) {
            if (version < now.oldest_version)
                return expired_error(err, version, &now);
            rc = snapshot_at_once(s, version, &now, out, err);
        }
    }
    return rc;
}

dc_status dc_store_snapshot_latest(dc_store *s, dc_snapshot **out, dc_error *err)
{
    return dc_store_snapshot_recent(s, 0, out, err);
}

dc_status dc_store_snapshot_recent(dc_store *s, int64_t max_staleness_ns, dc_snapshot **out,
                                   dc_error *err)
{
    int64_t v;
    *out = NULL;
    if (max_staleness_ns > DC_MAX_STALENESS_NS)
        return dc_error_set(err, DC_EINVALID,
                            "a staleness bound of %lld ms is above the %lld ms allowed (it must "
                            "stay well below the collector's grace period, FORMAT.md 6.5)",
                            (long long)(max_staleness_ns / 1000000),
                            (long long)(DC_MAX_STALENESS_NS / 1000000));
    if (dc_store__recent_latest(s, max_staleness_ns, &v))
        return dc_store_snapshot_at(s, v, out, err);
    dc_status rc = dc_store_latest_version(s, &v, err);
    if (rc != DC_OK)
        return rc;
    return dc_store_snapshot_at(s, v, out, err);
}

dc_status dc_store_snapshot_at_time(dc_store *s, int64_t ts_ns, dc_snapshot **out, dc_error *err)
{
    int64_t latest, lo = 0, hi;
    json_t *e = NULL;
    *out = NULL;
    dc_status rc = dc_store_latest_version(s, &latest, err);
    if (rc != DC_OK)
        return rc;
    dc_expiry ex;
    if ((rc = dc_store__expiry(s, &ex, err)) != DC_OK)
        return rc;
    if (ex.oldest_version > 0) { /* the versions before it are gone (FORMAT.md 9) */
        if ((rc = dc_store_read_entry(s, ex.oldest_version, &e, err)) != DC_OK)
            return rc;
        int64_t ts = json_integer_value(json_object_get(e, "timestamp_ns"));
        json_decref(e);
        e = NULL;
        if (ts_ns < ts)
            return dc_error_set(err, DC_ENOTFOUND,
                                "the state as of %lld ns has expired: the oldest retained "
                                "version is %lld, committed at %lld ns",
                                (long long)ts_ns, (long long)ex.oldest_version, (long long)ts);
        lo = ex.oldest_version;
    }
    hi = latest + 1; /* invariant: version lo is at or before ts (0 always is), hi is after */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((rc = dc_store_read_entry(s, mid, &e, err)) != DC_OK)
            return rc;
        int64_t ts = json_integer_value(json_object_get(e, "timestamp_ns"));
        json_decref(e);
        e = NULL;
        if (ts <= ts_ns)
            lo = mid;
        else
            hi = mid;
    }
    return dc_store_snapshot_at(s, lo, out, err);
}
