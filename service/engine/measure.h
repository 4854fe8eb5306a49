/* measure.h - the measure stage: per-comment measurements detectors share.
 *
 * measure owns the measurements that more than one detector reads and that
 * are computed once per comment before the detectors run: the answer-shape
 * cues, the relevance of the comment to its article and thread, and the
 * spam-wording match (phrases, banned and suspect words) and the input of
 * the link detectors. It writes them
 * into the detector_analysis; it never raises a flag itself.
 */
#ifndef MODQ_MEASURE_H
#define MODQ_MEASURE_H

#include "detector.h"

/* Fills a->cues, a->rr, a->sl and a->links from a's comment. ri holds the comment's,
 * the article's and the thread's vectors and the site frequencies; its cues
 * are set to a->cues here. sl is the engine's compiled word lists. */
void measure_comment(detector_analysis *a, relevance_input *ri,
                     const spamlang *sl);

#endif
