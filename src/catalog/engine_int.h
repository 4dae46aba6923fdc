/*
 * engine_int.h: what the table API's files share (table.c: namespaces and
 * tables; write.c: writes; read.c: reads and plans).
 *
 * The state of a table (docs/FORMAT.md 4.1, 4.2): the table object holds
 * "name", "namespace_id", "properties" (the user's, plus "description") and
 * "current_version"; its current table version holds "schema" (the JSON of
 * dc_schema_to_json plus "schema_id"), "properties" (TV_* below) and
 * "partitions" {key: {"deltas": [{"position", "type", "files": [...]}]}}.
 */
#ifndef DC_ENGINE_INT_H
#define DC_ENGINE_INT_H

#include <deltacat/table.h>

#include "catalog/catalog_int.h"
#include "columnar/columnar_int.h"

/* Keys of a table version's "properties". */
#define TV_EVOLUTION         "schema_evolution"   /* "auto" | "manual" | "disabled" */
#define TV_CONSISTENCY       "schema_consistency" /* "none" | "coerce" | "validate" */
#define TV_CONTENT_TYPE      "content_type"       /* "parquet" | "csv" | "jsonl" */
#define TV_NEXT_FIELD_ID     "next_field_id"      /* integer */
#define TV_READERS           "readers"            /* array of reader names */
#define TV_SCHEMALESS        "schemaless"         /* true: files registered as they are */
#define DC_DEFAULT_NAMESPACE "default"

/* Return the status of `expr` when it is not DC_OK. */
#define DC_RET(expr)                                                                               \
    do {                                                                                           \
        dc_status rc_ = (expr);                                                                    \
        if (rc_ != DC_OK)                                                                          \
            return rc_;                                                                            \
    } while (0)

/* A transaction for one call: the caller's, or one of our own committed at the end. */
typedef struct dc_scope {
    dc_catalog *c;
    dc_txn *txn;
    bool own;
    bool quiet;         /* reads are not noted for conflict checks (a compaction's) */
    const json_t *skip; /* files reads leave out ({path: true}; a compaction's kept buckets) */
} dc_scope;

dc_status dc_scope_begin(dc_scope *s, dc_catalog *c, dc_txn *txn, dc_error *err);
/* Commit our own transaction when rc is DC_OK (else abort it); returns the final status.
 * *version (may be NULL) gets the commit's version (0 in a caller's transaction). */
dc_status dc_scope_end(dc_scope *s, dc_status rc, const char *message, int64_t *version,
                       dc_error *err);
/* End without committing (reads). */
void dc_scope_drop(dc_scope *s);

static inline const json_t *dc_scope_state(const dc_scope *s)
{
    return dc_stxn_state(s->txn->st);
}

/* Add one operation (a JSON object we built: stolen, also on failure). */
dc_status dc_scope_add_op(dc_scope *s, json_t *op, dc_error *err);

/* The id of namespace `name` (NULL: "default"); DC_ENOTFOUND naming it. */
dc_status dc_ns_resolve(const dc_scope *s, const char *name, const char **id, dc_error *err);
/* The table `name` of namespace `ns`: its id and object; DC_ENOTFOUND naming both. */
dc_status dc_table_resolve(const dc_scope *s, const char *ns, const char *name,
                           const char **table_id, const json_t **table, dc_error *err);
/* The current table version object of a table (NULL when it has none) and its number. */
const json_t *dc_table_current(const json_t *table, int64_t *number);
/* The schema of a table version (NULL: none yet); DC_ECORRUPT when it does not parse. */
dc_status dc_tv_schema(const json_t *tv, dc_schema **out, dc_error *err);
dc_schema_evolution dc_tv_evolution(const json_t *tv);
dc_schema_consistency dc_tv_consistency(const json_t *tv);
dc_file_format dc_tv_content_type(const json_t *tv);
bool dc_tv_schemaless(const json_t *tv);

/* Operations shared by several calls. */
dc_status dc_ns_create_op(dc_scope *s, const char *name, const dc_metadata *props, dc_error *err);
/* create_table + create_table_version 1 (schema may be NULL); *table_id (may be NULL) borrowed. */
dc_status dc_table_create_ops(dc_scope *s, const char *nsid, const char *name,
                              const dc_table_options *o, const dc_schema *schema,
                              const char **table_id, dc_error *err);
/* update_table_version setting `schema` (schema_id + 1) and next_field_id. */
dc_status dc_tv_set_schema_op(dc_scope *s, const char *table_id, int64_t vn, const json_t *tv,
                              const dc_schema *schema, int64_t next_id, dc_error *err);
/* create_table_version `number` from the options (the schema prepared: field ids). */
dc_status dc_table_version_ops(dc_scope *s, const char *table_id, int64_t number,
                               const dc_table_options *o, const dc_schema *schema, dc_error *err);
/* remove_files (exclusive) of every live file of table version `want` (0: current). */
dc_status dc_table_remove_all_ops(dc_scope *s, const char *table_id, int64_t want, dc_error *err);
/* Table version `want` of a table object (0: the current one), NULL when it has none. */
const json_t *dc_table_version_obj(const json_t *table, int64_t want, int64_t *number);

/* File statistics as stored in a file entry's "stats": {"col": {"min", "max", "null_count"}}. */
json_t *dc_stat_value_to_json(const dc_array *one);
/* A 1-value array of type t from a stored statistic; DC_EINVALID when it does not convert. */
dc_status dc_stat_value_from_json(dc_array **out, const json_t *v, const dc_type *t, dc_error *err);

/* The "stats" of a Parquet file: every row group's bounds of the columns of `schema`
 * (the table's: names, types, field ids) merged, into `stats`. */
dc_status dc_parquet_file_stats(dc_fs *fs, const char *path, const dc_schema *schema, json_t *stats,
                                dc_error *err);

/* Reads: what a table reader did (tests). false when r is not a table reader. */
/* dc_table_read without noting the read for conflict checks: a compaction folds
 * what it reads, and what commits meanwhile stays after its delta. The files of `skip`
 * ({path: true}, may be NULL) are left out of the read. */
dc_status dc_table_read_quiet(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                              const dc_table_read_options *opts, const json_t *skip,
                              dc_reader **out, dc_error *err);
/*
 * For a compaction of table version `vn` of a table with merge keys that rewrites only
 * the merge-key buckets its outstanding deltas touch (FORMAT.md 4.3): when every base
 * file is keyed into buckets, all of one count, and some delta is outstanding, *buckets
 * is that count and *keep a new object {path: true} of the base files of the buckets no
 * outstanding delta's key falls in (reading the deltas' key columns); else *buckets is 0
 * and *keep NULL. Reads are not noted for conflict checks.
 */
dc_status dc_table_untouched_buckets(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                     int64_t vn, int32_t *buckets, json_t **keep, dc_error *err);
bool dc_table_reader_stats(const dc_reader *r, int64_t *files_opened, int64_t *row_groups_read);

struct dc_part_spec;
char *dc_part_spec_text(const struct dc_part_spec *s);

/* Check `schema` against the readers a table version declares (TV_READERS). */
dc_status dc_tv_check_readers(const json_t *tv, const dc_schema *schema, dc_error *err);

/* Enum <-> name. */
const char *dc_evolution_name(dc_schema_evolution e);
const char *dc_consistency_name(dc_schema_consistency c);

/* dc_metadata <-> a JSON object of strings. */
json_t *dc_metadata_to_json(const dc_metadata *m);
dc_status dc_metadata_from_json(dc_metadata *out, const json_t *obj, dc_error *err);

#endif
