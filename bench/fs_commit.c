/*
 * fs_commit.c (dc-bench-fs_commit): the latency of one durable small-file commit.
 *
 *   raw:           open(O_CREAT|O_EXCL) + write + fsync + close + fsync(dir)
 *   put_if_absent: dc_fs_put_if_absent of the same bytes on the local backend
 *                  (temporary + write + fsync + link + unlink + fsync(dir))
 *
 * Both write N objects of 300 bytes (interleaved, one of each per round, so drift
 * in the disk's speed hits both alike) into a fresh directory made under DIR, and
 * the median and p99 of each are printed in microseconds, then one JSON line for
 * scripts. The directory is removed at the end. This is the baseline of the
 * commit-latency benchmark: the gap between the two is the cost of the protocol.
 *
 * usage: dc-bench-fs_commit [DIR (default .)] [N (default 2000)]
 * DIR should be on the filesystem you care about: a tmpfs /tmp makes fsync free.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define OBJ_SIZE 300

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(int64_t *v, int64_t n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    int64_t i = (int64_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* One raw durable create: returns 0 or -1 (errno set). */
static int raw_create(int dirfd, const char *name, const uint8_t *data)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (write(fd, data, OBJ_SIZE) != OBJ_SIZE || fsync(fd) != 0) {
        close(fd);
        return -1;
    }
    if (close(fd) != 0 || fsync(dirfd) != 0)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *parent = argc > 1 ? argv[1] : ".";
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
    if (n <= 0 || n > 10000000 || argc > 3) {
        fprintf(stderr, "usage: %s [DIR] [N]\n", argv[0]);
        return 2;
    }
    char root[4096];
    snprintf(root, sizeof root, "%s/dc-bench-fs_commit-XXXXXX", parent);
    if (!mkdtemp(root)) {
        fprintf(stderr, "%s: cannot create a directory: %s\n", root, strerror(errno));
        return 1;
    }
    int rc = 1;
    dc_fs *fs = NULL;
    int rawdir = -1;
    int64_t *raw = dc_malloc((size_t)n * sizeof *raw);
    int64_t *put = dc_malloc((size_t)n * sizeof *put);
    uint8_t data[OBJ_SIZE];
    for (int i = 0; i < OBJ_SIZE; i++)
        data[i] = (uint8_t)('a' + i % 26);
    dc_error err;
    char raw_path[4200];
    snprintf(raw_path, sizeof raw_path, "%s/raw", root);
    if (!raw || !put || mkdir(raw_path, 0755) != 0 ||
        (rawdir = open(raw_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "%s: setup failed: %s\n", raw_path, strerror(errno));
        goto cleanup;
    }
    if (dc_fs_local_open(&fs, root, NULL, &err) != DC_OK) {
        fprintf(stderr, "%s\n", err.message);
        goto cleanup;
    }
    /* the log directory exists before timing, as the raw one does */
    if (dc_fs_put_if_absent(fs, "log/warmup", data, OBJ_SIZE, &err) != DC_OK) {
        fprintf(stderr, "%s\n", err.message);
        goto cleanup;
    }
    for (long i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%08ld.json", i);
        int64_t t0 = dc_clock_mono_ns();
        if (raw_create(rawdir, name, data) != 0) {
            fprintf(stderr, "%s/%s: %s\n", raw_path, name, strerror(errno));
            goto cleanup;
        }
        int64_t t1 = dc_clock_mono_ns();
        snprintf(name, sizeof name, "log/%08ld.json", i);
        if (dc_fs_put_if_absent(fs, name, data, OBJ_SIZE, &err) != DC_OK) {
            fprintf(stderr, "%s\n", err.message);
            goto cleanup;
        }
        int64_t t2 = dc_clock_mono_ns();
        raw[i] = t1 - t0;
        put[i] = t2 - t1;
    }
    double raw_med = pct_us(raw, n, 0.5), raw_p99 = pct_us(raw, n, 0.99);
    double put_med = pct_us(put, n, 0.5), put_p99 = pct_us(put, n, 0.99);
    dc_fs_stats st;
    dc_fs_stats_get(fs, &st);
    printf("fs_commit: N=%ld objects of %d bytes each, in %s\n", n, OBJ_SIZE, root);
    printf("  raw O_EXCL+write+fsync+close+fsync(dir): median %9.1f us   p99 %9.1f us\n", raw_med,
           raw_p99);
    printf("  dc_fs_put_if_absent (local, fsync):      median %9.1f us   p99 %9.1f us\n", put_med,
           put_p99);
    printf("  put_if_absent / raw (median): %.2fx; fsyncs per put_if_absent: %.2f\n",
           raw_med > 0 ? put_med / raw_med : 0.0, (double)st.syncs / (double)(n + 1));
    printf("{\"bench\":\"fs_commit\",\"n\":%ld,\"bytes\":%d,\"raw_median_us\":%.1f,"
           "\"raw_p99_us\":%.1f,\"put_if_absent_median_us\":%.1f,\"put_if_absent_p99_us\":%.1f}\n",
           n, OBJ_SIZE, raw_med, raw_p99, put_med, put_p99);
    rc = 0;
cleanup:
    if (rawdir >= 0)
        close(rawdir);
    dc_fs_unref(fs);
    dc_free(raw);
    dc_free(put);
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
