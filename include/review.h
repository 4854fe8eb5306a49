/* review.h - the moderator review workflow and learning: the API side
 * (limits, the comment-path learning hooks) over the Redis side.
 *
 * The Redis side -- queue pages, claims with leases, releases, decisions,
 * statistics, the audit stream, training -- is store_review.h's (included
 * here, so a handler needs only this header). Handlers live in
 * service/api/api_review.c, the learning glue in service/api/api_learn.c,
 * the pure math in learn.h. Keys: service/store/store_keys.h and
 * docs/review.md.
 */
#ifndef MODQ_REVIEW_H
#define MODQ_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "learn.h"
#include "model.h"
#include "store.h"
#include "store_review.h"

/* Limits of the API, each with its reason (the Redis side's are
 * store_review.h's). */
#define REVIEW_LIST_DEFAULT 50
#define REVIEW_LIST_MAX 200        /* items per page: one screen of a review UI */
#define REVIEW_CLAIM_DEFAULT 10
#define REVIEW_CLAIM_MAX 100       /* one sitting's work; more only hoards items */
#define REVIEW_LEASE_MIN 1         /* seconds; tests and quick triage */
#define REVIEW_LEASE_MAX 86400     /* a day, = the lease_seconds config maximum */
#define REVIEW_BULK_MAX 500        /* decisions per bulk request: bounds its work */
#define REVIEW_RELEASE_MAX 500     /* ids per release (= bulk) */
#define REVIEW_SCAN_MAX 2000       /* queue entries a filtered page examines */
#define REVIEW_REASON_MAX MODEL_MAX_SHORT /* a short reason code or phrase */
#define REVIEW_NOTE_MAX 2048       /* a paragraph for colleagues */
#define REVIEW_AUDIT_DEFAULT 100
#define REVIEW_AUDIT_MAX 1000      /* entries per audit page */
#define REVIEW_CAS_RETRIES 8       /* decision retries when the record changed */
/* The flag of a trusted author's comment (added by api_learn.c); main.c
 * lists it after the detectors' codes as a per-flag queue. */
#define REVIEW_TRUSTED_FLAG "trusted_author"

/* ================================= comment-path hooks (api_learn.c) */

struct app;

#define API_LEARN_MAX_REP (2 + LEARN_MAX_DOMAINS) /* author, IP, domains */

/* What the comment path looks up for learning: tokens (stems + "d:<host>")
 * and reputation identities. Fill with api_learn_begin, release with
 * api_learn_end. */
typedef struct api_learn_req {
    char **tokens;         /* borrowed stems + owned domain tokens */
    size_t ntokens;
    size_t nowned_from;    /* tokens[nowned_from..] are owned */
    char **rep;            /* owned "a:", "i:", "d:" identities */
    size_t nrep;
    int rep_kind[API_LEARN_MAX_REP];  /* learn_rep_kind per rep entry */
    char evidence[ENGINE_EVIDENCE_LEN]; /* reputation detail (ctx borrows) */
    double reputation;
    unsigned author_ham;
} api_learn_req;

/* Tokens and identities of a prepared comment (f from engine_prepare,
 * author_key already set in c). On out-of-memory the request is left empty
 * (learning is skipped, the comment is still analysed). */
void api_learn_begin(struct app *a, const model_comment *c,
                     const engine_features *f, api_learn_req *r);
/* Fill ctx->learned_spam_prob / reputation / reputation_detail from the
 * looked-up counts (ctx borrows r->evidence). */
void api_learn_context(struct app *a, api_learn_req *r, const store_lookup *lk,
                       engine_context *ctx);
/* After engine_score: add the REVIEW_TRUSTED_FLAG flag (score 0, the
 * discount explained) to v when the author is trusted. */
void api_learn_annotate(const api_learn_req *r, engine_verdict *v);
void api_learn_end(api_learn_req *r);

#endif
