/*
 * progress.c: a progress bar on standard error for long reads, writes and
 * copies. It shows only when standard error is a terminal (or
 * DELTACAT_PROGRESS=1 forces it; DELTACAT_PROGRESS=0 turns it off), is
 * redrawn at most ten times a second, and is erased when the work ends, so
 * output piped or redirected never carries it.
 */
#include "cli.h"

#include <deltacat/arrow_c.h>

#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dc_cli_progress {
    char label[64];
    int64_t done, total;
    int64_t start_ns, drawn_ns;
    bool drawn, bytes;
    /* bytes mode: a thread samples the process's bytes read (/proc/self/io rchar) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running, stop;
    int64_t rchar0;
};

bool dc_cli_progress_enabled(void)
{
    const char *env = getenv("DELTACAT_PROGRESS");
    if (env && *env)
        return strcmp(env, "0") != 0;
    return isatty(STDERR_FILENO) == 1;
}

/* "12.3k", "4.5M" */
static void human(char *buf, size_t cap, int64_t n)
{
    if (n < 10000)
        snprintf(buf, cap, "%lld", (long long)n);
    else if (n < 10000000)
        snprintf(buf, cap, "%.1fk", (double)n / 1e3);
    else if (n < 10000000000LL)
        snprintf(buf, cap, "%.1fM", (double)n / 1e6);
    else
        snprintf(buf, cap, "%.1fG", (double)n / 1e9);
}

void dc_cli_progress_format(char *buf, size_t cap, const char *label, int64_t done, int64_t total,
                            double secs, int width, bool bytes)
{
    char d[32], t[32], rate[32];
    if (total > 0 && done > total)
        done = total; /* estimates (bytes read) may pass the total */
    int64_t per_sec = secs > 0 ? (int64_t)((double)done / secs) : 0;
    if (bytes) {
        dc_cli_bytes(done, d);
        dc_cli_bytes(per_sec, rate);
        dc_cli_bytes(total, t);
    } else {
        human(d, sizeof d, done);
        human(rate, sizeof rate, per_sec);
        human(t, sizeof t, total);
    }
    const char *unit = bytes ? "" : " rows";
    if (total > 0) {
        int pct = (int)(done * 100 / total);
        int filled = (int)(done * width / total);
        char bar[256];
        if (width > (int)sizeof bar - 1)
            width = (int)sizeof bar - 1;
        for (int i = 0; i < width; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[width] = '\0';
        snprintf(buf, cap, "%s [%s] %3d%% %s/%s%s, %s%s/s", label, bar, pct, d, t, unit, rate,
                 unit);
    } else {
        snprintf(buf, cap, "%s %s%s, %s%s/s", label, d, unit, rate, unit);
    }
}

dc_cli_progress *dc_cli_progress_start(const char *label, int64_t total)
{
    if (!dc_cli_progress_enabled())
        return NULL;
    dc_cli_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total;
    p->start_ns = dc_clock_mono_ns();
    return p;
}

static void draw(dc_cli_progress *p)
{
    char line[512];
    double secs = (double)(dc_clock_mono_ns() - p->start_ns) / 1e9;
    dc_cli_progress_format(line, sizeof line, p->label, p->done, p->total, secs, 30, p->bytes);
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = true;
}

void dc_cli_progress_add(dc_cli_progress *p, int64_t n)
{
    if (!p)
        return;
    p->done += n;
    int64_t now = dc_clock_mono_ns();
    if (!p->drawn || now - p->drawn_ns >= 100000000LL) {
        p->drawn_ns = now;
        draw(p);
    }
}

void dc_cli_progress_done(dc_cli_progress *p)
{
    if (!p)
        return;
    if (p->running) {
        pthread_mutex_lock(&p->mu);
        p->stop = true;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
    }
    if (p->drawn || p->bytes) {
        draw(p); /* the final count, then erase the line */
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    free(p);
}

/* ---- bytes read by the process ---- */

/* The process's bytes read so far (read and pread, any file): -1 when unknown. */
static int64_t rchar(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    long long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "rchar: %lld", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

static void *sampler(void *arg)
{
    dc_cli_progress *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        int64_t now = rchar();
        if (now >= 0) {
            p->done = now - p->rchar0;
            p->drawn_ns = dc_clock_mono_ns();
            draw(p);
        }
    }
    int64_t now = rchar();
    if (now >= 0)
        p->done = now - p->rchar0;
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

dc_cli_progress *dc_cli_progress_start_bytes(const char *label, int64_t total_bytes)
{
    int64_t r0 = rchar();
    if (r0 < 0 || !dc_cli_progress_enabled())
        return NULL;
    dc_cli_progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total_bytes;
    p->bytes = true;
    p->rchar0 = r0;
    p->start_ns = dc_clock_mono_ns();
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, sampler, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p);
        return NULL;
    }
    p->running = true;
    return p;
}

/* ---- a reader that counts its rows into a progress bar ---- */

typedef struct counting {
    struct ArrowArrayStream inner;
    dc_cli_progress *p;
} counting;

static int c_get_schema(struct ArrowArrayStream *s, struct ArrowSchema *out)
{
    counting *c = s->private_data;
    return c->inner.get_schema(&c->inner, out);
}

static int c_get_next(struct ArrowArrayStream *s, struct ArrowArray *out)
{
    counting *c = s->private_data;
    int rc = c->inner.get_next(&c->inner, out);
    if (rc == 0 && out->release)
        dc_cli_progress_add(c->p, out->length);
    return rc;
}

static const char *c_last_error(struct ArrowArrayStream *s)
{
    counting *c = s->private_data;
    return c->inner.get_last_error(&c->inner);
}

static void c_release(struct ArrowArrayStream *s)
{
    counting *c = s->private_data;
    if (c->inner.release)
        c->inner.release(&c->inner);
    free(c);
    s->release = NULL;
}

dc_status dc_cli_progress_reader(dc_reader **out, dc_reader *in, dc_cli_progress *p, dc_error *err)
{
    *out = NULL;
    if (!p) { /* nothing to count: the reader as it is */
        *out = in;
        return DC_OK;
    }
    counting *c = calloc(1, sizeof *c);
    if (!c) {
        dc_reader_free(in);
        return dc_error_set(err, DC_ENOMEM, "out of memory");
    }
    c->p = p;
    dc_status rc = dc_reader_export(in, &c->inner, err); /* consumes `in` */
    if (rc != DC_OK) {
        free(c);
        return rc;
    }
    struct ArrowArrayStream s = {.get_schema = c_get_schema,
                                 .get_next = c_get_next,
                                 .get_last_error = c_last_error,
                                 .release = c_release,
                                 .private_data = c};
    return dc_reader_import(out, &s, err);
}
