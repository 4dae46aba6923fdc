/* str.c: string building, UTF-8 checks, small string helpers. */
#include "core_int.h"

#include <stdio.h>

void dc_strbuf_init(dc_strbuf *s)
{
    s->data = NULL;
    s->len = 0;
    s->cap = 0;
    s->failed = false;
}

void dc_strbuf_free(dc_strbuf *s)
{
    dc_free(s->data);
    dc_strbuf_init(s);
}

void dc_strbuf_clear(dc_strbuf *s)
{
    s->len = 0;
    if (s->data)
        s->data[0] = '\0';
}

dc_status dc_strbuf_status(const dc_strbuf *s) { return s->failed ? DC_ENOMEM : DC_OK; }

static bool grow(dc_strbuf *s, int64_t extra)
{
    if (s->failed)
        return false;
    int64_t need = s->len + extra + 1;
    if (need <= s->cap)
        return true;
    int64_t cap = s->cap ? s->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = dc_realloc(s->data, (size_t)cap);
    if (!p) {
        s->failed = true;
        return false;
    }
    s->data = p;
    s->cap = cap;
    return true;
}

void dc_strbuf_append(dc_strbuf *s, const char *str, int64_t n)
{
    if (n < 0 || !grow(s, n))
        return;
    if (n)
        memcpy(s->data + s->len, str, (size_t)n);
    s->len += n;
    s->data[s->len] = '\0';
}

void dc_strbuf_puts(dc_strbuf *s, const char *str) { dc_strbuf_append(s, str, (int64_t)strlen(str)); }

void dc_strbuf_putc(dc_strbuf *s, char c)
{
    if (!grow(s, 1))
        return;
    s->data[s->len++] = c;
    s->data[s->len] = '\0';
}

void dc_strbuf_printf(dc_strbuf *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        dc_strbuf_append(s, small, n);
        return;
    }
    if (!grow(s, n))
        return;
    va_start(ap, fmt);
    vsnprintf(s->data + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->len += n;
}

void dc_strbuf_json_escape(dc_strbuf *s, const char *str, int64_t n)
{
    static const char hex[] = "0123456789abcdef";
    int64_t start = 0;
    for (int64_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)str[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        dc_strbuf_append(s, str + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': dc_strbuf_append(s, "\\\"", 2); break;
        case '\\': dc_strbuf_append(s, "\\\\", 2); break;
        case '\n': dc_strbuf_append(s, "\\n", 2); break;
        case '\r': dc_strbuf_append(s, "\\r", 2); break;
        case '\t': dc_strbuf_append(s, "\\t", 2); break;
        case '\b': dc_strbuf_append(s, "\\b", 2); break;
        case '\f': dc_strbuf_append(s, "\\f", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            dc_strbuf_append(s, u, 6);
        }
        }
    }
    dc_strbuf_append(s, str + start, n - start);
}

char *dc_strbuf_detach(dc_strbuf *s)
{
    char *p = s->data;
    if (!p && !s->failed)
        p = dc_strdup("");
    dc_strbuf_init(s);
    return p;
}

const char *dc_strbuf_cstr(const dc_strbuf *s) { return s->data ? s->data : ""; }

bool dc_utf8_valid(const char *str, int64_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    int64_t i = 0;
    while (i < n) {
        /* Fast path: ASCII, 32 then 8 bytes at a time. */
        while (i + 32 <= n) {
            uint64_t w[4];
            memcpy(w, s + i, 32);
            if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL)
                break;
            i += 32;
        }
        if (i == n)
            break;
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (!(w & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int len;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (int k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

int64_t dc_utf8_length(const char *s, int64_t n)
{
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

bool dc_str_ieq(const char *s, int64_t n, const char *lit)
{
    int64_t m = (int64_t)strlen(lit);
    if (m != n)
        return false;
    for (int64_t i = 0; i < n; i++) {
        char a = s[i], b = lit[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

bool dc_str_has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return m <= n && memcmp(s + n - m, suffix, m) == 0;
}
