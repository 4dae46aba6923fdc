/*
 * fs_s3.c: the S3 backend of dc_fs, for "s3://bucket/prefix" roots.
 *
 * Notes on the design:
 *   1. A key K of the filesystem is the object "prefix/K" of the bucket. Requests are
 *      made by s3_http.c (libcurl, SigV4, retries); configuration by s3_config.c.
 *   2. put_if_absent is a PUT with "If-None-Match: *" (412: DC_EEXISTS). Every such PUT
 *      carries a random token in x-amz-meta-dc-token. When its outcome is unknown (the
 *      connection broke after the request may have been sent, or a 5xx), the key is read
 *      back with a HEAD: absent -> the PUT is repeated; present with our token -> we won;
 *      present with another token -> DC_EEXISTS. A 412 after an unknown outcome is
 *      checked the same way (it may be our own earlier PUT). Nothing is guessed.
 *   3. put is a plain PUT (atomic replacement on S3). get_range is a ranged GET (416 at or
 *      past the end: no bytes, not an error); stat a HEAD; remove a HEAD (an absent key is
 *      DC_ENOTFOUND, as the interface wants; S3's DELETE would not say) and a DELETE.
 *   4. list is ListObjectsV2 (delimiter "/" for one level, continuation tokens,
 *      encoding-type=url), each page's objects and rolled-up prefixes merged in key byte
 *      order; the order across pages is checked (S3 Express directory buckets, which do
 *      not list in order, are refused). Objects whose keys are not valid dc_fs keys
 *      (written by other tools) are not listed.
 *   5. "A key is not also a directory of keys" holds on local disks by nature; here it is
 *      checked before each write: a HEAD of each parent prefix not already known to be a
 *      directory (cached per handle) and a one-key LIST under "key/". Between processes
 *      the check races, as any check-then-write on S3 does; no_shape_check skips it.
 *   6. Outputs buffer up to part_size bytes: a small output is one PUT at finish; a large
 *      one becomes a multipart upload (Create, UploadPart per full buffer, Complete at
 *      finish), so memory stays at one part whatever the size. DC_FS_OUTPUT_IF_ABSENT puts
 *      "If-None-Match: *" on the final PUT or on the Complete (S3 and moto honour it
 *      there), with the token resolution of note 2. A failed or unfinished output aborts
 *      its upload.
 *   7. Inputs read with ranged GETs through a read-ahead window; the first window is
 *      fetched at open (which also gives the size and the ETag), so an object that fits
 *      in it is a true snapshot. Later GETs carry If-Match with that ETag: an object
 *      replaced since it was opened is an error, never a mix of two versions.
 */
#include "fs/s3_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define PARTS_MAX 10000 /* S3's limit of a multipart upload */

static const dc_fs_vtable S3_VT;

static dc_s3 *cli(dc_fs *fs)
{
    return fs->impl;
}

static dc_status fs_error(dc_fs *fs, dc_error *err, dc_status code, const char *path,
                          const char *fmt, ...) DC_PRINTF(5, 6);
static dc_status fs_error(dc_fs *fs, dc_error *err, dc_status code, const char *path,
                          const char *fmt, ...)
{
    if (!err)
        return code;
    char msg[DC_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dc_error_set(err, code, "%s%s: %s", fs->display, path, msg);
    snprintf(err->path, sizeof err->path, "%s%s", fs->display, path);
    return code;
}

/* ---- HEAD, LIST ------------------------------------------------------------------------ */

/* HEAD `path`: DC_OK (r filled), DC_ENOTFOUND, or an explained error. A refused HEAD has
 * no body to say why, so the reason is asked for with a one-byte GET. */
static dc_status head(dc_fs *fs, const char *path, const char *what, dc_s3_resp *r, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_s3_req q = {.what = what, .method = "HEAD", .key = path};
    dc_status rc = dc_s3__call(c, &q, r, err);
    if (rc != DC_OK)
        return rc;
    if (r->status == 200)
        return DC_OK;
    if (r->status >= 300 && r->status < 500 && r->status != 404) {
        uint8_t one[1];
        dc_s3_resp *g = dc_malloc(sizeof *g);
        if (g) {
            dc_s3_req gq = {.what = what,
                            .method = "GET",
                            .key = path,
                            .has_range = true,
                            .range_first = 0,
                            .range_last = 0,
                            .dest = one,
                            .dest_cap = 1};
            dc_error ignored;
            if (dc_s3__call(c, &gq, g, &ignored) == DC_OK && g->status >= 300 && g->body_len > 0) {
                if (!g->bucket_region[0])
                    memcpy(g->bucket_region, r->bucket_region, sizeof g->bucket_region);
                rc = dc_s3__error(c, g, what, path, err);
                dc_free(g);
                return rc;
            }
            dc_free(g);
        }
    }
    return dc_s3__error(c, r, what, path, err);
}

/*
 * One ListObjectsV2 page of keys starting with root + `prefix` (after `token`), parsed into
 * `x` (free it with dc_s3__xml_free either way). *status gets the HTTP status.
 */
static dc_status list_page(dc_fs *fs, const char *prefix, bool one_level, const char *token,
                           int max_keys, dc_s3_xml *x, long *status, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_status rc = DC_OK;
    memset(x, 0, sizeof *x);
    dc_arena_init(&x->strings, 64);
    dc_bytes body;
    dc_bytes_init(&body);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    dc_strbuf qs;
    dc_strbuf_init(&qs);
    DC_TRY_ALLOC(r, err);
    /* parameters in name order (the canonical order of SigV4) */
    if (token) {
        dc_strbuf_puts(&qs, "continuation-token=");
        dc_s3__uri_encode(&qs, token, false);
        dc_strbuf_putc(&qs, '&');
    }
    if (one_level)
        dc_strbuf_puts(&qs, "delimiter=%2F&");
    dc_strbuf_printf(&qs, "encoding-type=url&list-type=2&max-keys=%d&prefix=", max_keys);
    dc_s3__uri_encode(&qs, dc_s3__root(c), false);
    dc_s3__uri_encode(&qs, prefix, false);
    if (dc_strbuf_status(&qs) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    dc_s3_req q = {.what = "list", .method = "GET", .query = dc_strbuf_cstr(&qs), .out = &body};
    DC_TRY(dc_s3__call(c, &q, r, err));
    *status = r->status;
    if (r->status != 200) {
        rc = dc_s3__error(c, r, "list", prefix[0] ? prefix : NULL, err);
        goto cleanup;
    }
    dc_arena_free(&x->strings);
    rc = dc_s3__xml_parse(x, body.data, body.size, err);
    if (rc == DC_OK && x->kind != DC_S3_XML_LIST)
        rc = fs_error(fs, err, DC_EIO, prefix,
                      "list: the endpoint did not answer with a ListObjectsV2 result; is it an "
                      "S3 endpoint?");
    else if (rc == DC_ECORRUPT)
        rc = fs_error(fs, err, DC_EIO, prefix, "list: %s", err ? err->message : "bad answer");
cleanup:
    dc_free(r);
    dc_bytes_free(&body);
    dc_strbuf_free(&qs);
    return rc;
}

static int item_cmp(const void *a, const void *b)
{
    const dc_s3_xml_item *x = a, *y = b;
    return strcmp(x->key, y->key);
}

static dc_status s3_list(dc_fs *fs, const char *prefix, bool recursive, dc_fs_list_fn fn,
                         void *user, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_status rc = DC_OK;
    size_t rootlen = strlen(dc_s3__root(c));
    char *token = NULL;
    dc_strbuf last;
    dc_strbuf_init(&last);
    bool any = false;
    char check[DC_FS_PATH_MAX + 2];
    for (;;) {
        dc_s3_xml x;
        long status = 0;
        rc = list_page(fs, prefix, !recursive, token, dc_s3__tunables(c)->list_page_size, &x,
                       &status, err);
        if (rc != DC_OK) {
            dc_s3__xml_free(&x);
            break;
        }
        if (x.n_items > 1)
            qsort(x.items, (size_t)x.n_items, sizeof *x.items, item_cmp);
        for (int64_t i = 0; rc == DC_OK && i < x.n_items; i++) {
            const dc_s3_xml_item *it = &x.items[i];
            size_t klen = strlen(it->key);
            if (klen <= rootlen || memcmp(it->key, dc_s3__root(c), rootlen) != 0)
                continue; /* the root's own "folder" marker, or not ours */
            const char *rel = it->key + rootlen;
            size_t rlen = klen - rootlen;
            if (it->is_prefix != (rel[rlen - 1] == '/') || rlen > DC_FS_PATH_MAX + 1)
                continue; /* a "folder" marker object, or a key too long to be ours */
            memcpy(check, rel, rlen - (it->is_prefix ? 1 : 0));
            check[rlen - (it->is_prefix ? 1 : 0)] = '\0';
            if (dc_fs_path_check(check, NULL) != DC_OK)
                continue; /* written by another tool: not addressable here */
            if (any && strcmp(rel, dc_strbuf_cstr(&last)) <= 0) {
                rc = fs_error(fs, err, DC_EIO, prefix,
                              "list: the bucket did not list keys in order (\"%s\" after "
                              "\"%s\"); directory buckets (S3 Express) are not supported",
                              rel, dc_strbuf_cstr(&last));
                break;
            }
            dc_strbuf_clear(&last);
            dc_strbuf_puts(&last, rel);
            if (dc_strbuf_status(&last) != DC_OK) {
                rc = dc_error_nomem(err);
                break;
            }
            any = true;
            dc_fs_entry e = {rel, it->is_prefix, it->is_prefix ? -1 : it->size,
                             it->is_prefix ? 0 : it->mtime_ns};
            rc = fn(&e, user);
        }
        bool more = x.truncated;
        dc_free(token);
        token = NULL;
        if (rc == DC_OK && more) {
            if (!x.next_token || !x.next_token[0])
                rc = fs_error(fs, err, DC_EIO, prefix,
                              "list: a truncated page without a continuation token");
            else if (!(token = dc_strdup(x.next_token)))
                rc = dc_error_nomem(err);
        }
        dc_s3__xml_free(&x);
        if (rc != DC_OK || !more)
            break;
    }
    dc_free(token);
    dc_strbuf_free(&last);
    return rc;
}

/* ---- the shape check ------------------------------------------------------------------- */

/* DC_EINVALID when writing `path` would make a key also a directory of keys (note 5). */
static dc_status shape_check(dc_fs *fs, const char *path, dc_error *err)
{
    dc_s3 *c = cli(fs);
    if (!dc_s3__tunables(c)->shape_check)
        return DC_OK;
    char parent[DC_FS_PATH_MAX + 2];
    dc_s3_resp *r = NULL;
    dc_status rc = DC_OK;
    for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
        size_t len = (size_t)(s - path);
        if (dc_s3__dir_known(c, path, len))
            continue;
        if (!r && !(r = dc_malloc(sizeof *r)))
            return dc_error_nomem(err);
        memcpy(parent, path, len);
        parent[len] = '\0';
        dc_error e;
        rc = head(fs, parent, "write", r, &e);
        if (rc == DC_OK) {
            rc = fs_error(fs, err, DC_EINVALID, path,
                          "its parent \"%s\" is an object, not a directory (a key cannot also "
                          "be a prefix of keys)",
                          parent);
            break;
        }
        if (rc != DC_ENOTFOUND) {
            if (err)
                *err = e;
            break;
        }
        rc = DC_OK;
        dc_s3__dir_add(c, path, len);
    }
    dc_free(r);
    if (rc != DC_OK)
        return rc;
    size_t n = strlen(path);
    memcpy(parent, path, n);
    parent[n] = '/';
    parent[n + 1] = '\0';
    dc_s3_xml x;
    long status = 0;
    rc = list_page(fs, parent, false, NULL, 1, &x, &status, err);
    if (rc == DC_OK && x.n_items > 0)
        rc = fs_error(fs, err, DC_EINVALID, path,
                      "is a directory of other keys; a key cannot also be a prefix of keys");
    dc_s3__xml_free(&x);
    return rc;
}

/* ---- put, put_if_absent ------------------------------------------------------------------ */

/* HEAD `path` after an unknown outcome: *state 0 absent, 1 present with `token`, 2 present
 * with another token (or none). */
static dc_status resolve(dc_fs *fs, const char *path, const char *token, int *state, dc_error *err)
{
    dc_s3_resp *r = dc_malloc(sizeof *r);
    if (!r)
        return dc_error_nomem(err);
    dc_error e;
    dc_status rc = head(fs, path, "check the outcome of a write", r, &e);
    if (rc == DC_OK)
        *state = strcmp(r->token, token) == 0 ? 1 : 2;
    else if (rc == DC_ENOTFOUND)
        *state = 0, rc = DC_OK;
    else if (err)
        *err = e;
    dc_free(r);
    return rc;
}

static dc_status exists(dc_fs *fs, const char *path, dc_error *err)
{
    return fs_error(fs, err, DC_EEXISTS, path, "already exists");
}

static dc_status outcome_unknown(dc_fs *fs, const char *path, const char *what,
                                 const dc_error *cause, dc_error *err)
{
    return fs_error(fs, err, DC_EIO, path,
                    "%s: the outcome is unknown and could not be checked (%s); the object may "
                    "or may not have been written",
                    what, cause && cause->message[0] ? cause->message : "no answer");
}

/* Whether a failed attempt certainly changed nothing (no need to ask). */
static bool surely_not_applied(const dc_s3_resp *r)
{
    return (r->status == 0 && !r->maybe_sent) || r->status == 503 || r->status == 429;
}

/*
 * A conditional PUT (note 2): the body with "If-None-Match: *" and our token. DC_OK when
 * we created the key, DC_EEXISTS when it existed, DC_EIO when S3 failed or the outcome
 * could not be established.
 */
static dc_status put_if_absent_resolved(dc_fs *fs, const char *path, const void *data, int64_t n,
                                        dc_error *err)
{
    dc_s3 *c = cli(fs);
    char token[33];
    dc_s3__random_token(token);
    dc_s3_req q = {.what = "put_if_absent",
                   .method = "PUT",
                   .key = path,
                   .body = data,
                   .body_len = n,
                   .if_none_match = "*",
                   .token = token};
    dc_s3_resp *r = dc_malloc(sizeof *r);
    if (!r)
        return dc_error_nomem(err);
    dc_status rc = DC_OK;
    bool uncertain = false;
    int max = dc_s3__tunables(c)->max_retries;
    for (int attempt = 0;; attempt++) {
        dc_error cause;
        dc_error_clear(&cause);
        rc = dc_s3__perform(c, &q, r, &cause);
        r->attempts = attempt + 1;
        if (rc == DC_ENOMEM) {
            if (err)
                *err = cause;
            break;
        }
        if (r->status == 200) {
            rc = DC_OK;
            break;
        }
        bool conflict = r->status == 412 || r->status == 409;
        if (r->status == 412 && !uncertain) {
            rc = exists(fs, path, err);
            break;
        }
        if (!conflict && !dc_s3__retryable(r)) {
            rc = dc_s3__error(c, r, "put_if_absent", path, err);
            break;
        }
        if (!conflict && surely_not_applied(r) && !uncertain) {
            if (attempt >= max) {
                rc = dc_s3__error(c, r, "put_if_absent", path, err);
                break;
            }
            dc_s3__backoff(c, attempt + 1, &q, r);
            continue;
        }
        /* we may have written it: look before trying again */
        uncertain = true;
        if (r->status != 412)
            dc_s3__error(c, r, "put_if_absent", path, &cause);
        if (attempt >= max) {
            rc = outcome_unknown(fs, path, "put_if_absent", &cause, err);
            break;
        }
        if (!conflict)
            dc_s3__backoff(c, attempt + 1, &q, r);
        int state = 0;
        dc_error herr;
        if (resolve(fs, path, token, &state, &herr) != DC_OK) {
            rc = outcome_unknown(fs, path, "put_if_absent", &herr, err);
            break;
        }
        if (state == 1) {
            rc = DC_OK;
            break;
        }
        if (state == 2) {
            rc = exists(fs, path, err);
            break;
        }
        /* absent: the PUT did not happen; do it again */
    }
    dc_free(r);
    return rc;
}

/* A plain PUT (idempotent, retried). */
static dc_status put_plain(dc_fs *fs, const char *path, const void *data, int64_t n, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_s3_req q = {.what = "put", .method = "PUT", .key = path, .body = data, .body_len = n};
    dc_s3_resp *r = dc_malloc(sizeof *r);
    if (!r)
        return dc_error_nomem(err);
    dc_status rc = dc_s3__call(c, &q, r, err);
    if (rc == DC_OK && r->status != 200)
        rc = dc_s3__error(c, r, "put", path, err);
    dc_free(r);
    return rc;
}

static void wrote(dc_fs *fs, const char *path)
{
    dc_s3 *c = cli(fs);
    if (dc_s3__dir_known(c, path, strlen(path)))
        dc_s3__dir_forget_all(c); /* it is an object now */
}

static dc_status put_object(dc_fs *fs, const char *path, const void *data, int64_t n,
                            bool if_absent, dc_error *err)
{
    dc_status rc = shape_check(fs, path, err);
    if (rc != DC_OK)
        return rc;
    rc = if_absent ? put_if_absent_resolved(fs, path, data, n, err)
                   : put_plain(fs, path, data, n, err);
    if (rc == DC_OK)
        wrote(fs, path);
    return rc;
}

static dc_status s3_put_if_absent(dc_fs *fs, const char *path, const void *data, int64_t n,
                                  dc_error *err)
{
    return put_object(fs, path, data, n, true, err);
}

static dc_status s3_put(dc_fs *fs, const char *path, const void *data, int64_t n, dc_error *err)
{
    return put_object(fs, path, data, n, false, err);
}

/* ---- get, stat, remove ---------------------------------------------------------------------- */

static dc_status s3_get_range(dc_fs *fs, const char *path, int64_t offset, int64_t n, dc_bytes *out,
                              dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    if (!r)
        return dc_error_nomem(err);
    dc_status rc;
    int64_t start = out->size;
    if (n == 0) {
        rc = head(fs, path, "get", r, err); /* nothing to read, but the key must exist */
        dc_free(r);
        return rc;
    }
    dc_s3_req q = {.what = n < 0 && offset == 0 ? "get" : "get_range",
                   .method = "GET",
                   .key = path,
                   .has_range = !(offset == 0 && n < 0),
                   .range_first = offset,
                   .range_last = n < 0 ? -1 : offset + n - 1,
                   .out = out};
    rc = dc_s3__call(c, &q, r, err);
    if (rc == DC_OK) {
        if (r->status == 206 || (r->status == 200 && !q.has_range)) {
            rc = DC_OK;
        } else if (r->status == 200) {
            /* the endpoint ignored the Range header: keep the asked-for slice */
            int64_t got = out->size - start;
            int64_t from = DC_MIN(offset, got);
            int64_t k = n < 0 ? got - from : DC_MIN(n, got - from);
            memmove(out->data + start, out->data + start + from, (size_t)k);
            out->size = start + k;
        } else if (r->status == 416) {
            out->size = start; /* at or past the end: no bytes */
        } else {
            out->size = start;
            rc = dc_s3__error(c, r, q.what, path, err);
        }
    }
    dc_free(r);
    return rc;
}

static dc_status s3_stat(dc_fs *fs, const char *path, dc_fs_info *st, dc_error *err)
{
    dc_s3_resp *r = dc_malloc(sizeof *r);
    if (!r)
        return dc_error_nomem(err);
    dc_status rc = head(fs, path, "stat", r, err);
    if (rc == DC_OK && r->content_length < 0)
        rc = fs_error(fs, err, DC_EIO, path, "stat: the answer has no Content-Length");
    if (rc == DC_OK) {
        st->size = r->content_length;
        st->mtime_ns = r->mtime_ns;
    }
    dc_free(r);
    return rc;
}

static dc_status s3_remove(dc_fs *fs, const char *path, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    if (!r)
        return dc_error_nomem(err);
    dc_status rc = head(fs, path, "remove", r, err);
    if (rc == DC_OK) {
        dc_s3_req q = {.what = "remove", .method = "DELETE", .key = path};
        rc = dc_s3__call(c, &q, r, err);
        if (rc == DC_OK && r->status != 204 && r->status != 200)
            rc = dc_s3__error(c, r, "remove", path, err);
        dc_s3__dir_forget_all(c); /* a directory may have emptied: forget what we knew */
    }
    dc_free(r);
    return rc;
}

/* ---- inputs -------------------------------------------------------------------------------- */

typedef struct s3_in {
    dc_fs *fs; /* borrowed: the core's wrapper holds the reference */
    char *path;
    char etag[128];
    uint8_t *win; /* the read-ahead window */
    int64_t win_off, win_len, win_cap;
} s3_in;

/* GET [off, off + len) into `dest` (exactly len bytes expected). */
static dc_status fetch(s3_in *s, int64_t off, int64_t len, uint8_t *dest, dc_error *err)
{
    dc_s3 *c = cli(s->fs);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    if (!r)
        return dc_error_nomem(err);
    dc_s3_req q = {.what = "read",
                   .method = "GET",
                   .key = s->path,
                   .if_match = s->etag[0] ? s->etag : NULL,
                   .has_range = true,
                   .range_first = off,
                   .range_last = off + len - 1,
                   .dest = dest,
                   .dest_cap = len};
    dc_status rc = dc_s3__call(c, &q, r, err);
    if (rc == DC_OK) {
        if (r->status == 412 || r->status == 404)
            rc = fs_error(s->fs, err, DC_EIO, s->path,
                          "read: the object was %s after it was opened; open it again",
                          r->status == 412 ? "replaced" : "removed");
        else if (r->status != 206 && r->status != 200)
            rc = dc_s3__error(c, r, "read", s->path, err);
        else if (r->overflow || r->got != len)
            rc = fs_error(s->fs, err, DC_EIO, s->path,
                          "read: asked for %lld bytes at offset %lld, got %s%lld", (long long)len,
                          (long long)off, r->overflow ? "more than " : "", (long long)r->got);
    }
    dc_free(r);
    return rc;
}

static dc_status sin_read_at(dc_input *in, int64_t offset, void *buf, int64_t n, int64_t *got,
                             dc_error *err)
{
    s3_in *s = in->impl;
    *got = 0;
    if (offset >= in->size || n == 0)
        return DC_OK;
    int64_t want = DC_MIN(n, in->size - offset);
    if (offset >= s->win_off && offset + want <= s->win_off + s->win_len) {
        memcpy(buf, s->win + (offset - s->win_off), (size_t)want);
        *got = want;
        return DC_OK;
    }
    dc_status rc;
    if (want >= s->win_cap) {
        rc = fetch(s, offset, want, buf, err);
    } else {
        int64_t len = DC_MIN(s->win_cap, in->size - offset);
        s->win_len = 0;
        rc = fetch(s, offset, len, s->win, err);
        if (rc == DC_OK) {
            s->win_off = offset;
            s->win_len = len;
            memcpy(buf, s->win, (size_t)want);
        }
    }
    if (rc == DC_OK)
        *got = want;
    return rc;
}

static void sin_close(dc_input *in)
{
    s3_in *s = in->impl;
    dc_free(s->path);
    dc_free(s->win);
    dc_free(s);
}

static const dc_input_vtable S3_IN = {sin_read_at, sin_close};

static dc_status s3_open_input(dc_fs *fs, const char *path, dc_input **out, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_status rc = DC_OK;
    dc_input *in = dc_calloc(1, sizeof *in);
    s3_in *s = dc_calloc(1, sizeof *s);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    dc_strbuf nm;
    dc_strbuf_init(&nm);
    dc_strbuf_printf(&nm, "%s%s", fs->display, path);
    DC_TRY_ALLOC(in, err);
    DC_TRY_ALLOC(s, err);
    DC_TRY_ALLOC(r, err);
    s->fs = fs;
    s->path = dc_strdup(path);
    s->win_cap = dc_s3__tunables(c)->read_ahead;
    s->win = dc_malloc((size_t)s->win_cap);
    in->name = dc_strbuf_detach(&nm);
    DC_TRY_ALLOC(s->path, err);
    DC_TRY_ALLOC(s->win, err);
    DC_TRY_ALLOC(in->name, err);
    /* the first window, which also tells the size and the version (ETag) */
    dc_s3_req q = {.what = "open",
                   .method = "GET",
                   .key = path,
                   .has_range = true,
                   .range_first = 0,
                   .range_last = s->win_cap - 1,
                   .dest = s->win,
                   .dest_cap = s->win_cap};
    DC_TRY(dc_s3__call(c, &q, r, err));
    if (r->status == 416) {
        in->size = 0; /* empty */
    } else if (r->status == 206 || r->status == 200) {
        in->size = r->status == 206 ? r->total_size : r->got;
        if (r->overflow || in->size < 0) {
            rc = fs_error(fs, err, DC_EIO, path,
                          "open: the endpoint ignored the Range header or gave no size");
            goto cleanup;
        }
        s->win_len = r->got;
        memcpy(s->etag, r->etag, sizeof s->etag);
    } else {
        rc = dc_s3__error(c, r, "open", path, err);
        goto cleanup;
    }
    in->vt = &S3_IN;
    in->impl = s;
    *out = in;
    dc_free(r);
    return DC_OK;
cleanup:
    if (s) {
        dc_free(s->path);
        dc_free(s->win);
    }
    if (in)
        dc_free(in->name);
    dc_free(s);
    dc_free(in);
    dc_free(r);
    dc_strbuf_free(&nm);
    return rc;
}

/* ---- outputs ------------------------------------------------------------------------------ */

typedef struct s3_part {
    char etag[128];
} s3_part;

typedef struct s3_out {
    dc_fs *fs; /* borrowed: the core's wrapper holds the reference */
    char *path;
    bool if_absent;
    bool failed;
    dc_bytes buf; /* at most part_size bytes */
    char *upload_id;
    s3_part *parts;
    int n_parts, cap_parts;
    char token[33];
} s3_out;

static dc_status upload_query(dc_strbuf *sb, const char *upload_id, int part, dc_error *err)
{
    dc_strbuf_clear(sb);
    if (part > 0)
        dc_strbuf_printf(sb, "partNumber=%d&", part);
    dc_strbuf_puts(sb, "uploadId=");
    dc_s3__uri_encode(sb, upload_id, false);
    return dc_strbuf_status(sb) == DC_OK ? DC_OK : dc_error_nomem(err);
}

static dc_status create_upload(s3_out *m, dc_error *err)
{
    dc_s3 *c = cli(m->fs);
    dc_status rc = DC_OK;
    dc_s3_xml x;
    memset(&x, 0, sizeof x);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    DC_TRY_ALLOC(r, err);
    dc_s3_req q = {.what = "start a multipart upload",
                   .method = "POST",
                   .key = m->path,
                   .query = "uploads=",
                   .token = m->token};
    DC_TRY(dc_s3__call(c, &q, r, err));
    if (r->status != 200) {
        rc = dc_s3__error(c, r, q.what, m->path, err);
        goto cleanup;
    }
    DC_TRY(dc_s3__xml_parse(&x, r->body, r->body_len, err));
    if (x.kind != DC_S3_XML_INITIATE || !x.upload_id || !x.upload_id[0]) {
        rc = fs_error(m->fs, err, DC_EIO, m->path,
                      "the answer to CreateMultipartUpload has no UploadId");
        goto cleanup;
    }
    m->upload_id = dc_strdup(x.upload_id);
    DC_TRY_ALLOC(m->upload_id, err);
cleanup:
    dc_s3__xml_free(&x);
    dc_free(r);
    return rc;
}

/* Upload the buffer as the next part (starting the upload first if needed). */
static dc_status upload_part(s3_out *m, dc_error *err)
{
    dc_s3 *c = cli(m->fs);
    dc_status rc = DC_OK;
    dc_s3_resp *r = NULL;
    dc_strbuf qs;
    dc_strbuf_init(&qs);
    if (m->n_parts == PARTS_MAX) {
        rc = fs_error(m->fs, err, DC_EINVALID, m->path,
                      "more than %d parts of %lld bytes: raise part_size", PARTS_MAX,
                      (long long)dc_s3__tunables(c)->part_size);
        goto cleanup;
    }
    if (m->n_parts == m->cap_parts) {
        int cap = m->cap_parts ? m->cap_parts * 2 : 16;
        s3_part *p = dc_realloc(m->parts, (size_t)cap * sizeof *p);
        DC_TRY_ALLOC(p, err);
        m->parts = p;
        m->cap_parts = cap;
    }
    if (!m->upload_id)
        DC_TRY(create_upload(m, err));
    r = dc_malloc(sizeof *r);
    DC_TRY_ALLOC(r, err);
    DC_TRY(upload_query(&qs, m->upload_id, m->n_parts + 1, err));
    dc_s3_req q = {.what = "upload a part",
                   .method = "PUT",
                   .key = m->path,
                   .query = dc_strbuf_cstr(&qs),
                   .body = m->buf.data,
                   .body_len = m->buf.size};
    DC_TRY(dc_s3__call(c, &q, r, err));
    if (r->status != 200) {
        rc = dc_s3__error(c, r, q.what, m->path, err);
        goto cleanup;
    }
    if (!r->etag[0]) {
        rc = fs_error(m->fs, err, DC_EIO, m->path, "UploadPart answered without an ETag");
        goto cleanup;
    }
    memcpy(m->parts[m->n_parts].etag, r->etag, sizeof r->etag);
    m->n_parts++;
    m->buf.size = 0;
cleanup:
    dc_free(r);
    dc_strbuf_free(&qs);
    return rc;
}

static dc_status sout_write(dc_output *o, const void *data, int64_t n, dc_error *err)
{
    s3_out *m = o->impl;
    int64_t part = dc_s3__tunables(cli(m->fs))->part_size;
    if (m->failed)
        return fs_error(m->fs, err, DC_EIO, m->path, "write after a failed write");
    const uint8_t *p = data;
    while (n > 0) {
        int64_t take = DC_MIN(n, part - m->buf.size);
        if (dc_bytes_append(&m->buf, p, take) != DC_OK)
            return dc_error_nomem(err); /* nothing taken: the output is as it was */
        p += take;
        n -= take;
        if (m->buf.size == part) {
            dc_status rc = upload_part(m, err);
            if (rc != DC_OK) {
                m->failed = true; /* bytes are lost: the output cannot be finished */
                return rc;
            }
        }
    }
    return DC_OK;
}

/* The CompleteMultipartUpload body. */
static dc_status complete_body(s3_out *m, dc_strbuf *sb, dc_error *err)
{
    dc_strbuf_puts(sb, "<CompleteMultipartUpload>");
    for (int i = 0; i < m->n_parts; i++)
        dc_strbuf_printf(sb, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i + 1,
                         m->parts[i].etag);
    dc_strbuf_puts(sb, "</CompleteMultipartUpload>");
    return dc_strbuf_status(sb) == DC_OK ? DC_OK : dc_error_nomem(err);
}

/* One CompleteMultipartUpload: *done when S3 says it completed; otherwise r tells why
 * (a 200 carrying an Error counts as a 500). DC_ENOMEM only before sending. */
static dc_status complete_once(s3_out *m, const dc_s3_req *q, dc_s3_resp *r, bool *done,
                               dc_error *err)
{
    dc_s3 *c = cli(m->fs);
    *done = false;
    dc_status rc = dc_s3__perform(c, q, r, err);
    if (rc == DC_ENOMEM)
        return rc;
    if (r->status == 200) {
        /* a 200 may still carry an Error (S3 answers before the work is done) */
        dc_s3_xml x;
        dc_error ignored;
        if (dc_s3__xml_parse(&x, r->body, r->body_len, &ignored) == DC_OK &&
            x.kind == DC_S3_XML_COMPLETE)
            *done = true;
        else
            r->status = 500; /* treat as a failure of unknown outcome */
        dc_s3__xml_free(&x);
    }
    return DC_OK;
}

/* Complete the upload (note 6), resolving unknown outcomes as put_if_absent does. */
static dc_status complete_upload(s3_out *m, dc_error *err)
{
    dc_s3 *c = cli(m->fs);
    dc_status rc = DC_OK;
    dc_strbuf qs, body;
    dc_strbuf_init(&qs);
    dc_strbuf_init(&body);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    DC_TRY_ALLOC(r, err);
    DC_TRY(upload_query(&qs, m->upload_id, 0, err));
    DC_TRY(complete_body(m, &body, err));
    dc_s3_req q = {.what = "complete a multipart upload",
                   .method = "POST",
                   .key = m->path,
                   .query = dc_strbuf_cstr(&qs),
                   .body = dc_strbuf_cstr(&body),
                   .body_len = body.len,
                   .content_type = "application/xml",
                   .if_none_match = m->if_absent ? "*" : NULL};
    bool uncertain = false;
    int max = dc_s3__tunables(c)->max_retries;
    for (int attempt = 0;; attempt++) {
        bool done;
        dc_error cause;
        dc_error_clear(&cause);
        DC_TRY(complete_once(m, &q, r, &done, err));
        r->attempts = attempt + 1;
        if (done)
            break;
        bool gone = r->status == 404; /* NoSuchUpload: an earlier attempt completed it? */
        if (r->status == 412 && !uncertain) {
            rc = exists(m->fs, m->path, err);
            goto cleanup;
        }
        if (!(r->status == 412 || r->status == 409 || (gone && uncertain) || dc_s3__retryable(r))) {
            rc = dc_s3__error(c, r, q.what, m->path, err);
            goto cleanup;
        }
        if (surely_not_applied(r) && !uncertain) {
            if (attempt >= max) {
                rc = dc_s3__error(c, r, q.what, m->path, err);
                goto cleanup;
            }
            dc_s3__backoff(c, attempt + 1, &q, r);
            continue;
        }
        uncertain = true;
        dc_s3__error(c, r, q.what, m->path, &cause);
        if (attempt >= max) {
            rc = outcome_unknown(m->fs, m->path, q.what, &cause, err);
            goto cleanup;
        }
        if (!gone && r->status != 412)
            dc_s3__backoff(c, attempt + 1, &q, r);
        int state = 0;
        dc_error herr;
        if (resolve(m->fs, m->path, m->token, &state, &herr) != DC_OK) {
            rc = outcome_unknown(m->fs, m->path, q.what, &herr, err);
            goto cleanup;
        }
        if (state == 1)
            break; /* ours: done */
        if (state == 2 && m->if_absent) {
            rc = exists(m->fs, m->path, err);
            goto cleanup;
        }
        if (gone) {
            rc = outcome_unknown(m->fs, m->path, q.what, &cause, err);
            goto cleanup;
        }
        /* not there (or replaced by another writer, for a plain output): again */
    }
    dc_free(m->upload_id); /* consumed */
    m->upload_id = NULL;
cleanup:
    dc_free(r);
    dc_strbuf_free(&qs);
    dc_strbuf_free(&body);
    return rc;
}

static dc_status sout_finish(dc_output *o, dc_error *err)
{
    s3_out *m = o->impl;
    if (m->failed)
        return fs_error(m->fs, err, DC_EIO, m->path,
                        "an earlier write failed; the output cannot be finished");
    dc_status rc;
    if (!m->upload_id) {
        rc = put_object(m->fs, m->path, m->buf.data, m->buf.size, m->if_absent, err);
    } else {
        rc = m->buf.size > 0 ? upload_part(m, err) : DC_OK;
        if (rc == DC_OK)
            rc = shape_check(m->fs, m->path, err);
        if (rc == DC_OK)
            rc = complete_upload(m, err);
        if (rc == DC_OK)
            wrote(m->fs, m->path);
    }
    dc_bytes_free(&m->buf);
    return rc;
}

static void sout_abort(dc_output *o)
{
    s3_out *m = o->impl;
    dc_bytes_free(&m->buf);
    if (!m->upload_id)
        return;
    dc_s3 *c = cli(m->fs);
    dc_strbuf qs;
    dc_strbuf_init(&qs);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    dc_error e;
    dc_error_clear(&e);
    dc_status rc = r ? upload_query(&qs, m->upload_id, 0, &e) : DC_ENOMEM;
    if (rc == DC_OK) {
        dc_s3_req q = {.what = "abort a multipart upload",
                       .method = "DELETE",
                       .key = m->path,
                       .query = dc_strbuf_cstr(&qs)};
        rc = dc_s3__call(c, &q, r, &e);
        if (rc == DC_OK && r->status != 204 && r->status != 200 && r->status != 404)
            rc = dc_s3__error(c, r, q.what, m->path, &e);
    }
    if (rc != DC_OK)
        dc_log(DC_LOG_WARN,
               "%s%s: multipart upload %s could not be aborted (%s); it holds storage until a "
               "bucket lifecycle rule or a cleanup removes it",
               m->fs->display, m->path, m->upload_id, e.message[0] ? e.message : "out of memory");
    dc_free(r);
    dc_strbuf_free(&qs);
    dc_free(m->upload_id);
    m->upload_id = NULL;
}

static void sout_close(dc_output *o)
{
    s3_out *m = o->impl;
    dc_bytes_free(&m->buf);
    dc_free(m->upload_id);
    dc_free(m->parts);
    dc_free(m->path);
    dc_free(m);
}

static const dc_output_vtable S3_OUT = {sout_write, sout_finish, sout_abort, sout_close};

static dc_status s3_open_output(dc_fs *fs, const char *path, unsigned flags, dc_output **out,
                                dc_error *err)
{
    dc_output *o = dc_calloc(1, sizeof *o);
    s3_out *m = dc_calloc(1, sizeof *m);
    dc_strbuf nm;
    dc_strbuf_init(&nm);
    dc_strbuf_printf(&nm, "%s%s", fs->display, path);
    char *name = dc_strbuf_detach(&nm);
    char *p = dc_strdup(path);
    if (!o || !m || !name || !p) {
        dc_free(o);
        dc_free(m);
        dc_free(name);
        dc_free(p);
        return dc_error_nomem(err);
    }
    dc_bytes_init(&m->buf);
    m->fs = fs;
    m->path = p;
    m->if_absent = flags & DC_FS_OUTPUT_IF_ABSENT;
    dc_s3__random_token(m->token);
    o->vt = &S3_OUT;
    o->impl = m;
    o->name = name;
    *out = o;
    return DC_OK;
}

/* ---- opening -------------------------------------------------------------------------------- */

static void s3_destroy(dc_fs *fs)
{
    dc_s3__client_free(fs->impl);
}

static const dc_fs_vtable S3_VT = {
    .scheme = "s3",
    .put_if_absent = s3_put_if_absent,
    .put = s3_put,
    .get_range = s3_get_range,
    .stat = s3_stat,
    .list = s3_list,
    .remove = s3_remove,
    .rename = NULL,
    .open_input = s3_open_input,
    .open_output = s3_open_output,
    .destroy = s3_destroy,
};

/* Split "s3://bucket[/prefix[/]]" into the bucket and the root ("" or "prefix/"). */
static dc_status parse_url(const char *url, char **bucket, char **root, dc_error *err)
{
    *bucket = *root = NULL;
    if (!url || strncmp(url, "s3://", 5) != 0)
        return dc_error_set(err, DC_EINVALID, "%s: an S3 URL looks like s3://bucket/prefix",
                            url ? url : "(NULL)");
    const char *b = url + 5;
    size_t bl = strcspn(b, "/");
    if (bl == 0 || bl > 255)
        return dc_error_set(err, DC_EINVALID,
                            "%s: no bucket name (an S3 URL looks like s3://bucket/prefix)", url);
    for (size_t i = 0; i < bl; i++) {
        char ch = b[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '-' || ch == '_'))
            return dc_error_set(err, DC_EINVALID,
                                "%s: bucket name \"%.*s\" may hold only letters, digits, '.', "
                                "'-' and '_'",
                                url, (int)bl, b);
    }
    const char *p = b + bl;
    while (*p == '/')
        p++;
    size_t pl = strlen(p);
    while (pl > 0 && p[pl - 1] == '/')
        pl--;
    dc_status rc = DC_OK;
    char *prefix = dc_malloc(pl + 1);
    if (!prefix)
        return dc_error_nomem(err);
    memcpy(prefix, p, pl);
    prefix[pl] = '\0';
    if (pl > 0) {
        dc_error e;
        if (dc_fs_path_check(prefix, &e) != DC_OK) {
            rc = dc_error_set(err, DC_EINVALID, "%s: the prefix after the bucket: %s", url,
                              e.message);
            dc_free(prefix);
            return rc;
        }
    }
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    if (pl > 0)
        dc_strbuf_printf(&sb, "%s/", prefix);
    *root = dc_strbuf_detach(&sb);
    *bucket = dc_malloc(bl + 1);
    if (!*root || !*bucket) {
        dc_free(*root);
        dc_free(*bucket);
        *root = *bucket = NULL;
        rc = dc_error_nomem(err);
    } else {
        memcpy(*bucket, b, bl);
        (*bucket)[bl] = '\0';
    }
    dc_free(prefix);
    return rc;
}

static dc_status tunables(dc_s3_tunables *t, const dc_fs_s3_options *o, dc_error *err)
{
    dc_fs_s3_options z = {0};
    if (!o)
        o = &z;
    if (o->part_size < 0 || o->read_ahead < 0 || o->retry_base_ms < 0 || o->retry_max_ms < 0 ||
        o->connect_timeout_ms < 0 || o->timeout_ms < 0 || o->list_page_size < 0 ||
        o->list_page_size > 1000 || o->part_size > (INT64_C(5) << 30) ||
        o->read_ahead > (INT64_C(1) << 30))
        return dc_error_set(err, DC_EINVALID,
                            "S3 options: sizes and times must not be negative; part_size at "
                            "most 5 GiB, read_ahead at most 1 GiB, list_page_size at most 1000");
    t->part_size = o->part_size ? o->part_size : INT64_C(8) << 20;
    t->read_ahead = o->read_ahead ? o->read_ahead : INT64_C(256) << 10;
    t->max_retries = o->max_retries > 0 ? o->max_retries : o->max_retries < 0 ? 0 : 5;
    t->retry_base_ms = o->retry_base_ms ? o->retry_base_ms : 50;
    t->retry_max_ms = o->retry_max_ms ? o->retry_max_ms : 5000;
    t->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 10000;
    t->timeout_ms = o->timeout_ms ? o->timeout_ms : 30000;
    t->list_page_size = o->list_page_size ? o->list_page_size : 1000;
    t->shape_check = !o->no_shape_check;
    return DC_OK;
}

dc_status dc_fs_s3_open(dc_fs **out, const char *url, const dc_fs_s3_options *o, dc_error *err)
{
    *out = NULL;
    dc_status rc = DC_OK;
    char *bucket = NULL, *root = NULL, *norm = NULL, *display = NULL;
    dc_s3 *c = NULL;
    dc_fs *fs = NULL;
    dc_s3_config cfg;
    dc_s3_tunables t;
    DC_TRY(parse_url(url, &bucket, &root, err));
    DC_TRY(tunables(&t, o, err));
    DC_TRY(dc_s3__config_resolve(&cfg, o, err));
    DC_TRY(dc_s3__client_new(&c, &cfg, bucket, root, &t, err));
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    size_t rl = strlen(root);
    dc_strbuf_printf(&sb, "s3://%s%s%.*s", bucket, rl ? "/" : "", (int)(rl ? rl - 1 : 0), root);
    norm = dc_strbuf_detach(&sb);
    dc_strbuf_printf(&sb, "s3://%s/%s", bucket, root);
    display = dc_strbuf_detach(&sb);
    DC_TRY_ALLOC(norm, err);
    DC_TRY_ALLOC(display, err);
    DC_TRY(dc_fs__new(&fs, &S3_VT, DC_FS_CAP_DURABLE | DC_FS_CAP_SHARED, norm, display, c, err));
    c = NULL; /* the fs owns it */
    if (!(o && o->no_check)) {
        dc_s3_xml x;
        long status = 0;
        rc = list_page(fs, "", false, NULL, 1, &x, &status, err);
        dc_s3__xml_free(&x);
        if (rc != DC_OK && status == 404 && err)
            err->code = rc = DC_ENOTFOUND; /* NoSuchBucket: like a missing root directory */
        if (rc != DC_OK)
            goto cleanup;
    }
    *out = fs;
    fs = NULL;
cleanup:
    dc_fs_unref(fs);
    dc_s3__client_free(c);
    dc_free(bucket);
    dc_free(root);
    dc_free(norm);
    dc_free(display);
    return rc;
}
