/* tokenize.h - normalised text -> typed tokens with stems.
 *
 * tokenize owns word segmentation, the built-in English stop-word list, the
 * top-level-domain list, stemming (libstemmer, one stemmer per tokenizer)
 * and recognition of URLs (http(s)://, www., bare domains, "example dot
 * com"), e-mail addresses, phone numbers and @handles. It reads only
 * normalised text (see normalize.h) and never scores.
 */
#ifndef MODQ_TOKENIZE_H
#define MODQ_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TOKENIZE_WORD = 0, /* letters (maybe digits): text = surface */
    TOKENIZE_NUMBER,   /* digits only */
    TOKENIZE_URL,      /* text = URL as written, stem = host without www. */
    TOKENIZE_EMAIL,    /* text = address, stem = domain */
    TOKENIZE_PHONE,    /* text = the digits */
    TOKENIZE_HANDLE    /* @name: text = name without '@' */
} tokenize_type;

typedef struct tokenize_token {
    uint32_t off, len;   /* span in the normalised text (for quoting) */
    uint32_t text;       /* offset of NUL-terminated text in the arena */
    uint32_t stem;       /* offset of NUL-terminated stem in the arena */
    uint64_t hash;       /* tokenize_hash() of the text */
    uint64_t stem_hash;  /* tokenize_hash() of the stem */
    uint8_t type;        /* tokenize_type */
    uint8_t stop;        /* word is a stop word */
    uint8_t content;     /* non-stop word with >= 2 letters */
    uint8_t disguise;    /* URL written so as not to look like one:
                            tokenize_disguise */
} tokenize_token;

/* How a URL token was written when it was not written plainly. The text of
 * such a token is the span as written; its stem is the host it spells. */
typedef enum {
    TOKENIZE_DISGUISE_NONE = 0,
    TOKENIZE_DISGUISE_DOT,       /* "site dot com", "site(.)com", "site . com" */
    TOKENIZE_DISGUISE_SPACED,    /* "w w w . s i t e . c o m" */
    TOKENIZE_DISGUISE_BACKSLASH, /* "goo.gl\xyz": a path behind a backslash */
    TOKENIZE_DISGUISE_MARKDOWN   /* "[text](url)": markup a comment box
                                    does not render */
} tokenize_disguise;

/* Tokens of one text, in text order (phones last). Zero-initialise; reuse
 * with tokenize_list_clear(); release with tokenize_list_free(). */
typedef struct tokenize_list {
    tokenize_token *v;
    size_t n, cap;
    char *arena; /* token texts and stems, NUL-terminated */
    size_t an, acap;
    size_t nwords;   /* WORD + NUMBER tokens */
    size_t ncontent; /* content words */
} tokenize_list;

typedef struct tokenizer tokenizer;

/* Returns a new tokenizer for a libstemmer algorithm name ("english"), or
 * NULL when the language is unknown or memory is short. Not thread-safe:
 * one per thread. Free with tokenize_free() (NULL is a no-op). */
tokenizer *tokenize_new(const char *language);
void tokenize_free(tokenizer *t);

/* Appends the tokens of text[0..len) to out. Returns 0, or -1 when out of
 * memory (out then holds a prefix). */
int tokenize_run(tokenizer *t, const char *text, size_t len,
                 tokenize_list *out);

void tokenize_list_clear(tokenize_list *l);
void tokenize_list_free(tokenize_list *l); /* frees the buffers, not l */

/* Borrowed strings of a token: valid until the list changes. (Inline:
 * every detector reads words through them.) */
static inline const char *tokenize_text(const tokenize_list *l, const tokenize_token *t) {
    return l->arena + t->text;
}
static inline const char *tokenize_stem(const tokenize_list *l, const tokenize_token *t) {
    return l->arena + t->stem;
}

/* 1 when w (n bytes, lower case) is an English stop word. */
int tokenize_is_stop(const char *w, size_t n);
/* 1 when w (n bytes, lower case, no dot) is a recognised top-level domain
 * of the closed table (the one spelled-out "dot" joins trust). */
int tokenize_is_tld(const char *w, size_t n);
/* 1 when w (n bytes) is a top-level domain by shape in host position: any
 * label of the table, a known long generic TLD, a 2-letter ASCII label
 * (the country codes) that is not a stop word, or any 2-3 letter ASCII
 * label when path is 1 (a '/', '\\', '?' or '#' follows the host). */
int tokenize_is_host_tld(const char *w, size_t n, int path);
/* 64-bit FNV-1a of s[0..n). */
uint64_t tokenize_hash(const char *s, size_t n);

/* 1 when the len bytes at w (shorter than 32) are an entry of tab, n
 * strings sorted by strcmp (bsearch). */
int tokenize_in_sorted(const char *const *tab, size_t n, const char *w,
                       size_t len);

#endif
