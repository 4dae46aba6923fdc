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

#include <stdio.h>

int main(void)
{
    /* Take the address of a function of each header so the linker checks them. */
    void *fns[] = {(void *)dc_status_name, (void *)dc_version,  (void *)dc_type_parse,
                   (void *)dc_reader_export, (void *)dc_file_reader_open, (void *)dc_catalog_open,
                   (void *)dc_txn_commit, (void *)dc_catalog_history};
    int n = 0;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        n += fns[i] != NULL;
    printf("%d public functions linked; deltacat %s\n", n, dc_version());
    return n == (int)(sizeof fns / sizeof fns[0]) ? 0 : 1;
}
