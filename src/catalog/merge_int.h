/*
 * merge_int.h: merge keys (catalog layer, internal): the key map and the
 * merge-on-read reader.
 *
 * A table with merge keys holds base files (rows unique by key: written by a
 * compaction, or a first write / REPLACE whose keys were unique) and, after
 * them, the "tail": deltas of upserts (MERGE; a file may carry only some
 * columns: a partial update) and deletes (key columns only). Reading merges
 * the tail into the base as it streams:
 *
 *   - The tail is loaded first (dc_merge_add, in commit order); its keys go
 *     into a hash map. Memory is the tail's rows, not the table's.
 *   - Each base batch is probed: a row whose key the tail does not touch
 *     passes as is; a touched row is folded with the key's tail records.
 *   - Keys of the tail that no base row had are emitted last (inserts), in
 *     the order they first appeared.
 *
 * The fold of one key: a delete removes every earlier record of the key (the
 * base row included). The records after the last delete are ordered by the
 * table's ordering columns if any (merge_order: ascending keeps the least
 * value, descending the greatest; else the event-time column: the latest
 * wins; a null value ranks lowest; ties keep commit order), else by commit
 * order, and applied in that order: the first makes the row (columns it does
 * not carry take their future default, else null), each later one overwrites
 * the columns it carries. So the last record wins every column it carries.
 */
#ifndef DC_MERGE_INT_H
#define DC_MERGE_INT_H

#include "columnar/columnar_int.h"
#include "compute/predicate_int.h"

/* ---- the key map ---- */

/* Distinct keys (rows of 1..n key columns), each with an id 0, 1, 2 ... in order of arrival. */
typedef struct dc_keymap dc_keymap;

dc_status dc_keymap_new(dc_keymap **out, int32_t n_key_columns, dc_error *err);
void dc_keymap_free(dc_keymap *m);
/* Add n rows of key columns `keys` (kept referenced); ids[i] gets each row's key id (an
 * existing one for a key seen before). `ids` may be NULL. *dup (may be NULL) is set true
 * when a row's key was already in the map. */
dc_status dc_keymap_add(dc_keymap *m, dc_array *const *keys, int64_t n, int64_t *ids, bool *dup,
                        dc_error *err);
/* Look n rows up: ids[i] = the key's id, or -1. `hashes` may be NULL (computed). */
dc_status dc_keymap_probe(const dc_keymap *m, dc_array *const *keys, int64_t n, int64_t *ids,
                          dc_error *err);
int64_t dc_keymap_size(const dc_keymap *m);

/* ---- the end of every table read ---- */

/* Filter `b` by `pred` (may be NULL), keep the columns of `out_schema` (by name), then
 * skip *skip rows and give at most *left (-1: no limit), counting both down. Takes `b`;
 * *out is NULL when none of its rows remain. */
dc_status dc_rows_finish(dc_batch *b, const dc_pred *pred, const dc_schema *out_schema,
                         int64_t *skip, int64_t *left, dc_batch **out, dc_error *err);

/* ---- the merge ---- */

typedef struct dc_merge_spec {
    const dc_schema *schema; /* every column the merge handles (keys and ordering included) */
    const int32_t *keys;     /* merge-key columns (indexes into schema) */
    int32_t n_keys;
    const int32_t *order;      /* ordering columns, most significant first */
    const bool *keep_greatest; /* per ordering column: the greatest value wins (else the least) */
    int32_t n_order;
    /* per column: a 1-row array of what a new row lacking it holds (NULL: null) */
    dc_array *const *defaults;
} dc_merge_spec;

typedef struct dc_merge dc_merge;

dc_status dc_merge_new(dc_merge **out, const dc_merge_spec *spec, dc_error *err);
void dc_merge_free(dc_merge *m);
/* Tail rows in commit order: a batch of spec->schema; carried[c]: the file holds column c
 * (a delete's batch needs only the keys). */
dc_status dc_merge_add(dc_merge *m, const dc_batch *b, const bool *carried, bool is_delete,
                       dc_error *err);
int64_t dc_merge_tail_rows(const dc_merge *m);

typedef struct dc_merge_read {
    const dc_pred *pred;         /* applied to the merged rows (may be NULL); borrowed */
    const dc_schema *out_schema; /* the columns given (a subset of spec->schema, by name) */
    int64_t offset, limit;       /* limit < 0: none */
    int64_t batch_rows;
    void *hold; /* freed with hold_free when the reader is */
    void (*hold_free)(void *);
} dc_merge_read;

/* The merged rows: `base` (batches of spec->schema, unique keys; may be NULL) with the tail
 * folded in. Takes `m` and `base` (also on failure). */
dc_status dc_merge_reader_open(dc_reader **out, dc_merge *m, dc_reader *base,
                               const dc_merge_read *o, dc_error *err);

#endif
