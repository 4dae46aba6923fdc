/*
 * cmd_urls.c: `deltacat list URL` and `deltacat copy SRC DST` over dc:// URLs
 * naming catalogs of the configuration file:
 *
 *   dc://                      the catalogs
 *   dc://CATALOG               its namespaces (a last part "*": the same; "**": and
 *                              every table)
 *   dc://CATALOG/NS            the namespace (with "*" or "**" after it: its tables)
 *   dc://CATALOG/NS/TABLE      the table
 *
 * A copy reads the sources in one consistent snapshot and commits everything
 * it creates in the destination catalog in one transaction: all of it or
 * nothing (an existing destination table stops it before anything commits).
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_BYTES 255

typedef struct dc_url {
    const char *text;
    char catalog[NAME_MAX_BYTES + 1];
    char ns[NAME_MAX_BYTES + 1];
    char table[NAME_MAX_BYTES + 1];
    int depth; /* 0: dc://, 1: a catalog, 2: a namespace, 3: a table */
    int glob;  /* 0: none, 1: "*" (immediate children), 2: "**" (everything below) */
} dc_url;

static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > NAME_MAX_BYTES || (n == 1 && s[0] == '.') ||
        (n == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\' || s[i] == '*')
            return false;
    return true;
}

/* Parse a dc:// URL; false (after a usage message naming the fault) when malformed. */
static bool parse_url(const char *cmd, const char *text, dc_url *u)
{
    memset(u, 0, sizeof *u);
    u->text = text;
    if (strncmp(text, "dc://", 5) != 0) {
        dc_cli_usage(cmd, "\"%s\" is not a dc:// URL (dc://CATALOG[/NAMESPACE[/TABLE]])", text);
        return false;
    }
    const char *p = text + 5;
    char *parts[] = {u->catalog, u->ns, u->table};
    while (*p) {
        size_t n = strcspn(p, "/");
        bool last = p[n] == '\0' || (p[n] == '/' && p[n + 1] == '\0');
        if ((n == 1 && p[0] == '*') || (n == 2 && p[0] == '*' && p[1] == '*')) {
            if (!last || u->depth == 0 || u->depth == 3) {
                dc_cli_usage(cmd,
                             "\"%s\": a glob (* or **) comes last, after a catalog or a "
                             "namespace",
                             text);
                return false;
            }
            u->glob = (int)n;
            break;
        }
        if (!valid_name(p, n)) {
            dc_cli_usage(cmd,
                         "\"%s\": \"%.*s\" is not a valid name (1 to 255 bytes, not . or .., "
                         "no control characters, \\ or *)",
                         text, (int)n, p);
            return false;
        }
        if (u->depth == 3) {
            dc_cli_usage(cmd, "\"%s\" has more parts than dc://CATALOG/NAMESPACE/TABLE", text);
            return false;
        }
        memcpy(parts[u->depth], p, n);
        parts[u->depth][n] = '\0';
        u->depth++;
        p += n;
        if (*p == '/')
            p++;
    }
    return true;
}

/* Open catalog `name` of the configuration file. */
static int open_named(const char *cmd, const char *name, dc_catalog **c)
{
    dc_cli_target t = {.catalog = name};
    return dc_cli_open(cmd, &t, false, c);
}

/* ---- list ---- */

typedef struct lister {
    json_t *out; /* the entries as JSON */
    dc_error e;
} lister;

static void add_entry(lister *l, const char *url, const char *type, json_t *extra)
{
    json_t *o = json_pack("{s:s, s:s}", "url", url, "type", type);
    json_object_update(o, extra);
    json_decref(extra);
    json_array_append_new(l->out, o);
}

static dc_status list_tables(lister *l, dc_catalog *c, dc_txn *t, const char *cat, const char *ns,
                             const char *only)
{
    dc_table_info *v = NULL;
    int64_t n = 0;
    dc_status rc = DC_OK;
    if (only) {
        v = calloc(1, sizeof *v);
        if (!v)
            return dc_error_set(&l->e, DC_ENOMEM, "out of memory");
        rc = dc_table_describe(c, t, ns, only, v, &l->e);
        if (rc != DC_OK) {
            free(v);
            return rc;
        }
        n = 1;
    } else if ((rc = dc_table_list(c, t, ns, &v, &n, &l->e)) != DC_OK) {
        return rc;
    }
    for (int64_t i = 0; i < n; i++) {
        char url[1024];
        snprintf(url, sizeof url, "dc://%s/%s/%s", cat, ns, v[i].name);
        add_entry(l, url, "table",
                  json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "catalog", cat, "namespace", ns,
                            "name", v[i].name, "rows", (json_int_t)v[i].row_count, "files",
                            (json_int_t)v[i].file_count, "bytes", (json_int_t)v[i].size_bytes));
    }
    if (only) {
        dc_table_info_clear(v);
        free(v);
    } else {
        dc_table_infos_free(v, n);
    }
    return DC_OK;
}

static dc_status list_namespaces(lister *l, dc_catalog *c, dc_txn *t, const char *cat, bool tables)
{
    dc_namespace_info *v = NULL;
    int64_t n = 0;
    dc_status rc = dc_namespace_list(c, t, &v, &n, &l->e);
    for (int64_t i = 0; rc == DC_OK && i < n; i++) {
        char url[1024];
        snprintf(url, sizeof url, "dc://%s/%s", cat, v[i].name);
        add_entry(l, url, "namespace",
                  json_pack("{s:s, s:s, s:I}", "catalog", cat, "name", v[i].name, "tables",
                            (json_int_t)v[i].n_tables));
        if (tables)
            rc = list_tables(l, c, t, cat, v[i].name, NULL);
    }
    dc_namespace_infos_free(v, n);
    return rc;
}

static void print_entries(const json_t *all)
{
    dc_cli_grid *g = dc_cli_grid_new(3, (const char *const[]){"url", "type", "contents"}, "lll");
    size_t i;
    json_t *o;
    json_array_foreach(all, i, o)
    {
        const char *type = json_string_value(json_object_get(o, "type"));
        char detail[256], sz[32];
        if (!strcmp(type, "catalog"))
            snprintf(detail, sizeof detail, "%s", json_string_value(json_object_get(o, "root")));
        else if (!strcmp(type, "namespace"))
            snprintf(detail, sizeof detail, "%" JSON_INTEGER_FORMAT " table%s",
                     json_integer_value(json_object_get(o, "tables")),
                     json_integer_value(json_object_get(o, "tables")) == 1 ? "" : "s");
        else
            snprintf(detail, sizeof detail,
                     "%" JSON_INTEGER_FORMAT " row%s, %" JSON_INTEGER_FORMAT " file%s, %s",
                     json_integer_value(json_object_get(o, "rows")),
                     json_integer_value(json_object_get(o, "rows")) == 1 ? "" : "s",
                     json_integer_value(json_object_get(o, "files")),
                     json_integer_value(json_object_get(o, "files")) == 1 ? "" : "s",
                     dc_cli_bytes(json_integer_value(json_object_get(o, "bytes")), sz));
        dc_cli_grid_add(
            g, (const char *const[]){json_string_value(json_object_get(o, "url")), type, detail});
    }
    dc_cli_grid_print(g, stdout);
    dc_cli_grid_free(g);
}

/* List catalog `cat` below `u` (depth >= 1). */
static int list_in(lister *l, const dc_url *u, const char *cat, bool recursive)
{
    dc_catalog *c;
    int code = open_named("list", cat, &c);
    if (code)
        return code;
    dc_txn *t = NULL;
    dc_status rc = dc_txn_begin(&t, c, NULL, &l->e); /* one snapshot for the whole listing */
    if (rc == DC_OK) {
        if (u->depth <= 1)
            rc = list_namespaces(l, c, t, cat, recursive || u->glob == 2);
        else if (u->depth == 2) {
            bool exists = false;
            rc = dc_namespace_exists(c, t, u->ns, &exists, &l->e);
            if (rc == DC_OK && !exists)
                rc = dc_error_set(&l->e, DC_ENOTFOUND, "%s: no namespace %s in catalog %s", u->text,
                                  u->ns, cat);
            if (rc == DC_OK)
                rc = list_tables(l, c, t, cat, u->ns, NULL);
        } else {
            rc = list_tables(l, c, t, cat, u->ns, u->table);
        }
    }
    dc_txn_abort(t);
    dc_catalog_close(c);
    return rc == DC_OK ? DC_EXIT_OK : dc_cli_fail(rc, &l->e);
}

int dc_cmd_list(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"recursive", no_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool json = false, recursive = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "jrh", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': json = true; break;
        case 'r': recursive = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "list", NULL});
        default: return dc_cli_usage("list", "unknown option");
        }
    }
    if (argc - optind > 1)
        return dc_cli_usage("list", "give one dc:// URL");
    dc_url u;
    if (!parse_url("list", optind < argc ? argv[optind] : "dc://", &u))
        return DC_EXIT_USAGE;
    lister l = {.out = json_array()};
    int code = DC_EXIT_OK;
    if (u.depth == 0) { /* the catalogs of the configuration */
        dc_catalog_config *cfg;
        dc_status rc = dc_catalog_config_load(&cfg, NULL, &l.e);
        if (rc != DC_OK) {
            json_decref(l.out);
            return dc_cli_fail(rc, &l.e);
        }
        const char *d = dc_catalog_config_default(cfg);
        for (int64_t i = 0; code == DC_EXIT_OK && i < dc_catalog_config_count(cfg); i++) {
            const char *name = dc_catalog_config_name(cfg, i);
            char url[512];
            snprintf(url, sizeof url, "dc://%s", name);
            add_entry(&l, url, "catalog",
                      json_pack("{s:s, s:s, s:b}", "name", name, "root",
                                dc_catalog_config_root(cfg, i), "default", d && !strcmp(d, name)));
            if (recursive)
                code = list_in(&l, &u, name, true);
        }
        dc_catalog_config_free(cfg);
    } else {
        code = list_in(&l, &u, u.catalog, recursive);
    }
    if (code == DC_EXIT_OK) {
        if (json)
            dc_cli_put_json(json_incref(l.out));
        else if (json_array_size(l.out) == 0)
            printf("nothing at %s%s\n", u.text,
                   u.depth == 0 ? " (name catalogs with 'deltacat catalog add NAME ROOT')" : "");
        else
            print_entries(l.out);
    }
    json_decref(l.out);
    return code;
}

/* ---- copy ---- */

typedef struct copier {
    dc_catalog *sc, *dc; /* source and destination catalogs */
    dc_txn *st, *dt;     /* a snapshot of the source, the destination's transaction */
    const dc_url *src, *dst;
    int64_t table_version;       /* > 0: copy this version of the source table (not the current) */
    json_t *tables, *namespaces; /* what was copied */
    json_t *kept;                /* destination namespaces that existed (URLs) */
    int64_t rows;
    dc_error e;
} copier;

/* Create namespace `dns` in the destination with the properties of source `sns`
 * (an existing one is kept as it is). */
static dc_status copy_namespace(copier *k, const char *sns, const char *dns)
{
    bool exists = false;
    dc_status rc = dc_namespace_exists(k->dc, k->dt, dns, &exists, &k->e);
    if (rc == DC_OK && exists) {
        char to[600];
        snprintf(to, sizeof to, "dc://%s/%s", k->dst->catalog, dns);
        for (size_t i = 0; i < json_array_size(k->kept); i++)
            if (!strcmp(json_string_value(json_array_get(k->kept, i)), to))
                return DC_OK;
        json_array_append_new(k->kept, json_string(to));
    }
    if (rc != DC_OK || exists)
        return rc;
    dc_namespace_info ni;
    if ((rc = dc_namespace_get(k->sc, k->st, sns, &ni, &k->e)) != DC_OK)
        return rc;
    rc = dc_namespace_create(k->dc, k->dt, dns, &ni.properties, &k->e);
    dc_namespace_info_clear(&ni);
    if (rc == DC_OK) {
        char from[600], to[600];
        snprintf(from, sizeof from, "dc://%s/%s", k->src->catalog, sns);
        snprintf(to, sizeof to, "dc://%s/%s", k->dst->catalog, dns);
        json_array_append_new(k->namespaces, json_pack("{s:s, s:s}", "from", from, "to", to));
    }
    return rc;
}

/*
 * A schemaless table: its files (the manifest `r` lists them) are registered
 * again in a new schemaless table dns.dtab, which copies them into the
 * destination. They are read by path below the source's location: a local
 * directory, or a URL (s3://bucket/prefix/..., whose S3 settings come from the
 * environment, mem://NAME/...).
 */
static dc_status copy_files(copier *k, const dc_table_info *ti, dc_reader *r, const char *dns,
                            const char *dtab, int64_t *n_files)
{
    dc_status rc = DC_OK;
    const char *loc = dc_catalog_location(k->sc);
    char **paths = NULL;
    int64_t n = 0, cap = 0;
    int32_t col = dc_schema_find(dc_reader_schema(r), "path");
    for (;;) {
        dc_batch *b = NULL;
        if ((rc = dc_reader_next(r, &b, &k->e)) != DC_OK || !b)
            break;
        for (int64_t i = 0; rc == DC_OK && i < b->length; i++) {
            char *rel = dc_value_to_text(b->columns[col], i, false);
            if (n == cap) {
                char **np = realloc(paths, sizeof *np * (size_t)(cap = cap ? cap * 2 : 16));
                if (np)
                    paths = np;
                else
                    cap = n;
            }
            size_t len = strlen(loc) + (rel ? strlen(rel) : 0) + 1;
            char *abs = n < cap && rel ? malloc(len) : NULL;
            if (!abs)
                rc = dc_error_set(&k->e, DC_ENOMEM, "out of memory");
            else {
                snprintf(abs, len, "%s%s", loc, rel);
                paths[n++] = abs;
            }
            dc_free(rel);
        }
        dc_batch_unref(b);
    }
    dc_table_options o;
    dc_table_options_init(&o);
    o.schemaless = true;
    o.properties = &ti->properties;
    o.description = ti->description;
    if (rc == DC_OK)
        rc = dc_table_create(k->dc, k->dt, dns, dtab, &o, &k->e);
    if (rc == DC_OK && n > 0) {
        dc_table_write_options wo;
        dc_table_write_options_init(&wo);
        wo.mode = DC_WRITE_APPEND; /* in manifest order */
        rc = dc_table_write_files(k->dc, k->dt, dns, dtab, (const char *const *)paths, (int32_t)n,
                                  &wo, NULL, &k->e);
    }
    *n_files = n;
    for (int64_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
    return rc;
}

/* With --table-version: the schema and row count of that version of sns.stab in `ti`
 * (the other options are the current version's); DC_ENOTFOUND when it has none such. */
static dc_status version_info(copier *k, const char *sns, const char *stab, dc_table_info *ti)
{
    dc_table_version_info *v = NULL;
    int64_t n = 0;
    dc_status rc = dc_table_versions(k->sc, k->st, sns, stab, &v, &n, &k->e);
    if (rc != DC_OK)
        return rc;
    int64_t i = 0;
    while (i < n && v[i].version != k->table_version)
        i++;
    if (i == n) {
        rc = dc_error_set(&k->e, DC_ENOTFOUND,
                          "table %s.%s has no version %" PRId64 " (it has 1 to %" PRId64 ")", sns,
                          stab, k->table_version, n > 0 ? v[n - 1].version : 0);
    } else {
        dc_schema_unref(ti->schema);
        ti->schema = v[i].schema ? dc_schema_ref(v[i].schema) : NULL;
        ti->row_count = v[i].row_count;
    }
    dc_table_versions_free(v, n);
    return rc;
}

/* Copy table sns.stab to dns.dtab: its options (schema with merge keys, partition
 * scheme, properties, description, modes, content type), then its rows. */
static dc_status copy_table(copier *k, const char *sns, const char *stab, const char *dns,
                            const char *dtab)
{
    dc_table_info ti;
    dc_reader *r = NULL, *counted = NULL;
    dc_status rc = dc_table_describe(k->sc, k->st, sns, stab, &ti, &k->e);
    if (rc != DC_OK)
        return rc;
    char from[800], to[800];
    snprintf(from, sizeof from, "dc://%s/%s/%s", k->src->catalog, sns, stab);
    snprintf(to, sizeof to, "dc://%s/%s/%s", k->dst->catalog, dns, dtab);
    if ((rc = copy_namespace(k, sns, dns)) != DC_OK)
        goto done;
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    ro.table_version = k->table_version;
    if (k->table_version > 0 && (rc = version_info(k, sns, stab, &ti)) != DC_OK)
        goto done;
    if (ti.schemaless) { /* its read is the manifest: the files are copied as they are */
        int64_t files = 0;
        if ((rc = dc_table_read(k->sc, k->st, sns, stab, &ro, &r, &k->e)) != DC_OK)
            goto done;
        rc = copy_files(k, &ti, r, dns, dtab, &files);
        if (rc == DC_OK)
            json_array_append_new(k->tables,
                                  json_pack("{s:s, s:s, s:I, s:I}", "from", from, "to", to, "rows",
                                            (json_int_t)0, "files", (json_int_t)files));
        goto done;
    }
    dc_table_options o;
    dc_table_options_init(&o);
    o.schema = ti.schema; /* merge keys are marked in its fields */
    o.partition_by = ti.partition_by;
    o.properties = &ti.properties;
    o.description = ti.description;
    o.evolution = ti.evolution;
    o.consistency = ti.consistency;
    o.content_type = ti.content_type;
    if ((rc = dc_table_create(k->dc, k->dt, dns, dtab, &o, &k->e)) != DC_OK)
        goto done;
    dc_write_result res = {0};
    if (ti.row_count > 0) {
        char label[128];
        snprintf(label, sizeof label, "copy %s.%s", sns, stab);
        dc_cli_progress *p = dc_cli_progress_start(label, ti.row_count);
        rc = dc_table_read(k->sc, k->st, sns, stab, &ro, &r, &k->e);
        if (rc == DC_OK) {
            rc = dc_cli_progress_reader(&counted, r, p, &k->e); /* consumes r */
            r = NULL;
        }
        if (rc == DC_OK) {
            dc_table_write_options wo;
            dc_table_write_options_init(&wo);
            wo.mode = DC_WRITE_AUTO; /* ADD, or MERGE for a table with merge keys */
            rc = dc_table_write(k->dc, k->dt, dns, dtab, counted, &wo, &res, &k->e);
        }
        dc_cli_progress_done(p);
    }
    if (rc == DC_OK) {
        k->rows += res.rows;
        json_array_append_new(k->tables, json_pack("{s:s, s:s, s:I}", "from", from, "to", to,
                                                   "rows", (json_int_t)res.rows));
    }
done:
    if (rc != DC_OK && rc != DC_EUNSUPPORTED)
        dc_error_prefix(&k->e, "copying %s to %s: ", from, to);
    dc_reader_free(counted);
    dc_reader_free(r);
    dc_table_info_clear(&ti);
    return rc;
}

/* Every table of source namespace `sns` into `dns`. */
static dc_status copy_tables_of(copier *k, const char *sns, const char *dns)
{
    dc_table_info *v;
    int64_t n;
    dc_status rc = copy_namespace(k, sns, dns);
    if (rc == DC_OK)
        rc = dc_table_list(k->sc, k->st, sns, &v, &n, &k->e);
    if (rc != DC_OK)
        return rc;
    for (int64_t i = 0; rc == DC_OK && i < n; i++)
        rc = copy_table(k, sns, v[i].name, dns, v[i].name);
    dc_table_infos_free(v, n);
    return rc;
}

static dc_status run_copy(copier *k)
{
    const dc_url *s = k->src, *d = k->dst;
    if (s->depth == 3) /* a table */
        return copy_table(k, s->ns, s->table, d->depth >= 2 ? d->ns : s->ns,
                          d->depth == 3 ? d->table : s->table);
    if (s->depth == 2) { /* a namespace, or its tables */
        const char *dns = d->depth == 2 ? d->ns : s->ns;
        bool exists = false;
        dc_status rc = dc_namespace_exists(k->sc, k->st, s->ns, &exists, &k->e);
        if (rc == DC_OK && !exists)
            rc = dc_error_set(&k->e, DC_ENOTFOUND, "%s: no namespace %s in catalog %s", s->text,
                              s->ns, s->catalog);
        if (rc != DC_OK)
            return rc;
        return s->glob ? copy_tables_of(k, s->ns, dns) : copy_namespace(k, s->ns, dns);
    }
    /* every namespace of a catalog (*), with their tables (**) */
    dc_namespace_info *v;
    int64_t n;
    dc_status rc = dc_namespace_list(k->sc, k->st, &v, &n, &k->e);
    if (rc != DC_OK)
        return rc;
    for (int64_t i = 0; rc == DC_OK && i < n; i++)
        rc = s->glob == 2 ? copy_tables_of(k, v[i].name, v[i].name)
                          : copy_namespace(k, v[i].name, v[i].name);
    dc_namespace_infos_free(v, n);
    return rc;
}

int dc_cmd_copy(int argc, char **argv)
{
    enum { OPT_AS_OF = 1000, OPT_TABLE_VERSION };
    static const struct option opts[] = {
        {"message", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {"table-version", required_argument, NULL, OPT_TABLE_VERSION},
        {"help", no_argument, NULL, 'h'},
        {0}};
    bool json = false, as_of = false;
    const char *msg = NULL;
    dc_txn_options so = {0};
    int64_t table_version = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "m:jh", opts, NULL)) != -1) {
        switch (ch) {
        case 'm': msg = optarg; break;
        case 'j': json = true; break;
        case OPT_AS_OF:
            if (!dc_cli_parse_when(optarg, &so.as_of_version, &so.as_of_ns))
                return dc_cli_usage("copy",
                                    "--as-of takes a version, nanoseconds or an ISO-8601 time, "
                                    "not \"%s\"",
                                    optarg);
            as_of = true;
            break;
        case OPT_TABLE_VERSION:
            if (!dc_cli_parse_count("copy", "--table-version", optarg, &table_version))
                return DC_EXIT_USAGE;
            if (table_version < 1)
                return dc_cli_usage("copy", "--table-version takes a version (1, 2, ...)");
            break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "copy", NULL});
        default: return dc_cli_usage("copy", "unknown option");
        }
    }
    if (argc - optind != 2)
        return dc_cli_usage("copy", "give a source and a destination dc:// URL");
    dc_url s, d;
    if (!parse_url("copy", argv[optind], &s) || !parse_url("copy", argv[optind + 1], &d))
        return DC_EXIT_USAGE;
    if (s.depth == 0 || d.depth == 0)
        return dc_cli_usage("copy", "both URLs name a catalog at least (dc://CATALOG/...)");
    if (d.glob)
        return dc_cli_usage("copy", "the destination %s cannot hold a glob", d.text);
    if (s.depth == 1 && !s.glob)
        return dc_cli_usage("copy",
                            "to copy a whole catalog say which part: %s/* (its namespaces) or "
                            "%s/** (namespaces and tables)",
                            s.text, s.text);
    if (s.depth == 1 && d.depth != 1)
        return dc_cli_usage("copy", "namespaces of %s go to a catalog (dc://CATALOG), not %s",
                            s.text, d.text);
    if (s.depth == 2 && d.depth == 3)
        return dc_cli_usage("copy",
                            "a namespace (%s) goes to a catalog or a namespace, not a "
                            "table URL (%s)",
                            s.text, d.text);
    if (table_version > 0 && s.depth != 3)
        return dc_cli_usage("copy", "--table-version copies one table: give a table URL, not %s",
                            s.text);
    copier k = {.src = &s,
                .dst = &d,
                .table_version = table_version,
                .tables = json_array(),
                .namespaces = json_array(),
                .kept = json_array()};
    int code = open_named("copy", s.catalog, &k.sc);
    if (!code && (code = open_named("copy", d.catalog, &k.dc)) != 0) {
        dc_catalog_close(k.sc);
        k.sc = NULL;
    }
    if (code) {
        json_decref(k.tables);
        json_decref(k.namespaces);
        json_decref(k.kept);
        return code;
    }
    int64_t latest = 0, version = 0;
    dc_status rc = DC_OK;
    if (!as_of) { /* a read-only snapshot of the source: its latest version */
        rc = dc_catalog_latest_version(k.sc, &latest, &k.e);
        so.as_of_version = latest;
    }
    if (rc == DC_OK)
        rc = dc_txn_begin(&k.st, k.sc, as_of || latest > 0 ? &so : NULL, &k.e);
    if (rc == DC_OK)
        rc = dc_txn_begin(&k.dt, k.dc, NULL, &k.e);
    if (rc == DC_OK)
        rc = run_copy(&k);
    if (rc == DC_OK &&
        json_array_size(k.tables) + json_array_size(k.namespaces) + json_array_size(k.kept) == 0)
        rc = dc_error_set(&k.e, DC_ENOTFOUND, "%s: nothing to copy (no %s there)", s.text,
                          s.depth == 1 ? "namespace" : "table");
    char def_msg[1200];
    snprintf(def_msg, sizeof def_msg, "copy %s to %s", s.text, d.text);
    if (rc == DC_OK)
        rc = dc_txn_commit(k.dt, msg ? msg : def_msg, &version, &k.e);
    dc_txn_abort(k.dt);
    dc_txn_abort(k.st);
    dc_catalog_close(k.sc);
    dc_catalog_close(k.dc);
    if (rc != DC_OK) {
        code = dc_cli_fail(rc, &k.e);
    } else if (json) {
        dc_cli_put_json(json_pack("{s:I, s:I, s:O, s:O, s:O}", "version", (json_int_t)version,
                                  "rows", (json_int_t)k.rows, "tables", k.tables, "namespaces",
                                  k.namespaces, "kept_namespaces", k.kept));
    } else {
        size_t i;
        json_t *o;
        json_array_foreach(k.namespaces, i, o)
            printf("created namespace %s (from %s)\n", json_string_value(json_object_get(o, "to")),
                   json_string_value(json_object_get(o, "from")));
        json_array_foreach(k.kept, i, o)
            printf("kept namespace %s (it exists)\n", json_string_value(o));
        json_array_foreach(k.tables, i, o)
        {
            json_t *files = json_object_get(o, "files"); /* a schemaless table's */
            printf("copied %s to %s (%" JSON_INTEGER_FORMAT " %s)\n",
                   json_string_value(json_object_get(o, "from")),
                   json_string_value(json_object_get(o, "to")),
                   json_integer_value(files ? files : json_object_get(o, "rows")),
                   files ? "files" : "rows");
        }
        printf("%zu table%s (%" PRId64 " rows) and %zu namespace%s committed as version %" PRId64
               " of catalog %s\n",
               json_array_size(k.tables), json_array_size(k.tables) == 1 ? "" : "s", k.rows,
               json_array_size(k.namespaces), json_array_size(k.namespaces) == 1 ? "" : "s",
               version, d.catalog);
    }
    json_decref(k.tables);
    json_decref(k.namespaces);
    json_decref(k.kept);
    return code;
}
