/* api_review.c - review workflow handlers (not yet implemented: answers 501).
 *
 * Placeholder so the route table links; replaced by the real handlers.
 */
#include "api.h"

void api_review_list(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_review_claim(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_review_release(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_decision(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_bulk_decisions(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_review_stats(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_audit(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}
