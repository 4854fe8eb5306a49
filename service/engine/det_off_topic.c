/* det_off_topic.c - off_topic: the comment is about something else.
 *
 * Owns the off_topic row and what makes a comment a reply. The signal is
 * relevance_off_topic's (relevance.c owns the measure and its
 * calibration), read from the measure stage's relevance result; never runs
 * without an article. Kind REVIEW: a clear miss reaches pending alone, a
 * moderator should look; it never rejects alone (score.c).
 */
#include "detector.h"

/* 1 when the comment answers another comment: the platform sent a
 * parent_id, or the text mentions someone ("@name") or quotes ("> ..." at a
 * line start). Only a reply gets credit for words it shares with the
 * thread. */
static int off_topic_is_reply(const detector_analysis *a) {
    const engine_comment *c = a->comment;
    if (c->parent_id && *c->parent_id)
        return 1;
    const char *t = a->features->normalized;
    size_t n = a->features->normalized_len;
    for (size_t i = 0; i + 1 < n; i++) {
        int line_start = i == 0 || t[i - 1] == '\n';
        if (t[i] == '@' && (i == 0 || t[i - 1] == ' ' || t[i - 1] == '\n') &&
            ((t[i + 1] >= 'a' && t[i + 1] <= 'z') ||
             (t[i + 1] >= '0' && t[i + 1] <= '9') || t[i + 1] == '_'))
            return 1;
        if (line_start && t[i] == '>')
            return 1;
    }
    return 0;
}

static void off_topic_run(const detector_analysis *a, score_signal *out) {
    relevance_off_topic(&a->rr, a->article->n, off_topic_is_reply(a), out);
}

const detector det_off_topic = {
    .row = {.code = "off_topic",
            .kind = ENGINE_KIND_REVIEW,
            .needs = ENGINE_NEED_ARTICLE,
            .uses = ENGINE_NEED_THREAD | ENGINE_NEED_SITE_DF,
            .evidence = ENGINE_EVIDENCE_WORDS,
            .weight = 1.0,
            .summary = "shares (almost) no weighted words with the article "
                       "(a reply: or its thread)"},
    .run = off_topic_run,
};
