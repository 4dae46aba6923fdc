/*
 * thrift_int.h: the Thrift compact protocol, as Parquet uses it for its footer,
 * page headers and page indexes. A decoder over a bounded byte range and an
 * encoder appending to a dc_bytes. Written from the Thrift compact protocol
 * specification (thrift/doc/specs/thrift-compact-protocol.md).
 *
 * Wire format in brief:
 * - integers: i8 is one raw byte; i16, i32, i64 are ULEB128 varints of the
 *   zigzag-encoded value; double is 8 bytes little-endian.
 * - binary/string: varint length, then the bytes.
 * - struct: fields, then a 0 byte (STOP). A field header is one byte
 *   (delta << 4 | type) when the id is 1..15 above the previous field's id,
 *   else the byte (type) followed by the id as a zigzag varint ("long form").
 *   A bool field carries its value in the type nibble (1 true, 2 false) and
 *   has no value bytes.
 * - list/set: one byte (size << 4 | element type) when size < 15, else
 *   (0xF0 | element type) and the size as a varint. Bool elements are one
 *   byte each (1 true, 2 or 0 false).
 * - map: the size as a varint; when not 0, one byte (key type << 4 | value type).
 *
 * The decoder never reads past its range and never trusts a declared size:
 * a list declaring more elements than bytes are left is corrupt (every element
 * takes at least one byte), and nesting is limited to DC_THRIFT_MAX_DEPTH.
 * Every failure is DC_ECORRUPT with a message naming the byte offset and what
 * was being read ("truncated varint at offset 1234 in the footer"); err->offset
 * is set to that offset (relative to the start of the range).
 */
#ifndef DC_FORMATS_PARQUET_THRIFT_INT_H
#define DC_FORMATS_PARQUET_THRIFT_INT_H

#include "core/core_int.h"

/* Structs, lists and maps nested deeper than this are rejected as corrupt. */
#define DC_THRIFT_MAX_DEPTH 64

/* Compact protocol type codes (the low nibble of field and element headers). */
enum {
    DC_TC_STOP = 0,
    DC_TC_BOOL_TRUE = 1,
    DC_TC_BOOL_FALSE = 2,
    DC_TC_I8 = 3,
    DC_TC_I16 = 4,
    DC_TC_I32 = 5,
    DC_TC_I64 = 6,
    DC_TC_DOUBLE = 7,
    DC_TC_BINARY = 8,
    DC_TC_LIST = 9,
    DC_TC_SET = 10,
    DC_TC_MAP = 11,
    DC_TC_STRUCT = 12,
};

/* ---- decoder ---------------------------------------------------------------- */

/*
 * A cursor over `size` bytes at `data` (borrowed; must outlive the reader).
 * `what` names the range in messages ("footer", "page header"); `err` (may be
 * NULL) receives every failure.
 */
typedef struct dc_thrift_reader {
    const uint8_t *data;
    int64_t size;
    int64_t pos;
    int depth;        /* structs/lists/maps currently open */
    const char *what; /* borrowed */
    dc_error *err;
} dc_thrift_reader;

void dc_thrift_reader_init(dc_thrift_reader *r, const void *data, int64_t size, const char *what,
                           dc_error *err);

/* Fail with DC_ECORRUPT: "<message> at offset <at> in the <what>". */
dc_status dc_thrift_corrupt(dc_thrift_reader *r, int64_t at, const char *fmt, ...) DC_PRINTF(3, 4);

/* Integers and doubles (see the wire format above). */
dc_status dc_thrift_read_varint(dc_thrift_reader *r, uint64_t *out);
dc_status dc_thrift_read_i8(dc_thrift_reader *r, int8_t *out);
dc_status dc_thrift_read_i16(dc_thrift_reader *r, int16_t *out);
dc_status dc_thrift_read_i32(dc_thrift_reader *r, int32_t *out);
dc_status dc_thrift_read_i64(dc_thrift_reader *r, int64_t *out);
dc_status dc_thrift_read_double(dc_thrift_reader *r, double *out);
/* A bool list/set/map element (one byte). */
dc_status dc_thrift_read_bool_elem(dc_thrift_reader *r, bool *out);
/* Binary or string: *out points into the reader's range (not NUL-terminated). */
dc_status dc_thrift_read_binary(dc_thrift_reader *r, const uint8_t **out, int64_t *len);

/* Open/close a struct (depth accounting only; there is no struct header). */
dc_status dc_thrift_struct_begin(dc_thrift_reader *r);
void dc_thrift_struct_end(dc_thrift_reader *r);

/*
 * Read a field header. `*last_id` is the previous field id of this struct (0
 * at its start) and is updated. On STOP, *type is DC_TC_STOP and *id 0. For a
 * bool field *type is DC_TC_BOOL_TRUE or DC_TC_BOOL_FALSE: that is its value.
 */
dc_status dc_thrift_read_field(dc_thrift_reader *r, int16_t *last_id, uint8_t *type, int16_t *id);

/* List or set header. The size is checked against the bytes left. */
dc_status dc_thrift_read_list_begin(dc_thrift_reader *r, uint8_t *elem_type, int64_t *count);
/* Map header; the types are 0 when the map is empty. */
dc_status dc_thrift_read_map_begin(dc_thrift_reader *r, uint8_t *key_type, uint8_t *val_type,
                                   int64_t *count);

/* Skip the value of a field whose header said `type` (a bool field has no value bytes). */
dc_status dc_thrift_skip_field(dc_thrift_reader *r, uint8_t type);
/* Skip one list/set/map element of type `type`. */
dc_status dc_thrift_skip_value(dc_thrift_reader *r, uint8_t type);

/* A short name of a compact type code for messages ("i32", "struct"). */
const char *dc_thrift_type_name(uint8_t type);

/* ---- encoder ---------------------------------------------------------------- */

/*
 * Appends compact-protocol bytes to `out` (borrowed). Nesting of structs is
 * tracked for field-id deltas; begin/end calls must pair.
 */
typedef struct dc_thrift_writer {
    dc_bytes *out;
    int depth;
    int16_t last_id[DC_THRIFT_MAX_DEPTH + 1];
    dc_error *err;
} dc_thrift_writer;

void dc_thrift_writer_init(dc_thrift_writer *w, dc_bytes *out, dc_error *err);

dc_status dc_thrift_write_struct_begin(dc_thrift_writer *w);
dc_status dc_thrift_write_struct_end(dc_thrift_writer *w); /* writes STOP */
/* A field header of `type` (not bool: see dc_thrift_write_field_bool). */
dc_status dc_thrift_write_field_begin(dc_thrift_writer *w, uint8_t type, int16_t id);
/* A whole bool field (the value lives in the header). */
dc_status dc_thrift_write_field_bool(dc_thrift_writer *w, int16_t id, bool value);

dc_status dc_thrift_write_varint(dc_thrift_writer *w, uint64_t v);
dc_status dc_thrift_write_i8(dc_thrift_writer *w, int8_t v);
dc_status dc_thrift_write_i16(dc_thrift_writer *w, int16_t v);
dc_status dc_thrift_write_i32(dc_thrift_writer *w, int32_t v);
dc_status dc_thrift_write_i64(dc_thrift_writer *w, int64_t v);
dc_status dc_thrift_write_double(dc_thrift_writer *w, double v);
dc_status dc_thrift_write_bool_elem(dc_thrift_writer *w, bool v);
/* `len` must be 0..INT32_MAX (DC_EINVALID otherwise). */
dc_status dc_thrift_write_binary(dc_thrift_writer *w, const void *data, int64_t len);
/* List header; `count` 0..INT32_MAX. For bool elements pass DC_TC_BOOL_TRUE. */
dc_status dc_thrift_write_list_begin(dc_thrift_writer *w, uint8_t elem_type, int64_t count);
dc_status dc_thrift_write_map_begin(dc_thrift_writer *w, uint8_t key_type, uint8_t val_type,
                                    int64_t count);

/* Zigzag mapping of signed integers (exposed for tests). */
static inline uint64_t dc_thrift_zigzag64(int64_t v)
{
    return v < 0 ? ~((uint64_t)v << 1) : (uint64_t)v << 1;
}
static inline int64_t dc_thrift_unzigzag64(uint64_t u)
{
    return (u & 1) ? (int64_t) ~(u >> 1) : (int64_t)(u >> 1);
}

#endif
