/* api_review.c - the handlers of the moderator review workflow.
 *
 * Queue pages, claims, releases, decisions (single and bulk), statistics,
 * the audit log and whoami (whose key this is). Each handler parses its
 * request (api_review_req.c), runs it (the cross-site merge in
 * api_review_merge.c, the decision rules in api_review_decide.c, the
 * store's review calls) and answers with the reply shapes documented in
 * docs/review.md. Every route is moderator-only
 * (gate in api.c); keys scoped to sites are checked for the sites in a
 * body or query. Never touches Redis or JSON directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_review_private.h"
#include "clock.h"

static void reply_obj(http_response *res, int status, codec_obj *o) {
    size_t len = 0;
    char *b = codec_dump_free(o, &len);
    api_reply(res, status, b, len);
}

static void redis_down(http_response *res) {
    api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
}

/* ============================================================ the queue */

/* GET /v1/review?site=&article_id=&flag=&status=pending|rejected&limit=&cursor= */
void api_review_list(const api_call *c, http_response *res) {
    const char *site;
    api_review_page_req q;
    api_review_err e;
    if (api_review_parse_list(c->req, &site, &q, &e) < 0) {
        api_review_reply_err(res, &e);
        return;
    }
    store *s = store_acquire(c->a->pool);
    char **sites;
    if (api_review_pick_sites(c, s, site, &sites, &e) < 0) {
        store_release(c->a->pool, s);
        api_review_reply_err(res, &e);
        return;
    }
    api_review_listing pg;
    int rc = api_review_merge_page(s, sites, &q, &pg, &e);
    store_release(c->a->pool, s);
    store_review_sites_free(sites);
    if (rc < 0) {
        api_review_reply_err(res, &e);
        return;
    }
    codec_obj *o = codec_obj_new();
    codec_set_obj_new(o, "items", api_review_items_json(pg.items, pg.nitems, pg.now_ms));
    codec_set_int(o, "count", (long long)pg.nitems);
    if (pg.more) {
        char cs[24 + MODEL_MAX_SITE + MODEL_MAX_ID + 4];
        snprintf(cs, sizeof cs, "%lld~%s~%s", pg.last.ms, pg.last.site, pg.last.id);
        codec_set_str(o, "next_cursor", cs);
    } else {
        codec_set_str(o, "next_cursor", NULL);
    }
    codec_set_int(o, "now_ms", pg.now_ms);
    api_review_items_free(pg.items, pg.nitems);
    reply_obj(res, 200, o);
}

/* POST /v1/review/claim {"moderator"?, "site"?, "flag"?, "limit"?, "lease_seconds"?} */
void api_review_claim(const api_call *c, http_response *res) {
    codec_obj *b = api_json_body(c, res);
    if (!b) return;
    api_review_claim_req q;
    api_review_err e;
    if (api_review_parse_claim(c, b, c->a->cfg->lease_seconds, &q, &e) < 0) {
        codec_obj_free(b);
        api_review_reply_err(res, &e);
        return;
    }
    store *s = store_acquire(c->a->pool);
    char **sites = NULL;
    if (api_review_pick_sites(c, s, q.site, &sites, &e) < 0) {
        store_release(c->a->pool, s);
        codec_obj_free(b);
        api_review_reply_err(res, &e);
        return;
    }
    api_review_item *items = NULL;
    size_t nitems = 0;
    long long now_ms = 0;
    int rc = api_review_merge_claim(s, sites, q.flag, q.moderator, q.lease_s, (size_t)q.limit,
                                    &items, &nitems, &now_ms, &e);
    store_release(c->a->pool, s);
    if (rc < 0) {
        api_review_reply_err(res, &e);
    } else {
        codec_obj *o = codec_obj_new();
        codec_set_str(o, "moderator", q.moderator);
        codec_set_int(o, "lease_seconds", q.lease_s);
        codec_set_obj_new(o, "items", api_review_items_json(items, nitems, now_ms));
        codec_set_int(o, "count", (long long)nitems);
        codec_set_int(o, "now_ms", now_ms);
        reply_obj(res, 200, o);
    }
    api_review_items_free(items, nitems);
    store_review_sites_free(sites);
    codec_obj_free(b);
}

/* POST /v1/review/release {"moderator"?, "site", "ids": [...]} */
void api_review_release(const api_call *c, http_response *res) {
    codec_obj *b = api_json_body(c, res);
    if (!b) return;
    api_review_release_req q;
    api_review_err e;
    if (api_review_parse_release(c, b, &q, &e) < 0) {
        codec_obj_free(b);
        api_review_reply_err(res, &e);
        return;
    }
    int *rel = calloc(q.n, sizeof *rel);
    if (!rel) {
        free(q.ids);
        codec_obj_free(b);
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    store *s = store_acquire(c->a->pool);
    int rc = store_review_release(s, q.site, q.moderator, q.ids, q.n, rel);
    store_release(c->a->pool, s);
    if (rc < 0) {
        redis_down(res);
    } else {
        codec_obj *o = codec_obj_new(), *yes = codec_arr_new(), *no = codec_arr_new();
        for (size_t i = 0; i < q.n; i++) codec_append_str(rel[i] ? yes : no, q.ids[i]);
        codec_set_str(o, "site", q.site);
        codec_set_str(o, "moderator", q.moderator);
        codec_set_obj_new(o, "released", yes);
        codec_set_obj_new(o, "not_held", no);
        reply_obj(res, 200, o);
    }
    free(q.ids);
    free(rel);
    codec_obj_free(b);
}

/* ============================================================ decisions */

/* POST /v1/sites/{site}/comments/{id}/decision
 * {"decision", "moderator"?, "reason"?, "note"?, "override"?} */
void api_decision(const api_call *c, http_response *res) {
    codec_obj *b = api_json_body(c, res);
    if (!b) return;
    api_review_decision d;
    api_review_err e;
    if (api_review_parse_one(c, b, &d, &e) < 0) {
        codec_obj_free(b);
        api_review_reply_err(res, &e);
        return;
    }
    store *s = store_acquire(c->a->pool);
    api_review_outcome r;
    api_review_decide(c->a, s, &d, &r);
    store_release(c->a->pool, s);
    codec_obj_free(b);
    if (r.status == 200)
        api_reply(res, 200, r.json, r.len);
    else
        api_review_reply_err(res, &r.e);
}

/* POST /v1/review/decisions {"moderator"?, "decisions": [{site, id, decision,
 * reason?, note?, override?}]} -> 200 {"results": [...]} */
void api_bulk_decisions(const api_call *c, http_response *res) {
    codec_obj *b = api_json_body(c, res);
    if (!b) return;
    api_review_err e;
    const char *mod;
    const codec_obj *list;
    size_t n;
    if (api_review_parse_bulk(c, b, &mod, &list, &n, &e) < 0) {
        codec_obj_free(b);
        api_review_reply_err(res, &e);
        return;
    }
    store *s = store_acquire(c->a->pool);
    codec_obj *results = codec_arr_new();
    long long ok = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        api_review_decision d = {0};
        api_review_outcome r;
        memset(&r, 0, sizeof r);
        d.moderator = mod;
        codec_obj *ro = codec_obj_new();
        int bad = api_review_parse_bulk_item(c, codec_at(list, i), &d, &r.e);
        if (!bad) api_review_decide(c->a, s, &d, &r);
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

/* ============================================================ whoami */

/* GET /v1/review/whoami -> {"moderator", "site", "sites", "anonymous"} */
void api_review_whoami(const api_call *c, http_response *res) {
    codec_obj *o = codec_obj_new(), *sites = NULL;
    codec_set_str(o, "moderator", c->who.name);
    codec_set_str(o, "site", c->who.scope);
    if (c->who.scope) {
        char buf[1200]; /* a scope: at most 16 sites of 63 bytes, '|' between */
        snprintf(buf, sizeof buf, "%s", c->who.scope);
        sites = codec_arr_new();
        char *save = NULL;
        for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save))
            codec_append_str(sites, t);
    }
    if (sites)
        codec_set_obj_new(o, "sites", sites);
    else
        codec_set_str(o, "sites", NULL);
    codec_set_bool(o, "anonymous", c->who.name == NULL);
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
    api_review_err e;
    if (api_review_pick_sites(c, s, site, &sites, &e) < 0) {
        store_release(c->a->pool, s);
        api_review_reply_err(res, &e);
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


/* GET /v1/audit?site=&since=&limit=&cursor= */
void api_audit(const api_call *c, http_response *res) {
    const char *site;
    api_review_audit_req q;
    api_review_err e;
    if (api_review_parse_audit(c->req, &site, &q, &e) < 0) {
        api_review_reply_err(res, &e);
        return;
    }
    store *s = store_acquire(c->a->pool);
    char **sites;
    if (api_review_pick_sites(c, s, site, &sites, &e) < 0) {
        store_release(c->a->pool, s);
        api_review_reply_err(res, &e);
        return;
    }
    review_audit *all = NULL;
    size_t nall = 0;
    int rc = api_review_merge_audit(s, sites, &q, &all, &nall, &e);
    store_release(c->a->pool, s);
    store_review_sites_free(sites);
    if (rc < 0) {
        api_review_reply_err(res, &e);
        return;
    }
    size_t take = nall < q.limit ? nall : q.limit;
    codec_obj *o = codec_obj_new(), *arr = codec_arr_new();
    for (size_t i = 0; i < take; i++) codec_append_new(arr, audit_json(&all[i]));
    codec_set_obj_new(o, "entries", arr);
    codec_set_int(o, "count", (long long)take);
    if (take == q.limit && take > 0) {
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
