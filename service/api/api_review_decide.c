/* api_review_decide.c - the decision rules of the review workflow.
 *
 * Owns what a moderator's approve/reject does to a comment: an unknown
 * comment is 404; the same decision again is an idempotent 200 that
 * changes nothing; a different decision on a decided comment is 409
 * (already_decided) unless "override" is set; a live lease of another
 * moderator is 409 (lease_held). The transition itself (record, queues,
 * lease, rejected folder, thread list, audit entry, counter) is one store
 * script (which also moves the item between folders and updates its
 * author's history), a compare-and-set against the record as read: when the record
 * changed meanwhile, the decision is judged again on the new state, up to
 * REVIEW_CAS_RETRIES times (then 409 conflict). The audit fields (previous
 * status and decider, override, reason, note) go with the script. After a
 * decision it trains the classifier (comment_learn) and queues the "decision"
 * webhook. Never validates the request (api_review_req.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_review_private.h"
#include "clock.h"
#include "log.h"
#include "webhook.h"

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* Apply one decision (the rules are in the file comment). */
void api_review_decide(app *a, store *s, const api_review_decision *d,
                       api_review_outcome *out) {
    memset(out, 0, sizeof *out);
    model_status target = strcmp(d->decision, "approve") == 0 ? MODEL_APPROVED : MODEL_REJECTED;
    for (int attempt = 0; attempt < REVIEW_CAS_RETRIES; attempt++) {
        char *old = NULL;
        size_t olen = 0;
        int rc = store_comment_get(s, d->site, d->id, &old, &olen);
        if (rc < 0) {
            api_review_fail(&out->e, 503, "redis_unavailable", NULL,
                            "Redis is unavailable, retry later");
            return;
        }
        if (rc == 0) {
            api_review_fail(&out->e, 404, "not_found", NULL, "no such comment");
            return;
        }
        model_comment cm;
        codec_error ce;
        if (codec_decode_comment(old, olen, &cm, &ce) < 0) {
            free(old);
            api_review_fail(&out->e, 500, "internal", NULL, "stored comment is unreadable");
            return;
        }
        if (cm.decided_by && cm.status == target) { /* the same decision again */
            out->json = codec_encode_comment(&cm, 0, &out->len);
            out->status = out->json ? 200 : 0;
            model_comment_free(&cm);
            free(old);
            if (!out->json) api_review_fail(&out->e, 500, "internal", NULL, "out of memory");
            return;
        }
        if (cm.decided_by && !d->override) {
            char m[200];
            snprintf(m, sizeof m,
                     "comment was already decided (%s by %.100s); "
                     "send \"override\": true to change it",
                     model_status_name(cm.status), cm.decided_by);
            api_review_fail(&out->e, 409, "already_decided", NULL, m);
            model_comment_free(&cm);
            free(old);
            return;
        }
        model_status prev = cm.status;
        char *prev_by = cm.decided_by; /* kept for the audit entry */
        cm.decided_by = strdup(d->moderator);
        free(cm.decision_reason);
        free(cm.decision_note);
        cm.decision_reason = dup_or_null(d->reason);
        cm.decision_note = dup_or_null(d->note);
        cm.decided_ms = clock_wall_ms();
        cm.status = target;
        size_t nlen = 0;
        char *nrec = cm.decided_by ? codec_encode_comment(&cm, 1, &nlen) : NULL;
        if (!nrec) {
            free(prev_by);
            model_comment_free(&cm);
            free(old);
            api_review_fail(&out->e, 500, "internal", NULL, "out of memory");
            return;
        }
        int ctx = a->cfg->thread_context > 0 && cm.text;
        int gains = ctx && target == MODEL_APPROVED && prev != MODEL_APPROVED;
        int loses = ctx && target != MODEL_APPROVED && prev == MODEL_APPROVED;
        review_decide rd = {
            .site = d->site, .id = d->id, .article_id = cm.article_id,
            .moderator = d->moderator, .decision = d->decision,
            .old_record = old, .old_len = olen, .new_record = nrec, .new_len = nlen,
            .new_status = model_status_name(target), .prev_status = model_status_name(prev),
            .auto_status = model_status_name(cm.auto_status), .prev_by = prev_by,
            .override = d->override, .reason = d->reason, .note = d->note,
            .at_ms = cm.decided_ms, .received_ms = cm.received_ms,
            .author_key = cm.author_key, .score = cm.score,
            .retention_s = a->cfg->retention_days * 86400L,
            .flags = cm.flags, .nflags = cm.nflags,
            /* approved texts are the thread's context; a reversal takes it back */
            .thread_push = gains ? cm.text : NULL,
            .thread_remove = loses ? cm.text : NULL,
            .thread_max = (unsigned)a->cfg->thread_context,
        };
        if (gains || loses) engine_thread_ref(cm.text, rd.thread_ref);
        char owner[REVIEW_MODERATOR_MAX + 1];
        long long exp = 0;
        rc = store_review_decide(s, &rd, owner, sizeof owner, &exp);
        free(nrec);
        free(prev_by);
        free(old);
        if (rc == REVIEW_CHANGED) { /* written meanwhile: judge the new state */
            model_comment_free(&cm);
            continue;
        }
        if (rc == REVIEW_DONE) {
            out->status = 200;
            out->changed = 1;
            out->json = codec_encode_comment(&cm, 0, &out->len);
            comment_learn(a->comments, s, &cm, target == MODEL_REJECTED, 0);
            if (out->json &&
                webhook_notify(s, d->site, "decision", out->json, out->len) < 0)
                log_msg(LOG_WARN, "review: decision webhook for %s/%s not queued", d->site, d->id);
            if (!out->json) {
                out->status = 0;
                api_review_fail(&out->e, 500, "internal", NULL, "out of memory");
            }
        } else if (rc == REVIEW_GONE) {
            api_review_fail(&out->e, 404, "not_found", NULL, "no such comment");
        } else if (rc == REVIEW_LEASED) {
            char m[200];
            snprintf(m, sizeof m, "comment is claimed by %.100s for another %.0f s",
                     owner, (double)(exp - cm.decided_ms) / 1000.0 > 0
                                ? (double)(exp - cm.decided_ms) / 1000.0 : 0.0);
            api_review_fail(&out->e, 409, "lease_held", NULL, m);
        } else {
            api_review_fail(&out->e, 503, "redis_unavailable", NULL,
                            "Redis is unavailable, retry later");
        }
        model_comment_free(&cm);
        return;
    }
    api_review_fail(&out->e, 409, "conflict", NULL,
                    "the comment kept changing; retry the decision");
}
