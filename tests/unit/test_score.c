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
    add(&v, "repetitive", 0.45); /* mild: below its review_from */
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
    CHECK(score_is_supporting("shouting") && !score_is_supporting("duplicate"));
    CHECK(!score_is_supporting("repetitive")); /* style up to review_from */
}

/* The decision policy: review evidence reaches pending alone but never
 * rejected; only spam evidence rejects; a confident style flag reviews. */
static void test_policy(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine_verdict v;
    CHECK(score_role("repetitive", 0.3) == ENGINE_KIND_STYLE);
    CHECK(score_role("repetitive", 0.6) == ENGINE_KIND_REVIEW);
    CHECK(score_role("off_topic", 0.9) == ENGINE_KIND_REVIEW);
    CHECK(score_role("link_spam", 0.1) == ENGINE_KIND_SPAM);
    CHECK(score_role("no_such_code", 0.1) == ENGINE_KIND_SPAM);

    score_begin(&v);
    add(&v, "repetitive", 0.6); /* confident: reviews alone */
    score_finish(&v, &cfg, 0);
    CHECK_NEAR(v.score, 0.6, 1e-9);
    CHECK(v.status == ENGINE_PENDING);

    score_begin(&v);
    add(&v, "off_topic", 0.7);
    add(&v, "content_free", 0.7);
    add(&v, "repetitive", 0.8);
    add(&v, "shouting", 0.25);
    score_finish(&v, &cfg, 0); /* all review: capped below reject */
    CHECK_NEAR(v.score, cfg.threshold_reject - SCORE_REVIEW_MARGIN, 1e-9);
    CHECK(v.status == ENGINE_PENDING);

    score_begin(&v);
    add(&v, "off_topic", 0.7);
    add(&v, "link_spam", 0.7); /* spam evidence lifts the cap */
    score_finish(&v, &cfg, 0);
    CHECK_NEAR(v.score, 0.91, 1e-9);
    CHECK(v.status == ENGINE_REJECTED);

    score_begin(&v);
    add(&v, "spam_language", 0.95);
    score_finish(&v, &cfg, 0);
    CHECK(v.status == ENGINE_REJECTED);
}

int main(void) {
    UNIT_RUN(test_noisy_or);
    UNIT_RUN(test_supporting);
    UNIT_RUN(test_finish);
    UNIT_RUN(test_policy);
    return unit_report("unit");
}
