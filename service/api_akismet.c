/* api_akismet.c - Akismet-compatible endpoints (not yet implemented: answers 501).
 *
 * Placeholder so the route table links; replaced by the real handlers.
 */
#include "api.h"

void api_akismet_verify_key(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_akismet_comment_check(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_akismet_submit_spam(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_akismet_submit_ham(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_akismet_usage_limit(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}
