/* tokenize.c - normalised text -> typed tokens with stems.
 *
 * Owns segmentation of normalised text into words, numbers, URLs, e-mail
 * addresses, phone numbers and @handles; the English stop-word and TLD
 * tables; and stemming through libstemmer (whose stemmer is not
 * thread-safe, so each tokenizer owns one). The text is split into
 * whitespace-delimited chunks; each chunk is classified once, then three
 * linear post-passes join "example dot com", spaced letters ("f r e e") and
 * phone numbers. Links in disguise are found first, by hostshape.c, and
 * become one URL token each (text as written, stem the host, a
 * tokenize_disguise mark). Never reads anything but the text it is given.
 */
#include "tokenize.h"

#include "hostshape.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Tokens are addressed with 32-bit offsets; engine.c caps texts far below. */
#define TOKENIZE_MAX_BYTES 0x7fffffffu
/* "f r e e m o n e y": this many single letters in a row are one word. */
#define TOKENIZE_SPACED_MIN 4
/* Phone numbers: ITU E.164 allows at most 15 digits; fewer than 9 digits
 * are mostly dates, prices and years. */
#define TOKENIZE_PHONE_MIN 9
#define TOKENIZE_PHONE_MAX 15

/* Open-addressing slots for stop-word and TLD hashes: > 2x each list's
 * length. */
#define TOKENIZE_STOP_SLOTS 512
#define TOKENIZE_TLD_SLOTS 256

/* Stem cache: two ways a set, the set by word hash (slots 2k and 2k + 1,
 * the one last filled first). Comments reuse a small vocabulary, so most
 * stems come from here instead of the stemmer; two ways keep two words of
 * one set from evicting each other in turn. */
#define TOKENIZE_STEM_CACHE 4096
#define TOKENIZE_STEM_CACHE_LEN 24 /* longer stems are not cached */

typedef struct stem_slot {
    uint64_t hash; /* of the word; 0 = empty */
    uint64_t stem_hash;
    uint8_t len;
    uint8_t same; /* the stem is the word itself */
    char stem[TOKENIZE_STEM_CACHE_LEN];
} stem_slot;

struct tokenizer {
    struct sb_stemmer *stemmer;
    stem_slot cache[TOKENIZE_STEM_CACHE];
    uint64_t stop[TOKENIZE_STOP_SLOTS]; /* hashes of stop_words, 0 = empty */
    uint64_t tld[TOKENIZE_TLD_SLOTS];   /* hashes of tlds, 0 = empty */
    uint64_t dot_hash;                  /* tokenize_hash("dot") */
};

/* Sorted by bytes (strcmp order); test_tokenize checks the order. */
static const char *const stop_words[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am",
    "an", "and", "any", "are", "aren't", "as", "at", "be", "because", "been",
    "before", "being", "below", "between", "both", "but", "by", "can",
    "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does",
    "doesn't", "doing", "don't", "dont", "down", "during", "each", "few",
    "for", "from", "further", "get", "got", "had", "hadn't", "has", "hasn't",
    "have", "haven't", "having", "he", "he'd", "he'll", "he's", "her", "here",
    "here's", "hers", "herself", "him", "himself", "his", "how", "how's", "i",
    "i'd", "i'll", "i'm", "i've", "if", "im", "in", "into", "is", "isn't",
    "it", "it's", "its", "itself", "just", "let's", "like", "lol", "may",
    "me", "might", "more", "most", "must", "mustn't", "my", "myself", "no",
    "nor", "not", "of", "off", "oh", "ok", "okay", "on", "once", "one",
    "only", "or", "other", "ought", "our", "ours", "ourselves", "out", "over",
    "own", "really", "same", "shall", "shan't", "she", "she'd", "she'll",
    "she's", "should", "shouldn't", "so", "some", "such", "than", "that",
    "that's", "thats", "the", "their", "theirs", "them", "themselves", "then",
    "there", "there's", "these", "they", "they'd", "they'll", "they're",
    "they've", "this", "those", "through", "to", "too", "u", "under", "until",
    "up", "ur", "very", "was", "wasn't", "we", "we'd", "we'll", "we're",
    "we've", "were", "weren't", "what", "what's", "when", "when's", "where",
    "where's", "which", "while", "who", "who's", "whom", "why", "why's",
    "will", "with", "won't", "would", "wouldn't", "yeah", "yes", "you",
    "you'd", "you'll", "you're", "you've", "your", "yours", "yourself",
    "yourselves",
};

static const char *const tlds[] = {
    "app",  "ar",   "at",  "au",   "be",   "bid",   "biz",  "blog", "br",
    "buzz", "ca",   "cc",  "cf",   "ch",   "cl",    "click", "club", "cn",
    "co",   "com",  "cz",  "de",   "dev",  "edu",  "es",    "eu",   "fi",   "fr",
    "fun",  "ga",   "gl",  "gov",  "gq",   "gr",   "hu",    "icu",  "id",   "in",
    "info", "io",   "ir",  "jp",   "ke",   "kz",    "link", "live", "ly",
    "ml",   "mx",   "net", "ng",   "nl",   "online", "org", "ph",   "pk",
    "pl",   "pro",  "pt",  "pw",   "ro",   "ru",    "se",   "sg",   "shop",
    "site", "space", "store", "su", "th",  "tk",    "top",  "tr",   "tv",
    "ua",   "uk",   "us",  "vip",  "vn",   "website", "win", "ws",  "xyz",
    "za",
};

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int tokenize_in_sorted(const char *const *tab, size_t n, const char *w,
                       size_t len) {
    char buf[32];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, w, len);
    buf[len] = '\0';
    const char *key = buf;
    return bsearch(&key, tab, n, sizeof *tab, cmp_str) != NULL;
}

int tokenize_is_stop(const char *w, size_t n) {
    return tokenize_in_sorted(stop_words, sizeof stop_words / sizeof *stop_words, w, n);
}

int tokenize_is_tld(const char *w, size_t n) {
    return tokenize_in_sorted(tlds, sizeof tlds / sizeof *tlds, w, n);
}

uint64_t tokenize_hash(const char *s, size_t n) {
    const uint64_t p = 0x100000001b3ULL;
    const unsigned char *u = (const unsigned char *)s;
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) { /* the same byte steps, less loop */
        h = (h ^ u[i]) * p;
        h = (h ^ u[i + 1]) * p;
        h = (h ^ u[i + 2]) * p;
        h = (h ^ u[i + 3]) * p;
    }
    for (; i < n; i++)
        h = (h ^ u[i]) * p;
    return h;
}

/* Adds tokenize_hash(w) to the open-addressing set of slots (a power of
 * two, 0 = empty). */
static void hash_set_put(uint64_t *set, size_t slots, const char *w) {
    uint64_t h = tokenize_hash(w, strlen(w));
    size_t k = (size_t)h & (slots - 1);
    while (set[k])
        k = (k + 1) & (slots - 1);
    set[k] = h;
}

/* 1 when hash h is in the set hash_set_put made. */
static int hash_set_has(const uint64_t *set, size_t slots, uint64_t h) {
    size_t k = (size_t)h & (slots - 1);
    while (set[k]) {
        if (set[k] == h)
            return 1;
        k = (k + 1) & (slots - 1);
    }
    return 0;
}

tokenizer *tokenize_new(const char *language) {
    tokenizer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->stemmer = sb_stemmer_new(language ? language : "english", "UTF_8");
    if (!t->stemmer) {
        free(t);
        return NULL;
    }
    /* hash sets of the stop words and TLDs: one probe per word instead of
     * a bsearch */
    for (size_t i = 0; i < sizeof stop_words / sizeof *stop_words; i++)
        hash_set_put(t->stop, TOKENIZE_STOP_SLOTS, stop_words[i]);
    for (size_t i = 0; i < sizeof tlds / sizeof *tlds; i++)
        hash_set_put(t->tld, TOKENIZE_TLD_SLOTS, tlds[i]);
    t->dot_hash = tokenize_hash("dot", 3);
    return t;
}

void tokenize_free(tokenizer *t) {
    if (!t)
        return;
    sb_stemmer_delete(t->stemmer);
    free(t);
}

void tokenize_list_clear(tokenize_list *l) {
    l->n = l->an = l->nwords = l->ncontent = 0;
}

void tokenize_list_free(tokenize_list *l) {
    free(l->v);
    free(l->arena);
    memset(l, 0, sizeof *l);
}

/* ------------------------------------------------------------------------ */
/* Building the list                                                         */
/* ------------------------------------------------------------------------ */

/* Copies s[0..n) + NUL into the arena; returns its offset or -1. */
static inline long arena_put(tokenize_list *l, const char *s, size_t n) {
    if (l->an + n + 1 > l->acap) {
        size_t cap = l->acap ? l->acap : 256;
        while (cap < l->an + n + 1)
            cap *= 2;
        char *p = realloc(l->arena, cap);
        if (!p)
            return -1;
        l->arena = p;
        l->acap = cap;
    }
    long off = (long)l->an;
    memcpy(l->arena + l->an, s, n);
    l->arena[l->an + n] = '\0';
    l->an += n + 1;
    return off;
}

static int is_stop_hash(const tokenizer *tk, uint64_t h) {
    return hash_set_has(tk->stop, TOKENIZE_STOP_SLOTS, h);
}

/* Inline: once per token, and the allocation is the rare branch. */
static inline tokenize_token *push(tokenize_list *l, int type, size_t off,
                                   size_t len) {
    if (__builtin_expect(l->n == l->cap, 0)) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        tokenize_token *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    tokenize_token *t = &l->v[l->n++];
    *t = (tokenize_token){.type = (uint8_t)type, .off = (uint32_t)off,
                          .len = (uint32_t)len};
    return t;
}

/* Sets text (with its hash h) and stem of t; stem NULL: same as text. */
static inline int set_strings_hh(tokenize_list *l, tokenize_token *t,
                                 const char *s, size_t n, uint64_t h,
                                 const char *stem, size_t sn, uint64_t sh) {
    long a = arena_put(l, s, n);
    if (a < 0)
        return -1;
    t->text = (uint32_t)a;
    t->hash = h;
    if (!stem || (sn == n && memcmp(stem, s, n) == 0)) { /* stem == word */
        t->stem = t->text;
        t->stem_hash = t->hash;
        return 0;
    }
    long b = arena_put(l, stem, sn);
    if (b < 0)
        return -1;
    t->stem = (uint32_t)b;
    t->stem_hash = sh;
    return 0;
}

static int set_strings_h(tokenize_list *l, tokenize_token *t, const char *s,
                         size_t n, uint64_t h, const char *stem, size_t sn) {
    return set_strings_hh(l, t, s, n, h, stem, sn,
                          stem ? tokenize_hash(stem, sn) : 0);
}

static int set_strings(tokenize_list *l, tokenize_token *t, const char *s,
                       size_t n, const char *stem, size_t sn) {
    return set_strings_h(l, t, s, n, tokenize_hash(s, n), stem, sn);
}

/* A word token of w[0..n), whose tokenize_hash is h: stop flag, content
 * flag and stem. */
static int add_word_h(tokenizer *tk, tokenize_list *l, size_t off, const char *w,
                      size_t n, size_t nletters, uint64_t h) {
    tokenize_token *t = push(l, nletters ? TOKENIZE_WORD : TOKENIZE_NUMBER,
                             off, n);
    if (!t)
        return -1;
    l->nwords++;
    t->stop = nletters && is_stop_hash(tk, h);
    t->content = nletters >= 2 && !t->stop;
    if (!t->content)
        return set_strings_h(l, t, w, n, h, NULL, 0);
    l->ncontent++;
    stem_slot *set = &tk->cache[h & (TOKENIZE_STEM_CACHE - 2)], *slot = set;
    if (slot->hash != h)
        slot = set + 1;
    if (slot->hash == h && h) {
        if (slot->same) /* set_strings_hh's stem == word, known */
            return set_strings_hh(l, t, w, n, h, NULL, 0, 0);
        return set_strings_hh(l, t, w, n, h, slot->stem, slot->len,
                              slot->stem_hash);
    }
    const sb_symbol *st = sb_stemmer_stem(tk->stemmer, (const sb_symbol *)w,
                                          (int)n);
    if (!st)
        return -1;
    size_t sl = (size_t)sb_stemmer_length(tk->stemmer);
    uint64_t sh = tokenize_hash((const char *)st, sl);
    if (sl < TOKENIZE_STEM_CACHE_LEN) {
        /* the set's first way takes the new stem, its old one the second */
        set[1] = set[0];
        slot = set;
        slot->hash = h;
        slot->stem_hash = sh;
        slot->len = (uint8_t)sl;
        slot->same = sl == n && memcmp(st, w, n) == 0;
        memcpy(slot->stem, st, sl);
    }
    return set_strings_hh(l, t, w, n, h, (const char *)st, sl, sh);
}

/* A word token of w[0..n): add_word_h with its hash. */
static int add_word(tokenizer *tk, tokenize_list *l, size_t off, const char *w,
                    size_t n, size_t nletters) {
    return add_word_h(tk, l, off, w, n, nletters, tokenize_hash(w, n));
}

static int is_word_cp(utf8proc_int32_t cp) {
    if (cp >= 0 && cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') ||
               (cp >= 'A' && cp <= 'Z');
    utf8proc_category_t c = utf8proc_category(cp);
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
           (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME) ||
           c == UTF8PROC_CATEGORY_ND;
}

static int is_letter_cp(utf8proc_int32_t cp) {
    if (cp >= 0 && cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

static utf8proc_int32_t cp_at(const char *s, size_t n, size_t *k) {
    if ((unsigned char)s[0] < 0x80) {
        *k = 1;
        return (unsigned char)s[0];
    }
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t r =
        utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &cp);
    *k = r > 0 ? (size_t)r : 1;
    return r > 0 ? cp : -1;
}

/* Split a chunk into words: letters/marks/digits, apostrophes inside. */
static int split_words(tokenizer *tk, tokenize_list *l, const char *text,
                       size_t start, size_t end) {
    size_t i = start;
    while (i < end) {
        size_t k;
        utf8proc_int32_t cp = cp_at(text + i, end - i, &k);
        if (!is_word_cp(cp)) {
            i += k;
            continue;
        }
        size_t j = i, letters = 0;
        while (j < end) {
            cp = cp_at(text + j, end - j, &k);
            if (is_word_cp(cp)) {
                letters += is_letter_cp(cp);
                j += k;
            } else if (cp == '\'' && j + 1 < end && j > i) {
                size_t k2;
                utf8proc_int32_t nx = cp_at(text + j + 1, end - j - 1, &k2);
                if (!is_letter_cp(nx))
                    break;
                j += 1;
            } else {
                break;
            }
        }
        if (add_word(tk, l, i, text + i, j - i, letters) < 0)
            return -1;
        i = j;
    }
    return 0;
}

static int add_url(tokenize_list *l, const char *text, size_t off, size_t n,
                   const char *host, size_t hn, int disguise) {
    if (hn > 4 && memcmp(host, "www.", 4) == 0) {
        host += 4;
        hn -= 4;
    }
    tokenize_token *t = push(l, TOKENIZE_URL, off, n);
    if (!t)
        return -1;
    t->disguise = (uint8_t)disguise;
    return set_strings(l, t, text + off, n, host, hn);
}

/* Punctuation trimmed off the front and back of a chunk (NUL too, as the
 * strchr() these replace matched the terminator). */
static int is_lead(unsigned char c) {
    switch (c) {
    case '(': case '[': case '{': case '<': case '"': case '\'': case '*':
    case '~': case '_': case ',': case ';': case ':': case '|': case '\0':
        return 1;
    default:
        return 0;
    }
}

static int is_trail(unsigned char c) {
    switch (c) {
    case '.': case ',': case '!': case '?': case ';': case ':': case ')':
    case ']': case '}': case '>': case '"': case '\'': case '*': case '~':
    case '_': case '|': case '\0':
        return 1;
    default:
        return 0;
    }
}

static int classify_chunk(tokenizer *tk, tokenize_list *l, const char *text,
                          size_t s, size_t e) {
    while (s < e && is_lead((unsigned char)text[s]))
        s++;
    while (e > s && is_trail((unsigned char)text[e - 1]))
        e--;
    if (s == e)
        return 0;
    const char *c = text + s;
    size_t n = e - s;
    /* Fast path, most chunks: only [a-z0-9] is one word (no URL, e-mail,
     * handle or host can be made of these alone); its tokenize_hash made on
     * the way */
    size_t letters = 0, k = 0;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; k < n; k++) {
        unsigned ch = (unsigned char)c[k];
        if (ch - 'a' < 26u)
            letters++;
        else if (ch - '0' >= 10u)
            break;
        h = (h ^ ch) * 0x100000001b3ULL;
    }
    if (k == n)
        return add_word_h(tk, l, s, c, n, letters, h);
    size_t skip = 0;
    if (n > 7 && memcmp(c, "http://", 7) == 0)
        skip = 7;
    else if (n > 8 && memcmp(c, "https://", 8) == 0)
        skip = 8;
    if (skip || (n > 4 && memcmp(c, "www.", 4) == 0)) {
        size_t h = skip;
        while (h < n && c[h] != '/' && c[h] != '?' && c[h] != '#' &&
               c[h] != ':' && c[h] != '\\')
            h++;
        return add_url(l, text, s, n, c + skip, h - skip,
                       h < n && c[h] == '\\' ? TOKENIZE_DISGUISE_BACKSLASH
                                            : TOKENIZE_DISGUISE_NONE);
    }
    const char *at = memchr(c, '@', n);
    if (at == c && n > 1) {
        size_t i = 1;
        while (i < n && (hostshape_host_char((unsigned char)c[i]) || c[i] == '_'))
            i++;
        if (i == n) {
            tokenize_token *t = push(l, TOKENIZE_HANDLE, s, n);
            return t ? set_strings(l, t, c + 1, n - 1, NULL, 0) : -1;
        }
    } else if (at) {
        size_t p = (size_t)(at - c), i = 0;
        while (i < p && (hostshape_host_char((unsigned char)c[i]) || c[i] == '_' ||
                         c[i] == '+'))
            i++;
        size_t dl = hostshape_domain_len(at + 1, n - p - 1);
        if (i == p && dl && dl == n - p - 1) {
            tokenize_token *t = push(l, TOKENIZE_EMAIL, s, n);
            return t ? set_strings(l, t, c, n, at + 1, dl) : -1;
        }
    }
    size_t dl = hostshape_domain_len(c, n);
    if (dl)
        return add_url(l, text, s, n, c, dl,
                       dl < n && c[dl] == '\\' ? TOKENIZE_DISGUISE_BACKSLASH
                                              : TOKENIZE_DISGUISE_NONE);
    return split_words(tk, l, text, s, e);
}

static int add_disguised(tokenize_list *l, const char *text,
                         const hostshape_span *d) {
    return add_url(l, text, d->off, d->end - d->off, d->host, d->hn, d->kind);
}

/* ------------------------------------------------------------------------ */
/* Post-passes                                                               */
/* ------------------------------------------------------------------------ */


/* "murdev dot com", "murdev (dot) com", "murdev . com" -> URL murdev.com.
 * Rewrites tokens [from, l->n) in place. */
static int join_dot_domains(const tokenizer *tk, tokenize_list *l,
                            const char *text, size_t from) {
    size_t w = from;
    for (size_t i = from; i < l->n; i++) {
        tokenize_token *a = &l->v[i];
        size_t tld = 0;
        if (a->type == TOKENIZE_WORD && i + 2 < l->n &&
            l->v[i + 1].type == TOKENIZE_WORD &&
            l->v[i + 1].hash == tk->dot_hash &&
            l->v[i + 2].type == TOKENIZE_WORD)
            tld = i + 2;
        else if (a->type == TOKENIZE_WORD && i + 1 < l->n &&
                 l->v[i + 1].type == TOKENIZE_WORD) {
            /* gap must be spaces around exactly one '.', with a space */
            size_t g0 = a->off + a->len, g1 = l->v[i + 1].off, dots = 0,
                   sp = 0;
            /* a gap of one byte (most: one space) holds no dot and space */
            for (size_t g = g1 - g0 >= 2 ? g0 : g1; g < g1; g++) {
                dots += text[g] == '.';
                sp += text[g] == ' ';
            }
            if (dots == 1 && sp >= 1 && dots + sp == g1 - g0)
                tld = i + 1;
        }
        const tokenize_token *t = tld ? &l->v[tld] : NULL;
        /* the hash set first: most words after a full stop are no TLD */
        if (t && hash_set_has(tk->tld, TOKENIZE_TLD_SLOTS, t->hash) &&
            tokenize_is_tld(l->arena + t->text, strlen(l->arena + t->text)) &&
            strcmp(l->arena + t->text, "in") != 0 &&
            strcmp(l->arena + t->text, "at") != 0 &&
            strcmp(l->arena + t->text, "be") != 0 &&
            strcmp(l->arena + t->text, "us") != 0 &&
            strcmp(l->arena + t->text, "id") != 0) {
            char host[128];
            int hn = snprintf(host, sizeof host, "%s.%s", l->arena + a->text,
                              l->arena + t->text);
            if (hn > 0 && (size_t)hn < sizeof host) {
                if (a->content)
                    l->ncontent--;
                for (size_t k = i + 1; k <= tld; k++)
                    l->ncontent -= l->v[k].content;
                l->nwords -= tld - i + 1;
                tokenize_token u = *a;
                u.type = TOKENIZE_URL;
                u.len = t->off + t->len - a->off;
                u.stop = u.content = 0;
                long o = arena_put(l, host, (size_t)hn);
                long w0 = arena_put(l, text + u.off, u.len);
                if (o < 0 || w0 < 0)
                    return -1;
                /* text: as written (the evidence); stem: the host */
                u.stem = (uint32_t)o;
                u.text = (uint32_t)w0;
                u.stem_hash = tokenize_hash(host, (size_t)hn);
                u.hash = tokenize_hash(text + u.off, u.len);
                u.disguise = TOKENIZE_DISGUISE_DOT;
                l->v[w++] = u;
                i = tld;
                continue;
            }
        }
        if (w != i) /* nothing joined yet: the token is in place */
            l->v[w] = *a;
        w++;
    }
    l->n = w;
    return 0;
}

/* "f r e e m o n e y" -> one word "freemoney" (spammers space letters). */
static int join_spaced(tokenizer *tk, tokenize_list *l, const char *text,
                       size_t from) {
    size_t w = from;
    for (size_t i = from; i < l->n;) {
        size_t j = i;
        while (j < l->n && l->v[j].type == TOKENIZE_WORD &&
               l->v[j].len == 1 &&
               (j == i || l->v[j].off - (l->v[j - 1].off + 1) <= 2))
            j++;
        if (j - i < TOKENIZE_SPACED_MIN) {
            if (w != i)
                l->v[w] = l->v[i];
            w++;
            i++;
            continue;
        }
        char word[64];
        size_t n = 0;
        for (size_t k = i; k < j && n + 1 < sizeof word; k++)
            word[n++] = text[l->v[k].off];
        for (size_t k = i; k < j; k++)
            l->ncontent -= l->v[k].content;
        l->nwords -= j - i;
        /* add_word appends at the end; move it into place */
        size_t keep_n = l->n;
        if (add_word(tk, l, l->v[i].off, word, n, n) < 0)
            return -1;
        tokenize_token u = l->v[keep_n];
        l->n = keep_n;
        u.len = l->v[j - 1].off + 1 - l->v[i].off;
        l->v[w++] = u;
        i = j;
    }
    l->n = w;
    return 0;
}

static int phone_sep(int c) {
    return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' ||
           c == '/';
}

/* Words that make a preceding long number a count ("2.126.521.750 views"),
 * not a phone number. */
static const char *const count_nouns[] = {
    "views", "view", "likes", "dislikes", "subscribers", "subs", "comments",
    "times", "people", "visits", "hits", "viewers", "plays", "followers",
    "fans", "votes", "years", "dollars", "downloads", "wiews", "veiws",
};

static int count_noun_at(const char *text, size_t len, size_t i) {
    while (i < len && (text[i] == ' ' || text[i] == '+'))
        i++;
    size_t j = i;
    while (j < len && text[j] >= 'a' && text[j] <= 'z')
        j++;
    for (size_t k = 0; k < sizeof count_nouns / sizeof *count_nouns; k++)
        if (strlen(count_nouns[k]) == j - i &&
            memcmp(text + i, count_nouns[k], j - i) == 0)
            return 1;
    return 0;
}

/* Nonzero when one of the 8 bytes of v is a digit, '+' or '(': where a
 * phone number can start. Bytes >= 0x80 never match (UTF-8 continuation
 * and lead bytes), as the byte loop below. */
static uint64_t phone_start8(uint64_t v) {
    const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
    uint64_t low7 = v & ~high;
    /* byte in '0'..'9': low7 + (0x80 - '0') sets bit 7, low7 + (0x7f - '9')
     * does not; only for ASCII bytes */
    uint64_t digit = (low7 + ones * (0x80 - '0')) & ~(low7 + ones * (0x7f - '9')) &
                     ~v & high;
    uint64_t xp = v ^ (ones * '+'), xo = v ^ (ones * '(');
    uint64_t plus = ~(((xp & ~high) + ~high) | xp) & high;
    uint64_t open = ~(((xo & ~high) + ~high) | xo) & high;
    return digit | plus | open;
}

static int add_phones(tokenize_list *l, const char *text, size_t len) {
    for (size_t i = 0; i < len;) {
        while (i + 8 <= len) { /* skip 8 bytes with no possible start */
            uint64_t v;
            memcpy(&v, text + i, 8);
            if (phone_start8(v))
                break;
            i += 8;
        }
        if (i >= len)
            break;
        int c = (unsigned char)text[i];
        if (!((c >= '0' && c <= '9') || c == '+' || c == '(')) {
            i++; /* most bytes: no number can start here */
            continue;
        }
        int prev_ok = i == 0 || !((text[i - 1] >= 'a' && text[i - 1] <= 'z') ||
                                  (text[i - 1] >= '0' && text[i - 1] <= '9'));
        if (!prev_ok) {
            i++;
            continue;
        }
        char digits[TOKENIZE_PHONE_MAX + 1];
        size_t nd = 0, j = i, last_digit = i, run_sep = 0;
        /* digit groups: counts are grouped in threes by dots or commas */
        size_t group = 0, groups = 0, groups_of3 = 0, dots = 0, other = 0;
        int comma = 0;
        int plus = c == '+';
        if (plus)
            j++;
        int too_many = 0;
        while (j < len) {
            int d = (unsigned char)text[j];
            if (d >= '0' && d <= '9') {
                if (nd < TOKENIZE_PHONE_MAX)
                    digits[nd] = (char)d;
                else
                    too_many = 1;
                nd++;
                group++;
                last_digit = j;
                run_sep = 0;
            } else if ((phone_sep(d) ||
                        (d == ',' && j + 1 < len && text[j + 1] >= '0' &&
                         text[j + 1] <= '9')) &&
                       (run_sep < 2 ||
                        /* " - " between spaced digits: one mark with a
                         * space on each side ("1 - 8 0 0 - 5 5 5") */
                        (run_sep == 2 && d == ' ' && text[j - 1] != ' ' &&
                         text[j - 2] == ' '))) {
                if (group) {
                    groups++;
                    groups_of3 += group == 3 && groups > 1;
                }
                group = 0;
                comma |= d == ',';
                dots += d == '.';
                other += d != '.' && d != ',';
                run_sep++;
            } else {
                break;
            }
            j++;
        }
        if (group) {
            groups++;
            groups_of3 += group == 3 && groups > 1;
        }
        int next_ok = last_digit + 1 >= len ||
                      !((text[last_digit + 1] >= 'a' &&
                         text[last_digit + 1] <= 'z'));
        /* "1,234,567" / "2.126.521.750": thousands separators, a count */
        int thousands = (comma || (dots && !other)) && groups > 2 &&
                        groups_of3 == groups - 1;
        if (!too_many && next_ok && !comma && !thousands &&
            !count_noun_at(text, len, last_digit + 1) &&
            (nd >= TOKENIZE_PHONE_MIN || (plus && nd >= TOKENIZE_PHONE_MIN - 1))) {
            tokenize_token *t = push(l, TOKENIZE_PHONE, i, last_digit + 1 - i);
            if (!t || set_strings(l, t, digits, nd, NULL, 0) < 0)
                return -1;
        }
        i = j > i ? j : i + 1;
    }
    return 0;
}

int tokenize_run(tokenizer *tk, const char *text, size_t len,
                 tokenize_list *out) {
    if (len > TOKENIZE_MAX_BYTES)
        len = TOKENIZE_MAX_BYTES;
    size_t from = out->n;
    /* each byte makes at most two arena bytes (text, stem) plus NULs: one
     * allocation instead of a doubling series */
    size_t want = out->an + 2 * len + 64;
    if (want > out->acap) {
        char *p = realloc(out->arena, want);
        if (!p)
            return -1;
        out->arena = p;
        out->acap = want;
    }
    /* tokens: one allocation for about one per 5 bytes (1-KB prose makes
     * ~160) instead of a doubling series from 32; more still double */
    size_t tokens = out->n + len / 5 + 16;
    if (tokens > out->cap) {
        tokenize_token *v = realloc(out->v, tokens * sizeof *v);
        if (!v)
            return -1;
        out->v = v;
        out->cap = tokens;
    }
    hostshape_span dz[HOSTSHAPE_MAX_SPANS];
    size_t nd = hostshape_find(text, len, dz, HOSTSHAPE_MAX_SPANS), di = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && text[i] == ' ')
            i++;
        /* most chunks: only [a-z0-9] up to a space or the end, one word;
         * what classify_chunk makes of it (its fast path), found without
         * looking for the space first */
        size_t k = i, letters = 0;
        uint64_t h = 0xcbf29ce484222325ULL;
        for (; k < len; k++) {
            unsigned ch = (unsigned char)text[k];
            if (ch - 'a' < 26u)
                letters++;
            else if (ch - '0' >= 10u)
                break;
            h = (h ^ ch) * 0x100000001b3ULL;
        }
        if (k > i && (k == len || text[k] == ' ')) {
            while (di < nd && dz[di].off < i)
                di++;
            if (!(di < nd && dz[di].off < k)) {
                if (add_word_h(tk, out, i, text + i, k - i, letters, h) < 0)
                    return -1;
                i = k;
                continue;
            }
        }
        const char *sp = i < len ? memchr(text + i, ' ', len - i) : NULL;
        size_t j = sp ? (size_t)(sp - text) : len;
        while (di < nd && dz[di].off < i)
            di++; /* inside a chunk already read (cannot happen: kept safe) */
        if (di < nd && dz[di].off < j) {
            /* the chunk up to the disguised link, the link, then on */
            if (dz[di].off > i &&
                classify_chunk(tk, out, text, i, dz[di].off) < 0)
                return -1;
            if (add_disguised(out, text, &dz[di]) < 0)
                return -1;
            i = dz[di++].end;
            continue;
        }
        if (j > i && classify_chunk(tk, out, text, i, j) < 0)
            return -1;
        i = j;
    }
    if (join_dot_domains(tk, out, text, from) < 0 ||
        join_spaced(tk, out, text, from) < 0 || add_phones(out, text, len) < 0)
        return -1;
    return 0;
}
