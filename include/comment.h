/* comment.h - the comment pipeline: a posted comment's way from its
 * request body to a stored verdict and an answer.
 *
 * One state machine per comment: decode -> analyse (engine_prepare) ->
 * look up (idempotency claim, article, thread, duplicates, df, flood,
 * learning counts, the site's settings version) -> judge (engine_score
 * with that context and the site's profile, comment_profile.c; the thread's
 * texts are fetched and the comment judged again when the engine's cache
 * lacks one) -> write (record, queues, duplicate keys, counters; the spool
 * when Redis cannot take it) -> the "verdict" webhook event -> answer.
 * One driver runs it over a transport: the store's pipe (lanes sharing
 * round trips: comment_post) or a pool connection (comment_post with wait,
 * comment_process, comment_replay, and every comment when there is no
 * pipe). Idempotency by comment id: of concurrent requests for one id only
 * the one holding its claim writes; the others wait for the record (up to
 * COMMENT_CLAIM_WAIT_MS, then 409 comment_in_progress).
 *
 * The layer sits below the API and above the engine, the store and the
 * codec: it knows nothing of HTTP (an answer is a comment_reply: status,
 * JSON body or error, Retry-After) and nothing of routes.
 */
#ifndef MODQ_COMMENT_H
#define MODQ_COMMENT_H

#include <stddef.h>

#include "config.h"
#include "engine.h"
#include "metrics.h"
#include "model.h"
#include "spool.h"
#include "store.h"

/* How long a comment waits for another request with the same comment id
 * (which holds the id's claim) to store it, before answering 409; and how
 * often it looks again meanwhile. */
#define COMMENT_CLAIM_WAIT_MS 3000
#define COMMENT_CLAIM_POLL_MS 5
/* Comments in the pipe at once, at most: each holds its job (~5 KB) and,
 * while its look-up is out, that look-up's replies. Beyond this a
 * comment_post waits, undecoded, for a slot, so memory stays flat however
 * many connections send at once, and no caller ever blocks on Redis. */
#define COMMENT_MAX_PIPELINED 64

typedef struct comment_pipeline comment_pipeline;

/* The file layer: the settings a verdict is made with as the config file
 * gives them (thresholds, word and domain lists, flood limits, detector
 * weights and switches), compiled over the engine once per load of the
 * file, under every site's own settings (comment_profile.c). Immutable
 * and reference-counted: a comment holds the layer it started with to its
 * answer, and a reload (api_live.c) publishes a new one beside the old,
 * which goes with its last holder. */
typedef struct comment_file comment_file;
/* Returns new layer (one reference: comment_file_release) from cfg
 * (copied) over e (borrowed: must outlive it), or NULL with err naming
 * the bad key ("weight_x: unknown detector code ...") or "out of memory". */
comment_file *comment_file_new(const engine *e, const modq_config *cfg, char *err, size_t n);
/* Another reference to f (returned); NULL is passed through. */
comment_file *comment_file_ref(comment_file *f);
void comment_file_release(comment_file *f); /* NULL is a no-op */
/* The configuration f was built from, with which keys the file or the
 * environment set (config_key_set), and the engine settings it compiles
 * to (engine_profile_config/_weight/_enabled). Borrowed while f lives. */
const modq_config *comment_file_config(const comment_file *f);
const engine_profile *comment_file_profile(const comment_file *f);

/* What the pipeline works with; all borrowed, and must outlive it. */
typedef struct comment_options {
    const modq_config *cfg;
    /* The calling thread's engine session (borrowed; NULL when out of
     * memory): comments are analysed on callers' threads and judged on
     * the pipe's. */
    engine_session *(*session)(void *arg);
    void *session_arg;
    store_pool *pool;
    store_pipe *pipe; /* NULL: every comment on a pool connection */
    spool *spool;
    metrics *metrics;
    const engine *eng; /* the engine the sessions belong to: sites'
                          profiles overlay it */
    /* The file layer current now: a new reference (NULL when there is
     * none), taken by each comment for its whole way; session_arg is its
     * argument. */
    comment_file *(*file)(void *arg);
} comment_options;

/* Returns new pipeline (free with comment_pipeline_free) or NULL (out of
 * memory). */
comment_pipeline *comment_pipeline_new(const comment_options *o);
/* Once every comment was answered (and the pipe stopped). NULL: no-op. */
void comment_pipeline_free(comment_pipeline *p);

/* After a new file layer was published: the site profiles built over
 * earlier ones are let go at once instead of at each site's next comment
 * (a busy site's comment in flight keeps its own reference). */
void comment_pipeline_file_changed(comment_pipeline *p);

/* 1 when comment_post without wait answers later, from the pipe's
 * threads (the pipeline has a pipe), 0 when it always answers at once. */
int comment_pipelined(const comment_pipeline *p);

/* An answer. */
typedef struct comment_reply {
    int status;        /* 201 stored now, 200 the id was stored before;
                          else the HTTP status of an error */
    char *body;        /* 2xx: the comment in API form (new: the receiver
                          takes it), NULL otherwise */
    size_t len;
    char code[40];     /* error: machine code ("comment_in_progress", ...) */
    char message[200]; /* error: for humans */
    char field[64];    /* error: request field at fault, "" when none */
    int retry_after_s; /* > 0: the client may retry after that many s */
} comment_reply;

/* Receives an answer: r is borrowed for the call, r->body is taken. */
typedef void (*comment_done_fn)(void *ctx, comment_reply *r);

/* The comment request body (JSON, len bytes) for site, analysed and
 * stored; done runs exactly once with the answer. wait = 0 and a pipe:
 * through the pipe (done runs later, on one of its threads, or at once on
 * failure), body borrowed until done (site is copied); beyond
 * COMMENT_MAX_PIPELINED comments it waits for a slot, undecoded.
 * Otherwise on this thread, on a pool connection: done has run when this
 * returns. */
void comment_post(comment_pipeline *p, const char *body, size_t len, const char *site, int wait,
                  comment_done_fn done, void *ctx);

/* The synchronous entry for a comment decoded by someone else (Akismet,
 * Coral): analyse cm under cm->site and store it, on a pool connection.
 * Returns 0 with *created = 1 (stored now) or 0 (the id was stored
 * before: cm is now the stored comment), or -1 with *err filled (422 the
 * text cannot be analysed, 409 in progress, 500, 503 nothing could
 * persist). cm stays the caller's either way. */
int comment_process(comment_pipeline *p, model_comment *cm, int *created, comment_reply *err);

/* Spool replay (spool_replay_fn; ctx is the pipeline): one spool line (the
 * stored record with its MinHash beside it, comment_spool.c) through the
 * write the live comments use (SET NX, the record's own hashes and band
 * keys, the line's MinHash). 0 stored or unreadable (skipped, logged), -1
 * Redis trouble (the rest stays spooled). */
int comment_replay(void *ctx, const char *line, size_t line_len);

/* Teach the site's classifier and reputation from a verdict a moderator
 * gave: spam = 1 rejected, 0 approved. report (1): a client's report
 * (Akismet submit-spam/ham) instead: it teaches the classifier only, never
 * an author's or IP's reputation, and never changes what a decision
 * taught (store_learn_train). s is the caller's connection. Best effort:
 * Redis trouble is logged, not returned. */
void comment_learn(comment_pipeline *p, store *s, const model_comment *c, int spam, int report);
/* The reputation field of an author key ("a:") or IP ("i:") as learning
 * counts it: prefix + 32 hex of SHA-256(v), into out (n >=
 * COMMENT_REP_FIELD_LEN). 0, or -1 when v is empty. */
#define COMMENT_REP_FIELD_LEN 40
int comment_rep_field(const char *prefix, const char *v, char *out, size_t n);

#endif
