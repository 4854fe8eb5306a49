/* api_webhook_dead.c - a site's webhook dead letters: list them, send
 * them again.
 *
 * Reads and moves dead letters through store_webhook.h only (the listing
 * never reads the comments they carry, so it shows no personal data);
 * the sender delivers a requeued letter like any other event. Never
 * touches the registration or its secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "codec.h"
#include "log.h"
#include "webhook.h"

/* Letters per page when the request does not say. */
#define DEAD_PAGE_DEFAULT 50

static void unavailable(http_response *res) {
    api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
}

/* 1 when site has a webhook, 0 when not (404 answered), -1 (503 answered). */
static int has_webhook(store *s, const char *site, http_response *res) {
    webhook_info wi;
    int rc = store_webhook_get(s, site, &wi);
    if (rc < 0) unavailable(res);
    if (rc == 0) api_error(res, 404, "not_found", "this site has no webhook", NULL);
    return rc;
}

/* Answer 200 with o (taken). */
static void reply_obj(http_response *res, codec_obj *o) {
    size_t len;
    char *b = codec_dump_free(o, &len);
    if (b)
        api_reply(res, 200, b, len);
    else
        api_error(res, 500, "internal", "out of memory", NULL);
}

/* GET /v1/sites/{site}/webhook/dead?limit=&cursor= */
void api_webhook_dead_list(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    const char *lim = http_query(c->req, "limit"), *cursor = http_query(c->req, "cursor");
    long limit = DEAD_PAGE_DEFAULT;
    if (lim) {
        char *end = NULL;
        limit = strtol(lim, &end, 10);
        if (!*lim || *end || limit < 1 || limit > WEBHOOK_DEAD_PAGE_MAX) {
            api_error(res, 422, "invalid_field", "limit must be an integer from 1 to 200",
                      "limit");
            return;
        }
    }
    _Static_assert(WEBHOOK_DEAD_PAGE_MAX == 200, "the message above says 200");
    webhook_dead_item *items = calloc(WEBHOOK_DEAD_PAGE_MAX, sizeof *items);
    if (!items) {
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    size_t n = 0;
    char next[WEBHOOK_CURSOR_MAX];
    store *s = store_acquire(c->a->pool);
    int found = has_webhook(s, site, res); /* 0, -1: answered */
    int rc = found == 1 ? store_webhook_dead_list(s, site, cursor, (unsigned)limit, items, &n,
                                                  next)
                        : 0;
    store_release(c->a->pool, s);
    if (found != 1) {
        /* answered: 404 or 503 */
    } else if (rc == -2) {
        api_error(res, 422, "invalid_field", "cursor is not a next_cursor this endpoint gave",
                  "cursor");
    } else if (rc < 0) {
        unavailable(res);
    } else {
        codec_obj *o = codec_obj_new(), *arr = codec_arr_new();
        for (size_t i = 0; o && arr && i < n; i++) {
            codec_obj *it = codec_obj_new();
            if (!it) break;
            codec_set_str(it, "id", items[i].id);
            codec_set_str(it, "event", items[i].event);
            codec_set_int(it, "attempts", items[i].attempts);
            codec_set_str(it, "last_error", items[i].last_error);
            codec_set_int(it, "occurred_ms", items[i].created_ms);
            codec_set_int(it, "dead_ms", items[i].dead_ms);
            codec_append_new(arr, it);
        }
        codec_set_obj_new(o, "items", arr);
        codec_set_str(o, "next_cursor", next[0] ? next : NULL);
        reply_obj(res, o);
    }
    free(items);
}

/* Answer a retry that moved n letters (-1: Redis trouble). */
static void reply_requeued(http_response *res, const char *id, long n) {
    codec_obj *o = codec_obj_new();
    if (id) codec_set_str(o, "id", id);
    codec_set_int(o, "requeued", n);
    reply_obj(res, o);
}

/* Move id (NULL: all) back to the outbox and answer. */
static void retry(const api_call *c, http_response *res, const char *id) {
    const char *site = router_param(c->m, "site");
    store *s = store_acquire(c->a->pool);
    long n = has_webhook(s, site, res) == 1 ? store_webhook_dead_retry(s, site, id) : -2;
    store_release(c->a->pool, s);
    if (n == -2) return; /* answered */
    if (n < 0) {
        unavailable(res);
        return;
    }
    metrics_webhook_requeued(c->a->metrics, n);
    if (id && n == 0) {
        api_error(res, 404, "not_found", "no such dead letter", NULL);
        return;
    }
    if (n > 0) log_msg(LOG_INFO, "webhook: site %s: %ld dead letter(s) requeued", site, n);
    reply_requeued(res, id, n);
}

/* POST /v1/sites/{site}/webhook/dead/{id}/retry */
void api_webhook_dead_retry(const api_call *c, http_response *res) {
    const char *id = router_param(c->m, "id");
    size_t n = strlen(id);
    int ok = n == WEBHOOK_ID_LEN;
    for (size_t i = 0; ok && i < n; i++)
        ok = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f');
    if (!ok) {
        api_error(res, 404, "not_found", "no such dead letter", NULL);
        return;
    }
    retry(c, res, id);
}

/* POST /v1/sites/{site}/webhook/dead/retry */
void api_webhook_dead_retry_all(const api_call *c, http_response *res) { retry(c, res, NULL); }
