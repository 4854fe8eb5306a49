/* test_engine.c - unit tests for the engine.h API (engine.c). */
#include <stdlib.h>

#include "engine.h"
#include "unit.h"

static void test_config(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    CHECK_NEAR(cfg.threshold_pending, 0.5, 1e-9);
    CHECK_STR(cfg.language, "english");
    engine_error err = {0};
    cfg.threshold_pending = 0.95; /* above reject */
    CHECK(engine_new(&cfg, &err) == NULL && err.code == ENGINE_E_CONFIG);
    engine_config_defaults(&cfg);
    snprintf(cfg.language, sizeof cfg.language, "klingon");
    CHECK(engine_new(&cfg, &err) == NULL && strcmp(err.field, "language") == 0);
    CHECK_STR(engine_detector_name(ENGINE_D_COPIED), "copied_from_article");
    CHECK(engine_detector_name(ENGINE_D_COUNT) == NULL);
    CHECK_STR(engine_status_name(ENGINE_REJECTED), "rejected");
    engine_free(NULL);
    engine_session_free(NULL);
    engine_features_free(NULL);
}

static void test_prepare(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine_error err = {0};
    engine *e = engine_new(&cfg, &err);
    engine_session *s = engine_session_new(e);
    CHECK(e && s);
    engine_comment c = {.text = "The Reservoirs are EMPTY, and the council "
                                "still waits for rain to fill them again."};
    c.text_len = strlen(c.text);
    engine_features *f = NULL;
    CHECK(engine_prepare(s, &c, &f, &err) == 0);
    CHECK(f && f->has_minhash && f->nterms >= 5 && f->nterms <= ENGINE_MAX_TERMS);
    CHECK(f && strncmp(f->normalized, "the reservoirs are empty", 24) == 0);
    int has_reservoir = 0;
    for (size_t i = 0; f && i < f->nterms; i++)
        has_reservoir |= strcmp(f->terms[i], "reservoir") == 0;
    CHECK(has_reservoir);

    engine_comment c2 = c;
    c2.text = "the reservoirs are empty, and the council still waits for rain "
              "to fill them again.";
    c2.text_len = strlen(c2.text);
    engine_features *g = NULL;
    CHECK(engine_prepare(s, &c2, &g, &err) == 0);
    CHECK(f && g && f->exact_hash == g->exact_hash);
    engine_features_free(g);

    engine_comment bad = {.text = "oops \xC3", .text_len = 6};
    g = (engine_features *)1;
    CHECK(engine_prepare(s, &bad, &g, &err) == -1 && g == NULL);
    CHECK(err.code == ENGINE_E_INVALID_UTF8 && strcmp(err.field, "text") == 0);
    char *big = malloc(ENGINE_MAX_TEXT_BYTES + 2);
    memset(big, 'a', ENGINE_MAX_TEXT_BYTES + 1);
    big[ENGINE_MAX_TEXT_BYTES + 1] = '\0';
    engine_comment lc = {.text = big, .text_len = ENGINE_MAX_TEXT_BYTES + 1};
    CHECK(engine_prepare(s, &lc, &g, &err) == -1 && err.code == ENGINE_E_TOO_LONG);
    free(big);

    /* scoring without any context works and reports unknown relevance */
    engine_verdict v;
    engine_score(s, f, &c, NULL, &v);
    CHECK(v.relevance == -1 && v.status == ENGINE_APPROVED);
    engine_features_free(f);
    engine_session_free(s);
    engine_free(e);
}

static void test_article_terms_and_author(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine *e = engine_new(&cfg, NULL);
    engine_session *s = engine_session_new(e);
    const char *const tags[] = {"Drought"};
    engine_article a = {.title = "Water rationing begins",
                        .body = "Rationing of water starts as reservoirs dry.",
                        .tags = tags, .ntags = 1};
    char *terms[16];
    int n = engine_article_terms(s, &a, terms, 16);
    CHECK(n == 7); /* water ration begin start reservoir dri drought */
    int water = 0;
    for (int i = 0; i < n; i++) {
        water += strcmp(terms[i], "water") == 0;
        free(terms[i]);
    }
    CHECK(water == 1);
    n = engine_article_terms(s, &a, terms, 2);
    CHECK(n == 2);
    for (int i = 0; i < n; i++)
        free(terms[i]);
    engine_comment c = {.author_email = " Jo@Example.ORG", .author_name = "jo"};
    char key[64];
    engine_author_key(&c, key, sizeof key);
    CHECK_STR(key, "jo@example.org");
    c.author_email = NULL;
    c.author_ip = "192.0.2.1";
    engine_author_key(&c, key, sizeof key);
    CHECK_STR(key, "jo|192.0.2.1");
    engine_session_free(s);
    engine_free(e);
}

int main(void) {
    UNIT_RUN(test_config);
    UNIT_RUN(test_prepare);
    UNIT_RUN(test_article_terms_and_author);
    return unit_report("unit");
}
