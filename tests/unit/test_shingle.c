/* test_shingle.c - unit tests for shingle.c. */
#include "shingle.h"
#include "unit.h"
#include "unit_text.h"

static void test_set(void) {
    shingle_set s;
    CHECK(shingle_set_init(&s, 2) == 0);
    for (uint64_t i = 0; i < 1000; i++)
        CHECK(shingle_set_add(&s, i * 7919) == 1);
    CHECK(shingle_set_add(&s, 7919) == 0);
    CHECK(s.n == 1000);
    CHECK(shingle_set_has(&s, 0) && shingle_set_has(&s, 999 * 7919));
    CHECK(!shingle_set_has(&s, 3));
    shingle_set_free(&s);
}

static void test_copied(void) {
    tokenizer *tk = tokenize_new("english");
    tokenize_list art = {0}, c = {0};
    char *na = unit_text(tk, "Officials said talks stalled. The newspaper indicated "
                             "that it may take weeks or months before Washington "
                             "announces a decision.", &art, NULL);
    shingle_set s;
    CHECK(shingle_set_init(&s, 16) == 0);
    CHECK(shingle_add_all(&s, &art, SHINGLE_COPY_K) == 0);
    shingle_copy cp;
    char *nc = unit_text(tk, "The newspaper indicated that it may take weeks or "
                             "months before Washington", &c, NULL);
    CHECK(shingle_copied(&c, &s, &cp) == 0);
    CHECK(cp.words == 12 && cp.covered == 12 && cp.run_words == 12);
    CHECK(cp.run_off == 0 && cp.run_len == strlen(nc));
    free(nc);
    nc = unit_text(tk, "I think it may take weeks or months before anything "
                       "changes, and my business cannot wait that long at all.",
                   &c, NULL);
    CHECK(shingle_copied(&c, &s, &cp) == 0);
    CHECK(cp.covered == 7); /* "it may take weeks or months before" */
    CHECK(cp.words == 20 && cp.covered * 2 < cp.words);
    free(nc);
    free(na);
    shingle_set_free(&s);
    tokenize_list_free(&art);
    tokenize_list_free(&c);
    tokenize_free(tk);
}

int main(void) {
    UNIT_RUN(test_set);
    UNIT_RUN(test_copied);
    return unit_report("unit");
}
