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
                      .generic_praise = praise, .relevance = -1};
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
    /* shortener brands whatever the TLD, not as a subdomain */
    CHECK(links_is_shortener("bit.do") && links_is_shortener("goo.su"));
    CHECK(!links_is_shortener("bit.example.com") && !links_is_shortener("bits.com"));
}

static void test_article_links(void) {
    const char *art = "https://video.example.com/watch?v=Ab12Cd34Ef";
    CHECK(links_is_article("http://vid.example/Ab12Cd34Ef", art));
    CHECK(links_is_article("video.example.com/watch?v=ab12cd34ef&t=1m5s", art));
    CHECK(!links_is_article("video.example.com/watch?v=Zz99Yy88Xx", art));
    CHECK(!links_is_article("http://x.example/Ab12Cd34Ef", NULL));
    CHECK(!links_is_article("http://x.example/2024", "http://news.example/2024/"));
}

/* Where a link leads and what surrounds it. */
static void test_link_context(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    tokenizer *tk = tokenize_new("english");
    tokenize_list l = {0};
    normalize_stats st;
    const char *text = "join me here https://www.facebook.com/somebody.page";
    char *n = unit_text(tk, text, &l, &st);
    engine_comment c = {.text = text};
    links_input in = {.tokens = &l, .norm_len = strlen(n), .stats = &st,
                      .comment = &c, .cfg = &cfg, .relevance = -1};
    score_signal s;
    links_spam(&in, &s);
    CHECK(s.signal >= 0.6); /* short comment sending readers to a profile */
    in.article_url = "https://www.facebook.com/somebody.page";
    links_spam(&in, &s);
    CHECK(s.signal == 0); /* the article's own page */
    free(n);
    tokenize_list_free(&l);
    text = "tickets at https://tickets.example.org/show?ref=abc123 hurry";
    n = unit_text(tk, text, &l, &st);
    in = (links_input){.tokens = &l, .norm_len = strlen(n), .stats = &st,
                       .comment = &c, .cfg = &cfg, .relevance = -1};
    links_spam(&in, &s);
    double plain = 0;
    CHECK(strstr(s.detail, "referral") != NULL);
    plain = s.signal;
    in.relevance = 0.0; /* nothing in common with the article */
    in.asks = 1;
    links_spam(&in, &s);
    CHECK(s.signal > plain);
    free(n);
    tokenize_list_free(&l);
    tokenize_free(tk);
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
    UNIT_RUN(test_article_links);
    UNIT_RUN(test_link_context);
    UNIT_RUN(test_link_spam);
    UNIT_RUN(test_contact);
    return unit_report("unit");
}
