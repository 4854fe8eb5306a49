/* test_tokenize.c - unit tests for tokenize.c. */
#include <stdlib.h>

#include "tokenize.h"
#include "unit.h"

static tokenizer *tk;

/* Tokenises already-normalised text into l (cleared first). */
static void run(const char *s, tokenize_list *l) {
    tokenize_list_clear(l);
    CHECK(tokenize_run(tk, s, strlen(s), l) == 0);
}

/* Index of the first token of type `type`, or -1. */
static long find(const tokenize_list *l, int type, size_t nth) {
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].type == type && nth-- == 0)
            return (long)i;
    return -1;
}

static void test_stop_list_sorted(void) {
    /* bsearch needs order: every stop word must be found */
    const char *words[] = {"a", "the", "yourselves", "don't", "i'm", "ur"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        CHECK(tokenize_is_stop(words[i], strlen(words[i])));
    CHECK(!tokenize_is_stop("reservoir", 9));
    CHECK(tokenize_is_tld("com", 3) && tokenize_is_tld("xyz", 3));
    CHECK(!tokenize_is_tld("the", 3));
    CHECK(tokenize_new("klingon") == NULL);
}

static void test_words_and_stems(void) {
    tokenize_list l = {0};
    run("the farmers were watering their fields", &l);
    CHECK(l.nwords == 6);
    CHECK(l.ncontent == 3); /* farmers watering fields */
    CHECK(l.v[0].stop && !l.v[0].content);
    CHECK_STR(tokenize_stem(&l, &l.v[1]), "farmer");
    CHECK_STR(tokenize_stem(&l, &l.v[3]), "water");
    CHECK_STR(tokenize_text(&l, &l.v[3]), "watering");
    CHECK(l.v[3].off == 17 && l.v[3].len == 8);
    tokenize_list_free(&l);
}

static void test_urls(void) {
    tokenize_list l = {0};
    run("see https://www.example.com/a?b=1, or www.foo.org! and murdev.com.", &l);
    long u0 = find(&l, TOKENIZE_URL, 0), u1 = find(&l, TOKENIZE_URL, 1),
         u2 = find(&l, TOKENIZE_URL, 2);
    CHECK(u0 >= 0 && u1 >= 0 && u2 >= 0);
    if (u2 >= 0) {
        CHECK_STR(tokenize_stem(&l, &l.v[u0]), "example.com");
        CHECK_STR(tokenize_text(&l, &l.v[u0]), "https://www.example.com/a?b=1");
        CHECK_STR(tokenize_stem(&l, &l.v[u1]), "foo.org");
        CHECK_STR(tokenize_stem(&l, &l.v[u2]), "murdev.com");
    }
    run("it ended.then we left", &l);
    CHECK(find(&l, TOKENIZE_URL, 0) < 0);
    tokenize_list_free(&l);
}

static void test_obfuscated_domains(void) {
    tokenize_list l = {0};
    run("go to easycash dot com now", &l);
    long u = find(&l, TOKENIZE_URL, 0);
    CHECK(u >= 0);
    if (u >= 0)
        CHECK_STR(tokenize_stem(&l, &l.v[u]), "easycash.com");
    CHECK(l.nwords == 3); /* go to now */
    run("easycash (dot) net", &l);
    CHECK(find(&l, TOKENIZE_URL, 0) >= 0);
    run("easycash . xyz", &l);
    CHECK(find(&l, TOKENIZE_URL, 0) >= 0);
    run("the dot in the middle", &l);
    CHECK(find(&l, TOKENIZE_URL, 0) < 0);
    tokenize_list_free(&l);
}

static void test_email_handle_phone(void) {
    tokenize_list l = {0};
    run("mail jo.sales+x@mail.example.org or ping @jo_88", &l);
    long e = find(&l, TOKENIZE_EMAIL, 0), h = find(&l, TOKENIZE_HANDLE, 0);
    CHECK(e >= 0 && h >= 0);
    if (e >= 0)
        CHECK_STR(tokenize_stem(&l, &l.v[e]), "mail.example.org");
    if (h >= 0)
        CHECK_STR(tokenize_text(&l, &l.v[h]), "jo_88");
    run("call +1 (415) 555-0134 today", &l);
    long p = find(&l, TOKENIZE_PHONE, 0);
    CHECK(p >= 0);
    if (p >= 0)
        CHECK_STR(tokenize_text(&l, &l.v[p]), "14155550134");
    run("from 1998 to 2004 it cost 12.50", &l);
    CHECK(find(&l, TOKENIZE_PHONE, 0) < 0);
    /* counts: thousands separators, or a count noun after the digits */
    run("3.456.789.012 views already", &l);
    CHECK(find(&l, TOKENIZE_PHONE, 0) < 0);
    run("over 4,567,890,123 of them", &l);
    CHECK(find(&l, TOKENIZE_PHONE, 0) < 0);
    run("5000000000 likes", &l);
    CHECK(find(&l, TOKENIZE_PHONE, 0) < 0);
    run("office 4412 3456 77, ask for Sam", &l);
    CHECK(find(&l, TOKENIZE_PHONE, 0) >= 0);
    run("ring 555.123.4567 tonight", &l);
    CHECK(find(&l, TOKENIZE_PHONE, 0) >= 0);
    /* digits spaced apart, groups joined by " - " */
    run("call 1 - 8 0 0 - 5 5 5 - 0 1 9 9 now", &l);
    int k = find(&l, TOKENIZE_PHONE, 0);
    CHECK(k >= 0 && strcmp(tokenize_text(&l, &l.v[k]), "18005550199") == 0);
    /* a score line is no phone */
    run("it finished 3 - 1 after extra time", &l);
    CHECK(find(&l, TOKENIZE_PHONE, 0) < 0);
    tokenize_list_free(&l);
}

static void test_spaced_letters(void) {
    tokenize_list l = {0};
    run("buy c a s i n o chips", &l);
    CHECK(l.nwords == 3);
    CHECK_STR(tokenize_text(&l, &l.v[1]), "casino");
    run("a b c", &l); /* too short to be an obfuscation */
    CHECK(l.nwords == 3);
    tokenize_list_free(&l);
}

static void test_apostrophes_and_unicode(void) {
    tokenize_list l = {0};
    run("don't 'quoted' café", &l);
    CHECK(l.nwords == 3);
    CHECK_STR(tokenize_text(&l, &l.v[0]), "don't");
    CHECK_STR(tokenize_text(&l, &l.v[1]), "quoted");
    CHECK_STR(tokenize_text(&l, &l.v[2]), "café");
    tokenize_list_free(&l);
}

/* Host of the only URL token of s ("" when there is none) and its
 * disguise. */
static const char *only_host(const char *s, tokenize_list *l, int *disguise) {
    run(s, l);
    long u = find(l, TOKENIZE_URL, 0);
    *disguise = u >= 0 ? l->v[u].disguise : -1;
    return u >= 0 && find(l, TOKENIZE_URL, 1) < 0 ? tokenize_stem(l, &l->v[u])
                                                   : "";
}

static void test_disguised_links(void) {
    tokenize_list l = {0};
    int d;
    CHECK_STR(only_host("go to site dot com now", &l, &d), "site.com");
    CHECK(d == TOKENIZE_DISGUISE_DOT);
    /* the text is the span as written: what a moderator is shown */
    CHECK_STR(tokenize_text(&l, &l.v[find(&l, TOKENIZE_URL, 0)]),
              "site dot com");
    CHECK_STR(only_host("cheapmeds(dot)net", &l, &d), "cheapmeds.net");
    CHECK(d == TOKENIZE_DISGUISE_DOT);
    CHECK_STR(only_host("at cheapmeds[.]com today", &l, &d), "cheapmeds.com");
    CHECK_STR(only_host("see x [dot] biz/offer", &l, &d), "x.biz");
    CHECK_STR(only_host("visit w w w . c h e a p . c o m now", &l, &d),
              "cheap.com");
    CHECK(d == TOKENIZE_DISGUISE_SPACED);
    /* only some labels spaced out, the others written whole */
    CHECK_STR(only_host("calc: w w w . pension-calc . c o m / free", &l, &d),
              "pension-calc.com");
    CHECK(d == TOKENIZE_DISGUISE_DOT);
    CHECK_STR(only_host("goo.gl\\xy12z", &l, &d), "goo.gl");
    CHECK(d == TOKENIZE_DISGUISE_BACKSLASH);
    CHECK_STR(only_host("[click here](http://example.biz/offer)", &l, &d),
              "example.biz");
    CHECK(d == TOKENIZE_DISGUISE_MARKDOWN);
    CHECK(find(&l, TOKENIZE_WORD, 0) >= 0); /* the link text stays words */
    CHECK_STR(only_host("plain.com is plain", &l, &d), "plain.com");
    CHECK(d == TOKENIZE_DISGUISE_NONE);
    /* prose stays prose */
    CHECK_STR(only_host("connect the dot to the line", &l, &d), "");
    CHECK_STR(only_host("a dot in the middle", &l, &d), "");
    CHECK_STR(only_host("f r e e m o n e y", &l, &d), "");
    tokenize_list_free(&l);
}

static void test_tld_shape(void) {
    tokenize_list l = {0};
    int d;
    /* any 2-letter label (country code shape) and long gTLDs */
    CHECK_STR(only_host("get it at mysite.ga", &l, &d), "mysite.ga");
    CHECK_STR(only_host("cheap at pills.casino", &l, &d), "pills.casino");
    /* any 2-3 letter label with a path behind it */
    CHECK_STR(only_host("offer at x.abc/deal", &l, &d), "x.abc");
    CHECK_STR(only_host("bit.do/abc", &l, &d), "bit.do");
    /* abbreviations, versions, sentence ends and stop words are not hosts */
    CHECK_STR(only_host("see e.g. this and i.e. that", &l, &d), "");
    CHECK_STR(only_host("version 3.5 works.great", &l, &d), "");
    CHECK_STR(only_host("i did it.so what", &l, &d), "");
    CHECK_STR(only_host("done.now we wait", &l, &d), "");
    CHECK(tokenize_is_host_tld("ga", 2, 0) && !tokenize_is_host_tld("it", 2, 0));
    CHECK(tokenize_is_host_tld("abc", 3, 1) && !tokenize_is_host_tld("abc", 3, 0));
    tokenize_list_free(&l);
}

int main(void) {
    tk = tokenize_new("english");
    UNIT_RUN(test_stop_list_sorted);
    UNIT_RUN(test_words_and_stems);
    UNIT_RUN(test_urls);
    UNIT_RUN(test_obfuscated_domains);
    UNIT_RUN(test_email_handle_phone);
    UNIT_RUN(test_spaced_letters);
    UNIT_RUN(test_apostrophes_and_unicode);
    UNIT_RUN(test_disguised_links);
    UNIT_RUN(test_tld_shape);
    tokenize_free(tk);
    return unit_report("unit");
}
