/* catalog_int.h: the public catalog handles over the storage layer. */
#ifndef DC_CATALOG_INT_H
#define DC_CATALOG_INT_H

#include <deltacat/catalog.h>

#include "storage/storage_int.h"

struct dc_catalog {
    int64_t refs;
    dc_store *store;
    int64_t max_staleness_ms; /* dc_catalog_options.max_staleness_ms */
};

struct dc_txn {
    dc_catalog *catalog;
    dc_stxn *st;
};

#endif
