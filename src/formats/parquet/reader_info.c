/*
 * reader_info.c: dc_parquet_inspect (deltacat/parquet.h): a Parquet file's
 * footer described for people and tools.
 */
#include <deltacat/parquet.h>

#include "formats/parquet/reader_int.h"

#include <inttypes.h>

static void column_clear(dc_parquet_column_info *c)
{
    dc_free(c->path);
    dc_free(c->physical_type);
    dc_free(c->arrow_type);
    dc_free(c->codec);
    dc_free(c->encodings);
    dc_free(c->min);
    dc_free(c->max);
    dc_array_unref(c->min_value);
    dc_array_unref(c->max_value);
}

void dc_parquet_info_free(dc_parquet_info *info)
{
    if (!info)
        return;
    for (int32_t g = 0; info->row_groups && g < info->n_row_groups; g++) {
        dc_parquet_row_group_info *rg = &info->row_groups[g];
        for (int32_t c = 0; rg->columns && c < rg->n_columns; c++)
            column_clear(&rg->columns[c]);
        dc_free(rg->columns);
        dc_free(rg->sorting_columns);
    }
    dc_free(info->row_groups);
    dc_free(info->path);
    dc_free(info->created_by);
    dc_free(info->parquet_schema);
    dc_free(info->column_order);
    dc_metadata_clear(&info->key_value);
    dc_schema_unref(info->schema);
    dc_free(info);
}

static const char *repetition_name(int32_t r)
{
    return r == DC_PQ_REP_REQUIRED ? "required" : r == DC_PQ_REP_REPEATED ? "repeated" : "optional";
}

static void annotation(dc_strbuf *s, const dc_pq_schema_element *e)
{
    static const char *const lt_names[] = {
        [DC_PQ_LT_STRING] = "STRING",       [DC_PQ_LT_MAP] = "MAP",
        [DC_PQ_LT_LIST] = "LIST",           [DC_PQ_LT_ENUM] = "ENUM",
        [DC_PQ_LT_DECIMAL] = "DECIMAL",     [DC_PQ_LT_DATE] = "DATE",
        [DC_PQ_LT_TIME] = "TIME",           [DC_PQ_LT_TIMESTAMP] = "TIMESTAMP",
        [DC_PQ_LT_INTEGER] = "INTEGER",     [DC_PQ_LT_UNKNOWN] = "UNKNOWN",
        [DC_PQ_LT_JSON] = "JSON",           [DC_PQ_LT_BSON] = "BSON",
        [DC_PQ_LT_UUID] = "UUID",           [DC_PQ_LT_FLOAT16] = "FLOAT16",
        [DC_PQ_LT_VARIANT] = "VARIANT",     [DC_PQ_LT_GEOMETRY] = "GEOMETRY",
        [DC_PQ_LT_GEOGRAPHY] = "GEOGRAPHY", [DC_PQ_LT_VECTOR] = "VECTOR"};
    static const char *const units[] = {"", "MILLIS", "MICROS", "NANOS"};
    const dc_pq_logical_type *lt = &e->logical_type;
    if (e->has_logical_type && lt->kind > 0 && lt->kind < (int32_t)DC_ARRAY_LEN(lt_names) &&
        lt_names[lt->kind]) {
        dc_strbuf_printf(s, " (%s", lt_names[lt->kind]);
        if (lt->kind == DC_PQ_LT_DECIMAL)
            dc_strbuf_printf(s, "(%d, %d)", lt->decimal.precision, lt->decimal.scale);
        else if (lt->kind == DC_PQ_LT_INTEGER)
            dc_strbuf_printf(s, "(%d, %s)", lt->integer.bit_width,
                             lt->integer.is_signed ? "signed" : "unsigned");
        else if (lt->kind == DC_PQ_LT_TIME || lt->kind == DC_PQ_LT_TIMESTAMP) {
            const dc_pq_time_type *t = lt->kind == DC_PQ_LT_TIME ? &lt->time : &lt->timestamp;
            dc_strbuf_printf(s, "(%s, %s)", t->unit >= 1 && t->unit <= 3 ? units[t->unit] : "?",
                             t->is_adjusted_to_utc ? "UTC" : "local");
        }
        dc_strbuf_putc(s, ')');
    } else if (e->has_converted_type) {
        dc_strbuf_printf(s, " (%s)", dc_pq_converted_type_name(e->converted_type));
    }
}

/* The Parquet schema as an indented tree (root excluded). */
static char *schema_text(const dc_pq_file_metadata *m)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    int32_t stack[PQR_MAX_DEPTH + 2];
    int depth = 0;
    stack[0] = m->n_schema > 0 && m->schema[0].has_num_children ? m->schema[0].num_children : 0;
    for (int64_t i = 1; i < m->n_schema; i++) {
        while (depth > 0 && stack[depth] == 0) {
            depth--;
            dc_strbuf_printf(&s, "%*s}\n", depth * 2, "");
        }
        if (stack[depth] == 0)
            break;
        stack[depth]--;
        const dc_pq_schema_element *e = &m->schema[i];
        dc_strbuf_printf(&s, "%*s%s ", depth * 2, "",
                         repetition_name(e->has_repetition_type ? e->repetition_type : 1));
        bool group = !e->has_type || (e->has_num_children && e->num_children > 0);
        if (group)
            dc_strbuf_puts(&s, "group");
        else if (e->type == DC_PQ_TYPE_FIXED_LEN_BYTE_ARRAY)
            dc_strbuf_printf(&s, "FIXED_LEN_BYTE_ARRAY(%d)", e->type_length);
        else
            dc_strbuf_puts(&s, dc_pq_type_name(e->type));
        dc_strbuf_printf(&s, " %s", e->name.ptr ? e->name.ptr : "?");
        annotation(&s, e);
        if (e->has_field_id)
            dc_strbuf_printf(&s, " = %d", e->field_id);
        if (group && depth < PQR_MAX_DEPTH) {
            dc_strbuf_puts(&s, " {\n");
            stack[++depth] = e->num_children;
        } else {
            dc_strbuf_puts(&s, ";\n");
        }
    }
    while (depth > 0) {
        depth--;
        dc_strbuf_printf(&s, "%*s}\n", depth * 2, "");
    }
    return dc_strbuf_detach(&s);
}

static char *value_json(const dc_array *a)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_format_value(&s, a, 0, DC_STYLE_JSON);
    return dc_strbuf_detach(&s);
}

static dc_status describe_column(const dc_pq_file *f, int32_t g, int32_t c,
                                 dc_parquet_column_info *ci, dc_error *err)
{
    dc_status rc = DC_OK;
    const dc_pq_column_chunk *cc = &f->meta.row_groups[g].columns[c];
    const dc_pq_column_metadata *cm = &cc->meta_data;
    const dc_pq_leaf *L = &f->leaves[c];
    dc_pq_stats st;
    dc_strbuf enc;
    dc_strbuf_init(&enc);
    memset(&st, 0, sizeof st);
    ci->path = dc_strdup(L->path);
    ci->physical_type = dc_strdup(dc_pq_type_name(cm->type));
    ci->arrow_type = dc_type_to_string(L->type);
    ci->codec = dc_strdup(dc_pq_codec_name(cm->codec));
    for (int64_t i = 0; i < cm->n_encodings; i++)
        dc_strbuf_printf(&enc, "%s%s", i ? "," : "", dc_pq_encoding_name(cm->encodings[i]));
    ci->encodings = dc_strbuf_detach(&enc);
    DC_TRY_ALLOC(ci->path, err);
    DC_TRY_ALLOC(ci->physical_type, err);
    DC_TRY_ALLOC(ci->arrow_type, err);
    DC_TRY_ALLOC(ci->codec, err);
    DC_TRY_ALLOC(ci->encodings, err);
    ci->num_values = cm->num_values;
    ci->compressed_size = cm->total_compressed_size;
    ci->uncompressed_size = cm->total_uncompressed_size;
    ci->data_page_offset = cm->data_page_offset;
    ci->dictionary_page_offset = cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0
                                     ? cm->dictionary_page_offset
                                     : -1;
    ci->has_column_index = cc->has_column_index_offset;
    ci->has_offset_index = cc->has_offset_index_offset;
    ci->has_bloom_filter = cm->has_bloom_filter_offset;
    DC_TRY(dc_pq_file_column_stats(f, g, c, &st, err));
    ci->has_null_count = st.has_null_count;
    ci->null_count = st.null_count;
    ci->has_distinct_count = st.has_distinct_count;
    ci->distinct_count = st.distinct_count;
    ci->min_exact = st.min_exact;
    ci->max_exact = st.max_exact;
    if (st.min) {
        ci->min = value_json(st.min);
        DC_TRY_ALLOC(ci->min, err);
        ci->min_value = dc_array_ref(st.min);
    }
    if (st.max) {
        ci->max = value_json(st.max);
        DC_TRY_ALLOC(ci->max, err);
        ci->max_value = dc_array_ref(st.max);
    }
cleanup:
    dc_strbuf_free(&enc);
    dc_pq_stats_clear(&st);
    return rc;
}

dc_status dc_parquet_inspect(dc_parquet_info **out, const char *path, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_input *in = NULL;
    dc_pq_file *f = NULL;
    *out = NULL;
    dc_parquet_info *info = dc_calloc(1, sizeof *info);
    if (!info)
        return dc_error_nomem(err);
    DC_TRY(dc_input_open_file(&in, path, err));
    rc = dc_pq_file_open(&f, in, err);
    if (rc != DC_OK)
        goto cleanup;
    const dc_pq_file_metadata *m = &f->meta;
    info->path = dc_strdup(path);
    DC_TRY_ALLOC(info->path, err);
    info->file_size = f->size;
    info->footer_size = f->footer_len;
    info->version = m->version;
    info->num_rows = m->num_rows;
    if (m->has_created_by && m->created_by.ptr) {
        info->created_by = dc_strdup(m->created_by.ptr);
        DC_TRY_ALLOC(info->created_by, err);
    }
    info->schema = dc_schema_ref(f->schema);
    info->parquet_schema = schema_text(m);
    DC_TRY_ALLOC(info->parquet_schema, err);
    DC_TRY(dc_metadata_copy(&info->key_value, &f->schema->metadata));
    if (m->has_column_orders && m->n_column_orders > 0) {
        bool all = true;
        for (int64_t i = 0; i < m->n_column_orders; i++)
            all = all && m->column_orders[i].kind == DC_PQ_ORDER_TYPE_DEFINED;
        info->column_order = dc_strdup(all ? "TYPE_DEFINED_ORDER" : "mixed");
        DC_TRY_ALLOC(info->column_order, err);
    }
    if (m->n_row_groups > INT32_MAX) {
        rc = dc_error_set(err, DC_EUNSUPPORTED, "%s: too many row groups", path);
        goto cleanup;
    }
    info->row_groups = dc_calloc((size_t)DC_MAX(m->n_row_groups, 1), sizeof *info->row_groups);
    DC_TRY_ALLOC(info->row_groups, err);
    info->n_row_groups = (int32_t)m->n_row_groups;
    for (int32_t g = 0; g < info->n_row_groups; g++) {
        const dc_pq_row_group *rg = &m->row_groups[g];
        dc_parquet_row_group_info *ri = &info->row_groups[g];
        ri->num_rows = rg->num_rows;
        ri->total_byte_size = rg->total_byte_size;
        ri->columns = dc_calloc((size_t)DC_MAX(f->n_leaves, 1), sizeof *ri->columns);
        DC_TRY_ALLOC(ri->columns, err);
        ri->n_columns = f->n_leaves;
        for (int32_t c = 0; c < f->n_leaves; c++) {
            DC_TRY(describe_column(f, g, c, &ri->columns[c], err));
            ri->compressed_size += ri->columns[c].compressed_size;
        }
        if (rg->has_sorting_columns && rg->n_sorting_columns > 0) {
            dc_strbuf s;
            dc_strbuf_init(&s);
            for (int64_t k = 0; k < rg->n_sorting_columns; k++) {
                const dc_pq_sorting_column *sc = &rg->sorting_columns[k];
                const char *name = sc->column_idx >= 0 && sc->column_idx < f->n_leaves
                                       ? f->leaves[sc->column_idx].path
                                       : "?";
                dc_strbuf_printf(&s, "%s%s%s%s", k ? ", " : "", name, sc->descending ? " DESC" : "",
                                 sc->nulls_first ? " NULLS FIRST" : "");
            }
            ri->sorting_columns = dc_strbuf_detach(&s);
            DC_TRY_ALLOC(ri->sorting_columns, err);
        }
    }
    *out = info;
    info = NULL;
cleanup:
    dc_pq_file_free(f);
    dc_parquet_info_free(info);
    return rc;
}
