/* api_review.c - the moderator review workflow: queue pages, claims,
 * releases, decisions (single and bulk), statistics and the audit log.
 *
 * Owns request validation, the decision rules (idempotent repeat, 409 on a
 * different decision without override, 409 on another moderator's live
 * lease, 404 unknown), the cross-site merge of pages (oldest first) and the
 * reply shapes documented in docs/review.md. Every route is moderator-only
 * (gate in api.c); keys scoped to sites are checked here for the sites in a
 * body or query. Queue transitions are the store's scripts (store_review.c);
 * after a decision it trains the classifier (api_learn) and queues the
 * "decision" webhook. Never touches Redis or JSON directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "codec.h"
#include "log.h"
#include "review.h"
#include "webhook.h"

/* Most sites a cross-site page or claim merges (each costs a range read per
 * round): beyond this, ask per site. */
#define REVIEW_MAX_SITES 256
#define FLAG_CODE_MAX (ENGINE_FLAG_CODE_LEN - 1)

/* ============================================================== helpers */

/* A validation failure, filled without allocating. */
typedef struct verr {
    int status;
    const char *code;
    char field[48];
    char msg[200];
} verr;

static int fail(verr *e, int status, const char *code, const char *field, const char *msg) {
    e->status = status;
    e->code = code;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    return -1;
}

static void reply_verr(http_response *res, const verr *e) {
    api_error(res, e->status, e->code, e->msg, e->field[0] ? e->field : NULL);
}

static void reply_obj(http_response *res, int status, codec_obj *o) {
    size_t len = 0;
    char *b = codec_dump_free(o, &len);
    api_reply(res, status, b, len);
}

static void redis_down(http_response *res) {
    api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
}

/* 1 when this request's key may act on site. */
static int site_allowed(const api_call *c, const char *site) {
    int ok = 0;
    auth_check(c->a->auth, c->req->authorization, site, &ok);
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
    if (n == 0 || n > FLAG_CODE_MAX) return 0;
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
                      verr *e) {
    *out = NULL;
    if (!codec_has(o, key)) return 0;
    if (!codec_is_str(o, key)) {
        char m[120];
        snprintf(m, sizeof m, "%s must be a string", key);
        return fail(e, 422, "invalid_field", key, m);
    }
    const char *v = codec_get_str(o, key);
    if (strlen(v) > max) {
        char m[120];
        snprintf(m, sizeof m, "%s is longer than %zu bytes", key, max);
        return fail(e, 422, "field_too_long", key, m);
    }
    *out = v;
    return 0;
}

/* Optional boolean member (default 0). 0 or -1 with e. */
static int opt_bool(const codec_obj *o, const char *key, int *out, verr *e) {
    *out = 0;
    if (!codec_has(o, key)) return 0;
    int a = codec_get_bool(o, key, 0), b = codec_get_bool(o, key, 1);
    if (a != b) {
        char m[120];
        snprintf(m, sizeof m, "%s must be true or false", key);
        return fail(e, 422, "invalid_field", key, m);
    }
    *out = a;
    return 0;
}

/* Optional integer member in [lo, hi] (def when absent). 0 or -1 with e. */
static int opt_int(const codec_obj *o, const char *key, long long lo, long long hi,
                   long long def, long long *out, verr *e) {
    *out = def;
    long long v;
    int rc = codec_get_int(o, key, &v);
    if (rc == 0) return 0;
    if (rc < 0 || v < lo || v > hi) {
        char m[120];
        snprintf(m, sizeof m, "%s must be an integer from %lld to %lld", key, lo, hi);
        return fail(e, 422, "invalid_field", key, m);
    }
    *out = v;
    return 0;
}

static int get_moderator(const codec_obj *o, const char **out, verr *e) {
    *out = codec_get_str(o, "moderator");
    if (!*out || !**out)
        return fail(e, 422, "missing_field", "moderator",
                    "moderator is required: the name decisions and claims are recorded under");
    if (!valid_moderator(*out))
        return fail(e, 422, "invalid_field", "moderator",
                    "moderator must be 1-128 bytes without control characters");
    return 0;
}

/* Parse the JSON object body (415/400/422 answered). NULL when answered. */
static codec_obj *body_obj(const api_call *c, http_response *res) {
    if (api_require_json(c, res) < 0) return NULL;
    codec_error ce;
    codec_obj *o = codec_parse(c->req->body, c->req->body_len, &ce);
    if (!o) api_error(res, ce.status, ce.code, ce.text, ce.field[0] ? ce.field : NULL);
    return o;
}

/* The sites a cross-site request covers: one named site (validated, 403
 * when the key may not use it) or every site in modq:sites this key may
 * use. Returns 0 with *sites new (store_review_sites_free), -1 with e. */
static int pick_sites(const api_call *c, store *s, const char *site, char ***sites, verr *e) {
    *sites = NULL;
    if (site) {
        if (!model_valid_ident(site, MODEL_MAX_SITE))
            return fail(e, 422, "invalid_field", "site",
                        "site must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        if (!site_allowed(c, site))
            return fail(e, 403, "forbidden", "site", "this key is not allowed for this site");
        char **l = calloc(2, sizeof *l);
        if (!l || !(l[0] = strdup(site))) {
            free(l);
            return fail(e, 500, "internal", NULL, "out of memory");
        }
        *sites = l;
        return 0;
    }
    char **all;
    if (store_review_sites(s, &all) < 0)
        return fail(e, 503, "redis_unavailable", NULL, "Redis is unavailable, retry later");
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

static int entry_cmp(const void *pa, const void *pb) {
    const review_entry *a = pa, *b = pb;
    if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
    int r = strcmp(a->site, b->site);
    return r ? r : strcmp(a->id, b->id);
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

/* Where site's part of a merged page starts after cursor cur. */
static review_pos pos_after(const review_entry *cur, const char *site) {
    review_pos p = {0};
    if (!cur) {
        p.any = 1;
        return p;
    }
    p.ms = cur->ms;
    int r = strcmp(site, cur->site);
    if (r < 0)
        p.excl = 1; /* this site's entries at cur->ms sort before the cursor */
    else if (r == 0)
        p.tie_id = cur->id;
    return p;
}

/* ========================================================== page items */

/* One listed item while a page is assembled. */
typedef struct page_item {
    review_entry e;
    char claimed_by[REVIEW_MODERATOR_MAX + 1];
    long long expires_ms;
    char *api;        /* comment API form (new) */
    size_t api_len;
    char *article_id; /* new */
    char *title;      /* new or NULL */
} page_item;

static void items_free(page_item *it, size_t n) {
    for (size_t i = 0; it && i < n; i++) {
        free(it[i].api);
        free(it[i].article_id);
        free(it[i].title);
    }
    free(it);
}

static int has_flag(const model_comment *cm, const char *flag) {
    for (size_t i = 0; i < cm->nflags; i++)
        if (strcmp(cm->flags[i].code, flag) == 0) return 1;
    return 0;
}

/* Decode a listed record into *it when it passes the filters. 1 kept,
 * 0 filtered out or unreadable. */
static int make_item(const review_entry *e, const review_state *st, const char *article_id,
                     const char *flag, page_item *it) {
    model_comment cm;
    codec_error ce;
    if (codec_decode_comment(st->record, st->record_len, &cm, &ce) < 0) {
        log_msg(LOG_WARN, "review: unreadable record %s/%s skipped", e->site, e->id);
        return 0;
    }
    int keep = (!article_id || (cm.article_id && strcmp(cm.article_id, article_id) == 0)) &&
               (!flag || has_flag(&cm, flag));
    if (keep) {
        memset(it, 0, sizeof *it);
        it->e = *e;
        snprintf(it->claimed_by, sizeof it->claimed_by, "%s", st->claimed_by);
        it->expires_ms = st->lease_expires_ms;
        it->api = codec_encode_comment(&cm, 0, &it->api_len);
        it->article_id = cm.article_id ? strdup(cm.article_id) : NULL;
        if (!it->api) keep = 0;
        if (!keep) free(it->article_id);
    }
    model_comment_free(&cm);
    return keep;
}

/* Article titles of the items (one GET per distinct article). */
static void fill_titles(store *s, page_item *it, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!it[i].article_id) continue;
        size_t j = 0;
        for (; j < i; j++)
            if (it[j].article_id && strcmp(it[j].e.site, it[i].e.site) == 0 &&
                strcmp(it[j].article_id, it[i].article_id) == 0)
                break;
        if (j < i) {
            it[i].title = it[j].title ? strdup(it[j].title) : NULL;
            continue;
        }
        char *json = NULL;
        size_t len = 0;
        if (store_article_get(s, it[i].e.site, it[i].article_id, &json, &len) == 1) {
            model_article art;
            codec_error ce;
            if (codec_decode_article(json, len, &art, &ce) == 0) {
                it[i].title = art.title ? strdup(art.title) : NULL;
                model_article_free(&art);
            }
        }
        free(json);
    }
}

static codec_obj *item_json(const page_item *it, long long now_ms) {
    codec_obj *o = codec_obj_new();
    codec_set_str(o, "site", it->e.site);
    codec_set_str(o, "id", it->e.id);
    codec_set_str(o, "article_id", it->article_id);
    codec_set_str(o, "article_title", it->title);
    codec_set_int(o, "queued_ms", it->e.ms);
    codec_set_real(o, "age_s", (double)(now_ms - it->e.ms) / 1000.0);
    if (it->expires_ms > 0) {
        codec_obj *cl = codec_obj_new();
        codec_set_str(cl, "by", it->claimed_by);
        codec_set_int(cl, "expires_ms", it->expires_ms);
        codec_set_real(cl, "expires_in_s", (double)(it->expires_ms - now_ms) / 1000.0);
        codec_set_obj_new(o, "claim", cl);
    } else {
        codec_set_obj_new(o, "claim", NULL);
    }
    codec_set_json(o, "comment", it->api, it->api_len);
    return o;
}

static codec_obj *items_json(const page_item *it, size_t n, long long now_ms) {
    codec_obj *arr = codec_arr_new();
    for (size_t i = 0; i < n; i++) codec_append_new(arr, item_json(&it[i], now_ms));
    return arr;
}

/* ============================================================ the queue */

/* GET /v1/review?site=&article_id=&flag=&status=pending|rejected&limit=&cursor= */
void api_review_list(const api_call *c, http_response *res) {
    const http_request *rq = c->req;
    const char *site = http_query(rq, "site"), *article = http_query(rq, "article_id"),
               *flag = http_query(rq, "flag"), *status = http_query(rq, "status"),
               *lim = http_query(rq, "limit"), *cur_s = http_query(rq, "cursor");
    long long limit = REVIEW_LIST_DEFAULT;
    review_entry cur;
    if (site && !*site) site = NULL;
    if (article && !*article) article = NULL;
    if (flag && !*flag) flag = NULL;
    if (status && strcmp(status, "pending") != 0 && strcmp(status, "rejected") != 0) {
        api_error(res, 422, "invalid_field", "status must be pending or rejected", "status");
        return;
    }
    int rejected = status && strcmp(status, "rejected") == 0;
    if (lim && parse_range(lim, 1, REVIEW_LIST_MAX, &limit) < 0) {
        api_error(res, 422, "invalid_field", "limit must be an integer from 1 to 200", "limit");
        return;
    }
    if (flag && !valid_flag(flag)) {
        api_error(res, 422, "invalid_field", "flag must be a flag code such as off_topic", "flag");
        return;
    }
    if (article && !model_valid_ident(article, MODEL_MAX_ID)) {
        api_error(res, 422, "invalid_field",
                  "article_id must be 1-128 characters of A-Z a-z 0-9 . _ : -", "article_id");
        return;
    }
    if (cur_s && *cur_s && parse_cursor(cur_s, &cur) < 0) {
        api_error(res, 422, "invalid_field", "cursor is not one this endpoint returned", "cursor");
        return;
    }
    int have_cur = cur_s && *cur_s;
    store *s = store_acquire(c->a->pool);
    char **sites = NULL;
    verr e;
    page_item *items = calloc((size_t)limit, sizeof *items);
    review_entry *merged = NULL;
    review_state *st = NULL;
    size_t nitems = 0, nsites = 0, scanned = 0;
    int exhausted = 0, err = 0;
    long long now_ms = clock_wall_ms();
    if (!items) {
        store_release(c->a->pool, s);
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    if (pick_sites(c, s, site, &sites, &e) < 0) {
        store_release(c->a->pool, s);
        free(items);
        reply_verr(res, &e);
        return;
    }
    while (sites[nsites]) nsites++;
    size_t want = (size_t)limit;
    merged = calloc(nsites * want + 1, sizeof *merged);
    st = calloc(want, sizeof *st);
    if (!merged || !st) err = 500;
    /* rounds: the next `want` entries over all sites, then their records;
     * filters may drop some, so go on until the page is full, the queues
     * are exhausted or REVIEW_SCAN_MAX entries were examined */
    while (!err && !exhausted && nitems < (size_t)limit && scanned < REVIEW_SCAN_MAX) {
        size_t nm = 0;
        exhausted = 1;
        for (size_t i = 0; i < nsites; i++) {
            review_pos p = pos_after(have_cur ? &cur : NULL, sites[i]);
            size_t n = 0;
            /* pending + flag: the per-flag queue; rejected + flag: filtered */
            if (store_review_range(s, sites[i], rejected ? NULL : flag, rejected, &p, want,
                                   merged + nm, &n) < 0) {
                err = 503;
                break;
            }
            if (n == want) exhausted = 0;
            nm += n;
        }
        if (err || nm == 0) break;
        qsort(merged, nm, sizeof *merged, entry_cmp);
        size_t take = nm < want ? nm : want;
        if (nm > take) exhausted = 0;
        if (store_review_states(s, merged, take, st, &now_ms) < 0) {
            err = 503;
            break;
        }
        size_t i = 0;
        for (; i < take && nitems < (size_t)limit; i++) {
            cur = merged[i];
            have_cur = 1;
            scanned++;
            if (!st[i].record) { /* the record expired: drop the stale entry */
                store_review_purge(s, merged[i].site, merged[i].id);
                continue;
            }
            if (make_item(&merged[i], &st[i], article, rejected ? flag : NULL, &items[nitems]))
                nitems++;
        }
        if (i < take) exhausted = 0; /* page full before this round's end */
        store_review_states_free(st, take);
    }
    if (!err) fill_titles(s, items, nitems);
    store_release(c->a->pool, s);
    if (err) {
        items_free(items, nitems);
        free(merged);
        free(st);
        store_review_sites_free(sites);
        if (err == 503)
            redis_down(res);
        else
            api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    codec_obj *o = codec_obj_new();
    codec_set_obj_new(o, "items", items_json(items, nitems, now_ms));
    codec_set_int(o, "count", (long long)nitems);
    if (!exhausted && have_cur) {
        char cs[24 + MODEL_MAX_SITE + MODEL_MAX_ID + 4];
        snprintf(cs, sizeof cs, "%lld~%s~%s", cur.ms, cur.site, cur.id);
        codec_set_str(o, "next_cursor", cs);
    } else {
        codec_set_str(o, "next_cursor", NULL);
    }
    codec_set_int(o, "now_ms", now_ms);
    items_free(items, nitems);
    free(merged);
    free(st);
    store_review_sites_free(sites);
    reply_obj(res, 200, o);
}

/* POST /v1/review/claim {"moderator", "site"?, "flag"?, "limit"?, "lease_seconds"?} */
void api_review_claim(const api_call *c, http_response *res) {
    codec_obj *b = body_obj(c, res);
    if (!b) return;
    verr e;
    const char *mod, *site, *flag;
    long long limit, lease;
    if (get_moderator(b, &mod, &e) < 0 || opt_string(b, "site", MODEL_MAX_SITE, &site, &e) < 0 ||
        opt_string(b, "flag", FLAG_CODE_MAX, &flag, &e) < 0 ||
        opt_int(b, "limit", 1, REVIEW_CLAIM_MAX, REVIEW_CLAIM_DEFAULT, &limit, &e) < 0 ||
        opt_int(b, "lease_seconds", REVIEW_LEASE_MIN, REVIEW_LEASE_MAX,
                c->a->cfg->lease_seconds, &lease, &e) < 0) {
        codec_obj_free(b);
        reply_verr(res, &e);
        return;
    }
    if (flag && !valid_flag(flag)) {
        codec_obj_free(b);
        api_error(res, 422, "invalid_field", "flag must be a flag code such as off_topic", "flag");
        return;
    }
    store *s = store_acquire(c->a->pool);
    char **sites = NULL;
    if (pick_sites(c, s, site, &sites, &e) < 0) {
        store_release(c->a->pool, s);
        codec_obj_free(b);
        reply_verr(res, &e);
        return;
    }
    size_t nsites = 0;
    while (sites[nsites]) nsites++;
    size_t want = (size_t)limit, ntaken = 0;
    review_entry *peek = calloc(nsites * want + 1, sizeof *peek);
    review_entry *taken = calloc(want, sizeof *taken);
    review_state *st = calloc(want, sizeof *st);
    page_item *items = calloc(want, sizeof *items);
    size_t nitems = 0;
    long long now_ms = 0;
    int err = !peek || !taken || !st || !items ? 500 : 0;
    size_t *quota = calloc(nsites + 1, sizeof *quota);
    if (!quota) err = 500;
    if (!err && nsites == 1) {
        quota[0] = want;
    } else if (!err) {
        /* across sites: look (dry run) at each site's oldest free items,
         * give each site its share of the oldest `limit`, then claim */
        size_t np = 0;
        for (size_t i = 0; i < nsites && !err; i++) {
            size_t n = 0;
            if (store_review_claim(s, sites[i], flag, mod, lease, want, 1, peek + np, &n,
                                   &now_ms) < 0)
                err = 503;
            np += n;
        }
        if (!err) {
            qsort(peek, np, sizeof *peek, entry_cmp);
            for (size_t i = 0; i < np && i < want; i++)
                for (size_t k = 0; k < nsites; k++)
                    if (strcmp(sites[k], peek[i].site) == 0) quota[k]++;
        }
    }
    for (size_t k = 0; k < nsites && !err; k++) {
        if (!quota[k]) continue;
        size_t n = 0;
        if (store_review_claim(s, sites[k], flag, mod, lease, quota[k], 0, taken + ntaken, &n,
                               &now_ms) < 0)
            err = 503;
        ntaken += n;
    }
    if (!err && ntaken) {
        qsort(taken, ntaken, sizeof *taken, entry_cmp);
        long long t;
        if (store_review_states(s, taken, ntaken, st, &t) < 0) {
            err = 503;
        } else {
            now_ms = t;
            for (size_t i = 0; i < ntaken; i++) {
                if (!st[i].record) { /* expired record: drop it and its lease */
                    store_review_purge(s, taken[i].site, taken[i].id);
                    continue;
                }
                if (make_item(&taken[i], &st[i], NULL, NULL, &items[nitems])) nitems++;
            }
            store_review_states_free(st, ntaken);
            fill_titles(s, items, nitems);
        }
    }
    store_release(c->a->pool, s);
    if (err) {
        if (err == 503)
            redis_down(res);
        else
            api_error(res, 500, "internal", "out of memory", NULL);
    } else {
        codec_obj *o = codec_obj_new();
        codec_set_str(o, "moderator", mod);
        codec_set_int(o, "lease_seconds", lease);
        codec_set_obj_new(o, "items", items_json(items, nitems, now_ms));
        codec_set_int(o, "count", (long long)nitems);
        codec_set_int(o, "now_ms", now_ms);
        reply_obj(res, 200, o);
    }
    items_free(items, nitems);
    free(quota);
    free(peek);
    free(taken);
    free(st);
    store_review_sites_free(sites);
    codec_obj_free(b);
}

/* POST /v1/review/release {"moderator", "site", "ids": [...]} */
void api_review_release(const api_call *c, http_response *res) {
    codec_obj *b = body_obj(c, res);
    if (!b) return;
    verr e;
    const char *mod, *site;
    const codec_obj *ids = codec_get(b, "ids");
    if (get_moderator(b, &mod, &e) < 0 || opt_string(b, "site", MODEL_MAX_SITE, &site, &e) < 0) {
        codec_obj_free(b);
        reply_verr(res, &e);
        return;
    }
    if (!site || !model_valid_ident(site, MODEL_MAX_SITE)) {
        codec_obj_free(b);
        api_error(res, 422, site ? "invalid_field" : "missing_field",
                  "site is required: 1-64 characters of A-Z a-z 0-9 . _ : -", "site");
        return;
    }
    if (!site_allowed(c, site)) {
        codec_obj_free(b);
        api_error(res, 403, "forbidden", "this key is not allowed for this site", "site");
        return;
    }
    size_t n = ids && codec_is_array(ids) ? codec_size(ids) : 0;
    if (!ids || !codec_is_array(ids) || n == 0 || n > REVIEW_RELEASE_MAX) {
        codec_obj_free(b);
        api_error(res, 422, ids ? "invalid_field" : "missing_field",
                  "ids must be an array of 1 to 500 comment ids", "ids");
        return;
    }
    char **list = calloc(n, sizeof *list);
    int *rel = calloc(n, sizeof *rel);
    if (!list || !rel) {
        free(list);
        free(rel);
        codec_obj_free(b);
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = codec_str_value(codec_at(ids, i));
        if (!id || !model_valid_ident(id, MODEL_MAX_ID)) {
            free(list);
            free(rel);
            codec_obj_free(b);
            api_error(res, 422, "invalid_field",
                      "ids must hold comment ids (1-128 characters of A-Z a-z 0-9 . _ : -)", "ids");
            return;
        }
        list[i] = (char *)id; /* borrowed from b; store_review_release reads only */
    }
    store *s = store_acquire(c->a->pool);
    int rc = store_review_release(s, site, mod, list, n, rel);
    store_release(c->a->pool, s);
    if (rc < 0) {
        redis_down(res);
    } else {
        codec_obj *o = codec_obj_new(), *yes = codec_arr_new(), *no = codec_arr_new();
        for (size_t i = 0; i < n; i++) codec_append_str(rel[i] ? yes : no, list[i]);
        codec_set_str(o, "site", site);
        codec_set_str(o, "moderator", mod);
        codec_set_obj_new(o, "released", yes);
        codec_set_obj_new(o, "not_held", no);
        reply_obj(res, 200, o);
    }
    free(list);
    free(rel);
    codec_obj_free(b);
}

/* ============================================================ decisions */

/* One decision request (strings borrowed from the request body). */
typedef struct decide_req {
    const char *site, *id, *decision, *moderator, *reason, *note;
    int override;
} decide_req;

/* Outcome: status 200 with json (new, the comment's API form), or an error. */
typedef struct decide_res {
    verr e;
    int status;
    char *json;
    size_t len;
    int changed; /* 0 for an idempotent repeat */
} decide_res;

/* Validate the decision fields of o (site/id come from elsewhere). */
static int parse_decision(const codec_obj *o, decide_req *d, verr *e) {
    d->decision = codec_get_str(o, "decision");
    if (!d->decision)
        return fail(e, 422, "missing_field", "decision", "decision is required: approve or reject");
    if (strcmp(d->decision, "approve") != 0 && strcmp(d->decision, "reject") != 0)
        return fail(e, 422, "invalid_field", "decision", "decision must be approve or reject");
    if (opt_string(o, "reason", REVIEW_REASON_MAX, &d->reason, e) < 0 ||
        opt_string(o, "note", REVIEW_NOTE_MAX, &d->note, e) < 0 ||
        opt_bool(o, "override", &d->override, e) < 0)
        return -1;
    return 0;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Apply one decision (the rules are in the file comment). */
static void decide_one(app *a, store *s, const decide_req *d, decide_res *out) {
    memset(out, 0, sizeof *out);
    model_status target = strcmp(d->decision, "approve") == 0 ? MODEL_APPROVED : MODEL_REJECTED;
    for (int attempt = 0; attempt < REVIEW_CAS_RETRIES; attempt++) {
        char *old = NULL;
        size_t olen = 0;
        int rc = store_comment_get(s, d->site, d->id, &old, &olen);
        if (rc < 0) {
            fail(&out->e, 503, "redis_unavailable", NULL, "Redis is unavailable, retry later");
            return;
        }
        if (rc == 0) {
            fail(&out->e, 404, "not_found", NULL, "no such comment");
            return;
        }
        model_comment cm;
        codec_error ce;
        if (codec_decode_comment(old, olen, &cm, &ce) < 0) {
            free(old);
            fail(&out->e, 500, "internal", NULL, "stored comment is unreadable");
            return;
        }
        if (cm.decided_by && cm.status == target) { /* the same decision again */
            out->json = codec_encode_comment(&cm, 0, &out->len);
            out->status = out->json ? 200 : 0;
            model_comment_free(&cm);
            free(old);
            if (!out->json) fail(&out->e, 500, "internal", NULL, "out of memory");
            return;
        }
        if (cm.decided_by && !d->override) {
            char m[200];
            snprintf(m, sizeof m,
                     "comment was already decided (%s by %.100s); "
                     "send \"override\": true to change it",
                     model_status_name(cm.status), cm.decided_by);
            fail(&out->e, 409, "already_decided", NULL, m);
            model_comment_free(&cm);
            free(old);
            return;
        }
        model_status prev = cm.status;
        char *prev_by = cm.decided_by; /* kept for the audit entry */
        cm.decided_by = strdup(d->moderator);
        free(cm.decision_reason);
        free(cm.decision_note);
        cm.decision_reason = dup_or_null(d->reason);
        cm.decision_note = dup_or_null(d->note);
        cm.decided_ms = clock_wall_ms();
        cm.status = target;
        size_t nlen = 0;
        char *nrec = cm.decided_by ? codec_encode_comment(&cm, 1, &nlen) : NULL;
        if (!nrec) {
            free(prev_by);
            model_comment_free(&cm);
            free(old);
            fail(&out->e, 500, "internal", NULL, "out of memory");
            return;
        }
        int ctx = a->cfg->thread_context > 0 && cm.text;
        int gains = ctx && target == MODEL_APPROVED && prev != MODEL_APPROVED;
        int loses = ctx && target != MODEL_APPROVED && prev == MODEL_APPROVED;
        review_decide rd = {
            .site = d->site, .id = d->id, .article_id = cm.article_id,
            .moderator = d->moderator, .decision = d->decision,
            .old_record = old, .old_len = olen, .new_record = nrec, .new_len = nlen,
            .new_status = model_status_name(target), .prev_status = model_status_name(prev),
            .auto_status = model_status_name(cm.auto_status), .prev_by = prev_by,
            .override = d->override, .reason = d->reason, .note = d->note,
            .at_ms = cm.decided_ms, .received_ms = cm.received_ms,
            .flags = cm.flags, .nflags = cm.nflags,
            /* approved texts are the thread's context; a reversal takes it back */
            .thread_push = gains ? cm.text : NULL,
            .thread_remove = loses ? cm.text : NULL,
            .thread_max = (unsigned)a->cfg->thread_context,
        };
        if (gains || loses) engine_thread_ref(cm.text, rd.thread_ref);
        char owner[REVIEW_MODERATOR_MAX + 1];
        long long exp = 0;
        rc = store_review_decide(s, &rd, owner, sizeof owner, &exp);
        free(nrec);
        free(prev_by);
        free(old);
        if (rc == REVIEW_CHANGED) { /* written meanwhile: judge the new state */
            model_comment_free(&cm);
            continue;
        }
        if (rc == REVIEW_DONE) {
            out->status = 200;
            out->changed = 1;
            out->json = codec_encode_comment(&cm, 0, &out->len);
            api_learn(a, s, &cm, target == MODEL_REJECTED);
            if (out->json &&
                webhook_notify(s, d->site, "decision", out->json, out->len) < 0)
                log_msg(LOG_WARN, "review: decision webhook for %s/%s not queued", d->site, d->id);
            if (!out->json) {
                out->status = 0;
                fail(&out->e, 500, "internal", NULL, "out of memory");
            }
        } else if (rc == REVIEW_GONE) {
            fail(&out->e, 404, "not_found", NULL, "no such comment");
        } else if (rc == REVIEW_LEASED) {
            char m[200];
            snprintf(m, sizeof m, "comment is claimed by %.100s for another %.0f s",
                     owner, (double)(exp - cm.decided_ms) / 1000.0 > 0
                                ? (double)(exp - cm.decided_ms) / 1000.0 : 0.0);
            fail(&out->e, 409, "lease_held", NULL, m);
        } else {
            fail(&out->e, 503, "redis_unavailable", NULL, "Redis is unavailable, retry later");
        }
        model_comment_free(&cm);
        return;
    }
    fail(&out->e, 409, "conflict", NULL, "the comment kept changing; retry the decision");
}

/* POST /v1/sites/{site}/comments/{id}/decision
 * {"decision", "moderator", "reason"?, "note"?, "override"?} */
void api_decision(const api_call *c, http_response *res) {
    codec_obj *b = body_obj(c, res);
    if (!b) return;
    decide_req d = {0};
    verr e;
    d.site = router_param(c->m, "site");
    d.id = router_param(c->m, "id");
    if (!model_valid_ident(d.id, MODEL_MAX_ID)) {
        codec_obj_free(b);
        api_error(res, 404, "not_found", "no such comment", NULL);
        return;
    }
    if (get_moderator(b, &d.moderator, &e) < 0 || parse_decision(b, &d, &e) < 0) {
        codec_obj_free(b);
        reply_verr(res, &e);
        return;
    }
    store *s = store_acquire(c->a->pool);
    decide_res r;
    decide_one(c->a, s, &d, &r);
    store_release(c->a->pool, s);
    codec_obj_free(b);
    if (r.status == 200)
        api_reply(res, 200, r.json, r.len);
    else
        reply_verr(res, &r.e);
}

/* POST /v1/review/decisions {"moderator", "decisions": [{site, id, decision,
 * reason?, note?, override?}]} -> 200 {"results": [...]} */
void api_bulk_decisions(const api_call *c, http_response *res) {
    codec_obj *b = body_obj(c, res);
    if (!b) return;
    verr e;
    const char *mod;
    const codec_obj *list = codec_get(b, "decisions");
    if (get_moderator(b, &mod, &e) < 0) {
        codec_obj_free(b);
        reply_verr(res, &e);
        return;
    }
    size_t n = list && codec_is_array(list) ? codec_size(list) : 0;
    if (!list || !codec_is_array(list) || n == 0 || n > REVIEW_BULK_MAX) {
        codec_obj_free(b);
        api_error(res, 422, list ? "invalid_field" : "missing_field",
                  "decisions must be an array of 1 to 500 decisions", "decisions");
        return;
    }
    store *s = store_acquire(c->a->pool);
    codec_obj *results = codec_arr_new();
    long long ok = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        const codec_obj *it = codec_at(list, i);
        decide_req d = {0};
        decide_res r;
        memset(&r, 0, sizeof r);
        d.moderator = mod;
        codec_obj *ro = codec_obj_new();
        int bad = 0;
        if (!it || !codec_is_object(it)) {
            bad = fail(&r.e, 422, "invalid_field", "decisions", "each decision must be an object");
        } else {
            d.site = codec_get_str(it, "site");
            d.id = codec_get_str(it, "id");
            if (!d.site || !model_valid_ident(d.site, MODEL_MAX_SITE))
                bad = fail(&r.e, 422, d.site ? "invalid_field" : "missing_field", "site",
                           "site is required: 1-64 characters of A-Z a-z 0-9 . _ : -");
            else if (!d.id || !model_valid_ident(d.id, MODEL_MAX_ID))
                bad = fail(&r.e, 422, d.id ? "invalid_field" : "missing_field", "id",
                           "id is required: 1-128 characters of A-Z a-z 0-9 . _ : -");
            else if (parse_decision(it, &d, &r.e) < 0)
                bad = -1;
            else if (!site_allowed(c, d.site))
                bad = fail(&r.e, 403, "forbidden", "site", "this key is not allowed for this site");
        }
        if (!bad) decide_one(c->a, s, &d, &r);
        codec_set_str(ro, "site", d.site);
        codec_set_str(ro, "id", d.id);
        if (!bad && r.status == 200) {
            codec_set_int(ro, "status", 200);
            codec_set_bool(ro, "changed", r.changed);
            codec_set_json(ro, "comment", r.json, r.len);
            ok++;
        } else {
            codec_obj *eo = codec_obj_new();
            codec_set_int(ro, "status", r.e.status);
            codec_set_str(eo, "code", r.e.code);
            codec_set_str(eo, "message", r.e.msg);
            if (r.e.field[0]) codec_set_str(eo, "field", r.e.field);
            codec_set_obj_new(ro, "error", eo);
            failed++;
        }
        free(r.json);
        codec_append_new(results, ro);
    }
    store_release(c->a->pool, s);
    codec_obj *o = codec_obj_new();
    codec_set_str(o, "moderator", mod);
    codec_set_int(o, "ok", ok);
    codec_set_int(o, "failed", failed);
    codec_set_obj_new(o, "results", results);
    codec_obj_free(b);
    reply_obj(res, 200, o);
}

/* ======================================================== stats, audit */

static codec_obj *stats_json(const store_pool *p, const review_stats *st) {
    codec_obj *o = codec_obj_new(), *bf = codec_obj_new();
    codec_set_int(o, "pending", st->pending);
    codec_set_int(o, "claimed", st->claimed);
    codec_set_int(o, "unclaimed", st->pending - st->claimed > 0 ? st->pending - st->claimed : 0);
    codec_set_int(o, "rejected", st->rejected);
    if (st->oldest_ms > 0) {
        codec_set_int(o, "oldest_pending_ms", st->oldest_ms);
        codec_set_real(o, "oldest_pending_age_s", (double)(st->now_ms - st->oldest_ms) / 1000.0);
    } else {
        codec_set_str(o, "oldest_pending_ms", NULL);
        codec_set_str(o, "oldest_pending_age_s", NULL);
    }
    codec_set_int(o, "decisions_last_hour", st->decisions_hour);
    for (int i = 0; i < REVIEW_NFLAG_CODES; i++)
        if (st->by_flag[i] > 0) codec_set_int(bf, store_review_flag_code(p, i), st->by_flag[i]);
    codec_set_obj_new(o, "by_flag", bf);
    return o;
}

/* GET /v1/review/stats?site= */
void api_review_stats(const api_call *c, http_response *res) {
    const char *site = http_query(c->req, "site");
    if (site && !*site) site = NULL;
    store *s = store_acquire(c->a->pool);
    char **sites;
    verr e;
    if (pick_sites(c, s, site, &sites, &e) < 0) {
        store_release(c->a->pool, s);
        reply_verr(res, &e);
        return;
    }
    codec_obj *per = codec_obj_new();
    review_stats total;
    memset(&total, 0, sizeof total);
    total.now_ms = clock_wall_ms();
    int err = 0;
    for (size_t i = 0; sites[i] && !err; i++) {
        review_stats st;
        if (store_review_stats(s, sites[i], &st) < 0) {
            err = 1;
            break;
        }
        codec_set_obj_new(per, sites[i], stats_json(c->a->pool, &st));
        total.pending += st.pending;
        total.claimed += st.claimed;
        total.rejected += st.rejected;
        total.decisions_hour += st.decisions_hour;
        total.now_ms = st.now_ms;
        if (st.oldest_ms > 0 && (total.oldest_ms == 0 || st.oldest_ms < total.oldest_ms))
            total.oldest_ms = st.oldest_ms;
        for (int k = 0; k < REVIEW_NFLAG_CODES; k++) total.by_flag[k] += st.by_flag[k];
    }
    store_release(c->a->pool, s);
    store_review_sites_free(sites);
    if (err) {
        codec_obj_free(per);
        redis_down(res);
        return;
    }
    codec_obj *o = codec_obj_new();
    codec_set_int(o, "now_ms", total.now_ms);
    codec_set_obj_new(o, "sites", per);
    codec_set_obj_new(o, "total", stats_json(c->a->pool, &total));
    reply_obj(res, 200, o);
}

static int audit_cmp(const void *pa, const void *pb) {
    const review_audit *a = pa, *b = pb;
    if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
    if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
    return strcmp(a->site, b->site);
}

static codec_obj *audit_json(const review_audit *x) {
    codec_obj *o = codec_obj_new();
    codec_set_str(o, "id", x->sid);
    codec_set_str(o, "site", x->site);
    codec_set_int(o, "logged_ms", x->ms);
    for (size_t j = 0; j + 1 < x->nfields; j += 2) {
        const char *k = x->fields[j], *v = x->fields[j + 1];
        if (strcmp(k, "override") == 0)
            codec_set_bool(o, k, strcmp(v, "1") == 0);
        else if (strcmp(k, "at_ms") == 0)
            codec_set_int(o, k, strtoll(v, NULL, 10));
        else
            codec_set_str(o, k, v);
    }
    return o;
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

/* GET /v1/audit?site=&since=&limit=&cursor= */
void api_audit(const api_call *c, http_response *res) {
    const char *site = http_query(c->req, "site"), *since = http_query(c->req, "since"),
               *lim = http_query(c->req, "limit"), *cur = http_query(c->req, "cursor");
    long long limit = REVIEW_AUDIT_DEFAULT, since_ms = 0, cms = 0, cseq = 0;
    char csite[MODEL_MAX_SITE + 1] = "";
    if (site && !*site) site = NULL;
    if (lim && parse_range(lim, 1, REVIEW_AUDIT_MAX, &limit) < 0) {
        api_error(res, 422, "invalid_field", "limit must be an integer from 1 to 1000", "limit");
        return;
    }
    if (since && *since && parse_range(since, 0, (long long)4e18, &since_ms) < 0) {
        api_error(res, 422, "invalid_field", "since must be milliseconds since the epoch", "since");
        return;
    }
    int have_cur = cur && *cur;
    if (have_cur && parse_audit_cursor(cur, &cms, &cseq, csite) < 0) {
        api_error(res, 422, "invalid_field", "cursor is not one this endpoint returned", "cursor");
        return;
    }
    store *s = store_acquire(c->a->pool);
    char **sites;
    verr e;
    if (pick_sites(c, s, site, &sites, &e) < 0) {
        store_release(c->a->pool, s);
        reply_verr(res, &e);
        return;
    }
    review_audit *all = NULL;
    size_t nall = 0;
    int err = 0;
    for (size_t i = 0; sites[i] && !err; i++) {
        char start[64];
        if (have_cur) {
            /* this site's entries with the cursor's id sort before it when
             * the site name does; so include that id only after the cursor */
            int r = strcmp(sites[i], csite);
            snprintf(start, sizeof start, "%s%lld-%lld", r <= 0 ? "(" : "", cms, cseq);
        } else {
            snprintf(start, sizeof start, "%lld", since_ms);
        }
        review_audit *a;
        size_t n;
        if (store_review_audit(s, sites[i], start, (size_t)limit, &a, &n) < 0) {
            err = 1;
            break;
        }
        review_audit *grown = realloc(all, (nall + n + 1) * sizeof *all);
        if (!grown) {
            store_review_audit_free(a, n);
            err = 2;
            break;
        }
        all = grown;
        memcpy(all + nall, a, n * sizeof *a);
        nall += n;
        free(a); /* the entries' strings moved into all */
    }
    store_release(c->a->pool, s);
    store_review_sites_free(sites);
    if (err) {
        store_review_audit_free(all, nall);
        if (err == 1)
            redis_down(res);
        else
            api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    if (nall) qsort(all, nall, sizeof *all, audit_cmp);
    size_t take = nall < (size_t)limit ? nall : (size_t)limit;
    codec_obj *o = codec_obj_new(), *arr = codec_arr_new();
    for (size_t i = 0; i < take; i++) codec_append_new(arr, audit_json(&all[i]));
    codec_set_obj_new(o, "entries", arr);
    codec_set_int(o, "count", (long long)take);
    if (take == (size_t)limit && take > 0) {
        char cs[64 + MODEL_MAX_SITE];
        snprintf(cs, sizeof cs, "%lld-%lld~%s", all[take - 1].ms, all[take - 1].seq,
                 all[take - 1].site);
        codec_set_str(o, "next_cursor", cs);
    } else {
        codec_set_str(o, "next_cursor", NULL);
    }
    store_review_audit_free(all, nall);
    reply_obj(res, 200, o);
}
