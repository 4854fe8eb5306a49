/* reqscan.c - the fast path of the comment request decoder: a strict
 * scanner over the raw body of POST /v1/sites/{site}/comments.
 *
 * Owns nothing beyond one call: it fills a reqscan_comment with strings
 * borrowed from the body, plus at most one buffer (the decoded text of the
 * strings that have escapes), which the result owns. It accepts only what
 * json_loadb(JSON_REJECT_DUPLICATES) accepts, and yields the very bytes
 * jansson would for it (jansson src/load.c: the same escapes, the same
 * surrogate pairing, the same strict UTF-8). It must never accept a body
 * jansson refuses nor decode a string differently: on anything it is not
 * sure of it declines, and codec.c parses the body with jansson. It never
 * reports an error. Libc only, no globals but constant tables.
 */
#include "reqscan.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonplain.h"

typedef struct scanner {
    const unsigned char *p, *end;
    size_t len;    /* of the whole body: bounds what the strings decode to */
    char *scratch; /* decoded escaped strings: len bytes, made on first need */
    size_t used;   /* bytes of scratch taken */
} scanner;

/* =================================================================== keys */

#define KEY(k) {#k, sizeof #k - 1, offsetof(reqscan_comment, k)}

const reqscan_key reqscan_top_keys[REQSCAN_NTOP] = {
    KEY(id), KEY(article_id), KEY(text), KEY(author), KEY(parent_id), KEY(created_at)};
const reqscan_key reqscan_author_keys[REQSCAN_NAUTHOR] = {KEY(name), KEY(email), KEY(url),
                                                          KEY(ip), KEY(user_agent)};

reqscan_value *reqscan_field(reqscan_comment *c, const reqscan_key *key) {
    return (reqscan_value *)((char *)c + key->off);
}

static const reqscan_key *find_key(const reqscan_key *tab, size_t n, const unsigned char *name,
                                   size_t len) {
    for (size_t i = 0; i < n; i++)
        if (tab[i].len == len && memcmp(tab[i].name, name, len) == 0) return &tab[i];
    return NULL;
}

/* ================================================================ strings */

/* Length of the UTF-8 sequence starting with the byte p[0] >= 0x80, or 0
 * when it is not valid: a stray continuation byte, an overlong form, a
 * surrogate, above U+10FFFF or cut short by end (what jansson's
 * utf8_check_first/utf8_check_full refuse). */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
    size_t n;
    uint32_t v, min;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2, v = p[0] & 0x1F, min = 0x80;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3, v = p[0] & 0x0F, min = 0x800;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4, v = p[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    return n;
}

/* The value of the 4 hex digits at p (either case), or -1. */
static int32_t hex4(const unsigned char *p) {
    int32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char ch = p[i];
        v <<= 4;
        if (ch >= '0' && ch <= '9')
            v += ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            v += ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            v += ch - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* The code point of the \uXXXX escape at p (p[0] is the backslash),
 * joined with the low surrogate escape after it when it is a high one;
 * *adv gets the source bytes used (6 or 12). -1 to decline: not 4 hex
 * digits, \u0000 (jansson refuses NUL without JSON_ALLOW_NUL), a lone or
 * mismatched surrogate. */
static int32_t unicode_escape(const unsigned char *p, const unsigned char *end, size_t *adv) {
    if (end - p < 6) return -1;
    int32_t v = hex4(p + 2);
    if (v <= 0 || (v >= 0xDC00 && v <= 0xDFFF)) return -1;
    *adv = 6;
    if (v >= 0xD800 && v <= 0xDBFF) {
        if (end - p < 12 || p[6] != '\\' || p[7] != 'u') return -1;
        int32_t lo = hex4(p + 8);
        if (lo < 0xDC00 || lo > 0xDFFF) return -1;
        v = ((v - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
        *adv = 12;
    }
    return v;
}

/* Writes code point v as UTF-8 at t; returns the byte after it. */
static char *utf8_put(char *t, uint32_t v) {
    if (v < 0x80) {
        *t++ = (char)v;
    } else if (v < 0x800) {
        *t++ = (char)(0xC0 | (v >> 6));
        *t++ = (char)(0x80 | (v & 0x3F));
    } else if (v < 0x10000) {
        *t++ = (char)(0xE0 | (v >> 12));
        *t++ = (char)(0x80 | ((v >> 6) & 0x3F));
        *t++ = (char)(0x80 | (v & 0x3F));
    } else {
        *t++ = (char)(0xF0 | (v >> 18));
        *t++ = (char)(0x80 | ((v >> 12) & 0x3F));
        *t++ = (char)(0x80 | ((v >> 6) & 0x3F));
        *t++ = (char)(0x80 | (v & 0x3F));
    }
    return t;
}

/* The rest of a string that has an escape at p, its text starting at
 * start: decoded into the scratch (no escape decodes to more bytes than
 * it is written with, so the strings of the body fit in its length).
 * 0 with *v set and s->p past the closing quote, or -1 to decline. */
static int scan_escaped(scanner *s, const unsigned char *start, const unsigned char *p,
                        reqscan_value *v) {
    const unsigned char *end = s->end;
    if (!s->scratch && !(s->scratch = malloc(s->len))) return -1;
    char *t0 = s->scratch + s->used, *t = t0;
    memcpy(t, start, (size_t)(p - start));
    t += p - start;
    for (;;) {
        const unsigned char *q = jsonplain_skip(p, end);
        memcpy(t, p, (size_t)(q - p));
        t += q - p;
        p = q;
        if (p >= end) return -1;
        if (*p == '"') break;
        if (*p >= 0x80) {
            size_t n = utf8_seq(p, end);
            if (!n) return -1;
            memcpy(t, p, n);
            t += n;
            p += n;
        } else if (*p != '\\' || end - p < 2) {
            return -1; /* a control character, or a backslash at the end */
        } else if (p[1] == 'u') {
            size_t adv;
            int32_t cp = unicode_escape(p, end, &adv);
            if (cp < 0) return -1;
            t = utf8_put(t, (uint32_t)cp);
            p += adv;
        } else {
            switch (p[1]) {
            case '"': case '\\': case '/': *t++ = (char)p[1]; break;
            case 'b': *t++ = '\b'; break;
            case 'f': *t++ = '\f'; break;
            case 'n': *t++ = '\n'; break;
            case 'r': *t++ = '\r'; break;
            case 't': *t++ = '\t'; break;
            default: return -1;
            }
            p += 2;
        }
    }
    s->used += (size_t)(t - t0);
    assert(s->used <= s->len);
    v->kind = REQSCAN_STRING;
    v->s = t0;
    v->len = (size_t)(t - t0);
    s->p = p + 1;
    return 0;
}

/* The string at s->p (its opening quote). A string without escapes is
 * borrowed from the body as it is; one with escapes is decoded. 0 with *v
 * set and s->p past the closing quote, or -1 to decline. */
static int scan_string(scanner *s, reqscan_value *v) {
    const unsigned char *start = s->p + 1, *p = start, *end = s->end;
    for (;;) {
        p = jsonplain_skip(p, end);
        if (p >= end) return -1;
        if (*p == '"') break;
        if (*p == '\\') return scan_escaped(s, start, p, v);
        if (*p < 0x80) return -1; /* a control character */
        size_t n = utf8_seq(p, end);
        if (!n) return -1;
        p += n;
    }
    v->kind = REQSCAN_STRING;
    v->s = (const char *)start;
    v->len = (size_t)(p - start);
    s->p = p + 1;
    return 0;
}

/* ================================================================ objects */

static void skip_space(scanner *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

/* 0 and s->p past ch when it is the next byte, -1 otherwise. */
static int expect(scanner *s, unsigned char ch) {
    if (s->p >= s->end || *s->p != ch) return -1;
    s->p++;
    return 0;
}

/* A member value other than author's: a string or null. */
static int scan_scalar(scanner *s, reqscan_value *v) {
    if (s->p < s->end && *s->p == '"') return scan_string(s, v);
    if (s->end - s->p >= 4 && memcmp(s->p, "null", 4) == 0) {
        s->p += 4; /* "nullx" is caught by what must follow: , or } */
        v->kind = REQSCAN_NULL;
        return 0;
    }
    return -1;
}

/* The object at s->p (its '{') whose keys are in tab; the values go to
 * the fields of c. Declines an unknown, escaped or repeated key. The top
 * level's author is an object of author keys, which hold no object: this
 * recurses once at most. 0, or -1 to decline. */
static int scan_object(scanner *s, reqscan_comment *c, const reqscan_key *tab, size_t n) {
    s->p++;
    skip_space(s);
    if (expect(s, '}') == 0) return 0;
    for (;;) {
        if (expect(s, '"') < 0) return -1;
        const unsigned char *name = s->p;
        /* every known key is lower case letters and '_' */
        while (s->p < s->end && ((*s->p >= 'a' && *s->p <= 'z') || *s->p == '_')) s->p++;
        const reqscan_key *key = find_key(tab, n, name, (size_t)(s->p - name));
        if (!key || expect(s, '"') < 0) return -1;
        reqscan_value *v = reqscan_field(c, key);
        if (v->kind != REQSCAN_ABSENT) return -1; /* jansson refuses duplicates */
        skip_space(s);
        if (expect(s, ':') < 0) return -1;
        skip_space(s);
        if (v == &c->author) {
            if (s->p >= s->end || *s->p != '{') return -1;
            v->kind = REQSCAN_OBJECT;
            if (scan_object(s, c, reqscan_author_keys, REQSCAN_NAUTHOR) < 0) return -1;
        } else if (scan_scalar(s, v) < 0) {
            return -1;
        }
        skip_space(s);
        if (expect(s, '}') == 0) return 0;
        if (expect(s, ',') < 0) return -1;
        skip_space(s);
    }
}

/* ================================================================== entry */

void reqscan_comment_init(reqscan_comment *c) { memset(c, 0, sizeof *c); }

int reqscan_comment_scan(const char *buf, size_t len, reqscan_comment *out) {
    reqscan_comment_init(out);
    if (!buf || !len) return -1;
    scanner s = {(const unsigned char *)buf, (const unsigned char *)buf + len, len, NULL, 0};
    skip_space(&s);
    if (s.p < s.end && *s.p == '{' &&
        scan_object(&s, out, reqscan_top_keys, REQSCAN_NTOP) == 0) {
        skip_space(&s);
        if (s.p == s.end) {
            out->scratch = s.scratch;
            return 0;
        }
    }
    free(s.scratch);
    reqscan_comment_init(out);
    return -1;
}

void reqscan_comment_free(reqscan_comment *c) {
    if (!c) return;
    free(c->scratch);
    reqscan_comment_init(c);
}
