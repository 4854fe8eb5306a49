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

/* Where a short comment sends readers to follow, like, fund, install or
 * register: social profiles, crowdfunding, app stores, paid-to-click and
 * referral networks. General knowledge of the web, not data from one site;
 * a site that wants one of them trusted lists it in domain_allow. */
static const char *const promo_hosts[] = {
    "facebook.com", "fb.com", "twitter.com", "instagram.com", "twitch.tv",
    "soundcloud.com", "tumblr.com", "pinterest.com", "plus.google.com",
    "play.google.com", "itunes.apple.com", "apps.apple.com",
    "gofundme.com", "indiegogo.com", "kickstarter.com", "patreon.com",
    "paypal.me", "tsu.co", "paidverts.com", "swagbucks.com",
    "linkbucks.com", "adf.ly", "freemyapps.com", "networkedblogs.com",
    "reverbnation.com", "bandcamp.com", "vk.com", "ask.fm", "snapchat.com",
    "tiktok.com", "onlyfans.com", "linktr.ee", "amazon.com", NULL,
};

/* URL parts that mark a referral or affiliate link: the poster is paid. */
static const char *const referral_marks[] = {
    "ref=", "/ref/", "refer", "affiliate", "aff=", "aff_id", "invite",
    "?r=", "&r=", "utm_",
};

/* Messenger names that are not also everyday words ("signal", "line"). */
static const char *const messengers[] = {
    "whatsapp", "telegram", "viber", "wechat", "snapchat", "skype",
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

/* Shortener brands: the service's name before its TLD, whatever the TLD
 * ("bit.ly", "bit.do"; "goo.gl", "goo.su"). Names of three or more letters
 * only: "is.gd" and "t.co" stay exact in the table above. */
static const char *const shortener_brands[] = {
    "bit", "bitly", "goo", "tinyurl", "cutt", "shorturl", "rebrand",
    "lnkd", "adf", "shorte", "tiny",
};

int links_is_shortener(const char *host) {
    for (size_t i = 0; i < sizeof shorteners / sizeof *shorteners; i++)
        if (strcmp(host, shorteners[i]) == 0)
            return 1;
    const char *dot = strchr(host, '.');
    if (!dot || strchr(dot + 1, '.'))
        return 0; /* a brand is the whole name: "bit.example.com" is not */
    size_t n = (size_t)(dot - host);
    for (size_t i = 0; i < sizeof shortener_brands / sizeof *shortener_brands;
         i++)
        if (strlen(shortener_brands[i]) == n &&
            memcmp(host, shortener_brands[i], n) == 0)
            return 1;
    return 0;
}

/* A link written so as not to look like one (tokenize_disguise): the
 * writer knew links are filtered and hid it, which honest writers citing a
 * source do not do. Markdown is the mildest: some people write it out of
 * habit where it is not rendered. */
#define LINKS_DISGUISED 0.45
/* Code points in a compatibility style (normalize_stats.styled: full-width
 * "ｗｗｗ．", mathematical bold "𝐰𝐰𝐰") from which the links of a comment
 * count as written in disguise: the style is there to slip past filters
 * that read plain letters; one or two are a quirk of a keyboard. */
#define LINKS_STYLED_MIN 3
#define LINKS_MARKDOWN 0.25

/* Relevance below which the text around a link says nothing about the
 * article (relevance.c: off_topic starts at 0.12). */
#define LINKS_UNRELATED 0.1
/* Content words under which a comment that talks of the page as a page
 * ("great article", "bookmarked your site", "thanks for the info") and
 * shares nothing with its subject is the classic comment posted for its
 * author link: praise that fits any page. */
#define LINKS_PAGE_ONLY_CONTENT 20

/* 1 when a word of l names the page itself as an object (its stem: the
 * article, post, blog, site, information, tutorial, guide, write-up,
 * content, page, read). Words about the page, not about what it says. */
static int names_the_page(const tokenize_list *l) {
    static const char *const page[] = {"articl", "post", "blog", "site", "websit",
                                       "inform", "info", "tutori", "guid", "content",
                                       "page", "writeup", "read", NULL};
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].type != TOKENIZE_WORD)
            continue;
        const char *st = tokenize_stem(l, &l->v[i]);
        for (const char *const *p = page; *p; p++)
            if (strcmp(st, *p) == 0)
                return 1;
    }
    return 0;
}

/* Shortest identifying run of an article URL worth matching: shorter runs
 * ("2024", "news") recur in unrelated links. */
#define LINKS_ARTICLE_ID_MIN 6

static int id_char(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

/* 1 when needle (n bytes) occurs in hay, ASCII case-insensitively. */
static int contains_ci(const char *hay, const char *needle, size_t n) {
    for (; *hay; hay++) {
        size_t k = 0;
        while (k < n && hay[k] && lower((unsigned char)hay[k]) ==
                                      lower((unsigned char)needle[k]))
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

int links_is_article(const char *url, const char *article_url) {
    if (!url || !article_url || !*article_url)
        return 0;
    /* the identity of an article URL: its longest run of id characters
     * after the host (a video id, a slug, a numeric id) */
    const char *p = strstr(article_url, "://");
    p = p ? p + 3 : article_url;
    p += strcspn(p, "/?#");
    const char *best = NULL;
    size_t bn = 0;
    while (*p) {
        while (*p && !id_char((unsigned char)*p))
            p++;
        const char *q = p;
        while (*q && id_char((unsigned char)*q))
            q++;
        if ((size_t)(q - p) > bn) {
            best = p;
            bn = (size_t)(q - p);
        }
        p = q;
    }
    return best && bn >= LINKS_ARTICLE_ID_MIN && contains_ci(url, best, bn);
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
    size_t promo = 0, referral = 0, disguised = 0, markdown = 0;
    const char *first = NULL, *bad = NULL, *promo_host = NULL;
    const char *hidden = NULL;
    for (size_t i = 0; i < l->n; i++) {
        const tokenize_token *t = &l->v[i];
        if (t->type != TOKENIZE_URL)
            continue;
        const char *host = tokenize_stem(l, t);
        const char *url = tokenize_text(l, t);
        if (links_domain_in(host, in->cfg->domain_allow))
            continue;
        if (links_is_article(url, in->article_url))
            continue; /* the article itself: sharing it promotes nothing */
        /* an anchor whose text is its own target counts once */
        int again = 0;
        for (size_t k = 0; k < i && !again; k++)
            again = l->v[k].type == TOKENIZE_URL && l->v[k].hash == t->hash;
        if (again)
            continue;
        n++;
        url_bytes += t->len;
        if (!first)
            first = url;
        if (t->disguise == TOKENIZE_DISGUISE_MARKDOWN) {
            markdown++;
        } else if (t->disguise) {
            disguised++;
            if (!hidden)
                hidden = url; /* as written: what the moderator sees */
        }
        if (links_domain_in(host, in->cfg->domain_block)) {
            blocked++;
            bad = host;
        } else if (links_is_shortener(host)) {
            shortened++;
            if (!bad)
                bad = host;
        }
        if (links_domain_in(host, promo_hosts)) {
            promo++;
            promo_host = host;
        }
        for (size_t k = 0; k < sizeof referral_marks / sizeof *referral_marks;
             k++)
            if (strstr(url, referral_marks[k])) {
                referral++;
                break;
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
            s = l->nwords < 8 ? 0.4 : l->nwords < LINKS_SHORT_WORDS ? 0.3 : 0.1;
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
    int unrelated = in->relevance >= 0 && in->relevance < LINKS_UNRELATED;
    if (n && (unrelated || in->asks) && l->nwords < 2 * LINKS_SHORT_WORDS) {
        /* sends readers elsewhere while saying nothing about the article
         * (the definition of link spam; a cited source shares words), or
         * asks them to act on the link: vote, donate, share, join */
        keep *= 1.0 - (unrelated && in->asks ? 0.35 : 0.15);
        note(d, sizeof d, unrelated && in->asks
                              ? "the text around the link is unrelated to "
                                "the article and asks readers to act"
                          : unrelated ? "the text around the link is "
                                        "unrelated to the article"
                                      : "asks readers to act on the link");
    }
    if (promo) {
        /* a short comment pointing at a profile, a fundraiser or an app is
         * the classic drive-by; a long answer may cite one in passing */
        keep *= 1.0 - (l->nwords < LINKS_SHORT_WORDS ? 0.45 : 0.2);
        snprintf(tmp, sizeof tmp, "links to a profile, fundraiser or app "
                 "(%s)", promo_host);
        note(d, sizeof d, tmp);
    }
    int styled = !disguised && n && in->stats->styled >= LINKS_STYLED_MIN;
    if (styled) {
        disguised = n;
        hidden = first;
    }
    if (disguised) {
        keep *= 1.0 - LINKS_DISGUISED;
        snprintf(tmp, sizeof tmp, styled ? "link written in styled letters (%.100s)"
                                         : "link written in disguise (%.100s)",
                 hidden);
        note(d, sizeof d, tmp);
        first = hidden;
    }
    if (markdown && !in->stats->markup_links) {
        keep *= 1.0 - LINKS_MARKDOWN;
        note(d, sizeof d, "markdown link");
    }
    if (referral) {
        keep *= 1.0 - 0.4;
        note(d, sizeof d, "referral / affiliate link");
    }
    if (in->stats->markup_links && n) {
        /* (anchors that only point at the article, e.g. timestamps, do
         * not count: n excludes them) */
        keep *= 1.0 - 0.35;
        snprintf(tmp, sizeof tmp, "%zu HTML/BBCode link tag%s",
                 in->stats->markup_links,
                 in->stats->markup_links > 1 ? "s" : "");
        note(d, sizeof d, tmp);
    }
    const char *au = in->comment->author_url;
    int praise = in->generic_praise && l->ncontent < 10;
    int page_only = !praise && l->ncontent < LINKS_PAGE_ONLY_CONTENT &&
                    in->article_similarity >= 0 &&
                    in->article_similarity < LINKS_UNRELATED && names_the_page(l);
    if (au && *au && (praise || page_only)) {
        keep *= 1.0 - 0.6;
        snprintf(tmp, sizeof tmp,
                 page_only ? "talks of the page, not of its subject, with an author website (%.80s)"
                           : "generic praise posted with an author website (%.80s)",
                 au);
        note(d, sizeof d, tmp);
        if (!first)
            first = au;
    }
    out->signal = 1.0 - keep;
    snprintf(out->detail, sizeof out->detail, "%s", d);
    snprintf(out->evidence, sizeof out->evidence, "%s", first ? first : "");
}

/* 1 when word i of l asks the reader to contact the writer: a contact
 * verb followed by "me" or "us", one word between at most ("email me",
 * "text me now", "message us"). */
static const char *const contact_verbs[] = {
    "email", "e-mail", "mail", "message", "text", "call", "ring", "write",
    "contact", "dm", "inbox", "ping", "whatsapp", "reach"};
enum { NCONTACT_VERBS = sizeof contact_verbs / sizeof *contact_verbs };

/* Filter of hashes, two 64-bit words: bit (h & 63) of each in the first,
 * bit (h >> 6 & 63) in the second; a hash with either bit clear is none of
 * them. */
typedef struct hash_filter {
    uint64_t a, b;
} hash_filter;

static void filter_add(hash_filter *f, uint64_t h) {
    f->a |= 1ull << (h & 63);
    f->b |= 1ull << (h >> 6 & 63);
}

static int filter_may(const hash_filter *f, uint64_t h) {
    return (f->a >> (h & 63) & 1) && (f->b >> (h >> 6 & 63) & 1);
}

/* vh: tokenize_hash() of each of contact_verbs, which a word token's hash
 * (that of its text) must equal before its text is compared; vf: their
 * filter. */
static int contact_ask(const tokenize_list *l, size_t i, const uint64_t *vh,
                       const hash_filter *vf) {
    uint64_t h = l->v[i].hash;
    if (!filter_may(vf, h))
        return 0;
    const char *w = tokenize_text(l, &l->v[i]);
    int verb = 0;
    for (size_t k = 0; k < NCONTACT_VERBS && !verb; k++)
        verb = h == vh[k] && strcmp(w, contact_verbs[k]) == 0;
    if (!verb)
        return 0;
    for (size_t k = i + 1; k < l->n && k <= i + 2; k++) {
        if (l->v[k].type != TOKENIZE_WORD)
            return 0;
        const char *o = tokenize_text(l, &l->v[k]);
        if (strcmp(o, "me") == 0 || strcmp(o, "us") == 0)
            return 1;
    }
    return 0;
}

void links_contact(const links_input *in, score_signal *out) {
    const tokenize_list *l = in->tokens;
    score_signal_clear(out);
    size_t phones = 0, emails = 0, handles = 0, msg = 0, msg_links = 0;
    int ask = 0; /* "email me", "text us": the writer asks to be contacted */
    const char *ev = NULL;
    enum { NMSG = sizeof messengers / sizeof *messengers };
    uint64_t mh[NMSG];
    hash_filter mf = {0, 0}, vf = {0, 0};
    for (size_t k = 0; k < NMSG; k++) {
        mh[k] = tokenize_hash(messengers[k], strlen(messengers[k]));
        filter_add(&mf, mh[k]);
    }
    uint64_t vh[NCONTACT_VERBS];
    for (size_t k = 0; k < NCONTACT_VERBS; k++) {
        vh[k] = tokenize_hash(contact_verbs[k], strlen(contact_verbs[k]));
        filter_add(&vf, vh[k]);
    }
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
            ask |= contact_ask(l, i, vh, &vf);
            for (size_t k = 0; k < NMSG && filter_may(&mf, t->hash); k++)
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
        /* a number in a short comment is an invitation to call; in a long
         * answer it is more often the business the answer recommends */
        int lng = l->nwords >= LINKS_SHORT_WORDS;
        keep *= 1.0 - (phones > 1 ? (lng ? 0.45 : 0.7) : (lng ? 0.3 : 0.55));
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
    if (ask && (phones || emails || msg_links || msg || handles)) {
        /* the way to be reached is the point of the comment */
        keep *= 1.0 - 0.35;
        note(d, sizeof d, "asks readers to contact the writer");
    }
    if (handles && (msg || phones)) {
        keep *= 1.0 - 0.2;
        note(d, sizeof d, "@handle");
    }
    out->signal = 1.0 - keep;
    snprintf(out->detail, sizeof out->detail, "%s", d);
    snprintf(out->evidence, sizeof out->evidence, "%s", ev ? ev : "");
}
