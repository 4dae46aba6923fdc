/*
 * type.c: data types: construction, reference counting, equality, names
 * (pyarrow spelling) and their parser, and the Arrow C format strings.
 */
#include "columnar/columnar_int.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const ID_NAMES[DC_TYPE__COUNT] = {
    [DC_TYPE_NULL] = "null",
    [DC_TYPE_BOOL] = "bool",
    [DC_TYPE_INT8] = "int8",
    [DC_TYPE_INT16] = "int16",
    [DC_TYPE_INT32] = "int32",
    [DC_TYPE_INT64] = "int64",
    [DC_TYPE_UINT8] = "uint8",
    [DC_TYPE_UINT16] = "uint16",
    [DC_TYPE_UINT32] = "uint32",
    [DC_TYPE_UINT64] = "uint64",
    [DC_TYPE_FLOAT16] = "halffloat",
    [DC_TYPE_FLOAT32] = "float",
    [DC_TYPE_FLOAT64] = "double",
    [DC_TYPE_DECIMAL128] = "decimal128",
    [DC_TYPE_DECIMAL256] = "decimal256",
    [DC_TYPE_DATE32] = "date32",
    [DC_TYPE_DATE64] = "date64",
    [DC_TYPE_TIME32] = "time32",
    [DC_TYPE_TIME64] = "time64",
    [DC_TYPE_TIMESTAMP] = "timestamp",
    [DC_TYPE_DURATION] = "duration",
    [DC_TYPE_UTF8] = "string",
    [DC_TYPE_LARGE_UTF8] = "large_string",
    [DC_TYPE_BINARY] = "binary",
    [DC_TYPE_LARGE_BINARY] = "large_binary",
    [DC_TYPE_FIXED_SIZE_BINARY] = "fixed_size_binary",
    [DC_TYPE_LIST] = "list",
    [DC_TYPE_LARGE_LIST] = "large_list",
    [DC_TYPE_FIXED_SIZE_LIST] = "fixed_size_list",
    [DC_TYPE_STRUCT] = "struct",
    [DC_TYPE_MAP] = "map",
    [DC_TYPE_DICTIONARY] = "dictionary",
};

const char *dc_type_id_name(dc_type_id id)
{
    return (unsigned)id < DC_TYPE__COUNT ? ID_NAMES[id] : "invalid";
}

bool dc_type_is_signed_integer(dc_type_id id) { return id >= DC_TYPE_INT8 && id <= DC_TYPE_INT64; }
bool dc_type_is_unsigned_integer(dc_type_id id)
{
    return id >= DC_TYPE_UINT8 && id <= DC_TYPE_UINT64;
}
bool dc_type_is_integer(dc_type_id id) { return id >= DC_TYPE_INT8 && id <= DC_TYPE_UINT64; }
bool dc_type_is_floating(dc_type_id id) { return id >= DC_TYPE_FLOAT16 && id <= DC_TYPE_FLOAT64; }
bool dc_type_is_decimal(dc_type_id id)
{
    return id == DC_TYPE_DECIMAL128 || id == DC_TYPE_DECIMAL256;
}
bool dc_type_is_temporal(dc_type_id id) { return id >= DC_TYPE_DATE32 && id <= DC_TYPE_DURATION; }
bool dc_type_is_string(dc_type_id id) { return id == DC_TYPE_UTF8 || id == DC_TYPE_LARGE_UTF8; }
bool dc_type_is_binary_like(dc_type_id id) { return id >= DC_TYPE_UTF8 && id <= DC_TYPE_LARGE_BINARY; }
bool dc_type_is_nested(dc_type_id id) { return id >= DC_TYPE_LIST && id <= DC_TYPE_MAP; }

static int32_t width_of(dc_type_id id)
{
    switch (id) {
    case DC_TYPE_INT8: case DC_TYPE_UINT8: return 1;
    case DC_TYPE_INT16: case DC_TYPE_UINT16: case DC_TYPE_FLOAT16: return 2;
    case DC_TYPE_INT32: case DC_TYPE_UINT32: case DC_TYPE_FLOAT32: case DC_TYPE_DATE32:
    case DC_TYPE_TIME32: return 4;
    case DC_TYPE_INT64: case DC_TYPE_UINT64: case DC_TYPE_FLOAT64: case DC_TYPE_DATE64:
    case DC_TYPE_TIME64: case DC_TYPE_TIMESTAMP: case DC_TYPE_DURATION: return 8;
    case DC_TYPE_DECIMAL128: return 16;
    case DC_TYPE_DECIMAL256: return 32;
    default: return 0;
    }
}

static dc_type *type_alloc(dc_type_id id)
{
    dc_type *t = dc_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    __atomic_store_n(&t->refs_, 1, __ATOMIC_RELAXED);
    t->id = id;
    t->byte_width = width_of(id);
    return t;
}

dc_type *dc_type_new(dc_type_id id)
{
    switch (id) {
    case DC_TYPE_NULL: case DC_TYPE_BOOL:
    case DC_TYPE_INT8: case DC_TYPE_INT16: case DC_TYPE_INT32: case DC_TYPE_INT64:
    case DC_TYPE_UINT8: case DC_TYPE_UINT16: case DC_TYPE_UINT32: case DC_TYPE_UINT64:
    case DC_TYPE_FLOAT16: case DC_TYPE_FLOAT32: case DC_TYPE_FLOAT64:
    case DC_TYPE_DATE32: case DC_TYPE_DATE64:
    case DC_TYPE_UTF8: case DC_TYPE_LARGE_UTF8: case DC_TYPE_BINARY: case DC_TYPE_LARGE_BINARY:
        return type_alloc(id);
    default:
        return NULL;
    }
}

dc_type *dc_type_decimal(int32_t bits, int32_t precision, int32_t scale)
{
    if ((bits != 128 && bits != 256) || precision < 1 || precision > (bits == 128 ? 38 : 76))
        return NULL;
    dc_type *t = type_alloc(bits == 128 ? DC_TYPE_DECIMAL128 : DC_TYPE_DECIMAL256);
    if (t) {
        t->precision = precision;
        t->scale = scale;
    }
    return t;
}

dc_type *dc_type_timestamp(dc_time_unit unit, const char *timezone)
{
    if ((unsigned)unit > DC_UNIT_NANO)
        return NULL;
    dc_type *t = type_alloc(DC_TYPE_TIMESTAMP);
    if (!t)
        return NULL;
    t->unit = unit;
    if (timezone && *timezone) {
        t->timezone = dc_strdup(timezone);
        if (!t->timezone) {
            dc_free(t);
            return NULL;
        }
    }
    return t;
}

dc_type *dc_type_time(dc_time_unit unit)
{
    if ((unsigned)unit > DC_UNIT_NANO)
        return NULL;
    dc_type *t = type_alloc(unit <= DC_UNIT_MILLI ? DC_TYPE_TIME32 : DC_TYPE_TIME64);
    if (t)
        t->unit = unit;
    return t;
}

dc_type *dc_type_duration(dc_time_unit unit)
{
    if ((unsigned)unit > DC_UNIT_NANO)
        return NULL;
    dc_type *t = type_alloc(DC_TYPE_DURATION);
    if (t)
        t->unit = unit;
    return t;
}

dc_type *dc_type_fixed_size_binary(int32_t width)
{
    if (width < 0)
        return NULL;
    dc_type *t = type_alloc(DC_TYPE_FIXED_SIZE_BINARY);
    if (t)
        t->byte_width = width;
    return t;
}

static dc_type *with_children(dc_type_id id, const dc_field *fields, int32_t n)
{
    dc_type *t = type_alloc(id);
    if (!t)
        return NULL;
    if (n > 0) {
        t->children = dc_calloc((size_t)n, sizeof *t->children);
        if (!t->children) {
            dc_free(t);
            return NULL;
        }
        for (int32_t i = 0; i < n; i++) {
            if (dc_field_copy(&t->children[i], &fields[i]) != DC_OK) {
                t->n_children = i;
                dc_type_unref(t);
                return NULL;
            }
        }
    }
    t->n_children = n;
    return t;
}

dc_type *dc_type_list(dc_type_id id, const dc_field *item)
{
    if ((id != DC_TYPE_LIST && id != DC_TYPE_LARGE_LIST) || !item || !item->type)
        return NULL;
    return with_children(id, item, 1);
}

dc_type *dc_type_fixed_size_list(const dc_field *item, int32_t list_size)
{
    if (!item || !item->type || list_size < 0)
        return NULL;
    dc_type *t = with_children(DC_TYPE_FIXED_SIZE_LIST, item, 1);
    if (t)
        t->list_size = list_size;
    return t;
}

dc_type *dc_type_struct(const dc_field *fields, int32_t n)
{
    if (n < 0 || (n > 0 && !fields))
        return NULL;
    for (int32_t i = 0; i < n; i++)
        if (!fields[i].type)
            return NULL;
    return with_children(DC_TYPE_STRUCT, fields, n);
}

dc_type *dc_type_map(const dc_type *key, const dc_type *value, bool value_nullable,
                     bool keys_sorted)
{
    if (!key || !value)
        return NULL;
    dc_field kv[2] = {
        {.name = "key", .type = (dc_type *)key, .nullable = false},
        {.name = "value", .type = (dc_type *)value, .nullable = value_nullable},
    };
    dc_type *entries = dc_type_struct(kv, 2);
    if (!entries)
        return NULL;
    dc_field ef = {.name = "entries", .type = entries, .nullable = false};
    dc_type *t = with_children(DC_TYPE_MAP, &ef, 1);
    dc_type_unref(entries);
    if (t)
        t->keys_sorted = keys_sorted;
    return t;
}

dc_type *dc_type_dictionary(const dc_type *index_type, const dc_type *value_type, bool ordered)
{
    if (!index_type || !value_type || !dc_type_is_integer(index_type->id))
        return NULL;
    dc_type *t = type_alloc(DC_TYPE_DICTIONARY);
    if (!t)
        return NULL;
    t->index_type = dc_type_ref(index_type);
    t->value_type = dc_type_ref(value_type);
    t->byte_width = index_type->byte_width;
    t->ordered = ordered;
    return t;
}

dc_type *dc_type_ref(const dc_type *t)
{
    if (t)
        __atomic_fetch_add(&((dc_type *)t)->refs_, 1, __ATOMIC_RELAXED);
    return (dc_type *)t;
}

void dc_type_unref(dc_type *t)
{
    if (!t || __atomic_sub_fetch(&t->refs_, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    for (int32_t i = 0; i < t->n_children; i++)
        dc_field_clear(&t->children[i]);
    dc_free(t->children);
    dc_free(t->timezone);
    dc_type_unref(t->index_type);
    dc_type_unref(t->value_type);
    dc_free(t);
}

bool dc_type_equals(const dc_type *a, const dc_type *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->id != b->id)
        return false;
    switch (a->id) {
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
        return a->precision == b->precision && a->scale == b->scale;
    case DC_TYPE_TIMESTAMP:
        if (a->unit != b->unit)
            return false;
        if (!a->timezone || !b->timezone)
            return !a->timezone && !b->timezone;
        return strcmp(a->timezone, b->timezone) == 0;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
    case DC_TYPE_DURATION:
        return a->unit == b->unit;
    case DC_TYPE_FIXED_SIZE_BINARY:
        return a->byte_width == b->byte_width;
    case DC_TYPE_DICTIONARY:
        return dc_type_equals(a->index_type, b->index_type) &&
               dc_type_equals(a->value_type, b->value_type) && a->ordered == b->ordered;
    case DC_TYPE_FIXED_SIZE_LIST:
        if (a->list_size != b->list_size)
            return false;
        /* fallthrough */
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_MAP:
        /* Child names of lists and maps do not matter (Arrow: "item" vs "element"). */
        return a->n_children == b->n_children && a->n_children == 1 &&
               a->children[0].nullable == b->children[0].nullable &&
               dc_type_equals(a->children[0].type, b->children[0].type);
    case DC_TYPE_STRUCT:
        if (a->n_children != b->n_children)
            return false;
        for (int32_t i = 0; i < a->n_children; i++) {
            if (strcmp(a->children[i].name, b->children[i].name) != 0 ||
                a->children[i].nullable != b->children[i].nullable ||
                !dc_type_equals(a->children[i].type, b->children[i].type))
                return false;
        }
        return true;
    default:
        return true;
    }
}

int64_t dc_unit_nanos(dc_time_unit unit)
{
    static const int64_t f[] = {1000000000LL, 1000000LL, 1000LL, 1LL};
    return (unsigned)unit <= DC_UNIT_NANO ? f[unit] : 1;
}

const char *dc_unit_name(dc_time_unit unit)
{
    static const char *const n[] = {"s", "ms", "us", "ns"};
    return (unsigned)unit <= DC_UNIT_NANO ? n[unit] : "?";
}

int32_t dc_type_n_buffers(const dc_type *t)
{
    switch (t->id) {
    case DC_TYPE_NULL: return 0;
    case DC_TYPE_UTF8: case DC_TYPE_LARGE_UTF8: case DC_TYPE_BINARY: case DC_TYPE_LARGE_BINARY:
        return 3;
    case DC_TYPE_FIXED_SIZE_LIST: case DC_TYPE_STRUCT: return 1;
    default: return 2; /* validity + values | offsets | indices */
    }
}

/* ---- names ---- */

static void type_name(const dc_type *t, dc_strbuf *s)
{
    switch (t->id) {
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
        dc_strbuf_printf(s, "%s(%d, %d)", ID_NAMES[t->id], t->precision, t->scale);
        return;
    case DC_TYPE_TIMESTAMP:
        if (t->timezone)
            dc_strbuf_printf(s, "timestamp[%s, tz=%s]", dc_unit_name(t->unit), t->timezone);
        else
            dc_strbuf_printf(s, "timestamp[%s]", dc_unit_name(t->unit));
        return;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
    case DC_TYPE_DURATION:
        dc_strbuf_printf(s, "%s[%s]", ID_NAMES[t->id], dc_unit_name(t->unit));
        return;
    case DC_TYPE_FIXED_SIZE_BINARY:
        dc_strbuf_printf(s, "fixed_size_binary[%d]", t->byte_width);
        return;
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST:
        dc_strbuf_printf(s, "%s<%s: ", ID_NAMES[t->id], t->children[0].name);
        type_name(t->children[0].type, s);
        if (!t->children[0].nullable)
            dc_strbuf_puts(s, " not null");
        dc_strbuf_putc(s, '>');
        if (t->id == DC_TYPE_FIXED_SIZE_LIST)
            dc_strbuf_printf(s, "[%d]", t->list_size);
        return;
    case DC_TYPE_STRUCT:
        dc_strbuf_puts(s, "struct<");
        for (int32_t i = 0; i < t->n_children; i++) {
            if (i)
                dc_strbuf_puts(s, ", ");
            dc_strbuf_printf(s, "%s: ", t->children[i].name);
            type_name(t->children[i].type, s);
            if (!t->children[i].nullable)
                dc_strbuf_puts(s, " not null");
        }
        dc_strbuf_putc(s, '>');
        return;
    case DC_TYPE_MAP: {
        const dc_type *e = t->children[0].type;
        dc_strbuf_puts(s, "map<");
        type_name(e->children[0].type, s);
        dc_strbuf_puts(s, ", ");
        type_name(e->children[1].type, s);
        if (!e->children[1].nullable)
            dc_strbuf_puts(s, " not null");
        if (t->keys_sorted)
            dc_strbuf_puts(s, ", keys_sorted");
        dc_strbuf_putc(s, '>');
        return;
    }
    case DC_TYPE_DICTIONARY:
        dc_strbuf_puts(s, "dictionary<values=");
        type_name(t->value_type, s);
        dc_strbuf_puts(s, ", indices=");
        type_name(t->index_type, s);
        if (t->ordered)
            dc_strbuf_puts(s, ", ordered");
        dc_strbuf_putc(s, '>');
        return;
    default:
        dc_strbuf_puts(s, dc_type_id_name(t->id));
    }
}

char *dc_type_to_string(const dc_type *t)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    type_name(t, &s);
    return dc_strbuf_detach(&s);
}

/* ---- parser (recursive descent over the names above) ---- */

typedef struct tparse {
    const char *p;
    const char *start;
    dc_error *err;
} tparse;

static void skip_ws(tparse *tp)
{
    while (*tp->p == ' ' || *tp->p == '\t' || *tp->p == '\n')
        tp->p++;
}

static bool eat(tparse *tp, const char *lit)
{
    skip_ws(tp);
    size_t n = strlen(lit);
    if (strncmp(tp->p, lit, n) == 0) {
        tp->p += n;
        return true;
    }
    return false;
}

static dc_status perr(tparse *tp, const char *what)
{
    return dc_error_set(tp->err, DC_EINVALID,
                        "invalid type \"%s\": %s at position %d (types look like int64, string, "
                        "timestamp[us, tz=UTC], decimal128(10, 2), list<int64>, "
                        "struct<a: int64, b: string>, map<string, double>)",
                        tp->start, what, (int)(tp->p - tp->start));
}

static int ident(tparse *tp, char *buf, int cap)
{
    skip_ws(tp);
    int n = 0;
    while ((*tp->p >= 'a' && *tp->p <= 'z') || (*tp->p >= 'A' && *tp->p <= 'Z') ||
           (*tp->p >= '0' && *tp->p <= '9') || *tp->p == '_') {
        if (n < cap - 1)
            buf[n++] = *tp->p;
        tp->p++;
    }
    buf[n] = '\0';
    return n;
}

static bool number(tparse *tp, long *out)
{
    skip_ws(tp);
    char *end;
    long v = strtol(tp->p, &end, 10);
    if (end == tp->p)
        return false;
    tp->p = end;
    *out = v;
    return true;
}

static dc_status parse_type(tparse *tp, dc_type **out, int depth);

static bool parse_unit(tparse *tp, dc_time_unit *u)
{
    char w[8];
    ident(tp, w, sizeof w);
    if (!strcmp(w, "s")) *u = DC_UNIT_SECOND;
    else if (!strcmp(w, "ms")) *u = DC_UNIT_MILLI;
    else if (!strcmp(w, "us")) *u = DC_UNIT_MICRO;
    else if (!strcmp(w, "ns")) *u = DC_UNIT_NANO;
    else return false;
    return true;
}

/* "name: type [not null]" (the name may be omitted inside list<>). */
static dc_status parse_field(tparse *tp, dc_field *f, bool name_optional, int depth)
{
    const char *save = tp->p;
    char name[256];
    dc_type *t = NULL;
    dc_status rc;
    ident(tp, name, sizeof name);
    if (!eat(tp, ":")) {
        if (!name_optional)
            return perr(tp, "expected \"name: type\"");
        tp->p = save;
        strcpy(name, "item");
    }
    rc = parse_type(tp, &t, depth + 1);
    if (rc != DC_OK)
        return rc;
    bool nullable = !eat(tp, "not null");
    rc = dc_field_init(f, name, t, nullable, NULL);
    dc_type_unref(t);
    return rc == DC_OK ? DC_OK : dc_error_nomem(tp->err);
}

static dc_status parse_type(tparse *tp, dc_type **out, int depth)
{
    static const struct { const char *name; dc_type_id id; } simple[] = {
        {"null", DC_TYPE_NULL}, {"bool", DC_TYPE_BOOL}, {"boolean", DC_TYPE_BOOL},
        {"int8", DC_TYPE_INT8}, {"int16", DC_TYPE_INT16}, {"int32", DC_TYPE_INT32},
        {"int", DC_TYPE_INT32}, {"integer", DC_TYPE_INT32}, {"int64", DC_TYPE_INT64},
        {"bigint", DC_TYPE_INT64}, {"long", DC_TYPE_INT64}, {"uint8", DC_TYPE_UINT8},
        {"uint16", DC_TYPE_UINT16}, {"uint32", DC_TYPE_UINT32}, {"uint64", DC_TYPE_UINT64},
        {"halffloat", DC_TYPE_FLOAT16}, {"float16", DC_TYPE_FLOAT16}, {"float", DC_TYPE_FLOAT32},
        {"float32", DC_TYPE_FLOAT32}, {"double", DC_TYPE_FLOAT64}, {"float64", DC_TYPE_FLOAT64},
        {"date32", DC_TYPE_DATE32}, {"date", DC_TYPE_DATE32}, {"date64", DC_TYPE_DATE64},
        {"string", DC_TYPE_UTF8}, {"utf8", DC_TYPE_UTF8}, {"str", DC_TYPE_UTF8},
        {"varchar", DC_TYPE_UTF8}, {"large_string", DC_TYPE_LARGE_UTF8},
        {"large_utf8", DC_TYPE_LARGE_UTF8}, {"binary", DC_TYPE_BINARY}, {"bytes", DC_TYPE_BINARY},
        {"blob", DC_TYPE_BINARY}, {"large_binary", DC_TYPE_LARGE_BINARY},
    };
    *out = NULL;
    if (depth > 64)
        return perr(tp, "nested too deeply");
    char w[64];
    if (!ident(tp, w, sizeof w))
        return perr(tp, "expected a type name");
    for (size_t i = 0; i < DC_ARRAY_LEN(simple); i++) {
        if (strcmp(w, simple[i].name) == 0) {
            *out = dc_type_new(simple[i].id);
            return *out ? DC_OK : dc_error_nomem(tp->err);
        }
    }
    dc_time_unit unit = DC_UNIT_MICRO;
    long a, b;
    if (!strcmp(w, "decimal128") || !strcmp(w, "decimal256") || !strcmp(w, "decimal")) {
        int bits = !strcmp(w, "decimal256") ? 256 : 128;
        if (!eat(tp, "(") || !number(tp, &a) || !eat(tp, ",") || !number(tp, &b) || !eat(tp, ")"))
            return perr(tp, "expected decimal(precision, scale)");
        if (!strcmp(w, "decimal") && a > 38)
            bits = 256;
        if (a < 1 || a > (bits == 128 ? 38 : 76) || b < INT32_MIN || b > INT32_MAX)
            return perr(tp, "precision out of range (1..38 for decimal128, 1..76 for decimal256)");
        *out = dc_type_decimal(bits, (int32_t)a, (int32_t)b);
        return *out ? DC_OK : dc_error_nomem(tp->err);
    }
    if (!strcmp(w, "timestamp")) {
        char tz[128] = "";
        if (eat(tp, "[")) {
            if (!parse_unit(tp, &unit))
                return perr(tp, "expected a unit s, ms, us or ns");
            if (eat(tp, ",")) {
                if (!eat(tp, "tz="))
                    return perr(tp, "expected tz=ZONE");
                skip_ws(tp);
                int n = 0;
                while (*tp->p && *tp->p != ']' && n < (int)sizeof tz - 1)
                    tz[n++] = *tp->p++;
                while (n > 0 && tz[n - 1] == ' ')
                    n--;
                tz[n] = '\0';
            }
            if (!eat(tp, "]"))
                return perr(tp, "expected ]");
        }
        *out = dc_type_timestamp(unit, tz[0] ? tz : NULL);
        return *out ? DC_OK : dc_error_nomem(tp->err);
    }
    if (!strcmp(w, "time32") || !strcmp(w, "time64") || !strcmp(w, "duration") ||
        !strcmp(w, "time")) {
        if (eat(tp, "[")) {
            if (!parse_unit(tp, &unit) || !eat(tp, "]"))
                return perr(tp, "expected [unit] with unit s, ms, us or ns");
        }
        if (!strcmp(w, "time32") && unit > DC_UNIT_MILLI)
            return perr(tp, "time32 takes s or ms");
        if (!strcmp(w, "time64") && unit < DC_UNIT_MICRO)
            return perr(tp, "time64 takes us or ns");
        *out = !strcmp(w, "duration") ? dc_type_duration(unit) : dc_type_time(unit);
        return *out ? DC_OK : dc_error_nomem(tp->err);
    }
    if (!strcmp(w, "fixed_size_binary")) {
        if (!eat(tp, "[") || !number(tp, &a) || !eat(tp, "]") || a < 0 || a > INT32_MAX)
            return perr(tp, "expected fixed_size_binary[width]");
        *out = dc_type_fixed_size_binary((int32_t)a);
        return *out ? DC_OK : dc_error_nomem(tp->err);
    }
    if (!strcmp(w, "list") || !strcmp(w, "large_list") || !strcmp(w, "fixed_size_list")) {
        dc_field f = {0};
        if (!eat(tp, "<"))
            return perr(tp, "expected <");
        dc_status rc = parse_field(tp, &f, true, depth);
        if (rc != DC_OK)
            return rc;
        if (!eat(tp, ">")) {
            dc_field_clear(&f);
            return perr(tp, "expected >");
        }
        if (!strcmp(w, "fixed_size_list")) {
            if (!eat(tp, "[") || !number(tp, &a) || !eat(tp, "]") || a < 0 || a > INT32_MAX) {
                dc_field_clear(&f);
                return perr(tp, "expected fixed_size_list<type>[size]");
            }
            *out = dc_type_fixed_size_list(&f, (int32_t)a);
        } else {
            *out = dc_type_list(!strcmp(w, "list") ? DC_TYPE_LIST : DC_TYPE_LARGE_LIST, &f);
        }
        dc_field_clear(&f);
        return *out ? DC_OK : dc_error_nomem(tp->err);
    }
    if (!strcmp(w, "struct")) {
        dc_field fields[256];
        int32_t n = 0;
        dc_status rc = DC_OK;
        if (!eat(tp, "<"))
            return perr(tp, "expected <");
        if (!eat(tp, ">")) {
            do {
                if (n == (int32_t)DC_ARRAY_LEN(fields)) {
                    rc = perr(tp, "too many struct fields (256 at most)");
                    break;
                }
                memset(&fields[n], 0, sizeof fields[n]);
                rc = parse_field(tp, &fields[n], false, depth);
                if (rc != DC_OK)
                    break;
                n++;
            } while (eat(tp, ","));
            if (rc == DC_OK && !eat(tp, ">"))
                rc = perr(tp, "expected , or >");
        }
        if (rc == DC_OK) {
            *out = dc_type_struct(fields, n);
            if (!*out)
                rc = dc_error_nomem(tp->err);
        }
        for (int32_t i = 0; i < n; i++)
            dc_field_clear(&fields[i]);
        return rc;
    }
    if (!strcmp(w, "map")) {
        dc_type *k = NULL, *v = NULL;
        dc_status rc;
        if (!eat(tp, "<"))
            return perr(tp, "expected <");
        rc = parse_type(tp, &k, depth + 1);
        if (rc == DC_OK && !eat(tp, ","))
            rc = perr(tp, "expected , between key and value types");
        if (rc == DC_OK)
            rc = parse_type(tp, &v, depth + 1);
        bool vnull = rc == DC_OK && !eat(tp, "not null");
        bool sorted = rc == DC_OK && eat(tp, ",") && eat(tp, "keys_sorted");
        if (rc == DC_OK && !eat(tp, ">"))
            rc = perr(tp, "expected >");
        if (rc == DC_OK) {
            *out = dc_type_map(k, v, vnull, sorted);
            if (!*out)
                rc = dc_error_nomem(tp->err);
        }
        dc_type_unref(k);
        dc_type_unref(v);
        return rc;
    }
    if (!strcmp(w, "dictionary")) {
        dc_type *v = NULL, *ix = NULL;
        dc_status rc = DC_OK;
        if (!eat(tp, "<") || !eat(tp, "values="))
            return perr(tp, "expected dictionary<values=TYPE, indices=TYPE>");
        rc = parse_type(tp, &v, depth + 1);
        if (rc == DC_OK && (!eat(tp, ",") || !eat(tp, "indices=")))
            rc = perr(tp, "expected , indices=TYPE");
        if (rc == DC_OK)
            rc = parse_type(tp, &ix, depth + 1);
        bool ordered = rc == DC_OK && eat(tp, ",") && eat(tp, "ordered");
        if (rc == DC_OK && !eat(tp, ">"))
            rc = perr(tp, "expected >");
        if (rc == DC_OK && !dc_type_is_integer(ix->id))
            rc = perr(tp, "dictionary indices must be an integer type");
        if (rc == DC_OK) {
            *out = dc_type_dictionary(ix, v, ordered);
            if (!*out)
                rc = dc_error_nomem(tp->err);
        }
        dc_type_unref(v);
        dc_type_unref(ix);
        return rc;
    }
    return perr(tp, "unknown type name");
}

dc_status dc_type_parse(dc_type **out, const char *text, dc_error *err)
{
    tparse tp = {.p = text, .start = text, .err = err};
    dc_status rc = parse_type(&tp, out, 0);
    if (rc == DC_OK) {
        skip_ws(&tp);
        if (*tp.p) {
            dc_type_unref(*out);
            *out = NULL;
            return perr(&tp, "unexpected text after the type");
        }
    }
    return rc;
}

/* ---- Arrow C format strings ---- */

void dc_type_format_string(const dc_type *t, dc_strbuf *s)
{
    static const char units[] = {'s', 'm', 'u', 'n'};
    switch (t->id) {
    case DC_TYPE_NULL: dc_strbuf_puts(s, "n"); break;
    case DC_TYPE_BOOL: dc_strbuf_puts(s, "b"); break;
    case DC_TYPE_INT8: dc_strbuf_puts(s, "c"); break;
    case DC_TYPE_UINT8: dc_strbuf_puts(s, "C"); break;
    case DC_TYPE_INT16: dc_strbuf_puts(s, "s"); break;
    case DC_TYPE_UINT16: dc_strbuf_puts(s, "S"); break;
    case DC_TYPE_INT32: dc_strbuf_puts(s, "i"); break;
    case DC_TYPE_UINT32: dc_strbuf_puts(s, "I"); break;
    case DC_TYPE_INT64: dc_strbuf_puts(s, "l"); break;
    case DC_TYPE_UINT64: dc_strbuf_puts(s, "L"); break;
    case DC_TYPE_FLOAT16: dc_strbuf_puts(s, "e"); break;
    case DC_TYPE_FLOAT32: dc_strbuf_puts(s, "f"); break;
    case DC_TYPE_FLOAT64: dc_strbuf_puts(s, "g"); break;
    case DC_TYPE_DECIMAL128: dc_strbuf_printf(s, "d:%d,%d", t->precision, t->scale); break;
    case DC_TYPE_DECIMAL256: dc_strbuf_printf(s, "d:%d,%d,256", t->precision, t->scale); break;
    case DC_TYPE_DATE32: dc_strbuf_puts(s, "tdD"); break;
    case DC_TYPE_DATE64: dc_strbuf_puts(s, "tdm"); break;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64: dc_strbuf_printf(s, "tt%c", units[t->unit]); break;
    case DC_TYPE_TIMESTAMP:
        dc_strbuf_printf(s, "ts%c:%s", units[t->unit], t->timezone ? t->timezone : "");
        break;
    case DC_TYPE_DURATION: dc_strbuf_printf(s, "tD%c", units[t->unit]); break;
    case DC_TYPE_UTF8: dc_strbuf_puts(s, "u"); break;
    case DC_TYPE_LARGE_UTF8: dc_strbuf_puts(s, "U"); break;
    case DC_TYPE_BINARY: dc_strbuf_puts(s, "z"); break;
    case DC_TYPE_LARGE_BINARY: dc_strbuf_puts(s, "Z"); break;
    case DC_TYPE_FIXED_SIZE_BINARY: dc_strbuf_printf(s, "w:%d", t->byte_width); break;
    case DC_TYPE_LIST: dc_strbuf_puts(s, "+l"); break;
    case DC_TYPE_LARGE_LIST: dc_strbuf_puts(s, "+L"); break;
    case DC_TYPE_FIXED_SIZE_LIST: dc_strbuf_printf(s, "+w:%d", t->list_size); break;
    case DC_TYPE_STRUCT: dc_strbuf_puts(s, "+s"); break;
    case DC_TYPE_MAP: dc_strbuf_puts(s, "+m"); break;
    case DC_TYPE_DICTIONARY: dc_type_format_string(t->index_type, s); break;
    default: break;
    }
}
