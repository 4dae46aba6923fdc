/*
 * predicate_int.h: filter predicates: a JSON AST parsed, bound to a schema,
 * evaluated on record batches into a selection mask, and checked against
 * column statistics to prune files, row groups and partitions.
 *
 * The language (users send it over HTTP: every input is hostile):
 *   {"eq": ["col", LIT]}   also neq, gt, gte, lt, lte   (column first, literal second)
 *   {"in": ["col", [LIT, ...]]}                         (an empty list matches nothing)
 *   {"between": ["col", LO, HI]}                        (inclusive both ends)
 *   {"is_null": ["col"]}  or  {"is_null": "col"}
 *   {"and": [P, ...]}, {"or": [P, ...]}                 (one or more operands)
 *   {"not": P}                                          ({"not": [P]} is accepted too)
 * Each node is an object with exactly one key. A literal (LIT) is a JSON
 * number, string or bool; null is rejected (use is_null). Limits: nesting
 * depth <= DC_PRED_MAX_DEPTH, <= DC_PRED_MAX_NODES nodes, `in` lists <=
 * DC_PRED_MAX_IN values, column names <= DC_PRED_MAX_NAME bytes.
 *
 * Column names: a name matching a top-level field is that field; otherwise a
 * dotted name ("a.b.c") walks struct children (a top-level "a" of struct type
 * with a child "b.c", or "a" -> "b" -> "c"; a field whose name holds the dot
 * wins over a split). A row whose enclosing struct is null has a null value.
 *
 * Literals and types (dc_pred_bind):
 *  - integer columns (and the raw values of date/time/timestamp/duration
 *    columns) take JSON integers, JSON reals and numeric strings (a value
 *    beyond int64, such as a large uint64, must be a string); floating
 *    columns take numbers and numeric strings ("nan", "inf" included);
 *    decimal columns take numbers and decimal strings ("12.50"); bool columns
 *    take bools and "true"/"false"; string and binary columns take strings;
 *    temporal columns take ISO-8601 strings ("2024-03-01T00:00:00") or an
 *    integer count of the column's unit (days for date32).
 *  - Comparisons are exact on values: a literal the column type cannot hold
 *    is replaced by its neighbour in the type with the operator adjusted
 *    (x > 2.5 on int64 is x >= 3; x = 2.5 is false for every non-null x;
 *    x < 300 on int8 is true for every non-null x; "2024-03-01T12:00" on a
 *    date32 column compares by instant).
 *  - Floating point follows IEEE 754: a comparison with NaN (a NaN value or a
 *    NaN literal) is false, except `neq`, which is true; -0.0 equals 0.0. So
 *    NaN matches no eq / lt / gt / in / between, and {"not": {"eq": ...}}
 *    keeps NaN rows. Nulls follow SQL: a comparison with a null is unknown;
 *    NOT unknown is unknown; AND/OR are Kleene's; a row whose predicate is
 *    unknown is dropped.
 *
 * Threads: a dc_pred is immutable between dc_pred_bind calls; eval,
 * may_match and the accessors may run on many threads at once.
 */
#ifndef DC_COMPUTE_PREDICATE_INT_H
#define DC_COMPUTE_PREDICATE_INT_H

#include "columnar/columnar_int.h"
#include "core/json_int.h"

#define DC_PRED_MAX_DEPTH 64
#define DC_PRED_MAX_NODES 10000
#define DC_PRED_MAX_IN    100000
#define DC_PRED_MAX_NAME  4096

typedef struct dc_pred dc_pred;

/*
 * Parse (JSON text, or a jansson value). Errors DC_EINVALID naming the
 * operator and its position as a path ("$.and[1].not.gt"). `len` < 0 means
 * `text` is NUL-terminated. The caller's JSON value is not kept (literals are
 * copied). *out is NULL on failure.
 */
dc_status dc_pred_parse(dc_pred **out, const char *text, int64_t len, dc_error *err);
/*
 * The readable form ("age > 3 and city = 'Paris'", predicate_text.c) as the
 * JSON tree above; DC_EINVALID naming what was expected and the byte.
 * dc_pred_parse_any takes either form (text starting with '{' is JSON).
 */
dc_status dc_pred_text_to_json(json_t **out, const char *text, int64_t len, dc_error *err);
dc_status dc_pred_parse_any(dc_pred **out, const char *text, int64_t len, dc_error *err);
dc_status dc_pred_from_json(dc_pred **out, const json_t *j, dc_error *err);
void dc_pred_free(dc_pred *p);             /* NULL-safe */
json_t *dc_pred_to_json(const dc_pred *p); /* canonical form; NULL on ENOMEM */

/*
 * Bind to a schema: every column must exist (DC_ENOTFOUND "no column \"x\" ..."),
 * every literal must convert to the column's type (DC_EINVALID "... \"abc\" is
 * not a int64 ..."). Comparing a string column with a number is an error; an
 * int column with a float literal is allowed and exact (see the top). A
 * bound predicate can be bound again to another schema (re-binding
 * replaces); on failure the previous binding is kept unchanged. `err->column`
 * names the column at fault.
 */
dc_status dc_pred_bind(dc_pred *p, const dc_schema *s, dc_error *err);
bool dc_pred_is_bound(const dc_pred *p);

/* The distinct column names referenced, in first-seen order (borrowed, valid while p lives). */
int32_t dc_pred_n_columns(const dc_pred *p);
const char *dc_pred_column(const dc_pred *p, int32_t i);

/*
 * Evaluate on a batch whose schema has the bound columns (looked up by name in
 * b->schema, so a batch with more or reordered columns works): *mask is a
 * non-null bool array of b->length, true = the row matches (three-valued
 * logic, unknown dropped; NaN as IEEE: see the top). Errors: DC_EINVALID (not
 * bound), DC_ENOTFOUND (the batch lacks a column), DC_ESCHEMA (a column's
 * type differs from the type bound: bind again), DC_ECORRUPT (a dictionary
 * index out of range), DC_ENOMEM. *mask is NULL on failure.
 */
dc_status dc_pred_eval(const dc_pred *p, const dc_batch *b, dc_array **mask, dc_error *err);

/* Statistics pruning. `stats` is asked for a column's stats over a set of rows (a file, a
 * row group, a partition) and fills `out` (return false when none are known). */
typedef struct dc_col_stats {
    const dc_array *min, *max; /* 1 value each of the column's type, or NULL when unknown */
    bool min_exact, max_exact; /* false: a bound, not a value (truncated strings) */
    int64_t null_count;        /* -1 unknown */
    int64_t row_count;         /* -1 unknown */
} dc_col_stats;
typedef bool (*dc_stats_fn)(void *user, const char *column, dc_col_stats *out);

/*
 * False only when NO row of the set can match (prune it); true when some may.
 * Never answers false wrongly: unknown stats => true; an unbound predicate =>
 * true. Each node is judged by two answers, "may some row be true" and "may
 * some row be false" (unknown is neither), combined through NOT (swap),
 * AND and OR; the set can match when the root may be true. min / max of a
 * comparable type (ints with ints, floats with floats, decimals, instants of
 * any unit, strings/binary) are used; other stat types, a null or NaN bound,
 * count as unknown. "All values equal v" (what prunes not(x = v)) is only
 * concluded from exact bounds. On floating columns a NaN may hide outside
 * min/max, so a comparison there may always be false (and neq true).
 * `stats` is called once per column reference and may be called with the
 * same column several times.
 */
bool dc_pred_may_match(const dc_pred *p, dc_stats_fn stats, void *user);

#endif
