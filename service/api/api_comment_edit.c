/* api_comment_edit.c - PUT /v1/sites/{site}/comments/{id}: an edited
 * comment checked again.
 *
 * The edit replaces the stored version: its traces (queues, thread, the
 * duplicate and author index entries, learned label -- not its webhook
 * deliveries, which tell of a verdict given) go
 * with the erase script while the record is still the one read
 * (store_erase.c, no audit entry), then the edited content runs through
 * the comment pipeline as a new comment under the same id and received
 * time (comment_process: look-up, judgement, write, "verdict" webhook
 * event), carrying the next revision number and the earlier verdicts in
 * its history. Never spells a key and never scores anything itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "codec.h"
#include "engine.h"

/* Reads of a record a decision changed under an edit before it gives up
 * with 409. */
#define EDIT_CAS_RETRIES 5

static int same_str(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

/* 1 when the edit changes nothing the verdict reads. */
static int unchanged(const model_comment *e, const model_comment *old) {
    return same_str(e->text, old->text) && same_str(e->article_id, old->article_id) &&
           same_str(e->parent_id, old->parent_id) && same_str(e->author.name, old->author.name) &&
           same_str(e->author.email, old->author.email) &&
           same_str(e->author.url, old->author.url) && same_str(e->author.ip, old->author.ip);
}

/* old's verdict, appended to its history, as the history of e (e's new
 * revision: old's + 1). 0, or -1 out of memory. */
static int carry_history(model_comment *e, model_comment *old) {
    size_t keep = old->nhistory < MODEL_MAX_HISTORY ? old->nhistory : MODEL_MAX_HISTORY - 1;
    size_t drop = old->nhistory - keep;
    model_revision *h = calloc(keep + 1, sizeof *h);
    if (!h) return -1;
    if (keep) memcpy(h, old->history + drop, keep * sizeof *h); /* moved: old loses them */
    for (size_t i = 0; i < drop; i++) free(old->history[i].flags);
    free(old->history);
    old->history = NULL;
    old->nhistory = 0;
    model_revision *r = &h[keep];
    r->revision = old->revision > 0 ? old->revision : 1;
    r->status = old->status;
    r->score = old->score;
    r->at_ms = old->revised_ms ? old->revised_ms : old->received_ms;
    size_t fl = 1;
    for (size_t i = 0; i < old->nflags; i++) fl += strlen(old->flags[i].code) + 1;
    if ((r->flags = malloc(fl))) {
        r->flags[0] = 0;
        for (size_t i = 0; i < old->nflags; i++) {
            if (i) strcat(r->flags, ",");
            strcat(r->flags, old->flags[i].code);
        }
    }
    e->history = h;
    e->nhistory = keep + 1;
    e->revision = r->revision + 1;
    e->received_ms = old->received_ms;
    e->revised_ms = clock_wall_ms();
    return r->flags ? 0 : -1;
}

static void answer(http_response *res, const model_comment *cm) {
    size_t len = 0;
    char *json = codec_encode_comment(cm, 0, &len);
    api_reply(res, 200, json, len);
}

/* PUT /v1/sites/{site}/comments/{id} */
void api_comment_edit(const api_call *c, http_response *res) {
    if (api_require_json(c, res) < 0) return;
    app *a = c->a;
    const char *site = router_param(c->m, "site");
    const char *id = router_param(c->m, "id");
    for (int attempt = 0; attempt < EDIT_CAS_RETRIES; attempt++) {
        model_comment e, old;
        codec_error ce;
        if (codec_decode_comment_req(c->req->body, c->req->body_len, &e, (size_t)a->cfg->max_body,
                                     &ce) < 0) {
            api_error(res, ce.status, ce.code, ce.text, ce.field[0] ? ce.field : NULL);
            return;
        }
        /* what the analysis would refuse is refused before the stored
         * version goes */
        if (strlen(e.text) > ENGINE_MAX_TEXT_BYTES) {
            model_comment_free(&e);
            api_error(res, 422, "field_too_long", "comment text is too long", "text");
            return;
        }
        if (e.id && strcmp(e.id, id) != 0) {
            model_comment_free(&e);
            api_error(res, 422, "invalid_field", "id differs from the comment's id in the path",
                      "id");
            return;
        }
        free(e.id);
        e.id = strdup(id);
        e.site = strdup(site);
        store *s = store_acquire(a->pool);
        char *json = NULL;
        size_t len = 0;
        int rc = store_comment_get(s, site, id, &json, &len);
        if (rc <= 0) {
            store_release(a->pool, s);
            model_comment_free(&e);
            if (rc == 0)
                api_error(res, 404, "not_found", "no such comment", NULL);
            else
                api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later",
                          NULL);
            return;
        }
        if (!e.id || !e.site || codec_decode_comment(json, len, &old, &ce) < 0) {
            store_release(a->pool, s);
            free(json);
            model_comment_free(&e);
            api_error(res, 500, "internal", "stored comment is unreadable", NULL);
            return;
        }
        if (unchanged(&e, &old)) { /* the stored version is the answer */
            store_release(a->pool, s);
            free(json);
            model_comment_free(&e);
            answer(res, &old);
            model_comment_free(&old);
            return;
        }
        /* the stored version's traces go, while it is the one read */
        char rep[2][COMMENT_REP_FIELD_LEN];
        store_erase er;
        api_erase_fill(a, &old, json, len, rep, &er);
        er.keep_deliveries = 1; /* the verdicts given were given */
        rc = store_comment_erase(s, &er);
        store_release(a->pool, s);
        free(json);
        if (rc == STORE_ERASE_CHANGED) {
            model_comment_free(&e);
            model_comment_free(&old);
            continue;
        }
        if (rc != STORE_ERASED) {
            model_comment_free(&e);
            model_comment_free(&old);
            if (rc == STORE_ERASE_GONE)
                api_error(res, 404, "not_found", "no such comment", NULL);
            else
                api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later",
                          NULL);
            return;
        }
        int hrc = carry_history(&e, &old);
        model_comment_free(&old);
        if (hrc < 0) {
            model_comment_free(&e);
            api_error(res, 500, "internal", "out of memory", NULL);
            return;
        }
        int created = 0;
        if (api_comment_process(a, &e, &created, res) == 0) answer(res, &e);
        model_comment_free(&e);
        return;
    }
    api_error(res, 409, "conflict", "the comment kept changing; retry", NULL);
}
