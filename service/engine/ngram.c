/* ngram.c - the learned layer: hashed word and character n-grams, a linear model.
 *
 * Owns the features (see ngram.h), the model file parser and the
 * prediction. A text is read as chunks between white space; a chunk is cut
 * into words at anything that is not a letter, a digit or glue. Glue
 * ("*", "@", "$", "'", ".", "-", "_") inside a word is how obfuscation is
 * written: "f*ck" reads "fck", "1d10t" reads "idiot" (digits in a word
 * with letters read as the letters they stand for), "@ss" inside a word
 * reads "ass". Three or more single letters in a row ("i d i o t") join
 * into one word; a letter repeated three times or more counts twice
 * ("stuuupid" is "stuupid"). Each word gives its unigram, the bigram with
 * the previous word, and its character 3-5grams with a space on each side
 * (so word starts and ends are features). Features are hashed (FNV-1a,
 * then a murmur finaliser) into NGRAM_BUCKETS. The model keeps only its
 * non-zero weights in an open-addressing table, with a bitmap in front so
 * the many n-grams no model knows cost one bit test. Never does I/O.
 */
#include "ngram.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Canonical bytes of one word kept: enough for any word of a language,
 * and NGRAM_WORD_MAX of them feed the character n-grams. */
#define NGRAM_CANON_MAX 64
/* Single letters in a row that read as one spaced-out word: two ("a i")
 * happen in prose, three rarely. */
#define NGRAM_SPACED_MIN 3
/* Seeds that keep the three kinds of feature apart in the hash space. */
#define NGRAM_SEED_WORD 0x811c9dc5u
#define NGRAM_SEED_PAIR 0x01000193u
#define NGRAM_SEED_CHAR 0x9e3779b9u
#define NGRAM_FNV_PRIME 16777619u
/* Filter bits in front of a model's table: 2^16 bits (8 KB, in L1 cache)
 * against a few thousand weights leaves ~5 % false hits. */
#define NGRAM_FILTER_BITS 16
/* Longest line of a model file: a bucket and a weight, or a header. */
#define NGRAM_LINE_MAX 1024

static const char *const model_names[NGRAM_MODEL_COUNT] = {"ngram_spam",
                                                           "toxicity"};

const char *ngram_model_name(ngram_model_id id) {
    return id >= 0 && id < NGRAM_MODEL_COUNT ? model_names[id] : NULL;
}

/* ------------------------------------------------------------------------ */
/* Hashing                                                                   */
/* ------------------------------------------------------------------------ */

static inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline uint32_t bucket_of(uint32_t h) {
    return fmix32(h) >> (32 - NGRAM_BUCKET_BITS);
}

static uint32_t fnv(uint32_t h, const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * NGRAM_FNV_PRIME;
    return h;
}

/* ------------------------------------------------------------------------ */
/* Documents                                                                 */
/* ------------------------------------------------------------------------ */

void ngram_doc_free(ngram_doc *doc) {
    if (!doc)
        return;
    free(doc->f);
    free(doc->w);
    memset(doc, 0, sizeof *doc);
}

/* Makes room for `more` features: 0, or -1 when out of memory. */
static int reserve_feat(ngram_doc *d, size_t more) {
    if (d->n + more <= d->cap)
        return 0;
    size_t cap = d->cap ? 2 * d->cap : 256;
    while (cap < d->n + more)
        cap *= 2;
    ngram_feat *f = realloc(d->f, cap * sizeof *f);
    if (!f)
        return -1;
    d->f = f;
    d->cap = cap;
    return 0;
}

/* Appends a feature; room was reserved. */
static inline void put_feat(ngram_doc *d, uint32_t bucket, uint32_t word) {
    d->f[d->n].bucket = bucket;
    d->f[d->n].word = word;
    d->n++;
}

static int push_word(ngram_doc *d, size_t begin, size_t end) {
    if (d->nw == d->wcap) {
        size_t cap = d->wcap ? 2 * d->wcap : 64;
        ngram_span *w = realloc(d->w, cap * sizeof *w);
        if (!w)
            return -1;
        d->w = w;
        d->wcap = cap;
    }
    d->w[d->nw].begin = begin;
    d->w[d->nw].end = end;
    d->nw++;
    return 0;
}

/* The extraction state: the document, the previous word's hash (for the
 * bigram) and the pending run of single letters. */
typedef struct scan {
    ngram_doc *d;
    uint32_t prev;   /* unigram hash of the previous word; 0: none */
    char run[NGRAM_CANON_MAX];
    size_t nrun;     /* single letters waiting in run */
    ngram_span at[NGRAM_CANON_MAX]; /* where each was written */
} scan;

/* Adds one word (canonical bytes c[0..n), written at [begin, end) of the
 * text) and its features. */
static int emit_word(scan *s, const char *c, size_t n, size_t begin,
                     size_t end) {
    ngram_doc *d = s->d;
    uint32_t wi = (uint32_t)d->nw;
    size_t m = n < NGRAM_WORD_MAX ? n : NGRAM_WORD_MAX;
    /* unigram, bigram, and at most 3 character n-grams per position */
    if (push_word(d, begin, end) < 0 ||
        reserve_feat(d, 2 + (NGRAM_CHAR_MAX - NGRAM_CHAR_MIN + 1) * (m + 2)) < 0)
        return -1;
    uint32_t h = fnv(NGRAM_SEED_WORD, c, n);
    put_feat(d, bucket_of(h), wi);
    if (s->prev)
        put_feat(d, bucket_of(s->prev * NGRAM_SEED_PAIR ^ h),
                 (wi - 1) | NGRAM_PAIR);
    s->prev = h ? h : 1;
    unsigned char pad[NGRAM_WORD_MAX + 2];
    pad[0] = ' ';
    memcpy(pad + 1, c, m);
    pad[m + 1] = ' ';
    m += 2;
    /* at each position its 3-, 4- and 5-gram (g ^ length), as far as the
     * padded word reaches: written out for NGRAM_CHAR_MIN 3 and
     * NGRAM_CHAR_MAX 5 */
    _Static_assert(NGRAM_CHAR_MIN == 3 && NGRAM_CHAR_MAX == 5,
                   "emit_word writes out 3- to 5-grams");
    ngram_feat *out = d->f + d->n;
    size_t i = 0;
    for (; i + 5 <= m; i++) {
        uint32_t g = NGRAM_SEED_CHAR;
        g = (g ^ pad[i]) * NGRAM_FNV_PRIME;
        g = (g ^ pad[i + 1]) * NGRAM_FNV_PRIME;
        g = (g ^ pad[i + 2]) * NGRAM_FNV_PRIME;
        out[0].bucket = bucket_of(g ^ 3u);
        g = (g ^ pad[i + 3]) * NGRAM_FNV_PRIME;
        out[1].bucket = bucket_of(g ^ 4u);
        g = (g ^ pad[i + 4]) * NGRAM_FNV_PRIME;
        out[2].bucket = bucket_of(g ^ 5u);
        out[0].word = out[1].word = out[2].word = wi;
        out += 3;
    }
    for (; i + NGRAM_CHAR_MIN <= m; i++) { /* the last two positions */
        uint32_t g = NGRAM_SEED_CHAR;
        g = (g ^ pad[i]) * NGRAM_FNV_PRIME;
        g = (g ^ pad[i + 1]) * NGRAM_FNV_PRIME;
        g = (g ^ pad[i + 2]) * NGRAM_FNV_PRIME;
        out->bucket = bucket_of(g ^ 3u);
        out->word = wi;
        out++;
        if (i + 3 < m) {
            g = (g ^ pad[i + 3]) * NGRAM_FNV_PRIME;
            out->bucket = bucket_of(g ^ 4u);
            out->word = wi;
            out++;
        }
    }
    d->n = (size_t)(out - d->f);
    return 0;
}

/* Emits the pending single letters: one word when NGRAM_SPACED_MIN or
 * more, else each on its own. */
static int flush_run(scan *s) {
    int rc = 0;
    if (s->nrun >= NGRAM_SPACED_MIN) {
        rc = emit_word(s, s->run, s->nrun, s->at[0].begin,
                       s->at[s->nrun - 1].end);
    } else {
        for (size_t i = 0; i < s->nrun && rc == 0; i++)
            rc = emit_word(s, s->run + i, 1, s->at[i].begin, s->at[i].end);
    }
    s->nrun = 0;
    return rc;
}

/* Adds a word whose canonical form is c (n bytes), held back when it is a
 * single ASCII letter (a spaced-out word may be starting). */
static int add_word(scan *s, const char *c, size_t n, size_t begin,
                    size_t end) {
    if (n == 1 && c[0] >= 'a' && c[0] <= 'z') {
        if (s->nrun == sizeof s->run && flush_run(s) < 0)
            return -1;
        s->at[s->nrun].begin = begin;
        s->at[s->nrun].end = end;
        s->run[s->nrun++] = c[0];
        return 0;
    }
    if (flush_run(s) < 0)
        return -1;
    return emit_word(s, c, n, begin, end);
}

/* Character classes of the scanner. */
enum { C_SEP = 0, C_ALPHA, C_DIGIT, C_GLUE, C_OTHER_LETTER };

static int glue(unsigned char b) {
    return b == '*' || b == '@' || b == '$' || b == '\'' || b == '.' ||
           b == '-' || b == '_';
}

/* Class of the code point at text[i] (length *len). */
static inline int classify(const char *text, size_t n, size_t i, size_t *len) {
    unsigned char b = (unsigned char)text[i];
    *len = 1;
    if (b < 0x80) {
        if (b >= 'a' && b <= 'z')
            return C_ALPHA;
        if (b >= 'A' && b <= 'Z')
            return C_ALPHA; /* normalised text is folded; kept for tools */
        if (b >= '0' && b <= '9')
            return C_DIGIT;
        return glue(b) ? C_GLUE : C_SEP;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                          (utf8proc_ssize_t)(n - i), &cp);
    if (r <= 0)
        return C_SEP;
    *len = (size_t)r;
    utf8proc_category_t c = utf8proc_category(cp);
    if ((c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ME) ||
        (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO))
        return C_OTHER_LETTER;
    return C_SEP;
}

/* The letter a digit or glue stands for inside a word with letters, or 0
 * when it is dropped. */
static char leet(unsigned char b) {
    switch (b) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '8': return 'b';
    case '@': return 'a';
    case '$': return 's';
    default: return 0;
    }
}

/* 1 when text[b, e) is only ASCII lower-case letters. */
static int all_lower(const char *text, size_t b, size_t e) {
    for (size_t i = b; i < e; i++)
        if ((unsigned char)(text[i] - 'a') > 'z' - 'a')
            return 0;
    return 1;
}

/* Cuts the chunk text[b, e) into words and adds them. */
static int add_chunk(scan *s, const char *text, size_t b, size_t e) {
    size_t i = b;
    if (e > b && all_lower(text, b, e)) {
        /* most chunks: one word of letters, read as the loop below reads
         * it (a third repeat of a letter counts as the second) */
        char canon[NGRAM_CANON_MAX];
        size_t n = 0;
        for (size_t p = b; p < e && n < sizeof canon; p++) {
            char out = text[p];
            if (!(n >= 2 && canon[n - 1] == out && canon[n - 2] == out))
                canon[n++] = out;
        }
        return add_word(s, canon, n, b, e);
    }
    while (i < e) {
        size_t len;
        int c = classify(text, e, i, &len);
        if (c == C_SEP || c == C_GLUE) {
            if (!(c == C_GLUE && (text[i] == '@' || text[i] == '$'))) {
                i += len;
                continue;
            }
        }
        /* a word: letters, digits and glue; leading '@'/'$' read as
         * letters, trailing glue dropped */
        size_t start = i, end = i, letters = 0;
        while (i < e) {
            c = classify(text, e, i, &len);
            if (c == C_SEP)
                break;
            if (c != C_GLUE || text[i] == '@' || text[i] == '$')
                end = i + len; /* "a$$": read as letters */
            letters += c == C_ALPHA || c == C_OTHER_LETTER;
            i += len;
        }
        if (end == start)
            continue;
        char canon[NGRAM_CANON_MAX];
        size_t n = 0;
        for (size_t p = start; p < end && n < sizeof canon;) {
            unsigned char ch = (unsigned char)text[p];
            char out = 0;
            c = classify(text, end, p, &len);
            if (c == C_ALPHA)
                out = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
            else if (c == C_DIGIT)
                out = letters ? leet(ch) : (char)ch;
            else if (c == C_GLUE)
                out = letters ? (ch == '@' || ch == '$' ? leet(ch) : 0) : 0;
            if (c == C_OTHER_LETTER) {
                if (n + len > sizeof canon)
                    break;
                memcpy(canon + n, text + p, len);
                n += len;
            } else if (out && !(n >= 2 && canon[n - 1] == out &&
                                canon[n - 2] == out)) {
                canon[n++] = out; /* a third repeat counts as the second */
            } else if (c == C_DIGIT && letters && !out) {
                canon[n++] = (char)ch; /* a digit with no letter reading */
            }
            p += len;
        }
        if (n && add_word(s, canon, n, start, end) < 0)
            return -1;
    }
    return 0;
}

static int is_space(unsigned char b) {
    return b == ' ' || b == '\n' || b == '\t' || b == '\r';
}

/* 1 when chunk text[b, e) is a link. */
static int is_link(const char *text, size_t b, size_t e) {
    if (e - b >= 4 && memcmp(text + b, "www.", 4) == 0)
        return 1;
    for (size_t i = b; i + 3 <= e; i++)
        if (memcmp(text + i, "://", 3) == 0)
            return 1;
    return 0;
}

int ngram_extract(const char *text, size_t n, ngram_doc *doc) {
    doc->n = doc->nw = 0;
    doc->kept = NULL;
    if (n > NGRAM_MAX_BYTES) {
        n = NGRAM_MAX_BYTES;
        while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
            n--; /* cut at a code point */
    }
    scan s = {.d = doc};
    size_t i = 0;
    while (i < n) {
        while (i < n && is_space((unsigned char)text[i]))
            i++;
        size_t b = i;
        while (i < n && !is_space((unsigned char)text[i]))
            i++;
        if (b == i)
            break;
        size_t j = i; /* the next chunk's start, for "rt @user" */
        while (j < n && is_space((unsigned char)text[j]))
            j++;
        char first = text[b];
        int rc = 0;
        if ((first == '@' || first == '#') && i - b > 1) {
            continue; /* a handle or hashtag says where, not what */
        } else if (i - b == 2 && (text[b] | 32) == 'r' &&
                   (text[b + 1] | 32) == 't' && j < n && text[j] == '@') {
            continue; /* "rt @user": a retweet's header */
        } else if (is_link(text, b, i)) {
            continue; /* so is a link ("t.co/..." ends many tweets) */
        } else {
            rc = add_chunk(&s, text, b, i);
        }
        if (rc < 0)
            goto fail;
    }
    if (flush_run(&s) < 0)
        goto fail;
    return 0;
fail:
    doc->n = doc->nw = 0;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Models                                                                    */
/* ------------------------------------------------------------------------ */

struct ngram_model {
    double bias;
    double platt_a, platt_b;
    double power;    /* length power of x (ngram_margin) */
    double prior;    /* occurrences added to a text's (ngram_margin) */
    size_t nweights;
    uint32_t mask;   /* table slots - 1 */
    uint32_t *key;   /* bucket + 1; 0 = empty */
    float *weight;
    uint64_t filter[(1u << NGRAM_FILTER_BITS) / 64];
};

void ngram_model_free(ngram_model *m) {
    if (!m)
        return;
    free(m->key);
    free(m->weight);
    free(m);
}

size_t ngram_model_weights(const ngram_model *m) { return m->nweights; }

static inline uint32_t slot_of(uint32_t bucket, uint32_t mask) {
    return (bucket * 0x9e3779b1u) & mask;
}

static inline uint32_t filter_bit(uint32_t bucket) {
    return bucket & ((1u << NGRAM_FILTER_BITS) - 1);
}

/* Weight of bucket in m, 0 when m has none. */
static inline float weight_of(const ngram_model *m, uint32_t bucket) {
    uint32_t f = filter_bit(bucket);
    if (!(m->filter[f >> 6] >> (f & 63) & 1))
        return 0;
    for (uint32_t s = slot_of(bucket, m->mask);; s = (s + 1) & m->mask) {
        if (m->key[s] == bucket + 1)
            return m->weight[s];
        if (m->key[s] == 0)
            return 0;
    }
}

/* Inserts bucket -> w: 0, or -1 when the bucket is already there. */
static int model_put(ngram_model *m, uint32_t bucket, float w) {
    uint32_t s = slot_of(bucket, m->mask);
    for (; m->key[s]; s = (s + 1) & m->mask)
        if (m->key[s] == bucket + 1)
            return -1;
    m->key[s] = bucket + 1;
    m->weight[s] = w;
    uint32_t f = filter_bit(bucket);
    m->filter[f >> 6] |= 1ull << (f & 63);
    m->nweights++;
    return 0;
}

static void set_err(char *err, size_t errlen, size_t line, const char *what) {
    if (err && errlen)
        snprintf(err, errlen, "line %zu: %s", line, what);
}

ngram_model *ngram_model_parse(const char *data, size_t len, char *err,
                               size_t errlen) {
    ngram_model *m = calloc(1, sizeof *m);
    char line[NGRAM_LINE_MAX];
    size_t pos = 0, lineno = 0, expect = 0;
    int have_bias = 0, have_platt = 0, have_buckets = 0, have_weights = 0;
    int have_length = 0;
    if (!m) {
        set_err(err, errlen, 0, "out of memory");
        return NULL;
    }
    while (pos < len) {
        size_t e = pos;
        while (e < len && data[e] != '\n')
            e++;
        lineno++;
        if (e - pos >= sizeof line) {
            set_err(err, errlen, lineno, "line too long");
            goto fail;
        }
        memcpy(line, data + pos, e - pos);
        line[e - pos] = '\0';
        pos = e + 1;
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char word[32], *end;
        double x, y;
        int used = 0;
        if (have_weights) {
            unsigned long b = strtoul(line, &end, 10);
            double w = end != line && *end == ' ' ? strtod(end + 1, &end) : 0;
            if (*end || b >= NGRAM_BUCKETS || !isfinite(w) || w == 0) {
                set_err(err, errlen, lineno, "expected \"<bucket> <weight>\"");
                goto fail;
            }
            if (m->nweights >= expect || model_put(m, (uint32_t)b, (float)w) < 0) {
                set_err(err, errlen, lineno, "extra or repeated bucket");
                goto fail;
            }
            continue;
        }
        if (sscanf(line, "%31s%n", word, &used) != 1)
            goto bad;
        const char *rest = line + used;
        if (strcmp(word, "ngram") == 0) {
            if (strcmp(rest, " 1") != 0) {
                set_err(err, errlen, lineno, "unknown format version");
                goto fail;
            }
        } else if (strcmp(word, "name") == 0) {
            /* informational: the embedding names the model */
        } else if (strcmp(word, "buckets") == 0) {
            if (strtol(rest, &end, 10) != NGRAM_BUCKET_BITS || *end) {
                set_err(err, errlen, lineno, "bucket bits differ from the "
                                             "engine's");
                goto fail;
            }
            have_buckets = 1;
        } else if (strcmp(word, "bias") == 0) {
            x = strtod(rest, &end);
            if (end == rest || *end || !isfinite(x))
                goto bad;
            m->bias = x;
            have_bias = 1;
        } else if (strcmp(word, "length") == 0) {
            char *mid;
            x = strtod(rest, &mid);
            y = strtod(mid, &end);
            if (mid == rest || end == mid || *end || !(x >= 0 && x <= 1) ||
                !(y >= 0 && y <= NGRAM_MAX_PRIOR))
                goto bad;
            m->power = x;
            m->prior = y;
            have_length = 1;
        } else if (strcmp(word, "platt") == 0) {
            char *mid;
            x = strtod(rest, &mid);
            y = strtod(mid, &end);
            if (mid == rest || end == mid || *end || !isfinite(x) ||
                !isfinite(y))
                goto bad;
            m->platt_a = x;
            m->platt_b = y;
            have_platt = 1;
        } else if (strcmp(word, "weights") == 0) {
            unsigned long n = strtoul(rest, &end, 10);
            if (*end || n == 0 || n > NGRAM_MAX_WEIGHTS)
                goto bad;
            if (!have_bias || !have_platt || !have_buckets || !have_length) {
                set_err(err, errlen, lineno, "weights before bias, platt, "
                                             "length and buckets");
                goto fail;
            }
            expect = n;
            uint32_t slots = 16;
            while (slots < 2 * n)
                slots <<= 1; /* load at most one half: short probes */
            m->mask = slots - 1;
            m->key = calloc(slots, sizeof *m->key);
            m->weight = calloc(slots, sizeof *m->weight);
            if (!m->key || !m->weight) {
                set_err(err, errlen, lineno, "out of memory");
                goto fail;
            }
            have_weights = 1;
        } else {
            goto bad;
        }
        continue;
    bad:
        set_err(err, errlen, lineno, "malformed header line");
        goto fail;
    }
    if (!have_weights || m->nweights != expect) {
        set_err(err, errlen, lineno, "weights missing or fewer than stated");
        goto fail;
    }
    return m;
fail:
    ngram_model_free(m);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Prediction                                                                */
/* ------------------------------------------------------------------------ */

double ngram_platt(double margin, double a, double b) {
    double z = a * margin + b;
    return z >= 0 ? exp(-z) / (1.0 + exp(-z)) : 1.0 / (1.0 + exp(z));
}

double ngram_margin(const ngram_model *m, const ngram_doc *doc) {
    double sum = 0;
    for (size_t i = 0; i < doc->n; i++)
        sum += weight_of(m, doc->f[i].bucket);
    return m->bias + (doc->n ? sum / pow((double)doc->n + m->prior, m->power) : 0);
}

void ngram_doc_keep(ngram_doc *doc, const ngram_model *m) {
    doc->kept = NULL;
    ngram_predict(m, doc, &doc->kept_r);
    doc->kept = m;
}

void ngram_predict(const ngram_model *m, const ngram_doc *doc,
                   ngram_result *r) {
    if (doc->kept == m) {
        *r = doc->kept_r;
        return;
    }
    memset(r, 0, sizeof *r);
    double sum = 0,
           norm = doc->n ? 1.0 / pow((double)doc->n + m->prior, m->power) : 0;
    /* the NGRAM_TOP words with most weight: a word's features are
     * contiguous (its unigram, the bigram it ends, its character n-grams),
     * so its total is summed in one run; the bigram counts for the word
     * that ends it */
    double cur = 0; /* this word's total */
    size_t cw = (size_t)-1;
    double best[NGRAM_TOP];
    size_t bestw[NGRAM_TOP], nb = 0;
    /* Only features the model weighs are visited: the rest add 0 to sum
     * and cur, and a word with none never enters best (cur > 0). Owners
     * never decrease along doc->f, so skipping features joins no two
     * words' runs. */
    for (size_t i = 0;; i++) {
        double x = 0;
        while (i < doc->n && (x = weight_of(m, doc->f[i].bucket)) == 0)
            i++;
        uint32_t w = i < doc->n ? doc->f[i].word & ~NGRAM_PAIR : (uint32_t)-1;
        int pair = i < doc->n && (doc->f[i].word & NGRAM_PAIR);
        size_t owner = pair ? w + 1 : w; /* a pair comes with its second word */
        if (owner != cw) {
            if (cw != (size_t)-1 && cur > 0) {
                int room = nb < NGRAM_TOP;
                size_t k = room ? nb++ : NGRAM_TOP - 1;
                if (room || best[k] < cur) { /* else weaker than all kept */
                    best[k] = cur;
                    bestw[k] = cw;
                    for (; k > 0 && best[k] > best[k - 1]; k--) {
                        double t = best[k];
                        best[k] = best[k - 1];
                        best[k - 1] = t;
                        size_t tw = bestw[k];
                        bestw[k] = bestw[k - 1];
                        bestw[k - 1] = tw;
                    }
                }
            }
            cw = owner;
            cur = 0;
        }
        if (i >= doc->n)
            break;
        sum += x;
        cur += x;
    }
    r->margin = m->bias + sum * norm;
    r->prob = ngram_platt(r->margin, m->platt_a, m->platt_b);
    /* in text order */
    for (size_t i = 0; i < nb; i++)
        for (size_t j = i + 1; j < nb; j++)
            if (bestw[j] < bestw[i]) {
                size_t tw = bestw[i];
                bestw[i] = bestw[j];
                bestw[j] = tw;
                double t = best[i];
                best[i] = best[j];
                best[j] = t;
            }
    r->ntop = nb;
    for (size_t i = 0; i < nb; i++) {
        r->top[i] = doc->w[bestw[i]];
        r->contribution[i] = best[i] * norm;
    }
}

void ngram_words(const char *text, const ngram_result *r, char *out,
                 size_t n) {
    size_t used = 0;
    double most = 0;
    if (!n)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < r->ntop; i++)
        most = r->contribution[i] > most ? r->contribution[i] : most;
    for (size_t i = 0; i < r->ntop; i++) {
        size_t len = r->top[i].end - r->top[i].begin;
        size_t sep = used ? 2 : 0;
        if (r->contribution[i] <= 0 ||
            r->contribution[i] < NGRAM_EVIDENCE_SHARE * most ||
            used + sep + len + 1 > n)
            continue;
        if (sep)
            memcpy(out + used, ", ", 2);
        memcpy(out + used + sep, text + r->top[i].begin, len);
        used += sep + len;
        out[used] = '\0';
    }
}
