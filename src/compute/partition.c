/*
 * partition.c: partition specs (JSON and text forms, binding to a schema),
 * the Iceberg partition transforms, splitting a batch by partition, partition
 * key strings and partition pruning. The contract is in partition_int.h.
 *
 * Notes on the design:
 *  1. One function applies a transform to an array (apply_transform); the
 *     write path (dc_part_values, dc_part_split) and the pruning path
 *     (dc_part_may_contain, on 1-row bound arrays) both go through it, so a
 *     bound and a row map to partitions the same way.
 *  2. A key string is a function of the values JSON alone (encode_value), and
 *     decoding re-encodes and compares, so every partition has one key and a
 *     key names one partition.
 *  3. Splitting hashes the partition values (dc_hash_rows) into an open
 *     addressing table of group ids, then places rows with a counting sort:
 *     O(n) expected, rows of a group keep their order.
 */
#include "compute/partition_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define N_TRANSFORMS 7

static const char *const TR_NAMES[N_TRANSFORMS] = {"identity", "year",   "month",   "day",
                                                   "hour",     "bucket", "truncate"};

const char *dc_transform_name(dc_transform t)
{
    return (unsigned)t < N_TRANSFORMS ? TR_NAMES[t] : NULL;
}

static bool tr_has_param(dc_transform t)
{
    return t == DC_TR_BUCKET || t == DC_TR_TRUNCATE;
}
static bool tr_is_temporal(dc_transform t)
{
    return t >= DC_TR_YEAR && t <= DC_TR_HOUR;
}

/* A transform by name, case-insensitive; the plurals of the time transforms too. */
static bool transform_from_name(const char *s, size_t n, dc_transform *out)
{
    static const char *const PLURALS[N_TRANSFORMS] = {NULL,    "years", "months", "days",
                                                      "hours", NULL,    NULL};
    for (int t = 0; t < N_TRANSFORMS; t++) {
        if (dc_str_ieq(s, (int64_t)n, TR_NAMES[t]) ||
            (PLURALS[t] && dc_str_ieq(s, (int64_t)n, PLURALS[t]))) {
            *out = (dc_transform)t;
            return true;
        }
    }
    return false;
}

/* "day(ts)", "bucket(16, id)", "identity(region)" into buf. */
static const char *field_desc(const dc_part_field *f, char *buf, size_t cap)
{
    const char *tn = dc_transform_name(f->transform);
    const char *col = f->column ? f->column : "?";
    if (!tn)
        snprintf(buf, cap, "transform#%d(%s)", (int)f->transform, col);
    else if (tr_has_param(f->transform))
        snprintf(buf, cap, "%s(%" PRId32 ", %s)", tn, f->param, col);
    else
        snprintf(buf, cap, "%s(%s)", tn, col);
    return buf;
}

/* Text shown in an error message: JSON-escaped, cut to fit `cap`. */
static const char *show(char *buf, size_t cap, const char *s, size_t n)
{
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    dc_strbuf_json_escape(&sb, s, (int64_t)(n > 200 ? 200 : n));
    if (n > 200)
        dc_strbuf_puts(&sb, "...");
    snprintf(buf, cap, "%s", dc_strbuf_status(&sb) == DC_OK ? dc_strbuf_cstr(&sb) : "?");
    dc_strbuf_free(&sb);
    return buf;
}

/* ==== specs ===================================================================== */

void dc_part_spec_clear(dc_part_spec *s)
{
    if (!s)
        return;
    for (int32_t k = 0; k < s->n && s->fields; k++) {
        dc_free(s->fields[k].column);
        dc_free(s->fields[k].name);
    }
    dc_free(s->fields);
    s->fields = NULL;
    s->n = 0;
}

dc_status dc_part_spec_copy(dc_part_spec *out, const dc_part_spec *s, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_part_spec c = {NULL, 0};
    out->fields = NULL;
    out->n = 0;
    if (s->n > 0) {
        c.fields = dc_calloc((size_t)s->n, sizeof *c.fields);
        DC_TRY_ALLOC(c.fields, err);
    }
    for (int32_t k = 0; k < s->n; k++) {
        c.n = k + 1;
        c.fields[k] = s->fields[k];
        c.fields[k].column = s->fields[k].column ? dc_strdup(s->fields[k].column) : NULL;
        c.fields[k].name = s->fields[k].name ? dc_strdup(s->fields[k].name) : NULL;
        if ((s->fields[k].column && !c.fields[k].column) ||
            (s->fields[k].name && !c.fields[k].name)) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    }
    *out = c;
    c.fields = NULL;
    c.n = 0;
cleanup:
    dc_part_spec_clear(&c);
    return rc;
}

/* column_transform ("ts_day"); identity: the column. dc_malloc'd, NULL on ENOMEM. */
static char *default_name(const char *column, dc_transform t)
{
    if (t == DC_TR_IDENTITY)
        return dc_strdup(column);
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    dc_strbuf_printf(&sb, "%s_%s", column, dc_transform_name(t));
    if (dc_strbuf_status(&sb) != DC_OK) {
        dc_strbuf_free(&sb);
        return NULL;
    }
    return dc_strbuf_detach(&sb);
}

/* The rules that need no schema: columns, transforms, params, names, no repeats. */
static dc_status check_fields(const dc_part_spec *s, dc_error *err)
{
    char d1[256], d2[256];
    if (s->n < 0 || (s->n > 0 && !s->fields))
        return dc_error_set(err, DC_EINVALID,
                            "partition spec is malformed: %" PRId32 " fields without a field list",
                            s->n);
    for (int32_t k = 0; k < s->n; k++) {
        const dc_part_field *f = &s->fields[k];
        if (!f->column || !f->column[0])
            return dc_error_set(err, DC_EINVALID, "partition field #%" PRId32 " has no column",
                                k + 1);
        if (!dc_transform_name(f->transform))
            return dc_error_set(err, DC_EINVALID,
                                "partition field #%" PRId32 " (column \"%s\") has an unknown "
                                "transform %d",
                                k + 1, f->column, (int)f->transform);
        if (tr_has_param(f->transform) && f->param < 1)
            return dc_error_set(err, DC_EINVALID,
                                "partition field #%" PRId32 ": %s needs a %s between 1 and "
                                "2147483647, got %" PRId32,
                                k + 1, dc_transform_name(f->transform),
                                f->transform == DC_TR_BUCKET ? "bucket count" : "width", f->param);
        if (!tr_has_param(f->transform) && f->param != 0)
            return dc_error_set(err, DC_EINVALID,
                                "partition field #%" PRId32 ": %s takes no parameter, got %" PRId32,
                                k + 1, field_desc(f, d1, sizeof d1), f->param);
        if (!f->name || !f->name[0])
            return dc_error_set(err, DC_EINVALID,
                                "partition field #%" PRId32 " (%s) has an empty name", k + 1,
                                field_desc(f, d1, sizeof d1));
        if (!dc_utf8_valid(f->column, (int64_t)strlen(f->column)) ||
            !dc_utf8_valid(f->name, (int64_t)strlen(f->name)))
            return dc_error_set(
                err, DC_EINVALID,
                "partition field #%" PRId32 ": its column or name is not valid UTF-8", k + 1);
        for (int32_t j = 0; j < k; j++) {
            const dc_part_field *g = &s->fields[j];
            if (g->transform == f->transform && g->param == f->param &&
                strcmp(g->column, f->column) == 0)
                return dc_error_set(err, DC_EINVALID,
                                    "partition fields #%" PRId32 " and #%" PRId32
                                    " are both %s: drop one",
                                    j + 1, k + 1, field_desc(f, d1, sizeof d1));
            if (strcmp(g->name, f->name) == 0)
                return dc_error_set(err, DC_EINVALID,
                                    "partition fields #%" PRId32 " (%s) and #%" PRId32
                                    " (%s) are both named \"%s\": give one another name",
                                    j + 1, field_desc(g, d1, sizeof d1), k + 1,
                                    field_desc(f, d2, sizeof d2), f->name);
        }
    }
    return DC_OK;
}

/* Fill in default names, then check. */
static dc_status finish_spec(dc_part_spec *s, dc_error *err)
{
    for (int32_t k = 0; k < s->n; k++) {
        dc_part_field *f = &s->fields[k];
        if (!f->name && f->column) {
            f->name = default_name(f->column, f->transform);
            if (!f->name)
                return dc_error_nomem(err);
        }
    }
    return check_fields(s, err);
}

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* A member that must be a non-empty string without NUL bytes, copied into *out. */
static dc_status json_name_member(char **out, const json_t *v, size_t k, const char *key,
                                  dc_error *err)
{
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        strlen(json_string_value(v)) != json_string_length(v))
        return dc_error_set(err, DC_EINVALID,
                            "partition field #%zu: \"%s\" must be a non-empty string without NUL "
                            "bytes, got %s",
                            k + 1, key, json_is_string(v) ? "an empty string" : json_kind(v));
    *out = dc_strdup(json_string_value(v));
    return *out ? DC_OK : dc_error_nomem(err);
}

/* "day", "bucket", or Iceberg's "bucket[16]" (*bracket set to 16, else 0). */
static dc_status json_transform_member(dc_transform *t, int64_t *bracket, const json_t *v, size_t k,
                                       dc_error *err)
{
    char b[256];
    *bracket = 0;
    if (!json_is_string(v))
        return dc_error_set(err, DC_EINVALID,
                            "partition field #%zu: \"transform\" must be a string, got %s", k + 1,
                            json_kind(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    const char *lb = memchr(s, '[', n);
    size_t name_n = lb ? (size_t)(lb - s) : n;
    if (!transform_from_name(s, name_n, t))
        return dc_error_set(err, DC_EINVALID,
                            "partition field #%zu: unknown transform \"%s\" (expected identity, "
                            "year, month, day, hour, bucket or truncate)",
                            k + 1, show(b, sizeof b, s, n));
    if (lb) {
        int64_t p = 0;
        if (!tr_has_param(*t) || n < name_n + 3 || s[n - 1] != ']' ||
            !dc_parse_int64(lb + 1, (int64_t)(n - name_n - 2), &p) || p < 1 || p > INT32_MAX)
            return dc_error_set(err, DC_EINVALID,
                                "partition field #%zu: bad transform \"%s\" (write bucket[N] or "
                                "truncate[W] with N, W between 1 and 2147483647)",
                                k + 1, show(b, sizeof b, s, n));
        *bracket = p;
    }
    return DC_OK;
}

static dc_status field_from_json(dc_part_field *f, const json_t *o, size_t k, dc_error *err)
{
    const char *key;
    json_t *v;
    char b[256];
    dc_status rc = DC_OK;
    int64_t bracket = 0, param = 0;
    bool has_param = false;
    f->transform = DC_TR_IDENTITY;
    if (!json_is_object(o))
        return dc_error_set(err, DC_EINVALID,
                            "partition field #%zu must be an object like {\"column\": \"ts\", "
                            "\"transform\": \"day\"}, got %s",
                            k + 1, json_kind(o));
    json_object_foreach((json_t *)o, key, v)
    {
        if (strcmp(key, "column") == 0) {
            DC_TRY(json_name_member(&f->column, v, k, key, err));
        } else if (strcmp(key, "name") == 0) {
            DC_TRY(json_name_member(&f->name, v, k, key, err));
        } else if (strcmp(key, "transform") == 0) {
            DC_TRY(json_transform_member(&f->transform, &bracket, v, k, err));
        } else if (strcmp(key, "param") == 0) {
            if (!json_is_integer(v))
                return dc_error_set(err, DC_EINVALID,
                                    "partition field #%zu: \"param\" must be an integer, got %s",
                                    k + 1, json_kind(v));
            param = json_integer_value(v);
            has_param = true;
        } else {
            return dc_error_set(err, DC_EINVALID,
                                "partition field #%zu: unknown member \"%s\" (expected column, "
                                "transform, param, name)",
                                k + 1, show(b, sizeof b, key, strlen(key)));
        }
    }
    if (!f->column)
        return dc_error_set(err, DC_EINVALID, "partition field #%zu has no \"column\"", k + 1);
    const char *tn = dc_transform_name(f->transform);
    if (tr_has_param(f->transform)) {
        if (bracket && has_param && bracket != param)
            return dc_error_set(err, DC_EINVALID,
                                "partition field #%zu: %s[%" PRId64
                                "] disagrees with \"param\": %" PRId64,
                                k + 1, tn, bracket, param);
        if (!has_param)
            param = bracket;
        if (!has_param && !bracket)
            return dc_error_set(err, DC_EINVALID,
                                "partition field #%zu (column \"%s\"): %s needs \"param\": the %s "
                                "(1 to 2147483647)",
                                k + 1, f->column, tn,
                                f->transform == DC_TR_BUCKET ? "number of buckets" : "width");
        if (param < 1 || param > INT32_MAX)
            return dc_error_set(err, DC_EINVALID,
                                "partition field #%zu (column \"%s\"): %s param must be between 1 "
                                "and 2147483647, got %" PRId64,
                                k + 1, f->column, tn, param);
        f->param = (int32_t)param;
    } else if (has_param) {
        return dc_error_set(err, DC_EINVALID,
                            "partition field #%zu (column \"%s\"): %s takes no param, got %" PRId64,
                            k + 1, f->column, tn, param);
    }
cleanup:
    return rc;
}

dc_status dc_part_spec_from_json(dc_part_spec *out, const json_t *j, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_part_spec s = {NULL, 0};
    out->fields = NULL;
    out->n = 0;
    if (!json_is_array(j))
        return dc_error_set(err, DC_EINVALID,
                            "a partition spec must be a JSON array of fields like [{\"column\": "
                            "\"ts\", \"transform\": \"day\"}], got %s",
                            j ? json_kind(j) : "nothing");
    size_t n = json_array_size(j);
    if (n > 65536)
        return dc_error_set(err, DC_EINVALID, "a partition spec of %zu fields is too long", n);
    if (n > 0) {
        s.fields = dc_calloc(n, sizeof *s.fields);
        DC_TRY_ALLOC(s.fields, err);
    }
    for (size_t k = 0; k < n; k++) {
        s.n = (int32_t)k + 1;
        DC_TRY(field_from_json(&s.fields[k], json_array_get(j, k), k, err));
    }
    DC_TRY(finish_spec(&s, err));
    *out = s;
    s.fields = NULL;
    s.n = 0;
cleanup:
    dc_part_spec_clear(&s);
    return rc;
}

json_t *dc_part_spec_to_json(const dc_part_spec *s)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (int32_t k = 0; k < s->n; k++) {
        const dc_part_field *f = &s->fields[k];
        const char *tn = dc_transform_name(f->transform);
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o) != 0)
            goto fail;
        if (json_object_set_new(o, "column", json_string(f->column ? f->column : "")) != 0 ||
            json_object_set_new(o, "transform", json_string(tn ? tn : "identity")) != 0)
            goto fail;
        if (tr_has_param(f->transform) &&
            json_object_set_new(o, "param", json_integer(f->param)) != 0)
            goto fail;
        if (json_object_set_new(o, "name", json_string(f->name ? f->name : "")) != 0)
            goto fail;
    }
    return arr;
fail:
    json_decref(arr);
    return NULL;
}

/* ---- the text form ---------------------------------------------------------------- */

typedef struct tparser {
    const char *s;
    size_t len;
    size_t pos;
    dc_error *err;
} tparser;

static dc_status perr(tparser *p, size_t at, const char *fmt, ...) DC_PRINTF(3, 4);
static dc_status perr(tparser *p, size_t at, const char *fmt, ...)
{
    char msg[512], b[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dc_error_set(p->err, DC_EINVALID, "partition spec \"%s\" at offset %zu: %s",
                 show(b, sizeof b, p->s, p->len), at, msg);
    dc_error_at(p->err, NULL, NULL, (int64_t)at, -1);
    return DC_EINVALID;
}

static void skip_ws(tparser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool ident_start(unsigned char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
static bool ident_char(unsigned char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

/* A bare identifier or a double-quoted name into *out; *quoted says which. */
static dc_status read_name(tparser *p, char **out, bool *quoted, const char *what)
{
    size_t at = p->pos;
    *out = NULL;
    *quoted = false;
    if (at < p->len && p->s[at] == '"') {
        dc_strbuf sb;
        dc_strbuf_init(&sb);
        size_t i = at + 1;
        for (;;) {
            if (i >= p->len) {
                dc_strbuf_free(&sb);
                return perr(p, at, "unterminated quoted %s", what);
            }
            if (p->s[i] == '"') {
                if (i + 1 < p->len && p->s[i + 1] == '"') {
                    dc_strbuf_putc(&sb, '"');
                    i += 2;
                    continue;
                }
                break;
            }
            dc_strbuf_putc(&sb, p->s[i++]);
        }
        p->pos = i + 1;
        *quoted = true;
        if (dc_strbuf_status(&sb) != DC_OK) {
            dc_strbuf_free(&sb);
            return dc_error_nomem(p->err);
        }
        if (sb.len == 0) {
            dc_strbuf_free(&sb);
            return perr(p, at, "empty quoted %s", what);
        }
        if (!dc_utf8_valid(sb.data, sb.len)) {
            dc_strbuf_free(&sb);
            return perr(p, at, "quoted %s is not valid UTF-8", what);
        }
        *out = dc_strbuf_detach(&sb);
        return DC_OK;
    }
    if (at >= p->len || !ident_start((unsigned char)p->s[at]))
        return perr(p, at, "expected %s", what);
    size_t i = at;
    while (i < p->len && ident_char((unsigned char)p->s[i]))
        i++;
    if (!dc_utf8_valid(p->s + at, (int64_t)(i - at)))
        return perr(p, at, "%s is not valid UTF-8", what);
    *out = dc_strndup(p->s + at, i - at);
    if (!*out)
        return dc_error_nomem(p->err);
    p->pos = i;
    return DC_OK;
}

/* A bucket count or width: digits, 1..2^31-1. */
static dc_status read_param(tparser *p, dc_transform t, int32_t *out)
{
    size_t at = p->pos, i = at;
    const char *what = t == DC_TR_BUCKET ? "the number of buckets" : "the width";
    const char *ex = t == DC_TR_BUCKET ? "bucket(16, id)" : "truncate(4, name)";
    int64_t v = 0;
    while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') {
        if (v <= INT32_MAX)
            v = v * 10 + (p->s[i] - '0');
        i++;
    }
    if (i == at)
        return perr(p, at, "%s needs %s first, as in %s", dc_transform_name(t), what, ex);
    if (v < 1 || v > INT32_MAX)
        return perr(p, at, "%s of %s must be between 1 and 2147483647, got %.*s", what,
                    dc_transform_name(t), (int)DC_MIN(i - at, (size_t)40), p->s + at);
    *out = (int32_t)v;
    p->pos = i;
    return DC_OK;
}

/* True when the next word is `kw` (case-insensitive) followed by a non-identifier byte. */
static bool at_keyword(const tparser *p, const char *kw)
{
    size_t n = strlen(kw);
    if (p->pos + n > p->len || !dc_str_ieq(p->s + p->pos, (int64_t)n, kw))
        return false;
    return p->pos + n == p->len || !ident_char((unsigned char)p->s[p->pos + n]);
}

static dc_status read_item(tparser *p, dc_part_field *f)
{
    dc_status rc = DC_OK;
    char *word = NULL;
    bool quoted;
    size_t at = p->pos;
    DC_TRY(read_name(p, &word, &quoted, "a column or a transform such as day(ts)"));
    skip_ws(p);
    if (!quoted && p->pos < p->len && p->s[p->pos] == '(') {
        if (!transform_from_name(word, strlen(word), &f->transform)) {
            char b[256];
            rc = perr(p, at,
                      "unknown partition transform \"%s\" (expected identity, year, month, day, "
                      "hour, bucket or truncate)",
                      show(b, sizeof b, word, strlen(word)));
            goto cleanup;
        }
        p->pos++;
        skip_ws(p);
        if (tr_has_param(f->transform)) {
            DC_TRY(read_param(p, f->transform, &f->param));
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ',') {
                rc = perr(p, p->pos, "expected ',' and the column after the %s parameter",
                          dc_transform_name(f->transform));
                goto cleanup;
            }
            p->pos++;
            skip_ws(p);
        }
        DC_TRY(read_name(p, &f->column, &quoted, "a column name"));
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ')') {
            rc = perr(p, p->pos, "expected ')' after the column of %s",
                      dc_transform_name(f->transform));
            goto cleanup;
        }
        p->pos++;
    } else {
        f->transform = DC_TR_IDENTITY;
        f->column = word;
        word = NULL;
    }
    skip_ws(p);
    if (at_keyword(p, "as")) {
        p->pos += 2;
        skip_ws(p);
        DC_TRY(read_name(p, &f->name, &quoted, "a partition field name after AS"));
        skip_ws(p);
    }
cleanup:
    dc_free(word);
    return rc;
}

dc_status dc_part_spec_parse(dc_part_spec *out, const char *text, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_part_spec s = {NULL, 0};
    int32_t cap = 0;
    out->fields = NULL;
    out->n = 0;
    if (!text)
        return dc_error_set(err, DC_EINVALID, "no partition spec text given");
    tparser p = {text, strlen(text), 0, err};
    skip_ws(&p);
    while (p.pos < p.len) {
        if (s.n == cap) {
            if (cap >= 65536) {
                rc = perr(&p, p.pos, "too many partition fields");
                goto cleanup;
            }
            int32_t ncap = cap ? cap * 2 : 4;
            dc_part_field *nf = dc_realloc(s.fields, (size_t)ncap * sizeof *nf);
            DC_TRY_ALLOC(nf, err);
            s.fields = nf;
            cap = ncap;
        }
        memset(&s.fields[s.n], 0, sizeof s.fields[s.n]);
        s.n++;
        DC_TRY(read_item(&p, &s.fields[s.n - 1]));
        if (p.pos < p.len) {
            if (p.s[p.pos] != ',') {
                rc = perr(&p, p.pos, "expected ',' or the end of the spec");
                goto cleanup;
            }
            p.pos++;
            skip_ws(&p);
            if (p.pos >= p.len) {
                rc = perr(&p, p.pos, "expected a partition field after ','");
                goto cleanup;
            }
        }
    }
    DC_TRY(finish_spec(&s, err));
    *out = s;
    s.fields = NULL;
    s.n = 0;
cleanup:
    dc_part_spec_clear(&s);
    return rc;
}

/* ---- binding -------------------------------------------------------------------- */

static const dc_type *value_type(const dc_type *t)
{
    return t->id == DC_TYPE_DICTIONARY ? t->value_type : t;
}

static bool is_string(dc_type_id id)
{
    return id == DC_TYPE_UTF8 || id == DC_TYPE_LARGE_UTF8;
}
static bool is_time(dc_type_id id)
{
    return id == DC_TYPE_TIME32 || id == DC_TYPE_TIME64;
}
static bool is_date(dc_type_id id)
{
    return id == DC_TYPE_DATE32 || id == DC_TYPE_DATE64;
}

/* Does transform `tr` accept type `t`? *need says what it accepts. */
static bool transform_fits(dc_transform tr, const dc_type *t, const char **need)
{
    dc_type_id id = t->id;
    switch (tr) {
    case DC_TR_IDENTITY:
        *need = "a bool, integer, decimal, date, time, timestamp or string column";
        return id == DC_TYPE_BOOL || dc_type_is_integer(id) || dc_type_is_decimal(id) ||
               is_date(id) || is_time(id) || id == DC_TYPE_TIMESTAMP || is_string(id);
    case DC_TR_YEAR:
    case DC_TR_MONTH:
    case DC_TR_DAY:
        *need = "a date or timestamp column";
        return is_date(id) || id == DC_TYPE_TIMESTAMP;
    case DC_TR_HOUR: *need = "a timestamp column"; return id == DC_TYPE_TIMESTAMP;
    case DC_TR_BUCKET:
        *need = "an integer, decimal, date, time, timestamp, string or binary column";
        return dc_type_is_integer(id) || dc_type_is_decimal(id) || is_date(id) || is_time(id) ||
               id == DC_TYPE_TIMESTAMP || is_string(id) || id == DC_TYPE_BINARY ||
               id == DC_TYPE_LARGE_BINARY || id == DC_TYPE_FIXED_SIZE_BINARY;
    case DC_TR_TRUNCATE:
        *need = "an integer, decimal128 or string column";
        return dc_type_is_integer(id) || id == DC_TYPE_DECIMAL128 || is_string(id);
    }
    *need = "a known transform";
    return false;
}

static dc_status type_mismatch(const dc_part_field *f, const dc_type *t, const char *need,
                               dc_error *err)
{
    char *tn = dc_type_to_string(t);
    dc_error_set(err, DC_ESCHEMA, "partition field \"%s\": %s needs %s; column \"%s\" is %s",
                 f->name ? f->name : "?", dc_transform_name(f->transform), need, f->column,
                 tn ? tn : dc_type_id_name(t->id));
    dc_free(tn);
    dc_error_at(err, NULL, f->column, -1, -1);
    return DC_ESCHEMA;
}

dc_status dc_part_spec_bind(const dc_part_spec *s, const dc_schema *schema, dc_error *err)
{
    dc_status rc;
    char d[256];
    if (!s || !schema)
        return dc_error_set(err, DC_EINVALID, "partition spec bind: no spec or no schema given");
    if ((rc = check_fields(s, err)) != DC_OK)
        return rc;
    for (int32_t k = 0; k < s->n; k++) {
        const dc_part_field *f = &s->fields[k];
        const char *need;
        int32_t idx = dc_schema_find(schema, f->column);
        if (idx < 0) {
            dc_error_set(err, DC_ESCHEMA,
                         "partition field \"%s\" (%s): column \"%s\" is not in the table schema",
                         f->name, field_desc(f, d, sizeof d), f->column);
            dc_error_at(err, NULL, f->column, -1, -1);
            return DC_ESCHEMA;
        }
        const dc_type *t = value_type(schema->fields[idx].type);
        if (!transform_fits(f->transform, t, &need))
            return type_mismatch(f, t, need, err);
        int32_t other = dc_schema_find(schema, f->name);
        if (other >= 0 && !(f->transform == DC_TR_IDENTITY && other == idx)) {
            dc_error_set(err, DC_EINVALID,
                         "partition field name \"%s\" (%s) is also a column of the table; only "
                         "identity(%s) may take a column's name: rename it (... AS name)",
                         f->name, field_desc(f, d, sizeof d), f->name);
            dc_error_at(err, NULL, f->column, -1, -1);
            return DC_EINVALID;
        }
    }
    return DC_OK;
}

/* ==== transforms ================================================================== */

static int64_t floordiv64(int64_t a, int64_t b)
{
    int64_t q = a / b, r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}
static int64_t floormod64(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's civil algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floordiv64(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floordiv64(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
static int days_in_month(int64_t y, int m)
{
    static const int D[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : D[m - 1];
}

/* year/month/day/hour of a stored date or timestamp value, as int64 (range checked later). */
static int64_t temporal_transform(dc_transform tr, const dc_type *t, int64_t v)
{
    int64_t days, hours = 0;
    if (t->id == DC_TYPE_DATE32) {
        days = v;
    } else if (t->id == DC_TYPE_DATE64) {
        days = floordiv64(v, 86400000);
        hours = floordiv64(v, 3600000);
    } else {
        int64_t per_sec = dc_unit_nanos(DC_UNIT_SECOND) / dc_unit_nanos(t->unit);
        days = floordiv64(v, 86400 * per_sec);
        hours = floordiv64(v, 3600 * per_sec);
    }
    if (tr == DC_TR_DAY)
        return days;
    if (tr == DC_TR_HOUR)
        return hours;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    return tr == DC_TR_YEAR ? y - 1970 : (y - 1970) * 12 + (m - 1);
}

uint32_t dc_part__murmur3_32(const void *data, size_t n, uint32_t seed)
{
    const uint8_t *p = data;
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    uint32_t h = seed, k;
    size_t blocks = n / 4;
    for (size_t i = 0; i < blocks; i++, p += 4) {
        k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        k *= c1;
        k = (k << 15) | (k >> 17);
        k *= c2;
        h ^= k;
        h = (h << 13) | (h >> 19);
        h = h * 5 + 0xe6546b64u;
    }
    k = 0;
    switch (n & 3) {
    case 3: k ^= (uint32_t)p[2] << 16; /* fall through */
    case 2: k ^= (uint32_t)p[1] << 8;  /* fall through */
    case 1:
        k ^= p[0];
        k *= c1;
        k = (k << 15) | (k >> 17);
        k *= c2;
        h ^= k;
        break;
    default: break;
    }
    h ^= (uint32_t)n;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static int32_t hash_long(int64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)v >> (8 * i));
    return (int32_t)dc_part__murmur3_32(b, 8, 0);
}

/* A time or timestamp value of `unit` in microseconds (ns floored); false on overflow. */
static bool to_micros(int64_t v, dc_time_unit unit, int64_t *out)
{
    switch (unit) {
    case DC_UNIT_SECOND: return !__builtin_mul_overflow(v, (int64_t)1000000, out);
    case DC_UNIT_MILLI: return !__builtin_mul_overflow(v, (int64_t)1000, out);
    case DC_UNIT_MICRO: *out = v; return true;
    case DC_UNIT_NANO: *out = floordiv64(v, 1000); return true;
    }
    return false;
}

dc_status dc_part__hash_value(int32_t *out, const dc_array *a, int64_t i, dc_error *err)
{
    const dc_type *t = a->type;
    int64_t v, len;
    const uint8_t *p;
    switch (t->id) {
    case DC_TYPE_INT8:
    case DC_TYPE_INT16:
    case DC_TYPE_INT32:
    case DC_TYPE_INT64:
    case DC_TYPE_DATE32: *out = hash_long(dc_array_get_int(a, i)); return DC_OK;
    case DC_TYPE_UINT8:
    case DC_TYPE_UINT16:
    case DC_TYPE_UINT32:
    case DC_TYPE_UINT64: *out = hash_long((int64_t)dc_array_get_uint(a, i)); return DC_OK;
    case DC_TYPE_DATE64:
        *out = hash_long(floordiv64(dc_array_get_int(a, i), 86400000));
        return DC_OK;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP:
        if (!to_micros(dc_array_get_int(a, i), t->unit, &v))
            return dc_error_set(err, DC_EINVALID,
                                "bucket: %s value %" PRId64 " does not fit int64 in microseconds",
                                dc_type_id_name(t->id), dc_array_get_int(a, i));
        *out = hash_long(v);
        return DC_OK;
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256: {
        /* The unscaled value's minimal big-endian two's complement (Java's
         * BigInteger.toByteArray): drop high bytes that only repeat the sign. */
        uint8_t be[32];
        int32_t w = t->byte_width, n = w;
        p = dc_array_get_bytes(a, i, &len);
        while (n > 1 && ((p[n - 1] == 0x00 && !(p[n - 2] & 0x80)) ||
                         (p[n - 1] == 0xff && (p[n - 2] & 0x80))))
            n--;
        for (int32_t k = 0; k < n; k++)
            be[k] = p[n - 1 - k];
        *out = (int32_t)dc_part__murmur3_32(be, (size_t)n, 0);
        return DC_OK;
    }
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_BINARY:
    case DC_TYPE_FIXED_SIZE_BINARY:
        p = dc_array_get_bytes(a, i, &len);
        *out = (int32_t)dc_part__murmur3_32(p, (size_t)len, 0);
        return DC_OK;
    default:
        return dc_error_set(err, DC_ESCHEMA, "bucket cannot hash a %s value",
                            dc_type_id_name(t->id));
    }
}

/* h[i] = 31 * h[i] + the hash of element i of `a` (n elements). */
static dc_status mix_key_column(uint32_t *h, const dc_array *a, int64_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    const dc_type *t = a->type;
    if (t->id == DC_TYPE_DICTIONARY) { /* the values' hashes, once each */
        const dc_array *d = a->dictionary;
        uint32_t *dh = dc_calloc((size_t)d->length + 1, sizeof *dh);
        if (!dh)
            return dc_error_nomem(err);
        rc = mix_key_column(dh, d, d->length, err);
        for (int64_t i = 0; rc == DC_OK && i < n; i++) {
            int64_t k = dc_array_valid(a, i) ? dc_array_get_int(a, i) : -1;
            h[i] = 31u * h[i] + (k >= 0 && k < d->length && dc_array_valid(d, k) ? dh[k] : 0u);
        }
        dc_free(dh);
        return rc;
    }
    bool as_long = t->id == DC_TYPE_BOOL || t->id == DC_TYPE_DURATION;
    for (int64_t i = 0; i < n; i++) {
        int32_t v = 0;
        if (dc_array_valid(a, i)) {
            if (as_long)
                v = hash_long(dc_array_get_int(a, i));
            else if ((rc = dc_part__hash_value(&v, a, i, NULL)) == DC_EINVALID)
                v = hash_long(dc_array_get_int(a, i)); /* microseconds overflow: the value */
            else if (rc != DC_OK)
                return dc_error_set(err, rc, "a merge key of type %s has no bucket hash",
                                    dc_type_id_name(t->id));
        }
        h[i] = 31u * h[i] + (uint32_t)v;
    }
    return DC_OK;
}

bool dc_part_key_type_hashes(const dc_type *t)
{
    dc_type_id id = t->id;
    if (id == DC_TYPE_DICTIONARY)
        return dc_part_key_type_hashes(t->value_type);
    return id == DC_TYPE_BOOL || dc_type_is_integer(id) || dc_type_is_temporal(id) ||
           dc_type_is_decimal(id) || dc_type_is_binary_like(id) ||
           id == DC_TYPE_FIXED_SIZE_BINARY;
}

dc_status dc_part_key_buckets(int32_t *out, dc_array *const *cols, int32_t n_cols, int64_t n,
                              int32_t buckets, dc_error *err)
{
    if (buckets < 1)
        return dc_error_set(err, DC_EINVALID, "a key needs at least one bucket, not %d", buckets);
    if (n <= 0)
        return DC_OK;
    uint32_t *h = dc_calloc((size_t)n, sizeof *h);
    if (!h)
        return dc_error_nomem(err);
    dc_status rc = DC_OK;
    for (int32_t c = 0; c < n_cols && rc == DC_OK; c++)
        rc = mix_key_column(h, cols[c], n, err);
    for (int64_t i = 0; rc == DC_OK && i < n; i++)
        out[i] = (int32_t)((h[i] & INT32_MAX) % (uint32_t)buckets);
    dc_free(h);
    return rc;
}

/* Little-endian 16 bytes <-> signed 128-bit. */
static __int128 load_i128(const uint8_t *p)
{
    unsigned __int128 u = 0;
    for (int k = 15; k >= 0; k--)
        u = (u << 8) | p[k];
    return (__int128)u;
}
static void store_i128(uint8_t *p, __int128 v)
{
    unsigned __int128 u = (unsigned __int128)v;
    for (int k = 0; k < 16; k++, u >>= 8)
        p[k] = (uint8_t)u;
}

/* An error about row i of `col` under field f: "... the value X at row i <what>". */
static dc_status row_error(dc_error *err, dc_status code, const dc_part_field *f,
                           const dc_array *col, int64_t i, const char *what)
{
    char d[256];
    char *v = dc_value_to_text(col, i, false);
    dc_error_set(err, code, "partition field \"%s\" (%s): the value %s at row %" PRId64 " %s",
                 f->name, field_desc(f, d, sizeof d), v ? v : "?", i, what);
    dc_free(v);
    dc_error_at(err, NULL, f->column, -1, -1);
    return code;
}

static dc_status builder_status(dc_status st, dc_error *err)
{
    if (st == DC_OK)
        return DC_OK;
    if (st == DC_ENOMEM)
        return dc_error_nomem(err);
    return dc_error_set(err, DC_EINTERNAL, "partition: a builder refused a value (%s)",
                        dc_status_name(st));
}

/* truncate(W) of a signed integer row; false when the result leaves the type. */
static bool truncate_signed(int64_t v, int64_t w, dc_type_id id, int64_t *out)
{
    int64_t r = ((v % w) + w) % w;
    if (__builtin_sub_overflow(v, r, out))
        return false;
    switch (id) {
    case DC_TYPE_INT8: return *out >= INT8_MIN;
    case DC_TYPE_INT16: return *out >= INT16_MIN;
    case DC_TYPE_INT32: return *out >= INT32_MIN;
    default: return true;
    }
}

/* Append truncate(W) of the string at row i: its first W code points. */
static dc_status truncate_string(dc_builder *bd, const dc_array *col, int64_t i, int32_t w)
{
    int64_t len, end = 0, cps = 0;
    const uint8_t *p = dc_array_get_bytes(col, i, &len);
    while (end < len) {
        if ((p[end] & 0xc0) != 0x80 && cps++ == w)
            break;
        end++;
    }
    return dc_builder_append_bytes(bd, p, end);
}

/* Append truncate(W) of a decimal128 row; DC_EINVALID when it leaves the precision. */
static dc_status truncate_decimal(dc_builder *bd, const dc_array *col, int64_t i, int32_t w)
{
    int64_t len;
    uint8_t buf[16];
    const uint8_t *p = dc_array_get_bytes(col, i, &len);
    __int128 v = load_i128(p), r = ((v % w) + w) % w, res = v - r, lim = 1;
    for (int32_t k = 0; k < col->type->precision; k++)
        lim *= 10;
    if (res <= -lim || res >= lim)
        return DC_EINVALID;
    store_i128(buf, res);
    return dc_builder_append_bytes(bd, buf, 16);
}

/* One row of a non-identity transform appended to `bd`. */
static dc_status transform_row(dc_builder *bd, const dc_part_field *f, const dc_array *col,
                               int64_t i, dc_error *err)
{
    const dc_type *t = col->type;
    dc_status st;
    if (tr_is_temporal(f->transform)) {
        int64_t r = temporal_transform(f->transform, t, dc_array_get_int(col, i));
        if (r < INT32_MIN || r > INT32_MAX)
            return row_error(err, DC_EINVALID, f, col, i,
                             "gives a partition value outside the int32 range");
        return builder_status(dc_builder_append_int(bd, r), err);
    }
    if (f->transform == DC_TR_BUCKET) {
        int32_t h;
        if (dc_part__hash_value(&h, col, i, err) != DC_OK)
            return row_error(err, DC_EINVALID, f, col, i,
                             "cannot be hashed: it overflows int64 in microseconds");
        return builder_status(
            dc_builder_append_int(bd, (int64_t)((uint32_t)h & INT32_MAX) % f->param), err);
    }
    /* truncate */
    if (dc_type_is_signed_integer(t->id)) {
        int64_t r;
        if (!truncate_signed(dc_array_get_int(col, i), f->param, t->id, &r))
            return row_error(err, DC_EINVALID, f, col, i,
                             "truncates to a value below the column type's range");
        return builder_status(dc_builder_append_int(bd, r), err);
    }
    if (dc_type_is_unsigned_integer(t->id)) {
        uint64_t u = dc_array_get_uint(col, i);
        return builder_status(dc_builder_append_uint(bd, u - u % (uint64_t)f->param), err);
    }
    if (t->id == DC_TYPE_DECIMAL128) {
        st = truncate_decimal(bd, col, i, f->param);
        if (st == DC_EINVALID)
            return row_error(err, DC_EINVALID, f, col, i,
                             "truncates to a value beyond the column's decimal precision");
        return builder_status(st, err);
    }
    return builder_status(truncate_string(bd, col, i, f->param), err);
}

/* The transform of f over `col` (not a dictionary): a new array (see notes 1). */
static dc_status apply_transform(dc_array **out, const dc_part_field *f, const dc_array *col,
                                 dc_error *err)
{
    dc_status rc = DC_OK;
    dc_builder *bd = NULL;
    dc_type *rt = NULL;
    const char *need;
    *out = NULL;
    if (!transform_fits(f->transform, col->type, &need))
        return type_mismatch(f, col->type, need, err);
    if (f->transform == DC_TR_IDENTITY) {
        *out = dc_array_ref(col);
        return DC_OK;
    }
    rt = f->transform == DC_TR_TRUNCATE ? dc_type_ref(col->type) : dc_type_new(DC_TYPE_INT32);
    DC_TRY_ALLOC(rt, err);
    DC_TRY(dc_builder_new(&bd, rt, err));
    DC_TRY(builder_status(dc_builder_reserve(bd, col->length), err));
    for (int64_t i = 0; i < col->length; i++) {
        if (!dc_array_valid(col, i))
            DC_TRY(builder_status(dc_builder_append_null(bd), err));
        else
            DC_TRY(transform_row(bd, f, col, i, err));
    }
    DC_TRY(dc_builder_finish(bd, out, err));
cleanup:
    dc_builder_free(bd);
    dc_type_unref(rt);
    return rc;
}

void dc_part_values_free(dc_array **values, int32_t n)
{
    if (!values)
        return;
    for (int32_t k = 0; k < n; k++)
        dc_array_unref(values[k]);
    dc_free(values);
}

dc_status dc_part_values(dc_array ***out, const dc_part_spec *s, const dc_batch *b, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array **vals = NULL, *dec = NULL;
    *out = NULL;
    if (!s || !b)
        return dc_error_set(err, DC_EINVALID, "partition values: no spec or no batch given");
    DC_TRY(dc_part_spec_bind(s, b->schema, err));
    if (s->n == 0)
        return DC_OK;
    vals = dc_calloc((size_t)s->n, sizeof *vals);
    DC_TRY_ALLOC(vals, err);
    for (int32_t k = 0; k < s->n; k++) {
        const dc_part_field *f = &s->fields[k];
        const dc_array *col = b->columns[dc_schema_find(b->schema, f->column)];
        if (col->type->id == DC_TYPE_DICTIONARY) {
            rc = dc_cast(&dec, col, col->type->value_type, true, err);
            if (rc != DC_OK) {
                dc_error_at(err, NULL, f->column, -1, -1);
                goto cleanup;
            }
            col = dec;
        }
        DC_TRY(apply_transform(&vals[k], f, col, err));
        dc_array_unref(dec);
        dec = NULL;
    }
    *out = vals;
    vals = NULL;
cleanup:
    dc_array_unref(dec);
    dc_part_values_free(vals, s->n);
    return rc;
}

/* ==== values as JSON and key strings ============================================= */

/* Row i of a partition-value array as JSON (see the header for the forms). */
static dc_status value_json(json_t **out, const dc_part_field *f, const dc_array *a, int64_t i,
                            dc_error *err)
{
    const dc_type *t = a->type;
    *out = NULL;
    if (!dc_array_valid(a, i)) {
        *out = json_null();
    } else if (t->id == DC_TYPE_BOOL) {
        *out = json_boolean(dc_array_get_int(a, i) != 0);
    } else if (dc_type_is_signed_integer(t->id)) {
        *out = json_integer(dc_array_get_int(a, i));
    } else if (dc_type_is_unsigned_integer(t->id)) {
        uint64_t u = dc_array_get_uint(a, i);
        if (u <= (uint64_t)INT64_MAX) {
            *out = json_integer((json_int_t)u);
        } else {
            char b[24];
            snprintf(b, sizeof b, "%" PRIu64, u);
            *out = json_string(b);
        }
    } else if (is_string(t->id)) {
        int64_t len;
        const uint8_t *p = dc_array_get_bytes(a, i, &len);
        if (!dc_utf8_valid((const char *)p, len))
            return row_error(err, DC_EINVALID, f, a, i, "is not valid UTF-8");
        *out = json_stringn((const char *)p, (size_t)len);
    } else {
        dc_strbuf sb;
        dc_strbuf_init(&sb);
        dc_format_value(&sb, a, i, DC_STYLE_TEXT);
        if (dc_strbuf_status(&sb) == DC_OK)
            *out = json_stringn(dc_strbuf_cstr(&sb), (size_t)sb.len);
        dc_strbuf_free(&sb);
    }
    return *out ? DC_OK : dc_error_nomem(err);
}

static bool safe_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static void put_pct(dc_strbuf *sb, unsigned char c)
{
    static const char HEX[] = "0123456789ABCDEF";
    char b[3] = {'%', HEX[c >> 4], HEX[c & 15]};
    dc_strbuf_append(sb, b, 3);
}

/* Percent-encode n bytes (header: the key encoding); `escape_first` encodes byte 0. */
static void encode_text(dc_strbuf *sb, const char *s, size_t n, bool escape_first)
{
    bool utf8 = dc_utf8_valid(s, (int64_t)n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 0 && escape_first) {
            put_pct(sb, c);
        } else if (safe_byte(c)) {
            dc_strbuf_putc(sb, (char)c);
        } else if (c == '.') {
            if (i == 0 || i + 1 == n || s[i + 1] == '.')
                put_pct(sb, c);
            else
                dc_strbuf_putc(sb, '.');
        } else if (c >= 0x80 && utf8) {
            if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f) { /* C1 controls */
                put_pct(sb, c);
                put_pct(sb, (unsigned char)s[++i]);
            } else {
                dc_strbuf_putc(sb, (char)c);
            }
        } else {
            put_pct(sb, c);
        }
    }
}

/* "0" or -?[1-9][0-9]*: how a JSON integer is written in a key. */
static bool canonical_int(const char *s, size_t n)
{
    size_t i = 0;
    if (n > 0 && s[0] == '-')
        i = 1;
    if (i >= n || s[i] < '0' || s[i] > '9' || (s[i] == '0' && (n > 1)))
        return false;
    for (; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool text_is(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

#define NULL_TEXT "__null__"

static void put_year(dc_strbuf *sb, int64_t y)
{
    if (y >= 0 && y <= 9999)
        dc_strbuf_printf(sb, "%04" PRId64, y);
    else if (y < 0)
        dc_strbuf_printf(sb, "-%04" PRId64, -y);
    else
        dc_strbuf_printf(sb, "+%" PRId64, y);
}

/* year "2024", month "2024-03", day "2024-03-18", hour "2024-03-18-05". */
static void put_temporal(dc_strbuf *sb, dc_transform tr, int64_t v)
{
    int64_t y;
    int m, d;
    if (tr == DC_TR_YEAR) {
        put_year(sb, 1970 + v);
    } else if (tr == DC_TR_MONTH) {
        put_year(sb, 1970 + floordiv64(v, 12));
        dc_strbuf_printf(sb, "-%02d", (int)floormod64(v, 12) + 1);
    } else {
        int64_t days = tr == DC_TR_HOUR ? floordiv64(v, 24) : v;
        civil_from_days(days, &y, &m, &d);
        put_year(sb, y);
        dc_strbuf_printf(sb, "-%02d-%02d", m, d);
        if (tr == DC_TR_HOUR)
            dc_strbuf_printf(sb, "-%02d", (int)floormod64(v, 24));
    }
}

static dc_status encode_value(dc_strbuf *sb, const dc_part_field *f, const json_t *v, dc_error *err)
{
    char d[256];
    if (json_is_null(v)) {
        dc_strbuf_puts(sb, NULL_TEXT);
        return DC_OK;
    }
    if (tr_is_temporal(f->transform) || f->transform == DC_TR_BUCKET) {
        json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
        bool ok =
            json_is_integer(v) && (f->transform == DC_TR_BUCKET ? x >= 0 && x < f->param
                                                                : x >= INT32_MIN && x <= INT32_MAX);
        if (!ok)
            return dc_error_set(
                err, DC_EINVALID, "partition value of \"%s\" (%s) must be %s, got %s", f->name,
                field_desc(f, d, sizeof d),
                f->transform == DC_TR_BUCKET ? "an integer in [0, N)" : "an int32 integer",
                json_kind(v));
        if (f->transform == DC_TR_BUCKET) {
            dc_strbuf_printf(sb, "%" PRId64, (int64_t)x);
        } else {
            dc_strbuf t;
            dc_strbuf_init(&t);
            put_temporal(&t, f->transform, x);
            encode_text(sb, dc_strbuf_cstr(&t), (size_t)t.len, false);
            if (dc_strbuf_status(&t) != DC_OK)
                sb->failed = true;
            dc_strbuf_free(&t);
        }
        return DC_OK;
    }
    if (json_is_integer(v)) {
        dc_strbuf_printf(sb, "%" PRId64, (int64_t)json_integer_value(v));
    } else if (json_is_boolean(v)) {
        dc_strbuf_puts(sb, json_is_true(v) ? "true" : "false");
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        bool ambiguous = canonical_int(s, n) || text_is(s, n, "true") || text_is(s, n, "false") ||
                         text_is(s, n, NULL_TEXT);
        encode_text(sb, s, n, ambiguous);
    } else {
        return dc_error_set(err, DC_EINVALID,
                            "partition value of \"%s\" (%s) must be an integer, boolean, string "
                            "or null, got %s",
                            f->name, field_desc(f, d, sizeof d), json_kind(v));
    }
    return DC_OK;
}

dc_status dc_part_key_encode(char **out, const dc_part_spec *s, const json_t *values, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_strbuf sb;
    *out = NULL;
    dc_strbuf_init(&sb);
    if (!json_is_object(values)) {
        rc = dc_error_set(err, DC_EINVALID, "partition values must be a JSON object, got %s",
                          values ? json_kind(values) : "nothing");
        goto cleanup;
    }
    for (int32_t k = 0; k < s->n; k++) {
        const dc_part_field *f = &s->fields[k];
        const json_t *v = json_object_get(values, f->name);
        if (!v) {
            rc = dc_error_set(err, DC_EINVALID, "partition values have no member \"%s\"", f->name);
            goto cleanup;
        }
        if (k > 0)
            dc_strbuf_putc(&sb, '/');
        encode_text(&sb, f->name, strlen(f->name), false);
        dc_strbuf_putc(&sb, '=');
        DC_TRY(encode_value(&sb, f, v, err));
    }
    if (dc_strbuf_status(&sb) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    *out = sb.data ? dc_strbuf_detach(&sb) : dc_strdup("");
    DC_TRY_ALLOC(*out, err);
cleanup:
    dc_strbuf_free(&sb);
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Undo %XX escapes; false on a bad escape. */
static bool pct_decode(dc_strbuf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            dc_strbuf_putc(out, s[i]);
            continue;
        }
        if (i + 2 >= n)
            return false;
        int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
        if (hi < 0 || lo < 0)
            return false;
        dc_strbuf_putc(out, (char)(hi * 16 + lo));
        i += 2;
    }
    return true;
}

/* Parse [+-]?dddd+ (at least 4 digits, at most 12). */
static bool parse_year(const char **pp, const char *end, int64_t *y)
{
    const char *p = *pp;
    int sign = 1, nd = 0;
    int64_t v = 0;
    if (p < end && (*p == '+' || *p == '-'))
        sign = *p++ == '-' ? -1 : 1;
    while (p < end && *p >= '0' && *p <= '9' && nd < 12) {
        v = v * 10 + (*p++ - '0');
        nd++;
    }
    if (nd < 4 || (p < end && *p >= '0' && *p <= '9'))
        return false;
    *y = sign * v;
    *pp = p;
    return true;
}

/* "-dd" with the value in [lo, hi]. */
static bool parse_part2(const char **pp, const char *end, int lo, int hi, int *out)
{
    const char *p = *pp;
    if (end - p < 3 || p[0] != '-' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
        return false;
    *out = (p[1] - '0') * 10 + (p[2] - '0');
    *pp = p + 3;
    return *out >= lo && *out <= hi;
}

/* The human form of a temporal partition value back to its int (false if malformed). */
static bool decode_temporal(dc_transform tr, const char *s, size_t n, int64_t *out)
{
    const char *p = s, *end = s + n;
    int64_t y, v;
    int m = 1, d = 1, h = 0;
    if (!parse_year(&p, end, &y))
        return false;
    if (tr != DC_TR_YEAR && !parse_part2(&p, end, 1, 12, &m))
        return false;
    if ((tr == DC_TR_DAY || tr == DC_TR_HOUR) && !parse_part2(&p, end, 1, days_in_month(y, m), &d))
        return false;
    if (tr == DC_TR_HOUR && !parse_part2(&p, end, 0, 23, &h))
        return false;
    if (p != end)
        return false;
    switch (tr) {
    case DC_TR_YEAR: v = y - 1970; break;
    case DC_TR_MONTH: v = (y - 1970) * 12 + (m - 1); break;
    case DC_TR_DAY: v = days_from_civil(y, m, d); break;
    default: v = days_from_civil(y, m, d) * 24 + h; break;
    }
    if (v < INT32_MIN || v > INT32_MAX)
        return false;
    *out = v;
    return true;
}

/* One key value (raw, still encoded) of field f as JSON. */
static dc_status decode_value(json_t **out, const dc_part_field *f, const char *raw, size_t n,
                              const char *key, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_strbuf sb;
    char b[256], d[256];
    int64_t v;
    *out = NULL;
    dc_strbuf_init(&sb);
    if (text_is(raw, n, NULL_TEXT)) {
        *out = json_null();
        goto done;
    }
    if (f->transform == DC_TR_BUCKET) {
        if (!canonical_int(raw, n) || !dc_parse_int64(raw, (int64_t)n, &v) || v < 0 ||
            v >= f->param)
            goto bad;
        *out = json_integer(v);
        goto done;
    }
    if ((f->transform == DC_TR_IDENTITY || f->transform == DC_TR_TRUNCATE) &&
        canonical_int(raw, n)) {
        if (!dc_parse_int64(raw, (int64_t)n, &v))
            goto bad;
        *out = json_integer(v);
        goto done;
    }
    if ((f->transform == DC_TR_IDENTITY || f->transform == DC_TR_TRUNCATE) &&
        (text_is(raw, n, "true") || text_is(raw, n, "false"))) {
        *out = json_boolean(raw[0] == 't');
        goto done;
    }
    if (!pct_decode(&sb, raw, n)) {
        rc = dc_error_set(err, DC_EINVALID,
                          "partition key \"%s\": bad %%XX escape in the value of \"%s\"",
                          show(b, sizeof b, key, strlen(key)), f->name);
        goto cleanup;
    }
    if (dc_strbuf_status(&sb) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    if (tr_is_temporal(f->transform)) {
        if (!decode_temporal(f->transform, dc_strbuf_cstr(&sb), (size_t)sb.len, &v))
            goto bad;
        *out = json_integer(v);
        goto done;
    }
    if (!dc_utf8_valid(dc_strbuf_cstr(&sb), sb.len)) {
        rc = dc_error_set(err, DC_EINVALID,
                          "partition key \"%s\": the value of \"%s\" is not valid UTF-8",
                          show(b, sizeof b, key, strlen(key)), f->name);
        goto cleanup;
    }
    *out = json_stringn(dc_strbuf_cstr(&sb), (size_t)sb.len);
done:
    if (!*out)
        rc = dc_error_nomem(err);
    goto cleanup;
bad:
    rc =
        dc_error_set(err, DC_EINVALID, "partition key \"%s\": \"%s\" is not a value of %s \"%s\"%s",
                     show(b, sizeof b, key, strlen(key)), show(d, sizeof d, raw, n),
                     dc_transform_name(f->transform), f->name,
                     f->transform == DC_TR_BUCKET  ? " (expected 0 to N-1)"
                     : f->transform == DC_TR_YEAR  ? " (expected YYYY)"
                     : f->transform == DC_TR_MONTH ? " (expected YYYY-MM)"
                     : f->transform == DC_TR_DAY   ? " (expected YYYY-MM-DD)"
                     : f->transform == DC_TR_HOUR  ? " (expected YYYY-MM-DD-HH)"
                                                   : " (an integer out of the int64 range)");
cleanup:
    dc_strbuf_free(&sb);
    return rc;
}

dc_status dc_part_key_decode(json_t **values, const dc_part_spec *s, const char *key, dc_error *err)
{
    dc_status rc = DC_OK;
    json_t *obj = NULL, *v = NULL;
    char *again = NULL;
    char b[256], c[256];
    dc_strbuf name;
    dc_strbuf_init(&name);
    *values = NULL;
    if (!s || !key)
        return dc_error_set(err, DC_EINVALID, "partition key decode: no spec or no key given");
    DC_TRY(check_fields(s, err));
    obj = json_object();
    DC_TRY_ALLOC(obj, err);
    size_t klen = strlen(key);
    if (s->n == 0 && klen > 0) {
        rc = dc_error_set(err, DC_EINVALID,
                          "partition key \"%s\" given for an unpartitioned table (expected \"\")",
                          show(b, sizeof b, key, klen));
        goto cleanup;
    }
    const char *p = key, *end = key + klen;
    for (int32_t k = 0; k < s->n; k++) {
        const dc_part_field *f = &s->fields[k];
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *seg_end = slash ? slash : end;
        if ((k + 1 < s->n && !slash) || (k + 1 == s->n && slash)) {
            rc = dc_error_set(err, DC_EINVALID,
                              "partition key \"%s\" does not have %" PRId32
                              " \"name=value\" segments separated by '/', one per partition field",
                              show(b, sizeof b, key, klen), s->n);
            goto cleanup;
        }
        const char *eq = memchr(p, '=', (size_t)(seg_end - p));
        if (!eq) {
            rc = dc_error_set(
                err, DC_EINVALID, "partition key \"%s\": segment %" PRId32 " \"%s\" has no '='",
                show(b, sizeof b, key, klen), k + 1, show(c, sizeof c, p, (size_t)(seg_end - p)));
            goto cleanup;
        }
        dc_strbuf_clear(&name);
        if (!pct_decode(&name, p, (size_t)(eq - p)) || dc_strbuf_status(&name) != DC_OK ||
            strlen(f->name) != (size_t)name.len || memcmp(name.data, f->name, (size_t)name.len)) {
            rc = dc_error_set(err, DC_EINVALID,
                              "partition key \"%s\": segment %" PRId32 " is \"%s\", expected the "
                              "field \"%s\"",
                              show(b, sizeof b, key, klen), k + 1,
                              show(c, sizeof c, p, (size_t)(eq - p)), f->name);
            goto cleanup;
        }
        DC_TRY(decode_value(&v, f, eq + 1, (size_t)(seg_end - eq - 1), key, err));
        if (json_object_set_new(obj, f->name, v) != 0) {
            v = NULL;
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        v = NULL;
        p = seg_end + 1;
    }
    DC_TRY(dc_part_key_encode(&again, s, obj, err));
    if (strcmp(again, key) != 0) {
        rc = dc_error_set(err, DC_EINVALID,
                          "partition key \"%s\" is not in canonical form (expected \"%s\")",
                          show(b, sizeof b, key, klen), show(c, sizeof c, again, strlen(again)));
        goto cleanup;
    }
    *values = obj;
    obj = NULL;
cleanup:
    dc_strbuf_free(&name);
    dc_free(again);
    json_decref(obj);
    return rc;
}

/* ==== splitting ==================================================================== */

void dc_part_groups_free(dc_part_group *g, int64_t n)
{
    if (!g)
        return;
    for (int64_t i = 0; i < n; i++) {
        dc_free(g[i].key);
        json_decref(g[i].values);
        dc_batch_unref(g[i].rows);
    }
    dc_free(g);
}

/* Values JSON and key of the group whose first row is `row`. */
static dc_status describe_group(dc_part_group *g, const dc_part_spec *s, dc_array **vals,
                                int64_t row, dc_error *err)
{
    dc_status rc = DC_OK;
    json_t *v = NULL;
    g->values = json_object();
    DC_TRY_ALLOC(g->values, err);
    for (int32_t k = 0; k < s->n; k++) {
        DC_TRY(value_json(&v, &s->fields[k], vals[k], row, err));
        if (json_object_set_new(g->values, s->fields[k].name, v) != 0) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    }
    DC_TRY(dc_part_key_encode(&g->key, s, g->values, err));
cleanup:
    return rc;
}

dc_status dc_part_split(dc_part_group **out, int64_t *n_parts, const dc_part_spec *s,
                        const dc_batch *b, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array **vals = NULL;
    uint64_t *hashes = NULL;
    int64_t *table = NULL, *first = NULL, *count = NULL, *row_group = NULL, *order = NULL,
            *start = NULL;
    dc_part_group *groups = NULL;
    int64_t ng = 0, len;
    *out = NULL;
    *n_parts = 0;
    if (!s || !b)
        return dc_error_set(err, DC_EINVALID, "partition split: no spec or no batch given");
    DC_TRY(dc_part_values(&vals, s, b, err));
    len = b->length;
    if (len == 0)
        goto cleanup;
    if (s->n == 0) {
        groups = dc_calloc(1, sizeof *groups);
        DC_TRY_ALLOC(groups, err);
        ng = 1;
        groups[0].key = dc_strdup("");
        groups[0].values = json_object();
        groups[0].rows = dc_batch_ref(b);
        DC_TRY_ALLOC(groups[0].key, err);
        DC_TRY_ALLOC(groups[0].values, err);
        goto done;
    }
    if (len > (INT64_MAX >> 5))
        DC_TRY(dc_error_set(err, DC_ENOMEM, "partition split: %" PRId64 " rows is too many", len));
    int64_t cap = 16;
    while (cap < 2 * len)
        cap <<= 1;
    hashes = dc_malloc((size_t)len * sizeof *hashes);
    table = dc_malloc((size_t)cap * sizeof *table);
    first = dc_malloc((size_t)len * sizeof *first);
    count = dc_calloc((size_t)len, sizeof *count);
    row_group = dc_malloc((size_t)len * sizeof *row_group);
    order = dc_malloc((size_t)len * sizeof *order);
    DC_TRY_ALLOC(hashes, err);
    DC_TRY_ALLOC(table, err);
    DC_TRY_ALLOC(first, err);
    DC_TRY_ALLOC(count, err);
    DC_TRY_ALLOC(row_group, err);
    DC_TRY_ALLOC(order, err);
    DC_TRY(dc_hash_rows(hashes, vals, s->n, len, err));
    memset(table, 0xff, (size_t)cap * sizeof *table); /* every slot -1: empty */
    for (int64_t i = 0; i < len; i++) {
        uint64_t slot = hashes[i] & (uint64_t)(cap - 1);
        int64_t g;
        for (;;) {
            g = table[slot];
            if (g < 0) {
                g = ng++;
                first[g] = i;
                table[slot] = g;
                break;
            }
            if (hashes[first[g]] == hashes[i] && dc_rows_equal(vals, first[g], vals, i, s->n))
                break;
            slot = (slot + 1) & (uint64_t)(cap - 1);
        }
        row_group[i] = g;
        count[g]++;
    }
    /* Counting sort of row numbers by group: rows keep their order within a group. */
    start = dc_malloc((size_t)ng * sizeof *start);
    DC_TRY_ALLOC(start, err);
    for (int64_t g = 0, acc = 0; g < ng; g++) {
        start[g] = acc;
        acc += count[g];
    }
    for (int64_t g = 0; g < ng; g++)
        table[g] = start[g]; /* the table is no longer needed: reuse it as cursors */
    for (int64_t i = 0; i < len; i++)
        order[table[row_group[i]]++] = i;
    groups = dc_calloc((size_t)ng, sizeof *groups);
    DC_TRY_ALLOC(groups, err);
    for (int64_t g = 0; g < ng; g++) {
        if (ng == 1)
            groups[g].rows = dc_batch_ref(b);
        else
            DC_TRY(dc_batch_take(&groups[g].rows, b, order + start[g], count[g], err));
        DC_TRY(describe_group(&groups[g], s, vals, first[g], err));
    }
done:
    *out = groups;
    *n_parts = ng;
    groups = NULL;
cleanup:
    dc_part_groups_free(groups, ng);
    dc_part_values_free(vals, s ? s->n : 0);
    dc_free(hashes);
    dc_free(table);
    dc_free(first);
    dc_free(count);
    dc_free(row_group);
    dc_free(order);
    dc_free(start);
    return rc;
}

/* ==== pruning ====================================================================== */

/* Can a partition value of this JSON kind be a value of `type` (see the header's forms)? */
static bool json_kind_fits(const json_t *v, const dc_type *type)
{
    dc_type_id id = type->id;
    if (json_is_integer(v))
        return dc_type_is_integer(id);
    if (json_is_boolean(v))
        return id == DC_TYPE_BOOL;
    if (json_is_string(v))
        return is_string(id) || dc_type_is_decimal(id) || is_date(id) || is_time(id) ||
               id == DC_TYPE_TIMESTAMP || id == DC_TYPE_UINT64;
    return false;
}

/* A 1-row array of `type` from a JSON integer, boolean or string (cast from its text),
 * or NULL when the value does not convert. */
static dc_array *json_to_array(const json_t *v, const dc_type *type)
{
    char num[32];
    const char *txt;
    size_t n;
    dc_array *u = NULL, *out = NULL;
    dc_builder *bd = NULL;
    dc_type *ut = NULL;
    if (json_is_integer(v)) {
        n = (size_t)snprintf(num, sizeof num, "%" PRId64, (int64_t)json_integer_value(v));
        txt = num;
    } else if (json_is_boolean(v)) {
        txt = json_is_true(v) ? "true" : "false";
        n = strlen(txt);
    } else if (json_is_string(v)) {
        txt = json_string_value(v);
        n = json_string_length(v);
    } else {
        return NULL;
    }
    if (!json_kind_fits(v, type))
        return NULL;
    ut = dc_type_new(DC_TYPE_UTF8);
    if (ut && dc_builder_new(&bd, ut, NULL) == DC_OK &&
        dc_builder_append_bytes(bd, txt, (int64_t)n) == DC_OK &&
        dc_builder_finish(bd, &u, NULL) == DC_OK &&
        (type->id == DC_TYPE_UTF8 ? (out = dc_array_ref(u), true)
                                  : dc_cast(&out, u, type, true, NULL) == DC_OK)) {
        /* done */
    }
    dc_builder_free(bd);
    dc_array_unref(u);
    dc_type_unref(ut);
    return out;
}

/* A 1-row array of a's type holding a[0] + delta (integers and temporal types only). */
static dc_array *step_bound(const dc_array *a, int delta)
{
    dc_builder *bd = NULL;
    dc_array *out = NULL;
    dc_type_id id = a->type->id;
    dc_status st = DC_EINVALID;
    if (dc_builder_new(&bd, a->type, NULL) != DC_OK)
        return NULL;
    if (dc_type_is_unsigned_integer(id)) {
        uint64_t u = dc_array_get_uint(a, 0);
        if (!(delta < 0 && u == 0) && !(delta > 0 && u == UINT64_MAX))
            st = dc_builder_append_uint(bd, delta < 0 ? u - 1 : u + 1);
    } else if (dc_type_is_signed_integer(id) || is_date(id) || is_time(id) ||
               id == DC_TYPE_TIMESTAMP) {
        int64_t v;
        if (!__builtin_add_overflow(dc_array_get_int(a, 0), (int64_t)delta, &v))
            st = dc_builder_append_int(bd, v);
    }
    if (st == DC_OK)
        dc_builder_finish(bd, &out, NULL);
    dc_builder_free(bd);
    return out;
}

/* The transform of bound `a` (1 row), or NULL when it has none. */
static dc_array *bound_transform(const dc_part_field *f, const dc_array *a)
{
    dc_array *out = NULL;
    if (!a || apply_transform(&out, f, a, NULL) != DC_OK || dc_array_is_null(out, 0)) {
        dc_array_unref(out);
        return NULL;
    }
    return out;
}

/* True when field f proves the partition (value pv) holds no row in the range. */
static bool field_excludes(const dc_part_field *f, const json_t *pv, const dc_array *lo,
                           const dc_array *hi, bool lo_incl, bool hi_incl)
{
    dc_array *lo2 = NULL, *hi2 = NULL, *tlo = NULL, *thi = NULL, *p = NULL;
    bool excluded = false;
    if (json_is_null(pv))
        return true; /* transforms keep nulls null: only nulls there, no bound matches them */
    if (f->transform == DC_TR_BUCKET) {
        int32_t h = 0;
        const char *need;
        if (!lo || !hi || !lo_incl || !hi_incl || !json_is_integer(pv) ||
            dc_compare_values(lo, 0, hi, 0, true) != 0 ||
            !transform_fits(f->transform, lo->type, &need) ||
            dc_part__hash_value(&h, lo, 0, NULL) != DC_OK)
            return false;
        return (int64_t)((uint32_t)h & INT32_MAX) % f->param != json_integer_value(pv);
    }
    /* Move exclusive integer/temporal bounds one unit inwards so that they become
     * inclusive; identity compares exclusive bounds directly. */
    if (f->transform != DC_TR_IDENTITY) {
        if (lo && !lo_incl && (lo2 = step_bound(lo, 1)) != NULL) {
            lo = lo2;
            lo_incl = true;
        }
        if (hi && !hi_incl && (hi2 = step_bound(hi, -1)) != NULL) {
            hi = hi2;
            hi_incl = true;
        }
    }
    tlo = bound_transform(f, lo);
    thi = bound_transform(f, hi);
    const dc_array *result = tlo ? tlo : thi;
    if (!result || !(p = json_to_array(pv, result->type)))
        goto done;
    if (tlo) {
        int c = dc_compare_values(p, 0, tlo, 0, true);
        if (c < 0 || (c == 0 && !lo_incl && f->transform == DC_TR_IDENTITY))
            excluded = true;
    }
    if (thi && !excluded) {
        int c = dc_compare_values(p, 0, thi, 0, true);
        if (c > 0 || (c == 0 && !hi_incl && f->transform == DC_TR_IDENTITY))
            excluded = true;
    }
done:
    dc_array_unref(lo2);
    dc_array_unref(hi2);
    dc_array_unref(tlo);
    dc_array_unref(thi);
    dc_array_unref(p);
    return excluded;
}

/* A usable bound: 1+ rows, first not null, dictionaries decoded. New reference or NULL. */
static dc_array *usable_bound(const dc_array *a)
{
    dc_array *out = NULL;
    if (!a || a->length < 1 || dc_array_is_null(a, 0))
        return NULL;
    if (a->type->id != DC_TYPE_DICTIONARY)
        return dc_array_ref(a);
    if (dc_cast(&out, a, a->type->value_type, true, NULL) != DC_OK)
        return NULL;
    return out;
}

bool dc_part_may_contain(const dc_part_spec *s, const json_t *values, const char *column,
                         const dc_array *lo, const dc_array *hi, bool lo_incl, bool hi_incl)
{
    bool may = true;
    dc_array *l = NULL, *h = NULL;
    if (!s || !json_is_object(values) || !column || check_fields(s, NULL) != DC_OK)
        return true;
    l = usable_bound(lo);
    h = usable_bound(hi);
    if (!l && !h)
        goto done;
    for (int32_t k = 0; k < s->n && may; k++) {
        const dc_part_field *f = &s->fields[k];
        const json_t *pv = json_object_get(values, f->name);
        if (strcmp(f->column, column) != 0 || !pv)
            continue;
        if (field_excludes(f, pv, l, h, lo_incl, hi_incl))
            may = false;
    }
done:
    dc_array_unref(l);
    dc_array_unref(h);
    return may;
}
