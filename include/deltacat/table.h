/*
 * deltacat/table.h: namespaces, tables, writes and reads (the engine API).
 *
 * Every call takes the catalog and an optional transaction. With txn NULL the
 * call runs in a transaction of its own, committed before it returns; with a
 * transaction, its changes become visible (to others) when that transaction
 * commits, so several operations on several tables commit together or not at
 * all. A read-only transaction (begun as of a version or a time) reads the
 * catalog as it was then: time travel; any change in it fails (DC_EINVALID).
 *
 * Names: a namespace or table name is 1 to 255 bytes of UTF-8 without '/',
 * '\\' or control characters, not "." or "..". NULL as a namespace name means
 * "default", which table creation and writes create on first use.
 *
 * Errors: DC_ENOTFOUND (no such namespace / table / column), DC_EEXISTS,
 * DC_EINVALID (bad arguments, a non-empty namespace dropped without cascade,
 * a change in a read-only transaction), DC_ESCHEMA (data that does not fit the
 * table's schema, a refused schema change), DC_ECONFLICT (a concurrent commit
 * conflicts: retry), DC_EUNSUPPORTED, DC_EIO. The message names the object.
 */
#ifndef DELTACAT_TABLE_H
#define DELTACAT_TABLE_H

#include <deltacat/catalog.h>
#include <deltacat/columnar.h>
#include <deltacat/formats.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- namespaces ------------------------------------------------------------------------- */

typedef struct dc_namespace_info {
    char *id;
    char *name;
    dc_metadata properties;
    int64_t n_tables;
} dc_namespace_info;

dc_status dc_namespace_create(dc_catalog *c, dc_txn *txn, const char *name,
                              const dc_metadata *properties, dc_error *err);
dc_status dc_namespace_exists(dc_catalog *c, dc_txn *txn, const char *name, bool *out,
                              dc_error *err);
/** Fill *out (release with dc_namespace_info_clear). */
dc_status dc_namespace_get(dc_catalog *c, dc_txn *txn, const char *name, dc_namespace_info *out,
                           dc_error *err);
/** Every namespace, sorted by name (free with dc_namespace_infos_free). */
dc_status dc_namespace_list(dc_catalog *c, dc_txn *txn, dc_namespace_info **out, int64_t *n,
                            dc_error *err);
/** Rename (new_name not NULL) and/or replace the properties (not NULL). */
dc_status dc_namespace_alter(dc_catalog *c, dc_txn *txn, const char *name, const char *new_name,
                             const dc_metadata *properties, dc_error *err);
/** Drop; a namespace holding tables is refused unless `cascade` (its tables are dropped). */
dc_status dc_namespace_drop(dc_catalog *c, dc_txn *txn, const char *name, bool cascade,
                            dc_error *err);
void dc_namespace_info_clear(dc_namespace_info *i);
void dc_namespace_infos_free(dc_namespace_info *i, int64_t n);

/* ---- tables ----------------------------------------------------------------------------- */

/** What a write may do to the table's schema. */
typedef enum dc_schema_evolution {
    DC_SCHEMA_EVOLUTION_AUTO = 0, /**< new columns are added (nullable) */
    DC_SCHEMA_EVOLUTION_MANUAL,   /**< a new column is an error: update the schema first */
    DC_SCHEMA_EVOLUTION_DISABLED, /**< the schema never changes */
} dc_schema_evolution;

/** How written values must fit the column types. */
typedef enum dc_schema_consistency {
    DC_SCHEMA_CONSISTENCY_NONE = 0, /**< permissive: narrower types widen (int8 -> int64 ...) */
    DC_SCHEMA_CONSISTENCY_COERCE,   /**< cast to the column type; a lossy value is an error */
    DC_SCHEMA_CONSISTENCY_VALIDATE, /**< the types must be exactly the table's */
} dc_schema_consistency;

/** Options of a new table (dc_table_options_init gives the defaults). */
typedef struct dc_table_options {
    const dc_schema *schema; /**< NULL: taken from the first write */
    /** Columns that identify a row (marked as merge keys in the schema, made
     *  non-null): writes to the table then MERGE (upsert) and DELETE by them.
     *  Needs a schema (given, or the first write's). NULL/0: none. */
    const char *const *merge_keys;
    int32_t n_merge_keys;
    /** NULL, or a partition scheme: comma-separated fields, each a column
     *  (identity), year(c), month(c), day(c), hour(c) of a date or timestamp,
     *  bucket(N, c) or truncate(W, c); e.g. "day(ts), bucket(16, id)". Rows are
     *  split by partition on write; reads skip partitions a filter excludes. */
    const char *partition_by;
    const dc_metadata *properties;     /**< free-form, may be NULL */
    const char *description;           /**< may be NULL */
    dc_schema_evolution evolution;     /**< AUTO */
    dc_schema_consistency consistency; /**< NONE */
    dc_file_format content_type;       /**< of the files writes create: PARQUET (CSV, JSONL) */
    /** Readers that must be able to read the table ("pyarrow", "pandas", "polars",
     *  "daft", "numpy", "duckdb", "ray_dataset"): a schema with a type one of them
     *  cannot hold (decimal256 for pandas, say) is refused before anything is written. */
    const char *const *readers;
    int32_t n_readers;
    bool if_not_exists; /**< an existing table is not an error */
    /** A schemaless table: writes register their files as they are (any content type,
     *  no schema checks); reads return the manifest (one row per file) and
     *  dc_table_materialize turns the tabular files into rows. */
    bool schemaless;
} dc_table_options;

void dc_table_options_init(dc_table_options *o);

/** A table as described (release with dc_table_info_clear). */
typedef struct dc_table_info {
    char *id;
    char *namespace_name;
    char *name;
    char *description; /**< NULL when none */
    dc_metadata properties;
    int64_t table_version; /**< the current table version (1, 2, ...) */
    dc_schema *schema;     /**< NULL until the table has one */
    char *partition_by;    /**< the partition scheme's text, NULL when unpartitioned */
    dc_schema_evolution evolution;
    dc_schema_consistency consistency;
    dc_file_format content_type;
    bool schemaless; /**< its files are registered as they are (read: the manifest) */
    int64_t row_count, size_bytes, file_count, delta_count, partition_count;
    int64_t last_modified; /**< the catalog version that last changed the table */
} dc_table_info;

void dc_table_info_clear(dc_table_info *i);
void dc_table_infos_free(dc_table_info *i, int64_t n);

dc_status dc_table_create(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                          const dc_table_options *opts, dc_error *err);
dc_status dc_table_exists(dc_catalog *c, dc_txn *txn, const char *ns, const char *name, bool *out,
                          dc_error *err);
dc_status dc_table_describe(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                            dc_table_info *out, dc_error *err);
/** The tables of a namespace, sorted by name (free with dc_table_infos_free). */
dc_status dc_table_list(dc_catalog *c, dc_txn *txn, const char *ns, dc_table_info **out, int64_t *n,
                        dc_error *err);
/** Replace the free-form properties (not NULL) and/or the description (not NULL). */
dc_status dc_table_alter(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                         const dc_metadata *properties, const char *description, dc_error *err);
/** Rename and/or move to another namespace (new_ns NULL: the same one). */
dc_status dc_table_rename(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                          const char *new_ns, const char *new_name, dc_error *err);
/**
 * Drop the table. Its files stay (earlier versions of the catalog still read
 * them) until the garbage collector finds them unreachable; with `purge` they
 * are removed as soon as the drop commits, which takes those earlier versions'
 * rows of the table away too (purge needs txn NULL: DC_EINVALID otherwise).
 */
dc_status dc_table_drop(dc_catalog *c, dc_txn *txn, const char *ns, const char *name, bool purge,
                        dc_error *err);
/** Remove every row (a new commit; earlier versions keep theirs). */
dc_status dc_table_truncate(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                            dc_error *err);

/**
 * Roll the table's rows (and schema) back to what they were at catalog
 * version `version` (> 0), or at time `as_of_ns` (ns since the epoch) when
 * version is 0: a new commit; the history in between is kept. The table must
 * have existed then under the same table version, and the files of then must
 * still be there (not collected): DC_ENOTFOUND naming what is missing.
 */
dc_status dc_table_rollback(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                            int64_t version, int64_t as_of_ns, dc_error *err);

/** One table version (release with dc_table_versions_free). */
typedef struct dc_table_version_info {
    int64_t version; /**< 1, 2, ... */
    bool current;
    char *lifecycle;   /**< "active" ... */
    dc_schema *schema; /**< NULL when none */
    int64_t row_count, file_count;
} dc_table_version_info;

/**
 * Set the lifecycle state of table version `version` (0: the current one):
 * "unreleased", "beta", "active" or "deprecated". Writes to a deprecated
 * version are refused (DC_EINVALID); reads still work.
 */
dc_status dc_table_set_lifecycle(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                 int64_t version, const char *lifecycle, dc_error *err);

/** Every version of the table, oldest first. */
dc_status dc_table_versions(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                            dc_table_version_info **out, int64_t *n, dc_error *err);
void dc_table_versions_free(dc_table_version_info *v, int64_t n);
/**
 * Create table version N+1 from `opts` (schema, partition scheme, modes,
 * content type; properties and if_not_exists are ignored) and make it
 * current: reads and writes go to it; earlier versions keep their data and
 * can be read and written by number. *version (may be NULL) gets N+1.
 */
dc_status dc_table_create_version(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                  const dc_table_options *opts, int64_t *version, dc_error *err);

/* ---- schema updates ---------------------------------------------------------------- */

typedef enum dc_schema_update_kind {
    DC_SU_ADD,    /**< a new column (nullable, or with defaults) */
    DC_SU_RENAME, /**< keeps the field id: old files read under the new name */
    DC_SU_WIDEN,  /**< int32 -> int64, float32 -> float64, utf8 -> large_utf8 ... */
    DC_SU_SET_DOC,
    DC_SU_SET_PAST_DEFAULT,   /**< what rows of files without the column show */
    DC_SU_SET_FUTURE_DEFAULT, /**< what writes without the column store */
    DC_SU_DROP,               /**< incompatible */
    DC_SU_SET_NULLABLE,       /**< false is incompatible */
    DC_SU_SET_MERGE_KEY,      /**< incompatible */
} dc_schema_update_kind;

typedef struct dc_schema_update {
    dc_schema_update_kind kind;
    const char *column;   /**< the field updated (ADD: the new name) */
    const char *new_name; /**< RENAME */
    const dc_type *type;  /**< ADD, WIDEN */
    bool nullable;        /**< ADD, SET_NULLABLE */
    bool merge_key;       /**< SET_MERGE_KEY */
    const char *text;     /**< SET_DOC, *_DEFAULT (a JSON literal; NULL removes), ADD's default */
} dc_schema_update;

/**
 * Apply schema updates in order, as one change (all or none). Incompatible
 * changes are refused (DC_ESCHEMA, saying which and why) unless
 * `allow_incompatible`; a table whose evolution is DISABLED refuses every
 * update. Files already written are not rewritten: they are read under the
 * new schema (renamed columns by field id, added ones as their past default).
 */
dc_status dc_table_update_schema(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                 const dc_schema_update *updates, int32_t n,
                                 bool allow_incompatible, dc_error *err);

/* ---- writes ----------------------------------------------------------------------------- */

typedef enum dc_write_mode {
    DC_WRITE_AUTO = 0, /**< create the table (schema from the data) if missing, else ADD */
    DC_WRITE_CREATE,   /**< create the table; DC_EEXISTS if it exists */
    DC_WRITE_ADD,      /**< add rows, unordered; never conflicts with other writers */
    DC_WRITE_APPEND,   /**< add rows read back after earlier ones; concurrent appends conflict */
    DC_WRITE_REPLACE,  /**< the table's rows become exactly these */
    DC_WRITE_MERGE,    /**< upsert by merge key (tables with merge keys) */
    DC_WRITE_DELETE,   /**< delete the rows matching by merge key */
} dc_write_mode;

const char *dc_write_mode_name(dc_write_mode m);
/** "auto", "create", "add", "append", "replace", "merge", "delete" (any case). */
bool dc_write_mode_from_name(const char *name, dc_write_mode *out);

typedef struct dc_table_write_options {
    dc_write_mode mode;               /**< AUTO */
    const dc_table_options *create;   /**< when the write creates the table (may be NULL) */
    bool create_namespace;            /**< create a missing namespace (default true) */
    dc_file_format content_type;      /**< UNKNOWN (default): the table's */
    int64_t target_file_rows;         /**< a file is closed at this many rows (default 4Mi) */
    int64_t target_file_bytes;        /**< ... or once its encoded size passes this (128 MiB) */
    int64_t table_version;            /**< 0: the current one */
    dc_parquet_write_options parquet; /**< the defaults, with row groups of 128 Ki rows and
                                           pages of at most 8 Ki rows (a fine page index) */
} dc_table_write_options;

void dc_table_write_options_init(dc_table_write_options *o);

typedef struct dc_write_result {
    int64_t rows;           /**< rows written */
    int64_t files;          /**< data files created */
    int64_t bytes;          /**< their size */
    bool created;           /**< the write created the table */
    bool schema_changed;    /**< the write evolved the schema */
    int64_t commit_version; /**< the catalog version committed (0 inside a caller's txn) */
    /** the table's compaction policy compacted it after the commit (its own commit);
     *  a compaction that fails leaves the write committed and says nothing */
    bool compacted;
} dc_write_result;

/**
 * Write every batch of `data` (read to its end; the caller still frees it) to
 * the table. Large inputs stream into files of the target size; memory stays
 * bounded. `result` may be NULL. Nothing is visible until the commit; on any
 * error nothing is committed and the files written are removed.
 */
dc_status dc_table_write(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                         dc_reader *data, const dc_table_write_options *opts,
                         dc_write_result *result, dc_error *err);
/** The same from files (Parquet, CSV/TSV/PSV, JSONL; the format from each extension). */
dc_status dc_table_write_files(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                               const char *const *paths, int32_t n_paths,
                               const dc_table_write_options *opts, dc_write_result *result,
                               dc_error *err);

/* ---- compaction ------------------------------------------------------------------- */

/**
 * Compaction folds a table version's files into new files of the target size:
 * on a table with merge keys, the base files and every outstanding MERGE and
 * DELETE become merged base files (one row per key), filed by a hash of the
 * key into buckets (as many as target-sized files, at most 32); once a base is so
 * filed, a compaction rewrites only the buckets the outstanding deltas touch and
 * keeps the others' files. On other tables, small files are concatenated in
 * read order (an APPEND table keeps its order). It
 * commits in its own transaction (or the caller's) a removal of the files it
 * read and a delta that stands at the version it read ("merged_through"), so a
 * write committed while it ran is neither lost nor a conflict: it stays after
 * the compacted rows. Only a concurrent compaction, REPLACE, truncate, schema
 * change or drop of the table conflicts (DC_ECONFLICT: run it again). Earlier
 * versions keep reading the old files until they are collected.
 *
 * Policy (table properties, strings): "compaction.mode" = "auto" (the default
 * for tables with merge keys: a write that leaves more than
 * "compaction.max_deltas" (default 16) outstanding deltas, or outstanding rows
 * over "compaction.max_ratio" (default 0.5) times the base rows, compacts right
 * after its commit; for other tables, more than max_deltas small files), "sync"
 * (after every write, as DeltaCAT does), or "off" (only on demand; the default
 * for tables without merge keys).
 */
typedef struct dc_compact_options {
    int64_t target_file_rows;  /**< 0: the write default (4 Mi) */
    int64_t target_file_bytes; /**< 0: the write default (128 MiB) */
    int64_t table_version;     /**< 0: the current one */
    bool if_needed;            /**< only when the table's policy asks for it */
} dc_compact_options;

typedef struct dc_compact_result {
    bool compacted;    /**< false: nothing to fold (or the policy said no) */
    int64_t files_in;  /**< files folded (and removed) */
    int64_t deltas_in; /**< outstanding MERGE/DELETE deltas folded */
    int64_t rows_out, files_out, bytes_out;
    int64_t commit_version; /**< 0 inside a caller's transaction */
    /** merge keys: the buckets the merged rows are filed in (0: none), and the base files
     *  of buckets no outstanding delta touched, kept as they are */
    int64_t key_buckets, files_kept;
} dc_compact_result;

/** Compact a table now (`opts` and `result` may be NULL). */
dc_status dc_table_compact(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                           const dc_compact_options *opts, dc_compact_result *result,
                           dc_error *err);

/* ---- staged writes ---------------------------------------------------------------- */

/**
 * A prefix (relative to the catalog root, e.g. "_staging/<table id>/<random>/")
 * under which the caller writes data files itself (Parquet, CSV, JSONL), to
 * commit them with dc_table_commit_staged. Files staged and never committed
 * are removed by the garbage collector after its grace period. *prefix is
 * freed with dc_free.
 */
dc_status dc_table_stage(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                         char **prefix, dc_error *err);

/** A file written under a staging prefix, as the caller declares it. */
typedef struct dc_staged_file {
    const char *path;            /**< relative to the catalog root */
    int64_t file_size;           /**< bytes, checked */
    int64_t record_count;        /**< rows, checked */
    dc_file_format content_type; /**< UNKNOWN: from the extension */
    const char *partition;       /**< its partition key (partitioned tables only) */
} dc_staged_file;

/**
 * Commit staged files to the table in one transaction, with the write mode
 * of `opts` (AUTO, CREATE, ADD, APPEND, REPLACE; on a table with merge keys
 * AUTO, CREATE, MERGE, DELETE or REPLACE: the files are upserts (a file with
 * fewer columns than the table is a partial update) or deletes by key, folded
 * on read like a write's; every file carries the merge keys). Each file must lie under a
 * staging prefix of this table, exist with the declared size and record
 * count, and fit the table's schema (evolved as a write would); statistics
 * come from its footer. Nothing is committed unless every file passes;
 * DC_EINVALID / DC_ENOTFOUND / DC_ESCHEMA name the file and the problem.
 */
dc_status dc_table_commit_staged(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                 const dc_staged_file *files, int32_t n,
                                 const dc_table_write_options *opts, dc_write_result *result,
                                 dc_error *err);

/* ---- reads ------------------------------------------------------------------------------ */

typedef struct dc_table_read_options {
    const char *const *columns; /**< the columns to read, in this order; NULL: all */
    int32_t n_columns;
    const char *filter;    /**< a JSON predicate (below) or NULL */
    int64_t limit;         /**< at most this many rows (< 0, the default: no limit) */
    int64_t offset;        /**< skip this many rows first */
    int64_t batch_rows;    /**< rows per batch (0: 65536) */
    int64_t table_version; /**< 0: the current one */
} dc_table_read_options;

void dc_table_read_options_init(dc_table_read_options *o);

/**
 * Read the table as a stream of batches (dc_reader_export hands it to Arrow
 * consumers). A schemaless table reads as its manifest: one row per file
 * (path, content_type, file_size, record_count, partition, stream_position),
 * which the filter, projection, limit and offset apply to. The filter is a JSON predicate:
 *   {"eq": ["col", 5]} (also neq, gt, gte, lt, lte), {"in": ["col", [1, 2]]},
 *   {"between": ["col", 1, 9]}, {"is_null": ["col"]}, {"and": [P, ...]},
 *   {"or": [P, ...]}, {"not": P}
 * or its readable form: age > 3 and (city = 'Paris' or city is null), with
 * = != <> < <= > >=, between .. and .., [not] in (..), is [not] null, not;
 * "quoted" column names and 'quoted' text ('' for a quote).
 * Files and row groups whose statistics exclude the predicate are not read;
 * the rows of the others are filtered. Rows of files written before a column
 * was added show its past default, else null.
 */
dc_status dc_table_read(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                        const dc_table_read_options *opts, dc_reader **out, dc_error *err);

/**
 * The rows of a schemaless table's files (Parquet, CSV/TSV/PSV, JSONL: other
 * content types are DC_EUNSUPPORTED naming the file), their schemas unified
 * permissively, in manifest order. On a table with a schema, the same as
 * dc_table_read without options.
 */
dc_status dc_table_materialize(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                               dc_reader **out, dc_error *err);

/** One data file of a read plan. */
typedef struct dc_plan_file {
    char *path; /**< relative to the catalog root */
    dc_file_format content_type;
    int64_t record_count;
    int64_t file_size;
    char *partition;         /**< the partition key ("" unpartitioned) */
    int64_t stream_position; /**< the delta's position in its partition */
    /** a compacted file of a table with merge keys: the bucket of its keys among
     *  key_buckets (docs/FORMAT.md 4.3); -1 and 0 for other files */
    int32_t key_bucket, key_buckets;
} dc_plan_file;

/** A partition a plan touches: what its matching files hold. */
typedef struct dc_plan_partition {
    char *key; /**< "day=2024-03-18/region=eu" ("" unpartitioned) */
    int64_t files, rows, bytes;
} dc_plan_partition;

/** What a read would touch (free with dc_read_plan_free). */
typedef struct dc_read_plan {
    char *table_id;
    int64_t table_version;
    int64_t catalog_version;
    dc_schema *schema;   /**< of the rows (the projection), NULL for no schema */
    dc_plan_file *files; /**< this page of the matching files, in read order */
    int64_t n_files;
    int64_t total_files;           /**< files the read would open (all pages) */
    int64_t pruned_files;          /**< files the filter's statistics excluded */
    int64_t total_rows;            /**< record count of the files it would open */
    dc_plan_partition *partitions; /**< every partition with matching files, by key */
    int64_t n_partitions;
} dc_read_plan;

/**
 * Plan a read: the files (a page of at most max_files from file_offset;
 * max_files 0: all), their sizes and the schema, without reading any data.
 */
dc_status dc_table_plan(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                        const dc_table_read_options *opts, int64_t max_files, int64_t file_offset,
                        dc_read_plan **out, dc_error *err);
/** The plan as JSON text (caller frees with dc_free). */
char *dc_read_plan_to_json(const dc_read_plan *p);
void dc_read_plan_free(dc_read_plan *p);

#ifdef __cplusplus
}
#endif
#endif
