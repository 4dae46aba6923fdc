/*
 * json_int.h: JSON through jansson, with errors mapped onto dc_error.
 * jansson is the project's one JSON library (see ORACLES.md: json-c clashes).
 */
#ifndef DC_JSON_INT_H
#define DC_JSON_INT_H

#include "core_int.h"

#include <jansson.h>

/*
 * Parse `n` bytes of JSON text. On failure returns DC_EINVALID with the
 * line, column and jansson's reason, naming `what` (a file or "request").
 * The result is owned by the caller (json_decref).
 */
dc_status dc_json_parse(json_t **out, const char *text, size_t n, const char *what,
                        dc_error *err);
/* Append the compact serialization of `j` to `s` (keys in insertion order). */
dc_status dc_json_dump(dc_strbuf *s, const json_t *j);

/* Typed getters that report a missing or mistyped member naming it. */
dc_status dc_json_get_string(const json_t *obj, const char *key, const char **out,
                             dc_error *err);
dc_status dc_json_get_int(const json_t *obj, const char *key, int64_t *out, dc_error *err);
dc_status dc_json_get_bool(const json_t *obj, const char *key, bool *out, dc_error *err);

#endif
