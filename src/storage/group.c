/*
 * group.c: group commit (FORMAT.md 7): several independent transactions of one
 * process folded into one log entry, so that a busy server pays one
 * put_if_absent per group instead of one per transaction.
 *
 * Invariants (tests cite them as GRP-n):
 *  GRP-1 A group entry is one log entry: all its members become visible at
 *        once, at one version, or none does (LOG-1).
 *  GRP-2 Members apply in array order. Each is checked, by the rules of
 *        FORMAT.md 6.2, against every commit after its own read version and
 *        against every member before it in the entry, then revalidated on the
 *        state it is applied to; a member that fails either is left out with
 *        DC_ECONFLICT and does not affect the others.
 *  GRP-3 A lost race rebases every remaining member on the winners (re-checking
 *        each, as TXN-2 does for one transaction) and retries the whole group.
 *  GRP-4 An unknown outcome is resolved by reading the entry back and looking
 *        for the first member's token (TXN-3).
 */
#include "storage/lifecycle_int.h"

#include <stdio.h>

void dc_store__count_commit(dc_store *s, bool retried);

enum { M_SKIP = 0, M_ACTIVE, M_DONE };

typedef struct member {
    dc_stxn *t;
    int state;     /* M_SKIP: decided before the loop; M_ACTIVE; M_DONE: decided */
    dc_error *err; /* the member's error slot (may be NULL) */
} member;

static void decide(member *m, dc_status *result, dc_status rc, const dc_error *src)
{
    *result = rc;
    m->state = M_DONE;
    if (m->err && src && src != m->err)
        *m->err = *src;
    if (m->err)
        m->err->code = rc;
    dc_stxn__finish(m->t, rc == DC_OK);
}

/* The transaction object of a member in the entry (FORMAT.md 4). NULL: no memory. */
static json_t *member_object(dc_stxn *t, const char *message)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:O}", "id", dc_stxn_id(t), "token",
                          dc_stxn__token(t), "start_ns", (json_int_t)dc_stxn__start_ns(t),
                          "read_version", (json_int_t)dc_stxn_read_version(t), "operations",
                          dc_stxn__ops(t));
    if (!o)
        return NULL;
    if ((dc_stxn__author(t) &&
         json_object_set_new(o, "author", json_string(dc_stxn__author(t))) != 0) ||
        (message && json_object_set_new(o, "message", json_string(message)) != 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Check a member against one committed transaction `txn` of version v (GRP-2, PTX-4). */
static dc_status check_member(dc_stxn *t, const json_t *txn, int64_t v, const json_t *state,
                              dc_error *err)
{
    const char *wid = json_string_value(json_object_get(txn, "id"));
    if (wid && !strcmp(wid, dc_stxn_id(t)))
        return dc_error_set(err, DC_ECONFLICT,
                            "transaction %s was already committed as version %lld", wid,
                            (long long)v);
    return dc_conflict_check(dc_stxn__ops(t), dc_stxn__reads(t), txn, v, state, err);
}

/* Apply every operation of a log entry to `state` (a valid log: a failure is corruption). */
static dc_status apply_entry(json_t *state, const json_t *entry, int64_t v, dc_error *err)
{
    size_t i, j;
    json_t *txn, *op;
    json_array_foreach(json_object_get(entry, "transactions"), i, txn)
    {
        json_array_foreach(json_object_get(txn, "operations"), j, op)
        {
            if (dc_state_apply(state, op, v, err) != DC_OK) {
                dc_error_prefix(err, "commit %lld holds an invalid operation: ", (long long)v);
                if (err)
                    err->code = DC_ECORRUPT;
                return DC_ECORRUPT;
            }
        }
    }
    return DC_OK;
}

/*
 * Bring `base` (the state at *at) up to the latest version, checking every active
 * member whose read version is before each winner against it (GRP-3). Conflicting
 * members are decided. On success *at is the latest version and *prev_ts its
 * timestamp.
 */
static dc_status catch_up(member *ms, int n, dc_status *results, json_t *base, int64_t *at,
                          int64_t *prev_ts, dc_store *s, dc_error *err)
{
    for (int64_t v = *at + 1;; v++) {
        json_t *e = NULL;
        dc_status rc = dc_store_read_entry(s, v, &e, err);
        if (rc == DC_ENOTFOUND)
            return DC_OK;
        if (rc != DC_OK)
            return rc;
        for (int i = 0; i < n; i++) {
            if (ms[i].state != M_ACTIVE || dc_stxn_read_version(ms[i].t) >= v)
                continue;
            size_t k;
            json_t *txn;
            json_array_foreach(json_object_get(e, "transactions"), k, txn)
            {
                dc_error me;
                dc_status mrc = check_member(ms[i].t, txn, v, base, &me);
                if (mrc != DC_OK) {
                    decide(&ms[i], &results[i], mrc, &me);
                    break;
                }
            }
        }
        rc = apply_entry(base, e, v, err);
        if (rc == DC_OK) {
            *at = v;
            *prev_ts = json_integer_value(json_object_get(e, "timestamp_ns"));
        }
        json_decref(e);
        if (rc != DC_OK)
            return rc;
    }
}

/*
 * Build the entry for the members still active on `base` (the state at v - 1):
 * check each against the members accepted before it and revalidate it (GRP-2).
 * *entry is NULL when no member is left.
 */
static dc_status build_group(member *ms, int n, dc_status *results, const char *const *messages,
                             const json_t *base, int64_t v, int64_t prev_ts, json_t **entry,
                             const char **first_token, dc_error *err)
{
    dc_status rc = DC_OK;
    json_t *work = json_deep_copy(base), *txns = json_array();
    *entry = NULL;
    *first_token = NULL;
    DC_TRY_ALLOC(work, err);
    DC_TRY_ALLOC(txns, err);
    for (int i = 0; i < n; i++) {
        if (ms[i].state != M_ACTIVE)
            continue;
        dc_error me;
        dc_status mrc = DC_OK;
        size_t k;
        json_t *txn;
        json_array_foreach(txns, k, txn)
        {
            if ((mrc = check_member(ms[i].t, txn, v, work, &me)) != DC_OK)
                break;
        }
        if (mrc == DC_OK) { /* revalidate on the state it will be applied to */
            json_t *op;
            json_array_foreach(dc_stxn__ops(ms[i].t), k, op)
            {
                if ((mrc = dc_state_apply(work, op, v, &me)) != DC_OK) {
                    dc_error_prefix(&me, "conflict with the transactions committed before it: ");
                    mrc = DC_ECONFLICT;
                    break;
                }
            }
            if (mrc != DC_OK && k > 0) {
                /* Part of it was applied (a failed operation changes nothing, STATE-1,
                 * but the ones before it did): rebuild from the base and the members
                 * accepted so far. Rare: only a member that fails past its first op. */
                json_decref(work);
                work = json_deep_copy(base);
                DC_TRY_ALLOC(work, err);
                json_array_foreach(txns, k, txn)
                {
                    size_t m;
                    json_array_foreach(json_object_get(txn, "operations"), m, op)
                        DC_TRY(dc_state_apply(work, op, v, err));
                }
            }
        }
        if (mrc != DC_OK) {
            decide(&ms[i], &results[i], mrc, &me);
            continue;
        }
        json_t *o = member_object(ms[i].t, messages ? messages[i] : NULL);
        if (!o || json_array_append_new(txns, o) != 0) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        if (!*first_token)
            *first_token = dc_stxn__token(ms[i].t);
    }
    if (json_array_size(txns) > 0) {
        int64_t now = dc_clock_now_ns();
        *entry = json_pack("{s:i, s:I, s:I, s:O}", "format_version", DC_FORMAT_VERSION,
                           "version", (json_int_t)v, "timestamp_ns",
                           (json_int_t)(now > prev_ts ? now : prev_ts + 1), "transactions",
                           txns);
        DC_TRY_ALLOC(*entry, err);
    }
cleanup:
    json_decref(work);
    json_decref(txns);
    return rc;
}

/* Is the entry at v the group's (its first member's token is in it, GRP-4)? */
static dc_status entry_has_token(dc_store *s, int64_t v, const char *token, bool *ours,
                                 dc_error *err)
{
    json_t *e = NULL;
    *ours = false;
    dc_status rc = dc_store_read_entry(s, v, &e, err);
    size_t i;
    json_t *txn;
    json_array_foreach(json_object_get(e, "transactions"), i, txn)
    {
        const char *tok = json_string_value(json_object_get(txn, "token"));
        if (tok && !strcmp(tok, token))
            *ours = true;
    }
    json_decref(e);
    return rc;
}

/* Decide the members before the loop: invalid, read-only, empty, expired records. */
static dc_status admit(member *ms, dc_stxn **txns, int n, dc_status *results, int64_t *versions,
                       dc_error *errs, dc_store **store)
{
    for (int i = 0; i < n; i++) {
        ms[i] = (member){txns[i], M_SKIP, errs ? &errs[i] : NULL};
        dc_error me;
        dc_status rc = DC_OK;
        if (!txns[i]) {
            results[i] = dc_error_set(ms[i].err, DC_EINVALID, "group member %d is NULL", i);
            continue;
        }
        if (versions)
            versions[i] = dc_stxn_read_version(txns[i]);
        bool dup = false;
        for (int j = 0; j < i; j++)
            dup = dup || txns[j] == txns[i];
        if (dup) {
            results[i] = dc_error_set(ms[i].err, DC_EINVALID,
                                      "transaction %s appears twice in the group",
                                      dc_stxn_id(txns[i]));
            continue;
        }
        if (!*store)
            *store = dc_stxn__store(txns[i]);
        if (dc_stxn__store(txns[i]) != *store) {
            results[i] = dc_error_set(ms[i].err, DC_EINVALID,
                                      "transaction %s belongs to another store handle than the "
                                      "group's first member",
                                      dc_stxn_id(txns[i]));
            continue;
        }
        if ((rc = dc_stxn__check_open(txns[i], &me)) != DC_OK) {
            results[i] = rc;
            if (ms[i].err)
                *ms[i].err = me;
            continue;
        }
        if (dc_stxn_read_only(txns[i]) || json_array_size(dc_stxn__ops(txns[i])) == 0) {
            decide(&ms[i], &results[i], DC_OK, NULL); /* nothing to write */
            continue;
        }
        if (dc_stxn__persisted_ttl(txns[i]) > 0 &&
            (rc = dc_txn_record_check_live(*store, dc_stxn_id(txns[i]), &me)) != DC_OK) {
            decide(&ms[i], &results[i], rc, &me);
            continue;
        }
        ms[i].state = M_ACTIVE;
        results[i] = DC_OK;
    }
    return DC_OK;
}

dc_status dc_stxn_commit_group(dc_stxn **txns, int n, const char *const *messages,
                               dc_status *results, int64_t *versions, dc_error *errs)
{
    dc_status rc = DC_OK;
    dc_error ge = {0};
    dc_store *s = NULL;
    dc_snapshot *snap = NULL;
    json_t *base = NULL, *entry = NULL;
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    if (n <= 0 || !txns || !results)
        return DC_EINVALID;
    member *ms = dc_calloc((size_t)n, sizeof *ms);
    if (!ms)
        return DC_ENOMEM;
    admit(ms, txns, n, results, versions, errs, &s);
    bool any = false;
    for (int i = 0; i < n; i++)
        any = any || ms[i].state == M_ACTIVE;
    if (!any)
        goto cleanup;

    /* The base: the latest state, every member checked against what came after it. */
    int64_t min_read = INT64_MAX;
    for (int i = 0; i < n; i++)
        if (ms[i].state == M_ACTIVE && dc_stxn_read_version(ms[i].t) < min_read)
            min_read = dc_stxn_read_version(ms[i].t);
    DC_TRY(dc_store_snapshot_at(s, min_read, &snap, &ge));
    base = json_deep_copy(snap->state);
    DC_TRY_ALLOC(base, &ge);
    int64_t at = snap->version, prev_ts = snap->timestamp_ns;
    DC_TRY(catch_up(ms, n, results, base, &at, &prev_ts, s, &ge));

    const char *token = NULL;
    int retries = 0, unknown = 0;
    char key[64];
    for (;;) {
        int64_t v = at + 1;
        json_decref(entry);
        DC_TRY(build_group(ms, n, results, messages, base, v, prev_ts, &entry, &token, &ge));
        if (!entry)
            goto cleanup; /* every member conflicted */
        dc_strbuf_clear(&sb);
        if (dc_json_dump(&sb, entry) != DC_OK) {
            rc = dc_error_nomem(&ge);
            goto cleanup;
        }
        dc_log_key(key, v);
        rc = dc_fs_put_if_absent(dc_store_fs(s), key, sb.data, sb.len, &ge);
        if (rc == DC_EIO) { /* unknown outcome (GRP-4) */
            bool exists = false, ours = false;
            dc_status rc2 = dc_fs_exists(dc_store_fs(s), key, &exists, NULL);
            if (rc2 == DC_OK && exists)
                rc2 = entry_has_token(s, v, token, &ours, NULL);
            if (rc2 != DC_OK || ++unknown > 5)
                goto cleanup;
            rc = !exists ? DC_EIO : ours ? DC_OK : DC_EEXISTS;
            if (rc == DC_EIO)
                continue;
        }
        if (rc == DC_OK) {
            for (int i = 0; i < n; i++) {
                if (ms[i].state != M_ACTIVE)
                    continue;
                decide(&ms[i], &results[i], DC_OK, NULL);
                if (versions)
                    versions[i] = v;
                if (dc_stxn__persisted_ttl(ms[i].t) > 0)
                    dc_txn_record_remove(s, dc_stxn_id(ms[i].t)); /* PTX-3 */
            }
            dc_store__count_commit(s, false);
            if (v % dc_store_checkpoint_interval(s) == 0) { /* best effort (FORMAT.md 5) */
                dc_snapshot *cp = NULL;
                if (dc_store_snapshot_at(s, v, &cp, NULL) == DC_OK)
                    dc_store_write_checkpoint(s, cp, NULL);
                dc_snapshot_unref(cp);
            }
            break;
        }
        if (rc != DC_EEXISTS)
            goto cleanup;
        if (++retries > 100) {
            rc = dc_error_set(&ge, DC_ECONFLICT,
                              "gave up after losing the race for a log position %d times",
                              retries - 1);
            goto cleanup;
        }
        dc_store__count_commit(s, true);
        rc = DC_OK;
        DC_TRY(catch_up(ms, n, results, base, &at, &prev_ts, s, &ge)); /* GRP-3 */
    }
cleanup:
    for (int i = 0; rc != DC_OK && i < n; i++)
        if (ms[i].state == M_ACTIVE)
            decide(&ms[i], &results[i], rc, &ge);
    json_decref(entry);
    json_decref(base);
    dc_snapshot_unref(snap);
    dc_strbuf_free(&sb);
    dc_free(ms);
    return rc == DC_EINVALID || rc == DC_ECONFLICT ? DC_OK : rc;
}
