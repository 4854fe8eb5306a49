/* test_span.c - locating an engine quote in the text as posted, as a
 * case table: exact quote (ASCII case ignored), words in a row across
 * other separators, comma-separated parts, code point offsets. */
#include <string.h>

#include "span.h"
#include "unit.h"

typedef struct {
    const char *text, *evidence;
    size_t n;              /* ranges expected */
    size_t want[3][2];     /* [begin, end) in code points */
} scase;

static const scase CASES[] = {
    {"You are an IDIOT, a real idiot.", "idiot", 2, {{11, 16}, {25, 30}}},
    {"idiots everywhere", "idiot", 1, {{0, 5}}},                     /* a quote, not a word */
    {"you stupid   MORON!!", "stupid moron", 1, {{4, 18}}},          /* spaces collapsed */
    {"Ünï you stupid   MORON!!", "stupid moron", 1, {{8, 22}}},      /* code points, not bytes */
    {"shut-up you fool", "shut up you fo", 1, {{0, 14}}},            /* last word cut short */
    {"not a loser; nor a jerk", "loser, jerk", 2, {{6, 11}, {19, 23}}}, /* a word list */
    {"unshut-up", "shut up", 0, {{0, 0}}},                           /* words: on a word start */
    {"shutter-up", "shut up", 0, {{0, 0}}},                          /* an inner word must end */
    {"abc", "x", 0, {{0, 0}}},                                       /* too short to mark */
    {"abc", "", 0, {{0, 0}}},
    {"abc", "  ", 0, {{0, 0}}},
};

static void test_cases(void) {
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const scase *c = &CASES[i];
        span_list sp;
        sp.n = 0;
        span_locate(c->text, strlen(c->text), c->evidence, strlen(c->evidence), 0.5, &sp);
        span_sort(&sp);
        if (sp.n != c->n) fprintf(stderr, "  case %zu: %zu ranges\n", i, sp.n);
        CHECK(sp.n == c->n);
        for (size_t k = 0; k < sp.n && k < c->n; k++) {
            CHECK(span_code_points(c->text, sp.s[k].begin) == c->want[k][0]);
            CHECK(span_code_points(c->text, sp.s[k].end) == c->want[k][1]);
            CHECK(sp.s[k].score == 0.5);
        }
    }
}

/* A range is kept once, with its largest score; the set is bounded. */
static void test_add_keeps_one_range_once(void) {
    span_list sp;
    sp.n = 0;
    span_add(&sp, 3, 7, 0.2);
    span_add(&sp, 3, 7, 0.9);
    span_add(&sp, 3, 7, 0.4);
    CHECK(sp.n == 1 && sp.s[0].score == 0.9);
    for (size_t i = 0; i < 2 * SPANS_MAX; i++) span_add(&sp, i + 10, i + 11, 0.1);
    CHECK(sp.n == SPANS_MAX);
}

/* Ordered by begin, then end. */
static void test_sort(void) {
    span_list sp;
    sp.n = 0;
    span_add(&sp, 9, 12, 0.1);
    span_add(&sp, 2, 8, 0.1);
    span_add(&sp, 2, 4, 0.1);
    span_sort(&sp);
    CHECK(sp.s[0].begin == 2 && sp.s[0].end == 4);
    CHECK(sp.s[1].begin == 2 && sp.s[1].end == 8);
    CHECK(sp.s[2].begin == 9);
}

int main(void) {
    UNIT_RUN(test_cases);
    UNIT_RUN(test_add_keeps_one_range_once);
    UNIT_RUN(test_sort);
    return unit_report("test_span");
}
