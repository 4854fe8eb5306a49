/* api_akismet.c - the Akismet REST API (1.1, and 1.2 usage-limit) over modq.
 *
 * Owns the translation between Akismet's wire protocol and modq: form
 * fields -> model_comment, the shared analyse/store/queue path
 * (api_comment_process) -> "true"/"false", submit-spam/ham -> comment_learn().
 * Problems are answered the way Akismet answers them: HTTP 200, body
 * "invalid" and an X-akismet-debug-help header. It never analyses text
 * itself (the engine does) and never writes Redis except through
 * api_comment_process and comment_learn.
 *
 * Mapping (docs/integrations.md has the operator's view):
 *   key    api_key field (verify-key: key), else the first label of the Host
 *          header ("KEY.modq.example.net", the legacy form most clients use);
 *          valid when auth_check_key() knows it and it may act on the site.
 *   blog   -> site: the URL's host, lowercased, without port, user info or
 *          trailing dot ("https://Blog.Example.com:8443/x" -> blog.example.com).
 *   permalink -> the article registered with that URL (store_article_by_url),
 *          else a stable per-permalink id "ak-url-<hash>" (thread context).
 *   id     "ak-" + 32 hex of SHA-256(site, permalink, author, e-mail,
 *          content, comment_date_gmt): a retried or rechecked identical check
 *          is idempotent (same stored verdict, queued once) instead of a
 *          second queue entry; a moderator's later decision is what a retry
 *          then sees.
 *   true   when the status is pending or rejected; rejected adds
 *          X-akismet-pro-tip: discard. Pending comments are queued for review
 *          by api_comment_process exactly like native ones.
 *
 * Answered without analysis and without storing anything (nothing for a
 * moderator to review): Akismet's test values (comment_author
 * viagra-test-123 / akismet-guaranteed-spam, comment_author_email
 * akismet-guaranteed-spam@example.com -> true; user_role administrator ->
 * false), a filled honeypot field (-> true + discard: only a bot fills a
 * field no human sees) and an empty comment_content (-> false: no text to
 * analyse). is_test checks are analysed with the article as context but
 * nothing is written, queued or learned. Usage (usage-limit) is counted per
 * process since the start of the current UTC month, over all keys.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "clock.h"
#include "codec.h"
#include "crypto.h"
#include "form.h"
#include "log.h"

/* Limits, each with its reason. */
#define AK_MAX_IP 64         /* the native author.ip limit; IPv6 text is <= 45 */
#define AK_MAX_DATE 64       /* the native created_at limit */
#define AK_ID_HEX 32         /* 128 bits of SHA-256: no accidental collisions */
#define AK_MAX_KEY 256       /* longest key auth.c accepts */
#define AK_HELP_LEN 200      /* X-akismet-debug-help fits one header slot */

static const char AK_THANKS[] = "Thanks for making the web a better place.";
static const char AK_TEXT[] = "text/plain; charset=utf-8";

/* ============================================================ replies */

static void ak_text(http_response *res, int status, const char *text) {
    size_t n = strlen(text);
    char *b = malloc(n + 1);
    if (b) memcpy(b, text, n + 1);
    api_reply(res, status, b, n);
    if (b) res->content_type = AK_TEXT;
}

/* Akismet's way of saying "bad request": 200, "invalid", a debug header. */
static void ak_invalid(http_response *res, const char *help) {
    ak_text(res, 200, "invalid");
    http_add_header(res, "X-akismet-debug-help", help);
    res->err_code = "akismet_invalid";
}

/* api_comment_process answered res with a JSON error: restate it. 422 (the
 * text cannot be analysed) becomes "invalid"; 5xx stays an HTTP error so
 * clients retry later (WordPress schedules a recheck). */
static void ak_from_api_error(http_response *res) {
    int status = res->status;
    char help[AK_HELP_LEN] = "the comment cannot be analysed";
    codec_error ce;
    codec_obj *o = res->body ? codec_parse(res->body, res->body_len, &ce) : NULL;
    const codec_obj *e = o ? codec_get(o, "error") : NULL;
    const char *m = e ? codec_get_str(e, "message") : NULL;
    if (m) snprintf(help, sizeof help, "%s", m);
    codec_obj_free(o);
    if (status == 422) {
        ak_invalid(res, help);
    } else {
        ak_text(res, status, help);
        if (status == 503) http_add_header(res, "Retry-After", "5");
    }
}

/* ============================================================ usage */

static pthread_mutex_t usage_mu = PTHREAD_MUTEX_INITIALIZER;
static long usage_month = -1; /* year * 12 + month (UTC) of usage_calls */
static long long usage_calls;

static long current_month(void) {
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    return (long)tm.tm_year * 12 + tm.tm_mon;
}

/* Count one comment-check; returns nothing. */
static void usage_add(void) {
    long m = current_month();
    pthread_mutex_lock(&usage_mu);
    if (m != usage_month) {
        usage_month = m;
        usage_calls = 0;
    }
    usage_calls++;
    pthread_mutex_unlock(&usage_mu);
}

static long long usage_get(void) {
    long m = current_month();
    pthread_mutex_lock(&usage_mu);
    long long n = m == usage_month ? usage_calls : 0;
    pthread_mutex_unlock(&usage_mu);
    return n;
}

/* ============================================================ request */

typedef struct ak_req {
    form *f;                       /* decoded body (or empty for GET) */
    const char *key;               /* borrowed from f, the query or host_key */
    char host_key[AK_MAX_KEY + 1];
    char site[MODEL_MAX_SITE + 1]; /* "" when the call names no blog */
} ak_req;

static char lower_ascii(char ch) { return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch; }

/* The Host header's first label when the host has more than one label and
 * the label is not all digits (an IPv4 literal carries no key). */
static const char *host_key(const char *host, char *out, size_t n) {
    if (!host) return NULL;
    const char *dot = strchr(host, '.');
    if (!dot || dot == host || (size_t)(dot - host) >= n) return NULL;
    size_t len = (size_t)(dot - host);
    int digits = 1;
    for (size_t i = 0; i < len; i++) digits &= host[i] >= '0' && host[i] <= '9';
    if (digits) return NULL;
    memcpy(out, host, len);
    out[len] = 0;
    return out;
}

/* Site slug from a blog URL (see the file header). 0 ok, -1 not a usable
 * host. Pure and locale-independent. */
static int blog_site(const char *blog, char *out, size_t n) {
    const char *p = blog;
    while (*p == ' ' || *p == '\t') p++;
    const char *scheme = strstr(p, "://");
    if (scheme && scheme - p <= 10) p = scheme + 3;
    size_t alen = strcspn(p, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++)
        if (p[i] == '@') at = p + i;
    if (at) alen -= (size_t)(at + 1 - p), p = at + 1;
    size_t hlen;
    if (*p == '[') { /* IPv6 literal: [::1]:8080 */
        const char *close = memchr(p, ']', alen);
        if (!close) return -1;
        p++;
        hlen = (size_t)(close - p);
    } else {
        const char *colon = memchr(p, ':', alen);
        hlen = colon ? (size_t)(colon - p) : alen;
    }
    while (hlen && p[hlen - 1] == '.') hlen--;
    if (hlen == 0 || hlen >= n) return -1;
    for (size_t i = 0; i < hlen; i++) out[i] = lower_ascii(p[i]);
    out[hlen] = 0;
    return model_valid_ident(out, MODEL_MAX_SITE) ? 0 : -1;
}

/* Decode the request, find the key and the site, authenticate. keyfield is
 * the form field naming the key ("key" for verify-key, else "api_key");
 * need_blog 0 for usage-limit. Returns 0 with r filled (free r->f with
 * form_free), or -1 with res answered the Akismet way. */
static int ak_begin(const api_call *c, http_response *res, const char *keyfield, int need_blog,
                    ak_req *r) {
    memset(r, 0, sizeof *r);
    form_error fe;
    r->f = form_parse(c->req->body, c->req->body_len, &fe);
    if (!r->f) {
        char help[AK_HELP_LEN];
        snprintf(help, sizeof help, "Malformed request body: %s.", fe.text);
        ak_invalid(res, help);
        return -1;
    }
    const char *key = form_get(r->f, keyfield);
    if ((!key || !*key) && strcmp(keyfield, "api_key") != 0) key = form_get(r->f, "api_key");
    if ((!key || !*key) && strcmp(c->req->method, "GET") == 0) key = http_query(c->req, "api_key");
    int from_host = 0;
    if (!key || !*key) {
        key = host_key(c->req->host, r->host_key, sizeof r->host_key);
        from_host = key != NULL;
    }
    r->key = key;
    const char *blog = form_get(r->f, "blog");
    if (need_blog && (!blog || !*blog)) {
        ak_invalid(res, "Empty \"blog\" value");
        goto fail;
    }
    if (blog && *blog && blog_site(blog, r->site, sizeof r->site) < 0) {
        ak_invalid(res, "The \"blog\" value must be a URL with a host name of at most 64 "
                        "characters of A-Z a-z 0-9 . _ - (use the punycode form of IDN hosts)");
        goto fail;
    }
    if (!key || !*key) {
        metrics_auth_failure(c->a->metrics);
        ak_invalid(res, "Empty \"api_key\" value: send api_key, or use KEY.your-modq-host as "
                        "the host name");
        goto fail;
    }
    int site_ok = 0;
    auth_role role = auth_check_key(api_auth(c->a), key, r->site[0] ? r->site : NULL, &site_ok);
    if (role == AUTH_NONE) {
        metrics_auth_failure(c->a->metrics);
        ak_invalid(res, from_host ? "Invalid API key (taken from the host name's first label): "
                                    "it is not one of modq's client or moderator keys"
                                  : "Invalid API key: it is not one of modq's client or "
                                    "moderator keys");
        goto fail;
    }
    if (!site_ok) {
        char help[AK_HELP_LEN];
        snprintf(help, sizeof help, "This API key is not allowed for the site \"%s\" (derived "
                 "from blog)", r->site);
        ak_invalid(res, help);
        goto fail;
    }
    return 0;
fail:
    form_free(r->f);
    r->f = NULL;
    return -1;
}

/* ============================================================ comments */

/* Non-empty value of a field, else NULL. Borrowed from f. */
static const char *field(const form *f, const char *key) {
    const char *v = form_get(f, key);
    return v && *v ? v : NULL;
}

/* New copy of s cut to at most max bytes at a UTF-8 boundary; NULL for a
 * NULL or empty s (or out of memory: the field is then simply absent). */
static char *dup_clamped(const char *s, size_t max) {
    if (!s || !*s) return NULL;
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* Lowercase hex of the first hexlen/2 bytes of SHA-256 over parts joined by
 * \x1f (a separator no client puts in these fields). 0, or -1 when out of
 * memory. */
static int hex_digest(const char *const *parts, size_t nparts, char *out, size_t hexlen) {
    return crypto_digest_parts(parts, nparts, out, hexlen);
}

/* 1 when user_role (comma-separated, as WordPress sends it) names
 * administrator. */
static int is_administrator(const char *roles) {
    if (!roles) return 0;
    const char *p = roles;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        size_t n = strcspn(p, ",");
        size_t t = n;
        while (t && p[t - 1] == ' ') t--;
        if (t == 13 && strncmp(p, "administrator", 13) == 0) return 1;
        p += n;
    }
    return 0;
}

static int guaranteed_spam(const form *f) {
    const char *a = form_get(f, "comment_author"), *e = form_get(f, "comment_author_email");
    return (a && (strcmp(a, "viagra-test-123") == 0 || strcmp(a, "akismet-guaranteed-spam") == 0)) ||
           (e && strcmp(e, "akismet-guaranteed-spam@example.com") == 0);
}

static int honeypot_filled(const form *f) {
    const char *name = field(f, "honeypot_field_name");
    return name && field(f, name) != NULL;
}

static int is_test(const form *f) {
    const char *t = field(f, "is_test");
    return t && strcmp(t, "0") != 0 && strcmp(t, "false") != 0;
}

/* Build the comment an Akismet call describes, under r->site. Looks up the
 * permalink's article (one store round trip). Returns 0 with cm filled
 * (free with model_comment_free), or -1 with *help set (static string). */
static int ak_comment(app *a, const ak_req *r, model_comment *cm, const char **help) {
    const form *f = r->f;
    memset(cm, 0, sizeof *cm);
    cm->relevance = -1;
    const char *ip = field(f, "user_ip");
    if (!ip) {
        *help = "Missing required field: user_ip.";
        return -1;
    }
    if (strlen(ip) > AK_MAX_IP) {
        *help = "user_ip is not an IP address.";
        return -1;
    }
    const char *permalink = field(f, "permalink");
    const char *author = field(f, "comment_author");
    const char *email = field(f, "comment_author_email");
    const char *content = field(f, "comment_content");
    const char *date = field(f, "comment_date_gmt");
    const char *parent = field(f, "comment_parent");

    const char *parts[] = {"akismet", r->site, permalink, author, email, content, date};
    char id[4 + AK_ID_HEX];
    memcpy(id, "ak-", 3);
    if (hex_digest(parts, sizeof parts / sizeof parts[0], id + 3, AK_ID_HEX) < 0) {
        *help = "out of memory";
        return -1;
    }

    char *article = NULL;
    if (permalink && strlen(permalink) <= MODEL_MAX_URL) {
        store *s = store_acquire(a->pool);
        if (store_article_by_url(s, r->site, permalink, &article) == 1 &&
            !model_valid_ident(article, MODEL_MAX_ID)) {
            free(article);
            article = NULL;
        }
        store_release(a->pool, s);
    }
    if (!article) {
        char aid[8 + 24 + 1] = "ak-none";
        const char *pp[] = {permalink};
        if (permalink) {
            memcpy(aid, "ak-url-", 7);
            if (hex_digest(pp, 1, aid + 7, 24) < 0) memcpy(aid, "ak-none", 8);
        }
        article = strdup(aid);
    }
    cm->id = strdup(id);
    cm->site = strdup(r->site);
    cm->article_id = article;
    cm->text = content ? strdup(content) : NULL;
    if (parent && strcmp(parent, "0") != 0) cm->parent_id = dup_clamped(parent, MODEL_MAX_ID);
    if (date && strlen(date) <= AK_MAX_DATE) cm->created_at = strdup(date);
    cm->author.name = author ? dup_clamped(author, MODEL_MAX_NAME) : strdup("anonymous");
    if (email && strchr(email, '@')) cm->author.email = dup_clamped(email, MODEL_MAX_EMAIL);
    cm->author.url = dup_clamped(field(f, "comment_author_url"), MODEL_MAX_URL);
    cm->author.ip = strdup(ip);
    cm->author.user_agent = dup_clamped(field(f, "user_agent"), MODEL_MAX_SHORT);
    if (!cm->id || !cm->site || !cm->article_id || (content && !cm->text) || !cm->author.name ||
        !cm->author.ip) {
        model_comment_free(cm);
        *help = "out of memory";
        return -1;
    }
    return 0;
}

/* is_test: the verdict with the article as context, nothing written. */
static int ak_analyse_only(app *a, const model_comment *cm, engine_verdict *v) {
    engine_session *sess = api_session(a);
    engine_comment ec = {cm->text, strlen(cm->text), cm->author.name, cm->author.email,
                         cm->author.url, cm->author.ip, cm->parent_id};
    engine_features *f = NULL;
    engine_error ee;
    if (!sess || engine_prepare(sess, &ec, &f, &ee) < 0) return -1;
    char akey[sizeof cm->author_key];
    engine_author_key(&ec, akey, sizeof akey);
    engine_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.learned_spam_prob = -1;
    ctx.author_key = akey;
    model_article art;
    memset(&art, 0, sizeof art);
    engine_article ea;
    char *json = NULL;
    size_t len = 0;
    store *s = store_acquire(a->pool);
    int got = store_article_get(s, cm->site, cm->article_id, &json, &len);
    store_release(a->pool, s);
    codec_error ce;
    if (got == 1 && codec_decode_article(json, len, &art, &ce) == 0) {
        ea = (engine_article){art.title, art.body, (const char *const *)art.tags, art.ntags,
                              art.url};
        ctx.article = &ea;
    }
    free(json);
    ctx.profile = comment_file_profile(api_file(a)); /* the file's settings */
    engine_score(sess, f, &ec, &ctx, v);
    engine_features_free(f);
    model_article_free(&art);
    return 0;
}

static void ak_verdict(http_response *res, int spam, int discard, const char *id,
                       const char *status) {
    ak_text(res, 200, spam ? "true" : "false");
    if (discard) http_add_header(res, "X-akismet-pro-tip", "discard");
    if (id) http_add_header(res, "X-modq-id", id);
    if (status) http_add_header(res, "X-modq-status", status);
}

/* ============================================================ handlers */

/* POST /1.1/verify-key  (key, blog) */
void api_akismet_verify_key(const api_call *c, http_response *res) {
    ak_req r;
    if (ak_begin(c, res, "key", 1, &r) < 0) return;
    ak_text(res, 200, "valid");
    form_free(r.f);
}

/* POST /1.1/comment-check */
void api_akismet_comment_check(const api_call *c, http_response *res) {
    ak_req r;
    if (ak_begin(c, res, "api_key", 1, &r) < 0) return;
    usage_add();
    const form *f = r.f;
    model_comment cm;
    const char *help = NULL;
    if (is_administrator(form_get(f, "user_role"))) {
        ak_verdict(res, 0, 0, NULL, "not-analysed");
    } else if (guaranteed_spam(f)) {
        ak_verdict(res, 1, 0, NULL, "not-analysed");
    } else if (honeypot_filled(f)) {
        ak_verdict(res, 1, 1, NULL, "not-analysed");
    } else if (ak_comment(c->a, &r, &cm, &help) < 0) {
        ak_invalid(res, help);
    } else {
        if (!cm.text) {
            ak_verdict(res, 0, 0, NULL, "not-analysed");
        } else if (is_test(f)) {
            engine_verdict v;
            if (ak_analyse_only(c->a, &cm, &v) < 0)
                ak_invalid(res, "comment_content cannot be analysed (invalid UTF-8 or too long)");
            else
                ak_verdict(res, v.status != ENGINE_APPROVED, v.status == ENGINE_REJECTED, NULL,
                           engine_status_name(v.status));
        } else {
            int created = 0;
            if (api_comment_process(c->a, &cm, &created, res) < 0)
                ak_from_api_error(res);
            else
                ak_verdict(res, cm.status != MODEL_APPROVED, cm.status == MODEL_REJECTED, cm.id,
                           model_status_name(cm.status));
        }
        model_comment_free(&cm);
    }
    form_free(r.f);
}

/* submit-spam / submit-ham: learn from the stored comment when this exact
 * check was stored (same derived id), else from the comment rebuilt from
 * the fields. The stored comment's status is left alone: a decision is the
 * review workflow's to record. is_test submissions learn nothing. */
static void ak_submit(const api_call *c, http_response *res, int spam) {
    ak_req r;
    if (ak_begin(c, res, "api_key", 1, &r) < 0) return;
    model_comment cm;
    const char *help = NULL;
    if (is_test(r.f)) {
        ak_text(res, 200, AK_THANKS);
    } else if (ak_comment(c->a, &r, &cm, &help) < 0) {
        ak_invalid(res, help);
    } else {
        if (cm.text) {
            store *s = store_acquire(c->a->pool);
            char *json = NULL;
            size_t len = 0;
            model_comment stored;
            codec_error ce;
            if (store_comment_get(s, cm.site, cm.id, &json, &len) == 1 &&
                codec_decode_comment(json, len, &stored, &ce) == 0) {
                if (!stored.author_key[0] && stored.text) {
                    engine_comment ec = {stored.text, strlen(stored.text), stored.author.name,
                                         stored.author.email, stored.author.url, stored.author.ip,
                                         stored.parent_id};
                    engine_author_key(&ec, stored.author_key, sizeof stored.author_key);
                }
                comment_learn(c->a->comments, s, &stored, spam, 1);
                model_comment_free(&stored);
            } else {
                engine_comment ec = {cm.text, strlen(cm.text), cm.author.name, cm.author.email,
                                     cm.author.url, cm.author.ip, cm.parent_id};
                engine_author_key(&ec, cm.author_key, sizeof cm.author_key);
                cm.received_ms = clock_wall_ms();
                cm.status = cm.auto_status = spam ? MODEL_REJECTED : MODEL_APPROVED;
                /* a rebuilt submission is marked by what it says, not by
                 * its date: the same comment reported again teaches once */
                const char *parts[] = {"akismet-report", cm.site, field(r.f, "permalink"),
                                       cm.author.name, cm.author.email, cm.text};
                char rid[4 + AK_ID_HEX];
                memcpy(rid, "ak-", 3);
                if (hex_digest(parts, sizeof parts / sizeof parts[0], rid + 3, AK_ID_HEX) == 0) {
                    free(cm.id);
                    cm.id = strdup(rid);
                }
                if (cm.id) comment_learn(c->a->comments, s, &cm, spam, 1);
            }
            free(json);
            store_release(c->a->pool, s);
        }
        ak_text(res, 200, AK_THANKS);
        model_comment_free(&cm);
    }
    form_free(r.f);
}

/* POST /1.1/submit-spam */
void api_akismet_submit_spam(const api_call *c, http_response *res) { ak_submit(c, res, 1); }

/* POST /1.1/submit-ham */
void api_akismet_submit_ham(const api_call *c, http_response *res) { ak_submit(c, res, 0); }

/* GET|POST /1.2/usage-limit  (api_key) */
void api_akismet_usage_limit(const api_call *c, http_response *res) {
    ak_req r;
    if (ak_begin(c, res, "api_key", 0, &r) < 0) return;
    form_free(r.f);
    codec_obj *o = codec_obj_new();
    codec_set_str(o, "limit", "none");
    codec_set_int(o, "usage", usage_get());
    codec_set_str(o, "percentage", "0.00");
    codec_set_bool(o, "throttled", 0);
    size_t len = 0;
    char *b = codec_dump_free(o, &len);
    api_reply(res, 200, b, len);
}
