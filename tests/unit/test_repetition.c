/* test_repetition.c - unit tests for repetition.c. */
#include "repetition.h"

#include <string.h>

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
    /* stretched letters are style (below REPETITION_CONFIDENT); one letter
     * held for the whole text is confident */
    double z25 = rep(tk, "zzzzzzzzzzzzzzzzzzzzzzzzz");
    CHECK(z25 > 0 && z25 < REPETITION_CONFIDENT);
    char z100[101];
    memset(z100, 'z', 100);
    z100[100] = 0;
    CHECK(rep(tk, z100) >= REPETITION_CONFIDENT);
    double so = rep(tk, "I love this sooooooooooooooooooooooooooooooo much");
    CHECK(so > 0 && so < REPETITION_CONFIDENT);
    CHECK(rep(tk, "I love this soooooo much") == 0);
    /* one word x40 is confident; a word four times in eight is mild */
    char w40[40 * 6 + 1] = "";
    for (int i = 0; i < 40; i++) strcat(w40, "spam ");
    CHECK(rep(tk, w40) >= REPETITION_CONFIDENT);
    double mild = rep(tk, "tea tea tea tea with milk and two sugars");
    CHECK(mild > 0 && mild < REPETITION_CONFIDENT);
    CHECK(rep(tk, "free free free free free free free free stuff") >= 0.5);
    CHECK(rep(tk, "click now click now click now click now click now click "
                  "now click now") >= 0.5);
    CHECK(rep(tk, "When the reservoirs fell last summer our street organised "
                  "a rota for watering the shared orchard at night, and the "
                  "trees survived without using much water at all.") == 0);
    tokenize_free(tk);
}

/* The tables are reused from call to call (the thread's scratch): a long
 * repetitive text, then short and prose ones, each measure as on their
 * own. */
static void test_reuse(void) {
    tokenizer *tk = tokenize_new("english");
    const char *prose = "When the reservoirs fell last summer our street organised a "
                        "rota for watering the shared orchard at night.";
    const char *mild = "tea tea tea tea with milk and two sugars";
    double p0 = rep(tk, prose), m0 = rep(tk, mild);
    static char big[5000 * 5 + 1];
    big[0] = 0;
    for (int i = 0; i < 5000; i++) strcat(big, "spam ");
    CHECK(rep(tk, big) >= REPETITION_CONFIDENT);
    CHECK(p0 == 0 && rep(tk, prose) == 0);
    CHECK(m0 > 0 && rep(tk, mild) == m0);
    CHECK(rep(tk, big) >= REPETITION_CONFIDENT && rep(tk, mild) == m0);
    tokenize_free(tk);
}

/* A held letter counts wherever it stands: at the start, in the middle and
 * in the last bytes of the text (which the scan for three in a row reads
 * one at a time), and only from REPETITION_MIN_RUN on. */
static void test_run_anywhere(void) {
    tokenizer *tk = tokenize_new("english");
    const char *abc = "abcdefghijklmnoprstuvwxyz"; /* no 'q', no repeat */
    for (size_t off = 0; off <= 24; off++) {
        for (size_t run = REPETITION_MIN_RUN - 1; run <= REPETITION_MIN_RUN; run++) {
            char s[64];
            size_t n = 0;
            memcpy(s, abc, off);
            n = off;
            memset(s + n, 'q', run);
            n += run;
            memcpy(s + n, abc + off, 24 - off);
            n += 24 - off;
            s[n] = '\0';
            double r = rep(tk, s);
            CHECK(run < REPETITION_MIN_RUN ? r == 0 : r > 0);
        }
    }
    tokenize_free(tk);
}

int main(void) {
    UNIT_RUN(test_repetition);
    UNIT_RUN(test_run_anywhere);
    UNIT_RUN(test_reuse);
    return unit_report("unit");
}
