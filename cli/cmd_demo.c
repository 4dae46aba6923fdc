/*
 * cmd_demo.c: `deltacat demo`, the tour the README's first command ends
 * with. It grows with the engine: today it shows the file formats (CSV in,
 * JSON Lines and Parquet out, type inference, aligned tables); the catalog quick
 * start of seed 000 joins when tables land.
 */
#include "cli.h"

#include <errno.h>
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
    printf("\n4. As Parquet, and read back (deltacat convert %s %s; deltacat show %s):\n\n",
           more, parquet, parquet);
    fflush(stdout);
    char *pargv[] = {"convert", more, parquet, NULL};
    if ((code = dc_cmd_convert(3, pargv)))
        return code;
    if ((code = show(parquet, NULL)))
        return code;
    printf("\nNext: 'deltacat help' lists the commands ('deltacat inspect %s' shows the\n"
           "Parquet file's row groups and statistics). Tables, transactions and time travel\n"
           "come with the catalog.\n",
           parquet);
    return DC_EXIT_OK;
}
