/*
 * storage_int.h: the catalog's metadata storage: the state model, the commit
 * log, checkpoints and transactions with optimistic concurrency, as
 * docs/FORMAT.md specifies them. Everything goes through fs/ (fs_int.h).
 *
 * The state of a catalog at a version is a JSON document (jansson) shaped as
 * FORMAT.md section 4 describes; a snapshot holds one, immutable once built,
 * and is shared by reference counting (many readers, many threads).
 */
#ifndef DC_STORAGE_INT_H
#define DC_STORAGE_INT_H

#include "core/json_int.h"
#include "fs/fs_int.h"

#define DC_FORMAT_VERSION 1
#define DC_LOG_PREFIX "_log/"
#define DC_CHECKPOINT_PREFIX "_checkpoints/"
#define DC_CATALOG_FILE "_catalog.json"
#define DC_LAST_CHECKPOINT "_checkpoints/_last.json"
#define DC_DEFAULT_CHECKPOINT_INTERVAL 16
/* Deltas per checkpoint chunk: chunk k of a partition holds the live deltas whose
 * stream positions are in [k * DC_CHUNK_DELTAS + 1, (k + 1) * DC_CHUNK_DELTAS]. */
#define DC_CHUNK_DELTAS 1024

/* ---- snapshots ----------------------------------------------------------------- */

/*
 * The state at one version. `state` is the document:
 *   {"namespaces": {ID: {"name", "properties"}},
 *    "tables": {ID: {"namespace_id", "name", "properties", "current_version",
 *                    "versions": {"N": {"schema", "partition_spec", "properties",
 *                                       "lifecycle", "modified", "partitions":
 *                                       {KEY: {"next_position", "deltas": [...]}}}}}}}
 * "modified" is the last version that changed a table version, and a partition's
 * "chunk_mod" maps a chunk index to the last version that changed that chunk
 * (both for checkpoint reuse). `segments` records what the state was loaded from:
 * {"TABLEID/N": {"key": SEGMENT_KEY, "chunks": {PARTITION: {K: CHUNK_KEY}}}}
 * (NULL when loaded from no checkpoint).
 */
typedef struct dc_snapshot {
    int64_t refs;
    int64_t version;      /* 0: the empty catalog */
    int64_t timestamp_ns; /* of the commit at `version` (0 for version 0) */
    json_t *state;
    int64_t checkpoint_version; /* checkpoint it was built from (0 = none) */
    json_t *segments;           /* see above; may be NULL */
} dc_snapshot;

dc_snapshot *dc_snapshot_ref(dc_snapshot *s);
void dc_snapshot_unref(dc_snapshot *s);
/* The empty state (version 0). */
dc_status dc_snapshot_empty(dc_snapshot **out, dc_error *err);

/* ---- applying operations (state.c) --------------------------------------------- */

/*
 * Validate `op` (one operation of FORMAT.md 4.1) against `state` and apply it
 * in place, as commit `version`. On failure `state` is unchanged and the error
 * says what is wrong: DC_ENOTFOUND (a missing namespace, table or version),
 * DC_EEXISTS (a name in use), DC_EINVALID (a malformed operation).
 */
dc_status dc_state_apply(json_t *state, const json_t *op, int64_t version, dc_error *err);

/* Lookups in a state document (borrowed references; NULL when absent). */
json_t *dc_state_namespace(const json_t *state, const char *namespace_id);
json_t *dc_state_table(const json_t *state, const char *table_id);
const char *dc_state_namespace_id_by_name(const json_t *state, const char *name);
/* A name users can type (`kind` "namespace" or "table" names it in the message):
 * 1 to 255 bytes of UTF-8, no control characters, '/' or '\\', not "." or "..";
 * DC_EINVALID saying which rule it breaks. */
dc_status dc_state_check_name(const char *kind, const char *name, dc_error *err);
const char *dc_state_table_id_by_name(const json_t *state, const char *namespace_id,
                                      const char *name);

/* ---- conflicts (conflict.c) ------------------------------------------------------ */

/* What a transaction read, besides what it wrote (FORMAT.md 6.2). */
typedef struct dc_read_set {
    json_t *data_reads;     /* {table_id: true} */
    json_t *metadata_reads; /* {table_id: true} */
} dc_read_set;

/*
 * Check our operations and reads against one winning transaction (its entry
 * object from the log) by the rules of FORMAT.md 6.2. DC_OK when they do not
 * conflict; DC_ECONFLICT with a message naming the table and the winner (id,
 * version, author) when they do.
 */
dc_status dc_conflict_check(const json_t *our_ops, const dc_read_set *reads,
                            const json_t *winner_txn, int64_t winner_version,
                            const json_t *state, dc_error *err);

/* ---- the store (log.c) ----------------------------------------------------------- */

typedef struct dc_store dc_store;

/*
 * A commit of this handle at `version`, whose state (`state`: the snapshot `from` plus
 * the commit's operations, never changed after) and timestamp it knows: cached as the
 * latest snapshot, so that its next transaction neither re-reads the entry it wrote nor
 * probes versions it knows of (a request each on an object store).
 */
void dc_store__remember_commit(dc_store *s, const dc_snapshot *from, int64_t version,
                               int64_t timestamp_ns, json_t *state);

typedef struct dc_store_options {
    bool create;                 /* create the catalog when the root holds none */
    int64_t checkpoint_interval; /* for a new catalog (0: the default, 16) */
} dc_store_options;

/*
 * Open the catalog stored in `fs` (a reference is taken). DC_ENOTFOUND when
 * there is no catalog and `create` is false; DC_EINVALID when `_catalog.json`
 * is not ours; DC_EUNSUPPORTED for a newer format version.
 */
dc_status dc_store_open(dc_store **out, dc_fs *fs, const dc_store_options *opts, dc_error *err);
dc_store *dc_store_ref(dc_store *s);
void dc_store_unref(dc_store *s);
dc_fs *dc_store_fs(dc_store *s); /* borrowed */
const char *dc_store_catalog_id(const dc_store *s);

/* The latest committed version (probing the log past the last known one). */
dc_status dc_store_latest_version(dc_store *s, int64_t *out, dc_error *err);
/* Snapshots: the latest, at a version (DC_ENOTFOUND beyond the latest), or at a time
 * (the greatest version committed at or before `ts_ns`; version 0 before the first). */
dc_status dc_store_snapshot_latest(dc_store *s, dc_snapshot **out, dc_error *err);
/*
 * The latest snapshot, or, when this handle learned within the last max_staleness_ns
 * (> 0) which version was the latest (a probe or listing of the log, or its own commit),
 * the snapshot at that version without asking the store (FORMAT.md 6.5): no request when
 * the handle caches it. DC_EINVALID above DC_MAX_STALENESS_NS.
 */
#define DC_MAX_STALENESS_NS (60LL * 1000000000)
dc_status dc_store_snapshot_recent(dc_store *s, int64_t max_staleness_ns, dc_snapshot **out,
                                   dc_error *err);
/* Version v was the latest at some time after at_ns (dc_clock_mono_ns). */
void dc_store__confirm_latest(dc_store *s, int64_t v, int64_t at_ns);
/* The version confirmed the latest within max_age_ns, if there is one. */
bool dc_store__recent_latest(dc_store *s, int64_t max_age_ns, int64_t *out);
dc_status dc_store_snapshot_at(dc_store *s, int64_t version, dc_snapshot **out, dc_error *err);
dc_status dc_store_snapshot_at_time(dc_store *s, int64_t ts_ns, dc_snapshot **out,
                                    dc_error *err);

/* Read the log entry of commit `version` (owned by the caller). DC_ENOTFOUND. */
dc_status dc_store_read_entry(dc_store *s, int64_t version, json_t **out, dc_error *err);
/* Write the checkpoint of `snap` (put_if_absent; DC_OK when it already exists). */
dc_status dc_store_write_checkpoint(dc_store *s, const dc_snapshot *snap, dc_error *err);
int64_t dc_store_checkpoint_interval(const dc_store *s);

/* The key of commit `version`: "_log/" + 20 digits + ".json". */
void dc_log_key(char out[64], int64_t version);

/* Statistics for tests and benchmarks. */
typedef struct dc_store_stats {
    int64_t entries_read;     /* log entries fetched */
    int64_t checkpoints_read; /* checkpoint roots loaded */
    int64_t commits;          /* commits won by this handle */
    int64_t retries;          /* lost races that were rebased */
} dc_store_stats;
void dc_store_stats_get(dc_store *s, dc_store_stats *out);

/* ---- transactions (txn.c) ----------------------------------------------------------- */

typedef struct dc_stxn dc_stxn;

typedef struct dc_stxn_options {
    int64_t as_of_version; /* > 0: read-only at that version */
    int64_t as_of_ns;      /* > 0: read-only at that time (a future time is rejected) */
    const char *author;
    int max_retries; /* lost races to rebase before giving up (0: 100) */
    /* > 0: begin on the version this handle confirmed the latest within this many ns,
     * without asking the store (dc_store_snapshot_recent, FORMAT.md 6.5); 0: ask. */
    int64_t max_staleness_ns;
} dc_stxn_options;

dc_status dc_stxn_begin(dc_stxn **out, dc_store *s, const dc_stxn_options *opts, dc_error *err);
/* The state the transaction sees: its snapshot with its own operations applied. Borrowed. */
const json_t *dc_stxn_state(const dc_stxn *t);
int64_t dc_stxn_read_version(const dc_stxn *t);
const char *dc_stxn_id(const dc_stxn *t);
bool dc_stxn_read_only(const dc_stxn *t);
/* Validate and apply one operation (FORMAT.md 4.1) to the transaction's state; the
 * transaction keeps a copy. Rejected (DC_EINVALID) in a read-only transaction. */
dc_status dc_stxn_add_op(dc_stxn *t, const json_t *op, dc_error *err);
/* Record a read (FORMAT.md 6.2) of a table's data or metadata. */
dc_status dc_stxn_note_read(dc_stxn *t, const char *table_id, bool data, dc_error *err);
/*
 * Commit with a message (may be NULL). On success *version (may be NULL) is
 * the commit's version. DC_ECONFLICT when a concurrent commit conflicts; after
 * any failure the transaction can only be freed (CONVENTIONS 6).
 */
dc_status dc_stxn_commit(dc_stxn *t, const char *message, int64_t *version, dc_error *err);
/* Abort (if not committed) and free. NULL-safe. */
void dc_stxn_free(dc_stxn *t);

/* Random identifiers: 32 lowercase hex digits (128 bits from the OS). */
dc_status dc_random_hex(char out[33], dc_error *err);
/* A UUID v4 string (36 characters). */
dc_status dc_uuid(char out[37], dc_error *err);

#endif
