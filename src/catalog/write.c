/*
 * write.c: writes to tables (dc_table_write): the write modes, the table's
 * schema rules (tschema.c), data files streamed in the table's content type
 * under data/<table_id>/, their statistics, and the commit. Files written by
 * a write that fails are removed; a crash leaves them unreferenced for the
 * garbage collector (docs/FORMAT.md 9).
 */
#include "catalog/engine_int.h"
#include "catalog/tschema_int.h"
#include "compute/partition_int.h"
#include "formats/formats_int.h"
#include "formats/parquet/parquet_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_FILE_ROWS  (INT64_C(4) << 20)
#define DEFAULT_FILE_BYTES (INT64_C(128) << 20)
#define STAT_MAX_TEXT      64 /* longer string bounds are not kept */

static const char *const MODES[] = {"auto",    "create", "add",   "append",
                                    "replace", "merge",  "delete"};

const char *dc_write_mode_name(dc_write_mode m)
{
    return (unsigned)m < DC_ARRAY_LEN(MODES) ? MODES[m] : "unknown";
}

bool dc_write_mode_from_name(const char *name, dc_write_mode *out)
{
    for (size_t i = 0; name && i < DC_ARRAY_LEN(MODES); i++)
        if (dc_str_ieq(name, (int64_t)strlen(name), MODES[i])) {
            *out = (dc_write_mode)i;
            return true;
        }
    return false;
}

void dc_table_write_options_init(dc_table_write_options *o)
{
    memset(o, 0, sizeof *o);
    o->create_namespace = true;
    o->target_file_rows = DEFAULT_FILE_ROWS;
    o->target_file_bytes = DEFAULT_FILE_BYTES;
    dc_parquet_write_options_init(&o->parquet);
    /* row groups of 128 Ki rows: statistics that prune reads finely (DuckDB writes 122,880) */
    o->parquet.row_group_rows = INT64_C(128) << 10;
    o->parquet.page_rows = 8192; /* finer page index for selective reads */
}

/* ---- statistics values ---- */

static bool stat_type_ok(const dc_type *t)
{
    switch (t->id) {
    case DC_TYPE_BOOL:
    case DC_TYPE_INT8:
    case DC_TYPE_INT16:
    case DC_TYPE_INT32:
    case DC_TYPE_INT64:
    case DC_TYPE_UINT8:
    case DC_TYPE_UINT16:
    case DC_TYPE_UINT32:
    case DC_TYPE_UINT64:
    case DC_TYPE_FLOAT32:
    case DC_TYPE_FLOAT64:
    case DC_TYPE_DATE32:
    case DC_TYPE_TIMESTAMP:
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8: return true;
    default: return false;
    }
}

json_t *dc_stat_value_to_json(const dc_array *one)
{
    if (!stat_type_ok(one->type) || dc_array_is_null(one, 0))
        return NULL;
    char *text = dc_value_to_text(one, 0, true);
    if (!text)
        return NULL;
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    dc_free(text);
    if (json_is_string(v) && json_string_length(v) > STAT_MAX_TEXT) {
        json_decref(v);
        return NULL;
    }
    if (json_is_real(v) && !isfinite(json_real_value(v))) {
        json_decref(v);
        return NULL;
    }
    return v;
}

dc_status dc_stat_value_from_json(dc_array **out, const json_t *v, const dc_type *t, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_builder *b = NULL;
    dc_array *a = NULL;
    dc_type *from = NULL;
    *out = NULL;
    if (json_is_string(v))
        from = dc_type_new(DC_TYPE_UTF8);
    else if (json_is_integer(v))
        from = dc_type_new(DC_TYPE_INT64);
    else if (json_is_real(v))
        from = dc_type_new(DC_TYPE_FLOAT64);
    else if (json_is_boolean(v))
        from = dc_type_new(DC_TYPE_BOOL);
    else
        return dc_error_set(err, DC_EINVALID, "a statistic must be a string, number or bool");
    DC_TRY_ALLOC(from, err);
    DC_TRY(dc_builder_new(&b, from, err));
    if (json_is_string(v))
        rc = dc_builder_append_bytes(b, json_string_value(v), (int64_t)json_string_length(v));
    else if (json_is_integer(v))
        rc = dc_builder_append_int(b, json_integer_value(v));
    else if (json_is_real(v))
        rc = dc_builder_append_double(b, json_real_value(v));
    else
        rc = dc_builder_append_bool(b, json_is_true(v));
    if (rc != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    DC_TRY(dc_builder_finish(b, &a, err));
    DC_TRY(dc_cast(out, a, t, true, err));
cleanup:
    dc_builder_free(b);
    dc_array_unref(a);
    dc_type_unref(from);
    return rc;
}

/* ---- one data file ---- */

/* The open file of one partition, and the entries of the files it closed. */
typedef struct out_file {
    char *key;      /* the partition key ("" unpartitioned) */
    int32_t bucket; /* the merge-key bucket of a compaction's files (-1: none) */
    json_t *files;  /* file entries written for this partition */
    char *path;     /* the open file, or NULL */
    dc_output *out;
    dc_batch_writer *w;
    int64_t rows;
} out_file;

#define MAX_OPEN_FILES 32 /* a write to more partitions closes files early: bounded memory */

typedef struct writer_ctx {
    dc_catalog *c;
    dc_fs *fs;
    const char *table_id;
    const dc_schema *schema; /* the table's, after evolution (a MERGE's or DELETE's: its columns) */
    const dc_schema *full_schema; /* the table's, after evolution */
    dc_schema *file_schema;       /* the same with PARQUET:field_id on each field */
    dc_schema_consistency cons;
    bool schemaless; /* batches are written as they come */
    dc_file_format format;
    const dc_table_write_options *o;
    dc_part_spec spec; /* the table's partition scheme (n 0: unpartitioned) */
    json_t *spec_json; /* as stored (a copy), or NULL */
    out_file *parts;
    int32_t n_parts, cap_parts, n_open;
    int64_t n_files;
    char **written; /* every path created (removed on failure) */
    int64_t n_written;
    int64_t rows, bytes;
    int64_t schema_id;
    /* tables with merge keys */
    bool keys_only;       /* DELETE: the input's key columns are written, the rest dropped */
    bool partial;         /* MERGE carrying some of the columns (file entries say so) */
    bool track_keys;      /* hash every key written: are the write's keys unique? */
    uint64_t *key_hashes; /* one per row written */
    int64_t n_hashes, cap_hashes;
    int32_t key_cols[64]; /* merge-key columns of x->schema */
    int32_t n_key_cols;
    int32_t key_buckets; /* > 0: rows are filed by the bucket of their key (compaction) */
    int32_t *bucket_of;  /* scratch: a batch's buckets */
    int64_t cap_bucket;
} writer_ctx;

static const char *ext_of(dc_file_format f)
{
    switch (f) {
    case DC_FORMAT_CSV: return "csv";
    case DC_FORMAT_TSV: return "tsv";
    case DC_FORMAT_PSV: return "psv";
    case DC_FORMAT_JSONL: return "jsonl";
    default: return "parquet";
    }
}

static dc_status file_open(writer_ctx *x, out_file *pf, dc_error *err)
{
    dc_status rc = DC_OK;
    char id[37];
    char *path = NULL;
    DC_TRY(dc_uuid(id, err));
    size_t len = strlen(x->table_id) + strlen(pf->key) + 64;
    path = dc_malloc(len);
    DC_TRY_ALLOC(path, err);
    snprintf(path, len, "data/%s/%s%s%s.%s", x->table_id, pf->key, *pf->key ? "/" : "", id,
             ext_of(x->format));
    char **nw = dc_realloc(x->written, (size_t)(x->n_written + 1) * sizeof *nw);
    DC_TRY_ALLOC(nw, err);
    x->written = nw;
    x->written[x->n_written] = dc_strdup(path);
    DC_TRY_ALLOC(x->written[x->n_written], err);
    x->n_written++;
    pf->path = path;
    path = NULL;
    x->n_open++;
    DC_TRY(dc_fs_open_output(x->fs, pf->path, DC_FS_OUTPUT_IF_ABSENT, &pf->out, err));
    switch (x->format) {
    case DC_FORMAT_PARQUET:
        DC_TRY(dc_parquet_writer_open(&pf->w, pf->out, x->file_schema, &x->o->parquet, err));
        break;
    case DC_FORMAT_JSONL: DC_TRY(dc_jsonl_writer_open(&pf->w, pf->out, x->schema, err)); break;
    default: {
        dc_write_options wo;
        dc_write_options_init(&wo, x->format);
        DC_TRY(dc_csv_writer_open(&pf->w, pf->out, x->schema, &wo.csv, err));
        break;
    }
    }
cleanup:
    dc_free(path);
    return rc;
}

/* Forget the open file of a partition (its partition stays). */
static void file_discard(writer_ctx *x, out_file *f)
{
    if (f->path)
        x->n_open--;
    dc_batch_writer_free(f->w);
    dc_output_close(f->out);
    dc_free(f->path);
    f->w = NULL;
    f->out = NULL;
    f->path = NULL;
    f->rows = 0;
}

dc_status dc_parquet_file_stats(dc_fs *fs, const char *path, const dc_schema *schema, json_t *stats,
                                dc_error *err)
{
    dc_status rc = DC_OK;
    dc_input *in = NULL;
    dc_pq_file *f = NULL;
    DC_TRY(dc_fs_open_input(fs, path, &in, err));
    DC_TRY(dc_pq_file_open(&f, in, err));
    in = NULL;
    for (int32_t leaf = 0; leaf < dc_pq_file_n_leaves(f); leaf++) {
        const char *col = dc_pq_file_leaf(f, leaf)->path;
        int32_t fi = dc_schema_find(schema, col);
        if (fi < 0 || !stat_type_ok(schema->fields[fi].type))
            continue; /* nested leaves ("a.b") and types without bounds */
        dc_array *mn = NULL, *mx = NULL;
        int64_t nulls = 0;
        bool bounds = true, counted = true;
        for (int32_t g = 0; g < (int32_t)dc_pq_file_meta(f)->n_row_groups; g++) {
            dc_pq_stats st;
            memset(&st, 0, sizeof st);
            if (dc_pq_file_column_stats(f, g, leaf, &st, err) != DC_OK) {
                bounds = counted = false;
                break;
            }
            if (st.has_null_count)
                nulls += st.null_count;
            else
                counted = false;
            if (!st.min || !st.max || !st.min_exact || !st.max_exact) {
                /* a row group without bounds: only an all-null one keeps the others valid */
                if (!(st.has_null_count &&
                      st.null_count == dc_pq_file_meta(f)->row_groups[g].num_rows))
                    bounds = false;
            } else {
                if (!mn || dc_compare_values(st.min, 0, mn, 0, false) < 0) {
                    dc_array_unref(mn);
                    mn = dc_array_ref(st.min);
                }
                if (!mx || dc_compare_values(st.max, 0, mx, 0, false) > 0) {
                    dc_array_unref(mx);
                    mx = dc_array_ref(st.max);
                }
            }
            dc_pq_stats_clear(&st);
        }
        json_t *cs = json_object();
        int64_t fid = dc_tfield_id(&schema->fields[fi]);
        if (cs && fid >= 0)
            json_object_set_new(cs, "field_id", json_integer(fid));
        if (cs && counted)
            json_object_set_new(cs, "null_count", json_integer(nulls));
        if (cs && bounds && mn && mx) {
            json_t *a = dc_stat_value_to_json(mn), *b = dc_stat_value_to_json(mx);
            if (a && b) {
                json_object_set_new(cs, "min", a);
                json_object_set_new(cs, "max", b);
            } else {
                json_decref(a);
                json_decref(b);
            }
        }
        if (cs && json_object_size(cs) > (fid >= 0 ? 1u : 0u))
            json_object_set_new(stats, col, cs);
        else
            json_decref(cs);
        dc_array_unref(mn);
        dc_array_unref(mx);
    }
cleanup:
    dc_pq_file_free(f);
    dc_input_close(in);
    return rc;
}

static dc_status file_close(writer_ctx *x, out_file *pf, dc_error *err)
{
    dc_status rc = DC_OK;
    json_t *stats = NULL;
    if (!pf->w)
        return DC_OK;
    DC_TRY(dc_batch_writer_finish(pf->w, err));
    DC_TRY(dc_output_finish(pf->out, err));
    int64_t size = pf->out->written;
    stats = json_object();
    DC_TRY_ALLOC(stats, err);
    if (x->format == DC_FORMAT_PARQUET)
        DC_TRY(dc_parquet_file_stats(x->fs, pf->path, x->schema, stats, err));
    json_t *f = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:O}", "path", pf->path, "content_type",
                          dc_format_name(x->format), "encoding", "identity", "record_count",
                          (json_int_t)pf->rows, "file_size", (json_int_t)size, "schema_id",
                          (json_int_t)x->schema_id, "stats", stats);
    DC_TRY_ALLOC(f, err);
    if (x->partial)
        json_object_set_new(f, "partial", json_true());
    if (pf->bucket >= 0) {
        json_object_set_new(f, "key_bucket", json_integer(pf->bucket));
        json_object_set_new(f, "key_buckets", json_integer(x->key_buckets));
    }
    if (json_array_append_new(pf->files, f) != 0) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    x->bytes += size;
    x->n_files++;
cleanup:
    json_decref(stats);
    file_discard(x, pf);
    return rc;
}

static dc_status close_all(writer_ctx *x, dc_error *err)
{
    for (int32_t i = 0; i < x->n_parts; i++)
        DC_RET(file_close(x, &x->parts[i], err));
    return DC_OK;
}

/* The files of partition `key` and merge-key bucket `bucket` (-1: none), added when new. */
static dc_status part_of(writer_ctx *x, const char *key, int32_t bucket, out_file **out,
                         dc_error *err)
{
    for (int32_t i = 0; i < x->n_parts; i++)
        if (x->parts[i].bucket == bucket && !strcmp(x->parts[i].key, key)) {
            *out = &x->parts[i];
            return DC_OK;
        }
    if (x->n_parts == x->cap_parts) {
        int32_t cap = x->cap_parts ? x->cap_parts * 2 : 4;
        out_file *np = dc_realloc(x->parts, (size_t)cap * sizeof *np);
        if (!np)
            return dc_error_nomem(err);
        x->parts = np;
        x->cap_parts = cap;
    }
    out_file *pf = &x->parts[x->n_parts];
    memset(pf, 0, sizeof *pf);
    pf->bucket = bucket;
    pf->key = dc_strdup(key);
    pf->files = json_array();
    if (!pf->key || !pf->files) {
        dc_free(pf->key);
        json_decref(pf->files);
        return dc_error_nomem(err);
    }
    x->n_parts++;
    *out = pf;
    return DC_OK;
}

/* Rows of one partition (already in the file schema) into its files. */
static dc_status write_part_rows(writer_ctx *x, out_file *pf, const dc_batch *b, dc_error *err)
{
    dc_status rc = DC_OK;
    for (int64_t off = 0; off < b->length;) {
        if (!pf->w) {
            if (x->n_open >= MAX_OPEN_FILES)
                DC_TRY(close_all(x, err));
            DC_TRY(file_open(x, pf, err));
        }
        int64_t take = DC_MIN(b->length - off, x->o->target_file_rows - pf->rows);
        dc_batch *part = NULL;
        DC_TRY(dc_batch_slice(&part, b, off, take, err));
        rc = dc_batch_writer_write(pf->w, part, err);
        dc_batch_unref(part);
        if (rc != DC_OK)
            goto cleanup;
        pf->rows += take;
        x->rows += take;
        off += take;
        if (pf->rows >= x->o->target_file_rows || pf->out->written >= x->o->target_file_bytes)
            DC_TRY(file_close(x, pf, err));
    }
cleanup:
    return rc;
}

/*
 * Split `b` by partition. A MERGE or DELETE of a keyed table may lack a partition column
 * (a DELETE by key alone, a partial update): its rows are placed as if that column were
 * null. Merge keys are unique across the whole table and the merge folds every delta
 * whatever its partition, so the place only decides where the file lives (the fold keeps
 * each row's partition column from its other deltas, and compaction files the merged row
 * in its own partition); reads never prune a table's outstanding deltas.
 */
static dc_status split_parts(writer_ctx *x, dc_batch *b, dc_part_group **g, int64_t *ng,
                             dc_error *err)
{
    dc_status rc = DC_OK;
    int32_t nb = b->schema->n_fields, n = nb;
    dc_field *fs = NULL;
    dc_array **cols = NULL;
    dc_schema *ps = NULL;
    dc_batch *pb = NULL;
    for (int32_t i = 0; i < x->spec.n; i++)
        n += dc_schema_find(b->schema, x->spec.fields[i].column) < 0;
    if (n == nb)
        return dc_part_split(g, ng, &x->spec, b, err);
    fs = dc_calloc((size_t)n, sizeof *fs);
    cols = dc_calloc((size_t)n, sizeof *cols);
    DC_TRY_ALLOC(fs && cols ? fs : NULL, err);
    for (int32_t i = 0; i < nb; i++) {
        fs[i] = b->schema->fields[i]; /* shallow: dc_schema_new copies */
        cols[i] = dc_array_ref(b->columns[i]);
    }
    int32_t k = nb;
    for (int32_t i = 0; i < x->spec.n; i++) {
        const char *col = x->spec.fields[i].column;
        if (dc_schema_find(b->schema, col) >= 0)
            continue;
        bool dup = false;
        for (int32_t j = nb; j < k; j++)
            dup |= !strcmp(fs[j].name, col);
        if (dup)
            continue;
        int32_t ti = x->full_schema ? dc_schema_find(x->full_schema, col) : -1;
        if (ti < 0) {
            rc = dc_error_set(err, DC_ESCHEMA, "partition column %s is not in table %s's schema",
                              col, x->table_id);
            goto cleanup;
        }
        fs[k] = x->full_schema->fields[ti];
        fs[k].nullable = true;
        DC_TRY(dc_array_new_null(&cols[k], fs[k].type, b->length, err));
        k++;
    }
    ps = dc_schema_new(fs, k, NULL);
    DC_TRY_ALLOC(ps, err);
    DC_TRY(dc_batch_new(&pb, ps, cols, b->length, err));
    DC_TRY(dc_part_split(g, ng, &x->spec, pb, err));
    for (int64_t i = 0; i < *ng; i++) { /* each group's rows back to the write's columns */
        dc_batch *rows = NULL;
        DC_TRY(dc_batch_new(&rows, b->schema, (*g)[i].rows->columns, (*g)[i].rows->length, err));
        dc_batch_unref((*g)[i].rows);
        (*g)[i].rows = rows;
    }
cleanup:
    if (rc != DC_OK) {
        dc_part_groups_free(*g, *ng);
        *g = NULL;
        *ng = 0;
    }
    for (int32_t i = 0; cols && i < n; i++)
        dc_array_unref(cols[i]);
    dc_free(cols);
    dc_free(fs);
    dc_schema_unref(ps);
    dc_batch_unref(pb);
    return rc;
}

/* Rows of partition `key` into its files: by the bucket of their merge key when the write
 * files them so (a compaction: FORMAT.md 4.3), each bucket's rows in their order. */
static dc_status write_key_rows(writer_ctx *x, const char *key, const dc_batch *b, dc_error *err)
{
    dc_status rc = DC_OK;
    out_file *pf;
    dc_batch *grouped = NULL, *part = NULL;
    int32_t nb = x->key_buckets;
    if (nb <= 0) {
        DC_RET(part_of(x, key, -1, &pf, err));
        return write_part_rows(x, pf, b, err);
    }
    if (b->length > x->cap_bucket) {
        dc_free(x->bucket_of);
        x->bucket_of = dc_malloc((size_t)b->length * sizeof *x->bucket_of);
        x->cap_bucket = x->bucket_of ? b->length : 0;
        if (!x->cap_bucket)
            return dc_error_nomem(err);
    }
    int64_t *first = dc_calloc((size_t)nb + 1, sizeof *first);
    if (!first)
        return dc_error_nomem(err);
    dc_array *kc[64];
    for (int32_t j = 0; j < x->n_key_cols; j++)
        kc[j] = b->columns[x->key_cols[j]];
    DC_TRY(dc_part_key_buckets(x->bucket_of, kc, x->n_key_cols, b->length, nb, err));
    int64_t same = 1;
    while (same < b->length && x->bucket_of[same] == x->bucket_of[0])
        same++;
    if (same == b->length) { /* one bucket: the batch as it is */
        DC_TRY(part_of(x, key, x->bucket_of[0], &pf, err));
        DC_TRY(write_part_rows(x, pf, b, err));
        goto cleanup;
    }
    /* the batch in bucket order, once; each bucket is a slice of it */
    DC_TRY(dc_batch_regroup(&grouped, first, b, x->bucket_of, nb, err));
    for (int32_t k = 0; k < nb; k++) {
        int64_t rows = first[k + 1] - first[k];
        if (rows == 0)
            continue;
        DC_TRY(part_of(x, key, k, &pf, err));
        DC_TRY(dc_batch_slice(&part, grouped, first[k], rows, err));
        DC_TRY(write_part_rows(x, pf, part, err));
        dc_batch_unref(part);
        part = NULL;
    }
cleanup:
    dc_batch_unref(part);
    dc_batch_unref(grouped);
    dc_free(first);
    return rc;
}

static dc_status write_batch(writer_ctx *x, const dc_batch *in, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_batch *b = NULL, *t = NULL;
    dc_part_group *g = NULL;
    int64_t ng = 0;
    if (in->length == 0)
        return DC_OK;
    if (x->schemaless) {
        if (!dc_schema_equals(in->schema, x->schema)) {
            rc = dc_error_set(err, DC_ESCHEMA, "a batch's schema differs from the stream's");
            goto cleanup;
        }
        t = dc_batch_ref(in);
    } else if (x->keys_only) {
        dc_array *cols[64];
        for (int32_t i = 0; i < x->schema->n_fields; i++)
            cols[i] = in->columns[dc_schema_find(in->schema, x->schema->fields[i].name)];
        dc_batch *kb = NULL;
        dc_schema *ks = NULL;
        dc_field kf[64];
        for (int32_t i = 0; i < x->schema->n_fields; i++)
            kf[i] = in->schema->fields[dc_schema_find(in->schema, x->schema->fields[i].name)];
        ks = dc_schema_new(kf, x->schema->n_fields, NULL);
        DC_TRY_ALLOC(ks, err);
        rc = dc_batch_new(&kb, ks, cols, in->length, err);
        dc_schema_unref(ks);
        if (rc == DC_OK)
            rc = dc_tschema_conform_write(&t, kb, x->schema, (dc_consistency)x->cons, err);
        dc_batch_unref(kb);
        if (rc != DC_OK)
            goto cleanup;
    } else {
        DC_TRY(dc_tschema_conform_write(&t, in, x->schema, (dc_consistency)x->cons, err));
    }
    if (x->track_keys) {
        dc_array *kc[64];
        for (int32_t j = 0; j < x->n_key_cols; j++)
            kc[j] = t->columns[x->key_cols[j]];
        if (x->n_hashes + t->length > x->cap_hashes) {
            int64_t cap = DC_MAX(x->cap_hashes * 2, x->n_hashes + t->length);
            uint64_t *nh = dc_realloc(x->key_hashes, (size_t)cap * sizeof *nh);
            DC_TRY_ALLOC(nh, err);
            x->key_hashes = nh;
            x->cap_hashes = cap;
        }
        DC_TRY(dc_hash_rows(x->key_hashes + x->n_hashes, kc, x->n_key_cols, t->length, err));
        x->n_hashes += t->length;
    }
    DC_TRY(dc_batch_new(&b, x->file_schema, t->columns, t->length, err));
    if (x->spec.n == 0) {
        DC_TRY(write_key_rows(x, "", b, err));
        goto cleanup;
    }
    DC_TRY(split_parts(x, b, &g, &ng, err));
    for (int64_t i = 0; i < ng; i++)
        DC_TRY(write_key_rows(x, g[i].key, g[i].rows, err));
cleanup:
    dc_part_groups_free(g, ng);
    dc_batch_unref(t);
    dc_batch_unref(b);
    return rc;
}

/* One add_delta per partition written. */
static dc_status add_delta_ops_at(dc_scope *s, const writer_ctx *x, const char *table_id,
                                  int64_t vn, const char *type, bool exclusive,
                                  int64_t merged_through, dc_error *err)
{
    for (int32_t i = 0; i < x->n_parts; i++) {
        const out_file *pf = &x->parts[i];
        bool first = true; /* the partition's first files: its buckets' join them */
        for (int32_t j = 0; j < i; j++)
            first &= strcmp(x->parts[j].key, pf->key) != 0;
        if (!first)
            continue;
        json_t *files = json_array();
        for (int32_t j = i; files && j < x->n_parts; j++)
            if (!strcmp(x->parts[j].key, pf->key) &&
                json_array_extend(files, x->parts[j].files) != 0) {
                json_decref(files);
                files = NULL;
            }
        if (!files)
            return dc_error_nomem(err);
        if (json_array_size(files) == 0) {
            json_decref(files);
            continue;
        }
        json_t *op = json_pack("{s:s, s:s, s:I, s:s, s:s, s:o}", "op", "add_delta", "table_id",
                               table_id, "table_version", (json_int_t)vn, "partition", pf->key,
                               "delta_type", type, "files", files);
        if (op && exclusive)
            json_object_set_new(op, "exclusive", json_true());
        if (op && merged_through >= 0)
            json_object_set_new(op, "merged_through", json_integer(merged_through));
        DC_RET(dc_scope_add_op(s, op, err));
    }
    return DC_OK;
}

static dc_status add_delta_ops(dc_scope *s, const writer_ctx *x, const char *table_id, int64_t vn,
                               const char *type, bool exclusive, dc_error *err)
{
    return add_delta_ops_at(s, x, table_id, vn, type, exclusive, -1, err);
}

/* LSD radix sort of 64-bit values (16 bits a pass); `tmp` holds n values. */
static void radix_sort_u64(uint64_t *v, uint64_t *tmp, int64_t n, int64_t *count)
{
    for (int shift = 0; shift < 64; shift += 16) {
        memset(count, 0, 65537 * sizeof *count);
        for (int64_t i = 0; i < n; i++)
            count[((v[i] >> shift) & 0xffff) + 1]++;
        for (int k = 0; k < 65536; k++)
            count[k + 1] += count[k];
        for (int64_t i = 0; i < n; i++)
            tmp[count[(v[i] >> shift) & 0xffff]++] = v[i];
        uint64_t *t = v;
        v = tmp;
        tmp = t;
    }
    /* four passes: the sorted values are back in the caller's `v` */
}

/* Were the write's keys unique? By their 64-bit hashes: a repeated hash (a repeated
 * key, or very rarely two keys hashing alike) answers no, which is always safe. */
static dc_status keys_unique(writer_ctx *x, bool *unique, dc_error *err)
{
    int64_t n = x->n_hashes;
    uint64_t *tmp = dc_malloc((size_t)(n + 1) * sizeof *tmp);
    int64_t *count = dc_malloc(65537 * sizeof *count);
    if (!tmp || !count) {
        dc_free(tmp);
        dc_free(count);
        return dc_error_nomem(err);
    }
    radix_sort_u64(x->key_hashes, tmp, n, count);
    *unique = true;
    for (int64_t i = 1; i < n && *unique; i++)
        if (x->key_hashes[i] == x->key_hashes[i - 1])
            *unique = false;
    dc_free(tmp);
    dc_free(count);
    return DC_OK;
}

/* Does the table version hold any file? */
static bool tv_has_files(const json_t *tv)
{
    const char *k;
    json_t *p;
    json_object_foreach((json_t *)json_object_get(tv, "partitions"), k, p)
    {
        size_t i;
        json_t *d;
        json_array_foreach(json_object_get(p, "deltas"), i,
                           d) if (json_array_size(json_object_get(d, "files")) > 0) return true;
    }
    return false;
}

static bool is_part_source(const dc_part_spec *spec, const char *column)
{
    for (int32_t i = 0; i < spec->n; i++)
        if (!strcmp(spec->fields[i].column, column))
            return true;
    return false;
}

/* The fields of `full` that `in` has (by name), in `full`'s order; keys must all be there.
 * keys_only (a DELETE): the keys, and the partition columns it has (to place its files). */
static dc_status carried_schema(dc_schema **out, const dc_schema *full, const dc_schema *in,
                                bool keys_only, const dc_part_spec *spec, const char *table,
                                dc_error *err)
{
    dc_status rc = DC_OK;
    dc_field *fs = dc_calloc((size_t)full->n_fields + 1, sizeof *fs);
    int32_t n = 0;
    if (!fs)
        return dc_error_nomem(err);
    for (int32_t i = 0; i < full->n_fields; i++) {
        const dc_field *f = &full->fields[i];
        bool key = dc_tfield_is_merge_key(f), has = dc_schema_find(in, f->name) >= 0;
        if (key && !has) {
            rc = dc_error_set(err, DC_ESCHEMA,
                              "the write lacks merge-key column %s of table %s: a MERGE or "
                              "DELETE finds rows by their merge key",
                              f->name, table);
            goto cleanup;
        }
        if (has && (key || !keys_only || is_part_source(spec, f->name)))
            fs[n++] = *f; /* shallow: dc_schema_new copies */
    }
    if (keys_only && n > 64) {
        rc = dc_error_set(err, DC_EUNSUPPORTED,
                          "at most 64 merge-key and partition columns in a DELETE");
        goto cleanup;
    }
    *out = dc_schema_new(fs, n, &full->metadata);
    if (!*out)
        rc = dc_error_nomem(err);
cleanup:
    dc_free(fs);
    return rc;
}

/* The table schema with each field's id also as PARQUET:field_id (readers of other engines). */
static dc_status make_file_schema(writer_ctx *x, dc_error *err)
{
    dc_status rc = DC_OK;
    const dc_schema *s = x->schema;
    dc_field *fs = dc_calloc((size_t)s->n_fields + 1, sizeof *fs);
    DC_TRY_ALLOC(fs, err);
    for (int32_t i = 0; i < s->n_fields; i++) {
        DC_TRY(dc_field_init(&fs[i], s->fields[i].name, s->fields[i].type, s->fields[i].nullable,
                             &s->fields[i].metadata));
        int64_t id = dc_tfield_id(&s->fields[i]);
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)id);
        if (id >= 0 && dc_metadata_set(&fs[i].metadata, DC_PARQUET_FIELD_ID, v) != DC_OK) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    }
    x->file_schema = dc_schema_new(fs, s->n_fields, &s->metadata);
    DC_TRY_ALLOC(x->file_schema, err);
cleanup:
    for (int32_t i = 0; fs && i < s->n_fields; i++)
        dc_field_clear(&fs[i]);
    dc_free(fs);
    return rc;
}

/* The writer of table version `tv` for rows of `schema` (its partition scheme bound to it);
 * the content type is the write's, else the table's. */
static dc_status ctx_begin(writer_ctx *x, dc_catalog *c, const char *table_id, const json_t *tv,
                           const dc_schema *schema, const dc_table_write_options *o, dc_error *err)
{
    x->c = c;
    x->fs = dc_store_fs(c->store);
    x->table_id = table_id;
    x->schema = x->full_schema = schema;
    x->cons = dc_tv_consistency(tv);
    x->format = o->content_type ? o->content_type : dc_tv_content_type(tv);
    x->o = o;
    x->schema_id = json_integer_value(json_object_get(json_object_get(tv, "schema"), "schema_id"));
    x->spec_json = json_deep_copy(json_object_get(tv, "partition_spec")); /* NULL: none */
    if (x->spec_json) {
        DC_RET(dc_part_spec_from_json(&x->spec, x->spec_json, err));
        DC_RET(dc_part_spec_bind(&x->spec, schema, err));
    }
    return DC_OK;
}

static void remove_written(writer_ctx *x)
{
    for (int64_t i = 0; i < x->n_written; i++) {
        if (x->written[i])
            (void)dc_fs_remove(x->fs, x->written[i], NULL); /* best effort: else the GC's */
    }
}

static void ctx_free(writer_ctx *x)
{
    for (int32_t i = 0; i < x->n_parts; i++) {
        file_discard(x, &x->parts[i]);
        dc_free(x->parts[i].key);
        json_decref(x->parts[i].files);
    }
    dc_free(x->parts);
    dc_part_spec_clear(&x->spec);
    json_decref(x->spec_json);
    dc_free(x->key_hashes);
    dc_free(x->bucket_of);
    for (int64_t i = 0; i < x->n_written; i++)
        dc_free(x->written[i]);
    dc_free(x->written);
    dc_schema_unref(x->file_schema);
}

/* Every batch of `r` into the table's files, then the files closed. */
static dc_status write_all(writer_ctx *x, dc_reader *r, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_batch *b = NULL;
    for (;;) {
        DC_TRY(dc_reader_next(r, &b, err));
        if (!b)
            break;
        DC_TRY(write_batch(x, b, err));
        dc_batch_unref(b);
        b = NULL;
    }
    rc = close_all(x, err);
cleanup:
    dc_batch_unref(b);
    return rc;
}

/* ---- the write ---- */

static bool has_merge_keys(const dc_schema *s)
{
    for (int32_t i = 0; s && i < s->n_fields; i++)
        if (dc_tfield_is_merge_key(&s->fields[i]))
            return true;
    return false;
}

/*
 * Our AUTO write created the table, but a concurrent one created it first: add
 * the files we wrote to that table, if our schema fits it with the same field
 * ids (writers of the same data agree: ids are given in column order).
 */
static dc_status retry_as_add(dc_catalog *c, const char *ns, const char *name,
                              const dc_table_write_options *opts, writer_ctx *x,
                              const dc_schema *written, dc_write_result *result, dc_error *err)
{
    dc_status rc = DC_ECONFLICT;
    for (int attempt = 0; attempt < 16 && rc == DC_ECONFLICT; attempt++) {
        dc_scope s;
        dc_schema *ts = NULL, *next = NULL;
        const char *id;
        const json_t *t;
        bool changed = false;
        char tid[64];
        DC_RET(dc_scope_begin(&s, c, NULL, err));
        DC_TRY(dc_table_resolve(&s, ns, name, &id, &t, err));
        snprintf(tid, sizeof tid, "%s", id);
        int64_t vn;
        const json_t *tv = dc_table_current(t, &vn);
        if (!tv) {
            rc = dc_error_set(err, DC_ECORRUPT, "table %s has no table version", name);
            goto cleanup;
        }
        DC_TRY(dc_tv_schema(tv, &ts, err));
        int64_t next_id = json_integer_value(
            json_object_get(json_object_get(tv, "properties"), TV_NEXT_FIELD_ID));
        DC_TRY(dc_tschema_evolve_for_write(&next, &changed, ts, written,
                                           (dc_evolution)dc_tv_evolution(tv),
                                           (dc_consistency)dc_tv_consistency(tv), &next_id, err));
        for (int32_t i = 0; i < written->n_fields; i++) {
            int32_t k = dc_schema_find(next, written->fields[i].name);
            if (k < 0 || dc_tfield_id(&next->fields[k]) != dc_tfield_id(&written->fields[i])) {
                rc = dc_error_set(err, DC_ECONFLICT,
                                  "table %s was created by a concurrent write whose column %s "
                                  "has another field id; write again",
                                  name, written->fields[i].name);
                goto cleanup;
            }
        }
        if (changed)
            DC_TRY(dc_tv_set_schema_op(&s, tid, vn, tv, next, next_id, err));
        const json_t *theirs = json_object_get(tv, "partition_spec");
        if ((theirs || x->spec_json) &&
            (!theirs || !x->spec_json || !json_equal((json_t *)theirs, x->spec_json))) {
            rc = dc_error_set(err, DC_ECONFLICT,
                              "table %s was created by a concurrent write with another partition "
                              "scheme; write again",
                              name);
            goto cleanup;
        }
        DC_TRY(add_delta_ops(&s, x, tid, vn, has_merge_keys(next) ? "upsert" : "add", false, err));
    cleanup:
        rc = dc_scope_end(&s, rc, "auto write (the table was created concurrently)",
                          result ? &result->commit_version : NULL, err);
        dc_schema_unref(ts);
        dc_schema_unref(next);
        if (rc == DC_OK && result) {
            result->created = false;
            result->schema_changed = changed;
        }
    }
    (void)opts;
    return rc;
}

dc_status dc_table_write(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                         dc_reader *data, const dc_table_write_options *opts,
                         dc_write_result *result, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_scope s = {0};
    dc_table_write_options defaults;
    writer_ctx x;
    dc_schema *table_schema = NULL, *new_schema = NULL, *carried = NULL;
    char table_id[64] = "";
    memset(&x, 0, sizeof x);
    if (result)
        memset(result, 0, sizeof *result);
    if (!opts) {
        dc_table_write_options_init(&defaults);
        opts = &defaults;
    }
    if (!data)
        return dc_error_set(err, DC_EINVALID, "no data to write");
    if (!name)
        return dc_error_set(err, DC_EINVALID, "no table name given");
    if ((unsigned)opts->mode > DC_WRITE_DELETE)
        return dc_error_set(err, DC_EINVALID, "unknown write mode %d", (int)opts->mode);
    if (opts->target_file_rows < 1 || opts->target_file_bytes < 1)
        return dc_error_set(err, DC_EINVALID, "target file rows and bytes must be positive");
    const dc_schema *in_schema = dc_reader_schema(data);
    DC_TRY(dc_scope_begin(&s, c, txn, err));
    const char *nsname = ns ? ns : DC_DEFAULT_NAMESPACE;
    const char *nsid = dc_state_namespace_id_by_name(dc_scope_state(&s), nsname);
    const char *tid = nsid ? dc_state_table_id_by_name(dc_scope_state(&s), nsid, name) : NULL;
    bool creating = false;
    if (tid && opts->mode == DC_WRITE_CREATE) {
        rc = dc_error_set(err, DC_EEXISTS,
                          "table %s already exists in namespace %s (write mode "
                          "CREATE); use ADD, APPEND or AUTO to add to it",
                          name, nsname);
        goto cleanup;
    }
    if (!tid) {
        if (opts->mode != DC_WRITE_AUTO && opts->mode != DC_WRITE_CREATE) {
            rc = dc_error_set(err, DC_ENOTFOUND,
                              "table %s does not exist in namespace %s; write mode %s needs an "
                              "existing table (AUTO or CREATE create one)",
                              name, nsname, dc_write_mode_name(opts->mode));
            goto cleanup;
        }
        if (!nsid) {
            if (!opts->create_namespace) {
                rc = dc_error_set(err, DC_ENOTFOUND, "namespace %s does not exist", nsname);
                goto cleanup;
            }
            DC_TRY(dc_ns_create_op(&s, nsname, NULL, err));
            nsid = dc_state_namespace_id_by_name(dc_scope_state(&s), nsname);
        }
        dc_table_options to;
        if (opts->create)
            to = *opts->create;
        else
            dc_table_options_init(&to);
        DC_TRY(
            dc_table_create_ops(&s, nsid, name, &to, to.schema ? to.schema : in_schema, &tid, err));
        creating = true;
    }
    snprintf(table_id, sizeof table_id, "%s", tid);
    int64_t vn;
    const json_t *tv = dc_table_version_obj(dc_state_table(dc_scope_state(&s), table_id),
                                            opts->table_version, &vn);
    if (!tv) {
        rc = opts->table_version > 0
                 ? dc_error_set(err, DC_ENOTFOUND, "table %s has no version %lld", name,
                                (long long)opts->table_version)
                 : dc_error_set(err, DC_ECORRUPT, "table %s has no table version", name);
        goto cleanup;
    }
    DC_TRY(dc_tv_schema(tv, &table_schema, err));
    const char *lc = json_string_value(json_object_get(tv, "lifecycle"));
    if (lc && !strcmp(lc, "deprecated")) {
        rc = dc_error_set(err, DC_EINVALID,
                          "table %s version %lld is deprecated: it takes no more writes", name,
                          (long long)vn);
        goto cleanup;
    }
    bool keyed = has_merge_keys(table_schema);
    if (!keyed && (opts->mode == DC_WRITE_MERGE || opts->mode == DC_WRITE_DELETE)) {
        rc = dc_error_set(err, DC_EINVALID,
                          "table %s has no merge keys: write mode %s matches rows by merge "
                          "key (declare one in the schema, or use ADD/APPEND/REPLACE)",
                          name, dc_write_mode_name(opts->mode));
        goto cleanup;
    }
    if (keyed && (opts->mode == DC_WRITE_ADD || opts->mode == DC_WRITE_APPEND)) {
        rc = dc_error_set(err, DC_EINVALID,
                          "table %s has merge keys: its rows are written by MERGE (the "
                          "default), DELETE or REPLACE, not %s",
                          name, dc_write_mode_name(opts->mode));
        goto cleanup;
    }
    bool deleting = keyed && opts->mode == DC_WRITE_DELETE;
    /* the schema after this write */
    int64_t next_id =
        json_integer_value(json_object_get(json_object_get(tv, "properties"), TV_NEXT_FIELD_ID));
    if (next_id < 1)
        next_id = 1;
    bool changed = false;
    x.schemaless = dc_tv_schemaless(tv);
    if (x.schemaless) { /* the files keep the data's own schema */
        new_schema = dc_schema_ref(in_schema);
    } else if (deleting) { /* keys only: the schema does not change */
        new_schema = dc_schema_ref(table_schema);
    } else {
        DC_TRY(dc_tschema_evolve_for_write(&new_schema, &changed, table_schema, in_schema,
                                           (dc_evolution)dc_tv_evolution(tv),
                                           (dc_consistency)dc_tv_consistency(tv), &next_id, err));
        DC_TRY(dc_tv_check_readers(tv, new_schema, err)); /* before anything is written */
        if (changed || !table_schema)
            DC_TRY(dc_tv_set_schema_op(&s, table_id, vn, tv, new_schema, next_id, err));
    }
    tv = dc_table_version_obj(dc_state_table(dc_scope_state(&s), table_id), vn, &vn);
    /* the files */
    DC_TRY(ctx_begin(&x, c, table_id, tv, new_schema, opts, err));
    /* merge keys: what the files carry, and whether the write can be a base */
    bool filled = !keyed || creating || opts->mode == DC_WRITE_REPLACE || !tv_has_files(tv);
    if (keyed) {
        DC_TRY(carried_schema(&carried, new_schema, in_schema, deleting, &x.spec, name, err));
        x.keys_only = deleting;
        if (!filled || deleting) {
            x.partial = !deleting && carried->n_fields < new_schema->n_fields;
            x.schema = carried;
        }
        x.track_keys = filled && !deleting;
        for (int32_t i = 0; i < x.schema->n_fields && x.n_key_cols < 64; i++)
            if (dc_tfield_is_merge_key(&x.schema->fields[i]))
                x.key_cols[x.n_key_cols++] = i;
    }
    DC_TRY(make_file_schema(&x, err));
    if (x.format != DC_FORMAT_PARQUET && x.format != DC_FORMAT_CSV && x.format != DC_FORMAT_JSONL &&
        x.format != DC_FORMAT_TSV && x.format != DC_FORMAT_PSV) {
        rc = dc_error_set(err, DC_EINVALID, "content type %s cannot be written to a table",
                          dc_format_name(x.format));
        goto cleanup;
    }
    DC_TRY(write_all(&x, data, err));
    /* the commit's operations */
    if (opts->mode == DC_WRITE_REPLACE)
        DC_TRY(dc_table_remove_all_ops(&s, table_id, vn, err));
    if (keyed) {
        /* A write whose keys are unique into an empty table (or replacing it) is a base:
         * its rows need no merging. Its emptiness is read: a concurrent write conflicts. */
        bool unique = false;
        if (x.track_keys)
            DC_TRY(keys_unique(&x, &unique, err));
        int64_t through = -1;
        if (unique) {
            if (!creating && opts->mode != DC_WRITE_REPLACE)
                DC_TRY(dc_stxn_note_read(s.txn->st, table_id, true, err));
            through = dc_txn_read_version(s.txn);
        }
        DC_TRY(add_delta_ops_at(&s, &x, table_id, vn, deleting ? "delete" : "upsert",
                                opts->mode == DC_WRITE_REPLACE, through, err));
    } else {
        DC_TRY(add_delta_ops(&s, &x, table_id, vn, opts->mode == DC_WRITE_APPEND ? "append" : "add",
                             opts->mode == DC_WRITE_REPLACE, err));
    }
    if (result) {
        result->rows = x.rows;
        result->files = x.n_files;
        result->bytes = x.bytes;
        result->created = creating;
        result->schema_changed = changed;
    }
cleanup:
    if (s.txn) {
        char msg[300];
        bool own = s.own;
        dc_status before = rc;
        snprintf(msg, sizeof msg, "%s write to %s", dc_write_mode_name(opts->mode), name);
        rc = dc_scope_end(&s, rc, msg, result ? &result->commit_version : NULL, err);
        /* Concurrent AUTO writes to a new table: one creates it, the others add to it. */
        if (before == DC_OK && own && creating && opts->mode == DC_WRITE_AUTO &&
            (rc == DC_EEXISTS || rc == DC_ECONFLICT))
            rc = retry_as_add(c, ns, name, opts, &x, new_schema, result, err);
    }
    if (rc != DC_OK)
        remove_written(&x);
    if (rc == DC_OK && !txn && !x.schemaless) { /* the table's compaction policy */
        dc_compact_options co = {.if_needed = true};
        dc_compact_result cr;
        dc_error ignored;
        if (dc_table_compact(c, NULL, ns, name, &co, &cr, &ignored) == DC_OK && result)
            result->compacted = cr.compacted;
    }
    ctx_free(&x);
    dc_schema_unref(table_schema);
    dc_schema_unref(new_schema);
    dc_schema_unref(carried);
    return rc;
}

/* Source i of dc_table_write_files: the i-th path. */
static dc_status open_path(void *user, int64_t i, dc_reader **out, dc_error *err)
{
    const char *const *paths = user;
    return dc_file_reader_open(out, paths[i], DC_FORMAT_UNKNOWN, NULL, err);
}

/* Copy a local file into the catalog at `key`; its size. */
static dc_status copy_in(dc_fs *fs, const char *path, const char *key, int64_t *size, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_input *in = NULL;
    dc_output *out = NULL;
    uint8_t *buf = dc_malloc((size_t)1 << 20);
    DC_TRY_ALLOC(buf, err);
    DC_TRY(dc_input_open_file(&in, path, err));
    DC_TRY(dc_fs_open_output(fs, key, DC_FS_OUTPUT_IF_ABSENT, &out, err));
    for (int64_t off = 0;;) {
        int64_t got = 0;
        DC_TRY(dc_input_read_at(in, off, buf, (int64_t)1 << 20, &got, err));
        if (got == 0)
            break;
        DC_TRY(dc_output_write(out, buf, got, err));
        off += got;
    }
    DC_TRY(dc_output_finish(out, err));
    *size = out->written;
cleanup:
    dc_output_close(out);
    dc_input_close(in);
    dc_free(buf);
    return rc;
}

/* Rows of a tabular file (Parquet: its footer; CSV, JSONL: counted); 0 for other files. */
static dc_status count_records(const char *path, int64_t *rows, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_reader *r = NULL;
    *rows = 0;
    dc_file_format fmt = dc_format_from_path(path);
    if (fmt == DC_FORMAT_UNKNOWN)
        return DC_OK;
    if (fmt == DC_FORMAT_PARQUET) {
        dc_input *in = NULL;
        dc_pq_file *f = NULL;
        DC_TRY(dc_input_open_file(&in, path, err));
        rc = dc_pq_file_open(&f, in, err);
        if (rc == DC_OK)
            *rows = dc_pq_file_meta(f)->num_rows;
        dc_pq_file_free(f);
        return rc;
    }
    DC_TRY(dc_file_reader_open(&r, path, fmt, NULL, err));
    for (;;) {
        dc_batch *b = NULL;
        DC_TRY(dc_reader_next(r, &b, err));
        if (!b)
            break;
        *rows += b->length;
        dc_batch_unref(b);
    }
cleanup:
    dc_reader_free(r);
    return rc;
}

/* Schemaless tables: the files are copied in as they are and registered. */
static dc_status register_files(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                                const char *const *paths, int32_t n,
                                const dc_table_write_options *opts, dc_write_result *result,
                                dc_error *err)
{
    dc_status rc = DC_OK;
    dc_scope s = {0};
    json_t *files = NULL;
    char **keys = dc_calloc((size_t)n, sizeof *keys);
    char tid[64];
    bool created = false;
    dc_fs *fs = dc_store_fs(c->store);
    DC_TRY_ALLOC(keys, err);
    DC_TRY(dc_scope_begin(&s, c, txn, err));
    const char *nsname = ns ? ns : DC_DEFAULT_NAMESPACE;
    const char *nsid = dc_state_namespace_id_by_name(dc_scope_state(&s), nsname);
    const char *id = nsid ? dc_state_table_id_by_name(dc_scope_state(&s), nsid, name) : NULL;
    if (id && opts->mode == DC_WRITE_CREATE) {
        rc = dc_error_set(err, DC_EEXISTS, "table %s already exists in namespace %s", name, nsname);
        goto cleanup;
    }
    if (!id) {
        if (!nsid) {
            DC_TRY(dc_ns_create_op(&s, nsname, NULL, err));
            nsid = dc_state_namespace_id_by_name(dc_scope_state(&s), nsname);
        }
        DC_TRY(dc_table_create_ops(&s, nsid, name, opts->create, NULL, &id, err));
        created = true;
    }
    snprintf(tid, sizeof tid, "%s", id);
    int64_t vn;
    const json_t *tv =
        dc_table_version_obj(dc_state_table(dc_scope_state(&s), tid), opts->table_version, &vn);
    if (!tv) {
        rc = dc_error_set(err, DC_ENOTFOUND, "table %s has no version %lld", name,
                          (long long)opts->table_version);
        goto cleanup;
    }
    files = json_array();
    DC_TRY_ALLOC(files, err);
    for (int32_t i = 0; i < n; i++) {
        char uuid[37];
        const char *base = strrchr(paths[i], '/');
        const char *dot = strrchr(base ? base : paths[i], '.');
        DC_TRY(dc_uuid(uuid, err));
        size_t len = strlen(tid) + 64 + (dot ? strlen(dot) : 0);
        keys[i] = dc_malloc(len);
        DC_TRY_ALLOC(keys[i], err);
        snprintf(keys[i], len, "data/%s/%s%s", tid, uuid, dot && dot[1] ? dot : "");
        if (dc_fs_path_check(keys[i], NULL) != DC_OK) /* an odd extension: drop it */
            snprintf(keys[i], len, "data/%s/%s", tid, uuid);
        int64_t size = 0, rows = 0;
        DC_TRY(count_records(paths[i], &rows, err));
        DC_TRY(copy_in(fs, paths[i], keys[i], &size, err));
        dc_file_format fmt = dc_format_from_path(paths[i]);
        const char *ct = fmt != DC_FORMAT_UNKNOWN ? dc_format_name(fmt)
                         : dot && dot[1]          ? dot + 1
                                                  : "binary";
        json_t *e =
            json_pack("{s:s, s:s, s:s, s:I, s:I}", "path", keys[i], "content_type", ct, "encoding",
                      "identity", "record_count", (json_int_t)rows, "file_size", (json_int_t)size);
        DC_TRY_ALLOC(e, err);
        json_array_append_new(files, e);
        if (result) {
            result->rows += rows;
            result->bytes += size;
            result->files++;
        }
    }
    if (opts->mode == DC_WRITE_REPLACE)
        DC_TRY(dc_table_remove_all_ops(&s, tid, vn, err));
    json_t *op = json_pack("{s:s, s:s, s:I, s:s, s:s, s:O}", "op", "add_delta", "table_id", tid,
                           "table_version", (json_int_t)vn, "partition", "", "delta_type",
                           opts->mode == DC_WRITE_APPEND ? "append" : "add", "files", files);
    if (op && opts->mode == DC_WRITE_REPLACE)
        json_object_set_new(op, "exclusive", json_true());
    DC_TRY(dc_scope_add_op(&s, op, err));
    if (result)
        result->created = created;
cleanup:
    if (s.txn)
        rc = dc_scope_end(&s, rc, "register files", result ? &result->commit_version : NULL, err);
    for (int32_t i = 0; keys && i < n; i++) {
        if (rc != DC_OK && keys[i])
            (void)dc_fs_remove(fs, keys[i], NULL);
        dc_free(keys[i]);
    }
    dc_free(keys);
    json_decref(files);
    return rc;
}

/* Is the write to a schemaless table (existing, or created by this write)? */
static bool to_schemaless(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                          const dc_table_write_options *opts)
{
    dc_scope s;
    bool yes = false;
    if (dc_scope_begin(&s, c, txn, NULL) != DC_OK)
        return false;
    const json_t *t;
    if (dc_table_resolve(&s, ns, name, NULL, &t, NULL) == DC_OK) {
        const json_t *tv = dc_table_version_obj(t, opts->table_version, NULL);
        yes = tv && dc_tv_schemaless(tv);
    } else {
        yes = opts->create && opts->create->schemaless &&
              (opts->mode == DC_WRITE_AUTO || opts->mode == DC_WRITE_CREATE);
    }
    dc_scope_drop(&s);
    return yes;
}

dc_status dc_table_write_files(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                               const char *const *paths, int32_t n_paths,
                               const dc_table_write_options *opts, dc_write_result *result,
                               dc_error *err)
{
    dc_table_write_options defaults;
    if (!opts) {
        dc_table_write_options_init(&defaults);
        opts = &defaults;
    }
    if (result)
        memset(result, 0, sizeof *result);
    if (n_paths >= 1 && paths && name && to_schemaless(c, txn, ns, name, opts))
        return register_files(c, txn, ns, name, paths, n_paths, opts, result, err);
    dc_status rc = DC_OK;
    dc_reader *r = NULL, *all = NULL;
    dc_schema *schema = NULL;
    if (n_paths < 1 || !paths)
        return dc_error_set(err, DC_EINVALID, "no files to write");
    /* their schemas, unified (permissive), before any data moves */
    for (int32_t i = 0; i < n_paths; i++) {
        DC_TRY(dc_file_reader_open(&r, paths[i], DC_FORMAT_UNKNOWN, NULL, err));
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
    DC_TRY(dc_reader_concat(&all, schema, n_paths, open_path, (void *)paths, NULL, err));
    rc = dc_table_write(c, txn, ns, name, all, opts, result, err);
cleanup:
    dc_reader_free(r);
    dc_reader_free(all);
    dc_schema_unref(schema);
    return rc;
}

/* ---- compaction ---- */

/* What a table version holds, for the compaction policy. */
typedef struct live_files {
    json_t *by_part; /* {partition: [path, ...]} */
    int64_t files, tail_deltas, tail_rows, base_rows;
    int64_t small_files;           /* in partitions holding two or more of them */
    int64_t most_rows, most_bytes; /* of one partition */
    int64_t key_buckets;           /* the bucket count every base file has (0: none, -1: mixed) */
} live_files;

static dc_status collect_live(const json_t *tv, int64_t target_rows, live_files *lv, dc_error *err)
{
    memset(lv, 0, sizeof *lv);
    lv->by_part = json_object();
    if (!lv->by_part)
        return dc_error_nomem(err);
    const char *key;
    json_t *p;
    json_object_foreach((json_t *)json_object_get(tv, "partitions"), key, p)
    {
        size_t i, j;
        json_t *d, *f;
        int64_t small = 0; /* this partition's: one small file alone has nothing to join */
        int64_t rows_here = 0, bytes_here = 0;
        json_array_foreach(json_object_get(p, "deltas"), i, d)
        {
            const json_t *files = json_object_get(d, "files");
            bool base = json_is_integer(json_object_get(d, "merged_through"));
            if (json_array_size(files) == 0)
                continue;
            if (!base)
                lv->tail_deltas++;
            json_t *paths = json_object_get(lv->by_part, key);
            if (!paths) {
                paths = json_array();
                if (!paths || json_object_set_new(lv->by_part, key, paths) != 0)
                    return dc_error_nomem(err);
            }
            json_array_foreach(files, j, f)
            {
                int64_t rows = json_integer_value(json_object_get(f, "record_count"));
                rows_here += rows;
                bytes_here += json_integer_value(json_object_get(f, "file_size"));
                if (json_array_append(paths, json_object_get(f, "path")) != 0)
                    return dc_error_nomem(err);
                lv->files++;
                if (base) {
                    lv->base_rows += rows;
                    const json_t *kb = json_object_get(f, "key_buckets");
                    int64_t n = json_is_integer(kb) ? json_integer_value(kb) : -1;
                    if (lv->key_buckets == 0 && n > 0)
                        lv->key_buckets = n;
                    else if (lv->key_buckets != n)
                        lv->key_buckets = -1;
                } else {
                    lv->tail_rows += rows;
                }
                if (rows < target_rows / 2)
                    small++;
            }
        }
        if (small > 1)
            lv->small_files += small;
        lv->most_rows = DC_MAX(lv->most_rows, rows_here);
        lv->most_bytes = DC_MAX(lv->most_bytes, bytes_here);
    }
    return DC_OK;
}

static const char *prop(const json_t *t, const char *key)
{
    return json_string_value(json_object_get(json_object_get(t, "properties"), key));
}

/* Should the table be compacted: on demand (policy false), or by its policy? */
static bool compaction_due(const json_t *t, bool keyed, const live_files *lv, bool policy)
{
    bool work = keyed ? lv->tail_deltas > 0 || lv->small_files > 1 : lv->small_files > 1;
    if (!work || !policy)
        return work;
    const char *mode = prop(t, "compaction.mode");
    if (mode ? !strcmp(mode, "off") : !keyed) /* by default, tables with merge keys only */
        return false;
    if (mode && !strcmp(mode, "sync"))
        return true;
    const char *md = prop(t, "compaction.max_deltas"), *mr = prop(t, "compaction.max_ratio");
    int64_t max_deltas = md ? strtoll(md, NULL, 10) : 16;
    double max_ratio = mr ? strtod(mr, NULL) : 0.5;
    int64_t pieces = keyed ? lv->tail_deltas : lv->small_files;
    if (pieces > max_deltas)
        return true;
    return keyed && lv->tail_rows > 0 && (double)lv->tail_rows > max_ratio * (double)lv->base_rows;
}

/* Merge-key buckets for a compaction: as many as files of the target size the largest
 * partition fills (its rows and bytes before the fold), 1 to MAX_OPEN_FILES (the files a
 * write keeps open). */
static int32_t buckets_for(const live_files *lv, const dc_table_write_options *o)
{
    int64_t by_rows = (lv->most_rows + o->target_file_rows - 1) / o->target_file_rows;
    int64_t by_bytes = (lv->most_bytes + o->target_file_bytes - 1) / o->target_file_bytes;
    return (int32_t)DC_MAX(1, DC_MIN(DC_MAX(by_rows, by_bytes), MAX_OPEN_FILES));
}

/* Can the merge-key columns be filed by bucket (dc_part_key_buckets hashes them)? */
static bool keys_hash(const writer_ctx *x)
{
    for (int32_t j = 0; j < x->n_key_cols; j++)
        if (!dc_part_key_type_hashes(x->schema->fields[x->key_cols[j]].type))
            return false;
    return x->n_key_cols > 0;
}

dc_status dc_table_compact(dc_catalog *c, dc_txn *txn, const char *ns, const char *name,
                           const dc_compact_options *opts, dc_compact_result *result, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_scope s = {0};
    dc_compact_options defaults = {0};
    dc_table_write_options wo;
    writer_ctx x;
    live_files lv = {0};
    dc_schema *schema = NULL;
    dc_reader *rd = NULL;
    json_t *keep = NULL; /* base files of untouched buckets */
    char table_id[64] = "";
    bool committed_nothing = false;
    memset(&x, 0, sizeof x);
    if (result)
        memset(result, 0, sizeof *result);
    if (!opts)
        opts = &defaults;
    if (!name)
        return dc_error_set(err, DC_EINVALID, "no table name given");
    if (opts->target_file_rows < 0 || opts->target_file_bytes < 0)
        return dc_error_set(err, DC_EINVALID, "target file rows and bytes must be >= 0");
    dc_table_write_options_init(&wo);
    if (opts->target_file_rows > 0)
        wo.target_file_rows = opts->target_file_rows;
    if (opts->target_file_bytes > 0)
        wo.target_file_bytes = opts->target_file_bytes;
    DC_TRY(dc_scope_begin(&s, c, txn, err));
    const char *id;
    const json_t *t;
    DC_TRY(dc_table_resolve(&s, ns, name, &id, &t, err));
    snprintf(table_id, sizeof table_id, "%s", id);
    int64_t vn;
    const json_t *tv = dc_table_version_obj(t, opts->table_version, &vn);
    if (!tv) {
        rc = dc_error_set(err, DC_ENOTFOUND, "table %s has no version %lld", name,
                          (long long)opts->table_version);
        goto cleanup;
    }
    if (dc_tv_schemaless(tv)) {
        rc = dc_error_set(err, DC_EINVALID,
                          "table %s is schemaless: its files are kept as they are, not compacted",
                          name);
        goto cleanup;
    }
    DC_TRY(dc_tv_schema(tv, &schema, err));
    bool keyed = has_merge_keys(schema);
    DC_TRY(collect_live(tv, wo.target_file_rows, &lv, err));
    /* a keyed base filed in the buckets the target asks for is as compact as it gets: its
     * files are small only because their buckets are */
    bool settled = keyed && lv.tail_deltas == 0 && lv.key_buckets == buckets_for(&lv, &wo);
    if (!schema || settled || !compaction_due(t, keyed, &lv, opts->if_needed)) {
        committed_nothing = true;
        goto cleanup;
    }
    int64_t through = dc_txn_read_version(s.txn);
    DC_TRY(ctx_begin(&x, c, table_id, tv, schema, &wo, err));
    DC_TRY(make_file_schema(&x, err));
    /* Tables with merge keys: merged rows are filed by the bucket of their key, and when the
     * base is already so filed, only the buckets the outstanding deltas touch are rewritten
     * (FORMAT.md 4.3): the others' files are kept, left out of the read and the removal. */
    for (int32_t i = 0; keyed && i < schema->n_fields && x.n_key_cols < 64; i++)
        if (dc_tfield_is_merge_key(&schema->fields[i]))
            x.key_cols[x.n_key_cols++] = i;
    if (keyed && keys_hash(&x)) {
        int32_t want = buckets_for(&lv, &wo), have = 0;
        if (lv.tail_deltas > 0)
            DC_TRY(dc_table_untouched_buckets(c, s.txn, ns, name, vn, &have, &keep, err));
        if (have > 0 && have * 2 >= want && json_object_size(keep) > 0) {
            x.key_buckets = have;
        } else { /* the first keyed compaction, or the table outgrew its buckets: all of it */
            json_decref(keep);
            keep = NULL;
            x.key_buckets = want;
        }
    }
    /* the rows: merged (merge keys) or as they read, the read not noted for conflicts */
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    ro.table_version = vn;
    DC_TRY(dc_table_read_quiet(c, s.txn, ns, name, &ro, keep, &rd, err));
    DC_TRY(write_all(&x, rd, err));
    int64_t files_in = 0;
    const char *pk;
    json_t *paths;
    json_object_foreach(lv.by_part, pk, paths)
    {
        json_t *gone = json_array();
        DC_TRY_ALLOC(gone, err);
        size_t i;
        json_t *p;
        json_array_foreach(paths, i, p)
        {
            if (keep && json_object_get(keep, json_string_value(p)))
                continue;
            if (json_array_append(gone, p) != 0) {
                json_decref(gone);
                rc = dc_error_nomem(err);
                goto cleanup;
            }
        }
        files_in += (int64_t)json_array_size(gone);
        if (json_array_size(gone) == 0) {
            json_decref(gone);
            continue;
        }
        json_t *op =
            json_pack("{s:s, s:s, s:I, s:s, s:o}", "op", "remove_files", "table_id", table_id,
                      "table_version", (json_int_t)vn, "partition", pk, "paths", gone);
        DC_TRY(dc_scope_add_op(&s, op, err));
    }
    DC_TRY(add_delta_ops_at(&s, &x, table_id, vn, "add", false, through, err));
    if (result) {
        result->compacted = true;
        result->files_in = files_in;
        result->files_kept = keep ? (int64_t)json_object_size(keep) : 0;
        result->key_buckets = x.key_buckets;
        result->deltas_in = lv.tail_deltas;
        result->rows_out = x.rows;
        result->files_out = x.n_files;
        result->bytes_out = x.bytes;
    }
cleanup:
    dc_reader_free(rd);
    if (s.txn) {
        char msg[300];
        snprintf(msg, sizeof msg, "compact %s", name);
        if (committed_nothing && s.own)
            dc_scope_drop(&s);
        else
            rc = dc_scope_end(&s, rc, msg, result ? &result->commit_version : NULL, err);
    }
    if (rc != DC_OK)
        remove_written(&x);
    ctx_free(&x);
    json_decref(lv.by_part);
    json_decref(keep);
    dc_schema_unref(schema);
    return rc;
}
