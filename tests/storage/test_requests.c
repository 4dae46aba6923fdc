/*
 * test_requests.c: what a commit asks of the store. On an object store every request is a
 * round trip, so a handle that is up to date commits with one listing of the log after the
 * version it knows (S3: ListObjectsV2 start-after, max-keys 1) and the conditional put; on
 * a local or memory store with one existence check of the next version, one of the next
 * expiry marker and the put. No re-read of the entry it wrote, no checkpoint pointer. A
 * handle that is behind still finds the latest version, and the states stay those of a
 * replay.
 */
#include "testutil.h"

#include "fs/fs_int.h"
#include "storage/lifecycle_int.h"
#include "storage/storage_int.h"

#include <stdio.h>

static dc_store *open_store(dc_fs *fs, bool create)
{
    dc_store *s = NULL;
    dc_error e;
    dc_store_options o = {.create = create, .checkpoint_interval = 4};
    if (dc_store_open(&s, fs, &o, &e) != DC_OK)
        fail_msg("store: %s", e.message);
    return s;
}

static int64_t commit_ns(dc_store *s, const char *id)
{
    dc_stxn *t = NULL;
    dc_error e;
    int64_t v = 0;
    json_t *op = json_pack("{s:s, s:s, s:s}", "op", "create_namespace", "namespace_id", id,
                           "name", id);
    if (dc_stxn_begin(&t, s, NULL, &e) != DC_OK || dc_stxn_add_op(t, op, &e) != DC_OK ||
        dc_stxn_commit(t, "ns", &v, &e) != DC_OK)
        fail_msg("commit %s: %s", id, e.message);
    json_decref(op);
    dc_stxn_free(t);
    return v;
}

static void up_to_date_commits(int backend)
{
    tu_backend tb;
    tu_backend_init(&tb, backend, "requests");
    dc_fs *fs = tu_backend_fs(&tb);
    bool remote = backend == TU_S3;
    dc_store *s = open_store(fs, true);
    char id[16];
    for (int i = 0; i < 6; i++) { /* past a checkpoint (every 4) */
        snprintf(id, sizeof id, "n%d", i);
        commit_ns(s, id);
    }
    for (int i = 6; i < 12; i++) {
        dc_fs_stats_reset(fs);
        snprintf(id, sizeof id, "n%d", i);
        int64_t v = commit_ns(s, id);
        dc_fs_stats st;
        dc_fs_stats_get(fs, &st);
        int64_t checkpoint = v % 4 == 0; /* a checkpoint's writes come on top */
        if (!checkpoint) { /* (a checkpoint also reads its pointer and writes its objects) */
            assert_int_equal(st.ops[DC_FS_OP_PUT_IF_ABSENT], 1);
            assert_int_equal(st.ops[DC_FS_OP_PUT], 0);
            assert_int_equal(st.ops[DC_FS_OP_GET], 0);
        }
        if (remote) { /* one listing after the version it knows */
            assert_int_equal(st.ops[DC_FS_OP_LIST], 1);
            assert_int_equal(st.ops[DC_FS_OP_STAT], 0);
        } else { /* the next version, the next marker */
            assert_int_equal(st.ops[DC_FS_OP_LIST], 0);
            assert_int_equal(st.ops[DC_FS_OP_STAT], 2);
        }
    }
    /* another handle commits: this one finds out, catches up and commits after it */
    dc_store *other = open_store(fs, false);
    int64_t theirs = commit_ns(other, "x");
    int64_t ours = commit_ns(s, "y");
    assert_int_equal(ours, theirs + 1);
    /* and its state is the replay's */
    dc_store *fresh = open_store(fs, false);
    dc_snapshot *a = NULL, *b = NULL;
    DC_ASSERT_OK(dc_store_snapshot_latest(s, &a, NULL));
    DC_ASSERT_OK(dc_store_snapshot_latest(fresh, &b, NULL));
    assert_int_equal(a->version, ours);
    assert_int_equal(b->version, ours);
    assert_true(json_equal(a->state, b->state));
    assert_non_null(json_object_get(json_object_get(b->state, "namespaces"), "x"));
    assert_non_null(json_object_get(json_object_get(b->state, "namespaces"), "y"));
    dc_snapshot_unref(a);
    dc_snapshot_unref(b);
    dc_store_unref(fresh);
    dc_store_unref(other);
    dc_store_unref(s);
    dc_fs_unref(fs);
    tu_backend_done(&tb);
}

static void test_up_to_date_commits_on_memory(void **state)
{
    (void)state;
    up_to_date_commits(TU_MEMORY);
}

static void test_up_to_date_commits_on_s3(void **state)
{
    (void)state;
    up_to_date_commits(TU_S3);
}

/* dc_fs_first_after: the first key after another under a prefix, in one request. */
static void test_first_after_on_s3(void **state)
{
    (void)state;
    tu_backend tb;
    tu_backend_init(&tb, TU_S3, "first-after");
    dc_fs *fs = tu_backend_fs(&tb);
    DC_ASSERT_OK(dc_fs_put(fs, "_log/0001.json", "a", 1, NULL));
    DC_ASSERT_OK(dc_fs_put(fs, "_log/0003.json", "b", 1, NULL));
    DC_ASSERT_OK(dc_fs_put(fs, "_logs-other/x", "c", 1, NULL));
    char *k = NULL;
    DC_ASSERT_OK(dc_fs_first_after(fs, "_log/", "_log/0001.json", &k, NULL));
    assert_string_equal(k, "_log/0003.json");
    dc_free(k);
    DC_ASSERT_OK(dc_fs_first_after(fs, "_log/", "_log/0002.json", &k, NULL));
    assert_string_equal(k, "_log/0003.json"); /* "after" need not exist */
    dc_free(k);
    DC_ASSERT_OK(dc_fs_first_after(fs, "_log/", "_log/0003.json", &k, NULL));
    assert_null(k); /* nothing after, and nothing outside the prefix */
    dc_error e;
    assert_int_equal(dc_fs_first_after(fs, "_log/", "../x", &k, &e), DC_EINVALID);
    dc_fs_unref(fs);
    tu_backend_done(&tb);
    /* a memory store says it cannot (its existence checks cost nothing) */
    dc_fs *mem = NULL;
    DC_ASSERT_OK(dc_fs_memory_open(&mem, NULL, NULL, NULL));
    assert_int_equal(dc_fs_first_after(mem, "_log/", "_log/0001.json", &k, &e), DC_EUNSUPPORTED);
    dc_fs_unref(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_up_to_date_commits_on_memory),
        cmocka_unit_test(test_up_to_date_commits_on_s3),
        cmocka_unit_test(test_first_after_on_s3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
