/* api.c - dispatch, authentication gate, rate limits, health and metrics.
 *
 * Owns api_handle(): match the request against the route table
 * (api_routes.c), enforce the row's role and the rate limits (the gate,
 * api_gate_check, which handlers of API_ROLE_CLIENT_OWN_KEY routes run
 * themselves with the key their protocol sends), call the row's handler,
 * count the request in the metrics. Also owns the reply
 * helpers and the JSON error shape. Handlers for resources live in
 * api_*.c; this file never names a route.
 */
#include "api.h"
#include "clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "crypto.h"
#include "http_status.h"
#include "log.h"

/* ============================================================ helpers */

void api_reply(http_response *res, int status, char *body, size_t len) {
    res->status = status;
    free(res->body);
    res->body = body;
    res->body_len = body ? len : 0;
    if (!body && status != 204) {
        res->status = 500;
        res->body = codec_error_body("internal", "out of memory", NULL, &res->body_len);
    }
}

void api_error(http_response *res, int status, const char *code,
               const char *message, const char *field) {
    size_t len = 0;
    char *b = codec_error_body(code, message, field, &len);
    api_reply(res, status, b, len);
    /* the access log outlives code (it may be a caller's buffer): give it
     * the static copy of a well-known code (http_status.h), "error" for
     * any other */
    res->err_code = http_status_error_find(code);
    if (!res->err_code) res->err_code = "error";
}

int api_require_json(const api_call *c, http_response *res) {
    const char *ct = c->req->content_type;
    if (ct && strncasecmp(ct, "application/json", 16) == 0 &&
        (ct[16] == 0 || ct[16] == ';' || ct[16] == ' '))
        return 0;
    api_error(res, 415, "unsupported_media_type",
              "Content-Type must be application/json", NULL);
    return -1;
}

codec_obj *api_json_body(const api_call *c, http_response *res) {
    if (api_require_json(c, res) < 0) return NULL;
    codec_error ce;
    codec_obj *o = codec_parse(c->req->body, c->req->body_len, &ce);
    if (!o) api_error(res, ce.status, ce.code, ce.text, ce.field[0] ? ce.field : NULL);
    return o;
}

static pthread_key_t session_key;
static pthread_once_t session_once = PTHREAD_ONCE_INIT;

static void session_destroy(void *p) { engine_session_free(p); }
static void session_init(void) { pthread_key_create(&session_key, session_destroy); }

engine_session *api_session(app *a) {
    pthread_once(&session_once, session_init);
    engine_session *s = pthread_getspecific(session_key);
    if (!s) {
        s = engine_session_new(a->eng);
        pthread_setspecific(session_key, s);
    }
    return s;
}

/* ============================================================ rate limits */

/* rate_limit_key, rate_limit_ip and auth_fail_limit are "per minute". */
#define API_LIMIT_WINDOW_S 60
/* Hex digits of SHA-256(key) naming a key's counter: 64 bits cannot
 * collide among a handful of keys and reveal nothing of the key. */
#define API_KEY_ID_HEX 16

/* Process-wide counters shown in /metrics (next to metrics.c's: they
 * belong to the rate-limit gate, which lives here). */
static atomic_ulong rl_refused[4]; /* by STORE_LIMIT_* */
static atomic_ulong rl_fail_open;

/* IPs over the failed-auth limit, remembered by this process so that their
 * later failing attempts are refused without a Redis trip (an attempt that
 * authenticates never looks here). A small ring: an attacker rotating many
 * IPs only evicts old entries. */
#define API_BLOCKED_IPS 256
static struct {
    char ip[64];
    long long until_ms;
} blocked[API_BLOCKED_IPS];
static unsigned blocked_next;
static pthread_mutex_t blocked_mu = PTHREAD_MUTEX_INITIALIZER;

static void block_ip(const char *ip, long retry_after_s) {
    if (!ip || !*ip) return;
    if (retry_after_s <= 0) retry_after_s = API_LIMIT_WINDOW_S;
    long long until = clock_wall_ms() + retry_after_s * 1000LL;
    pthread_mutex_lock(&blocked_mu);
    unsigned slot = blocked_next;
    for (unsigned i = 0; i < API_BLOCKED_IPS; i++)
        if (strcmp(blocked[i].ip, ip) == 0) slot = i;
    if (slot == blocked_next) blocked_next = (blocked_next + 1) % API_BLOCKED_IPS;
    snprintf(blocked[slot].ip, sizeof blocked[slot].ip, "%s", ip);
    blocked[slot].until_ms = until;
    pthread_mutex_unlock(&blocked_mu);
}

/* Seconds until ip's failing attempts are counted again, 0 when it is not
 * blocked. */
static long blocked_ip_retry(const char *ip) {
    if (!ip || !*ip) return 0;
    long long now = clock_wall_ms();
    long ra = 0;
    pthread_mutex_lock(&blocked_mu);
    for (unsigned i = 0; i < API_BLOCKED_IPS; i++)
        if (blocked[i].until_ms > now && strcmp(blocked[i].ip, ip) == 0)
            ra = (long)((blocked[i].until_ms - now + 999) / 1000);
    pthread_mutex_unlock(&blocked_mu);
    return ra;
}

/* key's counter name: API_KEY_ID_HEX hex digits of its SHA-256, into kid. */
static void key_id(const char *key, char kid[2 * CRYPTO_SHA256_LEN + 1]) {
    unsigned char h[CRYPTO_SHA256_LEN];
    crypto_sha256(key, strlen(key), h);
    crypto_hex(h, sizeof h, kid);
    kid[API_KEY_ID_HEX] = 0;
}

/* Count the request against the limits (one Redis round trip). key is the
 * presented key (NULL when none) and role what it authenticated as. A
 * request that authenticated counts against the per-IP and per-key request
 * limits only; a request that failed counts against the per-IP limit and
 * the failure limit of its IP and of the key it presented. Failures never
 * refuse a request that authenticates. Returns 1 when it was refused (*why
 * and *retry_after set), 0 to go on. Routes of API_ROLE_OPEN are never
 * limited. Redis trouble fails open: the request goes on and is counted in
 * modq_rate_limit_fail_open_total. */
static int rate_limited(app *a, const http_request *req, int open_route,
                        int authed_route, const char *key, auth_role role,
                        const char **why, long *retry_after) {
    api_limits lim = api_live_limits(a);
    if (open_route) return 0;
    store_limit_req q;
    memset(&q, 0, sizeof q);
    q.ip = req->remote_ip;
    q.window_s = API_LIMIT_WINDOW_S;
    q.ip_limit = lim.rate_limit_ip;
    char kid[2 * CRYPTO_SHA256_LEN + 1];
    if (authed_route && role != AUTH_NONE && key && lim.rate_limit_key > 0) {
        key_id(key, kid);
        q.key_id = kid;
        q.key_limit = lim.rate_limit_key;
    } else if (authed_route && role == AUTH_NONE && lim.auth_fail_limit > 0) {
        q.auth_failed = 1;
        q.fail_limit = lim.auth_fail_limit;
        if (key && *key) {
            key_id(key, kid);
            q.fail_key_id = kid;
        }
        /* an IP over the failure limit: its failing attempts need no
         * Redis trip */
        long ra = blocked_ip_retry(req->remote_ip);
        if (ra > 0) {
            atomic_fetch_add(&rl_refused[STORE_LIMIT_AUTH & 3], 1);
            *why = "too many failed authentications from this IP address or with this key";
            *retry_after = ra;
            return 1;
        }
    }
    if (!q.ip_limit && !q.key_limit && !q.fail_limit) return 0;
    store *s = store_acquire(a->pool);
    store_limit_res r;
    int rc = store_limit_check(s, &q, &r);
    store_release(a->pool, s);
    if (rc < 0) {
        atomic_fetch_add(&rl_fail_open, 1);
        return 0;
    }
    if (q.fail_limit && r.fail_ip_count >= q.fail_limit) block_ip(req->remote_ip, r.retry_after);
    if (r.limited == STORE_LIMIT_NONE) return 0;
    atomic_fetch_add(&rl_refused[r.limited & 3], 1);
    static const char *const whys[4] = {
        "", "too many requests from this IP address, retry after Retry-After seconds",
        "too many requests with this API key, retry after Retry-After seconds",
        "too many failed authentications from this IP address or with this key"};
    *why = whys[r.limited & 3];
    *retry_after = r.retry_after;
    return 1;
}

/* ============================================================ the gate */

const char *api_bearer_key(const http_request *req) {
    const char *h = req->authorization;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0) return NULL;
    h += 7;
    while (*h == ' ') h++;
    return h;
}

api_gate_result api_gate_check(app *a, const http_request *req, api_role route_role,
                         const char *key, const char *site, api_gate *g) {
    memset(g, 0, sizeof g[0]);
    int authed = route_role == API_ROLE_CLIENT || route_role == API_ROLE_MODERATOR;
    int site_ok = 0;
    if (authed) g->role = auth_check_holder(api_auth(a), key, site, &site_ok, &g->who);
    if (rate_limited(a, req, route_role == API_ROLE_OPEN, authed, key, g->role, &g->message,
                     &g->retry_after)) {
        if (authed && g->role == AUTH_NONE) metrics_auth_failure(a->metrics);
        return API_GATE_LIMITED;
    }
    if (authed && g->role == AUTH_NONE) {
        metrics_auth_failure(a->metrics);
        g->message = key && *key ? "unknown API key" : "missing API key";
        return API_GATE_UNAUTHORIZED;
    }
    if (route_role == API_ROLE_MODERATOR && g->role != AUTH_MODERATOR) {
        g->message = "this endpoint needs a moderator key";
        return API_GATE_FORBIDDEN;
    }
    if (authed && !site_ok) {
        g->message = "this key is not allowed for this site";
        return API_GATE_FORBIDDEN;
    }
    return API_GATE_OK;
}

void api_gate_retry_after(http_response *res, const api_gate *g) {
    char ra[24];
    snprintf(ra, sizeof ra, "%ld", g->retry_after);
    http_add_header(res, "Retry-After", ra);
}

/* ============================================================ dispatch */

void api_handle(void *ap, const http_request *req, http_response *res) {
    app *a = ap;
    struct timespec t0;
    clock_mono_now(&t0);
    api_live_enter(a);
    size_t nroutes;
    const api_route *routes = api_routes(&nroutes);
    router_match m;
    int idx = router_find(routes, nroutes, sizeof routes[0], req->method, req->path, &m);
    const api_route *r = idx >= 0 ? &routes[idx] : NULL;
    const char *rname = r ? r->route.name : "other";
    if (idx == ROUTER_NOT_FOUND) {
        api_error(res, 404, "not_found", "no such endpoint", NULL);
    } else if (idx == ROUTER_BAD_METHOD) {
        api_error(res, 405, "method_not_allowed", "method not allowed on this path", NULL);
        http_add_header(res, "Allow", m.allow);
    } else {
        api_call c = {a, req, &m, AUTH_NONE, {NULL, NULL}};
        const char *site = router_param(&m, "site");
        api_role gate_role = r->role == API_ROLE_CLIENT_OWN_KEY ? API_ROLE_OPEN : r->role;
        api_gate g;
        api_gate_result gr = api_gate_check(a, req, gate_role, api_bearer_key(req), site, &g);
        c.role = g.role;
        c.who = g.who;
        if (gr == API_GATE_LIMITED) {
            api_error(res, 429, "rate_limited", g.message, NULL);
            api_gate_retry_after(res, &g);
        } else if (gr == API_GATE_UNAUTHORIZED) {
            api_error(res, 401, "unauthorized",
                      "missing or unknown API key (Authorization: Bearer <key>)", NULL);
            http_add_header(res, "WWW-Authenticate", "Bearer realm=\"modq\"");
        } else if (gr == API_GATE_FORBIDDEN) {
            api_error(res, 403, "forbidden", g.message, NULL);
        } else if (site && !model_valid_ident(site, MODEL_MAX_SITE)) {
            api_error(res, 422, "invalid_field",
                      "site must be 1-64 characters of A-Z a-z 0-9 . _ : -", "site");
        } else {
            r->handler(&c, res);
        }
    }
    /* a deferred request is counted when it is answered (api_comments.c) */
    if (!http_deferred(req))
        metrics_request(a->metrics, rname, res->status, clock_mono_since_s(&t0));
    api_live_leave();
}

/* ============================================================ health */

/* GET /healthz */
void api_healthz(const api_call *c, http_response *res) {
    (void)c;
    static const char ok[] = "{\"status\":\"ok\"}";
    api_reply(res, 200, strdup(ok), sizeof ok - 1);
}

/* GET /readyz: 200 while a comment can be answered (Redis up, or down
 * with the spool writable), 503 when nothing can take it or while
 * draining. */
void api_readyz(const api_call *c, http_response *res) {
    store *s = store_acquire(c->a->pool);
    char why[200] = "";
    int up = store_ping(s, why, sizeof why) == 0;
    store_release(c->a->pool, s);
    int writable = spool_writable(c->a->spool);
    int draining = atomic_load(&c->a->draining);
    int ready = !draining && (up || writable);
    const char *status = draining ? "draining" : !ready ? "not_ready" : up ? "ready" : "degraded";
    codec_obj *o = codec_obj_new();
    codec_set_bool(o, "ready", ready);
    codec_set_str(o, "status", status);
    codec_set_str(o, "redis", up ? "up" : "down");
    if (!up) codec_set_str(o, "reason", why);
    codec_obj *sp = codec_obj_new();
    codec_set_bool(sp, "writable", writable);
    codec_set_int(sp, "pending", spool_pending(c->a->spool));
    codec_set_obj_new(o, "spool", sp);
    size_t len;
    char *b = codec_dump_free(o, &len);
    api_reply(res, ready ? 200 : 503, b, len);
}

/* GET /metrics */
void api_metrics(const api_call *c, http_response *res) {
    metrics_gauges g = {0};
    store *s = store_acquire(c->a->pool);
    g.queue_depth = store_queue_depth(s);
    store_release(c->a->pool, s);
    g.redis_up = store_pool_up(c->a->pool);
    g.redis_errors = store_pool_errors(c->a->pool);
    store_cluster_state cs;
    if ((g.cluster = store_pool_cluster_state(c->a->pool, &cs))) {
        g.cluster_primaries = cs.primaries;
        g.cluster_slots = cs.slots;
        g.cluster_redirects = cs.redirects;
    }
    g.spool_pending = spool_pending(c->a->spool);
    g.spool_writable = spool_writable(c->a->spool);
    g.draining = atomic_load(&c->a->draining);
    size_t len = 0;
    char *b = metrics_render(c->a->metrics, &g, &len);
    /* the rate-limit gate's counters (see rate_limited) */
    char extra[640];
    int n = snprintf(extra, sizeof extra,
                     "# HELP modq_rate_limited_total Requests refused with 429 by limit.\n"
                     "# TYPE modq_rate_limited_total counter\n"
                     "modq_rate_limited_total{limit=\"ip\"} %lu\n"
                     "modq_rate_limited_total{limit=\"key\"} %lu\n"
                     "modq_rate_limited_total{limit=\"auth_failures\"} %lu\n"
                     "# HELP modq_rate_limit_fail_open_total Requests let through unchecked "
                     "because Redis was unavailable.\n"
                     "# TYPE modq_rate_limit_fail_open_total counter\n"
                     "modq_rate_limit_fail_open_total %lu\n",
                     atomic_load(&rl_refused[STORE_LIMIT_IP]),
                     atomic_load(&rl_refused[STORE_LIMIT_KEY]),
                     atomic_load(&rl_refused[STORE_LIMIT_AUTH]), atomic_load(&rl_fail_open));
    char *nb = b && n > 0 && (size_t)n < sizeof extra ? realloc(b, len + (size_t)n + 1) : NULL;
    if (nb) {
        memcpy(nb + len, extra, (size_t)n + 1);
        b = nb;
        len += (size_t)n;
    }
    api_reply(res, 200, b, len);
    res->content_type = "text/plain; version=0.0.4";
}
