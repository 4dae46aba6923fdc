/*
 * lifecycle_int.h: what happens to transactions and files beyond one commit
 * (docs/FORMAT.md sections 7-9): long-lived transactions persisted under
 * `_txn/` (txn_persist.c), group commit (group.c), garbage collection and
 * snapshot expiry (gc.c). Also the few internal hooks into txn.c and log.c
 * those files need (declared here, defined there).
 */
#ifndef DC_STORAGE_LIFECYCLE_INT_H
#define DC_STORAGE_LIFECYCLE_INT_H

#include "storage/storage_int.h"

#define DC_TXN_PREFIX "_txn/"
#define DC_STAGING_PREFIX "_staging/"
#define DC_EXPIRED_PREFIX "_expired/"
#define DC_DATA_PREFIX "data/"
#define DC_DEFAULT_TXN_TTL_NS (15LL * 60 * 1000000000LL) /* 15 minutes */
#define DC_DEFAULT_GC_GRACE_NS (3600LL * 1000000000LL)   /* 1 hour */

/* ---- hooks into txn.c (internal; for txn_persist.c and group.c) --------------------- */

const json_t *dc_stxn__ops(const dc_stxn *t);
const dc_read_set *dc_stxn__reads(const dc_stxn *t);
const char *dc_stxn__author(const dc_stxn *t); /* NULL when none */
const char *dc_stxn__token(const dc_stxn *t);
int64_t dc_stxn__start_ns(const dc_stxn *t);
dc_store *dc_stxn__store(const dc_stxn *t);
const dc_snapshot *dc_stxn__snapshot(const dc_stxn *t);
/* DC_OK when the transaction may still commit (not committed, not failed). */
dc_status dc_stxn__check_open(const dc_stxn *t, dc_error *err);
/* Mark the end of a commit attempt: committed, or failed (usable only to free). */
void dc_stxn__finish(dc_stxn *t, bool committed);
/* Persisted transactions (txn_persist.c): txn.c checks the record before committing
 * and removes it after. */
void dc_stxn__set_persisted(dc_stxn *t, int64_t ttl_ns);
int64_t dc_stxn__persisted_ttl(const dc_stxn *t); /* 0: not persisted */
/*
 * Rebuild a transaction from persisted parts: its id, author, start time, read
 * version, reads ({table_id: true} objects, may be NULL) and operations, which
 * are revalidated on the state at `read_version` (a failure is returned as is).
 * On failure nothing is left allocated.
 */
dc_status dc_stxn__restore(dc_stxn **out, dc_store *s, const char *id, const char *author,
                           int64_t start_ns, int64_t read_version, const json_t *ops,
                           const json_t *data_reads, const json_t *metadata_reads,
                           dc_error *err);

/* ---- long-lived transactions (txn_persist.c, FORMAT.md 8) ------------------------- */

/*
 * Persist `t` to `_txn/<id>.json` (atomic replace) with a time to live (0: the
 * default, 15 minutes) and a fresh heartbeat, so that another process may resume
 * it. Persist again after adding operations; the record holds everything needed
 * to rebuild the transaction. From now on committing `t` checks the record first
 * (an expired or collected record fails the commit) and removes it afterwards.
 * DC_EINVALID for a read-only or finished transaction.
 */
dc_status dc_stxn_persist(dc_stxn *t, int64_t ttl_ns, dc_error *err);
/*
 * Resume the persisted transaction `id` of store `s` (a new transaction object,
 * owned by the caller). DC_ENOTFOUND when there is no record or the transaction
 * committed (its id is in the log); DC_EINVALID for a malformed id; DC_ECONFLICT
 * when it expired (its heartbeat is older than its TTL: it was abandoned and its
 * staged files belong to the garbage collector) or its read version has expired.
 */
dc_status dc_stxn_resume(dc_stxn **out, dc_store *s, const char *id, dc_error *err);
/*
 * Refresh the heartbeat of a persisted transaction (rewriting its record with
 * its current operations). DC_ENOTFOUND when its record is gone (collected or
 * committed), DC_ECONFLICT when it already expired, DC_EINVALID when `t` was
 * never persisted.
 */
dc_status dc_stxn_heartbeat(dc_stxn *t, dc_error *err);
/* The key prefix under which `t` stages its files: "_staging/<id>/". */
void dc_stxn_staging_prefix(const dc_stxn *t, char out[64]);
/* Remove the record of a persisted transaction (abandon it for good); the staged
 * files are left to the garbage collector. DC_ENOTFOUND when there is none. */
dc_status dc_stxn_discard(dc_store *s, const char *id, dc_error *err);

/* The key of a transaction record: "_txn/<id>.json". DC_EINVALID for a bad id. */
dc_status dc_txn_record_key(char out[96], const char *id, dc_error *err);
/* For txn.c: before committing a persisted transaction, check that its record
 * exists and has not expired (DC_ENOTFOUND / DC_ECONFLICT otherwise). */
dc_status dc_txn_record_check_live(dc_store *s, const char *id, dc_error *err);
/* For txn.c and group.c: after the commit, remove the record (best effort). */
void dc_txn_record_remove(dc_store *s, const char *id);

/* ---- group commit (group.c, FORMAT.md 7) ------------------------------------------ */

/*
 * Commit n open transactions of one store as one log entry. They are taken in
 * array order; each is checked against the commits after its read version and
 * against the members before it (dc_conflict_check), then revalidated on the
 * state the entry is applied to. A member that conflicts gets DC_ECONFLICT in
 * results[i] (its message in errs[i]) and is left out; the others commit with
 * one put_if_absent and all get the same version in versions[i] (a lost race
 * rebases every remaining member, re-checking each). Read-only and empty
 * members succeed at once with their read version. `messages`, `versions` and
 * `errs` may be NULL (messages[i] may be NULL). Returns DC_OK when the call
 * itself worked (look at results[]), or the error that stopped the whole group
 * (I/O, memory), in which case every member not yet decided gets it too.
 */
dc_status dc_stxn_commit_group(dc_stxn **txns, int n, const char *const *messages,
                               dc_status *results, int64_t *versions, dc_error *errs);

/* ---- expiry markers (gc.c; read by log.c) ------------------------------------------ */

/*
 * The newest expiry marker: `_expired/<seq:020>.json`, seq = 1, 2, 3 ... with no
 * gap (each written with put_if_absent by the collector that read seq-1), holding
 * the oldest retained version and the checkpoint it is built from. All zero when
 * no snapshot ever expired.
 */
typedef struct dc_expiry {
    int64_t seq;
    int64_t oldest_version;     /* every version >= this is retained */
    int64_t checkpoint_version; /* its base: log entries >= this are kept */
} dc_expiry;

/* Find the newest marker at or after `from` (a marker known to exist, or zeros) by
 * probing seq+1, seq+2, seq+4 ... then bisecting (O(log n) existence checks). */
dc_status dc_expiry_read(dc_fs *fs, const dc_expiry *from, dc_expiry *out, dc_error *err);
/* For log.c/txn_persist.c: the store's newest marker (refreshing its cache). */
dc_status dc_store__expiry(dc_store *s, dc_expiry *out, dc_error *err);

/* ---- garbage collection (gc.c, FORMAT.md 9) ----------------------------------------- */

typedef struct dc_gc_options {
    int64_t grace_ns;        /* files younger than this are kept: 0 = 1 hour, < 0 = none */
    bool dry_run;            /* report what would be deleted; change nothing */
    int64_t retain_versions; /* > 0: keep the last N versions */
    int64_t retain_ns;       /* > 0: keep the versions of the last D nanoseconds */
    int64_t now_ns;          /* the current time (0: the clock; tests move it forward) */
} dc_gc_options;

typedef struct dc_gc_report {
    char **keys;     /* deleted (or, in a dry run, to be deleted), in key order */
    int64_t n_keys;
    int64_t bytes;   /* their total size */
    int64_t data_files, staged_files, log_entries, checkpoint_files, txn_records;
    int64_t temporaries; /* of dead writers: local ".dc-tmp-*" files, S3 multipart uploads
                            (reported as "KEY?uploadId=ID") */
    int64_t kept_young; /* garbage kept because it is younger than the grace period */
    int64_t oldest_version;     /* oldest retained version after this run */
    int64_t checkpoint_version; /* the checkpoint it is built from */
    int64_t latest_version;     /* the latest version seen */
} dc_gc_report;

void dc_gc_report_free(dc_gc_report *r); /* NULL-safe; leaves it zeroed */

/*
 * Collect garbage and expire snapshots (FORMAT.md 9). `opts` may be NULL (grace
 * 1 hour, retain everything). `out` (may be NULL) receives the report; free it
 * with dc_gc_report_free even on failure. Never deletes a file reachable from
 * a retained version nor one younger than the grace period. On failure part of
 * the garbage may have been deleted; running again finishes the work.
 */
dc_status dc_store_gc(dc_store *s, const dc_gc_options *opts, dc_gc_report *out, dc_error *err);

#endif
