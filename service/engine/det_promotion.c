/* det_promotion.c - promotion: an advertisement's grammar, not its words.
 *
 * Owns the promotion row and its calibration. An advertisement posted as a
 * comment has a fixed shape whatever it sells: a place to buy (a link or an
 * e-mail address other than the article's own), a commercial offer (a
 * price, "N% off", a promo code, something free for a trial period or with
 * delivery, "in stock", "limited"), and a voice that sells: an imperative
 * to buy or sign up ("order", "book", "try", "get", "use code", "apply",
 * "join") or the seller speaking ("our", "we"). A reader recommending a
 * tool states ("I use Calibre, it's free") and rarely quotes a price, a
 * discount and a shop together; the detector fires on the whole frame
 * only: place + offer + voice (pending alone), or place + imperative +
 * seller's voice without an offer (a hint), in a comment of at most
 * PROMOTION_MAX_WORDS words. Reads tokens and the
 * normalised text; never allocates.
 */
#include "detector.h"

#include <stdio.h>
#include <string.h>

#include "links.h"

#define PROMOTION_FRAME 0.6  /* place + offer + voice */
/* Words above which a comment is no advertisement: an ad is compact, and a
 * long answer that quotes a shop's prices and links a buyer's guide is
 * an answer. */
#define PROMOTION_MAX_WORDS 60
#define PROMOTION_VOICE 0.4  /* place + imperative + "our" */
/* Words after "free" that make it a commercial offer ("free for 30 days",
 * "free delivery", "first month free" is read backwards the same way). */
#define PROMOTION_FREE_WINDOW 3

static int in_set(const char *w, const char *const *set) {
    for (; *set; set++)
        if (w[0] == (*set)[0] && strcmp(w, *set) == 0)
            return 1;
    return 0;
}

static const char *const buy_verbs[] = {
    "order", "book", "buy", "shop", "try", "get", "apply", "join", "grab",
    "claim", "download", "register", "signup", "subscribe", "use", NULL};
static const char *const seller[] = {"our", "we", "we're", "ours", NULL};
static const char *const free_terms[] = {
    "trial", "delivery", "shipping", "month", "months", "days", "weeks",
    "week", "consultation", "quote", "sample", "samples", "bottles", NULL};
static const char *const offer_words[] = {"stock", "limited", "discount", "sale",
                                          "coupon", NULL};

/* 1 when norm has a currency sign right before a digit ("£4.99", "$ 20"),
 * or "N%" followed by "off". */
static int priced(const char *norm, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = (const unsigned char *)norm + i;
        size_t sl = *p == '$' ? 1
                    : (i + 1 < n && p[0] == 0xC2 && p[1] == 0xA3) ? 2     /* £ */
                    : (i + 2 < n && p[0] == 0xE2 && p[1] == 0x82 && p[2] == 0xAC) ? 3 /* € */
                                                                           : 0;
        if (sl) {
            size_t j = i + sl;
            while (j < n && norm[j] == ' ' && j - i - sl < 1)
                j++;
            if (j < n && norm[j] >= '0' && norm[j] <= '9')
                return 1;
        }
        if (*p == '%' && i > 0 && norm[i - 1] >= '0' && norm[i - 1] <= '9') {
            size_t j = i + 1;
            while (j < n && norm[j] == ' ')
                j++;
            if (j + 3 <= n && memcmp(norm + j, "off", 3) == 0)
                return 1;
        }
    }
    return 0;
}

typedef struct promo {
    int place, offer, buy, voice;
    size_t ev_off, ev_end; /* the place, for the evidence */
} promo;

/* Fills r; without a place (r->place 0) the rest is left 0: nothing is
 * promoted without somewhere to buy, and most comments have none. */
static void find_promo(const detector_analysis *a, promo *r) {
    const tokenize_list *l = a->tokens;
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < l->n && !r->place; i++) {
        const tokenize_token *t = &l->v[i];
        int place = t->type == TOKENIZE_EMAIL ||
                    (t->type == TOKENIZE_URL &&
                     !links_is_article(tokenize_text(l, t), a->links.article_url));
        if (place) {
            r->place = 1;
            r->ev_off = t->off;
            r->ev_end = t->off + t->len;
        }
    }
    if (!r->place)
        return;
    r->offer = priced(a->features->normalized, a->features->normalized_len);
    for (size_t i = 0; i < l->n; i++) {
        const tokenize_token *t = &l->v[i];
        if (t->type != TOKENIZE_WORD)
            continue;
        const char *w = tokenize_text(l, t);
        r->buy |= in_set(w, buy_verbs);
        r->voice |= in_set(w, seller);
        if (in_set(w, offer_words))
            r->offer = 1;
        /* "code SOUP20": a promo code, letters and digits in one word */
        if (strcmp(w, "code") == 0 && i + 1 < l->n && l->v[i + 1].type == TOKENIZE_WORD) {
            const char *c = tokenize_text(l, &l->v[i + 1]);
            if (strpbrk(c, "0123456789") && strpbrk(c, "abcdefghijklmnopqrstuvwxyz"))
                r->offer = 1;
        }
        if (strcmp(w, "free") == 0) {
            for (size_t k = i > PROMOTION_FREE_WINDOW ? i - PROMOTION_FREE_WINDOW : 0;
                 k < l->n && k <= i + PROMOTION_FREE_WINDOW; k++)
                if (k != i && l->v[k].type == TOKENIZE_WORD &&
                    in_set(tokenize_text(l, &l->v[k]), free_terms))
                    r->offer = 1;
        }
    }
}

static void promotion_run(const detector_analysis *a, score_signal *out) {
    promo r;
    if (a->tokens->nwords > PROMOTION_MAX_WORDS)
        return;
    find_promo(a, &r);
    if (!r.place)
        return;
    if (r.offer && (r.buy || r.voice)) {
        out->signal = PROMOTION_FRAME;
        snprintf(out->detail, sizeof out->detail,
                 "an advertisement: a commercial offer (price, discount, code "
                 "or free trial/delivery), %s and a place to buy",
                 r.buy ? "a call to buy" : "the seller's voice");
    } else if (r.buy && r.voice) {
        out->signal = PROMOTION_VOICE;
        snprintf(out->detail, sizeof out->detail,
                 "the seller's voice (\"our\", \"we\") with a call to buy and a "
                 "place to buy");
    } else {
        return;
    }
    size_t n = r.ev_end - r.ev_off;
    if (n >= sizeof out->evidence)
        n = sizeof out->evidence - 1;
    memcpy(out->evidence, a->features->normalized + r.ev_off, n);
    out->evidence[n] = '\0';
}

const detector det_promotion = {
    .row = {.code = "promotion",
            .kind = ENGINE_KIND_SPAM,
            .evidence = ENGINE_EVIDENCE_LINKS,
            .weight = 1.0,
            .summary = "an advertisement's frame: a place to buy, a commercial "
                       "offer (price, discount, code, free trial) and a voice "
                       "that sells (an imperative to buy, or \"our\")"},
    .run = promotion_run,
};
