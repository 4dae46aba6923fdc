/*
 * predicate.c: filter predicates (see predicate_int.h for the language and
 * its semantics).
 *
 * Notes on the design.
 *  1. A predicate is a tree of nodes kept in one array in preorder (the root
 *     is node 0; children are indices). Leaves refer to a column by index
 *     into the table of distinct names. Literals are kept as the JSON the
 *     user gave (copied), so a predicate can be bound again to any schema
 *     and printed back canonically.
 *  2. Binding builds a separate `binding` (resolved column paths and types,
 *     and per node the literals converted to the column's type) and installs
 *     it only when every node bound: a failed bind leaves the old one.
 *  3. Every comparison literal is normalized at bind time to a value s of
 *     the column's "literal type" (the column type; float64 for floating
 *     columns) and the sign d of (v - s), where v is the literal's exact
 *     value and s its neighbour in the type (no value of the type lies
 *     strictly between). The operator is then rewritten so the comparison
 *     with s is exactly the comparison with v: with d > 0, x > v is x > s and
 *     x < v is x <= s; with d < 0, x > v is x >= s and x < v is x < s; x = v
 *     is false and x != v true for every non-null x. A NaN literal makes
 *     every comparison false but neq true (IEEE). So evaluation never
 *     converts anything per row.
 *  4. Evaluation computes two bitmaps per node, T (row is true) and F (row is
 *     false); a row in neither is unknown (SQL null). NOT swaps them, AND is
 *     T1&T2 / F1|F2, OR is T1|T2 / F1&F2 (Kleene). The mask is T of the root.
 *     Leaves read the column's buffers directly with a loop per physical type
 *     (no literal array is built per batch); `in` uses a sorted set and a
 *     binary search per row. Dictionary columns are evaluated on their
 *     dictionary, then gathered by index.
 *  5. Pruning mirrors evaluation over a set of rows: each node answers "may a
 *     row be true" and "may a row be false" from min/max/null counts;
 *     the answers over-approximate, so a false "may be true" at the root is
 *     a proof that no row matches.
 */
#include "compute/predicate_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef __int128 i128;

/* ---- the tree --------------------------------------------------------------------- */

typedef enum pop {
    OP_EQ,
    OP_NEQ,
    OP_GT,
    OP_GTE,
    OP_LT,
    OP_LTE,
    OP_IN,
    OP_BETWEEN,
    OP_IS_NULL,
    OP_AND,
    OP_OR,
    OP_NOT,
    OP__COUNT
} pop;

static const char *const op_names[OP__COUNT] = {"eq", "neq",     "gt",      "gte", "lt", "lte",
                                                "in", "between", "is_null", "and", "or", "not"};

static bool is_cmp(pop op)
{
    return op <= OP_LTE;
}
static bool is_leaf(pop op)
{
    return op <= OP_IS_NULL;
}

static dc_cmp_op cmp_of(pop op)
{
    static const dc_cmp_op m[] = {DC_CMP_EQ, DC_CMP_NE, DC_CMP_GT, DC_CMP_GE, DC_CMP_LT, DC_CMP_LE};
    return m[op];
}

typedef struct pnode {
    pop op;
    int32_t col;    /* leaves: index into dc_pred.cols */
    int32_t n_kids; /* and / or / not */
    int32_t *kids;
    json_t *lits; /* leaves but is_null: a JSON array of the literals (in: of the list) */
} pnode;

typedef struct pcol {
    char *name;
    uint64_t hash;
} pcol;

/* How a column's values are read (the value type for dictionaries). */
typedef enum ecat {
    E_NULL,    /* the NULL type: every value null */
    E_BOOL,    /* bit-packed */
    E_INT,     /* signed ints and the int32/int64 of temporal types */
    E_UINT,    /* unsigned ints */
    E_FLOAT,   /* float16/32/64, compared as double */
    E_DEC128,  /* 16-byte two's complement at the column's scale */
    E_BYTES,   /* utf8, binary and their large forms */
    E_FSB,     /* fixed_size_binary */
    E_GENERIC, /* decimal256: dc_compare_values */
    E_NESTED,  /* lists, structs, maps: only is_null applies */
} ecat;

typedef union scalar {
    int64_t i;
    uint64_t u;
    double f;
    i128 q;
    struct {
        const uint8_t *p;
        int64_t n;
    } b;
} scalar;

typedef enum bkind { B_CMP, B_TRUE, B_FALSE } bkind;

/* A comparison with one literal after normalization (note 3). */
typedef struct lcmp {
    bkind kind; /* B_TRUE / B_FALSE: for every non-null value */
    dc_cmp_op op;
    dc_array *lit; /* 1 value of the literal type (B_CMP) */
    scalar v;      /* lit's value, for the typed loops */
} lcmp;

typedef struct bnode {
    lcmp c[2];     /* comparisons: c[0]; between: c[0] (>= lo) and c[1] (<= hi) */
    dc_array *set; /* in: the distinct exact literals, sorted */
    int64_t n_set;
    void *keys; /* in: a typed copy of `set` (int64_t, uint64_t, double, i128) or NULL */
} bnode;

typedef struct bcol {
    int32_t n_path;
    char **path;       /* field names from the top level down */
    dc_type *type;     /* the column's type as bound (maybe a dictionary) */
    const dc_type *vt; /* the value type (type, or its value_type) */
    dc_type *lt;       /* the literal type: vt, or float64 for floating columns */
    ecat cat;
} bcol;

typedef struct binding {
    int32_t n_cols, n_nodes;
    bcol *cols;
    bnode *nodes;
} binding;

struct dc_pred {
    pnode *nodes;
    int32_t n_nodes, cap_nodes;
    pcol *cols;
    int32_t n_cols, cap_cols;
    int32_t *slots; /* open-addressing index of cols by name; -1 empty */
    int32_t n_slots;
    binding *bound;
};

/* ---- small helpers ------------------------------------------------------------------ */

/* A JSON value as compact text for messages, at most ~200 bytes. */
static void lit_text(const json_t *j, char *buf, size_t cap)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    if (dc_json_dump(&s, j) != DC_OK)
        snprintf(buf, cap, "?");
    else if (s.len > 200)
        snprintf(buf, cap, "%.200s...", dc_strbuf_cstr(&s));
    else
        snprintf(buf, cap, "%s", dc_strbuf_cstr(&s));
    dc_strbuf_free(&s);
}

static const char *json_kind(const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a bool";
    default: return "null";
    }
}

/* Words of a bitmap of n bits, and the mask of valid bits in its last word. */
static inline int64_t n_words(int64_t n)
{
    return (n + 63) >> 6;
}
static inline uint64_t tail_mask(int64_t n)
{
    return (n & 63) ? (((uint64_t)1 << (n & 63)) - 1) : ~(uint64_t)0;
}

static inline bool op_holds(dc_cmp_op op, int c)
{
    switch (op) {
    case DC_CMP_EQ: return c == 0;
    case DC_CMP_NE: return c != 0;
    case DC_CMP_LT: return c < 0;
    case DC_CMP_LE: return c <= 0;
    case DC_CMP_GT: return c > 0;
    default: return c >= 0;
    }
}

/* ---- construction and parsing ------------------------------------------------------- */

static void binding_free(binding *bd)
{
    if (!bd)
        return;
    if (bd->cols) {
        for (int32_t i = 0; i < bd->n_cols; i++) {
            bcol *c = &bd->cols[i];
            for (int32_t k = 0; k < c->n_path; k++)
                dc_free(c->path[k]);
            dc_free(c->path);
            dc_type_unref(c->type);
            dc_type_unref(c->lt);
        }
        dc_free(bd->cols);
    }
    if (bd->nodes) {
        for (int32_t i = 0; i < bd->n_nodes; i++) {
            bnode *b = &bd->nodes[i];
            dc_array_unref(b->c[0].lit);
            dc_array_unref(b->c[1].lit);
            dc_array_unref(b->set);
            dc_free(b->keys);
        }
        dc_free(bd->nodes);
    }
    dc_free(bd);
}

void dc_pred_free(dc_pred *p)
{
    if (!p)
        return;
    for (int32_t i = 0; i < p->n_nodes; i++) {
        dc_free(p->nodes[i].kids);
        json_decref(p->nodes[i].lits);
    }
    dc_free(p->nodes);
    for (int32_t i = 0; i < p->n_cols; i++)
        dc_free(p->cols[i].name);
    dc_free(p->cols);
    dc_free(p->slots);
    binding_free(p->bound);
    dc_free(p);
}

typedef struct pctx {
    dc_pred *p;
    dc_error *err;
    char path[1536]; /* "$.and[3].not.eq": where the node being read sits */
    size_t len;
} pctx;

static size_t path_append(pctx *c, const char *seg)
{
    size_t old = c->len, n = strlen(seg);
    if (c->len + n >= sizeof c->path)
        n = sizeof c->path - 1 - c->len;
    memcpy(c->path + c->len, seg, n);
    c->len += n;
    c->path[c->len] = '\0';
    return old;
}

static size_t path_push_op(pctx *c, const char *op)
{
    char seg[32];
    snprintf(seg, sizeof seg, ".%s", op);
    return path_append(c, seg);
}

static size_t path_push_index(pctx *c, int64_t k)
{
    char seg[32];
    snprintf(seg, sizeof seg, "[%" PRId64 "]", k);
    return path_append(c, seg);
}

static void path_pop(pctx *c, size_t old)
{
    c->len = old;
    c->path[old] = '\0';
}

static dc_status perr(pctx *c, const char *fmt, ...) DC_PRINTF(2, 3);
static dc_status perr(pctx *c, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return dc_error_set(c->err, DC_EINVALID, "predicate at %s: %s", c->path, msg);
}

/* Grow the column index to twice the columns, rehashing. */
static dc_status index_grow(dc_pred *p, dc_error *err)
{
    int32_t n = p->n_slots ? p->n_slots * 2 : 16;
    int32_t *s = dc_malloc((size_t)n * sizeof *s);
    if (!s)
        return dc_error_nomem(err);
    for (int32_t i = 0; i < n; i++)
        s[i] = -1;
    for (int32_t i = 0; i < p->n_cols; i++) {
        uint64_t h = p->cols[i].hash & (uint64_t)(n - 1);
        while (s[h] >= 0)
            h = (h + 1) & (uint64_t)(n - 1);
        s[h] = i;
    }
    dc_free(p->slots);
    p->slots = s;
    p->n_slots = n;
    return DC_OK;
}

/* The index of column `name`, added when new. */
static dc_status intern_col(dc_pred *p, const char *name, size_t len, int32_t *out, dc_error *err)
{
    uint64_t h = dc_hash_bytes(name, len, 0x5eed);
    if (p->n_slots) {
        for (uint64_t k = h & (uint64_t)(p->n_slots - 1); p->slots[k] >= 0;
             k = (k + 1) & (uint64_t)(p->n_slots - 1)) {
            pcol *c = &p->cols[p->slots[k]];
            if (c->hash == h && strlen(c->name) == len && memcmp(c->name, name, len) == 0) {
                *out = p->slots[k];
                return DC_OK;
            }
        }
    }
    if (p->n_cols == p->cap_cols) {
        int32_t cap = p->cap_cols ? p->cap_cols * 2 : 8;
        pcol *nc = dc_realloc(p->cols, (size_t)cap * sizeof *nc);
        if (!nc)
            return dc_error_nomem(err);
        p->cols = nc;
        p->cap_cols = cap;
    }
    char *copy = dc_strndup(name, len);
    if (!copy)
        return dc_error_nomem(err);
    p->cols[p->n_cols].name = copy;
    p->cols[p->n_cols].hash = h;
    p->n_cols++;
    if (p->n_cols * 2 > p->n_slots) {
        dc_status rc = index_grow(p, err);
        if (rc != DC_OK) {
            dc_free(copy);
            p->n_cols--;
            return rc;
        }
    } else {
        uint64_t k = h & (uint64_t)(p->n_slots - 1);
        while (p->slots[k] >= 0)
            k = (k + 1) & (uint64_t)(p->n_slots - 1);
        p->slots[k] = p->n_cols - 1;
    }
    *out = p->n_cols - 1;
    return DC_OK;
}

static dc_status new_node(pctx *c, pop op, int32_t *id)
{
    dc_pred *p = c->p;
    if (p->n_nodes >= DC_PRED_MAX_NODES)
        return perr(c,
                    "the predicate has more than %d nodes; simplify it (an \"in\" list "
                    "counts as one node)",
                    DC_PRED_MAX_NODES);
    if (p->n_nodes == p->cap_nodes) {
        int32_t cap = p->cap_nodes ? p->cap_nodes * 2 : 8;
        pnode *nn = dc_realloc(p->nodes, (size_t)cap * sizeof *nn);
        if (!nn)
            return dc_error_nomem(c->err);
        p->nodes = nn;
        p->cap_nodes = cap;
    }
    pnode *n = &p->nodes[p->n_nodes];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->col = -1;
    *id = p->n_nodes++;
    return DC_OK;
}

static dc_status parse_column(pctx *c, const json_t *j, int32_t *col)
{
    if (!json_is_string(j))
        return perr(c, "the column must be a string naming it, got %s", json_kind(j));
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);
    if (len == 0)
        return perr(c, "the column name is empty");
    if (len > DC_PRED_MAX_NAME)
        return perr(c, "the column name is %zu bytes long; at most %d are allowed", len,
                    DC_PRED_MAX_NAME);
    if (strlen(s) != len)
        return perr(c, "the column name contains a NUL character");
    return intern_col(c->p, s, len, col, c->err);
}

static dc_status check_literal(pctx *c, const json_t *j, const char *where)
{
    if (json_is_null(j))
        return perr(c,
                    "the %s is null; a comparison with null is never true: use "
                    "{\"is_null\": [\"column\"]} to match nulls",
                    where);
    if (json_is_object(j) || json_is_array(j))
        return perr(c, "the %s must be a number, string or bool, got %s", where, json_kind(j));
    return DC_OK;
}

static dc_status parse_node(pctx *c, const json_t *j, int depth, int32_t *out);

/* The operands of and / or: a non-empty list of predicates. */
static dc_status parse_list(pctx *c, int32_t id, const char *op, const json_t *v, int depth)
{
    dc_status rc = DC_OK;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return perr(c, "\"%s\" takes a non-empty list of predicates, got %s", op,
                    json_is_array(v) ? "an empty list" : json_kind(v));
    size_t n = json_array_size(v);
    if (n > DC_PRED_MAX_NODES)
        return perr(c, "\"%s\" has %zu operands; the predicate may have at most %d nodes", op, n,
                    DC_PRED_MAX_NODES);
    int32_t *kids = dc_malloc(n * sizeof *kids);
    if (!kids)
        return dc_error_nomem(c->err);
    c->p->nodes[id].kids = kids;
    for (size_t k = 0; k < n; k++) {
        size_t old = path_push_index(c, (int64_t)k);
        int32_t kid;
        rc = parse_node(c, json_array_get(v, k), depth + 1, &kid);
        if (rc != DC_OK)
            return rc;
        path_pop(c, old);
        c->p->nodes[id].kids[k] = kid; /* nodes may have moved: index again */
        c->p->nodes[id].n_kids = (int32_t)k + 1;
    }
    return DC_OK;
}

static dc_status parse_leaf(pctx *c, int32_t id, pop op, const json_t *v)
{
    dc_status rc = DC_OK;
    const char *name = op_names[op];
    int32_t col = -1;
    json_t *lits = NULL;
    if (op == OP_IS_NULL && json_is_string(v)) {
        DC_TRY(parse_column(c, v, &col));
        c->p->nodes[id].col = col;
        return DC_OK;
    }
    size_t want = op == OP_IS_NULL ? 1 : op == OP_BETWEEN ? 3 : 2;
    const char *shape = op == OP_IS_NULL   ? "[\"column\"] or \"column\""
                        : op == OP_BETWEEN ? "[\"column\", low, high]"
                        : op == OP_IN      ? "[\"column\", [literal, ...]]"
                                           : "[\"column\", literal]";
    if (!json_is_array(v))
        return perr(c, "\"%s\" takes %s, got %s", name, shape, json_kind(v));
    if (json_array_size(v) != want)
        return perr(c, "\"%s\" takes %s: %zu elements, got %zu", name, shape, want,
                    json_array_size(v));
    DC_TRY(parse_column(c, json_array_get(v, 0), &col));
    c->p->nodes[id].col = col;
    if (op == OP_IS_NULL)
        return DC_OK;
    if (op == OP_IN) {
        const json_t *list = json_array_get(v, 1);
        if (!json_is_array(list))
            return perr(c,
                        "\"in\" takes %s; the second element must be a list of literals, "
                        "got %s",
                        shape, json_kind(list));
        size_t n = json_array_size(list);
        if (n > DC_PRED_MAX_IN)
            return perr(c, "the \"in\" list has %zu values; at most %d are allowed", n,
                        DC_PRED_MAX_IN);
        for (size_t k = 0; k < n; k++) {
            char where[64];
            snprintf(where, sizeof where, "value %zu of the \"in\" list", k);
            DC_TRY(check_literal(c, json_array_get(list, k), where));
        }
        lits = json_deep_copy(list);
        DC_TRY_ALLOC(lits, c->err);
    } else {
        lits = json_array();
        DC_TRY_ALLOC(lits, c->err);
        for (size_t k = 1; k < want; k++) {
            const json_t *l = json_array_get(v, k);
            DC_TRY(check_literal(
                c, l, op == OP_BETWEEN ? (k == 1 ? "low bound" : "high bound") : "literal"));
            json_t *cp = json_copy((json_t *)l);
            DC_TRY_ALLOC(cp, c->err);
            if (json_array_append_new(lits, cp) != 0) {
                rc = dc_error_nomem(c->err);
                goto cleanup;
            }
        }
    }
    c->p->nodes[id].lits = lits;
    lits = NULL;
cleanup:
    json_decref(lits);
    return rc;
}

static dc_status parse_node(pctx *c, const json_t *j, int depth, int32_t *out)
{
    dc_status rc = DC_OK;
    if (depth > DC_PRED_MAX_DEPTH)
        return perr(c,
                    "the predicate is nested more than %d levels deep; flatten and/or chains "
                    "(and takes many operands)",
                    DC_PRED_MAX_DEPTH);
    if (!json_is_object(j))
        return perr(c,
                    "expected a predicate object with one operator key such as "
                    "{\"eq\": [\"column\", 1]}, got %s",
                    json_kind(j));
    if (json_object_size(j) != 1)
        return perr(c, "a predicate object must have exactly one key (the operator), got %zu",
                    json_object_size(j));
    void *it = json_object_iter((json_t *)j);
    const char *key = json_object_iter_key(it);
    const json_t *v = json_object_iter_value(it);
    pop op = OP__COUNT;
    for (int k = 0; k < OP__COUNT; k++) {
        if (strcmp(key, op_names[k]) == 0)
            op = (pop)k;
    }
    if (op == OP__COUNT) {
        return perr(c,
                    "unknown operator \"%.64s\"; use one of eq, neq, gt, gte, lt, lte, in, "
                    "between, is_null, and, or, not",
                    key);
    }
    int32_t id;
    DC_TRY(new_node(c, op, &id));
    size_t old = path_push_op(c, op_names[op]);
    if (is_leaf(op)) {
        DC_TRY(parse_leaf(c, id, op, v));
    } else if (op == OP_NOT) {
        const json_t *kid = v;
        if (json_is_array(v)) {
            if (json_array_size(v) != 1)
                return perr(c, "\"not\" takes one predicate, got a list of %zu",
                            json_array_size(v));
            kid = json_array_get(v, 0);
        }
        int32_t *kids = dc_malloc(sizeof *kids);
        DC_TRY_ALLOC(kids, c->err);
        c->p->nodes[id].kids = kids;
        int32_t k;
        DC_TRY(parse_node(c, kid, depth + 1, &k));
        c->p->nodes[id].kids[0] = k;
        c->p->nodes[id].n_kids = 1;
    } else {
        DC_TRY(parse_list(c, id, op_names[op], v, depth));
    }
    path_pop(c, old);
    *out = id;
cleanup:
    return rc;
}

dc_status dc_pred_from_json(dc_pred **out, const json_t *j, dc_error *err)
{
    dc_status rc = DC_OK;
    pctx c;
    *out = NULL;
    if (!j)
        return dc_error_set(err, DC_EINVALID, "predicate: no JSON value given");
    c.err = err;
    c.p = dc_calloc(1, sizeof *c.p);
    if (!c.p)
        return dc_error_nomem(err);
    strcpy(c.path, "$");
    c.len = 1;
    int32_t root;
    DC_TRY(parse_node(&c, j, 1, &root));
    *out = c.p;
    c.p = NULL;
cleanup:
    dc_pred_free(c.p);
    return rc;
}

dc_status dc_pred_parse(dc_pred **out, const char *text, int64_t len, dc_error *err)
{
    json_t *j = NULL;
    *out = NULL;
    if (!text)
        return dc_error_set(err, DC_EINVALID, "predicate: no text given");
    size_t n = len < 0 ? strlen(text) : (size_t)len;
    dc_status rc = dc_json_parse(&j, text, n, "predicate", err);
    if (rc != DC_OK)
        return rc;
    rc = dc_pred_from_json(out, j, err);
    json_decref(j);
    return rc;
}

int32_t dc_pred_n_columns(const dc_pred *p)
{
    return p ? p->n_cols : 0;
}

const char *dc_pred_column(const dc_pred *p, int32_t i)
{
    return p && i >= 0 && i < p->n_cols ? p->cols[i].name : NULL;
}

bool dc_pred_is_bound(const dc_pred *p)
{
    return p && p->bound;
}

/* ---- canonical JSON --------------------------------------------------------------- */

static json_t *node_json(const dc_pred *p, int32_t id)
{
    const pnode *n = &p->nodes[id];
    json_t *v = NULL, *o = NULL;
    if (is_leaf(n->op)) {
        v = json_array();
        if (!v || json_array_append_new(v, json_string(p->cols[n->col].name)) != 0)
            goto fail;
        if (n->op == OP_IN) {
            if (json_array_append_new(v, json_deep_copy(n->lits)) != 0)
                goto fail;
        } else if (n->op != OP_IS_NULL) {
            for (size_t k = 0; k < json_array_size(n->lits); k++) {
                if (json_array_append_new(v, json_copy(json_array_get(n->lits, k))) != 0)
                    goto fail;
            }
        }
    } else if (n->op == OP_NOT) {
        v = node_json(p, n->kids[0]);
    } else {
        v = json_array();
        for (int32_t k = 0; v && k < n->n_kids; k++) {
            if (json_array_append_new(v, node_json(p, n->kids[k])) != 0)
                goto fail;
        }
    }
    o = json_object();
    if (!v || !o)
        goto fail;
    if (json_object_set_new(o, op_names[n->op], v) != 0) {
        v = NULL; /* json_object_set_new releases the value on failure too */
        goto fail;
    }
    return o;
fail:
    json_decref(v);
    json_decref(o);
    return NULL;
}

json_t *dc_pred_to_json(const dc_pred *p)
{
    return p && p->n_nodes ? node_json(p, 0) : NULL;
}

/* ---- binding: columns ---------------------------------------------------------------- */

static ecat cat_of(const dc_type *t)
{
    switch (t->id) {
    case DC_TYPE_NULL: return E_NULL;
    case DC_TYPE_BOOL: return E_BOOL;
    case DC_TYPE_INT8:
    case DC_TYPE_INT16:
    case DC_TYPE_INT32:
    case DC_TYPE_INT64:
    case DC_TYPE_DATE32:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
    case DC_TYPE_TIMESTAMP:
    case DC_TYPE_DURATION: return E_INT;
    case DC_TYPE_UINT8:
    case DC_TYPE_UINT16:
    case DC_TYPE_UINT32:
    case DC_TYPE_UINT64: return E_UINT;
    case DC_TYPE_FLOAT16:
    case DC_TYPE_FLOAT32:
    case DC_TYPE_FLOAT64: return E_FLOAT;
    case DC_TYPE_DECIMAL128: return E_DEC128;
    case DC_TYPE_DECIMAL256: return E_GENERIC;
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_BINARY: return E_BYTES;
    case DC_TYPE_FIXED_SIZE_BINARY: return E_FSB;
    default: return E_NESTED;
    }
}

/* Bytes per value of an E_INT / E_UINT type. */
static int int_width(const dc_type *t)
{
    switch (t->id) {
    case DC_TYPE_INT8:
    case DC_TYPE_UINT8: return 1;
    case DC_TYPE_INT16:
    case DC_TYPE_UINT16: return 2;
    case DC_TYPE_INT32:
    case DC_TYPE_UINT32:
    case DC_TYPE_DATE32:
    case DC_TYPE_TIME32: return 4;
    default: return 8;
    }
}

static const dc_field *find_field(const dc_field *f, int32_t n, const char *name, size_t len)
{
    for (int32_t i = 0; i < n; i++) {
        if (strlen(f[i].name) == len && memcmp(f[i].name, name, len) == 0)
            return &f[i];
    }
    return NULL;
}

/*
 * Resolve name[0..len) among `fields`: an exact field name, else a prefix
 * up to a dot naming a struct field and the rest resolved in its children.
 * Appends the field path to `path` (room for one entry per dot plus one).
 */
static const dc_field *resolve(const dc_field *fields, int32_t n, const char *name, size_t len,
                               const dc_field **path, int32_t *n_path)
{
    const dc_field *f = find_field(fields, n, name, len);
    if (f) {
        path[(*n_path)++] = f;
        return f;
    }
    for (size_t i = 1; i + 1 < len; i++) {
        if (name[i] != '.')
            continue;
        const dc_field *s = find_field(fields, n, name, i);
        if (!s || s->type->id != DC_TYPE_STRUCT)
            continue;
        int32_t mark = *n_path;
        path[(*n_path)++] = s;
        const dc_field *r = resolve(s->type->children, s->type->n_children, name + i + 1,
                                    len - i - 1, path, n_path);
        if (r)
            return r;
        *n_path = mark;
    }
    return NULL;
}

static dc_status bind_column(bcol *bc, const dc_schema *s, const char *name, const char *where,
                             dc_error *err)
{
    dc_status rc = DC_OK;
    size_t len = strlen(name), dots = 1;
    for (size_t i = 0; i < len; i++)
        dots += name[i] == '.';
    const dc_field **path = dc_malloc(dots * sizeof *path);
    int32_t n_path = 0;
    DC_TRY_ALLOC(path, err);
    const dc_field *f = resolve(s->fields, s->n_fields, name, len, path, &n_path);
    if (!f) {
        dc_strbuf cols;
        dc_strbuf_init(&cols);
        for (int32_t i = 0; i < s->n_fields && cols.len < 300; i++) {
            dc_strbuf_puts(&cols, i ? ", " : "");
            dc_strbuf_puts(&cols, s->fields[i].name);
        }
        if (cols.len >= 300)
            dc_strbuf_puts(&cols, ", ...");
        rc = dc_error_set(err, DC_ENOTFOUND,
                          "predicate at %s: no column \"%.200s\" in the schema; its columns are: "
                          "%s",
                          where, name, s->n_fields ? dc_strbuf_cstr(&cols) : "(none)");
        dc_strbuf_free(&cols);
        dc_error_at(err, NULL, name, -1, -1);
        goto cleanup;
    }
    bc->path = dc_calloc((size_t)n_path, sizeof *bc->path);
    DC_TRY_ALLOC(bc->path, err);
    for (int32_t i = 0; i < n_path; i++) {
        bc->path[i] = dc_strdup(path[i]->name);
        DC_TRY_ALLOC(bc->path[i], err);
        bc->n_path = i + 1;
    }
    bc->type = dc_type_ref(f->type);
    bc->vt = f->type->id == DC_TYPE_DICTIONARY ? f->type->value_type : f->type;
    bc->cat = cat_of(bc->vt);
    bc->lt = bc->cat == E_FLOAT ? dc_type_new(DC_TYPE_FLOAT64) : dc_type_ref(bc->vt);
    DC_TRY_ALLOC(bc->lt, err);
cleanup:
    dc_free(path);
    return rc;
}

/* ---- binding: literals ------------------------------------------------------------------ */

typedef struct bctx {
    const dc_pred *p;
    dc_error *err;
    const char *where; /* the node's path */
    const char *col;   /* the column's name */
} bctx;

/* DC_EINVALID: literal `j` is not a value of the column's type. */
static dc_status bad_lit(const bctx *c, const json_t *j, const bcol *bc, const char *hint)
{
    char lt[256];
    lit_text(j, lt, sizeof lt);
    char *ts = dc_type_to_string(bc->vt);
    dc_status rc =
        dc_error_set(c->err, DC_EINVALID, "predicate at %s: %s is not a %s (column \"%.200s\")%s%s",
                     c->where, lt, ts ? ts : "?", c->col, hint ? "; " : "", hint ? hint : "");
    dc_free(ts);
    dc_error_at(c->err, NULL, c->col, -1, -1);
    return rc;
}

/* A 1-value array of `t` from text bytes (cast from utf8, safe). */
static dc_status from_text(dc_array **out, const char *s, size_t n, const dc_type *t, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_builder *b = NULL;
    dc_array *u = NULL;
    dc_type *ut = dc_type_new(DC_TYPE_UTF8);
    *out = NULL;
    DC_TRY_ALLOC(ut, err);
    DC_TRY(dc_builder_new(&b, ut, err));
    rc = dc_builder_append_bytes(b, s, (int64_t)n);
    if (rc != DC_OK) {
        rc = dc_error_set(err, rc, "literal of %zu bytes does not fit a string", n);
        goto cleanup;
    }
    DC_TRY(dc_builder_finish(b, &u, err));
    rc = dc_cast(out, u, t, true, err);
cleanup:
    dc_builder_free(b);
    dc_array_unref(u);
    dc_type_unref(ut);
    return rc;
}

/* A 1-value array of `t` through one builder call. */
enum { V_INT, V_UINT, V_DOUBLE, V_BOOL, V_BYTES };
static dc_status one_value(dc_array **out, const dc_type *t, int kind, int64_t i, uint64_t u,
                           double f, const char *s, size_t n, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_builder *b = NULL;
    *out = NULL;
    DC_TRY(dc_builder_new(&b, t, err));
    switch (kind) {
    case V_INT: rc = dc_builder_append_int(b, i); break;
    case V_UINT: rc = dc_builder_append_uint(b, u); break;
    case V_DOUBLE: rc = dc_builder_append_double(b, f); break;
    case V_BOOL: rc = dc_builder_append_bool(b, i != 0); break;
    default: rc = dc_builder_append_bytes(b, s, (int64_t)n); break;
    }
    if (rc != DC_OK) {
        rc = dc_error_set(err, rc == DC_ENOMEM ? DC_ENOMEM : DC_EINTERNAL,
                          "building a literal of %s failed", dc_type_id_name(t->id));
        goto cleanup;
    }
    rc = dc_builder_finish(b, out, err);
cleanup:
    dc_builder_free(b);
    return rc;
}

/* A number from JSON: an integer, a real, or (when allowed) numeric text. */
typedef struct num {
    enum { N_I, N_U, N_F } kind;
    int64_t i;
    uint64_t u;
    double f;
} num;

static bool json_num(const json_t *j, bool text_ok, num *n)
{
    if (json_is_integer(j)) {
        n->kind = N_I;
        n->i = (int64_t)json_integer_value(j);
        return true;
    }
    if (json_is_real(j)) {
        n->kind = N_F;
        n->f = json_real_value(j);
        return true;
    }
    if (!text_ok || !json_is_string(j))
        return false;
    const char *s = json_string_value(j);
    int64_t len = (int64_t)json_string_length(j);
    if (dc_parse_int64(s, len, &n->i)) {
        n->kind = N_I;
        return true;
    }
    if (dc_parse_uint64(s, len, &n->u)) {
        n->kind = N_U;
        return true;
    }
    if (dc_parse_double(s, len, &n->f)) {
        n->kind = N_F;
        return true;
    }
    return false;
}

/* Neighbour s and sign d of v - s for a signed integer of `bits` (note 3). */
static void clamp_signed(const num *n, int bits, int64_t *s, int *d, bool *nan)
{
    int64_t hi = bits == 64 ? INT64_MAX : (int64_t)(((uint64_t)1 << (bits - 1)) - 1);
    int64_t lo = -hi - 1;
    double lim = ldexp(1, bits - 1);
    *d = 0;
    switch (n->kind) {
    case N_I:
        *s = n->i < lo ? lo : n->i > hi ? hi : n->i;
        *d = n->i < lo ? -1 : n->i > hi ? 1 : 0;
        return;
    case N_U:
        *s = n->u > (uint64_t)hi ? hi : (int64_t)n->u;
        *d = n->u > (uint64_t)hi ? 1 : 0;
        return;
    default:
        if (isnan(n->f)) {
            *nan = true;
            *s = 0;
        } else if (n->f >= lim) {
            *s = hi;
            *d = 1;
        } else if (n->f < -lim) {
            *s = lo;
            *d = -1;
        } else {
            double fl = floor(n->f);
            *s = (int64_t)fl;
            *d = n->f > fl ? 1 : 0;
        }
        return;
    }
}

static void clamp_unsigned(const num *n, int bits, uint64_t *s, int *d, bool *nan)
{
    uint64_t hi = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    *d = 0;
    switch (n->kind) {
    case N_I:
        *s = n->i < 0 ? 0 : (uint64_t)n->i > hi ? hi : (uint64_t)n->i;
        *d = n->i < 0 ? -1 : (uint64_t)n->i > hi ? 1 : 0;
        return;
    case N_U:
        *s = n->u > hi ? hi : n->u;
        *d = n->u > hi ? 1 : 0;
        return;
    default:
        if (isnan(n->f)) {
            *nan = true;
            *s = 0;
        } else if (n->f < 0) {
            *s = 0;
            *d = -1;
        } else if (n->f >= ldexp(1, bits)) {
            *s = hi;
            *d = 1;
        } else {
            double fl = floor(n->f);
            *s = (uint64_t)fl;
            *d = n->f > fl ? 1 : 0;
        }
        return;
    }
}

/* A double as the shortest text that reads back as the same double. */
static void double_text(double f, char *buf, size_t cap)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, f);
        if (strtod(buf, NULL) == f)
            return;
    }
}

static int sign_of(int c)
{
    return (c > 0) - (c < 0);
}

/*
 * Decimal literal from text: exact when the column's type holds it, else the
 * exact value v at a finer scale (decimal256), truncated toward zero (or
 * clamped to the largest magnitude) into the column's type.
 */
static dc_status dec_lit(const bctx *c, const json_t *j, const bcol *bc, const char *text, size_t n,
                         dc_array **s, int *d)
{
    dc_status rc = DC_OK;
    dc_array *v = NULL;
    dc_type *wide = NULL;
    const dc_type *lt = bc->lt;
    uint8_t tmp[32];
    rc = from_text(s, text, n, lt, NULL);
    if (rc == DC_OK || rc == DC_ENOMEM) {
        *d = 0;
        return rc == DC_OK ? rc : dc_error_nomem(c->err);
    }
    for (int32_t sc = lt->scale; sc <= 76 && !wide; sc++) {
        if (dc_parse_decimal(text, (int64_t)n, 76, sc, 32, tmp)) {
            wide = dc_type_decimal(256, 76, sc);
            DC_TRY_ALLOC(wide, c->err);
        }
    }
    if (!wide)
        return bad_lit(c, j, bc, "give a decimal number of at most 76 digits");
    DC_TRY(from_text(&v, text, n, wide, c->err));
    DC_TRY(dc_cast(s, v, lt, false, c->err));
    if (!dc_array_valid(*s, 0)) {
        /* Beyond the type's range: clamp to +-(10^precision - 1) at the scale. */
        char nines[128];
        bool neg = text[0] == '-';
        int w = snprintf(nines, sizeof nines, "%s", neg ? "-" : "");
        for (int32_t k = 0; k < lt->precision && w < 100; k++)
            nines[w++] = '9';
        snprintf(nines + w, sizeof nines - (size_t)w, "e%d", -lt->scale);
        dc_array_unref(*s);
        *s = NULL;
        DC_TRY(from_text(s, nines, strlen(nines), lt, c->err));
    }
    *d = sign_of(dc_compare_values(v, 0, *s, 0, true));
cleanup:
    if (rc != DC_OK) {
        dc_array_unref(*s);
        *s = NULL;
    }
    dc_array_unref(v);
    dc_type_unref(wide);
    return rc;
}

/* A timestamp / date literal from text: exact, or at ns then floored to the column. */
static dc_status temporal_text(const bctx *c, const json_t *j, const bcol *bc, dc_array **s, int *d)
{
    dc_status rc = DC_OK;
    const dc_type *lt = bc->lt;
    const char *text = json_string_value(j);
    size_t n = json_string_length(j);
    dc_array *v = NULL;
    dc_type *ns = NULL;
    rc = from_text(s, text, n, lt, NULL);
    if (rc == DC_OK || rc == DC_ENOMEM) {
        *d = 0;
        return rc == DC_OK ? rc : dc_error_nomem(c->err);
    }
    if (lt->id == DC_TYPE_DATE32 || lt->id == DC_TYPE_DATE64 || lt->id == DC_TYPE_TIMESTAMP) {
        ns = dc_type_timestamp(DC_UNIT_NANO, lt->id == DC_TYPE_TIMESTAMP ? lt->timezone : NULL);
        DC_TRY_ALLOC(ns, c->err);
        rc = from_text(&v, text, n, ns, NULL);
        if (rc == DC_OK)
            rc = dc_cast(s, v, lt, false, NULL);
        if (rc == DC_ENOMEM) {
            rc = dc_error_nomem(c->err);
            goto cleanup;
        }
        if (rc == DC_OK && dc_array_valid(*s, 0)) {
            *d = sign_of(dc_compare_values(v, 0, *s, 0, true));
            goto cleanup;
        }
        dc_array_unref(*s);
        *s = NULL;
    }
    rc = bad_lit(c, j, bc,
                 lt->id == DC_TYPE_DATE32 || lt->id == DC_TYPE_DATE64
                     ? "write a date as \"YYYY-MM-DD\" or give days since 1970-01-01"
                     : "write an ISO-8601 value (\"2024-03-01T00:00:00\") or an integer in the "
                       "column's unit");
cleanup:
    dc_array_unref(v);
    dc_type_unref(ns);
    return rc;
}

/*
 * Convert literal `j` for column `bc` (note 3): *s a 1-value array of the
 * literal type and *d the sign of (literal - s); *nan when the literal is NaN
 * (then *s is NULL).
 */
static dc_status conv_lit(const bctx *c, const json_t *j, const bcol *bc, dc_array **s, int *d,
                          bool *nan)
{
    const dc_type *lt = bc->lt;
    num n;
    *s = NULL;
    *d = 0;
    *nan = false;
    if (json_is_boolean(j) && bc->cat != E_BOOL)
        return bad_lit(c, j, bc, NULL);
    switch (bc->cat) {
    case E_BOOL: {
        bool v;
        if (json_is_boolean(j))
            v = json_is_true(j);
        else if (!json_is_string(j) ||
                 !dc_parse_bool(json_string_value(j), (int64_t)json_string_length(j), &v))
            return bad_lit(c, j, bc, "give true or false");
        return one_value(s, lt, V_BOOL, v, 0, 0, NULL, 0, c->err);
    }
    case E_INT: {
        bool temporal = dc_type_is_temporal(lt->id);
        if (temporal && json_is_string(j))
            return temporal_text(c, j, bc, s, d);
        if (temporal && json_is_real(j))
            return bad_lit(c, j, bc, "give an integer in the column's unit or an ISO-8601 string");
        if (!json_num(j, !temporal, &n))
            return bad_lit(c, j, bc, NULL);
        int64_t v;
        clamp_signed(&n, 8 * int_width(lt), &v, d, nan);
        return *nan ? DC_OK : one_value(s, lt, V_INT, v, 0, 0, NULL, 0, c->err);
    }
    case E_UINT: {
        if (!json_num(j, true, &n))
            return bad_lit(c, j, bc, NULL);
        uint64_t v;
        clamp_unsigned(&n, 8 * int_width(lt), &v, d, nan);
        return *nan ? DC_OK : one_value(s, lt, V_UINT, 0, v, 0, NULL, 0, c->err);
    }
    case E_FLOAT: {
        if (!json_num(j, true, &n))
            return bad_lit(c, j, bc, NULL);
        double f = n.kind == N_I ? (double)n.i : n.kind == N_U ? (double)n.u : n.f;
        if (isnan(f)) {
            *nan = true;
            return DC_OK;
        }
        if (n.kind == N_I)
            *d = sign_of((n.i > (i128)f) - (n.i < (i128)f));
        else if (n.kind == N_U)
            *d = sign_of(((i128)n.u > (i128)f) - ((i128)n.u < (i128)f));
        return one_value(s, lt, V_DOUBLE, 0, 0, f, NULL, 0, c->err);
    }
    case E_DEC128:
    case E_GENERIC: {
        char buf[64];
        const char *text = buf;
        size_t len;
        if (json_is_integer(j)) {
            snprintf(buf, sizeof buf, "%" PRId64, (int64_t)json_integer_value(j));
        } else if (json_is_real(j)) {
            double_text(json_real_value(j), buf, sizeof buf);
        } else if (json_is_string(j)) {
            text = json_string_value(j);
        } else {
            return bad_lit(c, j, bc, NULL);
        }
        len = text == buf ? strlen(buf) : json_string_length(j);
        return dec_lit(c, j, bc, text, len, s, d);
    }
    case E_BYTES:
    case E_FSB:
        if (!json_is_string(j)) {
            char lt_[256], *ts = dc_type_to_string(bc->vt);
            lit_text(j, lt_, sizeof lt_);
            dc_status rc = dc_error_set(
                c->err, DC_EINVALID,
                "predicate at %s: cannot compare %s column \"%.200s\" with %s %s; write the "
                "literal as a JSON string",
                c->where, ts ? ts : "?", c->col, json_kind(j), lt_);
            dc_free(ts);
            dc_error_at(c->err, NULL, c->col, -1, -1);
            return rc;
        }
        if (bc->cat == E_FSB && json_string_length(j) != (size_t)lt->byte_width)
            return bad_lit(c, j, bc, "the literal must have exactly the type's byte width");
        return one_value(s, lt, V_BYTES, 0, 0, 0, json_string_value(j), json_string_length(j),
                         c->err);
    default: return bad_lit(c, j, bc, NULL);
    }
}

static inline const uint8_t *bytes_at(const dc_array *a, int64_t i, int64_t *len);

static void load_scalar(lcmp *b, ecat cat)
{
    const dc_array *a = b->lit;
    int64_t len = 0;
    switch (cat) {
    case E_BOOL:
    case E_INT: b->v.i = dc_array_get_int(a, 0); break;
    case E_UINT: b->v.u = dc_array_get_uint(a, 0); break;
    case E_FLOAT: b->v.f = dc_array_get_double(a, 0); break;
    case E_DEC128: memcpy(&b->v.q, dc_array_get_bytes(a, 0, &len), 16); break;
    case E_BYTES:
    case E_FSB:
        b->v.b.p = bytes_at(a, 0, &len);
        b->v.b.n = len;
        break;
    default: break;
    }
}

/* Bind one comparison `op` with literal `j` into `out` (note 3). */
static dc_status bind_cmp(const bctx *c, dc_cmp_op op, const json_t *j, const bcol *bc, lcmp *out)
{
    dc_array *s = NULL;
    int d = 0;
    bool nan = false;
    dc_status rc = conv_lit(c, j, bc, &s, &d, &nan);
    if (rc != DC_OK)
        return rc;
    out->op = op;
    out->kind = B_CMP;
    if (nan) {
        out->kind = op == DC_CMP_NE ? B_TRUE : B_FALSE;
        return DC_OK;
    }
    if (d != 0) {
        switch (op) {
        case DC_CMP_EQ: out->kind = B_FALSE; break;
        case DC_CMP_NE: out->kind = B_TRUE; break;
        case DC_CMP_GT:
        case DC_CMP_GE: out->op = d > 0 ? DC_CMP_GT : DC_CMP_GE; break;
        default: out->op = d > 0 ? DC_CMP_LE : DC_CMP_LT; break;
        }
    }
    if (out->kind != B_CMP) {
        dc_array_unref(s);
        return DC_OK;
    }
    out->lit = s;
    load_scalar(out, bc->cat);
    return DC_OK;
}

/* The literals of an `in` list in the literal type, in bulk when one cast does it exactly. */
static dc_status in_bulk(dc_array **out, const json_t *lits, const bcol *bc)
{
    dc_status rc = DC_OK;
    size_t n = json_array_size(lits);
    bool all_str = true, all_int = true;
    dc_builder *b = NULL;
    dc_array *src = NULL;
    dc_type *t = NULL;
    *out = NULL;
    for (size_t k = 0; k < n && (all_str || all_int); k++) {
        const json_t *j = json_array_get(lits, k);
        all_str = all_str && json_is_string(j);
        all_int = all_int && json_is_integer(j);
    }
    ecat cat = bc->cat;
    /* Strings parse exactly into every type but floats (text "2^53+1" rounds); integers
     * cast exactly (or fail) into numbers and temporal raw values. */
    if (all_str && cat != E_FLOAT && cat != E_NULL && cat != E_NESTED)
        t = dc_type_new(DC_TYPE_UTF8);
    else if (all_int && (cat == E_INT || cat == E_UINT || cat == E_FLOAT || cat == E_DEC128 ||
                         cat == E_GENERIC))
        t = dc_type_new(DC_TYPE_INT64);
    else
        return DC_EINVALID;
    if (!t || dc_builder_new(&b, t, NULL) != DC_OK || dc_builder_reserve(b, (int64_t)n) != DC_OK) {
        rc = DC_ENOMEM;
        goto cleanup;
    }
    for (size_t k = 0; k < n; k++) {
        const json_t *j = json_array_get(lits, k);
        rc = all_str
                 ? dc_builder_append_bytes(b, json_string_value(j), (int64_t)json_string_length(j))
                 : dc_builder_append_int(b, (int64_t)json_integer_value(j));
        if (rc != DC_OK)
            goto cleanup;
    }
    DC_TRY(dc_builder_finish(b, &src, NULL));
    rc = dc_cast(out, src, bc->lt, true, NULL);
cleanup:
    dc_builder_free(b);
    dc_array_unref(src);
    dc_type_unref(t);
    return rc;
}

/* Bind an `in` list: the exact literals, distinct and sorted, plus a typed copy. */
static dc_status bind_in(const bctx *c, const json_t *lits, const bcol *bc, bnode *bn)
{
    dc_status rc = DC_OK;
    dc_array *all = NULL, *s = NULL;
    dc_builder *b = NULL;
    int64_t *perm = NULL, *keep = NULL;
    size_t n = json_array_size(lits);
    if (in_bulk(&all, lits, bc) != DC_OK) {
        DC_TRY(dc_builder_new(&b, bc->lt, c->err));
        for (size_t k = 0; k < n; k++) {
            int d;
            bool nan;
            const json_t *j = json_array_get(lits, k);
            DC_TRY(conv_lit(c, j, bc, &s, &d, &nan));
            /* An inexact or NaN literal equals no value: leave it out. */
            if (!nan && d == 0 && dc_builder_append_from(b, s, 0) != DC_OK) {
                rc = dc_error_nomem(c->err);
                goto cleanup;
            }
            dc_array_unref(s);
            s = NULL;
        }
        DC_TRY(dc_builder_finish(b, &all, c->err));
    }
    int64_t m = all->length, u = 0;
    dc_sort_key key = {all, false, true};
    DC_TRY(dc_sort_indices(&perm, &key, 1, m, c->err));
    keep = dc_malloc((size_t)(m ? m : 1) * sizeof *keep);
    DC_TRY_ALLOC(keep, c->err);
    for (int64_t k = 0; k < m; k++) {
        if (u == 0 || dc_compare_values(all, perm[k], all, keep[u - 1], true) != 0)
            keep[u++] = perm[k];
    }
    DC_TRY(dc_array_take(&bn->set, all, keep, u, c->err));
    bn->n_set = u;
    size_t w = bc->cat == E_DEC128 ? 16 : 8;
    if (bc->cat == E_INT || bc->cat == E_UINT || bc->cat == E_FLOAT || bc->cat == E_BOOL ||
        bc->cat == E_DEC128) {
        bn->keys = dc_malloc((size_t)(u ? u : 1) * w);
        DC_TRY_ALLOC(bn->keys, c->err);
        for (int64_t k = 0; k < u; k++) {
            int64_t len;
            switch (bc->cat) {
            case E_UINT: ((uint64_t *)bn->keys)[k] = dc_array_get_uint(bn->set, k); break;
            case E_FLOAT: ((double *)bn->keys)[k] = dc_array_get_double(bn->set, k); break;
            case E_DEC128:
                memcpy((uint8_t *)bn->keys + 16 * k, dc_array_get_bytes(bn->set, k, &len), 16);
                break;
            default: ((int64_t *)bn->keys)[k] = dc_array_get_int(bn->set, k); break;
            }
        }
    }
cleanup:
    dc_builder_free(b);
    dc_array_unref(all);
    dc_array_unref(s);
    dc_free(perm);
    dc_free(keep);
    return rc;
}

static dc_status bind_node(const dc_pred *p, const dc_schema *s, binding *bd, int32_t id,
                           char *path, size_t len, size_t cap, dc_error *err)
{
    const pnode *n = &p->nodes[id];
    int w = snprintf(path + len, cap - len, ".%s", op_names[n->op]);
    len = DC_MIN(len + (size_t)(w > 0 ? w : 0), cap - 1);
    if (!is_leaf(n->op)) {
        for (int32_t k = 0; k < n->n_kids; k++) {
            size_t l2 = len;
            if (n->op != OP_NOT) {
                int w2 = snprintf(path + len, cap - len, "[%d]", k);
                l2 = DC_MIN(len + (size_t)(w2 > 0 ? w2 : 0), cap - 1);
            }
            dc_status rc = bind_node(p, s, bd, n->kids[k], path, l2, cap, err);
            if (rc != DC_OK)
                return rc;
            path[len] = '\0';
        }
        return DC_OK;
    }
    bcol *bc = &bd->cols[n->col];
    bnode *bn = &bd->nodes[id];
    bctx c = {p, err, path, p->cols[n->col].name};
    if (!bc->type) {
        dc_status rc = bind_column(bc, s, p->cols[n->col].name, path, err);
        if (rc != DC_OK)
            return rc;
    }
    if (n->op == OP_IS_NULL)
        return DC_OK;
    if (bc->cat == E_NESTED) {
        char *ts = dc_type_to_string(bc->type);
        dc_status rc =
            dc_error_set(err, DC_EINVALID,
                         "predicate at %s: column \"%.200s\" is a %s; \"%s\" cannot compare it "
                         "with a literal (only is_null applies; name a nested field as "
                         "\"column.field\")",
                         path, c.col, ts ? ts : "?", op_names[n->op]);
        dc_free(ts);
        dc_error_at(err, NULL, c.col, -1, -1);
        return rc;
    }
    if (bc->cat == E_NULL) {
        /* Every value is null: every comparison is unknown; nothing to convert. */
        bn->c[0].kind = bn->c[1].kind = B_FALSE;
        return DC_OK;
    }
    if (is_cmp(n->op))
        return bind_cmp(&c, cmp_of(n->op), json_array_get(n->lits, 0), bc, &bn->c[0]);
    if (n->op == OP_BETWEEN) {
        dc_status rc = bind_cmp(&c, DC_CMP_GE, json_array_get(n->lits, 0), bc, &bn->c[0]);
        return rc != DC_OK ? rc
                           : bind_cmp(&c, DC_CMP_LE, json_array_get(n->lits, 1), bc, &bn->c[1]);
    }
    return bind_in(&c, n->lits, bc, bn);
}

dc_status dc_pred_bind(dc_pred *p, const dc_schema *s, dc_error *err)
{
    dc_status rc = DC_OK;
    char path[1536];
    if (!p || !s)
        return dc_error_set(err, DC_EINVALID, "bind: no predicate or no schema given");
    binding *bd = dc_calloc(1, sizeof *bd);
    DC_TRY_ALLOC(bd, err);
    bd->cols = dc_calloc((size_t)(p->n_cols ? p->n_cols : 1), sizeof *bd->cols);
    DC_TRY_ALLOC(bd->cols, err);
    bd->n_cols = p->n_cols;
    bd->nodes = dc_calloc((size_t)(p->n_nodes ? p->n_nodes : 1), sizeof *bd->nodes);
    DC_TRY_ALLOC(bd->nodes, err);
    bd->n_nodes = p->n_nodes;
    /* Columns are resolved at their first use, in preorder (first-seen order). */
    strcpy(path, "$");
    DC_TRY(bind_node(p, s, bd, 0, path, 1, sizeof path, err));
    binding_free(p->bound);
    p->bound = bd;
    bd = NULL;
cleanup:
    binding_free(bd);
    return rc;
}

/* ---- evaluation -------------------------------------------------------------------------- */

typedef struct colview {
    bool ready;
    dc_array *arr;   /* the leaf array (sliced for struct children) */
    uint64_t *valid; /* rows whose value is not null (struct parents included); NULL: all */
} colview;

typedef struct ectx {
    const dc_pred *p;
    const binding *bd;
    const dc_batch *b;
    int64_t n, nw;
    dc_error *err;
    colview *views;
    uint64_t *scratch[2 * (DC_PRED_MAX_DEPTH + 2)];
    uint64_t *tmp; /* for leaves (between) */
} ectx;

static uint64_t *words_new(int64_t nw)
{
    return dc_calloc((size_t)(nw ? nw : 1), sizeof(uint64_t));
}

/* valid &= bits [off, off+n) of `bits` (allocating `valid` as all-ones first). */
static dc_status and_validity(uint64_t **valid, const uint8_t *bits, int64_t off, int64_t n,
                              int64_t nw, dc_error *err)
{
    uint64_t *tmp = words_new(nw);
    if (!tmp)
        return dc_error_nomem(err);
    if (bits)
        dc_bitmap_copy((uint8_t *)tmp, 0, bits, off, n);
    if (!*valid) {
        *valid = tmp;
        return DC_OK;
    }
    for (int64_t w = 0; w < nw; w++)
        (*valid)[w] &= tmp[w];
    dc_free(tmp);
    return DC_OK;
}

static dc_status get_view(ectx *e, int32_t col, colview **out)
{
    dc_status rc = DC_OK;
    colview *v = &e->views[col];
    const bcol *bc = &e->bd->cols[col];
    const char *name = e->p->cols[col].name;
    dc_array *cur = NULL, *next = NULL;
    *out = v;
    if (v->ready)
        return DC_OK;
    int32_t top = dc_schema_find(e->b->schema, bc->path[0]);
    if (top < 0)
        return dc_error_set(e->err, DC_ENOTFOUND,
                            "the batch has no column \"%.200s\" (the predicate reads "
                            "\"%.200s\"); evaluate it on batches of the schema it was bound to",
                            bc->path[0], name);
    cur = dc_array_ref(e->b->columns[top]);
    for (int32_t k = 1; k < bc->n_path; k++) {
        int32_t ci = -1;
        if (cur->type->id == DC_TYPE_STRUCT) {
            for (int32_t i = 0; i < cur->type->n_children && ci < 0; i++) {
                if (strcmp(cur->type->children[i].name, bc->path[k]) == 0)
                    ci = i;
            }
        }
        if (ci < 0) {
            rc = dc_error_set(e->err, DC_ENOTFOUND,
                              "the batch has no struct field \"%.200s\" on the way to column "
                              "\"%.200s\"; bind the predicate to the batch's schema",
                              bc->path[k], name);
            goto cleanup;
        }
        if (cur->null_count > 0)
            DC_TRY(and_validity(&v->valid, cur->data[0], cur->offset, e->n, e->nw, e->err));
        DC_TRY(dc_array_slice(&next, cur->children[ci], cur->offset, cur->length, e->err));
        dc_array_unref(cur);
        cur = next;
        next = NULL;
    }
    if (!dc_type_equals(cur->type, bc->type)) {
        char *have = dc_type_to_string(cur->type), *want = dc_type_to_string(bc->type);
        rc = dc_error_set(e->err, DC_ESCHEMA,
                          "column \"%.200s\" is a %s in the batch but the predicate was bound "
                          "to a %s; bind it again to the batch's schema",
                          name, have ? have : "?", want ? want : "?");
        dc_free(have);
        dc_free(want);
        dc_error_at(e->err, NULL, name, -1, -1);
        goto cleanup;
    }
    if (cur->type->id == DC_TYPE_NULL) {
        DC_TRY(and_validity(&v->valid, NULL, 0, e->n, e->nw, e->err));
    } else if (cur->null_count > 0) {
        DC_TRY(and_validity(&v->valid, cur->data[0], cur->offset, e->n, e->nw, e->err));
    }
    v->arr = cur;
    cur = NULL;
    v->ready = true;
cleanup:
    dc_array_unref(cur);
    return rc;
}

/* Fill out[0..nw) with bit i = COND (an expression of i) for i < n. */
#define FILL(COND)                                                                                 \
    do {                                                                                           \
        for (int64_t w_ = 0; w_ < nw; w_++) {                                                      \
            uint64_t bits_ = 0;                                                                    \
            int64_t base_ = w_ << 6, lim_ = n - base_ < 64 ? n - base_ : 64;                       \
            for (int64_t j_ = 0; j_ < lim_; j_++) {                                                \
                int64_t i = base_ + j_;                                                            \
                bits_ |= (uint64_t)(COND) << j_;                                                   \
            }                                                                                      \
            out[w_] = bits_;                                                                       \
        }                                                                                          \
    } while (0)

#define CMP_OPS(X, S)                                                                              \
    switch (op) {                                                                                  \
    case DC_CMP_EQ: FILL((X) == (S)); break;                                                       \
    case DC_CMP_NE: FILL((X) != (S)); break;                                                       \
    case DC_CMP_LT: FILL((X) < (S)); break;                                                        \
    case DC_CMP_LE: FILL((X) <= (S)); break;                                                       \
    case DC_CMP_GT: FILL((X) > (S)); break;                                                        \
    default: FILL((X) >= (S)); break;                                                              \
    }

#define VALUES(T) ((const T *)(const void *)a->data[1] + a->offset)

static inline i128 load_i128(const dc_array *a, int64_t i)
{
    i128 q;
    memcpy(&q, a->data[1] + (a->offset + i) * 16, 16);
    return q;
}

/* The bytes of element i of a binary-like or fixed_size_binary array (never NULL + offset). */
static inline const uint8_t *bytes_at(const dc_array *a, int64_t i, int64_t *len)
{
    static const uint8_t empty[1];
    int64_t k = a->offset + i, s, e;
    switch (a->type->id) {
    case DC_TYPE_FIXED_SIZE_BINARY:
        *len = a->type->byte_width;
        return a->data[1] ? a->data[1] + k * a->type->byte_width : empty;
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_LARGE_BINARY:
        s = ((const int64_t *)(const void *)a->data[1])[k];
        e = ((const int64_t *)(const void *)a->data[1])[k + 1];
        break;
    default:
        s = ((const int32_t *)(const void *)a->data[1])[k];
        e = ((const int32_t *)(const void *)a->data[1])[k + 1];
        break;
    }
    *len = e - s;
    return a->data[2] ? a->data[2] + s : empty;
}

static inline int bytes_cmp(const dc_array *a, int64_t i, const uint8_t *p, int64_t pn)
{
    int64_t len;
    const uint8_t *x = bytes_at(a, i, &len);
    int64_t m = len < pn ? len : pn;
    int c = m ? memcmp(x, p, (size_t)m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return (len > pn) - (len < pn);
}

static inline bool bytes_eq(const dc_array *a, int64_t i, const uint8_t *p, int64_t pn)
{
    int64_t len;
    const uint8_t *x = bytes_at(a, i, &len);
    return len == pn && (pn == 0 || memcmp(x, p, (size_t)pn) == 0);
}

/* Bits of (a[i] op literal) for rows [0, n) of `a`, ignoring nulls. */
static void cond_cmp(const lcmp *c, ecat cat, const dc_array *a, int64_t n, uint64_t *out)
{
    int64_t nw = n_words(n);
    dc_cmp_op op = c->op;
    if (c->kind != B_CMP) {
        for (int64_t w = 0; w < nw; w++)
            out[w] = c->kind == B_TRUE ? ~(uint64_t)0 : 0;
        return;
    }
    switch (cat) {
    case E_BOOL: {
        int64_t s = c->v.i;
        CMP_OPS((int64_t)dc_bit_get(a->data[1], a->offset + i), s);
        return;
    }
    case E_INT: {
        int64_t s = c->v.i;
        switch (int_width(a->type)) {
        case 1: CMP_OPS(VALUES(int8_t)[i], s); return;
        case 2: CMP_OPS(VALUES(int16_t)[i], s); return;
        case 4: CMP_OPS(VALUES(int32_t)[i], s); return;
        default: CMP_OPS(VALUES(int64_t)[i], s); return;
        }
    }
    case E_UINT: {
        uint64_t s = c->v.u;
        switch (int_width(a->type)) {
        case 1: CMP_OPS((uint64_t)VALUES(uint8_t)[i], s); return;
        case 2: CMP_OPS((uint64_t)VALUES(uint16_t)[i], s); return;
        case 4: CMP_OPS((uint64_t)VALUES(uint32_t)[i], s); return;
        default: CMP_OPS(VALUES(uint64_t)[i], s); return;
        }
    }
    case E_FLOAT: {
        double s = c->v.f;
        if (a->type->id == DC_TYPE_FLOAT64)
            CMP_OPS(VALUES(double)[i], s)
        else if (a->type->id == DC_TYPE_FLOAT32)
            CMP_OPS((double)VALUES(float)[i], s)
        else
            CMP_OPS((double)dc_half_to_float(VALUES(uint16_t)[i]), s)
        return;
    }
    case E_DEC128: {
        i128 s = c->v.q;
        CMP_OPS(load_i128(a, i), s);
        return;
    }
    case E_BYTES:
    case E_FSB: {
        const uint8_t *p = c->v.b.p;
        int64_t pn = c->v.b.n;
        if (op == DC_CMP_EQ || op == DC_CMP_NE) {
            /* Equality: lengths first, then the bytes. */
            bool ne = op == DC_CMP_NE;
            FILL(bytes_eq(a, i, p, pn) != ne);
            return;
        }
        FILL(op_holds(op, bytes_cmp(a, i, p, pn)));
        return;
    }
    default: FILL(op_holds(op, dc_compare_values(a, i, c->lit, 0, true))); return;
    }
}

#define BSEARCH(T, KEYS, M, X, FOUND)                                                              \
    do {                                                                                           \
        T x_ = (X);                                                                                \
        int64_t lo_ = 0, hi_ = (M);                                                                \
        FOUND = false;                                                                             \
        while (lo_ < hi_) {                                                                        \
            int64_t mid_ = (lo_ + hi_) >> 1;                                                       \
            if ((KEYS)[mid_] < x_)                                                                 \
                lo_ = mid_ + 1;                                                                    \
            else                                                                                   \
                hi_ = mid_;                                                                        \
        }                                                                                          \
        FOUND = lo_ < (M) && (KEYS)[lo_] == x_;                                                    \
    } while (0)

static inline bool has_i64(const int64_t *k, int64_t m, int64_t x)
{
    bool f;
    BSEARCH(int64_t, k, m, x, f);
    return f;
}
static inline bool has_u64(const uint64_t *k, int64_t m, uint64_t x)
{
    bool f;
    BSEARCH(uint64_t, k, m, x, f);
    return f;
}
static inline bool has_f64(const double *k, int64_t m, double x)
{
    bool f;
    if (isnan(x))
        return false; /* IEEE: NaN equals nothing */
    BSEARCH(double, k, m, x, f);
    return f;
}
static inline bool has_i128(const i128 *k, int64_t m, i128 x)
{
    bool f;
    BSEARCH(i128, k, m, x, f);
    return f;
}

/* Binary search of the sorted set with the generic comparison (bytes, decimal256). */
static bool has_value(const dc_array *set, int64_t m, const dc_array *a, int64_t i, ecat cat)
{
    int64_t lo = 0, hi = m;
    while (lo < hi) {
        int64_t mid = (lo + hi) >> 1;
        int c;
        if (cat == E_BYTES || cat == E_FSB) {
            int64_t len;
            const uint8_t *p = bytes_at(set, mid, &len);
            c = -bytes_cmp(a, i, p, len);
        } else {
            c = dc_compare_values(set, mid, a, i, true);
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= m)
        return false;
    if (cat == E_BYTES || cat == E_FSB) {
        int64_t len;
        const uint8_t *p = bytes_at(set, lo, &len);
        return bytes_cmp(a, i, p, len) == 0;
    }
    return dc_compare_values(set, lo, a, i, true) == 0;
}

static void cond_in(const bnode *bn, ecat cat, const dc_array *a, int64_t n, uint64_t *out)
{
    int64_t nw = n_words(n), m = bn->n_set;
    if (m == 0) {
        memset(out, 0, (size_t)nw * sizeof *out);
        return;
    }
    switch (cat) {
    case E_BOOL: {
        const int64_t *k = bn->keys;
        FILL(has_i64(k, m, dc_bit_get(a->data[1], a->offset + i)));
        return;
    }
    case E_INT: {
        const int64_t *k = bn->keys;
        switch (int_width(a->type)) {
        case 1: FILL(has_i64(k, m, VALUES(int8_t)[i])); return;
        case 2: FILL(has_i64(k, m, VALUES(int16_t)[i])); return;
        case 4: FILL(has_i64(k, m, VALUES(int32_t)[i])); return;
        default: FILL(has_i64(k, m, VALUES(int64_t)[i])); return;
        }
    }
    case E_UINT: {
        const uint64_t *k = bn->keys;
        switch (int_width(a->type)) {
        case 1: FILL(has_u64(k, m, VALUES(uint8_t)[i])); return;
        case 2: FILL(has_u64(k, m, VALUES(uint16_t)[i])); return;
        case 4: FILL(has_u64(k, m, VALUES(uint32_t)[i])); return;
        default: FILL(has_u64(k, m, VALUES(uint64_t)[i])); return;
        }
    }
    case E_FLOAT: {
        const double *k = bn->keys;
        if (a->type->id == DC_TYPE_FLOAT64)
            FILL(has_f64(k, m, VALUES(double)[i]));
        else if (a->type->id == DC_TYPE_FLOAT32)
            FILL(has_f64(k, m, VALUES(float)[i]));
        else
            FILL(has_f64(k, m, dc_half_to_float(VALUES(uint16_t)[i])));
        return;
    }
    case E_DEC128: {
        const i128 *k = bn->keys;
        FILL(has_i128(k, m, load_i128(a, i)));
        return;
    }
    default: FILL(has_value(bn->set, m, a, i, cat)); return;
    }
}

/* The condition of leaf `id` over all of `a` (no nulls considered). */
static void cond_leaf(const pnode *pn, const bnode *bn, ecat cat, const dc_array *a, int64_t n,
                      uint64_t *out, uint64_t *tmp)
{
    if (pn->op == OP_IN) {
        cond_in(bn, cat, a, n, out);
    } else if (pn->op == OP_BETWEEN) {
        cond_cmp(&bn->c[0], cat, a, n, out);
        cond_cmp(&bn->c[1], cat, a, n, tmp);
        for (int64_t w = 0; w < n_words(n); w++)
            out[w] &= tmp[w];
    } else {
        cond_cmp(&bn->c[0], cat, a, n, out);
    }
}

/* A dictionary column: the condition on the dictionary, gathered by index. */
static dc_status leaf_dict(ectx *e, const pnode *pn, const bnode *bn, const bcol *bc,
                           const colview *v, uint64_t *T, uint64_t *F)
{
    dc_status rc = DC_OK;
    const dc_array *a = v->arr, *d = a->dictionary;
    int64_t dn = d->length, dnw = n_words(dn);
    uint64_t *dc = words_new(dnw), *dt = words_new(dnw);
    DC_TRY_ALLOC(dc, e->err);
    DC_TRY_ALLOC(dt, e->err);
    if (bc->cat != E_NULL)
        cond_leaf(pn, bn, bc->cat, d, dn, dc, dt);
    memset(T, 0, (size_t)e->nw * 8);
    memset(F, 0, (size_t)e->nw * 8);
    for (int64_t i = 0; i < e->n; i++) {
        if (v->valid && !((v->valid[i >> 6] >> (i & 63)) & 1))
            continue;
        int64_t k = dc_array_get_int(a, i);
        if (k < 0 || k >= dn) {
            rc = dc_error_set(e->err, DC_ECORRUPT,
                              "column \"%.200s\": dictionary index %" PRId64 " at row %" PRId64
                              " is outside the dictionary of %" PRId64 " values",
                              e->p->cols[pn->col].name, k, i, dn);
            goto cleanup;
        }
        if (!dc_array_valid(d, k))
            continue;
        if ((dc[k >> 6] >> (k & 63)) & 1)
            T[i >> 6] |= (uint64_t)1 << (i & 63);
        else
            F[i >> 6] |= (uint64_t)1 << (i & 63);
    }
cleanup:
    dc_free(dc);
    dc_free(dt);
    return rc;
}

static dc_status eval_leaf(ectx *e, int32_t id, uint64_t *T, uint64_t *F)
{
    dc_status rc = DC_OK;
    const pnode *pn = &e->p->nodes[id];
    const bnode *bn = &e->bd->nodes[id];
    const bcol *bc = &e->bd->cols[pn->col];
    colview *v;
    int64_t nw = e->nw;
    uint64_t last = tail_mask(e->n);
    DC_TRY(get_view(e, pn->col, &v));
    if (pn->op == OP_IS_NULL) {
        const dc_array *a = v->arr;
        bool dict_nulls = a->type->id == DC_TYPE_DICTIONARY && a->dictionary->null_count > 0;
        for (int64_t w = 0; w < nw; w++) {
            uint64_t m = w == nw - 1 ? last : ~(uint64_t)0, ok = v->valid ? v->valid[w] : m;
            for (int64_t j = 0; dict_nulls && j < 64 && (w << 6) + j < e->n; j++) {
                /* A valid index to a null dictionary value is a null too. */
                int64_t i = (w << 6) + j, k = dc_array_get_int(a, i);
                if (((ok >> j) & 1) && k >= 0 && k < a->dictionary->length &&
                    !dc_array_valid(a->dictionary, k))
                    ok &= ~((uint64_t)1 << j);
            }
            T[w] = ~ok & m;
            F[w] = ok & m;
        }
        return DC_OK;
    }
    if (v->arr->type->id == DC_TYPE_DICTIONARY)
        return leaf_dict(e, pn, bn, bc, v, T, F);
    if (bc->cat == E_NULL || v->arr->null_count == v->arr->length) {
        /* Every value is null (its value buffer may even be absent): all unknown. */
        memset(T, 0, (size_t)nw * 8);
        memset(F, 0, (size_t)nw * 8);
        return DC_OK;
    }
    cond_leaf(pn, bn, bc->cat, v->arr, e->n, T, e->tmp);
    for (int64_t w = 0; w < nw; w++) {
        uint64_t m = w == nw - 1 ? last : ~(uint64_t)0, ok = v->valid ? v->valid[w] & m : m;
        F[w] = ~T[w] & ok;
        T[w] &= ok;
    }
cleanup:
    return rc;
}

static dc_status eval_node(ectx *e, int32_t id, int depth, uint64_t *T, uint64_t *F)
{
    dc_status rc = DC_OK;
    const pnode *pn = &e->p->nodes[id];
    int64_t nw = e->nw;
    if (is_leaf(pn->op))
        return eval_leaf(e, id, T, F);
    if (pn->op == OP_NOT)
        return eval_node(e, pn->kids[0], depth + 1, F, T); /* NOT swaps true and false */
    DC_TRY(eval_node(e, pn->kids[0], depth + 1, T, F));
    if (pn->n_kids == 1)
        return DC_OK;
    uint64_t **s = &e->scratch[2 * depth];
    if (!s[0]) {
        s[0] = words_new(nw);
        s[1] = words_new(nw);
        if (!s[0] || !s[1])
            return dc_error_nomem(e->err);
    }
    bool is_and = pn->op == OP_AND;
    uint64_t last = tail_mask(e->n);
    for (int32_t k = 1; k < pn->n_kids; k++) {
        /* Stop when every row is decided (false for AND, true for OR). */
        uint64_t *decided = is_and ? F : T;
        bool all = true;
        for (int64_t w = 0; w < nw && all; w++)
            all = decided[w] == (w == nw - 1 ? last : ~(uint64_t)0);
        if (all)
            break;
        DC_TRY(eval_node(e, pn->kids[k], depth + 1, s[0], s[1]));
        for (int64_t w = 0; w < nw; w++) {
            if (is_and) {
                T[w] &= s[0][w];
                F[w] |= s[1][w];
            } else {
                T[w] |= s[0][w];
                F[w] &= s[1][w];
            }
        }
    }
cleanup:
    return rc;
}

dc_status dc_pred_eval(const dc_pred *p, const dc_batch *b, dc_array **mask, dc_error *err)
{
    dc_status rc = DC_OK;
    ectx e;
    uint64_t *T = NULL, *F = NULL;
    dc_buffer *bufs[2] = {NULL, NULL};
    dc_type *bool_t = NULL;
    *mask = NULL;
    memset(&e, 0, sizeof e);
    if (!p || !b)
        return dc_error_set(err, DC_EINVALID, "eval: no predicate or no batch given");
    if (!p->bound)
        return dc_error_set(err, DC_EINVALID,
                            "eval: the predicate is not bound; call dc_pred_bind with the "
                            "batch's schema first");
    e.p = p;
    e.bd = p->bound;
    e.b = b;
    e.n = b->length;
    e.nw = n_words(b->length);
    e.err = err;
    e.views = dc_calloc((size_t)(p->n_cols ? p->n_cols : 1), sizeof *e.views);
    T = words_new(e.nw);
    F = words_new(e.nw);
    e.tmp = words_new(e.nw);
    if (!e.views || !T || !F || !e.tmp) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    DC_TRY(eval_node(&e, 0, 0, T, F));
    bool_t = dc_type_new(DC_TYPE_BOOL);
    DC_TRY_ALLOC(bool_t, err);
    int64_t bytes = (e.n + 7) >> 3;
    bufs[1] = dc_buffer_new(bytes, true);
    DC_TRY_ALLOC(bufs[1], err);
    if (bytes)
        memcpy(bufs[1]->data, T, (size_t)bytes); /* little-endian words: LSB-first bits */
    rc = dc_array_make(mask, bool_t, e.n, 0, 0, bufs, 2, NULL, 0, NULL, err);
cleanup:
    if (e.views) {
        for (int32_t i = 0; i < p->n_cols; i++) {
            dc_array_unref(e.views[i].arr);
            dc_free(e.views[i].valid);
        }
        dc_free(e.views);
    }
    for (size_t i = 0; i < DC_ARRAY_LEN(e.scratch); i++)
        dc_free(e.scratch[i]);
    dc_free(e.tmp);
    dc_free(T);
    dc_free(F);
    dc_buffer_unref(bufs[1]);
    dc_type_unref(bool_t);
    return rc;
}

/* ---- pruning ------------------------------------------------------------------------------- */

typedef struct mm {
    bool t, f; /* may some row be true / false */
} mm;

typedef struct stat_slot {
    bool asked, known;
    dc_col_stats st;
} stat_slot;

typedef struct mctx {
    const dc_pred *p;
    dc_stats_fn fn;
    void *user;
    stat_slot *slots;
} mctx;

/* Coarse value families whose members dc_compare_values orders by value. */
static int family(const dc_type *t)
{
    if (t->id == DC_TYPE_DICTIONARY)
        t = t->value_type;
    switch (t->id) {
    case DC_TYPE_BOOL: return 1;
    case DC_TYPE_DATE32:
    case DC_TYPE_DATE64:
    case DC_TYPE_TIMESTAMP: return 5;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64: return 6;
    case DC_TYPE_DURATION: return 7;
    case DC_TYPE_FIXED_SIZE_BINARY: return 9;
    default: break;
    }
    if (dc_type_is_integer(t->id))
        return 2;
    if (dc_type_is_floating(t->id))
        return 3;
    if (dc_type_is_decimal(t->id))
        return 4;
    if (dc_type_is_binary_like(t->id))
        return 8;
    return 0;
}

/* A usable bound: one valid value of the column's family, not NaN. */
static const dc_array *usable(const dc_array *v, const bcol *bc)
{
    if (!v || v->length < 1 || !dc_array_valid(v, 0) || family(v->type) == 0 ||
        family(v->type) != family(bc->vt))
        return NULL;
    if (family(v->type) == 3 && isnan(dc_array_get_double(v, 0)))
        return NULL;
    return v;
}

/* min/max judgement of `x op s` for values in [lo, hi] (NULL: unbounded). */
static mm judge_cmp(const lcmp *c, const dc_array *lo, const dc_array *hi, bool exact, bool fl)
{
    mm r = {true, true};
    if (c->kind != B_CMP) {
        r.t = c->kind == B_TRUE;
        r.f = c->kind == B_FALSE;
        return r;
    }
    /* cl = sign(lo - s), ch = sign(hi - s); unbounded ends as -inf / +inf. */
    int cl = lo ? sign_of(dc_compare_values(lo, 0, c->lit, 0, true)) : -1;
    int ch = hi ? sign_of(dc_compare_values(hi, 0, c->lit, 0, true)) : 1;
    bool all_eq = lo && hi && exact && cl == 0 && ch == 0;
    switch (c->op) {
    case DC_CMP_EQ:
        r.t = cl <= 0 && ch >= 0;
        r.f = !all_eq;
        break;
    case DC_CMP_NE:
        r.t = !all_eq;
        r.f = cl <= 0 && ch >= 0;
        break;
    case DC_CMP_LT:
        r.t = cl < 0;
        r.f = ch >= 0;
        break;
    case DC_CMP_LE:
        r.t = cl <= 0;
        r.f = ch > 0;
        break;
    case DC_CMP_GT:
        r.t = ch > 0;
        r.f = cl <= 0;
        break;
    default:
        r.t = ch >= 0;
        r.f = cl < 0;
        break;
    }
    if (fl) {
        /* A NaN may sit outside [min, max]: it makes every comparison false but neq true. */
        if (c->op == DC_CMP_NE)
            r.t = true;
        else
            r.f = true;
    }
    return r;
}

static mm judge_in(const bnode *bn, const dc_array *lo, const dc_array *hi, bool exact, bool fl)
{
    mm r = {false, true};
    int64_t m = bn->n_set;
    if (m == 0)
        return r;
    /* First set value >= lo; a value may match when it is <= hi. */
    int64_t a = 0, b = m;
    while (lo && a < b) {
        int64_t mid = (a + b) >> 1;
        if (dc_compare_values(bn->set, mid, lo, 0, true) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    r.t = a < m && (!hi || dc_compare_values(bn->set, a, hi, 0, true) <= 0);
    bool all_eq = lo && hi && exact && dc_compare_values(lo, 0, hi, 0, true) == 0;
    r.f = !(all_eq && a < m && dc_compare_values(bn->set, a, lo, 0, true) == 0) || fl;
    return r;
}

static mm judge(mctx *c, int32_t id)
{
    const pnode *pn = &c->p->nodes[id];
    mm r = {true, true};
    if (pn->op == OP_NOT) {
        mm k = judge(c, pn->kids[0]);
        r.t = k.f;
        r.f = k.t;
        return r;
    }
    if (pn->op == OP_AND || pn->op == OP_OR) {
        bool is_and = pn->op == OP_AND;
        r.t = is_and;
        r.f = !is_and;
        for (int32_t k = 0; k < pn->n_kids; k++) {
            mm x = judge(c, pn->kids[k]);
            if (is_and) {
                r.t = r.t && x.t;
                r.f = r.f || x.f;
            } else {
                r.t = r.t || x.t;
                r.f = r.f && x.f;
            }
        }
        return r;
    }
    stat_slot *s = &c->slots[pn->col];
    if (!s->asked) {
        s->asked = true;
        memset(&s->st, 0, sizeof s->st);
        s->st.null_count = s->st.row_count = -1;
        s->known = c->fn && c->fn(c->user, c->p->cols[pn->col].name, &s->st);
    }
    if (!s->known)
        return r;
    const dc_col_stats *st = &s->st;
    bool counts = st->null_count >= 0 && st->row_count >= 0;
    bool all_null = counts && st->null_count >= st->row_count;
    if (pn->op == OP_IS_NULL) {
        r.t = !(st->null_count == 0 || (st->row_count == 0));
        r.f = !all_null;
        return r;
    }
    const binding *bd = c->p->bound;
    const bcol *bc = &bd->cols[pn->col];
    const bnode *bn = &bd->nodes[id];
    if (all_null || bc->cat == E_NULL) {
        r.t = r.f = false; /* every comparison is unknown */
        return r;
    }
    const dc_array *lo = usable(st->min, bc), *hi = usable(st->max, bc);
    if ((st->min && !lo && family(st->min->type) == 3) ||
        (st->max && !hi && family(st->max->type) == 3))
        lo = hi = NULL; /* a NaN bound: the writer's min/max cannot be trusted */
    bool exact = st->min_exact && st->max_exact, fl = bc->cat == E_FLOAT;
    if (pn->op == OP_IN)
        return judge_in(bn, lo, hi, exact, fl);
    r = judge_cmp(&bn->c[0], lo, hi, exact, fl);
    if (pn->op == OP_BETWEEN) {
        mm h = judge_cmp(&bn->c[1], lo, hi, exact, fl);
        r.t = r.t && h.t;
        r.f = r.f || h.f;
        if (bn->c[0].kind == B_CMP && bn->c[1].kind == B_CMP) {
            /* An empty range (low above high) matches nothing. */
            int k = dc_compare_values(bn->c[0].lit, 0, bn->c[1].lit, 0, true);
            if (k > 0 || (k == 0 && (bn->c[0].op == DC_CMP_GT || bn->c[1].op == DC_CMP_LT)))
                r.t = false;
        }
    }
    return r;
}

bool dc_pred_may_match(const dc_pred *p, dc_stats_fn stats, void *user)
{
    if (!p || !p->bound || !stats || p->n_nodes == 0)
        return true;
    mctx c = {p, stats, user, dc_calloc((size_t)(p->n_cols ? p->n_cols : 1), sizeof(stat_slot))};
    if (!c.slots)
        return true; /* out of memory: cannot prove anything */
    mm r = judge(&c, 0);
    dc_free(c.slots);
    return r.t;
}
