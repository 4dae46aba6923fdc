/*
 * io_local.c: dc_input / dc_output over local files and memory.
 *
 * Output files are written to "<dir>/.<name>.tmp-<pid>-<random>" and renamed
 * onto the target at finish; a crash or an abort leaves the target as it was
 * (absent or the old file) and at worst a hidden temporary.
 */
#include "fs/fs_int.h"
#include "fs/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_BUF (1 << 20)

static dc_status sys_error(dc_error *err, const char *what, const char *path)
{
    int e = errno;
    dc_status code = (e == ENOENT || e == ENOTDIR) ? DC_ENOTFOUND : DC_EIO;
    dc_error_set(err, code, "%s: %s: %s", path, what, strerror(e));
    if (err) {
        size_t n = strlen(path);
        if (n >= sizeof err->path)
            n = sizeof err->path - 1;
        memcpy(err->path, path, n);
        err->path[n] = '\0';
    }
    return code;
}

/* ---- file input ---- */

typedef struct file_in {
    int fd;
    bool is_pipe;
    int64_t pos; /* pipes: next offset we can serve */
} file_in;

static dc_status file_read_at(dc_input *in, int64_t offset, void *buf, int64_t n, int64_t *got,
                              dc_error *err)
{
    file_in *f = in->impl;
    int64_t total = 0;
    if (f->is_pipe && offset != f->pos)
        return dc_error_set(err, DC_EINVALID, "%s: cannot seek in a pipe (offset %lld, at %lld)",
                            in->name, (long long)offset, (long long)f->pos);
    while (total < n) {
        ssize_t r = f->is_pipe ? read(f->fd, (char *)buf + total, (size_t)(n - total))
                               : pread(f->fd, (char *)buf + total, (size_t)(n - total),
                                       (off_t)(offset + total));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return sys_error(err, "read failed", in->name);
        }
        if (r == 0)
            break;
        total += r;
    }
    if (f->is_pipe)
        f->pos += total;
    *got = total;
    return DC_OK;
}

static void file_close(dc_input *in)
{
    file_in *f = in->impl;
    if (f->fd > 2)
        close(f->fd);
    dc_free(f);
}

static const dc_input_vtable FILE_IN = {file_read_at, file_close};

static dc_status input_alloc(dc_input **out, const dc_input_vtable *vt, void *impl, int64_t size,
                             const char *name, dc_error *err)
{
    dc_input *in = dc_calloc(1, sizeof *in);
    char *nm = dc_strdup(name);
    if (!in || !nm) {
        dc_free(in);
        dc_free(nm);
        return dc_error_nomem(err);
    }
    in->vt = vt;
    in->impl = impl;
    in->size = size;
    in->name = nm;
    *out = in;
    return DC_OK;
}

/* ---- inputs named by URL ---- */

/* The length of a URL's scheme ("s3" of "s3://..."), 0 when `path` is a plain path. */
static size_t url_scheme(const char *path)
{
    static const char *const schemes[] = {"s3", "mem", "file"};
    for (size_t i = 0; i < DC_ARRAY_LEN(schemes); i++) {
        size_t n = strlen(schemes[i]);
        if (strncmp(path, schemes[i], n) == 0 && strncmp(path + n, "://", 3) == 0)
            return n;
    }
    return 0;
}

static int hex_digit(char ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

/*
 * s3://bucket/key and mem://NAME/key: the store's root is the bucket (the named store),
 * the rest is the key; file:///abs/path: the local file (%-escapes decoded).
 */
static dc_status open_url(dc_input **out, const char *url, size_t sl, dc_error *err)
{
    const char *rest = url + sl + 3;
    if (sl == 4) { /* file:// */
        if (strncmp(rest, "localhost/", 10) == 0)
            rest += 9;
        if (rest[0] != '/')
            return dc_error_set(err, DC_EINVALID,
                                "%s: a file URL needs an absolute path (file:///abs/path)", url);
        char *path = dc_strdup(rest);
        if (!path)
            return dc_error_nomem(err);
        char *w = path;
        for (const char *p = rest; *p; p++) {
            int hi, lo;
            if (*p == '%' && (hi = hex_digit(p[1])) >= 0 && (lo = hex_digit(p[2])) >= 0) {
                *w++ = (char)(hi * 16 + lo);
                p += 2;
            } else if (*p == '%') {
                dc_free(path);
                return dc_error_set(err, DC_EINVALID, "%s: bad %%-escape in the URL", url);
            } else {
                *w++ = *p;
            }
        }
        *w = '\0';
        dc_status rc = dc_input_open_file(out, path, err);
        dc_free(path);
        return rc;
    }
    size_t bl = strcspn(rest, "/");
    const char *key = rest[bl] == '/' ? rest + bl + 1 : "";
    if (bl == 0 || !key[0])
        return dc_error_set(err, DC_EINVALID, "%s: name an object: %s://%s/KEY", url,
                            sl == 2 ? "s3" : "mem", sl == 2 ? "BUCKET" : "NAME");
    char root[300];
    if (bl > 255)
        return dc_error_set(err, DC_EINVALID, "%s: the %s name is too long", url,
                            sl == 2 ? "bucket" : "store");
    snprintf(root, sizeof root, "%.*s", (int)bl, rest);
    dc_fs *fs = NULL;
    dc_status rc;
    if (sl == 2) {
        char base[320];
        snprintf(base, sizeof base, "s3://%s", root);
        dc_fs_s3_options o = {.no_check = true}; /* the GET says what is wrong */
        rc = dc_fs_s3_open(&fs, base, &o, err);
    } else {
        rc = dc_fs_memory_open(&fs, root, NULL, err);
    }
    if (rc == DC_OK)
        rc = dc_fs_open_input(fs, key, out, err);
    dc_fs_unref(fs); /* the input holds its own reference */
    return rc;
}

dc_status dc_input_open_file(dc_input **out, const char *path, dc_error *err)
{
    *out = NULL;
    size_t sl = url_scheme(path);
    if (sl > 0)
        return open_url(out, path, sl, err);
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sys_error(err, "cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        dc_status rc = sys_error(err, "cannot stat", path);
        if (!is_stdin)
            close(fd);
        return rc;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!is_stdin)
            close(fd);
        return dc_error_set(err, DC_EINVALID, "%s: is a directory, not a file", path);
    }
    file_in *f = dc_calloc(1, sizeof *f);
    if (!f) {
        if (!is_stdin)
            close(fd);
        return dc_error_nomem(err);
    }
    f->fd = fd;
    f->is_pipe = !S_ISREG(st.st_mode);
    int64_t size = f->is_pipe ? -1 : (int64_t)st.st_size;
    dc_status rc = input_alloc(out, &FILE_IN, f, size, is_stdin ? "<stdin>" : path, err);
    if (rc != DC_OK) {
        if (!is_stdin)
            close(fd);
        dc_free(f);
    }
    return rc;
}

/* ---- memory input ---- */

typedef struct mem_in {
    const uint8_t *data;
    bool owned;
} mem_in;

static dc_status mem_read_at(dc_input *in, int64_t offset, void *buf, int64_t n, int64_t *got,
                             dc_error *err)
{
    mem_in *m = in->impl;
    if (offset < 0 || offset > in->size)
        return dc_error_set(err, DC_EINVALID, "%s: read at %lld beyond the end (%lld bytes)",
                            in->name, (long long)offset, (long long)in->size);
    int64_t avail = in->size - offset;
    int64_t k = n < avail ? n : avail;
    if (k > 0)
        memcpy(buf, m->data + offset, (size_t)k);
    *got = k;
    return DC_OK;
}

static void mem_close(dc_input *in)
{
    mem_in *m = in->impl;
    if (m->owned)
        dc_free((void *)m->data);
    dc_free(m);
}

static const dc_input_vtable MEM_IN = {mem_read_at, mem_close};

dc_status dc_input_open_memory(dc_input **out, const void *data, int64_t n, bool copy,
                               const char *name, dc_error *err)
{
    *out = NULL;
    mem_in *m = dc_calloc(1, sizeof *m);
    if (!m)
        return dc_error_nomem(err);
    if (copy) {
        void *p = dc_malloc((size_t)(n ? n : 1));
        if (!p) {
            dc_free(m);
            return dc_error_nomem(err);
        }
        if (n)
            memcpy(p, data, (size_t)n);
        m->data = p;
        m->owned = true;
    } else {
        m->data = data;
    }
    dc_status rc = input_alloc(out, &MEM_IN, m, n, name ? name : "<memory>", err);
    if (rc != DC_OK)
        mem_close(&(dc_input){.impl = m});
    return rc;
}

dc_status dc_input_read_at(dc_input *in, int64_t offset, void *buf, int64_t n, int64_t *got,
                           dc_error *err)
{
    *got = 0;
    if (offset < 0 || n < 0)
        return dc_error_set(err, DC_EINVALID, "%s: negative read range", in->name);
    dc_status rc = in->vt->read_at(in, offset, buf, n, got, err);
    if (rc == DC_OK) {
        in->bytes_read += *got;
        in->reads++;
    }
    return rc;
}

dc_status dc_input_prefetch(dc_input *in, const dc_input_range *ranges, int64_t n, dc_error *err)
{
    if (n < 0 || (n > 0 && !ranges))
        return dc_error_set(err, DC_EINVALID, "%s: bad prefetch ranges", in->name);
    for (dc_input *p = in; p && n > 0; p = p->inner)
        if (p->prefetch)
            return p->prefetch(p, ranges, n, err);
    return DC_OK;
}

void dc_input_close(dc_input *in)
{
    if (!in)
        return;
    in->vt->close(in);
    dc_free(in->name);
    dc_free(in);
}

/* ---- file output ---- */

typedef struct file_out {
    int fd;
    bool is_stdout;
    bool fsync;
    char *tmp;
    uint8_t *buf;
    int64_t used;
} file_out;

static dc_status write_all(int fd, const uint8_t *p, int64_t n, const char *name, dc_error *err)
{
    while (n > 0) {
        ssize_t w = write(fd, p, (size_t)n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return sys_error(err, "write failed", name);
        }
        p += w;
        n -= w;
    }
    return DC_OK;
}

static dc_status fout_flush(dc_output *o, dc_error *err)
{
    file_out *f = o->impl;
    dc_status rc = write_all(f->fd, f->buf, f->used, o->name, err);
    f->used = 0;
    return rc;
}

static dc_status fout_write(dc_output *o, const void *data, int64_t n, dc_error *err)
{
    file_out *f = o->impl;
    if (f->used + n > OUT_BUF) {
        dc_status rc = fout_flush(o, err);
        if (rc != DC_OK)
            return rc;
        if (n >= OUT_BUF)
            return write_all(f->fd, data, n, o->name, err);
    }
    memcpy(f->buf + f->used, data, (size_t)n);
    f->used += n;
    return DC_OK;
}

static dc_status fsync_dir_of(const char *path, dc_error *err)
{
    char *dir = dc_strdup(path);
    if (!dir)
        return dc_error_nomem(err);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        strcpy(dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    dc_status rc = DC_OK;
    if (fd < 0 || fsync(fd) != 0)
        rc = sys_error(err, "cannot sync directory", dir);
    if (fd >= 0)
        close(fd);
    dc_free(dir);
    return rc;
}

static dc_status fout_finish(dc_output *o, dc_error *err)
{
    file_out *f = o->impl;
    dc_status rc = fout_flush(o, err);
    if (rc != DC_OK)
        return rc;
    if (f->is_stdout)
        return DC_OK;
    if (f->fsync && fsync(f->fd) != 0)
        return sys_error(err, "fsync failed", o->name);
    if (close(f->fd) != 0) {
        f->fd = -1;
        return sys_error(err, "close failed", o->name);
    }
    f->fd = -1;
    if (rename(f->tmp, o->name) != 0)
        return sys_error(err, "cannot rename the finished file into place", o->name);
    dc_free(f->tmp);
    f->tmp = NULL;
    if (f->fsync)
        return fsync_dir_of(o->name, err);
    return DC_OK;
}

static void fout_abort(dc_output *o)
{
    file_out *f = o->impl;
    if (f->fd > 2)
        close(f->fd);
    f->fd = -1;
    if (f->tmp)
        unlink(f->tmp);
}

static void fout_close(dc_output *o)
{
    file_out *f = o->impl;
    if (f->fd > 2)
        close(f->fd);
    dc_free(f->tmp);
    dc_free(f->buf);
    dc_free(f);
}

static const dc_output_vtable FILE_OUT = {fout_write, fout_finish, fout_abort, fout_close};

dc_status dc_output_open_file(dc_output **out, const char *path, const dc_output_options *opts,
                              dc_error *err)
{
    *out = NULL;
    dc_status rc = DC_OK;
    file_out *f = dc_calloc(1, sizeof *f);
    dc_output *o = dc_calloc(1, sizeof *o);
    if (!f || !o) {
        dc_free(f);
        dc_free(o);
        return dc_error_nomem(err);
    }
    f->fd = -1;
    f->fsync = opts && opts->fsync;
    f->is_stdout = strcmp(path, "-") == 0;
    f->buf = dc_malloc(OUT_BUF);
    o->name = dc_strdup(f->is_stdout ? "<stdout>" : path);
    o->vt = &FILE_OUT;
    o->impl = f;
    DC_TRY_ALLOC(f->buf, err);
    DC_TRY_ALLOC(o->name, err);
    if (f->is_stdout) {
        f->fd = 1;
    } else {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = dc_error_set(err, DC_EINVALID, "%s: is a directory; give a file name", path);
            goto cleanup;
        }
        const char *slash = strrchr(path, '/');
        size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
        dc_strbuf t;
        dc_strbuf_init(&t);
        dc_strbuf_append(&t, path, (int64_t)dirlen);
        dc_strbuf_printf(&t, ".%s.tmp-%ld-%08lx", path + dirlen, (long)getpid(),
                         (unsigned long)(dc_clock_mono_ns() & 0xffffffff));
        f->tmp = dc_strbuf_detach(&t);
        DC_TRY_ALLOC(f->tmp, err);
        f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (f->fd < 0) {
            rc = sys_error(err, "cannot create", path);
            dc_free(f->tmp);
            f->tmp = NULL;
            goto cleanup;
        }
    }
    *out = o;
    return DC_OK;
cleanup:
    fout_close(o);
    dc_free(o->name);
    dc_free(o);
    return rc;
}

/* ---- memory output ---- */

static dc_status mout_write(dc_output *o, const void *data, int64_t n, dc_error *err)
{
    if (dc_bytes_append(o->impl, data, n) != DC_OK)
        return dc_error_nomem(err);
    return DC_OK;
}
static dc_status mout_finish(dc_output *o, dc_error *err) { return DC_OK; }
static void mout_abort(dc_output *o) { ((dc_bytes *)o->impl)->size = 0; }
static void mout_close(dc_output *o)
{
    dc_bytes_free(o->impl);
    dc_free(o->impl);
}
static const dc_output_vtable MEM_OUT = {mout_write, mout_finish, mout_abort, mout_close};

dc_status dc_output_open_memory(dc_output **out, dc_error *err)
{
    *out = NULL;
    dc_output *o = dc_calloc(1, sizeof *o);
    dc_bytes *b = dc_calloc(1, sizeof *b);
    char *name = dc_strdup("<memory>");
    if (!o || !b || !name) {
        dc_free(o);
        dc_free(b);
        dc_free(name);
        return dc_error_nomem(err);
    }
    dc_bytes_init(b);
    o->vt = &MEM_OUT;
    o->impl = b;
    o->name = name;
    *out = o;
    return DC_OK;
}

const uint8_t *dc_output_memory_data(const dc_output *o, int64_t *len)
{
    const dc_bytes *b = o->impl;
    *len = b->size;
    return b->data;
}

dc_status dc_output_write(dc_output *o, const void *data, int64_t n, dc_error *err)
{
    if (o->done)
        return dc_error_set(err, DC_EINVALID, "%s: write after finish", o->name);
    if (n <= 0)
        return DC_OK;
    dc_status rc = o->vt->write(o, data, n, err);
    if (rc == DC_OK)
        o->written += n;
    return rc;
}

dc_status dc_output_finish(dc_output *o, dc_error *err)
{
    if (o->done)
        return dc_error_set(err, DC_EINVALID, "%s: finished twice", o->name);
    dc_status rc = o->vt->finish(o, err);
    if (rc != DC_OK) {
        o->vt->abort(o);
    }
    o->done = true;
    return rc;
}

void dc_output_close(dc_output *o)
{
    if (!o)
        return;
    if (!o->done)
        o->vt->abort(o);
    o->vt->close(o);
    dc_free(o->name);
    dc_free(o);
}
