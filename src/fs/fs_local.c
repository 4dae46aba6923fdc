/*
 * fs_local.c: the local (POSIX) backend of dc_fs.
 *
 * Notes on the design:
 *   1. Every key is resolved relative to a directory descriptor of the root
 *      (openat & co), so the process's working directory never matters and the
 *      validated key (no '..', no leading '/') cannot leave the root.
 *   2. Writes go to a temporary "<dir>/.dc-tmp-<pid>-<seed>-<n>" in the target's
 *      directory (same filesystem), which is written and fsynced, then
 *        put_if_absent: link(tmp, key)  - fails with EEXIST if the key exists;
 *                                         atomic: the key appears complete or not
 *        put:           rename(tmp, key) - atomically replaces the key
 *      then the temporary name is unlinked and the directory fsynced, so the new
 *      entry is durable when the call returns. Where link() is not supported,
 *      renameat2(RENAME_NOREPLACE) gives the same put-if-absent.
 *   3. What a crash leaves behind, by step: before link/rename, a temporary only
 *      (the key is as it was); after link, the key complete plus a second name
 *      for it (the temporary), which the sweeper removes harmlessly; after
 *      rename, the key complete. A key never exists half-written.
 *   4. Directories are created on demand (each new one fsynced into its parent)
 *      and pruned when a remove empties them. A writer whose directory is pruned
 *      under it (ENOENT) recreates it and retries; a directory holding a
 *      temporary is never empty, so it cannot be pruned once a write began.
 *   5. Temporaries are never listed and their names are reserved (no key may
 *      use the prefix), so they cannot collide with keys.
 *   6. With no_fsync, nothing is fsynced: atomicity holds, durability does not.
 */
#include "fs/fs_int.h"

#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define RETRIES 16
#define OUT_BUF (256 * 1024)

typedef struct local_fs {
    int rootfd;
    char *root; /* absolute */
    bool fsync;
    uint64_t seed;
    atomic_uint_fast64_t counter;
} local_fs;

static const dc_fs_vtable LOCAL_VT;

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + (int64_t)st->st_mtim.tv_nsec;
}

static dc_status sync_fd(dc_fs *fs, int fd, const char *what, const char *path, dc_error *err)
{
    local_fs *lf = fs->impl;
    if (!lf->fsync)
        return DC_OK;
    dc_fs__count_sync(fs);
    if (fsync(fd) != 0)
        return dc_fs__sys_error(fs, err, errno, what, path);
    return DC_OK;
}

/* Split `path` into its directory part (copied into dir, "" for the root) and its last
 * segment (returned, pointing into path). */
static const char *split(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= cap)
        n = cap - 1; /* cannot happen: keys are at most DC_FS_PATH_MAX bytes */
    memcpy(dir, path, n);
    dir[n] = '\0';
    return slash ? slash + 1 : path;
}

static int open_dir(local_fs *lf, const char *dir)
{
    return openat(lf->rootfd, dir[0] ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Create every missing directory of `dir` (relative to the root), fsyncing each parent
 * that gained an entry. */
static dc_status make_dirs(dc_fs *fs, const char *dir, dc_error *err)
{
    local_fs *lf = fs->impl;
    char buf[DC_FS_PATH_MAX + 1];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdirat(lf->rootfd, buf, 0755) == 0) {
            char parent[DC_FS_PATH_MAX + 1];
            split(buf, parent, sizeof parent);
            if (lf->fsync) {
                int pfd = open_dir(lf, parent);
                dc_status rc = pfd < 0 ? dc_fs__sys_error(fs, err, errno, "cannot open", parent)
                                       : sync_fd(fs, pfd, "cannot sync directory", parent, err);
                if (pfd >= 0)
                    close(pfd);
                if (rc != DC_OK)
                    return rc;
            }
        } else if (errno != EEXIST) {
            int e = errno;
            if (e == ENOTDIR)
                return dc_error_set(err, DC_EINVALID,
                                    "%s%s: a parent of this directory is an object, not a "
                                    "directory (a key cannot also be a prefix of keys)",
                                    fs->display, buf);
            if (e == ENOENT)
                return DC_ENOTFOUND; /* a parent was pruned meanwhile: the caller retries */
            return dc_fs__sys_error(fs, err, e, "cannot create directory", buf);
        }
        if (c == '\0')
            break;
        *p = c;
    }
    return DC_OK;
}

/* Open the directory of `path` for writing into it, creating it when missing. */
static dc_status open_parent_create(dc_fs *fs, const char *path, int *dirfd, dc_error *err)
{
    local_fs *lf = fs->impl;
    char dir[DC_FS_PATH_MAX + 1];
    split(path, dir, sizeof dir);
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        int fd = open_dir(lf, dir);
        if (fd >= 0) {
            *dirfd = fd;
            return DC_OK;
        }
        if (errno == ENOTDIR)
            return dc_error_set(err, DC_EINVALID,
                                "%s%s: a parent of this key is an object, not a directory (a key "
                                "cannot also be a prefix of keys)",
                                fs->display, path);
        if (errno != ENOENT)
            return dc_fs__sys_error(fs, err, errno, "cannot open the directory of", path);
        dc_status rc = make_dirs(fs, dir, err);
        if (rc != DC_OK && rc != DC_ENOTFOUND)
            return rc;
    }
    return dc_error_set(err, DC_EIO,
                        "%s%s: its directory keeps disappearing (removed by another "
                        "process?); try again",
                        fs->display, path);
}

static void tmp_name(local_fs *lf, char *buf, size_t cap)
{
    uint64_t n = atomic_fetch_add(&lf->counter, 1);
    snprintf(buf, cap, DC_FS_TMP_PREFIX "%ld-%016llx-%llu", (long)getpid(),
             (unsigned long long)lf->seed, (unsigned long long)n);
}

/* Open the directory of `path` (creating it) and a new temporary in it; retried when the
 * directory is pruned by a concurrent remove between the two steps. */
static dc_status create_tmp(dc_fs *fs, const char *path, int *dirfd, int *fd, char *tmp, size_t cap,
                            dc_error *err)
{
    local_fs *lf = fs->impl;
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        dc_status rc = open_parent_create(fs, path, dirfd, err);
        if (rc != DC_OK)
            return rc;
        tmp_name(lf, tmp, cap);
        *fd = openat(*dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (*fd >= 0)
            return DC_OK;
        int e = errno;
        close(*dirfd);
        *dirfd = -1;
        if (e != ENOENT)
            return dc_fs__sys_error(fs, err, e, "cannot create a temporary file for", path);
    }
    return dc_error_set(err, DC_EIO, "%s%s: its directory keeps disappearing; try again",
                        fs->display, path);
}

static dc_status write_all(dc_fs *fs, int fd, const void *data, int64_t n, const char *path,
                           dc_error *err)
{
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, (size_t)DC_MIN(n, (int64_t)1 << 30));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return dc_fs__sys_error(fs, err, errno, "write failed", path);
        }
        p += w;
        n -= w;
    }
    return DC_OK;
}

/* The key `name` in dirfd exists; say whether it is an object (DC_EEXISTS) or a directory
 * of other keys (DC_EINVALID). */
static dc_status exists_error(dc_fs *fs, int dirfd, const char *name, const char *path,
                              dc_error *err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
        return dc_error_set(err, DC_EINVALID,
                            "%s%s: is a directory of other keys; a key cannot also be a prefix "
                            "of keys",
                            fs->display, path);
    dc_error_set(err, DC_EEXISTS, "%s%s: already exists", fs->display, path);
    if (err)
        snprintf(err->path, sizeof err->path, "%s%s", fs->display, path);
    return DC_EEXISTS;
}

/*
 * Make the finished, fsynced temporary `tmp` (in dirfd) the key `path` (last segment
 * `name`): link for if-absent, rename otherwise; then drop the temporary name and fsync
 * the directory. The temporary is gone on return, whatever the outcome.
 */
static dc_status commit_tmp(dc_fs *fs, int dirfd, const char *tmp, const char *name,
                            const char *path, bool if_absent, dc_error *err)
{
    dc_status rc = DC_OK;
    bool tmp_left = true;
    if (if_absent) {
        if (linkat(dirfd, tmp, dirfd, name, 0) != 0) {
            int e = errno;
            if (e == EPERM || e == EOPNOTSUPP || e == ENOSYS || e == EMLINK) {
                /* no hard links here: an atomic no-replace rename does the same */
                if (renameat2(dirfd, tmp, dirfd, name, RENAME_NOREPLACE) == 0)
                    tmp_left = false;
                else
                    e = errno;
            }
            if (tmp_left) {
                rc = e == EEXIST ? exists_error(fs, dirfd, name, path, err)
                                 : dc_fs__sys_error(fs, err, e, "cannot link into place", path);
                if (rc == DC_ENOTFOUND)
                    rc = dc_error_set(err, DC_EIO,
                                      "%s%s: its directory vanished during the "
                                      "write",
                                      fs->display, path);
            }
        }
    } else {
        if (renameat(dirfd, tmp, dirfd, name) == 0) {
            tmp_left = false;
        } else {
            int e = errno;
            rc = (e == EISDIR || e == ENOTEMPTY || e == EEXIST)
                     ? dc_error_set(err, DC_EINVALID,
                                    "%s%s: is a directory of other keys; a key cannot also be a "
                                    "prefix of keys",
                                    fs->display, path)
                     : dc_fs__sys_error(fs, err, e, "cannot rename into place", path);
        }
    }
    if (tmp_left)
        unlinkat(dirfd, tmp, 0);
    if (rc == DC_OK)
        rc = sync_fd(fs, dirfd, "cannot sync the directory of", path, err);
    return rc;
}

static dc_status local_write(dc_fs *fs, const char *path, const void *data, int64_t n,
                             bool if_absent, dc_error *err)
{
    char tmp[96];
    int dirfd = -1, fd = -1;
    dc_status rc = create_tmp(fs, path, &dirfd, &fd, tmp, sizeof tmp, err);
    if (rc != DC_OK)
        return rc;
    rc = write_all(fs, fd, data, n, path, err);
    if (rc == DC_OK)
        rc = sync_fd(fs, fd, "fsync failed", path, err);
    if (close(fd) != 0 && rc == DC_OK)
        rc = dc_fs__sys_error(fs, err, errno, "close failed", path);
    if (rc == DC_OK)
        rc = commit_tmp(fs, dirfd, tmp, strrchr(path, '/') ? strrchr(path, '/') + 1 : path, path,
                        if_absent, err);
    else
        unlinkat(dirfd, tmp, 0);
    close(dirfd);
    return rc;
}

static dc_status local_put_if_absent(dc_fs *fs, const char *path, const void *data, int64_t n,
                                     dc_error *err)
{
    return local_write(fs, path, data, n, true, err);
}

static dc_status local_put(dc_fs *fs, const char *path, const void *data, int64_t n, dc_error *err)
{
    return local_write(fs, path, data, n, false, err);
}

static dc_status not_found(dc_fs *fs, const char *path, dc_error *err)
{
    dc_error_set(err, DC_ENOTFOUND, "%s%s: no such object", fs->display, path);
    if (err)
        snprintf(err->path, sizeof err->path, "%s%s", fs->display, path);
    return DC_ENOTFOUND;
}

/* Open an object for reading: DC_ENOTFOUND when absent or a directory. */
static dc_status open_object(dc_fs *fs, const char *path, int *fd, struct stat *st, dc_error *err)
{
    local_fs *lf = fs->impl;
    *fd = openat(lf->rootfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (*fd < 0) {
        int e = errno;
        return (e == ENOENT || e == ENOTDIR || e == EISDIR)
                   ? not_found(fs, path, err)
                   : dc_fs__sys_error(fs, err, e, "cannot open", path);
    }
    if (fstat(*fd, st) != 0) {
        dc_status rc = dc_fs__sys_error(fs, err, errno, "cannot stat", path);
        close(*fd);
        return rc;
    }
    if (!S_ISREG(st->st_mode)) {
        close(*fd);
        return not_found(fs, path, err);
    }
    return DC_OK;
}

static dc_status local_get_range(dc_fs *fs, const char *path, int64_t offset, int64_t n,
                                 dc_bytes *out, dc_error *err)
{
    int fd;
    struct stat st = {0};
    dc_status rc = open_object(fs, path, &fd, &st, err);
    if (rc != DC_OK)
        return rc;
    int64_t size = (int64_t)st.st_size;
    int64_t want = offset >= size ? 0 : (n < 0 ? size - offset : DC_MIN(n, size - offset));
    if (want > 0 && dc_bytes_reserve(out, want) != DC_OK) {
        close(fd);
        return dc_error_nomem(err);
    }
    int64_t got = 0;
    while (got < want) {
        ssize_t r =
            pread(fd, out->data + out->size + got, (size_t)(want - got), (off_t)(offset + got));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = dc_fs__sys_error(fs, err, errno, "read failed", path);
            break;
        }
        if (r == 0)
            break;
        got += r;
    }
    out->size += got;
    close(fd);
    return rc;
}

static dc_status local_stat(dc_fs *fs, const char *path, dc_fs_info *out, dc_error *err)
{
    local_fs *lf = fs->impl;
    struct stat st;
    if (fstatat(lf->rootfd, path, &st, 0) != 0) {
        int e = errno;
        return (e == ENOENT || e == ENOTDIR) ? not_found(fs, path, err)
                                             : dc_fs__sys_error(fs, err, e, "cannot stat", path);
    }
    if (!S_ISREG(st.st_mode))
        return not_found(fs, path, err);
    out->size = (int64_t)st.st_size;
    out->mtime_ns = mtime_ns(&st);
    return DC_OK;
}

/* ---- listing ----------------------------------------------------------------------- */

typedef struct dir_item {
    char *name;
    bool is_dir;
    int64_t size, mtime;
} dir_item;

static int item_cmp(const void *a, const void *b)
{
    /* Order as full keys would sort: a directory "x" stands for keys "x/...". */
    const dir_item *x = a, *y = b;
    const unsigned char *p = (const unsigned char *)x->name, *q = (const unsigned char *)y->name;
    while (*p && *p == *q) {
        p++;
        q++;
    }
    int cp = *p ? *p : (x->is_dir ? '/' : 0);
    int cq = *q ? *q : (y->is_dir ? '/' : 0);
    return cp - cq;
}

static bool is_tmp(const char *name)
{
    return strncmp(name, DC_FS_TMP_PREFIX, strlen(DC_FS_TMP_PREFIX)) == 0;
}

/*
 * Read the entries of directory `dirfd` whose names start with `name_prefix` into a
 * sorted array (temporaries and special files left out; `tmps_only` keeps only
 * temporaries and subdirectories). The caller frees with free_items.
 */
static dc_status read_dir(dc_fs *fs, int dirfd, const char *where, const char *name_prefix,
                          bool tmps_only, dir_item **items, int64_t *count, dc_error *err)
{
    *items = NULL;
    *count = 0;
    int fd2 = dup(dirfd);
    DIR *d = fd2 >= 0 ? fdopendir(fd2) : NULL;
    if (!d) {
        int e = errno;
        if (fd2 >= 0)
            close(fd2);
        return dc_fs__sys_error(fs, err, e, "cannot list", where);
    }
    rewinddir(d);
    dc_status rc = DC_OK;
    int64_t n = 0, cap = 0;
    dir_item *v = NULL;
    size_t plen = strlen(name_prefix);
    struct dirent *de;
    while ((errno = 0, de = readdir(d)) != NULL) {
        const char *nm = de->d_name;
        if (!strcmp(nm, ".") || !strcmp(nm, "..") || strncmp(nm, name_prefix, plen) != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd, nm, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue; /* removed meanwhile */
        bool dir = S_ISDIR(st.st_mode);
        if (!dir && !S_ISREG(st.st_mode))
            continue;
        if (!dir && is_tmp(nm) != tmps_only)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            dir_item *nv = dc_realloc(v, (size_t)cap * sizeof *nv);
            if (!nv) {
                rc = dc_error_nomem(err);
                break;
            }
            v = nv;
        }
        v[n].name = dc_strdup(nm);
        if (!v[n].name) {
            rc = dc_error_nomem(err);
            break;
        }
        v[n].is_dir = dir;
        v[n].size = dir ? -1 : (int64_t)st.st_size;
        v[n].mtime = dir ? 0 : mtime_ns(&st);
        n++;
    }
    if (rc == DC_OK && errno != 0)
        rc = dc_fs__sys_error(fs, err, errno, "cannot list", where);
    closedir(d);
    if (rc == DC_OK && n > 1)
        qsort(v, (size_t)n, sizeof *v, item_cmp);
    *items = v;
    *count = n;
    return rc;
}

static void free_items(dir_item *v, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dc_free(v[i].name);
    dc_free(v);
}

/*
 * List directory `dirfd` whose keys begin with `key` (a strbuf holding the directory
 * part, "" or ending with '/'): objects and (one level) directory entries, or (recursive)
 * everything below, in key order. `key` is restored on return.
 */
static dc_status list_dir(dc_fs *fs, int dirfd, dc_strbuf *key, const char *name_prefix,
                          bool recursive, bool tmps_only, dc_fs_list_fn fn, void *user,
                          dc_error *err)
{
    dir_item *v;
    int64_t n;
    int64_t base = key->len;
    dc_status rc = read_dir(fs, dirfd, dc_strbuf_cstr(key), name_prefix, tmps_only, &v, &n, err);
    for (int64_t i = 0; rc == DC_OK && i < n; i++) {
        key->len = base;
        key->data[base] = '\0';
        dc_strbuf_puts(key, v[i].name);
        if (v[i].is_dir)
            dc_strbuf_putc(key, '/');
        if ((rc = dc_strbuf_status(key)) != DC_OK) {
            dc_error_nomem(err);
            break;
        }
        if (!v[i].is_dir || (!recursive && !tmps_only)) {
            dc_fs_entry e = {key->data, v[i].is_dir, v[i].size, v[i].mtime};
            rc = fn(&e, user);
            continue;
        }
        int sub = openat(dirfd, v[i].name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sub < 0)
            continue; /* removed meanwhile */
        rc = list_dir(fs, sub, key, "", recursive, tmps_only, fn, user, err);
        close(sub);
    }
    if (key->data) {
        key->len = base;
        key->data[base] = '\0';
    }
    free_items(v, n);
    return rc;
}

static dc_status local_list(dc_fs *fs, const char *prefix, bool recursive, dc_fs_list_fn fn,
                            void *user, dc_error *err)
{
    local_fs *lf = fs->impl;
    char dir[DC_FS_PATH_MAX + 1];
    const char *name_prefix = split(prefix, dir, sizeof dir);
    int dirfd = open_dir(lf, dir);
    if (dirfd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return DC_OK; /* nothing under this prefix */
        return dc_fs__sys_error(fs, err, errno, "cannot list", dir);
    }
    dc_strbuf key;
    dc_strbuf_init(&key);
    dc_strbuf_append(&key, prefix, (int64_t)(name_prefix - prefix));
    dc_strbuf_puts(&key, "");
    dc_status rc = dc_strbuf_status(&key) != DC_OK
                       ? dc_error_nomem(err)
                       : list_dir(fs, dirfd, &key, name_prefix, recursive, false, fn, user, err);
    dc_strbuf_free(&key);
    close(dirfd);
    return rc;
}

/* ---- remove, rename ---------------------------------------------------------------- */

/* Remove the now-empty directories of `path`, deepest first, stopping at the first one
 * that is not empty (or at any failure: pruning is an optimization). */
static void prune_dirs(local_fs *lf, const char *path)
{
    char dir[DC_FS_PATH_MAX + 1];
    split(path, dir, sizeof dir);
    while (dir[0]) {
        if (unlinkat(lf->rootfd, dir, AT_REMOVEDIR) != 0)
            return;
        char *slash = strrchr(dir, '/');
        if (!slash)
            return;
        *slash = '\0';
    }
}

static dc_status sync_parent(dc_fs *fs, const char *path, dc_error *err)
{
    local_fs *lf = fs->impl;
    if (!lf->fsync)
        return DC_OK;
    char dir[DC_FS_PATH_MAX + 1];
    split(path, dir, sizeof dir);
    int fd = open_dir(lf, dir);
    if (fd < 0)
        return errno == ENOENT
                   ? DC_OK /* pruned meanwhile */
                   : dc_fs__sys_error(fs, err, errno, "cannot open the directory of", path);
    dc_status rc = sync_fd(fs, fd, "cannot sync the directory of", path, err);
    close(fd);
    return rc;
}

static dc_status local_remove(dc_fs *fs, const char *path, dc_error *err)
{
    local_fs *lf = fs->impl;
    if (unlinkat(lf->rootfd, path, 0) != 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR || e == EISDIR || e == EPERM) {
            struct stat st;
            if (e == EPERM && fstatat(lf->rootfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                !S_ISDIR(st.st_mode))
                return dc_fs__sys_error(fs, err, e, "cannot remove", path);
            return not_found(fs, path, err);
        }
        return dc_fs__sys_error(fs, err, e, "cannot remove", path);
    }
    dc_status rc = sync_parent(fs, path, err);
    prune_dirs(lf, path);
    return rc;
}

static dc_status local_rename(dc_fs *fs, const char *from, const char *to, dc_error *err)
{
    local_fs *lf = fs->impl;
    struct stat st;
    if (fstatat(lf->rootfd, from, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        return not_found(fs, from, err);
    for (int attempt = 0; attempt < RETRIES; attempt++) {
        int dirfd;
        dc_status rc = open_parent_create(fs, to, &dirfd, err);
        if (rc != DC_OK)
            return rc;
        close(dirfd);
        if (renameat(lf->rootfd, from, lf->rootfd, to) == 0) {
            rc = sync_parent(fs, to, err);
            if (rc == DC_OK)
                rc = sync_parent(fs, from, err);
            prune_dirs(lf, from);
            return rc;
        }
        int e = errno;
        if (e == EISDIR || e == ENOTEMPTY || e == EEXIST)
            return dc_error_set(err, DC_EINVALID,
                                "%s%s: is a directory of other keys; a key cannot also be a "
                                "prefix of keys",
                                fs->display, to);
        if (e != ENOENT)
            return dc_fs__sys_error(fs, err, e, "cannot rename", from);
        if (fstatat(lf->rootfd, from, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return not_found(fs, from, err);
        /* the target's directory was pruned meanwhile: again */
    }
    return dc_error_set(err, DC_EIO, "%s%s: its directory keeps disappearing; try again",
                        fs->display, to);
}

/* ---- inputs and outputs --------------------------------------------------------------- */

static dc_status local_open_input(dc_fs *fs, const char *path, dc_input **out, dc_error *err)
{
    local_fs *lf = fs->impl;
    int fd;
    struct stat st;
    dc_status rc = open_object(fs, path, &fd, &st, err);
    if (rc != DC_OK)
        return rc;
    close(fd);
    dc_strbuf full;
    dc_strbuf_init(&full);
    dc_strbuf_printf(&full, "%s/%s", lf->root, path);
    if (dc_strbuf_status(&full) != DC_OK) {
        dc_strbuf_free(&full);
        return dc_error_nomem(err);
    }
    rc = dc_input_open_file(out, dc_strbuf_cstr(&full), err);
    dc_strbuf_free(&full);
    return rc;
}

typedef struct local_out {
    dc_fs *fs; /* borrowed: the core's wrapper holds the reference */
    int dirfd, fd;
    char tmp[96];
    char *path;
    bool if_absent;
    uint8_t *buf;
    int64_t used;
    int64_t written, synced; /* bytes written; bytes whose writeback was started */
} local_out;

/*
 * Start the writeback of what was written every WRITEBACK_STEP bytes, without
 * waiting (Linux sync_file_range), so that the fsync at finish has little left
 * to do: a 100 MB data file otherwise spends its whole write-out inside that
 * fsync, after the writer is done (docs/BENCHMARKS.md, tables).
 */
#define WRITEBACK_STEP (INT64_C(8) << 20)

static void start_writeback(local_out *l)
{
#if defined(SYNC_FILE_RANGE_WRITE)
    local_fs *lf = l->fs->impl;
    if (!lf->fsync || l->written - l->synced < WRITEBACK_STEP)
        return;
    (void)sync_file_range(l->fd, l->synced, l->written - l->synced, SYNC_FILE_RANGE_WRITE);
    l->synced = l->written;
#else
    (void)l;
#endif
}

static dc_status lout_flush(local_out *l, dc_error *err)
{
    dc_status rc = write_all(l->fs, l->fd, l->buf, l->used, l->path, err);
    l->written += l->used;
    l->used = 0;
    if (rc == DC_OK)
        start_writeback(l);
    return rc;
}

static dc_status lout_write(dc_output *o, const void *data, int64_t n, dc_error *err)
{
    local_out *l = o->impl;
    if (l->used + n > OUT_BUF) {
        dc_status rc = lout_flush(l, err);
        if (rc != DC_OK)
            return rc;
        if (n >= OUT_BUF) {
            rc = write_all(l->fs, l->fd, data, n, l->path, err);
            l->written += n;
            if (rc == DC_OK)
                start_writeback(l);
            return rc;
        }
    }
    memcpy(l->buf + l->used, data, (size_t)n);
    l->used += n;
    return DC_OK;
}

static dc_status lout_finish(dc_output *o, dc_error *err)
{
    local_out *l = o->impl;
    dc_status rc = lout_flush(l, err);
    if (rc == DC_OK)
        rc = sync_fd(l->fs, l->fd, "fsync failed", l->path, err);
    int fd = l->fd;
    l->fd = -1;
    if (close(fd) != 0 && rc == DC_OK)
        rc = dc_fs__sys_error(l->fs, err, errno, "close failed", l->path);
    if (rc != DC_OK)
        return rc; /* the abort that follows removes the temporary */
    const char *slash = strrchr(l->path, '/');
    rc = commit_tmp(l->fs, l->dirfd, l->tmp, slash ? slash + 1 : l->path, l->path, l->if_absent,
                    err);
    l->tmp[0] = '\0'; /* gone either way */
    return rc;
}

static void lout_abort(dc_output *o)
{
    local_out *l = o->impl;
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    if (l->tmp[0])
        unlinkat(l->dirfd, l->tmp, 0);
    l->tmp[0] = '\0';
}

static void lout_close(dc_output *o)
{
    local_out *l = o->impl;
    if (l->fd >= 0)
        close(l->fd);
    if (l->dirfd >= 0)
        close(l->dirfd);
    dc_free(l->path);
    dc_free(l->buf);
    dc_free(l);
}

static const dc_output_vtable LOCAL_OUT = {lout_write, lout_finish, lout_abort, lout_close};

static dc_status local_open_output(dc_fs *fs, const char *path, unsigned flags, dc_output **out,
                                   dc_error *err)
{
    dc_status rc = DC_OK;
    dc_output *o = dc_calloc(1, sizeof *o);
    local_out *l = dc_calloc(1, sizeof *l);
    if (l) {
        l->dirfd = l->fd = -1;
        l->fs = fs;
        l->if_absent = flags & DC_FS_OUTPUT_IF_ABSENT;
        l->path = dc_strdup(path);
        l->buf = dc_malloc(OUT_BUF);
    }
    if (o)
        o->name = dc_strdup(path);
    if (!o || !l || !l->path || !l->buf || !o->name) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    DC_TRY(create_tmp(fs, path, &l->dirfd, &l->fd, l->tmp, sizeof l->tmp, err));
    o->vt = &LOCAL_OUT;
    o->impl = l;
    dc_free(o->name);
    o->name = NULL;
    dc_strbuf nm;
    dc_strbuf_init(&nm);
    dc_strbuf_printf(&nm, "%s%s", fs->display, path);
    o->name = dc_strbuf_detach(&nm);
    if (!o->name) {
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    *out = o;
    return DC_OK;
cleanup:
    if (l) {
        if (l->tmp[0] && l->dirfd >= 0)
            unlinkat(l->dirfd, l->tmp, 0);
        l->tmp[0] = '\0';
        lout_close(&(dc_output){.impl = l});
    }
    if (o)
        dc_free(o->name);
    dc_free(o);
    return rc;
}

/* ---- temporaries ----------------------------------------------------------------------- */

typedef struct stale_ctx {
    int64_t cutoff;
    dc_fs_listing *out;
} stale_ctx;

static dc_status collect_stale(const dc_fs_entry *e, void *user)
{
    stale_ctx *c = user;
    const char *slash = strrchr(e->key, '/');
    if (!is_tmp(slash ? slash + 1 : e->key) || e->mtime_ns >= c->cutoff)
        return DC_OK;
    dc_fs_listing *l = c->out;
    if (l->n == l->cap) {
        int64_t cap = l->cap ? l->cap * 2 : 16;
        dc_fs_entry *ne = dc_realloc(l->entries, (size_t)cap * sizeof *ne);
        if (!ne)
            return DC_ENOMEM;
        l->entries = ne;
        l->cap = cap;
    }
    l->entries[l->n] = *e;
    l->entries[l->n].key = dc_arena_strndup(&l->keys, e->key, (int64_t)strlen(e->key));
    if (!l->entries[l->n].key)
        return DC_ENOMEM;
    l->n++;
    return DC_OK;
}

/* The temporaries modified before `cutoff` into `out` (initialized here). */
static dc_status stale_temporaries(dc_fs *fs, int64_t cutoff, dc_fs_listing *out, dc_error *err)
{
    memset(out, 0, sizeof *out);
    dc_arena_init(&out->keys, 4096);
    local_fs *lf = fs->impl;
    stale_ctx c = {cutoff, out};
    dc_strbuf key;
    dc_strbuf_init(&key);
    dc_strbuf_puts(&key, "");
    dc_status rc = dc_strbuf_status(&key) != DC_OK
                       ? dc_error_nomem(err)
                       : list_dir(fs, lf->rootfd, &key, "", true, true, collect_stale, &c, err);
    dc_strbuf_free(&key);
    if (rc == DC_ENOMEM)
        dc_error_nomem(err);
    return rc;
}

static dc_status local_sweep_temporaries(dc_fs *fs, int64_t cutoff, bool dry_run, dc_fs_list_fn fn,
                                         void *user, dc_error *err)
{
    local_fs *lf = fs->impl;
    dc_fs_listing l;
    dc_status rc = stale_temporaries(fs, cutoff, &l, err);
    for (int64_t i = 0; rc == DC_OK && i < l.n; i++) {
        if (!dry_run) {
            if (unlinkat(lf->rootfd, l.entries[i].key, 0) != 0) {
                if (errno == ENOENT)
                    continue; /* another collector was faster */
                rc = dc_fs__sys_error(fs, err, errno, "cannot remove temporary", l.entries[i].key);
                break;
            }
            prune_dirs(lf, l.entries[i].key);
        }
        rc = fn(&l.entries[i], user);
    }
    dc_fs_listing_free(&l);
    return rc;
}

static dc_status local_only(dc_fs *fs, dc_error *err)
{
    if (!fs || fs->vt != &LOCAL_VT)
        return dc_error_set(err, DC_EUNSUPPORTED, "%s: this filesystem keeps no temporaries",
                            fs ? fs->url : "(NULL)");
    return DC_OK;
}

dc_status dc_fs_local_stale_temporaries(dc_fs *fs, int64_t grace_ns, dc_fs_listing *out,
                                        dc_error *err)
{
    dc_status rc = local_only(fs, err);
    if (rc != DC_OK) {
        memset(out, 0, sizeof *out);
        dc_arena_init(&out->keys, 4096);
        return rc;
    }
    return dc_fs_sweep_temporaries(fs, grace_ns, true, out, NULL, err);
}

dc_status dc_fs_local_sweep_temporaries(dc_fs *fs, int64_t grace_ns, int64_t *removed,
                                        dc_error *err)
{
    if (removed)
        *removed = 0;
    dc_status rc = local_only(fs, err);
    return rc != DC_OK ? rc : dc_fs_sweep_temporaries(fs, grace_ns, false, NULL, removed, err);
}

/* ---- opening ---------------------------------------------------------------------------- */

static void local_destroy(dc_fs *fs)
{
    local_fs *lf = fs->impl;
    close(lf->rootfd);
    dc_free(lf->root);
    dc_free(lf);
}

static const dc_fs_vtable LOCAL_VT = {
    .scheme = "file",
    .put_if_absent = local_put_if_absent,
    .put = local_put,
    .get_range = local_get_range,
    .stat = local_stat,
    .list = local_list,
    .remove = local_remove,
    .rename = local_rename,
    .open_input = local_open_input,
    .open_output = local_open_output,
    .destroy = local_destroy,
    .sweep_temporaries = local_sweep_temporaries,
};

/* mkdir -p of an OS path. */
static dc_status mkdir_p(const char *path, dc_error *err)
{
    char *buf = dc_strdup(path);
    if (!buf)
        return dc_error_nomem(err);
    dc_status rc = DC_OK;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
            rc = dc_error_set(err, errno == ENOENT ? DC_ENOTFOUND : DC_EIO,
                              "%s: cannot create the catalog root directory: %s", buf,
                              strerror(errno));
            break;
        }
        if (c == '\0')
            break;
        *p = c;
    }
    dc_free(buf);
    return rc;
}

dc_status dc_fs_local_open(dc_fs **out, const char *root_dir, const dc_fs_local_options *opts,
                           dc_error *err)
{
    *out = NULL;
    if (!root_dir || !root_dir[0])
        return dc_error_set(err, DC_EINVALID, "no root directory given for a local filesystem");
    dc_status rc = DC_OK;
    local_fs *lf = NULL;
    char abs[PATH_MAX];
    dc_strbuf s;
    dc_strbuf_init(&s);
    if (opts && opts->create_root)
        DC_TRY(mkdir_p(root_dir, err));
    struct stat st;
    if (stat(root_dir, &st) != 0) {
        rc = dc_error_set(err, errno == ENOENT ? DC_ENOTFOUND : DC_EIO,
                          "%s: cannot open the catalog root: %s", root_dir, strerror(errno));
        goto cleanup;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = dc_error_set(err, DC_EINVALID, "%s: the catalog root is not a directory", root_dir);
        goto cleanup;
    }
    if (!realpath(root_dir, abs)) {
        rc = dc_error_set(err, DC_EIO, "%s: cannot resolve: %s", root_dir, strerror(errno));
        goto cleanup;
    }
    lf = dc_calloc(1, sizeof *lf);
    DC_TRY_ALLOC(lf, err);
    lf->rootfd = -1;
    lf->root = dc_strdup(abs);
    DC_TRY_ALLOC(lf->root, err);
    lf->rootfd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lf->rootfd < 0) {
        rc =
            dc_error_set(err, DC_EIO, "%s: cannot open the catalog root: %s", abs, strerror(errno));
        goto cleanup;
    }
    lf->fsync = !(opts && opts->no_fsync);
    if (getrandom(&lf->seed, sizeof lf->seed, 0) != (ssize_t)sizeof lf->seed)
        lf->seed = (uint64_t)dc_clock_now_ns() ^ ((uint64_t)getpid() << 32);
    atomic_init(&lf->counter, 0);
    bool slash_end = abs[strlen(abs) - 1] == '/';
    dc_strbuf_printf(&s, "file://%s", abs);
    char *url = dc_strbuf_detach(&s);
    dc_strbuf_printf(&s, "%s%s", abs, slash_end ? "" : "/");
    char *display = dc_strbuf_detach(&s);
    if (!url || !display) {
        dc_free(url);
        dc_free(display);
        rc = dc_error_nomem(err);
        goto cleanup;
    }
    rc = dc_fs__new(out, &LOCAL_VT, DC_FS_CAP_RENAME | DC_FS_CAP_DURABLE | DC_FS_CAP_SHARED, url,
                    display, lf, err);
    dc_free(url);
    dc_free(display);
    if (rc != DC_OK)
        goto cleanup;
    return DC_OK;
cleanup:
    if (lf) {
        if (lf->rootfd >= 0)
            close(lf->rootfd);
        dc_free(lf->root);
        dc_free(lf);
    }
    dc_strbuf_free(&s);
    return rc;
}
