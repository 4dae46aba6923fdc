/*
 * deltacat/columnar.h: types, schemas, arrays, record batches and batch
 * readers, and their exchange through the Arrow C Data Interface.
 *
 * Values vs handles. Types, fields, schemas, arrays and batches are
 * immutable values, shared by reference counting (atomic: they cross
 * threads), and their structures are visible so bindings and kernels can
 * reach the buffers directly; treat every field as read-only once the value
 * is built. A batch reader is an opaque handle.
 *
 * Reference rules:
 *  - A function returning `dc_X *` through `out` or as its result hands the
 *    caller one reference; give it back with dc_X_unref() (or _free for
 *    handles).
 *  - A function taking `const dc_X *` or `dc_X *` as input borrows it: if it
 *    keeps it, it takes its own reference. Nothing here "steals" an argument,
 *    except the *_import functions, which move Arrow C structures as the
 *    Arrow specification requires.
 *
 * Layout: an array is exactly an Arrow array (same buffers, offsets, children
 * and dictionary), so export and import are zero-copy.
 */
#ifndef DELTACAT_COLUMNAR_H
#define DELTACAT_COLUMNAR_H

#include <deltacat/arrow_c.h>
#include <deltacat/common.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dc_type_id {
    DC_TYPE_NULL = 0,
    DC_TYPE_BOOL,
    DC_TYPE_INT8,
    DC_TYPE_INT16,
    DC_TYPE_INT32,
    DC_TYPE_INT64,
    DC_TYPE_UINT8,
    DC_TYPE_UINT16,
    DC_TYPE_UINT32,
    DC_TYPE_UINT64,
    DC_TYPE_FLOAT16,
    DC_TYPE_FLOAT32,
    DC_TYPE_FLOAT64,
    DC_TYPE_DECIMAL128,
    DC_TYPE_DECIMAL256,
    DC_TYPE_DATE32,    /* days since the epoch, int32 */
    DC_TYPE_DATE64,    /* milliseconds since the epoch, int64 */
    DC_TYPE_TIME32,    /* unit s or ms, int32 */
    DC_TYPE_TIME64,    /* unit us or ns, int64 */
    DC_TYPE_TIMESTAMP, /* unit + optional time zone, int64 */
    DC_TYPE_DURATION,  /* unit, int64 */
    DC_TYPE_UTF8,
    DC_TYPE_LARGE_UTF8,
    DC_TYPE_BINARY,
    DC_TYPE_LARGE_BINARY,
    DC_TYPE_FIXED_SIZE_BINARY,
    DC_TYPE_LIST,
    DC_TYPE_LARGE_LIST,
    DC_TYPE_FIXED_SIZE_LIST,
    DC_TYPE_STRUCT,
    DC_TYPE_MAP,
    DC_TYPE_DICTIONARY,
    DC_TYPE__COUNT
} dc_type_id;

typedef enum dc_time_unit {
    DC_UNIT_SECOND = 0,
    DC_UNIT_MILLI = 1,
    DC_UNIT_MICRO = 2,
    DC_UNIT_NANO = 3,
} dc_time_unit;

typedef struct dc_type dc_type;
typedef struct dc_field dc_field;
typedef struct dc_schema dc_schema;
typedef struct dc_array dc_array;
typedef struct dc_batch dc_batch;
typedef struct dc_reader dc_reader;
struct dc_buffer;

/** Key/value metadata (Arrow custom metadata), in order. */
typedef struct dc_metadata {
    int32_t n;
    char **keys;
    char **values;
} dc_metadata;

/** A named, typed column. A value inside types and schemas; owns `name`, a
 *  reference to `type`, and `metadata`. */
struct dc_field {
    char *name;
    dc_type *type;
    bool nullable;
    dc_metadata metadata;
};

struct dc_type {
    int64_t refs_; /* atomic refcount: private */
    dc_type_id id;
    int32_t byte_width;  /* bytes per value for fixed-width types (bool: 0, bit-packed) */
    int32_t list_size;   /* FIXED_SIZE_LIST: values per list */
    int32_t precision;   /* DECIMAL*: 1..38 (128) or 1..76 (256) */
    int32_t scale;       /* DECIMAL*: may be negative */
    dc_time_unit unit;   /* TIME32/TIME64/TIMESTAMP/DURATION */
    char *timezone;      /* TIMESTAMP: IANA name or "+HH:MM"; NULL when naive */
    int32_t n_children;  /* LIST, LARGE_LIST, FIXED_SIZE_LIST, MAP: 1; STRUCT: n */
    dc_field *children;  /* MAP: one non-null "entries" struct<key (non-null), value> */
    dc_type *index_type; /* DICTIONARY: signed or unsigned integer type */
    dc_type *value_type; /* DICTIONARY: the type of the dictionary's values */
    bool ordered;        /* DICTIONARY */
    bool keys_sorted;    /* MAP */
};

struct dc_schema {
    int64_t refs_;
    int32_t n_fields;
    dc_field *fields;
    dc_metadata metadata;
};

/**
 * An Arrow array. `data[i]` is the start of buffer i (or NULL), kept beside
 * the owning `buffers[i]` for speed. Element i of the array is at logical
 * position `offset + i` of its buffers (bitmaps included). `null_count` is
 * exact. Buffers: validity first (NULL when there is no null), then values,
 * offsets or indices, then string data, exactly as Arrow's columnar format.
 */
struct dc_array {
    int64_t refs_;
    dc_type *type;
    int64_t length;
    int64_t offset;
    int64_t null_count;
    int32_t n_buffers;
    struct dc_buffer *buffers[3];
    const uint8_t *data[3];
    int32_t n_children;
    dc_array **children;
    dc_array *dictionary; /* DICTIONARY: the values */
};

/** A record batch: equal-length columns under a schema. */
struct dc_batch {
    int64_t refs_;
    dc_schema *schema;
    int64_t length;
    dc_array **columns; /* schema->n_fields of them */
};

/* ---- types ------------------------------------------------------------------ */

/** A parameterless type (NULL, BOOL, ints, floats, DATE32/64, UTF8, BINARY and
 *  their LARGE_ forms). NULL for an id that needs parameters or on ENOMEM. */
dc_type *dc_type_new(dc_type_id id);
dc_type *dc_type_decimal(int32_t bits, int32_t precision, int32_t scale); /* bits 128|256 */
dc_type *dc_type_timestamp(dc_time_unit unit, const char *timezone);
dc_type *dc_type_time(dc_time_unit unit);     /* TIME32 for s/ms, TIME64 for us/ns */
dc_type *dc_type_duration(dc_time_unit unit);
dc_type *dc_type_fixed_size_binary(int32_t width);
/** LIST or LARGE_LIST of `item` (copied). */
dc_type *dc_type_list(dc_type_id id, const dc_field *item);
dc_type *dc_type_fixed_size_list(const dc_field *item, int32_t list_size);
dc_type *dc_type_struct(const dc_field *fields, int32_t n);
/** MAP from `key` to `value` (the entries struct is built here). */
dc_type *dc_type_map(const dc_type *key, const dc_type *value, bool value_nullable,
                     bool keys_sorted);
dc_type *dc_type_dictionary(const dc_type *index_type, const dc_type *value_type, bool ordered);

dc_type *dc_type_ref(const dc_type *t); /* NULL-safe; returns t */
void dc_type_unref(dc_type *t);         /* NULL-safe */
bool dc_type_equals(const dc_type *a, const dc_type *b); /* deep, ignores child field metadata */
/** The type's name in the pyarrow spelling ("int64", "timestamp[us, tz=UTC]",
 *  "list<item: int64>", "struct<a: int64, b: string>"). Caller frees with dc_free. */
char *dc_type_to_string(const dc_type *t);
/** Parse a type name as written by dc_type_to_string(); aliases "string",
 *  "large_string", "bytes", "double", "float", "int", "bigint", "boolean" too. */
dc_status dc_type_parse(dc_type **out, const char *text, dc_error *err);
const char *dc_type_id_name(dc_type_id id);

bool dc_type_is_integer(dc_type_id id);
bool dc_type_is_signed_integer(dc_type_id id);
bool dc_type_is_unsigned_integer(dc_type_id id);
bool dc_type_is_floating(dc_type_id id);
bool dc_type_is_decimal(dc_type_id id);
bool dc_type_is_temporal(dc_type_id id);   /* DATE*, TIME*, TIMESTAMP, DURATION */
bool dc_type_is_string(dc_type_id id);     /* UTF8, LARGE_UTF8 */
bool dc_type_is_binary_like(dc_type_id id); /* UTF8, BINARY and their LARGE_ forms */
bool dc_type_is_nested(dc_type_id id);     /* LIST*, FIXED_SIZE_LIST, STRUCT, MAP */

/* ---- fields, metadata, schemas ------------------------------------------------- */

/** Fill `f` with copies of name and metadata and a new reference to `type`. */
dc_status dc_field_init(dc_field *f, const char *name, const dc_type *type, bool nullable,
                        const dc_metadata *metadata);
dc_status dc_field_copy(dc_field *dst, const dc_field *src);
void dc_field_clear(dc_field *f);

dc_status dc_metadata_copy(dc_metadata *dst, const dc_metadata *src); /* src may be NULL */
dc_status dc_metadata_set(dc_metadata *m, const char *key, const char *value);
const char *dc_metadata_get(const dc_metadata *m, const char *key); /* NULL when absent */
void dc_metadata_clear(dc_metadata *m);

/** A schema of copies of `fields` (n may be 0) and of `metadata` (may be NULL). */
dc_schema *dc_schema_new(const dc_field *fields, int32_t n, const dc_metadata *metadata);
dc_schema *dc_schema_ref(const dc_schema *s);
void dc_schema_unref(dc_schema *s);
/** Index of the field named `name`, or -1. */
int32_t dc_schema_find(const dc_schema *s, const char *name);
bool dc_schema_equals(const dc_schema *a, const dc_schema *b);
/** "name: type [not null], ..." one field per line; caller frees with dc_free. */
char *dc_schema_to_string(const dc_schema *s);

/* ---- arrays --------------------------------------------------------------------- */

dc_array *dc_array_ref(const dc_array *a);
void dc_array_unref(dc_array *a);
/** True when element i is null (always true for the NULL type). */
bool dc_array_is_null(const dc_array *a, int64_t i);
/**
 * Check every structural rule of the Arrow format (buffer sizes, offsets
 * monotonic and within bounds, UTF-8 validity of strings, dictionary indices
 * in range, child lengths). Used on anything imported from outside.
 */
dc_status dc_array_validate(const dc_array *a, dc_error *err);

/**
 * Element i as text: for people and CSV when `json` is false (a null gives
 * NULL), or as a JSON value when true (a null gives "null"). Timestamps are
 * ISO-8601, decimals exact, floats shortest round-trip, nested values JSON.
 * Caller frees with dc_free; NULL also on ENOMEM.
 */
char *dc_value_to_text(const dc_array *a, int64_t i, bool json);

/* ---- record batches -------------------------------------------------------------- */

/** A batch of `schema` holding new references to `columns` (each of `length` rows
 *  and of the field's type, checked: DC_ESCHEMA otherwise). */
dc_status dc_batch_new(dc_batch **out, const dc_schema *schema, dc_array *const *columns,
                       int64_t length, dc_error *err);
dc_batch *dc_batch_ref(const dc_batch *b);
/** Zero-copy view of rows [offset, offset+length); DC_EINVALID when out of range. */
dc_status dc_batch_slice(dc_batch **out, const dc_batch *b, int64_t offset, int64_t length,
                         dc_error *err);
void dc_batch_unref(dc_batch *b);

/* ---- batch readers -------------------------------------------------------------- */

/**
 * Next batch of the reader: DC_OK with *out set to a new reference, or DC_OK
 * with *out NULL at the end. After an error the reader stays failed.
 */
dc_status dc_reader_next(dc_reader *r, dc_batch **out, dc_error *err);
/** The schema of every batch; valid until the reader is freed. */
const dc_schema *dc_reader_schema(const dc_reader *r);
void dc_reader_free(dc_reader *r);

/* ---- the Arrow C Data Interface ------------------------------------------------- */

/** Export a field as an ArrowSchema (name, format, flags, metadata, children). */
dc_status dc_field_export(const dc_field *f, struct ArrowSchema *out, dc_error *err);
/** Export a schema as an ArrowSchema of format "+s" with one child per field. */
dc_status dc_schema_export(const dc_schema *s, struct ArrowSchema *out, dc_error *err);
/** Copy an ArrowSchema into a field / a schema ("+s" required). The input is
 *  neither modified nor released: the caller still owns it. */
dc_status dc_field_import(dc_field *out, const struct ArrowSchema *in, dc_error *err);
dc_status dc_schema_import(dc_schema **out, const struct ArrowSchema *in, dc_error *err);

/** Export an array zero-copy: `out` references our buffers until released. */
dc_status dc_array_export(const dc_array *a, struct ArrowArray *out, dc_error *err);
/** Export a batch as a struct array (zero-copy). */
dc_status dc_batch_export(const dc_batch *b, struct ArrowArray *out, dc_error *err);
/**
 * Import an array of type `type` zero-copy: `in` is moved (its release set to
 * NULL); its memory is released when the last array referencing it goes.
 * The array is validated (dc_array_validate) before it is returned; on
 * failure `in` has been released and nothing is returned.
 */
dc_status dc_array_import(dc_array **out, struct ArrowArray *in, const dc_type *type,
                          dc_error *err);
/** Import a struct array as a batch of `schema` (moves `in`). */
dc_status dc_batch_import(dc_batch **out, struct ArrowArray *in, const dc_schema *schema,
                          dc_error *err);

/** Hand a reader to an Arrow consumer: `r` is consumed (freed by the stream's
 *  release) whether this succeeds or not. */
dc_status dc_reader_export(dc_reader *r, struct ArrowArrayStream *out, dc_error *err);
/** Read an Arrow producer's stream: `in` is moved into the reader. */
dc_status dc_reader_import(dc_reader **out, struct ArrowArrayStream *in, dc_error *err);

/* ---- schemas as JSON ------------------------------------------------------------ */

/**
 * Parse the JSON form of a schema, as table metadata and --schema files hold it:
 *   {"fields": [{"name": "id", "type": "int64", "nullable": false,
 *                "metadata": {"deltacat.merge_key": "true"}}, ...],
 *    "metadata": {"key": "value"}}
 * Types are written by name ("int64", "timestamp[us, tz=UTC]", "list<item: int64>",
 * aliases "string", "double" ...); "nullable" defaults to true. `what` (may be
 * NULL) names the text in messages (a file name). Errors: DC_EINVALID naming
 * the line and column of malformed JSON, or the field at fault. Release the
 * schema with dc_schema_unref.
 */
dc_status dc_schema_from_json_text(dc_schema **out, const char *text, size_t len, const char *what,
                                   dc_error *err);
/** The JSON form of `s` (compact, one line); NULL on ENOMEM. Caller frees with dc_free. */
char *dc_schema_to_json_text(const dc_schema *s);

#ifdef __cplusplus
}
#endif
#endif
