/*
 * predicate_text.c: the readable form of filter predicates, for people at a
 * shell ("age > 3 and city = 'Paris'"), parsed into the same tree as the JSON
 * form (predicate_int.h):
 *
 *   expr    := or
 *   or      := and ("or" and)*
 *   and     := not ("and" not)*
 *   not     := "not" not | "(" expr ")" | test
 *   test    := column op literal            op: = == != <> < <= > >=
 *            | column "between" literal "and" literal
 *            | column ["not"] "in" "(" literal ("," literal)* ")"
 *            | column "is" ["not"] "null"
 *   column  := [A-Za-z_][A-Za-z0-9_.]* | "double quoted" ("" inside for ")
 *   literal := number | 'single quoted' ('' inside for ') | true | false
 *
 * Keywords are case-insensitive. Errors say what was expected and at which
 * byte. Nesting is limited like the JSON form's.
 */
#include "compute/predicate_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct lexer {
    const char *s;
    int64_t n, pos;
    int depth;
    dc_error *err;
    dc_status rc;
} lexer;

static void skip_space(lexer *x)
{
    while (x->pos < x->n && isspace((unsigned char)x->s[x->pos]))
        x->pos++;
}

static json_t *fail(lexer *x, const char *what)
{
    if (x->rc == DC_OK) {
        skip_space(x);
        if (x->pos >= x->n)
            x->rc = dc_error_set(x->err, DC_EINVALID, "filter: %s at the end", what);
        else
            x->rc = dc_error_set(x->err, DC_EINVALID, "filter: %s at byte %lld (\"%.*s\")", what,
                                 (long long)x->pos + 1, (int)DC_MIN(12, x->n - x->pos),
                                 x->s + x->pos); /* the text need not end with a NUL */
    }
    return NULL;
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* The keyword `kw` (case-insensitive, a whole word) is next: consume it. */
static bool keyword(lexer *x, const char *kw)
{
    skip_space(x);
    int64_t k = (int64_t)strlen(kw);
    if (x->n - x->pos < k || !dc_str_ieq(x->s + x->pos, k, kw))
        return false;
    if (x->pos + k < x->n && word_char(x->s[x->pos + k]))
        return false;
    x->pos += k;
    return true;
}

static bool punct(lexer *x, const char *p)
{
    skip_space(x);
    int64_t k = (int64_t)strlen(p);
    if (x->n - x->pos < k || memcmp(x->s + x->pos, p, (size_t)k) != 0)
        return false;
    x->pos += k;
    return true;
}

/* A quoted run ending at `q` ('' or "" stands for the quote); x->pos at the opening quote. */
static json_t *quoted(lexer *x, char q)
{
    dc_strbuf b;
    dc_strbuf_init(&b);
    for (x->pos++; x->pos < x->n; x->pos++) {
        char c = x->s[x->pos];
        if (c == '\0') {
            dc_strbuf_free(&b);
            return fail(x, "a NUL byte inside quotes");
        }
        if (c == q) {
            if (x->pos + 1 < x->n && x->s[x->pos + 1] == q) {
                x->pos++;
            } else {
                x->pos++;
                json_t *v = b.failed ? NULL : json_stringn(dc_strbuf_cstr(&b), (size_t)b.len);
                dc_strbuf_free(&b);
                if (!v)
                    return fail(x, "a quoted text that is not valid UTF-8");
                return v;
            }
        }
        dc_strbuf_putc(&b, c);
    }
    dc_strbuf_free(&b);
    return fail(x, q == '\'' ? "an unterminated 'text'" : "an unterminated \"column\"");
}

static json_t *column(lexer *x)
{
    skip_space(x);
    if (x->pos < x->n && x->s[x->pos] == '"')
        return quoted(x, '"');
    int64_t start = x->pos;
    if (x->pos < x->n && (isalpha((unsigned char)x->s[x->pos]) || x->s[x->pos] == '_'))
        while (x->pos < x->n && word_char(x->s[x->pos]))
            x->pos++;
    if (x->pos == start)
        return fail(x, "a column name expected");
    static const char *const reserved[] = {"and", "or", "not", "in", "is", "null", "between"};
    for (size_t i = 0; i < DC_ARRAY_LEN(reserved); i++)
        if (dc_str_ieq(x->s + start, x->pos - start, reserved[i])) {
            x->pos = start;
            return fail(x, "a column name expected (quote a column named like a keyword)");
        }
    return json_stringn(x->s + start, (size_t)(x->pos - start));
}

static json_t *literal(lexer *x)
{
    skip_space(x);
    if (x->pos < x->n && x->s[x->pos] == '\'')
        return quoted(x, '\'');
    if (keyword(x, "true"))
        return json_true();
    if (keyword(x, "false"))
        return json_false();
    if (keyword(x, "null"))
        return fail(x, "null is not a value to compare with (use: column is null)");
    int64_t start = x->pos;
    if (x->pos < x->n && (x->s[x->pos] == '-' || x->s[x->pos] == '+'))
        x->pos++;
    while (x->pos < x->n && (isalnum((unsigned char)x->s[x->pos]) || x->s[x->pos] == '.' ||
                             ((x->s[x->pos] == '-' || x->s[x->pos] == '+') &&
                              (x->s[x->pos - 1] == 'e' || x->s[x->pos - 1] == 'E'))))
        x->pos++;
    int64_t len = x->pos - start;
    if (len == 0 || len > 64) {
        x->pos = start;
        return fail(x, "a value expected: a number, 'text', true or false");
    }
    char buf[72];
    memcpy(buf, x->s + start, (size_t)len);
    buf[len] = '\0';
    char *end;
    long long i = strtoll(buf, &end, 10);
    if (*end == '\0' && end != buf)
        return json_integer(i);
    double d = strtod(buf, &end);
    if (*end == '\0' && end != buf)
        return json_real(d);
    x->pos = start;
    return fail(x, "a value expected: a number, 'text', true or false");
}

static json_t *or_expr(lexer *x);

/* {"op": [col, ...]} with the column stolen and the rest appended. */
static json_t *node(const char *op, json_t *col, json_t *a, json_t *b)
{
    json_t *args = json_array();
    json_array_append_new(args, col);
    if (a)
        json_array_append_new(args, a);
    if (b)
        json_array_append_new(args, b);
    return json_pack("{s:o}", op, args);
}

static json_t *test(lexer *x)
{
    json_t *col = column(x);
    if (!col)
        return NULL;
    static const struct {
        const char *p, *op;
    } ops[] = {{"==", "eq"},  {"!=", "neq"}, {"<>", "neq"}, {"<=", "lte"},
               {">=", "gte"}, {"=", "eq"},   {"<", "lt"},   {">", "gt"}};
    for (size_t i = 0; i < DC_ARRAY_LEN(ops); i++)
        if (punct(x, ops[i].p)) {
            json_t *v = literal(x);
            if (!v) {
                json_decref(col);
                return NULL;
            }
            return node(ops[i].op, col, v, NULL);
        }
    if (keyword(x, "between")) {
        json_t *lo = literal(x), *hi = NULL;
        if (lo && !keyword(x, "and"))
            fail(x, "\"and\" expected in between ... and ...");
        else if (lo)
            hi = literal(x);
        if (!hi) {
            json_decref(col);
            json_decref(lo);
            return NULL;
        }
        return node("between", col, lo, hi);
    }
    if (keyword(x, "is")) {
        bool neg = keyword(x, "not");
        if (!keyword(x, "null")) {
            json_decref(col);
            return fail(x, "\"null\" expected after \"is\"");
        }
        json_t *n = node("is_null", col, NULL, NULL);
        return neg ? json_pack("{s:o}", "not", n) : n;
    }
    bool neg = keyword(x, "not");
    if (keyword(x, "in")) {
        json_t *list = json_array();
        if (!punct(x, "(")) {
            json_decref(col);
            json_decref(list);
            return fail(x, "\"(\" expected after \"in\"");
        }
        do {
            json_t *v = literal(x);
            if (!v || json_array_size(list) >= DC_PRED_MAX_IN) {
                json_decref(v);
                json_decref(col);
                json_decref(list);
                return v ? fail(x, "too many values in the list") : NULL;
            }
            json_array_append_new(list, v);
        } while (punct(x, ","));
        if (!punct(x, ")")) {
            json_decref(col);
            json_decref(list);
            return fail(x, "\",\" or \")\" expected in the list");
        }
        json_t *n = node("in", col, list, NULL);
        return neg ? json_pack("{s:o}", "not", n) : n;
    }
    json_decref(col);
    return fail(x, "an operator expected (= != < <= > >= between in is)");
}

static json_t *not_expr(lexer *x)
{
    if (++x->depth > DC_PRED_MAX_DEPTH) {
        x->depth--;
        return fail(x, "nested too deep");
    }
    json_t *r;
    if (keyword(x, "not")) {
        json_t *in = not_expr(x);
        r = in ? json_pack("{s:o}", "not", in) : NULL;
    } else if (punct(x, "(")) {
        r = or_expr(x);
        if (r && !punct(x, ")")) {
            json_decref(r);
            r = fail(x, "\")\" expected");
        }
    } else {
        r = test(x);
    }
    x->depth--;
    return r;
}

/* a AND b AND c (kw "and", op "and") or the same with "or". */
static json_t *chain(lexer *x, const char *kw, json_t *(*sub)(lexer *))
{
    json_t *first = sub(x);
    if (!first)
        return NULL;
    json_t *all = NULL;
    while (keyword(x, kw)) {
        json_t *next = sub(x);
        if (!next) {
            json_decref(first);
            json_decref(all);
            return NULL;
        }
        if (!all) {
            all = json_array();
            json_array_append_new(all, first);
            first = NULL;
        }
        json_array_append_new(all, next);
    }
    return all ? json_pack("{s:o}", kw, all) : first;
}

static json_t *and_expr(lexer *x)
{
    return chain(x, "and", not_expr);
}

static json_t *or_expr(lexer *x)
{
    return chain(x, "or", and_expr);
}

dc_status dc_pred_text_to_json(json_t **out, const char *text, int64_t len, dc_error *err)
{
    lexer x = {.s = text, .n = len, .err = err};
    *out = NULL;
    if (!text || len < 0)
        return dc_error_set(err, DC_EINVALID, "filter: no text");
    if (len > 1 << 20)
        return dc_error_set(err, DC_EINVALID, "filter: longer than 1 MiB");
    json_t *j = or_expr(&x);
    if (j) {
        skip_space(&x);
        if (x.pos < x.n) {
            json_decref(j);
            j = fail(&x, "\"and\", \"or\" or the end expected");
        }
    }
    if (!j)
        return x.rc != DC_OK ? x.rc : dc_error_nomem(err);
    *out = j;
    return DC_OK;
}

dc_status dc_pred_parse_any(dc_pred **out, const char *text, int64_t len, dc_error *err)
{
    int64_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i < len && text[i] == '{')
        return dc_pred_parse(out, text, len, err);
    json_t *j;
    dc_status rc = dc_pred_text_to_json(&j, text, len, err);
    if (rc != DC_OK)
        return rc;
    rc = dc_pred_from_json(out, j, err);
    json_decref(j);
    return rc;
}
