/* learn.c - learning from moderators' decisions: the pure math.
 *
 * Owns the classifier (Robinson's token probabilities + Fisher's chi-square
 * combination), the reputation formula and link-host extraction (formulas
 * in learn.h). Counts are handed in; it never does I/O, keeps no state and
 * never allocates (the clue set is a fixed array of LEARN_MAX_CLUES).
 */
#include "learn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tokenize.h"

/* ============================================================ classifier */

double learn_token_prob(uint32_t spam, uint32_t ham, uint32_t nspam,
                        uint32_t nham) {
    double sr = nspam ? (double)spam / nspam : 0;
    double hr = nham ? (double)ham / nham : 0;
    if (sr > 1) sr = 1; /* counts never exceed decisions; stay safe if they do */
    if (hr > 1) hr = 1;
    double n = (double)spam + (double)ham;
    if (sr + hr <= 0) return 0.5;
    double p = sr / (sr + hr);
    return (LEARN_UNKNOWN_STRENGTH * 0.5 + n * p) / (LEARN_UNKNOWN_STRENGTH + n);
}

double learn_chi2q(double x2, unsigned v) {
    if (v < 2 || x2 <= 0) return 1.0;
    double m = x2 / 2.0;
    double term = exp(-m), sum = term;
    for (unsigned i = 1; i < v / 2; i++) {
        term *= m / i;
        sum += term;
    }
    return sum < 1.0 ? sum : 1.0;
}

int learn_can_vote(uint32_t nspam, uint32_t nham, unsigned long min_decisions) {
    return (unsigned long long)nspam + nham >= min_decisions && nspam > 0 && nham > 0;
}

double learn_classify(const uint32_t *spam, const uint32_t *ham, size_t n,
                      uint32_t nspam, uint32_t nham, unsigned long min_decisions,
                      size_t *clues) {
    if (clues) *clues = 0;
    if (!learn_can_vote(nspam, nham, min_decisions)) return -1;
    /* the strongest clues, strength descending (insertion into a fixed set) */
    double f[LEARN_MAX_CLUES], st[LEARN_MAX_CLUES];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double p = learn_token_prob(spam ? spam[i] : 0, ham ? ham[i] : 0, nspam, nham);
        double s = fabs(p - 0.5);
        if (s < LEARN_MIN_STRENGTH) continue;
        if (k == LEARN_MAX_CLUES && s <= st[k - 1]) continue;
        size_t j = k < LEARN_MAX_CLUES ? k++ : k - 1;
        while (j > 0 && st[j - 1] < s) {
            st[j] = st[j - 1];
            f[j] = f[j - 1];
            j--;
        }
        st[j] = s;
        f[j] = p;
    }
    if (clues) *clues = k;
    if (k < LEARN_MIN_CLUES) return -1;
    double lh = 0, ls = 0; /* sums of ln f and ln(1 - f) */
    for (size_t i = 0; i < k; i++) {
        double p = f[i] < 0.01 ? 0.01 : f[i] > 0.99 ? 0.99 : f[i];
        lh += log(p);
        ls += log(1.0 - p);
    }
    /* H: evidence for spam ("the spam probabilities are not random"), S':
     * evidence for ham; both near 1 or both near 0 = unsure (0.5) */
    double h = 1.0 - learn_chi2q(-2.0 * ls, (unsigned)(2 * k));
    double sp = 1.0 - learn_chi2q(-2.0 * lh, (unsigned)(2 * k));
    double prob = (1.0 + h - sp) / 2.0;
    return prob < 0 ? 0 : prob > 1 ? 1 : prob;
}

/* ============================================================ link hosts */

static int host_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* Copy host[0..n) lower-cased, without "www." and trailing dots, into out.
 * Returns 1 when it is a plausible host (a dot, a letter), else 0. */
static int put_host(const char *h, size_t n, char *out, size_t outn) {
    while (n && h[n - 1] == '.') n--;
    if (n > 4 && strncasecmp(h, "www.", 4) == 0) {
        h += 4;
        n -= 4;
    }
    if (n == 0 || n >= outn || n >= LEARN_DOMAIN_LEN) return 0;
    int dot = 0, letter = 0;
    for (size_t i = 0; i < n; i++) {
        int c = lower((unsigned char)h[i]);
        if (!host_char((unsigned char)c)) return 0;
        dot |= c == '.';
        letter |= c >= 'a' && c <= 'z';
        out[i] = (char)c;
    }
    out[n] = 0;
    return dot && letter && h[0] != '.' && h[0] != '-';
}

static size_t add_host(char out[][LEARN_DOMAIN_LEN], size_t k, size_t max,
                       const char *h, size_t n) {
    char tmp[LEARN_DOMAIN_LEN];
    if (k >= max || !put_host(h, n, tmp, sizeof tmp)) return k;
    for (size_t i = 0; i < k; i++)
        if (strcmp(out[i], tmp) == 0) return k;
    memcpy(out[k], tmp, strlen(tmp) + 1);
    return k + 1;
}

/* Bare "label.label.tld" at s (already at a word start): its length or 0. */
static size_t bare_domain(const char *s, size_t n) {
    size_t i = 0, last = 0;
    while (i < n && host_char((unsigned char)s[i])) {
        if (s[i] == '.' && (i == 0 || s[i - 1] == '.')) return 0;
        i++;
    }
    while (i > 0 && s[i - 1] == '.') i--; /* sentence end: "see foo.com." */
    for (size_t j = 0; j < i; j++)
        if (s[j] == '.') last = j + 1;
    if (!last || last >= i) return 0;
    return tokenize_is_tld(s + last, i - last) ? i : 0;
}

size_t learn_link_domains(const char *text, size_t len,
                          char out[][LEARN_DOMAIN_LEN], size_t max) {
    size_t k = 0, i = 0;
    while (i < len && k < max) {
        /* words start after a non-host character */
        if (i > 0 && host_char((unsigned char)text[i - 1])) {
            i++;
            continue;
        }
        const char *p = text + i;
        size_t rest = len - i, skip = 0;
        int c0 = lower((unsigned char)p[0]); /* most words start otherwise */
        if (c0 == 'h' && rest > 8 && strncasecmp(p, "https://", 8) == 0)
            skip = 8;
        else if (c0 == 'h' && rest > 7 && strncasecmp(p, "http://", 7) == 0)
            skip = 7;
        if (skip || (c0 == 'w' && rest > 4 && strncasecmp(p, "www.", 4) == 0)) {
            size_t h = skip;
            while (h < rest && host_char((unsigned char)lower((unsigned char)p[h]))) h++;
            k = add_host(out, k, max, p + skip, h - skip);
            /* the path is not a domain: skip to the end of the URL */
            i += h > 0 ? h : 1;
            while (i < len && text[i] != ' ' && text[i] != '\n' && text[i] != '\t' &&
                   text[i] != '\r')
                i++;
            continue;
        }
        size_t d = bare_domain(p, rest);
        if (d) {
            k = add_host(out, k, max, p, d);
            i += d;
            continue;
        }
        /* no word starts inside this run of host characters (the test at
         * the top would skip them one by one) */
        size_t r = 1;
        while (r < rest && host_char((unsigned char)p[r])) r++;
        i += host_char((unsigned char)p[0]) ? r : 1;
    }
    return k;
}

int learn_url_host(const char *url, char *out, size_t n) {
    if (n) out[0] = 0;
    if (!url || !n) return -1;
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *at = p;
    size_t h = 0;
    /* skip "user@" */
    while (at[h] && at[h] != '/' && at[h] != '?' && at[h] != '#') h++;
    const char *arob = memchr(at, '@', h);
    if (arob) {
        h -= (size_t)(arob + 1 - at);
        at = arob + 1;
    }
    size_t e = 0;
    while (e < h && at[e] != ':') e++;
    if (!put_host(at, e, out, n)) {
        out[0] = 0;
        return -1;
    }
    return 0;
}

/* ============================================================ reputation */

static const double REP_WEIGHT[] = {
    [LEARN_REP_AUTHOR] = 1.0, /* the same person */
    [LEARN_REP_IP] = 0.8,     /* NAT and mobile carriers share addresses */
    [LEARN_REP_DOMAIN] = 0.9, /* spam campaigns promote their domains */
};

/* Append "what[ label]: S rejected as spam, H approved" to buf. */
static void append(char *buf, size_t n, const char *what, const char *label,
                   uint32_t spam, uint32_t ham) {
    size_t used = strlen(buf);
    if (used + 1 >= n) return;
    snprintf(buf + used, n - used, "%s%s%s%s: %u rejected as spam, %u approved",
             used ? "; " : "", what, label ? " " : "", label ? label : "", spam, ham);
}

void learn_reputation(const learn_rep_entry *e, size_t n,
                      unsigned long trust_after, learn_rep_result *out) {
    memset(out, 0, sizeof *out);
    double bad = 0;
    const learn_rep_entry *author = NULL;
    for (size_t i = 0; i < n; i++) {
        const learn_rep_entry *r = &e[i];
        if (r->kind == LEARN_REP_AUTHOR && !author) author = r;
        if (r->spam == 0 || (unsigned)r->kind > LEARN_REP_DOMAIN) continue;
        double s = r->spam, h = r->ham;
        double b = REP_WEIGHT[r->kind] * (1.0 - pow(0.5, s)) * s / (s + h);
        if (b > bad) bad = b;
        if (r->kind == LEARN_REP_DOMAIN)
            append(out->evidence, sizeof out->evidence, "domain", r->label, r->spam, r->ham);
        else
            append(out->evidence, sizeof out->evidence,
                   r->kind == LEARN_REP_AUTHOR ? "author" : "IP address", NULL, r->spam, r->ham);
    }
    if (author) out->author_ham = author->ham;
    if (bad >= LEARN_REP_FLOOR) {
        out->reputation = bad > LEARN_REP_MAX ? LEARN_REP_MAX : bad;
        return;
    }
    out->evidence[0] = 0;
    if (author && author->spam == 0 && trust_after > 0 && author->ham >= trust_after) {
        double more = (double)(author->ham - trust_after) / (double)trust_after;
        out->reputation = -(0.5 + 0.5 * (more > 1 ? 1 : more));
        out->trusted = 1;
        snprintf(out->evidence, sizeof out->evidence,
                 "author: %u approved, none rejected as spam (trusted after %lu)",
                 author->ham, trust_after);
    }
}
