/*
 * main.c: the deltacat command: global flags, dispatch to commands, help.
 * Every command is `int dc_cmd_NAME(int argc, char **argv)` returning an exit
 * code from cli.h; all engine work is libdeltacat's.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char CONVERT_HELP[] =
    "Usage: deltacat convert IN OUT [options]\n"
    "\n"
    "Convert a data file from one format to another, streaming: memory stays\n"
    "bounded whatever the file size. Formats come from the extensions (.csv,\n"
    ".tsv, .psv, .jsonl, .ndjson) or --from/--to. \"-\" is stdin/stdout.\n"
    "The output appears only when complete: a failed conversion leaves nothing.\n"
    "\n"
    "Options:\n"
    "  --from FORMAT        input format: csv, tsv, psv, jsonl\n"
    "  --to FORMAT          output format: csv, tsv, psv, jsonl\n"
    "  --delimiter C        input field delimiter (CSV family; \\t for tab)\n"
    "  --out-delimiter C    output field delimiter (CSV family)\n"
    "  --no-header          the CSV input has no header row (columns column_1..N)\n"
    "  --null TEXT          how the CSV output writes nulls (default: empty)\n"
    "  --infer-rows N       rows sampled to infer column types (default 16384)\n"
    "  --batch-rows N       rows per batch (default 65536)\n"
    "  --fsync              make the output durable before exiting\n"
    "  --compression C      Parquet output: snappy (default), zstd, gzip, lz4, none\n"
    "  --compression-level N  Parquet output: the codec's level (zstd -7..22, gzip 0..9)\n"
    "  --row-group-rows N   Parquet output: rows per row group (default 1048576)\n"
    "  --page-v2            Parquet output: data pages v2 (default v1)\n"
    "\n"
    "Examples:\n"
    "  deltacat convert users.csv users.jsonl\n"
    "  deltacat convert --from tsv --to csv data.txt data.csv\n"
    "  cat events.jsonl | deltacat convert --from jsonl --to csv - -\n";

static const char SHOW_HELP[] =
    "Usage: deltacat show FILE [options]\n"
    "\n"
    "Print the first rows of a data file as an aligned table (or JSON).\n"
    "\n"
    "Options:\n"
    "  -n, --limit N        rows to print (default 20; 0 counts the rows instead)\n"
    "  -j, --json           a JSON array of row objects, for scripts\n"
    "  -s, --schema         print the (inferred) schema instead of rows\n"
    "  --from FORMAT        input format when the extension does not say\n"
    "  --delimiter C        field delimiter (CSV family)\n"
    "  --no-header          the CSV input has no header row\n"
    "\n"
    "Examples:\n"
    "  deltacat show users.csv\n"
    "  deltacat show --limit 5 --json events.jsonl\n"
    "  deltacat show --schema users.csv\n";

static const char INSPECT_HELP[] =
    "Usage: deltacat inspect FILE.parquet [--json]\n"
    "\n"
    "Describe a Parquet file from its footer (no data pages are read): the schema\n"
    "as read and as written, key-value metadata, row groups, and each column\n"
    "chunk's type, codec, encodings, value count, compressed and uncompressed\n"
    "sizes, compression ratio, null count and min/max statistics (\"~\" marks a\n"
    "bound the writer truncated).\n"
    "\n"
    "Options:\n"
    "  -j, --json           everything as one JSON object, for scripts\n"
    "\n"
    "Examples:\n"
    "  deltacat inspect events.parquet\n"
    "  deltacat inspect --json events.parquet | jq '.row_groups[0].columns[0].statistics'\n";

#define ROOT_OPT "  --root DIR           the catalog (default $DELTACAT_ROOT, else ./.deltacat)\n"

static const char INIT_HELP[] =
    "Usage: deltacat init [--root DIR]\n"
    "\n"
    "Create a catalog (an empty directory tree with its commit log), or open the\n"
    "one there, and print its id.\n"
    "\n"
    "Options:\n" ROOT_OPT "\n"
    "Examples:\n"
    "  deltacat init\n"
    "  DELTACAT_ROOT=/data/lake deltacat init\n";

static const char WRITE_HELP[] =
    "Usage: deltacat write TABLE FILE... [options]\n"
    "\n"
    "Write the rows of data files (CSV, TSV, PSV, JSONL, Parquet: from the\n"
    "extension) to a table, in one transaction. The catalog is created if\n"
    "missing; mode auto creates the table (its schema from the files) or adds.\n"
    "\n"
    "Options:\n" ROOT_OPT
    "  -n, --namespace NS   the table's namespace (default: default)\n"
    "  --mode MODE          auto (default), create, add, append, replace\n"
    "  -m, --message TEXT   the commit message (deltacat history shows it)\n"
    "  -j, --json           print the result as JSON\n"
    "\n"
    "Examples:\n"
    "  deltacat write users users.csv\n"
    "  deltacat write --mode append -m 'nightly load' events day1.jsonl day2.jsonl\n";

static const char READ_HELP[] =
    "Usage: deltacat read TABLE [options]\n"
    "\n"
    "Print a table's rows (or write them to a file), filtered, projected, as of\n"
    "any past version or time.\n"
    "\n"
    "Options:\n" ROOT_OPT
    "  -n, --namespace NS   the table's namespace (default: default)\n"
    "  --columns A,B        only these columns, in this order\n"
    "  --where FILTER       rows to keep: age > 3 and city = 'Paris' (also = != <>\n"
    "                       < <= >= between .. and .., in (..), not in, is [not]\n"
    "                       null, not, or, parentheses; \"quoted\" column names),\n"
    "                       or the JSON form {\"gt\": [\"age\", 3]}\n"
    "  -l, --limit N        at most N rows\n"
    "  --as-of WHEN         a catalog version, nanoseconds since the epoch, or an\n"
    "                       ISO-8601 time\n"
    "  --format F           table (default), json, csv, jsonl, parquet (with -o)\n"
    "  -o, --output FILE    write there instead of standard output\n"
    "\n"
    "Examples:\n"
    "  deltacat read users\n"
    "  deltacat read users --where \"age > 3 and city = 'Paris'\" --columns name,age\n"
    "  deltacat read users --as-of 2 --format csv\n";

static const char HISTORY_HELP[] =
    "Usage: deltacat history [--limit N] [--json] [--root DIR]\n"
    "\n"
    "The committed transactions, newest first: version, id and message.\n"
    "\n"
    "Examples:\n"
    "  deltacat history --limit 5\n";

static const char NAMESPACE_HELP[] =
    "Usage: deltacat namespace [list | create NAME | drop NAME [--cascade]] [--root DIR]\n"
    "\n"
    "List, create or drop namespaces; a namespace holding tables is dropped only\n"
    "with --cascade (its tables go too).\n"
    "\n"
    "Examples:\n"
    "  deltacat namespace create sales\n"
    "  deltacat namespace list\n";

static const char TABLE_HELP[] =
    "Usage: deltacat table [list | describe T | drop T | truncate T] [options]\n"
    "\n"
    "List the tables of a namespace, describe one (schema, rows, files,\n"
    "partitions), drop or truncate it (earlier versions keep their rows).\n"
    "\n"
    "Options:\n" ROOT_OPT
    "  -n, --namespace NS   the namespace (default: default)\n"
    "  -j, --json           describe as JSON\n"
    "\n"
    "Examples:\n"
    "  deltacat table list\n"
    "  deltacat table describe users --json\n";

static const char DEMO_HELP[] =
    "Usage: deltacat demo [--dir DIR]\n"
    "\n"
    "A short tour: writes small example files into DIR (default .deltacat/demo),\n"
    "shows them as tables with their inferred schema, and converts them.\n"
    "\n"
    "Example:\n"
    "  deltacat demo\n";

static const char HELP_HELP[] =
    "Usage: deltacat help [COMMAND | exit-codes]\n"
    "\n"
    "Show the list of commands, one command's help, or the exit codes.\n";

static const char VERSION_HELP[] = "Usage: deltacat version   (or deltacat --version)\n";

const dc_cli_command dc_cli_commands[] = {
    {"convert", "convert a data file between formats (CSV, TSV, PSV, JSONL)", CONVERT_HELP,
     dc_cmd_convert},
    {"show", "print the first rows of a data file as a table or JSON", SHOW_HELP, dc_cmd_show},
    {"inspect", "describe a Parquet file: schema, row groups, column chunks, statistics",
     INSPECT_HELP, dc_cmd_inspect},
    {"init", "create a catalog (or open the one there)", INIT_HELP, dc_cmd_init},
    {"write", "write data files to a table (creating it when needed)", WRITE_HELP, dc_cmd_write},
    {"read", "read a table: filtered, projected, as of a past version", READ_HELP, dc_cmd_read},
    {"history", "the committed transactions, newest first", HISTORY_HELP, dc_cmd_history},
    {"namespace", "list, create or drop namespaces", NAMESPACE_HELP, dc_cmd_namespace},
    {"table", "list, describe, drop or truncate tables", TABLE_HELP, dc_cmd_table},
    {"demo", "a short tour of what deltacat does today", DEMO_HELP, dc_cmd_demo},
    {"help", "show help for a command", HELP_HELP, dc_cmd_help},
    {"version", "print the version", VERSION_HELP, dc_cmd_version},
};
const int dc_cli_n_commands = (int)(sizeof dc_cli_commands / sizeof dc_cli_commands[0]);

static const char EXIT_CODES[] =
    "Exit codes of deltacat (stable, for scripts):\n"
    "  0  success\n"
    "  1  other error (internal error, out of memory)\n"
    "  2  usage error: bad command line\n"
    "  3  not found: a file, table or namespace does not exist\n"
    "  4  conflict: a concurrent writer committed first; retry\n"
    "  5  invalid input: malformed file, schema mismatch, bad value\n"
    "  6  I/O error: the operating system or storage failed\n"
    "  7  already exists: the thing to create exists\n";

static void overview(FILE *out)
{
    fprintf(out,
            "deltacat %s: a portable lakehouse engine\n"
            "\n"
            "Usage: deltacat COMMAND [options] [arguments]\n"
            "\n"
            "Commands:\n",
            dc_version());
    for (int i = 0; i < dc_cli_n_commands; i++)
        fprintf(out, "  %-10s %s\n", dc_cli_commands[i].name, dc_cli_commands[i].summary);
    fprintf(out, "\nRun 'deltacat help COMMAND' for a command's options and examples,\n"
                 "'deltacat help exit-codes' for the exit codes.\n");
}

int dc_cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        overview(stdout);
        return DC_EXIT_OK;
    }
    if (!strcmp(argv[1], "exit-codes")) {
        fputs(EXIT_CODES, stdout);
        return DC_EXIT_OK;
    }
    for (int i = 0; i < dc_cli_n_commands; i++) {
        if (!strcmp(argv[1], dc_cli_commands[i].name)) {
            fputs(dc_cli_commands[i].usage, stdout);
            return DC_EXIT_OK;
        }
    }
    fprintf(stderr, "deltacat: no command \"%s\"; run 'deltacat help' for the list\n", argv[1]);
    return DC_EXIT_USAGE;
}

int dc_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("deltacat %s\n", dc_version());
    return DC_EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        overview(stderr);
        return DC_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V"))
        return dc_cmd_version(argc - 1, argv + 1);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h"))
        return dc_cmd_help(1, argv + 1);
    for (int i = 0; i < dc_cli_n_commands; i++)
        if (!strcmp(cmd, dc_cli_commands[i].name))
            return dc_cli_commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "deltacat: unknown command \"%s\"; run 'deltacat help' for the list\n", cmd);
    return DC_EXIT_USAGE;
}
