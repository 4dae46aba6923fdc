/*
 * s3_xml.c: the XML of S3's answers, parsed with expat.
 *
 * S3 answers in small, flat documents; we need a few leaves of seven of them:
 *   ListBucketResult               IsTruncated, NextContinuationToken, EncodingType,
 *                                  Contents/{Key,Size,LastModified}, CommonPrefixes/Prefix
 *   Error                          Code, Message, Region, Endpoint
 *   InitiateMultipartUploadResult  UploadId
 *   CompleteMultipartUploadResult  (its presence: a 200 may carry an Error instead)
 *   ListMultipartUploadsResult     IsTruncated, NextKeyMarker, NextUploadIdMarker,
 *                                  EncodingType, Upload/{Key,UploadId,Initiated}
 *   ListPartsResult                IsTruncated, NextPartNumberMarker, Part/{Size,LastModified}
 *                                  (moto: ListPartsResponse)
 *   DeleteResult                   Error/{Key,Code,Message} (Deleted entries are skipped)
 * Everything else is skipped. The input is untrusted (any endpoint can answer anything):
 * a DOCTYPE is refused outright (no entities, so no entity expansion), a leaf's text is
 * bounded, and every allocation goes through the library allocator, so a failure is
 * DC_ENOMEM and never a crash.
 */
#include "fs/s3_int.h"

#include <expat.h>
#include <stdio.h>
#include <time.h>

#define TEXT_MAX  INT64_C(65536) /* longest leaf text kept (keys are at most 1024 bytes) */
#define DEPTH_MAX 64

/* Elements we look at: containers first, then leaves (whose text is kept). */
typedef enum el {
    E_OTHER = 0,
    E_LIST,
    E_ERROR,
    E_INITIATE,
    E_COMPLETE,
    E_UPLOADS, /* ListMultipartUploadsResult */
    E_PARTS,   /* ListPartsResult */
    E_DELETE,  /* DeleteResult */
    E_CONTENTS,
    E_COMMON,
    E_UPLOAD,
    E_PART,
    E_DEL_ERROR,
    E_LEAF_FIRST, /* not an element: leaves follow */
    E_KEY = E_LEAF_FIRST,
    E_SIZE,
    E_LASTMOD,
    E_PREFIX,
    E_TRUNCATED,
    E_NEXT_TOKEN,
    E_ENCODING,
    E_CODE,
    E_MESSAGE,
    E_REGION,
    E_ENDPOINT,
    E_UPLOAD_ID,
    E_ITEM_UPLOAD_ID,
    E_INITIATED,
    E_NEXT_KEY,
    E_NEXT_UPLOAD,
    E_NEXT_PART,
    E_DEL_CODE,
    E_DEL_MESSAGE,
} el;

static const struct {
    const char *name;
    el parent;
    el id;
} LEAVES[] = {
    {"Contents", E_LIST, E_CONTENTS},
    {"CommonPrefixes", E_LIST, E_COMMON},
    {"IsTruncated", E_LIST, E_TRUNCATED},
    {"NextContinuationToken", E_LIST, E_NEXT_TOKEN},
    {"EncodingType", E_LIST, E_ENCODING},
    {"Key", E_CONTENTS, E_KEY},
    {"Size", E_CONTENTS, E_SIZE},
    {"LastModified", E_CONTENTS, E_LASTMOD},
    {"Prefix", E_COMMON, E_PREFIX},
    {"Code", E_ERROR, E_CODE},
    {"Message", E_ERROR, E_MESSAGE},
    {"Region", E_ERROR, E_REGION},
    {"Endpoint", E_ERROR, E_ENDPOINT},
    {"UploadId", E_INITIATE, E_UPLOAD_ID},
    {"IsTruncated", E_UPLOADS, E_TRUNCATED},
    {"EncodingType", E_UPLOADS, E_ENCODING},
    {"NextKeyMarker", E_UPLOADS, E_NEXT_KEY},
    {"NextUploadIdMarker", E_UPLOADS, E_NEXT_UPLOAD},
    {"Upload", E_UPLOADS, E_UPLOAD},
    {"Key", E_UPLOAD, E_KEY},
    {"UploadId", E_UPLOAD, E_ITEM_UPLOAD_ID},
    {"Initiated", E_UPLOAD, E_INITIATED},
    {"IsTruncated", E_PARTS, E_TRUNCATED},
    {"NextPartNumberMarker", E_PARTS, E_NEXT_PART},
    {"Part", E_PARTS, E_PART},
    {"Size", E_PART, E_SIZE},
    {"LastModified", E_PART, E_LASTMOD},
    {"Error", E_DELETE, E_DEL_ERROR},
    {"Key", E_DEL_ERROR, E_KEY},
    {"Code", E_DEL_ERROR, E_DEL_CODE},
    {"Message", E_DEL_ERROR, E_DEL_MESSAGE},
};

typedef struct pstate {
    XML_Parser p;
    dc_s3_xml *x;
    el stack[DEPTH_MAX];
    int depth;      /* elements open */
    int skip_depth; /* > 0: inside an element deeper than DEPTH_MAX */
    dc_strbuf text;
    bool capture;
    dc_s3_xml_item item; /* the Contents being read */
    bool has_key;
    dc_status rc; /* first failure of a handler */
    char why[128];
} pstate;

static void stop(pstate *s, dc_status rc, const char *why)
{
    if (s->rc == DC_OK) {
        s->rc = rc;
        snprintf(s->why, sizeof s->why, "%s", why);
    }
    XML_StopParser(s->p, XML_FALSE);
}

static el classify(const pstate *s, const char *name)
{
    if (s->depth == 0) {
        if (strcmp(name, "ListBucketResult") == 0)
            return E_LIST;
        if (strcmp(name, "Error") == 0)
            return E_ERROR;
        if (strcmp(name, "InitiateMultipartUploadResult") == 0)
            return E_INITIATE;
        if (strcmp(name, "CompleteMultipartUploadResult") == 0)
            return E_COMPLETE;
        if (strcmp(name, "ListMultipartUploadsResult") == 0)
            return E_UPLOADS;
        if (strcmp(name, "ListPartsResult") == 0 || strcmp(name, "ListPartsResponse") == 0)
            return E_PARTS; /* moto 5 calls it ListPartsResponse */
        if (strcmp(name, "DeleteResult") == 0)
            return E_DELETE;
        return E_OTHER;
    }
    el parent = s->stack[s->depth - 1];
    if (parent == E_OTHER)
        return E_OTHER;
    for (size_t i = 0; i < DC_ARRAY_LEN(LEAVES); i++)
        if (LEAVES[i].parent == parent && strcmp(LEAVES[i].name, name) == 0)
            return LEAVES[i].id;
    return E_OTHER;
}

static bool is_leaf(el e)
{
    return e >= E_LEAF_FIRST;
}

static void XMLCALL on_start(void *user, const XML_Char *name, const XML_Char **attrs)
{
    pstate *s = user;
    (void)attrs;
    if (s->skip_depth > 0 || s->depth == DEPTH_MAX) {
        s->skip_depth++;
        return;
    }
    el e = classify(s, name);
    if (s->depth == 0) {
        static const dc_s3_xml_kind KIND[] = {
            [E_LIST] = DC_S3_XML_LIST,         [E_ERROR] = DC_S3_XML_ERROR,
            [E_INITIATE] = DC_S3_XML_INITIATE, [E_COMPLETE] = DC_S3_XML_COMPLETE,
            [E_UPLOADS] = DC_S3_XML_UPLOADS,   [E_PARTS] = DC_S3_XML_PARTS,
            [E_DELETE] = DC_S3_XML_DELETE,
        };
        s->x->kind = e == E_OTHER ? DC_S3_XML_OTHER : KIND[e];
    }
    if (e == E_CONTENTS || e == E_UPLOAD || e == E_PART || e == E_DEL_ERROR) {
        s->item = (dc_s3_xml_item){.key = NULL};
        s->has_key = false;
    }
    s->stack[s->depth++] = e;
    s->capture = is_leaf(e);
    dc_strbuf_clear(&s->text);
}

static void XMLCALL on_text(void *user, const XML_Char *t, int len)
{
    pstate *s = user;
    if (!s->capture || s->skip_depth > 0)
        return;
    if (s->text.len + len > TEXT_MAX) {
        stop(s, DC_ECORRUPT, "an element's text is too long");
        return;
    }
    dc_strbuf_append(&s->text, t, len);
    if (dc_strbuf_status(&s->text) != DC_OK)
        stop(s, DC_ENOMEM, "out of memory");
}

static const char *keep(pstate *s)
{
    const char *t = dc_strbuf_cstr(&s->text);
    char *k = dc_arena_strndup(&s->x->strings, t, s->text.len);
    if (!k)
        stop(s, DC_ENOMEM, "out of memory");
    return k;
}

static void copy_short(char *dst, size_t cap, const pstate *s)
{
    snprintf(dst, cap, "%s", dc_strbuf_cstr(&s->text));
}

static bool parse_i64(const char *t, int64_t *out)
{
    int64_t v = 0;
    if (!*t)
        return false;
    for (; *t; t++) {
        if (*t < '0' || *t > '9' || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*t - '0');
    }
    *out = v;
    return true;
}

static void push_item(pstate *s, dc_s3_xml_item it)
{
    dc_s3_xml *x = s->x;
    if (x->n_items == x->cap_items) {
        int64_t cap = x->cap_items ? x->cap_items * 2 : 64;
        dc_s3_xml_item *v = dc_realloc(x->items, (size_t)cap * sizeof *v);
        if (!v) {
            stop(s, DC_ENOMEM, "out of memory");
            return;
        }
        x->items = v;
        x->cap_items = cap;
    }
    x->items[x->n_items++] = it;
}

static void XMLCALL on_end(void *user, const XML_Char *name)
{
    pstate *s = user;
    (void)name;
    if (s->skip_depth > 0) {
        s->skip_depth--;
        return;
    }
    el e = s->stack[--s->depth];
    s->capture = false;
    const char *t = dc_strbuf_cstr(&s->text);
    dc_s3_xml *x = s->x;
    switch (e) {
    case E_KEY:
        s->item.key = keep(s);
        s->has_key = s->item.key != NULL;
        break;
    case E_SIZE:
        if (!parse_i64(t, &s->item.size))
            stop(s, DC_ECORRUPT, "a Size is not a number");
        break;
    case E_LASTMOD:
        if (!dc_s3__parse_iso8601(t, &s->item.mtime_ns))
            stop(s, DC_ECORRUPT, "a LastModified is not an ISO 8601 time");
        break;
    case E_CONTENTS:
        if (!s->has_key)
            stop(s, DC_ECORRUPT, "a Contents has no Key");
        else
            push_item(s, s->item);
        break;
    case E_UPLOAD:
        if (!s->has_key || !s->item.upload_id)
            stop(s, DC_ECORRUPT, "an Upload has no Key or no UploadId");
        else
            push_item(s, s->item);
        break;
    case E_DEL_ERROR:
        if (!s->has_key)
            stop(s, DC_ECORRUPT, "an Error of a DeleteResult has no Key");
        else
            push_item(s, s->item);
        break;
    case E_PART:
        x->n_parts++;
        if (dc_add_overflows(x->parts_size, s->item.size, &x->parts_size))
            stop(s, DC_ECORRUPT, "the parts' sizes overflow");
        if (s->item.mtime_ns > x->parts_newest_ns)
            x->parts_newest_ns = s->item.mtime_ns;
        break;
    case E_ITEM_UPLOAD_ID: s->item.upload_id = keep(s); break;
    case E_INITIATED:
        if (!dc_s3__parse_iso8601(t, &s->item.mtime_ns))
            stop(s, DC_ECORRUPT, "an Initiated is not an ISO 8601 time");
        break;
    case E_DEL_CODE: s->item.error_code = keep(s); break;
    case E_DEL_MESSAGE: s->item.error_message = keep(s); break;
    case E_NEXT_KEY: x->next_key_marker = keep(s); break;
    case E_NEXT_UPLOAD: x->next_upload_id_marker = keep(s); break;
    case E_NEXT_PART:
        if (t[0] && !parse_i64(t, &x->next_part_marker))
            stop(s, DC_ECORRUPT, "a NextPartNumberMarker is not a number");
        break;
    case E_PREFIX: {
        const char *k = keep(s);
        if (k)
            push_item(s, (dc_s3_xml_item){.key = k, .is_prefix = true, .size = -1});
        break;
    }
    case E_TRUNCATED: x->truncated = strcmp(t, "true") == 0; break;
    case E_NEXT_TOKEN: x->next_token = keep(s); break;
    case E_ENCODING: x->url_encoded = strcmp(t, "url") == 0; break;
    case E_CODE: copy_short(x->code, sizeof x->code, s); break;
    case E_MESSAGE: copy_short(x->message, sizeof x->message, s); break;
    case E_REGION: copy_short(x->region, sizeof x->region, s); break;
    case E_ENDPOINT: copy_short(x->endpoint, sizeof x->endpoint, s); break;
    case E_UPLOAD_ID: x->upload_id = keep(s); break;
    default: break;
    }
    dc_strbuf_clear(&s->text);
}

static void XMLCALL on_doctype(void *user, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    stop(user, DC_ECORRUPT, "a DOCTYPE is not allowed");
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* %-decode in place ('+' is a space); false on a bad escape or a decoded NUL. */
static bool url_decode(char *k)
{
    char *o = k;
    for (const char *p = k; *p; p++) {
        if (*p == '+') {
            *o++ = ' ';
        } else if (*p == '%') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return false;
            *o++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return true;
}

static void *xml_malloc(size_t n)
{
    return dc_malloc(n);
}
static void *xml_realloc(void *p, size_t n)
{
    return dc_realloc(p, n);
}
static void xml_free(void *p)
{
    dc_free(p);
}

dc_status dc_s3__xml_parse(dc_s3_xml *out, const void *data, int64_t n, dc_error *err)
{
    memset(out, 0, sizeof *out);
    dc_arena_init(&out->strings, 4096);
    if (n < 0 || (n > 0 && !data) || n > INT32_MAX)
        return dc_error_set(err, DC_EINVALID, "S3 answer: invalid buffer (%lld bytes)",
                            (long long)n);
    const XML_Memory_Handling_Suite mm = {xml_malloc, xml_realloc, xml_free};
    pstate s;
    memset(&s, 0, sizeof s);
    dc_strbuf_init(&s.text);
    s.x = out;
    s.p = XML_ParserCreate_MM(NULL, &mm, NULL);
    if (!s.p)
        return dc_error_nomem(err);
    XML_SetUserData(s.p, &s);
    XML_SetElementHandler(s.p, on_start, on_end);
    XML_SetCharacterDataHandler(s.p, on_text);
    XML_SetStartDoctypeDeclHandler(s.p, on_doctype);
    enum XML_Status st = XML_Parse(s.p, data, (int)n, XML_TRUE);
    dc_status rc = DC_OK;
    if (s.rc != DC_OK) {
        rc = s.rc == DC_ENOMEM ? dc_error_nomem(err)
                               : dc_error_set(err, s.rc, "S3 answer is not valid: %s", s.why);
    } else if (st != XML_STATUS_OK) {
        enum XML_Error e = XML_GetErrorCode(s.p);
        rc = e == XML_ERROR_NO_MEMORY
                 ? dc_error_nomem(err)
                 : dc_error_set(err, DC_ECORRUPT,
                                "S3 answer is not well-formed XML: %s at line %lu, column %lu",
                                XML_ErrorString(e), (unsigned long)XML_GetCurrentLineNumber(s.p),
                                (unsigned long)XML_GetCurrentColumnNumber(s.p));
    }
    XML_ParserFree(s.p);
    dc_strbuf_free(&s.text);
    for (int64_t i = 0; rc == DC_OK && out->url_encoded && i < out->n_items; i++)
        if (!url_decode((char *)out->items[i].key))
            rc = dc_error_set(err, DC_ECORRUPT,
                              "S3 answer is not valid: a url-encoded key has a bad %%-escape");
    if (rc == DC_OK && out->url_encoded && out->next_key_marker &&
        !url_decode((char *)out->next_key_marker))
        rc = dc_error_set(err, DC_ECORRUPT,
                          "S3 answer is not valid: a url-encoded NextKeyMarker has a bad "
                          "%%-escape");
    return rc;
}

void dc_s3__xml_free(dc_s3_xml *x)
{
    if (!x)
        return;
    dc_free(x->items);
    dc_arena_free(&x->strings);
    memset(x, 0, sizeof *x);
}

/* ---- times ---------------------------------------------------------------------------- */

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool to_ns(int year, int mon, int day, int h, int mi, int sec, int64_t frac_ns, int64_t *ns)
{
    if (year < 1970 || year > 9999 || mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23 ||
        mi > 59 || sec > 60)
        return false;
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    int64_t s;
    if (t == (time_t)-1 || dc_mul_overflows((int64_t)t, 1000000000, &s) ||
        dc_add_overflows(s, frac_ns, ns))
        return false; /* after 2262: not a time of ours */
    return true;
}

bool dc_s3__parse_iso8601(const char *s, int64_t *ns)
{
    /* YYYY-MM-DDTHH:MM:SS[.fraction]Z */
    int y, mo, d, h, mi, se;
    if (strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) ||
        s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
        return false;
    const char *p = s + 19;
    int64_t frac = 0, scale = 100000000;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        for (; *p >= '0' && *p <= '9'; p++) {
            frac += (*p - '0') * scale;
            scale /= 10;
        }
    }
    if (strcmp(p, "Z") != 0)
        return false;
    return to_ns(y, mo, d, h, mi, se, frac, ns);
}

bool dc_s3__parse_http_date(const char *s, int64_t *ns)
{
    /* "Tue, 24 Nov 2026 00:51:05 GMT" (RFC 7231 IMF-fixdate) */
    static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const char *p = strchr(s, ',');
    if (!p || strlen(p) < 26)
        return false;
    p += 2;
    int d, y, h, mi, se, mo = 0;
    if (!digits(p, 2, &d) || p[2] != ' ')
        return false;
    for (int i = 0; i < 12; i++)
        if (strncmp(p + 3, MONTHS[i], 3) == 0)
            mo = i + 1;
    if (mo == 0 || p[6] != ' ' || !digits(p + 7, 4, &y) || p[11] != ' ' || !digits(p + 12, 2, &h) ||
        p[14] != ':' || !digits(p + 15, 2, &mi) || p[17] != ':' || !digits(p + 18, 2, &se) ||
        strncmp(p + 20, " GMT", 4) != 0)
        return false;
    return to_ns(y, mo, d, h, mi, se, 0, ns);
}
