/*
 * thrift.c: the Thrift compact protocol decoder and encoder (see thrift_int.h
 * for the wire format). The decoder checks every length and count against the
 * bytes left before using it and never recurses deeper than
 * DC_THRIFT_MAX_DEPTH; the encoder writes the canonical form (short field
 * headers whenever the id delta allows, short list headers below 15).
 */
#include "formats/parquet/thrift_int.h"

#include <stdio.h>

/* ---- decoder ---------------------------------------------------------------- */

void dc_thrift_reader_init(dc_thrift_reader *r, const void *data, int64_t size, const char *what,
                           dc_error *err)
{
    r->data = data;
    r->size = size > 0 ? size : 0;
    r->pos = 0;
    r->depth = 0;
    r->what = what ? what : "thrift message";
    r->err = err;
}

dc_status dc_thrift_corrupt(dc_thrift_reader *r, int64_t at, const char *fmt, ...)
{
    if (!r->err)
        return DC_ECORRUPT;
    char msg[DC_ERROR_MSG_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dc_error_set(r->err, DC_ECORRUPT, "%s at offset %lld in the %s", msg, (long long)at, r->what);
    dc_error_at(r->err, NULL, NULL, at, -1);
    return DC_ECORRUPT;
}

const char *dc_thrift_type_name(uint8_t type)
{
    switch (type) {
    case DC_TC_STOP: return "stop";
    case DC_TC_BOOL_TRUE:
    case DC_TC_BOOL_FALSE: return "bool";
    case DC_TC_I8: return "i8";
    case DC_TC_I16: return "i16";
    case DC_TC_I32: return "i32";
    case DC_TC_I64: return "i64";
    case DC_TC_DOUBLE: return "double";
    case DC_TC_BINARY: return "binary";
    case DC_TC_LIST: return "list";
    case DC_TC_SET: return "set";
    case DC_TC_MAP: return "map";
    case DC_TC_STRUCT: return "struct";
    }
    return "invalid type";
}

static inline int64_t left(const dc_thrift_reader *r)
{
    return r->size - r->pos;
}

/*
 * Read a ULEB128 varint of at most 64 bits (10 bytes, the last one 0 or 1).
 * Non-canonical encodings (redundant 0x80 bytes) are accepted.
 */
dc_status dc_thrift_read_varint(dc_thrift_reader *r, uint64_t *out)
{
    int64_t start = r->pos;
    uint64_t v = 0;
    for (int i = 0;; i++) {
        if (r->pos >= r->size)
            return dc_thrift_corrupt(r, start, "truncated varint");
        uint8_t b = r->data[r->pos++];
        if (i == 9 && b > 1)
            return dc_thrift_corrupt(r, start, "varint overflows 64 bits");
        v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            break;
    }
    *out = v;
    return DC_OK;
}

dc_status dc_thrift_read_i8(dc_thrift_reader *r, int8_t *out)
{
    if (r->pos >= r->size)
        return dc_thrift_corrupt(r, r->pos, "truncated i8");
    *out = (int8_t)r->data[r->pos++];
    return DC_OK;
}

dc_status dc_thrift_read_i32(dc_thrift_reader *r, int32_t *out)
{
    int64_t start = r->pos;
    uint64_t u = 0;
    dc_status rc = dc_thrift_read_varint(r, &u);
    if (rc != DC_OK)
        return rc;
    if (u > UINT32_MAX)
        return dc_thrift_corrupt(r, start, "varint overflows an i32");
    *out = (int32_t)dc_thrift_unzigzag64(u);
    return DC_OK;
}

dc_status dc_thrift_read_i16(dc_thrift_reader *r, int16_t *out)
{
    int64_t start = r->pos;
    int32_t v = 0;
    dc_status rc = dc_thrift_read_i32(r, &v);
    if (rc != DC_OK)
        return rc;
    if (v < INT16_MIN || v > INT16_MAX)
        return dc_thrift_corrupt(r, start, "value %d overflows an i16", (int)v);
    *out = (int16_t)v;
    return DC_OK;
}

dc_status dc_thrift_read_i64(dc_thrift_reader *r, int64_t *out)
{
    uint64_t u = 0;
    dc_status rc = dc_thrift_read_varint(r, &u);
    if (rc != DC_OK)
        return rc;
    *out = dc_thrift_unzigzag64(u);
    return DC_OK;
}

dc_status dc_thrift_read_double(dc_thrift_reader *r, double *out)
{
    if (left(r) < 8)
        return dc_thrift_corrupt(r, r->pos, "truncated double");
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = (u << 8) | r->data[r->pos + i];
    memcpy(out, &u, sizeof u);
    r->pos += 8;
    return DC_OK;
}

dc_status dc_thrift_read_bool_elem(dc_thrift_reader *r, bool *out)
{
    if (r->pos >= r->size)
        return dc_thrift_corrupt(r, r->pos, "truncated bool");
    uint8_t b = r->data[r->pos];
    if (b > 2)
        return dc_thrift_corrupt(r, r->pos, "invalid bool byte 0x%02x (expected 0, 1 or 2)", b);
    r->pos++;
    *out = b == 1;
    return DC_OK;
}

dc_status dc_thrift_read_binary(dc_thrift_reader *r, const uint8_t **out, int64_t *len)
{
    int64_t start = r->pos;
    uint64_t n = 0;
    dc_status rc = dc_thrift_read_varint(r, &n);
    if (rc != DC_OK)
        return rc;
    if (n > INT32_MAX)
        return dc_thrift_corrupt(r, start, "binary length %llu is larger than 2^31-1",
                                 (unsigned long long)n);
    if ((int64_t)n > left(r))
        return dc_thrift_corrupt(r, start,
                                 "binary of %lld bytes runs past the end (%lld bytes left)",
                                 (long long)n, (long long)left(r));
    *out = r->data + r->pos;
    *len = (int64_t)n;
    r->pos += (int64_t)n;
    return DC_OK;
}

dc_status dc_thrift_struct_begin(dc_thrift_reader *r)
{
    if (r->depth >= DC_THRIFT_MAX_DEPTH)
        return dc_thrift_corrupt(r, r->pos, "structures nested deeper than %d levels",
                                 DC_THRIFT_MAX_DEPTH);
    r->depth++;
    return DC_OK;
}

void dc_thrift_struct_end(dc_thrift_reader *r)
{
    if (r->depth > 0)
        r->depth--;
}

/* True for the type codes a value (field, element, key) can have. */
static bool valid_value_type(uint8_t t)
{
    return t >= DC_TC_BOOL_TRUE && t <= DC_TC_STRUCT;
}

dc_status dc_thrift_read_field(dc_thrift_reader *r, int16_t *last_id, uint8_t *type, int16_t *id)
{
    int64_t start = r->pos;
    if (r->pos >= r->size)
        return dc_thrift_corrupt(r, start, "truncated struct (expected a field header or stop)");
    uint8_t b = r->data[r->pos++];
    if (b == 0) {
        *type = DC_TC_STOP;
        *id = 0;
        return DC_OK;
    }
    uint8_t t = b & 0x0f;
    int delta = b >> 4;
    if (!valid_value_type(t))
        return dc_thrift_corrupt(r, start, "invalid field type %u in field header 0x%02x", t, b);
    int32_t fid;
    if (delta) {
        fid = (int32_t)*last_id + delta;
        if (fid > INT16_MAX)
            return dc_thrift_corrupt(r, start, "field id %d overflows an i16", (int)fid);
    } else {
        int16_t v = 0;
        dc_status rc = dc_thrift_read_i16(r, &v);
        if (rc != DC_OK)
            return rc;
        fid = v;
    }
    *last_id = (int16_t)fid;
    *id = (int16_t)fid;
    *type = t;
    return DC_OK;
}

dc_status dc_thrift_read_list_begin(dc_thrift_reader *r, uint8_t *elem_type, int64_t *count)
{
    int64_t start = r->pos;
    if (r->pos >= r->size)
        return dc_thrift_corrupt(r, start, "truncated list header");
    uint8_t b = r->data[r->pos++];
    uint8_t t = b & 0x0f;
    int64_t n = b >> 4;
    if (n == 15) {
        uint64_t u = 0;
        dc_status rc = dc_thrift_read_varint(r, &u);
        if (rc != DC_OK)
            return rc;
        if (u > INT32_MAX)
            return dc_thrift_corrupt(r, start, "list size %llu is larger than 2^31-1",
                                     (unsigned long long)u);
        n = (int64_t)u;
    }
    if (!valid_value_type(t))
        return dc_thrift_corrupt(r, start, "invalid list element type %u", t);
    if (n > left(r))
        return dc_thrift_corrupt(r, start,
                                 "list of %lld elements cannot fit in the %lld bytes left",
                                 (long long)n, (long long)left(r));
    *elem_type = t;
    *count = n;
    return DC_OK;
}

dc_status dc_thrift_read_map_begin(dc_thrift_reader *r, uint8_t *key_type, uint8_t *val_type,
                                   int64_t *count)
{
    int64_t start = r->pos;
    uint64_t u = 0;
    dc_status rc = dc_thrift_read_varint(r, &u);
    if (rc != DC_OK)
        return rc;
    if (u > INT32_MAX)
        return dc_thrift_corrupt(r, start, "map size %llu is larger than 2^31-1",
                                 (unsigned long long)u);
    if (u == 0) {
        *key_type = *val_type = 0;
        *count = 0;
        return DC_OK;
    }
    if (r->pos >= r->size)
        return dc_thrift_corrupt(r, start, "truncated map header");
    uint8_t b = r->data[r->pos++];
    uint8_t kt = b >> 4, vt = b & 0x0f;
    if (!valid_value_type(kt) || !valid_value_type(vt))
        return dc_thrift_corrupt(r, start, "invalid map key/value types 0x%02x", b);
    /* Every entry takes at least two bytes (one per key and value). */
    if ((int64_t)u > left(r) / 2)
        return dc_thrift_corrupt(r, start, "map of %llu entries cannot fit in the %lld bytes left",
                                 (unsigned long long)u, (long long)left(r));
    *key_type = kt;
    *val_type = vt;
    *count = (int64_t)u;
    return DC_OK;
}

dc_status dc_thrift_skip_field(dc_thrift_reader *r, uint8_t type)
{
    if (type == DC_TC_BOOL_TRUE || type == DC_TC_BOOL_FALSE)
        return DC_OK; /* the value was in the field header */
    return dc_thrift_skip_value(r, type);
}

/*
 * Skip one value of `type` as it appears inside a collection (a bool is one
 * byte). Containers recurse, counted against the depth limit. Returns
 * DC_ECORRUPT on truncation, invalid types or excessive nesting.
 */
dc_status dc_thrift_skip_value(dc_thrift_reader *r, uint8_t type)
{
    dc_status rc = DC_OK;
    const uint8_t *p = NULL;
    int64_t n = 0;
    uint64_t u = 0;
    double d = 0;
    int8_t i8 = 0;
    bool bv = false;
    switch (type) {
    case DC_TC_BOOL_TRUE:
    case DC_TC_BOOL_FALSE: return dc_thrift_read_bool_elem(r, &bv);
    case DC_TC_I8: return dc_thrift_read_i8(r, &i8);
    case DC_TC_I16:
    case DC_TC_I32:
    case DC_TC_I64: return dc_thrift_read_varint(r, &u);
    case DC_TC_DOUBLE: return dc_thrift_read_double(r, &d);
    case DC_TC_BINARY: return dc_thrift_read_binary(r, &p, &n);
    case DC_TC_LIST:
    case DC_TC_SET: {
        uint8_t et = 0;
        DC_TRY(dc_thrift_struct_begin(r));
        rc = dc_thrift_read_list_begin(r, &et, &n);
        for (int64_t i = 0; rc == DC_OK && i < n; i++)
            rc = dc_thrift_skip_value(r, et);
        dc_thrift_struct_end(r);
        return rc;
    }
    case DC_TC_MAP: {
        uint8_t kt = 0, vt = 0;
        DC_TRY(dc_thrift_struct_begin(r));
        rc = dc_thrift_read_map_begin(r, &kt, &vt, &n);
        for (int64_t i = 0; rc == DC_OK && i < n; i++) {
            rc = dc_thrift_skip_value(r, kt);
            if (rc == DC_OK)
                rc = dc_thrift_skip_value(r, vt);
        }
        dc_thrift_struct_end(r);
        return rc;
    }
    case DC_TC_STRUCT: {
        int16_t last = 0, id;
        uint8_t ft = 0;
        DC_TRY(dc_thrift_struct_begin(r));
        for (;;) {
            rc = dc_thrift_read_field(r, &last, &ft, &id);
            if (rc != DC_OK || ft == DC_TC_STOP)
                break;
            rc = dc_thrift_skip_field(r, ft);
            if (rc != DC_OK)
                break;
        }
        dc_thrift_struct_end(r);
        return rc;
    }
    default: break;
    }
    return dc_thrift_corrupt(r, r->pos, "invalid value type %u", type);
cleanup:
    return rc;
}

/* ---- encoder ---------------------------------------------------------------- */

void dc_thrift_writer_init(dc_thrift_writer *w, dc_bytes *out, dc_error *err)
{
    w->out = out;
    w->depth = 0;
    w->last_id[0] = 0;
    w->err = err;
}

static dc_status put(dc_thrift_writer *w, const void *p, int64_t n)
{
    if (dc_bytes_push(w->out, p, n) != DC_OK)
        return dc_error_set(w->err, DC_ENOMEM, "out of memory encoding Thrift (%lld bytes)",
                            (long long)(w->out->size + n));
    return DC_OK;
}

static dc_status put_byte(dc_thrift_writer *w, uint8_t b)
{
    return put(w, &b, 1);
}

dc_status dc_thrift_write_varint(dc_thrift_writer *w, uint64_t v)
{
    uint8_t buf[10];
    int n = 0;
    while (v >= 0x80) {
        buf[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[n++] = (uint8_t)v;
    return put(w, buf, n);
}

dc_status dc_thrift_write_struct_begin(dc_thrift_writer *w)
{
    if (w->depth >= DC_THRIFT_MAX_DEPTH)
        return dc_error_set(w->err, DC_EINVALID, "Thrift structures nested deeper than %d levels",
                            DC_THRIFT_MAX_DEPTH);
    w->depth++;
    w->last_id[w->depth] = 0;
    return DC_OK;
}

dc_status dc_thrift_write_struct_end(dc_thrift_writer *w)
{
    DC_ASSERT(w->depth > 0);
    w->depth--;
    return put_byte(w, DC_TC_STOP);
}

dc_status dc_thrift_write_field_begin(dc_thrift_writer *w, uint8_t type, int16_t id)
{
    int16_t *last = &w->last_id[w->depth];
    int32_t delta = (int32_t)id - (int32_t)*last;
    dc_status rc;
    *last = id;
    if (delta > 0 && delta <= 15)
        return put_byte(w, (uint8_t)(delta << 4 | type));
    rc = put_byte(w, type);
    if (rc == DC_OK)
        rc = dc_thrift_write_varint(w, dc_thrift_zigzag64(id));
    return rc;
}

dc_status dc_thrift_write_field_bool(dc_thrift_writer *w, int16_t id, bool value)
{
    return dc_thrift_write_field_begin(w, value ? DC_TC_BOOL_TRUE : DC_TC_BOOL_FALSE, id);
}

dc_status dc_thrift_write_i8(dc_thrift_writer *w, int8_t v)
{
    return put_byte(w, (uint8_t)v);
}

dc_status dc_thrift_write_i16(dc_thrift_writer *w, int16_t v)
{
    return dc_thrift_write_varint(w, dc_thrift_zigzag64(v));
}

dc_status dc_thrift_write_i32(dc_thrift_writer *w, int32_t v)
{
    return dc_thrift_write_varint(w, dc_thrift_zigzag64(v));
}

dc_status dc_thrift_write_i64(dc_thrift_writer *w, int64_t v)
{
    return dc_thrift_write_varint(w, dc_thrift_zigzag64(v));
}

dc_status dc_thrift_write_double(dc_thrift_writer *w, double v)
{
    uint64_t u;
    uint8_t buf[8];
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)(u >> (8 * i));
    return put(w, buf, 8);
}

dc_status dc_thrift_write_bool_elem(dc_thrift_writer *w, bool v)
{
    return put_byte(w, v ? DC_TC_BOOL_TRUE : DC_TC_BOOL_FALSE);
}

dc_status dc_thrift_write_binary(dc_thrift_writer *w, const void *data, int64_t len)
{
    if (len < 0 || len > INT32_MAX || (len > 0 && !data))
        return dc_error_set(w->err, DC_EINVALID, "cannot encode a Thrift binary of %lld bytes",
                            (long long)len);
    dc_status rc = dc_thrift_write_varint(w, (uint64_t)len);
    if (rc == DC_OK && len > 0)
        rc = put(w, data, len);
    return rc;
}

dc_status dc_thrift_write_list_begin(dc_thrift_writer *w, uint8_t elem_type, int64_t count)
{
    if (count < 0 || count > INT32_MAX)
        return dc_error_set(w->err, DC_EINVALID, "cannot encode a Thrift list of %lld elements",
                            (long long)count);
    if (count < 15)
        return put_byte(w, (uint8_t)(count << 4 | elem_type));
    dc_status rc = put_byte(w, (uint8_t)(0xf0 | elem_type));
    if (rc == DC_OK)
        rc = dc_thrift_write_varint(w, (uint64_t)count);
    return rc;
}

dc_status dc_thrift_write_map_begin(dc_thrift_writer *w, uint8_t key_type, uint8_t val_type,
                                    int64_t count)
{
    if (count < 0 || count > INT32_MAX)
        return dc_error_set(w->err, DC_EINVALID, "cannot encode a Thrift map of %lld entries",
                            (long long)count);
    dc_status rc = dc_thrift_write_varint(w, (uint64_t)count);
    if (rc == DC_OK && count > 0)
        rc = put_byte(w, (uint8_t)(key_type << 4 | val_type));
    return rc;
}
