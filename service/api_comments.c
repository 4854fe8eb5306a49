/* api_comments.c - POST/GET comments: analyse, store, queue, spool.
 *
 * The write path: decode -> engine_prepare -> one Redis look-up round trip
 * (idempotency, article, thread, duplicates, df, flood) -> engine_score ->
 * one atomic write round trip (record, queue, duplicate keys, counters).
 * When Redis is unreachable the comment is still analysed (without Redis
 * context) and its record goes to the fsync'd spool before we answer.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "codec.h"
#include "log.h"
#include "review.h"
#include "webhook.h"

/* Decoded articles, per worker thread. The stored article comes back from
 * Redis with every comment, and comments mostly belong to a few busy
 * articles: keyed by the exact stored bytes, a hit skips the JSON parse
 * (an article edit changes the bytes, so it is never served stale). */
#define API_ARTICLE_CACHE 8

typedef struct article_slot {
    char *raw; /* the stored JSON it was decoded from; NULL = empty */
    size_t len;
    unsigned long long used;
    model_article art;
} article_slot;

typedef struct article_cache {
    article_slot slot[API_ARTICLE_CACHE];
    unsigned long long tick;
} article_cache;

static pthread_key_t article_key;
static pthread_once_t article_once = PTHREAD_ONCE_INIT;

static void article_slot_clear(article_slot *t) {
    free(t->raw);
    t->raw = NULL;
    model_article_free(&t->art);
}

static void article_cache_destroy(void *p) {
    article_cache *c = p;
    for (int i = 0; i < API_ARTICLE_CACHE; i++) article_slot_clear(&c->slot[i]);
    free(c);
}

static void article_cache_init(void) { pthread_key_create(&article_key, article_cache_destroy); }

/* The decoded content of a stored article (borrowed: valid until this
 * thread's next call), or NULL when it cannot be decoded (or no memory). */
static const model_article *article_decoded(const char *raw, size_t len) {
    pthread_once(&article_once, article_cache_init);
    article_cache *c = pthread_getspecific(article_key);
    if (!c) {
        if (!(c = calloc(1, sizeof *c))) return NULL;
        pthread_setspecific(article_key, c);
    }
    article_slot *victim = NULL;
    for (int i = 0; i < API_ARTICLE_CACHE; i++) {
        article_slot *t = &c->slot[i];
        if (t->raw && t->len == len && memcmp(t->raw, raw, len) == 0) {
            t->used = ++c->tick;
            return &t->art;
        }
        if (!victim || (victim->raw && (!t->raw || t->used < victim->used))) victim = t;
    }
    article_slot_clear(victim);
    codec_error ce;
    if (!(victim->raw = malloc(len ? len : 1))) return NULL;
    memcpy(victim->raw, raw, len);
    victim->len = len;
    if (codec_decode_article_content(raw, len, &victim->art, &ce) < 0) {
        free(victim->raw);
        victim->raw = NULL;
        return NULL;
    }
    victim->used = ++c->tick;
    return &victim->art;
}

/* Build the store_write for a record (shared by live writes and replay). */
static void fill_write(app *a, const model_comment *cm, const char *json, size_t len,
                       store_write *w) {
    const modq_config *cfg = a->cfg;
    memset(w, 0, sizeof *w);
    w->site = cm->site;
    w->id = cm->id;
    w->article_id = cm->article_id;
    w->record = json;
    w->record_len = len;
    w->status = engine_status_name(cm->status);
    w->received_ms = cm->received_ms;
    w->retention_s = cfg->retention_days * 86400L;
    w->exact_hash = cm->exact_hash;
    w->has_minhash = cm->has_minhash;
    w->band = cm->band;
    w->minhash = cm->minhash;
    w->author_key = cm->author_key;
    w->ip = cm->author.ip;
    w->dup_window_s = cfg->dup_window_days * 86400L;
    w->flood_window_s = cfg->flood_window;
    w->thread_text = (cm->status == ENGINE_APPROVED && cfg->thread_context > 0) ? cm->text : NULL;
    w->thread_max = (unsigned)cfg->thread_context;
    w->flags = cm->flags;
    w->nflags = cm->nflags;
}

int api_comment_process(app *a, model_comment *cm, int *created, http_response *res) {
    *created = 0;
    engine_session *sess = api_session(a);
    engine_comment ec = {cm->text, strlen(cm->text), cm->author.name, cm->author.email,
                         cm->author.url, cm->author.ip, cm->parent_id};
    engine_features *f = NULL;
    engine_error ee;
    memset(&ee, 0, sizeof ee);
    if (!sess || engine_prepare(sess, &ec, &f, &ee) < 0) {
        api_error(res, 422, ee.code == ENGINE_E_INVALID_UTF8 ? "invalid_utf8" : "invalid_field",
                  ee.text[0] ? ee.text : "comment text cannot be analysed",
                  ee.field[0] ? ee.field : "text");
        return -1;
    }
    engine_author_key(&ec, cm->author_key, sizeof cm->author_key);
    cm->exact_hash = f->exact_hash;
    cm->has_minhash = f->has_minhash;
    memcpy(cm->minhash, f->minhash, sizeof cm->minhash);
    memcpy(cm->band, f->band, sizeof cm->band);
    cm->received_ms = model_now_ms();
    api_learn_req lr; /* classifier tokens and reputation ids (api_learn.c) */
    api_learn_begin(a, cm, f, &lr);

    store *s = store_acquire(a->pool);
    store_lookup_req q = {cm->site, cm->id, cm->article_id, f->exact_hash, f->has_minhash,
                          f->band, f->terms, f->nterms, cm->author_key, cm->author.ip,
                          (unsigned)a->cfg->thread_context, lr.tokens, lr.ntokens, lr.rep,
                          lr.nrep, (unsigned)a->cfg->learn_min_decisions};
    store_lookup lk;
    int have = store_comment_lookup(s, &q, &lk) == 0;
    unsigned wh_events = have ? lk.webhook_events : 0;
    if (have && lk.existing) {
        model_comment old;
        codec_error ce;
        if (codec_decode_comment(lk.existing, lk.existing_len, &old, &ce) == 0) {
            model_comment_free(cm);
            *cm = old;
            store_lookup_free(&lk);
            store_release(a->pool, s);
            api_learn_end(&lr);
            engine_features_free(f);
            return 0;
        }
    }
    /* context for scoring */
    engine_article ea;
    engine_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.author_key = cm->author_key;
    ctx.learned_spam_prob = -1;
    engine_dup_match dm[1 + ENGINE_LSH_BANDS];
    if (have) {
        const model_article *art = lk.article ? article_decoded(lk.article, lk.article_len) : NULL;
        if (art) {
            ea = (engine_article){art->title, art->body, (const char *const *)art->tags,
                                  art->ntags, art->url};
            ctx.article = &ea;
        }
        ctx.site_df = lk.df;
        ctx.site_ndocs = lk.ndocs;
        ctx.thread_texts = (const char *const *)lk.thread;
        ctx.nthread = lk.nthread;
        ctx.flood_count = lk.flood_count;
        for (size_t i = 0; i < lk.ndups; i++) {
            memset(&dm[i], 0, sizeof dm[i]);
            dm[i].comment_id = lk.dups[i].id;
            dm[i].author_key = lk.dups[i].author_key;
            dm[i].exact = lk.dups[i].exact;
            memcpy(dm[i].minhash, lk.dups[i].minhash, sizeof dm[i].minhash);
            if (!lk.dups[i].has_minhash && !lk.dups[i].exact) continue;
            ctx.ndups++;
            if (ctx.ndups - 1 != i) dm[ctx.ndups - 1] = dm[i];
        }
        ctx.dups = dm;
        api_learn_context(a, &lr, &lk, &ctx);
    }
    engine_verdict v;
    engine_score(sess, f, &ec, &ctx, &v);
    api_learn_annotate(&lr, &v);
    api_learn_end(&lr);
    if (v.status == ENGINE_APPROVED && a->cfg->thread_context > 0)
        engine_thread_remember(sess, f, cm->text); /* it joins the thread */
    engine_features_free(f);
    cm->status = cm->auto_status = v.status;
    cm->score = v.score;
    cm->relevance = v.relevance;
    cm->nflags = v.nflags;
    memcpy(cm->flags, v.flags, v.nflags * sizeof *v.flags); /* 13 KB in all */
    if (have) store_lookup_free(&lk);

    size_t len = 0;
    char *json = codec_encode_comment(cm, 1, &len);
    if (!json) {
        store_release(a->pool, s);
        api_error(res, 500, "internal", "out of memory", NULL);
        return -1;
    }
    store_write w;
    fill_write(a, cm, json, len, &w);
    char *existing = NULL;
    size_t elen = 0;
    int wr = have ? store_comment_write(s, &w, &existing, &elen) : -1;
    if (wr == 1 && (wh_events & webhook_event_bit("verdict"))) {
        /* webhook "verdict" event (one round trip, only when Redis took the
         * comment: a spooled comment's verdict event is skipped). Best
         * effort: the comment is stored whatever happens here. */
        size_t vlen = 0;
        char *api_json = codec_encode_comment(cm, 0, &vlen);
        if (!api_json || webhook_notify(s, cm->site, "verdict", api_json, vlen) < 0)
            log_msg(LOG_WARN, "webhook: verdict event for comment %s not queued", cm->id);
        free(api_json);
    }
    store_release(a->pool, s);
    if (wr == 1) {
        *created = 1;
    } else if (wr == 0) {
        model_comment old;
        codec_error ce;
        if (existing && codec_decode_comment(existing, elen, &old, &ce) == 0) {
            model_comment_free(cm);
            *cm = old;
        }
    } else {
        if (spool_append(a->spool, json, len) < 0) {
            free(json);
            free(existing);
            api_error(res, 503, "redis_unavailable",
                      "Redis is unavailable and the local spool cannot be written", NULL);
            return -1;
        }
        metrics_spooled(a->metrics);
        *created = 1;
    }
    free(existing);
    free(json);
    if (*created) {
        metrics_comment(a->metrics, engine_status_name(cm->status));
        for (size_t i = 0; i < cm->nflags; i++) metrics_flag(a->metrics, cm->flags[i].code);
    }
    return 0;
}

/* POST /v1/sites/{site}/comments */
void api_comment_post(const api_call *c, http_response *res) {
    if (api_require_json(c, res) < 0) return;
    model_comment cm;
    codec_error ce;
    if (codec_decode_comment_req(c->req->body, c->req->body_len, &cm, (size_t)c->a->cfg->max_body,
                                 &ce) < 0) {
        api_error(res, ce.status, ce.code, ce.text, ce.field);
        return;
    }
    cm.site = strdup(router_param(c->m, "site"));
    if (!cm.id) {
        char id[40];
        model_new_id(id);
        cm.id = strdup(id);
    }
    int created = 0;
    if (api_comment_process(c->a, &cm, &created, res) == 0) {
        size_t len = 0;
        char *b = codec_encode_comment(&cm, 0, &len);
        api_reply(res, created ? 201 : 200, b, len);
    }
    model_comment_free(&cm);
}

/* GET /v1/sites/{site}/comments/{id} */
void api_comment_get(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    const char *id = router_param(c->m, "id");
    store *s = store_acquire(c->a->pool);
    char *json = NULL;
    size_t len = 0;
    int rc = store_comment_get(s, site, id, &json, &len);
    store_release(c->a->pool, s);
    if (rc < 0) {
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
        return;
    }
    if (rc == 0) {
        api_error(res, 404, "not_found", "no such comment", NULL);
        return;
    }
    model_comment cm;
    codec_error ce;
    if (codec_decode_comment(json, len, &cm, &ce) < 0) {
        free(json);
        api_error(res, 500, "internal", "stored comment is unreadable", NULL);
        return;
    }
    free(json);
    json = codec_encode_comment(&cm, 0, &len);
    model_comment_free(&cm);
    api_reply(res, 200, json, len);
}

int api_replay_record(void *ctx, const char *rec, size_t len) {
    app *a = ctx;
    model_comment cm;
    codec_error ce;
    if (codec_decode_comment(rec, len, &cm, &ce) < 0) {
        log_msg(LOG_ERROR, "spool: skipping unreadable record (%s)", ce.text);
        return 0; /* a corrupt line must not block the rest */
    }
    /* the record carries its hashes, minhash and LSH band keys */
    store_write w;
    fill_write(a, &cm, rec, len, &w);
    store *s = store_acquire(a->pool);
    char *existing = NULL;
    size_t elen = 0;
    int rc = store_comment_write(s, &w, &existing, &elen);
    store_release(a->pool, s);
    free(existing);
    model_comment_free(&cm);
    return rc < 0 ? -1 : 0;
}
