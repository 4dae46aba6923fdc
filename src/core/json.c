/* json.c: jansson wrappers (see json_int.h). */
#include "json_int.h"

dc_status dc_json_parse(json_t **out, const char *text, size_t n, const char *what,
                        dc_error *err)
{
    json_error_t je;
    *out = json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!*out) {
        dc_status rc = dc_error_set(err, DC_EINVALID, "%s: invalid JSON at line %d column %d: %s",
                                    what ? what : "input", je.line, je.column, je.text);
        if (err) {
            err->line = je.line;
            err->offset = je.position;
        }
        return rc;
    }
    return DC_OK;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    dc_strbuf_append((dc_strbuf *)data, buffer, (int64_t)size);
    return 0;
}

dc_status dc_json_dump(dc_strbuf *s, const json_t *j)
{
    if (json_dump_callback(j, dump_cb, s, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) != 0)
        return DC_ENOMEM;
    return dc_strbuf_status(s);
}

dc_status dc_json_get_string(const json_t *obj, const char *key, const char **out, dc_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dc_error_set(err, DC_EINVALID, "missing member \"%s\"", key);
    if (!json_is_string(v))
        return dc_error_set(err, DC_EINVALID, "member \"%s\" must be a string", key);
    *out = json_string_value(v);
    return DC_OK;
}

dc_status dc_json_get_int(const json_t *obj, const char *key, int64_t *out, dc_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dc_error_set(err, DC_EINVALID, "missing member \"%s\"", key);
    if (!json_is_integer(v))
        return dc_error_set(err, DC_EINVALID, "member \"%s\" must be an integer", key);
    *out = (int64_t)json_integer_value(v);
    return DC_OK;
}

dc_status dc_json_get_bool(const json_t *obj, const char *key, bool *out, dc_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return dc_error_set(err, DC_EINVALID, "missing member \"%s\"", key);
    if (!json_is_boolean(v))
        return dc_error_set(err, DC_EINVALID, "member \"%s\" must be true or false", key);
    *out = json_is_true(v);
    return DC_OK;
}
