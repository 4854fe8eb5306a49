/* det_off_topic.c - off_topic: the comment is about something else.
 *
 * Owns the off_topic row and what makes a comment a reply. The signal is
 * relevance_off_topic's (relevance.c owns the measure and its
 * calibration), read from the measure stage's relevance result; never runs
 * without an article. Kind REVIEW: a clear miss reaches pending alone, a
 * moderator should look; it never rejects alone (score.c).
 */
#include "detector.h"

#include <stdio.h>
#include <string.h>

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
    if (n < 2)
        return 0;
    /* the '@'s and '>'s of t[0 .. n-1) (memchr: most texts have none) */
    for (const char *p = t; (p = memchr(p, '@', (size_t)(t + n - 1 - p))); p++) {
        size_t i = (size_t)(p - t);
        if ((i == 0 || t[i - 1] == ' ' || t[i - 1] == '\n') &&
            ((t[i + 1] >= 'a' && t[i + 1] <= 'z') ||
             (t[i + 1] >= '0' && t[i + 1] <= '9') || t[i + 1] == '_'))
            return 1;
    }
    for (const char *p = t; (p = memchr(p, '>', (size_t)(t + n - 1 - p))); p++)
        if (p == t || p[-1] == '\n') /* at a line start */
            return 1;
    return 0;
}

/* Two shapes of discourse say a comment changes the subject, whatever
 * words it shares with the article (a local news thread shares street
 * names and "the council" with every local question):
 *   - it opens by saying so: a topic-shift opener ("speaking of ...",
 *     "talking of ...", "unrelated, but", "off topic", "on another note",
 *     "random question");
 *   - it asks the readers for help with a matter of the writer's own: a
 *     question ('?') to "anyone/anybody/someone" (+ know, recommend, tried,
 *     had, have, got, tips, experience, help, advise) beside "my/our/ours",
 *     with little in common with the article (similarity below
 *     OFF_TOPIC_ASK_BELOW) and not a reply.
 * Either, with enough content to judge (the clear-miss size), is a clear
 * miss: a moderator decides whether the thread is the place for it. */
#define OFF_TOPIC_ASK_BELOW 0.3
#define OFF_TOPIC_SHAPE_SIGNAL 0.55
#define OFF_TOPIC_SHAPE_CONTENT 8
#define OFF_TOPIC_OPENER_WORDS 3 /* an opener starts in the first words */

static int word_is(const tokenize_list *l, size_t i, const char *const *set) {
    if (i >= l->n || l->v[i].type != TOKENIZE_WORD)
        return 0;
    const char *w = tokenize_text(l, &l->v[i]);
    for (; *set; set++)
        if (strcmp(w, *set) == 0)
            return 1;
    return 0;
}

/* Index of the first word token at or after i, or l->n. */
static size_t next_word(const tokenize_list *l, size_t i) {
    while (i < l->n && l->v[i].type != TOKENIZE_WORD)
        i++;
    return i;
}

/* The opener that shifts the topic, or NULL. */
static const char *shift_opener(const tokenize_list *l) {
    static const char *const lead[] = {"speaking", "talking", NULL};
    static const char *const of[] = {"of", "about", NULL};
    static const char *const lone[] = {"unrelated", "offtopic", NULL};
    static const char *const off[] = {"off", NULL};
    static const char *const topic[] = {"topic", NULL};
    static const char *const on[] = {"on", NULL};
    static const char *const another[] = {"another", "a", "an", NULL};
    static const char *const other[] = {"other", "different", "unrelated", "side", NULL};
    static const char *const note[] = {"note", "topic", "subject", NULL};
    static const char *const random[] = {"random", NULL};
    static const char *const question[] = {"question", NULL};
    size_t w[5], n = 0;
    for (size_t i = next_word(l, 0); i < l->n && n < 5; i = next_word(l, i + 1))
        w[n++] = i;
    for (size_t k = 0; k < n && k < OFF_TOPIC_OPENER_WORDS; k++) {
        if (k + 1 < n && word_is(l, w[k], lead) && word_is(l, w[k + 1], of))
            return "a topic-shift opener (\"speaking of\")";
        if (word_is(l, w[k], lone) ||
            (k + 1 < n && word_is(l, w[k], off) && word_is(l, w[k + 1], topic)))
            return "a topic-shift opener (\"off topic\")";
        if (k + 2 < n && word_is(l, w[k], on) && word_is(l, w[k + 1], another) &&
            word_is(l, w[k + 2], note))
            return "a topic-shift opener (\"on another note\")";
        if (k + 3 < n && word_is(l, w[k], on) && word_is(l, w[k + 1], another) &&
            word_is(l, w[k + 2], other) && word_is(l, w[k + 3], note))
            return "a topic-shift opener (\"on a different note\")";
        if (k + 1 < n && word_is(l, w[k], random) && word_is(l, w[k + 1], question))
            return "a topic-shift opener (\"random question\")";
    }
    return NULL;
}

/* 1 when the comment asks the readers for help with a matter of the
 * writer's own. */
static int asks_readers(const detector_analysis *a) {
    static const char *const who[] = {"anyone", "anybody", "someone", "somebody", NULL};
    static const char *const ask[] = {"know", "knows", "recommend", "suggest", "tried",
                                      "had", "have", "got", "tips", "experience",
                                      "help", "advise", "advice", NULL};
    static const char *const own[] = {"my", "our", "ours", NULL};
    const tokenize_list *l = a->tokens;
    if (!memchr(a->features->normalized, '?', a->features->normalized_len))
        return 0;
    int asked = 0, mine = 0;
    for (size_t i = next_word(l, 0); i < l->n; i = next_word(l, i + 1)) {
        mine |= word_is(l, i, own);
        if (!asked && word_is(l, i, who)) {
            size_t j = next_word(l, i + 1);
            size_t k = j < l->n ? next_word(l, j + 1) : l->n;
            asked = word_is(l, j, ask) || word_is(l, k, ask);
        }
    }
    return asked && mine;
}

static void off_topic_run(const detector_analysis *a, score_signal *out) {
    int reply = off_topic_is_reply(a);
    relevance_off_topic(&a->rr, a->article->n, reply, out);
    const relevance_result *r = &a->rr;
    if (out->signal >= OFF_TOPIC_SHAPE_SIGNAL || r->relevance < 0 ||
        r->content < OFF_TOPIC_SHAPE_CONTENT)
        return;
    const char *shape = shift_opener(a->tokens);
    if (!shape && !reply && r->article < OFF_TOPIC_ASK_BELOW && asks_readers(a))
        shape = "a question to the readers about a matter of the writer's own";
    if (!shape)
        return;
    out->signal = OFF_TOPIC_SHAPE_SIGNAL;
    snprintf(out->detail, sizeof out->detail,
             "changes the subject: %s; similarity %.2f to the article", shape, r->article);
    snprintf(out->evidence, sizeof out->evidence, "%s", r->matched);
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
