/*
 * formats_int.h: the format layer's internal interface: per-format readers
 * (dc_reader implementations over a dc_input) and writers (dc_batch_writer
 * over a dc_output). dc_file_reader_open / dc_file_write (formats.c) pick
 * one by format.
 */
#ifndef DC_FORMATS_INT_H
#define DC_FORMATS_INT_H

#include <deltacat/formats.h>

#include "columnar/columnar_int.h"
#include "fs/io_int.h"

typedef struct dc_batch_writer dc_batch_writer;
typedef struct dc_batch_writer_vtable {
    dc_status (*write)(dc_batch_writer *w, const dc_batch *batch, dc_error *err);
    /* Write any trailer and flush into the output (does not finish the output). */
    dc_status (*finish)(dc_batch_writer *w, dc_error *err);
    void (*destroy)(dc_batch_writer *w);
} dc_batch_writer_vtable;

struct dc_batch_writer {
    const dc_batch_writer_vtable *vt;
    void *impl;
    dc_output *out;    /* borrowed */
    dc_schema *schema; /* every batch written must have an equal schema */
    int64_t rows;      /* rows written so far */
};

dc_status dc_batch_writer_new(dc_batch_writer **out, const dc_batch_writer_vtable *vt, void *impl,
                              dc_output *o, const dc_schema *schema, dc_error *err);
dc_status dc_batch_writer_write(dc_batch_writer *w, const dc_batch *batch, dc_error *err);
dc_status dc_batch_writer_finish(dc_batch_writer *w, dc_error *err);
void dc_batch_writer_free(dc_batch_writer *w); /* NULL-safe */

/* CSV/TSV/PSV. The reader takes ownership of `in` (closed when the reader is freed,
 * also on failure). */
dc_status dc_csv_reader_open(dc_reader **out, dc_input *in, const dc_read_options *opts,
                             dc_error *err);
/* The CSV reader reading its input in chunks of `chunk` bytes (tests and fuzzers use tiny
 * chunks so that rows and quoted fields are cut anywhere). */
dc_status dc_csv__reader_open_chunked(dc_reader **out, dc_input *in, const dc_read_options *opts,
                                      int64_t chunk, dc_error *err);
dc_status dc_csv_writer_open(dc_batch_writer **out, dc_output *o, const dc_schema *schema,
                             const dc_csv_options *opts, dc_error *err);

/* JSON Lines: one JSON object per line. Same ownership rules. */
dc_status dc_jsonl_reader_open(dc_reader **out, dc_input *in, const dc_read_options *opts,
                               dc_error *err);
dc_status dc_jsonl_writer_open(dc_batch_writer **out, dc_output *o, const dc_schema *schema,
                               dc_error *err);

#endif
