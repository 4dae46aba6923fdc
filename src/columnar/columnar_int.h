/*
 * columnar_int.h: library-internal columnar API: array construction, value
 * access, builders, the reader vtable, value formatting and the kernels.
 *
 * Every kernel is null-aware and accepts empty inputs. Unless a comment says
 * otherwise, a kernel returns a new array (one reference) through `out` and
 * leaves its inputs untouched; on failure *out is left NULL and `err` says why.
 */
#ifndef DC_COLUMNAR_INT_H
#define DC_COLUMNAR_INT_H

#include <deltacat/columnar.h>

#include "core/core_int.h"

/* ---- type helpers ------------------------------------------------------------- */

/* Number of buffers an array of this type has in Arrow's layout (validity included). */
int32_t dc_type_n_buffers(const dc_type *t);
/* Arrow C format string of a type ("l", "tsu:UTC", "+l", ...) into `s`. */
void dc_type_format_string(const dc_type *t, dc_strbuf *s);
/* Parse an Arrow C format string (children taken from `schema`). */
dc_status dc_type_from_arrow(dc_type **out, const struct ArrowSchema *schema, dc_error *err);
/* Physical storage of temporal types: 4 or 8 bytes signed. */
static inline bool dc_type_is_fixed_width(dc_type_id id)
{
    return (id >= DC_TYPE_BOOL && id <= DC_TYPE_DURATION) || id == DC_TYPE_FIXED_SIZE_BINARY;
}
static inline bool dc_type_has_offsets32(dc_type_id id)
{
    return id == DC_TYPE_UTF8 || id == DC_TYPE_BINARY || id == DC_TYPE_LIST || id == DC_TYPE_MAP;
}
static inline bool dc_type_has_offsets64(dc_type_id id)
{
    return id == DC_TYPE_LARGE_UTF8 || id == DC_TYPE_LARGE_BINARY || id == DC_TYPE_LARGE_LIST;
}
/* Nanoseconds per unit (1, 1e3, 1e6, 1e9 for NANO..SECOND). */
int64_t dc_unit_nanos(dc_time_unit unit);
const char *dc_unit_name(dc_time_unit unit); /* "s", "ms", "us", "ns" */

/* ---- array construction -------------------------------------------------------- */

/*
 * A new array of `type` with `length` rows owning new references to the given
 * buffers (entries may be NULL) and children. `null_count` < 0 means "count it
 * from the validity bitmap". Checks only what is cheap (buffer count,
 * children count); use dc_array_validate for outside data.
 */
dc_status dc_array_make(dc_array **out, const dc_type *type, int64_t length, int64_t offset,
                        int64_t null_count, struct dc_buffer *const *buffers, int32_t n_buffers,
                        dc_array *const *children, int32_t n_children, dc_array *dictionary,
                        dc_error *err);
/* An all-null array of `type` (nested types get all-null children). */
dc_status dc_array_new_null(dc_array **out, const dc_type *type, int64_t length, dc_error *err);

/* ---- value access (no bounds checks: callers keep i < length) ------------------- */

static inline bool dc_array_valid(const dc_array *a, int64_t i)
{
    if (a->type->id == DC_TYPE_NULL)
        return false;
    return !a->data[0] || dc_bit_get(a->data[0], a->offset + i);
}
/* Signed integers, DATE*, TIME*, TIMESTAMP, DURATION, dictionary indices, BOOL (0/1). */
int64_t dc_array_get_int(const dc_array *a, int64_t i);
/* Unsigned integers (also valid for non-negative signed). */
uint64_t dc_array_get_uint(const dc_array *a, int64_t i);
/* Any numeric (ints, floats, FLOAT16 decoded); decimals converted approximately. */
double dc_array_get_double(const dc_array *a, int64_t i);
/* UTF8/BINARY (and LARGE_), FIXED_SIZE_BINARY, DECIMAL* (16/32 bytes LE): the bytes. */
const uint8_t *dc_array_get_bytes(const dc_array *a, int64_t i, int64_t *len);
/* LIST/LARGE_LIST/MAP: the child range [*start, *end) of element i. FIXED_SIZE_LIST too. */
void dc_array_get_list_range(const dc_array *a, int64_t i, int64_t *start, int64_t *end);

/* IEEE half <-> float. */
float dc_half_to_float(uint16_t h);
uint16_t dc_float_to_half(float f);

/* ---- builders ------------------------------------------------------------------ */

/*
 * A builder appends values of one type and finishes into an array. Nested
 * builders own one child builder per child field (dc_builder_child):
 *  - STRUCT: append each child's value, then dc_builder_append_valid(b) for
 *    the row; dc_builder_append_null(b) appends a null to every child itself.
 *  - LIST/LARGE_LIST/MAP: append the elements to child 0 (for MAP: append
 *    key and value to the entries struct's children, then append_valid on the
 *    entries builder), then dc_builder_append_valid(b) to close the list.
 *    append_null closes an empty null list.
 *  - FIXED_SIZE_LIST: append exactly list_size values to child 0, then
 *    append_valid; append_null appends list_size nulls to the child itself.
 *  - DICTIONARY: dc_builder_set_dictionary() once, then append_int(index) or
 *    append_null.
 * An append on the wrong kind of builder returns DC_EINVALID; a value out of
 * the type's range (int8 given 300) returns DC_EINVALID too.
 */
typedef struct dc_builder dc_builder;

dc_status dc_builder_new(dc_builder **out, const dc_type *type, dc_error *err);
void dc_builder_free(dc_builder *b);
const dc_type *dc_builder_type(const dc_builder *b);
int64_t dc_builder_length(const dc_builder *b);
dc_builder *dc_builder_child(dc_builder *b, int32_t i);
dc_status dc_builder_reserve(dc_builder *b, int64_t additional);
dc_status dc_builder_append_null(dc_builder *b);
dc_status dc_builder_append_nulls(dc_builder *b, int64_t n);
dc_status dc_builder_append_bool(dc_builder *b, bool v);
dc_status dc_builder_append_int(dc_builder *b, int64_t v);
dc_status dc_builder_append_uint(dc_builder *b, uint64_t v);
dc_status dc_builder_append_double(dc_builder *b, double v);
dc_status dc_builder_append_bytes(dc_builder *b, const void *data, int64_t n);
dc_status dc_builder_append_valid(dc_builder *b);
dc_status dc_builder_set_dictionary(dc_builder *b, const dc_array *values);
/* Append element i of `a` (same type as the builder, nested included). */
dc_status dc_builder_append_from(dc_builder *b, const dc_array *a, int64_t i);
/* Append elements [start, start+n) of `a` (same type). */
dc_status dc_builder_append_range(dc_builder *b, const dc_array *a, int64_t start, int64_t n);
/* Finish into an array; the builder is left empty and reusable. */
dc_status dc_builder_finish(dc_builder *b, dc_array **out, dc_error *err);
/* Bytes the builder holds now (for memory budgets). */
int64_t dc_builder_memory(const dc_builder *b);

/* ---- batch helpers ------------------------------------------------------------- */

/* A batch builder: one builder per field of a schema. */
typedef struct dc_batch_builder {
    dc_schema *schema;
    dc_builder **columns;
    int64_t length; /* rows appended (maintained by the caller through _commit_row) */
} dc_batch_builder;

dc_status dc_batch_builder_init(dc_batch_builder *bb, const dc_schema *schema, dc_error *err);
void dc_batch_builder_clear(dc_batch_builder *bb);
dc_status dc_batch_builder_finish(dc_batch_builder *bb, dc_batch **out, dc_error *err);
int64_t dc_batch_builder_memory(const dc_batch_builder *bb);

/* ---- readers (implementations) ------------------------------------------------- */

typedef struct dc_reader_vtable {
    /* Next batch or *out NULL at the end; see dc_reader_next. */
    dc_status (*next)(dc_reader *r, dc_batch **out, dc_error *err);
    /* Free everything the implementation owns (not the dc_reader itself). */
    void (*destroy)(dc_reader *r);
} dc_reader_vtable;

struct dc_reader {
    const dc_reader_vtable *vt;
    dc_schema *schema; /* set by the implementation before the first next */
    dc_status failed;  /* sticky: once an error, always that error */
    dc_error last_error;
    void *impl;
};

/* Allocate a reader around `impl` (freed through vt->destroy). */
dc_status dc_reader_new(dc_reader **out, const dc_reader_vtable *vt, void *impl,
                        const dc_schema *schema, dc_error *err);
/* A reader over a fixed list of batches (new references taken). */
dc_status dc_reader_from_batches(dc_reader **out, const dc_schema *schema,
                                 dc_batch *const *batches, int64_t n, dc_error *err);

/*
 * A reader that pulls `src` (moved in, freed with it, also on failure) on a thread of its
 * own, up to `depth` batches ahead (depth < 1: 2), so the source's work overlaps the
 * consumer's. The source's error comes out after the batches before it. Freeing the
 * reader stops the thread and drops what it had queued.
 */
dc_status dc_reader_prefetch(dc_reader **out, dc_reader *src, int depth, dc_error *err);

/*
 * One stream over n sources opened one at a time, in order, by `open` (source
 * i as a reader); every batch is conformed (dc_batch_conform) to `schema`.
 * `free_user` (may be NULL) releases `user` with the reader, also when this fails.
 */
typedef dc_status (*dc_source_open_fn)(void *user, int64_t i, dc_reader **out, dc_error *err);
dc_status dc_reader_concat(dc_reader **out, const dc_schema *schema, int64_t n,
                           dc_source_open_fn open, void *user, void (*free_user)(void *),
                           dc_error *err);

/* ---- schemas as JSON (schema_json.c) ------------------------------------------- */

#include <jansson.h>
/* {"fields": [{"name", "type" (a type name), "nullable", "metadata"}], "metadata"}; NULL on ENOMEM. */
json_t *dc_schema_to_json(const dc_schema *s);
/* The inverse, validating every member (DC_EINVALID naming the field). */
dc_status dc_schema_from_json(dc_schema **out, const json_t *j, dc_error *err);

/* ---- value formatting ---------------------------------------------------------- */

typedef enum dc_format_style {
    DC_STYLE_TEXT, /* for humans and CSV: 2024-01-02 03:04:05.123, 12.50, [1, 2], {a: 1} */
    DC_STYLE_JSON, /* a JSON value: strings quoted, binary base64, nested as arrays/objects */
} dc_format_style;

/*
 * Append element i of `a` to `s`. In TEXT style a null appends nothing (the
 * caller decides how nulls look); in JSON style it appends `null`.
 * Temporal values are ISO-8601 (timestamps with a zone end in "Z" for UTC or
 * the offset), decimals exact, floats shortest round-trip.
 */
void dc_format_value(dc_strbuf *s, const dc_array *a, int64_t i, dc_format_style style);

/* ---- text parsing (shared by CSV, JSONL and casts from strings) ---------------- */

/*
 * Each parses exactly the n bytes (no surrounding spaces allowed unless the
 * comment says so) and returns false when they are not a valid value of the
 * kind; nothing is allocated.
 */
bool dc_parse_bool(const char *s, int64_t n, bool *out);     /* true/false/t/f/yes/no/1/0, any case */
bool dc_parse_int64(const char *s, int64_t n, int64_t *out); /* [+-]digits, overflow fails */
bool dc_parse_uint64(const char *s, int64_t n, uint64_t *out);
bool dc_parse_double(const char *s, int64_t n, double *out); /* decimal/exponent, inf, nan */
/* YYYY-MM-DD, proleptic Gregorian, years 0000..9999. */
bool dc_parse_date32(const char *s, int64_t n, int32_t *days);
/*
 * ISO-8601 / RFC 3339 timestamp: "YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|(+|-)HH[:MM]]".
 * The result is in `unit` since the epoch (UTC when an offset is given,
 * else the wall time as written); *has_zone says whether a Z/offset was present.
 * Fractions finer than `unit` fail (no silent truncation).
 */
bool dc_parse_timestamp(const char *s, int64_t n, dc_time_unit unit, int64_t *out, bool *has_zone);
/* HH:MM:SS[.fraction] in `unit` since midnight. */
bool dc_parse_time(const char *s, int64_t n, dc_time_unit unit, int64_t *out);
/* A decimal number with at most `scale` fractional digits and at most `precision`
 * digits in all, as a little-endian two's complement integer of `bytes` (16 or 32). */
bool dc_parse_decimal(const char *s, int64_t n, int32_t precision, int32_t scale, int32_t bytes,
                      uint8_t *out);

/* ---- kernels ------------------------------------------------------------------- */

/* Zero-copy view of rows [offset, offset+length). DC_EINVALID when out of range. */
dc_status dc_array_slice(dc_array **out, const dc_array *a, int64_t offset, int64_t length,
                         dc_error *err);
/* dc_batch_slice is public (columnar.h). */

/* Concatenate arrays of one type (DC_ESCHEMA otherwise); n may be 0 only with
 * dc_array_concat_typed. Dictionary arrays are concatenated by unifying dictionaries. */
dc_status dc_array_concat(dc_array **out, dc_array *const *arrays, int64_t n, dc_error *err);
dc_status dc_array_concat_typed(dc_array **out, const dc_type *type, dc_array *const *arrays,
                                int64_t n, dc_error *err);
dc_status dc_batch_concat(dc_batch **out, dc_batch *const *batches, int64_t n, dc_error *err);

/* Gather rows by index; an index < 0 gives a null row; an index >= length is DC_EINVALID. */
dc_status dc_array_take(dc_array **out, const dc_array *a, const int64_t *indices, int64_t n,
                        dc_error *err);
dc_status dc_batch_take(dc_batch **out, const dc_batch *b, const int64_t *indices, int64_t n,
                        dc_error *err);
/*
 * The rows of b grouped: group[i] in [0, n_groups) is row i's group, and *out is b's rows
 * group by group, each group's in their order (the dc_batch_take of the rows listed group
 * by group); group g is rows [first[g], first[g + 1]) of *out (`first` has n_groups + 1
 * entries, filled here). Made by reading b once in row order and writing each row to its
 * place (a scatter) where a take per group would sweep b once per group. Fixed-width,
 * bool, dictionary and string/binary columns are scattered; other types are taken.
 * DC_EINVALID for a group out of range.
 */
dc_status dc_batch_regroup(dc_batch **out, int64_t *first, const dc_batch *b,
                           const int32_t *group, int32_t n_groups, dc_error *err);

/*
 * A copy of `base` with row rows[j] replaced by row src_rows[j] of `src` (same type), for
 * j < n; rows strictly increasing. Untouched rows are copied in runs (no gather), so
 * patching a few rows costs about one copy of the array. n == 0 returns `base` itself.
 * DC_EINVALID for a type mismatch or rows out of order or range.
 */
dc_status dc_array_patch(dc_array **out, const dc_array *base, const int64_t *rows,
                         const dc_array *src, const int64_t *src_rows, int64_t n, dc_error *err);

/* The same into *a: in place when the array and its buffers are referenced by the caller
 * alone (fixed-width and bool values), else *a is replaced by a patched copy (and the
 * caller's reference to the old one given up). */
dc_status dc_array_patch_owned(dc_array **a, const int64_t *rows, const dc_array *src,
                               const int64_t *src_rows, int64_t n, dc_error *err);

/* Keep rows where `mask` (BOOL, same length) is true; a null mask value drops the row. */
dc_status dc_array_filter(dc_array **out, const dc_array *a, const dc_array *mask,
                          dc_error *err);
dc_status dc_batch_filter(dc_batch **out, const dc_batch *b, const dc_array *mask,
                          dc_error *err);

typedef enum dc_cmp_op { DC_CMP_EQ, DC_CMP_NE, DC_CMP_LT, DC_CMP_LE, DC_CMP_GT, DC_CMP_GE } dc_cmp_op;

/*
 * Three-way comparison of a[i] and b[j] of comparable types (numbers of any
 * width/sign compare by value, strings and binary bytewise, temporal values
 * of different units by instant, decimals by value, nested lexicographically).
 * Nulls: equal to each other; below every value when nulls_first, else above.
 * NaN sorts above every number and equals NaN.
 */
int dc_compare_values(const dc_array *a, int64_t i, const dc_array *b, int64_t j,
                      bool nulls_first);
/*
 * Element-wise comparison: a BOOL array, null where either side is null.
 * `right` has the same length as `left` or length 1 (a scalar broadcast).
 * DC_ESCHEMA when the types are not comparable (a string with an int).
 */
dc_status dc_compare(dc_array **out, const dc_array *left, dc_cmp_op op, const dc_array *right,
                     dc_error *err);

/*
 * Hash each of `length` rows of the key columns into out[0..length).
 * Equal keys hash equal (for columns of equal types); nulls hash to a fixed
 * value; the column order matters. `out` is the caller's.
 */
dc_status dc_hash_rows(uint64_t *out, dc_array *const *columns, int32_t n_columns,
                       int64_t length, dc_error *err);
/* True when row i of columns `a` equals row j of `b` (nulls equal nulls). */
bool dc_rows_equal(dc_array *const *a, int64_t i, dc_array *const *b, int64_t j,
                   int32_t n_columns);

typedef struct dc_sort_key {
    const dc_array *array;
    bool descending;
    bool nulls_first;
} dc_sort_key;

/*
 * Stable sort: the permutation of [0, length) ordering rows by the keys (the
 * first key first). *out is allocated with dc_malloc; free with dc_free.
 * Every key array must have `length` rows.
 */
dc_status dc_sort_indices(int64_t **out, const dc_sort_key *keys, int32_t n_keys, int64_t length,
                          dc_error *err);

/*
 * Cast to `to`. Supported: any numeric to any numeric, numeric <-> decimal,
 * decimal rescale, string <-> everything with a text form (parse / format),
 * temporal unit changes, date <-> timestamp, utf8 <-> large_utf8, binary <->
 * large_binary, utf8 -> binary, list <-> large_list (element cast), struct
 * field-wise (by name; missing fields null), dictionary -> its value type,
 * NULL -> anything. `safe`: a value that would overflow, lose digits, or
 * fail to parse is DC_ESCHEMA naming the value and row; unsafe: it wraps,
 * truncates, or becomes null. Casting to the same type returns a new reference.
 */
dc_status dc_cast(dc_array **out, const dc_array *a, const dc_type *to, bool safe, dc_error *err);
/* True when every value of `from` fits `to` without loss (int8->int64, float32->float64,
 * utf8->large_utf8, int32->float64, timestamp[s]->timestamp[us], date32->timestamp, ...). */
bool dc_type_widens_to(const dc_type *from, const dc_type *to);

/*
 * A column of `length` rows of `type` for a field missing from the input: each
 * row is `default_value` (element 0 of that array, cast to `type`) or null when
 * `default_value` is NULL. DC_ESCHEMA when the default does not cast.
 */
dc_status dc_array_fill(dc_array **out, const dc_type *type, const dc_array *default_value,
                        int64_t length, dc_error *err);

/*
 * Permissive schema unification: fields matched by name, in the order of `a`
 * then the new fields of `b` (nullable); a field nullable in either is
 * nullable; types are promoted to the narrowest type both widen to (ints
 * with ints, int+float -> float64, any ints + uint64 -> no common type unless
 * both fit int64, utf8+large_utf8 -> large_utf8, NULL + T -> T, timestamps
 * to the finer unit, struct field-wise, list element-wise). DC_ESCHEMA names
 * the field and both types when there is no common type (string vs int64).
 */
dc_status dc_type_unify(dc_type **out, const dc_type *a, const dc_type *b, dc_error *err);
dc_status dc_schema_unify(dc_schema **out, const dc_schema *a, const dc_schema *b,
                          dc_error *err);

/*
 * Conform a batch to `target`: columns matched by name, cast (safe) to the
 * target types, missing columns filled from `defaults[k]` (element 0; NULL
 * array or NULL `defaults` means null). A missing non-nullable field without a
 * default, or a column the target does not have, is DC_ESCHEMA.
 */
dc_status dc_batch_conform(dc_batch **out, const dc_batch *b, const dc_schema *target,
                           dc_array *const *defaults, dc_error *err);

#endif
