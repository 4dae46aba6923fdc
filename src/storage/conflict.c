/*
 * conflict.c: the conflict rules of FORMAT.md 6.2, checked between the
 * operations (and reads) of a transaction that lost the race for a log
 * position and each transaction that won a position after its read version.
 *
 * Creations and renames are not judged here: the loser revalidates its
 * operations on the winners' state (a name taken meanwhile fails there).
 */
#include "storage/storage_int.h"

#include <stdio.h>

typedef enum kind {
    K_NONE = 0,
    K_ADD,      /* add_delta add */
    K_APPEND,   /* add_delta append */
    K_MERGE,    /* add_delta upsert / delete */
    K_REMOVE,   /* remove_files (compaction) */
    K_EXCL,     /* exclusive add_delta / remove_files (replace, truncate) */
    K_SCHEMA,   /* create / update table version */
    K_META,     /* update_table (rename, properties) */
    K_DROP,     /* drop_table */
} kind;

static const char *const KIND_NAMES[] = {"", "add", "append", "merge", "compaction",
                                         "replace", "schema change", "table update", "drop"};

typedef struct footprint {
    kind k;
    const char *table_id;
    const char *partition;
    const json_t *paths; /* K_REMOVE: the removed paths */
} footprint;

static const char *s(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static footprint classify(const json_t *op)
{
    footprint f = {K_NONE, s(op, "table_id"), s(op, "partition"), NULL};
    const char *name = s(op, "op");
    bool excl = json_is_true(json_object_get(op, "exclusive"));
    if (!f.partition)
        f.partition = "";
    if (!name)
        return f;
    if (!strcmp(name, "add_delta")) {
        const char *t = s(op, "delta_type");
        f.k = excl ? K_EXCL
              : !t ? K_NONE
              : !strcmp(t, "add") ? K_ADD
              : !strcmp(t, "append") ? K_APPEND
                                     : K_MERGE;
    } else if (!strcmp(name, "remove_files")) {
        f.k = excl ? K_EXCL : K_REMOVE;
        f.paths = json_object_get(op, "paths");
    } else if (!strcmp(name, "create_table_version") || !strcmp(name, "update_table_version")) {
        f.k = K_SCHEMA;
    } else if (!strcmp(name, "update_table")) {
        f.k = K_META;
    } else if (!strcmp(name, "drop_table")) {
        f.k = K_DROP;
    }
    return f;
}

static bool overlap(const json_t *a, const json_t *b)
{
    size_t i, j;
    json_t *x, *y;
    json_array_foreach(a, i, x)
    {
        json_array_foreach(b, j, y)
        {
            if (json_is_string(x) && json_is_string(y) &&
                !strcmp(json_string_value(x), json_string_value(y)))
                return true;
        }
    }
    return false;
}

static bool is_data(kind k) { return k == K_ADD || k == K_APPEND || k == K_MERGE || k == K_REMOVE; }

/* Do our footprint and theirs (same table) conflict? */
static bool conflicts(const footprint *ours, const footprint *theirs)
{
    if (ours->k == K_NONE || theirs->k == K_NONE)
        return false;
    if (theirs->k == K_DROP || ours->k == K_DROP)
        return true;
    if (ours->k == K_EXCL || theirs->k == K_EXCL)
        return ours->k != K_META && theirs->k != K_META;
    if (theirs->k == K_SCHEMA)
        return ours->k != K_META;
    if (ours->k == K_SCHEMA)
        return theirs->k != K_META;
    if (ours->k == K_META || theirs->k == K_META)
        return ours->k == K_META && theirs->k == K_META;
    bool same_partition = !strcmp(ours->partition, theirs->partition);
    switch (ours->k) {
    case K_APPEND:
        return same_partition && (theirs->k == K_APPEND || theirs->k == K_MERGE);
    case K_REMOVE:
        /* A compaction folded what it read into a delta that stands at its read
         * version ("merged_through"): merges committed since stay after it. Only
         * files removed twice conflict. */
        return theirs->k == K_REMOVE && overlap(ours->paths, theirs->paths);
    default:
        return false;
    }
}

static dc_status report(dc_error *err, const json_t *state, const char *table_id,
                        const char *what, const json_t *winner, int64_t winner_version)
{
    const json_t *t = dc_state_table(state, table_id);
    const char *tname = t ? s(t, "name") : NULL;
    const char *author = s(winner, "author");
    return dc_error_set(err, DC_ECONFLICT,
                        "conflict on table %s: %s; transaction %s%s%s%s committed first as "
                        "version %lld. Retry the transaction on the new state.",
                        tname ? tname : table_id, what, s(winner, "id") ? s(winner, "id") : "?",
                        author ? " by " : "", author ? author : "", "",
                        (long long)winner_version);
}

dc_status dc_conflict_check(const json_t *our_ops, const dc_read_set *reads,
                            const json_t *winner_txn, int64_t winner_version,
                            const json_t *state, dc_error *err)
{
    const json_t *their_ops = json_object_get(winner_txn, "operations");
    size_t i, j;
    json_t *a, *b;
    json_array_foreach(their_ops, j, b)
    {
        footprint theirs = classify(b);
        if (theirs.k == K_NONE || !theirs.table_id)
            continue;
        json_array_foreach(our_ops, i, a)
        {
            footprint ours = classify(a);
            if (!ours.table_id || strcmp(ours.table_id, theirs.table_id) != 0)
                continue;
            if (conflicts(&ours, &theirs)) {
                char what[160];
                snprintf(what, sizeof what, "our %s meets their %s", KIND_NAMES[ours.k],
                         KIND_NAMES[theirs.k]);
                return report(err, state, ours.table_id, what, winner_txn, winner_version);
            }
        }
        if (reads && reads->data_reads && json_object_get(reads->data_reads, theirs.table_id) &&
            (is_data(theirs.k) || theirs.k == K_EXCL || theirs.k == K_SCHEMA ||
             theirs.k == K_DROP)) {
            char what[160];
            snprintf(what, sizeof what, "we read its data and they committed a %s",
                     KIND_NAMES[theirs.k]);
            return report(err, state, theirs.table_id, what, winner_txn, winner_version);
        }
        if (reads && reads->metadata_reads &&
            json_object_get(reads->metadata_reads, theirs.table_id) &&
            (theirs.k == K_SCHEMA || theirs.k == K_DROP || theirs.k == K_META)) {
            char what[160];
            snprintf(what, sizeof what, "we read its metadata and they committed a %s",
                     KIND_NAMES[theirs.k]);
            return report(err, state, theirs.table_id, what, winner_txn, winner_version);
        }
    }
    return DC_OK;
}
