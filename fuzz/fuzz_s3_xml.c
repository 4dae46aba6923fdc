/*
 * fuzz_s3_xml.c: arbitrary bytes as an S3 answer (src/fs/s3_xml.c), as any endpoint may
 * send them. Whatever the bytes: a failure carries DC_ECORRUPT (or DC_ENOMEM) and a
 * message; a success has a kind, and for a listing items whose keys are NUL-terminated
 * strings, prefixes without sizes and objects with sizes >= 0; uploads (ListMultipartUploads)
 * with a key and an upload id; failed keys (DeleteObjects) with a key; parts in totals that
 * are never negative. Never a crash, a leak or an overread.
 */
#include "fs/s3_int.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dc_error e;
    dc_error_clear(&e);
    dc_s3_xml x;
    dc_status rc = dc_s3__xml_parse(&x, data, (int64_t)size, &e);
    if (rc != DC_OK) {
        if ((rc != DC_ECORRUPT && rc != DC_ENOMEM) || !e.message[0])
            abort();
        dc_s3__xml_free(&x);
        return 0;
    }
    if (x.n_items < 0 || x.n_items > x.cap_items ||
        (x.n_items > 0 && x.kind != DC_S3_XML_LIST && x.kind != DC_S3_XML_UPLOADS &&
         x.kind != DC_S3_XML_DELETE))
        abort();
    for (int64_t i = 0; i < x.n_items; i++) {
        const dc_s3_xml_item *it = &x.items[i];
        if (!it->key || strlen(it->key) > size || (it->is_prefix ? it->size != -1 : it->size < 0))
            abort();
        if (x.kind == DC_S3_XML_UPLOADS && (!it->upload_id || strlen(it->upload_id) > size))
            abort();
        if (it->error_code && strlen(it->error_code) > size)
            abort();
    }
    if (x.n_parts < 0 || x.parts_size < 0 || x.next_part_marker < 0 ||
        (x.n_parts > 0 && x.kind != DC_S3_XML_PARTS))
        abort();
    if (x.next_key_marker && strlen(x.next_key_marker) > size)
        abort();
    if (x.upload_id && strlen(x.upload_id) > size)
        abort();
    if (strlen(x.code) >= sizeof x.code || strlen(x.message) >= sizeof x.message)
        abort();
    dc_s3__xml_free(&x);
    return 0;
}
