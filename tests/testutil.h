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
/* A test store on the memory (backend 0, a fresh named store) or the local backend
 * (backend 1, a fresh temporary directory, fsync off). */
struct dc_fs;
typedef struct tu_backend {
    int backend;
    char name[64];
    char *dir;
} tu_backend;
void tu_backend_init(tu_backend *v, int backend, const char *prefix);
struct dc_fs *tu_backend_fs(tu_backend *v); /* a new handle; fails the test on error */
void tu_backend_done(tu_backend *v);        /* drops the store / removes the directory */

/* A schema as "name: type, name: type"; caller frees with dc_free. */
char *tu_schema_text(const dc_schema *s);

/* One batch written as a Parquet file in memory with `o`; the bytes (caller frees). */
uint8_t *tu_parquet_bytes(const dc_batch *b, const dc_parquet_write_options *o, int64_t *len);

/* A fresh empty temporary directory (removed by tu_rmdir). Caller frees with dc_free. */
char *tu_tmpdir(void);
void tu_rmdir(const char *path);

#endif
