/*
 * test_duckdb_stream.c: DuckDB, a consumer nobody on this team wrote, scans the
 * ArrowArrayStream we export (dc_reader_from_batches + dc_reader_export) and must see
 * every value we put in.
 *
 * DuckDB comes from npm (tests/oracles: `npm install --prefix tests/oracles`), whose package
 * @duckdb/node-bindings-linux-x64 ships libduckdb.so with the full C API but no header.
 * The library is dlopen()ed at run time and the few C API functions used are declared
 * below from DuckDB's published duckdb.h (v1.x): handles are pointers, duckdb_state is
 * an enum (0 = success), idx_t is uint64_t, and duckdb_result is a 48-byte struct passed
 * by address (three idx_t and three pointers).
 *
 * How DuckDB consumes a stream (its duckdb_arrow_scan in src/main/capi/arrow-c.cpp):
 *  - it registers a view over the stream; every query that binds the view calls
 *    get_schema and never releases what it gets (it clears the root's release), so
 *    the stream is wrapped here by one that fetches our schema once, hands out
 *    borrowed copies, and releases the real one when the stream is released;
 *  - every scan of the view copies the stream structure and reads it to its end,
 *    so a stream can be scanned once: the test copies it into a table (CREATE TABLE
 *    t AS SELECT * FROM the view) and runs every check against that table;
 *  - DuckDB never releases the stream itself: the test does, after dropping the view.
 *
 * Values are compared as DuckDB renders them (CAST(... AS VARCHAR), hex() for binary,
 * to_json() for nested values, epoch_ns() for timestamps, day differences for dates)
 * against text computed here from the same generator that filled the builders, row by
 * row in `rid` order, and through aggregates (count, sum, string_agg).
 *
 * What DuckDB cannot represent exactly (said here so nothing is skipped silently):
 *  - a timestamp with a time zone becomes TIMESTAMP WITH TIME ZONE, which DuckDB keeps
 *    in microseconds: our nanosecond column with a zone is therefore filled with whole
 *    microseconds (the zone-less nanosecond column checks full nanosecond precision);
 *  - the zone's name itself is dropped by DuckDB (its instants are UTC), so only the
 *    instants and the TIMESTAMP WITH TIME ZONE type are checked;
 *  - a dictionary-encoded string column is decoded into VARCHAR (no dictionary type).
 *
 * Types covered: bool, int8..int64, uint8..uint64, float32/64, decimal128 (10,2 and 38,4),
 * date32, date64, time32[ms], time64[us|ns], duration[us], timestamp s/ms/us/ns with and
 * without a zone, utf8, large_utf8, binary, large_binary, fixed_size_binary, list,
 * large_list, fixed_size_list, struct, map, dictionary<int32, utf8>. Not covered here:
 * float16, decimal256, the other time/duration units and nested types inside nested
 * types (lists of structs, ...).
 */
#include "testutil.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the DuckDB C API (declarations from duckdb.h) ------------------------------------ */

typedef uint64_t idx_t;
typedef enum { DuckDBSuccess = 0, DuckDBError = 1 } duckdb_state;
typedef struct _duckdb_database {
    void *internal_ptr;
} * duckdb_database;
typedef struct _duckdb_connection {
    void *internal_ptr;
} * duckdb_connection;
typedef struct _duckdb_arrow_stream {
    void *internal_ptr;
} * duckdb_arrow_stream; /* really a struct ArrowArrayStream * */
typedef struct {
    idx_t deprecated_column_count;
    idx_t deprecated_row_count;
    idx_t deprecated_rows_changed;
    void *deprecated_columns;
    char *deprecated_error_message;
    void *internal_data;
} duckdb_result;
_Static_assert(sizeof(duckdb_result) == 48, "duckdb_result is 48 bytes in duckdb.h");

typedef struct duck_api {
    void *lib;
    duckdb_state (*open)(const char *path, duckdb_database *out_database);
    void (*close)(duckdb_database *database);
    duckdb_state (*connect)(duckdb_database database, duckdb_connection *out_connection);
    void (*disconnect)(duckdb_connection *connection);
    duckdb_state (*query)(duckdb_connection connection, const char *query,
                          duckdb_result *out_result);
    void (*destroy_result)(duckdb_result *result);
    const char *(*result_error)(duckdb_result *result);
    idx_t (*row_count)(duckdb_result *result);
    idx_t (*column_count)(duckdb_result *result);
    char *(*value_varchar)(duckdb_result *result, idx_t col, idx_t row);
    bool (*value_is_null)(duckdb_result *result, idx_t col, idx_t row);
    void (*free)(void *ptr);
    duckdb_state (*arrow_scan)(duckdb_connection connection, const char *table_name,
                               duckdb_arrow_stream arrow);
    duckdb_database db;
    duckdb_connection conn;
} duck_api;

#define DUCKDB_LIB                                                                                 \
    DC_SOURCE_DIR "/tests/oracles/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so"

/* Resolve one symbol of libduckdb.so or fail the test naming it. */
static void *duck_sym(void *lib, const char *name)
{
    void *p = dlsym(lib, name);
    if (!p)
        fail_msg("libduckdb.so has no symbol %s (%s): is %s a DuckDB 1.x C library?", name,
                 dlerror(), DUCKDB_LIB);
    return p;
}

/* Load DuckDB, open an in-memory database and connect. Fails the test with what to do when
 * the library is missing. Never dlclose()d: DuckDB's threads and static state may outlive
 * the connection, and leak reports need its symbols. */
static void duck_open(duck_api *d)
{
    memset(d, 0, sizeof *d);
    struct stat st;
    if (stat(DUCKDB_LIB, &st) != 0)
        fail_msg("DuckDB is not installed: %s is missing. Run `npm install --prefix tests/oracles` "
                 "in the source tree (%s) and run the test again.",
                 DUCKDB_LIB, DC_SOURCE_DIR);
    d->lib = dlopen(DUCKDB_LIB, RTLD_NOW | RTLD_LOCAL);
    if (!d->lib)
        fail_msg("cannot load %s: %s", DUCKDB_LIB, dlerror());
    *(void **)&d->open = duck_sym(d->lib, "duckdb_open");
    *(void **)&d->close = duck_sym(d->lib, "duckdb_close");
    *(void **)&d->connect = duck_sym(d->lib, "duckdb_connect");
    *(void **)&d->disconnect = duck_sym(d->lib, "duckdb_disconnect");
    *(void **)&d->query = duck_sym(d->lib, "duckdb_query");
    *(void **)&d->destroy_result = duck_sym(d->lib, "duckdb_destroy_result");
    *(void **)&d->result_error = duck_sym(d->lib, "duckdb_result_error");
    *(void **)&d->row_count = duck_sym(d->lib, "duckdb_row_count");
    *(void **)&d->column_count = duck_sym(d->lib, "duckdb_column_count");
    *(void **)&d->value_varchar = duck_sym(d->lib, "duckdb_value_varchar");
    *(void **)&d->value_is_null = duck_sym(d->lib, "duckdb_value_is_null");
    *(void **)&d->free = duck_sym(d->lib, "duckdb_free");
    *(void **)&d->arrow_scan = duck_sym(d->lib, "duckdb_arrow_scan");
    if (d->open(NULL, &d->db) != DuckDBSuccess)
        fail_msg("duckdb_open(NULL) failed to open an in-memory database");
    if (d->connect(d->db, &d->conn) != DuckDBSuccess)
        fail_msg("duckdb_connect failed");
}

static void duck_close(duck_api *d)
{
    if (d->conn)
        d->disconnect(&d->conn);
    if (d->db)
        d->close(&d->db);
}

/* Run `sql`, failing the test with DuckDB's message when it fails. The caller destroys
 * the result. */
static void duck_run(duck_api *d, const char *sql, duckdb_result *res)
{
    memset(res, 0, sizeof *res);
    if (d->query(d->conn, sql, res) != DuckDBSuccess) {
        const char *msg = d->result_error(res);
        char copy[1024];
        snprintf(copy, sizeof copy, "%s", msg ? msg : "(no message)");
        d->destroy_result(res);
        fail_msg("DuckDB failed on\n  %s\nwith: %s", sql, copy);
    }
}

static void duck_exec(duck_api *d, const char *sql)
{
    duckdb_result res;
    duck_run(d, sql, &res);
    d->destroy_result(&res);
}

/* The single value of a one-row, one-column query as text ("NULL" for null), into buf. */
static void duck_scalar(duck_api *d, const char *sql, char *buf, size_t cap)
{
    duckdb_result res;
    duck_run(d, sql, &res);
    if (d->row_count(&res) != 1 || d->column_count(&res) != 1) {
        unsigned long long rows = (unsigned long long)d->row_count(&res);
        d->destroy_result(&res);
        fail_msg("%s: expected one value, DuckDB returned %llu rows", sql, rows);
    }
    if (d->value_is_null(&res, 0, 0)) {
        snprintf(buf, cap, "NULL");
    } else {
        char *v = d->value_varchar(&res, 0, 0);
        snprintf(buf, cap, "%s", v ? v : "(unconvertible)");
        d->free(v);
    }
    d->destroy_result(&res);
}

/* ---- a stream that owns the schemas DuckDB never releases ----------------------------- */

typedef struct owned_stream {
    struct ArrowArrayStream outer; /* handed to DuckDB; private_data points here */
    struct ArrowArrayStream inner; /* ours, from dc_reader_export */
    struct ArrowSchema schema;     /* fetched once, released with the stream */
    bool have_schema;
    int schema_calls;
} owned_stream;

static void borrowed_schema_release(struct ArrowSchema *s) { s->release = NULL; }

static int owned_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    owned_stream *o = s->private_data;
    o->schema_calls++;
    if (!o->have_schema) {
        int rc = o->inner.get_schema(&o->inner, &o->schema);
        if (rc != 0)
            return rc;
        o->have_schema = true;
    }
    *out = o->schema;
    out->release = borrowed_schema_release; /* the children stay ours */
    return 0;
}

static int owned_get_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    owned_stream *o = s->private_data;
    return o->inner.get_next(&o->inner, out);
}

static const char *owned_last_error(struct ArrowArrayStream *s)
{
    owned_stream *o = s->private_data;
    return o->inner.get_last_error(&o->inner);
}

static void owned_release(struct ArrowArrayStream *s)
{
    owned_stream *o = s->private_data;
    if (o->have_schema && o->schema.release)
        o->schema.release(&o->schema);
    if (o->inner.release)
        o->inner.release(&o->inner);
    s->release = NULL;
}

/* Export `r` (consumed) and register it with DuckDB as view `name`. */
static void duck_register(duck_api *d, owned_stream *o, dc_reader *r, const char *name)
{
    memset(o, 0, sizeof *o);
    dc_error err;
    dc_error_clear(&err);
    if (dc_reader_export(r, &o->inner, &err) != DC_OK)
        fail_msg("dc_reader_export: %s", err.message);
    o->outer.get_schema = owned_get_schema;
    o->outer.get_next = owned_get_next;
    o->outer.get_last_error = owned_last_error;
    o->outer.release = owned_release;
    o->outer.private_data = o;
    if (d->arrow_scan(d->conn, name, (duckdb_arrow_stream)&o->outer) != DuckDBSuccess)
        fail_msg("duckdb_arrow_scan refused our stream for view %s", name);
}

/* Drop the view and release the stream (DuckDB never does). */
static void duck_unregister(duck_api *d, owned_stream *o, const char *name)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DROP VIEW IF EXISTS %s", name);
    duck_exec(d, sql);
    if (o->outer.release)
        o->outer.release(&o->outer);
}

/* ---- the columns: one of every type, and the values they hold -------------------------- */

typedef enum kind {
    K_RID, /* row id: int64, never null; every row check is ordered by it */
    K_BOOL,
    K_I8,
    K_I16,
    K_I32,
    K_I64,
    K_U8,
    K_U16,
    K_U32,
    K_U64,
    K_F32,
    K_F64,
    K_DEC10_2,
    K_DEC38_4,
    K_DATE32,
    K_TS_S,
    K_TS_MS,
    K_TS_US,
    K_TS_NS,
    K_TSZ_S,
    K_TSZ_MS,
    K_TSZ_US,
    K_TSZ_NS,
    K_UTF8,
    K_LUTF8,
    K_BIN,
    K_LBIN,
    K_FSB,
    K_LIST,
    K_LLIST,
    K_FSL,
    K_STRUCT,
    K_MAP,
    K_DICT,
    K_DATE64,
    K_TIME32_MS,
    K_TIME64_US,
    K_TIME64_NS,
    K_DUR_US,
    K__COUNT
} kind;

typedef enum cmp { CMP_TEXT, CMP_F32, CMP_F64 } cmp;

typedef struct kind_info {
    const char *name;      /* the column's name */
    const char *duck_type; /* how DuckDB's DESCRIBE names the type it maps ours to */
    const char *expr;      /* the SQL rendering of the column, %s = the column name */
    cmp cmp;
    bool summable; /* also checked through sum() */
} kind_info;

static const kind_info KINDS[K__COUNT] = {
    [K_RID] = {"rid", "BIGINT", "CAST(%s AS VARCHAR)", CMP_TEXT, true},
    [K_BOOL] = {"c_bool", "BOOLEAN", "CAST(%s AS VARCHAR)", CMP_TEXT, false},
    [K_I8] = {"c_i8", "TINYINT", "CAST(%s AS VARCHAR)", CMP_TEXT, true},
    [K_I16] = {"c_i16", "SMALLINT", "CAST(%s AS VARCHAR)", CMP_TEXT, true},
    [K_I32] = {"c_i32", "INTEGER", "CAST(%s AS VARCHAR)", CMP_TEXT, true},
    [K_I64] = {"c_i64", "BIGINT", "CAST(%s AS VARCHAR)", CMP_TEXT, true},
    [K_U8] = {"c_u8", "UTINYINT", "CAST(%s AS VARCHAR)", CMP_TEXT, true},
    [K_U16] = {"c_u16", "USMALLINT", "CAST(%s AS VARCHAR)", CMP_TEXT, true},
    [K_U32] = {"c_u32", "UINTEGER", "CAST(%s AS VARCHAR)", CMP_TEXT, true},
    [K_U64] = {"c_u64", "UBIGINT", "CAST(%s AS VARCHAR)", CMP_TEXT, true},
    [K_F32] = {"c_f32", "FLOAT", "CAST(%s AS VARCHAR)", CMP_F32, false},
    [K_F64] = {"c_f64", "DOUBLE", "CAST(%s AS VARCHAR)", CMP_F64, false},
    [K_DEC10_2] = {"c_dec10_2", "DECIMAL(10,2)", "CAST(%s AS VARCHAR)", CMP_TEXT, false},
    [K_DEC38_4] = {"c_dec38_4", "DECIMAL(38,4)", "CAST(%s AS VARCHAR)", CMP_TEXT, false},
    [K_DATE32] = {"c_date32", "DATE", "CAST(%s - DATE '1970-01-01' AS VARCHAR)", CMP_TEXT,
                  false},
    [K_TS_S] = {"c_ts_s", "TIMESTAMP_S", "CAST(epoch_ns(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_TS_MS] = {"c_ts_ms", "TIMESTAMP_MS", "CAST(epoch_ns(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_TS_US] = {"c_ts_us", "TIMESTAMP", "CAST(epoch_ns(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_TS_NS] = {"c_ts_ns", "TIMESTAMP_NS", "CAST(epoch_ns(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_TSZ_S] = {"c_tsz_s", "TIMESTAMP WITH TIME ZONE", "CAST(epoch_ns(%s) AS VARCHAR)",
                 CMP_TEXT, false},
    [K_TSZ_MS] = {"c_tsz_ms", "TIMESTAMP WITH TIME ZONE", "CAST(epoch_ns(%s) AS VARCHAR)",
                  CMP_TEXT, false},
    [K_TSZ_US] = {"c_tsz_us", "TIMESTAMP WITH TIME ZONE", "CAST(epoch_ns(%s) AS VARCHAR)",
                  CMP_TEXT, false},
    [K_TSZ_NS] = {"c_tsz_ns", "TIMESTAMP WITH TIME ZONE", "CAST(epoch_ns(%s) AS VARCHAR)",
                  CMP_TEXT, false},
    [K_UTF8] = {"c_utf8", "VARCHAR", "%s", CMP_TEXT, false},
    [K_LUTF8] = {"c_large_utf8", "VARCHAR", "%s", CMP_TEXT, false},
    [K_BIN] = {"c_binary", "BLOB", "hex(%s)", CMP_TEXT, false},
    [K_LBIN] = {"c_large_binary", "BLOB", "hex(%s)", CMP_TEXT, false},
    [K_FSB] = {"c_fsb5", "BLOB", "hex(%s)", CMP_TEXT, false},
    [K_LIST] = {"c_list", "INTEGER[]", "CAST(to_json(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_LLIST] = {"c_large_list", "VARCHAR[]", "CAST(to_json(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_FSL] = {"c_fsl3", "BIGINT[3]", "CAST(to_json(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_STRUCT] = {"c_struct", "STRUCT(a INTEGER, b VARCHAR)", "CAST(to_json(%s) AS VARCHAR)",
                  CMP_TEXT, false},
    [K_MAP] = {"c_map", "MAP(VARCHAR, BIGINT)", "CAST(to_json(%s) AS VARCHAR)", CMP_TEXT,
               false},
    [K_DICT] = {"c_dict", "VARCHAR", "%s", CMP_TEXT, false},
    [K_DATE64] = {"c_date64", "DATE", "CAST(%s - DATE '1970-01-01' AS VARCHAR)", CMP_TEXT,
                  false},
    [K_TIME32_MS] = {"c_time32_ms", "TIME", "CAST(epoch_us(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_TIME64_US] = {"c_time64_us", "TIME", "CAST(epoch_us(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_TIME64_NS] = {"c_time64_ns", "TIME_NS", "CAST(epoch_ns(%s) AS VARCHAR)", CMP_TEXT, false},
    [K_DUR_US] = {"c_duration_us", "INTERVAL",
                  "CAST(CAST(round(epoch(%s) * 1000000) AS BIGINT) AS VARCHAR)", CMP_TEXT, false},
};

static const char *const DICT_WORDS[4] = {"alpha", "beta", "gamma", "delta"};

/* Build the type of a column (one reference). */
static dc_type *make_type(kind k)
{
    dc_type *t = NULL, *a = NULL, *b = NULL;
    dc_field f[2];
    switch (k) {
    case K_RID:
    case K_I64: return dc_type_new(DC_TYPE_INT64);
    case K_BOOL: return dc_type_new(DC_TYPE_BOOL);
    case K_I8: return dc_type_new(DC_TYPE_INT8);
    case K_I16: return dc_type_new(DC_TYPE_INT16);
    case K_I32: return dc_type_new(DC_TYPE_INT32);
    case K_U8: return dc_type_new(DC_TYPE_UINT8);
    case K_U16: return dc_type_new(DC_TYPE_UINT16);
    case K_U32: return dc_type_new(DC_TYPE_UINT32);
    case K_U64: return dc_type_new(DC_TYPE_UINT64);
    case K_F32: return dc_type_new(DC_TYPE_FLOAT32);
    case K_F64: return dc_type_new(DC_TYPE_FLOAT64);
    case K_DEC10_2: return dc_type_decimal(128, 10, 2);
    case K_DEC38_4: return dc_type_decimal(128, 38, 4);
    case K_DATE32: return dc_type_new(DC_TYPE_DATE32);
    case K_TS_S: return dc_type_timestamp(DC_UNIT_SECOND, NULL);
    case K_TS_MS: return dc_type_timestamp(DC_UNIT_MILLI, NULL);
    case K_TS_US: return dc_type_timestamp(DC_UNIT_MICRO, NULL);
    case K_TS_NS: return dc_type_timestamp(DC_UNIT_NANO, NULL);
    case K_TSZ_S: return dc_type_timestamp(DC_UNIT_SECOND, "UTC");
    case K_TSZ_MS: return dc_type_timestamp(DC_UNIT_MILLI, "+01:00");
    case K_TSZ_US: return dc_type_timestamp(DC_UNIT_MICRO, "Europe/Paris");
    case K_TSZ_NS: return dc_type_timestamp(DC_UNIT_NANO, "America/New_York");
    case K_UTF8: return dc_type_new(DC_TYPE_UTF8);
    case K_LUTF8: return dc_type_new(DC_TYPE_LARGE_UTF8);
    case K_BIN: return dc_type_new(DC_TYPE_BINARY);
    case K_LBIN: return dc_type_new(DC_TYPE_LARGE_BINARY);
    case K_FSB: return dc_type_fixed_size_binary(5);
    case K_DATE64: return dc_type_new(DC_TYPE_DATE64);
    case K_TIME32_MS: return dc_type_time(DC_UNIT_MILLI);
    case K_TIME64_US: return dc_type_time(DC_UNIT_MICRO);
    case K_TIME64_NS: return dc_type_time(DC_UNIT_NANO);
    case K_DUR_US: return dc_type_duration(DC_UNIT_MICRO);
    case K_LIST:
    case K_LLIST:
    case K_FSL:
        a = dc_type_new(k == K_LIST ? DC_TYPE_INT32 : k == K_LLIST ? DC_TYPE_UTF8 : DC_TYPE_INT64);
        assert_non_null(a);
        DC_ASSERT_OK(dc_field_init(&f[0], "item", a, true, NULL));
        t = k == K_FSL ? dc_type_fixed_size_list(&f[0], 3)
                       : dc_type_list(k == K_LIST ? DC_TYPE_LIST : DC_TYPE_LARGE_LIST, &f[0]);
        dc_field_clear(&f[0]);
        dc_type_unref(a);
        return t;
    case K_STRUCT:
        a = dc_type_new(DC_TYPE_INT32);
        b = dc_type_new(DC_TYPE_UTF8);
        assert_true(a && b);
        DC_ASSERT_OK(dc_field_init(&f[0], "a", a, true, NULL));
        DC_ASSERT_OK(dc_field_init(&f[1], "b", b, true, NULL));
        t = dc_type_struct(f, 2);
        dc_field_clear(&f[0]);
        dc_field_clear(&f[1]);
        dc_type_unref(a);
        dc_type_unref(b);
        return t;
    case K_MAP:
        a = dc_type_new(DC_TYPE_UTF8);
        b = dc_type_new(DC_TYPE_INT64);
        assert_true(a && b);
        t = dc_type_map(a, b, true, false);
        dc_type_unref(a);
        dc_type_unref(b);
        return t;
    case K_DICT:
        a = dc_type_new(DC_TYPE_INT32);
        b = dc_type_new(DC_TYPE_UTF8);
        assert_true(a && b);
        t = dc_type_dictionary(a, b, false);
        dc_type_unref(a);
        dc_type_unref(b);
        return t;
    case K__COUNT: break;
    }
    fail_msg("no type for kind %d", (int)k);
    return NULL;
}

/* Row r of kind k is null for one row in five (never for the row id). */
static bool is_null(kind k, int64_t r) { return k != K_RID && (r + (int64_t)k) % 5 == 0; }

/* A small signed magnitude that varies with the row and stays small for r >= 1000 (the
 * rows cut off by a slice, which must never reach DuckDB). */
static int64_t mag(int64_t r) { return r % 64 - 13; }

static int64_t ival(kind k, int64_t r)
{
    int64_t lo = 0, hi = 0;
    switch (k) {
    case K_I8: lo = INT8_MIN, hi = INT8_MAX; break;
    case K_I16: lo = INT16_MIN, hi = INT16_MAX; break;
    case K_I32: lo = INT32_MIN, hi = INT32_MAX; break;
    default: lo = INT64_MIN, hi = INT64_MAX; break;
    }
    if (r % 6 == 1)
        return lo;
    if (r % 6 == 2)
        return hi;
    return mag(r) * (k == K_I8 ? 2 : 7); /* |mag| <= 50 */
}

static uint64_t uval(kind k, int64_t r)
{
    uint64_t hi = k == K_U8 ? UINT8_MAX : k == K_U16 ? UINT16_MAX : k == K_U32 ? UINT32_MAX
                                                                             : UINT64_MAX;
    if (r % 6 == 2)
        return hi;
    return (uint64_t)(r % 64) * 3;
}

static float f32val(int64_t r)
{
    switch (r % 9) {
    case 4: return 0.1f;
    case 5: return -3.4028235e38f;
    case 6: return 1.17549435e-38f;
    default: return (float)mag(r) * 0.25f;
    }
}

static double f64val(int64_t r)
{
    switch (r % 9) {
    case 4: return 0.1;
    case 5: return 1e300;
    case 6: return NAN;
    case 7: return -INFINITY;
    case 8: return 5e-324;
    default: return (double)mag(r) * 1.1;
    }
}

static __int128 decval(kind k, int64_t r)
{
    if (k == K_DEC10_2)
        return (__int128)mag(r) * 12345 + (r % 2 ? -3 : 3); /* e.g. -160482, 0.03 */
    __int128 e33 = 1;
    for (int i = 0; i < 33; i++)
        e33 *= 10;
    return (__int128)mag(r) * e33 + mag(r) * 7; /* up to 37 digits */
}

/* A time of day in the column's unit since midnight. */
static int64_t timeval(kind k, int64_t r)
{
    int64_t us = (r % 64) * INT64_C(1234567891) % INT64_C(86400000000); /* < one day */
    switch (k) {
    case K_TIME32_MS: return us / 1000;
    case K_TIME64_US: return us;
    default: return us * 1000 + r % 1000; /* K_TIME64_NS */
    }
}

/* What DuckDB must say of it: microseconds (TIME) or nanoseconds (TIME_NS). */
static int64_t time_expected(kind k, int64_t r)
{
    int64_t v = timeval(k, r);
    return k == K_TIME32_MS ? v * 1000 : v;
}

/* The timestamp's value in its own unit, and how many nanoseconds the unit is. */
static int64_t tsval(kind k, int64_t r, int64_t *nanos_per_unit)
{
    switch (k) {
    case K_TS_S:
    case K_TSZ_S: *nanos_per_unit = 1000000000; return mag(r) * INT64_C(100000007);
    case K_TS_MS:
    case K_TSZ_MS: *nanos_per_unit = 1000000; return mag(r) * INT64_C(123456789012);
    case K_TS_US:
    case K_TSZ_US: *nanos_per_unit = 1000; return mag(r) * INT64_C(123456789012345);
    case K_TS_NS: *nanos_per_unit = 1; return mag(r) * INT64_C(123456789012345678);
    default: /* K_TSZ_NS: whole microseconds, see the file's comment */
        *nanos_per_unit = 1;
        return mag(r) * INT64_C(123456789012345000);
    }
}

static void text_of(kind k, int64_t r, dc_strbuf *s)
{
    if (k == K_UTF8) {
        if (r % 7 == 3)
            return; /* an empty string, which is not a null */
        dc_strbuf_printf(s, "h\xc3\xa9llo \xe2\x9c\x93 #%" PRId64, r);
        if (r % 7 == 5)
            for (int i = 0; i < 20; i++)
                dc_strbuf_puts(s, " long text, \"quoted\"");
    } else {
        dc_strbuf_printf(s, "large-%" PRId64 "-\xe6\x97\xa5\xe6\x9c\xac", r);
    }
}

/* The bytes of a binary value into buf (at least 16 bytes); returns the length. */
static int64_t bytes_of(kind k, int64_t r, uint8_t *buf)
{
    int64_t n = k == K_FSB ? 5 : r % 7 + (k == K_LBIN ? 3 : 0);
    for (int64_t j = 0; j < n; j++)
        buf[j] = (uint8_t)((r * 31 + j * 17 + (k == K_FSB ? 101 : 0)) & 0xff);
    if (n > 0 && r % 5 == 1)
        buf[0] = 0;
    return n;
}

static void put_int128(dc_strbuf *s, __int128 v)
{
    char tmp[48];
    int n = 48;
    unsigned __int128 a = (unsigned __int128)v;
    if (v < 0)
        a = (unsigned __int128)0 - a;
    do {
        tmp[--n] = (char)('0' + (int)(a % 10));
        a /= 10;
    } while (a);
    if (v < 0)
        dc_strbuf_putc(s, '-');
    dc_strbuf_append(s, tmp + n, 48 - n);
}

/* A decimal's text as DuckDB writes it: exactly `scale` digits after the point. */
static void put_decimal(dc_strbuf *s, __int128 v, int scale)
{
    dc_strbuf digits;
    dc_strbuf_init(&digits);
    put_int128(&digits, v < 0 ? -v : v);
    const char *d = dc_strbuf_cstr(&digits);
    int64_t n = (int64_t)strlen(d);
    if (v < 0)
        dc_strbuf_putc(s, '-');
    if (n <= scale) {
        dc_strbuf_puts(s, "0.");
        for (int64_t i = n; i < scale; i++)
            dc_strbuf_putc(s, '0');
        dc_strbuf_puts(s, d);
    } else {
        dc_strbuf_append(s, d, n - scale);
        dc_strbuf_putc(s, '.');
        dc_strbuf_puts(s, d + n - scale);
    }
    dc_strbuf_free(&digits);
}

/* Append row r of kind k to builder b (the dictionary's rotation is the batch's). */
static void append_value(dc_builder *b, kind k, int64_t r, int rot)
{
    if (is_null(k, r)) {
        DC_ASSERT_OK(dc_builder_append_null(b));
        return;
    }
    dc_strbuf s;
    uint8_t buf[64];
    switch (k) {
    case K_RID: DC_ASSERT_OK(dc_builder_append_int(b, r)); break;
    case K_BOOL: DC_ASSERT_OK(dc_builder_append_bool(b, r % 3 == 1)); break;
    case K_I8:
    case K_I16:
    case K_I32:
    case K_I64: DC_ASSERT_OK(dc_builder_append_int(b, ival(k, r))); break;
    case K_U8:
    case K_U16:
    case K_U32:
    case K_U64: DC_ASSERT_OK(dc_builder_append_uint(b, uval(k, r))); break;
    case K_F32: DC_ASSERT_OK(dc_builder_append_double(b, (double)f32val(r))); break;
    case K_F64: DC_ASSERT_OK(dc_builder_append_double(b, f64val(r))); break;
    case K_DEC10_2:
    case K_DEC38_4: {
        __int128 v = decval(k, r);
        memcpy(buf, &v, 16); /* little-endian two's complement, as Arrow stores it */
        DC_ASSERT_OK(dc_builder_append_bytes(b, buf, 16));
        break;
    }
    case K_DATE32: DC_ASSERT_OK(dc_builder_append_int(b, mag(r) * 1000 + r % 3)); break;
    case K_TS_S:
    case K_TS_MS:
    case K_TS_US:
    case K_TS_NS:
    case K_TSZ_S:
    case K_TSZ_MS:
    case K_TSZ_US:
    case K_TSZ_NS: {
        int64_t unit;
        DC_ASSERT_OK(dc_builder_append_int(b, tsval(k, r, &unit)));
        break;
    }
    case K_UTF8:
    case K_LUTF8:
        dc_strbuf_init(&s);
        text_of(k, r, &s);
        DC_ASSERT_OK(dc_strbuf_status(&s));
        DC_ASSERT_OK(dc_builder_append_bytes(b, dc_strbuf_cstr(&s), s.len));
        dc_strbuf_free(&s);
        break;
    case K_BIN:
    case K_LBIN:
    case K_FSB: {
        int64_t n = bytes_of(k, r, buf);
        DC_ASSERT_OK(dc_builder_append_bytes(b, buf, n));
        break;
    }
    case K_LIST: {
        dc_builder *item = dc_builder_child(b, 0);
        for (int64_t j = 0; j < r % 4; j++) {
            if (j == 1 && r % 3 == 0)
                DC_ASSERT_OK(dc_builder_append_null(item));
            else
                DC_ASSERT_OK(dc_builder_append_int(item, mag(r) * 10 + j));
        }
        DC_ASSERT_OK(dc_builder_append_valid(b));
        break;
    }
    case K_LLIST: {
        dc_builder *item = dc_builder_child(b, 0);
        for (int64_t j = 0; j < r % 3; j++) {
            if (j == 1 && r % 2 == 0) {
                DC_ASSERT_OK(dc_builder_append_null(item));
            } else {
                char t[32];
                int n = snprintf(t, sizeof t, "s%" PRId64 "_%" PRId64, r, j);
                DC_ASSERT_OK(dc_builder_append_bytes(item, t, n));
            }
        }
        DC_ASSERT_OK(dc_builder_append_valid(b));
        break;
    }
    case K_FSL: {
        dc_builder *item = dc_builder_child(b, 0);
        DC_ASSERT_OK(dc_builder_append_int(item, mag(r)));
        if (r % 4 == 0)
            DC_ASSERT_OK(dc_builder_append_null(item));
        else
            DC_ASSERT_OK(dc_builder_append_int(item, -mag(r) * 1000));
        DC_ASSERT_OK(dc_builder_append_int(item, mag(r) * INT64_C(1000000000000)));
        DC_ASSERT_OK(dc_builder_append_valid(b));
        break;
    }
    case K_STRUCT: {
        char t[32];
        int n = snprintf(t, sizeof t, "b%" PRId64, r);
        if (r % 4 == 2)
            DC_ASSERT_OK(dc_builder_append_null(dc_builder_child(b, 0)));
        else
            DC_ASSERT_OK(dc_builder_append_int(dc_builder_child(b, 0), r * 3));
        DC_ASSERT_OK(dc_builder_append_bytes(dc_builder_child(b, 1), t, n));
        DC_ASSERT_OK(dc_builder_append_valid(b));
        break;
    }
    case K_MAP: {
        dc_builder *entries = dc_builder_child(b, 0);
        for (int64_t j = 0; j < r % 3; j++) {
            char t[16];
            int n = snprintf(t, sizeof t, "k%" PRId64, j);
            DC_ASSERT_OK(dc_builder_append_bytes(dc_builder_child(entries, 0), t, n));
            if (j == 1 && r % 2 == 1)
                DC_ASSERT_OK(dc_builder_append_null(dc_builder_child(entries, 1)));
            else
                DC_ASSERT_OK(dc_builder_append_int(dc_builder_child(entries, 1), r * 100 + j));
            DC_ASSERT_OK(dc_builder_append_valid(entries));
        }
        DC_ASSERT_OK(dc_builder_append_valid(b));
        break;
    }
    case K_DATE64:
        DC_ASSERT_OK(dc_builder_append_int(b, (mag(r) * 1000 + r % 3) * INT64_C(86400000)));
        break;
    case K_TIME32_MS:
    case K_TIME64_US:
    case K_TIME64_NS: DC_ASSERT_OK(dc_builder_append_int(b, timeval(k, r))); break;
    case K_DUR_US: DC_ASSERT_OK(dc_builder_append_int(b, mag(r) * INT64_C(123456789))); break;
    case K_DICT:
        /* The batch's dictionary is DICT_WORDS rotated by `rot`: word w sits at (w-rot)%4. */
        DC_ASSERT_OK(dc_builder_append_int(b, ((r % 4) - rot + 4) % 4));
        break;
    case K__COUNT: fail_msg("bad kind");
    }
}

/*
 * The text DuckDB must return for row r of kind k through KINDS[k].expr, into `s`;
 * false when it must return NULL.
 */
static bool expected_text(kind k, int64_t r, dc_strbuf *s)
{
    if (is_null(k, r))
        return false;
    uint8_t buf[64];
    switch (k) {
    case K_RID: dc_strbuf_printf(s, "%" PRId64, r); break;
    case K_BOOL: dc_strbuf_puts(s, r % 3 == 1 ? "true" : "false"); break;
    case K_I8:
    case K_I16:
    case K_I32:
    case K_I64: dc_strbuf_printf(s, "%" PRId64, ival(k, r)); break;
    case K_U8:
    case K_U16:
    case K_U32:
    case K_U64: dc_strbuf_printf(s, "%" PRIu64, uval(k, r)); break;
    case K_F32: dc_strbuf_printf(s, "%.9g", (double)f32val(r)); break;
    case K_F64: dc_strbuf_printf(s, "%.17g", f64val(r)); break;
    case K_DEC10_2: put_decimal(s, decval(k, r), 2); break;
    case K_DEC38_4: put_decimal(s, decval(k, r), 4); break;
    case K_DATE32: dc_strbuf_printf(s, "%" PRId64, mag(r) * 1000 + r % 3); break;
    case K_TS_S:
    case K_TS_MS:
    case K_TS_US:
    case K_TS_NS:
    case K_TSZ_S:
    case K_TSZ_MS:
    case K_TSZ_US:
    case K_TSZ_NS: {
        int64_t unit, v = tsval(k, r, &unit);
        dc_strbuf_printf(s, "%" PRId64, v * unit);
        break;
    }
    case K_UTF8:
    case K_LUTF8: text_of(k, r, s); break;
    case K_BIN:
    case K_LBIN:
    case K_FSB: {
        int64_t n = bytes_of(k, r, buf);
        for (int64_t j = 0; j < n; j++)
            dc_strbuf_printf(s, "%02X", buf[j]);
        break;
    }
    case K_LIST:
        dc_strbuf_putc(s, '[');
        for (int64_t j = 0; j < r % 4; j++) {
            if (j)
                dc_strbuf_putc(s, ',');
            if (j == 1 && r % 3 == 0)
                dc_strbuf_puts(s, "null");
            else
                dc_strbuf_printf(s, "%" PRId64, mag(r) * 10 + j);
        }
        dc_strbuf_putc(s, ']');
        break;
    case K_LLIST:
        dc_strbuf_putc(s, '[');
        for (int64_t j = 0; j < r % 3; j++) {
            if (j)
                dc_strbuf_putc(s, ',');
            if (j == 1 && r % 2 == 0)
                dc_strbuf_puts(s, "null");
            else
                dc_strbuf_printf(s, "\"s%" PRId64 "_%" PRId64 "\"", r, j);
        }
        dc_strbuf_putc(s, ']');
        break;
    case K_FSL:
        dc_strbuf_printf(s, "[%" PRId64 ",", mag(r));
        if (r % 4 == 0)
            dc_strbuf_puts(s, "null");
        else
            dc_strbuf_printf(s, "%" PRId64, -mag(r) * 1000);
        dc_strbuf_printf(s, ",%" PRId64 "]", mag(r) * INT64_C(1000000000000));
        break;
    case K_STRUCT:
        if (r % 4 == 2)
            dc_strbuf_printf(s, "{\"a\":null,\"b\":\"b%" PRId64 "\"}", r);
        else
            dc_strbuf_printf(s, "{\"a\":%" PRId64 ",\"b\":\"b%" PRId64 "\"}", r * 3, r);
        break;
    case K_MAP:
        dc_strbuf_putc(s, '{');
        for (int64_t j = 0; j < r % 3; j++) {
            if (j)
                dc_strbuf_putc(s, ',');
            if (j == 1 && r % 2 == 1)
                dc_strbuf_printf(s, "\"k%" PRId64 "\":null", j);
            else
                dc_strbuf_printf(s, "\"k%" PRId64 "\":%" PRId64, j, r * 100 + j);
        }
        dc_strbuf_putc(s, '}');
        break;
    case K_DICT: dc_strbuf_puts(s, DICT_WORDS[r % 4]); break;
    case K_DATE64: dc_strbuf_printf(s, "%" PRId64, mag(r) * 1000 + r % 3); break;
    case K_TIME32_MS:
    case K_TIME64_US:
    case K_TIME64_NS: dc_strbuf_printf(s, "%" PRId64, time_expected(k, r)); break;
    case K_DUR_US: dc_strbuf_printf(s, "%" PRId64, mag(r) * INT64_C(123456789)); break;
    case K__COUNT: fail_msg("bad kind");
    }
    DC_ASSERT_OK(dc_strbuf_status(s));
    return true;
}

/* Does DuckDB's text `got` match the expected text `want` of kind k? */
static bool same_value(kind k, const char *got, const char *want)
{
    if (KINDS[k].cmp == CMP_F32) {
        float g = strtof(got, NULL), w = strtof(want, NULL);
        return (isnan(g) && isnan(w)) || g == w;
    }
    if (KINDS[k].cmp == CMP_F64) {
        double g = strtod(got, NULL), w = strtod(want, NULL);
        return (isnan(g) && isnan(w)) || g == w;
    }
    return strcmp(got, want) == 0;
}

/* ---- building the batches ---------------------------------------------------------------- */

typedef struct fixture {
    const kind *kinds;
    int n_kinds;
    dc_schema *schema;
} fixture;

static void fixture_init(fixture *fx, const kind *kinds, int n)
{
    fx->kinds = kinds;
    fx->n_kinds = n;
    dc_field *fields = dc_calloc((size_t)n, sizeof *fields);
    assert_non_null(fields);
    for (int i = 0; i < n; i++) {
        dc_type *t = make_type(kinds[i]);
        assert_non_null(t);
        DC_ASSERT_OK(dc_field_init(&fields[i], KINDS[kinds[i]].name, t, kinds[i] != K_RID, NULL));
        dc_type_unref(t);
    }
    fx->schema = dc_schema_new(fields, n, NULL);
    assert_non_null(fx->schema);
    for (int i = 0; i < n; i++)
        dc_field_clear(&fields[i]);
    dc_free(fields);
}

static void fixture_clear(fixture *fx) { dc_schema_unref(fx->schema); }

/* A batch of the rows `rids[0..n)`, its dictionary rotated by `rot`. */
static dc_batch *build_batch(const fixture *fx, const int64_t *rids, int64_t n, int rot)
{
    dc_array **cols = dc_calloc((size_t)fx->n_kinds, sizeof *cols);
    assert_non_null(cols);
    for (int c = 0; c < fx->n_kinds; c++) {
        kind k = fx->kinds[c];
        dc_builder *b = NULL;
        dc_error err;
        dc_error_clear(&err);
        if (dc_builder_new(&b, fx->schema->fields[c].type, &err) != DC_OK)
            fail_msg("dc_builder_new(%s): %s", KINDS[k].name, err.message);
        dc_array *dict = NULL;
        if (k == K_DICT) {
            const char *words[4];
            for (int w = 0; w < 4; w++)
                words[w] = DICT_WORDS[(w + rot) % 4];
            dict = tu_utf8(words, 4);
            assert_non_null(dict);
            DC_ASSERT_OK(dc_builder_set_dictionary(b, dict));
        }
        for (int64_t i = 0; i < n; i++)
            append_value(b, k, rids[i], rot);
        if (dc_builder_finish(b, &cols[c], &err) != DC_OK)
            fail_msg("dc_builder_finish(%s): %s", KINDS[k].name, err.message);
        if (dc_array_validate(cols[c], &err) != DC_OK)
            fail_msg("the builder made an invalid %s array: %s", KINDS[k].name, err.message);
        dc_builder_free(b);
        dc_array_unref(dict);
    }
    dc_batch *batch = NULL;
    dc_error err;
    dc_error_clear(&err);
    if (dc_batch_new(&batch, fx->schema, cols, n, &err) != DC_OK)
        fail_msg("dc_batch_new: %s", err.message);
    for (int c = 0; c < fx->n_kinds; c++)
        dc_array_unref(cols[c]);
    dc_free(cols);
    return batch;
}

/*
 * The stream of the tests: 27 rows (rid 0..26) in four batches of 7, 0, 11 and 9 rows;
 * the last is a zero-copy slice (offset 3) of a 15-row batch whose three first and three
 * last rows (rid 1000+) must not be seen. Each batch has its own dictionary.
 */
#define N_ROWS 27

static dc_reader *build_reader(const fixture *fx)
{
    int64_t rids[16];
    dc_batch *batches[4];
    for (int64_t i = 0; i < 7; i++)
        rids[i] = i;
    batches[0] = build_batch(fx, rids, 7, 0);
    batches[1] = build_batch(fx, rids, 0, 1);
    for (int64_t i = 0; i < 11; i++)
        rids[i] = 7 + i;
    batches[2] = build_batch(fx, rids, 11, 2);
    for (int64_t i = 0; i < 15; i++)
        rids[i] = i < 3 ? 1000 + i : i < 12 ? 18 + (i - 3) : 1000 + i;
    dc_batch *whole = build_batch(fx, rids, 15, 3);
    dc_error err;
    dc_error_clear(&err);
    if (dc_batch_slice(&batches[3], whole, 3, 9, &err) != DC_OK)
        fail_msg("dc_batch_slice: %s", err.message);
    dc_batch_unref(whole);

    dc_reader *r = NULL;
    if (dc_reader_from_batches(&r, fx->schema, batches, 4, &err) != DC_OK)
        fail_msg("dc_reader_from_batches: %s", err.message);
    for (int i = 0; i < 4; i++)
        dc_batch_unref(batches[i]);
    return r;
}

/* ---- the checks ------------------------------------------------------------------------ */

/* DuckDB's DESCRIBE of `view` names every column's type as KINDS[] says. */
static void check_types(duck_api *d, const fixture *fx, const char *view)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT column_name, column_type FROM (DESCRIBE %s)", view);
    duckdb_result res;
    duck_run(d, sql, &res);
    assert_int_equal(d->row_count(&res), fx->n_kinds);
    for (int c = 0; c < fx->n_kinds; c++) {
        char *name = d->value_varchar(&res, 0, (idx_t)c);
        char *type = d->value_varchar(&res, 1, (idx_t)c);
        const kind_info *ki = &KINDS[fx->kinds[c]];
        bool ok = name && type && !strcmp(name, ki->name) && !strcmp(type, ki->duck_type);
        char msg[512];
        snprintf(msg, sizeof msg, "column %d: DuckDB sees %s %s, expected %s %s", c,
                 name ? name : "?", type ? type : "?", ki->name, ki->duck_type);
        d->free(name);
        d->free(type);
        if (!ok) {
            d->destroy_result(&res);
            fail_msg("%s", msg);
        }
    }
    d->destroy_result(&res);
}

/* KINDS[].expr with its "%s" replaced by the column's name. */
static void render_expr(char *out, size_t cap, const char *tmpl, const char *name)
{
    const char *at = strstr(tmpl, "%s");
    assert_non_null(at);
    snprintf(out, cap, "%.*s%s%s", (int)(at - tmpl), tmpl, name, at + 2);
}

/* Every row of column c, rendered by DuckDB, equals what we put in. */
static void check_column_values(duck_api *d, kind k, const char *table)
{
    char expr[256], sql[512];
    render_expr(expr, sizeof expr, KINDS[k].expr, KINDS[k].name);
    snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY rid", expr, table);
    duckdb_result res;
    duck_run(d, sql, &res);
    assert_int_equal(d->row_count(&res), N_ROWS);
    dc_strbuf want;
    dc_strbuf_init(&want);
    for (int64_t r = 0; r < N_ROWS; r++) {
        dc_strbuf_clear(&want);
        bool valid = expected_text(k, r, &want);
        bool got_null = d->value_is_null(&res, 0, (idx_t)r);
        char *got = got_null ? NULL : d->value_varchar(&res, 0, (idx_t)r);
        char msg[1024] = "";
        if (valid == got_null || (valid && !same_value(k, got ? got : "", dc_strbuf_cstr(&want))))
            snprintf(msg, sizeof msg, "%s, row %lld: DuckDB returned %s, expected %s",
                     KINDS[k].name, (long long)r, got_null ? "NULL" : got ? got : "(?)",
                     valid ? dc_strbuf_cstr(&want) : "NULL");
        d->free(got);
        if (msg[0]) {
            dc_strbuf_free(&want);
            d->destroy_result(&res);
            fail_msg("%s", msg);
        }
    }
    dc_strbuf_free(&want);
    d->destroy_result(&res);
}

/* count(c) equals the number of non-null rows; sum(c) and string_agg(c) where they apply. */
static void check_column_aggregates(duck_api *d, kind k, const char *table)
{
    const char *name = KINDS[k].name;
    char sql[512], got[4096];
    int64_t valid = 0;
    __int128 sum = 0;
    dc_strbuf want, agg;
    dc_strbuf_init(&want);
    dc_strbuf_init(&agg);
    for (int64_t r = 0; r < N_ROWS; r++) {
        if (is_null(k, r))
            continue;
        valid++;
        if (k >= K_U8 && k <= K_U64)
            sum += (__int128)uval(k, r);
        else if (k == K_RID)
            sum += r;
        else if (k >= K_I8 && k <= K_I64)
            sum += ival(k, r);
        if (k == K_UTF8 || k == K_LUTF8 || k == K_DICT) {
            if (agg.len)
                dc_strbuf_putc(&agg, '|');
            expected_text(k, r, &agg);
        }
    }
    snprintf(sql, sizeof sql, "SELECT CAST(count(%s) AS VARCHAR) FROM %s", name, table);
    duck_scalar(d, sql, got, sizeof got);
    dc_strbuf_printf(&want, "%" PRId64, valid);
    if (strcmp(got, dc_strbuf_cstr(&want)) != 0)
        fail_msg("count(%s) is %s, expected %s", name, got, dc_strbuf_cstr(&want));
    if (KINDS[k].summable) {
        snprintf(sql, sizeof sql, "SELECT CAST(sum(%s) AS VARCHAR) FROM %s", name, table);
        duck_scalar(d, sql, got, sizeof got);
        dc_strbuf_clear(&want);
        put_int128(&want, sum);
        if (strcmp(got, dc_strbuf_cstr(&want)) != 0)
            fail_msg("sum(%s) is %s, expected %s", name, got, dc_strbuf_cstr(&want));
    }
    if (k == K_UTF8 || k == K_LUTF8 || k == K_DICT) {
        snprintf(sql, sizeof sql, "SELECT string_agg(%s, '|' ORDER BY rid) FROM %s", name, table);
        duck_scalar(d, sql, got, sizeof got);
        if (strcmp(got, dc_strbuf_cstr(&agg)) != 0)
            fail_msg("string_agg(%s) is\n  %s\nexpected\n  %s", name, got, dc_strbuf_cstr(&agg));
    }
    dc_strbuf_free(&want);
    dc_strbuf_free(&agg);
}

/* Export the fixture's stream to DuckDB, copy it into a table and check everything. */
static void run_roundtrip(const kind *kinds, int n)
{
    duck_api d;
    duck_open(&d);
    fixture fx;
    fixture_init(&fx, kinds, n);
    owned_stream os;
    duck_register(&d, &os, build_reader(&fx), "dc_stream");
    check_types(&d, &fx, "dc_stream");
    duck_exec(&d, "CREATE TABLE t AS SELECT * FROM dc_stream");
    duck_unregister(&d, &os, "dc_stream");
    assert_true(os.schema_calls >= 1);

    char got[1024];
    duck_scalar(&d, "SELECT CAST(count(*) AS VARCHAR) FROM t", got, sizeof got);
    assert_string_equal(got, "27");
    /* The rows arrive once each, in order, and none of the sliced-off rows (rid >= 1000). */
    duck_scalar(&d, "SELECT string_agg(CAST(rid AS VARCHAR), ',' ORDER BY rid) FROM t", got,
                sizeof got);
    assert_string_equal(got, "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,"
                             "25,26");
    check_types(&d, &fx, "t");
    for (int c = 0; c < n; c++) {
        check_column_values(&d, kinds[c], "t");
        check_column_aggregates(&d, kinds[c], "t");
    }
    fixture_clear(&fx);
    duck_close(&d);
}

static const kind PRIMITIVES[] = {K_RID,   K_BOOL,    K_I8,      K_I16,    K_I32,    K_I64,
                                  K_U8,    K_U16,     K_U32,     K_U64,    K_F32,    K_F64,
                                  K_DEC10_2, K_DEC38_4, K_DATE32, K_TS_S,  K_TS_MS,  K_TS_US,
                                  K_TS_NS, K_TSZ_S,   K_TSZ_MS,  K_TSZ_US, K_TSZ_NS, K_UTF8,
                                  K_LUTF8, K_BIN,     K_LBIN,    K_FSB};
static const kind NESTED[] = {K_RID, K_LIST, K_LLIST, K_FSL, K_STRUCT, K_MAP, K_DICT};
static const kind OTHER_TEMPORAL[] = {K_RID,       K_DATE64,    K_TIME32_MS,
                                      K_TIME64_US, K_TIME64_NS, K_DUR_US};

static void duckdb_reads_every_primitive_type_with_nulls_across_batches(void **state)
{
    (void)state;
    run_roundtrip(PRIMITIVES, (int)DC_ARRAY_LEN(PRIMITIVES));
}

static void duckdb_reads_lists_structs_maps_and_dictionaries(void **state)
{
    (void)state;
    run_roundtrip(NESTED, (int)DC_ARRAY_LEN(NESTED));
}

static void duckdb_reads_date64_times_and_durations(void **state)
{
    (void)state;
    run_roundtrip(OTHER_TEMPORAL, (int)DC_ARRAY_LEN(OTHER_TEMPORAL));
}

/* A stream without any batch: DuckDB sees the schema and no rows. */
static void duckdb_reads_an_empty_stream(void **state)
{
    (void)state;
    duck_api d;
    duck_open(&d);
    fixture fx;
    fixture_init(&fx, PRIMITIVES, (int)DC_ARRAY_LEN(PRIMITIVES));
    dc_reader *r = NULL;
    DC_ASSERT_OK(dc_reader_from_batches(&r, fx.schema, NULL, 0, NULL));
    owned_stream os;
    duck_register(&d, &os, r, "dc_empty");
    check_types(&d, &fx, "dc_empty");
    char got[64];
    duck_scalar(&d, "SELECT CAST(count(*) AS VARCHAR) FROM dc_empty", got, sizeof got);
    assert_string_equal(got, "0");
    duck_unregister(&d, &os, "dc_empty");
    fixture_clear(&fx);
    duck_close(&d);
}

/* ---- a reader failing mid-stream: DuckDB reports our message ------------------------- */

typedef struct failing_impl {
    dc_batch *batch;
    int calls;
} failing_impl;

static dc_status failing_next(dc_reader *r, dc_batch **out, dc_error *err)
{
    failing_impl *f = r->impl;
    if (f->calls++ == 0) {
        *out = dc_batch_ref(f->batch);
        return DC_OK;
    }
    *out = NULL;
    return dc_error_set(err, DC_EIO, "reading part-0001.parquet: injected failure at row 7");
}

static void failing_destroy(dc_reader *r)
{
    failing_impl *f = r->impl;
    dc_batch_unref(f->batch);
    dc_free(f);
}

static const dc_reader_vtable FAILING_VT = {failing_next, failing_destroy};

static void duckdb_reports_the_error_of_a_failing_stream(void **state)
{
    if (!*(bool *)*state)
        fail_msg("DuckDB reports a stream's error by throwing a C++ exception, which cannot work "
                 "in this AddressSanitizer build: libstdc++ was not loaded at start-up and "
                 "re-executing with LD_PRELOAD=libstdc++.so.6 failed. Run the test with "
                 "LD_PRELOAD=libstdc++.so.6.");
    static const kind cols[] = {K_RID, K_I32, K_UTF8};
    duck_api d;
    duck_open(&d);
    fixture fx;
    fixture_init(&fx, cols, 3);
    int64_t rids[7] = {0, 1, 2, 3, 4, 5, 6};
    failing_impl *f = dc_calloc(1, sizeof *f);
    assert_non_null(f);
    f->batch = build_batch(&fx, rids, 7, 0);
    dc_reader *r = NULL;
    dc_error err;
    dc_error_clear(&err);
    if (dc_reader_new(&r, &FAILING_VT, f, fx.schema, &err) != DC_OK)
        fail_msg("dc_reader_new: %s", err.message);
    owned_stream os;
    duck_register(&d, &os, r, "dc_failing");

    duckdb_result res;
    memset(&res, 0, sizeof res);
    duckdb_state st = d.query(d.conn, "SELECT count(*) FROM dc_failing", &res);
    const char *msg = d.result_error(&res);
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", msg ? msg : "");
    d.destroy_result(&res);
    assert_int_equal(st, DuckDBError);
    if (!strstr(copy, "injected failure at row 7"))
        fail_msg("DuckDB's error does not carry our message: %s", copy);

    duck_unregister(&d, &os, "dc_failing");
    fixture_clear(&fx);
    duck_close(&d);
}

/*
 * AddressSanitizer intercepts __cxa_throw and finds the real one when the process starts.
 * This test is C and links no C++ runtime, so when libduckdb.so (C++) is loaded later
 * and throws (it does when our stream reports an error), ASan's interceptor has nothing
 * to call and aborts. Under ASan the test therefore re-executes itself once with the C++
 * runtime preloaded. tests/CMakeLists.txt links the interop tests with libstdc++, so
 * this is only the fallback for a build that does not.
 * Returns whether C++ exceptions can be thrown in this process.
 */
static bool cxx_exceptions_work(char **argv)
{
#if defined(__SANITIZE_ADDRESS__)
#define DC_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DC_TEST_ASAN 1
#endif
#endif
#ifdef DC_TEST_ASAN
    void *cxx = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_NOLOAD);
    if (cxx) {
        dlclose(cxx);
        return true;
    }
    if (getenv("DC_DUCKDB_TEST_REEXEC"))
        return false; /* preloading did not help: do not loop */
    const char *old = getenv("LD_PRELOAD");
    char preload[4096];
    snprintf(preload, sizeof preload, "%s%slibstdc++.so.6", old ? old : "", old && *old ? ":" : "");
    if (setenv("LD_PRELOAD", preload, 1) == 0 && setenv("DC_DUCKDB_TEST_REEXEC", "1", 1) == 0)
        execv("/proc/self/exe", argv);
    return false; /* exec failed: the failing-stream test says so */
#else
    (void)argv;
    return true;
#endif
}

int main(int argc, char **argv)
{
    (void)argc;
    bool cxx_ok = cxx_exceptions_work(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duckdb_reads_every_primitive_type_with_nulls_across_batches),
        cmocka_unit_test(duckdb_reads_lists_structs_maps_and_dictionaries),
        cmocka_unit_test(duckdb_reads_date64_times_and_durations),
        cmocka_unit_test(duckdb_reads_an_empty_stream),
        cmocka_unit_test_prestate(duckdb_reports_the_error_of_a_failing_stream, &cxx_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
