/*
 * cmd_gc.c: `deltacat gc`: remove what no retained version of the catalog
 * needs (dc_catalog_gc) and report it, or with --dry-run what would go.
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_DRY_RUN = 1300, OPT_GRACE, OPT_RETAIN_VERSIONS, OPT_RETAIN, OPT_LIST };

/* Seconds (a decimal, >= 0) as nanoseconds. */
static bool parse_seconds(const char *text, int64_t *ns)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || !(v >= 0) || v > 9.2e9)
        return false;
    *ns = (int64_t)(v * 1e9);
    return true;
}

int dc_cmd_gc(int argc, char **argv)
{
    static const struct option opts[] = {
        DC_CLI_TARGET_OPTIONS,
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"grace", required_argument, NULL, OPT_GRACE},
        {"retain-versions", required_argument, NULL, OPT_RETAIN_VERSIONS},
        {"retain", required_argument, NULL, OPT_RETAIN},
        {"list", no_argument, NULL, OPT_LIST},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {0}};
    dc_cli_target tgt = {0};
    dc_catalog_gc_options o = {0};
    bool json = false, list = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (ch) {
        case DC_OPT_ROOT: tgt.root = optarg; break;
        case DC_OPT_CATALOG: tgt.catalog = optarg; break;
        case OPT_DRY_RUN: o.dry_run = true; break;
        case OPT_GRACE:
            if (!parse_seconds(optarg, &o.grace_ns))
                return dc_cli_usage("gc", "--grace takes seconds >= 0, not \"%s\"", optarg);
            if (o.grace_ns == 0)
                o.grace_ns = -1; /* the library's "no grace" */
            break;
        case OPT_RETAIN_VERSIONS:
            if (!dc_cli_parse_count("gc", "--retain-versions", optarg, &o.retain_versions))
                return DC_EXIT_USAGE;
            if (o.retain_versions == 0)
                return dc_cli_usage("gc", "--retain-versions takes a count >= 1");
            break;
        case OPT_RETAIN:
            if (!parse_seconds(optarg, &o.retain_ns) || o.retain_ns == 0)
                return dc_cli_usage("gc", "--retain takes seconds > 0, not \"%s\"", optarg);
            break;
        case OPT_LIST: list = true; break;
        case 'j': json = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "gc", NULL});
        default: return dc_cli_usage("gc", "unknown option");
        }
    }
    if (optind < argc)
        return dc_cli_usage("gc", "takes no arguments (\"%s\")", argv[optind]);
    dc_catalog *c;
    int code = dc_cli_open("gc", &tgt, false, &c);
    if (code)
        return code;
    dc_error e;
    dc_catalog_gc_report r;
    dc_status rc = dc_catalog_gc(c, &o, &r, &e);
    dc_catalog_close(c);
    if (rc != DC_OK) {
        dc_catalog_gc_report_free(&r);
        return dc_cli_fail(rc, &e);
    }
    if (json) {
        json_t *keys = json_array();
        for (int64_t i = 0; i < r.n_keys; i++)
            json_array_append_new(keys, json_string(r.keys[i]));
        dc_cli_put_json(json_pack(
            "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "dry_run",
            o.dry_run, "removed", (json_int_t)r.n_keys, "bytes", (json_int_t)r.bytes, "data_files",
            (json_int_t)r.data_files, "staged_files", (json_int_t)r.staged_files, "log_entries",
            (json_int_t)r.log_entries, "checkpoint_files", (json_int_t)r.checkpoint_files,
            "txn_records", (json_int_t)r.txn_records, "temporaries", (json_int_t)r.temporaries,
            "kept_young", (json_int_t)r.kept_young, "oldest_version", (json_int_t)r.oldest_version,
            "latest_version", (json_int_t)r.latest_version, "keys", keys));
    } else {
        char b[32];
        printf("%s %" PRId64 " object%s (%s)%s\n", o.dry_run ? "would remove" : "removed", r.n_keys,
               r.n_keys == 1 ? "" : "s", dc_cli_bytes(r.bytes, b),
               o.dry_run ? " (dry run: nothing changed)" : "");
        dc_cli_grid *g = dc_cli_grid_new(2, (const char *const[]){"kind", "count"}, "lr");
        const struct {
            const char *name;
            int64_t n;
        } rows[] = {{"data files", r.data_files},
                    {"staged files", r.staged_files},
                    {"log entries", r.log_entries},
                    {"checkpoint files", r.checkpoint_files},
                    {"transaction records", r.txn_records},
                    {"temporaries", r.temporaries},
                    {"kept (younger than the grace)", r.kept_young}};
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            char n[32];
            snprintf(n, sizeof n, "%" PRId64, rows[i].n);
            if (rows[i].n)
                dc_cli_grid_add(g, (const char *const[]){rows[i].name, n});
        }
        if (dc_cli_grid_rows(g))
            dc_cli_grid_print(g, stdout);
        dc_cli_grid_free(g);
        if (r.oldest_version <= 1)
            printf("every version (1 to %" PRId64 ") stays readable\n", r.latest_version);
        else
            printf("versions %" PRId64 " to %" PRId64 " stay readable; older ones expired\n",
                   r.oldest_version, r.latest_version);
        for (int64_t i = 0; list && i < r.n_keys; i++)
            printf("  %s\n", r.keys[i]);
    }
    dc_catalog_gc_report_free(&r);
    return DC_EXIT_OK;
}
