/*
 * fs_core.c: the backend-independent half of dc_fs: key validation, opening by
 * URL, references, statistics, fault injection, and the wrappers every call goes
 * through before it reaches a backend.
 *
 * Notes on the design:
 *   1. No backend sees an unchecked key. Every dc_fs_* entry point validates its
 *      paths (or prefix) first and fails with DC_EINVALID before any I/O.
 *   2. Statistics count calls that passed validation, failed ones included; bytes
 *      count what was actually returned or accepted.
 *   3. Faults are injected here, so they work on every backend alike. An ERROR
 *      fault changes nothing; an UNKNOWN fault lets a mutating call take effect
 *      and then reports DC_EIO, which is what an object store's timeout looks
 *      like to its client.
 *   4. Inputs and outputs are wrapped (statistics, faults) and hold a reference
 *      on their dc_fs.
 */
#include "fs/fs_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const OP_NAMES[DC_FS_OP_COUNT] = {
    "put_if_absent", "put",    "get",        "get_range", "stat",        "list",  "remove",
    "remove_many",   "rename", "open_input", "read",      "open_output", "write", "finish",
};

const char *dc_fs_op_name(dc_fs_op op)
{
    if (op == DC_FS_OP_ANY)
        return "any";
    if (op < 0 || op >= DC_FS_OP_COUNT)
        return "unknown";
    return OP_NAMES[op];
}

/* ---- key validation ---------------------------------------------------------------- */

/* Render `p` for a message: quoted, control bytes escaped, cut at ~160 bytes. */
static const char *quote(char *buf, size_t cap, const char *p)
{
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; p[i] && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        if (i >= 160) {
            o += (size_t)snprintf(buf + o, cap - o, "...");
            break;
        }
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

static dc_status bad_path(dc_error *err, const char *what, const char *path, const char *rule)
{
    char q[256];
    dc_error_set(err, DC_EINVALID,
                 "invalid %s %s: %s (keys are relative to the catalog root, '/'-separated, "
                 "with no empty, '.' or '..' segment, no backslash or control character)",
                 what, quote(q, sizeof q, path), rule);
    if (err) {
        snprintf(err->path, sizeof err->path, "%s", q);
    }
    return DC_EINVALID;
}

/*
 * Check a key (`partial_last` false) or a listing prefix (`partial_last` true: the
 * empty string is allowed, and the text after the last '/' is a name prefix, which
 * may be empty or any valid text). Returns DC_OK or DC_EINVALID naming the rule.
 */
static dc_status check_key(const char *path, bool partial_last, const char *what, dc_error *err)
{
    if (!path)
        return dc_error_set(err, DC_EINVALID, "invalid %s: NULL", what);
    size_t len = strlen(path);
    if (len == 0 && !partial_last)
        return bad_path(err, what, path, "it is empty");
    if (len > DC_FS_PATH_MAX) {
        char rule[96];
        snprintf(rule, sizeof rule, "it is %zu bytes long, more than the limit of %d", len,
                 DC_FS_PATH_MAX);
        return bad_path(err, what, path, rule);
    }
    if (path[0] == '/')
        return bad_path(err, what, path, "absolute paths are not allowed");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x20 || c == 0x7f)
            return bad_path(err, what, path, "it contains a control character");
        if (c == '\\')
            return bad_path(err, what, path, "it contains a backslash");
    }
    if (!dc_utf8_valid(path, (int64_t)len))
        return bad_path(err, what, path, "it is not valid UTF-8");
    const char *seg = path;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        bool last = slash == NULL;
        if (n > DC_FS_SEGMENT_MAX) {
            char rule[96];
            snprintf(rule, sizeof rule, "a segment is %zu bytes long, more than the limit of %d", n,
                     DC_FS_SEGMENT_MAX);
            return bad_path(err, what, path, rule);
        }
        if (!(last && partial_last)) {
            if (n == 0)
                return bad_path(err, what, path,
                                last ? "it ends with '/'" : "it has an empty segment ('//')");
            if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return bad_path(err, what, path, "'.' and '..' segments are not allowed");
            if (n >= strlen(DC_FS_TMP_PREFIX) &&
                memcmp(seg, DC_FS_TMP_PREFIX, strlen(DC_FS_TMP_PREFIX)) == 0)
                return bad_path(err, what, path,
                                "names starting with \"" DC_FS_TMP_PREFIX
                                "\" are reserved for temporaries");
        }
        if (last)
            break;
        seg = slash + 1;
    }
    return DC_OK;
}

dc_status dc_fs_path_check(const char *path, dc_error *err)
{
    return check_key(path, false, "path", err);
}

/* ---- construction, references --------------------------------------------------------- */

dc_status dc_fs__new(dc_fs **out, const dc_fs_vtable *vt, unsigned caps, const char *url,
                     const char *display, void *impl, dc_error *err)
{
    *out = NULL;
    dc_fs *fs = dc_calloc(1, sizeof *fs);
    if (!fs)
        return dc_error_nomem(err);
    fs->url = dc_strdup(url);
    fs->display = dc_strdup(display);
    if (!fs->url || !fs->display || pthread_mutex_init(&fs->fault_mu, NULL) != 0) {
        dc_free(fs->url);
        dc_free(fs->display);
        dc_free(fs);
        return dc_error_nomem(err);
    }
    fs->vt = vt;
    fs->caps = caps;
    fs->impl = impl;
    atomic_init(&fs->refs, 1);
    for (int i = 0; i < DC_FS_OP_COUNT; i++)
        atomic_init(&fs->ops[i], 0);
    atomic_init(&fs->bytes_read, 0);
    atomic_init(&fs->bytes_written, 0);
    atomic_init(&fs->list_entries, 0);
    atomic_init(&fs->faults, 0);
    atomic_init(&fs->syncs, 0);
    atomic_init(&fs->fault_armed, false);
    *out = fs;
    return DC_OK;
}

dc_fs *dc_fs_ref(dc_fs *fs)
{
    if (fs)
        atomic_fetch_add(&fs->refs, 1);
    return fs;
}

void dc_fs_unref(dc_fs *fs)
{
    if (!fs || atomic_fetch_sub(&fs->refs, 1) != 1)
        return;
    fs->vt->destroy(fs);
    pthread_mutex_destroy(&fs->fault_mu);
    dc_free(fs->url);
    dc_free(fs->display);
    dc_free(fs);
}

dc_status dc_fs__sys_error(dc_fs *fs, dc_error *err, int errnum, const char *what, const char *path)
{
    dc_status code = (errnum == ENOENT || errnum == ENOTDIR) ? DC_ENOTFOUND : DC_EIO;
    dc_error_set(err, code, "%s%s: %s: %s", fs->display, path, what, strerror(errnum));
    if (err)
        snprintf(err->path, sizeof err->path, "%s%s", fs->display, path);
    return code;
}

/* ---- statistics and faults ----------------------------------------------------------- */

void dc_fs_stats_get(dc_fs *fs, dc_fs_stats *out)
{
    for (int i = 0; i < DC_FS_OP_COUNT; i++)
        out->ops[i] = atomic_load(&fs->ops[i]);
    out->bytes_read = atomic_load(&fs->bytes_read);
    out->bytes_written = atomic_load(&fs->bytes_written);
    out->list_entries = atomic_load(&fs->list_entries);
    out->faults = atomic_load(&fs->faults);
    out->syncs = atomic_load(&fs->syncs);
}

void dc_fs_stats_reset(dc_fs *fs)
{
    for (int i = 0; i < DC_FS_OP_COUNT; i++)
        atomic_store(&fs->ops[i], 0);
    atomic_store(&fs->bytes_read, 0);
    atomic_store(&fs->bytes_written, 0);
    atomic_store(&fs->list_entries, 0);
    atomic_store(&fs->faults, 0);
    atomic_store(&fs->syncs, 0);
}

void dc_fs_inject_fault(dc_fs *fs, const dc_fs_fault *fault)
{
    pthread_mutex_lock(&fs->fault_mu);
    if (fault && fault->count != 0 && fault->nth >= 1) {
        fs->fault = *fault;
        atomic_store(&fs->fault_armed, true);
    } else {
        memset(&fs->fault, 0, sizeof fs->fault);
        atomic_store(&fs->fault_armed, false);
    }
    pthread_mutex_unlock(&fs->fault_mu);
}

enum { NO_FAULT = -1 };

/* Count one operation of kind `op` and decide whether an armed fault fires on it:
 * NO_FAULT, or the dc_fs_fault_mode to apply. */
static int begin_op(dc_fs *fs, dc_fs_op op)
{
    atomic_fetch_add(&fs->ops[op], 1);
    if (!atomic_load(&fs->fault_armed))
        return NO_FAULT;
    int fire = NO_FAULT;
    pthread_mutex_lock(&fs->fault_mu);
    dc_fs_fault *f = &fs->fault;
    if (atomic_load(&fs->fault_armed) && (f->op == DC_FS_OP_ANY || f->op == op)) {
        if (f->nth > 1) {
            f->nth--;
        } else {
            fire = (int)f->mode;
            if (f->count > 0 && --f->count == 0)
                atomic_store(&fs->fault_armed, false);
        }
    }
    pthread_mutex_unlock(&fs->fault_mu);
    if (fire != NO_FAULT)
        atomic_fetch_add(&fs->faults, 1);
    return fire;
}

static dc_status fault_error(dc_fs *fs, dc_error *err, dc_fs_op op, const char *path, bool done)
{
    dc_error_set(err, DC_EIO,
                 done ? "%s%s: injected fault: %s took effect but its outcome was lost"
                      : "%s%s: injected fault: %s failed",
                 fs->display, path ? path : "", dc_fs_op_name(op));
    if (err && path)
        snprintf(err->path, sizeof err->path, "%s%s", fs->display, path);
    return DC_EIO;
}

static bool mutating(dc_fs_op op)
{
    return op == DC_FS_OP_PUT_IF_ABSENT || op == DC_FS_OP_PUT || op == DC_FS_OP_REMOVE ||
           op == DC_FS_OP_REMOVE_MANY || op == DC_FS_OP_RENAME || op == DC_FS_OP_FINISH;
}

/* Begin an operation: returns DC_OK to go on (with *unknown set when a successful
 * outcome must be reported as DC_EIO), or the injected error. */
static dc_status begin(dc_fs *fs, dc_fs_op op, const char *path, bool *unknown, dc_error *err)
{
    *unknown = false;
    int f = begin_op(fs, op);
    if (f == NO_FAULT)
        return DC_OK;
    if (f == DC_FS_FAULT_UNKNOWN && mutating(op)) {
        *unknown = true;
        return DC_OK;
    }
    return fault_error(fs, err, op, path, false);
}

/* ---- operations ------------------------------------------------------------------------ */

static dc_status check_fs(dc_fs *fs, dc_error *err)
{
    if (!fs)
        return dc_error_set(err, DC_EINVALID, "no filesystem (NULL)");
    return DC_OK;
}

static dc_status check_bytes(const void *data, int64_t n, const char *path, dc_error *err)
{
    if (n < 0 || (n > 0 && !data))
        return dc_error_set(err, DC_EINVALID, "%s: invalid data (%lld bytes at %p)", path,
                            (long long)n, data);
    return DC_OK;
}

static dc_status do_put(dc_fs *fs, dc_fs_op op, const char *path, const void *data, int64_t n,
                        dc_error *err)
{
    dc_status rc = check_fs(fs, err);
    if (rc == DC_OK)
        rc = dc_fs_path_check(path, err);
    if (rc == DC_OK)
        rc = check_bytes(data, n, path, err);
    bool unknown;
    if (rc == DC_OK)
        rc = begin(fs, op, path, &unknown, err);
    if (rc != DC_OK)
        return rc;
    rc = op == DC_FS_OP_PUT ? fs->vt->put(fs, path, data, n, err)
                            : fs->vt->put_if_absent(fs, path, data, n, err);
    if (rc == DC_OK)
        atomic_fetch_add(&fs->bytes_written, n);
    if (rc == DC_OK && unknown)
        return fault_error(fs, err, op, path, true);
    return rc;
}

dc_status dc_fs_put_if_absent(dc_fs *fs, const char *path, const void *data, int64_t n,
                              dc_error *err)
{
    return do_put(fs, DC_FS_OP_PUT_IF_ABSENT, path, data, n, err);
}

dc_status dc_fs_put(dc_fs *fs, const char *path, const void *data, int64_t n, dc_error *err)
{
    return do_put(fs, DC_FS_OP_PUT, path, data, n, err);
}

static dc_status do_get(dc_fs *fs, dc_fs_op op, const char *path, int64_t offset, int64_t n,
                        dc_bytes *out, dc_error *err)
{
    dc_status rc = check_fs(fs, err);
    if (rc == DC_OK)
        rc = dc_fs_path_check(path, err);
    if (rc != DC_OK)
        return rc;
    if (!out)
        return dc_error_set(err, DC_EINVALID, "%s: no output buffer", path);
    out->size = 0;
    if (offset < 0 || n < -1)
        return dc_error_set(err, DC_EINVALID, "%s%s: invalid range (offset %lld, %lld bytes)",
                            fs->display, path, (long long)offset, (long long)n);
    bool unknown;
    rc = begin(fs, op, path, &unknown, err);
    if (rc != DC_OK)
        return rc;
    rc = fs->vt->get_range(fs, path, offset, n, out, err);
    if (rc == DC_OK)
        atomic_fetch_add(&fs->bytes_read, out->size);
    else
        out->size = 0;
    return rc;
}

dc_status dc_fs_get(dc_fs *fs, const char *path, dc_bytes *out, dc_error *err)
{
    return do_get(fs, DC_FS_OP_GET, path, 0, -1, out, err);
}

dc_status dc_fs_get_range(dc_fs *fs, const char *path, int64_t offset, int64_t n, dc_bytes *out,
                          dc_error *err)
{
    if (n < 0) {
        if (out)
            out->size = 0;
        return dc_error_set(err, DC_EINVALID, "%s: negative read length %lld",
                            path ? path : "(NULL)", (long long)n);
    }
    return do_get(fs, DC_FS_OP_GET_RANGE, path, offset, n, out, err);
}

dc_status dc_fs_stat(dc_fs *fs, const char *path, dc_fs_info *st, dc_error *err)
{
    dc_status rc = check_fs(fs, err);
    if (rc == DC_OK)
        rc = dc_fs_path_check(path, err);
    bool unknown;
    if (rc == DC_OK)
        rc = begin(fs, DC_FS_OP_STAT, path, &unknown, err);
    if (rc != DC_OK)
        return rc;
    dc_fs_info tmp;
    return fs->vt->stat(fs, path, st ? st : &tmp, err);
}

dc_status dc_fs_exists(dc_fs *fs, const char *path, bool *exists, dc_error *err)
{
    dc_error e;
    dc_error_clear(&e);
    *exists = false;
    dc_status rc = dc_fs_stat(fs, path, NULL, &e);
    if (rc == DC_OK) {
        *exists = true;
        return DC_OK;
    }
    if (rc == DC_ENOTFOUND)
        return DC_OK;
    if (err)
        *err = e;
    return rc;
}

typedef struct count_ctx {
    dc_fs *fs;
    dc_fs_list_fn fn;
    void *user;
} count_ctx;

static dc_status count_entry(const dc_fs_entry *e, void *user)
{
    count_ctx *c = user;
    atomic_fetch_add(&c->fs->list_entries, 1);
    return c->fn(e, c->user);
}

dc_status dc_fs_list(dc_fs *fs, const char *prefix, bool recursive, dc_fs_list_fn fn, void *user,
                     dc_error *err)
{
    dc_status rc = check_fs(fs, err);
    if (rc == DC_OK)
        rc = check_key(prefix, true, "prefix", err);
    if (rc == DC_OK && !fn)
        rc = dc_error_set(err, DC_EINVALID, "list: no callback");
    bool unknown;
    if (rc == DC_OK)
        rc = begin(fs, DC_FS_OP_LIST, prefix, &unknown, err);
    if (rc != DC_OK)
        return rc;
    count_ctx c = {fs, fn, user};
    return fs->vt->list(fs, prefix, recursive, count_entry, &c, err);
}

dc_status dc_fs_first_after(dc_fs *fs, const char *prefix, const char *after, char **key,
                            dc_error *err)
{
    *key = NULL;
    dc_status rc = check_fs(fs, err);
    if (rc == DC_OK)
        rc = check_key(prefix, true, "prefix", err);
    if (rc == DC_OK)
        rc = check_key(after, false, "key", err);
    if (rc != DC_OK)
        return rc;
    if (!fs->vt->first_after)
        return dc_error_set(err, DC_EUNSUPPORTED, "%s: no single-request listing here",
                            fs->display);
    bool unknown;
    if ((rc = begin(fs, DC_FS_OP_LIST, prefix, &unknown, err)) != DC_OK)
        return rc;
    return fs->vt->first_after(fs, prefix, after, key, err);
}

static dc_status collect(const dc_fs_entry *e, void *user)
{
    dc_fs_listing *l = user;
    if (l->n == l->cap) {
        int64_t cap = l->cap ? l->cap * 2 : 64;
        dc_fs_entry *ne = dc_realloc(l->entries, (size_t)cap * sizeof *ne);
        if (!ne)
            return DC_ENOMEM;
        l->entries = ne;
        l->cap = cap;
    }
    dc_fs_entry *d = &l->entries[l->n];
    *d = *e;
    d->key = dc_arena_strndup(&l->keys, e->key, (int64_t)strlen(e->key));
    if (!d->key)
        return DC_ENOMEM;
    l->n++;
    return DC_OK;
}

dc_status dc_fs_list_all(dc_fs *fs, const char *prefix, bool recursive, dc_fs_listing *out,
                         dc_error *err)
{
    memset(out, 0, sizeof *out);
    dc_arena_init(&out->keys, 16 * 1024);
    dc_status rc = dc_fs_list(fs, prefix, recursive, collect, out, err);
    if (rc == DC_ENOMEM)
        dc_error_nomem(err);
    return rc;
}

void dc_fs_listing_free(dc_fs_listing *l)
{
    if (!l)
        return;
    dc_free(l->entries);
    dc_arena_free(&l->keys);
    memset(l, 0, sizeof *l);
}

dc_status dc_fs_remove(dc_fs *fs, const char *path, dc_error *err)
{
    dc_status rc = check_fs(fs, err);
    if (rc == DC_OK)
        rc = dc_fs_path_check(path, err);
    bool unknown;
    if (rc == DC_OK)
        rc = begin(fs, DC_FS_OP_REMOVE, path, &unknown, err);
    if (rc != DC_OK)
        return rc;
    rc = fs->vt->remove(fs, path, err);
    if (rc == DC_OK && unknown)
        return fault_error(fs, err, DC_FS_OP_REMOVE, path, true);
    return rc;
}

dc_status dc_fs_remove_many(dc_fs *fs, const char *const *paths, int64_t n, int64_t *removed,
                            dc_error *err)
{
    if (removed)
        *removed = 0;
    dc_status rc = check_fs(fs, err);
    if (rc != DC_OK)
        return rc;
    if (n < 0 || (n > 0 && !paths))
        return dc_error_set(err, DC_EINVALID, "remove_many: invalid key array (%lld keys)",
                            (long long)n);
    for (int64_t i = 0; i < n; i++)
        if ((rc = dc_fs_path_check(paths[i], err)) != DC_OK)
            return rc;
    bool unknown;
    rc = begin(fs, DC_FS_OP_REMOVE_MANY, n > 0 ? paths[0] : "", &unknown, err);
    if (rc != DC_OK)
        return rc;
    if (n > 0 && fs->vt->remove_many) {
        rc = fs->vt->remove_many(fs, paths, n, removed, err);
        if (rc != DC_OK)
            return rc;
        n = 0; /* done: only the injected outcome below remains */
    }
    for (int64_t i = 0; i < n; i++) {
        rc = fs->vt->remove(fs, paths[i], err);
        if (rc == DC_ENOTFOUND) {
            dc_error_clear(err);
            continue;
        }
        if (rc != DC_OK)
            return rc;
        if (removed)
            (*removed)++;
    }
    if (unknown)
        return fault_error(fs, err, DC_FS_OP_REMOVE_MANY, n > 0 ? paths[0] : "", true);
    return DC_OK;
}

typedef struct sweep_ctx {
    dc_fs_listing *found;
    int64_t n;
} sweep_ctx;

static dc_status swept(const dc_fs_entry *e, void *user)
{
    sweep_ctx *c = user;
    c->n++;
    return c->found ? collect(e, c->found) : DC_OK;
}

dc_status dc_fs_sweep_temporaries(dc_fs *fs, int64_t grace_ns, bool dry_run, dc_fs_listing *found,
                                  int64_t *removed, dc_error *err)
{
    if (found) {
        memset(found, 0, sizeof *found);
        dc_arena_init(&found->keys, 4096);
    }
    if (removed)
        *removed = 0;
    dc_status rc = check_fs(fs, err);
    bool unknown;
    if (rc == DC_OK)
        rc = begin(fs, DC_FS_OP_LIST, "", &unknown, err);
    if (rc != DC_OK || !fs->vt->sweep_temporaries)
        return rc;
    sweep_ctx c = {found, 0};
    int64_t cutoff = dc_clock_now_ns() - (grace_ns > 0 ? grace_ns : 0);
    rc = fs->vt->sweep_temporaries(fs, cutoff, dry_run, swept, &c, err);
    if (rc == DC_ENOMEM)
        dc_error_nomem(err);
    if (removed && !dry_run)
        *removed = c.n;
    return rc;
}

dc_status dc_fs_rename(dc_fs *fs, const char *from, const char *to, dc_error *err)
{
    dc_status rc = check_fs(fs, err);
    if (rc == DC_OK)
        rc = dc_fs_path_check(from, err);
    if (rc == DC_OK)
        rc = dc_fs_path_check(to, err);
    if (rc != DC_OK)
        return rc;
    if (!(fs->caps & DC_FS_CAP_RENAME) || !fs->vt->rename)
        return dc_error_set(err, DC_EUNSUPPORTED,
                            "%s: this filesystem has no rename; write the new key and remove "
                            "the old one instead",
                            fs->url);
    bool unknown;
    rc = begin(fs, DC_FS_OP_RENAME, from, &unknown, err);
    if (rc != DC_OK)
        return rc;
    if (strcmp(from, to) == 0) {
        dc_fs_info st;
        rc = fs->vt->stat(fs, from, &st, err);
    } else {
        rc = fs->vt->rename(fs, from, to, err);
    }
    if (rc == DC_OK && unknown)
        return fault_error(fs, err, DC_FS_OP_RENAME, from, true);
    return rc;
}

/* ---- wrapped inputs --------------------------------------------------------------------- */

typedef struct wrap_in {
    dc_fs *fs;
    dc_input *inner;
    char *path;
} wrap_in;

static dc_status win_read_at(dc_input *in, int64_t offset, void *buf, int64_t n, int64_t *got,
                             dc_error *err)
{
    wrap_in *w = in->impl;
    bool unknown;
    dc_status rc = begin(w->fs, DC_FS_OP_READ, w->path, &unknown, err);
    if (rc != DC_OK)
        return rc;
    rc = dc_input_read_at(w->inner, offset, buf, n, got, err);
    if (rc == DC_OK)
        atomic_fetch_add(&w->fs->bytes_read, *got);
    return rc;
}

static void win_close(dc_input *in)
{
    wrap_in *w = in->impl;
    dc_input_close(w->inner);
    dc_fs_unref(w->fs);
    dc_free(w->path);
    dc_free(w);
}

static const dc_input_vtable WRAP_IN = {win_read_at, win_close};

dc_status dc_fs_open_input(dc_fs *fs, const char *path, dc_input **out, dc_error *err)
{
    *out = NULL;
    dc_status rc = check_fs(fs, err);
    if (rc == DC_OK)
        rc = dc_fs_path_check(path, err);
    bool unknown;
    if (rc == DC_OK)
        rc = begin(fs, DC_FS_OP_OPEN_INPUT, path, &unknown, err);
    if (rc != DC_OK)
        return rc;
    dc_input *inner = NULL, *in = NULL;
    wrap_in *w = NULL;
    DC_TRY(fs->vt->open_input(fs, path, &inner, err));
    w = dc_calloc(1, sizeof *w);
    in = dc_calloc(1, sizeof *in);
    DC_TRY_ALLOC(w, err);
    DC_TRY_ALLOC(in, err);
    w->path = dc_strdup(path);
    in->name = dc_strdup(inner->name);
    DC_TRY_ALLOC(w->path, err);
    DC_TRY_ALLOC(in->name, err);
    w->fs = dc_fs_ref(fs);
    w->inner = inner;
    in->inner = inner; /* dc_input_prefetch passes the hint to the backend's input */
    in->vt = &WRAP_IN;
    in->impl = w;
    in->size = inner->size;
    *out = in;
    return DC_OK;
cleanup:
    dc_input_close(inner);
    if (w)
        dc_free(w->path);
    if (in)
        dc_free(in->name);
    dc_free(w);
    dc_free(in);
    return rc;
}

/* ---- wrapped outputs -------------------------------------------------------------------- */

typedef struct wrap_out {
    dc_fs *fs;
    dc_output *inner;
    char *path;
} wrap_out;

static dc_status wout_write(dc_output *o, const void *data, int64_t n, dc_error *err)
{
    wrap_out *w = o->impl;
    bool unknown;
    dc_status rc = begin(w->fs, DC_FS_OP_WRITE, w->path, &unknown, err);
    if (rc != DC_OK)
        return rc;
    rc = dc_output_write(w->inner, data, n, err);
    if (rc == DC_OK)
        atomic_fetch_add(&w->fs->bytes_written, n);
    return rc;
}

static dc_status wout_finish(dc_output *o, dc_error *err)
{
    wrap_out *w = o->impl;
    bool unknown;
    dc_status rc = begin(w->fs, DC_FS_OP_FINISH, w->path, &unknown, err);
    if (rc != DC_OK)
        return rc; /* dc_output_finish aborts us, which discards the inner output */
    rc = dc_output_finish(w->inner, err);
    if (rc == DC_OK && unknown)
        return fault_error(w->fs, err, DC_FS_OP_FINISH, w->path, true);
    return rc;
}

static void wout_abort(dc_output *o)
{
    wrap_out *w = o->impl;
    if (!w->inner->done) {
        w->inner->vt->abort(w->inner);
        w->inner->done = true;
    }
}

static void wout_close(dc_output *o)
{
    wrap_out *w = o->impl;
    dc_output_close(w->inner);
    dc_fs_unref(w->fs);
    dc_free(w->path);
    dc_free(w);
}

static const dc_output_vtable WRAP_OUT = {wout_write, wout_finish, wout_abort, wout_close};

dc_status dc_fs_open_output(dc_fs *fs, const char *path, unsigned flags, dc_output **out,
                            dc_error *err)
{
    *out = NULL;
    dc_status rc = check_fs(fs, err);
    if (rc == DC_OK)
        rc = dc_fs_path_check(path, err);
    if (rc == DC_OK && (flags & ~(unsigned)DC_FS_OUTPUT_IF_ABSENT))
        rc = dc_error_set(err, DC_EINVALID, "%s: unknown output flags 0x%x", path, flags);
    bool unknown;
    if (rc == DC_OK)
        rc = begin(fs, DC_FS_OP_OPEN_OUTPUT, path, &unknown, err);
    if (rc != DC_OK)
        return rc;
    dc_output *inner = NULL, *o = NULL;
    wrap_out *w = NULL;
    DC_TRY(fs->vt->open_output(fs, path, flags, &inner, err));
    w = dc_calloc(1, sizeof *w);
    o = dc_calloc(1, sizeof *o);
    DC_TRY_ALLOC(w, err);
    DC_TRY_ALLOC(o, err);
    w->path = dc_strdup(path);
    o->name = dc_strdup(inner->name);
    DC_TRY_ALLOC(w->path, err);
    DC_TRY_ALLOC(o->name, err);
    w->fs = dc_fs_ref(fs);
    w->inner = inner;
    o->vt = &WRAP_OUT;
    o->impl = w;
    *out = o;
    return DC_OK;
cleanup:
    dc_output_close(inner);
    if (w)
        dc_free(w->path);
    if (o)
        dc_free(o->name);
    dc_free(w);
    dc_free(o);
    return rc;
}

/* ---- opening by URL ---------------------------------------------------------------------- */

/* Decode %XX escapes of a file:// URL path into a new string (NULL on ENOMEM or a bad
 * escape, *bad set for the latter). */
static char *percent_decode(const char *s, bool *bad)
{
    *bad = false;
    char *d = dc_malloc(strlen(s) + 1);
    if (!d)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '%') {
            if (!isxdigit((unsigned char)s[i + 1]) || !isxdigit((unsigned char)s[i + 2])) {
                *bad = true;
                dc_free(d);
                return NULL;
            }
            char hex[3] = {s[i + 1], s[i + 2], 0};
            d[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            d[o++] = s[i];
        }
    }
    d[o] = '\0';
    return d;
}

/* Length of a URL scheme ("s3" in "s3://..."), 0 when `url` has none. */
static size_t scheme_len(const char *url)
{
    if (!isalpha((unsigned char)url[0]))
        return 0;
    size_t i = 1;
    while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
        i++;
    return strncmp(url + i, "://", 3) == 0 ? i : 0;
}

dc_status dc_fs_open(dc_fs **out, const char *url, dc_error *err)
{
    *out = NULL;
    if (!url || !url[0])
        return dc_error_set(err, DC_EINVALID,
                            "empty filesystem URL; give a directory, file:///path or mem://name");
    size_t sl = scheme_len(url);
    if (sl == 0)
        return dc_fs_local_open(out, url, NULL, err);
    const char *rest = url + sl + 3;
    if (sl == 4 && dc_str_ieq(url, 4, "file")) {
        if (strncmp(rest, "localhost/", 10) == 0)
            rest += 9;
        if (rest[0] != '/')
            return dc_error_set(err, DC_EINVALID,
                                "%s: a file URL needs an absolute path (file:///abs/path)", url);
        bool bad;
        char *path = percent_decode(rest, &bad);
        if (!path)
            return bad ? dc_error_set(err, DC_EINVALID, "%s: bad %%-escape in the URL", url)
                       : dc_error_nomem(err);
        dc_status rc = dc_fs_local_open(out, path, NULL, err);
        dc_free(path);
        return rc;
    }
    if (sl == 3 && dc_str_ieq(url, 3, "mem"))
        return dc_fs_memory_open(out, rest[0] ? rest : NULL, NULL, err);
    if (sl == 2 && dc_str_ieq(url, 2, "s3"))
        return dc_fs_s3_open(out, url, NULL, err);
    return dc_error_set(err, DC_EINVALID,
                        "%s: unknown filesystem scheme '%.*s' (use a directory, file://, mem:// "
                        "or s3://)",
                        url, (int)sl, url);
}
