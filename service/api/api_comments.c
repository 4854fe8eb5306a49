/* api_comments.c - POST/GET comments: analyse, store, queue, spool.
 *
 * The write path: decode -> engine_prepare -> one Redis look-up round trip
 * (idempotency, article, thread, duplicates, df, flood) -> engine_score ->
 * one atomic write round trip (record, queue, duplicate keys, counters).
 * When Redis is unreachable the comment is still analysed (without Redis
 * context) and its record goes to the fsync'd spool before we answer.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "clock.h"
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
    w->status = model_status_name(cm->status);
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
    w->thread_text = (cm->status == MODEL_APPROVED && cfg->thread_context > 0) ? cm->text : NULL;
    if (w->thread_text) engine_thread_ref(w->thread_text, w->thread_ref);
    w->thread_max = (unsigned)cfg->thread_context;
    w->flags = cm->flags;
    w->nflags = cm->nflags;
}

_Static_assert((int)MODEL_APPROVED == (int)ENGINE_APPROVED && (int)MODEL_PENDING == (int)ENGINE_PENDING &&
                   (int)MODEL_REJECTED == (int)ENGINE_REJECTED,
               "a verdict's status is the record's");
_Static_assert(MODEL_MAX_FLAGS == ENGINE_MAX_FLAGS && MODEL_FLAG_CODE_LEN == ENGINE_FLAG_CODE_LEN &&
                   MODEL_MINHASH_N == ENGINE_MINHASH_N && MODEL_LSH_BANDS == ENGINE_LSH_BANDS &&
                   STORE_THREAD_REF_LEN == ENGINE_THREAD_REF_LEN,
               "records keep what the engine produces");

/* How long a request waits for another request with the same comment id
 * (which holds the id's claim) to store it, before answering 409. */
#define API_CLAIM_WAIT_MS 3000
#define API_CLAIM_POLL_MS 5

/* One comment on its way through the write path: decoded, analysed
 * (engine_prepare), looked up, scored, written. The same stages serve the
 * synchronous path (job_run_sync: Akismet, Coral) and the pipelined one
 * (api_comment_post: look-up and write ride shared round trips,
 * store_pipe). Owns everything it points to except a. */
typedef struct comment_job {
    app *a;
    model_comment cm;
    engine_comment ec;       /* borrows cm's strings */
    engine_features *f;
    api_learn_req lr;
    store_lookup_req q;      /* borrows f, lr, cm */
    store_lookup lk;
    int have;                /* lk holds what Redis said */
    char *json;              /* the record (storage JSON) */
    size_t len;
    store_write w;           /* borrows cm, json */
    unsigned wh_events;
    int created;
    long long claim_until_ms;
    /* pipelined only */
    http_pending *hp;
    struct timespec t0;
} comment_job;

enum { JOB_WRITE, JOB_EXISTING, JOB_BUSY, JOB_TEXTS, JOB_FAILED };

/* Jobs of the pipelined path are ~20 KB (mostly model_comment's flags):
 * past jemalloc's small size classes, so a fresh one per request cost a
 * page-returning madvise (and its TLB shootdown) each time. Spent jobs are
 * kept for reuse instead, up to this many. */
#define API_SPARE_JOBS 64
/* Comments in the pipeline at once, at most: each holds its job and, while
 * its look-up is out, that look-up's replies (~40 KB in all). Beyond this
 * a request waits, suspended and undecoded, for a slot (admit_waiting), so
 * memory stays flat however many connections send at once, and no worker
 * ever blocks on Redis for it. */
#define API_MAX_PIPELINED 64
static atomic_int pipelined;

static struct {
    pthread_mutex_t mu;
    comment_job *job[API_SPARE_JOBS];
    unsigned n;
} spare = {PTHREAD_MUTEX_INITIALIZER, {NULL}, 0};

/* A zeroed job (new or reused), or NULL. */
static comment_job *job_new(void) {
    comment_job *j = NULL;
    pthread_mutex_lock(&spare.mu);
    if (spare.n) j = spare.job[--spare.n];
    pthread_mutex_unlock(&spare.mu);
    if (!j) return calloc(1, sizeof *j);
    /* all but the comment, which the request's decode initialises */
    memset(j, 0, offsetof(comment_job, cm));
    memset((char *)j + offsetof(comment_job, cm) + sizeof j->cm, 0,
           sizeof *j - offsetof(comment_job, cm) - sizeof j->cm);
    return j;
}

/* Give back a job whose contents are freed. */
static void job_recycle(comment_job *j) {
    pthread_mutex_lock(&spare.mu);
    if (spare.n < API_SPARE_JOBS) {
        spare.job[spare.n++] = j;
        j = NULL;
    }
    pthread_mutex_unlock(&spare.mu);
    free(j);
}

static void job_clear(comment_job *j) {
    if (j->have) store_lookup_free(&j->lk);
    j->have = 0;
    api_learn_end(&j->lr);
    engine_features_free(j->f);
    j->f = NULL;
    free(j->json);
    j->json = NULL;
}

/* Decode the request body into j->cm, for site (an id is generated when
 * the body has none). 0, or -1 with res answered (4xx, or 500). */
static int job_decode(comment_job *j, const char *body, size_t len, const char *site,
                      http_response *res) {
    model_comment *cm = &j->cm;
    codec_error ce;
    if (codec_decode_comment_req(body, len, cm, (size_t)j->a->cfg->max_body, &ce) < 0) {
        api_error(res, ce.status, ce.code, ce.text, ce.field);
        return -1;
    }
    cm->site = strdup(site);
    if (!cm->id) {
        char id[40];
        model_new_id(id);
        cm->id = strdup(id);
    }
    if (!cm->site || !cm->id) {
        api_error(res, 500, "internal", "out of memory", NULL);
        return -1;
    }
    return 0;
}

/* Stage 1, on the request's worker: analyse the text, derive the keys the
 * look-up needs. 0, or -1 with res answered (422). */
static int job_begin(comment_job *j, http_response *res) {
    app *a = j->a;
    model_comment *cm = &j->cm;
    engine_session *sess = api_session(a);
    j->ec = (engine_comment){cm->text, strlen(cm->text), cm->author.name, cm->author.email,
                             cm->author.url, cm->author.ip, cm->parent_id};
    engine_error ee;
    memset(&ee, 0, sizeof ee);
    if (!sess || engine_prepare(sess, &j->ec, &j->f, &ee) < 0) {
        api_error(res, 422, ee.code == ENGINE_E_INVALID_UTF8 ? "invalid_utf8" : "invalid_field",
                  ee.text[0] ? ee.text : "comment text cannot be analysed",
                  ee.field[0] ? ee.field : "text");
        return -1;
    }
    engine_features *f = j->f;
    engine_author_key(&j->ec, cm->author_key, sizeof cm->author_key);
    cm->exact_hash = f->exact_hash;
    cm->has_minhash = f->has_minhash;
    memcpy(cm->minhash, f->minhash, sizeof cm->minhash);
    memcpy(cm->band, f->band, sizeof cm->band);
    cm->received_ms = clock_wall_ms();
    api_learn_begin(a, cm, f, &j->lr); /* classifier tokens and reputation ids */
    j->q = (store_lookup_req){cm->site, cm->id, cm->article_id, f->exact_hash, f->has_minhash,
                              f->band, f->terms, f->nterms, cm->author_key, cm->author.ip,
                              (unsigned)a->cfg->thread_context, j->lr.tokens, j->lr.ntokens,
                              j->lr.rep, j->lr.nrep, (unsigned)a->cfg->learn_min_decisions};
    j->claim_until_ms = clock_wall_ms() + API_CLAIM_WAIT_MS;
    return 0;
}

/* Stage 2, once the look-up is back (j->have, j->lk): JOB_EXISTING (the id
 * was stored: cm is now the stored comment), JOB_BUSY (another request
 * holds the id's claim: look again later), JOB_TEXTS (the engine's cache
 * lacks a thread text: fetch the texts with store_thread_texts, set
 * lk->thread_len to the number fetched, judge again), JOB_WRITE (scored;
 * j->json and j->w ready), or JOB_FAILED (res answered). */
static int job_judge(comment_job *j, http_response *res) {
    app *a = j->a;
    model_comment *cm = &j->cm;
    store_lookup *lk = &j->lk;
    j->wh_events = j->have ? lk->webhook_events : 0;
    if (j->have && lk->existing) {
        model_comment old;
        codec_error ce;
        if (codec_decode_comment(lk->existing, lk->existing_len, &old, &ce) < 0) {
            api_error(res, 500, "internal", "stored comment is unreadable", NULL);
            return JOB_FAILED;
        }
        model_comment_free(cm);
        *cm = old;
        return JOB_EXISTING;
    }
    if (j->have && !lk->claimed) {
        store_lookup_free(lk);
        j->have = 0;
        return JOB_BUSY;
    }
    /* context for scoring */
    engine_session *sess = api_session(a);
    engine_article ea;
    engine_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.author_key = cm->author_key;
    ctx.learned_spam_prob = -1;
    engine_dup_match dm[1 + ENGINE_LSH_BANDS];
    if (j->have) {
        const model_article *art = lk->article ? article_decoded(lk->article, lk->article_len)
                                               : NULL;
        if (art) {
            ea = (engine_article){art->title, art->body, (const char *const *)art->tags,
                                  art->ntags, art->url};
            ctx.article = &ea;
        }
        ctx.site_df = lk->df;
        ctx.site_ndocs = lk->ndocs;
        if (lk->thread) {
            ctx.thread_texts = (const char *const *)lk->thread;
            ctx.nthread = lk->nthread;
        } else if (lk->thread_len) { /* by reference, when all are cached */
            if (lk->nrefs < lk->thread_len ||
                !engine_thread_hold(sess, (const char *const *)lk->thread_refs, lk->thread_len))
                return JOB_TEXTS;
            ctx.thread_held = 1;
        }
        ctx.flood_count = lk->flood_count;
        for (size_t i = 0; i < lk->ndups; i++) {
            memset(&dm[i], 0, sizeof dm[i]);
            dm[i].comment_id = lk->dups[i].id;
            dm[i].author_key = lk->dups[i].author_key;
            dm[i].exact = lk->dups[i].exact;
            memcpy(dm[i].minhash, lk->dups[i].minhash, sizeof dm[i].minhash);
            if (!lk->dups[i].has_minhash && !lk->dups[i].exact) continue;
            ctx.ndups++;
            if (ctx.ndups - 1 != i) dm[ctx.ndups - 1] = dm[i];
        }
        ctx.dups = dm;
        api_learn_context(a, &j->lr, lk, &ctx);
    }
    engine_verdict v;
    engine_score(sess, j->f, &j->ec, &ctx, &v);
    api_learn_annotate(&j->lr, &v);
    if (v.status == ENGINE_APPROVED && a->cfg->thread_context > 0)
        engine_thread_remember(sess, j->f, cm->text); /* it joins the thread */
    cm->status = cm->auto_status = (model_status)v.status;
    cm->score = v.score;
    cm->relevance = v.relevance;
    int nomem = 0;
    for (size_t i = 0; i < v.nflags; i++)
        nomem |= model_comment_add_flag(cm, v.flags[i].code, v.flags[i].score, v.flags[i].detail,
                                        v.flags[i].evidence) < 0;
    if (nomem || !(j->json = codec_encode_comment(cm, 1, &j->len))) {
        api_error(res, 500, "internal", "out of memory", NULL);
        return JOB_FAILED;
    }
    fill_write(a, cm, j->json, j->len, &j->w);
    j->w.claimed = j->have; /* the look-up took the claim */
    return JOB_WRITE;
}

/* Stage 3, once the write is back: wr as store_comment_write returned
 * (existing: the stored record when wr is 0, taken). Spools the record
 * when Redis did not take it. 0, or -1 with res answered (503). */
static int job_written(comment_job *j, int wr, char *existing, size_t elen,
                       http_response *res) {
    app *a = j->a;
    model_comment *cm = &j->cm;
    if (wr == 1 && (j->wh_events & webhook_event_bit("verdict"))) {
        /* webhook "verdict" event (one round trip, only when Redis took the
         * comment: a spooled comment's verdict event is skipped). Best
         * effort: the comment is stored whatever happens here. */
        size_t vlen = 0;
        char *api_json = codec_encode_comment(cm, 0, &vlen);
        store *s = store_acquire(a->pool);
        if (!api_json || webhook_notify(s, cm->site, "verdict", api_json, vlen) < 0)
            log_msg(LOG_WARN, "webhook: verdict event for comment %s not queued", cm->id);
        store_release(a->pool, s);
        free(api_json);
    }
    if (wr == 1) {
        j->created = 1;
    } else if (wr == 0) {
        model_comment old;
        codec_error ce;
        if (existing && codec_decode_comment(existing, elen, &old, &ce) == 0) {
            model_comment_free(cm);
            *cm = old;
        }
    } else {
        if (spool_append(a->spool, j->json, j->len) < 0) {
            free(existing);
            api_error(res, 503, "redis_unavailable",
                      "Redis is unavailable and the local spool cannot be written", NULL);
            return -1;
        }
        metrics_spooled(a->metrics);
        j->created = 1;
    }
    free(existing);
    if (j->created) {
        metrics_comment(a->metrics, model_status_name(cm->status));
        for (size_t i = 0; i < cm->nflags; i++) metrics_flag(a->metrics, cm->flags[i].code);
    }
    return 0;
}

/* The answer when a request waited API_CLAIM_WAIT_MS for another one with
 * the same id. */
static void busy_error(http_response *res) {
    api_error(res, 409, "comment_in_progress",
              "a request with this comment id is still being processed: retry shortly", "id");
    http_add_header(res, "Retry-After", "1");
}

/* Stages 2 and 3 with synchronous round trips on a pool connection.
 * 0 (j->cm is the answer), or -1 with res answered. */
static int job_run_sync(comment_job *j, http_response *res) {
    app *a = j->a;
    for (;;) {
        store *s = store_acquire(a->pool);
        j->have = store_comment_lookup(s, &j->q, &j->lk) == 0;
        int r = job_judge(j, res);
        if (r == JOB_TEXTS) {
            j->lk.thread_len = store_thread_texts(s, &j->q, &j->lk) == 0 ? j->lk.nthread : 0;
            r = job_judge(j, res);
        }
        if (r == JOB_BUSY) {
            store_release(a->pool, s);
            if (clock_wall_ms() >= j->claim_until_ms) {
                busy_error(res);
                return -1;
            }
            struct timespec ts = {0, API_CLAIM_POLL_MS * 1000000L};
            nanosleep(&ts, NULL);
            continue;
        }
        if (r != JOB_WRITE) {
            if (r == JOB_EXISTING && j->lk.claimed) store_claim_drop(s, j->cm.site, j->cm.id);
            store_release(a->pool, s);
            return r == JOB_EXISTING ? 0 : -1;
        }
        char *existing = NULL;
        size_t elen = 0;
        int wr = j->have ? store_comment_write(s, &j->w, &existing, &elen) : -1;
        store_release(a->pool, s);
        return job_written(j, wr, existing, elen, res);
    }
}

int api_comment_process(app *a, model_comment *cm, int *created, http_response *res) {
    comment_job j;
    memset(&j, 0, sizeof j);
    j.a = a;
    j.cm = *cm; /* moved in, moved back below */
    int rc = job_begin(&j, res);
    if (rc == 0) rc = job_run_sync(&j, res);
    *cm = j.cm;
    *created = j.created;
    job_clear(&j);
    return rc;
}

/* ---- the pipelined path (POST /v1/sites/{site}/comments) ---- */

/* A request that found the pipeline full (API_MAX_PIPELINED): suspended
 * with its body still undecoded (libmicrohttpd keeps it), until a slot
 * frees. Its worker goes on serving others. */
typedef struct waiting_req {
    struct waiting_req *next;
    http_pending *hp;
    const char *body;      /* borrowed from the suspended request */
    size_t body_len;
    char *site;
    struct timespec t0;
} waiting_req;

static struct {
    pthread_mutex_t mu;
    waiting_req *head, *tail;
} waitq = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL};

static void admit_waiting(app *a);
static void on_looked_up(void *ctx, int rc);
static void job_finish(comment_job *j, int ok, http_response *res);

/* Take a pipeline slot: 1, or 0 when all API_MAX_PIPELINED are taken. */
static int slot_take(void) {
    if (atomic_fetch_add(&pipelined, 1) < API_MAX_PIPELINED) return 1;
    atomic_fetch_sub(&pipelined, 1);
    return 0;
}

/* Decode and analyse a deferred request holding a slot, and send its
 * look-up; every failure is answered (and the slot given back) through
 * job_finish. */
static void job_start(app *a, http_pending *hp, const char *body, size_t body_len,
                      const char *site, const struct timespec *t0) {
    comment_job *j = job_new();
    http_response r = {.status = 500, .content_type = "application/json"};
    if (!j) {
        /* no job to finish: answer here */
        api_error(&r, 500, "internal", "out of memory", NULL);
        http_complete(hp, &r);
        metrics_request(a->metrics, "comment_post", 500, 0);
        atomic_fetch_sub(&pipelined, 1);
        admit_waiting(a);
        return;
    }
    j->a = a;
    j->hp = hp;
    j->t0 = *t0;
    if (job_decode(j, body, body_len, site, &r) < 0 || job_begin(j, &r) < 0) {
        job_finish(j, 0, &r);
        return;
    }
    if (store_pipe_lookup(a->pipe, &j->q, &j->lk, 0, on_looked_up, j) < 0) {
        api_error(&r, 500, "internal", "out of memory", NULL);
        job_finish(j, 0, &r);
    }
}

/* Start waiting requests while slots are free (any thread). */
static void admit_waiting(app *a) {
    for (;;) {
        pthread_mutex_lock(&waitq.mu);
        int go = waitq.head && slot_take();
        waiting_req *w = go ? waitq.head : NULL;
        if (w && !(waitq.head = w->next)) waitq.tail = NULL;
        pthread_mutex_unlock(&waitq.mu);
        if (!w) return;
        job_start(a, w->hp, w->body, w->body_len, w->site, &w->t0);
        free(w->site);
        free(w);
    }
}

/* Queue a deferred request until a slot frees. 0, or -1 (no memory: the
 * caller answers it). */
static int wait_for_slot(app *a, http_pending *hp, const api_call *c) {
    waiting_req *w = calloc(1, sizeof *w);
    if (!w || !(w->site = strdup(router_param(c->m, "site")))) {
        free(w);
        return -1;
    }
    w->hp = hp;
    w->body = c->req->body;
    w->body_len = c->req->body_len;
    clock_gettime(CLOCK_MONOTONIC, &w->t0);
    pthread_mutex_lock(&waitq.mu);
    if (waitq.tail) waitq.tail->next = w;
    else waitq.head = w;
    waitq.tail = w;
    pthread_mutex_unlock(&waitq.mu);
    admit_waiting(a); /* a slot may have freed meanwhile */
    return 0;
}

/* Answer the deferred request and free the job (pipe thread). res is
 * answered already, or (ok) the answer is j->cm. */
static void job_finish(comment_job *j, int ok, http_response *res) {
    if (ok) {
        size_t len = 0;
        char *b = codec_encode_comment(&j->cm, 0, &len);
        if (b) api_reply(res, j->created ? 201 : 200, b, len);
        else api_error(res, 500, "internal", "out of memory", NULL);
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double secs = (double)(t.tv_sec - j->t0.tv_sec) + (double)(t.tv_nsec - j->t0.tv_nsec) / 1e9;
    int status = res->status;
    app *a = j->a;
    http_complete(j->hp, res);
    metrics_request(a->metrics, "comment_post", status, secs);
    job_clear(j);
    model_comment_free(&j->cm);
    job_recycle(j);
    atomic_fetch_sub(&pipelined, 1);
    admit_waiting(a); /* its slot goes to the oldest waiting request */
}

static void on_written(void *ctx, int rc) {
    comment_job *j = ctx;
    http_response res = {.status = 500, .content_type = "application/json"};
    job_finish(j, job_written(j, rc, NULL, 0, &res) == 0, &res);
}

static void on_looked_up(void *ctx, int rc);
static void on_texts(void *ctx, int rc);

/* Stage 2 on the pipe's thread, and what follows it. */
static void judge_next(comment_job *j) {
    http_response res = {.status = 500, .content_type = "application/json"};
    switch (job_judge(j, &res)) {
    case JOB_TEXTS:
        if (store_pipe_thread_texts(j->a->pipe, &j->q, &j->lk, on_texts, j) == 0) return;
        on_texts(j, -1);
        return;
    case JOB_BUSY:
        if (clock_wall_ms() < j->claim_until_ms &&
            store_pipe_lookup(j->a->pipe, &j->q, &j->lk, API_CLAIM_POLL_MS, on_looked_up, j) == 0)
            return;
        busy_error(&res);
        job_finish(j, 0, &res);
        return;
    case JOB_EXISTING:
        if (j->lk.claimed) store_pipe_claim_drop(j->a->pipe, j->cm.site, j->cm.id);
        job_finish(j, 1, &res);
        return;
    case JOB_FAILED:
        job_finish(j, 0, &res);
        return;
    default:
        if (j->have && store_pipe_write(j->a->pipe, &j->w, on_written, j) == 0) return;
        on_written(j, -1); /* Redis is down (or no memory): the spool */
    }
}

static void on_looked_up(void *ctx, int rc) {
    comment_job *j = ctx;
    j->have = rc == 0;
    judge_next(j);
}

/* The thread's texts are in; when Redis failed, the comment is scored
 * without its thread (and its write will most likely be spooled). */
static void on_texts(void *ctx, int rc) {
    comment_job *j = ctx;
    j->lk.thread_len = rc == 0 ? j->lk.nthread : 0;
    judge_next(j);
}

/* POST /v1/sites/{site}/comments */
void api_comment_post(const api_call *c, http_response *res) {
    if (api_require_json(c, res) < 0) return;
    app *a = c->a;
    if (a->pipe) {
        /* pipelined: decoded here while a slot is free, else queued as it
         * came; answered by the pipe's threads either way */
        int slot = slot_take();
        http_pending *hp = http_defer(c->req);
        if (hp) {
            struct timespec t0;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            if (slot) {
                job_start(a, hp, c->req->body, c->req->body_len, router_param(c->m, "site"),
                          &t0);
                return;
            }
            if (wait_for_slot(a, hp, c) == 0) return;
            /* res belongs to the handler (its body is dropped as it is
             * deferred): the answer goes in one of its own */
            http_response r = {.status = 500, .content_type = "application/json"};
            api_error(&r, 500, "internal", "out of memory", NULL);
            http_complete(hp, &r);
            metrics_request(a->metrics, "comment_post", 500, 0);
            return;
        }
        if (slot) { /* draining: synchronous from now on */
            atomic_fetch_sub(&pipelined, 1);
            admit_waiting(a);
        }
    }
    comment_job *j = job_new();
    if (!j) {
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    j->a = a;
    model_comment *cm = &j->cm;
    int ok = job_decode(j, c->req->body, c->req->body_len, router_param(c->m, "site"), res) == 0 &&
             job_begin(j, res) == 0 && job_run_sync(j, res) == 0;
    if (ok) {
        size_t len = 0;
        char *b = codec_encode_comment(cm, 0, &len);
        api_reply(res, j->created ? 201 : 200, b, len);
    }
    job_clear(j);
    model_comment_free(cm);
    job_recycle(j);
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
