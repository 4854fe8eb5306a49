/* test_review_context.c - what a review item shows moderators of a
 * commenter (masked IP and e-mail) and the words a text search matches. */
#include <string.h>

#include "api_review_private.h"
#include "unit.h"

static void test_ips_are_masked(void) {
    static const char *const cases[][2] = {
        {"203.0.113.77", "203.0.113.x"},
        {"10.0.0.1", "10.0.0.x"},
        {"2001:db8:85a3::8a2e:370:7334", "2001:db8::x"},
        {"2001:db8::1", "2001:db8::x"},
        {"2001::1", "2001::x"},
        {"::1", "::x"},
        {"fe80:0:0:0:1:2:3:4", "fe80:0::x"},
        {"localhost", "x"},
        {"", ""},
    };
    char out[80];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_review_mask_ip(cases[i][0], out, sizeof out);
        CHECK_STR(out, cases[i][1]);
    }
    api_review_mask_ip(NULL, out, sizeof out);
    CHECK_STR(out, "");
}

static void test_emails_are_masked(void) {
    static const char *const cases[][2] = {
        {"jane.doe@example.org", "j***@example.org"},
        {"a@b.example", "a***@b.example"},
        {"\xc3\xa9lodie@example.fr", "\xc3\xa9***@example.fr"}, /* a whole first character */
        {"odd@name@example.org", "o***@example.org"},
        {"@example.org", "***"},
        {"no-at-sign", "***"},
        {"", ""},
    };
    char out[80];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        api_review_mask_email(cases[i][0], out, sizeof out);
        CHECK_STR(out, cases[i][1]);
    }
    /* never longer than the buffer */
    char small[6];
    api_review_mask_email("jane@example.org", small, sizeof small);
    CHECK(strlen(small) == 5);
}

typedef struct words {
    char all[512];
} words;

static int collect(const char *w, size_t len, void *arg) {
    words *x = arg;
    size_t n = strlen(x->all);
    snprintf(x->all + n, sizeof x->all - n, "%s%.*s", n ? "|" : "", (int)len, w);
    return 0;
}

static void test_words_of_a_text(void) {
    static const char *const cases[][2] = {
        {"Bicycle LANES, everywhere!", "bicycle|lanes|everywhere"},
        {"see http://promo0.example/deal", "see|http|promo0|example|deal"},
        {"caf\xc3\xa9 au lait", "caf\xc3\xa9|au|lait"}, /* non-ASCII bytes are word bytes */
        {"  --  ", ""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        words x = {{0}};
        CHECK(api_review_words(cases[i][0], collect, &x) == 0);
        CHECK_STR(x.all, cases[i][1]);
    }
}

static int stop_at_second(const char *w, size_t len, void *arg) {
    (void)w;
    (void)len;
    return ++*(int *)arg == 2 ? 7 : 0;
}

static void test_words_stop_when_asked(void) {
    int n = 0;
    CHECK(api_review_words("one two three", stop_at_second, &n) == 7 && n == 2);
}

int main(void) {
    UNIT_RUN(test_ips_are_masked);
    UNIT_RUN(test_emails_are_masked);
    UNIT_RUN(test_words_of_a_text);
    UNIT_RUN(test_words_stop_when_asked);
    return unit_report("review_context");
}
