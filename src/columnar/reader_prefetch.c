/*
 * reader_prefetch.c: a reader that pulls another on a thread of its own, a few batches
 * ahead of its consumer, so that producing the batches (decoding, I/O) overlaps what the
 * consumer does with them (a merge loading its tail, folding rows, writing them out).
 */
#include "columnar/columnar_int.h"

#include <pthread.h>

typedef struct prefetch {
    dc_reader *src;
    pthread_t tid;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a batch was queued or taken, the end came, or stop was asked */
    dc_batch **ring;
    int depth, head, count;
    bool done, stop; /* done: src is exhausted or failed (rc, e) */
    dc_status rc;
    dc_error e;
} prefetch;

static void *prefetch_main(void *arg)
{
    prefetch *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == p->depth && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        dc_batch *b = NULL;
        dc_error e;
        dc_error_clear(&e);
        dc_status rc = dc_reader_next(p->src, &b, &e);
        pthread_mutex_lock(&p->mu);
        if (rc != DC_OK || !b) {
            p->rc = rc;
            p->e = e;
            p->done = true;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
            break;
        }
        p->ring[(p->head + p->count) % p->depth] = b;
        p->count++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static dc_status prefetch_next(dc_reader *r, dc_batch **out, dc_error *err)
{
    prefetch *p = r->impl;
    pthread_mutex_lock(&p->mu);
    while (p->count == 0 && !p->done)
        pthread_cond_wait(&p->cv, &p->mu);
    dc_status rc = DC_OK;
    if (p->count > 0) {
        *out = p->ring[p->head];
        p->ring[p->head] = NULL;
        p->head = (p->head + 1) % p->depth;
        p->count--;
        pthread_cond_broadcast(&p->cv);
    } else {
        *out = NULL;
        rc = p->rc;
        if (rc != DC_OK && err)
            *err = p->e;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

static void prefetch_destroy(dc_reader *r)
{
    prefetch *p = r->impl;
    if (!p)
        return;
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->tid, NULL);
    }
    for (int i = 0; i < p->count; i++)
        dc_batch_unref(p->ring[(p->head + i) % p->depth]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    dc_reader_free(p->src);
    dc_free(p->ring);
    dc_free(p);
}

static const dc_reader_vtable PREFETCH_VT = {prefetch_next, prefetch_destroy};

dc_status dc_reader_prefetch(dc_reader **out, dc_reader *src, int depth, dc_error *err)
{
    *out = NULL;
    if (depth < 1)
        depth = 2;
    prefetch *p = dc_calloc(1, sizeof *p);
    dc_batch **ring = dc_calloc((size_t)depth, sizeof *ring);
    if (!p || !ring) {
        dc_free(p);
        dc_free(ring);
        dc_reader_free(src);
        return dc_error_nomem(err);
    }
    p->src = src;
    p->ring = ring;
    p->depth = depth;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    dc_reader tmp = {.impl = p};
    dc_status rc = dc_reader_new(out, &PREFETCH_VT, p, dc_reader_schema(src), err);
    if (rc != DC_OK) {
        prefetch_destroy(&tmp);
        return rc;
    }
    if (pthread_create(&p->tid, NULL, prefetch_main, p) != 0) {
        dc_reader_free(*out);
        *out = NULL;
        return dc_error_set(err, DC_EIO, "cannot start a reading thread");
    }
    p->started = true;
    return DC_OK;
}
