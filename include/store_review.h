/* store_review.h - Redis side of the moderator review workflow and of
 * learning: queue pages, claims with leases, releases, decisions,
 * statistics, the audit stream and the classifier/reputation counters.
 *
 * Implemented by service/store/store_review.c and store_learn.c (hiredis
 * only there). Every queue transition is one Lua script, so it is atomic;
 * lease times use the Redis clock. Keys: service/store/store_keys.h and
 * docs/review.md. The handlers and the comment-path hooks are review.h's
 * (which includes this); the pure learning math is learn.h's.
 *
 * Leases are an overlay on the pending queue: a claimed item stays in
 * modq:{S}:pending; modq:{S}:leases (id -> expiry ms, Redis clock) and
 * modq:{S}:lease_owner (id -> moderator) say who holds it. An item whose
 * expiry has passed is free again for every reader (claim, list, decision)
 * without anyone having to move it back; the claim script also deletes
 * expired lease entries as housekeeping.
 */
#ifndef MODQ_STORE_REVIEW_H
#define MODQ_STORE_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "store.h"

/* Limits of the Redis side, each with its reason (the API's are review.h's). */
#define REVIEW_CLAIM_SCAN_MAX 5000 /* entries a claim walks (past leased ones):
                                      bounds the script's time in Redis */
#define REVIEW_MODERATOR_MAX 128   /* moderator names: a person or account */
#define REVIEW_HOUR_MINUTES 60     /* per-minute counters summed for an hour */
#define REVIEW_COUNTER_TTL 3720    /* seconds a minute counter lives (62 min) */
/* Per-flag queues a stats or purge call may cover: the pool's flag codes
 * (store_options), at most STORE_MAX_FLAG_CODES. */
#define REVIEW_NFLAG_CODES STORE_MAX_FLAG_CODES

/* Flag code i of the per-flag queues of p: store_options.flag_codes[i]
 * (borrowed, lives as long as the pool's options), NULL when i is out of
 * range. */
const char *store_review_flag_code(const store_pool *p, int i);

/* ================================================== queue pages and claims */

/* A queue entry. */
typedef struct review_entry {
    char site[MODEL_MAX_SITE + 1];
    char id[MODEL_MAX_ID + 1];
    long long ms;      /* the index's key: enqueue ms (pending), filed ms
                          (folders) or score x STORE_SCORE_SCALE (byscore) */
} review_entry;

/* The indexes a page reads. */
typedef enum review_folder {
    REVIEW_F_PENDING = 0,
    REVIEW_F_REJECTED = 1,
    REVIEW_F_APPROVED = 2
} review_folder;

/* Status name of a folder ("pending", "rejected", "approved"). Static. */
const char *store_review_folder_name(review_folder f);

/* Where a page starts inside one site's index (entries ordered by key,
 * then id, ascending or descending): from the start (any = 1), or beyond
 * ms (excl = 1: strictly beyond, in the page's direction), or at ms
 * skipping ids up to tie_id (in the page's direction). */
typedef struct review_pos {
    int any;
    long long ms;
    int excl;
    const char *tie_id; /* borrowed, may be NULL */
} review_pos;

/* Which index of a site a page reads, and in which direction. */
typedef struct review_index {
    review_folder folder;
    const char *flag; /* pending, not by score: the per-flag queue */
    int by_score;     /* modq:{S}:byscore:<folder> instead of time order */
    int desc;         /* highest key first */
} review_index;

/* Up to want entries of site's index ix from pos. Returns 0 with *n
 * filled, -1 on Redis trouble. */
int store_review_range(store *s, const char *site, const review_index *ix,
                       const review_pos *pos, size_t want, review_entry *out,
                       size_t *n);

/* State of listed entries. */
typedef struct review_state {
    char *record;               /* storage JSON (new) or NULL when gone */
    size_t record_len;
    char claimed_by[REVIEW_MODERATOR_MAX + 1]; /* "" when not leased */
    long long lease_expires_ms; /* 0 when not leased or expired */
} review_state;

/* Records and live leases of n entries, *now_ms = Redis clock. Returns 0 with
 * out[0..n) filled (free with store_review_states_free), -1 on trouble. */
int store_review_states(store *s, const review_entry *e, size_t n,
                        review_state *out, long long *now_ms);
void store_review_states_free(review_state *st, size_t n);

/* Claim (dry = 0) up to limit of the oldest unleased entries of site's
 * pending queue (or its flag subset) for lease_s seconds, in one script that
 * first drops expired leases; dry = 1 only lists what a claim would take.
 * Returns 0 with out[0..*n) (oldest first) and *now_ms (Redis clock),
 * -1 on Redis trouble. */
int store_review_claim(store *s, const char *site, const char *flag,
                       const char *moderator, long lease_s, size_t limit,
                       int dry, review_entry *out, size_t *n, long long *now_ms);

/* Give back the live leases moderator holds on ids (one script).
 * released[i] = 1 when ids[i] was held by moderator and is now free, 0 when
 * it was not held (by them, or at all). Returns 0 or -1. */
int store_review_release(store *s, const char *site, const char *moderator,
                         char *const *ids, size_t n, int *released);

/* Remove an id whose record has expired from every queue index of site
 * (checked inside the script: a live record is left alone). 0 / -1. */
int store_review_purge(store *s, const char *site, const char *id);

/* ================================================================ context */

#define REVIEW_THREAD_MAX 3  /* neighbours shown: the exchange just before */

/* What the store keeps around one listed item (all strings new, NULL when
 * absent; free with store_review_context_free). */
typedef struct review_context {
    char *parent;            /* the parent's storage JSON */
    size_t parent_len;
    size_t nthread;          /* up to REVIEW_THREAD_MAX, oldest first */
    char *thread[REVIEW_THREAD_MAX];
    size_t thread_len[REVIEW_THREAD_MAX];
    int has_author;          /* the author hash exists */
    long long approved, rejected, pending, first_seen_ms;
    size_t nlog;             /* newest first */
    char *log[STORE_AUTHOR_LOG_MAX]; /* "id\x1fstatus\x1fby\x1fat_ms" */
} review_context;

/* The item a context is read for (borrowed strings; parent_id, article_id
 * and author_key may be NULL or ""). */
typedef struct review_context_req {
    const char *site, *id, *article_id, *parent_id, *author_key;
    long long received_ms;
} review_context_req;

/* Contexts of n items in two pipelined round trips. Returns 0 with out[]
 * filled, -1 on Redis trouble (out[] then empty). */
int store_review_context(store *s, const review_context_req *rq, size_t n,
                         review_context *out);
void store_review_context_free(review_context *c, size_t n);

/* ================================================================ decisions */

typedef struct review_decide {
    const char *site, *id, *article_id;
    const char *moderator;
    const char *decision;         /* "approve" | "reject" */
    const char *old_record;       /* storage JSON as read (compare-and-set) */
    size_t old_len;
    const char *new_record;       /* storage JSON to write */
    size_t new_len;
    const char *new_status, *prev_status, *auto_status;
    const char *prev_by;          /* earlier decider or NULL */
    int override;
    const char *reason, *note;    /* NULL when absent */
    long long at_ms, received_ms;
    const char *author_key;       /* the record's author key ("" unknown) */
    double score;                 /* the record's score (byscore index) */
    long retention_s;             /* TTL of the author keys */
    const model_flag *flags;      /* the record's flags: per-flag queues */
    size_t nflags;
    const char *thread_push;      /* text to push on the thread list, or NULL */
    const char *thread_remove;    /* text to remove from it, or NULL */
    char thread_ref[STORE_THREAD_REF_LEN]; /* that text's reference (as in
                                              store_write), pushed or
                                              removed with it */
    unsigned thread_max;
} review_decide;

enum {
    REVIEW_DONE = 0,    /* written */
    REVIEW_CHANGED = 1, /* the record changed since it was read: re-read */
    REVIEW_GONE = 2,    /* the record no longer exists */
    REVIEW_LEASED = 3   /* a live lease of another moderator */
};

/* One script: compare-and-set of the record, lease check, leave the pending
 * queues, drop the lease, file it in its folder (and its score index) and
 * out of the other, the author's counts and log, thread list, audit XADD,
 * per-minute counter. Returns REVIEW_* (for REVIEW_LEASED the
 * holder and expiry go to owner / *expires_ms), or -1 on Redis trouble. */
int store_review_decide(store *s, const review_decide *d, char *owner,
                        size_t owner_len, long long *expires_ms);

/* ============================================================ stats, audit */

typedef struct review_stats {
    long long pending;        /* items awaiting a decision */
    long long claimed;        /* of which under a live lease */
    long long rejected;       /* in the rejected folder */
    long long oldest_ms;      /* enqueue ms of the oldest pending, 0 = none */
    long long decisions_hour; /* decisions in the last 60 minutes */
    long long by_flag[STORE_MAX_FLAG_CODES]; /* pending per store_review_flag_code
                                                (the pool's codes; 0 beyond them) */
    long long now_ms;         /* Redis clock */
} review_stats;

/* Returns 0 with *out filled, -1 on Redis trouble. */
int store_review_stats(store *s, const char *site, review_stats *out);

/* Sites in modq:sites (sorted). Returns 0 with *sites new (NULL-terminated;
 * free with store_review_sites_free), -1 on error. */
int store_review_sites(store *s, char ***sites);
void store_review_sites_free(char **sites); /* NULL is a no-op */

/* One audit stream entry (strings new). */
typedef struct review_audit {
    char site[MODEL_MAX_SITE + 1];
    char sid[48];           /* stream id "ms-seq" */
    long long ms, seq;
    char **fields;          /* nfields names and values, alternating */
    size_t nfields;
} review_audit;

/* Entries of site's audit stream from start ("ms", "ms-seq", "(ms-seq"),
 * oldest first, at most count. Returns 0 with *out (new array, free with
 * store_review_audit_free) and *n, -1 on Redis trouble. */
int store_review_audit(store *s, const char *site, const char *start,
                       size_t count, review_audit **out, size_t *n);
void store_review_audit_free(review_audit *a, size_t n);

/* ================================================ learning (store_learn.c) */

/* Train site's classifier and reputation with one comment's tokens and
 * identities ("a:<author>", "i:<ip>", "d:<domain>") as spam (1) or ham (0),
 * in one script. With id set, a per-comment marker makes it idempotent and
 * reversible: the same label again changes nothing, the other label first
 * un-trains the old one. report (1): a client's report (Akismet
 * submit-spam/ham), not a moderator's decision: it trains the classifier
 * only, never the reputation, and never changes what a decision taught
 * (the marker says which kind trained it). Returns 1 trained, 2
 * re-labelled, 0 unchanged, -1 on Redis trouble. */
int store_learn_train(store *s, const char *site, const char *id, int spam, int report,
                      char *const *tokens, size_t ntokens, char *const *rep,
                      size_t nrep, long marker_ttl_s);

#endif
