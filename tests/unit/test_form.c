/* test_form.c - unit tests for form.c (urlencoded decoding, limits, UTF-8). */
#include <stdlib.h>

#include "form.h"
#include "unit.h"

static form *parse(const char *s, form_error *e) { return form_parse(s, strlen(s), e); }

static void test_basic_pairs(void) {
    form_error e;
    form *f = parse("blog=https%3A%2F%2Fblog.example.com%2F&user_ip=1.2.3.4"
                    "&comment_content=Hello+world%21+50%25+off",
                    &e);
    CHECK(f != NULL);
    CHECK(e.code == FORM_E_OK);
    CHECK(form_count(f) == 3);
    CHECK_STR(form_get(f, "blog"), "https://blog.example.com/");
    CHECK_STR(form_get(f, "user_ip"), "1.2.3.4");
    CHECK_STR(form_get(f, "comment_content"), "Hello world! 50% off");
    CHECK(form_at(f, 2)->value_len == strlen("Hello world! 50% off"));
    CHECK_STR(form_at(f, 0)->key, "blog");
    CHECK(form_at(f, 3) == NULL);
    CHECK(form_get(f, "missing") == NULL);
    form_free(f);
}

static void test_repeated_keys(void) {
    form_error e;
    form *f = parse("comment_context%5B%5D=cooking&comment_context[]=baking&x=1"
                    "&comment_context[]=bread",
                    &e);
    CHECK(f != NULL);
    CHECK(form_count_key(f, "comment_context[]") == 3);
    CHECK_STR(form_get_nth(f, "comment_context[]", 0), "cooking");
    CHECK_STR(form_get_nth(f, "comment_context[]", 1), "baking");
    CHECK_STR(form_get_nth(f, "comment_context[]", 2), "bread");
    CHECK(form_get_nth(f, "comment_context[]", 3) == NULL);
    CHECK_STR(form_get(f, "comment_context[]"), "cooking");
    form_free(f);
}

static void test_edge_syntax(void) {
    form_error e;
    /* empty pairs skipped, key without '=' -> "", '=' inside a value kept */
    form *f = parse("&&a=1&&flag&b=x=y&=empty&", &e);
    CHECK(f != NULL);
    CHECK(form_count(f) == 4);
    CHECK_STR(form_get(f, "a"), "1");
    CHECK_STR(form_get(f, "flag"), "");
    CHECK_STR(form_get(f, "b"), "x=y");
    CHECK_STR(form_get(f, ""), "empty");
    form_free(f);
    /* malformed escapes stay literal (WHATWG), case-insensitive hex */
    f = parse("p=100%&q=%zz%4&r=%e2%82%AC&s=%", &e);
    CHECK(f != NULL);
    CHECK_STR(form_get(f, "p"), "100%");
    CHECK_STR(form_get(f, "q"), "%zz%4");
    CHECK_STR(form_get(f, "r"), "\xe2\x82\xac");
    CHECK_STR(form_get(f, "s"), "%");
    form_free(f);
    /* empty body: no fields, not an error */
    f = form_parse("", 0, &e);
    CHECK(f != NULL && form_count(f) == 0 && e.code == FORM_E_OK);
    form_free(f);
    f = form_parse(NULL, 0, &e);
    CHECK(f != NULL && form_count(f) == 0);
    form_free(f);
    form_free(NULL);
}

static void test_length_not_nul(void) {
    /* the body is length-delimited: bytes after len are not read */
    form_error e;
    const char body[] = "a=1&b=2GARBAGE";
    form *f = form_parse(body, 7, &e);
    CHECK(f != NULL && form_count(f) == 2);
    CHECK_STR(form_get(f, "b"), "2");
    form_free(f);
}

static void test_utf8(void) {
    form_error e;
    form *f = parse("comment_author=J%C3%BCrgen+%F0%9F%98%80", &e);
    CHECK(f != NULL);
    CHECK_STR(form_get(f, "comment_author"), "J\xc3\xbcrgen \xf0\x9f\x98\x80");
    form_free(f);
    /* latin-1 byte, overlong '/', surrogate, beyond U+10FFFF, truncated */
    const char *bad[] = {"comment_content=caf%E9", "x=%C0%AF", "x=%ED%A0%80",
                         "x=%F4%90%80%80", "x=%E2%82", "%FF=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        f = parse(bad[i], &e);
        CHECK(f == NULL);
        CHECK(e.code == FORM_E_INVALID_UTF8);
    }
    f = parse("comment_content=caf%E9", &e);
    CHECK(f == NULL);
    CHECK_STR(e.key, "comment_content");
    /* raw (unescaped) invalid bytes too */
    f = parse("x=\xff", &e);
    CHECK(f == NULL && e.code == FORM_E_INVALID_UTF8);
    CHECK(form_utf8_valid("", 0));
    CHECK(form_utf8_valid("\xf4\x8f\xbf\xbf", 4));  /* U+10FFFF */
    CHECK(!form_utf8_valid("\xe0\x9f\xbf", 3));     /* overlong 3-byte */
    CHECK(!form_utf8_valid("\x80", 1));
}

static void test_nul_rejected(void) {
    form_error e;
    form *f = parse("comment_content=a%00b", &e);
    CHECK(f == NULL && e.code == FORM_E_NUL);
    CHECK_STR(e.key, "comment_content");
    f = form_parse("a=b\0c", 5, &e);
    CHECK(f == NULL && e.code == FORM_E_NUL);
}

static void test_limits(void) {
    form_error e;
    /* exactly FORM_MAX_FIELDS pairs pass, one more fails */
    size_t cap = (FORM_MAX_FIELDS + 1) * 8 + 1;
    char *b = malloc(cap);
    size_t o = 0;
    for (int i = 0; i < FORM_MAX_FIELDS; i++) o += (size_t)snprintf(b + o, cap - o, "k%d=v&", i);
    form *f = form_parse(b, o, &e);
    CHECK(f != NULL && form_count(f) == FORM_MAX_FIELDS);
    form_free(f);
    o += (size_t)snprintf(b + o, cap - o, "extra=1");
    f = form_parse(b, o, &e);
    CHECK(f == NULL && e.code == FORM_E_TOO_MANY);
    free(b);
    /* key length: FORM_MAX_KEY ok, one more byte fails */
    b = malloc(FORM_MAX_KEY + 8);
    memset(b, 'k', FORM_MAX_KEY);
    memcpy(b + FORM_MAX_KEY, "=1", 3);
    f = parse(b, &e);
    CHECK(f != NULL);
    form_free(f);
    memset(b, 'k', FORM_MAX_KEY + 1);
    memcpy(b + FORM_MAX_KEY + 1, "=1", 3);
    f = parse(b, &e);
    CHECK(f == NULL && e.code == FORM_E_KEY_TOO_LONG);
    free(b);
    /* value length is measured decoded: "%41" counts as one byte */
    size_t n = FORM_MAX_VALUE;
    b = malloc(3 * n + 16);
    memcpy(b, "v=", 2);
    for (size_t i = 0; i < n; i++) memcpy(b + 2 + 3 * i, "%41", 3);
    b[2 + 3 * n] = 0;
    f = parse(b, &e);
    CHECK(f != NULL && form_at(f, 0)->value_len == n);
    form_free(f);
    memcpy(b + 2 + 3 * n, "A", 2);
    f = parse(b, &e);
    CHECK(f == NULL && e.code == FORM_E_TOO_LONG);
    CHECK_STR(e.key, "v");
    free(b);
}

int main(void) {
    UNIT_RUN(test_basic_pairs);
    UNIT_RUN(test_repeated_keys);
    UNIT_RUN(test_edge_syntax);
    UNIT_RUN(test_length_not_nul);
    UNIT_RUN(test_utf8);
    UNIT_RUN(test_nul_rejected);
    UNIT_RUN(test_limits);
    return unit_report("form");
}
