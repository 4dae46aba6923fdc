/*
 * merge.c: the key map and the merge-on-read reader (see merge_int.h).
 */
#include "catalog/merge_int.h"

#include <string.h>

/* ---- the key map ---------------------------------------------------------------- */

/* A key's row: chunk index in the high 24 bits, row in the low 40. */
#define REF_ROW_BITS    40
#define REF(chunk, row) (((uint64_t)(chunk) << REF_ROW_BITS) | (uint64_t)(row))

struct dc_keymap {
    int32_t nk;
    dc_array **chunks; /* nk arrays per chunk, referenced */
    int64_t n_chunks, cap_chunks;
    uint64_t *key_ref, *key_hash; /* per key id */
    int64_t n_keys, cap_keys;
    int64_t *slots; /* key id + 1, 0 = empty; open addressing, linear probing */
    uint64_t mask;
    /* a one-bit-per-slot filter over other hash bits: most absent keys stop here,
     * without touching the (larger, colder) slot table */
    uint64_t *filter;
    uint64_t filter_mask;
    bool filter_stale;
};

dc_status dc_keymap_new(dc_keymap **out, int32_t n_key_columns, dc_error *err)
{
    *out = NULL;
    if (n_key_columns < 1)
        return dc_error_set(err, DC_EINVALID, "a key needs at least one column");
    dc_keymap *m = dc_calloc(1, sizeof *m);
    if (!m)
        return dc_error_nomem(err);
    m->nk = n_key_columns;
    m->mask = 1023;
    m->slots = dc_calloc(m->mask + 1, sizeof *m->slots);
    if (!m->slots) {
        dc_free(m);
        return dc_error_nomem(err);
    }
    m->filter_stale = true;
    *out = m;
    return DC_OK;
}

void dc_keymap_free(dc_keymap *m)
{
    if (!m)
        return;
    for (int64_t i = 0; i < m->n_chunks * m->nk; i++)
        dc_array_unref(m->chunks[i]);
    dc_free(m->chunks);
    dc_free(m->key_ref);
    dc_free(m->key_hash);
    dc_free(m->slots);
    dc_free(m->filter);
    dc_free(m);
}

int64_t dc_keymap_size(const dc_keymap *m)
{
    return m->n_keys;
}

static dc_status grow_slots(dc_keymap *m, dc_error *err)
{
    uint64_t mask = m->mask * 2 + 1;
    int64_t *slots = dc_calloc(mask + 1, sizeof *slots);
    if (!slots)
        return dc_error_nomem(err);
    for (int64_t id = 0; id < m->n_keys; id++) {
        uint64_t s = m->key_hash[id] & mask;
        while (slots[s])
            s = (s + 1) & mask;
        slots[s] = id + 1;
    }
    dc_free(m->slots);
    m->slots = slots;
    m->mask = mask;
    return DC_OK;
}

/* The slot of the key at (arrays, row, hash h): its id, or -1 with *slot the free slot. */
static int64_t find(const dc_keymap *m, dc_array *const *keys, int64_t row, uint64_t h,
                    uint64_t *slot)
{
    uint64_t s = h & m->mask;
    for (;;) {
        int64_t v = m->slots[s];
        if (!v) {
            *slot = s;
            return -1;
        }
        int64_t id = v - 1;
        if (m->key_hash[id] == h) {
            uint64_t ref = m->key_ref[id];
            dc_array *const *ck = &m->chunks[(int64_t)(ref >> REF_ROW_BITS) * m->nk];
            if (dc_rows_equal(ck, (int64_t)(ref & ((UINT64_C(1) << REF_ROW_BITS) - 1)), keys, row,
                              m->nk))
                return id;
        }
        s = (s + 1) & m->mask;
    }
}

dc_status dc_keymap_add(dc_keymap *m, dc_array *const *keys, int64_t n, int64_t *ids, bool *dup,
                        dc_error *err)
{
    dc_status rc = DC_OK;
    uint64_t *h = NULL;
    if (n <= 0)
        return DC_OK;
    if (n >= ((int64_t)1 << REF_ROW_BITS) || m->n_chunks >= (1 << 23))
        return dc_error_set(err, DC_EINVALID, "too many keys for one key map");
    h = dc_malloc((size_t)n * sizeof *h);
    DC_TRY_ALLOC(h, err);
    DC_TRY(dc_hash_rows(h, keys, m->nk, n, err));
    if (m->n_chunks == m->cap_chunks) {
        int64_t cap = m->cap_chunks ? m->cap_chunks * 2 : 8;
        dc_array **nc = dc_realloc(m->chunks, (size_t)(cap * m->nk) * sizeof *nc);
        DC_TRY_ALLOC(nc, err);
        m->chunks = nc;
        m->cap_chunks = cap;
    }
    int64_t chunk = m->n_chunks++;
    for (int32_t j = 0; j < m->nk; j++)
        m->chunks[chunk * m->nk + j] = dc_array_ref(keys[j]);
    for (int64_t i = 0; i < n; i++) {
        if ((uint64_t)(m->n_keys + 1) * 2 > m->mask + 1)
            DC_TRY(grow_slots(m, err));
        uint64_t slot = 0;
        int64_t id = find(m, keys, i, h[i], &slot);
        if (id >= 0) {
            if (dup)
                *dup = true;
        } else {
            if (m->n_keys == m->cap_keys) {
                int64_t cap = m->cap_keys ? m->cap_keys * 2 : 1024;
                uint64_t *r = dc_realloc(m->key_ref, (size_t)cap * sizeof *r);
                DC_TRY_ALLOC(r, err);
                m->key_ref = r;
                uint64_t *hh = dc_realloc(m->key_hash, (size_t)cap * sizeof *hh);
                DC_TRY_ALLOC(hh, err);
                m->key_hash = hh;
                m->cap_keys = cap;
            }
            id = m->n_keys++;
            m->key_ref[id] = REF(chunk, i);
            m->key_hash[id] = h[i];
            m->slots[slot] = id + 1;
            m->filter_stale = true;
        }
        if (ids)
            ids[i] = id;
    }
cleanup:
    dc_free(h);
    return rc;
}

#define PROBE_AHEAD 16

static inline uint64_t filter_bit(uint64_t h)
{
    return (h >> 29) ^ (h << 35);
}

static dc_status build_filter(dc_keymap *m, dc_error *err)
{
    uint64_t bits = 1024;
    while (bits < (uint64_t)m->n_keys * 16)
        bits *= 2;
    dc_free(m->filter);
    m->filter = dc_calloc(bits / 64, sizeof *m->filter);
    if (!m->filter)
        return dc_error_nomem(err);
    m->filter_mask = bits - 1;
    for (int64_t id = 0; id < m->n_keys; id++) {
        uint64_t b = filter_bit(m->key_hash[id]) & m->filter_mask;
        m->filter[b / 64] |= UINT64_C(1) << (b % 64);
    }
    m->filter_stale = false;
    return DC_OK;
}

dc_status dc_keymap_probe(const dc_keymap *cm, dc_array *const *keys, int64_t n, int64_t *ids,
                          dc_error *err)
{
    dc_status rc = DC_OK;
    dc_keymap *m = (dc_keymap *)cm; /* the filter is a cache */
    uint64_t *h = NULL;
    if (n <= 0)
        return DC_OK;
    if (m->n_keys == 0) {
        for (int64_t i = 0; i < n; i++)
            ids[i] = -1;
        return DC_OK;
    }
    if (m->filter_stale)
        DC_TRY(build_filter(m, err));
    h = dc_malloc((size_t)n * sizeof *h);
    DC_TRY_ALLOC(h, err);
    DC_TRY(dc_hash_rows(h, keys, m->nk, n, err));
    /* Two passes, each prefetching PROBE_AHEAD rows ahead (the filter and the slot table
     * outgrow the caches): the filter, keeping in h only the hashes of the rows it passes
     * (ids[i] = 0 marks them), then the slots of those. */
    int64_t np = 0;
    for (int64_t i = 0; i < n; i++) {
        if (i + PROBE_AHEAD < n)
            __builtin_prefetch(&m->filter[(filter_bit(h[i + PROBE_AHEAD]) & m->filter_mask) / 64]);
        uint64_t b = filter_bit(h[i]) & m->filter_mask;
        bool pass = (m->filter[b / 64] >> (b % 64)) & 1;
        ids[i] = pass ? 0 : -1;
        h[np] = h[i];
        np += pass;
    }
    for (int64_t i = 0, k = 0; k < np; i++) {
        if (ids[i] < 0)
            continue;
        if (k + PROBE_AHEAD < np)
            __builtin_prefetch(&m->slots[h[k + PROBE_AHEAD] & m->mask]);
        uint64_t slot = 0;
        ids[i] = find(m, keys, i, h[k++], &slot);
    }
cleanup:
    dc_free(h);
    return rc;
}

/* ---- the merge -------------------------------------------------------------------- */

struct dc_merge {
    dc_schema *schema;
    int32_t nc;
    int32_t *keys, nk;
    int32_t *order, no;
    bool *keep_greatest;
    dc_array **defaults; /* nc, each NULL or referenced */
    /* the tail, as added */
    dc_batch **tb;
    bool *tcarried; /* n_tb * nc */
    bool *tdel;
    int64_t n_tb, cap_tb;
    int64_t n_rec, cap_rec;
    int32_t *rec_src;  /* the record's batch */
    int64_t *rec_next; /* the key's next record, -1 */
    dc_keymap *km;
    int64_t *key_first, *key_last; /* per key id */
    int64_t cap_key;
    /* made when reading starts */
    int64_t *key_cand;   /* first record after the key's last delete, -1: none */
    uint8_t *key_killed; /* a delete removed what came before (the base row too) */
    uint8_t *key_seen;   /* a base row had the key */
    dc_array **T;        /* per column: every tail record, then the default row */
};

void dc_merge_free(dc_merge *m)
{
    if (!m)
        return;
    dc_schema_unref(m->schema);
    dc_free(m->keys);
    dc_free(m->order);
    dc_free(m->keep_greatest);
    for (int32_t c = 0; m->defaults && c < m->nc; c++)
        dc_array_unref(m->defaults[c]);
    dc_free(m->defaults);
    for (int64_t i = 0; i < m->n_tb; i++)
        dc_batch_unref(m->tb[i]);
    dc_free(m->tb);
    dc_free(m->tcarried);
    dc_free(m->tdel);
    dc_free(m->rec_src);
    dc_free(m->rec_next);
    dc_keymap_free(m->km);
    dc_free(m->key_first);
    dc_free(m->key_last);
    dc_free(m->key_cand);
    dc_free(m->key_killed);
    dc_free(m->key_seen);
    for (int32_t c = 0; m->T && c < m->nc; c++)
        dc_array_unref(m->T[c]);
    dc_free(m->T);
    dc_free(m);
}

dc_status dc_merge_new(dc_merge **out, const dc_merge_spec *spec, dc_error *err)
{
    dc_status rc = DC_OK;
    *out = NULL;
    if (spec->n_keys < 1)
        return dc_error_set(err, DC_EINVALID, "a merge needs a merge key");
    dc_merge *m = dc_calloc(1, sizeof *m);
    DC_TRY_ALLOC(m, err);
    m->schema = dc_schema_ref(spec->schema);
    m->nc = spec->schema->n_fields;
    m->nk = spec->n_keys;
    m->no = spec->n_order;
    m->keys = dc_calloc((size_t)m->nk, sizeof *m->keys);
    m->order = dc_calloc((size_t)m->no + 1, sizeof *m->order);
    m->keep_greatest = dc_calloc((size_t)m->no + 1, sizeof *m->keep_greatest);
    m->defaults = dc_calloc((size_t)m->nc + 1, sizeof *m->defaults);
    DC_TRY_ALLOC(m->keys && m->order && m->keep_greatest && m->defaults ? m : NULL, err);
    memcpy(m->keys, spec->keys, (size_t)m->nk * sizeof *m->keys);
    if (m->no > 0) {
        memcpy(m->order, spec->order, (size_t)m->no * sizeof *m->order);
        memcpy(m->keep_greatest, spec->keep_greatest, (size_t)m->no * sizeof *m->keep_greatest);
    }
    for (int32_t c = 0; c < m->nc; c++)
        m->defaults[c] =
            spec->defaults && spec->defaults[c] ? dc_array_ref(spec->defaults[c]) : NULL;
    DC_TRY(dc_keymap_new(&m->km, m->nk, err));
    *out = m;
    m = NULL;
cleanup:
    dc_merge_free(m);
    return rc;
}

int64_t dc_merge_tail_rows(const dc_merge *m)
{
    return m->n_rec;
}

static dc_status grow(void **p, int64_t *cap, int64_t need, size_t size, dc_error *err)
{
    if (need <= *cap)
        return DC_OK;
    int64_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *np = dc_realloc(*p, (size_t)c * size);
    if (!np)
        return dc_error_nomem(err);
    *p = np;
    *cap = c;
    return DC_OK;
}

dc_status dc_merge_add(dc_merge *m, const dc_batch *b, const bool *carried, bool is_delete,
                       dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t *ids = NULL;
    dc_array *keys[64];
    if (b->length == 0)
        return DC_OK;
    if (m->nk > 64)
        return dc_error_set(err, DC_EINVALID, "at most 64 merge-key columns");
    for (int32_t j = 0; j < m->nk; j++)
        keys[j] = b->columns[m->keys[j]];
    if (m->n_tb == m->cap_tb) {
        int64_t cap = m->cap_tb ? m->cap_tb * 2 : 16;
        dc_batch **nb = dc_realloc(m->tb, (size_t)cap * sizeof *nb);
        DC_TRY_ALLOC(nb, err);
        m->tb = nb;
        bool *nc = dc_realloc(m->tcarried, (size_t)(cap * m->nc + 1) * sizeof *nc);
        DC_TRY_ALLOC(nc, err);
        m->tcarried = nc;
        bool *nd = dc_realloc(m->tdel, (size_t)cap * sizeof *nd);
        DC_TRY_ALLOC(nd, err);
        m->tdel = nd;
        m->cap_tb = cap;
    }
    ids = dc_malloc((size_t)b->length * sizeof *ids);
    DC_TRY_ALLOC(ids, err);
    DC_TRY(dc_keymap_add(m->km, keys, b->length, ids, NULL, err));
    int64_t cap_src = m->cap_rec, cap_next = m->cap_rec;
    DC_TRY(grow((void **)&m->rec_src, &cap_src, m->n_rec + b->length, sizeof *m->rec_src, err));
    DC_TRY(grow((void **)&m->rec_next, &cap_next, m->n_rec + b->length, sizeof *m->rec_next, err));
    m->cap_rec = DC_MIN(cap_src, cap_next);
    int64_t nkeys = dc_keymap_size(m->km), capf = m->cap_key, capl = m->cap_key;
    DC_TRY(grow((void **)&m->key_first, &capf, nkeys, sizeof *m->key_first, err));
    DC_TRY(grow((void **)&m->key_last, &capl, nkeys, sizeof *m->key_last, err));
    for (int64_t k = m->cap_key; k < DC_MIN(capf, capl); k++)
        m->key_first[k] = m->key_last[k] = -1;
    m->cap_key = DC_MIN(capf, capl);
    int64_t bi = m->n_tb++;
    m->tb[bi] = dc_batch_ref(b);
    for (int32_t c = 0; c < m->nc; c++)
        m->tcarried[bi * m->nc + c] = carried[c];
    for (int32_t j = 0; j < m->nk; j++)
        m->tcarried[bi * m->nc + m->keys[j]] = true;
    m->tdel[bi] = is_delete;
    for (int64_t i = 0; i < b->length; i++) {
        int64_t r = m->n_rec++, k = ids[i];
        m->rec_src[r] = (int32_t)bi;
        m->rec_next[r] = -1;
        if (m->key_last[k] < 0)
            m->key_first[k] = r;
        else
            m->rec_next[m->key_last[k]] = r;
        m->key_last[k] = r;
    }
cleanup:
    dc_free(ids);
    return rc;
}

/* Make the per-key summaries and the tail's columns. */
static dc_status seal(dc_merge *m, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array **parts = NULL;
    int64_t nkeys = dc_keymap_size(m->km);
    m->key_cand = dc_malloc((size_t)(nkeys + 1) * sizeof *m->key_cand);
    m->key_killed = dc_calloc((size_t)nkeys + 1, 1);
    m->key_seen = dc_calloc((size_t)nkeys + 1, 1);
    m->T = dc_calloc((size_t)m->nc + 1, sizeof *m->T);
    parts = dc_calloc((size_t)m->n_tb + 1, sizeof *parts);
    DC_TRY_ALLOC(m->key_cand && m->key_killed && m->key_seen && m->T && parts ? m : NULL, err);
    for (int64_t k = 0; k < nkeys; k++) {
        int64_t cand = -1;
        for (int64_t r = m->key_first[k]; r >= 0; r = m->rec_next[r]) {
            if (m->tdel[m->rec_src[r]]) {
                m->key_killed[k] = 1;
                cand = -1;
            } else if (cand < 0) {
                cand = r;
            }
        }
        m->key_cand[k] = cand;
    }
    for (int32_t c = 0; c < m->nc; c++) {
        for (int64_t i = 0; i < m->n_tb; i++)
            parts[i] = m->tb[i]->columns[c];
        if (m->defaults[c])
            parts[m->n_tb] = dc_array_ref(m->defaults[c]);
        else
            DC_TRY(dc_array_new_null(&parts[m->n_tb], m->schema->fields[c].type, 1, err));
        rc = dc_array_concat_typed(&m->T[c], m->schema->fields[c].type, parts, m->n_tb + 1, err);
        dc_array_unref(parts[m->n_tb]);
        parts[m->n_tb] = NULL;
        if (rc != DC_OK)
            goto cleanup;
    }
    /* the batches' data now lives in T (the key map keeps its key columns) */
    for (int64_t i = 0; i < m->n_tb; i++) {
        dc_batch_unref(m->tb[i]);
        m->tb[i] = NULL;
    }
cleanup:
    dc_free(parts);
    return rc;
}

/* ---- the reader ---- */

typedef struct mreader {
    dc_merge *m;
    dc_reader *base;
    dc_merge_read o;
    dc_schema *out_schema;
    bool base_done;
    dc_batch *pending; /* the merged rows of the last base batch, given next */
    int64_t next_key;  /* inserts: the next key id to look at */
    int64_t skip, left;
    int64_t *ids, cap_ids;
    int64_t *cands, cap_cands;
    int64_t *src;         /* nc: each column's source (-1 base, else a T row) */
    int64_t *idx, *patch; /* nc * cap_rows */
    int64_t cap_rows;
} mreader;

/* Is candidate `a` (r = -1: base row i of B) ranked before `b`? Null ranks lowest. */
static int cand_cmp(const dc_merge *m, const dc_batch *B, int64_t i, int64_t a, int64_t b)
{
    for (int32_t j = 0; j < m->no; j++) {
        int32_t c = m->order[j];
        const dc_array *xa = a < 0 ? B->columns[c] : m->T[c], *xb = b < 0 ? B->columns[c] : m->T[c];
        int64_t ia = a < 0 ? i : a, ib = b < 0 ? i : b;
        bool na = dc_array_is_null(xa, ia), nb = dc_array_is_null(xb, ib);
        if (na != nb)
            return na ? -1 : 1;
        if (na)
            continue;
        int v = dc_compare_values(xa, ia, xb, ib, true);
        if (v)
            return m->keep_greatest[j] ? v : -v;
    }
    return 0;
}

/* Fold key k (with base row i of B when B): false when no row remains; else mr->src. */
static dc_status fold(mreader *mr, int64_t k, const dc_batch *B, int64_t i, bool *exists,
                      dc_error *err)
{
    dc_merge *m = mr->m;
    int64_t n = 0;
    *exists = false;
    dc_status rc;
    if (B && !m->key_killed[k]) {
        if ((rc = grow((void **)&mr->cands, &mr->cap_cands, n + 1, sizeof *mr->cands, err)))
            return rc;
        mr->cands[n++] = -1;
    }
    for (int64_t r = m->key_cand[k]; r >= 0; r = m->rec_next[r]) {
        if ((rc = grow((void **)&mr->cands, &mr->cap_cands, n + 1, sizeof *mr->cands, err)))
            return rc;
        mr->cands[n++] = r;
    }
    if (n == 0)
        return DC_OK;
    if (m->no > 0) /* stable insertion sort: ties keep commit order */
        for (int64_t x = 1; x < n; x++) {
            int64_t v = mr->cands[x], y = x;
            while (y > 0 && cand_cmp(m, B, i, mr->cands[y - 1], v) > 0) {
                mr->cands[y] = mr->cands[y - 1];
                y--;
            }
            mr->cands[y] = v;
        }
    for (int32_t c = 0; c < m->nc; c++)
        mr->src[c] = m->n_rec; /* the default row */
    for (int64_t x = 0; x < n; x++) {
        int64_t r = mr->cands[x];
        const bool *car = r < 0 ? NULL : &m->tcarried[(int64_t)m->rec_src[r] * m->nc];
        for (int32_t c = 0; c < m->nc; c++)
            if (!car || car[c])
                mr->src[c] = r;
    }
    *exists = true;
    return DC_OK;
}

static dc_status ensure_rows(mreader *mr, int64_t rows, dc_error *err)
{
    if (rows <= mr->cap_rows)
        return DC_OK;
    int64_t nc = mr->m->nc;
    dc_free(mr->idx);
    dc_free(mr->patch);
    mr->idx = dc_malloc((size_t)(rows * nc + 1) * sizeof *mr->idx);
    mr->patch = dc_malloc((size_t)(rows * nc + 1) * sizeof *mr->patch);
    mr->cap_rows = mr->idx && mr->patch ? rows : 0;
    return mr->cap_rows ? DC_OK : dc_error_nomem(err);
}

/* Base batch B with the tail folded in. When the tail deletes none of its rows, *out is B
 * with the folded rows patched in place (B itself when none is touched: no copy; a
 * column no folded row changes is shared). Otherwise *out holds the rows the tail does
 * not touch and *merged the folded rows that survive, given after them (a table with
 * merge keys promises no row order). When the caller's reference to B is the only one,
 * B's columns may be taken over (patched in place): the caller only unrefs B after. */
static dc_status merge_base(mreader *mr, dc_batch *B, dc_batch **out, dc_batch **merged,
                            dc_error *err)
{
    dc_status rc = DC_OK;
    dc_merge *m = mr->m;
    dc_array **cols = NULL, *from_b = NULL, *from_t = NULL, *comb = NULL;
    dc_array *keys[64];
    int64_t *kept = NULL, *bi = NULL, *ti = NULL, *pi = NULL, *np = NULL;
    int64_t L = B->length;
    *out = *merged = NULL;
    if (m->n_rec == 0 || L == 0) {
        *out = dc_batch_ref(B);
        return DC_OK;
    }
    for (int32_t j = 0; j < m->nk; j++)
        keys[j] = B->columns[m->keys[j]];
    DC_TRY(grow((void **)&mr->ids, &mr->cap_ids, L, sizeof *mr->ids, err));
    DC_TRY(dc_keymap_probe(m->km, keys, L, mr->ids, err));
    int64_t hits = 0;
    for (int64_t i = 0; i < L; i++)
        hits += mr->ids[i] >= 0;
    if (hits == 0) {
        *out = dc_batch_ref(B);
        return DC_OK;
    }
    /* fold each touched row: per column, its value from the base row (bi) or a tail
     * record (ti, at base position pi) */
    int32_t nc = m->nc;
    DC_TRY(ensure_rows(mr, hits, err));
    bi = dc_malloc((size_t)(hits * nc + 1) * sizeof *bi);
    ti = dc_malloc((size_t)(hits * nc + 1) * sizeof *ti);
    pi = dc_malloc((size_t)(hits * nc + 1) * sizeof *pi);
    np = dc_calloc((size_t)nc * 2 + 1, sizeof *np); /* per column: base picks, tail picks */
    DC_TRY_ALLOC(bi && ti && pi && np ? bi : NULL, err);
    int64_t o = 0;
    for (int64_t i = 0; i < L; i++) {
        int64_t k = mr->ids[i];
        if (k < 0)
            continue;
        m->key_seen[k] = 1;
        bool exists;
        DC_TRY(fold(mr, k, B, i, &exists, err));
        if (!exists) {
            mr->ids[i] = INT64_MIN; /* deleted */
            continue;
        }
        for (int32_t c = 0; c < nc; c++) {
            int64_t sr = mr->src[c];
            if (sr < 0) {
                bi[c * hits + np[2 * c]] = i;
                mr->idx[c * hits + o] = np[2 * c]++;
            } else {
                pi[c * hits + np[2 * c + 1]] = i;
                ti[c * hits + np[2 * c + 1]] = sr;
                mr->idx[c * hits + o] = -1 - np[2 * c + 1]++;
            }
        }
        o++;
    }
    cols = dc_calloc((size_t)nc + 1, sizeof *cols);
    DC_TRY_ALLOC(cols, err);
    if (o == hits) { /* no row deleted: the batch with the folded rows patched in place */
        /* B's columns are written into when B holds the only reference (a batch just
         * decoded): no copy */
        bool own = __atomic_load_n(&B->refs_, __ATOMIC_ACQUIRE) == 1;
        for (int32_t c = 0; c < nc; c++) {
            cols[c] = dc_array_ref(B->columns[c]);
            if (np[2 * c + 1] == 0)
                continue;
            if (own && __atomic_load_n(&cols[c]->refs_, __ATOMIC_ACQUIRE) == 2) {
                /* B's reference and ours: let B's go so that ours is the only one */
                dc_array_unref(B->columns[c]);
                B->columns[c] = NULL;
            }
            DC_TRY(dc_array_patch_owned(&cols[c], &pi[c * hits], m->T[c], &ti[c * hits],
                                        np[2 * c + 1], err));
        }
        DC_TRY(dc_batch_new(out, B->schema, cols, L, err));
        goto cleanup;
    }
    /* rows deleted: the untouched rows by one take, the folded rows after them */
    kept = dc_malloc((size_t)(L - hits + 1) * sizeof *kept);
    DC_TRY_ALLOC(kept, err);
    int64_t nk = 0;
    for (int64_t i = 0; i < L; i++)
        if (mr->ids[i] < 0 && mr->ids[i] != INT64_MIN)
            kept[nk++] = i;
    DC_TRY(dc_batch_take(out, B, kept, nk, err));
    if (o == 0)
        goto cleanup;
    for (int32_t c = 0; c < nc; c++) {
        int64_t nb = np[2 * c], nt = np[2 * c + 1];
        int64_t *ix = &mr->idx[c * hits];
        if (nb == 0) { /* every value from the tail: one take */
            for (int64_t j = 0; j < o; j++)
                ix[j] = ti[c * hits + (-1 - ix[j])];
            DC_TRY(dc_array_take(&cols[c], m->T[c], ix, o, err));
            continue;
        }
        DC_TRY(dc_array_take(&from_b, B->columns[c], &bi[c * hits], nb, err));
        DC_TRY(dc_array_take(&from_t, m->T[c], &ti[c * hits], nt, err));
        dc_array *two[2] = {from_b, from_t};
        DC_TRY(dc_array_concat_typed(&comb, m->schema->fields[c].type, two, 2, err));
        for (int64_t j = 0; j < o; j++)
            if (ix[j] < 0)
                ix[j] = nb + (-1 - ix[j]);
        DC_TRY(dc_array_take(&cols[c], comb, ix, o, err));
        dc_array_unref(from_b);
        dc_array_unref(from_t);
        dc_array_unref(comb);
        from_b = from_t = comb = NULL;
    }
    DC_TRY(dc_batch_new(merged, m->schema, cols, o, err));
cleanup:
    for (int32_t c = 0; cols && c < m->nc; c++)
        dc_array_unref(cols[c]);
    dc_free(cols);
    dc_array_unref(from_b);
    dc_array_unref(from_t);
    dc_array_unref(comb);
    dc_free(kept);
    dc_free(bi);
    dc_free(ti);
    dc_free(pi);
    dc_free(np);
    if (rc != DC_OK) {
        dc_batch_unref(*out);
        *out = NULL;
    }
    return rc;
}

/* The next batch of keys no base row had (inserts); *out NULL when none is left. */
static dc_status next_inserts(mreader *mr, dc_batch **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_merge *m = mr->m;
    dc_array **cols = NULL;
    int64_t nkeys = dc_keymap_size(m->km), R = mr->o.batch_rows, o = 0;
    int32_t nc = m->nc;
    *out = NULL;
    DC_TRY(ensure_rows(mr, R, err));
    while (o < R && mr->next_key < nkeys) {
        int64_t k = mr->next_key++;
        if (m->key_seen[k])
            continue;
        bool exists;
        DC_TRY(fold(mr, k, NULL, 0, &exists, err));
        if (!exists)
            continue;
        for (int32_t c = 0; c < nc; c++)
            mr->patch[c * R + o] = mr->src[c];
        o++;
    }
    if (o == 0)
        return DC_OK;
    cols = dc_calloc((size_t)nc + 1, sizeof *cols);
    DC_TRY_ALLOC(cols, err);
    for (int32_t c = 0; c < nc; c++)
        DC_TRY(dc_array_take(&cols[c], m->T[c], &mr->patch[c * R], o, err));
    DC_TRY(dc_batch_new(out, m->schema, cols, o, err));
cleanup:
    for (int32_t c = 0; cols && c < nc; c++)
        dc_array_unref(cols[c]);
    dc_free(cols);
    return rc;
}

dc_status dc_rows_finish(dc_batch *b, const dc_pred *pred, const dc_schema *out_schema,
                         int64_t *skip, int64_t *left, dc_batch **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_array *mask = NULL, **cols = NULL;
    dc_batch *t = NULL;
    *out = NULL;
    if (pred) {
        DC_TRY(dc_pred_eval(pred, b, &mask, err));
        DC_TRY(dc_batch_filter(&t, b, mask, err));
        dc_batch_unref(b);
        b = t;
        t = NULL;
    }
    if (b->schema != out_schema && !dc_schema_equals(out_schema, b->schema)) { /* by name */
        cols = dc_calloc((size_t)out_schema->n_fields + 1, sizeof *cols);
        DC_TRY_ALLOC(cols, err);
        for (int32_t i = 0; i < out_schema->n_fields; i++)
            cols[i] = b->columns[dc_schema_find(b->schema, out_schema->fields[i].name)];
        DC_TRY(dc_batch_new(&t, out_schema, cols, b->length, err));
        dc_batch_unref(b);
        b = t;
        t = NULL;
    }
    int64_t from = DC_MIN(*skip, b->length);
    *skip -= from;
    int64_t n = b->length - from;
    if (*left >= 0)
        n = DC_MIN(n, *left);
    if (n <= 0)
        goto cleanup;
    if (from > 0 || n < b->length) {
        DC_TRY(dc_batch_slice(out, b, from, n, err));
    } else {
        *out = b;
        b = NULL;
    }
    if (*left >= 0)
        *left -= n;
cleanup:
    dc_batch_unref(b);
    dc_array_unref(mask);
    dc_free(cols);
    return rc;
}

static dc_status mr_next(dc_reader *r, dc_batch **out, dc_error *err)
{
    dc_status rc = DC_OK;
    mreader *mr = r->impl;
    dc_batch *B = NULL, *mb = NULL;
    *out = NULL;
    for (;;) {
        if (mr->left == 0)
            return DC_OK;
        if (mr->pending) {
            mb = mr->pending;
            mr->pending = NULL;
        } else if (!mr->base_done && mr->base) {
            DC_TRY(dc_reader_next(mr->base, &B, err));
            if (!B) {
                mr->base_done = true;
                continue;
            }
            DC_TRY(merge_base(mr, B, &mb, &mr->pending, err));
            dc_batch_unref(B);
            B = NULL;
        } else {
            DC_TRY(next_inserts(mr, &mb, err));
            if (!mb)
                return DC_OK;
        }
        DC_TRY(dc_rows_finish(mb, mr->o.pred, mr->out_schema, &mr->skip, &mr->left, out, err));
        mb = NULL;
        if (*out)
            break;
    }
cleanup:
    dc_batch_unref(B);
    dc_batch_unref(mb);
    return rc;
}

static void mr_destroy(dc_reader *r)
{
    mreader *mr = r->impl;
    if (!mr)
        return;
    dc_merge_free(mr->m);
    dc_reader_free(mr->base);
    dc_batch_unref(mr->pending);
    dc_schema_unref(mr->out_schema);
    if (mr->o.hold_free)
        mr->o.hold_free(mr->o.hold);
    dc_free(mr->ids);
    dc_free(mr->cands);
    dc_free(mr->src);
    dc_free(mr->idx);
    dc_free(mr->patch);
    dc_free(mr);
}

static const dc_reader_vtable MERGE_VT = {mr_next, mr_destroy};

dc_status dc_merge_reader_open(dc_reader **out, dc_merge *m, dc_reader *base,
                               const dc_merge_read *o, dc_error *err)
{
    dc_status rc = DC_OK;
    mreader *mr = NULL;
    *out = NULL;
    DC_TRY(seal(m, err));
    mr = dc_calloc(1, sizeof *mr);
    DC_TRY_ALLOC(mr, err);
    mr->o = *o;
    mr->m = m;
    mr->base = base;
    m = NULL;
    base = NULL;
    mr->out_schema = dc_schema_ref(o->out_schema ? o->out_schema : mr->m->schema);
    if (mr->o.batch_rows <= 0)
        mr->o.batch_rows = 65536;
    mr->skip = o->offset;
    mr->left = o->limit < 0 ? -1 : o->limit;
    mr->src = dc_calloc((size_t)mr->m->nc + 1, sizeof *mr->src);
    DC_TRY_ALLOC(mr->src, err);
    DC_TRY(dc_reader_new(out, &MERGE_VT, mr, mr->out_schema, err));
    mr = NULL;
cleanup:
    if (mr) {
        mr->o.hold_free = NULL; /* the caller keeps its hold on failure */
        dc_reader tmp = {.impl = mr};
        mr_destroy(&tmp);
    }
    dc_merge_free(m);
    dc_reader_free(base);
    return rc;
}
