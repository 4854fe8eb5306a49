/* api_webhook.c - PUT/GET a site's webhook registration.
 *
 * Validates the registration (http/https URL, secret length, event names),
 * stores it through store_webhook_put and shows it back without the secret,
 * with the outbox counts. Never echoes or logs the secret. Delivery itself
 * is webhook.c's; queueing is webhook_notify's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "codec.h"
#include "log.h"
#include "webhook.h"

/* Unicode code points in a valid UTF-8 string (codec_parse checked it). */
static size_t utf8_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

static int has_ctl_or_space(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f) return 1;
    return 0;
}

/* 1 when url is an absolute http(s) URL with a host and no whitespace. */
static int valid_url(const char *url) {
    size_t skip;
    if (strncasecmp(url, "http://", 7) == 0)
        skip = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        skip = 8;
    else
        return 0;
    const char *host = url + skip;
    if (!*host || *host == '/' || *host == '?' || *host == '#' || *host == ':') return 0;
    return !has_ctl_or_space(url);
}

static void reply_info(http_response *res, int status, const char *site,
                       const webhook_info *wi) {
    codec_obj *o = codec_obj_new();
    codec_obj *ev = codec_arr_new();
    codec_obj *ob = codec_obj_new();
    if (!o || !ev || !ob) {
        codec_obj_free(o);
        codec_obj_free(ev);
        codec_obj_free(ob);
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    codec_set_str(o, "site", site);
    codec_set_str(o, "url", wi->url);
    if (wi->events & WEBHOOK_EV_DECISION) codec_append_str(ev, "decision");
    if (wi->events & WEBHOOK_EV_VERDICT) codec_append_str(ev, "verdict");
    codec_set_obj_new(o, "events", ev);
    codec_set_int(o, "created_ms", wi->created_ms);
    codec_set_int(o, "updated_ms", wi->updated_ms);
    codec_set_int(ob, "pending", wi->pending);
    codec_set_int(ob, "in_flight", wi->in_flight);
    codec_set_int(ob, "dead", wi->dead);
    if (wi->last_error[0]) {
        codec_set_str(ob, "last_error", wi->last_error);
        codec_set_int(ob, "last_error_ms", wi->last_error_ms);
    }
    codec_set_obj_new(o, "outbox", ob);
    size_t len = 0;
    char *b = codec_dump_free(o, &len);
    api_reply(res, status, b, len);
}

/* Decode "events": absent/null = decision only. Returns bits or 0 (invalid). */
static unsigned parse_events(const codec_obj *body) {
    if (!codec_has(body, "events")) return WEBHOOK_EV_DECISION;
    const codec_obj *arr = codec_get(body, "events");
    if (!codec_is_array(arr) || codec_size(arr) == 0) return 0;
    unsigned bits = 0;
    for (size_t i = 0; i < codec_size(arr); i++) {
        unsigned b = webhook_event_bit(codec_str_value(codec_at(arr, i)));
        if (!b) return 0;
        bits |= b;
    }
    return bits;
}

/* PUT /v1/sites/{site}/webhook */
void api_webhook_put(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    codec_obj *body = api_json_body(c, res);
    if (!body) return;
    const char *url = codec_get_str(body, "url");
    const char *secret = codec_get_str(body, "secret");
    unsigned events = parse_events(body);
    if (!codec_has(body, "url")) {
        api_error(res, 422, "missing_field", "url is required", "url");
    } else if (!url || strlen(url) > WEBHOOK_MAX_URL || !valid_url(url)) {
        api_error(res, 422, "invalid_field",
                  "url must be an absolute http:// or https:// URL of at most 2048 bytes",
                  "url");
    } else if (webhook_url_allowed(url, c->a->cfg->webhook_allowed_networks) < 0) {
        api_error(res, 422, "webhook_url_not_allowed",
                  "url's host is a loopback, private, link-local, multicast or unspecified "
                  "address not opened by webhook_allowed_networks", "url");
    } else if (!codec_has(body, "secret")) {
        api_error(res, 422, "missing_field", "secret is required", "secret");
    } else if (!secret || utf8_chars(secret) < WEBHOOK_MIN_SECRET ||
               utf8_chars(secret) > WEBHOOK_MAX_SECRET || has_ctl_or_space(secret)) {
        api_error(res, 422, "invalid_field",
                  "secret must be 16 to 256 characters without spaces or control characters",
                  "secret");
    } else if (!events) {
        api_error(res, 422, "invalid_field",
                  "events must be a non-empty array of \"decision\" and \"verdict\"", "events");
    } else {
        store *s = store_acquire(c->a->pool);
        int created = 0;
        webhook_info wi;
        int rc = store_webhook_put(s, site, url, secret, events, &created);
        if (rc == 0) rc = store_webhook_get(s, site, &wi) == 1 ? 0 : -1;
        store_release(c->a->pool, s);
        if (rc < 0) {
            api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
        } else {
            log_msg(LOG_INFO, "webhook: site %s registration %s", site,
                    created ? "created" : "replaced");
            reply_info(res, created ? 201 : 200, site, &wi);
        }
    }
    codec_obj_free(body);
}

/* DELETE /v1/sites/{site}/webhook */
void api_webhook_delete(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    store *s = store_acquire(c->a->pool);
    int rc = store_webhook_delete(s, site);
    store_release(c->a->pool, s);
    if (rc < 0)
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
    else if (rc == 0)
        api_error(res, 404, "not_found", "this site has no webhook", NULL);
    else
        api_reply(res, 204, NULL, 0);
}

/* GET /v1/sites/{site}/webhook */
void api_webhook_get(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    store *s = store_acquire(c->a->pool);
    webhook_info wi;
    int rc = store_webhook_get(s, site, &wi);
    store_release(c->a->pool, s);
    if (rc < 0)
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
    else if (rc == 0)
        api_error(res, 404, "not_found", "this site has no webhook", NULL);
    else
        reply_info(res, 200, site, &wi);
}
