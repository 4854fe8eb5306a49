/* test_links.c - unit tests for links.c. */
#include "links.h"
#include "unit.h"
#include "unit_text.h"

static void check(const char *text, const engine_config *cfg, const char *url,
                  int praise, double *spam, double *contact) {
    tokenizer *tk = tokenize_new("english");
    tokenize_list l = {0};
    normalize_stats st;
    char *n = unit_text(tk, text, &l, &st);
    engine_comment c = {.text = text, .author_url = url};
    links_input in = {.tokens = &l, .norm_len = n ? strlen(n) : 0,
                      .stats = &st, .comment = &c, .cfg = cfg,
                      .generic_praise = praise};
    score_signal s;
    links_spam(&in, &s);
    *spam = s.signal;
    links_contact(&in, &s);
    *contact = s.signal;
    free(n);
    tokenize_list_free(&l);
    tokenize_free(tk);
}

static void test_domain_lists(void) {
    const char *const list[] = {"example.com", NULL};
    CHECK(links_domain_in("example.com", list));
    CHECK(links_domain_in("www.shop.example.com", list));
    CHECK(!links_domain_in("badexample.com", list));
    CHECK(!links_domain_in("example.com", NULL));
    CHECK(links_is_shortener("bit.ly") && !links_is_shortener("bbc.co.uk"));
}

static void test_link_spam(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    double spam, contact;
    check("Background reading on this question, published by the regional "
          "authority last year, explains the numbers well: https://water.gov/x "
          "and I think everyone commenting here should read it first.",
          &cfg, NULL, 0, &spam, &contact);
    CHECK(spam > 0 && spam < 0.25);
    check("cheap http://a.shop http://b.shop http://c.shop", &cfg, NULL, 0,
          &spam, &contact);
    CHECK(spam >= 0.7);
    check("look bit.ly/abc", &cfg, NULL, 0, &spam, &contact);
    CHECK(spam >= 0.5);
    const char *const block[] = {"evil.net", NULL}, *const allow[] = {"good.org", NULL};
    cfg.domain_block = block;
    cfg.domain_allow = allow;
    check("long and polite comment with a link to https://evil.net/page", &cfg,
          NULL, 0, &spam, &contact);
    CHECK(spam >= 0.99);
    check("see good.org", &cfg, NULL, 0, &spam, &contact);
    CHECK(spam == 0);
    check("Great post!", &cfg, "http://loans.xyz", 1, &spam, &contact);
    CHECK(spam >= 0.5);
    check("Great post!", &cfg, NULL, 1, &spam, &contact);
    CHECK(spam == 0);
}

static void test_contact(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    double spam, contact;
    check("call +1 415 555 0134", &cfg, NULL, 0, &spam, &contact);
    CHECK(contact >= 0.5);
    check("mail me: a.b@c.org", &cfg, NULL, 0, &spam, &contact);
    CHECK(contact >= 0.4);
    check("the telegram report said so", &cfg, NULL, 0, &spam, &contact);
    CHECK(contact < 0.2);
    check("@anna good point about the reservoirs", &cfg, NULL, 0, &spam, &contact);
    CHECK(contact == 0);
}

int main(void) {
    UNIT_RUN(test_domain_lists);
    UNIT_RUN(test_link_spam);
    UNIT_RUN(test_contact);
    return unit_report("unit");
}
