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

#endif
