/* det_scam.c - scam: a grammar of roles, not a list of phrases.
 *
 * Owns the scam row, its role lexicons and its calibration. A scam has no
 * fixed wording but a fixed cast: a way to be reached off the site (a phone
 * number, an e-mail address, a handle, a messenger), a call to act on it
 * ("contact", "message", "call", "DM" as an imperative), and a role that
 * makes the reader trust it: a service desk ("customer care", "support",
 * "account manager"), a third party vouched for ("Mr. X", "my broker"), a
 * first-person money story ("I invested $500 and earned ..."), or an offer
 * frame (recovering lost funds, a loan, a job, a visa, a prize). Each role
 * alone is everyday language; the detector fires only on a frame of two or
 * three of them, anywhere in a comment of any length. The lexicons are
 * general knowledge of how such messages are built, not words read from
 * a data set. Reads tokens and the normalised text; never allocates.
 */
#include "detector.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* Words a money story's verb may sit from its "I" and its amount. */
#define SCAM_STORY_WINDOW 6
/* Frame signals. Three roles decide alone (pending); two are a reason for
 * a look next to other evidence. */
#define SCAM_DESK_ACT_REACH 0.75  /* "call customer care on +1 ..." */
#define SCAM_DESK_REACH 0.4       /* a support line with no ask */
#define SCAM_STORY_THIRD_REACH 0.8 /* "I earned $5k thanks to Mr. X, +1..." */
#define SCAM_STORY_THIRD 0.45     /* the testimonial without a channel */
#define SCAM_STORY_REACH 0.45     /* "I made $900, WhatsApp me" */
#define SCAM_THIRD_ACT_REACH 0.6  /* "contact Mr. X on WhatsApp" */
#define SCAM_STORY_OFFER_REACH 0.75 /* "I made $3000 working from home,
                                       visit x.online" */
#define SCAM_STORY_OFFER_ACT 0.7  /* "I earn $500 a day from home, ask me" */
#define SCAM_TESTIMONIAL 0.7      /* "thanks to @x my trading profits..." */
#define SCAM_OFFER_LINK 0.4       /* "get a loan today, visit x.com" */
#define SCAM_OFFER_ACT_REACH 0.7  /* "loans approved in 24h, text +1 ..." */
#define SCAM_OFFER_REACH 0.4      /* a money word and a phone / e-mail */
#define SCAM_OFFER_HANDLE 0.5     /* a money word and a named @handle or
                                     "Mr. X" with a way to reach them */
#define SCAM_OFFER_ACT_THIRD 0.45 /* "contact Mrs. Y for your recovery" */
#define SCAM_STAKE_RETURN 0.6     /* "I deposited $800 and within 7 days I
                                     got a return of $7,200": the
                                     investment testimonial's own plot */
#define SCAM_OFFER_ASK_ME 0.55     /* "lost funds in bitcoin? message me,
                                     your money can be recovered" */
#define SCAM_FIRST_N_ACT 0.6      /* "paying 5 grand to the first 10 people
                                     to message me" */
#define SCAM_VOUCH 0.6            /* "she changed my life, I recommend her
                                     @name": a testimonial for a handle,
                                     told in the third person */
#define SCAM_TAG_HANDLE 0.6       /* "#claire_fx helped me": a handle
                                     disguised as a topic tag, vouched for
                                     or offering money */
#define SCAM_MONEY_HANDLE 0.6     /* "he is the best @steve_forex": praise
                                     for an account named for money */
/* The learned spam model (models/ngram_spam.txt) as a second reader of a
 * comment that already holds one of a scam's roles: from this calibrated
 * probability it corroborates the role (signal SCAM_LEARNED, pending
 * alone). The model alone never flags: trained on YouTube and Instagram
 * spam, it finds a quarter of a forum's genuine answers spam-like at 0.5
 * (tools/eval_learned.py), and a role is the evidence it has to agree
 * with. */
#define SCAM_LEARNED_P 0.8
#define SCAM_LEARNED 0.55
#define SCAM_HANDLE_THANK 0.5     /* "I'm grateful @name": the writer's
                                     thanks with a handle, nothing more */

enum {
    R_ACT = 1 << 0,     /* contact verb: contact, message, call, text, dm */
    R_DESK = 1 << 1,    /* service-desk noun */
    R_DESK2 = 1 << 2,   /* first word of a two-word desk: customer, help */
    R_HONOR = 1 << 3,   /* mr, mrs, ms, dr: a named person follows */
    R_AGENT = 1 << 4,   /* broker, manager, mentor...: "my broker" */
    R_FIRST = 1 << 5,   /* i, i've, we */
    R_GAIN = 1 << 6,    /* earned, made, invested, withdrew, profit */
    R_CURRENCY = 1 << 7,/* dollars, usd, btc: an amount's unit */
    R_OFFER = 1 << 8,   /* recovery, loan, job, visa, prize frame words */
    R_MESSENGER = 1 << 9, /* whatsapp, telegram: a way to be reached */
    R_SOFT = 1 << 10,   /* please, kindly, just, you can: before an ask */
    R_OBJ = 1 << 11,    /* me, us, him, her, them: after an ask */
    R_POSS = 1 << 12,   /* my / our */
    R_THANK = 1 << 13,  /* thanks, recommend, helped: a testimonial */
    R_STAKE = 1 << 14,  /* invested, deposited: money put in */
    R_RETURN = 1 << 15, /* return(s), profit(s), payout: money out */
    R_PEOPLE = 1 << 16, /* people, persons: "the first 10 people" */
    R_THIRD_P = 1 << 17,/* he, she, him, her, his, hers: someone spoken of */
};

/* Role lexicon, sorted by bytes (strcmp order) for lex_class. General
 * knowledge of how scam messages are built; each word alone is ordinary. */
struct lex_entry {
    const char *w;
    unsigned cls;
};
static const struct lex_entry lex[] = {
    {"account", R_DESK2}, {"adviser", R_AGENT}, {"advisor", R_AGENT},
    {"agent", R_AGENT | R_DESK}, {"allowance", R_OFFER},
    {"ambassador", R_OFFER}, {"ask", R_ACT}, {"bands", R_CURRENCY},
    {"binary", R_OFFER}, {"bitcoin", R_OFFER | R_CURRENCY},
    {"blessed", R_THANK}, {"bonus", R_OFFER}, {"broker", R_AGENT},
    {"btc", R_OFFER | R_CURRENCY}, {"call", R_ACT}, {"can", R_SOFT},
    {"capital", R_OFFER}, {"care", R_DESK}, {"cash", R_OFFER},
    {"caster", R_OFFER | R_AGENT}, {"claim", R_OFFER}, {"click", R_ACT},
    {"coach", R_AGENT}, {"collab", R_OFFER}, {"collaboration", R_OFFER},
    {"consultant", R_AGENT}, {"contact", R_ACT}, {"credit", R_OFFER},
    {"crypto", R_OFFER}, {"customer", R_DESK2}, {"debt", R_OFFER},
    {"deposit", R_OFFER}, {"deposited", R_GAIN | R_STAKE}, {"desk", R_DESK},
    {"dm", R_ACT | R_MESSENGER}, {"dollars", R_CURRENCY}, {"dr", R_HONOR},
    {"earn", R_GAIN}, {"earned", R_GAIN}, {"earning", R_GAIN},
    {"earnings", R_OFFER}, {"email", R_ACT}, {"euros", R_CURRENCY},
    {"expert", R_AGENT}, {"financial", R_OFFER}, {"financially", R_OFFER},
    {"forex", R_OFFER}, {"funds", R_OFFER}, {"gained", R_GAIN},
    {"genuine", R_THANK}, {"giveaway", R_OFFER}, {"grand", R_CURRENCY},
    {"grands", R_CURRENCY}, {"grant", R_OFFER}, {"grateful", R_THANK},
    {"hacked", R_OFFER}, {"hacker", R_AGENT}, {"he", R_THIRD_P},
    {"help", R_DESK2},
    {"helpdesk", R_DESK}, {"helped", R_THANK}, {"helpline", R_DESK},
    {"her", R_OBJ | R_THIRD_P}, {"herbal", R_OFFER}, {"hers", R_THIRD_P},
    {"him", R_OBJ | R_THIRD_P}, {"hiring", R_OFFER}, {"his", R_THIRD_P},
    {"honest", R_THANK}, {"hotline", R_DESK}, {"i", R_FIRST},
    {"i've", R_FIRST}, {"ig", R_MESSENGER}, {"immigration", R_OFFER},
    {"inbox", R_ACT | R_MESSENGER}, {"income", R_OFFER}, {"invest", R_OFFER},
    {"invested", R_GAIN | R_STAKE}, {"investing", R_OFFER},
    {"investment", R_OFFER}, {"ive", R_FIRST}, {"jobs", R_OFFER},
    {"just", R_SOFT}, {"kindly", R_SOFT}, {"legit", R_THANK},
    {"lender", R_OFFER}, {"loan", R_OFFER}, {"loans", R_OFFER},
    {"lottery", R_OFFER}, {"madam", R_HONOR}, {"made", R_GAIN},
    {"making", R_GAIN}, {"manager", R_AGENT}, {"me", R_OBJ},
    {"mentor", R_AGENT}, {"message", R_ACT}, {"mining", R_OFFER},
    {"miss", R_HONOR}, {"money", R_OFFER}, {"mr", R_HONOR}, {"mrs", R_HONOR},
    {"ms", R_HONOR}, {"my", R_POSS}, {"our", R_POSS},
    {"paid", R_GAIN | R_OFFER}, {"passport", R_OFFER},
    {"payout", R_OFFER | R_RETURN}, {"payouts", R_RETURN},
    {"people", R_PEOPLE}, {"persons", R_PEOPLE}, {"platform", R_OFFER},
    {"please", R_SOFT}, {"pls", R_SOFT}, {"plz", R_SOFT},
    {"portfolio", R_OFFER}, {"pounds", R_CURRENCY}, {"prize", R_OFFER},
    {"profit", R_OFFER | R_GAIN | R_RETURN},
    {"profits", R_OFFER | R_GAIN | R_RETURN}, {"promote", R_OFFER},
    {"reach", R_ACT}, {"received", R_GAIN}, {"recommend", R_THANK},
    {"recommended", R_THANK}, {"recover", R_OFFER}, {"recovered", R_GAIN},
    {"recovery", R_OFFER}, {"reliable", R_THANK}, {"return", R_RETURN},
    {"returns", R_GAIN | R_RETURN}, {"scammed", R_OFFER}, {"service", R_DESK},
    {"she", R_THIRD_P},
    {"should", R_SOFT}, {"shoutout", R_THANK}, {"signals", R_OFFER},
    {"spell", R_OFFER}, {"sponsorship", R_OFFER}, {"stocks", R_OFFER},
    {"strategy", R_OFFER}, {"support", R_DESK}, {"tech", R_DESK2},
    {"technician", R_DESK}, {"telegram", R_MESSENGER}, {"testimony", R_THANK},
    {"text", R_ACT}, {"thank", R_THANK}, {"thanks", R_THANK}, {"them", R_OBJ},
    {"trade", R_OFFER}, {"trader", R_AGENT}, {"trades", R_OFFER},
    {"trading", R_OFFER}, {"trust", R_THANK}, {"trusted", R_THANK},
    {"us", R_OBJ}, {"usd", R_CURRENCY}, {"usdt", R_OFFER | R_CURRENCY},
    {"vacancy", R_OFFER}, {"viber", R_MESSENGER}, {"visa", R_OFFER},
    {"visit", R_ACT}, {"wallet", R_OFFER}, {"we", R_FIRST},
    {"wechat", R_MESSENGER}, {"whatsapp", R_ACT | R_MESSENGER},
    {"winner", R_OFFER}, {"withdraw", R_OFFER},
    {"withdrawal", R_OFFER | R_RETURN}, {"withdrawn", R_GAIN | R_RETURN},
    {"withdrew", R_GAIN | R_RETURN}, {"write", R_ACT},
};

/* The role classes of word w (0 for most words): a binary search of lex,
 * which must stay sorted by bytes (a word out of order is never found). */
static unsigned lex_class(const char *w) {
    size_t lo = 0, hi = sizeof lex / sizeof *lex;
    unsigned char w0 = (unsigned char)w[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *e = lex[mid].w;
        /* most probes differ in the first byte: strcmp only when not */
        int c = (int)w0 - (int)(unsigned char)e[0];
        if (c == 0)
            c = strcmp(w, e);
        if (c < 0)
            hi = mid;
        else if (c > 0)
            lo = mid + 1;
        else
            return lex[mid].cls;
    }
    return 0;
}

/* Bits of a 2048-bit filter of the lex words' tokenize_hash()es: most
 * words are in no role, and a word token's hash (that of its text) with
 * its bit clear is none of lex. */
#define LEX_FILTER_BITS 2048
typedef struct lex_filter {
    uint64_t bit[LEX_FILTER_BITS / 64];
} lex_filter;

static void lex_filter_init(lex_filter *f) {
    memset(f, 0, sizeof *f);
    for (size_t k = 0; k < sizeof lex / sizeof *lex; k++) {
        uint64_t h = tokenize_hash(lex[k].w, strlen(lex[k].w)) & (LEX_FILTER_BITS - 1);
        f->bit[h >> 6] |= 1ull << (h & 63);
    }
}

/* The filter of lex, made once: lex is constant. */
static lex_filter lex_bits;
static pthread_once_t lex_bits_once = PTHREAD_ONCE_INIT;

static void lex_bits_init(void) { lex_filter_init(&lex_bits); }

/* Roles a word's stem may give it: those of nouns ("winners", "brokers"
 * play the role of "winner", "broker"). A verb's roles need its own form:
 * the ask is an imperative ("call me"), and "called me" is a story told,
 * not an ask. */
#define LEX_STEM_ROLES                                                         \
    (R_OFFER | R_AGENT | R_DESK | R_DESK2 | R_CURRENCY | R_PEOPLE | R_RETURN)

/* lex_class() of word token t of l: of its text, else the noun roles
 * (LEX_STEM_ROLES) of its stem. */
static inline unsigned lex_class_tok(const lex_filter *f, const tokenize_list *l,
                                     const tokenize_token *t) {
    uint64_t h = t->hash & (LEX_FILTER_BITS - 1);
    unsigned c = f->bit[h >> 6] >> (h & 63) & 1 ? lex_class(tokenize_text(l, t)) : 0;
    if (c || t->stem_hash == t->hash)
        return c;
    h = t->stem_hash & (LEX_FILTER_BITS - 1);
    return f->bit[h >> 6] >> (h & 63) & 1
               ? lex_class(tokenize_stem(l, t)) & LEX_STEM_ROLES
               : 0;
}

/* 1 when NUL-terminated s is the word w: the first bytes compared before
 * the rest, as most words of a comment differ from w in the first. */
static inline int word_is(const char *s, const char *w) {
    return s[0] == w[0] && strcmp(s, w) == 0;
}

/* 1 when the token at norm offset off starts a clause: text start or after
 * . ! ? : ; , or a line break. */
static int clause_start(const char *norm, size_t off) {
    while (off > 0 && norm[off - 1] == ' ')
        off--;
    return off == 0 || strchr(".!?:;,\n-(", norm[off - 1]) != NULL;
}

/* Address lengths: Ethereum-style "0x" + 40 hex digits; bech32 Bitcoin
 * addresses "bc1" + 39 to 59 characters. */
#define SCAM_HEX_ADDRESS 40
#define SCAM_BECH32_MIN 39
#define SCAM_BECH32_MAX 59

/* w: n bytes, NUL-terminated. */
static int wallet_address(const char *w, size_t n) {
    if (n == 2 + SCAM_HEX_ADDRESS && w[0] == '0' && w[1] == 'x')
        return strspn(w + 2, "0123456789abcdef") == SCAM_HEX_ADDRESS;
    if (n >= 3 + SCAM_BECH32_MIN && n <= 3 + SCAM_BECH32_MAX &&
        memcmp(w, "bc1", 3) == 0)
        return strspn(w + 3, "023456789acdefghjklmnpqrstuvwxyz") == n - 3;
    return 0;
}

/* Letters a topic tag needs before its underscore can name a person: "#1_"
 * is a rank, "#claire_fx" an account. */
#define SCAM_TAG_HANDLE_LETTERS 3

/* The offset in norm (n bytes) of the first hashtag shaped like a user
 * name, its length in *len; n when there is none. A topic tag runs words
 * together ("#buildwealth", "#tbt"); an underscore inside or after the
 * letters is the punctuation of account names ("#claire_fx",
 * "#katrina__"), written as a tag where an @mention would be filtered or
 * hidden: a way to be reached, in disguise. */
static size_t tag_handle(const char *norm, size_t n, size_t *len) {
    for (const char *p = memchr(norm, '#', n); p; ) {
        size_t i = (size_t)(p - norm), j = i + 1, letters = 0, under = 0;
        if (i == 0 || !((norm[i - 1] | 32) >= 'a' && (norm[i - 1] | 32) <= 'z')) {
            for (; j < n; j++) {
                char c = norm[j];
                if (c >= 'a' && c <= 'z')
                    letters++;
                else if (c == '_')
                    under++;
                else if (!((c >= '0' && c <= '9') || c == '.' ||
                           (unsigned char)c >= 0x80))
                    break; /* accented letters ("#hāzel_") stay in the tag */
            }
            if (letters >= SCAM_TAG_HANDLE_LETTERS && under) {
                *len = j - i;
                return i;
            }
        }
        p = j < n ? memchr(norm + j, '#', n - j) : NULL;
    }
    return n;
}

/* 1 when w, after the word before, is a preposition that credits an
 * agent: "with", "through", "via", "by", and the "to" of "thanks to". */
static int agency(const char *w, const char *before) {
    return strcmp(w, "with") == 0 || strcmp(w, "through") == 0 ||
           strcmp(w, "via") == 0 || strcmp(w, "by") == 0 ||
           (strcmp(w, "to") == 0 && strcmp(before, "thanks") == 0);
}

/* Letters of an offer word found inside a handle: shorter ones ("cash",
 * "visa") sit inside ordinary names. */
#define SCAM_MONEY_NAME_MIN 5

/* 1 when the user name h holds an offer word of lex of at least
 * SCAM_MONEY_NAME_MIN letters ("invest_with_ann", "sandra_cryptoexchange"):
 * an account named for what it sells. */
static int money_name(const char *h) {
    for (size_t k = 0; k < sizeof lex / sizeof *lex; k++)
        if ((lex[k].cls & R_OFFER) && strlen(lex[k].w) >= SCAM_MONEY_NAME_MIN &&
            strstr(h, lex[k].w))
            return 1;
    return 0;
}

/* 1 when w is a count spelled out, one to twenty or a round ten up to a
 * hundred: the English cardinals a countdown is written with. */
static int cardinal(const char *w) {
    static const char *const n[] = {
        "one", "two", "three", "four", "five", "six", "seven", "eight",
        "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
        "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
        "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
        "hundred"};
    for (size_t k = 0; k < sizeof n / sizeof *n; k++)
        if (strcmp(w, n[k]) == 0)
            return 1;
    return 0;
}

/* 1 when a currency sign ($, £, €) stands just before offset off of norm,
 * a space between allowed: the number there is an amount of money. */
static int money_sign(const char *norm, size_t off) {
    if (off > 0 && norm[off - 1] == ' ')
        off--;
    if (off >= 1 && norm[off - 1] == '$')
        return 1;
    if (off >= 2 && memcmp(norm + off - 2, "\xc2\xa3", 2) == 0) /* £ */
        return 1;
    return off >= 3 && memcmp(norm + off - 3, "\xe2\x82\xac", 3) == 0; /* € */
}

typedef struct roles {
    int reach, act, desk, third, story, offer;
    int link;   /* a link other than a messenger's: a channel for offers */
    int thank;  /* testimonial wording */
    int gain;   /* "I earned", "we made": a first-person gain, no amount */
    int stake;  /* "I invested $500 ... a return of $5,550": money put in by
                   the writer, then money out, each with an amount */
    int first_n;/* "the first 10 people": a countdown to a giveaway */
    int money;  /* an amount of money: "$500", "5 grand", "10k", "usdt" */
    int ask_me; /* "message me", "dm me": the writer asks to be contacted */
    int offers; /* offer-frame words, each occurrence */
    int handle; /* a party named by handle: "@name", or "#name_" */
    int named;  /* a handle that does not open the comment: spoken of, not
                   the address of a reply ("@anna thanks, I will") */
    int tag_handle; /* a handle written as a topic tag: "#name_" */
    int money_handle; /* a handle named for money: "@crypto_with_ann" */
    int channel; /* an address to be reached at (a number, an e-mail, a
                    handle, a messenger link, a wallet) that is neither the
                    address of a reply ("@anna thanks") nor a tag credited
                    ("with #x"); a messenger named ("ig", "dm") is not one */
    int writer; /* the writer in the first person: i, we, my, me */
    int spoken_of; /* someone in the third person: he, she, him, her, his */
    size_t ev_off, ev_end; /* the way to be reached, for the evidence */
} roles;

/* An amount at word w: after "I invested/deposited" (within the story
 * window) it is the stake; an amount near a return word after a stake
 * completes the stake-and-return story. */
static void scam_amount(roles *r, size_t w, size_t last_stake, size_t last_return,
                        size_t *staked) {
    if (last_stake != (size_t)-1 && w > last_stake &&
        w - last_stake <= SCAM_STORY_WINDOW && *staked == (size_t)-1) {
        *staked = w;
        return;
    }
    if (*staked != (size_t)-1 && w > *staked && last_return != (size_t)-1 &&
        (last_return > w ? last_return - w : w - last_return) <= SCAM_STORY_WINDOW)
        r->stake = 1;
}

static void find_roles(const detector_analysis *a, roles *r) {
    const tokenize_list *l = a->tokens;
    const char *norm = a->features->normalized;
    memset(r, 0, sizeof *r);
    unsigned prev = 0;
    size_t last_first = (size_t)-1, last_gain = (size_t)-1;
    size_t last_amount = (size_t)-1, word = 0;
    size_t staked = (size_t)-1; /* word of an amount after "I invested" */
    size_t last_stake = (size_t)-1, last_return = (size_t)-1;
    pthread_once(&lex_bits_once, lex_bits_init);
    const lex_filter *lf = &lex_bits;
    size_t nn = a->features->normalized_len, tl = 0;
    size_t tag = tag_handle(norm, nn, &tl);
    if (tag < nn) {
        r->reach = r->third = r->handle = r->named = r->tag_handle = 1;
        r->channel = 1;
        r->ev_off = tag;
        r->ev_end = tag + tl;
    }
    for (size_t i = 0; i < l->n; i++, word++) {
        const tokenize_token *t = &l->v[i];
        const char *s = tokenize_text(l, t);
        int reach = t->type == TOKENIZE_PHONE || t->type == TOKENIZE_EMAIL ||
                    t->type == TOKENIZE_HANDLE;
        if (t->type == TOKENIZE_URL) {
            const char *h = tokenize_stem(l, t);
            reach = strcmp(h, "wa.me") == 0 || strcmp(h, "t.me") == 0;
            r->link |= !reach;
        }
        /* an @handle is a named party as well as a way to reach it */
        if (t->type == TOKENIZE_HANDLE) {
            r->third = r->handle = 1;
            r->named |= i > 0;
            r->money_handle |= money_name(s);
        }
        if (reach && r->ev_end == r->ev_off) {
            r->ev_off = t->off;
            r->ev_end = t->off + t->len;
        }
        r->reach |= reach;
        r->channel |= reach && !(t->type == TOKENIZE_HANDLE && i == 0);
        if (t->type == TOKENIZE_NUMBER) {
            last_amount = word;
            r->money |= money_sign(norm, t->off);
            /* "first 10 people", "first (7) people" */
            if (i + 1 < l->n && l->v[i + 1].type == TOKENIZE_WORD &&
                (lex_class_tok(lf, l, &l->v[i + 1]) & R_PEOPLE) && i > 0 &&
                l->v[i - 1].type == TOKENIZE_WORD &&
                word_is(tokenize_text(l, &l->v[i - 1]), "first"))
                r->first_n = 1;
            scam_amount(r, word, last_stake, last_return, &staked);
            prev = 0;
            continue;
        }
        if (t->type != TOKENIZE_WORD) {
            prev = 0;
            continue;
        }
        unsigned c = lex_class_tok(lf, l, t);
        /* a lone "l" before a word is "I" typed as a lower-case L, the
         * letter it looks like: English has no word "l" */
        if (s[0] == 'l' && s[1] == '\0' && i + 1 < l->n &&
            l->v[i + 1].type == TOKENIZE_WORD)
            c |= R_FIRST;
        /* a topic tag after a preposition of agency ("I made $5k with
         * #lucyfx", "thanks to #lucyfx") credits a party: a name to be
         * found, as an @handle is; not one the writer's thanks alone
         * accuses ("a great day with #friends, thanks!") */
        if (t->off > 0 && norm[t->off - 1] == '#' && i > 0 &&
            l->v[i - 1].type == TOKENIZE_WORD &&
            agency(tokenize_text(l, &l->v[i - 1]),
                   i > 1 && l->v[i - 2].type == TOKENIZE_WORD
                       ? tokenize_text(l, &l->v[i - 2]) : "")) {
            r->reach = r->third = 1;
            if (r->ev_end == r->ev_off) {
                r->ev_off = t->off - 1;
                r->ev_end = t->off + t->len;
            }
        }
        /* a crypto wallet or contract address ("0x" + 40 hex digits, a
         * "bc1" address): somewhere to send money, and the offer itself */
        /* (its length only for words that start as an address does) */
        if ((s[0] == '0' || s[0] == 'b') && wallet_address(s, strlen(s))) {
            r->reach = r->channel = r->offer = 1;
            if (r->ev_end == r->ev_off) {
                r->ev_off = t->off;
                r->ev_end = t->off + t->len;
            }
        }
        /* "5k", "10k", "2m": an amount written short */
        size_t dg = 0;
        while (s[dg] >= '0' && s[dg] <= '9')
            dg++;
        if (dg && (s[dg] == 'k' || s[dg] == 'm') && s[dg + 1] == '\0')
            c |= R_CURRENCY;
        /* "the first ten people": the count spelled out */
        if (i > 0 && i + 1 < l->n && l->v[i - 1].type == TOKENIZE_WORD &&
            l->v[i + 1].type == TOKENIZE_WORD &&
            word_is(tokenize_text(l, &l->v[i - 1]), "first") &&
            (lex_class_tok(lf, l, &l->v[i + 1]) & R_PEOPLE) && cardinal(s))
            r->first_n = 1;
        if ((c & R_FIRST) || word_is(s, "my") || word_is(s, "me"))
            r->writer = 1;
        /* the roles' own tests: most words have none */
        if (c) {
            if (c & R_MESSENGER)
                r->reach = 1;
            if (c & R_CURRENCY) {
                last_amount = word;
                r->money = 1;
                scam_amount(r, word, last_stake, last_return, &staked);
            }
            if ((c & R_STAKE) && last_first != (size_t)-1 &&
                word - last_first <= SCAM_STORY_WINDOW)
                last_stake = word;
            if (c & R_RETURN) {
                last_return = word;
                /* "... I got $25,750 return": the amount came first */
                if (staked != (size_t)-1 && last_amount != (size_t)-1 &&
                    last_amount > staked && word - last_amount <= SCAM_STORY_WINDOW)
                    r->stake = 1;
            }
            /* an ask: a contact verb opening a clause, softened ("please
             * call"), or aimed at someone ("message him", "dm me") */
            if (c & R_ACT) {
                const tokenize_token *nx = i + 1 < l->n ? &l->v[i + 1] : NULL;
                unsigned nc = nx && nx->type == TOKENIZE_WORD
                                  ? lex_class_tok(lf, l, nx) : 0;
                if (clause_start(norm, t->off) || (prev & R_SOFT) ||
                    (nc & (R_OBJ | R_HONOR)) ||
                    (nx && (nx->type == TOKENIZE_PHONE ||
                            nx->type == TOKENIZE_EMAIL ||
                            nx->type == TOKENIZE_HANDLE)))
                    r->act = 1;
                if (nc & (R_HONOR))
                    r->third = 1;
                if (nx && nx->type == TOKENIZE_WORD &&
                    (strcmp(tokenize_text(l, nx), "me") == 0 ||
                     strcmp(tokenize_text(l, nx), "us") == 0))
                    r->ask_me = 1;
                if (nc & R_OBJ) {
                    const char *o = tokenize_text(l, nx);
                    if (strcmp(o, "him") == 0 || strcmp(o, "her") == 0 ||
                        strcmp(o, "them") == 0)
                        r->third = 1;
                }
            }
            if ((c & R_DESK) && ((prev & R_DESK2) || strcmp(s, "helpline") == 0 ||
                                 strcmp(s, "hotline") == 0 ||
                                 strcmp(s, "helpdesk") == 0))
                r->desk = 1;
            if ((c & R_AGENT) && (prev & (R_DESK2 | R_POSS))) {
                /* "my broker", "account manager": someone to trust */
                r->third = 1;
                if (strcmp(s, "manager") == 0 && (prev & R_DESK2))
                    r->desk = 1;
            }
            if ((c & R_HONOR) && i + 1 < l->n && l->v[i + 1].type == TOKENIZE_WORD)
                r->third = 1;
            if (c & R_FIRST)
                last_first = word;
            if (c & R_THIRD_P)
                r->spoken_of = 1;
            if ((c & R_GAIN) && last_first != (size_t)-1 &&
                word - last_first <= SCAM_STORY_WINDOW) {
                last_gain = word;
                r->gain = 1;
            }
            if (c & R_OFFER) {
                r->offer = 1;
                r->offers++;
            }
            if (c & R_THANK)
                r->thank = 1;
        }
        /* "work(ing) from home": the job-offer frame's own phrase */
        if (s[0] == 'w' && (strcmp(s, "work") == 0 || strcmp(s, "working") == 0) &&
            i + 2 < l->n && strcmp(tokenize_text(l, &l->v[i + 1]), "from") == 0 &&
            strcmp(tokenize_text(l, &l->v[i + 2]), "home") == 0)
            r->offer = 1;
        prev = c;
        /* the story: I ... earned ... amount, the amount near the verb */
        if (last_gain != (size_t)-1 && last_amount != (size_t)-1 &&
            (last_amount > last_gain ? last_amount - last_gain
                                     : last_gain - last_amount) <=
                SCAM_STORY_WINDOW)
            r->story = 1;
    }
    if (last_gain != (size_t)-1 && last_amount != (size_t)-1 &&
        (last_amount > last_gain ? last_amount - last_gain
                                 : last_gain - last_amount) <= SCAM_STORY_WINDOW)
        r->story = 1;
}

/* The spam model's calibrated probability of the comment, or -1 when the
 * engine has no such model or no n-grams. */
static double spam_model_p(const detector_analysis *a) {
    const ngram_model *m = a->models ? a->models[NGRAM_MODEL_SPAM] : NULL;
    if (!m || !a->ngram)
        return -1;
    ngram_result res;
    ngram_predict(m, a->ngram, &res);
    return res.prob;
}

static void scam_run(const detector_analysis *a, score_signal *out) {
    roles r;
    find_roles(a, &r);
    double best = 0;
    const char *why = NULL;
#define FRAME(cond, sig, text)                                                 \
    do {                                                                       \
        if ((cond) && (sig) > best) {                                          \
            best = (sig);                                                      \
            why = (text);                                                      \
        }                                                                      \
    } while (0)
    FRAME(r.desk && r.act && r.reach, SCAM_DESK_ACT_REACH,
          "a service desk asks to be contacted off the site");
    FRAME(r.desk && r.reach, SCAM_DESK_REACH,
          "a service desk with a way to be reached off the site");
    FRAME(r.story && r.offer && (r.reach || r.link), SCAM_STORY_OFFER_REACH,
          "a first-person money story with an offer and a way to reach it");
    FRAME(r.story && r.offer && r.act, SCAM_STORY_OFFER_ACT,
          "a first-person money story with an offer and a call to act");
    FRAME(r.story && r.link && r.act, SCAM_STORY_REACH,
          "a first-person money story with a link to follow");
    FRAME(r.third && r.reach && r.offer && (r.thank || r.gain),
          SCAM_TESTIMONIAL,
          "a testimonial for someone to contact about money");
    FRAME(r.offer && r.act && r.link, SCAM_OFFER_LINK,
          "an offer with a link to follow");
    FRAME(r.story && r.third && r.reach, SCAM_STORY_THIRD_REACH,
          "a first-person money story vouching for someone to contact");
    FRAME(r.story && r.third, SCAM_STORY_THIRD,
          "a first-person money story vouching for someone");
    FRAME(r.story && r.reach && r.act, SCAM_STORY_REACH,
          "a first-person money story with a way to be reached");
    FRAME(r.third && r.act && r.reach, SCAM_THIRD_ACT_REACH,
          "asks readers to contact a third party off the site");
    FRAME(r.offer && r.act && r.reach, SCAM_OFFER_ACT_REACH,
          "an offer (recovery, loan, job, visa, prize, investment) with "
          "a way to be reached");
    FRAME(r.offer && r.reach && r.third, SCAM_OFFER_HANDLE,
          "a money offer naming someone to reach");
    FRAME(r.offer && r.reach, SCAM_OFFER_REACH,
          "an offer with a way to be reached");
    FRAME(r.offer && r.act && r.third, SCAM_OFFER_ACT_THIRD,
          "an offer through a third party to contact");
    FRAME(r.stake, SCAM_STAKE_RETURN,
          "a first-person investment story: money put in, then a multiplied "
          "return, each with its amount");
    FRAME(r.offers >= 2 && r.ask_me, SCAM_OFFER_ASK_ME,
          "a money offer (two or more of its words) and the writer asking to "
          "be contacted");
    FRAME(r.first_n && r.act, SCAM_FIRST_N_ACT,
          "a giveaway to the first few people who contact the writer");
    FRAME(r.first_n && r.money, SCAM_FIRST_N_ACT,
          "a sum of money for the first few people");
    FRAME(r.named && r.writer && r.thank && r.spoken_of, SCAM_VOUCH,
          "a testimonial: the writer vouches, in the third person, for "
          "someone named by handle");
    FRAME(r.tag_handle && (r.thank || r.gain || r.offer || r.spoken_of),
          SCAM_TAG_HANDLE,
          "a person's handle written as a topic tag (#name_), with a "
          "testimonial, money or an offer");
    FRAME(r.money_handle && r.named && (r.thank || r.gain || r.spoken_of),
          SCAM_MONEY_HANDLE,
          "a testimonial for an account named for money");
    FRAME(r.named && r.writer && r.thank, SCAM_HANDLE_THANK,
          "the writer's thanks or praise for someone named by handle");
    /* the role a scam cannot do without, an address to be reached at off
     * the site (or its money story), read as spam by the learned model
     * too; an ask ("call me"), a messenger named or a name ("Mr. Jones")
     * alone is everyday talk */
    if (best < SCAM_LEARNED && (r.channel || r.story || r.stake)) {
        double p = spam_model_p(a);
        FRAME(p >= SCAM_LEARNED_P, SCAM_LEARNED,
              "one of a scam's roles, and the learned spam model agrees");
    }
#undef FRAME
    if (best <= 0)
        return;
    out->signal = best;
    snprintf(out->detail, sizeof out->detail, "%s", why);
    if (r.ev_end > r.ev_off) {
        size_t n = r.ev_end - r.ev_off;
        if (n >= sizeof out->evidence)
            n = sizeof out->evidence - 1;
        memcpy(out->evidence, a->features->normalized + r.ev_off, n);
        out->evidence[n] = '\0';
    }
}

const detector det_scam = {
    .row = {.code = "scam",
            .kind = ENGINE_KIND_SPAM,
            .evidence = ENGINE_EVIDENCE_SPAN,
            .weight = 1.0,
            .summary = "a scam's cast of roles: a way to be reached, a call "
                       "to act and a service desk, a vouched-for third party, "
                       "a money story or an offer"},
    .run = scam_run,
};
