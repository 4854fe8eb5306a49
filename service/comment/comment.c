/* comment.c - the comment pipeline: its entries and the pipe's slots.
 *
 * Owns the pipeline object (comment.h): the entries that make a job and
 * hand it to the driver (comment_post, comment_process, comment_replay's
 * write), and the COMMENT_MAX_PIPELINED slots of the pipe with the queue
 * of comments waiting, undecoded, for one. A job through the pipe is
 * decoded and analysed on the thread that starts it (the caller's, or the
 * thread that freed a slot) and judged on the lane that brought its
 * look-up back; a synchronous job runs on the caller's thread from start
 * to answer. Never touches HTTP; never blocks on Redis but through the
 * synchronous transport.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "comment_private.h"
#include "log.h"

/* A comment that found every slot taken: its body (borrowed until done)
 * waits undecoded, so a suspended request costs this much and no more. */
typedef struct comment_waiting {
    struct comment_waiting *next;
    const char *body;
    size_t len;
    char *site; /* a copy */
    comment_done_fn done;
    void *ctx;
    char request_id[LOG_REQUEST_MAX + 1]; /* the request it came with ("": none) */
} comment_waiting;

comment_pipeline *comment_pipeline_new(const comment_options *o) {
    comment_pipeline *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->o = *o;
    if (!(p->profiles = comment_profiles_new())) {
        free(p);
        return NULL;
    }
    if (o->pipe) comment_transport_pipe(&p->pipe, o->pipe);
    atomic_init(&p->pipelined, 0);
    pthread_mutex_init(&p->mu, NULL);
    return p;
}

void comment_pipeline_free(comment_pipeline *p) {
    if (!p) return;
    for (comment_waiting *w = p->head, *next; w; w = next) { /* none once drained */
        next = w->next;
        free(w->site);
        free(w);
    }
    comment_profiles_free(p->profiles);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int comment_pipelined(const comment_pipeline *p) { return p->o.pipe != NULL; }

void comment_pipeline_file_changed(comment_pipeline *p) {
    comment_file *file = p && p->o.file ? p->o.file(p->o.session_arg) : NULL;
    if (file) comment_profiles_forget(p->profiles, file);
    comment_file_release(file);
}

engine_session *comment_session(const comment_pipeline *p) {
    return p->o.session ? p->o.session(p->o.session_arg) : NULL;
}

/* ================================================================ slots */

/* Take a slot: 1, or 0 when all COMMENT_MAX_PIPELINED are taken. */
static int slot_take(comment_pipeline *p) {
    if (atomic_fetch_add(&p->pipelined, 1) < COMMENT_MAX_PIPELINED) return 1;
    atomic_fetch_sub(&p->pipelined, 1);
    return 0;
}

/* Answer done with a 500 (no job could be made). */
static void answer_nomem(comment_done_fn done, void *ctx) {
    comment_reply r;
    comment_reply_error(&r, 500, "internal", "out of memory", NULL);
    done(ctx, &r);
}

/* A job for body on transport t, decoded, analysed and driven; every
 * failure is answered through done (and the slot, when held, given back). */
static void start(comment_pipeline *p, const comment_transport *t, const char *body, size_t len,
                  const char *site, int slot, comment_done_fn done, void *ctx) {
    comment_job *j = comment_job_new(p, t);
    if (!j) {
        answer_nomem(done, ctx);
        if (slot) comment_slot_release(p);
        return;
    }
    j->done = done;
    j->done_ctx = ctx;
    j->want_body = 1;
    j->slot = slot;
    if (comment_job_decode(j, body, len, site) < 0 || comment_job_analyse(j) < 0) {
        comment_drive_finish(j, 0);
        return;
    }
    comment_drive(j);
}

/* Set while this thread runs admit's loop: a job that fails at once gives
 * its slot back from inside that loop, which then takes it, instead of a
 * recursion as deep as the queue. */
static __thread int admitting;

/* Start waiting comments while slots are free (any thread). */
static void admit(comment_pipeline *p) {
    if (admitting) return;
    admitting = 1;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        comment_waiting *w = p->head && slot_take(p) ? p->head : NULL;
        if (w && !(p->head = w->next)) p->tail = NULL;
        pthread_mutex_unlock(&p->mu);
        if (!w) break;
        /* the job takes its request id from the thread (comment_job_new) */
        const char *mine = log_request();
        log_set_request(w->request_id[0] ? w->request_id : NULL);
        start(p, &p->pipe, w->body, w->len, w->site, 1, w->done, w->ctx);
        log_set_request(mine);
        free(w->site);
        free(w);
    }
    admitting = 0;
}

void comment_slot_release(comment_pipeline *p) {
    atomic_fetch_sub(&p->pipelined, 1);
    admit(p); /* the slot goes to the oldest waiting comment */
}

/* ============================================================== entries */

void comment_post(comment_pipeline *p, const char *body, size_t len, const char *site, int wait,
                  comment_done_fn done, void *ctx) {
    if (wait || !p->o.pipe) {
        comment_sync st;
        comment_transport t;
        comment_transport_sync(&t, &st, p->o.pool);
        start(p, &t, body, len, site, 0, done, ctx);
        comment_sync_run(&st);
        return;
    }
    if (slot_take(p)) {
        start(p, &p->pipe, body, len, site, 1, done, ctx);
        return;
    }
    comment_waiting *w = calloc(1, sizeof *w);
    if (!w || !(w->site = strdup(site))) {
        free(w);
        answer_nomem(done, ctx);
        return;
    }
    w->body = body;
    w->len = len;
    w->done = done;
    w->ctx = ctx;
    const char *rid = log_request();
    snprintf(w->request_id, sizeof w->request_id, "%s", rid ? rid : "");
    pthread_mutex_lock(&p->mu);
    if (p->tail) p->tail->next = w;
    else p->head = w;
    p->tail = w;
    pthread_mutex_unlock(&p->mu);
    admit(p); /* a slot may have freed meanwhile */
}

/* comment_process's answer: *err when it is an error. */
typedef struct process_result {
    comment_reply *err;
    int ok;
} process_result;

static void process_done(void *ctx, comment_reply *r) {
    process_result *pr = ctx;
    pr->ok = r->status < 300;
    if (!pr->ok) *pr->err = *r;
    free(r->body); /* none: the caller has the comment itself */
}

int comment_process(comment_pipeline *p, model_comment *cm, int *created, comment_reply *err) {
    comment_sync st;
    comment_transport t;
    comment_transport_sync(&t, &st, p->o.pool);
    *created = 0;
    comment_job *j = comment_job_new(p, &t);
    if (!j) {
        comment_reply_error(err, 500, "internal", "out of memory", NULL);
        return -1;
    }
    process_result pr = {err, 0};
    j->cm = *cm; /* moved in, moved back by comment_drive_finish */
    model_comment_init(cm);
    j->cm_out = cm;
    j->created_out = created;
    j->done = process_done;
    j->done_ctx = &pr;
    if (comment_job_analyse(j) < 0) comment_drive_finish(j, 0);
    else comment_drive(j);
    comment_sync_run(&st);
    return pr.ok ? 0 : -1;
}

/* 1 when cm's MinHash is all zero: not known (a MinHash value is the
 * least of its shingles' 32-bit hashes; all 32 zero does not happen). */
static int minhash_unknown(const model_comment *cm) {
    for (int i = 0; i < MODEL_MINHASH_N; i++)
        if (cm->minhash[i]) return 0;
    return 1;
}

static void replay_written(void *ctx, int rc) { *(int *)ctx = rc; }

static void replay_notified(void *ctx, int rc) { *(int *)ctx = rc; }

/* The settled verdict of a replayed comment (cm: the spooled record, or
 * the stored one that won) as a "verdict" event on t: the answer given
 * during the outage was provisional. Best effort, like the live event
 * (the store queues it only when the site subscribed to "verdict"). */
static void replay_notify(const comment_transport *t, comment_sync *st, const model_comment *cm) {
    size_t len = 0;
    char *json = codec_encode_comment(cm, 0, &len);
    int rc = -1;
    if (json && t->webhook_notify(t->arg, cm->site, "verdict", json, len, replay_notified, &rc) == 0)
        comment_sync_run(st);
    if (rc < 0) log_msg(LOG_WARN, "webhook: settled verdict event for comment %s not queued", cm->id);
    free(json);
}

int comment_replay(void *ctx, const char *line, size_t line_len) {
    comment_pipeline *p = ctx;
    model_comment cm;
    codec_error ce;
    const char *rec;
    size_t len;
    uint32_t mh[MODEL_MINHASH_N];
    int beside = comment_spool_split(line, line_len, &rec, &len, mh);
    if (beside < 0 || codec_decode_comment(rec, len, &cm, &ce) < 0) {
        log_msg(LOG_ERROR, "spool: skipping unreadable record (%s)",
                beside < 0 ? "malformed MinHash" : ce.text);
        return 0; /* a corrupt line must not block the rest */
    }
    /* the record carries its hashes and LSH band keys, the line the
     * MinHash (an older line's record holds it itself, and the decode took
     * it). A record with bands but no MinHash anywhere (none of modq's
     * lines) writes no band keys rather than a signature of zeros. */
    if (beside == 1) memcpy(cm.minhash, mh, sizeof cm.minhash);
    else if (cm.has_minhash && minhash_unknown(&cm)) cm.has_minhash = 0;
    /* the site's settings as they are now (its flood window: a live
     * write takes it from the profile its look-up read); unreadable:
     * replayed later */
    comment_file *file = p->o.file ? p->o.file(p->o.session_arg) : NULL;
    comment_profile *prof = NULL;
    if (file) {
        store *s = store_acquire(p->o.pool);
        prof = comment_profile_current(p->profiles, s, cm.site, file);
        store_release(p->o.pool, s);
        if (!prof) {
            comment_file_release(file);
            model_comment_free(&cm);
            return -1;
        }
    }
    /* no look-up claimed the id, so the write WATCHes the record instead */
    store_write w;
    comment_job_fill_write(p->o.cfg, prof, file, &cm, rec, len, &w);
    comment_profile_release(prof);
    comment_file_release(file);
    comment_sync st;
    comment_transport t;
    comment_transport_sync(&t, &st, p->o.pool);
    char *existing = NULL;
    size_t elen = 0;
    int rc = -1;
    if (t.write(t.arg, &w, &existing, &elen, replay_written, &rc) == 0) comment_sync_run(&st);
    if (rc >= 0) {
        /* settled: a record stored under the id first wins, else the
         * engine's verdict the spool kept */
        model_comment old;
        codec_error oe;
        if (rc == 0 && existing && codec_decode_comment(existing, elen, &old, &oe) == 0) {
            replay_notify(&t, &st, &old);
            model_comment_free(&old);
        } else {
            replay_notify(&t, &st, &cm);
        }
    }
    free(existing);
    model_comment_free(&cm);
    return rc < 0 ? -1 : 0;
}
