/* test_learn.c - the classifier math, link hosts and reputation (learn.c). */
#include "learn.h"

#include <stdint.h>
#include <string.h>

#include "unit.h"

static void token_prob(void) {
    /* unseen tokens say nothing */
    CHECK_NEAR(learn_token_prob(0, 0, 10, 10), 0.5, 1e-12);
    /* once in 1 spam of 1, never in ham: (0.45*0.5 + 1*1) / 1.45 */
    CHECK_NEAR(learn_token_prob(1, 0, 1, 1), (0.225 + 1.0) / 1.45, 1e-9);
    /* more evidence moves f further from 0.5 */
    CHECK(learn_token_prob(6, 0, 6, 6) > learn_token_prob(1, 0, 6, 6));
    CHECK(learn_token_prob(0, 6, 6, 6) < 0.05);
    /* equal rates: 0.5 whatever the counts */
    CHECK_NEAR(learn_token_prob(3, 3, 6, 6), 0.5, 1e-12);
    /* rates, not raw counts: 2 of 2 spam vs 2 of 20 ham leans spam */
    CHECK(learn_token_prob(2, 2, 2, 20) > 0.8);
}

static void chi2q(void) {
    CHECK_NEAR(learn_chi2q(0, 2), 1.0, 1e-12);
    CHECK_NEAR(learn_chi2q(2, 2), exp(-1.0), 1e-12); /* Q(x|2) = e^(-x/2) */
    /* Q(x|4) = e^(-x/2)(1 + x/2) */
    CHECK_NEAR(learn_chi2q(3, 4), exp(-1.5) * 2.5, 1e-12);
    CHECK(learn_chi2q(10, 4) < learn_chi2q(5, 4));
    CHECK(learn_chi2q(1e6, 300) >= 0 && learn_chi2q(1e6, 300) < 1e-9);
}

static void classify(void) {
    uint32_t spam[5] = {8, 8, 7, 9, 0}, ham[5] = {0, 0, 1, 0, 0};
    size_t clues = 99;
    /* below min decisions: abstain */
    CHECK(learn_classify(spam, ham, 5, 9, 9, 20, &clues) < 0);
    CHECK(clues == 0);
    /* one class never seen: abstain (every known token would look like it) */
    CHECK(learn_classify(spam, ham, 5, 10, 0, 5, NULL) < 0);
    double p = learn_classify(spam, ham, 5, 10, 10, 20, &clues);
    CHECK(clues == 4); /* the unseen fifth token is no clue */
    CHECK(p > 0.95 && p <= 1.0);
    /* the mirror image is ham */
    double q = learn_classify(ham, spam, 5, 10, 10, 20, NULL);
    CHECK(q >= 0 && q < 0.05);
    CHECK_NEAR(p + q, 1.0, 1e-9);
    /* fewer than LEARN_MIN_CLUES clues: abstain */
    uint32_t s2[3] = {9, 9, 0}, h2[3] = {0, 0, 0};
    CHECK(learn_classify(s2, h2, 3, 10, 10, 1, &clues) < 0 && clues == 2);
    /* balanced evidence stays unsure */
    uint32_t s3[4] = {9, 9, 0, 0}, h3[4] = {0, 0, 9, 9};
    double u = learn_classify(s3, h3, 4, 10, 10, 1, NULL);
    CHECK(u > 0.4 && u < 0.6);
    /* NULL arrays are all-zero counts: no clues */
    CHECK(learn_classify(NULL, NULL, 4, 10, 10, 1, &clues) < 0 && clues == 0);
}

/* learn_can_vote is exactly the token-independent part of abstaining: the
 * comment look-up skips the token counts when it says no, so with tokens
 * that would give a verdict, classify must vote iff can_vote says yes. */
static void can_vote_matches_classify(void) {
    uint32_t spam[5] = {8, 8, 7, 9, 0}, ham[5] = {0, 0, 1, 0, 0};
    const uint32_t totals[] = {0, 1, 2, 9, 10, 11, 19, 20, 21, 1000};
    const unsigned long mins[] = {0, 1, 2, 19, 20, 21, 40};
    int checked = 0, voted = 0;
    for (size_t a = 0; a < sizeof totals / sizeof *totals; a++)
        for (size_t b = 0; b < sizeof totals / sizeof *totals; b++)
            for (size_t m = 0; m < sizeof mins / sizeof *mins; m++) {
                uint32_t ns = totals[a] < 9 ? 9 : totals[a], nh = totals[b];
                int can = learn_can_vote(ns, nh, mins[m]);
                double p = learn_classify(spam, ham, 5, ns, nh, mins[m], NULL);
                CHECK(can == (p >= 0));
                checked++;
                voted += can;
            }
    CHECK(checked == 700 && voted > 0 && voted < checked);
    CHECK(learn_can_vote(10, 10, 20) && !learn_can_vote(10, 9, 20));
    CHECK(!learn_can_vote(0, 50, 1) && !learn_can_vote(50, 0, 1));
    CHECK(learn_can_vote(UINT32_MAX, UINT32_MAX, 1000000)); /* no overflow */
}

static void classify_caps_clues(void) {
    /* more tokens than LEARN_MAX_CLUES: only the strongest count, and a
     * flood of weak ham clues cannot outvote strong spam ones */
    enum { N = 400 };
    static uint32_t sp[N], hm[N];
    for (int i = 0; i < N; i++) {
        sp[i] = i < 200 ? 20 : 1;
        hm[i] = i < 200 ? 0 : 2;
    }
    size_t clues = 0;
    double p = learn_classify(sp, hm, N, 20, 20, 1, &clues);
    CHECK(clues == LEARN_MAX_CLUES);
    CHECK(p > 0.9);
}

static void link_domains(void) {
    char out[LEARN_MAX_DOMAINS][LEARN_DOMAIN_LEN];
    const char *t = "see http://WWW.Cheap-Pills.example/buy/now.com and www.foo.com, "
                    "or bar.org. again https://cheap-pills.example?x=1 e.g. node.js";
    size_t n = learn_link_domains(t, strlen(t), out, LEARN_MAX_DOMAINS);
    CHECK(n == 3);
    CHECK_STR(out[0], "cheap-pills.example"); /* scheme URLs need no known TLD */
    CHECK_STR(out[1], "foo.com");
    CHECK_STR(out[2], "bar.org"); /* bare, sentence-final dot dropped */
    /* the cap holds */
    const char *many = "a.com b.com c.com d.com e.com f.com g.com h.com i.com j.com";
    CHECK(learn_link_domains(many, strlen(many), out, LEARN_MAX_DOMAINS) == LEARN_MAX_DOMAINS);
    CHECK(learn_link_domains("no links here.", 14, out, LEARN_MAX_DOMAINS) == 0);
    CHECK(learn_link_domains("", 0, out, LEARN_MAX_DOMAINS) == 0);
}

static void url_host(void) {
    char h[LEARN_DOMAIN_LEN];
    CHECK(learn_url_host("https://user@Www.Example.COM:8080/x?y", h, sizeof h) == 0);
    CHECK_STR(h, "example.com");
    CHECK(learn_url_host("blog.example.org/about", h, sizeof h) == 0);
    CHECK_STR(h, "blog.example.org");
    CHECK(learn_url_host("http://localhost/", h, sizeof h) < 0 && h[0] == 0);
    CHECK(learn_url_host("not a url", h, sizeof h) < 0);
    CHECK(learn_url_host(NULL, h, sizeof h) < 0);
}

static void reputation(void) {
    learn_rep_result r;
    learn_reputation(NULL, 0, 3, &r);
    CHECK(r.reputation == 0 && !r.trusted && r.evidence[0] == 0);

    /* one rejected spam: the author's next comment reaches review (0.5) */
    learn_rep_entry a1[] = {{LEARN_REP_AUTHOR, "x@example.org", 1, 0}};
    learn_reputation(a1, 1, 3, &r);
    CHECK_NEAR(r.reputation, 0.5, 1e-12);
    CHECK(strstr(r.evidence, "author: 1 rejected as spam, 0 approved") != NULL);
    CHECK(strstr(r.evidence, "x@example.org") == NULL); /* personal data stays out */

    /* IP and domain weigh less; the worst identity counts */
    learn_rep_entry a2[] = {{LEARN_REP_AUTHOR, "a", 0, 0},
                            {LEARN_REP_IP, "10.0.0.1", 1, 0},
                            {LEARN_REP_DOMAIN, "spam.example", 2, 0}};
    learn_reputation(a2, 3, 3, &r);
    CHECK_NEAR(r.reputation, 0.9 * 0.75, 1e-12);
    CHECK(strstr(r.evidence, "domain spam.example: 2 rejected") != NULL);
    CHECK(strstr(r.evidence, "IP address: 1 rejected") != NULL);
    CHECK(strstr(r.evidence, "10.0.0.1") == NULL);

    /* approvals dilute: 1 spam among 19 approvals is noise */
    learn_rep_entry a3[] = {{LEARN_REP_AUTHOR, "a", 1, 19}};
    learn_reputation(a3, 1, 3, &r);
    CHECK(r.reputation == 0 && !r.trusted); /* not trusted either: had spam */

    /* many rejections approach but never reach certainty */
    learn_rep_entry a4[] = {{LEARN_REP_AUTHOR, "a", 40, 0}};
    learn_reputation(a4, 1, 3, &r);
    CHECK_NEAR(r.reputation, LEARN_REP_MAX, 1e-12);

    /* trusted after trust_after approvals, more trust with more */
    learn_rep_entry t1[] = {{LEARN_REP_AUTHOR, "a", 0, 2}};
    learn_reputation(t1, 1, 3, &r);
    CHECK(r.reputation == 0 && !r.trusted && r.author_ham == 2);
    t1[0].ham = 3;
    learn_reputation(t1, 1, 3, &r);
    CHECK(r.trusted && r.author_ham == 3);
    CHECK_NEAR(r.reputation, -0.5, 1e-12);
    CHECK(strstr(r.evidence, "author: 3 approved") != NULL);
    t1[0].ham = 6;
    learn_reputation(t1, 1, 3, &r);
    CHECK_NEAR(r.reputation, -1.0, 1e-12);
    t1[0].ham = 100;
    learn_reputation(t1, 1, 3, &r);
    CHECK_NEAR(r.reputation, -1.0, 1e-12); /* the engine's discount floor */

    /* a trusted author posting from a spam-tainted domain is not discounted */
    learn_rep_entry t2[] = {{LEARN_REP_AUTHOR, "a", 0, 5}, {LEARN_REP_DOMAIN, "bad.example", 3, 0}};
    learn_reputation(t2, 2, 3, &r);
    CHECK(r.reputation > 0.7 && !r.trusted);
}

int main(void) {
    UNIT_RUN(token_prob);
    UNIT_RUN(chi2q);
    UNIT_RUN(classify);
    UNIT_RUN(can_vote_matches_classify);
    UNIT_RUN(classify_caps_clues);
    UNIT_RUN(link_domains);
    UNIT_RUN(url_host);
    UNIT_RUN(reputation);
    return unit_report("learn");
}
