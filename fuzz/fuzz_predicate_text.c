/*
 * fuzz_predicate_text.c: arbitrary bytes as the readable filter syntax
 * ("age > 3 and city = 'Paris'", src/compute/predicate_text.c). Whatever the
 * bytes: a failure carries DC_EINVALID (or DC_ENOMEM) and a message; a success
 * is a JSON tree that the predicate parser takes or refuses cleanly, and whose
 * canonical form parses back to itself. Never a crash, leak or overread.
 */
#include "compute/predicate_int.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dc_error e;
    json_t *j = NULL;
    dc_error_clear(&e);
    dc_status rc = dc_pred_text_to_json(&j, (const char *)data, (int64_t)size, &e);
    if (rc != DC_OK) {
        if ((rc != DC_EINVALID && rc != DC_ENOMEM) || !e.message[0])
            abort();
        return 0;
    }
    dc_pred *p = NULL;
    rc = dc_pred_from_json(&p, j, &e);
    json_decref(j);
    if (rc != DC_OK) {
        if (rc != DC_EINVALID || !e.message[0])
            abort();
        return 0;
    }
    json_t *canon = dc_pred_to_json(p);
    char *text = canon ? json_dumps(canon, JSON_COMPACT) : NULL;
    dc_pred *q = NULL;
    if (!text || dc_pred_parse(&q, text, (int64_t)strlen(text), &e) != DC_OK)
        abort();
    json_t *again = dc_pred_to_json(q);
    if (!again || !json_equal(again, canon))
        abort();
    json_decref(again);
    json_decref(canon);
    free(text);
    dc_pred_free(q);
    dc_pred_free(p);
    return 0;
}
