/*
 * test_s3.c: the S3 backend (src/fs/fs_s3.c) against a moto server started here, with
 * moto's authentication on (every request must carry a valid SigV4 signature of the key
 * mt_enable_auth creates). The interface's conformance suite also runs on S3 in
 * test_fs.c ("s3/..." rows); this file covers what is S3's own: conditional-write races
 * between handles, listing past 1000 keys, multipart outputs and their aborts, the
 * resolution of unknown outcomes, retries, every bad configuration's message, secrets
 * kept out of messages and logs, and a catalog on S3.
 *
 * Faults are injected by a small proxy thread between the backend and moto: it forwards
 * requests, or drops the connection before or after forwarding one, or answers with a
 * canned response, by rules matched on the request line; it records every request line
 * and the last request's headers.
 *
 * Without moto_server the test FAILS and says to run scripts/bootstrap.sh.
 */
#include "testutil.h"

#include "fs/s3_int.h"
#include "s3_moto.h"

#include <deltacat/catalog.h>
#include <deltacat/table.h>

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>

#define BUCKET "dc-test"

static mt_server g_moto;
static atomic_int g_prefix_counter;

/* ---- logs: everything the library logs, to check no secret is in it ---------------------- */

static pthread_mutex_t g_log_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_log[1 << 16];
static size_t g_log_len;

static void capture_log(dc_log_level level, const char *msg, void *user)
{
    (void)level, (void)user;
    pthread_mutex_lock(&g_log_mu);
    size_t n = strlen(msg);
    if (g_log_len + n + 2 < sizeof g_log) {
        memcpy(g_log + g_log_len, msg, n);
        g_log_len += n;
        g_log[g_log_len++] = '\n';
        g_log[g_log_len] = '\0';
    }
    pthread_mutex_unlock(&g_log_mu);
}

static bool log_contains(const char *s)
{
    pthread_mutex_lock(&g_log_mu);
    bool hit = strstr(g_log, s) != NULL;
    pthread_mutex_unlock(&g_log_mu);
    return hit;
}

/* ---- the proxy ------------------------------------------------------------------------------ */

typedef enum px_kind {
    PX_FORWARD = 0,
    PX_FORWARD_DROP, /* forward, wait for the answer, then close without answering */
    PX_DROP,         /* close without forwarding */
    PX_RESPOND,      /* answer with status/headers/body */
} px_kind;

typedef struct px_rule {
    px_kind kind;
    const char *match; /* substring of the request line, NULL: any */
    int count;         /* requests it applies to */
    int status;
    const char *headers; /* extra header lines, each ending in \r\n */
    const char *body;
    void (*hook)(void *arg); /* run before acting */
    void *arg;
} px_rule;

typedef struct proxy {
    int lfd, port, upstream;
    pthread_t thr;
    atomic_bool stop;
    pthread_mutex_t mu;
    px_rule rules[8];
    int n_rules;
    char lines[2048][200];
    int n_lines;
    char last_headers[16384];
} proxy;

static bool read_request(int fd, dc_bytes *req, char *line, size_t cap)
{
    char buf[65536];
    int64_t head_end = -1, need = -1;
    for (;;) {
        if (head_end < 0 && req->size >= 4) {
            for (int64_t i = 0; i + 3 < req->size; i++)
                if (memcmp(req->data + i, "\r\n\r\n", 4) == 0) {
                    head_end = i + 4;
                    break;
                }
            if (head_end >= 0) {
                int64_t cl = 0;
                for (int64_t i = 0; i < head_end; i++)
                    if ((req->data[i] == 'C' || req->data[i] == 'c') &&
                        strncasecmp((char *)req->data + i, "content-length:", 15) == 0)
                        cl = strtoll((char *)req->data + i + 15, NULL, 10);
                need = head_end + cl;
            }
        }
        if (need >= 0 && req->size >= need)
            break;
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0)
            return false;
        dc_bytes_append(req, buf, r);
    }
    const char *nl = memchr(req->data, '\r', (size_t)req->size);
    size_t n = nl ? (size_t)(nl - (const char *)req->data) : 0;
    snprintf(line, cap, "%.*s", (int)DC_MIN(n, cap - 1), (const char *)req->data);
    return true;
}

static void write_all_fd(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

static void forward(proxy *px, const dc_bytes *req, dc_bytes *resp)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)px->upstream),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return;
    }
    write_all_fd(fd, req->data, (size_t)req->size);
    char buf[65536];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0)
        dc_bytes_append(resp, buf, r);
    close(fd);
}

static void *proxy_main(void *arg)
{
    proxy *px = arg;
    while (!atomic_load(&px->stop)) {
        struct pollfd p = {px->lfd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept(px->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        dc_bytes req, resp;
        dc_bytes_init(&req);
        dc_bytes_init(&resp);
        char line[200];
        if (read_request(fd, &req, line, sizeof line)) {
            px_rule rule = {.kind = PX_FORWARD};
            pthread_mutex_lock(&px->mu);
            if (px->n_lines < (int)DC_ARRAY_LEN(px->lines))
                snprintf(px->lines[px->n_lines++], sizeof px->lines[0], "%s", line);
            snprintf(px->last_headers, sizeof px->last_headers, "%.*s",
                     (int)DC_MIN(req.size, (int64_t)sizeof px->last_headers - 1),
                     (const char *)req.data);
            for (int i = 0; i < px->n_rules; i++) {
                px_rule *r = &px->rules[i];
                if (r->count > 0 && (!r->match || strstr(line, r->match))) {
                    r->count--;
                    rule = *r;
                    break;
                }
            }
            pthread_mutex_unlock(&px->mu);
            if (rule.hook)
                rule.hook(rule.arg);
            if (rule.kind == PX_FORWARD || rule.kind == PX_FORWARD_DROP)
                forward(px, &req, &resp);
            if (rule.kind == PX_FORWARD)
                write_all_fd(fd, resp.data, (size_t)resp.size);
            if (rule.kind == PX_RESPOND) {
                char head[2048];
                const char *body = rule.body ? rule.body : "";
                int n = snprintf(head, sizeof head,
                                 "HTTP/1.1 %d Canned\r\nContent-Length: %zu\r\nConnection: "
                                 "close\r\n%s\r\n",
                                 rule.status, strcmp(line, "HEAD") == 0 ? 0 : strlen(body),
                                 rule.headers ? rule.headers : "");
                write_all_fd(fd, head, (size_t)n);
                if (strncmp(line, "HEAD ", 5) != 0)
                    write_all_fd(fd, body, strlen(body));
            }
        }
        close(fd);
        dc_bytes_free(&req);
        dc_bytes_free(&resp);
    }
    return NULL;
}

static proxy *proxy_start(int upstream)
{
    proxy *px = dc_calloc(1, sizeof *px);
    px->upstream = upstream;
    pthread_mutex_init(&px->mu, NULL);
    px->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(px->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(px->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(px->lfd, 64), 0);
    getsockname(px->lfd, (struct sockaddr *)&a, &len);
    px->port = ntohs(a.sin_port);
    atomic_init(&px->stop, false);
    assert_int_equal(pthread_create(&px->thr, NULL, proxy_main, px), 0);
    return px;
}

static void proxy_stop(proxy *px)
{
    atomic_store(&px->stop, true);
    pthread_join(px->thr, NULL);
    close(px->lfd);
    pthread_mutex_destroy(&px->mu);
    dc_free(px);
}

static void proxy_rule(proxy *px, px_rule r)
{
    pthread_mutex_lock(&px->mu);
    assert_true(px->n_rules < (int)DC_ARRAY_LEN(px->rules));
    px->rules[px->n_rules++] = r;
    pthread_mutex_unlock(&px->mu);
}

static px_rule R(px_kind kind, const char *match, int count)
{
    return (px_rule){.kind = kind, .match = match, .count = count};
}

static px_rule RESPOND(const char *match, int count, int status, const char *headers,
                       const char *body)
{
    return (px_rule){.kind = PX_RESPOND,
                     .match = match,
                     .count = count,
                     .status = status,
                     .headers = headers,
                     .body = body};
}

static px_rule HOOKED(px_kind kind, const char *match, int count, void (*hook)(void *), void *arg)
{
    return (px_rule){.kind = kind, .match = match, .count = count, .hook = hook, .arg = arg};
}

static void proxy_reset(proxy *px)
{
    pthread_mutex_lock(&px->mu);
    px->n_rules = 0;
    px->n_lines = 0;
    pthread_mutex_unlock(&px->mu);
}

/* Requests seen whose line contains all of `a` and `b` (b may be NULL). */
static int proxy_count(proxy *px, const char *a, const char *b)
{
    int n = 0;
    pthread_mutex_lock(&px->mu);
    for (int i = 0; i < px->n_lines; i++)
        if (strstr(px->lines[i], a) && (!b || strstr(px->lines[i], b)))
            n++;
    pthread_mutex_unlock(&px->mu);
    return n;
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* Options for moto (or a proxy in front of it: port > 0). */
static dc_fs_s3_options moto_opts(int port, char *endpoint, size_t cap)
{
    snprintf(endpoint, cap, "http://127.0.0.1:%d", port > 0 ? port : g_moto.port);
    return (dc_fs_s3_options){.endpoint = endpoint,
                              .region = "us-east-1",
                              .access_key_id = g_moto.key_id,
                              .secret_access_key = g_moto.secret,
                              .retry_base_ms = 5,
                              .retry_max_ms = 50};
}

/* A fresh prefix "t<N>" under the bucket, opened with `o` (NULL: plain moto options). */
static dc_fs *open_fresh(const dc_fs_s3_options *o, char *url, size_t cap)
{
    char endpoint[64];
    dc_fs_s3_options d = moto_opts(0, endpoint, sizeof endpoint);
    snprintf(url, cap, "s3://" BUCKET "/t%03d", atomic_fetch_add(&g_prefix_counter, 1));
    dc_fs *fs = NULL;
    dc_error e;
    if (dc_fs_s3_open(&fs, url, o ? o : &d, &e) != DC_OK)
        fail_msg("open %s: %s", url, e.message);
    return fs;
}

static void put_str(dc_fs *fs, const char *path, const char *s)
{
    dc_error e;
    if (dc_fs_put(fs, path, s, (int64_t)strlen(s), &e) != DC_OK)
        fail_msg("put %s: %s", path, e.message);
}

static const char *get_str(dc_fs *fs, const char *path)
{
    static char out[8192];
    dc_bytes b;
    dc_bytes_init(&b);
    dc_status rc = dc_fs_get(fs, path, &b, NULL);
    if (rc != DC_OK)
        snprintf(out, sizeof out, "<%s>", dc_status_name(rc));
    else
        snprintf(out, sizeof out, "%.*s", (int)b.size, b.size ? (const char *)b.data : "");
    dc_bytes_free(&b);
    return out;
}

/* Multipart uploads in progress in the bucket (moto's ListMultipartUploads). */
static int uploads_in_progress(void)
{
    dc_bytes b;
    dc_bytes_init(&b);
    long st = mt_http(&g_moto, "GET", "/" BUCKET "?uploads=", NULL, NULL, "s3", g_moto.key_id,
                      g_moto.secret, &b);
    assert_int_equal(st, 200);
    int n = 0;
    for (int64_t i = 0; i + 8 <= b.size; i++)
        if (memcmp(b.data + i, "<Upload>", 8) == 0)
            n++;
    dc_bytes_free(&b);
    return n;
}

/* Fail with the message itself when it lacks `needle`. */
static void assert_msg(const dc_error *e, const char *needle)
{
    if (!strstr(e->message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e->message, needle);
}

static void assert_secret_free(const dc_error *e, const char *secret)
{
    if (strstr(e->message, secret) || strstr(e->path, secret))
        fail_msg("the secret is in the message: %s", e->message);
    assert_false(log_contains(secret));
}

/* ---- opening ----------------------------------------------------------------------------------
 */

static void open_checks_the_url_and_the_bucket(void **state)
{
    (void)state;
    char endpoint[64];
    dc_fs_s3_options o = moto_opts(0, endpoint, sizeof endpoint);
    dc_fs *fs = NULL;
    dc_error e;
    const char *bad[] = {"s3://",
                         "s3:///x",
                         "s3://bad*bucket/x",
                         "s3://" BUCKET "/a/../b",
                         "s3://" BUCKET "/a//b",
                         "http://x/y"};
    for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++) {
        assert_int_equal(dc_fs_s3_open(&fs, bad[i], &o, &e), DC_EINVALID);
        assert_null(fs);
        assert_msg(&e, bad[i][5] ? "s3" : "bucket");
    }
    /* a missing bucket: like a missing root directory */
    assert_int_equal(dc_fs_s3_open(&fs, "s3://no-such-bucket-here/cat", &o, &e), DC_ENOTFOUND);
    assert_msg(&e, "bucket \"no-such-bucket-here\" does not exist");
    assert_msg(&e, "create it");
    assert_msg(&e, endpoint);
    assert_secret_free(&e, g_moto.secret);
    assert_null(fs);
    /* no_check opens without a request; the first operation says the same */
    o.no_check = true;
    DC_ASSERT_OK(dc_fs_s3_open(&fs, "s3://no-such-bucket-here/cat", &o, &e));
    assert_int_equal(dc_fs_put(fs, "k", "v", 1, &e), DC_EIO);
    assert_msg(&e, "does not exist");
    assert_msg(&e, "s3://no-such-bucket-here/cat/k");
    dc_fs_unref(fs);
    o.no_check = false;
    /* a good one: names normalized, S3's capabilities */
    DC_ASSERT_OK(dc_fs_s3_open(&fs, "s3://" BUCKET "/some/prefix//", &o, &e));
    assert_string_equal(fs->url, "s3://" BUCKET "/some/prefix");
    assert_string_equal(fs->display, "s3://" BUCKET "/some/prefix/");
    assert_string_equal(fs->vt->scheme, "s3");
    assert_int_equal(fs->caps, DC_FS_CAP_DURABLE | DC_FS_CAP_SHARED);
    assert_int_equal(dc_fs_rename(fs, "a", "b", &e), DC_EUNSUPPORTED);
    dc_fs_unref(fs);
    DC_ASSERT_OK(dc_fs_s3_open(&fs, "s3://" BUCKET, &o, &e)); /* the whole bucket */
    assert_string_equal(fs->display, "s3://" BUCKET "/");
    dc_fs_unref(fs);
    /* bad tunables */
    o.list_page_size = 5000;
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET, &o, &e), DC_EINVALID);
    assert_msg(&e, "list_page_size");
}

static void open_by_url_uses_the_environment(void **state)
{
    (void)state;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", g_moto.port);
    setenv("AWS_ENDPOINT_URL", endpoint, 1);
    dc_fs *fs = NULL;
    dc_error e;
    assert_int_equal(dc_fs_open(&fs, "s3://" BUCKET "/env", &e), DC_EINVALID);
    assert_msg(&e, "no AWS credentials found");
    setenv("AWS_ACCESS_KEY_ID", g_moto.key_id, 1);
    setenv("AWS_SECRET_ACCESS_KEY", g_moto.secret, 1);
    DC_ASSERT_OK(dc_fs_open(&fs, "s3://" BUCKET "/env", &e));
    put_str(fs, "x", "from the environment");
    assert_string_equal(get_str(fs, "x"), "from the environment");
    dc_fs_unref(fs);
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_ENDPOINT_URL");
}

/* ---- conditional writes -------------------------------------------------------------------------
 */

#define RACE_KEYS 40

typedef struct race {
    dc_fs *fs;
    int id;
    int won[RACE_KEYS];
    int errors;
    pthread_barrier_t *go;
} race;

static void *race_main(void *arg)
{
    race *r = arg;
    unsigned seed = (unsigned)r->id * 7919u + 1u;
    for (int k = 0; k < RACE_KEYS; k++) {
        pthread_barrier_wait(r->go);                /* both go for each key at once, */
        usleep((useconds_t)(rand_r(&seed) % 2000)); /* give or take a little */
        char key[32], body[64];
        snprintf(key, sizeof key, "log/%08d.json", k);
        snprintf(body, sizeof body, "{\"writer\": %d, \"key\": %d}", r->id, k);
        dc_error e;
        dc_status rc = dc_fs_put_if_absent(r->fs, key, body, (int64_t)strlen(body), &e);
        if (rc == DC_OK)
            r->won[k] = 1;
        else if (rc != DC_EEXISTS)
            r->errors++;
    }
    return NULL;
}

static void put_if_absent_race_between_two_handles_has_one_winner(void **state)
{
    (void)state;
    char url[64], endpoint[64];
    dc_fs *a = open_fresh(NULL, url, sizeof url), *b = NULL;
    dc_fs_s3_options o = moto_opts(0, endpoint, sizeof endpoint);
    DC_ASSERT_OK(dc_fs_s3_open(&b, url, &o, NULL)); /* another "process" on the same root */
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, 2);
    race ra = {a, 0, {0}, 0, &go}, rb = {b, 1, {0}, 0, &go};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, race_main, &ra);
    pthread_create(&tb, NULL, race_main, &rb);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&go);
    assert_int_equal(ra.errors, 0);
    assert_int_equal(rb.errors, 0);
    int wins_a = 0;
    for (int k = 0; k < RACE_KEYS; k++) {
        assert_int_equal(ra.won[k] + rb.won[k], 1);
        wins_a += ra.won[k];
        char key[32], body[64];
        snprintf(key, sizeof key, "log/%08d.json", k);
        snprintf(body, sizeof body, "{\"writer\": %d, \"key\": %d}", ra.won[k] ? 0 : 1, k);
        assert_string_equal(get_str(b, key), body);
    }
    print_message("put_if_absent race: handle a won %d of %d keys\n", wins_a, RACE_KEYS);
    dc_error e;
    assert_int_equal(dc_fs_put_if_absent(a, "log/00000000.json", "late", 4, &e), DC_EEXISTS);
    assert_msg(&e, url);
    assert_msg(&e, "log/00000000.json: already exists");
    dc_fs_unref(a);
    dc_fs_unref(b);
}

static void put_replaces_and_get_range_handles_the_edges(void **state)
{
    (void)state;
    char url[64];
    dc_fs *fs = open_fresh(NULL, url, sizeof url);
    dc_bytes b;
    dc_bytes_init(&b);
    dc_error e;
    put_str(fs, "r", "0123456789");
    put_str(fs, "r", "abcdefghij"); /* replaced whole */
    DC_ASSERT_OK(dc_fs_get_range(fs, "r", 3, 4, &b, &e));
    assert_int_equal(b.size, 4);
    assert_memory_equal(b.data, "defg", 4);
    DC_ASSERT_OK(dc_fs_get_range(fs, "r", 8, 100, &b, &e)); /* short at the end */
    assert_int_equal(b.size, 2);
    assert_memory_equal(b.data, "ij", 2);
    DC_ASSERT_OK(dc_fs_get_range(fs, "r", 10, 1, &b, &e)); /* at the end: S3 says 416 */
    assert_int_equal(b.size, 0);
    DC_ASSERT_OK(dc_fs_get_range(fs, "r", 1 << 20, 1, &b, &e)); /* far beyond */
    assert_int_equal(b.size, 0);
    DC_ASSERT_OK(dc_fs_get_range(fs, "r", 5, 0, &b, &e)); /* nothing asked: a HEAD */
    assert_int_equal(b.size, 0);
    assert_int_equal(dc_fs_get_range(fs, "missing", 5, 0, &b, &e), DC_ENOTFOUND);
    assert_int_equal(dc_fs_get_range(fs, "missing", 0, 5, &b, &e), DC_ENOTFOUND);
    assert_msg(&e, "missing: no such object");
    /* an empty object */
    put_str(fs, "empty", "");
    DC_ASSERT_OK(dc_fs_get_range(fs, "empty", 0, 10, &b, &e));
    assert_int_equal(b.size, 0);
    DC_ASSERT_OK(dc_fs_get(fs, "empty", &b, &e));
    assert_int_equal(b.size, 0);
    dc_fs_info st;
    DC_ASSERT_OK(dc_fs_stat(fs, "empty", &st, &e));
    assert_int_equal(st.size, 0);
    DC_ASSERT_OK(dc_fs_stat(fs, "r", &st, &e));
    assert_int_equal(st.size, 10);
    assert_true(st.mtime_ns > dc_clock_now_ns() - 600 * INT64_C(1000000000));
    dc_bytes_free(&b);
    dc_fs_unref(fs);
}

/* ---- listing
 * -------------------------------------------------------------------------------------- */

#define MANY 1100

typedef struct seed_arg {
    dc_fs *fs;
    int from, to;
    int errors;
} seed_arg;

static void *seed_main(void *arg)
{
    seed_arg *s = arg;
    for (int i = s->from; i < s->to; i++) {
        char key[32];
        snprintf(key, sizeof key, "many/k%04d", i);
        if (dc_fs_put(s->fs, key, key, (int64_t)strlen(key), NULL) != DC_OK)
            s->errors++;
    }
    return NULL;
}

static dc_status count_entries(const dc_fs_entry *e, void *user)
{
    int64_t *n = user;
    (void)e;
    return ++*n == 1050 ? DC_ECANCELED : DC_OK;
}

static void listing_continues_past_1000_keys_in_key_order(void **state)
{
    (void)state;
    char url[64], endpoint[64];
    dc_fs_s3_options o = moto_opts(0, endpoint, sizeof endpoint);
    o.no_shape_check = true; /* seeding: one request per key */
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    seed_arg s[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (seed_arg){fs, i * MANY / 4, (i + 1) * MANY / 4, 0};
        pthread_create(&t[i], NULL, seed_main, &s[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(s[i].errors, 0);
    }
    put_str(fs, "many/sub2/x", "x");
    put_str(fs, "many/sub0/y/z", "z");
    put_str(fs, "many/sub1/x", "x");
    put_str(fs, "other", "o");
    dc_fs_listing l;
    dc_error e;
    DC_ASSERT_OK(dc_fs_list_all(fs, "", true, &l, &e)); /* 2 pages of 1000 */
    assert_int_equal(l.n, MANY + 4);
    for (int64_t i = 0; i < MANY; i++) {
        char key[32];
        snprintf(key, sizeof key, "many/k%04d", (int)i);
        assert_string_equal(l.entries[i].key, key);
        assert_int_equal(l.entries[i].size, 10);
        assert_false(l.entries[i].is_dir);
    }
    assert_string_equal(l.entries[MANY].key, "many/sub0/y/z");
    assert_string_equal(l.entries[MANY + 3].key, "other");
    dc_fs_listing_free(&l);
    /* one level: the keys, then the rolled-up directories, in byte order */
    DC_ASSERT_OK(dc_fs_list_all(fs, "many/", false, &l, &e));
    assert_int_equal(l.n, MANY + 3);
    assert_string_equal(l.entries[MANY - 1].key, "many/k1099");
    assert_string_equal(l.entries[MANY].key, "many/sub0/");
    assert_true(l.entries[MANY].is_dir);
    assert_int_equal(l.entries[MANY].size, -1);
    assert_string_equal(l.entries[MANY + 2].key, "many/sub2/");
    dc_fs_listing_free(&l);
    DC_ASSERT_OK(dc_fs_list_all(fs, "", false, &l, &e));
    assert_int_equal(l.n, 2);
    assert_string_equal(l.entries[0].key, "many/");
    assert_string_equal(l.entries[1].key, "other");
    dc_fs_listing_free(&l);
    /* stopping early in the second page */
    int64_t n = 0;
    assert_int_equal(dc_fs_list(fs, "many/", true, count_entries, &n, &e), DC_ECANCELED);
    assert_int_equal(n, 1050);
    /* tiny pages: directories and keys split across many continuation tokens */
    dc_fs *small = NULL;
    o.list_page_size = 3;
    DC_ASSERT_OK(dc_fs_s3_open(&small, url, &o, &e));
    put_str(small, "many/sub1/y", "y");
    put_str(small, "many/sub1/z/w", "w");
    DC_ASSERT_OK(dc_fs_list_all(small, "many/s", false, &l, &e));
    assert_int_equal(l.n, 3);
    assert_string_equal(l.entries[0].key, "many/sub0/");
    assert_string_equal(l.entries[1].key, "many/sub1/");
    assert_string_equal(l.entries[2].key, "many/sub2/");
    dc_fs_listing_free(&l);
    DC_ASSERT_OK(dc_fs_list_all(small, "many/sub", true, &l, &e));
    assert_int_equal(l.n, 5);
    assert_string_equal(l.entries[2].key, "many/sub1/y");
    assert_string_equal(l.entries[3].key, "many/sub1/z/w");
    dc_fs_listing_free(&l);
    dc_fs_unref(small);
    dc_fs_unref(fs);
}

static void listing_hides_keys_this_interface_cannot_address(void **state)
{
    (void)state;
    char url[64];
    dc_fs *fs = open_fresh(NULL, url, sizeof url);
    put_str(fs, "ok/a", "a");
    /* written by other tools: a folder marker, an empty segment, a temporary's name */
    const char *odd[] = {"/ok/", "/ok//b", "/ok/.dc-tmp-1", "/ok/c%5Cd"};
    for (size_t i = 0; i < DC_ARRAY_LEN(odd); i++) {
        char path[128];
        snprintf(path, sizeof path, "/" BUCKET "/%s%s", url + strlen("s3://" BUCKET "/"), odd[i]);
        assert_int_equal(
            mt_http(&g_moto, "PUT", path, "x", NULL, "s3", g_moto.key_id, g_moto.secret, NULL),
            200);
    }
    dc_fs_listing l;
    DC_ASSERT_OK(dc_fs_list_all(fs, "", true, &l, NULL));
    assert_int_equal(l.n, 1);
    assert_string_equal(l.entries[0].key, "ok/a");
    dc_fs_listing_free(&l);
    DC_ASSERT_OK(dc_fs_list_all(fs, "ok/", false, &l, NULL));
    assert_int_equal(l.n, 1);
    dc_fs_listing_free(&l);
    dc_fs_unref(fs);
}

static void remove_reports_absent_keys_and_forgets_directories(void **state)
{
    (void)state;
    char url[64];
    dc_fs *fs = open_fresh(NULL, url, sizeof url);
    dc_error e;
    put_str(fs, "d/x", "1");
    put_str(fs, "d/y", "2");
    DC_ASSERT_OK(dc_fs_remove(fs, "d/x", &e));
    assert_int_equal(dc_fs_remove(fs, "d/x", &e), DC_ENOTFOUND);
    assert_msg(&e, "d/x: no such object");
    const char *keys[] = {"d/y", "d/none"};
    int64_t removed = 0;
    DC_ASSERT_OK(dc_fs_remove_many(fs, keys, 2, &removed, &e));
    assert_int_equal(removed, 1);
    /* "d" was a directory; with its keys gone it may become an object */
    put_str(fs, "d", "now an object");
    assert_string_equal(get_str(fs, "d"), "now an object");
    assert_int_equal(dc_fs_put(fs, "d/z", "3", 1, &e), DC_EINVALID);
    assert_msg(&e, "its parent \"d\" is an object");
    dc_fs_unref(fs);
}

/* ---- outputs
 * -------------------------------------------------------------------------------------- */

#define PART (64 * 1024)

static uint8_t *pattern(int64_t n, int seed)
{
    uint8_t *p = dc_malloc((size_t)n);
    for (int64_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 131 + seed * 7 + (i >> 9)) & 0xff);
    return p;
}

static void write_chunks(dc_output *o, const uint8_t *data, int64_t n)
{
    int64_t off = 0, step = 7777;
    while (off < n) {
        int64_t k = DC_MIN(step, n - off);
        dc_error e;
        if (dc_output_write(o, data + off, k, &e) != DC_OK)
            fail_msg("write: %s", e.message);
        off += k;
        step = step * 3 % 50000 + 1;
    }
}

static void multipart_output_of_several_parts(void **state)
{
    (void)state;
    proxy *px = proxy_start(g_moto.port);
    char url[64], endpoint[64];
    dc_fs_s3_options o = moto_opts(px->port, endpoint, sizeof endpoint);
    o.part_size = PART;
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    int64_t n = 5 * PART + 1234;
    uint8_t *data = pattern(n, 1);
    dc_output *out = NULL;
    dc_error e;
    DC_ASSERT_OK(dc_fs_open_output(fs, "big/data.parquet", 0, &out, &e));
    write_chunks(out, data, n);
    assert_string_equal(get_str(fs, "big/data.parquet"), "<ENOTFOUND>"); /* not yet visible */
    DC_ASSERT_OK(dc_output_finish(out, &e));
    dc_output_close(out);
    assert_int_equal(proxy_count(px, "POST ", "uploads="), 1);
    assert_int_equal(proxy_count(px, "PUT ", "partNumber="), 6);
    assert_int_equal(proxy_count(px, "POST ", "uploadId="), 1);
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_fs_get(fs, "big/data.parquet", &b, &e));
    assert_int_equal(b.size, n);
    assert_memory_equal(b.data, data, (size_t)n);
    /* exactly one part */
    DC_ASSERT_OK(dc_fs_open_output(fs, "big/one", 0, &out, &e));
    DC_ASSERT_OK(dc_output_write(out, data, PART, &e));
    DC_ASSERT_OK(dc_output_finish(out, &e));
    dc_output_close(out);
    DC_ASSERT_OK(dc_fs_get(fs, "big/one", &b, &e));
    assert_int_equal(b.size, PART);
    /* a small output is one PUT */
    proxy_reset(px);
    DC_ASSERT_OK(dc_fs_open_output(fs, "small", 0, &out, &e));
    DC_ASSERT_OK(dc_output_write(out, "tiny", 4, &e));
    DC_ASSERT_OK(dc_output_finish(out, &e));
    dc_output_close(out);
    assert_int_equal(proxy_count(px, "POST ", NULL), 0);
    assert_int_equal(proxy_count(px, "PUT ", "/small"), 1);
    assert_string_equal(get_str(fs, "small"), "tiny");
    assert_int_equal(uploads_in_progress(), 0);
    dc_bytes_free(&b);
    dc_free(data);
    dc_fs_unref(fs);
    proxy_stop(px);
}

static void multipart_output_if_absent_has_one_winner(void **state)
{
    (void)state;
    char url[64], endpoint[64];
    dc_fs_s3_options o = moto_opts(0, endpoint, sizeof endpoint);
    o.part_size = PART;
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    int64_t n = 2 * PART + 10;
    uint8_t *d1 = pattern(n, 1), *d2 = pattern(n, 2);
    dc_output *o1 = NULL, *o2 = NULL;
    dc_error e;
    DC_ASSERT_OK(dc_fs_open_output(fs, "ckpt/1", DC_FS_OUTPUT_IF_ABSENT, &o1, &e));
    DC_ASSERT_OK(dc_fs_open_output(fs, "ckpt/1", DC_FS_OUTPUT_IF_ABSENT, &o2, &e));
    write_chunks(o1, d1, n);
    write_chunks(o2, d2, n);
    assert_int_equal(uploads_in_progress(), 2);
    DC_ASSERT_OK(dc_output_finish(o1, &e));
    assert_int_equal(dc_output_finish(o2, &e), DC_EEXISTS); /* If-None-Match on Complete */
    assert_msg(&e, "ckpt/1: already exists");
    dc_output_close(o1);
    dc_output_close(o2);
    assert_int_equal(uploads_in_progress(), 0); /* the loser's upload was aborted */
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_fs_get(fs, "ckpt/1", &b, &e));
    assert_int_equal(b.size, n);
    assert_memory_equal(b.data, d1, (size_t)n);
    /* small if-absent outputs: the final PUT is conditional */
    DC_ASSERT_OK(dc_fs_open_output(fs, "ckpt/1", DC_FS_OUTPUT_IF_ABSENT, &o1, &e));
    DC_ASSERT_OK(dc_output_write(o1, "x", 1, &e));
    assert_int_equal(dc_output_finish(o1, &e), DC_EEXISTS);
    dc_output_close(o1);
    dc_bytes_free(&b);
    dc_free(d1);
    dc_free(d2);
    dc_fs_unref(fs);
}

static void multipart_upload_is_aborted_on_failure_and_on_close(void **state)
{
    (void)state;
    proxy *px = proxy_start(g_moto.port);
    char url[64], endpoint[64];
    dc_fs_s3_options o = moto_opts(px->port, endpoint, sizeof endpoint);
    o.part_size = PART;
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    uint8_t *data = pattern(4 * PART, 3);
    dc_output *out = NULL;
    dc_error e;
    /* the second part is refused (not retryable): the write fails, the upload is aborted */
    proxy_rule(px, RESPOND("partNumber=2", 1, 400, NULL,
                           "<Error><Code>InvalidPart</Code><Message>refused by the "
                           "test</Message></Error>"));
    DC_ASSERT_OK(dc_fs_open_output(fs, "fail/x", 0, &out, &e));
    DC_ASSERT_OK(dc_output_write(out, data, PART, &e));
    assert_int_equal(uploads_in_progress(), 1);
    assert_int_equal(dc_output_write(out, data + PART, PART, &e), DC_EIO);
    assert_msg(&e, "InvalidPart");
    assert_msg(&e, "fail/x");
    assert_int_equal(dc_output_write(out, data, 1, &e), DC_EIO); /* sticky */
    assert_int_equal(dc_output_finish(out, &e), DC_EIO);
    dc_output_close(out);
    assert_int_equal(proxy_count(px, "DELETE ", "uploadId="), 1);
    assert_int_equal(uploads_in_progress(), 0);
    assert_string_equal(get_str(fs, "fail/x"), "<ENOTFOUND>");
    /* closed without finish */
    DC_ASSERT_OK(dc_fs_open_output(fs, "fail/y", 0, &out, &e));
    DC_ASSERT_OK(dc_output_write(out, data, 3 * PART + 5, &e));
    assert_int_equal(uploads_in_progress(), 1);
    dc_output_close(out);
    assert_int_equal(uploads_in_progress(), 0);
    assert_string_equal(get_str(fs, "fail/y"), "<ENOTFOUND>");
    /* an injected failure of finish (the core's faults) aborts too */
    DC_ASSERT_OK(dc_fs_open_output(fs, "fail/z", 0, &out, &e));
    DC_ASSERT_OK(dc_output_write(out, data, 2 * PART, &e));
    dc_fs_inject_fault(fs, &(dc_fs_fault){DC_FS_OP_FINISH, 1, 1, DC_FS_FAULT_ERROR});
    assert_int_equal(dc_output_finish(out, &e), DC_EIO);
    dc_output_close(out);
    assert_int_equal(uploads_in_progress(), 0);
    dc_free(data);
    dc_fs_unref(fs);
    proxy_stop(px);
}

/* ---- batched deletes (DeleteObjects) ------------------------------------------------------ */

static void md5_matches_the_rfc_1321_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *hex;
    } v[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
         "0",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(v); i++) {
        uint8_t d[16];
        char hex[33];
        dc_s3__md5(v[i].text, strlen(v[i].text), d);
        for (int k = 0; k < 16; k++)
            snprintf(hex + 2 * k, 3, "%02x", d[k]);
        assert_string_equal(hex, v[i].hex);
    }
    /* the padding's edges: 55, 56, 63, 64, 65 bytes (digests from Python's hashlib) */
    static const struct {
        size_t n;
        const char *hex;
    } edge[] = {
        {55, "52c0e574e1198de5fe3f8f11440dcb1b"}, {56, "46c9907fc908ee68b1e7b8e71286a518"},
        {63, "a62f6d59e837867693f042f5b8f5a236"}, {64, "7160b8fb5e9e4023d549c3971fbaeead"},
        {65, "70bd662e7aefbda85a0f7244167b7897"}, {1000, "10046f077f2082ac19676b8079f1cb1a"}};
    uint8_t buf[1000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    for (size_t i = 0; i < DC_ARRAY_LEN(edge); i++) {
        uint8_t d[16];
        char hex[33];
        dc_s3__md5(buf, edge[i].n, d);
        for (int k = 0; k < 16; k++)
            snprintf(hex + 2 * k, 3, "%02x", d[k]);
        assert_string_equal(hex, edge[i].hex);
    }
    char b64[25];
    dc_s3__md5_base64("", 0, b64);
    assert_string_equal(b64, "1B2M2Y8AsgTpgAmY7PhCfg==");
    dc_s3__md5_base64("abc", 3, b64);
    assert_string_equal(b64, "kAFQmDzST7DWlj99KOF/cg==");
}

#define DELETE_KEYS 2500

static void remove_many_deletes_2500_keys_in_3_requests(void **state)
{
    (void)state;
    char url[64], endpoint[64], pendpoint[64];
    dc_fs_s3_options o = moto_opts(0, endpoint, sizeof endpoint);
    o.no_shape_check = true; /* seeding: one request per key */
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    seed_arg sa[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        sa[i] = (seed_arg){fs, i * DELETE_KEYS / 4, (i + 1) * DELETE_KEYS / 4, 0};
        pthread_create(&t[i], NULL, seed_main, &sa[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(sa[i].errors, 0);
    }
    put_str(fs, "keep", "k");
    put_str(fs, "many/x&y<z>'\"", "needs XML escaping");
    proxy *px = proxy_start(g_moto.port);
    dc_fs_s3_options po = moto_opts(px->port, pendpoint, sizeof pendpoint);
    dc_fs *pfs = NULL;
    dc_error e;
    DC_ASSERT_OK(dc_fs_s3_open(&pfs, url, &po, &e));
    char **keys = dc_calloc(DELETE_KEYS + 1, sizeof *keys);
    for (int i = 0; i < DELETE_KEYS; i++) {
        keys[i] = dc_malloc(32);
        snprintf(keys[i], 32, "many/k%04d", i);
    }
    keys[DELETE_KEYS] = dc_strdup("many/x&y<z>'\"");
    proxy_reset(px);
    dc_fs_stats st;
    dc_fs_stats_reset(pfs);
    DC_ASSERT_OK(dc_fs_remove_many(pfs, (const char *const *)keys, DELETE_KEYS + 1, NULL, &e));
    /* 1000 + 1000 + 501 keys: three DeleteObjects, nothing else */
    assert_int_equal(proxy_count(px, "POST ", "?delete="), 3);
    assert_int_equal(proxy_count(px, "", NULL), 3);
    dc_fs_stats_get(pfs, &st);
    assert_int_equal(st.ops[DC_FS_OP_REMOVE_MANY], 1);
    pthread_mutex_lock(&px->mu);
    bool md5 = strstr(px->last_headers, "Content-MD5: ") != NULL;
    pthread_mutex_unlock(&px->mu);
    assert_true(md5);
    dc_fs_listing l;
    DC_ASSERT_OK(dc_fs_list_all(fs, "", true, &l, &e));
    assert_int_equal(l.n, 1);
    assert_string_equal(l.entries[0].key, "keep");
    dc_fs_listing_free(&l);
    /* absent keys are not errors; with a count, S3 is asked which keys are there */
    put_str(fs, "c/1", "1");
    put_str(fs, "c/2", "2");
    const char *some[] = {"c/1", "c/absent", "c/2", "keep"};
    int64_t removed = -1;
    proxy_reset(px);
    DC_ASSERT_OK(dc_fs_remove_many(pfs, some, 4, &removed, &e));
    assert_int_equal(removed, 3);
    assert_int_equal(proxy_count(px, "HEAD ", NULL), 4);
    assert_int_equal(proxy_count(px, "POST ", "?delete="), 1);
    DC_ASSERT_OK(dc_fs_remove_many(pfs, some, 4, NULL, &e)); /* all absent now */
    DC_ASSERT_OK(dc_fs_list_all(fs, "", true, &l, &e));
    assert_int_equal(l.n, 0);
    dc_fs_listing_free(&l);
    for (int i = 0; i <= DELETE_KEYS; i++)
        dc_free(keys[i]);
    dc_free(keys);
    dc_fs_unref(pfs);
    dc_fs_unref(fs);
    proxy_stop(px);
}

/* Set (policy JSON) or delete (NULL) the bucket policy of BUCKET. */
static void bucket_policy(const char *policy)
{
    long st = mt_http(&g_moto, policy ? "PUT" : "DELETE", "/" BUCKET "?policy=", policy,
                      "application/json", "s3", g_moto.key_id, g_moto.secret, NULL);
    assert_true(st == 200 || st == 204);
}

static void remove_many_names_the_keys_s3_refuses(void **state)
{
    (void)state;
    char url[64], endpoint[64], policy[512];
    dc_fs_s3_options o = moto_opts(0, endpoint, sizeof endpoint);
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    dc_error e;
    put_str(fs, "ok/1", "1");
    put_str(fs, "locked/1", "1");
    put_str(fs, "locked/2", "2");
    put_str(fs, "ok/2", "2");
    /* S3 refuses to delete some keys of a DeleteObjects (here a bucket policy; in life
     * also object locks): the request succeeds, its answer lists them */
    snprintf(policy, sizeof policy,
             "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\","
             "\"Action\":\"s3:DeleteObject\",\"Resource\":\"arn:aws:s3:::" BUCKET
             "/%s/locked/*\"}]}",
             url + strlen("s3://" BUCKET "/"));
    bucket_policy(policy);
    const char *keys[] = {"ok/1", "locked/1", "locked/2", "ok/2"};
    dc_status rc = dc_fs_remove_many(fs, keys, 4, NULL, &e);
    bucket_policy(NULL);
    assert_int_equal(rc, DC_EIO);
    assert_msg(&e, "locked/1: remove: S3 refused to delete it (AccessDenied");
    assert_msg(&e, "(2 keys in all)");
    assert_msg(&e, "the other keys of the request were removed");
    assert_string_equal(get_str(fs, "ok/1"), "<ENOTFOUND>");
    assert_string_equal(get_str(fs, "ok/2"), "<ENOTFOUND>");
    assert_string_equal(get_str(fs, "locked/1"), "1");
    assert_string_equal(get_str(fs, "locked/2"), "2");
    /* refusals of the whole request and answers that are not S3's */
    proxy *px = proxy_start(g_moto.port);
    char pendpoint[64];
    dc_fs_s3_options po = moto_opts(px->port, pendpoint, sizeof pendpoint);
    dc_fs *pfs = NULL;
    DC_ASSERT_OK(dc_fs_s3_open(&pfs, url, &po, &e));
    proxy_rule(px, RESPOND("?delete=", 1, 400, NULL,
                           "<Error><Code>MalformedXML</Code><Message>The XML you provided was "
                           "not well-formed</Message></Error>"));
    assert_int_equal(dc_fs_remove_many(pfs, keys + 1, 1, NULL, &e), DC_EIO);
    assert_msg(&e, "locked/1: remove many failed: HTTP 400 MalformedXML");
    proxy_rule(px, RESPOND("?delete=", 1, 200, NULL,
                           "<Error><Code>InternalError</Code><Message>try again</Message>"
                           "</Error>"));
    assert_int_equal(dc_fs_remove_many(pfs, keys + 1, 1, NULL, &e), DC_EIO);
    assert_msg(&e, "DeleteObjects failed: InternalError: try again");
    proxy_rule(px, RESPOND("?delete=", 1, 200, NULL, "<DeleteResult><Error><Code>x"));
    assert_int_equal(dc_fs_remove_many(pfs, keys + 1, 1, NULL, &e), DC_EIO);
    assert_msg(&e, "the answer to DeleteObjects is not valid");
    proxy_rule(px, RESPOND("?delete=", 1, 200, NULL, "<Html>hello</Html>"));
    assert_int_equal(dc_fs_remove_many(pfs, keys + 1, 1, NULL, &e), DC_EIO);
    assert_msg(&e, "is it an S3 endpoint?");
    /* a NoSuchKey error (some S3-compatible stores report absent keys) is no error */
    proxy_rule(px, RESPOND("?delete=", 1, 200, NULL,
                           "<DeleteResult><Error><Key>x</Key><Code>NoSuchKey</Code></Error>"
                           "</DeleteResult>"));
    DC_ASSERT_OK(dc_fs_remove_many(pfs, keys + 1, 1, NULL, &e));
    const char *locked[] = {"locked/1", "locked/2"};
    DC_ASSERT_OK(dc_fs_remove_many(pfs, locked, 2, NULL, &e)); /* the policy is gone */
    assert_string_equal(get_str(fs, "locked/1"), "<ENOTFOUND>");
    dc_fs_unref(pfs);
    dc_fs_unref(fs);
    proxy_stop(px);
}

/* ---- temporaries: multipart uploads left behind ------------------------------------------ */

static void an_upload_the_server_dropped_is_invisible_and_swept(void **state)
{
    (void)state;
    proxy *px = proxy_start(g_moto.port);
    char url[64], endpoint[64], canned[1024];
    dc_fs_s3_options o = moto_opts(px->port, endpoint, sizeof endpoint);
    o.part_size = PART;
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    const char *prefix = url + strlen("s3://" BUCKET "/");
    uint8_t *data = pattern(3 * PART, 5);
    dc_output *out = NULL;
    dc_error e;
    dc_fs_listing l;
    int64_t removed = -1;
    /* the server goes away after the first part: the write fails, the abort too */
    DC_ASSERT_OK(dc_fs_open_output(fs, "data/t/big.parquet", 0, &out, &e));
    DC_ASSERT_OK(dc_output_write(out, data, PART, &e));
    proxy_rule(px, R(PX_DROP, NULL, 1000));
    assert_int_equal(dc_output_write(out, data + PART, PART, &e), DC_EIO);
    dc_output_close(out);
    assert_true(log_contains("could not be aborted"));
    proxy_reset(px); /* it is back: no visible change */
    assert_string_equal(get_str(fs, "data/t/big.parquet"), "<ENOTFOUND>");
    DC_ASSERT_OK(dc_fs_list_all(fs, "", true, &l, &e));
    assert_int_equal(l.n, 0);
    dc_fs_listing_free(&l);
    /* young (its part was just sent): kept; with no grace: found, with the bytes it holds */
    DC_ASSERT_OK(dc_fs_sweep_temporaries(fs, 3600LL * 1000000000, false, &l, &removed, &e));
    assert_int_equal(l.n, 0);
    assert_int_equal(removed, 0);
    dc_fs_listing_free(&l);
    DC_ASSERT_OK(dc_fs_sweep_temporaries(fs, 0, true, &l, &removed, &e));
    assert_int_equal(l.n, 1);
    assert_int_equal(removed, 0); /* a dry run */
    assert_int_equal(strncmp(l.entries[0].key, "data/t/big.parquet?uploadId=", 28), 0);
    assert_int_equal(l.entries[0].size, PART);
    assert_true(l.entries[0].mtime_ns > dc_clock_now_ns() - 600LL * 1000000000);
    dc_fs_listing_free(&l);
    /* pages: a first page (canned) naming an upload that is gone meanwhile, then moto's
     * page; the markers of the first page are sent back, %-decoded then re-encoded */
    snprintf(canned, sizeof canned,
             "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><EncodingType>url"
             "</EncodingType><NextKeyMarker>%s/data/a%%2Bb</NextKeyMarker><NextUploadIdMarker>"
             "gone-1</NextUploadIdMarker><Upload><Key>%s/data/gone</Key><UploadId>gone-1"
             "</UploadId><Initiated>2020-01-01T00:00:00.000Z</Initiated></Upload>"
             "</ListMultipartUploadsResult>",
             prefix, prefix);
    proxy_rule(px, RESPOND("uploads=", 1, 200, NULL, canned));
    DC_ASSERT_OK(dc_fs_sweep_temporaries(fs, 0, false, &l, &removed, &e));
    assert_int_equal(removed, 1);
    assert_int_equal(l.n, 1);
    assert_int_equal(strncmp(l.entries[0].key, "data/t/big.parquet?uploadId=", 28), 0);
    dc_fs_listing_free(&l);
    char marker[128];
    snprintf(marker, sizeof marker, "key-marker=%s%%2Fdata%%2Fa%%2Bb&", prefix);
    assert_int_equal(proxy_count(px, marker, "upload-id-marker=gone-1&uploads="), 1);
    assert_int_equal(proxy_count(px, "GET /" BUCKET "/", "/data/gone?max-parts=1000"), 1);
    assert_int_equal(proxy_count(px, "DELETE ", "uploadId="), 1);
    DC_ASSERT_OK(dc_fs_sweep_temporaries(fs, 0, true, &l, NULL, &e));
    assert_int_equal(l.n, 0);
    dc_fs_listing_free(&l);
    /* failures are explained */
    proxy_rule(px, RESPOND("uploads=", 1, 200, NULL, "<ListBucketResult/>"));
    assert_int_equal(dc_fs_sweep_temporaries(fs, 0, true, &l, NULL, &e), DC_EIO);
    assert_msg(&e, "list multipart uploads: the endpoint did not answer as S3 does");
    dc_fs_listing_free(&l);
    proxy_rule(px, RESPOND("uploads=", 1, 200, NULL,
                           "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
                           "</ListMultipartUploadsResult>"));
    assert_int_equal(dc_fs_sweep_temporaries(fs, 0, true, &l, NULL, &e), DC_EIO);
    assert_msg(&e, "a truncated page without a next marker");
    dc_fs_listing_free(&l);
    dc_free(data);
    dc_fs_unref(fs);
    proxy_stop(px);
}

/* ---- unknown outcomes
 * ------------------------------------------------------------------------------ */

typedef struct steal {
    dc_fs *direct;
    const char *key;
} steal;

static void steal_key(void *arg)
{
    steal *s = arg;
    dc_error e;
    if (dc_fs_put_if_absent(s->direct, s->key, "the other writer", 16, &e) != DC_OK)
        fail_msg("steal: %s", e.message);
}

static void unknown_outcomes_are_resolved_not_guessed(void **state)
{
    (void)state;
    proxy *px = proxy_start(g_moto.port);
    char url[64], endpoint[64], endpoint2[64];
    dc_fs_s3_options o = moto_opts(px->port, endpoint, sizeof endpoint);
    o.no_shape_check = true; /* only the writes and the checks go through the proxy */
    o.part_size = PART;
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    dc_fs_s3_options od = moto_opts(0, endpoint2, sizeof endpoint2);
    dc_fs *direct = NULL;
    DC_ASSERT_OK(dc_fs_s3_open(&direct, url, &od, NULL));
    dc_error e;

    /* the PUT took effect but its answer was lost: the HEAD finds our token */
    proxy_reset(px);
    proxy_rule(px, R(PX_FORWARD_DROP, "PUT ", 1));
    DC_ASSERT_OK(dc_fs_put_if_absent(fs, "log/1", "mine", 4, &e));
    assert_int_equal(proxy_count(px, "PUT ", "log/1"), 1);
    assert_int_equal(proxy_count(px, "HEAD ", "log/1"), 1);
    assert_string_equal(get_str(direct, "log/1"), "mine");

    /* the PUT never arrived: the HEAD finds nothing, the PUT is repeated */
    proxy_reset(px);
    proxy_rule(px, R(PX_DROP, "PUT ", 1));
    DC_ASSERT_OK(dc_fs_put_if_absent(fs, "log/2", "mine", 4, &e));
    assert_int_equal(proxy_count(px, "PUT ", "log/2"), 2);
    assert_int_equal(proxy_count(px, "HEAD ", "log/2"), 1);
    assert_string_equal(get_str(direct, "log/2"), "mine");

    /* the PUT never arrived and another writer took the key meanwhile: DC_EEXISTS */
    proxy_reset(px);
    steal st = {direct, "log/3"};
    proxy_rule(px, HOOKED(PX_DROP, "PUT ", 1, steal_key, &st));
    assert_int_equal(dc_fs_put_if_absent(fs, "log/3", "mine", 4, &e), DC_EEXISTS);
    assert_string_equal(get_str(direct, "log/3"), "the other writer");
    assert_int_equal(proxy_count(px, "PUT ", "log/3"), 1);

    /* a 412 after an unknown outcome is checked: it was our own PUT */
    proxy_reset(px);
    proxy_rule(px, R(PX_FORWARD_DROP, "PUT ", 1));
    proxy_rule(px, RESPOND("HEAD ", 1, 404, NULL, NULL)); /* a stale "absent" */
    DC_ASSERT_OK(dc_fs_put_if_absent(fs, "log/4", "mine", 4, &e));
    assert_int_equal(proxy_count(px, "PUT ", "log/4"), 2); /* the second got 412 */
    assert_int_equal(proxy_count(px, "HEAD ", "log/4"), 2);
    assert_string_equal(get_str(direct, "log/4"), "mine");

    /* a 5xx on a conditional PUT is an unknown outcome too */
    proxy_reset(px);
    proxy_rule(px, RESPOND("PUT ", 1, 500, NULL, "<Error><Code>InternalError</Code></Error>"));
    DC_ASSERT_OK(dc_fs_put_if_absent(fs, "log/5", "mine", 4, &e));
    assert_int_equal(proxy_count(px, "HEAD ", "log/5"), 1);

    /* the outcome cannot be established: DC_EIO that says so */
    proxy_reset(px);
    proxy_rule(px, R(PX_DROP, NULL, 100));
    assert_int_equal(dc_fs_put_if_absent(fs, "log/6", "mine", 4, &e), DC_EIO);
    assert_msg(&e, "log/6");
    assert_msg(&e, "outcome is unknown");
    proxy_reset(px);

    /* multipart: the Complete took effect but its answer was lost */
    uint8_t *data = pattern(2 * PART + 3, 4);
    dc_output *out = NULL;
    DC_ASSERT_OK(dc_fs_open_output(fs, "ckpt/1", DC_FS_OUTPUT_IF_ABSENT, &out, &e));
    write_chunks(out, data, 2 * PART + 3);
    proxy_rule(px, R(PX_FORWARD_DROP, "POST ", 1));
    DC_ASSERT_OK(dc_output_finish(out, &e));
    dc_output_close(out);
    assert_int_equal(proxy_count(px, "HEAD ", "ckpt/1"), 1);
    assert_int_equal(uploads_in_progress(), 0);
    dc_bytes b;
    dc_bytes_init(&b);
    DC_ASSERT_OK(dc_fs_get(direct, "ckpt/1", &b, &e));
    assert_int_equal(b.size, 2 * PART + 3);
    assert_memory_equal(b.data, data, (size_t)b.size);
    /* the Complete never arrived: checked, then sent again */
    DC_ASSERT_OK(dc_fs_open_output(fs, "ckpt/2", DC_FS_OUTPUT_IF_ABSENT, &out, &e));
    write_chunks(out, data, 2 * PART + 3);
    proxy_reset(px);
    proxy_rule(px, R(PX_DROP, "POST ", 1));
    DC_ASSERT_OK(dc_output_finish(out, &e));
    dc_output_close(out);
    assert_int_equal(proxy_count(px, "POST ", "uploadId="), 2);
    assert_int_equal(uploads_in_progress(), 0);
    /* ... and another writer took the key meanwhile */
    DC_ASSERT_OK(dc_fs_open_output(fs, "ckpt/3", DC_FS_OUTPUT_IF_ABSENT, &out, &e));
    write_chunks(out, data, 2 * PART + 3);
    proxy_reset(px);
    steal st3 = {direct, "ckpt/3"};
    proxy_rule(px, HOOKED(PX_DROP, "POST ", 1, steal_key, &st3));
    assert_int_equal(dc_output_finish(out, &e), DC_EEXISTS);
    dc_output_close(out);
    assert_string_equal(get_str(direct, "ckpt/3"), "the other writer");
    assert_int_equal(uploads_in_progress(), 0);
    dc_bytes_free(&b);
    dc_free(data);
    dc_fs_unref(direct);
    dc_fs_unref(fs);
    proxy_stop(px);
}

/* ---- retries
 * ----------------------------------------------------------------------------------------- */

static void retries_back_off_on_5xx_slowdown_and_resets(void **state)
{
    (void)state;
    proxy *px = proxy_start(g_moto.port);
    char url[64], endpoint[64];
    dc_fs_s3_options o = moto_opts(px->port, endpoint, sizeof endpoint);
    o.max_retries = 3;
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    put_str(fs, "k", "value");
    dc_error e;
    const char *slow = "<Error><Code>SlowDown</Code><Message>Please reduce your request "
                       "rate.</Message></Error>";
    /* SlowDown twice, then through */
    proxy_reset(px);
    proxy_rule(px, RESPOND("GET ", 2, 503, NULL, slow));
    assert_string_equal(get_str(fs, "k"), "value");
    assert_int_equal(proxy_count(px, "GET ", "/k"), 3);
    assert_true(log_contains("SlowDown"));
    assert_true(log_contains("retry 1 of 3"));
    /* a reset connection, a 500 on a plain PUT */
    proxy_reset(px);
    proxy_rule(px, R(PX_DROP, "HEAD ", 1));
    dc_fs_info st;
    DC_ASSERT_OK(dc_fs_stat(fs, "k", &st, &e));
    assert_int_equal(st.size, 5);
    assert_int_equal(proxy_count(px, "HEAD ", "/k"), 2);
    proxy_reset(px);
    proxy_rule(px, RESPOND("PUT ", 1, 500, NULL, "<Error><Code>InternalError</Code></Error>"));
    put_str(fs, "k", "again");
    assert_string_equal(get_str(fs, "k"), "again");
    /* a listing page fails once */
    proxy_reset(px);
    proxy_rule(px, RESPOND("list-type=2", 1, 503, NULL, slow));
    dc_fs_listing l;
    DC_ASSERT_OK(dc_fs_list_all(fs, "", true, &l, &e));
    assert_int_equal(l.n, 1);
    dc_fs_listing_free(&l);
    /* bounded: after max_retries the error says what happened */
    proxy_reset(px);
    proxy_rule(px, RESPOND("GET ", 10, 503, NULL, slow));
    dc_bytes b;
    dc_bytes_init(&b);
    int64_t t0 = dc_clock_mono_ns();
    assert_int_equal(dc_fs_get(fs, "k", &b, &e), DC_EIO);
    int64_t took = dc_clock_mono_ns() - t0;
    assert_int_equal(proxy_count(px, "GET ", "/k"), 4);
    assert_msg(&e, "HTTP 503 SlowDown");
    assert_msg(&e, "after 4 attempts");
    assert_msg(&e, "/k");
    assert_true(took >= (5 / 2 + 10 / 2 + 20 / 2) * INT64_C(1000000)); /* backoff slept */
    /* not retried: a 4xx */
    proxy_reset(px);
    proxy_rule(px, RESPOND("GET ", 10, 400, NULL,
                           "<Error><Code>InvalidArgument</Code><Message>no</Message></Error>"));
    assert_int_equal(dc_fs_get(fs, "k", &b, &e), DC_EIO);
    assert_int_equal(proxy_count(px, "GET ", "/k"), 1);
    assert_msg(&e, "HTTP 400 InvalidArgument: no");
    dc_bytes_free(&b);
    dc_fs_unref(fs);
    proxy_stop(px);
}

/* ---- inputs
 * --------------------------------------------------------------------------------------------- */

static void input_reads_ahead_and_refuses_a_replaced_object(void **state)
{
    (void)state;
    proxy *px = proxy_start(g_moto.port);
    char url[64], endpoint[64];
    dc_fs_s3_options o = moto_opts(px->port, endpoint, sizeof endpoint);
    o.read_ahead = 1000;
    dc_fs *fs = open_fresh(&o, url, sizeof url);
    int64_t n = 10000;
    uint8_t *data = pattern(n, 5);
    dc_error e;
    DC_ASSERT_OK(dc_fs_put(fs, "in/big", data, n, &e));
    proxy_reset(px);
    dc_input *in = NULL;
    DC_ASSERT_OK(dc_fs_open_input(fs, "in/big", &in, &e));
    assert_int_equal(in->size, n);
    uint8_t buf[4000];
    int64_t got;
    for (int64_t off = 0; off < 900; off += 100) { /* inside the first window: no request */
        DC_ASSERT_OK(dc_input_read_at(in, off, buf, 100, &got, &e));
        assert_int_equal(got, 100);
        assert_memory_equal(buf, data + off, 100);
    }
    assert_int_equal(proxy_count(px, "GET ", NULL), 1);
    DC_ASSERT_OK(dc_input_read_at(in, 5000, buf, 10, &got, &e)); /* a new window */
    DC_ASSERT_OK(dc_input_read_at(in, 5500, buf, 10, &got, &e));
    assert_memory_equal(buf, data + 5500, 10);
    assert_int_equal(proxy_count(px, "GET ", NULL), 2);
    DC_ASSERT_OK(dc_input_read_at(in, 2000, buf, 4000, &got, &e)); /* larger: direct */
    assert_int_equal(got, 4000);
    assert_memory_equal(buf, data + 2000, 4000);
    DC_ASSERT_OK(dc_input_read_at(in, n - 5, buf, 100, &got, &e)); /* short at the end */
    assert_int_equal(got, 5);
    assert_memory_equal(buf, data + n - 5, 5);
    DC_ASSERT_OK(dc_input_read_at(in, n, buf, 10, &got, &e));
    assert_int_equal(got, 0);
    /* replaced: the window still answers, a new range is refused (If-Match), no mix */
    uint8_t *other = pattern(n, 6);
    DC_ASSERT_OK(dc_fs_put(fs, "in/big", other, n, &e));
    DC_ASSERT_OK(dc_input_read_at(in, n - 4, buf, 2, &got, &e)); /* the last window */
    assert_memory_equal(buf, data + n - 4, 2);
    assert_int_equal(dc_input_read_at(in, 8000, buf, 10, &got, &e), DC_EIO);
    assert_msg(&e, "replaced after it was opened");
    assert_msg(&e, "in/big");
    dc_input_close(in);
    /* removed */
    DC_ASSERT_OK(dc_fs_open_input(fs, "in/big", &in, &e));
    DC_ASSERT_OK(dc_fs_remove(fs, "in/big", &e));
    assert_int_equal(dc_input_read_at(in, 8000, buf, 10, &got, &e), DC_EIO);
    assert_msg(&e, "removed after it was opened");
    dc_input_close(in);
    /* empty and missing objects */
    put_str(fs, "in/empty", "");
    DC_ASSERT_OK(dc_fs_open_input(fs, "in/empty", &in, &e));
    assert_int_equal(in->size, 0);
    DC_ASSERT_OK(dc_input_read_at(in, 0, buf, 10, &got, &e));
    assert_int_equal(got, 0);
    dc_input_close(in);
    assert_int_equal(dc_fs_open_input(fs, "in/none", &in, &e), DC_ENOTFOUND);
    dc_free(data);
    dc_free(other);
    dc_fs_unref(fs);
    proxy_stop(px);
}

/* ---- bad configurations
 * ------------------------------------------------------------------------------------ */

static void bad_credentials_are_explained_without_the_secret(void **state)
{
    (void)state;
    char endpoint[64];
    dc_fs_s3_options o = moto_opts(0, endpoint, sizeof endpoint);
    dc_fs *fs = NULL;
    dc_error e;
    const char *secret = "Sup3rSecretValueThatMustNotLeak";
    o.access_key_id = "AKIANOSUCHKEY000";
    o.secret_access_key = secret;
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/cred", &o, &e), DC_EIO);
    assert_msg(&e, "s3://" BUCKET "/cred");
    assert_msg(&e, "does not know the access key ID \"AKIANOSUCHKEY000\"");
    assert_msg(&e, "InvalidAccessKeyId");
    assert_msg(&e, "AWS_ACCESS_KEY_ID");
    assert_msg(&e, "from the options");
    assert_secret_free(&e, secret);
    /* the right key with a wrong secret */
    o.access_key_id = g_moto.key_id;
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/cred", &o, &e), DC_EIO);
    assert_msg(&e, "secret access key does not match");
    assert_msg(&e, "SignatureDoesNotMatch");
    assert_msg(&e, "AWS_SECRET_ACCESS_KEY");
    assert_secret_free(&e, secret);
    /* found later, by an operation on a handle opened without the check */
    o.no_check = true;
    DC_ASSERT_OK(dc_fs_s3_open(&fs, "s3://" BUCKET "/cred", &o, &e));
    assert_int_equal(dc_fs_put(fs, "k", "v", 1, &e), DC_EIO);
    assert_msg(&e, "SignatureDoesNotMatch");
    assert_secret_free(&e, secret);
    /* a HEAD is refused without a body: the reason is asked for */
    dc_fs_info st;
    assert_int_equal(dc_fs_stat(fs, "k", &st, &e), DC_EIO);
    assert_msg(&e, "SignatureDoesNotMatch");
    assert_secret_free(&e, secret);
    dc_fs_unref(fs);
}

static void region_errors_name_the_right_region(void **state)
{
    (void)state;
    proxy *px = proxy_start(g_moto.port);
    char endpoint[64];
    dc_fs_s3_options o = moto_opts(px->port, endpoint, sizeof endpoint);
    dc_fs *fs = NULL;
    dc_error e;
    proxy_rule(px, RESPOND("GET ", 1, 301, "x-amz-bucket-region: eu-west-1\r\n",
                           "<Error><Code>PermanentRedirect</Code><Message>The bucket you are "
                           "attempting to access must be addressed using the specified "
                           "endpoint.</Message><Endpoint>" BUCKET
                           ".s3.eu-west-1.amazonaws.com</Endpoint></Error>"));
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/r", &o, &e), DC_EIO);
    assert_non_null(
        strstr(e.message, "bucket \"" BUCKET "\" is in region eu-west-1, not us-east-1"));
    assert_msg(&e, "AWS_REGION=eu-west-1");
    assert_msg(&e, "from the options");
    /* the region only in the redirect's endpoint */
    proxy_rule(px, RESPOND("GET ", 1, 301, NULL,
                           "<Error><Code>PermanentRedirect</Code><Endpoint>" BUCKET
                           ".s3.ap-south-1.amazonaws.com</Endpoint></Error>"));
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/r", &o, &e), DC_EIO);
    assert_msg(&e, "AWS_REGION=ap-south-1");
    /* AuthorizationHeaderMalformed names the expected region */
    proxy_rule(px, RESPOND("GET ", 1, 400, NULL,
                           "<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region "
                           "'us-east-1' is wrong; expecting 'eu-central-1'</Message><Region>"
                           "eu-central-1</Region></Error>"));
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/r", &o, &e), DC_EIO);
    assert_msg(&e, "is in region eu-central-1");
    assert_msg(&e, "AuthorizationHeaderMalformed");
    assert_secret_free(&e, g_moto.secret);
    /* a HEAD redirected (no body): the region header is enough */
    DC_ASSERT_OK(dc_fs_s3_open(&fs, "s3://" BUCKET "/r", &o, &e));
    proxy_rule(px, RESPOND("HEAD ", 1, 301, "x-amz-bucket-region: us-west-2\r\n", NULL));
    proxy_rule(px, RESPOND("GET ", 1, 301, "x-amz-bucket-region: us-west-2\r\n", NULL));
    dc_fs_info st;
    assert_int_equal(dc_fs_stat(fs, "k", &st, &e), DC_EIO);
    assert_msg(&e, "AWS_REGION=us-west-2");
    assert_msg(&e, "s3://" BUCKET "/r/k");
    assert_secret_free(&e, g_moto.secret);
    dc_fs_unref(fs);
    proxy_stop(px);
}

static void unreachable_endpoints_are_explained(void **state)
{
    (void)state;
    char endpoint[64];
    dc_fs_s3_options o = moto_opts(0, endpoint, sizeof endpoint);
    dc_fs *fs = NULL;
    dc_error e;
    /* nothing listens there */
    int port = mt_free_port();
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", port);
    o.max_retries = 2;
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/u", &o, &e), DC_EIO);
    assert_msg(&e, "cannot connect to S3 endpoint");
    assert_msg(&e, endpoint);
    assert_msg(&e, "s3://" BUCKET "/u");
    assert_msg(&e, "3 attempts");
    assert_msg(&e, "server is running");
    assert_secret_free(&e, g_moto.secret);
    /* it accepts connections but never answers */
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 16), 0);
    getsockname(lfd, (struct sockaddr *)&a, &len);
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", ntohs(a.sin_port));
    o.timeout_ms = 1000;
    o.max_retries = 1;
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/u", &o, &e), DC_EIO);
    assert_msg(&e, "did not answer in time");
    assert_msg(&e, endpoint);
    assert_msg(&e, "2 attempts");
    close(lfd);
    /* a host that does not resolve */
    snprintf(endpoint, sizeof endpoint, "http://no-such-host.invalid:9");
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/u", &o, &e), DC_EIO);
    assert_msg(&e, "cannot resolve the host");
    /* a bad endpoint is a configuration error */
    snprintf(endpoint, sizeof endpoint, "ftp://127.0.0.1");
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/u", &o, &e), DC_EINVALID);
    assert_msg(&e, "is not a URL like http://host:port");
}

static void session_token_is_sent_signed_and_never_shown(void **state)
{
    (void)state;
    proxy *px = proxy_start(g_moto.port);
    char endpoint[64];
    dc_fs_s3_options o = moto_opts(px->port, endpoint, sizeof endpoint);
    const char *token = "FwoGZXIvYXdzEXAMPLETOKENthatIsSecret0123456789";
    o.session_token = token;
    dc_fs *fs = NULL;
    dc_error e;
    /* the server refuses the token, quoting it back: the message must not carry it */
    char body[512];
    snprintf(body, sizeof body,
             "<Error><Code>InvalidToken</Code><Message>The provided token %s is malformed; "
             "secret %s</Message></Error>",
             token, g_moto.secret);
    proxy_rule(px, RESPOND("GET ", 1, 400, NULL, body));
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/tok", &o, &e), DC_EIO);
    assert_msg(&e, "session token");
    assert_msg(&e, "expired or invalid");
    assert_secret_free(&e, token);
    assert_secret_free(&e, g_moto.secret);
    assert_non_null(strstr(px->last_headers, "x-amz-security-token: "));
    assert_non_null(strstr(px->last_headers, token));
    const char *auth = strstr(px->last_headers, "Authorization: AWS4-HMAC-SHA256");
    assert_non_null(auth);
    assert_non_null(strstr(auth, "x-amz-security-token")); /* among the signed headers */
    /* an unknown error echoing the secret: redacted in the generic message too */
    snprintf(body, sizeof body, "<Error><Code>Weird</Code><Message>key %s</Message></Error>",
             g_moto.secret);
    proxy_rule(px, RESPOND("GET ", 1, 400, NULL, body));
    assert_int_equal(dc_fs_s3_open(&fs, "s3://" BUCKET "/tok", &o, &e), DC_EIO);
    assert_msg(&e, "key ***");
    assert_secret_free(&e, g_moto.secret);
    /* what every write sends */
    o.session_token = NULL;
    o.no_shape_check = true;
    DC_ASSERT_OK(dc_fs_s3_open(&fs, "s3://" BUCKET "/tok", &o, &e));
    DC_ASSERT_OK(dc_fs_put_if_absent(fs, "h", "v", 1, &e));
    assert_non_null(strstr(px->last_headers, "PUT /" BUCKET "/tok/h HTTP/1.1"));
    assert_non_null(strstr(px->last_headers, "Content-Type: application/octet-stream"));
    assert_non_null(strstr(px->last_headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD"));
    assert_non_null(strstr(px->last_headers, "If-None-Match: *"));
    assert_non_null(strstr(px->last_headers, "x-amz-meta-dc-token: "));
    assert_null(strstr(px->last_headers, "x-amz-security-token"));
    dc_fs_unref(fs);
    proxy_stop(px);
}

/* ---- a catalog on S3
 * ------------------------------------------------------------------------------------ */

static void catalog_commits_and_reads_back_on_s3(void **state)
{
    (void)state;
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", g_moto.port);
    setenv("AWS_ENDPOINT_URL", endpoint, 1);
    setenv("AWS_ACCESS_KEY_ID", g_moto.key_id, 1);
    setenv("AWS_SECRET_ACCESS_KEY", g_moto.secret, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    dc_catalog *c = NULL;
    dc_error e;
    assert_int_equal(dc_catalog_open(&c, "s3://" BUCKET "/cat", NULL, &e), DC_ENOTFOUND);
    if (dc_catalog_open(&c, "s3://" BUCKET "/cat", &(dc_catalog_options){.create = true}, &e) !=
        DC_OK)
        fail_msg("create a catalog on S3: %s", e.message);
    char id[64];
    snprintf(id, sizeof id, "%s", dc_catalog_id(c));
    dc_txn *t = NULL;
    DC_ASSERT_OK(dc_txn_begin(&t, c, NULL, &e));
    if (dc_namespace_create(c, t, "sales", NULL, &e) != DC_OK)
        fail_msg("namespace: %s", e.message);
    int64_t v = 0;
    if (dc_txn_commit(t, "first on S3", &v, &e) != DC_OK)
        fail_msg("commit: %s", e.message);
    dc_txn_abort(t);
    assert_int_equal(v, 1);
    dc_catalog_close(c);
    /* another handle reads it back */
    DC_ASSERT_OK(dc_catalog_open(&c, "s3://" BUCKET "/cat", NULL, &e));
    assert_string_equal(dc_catalog_id(c), id);
    int64_t latest = 0;
    DC_ASSERT_OK(dc_catalog_latest_version(c, &latest, &e));
    assert_int_equal(latest, 1);
    bool ok = false;
    DC_ASSERT_OK(dc_namespace_exists(c, NULL, "sales", &ok, &e));
    assert_true(ok);
    dc_txn_info *h = NULL;
    int64_t n = 0;
    DC_ASSERT_OK(dc_catalog_history(c, NULL, &h, &n, &e));
    assert_int_equal(n, 1);
    assert_string_equal(h[0].message, "first on S3");
    dc_txn_info_free(h, n);
    dc_catalog_close(c);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_REGION");
}

/* ---- the XML parser
 * --------------------------------------------------------------------------------------- */

static void xml_answers_parse_and_hostile_ones_fail_cleanly(void **state)
{
    (void)state;
    dc_s3_xml x;
    dc_error e;
    const char *list =
        "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/"
        "2006-03-01/\"><IsTruncated>true</IsTruncated><Prefix>p/</Prefix><Contents><Key>p/"
        "sp%20ace+x/%C3%BC</Key><LastModified>2026-11-24T00:51:05.250Z</LastModified><Size>"
        "42</Size></Contents><CommonPrefixes><Prefix>p/d%2Fx/</Prefix></CommonPrefixes>"
        "<EncodingType>url</EncodingType><NextContinuationToken>tok/+=</NextContinuationToken>"
        "</ListBucketResult>";
    DC_ASSERT_OK(dc_s3__xml_parse(&x, list, (int64_t)strlen(list), &e));
    assert_int_equal(x.kind, DC_S3_XML_LIST);
    assert_true(x.truncated);
    assert_string_equal(x.next_token, "tok/+=");
    assert_int_equal(x.n_items, 2);
    assert_string_equal(x.items[0].key, "p/sp ace x/\xc3\xbc");
    assert_int_equal(x.items[0].size, 42);
    assert_int_equal(x.items[0].mtime_ns, INT64_C(1795481465250000000));
    assert_string_equal(x.items[1].key, "p/d/x/");
    assert_true(x.items[1].is_prefix);
    dc_s3__xml_free(&x);
    const char *ups =
        "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><EncodingType>url"
        "</EncodingType><NextKeyMarker>p/b%2Bc</NextKeyMarker><NextUploadIdMarker>u2"
        "</NextUploadIdMarker><Upload><Key>p/a%20x</Key><UploadId>u1</UploadId><Initiated>"
        "2026-11-24T00:51:05.000Z</Initiated><Owner><ID>o</ID></Owner></Upload><Upload><Key>"
        "p/b%2Bc</Key><UploadId>u2</UploadId></Upload></ListMultipartUploadsResult>";
    DC_ASSERT_OK(dc_s3__xml_parse(&x, ups, (int64_t)strlen(ups), &e));
    assert_int_equal(x.kind, DC_S3_XML_UPLOADS);
    assert_true(x.truncated);
    assert_string_equal(x.next_key_marker, "p/b+c");
    assert_string_equal(x.next_upload_id_marker, "u2");
    assert_int_equal(x.n_items, 2);
    assert_string_equal(x.items[0].key, "p/a x");
    assert_string_equal(x.items[0].upload_id, "u1");
    assert_int_equal(x.items[0].mtime_ns, INT64_C(1795481465000000000));
    assert_string_equal(x.items[1].key, "p/b+c");
    assert_int_equal(x.items[1].mtime_ns, 0);
    dc_s3__xml_free(&x);
    const char *parts =
        "<ListPartsResponse><IsTruncated>true</IsTruncated><NextPartNumberMarker>2"
        "</NextPartNumberMarker><Part><PartNumber>1</PartNumber><LastModified>"
        "2026-11-24T00:51:05.000Z</LastModified><Size>100</Size></Part><Part><PartNumber>2"
        "</PartNumber><LastModified>2026-11-24T00:51:06.000Z</LastModified><Size>50</Size>"
        "</Part></ListPartsResponse>";
    DC_ASSERT_OK(dc_s3__xml_parse(&x, parts, (int64_t)strlen(parts), &e));
    assert_int_equal(x.kind, DC_S3_XML_PARTS);
    assert_int_equal(x.n_parts, 2);
    assert_int_equal(x.parts_size, 150);
    assert_int_equal(x.parts_newest_ns, INT64_C(1795481466000000000));
    assert_int_equal(x.next_part_marker, 2);
    assert_true(x.truncated);
    assert_int_equal(x.n_items, 0);
    dc_s3__xml_free(&x);
    const char *del = "<DeleteResult><Deleted><Key>p/ok</Key></Deleted><Error><Key>p/a&amp;b"
                      "</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
                      "<Error><Key>p/c</Key></Error></DeleteResult>";
    DC_ASSERT_OK(dc_s3__xml_parse(&x, del, (int64_t)strlen(del), &e));
    assert_int_equal(x.kind, DC_S3_XML_DELETE);
    assert_int_equal(x.n_items, 2);
    assert_string_equal(x.items[0].key, "p/a&b");
    assert_string_equal(x.items[0].error_code, "AccessDenied");
    assert_string_equal(x.items[0].error_message, "Access Denied");
    assert_null(x.items[1].error_code);
    dc_s3__xml_free(&x);
    const char *err = "<Error><Code>NoSuchBucket</Code><Message>gone</Message><Region>eu-west-1"
                      "</Region></Error>";
    DC_ASSERT_OK(dc_s3__xml_parse(&x, err, (int64_t)strlen(err), &e));
    assert_int_equal(x.kind, DC_S3_XML_ERROR);
    assert_string_equal(x.code, "NoSuchBucket");
    assert_string_equal(x.region, "eu-west-1");
    dc_s3__xml_free(&x);
    struct {
        const char *doc;
        const char *why;
    } bad[] = {
        {"<ListBucketResult><Contents><Key>a", "not well-formed"},
        {"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><Error><Code>&a;</Code>"
         "</Error>",
         "DOCTYPE"},
        {"<ListBucketResult><Contents><Key>a</Key><Size>-1</Size></Contents></ListBucketResult>",
         "Size"},
        {"<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>", "no Key"},
        {"<ListBucketResult><Contents><Key>a%zz</Key></Contents><EncodingType>url</EncodingType>"
         "</ListBucketResult>",
         "%-escape"},
        {"<ListBucketResult><Contents><Key>a%00</Key></Contents><EncodingType>url</EncodingType>"
         "</ListBucketResult>",
         "%-escape"},
        {"<ListBucketResult><Contents><Key>a</Key><LastModified>yesterday</LastModified>"
         "</Contents></ListBucketResult>",
         "ISO 8601"},
        {"<ListBucketResult><Contents><Key>a</Key><LastModified>4052-11-24T00:54:20.000Z"
         "</LastModified></Contents></ListBucketResult>",
         "ISO 8601"}, /* found by fuzz_s3_xml: ns since 1970 overflowed */
        {"<ListMultipartUploadsResult><Upload><Key>a</Key></Upload></ListMultipartUploadsResult>",
         "no UploadId"},
        {"<ListMultipartUploadsResult><Upload><Key>a</Key><UploadId>u</UploadId><Initiated>now"
         "</Initiated></Upload></ListMultipartUploadsResult>",
         "Initiated"},
        {"<ListMultipartUploadsResult><NextKeyMarker>a%zz</NextKeyMarker><EncodingType>url"
         "</EncodingType></ListMultipartUploadsResult>",
         "NextKeyMarker"},
        {"<ListPartsResult><NextPartNumberMarker>two</NextPartNumberMarker></ListPartsResult>",
         "NextPartNumberMarker"},
        {"<ListPartsResult><Part><Size>9223372036854775000</Size></Part><Part><Size>1000</Size>"
         "</Part></ListPartsResult>",
         "overflow"},
        {"<DeleteResult><Error><Code>AccessDenied</Code></Error></DeleteResult>", "no Key"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(bad); i++) {
        assert_int_equal(dc_s3__xml_parse(&x, bad[i].doc, (int64_t)strlen(bad[i].doc), &e),
                         DC_ECORRUPT);
        if (!strstr(e.message, bad[i].why))
            fail_msg("doc %zu: \"%s\" lacks \"%s\"", i, e.message, bad[i].why);
        dc_s3__xml_free(&x);
    }
    /* every allocation failing in turn: DC_ENOMEM, never a crash or a leak */
    for (int64_t k = 0; k < 40; k++) {
        dc_alloc_fail_after(k);
        dc_status rc = dc_s3__xml_parse(&x, list, (int64_t)strlen(list), &e);
        dc_alloc_fail_after(-1);
        assert_true(rc == DC_OK || rc == DC_ENOMEM);
        dc_s3__xml_free(&x);
    }
    int64_t ns;
    assert_true(dc_s3__parse_http_date("Tue, 24 Nov 2026 00:51:05 GMT", &ns));
    assert_int_equal(ns, INT64_C(1795481465000000000));
    assert_false(dc_s3__parse_http_date("24 Nov 2026", &ns));
    assert_false(dc_s3__parse_iso8601("2026-13-24T00:51:05Z", &ns));
}

/* ---- main
 * -------------------------------------------------------------------------------------------------
 */

static char *g_home, *g_saved_home;

static int group_setup(void **state)
{
    (void)state;
    /* an empty HOME and no AWS_* variable: only what each test sets counts */
    const char *vars[] = {"AWS_ACCESS_KEY_ID",   "AWS_SECRET_ACCESS_KEY",
                          "AWS_SESSION_TOKEN",   "AWS_SECURITY_TOKEN",
                          "AWS_REGION",          "AWS_DEFAULT_REGION",
                          "AWS_PROFILE",         "AWS_ENDPOINT_URL",
                          "AWS_ENDPOINT_URL_S3", "AWS_SHARED_CREDENTIALS_FILE",
                          "AWS_CONFIG_FILE",     "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"};
    for (size_t i = 0; i < DC_ARRAY_LEN(vars); i++)
        unsetenv(vars[i]);
    g_saved_home = getenv("HOME") ? dc_strdup(getenv("HOME")) : NULL;
    g_home = tu_tmpdir();
    setenv("HOME", g_home, 1);
    char why[1200];
    if (!mt_start(&g_moto, why, sizeof why)) {
        print_error("test_s3: %s\n", why);
        return -1;
    }
    if (!mt_create_bucket(&g_moto, BUCKET) || !mt_enable_auth(&g_moto)) {
        print_error("test_s3: cannot set up moto (bucket, IAM key); see %s\n", g_moto.log);
        return -1;
    }
    dc_log_set_callback(capture_log, NULL, DC_LOG_TRACE);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    dc_log_set_callback(NULL, NULL, DC_LOG_ERROR);
    mt_stop(&g_moto);
    if (g_saved_home)
        setenv("HOME", g_saved_home, 1);
    tu_rmdir(g_home);
    dc_free(g_home);
    dc_free(g_saved_home);
    return 0;
}

int main(void)
{
    char where[1024];
    if (!mt_binary(where, sizeof where)) {
        printf("[  FAILED  ] test_s3: moto_server not found at %s: run scripts/bootstrap.sh "
               "(it installs tests/oracles/requirements.txt into build/venv), or set "
               "DC_MOTO_SERVER to a moto_server\n",
               where);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xml_answers_parse_and_hostile_ones_fail_cleanly),
        cmocka_unit_test(open_checks_the_url_and_the_bucket),
        cmocka_unit_test(open_by_url_uses_the_environment),
        cmocka_unit_test(put_if_absent_race_between_two_handles_has_one_winner),
        cmocka_unit_test(put_replaces_and_get_range_handles_the_edges),
        cmocka_unit_test(listing_continues_past_1000_keys_in_key_order),
        cmocka_unit_test(listing_hides_keys_this_interface_cannot_address),
        cmocka_unit_test(remove_reports_absent_keys_and_forgets_directories),
        cmocka_unit_test(multipart_output_of_several_parts),
        cmocka_unit_test(multipart_output_if_absent_has_one_winner),
        cmocka_unit_test(multipart_upload_is_aborted_on_failure_and_on_close),
        cmocka_unit_test(md5_matches_the_rfc_1321_vectors),
        cmocka_unit_test(remove_many_deletes_2500_keys_in_3_requests),
        cmocka_unit_test(remove_many_names_the_keys_s3_refuses),
        cmocka_unit_test(an_upload_the_server_dropped_is_invisible_and_swept),
        cmocka_unit_test(unknown_outcomes_are_resolved_not_guessed),
        cmocka_unit_test(retries_back_off_on_5xx_slowdown_and_resets),
        cmocka_unit_test(input_reads_ahead_and_refuses_a_replaced_object),
        cmocka_unit_test(bad_credentials_are_explained_without_the_secret),
        cmocka_unit_test(region_errors_name_the_right_region),
        cmocka_unit_test(unreachable_endpoints_are_explained),
        cmocka_unit_test(session_token_is_sent_signed_and_never_shown),
        cmocka_unit_test(catalog_commits_and_reads_back_on_s3),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
