/*
 * jsonl_int.h: knobs of the JSON Lines reader that tests and the fuzzer turn
 * (small read chunks to exercise lines spanning reads, a small line limit).
 * Production code calls dc_jsonl_reader_open (formats_int.h), which uses the
 * defaults: 1 MiB reads, 64 MiB lines.
 */
#ifndef DC_JSONL_INT_H
#define DC_JSONL_INT_H

#include "formats/formats_int.h"

#define DC_JSONL_CHUNK_BYTES    ((int64_t)1 << 20)
#define DC_JSONL_MAX_LINE_BYTES ((int64_t)64 << 20)
/* Deepest nesting of objects and arrays accepted in one line. */
#define DC_JSONL_MAX_DEPTH 64

typedef struct dc_jsonl_limits {
    int64_t chunk_bytes;    /* bytes per dc_input_read_at (>= 1) */
    int64_t max_line_bytes; /* longest line accepted (>= 1) */
} dc_jsonl_limits;

/* dc_jsonl_reader_open with explicit limits (NULL: the defaults). Same ownership of `in`. */
dc_status dc_jsonl__reader_open_ex(dc_reader **out, dc_input *in, const dc_read_options *opts,
                                   const dc_jsonl_limits *limits, dc_error *err);

#endif
