/* comment_drive.c - the one driver of the comment state machine.
 *
 * Runs a decoded, analysed job through its round trips over the job's
 * transport (comment_transport: the pipe, or a pool connection):
 *
 *   look-up -> judge -> [thread texts -> judge] -> write -> [verdict
 *   webhook event] -> answer
 *
 * with the busy-claim wait (look again every COMMENT_CLAIM_POLL_MS while
 * another request holds the id's claim, then 409 with Retry-After) and
 * Redis trouble (a failed look-up judges without context, a failed write
 * spools) handled here once for both transports. Every job ends in
 * comment_drive_finish, which answers it and frees it. Never blocks: the
 * waiting is the transport's.
 */
#include "clock.h"
#include "codec.h"
#include "comment_private.h"
#include "log.h"
#include "store_webhook.h"

static void on_looked_up(void *ctx, int rc);
static void on_texts(void *ctx, int rc);
static void on_written(void *ctx, int rc);
static void on_notified(void *ctx, int rc);

/* The answer when a request waited COMMENT_CLAIM_WAIT_MS for another one
 * with the same id. */
static void finish_busy(comment_job *j) {
    comment_job_error(j, 409, "comment_in_progress",
                      "a request with this comment id is still being processed: retry shortly",
                      "id");
    j->err.retry_after_s = 1;
    comment_drive_finish(j, 0);
}

/* What the judge says, and the round trip it calls for. */
static void judge_next(comment_job *j) {
    comment_transport *t = &j->t;
    switch (comment_job_judge(j)) {
    case COMMENT_TEXTS:
        if (t->thread_texts(t->arg, &j->q, &j->lk, on_texts, j) < 0) on_texts(j, -1);
        return;
    case COMMENT_BUSY:
        if (clock_mono_ms() < j->claim_until_ms &&
            t->lookup(t->arg, &j->q, &j->lk, COMMENT_CLAIM_POLL_MS, on_looked_up, j) == 0)
            return;
        finish_busy(j);
        return;
    case COMMENT_EXISTING:
        /* nothing will be written, so nothing else would drop the claim */
        if (j->lk.claimed) t->claim_drop(t->arg, j->cm.site, j->cm.id, NULL, NULL);
        comment_drive_finish(j, 1);
        return;
    case COMMENT_FAILED:
        /* nothing will be written (an id_conflict, say): the claim goes */
        if (j->have && j->lk.claimed) t->claim_drop(t->arg, j->cm.site, j->cm.id, NULL, NULL);
        comment_drive_finish(j, 0);
        return;
    default:
        if (j->have && t->write(t->arg, &j->w, &j->existing, &j->elen, on_written, j) == 0) return;
        on_written(j, -1); /* Redis is down (or no memory): the spool */
    }
}

void comment_drive(comment_job *j) {
    if (j->t.lookup(j->t.arg, &j->q, &j->lk, 0, on_looked_up, j) == 0) return;
    comment_job_error(j, 500, "internal", "out of memory", NULL);
    comment_drive_finish(j, 0);
}

/* When the look-up failed (Redis down), the comment is judged without
 * context (and its write goes to the spool). */
static void on_looked_up(void *ctx, int rc) {
    comment_job *j = ctx;
    j->have = rc == 0;
    judge_next(j);
}

/* The thread's texts are in; when Redis failed, the comment is judged
 * without its thread (and its write will most likely be spooled). */
static void on_texts(void *ctx, int rc) {
    comment_job *j = ctx;
    j->lk.thread_len = rc == 0 ? j->lk.nthread : 0;
    judge_next(j);
}

static void on_written(void *ctx, int rc) {
    comment_job *j = ctx;
    if (comment_job_written(j, rc) < 0) {
        comment_drive_finish(j, 0);
        return;
    }
    if (rc == 1 && (j->wh_events & WEBHOOK_EV_VERDICT)) {
        /* the "verdict" event, only when Redis took the comment (a spooled
         * comment's is skipped). Best effort: the comment is stored
         * whatever happens here. Its payload is the answer's body. */
        comment_transport *t = &j->t;
        if (!j->api_json) j->api_json = codec_encode_comment(&j->cm, 0, &j->api_len);
        if (j->api_json && t->webhook_notify(t->arg, j->cm.site, "verdict", j->api_json,
                                             j->api_len, on_notified, j) == 0)
            return;
        on_notified(j, -1);
        return;
    }
    comment_drive_finish(j, 1);
}

static void on_notified(void *ctx, int rc) {
    comment_job *j = ctx;
    if (rc < 0) {
        /* on the pipe's thread: the line carries the job's request */
        const char *mine = log_request();
        log_set_request(j->request_id[0] ? j->request_id : NULL);
        log_msg(LOG_WARN, "webhook: verdict event for comment %s not queued", j->cm.id);
        log_set_request(mine);
    }
    comment_drive_finish(j, 1);
}

void comment_drive_finish(comment_job *j, int ok) {
    comment_reply r;
    comment_job_reply(j, ok, &r);
    if (j->cm_out) { /* comment_process: the caller's comment goes back */
        *j->cm_out = j->cm;
        model_comment_init(&j->cm);
        *j->created_out = j->created;
    }
    comment_pipeline *p = j->p;
    int slot = j->slot;
    j->done(j->done_ctx, &r);
    comment_job_free(j);
    if (slot) comment_slot_release(p);
}
