/* api_learn.c - learning from decisions (placeholder: does nothing yet).
 *
 * Replaced by the classifier and reputation training of the review issue.
 */
#include "api.h"

void api_learn(app *a, store *s, const model_comment *c, int spam) {
    (void)a;
    (void)s;
    (void)c;
    (void)spam;
}
