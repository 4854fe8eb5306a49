/* api_webhook.c - webhook registration (not yet implemented: answers 501).
 *
 * Placeholder so the route table links; replaced by the real handlers.
 */
#include "api.h"

void api_webhook_put(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}

void api_webhook_get(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}
