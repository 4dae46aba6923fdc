/*
 * tschema_int.h: the rules of a table's schema (catalog layer, internal).
 *
 * A table's schema is a dc_schema whose fields carry deltacat attributes in
 * their Arrow field metadata, so they survive the Arrow C interface and the
 * schema JSON (src/columnar/schema_json.c). The keys are the DC_TFIELD_*
 * macros below. Field ids are decimal integers in 1..2^31-1 (they become
 * Parquet field ids), unique within a table, assigned here and never reused:
 * the caller keeps the table's next free id (`*next_id`) beside the schema
 * and passes it to every function that may add a field.
 *
 * Struct children get ids too (their metadata survives the Arrow C interface;
 * note that the schema JSON writes nested types by name and so drops them).
 *
 * Every function leaves its inputs untouched and, on failure, returns NULL
 * through `out` and leaves `*next_id` as it was.
 */
#ifndef DC_TSCHEMA_INT_H
#define DC_TSCHEMA_INT_H

#include <deltacat/table.h>

#include "columnar/columnar_int.h"

#define DC_TFIELD_ID             "deltacat.field_id"       /* decimal integer, unique per table */
#define DC_TFIELD_MERGE_KEY      "deltacat.merge_key"      /* "true" | "false" */
#define DC_TFIELD_MERGE_ORDER    "deltacat.merge_order"    /* "ascending" | "descending" */
#define DC_TFIELD_EVENT_TIME     "deltacat.event_time"     /* "true" | "false" */
#define DC_TFIELD_PAST_DEFAULT   "deltacat.past_default"   /* JSON literal: old files' rows */
#define DC_TFIELD_FUTURE_DEFAULT "deltacat.future_default" /* JSON literal: writes lacking it */
#define DC_TFIELD_DOC            "deltacat.doc"            /* free text */
/* The field id Parquet files carry (read as a fallback by dc_tschema_conform_read). */
#define DC_PARQUET_FIELD_ID "PARQUET:field_id"

/* Same values, in the same order, as the public dc_schema_evolution / dc_schema_consistency. */
typedef enum dc_evolution { DC_EVOLVE_AUTO, DC_EVOLVE_MANUAL, DC_EVOLVE_DISABLED } dc_evolution;
typedef enum dc_consistency {
    DC_CONSIST_NONE,
    DC_CONSIST_COERCE,
    DC_CONSIST_VALIDATE
} dc_consistency;

/* ---- attributes of one field ---------------------------------------------------- */

/* The field's id, or -1 when absent or not a valid id. */
int64_t dc_tfield_id(const dc_field *f);
/* True when the attribute is exactly "true". */
bool dc_tfield_is_merge_key(const dc_field *f);
bool dc_tfield_is_event_time(const dc_field *f);
/* The default's JSON text, or NULL; valid as long as `f`. */
const char *dc_tfield_past_default(const dc_field *f);
const char *dc_tfield_future_default(const dc_field *f);

/*
 * A 1-value array of f's type holding the JSON literal `json_text` ("null":
 * a null; strings are parsed as the type's text form, "2024-01-02" for a
 * date; arrays and objects are nested values). DC_EINVALID naming the field
 * when the text is not JSON or does not convert to the type.
 */
dc_status dc_tfield_default_value(const dc_field *f, const char *json_text, dc_array **out,
                                  dc_error *err);

/* ---- creating and evolving ------------------------------------------------------- */

/*
 * Validate the schema given at table creation and return a copy with a field
 * id on every field (struct children included): ids already present are
 * kept (a repeated id is kept by its first holder only); the others get the
 * smallest free ids in order (1..n when none is given). *next_id receives
 * the next free id. DC_EINVALID naming the field for: an empty or repeated
 * name, a merge key that is nullable or of a type that cannot be a key
 * (floating point, nested, null), a default that does not convert to its
 * field's type, attribute text that is not what its key allows (an id that
 * is not a positive integer, "yes" for a flag, merge_order on a merge key
 * (it ranks the rows of one key: it belongs on another column), an event-time column that is not a date, timestamp or integer, or
 * more than one event-time column).
 */
dc_status dc_tschema_prepare(dc_schema **out, const dc_schema *in, int64_t *next_id, dc_error *err);

/*
 * A copy of `in` with the `n` named top-level columns marked as merge keys
 * (DC_TFIELD_MERGE_KEY "true", not nullable): table creation's merge_keys
 * option. DC_EINVALID naming the column when one is missing or repeated.
 */
dc_status dc_tschema_with_merge_keys(dc_schema **out, const dc_schema *in, const char *const *keys,
                                     int32_t n, dc_error *err);

/*
 * The table's schema after a write of batches of schema `in` into a table of
 * schema `table` (NULL: the table has none yet, the result is `in`
 * prepared). *changed tells whether it differs from `table` (when it does
 * not, *out is a new reference to `table`). Rules:
 *  - a column of `in` the table lacks: AUTO adds it at the end (nullable, a
 *    new field id); MANUAL and DISABLED: DC_ESCHEMA.
 *  - a column of both with different types: NONE accepts a type of `in` that
 *    widens to the table's; AUTO widens the table's type to `in`'s when that
 *    is the widening; else DC_ESCHEMA naming the column and both types.
 *    COERCE accepts any pair dc_cast supports (values are checked by
 *    dc_tschema_conform_write). VALIDATE requires equal types.
 *  - a table column `in` lacks: needs a future_default or to be nullable,
 *    else DC_ESCHEMA.
 *  - a nullable column of `in` into a non-nullable table column is fine here
 *    (values are checked by dc_tschema_conform_write).
 * `in` with two columns of one name is DC_ESCHEMA. *next_id (in/out) is the
 * table's next free id; it only grows.
 */
dc_status dc_tschema_evolve_for_write(dc_schema **out, bool *changed, const dc_schema *table,
                                      const dc_schema *in, dc_evolution ev, dc_consistency cons,
                                      int64_t *next_id, dc_error *err);

/*
 * `b` made to fit the table schema for writing: columns in table order
 * (matched by name), a missing one filled with its future_default or nulls,
 * types cast as `cons` allows (NONE, COERCE: a safe dc_cast, a lossy value is
 * DC_ESCHEMA naming the column and row; VALIDATE: no cast, a different type
 * is DC_ESCHEMA). A null in a non-nullable column, a missing required column
 * and a column the table lacks are DC_ESCHEMA naming the column (and row).
 * The result's schema is `table`.
 */
dc_status dc_tschema_conform_write(dc_batch **out, const dc_batch *b, const dc_schema *table,
                                   dc_consistency cons, dc_error *err);

/*
 * A batch read from a file written under an older schema, seen through the
 * (possibly projected) table schema `table`. A table column is matched to
 * the file column with the same field id (the file field's DC_TFIELD_ID,
 * else DC_PARQUET_FIELD_ID), so renamed columns read right; a table column
 * without an id, or when no file column has that id, matches a file column
 * of the same name that carries no id. A table column missing from the file
 * shows its past_default, else nulls (DC_ESCHEMA when the column is not
 * nullable and has no past_default); file types are cast (safely) to the
 * table's; file columns outside `table` are dropped. The result's schema is
 * `table`.
 */
dc_status dc_tschema_conform_read(dc_batch **out, const dc_batch *file_batch,
                                  const dc_schema *table, dc_error *err);

/* ---- explicit schema updates ------------------------------------------------------ */

/* dc_schema_update and its kinds are public: include/deltacat/table.h. */

/*
 * Apply `n` updates in order (each sees the result of the previous ones).
 *  - ADD appends a field with id *next_id++ (struct children get ids too);
 *    `text`, when given, becomes both its future_default and its
 *    past_default (rows written before it existed show it, as Iceberg's
 *    initial-default); its name must be free (DC_EEXISTS).
 *  - RENAME keeps the field id; the new name must be free (DC_EEXISTS).
 *  - WIDEN to a type the old one widens to; defaults must still convert.
 *  - SET_DOC / SET_*_DEFAULT set or (text NULL) remove the attribute.
 *  - SET_NULLABLE true; SET_MERGE_KEY false also removes the merge order.
 * Incompatible changes (DROP, SET_MERGE_KEY, a WIDEN that is not a widening,
 * SET_NULLABLE false, ADD of a non-nullable field without a default) are
 * DC_ESCHEMA naming the update and saying how to allow it, unless
 * `allow_incompatible`. Even then every field must pass the rules of
 * dc_tschema_prepare (a merge key non-nullable and of a key type, defaults
 * that convert): DC_EINVALID otherwise. An unknown column is DC_ENOTFOUND, a
 * missing argument DC_EINVALID; every message names the update by position
 * (0-based), kind and column.
 */
dc_status dc_tschema_apply_updates(dc_schema **out, const dc_schema *table,
                                   const dc_schema_update *u, int32_t n, bool allow_incompatible,
                                   int64_t *next_id, dc_error *err);

/* ---- readers -------------------------------------------------------------------- */

/*
 * Check that every reader a table declares can read every column type
 * (nested types included). Reader names: "pyarrow", "pandas", "polars",
 * "daft", "numpy", "duckdb", "ray_dataset". DC_ESCHEMA naming the column, its
 * type and the reader; DC_EINVALID for an unknown reader name.
 */
dc_status dc_tschema_check_readers(const dc_schema *s, const char *const *readers, int32_t n,
                                   dc_error *err);

#endif
