/*
 * core_int.h: the library-internal core: error helpers, refcounted buffers,
 * growable byte buffers, an arena, string building, hashing, JSON helpers,
 * logging. Every layer includes it; it includes nothing of ours but the
 * public common.h.
 */
#ifndef DC_CORE_INT_H
#define DC_CORE_INT_H

#include <deltacat/common.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define DC_ALIGNMENT 64
#define DC_PADDING 64

#define DC_LIKELY(x) __builtin_expect(!!(x), 1)
#define DC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define DC_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DC_MAX(a, b) ((a) > (b) ? (a) : (b))
#define DC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Evaluate a dc_status expression; on failure jump to `cleanup` with `rc` set. */
#define DC_TRY(expr)                                                                               \
    do {                                                                                           \
        rc = (expr);                                                                               \
        if (DC_UNLIKELY(rc != DC_OK))                                                              \
            goto cleanup;                                                                          \
    } while (0)

/* Fail with DC_ENOMEM (and a message) when `ptr` is NULL. */
#define DC_TRY_ALLOC(ptr, err)                                                                     \
    do {                                                                                           \
        if (DC_UNLIKELY((ptr) == NULL)) {                                                          \
            rc = dc_error_set((err), DC_ENOMEM, "out of memory (%s:%d)", __FILE__, __LINE__);      \
            goto cleanup;                                                                          \
        }                                                                                          \
    } while (0)

/* An invariant of our own code (never outside input). */
#define DC_ASSERT(cond) ((void)((cond) || (dc__assert_fail(#cond, __FILE__, __LINE__), 0)))
_Noreturn void dc__assert_fail(const char *cond, const char *file, int line);

/* Overflow-checked size arithmetic: return false on overflow. */
static inline bool dc_add_overflows(int64_t a, int64_t b, int64_t *out)
{
    return __builtin_add_overflow(a, b, out);
}
static inline bool dc_mul_overflows(int64_t a, int64_t b, int64_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}
static inline int64_t dc_round_up64(int64_t n) { return (n + 63) & ~(int64_t)63; }

dc_status dc_error_nomem(dc_error *err);

/* ---- refcounted immutable buffers (Arrow buffers) -------------------------- */

/*
 * A buffer of bytes shared by arrays. Refcounted (atomically: arrays cross
 * threads). Memory we allocate is 64-byte aligned and padded to a multiple
 * of 64 bytes. A buffer may also wrap foreign memory (an imported ArrowArray):
 * then `release_foreign` is called with `foreign` when the last reference
 * goes, and the memory is never written.
 */
typedef struct dc_buffer {
    atomic_int_fast64_t refs;
    uint8_t *data;
    int64_t size;     /* bytes in use */
    int64_t capacity; /* bytes allocated (ours), 0 for foreign */
    void (*release_foreign)(void *foreign);
    void *foreign;
} dc_buffer;

/* A new buffer of `size` bytes (zeroed when `zero`), refcount 1. */
dc_buffer *dc_buffer_new(int64_t size, bool zero);
/* Wrap foreign memory; `release` is called with `foreign` when freed. */
dc_buffer *dc_buffer_wrap(const void *data, int64_t size, void (*release)(void *), void *foreign);
dc_buffer *dc_buffer_ref(dc_buffer *b); /* NULL-safe */
void dc_buffer_unref(dc_buffer *b);     /* NULL-safe */

/* ---- growable byte buffers (for building) --------------------------------- */

/*
 * A growable, 64-byte aligned byte vector. Not shared, not refcounted.
 * dc_bytes_finish() hands its memory to a new dc_buffer without copying.
 */
typedef struct dc_bytes {
    uint8_t *data;
    int64_t size;
    int64_t capacity;
} dc_bytes;

void dc_bytes_init(dc_bytes *b);
void dc_bytes_free(dc_bytes *b);
dc_status dc_bytes_reserve(dc_bytes *b, int64_t additional); /* DC_ENOMEM */
dc_status dc_bytes_append(dc_bytes *b, const void *data, int64_t n);
dc_status dc_bytes_append_zeros(dc_bytes *b, int64_t n);
dc_status dc_bytes_resize(dc_bytes *b, int64_t size); /* grows with zeros */
/* Move the bytes into a new buffer (refcount 1); `b` is left empty. NULL on ENOMEM. */
dc_buffer *dc_bytes_finish(dc_bytes *b);

static inline dc_status dc_bytes_push(dc_bytes *b, const void *data, int64_t n)
{
    if (DC_LIKELY(b->size + n <= b->capacity && n > 0)) { /* n == 0: data may be NULL */
        memcpy(b->data + b->size, data, (size_t)n);
        b->size += n;
        return DC_OK;
    }
    return dc_bytes_append(b, data, n);
}

/* ---- bitmaps (LSB order, as Arrow) ----------------------------------------- */

static inline bool dc_bit_get(const uint8_t *bits, int64_t i)
{
    return (bits[i >> 3] >> (i & 7)) & 1;
}
static inline void dc_bit_set(uint8_t *bits, int64_t i) { bits[i >> 3] |= (uint8_t)(1u << (i & 7)); }
static inline void dc_bit_clear(uint8_t *bits, int64_t i)
{
    bits[i >> 3] &= (uint8_t)~(1u << (i & 7));
}
static inline void dc_bit_put(uint8_t *bits, int64_t i, bool v)
{
    if (v)
        dc_bit_set(bits, i);
    else
        dc_bit_clear(bits, i);
}
/* Number of set bits in [offset, offset+length). */
int64_t dc_bitmap_count(const uint8_t *bits, int64_t offset, int64_t length);
/* Copy `length` bits from src[src_off..] to dst[dst_off..]. */
void dc_bitmap_copy(uint8_t *dst, int64_t dst_off, const uint8_t *src, int64_t src_off,
                    int64_t length);

/* ---- arena ----------------------------------------------------------------- */

/*
 * A bump allocator for many small allocations freed together (parsing,
 * planning). Allocations are 16-byte aligned. dc_arena_reset() keeps the
 * first block for reuse.
 */
typedef struct dc_arena_block dc_arena_block;
typedef struct dc_arena {
    dc_arena_block *head;
    int64_t block_size;
    int64_t total; /* bytes handed out */
} dc_arena;

void dc_arena_init(dc_arena *a, int64_t block_size);
void *dc_arena_alloc(dc_arena *a, int64_t size); /* NULL on ENOMEM */
char *dc_arena_strndup(dc_arena *a, const char *s, int64_t n);
void dc_arena_reset(dc_arena *a);
void dc_arena_free(dc_arena *a);

/* ---- strings ---------------------------------------------------------------- */

/*
 * A growable NUL-terminated string. After an allocation failure the builder
 * is "failed": further appends do nothing and dc_strbuf_status() is
 * DC_ENOMEM, so call sites can append freely and check once.
 */
typedef struct dc_strbuf {
    char *data; /* always NUL-terminated when non-NULL */
    int64_t len;
    int64_t cap;
    bool failed;
} dc_strbuf;

void dc_strbuf_init(dc_strbuf *s);
void dc_strbuf_free(dc_strbuf *s);
void dc_strbuf_clear(dc_strbuf *s);
dc_status dc_strbuf_status(const dc_strbuf *s);
void dc_strbuf_append(dc_strbuf *s, const char *str, int64_t n);
void dc_strbuf_puts(dc_strbuf *s, const char *str);
void dc_strbuf_putc(dc_strbuf *s, char c);
void dc_strbuf_printf(dc_strbuf *s, const char *fmt, ...) DC_PRINTF(2, 3);
/* Append `n` bytes as the inside of a JSON string (no quotes added). */
void dc_strbuf_json_escape(dc_strbuf *s, const char *str, int64_t n);
/* Detach the string (caller frees with dc_free); builder left empty. */
char *dc_strbuf_detach(dc_strbuf *s);
const char *dc_strbuf_cstr(const dc_strbuf *s); /* "" when empty */

/* True when `s[0..n)` is valid UTF-8. */
bool dc_utf8_valid(const char *s, int64_t n);
/* Number of code points (valid UTF-8 assumed); for display width. */
int64_t dc_utf8_length(const char *s, int64_t n);
/* Case-insensitive ASCII comparison of a counted string with a C string. */
bool dc_str_ieq(const char *s, int64_t n, const char *lit);
bool dc_str_has_suffix(const char *s, const char *suffix);

/* ---- hashing (xxHash XXH3) --------------------------------------------------- */

uint64_t dc_hash_bytes(const void *data, size_t n, uint64_t seed);
uint64_t dc_hash_u64(uint64_t v, uint64_t seed);
/* Combine two hashes (order-dependent). */
static inline uint64_t dc_hash_combine(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

/* ---- logging ------------------------------------------------------------------ */

void dc_log(dc_log_level level, const char *fmt, ...) DC_PRINTF(2, 3);
bool dc_log_enabled(dc_log_level level);

#endif
