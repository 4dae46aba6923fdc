/*
 * deltacat/common.h: status codes, errors, allocation, logging, version.
 *
 * Every fallible function of the library returns a dc_status (DC_OK == 0, the
 * failures are negative) and takes an optional last parameter `dc_error *err`
 * that, when not NULL, receives the code and a message a user can act on.
 * The library keeps no global error state: a dc_error belongs to its caller
 * and may live on the stack. Callers branch on codes, never on message text.
 */
#ifndef DELTACAT_COMMON_H
#define DELTACAT_COMMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define DC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define DC_NODISCARD __attribute__((warn_unused_result))
#else
#define DC_PRINTF(f, a)
#define DC_NODISCARD
#endif

/** Result of every fallible call. 0 is success, failures are negative. */
typedef int dc_status;

enum {
    DC_OK = 0,
    DC_ENOTFOUND = -1,    /**< a named object (file, table, column, key) does not exist */
    DC_EEXISTS = -2,      /**< the object to create already exists */
    DC_ECONFLICT = -3,    /**< a concurrent commit won; retryable */
    DC_EINVALID = -4,     /**< bad input: arguments, options, malformed text */
    DC_ESCHEMA = -5,      /**< data does not fit a schema, or schemas cannot be unified */
    DC_ECORRUPT = -6,     /**< a file's bytes break its format's rules */
    DC_EIO = -7,          /**< the operating system or a remote store failed */
    DC_ENOMEM = -8,       /**< an allocation failed or a declared size is too large */
    DC_EUNSUPPORTED = -9, /**< valid input using a feature not implemented */
    DC_ECANCELED = -10,   /**< the caller asked to stop */
    DC_EINTERNAL = -11,   /**< a bug in the library: please report it */
};

/** A short stable name for a status ("ENOTFOUND"); never NULL. */
const char *dc_status_name(dc_status code);
/** A short English description of a status ("not found"); never NULL. */
const char *dc_status_str(dc_status code);

#define DC_ERROR_MSG_MAX 1024
#define DC_ERROR_PATH_MAX 512
#define DC_ERROR_COLUMN_MAX 128

/**
 * Detail of a failure. Fixed size: filling it never allocates, so it works
 * when memory is exhausted. `path`, `column`, `offset` and `line` say where
 * the problem is, when it applies (empty string or -1 otherwise); the message
 * already mentions them, they are repeated for programs.
 */
typedef struct dc_error {
    dc_status code;
    char message[DC_ERROR_MSG_MAX];
    char path[DC_ERROR_PATH_MAX];     /**< file or object the error is about, or "" */
    char column[DC_ERROR_COLUMN_MAX]; /**< column the error is about, or "" */
    int64_t offset;                   /**< byte offset in `path`, or -1 */
    int64_t line;                     /**< 1-based line (text formats), or -1 */
} dc_error;

/** Reset an error to "no error". NULL is accepted and ignored. */
void dc_error_clear(dc_error *err);

/**
 * Record a failure in `err` (which may be NULL) and return `code`, so that
 * `return dc_error_set(err, DC_EINVALID, "...")` reads naturally. The
 * location fields are left as they were (see dc_error_at()).
 */
dc_status dc_error_set(dc_error *err, dc_status code, const char *fmt, ...) DC_PRINTF(3, 4);
dc_status dc_error_setv(dc_error *err, dc_status code, const char *fmt, va_list ap)
    DC_PRINTF(3, 0);

/**
 * Attach a location to an error already set. Any argument may be NULL / -1.
 * When the message does not yet name the path, it is prefixed with
 * "PATH: " (and ":LINE" when known) so the message alone is actionable.
 */
void dc_error_at(dc_error *err, const char *path, const char *column, int64_t offset,
                 int64_t line);

/** Prefix the message with context ("reading table x: "). */
void dc_error_prefix(dc_error *err, const char *fmt, ...) DC_PRINTF(2, 3);

/* ---- allocation ----------------------------------------------------------- */

/**
 * Every allocation of the library goes through these. Aligned allocations
 * are 64-byte aligned (the Arrow recommendation) and are freed with
 * dc_free_aligned(). Never mix them with another allocator's free.
 */
void *dc_malloc(size_t size);
void *dc_calloc(size_t n, size_t size);
void *dc_realloc(void *ptr, size_t size);
void dc_free(void *ptr);
void *dc_malloc_aligned(size_t size);
void dc_free_aligned(void *ptr);
char *dc_strdup(const char *s);
char *dc_strndup(const char *s, size_t n);

/**
 * Fault injection for tests: after `n` more successful allocations, every
 * allocation fails until it is reset with -1 (the default). Thread-safe.
 */
void dc_alloc_fail_after(int64_t n);

/* ---- logging -------------------------------------------------------------- */

typedef enum dc_log_level {
    DC_LOG_TRACE = 0,
    DC_LOG_DEBUG = 1,
    DC_LOG_INFO = 2,
    DC_LOG_WARN = 3,
    DC_LOG_ERROR = 4,
} dc_log_level;

/** Receives the library's log lines. `msg` is valid only during the call. */
typedef void (*dc_log_fn)(dc_log_level level, const char *msg, void *user);

/**
 * Install the process-wide log callback and the least level it receives.
 * NULL removes it (the default: the library never prints). Thread-safe.
 */
void dc_log_set_callback(dc_log_fn fn, void *user, dc_log_level min_level);

/* ---- clock ---------------------------------------------------------------- */

/** Nanoseconds since the Unix epoch (wall clock, may jump). */
int64_t dc_clock_now_ns(void);
/** Nanoseconds from an arbitrary origin, never decreasing (for durations). */
int64_t dc_clock_mono_ns(void);

/* ---- version -------------------------------------------------------------- */

/** The library's version, "MAJOR.MINOR.PATCH". */
const char *dc_version(void);

#ifdef __cplusplus
}
#endif
#endif
