/*
 * test_s3_read.c: reads from S3 fetch only what they need (a moto server started here).
 *
 * An 8-column Parquet file of about 5 MB (4 row groups of 8 uncompressed int64 chunks
 * of 160 KB) lives on S3. A projected read fetches the footer (one tail read) and the
 * projected chunks only: the bytes the server sent are counted (dc_s3__counters) and
 * compared with the object's size and with the chunks' sizes. Adjacent chunks are
 * coalesced into one request; disabling the prefetch changes the requests, not the
 * rows; an object replaced after the footer was read fails with a message saying so.
 * The input's prefetch itself (merging, budget, parts in parallel, release after the
 * read, kept buffers) is checked on a plain object, and inputs named by URL
 * (s3://, mem://, file://) through dc_input_open_file.
 *
 * The inputs are the backend's own (fs->vt->open_input): dc_fs_open_input wraps them for
 * statistics and faults, and that wrapper does not pass the prefetch hint on yet.
 *
 * Without moto_server the test FAILS and says to run scripts/bootstrap.sh.
 */
#include "testutil.h"

#include "formats/parquet/parquet_int.h"
#include "fs/s3_int.h"
#include "s3_moto.h"

#include <time.h>

#define BUCKET  "dc-read"
#define ROWS    80000
#define RG_ROWS 20000
#define COLS    8

static mt_server g_moto;
static dc_fs *g_fs;     /* s3://dc-read/t */
static uint8_t *g_file; /* the Parquet file's bytes */
static int64_t g_len;
static char g_endpoint[64];

static int64_t value(int64_t row, int col)
{
    return (int64_t)(dc_hash_u64((uint64_t)row, (uint64_t)col + 1) >> 1);
}

static dc_s3_counters counters(void)
{
    dc_s3_counters c;
    dc_s3__counters(g_fs->impl, &c);
    return c;
}

static dc_s3_tunables *tunables(void)
{
    return dc_s3__tunables_edit(g_fs->impl);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The backend's own input over `key` (see the note at the top). */
static dc_input *open_raw(const char *key)
{
    dc_input *in = NULL;
    dc_error e;
    if (g_fs->vt->open_input(g_fs, key, &in, &e) != DC_OK)
        fail_msg("open %s: %s", key, e.message);
    return in;
}

/* Read columns `cols` of the Parquet file over `in` (taken over) and check every value;
 * the status, with *rows the rows read. */
static dc_status read_cols(dc_input *in, const char *const *cols, int n, int64_t *rows, dc_error *e)
{
    dc_pq_file *f = NULL;
    dc_reader *r = NULL;
    *rows = 0;
    dc_status rc = dc_pq_file_open(&f, in, e);
    if (rc != DC_OK)
        return rc;
    dc_pq_read_options o = {.columns = cols, .n_columns = n, .threads = 2};
    rc = dc_pq_reader_open(&r, f, &o, e);
    while (rc == DC_OK) {
        dc_batch *b = NULL;
        rc = dc_reader_next(r, &b, e);
        if (rc != DC_OK || !b)
            break;
        for (int k = 0; k < n; k++) {
            int col = cols[k][1] - '0';
            for (int64_t i = 0; i < b->length; i++)
                if (dc_array_get_int(b->columns[k], i) != value(*rows + i, col))
                    fail_msg("column %s, row %lld: %lld, not %lld", cols[k], (long long)(*rows + i),
                             (long long)dc_array_get_int(b->columns[k], i),
                             (long long)value(*rows + i, col));
        }
        *rows += b->length;
        dc_batch_unref(b);
    }
    dc_reader_free(r);
    return rc;
}

/* The bytes of the chunks of `cols` over every row group. */
static int64_t chunk_bytes(const char *const *cols, int n, int *chunks)
{
    dc_input *in;
    dc_pq_file *f;
    DC_ASSERT_OK(dc_input_open_memory(&in, g_file, g_len, false, "mem", NULL));
    DC_ASSERT_OK(dc_pq_file_open(&f, in, NULL));
    int64_t total = 0;
    *chunks = 0;
    for (int32_t g = 0; g < dc_pq_file_meta(f)->n_row_groups; g++)
        for (int k = 0; k < n; k++) {
            int64_t st, ln;
            dc_pq_file_chunk_range(f, g, cols[k][1] - '0', &st, &ln);
            total += ln;
            (*chunks)++;
        }
    dc_pq_file_free(f);
    return total;
}

static void assert_msg(const dc_error *e, const char *needle)
{
    if (!strstr(e->message, needle))
        fail_msg("expected \"%s\" in: %s", needle, e->message);
}

/* ---- Parquet over S3 ------------------------------------------------------------------ */

static void projected_read_fetches_well_under_half_the_file(void **state)
{
    (void)state;
    const char *cols[] = {"c2", "c5"};
    int chunks;
    int64_t want = chunk_bytes(cols, 2, &chunks);
    /* the same columns from memory: the rows a local read gives */
    dc_input *mem;
    int64_t rows = 0;
    DC_ASSERT_OK(dc_input_open_memory(&mem, g_file, g_len, false, "local", NULL));
    DC_ASSERT_OK(read_cols(mem, cols, 2, &rows, NULL));
    assert_int_equal(rows, ROWS);
    dc_s3_counters a = counters();
    double t0 = now_ms();
    dc_input *in = open_raw("data/t.parquet");
    dc_s3_counters opened = counters();
    dc_error e;
    if (read_cols(in, cols, 2, &rows, &e) != DC_OK)
        fail_msg("read: %s", e.message);
    double ms = now_ms() - t0;
    dc_s3_counters b = counters();
    assert_int_equal(rows, ROWS);
    int64_t fetched = b.bytes_fetched - a.bytes_fetched;
    print_message("2 of 8 columns: %lld of %lld bytes fetched (%.1f%%) in %lld requests, "
                  "%.0f ms (chunks %lld bytes; open %lld bytes)\n",
                  (long long)fetched, (long long)g_len, 100.0 * (double)fetched / (double)g_len,
                  (long long)(b.requests - a.requests), ms, (long long)want,
                  (long long)(opened.bytes_fetched - a.bytes_fetched));
    assert_true(fetched * 2 < g_len);
    /* after the open (first window) and the footer (one tail read of 64 KiB): exactly the
     * projected chunks, one request per chunk (c2 and c5 are not adjacent) */
    assert_int_equal(b.bytes_fetched - opened.bytes_fetched, (INT64_C(64) << 10) + want);
    assert_int_equal(b.requests - opened.requests, 1 + chunks);
}

static void adjacent_chunks_are_fetched_in_one_request(void **state)
{
    (void)state;
    const char *cols[] = {"c3", "c2", "c4"};
    int chunks;
    int64_t want = chunk_bytes(cols, 3, &chunks);
    dc_input *in = open_raw("data/t.parquet");
    dc_s3_counters a = counters();
    int64_t rows;
    dc_error e;
    if (read_cols(in, cols, 3, &rows, &e) != DC_OK)
        fail_msg("read: %s", e.message);
    dc_s3_counters b = counters();
    assert_int_equal(rows, ROWS);
    int64_t requests = b.requests - a.requests - 1; /* less the footer's */
    print_message("3 adjacent columns: %d chunks in %lld requests, %lld bytes\n", chunks,
                  (long long)requests, (long long)(b.bytes_fetched - a.bytes_fetched));
    assert_true(requests < chunks);
    assert_int_equal(requests, ROWS / RG_ROWS); /* one per row group */
    assert_int_equal(b.bytes_fetched - a.bytes_fetched, (INT64_C(64) << 10) + want);
}

static void rows_are_the_same_without_prefetch(void **state)
{
    (void)state;
    const char *cols[] = {"c2", "c5"};
    int64_t rows[2], fetched[2], requests[2];
    for (int off = 0; off < 2; off++) {
        tunables()->prefetch_parallel = off ? 0 : 8;
        dc_s3_counters a = counters();
        dc_error e;
        if (read_cols(open_raw("data/t.parquet"), cols, 2, &rows[off], &e) != DC_OK)
            fail_msg("read: %s", e.message);
        dc_s3_counters b = counters();
        fetched[off] = b.bytes_fetched - a.bytes_fetched;
        requests[off] = b.requests - a.requests;
    }
    tunables()->prefetch_parallel = 8;
    print_message("prefetch on: %lld bytes in %lld requests; off: %lld bytes in %lld requests\n",
                  (long long)fetched[0], (long long)requests[0], (long long)fetched[1],
                  (long long)requests[1]);
    assert_int_equal(rows[0], ROWS);
    assert_int_equal(rows[1], ROWS);
    /* without the hint each 160 KB chunk read fetches a 256 KiB window */
    assert_true(fetched[0] < fetched[1]);
}

static void a_replaced_object_fails_clearly(void **state)
{
    (void)state;
    const char *cols[] = {"c1", "c6"};
    uint8_t *other = dc_malloc((size_t)g_len);
    memcpy(other, g_file, (size_t)g_len);
    other[1000] ^= 0xff; /* another version of the same size */
    for (int off = 0; off < 2; off++) {
        tunables()->prefetch_parallel = off ? 0 : 8;
        DC_ASSERT_OK(dc_fs_put(g_fs, "data/r.parquet", g_file, g_len, NULL));
        dc_input *in = open_raw("data/r.parquet");
        dc_pq_file *f;
        DC_ASSERT_OK(dc_pq_file_open(&f, in, NULL)); /* the footer is read */
        DC_ASSERT_OK(dc_fs_put(g_fs, "data/r.parquet", other, g_len, NULL));
        dc_pq_read_options o = {.columns = cols, .n_columns = 2, .threads = 1};
        dc_reader *r;
        DC_ASSERT_OK(dc_pq_reader_open(&r, f, &o, NULL));
        dc_batch *b = NULL;
        dc_error e;
        assert_int_equal(dc_reader_next(r, &b, &e), DC_EIO);
        assert_null(b);
        assert_msg(&e, "data/r.parquet");
        assert_msg(&e, "replaced after it was opened");
        dc_reader_free(r);
    }
    tunables()->prefetch_parallel = 8;
    dc_free(other);
}

/* Rows [5000, 5500) and [15000, 15100) of every row group, after reading the page
 * statistics of c2 (as the catalog's page pruning does). */
static bool select_some(const dc_pq_file *f, int32_t rg, dc_pq_row_range **out, int64_t *n,
                        void *user)
{
    (void)user;
    dc_pq_page_stats *ps;
    int64_t np;
    if (dc_pq_file_page_stats(f, rg, 2, &ps, &np, NULL) != DC_OK)
        return false;
    dc_pq_page_stats_free(ps, np);
    *out = dc_malloc(2 * sizeof **out);
    (*out)[0] = (dc_pq_row_range){5000, 5500};
    (*out)[1] = (dc_pq_row_range){15000, 15100};
    *n = 2;
    return true;
}

static void a_row_selection_fetches_only_its_pages(void **state)
{
    (void)state;
    const char *cols[] = {"c2", "c5"};
    dc_input *in = open_raw("data/paged.parquet");
    dc_pq_file *f;
    DC_ASSERT_OK(dc_pq_file_open(&f, in, NULL));
    int64_t chunks = 0;
    for (int32_t g = 0; g < dc_pq_file_meta(f)->n_row_groups; g++)
        for (int k = 0; k < 2; k++) {
            int64_t st, ln;
            dc_pq_file_chunk_range(f, g, cols[k][1] - '0', &st, &ln);
            chunks += ln;
        }
    dc_s3_counters a = counters();
    dc_pq_read_options o = {.columns = cols, .n_columns = 2, .select = select_some};
    dc_reader *r;
    DC_ASSERT_OK(dc_pq_reader_open(&r, f, &o, NULL));
    int64_t rows = 0;
    int64_t expect[] = {5000, 5500, 15000, 15100};
    for (;;) {
        dc_batch *b = NULL;
        dc_error e;
        if (dc_reader_next(r, &b, &e) != DC_OK)
            fail_msg("read: %s", e.message);
        if (!b)
            break;
        for (int64_t i = 0; i < b->length; i++, rows++) {
            int64_t k = rows % 600, g = rows / 600;
            int64_t row = g * RG_ROWS + (k < 500 ? expect[0] + k : expect[2] + k - 500);
            for (int c = 0; c < 2; c++)
                assert_int_equal(dc_array_get_int(b->columns[c], i), value(row, c ? 5 : 2));
        }
        dc_batch_unref(b);
    }
    dc_reader_free(r);
    dc_s3_counters b = counters();
    int64_t fetched = b.bytes_fetched - a.bytes_fetched;
    print_message("600 rows of each row group, 2 of 8 columns: %lld bytes fetched in %lld "
                  "requests (the projected chunks: %lld bytes)\n",
                  (long long)fetched, (long long)(b.requests - a.requests), (long long)chunks);
    assert_int_equal(rows, 600 * (ROWS / RG_ROWS));
    assert_true(fetched * 5 < chunks);
}

/* ---- the input's prefetch ---------------------------------------------------------------- */

static uint8_t *pattern(int64_t n)
{
    uint8_t *p = dc_malloc((size_t)n);
    for (int64_t i = 0; i < n; i++)
        p[i] = (uint8_t)(dc_hash_u64((uint64_t)i, 7) & 0xff);
    return p;
}

/* Read [off, off + n) and check it; the requests it took. */
static int64_t read_check(dc_input *in, const uint8_t *data, int64_t off, int64_t n)
{
    dc_s3_counters a = counters();
    uint8_t *buf = dc_malloc((size_t)n);
    int64_t got = 0;
    dc_error e;
    if (dc_input_read_at(in, off, buf, n, &got, &e) != DC_OK)
        fail_msg("read %lld at %lld: %s", (long long)n, (long long)off, e.message);
    assert_int_equal(got, n);
    assert_memory_equal(buf, data + off, n);
    dc_free(buf);
    return counters().requests - a.requests;
}

static void prefetch_merges_near_ranges_and_serves_reads_from_memory(void **state)
{
    (void)state;
    int64_t n = 1 << 20;
    uint8_t *data = pattern(n);
    DC_ASSERT_OK(dc_fs_put(g_fs, "p/obj", data, n, NULL));
    dc_input *in = open_raw("p/obj"); /* holds [0, 256 KiB) */
    dc_s3_counters a = counters();
    dc_input_range rs[] = {
        {310000, 1000}, {300000, 1000},              /* 9 KB apart: one request */
        {600000, 5000},                              /* far: another */
        {100, 50},                                   /* in the window: nothing */
        {-5, 10},       {2 << 20, 10},  {700000, 0}, /* outside the object, empty: nothing */
        {300500, 200},                               /* inside the first: nothing more */
    };
    dc_error e;
    DC_ASSERT_OK(dc_input_prefetch(in, rs, DC_ARRAY_LEN(rs), &e));
    dc_s3_counters b = counters();
    assert_int_equal(b.requests - a.requests, 2);
    assert_int_equal(b.bytes_fetched - a.bytes_fetched, 11000 + 5000);
    assert_int_equal(read_check(in, data, 300500, 100), 0);
    assert_int_equal(read_check(in, data, 310000, 1000), 0);
    assert_int_equal(read_check(in, data, 600000, 2000), 0);
    assert_int_equal(read_check(in, data, 305000, 10), 0); /* the gap came along */
    assert_int_equal(read_check(in, data, 700000, 10), 1); /* not asked for: fetched */
    /* the first buffer's 2000 asked-for bytes: 1100 served so far; 900 more release it */
    assert_int_equal(read_check(in, data, 300000, 900), 0);
    assert_int_equal(read_check(in, data, 300000, 10), 1);
    /* a new prefetch inside a held buffer keeps it: no request */
    a = counters();
    DC_ASSERT_OK(dc_input_prefetch(in, &(dc_input_range){601000, 100}, 1, &e));
    assert_int_equal(counters().requests - a.requests, 0);
    assert_int_equal(read_check(in, data, 601000, 100), 0);
    /* a large range in parts, fetched in parallel */
    tunables()->prefetch_part = 64 << 10;
    a = counters();
    DC_ASSERT_OK(dc_input_prefetch(in, &(dc_input_range){200000, 800000}, 1, &e));
    b = counters();
    tunables()->prefetch_part = INT64_C(8) << 20;
    assert_int_equal(b.requests - a.requests, (800000 + 65535) / 65536);
    assert_int_equal(b.bytes_fetched - a.bytes_fetched, 800000);
    assert_int_equal(read_check(in, data, 200000, 800000), 0);
    /* the budget: what does not fit is read on demand */
    tunables()->prefetch_max = 4096;
    a = counters();
    DC_ASSERT_OK(dc_input_prefetch(in, (dc_input_range[]){{800000, 1000}, {1000000, 8000}}, 2, &e));
    tunables()->prefetch_max = INT64_C(256) << 20;
    assert_int_equal(counters().requests - a.requests, 1);
    assert_int_equal(read_check(in, data, 800000, 1000), 0);
    assert_int_equal(read_check(in, data, 1000000, 8000), 1); /* the window moves there */
    /* prefetch off: a no-op */
    tunables()->prefetch_parallel = 0;
    a = counters();
    DC_ASSERT_OK(dc_input_prefetch(in, &(dc_input_range){800000, 100}, 1, &e));
    tunables()->prefetch_parallel = 8;
    assert_int_equal(counters().requests - a.requests, 0);
    /* replaced: the prefetch fails as a read would, and leaves the input usable */
    data[900000] ^= 1;
    DC_ASSERT_OK(dc_fs_put(g_fs, "p/obj", data, n, NULL));
    assert_int_equal(dc_input_prefetch(in, &(dc_input_range){900000, 100}, 1, &e), DC_EIO);
    assert_msg(&e, "p/obj: read: the object was replaced after it was opened");
    assert_int_equal(read_check(in, data, 1000000, 10), 0); /* the window still answers */
    uint8_t buf[10];
    int64_t got;
    assert_int_equal(dc_input_read_at(in, 900000, buf, 10, &got, &e), DC_EIO);
    assert_msg(&e, "replaced after it was opened");
    dc_input_close(in);
    dc_free(data);
}

static void prefetch_is_a_no_op_on_local_inputs_and_checks_its_arguments(void **state)
{
    (void)state;
    uint8_t data[100] = {1, 2, 3};
    dc_input *in;
    dc_error e;
    DC_ASSERT_OK(dc_input_open_memory(&in, data, 100, false, "m", NULL));
    DC_ASSERT_OK(dc_input_prefetch(in, &(dc_input_range){0, 10}, 1, &e));
    DC_ASSERT_OK(dc_input_prefetch(in, NULL, 0, &e));
    assert_int_equal(dc_input_prefetch(in, NULL, 2, &e), DC_EINVALID);
    assert_int_equal(dc_input_prefetch(in, &(dc_input_range){0, 10}, -1, &e), DC_EINVALID);
    assert_msg(&e, "m: bad prefetch ranges");
    dc_input_close(in);
    /* through a dc_fs's wrapper: a hint, never an error */
    dc_input *w;
    DC_ASSERT_OK(dc_fs_open_input(g_fs, "data/t.parquet", &w, &e));
    DC_ASSERT_OK(dc_input_prefetch(w, &(dc_input_range){1000000, 10}, 1, &e));
    int64_t rows;
    const char *cols[] = {"c0"};
    DC_ASSERT_OK(read_cols(w, cols, 1, &rows, NULL));
    assert_int_equal(rows, ROWS);
}

/* ---- inputs named by URL ------------------------------------------------------------------ */

static void inputs_open_by_url(void **state)
{
    (void)state;
    setenv("AWS_ENDPOINT_URL", g_endpoint, 1);
    setenv("AWS_ACCESS_KEY_ID", g_moto.key_id, 1);
    setenv("AWS_SECRET_ACCESS_KEY", g_moto.secret, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    dc_input *in = NULL;
    dc_error e;
    if (dc_input_open_file(&in, "s3://" BUCKET "/t/data/t.parquet", &e) != DC_OK)
        fail_msg("open by URL: %s", e.message);
    assert_int_equal(in->size, g_len);
    assert_string_equal(in->name, "s3://" BUCKET "/t/data/t.parquet");
    int64_t rows;
    const char *cols[] = {"c7"};
    DC_ASSERT_OK(read_cols(in, cols, 1, &rows, NULL));
    assert_int_equal(rows, ROWS);
    /* the file readers take URLs too (deltacat show s3://...) */
    dc_reader *r;
    DC_ASSERT_OK(
        dc_file_reader_open(&r, "s3://" BUCKET "/t/data/t.parquet", DC_FORMAT_UNKNOWN, NULL, NULL));
    assert_int_equal(dc_reader_schema(r)->n_fields, COLS);
    dc_reader_free(r);
    assert_int_equal(dc_input_open_file(&in, "s3://" BUCKET "/t/none.csv", &e), DC_ENOTFOUND);
    assert_msg(&e, "t/none.csv");
    assert_int_equal(dc_input_open_file(&in, "s3://" BUCKET, &e), DC_EINVALID);
    assert_msg(&e, "name an object: s3://BUCKET/KEY");
    assert_int_equal(dc_input_open_file(&in, "s3://no-such-bucket-dc/k.csv", &e), DC_EIO);
    assert_msg(&e, "bucket \"no-such-bucket-dc\" does not exist");
    /* mem:// and file:// */
    dc_fs *m;
    DC_ASSERT_OK(dc_fs_memory_open(&m, "urlstore", NULL, NULL));
    DC_ASSERT_OK(dc_fs_put(m, "a/b.csv", "x\n1\n", 4, NULL));
    DC_ASSERT_OK(dc_input_open_file(&in, "mem://urlstore/a/b.csv", &e));
    assert_int_equal(in->size, 4);
    dc_input_close(in);
    dc_fs_unref(m);
    DC_ASSERT_OK(dc_fs_memory_drop("urlstore", NULL));
    char *dir = tu_tmpdir();
    char path[1024], url[1200];
    snprintf(path, sizeof path, "%s/a b.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("hello", f);
    fclose(f);
    snprintf(url, sizeof url, "file://%s/a%%20b.txt", dir);
    DC_ASSERT_OK(dc_input_open_file(&in, url, &e));
    assert_int_equal(in->size, 5);
    dc_input_close(in);
    snprintf(url, sizeof url, "file://%s/a%%2", dir);
    assert_int_equal(dc_input_open_file(&in, url, &e), DC_EINVALID);
    assert_msg(&e, "bad %-escape");
    assert_int_equal(dc_input_open_file(&in, "file://relative/x", &e), DC_EINVALID);
    tu_rmdir(dir);
    dc_free(dir);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_REGION");
}

/* ---- setup ------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    const char *vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                          "AWS_REGION",        "AWS_DEFAULT_REGION",    "AWS_PROFILE",
                          "AWS_ENDPOINT_URL",  "AWS_ENDPOINT_URL_S3"};
    for (size_t i = 0; i < DC_ARRAY_LEN(vars); i++)
        unsetenv(vars[i]);
    char why[1200];
    if (!mt_start(&g_moto, why, sizeof why)) {
        print_error("test_s3_read: %s\n", why);
        return -1;
    }
    if (!mt_create_bucket(&g_moto, BUCKET)) {
        print_error("test_s3_read: cannot create the bucket; see %s\n", g_moto.log);
        return -1;
    }
    snprintf(g_endpoint, sizeof g_endpoint, "%s", g_moto.endpoint);
    dc_fs_s3_options o = {.endpoint = g_endpoint,
                          .region = "us-east-1",
                          .access_key_id = g_moto.key_id,
                          .secret_access_key = g_moto.secret};
    dc_error e;
    if (dc_fs_s3_open(&g_fs, "s3://" BUCKET "/t", &o, &e) != DC_OK) {
        print_error("test_s3_read: open: %s\n", e.message);
        return -1;
    }
    /* the file: 8 int64 columns, uncompressed, plain: 160 KB per chunk */
    dc_field fields[COLS];
    dc_array *arrays[COLS];
    int64_t *v = dc_malloc(ROWS * sizeof *v);
    for (int k = 0; k < COLS; k++) {
        char name[8];
        snprintf(name, sizeof name, "c%d", k);
        for (int64_t i = 0; i < ROWS; i++)
            v[i] = value(i, k);
        arrays[k] = tu_int64(v, ROWS, NULL);
        DC_ASSERT_OK(dc_field_init(&fields[k], name, arrays[k]->type, false, NULL));
    }
    dc_free(v);
    dc_schema *s = dc_schema_new(fields, COLS, NULL);
    dc_batch *b;
    DC_ASSERT_OK(dc_batch_new(&b, s, arrays, ROWS, NULL));
    dc_parquet_write_options po;
    dc_parquet_write_options_init(&po);
    po.compression = DC_PARQUET_UNCOMPRESSED;
    po.dictionary = false;
    po.row_group_rows = RG_ROWS;
    g_file = tu_parquet_bytes(b, &po, &g_len);
    dc_schema_unref(s);
    dc_status rc;
    for (int k = 0; k < COLS; k++) {
        dc_field_clear(&fields[k]);
        dc_array_unref(arrays[k]);
    }
    if (dc_fs_put(g_fs, "data/t.parquet", g_file, g_len, &e) != DC_OK) {
        print_error("test_s3_read: put: %s\n", e.message);
        return -1;
    }
    /* the same with pages of 1000 rows (8 KB) and their index */
    po.page_rows = 1000;
    int64_t plen;
    uint8_t *paged = tu_parquet_bytes(b, &po, &plen);
    rc = dc_fs_put(g_fs, "data/paged.parquet", paged, plen, &e);
    dc_free(paged);
    dc_batch_unref(b);
    if (rc != DC_OK) {
        print_error("test_s3_read: put: %s\n", e.message);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    dc_fs_unref(g_fs);
    dc_free(g_file);
    mt_stop(&g_moto);
    return 0;
}

int main(void)
{
    char where[1024];
    if (!mt_binary(where, sizeof where)) {
        printf("[  FAILED  ] test_s3_read: moto_server not found at %s: run "
               "scripts/bootstrap.sh (it installs tests/oracles/requirements.txt into "
               "build/venv), or set DC_MOTO_SERVER to a moto_server\n",
               where);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(projected_read_fetches_well_under_half_the_file),
        cmocka_unit_test(adjacent_chunks_are_fetched_in_one_request),
        cmocka_unit_test(rows_are_the_same_without_prefetch),
        cmocka_unit_test(a_replaced_object_fails_clearly),
        cmocka_unit_test(a_row_selection_fetches_only_its_pages),
        cmocka_unit_test(prefetch_merges_near_ranges_and_serves_reads_from_memory),
        cmocka_unit_test(prefetch_is_a_no_op_on_local_inputs_and_checks_its_arguments),
        cmocka_unit_test(inputs_open_by_url),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
