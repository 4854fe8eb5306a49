/* api_routes.c - the route table: one row per route.
 *
 * Owns the one table of the API: {method, path pattern, name, handler,
 * role} per row. The router matches its patterns in place (api.c calls
 * router_find on it), the metrics take their route labels from its names
 * (main.c passes api_route_names()), and anything that documents the API
 * enumerates api_routes(). Adding a route is adding a row here. Must never
 * hold logic: authentication, limits and dispatch are api.c's.
 */
#include <pthread.h>
#include <stddef.h>

#include "api.h"

static const api_route ROUTES[] = {
    /* probes and monitoring (api.c) */
    {{"GET", "/healthz", "healthz"}, api_healthz, API_ROLE_OPEN},
    {{"GET", "/readyz", "readyz"}, api_readyz, API_ROLE_OPEN},
    {{"GET", "/metrics", "metrics"}, api_metrics, API_ROLE_OPEN},
    /* the API's OpenAPI document (api_openapi.c) */
    {{"GET", "/openapi.json", "openapi"}, api_openapi, API_ROLE_OPEN},
    /* articles and comments (api_articles.c, api_comments.c) */
    {{"PUT", "/v1/sites/{site}/articles/{id}", "article_put"}, api_article_put, API_ROLE_CLIENT},
    {{"GET", "/v1/sites/{site}/articles/{id}", "article_get"}, api_article_get, API_ROLE_CLIENT},
    {{"POST", "/v1/sites/{site}/comments", "comment_post"}, api_comment_post, API_ROLE_CLIENT},
    {{"GET", "/v1/sites/{site}/comments/{id}", "comment_get"}, api_comment_get, API_ROLE_CLIENT},
    {{"GET", "/v1/sites/{site}/comments", "comment_list"}, api_comment_list, API_ROLE_CLIENT},
    {{"PUT", "/v1/sites/{site}/comments/{id}", "comment_edit"}, api_comment_edit,
     API_ROLE_CLIENT},
    /* erasure (api_erasure.c, api_articles.c) */
    {{"DELETE", "/v1/sites/{site}/comments/{id}", "comment_delete"}, api_comment_delete,
     API_ROLE_CLIENT},
    {{"POST", "/v1/sites/{site}/erasure", "erasure"}, api_erasure, API_ROLE_CLIENT},
    {{"DELETE", "/v1/sites/{site}/articles/{id}", "article_delete"}, api_article_delete,
     API_ROLE_CLIENT},
    /* review workflow (api_review.c) */
    {{"GET", "/v1/review", "review_list"}, api_review_list, API_ROLE_MODERATOR},
    {{"POST", "/v1/review/claim", "review_claim"}, api_review_claim, API_ROLE_MODERATOR},
    {{"POST", "/v1/review/release", "review_release"}, api_review_release, API_ROLE_MODERATOR},
    {{"POST", "/v1/sites/{site}/comments/{id}/decision", "decision"}, api_decision,
     API_ROLE_MODERATOR},
    {{"POST", "/v1/review/decisions", "bulk_decisions"}, api_bulk_decisions, API_ROLE_MODERATOR},
    {{"GET", "/v1/review/stats", "review_stats"}, api_review_stats, API_ROLE_MODERATOR},
    {{"GET", "/v1/review/whoami", "review_whoami"}, api_review_whoami, API_ROLE_MODERATOR},
    {{"GET", "/v1/audit", "audit"}, api_audit, API_ROLE_MODERATOR},
    /* the detector table (api_detectors.c) */
    {{"GET", "/v1/detectors", "detectors"}, api_detectors, API_ROLE_CLIENT},
    /* decision webhooks (api_webhook.c) */
    {{"PUT", "/v1/sites/{site}/webhook", "webhook"}, api_webhook_put, API_ROLE_CLIENT},
    {{"GET", "/v1/sites/{site}/webhook", "webhook"}, api_webhook_get, API_ROLE_CLIENT},
    {{"DELETE", "/v1/sites/{site}/webhook", "webhook"}, api_webhook_delete, API_ROLE_CLIENT},
    /* its dead letters (api_webhook_dead.c) */
    {{"GET", "/v1/sites/{site}/webhook/dead", "webhook_dead"}, api_webhook_dead_list,
     API_ROLE_CLIENT},
    {{"POST", "/v1/sites/{site}/webhook/dead/retry", "webhook_dead"}, api_webhook_dead_retry_all,
     API_ROLE_CLIENT},
    {{"POST", "/v1/sites/{site}/webhook/dead/{id}/retry", "webhook_dead"}, api_webhook_dead_retry,
     API_ROLE_CLIENT},
    /* per-site settings (api_settings.c): the PUT refuses moderator keys */
    {{"GET", "/v1/sites/{site}/settings", "settings"}, api_settings_get, API_ROLE_CLIENT},
    {{"PUT", "/v1/sites/{site}/settings", "settings"}, api_settings_put, API_ROLE_CLIENT},
    /* drop-in protocols (api_akismet.c, api_coral.c): they authenticate
     * the way those protocols do, inside the handler */
    {{"POST", "/1.1/verify-key", "akismet"}, api_akismet_verify_key, API_ROLE_PUBLIC},
    {{"POST", "/1.1/comment-check", "akismet"}, api_akismet_comment_check, API_ROLE_PUBLIC},
    {{"POST", "/1.1/submit-spam", "akismet"}, api_akismet_submit_spam, API_ROLE_PUBLIC},
    {{"POST", "/1.1/submit-ham", "akismet"}, api_akismet_submit_ham, API_ROLE_PUBLIC},
    {{"GET", "/1.2/usage-limit", "akismet"}, api_akismet_usage_limit, API_ROLE_PUBLIC},
    {{"POST", "/1.2/usage-limit", "akismet"}, api_akismet_usage_limit, API_ROLE_PUBLIC},
    {{"POST", "/v1/integrations/coral", "coral"}, api_coral, API_ROLE_PUBLIC},
    /* Perspective's comments:analyze (api_perspective.c): a client key, in
     * ?key= or as a bearer, checked by the handler to answer in
     * Perspective's error shape */
    {{"POST", "/v1alpha1/comments:analyze", "perspective"}, api_perspective_analyze,
     API_ROLE_CLIENT_OWN_KEY},
    /* review page (api_page.c): static files, the key is typed in */
    {{"GET", "/review", "review_page"}, api_review_page, API_ROLE_OPEN},
    {{"GET", "/review/*", "review_page"}, api_review_page, API_ROLE_OPEN},
};
#define API_NROUTES (sizeof ROUTES / sizeof ROUTES[0])

_Static_assert(offsetof(api_route, route) == 0, "router_find reads a row through its route");

const api_route *api_routes(size_t *n) {
    *n = API_NROUTES;
    return ROUTES;
}

/* The names column, filled once (api_route_names). */
static const char *route_names[API_NROUTES];
static pthread_once_t route_names_once = PTHREAD_ONCE_INIT;

static void route_names_fill(void) {
    for (size_t i = 0; i < API_NROUTES; i++) route_names[i] = ROUTES[i].route.name;
}

const char *const *api_route_names(size_t *n) {
    pthread_once(&route_names_once, route_names_fill);
    *n = API_NROUTES;
    return route_names;
}
