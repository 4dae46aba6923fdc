/* test_io.c: byte sources and sinks: local files, memory, pipes, atomic finish. */
#include "testutil.h"

#include "fs/io_int.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static int count_entries(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static void file_output_appears_only_at_finish(void **state)
{
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    dc_output *o = NULL;
    dc_error e;
    assert_int_equal(dc_output_open_file(&o, path, NULL, &e), DC_OK);
    assert_int_equal(dc_output_write(o, "hello ", 6, &e), DC_OK);
    assert_false(exists(path)); /* written to a temporary name */
    assert_int_equal(dc_output_write(o, "world", 5, &e), DC_OK);
    assert_int_equal(dc_output_finish(o, &e), DC_OK);
    assert_int_equal(dc_output_write(o, "x", 1, &e), DC_EINVALID); /* after finish */
    dc_output_close(o);
    assert_true(exists(path));
    assert_int_equal(count_entries(dir), 1); /* no temporary left */

    dc_input *in = NULL;
    char buf[32];
    int64_t got;
    assert_int_equal(dc_input_open_file(&in, path, &e), DC_OK);
    assert_int_equal(in->size, 11);
    assert_int_equal(dc_input_read_at(in, 6, buf, 100, &got, &e), DC_OK);
    assert_int_equal(got, 5);
    assert_memory_equal(buf, "world", 5);
    assert_int_equal(dc_input_read_at(in, 0, buf, 5, &got, &e), DC_OK);
    assert_memory_equal(buf, "hello", 5);
    assert_int_equal(in->bytes_read, 10);
    dc_input_close(in);
    tu_rmdir(dir);
    dc_free(dir);
}

static void aborted_output_leaves_nothing(void **state)
{
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    dc_output *o = NULL;
    dc_error e;
    assert_int_equal(dc_output_open_file(&o, path, NULL, &e), DC_OK);
    char big[3 << 20];
    memset(big, 'a', sizeof big);
    assert_int_equal(dc_output_write(o, big, sizeof big, &e), DC_OK); /* past the buffer */
    dc_output_close(o);                                                 /* not finished */
    assert_false(exists(path));
    assert_int_equal(count_entries(dir), 0);
    tu_rmdir(dir);
    dc_free(dir);
}

static void output_over_an_existing_file_replaces_it_at_finish(void **state)
{
    char *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/f", dir);
    FILE *f = fopen(path, "w");
    fputs("old", f);
    fclose(f);
    dc_output *o = NULL;
    dc_error e;
    dc_output_options opts = {.fsync = true};
    assert_int_equal(dc_output_open_file(&o, path, &opts, &e), DC_OK);
    assert_int_equal(dc_output_write(o, "new!", 4, &e), DC_OK);
    f = fopen(path, "r");
    char buf[8] = {0};
    assert_int_equal(fread(buf, 1, 7, f), 3); /* still the old file */
    fclose(f);
    assert_int_equal(dc_output_finish(o, &e), DC_OK);
    dc_output_close(o);
    f = fopen(path, "r");
    memset(buf, 0, sizeof buf);
    assert_int_equal(fread(buf, 1, 7, f), 4);
    fclose(f);
    assert_string_equal(buf, "new!");
    tu_rmdir(dir);
    dc_free(dir);
}

static void opening_missing_or_directory_fails_clearly(void **state)
{
    dc_input *in = NULL;
    dc_output *o = NULL;
    dc_error e;
    assert_int_equal(dc_input_open_file(&in, "/nonexistent/x.csv", &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "/nonexistent/x.csv"));
    assert_int_equal(dc_input_open_file(&in, "/tmp", &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "directory"));
    assert_int_equal(dc_output_open_file(&o, "/tmp", NULL, &e), DC_EINVALID);
    assert_int_equal(dc_output_open_file(&o, "/nonexistent/dir/x", NULL, &e), DC_ENOTFOUND);
    assert_null(o);
}

static void memory_input_and_output(void **state)
{
    dc_input *in = NULL;
    dc_error e;
    char buf[8];
    int64_t got;
    assert_int_equal(dc_input_open_memory(&in, "abcdef", 6, true, "mem", &e), DC_OK);
    assert_int_equal(dc_input_read_at(in, 4, buf, 8, &got, &e), DC_OK);
    assert_int_equal(got, 2);
    assert_int_equal(dc_input_read_at(in, 7, buf, 1, &got, &e), DC_EINVALID);
    assert_int_equal(dc_input_read_at(in, -1, buf, 1, &got, &e), DC_EINVALID);
    dc_input_close(in);
    dc_output *o = NULL;
    assert_int_equal(dc_output_open_memory(&o, &e), DC_OK);
    assert_int_equal(dc_output_write(o, "xy", 2, &e), DC_OK);
    assert_int_equal(dc_output_finish(o, &e), DC_OK);
    int64_t n;
    const uint8_t *d = dc_output_memory_data(o, &n);
    assert_int_equal(n, 2);
    assert_memory_equal(d, "xy", 2);
    dc_output_close(o);
}

static void pipes_read_forward_only(void **state)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "pipe data", 9), 9);
    close(fds[1]);
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    dc_input *in = NULL;
    dc_error e;
    char buf[16];
    int64_t got;
    assert_int_equal(dc_input_open_file(&in, "-", &e), DC_OK);
    assert_int_equal(in->size, -1);
    assert_int_equal(dc_input_read_at(in, 0, buf, 4, &got, &e), DC_OK);
    assert_int_equal(got, 4);
    assert_int_equal(dc_input_read_at(in, 0, buf, 4, &got, &e), DC_EINVALID); /* no seeking back */
    assert_int_equal(dc_input_read_at(in, 4, buf, 16, &got, &e), DC_OK);
    assert_int_equal(got, 5);
    assert_memory_equal(buf, " data", 5);
    dc_input_close(in);
    dup2(saved, 0);
    close(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_output_appears_only_at_finish),
        cmocka_unit_test(aborted_output_leaves_nothing),
        cmocka_unit_test(output_over_an_existing_file_replaces_it_at_finish),
        cmocka_unit_test(opening_missing_or_directory_fails_clearly),
        cmocka_unit_test(memory_input_and_output),
        cmocka_unit_test(pipes_read_forward_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
