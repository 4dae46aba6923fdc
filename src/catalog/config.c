/*
 * config.c: named catalogs from a configuration file (include/deltacat/catalog.h).
 *
 *   {"default": "prod",
 *    "catalogs": {"prod": {"root": "/data/lake"}, "aws": {"root": "s3://b/p", "s3": {...}}}}
 *
 * The document is kept whole (json_t), so members this code does not know
 * ("s3" settings, anything a newer deltacat adds) survive a load/edit/save.
 * The file is small and lives outside any catalog: plain stdio, written to a
 * temporary name and renamed into place so a reader never sees half of it.
 */
#include "catalog/catalog_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const STORAGE_KEYS[] = {"region",        "endpoint_url",      "profile",
                                           "access_key_id", "secret_access_key", "session_token"};

struct dc_catalog_config {
    char *path;
    json_t *doc;  /* the whole file; "catalogs" is always an object */
    char **names; /* sorted names of doc.catalogs */
    int64_t n;
};

dc_status dc_catalog_config_path(char **out, dc_error *err)
{
    const char *p = getenv("DELTACAT_CONFIG");
    char buf[4096];
    *out = NULL;
    if (p && *p) {
        snprintf(buf, sizeof buf, "%s", p);
    } else if ((p = getenv("XDG_CONFIG_HOME")) && *p) {
        snprintf(buf, sizeof buf, "%s/deltacat/config.json", p);
    } else if ((p = getenv("HOME")) && *p) {
        snprintf(buf, sizeof buf, "%s/.config/deltacat/config.json", p);
    } else {
        return dc_error_set(err, DC_ENOTFOUND,
                            "no configuration file: set DELTACAT_CONFIG (or XDG_CONFIG_HOME "
                            "or HOME)");
    }
    *out = dc_strdup(buf);
    return *out ? DC_OK : dc_error_nomem(err);
}

/* Catalog names follow the rules of namespace and table names. */
static dc_status check_name(const char *name, dc_error *err)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = n >= 1 && n <= 255 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
              dc_utf8_valid(name, (int64_t)n);
    for (size_t i = 0; ok && i < n; i++)
        ok = name[i] != '/' && name[i] != '\\' && (unsigned char)name[i] >= 0x20 && name[i] != 0x7f;
    if (!ok)
        return dc_error_set(err, DC_EINVALID,
                            "\"%s\" is not a catalog name: 1 to 255 bytes of UTF-8 without '/', "
                            "'\\', control characters, not \".\" or \"..\"",
                            name ? name : "");
    return DC_OK;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rebuild the sorted name index from the document. */
static dc_status index_names(dc_catalog_config *cfg, dc_error *err)
{
    json_t *cats = json_object_get(cfg->doc, "catalogs");
    size_t n = json_object_size(cats);
    char **v = dc_calloc(n + 1, sizeof *v);
    if (!v)
        return dc_error_nomem(err);
    size_t i = 0;
    const char *k;
    json_t *val;
    json_object_foreach(cats, k, val)
    {
        (void)val;
        v[i++] = (char *)k; /* borrowed from the document */
    }
    qsort(v, n, sizeof *v, name_cmp);
    dc_free(cfg->names);
    cfg->names = v;
    cfg->n = (int64_t)n;
    return DC_OK;
}

static dc_status validate(const dc_catalog_config *cfg, dc_error *err)
{
    const char *path = cfg->path;
    json_t *doc = cfg->doc;
    if (!json_is_object(doc))
        return dc_error_set(err, DC_EINVALID,
                            "%s: the configuration is a JSON object {\"default\": NAME, "
                            "\"catalogs\": {NAME: {\"root\": ...}}}",
                            path);
    json_t *cats = json_object_get(doc, "catalogs");
    if (!json_is_object(cats))
        return dc_error_set(err, DC_EINVALID,
                            "%s: \"catalogs\" must be an object of NAME: {\"root\": ...}", path);
    const char *k;
    json_t *c;
    json_object_foreach(cats, k, c)
    {
        dc_status rc = check_name(k, err);
        if (rc != DC_OK) {
            dc_error_prefix(err, "%s: ", path);
            return rc;
        }
        const char *root = json_string_value(json_object_get(c, "root"));
        if (!json_is_object(c) || !root || !*root)
            return dc_error_set(err, DC_EINVALID,
                                "%s: catalog \"%s\" needs a \"root\" (a path or a URL)", path, k);
        json_t *s3 = json_object_get(c, "s3");
        if (s3 && !json_is_object(s3))
            return dc_error_set(err, DC_EINVALID,
                                "%s: the \"s3\" settings of catalog \"%s\" must be an object", path,
                                k);
    }
    json_t *d = json_object_get(doc, "default");
    if (d && !json_is_null(d)) {
        if (!json_is_string(d))
            return dc_error_set(err, DC_EINVALID, "%s: \"default\" must be a catalog name", path);
        if (!json_object_get(cats, json_string_value(d)))
            return dc_error_set(err, DC_EINVALID,
                                "%s: \"default\" names catalog \"%s\", which the file does not "
                                "define",
                                path, json_string_value(d));
    }
    return DC_OK;
}

/* Read the whole file; DC_ENOTFOUND when it does not exist. */
static dc_status read_file(const char *path, char **text, size_t *len, dc_error *err)
{
    FILE *f = fopen(path, "rb");
    *text = NULL;
    *len = 0;
    if (!f)
        return dc_error_set(err, errno == ENOENT ? DC_ENOTFOUND : DC_EIO, "%s: %s", path,
                            strerror(errno));
    dc_status rc = DC_OK;
    size_t cap = 4096, n = 0;
    char *buf = dc_malloc(cap);
    while (buf) {
        if (n == cap) {
            char *nb = dc_realloc(buf, cap * 2);
            if (!nb) {
                dc_free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (!buf)
        rc = dc_error_nomem(err);
    else if (ferror(f)) {
        rc = dc_error_set(err, DC_EIO, "%s: read failed: %s", path, strerror(errno));
        dc_free(buf);
        buf = NULL;
    }
    fclose(f);
    *text = buf;
    *len = n;
    return rc;
}

dc_status dc_catalog_config_load(dc_catalog_config **out, const char *path, dc_error *err)
{
    dc_status rc = DC_OK;
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    dc_catalog_config *cfg = dc_calloc(1, sizeof *cfg);
    DC_TRY_ALLOC(cfg, err);
    if (path)
        cfg->path = dc_strdup(path);
    else
        DC_TRY(dc_catalog_config_path(&cfg->path, err));
    DC_TRY_ALLOC(cfg->path, err);
    rc = read_file(cfg->path, &text, &len, err);
    if (rc == DC_ENOTFOUND) {
        cfg->doc = json_pack("{s:{}}", "catalogs");
        DC_TRY_ALLOC(cfg->doc, err);
        rc = DC_OK;
    } else if (rc != DC_OK) {
        goto cleanup;
    } else {
        DC_TRY(dc_json_parse(&cfg->doc, text, len, cfg->path, err));
        if (json_is_object(cfg->doc) && !json_object_get(cfg->doc, "catalogs") &&
            json_object_set_new(cfg->doc, "catalogs", json_object()) != 0) {
            rc = dc_error_nomem(err);
            goto cleanup;
        }
    }
    DC_TRY(validate(cfg, err));
    DC_TRY(index_names(cfg, err));
    *out = cfg;
    cfg = NULL;
cleanup:
    dc_free(text);
    dc_catalog_config_free(cfg);
    return rc;
}

void dc_catalog_config_free(dc_catalog_config *cfg)
{
    if (!cfg)
        return;
    dc_free(cfg->names);
    json_decref(cfg->doc);
    dc_free(cfg->path);
    dc_free(cfg);
}

/* mkdir -p of the directory part of `path`. */
static dc_status make_parent(const char *path, dc_error *err)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return DC_OK;
    *slash = '\0';
    for (char *p = buf + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return dc_error_set(err, DC_EIO, "cannot create directory %s: %s", buf,
                                    strerror(errno));
            if (end)
                break;
            *p = '/';
        }
    }
    return DC_OK;
}

dc_status dc_catalog_config_save(const dc_catalog_config *cfg, dc_error *err)
{
    dc_status rc = make_parent(cfg->path, err);
    if (rc != DC_OK)
        return rc;
    char *text = json_dumps(cfg->doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text)
        return dc_error_nomem(err);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", cfg->path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = dc_error_set(err, DC_EIO, "cannot write %s: %s", tmp, strerror(errno));
        goto done;
    }
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n && fputc('\n', f) != EOF && fflush(f) == 0 &&
              fsync(fileno(f)) == 0;
    int saved = errno;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, cfg->path) != 0) {
        rc = dc_error_set(err, DC_EIO, "cannot write %s: %s", cfg->path,
                          strerror(ok ? errno : saved));
        unlink(tmp);
    }
done:
    free(text);
    return rc;
}

const char *dc_catalog_config_file(const dc_catalog_config *cfg)
{
    return cfg->path;
}
int64_t dc_catalog_config_count(const dc_catalog_config *cfg)
{
    return cfg ? cfg->n : 0;
}

const char *dc_catalog_config_name(const dc_catalog_config *cfg, int64_t i)
{
    return cfg && i >= 0 && i < cfg->n ? cfg->names[i] : NULL;
}

const char *dc_catalog_config_root(const dc_catalog_config *cfg, int64_t i)
{
    const char *name = dc_catalog_config_name(cfg, i);
    json_t *c = name ? json_object_get(json_object_get(cfg->doc, "catalogs"), name) : NULL;
    return json_string_value(json_object_get(c, "root"));
}

const char *dc_catalog_config_default(const dc_catalog_config *cfg)
{
    if (!cfg)
        return NULL;
    const char *d = json_string_value(json_object_get(cfg->doc, "default"));
    if (d)
        return d;
    return cfg->n == 1 ? cfg->names[0] : NULL;
}

dc_status dc_catalog_config_add(dc_catalog_config *cfg, const char *name, const char *root,
                                dc_error *err)
{
    dc_status rc = check_name(name, err);
    if (rc != DC_OK)
        return rc;
    if (!root || !*root)
        return dc_error_set(err, DC_EINVALID, "catalog %s needs a root (a path or a URL)", name);
    json_t *cats = json_object_get(cfg->doc, "catalogs");
    if (json_object_get(cats, name))
        return dc_error_set(err, DC_EEXISTS, "%s already names a catalog (at %s) in %s", name,
                            json_string_value(json_object_get(json_object_get(cats, name), "root")),
                            cfg->path);
    bool first =
        json_object_size(cats) == 0 && !json_string_value(json_object_get(cfg->doc, "default"));
    if (json_object_set_new(cats, name, json_pack("{s:s}", "root", root)) != 0)
        return dc_error_nomem(err);
    if (first && json_object_set_new(cfg->doc, "default", json_string(name)) != 0) {
        json_object_del(cats, name);
        return dc_error_nomem(err);
    }
    rc = index_names(cfg, err);
    if (rc != DC_OK) {
        json_object_del(cats, name);
        if (first)
            json_object_del(cfg->doc, "default");
    }
    return rc;
}

dc_status dc_catalog_config_remove(dc_catalog_config *cfg, const char *name, dc_error *err)
{
    json_t *cats = json_object_get(cfg->doc, "catalogs");
    if (!name || !json_object_get(cats, name))
        return dc_error_set(err, DC_ENOTFOUND, "no catalog named %s in %s", name ? name : "(null)",
                            cfg->path);
    /* the name index borrows the keys: drop it before the key goes */
    dc_free(cfg->names);
    cfg->names = NULL;
    cfg->n = 0;
    const char *d = json_string_value(json_object_get(cfg->doc, "default"));
    if (d && !strcmp(d, name))
        json_object_del(cfg->doc, "default");
    json_object_del(cats, name);
    return index_names(cfg, err);
}

dc_status dc_catalog_config_set_default(dc_catalog_config *cfg, const char *name, dc_error *err)
{
    if (!name || !json_object_get(json_object_get(cfg->doc, "catalogs"), name))
        return dc_error_set(err, DC_ENOTFOUND, "no catalog named %s in %s", name ? name : "(null)",
                            cfg->path);
    if (json_object_set_new(cfg->doc, "default", json_string(name)) != 0)
        return dc_error_nomem(err);
    return DC_OK;
}

/* The names, comma-separated, for messages. */
static void list_names(const dc_catalog_config *cfg, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int64_t i = 0; i < cfg->n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", cfg->names[i]);
}

dc_status dc_catalog_config_open(dc_catalog **out, const dc_catalog_config *cfg, const char *name,
                                 const dc_catalog_options *opts, dc_error *err)
{
    char names[512];
    *out = NULL;
    const char *want = name ? name : dc_catalog_config_default(cfg);
    json_t *c = want ? json_object_get(json_object_get(cfg->doc, "catalogs"), want) : NULL;
    if (!c) {
        list_names(cfg, names, sizeof names);
        if (!want)
            return dc_error_set(err, DC_ENOTFOUND,
                                "%s names no default catalog (catalogs: %s): give a name or "
                                "set \"default\"",
                                cfg->path, cfg->n ? names : "none");
        return dc_error_set(err, DC_ENOTFOUND, "no catalog named %s in %s (catalogs: %s)", want,
                            cfg->path, cfg->n ? names : "none");
    }
    /* the catalog's storage settings ("s3"), then the caller's: later pairs win */
    json_t *s3 = json_object_get(c, "s3");
    size_t n_own = json_object_size(s3), n_opts = 0;
    while (opts && opts->storage_options && opts->storage_options[n_opts])
        n_opts += 2;
    const char **kv = dc_calloc(2 * n_own + n_opts + 1, sizeof *kv);
    if (!kv)
        return dc_error_nomem(err);
    size_t n_kv = 0;
    const char *key;
    json_t *val;
    json_object_foreach(s3, key, val)
    {
        if (!json_is_string(val) && !json_is_null(val)) {
            dc_free(kv);
            return dc_error_set(err, DC_EINVALID,
                                "catalog %s: the \"s3\" setting \"%s\" in %s must be a string",
                                want, key, cfg->path);
        }
        kv[n_kv++] = key;
        kv[n_kv++] = json_is_null(val) ? "" : json_string_value(val);
    }
    for (size_t i = 0; i < n_opts; i++)
        kv[n_kv++] = opts->storage_options[i];
    dc_catalog_options o = opts ? *opts : (dc_catalog_options){0};
    o.storage_options = kv;
    const char *root = json_string_value(json_object_get(c, "root"));
    char buf[4096];
    /* a relative path is relative to the configuration file's directory */
    if (root[0] != '/' && !strstr(root, "://")) {
        const char *slash = strrchr(cfg->path, '/');
        if (slash)
            snprintf(buf, sizeof buf, "%.*s/%s", (int)(slash - cfg->path), cfg->path, root);
        else
            snprintf(buf, sizeof buf, "%s", root);
        root = buf;
    }
    dc_status rc = dc_catalog_open(out, root, &o, err);
    if (rc != DC_OK)
        dc_error_prefix(err, "catalog %s: ", want);
    dc_free(kv);
    return rc;
}

dc_status dc_catalog_config_set_storage(dc_catalog_config *cfg, const char *name,
                                        const char *const *kv, dc_error *err)
{
    json_t *c = name ? json_object_get(json_object_get(cfg->doc, "catalogs"), name) : NULL;
    if (!c)
        return dc_error_set(err, DC_ENOTFOUND, "no catalog named %s in %s", name ? name : "(null)",
                            cfg->path);
    for (size_t i = 0; kv && kv[i]; i += 2) { /* all checked before anything changes */
        bool known = false;
        for (size_t k = 0; k < DC_ARRAY_LEN(STORAGE_KEYS); k++)
            known = known || !strcmp(kv[i], STORAGE_KEYS[k]);
        if (!known)
            return dc_error_set(err, DC_EINVALID,
                                "unknown storage option \"%s\" (known: region, endpoint_url, "
                                "profile, access_key_id, secret_access_key, session_token)",
                                kv[i]);
    }
    json_t *s3 = json_object_get(c, "s3");
    json_t *next = s3 ? json_deep_copy(s3) : json_object();
    if (!next)
        return dc_error_nomem(err);
    for (size_t i = 0; kv && kv[i]; i += 2) {
        const char *v = kv[i + 1];
        if (!v || !v[0])
            json_object_del(next, kv[i]);
        else if (json_object_set_new(next, kv[i], json_string(v)) != 0) {
            json_decref(next);
            return dc_error_nomem(err);
        }
    }
    if (json_object_size(next) == 0) { /* nothing left: no "s3" member */
        json_decref(next);
        json_object_del(c, "s3");
        return DC_OK;
    }
    return json_object_set_new(c, "s3", next) == 0 ? DC_OK : dc_error_nomem(err);
}

dc_status dc_catalogs_register_config(const dc_catalog_config *cfg, const dc_catalog_options *opts,
                                      dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t opened = 0, put = 0;
    dc_catalog **cs = dc_calloc((size_t)cfg->n + 1, sizeof *cs);
    DC_TRY_ALLOC(cs, err);
    for (; opened < cfg->n; opened++)
        DC_TRY(dc_catalog_config_open(&cs[opened], cfg, cfg->names[opened], opts, err));
    for (; put < cfg->n; put++)
        DC_TRY(dc_catalogs_put(cfg->names[put], cs[put], err));
    if (dc_catalog_config_default(cfg))
        DC_TRY(dc_catalogs_set_default(dc_catalog_config_default(cfg), err));
cleanup:
    if (rc != DC_OK)
        for (int64_t i = 0; i < put; i++)
            dc_catalogs_remove(cfg->names[i], NULL);
    for (int64_t i = 0; cs && i < opened; i++)
        dc_catalog_close(cs[i]);
    dc_free(cs);
    return rc;
}
