/*
 * log.c: the library's logging goes to one callback the application installs.
 * The library never prints. The callback and level are global, so they are
 * guarded by a mutex (reads take it too: installing a callback while another
 * thread logs must not tear the (fn, user) pair).
 */
#include "core_int.h"

#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;
static dc_log_fn g_log_fn;
static void *g_log_user;
static atomic_int g_log_min = DC_LOG_ERROR + 1; /* nothing enabled until installed */

void dc_log_set_callback(dc_log_fn fn, void *user, dc_log_level min_level)
{
    pthread_mutex_lock(&g_log_lock);
    g_log_fn = fn;
    g_log_user = user;
    atomic_store(&g_log_min, fn ? (int)min_level : DC_LOG_ERROR + 1);
    pthread_mutex_unlock(&g_log_lock);
}

bool dc_log_enabled(dc_log_level level) { return (int)level >= atomic_load(&g_log_min); }

void dc_log(dc_log_level level, const char *fmt, ...)
{
    if (!dc_log_enabled(level))
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&g_log_lock);
    if (g_log_fn && (int)level >= atomic_load(&g_log_min))
        g_log_fn(level, msg, g_log_user);
    pthread_mutex_unlock(&g_log_lock);
}
