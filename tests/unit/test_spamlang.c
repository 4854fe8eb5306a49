/* test_spamlang.c - unit tests for spamlang.c. */
#include "spamlang.h"
#include "unit.h"
#include "unit_text.h"

static spamlang_result check(const spamlang *sl, const char *text) {
    tokenizer *tk = tokenize_new("english");
    tokenize_list l = {0};
    char *n = unit_text(tk, text, &l, NULL);
    spamlang_result r;
    spamlang_check(sl, &l, n, &r);
    free(n);
    tokenize_list_free(&l);
    tokenize_free(tk);
    return r;
}

static void test_phrases(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    spamlang *sl = spamlang_new(&cfg);
    CHECK(sl != NULL);
    spamlang_result r = check(sl, "Check out my channel and subscribe!");
    CHECK(r.language.signal >= 0.6);
    CHECK(strstr(r.language.evidence, "check out my channel") != NULL);
    r = check(sl, "I earn $700 a day from my laptop");
    CHECK(r.language.signal >= 0.6);
    r = check(sl, "I unsubscribed from the newsletter about channels");
    CHECK(r.language.signal == 0);
    r = check(sl, "Great post, thanks for sharing");
    CHECK(r.generic_praise && r.language.signal == 0);
    spamlang_free(sl);
}

/* The self-promotion grammar: word classes and positions, not phrases. */
static void test_promotion_grammar(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    spamlang *sl = spamlang_new(&cfg);
    CHECK(sl != NULL);
    /* verb + my/our + adjectives + media noun: pending on its own */
    CHECK(check(sl, "come and hear our newest acoustic track").language.signal >= 0.5);
    CHECK(check(sl, "pls take a look at my guitar covers").language.signal >= 0.5);
    /* my/our + media noun alone is a statement about one's own work
     * (weak); with an ask anywhere it is the asking shape */
    CHECK(check(sl, "our vlog has bloopers").language.signal > 0);
    CHECK(check(sl, "our vlog has bloopers").language.signal < 0.5);
    CHECK(check(sl, "I wrote about it on my blog").language.signal < 0.5);
    CHECK(check(sl, "our vlog has bloopers, check it out").language.signal >= 0.5);
    /* "started a new channel" */
    CHECK(check(sl, "we just started a gaming channel").language.signal >= 0.5);
    /* subscribe asked for; subscriber counts of someone else are not */
    CHECK(check(sl, "please subscribe guys").language.signal >= 0.55);
    CHECK(check(sl, "like and subscribe").language.signal >= 0.55);
    /* subscribe told, not asked: first person, past or progressive */
    CHECK(check(sl, "I finally caved and subscribed").language.signal == 0);
    CHECK(check(sl, "i will definitely subscribe").language.signal == 0);
    CHECK(check(sl, "thanks for subscribing").language.signal == 0);
    /* ... unless it offers a swap */
    CHECK(check(sl, "I'll subscribe back").language.signal >= 0.6);
    /* "work from home" alone is a way of working */
    CHECK(check(sl, "I work from home on Fridays").language.signal == 0);
    CHECK(check(sl, "I have 300 subscribers now").language.signal >= 0.5);
    CHECK(check(sl, "she passed 9,000,000 subscribers").language.signal == 0);
    CHECK(check(sl, "l4l").language.signal >= 0.6);
    CHECK(check(sl, "like 4 like").language.signal >= 0.6);
    CHECK(check(sl, "check me out on there").language.signal >= 0.5);
    /* fans, not promoters */
    CHECK(check(sl, "this is my favourite song ever").language.signal == 0);
    CHECK(check(sl, "I like this song so much").language.signal == 0);
    CHECK(check(sl, "watch this with the sound off").language.signal == 0);
    CHECK(check(sl, "my subscription to the paper ran out").language.signal == 0);
    /* stems: a plural in the text matches the singular phrase */
    CHECK(check(sl, "win free gift cards today").language.signal >= 0.7);
    /* pleas to act are counted for links.c */
    CHECK(check(sl, "please vote and share").asks == 3);
    spamlang_free(sl);
}

static void test_config_words(void) {
    const char *const banned[] = {"idiot", "scam artist", NULL};
    const char *const suspect[] = {"refund", NULL};
    engine_config cfg;
    engine_config_defaults(&cfg);
    cfg.banned_words = banned;
    cfg.suspect_words = suspect;
    spamlang *sl = spamlang_new(&cfg);
    spamlang_result r = check(sl, "what an IDIOT");
    CHECK(r.banned.signal >= 0.99 && strstr(r.banned.detail, "idiot"));
    r = check(sl, "a known scam artist");
    CHECK(r.banned.signal >= 0.99);
    r = check(sl, "the scam was an art");
    CHECK(r.banned.signal == 0);
    r = check(sl, "youidiotsall");
    CHECK(r.banned.signal >= 0.99);
    r = check(sl, "ask for a refund");
    CHECK(r.suspect.signal >= 0.5 && r.suspect.signal < 0.9);
    spamlang_free(sl);
}

static void test_shouting(void) {
    normalize_stats st = {.letters = 40, .upper = 40, .chars = 50};
    score_signal s;
    spamlang_shouting(&st, &s);
    CHECK(s.signal > 0.2 && s.signal < 0.5);
    st.upper = 5;
    spamlang_shouting(&st, &s);
    CHECK(s.signal == 0);
    st.max_punct_run = 12;
    spamlang_shouting(&st, &s);
    CHECK(s.signal >= 0.15 && s.signal <= 0.3); /* style, kept weak */
    normalize_stats shortcaps = {.letters = 3, .upper = 3, .chars = 3};
    spamlang_shouting(&shortcaps, &s); /* "OMG" */
    CHECK(s.signal == 0);
}

int main(void) {
    UNIT_RUN(test_phrases);
    UNIT_RUN(test_promotion_grammar);
    UNIT_RUN(test_config_words);
    UNIT_RUN(test_shouting);
    return unit_report("unit");
}
