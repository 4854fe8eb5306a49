/* jsonw.c - JSON writer: compact JSON text straight into one growing buffer.
 *
 * Owns the buffer until jsonw_finish and the exact text of every value; the
 * output matches jansson's json_dumps for the flags codec.c uses (see
 * jsonw.h), which tests/unit/test_codec.c checks against jansson itself.
 * Never includes jansson and never decides what a record contains.
 */
#include "jsonw.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonplain.h"

/* ================================================================ buffer */

/* Grows the buffer to hold n more bytes plus a NUL. 0, or -1 (oom set). */
static int grow(jsonw *w, size_t n) {
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len <= n) {
        if (cap > ((size_t)-1) / 2) goto fail;
        cap *= 2;
    }
    char *b = realloc(w->buf, cap);
    if (!b) goto fail;
    w->buf = b;
    w->cap = cap;
    return 0;
fail:
    w->oom = 1;
    return -1;
}

/* Makes room for n more bytes plus a NUL. 0, or -1 (and oom set). */
static inline int reserve(jsonw *w, size_t n) {
    if (w->oom) return -1;
    return w->cap - w->len > n ? 0 : grow(w, n);
}

static inline void put(jsonw *w, const char *s, size_t n) {
    if (reserve(w, n) < 0) return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void putc1(jsonw *w, char ch) {
    if (reserve(w, 1) < 0) return;
    w->buf[w->len++] = ch;
}

void jsonw_init(jsonw *w, int precision, size_t hint) {
    assert(precision >= 1 && precision <= 30);
    memset(w, 0, sizeof *w);
    w->precision = precision;
    reserve(w, hint);
}

char *jsonw_finish(jsonw *w, size_t *len) {
    assert(w->oom || w->depth == 0);
    char *out = NULL;
    if (!w->oom && reserve(w, 0) == 0) {
        w->buf[w->len] = 0;
        out = w->buf;
        if (len) *len = w->len;
    } else {
        free(w->buf);
    }
    memset(w, 0, sizeof *w);
    return out;
}

/* ============================================================ structure */

/* Before a value: the comma between array elements. In an object the comma
 * comes with the key (jsonw_key). */
static void before_value(jsonw *w) {
    if (w->depth == 0 || !w->array[w->depth - 1]) return;
    if (w->filled[w->depth - 1]) putc1(w, ',');
    w->filled[w->depth - 1] = 1;
}

static void open_level(jsonw *w, int array) {
    before_value(w);
    assert(w->depth < JSONW_MAX_DEPTH);
    putc1(w, array ? '[' : '{');
    w->array[w->depth] = (unsigned char)array;
    w->filled[w->depth] = 0;
    w->depth++;
}

static void close_level(jsonw *w, int array) {
    assert(w->depth > 0 && w->array[w->depth - 1] == array);
    w->depth--;
    putc1(w, array ? ']' : '}');
}

void jsonw_object_begin(jsonw *w) { open_level(w, 0); }
void jsonw_object_end(jsonw *w) { close_level(w, 0); }
void jsonw_array_begin(jsonw *w) { open_level(w, 1); }
void jsonw_array_end(jsonw *w) { close_level(w, 1); }

/* ============================================================== strings */

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 when
 * it is not one: the same rule as jansson's utf8_check_full (no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *p, size_t avail) {
    unsigned char u = p[0];
    size_t n;
    unsigned long v;
    if (u >= 0xC2 && u <= 0xDF) {
        n = 2;
        v = u & 0x1F;
    } else if (u >= 0xE0 && u <= 0xEF) {
        n = 3;
        v = u & 0x0F;
    } else if (u >= 0xF0 && u <= 0xF4) {
        n = 4;
        v = u & 0x07;
    } else {
        return 0; /* continuation byte, 0xC0/0xC1, or 0xF5.. */
    }
    if (n > avail) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000)) return 0;
    return n;
}

/* The escape of a byte below 0x20, '"' or '\\', into out; its length. */
static size_t escape(unsigned char ch, char out[6]) {
    static const char hex[] = "0123456789ABCDEF";
    out[0] = '\\';
    switch (ch) {
    case '"': out[1] = '"'; return 2;
    case '\\': out[1] = '\\'; return 2;
    case '\b': out[1] = 'b'; return 2;
    case '\f': out[1] = 'f'; return 2;
    case '\n': out[1] = 'n'; return 2;
    case '\r': out[1] = 'r'; return 2;
    case '\t': out[1] = 't'; return 2;
    default:
        memcpy(out + 1, "u00", 3);
        out[4] = hex[ch >> 4];
        out[5] = hex[ch & 15];
        return 6;
    }
}

/* Byte classes of a string's content: copied as it is, escaped, or the
 * lead of a multi-byte sequence to validate (an invalid byte included). */
enum { PLAIN = 0, ESCAPE = 1, MULTI = 2 };
static const unsigned char CLASS[256] = {
    [0x00 ... 0x1F] = ESCAPE, ['"'] = ESCAPE, ['\\'] = ESCAPE, [0x80 ... 0xFF] = MULTI};

int jsonw_string(jsonw *w, const char *s) {
    if (!s) return -1;
    size_t n = strlen(s), mark = w->len;
    int filled = w->depth ? w->filled[w->depth - 1] : 0;
    before_value(w);
    if (reserve(w, n + 2) < 0) return 0; /* sticky oom: reported at finish */
    w->buf[w->len++] = '"';
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
    for (;;) {
        p = jsonplain_skip(p, end);
        if (p == end) break;
        if (CLASS[*p] == MULTI) {
            size_t k = utf8_seq(p, (size_t)(end - p));
            if (!k) goto refuse;
            p += k;
        } else {
            char e[6];
            size_t k = escape(*p, e);
            put(w, (const char *)run, (size_t)(p - run));
            put(w, e, k);
            run = ++p;
        }
    }
    put(w, (const char *)run, (size_t)(p - run));
    putc1(w, '"');
    return 0;
refuse:
    w->len = mark;
    if (w->depth) w->filled[w->depth - 1] = (unsigned char)filled;
    return -1;
}

#ifndef NDEBUG
/* 1 when key can be written between quotes as it is. */
static int plain_key(const char *key) {
    for (; *key; key++)
        if ((unsigned char)*key < 0x20 || (unsigned char)*key >= 0x80 || *key == '"' ||
            *key == '\\')
            return 0;
    return 1;
}
#endif

void jsonw_key(jsonw *w, const char *key) {
    assert(w->depth > 0 && !w->array[w->depth - 1]);
    assert(plain_key(key));
    size_t n = strlen(key);
    if (reserve(w, n + 4) < 0) return;
    char *b = w->buf + w->len;
    if (w->filled[w->depth - 1]) *b++ = ',';
    w->filled[w->depth - 1] = 1;
    *b++ = '"';
    memcpy(b, key, n);
    b += n;
    *b++ = '"';
    *b++ = ':';
    w->len = (size_t)(b - w->buf);
}

/* ============================================================== numbers */

void jsonw_int(jsonw *w, long long v) {
    char tmp[24], *q = tmp + sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--q = '-';
    before_value(w);
    put(w, q, (size_t)(tmp + sizeof tmp - q));
}

/* "%.6g" of v when v is a multiple of 0.001 below 1000 in magnitude (the
 * scores, rounded to 3 decimals): the digits of v * 1000 with the point put
 * in and trailing zeros dropped, without snprintf's machinery. 6
 * significant digits hold every such value exactly, so the text is the
 * same. Length written into b, or 0 when v is not such a value. */
static size_t milli_text(double v, char b[16]) {
    double k = v * 1000;
    if (!(fabs(v) < 1000)) return 0;
    long long m = llround(k);
    if (fabs(k - (double)m) > 1e-9 || (m == 0 && v != 0)) return 0;
    size_t n = 0;
    if (m < 0 || (m == 0 && signbit(v))) b[n++] = '-';
    unsigned long long a = (unsigned long long)(m < 0 ? -m : m);
    unsigned long long ip = a / 1000, fp = a % 1000;
    char d[8];
    size_t nd = 0;
    do {
        d[nd++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (nd) b[n++] = d[--nd];
    b[n++] = '.';
    char f[3] = {(char)('0' + fp / 100), (char)('0' + fp / 10 % 10), (char)('0' + fp % 10)};
    size_t nf = 3;
    while (nf > 1 && f[nf - 1] == '0') nf--; /* "1.0" keeps one: a real */
    memcpy(b + n, f, nf);
    return n + nf;
}

int jsonw_real(jsonw *w, double v) {
    if (!isfinite(v)) return -1; /* json_real() refuses NaN and infinities */
    if (w->precision == 6) {
        char m[16];
        size_t ml = milli_text(v, m);
        if (ml) {
            before_value(w);
            put(w, m, ml);
            return 0;
        }
    }
    char b[64];
    int n = snprintf(b, sizeof b - 3, "%.*g", w->precision, v);
    if (n < 0 || (size_t)n >= sizeof b - 3) return -1;
    size_t len = (size_t)n;
    /* a locale's decimal comma (%g prints no grouping) */
    char *dot = memchr(b, ',', len);
    if (dot) *dot = '.';
    /* keep it a real when read back: "1" -> "1.0" */
    if (!memchr(b, '.', len) && !memchr(b, 'e', len)) {
        memcpy(b + len, ".0", 2);
        len += 2;
    }
    /* "1e+07" -> "1e7", "1e-05" -> "1e-5" */
    char *e = memchr(b, 'e', len);
    if (e) {
        char *start = e + 1, *from = e + 2;
        if (*start == '-') start++;
        while (from < b + len && *from == '0') from++;
        if (from != start) {
            memmove(start, from, (size_t)(b + len - from));
            len -= (size_t)(from - start);
        }
    }
    before_value(w);
    put(w, b, len);
    return 0;
}

void jsonw_null(jsonw *w) {
    before_value(w);
    put(w, "null", 4);
}

void jsonw_bool(jsonw *w, int v) {
    before_value(w);
    if (v) put(w, "true", 4);
    else put(w, "false", 5);
}

/* ============================================================== members */

int jsonw_member_str(jsonw *w, const char *key, const char *s) {
    assert(w->depth > 0 && !w->array[w->depth - 1]);
    if (!s) return -1;
    size_t mark = w->len;
    unsigned char filled = w->filled[w->depth - 1];
    jsonw_key(w, key);
    if (jsonw_string(w, s) == 0) return 0;
    w->len = mark;
    w->filled[w->depth - 1] = filled;
    return -1;
}

int jsonw_member_real(jsonw *w, const char *key, double v) {
    if (!isfinite(v)) return -1;
    jsonw_key(w, key);
    return jsonw_real(w, v);
}

void jsonw_member_int(jsonw *w, const char *key, long long v) {
    jsonw_key(w, key);
    jsonw_int(w, v);
}
