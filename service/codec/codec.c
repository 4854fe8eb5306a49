/* codec.c - request/record JSON decoding and encoding with jansson.
 *
 * Owns every use of jansson. Parses with an explicit length and
 * JSON_REJECT_DUPLICATES, limits nesting depth, and copies every string it
 * keeps (jansson's borrowed strings die with the root). Never decides
 * policy: it only checks shapes and lengths. The comment record, encoded
 * twice per POST, is written with jsonw instead of a jansson tree, in the
 * very text jansson would print (tests/unit/test_codec.c holds the two
 * side by side). The comment request, decoded once per POST, is read by
 * the reqscan scanner when it has the common shape; the rest goes to
 * jansson, and both paths end in the same checks (comment_req_check).
 */
#include "codec.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "codec_private.h"
#include "crypto.h"
#include "jsonw.h"
#include "reqscan.h"

/* Significant digits of every real written: scores are rounded to 3
 * decimals, and 6 digits print them without binary noise (0.735, not
 * 0.73499999999999999). Shared by dump() and the jsonw writer. */
#define REAL_PRECISION 6

/* ================================================================ helpers */

static void seterr(codec_error *err, int status, const char *code,
                   const char *field, const char *text) {
    if (!err) return;
    err->status = status;
    snprintf(err->code, sizeof err->code, "%s", code);
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    snprintf(err->text, sizeof err->text, "%s", text);
}

static int depth_ok(json_t *v, int depth) {
    if (depth > CODEC_MAX_DEPTH) return 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach(v, k, c) if (!depth_ok(c, depth + 1)) return 0;
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) if (!depth_ok(c, depth + 1)) return 0;
    }
    return 1;
}

static json_t *parse_object(const char *buf, size_t len, codec_error *err) {
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        if (json_error_code(&je) == json_error_invalid_utf8)
            seterr(err, 422, "invalid_utf8", "", "request body is not valid UTF-8");
        else {
            char t[200];
            snprintf(t, sizeof t, "malformed JSON at line %d column %d: %s",
                     je.line, je.column, je.text);
            seterr(err, 400, "malformed_json", "", t);
        }
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        seterr(err, 422, "invalid_body", "", "request body must be a JSON object");
        return NULL;
    }
    if (!depth_ok(root, 0)) {
        json_decref(root);
        seterr(err, 422, "too_deep", "", "JSON nesting is too deep");
        return NULL;
    }
    return root;
}

/* A member of obj as the comment request checks see it (reqscan.h):
 * strings borrowed from obj's tree. */
static reqscan_value value_of(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    reqscan_value r = {REQSCAN_ABSENT, NULL, 0};
    if (!v)
        return r;
    else if (json_is_null(v))
        r.kind = REQSCAN_NULL;
    else if (json_is_object(v))
        r.kind = REQSCAN_OBJECT;
    else if (!json_is_string(v))
        r.kind = REQSCAN_OTHER;
    else {
        r.kind = REQSCAN_STRING;
        r.s = json_string_value(v);
        r.len = json_string_length(v);
    }
    return r;
}

/* Copy an optional string field with a length limit. Returns 0 ok (and *out
 * is new or NULL when absent/null), -1 with err. */
static int opt_value(const reqscan_value *v, const char *fname, size_t max, char **out,
                     codec_error *err) {
    *out = NULL;
    if (v->kind == REQSCAN_ABSENT || v->kind == REQSCAN_NULL) return 0;
    if (v->kind != REQSCAN_STRING) {
        char t[160];
        snprintf(t, sizeof t, "%s must be a string", fname);
        seterr(err, 422, "invalid_field", fname, t);
        return -1;
    }
    if (v->len > max) {
        char t[160];
        snprintf(t, sizeof t, "%s is longer than %zu bytes", fname, max);
        seterr(err, 422, "field_too_long", fname, t);
        return -1;
    }
    if (memchr(v->s, 0, v->len)) {
        seterr(err, 422, "invalid_field", fname, "string contains NUL");
        return -1;
    }
    *out = malloc(v->len + 1); /* v->s need not end in a NUL */
    if (!*out) {
        seterr(err, 500, "out_of_memory", fname, "out of memory");
        return -1;
    }
    memcpy(*out, v->s, v->len);
    (*out)[v->len] = 0;
    return 0;
}

/* The same, and absent, null or empty is a missing_field error. */
static int req_value(const reqscan_value *v, const char *fname, size_t max, char **out,
                     codec_error *err) {
    if (opt_value(v, fname, max, out, err) < 0) return -1;
    if (!*out || !**out) {
        free(*out);
        *out = NULL;
        char t[160];
        snprintf(t, sizeof t, "%s is required and must be a non-empty string", fname);
        seterr(err, 422, "missing_field", fname, t);
        return -1;
    }
    return 0;
}

static int opt_str(json_t *obj, const char *key, const char *fname, size_t max,
                   char **out, codec_error *err) {
    reqscan_value v = value_of(obj, key);
    return opt_value(&v, fname, max, out, err);
}

static int req_str(json_t *obj, const char *key, const char *fname, size_t max,
                   char **out, codec_error *err) {
    reqscan_value v = value_of(obj, key);
    return req_value(&v, fname, max, out, err);
}

static int str_list(json_t *obj, const char *key, const char *fname,
                    size_t maxn, size_t maxlen, char ***out, size_t *n,
                    codec_error *err) {
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    *n = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v) || json_array_size(v) > maxn) {
        char t[160];
        snprintf(t, sizeof t, "%s must be an array of at most %zu strings", fname, maxn);
        seterr(err, 422, "invalid_field", fname, t);
        return -1;
    }
    *out = calloc(json_array_size(v) + 1, sizeof(char *));
    if (!*out) return -1;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || json_string_length(e) > maxlen) {
            char t[160];
            snprintf(t, sizeof t, "%s[%zu] must be a string of at most %zu bytes",
                     fname, i, maxlen);
            seterr(err, 422, "invalid_field", fname, t);
            return -1;
        }
        (*out)[(*n)++] = strdup(json_string_value(e));
    }
    return 0;
}

static void set_opt(json_t *o, const char *key, const char *v) {
    if (v) json_object_set_new(o, key, json_string(v));
}

static char *dump(json_t *root, size_t *len) {
    char *s = root ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(REAL_PRECISION)) : NULL;
    json_decref(root);
    if (s && len) *len = strlen(s);
    return s;
}

static long long get_ll(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

static double get_dbl(json_t *o, const char *key, double def) {
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

static char *dupstr(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

static model_status status_from(const char *s) {
    if (s && strcmp(s, "pending") == 0) return MODEL_PENDING;
    if (s && strcmp(s, "rejected") == 0) return MODEL_REJECTED;
    return MODEL_APPROVED;
}

/* ============================================================== articles */

int codec_decode_article_req(const char *buf, size_t len, model_article *out,
                             codec_error *err) {
    memset(out, 0, sizeof *out);
    json_t *root = parse_object(buf, len, err);
    if (!root) return -1;
    if (req_str(root, "title", "title", MODEL_MAX_TITLE, &out->title, err) < 0 ||
        opt_str(root, "body", "body", 16 * 1024 * 1024, &out->body, err) < 0 ||
        opt_str(root, "url", "url", MODEL_MAX_URL, &out->url, err) < 0 ||
        str_list(root, "tags", "tags", MODEL_MAX_TAGS, MODEL_MAX_NAME, &out->tags,
                 &out->ntags, err) < 0)
        goto fail;
    if (!out->body) {
        json_t *b = json_object_get(root, "body");
        if (b && !json_is_null(b)) goto fail;
        seterr(err, 422, "missing_field", "body", "body is required and must be a string");
        goto fail;
    }
    json_decref(root);
    return 0;
fail:
    json_decref(root);
    model_article_free(out);
    return -1;
}

char *codec_encode_article(const model_article *a, int storage, size_t *len) {
    json_t *o = json_object();
    set_opt(o, "site", a->site);
    set_opt(o, "id", a->id);
    set_opt(o, "title", a->title);
    set_opt(o, "body", a->body);
    if (a->url || storage)
        set_opt(o, "url", a->url);
    else
        json_object_set_new(o, "url", json_null()); /* the API answers null */
    json_t *tags = json_array();
    for (size_t i = 0; i < a->ntags; i++) json_array_append_new(tags, json_string(a->tags[i]));
    json_object_set_new(o, "tags", tags);
    json_object_set_new(o, "created_ms", json_integer(a->created_ms));
    json_object_set_new(o, "updated_ms", json_integer(a->updated_ms));
    if (storage) {
        json_t *terms = json_array();
        for (size_t i = 0; i < a->nterms; i++)
            json_array_append_new(terms, json_string(a->terms[i]));
        json_object_set_new(o, "terms", terms);
    }
    return dump(o, len);
}

/* Decodes an article from root (taken: released here). terms=0 leaves
 * out->terms empty. */
static int decode_article_root(json_t *root, int terms, model_article *out,
                               codec_error *err) {
    out->site = dupstr(root, "site");
    out->id = dupstr(root, "id");
    out->title = dupstr(root, "title");
    out->body = dupstr(root, "body");
    out->url = dupstr(root, "url");
    out->created_ms = get_ll(root, "created_ms");
    out->updated_ms = get_ll(root, "updated_ms");
    if (str_list(root, "tags", "tags", 100000, 1 << 20, &out->tags, &out->ntags, err) < 0 ||
        (terms &&
         str_list(root, "terms", "terms", 100000, 1 << 20, &out->terms, &out->nterms, err) < 0)) {
        json_decref(root);
        model_article_free(out);
        return -1;
    }
    json_decref(root);
    if (!out->title) out->title = strdup("");
    if (!out->body) out->body = strdup("");
    return 0;
}

int codec_decode_article(const char *buf, size_t len, model_article *out,
                         codec_error *err) {
    memset(out, 0, sizeof *out);
    json_t *root = parse_object(buf, len, err);
    if (!root) return -1;
    return decode_article_root(root, 1, out, err);
}

/* Index just past the JSON string starting at buf[i] == '"', or len when
 * it is not closed. */
static size_t skip_string(const char *buf, size_t len, size_t i) {
    for (i++; i < len; i++) {
        if (buf[i] == '\\')
            i++;
        else if (buf[i] == '"')
            return i + 1;
    }
    return len;
}

static size_t skip_space(const char *buf, size_t len, size_t i) {
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    return i;
}

/* Finds the member "terms" of the top-level object in buf: *from..*to is
 * the span to cut (the member and one adjacent comma), so that the rest is
 * the same object without it. 1 when found, 0 otherwise (including JSON
 * too malformed to tell: the caller then parses buf as it is and lets
 * jansson report). Strings are skipped whole, so a "terms" inside a value
 * or a nested object never matches. */
static int find_terms(const char *buf, size_t len, size_t *from, size_t *to) {
    static const char key[] = "\"terms\"";
    size_t i = skip_space(buf, len, 0), prev_comma = 0;
    int depth = 0, have_comma = 0;
    if (i >= len || buf[i] != '{') return 0;
    for (; i < len; i++) {
        char ch = buf[i];
        if (ch == '"') {
            size_t end = skip_string(buf, len, i);
            size_t colon = skip_space(buf, len, end);
            if (depth == 1 && end - i == sizeof key - 1 && memcmp(buf + i, key, end - i) == 0 &&
                colon < len && buf[colon] == ':') {
                /* skip the value: a string, or an array/object (balanced) */
                size_t v = skip_space(buf, len, colon + 1), d = 0;
                for (; v < len; v++) {
                    if (buf[v] == '"') {
                        v = skip_string(buf, len, v) - 1;
                        if (!d) break;
                    } else if (buf[v] == '[' || buf[v] == '{') {
                        d++;
                    } else if (buf[v] == ']' || buf[v] == '}') {
                        if (!d) return 0;
                        if (!--d) break;
                    } else if (!d && (buf[v] == ',')) {
                        v--; /* a scalar ends before the comma */
                        break;
                    }
                }
                if (v >= len) return 0;
                size_t after = skip_space(buf, len, v + 1);
                if (have_comma) { /* ..., "terms": [...] -> cut from the comma */
                    *from = prev_comma;
                    *to = v + 1;
                } else if (after < len && buf[after] == ',') { /* { "terms": [...], */
                    *from = i;
                    *to = after + 1;
                } else {
                    *from = i;
                    *to = v + 1;
                }
                return 1;
            }
            i = end - 1;
            have_comma = 0;
        } else if (ch == '{' || ch == '[') {
            depth++;
            have_comma = 0;
        } else if (ch == '}' || ch == ']') {
            depth--;
            have_comma = 0;
        } else if (ch == ',') {
            if (depth == 1) {
                prev_comma = i;
                have_comma = 1;
            }
        } else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
            have_comma = 0;
        }
    }
    return 0;
}

int codec_decode_article_content(const char *buf, size_t len, model_article *out,
                                 codec_error *err) {
    memset(out, 0, sizeof *out);
    size_t from, to;
    json_t *root;
    if (find_terms(buf, len, &from, &to)) {
        char *cut = malloc(len - (to - from) + 1);
        if (!cut) {
            seterr(err, 500, "out_of_memory", "", "out of memory");
            return -1;
        }
        memcpy(cut, buf, from);
        memcpy(cut + from, buf + to, len - to);
        root = parse_object(cut, len - (to - from), err);
        free(cut);
    } else {
        root = parse_object(buf, len, err);
    }
    if (!root) return -1;
    return decode_article_root(root, 0, out, err);
}

/* ============================================================== comments */

/* Applies the checks of a comment request to its raw fields r, in the
 * order that decides which error a bad request gets, and copies the
 * fields into out (model_comment_init'ed by the caller, relevance -1).
 * Returns 0, or -1 with err and out freed (relevance -1 again). */
static int comment_req_check(const reqscan_comment *r, model_comment *out, size_t max_text,
                             codec_error *err) {
    if (opt_value(&r->id, "id", MODEL_MAX_ID, &out->id, err) < 0) goto fail;
    if (out->id && !model_valid_ident(out->id, MODEL_MAX_ID)) {
        seterr(err, 422, "invalid_field", "id",
               "id must be 1-128 characters of A-Z a-z 0-9 . _ : -");
        goto fail;
    }
    if (req_value(&r->article_id, "article_id", MODEL_MAX_ID, &out->article_id, err) < 0)
        goto fail;
    if (!model_valid_ident(out->article_id, MODEL_MAX_ID)) {
        seterr(err, 422, "invalid_field", "article_id",
               "article_id must be 1-128 characters of A-Z a-z 0-9 . _ : -");
        goto fail;
    }
    if (req_value(&r->text, "text", max_text, &out->text, err) < 0) goto fail;
    if (r->author.kind != REQSCAN_OBJECT) {
        seterr(err, 422, "missing_field", "author",
               "author is required and must be an object with a name");
        goto fail;
    }
    if (req_value(&r->name, "author.name", MODEL_MAX_NAME, &out->author.name, err) < 0 ||
        opt_value(&r->email, "author.email", MODEL_MAX_EMAIL, &out->author.email, err) < 0 ||
        opt_value(&r->url, "author.url", MODEL_MAX_URL, &out->author.url, err) < 0 ||
        opt_value(&r->ip, "author.ip", 64, &out->author.ip, err) < 0 ||
        opt_value(&r->user_agent, "author.user_agent", MODEL_MAX_SHORT,
                  &out->author.user_agent, err) < 0 ||
        opt_value(&r->parent_id, "parent_id", MODEL_MAX_ID, &out->parent_id, err) < 0 ||
        opt_value(&r->created_at, "created_at", 64, &out->created_at, err) < 0)
        goto fail;
    if (out->author.email && !strchr(out->author.email, '@')) {
        seterr(err, 422, "invalid_field", "author.email", "author.email is not an e-mail address");
        goto fail;
    }
    return 0;
fail:
    model_comment_free(out);
    out->relevance = -1;
    return -1;
}

/* The raw fields of a comment request from its jansson tree: strings
 * borrowed from root. */
static void comment_req_fields(json_t *root, reqscan_comment *r) {
    reqscan_comment_init(r);
    for (size_t i = 0; i < REQSCAN_NTOP; i++)
        *reqscan_field(r, &reqscan_top_keys[i]) = value_of(root, reqscan_top_keys[i].name);
    if (r->author.kind != REQSCAN_OBJECT) return;
    json_t *author = json_object_get(root, "author");
    for (size_t i = 0; i < REQSCAN_NAUTHOR; i++)
        *reqscan_field(r, &reqscan_author_keys[i]) = value_of(author, reqscan_author_keys[i].name);
}

int codec_decode_comment_req_jansson(const char *buf, size_t len, model_comment *out,
                                     size_t max_text, codec_error *err) {
    model_comment_init(out);
    out->relevance = -1;
    json_t *root = parse_object(buf, len, err);
    if (!root) return -1;
    reqscan_comment r;
    comment_req_fields(root, &r);
    int rc = comment_req_check(&r, out, max_text, err);
    json_decref(root);
    return rc;
}

/* The common body shape is read by reqscan (a tree costs a node and a
 * copy per value); whatever it declines goes through jansson, which
 * decides the errors. Both paths end in the same checks. */
int codec_decode_comment_req(const char *buf, size_t len, model_comment *out,
                             size_t max_text, codec_error *err) {
    reqscan_comment r;
    if (reqscan_comment_scan(buf, len, &r) < 0)
        return codec_decode_comment_req_jansson(buf, len, out, max_text, err);
    model_comment_init(out);
    out->relevance = -1;
    int rc = comment_req_check(&r, out, max_text, err);
    reqscan_comment_free(&r);
    return rc;
}

/* A flag's stored spans: pairs of non-negative code point offsets, begin
 * <= end; anything else in the array is skipped. */
static void decode_spans(json_t *a, model_flag *f) {
    size_t i;
    json_t *p;
    f->nspans = 0;
    json_array_foreach(a, i, p) {
        if (f->nspans >= MODEL_FLAG_SPANS) break;
        json_t *b = json_array_get(p, 0), *e = json_array_get(p, 1);
        if (!json_is_integer(b) || !json_is_integer(e)) continue;
        json_int_t bv = json_integer_value(b), ev = json_integer_value(e);
        if (bv < 0 || ev < bv || ev > UINT32_MAX) continue;
        f->span[f->nspans][0] = (uint32_t)bv;
        f->span[f->nspans][1] = (uint32_t)ev;
        f->nspans++;
    }
}

static double round3(double x) { return (double)(long long)(x * 1000 + 0.5) / 1000; }

/* "revision" and "history" (both forms), "revised_ms" (storage). */
static void encode_revisions(jsonw *w, const model_comment *c, int storage) {
    jsonw_member_int(w, "revision", c->revision > 0 ? c->revision : 1);
    jsonw_key(w, "history");
    jsonw_array_begin(w);
    for (size_t i = 0; i < c->nhistory; i++) {
        const model_revision *h = &c->history[i];
        char at[32];
        clock_iso_ms(h->at_ms, at);
        jsonw_object_begin(w);
        jsonw_member_int(w, "revision", h->revision);
        jsonw_member_str(w, "status", model_status_name(h->status));
        jsonw_member_real(w, "score", round3(h->score));
        jsonw_key(w, "flags");
        jsonw_array_begin(w);
        for (const char *p = h->flags; p && *p;) {
            const char *e = strchr(p, ',');
            size_t l = e ? (size_t)(e - p) : strlen(p);
            char code[MODEL_FLAG_CODE_LEN];
            snprintf(code, sizeof code, "%.*s", (int)(l < sizeof code ? l : sizeof code - 1), p);
            jsonw_string(w, code);
            p += l + (e ? 1 : 0);
        }
        jsonw_array_end(w);
        jsonw_member_str(w, "at", at);
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
    if (storage && c->revised_ms) jsonw_member_int(w, "revised_ms", c->revised_ms);
}

/* The history of a stored record into out (its entries new). */
static void decode_revisions(json_t *root, model_comment *out) {
    long long rv = get_ll(root, "revision");
    out->revision = rv > 0 && rv < 1000000 ? (int)rv : 1;
    out->revised_ms = get_ll(root, "revised_ms");
    json_t *h = json_object_get(root, "history");
    size_t n = json_is_array(h) ? json_array_size(h) : 0;
    if (n > MODEL_MAX_HISTORY) n = MODEL_MAX_HISTORY;
    if (!n || !(out->history = calloc(n, sizeof *out->history))) return;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(h, i);
        model_revision *r = &out->history[out->nhistory];
        r->revision = (int)get_ll(e, "revision");
        r->status = status_from(json_string_value(json_object_get(e, "status")));
        r->score = get_dbl(e, "score", 0);
        const char *at = json_string_value(json_object_get(e, "at"));
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *rest = at ? strptime(at, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
        r->at_ms = rest ? (long long)timegm(&tm) * 1000 + (rest[0] == '.' ? atoi(rest + 1) : 0) : 0;
        json_t *fl = json_object_get(e, "flags");
        size_t k, total = 1;
        json_t *f;
        json_array_foreach(fl, k, f) total += strlen(json_string_value(f) ? json_string_value(f) : "") + 1;
        if ((r->flags = malloc(total))) {
            r->flags[0] = 0;
            json_array_foreach(fl, k, f) {
                const char *v = json_string_value(f);
                if (!v || !*v || strchr(v, ',')) continue;
                if (r->flags[0]) strcat(r->flags, ",");
                strcat(r->flags, v);
            }
        }
        out->nhistory++;
    }
}

/* Written with jsonw rather than a jansson tree: this runs twice per POST
 * (storage record, then API answer) and a tree costs a node per field plus
 * a dump. The text is what dump() of the equivalent tree printed, members
 * refused by jansson (invalid UTF-8) included: see jsonw.h. */
char *codec_encode_comment(const model_comment *c, int storage, size_t *len) {
    jsonw w;
    jsonw_init(&w, REAL_PRECISION,
               512 + (c->text ? strlen(c->text) : 0) + c->nflags * 192 + (storage ? 512 : 0));
    jsonw_object_begin(&w);
    jsonw_member_str(&w, "id", c->id);
    jsonw_member_str(&w, "site", c->site);
    jsonw_member_str(&w, "article_id", c->article_id);
    jsonw_member_str(&w, "status", model_status_name(c->status));
    jsonw_member_real(&w, "score", round3(c->score));
    if (c->relevance >= 0) jsonw_member_real(&w, "relevance", round3(c->relevance));
    jsonw_key(&w, "flags");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < c->nflags; i++) {
        const model_flag *f = &c->flags[i];
        jsonw_object_begin(&w);
        jsonw_member_str(&w, "code", f->code);
        jsonw_member_real(&w, "score", round3(f->score));
        jsonw_member_str(&w, "detail", f->detail ? f->detail : "");
        if (f->evidence && f->evidence[0]) jsonw_member_str(&w, "evidence", f->evidence);
        if (f->nspans) {
            jsonw_key(&w, "spans");
            jsonw_array_begin(&w);
            for (size_t k = 0; k < f->nspans; k++) {
                jsonw_array_begin(&w);
                jsonw_int(&w, f->span[k][0]);
                jsonw_int(&w, f->span[k][1]);
                jsonw_array_end(&w);
            }
            jsonw_array_end(&w);
        }
        jsonw_object_end(&w);
    }
    jsonw_array_end(&w);
    jsonw_member_str(&w, "auto_status", model_status_name(c->auto_status));
    if (c->provisional && !storage) {
        jsonw_key(&w, "provisional");
        jsonw_bool(&w, 1);
    }
    jsonw_member_str(&w, "text", c->text);
    /* the API answers null for an absent optional field; the record omits it */
    if (storage || c->parent_id) {
        jsonw_member_str(&w, "parent_id", c->parent_id);
    } else {
        jsonw_key(&w, "parent_id");
        jsonw_null(&w);
    }
    if (storage || c->created_at) {
        jsonw_member_str(&w, "created_at", c->created_at);
    } else {
        jsonw_key(&w, "created_at");
        jsonw_null(&w);
    }
    encode_revisions(&w, c, storage);
    jsonw_member_int(&w, "received_ms", c->received_ms);
    jsonw_key(&w, "author");
    jsonw_object_begin(&w);
    jsonw_member_str(&w, "name", c->author.name);
    if (storage) jsonw_member_str(&w, "email", c->author.email);
    jsonw_member_str(&w, "url", c->author.url);
    if (storage) {
        jsonw_member_str(&w, "ip", c->author.ip);
        jsonw_member_str(&w, "user_agent", c->author.user_agent);
    }
    jsonw_object_end(&w);
    jsonw_key(&w, "decision");
    if (c->decided_by) {
        jsonw_object_begin(&w);
        jsonw_member_str(&w, "by", c->decided_by);
        jsonw_member_int(&w, "at_ms", c->decided_ms);
        jsonw_member_str(&w, "decision", c->status == MODEL_APPROVED ? "approve" : "reject");
        jsonw_member_str(&w, "reason", c->decision_reason);
        jsonw_member_str(&w, "note", c->decision_note);
        jsonw_object_end(&w);
    } else {
        jsonw_null(&w);
    }
    if (storage) {
        char h[17];
        jsonw_member_str(&w, "author_key", c->author_key);
        crypto_hex_u64(c->exact_hash, 16, h);
        h[16] = 0;
        jsonw_member_str(&w, "xh", h);
        /* the band keys only: the MinHash is stored once, in the exact
         * key (dup:x); a spooled record carries it beside the record
         * (comment_spool.c) */
        if (c->has_minhash) {
            char bd[MODEL_LSH_BANDS * 16 + 1];
            for (int i = 0; i < MODEL_LSH_BANDS; i++)
                crypto_hex_u64(c->band[i], 16, bd + 16 * i);
            bd[MODEL_LSH_BANDS * 16] = 0;
            jsonw_member_str(&w, "bd", bd);
        }
    }
    jsonw_object_end(&w);
    return jsonw_finish(&w, len);
}

int codec_decode_comment(const char *buf, size_t len, model_comment *out,
                         codec_error *err) {
    model_comment_init(out);
    json_t *root = parse_object(buf, len, err);
    if (!root) return -1;
    out->id = dupstr(root, "id");
    out->site = dupstr(root, "site");
    out->article_id = dupstr(root, "article_id");
    out->text = dupstr(root, "text");
    out->parent_id = dupstr(root, "parent_id");
    out->created_at = dupstr(root, "created_at");
    out->status = status_from(json_string_value(json_object_get(root, "status")));
    out->auto_status = status_from(json_string_value(json_object_get(root, "auto_status")));
    out->score = get_dbl(root, "score", 0);
    out->relevance = get_dbl(root, "relevance", -1);
    out->received_ms = get_ll(root, "received_ms");
    json_t *au = json_object_get(root, "author");
    if (json_is_object(au)) {
        out->author.name = dupstr(au, "name");
        out->author.email = dupstr(au, "email");
        out->author.url = dupstr(au, "url");
        out->author.ip = dupstr(au, "ip");
        out->author.user_agent = dupstr(au, "user_agent");
    }
    json_t *fl = json_object_get(root, "flags");
    size_t i;
    json_t *f;
    json_array_foreach(fl, i, f) {
        if (out->nflags >= MODEL_MAX_FLAGS) break;
        if (model_comment_add_flag(out, json_string_value(json_object_get(f, "code")),
                                   get_dbl(f, "score", 0),
                                   json_string_value(json_object_get(f, "detail")),
                                   json_string_value(json_object_get(f, "evidence"))) < 0)
            break; /* out of memory: the flags so far */
        decode_spans(json_object_get(f, "spans"), &out->flags[out->nflags - 1]);
    }
    json_t *d = json_object_get(root, "decision");
    if (json_is_object(d)) {
        out->decided_by = dupstr(d, "by");
        out->decided_ms = get_ll(d, "at_ms");
        out->decision_reason = dupstr(d, "reason");
        out->decision_note = dupstr(d, "note");
    }
    decode_revisions(root, out);
    const char *ak = json_string_value(json_object_get(root, "author_key"));
    snprintf(out->author_key, sizeof out->author_key, "%s", ak ? ak : "");
    const char *xh = json_string_value(json_object_get(root, "xh"));
    if (xh) out->exact_hash = strtoull(xh, NULL, 16);
    /* "mh": the MinHash of a record of the older layout (and of a spool
     * line written by it); a record now has none. has_minhash says the
     * text had one, i.e. that its band keys are known (erasure deletes
     * them); out->minhash stays zero without "mh". */
    const char *mh = json_string_value(json_object_get(root, "mh"));
    if (mh && strlen(mh) == MODEL_MINHASH_N * 8) {
        for (int k = 0; k < MODEL_MINHASH_N; k++) {
            char part[9];
            memcpy(part, mh + 8 * k, 8);
            part[8] = 0;
            out->minhash[k] = (uint32_t)strtoul(part, NULL, 16);
        }
    }
    const char *bd = json_string_value(json_object_get(root, "bd"));
    if (bd && strlen(bd) == MODEL_LSH_BANDS * 16) {
        for (int k = 0; k < MODEL_LSH_BANDS; k++) {
            char part[17];
            memcpy(part, bd + 16 * k, 16);
            part[16] = 0;
            out->band[k] = strtoull(part, NULL, 16);
        }
        out->has_minhash = 1;
    } else {
        out->has_minhash = 0;
    }
    json_decref(root);
    if (!out->id || !out->site) {
        model_comment_free(out);
        seterr(err, 500, "corrupt_record", "", "stored comment lacks id or site");
        return -1;
    }
    return 0;
}

/* ================================================================ errors */

char *codec_error_body(const char *code, const char *message, const char *field,
                       size_t *len) {
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(code));
    json_object_set_new(e, "message", json_string(message ? message : ""));
    if (field && *field) json_object_set_new(e, "field", json_string(field));
    json_t *o = json_object();
    json_object_set_new(o, "error", e);
    return dump(o, len);
}

/* ======================================================= generic objects */

#define J(o) ((json_t *)(o))

codec_obj *codec_obj_new(void) { return (codec_obj *)json_object(); }
codec_obj *codec_arr_new(void) { return (codec_obj *)json_array(); }
void codec_obj_free(codec_obj *o) { json_decref(J(o)); }
void codec_set_str(codec_obj *o, const char *key, const char *val) {
    json_object_set_new(J(o), key, val ? json_string(val) : json_null());
}
void codec_set_int(codec_obj *o, const char *key, long long val) {
    json_object_set_new(J(o), key, json_integer(val));
}
void codec_set_real(codec_obj *o, const char *key, double val) {
    json_object_set_new(J(o), key, json_real(val));
}
void codec_set_bool(codec_obj *o, const char *key, int val) {
    json_object_set_new(J(o), key, json_boolean(val));
}
void codec_set_obj_new(codec_obj *o, const char *key, codec_obj *child) {
    json_object_set_new(J(o), key, child ? J(child) : json_null());
}
void codec_set_json(codec_obj *o, const char *key, const char *json, size_t len) {
    json_t *v = json ? json_loadb(json, len, 0, NULL) : NULL;
    json_object_set_new(J(o), key, v ? v : json_null());
}
void codec_append_new(codec_obj *arr, codec_obj *child) {
    json_array_append_new(J(arr), J(child));
}
void codec_append_str(codec_obj *arr, const char *s) {
    json_array_append_new(J(arr), json_string(s));
}
size_t codec_size(const codec_obj *o) {
    return json_is_array(J(o)) ? json_array_size(J(o)) : json_object_size(J(o));
}
char *codec_dump_free(codec_obj *o, size_t *len) { return dump(J(o), len); }

codec_obj *codec_parse(const char *buf, size_t len, codec_error *err) {
    return (codec_obj *)parse_object(buf, len, err);
}
const char *codec_get_str(const codec_obj *o, const char *key) {
    return json_string_value(json_object_get(J(o), key));
}
int codec_has(const codec_obj *o, const char *key) {
    json_t *v = json_object_get(J(o), key);
    return v && !json_is_null(v);
}
int codec_is_str(const codec_obj *o, const char *key) {
    return json_is_string(json_object_get(J(o), key));
}
int codec_get_int(const codec_obj *o, const char *key, long long *out) {
    json_t *v = json_object_get(J(o), key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_integer(v)) return -1;
    *out = (long long)json_integer_value(v);
    return 1;
}
int codec_get_bool(const codec_obj *o, const char *key, int def) {
    json_t *v = json_object_get(J(o), key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}
int codec_get_real(const codec_obj *o, const char *key, double *out) {
    json_t *v = json_object_get(J(o), key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_number(v)) return -1;
    *out = json_number_value(v);
    return 1;
}
int codec_get_bool_strict(const codec_obj *o, const char *key, int *out) {
    json_t *v = json_object_get(J(o), key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_boolean(v)) return -1;
    *out = json_is_true(v);
    return 1;
}
size_t codec_keys(const codec_obj *o, const char **keys, size_t max) {
    if (!json_is_object(J(o))) return 0;
    size_t n = 0;
    for (void *it = json_object_iter(J(o)); it; it = json_object_iter_next(J(o), it)) {
        if (n < max) keys[n] = json_object_iter_key(it);
        n++;
    }
    return n;
}
const codec_obj *codec_get(const codec_obj *o, const char *key) {
    return (const codec_obj *)json_object_get(J(o), key);
}
const codec_obj *codec_at(const codec_obj *arr, size_t i) {
    return (const codec_obj *)json_array_get(J(arr), i);
}
int codec_is_array(const codec_obj *o) { return json_is_array(J(o)); }
int codec_is_object(const codec_obj *o) { return json_is_object(J(o)); }
const char *codec_str_value(const codec_obj *o) { return json_string_value(J(o)); }
