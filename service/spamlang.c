/* spamlang.c - spam wording: phrases, banned/suspect words, shouting.
 *
 * Owns the built-in phrase table and its compiled form: every phrase is a
 * sequence of word hashes ("#" matches any number), indexed by its first
 * word in an open-addressing table so matching costs one probe per word of
 * the comment. Each distinct phrase found contributes its weight; they
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
    /* self-promotion (YouTube-style) */
    {"check out my channel", 0.6, CAT_PROMO},
    {"check out my", 0.45, CAT_PROMO},
    {"check my channel", 0.6, CAT_PROMO},
    {"check out our", 0.35, CAT_PROMO},
    {"check out this video", 0.4, CAT_PROMO},
    {"check this out", 0.25, CAT_PROMO},
    {"my channel", 0.35, CAT_PROMO},
    {"our channel", 0.3, CAT_PROMO},
    {"my new song", 0.35, CAT_PROMO},
    {"my new video", 0.35, CAT_PROMO},
    {"my music", 0.25, CAT_PROMO},
    {"my videos", 0.25, CAT_PROMO},
    {"my page", 0.3, CAT_PROMO},
    {"my website", 0.35, CAT_PROMO},
    {"my site", 0.3, CAT_PROMO},
    {"my blog", 0.3, CAT_PROMO},
    {"subscribe", 0.4, CAT_PROMO},
    {"subscribe to my", 0.55, CAT_PROMO},
    {"subscribe to me", 0.6, CAT_PROMO},
    {"please subscribe", 0.55, CAT_PROMO},
    {"sub to me", 0.55, CAT_PROMO},
    {"sub back", 0.5, CAT_PROMO},
    {"sub4sub", 0.6, CAT_PROMO},
    {"subscribe back", 0.5, CAT_PROMO},
    {"subscribers", 0.2, CAT_PROMO},
    {"visit my", 0.5, CAT_PROMO},
    {"follow me", 0.45, CAT_PROMO},
    {"follow me on", 0.55, CAT_PROMO},
    {"like this comment", 0.35, CAT_PROMO},
    {"thumbs up so", 0.35, CAT_PROMO},
    {"give me a chance", 0.35, CAT_PROMO},
    {"help me reach", 0.45, CAT_PROMO},
    {"click here", 0.5, CAT_PROMO},
    {"click the link", 0.5, CAT_PROMO},
    {"click this link", 0.5, CAT_PROMO},
    {"link in my bio", 0.55, CAT_PROMO},
    {"promo code", 0.35, CAT_PROMO},
    {"use my code", 0.45, CAT_PROMO},
    /* money and scams */
    {"work from home", 0.55, CAT_MONEY},
    {"working from home", 0.3, CAT_MONEY},
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
    {"extra income", 0.4, CAT_MONEY},
    {"passive income", 0.4, CAT_MONEY},
    {"free gift card", 0.7, CAT_MONEY},
    {"gift card", 0.3, CAT_MONEY},
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

typedef struct phrase {
    uint64_t w[SPAMLANG_MAX_PHRASE_WORDS];
    uint8_t n;
    uint8_t cat;
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

static void append(char *dst, size_t n, const char *s, size_t sl) {
    size_t have = strlen(dst);
    if (have && have + 2 < n) {
        dst[have++] = ';';
        dst[have++] = ' ';
        dst[have] = '\0';
    }
    if (have + sl >= n)
        sl = n - have - 1;
    memcpy(dst + have, s, sl);
    dst[have + sl] = '\0';
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
        uint64_t h0 = l->v[idx[i]].hash;
        size_t m = s->cap - 1, k = (size_t)h0 & m;
        while (s->head[k] && s->first[k] != h0)
            k = (k + 1) & m;
        for (uint32_t pi = s->head[k]; pi; pi = s->p[pi - 1].next) {
            const phrase *p = &s->p[pi - 1];
            if (seen[pi - 1] || i + p->n > nw)
                continue;
            size_t j = 1;
            for (; j < p->n; j++) {
                const tokenize_token *t = &l->v[idx[i + j]];
                if (p->w[j] == HASH_NUMBER ? t->type != TOKENIZE_NUMBER
                                           : t->hash != p->w[j])
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
            keep *= 1.0 - (0.2 + 0.15 * (r - 0.7) / 0.3);
            snprintf(d, sizeof d, "%.0f%% of %zu letters are capitals", r * 100,
                     st->letters);
        }
    }
    if (st->max_punct_run >= 4) {
        keep *= 1.0 - (st->max_punct_run >= 10 ? 0.3 : 0.15);
        size_t n = strlen(d);
        snprintf(d + n, sizeof d - n, "%s%zu ! or ? in a row", n ? "; " : "",
                 st->max_punct_run);
    }
    if (st->emoji >= 8 && st->emoji * 10 >= st->chars * 4) {
        keep *= 1.0 - 0.3;
        size_t n = strlen(d);
        snprintf(d + n, sizeof d - n, "%s%zu emoji in %zu characters",
                 n ? "; " : "", st->emoji, st->chars);
    }
    out->signal = 1.0 - keep;
    snprintf(out->detail, sizeof out->detail, "%s", d);
}
