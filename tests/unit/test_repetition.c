/* test_repetition.c - unit tests for repetition.c. */
#include "repetition.h"
#include "unit.h"
#include "unit_text.h"

static double rep(tokenizer *tk, const char *s) {
    tokenize_list l = {0};
    char *n = unit_text(tk, s, &l, NULL);
    score_signal sig;
    CHECK(n && repetition_check(n, strlen(n), &l, -1, &sig) == 0);
    free(n);
    tokenize_list_free(&l);
    return sig.signal;
}

static void test_repetition(void) {
    tokenizer *tk = tokenize_new("english");
    CHECK(rep(tk, "zzzzzzzzzzzzzzzzzzzzzzzzz") >= 0.5);
    CHECK(rep(tk, "I love this soooooo much") == 0);
    CHECK(rep(tk, "free free free free free free free free stuff") >= 0.5);
    CHECK(rep(tk, "click now click now click now click now click now click "
                  "now click now") >= 0.5);
    CHECK(rep(tk, "When the reservoirs fell last summer our street organised "
                  "a rota for watering the shared orchard at night, and the "
                  "trees survived without using much water at all.") == 0);
    tokenize_free(tk);
}

int main(void) {
    UNIT_RUN(test_repetition);
    return unit_report("unit");
}
