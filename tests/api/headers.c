/*
 * test_headers.c: the public headers compile on their own, strictly (this file
 * is built with -pedantic), with nothing of src/ in sight, and every function
 * they declare links.
 */
#include <deltacat/arrow_c.h>
#include <deltacat/catalog.h>
#include <deltacat/columnar.h>
#include <deltacat/common.h>
#include <deltacat/formats.h>
#include <deltacat/table.h>

#include <stdio.h>

int main(void)
{
    /* Take the address of a function of each header so the linker checks them. */
    void *fns[] = {(void *)dc_status_name,
                   (void *)dc_version,
                   (void *)dc_type_parse,
                   (void *)dc_reader_export,
                   (void *)dc_file_reader_open,
                   (void *)dc_catalog_open,
                   (void *)dc_txn_commit,
                   (void *)dc_catalog_history,
                   (void *)dc_catalog_open_default,
                   (void *)dc_catalogs_put,
                   (void *)dc_catalogs_get,
                   (void *)dc_catalogs_set_default,
                   (void *)dc_catalogs_remove,
                   (void *)dc_catalogs_names,
                   (void *)dc_catalogs_names_free,
                   (void *)dc_namespace_alter,
                   (void *)dc_namespace_create,
                   (void *)dc_namespace_drop,
                   (void *)dc_namespace_exists,
                   (void *)dc_namespace_get,
                   (void *)dc_namespace_info_clear,
                   (void *)dc_namespace_infos_free,
                   (void *)dc_namespace_list,
                   (void *)dc_read_plan_free,
                   (void *)dc_table_alter,
                   (void *)dc_table_commit_staged,
                   (void *)dc_table_create,
                   (void *)dc_table_create_version,
                   (void *)dc_table_describe,
                   (void *)dc_table_drop,
                   (void *)dc_table_exists,
                   (void *)dc_table_info_clear,
                   (void *)dc_table_infos_free,
                   (void *)dc_table_list,
                   (void *)dc_table_options_init,
                   (void *)dc_table_plan,
                   (void *)dc_table_read,
                   (void *)dc_table_read_options_init,
                   (void *)dc_table_rename,
                   (void *)dc_table_rollback,
                   (void *)dc_table_stage,
                   (void *)dc_table_truncate,
                   (void *)dc_table_update_schema,
                   (void *)dc_table_versions,
                   (void *)dc_catalog_close,
                   (void *)dc_catalog_latest_version,
                   (void *)dc_catalog_transaction,
                   (void *)dc_txn_abort,
                   (void *)dc_txn_begin,
                   (void *)dc_txn_info_free,
                   (void *)dc_txn_read_only,
                   (void *)dc_table_set_lifecycle,
                   (void *)dc_table_materialize,
                   (void *)dc_table_versions_free,
                   (void *)dc_table_write,
                   (void *)dc_table_write_files,
                   (void *)dc_table_write_options_init,
                   (void *)dc_write_mode_from_name};
    int n = 0;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        n += fns[i] != NULL;
    printf("%d public functions linked; deltacat %s\n", n, dc_version());
    return n == (int)(sizeof fns / sizeof fns[0]) ? 0 : 1;
}
