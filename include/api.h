/* api.h - the application: route table, auth gate, and the handlers.
 *
 * `app` is wired by main.c and shared read-only by all worker threads (its
 * members are thread-safe objects). api_handle() is the http_handler_fn.
 * Handlers live in api_*.c, one file per resource; each returns through
 * api_reply()/api_error() and never touches a connection.
 */
#ifndef MODQ_API_H
#define MODQ_API_H

#include "auth.h"
#include "codec.h"
#include "comment.h"
#include "config.h"
#include "engine.h"
#include "http.h"
#include "metrics.h"
#include "model.h"
#include "router.h"
#include "spool.h"
#include "store.h"

/* The configuration replaced on SIGHUP (api_live.c): keys, rate limits,
 * Coral secret, the file layer of the verdict settings. */
typedef struct api_live api_live;

typedef struct app {
    const modq_config *cfg;
    engine *eng;
    store_pool *pool;
    comment_pipeline *comments; /* the comment pipeline (comment.h) */
    spool *spool;
    metrics *metrics;
    api_live *live;  /* the current generation: api_live_publish swaps it */
    _Atomic int draining; /* 1 from SIGTERM on: /readyz answers 503 */
} app;

typedef struct api_call {
    app *a;
    const http_request *req;
    const router_match *m;
    auth_role role;
    auth_holder who; /* the key's holder (name, scope), borrowed from the
                        request's generation of keys (api_auth) */
} api_call;

typedef void (*api_fn)(const api_call *c, http_response *res);

/* Who may call a route. api_handle() enforces it (and the rate limits)
 * before the handler runs. */
typedef enum api_role {
    API_ROLE_OPEN = 0,  /* anyone, never rate-limited: an overloaded instance
                           must still be observable (probes, /metrics) and
                           its review page must still load */
    API_ROLE_PUBLIC,    /* anyone, rate-limited per IP: the handler
                           authenticates the way its protocol does (Akismet,
                           Coral) */
    API_ROLE_CLIENT,    /* a client or moderator key allowed for {site} */
    API_ROLE_MODERATOR, /* a moderator key (allowed for {site} if the path
                           has one) */
    API_ROLE_CLIENT_OWN_KEY /* as API_ROLE_CLIENT, but the handler finds the
                           key where its protocol sends it and runs the gate
                           itself (api_gate_check), to answer in that protocol's
                           error shape (Perspective's ?key=) */
} api_role;

/* ---- the reloadable configuration (api_live.c) ---- */

/* Returns a new generation built from cfg's client_keys, moderator_keys,
 * moderator_anonymous_keys, rate limits and coral_secret, and its file
 * layer over e (comment_file_new; all copied: cfg may go, e must outlive
 * it), or NULL with err naming the bad entry (never a key). */
api_live *api_live_new(const modq_config *cfg, const engine *e, char *err, size_t n);
/* Make l (taken) the generation every request from now on uses; the one
 * it replaces is freed once no request holds it. l NULL at teardown frees
 * the last one. */
void api_live_publish(app *a, api_live *l);
/* SIGHUP: load path (NULL: defaults and environment only) again and
 * publish the keys, limits, secret and file layer it gives; log the names
 * of the keys it changed (applied, or needing a restart), never a value. A bad file
 * or key entry is logged and changes nothing. 0, or -1 when nothing was
 * applied. Called by one thread. */
int api_live_reload(app *a, const char *path);
/* Teardown: free the generation and what the reloads kept. */
void api_live_free(app *a);
/* Pin the current generation for this thread's request (api_handle), and
 * let it go. */
void api_live_enter(app *a);
void api_live_leave(void);

typedef struct api_limits {
    long rate_limit_key, rate_limit_ip, auth_fail_limit; /* per minute; 0 off */
} api_limits;

/* The key table, limits and Coral secret ("" off) of the generation the
 * calling thread's request pinned (borrowed: valid until the request
 * returns). */
const auth *api_auth(const app *a);
api_limits api_live_limits(const app *a);
const char *api_coral_secret(const app *a);
/* The file layer of that generation (borrowed likewise): the verdict
 * settings as the config file gives them, under the sites' own. */
const comment_file *api_file(const app *a);
/* comment_options.file: a new reference to the file layer of the calling
 * thread's request, or (no request: the spool replayer) the published
 * one; NULL at teardown. arg is the app. */
comment_file *api_comment_file(void *arg);

/* ---- the gate: authentication and rate limits (api.c) ---- */

/* What the gate decided; api_handle answers each in modq's error shape, a
 * protocol handler (API_ROLE_CLIENT_OWN_KEY) in its own. */
typedef enum api_gate_result {
    API_GATE_OK = 0,
    API_GATE_LIMITED,      /* 429: message, retry_after */
    API_GATE_UNAUTHORIZED, /* 401: no key, or not a configured one */
    API_GATE_FORBIDDEN     /* 403: the key's role or site scope forbids it */
} api_gate_result;

typedef struct api_gate {
    auth_role role;      /* what the key authenticated as */
    auth_holder who;     /* who holds the key (zeroed for AUTH_NONE) */
    const char *message; /* static text for the answer; NULL when OK */
    long retry_after;    /* seconds, for API_GATE_LIMITED */
} api_gate;

/* Authenticate key (NULL: none presented) for a route of route_role acting
 * on site (NULL: none), and count the request against the rate limits the
 * way every client route is counted (per IP, per key, failed
 * authentications; Redis trouble fails open). Fills *g; returns the
 * decision. */
api_gate_result api_gate_check(app *a, const http_request *req, api_role route_role,
                         const char *key, const char *site, api_gate *g);
/* The key of an "Authorization: Bearer K" header, or NULL. Borrowed. */
const char *api_bearer_key(const http_request *req);
/* Add the Retry-After header of an API_GATE_LIMITED decision. */
void api_gate_retry_after(http_response *res, const api_gate *g);

/* One route: one row of the route table (service/api/api_routes.c), read
 * by the router (route: method and pattern), the metrics (route.name is the
 * label) and whatever documents the API (api_routes()). */
typedef struct api_route {
    router_route route; /* first: router_find() reads the rows through it */
    api_fn handler;
    api_role role;
} api_route;

/* The route table, in matching order (borrowed, static); *n gets its
 * number of rows. Several rows may share a name (one handler for a few
 * methods or paths). */
const api_route *api_routes(size_t *n);

/* The route name of every row, in table order (borrowed, static; repeats
 * kept): the label values of the metrics' route counter. *n gets the
 * number of rows. Thread-safe. */
const char *const *api_route_names(size_t *n);

/* The http_handler_fn: route, authenticate, dispatch. */
void api_handle(void *app, const http_request *req, http_response *res);

/* Reply helpers. body is taken (freed by the HTTP layer). */
void api_reply(http_response *res, int status, char *body, size_t len);
void api_error(http_response *res, int status, const char *code,
               const char *message, const char *field);
/* 415 unless the request declares a JSON body. 0 ok, -1 replied. */
int api_require_json(const api_call *c, http_response *res);
/* The request's JSON object body: new (codec_obj_free), or NULL when res
 * was answered (415, 400 malformed, 422 not an object). */
codec_obj *api_json_body(const api_call *c, http_response *res);

/* Per-thread engine session (created on first use, freed at thread exit). */
engine_session *api_session(app *a);

/* ---- handlers (route table in api_routes.c) ---- */
void api_healthz(const api_call *c, http_response *res);
void api_readyz(const api_call *c, http_response *res);
void api_metrics(const api_call *c, http_response *res);
void api_article_put(const api_call *c, http_response *res);
void api_article_get(const api_call *c, http_response *res);
void api_comment_post(const api_call *c, http_response *res);
void api_comment_get(const api_call *c, http_response *res);
void api_comment_list(const api_call *c, http_response *res); /* api_comment_list.c */
void api_article_delete(const api_call *c, http_response *res);
void api_comment_delete(const api_call *c, http_response *res); /* api_erasure.c */
void api_erasure(const api_call *c, http_response *res);
void api_comment_edit(const api_call *c, http_response *res); /* api_comment_edit.c */
/* What the stored comment cm (decoded from its record json, both borrowed
 * while e lives) fed, into e for store_comment_erase (no audit entry);
 * rep: room for its reputation fields. */
void api_erase_fill(const app *a, const model_comment *cm, const char *json, size_t len,
                    char rep[2][COMMENT_REP_FIELD_LEN], store_erase *e);
/* api_review.c */
void api_review_list(const api_call *c, http_response *res);
void api_review_claim(const api_call *c, http_response *res);
void api_review_release(const api_call *c, http_response *res);
void api_decision(const api_call *c, http_response *res);
void api_bulk_decisions(const api_call *c, http_response *res);
void api_review_stats(const api_call *c, http_response *res);
void api_review_whoami(const api_call *c, http_response *res);
void api_audit(const api_call *c, http_response *res);
void api_detectors(const api_call *c, http_response *res); /* api_detectors.c */
/* api_webhook.c */
void api_webhook_put(const api_call *c, http_response *res);
void api_webhook_get(const api_call *c, http_response *res);
void api_webhook_delete(const api_call *c, http_response *res);
/* api_webhook_dead.c */
void api_webhook_dead_list(const api_call *c, http_response *res);
void api_webhook_dead_retry(const api_call *c, http_response *res);
void api_webhook_dead_retry_all(const api_call *c, http_response *res);
/* api_settings.c */
void api_settings_get(const api_call *c, http_response *res);
void api_settings_put(const api_call *c, http_response *res);
/* api_akismet.c */
void api_akismet_verify_key(const api_call *c, http_response *res);
void api_akismet_comment_check(const api_call *c, http_response *res);
void api_akismet_submit_spam(const api_call *c, http_response *res);
void api_akismet_submit_ham(const api_call *c, http_response *res);
void api_akismet_usage_limit(const api_call *c, http_response *res);
/* api_perspective.c */
void api_perspective_analyze(const api_call *c, http_response *res);
/* api_coral.c */
void api_coral(const api_call *c, http_response *res);
/* api_page.c */
void api_review_page(const api_call *c, http_response *res);
/* api_openapi.c */
void api_openapi(const api_call *c, http_response *res);
/* The OpenAPI document as embedded (docs/openapi.json; borrowed, static,
 * not NUL-terminated), *len its bytes. */
const char *api_openapi_doc(size_t *len);

/* Shared by the integrations (Akismet, Coral): comment_process, with an
 * error answered into res. *created = 1 for a new comment, 0 when the id
 * existed (cm then holds the stored record). Returns 0, or -1 with res
 * answered (422 invalid text, 409 in progress, 503 nothing could persist). */
int api_comment_process(app *a, model_comment *cm, int *created,
                        http_response *res);

/* comment_options.session for the pipeline main.c wires: api_session of
 * the app a. */
engine_session *api_comment_session(void *a);

#endif
