/*
 * s3_moto.h: a moto S3 server for the tests of the S3 backend (test_s3.c, and the S3
 * rows of the conformance suite in test_fs.c). Header-only (static functions), so each
 * test program that includes it gets its own copy.
 *
 * moto_server comes from $DC_MOTO_SERVER, else DC_SOURCE_DIR/build/venv/bin/moto_server
 * (scripts/bootstrap.sh installs tests/oracles/requirements.txt there). mt_start forks and
 * execs it on a free port of 127.0.0.1 (it dies with the test process: PR_SET_PDEATHSIG),
 * waits until it answers; mt_stop kills it. mt_enable_auth creates an IAM user and key
 * and turns moto's authentication on, so that every later request must be signed with
 * that key: wrong keys and secrets are then refused as S3 refuses them.
 */
#ifndef DC_TEST_S3_MOTO_H
#define DC_TEST_S3_MOTO_H

#include "core/core_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct mt_server {
    pid_t pid;
    int port;
    char endpoint[64]; /* http://127.0.0.1:PORT */
    char log[256];
    char key_id[64], secret[128]; /* signing credentials (IAM ones after mt_enable_auth) */
} mt_server;

/* The moto_server to run, or NULL (and `where` says where it was looked for). */
static const char *mt_binary(char *where, size_t cap)
{
    static char path[1024];
    const char *env = getenv("DC_MOTO_SERVER");
    if (env && env[0])
        snprintf(path, sizeof path, "%s", env);
    else
        snprintf(path, sizeof path, "%s/build/venv/bin/moto_server", DC_SOURCE_DIR);
    snprintf(where, cap, "%s", path);
    return access(path, X_OK) == 0 ? path : NULL;
}

static int mt_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

static size_t mt_collect(char *p, size_t size, size_t n, void *user)
{
    dc_bytes *b = user;
    if (b)
        dc_bytes_append(b, p, (int64_t)(size * n));
    return size * n;
}

/*
 * One request to the server: signed with SigV4 for `service` ("s3", "iam") when id is not
 * NULL. Returns the HTTP status (0: no answer); the body is appended to `out` (may be
 * NULL).
 */
static long mt_http(const mt_server *m, const char *method, const char *path, const char *body,
                    const char *ctype, const char *service, const char *id, const char *secret,
                    dc_bytes *out)
{
    CURL *h = curl_easy_init();
    char url[2048], sig[64], ct[128];
    snprintf(url, sizeof url, "%s%s", m->endpoint, path);
    struct curl_slist *hs = curl_slist_append(NULL, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    snprintf(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "application/octet-stream");
    hs = curl_slist_append(hs, ct);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mt_collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, 0L);
    }
    if (id) {
        snprintf(sig, sizeof sig, "aws:amz:us-east-1:%s", service);
        curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sig);
        curl_easy_setopt(h, CURLOPT_USERNAME, id);
        curl_easy_setopt(h, CURLOPT_PASSWORD, secret);
    }
    long status = 0;
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(h);
    return status;
}

/* Start moto; false (with the reason in `why`) when it is missing or does not answer. */
static bool mt_start(mt_server *m, char *why, size_t cap)
{
    char where[1024];
    const char *bin = mt_binary(where, sizeof where);
    memset(m, 0, sizeof *m);
    if (!bin) {
        snprintf(why, cap,
                 "moto_server not found at %s: run scripts/bootstrap.sh (it installs "
                 "tests/oracles/requirements.txt into build/venv), or set DC_MOTO_SERVER",
                 where);
        return false;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(m->key_id, sizeof m->key_id, "AKIAMOTOTEST");
    snprintf(m->secret, sizeof m->secret, "moto-any-secret");
    for (int tries = 0; tries < 3; tries++) {
        m->port = mt_free_port();
        snprintf(m->endpoint, sizeof m->endpoint, "http://127.0.0.1:%d", m->port);
        snprintf(m->log, sizeof m->log, "/tmp/dc-moto-%d-%d.log", (int)getpid(), m->port);
        pid_t parent = getpid();
        m->pid = fork();
        if (m->pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent)
                _exit(1);
            FILE *lf = freopen(m->log, "w", stdout);
            (void)lf;
            dup2(STDOUT_FILENO, STDERR_FILENO);
            char port[16];
            snprintf(port, sizeof port, "%d", m->port);
            setenv("S3_UPLOAD_PART_MIN_SIZE", "65536", 1); /* small parts for fast tests */
            execl(bin, "moto_server", "-H", "127.0.0.1", "-p", port, (char *)NULL);
            _exit(127);
        }
        if (m->pid < 0)
            break;
        for (int i = 0; i < 600; i++) { /* up to 60 s */
            int status;
            if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
                m->pid = 0;
                break;
            }
            if (mt_http(m, "GET", "/moto-api/", NULL, NULL, NULL, NULL, NULL, NULL) > 0)
                return true;
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (m->pid > 0) {
            kill(m->pid, SIGKILL);
            waitpid(m->pid, NULL, 0);
            m->pid = 0;
        }
    }
    snprintf(why, cap, "moto_server (%s) did not start; see %s", bin, m->log);
    return false;
}

static void mt_stop(mt_server *m)
{
    if (m->pid <= 0)
        return;
    kill(m->pid, SIGTERM);
    for (int i = 0; i < 50; i++) {
        if (waitpid(m->pid, NULL, WNOHANG) == m->pid) {
            m->pid = 0;
            break;
        }
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (m->pid > 0) {
        kill(m->pid, SIGKILL);
        waitpid(m->pid, NULL, 0);
        m->pid = 0;
    }
    unlink(m->log);
}

/* Create a bucket with a plain signed PUT. */
static bool mt_create_bucket(const mt_server *m, const char *bucket)
{
    char path[300];
    snprintf(path, sizeof path, "/%s", bucket);
    long st = mt_http(m, "PUT", path, NULL, NULL, "s3", m->key_id, m->secret, NULL);
    return st == 200;
}

/* The text of <tag>...</tag> in `body`, copied into out. */
static bool mt_xml_text(const dc_bytes *body, const char *tag, char *out, size_t cap)
{
    char open[64], close[64];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    char *text = dc_malloc((size_t)body->size + 1);
    memcpy(text, body->data, (size_t)body->size);
    text[body->size] = '\0';
    char *a = strstr(text, open), *b = a ? strstr(a, close) : NULL;
    bool ok = a && b && (size_t)(b - a - strlen(open)) < cap;
    if (ok)
        snprintf(out, cap, "%.*s", (int)(b - a - strlen(open)), a + strlen(open));
    dc_free(text);
    return ok;
}

/* Create an IAM user with an access key allowed everything, then turn authentication on:
 * from now on only that key (m->key_id, m->secret) is accepted. (Inline: not every
 * includer uses it.) */
static inline bool mt_enable_auth(mt_server *m)
{
    dc_bytes b;
    dc_bytes_init(&b);
    bool ok =
        mt_http(m, "POST", "/", "Action=CreateUser&UserName=dc&Version=2010-05-08",
                "application/x-www-form-urlencoded", "iam", m->key_id, m->secret, NULL) == 200;
    ok = ok && mt_http(m, "POST", "/", "Action=CreateAccessKey&UserName=dc&Version=2010-05-08",
                       "application/x-www-form-urlencoded", "iam", m->key_id, m->secret, &b) == 200;
    ok = ok && mt_xml_text(&b, "AccessKeyId", m->key_id, sizeof m->key_id) &&
         mt_xml_text(&b, "SecretAccessKey", m->secret, sizeof m->secret);
    const char *policy =
        "Action=PutUserPolicy&UserName=dc&PolicyName=all&Version=2010-05-08&PolicyDocument="
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow"
        "%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D";
    ok = ok && mt_http(m, "POST", "/", policy, "application/x-www-form-urlencoded", "iam",
                       m->key_id, m->secret, NULL) == 200;
    ok = ok && mt_http(m, "POST", "/moto-api/reset-auth", "0", "text/plain", NULL, NULL, NULL,
                       NULL) == 200;
    dc_bytes_free(&b);
    return ok;
}

#endif
