/* comment_private.h - internals shared by the comment_*.c files: the job,
 * its state machine's stages, the transport interface and its two
 * implementations, the driver, the learning hooks, the article cache.
 * Nothing outside service/comment/ includes this (tests do, through
 * PRIV_INC).
 */
#ifndef MODQ_COMMENT_PRIVATE_H
#define MODQ_COMMENT_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>

#include "comment.h"
#include "learn.h"
#include "log.h"

/* ================================================= learning (comment_learn.c) */

#define COMMENT_LEARN_MAX_REP (2 + LEARN_MAX_DOMAINS) /* author, IP, domains */

/* What a comment's look-up asks for learning: tokens (stems + "d:<host>",
 * "u:<host>") and reputation identities. Fill with comment_learn_begin,
 * release with comment_learn_end. */
typedef struct comment_learn_req {
    char **tokens;      /* borrowed stems + owned host tokens */
    size_t ntokens;
    size_t nowned_from; /* tokens[nowned_from..] are owned */
    char **rep;         /* owned "a:", "i:", "d:" identities */
    size_t nrep;
    int rep_kind[COMMENT_LEARN_MAX_REP]; /* learn_rep_kind per rep entry */
    char evidence[ENGINE_EVIDENCE_LEN];  /* reputation detail (ctx borrows) */
    double reputation;
    unsigned author_ham;
} comment_learn_req;

/* Tokens and identities of a prepared comment (f from engine_prepare,
 * c->author_key set). Out of memory leaves r empty (learning is skipped,
 * the comment is still analysed). */
void comment_learn_begin(const model_comment *c, const engine_features *f, comment_learn_req *r);
/* ctx->learned_spam_prob / reputation / reputation_detail from the
 * looked-up counts (ctx borrows r->evidence); threshold_reject is the
 * file layer's. */
void comment_learn_context(const modq_config *cfg, double threshold_reject, comment_learn_req *r,
                           const store_lookup *lk, engine_context *ctx);
/* After engine_score: the trusted_author flag (score 0, the discount
 * explained) when the author is trusted. */
void comment_learn_annotate(const comment_learn_req *r, engine_verdict *v);
void comment_learn_end(comment_learn_req *r);

/* ================================================ site profiles (comment_profile.c) */

/* A site's settings as the pipeline scores with them, at one version,
 * over one file layer. */
typedef struct comment_profile {
    atomic_int refs;
    uint64_t ver;       /* the settings version it was built at (0: none) */
    comment_file *file; /* the layer it was built over (a reference) */
    engine_profile *ep; /* the site's overlay over file's; NULL: file's */
    long flood_window;  /* seconds: the site's, else the file's */
    int learning;       /* 0: the site's classifier neither votes nor learns */
} comment_profile;

/* The engine profile p scores with (p NULL: file's). Borrowed. */
const engine_profile *comment_profile_engine(const comment_profile *p, const comment_file *file);

/* The cache of site profiles, shared by every thread. */
typedef struct comment_profiles comment_profiles;
/* Returns new cache (free with comment_profiles_free, NULL is a no-op),
 * or NULL when out of memory. */
comment_profiles *comment_profiles_new(void);
void comment_profiles_free(comment_profiles *c);
/* Let go of every cached profile not built over file, so that the
 * layers they hold can go (a site's next comment builds its profile
 * anew). NULL c: no-op. */
void comment_profiles_forget(comment_profiles *c, const comment_file *file);
/* A reference to site's cached profile (release with
 * comment_profile_release), or NULL when none is cached over file (one
 * built over an earlier layer is no longer current). */
comment_profile *comment_profile_cached(comment_profiles *c, const char *site,
                                        const comment_file *file);
/* Site's profile at version ver from its stored document doc (NULL:
 * none) over file, replacing the cached one: a reference, or NULL when
 * out of memory (the file's settings then). */
comment_profile *comment_profile_build(comment_profiles *c, const char *site, uint64_t ver,
                                       const char *doc, size_t len, comment_file *file);
/* Site's profile over file at the version Redis holds, read on s (one
 * GET, and the document when the cached profile is older): a reference,
 * or NULL. */
comment_profile *comment_profile_current(comment_profiles *c, store *s, const char *site,
                                         comment_file *file);
void comment_profile_release(comment_profile *p); /* NULL is a no-op */

/* ========================================= decoded articles (comment_article.c) */

/* The decoded content of a stored article (borrowed: valid until this
 * thread's next call), or NULL when it cannot be decoded (or no memory). */
const model_article *comment_article_decoded(const char *raw, size_t len);

/* ================================================ transports (comment_transport.c) */

/* A transport's completion: rc as the store's blocking call returns. */
typedef void (*comment_io_done)(void *ctx, int rc);

/* The round trips of a comment, each "submit, and call back once when
 * done": 0 submitted (cb runs later, maybe on another thread), -1 not
 * submitted (out of memory, or an unknown event: no callback). What a call
 * points to must live until its callback. cb may be NULL for claim_drop
 * (nobody waits for it). */
typedef struct comment_transport {
    void *arg;
    /* store_comment_lookup, sent no sooner than delay_ms from now */
    int (*lookup)(void *arg, const store_lookup_req *q, store_lookup *out, int delay_ms,
                  comment_io_done cb, void *ctx);
    /* store_thread_texts */
    int (*thread_texts)(void *arg, const store_lookup_req *q, store_lookup *out,
                        comment_io_done cb, void *ctx);
    /* store_comment_write; *existing (new, may stay NULL) when rc is 0 */
    int (*write)(void *arg, const store_write *w, char **existing, size_t *elen,
                 comment_io_done cb, void *ctx);
    /* store_claim_drop */
    int (*claim_drop)(void *arg, const char *site, const char *id, comment_io_done cb,
                      void *ctx);
    /* webhook_notify */
    int (*webhook_notify)(void *arg, const char *site, const char *event, const char *json,
                          size_t len, comment_io_done cb, void *ctx);
} comment_transport;

/* Through the pipe's lanes: callbacks run on a lane's thread. */
void comment_transport_pipe(comment_transport *t, store_pipe *pp);

/* On a pool connection, on the caller's thread: each call does its round
 * trip(s) at once, with a connection borrowed for it, and records its
 * completion; comment_sync_run delivers the completions, one after the
 * other, until a callback submits nothing more -- so a chain of stages is
 * a loop, not a recursion. */
typedef struct comment_sync {
    store_pool *pool;
    comment_io_done cb; /* the pending completion (NULL: none) */
    void *ctx;
    int rc;
} comment_sync;
void comment_transport_sync(comment_transport *t, comment_sync *st, store_pool *pool);
void comment_sync_run(comment_sync *st);

/* ========================================================= the job (comment_job.c) */

/* One comment on its way: decoded, analysed, looked up, judged, written,
 * answered. Owns everything it points to except p (and the body and site
 * it was decoded from). */
typedef struct comment_job {
    comment_pipeline *p;
    const modq_config *cfg;
    comment_transport t;     /* the driver's round trips */
    model_comment cm;
    engine_comment ec;       /* borrows cm's strings */
    engine_features *f;
    comment_learn_req lr;
    comment_file *file;      /* the file layer it is judged over (a reference) */
    comment_profile *prof;   /* the site's profile (a reference), or NULL */
    store_lookup_req q;      /* borrows f, lr, cm */
    store_lookup lk;
    int have;                /* lk holds what Redis said */
    char *json;              /* the record (storage JSON) */
    size_t len;
    store_write w;           /* borrows cm, json */
    char *existing;          /* the write found the id stored: its record */
    size_t elen;
    char *api_json;          /* cm in API form: the webhook's and the answer's */
    size_t api_len;
    unsigned wh_events;      /* webhook events the site subscribed */
    int created;
    long long claim_until_ms;
    comment_reply err;       /* the answer when a stage failed */
    /* how it is answered */
    comment_done_fn done;
    void *done_ctx;
    int want_body;           /* answer with cm in API form */
    model_comment *cm_out;   /* comment_process: cm goes back here */
    int *created_out;
    int slot;                /* holds one of COMMENT_MAX_PIPELINED */
    char request_id[LOG_REQUEST_MAX + 1]; /* the request it answers ("": none) */
} comment_job;

/* What comment_job_judge says comes next. */
enum {
    COMMENT_WRITE,    /* scored: j->json and j->w ready */
    COMMENT_EXISTING, /* the id was stored: cm is now the stored comment */
    COMMENT_BUSY,     /* another request holds the id's claim: look again */
    COMMENT_TEXTS,    /* the engine's cache lacks a thread text: fetch the
                         texts (lk.thread_len = how many came), judge again */
    COMMENT_FAILED    /* j->err filled */
};

/* A zeroed job for p (NULL when out of memory); free with comment_job_free
 * (NULL is a no-op). */
comment_job *comment_job_new(comment_pipeline *p, const comment_transport *t);
void comment_job_free(comment_job *j);
/* j->err = the error answer. */
void comment_job_error(comment_job *j, int status, const char *code, const char *message,
                       const char *field);
/* The stages. decode: the request body into j->cm for site (an id made
 * when it has none). analyse: engine_prepare and the look-up's keys.
 * Each 0, or -1 with j->err filled. */
int comment_job_decode(comment_job *j, const char *body, size_t len, const char *site);
int comment_job_analyse(comment_job *j);
/* Once the look-up is back (j->have, j->lk): COMMENT_* above. */
int comment_job_judge(comment_job *j);
/* Once the write is back (wr as store_comment_write returned, j->existing
 * its record when 0): the record spooled when Redis did not take it,
 * j->created, the metrics. 0, or -1 with j->err filled (503; 409
 * id_conflict when the stored record has other content). */
int comment_job_written(comment_job *j, int wr);
/* The store_write of a record (live writes and replays): the flood
 * window is the site's (prof; NULL: file's, then cfg's). */
void comment_job_fill_write(const modq_config *cfg, const comment_profile *prof,
                            const comment_file *file, const model_comment *cm, const char *json,
                            size_t len, store_write *w);
/* ======================================= the spool form (comment_spool.c) */

/* The spool line of a comment whose stored record is rec (len bytes):
 * the record with cm's MinHash beside it (the record alone when cm has
 * none). Returns new (free()), NUL-terminated, *out_len its length; NULL
 * when out of memory. */
char *comment_spool_line(const model_comment *cm, const char *rec, size_t len, size_t *out_len);
/* The parts of a spool line: *rec, *rec_len its record (borrowed from
 * line). Returns 1 with minhash[] filled when the line carries the
 * MinHash beside the record, 0 for a record alone (a text without one, or
 * a line of the older layout, whose record holds it as "mh"), -1 when
 * the MinHash part is malformed. */
int comment_spool_split(const char *line, size_t len, const char **rec, size_t *rec_len,
                        uint32_t minhash[MODEL_MINHASH_N]);

/* The one reply builder: the answer of j (ok: the comment; else j->err)
 * into *r. */
void comment_job_reply(comment_job *j, int ok, comment_reply *r);
/* *r = an error answer. */
void comment_reply_error(comment_reply *r, int status, const char *code, const char *message,
                         const char *field);

/* ========================================================= the driver (comment_drive.c) */

/* Run j from its look-up (decoded and analysed) to its answer. */
void comment_drive(comment_job *j);
/* Answer j (ok: with the comment, else j->err) and free it. */
void comment_drive_finish(comment_job *j, int ok);

/* =============================================================== the pipeline (comment.c) */

struct comment_pipeline {
    comment_options o;
    comment_transport pipe; /* over o.pipe (when set) */
    atomic_int pipelined;   /* slots taken */
    comment_profiles *profiles; /* per-site settings (comment_profile.c) */
    pthread_mutex_t mu;     /* guards the waiting queue */
    struct comment_waiting *head, *tail;
};

/* The calling thread's engine session, NULL when out of memory. */
engine_session *comment_session(const comment_pipeline *p);
/* Give back a slot: the oldest waiting comment takes it (any thread). */
void comment_slot_release(comment_pipeline *p);

#endif
