/*
 * cmd_compact.c: `deltacat compact TABLE`: fold a table's outstanding merges and
 * deletes (or its small files) into new files (dc_table_compact).
 */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>

enum { OPT_IF_NEEDED = 1400, OPT_TARGET_ROWS };

int dc_cmd_compact(int argc, char **argv)
{
    static const struct option opts[] = {DC_CLI_TARGET_OPTIONS,
                                         {"namespace", required_argument, NULL, 'n'},
                                         {"if-needed", no_argument, NULL, OPT_IF_NEEDED},
                                         {"target-rows", required_argument, NULL, OPT_TARGET_ROWS},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    dc_cli_target tgt = {0};
    dc_compact_options o = {0};
    const char *ns = NULL;
    bool json = false;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "n:jh", opts, NULL)) != -1) {
        switch (ch) {
        case DC_OPT_ROOT: tgt.root = optarg; break;
        case DC_OPT_CATALOG: tgt.catalog = optarg; break;
        case 'n': ns = optarg; break;
        case OPT_IF_NEEDED: o.if_needed = true; break;
        case OPT_TARGET_ROWS:
            if (!dc_cli_parse_count("compact", "--target-rows", optarg, &o.target_file_rows) ||
                o.target_file_rows == 0)
                return dc_cli_usage("compact", "--target-rows takes a count >= 1");
            break;
        case 'j': json = true; break;
        case 'h': return dc_cmd_help(2, (char *[]){"help", "compact", NULL});
        default: return dc_cli_usage("compact", "unknown option");
        }
    }
    if (argc - optind != 1)
        return dc_cli_usage("compact", "takes one table name");
    const char *table = argv[optind];
    dc_catalog *c;
    int code = dc_cli_open("compact", &tgt, false, &c);
    if (code)
        return code;
    dc_error e;
    dc_compact_result r;
    dc_status rc = dc_table_compact(c, NULL, ns, table, &o, &r, &e);
    dc_catalog_close(c);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &e);
    if (json) {
        dc_cli_put_json(json_pack(
            "{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "compacted", r.compacted, "files_in",
            (json_int_t)r.files_in, "deltas_in", (json_int_t)r.deltas_in, "rows",
            (json_int_t)r.rows_out, "files_out", (json_int_t)r.files_out, "bytes",
            (json_int_t)r.bytes_out, "version", (json_int_t)r.commit_version, "key_buckets",
            (json_int_t)r.key_buckets, "files_kept", (json_int_t)r.files_kept));
    } else if (!r.compacted) {
        printf("%s: nothing to compact\n", table);
    } else {
        char b[32];
        printf("%s: %" PRId64 " files (%" PRId64 " outstanding deltas) -> %" PRId64
               " files, %" PRId64 " rows, %s",
               table, r.files_in, r.deltas_in, r.files_out, r.rows_out,
               dc_cli_bytes(r.bytes_out, b));
        if (r.key_buckets > 0)
            printf("; %" PRId64 " key buckets, %" PRId64 " files of untouched buckets kept",
                   r.key_buckets, r.files_kept);
        printf(" (version %" PRId64 ")\n", r.commit_version);
    }
    return 0;
}
