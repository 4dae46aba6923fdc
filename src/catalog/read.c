/*
 * read.c: reads of tables (dc_table_read) and read plans (dc_table_plan).
 *
 * A read lists the live files of the table version (partitions by key, deltas
 * by stream position, files in delta order: APPENDed rows come back in write
 * order), drops the files whose statistics exclude the filter, then streams
 * the others one at a time: Parquet files read only the projected and
 * filtered columns and skip the row groups their statistics exclude; every
 * batch is mapped onto the table's current schema (tschema.c: renamed
 * columns by field id, missing columns as past default or null, narrower
 * types widened), filtered row by row, projected, then offset and limit apply.
 */
#include "catalog/engine_int.h"
#include "catalog/merge_int.h"
#include "catalog/tschema_int.h"
#include "compute/partition_int.h"
#include "compute/predicate_int.h"
#include "formats/formats_int.h"
#include "formats/parquet/parquet_int.h"

#include <stdio.h>
#include <stdlib.h>

void dc_table_read_options_init(dc_table_read_options *o)
{
    memset(o, 0, sizeof *o);
    o->limit = -1;
}

/* ---- the files of a table version ---- */

typedef struct tfile {
    const char *path;      /* borrowed from `entry` */
    const json_t *entry;   /* the file entry (a reference held by the list) */
    const char *partition; /* borrowed from the list's keys */
    int64_t position;
    const char *type; /* the delta's type: add, append, upsert, delete */
    int64_t order;    /* where its rows stand in commit order (merged_through, else version) */
    bool base;        /* the delta holds merged rows, unique by merge key (merged_through) */
} tfile;

typedef struct tfiles {
    tfile *v;
    int64_t n;
    json_t *hold; /* the table version, kept alive while the list is */
} tfiles;

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int tfile_order_cmp(const tfile *a, const tfile *b)
{
    if (a->order != b->order)
        return a->order < b->order ? -1 : 1;
    if (a->position != b->position)
        return a->position < b->position ? -1 : 1;
    return 0;
}

/* Insertion sort by (order, position), stable; the files of one partition come nearly
 * sorted (only a compaction's delta moves). */
static void sort_by_order(tfile *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (tfile_order_cmp(&v[i - 1], &v[i]) <= 0)
            continue;
        tfile t = v[i];
        size_t j = i;
        while (j > 0 && tfile_order_cmp(&v[j - 1], &t) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
}

static void tfiles_clear(tfiles *l)
{
    dc_free(l->v);
    json_decref(l->hold);
    memset(l, 0, sizeof *l);
}

static dc_status tfiles_collect(tfiles *l, const json_t *tv, dc_error *err)
{
    dc_status rc = DC_OK;
    const char **keys = NULL;
    memset(l, 0, sizeof *l);
    l->hold = json_incref((json_t *)tv);
    const json_t *parts = json_object_get(tv, "partitions");
    size_t np = json_object_size(parts), k = 0, total = 0;
    keys = dc_calloc(np + 1, sizeof *keys);
    DC_TRY_ALLOC(keys, err);
    const char *key;
    json_t *p;
    json_object_foreach((json_t *)parts, key, p)
    {
        keys[k++] = key;
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(p, "deltas"), i, d) total +=
            json_array_size(json_object_get(d, "files"));
    }
    qsort(keys, np, sizeof *keys, key_cmp);
    l->v = dc_calloc(total + 1, sizeof *l->v);
    DC_TRY_ALLOC(l->v, err);
    for (k = 0; k < np; k++) {
        size_t i, j;
        json_t *d, *f;
        int64_t first = l->n;
        json_array_foreach(json_object_get(json_object_get(parts, keys[k]), "deltas"), i, d)
        {
            int64_t pos = json_integer_value(json_object_get(d, "position"));
            const json_t *mt = json_object_get(d, "merged_through");
            const char *type = json_string_value(json_object_get(d, "type"));
            int64_t order = json_is_integer(mt) ? json_integer_value(mt)
                                                : json_integer_value(json_object_get(d, "version"));
            json_array_foreach(json_object_get(d, "files"), j, f)
            {
                tfile *t = &l->v[l->n++];
                t->entry = f;
                t->path = json_string_value(json_object_get(f, "path"));
                t->partition = keys[k];
                t->position = pos;
                t->type = type ? type : "add";
                t->order = order;
                t->base = json_is_integer(mt);
            }
        }
        /* a compaction's delta stands where its read version was: before the deltas
         * committed while it ran (stable: files keep their order within a delta) */
        sort_by_order(&l->v[first], (size_t)(l->n - first));
    }
cleanup:
    dc_free(keys);
    if (rc != DC_OK)
        tfiles_clear(l);
    return rc;
}

/* ---- statistics for pruning ---- */

typedef struct file_stats_ctx {
    const json_t *entry;
    const dc_schema *schema;  /* the table's: the types of the bounds */
    const dc_part_spec *spec; /* the partition scheme, or NULL */
    const json_t *pvalues;    /* the file's partition values, or NULL */
    dc_array *hold[64];       /* decoded bounds, freed after the question */
    int n_hold;
} file_stats_ctx;

/* Days since 1970-01-01 of a civil date (proleptic Gregorian; Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static dc_array *one_int(const dc_type *t, int64_t v)
{
    dc_builder *b = NULL;
    dc_array *a = NULL;
    if (dc_builder_new(&b, t, NULL) == DC_OK && dc_builder_append_int(b, v) == DC_OK)
        (void)dc_builder_finish(b, &a, NULL);
    dc_builder_free(b);
    return a;
}

/*
 * Bounds of a source column implied by a partition value: identity gives the
 * value; year/month/day/hour the instants of that period; truncate(W) of an
 * integer [v, v + W - 1]. false when the transform implies none (bucket) or the
 * value does not convert.
 */
static bool part_bounds(const dc_part_field *pf, const json_t *v, const dc_type *t, dc_array **lo,
                        dc_array **hi)
{
    *lo = *hi = NULL;
    if (pf->transform == DC_TR_IDENTITY) {
        if (dc_stat_value_from_json(lo, v, t, NULL) != DC_OK)
            return false;
        *hi = dc_array_ref(*lo);
        return true;
    }
    if (!json_is_integer(v))
        return false;
    int64_t x = json_integer_value(v);
    if (pf->transform == DC_TR_TRUNCATE) {
        int64_t top;
        if (!dc_type_is_integer(t->id) || __builtin_add_overflow(x, (int64_t)pf->param - 1, &top))
            return false;
        dc_type *i64 = dc_type_new(DC_TYPE_INT64);
        dc_array *a = i64 ? one_int(i64, x) : NULL, *b = i64 ? one_int(i64, top) : NULL;
        bool ok = a && b && dc_cast(lo, a, t, true, NULL) == DC_OK &&
                  dc_cast(hi, b, t, true, NULL) == DC_OK;
        dc_array_unref(a);
        dc_array_unref(b);
        dc_type_unref(i64);
        if (!ok) { /* a bound outside the type: no bounds */
            dc_array_unref(*lo);
            dc_array_unref(*hi);
            *lo = *hi = NULL;
        }
        return ok;
    }
    /* the period [start, end) in seconds since the epoch */
    int64_t start, end;
    switch (pf->transform) {
    case DC_TR_YEAR:
        start = days_from_civil(1970 + x, 1, 1) * 86400;
        end = days_from_civil(1971 + x, 1, 1) * 86400;
        break;
    case DC_TR_MONTH: {
        int64_t y = 1970 + (x >= 0 ? x / 12 : (x - 11) / 12), m = x - (y - 1970) * 12;
        start = days_from_civil(y, m + 1, 1) * 86400;
        end = (m == 11 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 2, 1)) * 86400;
        break;
    }
    case DC_TR_DAY:
        start = x * 86400;
        end = start + 86400;
        break;
    case DC_TR_HOUR:
        start = x * 3600;
        end = start + 3600;
        break;
    default: return false;
    }
    if (t->id == DC_TYPE_DATE32) {
        *lo = one_int(t, start / 86400);
        *hi = one_int(t, end / 86400 - 1);
    } else if (t->id == DC_TYPE_TIMESTAMP) {
        int64_t per = INT64_C(1000000000) / dc_unit_nanos(t->unit), a, b;
        if (__builtin_mul_overflow(start, per, &a) || __builtin_mul_overflow(end, per, &b))
            return false;
        *lo = one_int(t, a);
        *hi = one_int(t, b - 1);
    }
    if (!*lo || !*hi) {
        dc_array_unref(*lo);
        dc_array_unref(*hi);
        *lo = *hi = NULL;
        return false;
    }
    return true;
}

/* Without statistics bounds, what the file's partition says of `column` (into out). */
static void partition_stats(file_stats_ctx *x, int32_t fi, const char *column, dc_col_stats *out)
{
    for (int32_t i = 0; x->spec && x->pvalues && i < x->spec->n; i++) {
        const dc_part_field *pf = &x->spec->fields[i];
        if (strcmp(pf->column, column) != 0)
            continue;
        const json_t *v = json_object_get(x->pvalues, pf->name);
        if (json_is_null(v)) { /* every row of the partition is null there */
            out->null_count = out->row_count;
            return;
        }
        if (!v)
            continue;
        out->null_count = 0; /* a transform maps only null to null */
        dc_array *lo, *hi;
        if (x->n_hold + 2 > (int)DC_ARRAY_LEN(x->hold) ||
            !part_bounds(pf, v, x->schema->fields[fi].type, &lo, &hi))
            continue;
        out->min = lo;
        out->max = hi;
        out->min_exact = out->max_exact = pf->transform == DC_TR_IDENTITY;
        x->hold[x->n_hold++] = lo;
        x->hold[x->n_hold++] = hi;
        return;
    }
}

static bool file_stats(void *user, const char *column, dc_col_stats *out)
{
    file_stats_ctx *x = user;
    const json_t *all = json_object_get(x->entry, "stats");
    int32_t fi = dc_schema_find(x->schema, column);
    int64_t id = fi >= 0 ? dc_tfield_id(&x->schema->fields[fi]) : -1;
    const json_t *cs = NULL;
    const char *k;
    json_t *v;
    if (id >= 0) /* by field id: the column may have been renamed since */
        json_object_foreach((json_t *)all, k, v)
        {
            if (json_integer_value(json_object_get(v, "field_id")) == id) {
                cs = v;
                break;
            }
        }
    if (!cs) {
        cs = json_object_get(all, column);
        if (cs && id >= 0 && json_object_get(cs, "field_id")) /* another column, same name */
            cs = NULL;
    }
    memset(out, 0, sizeof *out);
    out->null_count = -1;
    out->row_count = json_integer_value(json_object_get(x->entry, "record_count"));
    if (fi < 0)
        return false;
    if (!cs) {
        partition_stats(x, fi, column, out);
        return out->min || out->null_count >= 0;
    }
    const json_t *nc = json_object_get(cs, "null_count");
    if (json_is_integer(nc))
        out->null_count = json_integer_value(nc);
    const json_t *mn = json_object_get(cs, "min"), *mx = json_object_get(cs, "max");
    if (mn && mx && x->n_hold + 2 <= (int)DC_ARRAY_LEN(x->hold)) {
        dc_array *a = NULL, *b = NULL;
        const dc_type *t = x->schema->fields[fi].type;
        if (dc_stat_value_from_json(&a, mn, t, NULL) == DC_OK &&
            dc_stat_value_from_json(&b, mx, t, NULL) == DC_OK) {
            out->min = a;
            out->max = b;
            out->min_exact = out->max_exact = true;
            x->hold[x->n_hold++] = a;
            x->hold[x->n_hold++] = b;
        } else {
            dc_array_unref(a);
            dc_array_unref(b);
        }
    }
    if (!out->min)
        partition_stats(x, fi, column, out);
    return true;
}

static bool file_may_match(const dc_pred *p, const tfile *f, const dc_schema *schema,
                           const dc_part_spec *spec, const json_t *pvalues)
{
    if (!p)
        return true;
    file_stats_ctx x = {.entry = f->entry, .schema = schema, .spec = spec, .pvalues = pvalues};
    bool r = dc_pred_may_match(p, file_stats, &x);
    for (int i = 0; i < x.n_hold; i++)
        dc_array_unref(x.hold[i]);
    return r;
}

/* ---- what a read needs ---- */

typedef struct read_setup {
    char *table_id;
    int64_t table_version, catalog_version;
    dc_schema *table_schema; /* current, whole (NULL: none) */
    dc_schema *out_schema;   /* the projection */
    dc_schema *read_schema;  /* the projection and the filter's columns */
    dc_pred *pred;
    tfiles files;
    bool *keep; /* per file: not pruned */
    int64_t kept, pruned, kept_rows;
} read_setup;

static void setup_clear(read_setup *s)
{
    dc_free(s->table_id);
    dc_schema_unref(s->table_schema);
    dc_schema_unref(s->out_schema);
    dc_schema_unref(s->read_schema);
    dc_pred_free(s->pred);
    tfiles_clear(&s->files);
    dc_free(s->keep);
    memset(s, 0, sizeof *s);
}

static dc_status pick_fields(dc_schema **out, const dc_schema *from, const char *const *names,
                             int32_t n, const char *what, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_field *fs = dc_calloc((size_t)DC_MAX(n, 1), sizeof *fs);
    if (!fs)
        return dc_error_nomem(err);
    for (int32_t i = 0; i < n; i++) {
        int32_t k = dc_schema_find(from, names[i]);
        if (k < 0) {
            rc = dc_error_set(err, DC_ENOTFOUND, "no column \"%s\" in the table (%s)", names[i],
                              what);
            goto cleanup;
        }
        for (int32_t j = 0; j < i; j++)
            if (!strcmp(names[j], names[i])) {
                rc = dc_error_set(err, DC_EINVALID, "column \"%s\" is asked for twice", names[i]);
                goto cleanup;
            }
        fs[i] = from->fields[k]; /* shallow: dc_schema_new copies */
    }
    *out = dc_schema_new(fs, n, &from->metadata);
    DC_TRY_ALLOC(*out, err);
cleanup:
    dc_free(fs);
    return rc;
}

static dc_status setup_read(read_setup *rs, dc_scope *s, const char *ns, const char *name,
                            const dc_table_read_options *o, dc_error *err)
{
    dc_status rc = DC_OK;
    const char *id;
    const json_t *t;
    const char **names = NULL;
    memset(rs, 0, sizeof *rs);
    DC_TRY(dc_table_resolve(s, ns, name, &id, &t, err));
    rs->table_id = dc_strdup(id);
    DC_TRY_ALLOC(rs->table_id, err);
    if (!s->quiet)
        DC_TRY(dc_stxn_note_read(s->txn->st, id, true, err));
    rs->catalog_version = dc_txn_read_version(s->txn);
    const json_t *tv = dc_table_version_obj(t, o->table_version, &rs->table_version);
    if (!tv) {
        rc = o->table_version > 0
                 ? dc_error_set(err, DC_ENOTFOUND, "table %s has no version %lld", name,
                                (long long)o->table_version)
                 : dc_error_set(err, DC_ECORRUPT, "table %s has no table version", name);
        goto cleanup;
    }
    DC_TRY(dc_tv_schema(tv, &rs->table_schema, err));
    if (!rs->table_schema) {
        rs->table_schema = dc_schema_new(NULL, 0, NULL);
        DC_TRY_ALLOC(rs->table_schema, err);
    }
    const dc_schema *ts = rs->table_schema;
    if (o->columns)
        DC_TRY(pick_fields(&rs->out_schema, ts, o->columns, o->n_columns, "projection", err));
    else
        rs->out_schema = dc_schema_ref(ts);
    if (o->filter) {
        DC_TRY(dc_pred_parse_any(&rs->pred, o->filter, (int64_t)strlen(o->filter), err));
        DC_TRY(dc_pred_bind(rs->pred, ts, err));
        /* read the projection plus the filter's columns */
        int32_t n = rs->out_schema->n_fields, extra = dc_pred_n_columns(rs->pred);
        names = dc_calloc((size_t)(n + extra + 1), sizeof *names);
        DC_TRY_ALLOC(names, err);
        for (int32_t i = 0; i < n; i++)
            names[i] = rs->out_schema->fields[i].name;
        int32_t m = n;
        for (int32_t i = 0; i < extra; i++) {
            const char *cn = dc_pred_column(rs->pred, i);
            if (dc_schema_find(rs->out_schema, cn) < 0)
                names[m++] = cn;
        }
        DC_TRY(pick_fields(&rs->read_schema, ts, names, m, "filter", err));
    } else {
        rs->read_schema = dc_schema_ref(rs->out_schema);
    }
    DC_TRY(tfiles_collect(&rs->files, tv, err));
    if (s->skip) { /* a compaction's kept buckets: not read */
        int64_t n = 0;
        for (int64_t i = 0; i < rs->files.n; i++)
            if (!json_object_get(s->skip, rs->files.v[i].path))
                rs->files.v[n++] = rs->files.v[i];
        rs->files.n = n;
    }
    rs->keep = dc_calloc((size_t)rs->files.n + 1, sizeof *rs->keep);
    DC_TRY_ALLOC(rs->keep, err);
    /* the partition scheme: partition values bound columns files have no statistics for */
    dc_part_spec spec = {0};
    json_t *pvalues = NULL;
    const char *pkey = NULL;
    const json_t *pspec = json_object_get(tv, "partition_spec");
    if (rs->pred && pspec && dc_part_spec_from_json(&spec, pspec, NULL) != DC_OK)
        spec.n = 0;
    for (int64_t i = 0; i < rs->files.n; i++) {
        const char *key = rs->files.v[i].partition;
        if (spec.n > 0 && (!pkey || strcmp(pkey, key) != 0)) { /* files come by partition */
            json_decref(pvalues);
            pvalues = NULL;
            if (dc_part_key_decode(&pvalues, &spec, key, NULL) != DC_OK)
                pvalues = NULL;
            pkey = key;
        }
        rs->keep[i] = file_may_match(rs->pred, &rs->files.v[i], ts, spec.n ? &spec : NULL, pvalues);
        if (rs->keep[i]) {
            rs->kept++;
            rs->kept_rows +=
                json_integer_value(json_object_get(rs->files.v[i].entry, "record_count"));
        } else {
            rs->pruned++;
        }
    }
    json_decref(pvalues);
    dc_part_spec_clear(&spec);
cleanup:
    dc_free(names);
    if (rc != DC_OK)
        setup_clear(rs);
    return rc;
}

/* ---- the reader ---- */

typedef struct table_reader {
    read_setup rs;
    dc_fs *fs;
    int64_t i;          /* next file */
    dc_reader *cur;     /* the open file's reader */
    dc_pq_file *pqf;    /* borrowed from cur (Parquet): for row-group statistics */
    int64_t skip, left; /* offset still to skip, rows still to give (-1: no limit) */
    int64_t batch_rows;
    int64_t files_opened, row_groups_read;
    const char **cols; /* the projection asked of the open Parquet file */
} table_reader;

typedef struct rg_ctx {
    table_reader *tr;
    const dc_pq_file *f;
    int32_t rg;
    dc_array *hold[64];
    int n_hold;
} rg_ctx;

/* A file column's field id: ours, else Parquet's (what our writer sets); -1 when none. */
static int64_t file_field_id(const dc_field *f)
{
    int64_t id = dc_tfield_id(f);
    const char *p = dc_metadata_get(&f->metadata, DC_PARQUET_FIELD_ID);
    if (id < 0 && p) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (*p && !*end && v >= 0)
            id = v;
    }
    return id;
}

/* The file's column for a table field: same field id, else same name (tschema.c's rule). */
static int32_t file_field(const dc_schema *file, const dc_field *want)
{
    int64_t id = dc_tfield_id(want);
    if (id >= 0)
        for (int32_t i = 0; i < file->n_fields; i++)
            if (file_field_id(&file->fields[i]) == id)
                return i;
    int32_t k = dc_schema_find(file, want->name);
    return k >= 0 && (id < 0 || file_field_id(&file->fields[k]) < 0) ? k : -1;
}

static bool rg_stats(void *user, const char *column, dc_col_stats *out)
{
    rg_ctx *x = user;
    memset(out, 0, sizeof *out);
    out->null_count = -1;
    out->row_count = dc_pq_file_meta(x->f)->row_groups[x->rg].num_rows;
    const dc_schema *ts = x->tr->rs.table_schema;
    int32_t ti = dc_schema_find(ts, column);
    if (ti < 0)
        return false;
    int32_t fi = file_field(dc_pq_file_schema(x->f), &ts->fields[ti]);
    if (fi < 0) { /* the file lacks the column: every row shows its past default or null */
        return false;
    }
    const char *fname = dc_pq_file_schema(x->f)->fields[fi].name;
    for (int32_t leaf = 0; leaf < dc_pq_file_n_leaves(x->f); leaf++) {
        if (strcmp(dc_pq_file_leaf(x->f, leaf)->path, fname) != 0)
            continue;
        dc_pq_stats st;
        if (dc_pq_file_column_stats(x->f, x->rg, leaf, &st, NULL) != DC_OK)
            return false;
        if (st.has_null_count)
            out->null_count = st.null_count;
        if (st.min && st.max && x->n_hold + 2 <= (int)DC_ARRAY_LEN(x->hold)) {
            dc_array *a = NULL, *b = NULL;
            const dc_type *t = ts->fields[ti].type;
            if (dc_cast(&a, st.min, t, true, NULL) == DC_OK &&
                dc_cast(&b, st.max, t, true, NULL) == DC_OK) {
                out->min = a;
                out->max = b;
                out->min_exact = st.min_exact;
                out->max_exact = st.max_exact;
                x->hold[x->n_hold++] = a;
                x->hold[x->n_hold++] = b;
            } else {
                dc_array_unref(a);
                dc_array_unref(b);
            }
        }
        dc_pq_stats_clear(&st);
        return true;
    }
    return false;
}

static bool rg_filter(const dc_pq_file *f, int32_t rg, void *user)
{
    table_reader *tr = user;
    rg_ctx x = {.tr = tr, .f = f, .rg = rg};
    bool keep = dc_pred_may_match(tr->rs.pred, rg_stats, &x);
    for (int i = 0; i < x.n_hold; i++)
        dc_array_unref(x.hold[i]);
    tr->row_groups_read += keep;
    return keep;
}

/* ---- pages: the rows of a row group a filter may match, from the page index ---- */

typedef struct col_pages {
    int32_t ti;           /* the table column */
    dc_pq_page_stats *ps; /* its pages in the file, or NULL */
    int64_t np;
} col_pages;

typedef struct seg_ctx {
    table_reader *tr;
    col_pages *cp;
    int32_t n;
    int64_t row; /* the segment's first row */
    dc_array *hold[64];
    int n_hold;
} seg_ctx;

static bool seg_stats(void *user, const char *column, dc_col_stats *out)
{
    seg_ctx *x = user;
    memset(out, 0, sizeof *out);
    out->null_count = out->row_count = -1;
    const dc_schema *ts = x->tr->rs.table_schema;
    int32_t ti = dc_schema_find(ts, column);
    for (int32_t i = 0; i < x->n; i++) {
        if (x->cp[i].ti != ti || !x->cp[i].ps)
            continue;
        int64_t lo = 0, hi = x->cp[i].np - 1; /* the page holding the segment's first row */
        while (lo < hi) {
            int64_t mid = (lo + hi + 1) / 2;
            if (x->cp[i].ps[mid].first_row <= x->row)
                lo = mid;
            else
                hi = mid - 1;
        }
        const dc_pq_page_stats *p = &x->cp[i].ps[lo];
        out->row_count = p->end_row - p->first_row;
        out->null_count = p->st.has_null_count ? p->st.null_count : -1;
        if (p->st.min && p->st.max && x->n_hold + 2 <= (int)DC_ARRAY_LEN(x->hold)) {
            dc_array *a = NULL, *b = NULL;
            const dc_type *t = ts->fields[ti].type;
            if (dc_cast(&a, p->st.min, t, true, NULL) == DC_OK &&
                dc_cast(&b, p->st.max, t, true, NULL) == DC_OK) {
                out->min = a;
                out->max = b;
                out->min_exact = p->st.min_exact;
                out->max_exact = p->st.max_exact;
                x->hold[x->n_hold++] = a;
                x->hold[x->n_hold++] = b;
            } else {
                dc_array_unref(a);
                dc_array_unref(b);
            }
        }
        return true;
    }
    return false;
}

static int i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * The rows of row group `rg` whose pages may match the filter: the page
 * boundaries of the filter's columns cut the row group into segments, each
 * judged by the statistics of the pages that hold it. false (read every row)
 * when a filter column has no page index.
 */
static bool page_select(const dc_pq_file *f, int32_t rg, dc_pq_row_range **out, int64_t *n,
                        void *user)
{
    table_reader *tr = user;
    const dc_pred *p = tr->rs.pred;
    int32_t nc = dc_pred_n_columns(p);
    bool ok = false;
    col_pages *cp = dc_calloc((size_t)nc + 1, sizeof *cp);
    int64_t *cuts = NULL, ncuts = 0, rows = dc_pq_file_meta(f)->row_groups[rg].num_rows;
    dc_pq_row_range *r = NULL;
    int64_t nr = 0;
    if (!cp)
        return false;
    const dc_schema *ts = tr->rs.table_schema, *fsch = dc_pq_file_schema(f);
    int64_t total = 0;
    for (int32_t i = 0; i < nc; i++) {
        cp[i].ti = dc_schema_find(ts, dc_pred_column(p, i));
        if (cp[i].ti < 0)
            goto cleanup; /* a nested path: no page pruning */
        int32_t fi = file_field(fsch, &ts->fields[cp[i].ti]);
        if (fi < 0)
            continue; /* the file lacks it: its default or null, judged without pages */
        int32_t leaf = -1;
        for (int32_t l = 0; l < dc_pq_file_n_leaves(f); l++)
            if (!strcmp(dc_pq_file_leaf(f, l)->path, fsch->fields[fi].name))
                leaf = l;
        if (leaf < 0 || dc_pq_file_page_stats(f, rg, leaf, &cp[i].ps, &cp[i].np, NULL) != DC_OK)
            goto cleanup;
        total += cp[i].np;
    }
    cuts = dc_malloc((size_t)(total + 2) * sizeof *cuts);
    r = dc_malloc((size_t)(total + 2) * sizeof *r);
    if (!cuts || !r)
        goto cleanup;
    cuts[ncuts++] = 0;
    for (int32_t i = 0; i < nc; i++)
        for (int64_t k = 0; k < cp[i].np; k++)
            cuts[ncuts++] = cp[i].ps[k].first_row;
    qsort(cuts, (size_t)ncuts, sizeof *cuts, i64_cmp);
    cuts[ncuts++] = rows;
    for (int64_t k = 0; k + 1 < ncuts; k++) {
        if (cuts[k] == cuts[k + 1])
            continue;
        seg_ctx x = {.tr = tr, .cp = cp, .n = nc, .row = cuts[k]};
        bool keep = dc_pred_may_match(p, seg_stats, &x);
        for (int h = 0; h < x.n_hold; h++)
            dc_array_unref(x.hold[h]);
        if (!keep)
            continue;
        if (nr > 0 && r[nr - 1].end == cuts[k])
            r[nr - 1].end = cuts[k + 1];
        else
            r[nr++] = (dc_pq_row_range){cuts[k], cuts[k + 1]};
    }
    *out = r;
    *n = nr;
    r = NULL;
    ok = true;
cleanup:
    for (int32_t i = 0; i < nc; i++)
        dc_pq_page_stats_free(cp[i].ps, cp[i].np);
    dc_free(cp);
    dc_free(cuts);
    dc_free(r);
    return ok;
}

static dc_status open_file(table_reader *tr, const tfile *tf, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_input *in = NULL;
    dc_pq_file *f = NULL;
    const char *ct = json_string_value(json_object_get(tf->entry, "content_type"));
    dc_file_format fmt = ct ? dc_format_from_name(ct) : dc_format_from_path(tf->path);
    DC_TRY(dc_fs_open_input(tr->fs, tf->path, &in, err));
    tr->files_opened++;
    if (fmt == DC_FORMAT_PARQUET) {
        DC_TRY(dc_pq_file_open(&f, in, err));
        in = NULL;
        const dc_schema *fsch = dc_pq_file_schema(f);
        const dc_schema *want = tr->rs.read_schema;
        int32_t n = 0;
        dc_free(tr->cols);
        tr->cols = dc_calloc((size_t)want->n_fields + 1, sizeof *tr->cols);
        DC_TRY_ALLOC(tr->cols, err);
        for (int32_t i = 0; i < want->n_fields; i++) {
            int32_t k = file_field(fsch, &want->fields[i]);
            if (k >= 0)
                tr->cols[n++] = fsch->fields[k].name;
        }
        dc_pq_read_options po = {.batch_rows = tr->batch_rows,
                                 .columns = tr->cols,
                                 .n_columns = n,
                                 .filter = tr->rs.pred ? rg_filter : NULL,
                                 .filter_user = tr,
                                 .select = tr->rs.pred ? page_select : NULL,
                                 .select_user = tr};
        if (!tr->rs.pred)
            tr->row_groups_read += dc_pq_file_meta(f)->n_row_groups;
        rc = dc_pq_reader_open(&tr->cur, f, &po, err);
        f = NULL; /* taken over, also on failure */
    } else if (fmt == DC_FORMAT_CSV || fmt == DC_FORMAT_TSV || fmt == DC_FORMAT_PSV ||
               fmt == DC_FORMAT_JSONL) {
        dc_read_options ro;
        dc_read_options_init(&ro, fmt);
        if (tr->batch_rows > 0)
            ro.batch_rows = tr->batch_rows;
        rc = fmt == DC_FORMAT_JSONL ? dc_jsonl_reader_open(&tr->cur, in, &ro, err)
                                    : dc_csv_reader_open(&tr->cur, in, &ro, err);
        in = NULL;
    } else {
        rc = dc_error_set(err, DC_EUNSUPPORTED, "table file %s: content type %s cannot be read",
                          tf->path, ct ? ct : "unknown");
    }
cleanup:
    dc_pq_file_free(f);
    dc_input_close(in);
    return rc;
}

static dc_status tr_next(dc_reader *r, dc_batch **out, dc_error *err)
{
    dc_status rc = DC_OK;
    table_reader *tr = r->impl;
    dc_batch *fb = NULL, *cb = NULL;
    *out = NULL;
    for (;;) {
        if (tr->left == 0)
            return DC_OK;
        if (!tr->cur) {
            while (tr->i < tr->rs.files.n && !tr->rs.keep[tr->i])
                tr->i++;
            if (tr->i == tr->rs.files.n)
                return DC_OK;
            DC_TRY(open_file(tr, &tr->rs.files.v[tr->i++], err));
        }
        DC_TRY(dc_reader_next(tr->cur, &fb, err));
        if (!fb) {
            dc_reader_free(tr->cur);
            tr->cur = NULL;
            continue;
        }
        DC_TRY(dc_tschema_conform_read(&cb, fb, tr->rs.read_schema, err));
        dc_batch_unref(fb);
        fb = NULL;
        DC_TRY(dc_rows_finish(cb, tr->rs.pred, tr->rs.out_schema, &tr->skip, &tr->left, out, err));
        cb = NULL;
        if (*out)
            break;
    }
cleanup:
    dc_batch_unref(fb);
    dc_batch_unref(cb);
    return rc;
}

static void tr_destroy(dc_reader *r)
{
    table_reader *tr = r->impl;
    if (!tr)
        return;
    dc_reader_free(tr->cur);
    dc_free(tr->cols);
    setup_clear(&tr->rs);
    dc_fs_unref(tr->fs);
    dc_free(tr);
}

static const dc_reader_vtable TABLE_VT = {tr_next, tr_destroy};

bool dc_table_reader_stats(const dc_reader *r, int64_t *files_opened, int64_t *row_groups_read)
{
    if (!r || r->vt != &TABLE_VT)
        return false;
    const table_reader *tr = r->impl;
    *files_opened = tr->files_opened;
    *row_groups_read = tr->row_groups_read;
    return true;
}

/* ---- schemaless tables: the manifest, and its files as rows ---- */

/* The manifest of a table version as one batch (path, content_type, ...). */
static dc_status manifest_batch(const tfiles *l, dc_batch **out, dc_error *err)
{
    dc_status rc = DC_OK;
    static const char *const names[] = {"path",         "content_type", "file_size",
                                        "record_count", "partition",    "stream_position"};
    static const dc_type_id ids[] = {DC_TYPE_UTF8,  DC_TYPE_UTF8, DC_TYPE_INT64,
                                     DC_TYPE_INT64, DC_TYPE_UTF8, DC_TYPE_INT64};
    dc_field f[6];
    dc_builder *b[6] = {0};
    dc_array *cols[6] = {0};
    dc_schema *sc = NULL;
    memset(f, 0, sizeof f);
    for (int i = 0; i < 6; i++) {
        dc_type *t = dc_type_new(ids[i]);
        DC_TRY_ALLOC(t, err);
        rc = dc_field_init(&f[i], names[i], t, false, NULL);
        if (rc == DC_OK)
            rc = dc_builder_new(&b[i], t, err);
        dc_type_unref(t);
        if (rc != DC_OK)
            goto cleanup;
    }
    for (int64_t k = 0; k < l->n; k++) {
        const tfile *tf = &l->v[k];
        const char *ct = json_string_value(json_object_get(tf->entry, "content_type"));
        ct = ct ? ct : "";
        if (dc_builder_append_bytes(b[0], tf->path, (int64_t)strlen(tf->path)) != DC_OK ||
            dc_builder_append_bytes(b[1], ct, (int64_t)strlen(ct)) != DC_OK ||
            dc_builder_append_int(
                b[2], json_integer_value(json_object_get(tf->entry, "file_size"))) != DC_OK ||
            dc_builder_append_int(
                b[3], json_integer_value(json_object_get(tf->entry, "record_count"))) != DC_OK ||
            dc_builder_append_bytes(b[4], tf->partition, (int64_t)strlen(tf->partition)) != DC_OK ||
            dc_builder_append_int(b[5], tf->position) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    }
    for (int i = 0; i < 6; i++)
        DC_TRY(dc_builder_finish(b[i], &cols[i], err));
    sc = dc_schema_new(f, 6, NULL);
    DC_TRY_ALLOC(sc, err);
    DC_TRY(dc_batch_new(out, sc, cols, l->n, err));
cleanup:
    for (int i = 0; i < 6; i++) {
        dc_builder_free(b[i]);
        dc_array_unref(cols[i]);
        dc_field_clear(&f[i]);
    }
    dc_schema_unref(sc);
    return rc;
}

static dc_status manifest_read(dc_scope *s, const char *name, const json_t *tv,
                               const dc_table_read_options *o, dc_reader **out, dc_error *err)
{
    dc_status rc = DC_OK;
    tfiles l = {0};
    dc_batch *b = NULL, *t = NULL;
    dc_pred *p = NULL;
    dc_schema *proj = NULL;
    (void)s;
    (void)name;
    DC_TRY(tfiles_collect(&l, tv, err));
    DC_TRY(manifest_batch(&l, &b, err));
    if (o->filter) {
        DC_TRY(dc_pred_parse_any(&p, o->filter, (int64_t)strlen(o->filter), err));
        DC_TRY(dc_pred_bind(p, b->schema, err));
    }
    if (o->columns)
        DC_TRY(pick_fields(&proj, b->schema, o->columns, o->n_columns, "manifest", err));
    else
        proj = dc_schema_ref(b->schema);
    int64_t skip = o->offset, left = o->limit < 0 ? -1 : o->limit;
    rc = dc_rows_finish(b, p, proj, &skip, &left, &t, err);
    b = NULL;
    if (rc != DC_OK)
        goto cleanup;
    DC_TRY(dc_reader_from_batches(out, proj, &t, t ? 1 : 0, err));
cleanup:
    tfiles_clear(&l);
    dc_batch_unref(b);
    dc_batch_unref(t);
    dc_pred_free(p);
    dc_schema_unref(proj);
    return rc;
}

/* The tabular files of a list, for dc_reader_concat. */
typedef struct mat_src {
    dc_fs *fs;
    tfiles l;
} mat_src;

static void mat_src_free(void *p)
{
    mat_src *m = p;
    if (!m)
        return;
    tfiles_clear(&m->l);
    dc_fs_unref(m->fs);
    dc_free(m);
}

static dc_status open_tabular(dc_fs *fs, const tfile *tf, dc_reader **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_input *in = NULL;
    const char *ct = json_string_value(json_object_get(tf->entry, "content_type"));
    dc_file_format fmt = ct ? dc_format_from_name(ct) : DC_FORMAT_UNKNOWN;
    if (fmt == DC_FORMAT_UNKNOWN)
        fmt = dc_format_from_path(tf->path);
    if (fmt == DC_FORMAT_UNKNOWN)
        return dc_error_set(err, DC_EUNSUPPORTED,
                            "file %s (content type %s) holds no rows to materialize", tf->path,
                            ct ? ct : "unknown");
    DC_TRY(dc_fs_open_input(fs, tf->path, &in, err));
    if (fmt == DC_FORMAT_PARQUET) {
        rc = dc_pq_reader_open_input(out, in, NULL, err);
    } else {
        dc_read_options ro;
        dc_read_options_init(&ro, fmt);
        rc = fmt == DC_FORMAT_JSONL ? dc_jsonl_reader_open(out, in, &ro, err)
                                    : dc_csv_reader_open(out, in, &ro, err);
    }
    in = NULL;
cleanup:
    dc_input_close(in);
    return rc;
}

static dc_status mat_open(void *user, int64_t i, dc_reader **out, dc_error *err)
{
    mat_src *m = user;
    return open_tabular(m->fs, &m->l.v[i], out, err);
}

dc_status dc_table_materialize(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                               dc_reader **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_scope s = {0};
    mat_src *m = NULL;
    dc_schema *schema = NULL;
    dc_reader *r = NULL;
    const json_t *t;
    *out = NULL;
    DC_TRY(dc_scope_begin(&s, c, txn, err));
    DC_TRY(dc_table_resolve(&s, ns, name, NULL, &t, err));
    const json_t *tv = dc_table_current(t, NULL);
    if (!tv || !dc_tv_schemaless(tv)) {
        dc_scope_drop(&s);
        return dc_table_read(c, txn, ns, name, NULL, out, err);
    }
    m = dc_calloc(1, sizeof *m);
    DC_TRY_ALLOC(m, err);
    m->fs = dc_fs_ref(dc_store_fs(c->store));
    DC_TRY(tfiles_collect(&m->l, tv, err));
    for (int64_t i = 0; i < m->l.n; i++) { /* the schemas first: one stream, one schema */
        DC_TRY(open_tabular(m->fs, &m->l.v[i], &r, err));
        if (!schema) {
            schema = dc_schema_ref(dc_reader_schema(r));
        } else {
            dc_schema *u = NULL;
            DC_TRY(dc_schema_unify(&u, schema, dc_reader_schema(r), err));
            dc_schema_unref(schema);
            schema = u;
        }
        dc_reader_free(r);
        r = NULL;
    }
    if (!schema) {
        schema = dc_schema_new(NULL, 0, NULL);
        DC_TRY_ALLOC(schema, err);
    }
    rc = dc_reader_concat(out, schema, m->l.n, mat_open, m, mat_src_free, err);
    m = NULL; /* the reader's, also on failure */
cleanup:
    mat_src_free(m);
    dc_reader_free(r);
    dc_schema_unref(schema);
    if (s.txn)
        dc_scope_drop(&s);
    return rc;
}

/* ---- tables with merge keys: merge on read ---- */

static bool schema_has_merge_keys(const dc_schema *s)
{
    for (int32_t i = 0; s && i < s->n_fields; i++)
        if (dc_tfield_is_merge_key(&s->fields[i]))
            return true;
    return false;
}

/* What a merged read of `ts` needs besides `want`: the merge keys and the ordering
 * columns (merge_order, else the event time). */
typedef struct merge_cols {
    const char **names; /* the merge schema's columns, in table order */
    int32_t n;
    bool ordered; /* the table has ordering columns */
} merge_cols;

static bool is_order_field(const dc_field *f, bool by_merge_order)
{
    return by_merge_order ? dc_metadata_get(&f->metadata, DC_TFIELD_MERGE_ORDER) != NULL
                          : dc_tfield_is_event_time(f);
}

static dc_status merge_columns(merge_cols *mc, const dc_schema *ts, const dc_schema *want,
                               dc_error *err)
{
    bool by_mo = false;
    for (int32_t i = 0; i < ts->n_fields; i++)
        by_mo |= is_order_field(&ts->fields[i], true);
    memset(mc, 0, sizeof *mc);
    mc->names = dc_calloc((size_t)ts->n_fields + 1, sizeof *mc->names);
    if (!mc->names)
        return dc_error_nomem(err);
    for (int32_t i = 0; i < ts->n_fields; i++) {
        const dc_field *f = &ts->fields[i];
        bool ord = is_order_field(f, by_mo);
        mc->ordered |= ord;
        if (ord || dc_tfield_is_merge_key(f) || dc_schema_find(want, f->name) >= 0)
            mc->names[mc->n++] = f->name;
    }
    return DC_OK;
}

/* The merge's schema: `from` with every field nullable (a partial update or a
 * delete file lacks columns; the fold fills them). */
static dc_status relaxed(dc_schema **out, const dc_schema *from, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_field *fs = dc_calloc((size_t)from->n_fields + 1, sizeof *fs);
    if (!fs)
        return dc_error_nomem(err);
    for (int32_t i = 0; i < from->n_fields; i++) {
        fs[i] = from->fields[i]; /* shallow: dc_schema_new copies */
        fs[i].nullable = true;
    }
    *out = dc_schema_new(fs, from->n_fields, &from->metadata);
    if (!*out)
        rc = dc_error_nomem(err);
    dc_free(fs);
    return rc;
}

static int tail_cmp(const void *a, const void *b)
{
    const tfile *x = *(const tfile *const *)a, *y = *(const tfile *const *)b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    int c = strcmp(x->partition, y->partition);
    if (c)
        return c;
    if (x->position != y->position)
        return x->position < y->position ? -1 : 1;
    return x < y ? -1 : x > y;
}

static void setup_free(void *p)
{
    setup_clear(p);
    dc_free(p);
}

/* Load the tail files (in commit order) into the merge. */
static dc_status load_tail(dc_merge *m, dc_fs *fs, read_setup *trs, const tfile *const *tail,
                           int64_t n_tail, const dc_schema *M, dc_error *err)
{
    dc_status rc = DC_OK;
    table_reader tr;
    dc_batch *fb = NULL, *cb = NULL;
    bool *carried = dc_calloc((size_t)M->n_fields + 1, sizeof *carried);
    memset(&tr, 0, sizeof tr);
    DC_TRY_ALLOC(carried, err);
    tr.rs = *trs; /* borrowed: not cleared here */
    tr.fs = fs;
    tr.batch_rows = 65536;
    tr.left = -1;
    for (int64_t t = 0; t < n_tail; t++) {
        const tfile *tf = tail[t];
        bool del = !strcmp(tf->type, "delete");
        DC_TRY(open_file(&tr, tf, err));
        const dc_schema *fsch = dc_reader_schema(tr.cur);
        for (int32_t c = 0; c < M->n_fields; c++)
            carried[c] = !del && file_field(fsch, &M->fields[c]) >= 0;
        for (;;) {
            DC_TRY(dc_reader_next(tr.cur, &fb, err));
            if (!fb)
                break;
            DC_TRY(dc_tschema_conform_read(&cb, fb, M, err));
            dc_batch_unref(fb);
            fb = NULL;
            DC_TRY(dc_merge_add(m, cb, carried, del, err));
            dc_batch_unref(cb);
            cb = NULL;
        }
        dc_reader_free(tr.cur);
        tr.cur = NULL;
    }
cleanup:
    dc_batch_unref(fb);
    dc_batch_unref(cb);
    dc_reader_free(tr.cur);
    dc_free(tr.cols);
    dc_free(carried);
    return rc;
}

/* The tail of a table with merge keys: every file not of a base delta, and base files out
 * of place (after a tail delta), in commit order; the others stay marked base. */
static dc_status split_tail(tfiles *files, const tfile ***tail, int64_t *n_tail, bool *partial,
                            dc_error *err)
{
    int64_t nf = files->n, min_tail = INT64_MAX;
    *n_tail = 0;
    *partial = false;
    for (int64_t i = 0; i < nf; i++)
        if (!files->v[i].base)
            min_tail = DC_MIN(min_tail, files->v[i].order);
    *tail = dc_calloc((size_t)nf + 1, sizeof **tail);
    if (!*tail)
        return dc_error_nomem(err);
    for (int64_t i = 0; i < nf; i++) {
        tfile *tf = &files->v[i];
        if (tf->base && tf->order > min_tail)
            tf->base = false;
        if (!tf->base) {
            (*tail)[(*n_tail)++] = tf;
            *partial |= json_is_true(json_object_get(tf->entry, "partial"));
        }
    }
    qsort(*tail, (size_t)*n_tail, sizeof **tail, tail_cmp);
    return DC_OK;
}

/*
 * The read of a table with merge keys (merge_int.h): the base files stream through
 * the merge, read ahead on a thread of their own while the tail loads. The filter prunes base files
 * by statistics and filters their rows early only when that cannot change a merged row: no partial
 * update and no ordering column in play; the merged rows are filtered again.
 */
static dc_status open_merged(dc_scope *s, dc_catalog *c, const char *ns, const char *name,
                             const dc_table_read_options *opts, dc_reader **out, dc_error *err)
{
    dc_status rc = DC_OK;
    read_setup *outrs = NULL;
    table_reader *base = NULL;
    read_setup tails;
    merge_cols mc = {0};
    dc_schema *M = NULL;
    dc_merge *m = NULL;
    dc_reader *base_reader = NULL;
    const tfile **tail = NULL;
    int32_t *keys = NULL, *order = NULL;
    bool *kg = NULL;
    dc_array **defaults = NULL;
    memset(&tails, 0, sizeof tails);
    outrs = dc_calloc(1, sizeof *outrs);
    DC_TRY_ALLOC(outrs, err);
    DC_TRY(setup_read(outrs, s, ns, name, opts, err));
    const dc_schema *ts = outrs->table_schema;
    DC_TRY(merge_columns(&mc, ts, outrs->read_schema, err));
    dc_table_read_options mo;
    dc_table_read_options_init(&mo);
    mo.columns = mc.names;
    mo.n_columns = mc.n;
    mo.table_version = opts->table_version;
    DC_TRY(setup_read(&tails, s, ns, name, &mo, err));
    DC_TRY(relaxed(&M, tails.read_schema, err));
    int64_t nf = tails.files.n, n_tail = 0;
    bool partial = false;
    DC_TRY(split_tail(&tails.files, &tail, &n_tail, &partial, err));
    /* the merge */
    int32_t nk = 0, no = 0;
    keys = dc_calloc((size_t)M->n_fields + 1, sizeof *keys);
    order = dc_calloc((size_t)M->n_fields + 1, sizeof *order);
    kg = dc_calloc((size_t)M->n_fields + 1, sizeof *kg);
    defaults = dc_calloc((size_t)M->n_fields + 1, sizeof *defaults);
    DC_TRY_ALLOC(keys && order && kg && defaults ? keys : NULL, err);
    bool by_mo = false;
    for (int32_t i = 0; i < M->n_fields; i++)
        by_mo |= is_order_field(&M->fields[i], true);
    for (int32_t i = 0; i < M->n_fields; i++) {
        const dc_field *f = &M->fields[i];
        if (dc_tfield_is_merge_key(f))
            keys[nk++] = i;
        if (is_order_field(f, by_mo)) {
            const char *mo_text = dc_metadata_get(&f->metadata, DC_TFIELD_MERGE_ORDER);
            kg[no] = by_mo ? (mo_text && !strcmp(mo_text, "descending")) : true;
            order[no++] = i;
        }
        const char *fd = dc_tfield_future_default(f);
        if (fd)
            DC_TRY(dc_tfield_default_value(f, fd, &defaults[i], err));
    }
    dc_merge_spec spec = {.schema = M,
                          .keys = keys,
                          .n_keys = nk,
                          .order = order,
                          .keep_greatest = kg,
                          .n_order = no,
                          .defaults = defaults};
    DC_TRY(dc_merge_new(&m, &spec, err));
    /* the base */
    bool safe = !partial && !mc.ordered;
    bool any_base = false;
    for (int64_t i = 0; i < nf; i++)
        any_base |= tails.files.v[i].base;
    if (any_base) {
        base = dc_calloc(1, sizeof *base);
        DC_TRY_ALLOC(base, err);
        dc_table_read_options bo = mo;
        bo.filter = safe && n_tail > 0 ? opts->filter : NULL;
        if (n_tail == 0) /* nothing to merge: a plain read of the base */
            bo = *opts;
        DC_TRY(setup_read(&base->rs, s, ns, name, &bo, err));
        for (int64_t i = 0; i < base->rs.files.n; i++) /* same listing, same order */
            if (base->rs.keep[i] && !tails.files.v[i].base) {
                base->rs.keep[i] = false;
                base->rs.kept--;
            }
        base->fs = dc_fs_ref(dc_store_fs(c->store));
        base->left = -1;
        base->batch_rows = opts->batch_rows > 0 ? opts->batch_rows : 65536;
        if (n_tail == 0) {
            base->skip = opts->offset;
            base->left = opts->limit < 0 ? -1 : opts->limit;
            rc = dc_reader_new(out, &TABLE_VT, base, base->rs.out_schema, err);
            if (rc == DC_OK)
                base = NULL;
            goto cleanup;
        }
        rc = dc_reader_new(&base_reader, &TABLE_VT, base, base->rs.read_schema, err);
        if (rc != DC_OK)
            goto cleanup;
        base = NULL;
        /* the base streams on a thread of its own while the tail loads and then while
         * the merge folds it */
        dc_reader *ahead = NULL;
        rc = dc_reader_prefetch(&ahead, base_reader, 4, err);
        base_reader = ahead;
        if (rc != DC_OK)
            goto cleanup;
    }
    DC_TRY(load_tail(m, dc_store_fs(c->store), &tails, tail, n_tail, M, err));
    dc_merge_read ro = {.pred = outrs->pred,
                        .out_schema = outrs->out_schema,
                        .offset = opts->offset,
                        .limit = opts->limit,
                        .batch_rows = opts->batch_rows,
                        .hold = outrs,
                        .hold_free = setup_free};
    rc = dc_merge_reader_open(out, m, base_reader, &ro, err);
    m = NULL;
    base_reader = NULL;
    if (rc == DC_OK)
        outrs = NULL;
cleanup:
    if (base) {
        dc_reader tmp = {.impl = base};
        tr_destroy(&tmp);
    }
    dc_reader_free(base_reader);
    dc_merge_free(m);
    for (int32_t i = 0; defaults && M && i < M->n_fields; i++)
        dc_array_unref(defaults[i]);
    dc_free(defaults);
    dc_free(keys);
    dc_free(order);
    dc_free(kg);
    dc_free(tail);
    dc_schema_unref(M);
    dc_free(mc.names);
    setup_clear(&tails);
    if (outrs)
        setup_free(outrs);
    return rc;
}

/* A base file's merge-key bucket (key_bucket, key_buckets: FORMAT.md 4.3); false when it
 * has none. */
static bool file_bucket(const json_t *entry, int32_t *bucket, int32_t *buckets)
{
    const json_t *b = json_object_get(entry, "key_bucket"),
                 *n = json_object_get(entry, "key_buckets");
    if (!json_is_integer(b) || !json_is_integer(n) || json_integer_value(n) < 1 ||
        json_integer_value(n) > INT32_MAX || json_integer_value(b) < 0 ||
        json_integer_value(b) >= json_integer_value(n))
        return false;
    *bucket = (int32_t)json_integer_value(b);
    *buckets = (int32_t)json_integer_value(n);
    return true;
}

dc_status dc_table_untouched_buckets(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                     int64_t vn, int32_t *buckets, json_t **keep, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_scope s = {0};
    read_setup rs;
    table_reader tr;
    const tfile **tail = NULL;
    dc_schema *K = NULL, *RK = NULL;
    dc_batch *fb = NULL, *cb = NULL;
    bool *touched = NULL;
    int32_t *bk = NULL;
    int32_t n = 0;
    memset(&rs, 0, sizeof rs);
    memset(&tr, 0, sizeof tr);
    *buckets = 0;
    *keep = NULL;
    DC_TRY(dc_scope_begin(&s, c, txn, err));
    s.quiet = true;
    dc_table_read_options o;
    dc_table_read_options_init(&o);
    o.table_version = vn;
    DC_TRY(setup_read(&rs, &s, ns, name, &o, err));
    int64_t n_tail = 0;
    bool partial;
    DC_TRY(split_tail(&rs.files, &tail, &n_tail, &partial, err));
    if (n_tail == 0)
        goto cleanup;
    for (int64_t i = 0; i < rs.files.n; i++) { /* one bucket count across the base */
        int32_t b, nb;
        if (!rs.files.v[i].base)
            continue;
        if (!file_bucket(rs.files.v[i].entry, &b, &nb) || (n && nb != n))
            goto cleanup;
        n = nb;
    }
    if (n == 0)
        goto cleanup;
    /* the keys of the tail */
    int32_t kc[64], nk = 0;
    const dc_schema *ts = rs.table_schema;
    for (int32_t i = 0; i < ts->n_fields && nk < 64; i++)
        if (dc_tfield_is_merge_key(&ts->fields[i]))
            kc[nk++] = i;
    dc_field kf[64];
    for (int32_t i = 0; i < nk; i++)
        kf[i] = ts->fields[kc[i]];
    K = dc_schema_new(kf, nk, NULL);
    DC_TRY_ALLOC(K, err);
    DC_TRY(relaxed(&RK, K, err));
    dc_schema_unref(rs.read_schema);
    rs.read_schema = dc_schema_ref(K);
    touched = dc_calloc((size_t)n, sizeof *touched);
    DC_TRY_ALLOC(touched, err);
    tr.rs = rs; /* borrowed: not cleared here */
    tr.fs = dc_store_fs(c->store);
    tr.batch_rows = 65536;
    tr.left = -1;
    for (int64_t t = 0; t < n_tail; t++) {
        DC_TRY(open_file(&tr, tail[t], err));
        for (;;) {
            DC_TRY(dc_reader_next(tr.cur, &fb, err));
            if (!fb)
                break;
            DC_TRY(dc_tschema_conform_read(&cb, fb, RK, err));
            dc_free(bk);
            bk = dc_malloc((size_t)cb->length * sizeof *bk + 1);
            DC_TRY_ALLOC(bk, err);
            DC_TRY(dc_part_key_buckets(bk, cb->columns, nk, cb->length, n, err));
            for (int64_t r = 0; r < cb->length; r++)
                touched[bk[r]] = true;
            dc_batch_unref(fb);
            dc_batch_unref(cb);
            fb = cb = NULL;
        }
        dc_reader_free(tr.cur);
        tr.cur = NULL;
    }
    *keep = json_object();
    DC_TRY_ALLOC(*keep, err);
    for (int64_t i = 0; i < rs.files.n; i++) {
        int32_t b, nb;
        if (rs.files.v[i].base && file_bucket(rs.files.v[i].entry, &b, &nb) && !touched[b] &&
            json_object_set_new(*keep, rs.files.v[i].path, json_true()) != 0) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    }
    *buckets = n;
cleanup:
    if (rc != DC_OK) {
        json_decref(*keep);
        *keep = NULL;
        *buckets = 0;
    }
    dc_batch_unref(fb);
    dc_batch_unref(cb);
    dc_reader_free(tr.cur);
    dc_free(tr.cols);
    dc_free(bk);
    dc_free(touched);
    dc_free(tail);
    dc_schema_unref(K);
    dc_schema_unref(RK);
    setup_clear(&rs);
    if (s.txn)
        dc_scope_drop(&s);
    return rc;
}

static dc_status read_impl(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                           const dc_table_read_options *opts, bool quiet, const json_t *skip,
                           dc_reader **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_scope s = {0};
    dc_table_read_options defaults;
    table_reader *tr = NULL;
    *out = NULL;
    if (!opts) {
        dc_table_read_options_init(&defaults);
        opts = &defaults;
    }
    if (opts->offset < 0)
        return dc_error_set(err, DC_EINVALID, "the offset must be >= 0, not %lld",
                            (long long)opts->offset);
    DC_TRY(dc_scope_begin(&s, c, txn, err));
    s.quiet = quiet;
    s.skip = skip;
    {
        const json_t *t;
        DC_TRY(dc_table_resolve(&s, ns, name, NULL, &t, err));
        const json_t *tv = dc_table_version_obj(t, opts->table_version, NULL);
        if (tv && dc_tv_schemaless(tv)) {
            rc = manifest_read(&s, name, tv, opts, out, err);
            goto cleanup;
        }
        dc_schema *ts = NULL;
        if (tv)
            DC_TRY(dc_tv_schema(tv, &ts, err));
        bool keyed = schema_has_merge_keys(ts);
        dc_schema_unref(ts);
        if (keyed) {
            rc = open_merged(&s, c, ns, name, opts, out, err);
            goto cleanup;
        }
    }
    tr = dc_calloc(1, sizeof *tr);
    DC_TRY_ALLOC(tr, err);
    DC_TRY(setup_read(&tr->rs, &s, ns, name, opts, err));
    tr->fs = dc_fs_ref(dc_store_fs(c->store));
    tr->skip = opts->offset;
    tr->left = opts->limit < 0 ? -1 : opts->limit;
    tr->batch_rows = opts->batch_rows > 0 ? opts->batch_rows : 65536;
    DC_TRY(dc_reader_new(out, &TABLE_VT, tr, tr->rs.out_schema, err));
    tr = NULL;
cleanup:
    if (tr) {
        dc_reader tmp = {.impl = tr};
        tr_destroy(&tmp);
    }
    if (s.txn)
        dc_scope_drop(&s); /* the reader holds the file list, not the transaction */
    return rc;
}

dc_status dc_table_read(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                        const dc_table_read_options *opts, dc_reader **out, dc_error *err)
{
    return read_impl(c, txn, ns, name, opts, false, NULL, out, err);
}

dc_status dc_table_read_quiet(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                              const dc_table_read_options *opts, const json_t *skip,
                              dc_reader **out, dc_error *err)
{
    return read_impl(c, txn, ns, name, opts, true, skip, out, err);
}

/* ---- plans ---- */

dc_status dc_table_plan(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                        const dc_table_read_options *opts, int64_t max_files, int64_t file_offset,
                        dc_read_plan **out, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_scope s = {0};
    read_setup rs = {0};
    dc_table_read_options defaults;
    dc_read_plan *p = NULL;
    *out = NULL;
    if (!opts) {
        dc_table_read_options_init(&defaults);
        opts = &defaults;
    }
    if (max_files < 0 || file_offset < 0)
        return dc_error_set(err, DC_EINVALID, "max_files and file_offset must be >= 0");
    DC_TRY(dc_scope_begin(&s, c, txn, err));
    DC_TRY(setup_read(&rs, &s, ns, name, opts, err));
    p = dc_calloc(1, sizeof *p);
    DC_TRY_ALLOC(p, err);
    p->table_id = dc_strdup(rs.table_id);
    DC_TRY_ALLOC(p->table_id, err);
    p->table_version = rs.table_version;
    p->catalog_version = rs.catalog_version;
    p->schema = dc_schema_ref(rs.out_schema);
    p->total_files = rs.kept;
    p->pruned_files = rs.pruned;
    p->total_rows = rs.kept_rows;
    int64_t first = file_offset, count = rs.kept - DC_MIN(first, rs.kept);
    if (max_files > 0)
        count = DC_MIN(count, max_files);
    p->files = dc_calloc((size_t)count + 1, sizeof *p->files);
    DC_TRY_ALLOC(p->files, err);
    /* partitions (files come grouped by key) */
    p->partitions = dc_calloc((size_t)rs.files.n + 1, sizeof *p->partitions);
    DC_TRY_ALLOC(p->partitions, err);
    for (int64_t i = 0; i < rs.files.n; i++) {
        if (!rs.keep[i])
            continue;
        const tfile *tf = &rs.files.v[i];
        dc_plan_partition *pp = p->n_partitions ? &p->partitions[p->n_partitions - 1] : NULL;
        if (!pp || strcmp(pp->key, tf->partition) != 0) {
            pp = &p->partitions[p->n_partitions];
            pp->key = dc_strdup(tf->partition);
            DC_TRY_ALLOC(pp->key, err);
            p->n_partitions++;
        }
        pp->files++;
        pp->rows += json_integer_value(json_object_get(tf->entry, "record_count"));
        pp->bytes += json_integer_value(json_object_get(tf->entry, "file_size"));
    }
    int64_t seen = 0;
    for (int64_t i = 0; i < rs.files.n && p->n_files < count; i++) {
        if (!rs.keep[i] || seen++ < first)
            continue;
        const tfile *tf = &rs.files.v[i];
        dc_plan_file *pf = &p->files[p->n_files++];
        const char *ct = json_string_value(json_object_get(tf->entry, "content_type"));
        pf->path = dc_strdup(tf->path);
        pf->partition = dc_strdup(tf->partition);
        DC_TRY_ALLOC(pf->path, err);
        DC_TRY_ALLOC(pf->partition, err);
        pf->content_type = ct ? dc_format_from_name(ct) : dc_format_from_path(tf->path);
        pf->record_count = json_integer_value(json_object_get(tf->entry, "record_count"));
        pf->file_size = json_integer_value(json_object_get(tf->entry, "file_size"));
        pf->stream_position = tf->position;
        if (!file_bucket(tf->entry, &pf->key_bucket, &pf->key_buckets)) {
            pf->key_bucket = -1;
            pf->key_buckets = 0;
        }
    }
    *out = p;
    p = NULL;
cleanup:
    dc_read_plan_free(p);
    setup_clear(&rs);
    if (s.txn)
        dc_scope_drop(&s);
    return rc;
}

char *dc_read_plan_to_json(const dc_read_plan *p)
{
    json_t *files = json_array(), *j = NULL;
    char *out = NULL;
    for (int64_t i = 0; files && i < p->n_files; i++) {
        const dc_plan_file *f = &p->files[i];
        json_t *fj =
            json_pack("{s:s, s:s, s:I, s:I, s:s, s:I}", "path", f->path, "content_type",
                      dc_format_name(f->content_type), "record_count", (json_int_t)f->record_count,
                      "file_size", (json_int_t)f->file_size, "partition", f->partition,
                      "stream_position", (json_int_t)f->stream_position);
        if (fj && f->key_buckets > 0) {
            json_object_set_new(fj, "key_bucket", json_integer(f->key_bucket));
            json_object_set_new(fj, "key_buckets", json_integer(f->key_buckets));
        }
        json_array_append_new(files, fj);
    }
    json_t *parts = json_array();
    for (int64_t i = 0; parts && i < p->n_partitions; i++)
        json_array_append_new(parts, json_pack("{s:s, s:I, s:I, s:I}", "key", p->partitions[i].key,
                                               "files", (json_int_t)p->partitions[i].files, "rows",
                                               (json_int_t)p->partitions[i].rows, "bytes",
                                               (json_int_t)p->partitions[i].bytes));
    json_t *schema = p->schema ? dc_schema_to_json(p->schema) : json_null();
    if (files && schema && parts)
        j = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:I}", "table_id", p->table_id,
                      "table_version", (json_int_t)p->table_version, "catalog_version",
                      (json_int_t)p->catalog_version, "schema", schema, "files", files,
                      "partitions", parts, "total_files", (json_int_t)p->total_files,
                      "pruned_files", (json_int_t)p->pruned_files, "total_rows",
                      (json_int_t)p->total_rows);
    else {
        json_decref(files);
        json_decref(schema);
        json_decref(parts);
    }
    if (j) {
        char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
        out = s ? dc_strdup(s) : NULL;
        free(s);
    }
    json_decref(j);
    return out;
}

void dc_read_plan_free(dc_read_plan *p)
{
    if (!p)
        return;
    for (int64_t i = 0; i < p->n_files; i++) {
        dc_free(p->files[i].path);
        dc_free(p->files[i].partition);
    }
    dc_free(p->files);
    for (int64_t i = 0; i < p->n_partitions; i++)
        dc_free(p->partitions[i].key);
    dc_free(p->partitions);
    dc_free(p->table_id);
    dc_schema_unref(p->schema);
    dc_free(p);
}
