/* test_comment.c - the comment pipeline's state machine and driver over a
 * scripted transport (no Redis): what each look-up answer leads to, which
 * round trips are asked for and in which order, and the answer; then the
 * two real transports with Redis unreachable (a pool connection, the
 * pipe): both spool and answer 201. Also the decoded-article cache.
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "codec.h"
#include "comment_private.h"
#include "unit.h"
#include "webhook.h"

static modq_config cfg;
static engine *eng;
static metrics *mx;
static spool *sp;
static char spool_dir[64];

/* One engine session per thread (the pipe's lanes judge on theirs). */
static pthread_key_t sess_key;
static void sess_free(void *s) { engine_session_free(s); }
static engine_session *test_session(void *arg) {
    (void)arg;
    engine_session *s = pthread_getspecific(sess_key);
    if (!s && (s = engine_session_new(eng))) pthread_setspecific(sess_key, s);
    return s;
}

/* The file layer every job takes (the configuration's defaults). */
static comment_file *file;
static comment_file *test_file(void *arg) {
    (void)arg;
    return comment_file_ref(file);
}

static comment_pipeline *pipeline(store_pool *pool, store_pipe *pipe) {
    comment_options o = {&cfg, test_session, NULL, pool, pipe, sp, mx, eng, test_file};
    return comment_pipeline_new(&o);
}

/* ======================================================== a scripted transport */

#define FAKE_MAX 8

/* What one look-up answers. */
typedef struct fake_lookup {
    int rc;
    int claimed;
    const char *existing; /* stored record JSON */
    unsigned events;      /* webhook events */
    size_t thread_len;
    const char *refs[4];  /* thread references */
    size_t nrefs;
} fake_lookup;

typedef struct fake {
    fake_lookup look[FAKE_MAX];
    int nlook, looks;
    int delay[FAKE_MAX];        /* delay_ms of each look-up */
    const char *texts[4];       /* what thread_texts returns */
    size_t ntexts;
    int texts_calls;
    int write_rc, writes;
    store_write w;              /* the last write (shallow) */
    char w_status[16];
    char w_thread[256];
    int drops;
    int notifies;
    char n_event[16];
    char *n_json;
    size_t n_len;
    char trace[64];             /* the round trips in order: L T W D N, A = answer */
    /* the pending completion: delivered by fake_run */
    comment_io_done cb;
    void *ctx;
    int rc;
} fake;

static void trace(fake *f, char c) {
    size_t n = strlen(f->trace);
    if (n + 1 < sizeof f->trace) f->trace[n] = c;
}

static int fake_pending(fake *f, comment_io_done cb, void *ctx, int rc) {
    CHECK(!f->cb);
    if (cb) {
        f->cb = cb;
        f->ctx = ctx;
        f->rc = rc;
    }
    return 0;
}

static int fake_lookup_fn(void *arg, const store_lookup_req *q, store_lookup *out, int delay_ms,
                          comment_io_done cb, void *ctx) {
    fake *f = arg;
    trace(f, 'L');
    CHECK(q->comment_id != NULL);
    CHECK(f->looks < f->nlook);
    if (f->looks >= f->nlook) return -1;
    f->delay[f->looks] = delay_ms;
    const fake_lookup *l = &f->look[f->looks++];
    memset(out, 0, sizeof *out);
    if (l->rc == 0) {
        out->claimed = l->claimed;
        out->webhook_events = l->events;
        if (l->existing) {
            out->existing = strdup(l->existing);
            out->existing_len = strlen(l->existing);
        }
        out->thread_len = l->thread_len;
        if (l->nrefs) {
            out->thread_refs = calloc(l->nrefs, sizeof *out->thread_refs);
            for (size_t i = 0; i < l->nrefs; i++) out->thread_refs[i] = strdup(l->refs[i]);
            out->nrefs = l->nrefs;
        }
    }
    return fake_pending(f, cb, ctx, l->rc);
}

static int fake_texts_fn(void *arg, const store_lookup_req *q, store_lookup *out,
                         comment_io_done cb, void *ctx) {
    (void)q;
    fake *f = arg;
    trace(f, 'T');
    f->texts_calls++;
    out->thread = calloc(f->ntexts ? f->ntexts : 1, sizeof *out->thread);
    for (size_t i = 0; i < f->ntexts; i++) out->thread[i] = strdup(f->texts[i]);
    out->nthread = f->ntexts;
    return fake_pending(f, cb, ctx, 0);
}

static int fake_write_fn(void *arg, const store_write *w, char **existing, size_t *elen,
                         comment_io_done cb, void *ctx) {
    fake *f = arg;
    trace(f, 'W');
    f->writes++;
    f->w = *w;
    snprintf(f->w_status, sizeof f->w_status, "%s", w->status);
    snprintf(f->w_thread, sizeof f->w_thread, "%s", w->thread_text ? w->thread_text : "");
    *existing = NULL;
    *elen = 0;
    return fake_pending(f, cb, ctx, f->write_rc);
}

static int fake_drop_fn(void *arg, const char *site, const char *id, comment_io_done cb,
                        void *ctx) {
    fake *f = arg;
    trace(f, 'D');
    CHECK_STR(site, "s1");
    CHECK(id != NULL);
    f->drops++;
    return fake_pending(f, cb, ctx, 0);
}

static int fake_notify_fn(void *arg, const char *site, const char *event, const char *json,
                          size_t len, comment_io_done cb, void *ctx) {
    fake *f = arg;
    trace(f, 'N');
    CHECK_STR(site, "s1");
    f->notifies++;
    snprintf(f->n_event, sizeof f->n_event, "%s", event);
    free(f->n_json);
    f->n_json = strndup(json, len);
    f->n_len = len;
    return fake_pending(f, cb, ctx, 0);
}

static void fake_run(fake *f) {
    while (f->cb) {
        comment_io_done cb = f->cb;
        f->cb = NULL;
        cb(f->ctx, f->rc);
    }
}

typedef struct answer {
    int calls;
    comment_reply r;
    fake *f;
} answer;

static void on_answer(void *ctx, comment_reply *r) {
    answer *a = ctx;
    a->calls++;
    a->r = *r; /* takes the body */
    if (a->f) trace(a->f, 'A');
}

static void answer_free(answer *a) { free(a->r.body); }

static const char HAM[] = "Protected bicycle lanes on Main Street are overdue. I cycle there "
                          "every day and the council made the right decision.";

/* POST body through the driver over f; claim_ms >= 0 shortens the claim
 * wait to that many ms. */
static void drive(comment_pipeline *p, fake *f, const char *body, long claim_ms, answer *an) {
    comment_transport t = {f, fake_lookup_fn, fake_texts_fn, fake_write_fn, fake_drop_fn,
                           fake_notify_fn};
    memset(an, 0, sizeof *an);
    an->f = f;
    comment_job *j = comment_job_new(p, &t);
    CHECK(j != NULL);
    if (!j) return;
    j->done = on_answer;
    j->done_ctx = an;
    j->want_body = 1;
    if (comment_job_decode(j, body, strlen(body), "s1") < 0 || comment_job_analyse(j) < 0) {
        comment_drive_finish(j, 0);
        return;
    }
    if (claim_ms >= 0) j->claim_until_ms = clock_mono_ms() + claim_ms;
    comment_drive(j);
    fake_run(f);
}

static char *body_of(const char *id, const char *text) {
    static char b[1024];
    snprintf(b, sizeof b, "{\"id\":\"%s\",\"article_id\":\"a1\",\"text\":\"%s\",\"author\":{\"name\":\"Ann\"}}",
             id, text);
    return b;
}

/* The value of a /metrics sample line ("name{labels} value"), -1 when
 * absent. */
static long metric(const char *sample) {
    metrics_gauges g = {0};
    size_t len = 0;
    char *text = metrics_render(mx, &g, &len);
    long v = -1;
    size_t n = strlen(sample);
    for (const char *p = text; p && (p = strstr(p, sample)); p += n)
        if ((p == text || p[-1] == '\n') && p[n] == ' ') {
            v = strtol(p + n + 1, NULL, 10);
            break;
        }
    free(text);
    return v;
}

/* ================================================================ tests */

static void test_new_comment_written_and_answered_201(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    fake f = {.nlook = 1, .look = {{.claimed = 1}}, .write_rc = 1};
    answer an;
    drive(p, &f, body_of("c1", HAM), -1, &an);
    CHECK_STR(f.trace, "LWA");
    CHECK(f.delay[0] == 0);
    CHECK(an.calls == 1 && an.r.status == 201);
    CHECK(an.r.body && strstr(an.r.body, "\"id\":\"c1\"") && strstr(an.r.body, "\"status\":\"approved\""));
    CHECK(f.w.claimed == 1);
    CHECK_STR(f.w_status, "approved");
    CHECK_STR(f.w_thread, HAM); /* approved: it joins the thread */
    CHECK(f.notifies == 0 && f.drops == 0);
    answer_free(&an);
    comment_pipeline_free(p);
}

static void test_verdict_webhook_sent_before_answer(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    fake f = {.nlook = 1, .look = {{.claimed = 1, .events = WEBHOOK_EV_VERDICT}}, .write_rc = 1};
    answer an;
    drive(p, &f, body_of("c2", HAM), -1, &an);
    CHECK_STR(f.trace, "LWNA");
    CHECK_STR(f.n_event, "verdict");
    /* the event's payload is the answer's body */
    CHECK(an.r.status == 201 && an.r.body && f.n_json);
    CHECK(an.r.body && f.n_json && an.r.len == f.n_len && memcmp(an.r.body, f.n_json, f.n_len) == 0);
    free(f.n_json);
    answer_free(&an);
    comment_pipeline_free(p);
}

static void test_only_decisions_subscribed_no_verdict_event(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    fake f = {.nlook = 1, .look = {{.claimed = 1, .events = WEBHOOK_EV_DECISION}}, .write_rc = 1};
    answer an;
    drive(p, &f, body_of("c2b", HAM), -1, &an);
    CHECK_STR(f.trace, "LWA");
    answer_free(&an);
    comment_pipeline_free(p);
}

static void test_failed_write_spooled_no_webhook(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    long before = spool_pending(sp), spooled = metric("modq_spooled_total");
    long approved = metric("modq_comments_total{status=\"approved\"}");
    fake f = {.nlook = 1, .look = {{.claimed = 1, .events = WEBHOOK_EV_ALL}}, .write_rc = -1};
    answer an;
    drive(p, &f, body_of("c3", HAM), -1, &an);
    CHECK_STR(f.trace, "LWA"); /* a spooled comment's verdict event is skipped */
    CHECK(an.r.status == 201);
    CHECK(spool_pending(sp) == before + 1);
    CHECK(metric("modq_spooled_total") == spooled + 1);
    CHECK(metric("modq_comments_total{status=\"approved\"}") == approved + 1);
    answer_free(&an);
    comment_pipeline_free(p);
}

static void test_failed_lookup_judged_without_context_and_spooled(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    long before = spool_pending(sp);
    fake f = {.nlook = 1, .look = {{.rc = -1}}, .write_rc = 1};
    answer an;
    drive(p, &f, body_of("c4", HAM), -1, &an);
    CHECK_STR(f.trace, "LA"); /* no write is tried: Redis is down */
    CHECK(an.r.status == 201);
    CHECK(spool_pending(sp) == before + 1);
    answer_free(&an);
    comment_pipeline_free(p);
}

/* The spool form: the record byte for byte after the MinHash, which comes
 * back exactly; a record alone (no MinHash, or a line of the older
 * layout) is its own record; a damaged MinHash part is refused. */
static void test_spool_line_keeps_record_and_minhash(void) {
    model_comment c;
    model_comment_init(&c);
    const char rec[] = "{\"id\":\"c1\",\"site\":\"s\",\"bd\":\"...\"}";
    size_t rl = sizeof rec - 1, ll = 0, got_len = 0;
    const char *got = NULL;
    uint32_t mh[MODEL_MINHASH_N];
    c.has_minhash = 1;
    for (int i = 0; i < MODEL_MINHASH_N; i++) c.minhash[i] = 0xfedcba98u - (uint32_t)i * 40503u;
    char *line = comment_spool_line(&c, rec, rl, &ll);
    CHECK(line != NULL && ll == 3 + MODEL_MINHASH_N * 8 + 1 + rl && strlen(line) == ll);
    CHECK(strncmp(line, "mh:fedcba98", 11) == 0);
    CHECK(comment_spool_split(line, ll, &got, &got_len, mh) == 1);
    CHECK(got_len == rl && memcmp(got, rec, rl) == 0);
    CHECK(memcmp(mh, c.minhash, sizeof mh) == 0);
    /* damaged: a digit that is no lowercase hex, a missing separator, no
     * record after the MinHash */
    const size_t bad_at[] = {3, 3 + 8 * 17 + 5, 3 + MODEL_MINHASH_N * 8};
    for (size_t k = 0; k < sizeof bad_at / sizeof bad_at[0]; k++) {
        char save = line[bad_at[k]];
        line[bad_at[k]] = 'G';
        CHECK(comment_spool_split(line, ll, &got, &got_len, mh) == -1);
        line[bad_at[k]] = save;
    }
    CHECK(comment_spool_split(line, 3 + MODEL_MINHASH_N * 8 + 1, &got, &got_len, mh) == -1);
    free(line);
    /* no MinHash: the record alone, which splits to itself */
    c.has_minhash = 0;
    line = comment_spool_line(&c, rec, rl, &ll);
    CHECK(line != NULL && ll == rl && memcmp(line, rec, rl) == 0);
    CHECK(comment_spool_split(line, ll, &got, &got_len, mh) == 0);
    CHECK(got == line && got_len == rl);
    free(line);
    /* a line of the older layout: the record with "mh" inside */
    const char older[] = "{\"id\":\"c0\",\"mh\":\"00000001\"}";
    CHECK(comment_spool_split(older, sizeof older - 1, &got, &got_len, mh) == 0);
    CHECK(got == older && got_len == sizeof older - 1);
    model_comment_free(&c);
}

static void test_existing_id_answers_stored_and_drops_claim(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    model_comment old;
    model_comment_init(&old);
    old.id = strdup("c5");
    old.site = strdup("s1");
    old.article_id = strdup("a1");
    old.text = strdup(HAM);
    old.author.name = strdup("Ann");
    old.status = old.auto_status = MODEL_REJECTED;
    size_t len = 0;
    char *rec = codec_encode_comment(&old, 1, &len);
    CHECK(rec != NULL);
    fake f = {.nlook = 1, .look = {{.claimed = 1, .existing = rec}}, .write_rc = 1};
    answer an;
    drive(p, &f, body_of("c5", HAM), -1, &an);
    CHECK_STR(f.trace, "LDA"); /* nothing written; the claim taken is dropped */
    CHECK(an.r.status == 200);
    CHECK(an.r.body && strstr(an.r.body, "\"status\":\"rejected\""));
    answer_free(&an);
    /* the id reused with other text: 409 id_conflict, the claim dropped too */
    fake h = {.nlook = 1, .look = {{.claimed = 1, .existing = rec}}, .write_rc = 1};
    drive(p, &h, body_of("c5", "some other text entirely"), -1, &an);
    CHECK_STR(h.trace, "LDA");
    CHECK(an.r.status == 409 && strcmp(an.r.code, "id_conflict") == 0);
    answer_free(&an);
    /* found stored by a look-up that did not take the claim: nothing to drop */
    fake g = {.nlook = 1, .look = {{.claimed = 0, .existing = rec}}};
    drive(p, &g, body_of("c5", HAM), -1, &an);
    CHECK_STR(g.trace, "LA");
    CHECK(an.r.status == 200);
    answer_free(&an);
    free(rec);
    model_comment_free(&old);
    comment_pipeline_free(p);
}

static void test_busy_claim_looks_again_then_writes(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    fake f = {.nlook = 3, .look = {{.claimed = 0}, {.claimed = 0}, {.claimed = 1}}, .write_rc = 1};
    answer an;
    drive(p, &f, body_of("c6", HAM), -1, &an);
    CHECK_STR(f.trace, "LLLWA");
    CHECK(f.delay[0] == 0 && f.delay[1] == COMMENT_CLAIM_POLL_MS &&
          f.delay[2] == COMMENT_CLAIM_POLL_MS);
    CHECK(an.r.status == 201);
    answer_free(&an);
    comment_pipeline_free(p);
}

static void test_busy_past_the_wait_answers_409(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    fake f = {.nlook = FAKE_MAX};
    for (int i = 0; i < FAKE_MAX; i++) f.look[i] = (fake_lookup){.claimed = 0};
    answer an;
    drive(p, &f, body_of("c7", HAM), 0, &an); /* the wait is over at once */
    CHECK_STR(f.trace, "LA");
    CHECK(an.r.status == 409 && an.r.retry_after_s == 1);
    CHECK_STR(an.r.code, "comment_in_progress");
    CHECK_STR(an.r.field, "id");
    CHECK(an.r.body == NULL);
    comment_pipeline_free(p);
}

static void test_uncached_thread_texts_fetched_then_judged(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    char ref[ENGINE_THREAD_REF_LEN];
    engine_thread_ref("a text no session has analysed", ref);
    fake f = {.nlook = 1, .write_rc = 1, .ntexts = 1,
              .texts = {"a text no session has analysed"}};
    f.look[0] = (fake_lookup){.claimed = 1, .thread_len = 1, .refs = {ref}, .nrefs = 1};
    answer an;
    drive(p, &f, body_of("c8", HAM), -1, &an);
    CHECK_STR(f.trace, "LTWA");
    CHECK(an.r.status == 201);
    answer_free(&an);
    /* fewer references than texts (a list written before references): the
     * texts are fetched whatever the cache holds */
    fake g = {.nlook = 1, .write_rc = 1, .ntexts = 2, .texts = {"one", "two"}};
    g.look[0] = (fake_lookup){.claimed = 1, .thread_len = 2, .refs = {ref}, .nrefs = 1};
    drive(p, &g, body_of("c9", HAM), -1, &an);
    CHECK_STR(g.trace, "LTWA");
    answer_free(&an);
    comment_pipeline_free(p);
}

static void test_bad_request_answered_without_round_trips(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    fake f = {0};
    answer an;
    drive(p, &f, "{\"id\":\"x\",\"text\":\"hi\"}", -1, &an);
    CHECK_STR(f.trace, "A");
    CHECK(an.calls == 1 && an.r.status == 422 && an.r.body == NULL);
    CHECK_STR(an.r.code, "missing_field");
    CHECK_STR(an.r.field, "article_id");
    drive(p, &f, "not json", -1, &an);
    CHECK(an.calls == 1 && an.r.status == 400);
    CHECK_STR(an.r.code, "malformed_json");
    /* text the engine refuses (over ENGINE_MAX_TEXT_BYTES): 422 on "text" */
    size_t n = ENGINE_MAX_TEXT_BYTES + 16;
    char *big = malloc(n + 128), *txt = malloc(n + 1);
    memset(txt, 'a', n);
    txt[n] = 0;
    snprintf(big, n + 128, "{\"id\":\"y\",\"article_id\":\"a1\",\"text\":\"%s\",\"author\":{\"name\":\"A\"}}", txt);
    fake g = {0};
    long max_body = cfg.max_body;
    cfg.max_body = 1 << 20; /* past the codec's limit is the engine's */
    drive(p, &g, big, -1, &an);
    cfg.max_body = max_body;
    CHECK_STR(g.trace, "A");
    CHECK(an.r.status == 422);
    CHECK_STR(an.r.code, "invalid_field");
    CHECK_STR(an.r.message, "comment text is too long");
    CHECK_STR(an.r.field, "text");
    free(big);
    free(txt);
    comment_pipeline_free(p);
}

static void test_reply_without_body_for_process(void) {
    comment_pipeline *p = pipeline(NULL, NULL);
    comment_transport t = {0};
    comment_job *j = comment_job_new(p, &t);
    comment_reply r;
    j->created = 1;
    comment_job_reply(j, 1, &r);
    CHECK(r.status == 201 && r.body == NULL); /* want_body unset */
    comment_job_reply(j, 0, &r); /* failed with nothing said: a 500 */
    CHECK(r.status == 500);
    CHECK_STR(r.code, "internal");
    comment_job_error(j, 503, "redis_unavailable", "m", NULL);
    comment_job_reply(j, 0, &r);
    CHECK(r.status == 503 && r.field[0] == 0);
    CHECK_STR(r.code, "redis_unavailable");
    comment_job_free(j);
    comment_pipeline_free(p);
}

static void test_article_cache_keyed_by_bytes(void) {
    const char a1[] = "{\"title\":\"T\",\"body\":\"B one\"}";
    const char a2[] = "{\"title\":\"T\",\"body\":\"B two\"}";
    const model_article *x = comment_article_decoded(a1, sizeof a1 - 1);
    CHECK(x != NULL);
    if (x) CHECK_STR(x->body, "B one");
    CHECK(comment_article_decoded(a1, sizeof a1 - 1) == x); /* a hit */
    const model_article *y = comment_article_decoded(a2, sizeof a2 - 1);
    CHECK(y != NULL && y != x);
    if (y) CHECK_STR(y->body, "B two");
    CHECK(comment_article_decoded("{", 1) == NULL);
}

/* ===================================== the real transports, Redis unreachable */

static store_pool *dead_pool(void) {
    /* port 1: nothing listens there, connect fails at once */
    store_options so = {"redis://127.0.0.1:1", 200, 2, NULL, NULL, 0, 100, NULL, 0, NULL};
    char err[200];
    store_pool *pool = store_pool_new(&so, err, sizeof err);
    CHECK(pool != NULL);
    return pool;
}

static void test_process_on_pool_spools_when_redis_down(void) {
    store_pool *pool = dead_pool();
    comment_pipeline *p = pipeline(pool, NULL);
    long before = spool_pending(sp);
    model_comment cm;
    model_comment_init(&cm);
    cm.id = strdup("p1");
    cm.site = strdup("s1");
    cm.article_id = strdup("a1");
    cm.text = strdup(HAM);
    cm.author.name = strdup("Ann");
    int created = -1;
    comment_reply err;
    CHECK(comment_process(p, &cm, &created, &err) == 0);
    CHECK(created == 1);
    /* spooled: provisional, the engine's verdict kept in auto_status */
    CHECK(cm.status == MODEL_PENDING && cm.provisional && cm.auto_status == MODEL_APPROVED &&
          cm.id && strcmp(cm.id, "p1") == 0);
    CHECK(spool_pending(sp) == before + 1);
    /* the replay's write fails the same way: the record stays spooled */
    size_t len = 0;
    char *rec = codec_encode_comment(&cm, 1, &len);
    CHECK(comment_replay(p, rec, len) == -1);
    CHECK(comment_replay(p, "garbage", 7) == 0); /* unreadable: skipped */
    free(rec);
    model_comment_free(&cm);
    comment_pipeline_free(p);
    store_pool_free(pool);
}

typedef struct waited {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n;
    int status[4];
} waited;

static void on_waited(void *ctx, comment_reply *r) {
    waited *w = ctx;
    pthread_mutex_lock(&w->mu);
    w->status[w->n++ & 3] = r->status;
    free(r->body);
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void test_post_through_pipe_and_sync_spool_when_redis_down(void) {
    store_pool *pool = dead_pool();
    char err[200];
    store_pipe *pipe = store_pipe_start(pool, 1, err, sizeof err);
    CHECK(pipe != NULL);
    comment_pipeline *p = pipeline(pool, pipe);
    CHECK(comment_pipelined(p) == 1);
    long before = spool_pending(sp);
    waited w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, {0}};
    const char *b1 = strdup(body_of("q1", HAM)), *b2 = strdup(body_of("q2", HAM));
    comment_post(p, b1, strlen(b1), "s1", 0, on_waited, &w);
    comment_post(p, b2, strlen(b2), "s1", 1, on_waited, &w); /* answered before it returns */
    pthread_mutex_lock(&w.mu);
    CHECK(w.n >= 1);
    while (w.n < 2) pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    CHECK(w.status[0] == 201 && w.status[1] == 201);
    CHECK(spool_pending(sp) == before + 2);
    store_pipe_stop(pipe);
    comment_pipeline_free(p);
    store_pool_free(pool);
    free((void *)b1);
    free((void *)b2);
}

int main(void) {
    config_error ce;
    if (config_load(&cfg, NULL, &ce) < 0) {
        printf("config: %s\n", ce.text);
        return 1;
    }
    engine_config ec;
    engine_config_defaults(&ec);
    engine_error ee;
    eng = engine_new(&ec, &ee);
    pthread_key_create(&sess_key, sess_free);
    const char *codes[ENGINE_MAX_FLAGS + 1];
    size_t ncodes = 0;
    while (ncodes < engine_flag_code_count() && ncodes < ENGINE_MAX_FLAGS + 1) {
        codes[ncodes] = engine_flag_code(ncodes);
        ncodes++;
    }
    metrics_labels ml = {.flags = codes, .nflags = ncodes};
    mx = metrics_new(&ml);
    strcpy(spool_dir, "/tmp/modq-comment-XXXXXX");
    char err[200];
    if (!eng || !mx || !mkdtemp(spool_dir) || !(sp = spool_open(spool_dir, err, sizeof err)) ||
        !(file = comment_file_new(eng, &cfg, err, sizeof err))) {
        printf("setup failed\n");
        return 1;
    }
    UNIT_RUN(test_new_comment_written_and_answered_201);
    UNIT_RUN(test_verdict_webhook_sent_before_answer);
    UNIT_RUN(test_only_decisions_subscribed_no_verdict_event);
    UNIT_RUN(test_failed_write_spooled_no_webhook);
    UNIT_RUN(test_failed_lookup_judged_without_context_and_spooled);
    UNIT_RUN(test_spool_line_keeps_record_and_minhash);
    UNIT_RUN(test_existing_id_answers_stored_and_drops_claim);
    UNIT_RUN(test_busy_claim_looks_again_then_writes);
    UNIT_RUN(test_busy_past_the_wait_answers_409);
    UNIT_RUN(test_uncached_thread_texts_fetched_then_judged);
    UNIT_RUN(test_bad_request_answered_without_round_trips);
    UNIT_RUN(test_reply_without_body_for_process);
    UNIT_RUN(test_article_cache_keyed_by_bytes);
    UNIT_RUN(test_process_on_pool_spools_when_redis_down);
    UNIT_RUN(test_post_through_pipe_and_sync_spool_when_redis_down);
    spool_close(sp);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", spool_dir);
    if (system(cmd) != 0) printf("could not remove %s\n", spool_dir);
    engine_session_free(pthread_getspecific(sess_key));
    pthread_setspecific(sess_key, NULL);
    metrics_free(mx);
    comment_file_release(file);
    engine_free(eng);
    config_free(&cfg);
    return unit_report("comment");
}
