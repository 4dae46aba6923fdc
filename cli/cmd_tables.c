/*
 * cmd_tables.c: the catalog commands over the table API (include/deltacat/
 * table.h): init, write, read, history, namespace, table. Every one takes
 * --root DIR (else $DELTACAT_ROOT, else ./.deltacat).
 */
#include "cli.h"

#include <deltacat/table.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int open_root(const char *root, bool create, dc_catalog **c)
{
    dc_error e;
    dc_catalog_options o = {.create = create};
    dc_status rc = root ? dc_catalog_open(c, root, &o, &e) : dc_catalog_open_default(c, &o, &e);
    if (rc == DC_ENOTFOUND && !create) {
        fprintf(stderr, "deltacat: error: %s\n  (create one with 'deltacat init%s%s')\n", e.message,
                root ? " --root " : "", root ? root : "");
        return DC_EXIT_NOTFOUND;
    }
    return rc == DC_OK ? DC_EXIT_OK : dc_cli_fail(rc, &e);
}

/* Print `j` (stolen) as one compact JSON line. */
static void put_json(json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    puts(text ? text : "null");
    free(text);
    json_decref(j);
}

/* Options every catalog command shares. */
enum { OPT_ROOT = 1000, OPT_MODE, OPT_COLUMNS, OPT_WHERE, OPT_AS_OF, OPT_FORMAT, OPT_CASCADE };

int dc_cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {
        {"root", required_argument, NULL, OPT_ROOT}, {"help", no_argument, NULL, 'h'}, {0}};
    const char *root = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (ch == OPT_ROOT)
            root = optarg;
        else if (ch == 'h')
            return dc_cmd_help(2, (char *[]){"help", "init", NULL});
        else
            return dc_cli_usage("init", "unknown option");
    }
    dc_catalog *c;
    int code = open_root(root, true, &c);
    if (code)
        return code;
    printf("catalog %s at %s\n", dc_catalog_id(c),
           root ? root : (getenv("DELTACAT_ROOT") ? getenv("DELTACAT_ROOT") : ".deltacat"));
    dc_catalog_close(c);
    return DC_EXIT_OK;
}

int dc_cmd_write(int argc, char **argv)
{
    static const struct option opts[] = {{"root", required_argument, NULL, OPT_ROOT},
                                         {"namespace", required_argument, NULL, 'n'},
                                         {"mode", required_argument, NULL, OPT_MODE},
                                         {"message", required_argument, NULL, 'm'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *root = NULL, *ns = NULL, *msg = NULL;
    bool json = false;
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:m:jh", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_ROOT: root = optarg; break;
        case 'n': ns = optarg; break;
        case 'm': msg = optarg; break;
        case 'j': json = true; break;
        case OPT_MODE:
            if (!dc_write_mode_from_name(optarg, &o.mode))
                return dc_cli_usage("write", "unknown mode \"%s\"", optarg);
            break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "write", NULL});
        default: return dc_cli_usage("write", "unknown option");
        }
    }
    if (argc - optind < 2)
        return dc_cli_usage("write", "give a table and at least one file");
    const char *table = argv[optind];
    dc_catalog *c;
    int code = open_root(root, true, &c);
    if (code)
        return code;
    dc_error e;
    dc_txn *t = NULL;
    dc_write_result res;
    int64_t version = 0;
    dc_status rc = dc_txn_begin(&t, c, NULL, &e);
    if (rc == DC_OK)
        rc = dc_table_write_files(c, t, ns, table, (const char *const *)argv + optind + 1,
                                  argc - optind - 1, &o, &res, &e);
    if (rc == DC_OK)
        rc = dc_txn_commit(t, msg, &version, &e);
    dc_txn_abort(t);
    dc_catalog_close(c);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &e);
    if (json)
        put_json(json_pack("{s:s, s:I, s:I, s:I, s:b, s:b, s:I}", "table", table, "rows",
                           (json_int_t)res.rows, "files", (json_int_t)res.files, "bytes",
                           (json_int_t)res.bytes, "created", res.created, "schema_changed",
                           res.schema_changed, "version", (json_int_t)version));
    else
        printf("wrote %" PRId64 " rows in %" PRId64 " files to %s.%s%s (catalog version %" PRId64
               ")\n",
               res.rows, res.files, ns ? ns : "default", table, res.created ? ", created" : "",
               version);
    return DC_EXIT_OK;
}

/* --as-of: a catalog version (a small integer) or nanoseconds since the epoch. */
static bool parse_as_of(const char *s, dc_txn_options *o)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0)
        return false;
    if (v < 1000000000000LL)
        o->as_of_version = v;
    else
        o->as_of_ns = v;
    return true;
}


int dc_cmd_read(int argc, char **argv)
{
    static const struct option opts[] = {{"root", required_argument, NULL, OPT_ROOT},
                                         {"namespace", required_argument, NULL, 'n'},
                                         {"columns", required_argument, NULL, OPT_COLUMNS},
                                         {"where", required_argument, NULL, OPT_WHERE},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"as-of", required_argument, NULL, OPT_AS_OF},
                                         {"format", required_argument, NULL, OPT_FORMAT},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *root = NULL, *ns = NULL, *fmt = "table", *out_path = "-";
    char *cols = NULL;
    const char *colv[256];
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    dc_txn_options to = {0};
    bool as_of = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:l:o:h", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_ROOT: root = optarg; break;
        case 'n': ns = optarg; break;
        case OPT_COLUMNS: cols = optarg; break;
        case OPT_WHERE: ro.filter = optarg; break;
        case 'l':
            if (!dc_cli_parse_count("read", "--limit", optarg, &ro.limit))
                return DC_EXIT_USAGE;
            break;
        case OPT_AS_OF:
            if (!parse_as_of(optarg, &to))
                return dc_cli_usage("read",
                                    "--as-of takes a version, nanoseconds or an "
                                    "ISO-8601 time, not \"%s\"",
                                    optarg);
            as_of = true;
            break;
        case OPT_FORMAT: fmt = optarg; break;
        case 'o': out_path = optarg; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "read", NULL});
        default: return dc_cli_usage("read", "unknown option");
        }
    }
    if (argc - optind != 1)
        return dc_cli_usage("read", "give one table");
    dc_file_format ff = DC_FORMAT_UNKNOWN;
    bool table = !strcmp(fmt, "table"), json = !strcmp(fmt, "json");
    if (!table && !json && (ff = dc_format_from_name(fmt)) == DC_FORMAT_UNKNOWN)
        return dc_cli_usage("read", "unknown format \"%s\" (table, json, csv, jsonl, parquet)",
                            fmt);
    if (ff == DC_FORMAT_PARQUET && !strcmp(out_path, "-"))
        return dc_cli_usage("read", "Parquet output needs -o FILE");
    if (cols) { /* a,b,c */
        for (char *p = strtok(cols, ","); p && ro.n_columns < 256; p = strtok(NULL, ","))
            colv[ro.n_columns++] = p;
        ro.columns = colv;
    }
    dc_catalog *c;
    int code = open_root(root, false, &c);
    if (code)
        return code;
    dc_error e;
    dc_txn *t = NULL;
    dc_reader *r = NULL;
    dc_status rc = DC_OK;
    if (as_of)
        rc = dc_txn_begin(&t, c, &to, &e);
    if (rc == DC_OK)
        rc = dc_table_read(c, t, ns, argv[optind], &ro, &r, &e);
    if (rc != DC_OK) {
        code = dc_cli_fail(rc, &e);
        goto done;
    }
    if (table || json) { /* gather and print */
        dc_batch **bs = NULL;
        int n = 0;
        for (;;) {
            dc_batch *b = NULL;
            if ((rc = dc_reader_next(r, &b, &e)) != DC_OK || !b)
                break;
            dc_batch **nb = realloc(bs, sizeof *bs * (size_t)(n + 1));
            if (!nb) {
                dc_batch_unref(b);
                rc = DC_ENOMEM;
                snprintf(e.message, sizeof e.message, "out of memory");
                break;
            }
            bs = nb;
            bs[n++] = b;
        }
        if (rc == DC_OK) {
            if (json)
                dc_cli_print_json_rows(stdout, dc_reader_schema(r), bs, n);
            else
                dc_cli_print_table(stdout, dc_reader_schema(r), bs, n, -1, false);
        }
        for (int i = 0; i < n; i++)
            dc_batch_unref(bs[i]);
        free(bs);
        if (rc != DC_OK)
            code = dc_cli_fail(rc, &e);
        goto done;
    }
    dc_write_options wo;
    dc_write_options_init(&wo, ff);
    rc = dc_file_write(r, out_path, ff, &wo, NULL, &e);
    if (rc != DC_OK)
        code = dc_cli_fail(rc, &e);
done:
    dc_reader_free(r);
    dc_txn_abort(t);
    dc_catalog_close(c);
    return code;
}

int dc_cmd_history(int argc, char **argv)
{
    static const struct option opts[] = {{"root", required_argument, NULL, OPT_ROOT},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *root = NULL;
    bool json = false;
    dc_history_query q = {0};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "l:jh", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_ROOT: root = optarg; break;
        case 'l':
            if (!dc_cli_parse_count("history", "--limit", optarg, &q.limit))
                return DC_EXIT_USAGE;
            break;
        case 'j': json = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "history", NULL});
        default: return dc_cli_usage("history", "unknown option");
        }
    }
    dc_catalog *c;
    int code = open_root(root, false, &c);
    if (code)
        return code;
    dc_error e;
    dc_txn_info *h;
    int64_t n;
    dc_status rc = dc_catalog_history(c, &q, &h, &n, &e);
    dc_catalog_close(c);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &e);
    json_t *all = json ? json_array() : NULL;
    for (int64_t i = 0; i < n; i++) {
        if (json)
            json_array_append_new(all,
                                  json_pack("{s:I, s:s, s:I, s:s?}", "version",
                                            (json_int_t)h[i].version, "id", h[i].id, "timestamp_ns",
                                            (json_int_t)h[i].end_ns, "message", h[i].message));
        else
            printf("%6" PRId64 "  %s  %s\n", h[i].version, h[i].id,
                   h[i].message ? h[i].message : "");
    }
    if (json)
        put_json(all);
    dc_txn_info_free(h, n);
    return DC_EXIT_OK;
}

int dc_cmd_namespace(int argc, char **argv)
{
    static const struct option opts[] = {{"root", required_argument, NULL, OPT_ROOT},
                                         {"cascade", no_argument, NULL, OPT_CASCADE},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *root = NULL;
    bool cascade = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_ROOT: root = optarg; break;
        case OPT_CASCADE: cascade = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "namespace", NULL});
        default: return dc_cli_usage("namespace", "unknown option");
        }
    }
    const char *sub = optind < argc ? argv[optind] : "list";
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    bool list = !strcmp(sub, "list");
    if (!list && strcmp(sub, "create") != 0 && strcmp(sub, "drop") != 0)
        return dc_cli_usage("namespace", "unknown subcommand \"%s\" (list, create, drop)", sub);
    if (!list && !name)
        return dc_cli_usage("namespace", "%s needs a name", sub);
    dc_catalog *c;
    int code = open_root(root, !list, &c);
    if (code)
        return code;
    dc_error e;
    dc_status rc;
    if (list) {
        dc_namespace_info *v;
        int64_t n;
        rc = dc_namespace_list(c, NULL, &v, &n, &e);
        for (int64_t i = 0; rc == DC_OK && i < n; i++)
            printf("%s  (%" PRId64 " tables)\n", v[i].name, v[i].n_tables);
        if (rc == DC_OK)
            dc_namespace_infos_free(v, n);
    } else if (sub[0] == 'c') {
        rc = dc_namespace_create(c, NULL, name, NULL, &e);
    } else {
        rc = dc_namespace_drop(c, NULL, name, cascade, &e);
    }
    dc_catalog_close(c);
    return rc == DC_OK ? DC_EXIT_OK : dc_cli_fail(rc, &e);
}

int dc_cmd_table(int argc, char **argv)
{
    static const struct option opts[] = {{"root", required_argument, NULL, OPT_ROOT},
                                         {"namespace", required_argument, NULL, 'n'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *root = NULL, *ns = NULL;
    bool json = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:jh", opts, NULL)) != -1) {
        switch (ch) {
        case OPT_ROOT: root = optarg; break;
        case 'n': ns = optarg; break;
        case 'j': json = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "table", NULL});
        default: return dc_cli_usage("table", "unknown option");
        }
    }
    const char *sub = optind < argc ? argv[optind] : "list";
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    static const char *const subs[] = {"list", "describe", "drop", "truncate"};
    bool known = false;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        known |= !strcmp(sub, subs[i]);
    if (!known)
        return dc_cli_usage("table", "unknown subcommand \"%s\" (list, describe, drop, truncate)",
                            sub);
    if (strcmp(sub, "list") != 0 && !name)
        return dc_cli_usage("table", "%s needs a table", sub);
    dc_catalog *c;
    int code = open_root(root, false, &c);
    if (code)
        return code;
    dc_error e;
    dc_status rc;
    if (!strcmp(sub, "list")) {
        dc_table_info *v;
        int64_t n;
        rc = dc_table_list(c, NULL, ns, &v, &n, &e);
        for (int64_t i = 0; rc == DC_OK && i < n; i++)
            printf("%s  %" PRId64 " rows, %" PRId64 " files\n", v[i].name, v[i].row_count,
                   v[i].file_count);
        if (rc == DC_OK)
            dc_table_infos_free(v, n);
    } else if (!strcmp(sub, "describe")) {
        dc_table_info ti;
        rc = dc_table_describe(c, NULL, ns, name, &ti, &e);
        if (rc == DC_OK) {
            char *schema = ti.schema ? dc_schema_to_string(ti.schema) : NULL;
            if (json) {
                put_json(json_pack(
                    "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s?, s:s?}", "id", ti.id,
                    "namespace", ti.namespace_name, "name", ti.name, "table_version",
                    (json_int_t)ti.table_version, "rows", (json_int_t)ti.row_count, "files",
                    (json_int_t)ti.file_count, "bytes", (json_int_t)ti.size_bytes, "deltas",
                    (json_int_t)ti.delta_count, "last_modified", (json_int_t)ti.last_modified,
                    "content_type", dc_format_name(ti.content_type), "partition_by",
                    ti.partition_by, "schema", schema));
            } else {
                printf("table:        %s.%s (%s)\nversion:      %" PRId64 "\nrows:         %" PRId64
                       " in %" PRId64 " files (%" PRId64 " bytes), %" PRId64
                       " deltas\npartitioned:  %s\ncontent type: %s\n"
                       "schema:\n%s",
                       ti.namespace_name, ti.name, ti.id, ti.table_version, ti.row_count,
                       ti.file_count, ti.size_bytes, ti.delta_count,
                       ti.partition_by ? ti.partition_by : "no", dc_format_name(ti.content_type),
                       schema ? schema : "  (none yet)\n");
            }
            dc_free(schema);
            dc_table_info_clear(&ti);
        }
    } else if (!strcmp(sub, "drop")) {
        rc = dc_table_drop(c, NULL, ns, name, false, &e);
    } else {
        rc = dc_table_truncate(c, NULL, ns, name, &e);
    }
    dc_catalog_close(c);
    return rc == DC_OK ? DC_EXIT_OK : dc_cli_fail(rc, &e);
}
