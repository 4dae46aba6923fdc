/* error.c: status names and the dc_error value. Never allocates. */
#include "core_int.h"

#include <stdio.h>
#include <stdlib.h>

const char *dc_status_name(dc_status code)
{
    switch (code) {
    case DC_OK: return "OK";
    case DC_ENOTFOUND: return "ENOTFOUND";
    case DC_EEXISTS: return "EEXISTS";
    case DC_ECONFLICT: return "ECONFLICT";
    case DC_EINVALID: return "EINVALID";
    case DC_ESCHEMA: return "ESCHEMA";
    case DC_ECORRUPT: return "ECORRUPT";
    case DC_EIO: return "EIO";
    case DC_ENOMEM: return "ENOMEM";
    case DC_EUNSUPPORTED: return "EUNSUPPORTED";
    case DC_ECANCELED: return "ECANCELED";
    case DC_EINTERNAL: return "EINTERNAL";
    }
    return "EUNKNOWN";
}

const char *dc_status_str(dc_status code)
{
    switch (code) {
    case DC_OK: return "success";
    case DC_ENOTFOUND: return "not found";
    case DC_EEXISTS: return "already exists";
    case DC_ECONFLICT: return "conflict with a concurrent commit";
    case DC_EINVALID: return "invalid input";
    case DC_ESCHEMA: return "schema mismatch";
    case DC_ECORRUPT: return "corrupt data";
    case DC_EIO: return "I/O error";
    case DC_ENOMEM: return "out of memory";
    case DC_EUNSUPPORTED: return "not supported";
    case DC_ECANCELED: return "canceled";
    case DC_EINTERNAL: return "internal error";
    }
    return "unknown error";
}

void dc_error_clear(dc_error *err)
{
    if (!err)
        return;
    err->code = DC_OK;
    err->message[0] = '\0';
    err->path[0] = '\0';
    err->column[0] = '\0';
    err->offset = -1;
    err->line = -1;
}

dc_status dc_error_setv(dc_error *err, dc_status code, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    dc_error_clear(err);
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return code;
}

dc_status dc_error_set(dc_error *err, dc_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dc_error_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

dc_status dc_error_nomem(dc_error *err) { return dc_error_set(err, DC_ENOMEM, "out of memory"); }

static void copy_field(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void dc_error_at(dc_error *err, const char *path, const char *column, int64_t offset, int64_t line)
{
    if (!err)
        return;
    if (column && !err->column[0])
        copy_field(err->column, sizeof err->column, column);
    if (offset >= 0 && err->offset < 0)
        err->offset = offset;
    if (line >= 0 && err->line < 0)
        err->line = line;
    if (path && !err->path[0]) {
        copy_field(err->path, sizeof err->path, path);
        if (!strstr(err->message, path)) {
            char prefix[DC_ERROR_PATH_MAX + 48];
            if (err->line >= 0)
                snprintf(prefix, sizeof prefix, "%s:%lld: ", path, (long long)err->line);
            else
                snprintf(prefix, sizeof prefix, "%s: ", path);
            char tmp[DC_ERROR_MSG_MAX];
            snprintf(tmp, sizeof tmp, "%s%s", prefix, err->message);
            memcpy(err->message, tmp, sizeof tmp);
        }
    }
}

void dc_error_prefix(dc_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char prefix[DC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char tmp[DC_ERROR_MSG_MAX];
    snprintf(tmp, sizeof tmp, "%s%s", prefix, err->message);
    memcpy(err->message, tmp, sizeof tmp);
}

_Noreturn void dc__assert_fail(const char *cond, const char *file, int line)
{
    /* An invariant of our own code broke: continuing would corrupt data. This is
     * the one place the library stops a process, and it says why first. */
    dc_log(DC_LOG_ERROR, "deltacat: internal invariant failed: %s (%s:%d)", cond, file, line);
    fprintf(stderr, "deltacat: internal invariant failed: %s (%s:%d)\n", cond, file, line);
    abort();
}
