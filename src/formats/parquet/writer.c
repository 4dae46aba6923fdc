/*
 * writer.c: the Parquet writer (apache/parquet-format): maps an Arrow schema to
 * a Parquet schema, hands batches to its leaf columns (writer_column.c) on a
 * small pool of threads, flushes row groups, and ends the file with the page
 * index (ColumnIndex/OffsetIndex of every chunk) and the footer.
 *
 * Type mapping (Arrow -> Parquet physical + logical):
 *   bool -> BOOLEAN; int8/16/32, uint8/16/32 -> INT32 + INTEGER(w, signed);
 *   int64/uint64 -> INT64 + INTEGER(64, signed); float16 -> FIXED_LEN_BYTE_ARRAY(2)
 *   + FLOAT16; float/double -> FLOAT/DOUBLE; decimal128/256 -> INT32 (precision
 *   <= 9), INT64 (<= 18), else FIXED_LEN_BYTE_ARRAY of the fewest bytes that hold
 *   the precision, + DECIMAL; date32 -> INT32 DATE; date64 -> INT32 DATE (whole
 *   days: date64 reads back as date32, as Arrow C++ writes it); time32[s|ms] ->
 *   INT32 TIME(MILLIS) (seconds scaled); time64[us|ns] -> INT64 TIME(MICROS|NANOS);
 *   timestamp[s|ms|us|ns] -> INT64 TIMESTAMP(MILLIS|MILLIS|MICROS|NANOS), UTC-
 *   adjusted when the type has a time zone (seconds scaled to milliseconds);
 *   duration -> INT64 without a logical type (Parquet has no duration: it reads
 *   back as int64); utf8/large_utf8 -> BYTE_ARRAY STRING; binary/large_binary ->
 *   BYTE_ARRAY; fixed_size_binary(n) -> FIXED_LEN_BYTE_ARRAY(n); null -> INT32
 *   UNKNOWN (always null); dictionary -> its value type, dictionary-encoded;
 *   struct -> group; list/large_list/fixed_size_list -> 3-level LIST; map -> MAP
 *   with a repeated key_value group. The exact Arrow types are kept in the
 *   key-value metadata "deltacat.schema" (JSON: name, type, nullable per field).
 */
#include "formats/parquet/writer_int.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define PQW_MAGIC "PAR1"

/* ---- options ------------------------------------------------------------------------- */

void dc_parquet_write_options_init(dc_parquet_write_options *o)
{
    memset(o, 0, sizeof *o);
    o->compression = DC_PARQUET_SNAPPY;
    o->row_group_rows = 1048576;
    o->row_group_bytes = 128 << 20;
    o->page_bytes = 1 << 20;
    o->page_rows = 20000;
    o->dictionary_bytes = 1 << 20;
    o->dictionary = true;
    o->statistics = true;
    o->threads = 2;
}

bool dc_parquet_codec_from_name(const char *name, dc_parquet_codec *out)
{
    static const struct {
        const char *name;
        dc_parquet_codec codec;
    } names[] = {
        {"snappy", DC_PARQUET_SNAPPY}, {"zstd", DC_PARQUET_ZSTD},
        {"gzip", DC_PARQUET_GZIP},     {"lz4", DC_PARQUET_LZ4_RAW},
        {"lz4_raw", DC_PARQUET_LZ4_RAW}, {"none", DC_PARQUET_UNCOMPRESSED},
        {"uncompressed", DC_PARQUET_UNCOMPRESSED},
    };
    for (size_t i = 0; name && i < DC_ARRAY_LEN(names); i++) {
        if (dc_str_ieq(name, (int64_t)strlen(name), names[i].name)) {
            *out = names[i].codec;
            return true;
        }
    }
    return false;
}

/* ---- the writer ---------------------------------------------------------------------- */

/* Where a chunk's serialized page index waits until the file ends. */
typedef struct chunk_index {
    int64_t ci_pos, oi_pos; /* in ci_buf / oi_buf; ci_pos -1: no ColumnIndex */
    int32_t ci_len, oi_len;
} chunk_index;

enum { JOB_WRITE, JOB_FINISH };

typedef struct pq_writer pq_writer;

typedef struct worker {
    pq_writer *w;
    pthread_t thread;
    dc_pq_codec_ctx *ctx;
    bool started;
} worker;

struct pq_writer {
    dc_output *out;
    dc_schema *schema;
    dc_parquet_write_options opts;
    dc_arena arena; /* the footer's strings, lists and statistics */

    dc_pq_schema_element *elems;
    int64_t n_elems, elems_cap;
    pqw_column *cols;
    int32_t n_cols, cols_cap;

    int64_t pos; /* bytes written to the output */
    dc_pq_row_group *rgs;
    int64_t n_rgs, rgs_cap;
    chunk_index *idx; /* n_rgs * n_cols */
    dc_bytes ci_buf, oi_buf;
    int64_t rg_rows;    /* rows of the open row group */
    int64_t total_rows; /* rows of the flushed row groups */

    dc_status failed; /* sticky */
    dc_error fail_err;

    /* the pool: jobs are columns; the caller takes jobs too while it waits */
    worker *workers;
    int32_t n_workers;
    dc_pq_codec_ctx *ctx; /* the caller's */
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    bool sync_ready;
    bool stop;
    int job_kind;
    dc_batch *job_batch;
    int32_t next, n_jobs, done; /* jobs [0, n_cols): columns; then pages to compress */
    dc_status *col_rc;
    dc_error *col_err;
    struct page_job {
        pqw_column *c;
        pqw_page *pg;
    } *page_jobs;
    int32_t page_jobs_cap;
};

/* ---- schema mapping ------------------------------------------------------------------------ */

typedef struct path_ctx {
    pqw_step steps[PQW_MAX_DEPTH]; /* one per Arrow array on the way down */
    int32_t n;
    const char *names[2 * PQW_MAX_DEPTH]; /* one per schema element on the way down */
    int32_t n_names;
    int16_t rep;
    int32_t top;
} path_ctx;

static dc_status push_elem(pq_writer *w, dc_pq_schema_element **out, dc_error *err)
{
    if (w->n_elems == w->elems_cap) {
        int64_t cap = w->elems_cap ? w->elems_cap * 2 : 16;
        dc_pq_schema_element *e = dc_realloc(w->elems, (size_t)cap * sizeof *e);
        if (!e)
            return dc_error_nomem(err);
        w->elems = e;
        w->elems_cap = cap;
    }
    *out = &w->elems[w->n_elems++];
    memset(*out, 0, sizeof **out);
    return DC_OK;
}

static int32_t decimal_bytes(int32_t precision)
{
    for (int32_t n = 1; n <= 32; n++)
        if ((int32_t)floor((8.0 * n - 1) * 0.30102999566398120) >= precision)
            return n;
    return 32;
}

static void set_int(dc_pq_schema_element *e, pqw_column *c, int bits, bool is_signed, pqw_conv cv)
{
    static const int32_t ct_signed[] = {DC_PQ_CT_INT_8, DC_PQ_CT_INT_16, DC_PQ_CT_INT_32,
                                        DC_PQ_CT_INT_64};
    static const int32_t ct_unsigned[] = {DC_PQ_CT_UINT_8, DC_PQ_CT_UINT_16, DC_PQ_CT_UINT_32,
                                          DC_PQ_CT_UINT_64};
    int k = bits == 8 ? 0 : bits == 16 ? 1 : bits == 32 ? 2 : 3;
    e->type = bits == 64 ? DC_PQ_TYPE_INT64 : DC_PQ_TYPE_INT32;
    e->logical_type.kind = DC_PQ_LT_INTEGER;
    e->logical_type.integer.bit_width = (int8_t)bits;
    e->logical_type.integer.is_signed = is_signed;
    e->has_converted_type = true;
    e->converted_type = is_signed ? ct_signed[k] : ct_unsigned[k];
    c->conv = cv;
    c->type_length = bits == 64 ? 8 : 4;
    c->order = bits == 64 ? (is_signed ? PQW_ORD_I64 : PQW_ORD_U64)
                          : (is_signed ? PQW_ORD_I32 : PQW_ORD_U32);
}

static int32_t unit_of(dc_time_unit u)
{
    return u == DC_UNIT_NANO ? DC_PQ_UNIT_NANOS : u == DC_UNIT_MICRO ? DC_PQ_UNIT_MICROS
                                                                       : DC_PQ_UNIT_MILLIS;
}

/* Fill a leaf's physical/logical types and its column's conversion and sort order. */
static dc_status map_primitive(pq_writer *w, const dc_type *t, const char *name,
                               dc_pq_schema_element *e, pqw_column *c, dc_error *err)
{
    e->has_type = true;
    e->has_logical_type = false;
    c->conv = PQW_CV_COPY;
    switch (t->id) {
    case DC_TYPE_NULL:
        e->type = DC_PQ_TYPE_INT32;
        e->logical_type.kind = DC_PQ_LT_UNKNOWN;
        c->conv = PQW_CV_NULL;
        c->type_length = 4;
        c->order = PQW_ORD_NONE;
        break;
    case DC_TYPE_BOOL:
        e->type = DC_PQ_TYPE_BOOLEAN;
        c->conv = PQW_CV_BOOL;
        c->type_length = 1;
        c->order = PQW_ORD_BOOL;
        break;
    case DC_TYPE_INT8: set_int(e, c, 8, true, PQW_CV_I8); break;
    case DC_TYPE_INT16: set_int(e, c, 16, true, PQW_CV_I16); break;
    case DC_TYPE_INT32: set_int(e, c, 32, true, PQW_CV_COPY); break;
    case DC_TYPE_INT64: set_int(e, c, 64, true, PQW_CV_COPY); break;
    case DC_TYPE_UINT8: set_int(e, c, 8, false, PQW_CV_U8); break;
    case DC_TYPE_UINT16: set_int(e, c, 16, false, PQW_CV_U16); break;
    case DC_TYPE_UINT32: set_int(e, c, 32, false, PQW_CV_COPY); break;
    case DC_TYPE_UINT64: set_int(e, c, 64, false, PQW_CV_COPY); break;
    case DC_TYPE_FLOAT16:
        e->type = DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
        e->has_type_length = true;
        e->type_length = 2;
        e->logical_type.kind = DC_PQ_LT_FLOAT16;
        c->type_length = 2;
        c->order = PQW_ORD_HALF;
        break;
    case DC_TYPE_FLOAT32:
        e->type = DC_PQ_TYPE_FLOAT;
        c->type_length = 4;
        c->order = PQW_ORD_FLOAT;
        break;
    case DC_TYPE_FLOAT64:
        e->type = DC_PQ_TYPE_DOUBLE;
        c->type_length = 8;
        c->order = PQW_ORD_DOUBLE;
        break;
    case DC_TYPE_DECIMAL128:
    case DC_TYPE_DECIMAL256:
        if (t->scale < 0 || t->scale > t->precision || t->precision < 1)
            return dc_error_set(err, DC_EUNSUPPORTED,
                                "column %s: decimal(%d, %d) cannot be written to Parquet, whose "
                                "decimals need 0 <= scale <= precision; cast it first",
                                name, (int)t->precision, (int)t->scale);
        e->logical_type.kind = DC_PQ_LT_DECIMAL;
        e->logical_type.decimal.precision = t->precision;
        e->logical_type.decimal.scale = t->scale;
        e->has_converted_type = e->has_scale = e->has_precision = true;
        e->converted_type = DC_PQ_CT_DECIMAL;
        e->scale = t->scale;
        e->precision = t->precision;
        if (t->precision <= 9) {
            e->type = DC_PQ_TYPE_INT32;
            c->conv = PQW_CV_DEC_I32;
            c->type_length = 4;
            c->order = PQW_ORD_I32;
        } else if (t->precision <= 18) {
            e->type = DC_PQ_TYPE_INT64;
            c->conv = PQW_CV_DEC_I64;
            c->type_length = 8;
            c->order = PQW_ORD_I64;
        } else {
            e->type = DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
            e->has_type_length = true;
            e->type_length = decimal_bytes(t->precision);
            c->conv = PQW_CV_DEC_FLBA;
            c->type_length = e->type_length;
            c->order = PQW_ORD_DEC_BE;
        }
        break;
    case DC_TYPE_DATE32:
    case DC_TYPE_DATE64:
        e->type = DC_PQ_TYPE_INT32;
        e->logical_type.kind = DC_PQ_LT_DATE;
        e->has_converted_type = true;
        e->converted_type = DC_PQ_CT_DATE;
        c->conv = t->id == DC_TYPE_DATE64 ? PQW_CV_DATE64 : PQW_CV_COPY;
        c->type_length = 4;
        c->order = PQW_ORD_I32;
        break;
    case DC_TYPE_TIME32:
    case DC_TYPE_TIME64:
        e->logical_type.kind = DC_PQ_LT_TIME;
        e->logical_type.time.is_adjusted_to_utc = false;
        e->logical_type.time.unit = unit_of(t->unit);
        if (t->id == DC_TYPE_TIME32) {
            e->type = DC_PQ_TYPE_INT32;
            c->conv = t->unit == DC_UNIT_SECOND ? PQW_CV_MUL1000_32 : PQW_CV_COPY;
            c->type_length = 4;
            c->order = PQW_ORD_I32;
        } else {
            e->type = DC_PQ_TYPE_INT64;
            c->type_length = 8;
            c->order = PQW_ORD_I64;
        }
        break;
    case DC_TYPE_TIMESTAMP: {
        bool utc = t->timezone != NULL;
        e->type = DC_PQ_TYPE_INT64;
        e->logical_type.kind = DC_PQ_LT_TIMESTAMP;
        e->logical_type.timestamp.is_adjusted_to_utc = utc;
        e->logical_type.timestamp.unit = unit_of(t->unit);
        if (utc && t->unit != DC_UNIT_NANO) { /* the legacy annotation means UTC-adjusted */
            e->has_converted_type = true;
            e->converted_type =
                t->unit == DC_UNIT_MICRO ? DC_PQ_CT_TIMESTAMP_MICROS : DC_PQ_CT_TIMESTAMP_MILLIS;
        }
        c->conv = t->unit == DC_UNIT_SECOND ? PQW_CV_MUL1000_64 : PQW_CV_COPY;
        c->type_length = 8;
        c->order = PQW_ORD_I64;
        break;
    }
    case DC_TYPE_DURATION:
        e->type = DC_PQ_TYPE_INT64;
        c->type_length = 8;
        c->order = PQW_ORD_I64;
        break;
    case DC_TYPE_UTF8:
    case DC_TYPE_LARGE_UTF8:
    case DC_TYPE_BINARY:
    case DC_TYPE_LARGE_BINARY: {
        bool text = t->id == DC_TYPE_UTF8 || t->id == DC_TYPE_LARGE_UTF8;
        e->type = DC_PQ_TYPE_BYTE_ARRAY;
        if (text) {
            e->logical_type.kind = DC_PQ_LT_STRING;
            e->has_converted_type = true;
            e->converted_type = DC_PQ_CT_UTF8;
        }
        c->is_text = text;
        c->conv = dc_type_has_offsets64(t->id) ? PQW_CV_BIN64 : PQW_CV_BIN32;
        c->type_length = 0;
        c->order = PQW_ORD_BYTES;
        break;
    }
    case DC_TYPE_FIXED_SIZE_BINARY:
        if (t->byte_width <= 0)
            return dc_error_set(err, DC_EUNSUPPORTED,
                                "column %s: fixed_size_binary(%d) cannot be written to Parquet "
                                "(FIXED_LEN_BYTE_ARRAY needs a length of at least 1)",
                                name, (int)t->byte_width);
        e->type = DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY;
        e->has_type_length = true;
        e->type_length = t->byte_width;
        c->type_length = t->byte_width;
        c->order = PQW_ORD_BYTES;
        break;
    default:
        return dc_error_set(err, DC_EUNSUPPORTED, "column %s: type %s cannot be written to Parquet",
                            name, dc_type_id_name(t->id));
    }
    e->has_logical_type = e->logical_type.kind != DC_PQ_LT_NONE;
    (void)w;
    return DC_OK;
}

static dc_status add_leaf(pq_writer *w, path_ctx *p, int64_t ei, const dc_type *t, bool dict,
                          dc_error *err)
{
    dc_status rc = DC_OK;
    if (w->n_cols == w->cols_cap) {
        int32_t cap = w->cols_cap ? w->cols_cap * 2 : 8;
        pqw_column *cc = dc_realloc(w->cols, (size_t)cap * sizeof *cc);
        if (!cc)
            return dc_error_nomem(err);
        w->cols = cc;
        w->cols_cap = cap;
    }
    pqw_column *c = &w->cols[w->n_cols];
    memset(c, 0, sizeof *c);
    w->n_cols++; /* from here on the column is cleared with the writer */
    c->index = w->n_cols - 1;
    c->field = p->top;
    c->n_steps = p->n;
    memcpy(c->steps, p->steps, (size_t)p->n * sizeof p->steps[0]);
    for (int32_t k = 0; k < p->n; k++) {
        c->max_def = (int16_t)(c->max_def + p->steps[k].optional +
                               (p->steps[k].kind == PQW_STEP_LIST));
        c->max_rep = (int16_t)(c->max_rep + (p->steps[k].kind == PQW_STEP_LIST));
    }
    c->dict_source = dict;
    c->opts = &w->opts;
    c->path = dc_calloc((size_t)p->n_names, sizeof *c->path);
    DC_TRY_ALLOC(c->path, err);
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    for (int32_t k = 0; k < p->n_names; k++) {
        c->path[c->n_path++] = (dc_pq_str){p->names[k], (int64_t)strlen(p->names[k])};
        if (sb.len)
            dc_strbuf_putc(&sb, '.');
        dc_strbuf_puts(&sb, p->names[k]);
    }
    c->name = dc_strbuf_detach(&sb);
    DC_TRY_ALLOC(c->name, err);
    DC_TRY(map_primitive(w, t, c->name, &w->elems[ei], c, err));
    c->ptype = w->elems[ei].type;
    c->use_dict = w->opts.dictionary && c->ptype != DC_PQ_TYPE_BOOLEAN && c->conv != PQW_CV_NULL;
    dc_pqw_column_reset_chunk(c);
cleanup:
    return rc;
}

static int32_t field_id_of(const dc_metadata *m, bool *has)
{
    const char *v = m ? dc_metadata_get(m, "PARQUET:field_id") : NULL;
    *has = false;
    if (!v)
        return 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x < INT32_MIN || x > INT32_MAX)
        return 0;
    *has = true;
    return (int32_t)x;
}

/*
 * Add the schema elements of one Arrow field named `name` (at path p) and the
 * leaf columns under it. `meta` (may be NULL) gives the field id. The schema
 * element names point into the writer's schema (or are literals).
 */
static dc_status add_node(pq_writer *w, path_ctx *p, const char *name, const dc_type *t,
                          bool nullable, const dc_metadata *meta, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_pq_schema_element *e, *r;
    if (p->n + 2 > PQW_MAX_DEPTH || p->n_names + 2 > 2 * PQW_MAX_DEPTH)
        return dc_error_set(err, DC_EUNSUPPORTED,
                            "column %s: nested deeper than the Parquet writer's %d levels", name,
                            PQW_MAX_DEPTH);
    bool dict = t->id == DC_TYPE_DICTIONARY;
    if (dict)
        t = t->value_type;
    if (t->id == DC_TYPE_NULL)
        nullable = true;
    int32_t save_n = p->n, save_names = p->n_names;
    int16_t save_rep = p->rep;
    DC_TRY(push_elem(w, &e, err));
    int64_t ei = w->n_elems - 1;
    e->name = (dc_pq_str){name, (int64_t)strlen(name)};
    e->has_repetition_type = true;
    e->repetition_type = nullable ? DC_PQ_REP_OPTIONAL : DC_PQ_REP_REQUIRED;
    bool has_id;
    e->field_id = field_id_of(meta, &has_id);
    e->has_field_id = has_id;
    p->names[p->n_names++] = name;
    switch (dict ? DC_TYPE_DICTIONARY : t->id) {
    case DC_TYPE_STRUCT:
        if (t->n_children == 0) {
            rc = dc_error_set(err, DC_EUNSUPPORTED,
                              "column %s: a struct without fields cannot be written to Parquet",
                              name);
            goto cleanup;
        }
        e->has_num_children = true;
        e->num_children = t->n_children;
        for (int32_t i = 0; i < t->n_children; i++) {
            p->steps[save_n] = (pqw_step){PQW_STEP_STRUCT, nullable, i, 0};
            p->n = save_n + 1;
            const dc_field *f = &t->children[i];
            DC_TRY(add_node(w, p, f->name, f->type, f->nullable, &f->metadata, err));
        }
        break;
    case DC_TYPE_LIST:
    case DC_TYPE_LARGE_LIST:
    case DC_TYPE_FIXED_SIZE_LIST:
    case DC_TYPE_MAP: {
        bool map = t->id == DC_TYPE_MAP;
        e->has_num_children = true;
        e->num_children = 1;
        e->has_converted_type = true;
        e->converted_type = map ? DC_PQ_CT_MAP : DC_PQ_CT_LIST;
        e->has_logical_type = true;
        e->logical_type.kind = map ? DC_PQ_LT_MAP : DC_PQ_LT_LIST;
        p->rep++;
        p->steps[p->n++] = (pqw_step){PQW_STEP_LIST, nullable, 0, p->rep};
        DC_TRY(push_elem(w, &r, err));
        r->name = map ? (dc_pq_str){"key_value", 9} : (dc_pq_str){"list", 4};
        r->has_repetition_type = true;
        r->repetition_type = DC_PQ_REP_REPEATED;
        r->has_num_children = true;
        r->num_children = map ? 2 : 1;
        p->names[p->n_names++] = map ? "key_value" : "list";
        if (!map) {
            const dc_field *item = &t->children[0];
            DC_TRY(add_node(w, p, "element", item->type, item->nullable, &item->metadata, err));
        } else {
            const dc_type *entries = t->children[0].type;
            const dc_field *key = &entries->children[0], *value = &entries->children[1];
            int32_t at = p->n++;
            p->steps[at] = (pqw_step){PQW_STEP_STRUCT, false, 0, 0};
            DC_TRY(add_node(w, p, "key", key->type, false, &key->metadata, err));
            p->steps[at] = (pqw_step){PQW_STEP_STRUCT, false, 1, 0};
            DC_TRY(add_node(w, p, "value", value->type, value->nullable, &value->metadata, err));
        }
        break;
    }
    default:
        p->steps[p->n++] = (pqw_step){PQW_STEP_LEAF, nullable, 0, 0};
        DC_TRY(add_leaf(w, p, ei, t, dict, err));
        break;
    }
cleanup:
    p->n = save_n;
    p->n_names = save_names;
    p->rep = save_rep;
    return rc;
}

/* ---- the pool ------------------------------------------------------------------------ */

/* A column cut a page: queue its compression for any thread (false: compress it yourself). */
static bool page_cut(void *user, pqw_column *c, pqw_page *pg)
{
    pq_writer *w = user;
    bool queued = false;
    pthread_mutex_lock(&w->mu);
    int32_t k = w->n_jobs - w->n_cols;
    if (k == w->page_jobs_cap) {
        int32_t cap = w->page_jobs_cap ? w->page_jobs_cap * 2 : 64;
        struct page_job *pj = dc_realloc(w->page_jobs, (size_t)cap * sizeof *pj);
        if (pj) {
            w->page_jobs = pj;
            w->page_jobs_cap = cap;
        }
    }
    if (k < w->page_jobs_cap) {
        w->page_jobs[k] = (struct page_job){c, pg};
        w->n_jobs++;
        queued = true;
        pthread_cond_broadcast(&w->work_cv);
        pthread_cond_broadcast(&w->done_cv); /* the caller may be waiting: a job to take */
    }
    pthread_mutex_unlock(&w->mu);
    return queued;
}

/* Run job j (a column of the current kind, or a page to compress) with codec context ctx. */
static void run_job(pq_writer *w, int32_t j, const struct page_job *pj, dc_pq_codec_ctx *ctx)
{
    if (pj) {
        dc_pqw_page_compress(pj->c, pj->pg, ctx);
        return;
    }
    pqw_column *c = &w->cols[j];
    dc_error *e = &w->col_err[j];
    dc_status rc;
    if (w->job_kind == JOB_WRITE)
        rc = dc_pqw_column_write(c, w->job_batch->columns[c->field], ctx, e);
    else
        rc = dc_pqw_column_finish_chunk(c, ctx, e);
    w->col_rc[j] = rc;
}

static void *worker_main(void *arg)
{
    worker *me = arg;
    pq_writer *w = me->w;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && w->next >= w->n_jobs)
            pthread_cond_wait(&w->work_cv, &w->mu);
        if (w->stop)
            break;
        int32_t j = w->next++;
        struct page_job pj = j >= w->n_cols ? w->page_jobs[j - w->n_cols] : (struct page_job){0};
        pthread_mutex_unlock(&w->mu);
        run_job(w, j, pj.pg ? &pj : NULL, me->ctx);
        pthread_mutex_lock(&w->mu);
        if (++w->done == w->n_jobs)
            pthread_cond_signal(&w->done_cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Hand every column a job of `kind` (the workers start at once). */
static void submit(pq_writer *w, int kind, dc_batch *batch)
{
    pthread_mutex_lock(&w->mu);
    w->job_kind = kind;
    w->job_batch = batch; /* the writer's reference, released by wait_jobs */
    w->next = w->done = 0;
    w->n_jobs = w->n_cols;
    pthread_cond_broadcast(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
}

/*
 * Take jobs until none is left, then wait for the workers' jobs to end. Returns
 * the error of the first failed column (in column order: the same whatever the
 * threads did), which also makes the writer failed.
 */
static dc_status wait_jobs(pq_writer *w, dc_error *err)
{
    pthread_mutex_lock(&w->mu);
    for (;;) { /* columns may add pages to compress until the last column job ends */
        if (w->next < w->n_jobs) {
            int32_t j = w->next++;
            struct page_job pj =
                j >= w->n_cols ? w->page_jobs[j - w->n_cols] : (struct page_job){0};
            pthread_mutex_unlock(&w->mu);
            run_job(w, j, pj.pg ? &pj : NULL, w->ctx);
            pthread_mutex_lock(&w->mu);
            ++w->done;
        } else if (w->done == w->n_jobs) {
            break;
        } else {
            pthread_cond_wait(&w->done_cv, &w->mu);
        }
    }
    bool had_jobs = w->n_jobs > 0;
    w->n_jobs = w->next = w->done = 0;
    dc_batch *b = w->job_batch;
    w->job_batch = NULL;
    pthread_mutex_unlock(&w->mu);
    dc_batch_unref(b);
    if (!had_jobs)
        return DC_OK;
    /* in column order, so that the error is the same whatever the threads did */
    dc_status rc = DC_OK;
    for (int32_t j = 0; j < w->n_cols; j++) {
        if (rc == DC_OK && w->col_rc[j] != DC_OK) {
            rc = w->col_rc[j];
            if (err)
                *err = w->col_err[j];
        }
        dc_status rc2 = dc_pqw_column_complete(&w->cols[j], rc == DC_OK ? err : NULL);
        if (rc == DC_OK)
            rc = rc2;
    }
    return rc;
}

/* ---- output ------------------------------------------------------------------------- */

static dc_status put(pq_writer *w, const void *data, int64_t n, dc_error *err)
{
    if (n == 0)
        return DC_OK;
    dc_status rc = dc_output_write(w->out, data, n, err);
    if (rc == DC_OK)
        w->pos += n;
    return rc;
}

static dc_pq_str arena_copy(pq_writer *w, const uint8_t *p, int64_t n)
{
    char *d = dc_arena_alloc(&w->arena, n + 1);
    if (!d)
        return (dc_pq_str){NULL, -1};
    if (n)
        memcpy(d, p, (size_t)n);
    d[n] = '\0';
    return (dc_pq_str){d, n};
}

/* The chunk statistics of column c (bounds copied into the arena). */
static dc_status chunk_statistics(pq_writer *w, pqw_column *c, dc_pq_statistics *st, dc_error *err)
{
    memset(st, 0, sizeof *st);
    st->has_null_count = true;
    st->null_count = c->chunk_nulls;
    if (!c->chunk_mm.has || c->chunk_minmax_lost)
        return DC_OK;
    uint8_t buf[PQW_STATS_TRUNCATE + 8];
    const uint8_t *b;
    int64_t len;
    bool exact;
    dc_pqw_stat_bound(c, c->chunk_mm.min.data, c->chunk_mm.min.size, false, buf, &b, &len, &exact);
    st->min_value = arena_copy(w, b, len);
    st->is_min_value_exact = exact;
    dc_pqw_stat_bound(c, c->chunk_mm.max.data, c->chunk_mm.max.size, true, buf, &b, &len, &exact);
    st->max_value = arena_copy(w, b, len);
    st->is_max_value_exact = exact;
    if (st->min_value.len < 0 || st->max_value.len < 0)
        return dc_error_nomem(err);
    st->has_min_value = st->has_max_value = true;
    st->has_is_min_value_exact = st->has_is_max_value_exact = true;
    return DC_OK;
}

/* Serialize the ColumnIndex and OffsetIndex of chunk c (written at `base`) for the end. */
static dc_status chunk_page_index(pq_writer *w, pqw_column *c, int64_t base, chunk_index *ci,
                                  dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t n = c->n_pages;
    dc_pq_page_location *locs = dc_calloc((size_t)n, sizeof *locs);
    bool *null_pages = dc_calloc((size_t)n, sizeof *null_pages);
    dc_pq_str *mins = dc_calloc((size_t)n, sizeof *mins);
    dc_pq_str *maxs = dc_calloc((size_t)n, sizeof *maxs);
    int64_t *nulls = dc_calloc((size_t)n, sizeof *nulls);
    if (!locs || !null_pages || !mins || !maxs || !nulls) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    int64_t data_base = base + c->dict_page.size;
    bool have_ci = w->opts.statistics && c->order != PQW_ORD_NONE;
    bool asc = true, desc = true;
    int64_t prev = -1;
    for (int64_t k = 0; k < n; k++) {
        const pqw_page_info *pi = &c->page_info[k];
        locs[k] = (dc_pq_page_location){data_base + pi->offset, pi->size, pi->first_row};
        null_pages[k] = pi->null_page;
        nulls[k] = pi->null_count;
        if (pi->null_page) {
            mins[k] = maxs[k] = (dc_pq_str){"", 0};
            continue;
        }
        if (!pi->has_minmax) {
            have_ci = false;
            continue;
        }
        mins[k] = (dc_pq_str){(const char *)c->page_stats.data + pi->min_off, pi->min_len};
        maxs[k] = (dc_pq_str){(const char *)c->page_stats.data + pi->max_off, pi->max_len};
        if (prev >= 0) {
            const uint8_t *pm = (const uint8_t *)mins[prev].ptr, *px = (const uint8_t *)maxs[prev].ptr;
            int a = dc_pqw_compare(c, pm, mins[prev].len, (const uint8_t *)mins[k].ptr, mins[k].len);
            int b = dc_pqw_compare(c, px, maxs[prev].len, (const uint8_t *)maxs[k].ptr, maxs[k].len);
            if (a > 0 || b > 0)
                asc = false;
            if (a < 0 || b < 0)
                desc = false;
        }
        prev = k;
    }
    dc_pq_offset_index oi;
    memset(&oi, 0, sizeof oi);
    oi.page_locations = locs;
    oi.n_page_locations = n;
    ci->oi_pos = w->oi_buf.size;
    DC_TRY(dc_pq_offset_index_encode(&w->oi_buf, &oi, err));
    ci->oi_len = (int32_t)(w->oi_buf.size - ci->oi_pos);
    ci->ci_pos = -1;
    if (have_ci) {
        dc_pq_column_index x;
        memset(&x, 0, sizeof x);
        x.null_pages = null_pages;
        x.n_null_pages = n;
        x.min_values = mins;
        x.n_min_values = n;
        x.max_values = maxs;
        x.n_max_values = n;
        x.boundary_order = asc    ? DC_PQ_BOUNDARY_ASCENDING
                           : desc ? DC_PQ_BOUNDARY_DESCENDING
                                  : DC_PQ_BOUNDARY_UNORDERED;
        x.has_null_counts = true;
        x.null_counts = nulls;
        x.n_null_counts = n;
        ci->ci_pos = w->ci_buf.size;
        DC_TRY(dc_pq_column_index_encode(&w->ci_buf, &x, err));
        ci->ci_len = (int32_t)(w->ci_buf.size - ci->ci_pos);
    }
cleanup:
    dc_free(locs);
    dc_free(null_pages);
    dc_free(mins);
    dc_free(maxs);
    dc_free(nulls);
    return rc;
}

/* The ColumnChunk of c (written at `base`), its lists in the arena. */
static dc_status chunk_metadata(pq_writer *w, pqw_column *c, int64_t base, dc_pq_column_chunk *cc,
                                dc_error *err)
{
    memset(cc, 0, sizeof *cc);
    cc->file_offset = base;
    cc->has_meta_data = true;
    dc_pq_column_metadata *m = &cc->meta_data;
    m->type = c->ptype;
    m->path_in_schema = c->path;
    m->n_path_in_schema = c->n_path;
    m->codec = (int32_t)w->opts.compression;
    m->num_values = c->chunk_entries;
    m->total_uncompressed_size = c->dict_uncompressed + c->chunk_uncompressed;
    m->total_compressed_size = c->dict_compressed + c->chunk_compressed;
    m->data_page_offset = base + c->dict_page.size;
    bool dict = c->dict_page.size > 0;
    if (dict) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = base;
    }
    int32_t *encs = dc_arena_alloc(&w->arena, 3 * sizeof *encs);
    dc_pq_page_encoding_stats *es = dc_arena_alloc(&w->arena, 3 * sizeof *es);
    if (!encs || !es)
        return dc_error_nomem(err);
    int n = 0, ne = 0;
    if (dict || c->n_plain_pages_data)
        encs[n++] = DC_PQ_ENC_PLAIN;
    encs[n++] = DC_PQ_ENC_RLE;
    if (c->n_dict_pages_data)
        encs[n++] = DC_PQ_ENC_RLE_DICTIONARY;
    m->encodings = encs;
    m->n_encodings = n;
    int32_t data_type = w->opts.page_v2 ? DC_PQ_PAGE_DATA_V2 : DC_PQ_PAGE_DATA;
    if (dict)
        es[ne++] = (dc_pq_page_encoding_stats){DC_PQ_PAGE_DICTIONARY, DC_PQ_ENC_PLAIN, 1};
    if (c->n_dict_pages_data)
        es[ne++] = (dc_pq_page_encoding_stats){data_type, DC_PQ_ENC_RLE_DICTIONARY,
                                               (int32_t)c->n_dict_pages_data};
    if (c->n_plain_pages_data)
        es[ne++] = (dc_pq_page_encoding_stats){data_type, DC_PQ_ENC_PLAIN,
                                               (int32_t)c->n_plain_pages_data};
    m->encoding_stats = es;
    m->n_encoding_stats = ne;
    m->has_encoding_stats = true;
    if (w->opts.statistics) {
        m->has_statistics = true;
        return chunk_statistics(w, c, &m->statistics, err);
    }
    return DC_OK;
}

/*
 * Finish every column's chunk (in parallel), write the chunks in column order
 * and record the row group. Nothing happens when the row group is empty.
 */
static dc_status flush_row_group(pq_writer *w, dc_error *err)
{
    dc_status rc = DC_OK;
    if (w->rg_rows == 0)
        return DC_OK;
    submit(w, JOB_FINISH, NULL);
    DC_TRY(wait_jobs(w, err));
    if (w->n_rgs == w->rgs_cap) {
        int64_t cap = w->rgs_cap ? w->rgs_cap * 2 : 8;
        dc_pq_row_group *r = dc_realloc(w->rgs, (size_t)cap * sizeof *r);
        if (!r) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        w->rgs = r;
        chunk_index *ix = dc_realloc(w->idx, (size_t)(cap * w->n_cols) * sizeof *ix);
        if (!ix) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
        w->idx = ix;
        w->rgs_cap = cap;
    }
    if (w->n_rgs >= INT16_MAX) {
        rc = dc_error_set(err, DC_EINVALID,
                          "%s: more than %d row groups; raise the row group size",
                          w->out->name, INT16_MAX);
        goto cleanup;
    }
    dc_pq_row_group *rg = &w->rgs[w->n_rgs];
    memset(rg, 0, sizeof *rg);
    rg->columns = dc_arena_alloc(&w->arena, w->n_cols * (int64_t)sizeof *rg->columns);
    DC_TRY_ALLOC(rg->columns, err);
    rg->n_columns = w->n_cols;
    rg->num_rows = w->rg_rows;
    rg->has_file_offset = rg->has_total_compressed_size = rg->has_ordinal = true;
    rg->file_offset = w->pos;
    rg->ordinal = (int16_t)w->n_rgs;
    for (int32_t j = 0; j < w->n_cols; j++) {
        pqw_column *c = &w->cols[j];
        if (c->chunk_rows != w->rg_rows) {
            rc = dc_error_set(err, DC_EINTERNAL,
                              "column %s: %" PRId64 " rows in a row group of %" PRId64, c->name,
                              c->chunk_rows, w->rg_rows);
            goto cleanup;
        }
        int64_t base = w->pos;
        DC_TRY(put(w, c->dict_page.data, c->dict_page.size, err));
        DC_TRY(put(w, c->pages.data, c->pages.size, err));
        DC_TRY(chunk_metadata(w, c, base, &rg->columns[j], err));
        DC_TRY(chunk_page_index(w, c, base, &w->idx[w->n_rgs * w->n_cols + j], err));
        rg->total_byte_size += rg->columns[j].meta_data.total_uncompressed_size;
        rg->total_compressed_size += rg->columns[j].meta_data.total_compressed_size;
        dc_pqw_column_reset_chunk(c);
    }
    w->n_rgs++;
    w->total_rows += w->rg_rows;
    w->rg_rows = 0;
cleanup:
    return rc;
}

static int64_t buffered(const pq_writer *w)
{
    int64_t n = 0;
    for (int32_t j = 0; j < w->n_cols; j++)
        n += dc_pqw_column_buffered(&w->cols[j]);
    return n;
}

static dc_status fail(pq_writer *w, dc_status rc, dc_error *err)
{
    if (w->failed == DC_OK) {
        w->failed = rc;
        if (err)
            w->fail_err = *err;
        else
            dc_error_set(&w->fail_err, rc, "%s: writing the Parquet file failed", w->out->name);
    }
    return rc;
}

static dc_status failed_again(pq_writer *w, dc_error *err)
{
    if (err)
        *err = w->fail_err;
    return w->failed;
}

/*
 * Encode a batch: each slice that fits the open row group goes to the columns
 * (the workers encode while the caller goes on reading), and a full row group is
 * flushed. The batch is kept (a reference) until its columns are encoded.
 */
static dc_status pq_write(dc_batch_writer *bw, const dc_batch *batch, dc_error *err)
{
    pq_writer *w = bw->impl;
    dc_status rc = DC_OK;
    dc_batch *part = NULL;
    if (w->failed)
        return failed_again(w, err);
    for (int64_t off = 0; off < batch->length;) {
        DC_TRY(wait_jobs(w, err));
        if (w->rg_rows >= w->opts.row_group_rows ||
            (w->rg_rows > 0 && buffered(w) >= w->opts.row_group_bytes))
            DC_TRY(flush_row_group(w, err));
        int64_t take = DC_MIN(batch->length - off, w->opts.row_group_rows - w->rg_rows);
        DC_TRY(dc_batch_slice(&part, batch, off, take, err));
        submit(w, JOB_WRITE, part);
        part = NULL;
        w->rg_rows += take;
        off += take;
    }
cleanup:
    dc_batch_unref(part);
    if (rc != DC_OK)
        return fail(w, rc, err);
    return DC_OK;
}

static dc_status write_schema_json(pq_writer *w, dc_pq_key_value *kv, dc_error *err)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_strbuf_puts(&s, "{\"version\":1,\"fields\":[");
    for (int32_t i = 0; i < w->schema->n_fields; i++) {
        const dc_field *f = &w->schema->fields[i];
        char *t = dc_type_to_string(f->type);
        if (!t) {
            dc_strbuf_free(&s);
            return dc_error_nomem(err);
        }
        dc_strbuf_puts(&s, i ? ",{\"name\":\"" : "{\"name\":\"");
        dc_strbuf_json_escape(&s, f->name, (int64_t)strlen(f->name));
        dc_strbuf_puts(&s, "\",\"type\":\"");
        dc_strbuf_json_escape(&s, t, (int64_t)strlen(t));
        dc_strbuf_printf(&s, "\",\"nullable\":%s}", f->nullable ? "true" : "false");
        dc_free(t);
    }
    dc_strbuf_puts(&s, "]}");
    if (dc_strbuf_status(&s) != DC_OK) {
        dc_strbuf_free(&s);
        return dc_error_nomem(err);
    }
    kv->key = (dc_pq_str){"deltacat.schema", 15};
    kv->value = arena_copy(w, (const uint8_t *)s.data, s.len);
    kv->has_value = true;
    dc_strbuf_free(&s);
    return kv->value.len < 0 ? dc_error_nomem(err) : DC_OK;
}

/* The last row group, the page index, the footer. */
static dc_status pq_finish(dc_batch_writer *bw, dc_error *err)
{
    pq_writer *w = bw->impl;
    dc_status rc = DC_OK;
    dc_bytes footer;
    dc_bytes_init(&footer);
    if (w->failed)
        return failed_again(w, err);
    DC_TRY(wait_jobs(w, err));
    DC_TRY(flush_row_group(w, err));
    /* page index: every ColumnIndex, then every OffsetIndex */
    int64_t ci_base = w->pos, oi_base = w->pos + w->ci_buf.size;
    DC_TRY(put(w, w->ci_buf.data, w->ci_buf.size, err));
    DC_TRY(put(w, w->oi_buf.data, w->oi_buf.size, err));
    for (int64_t g = 0; g < w->n_rgs; g++) {
        for (int32_t j = 0; j < w->n_cols; j++) {
            const chunk_index *ix = &w->idx[g * w->n_cols + j];
            dc_pq_column_chunk *cc = &w->rgs[g].columns[j];
            cc->has_offset_index_offset = cc->has_offset_index_length = true;
            cc->offset_index_offset = oi_base + ix->oi_pos;
            cc->offset_index_length = ix->oi_len;
            if (ix->ci_pos >= 0) {
                cc->has_column_index_offset = cc->has_column_index_length = true;
                cc->column_index_offset = ci_base + ix->ci_pos;
                cc->column_index_length = ix->ci_len;
            }
        }
    }
    dc_pq_file_metadata fm;
    memset(&fm, 0, sizeof fm);
    fm.version = 2;
    fm.schema = w->elems;
    fm.n_schema = w->n_elems;
    fm.num_rows = w->total_rows;
    fm.row_groups = w->rgs;
    fm.n_row_groups = w->n_rgs;
    const dc_metadata *md = &w->schema->metadata;
    fm.key_value_metadata = dc_arena_alloc(&w->arena, (md->n + 1) * (int64_t)sizeof(dc_pq_key_value));
    DC_TRY_ALLOC(fm.key_value_metadata, err);
    for (int32_t i = 0; i < md->n; i++) {
        fm.key_value_metadata[i] = (dc_pq_key_value){
            {md->keys[i], (int64_t)strlen(md->keys[i])},
            {md->values[i], md->values[i] ? (int64_t)strlen(md->values[i]) : 0},
            md->values[i] != NULL};
    }
    DC_TRY(write_schema_json(w, &fm.key_value_metadata[md->n], err));
    fm.n_key_value_metadata = md->n + 1;
    fm.has_key_value_metadata = true;
    char created[64];
    snprintf(created, sizeof created, "deltacat version %s", dc_version());
    fm.created_by = (dc_pq_str){created, (int64_t)strlen(created)};
    fm.has_created_by = true;
    fm.column_orders = dc_arena_alloc(&w->arena, w->n_cols * (int64_t)sizeof *fm.column_orders);
    DC_TRY_ALLOC(fm.column_orders, err);
    for (int32_t j = 0; j < w->n_cols; j++)
        fm.column_orders[j].kind = DC_PQ_ORDER_TYPE_DEFINED;
    fm.n_column_orders = w->n_cols;
    fm.has_column_orders = true;
    DC_TRY(dc_pq_file_metadata_encode(&footer, &fm, err));
    if (footer.size > UINT32_MAX) {
        rc = dc_error_set(err, DC_EINVALID, "%s: a footer of %" PRId64 " bytes is too large",
                          w->out->name, footer.size);
        goto cleanup;
    }
    uint32_t len = (uint32_t)footer.size;
    DC_TRY(put(w, footer.data, footer.size, err));
    DC_TRY(put(w, &len, 4, err));
    DC_TRY(put(w, PQW_MAGIC, 4, err));
cleanup:
    dc_bytes_free(&footer);
    if (rc != DC_OK)
        return fail(w, rc, err);
    return DC_OK;
}

static void pq_destroy(dc_batch_writer *bw)
{
    pq_writer *w = bw->impl;
    if (!w)
        return;
    if (w->sync_ready) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_broadcast(&w->work_cv);
        pthread_mutex_unlock(&w->mu);
    }
    for (int32_t i = 0; i < w->n_workers; i++) {
        if (w->workers[i].started)
            pthread_join(w->workers[i].thread, NULL);
        dc_pq_codec_ctx_free(w->workers[i].ctx);
    }
    if (w->sync_ready) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->work_cv);
        pthread_cond_destroy(&w->done_cv);
    }
    dc_free(w->workers);
    dc_pq_codec_ctx_free(w->ctx);
    dc_batch_unref(w->job_batch);
    for (int32_t j = 0; j < w->n_cols; j++)
        dc_pqw_column_clear(&w->cols[j]);
    dc_free(w->cols);
    dc_free(w->col_rc);
    dc_free(w->col_err);
    dc_free(w->page_jobs);
    dc_free(w->elems);
    dc_free(w->rgs);
    dc_free(w->idx);
    dc_bytes_free(&w->ci_buf);
    dc_bytes_free(&w->oi_buf);
    dc_arena_free(&w->arena);
    dc_schema_unref(w->schema);
    dc_free(w);
    bw->impl = NULL;
}

static const dc_batch_writer_vtable PQ_VT = {pq_write, pq_finish, pq_destroy};

static dc_status check_options(const dc_parquet_write_options *o, const char *name, dc_error *err)
{
    if (!dc_pq_codec_supported((int32_t)o->compression) ||
        !(o->compression == DC_PARQUET_UNCOMPRESSED || o->compression == DC_PARQUET_SNAPPY ||
          o->compression == DC_PARQUET_GZIP || o->compression == DC_PARQUET_ZSTD ||
          o->compression == DC_PARQUET_LZ4_RAW))
        return dc_error_set(err, DC_EINVALID,
                            "%s: compression %d is not one the Parquet writer offers (snappy, zstd, "
                            "gzip, lz4, none)",
                            name, (int)o->compression);
    if (o->row_group_rows < 1 || o->row_group_bytes < 1 || o->page_bytes < 1 ||
        o->page_rows < 1 || o->dictionary_bytes < 0 || o->threads < 0 || o->threads > 64)
        return dc_error_set(err, DC_EINVALID,
                            "%s: Parquet writer options out of range (row group rows %" PRId64
                            ", row group bytes %" PRId64 ", page bytes %" PRId64
                            ", page rows %" PRId64 ", threads %d); sizes must be positive",
                            name, o->row_group_rows, o->row_group_bytes, o->page_bytes,
                            o->page_rows, (int)o->threads);
    if (o->compression == DC_PARQUET_ZSTD && (o->compression_level < -7 || o->compression_level > 22))
        return dc_error_set(err, DC_EINVALID, "%s: zstd level %d is outside -7..22", name,
                            (int)o->compression_level);
    if (o->compression == DC_PARQUET_GZIP && (o->compression_level < 0 || o->compression_level > 9))
        return dc_error_set(err, DC_EINVALID, "%s: gzip level %d is outside 0..9", name,
                            (int)o->compression_level);
    return DC_OK;
}

dc_status dc_parquet_writer_open(dc_batch_writer **out, dc_output *o, const dc_schema *schema,
                                 const dc_parquet_write_options *opts, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_parquet_write_options defaults;
    *out = NULL;
    if (!opts) {
        dc_parquet_write_options_init(&defaults);
        opts = &defaults;
    }
    DC_TRY(check_options(opts, o->name, err));
    if (schema->n_fields == 0)
        return dc_error_set(err, DC_EUNSUPPORTED,
                            "%s: a Parquet file needs at least one column; the schema has none",
                            o->name);
    pq_writer *w = dc_calloc(1, sizeof *w);
    if (!w)
        return dc_error_nomem(err);
    w->out = o;
    w->schema = dc_schema_ref(schema);
    w->opts = *opts;
    if (w->opts.threads == 0)
        w->opts.threads = 2;
    dc_arena_init(&w->arena, 16384);
    rc = dc_batch_writer_new(out, &PQ_VT, w, o, schema, err);
    if (rc != DC_OK) {
        dc_batch_writer tmp = {.impl = w};
        pq_destroy(&tmp);
        return rc;
    }
    /* the root, then each field */
    dc_pq_schema_element *root;
    DC_TRY(push_elem(w, &root, err));
    root->name = (dc_pq_str){"schema", 6};
    root->has_num_children = true;
    root->num_children = schema->n_fields;
    path_ctx p;
    memset(&p, 0, sizeof p);
    for (int32_t i = 0; i < schema->n_fields; i++) {
        const dc_field *f = &w->schema->fields[i];
        p.top = i;
        DC_TRY(add_node(w, &p, f->name, f->type, f->nullable, &f->metadata, err));
    }
    w->col_rc = dc_calloc((size_t)w->n_cols, sizeof *w->col_rc);
    w->col_err = dc_calloc((size_t)w->n_cols, sizeof *w->col_err);
    DC_TRY_ALLOC(w->col_rc, err);
    DC_TRY_ALLOC(w->col_err, err);
    DC_TRY(dc_pq_codec_ctx_new(&w->ctx, err));
    if (pthread_mutex_init(&w->mu, NULL) != 0) {
        rc = dc_error_set(err, DC_ENOMEM, "%s: cannot create a mutex", o->name);
        goto cleanup;
    }
    pthread_cond_init(&w->work_cv, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    w->sync_ready = true;
    /* the caller is one of the threads; with more than one, pages are compressed by any */
    int32_t nw = w->n_cols > 0 ? w->opts.threads - 1 : 0;
    for (int32_t j = 0; nw > 0 && j < w->n_cols; j++) {
        w->cols[j].page_cut = page_cut;
        w->cols[j].page_cut_user = w;
    }
    if (nw > 0) {
        w->workers = dc_calloc((size_t)nw, sizeof *w->workers);
        DC_TRY_ALLOC(w->workers, err);
        w->n_workers = nw;
        for (int32_t i = 0; i < nw; i++) {
            w->workers[i].w = w;
            DC_TRY(dc_pq_codec_ctx_new(&w->workers[i].ctx, err));
            if (pthread_create(&w->workers[i].thread, NULL, worker_main, &w->workers[i]) != 0)
                break; /* fewer threads: the caller takes the jobs no worker takes */
            w->workers[i].started = true;
        }
    }
    DC_TRY(put(w, PQW_MAGIC, 4, err));
cleanup:
    if (rc != DC_OK) {
        dc_batch_writer_free(*out);
        *out = NULL;
    }
    return rc;
}
