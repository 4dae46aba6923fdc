/*
 * fs_memory.c: the in-memory backend of dc_fs, for tests.
 *
 * A store is a sorted array of (key, refcounted immutable buffer, mtime) under
 * one mutex. Buffers are built outside the lock and swapped in under it, so a
 * put is atomic (readers hold a reference to the old or the new buffer, never
 * a mix) and put_if_absent is a check-and-insert in one critical section.
 * Callbacks (list) run outside the lock, on a copy, so they may call back in.
 *
 * The same rules as the local backend are enforced (a key is never also a
 * prefix-directory of other keys), so code tested here runs on disk too.
 *
 * Named stores live in a process-wide registry (the one global of the fs
 * layer, by design: it is how the "processes" of one test share a store);
 * each dc_fs_memory_open on a name returns a new handle, with its own
 * statistics and faults, over the shared store.
 */
#include "fs/fs_int.h"

#include <stdio.h>

typedef struct mem_entry {
    char *key;
    size_t klen;
    dc_buffer *buf;
    int64_t mtime;
} mem_entry;

typedef struct mem_store {
    char *name; /* NULL: private */
    atomic_int_fast64_t refs;
    pthread_mutex_t mu;
    mem_entry *v;
    int64_t n, cap;
    struct mem_store *next; /* registry */
} mem_store;

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static mem_store *registry;

static void store_unref(mem_store *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (int64_t i = 0; i < s->n; i++) {
        dc_free(s->v[i].key);
        dc_buffer_unref(s->v[i].buf);
    }
    dc_free(s->v);
    dc_free(s->name);
    pthread_mutex_destroy(&s->mu);
    dc_free(s);
}

static mem_store *store_new(const char *name)
{
    mem_store *s = dc_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (name && !(s->name = dc_strdup(name))) {
        dc_free(s);
        return NULL;
    }
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        dc_free(s->name);
        dc_free(s);
        return NULL;
    }
    atomic_init(&s->refs, 1);
    return s;
}

/* ---- the sorted array (callers hold s->mu) ------------------------------------------ */

static int cmp_counted(const char *a, size_t alen, const char *b, size_t blen)
{
    int r = memcmp(a, b, DC_MIN(alen, blen));
    if (r != 0)
        return r;
    return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* First position whose key is >= key[0..len). */
static int64_t lower_bound(const mem_store *s, const char *key, size_t len)
{
    int64_t lo = 0, hi = s->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (cmp_counted(s->v[mid].key, s->v[mid].klen, key, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int64_t find(const mem_store *s, const char *key, size_t len)
{
    int64_t i = lower_bound(s, key, len);
    return i < s->n && cmp_counted(s->v[i].key, s->v[i].klen, key, len) == 0 ? i : -1;
}

/* DC_EINVALID when `key` would be both an object and a directory of other keys. */
static dc_status check_shape(dc_fs *fs, const mem_store *s, const char *key, dc_error *err)
{
    size_t len = strlen(key);
    for (size_t i = 0; i < len; i++) {
        if (key[i] == '/' && find(s, key, i) >= 0)
            return dc_error_set(err, DC_EINVALID,
                                "%s%s: its parent \"%.*s\" is an object, not a directory (a key "
                                "cannot also be a prefix of keys)",
                                fs->display, key, (int)i, key);
    }
    /* any key starting with "key/" sorts right at or after "key/" */
    char *dir = dc_malloc(len + 2);
    if (!dir)
        return dc_error_nomem(err);
    memcpy(dir, key, len);
    dir[len] = '/';
    int64_t i = lower_bound(s, dir, len + 1);
    bool clash = i < s->n && s->v[i].klen > len && memcmp(s->v[i].key, dir, len + 1) == 0;
    dc_free(dir);
    if (clash)
        return dc_error_set(err, DC_EINVALID,
                            "%s%s: is a directory of other keys; a key cannot also be a prefix "
                            "of keys",
                            fs->display, key);
    return DC_OK;
}

static dc_status insert_at(mem_store *s, int64_t i, char *key, dc_buffer *buf, int64_t mtime)
{
    if (s->n == s->cap) {
        int64_t cap = s->cap ? s->cap * 2 : 64;
        mem_entry *nv = dc_realloc(s->v, (size_t)cap * sizeof *nv);
        if (!nv)
            return DC_ENOMEM;
        s->v = nv;
        s->cap = cap;
    }
    memmove(&s->v[i + 1], &s->v[i], (size_t)(s->n - i) * sizeof *s->v);
    s->v[i] = (mem_entry){key, strlen(key), buf, mtime};
    s->n++;
    return DC_OK;
}

static void erase_at(mem_store *s, int64_t i)
{
    memmove(&s->v[i], &s->v[i + 1], (size_t)(s->n - i - 1) * sizeof *s->v);
    s->n--;
}

/* ---- operations ------------------------------------------------------------------------ */

static dc_status not_found(dc_fs *fs, const char *path, dc_error *err)
{
    dc_error_set(err, DC_ENOTFOUND, "%s%s: no such object", fs->display, path);
    if (err)
        snprintf(err->path, sizeof err->path, "%s%s", fs->display, path);
    return DC_ENOTFOUND;
}

/*
 * Store `buf` (its reference is taken over) under `path`: if_absent fails with
 * DC_EEXISTS when the key exists; otherwise an existing buffer is replaced. On any
 * failure the reference is dropped and the store is unchanged.
 */
static dc_status store_buffer(dc_fs *fs, const char *path, dc_buffer *buf, bool if_absent,
                              dc_error *err)
{
    mem_store *s = fs->impl;
    char *key = dc_strdup(path);
    if (!key) {
        dc_buffer_unref(buf);
        return dc_error_nomem(err);
    }
    dc_buffer *old = NULL;
    size_t len = strlen(path);
    pthread_mutex_lock(&s->mu);
    dc_status rc = DC_OK;
    int64_t i = lower_bound(s, path, len);
    bool exists = i < s->n && cmp_counted(s->v[i].key, s->v[i].klen, path, len) == 0;
    if (exists && if_absent) {
        rc = dc_error_set(err, DC_EEXISTS, "%s%s: already exists", fs->display, path);
        if (err)
            snprintf(err->path, sizeof err->path, "%s%s", fs->display, path);
    } else if (exists) {
        old = s->v[i].buf;
        s->v[i].buf = buf;
        s->v[i].mtime = dc_clock_now_ns();
        buf = NULL;
    } else if ((rc = check_shape(fs, s, path, err)) == DC_OK) {
        rc = insert_at(s, i, key, buf, dc_clock_now_ns());
        if (rc == DC_OK)
            key = NULL, buf = NULL;
        else
            dc_error_nomem(err);
    }
    pthread_mutex_unlock(&s->mu);
    dc_free(key);
    dc_buffer_unref(buf);
    dc_buffer_unref(old);
    return rc;
}

static dc_status copy_in(dc_fs *fs, const char *path, const void *data, int64_t n, bool if_absent,
                         dc_error *err)
{
    dc_buffer *buf = dc_buffer_new(n, false);
    if (!buf)
        return dc_error_nomem(err);
    if (n > 0)
        memcpy(buf->data, data, (size_t)n);
    return store_buffer(fs, path, buf, if_absent, err);
}

static dc_status mem_put_if_absent(dc_fs *fs, const char *path, const void *data, int64_t n,
                                   dc_error *err)
{
    return copy_in(fs, path, data, n, true, err);
}

static dc_status mem_put(dc_fs *fs, const char *path, const void *data, int64_t n, dc_error *err)
{
    return copy_in(fs, path, data, n, false, err);
}

/* A reference to the buffer of `path` (and its mtime), or DC_ENOTFOUND. */
static dc_status lookup(dc_fs *fs, const char *path, dc_buffer **buf, int64_t *mtime, dc_error *err)
{
    mem_store *s = fs->impl;
    pthread_mutex_lock(&s->mu);
    int64_t i = find(s, path, strlen(path));
    if (i >= 0) {
        *buf = dc_buffer_ref(s->v[i].buf);
        if (mtime)
            *mtime = s->v[i].mtime;
    }
    pthread_mutex_unlock(&s->mu);
    return i >= 0 ? DC_OK : not_found(fs, path, err);
}

static dc_status mem_get_range(dc_fs *fs, const char *path, int64_t offset, int64_t n,
                               dc_bytes *out, dc_error *err)
{
    dc_buffer *buf;
    dc_status rc = lookup(fs, path, &buf, NULL, err);
    if (rc != DC_OK)
        return rc;
    int64_t size = buf->size;
    int64_t want = offset >= size ? 0 : (n < 0 ? size - offset : DC_MIN(n, size - offset));
    if (want > 0 && dc_bytes_append(out, buf->data + offset, want) != DC_OK)
        rc = dc_error_nomem(err);
    dc_buffer_unref(buf);
    return rc;
}

static dc_status mem_stat(dc_fs *fs, const char *path, dc_fs_info *st, dc_error *err)
{
    dc_buffer *buf;
    dc_status rc = lookup(fs, path, &buf, &st->mtime_ns, err);
    if (rc != DC_OK)
        return rc;
    st->size = buf->size;
    dc_buffer_unref(buf);
    return DC_OK;
}

static dc_status mem_list(dc_fs *fs, const char *prefix, bool recursive, dc_fs_list_fn fn,
                          void *user, dc_error *err)
{
    mem_store *s = fs->impl;
    size_t plen = strlen(prefix);
    dc_fs_entry *v = NULL;
    int64_t n = 0;
    dc_arena keys;
    dc_arena_init(&keys, 16 * 1024);
    dc_status rc = DC_OK;

    pthread_mutex_lock(&s->mu);
    int64_t first = lower_bound(s, prefix, plen), last = first;
    while (last < s->n && s->v[last].klen >= plen && memcmp(s->v[last].key, prefix, plen) == 0)
        last++;
    if (last > first && !(v = dc_malloc((size_t)(last - first) * sizeof *v)))
        rc = DC_ENOMEM;
    for (int64_t i = first; rc == DC_OK && i < last; i++) {
        const mem_entry *e = &s->v[i];
        const char *slash = recursive ? NULL : memchr(e->key + plen, '/', e->klen - plen);
        size_t klen = slash ? (size_t)(slash - e->key) + 1 : e->klen;
        if (slash && n > 0 && v[n - 1].is_dir && strlen(v[n - 1].key) == klen &&
            memcmp(v[n - 1].key, e->key, klen) == 0)
            continue; /* the same directory again */
        char *k = dc_arena_strndup(&keys, e->key, (int64_t)klen);
        if (!k) {
            rc = DC_ENOMEM;
            break;
        }
        v[n++] = (dc_fs_entry){k, slash != NULL, slash ? -1 : e->buf->size, slash ? 0 : e->mtime};
    }
    pthread_mutex_unlock(&s->mu);

    if (rc == DC_ENOMEM)
        dc_error_nomem(err);
    for (int64_t i = 0; rc == DC_OK && i < n; i++)
        rc = fn(&v[i], user);
    dc_free(v);
    dc_arena_free(&keys);
    return rc;
}

static dc_status mem_remove(dc_fs *fs, const char *path, dc_error *err)
{
    mem_store *s = fs->impl;
    pthread_mutex_lock(&s->mu);
    int64_t i = find(s, path, strlen(path));
    mem_entry e = {0};
    if (i >= 0) {
        e = s->v[i];
        erase_at(s, i);
    }
    pthread_mutex_unlock(&s->mu);
    if (i < 0)
        return not_found(fs, path, err);
    dc_free(e.key);
    dc_buffer_unref(e.buf);
    return DC_OK;
}

static dc_status mem_rename(dc_fs *fs, const char *from, const char *to, dc_error *err)
{
    mem_store *s = fs->impl;
    char *key = dc_strdup(to);
    if (!key)
        return dc_error_nomem(err);
    dc_status rc = DC_OK;
    dc_buffer *old = NULL;
    char *old_key = NULL;
    pthread_mutex_lock(&s->mu);
    int64_t i = find(s, from, strlen(from));
    if (i < 0) {
        rc = not_found(fs, from, err);
    } else {
        mem_entry e = s->v[i];
        int64_t j = find(s, to, strlen(to));
        if (j >= 0) { /* replace the target's buffer, drop the source entry */
            old = s->v[j].buf;
            s->v[j].buf = e.buf;
            s->v[j].mtime = e.mtime;
            erase_at(s, i);
            old_key = e.key;
        } else if ((rc = check_shape(fs, s, to, err)) == DC_OK) {
            erase_at(s, i);
            j = lower_bound(s, to, strlen(to));
            if (insert_at(s, j, key, e.buf, e.mtime) == DC_OK) { /* room: one was just freed */
                key = NULL;
                old_key = e.key;
            }
        }
    }
    pthread_mutex_unlock(&s->mu);
    dc_free(key);
    dc_free(old_key);
    dc_buffer_unref(old);
    return rc;
}

/* ---- inputs ----------------------------------------------------------------------------- */

static dc_status min_read_at(dc_input *in, int64_t offset, void *buf, int64_t n, int64_t *got,
                             dc_error *err)
{
    dc_buffer *b = in->impl;
    int64_t k = offset >= b->size ? 0 : DC_MIN(n, b->size - offset);
    if (k > 0)
        memcpy(buf, b->data + offset, (size_t)k);
    *got = k;
    return DC_OK;
}

static void min_close(dc_input *in)
{
    dc_buffer_unref(in->impl);
}

static const dc_input_vtable MEM_IN = {min_read_at, min_close};

static dc_status mem_open_input(dc_fs *fs, const char *path, dc_input **out, dc_error *err)
{
    dc_buffer *buf;
    dc_status rc = lookup(fs, path, &buf, NULL, err);
    if (rc != DC_OK)
        return rc;
    dc_input *in = dc_calloc(1, sizeof *in);
    dc_strbuf nm;
    dc_strbuf_init(&nm);
    dc_strbuf_printf(&nm, "%s%s", fs->display, path);
    char *name = dc_strbuf_detach(&nm);
    if (!in || !name) {
        dc_free(in);
        dc_free(name);
        dc_buffer_unref(buf);
        return dc_error_nomem(err);
    }
    in->vt = &MEM_IN;
    in->impl = buf;
    in->size = buf->size;
    in->name = name;
    *out = in;
    return DC_OK;
}

/* ---- outputs ----------------------------------------------------------------------------- */

typedef struct mem_out {
    dc_fs *fs; /* borrowed: the core's wrapper holds the reference */
    char *path;
    bool if_absent;
    dc_bytes bytes;
} mem_out;

static dc_status mout_write(dc_output *o, const void *data, int64_t n, dc_error *err)
{
    mem_out *m = o->impl;
    return dc_bytes_append(&m->bytes, data, n) == DC_OK ? DC_OK : dc_error_nomem(err);
}

static dc_status mout_finish(dc_output *o, dc_error *err)
{
    mem_out *m = o->impl;
    dc_buffer *buf = m->bytes.size > 0 ? dc_bytes_finish(&m->bytes) : dc_buffer_new(0, false);
    if (!buf)
        return dc_error_nomem(err);
    return store_buffer(m->fs, m->path, buf, m->if_absent, err);
}

static void mout_abort(dc_output *o)
{
    mem_out *m = o->impl;
    dc_bytes_free(&m->bytes);
}

static void mout_close(dc_output *o)
{
    mem_out *m = o->impl;
    dc_bytes_free(&m->bytes);
    dc_free(m->path);
    dc_free(m);
}

static const dc_output_vtable MEM_OUT = {mout_write, mout_finish, mout_abort, mout_close};

static dc_status mem_open_output(dc_fs *fs, const char *path, unsigned flags, dc_output **out,
                                 dc_error *err)
{
    dc_output *o = dc_calloc(1, sizeof *o);
    mem_out *m = dc_calloc(1, sizeof *m);
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
    dc_bytes_init(&m->bytes);
    m->fs = fs;
    m->path = p;
    m->if_absent = flags & DC_FS_OUTPUT_IF_ABSENT;
    o->vt = &MEM_OUT;
    o->impl = m;
    o->name = name;
    *out = o;
    return DC_OK;
}

/* ---- opening ----------------------------------------------------------------------------- */

static void mem_destroy(dc_fs *fs)
{
    store_unref(fs->impl);
}

static const dc_fs_vtable MEM_VT = {
    .scheme = "mem",
    .put_if_absent = mem_put_if_absent,
    .put = mem_put,
    .get_range = mem_get_range,
    .stat = mem_stat,
    .list = mem_list,
    .remove = mem_remove,
    .rename = mem_rename,
    .open_input = mem_open_input,
    .open_output = mem_open_output,
    .destroy = mem_destroy,
};

static dc_status check_name(const char *name, dc_error *err)
{
    if (!name[0] || strlen(name) > 200)
        return dc_error_set(err, DC_EINVALID, "memory filesystem name must be 1 to 200 bytes");
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == '/' || *p == '\\' || *p == 0x7f)
            return dc_error_set(err, DC_EINVALID,
                                "memory filesystem name \"%s\": no '/', '\\' or control "
                                "characters allowed",
                                name);
    return DC_OK;
}

dc_status dc_fs_memory_open(dc_fs **out, const char *name, const dc_fs_memory_options *opts,
                            dc_error *err)
{
    *out = NULL;
    if (name) {
        dc_status rc = check_name(name, err);
        if (rc != DC_OK)
            return rc;
    }
    mem_store *s = NULL;
    if (name) {
        pthread_mutex_lock(&registry_mu);
        for (s = registry; s && strcmp(s->name, name) != 0; s = s->next)
            ;
        if (!s && (s = store_new(name)) != NULL) {
            s->next = registry; /* the registry's own reference */
            registry = s;
        }
        if (s)
            atomic_fetch_add(&s->refs, 1);
        pthread_mutex_unlock(&registry_mu);
    } else {
        s = store_new(NULL);
    }
    if (!s)
        return dc_error_nomem(err);
    char url[256], display[256];
    snprintf(url, sizeof url, "mem://%s", name ? name : "");
    snprintf(display, sizeof display, "mem://%s/", name ? name : "");
    unsigned caps = (opts && opts->no_rename ? 0u : (unsigned)DC_FS_CAP_RENAME) |
                    (name ? (unsigned)DC_FS_CAP_SHARED : 0u);
    dc_status rc = dc_fs__new(out, &MEM_VT, caps, url, display, s, err);
    if (rc != DC_OK)
        store_unref(s);
    return rc;
}

dc_status dc_fs_memory_drop(const char *name, dc_error *err)
{
    if (!name)
        return dc_error_set(err, DC_EINVALID, "no memory filesystem name given");
    pthread_mutex_lock(&registry_mu);
    mem_store **pp = &registry;
    while (*pp && strcmp((*pp)->name, name) != 0)
        pp = &(*pp)->next;
    mem_store *s = *pp;
    if (s)
        *pp = s->next;
    pthread_mutex_unlock(&registry_mu);
    if (!s)
        return dc_error_set(err, DC_ENOTFOUND, "mem://%s: no such memory filesystem", name);
    store_unref(s);
    return DC_OK;
}
