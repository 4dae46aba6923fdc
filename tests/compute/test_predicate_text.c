/*
 * test_predicate_text.c: the readable filter syntax (predicate_text.c): each
 * form against the JSON tree it stands for, precedence, quoting, keywords in
 * any case, and every error with the byte it names.
 */
#include "testutil.h"

#include "compute/predicate_int.h"

#include <stdlib.h>
#include <string.h>

static char *as_json(const char *text)
{
    json_t *j;
    dc_error e;
    if (dc_pred_text_to_json(&j, text, (int64_t)strlen(text), &e) != DC_OK)
        fail_msg("%s: %s", text, e.message);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return s;
}

static void forms_give_their_json(void **state)
{
    (void)state;
    static const struct {
        const char *text, *json;
    } cases[] = {
        {"age > 3", "{\"gt\":[\"age\",3]}"},
        {"age>=3", "{\"gte\":[\"age\",3]}"},
        {"a = 1.5", "{\"eq\":[\"a\",1.5]}"},
        {"a == -2", "{\"eq\":[\"a\",-2]}"},
        {"a != 'x'", "{\"neq\":[\"a\",\"x\"]}"},
        {"a <> 'it''s'", "{\"neq\":[\"a\",\"it's\"]}"},
        {"a < 1e3", "{\"lt\":[\"a\",1000.0]}"},
        {"a <= true", "{\"lte\":[\"a\",true]}"},
        {"x BETWEEN 1 AND 9", "{\"between\":[\"x\",1,9]}"},
        {"x in (1, 2,3)", "{\"in\":[\"x\",[1,2,3]]}"},
        {"x not in ('a')", "{\"not\":{\"in\":[\"x\",[\"a\"]]}}"},
        {"x is null", "{\"is_null\":[\"x\"]}"},
        {"x IS NOT NULL", "{\"not\":{\"is_null\":[\"x\"]}}"},
        {"\"my col\" = 1", "{\"eq\":[\"my col\",1]}"},
        {"\"and\" = 1", "{\"eq\":[\"and\",1]}"},
        {"s.x = 1", "{\"eq\":[\"s.x\",1]}"},
        {"a = 1 and b = 2 or c = 3",
         "{\"or\":[{\"and\":[{\"eq\":[\"a\",1]},{\"eq\":[\"b\",2]}]},{\"eq\":[\"c\",3]}]}"},
        {"a = 1 and (b = 2 or c = 3)",
         "{\"and\":[{\"eq\":[\"a\",1]},{\"or\":[{\"eq\":[\"b\",2]},{\"eq\":[\"c\",3]}]}]}"},
        {"not a = 1 and b = 2", "{\"and\":[{\"not\":{\"eq\":[\"a\",1]}},{\"eq\":[\"b\",2]}]}"},
        {"a=1 and b=2 and c=3",
         "{\"and\":[{\"eq\":[\"a\",1]},{\"eq\":[\"b\",2]},{\"eq\":[\"c\",3]}]}"},
        {"ts >= '2024-03-01 00:00:00'", "{\"gte\":[\"ts\",\"2024-03-01 00:00:00\"]}"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        char *got = as_json(cases[i].text);
        if (strcmp(got, cases[i].json) != 0)
            fail_msg("%s\n  want %s\n  got  %s", cases[i].text, cases[i].json, got);
        free(got);
    }
    /* parse_any takes both forms */
    dc_pred *p;
    const char *js = "  {\"eq\": [\"a\", 1]}";
    dc_error e;
    if (dc_pred_parse_any(&p, js, (int64_t)strlen(js), &e) != DC_OK)
        fail_msg("json form: %s", e.message);
    dc_pred_free(p);
    DC_ASSERT_OK(dc_pred_parse_any(&p, "a = 1", 5, NULL));
    dc_pred_free(p);
}

static void errors_name_what_and_where(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"", "column name expected at the end"},
        {"age >", "a value expected"},
        {"age ~ 3", "at byte 5 (\"~ 3\")"},
        {"age = null", "use: column is null"},
        {"a = 'open", "unterminated 'text'"},
        {"\"open = 1", "unterminated \"column\""},
        {"a = 1 b = 2", "\"and\", \"or\" or the end expected at byte 7"},
        {"(a = 1", "\")\" expected"},
        {"a between 1 9", "\"and\" expected"},
        {"a in 1", "\"(\" expected"},
        {"a in (1 2)", "\",\" or \")\" expected"},
        {"a is 3", "\"null\" expected"},
        {"and = 1", "quote a column named like a keyword"},
        {"a = 12abc", "a value expected"},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
        json_t *j = NULL;
        dc_error e;
        assert_int_equal(
            dc_pred_text_to_json(&j, cases[i].text, (int64_t)strlen(cases[i].text), &e),
            DC_EINVALID);
        assert_null(j);
        if (!strstr(e.message, cases[i].msg))
            fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].text, e.message, cases[i].msg);
    }
    /* the text is read within its length: no NUL needed (found by fuzz_predicate_text) */
    static const char bad[] = "age ~ 3 and more text after it";
    char *exact = malloc(7);
    memcpy(exact, bad, 7); /* "age ~ 3", no NUL */
    json_t *jx = NULL;
    dc_error ex;
    assert_int_equal(dc_pred_text_to_json(&jx, exact, 7, &ex), DC_EINVALID);
    assert_non_null(strstr(ex.message, "(\"~ 3\")"));
    free(exact);
    /* a NUL inside quotes (found by fuzz_predicate_text: JSON cannot carry it back) */
    static const char nul[] = "a = 'x\0y'";
    assert_int_equal(dc_pred_text_to_json(&jx, nul, (int64_t)sizeof nul - 1, &ex), DC_EINVALID);
    assert_non_null(strstr(ex.message, "NUL"));
    /* nesting is bounded */
    char deep[400];
    memset(deep, '(', 200);
    strcpy(deep + 200, "a = 1");
    json_t *j;
    dc_error e;
    assert_int_equal(dc_pred_text_to_json(&j, deep, (int64_t)strlen(deep), &e), DC_EINVALID);
    assert_non_null(strstr(e.message, "nested too deep"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forms_give_their_json),
        cmocka_unit_test(errors_name_what_and_where),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
