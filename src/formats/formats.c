/*
 * formats.c: choosing a format by name or extension, default options, and
 * the generic file reader / writer entry points over the per-format code.
 */
#include "formats/formats_int.h"
#include "formats/parquet/parquet_int.h"

#include <strings.h>

static const struct {
    const char *name;
    dc_file_format format;
} NAMES[] = {
    {"csv", DC_FORMAT_CSV},       {"tsv", DC_FORMAT_TSV},     {"tab", DC_FORMAT_TSV},
    {"psv", DC_FORMAT_PSV},       {"jsonl", DC_FORMAT_JSONL}, {"ndjson", DC_FORMAT_JSONL},
    {"json", DC_FORMAT_JSONL},    {"parquet", DC_FORMAT_PARQUET},
};

const char *dc_format_name(dc_file_format f)
{
    switch (f) {
    case DC_FORMAT_CSV: return "csv";
    case DC_FORMAT_TSV: return "tsv";
    case DC_FORMAT_PSV: return "psv";
    case DC_FORMAT_JSONL: return "jsonl";
    case DC_FORMAT_PARQUET: return "parquet";
    default: return "unknown";
    }
}

dc_file_format dc_format_from_name(const char *name)
{
    for (size_t i = 0; name && i < DC_ARRAY_LEN(NAMES); i++)
        if (strcasecmp(name, NAMES[i].name) == 0)
            return NAMES[i].format;
    return DC_FORMAT_UNKNOWN;
}

dc_file_format dc_format_from_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot || !dot[1])
        return DC_FORMAT_UNKNOWN;
    return dc_format_from_name(dot + 1);
}

static char delimiter_of(dc_file_format f)
{
    return f == DC_FORMAT_TSV ? '\t' : f == DC_FORMAT_PSV ? '|' : ',';
}

static void csv_defaults(dc_csv_options *c, dc_file_format f)
{
    memset(c, 0, sizeof *c);
    c->delimiter = delimiter_of(f);
    c->quote = '"';
    c->header = true;
    c->null_values = NULL; /* the reader's default: the empty unquoted field */
    c->n_null_values = 0;
    c->null_string = "";
    c->infer_types = true;
}

void dc_read_options_init(dc_read_options *o, dc_file_format format)
{
    memset(o, 0, sizeof *o);
    o->batch_rows = 65536;
    o->infer_rows = 16384;
    csv_defaults(&o->csv, format);
}

void dc_write_options_init(dc_write_options *o, dc_file_format format)
{
    memset(o, 0, sizeof *o);
    csv_defaults(&o->csv, format);
    dc_parquet_write_options_init(&o->parquet);
}

static dc_status resolve(dc_file_format *f, const char *path, const char *verb, dc_error *err)
{
    if (*f == DC_FORMAT_UNKNOWN)
        *f = dc_format_from_path(path);
    if (*f == DC_FORMAT_UNKNOWN)
        return dc_error_set(err, DC_EINVALID,
                            "%s: cannot tell the format to %s from the file name; name it with "
                            "an extension (.csv, .tsv, .psv, .jsonl, .parquet) or give the format",
                            path, verb);
    return DC_OK;
}

dc_status dc_file_reader_open(dc_reader **out, const char *path, dc_file_format format,
                              const dc_read_options *opts, dc_error *err)
{
    dc_read_options defaults;
    dc_input *in = NULL;
    *out = NULL;
    dc_status rc = resolve(&format, path, "read", err);
    if (rc != DC_OK)
        return rc;
    if (!opts) {
        dc_read_options_init(&defaults, format);
        opts = &defaults;
    }
    rc = dc_input_open_file(&in, path, err);
    if (rc != DC_OK)
        return rc;
    switch (format) {
    case DC_FORMAT_CSV:
    case DC_FORMAT_TSV:
    case DC_FORMAT_PSV:
        return dc_csv_reader_open(out, in, opts, err);
    case DC_FORMAT_JSONL:
        return dc_jsonl_reader_open(out, in, opts, err);
    case DC_FORMAT_PARQUET: {
        dc_pq_read_options po = {.batch_rows = opts->batch_rows};
        return dc_pq_reader_open_input(out, in, &po, err);
    }
    default:
        dc_input_close(in);
        return dc_error_set(err, DC_EUNSUPPORTED, "%s: unsupported format", path);
    }
}

/* ---- generic batch writers ---- */

dc_status dc_batch_writer_new(dc_batch_writer **out, const dc_batch_writer_vtable *vt, void *impl,
                              dc_output *o, const dc_schema *schema, dc_error *err)
{
    *out = NULL;
    dc_batch_writer *w = dc_calloc(1, sizeof *w);
    if (!w)
        return dc_error_nomem(err);
    w->vt = vt;
    w->impl = impl;
    w->out = o;
    w->schema = dc_schema_ref(schema);
    *out = w;
    return DC_OK;
}

dc_status dc_batch_writer_write(dc_batch_writer *w, const dc_batch *batch, dc_error *err)
{
    if (!dc_schema_equals(batch->schema, w->schema))
        return dc_error_set(err, DC_ESCHEMA, "%s: a batch with another schema than the file's",
                            w->out->name);
    dc_status rc = w->vt->write(w, batch, err);
    if (rc == DC_OK)
        w->rows += batch->length;
    return rc;
}

dc_status dc_batch_writer_finish(dc_batch_writer *w, dc_error *err) { return w->vt->finish(w, err); }

void dc_batch_writer_free(dc_batch_writer *w)
{
    if (!w)
        return;
    if (w->vt->destroy)
        w->vt->destroy(w);
    dc_schema_unref(w->schema);
    dc_free(w);
}

dc_status dc_file_write(dc_reader *in, const char *path, dc_file_format format,
                        const dc_write_options *opts, int64_t *rows_out, dc_error *err)
{
    dc_status rc;
    dc_write_options defaults;
    dc_output *o = NULL;
    dc_batch_writer *w = NULL;
    dc_batch *b = NULL;
    if (rows_out)
        *rows_out = 0;
    rc = resolve(&format, path, "write", err);
    if (rc != DC_OK)
        return rc;
    if (!opts) {
        dc_write_options_init(&defaults, format);
        opts = &defaults;
    }
    dc_output_options oo = {.fsync = opts->fsync};
    DC_TRY(dc_output_open_file(&o, path, &oo, err));
    switch (format) {
    case DC_FORMAT_CSV:
    case DC_FORMAT_TSV:
    case DC_FORMAT_PSV:
        DC_TRY(dc_csv_writer_open(&w, o, dc_reader_schema(in), &opts->csv, err));
        break;
    case DC_FORMAT_JSONL:
        DC_TRY(dc_jsonl_writer_open(&w, o, dc_reader_schema(in), err));
        break;
    case DC_FORMAT_PARQUET:
        DC_TRY(dc_parquet_writer_open(&w, o, dc_reader_schema(in), &opts->parquet, err));
        break;
    default:
        rc = dc_error_set(err, DC_EUNSUPPORTED, "%s: unsupported format", path);
        goto cleanup;
    }
    for (;;) {
        DC_TRY(dc_reader_next(in, &b, err));
        if (!b)
            break;
        DC_TRY(dc_batch_writer_write(w, b, err));
        dc_batch_unref(b);
        b = NULL;
    }
    DC_TRY(dc_batch_writer_finish(w, err));
    DC_TRY(dc_output_finish(o, err));
    if (rows_out)
        *rows_out = w->rows;
cleanup:
    dc_batch_unref(b);
    dc_batch_writer_free(w);
    dc_output_close(o); /* aborts (removes the temporary) unless finished */
    return rc;
}
