/*
 * state.c: applying the operations of FORMAT.md 4.1 to a state document.
 *
 * Invariants (tests cite them as STATE-n):
 *  STATE-1 A failed apply leaves the state exactly as it was: every check
 *          happens before the first change.
 *  STATE-2 Namespace names are unique; table names are unique within their
 *          namespace; ids never change and are never reused.
 *  STATE-3 A partition's deltas have stream positions 1, 2, 3, ... in the
 *          order they were applied (log order), whatever the writers' views.
 *  STATE-4 A file path appears at most once in one add_delta operation; that a
 *          path is not live twice in a table is the writer's duty (files are
 *          uniquely named and staged per transaction), so applying a commit
 *          never scans the table.
 *  STATE-5 Applying never changes an object another state shares (copy-on-write).
 */
#include "storage/storage_int.h"

#include <stdio.h>

static dc_status bad(dc_error *err, const char *op, const char *what)
{
    return dc_error_set(err, DC_EINVALID, "malformed %s operation: %s", op, what);
}

static const char *str_member(const json_t *op, const char *key)
{
    const json_t *v = json_object_get(op, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * Copy-on-write (STATE-5). States share unchanged objects: a new state starts as
 * a shallow copy of its base, and every object on the path to a change is
 * copied (shallowly) before it is changed, when anyone else holds it. So a
 * commit costs the depth of the change plus the width of the objects on its
 * path, never the size of the catalog.
 */
static json_t *cow_member(json_t *parent, const char *key)
{
    json_t *child = json_object_get(parent, key);
    if (!child || child->refcount <= 1)
        return child;
    json_t *copy = json_copy(child);
    if (!copy || json_object_set_new(parent, key, copy) != 0)
        return NULL;
    return copy;
}

static json_t *cow_index(json_t *array, size_t i)
{
    json_t *child = json_array_get(array, i);
    if (!child || child->refcount <= 1)
        return child;
    json_t *copy = json_copy(child);
    if (!copy || json_array_set_new(array, i, copy) != 0)
        return NULL;
    return copy;
}

/* The table version object `vkey` of table `table_id`, unshared along the path. */
static json_t *cow_table_version(json_t *state, const char *table_id, const char *vkey)
{
    json_t *tables = cow_member(state, "tables");
    json_t *t = tables ? cow_member(tables, table_id) : NULL;
    json_t *versions = t ? cow_member(t, "versions") : NULL;
    return versions ? cow_member(versions, vkey) : NULL;
}

dc_status dc_state_check_name(const char *kind, const char *name, dc_error *err)
{
    size_t n = strlen(name);
    if (n == 0 || n > 255)
        return dc_error_set(err, DC_EINVALID, "%s name must be 1 to 255 bytes, not %zu", kind, n);
    if (!dc_utf8_valid(name, (int64_t)n))
        return dc_error_set(err, DC_EINVALID, "%s name is not valid UTF-8", kind);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return dc_error_set(err, DC_EINVALID,
                                "%s name \"%s\" may not contain '/', '\\' or control characters",
                                kind, name);
    }
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return dc_error_set(err, DC_EINVALID, "%s name may not be \".\" or \"..\"", kind);
    return DC_OK;
}

json_t *dc_state_namespace(const json_t *state, const char *namespace_id)
{
    return json_object_get(json_object_get(state, "namespaces"), namespace_id);
}

json_t *dc_state_table(const json_t *state, const char *table_id)
{
    return json_object_get(json_object_get(state, "tables"), table_id);
}

const char *dc_state_namespace_id_by_name(const json_t *state, const char *name)
{
    const char *id;
    json_t *ns;
    json_object_foreach(json_object_get(state, "namespaces"), id, ns)
    {
        const char *n = str_member(ns, "name");
        if (n && !strcmp(n, name))
            return id;
    }
    return NULL;
}

const char *dc_state_table_id_by_name(const json_t *state, const char *namespace_id,
                                      const char *name)
{
    const char *id;
    json_t *t;
    json_object_foreach(json_object_get(state, "tables"), id, t)
    {
        const char *n = str_member(t, "name"), *ns = str_member(t, "namespace_id");
        if (n && ns && !strcmp(n, name) && !strcmp(ns, namespace_id))
            return id;
    }
    return NULL;
}

static json_t *properties_of(const json_t *op, const char *opname, dc_error *err, dc_status *rc)
{
    json_t *p = json_object_get(op, "properties");
    *rc = DC_OK;
    if (!p)
        return json_object();
    if (!json_is_object(p)) {
        *rc = bad(err, opname, "\"properties\" must be an object");
        return NULL;
    }
    return json_deep_copy(p);
}

static dc_status set_new(json_t *obj, const char *key, json_t *value, dc_error *err)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        return dc_error_nomem(err);
    return DC_OK;
}

static json_t *table_version(const json_t *state, const json_t *op, const char *opname,
                             const char **table_id, char vkey[24], dc_error *err,
                             dc_status *rc)
{
    *table_id = str_member(op, "table_id");
    json_t *tv = json_object_get(op, "table_version");
    *rc = DC_OK;
    if (!*table_id || !json_is_integer(tv) || json_integer_value(tv) < 1) {
        *rc = bad(err, opname, "needs \"table_id\" and a positive \"table_version\"");
        return NULL;
    }
    json_t *t = dc_state_table(state, *table_id);
    if (!t) {
        *rc = dc_error_set(err, DC_ENOTFOUND, "table %s does not exist", *table_id);
        return NULL;
    }
    snprintf(vkey, 24, "%lld", (long long)json_integer_value(tv));
    json_t *v = json_object_get(json_object_get(t, "versions"), vkey);
    if (!v)
        *rc = dc_error_set(err, DC_ENOTFOUND, "table %s has no version %s",
                           str_member(t, "name") ? str_member(t, "name") : *table_id, vkey);
    return v;
}

static bool valid_delta_type(const char *t)
{
    return t && (!strcmp(t, "add") || !strcmp(t, "append") || !strcmp(t, "upsert") ||
                 !strcmp(t, "delete"));
}

/* A file entry has a catalog-relative path that obeys the fs/ rules, and sizes >= 0. */
static dc_status check_file(const json_t *f, dc_error *err)
{
    const char *path = str_member(f, "path");
    if (!json_is_object(f) || !path)
        return bad(err, "add_delta", "every file needs a \"path\"");
    dc_status rc = dc_fs_path_check(path, err);
    if (rc != DC_OK)
        return rc;
    if (!strncmp(path, "_log/", 5) || !strncmp(path, "_checkpoints/", 13) ||
        !strcmp(path, DC_CATALOG_FILE) || !strncmp(path, "_txn/", 5))
        return dc_error_set(err, DC_EINVALID, "file path %s is inside the catalog's metadata",
                            path);
    const json_t *rc_v = json_object_get(f, "record_count"), *sz = json_object_get(f, "file_size");
    if (!json_is_integer(rc_v) || json_integer_value(rc_v) < 0 || !json_is_integer(sz) ||
        json_integer_value(sz) < 0)
        return dc_error_set(err, DC_EINVALID,
                            "file %s needs a \"record_count\" and a \"file_size\" >= 0", path);
    return DC_OK;
}

/* Record that chunk (position - 1) / DC_CHUNK_DELTAS of partition `p` (unshared)
 * changed at `version`, so the next checkpoint rewrites that chunk only. */
static dc_status mark_chunk(json_t *p, json_int_t position, int64_t version)
{
    char k[24];
    snprintf(k, sizeof k, "%lld", (long long)((position - 1) / DC_CHUNK_DELTAS));
    json_t *mods = cow_member(p, "chunk_mod");
    if (!mods) {
        mods = json_object();
        if (!mods || json_object_set_new(p, "chunk_mod", mods) != 0)
            return DC_ENOMEM;
    }
    return json_object_set_new(mods, k, json_integer(version)) == 0 ? DC_OK : DC_ENOMEM;
}

static void mark_modified(json_t *version_obj, int64_t version)
{
    json_object_set_new(version_obj, "modified", json_integer(version));
}

static dc_status apply_add_delta(json_t *state, const json_t *op, int64_t version, dc_error *err)
{
    dc_status rc;
    const char *table_id;
    char vkey[24];
    json_t *tv = table_version(state, op, "add_delta", &table_id, vkey, err, &rc);
    if (!tv)
        return rc;
    const char *part = str_member(op, "partition");
    const char *type = str_member(op, "delta_type");
    const json_t *files = json_object_get(op, "files");
    if (!part)
        part = "";
    if (!valid_delta_type(type))
        return bad(err, "add_delta", "\"delta_type\" must be add, append, upsert or delete");
    if (!json_is_array(files))
        return bad(err, "add_delta", "\"files\" must be an array");
    const json_t *through = json_object_get(op, "merged_through");
    if (through && (!json_is_integer(through) || json_integer_value(through) < 0 ||
                    json_integer_value(through) >= version))
        return bad(err, "add_delta",
                   "\"merged_through\" must be a catalog version before the commit's");
    json_t *parts = json_object_get(tv, "partitions");
    json_t *p = json_object_get(parts, part);
    /* STATE-4: a path at most once in the operation. */
    size_t i;
    json_t *f;
    json_t *seen = json_object();
    if (!seen)
        return dc_error_nomem(err);
    json_array_foreach(files, i, f)
    {
        if ((rc = check_file(f, err)) != DC_OK)
            break;
        const char *path = str_member(f, "path");
        if (json_object_get(seen, path)) {
            rc = dc_error_set(err, DC_EINVALID, "file %s is listed twice", path);
            break;
        }
        if (json_object_set_new(seen, path, json_true()) != 0) {
            rc = dc_error_nomem(err);
            break;
        }
    }
    json_decref(seen);
    if (rc != DC_OK)
        return rc;
    /* All checks done (STATE-1): change the state (STATE-5). */
    tv = cow_table_version(state, table_id, vkey);
    parts = tv ? cow_member(tv, "partitions") : NULL;
    if (!parts)
        return dc_error_nomem(err);
    p = cow_member(parts, part);
    json_t *deltas = NULL;
    if (!p) {
        p = json_pack("{s:I, s:[]}", "next_position", (json_int_t)1, "deltas");
        if (!p || json_object_set_new(parts, part, p) != 0)
            return dc_error_nomem(err);
    }
    deltas = cow_member(p, "deltas");
    if (!deltas)
        return dc_error_nomem(err);
    json_int_t pos = json_integer_value(json_object_get(p, "next_position"));
    json_t *delta = json_pack("{s:I, s:I, s:s, s:O}", "position", pos, "version",
                              (json_int_t)version, "type", type, "files", files);
    if (!delta)
        return dc_error_nomem(err);
    if (json_is_true(json_object_get(op, "exclusive")))
        json_object_set_new(delta, "exclusive", json_true());
    if (through)
        json_object_set(delta, "merged_through", (json_t *)through);
    if (json_array_append_new(deltas, delta) != 0)
        return dc_error_nomem(err);
    json_object_set_new(p, "next_position", json_integer(pos + 1)); /* STATE-3 */
    if (mark_chunk(p, pos, version) != DC_OK)
        return dc_error_nomem(err);
    mark_modified(tv, version);
    return DC_OK;
}

static dc_status apply_remove_files(json_t *state, const json_t *op, int64_t version,
                                    dc_error *err)
{
    dc_status rc = DC_OK;
    const char *table_id;
    char vkey[24];
    json_t *tv = table_version(state, op, "remove_files", &table_id, vkey, err, &rc);
    if (!tv)
        return rc;
    const json_t *paths = json_object_get(op, "paths");
    if (!json_is_array(paths))
        return bad(err, "remove_files", "\"paths\" must be an array of file paths");
    /* The paths to remove as a set, and where each lives: {path: partition key}. */
    json_t *gone = json_object();
    if (!gone)
        return dc_error_nomem(err);
    size_t i;
    json_t *pathv;
    json_array_foreach(paths, i, pathv)
    {
        if (!json_is_string(pathv)) {
            json_decref(gone);
            return bad(err, "remove_files", "\"paths\" must hold strings");
        }
        json_object_set_new(gone, json_string_value(pathv), json_null());
    }
    /* Find every path first (STATE-1): one pass over the table version's files. */
    json_t *parts = json_object_get(tv, "partitions");
    const char *pk;
    json_t *pv;
    size_t found = 0;
    json_object_foreach(parts, pk, pv)
    {
        size_t d, k;
        json_t *delta, *g;
        json_array_foreach(json_object_get(pv, "deltas"), d, delta)
        {
            json_array_foreach(json_object_get(delta, "files"), k, g)
            {
                json_t *slot = json_object_get(gone, str_member(g, "path"));
                if (slot && json_is_null(slot)) {
                    json_object_set_new(gone, str_member(g, "path"), json_string(pk));
                    found++;
                }
            }
        }
    }
    if (found != json_object_size(gone)) {
        const char *missing = NULL;
        json_t *v;
        json_object_foreach(gone, missing, v)
        {
            if (json_is_null(v))
                break;
        }
        rc = dc_error_set(err, DC_ENOTFOUND, "file %s is not part of table %s",
                          missing ? missing : "?", table_id);
        json_decref(gone);
        return rc;
    }
    /* Change the state along copied paths only (STATE-5). */
    tv = cow_table_version(state, table_id, vkey);
    parts = tv ? cow_member(tv, "partitions") : NULL;
    json_t *touched = json_object(); /* the partition keys holding removed files */
    if (!parts || !touched) {
        json_decref(gone);
        json_decref(touched);
        return dc_error_nomem(err);
    }
    const char *path;
    json_t *where;
    json_object_foreach(gone, path, where) json_object_set(touched, json_string_value(where), json_true());
    json_t *unused;
    json_object_foreach(touched, pk, unused)
    {
        json_t *p = cow_member(parts, pk);
        json_t *deltas = p ? cow_member(p, "deltas") : NULL;
        if (!deltas) {
            rc = dc_error_nomem(err);
            break;
        }
        for (size_t d = 0; d < json_array_size(deltas);) {
            json_t *files = json_object_get(json_array_get(deltas, d), "files");
            bool hit = false;
            size_t k;
            json_t *g;
            json_array_foreach(files, k, g) hit = hit || json_object_get(gone, str_member(g, "path"));
            if (!hit) {
                d++;
                continue;
            }
            json_t *delta = cow_index(deltas, d);
            json_t *fl = delta ? cow_member(delta, "files") : NULL;
            if (!fl ||
                mark_chunk(p, json_integer_value(json_object_get(delta, "position")), version) != DC_OK) {
                rc = dc_error_nomem(err);
                break;
            }
            for (size_t k2 = 0; k2 < json_array_size(fl);) {
                if (json_object_get(gone, str_member(json_array_get(fl, k2), "path")))
                    json_array_remove(fl, k2);
                else
                    k2++;
            }
            if (json_array_size(fl) == 0)
                json_array_remove(deltas, d);
            else
                d++;
        }
        if (rc != DC_OK)
            break;
    }
    json_decref(gone);
    json_decref(touched);
    if (rc == DC_OK)
        mark_modified(tv, version);
    return rc;
}

dc_status dc_state_apply(json_t *state, const json_t *op, int64_t version, dc_error *err)
{
    dc_status rc = DC_OK;
    const char *name = str_member(op, "op");
    if (!json_is_object(op) || !name)
        return dc_error_set(err, DC_EINVALID, "an operation must be an object with an \"op\"");
    json_t *namespaces, *tables; /* unshared only once the checks are done (STATE-5) */

    if (!strcmp(name, "create_namespace") || !strcmp(name, "update_namespace")) {
        const char *id = str_member(op, "namespace_id"), *nm = str_member(op, "name");
        bool create = name[0] == 'c';
        if (!id || (create && !nm))
            return bad(err, name, "needs \"namespace_id\" and \"name\"");
        json_t *ns = dc_state_namespace(state, id);
        if (create && ns)
            return dc_error_set(err, DC_EEXISTS, "namespace id %s is already used", id);
        if (!create && !ns)
            return dc_error_set(err, DC_ENOTFOUND, "namespace %s does not exist", id);
        if (nm) {
            if ((rc = dc_state_check_name("namespace", nm, err)) != DC_OK)
                return rc;
            const char *other = dc_state_namespace_id_by_name(state, nm);
            if (other && strcmp(other, id) != 0)
                return dc_error_set(err, DC_EEXISTS, "namespace %s already exists", nm);
        }
        json_t *props = NULL;
        if (create || json_object_get(op, "properties")) {
            props = properties_of(op, name, err, &rc);
            if (rc != DC_OK)
                return rc;
        }
        namespaces = cow_member(state, "namespaces");
        if (create) {
            ns = json_object();
            if (!ns || !namespaces || json_object_set_new(namespaces, id, ns) != 0) {
                json_decref(props);
                return dc_error_nomem(err);
            }
        } else if (!namespaces || !(ns = cow_member(namespaces, id))) {
            json_decref(props);
            return dc_error_nomem(err);
        }
        if (nm && (rc = set_new(ns, "name", json_string(nm), err)) != DC_OK) {
            json_decref(props);
            return rc;
        }
        if (props && (rc = set_new(ns, "properties", props, err)) != DC_OK)
            return rc;
        return DC_OK;
    }
    if (!strcmp(name, "drop_namespace")) {
        const char *id = str_member(op, "namespace_id");
        if (!id)
            return bad(err, name, "needs \"namespace_id\"");
        json_t *ns = dc_state_namespace(state, id);
        if (!ns)
            return dc_error_set(err, DC_ENOTFOUND, "namespace %s does not exist", id);
        const char *tid;
        json_t *t;
        json_object_foreach(json_object_get(state, "tables"), tid, t)
        {
            const char *nsid = str_member(t, "namespace_id");
            if (nsid && !strcmp(nsid, id))
                return dc_error_set(err, DC_EINVALID,
                                    "namespace %s still holds table %s: drop its tables first",
                                    str_member(ns, "name"), str_member(t, "name"));
        }
        if (!(namespaces = cow_member(state, "namespaces")))
            return dc_error_nomem(err);
        json_object_del(namespaces, id);
        return DC_OK;
    }
    if (!strcmp(name, "create_table") || !strcmp(name, "update_table")) {
        const char *id = str_member(op, "table_id"), *nm = str_member(op, "name");
        const char *nsid = str_member(op, "namespace_id");
        bool create = name[0] == 'c';
        if (!id || (create && (!nm || !nsid)))
            return bad(err, name, "needs \"table_id\", \"namespace_id\" and \"name\"");
        json_t *t = dc_state_table(state, id);
        if (create && t)
            return dc_error_set(err, DC_EEXISTS, "table id %s is already used", id);
        if (!create && !t)
            return dc_error_set(err, DC_ENOTFOUND, "table %s does not exist", id);
        const char *target_ns = nsid ? nsid : str_member(t, "namespace_id");
        const char *target_name = nm ? nm : str_member(t, "name");
        if (nsid && !dc_state_namespace(state, nsid))
            return dc_error_set(err, DC_ENOTFOUND, "namespace %s does not exist", nsid);
        if (nm && (rc = dc_state_check_name("table", nm, err)) != DC_OK)
            return rc;
        const char *other = dc_state_table_id_by_name(state, target_ns, target_name);
        if (other && strcmp(other, id) != 0)
            return dc_error_set(err, DC_EEXISTS, "table %s already exists in namespace %s",
                                target_name,
                                str_member(dc_state_namespace(state, target_ns), "name"));
        json_t *props = NULL;
        if (create || json_object_get(op, "properties")) {
            props = properties_of(op, name, err, &rc);
            if (rc != DC_OK)
                return rc;
        }
        tables = cow_member(state, "tables");
        if (create) {
            t = json_pack("{s:I, s:{}}", "current_version", (json_int_t)0, "versions");
            if (!t || !tables || json_object_set_new(tables, id, t) != 0) {
                json_decref(props);
                return dc_error_nomem(err);
            }
        } else if (!tables || !(t = cow_member(tables, id))) {
            json_decref(props);
            return dc_error_nomem(err);
        }
        if ((nm && (rc = set_new(t, "name", json_string(nm), err)) != DC_OK) ||
            (nsid && (rc = set_new(t, "namespace_id", json_string(nsid), err)) != DC_OK)) {
            json_decref(props);
            return rc;
        }
        if (props && (rc = set_new(t, "properties", props, err)) != DC_OK)
            return rc;
        json_object_set_new(t, "modified", json_integer(version));
        return DC_OK;
    }
    if (!strcmp(name, "drop_table")) {
        const char *id = str_member(op, "table_id");
        if (!id)
            return bad(err, name, "needs \"table_id\"");
        if (!dc_state_table(state, id))
            return dc_error_set(err, DC_ENOTFOUND, "table %s does not exist", id);
        if (!(tables = cow_member(state, "tables")))
            return dc_error_nomem(err);
        json_object_del(tables, id);
        return DC_OK;
    }
    if (!strcmp(name, "create_table_version") || !strcmp(name, "update_table_version")) {
        const char *id = str_member(op, "table_id");
        json_t *tvn = json_object_get(op, "table_version");
        bool create = name[0] == 'c';
        if (!id || !json_is_integer(tvn) || json_integer_value(tvn) < 1)
            return bad(err, name, "needs \"table_id\" and a positive \"table_version\"");
        json_t *t = dc_state_table(state, id);
        if (!t)
            return dc_error_set(err, DC_ENOTFOUND, "table %s does not exist", id);
        char vkey[24];
        json_int_t n = json_integer_value(tvn);
        snprintf(vkey, sizeof vkey, "%lld", (long long)n);
        json_t *versions = json_object_get(t, "versions");
        json_t *v = json_object_get(versions, vkey);
        if (create && v)
            return dc_error_set(err, DC_EEXISTS, "table %s already has version %s",
                                str_member(t, "name"), vkey);
        if (!create && !v)
            return dc_error_set(err, DC_ENOTFOUND, "table %s has no version %s",
                                str_member(t, "name"), vkey);
        if (create && n != (json_int_t)json_object_size(versions) + 1)
            return dc_error_set(err, DC_EINVALID, "table %s: the next version is %zu, not %s",
                                str_member(t, "name"), json_object_size(versions) + 1, vkey);
        const json_t *lc = json_object_get(op, "lifecycle");
        if (lc && !json_is_string(lc))
            return bad(err, name, "\"lifecycle\" must be a string");
        json_t *props = NULL;
        if (create || json_object_get(op, "properties")) {
            props = properties_of(op, name, err, &rc);
            if (rc != DC_OK)
                return rc;
        }
        tables = cow_member(state, "tables");
        t = tables ? cow_member(tables, id) : NULL;
        versions = t ? cow_member(t, "versions") : NULL;
        if (!versions) {
            json_decref(props);
            return dc_error_nomem(err);
        }
        if (create) {
            v = json_pack("{s:s, s:{}}", "lifecycle", "active", "partitions");
            if (!v || json_object_set_new(versions, vkey, v) != 0) {
                json_decref(props);
                return dc_error_nomem(err);
            }
            json_object_set_new(t, "current_version", json_integer(n));
        } else if (!(v = cow_member(versions, vkey))) {
            json_decref(props);
            return dc_error_nomem(err);
        }
        static const char *const copied[] = {"schema", "partition_spec", "lifecycle"};
        for (size_t k = 0; k < DC_ARRAY_LEN(copied); k++) {
            json_t *m = json_object_get(op, copied[k]);
            if (m && (rc = set_new(v, copied[k], json_deep_copy(m), err)) != DC_OK) {
                json_decref(props);
                return rc;
            }
        }
        if (props && (rc = set_new(v, "properties", props, err)) != DC_OK)
            return rc;
        mark_modified(v, version);
        return DC_OK;
    }
    if (!strcmp(name, "add_delta"))
        return apply_add_delta(state, op, version, err);
    if (!strcmp(name, "remove_files"))
        return apply_remove_files(state, op, version, err);
    return dc_error_set(err, DC_EINVALID, "unknown operation \"%s\"", name);
}

/* ---- snapshots ---- */

dc_snapshot *dc_snapshot_ref(dc_snapshot *s)
{
    if (s)
        __atomic_fetch_add(&s->refs, 1, __ATOMIC_RELAXED);
    return s;
}

void dc_snapshot_unref(dc_snapshot *s)
{
    if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    json_decref(s->state);
    json_decref(s->segments);
    dc_free(s);
}

dc_status dc_snapshot_empty(dc_snapshot **out, dc_error *err)
{
    *out = NULL;
    dc_snapshot *s = dc_calloc(1, sizeof *s);
    if (!s)
        return dc_error_nomem(err);
    s->refs = 1;
    s->state = json_pack("{s:{}, s:{}}", "namespaces", "tables");
    if (!s->state) {
        dc_free(s);
        return dc_error_nomem(err);
    }
    *out = s;
    return DC_OK;
}
