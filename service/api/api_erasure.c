/* api_erasure.c - erasure over HTTP: one comment, or everything an author
 * posted on a site.
 *
 * DELETE of a comment reads its record, says which keys it fed (from the
 * record's article, hashes, author and flags) and hands that to the
 * store's erase script (store_erase.c), again while a decision changed the
 * record meanwhile. The erasure of an author walks the author index of
 * the identity given and erases each comment the same way, then deletes
 * the author's own keys (index sets, flood counters, reputation). Every
 * erased comment leaves an audit entry with its id, the time and the
 * caller's key digest -- never its text or author. Never spells a key:
 * the store does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "codec.h"
#include "crypto.h"
#include "engine.h"

/* Reads of a record a decision changed under an erasure before it gives
 * up with 409 (a comment decided five times in a row is being fought
 * over). */
#define ERASE_CAS_RETRIES 5
/* Hex digits of SHA-256(key) naming the caller in the audit entry (as the
 * settings audit does). */
#define ERASE_KEY_ID_HEX 16

/* Who erased: the audit's field/value pairs, no personal data. */
typedef struct erase_actor {
    char kid[2 * CRYPTO_SHA256_LEN + 1], at[24];
    const char *role;
} erase_actor;

static void actor_of(const api_call *c, erase_actor *w) {
    w->kid[0] = 0;
    const char *key = api_bearer_key(c->req);
    if (key) {
        unsigned char h[CRYPTO_SHA256_LEN];
        crypto_sha256(key, strlen(key), h);
        crypto_hex(h, sizeof h, w->kid);
        w->kid[ERASE_KEY_ID_HEX] = 0;
    }
    snprintf(w->at, sizeof w->at, "%lld", clock_wall_ms());
    w->role = c->role == AUTH_MODERATOR ? "moderator" : "client";
}

void api_erase_fill(const app *a, const model_comment *cm, const char *json, size_t len,
                       char rep[2][COMMENT_REP_FIELD_LEN], store_erase *e) {
    memset(e, 0, sizeof *e);
    e->site = cm->site;
    e->id = cm->id;
    e->article_id = cm->article_id;
    e->record = json;
    e->record_len = len;
    e->received_ms = cm->received_ms;
    if (cm->status == MODEL_APPROVED && cm->text) {
        e->thread_text = cm->text;
        engine_thread_ref(cm->text, e->thread_ref);
    }
    e->exact_hash = cm->exact_hash;
    e->has_minhash = cm->has_minhash;
    memcpy(e->band, cm->band, sizeof e->band);
    e->author_key = cm->author_key;
    e->ip = cm->author.ip;
    e->author_email = cm->author.email;
    e->author_name = cm->author.name;
    e->status = model_status_name(cm->status);
    if (comment_rep_field("a:", cm->author_key, rep[0], COMMENT_REP_FIELD_LEN) == 0)
        e->rep[0] = rep[0];
    if (comment_rep_field("i:", cm->author.ip, rep[1], COMMENT_REP_FIELD_LEN) == 0)
        e->rep[1] = rep[1];
    e->flood_live = cm->received_ms + 1000LL * comment_file_config(api_file(a))->flood_window >
                    clock_wall_ms();
    e->flags = cm->flags;
    e->nflags = cm->nflags;
}

/* Erase comment id of site. forget: also delete its author's keys and
 * reputation. Returns 1 erased, 0 no such comment, -1 Redis trouble, -2
 * an unreadable record, -3 changed too often. */
static int erase_one(const api_call *c, store *s, const char *site, const char *id,
                     const erase_actor *w, int forget) {
    const char *audit[] = {"event", "erased", "comment_id", id, "actor", w->role,
                           "key_id", w->kid, "at_ms", w->at};
    for (int attempt = 0; attempt < ERASE_CAS_RETRIES; attempt++) {
        char *json = NULL;
        size_t len = 0;
        int rc = store_comment_get(s, site, id, &json, &len);
        if (rc <= 0) return rc;
        model_comment cm;
        codec_error ce;
        if (codec_decode_comment(json, len, &cm, &ce) < 0) {
            free(json);
            return -2;
        }
        char rep[2][COMMENT_REP_FIELD_LEN];
        store_erase e;
        api_erase_fill(c->a, &cm, json, len, rep, &e);
        e.audit = audit;
        e.naudit = sizeof audit / sizeof audit[0];
        rc = store_comment_erase(s, &e);
        if (rc == STORE_ERASED && forget && store_author_forget(s, &e, 0) < 0) rc = -1;
        model_comment_free(&cm);
        free(json);
        if (rc < 0) return -1;
        if (rc == STORE_ERASED) return 1;
        if (rc == STORE_ERASE_GONE) return 0;
    }
    return -3;
}

static void erase_error(http_response *res, int rc) {
    if (rc == -2)
        api_error(res, 500, "internal", "stored comment is unreadable", NULL);
    else if (rc == -3)
        api_error(res, 409, "conflict", "the comment kept changing; retry", NULL);
    else
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
}

/* DELETE /v1/sites/{site}/comments/{id} */
void api_comment_delete(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    const char *id = router_param(c->m, "id");
    erase_actor w;
    actor_of(c, &w);
    store *s = store_acquire(c->a->pool);
    int rc = erase_one(c, s, site, id, &w, 0);
    store_release(c->a->pool, s);
    if (rc == 1) {
        api_reply(res, 204, NULL, 0);
    } else if (rc == 0) {
        api_error(res, 404, "not_found", "no such comment", NULL);
    } else {
        erase_error(res, rc);
    }
}

/* The identities of an erasure request: author.email / .name / .ip. */
static const struct {
    const char *field, *path;
    char kind;
} IDENTITIES[] = {
    {"email", "author.email", STORE_AUTHOR_EMAIL},
    {"name", "author.name", STORE_AUTHOR_NAME},
    {"ip", "author.ip", STORE_AUTHOR_IP},
};
#define N_IDENTITIES (sizeof IDENTITIES / sizeof IDENTITIES[0])

/* Walks of the author index per erasure: the second finds what landed
 * during the first, the third is the last look. */
#define ERASE_ROUNDS 3

/* Longest identity value accepted (a name: MODEL_MAX_NAME). */
#define ERASE_MAX_IDENTITY MODEL_MAX_NAME

/* POST /v1/sites/{site}/erasure */
void api_erasure(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    codec_obj *body = api_json_body(c, res);
    if (!body) return;
    const codec_obj *au = codec_get(body, "author");
    const char *val[N_IDENTITIES] = {0};
    size_t nval = 0;
    if (!au || !codec_is_object(au)) {
        api_error(res, 422, "missing_field", "author is required: an object with email, name or ip",
                  "author");
        codec_obj_free(body);
        return;
    }
    for (size_t i = 0; i < N_IDENTITIES; i++) {
        if (!codec_has(au, IDENTITIES[i].field)) continue;
        const char *v = codec_get_str(au, IDENTITIES[i].field);
        if (!v || !*v || strlen(v) > ERASE_MAX_IDENTITY) {
            api_error(res, 422, "invalid_field",
                      "an author identity must be a non-empty string of at most 256 bytes",
                      IDENTITIES[i].path);
            codec_obj_free(body);
            return;
        }
        val[i] = v;
        nval++;
    }
    if (!nval) {
        api_error(res, 422, "missing_field", "author needs at least one of email, name, ip",
                  "author");
        codec_obj_free(body);
        return;
    }
    erase_actor w;
    actor_of(c, &w);
    store *s = store_acquire(c->a->pool);
    long long erased = 0;
    int rc = 0;
    /* again while a round found comments: one whose write was in flight
     * while the index was read joins it by the next round */
    int found = 1;
    for (int round = 0; rc >= 0 && found && round < ERASE_ROUNDS; round++) {
        found = 0;
        for (size_t i = 0; rc >= 0 && i < N_IDENTITIES; i++) {
            if (!val[i]) continue;
            char **ids = NULL;
            size_t n = 0;
            if (store_author_ids(s, site, IDENTITIES[i].kind, val[i], &ids, &n) < 0) rc = -1;
            for (size_t j = 0; j < n; j++) {
                int r = rc >= 0 ? erase_one(c, s, site, ids[j], &w, 1) : 0;
                if (r == 1) erased++;
                if (r < 0) rc = r;
                free(ids[j]);
            }
            found |= n > 0;
            free(ids);
        }
    }
    /* the identities themselves, with or without comments left */
    if (rc >= 0) {
        store_erase e = {.site = site, .author_email = val[0], .author_name = val[1],
                         .ip = val[2]};
        /* an e-mail is its author key (lowercased: engine_author_key) */
        char low[ERASE_MAX_IDENTITY + 1] = "", rep[2][COMMENT_REP_FIELD_LEN];
        for (size_t i = 0; val[0] && val[0][i] && i < ERASE_MAX_IDENTITY; i++)
            low[i] = (char)(val[0][i] >= 'A' && val[0][i] <= 'Z' ? val[0][i] + 32 : val[0][i]);
        if (*low && comment_rep_field("a:", low, rep[0], sizeof rep[0]) == 0) {
            e.author_key = low;
            e.rep[0] = rep[0];
        }
        if (val[2] && comment_rep_field("i:", val[2], rep[1], sizeof rep[1]) == 0) e.rep[1] = rep[1];
        if (store_author_forget(s, &e, 1) < 0) rc = -1;
    }
    store_release(c->a->pool, s);
    codec_obj_free(body);
    if (rc < 0) {
        erase_error(res, rc);
        return;
    }
    codec_obj *o = codec_obj_new();
    if (!o) {
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    codec_set_int(o, "erased", erased);
    size_t len = 0;
    char *out = codec_dump_free(o, &len);
    api_reply(res, 200, out, len);
}
