/* api_review_context.c - what a review item shows around its comment.
 *
 * Owns the "context" member of a listed or claimed item: the article (id,
 * title, URL), the parent comment, the few comments of the thread just
 * before it, the author's history on the site (counts, first seen, last
 * verdicts and decisions: the per-author keys the comment write and the
 * decision script keep) and the commenter's identity as a moderator may
 * see it (user agent, masked IP and e-mail). Reads through the store
 * (store_article_get, store_review_context) in a fixed number of round
 * trips per page; never writes. Every review route is moderator-only (the
 * gate in api.c), so the identity never reaches a client key; the comment's
 * API form (codec) never carries it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_review_private.h"

/* ============================================================== masking */

void api_review_mask_ip(const char *ip, char *out, size_t n) {
    if (!n) return;
    out[0] = 0;
    if (!ip || !*ip) return;
    const char *colon = strchr(ip, ':'), *last = strrchr(ip, '.');
    if (!colon && last) { /* IPv4: the last octet goes */
        snprintf(out, n, "%.*s.x", (int)(last - ip), ip);
        return;
    }
    if (colon) { /* IPv6: the first two groups stay (a provider's block) */
        const char *second = strchr(colon + 1, ':');
        size_t keep = second ? (size_t)(second - ip) : (size_t)(colon - ip);
        if (second && second == colon + 1) keep = (size_t)(colon - ip); /* "2001::..." */
        snprintf(out, n, "%.*s::x", (int)keep, ip);
        return;
    }
    snprintf(out, n, "x");
}

void api_review_mask_email(const char *email, char *out, size_t n) {
    if (!n) return;
    out[0] = 0;
    if (!email || !*email) return;
    const char *at = strrchr(email, '@');
    if (!at || at == email) {
        snprintf(out, n, "***");
        return;
    }
    /* the first character, whole (UTF-8 continuation bytes with it) */
    size_t first = 1;
    while (((unsigned char)email[first] & 0xC0) == 0x80) first++;
    snprintf(out, n, "%.*s***%s", (int)first, email, at);
}

/* ============================================================== pieces */

/* text cut to REVIEW_SNIPPET_CHARS characters (UTF-8), "…" when cut.
 * Returns new, NULL on OOM. */
static char *snippet(const char *text) {
    if (!text) return strdup("");
    size_t i = 0, chars = 0;
    for (; text[i]; i++) {
        if (((unsigned char)text[i] & 0xC0) != 0x80) {
            if (chars == REVIEW_SNIPPET_CHARS) break;
            chars++;
        }
    }
    if (!text[i]) return strdup(text);
    char *s = malloc(i + 4);
    if (!s) return NULL;
    memcpy(s, text, i);
    memcpy(s + i, "\xe2\x80\xa6", 4); /* U+2026 and the NUL */
    return s;
}

static codec_obj *author_name_json(const model_comment *cm) {
    codec_obj *a = codec_obj_new();
    codec_set_str(a, "name", cm->author.name);
    return a;
}

/* {id, text, author: {name}, status} of a stored record (cut: a thread
 * neighbour's text as a snippet), or NULL when unreadable. */
static codec_obj *neighbour_json(const char *rec, size_t len, int cut) {
    model_comment cm;
    codec_error ce;
    if (!rec || codec_decode_comment(rec, len, &cm, &ce) < 0) return NULL;
    codec_obj *o = codec_obj_new();
    codec_set_str(o, "id", cm.id);
    char *t = cut ? snippet(cm.text) : NULL;
    codec_set_str(o, "text", cut ? t : cm.text);
    free(t);
    codec_set_obj_new(o, "author", author_name_json(&cm));
    codec_set_str(o, "status", model_status_name(cm.status));
    model_comment_free(&cm);
    return o;
}

/* One author log entry "id\x1fstatus\x1fby\x1fat_ms" as {id, status,
 * decided_by, at_ms}; NULL when malformed. */
static codec_obj *log_json(const char *v) {
    const char *f[4];
    size_t l[4], k = 0;
    const char *p = v;
    for (; k < 4; k++) {
        const char *e = strchr(p, '\x1f');
        f[k] = p;
        l[k] = e ? (size_t)(e - p) : strlen(p);
        if (!e) {
            k++;
            break;
        }
        p = e + 1;
    }
    if (k != 4) return NULL;
    char id[MODEL_MAX_ID + 1], st[16], by[REVIEW_MODERATOR_MAX + 1];
    if (l[0] > MODEL_MAX_ID || l[1] >= sizeof st || l[2] > REVIEW_MODERATOR_MAX) return NULL;
    snprintf(id, sizeof id, "%.*s", (int)l[0], f[0]);
    snprintf(st, sizeof st, "%.*s", (int)l[1], f[1]);
    snprintf(by, sizeof by, "%.*s", (int)l[2], f[2]);
    codec_obj *o = codec_obj_new();
    codec_set_str(o, "id", id);
    codec_set_str(o, "status", st);
    codec_set_str(o, "decided_by", l[2] ? by : NULL);
    codec_set_int(o, "at_ms", strtoll(f[3], NULL, 10));
    return o;
}

static codec_obj *history_json(const review_context *x) {
    codec_obj *h = codec_obj_new(), *recent = codec_arr_new();
    codec_set_int(h, "approved", x->approved);
    codec_set_int(h, "rejected", x->rejected);
    codec_set_int(h, "pending", x->pending);
    codec_set_int(h, "first_seen_ms", x->first_seen_ms);
    for (size_t j = 0; j < x->nlog; j++) {
        codec_obj *e = log_json(x->log[j]);
        if (e) codec_append_new(recent, e);
    }
    codec_set_obj_new(h, "recent", recent);
    return h;
}

static codec_obj *identity_json(const model_comment *cm) {
    char ip[80], em[300];
    api_review_mask_ip(cm->author.ip, ip, sizeof ip);
    api_review_mask_email(cm->author.email, em, sizeof em);
    codec_obj *o = codec_obj_new();
    codec_set_str(o, "user_agent", cm->author.user_agent);
    codec_set_str(o, "ip", *ip ? ip : NULL);
    codec_set_str(o, "email", *em ? em : NULL);
    return o;
}

static codec_obj *context_json(const api_review_item *it, const review_context *x) {
    const model_comment *cm = &it->cm;
    codec_obj *o = codec_obj_new(), *art = codec_obj_new(), *th = codec_arr_new();
    codec_set_str(art, "id", cm->article_id);
    codec_set_str(art, "title", it->title);
    codec_set_str(art, "url", it->url);
    codec_set_obj_new(o, "article", art);
    codec_set_obj_new(o, "parent", x ? neighbour_json(x->parent, x->parent_len, 0) : NULL);
    for (size_t j = 0; x && j < x->nthread; j++) {
        codec_obj *n = neighbour_json(x->thread[j], x->thread_len[j], 1);
        if (n) codec_append_new(th, n);
    }
    codec_set_obj_new(o, "thread", th);
    codec_set_obj_new(o, "author_history", x && x->has_author ? history_json(x) : NULL);
    codec_set_obj_new(o, "identity", identity_json(cm));
    return o;
}

/* ============================================================ articles */

/* Article titles and URLs of the items (one GET per distinct article). */
static void fill_articles(store *s, api_review_item *it, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const char *aid = it[i].cm.article_id;
        if (!aid) continue;
        size_t j = 0;
        for (; j < i; j++)
            if (it[j].cm.article_id && strcmp(it[j].e.site, it[i].e.site) == 0 &&
                strcmp(it[j].cm.article_id, aid) == 0)
                break;
        if (j < i) {
            it[i].title = it[j].title ? strdup(it[j].title) : NULL;
            it[i].url = it[j].url ? strdup(it[j].url) : NULL;
            continue;
        }
        char *json = NULL;
        size_t len = 0;
        if (store_article_get(s, it[i].e.site, aid, &json, &len) == 1) {
            model_article art;
            codec_error ce;
            if (codec_decode_article(json, len, &art, &ce) == 0) {
                it[i].title = art.title ? strdup(art.title) : NULL;
                it[i].url = art.url ? strdup(art.url) : NULL;
                model_article_free(&art);
            }
        }
        free(json);
    }
}

int api_review_context_fill(store *s, api_review_item *it, size_t n) {
    if (!n) return 0;
    fill_articles(s, it, n);
    review_context_req *rq = calloc(n, sizeof *rq);
    review_context *cx = calloc(n, sizeof *cx);
    int rc = -1;
    if (rq && cx) {
        for (size_t i = 0; i < n; i++) {
            const model_comment *cm = &it[i].cm;
            rq[i] = (review_context_req){.site = it[i].e.site, .id = it[i].e.id,
                                         .article_id = cm->article_id,
                                         .parent_id = cm->parent_id,
                                         .author_key = cm->author_key,
                                         .received_ms = cm->received_ms};
        }
        rc = store_review_context(s, rq, n, cx);
    }
    for (size_t i = 0; i < n; i++) it[i].context = context_json(&it[i], rc == 0 ? &cx[i] : NULL);
    if (rc == 0) store_review_context_free(cx, n);
    free(rq);
    free(cx);
    return rc;
}
