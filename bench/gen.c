/*
 * gen.c: dc-bench-gen, the deterministic generator of the benchmarks' "mixed
 * schema" data, in CSV, TSV or JSON Lines.
 *
 *   dc-bench-gen [--rows N] [--seed S] [--format csv|tsv|jsonl] [-o FILE]
 *
 * The same seed and row count give byte-identical output (our own PRNG,
 * xoshiro256** seeded through splitmix64; no libc randomness, no locale, no
 * clock). The columns:
 *
 *   id        int64   unique, ascending from 1
 *   key       int64   uniform over the whole int64 range
 *   value     double  uniform in (-1e6, 1e6), 4 decimals
 *   score     double  nullable (~10% null), in [0, 100), 3 decimals
 *   category  string  one of 40 words of 3 to 12 characters (low cardinality)
 *   comment   string  40 to 200 characters of words, with commas and "quoted"
 *                     words, so the CSV writer's quoting (doubled quotes) is
 *                     exercised on about half of the rows
 *   ts        timestamp (microseconds) strictly increasing with jitter, written
 *                     ISO-8601 as "2024-03-01 12:34:56.123456" (no zone)
 *   flag      bool    nullable (~5% null), written true/false
 *   blob      binary  4 to 24 random bytes written as lowercase hexadecimal.
 *                     Neither CSV nor JSON has a binary type: DuckDB's
 *                     read_csv and our CSV reader both read this column as a
 *                     string (VARCHAR / utf8), which is what the benchmark
 *                     compares. It is hex (not base64) so it never contains a
 *                     delimiter or a quote.
 *
 * CSV and TSV have a header line; a null is an empty field; fields holding the
 * delimiter or a quote are quoted RFC 4180 style (TSV uses the same rule with
 * a tab). JSON Lines writes a null as null and the blob as its hex string.
 *
 * Output goes through a 4 MiB buffer straight to write(2): 10 million rows of
 * CSV (about 2.3 GB) take about 3.5 s of CPU, plus what the disk needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum gen_format { GEN_CSV, GEN_TSV, GEN_JSONL };

#define OUT_CAP (4u << 20)
#define ROW_MAX 1024 /* no row is longer than this: flush when less room is left */

typedef struct gen_out {
    int fd;
    const char *path;
    char *buf;
    size_t len;
    bool failed;
} gen_out;

typedef struct gen_rng {
    uint64_t s[4];
} gen_rng;

static const char *const CATEGORIES[] = {
    "red",       "green",      "blue",     "amber",    "violet",      "cyan",       "magenta",
    "ochre",     "teal",       "indigo",   "saffron",  "crimson",     "olive",      "navy",
    "maroon",    "coral",      "salmon",   "khaki",    "lavender",    "turquoise",  "beige",
    "ivory",     "charcoal",   "emerald",  "sapphire", "ruby",        "topaz",      "onyx",
    "pearl",     "jade",       "copper",   "bronze",   "silver",      "gold",       "platinum",
    "tangerine", "periwinkle", "chartreuse", "fuchsia", "aquamarine",
};

static const char *const WORDS[] = {
    "the",     "quick",    "brown",     "fox",      "jumps",    "over",     "lazy",
    "dog",     "lakehouse", "table",    "column",   "batch",    "reader",   "writer",
    "parquet", "arrow",    "schema",    "commit",   "snapshot", "delta",    "manifest",
    "catalog", "storage",  "bucket",    "object",   "stream",   "record",   "value",
    "null",    "string",   "integer",   "double",   "timestamp", "boolean", "binary",
    "query",   "filter",   "project",   "join",     "sort",     "merge",    "compact",
    "a",       "of",       "and",       "to",       "in",       "is",       "it",
    "with",    "for",      "on",        "data",     "file",     "row",      "page",
    "encoding", "dictionary", "offset", "length",   "buffer",   "memory",   "disk",
    "network",
};

#define N_CATEGORIES (sizeof(CATEGORIES) / sizeof(CATEGORIES[0]))
#define N_WORDS (sizeof(WORDS) / sizeof(WORDS[0]))

/* splitmix64: expands the seed into xoshiro's state. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void rng_seed(gen_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256**: the next 64 random bits. */
static inline uint64_t rng_next(gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) (Lemire's multiply-shift; the tiny bias is irrelevant here). */
static inline uint64_t rng_below(gen_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* Write everything buffered; on failure report once and remember it. */
static void out_flush(gen_out *o)
{
    size_t done = 0;
    while (!o->failed && done < o->len) {
        ssize_t w = write(o->fd, o->buf + done, o->len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "dc-bench-gen: writing %s failed: %s\n", o->path, strerror(errno));
            o->failed = true;
            break;
        }
        done += (size_t)w;
    }
    o->len = 0;
}

/*
 * The writers below append at a cursor `p` into the output buffer and return the cursor
 * moved past what they wrote (a local pointer, not o->len, so the compiler keeps it in a
 * register). The caller guarantees ROW_MAX bytes of room per row.
 */
static inline char *put_mem(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_lit(char *p, const char *s) { return put_mem(p, s, strlen(s)); }

static inline char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 24;
    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return put_mem(p, tmp + n, (size_t)(24 - n));
}

static inline char *put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(p, (uint64_t)v);
}

/* A fixed-point number: `scaled` / 10^decimals, written with exactly `decimals` digits. */
static char *put_fixed(char *p, int64_t scaled, int decimals)
{
    uint64_t m = 1;
    for (int i = 0; i < decimals; i++)
        m *= 10;
    uint64_t a = scaled < 0 ? (uint64_t)0 - (uint64_t)scaled : (uint64_t)scaled;
    if (scaled < 0)
        *p++ = '-';
    p = put_u64(p, a / m);
    *p++ = '.';
    uint64_t frac = a % m;
    for (int i = decimals - 1; i >= 0; i--) {
        p[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    return p + decimals;
}

static inline void put_2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* Civil date of a day count since 1970-01-01 (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

/* Formats timestamps, remembering the "YYYY-MM-DD " of the last day seen. */
typedef struct ts_cache {
    int64_t day;
    char date[11];
} ts_cache;

/* "YYYY-MM-DD HH:MM:SS.ffffff" of microseconds since the epoch (years 1970..9999). */
static char *put_timestamp(char *p, ts_cache *c, int64_t us)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    int64_t days = secs / 86400, sod = secs % 86400;
    if (days != c->day) {
        int y;
        unsigned m, d;
        civil_from_days(days, &y, &m, &d);
        put_2(c->date, (unsigned)y / 100);
        put_2(c->date + 2, (unsigned)y % 100);
        c->date[4] = '-';
        put_2(c->date + 5, m);
        c->date[7] = '-';
        put_2(c->date + 8, d);
        c->date[10] = ' ';
        c->day = days;
    }
    memcpy(p, c->date, 11);
    put_2(p + 11, (unsigned)(sod / 3600));
    p[13] = ':';
    put_2(p + 14, (unsigned)(sod / 60 % 60));
    p[16] = ':';
    put_2(p + 17, (unsigned)(sod % 60));
    p[19] = '.';
    for (int i = 25; i >= 20; i--) {
        p[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    return p + 26;
}

/* The words, padded to 16 bytes so a word is copied with one fixed-size memcpy. */
typedef struct word {
    char text[16];
    size_t len;
} word;

/* Fill the padded word table from WORDS. */
static void words_init(word *w)
{
    for (size_t i = 0; i < N_WORDS; i++) {
        memset(w[i].text, 0, sizeof w[i].text);
        w[i].len = strlen(WORDS[i]);
        memcpy(w[i].text, WORDS[i], w[i].len);
    }
}

/* The comment column's text into `text` (room for 256 bytes); returns its length and says
 * whether it holds a comma or a quote. */
static size_t make_comment(gen_rng *r, const word *words, char *text, bool *has_comma,
                           bool *has_quote)
{
    size_t target = 40 + (size_t)rng_below(r, 146); /* 40..185, plus at most one word */
    size_t n = 0;
    *has_comma = *has_quote = false;
    while (n < target) {
        if (n)
            text[n++] = ' ';
        const word *w = &words[rng_below(r, N_WORDS)];
        uint64_t deco = rng_below(r, 32);
        if (deco == 0) { /* about one word in 32 is "quoted" */
            text[n++] = '"';
            memcpy(text + n, w->text, 16);
            n += w->len;
            text[n++] = '"';
            *has_quote = true;
        } else {
            memcpy(text + n, w->text, 16);
            n += w->len;
        }
        if (deco >= 28 && n < target) { /* about one word in eight ends with a comma */
            text[n++] = ',';
            *has_comma = true;
        }
    }
    return n;
}

/* Text with every `"` doubled (CSV) or backslash-escaped (JSON), between quotes. */
static char *put_quoted(char *p, const char *s, size_t n, bool json)
{
    *p++ = '"';
    const char *end = s + n;
    while (s < end) {
        const char *q = memchr(s, '"', (size_t)(end - s));
        if (!q) {
            p = put_mem(p, s, (size_t)(end - s));
            break;
        }
        p = put_mem(p, s, (size_t)(q - s));
        *p++ = json ? '\\' : '"';
        *p++ = '"';
        s = q + 1;
    }
    *p++ = '"';
    return p;
}

static const char *const COLUMNS[] = {"id",      "key", "value", "score", "category",
                                      "comment", "ts",  "flag",  "blob"};

/* Write `rows` rows of the mixed schema. Returns 0, or 1 when a write failed. */
static int generate(gen_out *o, enum gen_format fmt, uint64_t rows, uint64_t seed)
{
    static const char HEX[] = "0123456789abcdef";
    gen_rng rng;
    rng_seed(&rng, seed);
    word words[N_WORDS];
    words_init(words);
    ts_cache tsc = {.day = INT64_MIN};
    char delim = fmt == GEN_TSV ? '\t' : ',';
    int64_t ts = INT64_C(1709251200000000); /* 2024-03-01 00:00:00 */
    char comment[256 + 32];
    char blob[64];
    char *p = o->buf;

    if (fmt != GEN_JSONL) {
        for (size_t c = 0; c < sizeof COLUMNS / sizeof COLUMNS[0]; c++) {
            if (c)
                *p++ = delim;
            p = put_lit(p, COLUMNS[c]);
        }
        *p++ = '\n';
    }
    for (uint64_t row = 0; row < rows; row++) {
        if (OUT_CAP - (size_t)(p - o->buf) < ROW_MAX) {
            o->len = (size_t)(p - o->buf);
            out_flush(o);
            if (o->failed)
                return 1;
            p = o->buf;
        }
        /* Draw every value first, in a fixed order, so all formats hold the same data. */
        int64_t key = (int64_t)rng_next(&rng);
        int64_t value = (int64_t)rng_below(&rng, UINT64_C(20000000000)) - INT64_C(10000000000);
        bool score_null = rng_below(&rng, 10) == 0;
        int64_t score = (int64_t)rng_below(&rng, 100000);
        const char *cat = CATEGORIES[rng_below(&rng, N_CATEGORIES)];
        bool has_comma, has_quote;
        size_t comment_len = make_comment(&rng, words, comment, &has_comma, &has_quote);
        ts += 500000 + (int64_t)rng_below(&rng, 1000000); /* 0.5 to 1.5 s apart */
        uint64_t fl = rng_below(&rng, 20);
        size_t blob_len = 4 + (size_t)rng_below(&rng, 21);
        for (size_t i = 0; i < blob_len; i += 8) {
            uint64_t bits = rng_next(&rng);
            for (size_t j = i; j < i + 8; j++, bits >>= 8) {
                blob[2 * j] = HEX[(bits >> 4) & 15];
                blob[2 * j + 1] = HEX[bits & 15];
            }
        }

        if (fmt == GEN_JSONL) {
            p = put_lit(p, "{\"id\":");
            p = put_u64(p, row + 1);
            p = put_lit(p, ",\"key\":");
            p = put_i64(p, key);
            p = put_lit(p, ",\"value\":");
            p = put_fixed(p, value, 4);
            p = put_lit(p, ",\"score\":");
            p = score_null ? put_lit(p, "null") : put_fixed(p, score, 3);
            p = put_lit(p, ",\"category\":\"");
            p = put_lit(p, cat);
            p = put_lit(p, "\",\"comment\":");
            p = put_quoted(p, comment, comment_len, true);
            p = put_lit(p, ",\"ts\":\"");
            p = put_timestamp(p, &tsc, ts);
            p = put_lit(p, "\",\"flag\":");
            p = put_lit(p, fl == 0 ? "null" : (fl & 1) ? "true" : "false");
            p = put_lit(p, ",\"blob\":\"");
            p = put_mem(p, blob, 2 * blob_len);
            p = put_lit(p, "\"}\n");
        } else {
            p = put_u64(p, row + 1);
            *p++ = delim;
            p = put_i64(p, key);
            *p++ = delim;
            p = put_fixed(p, value, 4);
            *p++ = delim;
            if (!score_null)
                p = put_fixed(p, score, 3);
            *p++ = delim;
            p = put_lit(p, cat);
            *p++ = delim;
            if (has_quote || (has_comma && delim == ','))
                p = put_quoted(p, comment, comment_len, false);
            else
                p = put_mem(p, comment, comment_len);
            *p++ = delim;
            p = put_timestamp(p, &tsc, ts);
            *p++ = delim;
            if (fl != 0)
                p = put_lit(p, (fl & 1) ? "true" : "false");
            *p++ = delim;
            p = put_mem(p, blob, 2 * blob_len);
            *p++ = '\n';
        }
    }
    o->len = (size_t)(p - o->buf);
    out_flush(o);
    return o->failed ? 1 : 0;
}

static void usage(FILE *f)
{
    fputs("usage: dc-bench-gen [--rows N] [--seed S] [--format csv|tsv|jsonl] [-o FILE]\n"
          "Writes N rows (default 1000) of the benchmarks' mixed schema, the same bytes for\n"
          "the same seed (default 42), to FILE or standard output.\n",
          f);
}

/* Parse a non-negative decimal integer option, or fail with a message naming it. */
static bool parse_u64(const char *opt, const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (!text || !*text || *text == '-') {
        fprintf(stderr, "dc-bench-gen: %s needs a non-negative integer\n", opt);
        return false;
    }
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end) {
        fprintf(stderr, "dc-bench-gen: %s: '%s' is not a non-negative integer\n", opt, text);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

int main(int argc, char **argv)
{
    uint64_t rows = 1000, seed = 42;
    enum gen_format fmt = GEN_CSV;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--rows")) {
            if (!parse_u64(a, v, &rows))
                return 2;
            i++;
        } else if (!strcmp(a, "--seed")) {
            if (!parse_u64(a, v, &seed))
                return 2;
            i++;
        } else if (!strcmp(a, "--format")) {
            if (v && !strcmp(v, "csv"))
                fmt = GEN_CSV;
            else if (v && !strcmp(v, "tsv"))
                fmt = GEN_TSV;
            else if (v && !strcmp(v, "jsonl"))
                fmt = GEN_JSONL;
            else {
                fprintf(stderr, "dc-bench-gen: --format takes csv, tsv or jsonl, not '%s'\n",
                        v ? v : "");
                return 2;
            }
            i++;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!v) {
                fprintf(stderr, "dc-bench-gen: %s needs a file name\n", a);
                return 2;
            }
            path = v;
            i++;
        } else {
            fprintf(stderr, "dc-bench-gen: unknown argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }

    gen_out o = {.fd = STDOUT_FILENO, .path = "standard output"};
    if (path && strcmp(path, "-") != 0) {
        o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        o.path = path;
        if (o.fd < 0) {
            fprintf(stderr, "dc-bench-gen: cannot create %s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    o.buf = malloc(OUT_CAP);
    if (!o.buf) {
        fprintf(stderr, "dc-bench-gen: out of memory\n");
        return 1;
    }
    int rc = generate(&o, fmt, rows, seed);
    free(o.buf);
    if (o.fd != STDOUT_FILENO && close(o.fd) != 0 && rc == 0) {
        fprintf(stderr, "dc-bench-gen: closing %s failed: %s\n", path, strerror(errno));
        rc = 1;
    }
    return rc;
}
