/* hostshape.c - host-shaped strings, written plainly or in disguise.
 *
 * Owns what makes a run of text a host: the shape of a top-level domain
 * (tokenize_is_host_tld: the closed table, known long generic TLDs, the
 * 2-letter country-code shape, any short label with a path behind it), the
 * length of a "label.label.tld" host, and the finding of hosts written so
 * that they do not look like one: labels joined by a spelled-out or
 * bracketed dot ("site dot com", "site(.)com", "site [dot] com", an
 * ideographic full stop), letters spaced apart ("w w w . s i t e . c o m",
 * or only some labels: "w w w . my-site . c o m")
 * or a markdown link target ("[text](site.com/x)"). Reads normalised text
 * only (lower case, full-width folded by normalize.c); tokenize.c makes the
 * tokens. Never allocates.
 */
#include "hostshape.h"

#include <stdlib.h>
#include <string.h>

#include "tokenize.h"

/* Generic TLDs spam is registered under that tokenize.c's table lacks;
 * everyday English words ("one", "work", "today") are left out because
 * "no.one" is a typo, not a host. Sorted by bytes. */
static const char *const long_gtlds[] = {
    "academy", "agency", "bargains", "bet", "bio", "cam", "cash", "casino",
    "center", "cloud", "deals", "design", "digital", "email", "expert",
    "finance", "fit", "guru", "host", "kim", "loan", "loans", "ltd", "media",
    "mobi", "network", "ninja", "pics", "porn", "press", "pub", "racing",
    "review", "rocks", "sbs", "science", "sex", "social", "stream", "studio",
    "systems", "tech", "trade", "webcam", "wtf", "xxx", "zone",
};

int tokenize_is_host_tld(const char *w, size_t n, int path) {
    if (tokenize_is_tld(w, n) ||
        tokenize_in_sorted(long_gtlds, sizeof long_gtlds / sizeof *long_gtlds, w, n))
        return 1;
    if (n < 2 || n > 3)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] < 'a' || w[i] > 'z')
            return 0;
    /* a path behind it makes any short label a TLD ("x.abc/offer"); alone,
     * only the 2-letter country-code shape, and not "so" / "it" / "me" */
    return path || (n == 2 && !tokenize_is_stop(w, n));
}

int hostshape_host_char(int c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
}

size_t hostshape_domain_len(const char *s, size_t n) {
    size_t i = 0, dots = 0, last = 0;
    int letter = 0;
    while (i < n && hostshape_host_char((unsigned char)s[i])) {
        if (s[i] == '.') {
            if (i == 0 || s[i - 1] == '.')
                return 0;
            dots++;
            last = i + 1;
        } else if (s[i] >= 'a' && s[i] <= 'z') {
            letter = 1;
        }
        i++;
    }
    if (!dots || !letter || last >= i)
        return 0;
    if (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#' && s[i] != ':' &&
        s[i] != '\\')
        return 0;
    /* t.me and wa.me are messenger links; otherwise the TLD must be one
     * by shape */
    if ((i == 4 && memcmp(s, "t.me", 4) == 0) ||
        (i == 5 && memcmp(s, "wa.me", 5) == 0))
        return i;
    int path = i < n && (s[i] == '/' || s[i] == '?' || s[i] == '#' ||
                         s[i] == '\\');
    int www = i > 4 && memcmp(s, "www.", 4) == 0;
    return tokenize_is_host_tld(s + last, i - last, path || www) ? i : 0;
}

/* Letter-spaced hosts: at least this many spaced characters
 * ("x . c o m" is 7), at most this many spaces between two. */
#define TOKENIZE_SPACED_HOST_MIN 7
#define TOKENIZE_SPACED_GAP 2
/* A markdown link's text: at most this many bytes between '[' and ']'. */
#define TOKENIZE_MD_TEXT_MAX 200


/* [a-z0-9-] by byte: label_char() is asked of nearly every byte of a
 * text. */
static const unsigned char label_tab[256] = {
    ['-'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
    ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

static inline int label_char(int c) { return label_tab[(unsigned char)c]; }

/* The bytes a dot written otherwise (fake_dot_at) can start with, a dot
 * included, by byte: asked after nearly every word. */
static const unsigned char dot_start_tab[256] = {
    ['('] = 1, ['['] = 1, ['{'] = 1, ['<'] = 1, [0xe3] = 1, ['d'] = 1, ['.'] = 1,
};

/* Length of a dot written as something else at s (spaces around it
 * included), or 0: " dot ", "(dot)", "[dot]", "{dot}", "(.)", "[.]",
 * "{.}", "<dot>", an ideographic full stop, or " . " (one dot with a space
 * on at least one side). */
static size_t fake_dot_at(const char *s, size_t n) {
    static const char *const forms[] = {"(dot)", "[dot]", "{dot}", "<dot>",
                                        "(.)",   "[.]",   "{.}",
                                        "\xe3\x80\x82", "dot"};
    static const unsigned char form_len[] = {5, 5, 5, 5, 3, 3, 3, 3, 3};
    size_t i = 0;
    while (i < n && i < TOKENIZE_SPACED_GAP && s[i] == ' ')
        i++;
    size_t lead = i, len = 0;
    /* every form starts with one of these bytes: asked after every word,
     * most of the time none is there */
    unsigned char c0 = i < n ? (unsigned char)s[i] : 0;
    if (c0 == '(' || c0 == '[' || c0 == '{' || c0 == '<' || c0 == 0xe3 ||
        c0 == 'd') {
        for (size_t k = 0; k < sizeof forms / sizeof *forms && !len; k++) {
            size_t fl = form_len[k];
            if ((unsigned char)forms[k][0] == c0 && i + fl <= n &&
                memcmp(s + i, forms[k], fl) == 0)
                len = fl;
        }
    }
    /* the bare word "dot" needs spaces on both sides ("dotcom" is a word) */
    int word = len == 3 && s[i] == 'd';
    if (!len && i < n && s[i] == '.' && lead)
        len = 1;
    if (!len)
        return 0;
    size_t j = i + len, trail = 0;
    while (j < n && trail < TOKENIZE_SPACED_GAP && s[j] == ' ') {
        j++;
        trail++;
    }
    if (word && (!lead || !trail))
        return 0;
    if (len == 1 && s[i] == '.' && !lead)
        return 0;
    return j;
}

/* fake_dot_at(), which can only find a dot where the first byte after at
 * most TOKENIZE_SPACED_GAP spaces opens one of its forms or is a dot: the
 * test for that inline, as it is asked after nearly every word. */
static inline size_t fake_dot(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && i < TOKENIZE_SPACED_GAP && s[i] == ' ')
        i++;
    if (i >= n)
        return 0;
    if (!dot_start_tab[(unsigned char)s[i]])
        return 0;
    return fake_dot_at(s, n);
}

/* Path after a host: '/' or '\' and what follows up to a space. */
static size_t path_len(const char *s, size_t n) {
    if (!n || (s[0] != '/' && s[0] != '\\'))
        return 0;
    size_t i = 0;
    while (i < n && s[i] != ' ')
        i++;
    while (i > 1 && strchr(".,!?;:)]}>\"'", s[i - 1]))
        i--;
    return i;
}

/* After one character of a label ending at text[q], the rest of the label
 * when it goes on letter by letter ("w w w", "c o m": single characters
 * one or two spaces apart), appended to d->host; returns the end of the
 * label (q when it does not go on). Spacing a label out is a disguise. */
static size_t spaced_label(const char *text, size_t len, size_t q,
                           hostshape_span *d) {
    for (;;) {
        size_t g = q;
        while (g < len && g - q < TOKENIZE_SPACED_GAP && text[g] == ' ')
            g++;
        if (g == q || g >= len || !label_char((unsigned char)text[g]) ||
            (g + 1 < len && label_char((unsigned char)text[g + 1])) ||
            d->hn + 2 >= sizeof d->host)
            return q;
        d->host[d->hn++] = text[g];
        q = g + 1;
    }
}

/* A host with at least one hostshape_span dot starting at text[i]; 0 or the
 * end of the span. */
static size_t dot_host_at(const char *text, size_t len, size_t i,
                          hostshape_span *d) {
    size_t p = i, fakes = 0, last = 0, dots = 0;
    d->hn = 0;
    for (;;) {
        size_t q = p;
        while (q < len && label_char((unsigned char)text[q]))
            q++;
        if (q == p || d->hn + (q - p) + 1 >= sizeof d->host)
            return 0;
        last = d->hn;
        memcpy(d->host + d->hn, text + p, q - p);
        d->hn += q - p;
        if (q - p == 1) { /* a label spelled letter by letter: "c o m" */
            size_t r = spaced_label(text, len, q, d);
            if (r != q)
                fakes++;
            q = r;
        }
        p = q;
        size_t f;
        if (p + 1 < len && text[p] == '.' &&
            label_char((unsigned char)text[p + 1])) {
            f = 1; /* a plain dot */
        } else if ((f = fake_dot(text + p, len - p)) &&
                   p + f < len && label_char((unsigned char)text[p + f])) {
            fakes++;
        } else {
            break;
        }
        d->host[d->hn++] = '.';
        dots++;
        p += f;
    }
    if (!fakes || !dots || d->hn == last)
        return 0;
    const char *tld = d->host + last;
    size_t tn = d->hn - last;
    /* the closed table or a known long gTLD: a spelled dot before "in" or
     * "it" is prose ("dot in the middle") */
    if (tokenize_is_stop(tld, tn) || !tokenize_is_host_tld(tld, tn, 0) ||
        (tn == 2 && !tokenize_is_tld(tld, tn)))
        return 0;
    if (p < len && label_char((unsigned char)text[p]))
        return 0;
    d->host[d->hn] = '\0';
    d->kind = TOKENIZE_DISGUISE_DOT;
    return p + path_len(text + p, len - p);
}

/* Letters spaced apart spelling a host: "w w w . s i t e . c o m". */
static size_t spaced_host_at(const char *text, size_t len, size_t i,
                             hostshape_span *d) {
    size_t p = i, items = 0, end = i;
    d->hn = 0;
    while (p < len && d->hn + 1 < sizeof d->host) {
        int c = (unsigned char)text[p];
        if (!label_char(c) && c != '.')
            break;
        if (p + 1 < len && text[p + 1] != ' ')
            break; /* an item is one character */
        d->host[d->hn++] = (char)c;
        items++;
        end = p + 1;
        size_t g = p + 1;
        while (g < len && g - p - 1 < TOKENIZE_SPACED_GAP && text[g] == ' ')
            g++;
        if (g == p + 1 || g >= len || text[g] == ' ')
            break;
        p = g;
    }
    while (d->hn && d->host[d->hn - 1] == '.') {
        d->hn--;
        items--;
    }
    if (items < TOKENIZE_SPACED_HOST_MIN)
        return 0;
    d->host[d->hn] = '\0';
    size_t dl = hostshape_domain_len(d->host, d->hn);
    if (dl != d->hn)
        return 0;
    const char *dot = strrchr(d->host, '.');
    if (!dot || !tokenize_is_tld(dot + 1, strlen(dot + 1)))
        return 0;
    d->kind = TOKENIZE_DISGUISE_SPACED;
    /* the span ends at the last character of the host */
    size_t k = i, seen = 0;
    for (; k < end && seen < d->hn; k++)
        if (text[k] != ' ')
            seen++;
    return k;
}

/* "[text](target)" at text[i] == '(' after ']': the target, when it is a
 * URL or a host. */
static size_t markdown_at(const char *text, size_t len, size_t i,
                          hostshape_span *d) {
    size_t open = i > TOKENIZE_MD_TEXT_MAX ? i - TOKENIZE_MD_TEXT_MAX : 0, k;
    for (k = i - 1; k > open && text[k - 1] != '['; k--)
        ;
    if (k == open && (k == 0 || text[k - 1] != '['))
        return 0;
    size_t s = i + 1, e = s;
    while (e < len && text[e] != ')' && text[e] != ' ')
        e++;
    if (e >= len || text[e] != ')' || e == s)
        return 0;
    const char *c = text + s;
    size_t n = e - s, h = 0;
    if (n > 8 && memcmp(c, "https://", 8) == 0)
        h = 8;
    else if (n > 7 && memcmp(c, "http://", 7) == 0)
        h = 7;
    size_t hl = h ? strcspn(c + h, "/?#:") : hostshape_domain_len(c, n);
    if (h && hl > n - h)
        hl = n - h;
    if (!hl || hl >= sizeof d->host)
        return 0;
    memcpy(d->host, c + h, hl);
    d->hn = hl;
    d->host[hl] = '\0';
    d->kind = TOKENIZE_DISGUISE_MARKDOWN;
    d->off = s;
    return e;
}

size_t hostshape_find(const char *text, size_t len, hostshape_span *out,
                             size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < len && n < max;) {
        int c = (unsigned char)text[i];
        size_t end = 0;
        if (c == '(' && i > 0 && text[i - 1] == ']') {
            out[n].off = i;
            end = markdown_at(text, len, i, &out[n]);
        } else if (label_char(c) &&
                   (i == 0 || !label_char((unsigned char)text[i - 1])) &&
                   (i == 0 || text[i - 1] != '.')) {
            /* a label of two or more characters followed by neither a
             * dot and a label nor a spelled dot starts no disguised host
             * (spaced_host_at wants one character, dot_host_at a dot) */
            size_t q = i + 1;
            while (q < len && label_char((unsigned char)text[q]))
                q++;
            if (q - i > 1 &&
                !(q + 1 < len && text[q] == '.' &&
                  label_char((unsigned char)text[q + 1])) &&
                !fake_dot(text + q, len - q)) {
                /* nor at text[q], which ends the label: no label starts
                 * there, and a markdown link's "(" follows a "]" */
                i = q < len ? q + 1 : q;
                continue;
            }
            out[n].off = i;
            end = spaced_host_at(text, len, i, &out[n]);
            if (!end) {
                out[n].off = i;
                end = dot_host_at(text, len, i, &out[n]);
            }
        }
        if (end) {
            out[n].end = end;
            i = end;
            n++;
        } else if (label_char(c)) {
            /* no host starts inside a label: the rest of it is skipped */
            i++;
            while (i < len && label_char((unsigned char)text[i]))
                i++;
        } else {
            i++;
        }
    }
    return n;
}
