/*
 * kernel_fixtures.h: arrays of every type for the kernel tests
 * (tests/columnar/test_kernel_*.c). Header-only; every helper fails the test
 * on error.
 */
#ifndef DC_KERNEL_FIXTURES_H
#define DC_KERNEL_FIXTURES_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KF_ROWS 6

/* A type from its pyarrow-style name. */
static inline dc_type *kf_type(const char *text)
{
    dc_type *t = NULL;
    dc_error e;
    if (dc_type_parse(&t, text, &e) != DC_OK)
        fail_msg("type %s: %s", text, e.message);
    return t;
}

/* An array of type `text` from KF_ROWS texts (NULL = null). */
static inline dc_array *kf_text(dc_type *t, const char *const *v)
{
    dc_array *a = tu_of_type(t, v, KF_ROWS);
    dc_type_unref(t);
    return a;
}

static inline dc_builder *kf_builder(dc_type *t)
{
    dc_builder *b = NULL;
    if (!t || dc_builder_new(&b, t, NULL) != DC_OK)
        fail_msg("cannot make a builder");
    dc_type_unref(t);
    return b;
}

static inline dc_array *kf_finish(dc_builder *b)
{
    dc_array *a = NULL;
    dc_error e;
    if (dc_builder_finish(b, &a, &e) != DC_OK)
        fail_msg("finish: %s", e.message);
    dc_builder_free(b);
    DC_ASSERT_OK(dc_array_validate(a, NULL));
    return a;
}

static inline dc_field kf_field(const char *name, dc_type *t, bool nullable)
{
    dc_field f;
    assert_int_equal(dc_field_init(&f, name, t, nullable, NULL), DC_OK);
    dc_type_unref(t);
    return f;
}

/*
 * A list-like array (LIST, LARGE_LIST) of int64 from a spec: rows separated
 * by ';', "null" for a null row, else comma-separated ints ("n" = null item),
 * "" for an empty list. Example: "1,2;null;;3,n".
 */
static inline dc_array *kf_list(dc_type_id id, const char *spec)
{
    dc_field item = kf_field("item", dc_type_new(DC_TYPE_INT64), true);
    dc_builder *b = kf_builder(dc_type_list(id, &item));
    dc_field_clear(&item);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL, *row = buf, *next;
    (void)save;
    for (;;) {
        next = strchr(row, ';');
        if (next)
            *next = '\0';
        if (strcmp(row, "null") == 0) {
            assert_int_equal(dc_builder_append_null(b), DC_OK);
        } else {
            char *p = row;
            while (*p) {
                char *q = strchr(p, ',');
                if (q)
                    *q = '\0';
                if (strcmp(p, "n") == 0)
                    assert_int_equal(dc_builder_append_null(dc_builder_child(b, 0)), DC_OK);
                else
                    assert_int_equal(dc_builder_append_int(dc_builder_child(b, 0), atoll(p)),
                                     DC_OK);
                if (!q)
                    break;
                p = q + 1;
            }
            assert_int_equal(dc_builder_append_valid(b), DC_OK);
        }
        if (!next)
            break;
        row = next + 1;
    }
    return kf_finish(b);
}

/* fixed_size_list<int64>[2] of KF_ROWS rows: row i = [2i, 2i+1], rows 1 and 4 null. */
static inline dc_array *kf_fsl(void)
{
    dc_field item = kf_field("item", dc_type_new(DC_TYPE_INT64), true);
    dc_builder *b = kf_builder(dc_type_fixed_size_list(&item, 2));
    dc_field_clear(&item);
    for (int i = 0; i < KF_ROWS; i++) {
        if (i == 1 || i == 4) {
            assert_int_equal(dc_builder_append_null(b), DC_OK);
            continue;
        }
        assert_int_equal(dc_builder_append_int(dc_builder_child(b, 0), 2 * i), DC_OK);
        if (i == 3)
            assert_int_equal(dc_builder_append_null(dc_builder_child(b, 0)), DC_OK);
        else
            assert_int_equal(dc_builder_append_int(dc_builder_child(b, 0), 2 * i + 1), DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
    }
    return kf_finish(b);
}

/* struct<a: int64, b: string> of KF_ROWS rows, rows 1 and 4 null, b null at 3. */
static inline dc_array *kf_struct(void)
{
    dc_field f[2] = {kf_field("a", dc_type_new(DC_TYPE_INT64), true),
                     kf_field("b", dc_type_new(DC_TYPE_UTF8), true)};
    dc_builder *b = kf_builder(dc_type_struct(f, 2));
    dc_field_clear(&f[0]);
    dc_field_clear(&f[1]);
    static const char *const s[] = {"x", "y", "zz", "w", "v", ""};
    for (int i = 0; i < KF_ROWS; i++) {
        if (i == 1 || i == 4) {
            assert_int_equal(dc_builder_append_null(b), DC_OK);
            continue;
        }
        assert_int_equal(dc_builder_append_int(dc_builder_child(b, 0), i * 10), DC_OK);
        if (i == 3)
            assert_int_equal(dc_builder_append_null(dc_builder_child(b, 1)), DC_OK);
        else
            assert_int_equal(dc_builder_append_bytes(dc_builder_child(b, 1), s[i],
                                                     (int64_t)strlen(s[i])),
                             DC_OK);
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
    }
    return kf_finish(b);
}

/* map<string, int64> of KF_ROWS rows, rows 1 and 4 null, row 2 empty. */
static inline dc_array *kf_map(void)
{
    dc_type *k = dc_type_new(DC_TYPE_UTF8), *v = dc_type_new(DC_TYPE_INT64);
    dc_builder *b = kf_builder(dc_type_map(k, v, true, false));
    dc_type_unref(k);
    dc_type_unref(v);
    dc_builder *entries = dc_builder_child(b, 0);
    for (int i = 0; i < KF_ROWS; i++) {
        if (i == 1 || i == 4) {
            assert_int_equal(dc_builder_append_null(b), DC_OK);
            continue;
        }
        for (int j = 0; j < (i == 2 ? 0 : i % 3 + 1); j++) {
            char key[8];
            snprintf(key, sizeof key, "k%d", j);
            assert_int_equal(dc_builder_append_bytes(dc_builder_child(entries, 0), key,
                                                     (int64_t)strlen(key)),
                             DC_OK);
            assert_int_equal(dc_builder_append_int(dc_builder_child(entries, 1), i * 100 + j),
                             DC_OK);
            assert_int_equal(dc_builder_append_valid(entries), DC_OK);
        }
        assert_int_equal(dc_builder_append_valid(b), DC_OK);
    }
    return kf_finish(b);
}

/* dictionary<int32, string> over {"red","green","blue"}: rows red,null,blue,green,null,red. */
static inline dc_array *kf_dict_of(const char *const *dict_values, int64_t nd,
                                   const int64_t *idx, const char *valid, int64_t n)
{
    dc_array *values = tu_utf8(dict_values, nd);
    dc_type *it = dc_type_new(DC_TYPE_INT32), *vt = dc_type_new(DC_TYPE_UTF8);
    dc_builder *b = kf_builder(dc_type_dictionary(it, vt, false));
    dc_type_unref(it);
    dc_type_unref(vt);
    assert_int_equal(dc_builder_set_dictionary(b, values), DC_OK);
    dc_array_unref(values);
    for (int64_t i = 0; i < n; i++) {
        if (valid && valid[i] == '0')
            assert_int_equal(dc_builder_append_null(b), DC_OK);
        else
            assert_int_equal(dc_builder_append_int(b, idx[i]), DC_OK);
    }
    return kf_finish(b);
}

static inline dc_array *kf_dict(void)
{
    static const char *const d[] = {"red", "green", "blue"};
    static const int64_t idx[] = {0, 0, 2, 1, 0, 0};
    return kf_dict_of(d, 3, idx, "101101", KF_ROWS);
}

/* One array of every type (KF_ROWS rows each, rows 1 and 4 null); *n set to the count. */
static inline dc_array **kf_all(int *n)
{
    static const char *const ints[] = {"1", NULL, "-3", "7", NULL, "0"};
    static const char *const uints[] = {"1", NULL, "3", "200", NULL, "0"};
    static const char *const floats[] = {"1.5", NULL, "-2.25", "nan", NULL, "0"};
    static const char *const bools[] = {"true", NULL, "false", "true", NULL, "false"};
    static const char *const decs[] = {"1.25", NULL, "-3.50", "100.00", NULL, "0.01"};
    static const char *const dates[] = {"2024-01-02", NULL, "1969-12-31", "2000-02-29", NULL,
                                        "1970-01-01"};
    static const char *const times[] = {"01:02:03", NULL, "23:59:59", "00:00:00", NULL,
                                        "12:00:00"};
    static const char *const ts[] = {"2024-01-02 03:04:05", NULL, "1969-12-31 23:59:59",
                                     "2000-02-29 12:00:00", NULL, "1970-01-01 00:00:00"};
    static const char *const strs[] = {"apple",        NULL, "",
                                       "banana split", NULL, "\xc3\xa9t\xc3\xa9"};
    static const char *const fsb[] = {"abc", NULL, "xyz", "a\tb", NULL, "000"};
    dc_array **all = dc_calloc(40, sizeof *all);
    int k = 0;
    dc_array *nulls = NULL;
    dc_type *nt = dc_type_new(DC_TYPE_NULL);
    assert_int_equal(dc_array_new_null(&nulls, nt, KF_ROWS, NULL), DC_OK);
    dc_type_unref(nt);
    all[k++] = nulls;
    all[k++] = kf_text(dc_type_new(DC_TYPE_BOOL), bools);
    all[k++] = kf_text(dc_type_new(DC_TYPE_INT8), ints);
    all[k++] = kf_text(dc_type_new(DC_TYPE_INT16), ints);
    all[k++] = kf_text(dc_type_new(DC_TYPE_INT32), ints);
    all[k++] = kf_text(dc_type_new(DC_TYPE_INT64), ints);
    all[k++] = kf_text(dc_type_new(DC_TYPE_UINT8), uints);
    all[k++] = kf_text(dc_type_new(DC_TYPE_UINT16), uints);
    all[k++] = kf_text(dc_type_new(DC_TYPE_UINT32), uints);
    all[k++] = kf_text(dc_type_new(DC_TYPE_UINT64), uints);
    all[k++] = kf_text(dc_type_new(DC_TYPE_FLOAT16), floats);
    all[k++] = kf_text(dc_type_new(DC_TYPE_FLOAT32), floats);
    all[k++] = kf_text(dc_type_new(DC_TYPE_FLOAT64), floats);
    all[k++] = kf_text(dc_type_decimal(128, 10, 2), decs);
    all[k++] = kf_text(dc_type_decimal(256, 60, 2), decs);
    all[k++] = kf_text(dc_type_new(DC_TYPE_DATE32), dates);
    all[k++] = kf_text(dc_type_new(DC_TYPE_DATE64), dates);
    all[k++] = kf_text(dc_type_time(DC_UNIT_SECOND), times);
    all[k++] = kf_text(dc_type_time(DC_UNIT_NANO), times);
    all[k++] = kf_text(dc_type_timestamp(DC_UNIT_MICRO, NULL), ts);
    all[k++] = kf_text(dc_type_timestamp(DC_UNIT_MILLI, "UTC"), ts);
    all[k++] = kf_text(dc_type_duration(DC_UNIT_NANO), ints);
    all[k++] = kf_text(dc_type_new(DC_TYPE_UTF8), strs);
    all[k++] = kf_text(dc_type_new(DC_TYPE_LARGE_UTF8), strs);
    all[k++] = kf_text(dc_type_new(DC_TYPE_BINARY), strs);
    all[k++] = kf_text(dc_type_new(DC_TYPE_LARGE_BINARY), strs);
    all[k++] = kf_text(dc_type_fixed_size_binary(3), fsb);
    all[k++] = kf_list(DC_TYPE_LIST, "1,2;null;;3,n,4;null;5");
    all[k++] = kf_list(DC_TYPE_LARGE_LIST, "1,2;null;;3,n,4;null;5");
    all[k++] = kf_fsl();
    all[k++] = kf_struct();
    all[k++] = kf_map();
    all[k++] = kf_dict();
    for (int i = 0; i < k; i++) {
        assert_non_null(all[i]);
        assert_int_equal(all[i]->length, KF_ROWS);
    }
    *n = k;
    return all;
}

static inline void kf_free_all(dc_array **all, int n)
{
    for (int i = 0; i < n; i++)
        dc_array_unref(all[i]);
    dc_free(all);
}

/* Assert out[k] equals a[idx[k]] (null when idx[k] < 0) for every k, and out is valid. */
static inline void kf_assert_gathered(const dc_array *out, const dc_array *a, const int64_t *idx,
                                      int64_t n)
{
    char *name = dc_type_to_string(a->type);
    dc_error e;
    if (dc_array_validate(out, &e) != DC_OK)
        fail_msg("%s: invalid result: %s", name, e.message);
    assert_int_equal(out->length, n);
    assert_true(dc_type_equals(out->type, a->type));
    int64_t nulls = 0;
    for (int64_t k = 0; k < n; k++) {
        if (idx[k] < 0) {
            if (!dc_array_is_null(out, k))
                fail_msg("%s: row %lld should be null", name, (long long)k);
            nulls++;
            continue;
        }
        if (dc_array_is_null(out, k))
            nulls++;
        if (dc_compare_values(out, k, a, idx[k], true) != 0)
            fail_msg("%s: row %lld is %s, expected row %lld of the input", name, (long long)k,
                     tu_str(out, k), (long long)idx[k]);
    }
    if (out->type->id != DC_TYPE_NULL)
        assert_int_equal(out->null_count, nulls);
    dc_free(name);
}

#endif
