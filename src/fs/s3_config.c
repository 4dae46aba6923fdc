/*
 * s3_config.c: where an S3 filesystem's region, endpoint and credentials come from.
 *
 * The order is the AWS SDKs' (and the AWS CLI's), so a machine already set up for
 * `aws s3` works unchanged:
 *   1. the dc_fs_s3_options fields;
 *   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 *      AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL
 *      (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores the last two and the files');
 *   3. the profile (options, else AWS_PROFILE, else "default") in the shared credentials
 *      file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials; sections "[NAME]") and
 *      the config file (AWS_CONFIG_FILE, else ~/.aws/config; "[default]", "[profile
 *      NAME]"): aws_access_key_id, aws_secret_access_key, aws_session_token, region,
 *      endpoint_url;
 *   4. region "us-east-1"; the endpoint of AWS itself.
 * A key pair is taken whole from one place: half a pair is an error, not a mix.
 * What is not supported (and said so): instance roles, SSO, credential_process,
 * assumed roles.
 */
#include "fs/s3_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define INI_MAX_BYTES (1 << 20)

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && v[0] ? v : NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The line [p, end) with blanks trimmed on both sides. */
static void trim(const char **p, const char **end)
{
    while (*p < *end && is_space(**p))
        (*p)++;
    while (*end > *p && is_space((*end)[-1]))
        (*end)--;
}

/* Whether the section header text [p, end) (inside the brackets) names `section`,
 * comparing runs of blanks as one space: "[profile   dev]" is "profile dev". */
static bool section_is(const char *p, const char *end, const char *section)
{
    trim(&p, &end);
    const char *s = section;
    while (p < end && *s) {
        if (is_space(*p)) {
            if (*s != ' ')
                return false;
            while (p < end && is_space(*p))
                p++;
            s++;
            continue;
        }
        if (*p != *s)
            return false;
        p++, s++;
    }
    return p == end && *s == '\0';
}

dc_status dc_s3__ini_get(const char *text, int64_t n, const char *section, const char *key,
                         char **out, bool *found, dc_error *err)
{
    *out = NULL;
    *found = false;
    if (!text)
        return DC_OK;
    const char *p = text, *stop = text + n;
    bool in_section = false;
    size_t klen = strlen(key);
    while (p < stop) {
        const char *nl = memchr(p, '\n', (size_t)(stop - p));
        const char *end = nl ? nl : stop;
        const char *line = p;
        p = nl ? nl + 1 : stop;
        bool indented = line < end && is_space(*line);
        trim(&line, &end);
        if (line == end || *line == '#' || *line == ';')
            continue;
        if (*line == '[') {
            const char *close = memchr(line, ']', (size_t)(end - line));
            in_section = close && section_is(line + 1, close, section);
            if (in_section)
                *found = true;
            continue;
        }
        if (!in_section || indented)
            continue; /* other sections; sub-section settings ("s3 =\n  x = y") */
        const char *eq = memchr(line, '=', (size_t)(end - line));
        if (!eq)
            continue;
        const char *ks = line, *ke = eq, *vs = eq + 1, *ve = end;
        trim(&ks, &ke);
        trim(&vs, &ve);
        if ((size_t)(ke - ks) != klen || !dc_str_ieq(ks, (int64_t)klen, key))
            continue;
        char *v = dc_malloc((size_t)(ve - vs) + 1);
        if (!v)
            return dc_error_nomem(err);
        memcpy(v, vs, (size_t)(ve - vs));
        v[ve - vs] = '\0';
        dc_free(*out); /* a later line wins */
        *out = v;
    }
    return DC_OK;
}

/* Read a whole small file into a new NUL-terminated string; a missing file is not an
 * error (*text NULL). */
static dc_status read_file(const char *path, char **text, int64_t *n, const char *what,
                           dc_error *err)
{
    *text = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return DC_OK;
        return dc_error_set(err, DC_EINVALID, "cannot read the AWS %s file %s: %s", what, path,
                            strerror(errno));
    }
    dc_bytes b;
    dc_bytes_init(&b);
    dc_status rc = DC_OK;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (b.size + (int64_t)got > INI_MAX_BYTES) {
            rc = dc_error_set(err, DC_EINVALID, "the AWS %s file %s is larger than %d bytes", what,
                              path, INI_MAX_BYTES);
            break;
        }
        if (dc_bytes_append(&b, buf, (int64_t)got) != DC_OK) {
            rc = dc_error_nomem(err);
            break;
        }
    }
    if (rc == DC_OK && ferror(f))
        rc = dc_error_set(err, DC_EINVALID, "cannot read the AWS %s file %s", what, path);
    fclose(f);
    if (rc == DC_OK) {
        *text = dc_malloc((size_t)b.size + 1);
        if (!*text) {
            rc = dc_error_nomem(err);
        } else {
            if (b.size)
                memcpy(*text, b.data, (size_t)b.size);
            (*text)[b.size] = '\0';
            *n = b.size;
        }
    }
    dc_bytes_free(&b);
    return rc;
}

/* The path of an AWS file: the environment variable, else ~/.aws/NAME, else NULL (no
 * HOME). DC_ENOMEM only. */
static dc_status file_path(char **out, const char *var, const char *name, dc_error *err)
{
    const char *v = env(var);
    const char *home = env("HOME");
    *out = NULL;
    if (!v && !home)
        return DC_OK;
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    if (v)
        dc_strbuf_puts(&sb, v);
    else
        dc_strbuf_printf(&sb, "%s/.aws/%s", home, name);
    *out = dc_strbuf_detach(&sb);
    return *out ? DC_OK : dc_error_nomem(err);
}

static void wipe_free(char *s)
{
    if (s) {
        volatile char *v = s;
        while (*v)
            *v++ = 0;
        dc_free(s);
    }
}

void dc_s3__config_free(dc_s3_config *c)
{
    if (!c)
        return;
    dc_free(c->region);
    dc_free(c->endpoint);
    dc_free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    dc_free(c->profile);
    memset(c, 0, sizeof *c);
}

/* The files and the profile's two sections, loaded once per resolve. */
typedef struct files {
    char *cred_path, *conf_path;
    char *cred, *conf;
    int64_t cred_n, conf_n;
    char *conf_section; /* "default" or "profile NAME" */
    bool cred_found, conf_found;
} files;

static void files_free(files *f)
{
    dc_free(f->cred_path);
    dc_free(f->conf_path);
    wipe_free(f->cred);
    wipe_free(f->conf);
    dc_free(f->conf_section);
}

static dc_status files_load(files *f, const char *profile, dc_error *err)
{
    dc_status rc = DC_OK;
    char *unused = NULL;
    DC_TRY(file_path(&f->cred_path, "AWS_SHARED_CREDENTIALS_FILE", "credentials", err));
    DC_TRY(file_path(&f->conf_path, "AWS_CONFIG_FILE", "config", err));
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    if (strcmp(profile, "default") == 0)
        dc_strbuf_puts(&sb, "default");
    else
        dc_strbuf_printf(&sb, "profile %s", profile);
    f->conf_section = dc_strbuf_detach(&sb);
    DC_TRY_ALLOC(f->conf_section, err);
    if (f->cred_path)
        DC_TRY(read_file(f->cred_path, &f->cred, &f->cred_n, "credentials", err));
    if (f->conf_path)
        DC_TRY(read_file(f->conf_path, &f->conf, &f->conf_n, "config", err));
    DC_TRY(dc_s3__ini_get(f->cred, f->cred_n, profile, "aws_access_key_id", &unused, &f->cred_found,
                          err));
    dc_free(unused);
    unused = NULL;
    DC_TRY(dc_s3__ini_get(f->conf, f->conf_n, f->conf_section, "region", &unused, &f->conf_found,
                          err));
    if (!f->conf_found && strcmp(profile, "default") == 0) {
        /* "[profile default]" is accepted too */
        dc_free(f->conf_section);
        f->conf_section = dc_strdup("profile default");
        DC_TRY_ALLOC(f->conf_section, err);
        dc_free(unused);
        unused = NULL;
        DC_TRY(dc_s3__ini_get(f->conf, f->conf_n, f->conf_section, "region", &unused,
                              &f->conf_found, err));
    }
cleanup:
    dc_free(unused);
    return rc;
}

/* A value of the profile: from the credentials file when `cred`, else the config file.
 * Empty values count as absent. */
static dc_status profile_get(files *f, bool cred, const char *profile, const char *key, char **out,
                             dc_error *err)
{
    bool found;
    dc_status rc = cred
                       ? dc_s3__ini_get(f->cred, f->cred_n, profile, key, out, &found, err)
                       : dc_s3__ini_get(f->conf, f->conf_n, f->conf_section, key, out, &found, err);
    if (rc == DC_OK && *out && !(*out)[0]) {
        dc_free(*out);
        *out = NULL;
    }
    return rc;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static void set_source(char *dst, const char *fmt, ...) DC_PRINTF(2, 3);
static void set_source(char *dst, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, DC_S3_SOURCE_MAX, fmt, ap);
    va_end(ap);
}

/* Take the key pair (+ token) from the profile's section of one file, if it has one. */
static dc_status creds_from_file(dc_s3_config *c, files *f, bool cred, bool *got, dc_error *err)
{
    dc_status rc = DC_OK;
    char *id = NULL, *secret = NULL, *token = NULL;
    const char *path = cred ? f->cred_path : f->conf_path;
    *got = false;
    DC_TRY(profile_get(f, cred, c->profile, "aws_access_key_id", &id, err));
    DC_TRY(profile_get(f, cred, c->profile, "aws_secret_access_key", &secret, err));
    if (!id && !secret)
        goto cleanup;
    if (!id || !secret) {
        rc = dc_error_set(err, DC_EINVALID,
                          "AWS profile \"%s\" in %s has %s but no %s: give both (or set "
                          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
                          c->profile, path, id ? "aws_access_key_id" : "aws_secret_access_key",
                          id ? "aws_secret_access_key" : "aws_access_key_id");
        goto cleanup;
    }
    DC_TRY(profile_get(f, cred, c->profile, "aws_session_token", &token, err));
    c->access_key_id = id;
    c->secret_access_key = secret;
    c->session_token = token;
    id = secret = token = NULL;
    set_source(c->credentials_source, "profile \"%s\" in %s", c->profile, path);
    *got = true;
cleanup:
    dc_free(id);
    wipe_free(secret);
    wipe_free(token);
    return rc;
}

static dc_status resolve_credentials(dc_s3_config *c, const dc_fs_s3_options *o, files *f,
                                     bool named, dc_error *err)
{
    const char *id = o ? o->access_key_id : NULL, *secret = o ? o->secret_access_key : NULL;
    const char *token = o ? o->session_token : NULL;
    if (id || secret) {
        if (!id || !secret)
            return dc_error_set(err, DC_EINVALID,
                                "the S3 options give %s but no %s: give both, or neither to "
                                "use the environment",
                                id ? "an access key ID" : "a secret access key",
                                id ? "secret access key" : "access key ID");
        set_source(c->credentials_source, "the options");
    } else if (env("AWS_ACCESS_KEY_ID") || env("AWS_SECRET_ACCESS_KEY")) {
        id = env("AWS_ACCESS_KEY_ID");
        secret = env("AWS_SECRET_ACCESS_KEY");
        if (!id || !secret)
            return dc_error_set(err, DC_EINVALID,
                                "%s is set but %s is not: set both (or unset it to use the "
                                "profile in ~/.aws/credentials)",
                                id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                                id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        token = env("AWS_SESSION_TOKEN") ? env("AWS_SESSION_TOKEN") : env("AWS_SECURITY_TOKEN");
        set_source(c->credentials_source,
                   "the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY%s)",
                   token ? ", AWS_SESSION_TOKEN" : "");
    } else {
        /* the profile is needed: a named one that does not exist is a typo to report */
        if (named && !f->cred_found && !f->conf_found)
            return dc_error_set(err, DC_EINVALID,
                                "AWS profile \"%s\" (from %s) is in neither %s nor %s: add it, "
                                "or name another profile",
                                c->profile, o && o->profile ? "the options" : "AWS_PROFILE",
                                f->cred_path ? f->cred_path : "~/.aws/credentials",
                                f->conf_path ? f->conf_path : "~/.aws/config");
        bool got = false;
        dc_status rc = creds_from_file(c, f, true, &got, err);
        if (rc == DC_OK && !got)
            rc = creds_from_file(c, f, false, &got, err);
        if (rc != DC_OK)
            return rc;
        if (!got)
            return dc_error_set(
                err, DC_EINVALID,
                "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
                "put aws_access_key_id and aws_secret_access_key in profile \"%s\" of %s "
                "(AWS_PROFILE picks the profile; instance roles, SSO and credential_process are "
                "not supported)",
                c->profile, f->cred_path ? f->cred_path : "~/.aws/credentials (HOME is not set)");
    }
    if (id) {
        c->access_key_id = dc_strdup(id);
        c->secret_access_key = dc_strdup(secret);
        c->session_token = token ? dc_strdup(token) : NULL;
        if (!c->access_key_id || !c->secret_access_key || (token && !c->session_token))
            return dc_error_nomem(err);
    }
    if (has_control(c->access_key_id) || has_control(c->secret_access_key) ||
        (c->session_token && has_control(c->session_token)))
        return dc_error_set(err, DC_EINVALID,
                            "the AWS credentials from %s contain a control character (a stray "
                            "newline?): fix them",
                            c->credentials_source);
    return DC_OK;
}

static bool region_ok(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = r[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

static dc_status resolve_region(dc_s3_config *c, const dc_fs_s3_options *o, files *f, dc_error *err)
{
    const char *r = NULL;
    char *from_file = NULL;
    if (o && o->region) {
        r = o->region;
        set_source(c->region_source, "the options");
    } else if ((r = env("AWS_REGION"))) {
        set_source(c->region_source, "the environment (AWS_REGION)");
    } else if ((r = env("AWS_DEFAULT_REGION"))) {
        set_source(c->region_source, "the environment (AWS_DEFAULT_REGION)");
    } else {
        dc_status rc = profile_get(f, false, c->profile, "region", &from_file, err);
        if (rc != DC_OK)
            return rc;
        if (from_file) {
            r = from_file;
            set_source(c->region_source, "profile \"%s\" in %s", c->profile, f->conf_path);
        } else {
            r = "us-east-1";
            set_source(c->region_source, "the default");
        }
    }
    dc_status rc = DC_OK;
    if (!region_ok(r))
        rc = dc_error_set(err, DC_EINVALID,
                          "AWS region \"%.64s\" from %s is not a region name (like us-east-1)", r,
                          c->region_source);
    else if (!(c->region = dc_strdup(r)))
        rc = dc_error_nomem(err);
    dc_free(from_file);
    return rc;
}

static dc_status resolve_endpoint(dc_s3_config *c, const dc_fs_s3_options *o, files *f,
                                  dc_error *err)
{
    const char *e = NULL;
    char *from_file = NULL;
    const char *ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    bool configured = !(ignore && dc_str_ieq(ignore, (int64_t)strlen(ignore), "true"));
    if (o && o->endpoint) {
        e = o->endpoint;
        set_source(c->endpoint_source, "the options");
    } else if (configured && (e = env("AWS_ENDPOINT_URL_S3"))) {
        set_source(c->endpoint_source, "the environment (AWS_ENDPOINT_URL_S3)");
    } else if (configured && (e = env("AWS_ENDPOINT_URL"))) {
        set_source(c->endpoint_source, "the environment (AWS_ENDPOINT_URL)");
    } else if (configured) {
        dc_status rc = profile_get(f, false, c->profile, "endpoint_url", &from_file, err);
        if (rc != DC_OK)
            return rc;
        if (from_file) {
            e = from_file;
            set_source(c->endpoint_source, "profile \"%s\" in %s", c->profile, f->conf_path);
        }
    }
    if (!e) {
        set_source(c->endpoint_source, "AWS (no endpoint configured)");
        return DC_OK;
    }
    dc_status rc = DC_OK;
    size_t n = strlen(e);
    const char *host = strncmp(e, "http://", 7) == 0    ? e + 7
                       : strncmp(e, "https://", 8) == 0 ? e + 8
                                                        : NULL;
    while (n > 0 && e[n - 1] == '/')
        n--;
    if (!host || host >= e + n || *host == '/' || has_control(e) || strchr(e, ' ') ||
        strchr(e, '?') || strchr(e, '#'))
        rc = dc_error_set(err, DC_EINVALID,
                          "S3 endpoint \"%.200s\" from %s is not a URL like http://host:port or "
                          "https://host",
                          e, c->endpoint_source);
    else if (!(c->endpoint = dc_malloc(n + 1)))
        rc = dc_error_nomem(err);
    else {
        memcpy(c->endpoint, e, n);
        c->endpoint[n] = '\0';
        c->path_style = true;
    }
    dc_free(from_file);
    return rc;
}

dc_status dc_s3__config_resolve(dc_s3_config *out, const dc_fs_s3_options *o, dc_error *err)
{
    memset(out, 0, sizeof *out);
    dc_status rc = DC_OK;
    files f = {0};
    bool named = (o && o->profile) || env("AWS_PROFILE");
    const char *profile = o && o->profile ? o->profile : env("AWS_PROFILE");
    out->profile = dc_strdup(profile ? profile : "default");
    DC_TRY_ALLOC(out->profile, err);
    if (has_control(out->profile) || strchr(out->profile, ']') || !out->profile[0]) {
        rc = dc_error_set(err, DC_EINVALID, "AWS profile name \"%.100s\" is not valid",
                          out->profile);
        goto cleanup;
    }
    DC_TRY(files_load(&f, out->profile, err));
    DC_TRY(resolve_credentials(out, o, &f, named, err));
    DC_TRY(resolve_region(out, o, &f, err));
    DC_TRY(resolve_endpoint(out, o, &f, err));
cleanup:
    files_free(&f);
    if (rc != DC_OK)
        dc_s3__config_free(out);
    return rc;
}
