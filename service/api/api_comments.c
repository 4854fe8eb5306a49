/* api_comments.c - POST/GET comments over HTTP: the comment pipeline's
 * front.
 *
 * A POST is handed to the comment pipeline (comment.h) as it came: the
 * request is deferred (http_defer), its body goes to comment_post with a
 * completion that turns the pipeline's answer into the HTTP response
 * (http_complete) and counts the request. Decoding, analysis, Redis and
 * the spool are the pipeline's; this file never sees a comment's fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "clock.h"
#include "codec.h"

/* The pipeline's answer (r->body taken) as an HTTP response. */
static void reply_to(http_response *res, comment_reply *r) {
    if (r->status < 300) {
        api_reply(res, r->status, r->body, r->len);
        r->body = NULL;
        return;
    }
    api_error(res, r->status, r->code, r->message, r->field[0] ? r->field : NULL);
    if (r->retry_after_s > 0) {
        char v[16];
        snprintf(v, sizeof v, "%d", r->retry_after_s);
        http_add_header(res, "Retry-After", v);
    }
}

/* A POST on its way: deferred (hp set: answered from the pipeline's
 * threads, counted here) or answered in the handler (res). */
typedef struct post_answer {
    app *a;
    http_pending *hp;
    http_response *res;
    struct timespec t0;
} post_answer;

static void post_answered(void *ctx, comment_reply *r) {
    post_answer *pa = ctx;
    if (!pa->hp) { /* answered in the handler: api_handle counts it */
        reply_to(pa->res, r);
        return;
    }
    http_response res = {.status = 500, .content_type = "application/json"};
    reply_to(&res, r);
    int status = res.status;
    http_complete(pa->hp, &res);
    metrics_request(pa->a->metrics, "comment_post", status, clock_mono_since_s(&pa->t0));
    free(pa);
}

/* POST /v1/sites/{site}/comments */
void api_comment_post(const api_call *c, http_response *res) {
    if (api_require_json(c, res) < 0) return;
    app *a = c->a;
    const char *site = router_param(c->m, "site");
    post_answer *pa = comment_pipelined(a->comments) ? malloc(sizeof *pa) : NULL;
    if (pa) {
        *pa = (post_answer){a, NULL, NULL, {0, 0}};
        clock_mono_now(&pa->t0);
        if ((pa->hp = http_defer(c->req))) {
            comment_post(a->comments, c->req->body, c->req->body_len, site, 0, post_answered, pa);
            return;
        }
        free(pa); /* draining: answered here */
    }
    /* no pipe (or draining, or no memory for the deferral): answered in
     * the handler, on a pool connection */
    post_answer here = {a, NULL, res, {0, 0}};
    comment_post(a->comments, c->req->body, c->req->body_len, site, 1, post_answered, &here);
}

/* GET /v1/sites/{site}/comments/{id} */
void api_comment_get(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    const char *id = router_param(c->m, "id");
    store *s = store_acquire(c->a->pool);
    char *json = NULL;
    size_t len = 0;
    int rc = store_comment_get(s, site, id, &json, &len);
    store_release(c->a->pool, s);
    if (rc < 0) {
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
        return;
    }
    if (rc == 0) {
        api_error(res, 404, "not_found", "no such comment", NULL);
        return;
    }
    model_comment cm;
    codec_error ce;
    if (codec_decode_comment(json, len, &cm, &ce) < 0) {
        free(json);
        api_error(res, 500, "internal", "stored comment is unreadable", NULL);
        return;
    }
    free(json);
    json = codec_encode_comment(&cm, 0, &len);
    model_comment_free(&cm);
    api_reply(res, 200, json, len);
}

int api_comment_process(app *a, model_comment *cm, int *created, http_response *res) {
    comment_reply err;
    if (comment_process(a->comments, cm, created, &err) == 0) return 0;
    reply_to(res, &err);
    return -1;
}

engine_session *api_comment_session(void *a) { return api_session(a); }
