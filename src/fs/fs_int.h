/*
 * fs_int.h: the storage-facing filesystem interface (a VFS, after SQLite's).
 *
 * A dc_fs is a flat store of immutable-ish objects addressed by keys, with
 * object-store semantics so that one catalog format works on a local disk, in
 * memory and (later) on S3:
 *
 *   - A key ("path") is relative to the filesystem's root, '/'-separated,
 *     valid UTF-8, at most DC_FS_PATH_MAX bytes, each segment at most
 *     DC_FS_SEGMENT_MAX bytes, with no empty, "." or ".." segment, no leading
 *     '/', no backslash and no control character; segments starting with
 *     DC_FS_TMP_PREFIX are reserved for the backends' temporaries. Every path
 *     is checked before any I/O; a bad one fails with DC_EINVALID naming the
 *     path and the rule it breaks.
 *   - Directories are implicit: writing "a/b/c" creates whatever "a/b" needs.
 *     A key cannot also be a directory of other keys ("a" and "a/b" cannot
 *     both exist; a local filesystem cannot represent it): writing one over
 *     the other fails with DC_EINVALID on every backend.
 *   - Listing is by key prefix (a plain string prefix, as S3's LIST), sorted
 *     by key bytes, either recursive (objects only) or one level, where keys
 *     below the next '/' are rolled up into one "directory" entry "a/b/".
 *   - put_if_absent is the commit primitive: it fails with DC_EEXISTS when
 *     the key exists; when it succeeds the object is complete and durable
 *     (never visible half-written). put replaces atomically: a reader sees
 *     the old or the new bytes, never a mix. Outputs become visible only when
 *     finished.
 *   - rename exists only where the backend has it (DC_FS_CAP_RENAME); S3
 *     has none, so the catalog must not need it.
 *
 * Errors: DC_EINVALID (bad path or argument), DC_ENOTFOUND (no such key),
 * DC_EEXISTS (put_if_absent lost), DC_EUNSUPPORTED (no such capability),
 * DC_EIO (the system or store failed; for a mutating call the outcome may be
 * unknown: the change may or may not have happened), DC_ENOMEM.
 *
 * Thread safety: one dc_fs may be used from many threads at once. Inputs and
 * outputs it opens belong to one thread at a time. Each input/output holds a
 * reference on its dc_fs, so the fs may be unreffed before them.
 */
#ifndef DC_FS_INT_H
#define DC_FS_INT_H

#include "core/core_int.h"
#include "fs/io_int.h"

#include <pthread.h>

#define DC_FS_PATH_MAX    1024 /* bytes in a key (S3's limit) */
#define DC_FS_SEGMENT_MAX 255  /* bytes in one '/'-separated segment (NAME_MAX) */
#define DC_FS_TMP_PREFIX  ".dc-tmp-"

typedef struct dc_fs dc_fs;

/* Capabilities (dc_fs.caps). */
enum {
    DC_FS_CAP_RENAME = 1u << 0,  /* dc_fs_rename works (atomic, replaces the target) */
    DC_FS_CAP_DURABLE = 1u << 1, /* finished writes survive a process or machine crash */
    DC_FS_CAP_SHARED = 1u << 2,  /* other processes (hosts) may see and change the store */
};

/* Operation kinds, for statistics and fault injection. */
typedef enum dc_fs_op {
    DC_FS_OP_PUT_IF_ABSENT = 0,
    DC_FS_OP_PUT,
    DC_FS_OP_GET,       /* dc_fs_get */
    DC_FS_OP_GET_RANGE, /* dc_fs_get_range */
    DC_FS_OP_STAT,
    DC_FS_OP_LIST,
    DC_FS_OP_REMOVE,
    DC_FS_OP_REMOVE_MANY, /* one per call, whatever the number of keys */
    DC_FS_OP_RENAME,
    DC_FS_OP_OPEN_INPUT,
    DC_FS_OP_READ, /* a read_at on an input opened here */
    DC_FS_OP_OPEN_OUTPUT,
    DC_FS_OP_WRITE,  /* a write on an output opened here */
    DC_FS_OP_FINISH, /* an output's finish (the moment it becomes visible) */
    DC_FS_OP_COUNT,
    DC_FS_OP_ANY = -1, /* fault injection: any kind */
} dc_fs_op;

/* A short name of an operation kind ("put_if_absent"); never NULL. */
const char *dc_fs_op_name(dc_fs_op op);

/* A snapshot of a dc_fs's counters (each counter is updated atomically). */
typedef struct dc_fs_stats {
    int64_t ops[DC_FS_OP_COUNT]; /* calls by kind, failed ones included */
    int64_t bytes_read;          /* returned by get, get_range and input reads */
    int64_t bytes_written;       /* accepted by put, put_if_absent and output writes */
    int64_t list_entries;        /* entries handed out by list */
    int64_t faults;              /* injected faults that fired */
    int64_t syncs;               /* fsyncs issued by the backend (files and directories) */
} dc_fs_stats;

/* What stat reports about an object. */
typedef struct dc_fs_info {
    int64_t size;
    int64_t mtime_ns; /* last modification, ns since the Unix epoch */
} dc_fs_info;

/* One listed entry. `key` is the full key (a directory's ends with '/'). */
typedef struct dc_fs_entry {
    const char *key;
    bool is_dir;      /* only in one-level listings */
    int64_t size;     /* -1 for a directory */
    int64_t mtime_ns; /* 0 for a directory */
} dc_fs_entry;

/* Receives listed entries in key order; `e` and its key are valid only during the call.
 * Return DC_OK to continue; any other status stops the listing and is returned by it. */
typedef dc_status (*dc_fs_list_fn)(const dc_fs_entry *e, void *user);

/* A listing collected into memory (dc_fs_list_all); free with dc_fs_listing_free. */
typedef struct dc_fs_listing {
    dc_fs_entry *entries;
    int64_t n;
    int64_t cap;
    dc_arena keys; /* the entries' key strings */
} dc_fs_listing;

/* dc_fs_open_output flags. */
enum {
    DC_FS_OUTPUT_IF_ABSENT = 1u << 0, /* finish fails with DC_EEXISTS when the key exists */
};

/* ---- the backend interface -------------------------------------------------- */

/*
 * What a backend implements. The dc_fs_* wrappers below validate every path and
 * argument, count statistics and inject faults before calling these, so a
 * backend receives only valid keys (and valid prefixes for list). get_range
 * with n == -1 reads to the end; it appends to `out`. open_input/open_output
 * return backend objects that the core wraps (statistics, faults, the fs
 * reference). `rename` is NULL where the backend has none.
 */
typedef struct dc_fs_vtable {
    const char *scheme; /* "file", "mem" */
    dc_status (*put_if_absent)(dc_fs *fs, const char *path, const void *data, int64_t n,
                               dc_error *err);
    dc_status (*put)(dc_fs *fs, const char *path, const void *data, int64_t n, dc_error *err);
    dc_status (*get_range)(dc_fs *fs, const char *path, int64_t offset, int64_t n, dc_bytes *out,
                           dc_error *err);
    dc_status (*stat)(dc_fs *fs, const char *path, dc_fs_info *st, dc_error *err);
    dc_status (*list)(dc_fs *fs, const char *prefix, bool recursive, dc_fs_list_fn fn, void *user,
                      dc_error *err);
    dc_status (*remove)(dc_fs *fs, const char *path, dc_error *err);
    dc_status (*rename)(dc_fs *fs, const char *from, const char *to, dc_error *err);
    dc_status (*open_input)(dc_fs *fs, const char *path, dc_input **out, dc_error *err);
    dc_status (*open_output)(dc_fs *fs, const char *path, unsigned flags, dc_output **out,
                             dc_error *err);
    void (*destroy)(dc_fs *fs); /* free impl; the core frees the rest */
    /*
     * Optional (NULL: the core calls `remove` per key). Remove n >= 1 checked keys at
     * once; absent keys are not errors. `removed` is NULL when the caller does not need
     * the count (a backend that cannot tell an absent key from a removed one without a
     * request per key skips those requests then); otherwise it is zeroed and counts the
     * keys removed. Stops at the first failure, naming the key.
     */
    dc_status (*remove_many)(dc_fs *fs, const char *const *paths, int64_t n, int64_t *removed,
                             dc_error *err);
    /*
     * Optional (NULL: the backend leaves no temporaries behind). Find the temporaries of
     * dead writers whose last activity is before `cutoff_ns` (dc_fs_sweep_temporaries),
     * remove each unless `dry_run`, and hand it to `fn` once removed (in a dry run,
     * instead); one removed meanwhile by someone else is skipped.
     */
    dc_status (*sweep_temporaries)(dc_fs *fs, int64_t cutoff_ns, bool dry_run, dc_fs_list_fn fn,
                                   void *user, dc_error *err);
    /*
     * Optional (NULL: dc_fs_first_after says DC_EUNSUPPORTED). The first object key under
     * `prefix` that sorts after `after` (*key dc_malloc'd, NULL when there is none), in
     * one request (S3: ListObjectsV2 start-after, max-keys 1).
     */
    dc_status (*first_after)(dc_fs *fs, const char *prefix, const char *after, char **key,
                             dc_error *err);
} dc_fs_vtable;

/* An armed fault (dc_fs_inject_fault). */
typedef enum dc_fs_fault_mode {
    DC_FS_FAULT_ERROR = 0, /* the operation fails with DC_EIO and changes nothing */
    DC_FS_FAULT_UNKNOWN,   /* the operation takes effect, then reports DC_EIO (a timeout) */
} dc_fs_fault_mode;

typedef struct dc_fs_fault {
    dc_fs_op op;           /* the kind that counts, or DC_FS_OP_ANY */
    int64_t nth;           /* the nth matching operation from now fails (1 = the next) */
    int64_t count;         /* how many consecutive matching operations fail; -1 = all */
    dc_fs_fault_mode mode; /* UNKNOWN applies to mutating kinds; others fail plainly */
} dc_fs_fault;

struct dc_fs {
    const dc_fs_vtable *vt;
    unsigned caps;
    char *url;     /* "file:///abs/root", "mem://name" */
    char *display; /* prefix of a key in messages: "/abs/root/", "mem://name/" */
    void *impl;
    /* the core's; backends do not touch them */
    atomic_int_fast64_t refs;
    atomic_int_fast64_t ops[DC_FS_OP_COUNT];
    atomic_int_fast64_t bytes_read, bytes_written, list_entries, faults, syncs;
    atomic_bool fault_armed;
    pthread_mutex_t fault_mu; /* guards `fault` */
    dc_fs_fault fault;
};

/* For backends: a new dc_fs (refcount 1) with the given vtable, capabilities and names.
 * On failure nothing is left allocated (impl is not freed). */
dc_status dc_fs__new(dc_fs **out, const dc_fs_vtable *vt, unsigned caps, const char *url,
                     const char *display, void *impl, dc_error *err);
/* For backends: count one fsync. */
static inline void dc_fs__count_sync(dc_fs *fs)
{
    atomic_fetch_add(&fs->syncs, 1);
}
/* For backends: fill `err` from errno for `what` on key `path` (DC_ENOTFOUND for ENOENT /
 * ENOTDIR, DC_EIO otherwise) and return the code. */
dc_status dc_fs__sys_error(dc_fs *fs, dc_error *err, int errnum, const char *what,
                           const char *path);

/* ---- opening ------------------------------------------------------------------ */

typedef struct dc_fs_local_options {
    bool create_root; /* create the root directory (and parents) when missing */
    bool no_fsync;    /* skip every fsync: fast, NOT crash-safe (tests, benchmarks) */
} dc_fs_local_options;

/*
 * Open a local directory as a filesystem. `opts` may be NULL (fsync on, root must
 * exist). Fails with DC_ENOTFOUND when the root is missing, DC_EINVALID when it is
 * not a directory. Capabilities: RENAME | DURABLE | SHARED.
 */
dc_status dc_fs_local_open(dc_fs **out, const char *root_dir, const dc_fs_local_options *opts,
                           dc_error *err);

typedef struct dc_fs_memory_options {
    bool no_rename; /* hide rename, as on S3 (tests of code that must not need it) */
} dc_fs_memory_options;

/*
 * Open an in-memory filesystem. With a `name`, the store is shared by every handle
 * opened on that name in this process (each handle has its own statistics and faults)
 * and lives until dc_fs_memory_drop(name), even when no handle is open; with NULL it is
 * private and dies with its last handle. Capabilities: RENAME (unless no_rename) |
 * SHARED (when named).
 */
dc_status dc_fs_memory_open(dc_fs **out, const char *name, const dc_fs_memory_options *opts,
                            dc_error *err);
/* Forget a named memory store (handles still open keep it alive). DC_ENOTFOUND if none. */
dc_status dc_fs_memory_drop(const char *name, dc_error *err);

/*
 * S3 (src/fs/fs_s3.c). Every field is optional: a NULL string or a 0 number falls back
 * to the environment, the AWS way (src/fs/s3_config.c):
 *   credentials: access_key_id + secret_access_key (+ session_token) here, else
 *     AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the profile
 *     (profile here, else AWS_PROFILE, else "default") in AWS_SHARED_CREDENTIALS_FILE
 *     (~/.aws/credentials: [NAME]) or AWS_CONFIG_FILE (~/.aws/config: [profile NAME],
 *     [default]);
 *   region: here, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, "us-east-1";
 *   endpoint: here, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url,
 *     else AWS itself. A custom endpoint is addressed path-style (http://host/bucket/key),
 *     AWS virtual-host style (https://bucket.s3.REGION.amazonaws.com/key).
 * The secret and the session token never appear in an error message or a log line.
 */
typedef struct dc_fs_s3_options {
    const char *region;
    const char *endpoint; /* "http://127.0.0.1:9000", "https://s3.example.com" */
    const char *profile;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;
    int64_t part_size;      /* multipart part size of outputs (0: 8 MiB; AWS needs >= 5 MiB) */
    int64_t read_ahead;     /* bytes an input fetches at once (0: 256 KiB) */
    int max_retries;        /* retries of a failed request (0: 5; negative: none) */
    int retry_base_ms;      /* first backoff (0: 50 ms), doubled per retry, with jitter */
    int retry_max_ms;       /* longest backoff (0: 5000 ms) */
    int connect_timeout_ms; /* 0: 10000 */
    int timeout_ms;         /* a request making no progress this long fails (0: 30000) */
    int list_page_size;     /* keys per ListObjectsV2 page (0: 1000) */
    bool no_check;          /* skip the bucket check (one LIST) at open */
    bool no_shape_check;    /* skip the "a key is not also a directory" checks (a HEAD per
                               unknown parent and a LIST per write): faster, less portable */
} dc_fs_s3_options;

/*
 * Open "s3://bucket[/prefix]" as a filesystem whose keys live under "prefix/". Unless
 * no_check, the bucket is checked with one LIST, so that wrong credentials, a missing
 * bucket (DC_ENOTFOUND), a bucket in another region or an endpoint that does not answer
 * fail here, each with a message naming the bucket and what to do (DC_EIO). A bad URL or
 * configuration (no credentials, an unknown profile, a bad endpoint) is DC_EINVALID.
 * Capabilities: DURABLE | SHARED (no rename).
 */
dc_status dc_fs_s3_open(dc_fs **out, const char *url, const dc_fs_s3_options *o, dc_error *err);

/*
 * Open by URL: a plain path or file:///abs/path -> local (root must exist, fsync on);
 * mem://NAME -> the named memory store (mem:// alone: a private one);
 * s3://bucket/prefix -> S3 configured from the environment (dc_fs_s3_open with no
 * options). Anything else -> DC_EINVALID.
 */
dc_status dc_fs_open(dc_fs **out, const char *url, dc_error *err);

dc_fs *dc_fs_ref(dc_fs *fs); /* NULL-safe */
void dc_fs_unref(dc_fs *fs); /* NULL-safe; frees at the last reference */
static inline void dc_fs_close(dc_fs *fs)
{
    dc_fs_unref(fs);
}

/* ---- operations ----------------------------------------------------------------- */

/* Check a key against the rules above; DC_EINVALID naming the path and the rule. */
dc_status dc_fs_path_check(const char *path, dc_error *err);

/* Create `path` with n bytes unless it exists (DC_EEXISTS). Durable on success. */
dc_status dc_fs_put_if_absent(dc_fs *fs, const char *path, const void *data, int64_t n,
                              dc_error *err);
/* Create or atomically replace `path`. Durable on success. */
dc_status dc_fs_put(dc_fs *fs, const char *path, const void *data, int64_t n, dc_error *err);
/* Read a whole object into `out` (reset first). DC_ENOTFOUND. */
dc_status dc_fs_get(dc_fs *fs, const char *path, dc_bytes *out, dc_error *err);
/* Read up to n bytes at `offset` into `out` (reset first); fewer at the end, none at or
 * beyond it (not an error). DC_ENOTFOUND; DC_EINVALID for a negative range. */
dc_status dc_fs_get_range(dc_fs *fs, const char *path, int64_t offset, int64_t n, dc_bytes *out,
                          dc_error *err);
/* Size and modification time of an object. DC_ENOTFOUND (a directory is not an object). */
dc_status dc_fs_stat(dc_fs *fs, const char *path, dc_fs_info *st, dc_error *err);
/* True/false in *exists; errors only for bad paths and I/O. */
dc_status dc_fs_exists(dc_fs *fs, const char *path, bool *exists, dc_error *err);
/*
 * List keys starting with `prefix` ("" = everything; "a/" = under a; "a/b" also
 * matches "a/bc"), in key order. Recursive: objects only. One level: objects up to the
 * next '/' and "directory" entries "prefix.../" for deeper keys. A prefix under no key
 * lists nothing (not an error). Entries are handed to `fn` (see dc_fs_list_fn).
 */
dc_status dc_fs_list(dc_fs *fs, const char *prefix, bool recursive, dc_fs_list_fn fn, void *user,
                     dc_error *err);
/*
 * The first object key under `prefix` ("a/") that sorts after `after` (a key under it), in
 * one request where the backend can (*key: dc_malloc'd, NULL when none; counted as a
 * list). DC_EUNSUPPORTED where it cannot: a local or memory store answers existence checks
 * as cheaply.
 */
dc_status dc_fs_first_after(dc_fs *fs, const char *prefix, const char *after, char **key,
                            dc_error *err);
/* The same into `out` (initialized here; free with dc_fs_listing_free even on failure). */
dc_status dc_fs_list_all(dc_fs *fs, const char *prefix, bool recursive, dc_fs_listing *out,
                         dc_error *err);
void dc_fs_listing_free(dc_fs_listing *l); /* NULL-safe */
/* Remove an object. DC_ENOTFOUND when absent. */
dc_status dc_fs_remove(dc_fs *fs, const char *path, dc_error *err);
/* Remove many objects (all paths are checked first); absent ones are skipped. *removed
 * (may be NULL) counts those removed. Stops at the first I/O error, naming the key. On S3
 * this is DeleteObjects, 1000 keys a request; S3 does not say which keys were absent, so
 * with `removed` non-NULL each key is first checked with a HEAD: pass NULL for speed. */
dc_status dc_fs_remove_many(dc_fs *fs, const char *const *paths, int64_t n, int64_t *removed,
                            dc_error *err);
/* Atomically rename `from` onto `to` (replacing it). DC_EUNSUPPORTED without
 * DC_FS_CAP_RENAME; DC_ENOTFOUND when `from` is absent. */
dc_status dc_fs_rename(dc_fs *fs, const char *from, const char *to, dc_error *err);
/* A random-access input over an object (a snapshot: later replacements are not seen).
 * Close with dc_input_close. DC_ENOTFOUND. */
dc_status dc_fs_open_input(dc_fs *fs, const char *path, dc_input **out, dc_error *err);
/* A streaming output (bounded memory on durable backends) that becomes `path` only at
 * dc_output_finish (DC_EEXISTS there with DC_FS_OUTPUT_IF_ABSENT when the key exists);
 * closing it unfinished discards it. */
dc_status dc_fs_open_output(dc_fs *fs, const char *path, unsigned flags, dc_output **out,
                            dc_error *err);

/* ---- statistics and faults -------------------------------------------------------- */

void dc_fs_stats_get(dc_fs *fs, dc_fs_stats *out);
void dc_fs_stats_reset(dc_fs *fs);

/* Arm a fault on this handle (replacing any armed one); NULL disarms. Faults apply to
 * every backend: the error is reported as DC_EIO with a message saying it was injected. */
void dc_fs_inject_fault(dc_fs *fs, const dc_fs_fault *fault);

/* ---- temporaries of dead writers (garbage collection) ------------------------------- */

/*
 * What a writer that died mid-write leaves behind, which no listing shows: local
 * "<dir>/.dc-tmp-<pid>-<random>-<n>" files beside their targets; on S3, multipart uploads
 * under the root that were never completed nor aborted (they hold storage until
 * aborted); nothing in memory. Those whose last activity (a file's modification time; an
 * upload's initiation or its newest part) is older than `grace_ns` ago are removed (an
 * upload is aborted) unless `dry_run`, and collected into `found` (may be NULL;
 * initialized here, free with dc_fs_listing_free even on failure): a local temporary by
 * its key, an upload as "KEY?uploadId=ID"; size is the bytes it holds (-1: unknown),
 * mtime_ns its last activity. *removed (may be NULL) counts those removed. Counted as one
 * list operation. On failure, those removed so far are in `found`.
 */
dc_status dc_fs_sweep_temporaries(dc_fs *fs, int64_t grace_ns, bool dry_run, dc_fs_listing *found,
                                  int64_t *removed, dc_error *err);

/* The same for the local backend only (DC_EUNSUPPORTED elsewhere): list the stale ones
 * into `out` (changing nothing), or sweep them. */
dc_status dc_fs_local_stale_temporaries(dc_fs *fs, int64_t grace_ns, dc_fs_listing *out,
                                        dc_error *err);
dc_status dc_fs_local_sweep_temporaries(dc_fs *fs, int64_t grace_ns, int64_t *removed,
                                        dc_error *err);

#endif
