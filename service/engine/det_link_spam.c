/* det_link_spam.c - link_spam: the comment sends readers elsewhere.
 *
 * Owns the link_spam row; links.c owns the measure and its calibration
 * (link count and share, shorteners, allow/block lists, markup anchors,
 * an author URL with generic praise). Reads the article's URL and the
 * relevance when there is an article.
 */
#include "detector.h"

static void link_spam_run(const detector_analysis *a, score_signal *out) {
    links_spam(&a->links, out);
}

const detector det_link_spam = {
    .row = {.code = "link_spam",
            .kind = ENGINE_KIND_SPAM,
            .uses = ENGINE_NEED_ARTICLE,
            .evidence = ENGINE_EVIDENCE_LINKS,
            .weight = 1.0,
            .summary = "links that promote rather than answer: many, "
                       "shortened, blocked, or most of the text"},
    .run = link_spam_run,
};
