/* links.c - link spam and contact details.
 *
 * Owns the link_spam and contact_info signals. link_spam combines, by
 * noisy-OR, independent hints: number of links (one link in a long comment
 * is weak: 0.1), links making up most of the text, URL shorteners, HTML
 * anchors / BBCode [url] tags (rare in honest plain-text comments), a
 * block-listed domain (1.0, decides alone), and an author URL posted with
 * nothing but generic praise (classic SEO spam). Allow-listed domains are
 * ignored entirely. contact_info does the same with phone numbers, e-mail
 * addresses, @handles, messenger names and wa.me / t.me links. Reads
 * tokens only; no I/O.
 */
#include "links.h"

#include <stdio.h>
#include <string.h>

static const char *const shorteners[] = {
    "bit.ly",   "goo.gl",  "tinyurl.com", "t.co",     "ow.ly",
    "is.gd",    "buff.ly", "cutt.ly",     "rb.gy",    "shorturl.at",
    "tiny.cc",  "rebrand.ly", "bl.ink",   "s.id",     "v.gd",
    "lnkd.in",  "adf.ly",  "shorte.st",   "bitly.com", "t.ly",
    "tr.im",    "cli.gs",  "qr.net",      "1url.com", "short.io",
};

static const char *const messengers[] = {
    "whatsapp", "telegram", "viber", "wechat", "signal", "kik", "snapchat",
    "skype", "line",
};

int links_domain_in(const char *host, const char *const *list) {
    size_t hl = strlen(host);
    for (size_t i = 0; list && list[i]; i++) {
        size_t el = strlen(list[i]);
        if (el == 0 || el > hl)
            continue;
        if (strcmp(host + hl - el, list[i]) == 0 &&
            (el == hl || host[hl - el - 1] == '.'))
            return 1;
    }
    return 0;
}

int links_is_shortener(const char *host) {
    for (size_t i = 0; i < sizeof shorteners / sizeof *shorteners; i++)
        if (strcmp(host, shorteners[i]) == 0)
            return 1;
    return 0;
}

static void note(char *d, size_t n, const char *s) {
    size_t have = strlen(d);
    snprintf(d + have, n - have, "%s%s", have ? "; " : "", s);
}

void links_spam(const links_input *in, score_signal *out) {
    const tokenize_list *l = in->tokens;
    score_signal_clear(out);
    double keep = 1.0;
    size_t n = 0, url_bytes = 0, shortened = 0, blocked = 0;
    const char *first = NULL, *bad = NULL;
    for (size_t i = 0; i < l->n; i++) {
        const tokenize_token *t = &l->v[i];
        if (t->type != TOKENIZE_URL)
            continue;
        const char *host = tokenize_stem(l, t);
        if (links_domain_in(host, in->cfg->domain_allow))
            continue;
        n++;
        url_bytes += t->len;
        if (!first)
            first = tokenize_text(l, t);
        if (links_domain_in(host, in->cfg->domain_block)) {
            blocked++;
            bad = host;
        } else if (links_is_shortener(host)) {
            shortened++;
            if (!bad)
                bad = host;
        }
    }
    char d[ENGINE_FLAG_DETAIL_LEN] = "", tmp[160];
    if (blocked) {
        keep = 0;
        snprintf(tmp, sizeof tmp, "links to blocked domain %s", bad);
        note(d, sizeof d, tmp);
    }
    if (shortened) {
        keep *= 1.0 - 0.5;
        snprintf(tmp, sizeof tmp, "%zu shortened link%s (%s)", shortened,
                 shortened > 1 ? "s" : "", bad);
        note(d, sizeof d, tmp);
    }
    if (n) {
        double s;
        if (n == 1)
            s = l->nwords < 8 ? 0.35 : l->nwords < 25 ? 0.2 : 0.1;
        else
            s = n == 2 ? 0.45 : 0.45 + 0.15 * (double)(n - 2);
        keep *= 1.0 - (s > 0.9 ? 0.9 : s);
        snprintf(tmp, sizeof tmp, "%zu link%s in %zu words", n,
                 n > 1 ? "s" : "", l->nwords);
        note(d, sizeof d, tmp);
        if (in->norm_len && url_bytes * 2 > in->norm_len && l->nwords < 25) {
            keep *= 1.0 - 0.25;
            snprintf(tmp, sizeof tmp, "links are %.0f%% of the text",
                     100.0 * (double)url_bytes / (double)in->norm_len);
            note(d, sizeof d, tmp);
        }
    }
    if (in->stats->markup_links) {
        keep *= 1.0 - 0.35;
        snprintf(tmp, sizeof tmp, "%zu HTML/BBCode link tag%s",
                 in->stats->markup_links,
                 in->stats->markup_links > 1 ? "s" : "");
        note(d, sizeof d, tmp);
    }
    const char *au = in->comment->author_url;
    if (au && *au && in->generic_praise && l->ncontent < 10) {
        keep *= 1.0 - 0.6;
        snprintf(tmp, sizeof tmp,
                 "generic praise posted with an author website (%.80s)", au);
        note(d, sizeof d, tmp);
        if (!first)
            first = au;
    }
    out->signal = 1.0 - keep;
    snprintf(out->detail, sizeof out->detail, "%s", d);
    snprintf(out->evidence, sizeof out->evidence, "%s", first ? first : "");
}

void links_contact(const links_input *in, score_signal *out) {
    const tokenize_list *l = in->tokens;
    score_signal_clear(out);
    size_t phones = 0, emails = 0, handles = 0, msg = 0, msg_links = 0;
    const char *ev = NULL;
    enum { NMSG = sizeof messengers / sizeof *messengers };
    uint64_t mh[NMSG];
    for (size_t k = 0; k < NMSG; k++)
        mh[k] = tokenize_hash(messengers[k], strlen(messengers[k]));
    for (size_t i = 0; i < l->n; i++) {
        const tokenize_token *t = &l->v[i];
        const char *s = tokenize_text(l, t);
        switch (t->type) {
        case TOKENIZE_PHONE:
            phones++;
            ev = s;
            break;
        case TOKENIZE_EMAIL:
            emails++;
            if (!ev)
                ev = s;
            break;
        case TOKENIZE_HANDLE:
            handles++;
            break;
        case TOKENIZE_URL:
            if (strcmp(tokenize_stem(l, t), "wa.me") == 0 ||
                strcmp(tokenize_stem(l, t), "t.me") == 0) {
                msg_links++;
                if (!ev)
                    ev = s;
            }
            break;
        case TOKENIZE_WORD:
            for (size_t k = 0; k < NMSG; k++)
                if (t->hash == mh[k]) {
                    msg++;
                    break;
                }
            break;
        default:
            break;
        }
    }
    double keep = 1.0;
    char d[ENGINE_FLAG_DETAIL_LEN] = "", tmp[96];
    if (phones) {
        keep *= 1.0 - (phones > 1 ? 0.7 : 0.55);
        snprintf(tmp, sizeof tmp, "%zu phone number%s", phones,
                 phones > 1 ? "s" : "");
        note(d, sizeof d, tmp);
    }
    if (emails) {
        keep *= 1.0 - 0.45;
        snprintf(tmp, sizeof tmp, "%zu e-mail address%s", emails,
                 emails > 1 ? "es" : "");
        note(d, sizeof d, tmp);
    }
    if (msg_links) {
        keep *= 1.0 - 0.55;
        note(d, sizeof d, "messenger link (wa.me / t.me)");
    }
    if (msg) {
        /* "telegram" alone may be news; with a number or handle it is a
         * way to be reached */
        keep *= 1.0 - (phones || handles || emails ? 0.35 : 0.15);
        note(d, sizeof d, "messenger app named");
    }
    if (handles && (msg || phones)) {
        keep *= 1.0 - 0.2;
        note(d, sizeof d, "@handle");
    }
    out->signal = 1.0 - keep;
    snprintf(out->detail, sizeof out->detail, "%s", d);
    snprintf(out->evidence, sizeof out->evidence, "%s", ev ? ev : "");
}
