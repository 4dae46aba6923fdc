/*
 * cmd_tables.c: the catalog commands over the table API (include/deltacat/
 * table.h): init, write, read, history. Every one takes --root DIR or
 * --catalog NAME (dc_cli_open: else $DELTACAT_ROOT, else the configuration's
 * default catalog, else ./.deltacat).
 */
#include "cli.h"

#include <deltacat/table.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Options every catalog command shares. */
enum {
    OPT_MODE = 1100,
    OPT_COLUMNS,
    OPT_WHERE,
    OPT_AS_OF,
    OPT_FORMAT,
    OPT_MERGE_KEY,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_CONTENT_TYPE,
    OPT_MATERIALIZE,
};

int dc_cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {DC_CLI_TARGET_OPTIONS,
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    dc_cli_target tgt = {0};
    bool json = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        if (ch == DC_OPT_ROOT)
            tgt.root = optarg;
        else if (ch == DC_OPT_CATALOG)
            tgt.catalog = optarg;
        else if (ch == 'j')
            json = true;
        else if (ch == 'h')
            return dc_cmd_help(2, (char *[]){"help", "init", NULL});
        else
            return dc_cli_usage("init", "unknown option");
    }
    if (optind < argc)
        return dc_cli_usage("init", "takes no arguments (\"%s\"): the root is --root DIR",
                            argv[optind]);
    dc_catalog *c;
    int code = dc_cli_open("init", &tgt, true, &c);
    if (code)
        return code;
    if (json)
        dc_cli_put_json(
            json_pack("{s:s, s:s}", "id", dc_catalog_id(c), "location", dc_catalog_location(c)));
    else
        printf("catalog %s at %s\n", dc_catalog_id(c), dc_cli_target_name(&tgt));
    dc_catalog_close(c);
    return DC_EXIT_OK;
}

int dc_cmd_write(int argc, char **argv)
{
    static const struct option opts[] = {
        DC_CLI_TARGET_OPTIONS,
        {"namespace", required_argument, NULL, 'n'},
        {"mode", required_argument, NULL, OPT_MODE},
        {"merge-key", required_argument, NULL, OPT_MERGE_KEY},
        {"content-type", required_argument, NULL, OPT_CONTENT_TYPE},
        {"message", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {0}};
    dc_cli_target tgt = {0};
    const char *ns = NULL, *msg = NULL;
    bool json = false;
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    dc_table_options create; /* when the write creates the table */
    dc_table_options_init(&create);
    const char *keys[256];
    int32_t n_keys = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:m:jh", opts, NULL)) != -1) {
        switch (ch) {
        case DC_OPT_ROOT: tgt.root = optarg; break;
        case DC_OPT_CATALOG: tgt.catalog = optarg; break;
        case 'n': ns = optarg; break;
        case 'm': msg = optarg; break;
        case 'j': json = true; break;
        case OPT_MODE:
            if (!dc_write_mode_from_name(optarg, &o.mode))
                return dc_cli_usage("write", "unknown mode \"%s\"", optarg);
            break;
        case OPT_CONTENT_TYPE:
            o.content_type = dc_format_from_name(optarg);
            if (o.content_type != DC_FORMAT_PARQUET && o.content_type != DC_FORMAT_CSV &&
                o.content_type != DC_FORMAT_JSONL)
                return dc_cli_usage("write",
                                    "--content-type takes parquet, csv or jsonl, not "
                                    "\"%s\"",
                                    optarg);
            break;
        case OPT_MERGE_KEY:
            if (!*optarg || n_keys == 256)
                return dc_cli_usage("write", "--merge-key takes a column name (at most 256)");
            keys[n_keys++] = optarg;
            break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "write", NULL});
        default: return dc_cli_usage("write", "unknown option");
        }
    }
    if (argc - optind < 2)
        return dc_cli_usage("write", "give a table and at least one file");
    const char *table = argv[optind];
    if (n_keys) {
        create.merge_keys = keys;
        create.n_merge_keys = n_keys;
        o.create = &create;
    }
    dc_catalog *c;
    int code = dc_cli_open("write", &tgt, true, &c);
    if (code)
        return code;
    dc_error e;
    dc_txn *t = NULL;
    dc_write_result res;
    int64_t version = 0;
    /* a bar over the bytes of the input files (on a terminal) */
    int64_t total = 0;
    for (int i = optind + 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0)
            total += st.st_size;
    }
    char label[300];
    snprintf(label, sizeof label, "write %s", table);
    dc_cli_progress *bar = dc_cli_progress_start_bytes(label, total);
    dc_status rc = dc_txn_begin(&t, c, NULL, &e);
    if (rc == DC_OK)
        rc = dc_table_write_files(c, t, ns, table, (const char *const *)argv + optind + 1,
                                  argc - optind - 1, &o, &res, &e);
    dc_cli_progress_done(bar);
    if (rc == DC_OK)
        rc = dc_txn_commit(t, msg, &version, &e);
    dc_txn_abort(t);
    dc_catalog_close(c);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &e);
    if (json)
        dc_cli_put_json(json_pack("{s:s, s:I, s:I, s:I, s:b, s:b, s:I}", "table", table, "rows",
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

int dc_cmd_read(int argc, char **argv)
{
    static const struct option opts[] = {DC_CLI_TARGET_OPTIONS,
                                         {"namespace", required_argument, NULL, 'n'},
                                         {"columns", required_argument, NULL, OPT_COLUMNS},
                                         {"where", required_argument, NULL, OPT_WHERE},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"as-of", required_argument, NULL, OPT_AS_OF},
                                         {"format", required_argument, NULL, OPT_FORMAT},
                                         {"output", required_argument, NULL, 'o'},
                                         {"materialize", no_argument, NULL, OPT_MATERIALIZE},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    dc_cli_target tgt = {0};
    const char *ns = NULL, *fmt = "table", *out_path = "-";
    char *cols = NULL;
    const char *colv[256];
    dc_table_read_options ro;
    dc_table_read_options_init(&ro);
    dc_txn_options to = {0};
    bool as_of = false, materialize = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:l:o:h", opts, NULL)) != -1) {
        switch (ch) {
        case DC_OPT_ROOT: tgt.root = optarg; break;
        case DC_OPT_CATALOG: tgt.catalog = optarg; break;
        case 'n': ns = optarg; break;
        case OPT_COLUMNS: cols = optarg; break;
        case OPT_WHERE: ro.filter = optarg; break;
        case 'l':
            if (!dc_cli_parse_count("read", "--limit", optarg, &ro.limit))
                return DC_EXIT_USAGE;
            break;
        case OPT_AS_OF:
            if (!dc_cli_parse_when(optarg, &to.as_of_version, &to.as_of_ns))
                return dc_cli_usage("read",
                                    "--as-of takes a version, nanoseconds or an "
                                    "ISO-8601 time, not \"%s\"",
                                    optarg);
            as_of = true;
            break;
        case OPT_FORMAT: fmt = optarg; break;
        case OPT_MATERIALIZE: materialize = true; break;
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
    int code = dc_cli_open("read", &tgt, false, &c);
    if (code)
        return code;
    dc_error e;
    dc_txn *t = NULL;
    dc_reader *r = NULL;
    dc_status rc = DC_OK;
    if (as_of)
        rc = dc_txn_begin(&t, c, &to, &e);
    if (materialize && (cols || ro.filter || ro.limit >= 0)) {
        dc_txn_abort(t);
        dc_catalog_close(c);
        return dc_cli_usage("read", "--materialize reads every row: no --columns, --where or "
                                    "--limit");
    }
    if (rc == DC_OK)
        rc = materialize ? dc_table_materialize(c, t, ns, argv[optind], &r, &e)
                         : dc_table_read(c, t, ns, argv[optind], &ro, &r, &e);
    dc_cli_progress *bar = NULL;
    /* a bar while rows come, unless they stream to the terminal it would draw on */
    bool streams_here = !table && !json && !strcmp(out_path, "-") && dc_cli_stdout_tty();
    if (rc == DC_OK && !streams_here && dc_cli_progress_enabled()) {
        /* the total is known when every row is read */
        dc_table_info ti;
        int64_t total = -1;
        if (!ro.filter && ro.limit < 0 &&
            dc_table_describe(c, t, ns, argv[optind], &ti, NULL) == DC_OK) {
            total = ti.row_count;
            dc_table_info_clear(&ti);
        }
        char label[300];
        snprintf(label, sizeof label, "read %s", argv[optind]);
        bar = dc_cli_progress_start(label, total);
        dc_reader *counted = NULL;
        rc = dc_cli_progress_reader(&counted, r, bar, &e);
        r = counted;
    }
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
        dc_cli_progress_done(bar); /* erased before the rows print */
        bar = NULL;
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
    dc_cli_progress_done(bar);
    dc_reader_free(r);
    dc_txn_abort(t);
    dc_catalog_close(c);
    return code;
}

int dc_cmd_history(int argc, char **argv)
{
    static const struct option opts[] = {DC_CLI_TARGET_OPTIONS,
                                         {"limit", required_argument, NULL, 'l'},
                                         {"since", required_argument, NULL, OPT_SINCE},
                                         {"until", required_argument, NULL, OPT_UNTIL},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    dc_cli_target tgt = {0};
    bool json = false;
    dc_history_query q = {0};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "l:jh", opts, NULL)) != -1) {
        switch (ch) {
        case DC_OPT_ROOT: tgt.root = optarg; break;
        case DC_OPT_CATALOG: tgt.catalog = optarg; break;
        case 'l':
            if (!dc_cli_parse_count("history", "--limit", optarg, &q.limit))
                return DC_EXIT_USAGE;
            break;
        case OPT_SINCE:
        case OPT_UNTIL: {
            int64_t ns = 0;
            char *end;
            long long raw = strtoll(optarg, &end, 10);
            /* a time: ISO-8601 or nanoseconds (a bare small integer is no time) */
            if (!(*end == '\0' && end != optarg && raw >= 1000000000000LL) &&
                !dc_cli_parse_time(optarg, &ns))
                return dc_cli_usage("history",
                                    "--%s takes an ISO-8601 time or nanoseconds since the "
                                    "epoch, not \"%s\"",
                                    ch == OPT_SINCE ? "since" : "until", optarg);
            if (*end == '\0' && end != optarg)
                ns = raw;
            if (ch == OPT_SINCE)
                q.since_ns = ns;
            else
                q.until_ns = ns;
            break;
        }
        case 'j': json = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "history", NULL});
        default: return dc_cli_usage("history", "unknown option");
        }
    }
    dc_catalog *c;
    int code = dc_cli_open("history", &tgt, false, &c);
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
    bool grid = !json && dc_cli_stdout_tty();
    dc_cli_grid *g =
        grid ? dc_cli_grid_new(
                   4, (const char *const[]){"version", "committed", "transaction", "message"},
                   "rlll")
             : NULL;
    for (int64_t i = 0; i < n; i++) {
        if (grid) {
            char v[32], when[48];
            snprintf(v, sizeof v, "%" PRId64, h[i].version);
            dc_cli_format_time(h[i].end_ns, when);
            dc_cli_grid_add(g, (const char *const[]){v, when, h[i].id, h[i].message});
        } else if (json) {
            char when[48];
            json_array_append_new(
                all, json_pack("{s:I, s:s, s:I, s:s, s:s?}", "version", (json_int_t)h[i].version,
                               "id", h[i].id, "timestamp_ns", (json_int_t)h[i].end_ns, "time",
                               dc_cli_format_time(h[i].end_ns, when), "message", h[i].message));
        } else
            printf("%6" PRId64 "  %s  %s\n", h[i].version, h[i].id,
                   h[i].message ? h[i].message : "");
    }
    if (json)
        dc_cli_put_json(all);
    if (grid)
        dc_cli_grid_print(g, stdout);
    dc_cli_grid_free(g);
    dc_txn_info_free(h, n);
    return DC_EXIT_OK;
}
