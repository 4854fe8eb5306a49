/* unit.h - a tiny unit-test harness shared by tests/unit/test_*.c.
 *
 * Each test binary defines test functions, lists them in main() with
 * UNIT_RUN(fn), and returns unit_report(). Output: one "ok"/"FAIL" line per
 * test and a final "unit: N passed, N failed" line that tests/run_all.sh sums.
 */
#ifndef MODQ_UNIT_H
#define MODQ_UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_cur_failed;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__,         \
                    __LINE__, #cond);                                        \
            unit_cur_failed = 1;                                             \
        }                                                                    \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *a_ = (a), *b_ = (b);                                     \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                             \
            fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__,         \
                    __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)");       \
            unit_cur_failed = 1;                                             \
        }                                                                    \
    } while (0)

#define CHECK_NEAR(a, b, eps) CHECK(fabs((double)(a) - (double)(b)) <= (eps))

#define UNIT_RUN(fn)                                                         \
    do {                                                                     \
        unit_cur_failed = 0;                                                 \
        fn();                                                                \
        if (unit_cur_failed) {                                               \
            unit_failed++;                                                   \
            printf("FAIL %s\n", #fn);                                        \
        } else {                                                             \
            unit_passed++;                                                   \
            printf("ok   %s\n", #fn);                                        \
        }                                                                    \
    } while (0)

static inline int unit_report(const char *suite) {
    printf("%s: %d passed, %d failed\n", suite, unit_passed, unit_failed);
    return unit_failed ? 1 : 0;
}

#endif
