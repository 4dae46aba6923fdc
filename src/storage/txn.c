/*
 * txn.c: transactions with optimistic concurrency and rebase (FORMAT.md 6).
 *
 * Invariants (tests cite them as TXN-n):
 *  TXN-1 Nothing of a transaction is visible before its log entry exists, and
 *        all of it is after (LOG-1).
 *  TXN-2 A transaction commits only on top of every commit before its
 *        position: a lost race reads each winner, checks it with the
 *        conflict rules, and revalidates the operations on the new state.
 *  TXN-3 An unknown outcome (I/O error from put_if_absent) is resolved by
 *        reading the entry back and comparing the transaction's token.
 *  TXN-4 A transaction whose commit failed can only be freed; one that is
 *        read-only (as of a version or time) accepts no operation.
 */
#include "storage/lifecycle_int.h"
#include "storage/storage_int.h"

#include <stdio.h>

void dc_store__count_commit(dc_store *s, bool retried);

typedef enum txn_state { TXN_OPEN, TXN_COMMITTED, TXN_FAILED } txn_state;

struct dc_stxn {
    dc_store *store;
    dc_snapshot *snap; /* what it read */
    json_t *work;      /* snap->state + own operations (copied at the first operation) */
    json_t *ops;       /* the operations, in order */
    dc_read_set reads;
    char id[37];
    char token[33];
    char *author;
    int64_t start_ns;
    bool read_only;
    int max_retries;
    txn_state state;
    int64_t persist_ttl; /* > 0: persisted under _txn/ (txn_persist.c) */
};

dc_status dc_stxn_begin(dc_stxn **out, dc_store *s, const dc_stxn_options *opts, dc_error *err)
{
    dc_status rc = DC_OK;
    *out = NULL;
    dc_stxn *t = dc_calloc(1, sizeof *t);
    if (!t)
        return dc_error_nomem(err);
    t->store = dc_store_ref(s);
    t->start_ns = dc_clock_now_ns();
    t->max_retries = opts && opts->max_retries > 0 ? opts->max_retries : 100;
    t->ops = json_array();
    t->reads.data_reads = json_object();
    t->reads.metadata_reads = json_object();
    DC_TRY_ALLOC(t->ops, err);
    DC_TRY_ALLOC(t->reads.data_reads, err);
    DC_TRY_ALLOC(t->reads.metadata_reads, err);
    if (opts && opts->author) {
        t->author = dc_strdup(opts->author);
        DC_TRY_ALLOC(t->author, err);
    }
    DC_TRY(dc_uuid(t->id, err));
    DC_TRY(dc_random_hex(t->token, err));
    if (opts && opts->as_of_version > 0 && opts->as_of_ns > 0) {
        rc = dc_error_set(err, DC_EINVALID, "give either a version or a time to read as of, not both");
        goto cleanup;
    }
    if (opts && opts->as_of_version > 0) {
        t->read_only = true;
        rc = dc_store_snapshot_at(s, opts->as_of_version, &t->snap, err);
        if (rc == DC_ENOTFOUND) {
            int64_t latest = 0;
            dc_store_latest_version(s, &latest, NULL);
            if (opts->as_of_version > latest) /* else: expired (FORMAT.md 9), said already */
                rc = dc_error_set(err, DC_ENOTFOUND,
                                  "version %lld does not exist yet (the latest is %lld)",
                                  (long long)opts->as_of_version, (long long)latest);
        }
        if (rc != DC_OK)
            goto cleanup;
    } else if (opts && opts->as_of_ns > 0) {
        t->read_only = true;
        if (opts->as_of_ns > t->start_ns) {
            rc = dc_error_set(err, DC_EINVALID,
                              "cannot read as of a time in the future (%lld ns is after now)",
                              (long long)opts->as_of_ns);
            goto cleanup;
        }
        DC_TRY(dc_store_snapshot_at_time(s, opts->as_of_ns, &t->snap, err));
    } else {
        DC_TRY(dc_store_snapshot_recent(s, opts ? opts->max_staleness_ns : 0, &t->snap, err));
    }
    *out = t;
    return DC_OK;
cleanup:
    dc_stxn_free(t);
    return rc;
}

const json_t *dc_stxn_state(const dc_stxn *t) { return t->work ? t->work : t->snap->state; }
int64_t dc_stxn_read_version(const dc_stxn *t) { return t->snap->version; }
const char *dc_stxn_id(const dc_stxn *t) { return t->id; }
bool dc_stxn_read_only(const dc_stxn *t) { return t->read_only; }

static dc_status check_open(const dc_stxn *t, dc_error *err)
{
    if (t->state == TXN_COMMITTED)
        return dc_error_set(err, DC_EINVALID, "transaction %s is already committed", t->id);
    if (t->state == TXN_FAILED)
        return dc_error_set(err, DC_EINVALID,
                            "transaction %s failed to commit; it can only be aborted", t->id);
    return DC_OK;
}

dc_status dc_stxn_add_op(dc_stxn *t, const json_t *op, dc_error *err)
{
    dc_status rc = check_open(t, err);
    if (rc != DC_OK)
        return rc;
    if (t->read_only)
        return dc_error_set(err, DC_EINVALID,
                            "transaction %s reads as of version %lld and is read-only: writes "
                            "are rejected",
                            t->id, (long long)t->snap->version);
    if (!t->work) {
        t->work = json_copy(t->snap->state); /* shared until changed (STATE-5) */
        if (!t->work)
            return dc_error_nomem(err);
    }
    /* dc_state_apply changes nothing when it fails (STATE-1): apply directly. */
    rc = dc_state_apply(t->work, op, t->snap->version + 1, err);
    if (rc != DC_OK)
        return rc;
    json_t *copy = json_deep_copy(op);
    if (!copy || json_array_append_new(t->ops, copy) != 0)
        return dc_error_nomem(err); /* the work state is ahead of ops: fail the txn */
    return DC_OK;
}

dc_status dc_stxn_note_read(dc_stxn *t, const char *table_id, bool data, dc_error *err)
{
    json_t *set = data ? t->reads.data_reads : t->reads.metadata_reads;
    if (json_object_set_new(set, table_id, json_true()) != 0)
        return dc_error_nomem(err);
    return DC_OK;
}

static json_t *build_entry(dc_stxn *t, int64_t version, int64_t prev_ts, const char *message)
{
    int64_t now = dc_clock_now_ns();
    int64_t ts = now > prev_ts ? now : prev_ts + 1; /* LOG-4 */
    json_t *txn = json_pack("{s:s, s:s, s:I, s:I, s:O}", "id", t->id, "token", t->token,
                            "start_ns", (json_int_t)t->start_ns, "read_version",
                            (json_int_t)t->snap->version, "operations", t->ops);
    if (!txn)
        return NULL;
    if (t->author)
        json_object_set_new(txn, "author", json_string(t->author));
    if (message)
        json_object_set_new(txn, "message", json_string(message));
    return json_pack("{s:i, s:I, s:I, s:[o]}", "format_version", DC_FORMAT_VERSION, "version",
                     (json_int_t)version, "timestamp_ns", (json_int_t)ts, "transactions", txn);
}

/* Is the entry at `version` ours (TXN-3)? */
static dc_status entry_is_ours(dc_stxn *t, int64_t version, bool *ours, dc_error *err)
{
    json_t *e = NULL;
    *ours = false;
    dc_status rc = dc_store_read_entry(t->store, version, &e, err);
    if (rc != DC_OK)
        return rc;
    size_t i;
    json_t *txn;
    json_array_foreach(json_object_get(e, "transactions"), i, txn)
    {
        const char *tok = json_string_value(json_object_get(txn, "token"));
        if (tok && !strcmp(tok, t->token))
            *ours = true;
    }
    json_decref(e);
    return DC_OK;
}

/*
 * Check that our operations still apply on `state` (the state after winner entry
 * `entry` at version `v`), on a copy-on-write copy. DC_ECONFLICT naming the
 * winner's transactions when they do not.
 */
static dc_status revalidate(dc_stxn *t, const json_t *state, int64_t v, const json_t *entry,
                            dc_error *err)
{
    json_t *check = json_copy((json_t *)state);
    if (!check)
        return dc_error_nomem(err);
    dc_status rc = DC_OK;
    size_t k;
    json_t *op;
    json_array_foreach(t->ops, k, op)
    {
        if ((rc = dc_state_apply(check, op, v + 1, err)) != DC_OK)
            break;
    }
    json_decref(check);
    if (rc == DC_OK || rc == DC_ENOMEM)
        return rc;
    const json_t *w = json_array_get(json_object_get(entry, "transactions"), 0);
    const char *id = json_string_value(json_object_get(w, "id"));
    const char *author = json_string_value(json_object_get(w, "author"));
    dc_error_prefix(err, "conflict: ");
    if (err) {
        char tail[300];
        snprintf(tail, sizeof tail, "; transaction %s%s%s committed first as version %lld. Retry "
                 "the transaction on the new state.", id ? id : "?", author ? " by " : "",
                 author ? author : "", (long long)v);
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof err->message - n, "%s", tail);
        err->code = DC_ECONFLICT;
    }
    return DC_ECONFLICT;
}

/*
 * After losing the race for `version`: apply the winners from `version` on to
 * `base` (a state at version-1), checking each against us (TXN-2). On success
 * *next is the version to try next.
 */
static dc_status rebase(dc_stxn *t, json_t *base, int64_t version, int64_t *next,
                        int64_t *prev_ts, int64_t *ours_at, dc_error *err)
{
    dc_status rc = DC_OK;
    json_t *e = NULL;
    int64_t v = version;
    *ours_at = 0;
    for (;; v++) {
        rc = dc_store_read_entry(t->store, v, &e, err);
        if (rc == DC_ENOTFOUND) {
            rc = DC_OK;
            break;
        }
        if (rc != DC_OK)
            return rc;
        size_t i;
        json_t *txn;
        json_array_foreach(json_object_get(e, "transactions"), i, txn)
        {
            /* TXN-3: a put whose outcome looked unknown may land after we read back
             * nothing (a late S3 PUT); our own entry among the winners means we
             * committed there (found by the Promela model, model/README.md). */
            const char *tok = json_string_value(json_object_get(txn, "token"));
            if (tok && !strcmp(tok, t->token)) {
                json_decref(e);
                *ours_at = v;
                return DC_OK;
            }
            const char *wid = json_string_value(json_object_get(txn, "id"));
            if (wid && !strcmp(wid, t->id)) { /* resumed twice: committed elsewhere */
                json_decref(e);
                return dc_error_set(err, DC_ECONFLICT,
                                    "transaction %s was already committed as version %lld "
                                    "(by another process that resumed it)",
                                    t->id, (long long)v);
            }
            rc = dc_conflict_check(t->ops, &t->reads, txn, v, base, err);
            if (rc != DC_OK) {
                json_decref(e);
                return rc;
            }
        }
        size_t j;
        json_t *op;
        json_array_foreach(json_object_get(e, "transactions"), i, txn)
        {
            json_array_foreach(json_object_get(txn, "operations"), j, op)
            {
                if ((rc = dc_state_apply(base, op, v, err)) != DC_OK) {
                    json_decref(e);
                    dc_error_prefix(err, "commit %lld holds an invalid operation: ", (long long)v);
                    return DC_ECORRUPT;
                }
            }
        }
        /* Revalidate our operations on the state after this winner (a name taken,
         * a table dropped): a failure is a conflict with this winner, named. */
        if ((rc = revalidate(t, base, v, e, err)) != DC_OK) {
            json_decref(e);
            return rc;
        }
        *prev_ts = json_integer_value(json_object_get(e, "timestamp_ns"));
        json_decref(e);
        e = NULL;
    }
    *next = v;
    return DC_OK;
}

dc_status dc_stxn_commit(dc_stxn *t, const char *message, int64_t *version, dc_error *err)
{
    dc_status rc = check_open(t, err);
    json_t *base = NULL, *entry = NULL;
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    if (rc != DC_OK)
        return rc;
    if (version)
        *version = t->snap->version;
    if (t->read_only || json_array_size(t->ops) == 0) {
        t->state = TXN_COMMITTED; /* nothing to write */
        return DC_OK;
    }
    if (t->persist_ttl > 0) /* FORMAT.md 8: an expired or collected record cannot commit */
        DC_TRY(dc_txn_record_check_live(t->store, t->id, err));
    int64_t v = t->snap->version + 1, prev_ts = t->snap->timestamp_ns;
    int retries = 0, unknown = 0;
    char key[64];
    for (;;) {
        json_decref(entry);
        entry = build_entry(t, v, prev_ts, message);
        DC_TRY_ALLOC(entry, err);
        dc_strbuf_clear(&sb);
        if (dc_json_dump(&sb, entry) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        dc_log_key(key, v);
        int64_t put_ns = dc_clock_mono_ns();
        rc = dc_fs_put_if_absent(dc_store_fs(t->store), key, sb.data, sb.len, err);
        if (rc == DC_OK) /* v - 1 was the latest when the put landed, after put_ns: v is now */
            dc_store__confirm_latest(t->store, v, put_ns);
        if (rc == DC_EIO) {
            /* Unknown outcome (TXN-3): look at what is there now. */
            bool exists = false, ours = false;
            dc_status rc2 = dc_fs_exists(dc_store_fs(t->store), key, &exists, NULL);
            if (rc2 == DC_OK && exists)
                rc2 = entry_is_ours(t, v, &ours, NULL);
            if (rc2 == DC_OK && ours) {
                rc = DC_OK; /* it landed: committed (checked before giving up) */
                break;
            }
            if (rc2 != DC_OK || ++unknown > 5)
                goto cleanup; /* still unknown: report the I/O error as it is */
            rc = !exists ? DC_EIO : DC_EEXISTS;
            if (rc == DC_EIO)
                continue; /* nothing landed: try the same version again */
        }
        if (rc == DC_OK)
            break;
        if (rc != DC_EEXISTS)
            goto cleanup;
        /* Lost the race (TXN-2). */
        if (++retries > t->max_retries) {
            rc = dc_error_set(err, DC_ECONFLICT,
                              "gave up after losing the race for a log position %d times; "
                              "version %lld was committed first by another transaction (see "
                              "the history). Retry later or raise max_retries.",
                              retries - 1, (long long)v);
            goto cleanup;
        }
        dc_store__count_commit(t->store, true);
        if (!base) {
            base = json_copy(t->snap->state);
            DC_TRY_ALLOC(base, err);
        }
        int64_t ours_at = 0;
        DC_TRY(rebase(t, base, v, &v, &prev_ts, &ours_at, err));
        if (ours_at > 0) { /* our earlier put landed late, at ours_at */
            v = ours_at;
            rc = DC_OK;
            break;
        }
    }
    dc_store__count_commit(t->store, false);
    t->state = TXN_COMMITTED;
    if (version)
        *version = v;
    if (v == t->snap->version + 1 && t->work) /* no winner in between: the state is ours */
        dc_store__remember_commit(t->store, t->snap, v,
                                  json_integer_value(json_object_get(entry, "timestamp_ns")),
                                  t->work);
    if (t->persist_ttl > 0)
        dc_txn_record_remove(t->store, t->id); /* after the commit: else only garbage */
    /* Checkpoint (best effort, FORMAT.md 5): the state at v is base (or the
     * snapshot) plus our operations. */
    if (v % dc_store_checkpoint_interval(t->store) == 0) {
        dc_snapshot *snap = NULL;
        if (dc_store_snapshot_at(t->store, v, &snap, NULL) == DC_OK)
            dc_store_write_checkpoint(t->store, snap, NULL);
        dc_snapshot_unref(snap);
    }
cleanup:
    if (rc != DC_OK && t->state != TXN_COMMITTED)
        t->state = TXN_FAILED;
    json_decref(entry);
    json_decref(base);
    dc_strbuf_free(&sb);
    return rc;
}

void dc_stxn_free(dc_stxn *t)
{
    if (!t)
        return;
    dc_snapshot_unref(t->snap);
    json_decref(t->work);
    json_decref(t->ops);
    json_decref(t->reads.data_reads);
    json_decref(t->reads.metadata_reads);
    dc_free(t->author);
    dc_store_unref(t->store);
    dc_free(t);
}

/* ---- internal hooks for txn_persist.c and group.c (lifecycle_int.h) ---- */

const json_t *dc_stxn__ops(const dc_stxn *t) { return t->ops; }
const dc_read_set *dc_stxn__reads(const dc_stxn *t) { return &t->reads; }
const char *dc_stxn__author(const dc_stxn *t) { return t->author; }
const char *dc_stxn__token(const dc_stxn *t) { return t->token; }
int64_t dc_stxn__start_ns(const dc_stxn *t) { return t->start_ns; }
dc_store *dc_stxn__store(const dc_stxn *t) { return t->store; }
const dc_snapshot *dc_stxn__snapshot(const dc_stxn *t) { return t->snap; }
dc_status dc_stxn__check_open(const dc_stxn *t, dc_error *err) { return check_open(t, err); }
void dc_stxn__finish(dc_stxn *t, bool committed)
{
    t->state = committed ? TXN_COMMITTED : TXN_FAILED;
}
void dc_stxn__set_persisted(dc_stxn *t, int64_t ttl_ns) { t->persist_ttl = ttl_ns; }
int64_t dc_stxn__persisted_ttl(const dc_stxn *t) { return t->persist_ttl; }

/*
 * Rebuild a transaction from its persisted parts (txn_persist.c): a new
 * transaction on the snapshot at `read_version` with the given identity, whose
 * operations are re-applied (revalidated) one by one. On failure nothing is
 * left allocated and the error of the first failing step is returned.
 */
dc_status dc_stxn__restore(dc_stxn **out, dc_store *s, const char *id, const char *author,
                           int64_t start_ns, int64_t read_version, const json_t *ops,
                           const json_t *data_reads, const json_t *metadata_reads,
                           dc_error *err)
{
    dc_status rc = DC_OK;
    *out = NULL;
    dc_stxn *t = NULL;
    DC_TRY(dc_stxn_begin(&t, s, &(dc_stxn_options){.author = author}, err));
    dc_snapshot_unref(t->snap);
    t->snap = NULL;
    DC_TRY(dc_store_snapshot_at(s, read_version, &t->snap, err));
    snprintf(t->id, sizeof t->id, "%s", id);
    t->start_ns = start_ns;
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op) DC_TRY(dc_stxn_add_op(t, op, err));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)data_reads, k, v) DC_TRY(dc_stxn_note_read(t, k, true, err));
    json_object_foreach((json_t *)metadata_reads, k, v)
        DC_TRY(dc_stxn_note_read(t, k, false, err));
    *out = t;
    return DC_OK;
cleanup:
    dc_stxn_free(t);
    return rc;
}
