/* test_detector.c - unit tests for the detector registry (detector.c):
 * the table and its look-ups, and the per-detector settings (weights,
 * disabled codes) an engine takes from its configuration. */
#include <stdlib.h>

#include "engine.h"
#include "unit.h"

/* Self-promotion with a shortened link, in capitals: spam_language,
 * link_spam and shouting without any context. */
static const char *const PROMO =
    "CHECK OUT MY CHANNEL AND SUBSCRIBE!!!!! http://bit.ly/xyz123 "
    "FREE GIFT CARDS EVERY DAY!!!!!";

/* Scores text with cfg and no context into v. 0, or -1 when engine_new
 * refused cfg (err filled). */
static int score_text(const engine_config *cfg, const char *text,
                      engine_verdict *v, engine_error *err) {
    engine *e = engine_new(cfg, err);
    if (!e)
        return -1;
    engine_session *s = engine_session_new(e);
    engine_comment c = {.text = text, .text_len = strlen(text)};
    engine_features *f = NULL;
    CHECK(s && engine_prepare(s, &c, &f, err) == 0);
    if (f)
        engine_score(s, f, &c, NULL, v);
    engine_features_free(f);
    engine_session_free(s);
    engine_free(e);
    return 0;
}

static const engine_flag *flag_of(const engine_verdict *v, const char *code) {
    for (size_t i = 0; i < v->nflags; i++)
        if (strcmp(v->flags[i].code, code) == 0)
            return &v->flags[i];
    return NULL;
}

static void test_table(void) {
    CHECK(engine_detector_count() == ENGINE_D_COUNT);
    CHECK(ENGINE_D_COUNT + 1 <= ENGINE_MAX_FLAGS);
    for (size_t i = 0; i < engine_detector_count(); i++) {
        const engine_detector_row *d = engine_detector_info(i);
        CHECK(d && d->code && d->summary && d->summary[0]);
        if (!d)
            continue;
        /* the row's code is the one the table names it by */
        CHECK_STR(d->code, engine_detector_name((engine_detector)i));
        CHECK(engine_detector_find(d->code) == (int)i);
        CHECK(strlen(d->code) < ENGINE_FLAG_CODE_LEN);
        CHECK(d->weight >= 0 && d->weight <= 1);
        CHECK(engine_kind_name(d->kind) && engine_evidence_name(d->evidence));
        CHECK(d->needs >> ENGINE_NEED_BITS == 0 && d->uses >> ENGINE_NEED_BITS == 0);
        CHECK_STR(engine_flag_code(i), d->code);
    }
    CHECK(engine_detector_info(ENGINE_D_COUNT) == NULL);
    CHECK(engine_detector_find("nosuch") == -1 && engine_detector_find(NULL) == -1);
    CHECK(engine_flag_code_count() == ENGINE_D_COUNT + 1);
    CHECK_STR(engine_flag_code(ENGINE_D_COUNT), ENGINE_TRUSTED_CODE);
    CHECK(engine_flag_code(ENGINE_D_COUNT + 1) == NULL);
    CHECK(engine_detector_find(ENGINE_TRUSTED_CODE) == -1); /* not a detector */
    CHECK_STR(engine_kind_name(ENGINE_KIND_STYLE), "style");
    CHECK_STR(engine_evidence_name(ENGINE_EVIDENCE_COMMENT), "comment");
    CHECK_STR(engine_need_name(0), "article");
    CHECK_STR(engine_need_name(ENGINE_NEED_BITS - 1), "history");
    CHECK(engine_need_name(ENGINE_NEED_BITS) == NULL);
}

/* The rows carry what scoring and the review page rely on. */
static void test_rows(void) {
    static const char *const style[] = {"shouting", "repetitive", "low_content"};
    for (size_t i = 0; i < 3; i++) {
        int d = engine_detector_find(style[i]);
        CHECK(d >= 0 && engine_detector_info((size_t)d)->kind == ENGINE_KIND_STYLE);
    }
    int b = engine_detector_find("banned_word");
    CHECK(b >= 0 && engine_detector_info((size_t)b)->overrides_trust);
    int o = engine_detector_find("off_topic");
    CHECK(o >= 0 && engine_detector_info((size_t)o)->needs == ENGINE_NEED_ARTICLE);
    int l = engine_detector_find("link_spam");
    CHECK(l >= 0 && engine_detector_info((size_t)l)->evidence == ENGINE_EVIDENCE_LINKS);
}

static void test_default_weights(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine *e = engine_new(&cfg, NULL);
    CHECK(e != NULL);
    for (size_t i = 0; e && i < ENGINE_D_COUNT; i++) {
        CHECK(engine_detector_weight(e, i) == engine_detector_info(i)->weight);
        CHECK(engine_detector_enabled(e, i) == 1);
    }
    CHECK(engine_detector_weight(e, ENGINE_D_COUNT) == 0);
    CHECK(engine_detector_enabled(e, ENGINE_D_COUNT) == 0);
    engine_free(e);
}

static void test_weight_scales_and_zero_drops(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine_verdict base, half, zero;
    CHECK(score_text(&cfg, PROMO, &base, NULL) == 0);
    const engine_flag *sl = flag_of(&base, "spam_language");
    CHECK(sl && flag_of(&base, "link_spam"));
    engine_weight w[] = {{"spam_language", 0.5}};
    cfg.weights = w;
    cfg.nweights = 1;
    CHECK(score_text(&cfg, PROMO, &half, NULL) == 0);
    const engine_flag *h = flag_of(&half, "spam_language");
    CHECK(sl && h && fabs(h->score - sl->score * 0.5) < 1e-12);
    w[0].weight = 0;
    CHECK(score_text(&cfg, PROMO, &zero, NULL) == 0);
    CHECK(flag_of(&zero, "spam_language") == NULL);
    CHECK(flag_of(&zero, "link_spam") != NULL); /* the others stay */
    CHECK(zero.score < base.score);
    /* a later entry for the same code wins */
    engine_weight twice[] = {{"spam_language", 0}, {"spam_language", 1}};
    cfg.weights = twice;
    cfg.nweights = 2;
    CHECK(score_text(&cfg, PROMO, &zero, NULL) == 0);
    CHECK(zero.score == base.score && flag_of(&zero, "spam_language"));
}

static void test_disabled_removes_flag(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    const char *const off[] = {"link_spam", "shouting", NULL};
    cfg.disabled = off;
    engine_error err = {0};
    engine *e = engine_new(&cfg, &err);
    int l = engine_detector_find("link_spam"), sl = engine_detector_find("spam_language");
    CHECK(e && engine_detector_enabled(e, (size_t)l) == 0 &&
          engine_detector_enabled(e, (size_t)sl) == 1);
    engine_free(e);
    engine_verdict v;
    CHECK(score_text(&cfg, PROMO, &v, NULL) == 0);
    CHECK(flag_of(&v, "link_spam") == NULL && flag_of(&v, "shouting") == NULL);
    CHECK(flag_of(&v, "spam_language") != NULL);
}

static void test_unknown_code_rejected(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine_error err = {0};
    engine_weight w[] = {{"off_topic", 0.5}, {"of_topic", 0.5}};
    cfg.weights = w;
    cfg.nweights = 2;
    CHECK(engine_new(&cfg, &err) == NULL && err.code == ENGINE_E_CONFIG);
    CHECK_STR(err.field, "weight_of_topic");
    CHECK(strstr(err.text, "\"of_topic\"") != NULL);
    engine_weight big[] = {{"off_topic", 1.5}};
    cfg.weights = big;
    cfg.nweights = 1;
    memset(&err, 0, sizeof err);
    CHECK(engine_new(&cfg, &err) == NULL && strcmp(err.field, "weight_off_topic") == 0);
    engine_config_defaults(&cfg);
    const char *const off[] = {"shouting", "trusted_author", NULL};
    cfg.disabled = off;
    memset(&err, 0, sizeof err);
    CHECK(engine_new(&cfg, &err) == NULL && err.code == ENGINE_E_CONFIG);
    CHECK_STR(err.field, "detectors_disabled");
    CHECK(strstr(err.text, "\"trusted_author\"") != NULL);
}

int main(void) {
    UNIT_RUN(test_table);
    UNIT_RUN(test_rows);
    UNIT_RUN(test_default_weights);
    UNIT_RUN(test_weight_scales_and_zero_drops);
    UNIT_RUN(test_disabled_removes_flag);
    UNIT_RUN(test_unknown_code_rejected);
    return unit_report("unit");
}
