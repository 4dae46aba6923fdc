/*
 * memory.c: the one allocator of the library, aligned buffers, growable byte
 * vectors, bitmaps and the arena.
 *
 * Fault injection: dc_alloc_fail_after(n) makes every allocation after the
 * next n fail, so tests can walk each allocation of an operation and check
 * that it fails cleanly. The countdown is atomic (no global state without a
 * lock, DESIGN/CONVENTIONS).
 */
#include "core_int.h"

#include <stdlib.h>

static atomic_int_fast64_t g_fail_after = -1;

void dc_alloc_fail_after(int64_t n) { atomic_store(&g_fail_after, n); }

static bool should_fail(void)
{
    int_fast64_t cur = atomic_load_explicit(&g_fail_after, memory_order_relaxed);
    if (DC_LIKELY(cur < 0))
        return false;
    for (;;) {
        if (cur == 0)
            return true;
        if (atomic_compare_exchange_weak(&g_fail_after, &cur, cur - 1))
            return false;
        if (cur < 0)
            return false;
    }
}

void *dc_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *dc_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *dc_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

void dc_free(void *ptr) { free(ptr); }

void *dc_malloc_aligned(size_t size)
{
    if (should_fail())
        return NULL;
    size_t rounded = ((size ? size : 1) + DC_PADDING - 1) & ~(size_t)(DC_PADDING - 1);
    return aligned_alloc(DC_ALIGNMENT, rounded);
}

void dc_free_aligned(void *ptr) { free(ptr); }

char *dc_strdup(const char *s) { return s ? dc_strndup(s, strlen(s)) : NULL; }

char *dc_strndup(const char *s, size_t n)
{
    char *d = dc_malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* ---- refcounted buffers ---- */

dc_buffer *dc_buffer_new(int64_t size, bool zero)
{
    if (size < 0)
        return NULL;
    dc_buffer *b = dc_malloc(sizeof *b);
    if (!b)
        return NULL;
    int64_t cap = dc_round_up64(size ? size : 1);
    b->data = dc_malloc_aligned((size_t)cap);
    if (!b->data) {
        dc_free(b);
        return NULL;
    }
    if (zero)
        memset(b->data, 0, (size_t)cap);
    else if (cap > size)
        memset(b->data + size, 0, (size_t)(cap - size)); /* padding is defined */
    atomic_init(&b->refs, 1);
    b->size = size;
    b->capacity = cap;
    b->release_foreign = NULL;
    b->foreign = NULL;
    return b;
}

dc_buffer *dc_buffer_wrap(const void *data, int64_t size, void (*release)(void *), void *foreign)
{
    dc_buffer *b = dc_malloc(sizeof *b);
    if (!b)
        return NULL;
    atomic_init(&b->refs, 1);
    b->data = (uint8_t *)data;
    b->size = size;
    b->capacity = 0;
    b->release_foreign = release;
    b->foreign = foreign;
    return b;
}

dc_buffer *dc_buffer_ref(dc_buffer *b)
{
    if (b)
        atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void dc_buffer_unref(dc_buffer *b)
{
    if (!b)
        return;
    if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (b->capacity > 0)
        dc_free_aligned(b->data);
    else if (b->release_foreign)
        b->release_foreign(b->foreign);
    dc_free(b);
}

/* ---- growable bytes ---- */

void dc_bytes_init(dc_bytes *b)
{
    b->data = NULL;
    b->size = 0;
    b->capacity = 0;
}

void dc_bytes_free(dc_bytes *b)
{
    dc_free_aligned(b->data);
    dc_bytes_init(b);
}

dc_status dc_bytes_reserve(dc_bytes *b, int64_t additional)
{
    int64_t need;
    if (additional < 0 || dc_add_overflows(b->size, additional, &need) || need > INT64_MAX / 4)
        return DC_ENOMEM;
    if (need <= b->capacity)
        return DC_OK;
    int64_t cap = b->capacity ? b->capacity : 256;
    while (cap < need)
        cap *= 2;
    cap = dc_round_up64(cap);
    uint8_t *p = dc_malloc_aligned((size_t)cap);
    if (!p)
        return DC_ENOMEM;
    if (b->size)
        memcpy(p, b->data, (size_t)b->size);
    dc_free_aligned(b->data);
    b->data = p;
    b->capacity = cap;
    return DC_OK;
}

dc_status dc_bytes_append(dc_bytes *b, const void *data, int64_t n)
{
    if (n <= 0)
        return DC_OK;
    if (dc_bytes_reserve(b, n) != DC_OK)
        return DC_ENOMEM;
    memcpy(b->data + b->size, data, (size_t)n);
    b->size += n;
    return DC_OK;
}

dc_status dc_bytes_append_zeros(dc_bytes *b, int64_t n)
{
    if (n <= 0)
        return DC_OK;
    if (dc_bytes_reserve(b, n) != DC_OK)
        return DC_ENOMEM;
    memset(b->data + b->size, 0, (size_t)n);
    b->size += n;
    return DC_OK;
}

dc_status dc_bytes_resize(dc_bytes *b, int64_t size)
{
    if (size <= b->size) {
        b->size = size < 0 ? 0 : size;
        return DC_OK;
    }
    return dc_bytes_append_zeros(b, size - b->size);
}

dc_buffer *dc_bytes_finish(dc_bytes *b)
{
    dc_buffer *buf = dc_malloc(sizeof *buf);
    if (!buf)
        return NULL;
    if (!b->data) {
        dc_free(buf);
        buf = dc_buffer_new(0, true);
        return buf;
    }
    /* Define the padding so consumers may read whole 64-byte words: up to the next
     * multiple of 64 (the capacity is one), not the whole spare capacity of a buffer
     * reserved large, whose untouched pages would all be faulted in to be zeroed. */
    int64_t pad = dc_round_up64(b->size);
    if (pad > b->size)
        memset(b->data + b->size, 0, (size_t)(pad - b->size));
    atomic_init(&buf->refs, 1);
    buf->data = b->data;
    buf->size = b->size;
    buf->capacity = b->capacity;
    buf->release_foreign = NULL;
    buf->foreign = NULL;
    dc_bytes_init(b);
    return buf;
}

/* ---- bitmaps ---- */

int64_t dc_bitmap_count(const uint8_t *bits, int64_t offset, int64_t length)
{
    int64_t count = 0, i = offset, end = offset + length;
    while (i < end && (i & 7)) {
        count += dc_bit_get(bits, i);
        i++;
    }
    while (i + 64 <= end) {
        uint64_t w;
        memcpy(&w, bits + (i >> 3), 8);
        count += __builtin_popcountll(w);
        i += 64;
    }
    while (i + 8 <= end) {
        count += __builtin_popcount(bits[i >> 3]);
        i += 8;
    }
    while (i < end) {
        count += dc_bit_get(bits, i);
        i++;
    }
    return count;
}

void dc_bitmap_copy(uint8_t *dst, int64_t dst_off, const uint8_t *src, int64_t src_off,
                    int64_t length)
{
    if (((dst_off | src_off) & 7) == 0) {
        int64_t whole = length >> 3;
        memcpy(dst + (dst_off >> 3), src + (src_off >> 3), (size_t)whole);
        for (int64_t i = whole << 3; i < length; i++)
            dc_bit_put(dst, dst_off + i, dc_bit_get(src, src_off + i));
        return;
    }
    for (int64_t i = 0; i < length; i++)
        dc_bit_put(dst, dst_off + i, dc_bit_get(src, src_off + i));
}

/* ---- arena ---- */

struct dc_arena_block {
    dc_arena_block *next;
    int64_t used;
    int64_t cap;
    _Alignas(16) uint8_t data[];
};

void dc_arena_init(dc_arena *a, int64_t block_size)
{
    a->head = NULL;
    a->block_size = block_size > 0 ? block_size : 64 * 1024;
    a->total = 0;
}

void *dc_arena_alloc(dc_arena *a, int64_t size)
{
    if (size < 0)
        return NULL;
    size = (size + 15) & ~(int64_t)15;
    dc_arena_block *blk = a->head;
    if (!blk || blk->used + size > blk->cap) {
        int64_t cap = DC_MAX(a->block_size, size);
        blk = dc_malloc(sizeof *blk + (size_t)cap);
        if (!blk)
            return NULL;
        blk->cap = cap;
        blk->used = 0;
        blk->next = a->head;
        a->head = blk;
    }
    void *p = blk->data + blk->used;
    blk->used += size;
    a->total += size;
    return p;
}

char *dc_arena_strndup(dc_arena *a, const char *s, int64_t n)
{
    char *d = dc_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, (size_t)n);
    d[n] = '\0';
    return d;
}

void dc_arena_reset(dc_arena *a)
{
    dc_arena_block *blk = a->head;
    if (!blk)
        return;
    /* Keep the last block allocated (the oldest, usually the size of block_size). */
    while (blk->next) {
        dc_arena_block *next = blk->next;
        dc_free(blk);
        blk = next;
    }
    blk->used = 0;
    a->head = blk;
    a->total = 0;
}

void dc_arena_free(dc_arena *a)
{
    dc_arena_block *blk = a->head;
    while (blk) {
        dc_arena_block *next = blk->next;
        dc_free(blk);
        blk = next;
    }
    a->head = NULL;
    a->total = 0;
}
