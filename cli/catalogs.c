/*
 * catalogs.c: which catalog a command works on (--root DIR, --catalog NAME,
 * $DELTACAT_ROOT, the configuration file's default, ./.deltacat) and the
 * `deltacat catalog` command that edits the configuration file.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *dc_cli_target_name(const dc_cli_target *t)
{
    static char buf[512];
    if (t->root)
        return t->root;
    if (t->catalog) {
        snprintf(buf, sizeof buf, "catalog %s", t->catalog);
        return buf;
    }
    const char *env = getenv("DELTACAT_ROOT");
    return env && *env ? env : ".deltacat";
}

int dc_cli_open(const char *cmd, const dc_cli_target *t, bool create, dc_catalog **c)
{
    dc_error e;
    dc_catalog_options o = {.create = create};
    dc_status rc;
    *c = NULL;
    if (t->root && t->catalog)
        return dc_cli_usage(cmd, "give --root or --catalog, not both");
    const char *env = getenv("DELTACAT_ROOT");
    if (t->root) {
        rc = dc_catalog_open(c, t->root, &o, &e);
    } else if (t->catalog || !(env && *env)) {
        /* a named catalog, or the configuration's default when there is one */
        dc_catalog_config *cfg = NULL;
        rc = dc_catalog_config_load(&cfg, NULL, &e);
        if (rc != DC_OK && (t->catalog || rc != DC_ENOTFOUND))
            return dc_cli_fail(rc, &e);
        if (t->catalog || (cfg && dc_catalog_config_default(cfg)))
            rc = dc_catalog_config_open(c, cfg, t->catalog, &o, &e);
        else
            rc = dc_catalog_open_default(c, &o, &e);
        dc_catalog_config_free(cfg);
    } else {
        rc = dc_catalog_open_default(c, &o, &e);
    }
    if (rc == DC_ENOTFOUND && !create && !t->catalog) {
        fprintf(stderr, "deltacat: error: %s\n  (create one with 'deltacat init%s%s')\n", e.message,
                t->root ? " --root " : "", t->root ? t->root : "");
        return DC_EXIT_NOTFOUND;
    }
    return rc == DC_OK ? DC_EXIT_OK : dc_cli_fail(rc, &e);
}

/* ---- deltacat catalog ---- */


/* ROOT as stored: local paths made absolute (the file may be read from anywhere). */
static char *absolute_root(const char *root)
{
    if (strstr(root, "://") || root[0] == '/')
        return strdup(root);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    size_t n = strlen(cwd) + strlen(root) + 2;
    char *out = malloc(n);
    if (!out)
        return NULL;
    /* drop a leading "./" */
    while (root[0] == '.' && root[1] == '/')
        root += 2;
    snprintf(out, n, "%s/%s", cwd, root);
    return out;
}

int dc_cmd_catalog(int argc, char **argv)
{
    enum { OPT_REGION = 1000, OPT_ENDPOINT, OPT_PROFILE };
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"default", no_argument, NULL, 'd'},
                                         {"init", no_argument, NULL, 'i'},
                                         {"region", required_argument, NULL, OPT_REGION},
                                         {"endpoint-url", required_argument, NULL, OPT_ENDPOINT},
                                         {"profile", required_argument, NULL, OPT_PROFILE},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    bool json = false, make_default = false, init = false;
    const char *storage[7] = {NULL}; /* key, value pairs for the "s3" settings */
    int n_storage = 0;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (ch) {
        case 'j': json = true; break;
        case 'd': make_default = true; break;
        case 'i': init = true; break;
        case OPT_REGION:
        case OPT_ENDPOINT:
        case OPT_PROFILE: {
            const char *key = ch == OPT_REGION     ? "region"
                              : ch == OPT_ENDPOINT ? "endpoint_url"
                                                   : "profile";
            int at = n_storage;
            for (int i = 0; i < n_storage; i += 2)
                if (!strcmp(storage[i], key))
                    at = i; /* given twice: the last wins */
            storage[at] = key;
            storage[at + 1] = optarg;
            if (at == n_storage)
                n_storage += 2;
            break;
        }
        case 'h': return dc_cmd_help(2, (char *[]){"help", "catalog", NULL});
        default: return dc_cli_usage("catalog", "unknown option");
        }
    }
    const char *sub = optind < argc ? argv[optind] : "list";
    int nargs = argc - optind - 1;
    char **args = argv + optind + 1;
    bool list = !strcmp(sub, "list"), add = !strcmp(sub, "add"), rm = !strcmp(sub, "remove"),
         dflt = !strcmp(sub, "default");
    if (!list && !add && !rm && !dflt)
        return dc_cli_usage("catalog", "unknown subcommand \"%s\" (list, add, remove, default)",
                            sub);
    if ((list && nargs > 0) || (add && nargs != 2) || ((rm || dflt) && nargs != 1))
        return dc_cli_usage("catalog", "%s takes %s", sub,
                            list  ? "no arguments"
                            : add ? "a name and a root: catalog add NAME ROOT"
                                  : "a name");
    if (n_storage > 0 && (!add || strncmp(args[1], "s3://", 5) != 0))
        return dc_cli_usage("catalog",
                            "--region, --endpoint-url and --profile are settings of an s3:// "
                            "root: catalog add NAME s3://BUCKET/PREFIX --region R");
    dc_error e;
    dc_catalog_config *cfg = NULL;
    dc_status rc = dc_catalog_config_load(&cfg, NULL, &e);
    if (rc != DC_OK)
        return dc_cli_fail(rc, &e);
    int code = DC_EXIT_OK;
    if (list) {
        const char *d = dc_catalog_config_default(cfg);
        if (json) {
            json_t *arr = json_array();
            for (int64_t i = 0; i < dc_catalog_config_count(cfg); i++) {
                const char *n = dc_catalog_config_name(cfg, i);
                json_array_append_new(arr, json_pack("{s:s, s:s, s:b}", "name", n, "root",
                                                     dc_catalog_config_root(cfg, i), "default",
                                                     d && !strcmp(d, n)));
            }
            dc_cli_put_json(
                json_pack("{s:s, s:o}", "config", dc_catalog_config_file(cfg), "catalogs", arr));
        } else if (dc_catalog_config_count(cfg) == 0) {
            printf("no catalogs in %s (add one with 'deltacat catalog add NAME ROOT')\n",
                   dc_catalog_config_file(cfg));
        } else {
            dc_cli_grid *g =
                dc_cli_grid_new(3, (const char *const[]){"name", "root", "default"}, "lll");
            for (int64_t i = 0; i < dc_catalog_config_count(cfg); i++) {
                const char *n = dc_catalog_config_name(cfg, i);
                dc_cli_grid_add(g, (const char *const[]){n, dc_catalog_config_root(cfg, i),
                                                         d && !strcmp(d, n) ? "*" : ""});
            }
            dc_cli_grid_print(g, stdout);
            dc_cli_grid_free(g);
        }
        goto done;
    }
    if (add) {
        char *root = absolute_root(args[1]);
        if (!root) {
            fprintf(stderr, "deltacat: error: cannot resolve %s: %s\n", args[1], strerror(errno));
            code = DC_EXIT_IO;
            goto done;
        }
        rc = dc_catalog_config_add(cfg, args[0], root, &e);
        if (rc == DC_OK && n_storage > 0)
            rc = dc_catalog_config_set_storage(cfg, args[0], storage, &e);
        if (rc == DC_OK && make_default)
            rc = dc_catalog_config_set_default(cfg, args[0], &e);
        if (rc == DC_OK && init) { /* create the catalog there too, with its settings */
            dc_catalog *c = NULL;
            dc_catalog_options o = {.create = true};
            rc = dc_catalog_config_open(&c, cfg, args[0], &o, &e);
            dc_catalog_close(c);
        }
        free(root);
    } else if (rm) {
        rc = dc_catalog_config_remove(cfg, args[0], &e);
    } else {
        rc = dc_catalog_config_set_default(cfg, args[0], &e);
    }
    if (rc == DC_OK)
        rc = dc_catalog_config_save(cfg, &e);
    if (rc != DC_OK)
        code = dc_cli_fail(rc, &e);
    else if (!json)
        printf("%s catalog %s in %s\n",
               add  ? "added"
               : rm ? "removed"
                    : "default is",
               args[0], dc_catalog_config_file(cfg));
    else
        dc_cli_put_json(json_pack("{s:s, s:s, s:s}", "action", sub, "name", args[0], "config",
                                  dc_catalog_config_file(cfg)));
done:
    dc_catalog_config_free(cfg);
    return code;
}
