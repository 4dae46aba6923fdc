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
 *      remove_many is DeleteObjects (POST ?delete, 1000 keys a request, Quiet, with the
 *      Content-MD5 S3 requires); its per-key failures are parsed and the first is named.
 *      Absent keys are skipped by S3 silently; only a caller that wants the count pays a
 *      HEAD per key to learn which were there.
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
 *   8. An input's prefetch (dc_input_prefetch: a Parquet reader names the column chunks
 *      of a row group) merges ranges closer than prefetch_gap (64 KiB) into one buffer,
 *      cuts buffers into parts of at most prefetch_part (8 MiB) and GETs the parts on up
 *      to prefetch_parallel (8) threads at once, each with the If-Match of note 7. Reads
 *      inside a buffer are served from it; a buffer is freed once its asked-for bytes
 *      were read, or when the next prefetch replaces it (at most prefetch_max, 256 MiB,
 *      per input).
 *   9. The temporaries a dead writer leaves are its multipart uploads: invisible to
 *      listings, holding storage until aborted. sweep_temporaries finds them with
 *      ListMultipartUploads under the root (paginated by key and upload-id markers) and
 *      aborts those whose initiation and newest part (ListParts) are both older than the
 *      cutoff, so an upload still receiving parts is never taken from a live writer.
 */
#include "fs/s3_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define PARTS_MAX 10000 /* S3's limit of a multipart upload */
#define SIN_THREADS_MAX 32    /* threads of one input's prefetch */

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
static dc_status list_page_after(dc_fs *fs, const char *prefix, bool one_level, const char *token,
                                 const char *after, int max_keys, dc_s3_xml *x, long *status,
                                 dc_error *err)
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
    if (after) {
        dc_strbuf_puts(&qs, "&start-after=");
        dc_s3__uri_encode(&qs, dc_s3__root(c), false);
        dc_s3__uri_encode(&qs, after, false);
    }
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

static dc_status list_page(dc_fs *fs, const char *prefix, bool one_level, const char *token,
                           int max_keys, dc_s3_xml *x, long *status, dc_error *err)
{
    return list_page_after(fs, prefix, one_level, token, NULL, max_keys, x, status, err);
}

/* The first key under `prefix` after `after`: one ListObjectsV2 (start-after, max-keys 1). */
static dc_status s3_first_after(dc_fs *fs, const char *prefix, const char *after, char **key,
                                dc_error *err)
{
    dc_s3 *c = cli(fs);
    size_t rootlen = strlen(dc_s3__root(c));
    dc_s3_xml x;
    long status = 0;
    *key = NULL;
    dc_status rc = list_page_after(fs, prefix, false, NULL, after, 1, &x, &status, err);
    for (int64_t i = 0; rc == DC_OK && i < x.n_items; i++) {
        const dc_s3_xml_item *it = &x.items[i];
        if (it->is_prefix || strlen(it->key) <= rootlen ||
            memcmp(it->key, dc_s3__root(c), rootlen) != 0)
            continue;
        if (strcmp(it->key + rootlen, after) <= 0) { /* an endpoint that ignores start-after */
            rc = dc_error_set(err, DC_EUNSUPPORTED, "%s: the endpoint ignores start-after",
                              fs->display);
            break;
        }
        if (!(*key = dc_strdup(it->key + rootlen)))
            rc = dc_error_nomem(err);
        break;
    }
    dc_s3__xml_free(&x);
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

/* ---- remove_many: DeleteObjects ------------------------------------------------------------ */

#define DELETE_BATCH 1000 /* S3's limit of keys per DeleteObjects */

/* Append `s` escaped as XML text. */
static void xml_escape(dc_strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': dc_strbuf_puts(sb, "&amp;"); break;
        case '<': dc_strbuf_puts(sb, "&lt;"); break;
        case '>': dc_strbuf_puts(sb, "&gt;"); break;
        case '"': dc_strbuf_puts(sb, "&quot;"); break;
        case '\'': dc_strbuf_puts(sb, "&apos;"); break;
        default: dc_strbuf_putc(sb, *s); break;
        }
    }
}

/* `key` of an answer relative to the root (as it is when it is not under it). */
static const char *relative(dc_fs *fs, const char *key)
{
    const char *root = dc_s3__root(cli(fs));
    size_t n = strlen(root);
    return strncmp(key, root, n) == 0 ? key + n : key;
}

/*
 * One DeleteObjects of keys[0..n), n <= 1000 (note 3): Quiet, so S3 answers with the keys
 * it failed to delete only, and an absent key is not one of them. The body's MD5 goes in
 * Content-MD5, which S3 requires of this request. Idempotent, so retried as any request.
 * A failed key is reported by name with its code, and how many others failed too.
 */
static dc_status delete_batch(dc_fs *fs, const char *const *keys, int64_t n, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_status rc = DC_OK;
    dc_strbuf body;
    dc_strbuf_init(&body);
    dc_bytes answer;
    dc_bytes_init(&answer);
    dc_s3_xml x;
    memset(&x, 0, sizeof x);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    DC_TRY_ALLOC(r, err);
    dc_strbuf_puts(&body, "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                          "<Quiet>true</Quiet>");
    for (int64_t i = 0; i < n; i++) {
        dc_strbuf_puts(&body, "<Object><Key>");
        xml_escape(&body, dc_s3__root(c));
        xml_escape(&body, keys[i]);
        dc_strbuf_puts(&body, "</Key></Object>");
    }
    dc_strbuf_puts(&body, "</Delete>");
    if (dc_strbuf_status(&body) != DC_OK) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    char md5[25];
    dc_s3__md5_base64(body.data, (size_t)body.len, md5);
    dc_s3_req q = {.what = "remove many",
                   .method = "POST",
                   .query = "delete=",
                   .body = body.data,
                   .body_len = body.len,
                   .content_type = "application/xml",
                   .content_md5 = md5,
                   .out = &answer};
    DC_TRY(dc_s3__call(c, &q, r, err));
    if (r->status != 200) {
        rc = dc_s3__error(c, r, q.what, keys[0], err);
        goto cleanup;
    }
    if (answer.size > 0 && dc_s3__xml_parse(&x, answer.data, answer.size, err) != DC_OK) {
        rc = fs_error(fs, err, DC_EIO, keys[0],
                      "remove many: the answer to DeleteObjects is "
                      "not valid (%s); some of the %lld keys may be removed",
                      err ? err->message : "bad XML", (long long)n);
        goto cleanup;
    }
    if (x.kind == DC_S3_XML_ERROR) { /* a 200 carrying an Error: S3 failed midway */
        rc = fs_error(fs, err, DC_EIO, keys[0],
                      "remove many: DeleteObjects failed: %s%s%s; some of the %lld keys may be "
                      "removed, try again",
                      x.code, x.message[0] ? ": " : "", x.message, (long long)n);
        goto cleanup;
    }
    if (answer.size > 0 && x.kind != DC_S3_XML_DELETE) {
        rc = fs_error(fs, err, DC_EIO, keys[0],
                      "remove many: the endpoint did not answer DeleteObjects with a "
                      "DeleteResult; is it an S3 endpoint?");
        goto cleanup;
    }
    int64_t failed = 0;
    const dc_s3_xml_item *first = NULL;
    for (int64_t i = 0; i < x.n_items; i++) {
        const dc_s3_xml_item *it = &x.items[i];
        if (it->error_code && strcmp(it->error_code, "NoSuchKey") == 0)
            continue; /* absent: not an error here */
        if (!first)
            first = it;
        failed++;
    }
    if (first)
        rc = fs_error(fs, err, DC_EIO, relative(fs, first->key),
                      "remove: S3 refused to delete it (%s%s%s)%s; the other keys of the "
                      "request were removed",
                      first->error_code ? first->error_code : "no error code",
                      first->error_message ? ": " : "",
                      first->error_message ? first->error_message : "",
                      failed > 1 ? " as it refused other keys" : "");
    if (first && failed > 1 && err) {
        char more[64];
        snprintf(more, sizeof more, " (%lld keys in all)", (long long)failed);
        size_t len = strlen(err->message);
        snprintf(err->message + len, sizeof err->message - len, "%s", more);
    }
cleanup:
    dc_s3__xml_free(&x);
    dc_free(r);
    dc_bytes_free(&answer);
    dc_strbuf_free(&body);
    return rc;
}

static dc_status s3_remove_many(dc_fs *fs, const char *const *paths, int64_t n, int64_t *removed,
                                dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_status rc = DC_OK;
    const char **batch = dc_malloc((size_t)DC_MIN(n, DELETE_BATCH) * sizeof *batch);
    dc_s3_resp *r = removed ? dc_malloc(sizeof *r) : NULL;
    if (!batch || (removed && !r)) {
        dc_free(batch);
        dc_free(r);
        return dc_error_nomem(err);
    }
    if (removed)
        *removed = 0;
    for (int64_t i = 0; rc == DC_OK && i < n;) {
        int64_t k = 0;
        for (; i < n && k < DELETE_BATCH; i++) {
            if (removed) { /* S3 does not say which keys were absent: ask first */
                dc_error e;
                dc_status hrc = head(fs, paths[i], "remove", r, &e);
                if (hrc == DC_ENOTFOUND)
                    continue;
                if (hrc != DC_OK) {
                    if (err)
                        *err = e;
                    rc = hrc;
                    break;
                }
            }
            batch[k++] = paths[i];
        }
        if (rc == DC_OK && k > 0) {
            rc = delete_batch(fs, batch, k, err);
            if (rc == DC_OK && removed)
                *removed += k;
        }
    }
    dc_s3__dir_forget_all(c); /* directories may have emptied */
    dc_free(batch);
    dc_free(r);
    return rc;
}

/* ---- temporaries: the multipart uploads of dead writers ----------------------------------- */

typedef struct s3_upload {
    char *key; /* relative to the root */
    char *id;
    int64_t initiated;
} s3_upload;

/* GET `key` (NULL: the bucket) with query `qs` into `x` (kind `want`); `what` for messages.
 * DC_ENOTFOUND for a 404 when `missing_ok`. */
static dc_status get_xml(dc_fs *fs, const char *what, const char *key, const char *qs,
                         dc_s3_xml_kind want, bool missing_ok, dc_s3_xml *x, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_status rc = DC_OK;
    dc_bytes body;
    dc_bytes_init(&body);
    memset(x, 0, sizeof *x);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    DC_TRY_ALLOC(r, err);
    dc_s3_req q = {.what = what, .method = "GET", .key = key, .query = qs, .out = &body};
    DC_TRY(dc_s3__call(c, &q, r, err));
    if (r->status == 404 && missing_ok) {
        rc = DC_ENOTFOUND;
        goto cleanup;
    }
    if (r->status != 200) {
        rc = dc_s3__error(c, r, what, key, err);
        goto cleanup;
    }
    rc = dc_s3__xml_parse(x, body.data, body.size, err);
    if (rc == DC_ECORRUPT)
        rc = fs_error(fs, err, DC_EIO, key ? key : "", "%s: %s", what,
                      err ? err->message : "bad answer");
    else if (rc == DC_OK && x->kind != want)
        rc = fs_error(fs, err, DC_EIO, key ? key : "",
                      "%s: the endpoint did not answer as S3 does; is it an S3 endpoint?", what);
cleanup:
    dc_free(r);
    dc_bytes_free(&body);
    return rc;
}

/* The uploads in progress under the root initiated before `cutoff` (ListMultipartUploads,
 * page by page), into *out (*n of them). Keys that are not valid dc_fs keys are left
 * alone: this interface did not write them. */
static dc_status list_uploads(dc_fs *fs, int64_t cutoff, s3_upload **out, int64_t *n, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_status rc = DC_OK;
    char *key_marker = NULL, *id_marker = NULL;
    int64_t cap = 0;
    size_t rootlen = strlen(dc_s3__root(c));
    dc_strbuf qs;
    dc_strbuf_init(&qs);
    *out = NULL;
    *n = 0;
    for (;;) {
        dc_s3_xml x;
        dc_strbuf_clear(&qs); /* parameters in name order (SigV4) */
        dc_strbuf_puts(&qs, "encoding-type=url&");
        if (key_marker) {
            dc_strbuf_puts(&qs, "key-marker=");
            dc_s3__uri_encode(&qs, key_marker, false);
            dc_strbuf_putc(&qs, '&');
        }
        dc_strbuf_printf(&qs, "max-uploads=%d&prefix=", dc_s3__tunables(c)->list_page_size);
        dc_s3__uri_encode(&qs, dc_s3__root(c), false);
        if (id_marker) {
            dc_strbuf_puts(&qs, "&upload-id-marker=");
            dc_s3__uri_encode(&qs, id_marker, false);
        }
        dc_strbuf_puts(&qs, "&uploads=");
        if (dc_strbuf_status(&qs) != DC_OK) {
            rc = dc_error_nomem(err);
            break;
        }
        rc = get_xml(fs, "list multipart uploads", NULL, dc_strbuf_cstr(&qs), DC_S3_XML_UPLOADS,
                     false, &x, err);
        for (int64_t i = 0; rc == DC_OK && i < x.n_items; i++) {
            const dc_s3_xml_item *it = &x.items[i];
            if (strlen(it->key) <= rootlen || strncmp(it->key, dc_s3__root(c), rootlen) != 0 ||
                dc_fs_path_check(it->key + rootlen, NULL) != DC_OK || it->mtime_ns >= cutoff)
                continue;
            if (*n == cap) {
                int64_t nc = cap ? cap * 2 : 16;
                s3_upload *v = dc_realloc(*out, (size_t)nc * sizeof *v);
                if (!v) {
                    rc = dc_error_nomem(err);
                    break;
                }
                *out = v;
                cap = nc;
            }
            s3_upload *u = &(*out)[*n];
            u->key = dc_strdup(it->key + rootlen);
            u->id = dc_strdup(it->upload_id);
            u->initiated = it->mtime_ns;
            (*n)++;
            if (!u->key || !u->id)
                rc = dc_error_nomem(err);
        }
        bool more = rc == DC_OK && x.truncated;
        if (more && !x.next_key_marker && !x.next_upload_id_marker)
            rc = fs_error(fs, err, DC_EIO, "",
                          "list multipart uploads: a truncated page without a next marker");
        if (more && rc == DC_OK) {
            dc_free(key_marker);
            dc_free(id_marker);
            key_marker = x.next_key_marker ? dc_strdup(x.next_key_marker) : NULL;
            id_marker = x.next_upload_id_marker ? dc_strdup(x.next_upload_id_marker) : NULL;
            if ((x.next_key_marker && !key_marker) || (x.next_upload_id_marker && !id_marker))
                rc = dc_error_nomem(err);
        }
        dc_s3__xml_free(&x);
        if (rc != DC_OK || !more)
            break;
    }
    dc_free(key_marker);
    dc_free(id_marker);
    dc_strbuf_free(&qs);
    return rc;
}

/* The bytes an upload holds and the time of its newest part (ListParts, page by page);
 * DC_ENOTFOUND when it is gone (completed or aborted meanwhile). */
static dc_status upload_parts(dc_fs *fs, const s3_upload *u, int64_t *bytes, int64_t *newest,
                              dc_error *err)
{
    dc_status rc = DC_OK;
    int64_t marker = 0;
    dc_strbuf qs;
    dc_strbuf_init(&qs);
    *bytes = 0;
    *newest = u->initiated;
    for (int page = 0;; page++) {
        dc_s3_xml x;
        dc_strbuf_clear(&qs);
        dc_strbuf_printf(&qs,
                         "max-parts=1000&part-number-marker=%lld&uploadId=", (long long)marker);
        dc_s3__uri_encode(&qs, u->id, false);
        if (dc_strbuf_status(&qs) != DC_OK) {
            rc = dc_error_nomem(err);
            break;
        }
        rc = get_xml(fs, "list the parts of a multipart upload", u->key, dc_strbuf_cstr(&qs),
                     DC_S3_XML_PARTS, true, &x, err);
        if (rc == DC_OK) {
            *bytes += x.parts_size;
            if (x.parts_newest_ns > *newest)
                *newest = x.parts_newest_ns;
        }
        bool more = rc == DC_OK && x.truncated;
        if (more && (x.next_part_marker <= marker || page > PARTS_MAX))
            rc = fs_error(fs, err, DC_EIO, u->key,
                          "ListParts of upload %s: a truncated page that does not advance", u->id);
        marker = x.next_part_marker;
        dc_s3__xml_free(&x);
        if (rc != DC_OK || !more)
            break;
    }
    dc_strbuf_free(&qs);
    return rc;
}

/* AbortMultipartUpload; DC_ENOTFOUND when it is gone already. */
static dc_status abort_upload(dc_fs *fs, const s3_upload *u, dc_error *err)
{
    dc_s3 *c = cli(fs);
    dc_strbuf qs;
    dc_strbuf_init(&qs);
    dc_strbuf_puts(&qs, "uploadId=");
    dc_s3__uri_encode(&qs, u->id, false);
    dc_s3_resp *r = dc_malloc(sizeof *r);
    dc_status rc = DC_OK;
    if (!r || dc_strbuf_status(&qs) != DC_OK) {
        rc = dc_error_nomem(err);
    } else {
        dc_s3_req q = {.what = "abort a multipart upload",
                       .method = "DELETE",
                       .key = u->key,
                       .query = dc_strbuf_cstr(&qs)};
        rc = dc_s3__call(c, &q, r, err);
        if (rc == DC_OK && r->status == 404)
            rc = DC_ENOTFOUND;
        else if (rc == DC_OK && r->status != 204 && r->status != 200)
            rc = dc_s3__error(c, r, q.what, u->key, err);
    }
    dc_free(r);
    dc_strbuf_free(&qs);
    return rc;
}

/*
 * The temporaries of S3 (note 9): multipart uploads under the root that a dead writer
 * neither completed nor aborted. An upload is stale when both its initiation and its
 * newest part are before `cutoff`, so a slow writer still sending parts keeps its upload.
 */
static dc_status s3_sweep_temporaries(dc_fs *fs, int64_t cutoff, bool dry_run, dc_fs_list_fn fn,
                                      void *user, dc_error *err)
{
    s3_upload *ups = NULL;
    int64_t n = 0;
    dc_strbuf name;
    dc_strbuf_init(&name);
    dc_status rc = list_uploads(fs, cutoff, &ups, &n, err);
    for (int64_t i = 0; rc == DC_OK && i < n; i++) {
        int64_t bytes = 0, newest = 0;
        rc = upload_parts(fs, &ups[i], &bytes, &newest, err);
        if (rc == DC_ENOTFOUND) {
            rc = DC_OK; /* completed or aborted meanwhile */
            continue;
        }
        if (rc != DC_OK || newest >= cutoff)
            continue; /* still being written */
        if (!dry_run) {
            rc = abort_upload(fs, &ups[i], err);
            if (rc == DC_ENOTFOUND) {
                rc = DC_OK;
                continue;
            }
            if (rc != DC_OK)
                break;
        }
        dc_strbuf_clear(&name);
        dc_strbuf_printf(&name, "%s?uploadId=%s", ups[i].key, ups[i].id);
        if (dc_strbuf_status(&name) != DC_OK) {
            rc = dc_error_nomem(err);
            break;
        }
        dc_fs_entry e = {dc_strbuf_cstr(&name), false, bytes, newest};
        rc = fn(&e, user);
    }
    for (int64_t i = 0; i < n; i++) {
        dc_free(ups[i].key);
        dc_free(ups[i].id);
    }
    dc_free(ups);
    dc_strbuf_free(&name);
    return rc;
}

/* ---- inputs -------------------------------------------------------------------------------- */

typedef struct sin_buf {
    int64_t off, len;
    uint8_t *data;
    int64_t need;   /* bytes of the asked-for ranges inside it */
    int64_t served; /* bytes handed out; at `need` the buffer is released */
} sin_buf;

typedef struct s3_in {
    dc_fs *fs; /* borrowed: the core's wrapper holds the reference */
    char *path;
    char etag[128];
    uint8_t *win; /* the read-ahead window */
    int64_t win_off, win_len, win_cap;
    sin_buf *bufs; /* what the last prefetch fetched (and is not read through yet) */
    int64_t n_bufs;
} s3_in;

/* GET [off, off + len) into `dest` (exactly len bytes expected). Thread-safe. */
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

static void bufs_free(sin_buf *v, int64_t n)
{
    for (int64_t i = 0; v && i < n; i++)
        dc_free(v[i].data);
    dc_free(v);
}

/* Serve [offset, offset + n) from a prefetched buffer holding all of it; false if none. */
static bool from_bufs(s3_in *s, int64_t offset, void *buf, int64_t n)
{
    for (int64_t i = 0; i < s->n_bufs; i++) {
        sin_buf *b = &s->bufs[i];
        if (offset < b->off || offset + n > b->off + b->len)
            continue;
        memcpy(buf, b->data + (offset - b->off), (size_t)n);
        b->served += n;
        if (b->served >= b->need) { /* read through: release it */
            dc_free(b->data);
            memmove(b, b + 1, (size_t)(s->n_bufs - i - 1) * sizeof *b);
            s->n_bufs--;
        }
        return true;
    }
    return false;
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
    if (from_bufs(s, offset, buf, want)) {
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

/* ---- prefetch: ranges coalesced, fetched in parts in parallel ---- */

typedef struct sin_part {
    int64_t off, len;
    uint8_t *dest;
} sin_part;

typedef struct sin_job {
    s3_in *s;
    const sin_part *parts;
    int64_t n;
    atomic_int_fast64_t next;
    atomic_bool failed;
    dc_status *rcs; /* per part */
    dc_error *errs; /* per part */
} sin_job;

static void *sin_worker(void *arg)
{
    sin_job *j = arg;
    for (;;) {
        int64_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->n || atomic_load(&j->failed))
            break;
        j->rcs[i] = fetch(j->s, j->parts[i].off, j->parts[i].len, j->parts[i].dest, &j->errs[i]);
        if (j->rcs[i] != DC_OK)
            atomic_store(&j->failed, true);
    }
    return NULL;
}

/* Fetch every part, up to `threads` at once; the first failing part's error. */
static dc_status fetch_parts(s3_in *s, const sin_part *parts, int64_t n, int threads, dc_error *err)
{
    if (n == 1 || threads <= 1) {
        for (int64_t i = 0; i < n; i++) {
            dc_status rc = fetch(s, parts[i].off, parts[i].len, parts[i].dest, err);
            if (rc != DC_OK)
                return rc;
        }
        return DC_OK;
    }
    dc_status rc = DC_OK;
    sin_job j = {.s = s, .parts = parts, .n = n};
    atomic_init(&j.next, 0);
    atomic_init(&j.failed, false);
    j.rcs = dc_calloc((size_t)n, sizeof *j.rcs);
    j.errs = dc_calloc((size_t)n, sizeof *j.errs);
    pthread_t tids[SIN_THREADS_MAX];
    int started = 0, extra = (int)DC_MIN(DC_MIN((int64_t)threads, n), SIN_THREADS_MAX) - 1;
    if (!j.rcs || !j.errs) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    for (int i = 0; i < extra; i++) {
        if (pthread_create(&tids[i], NULL, sin_worker, &j) != 0)
            break; /* fewer threads: the calling one does the rest */
        started++;
    }
    sin_worker(&j);
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    for (int64_t i = 0; i < n; i++)
        if (j.rcs[i] != DC_OK) { /* the first failing part, whatever the timing */
            rc = j.rcs[i];
            if (err)
                *err = j.errs[i];
            break;
        }
cleanup:
    dc_free(j.rcs);
    dc_free(j.errs);
    return rc;
}

static int range_cmp(const void *a, const void *b)
{
    const dc_input_range *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset ? 1 : 0;
}

/*
 * The ranges asked for, clipped to the object, without those the window holds, sorted,
 * and merged where they overlap or lie closer than `gap` (a merged range wastes at most
 * `gap` bytes per join: never a request much larger than the bytes asked for); at most
 * `budget` bytes in all. Into `out` (n entries of room), `need` the union's bytes.
 */
static int64_t plan_bufs(const s3_in *s, int64_t size, const dc_input_range *ranges, int64_t n,
                         int64_t gap, int64_t budget, dc_input_range *tmp, sin_buf *out)
{
    int64_t m = 0, k = 0, total = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t a = ranges[i].offset, len = ranges[i].length;
        if (len <= 0 || a < 0 || a >= size)
            continue;
        int64_t b = len < size - a ? a + len : size;
        if (a >= s->win_off && b <= s->win_off + s->win_len)
            continue; /* the window holds it */
        tmp[m++] = (dc_input_range){a, b - a};
    }
    qsort(tmp, (size_t)m, sizeof *tmp, range_cmp);
    for (int64_t i = 0; i < m;) {
        int64_t off = tmp[i].offset, end = off + tmp[i].length, need = tmp[i].length;
        for (i++; i < m && tmp[i].offset <= end + gap; i++) {
            int64_t e = tmp[i].offset + tmp[i].length;
            if (e > end) {
                need += e - DC_MAX(tmp[i].offset, end);
                end = e;
            }
        }
        if (total + (end - off) > budget)
            break; /* over the budget: the rest is read on demand */
        total += end - off;
        out[k++] = (sin_buf){.off = off, .len = end - off, .need = need};
    }
    return k;
}

/*
 * Replace the prefetched buffers by the ranges asked for (plan_bufs): a buffer already
 * holding a new one whole is kept, the others are fetched in parts of at most
 * prefetch_part bytes, prefetch_parallel at a time, each GET with If-Match on the ETag
 * seen at open (a replaced object fails as a read would). Reads inside a buffer are
 * served from it until they have taken all it was asked for. On failure no buffer is
 * left (the reads fetch on demand).
 */
static dc_status sin_prefetch(dc_input *in, const dc_input_range *ranges, int64_t n, dc_error *err)
{
    s3_in *s = in->impl;
    const dc_s3_tunables *t = dc_s3__tunables(cli(s->fs));
    if (t->prefetch_parallel <= 0)
        return DC_OK;
    dc_status rc = DC_OK;
    dc_input_range *tmp = dc_malloc((size_t)n * sizeof *tmp);
    sin_buf *nb = dc_calloc((size_t)n, sizeof *nb);
    sin_part *parts = NULL;
    int64_t k = 0, n_parts = 0, cap_parts = 0;
    DC_TRY_ALLOC(tmp, err);
    DC_TRY_ALLOC(nb, err);
    k = plan_bufs(s, in->size, ranges, n, t->prefetch_gap, t->prefetch_max, tmp, nb);
    for (int64_t i = 0; i < k; i++) {
        sin_buf *b = &nb[i];
        for (int64_t j = 0; j < s->n_bufs && !b->data; j++) {
            sin_buf *o = &s->bufs[j];
            if (o->data && o->off <= b->off && b->off + b->len <= o->off + o->len) {
                b->data = o->data; /* kept: it holds the new range whole */
                b->off = o->off;
                b->len = o->len;
                o->data = NULL;
            }
        }
        if (b->data)
            continue;
        b->data = dc_malloc((size_t)b->len);
        DC_TRY_ALLOC(b->data, err);
        for (int64_t at = 0; at < b->len; at += t->prefetch_part) {
            if (n_parts == cap_parts) {
                int64_t nc = cap_parts ? cap_parts * 2 : 16;
                sin_part *np = dc_realloc(parts, (size_t)nc * sizeof *np);
                DC_TRY_ALLOC(np, err);
                parts = np;
                cap_parts = nc;
            }
            parts[n_parts++] =
                (sin_part){b->off + at, DC_MIN(t->prefetch_part, b->len - at), b->data + at};
        }
    }
    if (n_parts > 0)
        DC_TRY(fetch_parts(s, parts, n_parts, t->prefetch_parallel, err));
cleanup:
    bufs_free(s->bufs, s->n_bufs); /* those not kept; on failure the kept ones go with nb */
    s->bufs = NULL;
    s->n_bufs = 0;
    if (rc == DC_OK && k > 0) {
        s->bufs = nb;
        s->n_bufs = k;
        nb = NULL;
    }
    bufs_free(nb, k);
    dc_free(parts);
    dc_free(tmp);
    return rc;
}

static void sin_close(dc_input *in)
{
    s3_in *s = in->impl;
    bufs_free(s->bufs, s->n_bufs);
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
    in->prefetch = sin_prefetch;
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
    .first_after = s3_first_after,
    .remove = s3_remove,
    .rename = NULL,
    .open_input = s3_open_input,
    .open_output = s3_open_output,
    .destroy = s3_destroy,
    .remove_many = s3_remove_many,
    .sweep_temporaries = s3_sweep_temporaries,
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
    t->prefetch_gap = INT64_C(64) << 10;
    t->prefetch_part = INT64_C(8) << 20;
    t->prefetch_max = INT64_C(256) << 20;
    t->prefetch_parallel = 8;
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
