/*
 * partition_int.h: partition specs and transforms (Iceberg semantics).
 *
 * A partitioned table declares, at creation, an ordered list of partition
 * fields: a source column, a transform and a name. Writes split rows by the
 * transformed values (dc_part_split); every data file belongs to one partition,
 * named by a key string; reads skip partitions a predicate cannot match
 * (dc_part_may_contain).
 *
 * Transforms (https://iceberg.apache.org/spec/#partition-transforms); every
 * transform maps null to null:
 *   identity     bool, ints, uints, decimal, date32/64, time, timestamp, utf8:
 *                the value itself (floats and binary are refused: their
 *                values make unstable or unreadable keys)
 *   year, month, day (date32/64, timestamp) and hour (timestamp only):
 *                whole years / months / days / hours since 1970-01-01 UTC,
 *                int32, floor division (1969-12-31 is day -1). Timestamps of
 *                any unit; a zoned timestamp is an instant, so computed in UTC;
 *                a naive one is taken as UTC too. DC_EINVALID when the result
 *                leaves int32 (hour of timestamp[s] 1e15).
 *   bucket(N)    ints, uints, decimal, dates, times, timestamps, utf8, binary:
 *                (murmur3_x86_32(bytes, seed 0) & INT32_MAX) % N, int32. The
 *                bytes are Iceberg's: every integer, date (days) and time /
 *                timestamp (microseconds, ns floored) as the 8-byte
 *                little-endian long; decimals as the minimal big-endian two's
 *                complement of the unscaled value; strings their UTF-8 bytes.
 *   truncate(W)  ints: v - (((v % W) + W) % W) (floors towards -inf: -1 -> -W);
 *                decimal128: the same on the unscaled value; utf8: the first W
 *                code points. The source type; DC_EINVALID when the result does
 *                not fit it (int8 -128 with W = 10 gives -130).
 *
 * Partition values as JSON (one object per partition, member per field name):
 * int32 results and integers are JSON integers (uint64 above INT64_MAX a
 * string of digits), bool true/false, strings, decimals, dates, times and
 * timestamps strings in the library's text form ("12.50", "2024-01-02",
 * "2024-01-02 03:04:05Z"), null a JSON null.
 *
 * Partition key strings: "name=value/name=value" in spec order, "" for an
 * unpartitioned spec. Values are shown as people read them: year "2024",
 * month "2024-03", day "2024-03-18", hour "2024-03-18-05", bucket "7", integers
 * and bool as written, strings and the other text forms as text; null is
 * "__null__". Names and values are percent-encoded (%XX, upper-case hex) except
 * ASCII letters, digits, '-', '_', '.' and UTF-8 above U+009F; a '.' is
 * encoded when it starts or ends the value or precedes another '.', so a key
 * never holds "..", "/" (but as the separator), '=' (but after the name),
 * control characters, ':' or spaces. A string that would read as another kind
 * of value ("12", "true", "__null__") has its first byte encoded ("%312"). Each
 * partition has exactly one key (decoding re-encodes and compares).
 */
#ifndef DC_PARTITION_INT_H
#define DC_PARTITION_INT_H

#include "columnar/columnar_int.h"
#include "core/json_int.h"

typedef enum dc_transform {
    DC_TR_IDENTITY,
    DC_TR_YEAR,
    DC_TR_MONTH,
    DC_TR_DAY,
    DC_TR_HOUR,
    DC_TR_BUCKET,
    DC_TR_TRUNCATE
} dc_transform;

/* One partition field. `param`: N of bucket, W of truncate (1..INT32_MAX), else 0.
 * `column` and `name` are owned (dc_malloc'd) by the spec. */
typedef struct dc_part_field {
    char *column;
    dc_transform transform;
    int32_t param;
    char *name;
} dc_part_field;

/* An ordered list of partition fields; n == 0 is an unpartitioned table. */
typedef struct dc_part_spec {
    dc_part_field *fields;
    int32_t n;
} dc_part_spec;

/* "identity", "year", ... (NULL for a value outside the enum). */
const char *dc_transform_name(dc_transform t);

/*
 * Parse the JSON form: an array of objects
 *   [{"column": "ts", "transform": "day", "name": "ts_day"},
 *    {"column": "id", "transform": "bucket", "param": 16}]
 * "transform" defaults to identity and also takes Iceberg's "bucket[16]" /
 * "truncate[4]"; "name" defaults to column_transform ("ts_day", "id_bucket",
 * "name_truncate"; identity: the column). Unknown members, a missing or empty
 * column, a param missing, out of 1..2^31-1 or given to a transform without
 * one, and duplicate names are DC_EINVALID naming the field (1-based).
 * On success *out owns the fields (dc_part_spec_clear); on failure *out is
 * left empty ({NULL, 0}).
 */
dc_status dc_part_spec_from_json(dc_part_spec *out, const json_t *j, dc_error *err);

/*
 * Parse the text form used by the CLI: comma-separated items, each a column
 * (identity) or transform(column) / bucket(N, column) / truncate(W, column),
 * optionally followed by "AS name". Transform names are case-insensitive, the
 * plurals years/months/days/hours are accepted. Columns and names are bare
 * ([A-Za-z_][A-Za-z0-9_]*, UTF-8 letters too) or double-quoted ("a b", ""
 * for a quote). Blank text is the unpartitioned spec. Errors are DC_EINVALID
 * with the byte offset and what was expected; *out as for _from_json.
 */
dc_status dc_part_spec_parse(dc_part_spec *out, const char *text, dc_error *err);

/* The JSON form ([{"column", "transform", "param" (bucket/truncate), "name"}]),
 * a new reference; NULL on ENOMEM. */
json_t *dc_part_spec_to_json(const dc_part_spec *s);

/* Deep copy; *out empty on failure (DC_ENOMEM). */
dc_status dc_part_spec_copy(dc_part_spec *out, const dc_part_spec *s, dc_error *err);

/* Free the fields; `s` is left empty. NULL-safe. */
void dc_part_spec_clear(dc_part_spec *s);

/*
 * Check the spec against the table schema: every column exists (DC_ESCHEMA),
 * every transform fits its column's type (DC_ESCHEMA: `bucket needs an
 * integer, ... column "x" is double`; dictionary columns are judged by their
 * value type), params are in range, names are non-empty and unique, a name
 * equals a table column only for identity of that column, and no two fields
 * repeat one transform of one column (DC_EINVALID). err->column names the
 * column at fault.
 */
dc_status dc_part_spec_bind(const dc_part_spec *s, const dc_schema *schema, dc_error *err);

/*
 * The partition values of every row of `b`: *out is a dc_malloc'd list of
 * s->n arrays (one reference each; free with dc_part_values_free), of b->length
 * rows: int32 for year/month/day/hour/bucket, the source type for identity
 * and truncate (a dictionary column's value type). The spec is bound against
 * b->schema first (its errors as dc_part_spec_bind). n == 0 gives *out NULL.
 */
dc_status dc_part_values(dc_array ***out, const dc_part_spec *s, const dc_batch *b, dc_error *err);
void dc_part_values_free(dc_array **values, int32_t n);

/* One partition of a batch: its key string, its values as a JSON object and its
 * rows (a batch of the input's schema, rows in their original order). Owned. */
typedef struct dc_part_group {
    char *key;
    json_t *values;
    dc_batch *rows;
} dc_part_group;

/*
 * Split `b` by partition in O(n) expected time (hashing the partition values).
 * Groups come in the order of their first row. An unpartitioned spec gives one
 * group with key "" and values {} holding all rows; an empty batch gives no
 * group (*out NULL, *n_parts 0). Errors: those of dc_part_values, DC_EINVALID
 * for a string value that is not valid UTF-8, DC_ENOMEM. On failure *out is
 * NULL and *n_parts 0. Free with dc_part_groups_free.
 */
dc_status dc_part_split(dc_part_group **out, int64_t *n_parts, const dc_part_spec *s,
                        const dc_batch *b, dc_error *err);
void dc_part_groups_free(dc_part_group *g, int64_t n);

/* The key string of a partition from its values JSON (as dc_part_split makes
 * it): *out dc_malloc'd. DC_EINVALID when a member is missing or of the wrong
 * JSON kind for its field. */
dc_status dc_part_key_encode(char **out, const dc_part_spec *s, const json_t *values,
                             dc_error *err);

/*
 * Parse a key string back into the values JSON (a new object). DC_EINVALID
 * when the key is malformed: wrong number of segments, a segment without '=',
 * a name other than the spec's field at that position, a bad %XX escape, a
 * value that is not one of its transform (month 13, bucket >= N), a string
 * that is not UTF-8, or a key that is not in the one canonical encoding.
 */
dc_status dc_part_key_decode(json_t **values, const dc_part_spec *s, const char *key,
                             dc_error *err);

/*
 * Pruning: may a partition whose values are `values` hold a row of `column`
 * within [lo, hi]? lo and hi are 1-value arrays of the column's type (either
 * may be NULL for unbounded; a null value counts as unbounded), lo_incl and
 * hi_incl say whether the bounds are inclusive. Every field of the spec over
 * `column` is consulted: identity compares values; year/month/day/hour and
 * truncate map the bounds through the (monotonic) transform, exclusive integer
 * and temporal bounds first moved one unit inwards; bucket prunes only an
 * equality (lo == hi, both inclusive) by the bucket of lo. A partition whose
 * value is null holds only nulls in that column, which no bound matches.
 * Returns true whenever unsure (no field over the column, a value missing or
 * not convertible, a bound of an unexpected type). Never fails, never allocates
 * beyond temporaries.
 */
bool dc_part_may_contain(const dc_part_spec *s, const json_t *values, const char *column,
                         const dc_array *lo, const dc_array *hi, bool lo_incl, bool hi_incl);

/*
 * Merge-key buckets (docs/FORMAT.md 4.3: a compaction files each merged row by the bucket
 * of its key). For each of n rows of the key columns cols[0..n_cols): h = 0, then for each
 * column in order h = 31 * h + hash(value) in wrapping 32-bit arithmetic, where hash is
 * Iceberg's bucket hash (dc_part__hash_value; booleans and durations as the long value, a
 * dictionary's values by value, a time whose microseconds overflow int64 by its value,
 * null 0); out[i] = (h & INT32_MAX) % buckets. A key of one
 * column lands where Iceberg's bucket(buckets) puts it. DC_ESCHEMA for a column of a type
 * without that hash (floating point, nested), DC_EINVALID for buckets < 1.
 */
dc_status dc_part_key_buckets(int32_t *out, dc_array *const *cols, int32_t n_cols, int64_t n,
                              int32_t buckets, dc_error *err);
/* Does dc_part_key_buckets hash values of type t? */
bool dc_part_key_type_hashes(const dc_type *t);

/* ---- exposed for tests --------------------------------------------------------- */

/* MurmurHash3 x86 32-bit of n bytes. */
uint32_t dc_part__murmur3_32(const void *data, size_t n, uint32_t seed);
/* Iceberg's 32-bit hash of element i of `a` (not null; a type bucket accepts):
 * DC_ESCHEMA for another type, DC_EINVALID for a timestamp whose microseconds
 * overflow int64. */
dc_status dc_part__hash_value(int32_t *out, const dc_array *a, int64_t i, dc_error *err);

#endif
