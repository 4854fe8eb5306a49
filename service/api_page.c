/* api_page.c - the review page (not yet implemented: answers 501).
 *
 * Placeholder so the route table links; replaced by the real handlers.
 */
#include "api.h"

void api_review_page(const api_call *c, http_response *res) {
    (void)c;
    api_error(res, 501, "not_implemented", "not implemented yet", NULL);
}
