/* comment_job.c - one comment's job and the stages of its state machine.
 *
 * Owns what a comment carries on its way (comment_job) and every stage
 * between two round trips: decode the request, analyse the text and
 * derive the look-up's keys, judge it with what the look-up found (or
 * find it stored already, or busy), take the write's outcome (spool the
 * record when Redis did not take it), and build the answer. The stages do
 * no I/O of their own but the spool: the driver (comment_drive.c) sends
 * the round trips between them over a transport. A stage that fails fills
 * j->err with the answer to give.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "codec.h"
#include "comment_private.h"
#include "log.h"

_Static_assert((int)MODEL_APPROVED == (int)ENGINE_APPROVED && (int)MODEL_PENDING == (int)ENGINE_PENDING &&
                   (int)MODEL_REJECTED == (int)ENGINE_REJECTED,
               "a verdict's status is the record's");
_Static_assert(MODEL_MAX_FLAGS == ENGINE_MAX_FLAGS && MODEL_FLAG_CODE_LEN == ENGINE_FLAG_CODE_LEN &&
                   MODEL_MINHASH_N == ENGINE_MINHASH_N && MODEL_LSH_BANDS == ENGINE_LSH_BANDS &&
                   STORE_THREAD_REF_LEN == ENGINE_THREAD_REF_LEN,
               "records keep what the engine produces");

/* ============================================================ the job */

comment_job *comment_job_new(comment_pipeline *p, const comment_transport *t) {
    /* 5,400 bytes on x86-64 (model_comment and store_lookup are most of
     * it): one of jemalloc's small size classes, served from a slab and
     * never handed back to the system page by page, so a fresh job per
     * comment costs no more than a kept one would */
    comment_job *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->p = p;
    j->cfg = p->o.cfg;
    j->t = *t;
    /* the verdict settings of the file as they are now, to the answer */
    if (!p->o.file || !(j->file = p->o.file(p->o.session_arg))) {
        free(j);
        return NULL;
    }
    /* the request this thread handles, for the lines other threads write
     * about the job (comment_drive.c) */
    const char *rid = log_request();
    snprintf(j->request_id, sizeof j->request_id, "%s", rid ? rid : "");
    return j;
}

void comment_job_free(comment_job *j) {
    if (!j) return;
    if (j->have) store_lookup_free(&j->lk);
    comment_learn_end(&j->lr);
    comment_profile_release(j->prof);
    comment_file_release(j->file);
    engine_features_free(j->f);
    free(j->json);
    free(j->existing);
    free(j->api_json);
    model_comment_free(&j->cm);
    free(j);
}

void comment_reply_error(comment_reply *r, int status, const char *code, const char *message,
                         const char *field) {
    memset(r, 0, sizeof *r);
    r->status = status;
    snprintf(r->code, sizeof r->code, "%s", code);
    snprintf(r->message, sizeof r->message, "%s", message);
    snprintf(r->field, sizeof r->field, "%s", field ? field : "");
}

void comment_job_error(comment_job *j, int status, const char *code, const char *message,
                       const char *field) {
    comment_reply_error(&j->err, status, code, message, field);
}

void comment_job_reply(comment_job *j, int ok, comment_reply *r) {
    if (!ok) {
        *r = j->err;
        if (!r->status) comment_reply_error(r, 500, "internal", "out of memory", NULL);
        return;
    }
    memset(r, 0, sizeof *r);
    r->status = j->created ? 201 : 200;
    if (!j->want_body) return;
    if (!j->api_json) j->api_json = codec_encode_comment(&j->cm, 0, &j->api_len);
    if (!j->api_json) {
        comment_reply_error(r, 500, "internal", "out of memory", NULL);
        return;
    }
    r->body = j->api_json; /* the receiver takes it */
    r->len = j->api_len;
    j->api_json = NULL;
}

/* ============================================================ stages */

int comment_job_decode(comment_job *j, const char *body, size_t len, const char *site) {
    model_comment *cm = &j->cm;
    codec_error ce;
    if (codec_decode_comment_req(body, len, cm, (size_t)j->cfg->max_body, &ce) < 0) {
        comment_job_error(j, ce.status, ce.code, ce.text, ce.field);
        return -1;
    }
    cm->site = strdup(site);
    if (!cm->id) {
        char id[40];
        model_new_id(id);
        cm->id = strdup(id);
    }
    if (!cm->site || !cm->id) {
        comment_job_error(j, 500, "internal", "out of memory", NULL);
        return -1;
    }
    return 0;
}

int comment_job_analyse(comment_job *j) {
    const modq_config *cfg = j->cfg;
    model_comment *cm = &j->cm;
    engine_session *sess = comment_session(j->p);
    j->ec = (engine_comment){cm->text, strlen(cm->text), cm->author.name, cm->author.email,
                             cm->author.url, cm->author.ip, cm->parent_id};
    engine_error ee;
    memset(&ee, 0, sizeof ee);
    if (!sess || engine_prepare(sess, &j->ec, &j->f, &ee) < 0) {
        comment_job_error(j, 422, ee.code == ENGINE_E_INVALID_UTF8 ? "invalid_utf8" : "invalid_field",
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
    if (!cm->received_ms) cm->received_ms = clock_wall_ms(); /* an edit keeps its own */
    comment_learn_begin(cm, f, &j->lr); /* classifier tokens and reputation ids */
    j->q = (store_lookup_req){cm->site, cm->id, cm->article_id, f->exact_hash, f->has_minhash,
                              f->band, f->terms, f->nterms, cm->author_key, cm->author.ip,
                              (unsigned)cfg->thread_context, j->lr.tokens, j->lr.ntokens,
                              j->lr.rep, j->lr.nrep, (unsigned)cfg->learn_min_decisions,
                              learn_can_vote, 0};
    /* the site's profile as cached: the look-up reads the settings again
     * only when Redis holds another version */
    j->prof = comment_profile_cached(j->p->profiles, cm->site, j->file);
    j->q.settings_ver = j->prof ? j->prof->ver : 0;
    j->claim_until_ms = clock_mono_ms() + COMMENT_CLAIM_WAIT_MS;
    return 0;
}

/* The engine's duplicate candidates from the look-up's (dm: room for all);
 * returns how many (a candidate with neither exact match nor MinHash
 * cannot be compared and is left out). */
static size_t dup_matches(const store_lookup *lk, engine_dup_match *dm) {
    size_t n = 0;
    for (size_t i = 0; i < lk->ndups; i++) {
        if (!lk->dups[i].has_minhash && !lk->dups[i].exact) continue;
        memset(&dm[n], 0, sizeof dm[n]);
        dm[n].comment_id = lk->dups[i].id;
        dm[n].author_key = lk->dups[i].author_key;
        dm[n].exact = lk->dups[i].exact;
        memcpy(dm[n].minhash, lk->dups[i].minhash, sizeof dm[n].minhash);
        n++;
    }
    return n;
}

static int same_str(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* 1 when a repeated post of an id carries the stored comment's content
 * (text and author): the idempotent repeat, not a reuse of the id. */
static int same_content(const model_comment *posted, const model_comment *stored) {
    return same_str(posted->text, stored->text) &&
           same_str(posted->author.name, stored->author.name) &&
           same_str(posted->author.email, stored->author.email) &&
           same_str(posted->author.url, stored->author.url);
}

/* The answer to a post reusing a stored id with other content. */
static void id_conflict(comment_job *j) {
    comment_job_error(j, 409, "id_conflict",
                      "a comment with this id is stored with different content", "id");
}

int comment_job_judge(comment_job *j) {
    const modq_config *cfg = j->cfg;
    model_comment *cm = &j->cm;
    store_lookup *lk = &j->lk;
    j->wh_events = j->have ? lk->webhook_events : 0;
    if (j->have && lk->existing) {
        model_comment old;
        codec_error ce;
        if (codec_decode_comment(lk->existing, lk->existing_len, &old, &ce) < 0) {
            comment_job_error(j, 500, "internal", "stored comment is unreadable", NULL);
            return COMMENT_FAILED;
        }
        if (!same_content(cm, &old)) {
            model_comment_free(&old);
            id_conflict(j);
            return COMMENT_FAILED;
        }
        model_comment_free(cm);
        *cm = old;
        return COMMENT_EXISTING;
    }
    if (j->have && !lk->claimed) {
        store_lookup_free(lk);
        j->have = 0;
        return COMMENT_BUSY;
    }
    /* context for scoring */
    engine_session *sess = comment_session(j->p);
    engine_article ea;
    engine_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.author_key = cm->author_key;
    ctx.learned_spam_prob = -1;
    engine_dup_match dm[1 + ENGINE_LSH_BANDS];
    if (j->have) {
        const model_article *art =
            lk->article ? comment_article_decoded(lk->article, lk->article_len) : NULL;
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
            if (lk->nrefs < lk->thread_len || !sess ||
                !engine_thread_hold(sess, (const char *const *)lk->thread_refs, lk->thread_len))
                return COMMENT_TEXTS;
            ctx.thread_held = 1;
        }
        ctx.flood_count = lk->flood_count;
        ctx.ndups = dup_matches(lk, dm);
        ctx.dups = dm;
        comment_learn_context(
            cfg, engine_profile_config(comment_file_profile(j->file))->threshold_reject, &j->lr,
            lk, &ctx);
        if (lk->settings_read && (!j->prof || j->prof->ver != lk->settings_ver)) {
            comment_profile_release(j->prof); /* built once per version */
            j->prof = comment_profile_build(j->p->profiles, cm->site, lk->settings_ver,
                                            lk->settings, lk->settings_len, j->file);
        }
    }
    ctx.profile = comment_profile_engine(j->prof, j->file);
    if (j->prof && !j->prof->learning) ctx.learned_spam_prob = -1; /* the classifier abstains */
    if (!sess) {
        comment_job_error(j, 500, "internal", "out of memory", NULL);
        return COMMENT_FAILED;
    }
    engine_verdict v;
    engine_score(sess, j->f, &j->ec, &ctx, &v);
    comment_learn_annotate(&j->lr, &v);
    if (v.status == ENGINE_APPROVED && cfg->thread_context > 0)
        engine_thread_remember(sess, j->f, cm->text); /* it joins the thread */
    cm->status = cm->auto_status = (model_status)v.status;
    cm->score = v.score;
    cm->relevance = v.relevance;
    int nomem = 0;
    for (size_t i = 0; i < v.nflags; i++) {
        if (model_comment_add_flag(cm, v.flags[i].code, v.flags[i].score, v.flags[i].detail,
                                   v.flags[i].evidence) < 0) {
            nomem = 1;
            continue;
        }
        /* a quote of the text (words, a span, a link as written) is shown
         * where it stands; other evidence (another comment's id, a
         * value) has no place in it */
        int d = engine_detector_find(v.flags[i].code);
        const engine_detector_row *row = d >= 0 ? engine_detector_info((size_t)d) : NULL;
        if (row && (row->evidence == ENGINE_EVIDENCE_SPAN || row->evidence == ENGINE_EVIDENCE_WORDS ||
                    row->evidence == ENGINE_EVIDENCE_LINKS))
            model_flag_locate(&cm->flags[cm->nflags - 1], cm->text);
    }
    if (nomem || !(j->json = codec_encode_comment(cm, 1, &j->len))) {
        comment_job_error(j, 500, "internal", "out of memory", NULL);
        return COMMENT_FAILED;
    }
    comment_job_fill_write(cfg, j->prof, j->file, cm, j->json, j->len, &j->w);
    j->w.claimed = j->have; /* the look-up took the claim */
    j->w.held = j->have ? j->lk.held : 0; /* and saw these duplicate keys taken */
    return COMMENT_WRITE;
}

int comment_job_written(comment_job *j, int wr) {
    model_comment *cm = &j->cm;
    metrics *m = j->p->o.metrics;
    if (wr == 1) {
        j->created = 1;
    } else if (wr == 0) {
        model_comment old;
        codec_error ce;
        if (j->existing && codec_decode_comment(j->existing, j->elen, &old, &ce) == 0) {
            int same = same_content(cm, &old);
            if (same) {
                model_comment_free(cm);
                *cm = old;
            } else {
                model_comment_free(&old);
                free(j->existing);
                j->existing = NULL;
                id_conflict(j);
                return -1;
            }
        }
    } else {
        /* the record with its MinHash beside it: the replay writes the
         * exact key from the line alone (comment_spool.c) */
        size_t ll = 0;
        char *line = comment_spool_line(cm, j->json, j->len, &ll);
        int sp = line ? spool_append(j->p->o.spool, line, ll) : -1;
        free(line);
        if (sp < 0) {
            comment_job_error(j, 503, "redis_unavailable",
                              "Redis is unavailable and the local spool cannot be written", NULL);
            return -1;
        }
        metrics_spooled(m);
        j->created = 1;
    }
    free(j->existing);
    j->existing = NULL;
    if (j->created) {
        metrics_comment(m, model_status_name(cm->status));
        for (size_t i = 0; i < cm->nflags; i++) metrics_flag(m, cm->flags[i].code);
    }
    if (wr < 0) {
        /* Spooled: Redis could not say whether the id is stored already,
         * so no fresh verdict is promised. The answer is pending and
         * provisional (auto_status, score and flags are the engine's);
         * the replay settles it and tells the platform (comment_replay). */
        cm->status = MODEL_PENDING;
        cm->provisional = 1;
    }
    return 0;
}

void comment_job_fill_write(const modq_config *cfg, const comment_profile *prof,
                            const comment_file *file, const model_comment *cm, const char *json,
                            size_t len, store_write *w) {
    memset(w, 0, sizeof *w);
    w->site = cm->site;
    w->id = cm->id;
    w->article_id = cm->article_id;
    w->record = json;
    w->record_len = len;
    w->status = model_status_name(cm->status);
    w->score = cm->score;
    w->received_ms = cm->received_ms;
    w->retention_s = cfg->retention_days * 86400L;
    w->exact_hash = cm->exact_hash;
    w->has_minhash = cm->has_minhash;
    w->band = cm->band;
    w->minhash = cm->minhash;
    w->author_key = cm->author_key;
    w->ip = cm->author.ip;
    w->author_email = cm->author.email;
    w->author_name = cm->author.name;
    w->dup_window_s = cfg->dup_window_days * 86400L;
    w->flood_window_s = prof ? prof->flood_window
                        : file ? comment_file_config(file)->flood_window : cfg->flood_window;
    w->thread_text = (cm->status == MODEL_APPROVED && cfg->thread_context > 0) ? cm->text : NULL;
    if (w->thread_text) engine_thread_ref(w->thread_text, w->thread_ref);
    w->thread_max = (unsigned)cfg->thread_context;
    w->flags = cm->flags;
    w->nflags = cm->nflags;
}
