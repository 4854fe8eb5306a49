/* api_review_req.c - validation of the review workflow's requests.
 *
 * Owns what a review request may say and the exact 4xx it gets otherwise:
 * the moderator it acts under (a named key's own name, 403
 * moderator_mismatch for any other), moderator names, flag codes, ids and
 * sites, optional members (lease, limits, reason, note, override), the
 * decision fields, page and audit cursors, and which sites a cross-site
 * request covers for this key (403 for a site the key may not use).
 * Failures are filled into an api_review_err without allocating. Reads
 * Redis only for the list of sites; never changes anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_review_private.h"

/* ============================================================ failures */

int api_review_fail(api_review_err *e, int status, const char *code, const char *field,
                    const char *msg) {
    e->status = status;
    e->code = code;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    return -1;
}

void api_review_reply_err(http_response *res, const api_review_err *e) {
    api_error(res, e->status, e->code, e->msg, e->field[0] ? e->field : NULL);
}

/* ========================================================== the fields */

/* 1 when this request's key may act on site. */
static int site_allowed(const api_call *c, const char *site) {
    int ok = 0;
    auth_check(api_auth(c->a), c->req->authorization, site, &ok);
    return ok;
}

/* Moderator names: 1..REVIEW_MODERATOR_MAX bytes, no control characters
 * (they appear in logs, the audit stream and are joined with \x1f). */
static int valid_moderator(const char *m) {
    if (!m || !*m || strlen(m) > REVIEW_MODERATOR_MAX) return 0;
    for (const unsigned char *p = (const unsigned char *)m; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 0;
    return 1;
}

/* Flag codes: 1..31 of [a-z0-9_] (engine codes are snake_case). */
static int valid_flag(const char *f) {
    size_t n = f ? strlen(f) : 0;
    if (n == 0 || n > REVIEW_FLAG_CODE_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((f[i] >= 'a' && f[i] <= 'z') || (f[i] >= '0' && f[i] <= '9') || f[i] == '_'))
            return 0;
    return 1;
}

/* Non-negative decimal integer in [lo, hi] from a query string value. */
static int parse_range(const char *v, long long lo, long long hi, long long *out) {
    if (!v || !*v || strlen(v) > 18) return -1;
    long long x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        x = x * 10 + (*p - '0');
    }
    if (x < lo || x > hi) return -1;
    *out = x;
    return 0;
}

/* Optional string member: absent/null -> *out NULL; else a string of at
 * most max bytes. 0 or -1 with e. */
static int opt_string(const codec_obj *o, const char *key, size_t max, const char **out,
                      api_review_err *e) {
    *out = NULL;
    if (!codec_has(o, key)) return 0;
    if (!codec_is_str(o, key)) {
        char m[120];
        snprintf(m, sizeof m, "%s must be a string", key);
        return api_review_fail(e, 422, "invalid_field", key, m);
    }
    const char *v = codec_get_str(o, key);
    if (strlen(v) > max) {
        char m[120];
        snprintf(m, sizeof m, "%s is longer than %zu bytes", key, max);
        return api_review_fail(e, 422, "field_too_long", key, m);
    }
    *out = v;
    return 0;
}

/* Optional boolean member (default 0). 0 or -1 with e. */
static int opt_bool(const codec_obj *o, const char *key, int *out, api_review_err *e) {
    *out = 0;
    if (!codec_has(o, key)) return 0;
    int a = codec_get_bool(o, key, 0), b = codec_get_bool(o, key, 1);
    if (a != b) {
        char m[120];
        snprintf(m, sizeof m, "%s must be true or false", key);
        return api_review_fail(e, 422, "invalid_field", key, m);
    }
    *out = a;
    return 0;
}

/* Optional integer member in [lo, hi] (def when absent). 0 or -1 with e. */
static int opt_int(const codec_obj *o, const char *key, long long lo, long long hi,
                   long long def, long long *out, api_review_err *e) {
    *out = def;
    long long v;
    int rc = codec_get_int(o, key, &v);
    if (rc == 0) return 0;
    if (rc < 0 || v < lo || v > hi) {
        char m[120];
        snprintf(m, sizeof m, "%s must be an integer from %lld to %lld", key, lo, hi);
        return api_review_fail(e, 422, "invalid_field", key, m);
    }
    *out = v;
    return 0;
}

/* A "moderator" member of o, for a key that names its holder: absent or
 * null, or that name. 0, or -1 with e (422 not a string, 403
 * moderator_mismatch another name). */
static int check_named(const char *name, const codec_obj *o, api_review_err *e) {
    if (!codec_has(o, "moderator")) return 0;
    if (!codec_is_str(o, "moderator"))
        return api_review_fail(e, 422, "invalid_field", "moderator",
                               "moderator must be a string");
    if (strcmp(codec_get_str(o, "moderator"), name) != 0) {
        char m[200];
        snprintf(m, sizeof m,
                 "this key belongs to moderator %s: leave moderator out or send \"%s\"", name,
                 name);
        return api_review_fail(e, 403, "moderator_mismatch", "moderator", m);
    }
    return 0;
}

/* The name a request acts under: a named key's own name (check_named), or
 * for a key without one (moderator_anonymous_keys) the required
 * "moderator" member. 0, or -1 with e. */
static int get_moderator(const api_call *c, const codec_obj *o, const char **out,
                         api_review_err *e) {
    if (c->who.name) {
        *out = c->who.name;
        return check_named(c->who.name, o, e);
    }
    *out = codec_get_str(o, "moderator");
    if (!*out || !**out)
        return api_review_fail(
            e, 422, "missing_field", "moderator",
            "moderator is required: the name decisions and claims are recorded under");
    if (!valid_moderator(*out))
        return api_review_fail(e, 422, "invalid_field", "moderator",
                               "moderator must be 1-128 bytes without control characters");
    return 0;
}

/* ====================================================== sites, cursors */

int api_review_pick_sites(const api_call *c, store *s, const char *site, char ***sites,
                          api_review_err *e) {
    *sites = NULL;
    if (site) {
        if (!model_valid_ident(site, MODEL_MAX_SITE))
            return api_review_fail(e, 422, "invalid_field", "site",
                                   "site must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        if (!site_allowed(c, site))
            return api_review_fail(e, 403, "forbidden", "site",
                                   "this key is not allowed for this site");
        char **l = calloc(2, sizeof *l);
        if (!l || !(l[0] = strdup(site))) {
            free(l);
            return api_review_fail(e, 500, "internal", NULL, "out of memory");
        }
        *sites = l;
        return 0;
    }
    char **all;
    if (store_review_sites(s, &all) < 0)
        return api_review_fail(e, 503, "redis_unavailable", NULL,
                               "Redis is unavailable, retry later");
    size_t w = 0;
    for (size_t i = 0; all[i]; i++) {
        if (w < REVIEW_MAX_SITES && site_allowed(c, all[i]))
            all[w++] = all[i];
        else
            free(all[i]);
    }
    all[w] = NULL;
    *sites = all;
    return 0;
}

/* Page cursor "<ms>~<site>~<id>" ('~' is outside ids and sites). */
static int parse_cursor(const char *v, review_entry *cur) {
    const char *a = v ? strchr(v, '~') : NULL;
    const char *b = a ? strchr(a + 1, '~') : NULL;
    if (!b || (size_t)(a - v) > 18 || (size_t)(b - a - 1) > MODEL_MAX_SITE ||
        strlen(b + 1) > MODEL_MAX_ID)
        return -1;
    char ms[20];
    memcpy(ms, v, (size_t)(a - v));
    ms[a - v] = 0;
    long long x;
    if (parse_range(ms, 0, (long long)4e18, &x) < 0) return -1;
    cur->ms = x;
    memcpy(cur->site, a + 1, (size_t)(b - a - 1));
    cur->site[b - a - 1] = 0;
    snprintf(cur->id, sizeof cur->id, "%s", b + 1);
    return model_valid_ident(cur->site, MODEL_MAX_SITE) && model_valid_ident(cur->id, MODEL_MAX_ID)
               ? 0 : -1;
}

/* Audit cursor "<ms>-<seq>~<site>". */
static int parse_audit_cursor(const char *v, long long *ms, long long *seq, char *site) {
    const char *t = strchr(v, '~');
    if (!t || !model_valid_ident(t + 1, MODEL_MAX_SITE)) return -1;
    char idp[48];
    if ((size_t)(t - v) >= sizeof idp) return -1;
    memcpy(idp, v, (size_t)(t - v));
    idp[t - v] = 0;
    char *dash = strchr(idp, '-');
    if (!dash) return -1;
    *dash = 0;
    if (parse_range(idp, 0, (long long)4e18, ms) < 0 ||
        parse_range(dash + 1, 0, (long long)4e18, seq) < 0)
        return -1;
    strcpy(site, t + 1);
    return 0;
}

/* Validate the decision fields of o (site/id come from elsewhere). */
static int parse_decision(const codec_obj *o, api_review_decision *d, api_review_err *e) {
    d->decision = codec_get_str(o, "decision");
    if (!d->decision)
        return api_review_fail(e, 422, "missing_field", "decision",
                               "decision is required: approve or reject");
    if (strcmp(d->decision, "approve") != 0 && strcmp(d->decision, "reject") != 0)
        return api_review_fail(e, 422, "invalid_field", "decision",
                               "decision must be approve or reject");
    if (opt_string(o, "reason", REVIEW_REASON_MAX, &d->reason, e) < 0 ||
        opt_string(o, "note", REVIEW_NOTE_MAX, &d->note, e) < 0 ||
        opt_bool(o, "override", &d->override, e) < 0)
        return -1;
    return 0;
}

/* ============================================================ requests */

int api_review_words(const char *text, int (*fn)(const char *w, size_t len, void *arg),
                     void *arg) {
    char w[REVIEW_Q_MAX + 1];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        unsigned ch = *p;
        int in = ch >= 0x80 || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                 (ch >= 'A' && ch <= 'Z');
        if (in) {
            /* a word longer than a search can be matches no search word */
            if (n < REVIEW_Q_MAX) w[n] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
            n++;
            continue;
        }
        if (n && n <= REVIEW_Q_MAX) {
            w[n] = 0;
            int r = fn(w, n, arg);
            if (r) return r;
        }
        n = 0;
        if (!ch) return 0;
    }
}

static int add_query_word(const char *w, size_t len, void *arg) {
    api_review_page_req *q = arg;
    for (size_t i = 0; i < q->nwords; i++)
        if (strcmp(q->words[i], w) == 0) return 0; /* said twice */
    if (q->nwords == REVIEW_Q_WORDS) return 1;
    memcpy(q->words[q->nwords++], w, len + 1);
    return 0;
}

static int has_control(const char *v) {
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return 1;
    return 0;
}

int api_review_parse_list(const http_request *rq, const char **site, api_review_page_req *q,
                          api_review_err *e) {
    const char *article = http_query(rq, "article_id"), *flag = http_query(rq, "flag"),
               *status = http_query(rq, "status"), *lim = http_query(rq, "limit"),
               *cur_s = http_query(rq, "cursor"), *text = http_query(rq, "q"),
               *author = http_query(rq, "author"), *sort = http_query(rq, "sort");
    long long limit = REVIEW_LIST_DEFAULT;
    memset(q, 0, sizeof *q);
    *site = http_query(rq, "site");
    if (*site && !**site) *site = NULL;
    if (article && !*article) article = NULL;
    if (flag && !*flag) flag = NULL;
    if (author && !*author) author = NULL;
    if (status && *status) {
        if (strcmp(status, "pending") == 0)
            q->folder = REVIEW_F_PENDING;
        else if (strcmp(status, "rejected") == 0)
            q->folder = REVIEW_F_REJECTED;
        else if (strcmp(status, "approved") == 0)
            q->folder = REVIEW_F_APPROVED;
        else
            return api_review_fail(e, 422, "invalid_field", "status",
                                   "status must be pending, rejected or approved");
    }
    if (sort && *sort && strcmp(sort, "age") != 0 && strcmp(sort, "score") != 0)
        return api_review_fail(e, 422, "invalid_field", "sort", "sort must be age or score");
    q->by_score = sort && strcmp(sort, "score") == 0;
    if (lim && parse_range(lim, 1, REVIEW_LIST_MAX, &limit) < 0)
        return api_review_fail(e, 422, "invalid_field", "limit",
                               "limit must be an integer from 1 to 200");
    if (flag && !valid_flag(flag))
        return api_review_fail(e, 422, "invalid_field", "flag",
                               "flag must be a flag code such as off_topic");
    if (article && !model_valid_ident(article, MODEL_MAX_ID))
        return api_review_fail(e, 422, "invalid_field", "article_id",
                               "article_id must be 1-128 characters of A-Z a-z 0-9 . _ : -");
    if (text && (strlen(text) > REVIEW_Q_MAX || has_control(text)))
        return api_review_fail(e, 422, "invalid_field", "q",
                               "q must be at most 256 bytes of text without control characters");
    if (text && api_review_words(text, add_query_word, q))
        return api_review_fail(e, 422, "invalid_field", "q", "q may hold at most 8 words");
    if (author && (strlen(author) > REVIEW_AUTHOR_MAX || has_control(author)))
        return api_review_fail(e, 422, "invalid_field", "author",
                               "author must be a name or e-mail of at most 256 bytes");
    if (cur_s && *cur_s && parse_cursor(cur_s, &q->cursor) < 0)
        return api_review_fail(e, 422, "invalid_field", "cursor",
                               "cursor is not one this endpoint returned");
    q->have_cursor = cur_s && *cur_s;
    q->article_id = article;
    q->flag = flag;
    q->author = author;
    q->limit = (size_t)limit;
    return 0;
}

int api_review_parse_claim(const api_call *c, const codec_obj *b, long long default_lease,
                           api_review_claim_req *q, api_review_err *e) {
    memset(q, 0, sizeof *q);
    if (get_moderator(c, b, &q->moderator, e) < 0 ||
        opt_string(b, "site", MODEL_MAX_SITE, &q->site, e) < 0 ||
        opt_string(b, "flag", REVIEW_FLAG_CODE_MAX, &q->flag, e) < 0 ||
        opt_int(b, "limit", 1, REVIEW_CLAIM_MAX, REVIEW_CLAIM_DEFAULT, &q->limit, e) < 0 ||
        opt_int(b, "lease_seconds", REVIEW_LEASE_MIN, REVIEW_LEASE_MAX, default_lease,
                &q->lease_s, e) < 0)
        return -1;
    if (q->flag && !valid_flag(q->flag))
        return api_review_fail(e, 422, "invalid_field", "flag",
                               "flag must be a flag code such as off_topic");
    return 0;
}

int api_review_parse_release(const api_call *c, const codec_obj *b, api_review_release_req *q,
                             api_review_err *e) {
    memset(q, 0, sizeof *q);
    const codec_obj *ids = codec_get(b, "ids");
    if (get_moderator(c, b, &q->moderator, e) < 0 ||
        opt_string(b, "site", MODEL_MAX_SITE, &q->site, e) < 0)
        return -1;
    if (!q->site || !model_valid_ident(q->site, MODEL_MAX_SITE))
        return api_review_fail(e, 422, q->site ? "invalid_field" : "missing_field", "site",
                               "site is required: 1-64 characters of A-Z a-z 0-9 . _ : -");
    if (!site_allowed(c, q->site))
        return api_review_fail(e, 403, "forbidden", "site",
                               "this key is not allowed for this site");
    size_t n = ids && codec_is_array(ids) ? codec_size(ids) : 0;
    if (!ids || !codec_is_array(ids) || n == 0 || n > REVIEW_RELEASE_MAX)
        return api_review_fail(e, 422, ids ? "invalid_field" : "missing_field", "ids",
                               "ids must be an array of 1 to 500 comment ids");
    char **list = calloc(n, sizeof *list);
    if (!list) return api_review_fail(e, 500, "internal", NULL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *id = codec_str_value(codec_at(ids, i));
        if (!id || !model_valid_ident(id, MODEL_MAX_ID)) {
            free(list);
            return api_review_fail(
                e, 422, "invalid_field", "ids",
                "ids must hold comment ids (1-128 characters of A-Z a-z 0-9 . _ : -)");
        }
        list[i] = (char *)id; /* borrowed from b; store_review_release reads only */
    }
    q->ids = list;
    q->n = n;
    return 0;
}

int api_review_parse_one(const api_call *c, const codec_obj *b, api_review_decision *d,
                         api_review_err *e) {
    memset(d, 0, sizeof *d);
    d->site = router_param(c->m, "site");
    d->id = router_param(c->m, "id");
    if (!model_valid_ident(d->id, MODEL_MAX_ID))
        return api_review_fail(e, 404, "not_found", NULL, "no such comment");
    if (get_moderator(c, b, &d->moderator, e) < 0 || parse_decision(b, d, e) < 0) return -1;
    return 0;
}

int api_review_parse_bulk(const api_call *c, const codec_obj *b, const char **moderator,
                          const codec_obj **list, size_t *n, api_review_err *e) {
    *list = codec_get(b, "decisions");
    if (get_moderator(c, b, moderator, e) < 0) return -1;
    *n = *list && codec_is_array(*list) ? codec_size(*list) : 0;
    if (!*list || !codec_is_array(*list) || *n == 0 || *n > REVIEW_BULK_MAX)
        return api_review_fail(e, 422, *list ? "invalid_field" : "missing_field", "decisions",
                               "decisions must be an array of 1 to 500 decisions");
    return 0;
}

int api_review_parse_bulk_item(const api_call *c, const codec_obj *it, api_review_decision *d,
                               api_review_err *e) {
    if (!it || !codec_is_object(it))
        return api_review_fail(e, 422, "invalid_field", "decisions",
                               "each decision must be an object");
    d->site = codec_get_str(it, "site");
    d->id = codec_get_str(it, "id");
    if (!d->site || !model_valid_ident(d->site, MODEL_MAX_SITE))
        return api_review_fail(e, 422, d->site ? "invalid_field" : "missing_field", "site",
                               "site is required: 1-64 characters of A-Z a-z 0-9 . _ : -");
    if (!d->id || !model_valid_ident(d->id, MODEL_MAX_ID))
        return api_review_fail(e, 422, d->id ? "invalid_field" : "missing_field", "id",
                               "id is required: 1-128 characters of A-Z a-z 0-9 . _ : -");
    if (parse_decision(it, d, e) < 0) return -1;
    if (c->who.name && check_named(c->who.name, it, e) < 0) return -1;
    if (!site_allowed(c, d->site))
        return api_review_fail(e, 403, "forbidden", "site",
                               "this key is not allowed for this site");
    return 0;
}

int api_review_parse_audit(const http_request *rq, const char **site, api_review_audit_req *q,
                           api_review_err *e) {
    const char *since = http_query(rq, "since"), *lim = http_query(rq, "limit"),
               *cur = http_query(rq, "cursor");
    long long limit = REVIEW_AUDIT_DEFAULT;
    memset(q, 0, sizeof *q);
    *site = http_query(rq, "site");
    if (*site && !**site) *site = NULL;
    if (lim && parse_range(lim, 1, REVIEW_AUDIT_MAX, &limit) < 0)
        return api_review_fail(e, 422, "invalid_field", "limit",
                               "limit must be an integer from 1 to 1000");
    if (since && *since && parse_range(since, 0, (long long)4e18, &q->since_ms) < 0)
        return api_review_fail(e, 422, "invalid_field", "since",
                               "since must be milliseconds since the epoch");
    q->have_cursor = cur && *cur;
    if (q->have_cursor &&
        parse_audit_cursor(cur, &q->cursor_ms, &q->cursor_seq, q->cursor_site) < 0)
        return api_review_fail(e, 422, "invalid_field", "cursor",
                               "cursor is not one this endpoint returned");
    q->limit = (size_t)limit;
    return 0;
}
