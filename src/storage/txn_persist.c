/*
 * txn_persist.c: transactions that outlive a process (FORMAT.md 8).
 *
 * A transaction is persisted to `_txn/<id>.json` (atomic replace, the only
 * kind of object besides `_checkpoints/_last.json` that is rewritten) with
 * everything needed to rebuild it elsewhere: read version, operations, reads,
 * author, start time, heartbeat and time to live. It stages its files under
 * `_staging/<id>/`.
 *
 * Invariants (tests cite them as PTX-n):
 *  PTX-1 A record is never trusted over the log: a transaction whose id is in
 *        a log entry after its read version is committed, whatever its record
 *        says (a crash between the commit and the record's removal leaves such
 *        a record; it is garbage).
 *  PTX-2 A transaction whose heartbeat is older than its TTL is abandoned:
 *        resuming it, heartbeating it and committing it fail. The garbage
 *        collector removes its record and staged files only after TTL plus its
 *        grace period, so an owner racing its own expiry loses cleanly.
 *  PTX-3 Committing a persisted transaction checks its record first and
 *        removes it after the commit, never before.
 *  PTX-4 Resuming twice and committing twice cannot commit twice: the second
 *        commit meets the first in the log while rebasing (txn.c TXN-2).
 *
 * Crash states: dying while writing a record leaves the old record or the new
 * one (atomic replace); dying after the commit and before the removal leaves a
 * committed record (PTX-1).
 */
#include "storage/lifecycle_int.h"

#include <stdio.h>

dc_status dc_txn_record_key(char out[96], const char *id, dc_error *err)
{
    size_t n = id ? strlen(id) : 0;
    bool ok = n > 0 && n <= 36;
    for (size_t i = 0; ok && i < n; i++) {
        char c = id[i];
        ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
             c == '-' || c == '_';
    }
    if (!ok)
        return dc_error_set(err, DC_EINVALID,
                            "\"%.60s\" is not a transaction id (1 to 36 letters, digits, '-' "
                            "or '_')",
                            id ? id : "(null)");
    snprintf(out, 96, DC_TXN_PREFIX "%s.json", id);
    return DC_OK;
}

void dc_stxn_staging_prefix(const dc_stxn *t, char out[64])
{
    snprintf(out, 64, DC_STAGING_PREFIX "%s/", dc_stxn_id(t));
}

/* Build the record of `t` with the given heartbeat and TTL. NULL when out of memory. */
static json_t *build_record(const dc_stxn *t, int64_t heartbeat_ns, int64_t ttl_ns)
{
    char staging[64];
    dc_stxn_staging_prefix(t, staging);
    const dc_read_set *r = dc_stxn__reads(t);
    json_t *j = json_pack("{s:i, s:s, s:I, s:I, s:O, s:O, s:O, s:I, s:I, s:s}", "format_version",
                          DC_FORMAT_VERSION, "id", dc_stxn_id(t), "start_ns",
                          (json_int_t)dc_stxn__start_ns(t), "read_version",
                          (json_int_t)dc_stxn_read_version(t), "operations", dc_stxn__ops(t),
                          "data_reads", r->data_reads, "metadata_reads", r->metadata_reads,
                          "heartbeat_ns", (json_int_t)heartbeat_ns, "ttl_ns", (json_int_t)ttl_ns,
                          "staging", staging);
    if (j && dc_stxn__author(t) &&
        json_object_set_new(j, "author", json_string(dc_stxn__author(t))) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static dc_status write_record(dc_stxn *t, int64_t ttl_ns, dc_error *err)
{
    char key[96];
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    dc_status rc = dc_txn_record_key(key, dc_stxn_id(t), err);
    if (rc != DC_OK)
        return rc;
    json_t *rec = build_record(t, dc_clock_now_ns(), ttl_ns);
    if (!rec || dc_json_dump(&sb, rec) != DC_OK)
        rc = dc_error_nomem(err);
    else
        rc = dc_fs_put(dc_store_fs(dc_stxn__store(t)), key, sb.data, sb.len, err);
    json_decref(rec);
    dc_strbuf_free(&sb);
    return rc;
}

dc_status dc_stxn_persist(dc_stxn *t, int64_t ttl_ns, dc_error *err)
{
    dc_status rc = dc_stxn__check_open(t, err);
    if (rc != DC_OK)
        return rc;
    if (dc_stxn_read_only(t))
        return dc_error_set(err, DC_EINVALID,
                            "transaction %s is read-only (as of a version or time): there is "
                            "nothing to persist",
                            dc_stxn_id(t));
    if (ttl_ns < 0)
        return dc_error_set(err, DC_EINVALID, "the time to live of transaction %s is negative",
                            dc_stxn_id(t));
    if (ttl_ns == 0)
        ttl_ns = DC_DEFAULT_TXN_TTL_NS;
    rc = write_record(t, ttl_ns, err);
    if (rc == DC_OK)
        dc_stxn__set_persisted(t, ttl_ns);
    return rc;
}

/*
 * Read and check the record of `id`: *out (owned) is the parsed record. DC_ENOTFOUND
 * when absent, DC_ECORRUPT when malformed (naming the key).
 */
static dc_status read_record(dc_store *s, const char *id, json_t **out, dc_error *err)
{
    char key[96];
    dc_bytes b;
    dc_bytes_init(&b);
    *out = NULL;
    dc_status rc = dc_txn_record_key(key, id, err);
    if (rc != DC_OK)
        return rc;
    dc_fs *fs = dc_store_fs(s);
    rc = dc_fs_get(fs, key, &b, err);
    if (rc == DC_ENOTFOUND)
        rc = dc_error_set(err, DC_ENOTFOUND,
                          "no open transaction %s (no %s: it never existed, committed, was "
                          "discarded or expired and was collected)",
                          id, key);
    if (rc == DC_OK) {
        rc = dc_json_parse(out, (const char *)b.data, (size_t)b.size, key, err);
        if (rc != DC_OK) {
            rc = DC_ECORRUPT;
            if (err)
                err->code = DC_ECORRUPT;
        }
    }
    if (rc == DC_OK) {
        json_t *j = *out, *fv = json_object_get(j, "format_version");
        const char *rid = json_string_value(json_object_get(j, "id"));
        if (json_is_integer(fv) && json_integer_value(fv) > DC_FORMAT_VERSION)
            rc = dc_error_set(err, DC_EUNSUPPORTED,
                              "%s%s has format version %lld; upgrade deltacat", fs->display,
                              key, (long long)json_integer_value(fv));
        else if (!rid || strcmp(rid, id) != 0 ||
                 !json_is_integer(json_object_get(j, "read_version")) ||
                 json_integer_value(json_object_get(j, "read_version")) < 0 ||
                 !json_is_integer(json_object_get(j, "heartbeat_ns")) ||
                 !json_is_integer(json_object_get(j, "ttl_ns")) ||
                 !json_is_array(json_object_get(j, "operations")))
            rc = dc_error_set(err, DC_ECORRUPT,
                              "%s%s is not a valid transaction record (id, read_version, "
                              "heartbeat_ns, ttl_ns and operations are required)",
                              fs->display, key);
        if (rc != DC_OK) {
            json_decref(*out);
            *out = NULL;
        }
    }
    dc_bytes_free(&b);
    return rc;
}

/* DC_ECONFLICT when the record's heartbeat is older than its TTL at `now` (PTX-2). */
static dc_status check_not_expired(const json_t *rec, const char *id, int64_t now,
                                   dc_error *err)
{
    int64_t hb = json_integer_value(json_object_get(rec, "heartbeat_ns"));
    int64_t ttl = json_integer_value(json_object_get(rec, "ttl_ns"));
    if (now - hb > ttl)
        return dc_error_set(err, DC_ECONFLICT,
                            "transaction %s expired: its last heartbeat was %.3f s ago and its "
                            "time to live is %.3f s; it was abandoned and its staged files "
                            "belong to the garbage collector: start a new transaction",
                            id, (double)(now - hb) / 1e9, (double)ttl / 1e9);
    return DC_OK;
}

/*
 * Is transaction `id` in a log entry after `read_version` (PTX-1)? *version is
 * that entry's version, or 0.
 */
static dc_status find_commit(dc_store *s, const char *id, int64_t read_version,
                             int64_t *version, dc_error *err)
{
    int64_t latest;
    *version = 0;
    dc_status rc = dc_store_latest_version(s, &latest, err);
    for (int64_t v = read_version + 1; rc == DC_OK && v <= latest && !*version; v++) {
        json_t *e = NULL;
        rc = dc_store_read_entry(s, v, &e, err);
        size_t i;
        json_t *txn;
        json_array_foreach(json_object_get(e, "transactions"), i, txn)
        {
            const char *tid = json_string_value(json_object_get(txn, "id"));
            if (tid && !strcmp(tid, id))
                *version = v;
        }
        json_decref(e);
    }
    return rc;
}

dc_status dc_stxn_resume(dc_stxn **out, dc_store *s, const char *id, dc_error *err)
{
    dc_status rc = DC_OK;
    json_t *rec = NULL;
    dc_stxn *t = NULL;
    *out = NULL;
    DC_TRY(read_record(s, id, &rec, err));
    int64_t rv = json_integer_value(json_object_get(rec, "read_version"));
    int64_t ttl = json_integer_value(json_object_get(rec, "ttl_ns"));
    dc_expiry ex;
    DC_TRY(dc_store__expiry(s, &ex, err));
    if (rv < ex.checkpoint_version) {
        rc = dc_error_set(err, DC_ECONFLICT,
                          "transaction %s read version %lld, which has expired (the oldest "
                          "retained version is %lld): start a new transaction",
                          id, (long long)rv, (long long)ex.oldest_version);
        goto cleanup;
    }
    int64_t committed = 0;
    DC_TRY(find_commit(s, id, rv, &committed, err));
    if (committed) {
        rc = dc_error_set(err, DC_ENOTFOUND,
                          "transaction %s is no longer open: it committed as version %lld", id,
                          (long long)committed);
        goto cleanup;
    }
    DC_TRY(check_not_expired(rec, id, dc_clock_now_ns(), err));
    if (rv < ex.oldest_version) {
        rc = dc_error_set(err, DC_ECONFLICT,
                          "transaction %s read version %lld, which has expired (the oldest "
                          "retained version is %lld): start a new transaction",
                          id, (long long)rv, (long long)ex.oldest_version);
        goto cleanup;
    }
    DC_TRY(dc_stxn__restore(&t, s, id, json_string_value(json_object_get(rec, "author")),
                            json_integer_value(json_object_get(rec, "start_ns")), rv,
                            json_object_get(rec, "operations"),
                            json_object_get(rec, "data_reads"),
                            json_object_get(rec, "metadata_reads"), err));
    dc_stxn__set_persisted(t, ttl > 0 ? ttl : DC_DEFAULT_TXN_TTL_NS);
    DC_TRY(write_record(t, dc_stxn__persisted_ttl(t), err)); /* resuming is a heartbeat */
    *out = t;
    t = NULL;
cleanup:
    if (rc != DC_OK && err)
        err->code = rc;
    dc_stxn_free(t);
    json_decref(rec);
    return rc;
}

dc_status dc_txn_record_check_live(dc_store *s, const char *id, dc_error *err)
{
    json_t *rec = NULL;
    dc_status rc = read_record(s, id, &rec, err);
    if (rc == DC_OK)
        rc = check_not_expired(rec, id, dc_clock_now_ns(), err);
    json_decref(rec);
    return rc;
}

dc_status dc_stxn_heartbeat(dc_stxn *t, dc_error *err)
{
    if (dc_stxn__persisted_ttl(t) <= 0)
        return dc_error_set(err, DC_EINVALID,
                            "transaction %s was never persisted: persist it before sending "
                            "heartbeats",
                            dc_stxn_id(t));
    dc_status rc = dc_stxn__check_open(t, err);
    if (rc == DC_OK)
        rc = dc_txn_record_check_live(dc_stxn__store(t), dc_stxn_id(t), err);
    if (rc == DC_OK)
        rc = write_record(t, dc_stxn__persisted_ttl(t), err);
    return rc;
}

void dc_txn_record_remove(dc_store *s, const char *id)
{
    char key[96];
    if (dc_txn_record_key(key, id, NULL) == DC_OK)
        dc_fs_remove(dc_store_fs(s), key, NULL);
}

dc_status dc_stxn_discard(dc_store *s, const char *id, dc_error *err)
{
    char key[96];
    dc_status rc = dc_txn_record_key(key, id, err);
    if (rc != DC_OK)
        return rc;
    rc = dc_fs_remove(dc_store_fs(s), key, err);
    if (rc == DC_ENOTFOUND)
        rc = dc_error_set(err, DC_ENOTFOUND, "no open transaction %s to discard", id);
    return rc;
}
