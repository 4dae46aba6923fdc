/*
 * io_int.h: byte sources and sinks for the format layer.
 *
 * dc_input is a random-access byte source (a local file, memory, an S3 object):
 * formats read only the ranges they need through read_at, and may say ahead of
 * time which ones they will read (dc_input_prefetch) so that a remote input
 * fetches them together. A pipe
 * (stdin) is an input of unknown size (-1) that must be read at increasing
 * offsets without gaps.
 *
 * dc_output is a sequential, buffered sink. A file output writes to a
 * temporary name beside the target and renames it into place at finish, so a
 * failed conversion leaves nothing behind (dc_output_abort removes it).
 *
 * The catalog's own I/O (put-if-absent, listing, ...) is the storage-facing
 * filesystem interface of the "catalog format" work; these two are the
 * streaming half it will share.
 */
#ifndef DC_IO_INT_H
#define DC_IO_INT_H

#include "core/core_int.h"

typedef struct dc_input dc_input;

/* A byte range of an input: `length` bytes from `offset`. */
typedef struct dc_input_range {
    int64_t offset, length;
} dc_input_range;

typedef struct dc_input_vtable {
    /* Read up to n bytes at `offset`; *got < n only at the end of the input. */
    dc_status (*read_at)(dc_input *in, int64_t offset, void *buf, int64_t n, int64_t *got,
                         dc_error *err);
    void (*close)(dc_input *in);
} dc_input_vtable;

typedef dc_status (*dc_input_prefetch_fn)(dc_input *in, const dc_input_range *ranges, int64_t n,
                                          dc_error *err);

struct dc_input {
    const dc_input_vtable *vt;
    int64_t size;       /* total bytes, or -1 when unknown (a pipe) */
    char *name;         /* for error messages: the path, or "<stdin>" */
    void *impl;
    int64_t bytes_read; /* statistics: bytes returned by read_at */
    int64_t reads;      /* statistics: read_at calls */
    /* Optional, NULL where there is nothing to gain: the input's dc_input_prefetch. */
    dc_input_prefetch_fn prefetch;
    /* A wrapper's (a dc_fs's statistics and faults), NULL otherwise: the input it reads
     * through, to which dc_input_prefetch passes the hint. */
    dc_input *inner;
};

/*
 * Open a local file ("-" is standard input, of unknown size), or an object named by URL:
 * s3://bucket/key (S3 configured from the environment, as dc_fs_open does), mem://NAME/key
 * (a named memory store of this process), file:///abs/path. DC_ENOTFOUND when it does not
 * exist.
 */
dc_status dc_input_open_file(dc_input **out, const char *path, dc_error *err);
/* An input over memory; copied when `copy`, else borrowed (must outlive the input). */
dc_status dc_input_open_memory(dc_input **out, const void *data, int64_t n, bool copy,
                               const char *name, dc_error *err);
dc_status dc_input_read_at(dc_input *in, int64_t offset, void *buf, int64_t n, int64_t *got,
                           dc_error *err);
/*
 * A hint: the ranges (any order; overlapping, empty or past-the-end ones are fine) that
 * the next read_at calls will ask for. An input over a remote store fetches them now,
 * nearby ones together and several at once, and serves those reads from memory (S3:
 * fs_s3.c); a local one ignores it. Each call replaces the previous call's ranges. Reads
 * outside them work as always. Fails only as those reads would (DC_EIO: the object
 * changed or the store failed; DC_ENOMEM), leaving the input usable.
 */
dc_status dc_input_prefetch(dc_input *in, const dc_input_range *ranges, int64_t n, dc_error *err);
void dc_input_close(dc_input *in); /* NULL-safe */

typedef struct dc_output dc_output;
typedef struct dc_output_vtable {
    dc_status (*write)(dc_output *o, const void *data, int64_t n, dc_error *err);
    dc_status (*finish)(dc_output *o, dc_error *err); /* flush, make durable/visible */
    void (*abort)(dc_output *o);                      /* discard what was written */
    void (*close)(dc_output *o);                      /* free */
} dc_output_vtable;

struct dc_output {
    const dc_output_vtable *vt;
    char *name;
    void *impl;
    int64_t written; /* bytes accepted so far */
    bool done;       /* finished or aborted */
};

typedef struct dc_output_options {
    bool fsync; /* fsync the file (and its directory) at finish */
} dc_output_options;

/* A file output ("-" is standard output: no temporary, no rename). */
dc_status dc_output_open_file(dc_output **out, const char *path, const dc_output_options *opts,
                              dc_error *err);
/* An output collecting into memory (dc_output_memory_data after finish). */
dc_status dc_output_open_memory(dc_output **out, dc_error *err);
const uint8_t *dc_output_memory_data(const dc_output *o, int64_t *len);

dc_status dc_output_write(dc_output *o, const void *data, int64_t n, dc_error *err);
dc_status dc_output_finish(dc_output *o, dc_error *err);
/* Free the output; one not finished is aborted first (its bytes discarded). */
void dc_output_close(dc_output *o); /* NULL-safe */

#endif
