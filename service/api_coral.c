/* api_coral.c - Coral Talk external moderation endpoint (not yet implemented: answers 501).
 *
 * Placeholder so the route table links; replaced by the real handlers.
 */
#include "api.h"

void api_coral(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}
