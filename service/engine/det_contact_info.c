/* det_contact_info.c - contact_info: phone numbers, e-mail, messengers.
 *
 * Owns the contact_info row; links.c owns the measure and calibration.
 */
#include "detector.h"

static void contact_info_run(const detector_analysis *a, score_signal *out) {
    links_contact(&a->links, out);
}

const detector det_contact_info = {
    .row = {.code = "contact_info",
            .kind = ENGINE_KIND_SPAM,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "phone numbers, e-mail addresses or messenger "
                       "handles to contact someone off the site"},
    .run = contact_info_run,
};
