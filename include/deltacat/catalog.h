/*
 * deltacat/catalog.h: catalogs and transactions.
 *
 * A catalog is a directory tree on a filesystem (a local path, file:///path,
 * or mem://NAME for an in-process store) holding a commit log of
 * transactions (docs/FORMAT.md). Every change is made inside a transaction;
 * a transaction sees one consistent version of the whole catalog and commits
 * atomically, all of it or nothing, against concurrent writers in any
 * process or host.
 *
 * Threads: a dc_catalog may be shared by any number of threads. A dc_txn is
 * used by one thread at a time (a server may hand it from request to request,
 * as long as two requests never use it at once).
 */
#ifndef DELTACAT_CATALOG_H
#define DELTACAT_CATALOG_H

#include <deltacat/columnar.h>
#include <deltacat/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dc_catalog dc_catalog;
typedef struct dc_txn dc_txn;

typedef struct dc_catalog_options {
    bool create;                 /**< create the catalog when the root holds none */
    int64_t checkpoint_interval; /**< for a new catalog: commits between checkpoints (0: 16) */
    /**
     * Settings of the store under an s3:// root, as NULL-terminated key, value pairs
     * ({"region", "eu-west-1", "endpoint_url", "http://127.0.0.1:9000", NULL}); NULL or
     * {NULL}: none. Keys: region, endpoint_url, profile, access_key_id,
     * secret_access_key, session_token. They override the environment (AWS_REGION,
     * AWS_ENDPOINT_URL, AWS_PROFILE, AWS_ACCESS_KEY_ID ...) and ~/.aws; a later pair
     * overrides an earlier one with the same key; an empty value is the same as none.
     * Borrowed for the call only. An unknown key, a key without a value, or any key for
     * a root that is not s3:// is DC_EINVALID naming the key.
     */
    const char *const *storage_options;
    /**
     * Bounded staleness, opt-in (docs/FORMAT.md 6.5). 0 (the default): every transaction
     * asks the store for the latest version when it begins (one request on S3), so it sees
     * every commit made anywhere before it began. > 0: a transaction begun on this handle
     * (without as_of) starts from the latest version the handle itself confirmed within the
     * last max_staleness_ms (by a begin that asked, or by its own commit) without asking,
     * so that a small write transaction costs one request (its commit) instead of two.
     * Commits stay serializable: a transaction that began on a version someone else has
     * since passed loses the race for the next log entry and is checked against the
     * winners (a conflict fails it as any concurrent commit would). What can be stale is
     * what it reads: by at most this bound, and never this handle's own commits. At most
     * 60000; it must stay below the garbage collector's grace period (1 hour by default).
     */
    int64_t max_staleness_ms;
} dc_catalog_options;

/**
 * Open the catalog at `url` (a path, file:///abs/path, mem://NAME or
 * s3://bucket/prefix). Errors: DC_ENOTFOUND (no catalog there and `create`
 * not set, or no such directory or bucket), DC_EINVALID (the root holds
 * something that is not a catalog; bad storage options), DC_EUNSUPPORTED
 * (written by a newer deltacat), DC_EIO (the store failed or did not answer:
 * the message names the bucket and what to do).
 * The handle is released with dc_catalog_close.
 */
dc_status dc_catalog_open(dc_catalog **out, const char *url, const dc_catalog_options *opts,
                          dc_error *err);
/**
 * Open the default catalog: $DELTACAT_ROOT when set, else ./.deltacat (created
 * when missing if opts->create).
 */
dc_status dc_catalog_open_default(dc_catalog **out, const dc_catalog_options *opts,
                                  dc_error *err);
dc_catalog *dc_catalog_ref(dc_catalog *c);
void dc_catalog_close(dc_catalog *c); /**< NULL-safe; frees at the last reference */
/** The catalog's id (a UUID fixed at creation); valid while the handle is. */
const char *dc_catalog_id(const dc_catalog *c);
/**
 * Where the catalog lives, as the prefix its object keys (the paths a read
 * plan or a schemaless table's manifest names) are relative to: "/abs/root/"
 * for a local catalog, "mem://name/" in memory. Valid while the handle is.
 */
const char *dc_catalog_location(const dc_catalog *c);
/** The latest committed version (0 for a catalog without commits). */
dc_status dc_catalog_latest_version(dc_catalog *c, int64_t *out, dc_error *err);

/* ---- several catalogs by name ------------------------------------------------------ */

/*
 * A process-wide set of open catalogs by name (thread-safe), so front ends can
 * address "dc://prod/ns/table" and "dc://copy/ns/table" at once. The first
 * catalog put becomes the default unless one is set.
 */
/** Register `c` as `name` (a reference is taken). DC_EEXISTS when the name is taken. */
dc_status dc_catalogs_put(const char *name, dc_catalog *c, dc_error *err);
/** A new reference to catalog `name` (NULL: the default). DC_ENOTFOUND. */
dc_status dc_catalogs_get(const char *name, dc_catalog **out, dc_error *err);
dc_status dc_catalogs_set_default(const char *name, dc_error *err);
/** Forget `name` (its reference is dropped). DC_ENOTFOUND. */
dc_status dc_catalogs_remove(const char *name, dc_error *err);
/** The names, sorted; *default_index (may be NULL) the default's or -1. Free with
 *  dc_catalogs_names_free. */
dc_status dc_catalogs_names(char ***names, int64_t *n, int64_t *default_index, dc_error *err);
void dc_catalogs_names_free(char **names, int64_t n);

/* ---- garbage collection ------------------------------------------------------------ */

typedef struct dc_catalog_gc_options {
    int64_t grace_ns;        /**< files younger than this are kept: 0 = 1 hour, < 0 = none */
    bool dry_run;            /**< report what would be removed; change nothing */
    int64_t retain_versions; /**< > 0: expire snapshots older than the last N versions */
    int64_t retain_ns;       /**< > 0: expire snapshots older than this many nanoseconds */
} dc_catalog_gc_options;

/** What a collection removed (or, in a dry run, would remove). */
typedef struct dc_catalog_gc_report {
    char **keys; /**< the objects, relative to the root, in key order */
    int64_t n_keys;
    int64_t bytes;            /**< their total size */
    int64_t data_files;       /**< data files no retained version reads */
    int64_t staged_files;     /**< staged files of abandoned transactions */
    int64_t log_entries;      /**< log entries before the oldest retained checkpoint */
    int64_t checkpoint_files; /**< checkpoints no longer needed, incomplete ones */
    int64_t txn_records;      /**< records of committed or expired transactions */
    int64_t temporaries;      /**< half-written files of writers that died */
    int64_t kept_young;       /**< garbage kept because it is younger than the grace */
    int64_t oldest_version;   /**< the oldest version still readable after the run */
    int64_t latest_version;   /**< the latest version seen */
} dc_catalog_gc_report;

/**
 * Remove what no retained version of the catalog needs: data files of dropped
 * tables and replaced rows once their snapshots expire (retain_*), files
 * staged by abandoned writers, old log entries and checkpoints, stale
 * transaction records; never anything younger than the grace period nor
 * reachable from a retained version. `opts` may be NULL (grace 1 hour, keep
 * every version). `out` (may be NULL) receives the report, released with
 * dc_catalog_gc_report_free even on failure. Errors: DC_EINVALID (negative
 * retain_*), DC_ECONFLICT (another collector expired snapshots at the same
 * time: run again), DC_ECORRUPT, DC_EIO. On failure part of the garbage may
 * be gone; running again finishes the work.
 */
dc_status dc_catalog_gc(dc_catalog *c, const dc_catalog_gc_options *opts, dc_catalog_gc_report *out,
                        dc_error *err);
void dc_catalog_gc_report_free(dc_catalog_gc_report *r); /**< NULL-safe; leaves it zeroed */

/* ---- named catalogs from a configuration file ----------------------------------- */

/*
 * A configuration file names catalogs (JSON):
 *   {"default": "prod",
 *    "catalogs": {"prod": {"root": "/data/lake"},
 *                 "aws": {"root": "s3://bucket/prefix", "s3": {...}}}}
 * "s3" (and any other member of a catalog) is kept as it is, for the S3 backend.
 * A relative root is relative to the directory of the configuration file.
 */
typedef struct dc_catalog_config dc_catalog_config;

/**
 * The configuration file's path: $DELTACAT_CONFIG when set, else
 * $XDG_CONFIG_HOME/deltacat/config.json, else ~/.config/deltacat/config.json
 * ($HOME). DC_ENOTFOUND when none of those variables is set. Free with dc_free.
 */
dc_status dc_catalog_config_path(char **out, dc_error *err);
/**
 * Load the configuration at `path` (NULL: dc_catalog_config_path). A missing
 * file is an empty configuration (no catalogs), not an error. Errors:
 * DC_EINVALID naming the file and the member at fault (malformed JSON, a
 * catalog without a root, a bad name, a default that names no catalog),
 * DC_EIO. Free with dc_catalog_config_free.
 */
dc_status dc_catalog_config_load(dc_catalog_config **out, const char *path, dc_error *err);
/**
 * Write the configuration back to the file it was loaded from (atomically:
 * a temporary file renamed into place; the directory is created when
 * missing). DC_EIO naming the file.
 */
dc_status dc_catalog_config_save(const dc_catalog_config *cfg, dc_error *err);
void dc_catalog_config_free(dc_catalog_config *cfg); /**< NULL-safe */
/** The file's path; valid while `cfg` is. */
const char *dc_catalog_config_file(const dc_catalog_config *cfg);
/** Number of catalogs; names are sorted. */
int64_t dc_catalog_config_count(const dc_catalog_config *cfg);
/** Catalog i's name and root as written in the file; valid until `cfg` changes. */
const char *dc_catalog_config_name(const dc_catalog_config *cfg, int64_t i);
const char *dc_catalog_config_root(const dc_catalog_config *cfg, int64_t i);
/** The default catalog's name (the one "default" names, else the only one), or NULL. */
const char *dc_catalog_config_default(const dc_catalog_config *cfg);
/**
 * Add catalog `name` at `root` (a path, file:///path, mem://NAME or a URL;
 * stored as given). Names are 1 to 255 bytes of UTF-8 without '/', '\\',
 * control characters, not "." or "..". DC_EEXISTS when the name is taken,
 * DC_EINVALID for a bad name or an empty root. The first catalog added
 * becomes the default.
 */
dc_status dc_catalog_config_add(dc_catalog_config *cfg, const char *name, const char *root,
                                dc_error *err);
/**
 * Set (or with a NULL or empty value, remove) storage settings of catalog `name`: the
 * members of its "s3" object, from NULL-terminated key, value pairs with the keys of
 * dc_catalog_options.storage_options. DC_ENOTFOUND (no such catalog), DC_EINVALID (an
 * unknown key, naming it).
 */
dc_status dc_catalog_config_set_storage(dc_catalog_config *cfg, const char *name,
                                        const char *const *kv, dc_error *err);
/** Remove catalog `name` (and the default when it was). DC_ENOTFOUND. */
dc_status dc_catalog_config_remove(dc_catalog_config *cfg, const char *name, dc_error *err);
/** Make `name` the default. DC_ENOTFOUND. */
dc_status dc_catalog_config_set_default(dc_catalog_config *cfg, const char *name, dc_error *err);
/**
 * Open catalog `name` of the configuration (NULL: the default). Errors:
 * DC_ENOTFOUND (no such name, or no default: the message lists the names),
 * and those of dc_catalog_open.
 */
dc_status dc_catalog_config_open(dc_catalog **out, const dc_catalog_config *cfg, const char *name,
                                 const dc_catalog_options *opts, dc_error *err);
/**
 * Open every catalog of the configuration and register each under its name
 * (dc_catalogs_put), making the configuration's default the registry's
 * default. All or nothing: when one fails to open or its name is taken,
 * none is left registered and the error names the catalog.
 */
dc_status dc_catalogs_register_config(const dc_catalog_config *cfg, const dc_catalog_options *opts,
                                      dc_error *err);

/* ---- transactions ----------------------------------------------------------------- */

typedef struct dc_txn_options {
    int64_t as_of_version; /**< > 0: a read-only transaction at that version */
    int64_t as_of_ns;      /**< > 0: read-only at that time (ns since the epoch; not future) */
    const char *author;    /**< recorded with the commit (may be NULL) */
    /** Bounded staleness for this transaction (see dc_catalog_options.max_staleness_ms):
     * 0: the catalog handle's setting; < 0: ask the store; > 0: this bound (at most 60000). */
    int64_t max_staleness_ms;
} dc_txn_options;

/**
 * Begin a transaction on the latest version, or read-only as of a version or
 * a time. Errors: DC_ENOTFOUND (a version not committed yet), DC_EINVALID (a
 * future time, or both a version and a time), DC_EIO.
 */
dc_status dc_txn_begin(dc_txn **out, dc_catalog *c, const dc_txn_options *opts, dc_error *err);
/** The transaction's id (a UUID); valid until it is freed. */
const char *dc_txn_id(const dc_txn *t);
/** The catalog version the transaction reads. */
int64_t dc_txn_read_version(const dc_txn *t);
bool dc_txn_read_only(const dc_txn *t);
/**
 * Commit with a message (may be NULL). *version (may be NULL) receives the
 * commit's version (the read version when there was nothing to write).
 * DC_ECONFLICT: a concurrent commit conflicts (the message names the table
 * and the winning transaction); retry on the new state. After a failed
 * commit the transaction can only be aborted.
 */
dc_status dc_txn_commit(dc_txn *t, const char *message, int64_t *version, dc_error *err);
/** Abort (if not committed) and free. NULL-safe. */
void dc_txn_abort(dc_txn *t);

/* ---- history -------------------------------------------------------------------- */

/** Operation kinds counted in a transaction's history entry. */
typedef enum dc_op_kind {
    DC_OP_CREATE_NAMESPACE = 0,
    DC_OP_UPDATE_NAMESPACE,
    DC_OP_DROP_NAMESPACE,
    DC_OP_CREATE_TABLE,
    DC_OP_UPDATE_TABLE,
    DC_OP_DROP_TABLE,
    DC_OP_CREATE_TABLE_VERSION,
    DC_OP_UPDATE_TABLE_VERSION,
    DC_OP_ADD_DELTA,
    DC_OP_REMOVE_FILES,
    DC_OP__COUNT
} dc_op_kind;

/** The name of an operation kind as written in the log ("add_delta"). */
const char *dc_op_kind_name(dc_op_kind k);

/** One committed transaction. Strings are owned by the array (dc_txn_info_free). */
typedef struct dc_txn_info {
    char *id;
    char *author;  /**< NULL when none was given */
    char *message; /**< NULL when none was given */
    int64_t version;      /**< the commit's version */
    int64_t read_version; /**< the version it read */
    int64_t start_ns;     /**< when it began */
    int64_t end_ns;       /**< the commit's timestamp */
    const char *status;   /**< "committed" (aborted transactions leave no trace) */
    int64_t op_counts[DC_OP__COUNT];
} dc_txn_info;

typedef struct dc_history_query {
    int64_t limit;    /**< at most this many (0: no limit) */
    int64_t since_ns; /**< only commits at or after (0: no bound) */
    int64_t until_ns; /**< only commits at or before (0: no bound) */
} dc_history_query;

/**
 * Committed transactions, newest first, filtered by `q` (may be NULL). Reads
 * only the log entries it returns (plus a binary search for until_ns).
 * *out is freed with dc_txn_info_free(*out, *n).
 */
dc_status dc_catalog_history(dc_catalog *c, const dc_history_query *q, dc_txn_info **out,
                             int64_t *n, dc_error *err);
/** One committed transaction by id (DC_ENOTFOUND). Free with dc_txn_info_free(out, 1). */
dc_status dc_catalog_transaction(dc_catalog *c, const char *txn_id, dc_txn_info **out,
                                 dc_error *err);
void dc_txn_info_free(dc_txn_info *infos, int64_t n);

#ifdef __cplusplus
}
#endif
#endif
