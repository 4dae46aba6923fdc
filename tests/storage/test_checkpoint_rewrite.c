/*
 * test_checkpoint_rewrite.c: a checkpoint whose writer died half-way and that is
 * written again later (FORMAT.md 5: "any later process may write a missing
 * checkpoint"; gc.c does) equals the replay of the log (LOG-3), whatever the
 * second writer reuses. Regression: chunk objects were named by a counter of
 * the chunks written, so a second writer with other reuse decisions took the
 * first writer's name for another partition's chunk, was told EEXISTS, treated
 * it as "the same content" and pointed the partition at the wrong deltas.
 */
#include "testutil.h"

#include "storage/storage_int.h"

#include <stdio.h>

static dc_status commit_one(dc_store *s, json_t *op)
{
    dc_stxn *t = NULL;
    dc_error e;
    dc_status rc = dc_stxn_begin(&t, s, NULL, &e);
    if (rc == DC_OK)
        rc = dc_stxn_add_op(t, op, &e);
    if (rc == DC_OK)
        rc = dc_stxn_commit(t, "test", NULL, &e);
    if (rc != DC_OK)
        print_message("commit: %s\n", e.message);
    dc_stxn_free(t);
    json_decref(op);
    return rc;
}

static json_t *add_to(const char *part, int n)
{
    char path[64];
    snprintf(path, sizeof path, "data/t/%s/f%d.parquet", part, n);
    return json_pack("{s:s, s:s, s:i, s:s, s:s, s:[{s:s, s:i, s:i}]}", "op", "add_delta",
                     "table_id", "t", "table_version", 1, "partition", part, "delta_type", "add",
                     "files", "path", path, "record_count", 1, "file_size", 10);
}

/* The state at `version` by replay from the empty catalog, as a snapshot that was
 * loaded from no checkpoint (so its writer reuses nothing). */
static dc_snapshot *replayed(dc_store *s, int64_t version)
{
    dc_snapshot *snap = NULL;
    dc_error e;
    assert_int_equal(dc_snapshot_empty(&snap, &e), DC_OK);
    for (int64_t v = 1; v <= version; v++) {
        json_t *entry = NULL, *txn, *op;
        size_t i, j;
        assert_int_equal(dc_store_read_entry(s, v, &entry, &e), DC_OK);
        json_array_foreach(json_object_get(entry, "transactions"), i, txn)
            json_array_foreach(json_object_get(txn, "operations"), j, op)
                assert_int_equal(dc_state_apply(snap->state, op, v, &e), DC_OK);
        snap->timestamp_ns = json_integer_value(json_object_get(entry, "timestamp_ns"));
        json_decref(entry);
    }
    snap->version = version;
    return snap;
}

static void rewritten_checkpoint_after_a_crash_equals_replay(void **state)
{
    dc_fs *fs = NULL;
    dc_store *s = NULL, *fresh = NULL;
    dc_error e;
    assert_int_equal(dc_fs_memory_open(&fs, NULL, NULL, &e), DC_OK);
    dc_store_options o = {.create = true, .checkpoint_interval = 4};
    assert_int_equal(dc_store_open(&s, fs, &o, &e), DC_OK);
    /* 1: namespace, table, version; 2-4: partitions A and B; checkpoint 4 has both. */
    json_t *setup = json_pack("{s:s, s:s, s:s}", "op", "create_namespace", "namespace_id", "n",
                              "name", "n");
    assert_int_equal(commit_one(s, setup), DC_OK);
    /* (the table and its version: two more commits; 4 commits in all before the adds) */
    assert_int_equal(commit_one(s, json_pack("{s:s, s:s, s:s, s:s}", "op", "create_table",
                                             "table_id", "t", "namespace_id", "n", "name", "t")),
                     DC_OK);
    assert_int_equal(commit_one(s, json_pack("{s:s, s:s, s:i, s:{}}", "op",
                                             "create_table_version", "table_id", "t",
                                             "table_version", 1, "schema")),
                     DC_OK);
    assert_int_equal(commit_one(s, add_to("A", 0)), DC_OK); /* 4: checkpoint 4 (A) */
    assert_int_equal(commit_one(s, add_to("B", 1)), DC_OK);
    assert_int_equal(commit_one(s, add_to("B", 2)), DC_OK);
    assert_int_equal(commit_one(s, add_to("B", 3)), DC_OK);
    /* 8: only B changed since checkpoint 4, so its writer reuses A's chunk and writes B's.
     * It dies after B's chunk, before the segment: the segment's put fails. */
    dc_fs_fault f = {.op = DC_FS_OP_PUT_IF_ABSENT, .nth = 3, .count = -1};
    dc_fs_inject_fault(fs, &f); /* puts: the commit, B's chunk, then the segment fails */
    assert_int_equal(commit_one(s, add_to("B", 4)), DC_OK);
    dc_fs_inject_fault(fs, NULL);
    bool exists = true;
    assert_int_equal(dc_fs_exists(fs, "_checkpoints/00000000000000000008/root.json", &exists, &e),
                     DC_OK);
    assert_false(exists); /* the crash left chunks without a root */

    /* A later process writes the missing checkpoint from a state it replayed. */
    dc_snapshot *snap = replayed(s, 8);
    assert_int_equal(dc_store_write_checkpoint(s, snap, &e), DC_OK);

    /* A fresh handle opens checkpoint 8 itself: it must be the state at 8. */
    assert_int_equal(dc_store_open(&fresh, fs, NULL, &e), DC_OK);
    dc_snapshot *loaded = NULL;
    assert_int_equal(dc_store_snapshot_at(fresh, 8, &loaded, &e), DC_OK);
    assert_int_equal(loaded->checkpoint_version, 8);
    json_t *want = json_object_get(json_object_get(json_object_get(dc_state_table(snap->state, "t"),
                                                                   "versions"),
                                                   "1"),
                                   "partitions");
    json_t *got = json_object_get(json_object_get(json_object_get(dc_state_table(loaded->state, "t"),
                                                                  "versions"),
                                                  "1"),
                                  "partitions");
    char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);
    char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
    if (!json_equal(want, got))
        fail_msg("checkpoint 8 differs from the replay:\nreplay:     %s\ncheckpoint: %s", w, g);
    free(w);
    free(g);
    assert_true(json_equal(snap->state, loaded->state));
    dc_snapshot_unref(loaded);
    dc_snapshot_unref(snap);
    dc_store_unref(fresh);
    dc_store_unref(s);
    dc_fs_unref(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rewritten_checkpoint_after_a_crash_equals_replay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
