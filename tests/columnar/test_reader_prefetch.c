/* test_reader_prefetch.c: dc_reader_prefetch, a reader pulled on a thread of its own. */
#include "columnar/columnar_int.h"
#include "testutil.h"

#include <stdlib.h>
#include <time.h>

/* A source of `n` one-column batches (values k*10 .. k*10+9) that fails after `fail_at`
 * batches when fail_at >= 0, sleeping `nap_us` per batch. */
typedef struct counting {
    int n, fail_at, given, nap_us;
    dc_schema *schema;
} counting;

static dc_status counting_next(dc_reader *r, dc_batch **out, dc_error *err)
{
    counting *c = r->impl;
    if (c->nap_us) {
        struct timespec ts = {0, c->nap_us * 1000L};
        nanosleep(&ts, NULL);
    }
    if (c->fail_at >= 0 && c->given == c->fail_at)
        return dc_error_set(err, DC_EIO, "batch %d of the source could not be read", c->given);
    if (c->given == c->n) {
        *out = NULL;
        return DC_OK;
    }
    int64_t v[10];
    for (int i = 0; i < 10; i++)
        v[i] = c->given * 10 + i;
    dc_array *col = tu_int64(v, 10, NULL);
    dc_status rc = dc_batch_new(out, c->schema, &col, 10, err);
    dc_array_unref(col);
    c->given++;
    return rc;
}

static void counting_destroy(dc_reader *r)
{
    counting *c = r->impl;
    dc_schema_unref(c->schema);
    dc_free(c);
}

static const dc_reader_vtable COUNTING = {counting_next, counting_destroy};

static dc_reader *source(int n, int fail_at, int nap_us)
{
    counting *c = dc_calloc(1, sizeof *c);
    c->n = n;
    c->fail_at = fail_at;
    c->nap_us = nap_us;
    dc_field f;
    dc_type *t = dc_type_new(DC_TYPE_INT64);
    DC_ASSERT_OK(dc_field_init(&f, "v", t, true, NULL));
    dc_type_unref(t);
    c->schema = dc_schema_new(&f, 1, NULL);
    assert_non_null(c->schema);
    dc_field_clear(&f);
    dc_reader *r = NULL;
    DC_ASSERT_OK(dc_reader_new(&r, &COUNTING, c, c->schema, NULL));
    return r;
}

static void test_prefetch_gives_every_batch_in_order(void **state)
{
    (void)state;
    for (int depth = 0; depth <= 5; depth += 5) {
        dc_reader *r = NULL;
        DC_ASSERT_OK(dc_reader_prefetch(&r, source(50, -1, 0), depth, NULL));
        assert_int_equal(dc_reader_schema(r)->n_fields, 1);
        dc_batch *b;
        int k = 0;
        for (;;) {
            DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
            if (!b)
                break;
            assert_int_equal(b->length, 10);
            assert_int_equal(((const int64_t *)(const void *)b->columns[0]->data[1])[0], k * 10);
            dc_batch_unref(b);
            k++;
        }
        assert_int_equal(k, 50);
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL)); /* the end stays the end */
        assert_null(b);
        dc_reader_free(r);
    }
}

static void test_prefetch_reports_the_source_error_after_its_batches(void **state)
{
    (void)state;
    dc_reader *r = NULL;
    DC_ASSERT_OK(dc_reader_prefetch(&r, source(10, 3, 0), 8, NULL));
    dc_batch *b;
    for (int k = 0; k < 3; k++) {
        DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
        assert_non_null(b);
        dc_batch_unref(b);
    }
    dc_error e;
    assert_int_equal(dc_reader_next(r, &b, &e), DC_EIO);
    assert_null(b);
    assert_string_equal(e.message, "batch 3 of the source could not be read");
    assert_int_equal(dc_reader_next(r, &b, &e), DC_EIO); /* sticky */
    dc_reader_free(r);
}

static void test_prefetch_freed_early_stops_its_thread(void **state)
{
    (void)state;
    /* freed before anything is read, with the queue full, and while the source naps */
    dc_reader *r = NULL;
    DC_ASSERT_OK(dc_reader_prefetch(&r, source(1000, -1, 0), 2, NULL));
    struct timespec ts = {0, 5 * 1000000L};
    nanosleep(&ts, NULL);
    dc_reader_free(r);
    DC_ASSERT_OK(dc_reader_prefetch(&r, source(1000, -1, 2000), 4, NULL));
    dc_batch *b;
    DC_ASSERT_OK(dc_reader_next(r, &b, NULL));
    dc_batch_unref(b);
    dc_reader_free(r);
    /* a failure to allocate frees the source too (no leak under ASan) */
    dc_reader *src = source(1, -1, 0);
    dc_alloc_fail_after(0);
    dc_error e;
    dc_status rc = dc_reader_prefetch(&r, src, 2, &e);
    dc_alloc_fail_after(-1);
    assert_int_equal(rc, DC_ENOMEM);
    assert_null(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefetch_gives_every_batch_in_order),
        cmocka_unit_test(test_prefetch_reports_the_source_error_after_its_batches),
        cmocka_unit_test(test_prefetch_freed_early_stops_its_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
