/*
 * cmd_demo.c: `deltacat demo`, the tour the README's first command ends
 * with. It grows with the engine: the file formats (CSV in, JSON Lines and
 * Parquet out, type inference, aligned tables), then the catalog quick start of
 * seed 000 through the table API: a table written, appended to with a new
 * column, read with a filter, and read as it was before (time travel).
 */
#include "cli.h"

#include <deltacat/table.h>

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "deltacat: error: cannot create %s: %s\n", path, strerror(errno));
        return DC_EXIT_IO;
    }
    fputs(text, f);
    if (fclose(f) != 0) {
        fprintf(stderr, "deltacat: error: cannot write %s: %s\n", path, strerror(errno));
        return DC_EXIT_IO;
    }
    return DC_EXIT_OK;
}

static int mkdirs(const char *dir)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return (mkdir(buf, 0755) == 0 || errno == EEXIST) ? 0 : -1;
}

static int show(const char *path, const char *extra)
{
    char *argv[4] = {"show", (char *)path, NULL, NULL};
    int argc = 2;
    if (extra)
        argv[argc++] = (char *)extra;
    return dc_cmd_show(argc, argv);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Print every row a reader gives as an aligned table. */
static int print_rows(dc_reader *r)
{
    dc_error e;
    dc_batch **bs = NULL;
    int n = 0, code = DC_EXIT_OK;
    for (;;) {
        dc_batch *b = NULL;
        dc_status rc = dc_reader_next(r, &b, &e);
        if (rc != DC_OK) {
            code = dc_cli_fail(rc, &e);
            break;
        }
        if (!b)
            break;
        dc_batch **nb = realloc(bs, sizeof *bs * (size_t)(n + 1));
        if (!nb) {
            dc_batch_unref(b);
            code = DC_EXIT_ERROR;
            break;
        }
        bs = nb;
        bs[n++] = b;
    }
    if (code == DC_EXIT_OK)
        dc_cli_print_table(stdout, dc_reader_schema(r), bs, n, -1, false);
    for (int i = 0; i < n; i++)
        dc_batch_unref(bs[i]);
    free(bs);
    return code;
}

static int read_and_print(dc_catalog *c, dc_txn *t, const char *filter)
{
    dc_error e;
    dc_reader *r = NULL;
    dc_table_read_options o;
    dc_table_read_options_init(&o);
    o.filter = filter;
    dc_status rc = dc_table_read(c, t, NULL, "users", &o, &r, &e);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &e);
    int code = print_rows(r);
    dc_reader_free(r);
    return code;
}

/* Seed 000's quick start: a catalog, a table, an append with a new column, time travel. */
static int catalog_tour(const char *dir, const char *users, const char *more)
{
    dc_error e;
    dc_status rc;
    dc_catalog *c = NULL;
    dc_txn *old = NULL;
    int code = DC_EXIT_OK;
    char root[4096];
    snprintf(root, sizeof root, "%s/catalog", dir);
    /* a fresh catalog each run: the demo's own folder only */
    if (nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT) {
        fprintf(stderr, "deltacat: error: cannot clear %s: %s\n", root, strerror(errno));
        return DC_EXIT_IO;
    }
    dc_catalog_options co = {.create = true};
    if ((rc = dc_catalog_open(&c, root, &co, &e)) != DC_OK)
        return dc_cli_fail(rc, &e);
    printf("\n5. A catalog in %s: table \"users\" created from %s\n"
           "   (dc_table_write_files, write mode AUTO):\n\n",
           root, users);
    dc_table_write_options wo;
    dc_table_write_options_init(&wo);
    dc_write_result res;
    const char *first[] = {users};
    if ((rc = dc_table_write_files(c, NULL, NULL, "users", first, 1, &wo, &res, &e)) != DC_OK) {
        code = dc_cli_fail(rc, &e);
        goto done;
    }
    int64_t v1 = res.commit_version;
    if ((code = read_and_print(c, NULL, NULL)))
        goto done;
    printf("\n6. %s appended (mode APPEND): the new column joins the schema, older rows\n"
           "   show null, rows come back in write order:\n\n",
           more);
    wo.mode = DC_WRITE_APPEND;
    const char *second[] = {more};
    if ((rc = dc_table_write_files(c, NULL, NULL, "users", second, 1, &wo, &res, &e)) != DC_OK) {
        code = dc_cli_fail(rc, &e);
        goto done;
    }
    if ((code = read_and_print(c, NULL, NULL)))
        goto done;
    const char *filter = "{\"and\": [{\"gte\": [\"age\", 4]}, {\"is_null\": [\"city\"]}]}";
    printf("\n7. Read with a filter %s:\n\n", filter);
    if ((code = read_and_print(c, NULL, filter)))
        goto done;
    printf("\n8. Time travel: the table as of catalog version %lld, before the append:\n\n",
           (long long)v1);
    dc_txn_options to = {.as_of_version = v1};
    if ((rc = dc_txn_begin(&old, c, &to, &e)) != DC_OK) {
        code = dc_cli_fail(rc, &e);
        goto done;
    }
    code = read_and_print(c, old, NULL);
done:
    dc_txn_abort(old);
    dc_catalog_close(c);
    return code;
}

int dc_cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    const char *dir = ".deltacat/demo";
    int c, code;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (c == 'd')
            dir = optarg;
        else if (c == 'h')
            return dc_cmd_help(2, (char *[]){"help", "demo", NULL});
        else
            return dc_cli_usage("demo", "unknown option");
    }
    if (mkdirs(dir) != 0) {
        fprintf(stderr, "deltacat: error: cannot create %s: %s\n", dir, strerror(errno));
        return DC_EXIT_IO;
    }
    char users[4096], more[4096], jsonl[4096];
    snprintf(users, sizeof users, "%s/users.csv", dir);
    snprintf(more, sizeof more, "%s/more_users.csv", dir);
    snprintf(jsonl, sizeof jsonl, "%s/users.jsonl", dir);

    printf("deltacat %s demo, in %s\n\n", dc_version(), dir);
    if ((code = write_text(users, "id,name,age\n1,Cheshire,3\n2,Dinah,7\n3,Felix,5\n")))
        return code;
    if ((code = write_text(more, "id,name,age,city\n4,Tom,2,Hollywood\n5,Simpkin,12,Gloucester\n"
                                 "6,Delta,4,\"San Francisco\"\n")))
        return code;

    printf("1. A CSV file, read with inferred types (deltacat show %s):\n\n", users);
    if ((code = show(users, NULL)))
        return code;
    printf("\n   Its schema (deltacat show --schema %s):\n\n", users);
    if ((code = show(users, "--schema")))
        return code;

    printf("\n2. Converted to JSON Lines (deltacat convert %s %s):\n\n", users, jsonl);
    fflush(stdout);
    char *cargv[] = {"convert", users, jsonl, NULL};
    if ((code = dc_cmd_convert(3, cargv)))
        return code;
    FILE *f = fopen(jsonl, "r");
    if (f) {
        char line[1024];
        while (fgets(line, sizeof line, f))
            printf("   %s", line);
        fclose(f);
    }
    printf("\n3. More users, with a new column (deltacat show %s):\n\n", more);
    if ((code = show(more, NULL)))
        return code;
    char parquet[4096];
    snprintf(parquet, sizeof parquet, "%s/more_users.parquet", dir);
    printf("\n4. As Parquet, and read back (deltacat convert %s %s; deltacat show %s):\n\n", more,
           parquet, parquet);
    fflush(stdout);
    char *pargv[] = {"convert", more, parquet, NULL};
    if ((code = dc_cmd_convert(3, pargv)))
        return code;
    if ((code = show(parquet, NULL)))
        return code;
    if ((code = catalog_tour(dir, users, more)))
        return code;
    printf("\nNext: 'deltacat help' lists the commands ('deltacat inspect %s' shows the\n"
           "Parquet file's row groups and statistics); include/deltacat/table.h is the C API\n"
           "of the tour above.\n",
           parquet);
    return DC_EXIT_OK;
}
