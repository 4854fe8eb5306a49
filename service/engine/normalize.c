/* normalize.c - comment text normalisation: raw bytes -> canonical UTF-8.
 *
 * Owns every rewrite of the posted bytes before tokenisation, in this order:
 * validate UTF-8; strip HTML tags and BBCode (keeping the target of
 * <a href=...> and [url=...], since links matter for link spam); decode
 * HTML entities; measure what only the original shows (capitals, "!!!" runs,
 * emoji); NFKC + case folding + removal of default-ignorable code points
 * (zero-width characters, soft hyphen, BOM) with utf8proc; fold small
 * capitals to a-z, and Cyrillic/Greek look-alikes to Latin inside
 * Latin-looking words; collapse
 * whitespace. Every step is linear in the input. Never allocates anything
 * that outlives the call except the returned string; no I/O, no globals.
 */
#include "normalize.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* A '<' or '[' further than this from its '>'/']' is text, not a tag: keeps
 * the tag scan linear on hostile input full of unclosed brackets. */
#define NORMALIZE_MAX_TAG 1024
/* Longest entity name we decode ("&thetasym;" is 10). */
#define NORMALIZE_MAX_ENTITY 12

static void set_err(engine_error *err, int code, const char *field,
                    const char *text) {
    if (!err)
        return;
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field);
    snprintf(err->text, sizeof err->text, "%s", text);
}

/* ------------------------------------------------------------------------ */
/* Growable byte buffer                                                      */
/* ------------------------------------------------------------------------ */

typedef struct nbuf {
    char *p;
    size_t n, cap;
    int oom;
} nbuf;

static void nb_put(nbuf *b, const char *s, size_t n) {
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void nb_putc(nbuf *b, char c) {
    if (b->p && b->n + 2 <= b->cap) {
        b->p[b->n++] = c;
        b->p[b->n] = '\0';
        return;
    }
    nb_put(b, &c, 1);
}

static void nb_putcp(nbuf *b, utf8proc_int32_t cp) {
    utf8proc_uint8_t tmp[4];
    utf8proc_ssize_t n = utf8proc_encode_char(cp, tmp);
    nb_put(b, (const char *)tmp, (size_t)n);
}

/* ------------------------------------------------------------------------ */
/* Word-at-a-time scanning (ASCII fast paths)                               */
/* ------------------------------------------------------------------------ */

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static uint64_t load8(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Nonzero when some byte of v equals c (exact: no false positives). */
static uint64_t has_byte(uint64_t v, unsigned char c) {
    uint64_t x = v ^ (ONES * c);
    return ~(((x & ~HIGHS) + ~HIGHS) | x) & HIGHS;
}

/* Index of the first byte >= 0x80 in s[0..n), or n. */
static size_t ascii_prefix(const char *s, size_t n) {
    size_t i = 0;
    while (i + 8 <= n && !(load8(s + i) & HIGHS))
        i += 8;
    while (i < n && (unsigned char)s[i] < 0x80)
        i++;
    return i;
}

/* ------------------------------------------------------------------------ */
/* HTML entities and tags                                                    */
/* ------------------------------------------------------------------------ */

static int lower_ascii(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int is_alpha_ascii(int c) {
    c = lower_ascii(c);
    return c >= 'a' && c <= 'z';
}

static const struct {
    const char *name;
    int cp;
} entities[] = {
    {"amp", '&'},       {"lt", '<'},         {"gt", '>'},
    {"quot", '"'},      {"apos", '\''},      {"nbsp", 0xA0},
    {"copy", 0xA9},     {"reg", 0xAE},       {"trade", 0x2122},
    {"hellip", 0x2026}, {"mdash", 0x2014},   {"ndash", 0x2013},
    {"lsquo", 0x2018},  {"rsquo", 0x2019},   {"ldquo", 0x201C},
    {"rdquo", 0x201D},  {"euro", 0x20AC},    {"pound", 0xA3},
    {"shy", 0xAD},      {"zwj", 0x200D},     {"zwnj", 0x200C},
    {"laquo", 0xAB},    {"raquo", 0xBB},     {"middot", 0xB7},
    {"bull", 0x2022},   {"eacute", 0xE9},    {"egrave", 0xE8},
    {"agrave", 0xE0},   {"ccedil", 0xE7},    {"uuml", 0xFC},
    {"ouml", 0xF6},     {"auml", 0xE4},      {"szlig", 0xDF},
    {"ntilde", 0xF1},
};

/* Decodes the entity at s[0]=='&'. Returns bytes consumed (0 = not an
 * entity) and the code point in *cp (-1 when it decodes to nothing). */
static size_t entity_decode(const char *s, size_t n, utf8proc_int32_t *cp) {
    size_t i = 1;
    while (i < n && i <= NORMALIZE_MAX_ENTITY && s[i] != ';' && s[i] != '&' &&
           s[i] != ' ')
        i++;
    if (i >= n || s[i] != ';' || i == 1)
        return 0;
    if (s[1] == '#') {
        long v = 0;
        size_t j = 2;
        int hex = j < i && (s[j] == 'x' || s[j] == 'X');
        if (hex)
            j++;
        if (j == i)
            return 0;
        for (; j < i; j++) {
            int c = lower_ascii((unsigned char)s[j]), d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else
                return 0;
            v = v * (hex ? 16 : 10) + d;
            if (v > 0x10FFFF)
                v = 0x110000; /* stays invalid, no overflow */
        }
        *cp = utf8proc_codepoint_valid((utf8proc_int32_t)v) && v != 0
                  ? (utf8proc_int32_t)v
                  : -1;
        return i + 1;
    }
    for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++) {
        size_t L = strlen(entities[k].name);
        if (L == i - 1 && memcmp(s + 1, entities[k].name, L) == 0) {
            *cp = entities[k].cp;
            return i + 1;
        }
    }
    return 0;
}

/* Appends s[0..n) to b, decoding entities. */
static void put_decoded(nbuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t plain = amp ? (size_t)(amp - (s + i)) : n - i;
        nb_put(b, s + i, plain);
        i += plain;
        if (i >= n)
            break;
        utf8proc_int32_t cp;
        size_t used = entity_decode(s + i, n - i, &cp);
        if (used) {
            if (cp >= 0)
                nb_putcp(b, cp);
            i += used;
        } else {
            nb_putc(b, s[i++]);
        }
    }
}

/* Tags that never separate words: "<b>via</b>gra" reads "viagra". */
static int inline_tag(const char *name, size_t n) {
    static const char *const tags[] = {"b",    "i",   "u",      "em",
                                       "strong", "span", "font", "small",
                                       "big",  "sub", "sup",    "s",
                                       "strike", "mark", "abbr", "wbr"};
    for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
        if (strlen(tags[k]) == n && strncasecmp(tags[k], name, n) == 0)
            return 1;
    return 0;
}

/* Finds attr="value" inside tag[0..n). Returns value start or NULL. */
static const char *tag_attr(const char *tag, size_t n, const char *attr,
                            size_t *vlen) {
    size_t al = strlen(attr);
    for (size_t i = 0; i + al < n; i++) {
        if (strncasecmp(tag + i, attr, al) != 0)
            continue;
        size_t j = i + al;
        while (j < n && tag[j] == ' ')
            j++;
        if (j >= n || tag[j] != '=')
            continue;
        j++;
        while (j < n && tag[j] == ' ')
            j++;
        char q = (j < n && (tag[j] == '"' || tag[j] == '\'')) ? tag[j] : 0;
        if (q)
            j++;
        size_t k = j;
        while (k < n && (q ? tag[k] != q : (tag[k] != ' ' && tag[k] != '>')))
            k++;
        *vlen = k - j;
        return tag + j;
    }
    return NULL;
}

/* 1 when the anchor content at s (n bytes) starts with an <img> tag. */
static int wraps_image(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' ||
                     s[i] == '\t'))
        i++;
    return n - i >= 4 && s[i] == '<' && strncasecmp(s + i + 1, "img", 3) == 0;
}

/* Pass 1: strip tags and BBCode, keep link targets, decode entities. */
static void strip_markup(const char *in, size_t len, nbuf *b,
                         normalize_stats *st) {
    size_t i = 0, text = 0; /* text: start of pending plain run */
    while (i < len) {
        /* skip 8 bytes at a time while none is '<' or '[' */
        while (i + 8 <= len) {
            uint64_t v = load8(in + i);
            if (has_byte(v, '<') | has_byte(v, '['))
                break;
            i += 8;
        }
        if (i >= len)
            break;
        char c = in[i];
        if (c != '<' && c != '[') {
            i++;
            continue;
        }
        size_t lim = len - i < NORMALIZE_MAX_TAG ? len - i : NORMALIZE_MAX_TAG;
        const char *end = memchr(in + i, c == '<' ? '>' : ']', lim);
        if (c == '<') {
            size_t j = i + 1;
            int closing = j < len && in[j] == '/';
            if (closing)
                j++;
            if (!end || j >= len || !(is_alpha_ascii((unsigned char)in[j]) ||
                                      in[j] == '!')) {
                i++;
                continue;
            }
            size_t nl = 0;
            while (j + nl < len && is_alpha_ascii((unsigned char)in[j + nl]))
                nl++;
            put_decoded(b, in + text, i - text);
            size_t tn = (size_t)(end - (in + i));
            if (!closing && nl == 1 && lower_ascii((unsigned char)in[j]) == 'a') {
                size_t vl = 0;
                const char *v = tag_attr(in + i, tn, "href", &vl);
                if (v && wraps_image(end + 1, (size_t)(in + len - end - 1))) {
                    /* a picture (forum signature, photo host): shows
                     * something, promotes nothing; its target is dropped */
                    st->image_links++;
                    nb_putc(b, ' ');
                } else if (v) {
                    nb_putc(b, ' ');
                    put_decoded(b, v, vl);
                    nb_putc(b, ' ');
                    st->markup_links++;
                }
            } else if (!inline_tag(in + j, nl)) {
                nb_putc(b, ' ');
            }
            i = text = (size_t)(end - in) + 1;
        } else {
            /* BBCode: [url=X]..[/url], [url]X[/url], [link=X] */
            size_t j = i + 1;
            int closing = j < len && in[j] == '/';
            if (closing)
                j++;
            int is_url = len - j >= 3 && (strncasecmp(in + j, "url", 3) == 0 ||
                                          strncasecmp(in + j, "link", 4) == 0);
            if (!end || !is_url) {
                i++;
                continue;
            }
            put_decoded(b, in + text, i - text);
            nb_putc(b, ' ');
            if (!closing) {
                const char *eq = memchr(in + j, '=', (size_t)(end - (in + j)));
                if (eq)
                    put_decoded(b, eq + 1, (size_t)(end - eq - 1));
                nb_putc(b, ' ');
                st->markup_links++;
            }
            i = text = (size_t)(end - in) + 1;
        }
    }
    put_decoded(b, in + text, len - text);
}

/* ------------------------------------------------------------------------ */
/* Original-text statistics                                                  */
/* ------------------------------------------------------------------------ */

static int is_emoji(utf8proc_int32_t cp) {
    return (cp >= 0x1F300 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) ||
           (cp >= 0x1F000 && cp <= 0x1F2FF);
}

static void measure(const char *s, size_t n, normalize_stats *st) {
    size_t i = 0, run = 0;
    utf8proc_int32_t prev = -1;
    while (i < n) {
        utf8proc_int32_t cp = (unsigned char)s[i];
        utf8proc_category_t cat;
        if (cp < 0x80) { /* ASCII fast path: most comments are ASCII */
            i++;
            cat = cp >= 'A' && cp <= 'Z'   ? UTF8PROC_CATEGORY_LU
                  : cp >= 'a' && cp <= 'z' ? UTF8PROC_CATEGORY_LL
                                           : UTF8PROC_CATEGORY_PO;
        } else {
            utf8proc_ssize_t k = utf8proc_iterate(
                (const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
            if (k <= 0) { /* cannot happen after validation; defensive */
                i++;
                continue;
            }
            i += (size_t)k;
            const utf8proc_property_t *pr = utf8proc_get_property(cp);
            cat = (utf8proc_category_t)pr->category;
            st->styled += pr->decomp_type == UTF8PROC_DECOMP_TYPE_WIDE ||
                          pr->decomp_type == UTF8PROC_DECOMP_TYPE_FONT ||
                          pr->decomp_type == UTF8PROC_DECOMP_TYPE_CIRCLE ||
                          pr->decomp_type == UTF8PROC_DECOMP_TYPE_SQUARE;
        }
        st->chars++;
        if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT) {
            st->upper++;
            st->letters++;
        } else if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) {
            st->letters++;
        }
        if (is_emoji(cp))
            st->emoji++;
        if (cp == '!' || cp == '?') {
            run = (cp == prev || prev == '!' || prev == '?') ? run + 1 : 1;
            if (run > st->max_punct_run)
                st->max_punct_run = run;
        } else {
            run = 0;
        }
        prev = cp;
    }
}

/* ------------------------------------------------------------------------ */
/* Homoglyphs and final clean-up                                             */
/* ------------------------------------------------------------------------ */

int normalize_homoglyph(int cp) {
    switch (cp) {
    /* Cyrillic (lower case; case folding ran before) */
    case 0x0430: return 'a';
    case 0x0432: return 'b';
    case 0x0435: return 'e';
    case 0x0451: return 'e';
    case 0x043A: return 'k';
    case 0x043C: return 'm';
    case 0x043D: return 'h';
    case 0x043E: return 'o';
    case 0x0440: return 'p';
    case 0x0441: return 'c';
    case 0x0442: return 't';
    case 0x0443: return 'y';
    case 0x0445: return 'x';
    case 0x0455: return 's';
    case 0x0456: return 'i';
    case 0x0457: return 'i';
    case 0x0458: return 'j';
    case 0x04BB: return 'h';
    case 0x04CF: return 'l';
    case 0x0501: return 'd';
    case 0x051B: return 'q';
    case 0x051D: return 'w';
    /* Greek */
    case 0x03B1: return 'a';
    case 0x03B2: return 'b';
    case 0x03B3: return 'y';
    case 0x03B5: return 'e';
    case 0x03B7: return 'n';
    case 0x03B9: return 'i';
    case 0x03BA: return 'k';
    case 0x03BC: return 'm';
    case 0x03BD: return 'v';
    case 0x03BF: return 'o';
    case 0x03C1: return 'p';
    case 0x03C4: return 't';
    case 0x03C5: return 'u';
    case 0x03C7: return 'x';
    /* Latin look-alikes outside a-z */
    case 0x0131: return 'i';
    case 0x0251: return 'a';
    case 0x0261: return 'g';
    default: return 0;
    }
}

/* The Latin letters Unicode names "LATIN LETTER SMALL CAPITAL X" for one
 * of a-z (IPA and phonetic blocks): no language writes its words with
 * them, so a text in them ("ᴅᴇᴘᴏꜱɪᴛᴇᴅ") is a font effect and folds to
 * a-z wherever it stands. X has none; the turned, reversed and barred
 * forms are phonetic symbols and stay. 0 when cp is none of them. */
static int small_capital(utf8proc_int32_t cp) {
    switch (cp) {
    case 0x1D00: return 'a';
    case 0x0299: return 'b';
    case 0x1D04: return 'c';
    case 0x1D05: return 'd';
    case 0x1D07: return 'e';
    case 0xA730: return 'f';
    case 0x0262: return 'g';
    case 0x029C: return 'h';
    case 0x026A: return 'i';
    case 0x1D0A: return 'j';
    case 0x1D0B: return 'k';
    case 0x029F: return 'l';
    case 0x1D0D: return 'm';
    case 0x0274: return 'n';
    case 0x1D0F: return 'o';
    case 0x1D18: return 'p';
    case 0xA7AF: return 'q';
    case 0x0280: return 'r';
    case 0xA731: return 's';
    case 0x1D1B: return 't';
    case 0x1D1C: return 'u';
    case 0x1D20: return 'v';
    case 0x1D21: return 'w';
    case 0x028F: return 'y';
    case 0x1D22: return 'z';
    default: return 0;
    }
}

static int is_latin_letter(utf8proc_int32_t cp) {
    return (cp >= 'a' && cp <= 'z') ||
           (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7);
}

static int is_letter(utf8proc_int32_t cp) {
    utf8proc_category_t c = utf8proc_category(cp);
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
           (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME);
}

static int is_space(utf8proc_int32_t cp) {
    utf8proc_category_t c = utf8proc_category(cp);
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
           c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL ||
           c == UTF8PROC_CATEGORY_ZP;
}

static int is_invisible(utf8proc_int32_t cp) {
    return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF ||
           cp == 0x00AD || cp == 0x180E;
}

/* Pass 3: homoglyphs, invisibles, whitespace. cps has n code points. */
static void finish(utf8proc_int32_t *cps, size_t n, nbuf *b) {
    size_t latin = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        int sc = small_capital(cps[i]);
        if (sc)
            cps[i] = sc;
        if (is_latin_letter(cps[i]))
            latin++;
        else if (is_letter(cps[i]))
            other++;
    }
    int latin_text = latin > 2 * other;
    /* Fold look-alikes word by word: in a word that mixes Latin and
     * look-alikes, or in an all-look-alike word of a mostly Latin text. A
     * genuinely Cyrillic or Greek word keeps its letters. */
    for (size_t i = 0; i < n;) {
        if (!is_letter(cps[i]) || is_invisible(cps[i])) {
            i++;
            continue;
        }
        size_t j = i, wl = 0, wh = 0, wo = 0;
        while (j < n && (is_letter(cps[j]) || is_invisible(cps[j]))) {
            if (is_invisible(cps[j])) {
            } else if (is_latin_letter(cps[j]))
                wl++;
            else if (normalize_homoglyph(cps[j]))
                wh++;
            else
                wo++;
            j++;
        }
        if (wh && ((wl && !wo) || (!wl && !wo && latin_text) ||
                   (wl > wo && wo)))
            for (size_t k = i; k < j; k++)
                if (normalize_homoglyph(cps[k]))
                    cps[k] = normalize_homoglyph(cps[k]);
        i = j;
    }
    int pending_space = 0;
    for (size_t i = 0; i < n; i++) {
        utf8proc_int32_t cp = cps[i];
        if (is_invisible(cp))
            continue;
        if (is_space(cp)) {
            pending_space = b->n > 0;
            continue;
        }
        if (pending_space)
            nb_putc(b, ' ');
        pending_space = 0;
        nb_putcp(b, cp);
    }
    if (!b->p)
        nb_put(b, "", 0);
}

/* For pure ASCII text, measure() and utf8proc_map + finish() in one pass,
 * an order of magnitude faster, in place (the output is never longer than
 * the input): count letters, capitals and "!?" runs; lower-case; controls
 * as utf8proc's STRIPCC (line breaks, tab, form feed -> space; others
 * dropped); collapse spaces. Returns the output length. */
/* The space flags (HIGHS bits) of 8 ASCII bytes v when every one is a
 * lower-case letter or a space and no two spaces are adjacent; else all
 * ones. Such 8 bytes pass finish_ascii as they are once a letter has been
 * written (letters, no "!?"), but for a space pending before them (written
 * first) and a last one (pending after them). */
static uint64_t plain8(uint64_t v) {
    if (v & HIGHS)
        return ~0ULL;
    uint64_t lower = (v + ONES * (0x80 - 'a')) & ~(v + ONES * (0x80 - 'z' - 1)) & HIGHS;
    uint64_t space = has_byte(v, ' ');
    if ((lower | space) != HIGHS || (space & (space << 8)))
        return ~0ULL;
    return space;
}

static size_t finish_ascii(char *s, size_t n, normalize_stats *st) {
    size_t o = 0, upper = 0, letters = 0, run = 0, max_run = 0;
    int pending_space = 0;
    size_t retry = 0; /* where 8 bytes at once are tried again */
    for (size_t i = 0; i < n; i++) {
        /* most of a text: 8 bytes of words and single spaces at once;
         * after 8 that are not, the next try is 8 bytes on */
        while (i >= retry && o > 0 && i + 8 <= n) {
            uint64_t v = load8(s + i), sp = plain8(v);
            /* a first space after a pending one is two: the byte loop's */
            if (sp == ~0ULL || (pending_space && (sp & 0x80))) {
                retry = i + 8;
                break;
            }
            /* o < i with a space pending, else o <= i: what is written
             * ends by s + i + 8, and v is read already */
            if (pending_space)
                s[o++] = ' ';
            memcpy(s + o, &v, 8);
            /* sp holds bit 7 of each space byte: their count is the top
             * byte of the bytewise sum (no popcnt in the baseline ISA) */
            letters += 8 - (size_t)(((sp >> 7) * ONES) >> 56);
            run = 0;
            /* a last space is pending, as the byte loop leaves it */
            pending_space = (int)(sp >> 63);
            o += 8 - (size_t)pending_space;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned c = (unsigned char)s[i];
        if (c == '!' || c == '?') {
            if (++run > max_run)
                max_run = run;
        } else {
            run = 0;
        }
        if (c - 'a' < 26u) {
            letters++;
        } else if (c - 'A' < 26u) {
            letters++;
            upper++;
            c += 32;
        } else if (c <= ' ' || c == 0x7f) {
            if (c == ' ' || (c >= '\t' && c <= '\r'))
                pending_space = o > 0;
            continue;
        }
        if (pending_space)
            s[o++] = ' ';
        pending_space = 0;
        s[o++] = (char)c;
    }
    s[o] = '\0';
    st->chars += n;
    st->letters += letters;
    st->upper += upper;
    if (max_run > st->max_punct_run)
        st->max_punct_run = max_run;
    return o;
}

int normalize_text(const char *in, size_t len, char **out, size_t *out_len,
                   normalize_stats *st, engine_error *err) {
    nbuf b1 = {0}, b2 = {0};
    utf8proc_uint8_t *mapped = NULL;
    utf8proc_int32_t *cps = NULL;
    memset(st, 0, sizeof *st);
    *out = NULL;
    *out_len = 0;

    for (size_t i = 0; i < len;) {
        if ((unsigned char)in[i] < 0x80) {
            i += ascii_prefix(in + i, len - i);
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)in + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0) {
            set_err(err, ENGINE_E_INVALID_UTF8, "text", "invalid UTF-8");
            return -1;
        }
        i += (size_t)k;
    }
    /* markup only shrinks the text (entities, tags; a link target comes
     * out of its tag): one allocation in the common case */
    nb_put(&b1, in, 0);
    if (!b1.oom && len + 16 > b1.cap) {
        char *p = realloc(b1.p, len + 16);
        if (p) {
            b1.p = p;
            b1.cap = len + 16;
        } else {
            b1.oom = 1;
        }
    }
    strip_markup(in, len, &b1, st);
    nb_put(&b1, "", 0);
    if (b1.oom)
        goto nomem;
    if (ascii_prefix(b1.p, b1.n) == b1.n) {
        *out_len = finish_ascii(b1.p, b1.n, st);
        *out = b1.p;
        return 0;
    }
    measure(b1.p, b1.n, st);

    utf8proc_ssize_t mn = utf8proc_map(
        (const utf8proc_uint8_t *)b1.p, (utf8proc_ssize_t)b1.n, &mapped,
        UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
            UTF8PROC_CASEFOLD | UTF8PROC_IGNORE | UTF8PROC_STRIPCC |
            UTF8PROC_LUMP);
    if (mn < 0) {
        if (mn == UTF8PROC_ERROR_NOMEM)
            goto nomem;
        /* entities can only produce valid code points, so this is bad
         * input that slipped past validation (e.g. unassigned) */
        set_err(err, ENGINE_E_INVALID_UTF8, "text", utf8proc_errmsg(mn));
        goto fail;
    }
    cps = malloc(((size_t)mn + 1) * sizeof *cps);
    if (!cps)
        goto nomem;
    size_t ncp = 0;
    for (utf8proc_ssize_t i = 0; i < mn;) {
        utf8proc_ssize_t k = utf8proc_iterate(mapped + i, mn - i, &cps[ncp]);
        if (k <= 0)
            break;
        i += k;
        ncp++;
    }
    finish(cps, ncp, &b2);
    if (b2.oom)
        goto nomem;
    free(cps);
    free(mapped);
    free(b1.p);
    *out = b2.p;
    *out_len = b2.n;
    return 0;

nomem:
    set_err(err, ENGINE_E_NOMEM, "text", "out of memory");
fail:
    free(b2.p);
    free(cps);
    free(mapped);
    free(b1.p);
    return -1;
}
