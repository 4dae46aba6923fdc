/* test_txn_api.c: the public catalog and transaction API, and transaction history. */
#include "testutil.h"

#include "catalog/catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Public transactions carry no table operations until the tables API; the tests
 * reach the storage transaction underneath to add some. */
static void add_namespace(dc_txn *t, const char *name)
{
    dc_error e;
    char id[37];
    assert_int_equal(dc_uuid(id, &e), DC_OK);
    json_t *op = json_pack("{s:s, s:s, s:s}", "op", "create_namespace", "namespace_id", id, "name", name);
    if (dc_stxn_add_op(t->st, op, &e) != DC_OK)
        fail_msg("%s", e.message);
    json_decref(op);
}

static int64_t commit_namespace(dc_catalog *c, const char *name, const char *author, const char *msg)
{
    dc_txn *t = NULL;
    dc_error e;
    int64_t v = -1;
    assert_int_equal(dc_txn_begin(&t, c, &(dc_txn_options){.author = author}, &e), DC_OK);
    add_namespace(t, name);
    if (dc_txn_commit(t, msg, &v, &e) != DC_OK)
        fail_msg("%s", e.message);
    dc_txn_abort(t);
    return v;
}

static void open_create_and_reopen_local(void **state)
{
    char *dir = tu_tmpdir(), root[512];
    snprintf(root, sizeof root, "%s/lake/.deltacat", dir);
    dc_catalog *c = NULL;
    dc_error e;
    assert_int_equal(dc_catalog_open(&c, root, NULL, &e), DC_ENOTFOUND);
    assert_int_equal(dc_catalog_open(&c, root, &(dc_catalog_options){.create = true}, &e), DC_OK);
    char id[64];
    snprintf(id, sizeof id, "%s", dc_catalog_id(c));
    assert_int_equal(strlen(id), 36);
    assert_int_equal(commit_namespace(c, "default", "ann", "first"), 1);
    dc_catalog_close(c);
    char url[600];
    snprintf(url, sizeof url, "file://%s", root);
    assert_int_equal(dc_catalog_open(&c, url, NULL, &e), DC_OK);
    assert_string_equal(dc_catalog_id(c), id);
    int64_t latest;
    assert_int_equal(dc_catalog_latest_version(c, &latest, &e), DC_OK);
    assert_int_equal(latest, 1);
    dc_catalog_close(c);
    assert_int_equal(dc_catalog_open(&c, "", NULL, &e), DC_EINVALID);
    assert_int_equal(dc_catalog_open(&c, "ftp://x", NULL, &e), DC_EINVALID);
    /* A directory with other content is not silently made a catalog without create. */
    assert_int_equal(dc_catalog_open(&c, dir, NULL, &e), DC_ENOTFOUND);
    tu_rmdir(dir);
    dc_free(dir);
}

static void transactions_commit_abort_and_read_as_of(void **state)
{
    dc_catalog *c = NULL;
    dc_error e;
    assert_int_equal(dc_catalog_open(&c, "mem://api-txn", &(dc_catalog_options){.create = true}, &e), DC_OK);
    commit_namespace(c, "a", NULL, NULL);
    commit_namespace(c, "b", NULL, NULL);
    dc_txn *t = NULL;
    assert_int_equal(dc_txn_begin(&t, c, NULL, &e), DC_OK);
    add_namespace(t, "never");
    dc_txn_abort(t); /* aborted: leaves no trace */
    int64_t latest;
    dc_catalog_latest_version(c, &latest, &e);
    assert_int_equal(latest, 2);
    assert_int_equal(dc_txn_begin(&t, c, &(dc_txn_options){.as_of_version = 1}, &e), DC_OK);
    assert_true(dc_txn_read_only(t));
    assert_int_equal(dc_txn_read_version(t), 1);
    int64_t v;
    assert_int_equal(dc_txn_commit(t, "nothing", &v, &e), DC_OK); /* nothing to write */
    assert_int_equal(v, 1);
    dc_txn_abort(t);
    assert_int_equal(dc_txn_begin(&t, c, &(dc_txn_options){.as_of_version = 1, .as_of_ns = 5}, &e),
                     DC_EINVALID);
    dc_catalog_close(c);
    dc_fs_memory_drop("api-txn", NULL);
}

static void history_is_newest_first_with_limits_and_ranges(void **state)
{
    dc_catalog *c = NULL;
    dc_error e;
    assert_int_equal(dc_catalog_open(&c, "mem://api-hist", &(dc_catalog_options){.create = true}, &e), DC_OK);
    char *ids[6] = {0};
    int64_t ts[7] = {0};
    for (int i = 1; i <= 6; i++) {
        char name[16], msg[32];
        snprintf(name, sizeof name, "ns%d", i);
        snprintf(msg, sizeof msg, "commit %d", i);
        commit_namespace(c, name, i % 2 ? "odd" : NULL, msg);
        dc_txn_info *one = NULL;
        int64_t n;
        assert_int_equal(dc_catalog_history(c, &(dc_history_query){.limit = 1}, &one, &n, &e), DC_OK);
        assert_int_equal(n, 1);
        assert_int_equal(one[0].version, i);
        ids[i - 1] = dc_strdup(one[0].id);
        ts[i] = one[0].end_ns;
        assert_true(one[0].end_ns >= one[0].start_ns);
        dc_txn_info_free(one, n);
    }
    dc_txn_info *all = NULL;
    int64_t n;
    assert_int_equal(dc_catalog_history(c, NULL, &all, &n, &e), DC_OK);
    assert_int_equal(n, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(all[i].version, 6 - i);
        assert_string_equal(all[i].status, "committed");
        assert_int_equal(all[i].op_counts[DC_OP_CREATE_NAMESPACE], 1);
        assert_int_equal(all[i].op_counts[DC_OP_ADD_DELTA], 0);
        char msg[32];
        snprintf(msg, sizeof msg, "commit %d", 6 - i);
        assert_string_equal(all[i].message, msg);
        if ((6 - i) % 2)
            assert_string_equal(all[i].author, "odd");
        else
            assert_null(all[i].author);
    }
    dc_txn_info_free(all, n);
    assert_int_equal(dc_catalog_history(c, &(dc_history_query){.since_ns = ts[3], .until_ns = ts[5]},
                                        &all, &n, &e),
                     DC_OK);
    assert_int_equal(n, 3);
    assert_int_equal(all[0].version, 5);
    assert_int_equal(all[2].version, 3);
    dc_txn_info_free(all, n);
    assert_int_equal(dc_catalog_history(c, &(dc_history_query){.limit = -1}, &all, &n, &e), DC_EINVALID);
    dc_txn_info *one = NULL;
    assert_int_equal(dc_catalog_transaction(c, ids[2], &one, &e), DC_OK);
    assert_int_equal(one->version, 3);
    dc_txn_info_free(one, 1);
    assert_int_equal(dc_catalog_transaction(c, "no-such-id", &one, &e), DC_ENOTFOUND);
    for (int i = 0; i < 6; i++)
        dc_free(ids[i]);
    assert_string_equal(dc_op_kind_name(DC_OP_ADD_DELTA), "add_delta");
    dc_catalog_close(c);
    dc_fs_memory_drop("api-hist", NULL);
}

static void default_catalog_and_catalogs_by_name(void **state)
{
    (void)state;
    char *dir = tu_tmpdir();
    char root[1024];
    snprintf(root, sizeof root, "%s/dflt", dir);
    setenv("DELTACAT_ROOT", root, 1);
    dc_catalog *a, *b, *got;
    dc_error e;
    dc_catalog_options o = {.create = true};
    assert_int_equal(dc_catalog_open_default(&a, NULL, &e), DC_ENOTFOUND); /* not created */
    DC_ASSERT_OK(dc_catalog_open_default(&a, &o, NULL));
    unsetenv("DELTACAT_ROOT");
    DC_ASSERT_OK(dc_catalog_open(&b, "mem://registry-test", &o, NULL));
    assert_int_equal(dc_catalogs_get(NULL, &got, &e), DC_ENOTFOUND);
    DC_ASSERT_OK(dc_catalogs_put("prod", a, NULL));
    DC_ASSERT_OK(dc_catalogs_put("copy", b, NULL));
    assert_int_equal(dc_catalogs_put("copy", a, &e), DC_EEXISTS);
    assert_int_equal(dc_catalogs_put("a/b", a, &e), DC_EINVALID);
    DC_ASSERT_OK(dc_catalogs_get(NULL, &got, NULL)); /* the first one put */
    assert_string_equal(dc_catalog_id(got), dc_catalog_id(a));
    dc_catalog_close(got);
    DC_ASSERT_OK(dc_catalogs_set_default("copy", NULL));
    DC_ASSERT_OK(dc_catalogs_get(NULL, &got, NULL));
    assert_string_equal(dc_catalog_id(got), dc_catalog_id(b));
    dc_catalog_close(got);
    char **names;
    int64_t n, d;
    DC_ASSERT_OK(dc_catalogs_names(&names, &n, &d, NULL));
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "copy");
    assert_string_equal(names[1], "prod");
    assert_int_equal(d, 0);
    dc_catalogs_names_free(names, n);
    assert_int_equal(dc_catalogs_get("nope", &got, &e), DC_ENOTFOUND);
    assert_non_null(strstr(e.message, "nope"));
    dc_catalog_close(a); /* the registry keeps its own references */
    dc_catalog_close(b);
    DC_ASSERT_OK(dc_catalogs_get("prod", &got, NULL));
    dc_catalog_close(got);
    DC_ASSERT_OK(dc_catalogs_remove("prod", NULL));
    DC_ASSERT_OK(dc_catalogs_remove("copy", NULL));
    assert_int_equal(dc_catalogs_remove("copy", &e), DC_ENOTFOUND);
    assert_int_equal(dc_catalogs_get(NULL, &got, &e), DC_ENOTFOUND);
    tu_rmdir(dir);
    dc_free(dir);
}

/* dc_catalog_options.max_staleness_ms: handles opted in begin on the version they
 * confirmed last; a transaction can ask anyway (< 0) or set its own bound. */
static void bounded_staleness_is_opt_in_per_handle_and_per_transaction(void **state)
{
    (void)state;
    dc_catalog *a = NULL, *b = NULL, *bad = NULL;
    dc_error e;
    DC_ASSERT_OK(dc_catalog_open(&a, "mem://api-stale",
                                 &(dc_catalog_options){.create = true, .max_staleness_ms = 30000},
                                 NULL));
    DC_ASSERT_OK(dc_catalog_open(&b, "mem://api-stale", NULL, NULL));
    int64_t mine = commit_namespace(a, "a", NULL, NULL);
    commit_namespace(b, "b", NULL, NULL); /* a has not seen it */
    dc_txn *t = NULL;
    DC_ASSERT_OK(dc_txn_begin(&t, a, NULL, NULL));
    assert_int_equal(dc_txn_read_version(t), mine);
    dc_txn_abort(t);
    DC_ASSERT_OK(dc_txn_begin(&t, a, &(dc_txn_options){.max_staleness_ms = -1}, NULL));
    assert_int_equal(dc_txn_read_version(t), mine + 1); /* asked */
    dc_txn_abort(t);
    commit_namespace(b, "c", NULL, NULL);
    DC_ASSERT_OK(dc_txn_begin(&t, b, &(dc_txn_options){.max_staleness_ms = 20000}, NULL));
    assert_int_equal(dc_txn_read_version(t), mine + 2); /* b committed it */
    dc_txn_abort(t);
    /* a's write on its stale state still commits after the commits it did not see */
    int64_t v = commit_namespace(a, "d", NULL, NULL);
    assert_int_equal(v, mine + 3);
    assert_int_equal(dc_txn_begin(&t, a, &(dc_txn_options){.max_staleness_ms = 60001}, &e),
                     DC_EINVALID);
    assert_null(t);
    assert_int_equal(dc_catalog_open(&bad, "mem://api-stale",
                                     &(dc_catalog_options){.max_staleness_ms = -5}, &e),
                     DC_EINVALID);
    assert_non_null(strstr(e.message, "max_staleness_ms"));
    assert_int_equal(dc_catalog_open(&bad, "mem://api-stale",
                                     &(dc_catalog_options){.max_staleness_ms = 3600000}, &e),
                     DC_EINVALID);
    assert_null(bad);
    dc_catalog_close(a);
    dc_catalog_close(b);
    dc_fs_memory_drop("api-stale", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_create_and_reopen_local),
        cmocka_unit_test(transactions_commit_abort_and_read_as_of),
        cmocka_unit_test(history_is_newest_first_with_limits_and_ranges),
        cmocka_unit_test(default_catalog_and_catalogs_by_name),
        cmocka_unit_test(bounded_staleness_is_opt_in_per_handle_and_per_transaction),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
