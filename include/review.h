/* review.h - the moderator review workflow and learning: the API side
 * (limits) over the Redis side.
 *
 * The Redis side -- queue pages, claims with leases, releases, decisions,
 * statistics, the audit stream, training -- is store_review.h's (included
 * here, so a handler needs only this header). Handlers live in
 * service/api/api_review.c, the learning glue in
 * service/comment/comment_learn.c, the pure math in learn.h. Keys:
 * service/store/store_keys.h and docs/review.md.
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
#define REVIEW_Q_MAX 256           /* bytes of a text search: a few words */
#define REVIEW_Q_WORDS 8           /* words of a text search, all required */
#define REVIEW_AUTHOR_MAX 256      /* an author filter: a name or e-mail */
#define REVIEW_SNIPPET_CHARS 280   /* characters of a thread neighbour shown */
#define REVIEW_REASON_MAX MODEL_MAX_SHORT /* a short reason code or phrase */
#define REVIEW_NOTE_MAX 2048       /* a paragraph for colleagues */
#define REVIEW_AUDIT_DEFAULT 100
#define REVIEW_AUDIT_MAX 1000      /* entries per audit page */
#define REVIEW_CAS_RETRIES 8       /* decision retries when the record changed */

#endif
