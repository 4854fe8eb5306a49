/* test_score.c - unit tests for score.c. */
#include "score.h"
#include "unit.h"

static void add(engine_verdict *v, const char *code, double s) {
    score_signal sig;
    score_signal_clear(&sig);
    sig.signal = s;
    score_add(v, code, 1.0, &sig);
}

static void test_noisy_or(void) {
    double s[] = {0.3, 0.3};
    CHECK_NEAR(score_noisy_or(s, 2), 0.51, 1e-9);
    CHECK_NEAR(score_noisy_or(s, 0), 0.0, 1e-9);
    double one[] = {1.0, 0.2};
    CHECK_NEAR(score_noisy_or(one, 2), 1.0, 1e-9);
}

static void test_finish(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine_verdict v;
    score_begin(&v);
    CHECK(v.relevance == -1);
    add(&v, "low_content", 0.1);
    add(&v, "link_spam", 0.6);
    add(&v, "noise", 0.01); /* below the floor: dropped */
    score_finish(&v, &cfg, 0);
    CHECK(v.nflags == 2);
    CHECK_STR(v.flags[0].code, "link_spam");
    CHECK_NEAR(v.score, 0.64, 1e-9);
    CHECK(v.status == ENGINE_PENDING);

    score_begin(&v);
    add(&v, "spam_language", 0.8);
    score_finish(&v, &cfg, -1.0); /* trusted: halved */
    CHECK_NEAR(v.score, 0.4, 1e-9);
    CHECK(v.status == ENGINE_APPROVED);

    score_begin(&v);
    add(&v, "banned_word", 1.0);
    score_finish(&v, &cfg, -1.0); /* banned survives the discount */
    CHECK(v.status == ENGINE_REJECTED);

    score_begin(&v);
    score_signal sig;
    score_signal_clear(&sig);
    sig.signal = 0.8;
    score_add(&v, "off_topic", 0.5, &sig); /* weight applies */
    CHECK_NEAR(v.flags[0].score, 0.4, 1e-9);
}

/* Style signals only add to evidence that something else started. */
static void test_supporting(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine_verdict v;
    score_begin(&v);
    add(&v, "shouting", 0.3);
    add(&v, "repetitive", 0.5);
    add(&v, "low_content", 0.1);
    score_finish(&v, &cfg, 0);
    CHECK(v.score == 0 && v.status == ENGINE_APPROVED && v.nflags == 3);
    score_begin(&v);
    add(&v, "spam_language", 0.45);
    add(&v, "shouting", 0.2);
    score_finish(&v, &cfg, 0);
    CHECK_NEAR(v.score, 0.45 + 0.55 * 0.2, 1e-9);
    score_begin(&v);
    add(&v, "off_topic", 0.1); /* weak primary: support counts 0.1/0.25 */
    add(&v, "shouting", 0.25);
    score_finish(&v, &cfg, 0);
    CHECK_NEAR(v.score, 0.1 + 0.9 * 0.25 * 0.4, 1e-9);
    CHECK(score_is_supporting("repetitive") && !score_is_supporting("duplicate"));
}

int main(void) {
    UNIT_RUN(test_noisy_or);
    UNIT_RUN(test_supporting);
    UNIT_RUN(test_finish);
    return unit_report("unit");
}
