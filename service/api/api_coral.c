/* api_coral.c - Coral Talk "external moderation phase" endpoint.
 *
 * Owns the translation between Coral's ExternalModerationRequest/Response
 * JSON and modq: request -> model_comment -> api_comment_process (the same
 * analyse/store/queue path as native comments) -> 204 (no action) or 200
 * {"status": "SYSTEM_WITHHELD"|"REJECTED", "actions": [FLAG...]}. It never
 * scores text itself and writes Redis only through api_comment_process.
 *
 * Authentication: when coral_secret is set, the X-Coral-Signature header
 * must carry "sha256=<hex HMAC-SHA256(secret, raw body)>" (comma-separated
 * when Coral is rotating secrets; any one match is enough) -> else 401.
 * With "t=<unix seconds>" in the header the HMAC covers "<t>.<body>", t
 * must lie within coral_replay_window and the signature is accepted once
 * (store_once); coral_require_timestamp refuses signatures without t=.
 * Coral cannot send other credentials, so without coral_secret the caller
 * must present a client (or moderator) key as "Authorization: Bearer" (for
 * a proxy or a test) -> else 401; a site-scoped key must cover the site.
 *
 * Mapping:
 *   site     site.id, else the tenant id (tenant.id or tenantID, older
 *            payloads); must be a valid slug. Signed, a ?site=<slug> on the
 *            callback URL that names another site is 403; with a bearer
 *            key ?site= chooses the site.
 *   article  the article registered with story.url (store_article_by_url),
 *            else story.id (so one story keeps one thread context).
 *   id       "coral-" + 32 hex of SHA-256(site, story.id, author.id,
 *            parentID, body): Coral sends no comment id before it creates the
 *            comment; an identical resend is idempotent, an EDIT with a new
 *            body is a new analysis.
 *   author   author.id as the author name (Coral sends no name or e-mail).
 *   staff    author.role STAFF/MODERATOR/ADMIN -> 204 without analysis.
 *   verdict  approved -> 204; pending -> SYSTEM_WITHHELD (and queued for
 *            review in modq); rejected -> REJECTED; flags become FLAG
 *            actions (reasons below), metadata.modq carries id and score.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "codec.h"
#include "crypto.h"
#include "log.h"

/* Limits, each with its reason. */
#define CORAL_MAX_SIGNATURES 8  /* one per active secret; rotation keeps ~2 */
#define CORAL_ID_HEX 32         /* 128 bits of SHA-256: no accidental collisions */
#define CORAL_DETAILS_LEN 240   /* additionalDetails: the flag codes, for humans */
#define CORAL_MAX_TIME_DIGITS 12 /* t= in Unix seconds: enough for 30,000 years */

/* ============================================================ helpers */

/* Outcome of the signature check (signature_check). */
typedef enum {
    CORAL_SIG_OK,
    CORAL_SIG_BAD,      /* no sha256= entry matches */
    CORAL_SIG_NO_TIME,  /* valid, without t=, and coral_require_timestamp */
    CORAL_SIG_STALE,    /* t= outside coral_replay_window */
    CORAL_SIG_REPLAYED, /* this timestamped signature was already used */
} coral_sig;

/* Check header ("[t=<unix s>,]sha256=<hex>[,sha256=<hex>...]") against
 * HMAC-SHA256(secret, body), or of "<t>.<body>" when t= is given. A
 * timestamped signature must be within window_s of now_s and is
 * remembered (store_once) for 2 * window_s: a second use is
 * CORAL_SIG_REPLAYED. Redis trouble lets it through (logged). */
static coral_sig signature_check(app *a, const char *secret, const char *header,
                                 const char *body, size_t len, long long now_s) {
    const modq_config *cfg = a->cfg;
    char hexes[CORAL_MAX_SIGNATURES][2 * CRYPTO_SHA256_LEN + 1];
    int nhex = 0, has_t = 0;
    long long t = 0;
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == ',') p++;
        size_t elen = strcspn(p, ",");
        size_t n = elen;
        while (n && p[n - 1] == ' ') n--;
        if (n == 7 + 2 * CRYPTO_SHA256_LEN && strncmp(p, "sha256=", 7) == 0 &&
            nhex < CORAL_MAX_SIGNATURES) {
            memcpy(hexes[nhex], p + 7, 2 * CRYPTO_SHA256_LEN);
            hexes[nhex++][2 * CRYPTO_SHA256_LEN] = 0;
        } else if (n > 2 && n <= 2 + CORAL_MAX_TIME_DIGITS && strncmp(p, "t=", 2) == 0 && !has_t) {
            has_t = 1;
            for (size_t i = 2; i < n; i++) {
                if (p[i] < '0' || p[i] > '9') return CORAL_SIG_BAD;
                t = t * 10 + (p[i] - '0');
            }
        }
        p += elen;
    }
    /* the signed content: the body, or "<t>.<body>" */
    char tprefix[24] = ""; /* a long long and "." */
    if (has_t) snprintf(tprefix, sizeof tprefix, "%lld.", t);
    size_t tl = strlen(tprefix);
    char *content = malloc(tl + len + 1);
    if (!content) return CORAL_SIG_BAD;
    memcpy(content, tprefix, tl);
    memcpy(content + tl, body, len);
    unsigned char mac[CRYPTO_SHA256_LEN];
    crypto_hmac_sha256(secret, strlen(secret), content, tl + len, mac);
    free(content);
    int match = -1;
    for (int i = 0; i < nhex; i++) {
        unsigned char got[CRYPTO_SHA256_LEN];
        if (crypto_unhex(hexes[i], got, sizeof got) == 0 && crypto_equal(got, mac, sizeof mac) &&
            match < 0)
            match = i;
    }
    if (match < 0) return CORAL_SIG_BAD;
    if (!has_t) return cfg->coral_require_timestamp ? CORAL_SIG_NO_TIME : CORAL_SIG_OK;
    long long window = cfg->coral_replay_window;
    if (t < now_s - window || t > now_s + window) return CORAL_SIG_STALE;
    /* the MAC (not the header text) names the request: the same
     * signature spelled in upper case is the same request */
    char id[2 * CRYPTO_SHA256_LEN + 1];
    crypto_hex(mac, sizeof mac, id);
    store *s = store_acquire(a->pool);
    int first = store_once(s, "coral", id, (long)(2 * window));
    store_release(a->pool, s);
    if (first < 0) log_msg(LOG_WARN, "coral: replay check unavailable (Redis), request let through");
    return first == 0 ? CORAL_SIG_REPLAYED : CORAL_SIG_OK;
}

/* "coral-" + hex digest of parts joined by \x1f into out (>= 7 + hexlen).
 * 0, or -1 when out of memory. */
static int derive_id(const char *prefix, const char *const *parts, size_t nparts, char *out,
                     size_t hexlen) {
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    if (crypto_digest_parts(parts, nparts, hex, hexlen) < 0) return -1;
    size_t pl = strlen(prefix);
    memcpy(out, prefix, pl);
    memcpy(out + pl, hex, strlen(hex) + 1);
    return 0;
}

/* Coral's COMMENT_FLAG_DETECTED_REASON for a modq flag code. */
static const char *coral_reason(const char *code) {
    static const struct {
        const char *code, *reason;
    } map[] = {
        {"link_spam", "COMMENT_DETECTED_LINKS"},
        {"banned_word", "COMMENT_DETECTED_BANNED_WORD"},
        {"suspect_word", "COMMENT_DETECTED_SUSPECT_WORD"},
        {"duplicate", "COMMENT_DETECTED_REPEAT_POST"},
        {"flood", "COMMENT_DETECTED_RECENT_HISTORY"},
        {"reputation", "COMMENT_DETECTED_RECENT_HISTORY"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].code, code) == 0) return map[i].reason;
    return "COMMENT_DETECTED_SPAM";
}

/* The response body for a withheld or rejected comment. Returns new JSON
 * (free()) or NULL on OOM. */
static char *coral_response(const model_comment *cm, size_t *len) {
    const char *reasons[ENGINE_MAX_FLAGS + 1];
    char details[ENGINE_MAX_FLAGS + 1][CORAL_DETAILS_LEN];
    size_t nr = 0;
    for (size_t i = 0; i <= cm->nflags; i++) {
        /* every flag, then a generic spam reason when none mapped */
        if (i == cm->nflags && nr) break;
        const char *code = i < cm->nflags ? cm->flags[i].code : "score";
        const char *r = i < cm->nflags ? coral_reason(code) : "COMMENT_DETECTED_SPAM";
        size_t k = 0;
        while (k < nr && strcmp(reasons[k], r) != 0) k++;
        if (k == nr) {
            reasons[nr] = r;
            snprintf(details[nr], CORAL_DETAILS_LEN, "modq: %s", code);
            nr++;
        } else {
            size_t used = strlen(details[k]);
            snprintf(details[k] + used, CORAL_DETAILS_LEN - used, ", %s", code);
        }
    }
    codec_obj *o = codec_obj_new();
    codec_set_str(o, "status", cm->status == MODEL_REJECTED ? "REJECTED" : "SYSTEM_WITHHELD");
    codec_obj *acts = codec_arr_new();
    for (size_t k = 0; k < nr; k++) {
        codec_obj *a = codec_obj_new();
        codec_set_str(a, "actionType", "FLAG");
        codec_set_str(a, "reason", reasons[k]);
        codec_set_str(a, "additionalDetails", details[k]);
        codec_append_new(acts, a);
    }
    codec_set_obj_new(o, "actions", acts);
    codec_obj *meta = codec_obj_new(), *mq = codec_obj_new();
    codec_set_str(mq, "id", cm->id);
    codec_set_str(mq, "site", cm->site);
    codec_set_str(mq, "status", model_status_name(cm->status));
    codec_set_real(mq, "score", cm->score);
    codec_set_obj_new(meta, "modq", mq);
    codec_set_obj_new(o, "metadata", meta);
    return codec_dump_free(o, len);
}

/* Non-empty string member of an object (or NULL). Borrowed. */
static const char *str_at(const codec_obj *o, const char *key) {
    const char *v = o ? codec_get_str(o, key) : NULL;
    return v && *v ? v : NULL;
}

/* New copy of s cut to at most max bytes at a UTF-8 boundary (NULL on OOM). */
static char *dup_clamped(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* ============================================================ handler */

/* The site a Coral body names (site.id, tenant.id or tenantID), or NULL. */
static const char *body_site(const codec_obj *root) {
    const char *site = str_at(codec_get(root, "site"), "id");
    if (!site) site = str_at(codec_get(root, "tenant"), "id");
    if (!site) site = str_at(root, "tenantID");
    return site;
}

/* The secret a request for the site its body names must be signed with:
 * the site's own (its settings' coral_secret), else coral_secret, else
 * NULL (bearer keys). Written into buf (n bytes). When the settings cannot
 * be read (Redis trouble) the configured secret applies, and it is
 * logged. */
static const char *coral_secret_for(app *a, const http_request *req, char *buf, size_t n) {
    const char *global = api_coral_secret(a);
    codec_error ce;
    codec_obj *root = req->body_len ? codec_parse(req->body, req->body_len, &ce) : NULL;
    const char *site = root ? body_site(root) : NULL;
    if (site && model_valid_ident(site, MODEL_MAX_SITE)) {
        char *doc = NULL;
        size_t len = 0;
        uint64_t ver = 0;
        store *s = store_acquire(a->pool);
        int rc = store_settings_get(s, site, &doc, &len, &ver);
        store_release(a->pool, s);
        model_settings m;
        if (rc < 0) {
            log_msg(LOG_WARN, "coral: site %s: settings unreadable (Redis), checking the "
                              "signature with coral_secret", site);
        } else if (doc && codec_decode_settings(doc, len, 0, &m, &ce) == 0) {
            if (m.coral_secret_set == MODEL_SET) {
                snprintf(buf, n, "%s", m.coral_secret);
                model_settings_free(&m);
                free(doc);
                codec_obj_free(root);
                return buf;
            }
            model_settings_free(&m);
        }
        free(doc);
    }
    codec_obj_free(root);
    return global && *global ? global : NULL;
}

/* POST /v1/integrations/coral */
void api_coral(const api_call *c, http_response *res) {
    app *a = c->a;
    const http_request *req = c->req;
    char own[MODEL_MAX_CORAL_SECRET + 1];
    const char *secret = coral_secret_for(a, req, own, sizeof own);
    int signed_mode = secret != NULL;
    if (signed_mode) {
        const char *sig = http_header_get(req, "X-Coral-Signature");
        coral_sig v = sig ? signature_check(a, secret, sig, req->body, req->body_len,
                                            clock_wall_ms() / 1000)
                          : CORAL_SIG_BAD;
        if (v != CORAL_SIG_OK) {
            static const char *const why[] = {
                [CORAL_SIG_BAD] = "X-Coral-Signature does not match the request body",
                [CORAL_SIG_NO_TIME] = "X-Coral-Signature needs t=<unix seconds> "
                                      "(coral_require_timestamp)",
                [CORAL_SIG_STALE] = "X-Coral-Signature's t= is outside coral_replay_window",
                [CORAL_SIG_REPLAYED] = "this X-Coral-Signature was already used (replay)",
            };
            metrics_auth_failure(a->metrics);
            api_error(res, 401, "unauthorized",
                      sig ? why[v] : "missing X-Coral-Signature (coral_secret is configured)",
                      NULL);
            return;
        }
    } else {
        int ok = 0;
        if (auth_check(api_auth(a), req->authorization, NULL, &ok) == AUTH_NONE) {
            metrics_auth_failure(a->metrics);
            api_error(res, 401, "unauthorized",
                      "coral_secret is not configured: send Authorization: Bearer <client key>",
                      NULL);
            http_add_header(res, "WWW-Authenticate", "Bearer realm=\"modq\"");
            return;
        }
    }
    if (api_require_json(c, res) < 0) return;
    codec_error ce;
    codec_obj *root = codec_parse(req->body, req->body_len, &ce);
    if (!root) {
        api_error(res, ce.status, ce.code, ce.text, ce.field[0] ? ce.field : NULL);
        return;
    }
    const codec_obj *comment = codec_get(root, "comment"), *author = codec_get(root, "author"),
                    *story = codec_get(root, "story");
    const char *action = str_at(root, "action");
    const char *body = comment ? codec_get_str(comment, "body") : NULL;
    const char *parent = str_at(comment, "parentID");
    const char *author_id = str_at(author, "id"), *role = str_at(author, "role");
    const char *story_id = str_at(story, "id"), *story_url = str_at(story, "url");
    const char *q_site = http_query(req, "site");
    if (q_site && !*q_site) q_site = NULL;
    const char *site = body_site(root);
    /* signed: the site is the signed body's, a ?site= can only agree */
    int site_conflict = signed_mode && q_site && (!site || strcmp(q_site, site) != 0);
    if (!signed_mode && q_site) site = q_site;
    model_comment cm;
    memset(&cm, 0, sizeof cm);

    if (!action || (strcmp(action, "NEW") != 0 && strcmp(action, "EDIT") != 0)) {
        api_error(res, 422, "invalid_field", "action must be \"NEW\" or \"EDIT\"", "action");
        goto done;
    }
    if (!comment || !codec_is_object(comment) || !body) {
        api_error(res, 422, "missing_field", "comment.body is required", "comment.body");
        goto done;
    }
    if (!author_id || !story_id) {
        api_error(res, 422, "missing_field", "author.id and story.id are required",
                  author_id ? "story.id" : "author.id");
        goto done;
    }
    if (site_conflict) {
        api_error(res, 403, "forbidden",
                  "?site= names another site than the signed request (site.id or tenant id)",
                  NULL);
        goto done;
    }
    if (!site || !model_valid_ident(site, MODEL_MAX_SITE)) {
        api_error(res, 422, "invalid_field",
                  "site (?site=, site.id or tenant id) must be 1-64 characters of "
                  "A-Z a-z 0-9 . _ : -",
                  "site.id");
        goto done;
    }
    if (!signed_mode) {
        int site_ok = 0;
        auth_check(api_auth(a), req->authorization, site, &site_ok);
        if (!site_ok) {
            api_error(res, 403, "forbidden", "this key is not allowed for this site", NULL);
            goto done;
        }
    }
    if (!*body || (role && (strcmp(role, "STAFF") == 0 || strcmp(role, "MODERATOR") == 0 ||
                            strcmp(role, "ADMIN") == 0))) {
        api_reply(res, 204, NULL, 0); /* nothing to analyse, or staff */
        goto done;
    }

    char id[8 + CORAL_ID_HEX];
    const char *parts[] = {"coral", site, story_id, author_id, parent, body};
    if (derive_id("coral-", parts, sizeof parts / sizeof parts[0], id, CORAL_ID_HEX) < 0) {
        api_error(res, 500, "internal", "out of memory", NULL);
        goto done;
    }
    char *article = NULL;
    if (story_url && strlen(story_url) <= MODEL_MAX_URL) {
        store *s = store_acquire(a->pool);
        if (store_article_by_url(s, site, story_url, &article) == 1 &&
            !model_valid_ident(article, MODEL_MAX_ID)) {
            free(article);
            article = NULL;
        }
        store_release(a->pool, s);
    }
    if (!article && model_valid_ident(story_id, MODEL_MAX_ID)) article = strdup(story_id);
    if (!article) {
        char aid[13 + 24 + 1];
        const char *sp[] = {story_id};
        article = derive_id("coral-story-", sp, 1, aid, 24) == 0 ? strdup(aid) : NULL;
    }
    cm.relevance = -1;
    cm.id = strdup(id);
    cm.site = strdup(site);
    cm.article_id = article;
    cm.text = strdup(body);
    cm.author.name = dup_clamped(author_id, MODEL_MAX_NAME);
    if (parent) cm.parent_id = dup_clamped(parent, MODEL_MAX_ID);
    if (!cm.id || !cm.site || !cm.article_id || !cm.text || !cm.author.name) {
        api_error(res, 500, "internal", "out of memory", NULL);
        goto done;
    }
    int created = 0;
    if (api_comment_process(a, &cm, &created, res) < 0) goto done; /* res answered */
    if (cm.status == MODEL_APPROVED) {
        api_reply(res, 204, NULL, 0);
    } else {
        size_t len = 0;
        char *out = coral_response(&cm, &len);
        api_reply(res, 200, out, len);
    }
done:
    model_comment_free(&cm);
    codec_obj_free(root);
}
