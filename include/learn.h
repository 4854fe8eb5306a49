/* learn.h - learning from moderators' decisions: the pure math.
 *
 * learn owns the per-site token classifier (Robinson's per-token spam
 * probabilities combined with Fisher's chi-square method, the "naive Bayes"
 * of SpamBayes), the author/IP/domain reputation formula and the extraction
 * of link hosts used as tokens and reputation keys. Counts come from the
 * caller (Redis side: store_learn.c); learn never does I/O, keeps no state
 * and never allocates.
 *
 * Classifier (per site, binary features = distinct tokens of a comment):
 *   for a token seen in b spam and g ham decisions out of nspam / nham:
 *     p  = (b/nspam) / (b/nspam + g/nham)
 *     f  = (S*X + n*p) / (S + n)          n = b + g, S = 0.45, X = 0.5
 *   clues = tokens with |f - 0.5| >= 0.1, the 150 strongest;
 *   H = C^-1(-2 sum ln f, 2k), S' = C^-1(-2 sum ln(1-f), 2k)  (chi-square)
 *   prob = (1 + H - S') / 2  in [0,1]
 * The classifier abstains (-1) below min_decisions decisions, with no
 * decision of one of the two kinds, or with fewer than LEARN_MIN_CLUES clues.
 *
 * Reputation (per site): each identity of the comment (author key, IP, each
 * link/URL domain) with s rejected-as-spam and h approved decisions scores
 *   bad = w_kind * (1 - 0.5^s) * s / (s + h)    (author 1.0, domain 0.9,
 *                                                IP 0.8: NAT shares IPs)
 * reputation = the largest bad (<= 0.95), ignored below 0.05. An author with
 * no spam, h >= trust_after approvals and nothing bad is trusted:
 *   reputation = -(0.5 + 0.5 * min(1, (h - trust_after) / trust_after))
 * (the engine multiplies the score by 1 + reputation/2: x0.75 .. x0.5).
 */
#ifndef MODQ_LEARN_H
#define MODQ_LEARN_H

#include <stddef.h>
#include <stdint.h>

/* Limits and constants, each with its reason. */
#define LEARN_MAX_DOMAINS 8        /* link hosts kept per comment: spam with
                                      more is link spam already */
#define LEARN_DOMAIN_LEN 254       /* DNS names are at most 253 bytes */
#define LEARN_MAX_CLUES 150        /* SpamBayes' max_discriminators */
#define LEARN_MIN_STRENGTH 0.1     /* |f - 0.5| below: the token says nothing */
#define LEARN_UNKNOWN_STRENGTH 0.45 /* S: weight of the 0.5 prior (SpamBayes) */
#define LEARN_MIN_CLUES 3          /* fewer clues: too little to judge */
#define LEARN_REP_MAX 0.95         /* reputation alone never certain spam */
#define LEARN_REP_FLOOR 0.05       /* weaker bad reputation is ignored */
#define LEARN_EVIDENCE_LEN 256     /* = ENGINE_EVIDENCE_LEN */

/* Per-token probability f (see above). nspam/nham 0 count as "never". */
double learn_token_prob(uint32_t spam, uint32_t ham, uint32_t nspam,
                        uint32_t nham);

/* Chi-square survival function Q(x2 | v) for even v >= 2, in [0,1]. */
double learn_chi2q(double x2, unsigned v);

/* 1 when a classifier that has seen nspam / nham decisions may vote: at
 * least min_decisions in all and some of each kind. learn_classify abstains
 * otherwise, whatever the tokens (so their counts need not be looked up). */
int learn_can_vote(uint32_t nspam, uint32_t nham, unsigned long min_decisions);

/* Spam probability of a comment whose n tokens were seen spam[i] / ham[i]
 * times (either array may be NULL = all zero), given the site's nspam /
 * nham decisions. Returns prob in [0,1], or -1 when abstaining (see above).
 * *clues (may be NULL) gets the number of tokens that counted. */
double learn_classify(const uint32_t *spam, const uint32_t *ham, size_t n,
                      uint32_t nspam, uint32_t nham, unsigned long min_decisions,
                      size_t *clues);

/* Hosts linked from text[0..len) (normalised text: lower case): http(s)://
 * and www. URLs and bare "name.tld" domains, without "www.", distinct, in
 * order of appearance. Writes at most max hosts to out; returns the count. */
size_t learn_link_domains(const char *text, size_t len,
                          char out[][LEARN_DOMAIN_LEN], size_t max);

/* Lower-cased host of an URL ("https://www.Example.com/x" -> "example.com")
 * into out. Returns 0, or -1 when url has no usable host (out = ""). */
int learn_url_host(const char *url, char *out, size_t n);

typedef enum {
    LEARN_REP_AUTHOR = 0,
    LEARN_REP_IP = 1,
    LEARN_REP_DOMAIN = 2
} learn_rep_kind;

/* One identity of the comment and its decision counts. label is shown in
 * the evidence for domains only (author keys and IPs are personal data). */
typedef struct learn_rep_entry {
    learn_rep_kind kind;
    const char *label; /* borrowed */
    uint32_t spam, ham;
} learn_rep_entry;

typedef struct learn_rep_result {
    double reputation;      /* <0 trusted .. >0 bad, 0 nothing known */
    int trusted;            /* 1 when reputation < 0 */
    uint32_t author_ham;    /* approvals of the author */
    char evidence[LEARN_EVIDENCE_LEN]; /* human-readable, "" when 0 */
} learn_rep_result;

/* Reputation of a comment from its identities (formula above). Never fails. */
void learn_reputation(const learn_rep_entry *e, size_t n,
                      unsigned long trust_after, learn_rep_result *out);

#endif
