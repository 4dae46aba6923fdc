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

#define ROOT_OPT                                                                                   \
    "  --root DIR           the catalog's root: a directory, file:///dir, mem://name or\n"         \
    "                       s3://bucket/prefix (S3 settings from the AWS environment)\n"           \
    "  --catalog NAME       a catalog named in the configuration file (not with --root);\n"        \
    "                       default: $DELTACAT_ROOT, else the configuration's default\n"           \
    "                       catalog, else ./.deltacat\n"

static const char INIT_HELP[] =
    "Usage: deltacat init [--root DIR | --catalog NAME] [--json]\n"
    "\n"
    "Create a catalog (an empty directory tree with its commit log), or open the\n"
    "one there, and print its id.\n"
    "\n"
    "Options:\n" ROOT_OPT "  -j, --json           {\"id\", \"location\"}\n"
    "\n"
    "Examples:\n"
    "  deltacat init\n"
    "  DELTACAT_ROOT=/data/lake deltacat init\n"
    "  deltacat init --catalog prod --json\n";

static const char WRITE_HELP[] =
    "Usage: deltacat write TABLE FILE... [options]\n"
    "\n"
    "Write the rows of data files (CSV, TSV, PSV, JSONL, Parquet: from the\n"
    "extension) to a table, in one transaction. The catalog is created if\n"
    "missing; mode auto creates the table (its schema from the files) or adds.\n"
    "\n"
    "Options:\n" ROOT_OPT "  -n, --namespace NS   the table's namespace (default: default)\n"
    "  --mode MODE          auto (default: create the table or add), create, add,\n"
    "                       append (ordered), replace, merge (upsert by merge key),\n"
    "                       delete (the rows matching by merge key)\n"
    "  --merge-key COL      when the write creates the table: a merge key column\n"
    "                       (repeatable)\n"
    "  --content-type T     the format of the files written: parquet, csv, jsonl\n"
    "                       (default: the table's)\n"
    "  -m, --message TEXT   the commit message (deltacat history shows it)\n"
    "  -j, --json           print the result as JSON\n"
    "\n"
    "Examples:\n"
    "  deltacat write users users.csv\n"
    "  deltacat write --mode append -m 'nightly load' events day1.jsonl day2.jsonl\n"
    "  deltacat write --merge-key id users users.csv\n"
    "  deltacat write --mode merge users changes.csv\n";

static const char READ_HELP[] =
    "Usage: deltacat read TABLE [options]\n"
    "\n"
    "Print a table's rows (or write them to a file), filtered, projected, as of\n"
    "any past version or time.\n"
    "\n"
    "Options:\n" ROOT_OPT "  -n, --namespace NS   the table's namespace (default: default)\n"
    "  --columns A,B        only these columns, in this order\n"
    "  --where FILTER       rows to keep: age > 3 and city = 'Paris' (also = != <>\n"
    "                       < <= >= between .. and .., in (..), not in, is [not]\n"
    "                       null, not, or, parentheses; \"quoted\" column names),\n"
    "                       or the JSON form {\"gt\": [\"age\", 3]}\n"
    "  -l, --limit N        at most N rows\n"
    "  --as-of WHEN         a catalog version (1, 2 ...), nanoseconds since the\n"
    "                       epoch, or an ISO-8601 time: 2026-11-24 (midnight UTC),\n"
    "                       2026-11-24T10:00:00Z, '2026-11-24 10:00:00.123+01:00'\n"
    "  --format F           table (default), json, csv, jsonl, parquet (with -o)\n"
    "  --materialize        a schemaless table's rows (its files read and unified)\n"
    "                       instead of its manifest (one row per file)\n"
    "  -o, --output FILE    write there instead of standard output\n"
    "\n"
    "Examples:\n"
    "  deltacat read users\n"
    "  deltacat read users --where \"age > 3 and city = 'Paris'\" --columns name,age\n"
    "  deltacat read users --as-of 2 --format csv\n"
    "  deltacat read users --as-of 2026-11-24T10:00:00Z\n";

static const char HISTORY_HELP[] =
    "Usage: deltacat history [--limit N] [--since TIME] [--until TIME] [--json]\n"
    "\n"
    "The committed transactions, newest first: version, id and message (on a\n"
    "terminal also the commit time, as a table). Any version or time listed can\n"
    "be given to 'read --as-of' or 'table rollback --to'.\n"
    "\n"
    "Options:\n" ROOT_OPT "  -l, --limit N        at most N transactions\n"
    "  --since TIME         only commits at or after TIME (ISO-8601 or nanoseconds)\n"
    "  --until TIME         only commits at or before TIME\n"
    "  -j, --json           a JSON array (version, id, timestamp_ns, message)\n"
    "\n"
    "Examples:\n"
    "  deltacat history --limit 5\n"
    "  deltacat history --since 2026-11-24 --json\n";

static const char NAMESPACE_HELP[] =
    "Usage: deltacat namespace [list | create NAME | drop NAME | alter NAME | rename NAME NEW]\n"
    "\n"
    "List, create, drop, alter or rename namespaces. A namespace holding tables is\n"
    "dropped only with --cascade (its tables go too).\n"
    "\n"
    "Options:\n" ROOT_OPT "  --property KEY=VALUE  create, alter: set a property (repeatable)\n"
    "  --unset-property KEY  alter: remove a property (repeatable)\n"
    "  --if-not-exists      create: an existing namespace is not an error\n"
    "  --cascade            drop: drop its tables too\n"
    "  -j, --json           JSON output\n"
    "\n"
    "Examples:\n"
    "  deltacat namespace create sales --property owner=finance\n"
    "  deltacat namespace list --json\n"
    "  deltacat namespace rename sales revenue\n"
    "  deltacat namespace drop revenue --cascade\n";

static const char TABLE_HELP[] =
    "Usage: deltacat table SUBCOMMAND [TABLE] [options]\n"
    "\n"
    "  list                       the tables of a namespace\n"
    "  describe TABLE             schema, merge keys, rows, files, partitions, properties\n"
    "  create TABLE               an empty table (schema from --schema FILE or the first write)\n"
    "  alter TABLE                change its description and properties\n"
    "  rename TABLE [NEW_NAME]    rename it and/or move it (--to-namespace NS)\n"
    "  rollback TABLE --to WHEN   make its rows those of a past version or time (a new commit)\n"
    "  versions TABLE             its table versions (schemas, lifecycle, rows)\n"
    "  truncate TABLE             remove every row (earlier versions keep theirs)\n"
    "  drop TABLE [--purge]       drop it (--purge: remove its files at once)\n"
    "\n"
    "Options:\n" ROOT_OPT "  -n, --namespace NS   the namespace (default: default)\n"
    "  -j, --json           JSON output\n"
    "  create:\n"
    "  --schema FILE        the JSON schema: {\"fields\": [{\"name\": \"id\", \"type\": "
    "\"int64\",\n"
    "                       \"nullable\": false}, ...]} (\"-\": standard input)\n"
    "  --merge-key COL      a merge key column (repeatable; needs a schema)\n"
    "  --partition-by SPEC  e.g. \"day(ts), bucket(16, id)\" (also year, month, hour,\n"
    "                       truncate(W, c) and plain columns)\n"
    "  --description TEXT   a description\n"
    "  --property KEY=VALUE a property (repeatable; alter: --unset-property KEY)\n"
    "  --evolution MODE     auto (new columns are added), manual, disabled\n"
    "  --consistency MODE   none (types widen), coerce (cast), validate (exact types)\n"
    "  --content-type T     parquet (default), csv or jsonl files\n"
    "  --schemaless         a table of files as they are (reads list its files)\n"
    "  --if-not-exists      an existing table is not an error\n"
    "  rename:  --to-namespace NS      rollback:  --to VERSION|NANOSECONDS|ISO-8601\n"
    "\n"
    "Examples:\n"
    "  deltacat table create users --schema users.schema.json --merge-key id\n"
    "  deltacat table create events --partition-by 'day(ts)' --description 'raw events'\n"
    "  deltacat table describe users --json\n"
    "  deltacat table alter users --property owner=crm --description 'our users'\n"
    "  deltacat table rename users customers --to-namespace crm\n"
    "  deltacat table rollback users --to 3\n"
    "  deltacat table rollback users --to 2026-11-24T10:00:00Z\n"
    "  deltacat table versions users\n";

static const char CATALOG_HELP[] =
    "Usage: deltacat catalog [list | add NAME ROOT | remove NAME | default NAME] [--json]\n"
    "       deltacat catalog add NAME s3://BUCKET/PREFIX [--region R] [--endpoint-url URL]\n"
    "                            [--profile P]\n"
    "\n"
    "Edit the configuration file that names catalogs: $DELTACAT_CONFIG, else\n"
    "$XDG_CONFIG_HOME/deltacat/config.json, else ~/.config/deltacat/config.json:\n"
    "  {\"default\": \"NAME\", \"catalogs\": {\"NAME\": {\"root\": \"/path or s3://b/p\",\n"
    "                                          \"s3\": {...}}}}\n"
    "Every catalog command then takes --catalog NAME, and dc://NAME/... URLs\n"
    "(list, copy) name them. The first catalog added is the default. A relative\n"
    "ROOT is stored as an absolute path. The S3 settings of an s3:// root are kept\n"
    "in its \"s3\" member and override the AWS environment (AWS_REGION,\n"
    "AWS_ENDPOINT_URL, AWS_PROFILE) and ~/.aws for that catalog.\n"
    "\n"
    "Options:\n"
    "  --default            add: make it the default\n"
    "  --init               add: create the catalog at ROOT too\n"
    "  --region R           add: the S3 region of an s3:// root\n"
    "  --endpoint-url URL   add: the S3 endpoint (MinIO, moto, another S3)\n"
    "  --profile P          add: the profile of ~/.aws/credentials and ~/.aws/config\n"
    "  -j, --json           JSON output\n"
    "\n"
    "Examples:\n"
    "  deltacat catalog add prod /data/lake --init\n"
    "  deltacat catalog add aws s3://bucket/lake --region eu-west-1 --init\n"
    "  deltacat catalog add copy ./lake-copy\n"
    "  deltacat catalog list\n"
    "  deltacat read users --catalog copy\n"
    "  deltacat catalog remove copy\n";

static const char GC_HELP[] =
    "Usage: deltacat gc [--dry-run] [--grace SECONDS] [--retain-versions N] [--retain SECONDS]\n"
    "                   [--list] [--json]\n"
    "\n"
    "Remove what no retained version of the catalog needs: files staged by writers\n"
    "that died or gave up, half-written files, stale transaction records, and,\n"
    "once snapshots expire (--retain-versions, --retain), the data files only\n"
    "those versions read (dropped tables, replaced or truncated rows) with their\n"
    "old log entries and checkpoints. Nothing younger than the grace period is\n"
    "touched (a writer may still be using it). Prints what was removed: counts by\n"
    "kind and bytes. Versions older than the retained ones can no longer be read.\n"
    "\n"
    "Options:\n" ROOT_OPT "  --dry-run            report what would be removed; change nothing\n"
    "  --grace SECONDS      keep files younger than this (default 3600; 0: none)\n"
    "  --retain-versions N  keep the last N versions readable (default: all)\n"
    "  --retain SECONDS     keep the versions of the last SECONDS readable\n"
    "  --list               print every object removed\n"
    "  -j, --json           the report as JSON (counts, bytes, keys)\n"
    "\n"
    "Examples:\n"
    "  deltacat gc --dry-run --list\n"
    "  deltacat gc --retain-versions 10 --json\n";

static const char COMPACT_HELP[] =
    "Usage: deltacat compact TABLE [-n NS] [--if-needed] [--target-rows N] [--json]\n"
    "\n"
    "Fold a table's files into new ones: on a table with merge keys, the base files\n"
    "and every outstanding MERGE and DELETE become merged files (one row per key); on\n"
    "other tables, small files are joined in read order. One commit; writes committed\n"
    "while it runs stay after it. Earlier versions still read the old files (until gc).\n"
    "A table's policy (properties compaction.mode auto|sync|off, compaction.max_deltas,\n"
    "compaction.max_ratio) also compacts it after writes.\n"
    "\n"
    "Options:\n" ROOT_OPT "  -n, --namespace NS   the table's namespace (default: default)\n"
    "  --if-needed          only when the table's policy asks for it\n"
    "  --target-rows N      rows per file (default 4194304)\n"
    "  -j, --json           the result as JSON\n"
    "\n"
    "Examples:\n"
    "  deltacat compact users\n"
    "  deltacat compact -n finance users --json\n";

static const char TXN_HELP[] =
    "Usage: deltacat txn FILE|- [-m MESSAGE] [--json]\n"
    "\n"
    "Apply a JSON list of operations on any tables and namespaces in one\n"
    "transaction: all commit together, or none does (the first failure aborts;\n"
    "a malformed file is refused before anything starts). The file is an array of\n"
    "operations or {\"message\": TEXT, \"operations\": [...]}; -m overrides the\n"
    "message. Operations (\"namespace\" defaults to \"default\"; paths are relative\n"
    "to the current directory):\n"
    "  {\"op\": \"write\", \"table\": T, \"namespace\": NS, \"files\": [PATH...],\n"
    "   \"mode\": \"auto|create|add|append|replace|merge|delete\", \"merge_keys\": [COL]}\n"
    "  {\"op\": \"create_table\", \"table\": T, \"schema\": {...}, \"merge_keys\": [...],\n"
    "   \"partition_by\", \"description\", \"properties\": {K: V}, \"evolution\",\n"
    "   \"consistency\", \"content_type\", \"schemaless\", \"if_not_exists\"}\n"
    "  {\"op\": \"drop_table\" | \"truncate\", \"table\": T}\n"
    "  {\"op\": \"alter_table\", \"table\": T, \"description\", \"properties\"}\n"
    "  {\"op\": \"rename_table\", \"table\": T, \"new_name\", \"new_namespace\"}\n"
    "  {\"op\": \"create_namespace\", \"namespace\": NS, \"properties\", \"if_not_exists\"}\n"
    "  {\"op\": \"drop_namespace\", \"namespace\": NS, \"cascade\": true}\n"
    "  {\"op\": \"alter_namespace\", \"namespace\": NS, \"properties\": {K: V}}\n"
    "  {\"op\": \"rename_namespace\", \"namespace\": NS, \"new_name\": NEW}\n"
    "\n"
    "Options:\n" ROOT_OPT "  -m, --message TEXT   the commit message\n"
    "  -j, --json           the result as JSON (version, operations)\n"
    "\n"
    "Examples:\n"
    "  deltacat txn load.json -m 'nightly load'\n"
    "  echo '[{\"op\": \"truncate\", \"table\": \"a\"},\n"
    "         {\"op\": \"drop_table\", \"table\": \"b\"}]' | deltacat txn -\n";

static const char LIST_HELP[] =
    "Usage: deltacat list [URL] [-r] [--json]\n"
    "\n"
    "List what a dc:// URL names, in catalogs of the configuration file (see\n"
    "'deltacat help catalog'):\n"
    "  dc://                    the catalogs (the default when no URL is given)\n"
    "  dc://CAT  or  dc://CAT/*  its namespaces (-r or dc://CAT/**: with their tables)\n"
    "  dc://CAT/NS  or  .../NS/* the tables of a namespace\n"
    "  dc://CAT/NS/TABLE         one table (rows, files, size)\n"
    "\n"
    "Options:\n"
    "  -r, --recursive      everything below the URL\n"
    "  -j, --json           a JSON array of {url, type, ...}\n"
    "\n"
    "Examples:\n"
    "  deltacat list\n"
    "  deltacat list dc://prod -r\n"
    "  deltacat list dc://prod/default --json\n";

static const char COPY_HELP[] =
    "Usage: deltacat copy SRC DST [--as-of WHEN] [--table-version N] [-m MESSAGE] [--json]\n"
    "\n"
    "Copy tables and namespaces between catalogs (or within one) by dc:// URL.\n"
    "A table is copied whole: its schema (merge keys included), partition\n"
    "scheme, properties, description and rows (streamed from a read into a\n"
    "write). Everything a copy creates commits in one transaction of the\n"
    "destination catalog; an existing destination table stops it (exit 7) with\n"
    "nothing changed. A namespace that exists at the destination is kept.\n"
    "  dc://A/NS/T   dc://B/NS2/T2   the table, as T2 in NS2\n"
    "  dc://A/NS/T   dc://B/NS2      the table, same name, into NS2\n"
    "  dc://A/NS     dc://B/NS2      the namespace only (no tables)\n"
    "  dc://A/NS/**  dc://B/NS2      every table of NS into NS2 (* the same)\n"
    "  dc://A/*      dc://B          every namespace (no tables)\n"
    "  dc://A/**     dc://B          every namespace with every table\n"
    "A schemaless table's files are copied as they are.\n"
    "\n"
    "Options:\n"
    "  --as-of WHEN         copy the source as it was at a catalog version (1, 2 ...),\n"
    "                       nanoseconds since the epoch or an ISO-8601 time\n"
    "  --table-version N    copy version N of a table (SRC names one table)\n"
    "  -m, --message TEXT   the commit message (default: \"copy SRC to DST\")\n"
    "  -j, --json           the result as JSON\n"
    "\n"
    "Examples:\n"
    "  deltacat copy dc://original/default/users dc://copy/default/local_users\n"
    "  deltacat copy dc://original/default/** dc://copy/myspace\n"
    "  deltacat copy dc://original/** dc://copy\n"
    "  deltacat copy dc://original/default/users dc://copy --as-of 3\n";

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
    {"namespace", "list, create, drop, alter or rename namespaces", NAMESPACE_HELP,
     dc_cmd_namespace},
    {"table", "create, describe, alter, rename, roll back, drop tables", TABLE_HELP, dc_cmd_table},
    {"catalog", "name catalogs in the configuration file", CATALOG_HELP, dc_cmd_catalog},
    {"txn", "apply a file of operations on several tables in one transaction", TXN_HELP,
     dc_cmd_txn},
    {"gc", "remove files no retained version needs (garbage collection)", GC_HELP, dc_cmd_gc},
    {"compact", "fold a table's merges, deletes and small files into new files", COMPACT_HELP,
     dc_cmd_compact},
    {"list", "list catalogs, namespaces and tables by dc:// URL", LIST_HELP, dc_cmd_list},
    {"copy", "copy tables and namespaces between catalogs by dc:// URL", COPY_HELP, dc_cmd_copy},
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
