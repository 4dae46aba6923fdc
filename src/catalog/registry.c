/*
 * registry.c: the default catalog and the process-wide set of catalogs by name
 * (include/deltacat/catalog.h). One mutex guards the set; entries hold a
 * reference to their catalog.
 */
#include "catalog/catalog_int.h"

#include <pthread.h>
#include <stdlib.h>

dc_status dc_catalog_open_default(dc_catalog **out, const dc_catalog_options *opts, dc_error *err)
{
    const char *root = getenv("DELTACAT_ROOT");
    return dc_catalog_open(out, root && *root ? root : ".deltacat", opts, err);
}

typedef struct entry {
    char *name;
    dc_catalog *c;
} entry;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static entry *g_entries;
static int64_t g_n, g_cap;
static char *g_default;

static int64_t find(const char *name)
{
    for (int64_t i = 0; i < g_n; i++)
        if (!strcmp(g_entries[i].name, name))
            return i;
    return -1;
}

static dc_status check_name(const char *name, dc_error *err)
{
    if (!name || !*name || strlen(name) > 255 || strchr(name, '/') ||
        !dc_utf8_valid(name, (int64_t)strlen(name)))
        return dc_error_set(err, DC_EINVALID,
                            "a catalog name is 1 to 255 bytes of UTF-8 without '/'");
    return DC_OK;
}

dc_status dc_catalogs_put(const char *name, dc_catalog *c, dc_error *err)
{
    dc_status rc = check_name(name, err);
    if (rc != DC_OK)
        return rc;
    if (!c)
        return dc_error_set(err, DC_EINVALID, "no catalog given for %s", name);
    pthread_mutex_lock(&g_mu);
    if (find(name) >= 0) {
        rc = dc_error_set(err, DC_EEXISTS, "a catalog named %s is already registered", name);
    } else if (g_n == g_cap) {
        int64_t cap = g_cap ? g_cap * 2 : 4;
        entry *e = dc_realloc(g_entries, (size_t)cap * sizeof *e);
        if (!e)
            rc = dc_error_nomem(err);
        else {
            g_entries = e;
            g_cap = cap;
        }
    }
    if (rc == DC_OK) {
        char *nm = dc_strdup(name);
        char *dflt = g_default ? NULL : dc_strdup(name);
        if (!nm || (!g_default && !dflt)) {
            dc_free(nm);
            dc_free(dflt);
            rc = dc_error_nomem(err);
        } else {
            g_entries[g_n++] = (entry){nm, dc_catalog_ref(c)};
            if (dflt)
                g_default = dflt;
        }
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

dc_status dc_catalogs_get(const char *name, dc_catalog **out, dc_error *err)
{
    dc_status rc = DC_OK;
    *out = NULL;
    pthread_mutex_lock(&g_mu);
    const char *want = name ? name : g_default;
    int64_t i = want ? find(want) : -1;
    if (i < 0)
        rc = dc_error_set(err, DC_ENOTFOUND,
                          name ? "no catalog named %s is registered" : "no default catalog%s",
                          name ? name : " is registered");
    else
        *out = dc_catalog_ref(g_entries[i].c);
    pthread_mutex_unlock(&g_mu);
    return rc;
}

dc_status dc_catalogs_set_default(const char *name, dc_error *err)
{
    dc_status rc = DC_OK;
    pthread_mutex_lock(&g_mu);
    if (!name || find(name) < 0) {
        rc = dc_error_set(err, DC_ENOTFOUND, "no catalog named %s is registered",
                          name ? name : "(null)");
    } else {
        char *d = dc_strdup(name);
        if (!d) {
            rc = dc_error_nomem(err);
        } else {
            dc_free(g_default);
            g_default = d;
        }
    }
    pthread_mutex_unlock(&g_mu);
    return rc;
}

dc_status dc_catalogs_remove(const char *name, dc_error *err)
{
    dc_status rc = DC_OK;
    dc_catalog *drop = NULL;
    pthread_mutex_lock(&g_mu);
    int64_t i = name ? find(name) : -1;
    if (i < 0) {
        rc = dc_error_set(err, DC_ENOTFOUND, "no catalog named %s is registered",
                          name ? name : "(null)");
    } else {
        drop = g_entries[i].c;
        if (g_default && !strcmp(g_default, name)) {
            dc_free(g_default);
            g_default = NULL;
        }
        dc_free(g_entries[i].name);
        g_entries[i] = g_entries[--g_n];
        if (g_n == 0) {
            dc_free(g_entries);
            g_entries = NULL;
            g_cap = 0;
        }
    }
    pthread_mutex_unlock(&g_mu);
    dc_catalog_close(drop); /* outside the lock: closing may take time */
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

dc_status dc_catalogs_names(char ***names, int64_t *n, int64_t *default_index, dc_error *err)
{
    dc_status rc = DC_OK;
    *names = NULL;
    *n = 0;
    if (default_index)
        *default_index = -1;
    pthread_mutex_lock(&g_mu);
    char **v = dc_calloc((size_t)g_n + 1, sizeof *v);
    for (int64_t i = 0; v && i < g_n; i++)
        if (!(v[i] = dc_strdup(g_entries[i].name))) {
            dc_catalogs_names_free(v, i);
            v = NULL;
        }
    int64_t cnt = g_n;
    char *dflt = g_default ? dc_strdup(g_default) : NULL;
    pthread_mutex_unlock(&g_mu);
    if (!v)
        rc = dc_error_nomem(err);
    else {
        qsort(v, (size_t)cnt, sizeof *v, name_cmp);
        for (int64_t i = 0; default_index && dflt && i < cnt; i++)
            if (!strcmp(v[i], dflt))
                *default_index = i;
        *names = v;
        *n = cnt;
    }
    dc_free(dflt);
    return rc;
}

void dc_catalogs_names_free(char **names, int64_t n)
{
    for (int64_t i = 0; names && i < n; i++)
        dc_free(names[i]);
    dc_free(names);
}
