/* test_normalize.c - unit tests for normalize.c. */
#include <stdlib.h>

#include "normalize.h"
#include "unit.h"

/* Normalises s; returns a new string or NULL on error (code in *code). */
static char *norm(const char *s, size_t n, normalize_stats *st, int *code) {
    char *out = NULL;
    size_t len = 0;
    engine_error err = {0};
    normalize_stats dummy;
    int rc = normalize_text(s, n, &out, &len, st ? st : &dummy, &err);
    if (code)
        *code = err.code;
    if (rc == 0)
        CHECK(len == strlen(out));
    return rc == 0 ? out : NULL;
}

static void expect(const char *in, const char *want) {
    char *got = norm(in, strlen(in), NULL, NULL);
    CHECK_STR(got, want);
    free(got);
}

static void test_fullwidth_and_case(void) {
    expect("\xEF\xBC\xB6\xEF\xBD\x89\xEF\xBD\x81\xEF\xBD\x87\xEF\xBD\x92\xEF\xBD\x81",
           "viagra"); /* Ｖｉａｇｒａ */
    expect("HeLLo WORLD", "hello world");
    expect("Stra\xC3\x9F" "e", "strasse"); /* ß case-folds to ss */
}

static void test_invisible_removed(void) {
    expect("v\xE2\x80\x8Biagra", "viagra");          /* U+200B */
    expect("vi\xC2\xAD" "ag\xE2\x80\x8Dra", "viagra"); /* soft hyphen, ZWJ */
    expect("\xEF\xBB\xBFhello", "hello");             /* BOM */
    expect("a\xE2\x81\xA0" "b", "ab");                /* word joiner */
}

static void test_homoglyphs(void) {
    expect("vi\xD0\xB0gra", "viagra");            /* Cyrillic а inside Latin */
    expect("\xD1\x80\xD0\xB0y\xD1\x80\xD0\xB0l", "paypal"); /* рaypal mix */
    /* a genuinely Russian text keeps its letters */
    const char *ru = "\xD1\x81\xD0\xBE\xD1\x80 \xD0\xB8 \xD0\xB2\xD0\xBE\xD0\xB4\xD0\xB0";
    char *got = norm(ru, strlen(ru), NULL, NULL);
    CHECK(got && strstr(got, "\xD0\xB2\xD0\xBE\xD0\xB4\xD0\xB0") != NULL);
    free(got);
    CHECK(normalize_homoglyph(0x043E) == 'o');
    CHECK(normalize_homoglyph('o') == 0);
}

static void test_small_capitals(void) {
    /* a whole text in small capitals (no Latin letter beside it) */
    expect("\xE1\xB4\x85\xE1\xB4\x87\xE1\xB4\x98\xE1\xB4\x8F\xEA\x9C\xB1\xC9\xAA"
           "\xE1\xB4\x9B\xE1\xB4\x87\xE1\xB4\x85 $500", "deposited $500");
    /* inside a word of plain letters, and q (U+A7AF) */
    expect("c\xCA\x80ypto \xEA\x9E\xAFuick", "crypto quick");
    /* a turned or reversed small capital is a phonetic symbol: kept */
    expect("\xE1\xB4\x9A", "\xE1\xB4\x9A");
}

static void test_entities_and_tags(void) {
    expect("&quot;hi&quot; &amp; bye", "\"hi\" & bye");
    expect("it&#39;s &#x27;ok&#x27;", "it's 'ok'");
    expect("a &bogus; b", "a &bogus; b");
    expect("<p>Hello</p><p>world</p>", "hello world");
    expect("<b>via</b>gra", "viagra");
    expect("1 < 2 and 3 > 2", "1 < 2 and 3 > 2");
    normalize_stats st;
    const char *a = "see <a href=\"http://spam.example.com/x\">here</a> now";
    char *got = norm(a, strlen(a), &st, NULL);
    CHECK(got && strstr(got, "http://spam.example.com/x") != NULL);
    CHECK(got && strstr(got, "href") == NULL);
    CHECK(st.markup_links == 1);
    free(got);
    /* an anchor around a picture shows something, promotes nothing */
    const char *img = "me <a href=\"http://pics.example.com\"> <img "
                      "src=\"http://pics.example.com/1.jpg\"></a> ok";
    got = norm(img, strlen(img), &st, NULL);
    CHECK(got && strstr(got, "pics.example.com") == NULL);
    CHECK(st.markup_links == 0 && st.image_links == 1);
    free(got);
    const char *bb = "[url=http://x.biz]cheap[/url]";
    got = norm(bb, strlen(bb), &st, NULL);
    CHECK(got && strstr(got, "http://x.biz") != NULL && strstr(got, "[url") == NULL);
    CHECK(st.markup_links == 1);
    free(got);
}

static void test_whitespace(void) {
    expect("  a \t\n  b\r\n", "a b");
    expect("a\xC2\xA0\xE2\x80\x83" "b", "a b"); /* nbsp, em space */
    expect("", "");
}

static void test_invalid_utf8_rejected(void) {
    int code = 0;
    CHECK(norm("ab\xFF", 3, NULL, &code) == NULL);
    CHECK(code == ENGINE_E_INVALID_UTF8);
    code = 0;
    CHECK(norm("\xC3\x28", 2, NULL, &code) == NULL); /* bad continuation */
    CHECK(code == ENGINE_E_INVALID_UTF8);
    CHECK(norm("\xED\xA0\x80", 3, NULL, &code) == NULL); /* surrogate */
}

static void test_stats(void) {
    normalize_stats st;
    const char *s = "STOP THIS now!!!!! \xF0\x9F\x94\xA5";
    char *got = norm(s, strlen(s), &st, NULL);
    CHECK(got != NULL);
    CHECK(st.letters == 11);
    CHECK(st.upper == 8);
    CHECK(st.max_punct_run == 5);
    CHECK(st.emoji == 1);
    free(got);
}

/* The one-pass ASCII path (8 bytes of words and single spaces at a time
 * where it can) gives what the general path gives for the same text
 * with an invisible U+200B behind it, which sends it there: the same
 * output and counts, over random texts of words, capitals, runs of
 * spaces, line breaks, tabs, controls and "!?.". */
static void test_ascii_as_general(void) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz     ABZ\n\t\r!?.,'\x01\x7f";
    uint64_t x = 0x2545f4914f6cdd1dULL;
    char in[300], in2[304];
    for (int round = 0; round < 3000; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = (size_t)(x % 280), plain = (size_t)(x >> 40) % 3;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* mostly words and single spaces, sometimes anything */
            size_t k = plain ? (x >> 20) % 32 : (x >> 20) % (sizeof alphabet - 1);
            in[i] = alphabet[k];
        }
        memcpy(in2, in, n);
        memcpy(in2 + n, "\xE2\x80\x8B", 3); /* U+200B */
        normalize_stats a, b;
        char *fast = norm(in, n, &a, NULL), *general = norm(in2, n + 3, &b, NULL);
        CHECK(fast && general);
        if (!fast || !general) {
            free(fast);
            free(general);
            return;
        }
        CHECK_STR(fast, general);
        CHECK(a.letters == b.letters && a.upper == b.upper && a.max_punct_run == b.max_punct_run);
        free(fast);
        free(general);
    }
}

/* Code points in a compatibility style are counted; plain letters,
 * accents and emoji are not. */
static void test_styled_counted(void) {
    static const struct {
        const char *in;
        size_t styled;
    } rows[] = {
        {"plain ascii www.example.com", 0},
        {"caf\xC3\xA9 \xF0\x9F\x94\xA5", 0},                     /* café 🔥 */
        {"\xEF\xBD\x97\xEF\xBD\x97\xEF\xBD\x97\xEF\xBC\x8E", 4}, /* ｗｗｗ． */
        {"\xF0\x9D\x90\x8C\xF0\x9D\x90\x9E x", 2},             /* 𝐌𝐞 x */
        {"\xE2\x93\x90\xE2\x93\x91", 2},                         /* ⓐⓑ */
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        normalize_stats st;
        char *got = norm(rows[i].in, strlen(rows[i].in), &st, NULL);
        CHECK(got != NULL);
        CHECK(st.styled == rows[i].styled);
        free(got);
    }
}

int main(void) {
    UNIT_RUN(test_fullwidth_and_case);
    UNIT_RUN(test_invisible_removed);
    UNIT_RUN(test_homoglyphs);
    UNIT_RUN(test_small_capitals);
    UNIT_RUN(test_entities_and_tags);
    UNIT_RUN(test_whitespace);
    UNIT_RUN(test_invalid_utf8_rejected);
    UNIT_RUN(test_stats);
    UNIT_RUN(test_ascii_as_general);
    UNIT_RUN(test_styled_counted);
    return unit_report("unit");
}
