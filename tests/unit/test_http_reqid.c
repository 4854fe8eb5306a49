/* test_http_reqid.c - which X-Request-Id values are kept, and the form of a
 * generated one, as a case table. */
#include <string.h>

#include "http.h"
#include "unit.h"

typedef struct {
    const char *given; /* NULL: no header */
    int kept;
} idcase;

static char longest[HTTP_REQID_MAX + 1], too_long[HTTP_REQID_MAX + 2];

static void test_cases(void) {
    memset(longest, 'a', HTTP_REQID_MAX);
    memset(too_long, 'a', HTTP_REQID_MAX + 1);
    const idcase CASES[] = {
        {"abc", 1},
        {"4bf92f3577b34da6a3ce929d0e0e4736", 1},
        {"00-4bf92f3577b34da6-00f067aa0ba902b7-01", 1},
        {"with space and ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", 1},
        {longest, 1},
        {too_long, 0},
        {"", 0},
        {NULL, 0},
        {"tab\there", 0},
        {"line\nbreak", 0},
        {"del\x7f", 0},
        {"caf\xc3\xa9", 0},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        char out[HTTP_REQID_MAX + 1];
        CHECK(http_reqid_valid(CASES[i].given) == CASES[i].kept);
        http_reqid_pick(CASES[i].given, out);
        if (CASES[i].kept) {
            CHECK_STR(out, CASES[i].given);
        } else {
            CHECK(strlen(out) == 32);
            CHECK(strspn(out, "0123456789abcdef") == 32);
        }
    }
}

/* Two generated ids differ (128 random bits). */
static void test_generated_ids_differ(void) {
    char a[HTTP_REQID_MAX + 1], b[HTTP_REQID_MAX + 1];
    http_reqid_pick(NULL, a);
    http_reqid_pick("", b);
    CHECK(strcmp(a, b) != 0);
    CHECK(http_reqid_valid(a) && http_reqid_valid(b));
}

int main(void) {
    UNIT_RUN(test_cases);
    UNIT_RUN(test_generated_ids_differ);
    return unit_report("test_http_reqid");
}
