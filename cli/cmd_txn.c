/*
 * cmd_txn.c: `deltacat txn FILE|-`: a JSON list of operations on any number
 * of namespaces and tables, applied in one transaction: all of them commit
 * together, or (the first failure aborts) none does.
 *
 *   {"message": "nightly load",
 *    "operations": [
 *      {"op": "create_namespace", "namespace": "sales"},
 *      {"op": "write", "namespace": "sales", "table": "orders", "files": ["o.csv"],
 *       "mode": "append"},
 *      {"op": "truncate", "table": "scratch"}]}
 *
 * (a bare array of operations is accepted too). The whole file is checked
 * before the transaction begins: a malformed file changes nothing.
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Every operation, the members it requires and those it allows. */
static const struct op_spec {
    const char *op;
    const char *required; /* space-separated */
    const char *allowed;
} OPS[] = {
    {"write", "table", "namespace files file mode merge_keys"},
    {"create_namespace", "namespace", "properties if_not_exists"},
    {"drop_namespace", "namespace", "cascade"},
    {"alter_namespace", "namespace", "properties"},
    {"rename_namespace", "namespace new_name", ""},
    {"create_table", "table",
     "namespace schema merge_keys partition_by description properties evolution consistency "
     "content_type schemaless if_not_exists"},
    {"drop_table", "table", "namespace"},
    {"truncate", "table", "namespace"},
    {"alter_table", "table", "namespace description properties"},
    {"rename_table", "table", "namespace new_name new_namespace"},
};

static bool word_in(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
            return true;
    return false;
}

/* Print "deltacat txn: FILE: operation N: ..." and return DC_EXIT_INVALID. */
static int bad(const char *file, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(const char *file, size_t i, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "deltacat: error: %s: operation %zu: ", file, i + 1);
    vfprintf(stderr, fmt, ap);
    fputs(" (nothing was changed)\n", stderr);
    va_end(ap);
    return DC_EXIT_INVALID;
}

static bool all_strings(const json_t *a)
{
    size_t i;
    json_t *v;
    if (!json_is_array(a))
        return false;
    json_array_foreach(a, i, v) if (!json_is_string(v) || !*json_string_value(v)) return false;
    return true;
}

static bool string_object(const json_t *o)
{
    const char *k;
    json_t *v;
    if (!json_is_object(o))
        return false;
    json_object_foreach((json_t *)o, k, v) if (!json_is_string(v)) return false;
    return true;
}

/* Check one operation's shape (types of members, names of modes). */
static int check_op(const char *file, size_t i, const json_t *op)
{
    if (!json_is_object(op))
        return bad(file, i, "an operation is a JSON object {\"op\": ..., ...}");
    const char *name = json_string_value(json_object_get(op, "op"));
    if (!name)
        return bad(file, i,
                   "\"op\" is missing (write, create_namespace, drop_namespace, "
                   "alter_namespace, rename_namespace, create_table, drop_table, "
                   "truncate, alter_table, rename_table)");
    const struct op_spec *spec = NULL;
    for (size_t k = 0; k < sizeof OPS / sizeof OPS[0]; k++)
        if (!strcmp(OPS[k].op, name))
            spec = &OPS[k];
    if (!spec)
        return bad(file, i, "unknown op \"%s\"", name);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)op, key, v)
    {
        if (strcmp(key, "op") != 0 && !word_in(spec->required, key) && !word_in(spec->allowed, key))
            return bad(file, i, "%s takes no \"%s\"", name, key);
        bool ok = true;
        if (word_in("table namespace new_name new_namespace file mode partition_by description "
                    "evolution consistency content_type",
                    key))
            ok = json_is_string(v) && *json_string_value(v);
        else if (word_in("files merge_keys", key))
            ok = all_strings(v) && json_array_size(v) > 0;
        else if (word_in("if_not_exists cascade schemaless", key))
            ok = json_is_boolean(v);
        else if (!strcmp(key, "properties"))
            ok = string_object(v);
        else if (!strcmp(key, "schema"))
            ok = json_is_object(v);
        if (!ok)
            return bad(file, i, "\"%s\" of %s has the wrong type (or is empty)", key, name);
    }
    for (const char *p = spec->required; *p;) {
        size_t n = strcspn(p, " ");
        char req[64];
        snprintf(req, sizeof req, "%.*s", (int)n, p);
        if (!json_object_get(op, req))
            return bad(file, i, "%s needs \"%s\"", name, req);
        p += n + (p[n] == ' ');
    }
    if (!strcmp(name, "write")) {
        dc_write_mode m;
        const char *mode = json_string_value(json_object_get(op, "mode"));
        if (!json_object_get(op, "files") == !json_object_get(op, "file"))
            return bad(file, i, "write needs \"files\": [...] or \"file\": \"...\" (one of them)");
        if (mode && !dc_write_mode_from_name(mode, &m))
            return bad(file, i,
                       "unknown write mode \"%s\" (auto, create, add, append, replace, "
                       "merge, delete)",
                       mode);
    }
    if (!strcmp(name, "create_table")) {
        const char *ev = json_string_value(json_object_get(op, "evolution"));
        const char *co = json_string_value(json_object_get(op, "consistency"));
        const char *ct = json_string_value(json_object_get(op, "content_type"));
        if (ev && !word_in("auto manual disabled", ev))
            return bad(file, i, "evolution is auto, manual or disabled, not \"%s\"", ev);
        if (co && !word_in("none coerce validate", co))
            return bad(file, i, "consistency is none, coerce or validate, not \"%s\"", co);
        if (ct && !word_in("parquet csv jsonl", ct))
            return bad(file, i, "content_type is parquet, csv or jsonl, not \"%s\"", ct);
    }
    if (!strcmp(name, "rename_table") && !json_object_get(op, "new_name") &&
        !json_object_get(op, "new_namespace"))
        return bad(file, i, "rename_table needs \"new_name\" and/or \"new_namespace\"");
    return DC_EXIT_OK;
}

static dc_status to_metadata(const json_t *o, dc_metadata *m, dc_error *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        if (dc_metadata_set(m, k, json_string_value(v)) != DC_OK)
            return dc_error_set(e, DC_ENOMEM, "out of memory");
    }
    return DC_OK;
}

#define S(op, k) json_string_value(json_object_get(op, k))
#define B(op, k) json_is_true(json_object_get(op, k))

/* Apply one (checked) operation in `t`; `summary` gets a line about it. */
static dc_status apply(dc_catalog *c, dc_txn *t, const json_t *op, json_t *summary, dc_error *e)
{
    const char *name = S(op, "op"), *ns = S(op, "namespace"), *table = S(op, "table");
    dc_status rc = DC_OK;
    dc_metadata props = {0};
    json_t *props_j = json_object_get(op, "properties");
    if (props_j && (rc = to_metadata(props_j, &props, e)) != DC_OK)
        return rc;
    if (!strcmp(name, "write")) {
        const char *paths[1024];
        int32_t n = 0;
        json_t *files = json_object_get(op, "files");
        if (files) {
            size_t i;
            json_t *f;
            json_array_foreach(files, i, f) if (n < 1024) paths[n++] = json_string_value(f);
        } else {
            paths[n++] = S(op, "file");
        }
        const char *keys[256];
        int32_t nk = 0;
        size_t i;
        json_t *k;
        json_array_foreach(json_object_get(op, "merge_keys"), i, k) if (nk < 256) keys[nk++] =
            json_string_value(k);
        dc_table_write_options o;
        dc_table_write_options_init(&o);
        dc_table_options create;
        dc_table_options_init(&create);
        create.merge_keys = keys;
        create.n_merge_keys = nk;
        if (nk)
            o.create = &create;
        if (S(op, "mode"))
            dc_write_mode_from_name(S(op, "mode"), &o.mode);
        dc_write_result res;
        rc = dc_table_write_files(c, t, ns, table, paths, n, &o, &res, e);
        if (rc == DC_OK)
            json_object_set_new(summary, "rows", json_integer(res.rows));
        if (rc == DC_OK && res.created)
            json_object_set_new(summary, "created", json_true());
    } else if (!strcmp(name, "create_namespace")) {
        bool exists = false;
        if (B(op, "if_not_exists"))
            rc = dc_namespace_exists(c, t, ns, &exists, e);
        if (rc == DC_OK && !exists)
            rc = dc_namespace_create(c, t, ns, props_j ? &props : NULL, e);
    } else if (!strcmp(name, "drop_namespace")) {
        rc = dc_namespace_drop(c, t, ns, B(op, "cascade"), e);
    } else if (!strcmp(name, "alter_namespace")) {
        rc = dc_namespace_alter(c, t, ns, NULL, props_j ? &props : NULL, e);
    } else if (!strcmp(name, "rename_namespace")) {
        rc = dc_namespace_alter(c, t, ns, S(op, "new_name"), NULL, e);
    } else if (!strcmp(name, "create_table")) {
        dc_table_options o;
        dc_table_options_init(&o);
        dc_schema *schema = NULL;
        const char *keys[256];
        int32_t nk = 0;
        size_t i;
        json_t *k;
        json_array_foreach(json_object_get(op, "merge_keys"), i, k) if (nk < 256) keys[nk++] =
            json_string_value(k);
        json_t *sj = json_object_get(op, "schema");
        if (sj) {
            char *text = json_dumps(sj, JSON_COMPACT);
            rc = text ? dc_schema_from_json_text(&schema, text, strlen(text), "schema", e)
                      : dc_error_set(e, DC_ENOMEM, "out of memory");
            free(text);
        }
        const char *ev = S(op, "evolution"), *co = S(op, "consistency"),
                   *ct = S(op, "content_type");
        o.evolution = !ev || !strcmp(ev, "auto") ? DC_SCHEMA_EVOLUTION_AUTO
                      : !strcmp(ev, "manual")    ? DC_SCHEMA_EVOLUTION_MANUAL
                                                 : DC_SCHEMA_EVOLUTION_DISABLED;
        o.consistency = !co || !strcmp(co, "none") ? DC_SCHEMA_CONSISTENCY_NONE
                        : !strcmp(co, "coerce")    ? DC_SCHEMA_CONSISTENCY_COERCE
                                                   : DC_SCHEMA_CONSISTENCY_VALIDATE;
        if (ct)
            o.content_type = dc_format_from_name(ct);
        o.schema = schema;
        o.merge_keys = keys;
        o.n_merge_keys = nk;
        o.partition_by = S(op, "partition_by");
        o.description = S(op, "description");
        o.properties = props_j ? &props : NULL;
        o.schemaless = B(op, "schemaless");
        o.if_not_exists = B(op, "if_not_exists");
        if (rc == DC_OK)
            rc = dc_table_create(c, t, ns, table, &o, e);
        dc_schema_unref(schema);
    } else if (!strcmp(name, "drop_table")) {
        rc = dc_table_drop(c, t, ns, table, false, e);
    } else if (!strcmp(name, "truncate")) {
        rc = dc_table_truncate(c, t, ns, table, e);
    } else if (!strcmp(name, "alter_table")) {
        rc = dc_table_alter(c, t, ns, table, props_j ? &props : NULL, S(op, "description"), e);
    } else if (!strcmp(name, "rename_table")) {
        rc = dc_table_rename(c, t, ns, table, S(op, "new_namespace"),
                             S(op, "new_name") ? S(op, "new_name") : table, e);
    }
    dc_metadata_clear(&props);
    return rc;
}

int dc_cmd_txn(int argc, char **argv)
{
    static const struct option opts[] = {DC_CLI_TARGET_OPTIONS,
                                         {"message", required_argument, NULL, 'm'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    dc_cli_target tgt = {0};
    const char *msg = NULL;
    bool json = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "m:jh", opts, NULL)) != -1) {
        switch (ch) {
        case DC_OPT_ROOT: tgt.root = optarg; break;
        case DC_OPT_CATALOG: tgt.catalog = optarg; break;
        case 'm': msg = optarg; break;
        case 'j': json = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "txn", NULL});
        default: return dc_cli_usage("txn", "unknown option");
        }
    }
    if (argc - optind != 1)
        return dc_cli_usage("txn", "give one file of operations (\"-\": standard input)");
    const char *file = argv[optind];
    const char *shown = strcmp(file, "-") ? file : "(standard input)";
    size_t len = 0;
    int code = DC_EXIT_OK;
    char *text = dc_cli_read_file(file, &len, &code);
    if (!text)
        return code;
    json_error_t je;
    json_t *doc = json_loadb(text, len, 0, &je), *ops = NULL;
    free(text);
    if (!doc) {
        fprintf(stderr, "deltacat: error: %s:%d:%d: not JSON: %s (nothing was changed)\n", shown,
                je.line, je.column, je.text);
        return DC_EXIT_INVALID;
    }
    if (json_is_array(doc)) {
        ops = doc;
    } else if (json_is_object(doc)) {
        const char *k;
        json_t *v;
        json_object_foreach(doc, k, v)
        {
            if (strcmp(k, "operations") != 0 && strcmp(k, "message") != 0) {
                fprintf(stderr,
                        "deltacat: error: %s: unknown member \"%s\" (a transaction file has "
                        "\"operations\" and \"message\") (nothing was changed)\n",
                        shown, k);
                json_decref(doc);
                return DC_EXIT_INVALID;
            }
        }
        ops = json_object_get(doc, "operations");
        json_t *m = json_object_get(doc, "message");
        if (m && !json_is_string(m))
            ops = NULL;
        if (!msg && m)
            msg = json_string_value(m);
    }
    if (!json_is_array(ops) || json_array_size(ops) == 0) {
        fprintf(stderr,
                "deltacat: error: %s: a transaction file is a non-empty JSON array of "
                "operations, or {\"message\": TEXT, \"operations\": [...]} (nothing was "
                "changed)\n",
                shown);
        json_decref(doc);
        return DC_EXIT_INVALID;
    }
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op) if ((code = check_op(shown, i, op)) != DC_EXIT_OK)
    {
        json_decref(doc);
        return code;
    }
    dc_catalog *c;
    if ((code = dc_cli_open("txn", &tgt, true, &c))) {
        json_decref(doc);
        return code;
    }
    dc_error e;
    dc_txn *t = NULL;
    int64_t version = 0;
    json_t *done = json_array();
    dc_status rc = dc_txn_begin(&t, c, NULL, &e);
    json_array_foreach(ops, i, op)
    {
        if (rc != DC_OK)
            break;
        json_t *summary = json_pack("{s:s, s:s?, s:s?}", "op", S(op, "op"), "namespace",
                                    S(op, "namespace"), "table", S(op, "table"));
        rc = apply(c, t, op, summary, &e);
        if (rc != DC_OK) {
            json_decref(summary);
            char what[DC_ERROR_MSG_MAX];
            snprintf(what, sizeof what, "%s", e.message);
            dc_error_set(&e, rc, "operation %zu (%s%s%s): %s (nothing was committed)", i + 1,
                         S(op, "op"), S(op, "table") ? " " : "",
                         S(op, "table") ? S(op, "table") : "", what);
            break;
        }
        json_array_append_new(done, summary);
    }
    if (rc == DC_OK)
        rc = dc_txn_commit(t, msg, &version, &e);
    dc_txn_abort(t);
    dc_catalog_close(c);
    json_decref(doc);
    if (rc != DC_OK) {
        json_decref(done);
        return dc_cli_fail(rc, &e);
    }
    if (json) {
        dc_cli_put_json(
            json_pack("{s:I, s:o}", "version", (json_int_t)version, "operations", done));
        return DC_EXIT_OK;
    }
    printf("committed %zu operation%s as catalog version %" PRId64 "\n", json_array_size(done),
           json_array_size(done) == 1 ? "" : "s", version);
    json_array_foreach(done, i, op)
    {
        json_t *rows = json_object_get(op, "rows");
        printf("  %zu. %s", i + 1, S(op, "op"));
        if (S(op, "namespace") || S(op, "table"))
            printf(" %s%s%s", S(op, "namespace") ? S(op, "namespace") : "default",
                   S(op, "table") ? "." : "", S(op, "table") ? S(op, "table") : "");
        if (rows)
            printf(": %" JSON_INTEGER_FORMAT " rows%s", json_integer_value(rows),
                   json_object_get(op, "created") ? ", created" : "");
        putchar('\n');
    }
    json_decref(done);
    return DC_EXIT_OK;
}
