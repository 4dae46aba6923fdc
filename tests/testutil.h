/* testutil.h: helpers shared by the unit tests (cmocka). */
#ifndef DC_TESTUTIL_H
#define DC_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above first. */
#include <cmocka.h>

#include <deltacat/formats.h>

#include "columnar/columnar_int.h"

/* Fail the test with the error's message when rc != DC_OK. */
#define DC_ASSERT_OK(expr)                                                                         \
    do {                                                                                           \
        dc_error e_;                                                                               \
        dc_error_clear(&e_);                                                                       \
        (void)e_;                                                                                  \
        dc_status rc_ = (expr);                                                                    \
        if (rc_ != DC_OK)                                                                          \
            fail_msg("%s failed: %s", #expr, dc_status_name(rc_));                                 \
    } while (0)

/* Build arrays from C literals: NULL-able through a validity string "1101" ('0' = null),
 * or NULL for all valid. */
dc_array *tu_int64(const int64_t *v, int64_t n, const char *valid);
dc_array *tu_int32(const int32_t *v, int64_t n, const char *valid);
dc_array *tu_double(const double *v, int64_t n, const char *valid);
dc_array *tu_bool(const bool *v, int64_t n, const char *valid);
dc_array *tu_utf8(const char *const *v, int64_t n); /* NULL entries are nulls */
dc_array *tu_of_type(const dc_type *t, const char *const *texts, int64_t n); /* cast from utf8 */
/* Render element i as TEXT ("null" for nulls), into a static buffer (tests only). */
const char *tu_str(const dc_array *a, int64_t i);
/* Render a whole array as "[a, b, null]". Caller frees with dc_free. */
char *tu_render(const dc_array *a);
/* Assert an array renders as `expected` ("[1, null, 3]"). */
#define TU_ASSERT_ARRAY(a, expected)                                                               \
    do {                                                                                           \
        char *r_ = tu_render(a);                                                                   \
        assert_string_equal(r_, expected);                                                         \
        dc_free(r_);                                                                               \
    } while (0)
/*
 * A test store on the memory (backend 0, a fresh named store), the local (backend 1, a
 * fresh temporary directory, fsync off) or the S3 backend (backend 2: a fresh bucket,
 * named like the memory store, of a moto server this process starts at its first S3
 * store and stops at exit; the store's root is "s3://NAME/catalog", outputs use 64 KiB
 * parts). Without moto_server the S3 variants fail, saying why. Every handle of one
 * tu_backend sees the same store (as separate processes would).
 */
struct dc_fs;
typedef struct tu_backend {
    int backend;
    char name[64];
    char *dir;
} tu_backend;
enum { TU_MEMORY = 0, TU_LOCAL = 1, TU_S3 = 2 };
void tu_backend_init(tu_backend *v, int backend, const char *prefix);
struct dc_fs *tu_backend_fs(tu_backend *v); /* a new handle; fails the test on error */
void tu_backend_done(tu_backend *v);        /* drops the store / removes the directory */
/* The store's URL for dc_fs_open ("mem://NAME", a directory, "s3://NAME/catalog"); for S3
 * the AWS_* environment points at the moto server (so child processes reach it too). */
const char *tu_backend_url(tu_backend *v, char *buf, size_t cap);
/* The moto server's endpoint ("http://127.0.0.1:PORT"), starting it if needed. */
const char *tu_moto_endpoint(void);

/* A schema as "name: type, name: type"; caller frees with dc_free. */
char *tu_schema_text(const dc_schema *s);

/* One batch written as a Parquet file in memory with `o`; the bytes (caller frees). */
uint8_t *tu_parquet_bytes(const dc_batch *b, const dc_parquet_write_options *o, int64_t *len);
/* Write every batch of `r` (consumed) as a Parquet file at `path` of `fs`; its size. */
int64_t tu_put_parquet(struct dc_fs *fs, const char *path, dc_reader *r);

/* A fresh empty temporary directory (removed by tu_rmdir). Caller frees with dc_free. */
char *tu_tmpdir(void);
void tu_rmdir(const char *path);

#endif
