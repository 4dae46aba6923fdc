/*
 * table_writer_main.c -> dc-test-table-writer: the process side of the table
 * crash test (tests/catalog/table_crash.sh).
 *
 *   dc-test-table-writer loop ROOT NAME   write batches to table "crash" forever;
 *                                         every fifth batch also to table "side" in
 *                                         the same transaction; print "ok TAG" once
 *                                         a write is committed
 *   dc-test-table-writer check ROOT ACKS  read both tables and check: every batch is
 *                                         whole (50 rows, ids in order), every batch
 *                                         of "side" is in "crash" and the reverse for
 *                                         the two-table ones, every acknowledged tag
 *                                         (file ACKS, one per line) is there
 *
 * A batch's rows carry its tag ("NAME-K") and ids K * 50 + j, so a partial batch,
 * a lost one or a torn multi-table transaction shows.
 */
#include <deltacat/table.h>

#include "columnar/columnar_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 50

static void die(const char *what, const dc_error *e)
{
    fprintf(stderr, "dc-test-table-writer: %s: %s\n", what, e ? e->message : "");
    exit(2);
}

static dc_reader *batch_of(const char *tag, int64_t k)
{
    dc_error e;
    dc_type *ti = dc_type_new(DC_TYPE_INT64), *ts = dc_type_new(DC_TYPE_UTF8);
    dc_builder *bi, *bs;
    if (dc_builder_new(&bi, ti, &e) != DC_OK || dc_builder_new(&bs, ts, &e) != DC_OK)
        die("builder", &e);
    for (int j = 0; j < ROWS; j++) {
        dc_builder_append_int(bi, k * ROWS + j);
        dc_builder_append_bytes(bs, tag, (int64_t)strlen(tag));
    }
    dc_array *cols[2];
    if (dc_builder_finish(bi, &cols[0], &e) != DC_OK ||
        dc_builder_finish(bs, &cols[1], &e) != DC_OK)
        die("finish", &e);
    dc_field f[2];
    dc_field_init(&f[0], "id", ti, false, NULL);
    dc_field_init(&f[1], "tag", ts, false, NULL);
    dc_schema *s = dc_schema_new(f, 2, NULL);
    dc_batch *b;
    dc_reader *r;
    if (dc_batch_new(&b, s, cols, ROWS, &e) != DC_OK ||
        dc_reader_from_batches(&r, s, &b, 1, &e) != DC_OK)
        die("batch", &e);
    dc_batch_unref(b);
    dc_schema_unref(s);
    for (int i = 0; i < 2; i++) {
        dc_field_clear(&f[i]);
        dc_array_unref(cols[i]);
    }
    dc_builder_free(bi);
    dc_builder_free(bs);
    dc_type_unref(ti);
    dc_type_unref(ts);
    return r;
}

static int loop(const char *root, const char *name)
{
    dc_error e;
    dc_catalog *c;
    dc_catalog_options co = {.create = true};
    if (dc_catalog_open(&c, root, &co, &e) != DC_OK)
        die("open", &e);
    dc_table_write_options o;
    dc_table_write_options_init(&o);
    for (int64_t k = 0;; k++) {
        char tag[128];
        snprintf(tag, sizeof tag, "%s-%lld", name, (long long)k);
        bool two = k % 5 == 4;
        dc_txn *t = NULL;
        if (two && dc_txn_begin(&t, c, NULL, &e) != DC_OK)
            die("begin", &e);
        dc_reader *r = batch_of(tag, k);
        dc_status rc = dc_table_write(c, t, NULL, "crash", r, &o, NULL, &e);
        dc_reader_free(r);
        if (rc == DC_OK && two) {
            r = batch_of(tag, k);
            rc = dc_table_write(c, t, NULL, "side", r, &o, NULL, &e);
            dc_reader_free(r);
        }
        if (rc == DC_OK && two)
            rc = dc_txn_commit(t, "two tables", NULL, &e);
        dc_txn_abort(t);
        if (rc == DC_ECONFLICT || rc == DC_EEXISTS)
            continue; /* not acknowledged: a concurrent creation; write the next one */
        if (rc != DC_OK)
            die("write", &e);
        printf("ok %s\n", tag);
        fflush(stdout);
    }
}

typedef struct seen {
    char tag[128];
    int64_t rows, first, last;
    bool ordered;
} seen;

/* Every batch of a table: tag -> rows, checked whole and in order. */
static seen *scan(dc_catalog *c, const char *table, int64_t *n)
{
    dc_error e;
    dc_reader *r;
    seen *v = NULL;
    int64_t cap = 0;
    *n = 0;
    bool ex;
    if (dc_table_exists(c, NULL, NULL, table, &ex, &e) != DC_OK)
        die("exists", &e);
    if (!ex)
        return NULL;
    if (dc_table_read(c, NULL, NULL, table, NULL, &r, &e) != DC_OK)
        die("read", &e);
    for (;;) {
        dc_batch *b;
        if (dc_reader_next(r, &b, &e) != DC_OK)
            die("read next", &e);
        if (!b)
            break;
        int32_t ci = dc_schema_find(b->schema, "id"), ct = dc_schema_find(b->schema, "tag");
        for (int64_t i = 0; i < b->length; i++) {
            int64_t len;
            const uint8_t *p = dc_array_get_bytes(b->columns[ct], i, &len);
            int64_t id = dc_array_get_int(b->columns[ci], i);
            int64_t k = -1;
            for (int64_t q = *n - 1; q >= 0 && q >= *n - 4; q--) /* batches come together */
                if ((int64_t)strlen(v[q].tag) == len && !memcmp(v[q].tag, p, (size_t)len))
                    k = q;
            if (k < 0) {
                if (*n == cap) {
                    cap = cap ? cap * 2 : 64;
                    v = realloc(v, sizeof *v * (size_t)cap);
                }
                k = (*n)++;
                snprintf(v[k].tag, sizeof v[k].tag, "%.*s", (int)len, (const char *)p);
                v[k].rows = 0;
                v[k].first = id;
                v[k].ordered = true;
            } else if (id != v[k].last + 1) {
                v[k].ordered = false;
            }
            v[k].last = id;
            v[k].rows++;
        }
        dc_batch_unref(b);
    }
    dc_reader_free(r);
    return v;
}

static const seen *find(const seen *v, int64_t n, const char *tag)
{
    for (int64_t i = 0; i < n; i++)
        if (!strcmp(v[i].tag, tag))
            return &v[i];
    return NULL;
}

static int check(const char *root, const char *acks)
{
    dc_error e;
    dc_catalog *c;
    if (dc_catalog_open(&c, root, NULL, &e) != DC_OK)
        die("open", &e);
    int64_t nc, ns;
    seen *crash = scan(c, "crash", &nc), *side = scan(c, "side", &ns);
    int bad = 0;
    for (int64_t i = 0; i < nc; i++) {
        if (crash[i].rows != ROWS || !crash[i].ordered ||
            crash[i].last - crash[i].first != ROWS - 1) {
            printf("FAIL: batch %s of crash has %lld rows%s\n", crash[i].tag,
                   (long long)crash[i].rows, crash[i].ordered ? "" : " out of order");
            bad++;
        }
        int64_t k = atoll(strrchr(crash[i].tag, '-') + 1);
        if (k % 5 == 4 && !find(side, ns, crash[i].tag)) {
            printf("FAIL: two-table batch %s is in crash but not in side\n", crash[i].tag);
            bad++;
        }
    }
    for (int64_t i = 0; i < ns; i++) {
        if (side[i].rows != ROWS || !find(crash, nc, side[i].tag)) {
            printf("FAIL: batch %s of side is partial or missing from crash\n", side[i].tag);
            bad++;
        }
    }
    FILE *f = fopen(acks, "r");
    char line[256];
    int64_t acked = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "ok ", 3) != 0)
            continue;
        line[strcspn(line, "\n")] = '\0';
        acked++;
        if (!find(crash, nc, line + 3)) {
            printf("FAIL: acknowledged batch %s is lost\n", line + 3);
            bad++;
        }
    }
    if (f)
        fclose(f);
    printf("%s: %lld batches in crash, %lld in side, %lld acknowledged\n", bad ? "FAILED" : "ok",
           (long long)nc, (long long)ns, (long long)acked);
    free(crash);
    free(side);
    dc_catalog_close(c);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "loop"))
        return loop(argv[2], argv[3]);
    if (argc == 4 && !strcmp(argv[1], "check"))
        return check(argv[2], argv[3]);
    fprintf(stderr, "usage: dc-test-table-writer loop ROOT NAME | check ROOT ACKS\n");
    return 2;
}
