/*
 * test_storage_options.c: storage options of catalogs (dc_catalog_options.storage_options)
 * and the "s3" settings of named catalogs in the configuration file, which reach the S3
 * backend and override the environment. Against a moto server started here; the
 * environment points at an endpoint that does not answer, so only settings that win
 * over it can reach moto.
 *
 * Without moto_server the test FAILS and says to run scripts/bootstrap.sh.
 */
#include "testutil.h"

#include "fs/s3_moto.h"

#include <deltacat/catalog.h>
#include <deltacat/table.h>

#include <sys/stat.h>

#define BUCKET "dc-storage"

static mt_server g_moto;
static char *g_dir;

static void assert_msg(const dc_error *e, const char *needle)
{
    if (!strstr(e->message, needle))
        fail_msg("expected \"%s\" in: %s", needle, e->message);
}

/* The environment: an endpoint that refuses connections and keys moto never saw. */
static void dead_environment(void)
{
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIAFROMTHEENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
    setenv("AWS_REGION", "eu-west-3", 1);
}

static void storage_options_are_checked_before_anything_is_created(void **state)
{
    (void)state;
    char root[1024];
    snprintf(root, sizeof root, "%s/local", g_dir);
    dc_catalog *c = NULL;
    dc_error e;
    const char *region[] = {"region", "eu-west-1", NULL};
    dc_catalog_options o = {.create = true, .storage_options = region};
    assert_int_equal(dc_catalog_open(&c, root, &o, &e), DC_EINVALID);
    assert_msg(&e, "storage option \"region\" applies to s3:// roots, not to ");
    struct stat st;
    assert_int_not_equal(stat(root, &st), 0); /* nothing created */
    const char *typo[] = {"region", "eu-west-1", "regoin", "x", NULL};
    o.storage_options = typo;
    assert_int_equal(dc_catalog_open(&c, "s3://" BUCKET "/x", &o, &e), DC_EINVALID);
    assert_msg(&e, "unknown storage option \"regoin\" (known: region, endpoint_url, profile, "
                   "access_key_id, secret_access_key, session_token)");
    const char *half[] = {"region", NULL};
    o.storage_options = half;
    assert_int_equal(dc_catalog_open(&c, "s3://" BUCKET "/x", &o, &e), DC_EINVALID);
    assert_msg(&e, "storage option \"region\" has no value");
    /* a bad endpoint: refused by name, the secret never shown */
    const char *bad[] = {"endpoint_url",
                         "ftp://nowhere",
                         "access_key_id",
                         "AKIAX",
                         "secret_access_key",
                         "TOPSECRETVALUE",
                         NULL};
    o.storage_options = bad;
    assert_int_equal(dc_catalog_open(&c, "s3://" BUCKET "/x", &o, &e), DC_EINVALID);
    assert_msg(&e, "ftp://nowhere");
    assert_null(strstr(e.message, "TOPSECRETVALUE"));
    /* none (NULL or {NULL}) is the plain open */
    const char *none[] = {NULL};
    o.storage_options = none;
    DC_ASSERT_OK(dc_catalog_open(&c, root, &o, &e));
    dc_catalog_close(c);
}

static void per_catalog_settings_override_the_environment(void **state)
{
    (void)state;
    dead_environment();
    const char *kv[] = {"endpoint_url",
                        g_moto.endpoint,
                        "region",
                        "us-east-1",
                        "access_key_id",
                        g_moto.key_id,
                        "secret_access_key",
                        g_moto.secret,
                        "profile",
                        "",
                        NULL};
    dc_catalog_options o = {.create = true, .storage_options = kv};
    dc_catalog *c = NULL;
    dc_error e;
    if (dc_catalog_open(&c, "s3://" BUCKET "/opts", &o, &e) != DC_OK)
        fail_msg("open with storage options: %s", e.message);
    assert_string_equal(dc_catalog_location(c), "s3://" BUCKET "/opts/");
    DC_ASSERT_OK(dc_namespace_create(c, NULL, "sales", NULL, &e));
    dc_catalog_close(c);
    o.create = false;
    DC_ASSERT_OK(dc_catalog_open(&c, "s3://" BUCKET "/opts", &o, &e));
    bool exists = false;
    DC_ASSERT_OK(dc_namespace_exists(c, NULL, "sales", &exists, &e));
    assert_true(exists);
    dc_catalog_close(c);
    /* the environment alone reaches nothing */
    assert_int_equal(dc_catalog_open(&c, "s3://" BUCKET "/opts", NULL, &e), DC_EIO);
    assert_msg(&e, "cannot connect to S3 endpoint http://127.0.0.1:1");
    assert_msg(&e, BUCKET);
    /* a missing bucket, through the options */
    assert_int_equal(dc_catalog_open(&c, "s3://no-such-bucket-st/x", &o, &e), DC_ENOTFOUND);
    assert_msg(&e, "no-such-bucket-st");
}

static char *write_config(const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return dc_strdup(path);
}

static void config_file_s3_settings_reach_the_backend(void **state)
{
    (void)state;
    dead_environment();
    char text[2048];
    snprintf(text, sizeof text,
             "{\"default\": \"aws\", \"catalogs\": {"
             "\"aws\": {\"root\": \"s3://" BUCKET "/conf\", \"s3\": {\"endpoint_url\": \"%s\", "
             "\"region\": \"us-east-1\", \"access_key_id\": \"%s\", \"secret_access_key\": "
             "\"%s\", \"session_token\": null}},"
             "\"typo\": {\"root\": \"s3://" BUCKET "/t\", \"s3\": {\"regoin\": \"x\"}},"
             "\"num\": {\"root\": \"s3://" BUCKET "/n\", \"s3\": {\"region\": 5}}}}",
             g_moto.endpoint, g_moto.key_id, g_moto.secret);
    char *path = write_config("conf.json", text);
    dc_catalog_config *cfg = NULL;
    dc_error e;
    DC_ASSERT_OK(dc_catalog_config_load(&cfg, path, &e));
    dc_catalog *c = NULL;
    dc_catalog_options o = {.create = true};
    if (dc_catalog_config_open(&c, cfg, "aws", &o, &e) != DC_OK)
        fail_msg("open catalog aws: %s", e.message);
    DC_ASSERT_OK(dc_namespace_create(c, NULL, "ns", NULL, &e));
    dc_catalog_close(c);
    DC_ASSERT_OK(dc_catalog_config_open(&c, cfg, NULL, NULL, &e)); /* the default */
    bool exists = false;
    DC_ASSERT_OK(dc_namespace_exists(c, NULL, "ns", &exists, &e));
    assert_true(exists);
    dc_catalog_close(c);
    /* the caller's options come after the file's: they win */
    const char *dead[] = {"endpoint_url", "http://127.0.0.1:1", NULL};
    o = (dc_catalog_options){.storage_options = dead};
    assert_int_equal(dc_catalog_config_open(&c, cfg, "aws", &o, &e), DC_EIO);
    assert_msg(&e, "catalog aws: ");
    assert_msg(&e, "http://127.0.0.1:1");
    assert_int_equal(dc_catalog_config_open(&c, cfg, "typo", NULL, &e), DC_EINVALID);
    assert_msg(&e, "catalog typo: unknown storage option \"regoin\"");
    assert_int_equal(dc_catalog_config_open(&c, cfg, "num", NULL, &e), DC_EINVALID);
    assert_msg(&e, "catalog num: the \"s3\" setting \"region\"");
    assert_msg(&e, "must be a string");
    dc_catalog_config_free(cfg);
    dc_free(path);
}

/* The config file's text into buf. */
static void read_text(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Load the config at `path`, set catalog aws's storage settings `kv`, save it, read it. */
static void set_storage_and_read(const char *path, const char *const *kv, char *buf, size_t size)
{
    dc_catalog_config *cfg = NULL;
    dc_error e;
    DC_ASSERT_OK(dc_catalog_config_load(&cfg, path, &e));
    DC_ASSERT_OK(dc_catalog_config_set_storage(cfg, "aws", kv, &e));
    DC_ASSERT_OK(dc_catalog_config_save(cfg, &e));
    dc_catalog_config_free(cfg);
    read_text(path, buf, size);
}

static void config_set_storage_edits_the_s3_member(void **state)
{
    (void)state;
    char *path = write_config("edit.json", "{\"catalogs\": {}}");
    dc_catalog_config *cfg = NULL;
    dc_error e;
    DC_ASSERT_OK(dc_catalog_config_load(&cfg, path, &e));
    DC_ASSERT_OK(dc_catalog_config_add(cfg, "aws", "s3://" BUCKET "/edit", &e));
    const char *kv[] = {"region", "eu-west-1", "endpoint_url", "http://e:9000", NULL};
    DC_ASSERT_OK(dc_catalog_config_set_storage(cfg, "aws", kv, &e));
    const char *typo[] = {"region", "x", "endpont_url", "y", NULL};
    assert_int_equal(dc_catalog_config_set_storage(cfg, "aws", typo, &e), DC_EINVALID);
    assert_msg(&e, "unknown storage option \"endpont_url\"");
    assert_int_equal(dc_catalog_config_set_storage(cfg, "gcp", kv, &e), DC_ENOTFOUND);
    assert_msg(&e, "no catalog named gcp");
    DC_ASSERT_OK(dc_catalog_config_save(cfg, &e));
    dc_catalog_config_free(cfg);
    char buf[4096];
    read_text(path, buf, sizeof buf);
    assert_non_null(strstr(buf, "\"s3\": {"));
    assert_non_null(strstr(buf, "\"region\": \"eu-west-1\""));
    assert_non_null(strstr(buf, "\"endpoint_url\": \"http://e:9000\""));
    assert_null(strstr(buf, "\"x\"")); /* the refused edit changed nothing */
    /* an empty value removes a setting; none left removes "s3" */
    const char *drop[] = {"endpoint_url", "", NULL};
    set_storage_and_read(path, drop, buf, sizeof buf);
    assert_null(strstr(buf, "endpoint_url"));
    assert_non_null(strstr(buf, "eu-west-1"));
    const char *drop2[] = {"region", NULL, NULL};
    set_storage_and_read(path, drop2, buf, sizeof buf);
    assert_null(strstr(buf, "\"s3\""));
    dc_free(path);
}

static int group_setup(void **state)
{
    (void)state;
    const char *vars[] = {"AWS_SESSION_TOKEN",   "AWS_DEFAULT_REGION",          "AWS_PROFILE",
                          "AWS_ENDPOINT_URL_S3", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"};
    for (size_t i = 0; i < DC_ARRAY_LEN(vars); i++)
        unsetenv(vars[i]);
    g_dir = tu_tmpdir();
    setenv("HOME", g_dir, 1);
    char why[1200];
    if (!mt_start(&g_moto, why, sizeof why)) {
        print_error("test_storage_options: %s\n", why);
        return -1;
    }
    if (!mt_create_bucket(&g_moto, BUCKET)) {
        print_error("test_storage_options: cannot create the bucket; see %s\n", g_moto.log);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mt_stop(&g_moto);
    tu_rmdir(g_dir);
    dc_free(g_dir);
    return 0;
}

int main(void)
{
    char where[1024];
    if (!mt_binary(where, sizeof where)) {
        printf("[  FAILED  ] test_storage_options: moto_server not found at %s: run "
               "scripts/bootstrap.sh, or set DC_MOTO_SERVER to a moto_server\n",
               where);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(storage_options_are_checked_before_anything_is_created),
        cmocka_unit_test(per_catalog_settings_override_the_environment),
        cmocka_unit_test(config_file_s3_settings_reach_the_backend),
        cmocka_unit_test(config_set_storage_edits_the_s3_member),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
