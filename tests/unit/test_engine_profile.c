/* test_engine_profile.c - unit tests for site profiles (engine_profile_*
 * in engine.c): an overlay changes what it names, for the calls that pass
 * the profile, and nothing else. */
#include <stdlib.h>

#include "engine.h"
#include "unit.h"

static const char *const file_banned[] = {"zorblax", NULL};

typedef struct fixture {
    engine *e;
    engine_session *s;
} fixture;

static void fixture_open(fixture *fx) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    cfg.banned_words = file_banned;
    cfg.flood_max = 5;
    engine_error err = {0};
    fx->e = engine_new(&cfg, &err);
    fx->s = fx->e ? engine_session_new(fx->e) : NULL;
    CHECK(fx->e && fx->s);
}

static void fixture_close(fixture *fx) {
    engine_session_free(fx->s);
    engine_free(fx->e);
}

/* The verdict of text with context ctx (profile and flood count). */
static void score(fixture *fx, const char *text, const engine_context *ctx, engine_verdict *v) {
    engine_comment c = {.text = text, .text_len = strlen(text), .author_name = "Jo"};
    engine_features *f = NULL;
    engine_error err = {0};
    CHECK(engine_prepare(fx->s, &c, &f, &err) == 0);
    engine_score(fx->s, f, &c, ctx, v);
    engine_features_free(f);
}

static int has_flag(const engine_verdict *v, const char *code) {
    for (size_t i = 0; i < v->nflags; i++)
        if (strcmp(v->flags[i].code, code) == 0) return 1;
    return 0;
}

static engine_context ctx_of(const engine_profile *p) {
    engine_context x;
    memset(&x, 0, sizeof x);
    x.learned_spam_prob = -1;
    x.profile = p;
    return x;
}

static void test_empty_overlay_is_the_engine(void) {
    fixture fx;
    fixture_open(&fx);
    engine_overlay o = {.abuse_severe_rejects = -1};
    engine_error err = {0};
    engine_profile *p = engine_profile_new(fx.e, &o, &err);
    CHECK(p != NULL);
    const engine_config *c = engine_profile_config(p);
    CHECK_NEAR(c->threshold_pending, 0.5, 1e-9);
    CHECK_NEAR(c->threshold_reject, 0.9, 1e-9);
    CHECK(c->banned_words && strcmp(c->banned_words[0], "zorblax") == 0);
    CHECK(c->flood_max == 5 && c->abuse_severe_rejects == 0);
    for (size_t i = 0; i < engine_detector_count(); i++) {
        CHECK(engine_profile_weight(p, i) == engine_detector_weight(fx.e, i));
        CHECK(engine_profile_enabled(p, i) == engine_detector_enabled(fx.e, i));
    }
    engine_verdict a, b;
    engine_context x0 = ctx_of(NULL), x1 = ctx_of(p);
    score(&fx, "Buy zorblax now, it is the best zorblax in town", &x0, &a);
    score(&fx, "Buy zorblax now, it is the best zorblax in town", &x1, &b);
    CHECK(a.status == b.status && a.nflags == b.nflags);
    CHECK_NEAR(a.score, b.score, 1e-12);
    engine_profile_free(p);
    engine_profile_free(NULL);
    fixture_close(&fx);
}

static void test_words_replace_the_file_lists(void) {
    fixture fx;
    fixture_open(&fx);
    const char *const banned[] = {"quibbleflux", NULL};
    engine_overlay o = {.set_banned = 1, .banned_words = banned, .abuse_severe_rejects = -1};
    engine_error err = {0};
    engine_profile *p = engine_profile_new(fx.e, &o, &err);
    CHECK(p != NULL);
    engine_verdict v;
    engine_context xp = ctx_of(p), x0 = ctx_of(NULL);
    score(&fx, "I think quibbleflux is a fine idea for the park", &xp, &v);
    CHECK(has_flag(&v, "banned_word") && v.status == ENGINE_REJECTED);
    score(&fx, "I think quibbleflux is a fine idea for the park", &x0, &v);
    CHECK(!has_flag(&v, "banned_word"));
    /* the site's list replaces the file's: zorblax is no longer banned there */
    score(&fx, "I think zorblax is a fine idea for the park", &xp, &v);
    CHECK(!has_flag(&v, "banned_word"));
    score(&fx, "I think zorblax is a fine idea for the park", &x0, &v);
    CHECK(has_flag(&v, "banned_word"));
    /* an empty list set clears it */
    engine_overlay none = {.set_banned = 1, .banned_words = NULL, .abuse_severe_rejects = -1};
    engine_profile *q = engine_profile_new(fx.e, &none, &err);
    CHECK(q && engine_profile_config(q)->banned_words[0] == NULL);
    engine_profile_free(q);
    engine_profile_free(p);
    fixture_close(&fx);
}

static void test_thresholds_and_flood(void) {
    fixture fx;
    fixture_open(&fx);
    engine_overlay o = {.set_pending = 1, .threshold_pending = 0.2, .set_flood_max = 1,
                        .flood_max = 0, .abuse_severe_rejects = -1};
    engine_error err = {0};
    engine_profile *p = engine_profile_new(fx.e, &o, &err);
    CHECK(p && engine_profile_config(p)->threshold_reject == 0.9);
    engine_context xp = ctx_of(p), x0 = ctx_of(NULL);
    xp.flood_count = x0.flood_count = 40;
    engine_verdict v;
    score(&fx, "Thanks for the article about the bridge repairs", &x0, &v);
    CHECK(has_flag(&v, "flood"));
    score(&fx, "Thanks for the article about the bridge repairs", &xp, &v);
    CHECK(!has_flag(&v, "flood")); /* flood_max 0: off for the site */
    /* pending above the engine's reject, or reject above 1: refused */
    engine_overlay bad = {.set_pending = 1, .threshold_pending = 0.95, .abuse_severe_rejects = -1};
    CHECK(engine_profile_new(fx.e, &bad, &err) == NULL && err.code == ENGINE_E_CONFIG);
    CHECK_STR(err.field, "threshold_pending");
    engine_overlay bad2 = {.set_reject = 1, .threshold_reject = 1.5, .abuse_severe_rejects = -1};
    CHECK(engine_profile_new(fx.e, &bad2, &err) == NULL);
    engine_profile_free(p);
    fixture_close(&fx);
}

static void test_detectors(void) {
    fixture fx;
    fixture_open(&fx);
    int k = engine_detector_find("banned_word"), t = engine_detector_find("threat");
    engine_detector_overlay d[] = {{"banned_word", 0, 0, 0}, {"threat", 1, 0.5, -1}};
    engine_overlay o = {.detectors = d, .ndetectors = 2, .abuse_severe_rejects = -1};
    engine_error err = {0};
    engine_profile *p = engine_profile_new(fx.e, &o, &err);
    CHECK(p && !engine_profile_enabled(p, (size_t)k) && engine_detector_enabled(fx.e, (size_t)k));
    CHECK(p && engine_profile_weight(p, (size_t)t) == 0.5 && engine_profile_enabled(p, (size_t)t));
    engine_context xp = ctx_of(p);
    engine_verdict v;
    score(&fx, "I think zorblax is a fine idea for the park", &xp, &v);
    CHECK(!has_flag(&v, "banned_word") && v.status == ENGINE_APPROVED);
    engine_detector_overlay unknown[] = {{"no_such_detector", 1, 0.5, -1}};
    engine_overlay u = {.detectors = unknown, .ndetectors = 1, .abuse_severe_rejects = -1};
    CHECK(engine_profile_new(fx.e, &u, &err) == NULL);
    CHECK_STR(err.field, "weight_no_such_detector");
    engine_detector_overlay unknown_off[] = {{"no_such_detector", 0, 0, 0}};
    u.detectors = unknown_off;
    CHECK(engine_profile_new(fx.e, &u, &err) == NULL);
    CHECK_STR(err.field, "detectors_disabled");
    engine_detector_overlay heavy[] = {{"threat", 1, 1.5, -1}};
    u.detectors = heavy;
    CHECK(engine_profile_new(fx.e, &u, &err) == NULL && strcmp(err.field, "weight_threat") == 0);
    engine_profile_free(p);
    fixture_close(&fx);
}

/* Severe abuse reaches pending by default and rejected only where the
 * profile lets it; milder abuse stays pending either way. */
static void test_severe_abuse(void) {
    fixture fx;
    fixture_open(&fx);
    engine_overlay on = {.abuse_severe_rejects = 1};
    engine_error err = {0};
    engine_profile *p = engine_profile_new(fx.e, &on, &err);
    CHECK(p && engine_profile_config(p)->abuse_severe_rejects == 1);
    engine_context xp = ctx_of(p), x0 = ctx_of(NULL);
    engine_verdict v;
    const char *threat = "I will find you and hurt you";
    score(&fx, threat, &x0, &v);
    CHECK(has_flag(&v, "threat") && v.status == ENGINE_PENDING);
    score(&fx, threat, &xp, &v);
    CHECK(has_flag(&v, "threat") && v.status == ENGINE_REJECTED);
    CHECK(v.score >= 0.9);
    const char *insult = "You are an idiot";
    score(&fx, insult, &xp, &v);
    CHECK(has_flag(&v, "insult") && v.status == ENGINE_PENDING);
    engine_profile_free(p);
    fixture_close(&fx);
}

/* A profile layered over another: what its overlay names is its own, the
 * rest the base's (words compiled in the base included), never the
 * engine's. */
static void test_layer_over_a_base(void) {
    fixture fx;
    fixture_open(&fx);
    static const char *const base_banned[] = {"quux", NULL}, *const site_suspect[] = {"wibble",
                                                                                    NULL};
    engine_overlay bo = {.set_banned = 1, .banned_words = base_banned, .set_pending = 1,
                         .threshold_pending = 0.3, .abuse_severe_rejects = -1};
    engine_error err = {0};
    engine_profile *base = engine_profile_new(fx.e, &bo, &err);
    CHECK(base != NULL);
    engine_overlay so = {.set_suspect = 1, .suspect_words = site_suspect,
                         .abuse_severe_rejects = -1};
    engine_profile *site = base ? engine_profile_layer(base, &so, &err) : NULL;
    engine_overlay none = {.abuse_severe_rejects = -1};
    engine_profile *same = base ? engine_profile_layer(base, &none, &err) : NULL;
    CHECK(site && same);
    if (!site || !same) goto out;
    CHECK(engine_profile_config(site)->threshold_pending == 0.3);
    engine_context xs = ctx_of(site), xb = ctx_of(same), x0 = ctx_of(NULL);
    engine_verdict v;
    score(&fx, "nothing but quux here today", &xs, &v);
    CHECK(has_flag(&v, "banned_word")); /* the base's list */
    score(&fx, "nothing but quux here today", &xb, &v);
    CHECK(has_flag(&v, "banned_word")); /* the base's compiled words, borrowed */
    score(&fx, "nothing but zorblax here today", &xs, &v);
    CHECK(!has_flag(&v, "banned_word")); /* not the engine's */
    score(&fx, "nothing but zorblax here today", &x0, &v);
    CHECK(has_flag(&v, "banned_word"));
    score(&fx, "a little wibble for you", &xs, &v);
    CHECK(has_flag(&v, "suspect_word"));
    score(&fx, "a little wibble for you", &xb, &v);
    CHECK(!has_flag(&v, "suspect_word"));
out:
    engine_profile_free(same);
    engine_profile_free(site);
    engine_profile_free(base);
    fixture_close(&fx);
}

int main(void) {
    UNIT_RUN(test_empty_overlay_is_the_engine);
    UNIT_RUN(test_words_replace_the_file_lists);
    UNIT_RUN(test_thresholds_and_flood);
    UNIT_RUN(test_detectors);
    UNIT_RUN(test_severe_abuse);
    UNIT_RUN(test_layer_over_a_base);
    return unit_report("unit");
}
