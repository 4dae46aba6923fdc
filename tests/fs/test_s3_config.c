/*
 * test_s3_config.c: where an S3 filesystem's credentials, region and endpoint come from
 * (src/fs/s3_config.c): the options, the environment, ~/.aws/credentials and
 * ~/.aws/config (or the files AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE name), in the
 * AWS SDKs' order. Each test runs with a temporary HOME and no AWS_* variable set.
 */
#include "testutil.h"

#include "fs/s3_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static const char *const AWS_VARS[] = {
    "AWS_ACCESS_KEY_ID",   "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",   "AWS_SECURITY_TOKEN",
    "AWS_REGION",          "AWS_DEFAULT_REGION",
    "AWS_PROFILE",         "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3", "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",     "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
};

typedef struct fx {
    char *home;
    char cred[600], conf[600];
} fx;

static int setup(void **state)
{
    fx *f = dc_calloc(1, sizeof *f);
    f->home = tu_tmpdir();
    setenv("HOME", f->home, 1);
    for (size_t i = 0; i < DC_ARRAY_LEN(AWS_VARS); i++)
        unsetenv(AWS_VARS[i]);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/.aws", f->home);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(f->cred, sizeof f->cred, "%s/credentials", dir);
    snprintf(f->conf, sizeof f->conf, "%s/config", dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    tu_rmdir(f->home);
    dc_free(f->home);
    dc_free(f);
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static dc_s3_config resolve_ok(const dc_fs_s3_options *o)
{
    dc_s3_config c;
    dc_error e;
    if (dc_s3__config_resolve(&c, o, &e) != DC_OK)
        fail_msg("resolve: %s", e.message);
    return c;
}

static void resolve_fails(const dc_fs_s3_options *o, const char *needle, const char *secret)
{
    dc_s3_config c;
    dc_error e;
    assert_int_equal(dc_s3__config_resolve(&c, o, &e), DC_EINVALID);
    if (!strstr(e.message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e.message, needle);
    if (secret)
        assert_null(strstr(e.message, secret));
    assert_null(c.access_key_id); /* nothing left to free */
}

static void environment_credentials_come_first(void **state)
{
    fx *f = *state;
    write_file(f->cred, "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = "
                        "filesecret\n");
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SESSION_TOKEN", "envtoken", 1);
    dc_s3_config c = resolve_ok(NULL);
    assert_string_equal(c.access_key_id, "ENVKEY");
    assert_string_equal(c.secret_access_key, "envsecret");
    assert_string_equal(c.session_token, "envtoken");
    assert_non_null(strstr(c.credentials_source, "the environment (AWS_ACCESS_KEY_ID"));
    assert_non_null(strstr(c.credentials_source, "AWS_SESSION_TOKEN"));
    assert_string_equal(c.region, "us-east-1");
    assert_string_equal(c.region_source, "the default");
    assert_null(c.endpoint);
    assert_false(c.path_style);
    dc_s3__config_free(&c);
    /* the options beat the environment; a token only with its own pair */
    dc_fs_s3_options o = {.access_key_id = "OPTKEY", .secret_access_key = "optsecret"};
    c = resolve_ok(&o);
    assert_string_equal(c.access_key_id, "OPTKEY");
    assert_null(c.session_token);
    assert_string_equal(c.credentials_source, "the options");
    dc_s3__config_free(&c);
    /* half a pair is an error, not a mix */
    o.secret_access_key = NULL;
    resolve_fails(&o, "the S3 options give an access key ID but no secret access key", NULL);
    unsetenv("AWS_SECRET_ACCESS_KEY");
    resolve_fails(NULL, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not", NULL);
    unsetenv("AWS_ACCESS_KEY_ID");
    setenv("AWS_SECRET_ACCESS_KEY", "lonelysecret", 1);
    resolve_fails(NULL, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
                  "lonelysecret");
}

static void profiles_come_from_the_credentials_and_config_files(void **state)
{
    fx *f = *state;
    write_file(f->cred, "# comment\n"
                        "[default]\n"
                        "aws_access_key_id=DEFKEY\n"
                        "aws_secret_access_key=defsecret\n"
                        "\n"
                        "[dev]\r\n"
                        "  ; an indented comment\r\n"
                        "AWS_Access_Key_Id = DEVKEY   \r\n"
                        "aws_secret_access_key = dev/secret+with=signs\r\n"
                        "aws_session_token = devtoken\r\n");
    write_file(f->conf, "[default]\n"
                        "region = eu-west-3\n"
                        "[profile   dev]\n"
                        "region = ap-northeast-1\n"
                        "s3 =\n"
                        "  region = not-this-one\n"
                        "  addressing_style = path\n"
                        "endpoint_url = http://localhost:9000/\n"
                        "[profile other]\n"
                        "region = sa-east-1\n"
                        "aws_access_key_id = CONFKEY\n"
                        "aws_secret_access_key = confsecret\n");
    dc_s3_config c = resolve_ok(NULL);
    assert_string_equal(c.access_key_id, "DEFKEY");
    assert_string_equal(c.profile, "default");
    assert_string_equal(c.region, "eu-west-3");
    assert_non_null(strstr(c.region_source, "profile \"default\" in "));
    assert_non_null(strstr(c.region_source, f->conf));
    assert_null(c.endpoint);
    dc_s3__config_free(&c);
    setenv("AWS_PROFILE", "dev", 1);
    c = resolve_ok(NULL);
    assert_string_equal(c.access_key_id, "DEVKEY");
    assert_string_equal(c.secret_access_key, "dev/secret+with=signs");
    assert_string_equal(c.session_token, "devtoken");
    assert_string_equal(c.region, "ap-northeast-1"); /* not the s3 sub-section's */
    assert_string_equal(c.endpoint, "http://localhost:9000");
    assert_true(c.path_style);
    assert_non_null(strstr(c.credentials_source, "profile \"dev\" in "));
    assert_non_null(strstr(c.credentials_source, f->cred));
    assert_non_null(strstr(c.endpoint_source, "profile \"dev\""));
    dc_s3__config_free(&c);
    /* credentials in the config file; the options pick the profile over AWS_PROFILE */
    dc_fs_s3_options o = {.profile = "other"};
    c = resolve_ok(&o);
    assert_string_equal(c.access_key_id, "CONFKEY");
    assert_string_equal(c.region, "sa-east-1");
    assert_non_null(strstr(c.credentials_source, f->conf));
    dc_s3__config_free(&c);
    /* the environment's region and endpoint beat the profile's */
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    c = resolve_ok(NULL);
    assert_string_equal(c.region, "us-west-1");
    assert_string_equal(c.region_source, "the environment (AWS_DEFAULT_REGION)");
    dc_s3__config_free(&c);
    setenv("AWS_REGION", "us-west-2", 1);
    setenv("AWS_ENDPOINT_URL", "https://s3.example.com", 1);
    c = resolve_ok(NULL);
    assert_string_equal(c.region, "us-west-2");
    assert_string_equal(c.endpoint, "https://s3.example.com");
    assert_string_equal(c.endpoint_source, "the environment (AWS_ENDPOINT_URL)");
    dc_s3__config_free(&c);
    setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4566", 1);
    c = resolve_ok(NULL);
    assert_string_equal(c.endpoint, "http://127.0.0.1:4566");
    dc_s3__config_free(&c);
    o = (dc_fs_s3_options){.region = "eu-north-1", .endpoint = "http://10.0.0.1:1234//"};
    c = resolve_ok(&o);
    assert_string_equal(c.region, "eu-north-1");
    assert_string_equal(c.endpoint, "http://10.0.0.1:1234");
    assert_string_equal(c.endpoint_source, "the options");
    dc_s3__config_free(&c);
    /* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: AWS itself, unless the options say otherwise */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    c = resolve_ok(NULL);
    assert_null(c.endpoint);
    assert_false(c.path_style);
    dc_s3__config_free(&c);
}

static void files_named_by_the_environment_are_used(void **state)
{
    fx *f = *state;
    char cred[700], conf[700];
    snprintf(cred, sizeof cred, "%s/elsewhere-credentials", f->home);
    snprintf(conf, sizeof conf, "%s/elsewhere-config", f->home);
    write_file(f->cred, "[default]\naws_access_key_id = HOMEKEY\naws_secret_access_key = x\n");
    write_file(cred, "[default]\naws_access_key_id = OTHERKEY\naws_secret_access_key = y\n");
    write_file(conf, "[default]\nregion = me-south-1\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    setenv("AWS_CONFIG_FILE", conf, 1);
    dc_s3_config c = resolve_ok(NULL);
    assert_string_equal(c.access_key_id, "OTHERKEY");
    assert_string_equal(c.region, "me-south-1");
    dc_s3__config_free(&c);
    /* missing files are no error; "[profile default]" counts as the default */
    snprintf(conf, sizeof conf, "%s/none", f->home);
    setenv("AWS_CONFIG_FILE", conf, 1);
    c = resolve_ok(NULL);
    assert_string_equal(c.region, "us-east-1");
    dc_s3__config_free(&c);
    write_file(f->conf, "[profile default]\nregion = af-south-1\n");
    unsetenv("AWS_CONFIG_FILE");
    c = resolve_ok(NULL);
    assert_string_equal(c.region, "af-south-1");
    dc_s3__config_free(&c);
    /* no HOME and no files: only the environment */
    unsetenv("HOME");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    resolve_fails(NULL, "no AWS credentials found", NULL);
    setenv("HOME", f->home, 1);
}

static void missing_profiles_and_credentials_are_explained(void **state)
{
    fx *f = *state;
    resolve_fails(NULL,
                  "no AWS credentials found: set AWS_ACCESS_KEY_ID and "
                  "AWS_SECRET_ACCESS_KEY",
                  NULL);
    resolve_fails(NULL, f->cred, NULL);
    setenv("AWS_PROFILE", "prod", 1);
    resolve_fails(NULL, "AWS profile \"prod\" (from AWS_PROFILE) is in neither", NULL);
    resolve_fails(NULL, f->conf, NULL);
    /* ... unless nothing is taken from it */
    dc_fs_s3_options given = {.access_key_id = "K", .secret_access_key = "S"};
    dc_s3_config c = resolve_ok(&given);
    assert_string_equal(c.region, "us-east-1");
    dc_s3__config_free(&c);
    write_file(f->cred, "[prod]\naws_access_key_id = ONLYKEY\n");
    resolve_fails(NULL, "profile \"prod\" in", NULL);
    resolve_fails(NULL, "has aws_access_key_id but no aws_secret_access_key", NULL);
    write_file(f->cred, "[prod]\nregion = x\n");
    resolve_fails(NULL, "no AWS credentials found", NULL);
    resolve_fails(NULL, "profile \"prod\"", NULL);
    dc_fs_s3_options o = {.profile = "bad]name"};
    resolve_fails(&o, "is not valid", NULL);
}

static void bad_regions_endpoints_and_secrets_are_refused(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "K", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret-with\nnewline", 1);
    resolve_fails(NULL, "contain a control character", "secret-with");
    setenv("AWS_SECRET_ACCESS_KEY", "fine-secret", 1);
    setenv("AWS_REGION", "us-east-1:evil", 1);
    resolve_fails(NULL, "is not a region name", NULL);
    resolve_fails(NULL, "the environment (AWS_REGION)", NULL);
    unsetenv("AWS_REGION");
    const char *bad[] = {"localhost:9000", "ftp://x",    "http://",
                         "http:///path",   "http://a b", "http://h/?q"};
    for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++) {
        dc_fs_s3_options o = {.endpoint = bad[i]};
        resolve_fails(&o, "is not a URL like http://host:port", NULL);
    }
    setenv("AWS_ENDPOINT_URL", "nope", 1);
    resolve_fails(NULL, "the environment (AWS_ENDPOINT_URL)", NULL);
    unsetenv("AWS_ENDPOINT_URL");
    dc_s3_config c = resolve_ok(NULL);
    assert_string_equal(c.secret_access_key, "fine-secret");
    dc_s3__config_free(&c);
    assert_null(c.secret_access_key); /* wiped and cleared */
}

static void ini_lookup_rules(void **state)
{
    (void)state;
    const char *text = "[a]\nk = 1\n[b]\nk=2\n  k = nested\nk = 3\n[ c ]\nempty =\n"
                       "; k = commented\n[a]\nk = again\n";
    char *v = NULL;
    bool found;
    DC_ASSERT_OK(dc_s3__ini_get(text, (int64_t)strlen(text), "a", "k", &v, &found, NULL));
    assert_true(found);
    assert_string_equal(v, "again"); /* a later line wins */
    dc_free(v);
    DC_ASSERT_OK(dc_s3__ini_get(text, (int64_t)strlen(text), "b", "K", &v, &found, NULL));
    assert_string_equal(v, "3");
    dc_free(v);
    DC_ASSERT_OK(dc_s3__ini_get(text, (int64_t)strlen(text), "c", "empty", &v, &found, NULL));
    assert_true(found);
    assert_string_equal(v, "");
    dc_free(v);
    DC_ASSERT_OK(dc_s3__ini_get(text, (int64_t)strlen(text), "c", "k", &v, &found, NULL));
    assert_true(found);
    assert_null(v);
    DC_ASSERT_OK(dc_s3__ini_get(text, (int64_t)strlen(text), "d", "k", &v, &found, NULL));
    assert_false(found);
    assert_null(v);
    /* no trailing newline, a truncated header */
    const char *t2 = "[x]\nk = last";
    DC_ASSERT_OK(dc_s3__ini_get(t2, (int64_t)strlen(t2), "x", "k", &v, &found, NULL));
    assert_string_equal(v, "last");
    dc_free(v);
    const char *t3 = "[x\nk = v";
    DC_ASSERT_OK(dc_s3__ini_get(t3, (int64_t)strlen(t3), "x", "k", &v, &found, NULL));
    assert_false(found);
    assert_null(v);
}

static void allocation_failures_fail_cleanly(void **state)
{
    fx *f = *state;
    write_file(f->cred, "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = s\n"
                        "aws_session_token = t\n");
    write_file(f->conf, "[profile dev]\nregion = eu-west-1\nendpoint_url = http://h:1\n");
    setenv("AWS_PROFILE", "dev", 1);
    int failures = 0;
    for (int64_t k = 0; k < 80; k++) {
        dc_s3_config c;
        dc_error e;
        dc_alloc_fail_after(k);
        dc_status rc = dc_s3__config_resolve(&c, NULL, &e);
        dc_alloc_fail_after(-1);
        assert_true(rc == DC_OK || rc == DC_ENOMEM);
        if (rc == DC_OK) {
            assert_string_equal(c.access_key_id, "DEVKEY");
            assert_string_equal(c.endpoint, "http://h:1");
        } else {
            failures++;
            assert_null(c.access_key_id);
        }
        dc_s3__config_free(&c);
    }
    assert_true(failures > 0);
}

static void s3_urls_are_checked_before_any_request(void **state)
{
    (void)state;
    setenv("AWS_ACCESS_KEY_ID", "K", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "S", 1);
    dc_fs *fs = NULL;
    dc_error e;
    /* no endpoint and no_check: nothing is sent, AWS is addressed */
    dc_fs_s3_options o = {.no_check = true};
    DC_ASSERT_OK(dc_fs_s3_open(&fs, "s3://my.dotted.bucket/a/b/", &o, &e));
    assert_string_equal(fs->url, "s3://my.dotted.bucket/a/b");
    dc_fs_unref(fs);
    assert_int_equal(dc_fs_open(&fs, "s3://", &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "no bucket name"));
    assert_int_equal(dc_fs_open(&fs, "s3://b/" DC_FS_TMP_PREFIX "x", &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "reserved for temporaries"));
    o.part_size = -1;
    assert_int_equal(dc_fs_s3_open(&fs, "s3://b", &o, &e), DC_EINVALID);
    assert_null(fs);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(environment_credentials_come_first),
        T(profiles_come_from_the_credentials_and_config_files),
        T(files_named_by_the_environment_are_used),
        T(missing_profiles_and_credentials_are_explained),
        T(bad_regions_endpoints_and_secrets_are_refused),
        T(ini_lookup_rules),
        T(allocation_failures_fail_cleanly),
        T(s3_urls_are_checked_before_any_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
