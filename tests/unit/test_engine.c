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
    CHECK_STR(engine_detector_name(engine_detector_find("copied_from_article")),
              "copied_from_article");
    CHECK(engine_detector_name(ENGINE_D_COUNT) == NULL);
    CHECK(engine_detector_name(-1) == NULL);
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
    /* a placeholder name is no identity: the IP alone, or nobody */
    const char *generic[] = {"Anonymous", " guest ", "", "User123", "123",
                             "UNKNOWN", NULL};
    for (int i = 0; generic[i]; i++) {
        c.author_name = generic[i];
        c.author_ip = "192.0.2.1";
        engine_author_key(&c, key, sizeof key);
        CHECK_STR(key, "|192.0.2.1");
        c.author_ip = NULL;
        engine_author_key(&c, key, sizeof key);
        CHECK_STR(key, "");
    }
    c.author_name = NULL;
    engine_author_key(&c, key, sizeof key);
    CHECK_STR(key, "");
    c.author_name = "Guesthouse Annie"; /* a name, not a placeholder */
    engine_author_key(&c, key, sizeof key);
    CHECK_STR(key, "Guesthouse Annie|");
    c.author_name = "Anonymous";
    c.author_email = "anon@example.org"; /* the address identifies */
    engine_author_key(&c, key, sizeof key);
    CHECK_STR(key, "anon@example.org");
    engine_session_free(s);
    engine_free(e);
}

/* Scores `comment` under an article and a thread of texts with engine e;
 * when remember is set, the thread texts were cached with
 * engine_thread_remember (as the service does when it approves them)
 * instead of being analysed by engine_score itself; when it is 2, the
 * thread is handed over by reference (engine_thread_ref / _hold), as the
 * service's look-up does. */
static void score_with_thread(int remember, const char *const *thread, size_t n,
                              const char *comment, engine_verdict *v) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine *e = engine_new(&cfg, NULL);
    engine_session *s = engine_session_new(e);
    for (size_t i = 0; remember && i < n; i++) {
        engine_comment tc = {.text = thread[i], .text_len = strlen(thread[i])};
        engine_features *tf = NULL;
        CHECK(engine_prepare(s, &tc, &tf, NULL) == 0);
        engine_thread_remember(s, tf, thread[i]);
        engine_features_free(tf);
    }
    engine_article a = {.title = "Water rationing begins",
                        .body = "Rationing of water starts as the reservoirs dry "
                                "up after the third summer without rain."};
    engine_comment c = {.text = comment, .text_len = strlen(comment)};
    engine_features *f = NULL;
    CHECK(engine_prepare(s, &c, &f, NULL) == 0);
    engine_context ctx = {.article = &a, .thread_texts = thread, .nthread = n,
                          .learned_spam_prob = -1};
    if (remember == 2) {
        char refs[8][ENGINE_THREAD_REF_LEN];
        const char *rp[8];
        for (size_t i = 0; i < n && i < 8; i++) {
            engine_thread_ref(thread[i], refs[i]);
            rp[i] = refs[i];
        }
        CHECK(engine_thread_hold(s, rp, n) == 1);
        ctx.thread_texts = NULL;
        ctx.nthread = 0;
        ctx.thread_held = 1;
    }
    engine_score(s, f, &c, &ctx, v);
    engine_features_free(f);
    engine_session_free(s);
    engine_free(e);
}

static void test_thread_remember_same_verdict(void) {
    static const char *const thread[] = {
        "The council should have started rationing a year ago.",
        "Our well ran dry in August, the reservoirs are a disgrace.",
        "Bring back the hosepipe ban and fix the leaking pipes first!",
        "Desalination costs too much; fix the leaks.",
    };
    static const char *const comments[] = {
        "Fixing the leaking pipes would save more water than any ban.",
        "Great video, subscribe to my channel for more!!!",
        "The reservoirs were dry in our town too, rationing is overdue.",
    };
    for (size_t i = 0; i < 2 * sizeof comments / sizeof *comments; i++) {
        engine_verdict fresh, remembered;
        score_with_thread(0, thread, 4, comments[i / 2], &fresh);
        score_with_thread(1 + (int)(i % 2), thread, 4, comments[i / 2], &remembered);
        CHECK(fresh.status == remembered.status);
        CHECK(fresh.score == remembered.score);
        CHECK(fresh.relevance == remembered.relevance);
        CHECK(fresh.nflags == remembered.nflags);
        for (size_t k = 0; k < fresh.nflags && k < remembered.nflags; k++) {
            CHECK_STR(fresh.flags[k].code, remembered.flags[k].code);
            CHECK_STR(fresh.flags[k].detail, remembered.flags[k].detail);
            CHECK_STR(fresh.flags[k].evidence, remembered.flags[k].evidence);
            CHECK(fresh.flags[k].score == remembered.flags[k].score);
        }
    }
    /* the thread counts: the same comment without it scores differently */
    engine_verdict none, with;
    score_with_thread(1, thread, 0, comments[0], &none);
    score_with_thread(1, thread, 4, comments[0], &with);
    CHECK(none.relevance != with.relevance);
}

static void verdicts_equal(const engine_verdict *x, const engine_verdict *y) {
    CHECK(x->status == y->status && x->score == y->score && x->relevance == y->relevance);
    CHECK(x->nflags == y->nflags);
    for (size_t k = 0; k < x->nflags && k < y->nflags; k++) {
        CHECK_STR(x->flags[k].code, y->flags[k].code);
        CHECK_STR(x->flags[k].detail, y->flags[k].detail);
        CHECK_STR(x->flags[k].evidence, y->flags[k].evidence);
        CHECK(x->flags[k].score == y->flags[k].score);
    }
}

/* The engine's article cache: a second session meets the article the
 * first analysed (its vector and the frozen 5-grams of its body) and
 * judges as the first did, a copied passage included; an article with
 * another body is another entry. */
static void test_article_cache_shared(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine *e = engine_new(&cfg, NULL);
    engine_session *s1 = engine_session_new(e), *s2 = engine_session_new(e);
    static const char body[] =
        "The city council voted on Tuesday to build protected bicycle lanes "
        "along Main Street. Construction starts in spring and about forty "
        "parking spaces will be removed, the council said after the vote.";
    static const char other[] = /* the same title, tags and url */
        "The school board approved a larger library budget for next year. "
        "New books, longer opening hours and a reading club for pupils are "
        "planned, the board said after the meeting.";
    static const char *const tags[] = {"cycling", "city council"};
    engine_article a = {"Bicycle lanes approved", body, tags, 2, "https://news.example/bike"};
    engine_article b = a;
    b.body = other;
    static const char *const comments[] = {
        "Construction starts in spring and about forty parking spaces will be "
        "removed, the council said after the vote. Shameful.",
        "Finally some protected lanes for the children cycling to school.",
        "Cheap watches here, visit my site now!!!",
    };
    for (size_t i = 0; i < sizeof comments / sizeof *comments; i++) {
        engine_comment c = {.text = comments[i], .text_len = strlen(comments[i])};
        engine_context ctx = {.article = &a, .learned_spam_prob = -1};
        engine_verdict v1, v2, v3;
        engine_features *f = NULL;
        CHECK(engine_prepare(s1, &c, &f, NULL) == 0);
        engine_score(s1, f, &c, &ctx, &v1); /* analyses a (first), or finds it */
        engine_score(s2, f, &c, &ctx, &v2); /* finds a in the engine's cache */
        verdicts_equal(&v1, &v2);
        if (i == 0)
            CHECK(v1.nflags > 0 && strcmp(v1.flags[0].code, "copied_from_article") == 0);
        /* b after a, against b in an engine that never saw a */
        engine *e2 = engine_new(&cfg, NULL);
        engine_session *s3 = engine_session_new(e2);
        engine_verdict v4;
        ctx.article = &b;
        engine_score(s2, f, &c, &ctx, &v3);
        engine_score(s3, f, &c, &ctx, &v4);
        verdicts_equal(&v3, &v4);
        engine_session_free(s3);
        engine_free(e2);
        engine_features_free(f);
    }
    engine_session_free(s1);
    engine_session_free(s2);
    engine_free(e);
}

/* References: what engine_thread_hold takes and refuses. */
static void test_thread_refs(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine *e = engine_new(&cfg, NULL);
    engine_session *s = engine_session_new(e);
    const char *text = "Fix the leaking pipes before any hosepipe ban.";
    char ref[ENGINE_THREAD_REF_LEN], other[ENGINE_THREAD_REF_LEN];
    engine_thread_ref(text, ref);
    engine_thread_ref("Fix the leaking pipes before any hosepipe ban!", other);
    CHECK(strlen(ref) == 16 + 1 + 2 && ref[16] == ':' && strcmp(ref + 17, "46") == 0);
    CHECK(strcmp(ref, other) != 0);
    const char *one[] = {ref};
    CHECK(engine_thread_hold(s, one, 1) == 0); /* not analysed yet */
    engine_comment tc = {.text = text, .text_len = strlen(text)};
    engine_features *tf = NULL;
    CHECK(engine_prepare(s, &tc, &tf, NULL) == 0);
    engine_thread_remember(s, tf, text);
    engine_features_free(tf);
    CHECK(engine_thread_hold(s, one, 1) == 1);
    CHECK(engine_thread_hold(s, NULL, 0) == 1); /* no thread: nothing to miss */
    const char *two[] = {ref, other}; /* all or nothing */
    CHECK(engine_thread_hold(s, two, 2) == 0);
    char len_off[ENGINE_THREAD_REF_LEN];
    snprintf(len_off, sizeof len_off, "%.17s47", ref); /* same hash, other length */
    const char *bad[] = {len_off, "", "zz", "0123456789abcdef:", "0123456789abcdeg:5",
                         "0123456789ABCDEF:5", "0123456789abcdef:5x", "0123456789abcdef-46"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *b[] = {bad[i]};
        CHECK(engine_thread_hold(s, b, 1) == 0);
    }
    engine_session_free(s);
    engine_free(e);
}

int main(void) {
    UNIT_RUN(test_config);
    UNIT_RUN(test_prepare);
    UNIT_RUN(test_article_terms_and_author);
    UNIT_RUN(test_thread_remember_same_verdict);
    UNIT_RUN(test_thread_refs);
    UNIT_RUN(test_article_cache_shared);
    return unit_report("unit");
}
