/*
 * cli.h: the deltacat command's shared pieces: exit codes, error printing,
 * table rendering. The command holds no engine logic: every operation is a
 * call into libdeltacat's public API.
 */
#ifndef DC_CLI_H
#define DC_CLI_H

#include <deltacat/columnar.h>
#include <deltacat/common.h>
#include <deltacat/formats.h>
#include <deltacat/table.h>

#include <jansson.h>
#include <stdio.h>

/* Exit codes (stable; documented in docs/CLI.md and `deltacat help exit-codes`). */
enum {
    DC_EXIT_OK = 0,
    DC_EXIT_ERROR = 1,      /* anything else (internal error, out of memory) */
    DC_EXIT_USAGE = 2,      /* bad command line */
    DC_EXIT_NOTFOUND = 3,   /* a file, table or namespace does not exist */
    DC_EXIT_CONFLICT = 4,   /* a concurrent writer won; retry */
    DC_EXIT_INVALID = 5,    /* invalid input: malformed file, schema mismatch, bad value */
    DC_EXIT_IO = 6,         /* the operating system or storage failed */
    DC_EXIT_EXISTS = 7,     /* the thing to create already exists */
};

typedef struct dc_cli_command {
    const char *name;
    const char *summary;
    const char *usage; /* full help text with examples */
    int (*run)(int argc, char **argv);
} dc_cli_command;

extern const dc_cli_command dc_cli_commands[];
extern const int dc_cli_n_commands;

/* Print "deltacat: MESSAGE" for an error and return the matching exit code. */
int dc_cli_fail(dc_status rc, const dc_error *err);
/* Print a usage error for `cmd` and return DC_EXIT_USAGE. */
int dc_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dc_cli_exit_code(dc_status rc);

/* Parse a positive integer option; false (and a message) when malformed. */
bool dc_cli_parse_count(const char *cmd, const char *opt, const char *text, int64_t *out);

/*
 * Print the rows of `batches` as an aligned table (or, with json, as a JSON
 * array of objects) to `out`. Columns are the schema's; `total_rows` is
 * what the caller knows of the whole input (-1 when unknown).
 */
void dc_cli_print_table(FILE *out, const dc_schema *schema, dc_batch *const *batches, int n,
                        int64_t total_rows, bool more);
void dc_cli_print_json_rows(FILE *out, const dc_schema *schema, dc_batch *const *batches, int n);

/* ---- which catalog (catalogs.c) ---- */

/* Options every catalog command takes: --root DIR or --catalog NAME (exclusive). */
enum { DC_OPT_ROOT = 1000, DC_OPT_CATALOG = 1001 };
#define DC_CLI_TARGET_OPTIONS                                                                      \
    {"root", required_argument, NULL, DC_OPT_ROOT},                                                \
    {                                                                                              \
        "catalog", required_argument, NULL, DC_OPT_CATALOG                                         \
    }

typedef struct dc_cli_target {
    const char *root;    /* --root DIR */
    const char *catalog; /* --catalog NAME (from the configuration file) */
} dc_cli_target;

/*
 * Open the catalog a command works on: --root, else --catalog NAME from the
 * configuration file, else $DELTACAT_ROOT, else the configuration's default
 * catalog, else ./.deltacat. `create` creates a missing catalog. Prints the
 * error and returns its exit code on failure.
 */
int dc_cli_open(const char *cmd, const dc_cli_target *t, bool create, dc_catalog **out);
/* Where the target is, for messages ("/data/lake", "catalog prod"). */
const char *dc_cli_target_name(const dc_cli_target *t);

/* ---- times (util.c) ---- */

/*
 * An ISO-8601 time: 2026-11-24 (its midnight UTC), 2026-11-24T10:00:00Z,
 * 2026-11-24 10:00:00.123+01:00 (' ' or 'T'; seconds and fraction optional;
 * Z, +HH:MM, +HHMM or +HH; no zone: UTC) as nanoseconds since the epoch.
 */
bool dc_cli_parse_time(const char *text, int64_t *ns);
/*
 * A point in the catalog's history: a version (an integer below 10^12),
 * nanoseconds since the epoch (an integer from 10^12) or an ISO-8601 time.
 * Exactly one of *version, *ns is set (> 0).
 */
bool dc_cli_parse_when(const char *text, int64_t *version, int64_t *ns);

/* Nanoseconds since the epoch as ISO-8601 UTC: 2026-11-24T10:00:00.123456789Z. */
const char *dc_cli_format_time(int64_t ns, char buf[48]);

/* ---- output (util.c) ---- */

/* Print `j` (stolen) as one compact JSON line on standard output. */
void dc_cli_put_json(json_t *j);
bool dc_cli_stdout_tty(void);

/* An aligned table of text cells: a header row, a rule, the rows. */
typedef struct dc_cli_grid dc_cli_grid;
/* `align`: one 'l' or 'r' per column (NULL: all left). */
dc_cli_grid *dc_cli_grid_new(int n_cols, const char *const *headers, const char *align);
void dc_cli_grid_add(dc_cli_grid *g, const char *const *cells); /* n_cols cells, copied */
int64_t dc_cli_grid_rows(const dc_cli_grid *g);
void dc_cli_grid_print(const dc_cli_grid *g, FILE *out);
void dc_cli_grid_free(dc_cli_grid *g);

/* Read a whole file ("-": standard input), NUL-terminated; NULL after printing
 * the error (its exit code in *code). Caller frees with free(). */
char *dc_cli_read_file(const char *path, size_t *len, int *code);

/* A number of bytes for people: "812 B", "1.4 MiB". */
const char *dc_cli_bytes(int64_t n, char buf[32]);

/* ---- progress bars (progress.c) ---- */

/* A bar on standard error while rows move: shown only when standard error is a
 * terminal (DELTACAT_PROGRESS=1 forces it, =0 turns it off). NULL (no bar) is
 * accepted everywhere. */
typedef struct dc_cli_progress dc_cli_progress;
bool dc_cli_progress_enabled(void);
dc_cli_progress *dc_cli_progress_start(const char *label, int64_t total_rows /* -1: unknown */);
/* A bar counting the bytes the process reads (its input files) against `total_bytes`,
 * redrawn by a thread of its own while the caller is busy in one long call. */
dc_cli_progress *dc_cli_progress_start_bytes(const char *label, int64_t total_bytes);
void dc_cli_progress_add(dc_cli_progress *p, int64_t rows);
void dc_cli_progress_done(dc_cli_progress *p); /* erases the bar and frees */
/* One line of the bar: "copy [#####.....]  50% 5.0k/10.0k rows, 2.1k rows/s" (bytes:
 * "write t [#####.....]  50% 1.0 MiB/2.0 MiB, 512.0 KiB/s"). */
void dc_cli_progress_format(char *buf, size_t cap, const char *label, int64_t done, int64_t total,
                            double secs, int width, bool bytes);
/* `in` (consumed) as a reader that counts the rows read into `p` (NULL: `in` itself). */
dc_status dc_cli_progress_reader(dc_reader **out, dc_reader *in, dc_cli_progress *p, dc_error *err);

int dc_cmd_convert(int argc, char **argv);
int dc_cmd_show(int argc, char **argv);
int dc_cmd_inspect(int argc, char **argv);
int dc_cmd_help(int argc, char **argv);
int dc_cmd_demo(int argc, char **argv);
int dc_cmd_init(int argc, char **argv);
int dc_cmd_write(int argc, char **argv);
int dc_cmd_read(int argc, char **argv);
int dc_cmd_history(int argc, char **argv);
int dc_cmd_namespace(int argc, char **argv);
int dc_cmd_table(int argc, char **argv);
int dc_cmd_version(int argc, char **argv);
int dc_cmd_catalog(int argc, char **argv);
int dc_cmd_gc(int argc, char **argv);
int dc_cmd_compact(int argc, char **argv);
int dc_cmd_txn(int argc, char **argv);
int dc_cmd_list(int argc, char **argv);
int dc_cmd_copy(int argc, char **argv);

#endif
