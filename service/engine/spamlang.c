/* spamlang.c - spam wording: phrases, banned/suspect words, shouting.
 *
 * Owns the built-in phrase table and its compiled form: every phrase is a
 * sequence of word hashes ("#" matches any number), indexed by its first
 * word in an open-addressing table so matching costs one probe per word of
 * the comment. Built-in phrases match a word by its text or its stem
 * ("gift card" matches "gift cards"); config words match the text only.
 * It also owns the self-promotion grammar (see "Self-promotion" below):
 * word classes (promotion verbs, my/our, media nouns) combined by a few
 * position rules, so "come see my new track" needs no phrase of its own. Each distinct phrase found contributes its weight; they
 * combine by noisy-OR (capped at 0.95). Banned words give 1.0 (reject),
 * suspect words 0.55 (review). Shouting is measured on the original text
 * (normalize_stats) because case folding erased it. No I/O, no globals:
 * the tables below are constant data.
 */
#include "spamlang.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shingle.h"

/* Cap on config list sizes: a word list, not a corpus. */
#define SPAMLANG_MAX_CONFIG_WORDS 4096
/* "visit X.com", "go to X.com": pointing readers at a link. */
#define SPAMLANG_LINK_CALL 0.4

enum { CAT_PROMO, CAT_MONEY, CAT_CONTACT, CAT_PRAISE, CAT_BANNED,
       CAT_SUSPECT };

static const struct {
    const char *phrase;
    double weight;
    int cat;
} builtin[] = {
    /* self-promotion (YouTube-style); the grammar below covers the
     * verb + my/our + media-noun shapes, these are the fixed idioms */
    {"check out my channel", 0.6, CAT_PROMO},
    {"check out my", 0.45, CAT_PROMO},
    {"check out our", 0.4, CAT_PROMO},
    {"check this out", 0.3, CAT_PROMO},
    {"check out", 0.2, CAT_PROMO},
    {"visit my", 0.5, CAT_PROMO},
    {"follow me", 0.45, CAT_PROMO},
    {"follow me on", 0.55, CAT_PROMO},
    {"follow us on", 0.5, CAT_PROMO},
    {"add me on", 0.45, CAT_PROMO},
    {"add me here", 0.5, CAT_PROMO},
    {"like this comment", 0.5, CAT_PROMO},
    {"like my comment", 0.5, CAT_PROMO},
    {"like this post", 0.35, CAT_PROMO},
    {"thumbs up so", 0.35, CAT_PROMO},
    {"give me a chance", 0.35, CAT_PROMO},
    {"give us a chance", 0.35, CAT_PROMO},
    {"help me reach", 0.45, CAT_PROMO},
    {"help me get", 0.4, CAT_PROMO},
    {"click here", 0.5, CAT_PROMO},
    {"click the link", 0.5, CAT_PROMO},
    {"click this link", 0.5, CAT_PROMO},
    {"click on the link", 0.5, CAT_PROMO},
    {"link in my bio", 0.55, CAT_PROMO},
    {"promo code", 0.35, CAT_PROMO},
    {"use my code", 0.45, CAT_PROMO},
    {"referral code", 0.45, CAT_PROMO},
    {"please vote for", 0.4, CAT_PROMO},
    {"vote for me", 0.5, CAT_PROMO},
    {"please donate", 0.45, CAT_PROMO},
    {"please share", 0.35, CAT_PROMO},
    {"share this page", 0.45, CAT_PROMO},
    {"like this page", 0.45, CAT_PROMO},
    {"this video on youtube", 0.5, CAT_PROMO},
    {"this playlist on youtube", 0.5, CAT_PROMO},
    {"i'm a new youtuber", 0.5, CAT_PROMO},
    {"small youtuber", 0.45, CAT_PROMO},
    {"new youtuber", 0.4, CAT_PROMO},
    /* money and scams ("work from home" alone is a way of working: the
     * scam detector reads it as a job offer only with a way to be
     * reached; "my blog" alone is a statement: the grammar below needs an
     * ask) */
    {"earn # a day", 0.7, CAT_MONEY},
    {"earn # per day", 0.7, CAT_MONEY},
    {"earn # a week", 0.7, CAT_MONEY},
    {"earn # dollars", 0.6, CAT_MONEY},
    {"make # a day", 0.6, CAT_MONEY},
    {"make # a month", 0.55, CAT_MONEY},
    {"made # last month", 0.45, CAT_MONEY},
    {"made # last week", 0.45, CAT_MONEY},
    {"make money online", 0.6, CAT_MONEY},
    {"make money fast", 0.6, CAT_MONEY},
    {"earn money", 0.4, CAT_MONEY},
    {"earn real money", 0.55, CAT_MONEY},
    {"get paid", 0.35, CAT_MONEY},
    {"paypal money", 0.4, CAT_MONEY},
    {"pay pal money", 0.4, CAT_MONEY},
    {"free gift", 0.4, CAT_MONEY},
    {"extra income", 0.4, CAT_MONEY},
    {"passive income", 0.4, CAT_MONEY},
    {"free gift card", 0.7, CAT_MONEY},
    {"gift card", 0.35, CAT_MONEY},
    {"free iphone", 0.6, CAT_MONEY},
    {"free money", 0.5, CAT_MONEY},
    {"crypto investment", 0.55, CAT_MONEY},
    {"bitcoin investment", 0.55, CAT_MONEY},
    {"invest in bitcoin", 0.5, CAT_MONEY},
    {"investment platform", 0.45, CAT_MONEY},
    {"guaranteed profit", 0.65, CAT_MONEY},
    {"guaranteed returns", 0.6, CAT_MONEY},
    {"binary options", 0.5, CAT_MONEY},
    {"forex trading", 0.35, CAT_MONEY},
    {"recovery expert", 0.55, CAT_MONEY},
    {"100 free", 0.4, CAT_MONEY},
    {"limited offer", 0.4, CAT_MONEY},
    {"act now", 0.3, CAT_MONEY},
    {"buy now", 0.35, CAT_MONEY},
    {"cheap", 0.15, CAT_MONEY},
    {"online casino", 0.55, CAT_MONEY},
    {"payday loan", 0.6, CAT_MONEY},
    {"payday loans", 0.6, CAT_MONEY},
    {"viagra", 0.7, CAT_MONEY},
    {"cialis", 0.7, CAT_MONEY},
    {"weight loss pills", 0.55, CAT_MONEY},
    {"you have won", 0.5, CAT_MONEY},
    {"claim your prize", 0.6, CAT_MONEY},
    /* reach me elsewhere */
    {"dm me", 0.4, CAT_CONTACT},
    {"message me on", 0.45, CAT_CONTACT},
    {"contact me on", 0.45, CAT_CONTACT},
    {"text me on", 0.45, CAT_CONTACT},
    {"whatsapp me", 0.5, CAT_CONTACT},
    {"hit me up", 0.3, CAT_CONTACT},
    /* generic praise: harmless alone, SEO spam with an author URL */
    {"great post", 0, CAT_PRAISE},
    {"nice post", 0, CAT_PRAISE},
    {"awesome post", 0, CAT_PRAISE},
    {"great article", 0, CAT_PRAISE},
    {"nice article", 0, CAT_PRAISE},
    {"great blog", 0, CAT_PRAISE},
    {"nice blog", 0, CAT_PRAISE},
    {"thanks for sharing", 0, CAT_PRAISE},
    {"thank you for sharing", 0, CAT_PRAISE},
    {"very informative", 0, CAT_PRAISE},
    {"great info", 0, CAT_PRAISE},
    {"useful information", 0, CAT_PRAISE},
    {"keep it up", 0, CAT_PRAISE},
    {"well written", 0, CAT_PRAISE},
    {"keep up the good work", 0, CAT_PRAISE},
    {"great content", 0, CAT_PRAISE},
};

#define HASH_NUMBER 1u /* "#" in a phrase: any number */

/* ------------------------------------------------------------------------ */
/* Self-promotion grammar: word classes                                      */
/* ------------------------------------------------------------------------ */

/* Open-addressing slots of the word-class table: > 2x the words below. */
#define SPAMLANG_CLASS_SLOTS 512
/* A promotion verb reaches its my/our at most this many words later
 * ("go and check out my", "take a look at my"). */
#define SPAMLANG_VERB_REACH 4

enum {
    W_VERB = 1 << 0,   /* asks the reader to do something with a thing */
    W_POSS = 1 << 1,   /* my / our: the writer's own thing */
    W_MEDIA = 1 << 2,  /* something one publishes */
    W_ADJ = 1 << 3,    /* may stand between my/our and the media noun */
    W_SELF = 1 << 4,   /* me / us: "check me out", "sub me" */
    W_DEM = 1 << 5,    /* this / that / these: "watch this video" */
    W_SUBWORD = 1 << 6, /* sub / subs: short forms of subscribe */
    W_REACH = 1 << 7,  /* get / reach / hit: "get 100 subscribers" */
    W_SOFT = 1 << 8,   /* please / plz / and: soften an imperative */
    W_FOR = 1 << 9,    /* 4 / for: "follow 4 follow" */
    W_MADE = 1 << 10,  /* made / started: "I made a gaming channel" */
    W_ART = 1 << 11,   /* a / an: "started a new channel" */
    W_I = 1 << 12,     /* I / I'm: "I have 500 subscribers" */
    W_ASK = 1 << 13,   /* asks readers to act (counted for links.c) */
};

static const struct {
    const char *word;
    uint16_t cls;
} word_classes[] = {
    {"check", W_VERB}, {"checking", W_VERB}, {"chek", W_VERB},
    {"watch", W_VERB}, {"visit", W_VERB}, {"see", W_VERB},
    {"look", W_VERB}, {"listen", W_VERB}, {"hear", W_VERB},
    {"view", W_VERB}, {"follow", W_VERB}, {"like", W_VERB},
    {"share", W_VERB}, {"add", W_VERB}, {"join", W_VERB},
    {"vote", W_VERB}, {"download", W_VERB}, {"support", W_VERB},
    {"go", W_VERB}, {"come", W_VERB}, {"try", W_VERB},
    {"give", W_VERB}, {"search", W_VERB}, {"click", W_VERB},
    {"subscribe", W_VERB}, {"sub", W_VERB | W_SUBWORD},
    {"subs", W_SUBWORD}, {"my", W_POSS}, {"our", W_POSS}, {"mah", W_POSS},
    {"me", W_SELF}, {"us", W_SELF}, {"this", W_DEM}, {"that", W_DEM},
    {"these", W_DEM},
    {"channel", W_MEDIA}, {"chanel", W_MEDIA}, {"channels", W_MEDIA},
    {"video", W_MEDIA}, {"videos", W_MEDIA}, {"vid", W_MEDIA},
    {"vids", W_MEDIA}, {"vidz", W_MEDIA}, {"vidios", W_MEDIA},
    {"videoes", W_MEDIA}, {"vlog", W_MEDIA}, {"song", W_MEDIA},
    {"songs", W_MEDIA}, {"track", W_MEDIA}, {"tracks", W_MEDIA},
    {"music", W_MEDIA | W_ADJ}, {"cover", W_MEDIA | W_ADJ},
    {"covers", W_MEDIA}, {"playlist", W_MEDIA}, {"remix", W_MEDIA},
    {"mix", W_MEDIA}, {"mixtape", W_MEDIA}, {"stream", W_MEDIA},
    {"blog", W_MEDIA}, {"website", W_MEDIA}, {"site", W_MEDIA},
    {"clip", W_MEDIA}, {"clips", W_MEDIA}, {"parody", W_MEDIA},
    {"album", W_MEDIA}, {"beat", W_MEDIA}, {"beats", W_MEDIA},
    {"rap", W_MEDIA | W_ADJ}, {"raps", W_MEDIA}, {"page", W_MEDIA},
    {"profile", W_MEDIA}, {"stuff", W_MEDIA}, {"upload", W_MEDIA},
    {"uploads", W_MEDIA}, {"app", W_MEDIA}, {"podcast", W_MEDIA},
    {"animation", W_MEDIA}, {"animations", W_MEDIA}, {"montage", W_MEDIA},
    {"youtube", W_MEDIA | W_ADJ}, {"instagram", W_MEDIA | W_ADJ},
    {"twitter", W_MEDIA}, {"facebook", W_MEDIA | W_ADJ},
    {"soundcloud", W_MEDIA}, {"band", W_MEDIA}, {"shop", W_MEDIA},
    {"store", W_MEDIA}, {"art", W_MEDIA}, {"artwork", W_MEDIA},
    {"sound", W_MEDIA}, {"sounds", W_MEDIA},
    {"new", W_ADJ}, {"newest", W_ADJ}, {"first", W_ADJ},
    {"latest", W_ADJ}, {"own", W_ADJ}, {"yt", W_ADJ}, {"gaming", W_ADJ},
    {"official", W_ADJ}, {"recent", W_ADJ}, {"second", W_ADJ},
    {"next", W_ADJ}, {"little", W_ADJ}, {"small", W_ADJ},
    {"acoustic", W_ADJ}, {"guitar", W_ADJ}, {"dance", W_ADJ},
    {"get", W_REACH}, {"reach", W_REACH}, {"hit", W_REACH},
    {"gain", W_REACH}, {"please", W_SOFT}, {"plz", W_SOFT},
    {"pls", W_SOFT}, {"plese", W_SOFT}, {"and", W_SOFT}, {"could", W_SOFT},
    {"can", W_SOFT}, {"would", W_SOFT}, {"to", W_SOFT}, {"4", W_FOR},
    {"for", W_FOR}, {"made", W_MADE}, {"started", W_MADE},
    {"start", W_MADE}, {"created", W_MADE}, {"opened", W_MADE},
    {"launched", W_MADE}, {"did", W_MADE}, {"a", W_ART}, {"an", W_ART}, {"i", W_I},
    {"i'm", W_I}, {"im", W_I}, {"i've", W_I}, {"ive", W_I},
    {"donate", W_ASK}, {"register", W_ASK}, {"signup", W_ASK},
    {"install", W_ASK}, {"help", W_ASK}, {"please", W_ASK},
    {"plz", W_ASK}, {"pls", W_ASK}, {"vote", W_ASK}, {"share", W_ASK},
    {"join", W_ASK}, {"download", W_ASK}, {"visit", W_ASK},
    {"click", W_ASK}, {"support", W_ASK}, {"follow", W_ASK}
};

typedef struct phrase {
    uint64_t w[SPAMLANG_MAX_PHRASE_WORDS];
    uint8_t n;
    uint8_t cat;
    uint8_t stems; /* 1: a word also matches a token's stem (built-ins) */
    double weight;
    const char *text; /* borrowed from builtin[] or owned copy (config) */
    uint32_t next;    /* 1 + next phrase with the same first word, 0 end */
} phrase;

struct spamlang {
    phrase *p;
    size_t np;
    uint64_t *first;  /* open addressing: first-word hash */
    uint32_t *head;   /* 1 + first phrase index, 0 = empty */
    size_t cap;
    char **owned;     /* copies of config strings */
    size_t nowned;
    const char **banned_single; /* single banned words, for substrings */
    size_t nbanned_single;
    uint64_t wkey[SPAMLANG_CLASS_SLOTS]; /* word-class table, 0 = empty */
    uint16_t wcls[SPAMLANG_CLASS_SLOTS];
};

static int compile(spamlang *s, const char *text, double weight, int cat) {
    phrase *p = &s->p[s->np];
    memset(p, 0, sizeof *p);
    const char *q = text;
    while (*q) {
        while (*q == ' ')
            q++;
        const char *e = q;
        while (*e && *e != ' ')
            e++;
        if (e == q)
            break;
        if (p->n == SPAMLANG_MAX_PHRASE_WORDS)
            return 0; /* too long: ignored */
        p->w[p->n++] = (e - q == 1 && *q == '#') ? HASH_NUMBER
                                                 : tokenize_hash(q, (size_t)(e - q));
        q = e;
    }
    if (!p->n)
        return 0;
    p->cat = (uint8_t)cat;
    p->stems = cat != CAT_BANNED && cat != CAT_SUSPECT;
    p->weight = weight;
    p->text = text;
    size_t m = s->cap - 1, i = (size_t)p->w[0] & m;
    while (s->head[i] && s->first[i] != p->w[0])
        i = (i + 1) & m;
    s->first[i] = p->w[0];
    p->next = s->head[i];
    s->head[i] = (uint32_t)s->np + 1;
    s->np++;
    return 0;
}

static size_t count_list(const char *const *l) {
    size_t n = 0;
    while (l && l[n] && n < SPAMLANG_MAX_CONFIG_WORDS)
        n++;
    return n;
}

spamlang *spamlang_new(const engine_config *cfg) {
    size_t nb = count_list(cfg->banned_words), ns = count_list(cfg->suspect_words);
    size_t nbuilt = sizeof builtin / sizeof builtin[0];
    size_t total = nbuilt + nb + ns;
    spamlang *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cap = 64;
    while (s->cap < total * 2)
        s->cap *= 2;
    s->p = calloc(total + 1, sizeof *s->p);
    s->first = calloc(s->cap, sizeof *s->first);
    s->head = calloc(s->cap, sizeof *s->head);
    s->owned = calloc(nb + ns + 1, sizeof *s->owned);
    s->banned_single = calloc(nb + 1, sizeof *s->banned_single);
    if (!s->p || !s->first || !s->head || !s->owned || !s->banned_single)
        goto fail;
    for (size_t i = 0; i < nbuilt; i++)
        compile(s, builtin[i].phrase, builtin[i].weight, builtin[i].cat);
    for (size_t i = 0; i < sizeof word_classes / sizeof *word_classes; i++) {
        const char *w = word_classes[i].word;
        uint64_t h = tokenize_hash(w, strlen(w));
        size_t k = (size_t)h & (SPAMLANG_CLASS_SLOTS - 1);
        while (s->wkey[k] && s->wkey[k] != h)
            k = (k + 1) & (SPAMLANG_CLASS_SLOTS - 1);
        s->wkey[k] = h;
        s->wcls[k] |= word_classes[i].cls;
    }
    for (size_t i = 0; i < nb + ns; i++) {
        const char *src = i < nb ? cfg->banned_words[i] : cfg->suspect_words[i - nb];
        char *copy = strdup(src);
        if (!copy)
            goto fail;
        s->owned[s->nowned++] = copy;
        compile(s, copy, i < nb ? 1.0 : 0.55, i < nb ? CAT_BANNED : CAT_SUSPECT);
        if (i < nb && !strchr(copy, ' ') && strlen(copy) >= 5)
            s->banned_single[s->nbanned_single++] = copy;
    }
    return s;
fail:
    spamlang_free(s);
    return NULL;
}

void spamlang_free(spamlang *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->nowned; i++)
        free(s->owned[i]);
    free(s->owned);
    free(s->banned_single);
    free(s->head);
    free(s->first);
    free(s->p);
    free(s);
}

/* ------------------------------------------------------------------------ */
/* Matching                                                                  */
/* ------------------------------------------------------------------------ */

#define SPAMLANG_EVIDENCE_ITEM 160 /* one quoted match; longer ones are cut */

/* Evidence list "a; b; c" in dst: keeps the longest matches only. A span
 * already contained in an item is skipped; items contained in the new span
 * are dropped before it is added ("check out" + "check out my channel" ->
 * "check out my channel"). Longer lists are cut at n. */
static void append(char *dst, size_t n, const char *s, size_t sl) {
    char item[SPAMLANG_EVIDENCE_ITEM];
    if (sl == 0)
        return;
    if (sl >= sizeof item)
        sl = sizeof item - 1;
    memcpy(item, s, sl);
    item[sl] = '\0';
    char out[512];
    size_t w = 0;
    const char *p = dst;
    while (*p) {
        const char *e = strstr(p, "; ");
        size_t il = e ? (size_t)(e - p) : strlen(p);
        char cur[SPAMLANG_EVIDENCE_ITEM];
        size_t cl = il < sizeof cur ? il : sizeof cur - 1;
        memcpy(cur, p, cl);
        cur[cl] = '\0';
        if (strstr(cur, item))
            return; /* already covered */
        if (!strstr(item, cur) && w + cl + 3 < sizeof out) {
            if (w) {
                out[w++] = ';';
                out[w++] = ' ';
            }
            memcpy(out + w, cur, cl);
            w += cl;
        }
        p = e ? e + 2 : p + il;
    }
    if (w + sl + 3 < sizeof out) {
        if (w) {
            out[w++] = ';';
            out[w++] = ' ';
        }
        memcpy(out + w, item, sl);
        w += sl;
    }
    out[w] = '\0';
    if (w >= n)
        w = n - 1;
    memcpy(dst, out, w);
    dst[w] = '\0';
}

/* ------------------------------------------------------------------------ */
/* Self-promotion grammar                                                    */
/* ------------------------------------------------------------------------ */

/* Signals of the grammar rules (each rule counts once per comment). */
#define PROMO_VERB_MY_MEDIA 0.7 /* "go check out my new channel" */
#define PROMO_MY_MEDIA 0.3      /* "my new song", "our videos": a
                                   statement about one's own work, a
                                   promotion only with other evidence */
#define PROMO_MY_MEDIA_ASK 0.5  /* "my videos ... check them out" */
#define PROMO_MY_CHANNEL 0.55   /* "my channel": the YouTube self-plug */
#define PROMO_VERB_SELF 0.55    /* "check me out", "sub me", "add me" */
#define PROMO_VERB_THIS_MEDIA 0.45 /* "check out this playlist" */
#define PROMO_SUBSCRIBE 0.25    /* "subscribe" neither asked nor told */
#define PROMO_SUBSCRIBE_ASK 0.6 /* "subscribe to me", "please subscribe" */
#define PROMO_SUBSCRIBERS_GOAL 0.55 /* "help me get 100 subscribers" */
#define PROMO_SUBSCRIBER 0.3    /* "my first subscriber" */
#define PROMO_SUB_ASK 0.6       /* "sub to me", "sub back" */
#define PROMO_SUBS 0.35         /* "some subs" */
#define PROMO_SWAP 0.7          /* "sub4sub", "follow 4 follow" */
#define PROMO_MADE_MEDIA 0.55   /* "I just started a new channel" */
#define PROMO_CHECK_OUT_MEDIA 0.5 /* "check out <name> channel" */

static uint16_t word_class(const spamlang *s, uint64_t h) {
    size_t k = (size_t)h & (SPAMLANG_CLASS_SLOTS - 1);
    while (s->wkey[k]) {
        if (s->wkey[k] == h)
            return s->wcls[k];
        k = (k + 1) & (SPAMLANG_CLASS_SLOTS - 1);
    }
    return 0;
}

static int starts(const char *w, const char *prefix) {
    while (*prefix && *w == *prefix) {
        w++;
        prefix++;
    }
    return *prefix == '\0';
}

/* 1 verb form of subscribe (also misspelt), 2 subscriber(s), 0 neither. */
static int subscribe_form(const char *w) {
    if (w[0] != 's')
        return 0;
    static const char *const stems[] = {"subscri", "suscri", "subcri",
                                        "sucscri", "subscir", "subsri"};
    for (size_t i = 0; i < sizeof stems / sizeof *stems; i++)
        if (starts(w, stems[i])) {
            if (strstr(w, "ption"))
                return 0; /* a subscription is something one pays for */
            return strstr(w, "ber") ? 2 : 1;
        }
    return 0;
}

/* 1 for a past or progressive form ("subscribed", "subscribing"): a
 * report of what someone did, not an ask. */
static int told_form(const char *w) {
    size_t n = strlen(w);
    return (n > 2 && strcmp(w + n - 2, "ed") == 0) ||
           (n > 3 && strcmp(w + n - 3, "ing") == 0);
}

/* Words between a first-person subject and its verb: "i will", "i just
 * finally". */
#define SPAMLANG_SUBJECT_REACH 3

/* Auxiliaries and adverbs that may stand between a subject and its verb
 * ("i will", "i just finally", "we already"). */
static const char *const between_subject_verb[] = {
    "will", "would", "just", "finally", "also", "already", "have", "did",
    "do", "really", "definitely", "totally", "now", "gonna", "might",
    "never", "always", "even",
};

static int subject_filler(const char *w) {
    for (size_t i = 0;
         i < sizeof between_subject_verb / sizeof *between_subject_verb; i++)
        if (strcmp(w, between_subject_verb[i]) == 0)
            return 1;
    return 0;
}

/* 1 when the verb at word i has a first-person subject ("i", "i'll",
 * "we"), with at most SPAMLANG_SUBJECT_REACH auxiliaries or adverbs
 * between: a statement ("i will definitely subscribe"), not an ask. */
static int first_person(const tokenize_list *l, const uint32_t *idx,
                        const uint16_t *c, size_t i) {
    for (size_t k = i, d = 0; k > 0 && d <= SPAMLANG_SUBJECT_REACH; d++) {
        k--;
        const char *w = tokenize_text(l, &l->v[idx[k]]);
        if (((c[k] & W_I) && strcmp(w, "i'm") != 0 && strcmp(w, "im") != 0) ||
            strcmp(w, "i'll") == 0 || strcmp(w, "we") == 0 ||
            strcmp(w, "we'll") == 0 || strcmp(w, "ill") == 0)
            return 1;
        if (!subject_filler(w))
            return 0;
    }
    return 0;
}

/* 1 when the comment asks the reader to do something: a promotion verb
 * opening a clause, softened ("please look up"), or with its object ("check
 * them out", "give it a like"). */
static int has_ask(const tokenize_list *l, const uint32_t *idx,
                   const uint16_t *c, size_t nw, const char *norm) {
    for (size_t i = 0; i < nw; i++) {
        if (!(c[i] & W_VERB))
            continue;
        const tokenize_token *t = &l->v[idx[i]];
        size_t off = t->off;
        while (off > 0 && norm[off - 1] == ' ')
            off--;
        int opens = off == 0 || strchr(".!?:;,\n", norm[off - 1]) != NULL;
        int soft = i > 0 && (c[i - 1] & W_SOFT) && !(c[i - 1] & W_FOR);
        int object = i + 1 < nw &&
                     ((c[i + 1] & (W_SELF | W_DEM)) ||
                      strcmp(tokenize_text(l, &l->v[idx[i + 1]]), "it") == 0 ||
                      strcmp(tokenize_text(l, &l->v[idx[i + 1]]), "them") == 0);
        if ((opens || soft || object) && !first_person(l, idx, c, i))
            return 1;
    }
    return 0;
}

/* "sub4sub", "f4f", "like4like": two equal halves around a 4. */
static int swap_word(const char *w) {
    const char *four = w;
    while (*four && *four != '4')
        four++;
    if (!*four || four == w)
        return 0;
    size_t a = (size_t)(four - w);
    return strlen(four + 1) == a && strncmp(w, four + 1, a) == 0;
}

/* Index of the media noun at j, after at most two adjectives ("my new
 * acoustic cover"), or nw when there is none. A word that is both (music,
 * cover) is the noun unless a media noun follows it. */
static size_t media_after(const uint16_t *c, size_t nw, size_t j) {
    for (size_t adj = 0; j < nw && adj < 2; adj++, j++) {
        if ((c[j] & W_MEDIA) && !(j + 1 < nw && (c[j + 1] & W_MEDIA)))
            break;
        if (!(c[j] & W_ADJ))
            return nw;
    }
    return j < nw && (c[j] & W_MEDIA) ? j : nw;
}

static int is_word(const tokenize_list *l, const tokenize_token *t,
                   const char *w) {
    return strcmp(tokenize_text(l, t), w) == 0;
}

/* Applies the rules to the words idx[0..nw) of l; multiplies *keep by
 * (1 - signal) per rule that fires and appends the matched spans. */
static void promo_grammar(const spamlang *s, const tokenize_list *l,
                          const uint32_t *idx, size_t nw, const char *norm,
                          double *keep, char *words, size_t wn,
                          size_t *asks) {
    enum { R_VMM, R_MM, R_VS, R_VTM, R_SUB, R_SUBS_N, R_SUBWORD, R_SWAP,
           R_MADE, R_COUNT };
    double best[R_COUNT] = {0};
    size_t from[R_COUNT] = {0}, to[R_COUNT] = {0};
    uint16_t *c = malloc((nw + 1) * sizeof *c);
    if (!c)
        return;
    /* swap words need a '4': when no token text has one, skip the per-word
     * scan (the arena holds every token's text) */
    int any4 = l->an && memchr(l->arena, '4', l->an) != NULL;
    for (size_t i = 0; i < nw; i++) {
        const tokenize_token *t = &l->v[idx[i]];
        c[i] = word_class(s, t->hash);
        if (t->stem_hash != t->hash)
            c[i] |= word_class(s, t->stem_hash);
        *asks += (c[i] & W_ASK) != 0;
    }
#define FIRE(r, sig, a, b)                                                     \
    do {                                                                       \
        if ((sig) > best[r]) {                                                 \
            best[r] = (sig);                                                   \
            from[r] = (a);                                                     \
            to[r] = (b);                                                       \
        }                                                                      \
    } while (0)
    for (size_t i = 0; i < nw; i++) {
        const tokenize_token *t = &l->v[idx[i]];
        const char *w = tokenize_text(l, t);
        /* most words: no class, no subscribe form (those start with 's'),
         * no swap word (no '4' in the text): no rule starts at them */
        if (!c[i] && w[0] != 's' && !any4)
            continue;
        /* my/our [adjective x2] media-noun */
        size_t k;
        if ((c[i] & W_POSS) && (k = media_after(c, nw, i + 1)) < nw)
            FIRE(R_MM, is_word(l, &l->v[idx[k]], "channel") ? PROMO_MY_CHANNEL
                                                           : PROMO_MY_MEDIA,
                 i, k);
        /* made/started a|my [adjectives] media-noun */
        if ((c[i] & W_MADE) && i + 1 < nw && (c[i + 1] & (W_ART | W_POSS)) &&
            (k = media_after(c, nw, i + 2)) < nw)
            FIRE(R_MADE, PROMO_MADE_MEDIA, i, k);
        if (c[i] & W_VERB) {
            /* verb ... my/our [adjectives] media-noun */
            for (size_t j = i + 1; j < nw && j <= i + SPAMLANG_VERB_REACH; j++) {
                if (!(c[j] & W_POSS))
                    continue;
                if ((k = media_after(c, nw, j + 1)) < nw)
                    FIRE(R_VMM, PROMO_VERB_MY_MEDIA, i, k);
                break;
            }
            /* check/sub/follow/add me (out) */
            if (i + 1 < nw && (c[i + 1] & W_SELF) &&
                (starts(w, "check") || starts(w, "sub") ||
                 is_word(l, t, "follow") || is_word(l, t, "add") ||
                 is_word(l, t, "support")))
                FIRE(R_VS, PROMO_VERB_SELF, i, i + 1);
            /* look/check/watch (out/at) this [word] media-noun */
            int look = starts(w, "check") || is_word(l, t, "watch") ||
                       is_word(l, t, "look") || is_word(l, t, "listen") ||
                       is_word(l, t, "see") || is_word(l, t, "hear");
            size_t j = look ? i + 1 : nw;
            /* check out <a name of up to three words> media-noun */
            if (look && j < nw && is_word(l, &l->v[idx[j]], "out"))
                for (k = j + 1; k < nw && k <= j + 4; k++)
                    if (c[k] & W_MEDIA) {
                        FIRE(R_VTM, PROMO_CHECK_OUT_MEDIA, i, k);
                        break;
                    }
            if (j < nw && (is_word(l, &l->v[idx[j]], "out") ||
                           is_word(l, &l->v[idx[j]], "at")))
                j++;
            if (j < nw && (c[j] & W_DEM) && (k = media_after(c, nw, j + 1)) < nw)
                FIRE(R_VTM, PROMO_VERB_THIS_MEDIA, i, k);
        }
        /* subscribe, subscribers */
        int sf = subscribe_form(w);
        int back = sf == 1 && i + 1 < nw && is_word(l, &l->v[idx[i + 1]], "back");
        if (sf == 1 && back) {
            /* "I'll subscribe back": a swap offer, whoever speaks */
            FIRE(R_SWAP, PROMO_SWAP, i, i + 1);
        } else if (sf == 1 && (first_person(l, idx, c, i) || told_form(w))) {
            /* "I subscribed", "I'll subscribe", "thanks for subscribing":
             * the writer tells, nobody is asked */
        } else if (sf == 1) {
            int ask = i == 0 || (c[i - 1] & (W_SOFT | W_VERB)) ||
                      is_word(l, &l->v[idx[i - 1]], "come") ||
                      is_word(l, &l->v[idx[i - 1]], "go") ||
                      is_word(l, &l->v[idx[i - 1]], "you") ||
                      is_word(l, &l->v[idx[i - 1]], "u");
            for (k = i + 1; k < nw && k <= i + 2; k++)
                if ((c[k] & (W_SELF | W_POSS | W_SOFT)) ||
                    is_word(l, &l->v[idx[k]], "back"))
                    ask = 1;
            FIRE(R_SUB, ask ? PROMO_SUBSCRIBE_ASK : PROMO_SUBSCRIBE, i, i);
        } else if (sf == 2) {
            /* "get 100 subscribers", "I have 500 subscribers", "my first
             * subscriber": the writer's own audience; "14,000,000
             * subscribers" alone is a count about someone else */
            int number = i > 0 && l->v[idx[i - 1]].type == TOKENIZE_NUMBER;
            int goal = 0, self = 0;
            for (k = i >= 3 ? i - 3 : 0; k < i; k++)
                goal |= (c[k] & W_REACH) != 0;
            for (k = i >= 5 ? i - 5 : 0; k < i; k++)
                self |= (c[k] & (W_I | W_POSS)) != 0;
            int ask = i + 1 < nw && (c[i + 1] & W_SOFT) && !(c[i + 1] & W_FOR);
            if ((goal && number) || self || ask)
                FIRE(R_SUBS_N, PROMO_SUBSCRIBERS_GOAL, i > 0 ? i - 1 : i, i);
            else if (!number)
                FIRE(R_SUBS_N, PROMO_SUBSCRIBER, i, i);
        }
        /* sub me, sub to, subs */
        if (c[i] & W_SUBWORD) {
            if (is_word(l, t, "subs"))
                FIRE(R_SUBWORD, PROMO_SUBS, i, i);
            else if (i + 1 < nw &&
                     ((c[i + 1] & (W_SELF | W_POSS)) ||
                      is_word(l, &l->v[idx[i + 1]], "to") ||
                      is_word(l, &l->v[idx[i + 1]], "back")))
                FIRE(R_SUBWORD, PROMO_SUB_ASK, i, i + 1);
        }
        /* sub4sub, follow 4 follow, like for like */
        if (any4 && swap_word(w))
            FIRE(R_SWAP, PROMO_SWAP, i, i);
        else if ((c[i] & (W_VERB | W_SUBWORD)) && i + 2 < nw &&
                 (c[i + 1] & W_FOR) && l->v[idx[i + 2]].hash == t->hash)
            FIRE(R_SWAP, PROMO_SWAP, i, i + 2);
    }
#undef FIRE
    /* the verb rule already says what "my channel" says; "my videos"
     * with an ask elsewhere ("check them out") is the asking shape */
    if (best[R_VMM] > 0)
        best[R_MM] = 0;
    else if (best[R_MM] > 0 && best[R_MM] < PROMO_MY_MEDIA_ASK &&
             has_ask(l, idx, c, nw, norm))
        best[R_MM] = PROMO_MY_MEDIA_ASK;
    for (int r = 0; r < R_COUNT; r++) {
        if (best[r] <= 0)
            continue;
        *keep *= 1.0 - best[r];
        const tokenize_token *a = &l->v[idx[from[r]]];
        const tokenize_token *b = &l->v[idx[to[r]]];
        append(words, wn, norm + a->off, b->off + b->len - a->off);
    }
    free(c);
}

void spamlang_check(const spamlang *s, const tokenize_list *l,
                    const char *norm, spamlang_result *out) {
    memset(out, 0, sizeof *out);
    uint32_t *idx = malloc((l->n + 1) * sizeof *idx);
    /* phrase ids already counted (each distinct phrase counts once) */
    uint8_t *seen = calloc(s->np + 1, 1);
    if (!idx || !seen)
        goto done;
    size_t nw = shingle_words(l, idx);
    double keep[3] = {1, 1, 1}; /* language, banned, suspect */
    char words[3][ENGINE_FLAG_DETAIL_LEN / 2] = {"", "", ""};
    for (size_t i = 0; i < nw; i++) {
        const tokenize_token *t0 = &l->v[idx[i]];
        for (int probe = 0; probe < 2; probe++) {
            if (probe == 1 && t0->stem_hash == t0->hash)
                break;
            uint64_t h0 = probe ? t0->stem_hash : t0->hash;
            size_t m = s->cap - 1, k = (size_t)h0 & m;
            while (s->head[k] && s->first[k] != h0)
                k = (k + 1) & m;
            for (uint32_t pi = s->head[k]; pi; pi = s->p[pi - 1].next) {
                const phrase *p = &s->p[pi - 1];
                if (seen[pi - 1] || i + p->n > nw || (probe && !p->stems))
                    continue;
                size_t j = 1;
                for (; j < p->n; j++) {
                    const tokenize_token *t = &l->v[idx[i + j]];
                    if (p->w[j] == HASH_NUMBER ? t->type != TOKENIZE_NUMBER
                                               : t->hash != p->w[j] &&
                                                     !(p->stems &&
                                                       t->stem_hash == p->w[j]))
                        break;
                }
                if (j < p->n)
                    continue;
                seen[pi - 1] = 1;
                const tokenize_token *a = &l->v[idx[i]];
                const tokenize_token *b = &l->v[idx[i + p->n - 1]];
                int slot = p->cat == CAT_BANNED ? 1 : p->cat == CAT_SUSPECT ? 2 : 0;
                if (p->cat == CAT_PRAISE) {
                    out->generic_praise = 1;
                    continue;
                }
                keep[slot] *= 1.0 - p->weight;
                append(words[slot], sizeof words[slot], norm + a->off,
                       b->off + b->len - a->off);
            }
        }
    }
    promo_grammar(s, l, idx, nw, norm, &keep[0], words[0], sizeof words[0],
                  &out->asks);
    /* a call to action right before a link: "visit murdev.com" */
    for (size_t i = 0; i + 1 < l->n; i++) {
        const tokenize_token *t = &l->v[i], *u = &l->v[i + 1];
        if (t->type != TOKENIZE_WORD || u->type != TOKENIZE_URL)
            continue;
        const char *w = tokenize_text(l, t);
        if (strcmp(w, "visit") == 0 || strcmp(w, "out") == 0 ||
            strcmp(w, "click") == 0) {
            keep[0] *= 1.0 - SPAMLANG_LINK_CALL;
            append(words[0], sizeof words[0], norm + t->off,
                   u->off + u->len - t->off);
            break;
        }
    }
    /* banned words glued into longer words ("buyviagranow") */
    for (size_t i = 0; i < nw && s->nbanned_single; i++) {
        const char *w = tokenize_text(l, &l->v[idx[i]]);
        for (size_t b = 0; b < s->nbanned_single; b++)
            if (strlen(w) > strlen(s->banned_single[b]) &&
                strstr(w, s->banned_single[b]) && keep[1] > 0) {
                keep[1] = 0;
                append(words[1], sizeof words[1], w, strlen(w));
            }
    }
    score_signal *sig[3] = {&out->language, &out->banned, &out->suspect};
    static const char *const what[3] = {"spam wording", "banned word",
                                        "word on the review list"};
    for (int k = 0; k < 3; k++) {
        double v = 1.0 - keep[k];
        if (v <= 0)
            continue;
        sig[k]->signal = v > 0.95 && k == 0 ? 0.95 : v;
        snprintf(sig[k]->detail, sizeof sig[k]->detail, "%s: %s", what[k],
                 words[k]);
        snprintf(sig[k]->evidence, sizeof sig[k]->evidence, "%s", words[k]);
    }
done:
    free(seen);
    free(idx);
}

/* Need this many letters before a capitals ratio means anything. */
#define SPAMLANG_SHOUT_MIN_LETTERS 12

void spamlang_shouting(const normalize_stats *st, score_signal *out) {
    score_signal_clear(out);
    double keep = 1.0;
    char d[ENGINE_FLAG_DETAIL_LEN] = "";
    if (st->letters >= SPAMLANG_SHOUT_MIN_LETTERS) {
        double r = (double)st->upper / (double)st->letters;
        if (r >= 0.7) {
            keep *= 1.0 - (0.15 + 0.1 * (r - 0.7) / 0.3);
            snprintf(d, sizeof d, "%.0f%% of %zu letters are capitals", r * 100,
                     st->letters);
        }
    }
    if (st->max_punct_run >= 4) {
        keep *= 1.0 - (st->max_punct_run >= 10 ? 0.2 : 0.1);
        size_t n = strlen(d);
        snprintf(d + n, sizeof d - n, "%s%zu ! or ? in a row", n ? "; " : "",
                 st->max_punct_run);
    }
    if (st->emoji >= 8 && st->emoji * 10 >= st->chars * 4) {
        keep *= 1.0 - 0.2;
        size_t n = strlen(d);
        snprintf(d + n, sizeof d - n, "%s%zu emoji in %zu characters",
                 n ? "; " : "", st->emoji, st->chars);
    }
    out->signal = 1.0 - keep;
    snprintf(out->detail, sizeof out->detail, "%s", d);
}
