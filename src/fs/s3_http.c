/*
 * s3_http.c: requests to S3 over libcurl, signed by libcurl's own SigV4
 * (CURLOPT_AWS_SIGV4 "aws:amz:REGION:s3"), with retries and with errors a user can act on.
 *
 * Notes on the design:
 *   1. One request is one curl_easy_perform on a handle from the client's pool; a handle
 *      keeps its connection, so connections are reused across requests and threads.
 *      Handles are reset before each use: no option leaks from one request into the next.
 *   2. Every request carries "x-amz-content-sha256: UNSIGNED-PAYLOAD" (the body is not
 *      hashed: TLS protects it, and S3 checks Content-Length). Bodies are sent from memory
 *      with a known length. No header may be removed with an empty "Name:" line: libcurl
 *      7.88 signs such a line although it does not send it, and S3 then refuses the
 *      signature (SignatureDoesNotMatch); so large bodies keep curl's "Expect:
 *      100-continue", which lets S3 refuse a conditional PUT before the body is sent.
 *   3. A 2xx body goes where the caller asked (a dc_bytes, a fixed buffer, or the
 *      response's small inline buffer); any other body is kept (cut at DC_S3_BODY_MAX)
 *      for the error's explanation.
 *   4. Retries (dc_s3__call) are for requests that may be repeated. put_if_absent and
 *      CompleteMultipartUpload are not blindly repeated: fs_s3.c resolves their unknown
 *      outcomes with a HEAD of the key (its x-amz-meta-dc-token says who wrote it).
 *   5. The secret and the session token are handed to libcurl and never formatted into a
 *      message: every message and log line is built by s3_set / s3_log, which redact.
 */
#include "fs/s3_int.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#define POOL_MAX 16
#define DIRS_CAP 1024 /* slots of the shape check's cache (cleared when 3/4 full) */

struct dc_s3 {
    dc_s3_config cfg;
    dc_s3_tunables t;
    char *bucket;
    char *root;          /* "" or "prefix/" */
    char *base;          /* URL of the bucket: "http://host:port/bucket" or "https://b.s3..." */
    char *endpoint_text; /* the endpoint, for messages */
    char sigv4[96];
    char *token_header; /* "x-amz-security-token: ..." or NULL */
    pthread_mutex_t mu; /* pool, dirs */
    CURL *pool[POOL_MAX];
    int n_pool;
    char **dirs; /* open addressing, DIRS_CAP slots */
    int n_dirs;
    atomic_int_fast64_t requests, bytes_fetched; /* dc_s3__counters */
};

/* ---- messages -------------------------------------------------------------------------- */

void dc_s3__redact(const dc_s3_config *cfg, char *msg, size_t cap)
{
    const char *secrets[2] = {cfg ? cfg->secret_access_key : NULL, cfg ? cfg->session_token : NULL};
    for (int i = 0; i < 2; i++) {
        const char *s = secrets[i];
        size_t n = s ? strlen(s) : 0;
        if (n < 4) /* too short to be a secret; redacting it would mangle the message */
            continue;
        char *hit;
        while ((hit = strstr(msg, s)) != NULL) {
            size_t rest = strlen(hit + n);
            memmove(hit + 3, hit + n, rest + 1);
            memcpy(hit, "***", 3);
            (void)cap; /* the message only shrinks (n >= 4 > 3) */
        }
    }
}

static dc_status s3_set(const dc_s3 *c, dc_error *err, dc_status code, const char *key,
                        const char *fmt, ...) DC_PRINTF(5, 6);
static dc_status s3_set(const dc_s3 *c, dc_error *err, dc_status code, const char *key,
                        const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    dc_error_setv(err, code, fmt, ap);
    va_end(ap);
    dc_s3__redact(&c->cfg, err->message, sizeof err->message);
    snprintf(err->path, sizeof err->path, "s3://%s/%s%s", c->bucket, c->root, key ? key : "");
    return code;
}

static void s3_log(const dc_s3 *c, dc_log_level level, const char *fmt, ...) DC_PRINTF(3, 4);
static void s3_log(const dc_s3 *c, dc_log_level level, const char *fmt, ...)
{
    if (!dc_log_enabled(level))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dc_s3__redact(&c->cfg, msg, sizeof msg);
    dc_log(level, "%s", msg);
}

/* ---- encoding --------------------------------------------------------------------------- */

void dc_s3__uri_encode(dc_strbuf *sb, const char *s, bool keep_slash)
{
    static const char HEX[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '_' || ch == '.' || ch == '~' || (ch == '/' && keep_slash)) {
            dc_strbuf_putc(sb, (char)ch);
        } else {
            char e[3] = {'%', HEX[ch >> 4], HEX[ch & 15]};
            dc_strbuf_append(sb, e, 3);
        }
    }
}

void dc_s3__random_token(char out[33])
{
    static atomic_uint_fast64_t counter;
    uint8_t b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        uint64_t a = (uint64_t)dc_clock_now_ns(), z = atomic_fetch_add(&counter, 1);
        a ^= dc_hash_u64(z, (uint64_t)(uintptr_t)&counter);
        memcpy(b, &a, 8);
        uint64_t m = dc_hash_u64(a, z);
        memcpy(b + 8, &m, 8);
    }
    for (int i = 0; i < 16; i++)
        snprintf(out + (size_t)2 * (size_t)i, 3, "%02x", b[i]);
}

/* ---- MD5, for Content-MD5 (OpenSSL's; S3 requires it on DeleteObjects) ------------------ */

void dc_s3__md5(const void *data, size_t n, uint8_t out[16])
{
    unsigned int len = 16;
    if (EVP_Digest(data, n, out, &len, EVP_md5(), NULL) != 1) /* only if OpenSSL is broken */
        memset(out, 0, 16);
}

void dc_s3__md5_base64(const void *data, size_t n, char out[25])
{
    static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t d[18] = {0}; /* 16 bytes, padded to a multiple of 3 */
    dc_s3__md5(data, n, d);
    for (int i = 0, o = 0; i < 18; i += 3, o += 4) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        out[o] = B64[v >> 18];
        out[o + 1] = B64[(v >> 12) & 63];
        out[o + 2] = B64[(v >> 6) & 63];
        out[o + 3] = B64[v & 63];
    }
    out[22] = out[23] = '='; /* 16 bytes: the last group holds one byte */
    out[24] = '\0';
}

/* ---- the client ------------------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const dc_s3_tunables *dc_s3__tunables(const dc_s3 *c)
{
    return &c->t;
}
dc_s3_tunables *dc_s3__tunables_edit(dc_s3 *c)
{
    return &c->t;
}

void dc_s3__counters(dc_s3 *c, dc_s3_counters *out)
{
    out->requests = atomic_load(&c->requests);
    out->bytes_fetched = atomic_load(&c->bytes_fetched);
}

const char *dc_s3__bucket(const dc_s3 *c)
{
    return c->bucket;
}
const char *dc_s3__root(const dc_s3 *c)
{
    return c->root;
}

void dc_s3__client_free(dc_s3 *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_pool; i++)
        curl_easy_cleanup(c->pool[i]);
    if (c->dirs) {
        for (int i = 0; i < DIRS_CAP; i++)
            dc_free(c->dirs[i]);
        dc_free(c->dirs);
    }
    if (c->token_header) {
        volatile char *v = c->token_header;
        while (*v)
            *v++ = 0;
        dc_free(c->token_header);
    }
    pthread_mutex_destroy(&c->mu);
    dc_s3__config_free(&c->cfg);
    dc_free(c->bucket);
    dc_free(c->root);
    dc_free(c->base);
    dc_free(c->endpoint_text);
    dc_free(c);
}

/* Whether `b` can be a host name label (virtual-host addressing over TLS). */
static bool dns_safe(const char *b)
{
    for (const char *p = b; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

dc_status dc_s3__client_new(dc_s3 **out, dc_s3_config *cfg, const char *bucket, const char *root,
                            const dc_s3_tunables *t, dc_error *err)
{
    *out = NULL;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        dc_s3__config_free(cfg);
        return dc_error_set(err, DC_EIO, "cannot initialize libcurl: %s",
                            curl_easy_strerror(curl_init_rc));
    }
    dc_status rc = DC_OK;
    dc_s3 *c = dc_calloc(1, sizeof *c);
    if (!c) {
        dc_s3__config_free(cfg);
        return dc_error_nomem(err);
    }
    c->cfg = *cfg;
    memset(cfg, 0, sizeof *cfg);
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        dc_s3__config_free(&c->cfg);
        dc_free(c);
        return dc_error_nomem(err);
    }
    c->t = *t;
    atomic_init(&c->requests, 0);
    atomic_init(&c->bytes_fetched, 0);
    c->bucket = dc_strdup(bucket);
    c->root = dc_strdup(root);
    c->dirs = dc_calloc(DIRS_CAP, sizeof *c->dirs);
    DC_TRY_ALLOC(c->bucket, err);
    DC_TRY_ALLOC(c->root, err);
    DC_TRY_ALLOC(c->dirs, err);
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    if (c->cfg.endpoint) {
        dc_strbuf_printf(&sb, "%s/", c->cfg.endpoint);
        dc_s3__uri_encode(&sb, bucket, false);
        c->base = dc_strbuf_detach(&sb);
        c->endpoint_text = dc_strdup(c->cfg.endpoint);
    } else {
        /* AWS: virtual-host style, unless the bucket cannot be a host name label */
        if (dns_safe(bucket)) {
            dc_strbuf_printf(&sb, "https://%s.s3.%s.amazonaws.com", bucket, c->cfg.region);
        } else {
            dc_strbuf_printf(&sb, "https://s3.%s.amazonaws.com/", c->cfg.region);
            dc_s3__uri_encode(&sb, bucket, false);
            c->cfg.path_style = true;
        }
        c->base = dc_strbuf_detach(&sb);
        dc_strbuf_printf(&sb, "https://s3.%s.amazonaws.com", c->cfg.region);
        c->endpoint_text = dc_strbuf_detach(&sb);
    }
    DC_TRY_ALLOC(c->base, err);
    DC_TRY_ALLOC(c->endpoint_text, err);
    snprintf(c->sigv4, sizeof c->sigv4, "aws:amz:%s:s3", c->cfg.region);
    if (c->cfg.session_token) {
        dc_strbuf_printf(&sb, "x-amz-security-token: %s", c->cfg.session_token);
        c->token_header = dc_strbuf_detach(&sb);
        DC_TRY_ALLOC(c->token_header, err);
    }
    *out = c;
    return DC_OK;
cleanup:
    dc_s3__client_free(c);
    return rc;
}

static CURL *pool_get(dc_s3 *c)
{
    CURL *h = NULL;
    pthread_mutex_lock(&c->mu);
    if (c->n_pool > 0)
        h = c->pool[--c->n_pool];
    pthread_mutex_unlock(&c->mu);
    if (h)
        curl_easy_reset(h);
    else
        h = curl_easy_init();
    return h;
}

static void pool_put(dc_s3 *c, CURL *h)
{
    pthread_mutex_lock(&c->mu);
    if (c->n_pool < POOL_MAX) {
        c->pool[c->n_pool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (h)
        curl_easy_cleanup(h);
}

/* ---- the shape check's cache ----------------------------------------------------------------- */

static size_t dir_slot(const char *p, size_t len)
{
    return (size_t)(dc_hash_bytes(p, len, 0x53335f646972ULL) % DIRS_CAP);
}

bool dc_s3__dir_known(dc_s3 *c, const char *prefix, size_t len)
{
    bool hit = false;
    pthread_mutex_lock(&c->mu);
    for (size_t i = dir_slot(prefix, len), k = 0; k < DIRS_CAP; i = (i + 1) % DIRS_CAP, k++) {
        const char *d = c->dirs[i];
        if (!d)
            break;
        if (strlen(d) == len && memcmp(d, prefix, len) == 0) {
            hit = true;
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static void dirs_clear_locked(dc_s3 *c)
{
    for (int i = 0; i < DIRS_CAP; i++) {
        dc_free(c->dirs[i]);
        c->dirs[i] = NULL;
    }
    c->n_dirs = 0;
}

void dc_s3__dir_add(dc_s3 *c, const char *prefix, size_t len)
{
    char *copy = dc_malloc(len + 1);
    if (!copy)
        return; /* a cache: forgetting is always allowed */
    memcpy(copy, prefix, len);
    copy[len] = '\0';
    pthread_mutex_lock(&c->mu);
    if (c->n_dirs >= DIRS_CAP * 3 / 4)
        dirs_clear_locked(c);
    size_t i = dir_slot(prefix, len);
    for (;; i = (i + 1) % DIRS_CAP) {
        if (!c->dirs[i])
            break;
        if (strcmp(c->dirs[i], copy) == 0) {
            dc_free(copy);
            copy = NULL;
            break;
        }
    }
    if (copy) {
        c->dirs[i] = copy;
        c->n_dirs++;
    }
    pthread_mutex_unlock(&c->mu);
}

void dc_s3__dir_forget_all(dc_s3 *c)
{
    pthread_mutex_lock(&c->mu);
    dirs_clear_locked(c);
    pthread_mutex_unlock(&c->mu);
}

/* ---- one request ------------------------------------------------------------------------------
 */

typedef struct xfer {
    const dc_s3_req *q;
    dc_s3_resp *r;
    int64_t sent; /* body bytes handed to curl */
} xfer;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *user)
{
    xfer *x = user;
    dc_s3_resp *r = x->r;
    const dc_s3_req *q = x->q;
    size_t n = size * nmemb;
    if (r->status >= 200 && r->status < 300 && (q->out || q->dest)) {
        if (q->out) {
            if (dc_bytes_append(q->out, ptr, (int64_t)n) != DC_OK) {
                r->nomem = true;
                return 0;
            }
        } else {
            if (r->got + (int64_t)n > q->dest_cap) {
                r->overflow = true;
                return 0;
            }
            memcpy(q->dest + r->got, ptr, n);
        }
        r->got += (int64_t)n;
        return n;
    }
    size_t room = DC_S3_BODY_MAX - 1 - (size_t)r->body_len;
    size_t k = DC_MIN(n, room);
    memcpy(r->body + r->body_len, ptr, k);
    r->body_len += (int64_t)k;
    r->body[r->body_len] = 0;
    return n;
}

static bool header_is(const char *line, size_t len, const char *name, const char **value,
                      size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || !dc_str_ieq(line, (int64_t)n, name))
        return false;
    const char *v = line + n + 1, *e = line + len;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
        e--;
    *value = v;
    *vlen = (size_t)(e - v);
    return true;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    n = DC_MIN(n, cap - 1);
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *user)
{
    xfer *x = user;
    dc_s3_resp *r = x->r;
    size_t len = size * nmemb;
    const char *v;
    size_t vn;
    char tmp[128];
    if (len > 5 && memcmp(line, "HTTP/", 5) == 0) {
        /* a status line (also of an interim 1xx answer): headers start over */
        const char *sp = memchr(line, ' ', len);
        r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
        r->content_length = r->total_size = -1;
        r->mtime_ns = 0;
        r->etag[0] = r->token[0] = r->bucket_region[0] = '\0';
    } else if (header_is(line, len, "content-length", &v, &vn)) {
        copy_value(tmp, sizeof tmp, v, vn);
        r->content_length = strtoll(tmp, NULL, 10);
    } else if (header_is(line, len, "content-range", &v, &vn)) {
        copy_value(tmp, sizeof tmp, v, vn);
        const char *slash = strchr(tmp, '/');
        if (slash && slash[1] >= '0' && slash[1] <= '9')
            r->total_size = strtoll(slash + 1, NULL, 10);
    } else if (header_is(line, len, "last-modified", &v, &vn)) {
        copy_value(tmp, sizeof tmp, v, vn);
        if (!dc_s3__parse_http_date(tmp, &r->mtime_ns))
            r->mtime_ns = 0;
    } else if (header_is(line, len, "etag", &v, &vn)) {
        copy_value(r->etag, sizeof r->etag, v, vn);
    } else if (header_is(line, len, "x-amz-meta-dc-token", &v, &vn)) {
        copy_value(r->token, sizeof r->token, v, vn);
    } else if (header_is(line, len, "x-amz-bucket-region", &v, &vn)) {
        copy_value(r->bucket_region, sizeof r->bucket_region, v, vn);
    }
    return len;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *user)
{
    xfer *x = user;
    int64_t left = x->q->body_len - x->sent;
    size_t k = (size_t)DC_MIN((int64_t)(size * nmemb), left);
    if (k > 0)
        memcpy(buf, (const uint8_t *)x->q->body + x->sent, k);
    x->sent += (int64_t)k;
    return k;
}

static int on_seek(void *user, curl_off_t offset, int origin)
{
    xfer *x = user;
    if (origin != SEEK_SET || offset < 0 || offset > x->q->body_len)
        return CURL_SEEKFUNC_FAIL;
    x->sent = offset;
    return CURL_SEEKFUNC_OK;
}

/* Build the URL of a request. */
static void build_url(dc_s3 *c, const dc_s3_req *q, dc_strbuf *sb)
{
    dc_strbuf_puts(sb, c->base);
    if (q->key) {
        dc_strbuf_putc(sb, '/');
        dc_s3__uri_encode(sb, c->root, true);
        dc_s3__uri_encode(sb, q->key, true);
    } else if (!c->cfg.path_style) {
        dc_strbuf_putc(sb, '/');
    }
    if (q->query) {
        dc_strbuf_putc(sb, '?');
        dc_strbuf_puts(sb, q->query);
    }
}

/* Whether a curl failure happened before anything could reach the server. */
static bool before_sending(CURLcode cc, curl_off_t request_size)
{
    switch (cc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE: return true;
    default: return request_size == 0;
    }
}

dc_status dc_s3__perform(dc_s3 *c, const dc_s3_req *q, dc_s3_resp *r, dc_error *err)
{
    memset(r, 0, offsetof(dc_s3_resp, body));
    r->body[0] = 0;
    r->body_len = 0;
    r->content_length = r->total_size = -1;
    dc_status rc = DC_OK;
    struct curl_slist *hs = NULL;
    CURL *h = NULL;
    dc_strbuf url;
    dc_strbuf_init(&url);
    build_url(c, q, &url);
    if (dc_strbuf_status(&url) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    char line[256];
    bool has_body = strcmp(q->method, "PUT") == 0 || strcmp(q->method, "POST") == 0;
#define ADD(text)                                                                                  \
    do {                                                                                           \
        struct curl_slist *n_ = curl_slist_append(hs, (text));                                     \
        if (!n_) {                                                                                 \
            rc = dc_error_nomem(err);                                                              \
            goto cleanup;                                                                          \
        }                                                                                          \
        hs = n_;                                                                                   \
    } while (0)
    ADD("x-amz-content-sha256: UNSIGNED-PAYLOAD");
    if (has_body) {
        snprintf(line, sizeof line, "Content-Type: %s",
                 q->content_type ? q->content_type : "application/octet-stream");
        ADD(line);
    }
    if (q->if_none_match) {
        snprintf(line, sizeof line, "If-None-Match: %s", q->if_none_match);
        ADD(line);
    }
    if (q->if_match) {
        snprintf(line, sizeof line, "If-Match: %s", q->if_match);
        ADD(line);
    }
    if (q->content_md5) {
        snprintf(line, sizeof line, "Content-MD5: %s", q->content_md5);
        ADD(line);
    }
    if (q->token) {
        snprintf(line, sizeof line, "x-amz-meta-dc-token: %s", q->token);
        ADD(line);
    }
    if (q->has_range) {
        if (q->range_last >= 0)
            snprintf(line, sizeof line, "Range: bytes=%lld-%lld", (long long)q->range_first,
                     (long long)q->range_last);
        else
            snprintf(line, sizeof line, "Range: bytes=%lld-", (long long)q->range_first);
        ADD(line);
    }
    if (c->token_header)
        ADD(c->token_header);
#undef ADD
    h = pool_get(c);
    if (!h) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    xfer x = {q, r, 0};
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, dc_strbuf_cstr(&url));
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "deltacat-c libcurl");
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, c->sigv4);
    curl_easy_setopt(h, CURLOPT_USERNAME, c->cfg.access_key_id);
    curl_easy_setopt(h, CURLOPT_PASSWORD, c->cfg.secret_access_key);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->t.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)DC_MAX(1, (c->t.timeout_ms + 999) / 1000));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (strcmp(q->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(q->method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &x);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, &x);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_len);
    } else if (strcmp(q->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? (const char *)q->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    } else if (strcmp(q->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    }
    CURLcode cc = curl_easy_perform(h);
    r->curl_code = (int)cc;
    atomic_fetch_add(&c->requests, 1);
    atomic_fetch_add(&c->bytes_fetched, r->got);
    if (cc == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        r->status = status;
    } else if (r->nomem) {
        rc = dc_error_nomem(err);
    } else if (r->overflow) {
        /* the answer was bigger than asked for: an answer all the same */
    } else {
        curl_off_t reqsize = 0;
        curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &reqsize);
        r->status = 0;
        r->maybe_sent = !before_sending(cc, reqsize);
        snprintf(r->curl_msg, sizeof r->curl_msg, "%s",
                 errbuf[0] ? errbuf : curl_easy_strerror(cc));
        dc_s3__redact(&c->cfg, r->curl_msg, sizeof r->curl_msg);
        rc = DC_EIO;
    }
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    pool_put(c, h);
cleanup:
    curl_slist_free_all(hs);
    dc_strbuf_free(&url);
    return rc;
}

/* ---- retries ----------------------------------------------------------------------------------
 */

static bool body_has_code(const dc_s3_resp *r, const char *code)
{
    char needle[80];
    snprintf(needle, sizeof needle, "<Code>%s</Code>", code);
    return r->body_len > 0 && strstr((const char *)r->body, needle) != NULL;
}

bool dc_s3__retryable(const dc_s3_resp *r)
{
    if (r->status == 0) {
        switch ((CURLcode)r->curl_code) {
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM: return true;
        default: return false;
        }
    }
    if (r->status >= 500 || r->status == 429)
        return true;
    return r->status == 400 && body_has_code(r, "RequestTimeout");
}

static const char *reason(const dc_s3_resp *r, char *buf, size_t cap)
{
    if (r->status == 0) {
        snprintf(buf, cap, "%s", r->curl_msg);
    } else {
        const char *code = body_has_code(r, "SlowDown")        ? " SlowDown"
                           : body_has_code(r, "InternalError") ? " InternalError"
                                                               : "";
        snprintf(buf, cap, "HTTP %ld%s", r->status, code);
    }
    return buf;
}

void dc_s3__backoff(const dc_s3 *c, int attempt, const dc_s3_req *q, const dc_s3_resp *r)
{
    int64_t d = c->t.retry_base_ms;
    for (int i = 1; i < attempt && d < c->t.retry_max_ms; i++)
        d *= 2;
    d = DC_MIN(d, (int64_t)c->t.retry_max_ms);
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        rnd = (uint32_t)dc_clock_now_ns();
    int64_t ms = d / 2 + (d > 1 ? (int64_t)(rnd % (uint32_t)(d / 2 + 1)) : 0); /* equal jitter */
    char why[300];
    s3_log(c, DC_LOG_WARN, "s3://%s/%s%s: %s failed (%s); retry %d of %d in %lld ms", c->bucket,
           c->root, q->key ? q->key : "", q->what ? q->what : q->method, reason(r, why, sizeof why),
           attempt, c->t.max_retries, (long long)ms);
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

dc_status dc_s3__call(dc_s3 *c, const dc_s3_req *q, dc_s3_resp *r, dc_error *err)
{
    int64_t out_start = q->out ? q->out->size : 0;
    for (int attempt = 0;; attempt++) {
        dc_status rc = dc_s3__perform(c, q, r, err);
        r->attempts = attempt + 1;
        if (rc == DC_ENOMEM)
            return rc;
        if (!dc_s3__retryable(r) || attempt >= c->t.max_retries)
            break;
        dc_s3__backoff(c, attempt + 1, q, r);
        if (q->out)
            q->out->size = out_start;
    }
    if (r->status == 0)
        return dc_s3__error(c, r, q->what ? q->what : q->method, q->key, err);
    return DC_OK;
}

/* ---- errors -----------------------------------------------------------------------------------
 */

/* The region in an S3 endpoint host: "b.s3.eu-west-1.amazonaws.com", "s3-eu-west-1...". */
static void region_of_endpoint(const char *host, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = strstr(host, "s3.");
    const char *q = strstr(host, "s3-");
    const char *s = p && (!q || p < q) ? p + 3 : q ? q + 3 : NULL;
    if (!s)
        return;
    if (strncmp(s, "dualstack.", 10) == 0)
        s += 10;
    size_t n = strcspn(s, ".");
    if (n == 0 || strncmp(s, "amazonaws", 9) == 0) {
        snprintf(out, cap, "us-east-1");
        return;
    }
    snprintf(out, cap, "%.*s", (int)DC_MIN(n, cap - 1), s);
}

static dc_status transport_error(dc_s3 *c, const dc_s3_resp *r, const char *what, const char *key,
                                 dc_error *err)
{
    const char *obj_key = key ? key : "";
    const char *tries = r->attempts > 1 ? " attempts" : " attempt";
    switch ((CURLcode)r->curl_code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return s3_set(c, err, DC_EIO, key,
                      "s3://%s/%s%s: %s: cannot resolve the host of S3 endpoint %s (from %s): "
                      "%s; check the endpoint and DNS",
                      c->bucket, c->root, obj_key, what, c->endpoint_text, c->cfg.endpoint_source,
                      r->curl_msg);
    case CURLE_COULDNT_CONNECT:
        return s3_set(c, err, DC_EIO, key,
                      "s3://%s/%s%s: %s: cannot connect to S3 endpoint %s (from %s): %s (%d%s); "
                      "check that the endpoint is right and the server is running",
                      c->bucket, c->root, obj_key, what, c->endpoint_text, c->cfg.endpoint_source,
                      r->curl_msg, r->attempts, tries);
    case CURLE_OPERATION_TIMEDOUT:
        return s3_set(c, err, DC_EIO, key,
                      "s3://%s/%s%s: %s: S3 endpoint %s (from %s) did not answer in time: %s "
                      "(%d%s)%s; check the endpoint and the network, or raise the timeout",
                      c->bucket, c->root, obj_key, what, c->endpoint_text, c->cfg.endpoint_source,
                      r->curl_msg, r->attempts, tries,
                      r->maybe_sent ? "; the request may or may not have taken effect" : "");
    default:
        return s3_set(c, err, DC_EIO, key,
                      "s3://%s/%s%s: %s: the connection to S3 endpoint %s failed: %s (%d%s)%s",
                      c->bucket, c->root, obj_key, what, c->endpoint_text, r->curl_msg, r->attempts,
                      tries, r->maybe_sent ? "; the request may or may not have taken effect" : "");
    }
}

dc_status dc_s3__error(dc_s3 *c, const dc_s3_resp *r, const char *what, const char *key,
                       dc_error *err)
{
    if (r->status == 0)
        return transport_error(c, r, what, key, err);
    const char *k = key ? key : "";
    dc_s3_xml x;
    memset(&x, 0, sizeof x);
    dc_error ignored;
    if (r->body_len > 0 && (dc_s3__xml_parse(&x, r->body, r->body_len, &ignored) != DC_OK ||
                            x.kind != DC_S3_XML_ERROR)) {
        dc_s3__xml_free(&x); /* not an S3 error document: the status alone explains */
        memset(&x, 0, sizeof x);
    }
    const char *code = x.code[0]          ? x.code
                       : r->status == 404 ? (key ? "NoSuchKey" : "NoSuchBucket")
                       : r->status == 412 ? "PreconditionFailed"
                       : r->status == 301 ? "PermanentRedirect"
                       : r->status == 403 ? "AccessDenied"
                                          : "";
    char region[64];
    snprintf(region, sizeof region, "%s", r->bucket_region[0] ? r->bucket_region : x.region);
    if (!region[0] && x.endpoint[0])
        region_of_endpoint(x.endpoint, region, sizeof region);
    char retried[48] = "";
    if (r->attempts > 1)
        snprintf(retried, sizeof retried, " after %d attempts", r->attempts);
    dc_status rc;
    if (strcmp(code, "NoSuchKey") == 0) {
        rc = s3_set(c, err, DC_ENOTFOUND, key, "s3://%s/%s%s: no such object", c->bucket, c->root,
                    k);
    } else if (r->status == 412) {
        rc = s3_set(c, err, DC_EEXISTS, key, "s3://%s/%s%s: already exists", c->bucket, c->root, k);
    } else if (strcmp(code, "NoSuchBucket") == 0) {
        rc = s3_set(c, err, DC_EIO, key,
                    "s3://%s/%s%s: %s: bucket \"%s\" does not exist at %s (region %s): create it "
                    "or fix the URL",
                    c->bucket, c->root, k, what, c->bucket, c->endpoint_text, c->cfg.region);
    } else if (strcmp(code, "InvalidAccessKeyId") == 0) {
        rc = s3_set(c, err, DC_EIO, key,
                    "s3://%s/%s%s: %s: S3 does not know the access key ID \"%s\" (from %s; "
                    "InvalidAccessKeyId): check AWS_ACCESS_KEY_ID or the profile's "
                    "aws_access_key_id, and that endpoint %s is the right one",
                    c->bucket, c->root, k, what, c->cfg.access_key_id, c->cfg.credentials_source,
                    c->endpoint_text);
    } else if (strcmp(code, "SignatureDoesNotMatch") == 0) {
        rc = s3_set(c, err, DC_EIO, key,
                    "s3://%s/%s%s: %s: the secret access key does not match the access key ID "
                    "\"%s\" (from %s; SignatureDoesNotMatch): check AWS_SECRET_ACCESS_KEY or the "
                    "profile's aws_secret_access_key",
                    c->bucket, c->root, k, what, c->cfg.access_key_id, c->cfg.credentials_source);
    } else if (strcmp(code, "PermanentRedirect") == 0 || strcmp(code, "TemporaryRedirect") == 0 ||
               strcmp(code, "IllegalLocationConstraintException") == 0 ||
               (strcmp(code, "AuthorizationHeaderMalformed") == 0 && region[0])) {
        if (region[0])
            rc = s3_set(c, err, DC_EIO, key,
                        "s3://%s/%s%s: %s: bucket \"%s\" is in region %s, not %s (from %s; %s): "
                        "set AWS_REGION=%s or the region option",
                        c->bucket, c->root, k, what, c->bucket, region, c->cfg.region,
                        c->cfg.region_source, code, region);
        else
            rc = s3_set(c, err, DC_EIO, key,
                        "s3://%s/%s%s: %s: bucket \"%s\" is not in region %s (from %s; %s): set "
                        "AWS_REGION to the bucket's region",
                        c->bucket, c->root, k, what, c->bucket, c->cfg.region, c->cfg.region_source,
                        code);
    } else if (strcmp(code, "AccessDenied") == 0 || strcmp(code, "AllAccessDisabled") == 0) {
        rc = s3_set(c, err, DC_EIO, key,
                    "s3://%s/%s%s: %s: access denied (HTTP %ld %s) for access key ID \"%s\" "
                    "(from %s): check the credentials, and that they may read, write, list and "
                    "delete in bucket \"%s\"",
                    c->bucket, c->root, k, what, r->status, code, c->cfg.access_key_id,
                    c->cfg.credentials_source, c->bucket);
    } else if (strcmp(code, "ExpiredToken") == 0 || strcmp(code, "InvalidToken") == 0 ||
               strcmp(code, "TokenRefreshRequired") == 0) {
        rc = s3_set(c, err, DC_EIO, key,
                    "s3://%s/%s%s: %s: the session token (from %s) is expired or invalid (%s): "
                    "get fresh credentials",
                    c->bucket, c->root, k, what, c->cfg.credentials_source, code);
    } else if (strcmp(code, "RequestTimeTooSkewed") == 0) {
        rc = s3_set(c, err, DC_EIO, key,
                    "s3://%s/%s%s: %s: this machine's clock is too far from S3's "
                    "(RequestTimeTooSkewed): fix the clock",
                    c->bucket, c->root, k, what);
    } else {
        rc = s3_set(c, err, DC_EIO, key, "s3://%s/%s%s: %s failed: HTTP %ld%s%s%s%s%s%s", c->bucket,
                    c->root, k, what, r->status, code[0] ? " " : "", code, x.message[0] ? ": " : "",
                    x.message, retried,
                    r->status >= 500 ? "; S3 is failing or overloaded, try again later" : "");
    }
    dc_s3__xml_free(&x);
    return rc;
}
