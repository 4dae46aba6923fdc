/* test_core.c: errors, memory, strings, bitmaps, arena, hashing, JSON, logging. */
#include "testutil.h"

#include "core/json_int.h"

#include <stdio.h>

static void error_set_formats_and_keeps_code(void **state)
{
    dc_error e;
    dc_error_clear(&e);
    assert_int_equal(e.offset, -1);
    assert_int_equal(dc_error_set(&e, DC_EINVALID, "bad %s at %d", "thing", 7), DC_EINVALID);
    assert_int_equal(e.code, DC_EINVALID);
    assert_string_equal(e.message, "bad thing at 7");
    assert_int_equal(dc_error_set(NULL, DC_EIO, "ignored"), DC_EIO); /* NULL is allowed */
}

static void error_at_prefixes_path_and_line_once(void **state)
{
    dc_error e;
    dc_error_set(&e, DC_ECORRUPT, "unterminated quote");
    dc_error_at(&e, "data.csv", "name", 120, 4);
    assert_string_equal(e.message, "data.csv:4: unterminated quote");
    assert_string_equal(e.path, "data.csv");
    assert_string_equal(e.column, "name");
    assert_int_equal(e.offset, 120);
    assert_int_equal(e.line, 4);
    dc_error_at(&e, "data.csv", NULL, -1, -1); /* already named: unchanged */
    assert_string_equal(e.message, "data.csv:4: unterminated quote");
    dc_error_prefix(&e, "reading %s: ", "users");
    assert_string_equal(e.message, "reading users: data.csv:4: unterminated quote");
}

static void error_message_is_truncated_not_overflowed(void **state)
{
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    dc_error e;
    dc_error_set(&e, DC_EINVALID, "%s", big);
    assert_int_equal(strlen(e.message), DC_ERROR_MSG_MAX - 1);
}

static void status_names_cover_every_code(void **state)
{
    for (int c = DC_EINTERNAL; c <= 0; c++) {
        assert_string_not_equal(dc_status_name(c), "EUNKNOWN");
        assert_string_not_equal(dc_status_str(c), "unknown error");
    }
    assert_string_equal(dc_status_name(-999), "EUNKNOWN");
}

static void aligned_allocations_are_64_byte_aligned(void **state)
{
    for (size_t n = 0; n < 300; n += 37) {
        void *p = dc_malloc_aligned(n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 64, 0);
        dc_free_aligned(p);
    }
    dc_buffer *b = dc_buffer_new(10, false);
    assert_int_equal((uintptr_t)b->data % 64, 0);
    for (int i = 10; i < 64; i++) /* padding is defined */
        assert_int_equal(b->data[i], 0);
    dc_buffer_unref(b);
}

static void alloc_fault_injection_fails_after_n(void **state)
{
    dc_alloc_fail_after(2);
    void *a = dc_malloc(8), *b = dc_malloc(8), *c = dc_malloc(8);
    dc_alloc_fail_after(-1);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    void *d = dc_malloc(8);
    assert_non_null(d);
    dc_free(a);
    dc_free(b);
    dc_free(d);
}

static int g_released;
static void count_release(void *p) { g_released += *(int *)p; }

static void buffers_are_refcounted_and_wrap_foreign_memory(void **state)
{
    int one = 1;
    static const char text[] = "hello";
    g_released = 0;
    dc_buffer *b = dc_buffer_wrap(text, 5, count_release, &one);
    assert_ptr_equal(dc_buffer_ref(b), b);
    dc_buffer_unref(b);
    assert_int_equal(g_released, 0);
    dc_buffer_unref(b);
    assert_int_equal(g_released, 1);
    dc_buffer_unref(NULL);
}

static void bytes_grow_and_finish_without_copy(void **state)
{
    dc_bytes b;
    dc_bytes_init(&b);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(dc_bytes_push(&b, &i, sizeof i), DC_OK);
    assert_int_equal(b.size, 4000);
    uint8_t *data = b.data;
    dc_buffer *buf = dc_bytes_finish(&b);
    assert_ptr_equal(buf->data, data);
    assert_int_equal(buf->size, 4000);
    assert_null(b.data);
    int v;
    memcpy(&v, buf->data + 4 * 999, 4);
    assert_int_equal(v, 999);
    dc_buffer_unref(buf);
    /* the padding to the next 64 bytes is zeroed, even over bytes written before */
    uint8_t ff[200];
    memset(ff, 0xff, sizeof ff);
    assert_int_equal(dc_bytes_append(&b, ff, sizeof ff), DC_OK);
    assert_int_equal(dc_bytes_resize(&b, 3), DC_OK);
    buf = dc_bytes_finish(&b);
    assert_int_equal(buf->size, 3);
    assert_true(buf->capacity >= 64 && buf->capacity % 64 == 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(buf->data[i], i < 3 ? 0xff : 0);
    dc_buffer_unref(buf);
    dc_bytes_init(&b);
    assert_int_equal(dc_bytes_reserve(&b, INT64_MAX), DC_ENOMEM); /* absurd sizes fail cleanly */
    assert_int_equal(dc_bytes_reserve(&b, -1), DC_ENOMEM);
    dc_bytes_free(&b);
}

static void bitmaps_count_and_copy_at_any_offset(void **state)
{
    uint8_t bits[32] = {0}, dst[32] = {0};
    for (int i = 0; i < 256; i++)
        if (i % 3 == 0)
            dc_bit_set(bits, i);
    assert_int_equal(dc_bitmap_count(bits, 0, 256), 86);
    assert_int_equal(dc_bitmap_count(bits, 1, 2), 0);
    assert_int_equal(dc_bitmap_count(bits, 3, 0), 0);
    assert_int_equal(dc_bitmap_count(bits, 5, 200), 67);
    dc_bitmap_copy(dst, 3, bits, 7, 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(dc_bit_get(dst, 3 + i), dc_bit_get(bits, 7 + i));
    memset(dst, 0, sizeof dst);
    dc_bitmap_copy(dst, 8, bits, 16, 77); /* byte-aligned path with a tail */
    for (int i = 0; i < 77; i++)
        assert_int_equal(dc_bit_get(dst, 8 + i), dc_bit_get(bits, 16 + i));
    assert_int_equal(dc_bit_get(dst, 8 + 77), 0);
}

static void arena_allocates_aligned_and_resets(void **state)
{
    dc_arena a;
    dc_arena_init(&a, 128);
    for (int i = 0; i < 100; i++) {
        char *p = dc_arena_alloc(&a, i + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 'a', (size_t)i + 1);
    }
    char *big = dc_arena_alloc(&a, 10000); /* larger than a block */
    assert_non_null(big);
    char *s = dc_arena_strndup(&a, "hello world", 5);
    assert_string_equal(s, "hello");
    dc_arena_reset(&a);
    assert_int_equal(a.total, 0);
    assert_non_null(dc_arena_alloc(&a, 8));
    dc_arena_free(&a);
}

static void strbuf_builds_and_escapes_json(void **state)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    assert_string_equal(dc_strbuf_cstr(&s), "");
    dc_strbuf_puts(&s, "a");
    dc_strbuf_printf(&s, "%d-%s", 42, "x");
    dc_strbuf_putc(&s, '|');
    dc_strbuf_json_escape(&s, "q\"\\\n\t\x01", 6);
    assert_string_equal(dc_strbuf_cstr(&s), "a42-x|q\\\"\\\\\\n\\t\\u0001");
    char long_text[1000];
    memset(long_text, 'z', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = 0;
    dc_strbuf_clear(&s);
    dc_strbuf_printf(&s, "%s", long_text); /* longer than the stack buffer of printf */
    assert_int_equal(s.len, 999);
    char *d = dc_strbuf_detach(&s);
    assert_int_equal(strlen(d), 999);
    dc_free(d);
    dc_strbuf_free(&s);
}

static void strbuf_allocation_failure_is_sticky(void **state)
{
    dc_strbuf s;
    dc_strbuf_init(&s);
    dc_alloc_fail_after(0);
    dc_strbuf_puts(&s, "hello");
    dc_alloc_fail_after(-1);
    dc_strbuf_puts(&s, "world");
    assert_int_equal(dc_strbuf_status(&s), DC_ENOMEM);
    assert_int_equal(s.len, 0);
    dc_strbuf_free(&s);
}

static void utf8_validation_rejects_malformed(void **state)
{
    assert_true(dc_utf8_valid("plain ascii text, long enough for words", 39));
    assert_true(dc_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
    assert_false(dc_utf8_valid("\xc3", 1));             /* truncated */
    assert_false(dc_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(dc_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(dc_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(dc_utf8_valid("\xff", 1));
    assert_true(dc_utf8_valid("", 0));
    /* one bad byte anywhere in long ASCII (the 32- and 8-byte fast paths, the tail) */
    char buf[100];
    for (int pos = 0; pos < 100; pos++) {
        memset(buf, 'a', sizeof buf);
        assert_true(dc_utf8_valid(buf, 100));
        buf[pos] = (char)0xff;
        assert_false(dc_utf8_valid(buf, 100));
        buf[pos] = (char)0xc3; /* a lead byte cut off by the next ASCII byte */
        assert_false(dc_utf8_valid(buf, 100));
        if (pos < 99) {
            buf[pos + 1] = (char)0xa9; /* now a valid two-byte character */
            assert_true(dc_utf8_valid(buf, 100));
        }
    }
    assert_int_equal(dc_utf8_length("caf\xc3\xa9", 5), 4);
    assert_true(dc_str_ieq("TRUE", 4, "true"));
    assert_false(dc_str_ieq("TRUEX", 5, "true"));
    assert_true(dc_str_has_suffix("a.csv", ".csv"));
    assert_false(dc_str_has_suffix("csv", ".csv"));
}

static void hashes_are_stable_and_seeded(void **state)
{
    uint64_t a = dc_hash_bytes("abc", 3, 0), b = dc_hash_bytes("abc", 3, 0);
    assert_true(a == b);
    assert_true(dc_hash_bytes("abc", 3, 1) != a);
    assert_true(dc_hash_bytes("abd", 3, 0) != a);
    assert_true(dc_hash_u64(1, 0) != dc_hash_u64(2, 0));
    assert_true(dc_hash_combine(a, 1) != dc_hash_combine(a, 2));
}

static void json_parse_reports_line_and_column(void **state)
{
    json_t *j = NULL;
    dc_error e;
    const char *good = "{\"a\": [1, 2], \"b\": \"x\", \"c\": true}";
    assert_int_equal(dc_json_parse(&j, good, strlen(good), "cfg", &e), DC_OK);
    const char *s;
    int64_t n;
    bool flag;
    assert_int_equal(dc_json_get_string(j, "b", &s, &e), DC_OK);
    assert_string_equal(s, "x");
    assert_int_equal(dc_json_get_bool(j, "c", &flag, &e), DC_OK);
    assert_true(flag);
    assert_int_equal(dc_json_get_int(j, "b", &n, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "\"b\""));
    assert_int_equal(dc_json_get_int(j, "zz", &n, &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "missing"));
    dc_strbuf sb;
    dc_strbuf_init(&sb);
    assert_int_equal(dc_json_dump(&sb, j), DC_OK);
    assert_string_equal(dc_strbuf_cstr(&sb), "{\"a\":[1,2],\"b\":\"x\",\"c\":true}");
    dc_strbuf_free(&sb);
    json_decref(j);
    const char *bad = "{\"a\": 1,\n \"a\": 2}";
    assert_int_equal(dc_json_parse(&j, bad, strlen(bad), "cfg", &e), DC_EINVALID);
    assert_null(j);
    assert_int_equal(e.line, 2);
    assert_non_null(strstr(e.message, "cfg"));
}

static int g_logged;
static char g_last[256];
static void on_log(dc_log_level level, const char *msg, void *user)
{
    g_logged++;
    snprintf(g_last, sizeof g_last, "%d:%s:%s", (int)level, msg, (const char *)user);
}

static void logging_goes_only_to_the_callback(void **state)
{
    g_logged = 0;
    dc_log(DC_LOG_ERROR, "before install"); /* dropped: no callback */
    assert_int_equal(g_logged, 0);
    dc_log_set_callback(on_log, "u", DC_LOG_INFO);
    dc_log(DC_LOG_DEBUG, "too verbose");
    dc_log(DC_LOG_WARN, "careful %d", 3);
    assert_int_equal(g_logged, 1);
    assert_string_equal(g_last, "3:careful 3:u");
    assert_true(dc_log_enabled(DC_LOG_INFO));
    assert_false(dc_log_enabled(DC_LOG_DEBUG));
    dc_log_set_callback(NULL, NULL, DC_LOG_TRACE);
    dc_log(DC_LOG_ERROR, "after removal");
    assert_int_equal(g_logged, 1);
}

static void clocks_move_forward(void **state)
{
    int64_t a = dc_clock_mono_ns(), b = dc_clock_mono_ns();
    assert_true(b >= a);
    assert_true(dc_clock_now_ns() > 1600000000LL * 1000000000LL);
    assert_non_null(strchr(dc_version(), '.'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_set_formats_and_keeps_code),
        cmocka_unit_test(error_at_prefixes_path_and_line_once),
        cmocka_unit_test(error_message_is_truncated_not_overflowed),
        cmocka_unit_test(status_names_cover_every_code),
        cmocka_unit_test(aligned_allocations_are_64_byte_aligned),
        cmocka_unit_test(alloc_fault_injection_fails_after_n),
        cmocka_unit_test(buffers_are_refcounted_and_wrap_foreign_memory),
        cmocka_unit_test(bytes_grow_and_finish_without_copy),
        cmocka_unit_test(bitmaps_count_and_copy_at_any_offset),
        cmocka_unit_test(arena_allocates_aligned_and_resets),
        cmocka_unit_test(strbuf_builds_and_escapes_json),
        cmocka_unit_test(strbuf_allocation_failure_is_sticky),
        cmocka_unit_test(utf8_validation_rejects_malformed),
        cmocka_unit_test(hashes_are_stable_and_seeded),
        cmocka_unit_test(json_parse_reports_line_and_column),
        cmocka_unit_test(logging_goes_only_to_the_callback),
        cmocka_unit_test(clocks_move_forward),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
