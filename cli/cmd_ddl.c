/*
 * cmd_ddl.c: `deltacat namespace` and `deltacat table`: listing, describing,
 * creating, altering, renaming, dropping namespaces and tables, truncating,
 * rolling back and listing table versions, over include/deltacat/table.h.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_CASCADE = 1200,
    OPT_PROPERTY,
    OPT_UNSET,
    OPT_IF_NOT_EXISTS,
    OPT_SCHEMA,
    OPT_MERGE_KEY,
    OPT_PARTITION_BY,
    OPT_DESCRIPTION,
    OPT_EVOLUTION,
    OPT_CONSISTENCY,
    OPT_CONTENT_TYPE,
    OPT_SCHEMALESS,
    OPT_PURGE,
    OPT_TO_NAMESPACE,
    OPT_TO,
};

#define MAX_LIST 256

/* The options `namespace` and `table` parse, all in one place. */
typedef struct ddl_args {
    dc_cli_target tgt;
    const char *ns;
    bool json, cascade, if_not_exists, schemaless, purge;
    const char *props[MAX_LIST], *unset[MAX_LIST], *keys[MAX_LIST];
    int n_props, n_unset, n_keys;
    const char *schema_file, *partition_by, *description, *evolution, *consistency, *content_type,
        *to_namespace, *to;
} ddl_args;

static bool push(const char *cmd, const char **v, int *n, const char *opt, const char *val)
{
    if (*n >= MAX_LIST) {
        dc_cli_usage(cmd, "too many %s options (at most %d)", opt, MAX_LIST);
        return false;
    }
    v[(*n)++] = val;
    return true;
}

/* Parse the options of `cmd` (namespace or table); DC_EXIT_OK or a usage error's code. */
static int parse_args(const char *cmd, int argc, char **argv, ddl_args *a)
{
    static const struct option opts[] = {
        DC_CLI_TARGET_OPTIONS,
        {"namespace", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"cascade", no_argument, NULL, OPT_CASCADE},
        {"property", required_argument, NULL, OPT_PROPERTY},
        {"unset-property", required_argument, NULL, OPT_UNSET},
        {"if-not-exists", no_argument, NULL, OPT_IF_NOT_EXISTS},
        {"schema", required_argument, NULL, OPT_SCHEMA},
        {"merge-key", required_argument, NULL, OPT_MERGE_KEY},
        {"partition-by", required_argument, NULL, OPT_PARTITION_BY},
        {"description", required_argument, NULL, OPT_DESCRIPTION},
        {"evolution", required_argument, NULL, OPT_EVOLUTION},
        {"consistency", required_argument, NULL, OPT_CONSISTENCY},
        {"content-type", required_argument, NULL, OPT_CONTENT_TYPE},
        {"schemaless", no_argument, NULL, OPT_SCHEMALESS},
        {"purge", no_argument, NULL, OPT_PURGE},
        {"to-namespace", required_argument, NULL, OPT_TO_NAMESPACE},
        {"to", required_argument, NULL, OPT_TO},
        {"help", no_argument, NULL, 'h'},
        {0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:jh", opts, NULL)) != -1) {
        switch (ch) {
        case DC_OPT_ROOT: a->tgt.root = optarg; break;
        case DC_OPT_CATALOG: a->tgt.catalog = optarg; break;
        case 'n': a->ns = optarg; break;
        case 'j': a->json = true; break;
        case OPT_CASCADE: a->cascade = true; break;
        case OPT_PROPERTY:
            if (!strchr(optarg, '=') || optarg[0] == '=')
                return dc_cli_usage(cmd, "--property takes KEY=VALUE, not \"%s\"", optarg);
            if (!push(cmd, a->props, &a->n_props, "--property", optarg))
                return DC_EXIT_USAGE;
            break;
        case OPT_UNSET:
            if (!push(cmd, a->unset, &a->n_unset, "--unset-property", optarg))
                return DC_EXIT_USAGE;
            break;
        case OPT_IF_NOT_EXISTS: a->if_not_exists = true; break;
        case OPT_SCHEMA: a->schema_file = optarg; break;
        case OPT_MERGE_KEY:
            if (!*optarg)
                return dc_cli_usage(cmd, "--merge-key takes a column name");
            if (!push(cmd, a->keys, &a->n_keys, "--merge-key", optarg))
                return DC_EXIT_USAGE;
            break;
        case OPT_PARTITION_BY: a->partition_by = optarg; break;
        case OPT_DESCRIPTION: a->description = optarg; break;
        case OPT_EVOLUTION: a->evolution = optarg; break;
        case OPT_CONSISTENCY: a->consistency = optarg; break;
        case OPT_CONTENT_TYPE: a->content_type = optarg; break;
        case OPT_SCHEMALESS: a->schemaless = true; break;
        case OPT_PURGE: a->purge = true; break;
        case OPT_TO_NAMESPACE: a->to_namespace = optarg; break;
        case OPT_TO: a->to = optarg; break;
        case 'h': dc_cmd_help(2, (char *[]){"help", (char *)cmd, NULL}); return -1;
        default: return dc_cli_usage(cmd, "unknown option");
        }
    }
    return DC_EXIT_OK;
}

/* Refuse options that mean nothing to subcommand `sub`. `allowed` lists the ones it takes. */
static int check_unused(const char *cmd, const char *sub, const ddl_args *a, const char *allowed)
{
    struct {
        bool set;
        const char *name;
    } given[] = {
        {a->cascade, "--cascade"},
        {a->n_props > 0, "--property"},
        {a->n_unset > 0, "--unset-property"},
        {a->if_not_exists, "--if-not-exists"},
        {a->schema_file != NULL, "--schema"},
        {a->n_keys > 0, "--merge-key"},
        {a->partition_by != NULL, "--partition-by"},
        {a->description != NULL, "--description"},
        {a->evolution != NULL, "--evolution"},
        {a->consistency != NULL, "--consistency"},
        {a->content_type != NULL, "--content-type"},
        {a->schemaless, "--schemaless"},
        {a->purge, "--purge"},
        {a->to_namespace != NULL, "--to-namespace"},
        {a->to != NULL, "--to"},
    };
    for (size_t i = 0; i < sizeof given / sizeof given[0]; i++) {
        if (!given[i].set)
            continue;
        size_t n = strlen(given[i].name);
        bool ok = false;
        for (const char *p = allowed; !ok && (p = strstr(p, given[i].name)) != NULL; p += n)
            ok = (p == allowed || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ');
        if (!ok)
            return dc_cli_usage(cmd, "%s does not take %s", sub, given[i].name);
    }
    return DC_EXIT_OK;
}

/* `base` (may be NULL) with --property KEY=VALUE set and --unset-property KEY removed. */
static dc_status merged_properties(dc_metadata *out, const dc_metadata *base, const ddl_args *a,
                                   dc_error *e)
{
    dc_metadata m = {0};
    for (int32_t i = 0; base && i < base->n; i++) {
        bool drop = false;
        for (int k = 0; k < a->n_unset; k++)
            drop |= !strcmp(base->keys[i], a->unset[k]);
        if (!drop && dc_metadata_set(&m, base->keys[i], base->values[i]) != DC_OK)
            goto nomem;
    }
    for (int i = 0; i < a->n_props; i++) {
        const char *eq = strchr(a->props[i], '=');
        char key[1024];
        snprintf(key, sizeof key, "%.*s", (int)(eq - a->props[i]), a->props[i]);
        if (dc_metadata_set(&m, key, eq + 1) != DC_OK)
            goto nomem;
    }
    *out = m;
    return DC_OK;
nomem:
    dc_metadata_clear(&m);
    return dc_error_set(e, DC_ENOMEM, "out of memory");
}

static json_t *metadata_json(const dc_metadata *m)
{
    json_t *o = json_object();
    for (int32_t i = 0; m && i < m->n; i++)
        json_object_set_new(o, m->keys[i], json_string(m->values[i]));
    return o;
}

/* "k=v, k2=v2" */
static void metadata_text(const dc_metadata *m, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int32_t i = 0; m && i < m->n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s", i ? ", " : "", m->keys[i],
                                 m->values[i]);
}

/* Confirm a change in words: on a terminal only (scripts get silence, or --json). */
static bool say(const ddl_args *a)
{
    return !a->json && dc_cli_stdout_tty();
}

/* ---- namespace ---- */

int dc_cmd_namespace(int argc, char **argv)
{
    ddl_args a = {0};
    int code = parse_args("namespace", argc, argv, &a);
    if (code)
        return code < 0 ? DC_EXIT_OK : code;
    const char *sub = optind < argc ? argv[optind] : "list";
    int nargs = argc - optind - 1;
    char **args = argv + optind + 1;
    static const struct {
        const char *name;
        int args;
        const char *opts;
    } subs[] = {
        {"list", 0, ""},          {"create", 1, "--property --if-not-exists"},
        {"drop", 1, "--cascade"}, {"alter", 1, "--property --unset-property"},
        {"rename", 2, ""},
    };
    int k = -1;
    for (int i = 0; i < (int)(sizeof subs / sizeof subs[0]); i++)
        if (!strcmp(sub, subs[i].name))
            k = i;
    if (k < 0)
        return dc_cli_usage("namespace",
                            "unknown subcommand \"%s\" (list, create, drop, alter, rename)", sub);
    if (nargs != subs[k].args)
        return dc_cli_usage("namespace", "%s takes %s", sub,
                            subs[k].args == 0   ? "no arguments"
                            : subs[k].args == 1 ? "a namespace name"
                                                : "a namespace and its new name");
    if ((code = check_unused("namespace", sub, &a, subs[k].opts)))
        return code;
    if (a.ns)
        return dc_cli_usage("namespace", "-n is for table commands; give the name as an argument");
    dc_catalog *c;
    if ((code = dc_cli_open("namespace", &a.tgt, k == 1, &c)))
        return code;
    dc_error e;
    dc_status rc = DC_OK;
    dc_metadata props = {0};
    if (k == 0) {
        dc_namespace_info *v;
        int64_t n;
        rc = dc_namespace_list(c, NULL, &v, &n, &e);
        if (rc == DC_OK) {
            json_t *arr = a.json ? json_array() : NULL;
            dc_cli_grid *g =
                !a.json && dc_cli_stdout_tty()
                    ? dc_cli_grid_new(3, (const char *const[]){"namespace", "tables", "properties"},
                                      "lrl")
                    : NULL;
            for (int64_t i = 0; i < n; i++) {
                char nt[32], pt[1024];
                snprintf(nt, sizeof nt, "%" PRId64, v[i].n_tables);
                metadata_text(&v[i].properties, pt, sizeof pt);
                if (arr)
                    json_array_append_new(arr,
                                          json_pack("{s:s, s:I, s:o}", "name", v[i].name, "tables",
                                                    (json_int_t)v[i].n_tables, "properties",
                                                    metadata_json(&v[i].properties)));
                else if (g)
                    dc_cli_grid_add(g, (const char *const[]){v[i].name, nt, pt});
                else
                    printf("%s  (%" PRId64 " tables)\n", v[i].name, v[i].n_tables);
            }
            if (arr)
                dc_cli_put_json(arr);
            dc_cli_grid_print(g, stdout);
            dc_cli_grid_free(g);
            dc_namespace_infos_free(v, n);
        }
    } else if (k == 1) {
        bool exists = false;
        rc = merged_properties(&props, NULL, &a, &e);
        if (rc == DC_OK && a.if_not_exists)
            rc = dc_namespace_exists(c, NULL, args[0], &exists, &e);
        if (rc == DC_OK && !exists)
            rc = dc_namespace_create(c, NULL, args[0], props.n ? &props : NULL, &e);
        if (rc == DC_OK && say(&a))
            printf("%s namespace %s\n", exists ? "kept the existing" : "created", args[0]);
    } else if (k == 2) {
        rc = dc_namespace_drop(c, NULL, args[0], a.cascade, &e);
        if (rc == DC_OK && say(&a))
            printf("dropped namespace %s\n", args[0]);
    } else if (k == 3) {
        dc_namespace_info ni;
        if (!a.n_props && !a.n_unset) {
            dc_catalog_close(c);
            return dc_cli_usage("namespace",
                                "alter needs --property KEY=VALUE or --unset-property KEY");
        }
        rc = dc_namespace_get(c, NULL, args[0], &ni, &e);
        if (rc == DC_OK) {
            rc = merged_properties(&props, &ni.properties, &a, &e);
            dc_namespace_info_clear(&ni);
        }
        if (rc == DC_OK)
            rc = dc_namespace_alter(c, NULL, args[0], NULL, &props, &e);
        if (rc == DC_OK && say(&a))
            printf("altered namespace %s\n", args[0]);
    } else {
        rc = dc_namespace_alter(c, NULL, args[0], args[1], NULL, &e);
        if (rc == DC_OK && say(&a))
            printf("renamed namespace %s to %s\n", args[0], args[1]);
    }
    if (rc == DC_OK && a.json && k > 0)
        dc_cli_put_json(json_pack("{s:s, s:s, s:s?}", "action", sub, "namespace", args[0],
                                  "new_name", k == 4 ? args[1] : NULL));
    dc_metadata_clear(&props);
    dc_catalog_close(c);
    return rc == DC_OK ? DC_EXIT_OK : dc_cli_fail(rc, &e);
}

/* ---- table ---- */

static const char *const EVOLUTIONS[] = {"auto", "manual", "disabled"};
static const char *const CONSISTENCIES[] = {"none", "coerce", "validate"};

static int pick(const char *cmd, const char *opt, const char *val, const char *const *names, int n,
                int *out)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(val, names[i])) {
            *out = i;
            return DC_EXIT_OK;
        }
    return dc_cli_usage(cmd, "%s takes %s, %s or %s, not \"%s\"", opt, names[0], names[1], names[2],
                        val);
}

/* The merge keys of a table schema (fields marked deltacat.merge_key). */
static json_t *merge_keys_json(const dc_schema *s)
{
    json_t *arr = json_array();
    for (int32_t i = 0; s && i < s->n_fields; i++) {
        const char *mk = dc_metadata_get(&s->fields[i].metadata, "deltacat.merge_key");
        if (mk && !strcmp(mk, "true"))
            json_array_append_new(arr, json_string(s->fields[i].name));
    }
    return arr;
}

static int table_describe(dc_catalog *c, const ddl_args *a, const char *name)
{
    dc_error e;
    dc_table_info ti;
    dc_status rc = dc_table_describe(c, NULL, a->ns, name, &ti, &e);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &e);
    char *schema = ti.schema ? dc_schema_to_string(ti.schema) : NULL;
    char *sj = ti.schema ? dc_schema_to_json_text(ti.schema) : NULL;
    json_t *keys = merge_keys_json(ti.schema);
    if (a->json) {
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s?, s:s, s:s, s:O, "
            "s:o, s:s?}",
            "id", ti.id, "namespace", ti.namespace_name, "name", ti.name, "description",
            ti.description, "table_version", (json_int_t)ti.table_version, "rows",
            (json_int_t)ti.row_count, "files", (json_int_t)ti.file_count, "bytes",
            (json_int_t)ti.size_bytes, "deltas", (json_int_t)ti.delta_count, "last_modified",
            (json_int_t)ti.last_modified, "content_type", dc_format_name(ti.content_type),
            "partition_by", ti.partition_by, "evolution", EVOLUTIONS[ti.evolution % 3],
            "consistency", CONSISTENCIES[ti.consistency % 3], "merge_keys", keys, "properties",
            metadata_json(&ti.properties), "schema", schema);
        json_t *sjo = sj ? json_loads(sj, 0, NULL) : NULL;
        if (o && sjo)
            json_object_set_new(o, "schema_json", sjo);
        dc_cli_put_json(o);
    } else {
        char props[2048], keytext[1024] = "";
        size_t used = 0;
        for (size_t i = 0; i < json_array_size(keys) && used < sizeof keytext; i++)
            used += (size_t)snprintf(keytext + used, sizeof keytext - used, "%s%s", i ? ", " : "",
                                     json_string_value(json_array_get(keys, i)));
        metadata_text(&ti.properties, props, sizeof props);
        printf("table:        %s.%s (%s)\n", ti.namespace_name, ti.name, ti.id);
        if (ti.description)
            printf("description:  %s\n", ti.description);
        printf("version:      %" PRId64 "\nrows:         %" PRId64 " in %" PRId64 " files (%" PRId64
               " bytes), %" PRId64 " deltas\npartitioned:  %s\ncontent type: %s\n"
               "merge keys:   %s\nevolution:    %s, consistency %s\n",
               ti.table_version, ti.row_count, ti.file_count, ti.size_bytes, ti.delta_count,
               ti.partition_by ? ti.partition_by : "no", dc_format_name(ti.content_type),
               used ? keytext : "none", EVOLUTIONS[ti.evolution % 3],
               CONSISTENCIES[ti.consistency % 3]);
        if (props[0])
            printf("properties:   %s\n", props);
        printf("schema:\n%s", schema ? schema : "  (none yet)\n");
    }
    json_decref(keys);
    dc_free(schema);
    dc_free(sj);
    dc_table_info_clear(&ti);
    return DC_EXIT_OK;
}

static int table_list(dc_catalog *c, const ddl_args *a)
{
    dc_error e;
    dc_table_info *v;
    int64_t n;
    dc_status rc = dc_table_list(c, NULL, a->ns, &v, &n, &e);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &e);
    json_t *arr = a->json ? json_array() : NULL;
    dc_cli_grid *g =
        !a->json && dc_cli_stdout_tty()
            ? dc_cli_grid_new(
                  5, (const char *const[]){"table", "rows", "files", "size", "description"},
                  "lrrrl")
            : NULL;
    for (int64_t i = 0; i < n; i++) {
        char rows[32], files[32], size[32];
        snprintf(rows, sizeof rows, "%" PRId64, v[i].row_count);
        snprintf(files, sizeof files, "%" PRId64, v[i].file_count);
        if (arr)
            json_array_append_new(
                arr, json_pack("{s:s, s:s, s:I, s:I, s:I, s:s?}", "namespace", v[i].namespace_name,
                               "name", v[i].name, "rows", (json_int_t)v[i].row_count, "files",
                               (json_int_t)v[i].file_count, "bytes", (json_int_t)v[i].size_bytes,
                               "description", v[i].description));
        else if (g)
            dc_cli_grid_add(g, (const char *const[]){v[i].name, rows, files,
                                                     dc_cli_bytes(v[i].size_bytes, size),
                                                     v[i].description});
        else
            printf("%s  %" PRId64 " rows, %" PRId64 " files\n", v[i].name, v[i].row_count,
                   v[i].file_count);
    }
    if (arr)
        dc_cli_put_json(arr);
    dc_cli_grid_print(g, stdout);
    dc_cli_grid_free(g);
    dc_table_infos_free(v, n);
    return DC_EXIT_OK;
}

static int table_create(dc_catalog *c, const ddl_args *a, const char *name)
{
    dc_error e;
    dc_table_options o;
    dc_table_options_init(&o);
    dc_schema *schema = NULL;
    dc_metadata props = {0};
    int code = DC_EXIT_OK, ev = 0, cons = 0;
    dc_status rc = DC_OK;
    if (a->evolution && (code = pick("table", "--evolution", a->evolution, EVOLUTIONS, 3, &ev)))
        return code;
    if (a->consistency &&
        (code = pick("table", "--consistency", a->consistency, CONSISTENCIES, 3, &cons)))
        return code;
    o.evolution = (dc_schema_evolution)ev;
    o.consistency = (dc_schema_consistency)cons;
    if (a->content_type) {
        o.content_type = dc_format_from_name(a->content_type);
        if (o.content_type != DC_FORMAT_PARQUET && o.content_type != DC_FORMAT_CSV &&
            o.content_type != DC_FORMAT_JSONL)
            return dc_cli_usage("table", "--content-type takes parquet, csv or jsonl, not \"%s\"",
                                a->content_type);
    }
    if (a->schema_file) {
        size_t len = 0;
        char *text = dc_cli_read_file(a->schema_file, &len, &code);
        if (!text)
            return code;
        rc = dc_schema_from_json_text(&schema, text, len, a->schema_file, &e);
        free(text);
        if (rc != DC_OK)
            return dc_cli_fail(rc, &e);
    }
    if ((rc = merged_properties(&props, NULL, a, &e)) != DC_OK) {
        dc_schema_unref(schema);
        return dc_cli_fail(rc, &e);
    }
    o.schema = schema;
    o.merge_keys = a->keys;
    o.n_merge_keys = a->n_keys;
    o.partition_by = a->partition_by;
    o.properties = props.n ? &props : NULL;
    o.description = a->description;
    o.schemaless = a->schemaless;
    o.if_not_exists = a->if_not_exists;
    rc = dc_table_create(c, NULL, a->ns, name, &o, &e);
    if (rc != DC_OK)
        code = dc_cli_fail(rc, &e);
    else if (a->json)
        dc_cli_put_json(json_pack("{s:s, s:s, s:s}", "action", "create", "namespace",
                                  a->ns ? a->ns : "default", "table", name));
    else if (say(a))
        printf("table %s.%s is there%s\n", a->ns ? a->ns : "default", name,
               a->schemaless ? " (schemaless)"
               : schema      ? ""
                             : " (its schema comes with the first write)");
    dc_metadata_clear(&props);
    dc_schema_unref(schema);
    return code;
}

static int table_versions(dc_catalog *c, const ddl_args *a, const char *name)
{
    dc_error e;
    dc_table_version_info *v;
    int64_t n;
    dc_status rc = dc_table_versions(c, NULL, a->ns, name, &v, &n, &e);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &e);
    json_t *arr = a->json ? json_array() : NULL;
    dc_cli_grid *g = arr ? NULL
                         : dc_cli_grid_new(6,
                                           (const char *const[]){"version", "current", "lifecycle",
                                                                 "rows", "files", "columns"},
                                           "rllrrl");
    for (int64_t i = 0; i < n; i++) {
        char ver[32], rows[32], files[32], cols[512] = "";
        snprintf(ver, sizeof ver, "%" PRId64, v[i].version);
        snprintf(rows, sizeof rows, "%" PRId64, v[i].row_count);
        snprintf(files, sizeof files, "%" PRId64, v[i].file_count);
        size_t used = 0;
        for (int32_t f = 0; v[i].schema && f < v[i].schema->n_fields && used < sizeof cols; f++)
            used += (size_t)snprintf(cols + used, sizeof cols - used, "%s%s", f ? ", " : "",
                                     v[i].schema->fields[f].name);
        if (arr) {
            char *sj = v[i].schema ? dc_schema_to_json_text(v[i].schema) : NULL;
            json_array_append_new(arr, json_pack("{s:I, s:b, s:s?, s:I, s:I, s:o}", "version",
                                                 (json_int_t)v[i].version, "current", v[i].current,
                                                 "lifecycle", v[i].lifecycle, "rows",
                                                 (json_int_t)v[i].row_count, "files",
                                                 (json_int_t)v[i].file_count, "schema",
                                                 sj ? json_loads(sj, 0, NULL) : json_null()));
            dc_free(sj);
        } else {
            dc_cli_grid_add(g, (const char *const[]){ver, v[i].current ? "*" : "", v[i].lifecycle,
                                                     rows, files, cols});
        }
    }
    if (arr)
        dc_cli_put_json(arr);
    dc_cli_grid_print(g, stdout);
    dc_cli_grid_free(g);
    dc_table_versions_free(v, n);
    return DC_EXIT_OK;
}

int dc_cmd_table(int argc, char **argv)
{
    ddl_args a = {0};
    int code = parse_args("table", argc, argv, &a);
    if (code)
        return code < 0 ? DC_EXIT_OK : code;
    const char *sub = optind < argc ? argv[optind] : "list";
    int nargs = argc - optind - 1;
    char **args = argv + optind + 1;
    static const struct {
        const char *name;
        int min, max;
        const char *opts;
    } subs[] = {
        {"list", 0, 0, ""},
        {"describe", 1, 1, ""},
        {"create", 1, 1,
         "--property --if-not-exists --schema --merge-key --partition-by --description "
         "--evolution --consistency --content-type --schemaless"},
        {"drop", 1, 1, "--purge"},
        {"truncate", 1, 1, ""},
        {"alter", 1, 1, "--property --unset-property --description"},
        {"rename", 1, 2, "--to-namespace"},
        {"rollback", 1, 1, "--to"},
        {"versions", 1, 1, ""},
    };
    int k = -1;
    for (int i = 0; i < (int)(sizeof subs / sizeof subs[0]); i++)
        if (!strcmp(sub, subs[i].name))
            k = i;
    if (k < 0)
        return dc_cli_usage("table",
                            "unknown subcommand \"%s\" (list, describe, create, drop, truncate, "
                            "alter, rename, rollback, versions)",
                            sub);
    if (nargs < subs[k].min || nargs > subs[k].max)
        return dc_cli_usage("table", "%s takes %s", sub,
                            subs[k].max == 0   ? "no arguments"
                            : subs[k].max == 1 ? "a table name"
                                               : "a table and optionally its new name");
    if ((code = check_unused("table", sub, &a, subs[k].opts)))
        return code;
    const char *name = nargs > 0 ? args[0] : NULL;
    int64_t to_version = 0, to_ns = 0;
    if (k == 5 && !a.n_props && !a.n_unset && !a.description)
        return dc_cli_usage("table", "alter needs --description, --property KEY=VALUE or "
                                     "--unset-property KEY");
    if (k == 6 && nargs < 2 && !a.to_namespace)
        return dc_cli_usage("table", "rename needs a new name and/or --to-namespace NS");
    if (k == 7 && !a.to)
        return dc_cli_usage("table", "rollback needs --to VERSION|TIME");
    if (k == 7 && !dc_cli_parse_when(a.to, &to_version, &to_ns))
        return dc_cli_usage("table",
                            "--to takes a catalog version, nanoseconds or an ISO-8601 time, not "
                            "\"%s\"",
                            a.to);
    dc_catalog *c;
    if ((code = dc_cli_open("table", &a.tgt, k == 2, &c)))
        return code;
    dc_error e;
    dc_status rc = DC_OK;
    const char *ns = a.ns ? a.ns : "default";
    switch (k) {
    case 0: code = table_list(c, &a); break;
    case 1: code = table_describe(c, &a, name); break;
    case 2: code = table_create(c, &a, name); break;
    case 3:
        rc = dc_table_drop(c, NULL, a.ns, name, a.purge, &e);
        if (rc == DC_OK && say(&a))
            printf("dropped table %s.%s%s\n", ns, name, a.purge ? " and removed its files" : "");
        break;
    case 4:
        rc = dc_table_truncate(c, NULL, a.ns, name, &e);
        if (rc == DC_OK && say(&a))
            printf("truncated table %s.%s\n", ns, name);
        break;
    case 5: {
        dc_table_info ti;
        dc_metadata props = {0};
        bool with_props = a.n_props || a.n_unset;
        rc = with_props ? dc_table_describe(c, NULL, a.ns, name, &ti, &e) : DC_OK;
        if (rc == DC_OK && with_props) {
            rc = merged_properties(&props, &ti.properties, &a, &e);
            dc_table_info_clear(&ti);
        }
        if (rc == DC_OK)
            rc = dc_table_alter(c, NULL, a.ns, name, with_props ? &props : NULL, a.description, &e);
        dc_metadata_clear(&props);
        if (rc == DC_OK && say(&a))
            printf("altered table %s.%s\n", ns, name);
        break;
    }
    case 6:
        rc = dc_table_rename(c, NULL, a.ns, name, a.to_namespace, nargs > 1 ? args[1] : name, &e);
        if (rc == DC_OK && say(&a))
            printf("renamed table %s.%s to %s.%s\n", ns, name, a.to_namespace ? a.to_namespace : ns,
                   nargs > 1 ? args[1] : name);
        break;
    case 7:
        rc = dc_table_rollback(c, NULL, a.ns, name, to_version, to_ns, &e);
        if (rc == DC_OK && say(&a))
            printf("rolled table %s.%s back to %s\n", ns, name, a.to);
        break;
    default: code = table_versions(c, &a, name); break;
    }
    if (rc == DC_OK && a.json && k >= 3 && k <= 7)
        dc_cli_put_json(
            json_pack("{s:s, s:s, s:s}", "action", sub, "namespace", ns, "table", name));
    dc_catalog_close(c);
    return rc == DC_OK ? code : dc_cli_fail(rc, &e);
}
