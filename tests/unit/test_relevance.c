/* test_relevance.c - unit tests for relevance.c. */
#include "relevance.h"
#include "unit.h"
#include "unit_text.h"

typedef struct fixture {
    tokenizer *tk;
    tokenize_list title, body, c;
    char *nt, *nb, *nc;
    relevance_vec art, com;
} fixture;

static void setup(fixture *f, const char *comment) {
    memset(f, 0, sizeof *f);
    f->tk = tokenize_new("english");
    f->nt = unit_text(f->tk, "City rations water as reservoirs hit record lows",
                      &f->title, NULL);
    f->nb = unit_text(f->tk, "The council introduced rationing after both "
                      "reservoirs fell below a fifth of capacity. Sprinklers "
                      "are banned and farmers fear for their crops.",
                      &f->body, NULL);
    f->nc = unit_text(f->tk, comment, &f->c, NULL);
    relevance_vec_add(&f->art, &f->title, RELEVANCE_TITLE_WEIGHT);
    relevance_vec_add(&f->art, &f->body, 1.0);
    relevance_vec_finish(&f->art);
    relevance_vec_add(&f->com, &f->c, 1.0);
    relevance_vec_finish(&f->com);
}

static void teardown(fixture *f) {
    relevance_vec_free(&f->art);
    relevance_vec_free(&f->com);
    tokenize_list_free(&f->title);
    tokenize_list_free(&f->body);
    tokenize_list_free(&f->c);
    free(f->nt);
    free(f->nb);
    free(f->nc);
    tokenize_free(f->tk);
}

static relevance_result measure(fixture *f, const relevance_vec *thread,
                                size_t nthread) {
    relevance_input in = {.comment = &f->com, .article = &f->art,
                          .thread = thread, .nthread = nthread};
    relevance_result r;
    relevance_measure(&in, &r);
    return r;
}

static void test_vec(void) {
    fixture f;
    setup(&f, "water water reservoirs");
    CHECK(f.com.n == 2);
    long e = relevance_vec_find(&f.com, f.c.v[0].stem_hash);
    CHECK(e == 0 && f.com.tf[0] == 2.0);
    /* title words count three times */
    long t = relevance_vec_find(&f.art, f.title.v[2].stem_hash); /* water */
    CHECK(t >= 0 && f.art.tf[t] == RELEVANCE_TITLE_WEIGHT);
    teardown(&f);
}

static void test_on_and_off_topic(void) {
    fixture f;
    setup(&f, "Rationing is late: the reservoirs were low for years and "
              "farmers warned the council about their crops.");
    relevance_result on = measure(&f, NULL, 0);
    CHECK(on.relevance > 0.3);
    CHECK(strstr(on.matched, "reservoir") != NULL);
    score_signal s;
    relevance_off_topic(&on, f.art.n, 0, &s);
    CHECK(s.signal == 0);
    teardown(&f);

    setup(&f, "The striker scored twice and the manager praised the young "
              "goalkeeper after the derby.");
    relevance_result off = measure(&f, NULL, 0);
    CHECK(off.relevance < 0.12);
    relevance_off_topic(&off, f.art.n, 0, &s);
    CHECK(s.signal > 0.05 && s.signal < 0.5);
    CHECK(strstr(s.detail, "similarity") != NULL);
    teardown(&f);
}

static void test_thread_rescues_reply(void) {
    fixture f;
    setup(&f, "Landlords ignore dripping taps and broken toilets in rented flats.");
    tokenize_list tl = {0};
    char *nt = unit_text(f.tk, "My landlord never repairs dripping taps or "
                               "broken toilets in the flats he rents.", &tl, NULL);
    relevance_vec tv = {0};
    relevance_vec_add(&tv, &tl, 1.0);
    relevance_vec_finish(&tv);
    relevance_result alone = measure(&f, NULL, 0);
    relevance_result with = measure(&f, &tv, 1);
    CHECK(alone.relevance < 0.12);
    CHECK(with.thread > 0.3 && with.similarity == with.thread);
    /* echoing another comment is weaker than addressing the article */
    CHECK(with.relevance > alone.relevance && with.relevance < 0.5);
    relevance_vec_free(&tv);
    tokenize_list_free(&tl);
    free(nt);
    teardown(&f);
}

/* The off_topic policy on measured results: a clear miss (enough content
 * on both sides) reaches pending alone; the thread vouches only for a
 * reply or for words picked up from a thread comment that the article
 * lacks; a short article or comment makes a hint. */
static void test_off_topic_policy(void) {
    relevance_result r = {.relevance = 0.3, .article = 0.02, .thread = 0.4,
                          .content = 12, .known = 1.0};
    score_signal s;
    relevance_off_topic(&r, 150, 0, &s); /* thread match, but no reply */
    CHECK(s.signal >= 0.5 && s.signal < 0.9);
    CHECK(strstr(s.detail, "not a reply") != NULL);
    relevance_off_topic(&r, 150, 1, &s); /* a reply: the thread counts */
    CHECK(s.signal == 0);
    r.thread = 0.2; /* a reply that took one word from its parent */
    relevance_off_topic(&r, 150, 1, &s);
    CHECK(s.signal >= 0.5);
    r.thread = 0.4;
    r.fresh = 0.3; /* picks up another comment's own words */
    relevance_off_topic(&r, 150, 0, &s);
    CHECK(s.signal == 0);
    r.fresh = 0;
    r.relevance = 0.9; /* absolute evidence does not veto a proportion */
    relevance_off_topic(&r, 150, 0, &s);
    CHECK(s.signal >= 0.5);
    relevance_off_topic(&r, 30, 0, &s); /* a short article: a hint */
    CHECK(s.signal > 0.05 && s.signal < 0.5);
    r.content = 5; /* a short comment: a hint */
    relevance_off_topic(&r, 150, 0, &s);
    CHECK(s.signal > 0.05 && s.signal < 0.5);
    r.content = 12;
    r.article = 0.2; /* shares enough with the article */
    relevance_off_topic(&r, 150, 0, &s);
    CHECK(s.signal == 0);
}

/* Relevance is an amount of evidence: one shared word in a two-word reply
 * is not full relevance, and answer cues move it. */
static void test_evidence_and_cues(void) {
    fixture f;
    setup(&f, "reservoirs...");
    relevance_result one = measure(&f, NULL, 0);
    CHECK(one.similarity > 0.9);      /* all of it is on topic... */
    CHECK(one.relevance < 0.6);       /* ...but it says little */
    teardown(&f);
    setup(&f, "The reservoirs fell because the council delayed rationing "
              "while farmers kept watering their crops.");
    relevance_result many = measure(&f, NULL, 0);
    CHECK(many.relevance > one.relevance && many.relevance > 0.8);
    teardown(&f);
    relevance_cues q = {.numbers = 5, .chat = 0, .questions = 0};
    CHECK(relevance_cue_score(&q) > 0.29 && relevance_cue_score(&q) < 0.31);
    q = (relevance_cues){.numbers = 0, .chat = 1, .questions = 3};
    CHECK(relevance_cue_score(&q) < -0.69 && relevance_cue_score(&q) > -0.71);
    CHECK(relevance_cue_score(NULL) == 0);
}

static void test_short_and_low_content(void) {
    fixture f;
    setup(&f, "thanks a lot!");
    relevance_result r = measure(&f, NULL, 0);
    score_signal s;
    relevance_off_topic(&r, f.art.n, 0, &s);
    CHECK(s.signal == 0); /* too short to judge */
    relevance_low_content(&r, 3, &s);
    CHECK(s.signal > 0 && s.signal < 0.5);
    teardown(&f);
}

int main(void) {
    UNIT_RUN(test_vec);
    UNIT_RUN(test_off_topic_policy);
    UNIT_RUN(test_on_and_off_topic);
    UNIT_RUN(test_thread_rescues_reply);
    UNIT_RUN(test_evidence_and_cues);
    UNIT_RUN(test_short_and_low_content);
    return unit_report("unit");
}
