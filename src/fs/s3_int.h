/*
 * s3_int.h: the parts of the S3 backend (fs_s3.c), shared by its files and tests.
 *
 *   s3_config.c  where the region, endpoint and credentials come from (options, the
 *                environment, ~/.aws/credentials and ~/.aws/config), the AWS way;
 *   s3_xml.c     the XML of S3's answers (ListObjectsV2 pages, errors, multipart
 *                uploads), parsed with expat from bytes (fuzz/fuzz_s3_xml.c);
 *   s3_http.c    one request (libcurl, signed with its SigV4), retries with backoff,
 *                and the translation of S3's refusals into messages a user can act on;
 *   fs_s3.c      the dc_fs backend over those.
 *
 * Secrets: the secret key and the session token live only in dc_s3_config and in
 * libcurl's handles. Every message built here goes through dc_s3__redact, so even a
 * server echoing them back cannot put them into a dc_error or a log line.
 */
#ifndef DC_S3_INT_H
#define DC_S3_INT_H

#include "fs/fs_int.h"

/* ---- configuration (s3_config.c) -------------------------------------------------------- */

#define DC_S3_SOURCE_MAX 320

typedef struct dc_s3_config {
    char *region;
    char *endpoint;      /* "scheme://host[:port][/path]" without a trailing '/'; NULL: AWS */
    char *access_key_id; /* never NULL after a successful resolve */
    char *secret_access_key;
    char *session_token; /* NULL when none */
    char *profile;       /* the profile consulted ("default" when none was named) */
    bool path_style;     /* http://host/bucket/key rather than http://bucket.host/key */
    /* where each value came from, for messages: "the environment (AWS_REGION)" */
    char region_source[DC_S3_SOURCE_MAX];
    char endpoint_source[DC_S3_SOURCE_MAX];
    char credentials_source[DC_S3_SOURCE_MAX];
} dc_s3_config;

/*
 * Resolve the configuration from `o` (may be NULL) and the environment; see
 * dc_fs_s3_options in fs_int.h for the order. Fails with DC_EINVALID (no credentials, half
 * a key pair, a profile that exists in neither file, a malformed endpoint or region, an
 * unreadable file), DC_ENOMEM. On failure `out` holds nothing to free; on success free it
 * with dc_s3__config_free.
 */
dc_status dc_s3__config_resolve(dc_s3_config *out, const dc_fs_s3_options *o, dc_error *err);
void dc_s3__config_free(dc_s3_config *c); /* NULL-safe; wipes the secrets */

/*
 * Look up `key` in section `section` of INI text (`text`, `n` bytes), as the AWS files
 * are written: "[section]" headers, "key = value" lines, '#' and ';' comments; keys and
 * section names compare exactly, values are trimmed; indented lines (sub-sections such
 * as "s3 =\n  addressing_style = path") are skipped. *found says whether the section
 * exists at all. *out is a new string (dc_free) or NULL when the key is absent.
 */
dc_status dc_s3__ini_get(const char *text, int64_t n, const char *section, const char *key,
                         char **out, bool *found, dc_error *err);

/* ---- XML answers (s3_xml.c) ------------------------------------------------------------- */

typedef enum dc_s3_xml_kind {
    DC_S3_XML_OTHER = 0,
    DC_S3_XML_LIST,     /* ListBucketResult (ListObjectsV2) */
    DC_S3_XML_ERROR,    /* Error */
    DC_S3_XML_INITIATE, /* InitiateMultipartUploadResult */
    DC_S3_XML_COMPLETE, /* CompleteMultipartUploadResult */
    DC_S3_XML_UPLOADS,  /* ListMultipartUploadsResult */
    DC_S3_XML_PARTS,    /* ListPartsResult */
    DC_S3_XML_DELETE,   /* DeleteResult (DeleteObjects) */
} dc_s3_xml_kind;

/* One item of a listing: an object or a rolled-up prefix (LIST), an upload in progress
 * (UPLOADS: key, upload_id, mtime_ns = Initiated), or a key DeleteObjects failed to
 * delete (DELETE: key, error_code, error_message). */
typedef struct dc_s3_xml_item {
    const char *key; /* a key (Contents) or a rolled-up prefix (CommonPrefixes), decoded */
    bool is_prefix;
    int64_t size;     /* -1 for a prefix, 0 when absent */
    int64_t mtime_ns; /* 0 when absent */
    const char *upload_id;     /* UPLOADS */
    const char *error_code;    /* DELETE, NULL when absent */
    const char *error_message; /* DELETE, NULL when absent */
} dc_s3_xml_item;

typedef struct dc_s3_xml {
    dc_s3_xml_kind kind;
    /* Error: short fields, cut to fit */
    char code[64];
    char message[256];
    char region[64];    /* <Region> of AuthorizationHeaderMalformed & co */
    char endpoint[256]; /* <Endpoint> of PermanentRedirect */
    /* InitiateMultipartUploadResult */
    const char *upload_id; /* NULL when absent */
    /* ListBucketResult, items in document order (Contents, then CommonPrefixes);
     * ListMultipartUploadsResult (uploads); DeleteResult (the keys that failed) */
    dc_s3_xml_item *items;
    int64_t n_items, cap_items;
    bool truncated;         /* IsTruncated (ListBucketResult, uploads, parts) */
    const char *next_token; /* NextContinuationToken, NULL when absent */
    bool url_encoded;       /* EncodingType was "url": keys were decoded */
    /* ListMultipartUploadsResult: where the next page starts (NULL when absent) */
    const char *next_key_marker, *next_upload_id_marker;
    /* ListPartsResult: the page's parts in total, and where the next page starts */
    int64_t n_parts, parts_size, parts_newest_ns, next_part_marker;
    dc_arena strings;       /* every string above */
} dc_s3_xml;

/*
 * Parse one S3 answer from `n` bytes. The root element decides `kind`; unknown elements
 * are ignored. With EncodingType "url" the keys and prefixes are %-decoded ('+' is a
 * space). Fails with DC_ECORRUPT (not well-formed XML, a DOCTYPE, a bad number, a bad
 * %-escape) or DC_ENOMEM; `out` must be freed with dc_s3__xml_free either way.
 */
dc_status dc_s3__xml_parse(dc_s3_xml *out, const void *data, int64_t n, dc_error *err);
void dc_s3__xml_free(dc_s3_xml *x); /* NULL-safe */

/* An ISO 8601 time "2026-11-24T00:51:05.000Z" in ns since the epoch; false when bad. */
bool dc_s3__parse_iso8601(const char *s, int64_t *ns);
/* An HTTP date "Tue, 24 Nov 2026 00:51:05 GMT" in ns since the epoch; false when bad. */
bool dc_s3__parse_http_date(const char *s, int64_t *ns);

/* ---- requests (s3_http.c) ---------------------------------------------------------------- */

typedef struct dc_s3 dc_s3;

/* Tunables, defaults filled in by dc_s3__client_new. */
typedef struct dc_s3_tunables {
    int64_t part_size;
    int64_t read_ahead;
    int max_retries;
    int retry_base_ms;
    int retry_max_ms;
    int connect_timeout_ms;
    int timeout_ms;
    int list_page_size;
    bool shape_check;
    /* inputs' prefetch (dc_input_prefetch): ranges closer than prefetch_gap are fetched in
     * one request; requests are cut into parts of at most prefetch_part bytes, fetched by
     * up to prefetch_parallel threads; at most prefetch_max bytes are held per input (the
     * rest is read on demand). prefetch_parallel 0: prefetch off. */
    int64_t prefetch_gap;
    int64_t prefetch_part;
    int64_t prefetch_max;
    int prefetch_parallel;
} dc_s3_tunables;

/*
 * A client for one bucket: configuration, tunables, a pool of libcurl handles (so
 * connections are reused across threads), and a cache of key prefixes known not to be
 * objects (the shape check). `cfg` is taken over (also on failure).
 */
dc_status dc_s3__client_new(dc_s3 **out, dc_s3_config *cfg, const char *bucket, const char *root,
                            const dc_s3_tunables *t, dc_error *err);
void dc_s3__client_free(dc_s3 *c); /* NULL-safe */
const dc_s3_tunables *dc_s3__tunables(const dc_s3 *c);
/* For tests and benchmarks: change the tunables of a client no other thread uses yet. */
dc_s3_tunables *dc_s3__tunables_edit(dc_s3 *c);

/* What a client asked of the server: requests made (retries included) and body bytes
 * received with 2xx answers (what GETs fetched), since it was created. Thread-safe. */
typedef struct dc_s3_counters {
    int64_t requests;
    int64_t bytes_fetched;
} dc_s3_counters;
void dc_s3__counters(dc_s3 *c, dc_s3_counters *out);
const char *dc_s3__bucket(const dc_s3 *c);
const char *dc_s3__root(const dc_s3 *c); /* "" or "prefix/" */

enum { DC_S3_BODY_MAX = 8192 };

typedef struct dc_s3_req {
    const char *what;   /* for messages and logs: "put", "list", ... */
    const char *method; /* GET HEAD PUT POST DELETE */
    const char *key;    /* a key relative to the root, or NULL: the bucket itself */
    const char *query;  /* encoded query string without '?', or NULL */
    const void *body;   /* PUT / POST body */
    int64_t body_len;
    const char *content_type; /* of the body (NULL: application/octet-stream) */
    const char *if_none_match;
    const char *if_match;
    const char *content_md5; /* base64 of the body's MD5 (DeleteObjects requires one) */
    const char *token; /* x-amz-meta-dc-token */
    bool has_range;
    int64_t range_first, range_last; /* inclusive; range_last -1: to the end */
    /* where a 2xx body goes: `out` (appended), else `dest` (at most dest_cap bytes, more
     * is an overflow), else the response's inline buffer */
    dc_bytes *out;
    uint8_t *dest;
    int64_t dest_cap;
} dc_s3_req;

typedef struct dc_s3_resp {
    long status;     /* the HTTP status, 0 when no answer came */
    int curl_code;   /* CURLcode of the transfer */
    bool maybe_sent; /* no answer, and the request may have reached the server */
    bool overflow;   /* a 2xx body did not fit `dest` */
    bool nomem;      /* a 2xx body did not fit in memory */
    int attempts;    /* requests made (retries included) */
    char curl_msg[256];
    int64_t content_length; /* -1: none */
    int64_t total_size;     /* from Content-Range ".../TOTAL", -1: none */
    int64_t mtime_ns;       /* Last-Modified, 0: none */
    char etag[128];
    char token[80];               /* x-amz-meta-dc-token */
    char bucket_region[64];       /* x-amz-bucket-region */
    int64_t got;                  /* 2xx body bytes delivered to out/dest */
    uint8_t body[DC_S3_BODY_MAX]; /* the body of an error, or a small 2xx body */
    int64_t body_len;
} dc_s3_resp;

/*
 * Make one request. Returns DC_OK when an HTTP answer came (whatever its status), DC_EIO
 * when none did (r->curl_code, r->maybe_sent: the message is left to dc_s3__error), or
 * DC_ENOMEM before anything was sent. Never retries.
 */
dc_status dc_s3__perform(dc_s3 *c, const dc_s3_req *q, dc_s3_resp *r, dc_error *err);
/* Whether a response (or the lack of one) is worth retrying: no answer from a live
 * endpoint, 5xx, 429, SlowDown, RequestTimeout. */
bool dc_s3__retryable(const dc_s3_resp *r);
/* Sleep before retry number `attempt` (1 = the first): exponential, with jitter, capped. */
void dc_s3__backoff(const dc_s3 *c, int attempt, const dc_s3_req *q, const dc_s3_resp *r);
/*
 * A request that may be repeated (GET, HEAD, LIST, plain PUT, DELETE, part uploads):
 * retried with backoff while dc_s3__retryable, at most max_retries times. DC_OK when an
 * HTTP answer came (check r->status); otherwise dc_s3__error's status and message.
 */
dc_status dc_s3__call(dc_s3 *c, const dc_s3_req *q, dc_s3_resp *r, dc_error *err);
/*
 * Fill `err` for a failed request `what` ("put", "list", ...) on `key` (relative, or NULL
 * for the bucket) and return its code: DC_ENOTFOUND (NoSuchKey, a 404 HEAD), DC_EEXISTS
 * (412), DC_EIO otherwise, with a message naming the bucket and what to do for bad
 * credentials, a missing bucket, another region, an endpoint that does not answer.
 */
dc_status dc_s3__error(dc_s3 *c, const dc_s3_resp *r, const char *what, const char *key,
                       dc_error *err);
/* Replace every occurrence of the secret and the session token in `msg` by "***". */
void dc_s3__redact(const dc_s3_config *cfg, char *msg, size_t cap);

/* Append `s` %-encoded the SigV4 way (unreserved characters kept; '/' kept when
 * keep_slash). */
void dc_s3__uri_encode(dc_strbuf *sb, const char *s, bool keep_slash);

/* The shape check's cache of key prefixes known not to be objects (thread-safe). */
bool dc_s3__dir_known(dc_s3 *c, const char *prefix, size_t len);
void dc_s3__dir_add(dc_s3 *c, const char *prefix, size_t len);
void dc_s3__dir_forget_all(dc_s3 *c);

/* A random token of 32 hex digits (+ NUL) for x-amz-meta-dc-token. */
void dc_s3__random_token(char out[33]);

/* The MD5 digest of n bytes (RFC 1321), for Content-MD5 (an integrity check S3 requires
 * of some requests, not a security measure). */
void dc_s3__md5(const void *data, size_t n, uint8_t out[16]);
/* The digest in base64 (24 characters + NUL), as Content-MD5 carries it. */
void dc_s3__md5_base64(const void *data, size_t n, char out[25]);

#endif
