/* store.h - Redis persistence: the only module that includes hiredis.h.
 *
 * A store_pool owns a fixed set of connections; a worker borrows one with
 * store_acquire() for the length of a request (hiredis contexts are not
 * thread-safe). When Redis is unreachable the pool opens a short circuit so
 * requests fail fast (every call returns -1 at once) instead of each
 * waiting for a timeout. All user text reaches Redis as binary-safe argv.
 *
 * Keys: every key modq keeps in Redis -- name, type, lifetime, and how
 * long the personal data in it lives -- is declared in one place, the
 * layout comment and the key parts of service/store/store_keys.h; every
 * key of a site carries the {site} hash tag. docs/deploy.md says what that
 * means for Redis Cluster.
 */
#ifndef MODQ_STORE_H
#define MODQ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define STORE_KEY_MAX 2600 /* prefix + site + a 2048-byte URL */
/* Shapes of what the store keeps for a comment: the record's (model.h). */
#define STORE_MINHASH_N MODEL_MINHASH_N  /* MinHash values in a band value */
#define STORE_LSH_BANDS MODEL_LSH_BANDS  /* duplicate band keys */
#define STORE_MAX_FLAGS MODEL_MAX_FLAGS  /* per-flag queues of one record */
#define STORE_THREAD_REF_LEN 40 /* a thread text's reference: "<16 hex>:<len>" */
#define STORE_AUTHOR_LOG_MAX 5 /* verdicts and decisions an author's log
                                  keeps: a glance, not a history */
#define STORE_SCORE_SCALE 1000.0 /* byscore zsets hold score x this,
                                    rounded: the 3 decimals a score is
                                    stored and shown with, as an integer
                                    key that merges and pages like the
                                    time-ordered queues */

typedef struct store store;
typedef struct store_pool store_pool;

/* Per-flag queue codes a pool may be given (store_options.flag_codes):
 * today's detectors and trusted_author are 15, so twice that leaves room
 * for more detectors. The bound keeps a per-flag purge one script call
 * (its 5 fixed keys + one per code + the id stay within the 64 arguments
 * a store command holds) and a stats call's commands on the stack. */
#define STORE_MAX_FLAG_CODES 32

typedef struct store_options {
    const char *url;      /* redis://[user:pass@]host:port[/db] */
    int timeout_ms;       /* connect and per-command timeout */
    unsigned size;        /* connections in the pool */
    const char *sentinels; /* "host:port,..." or NULL/"": connect to url's host */
    const char *master;    /* master name known to the sentinels */
    int wait_replicas;     /* 0: a write counts when the primary took it */
    int wait_timeout_ms;   /* bound of each WAIT (default 100) */
    /* The codes of the per-flag queues modq:{S}:pending:flag:<code> that
     * review statistics count and a purge clears (store_review.h), in the
     * order the statistics list them; borrowed, must outlive the pool. At
     * most STORE_MAX_FLAG_CODES; none: no per-flag counts. */
    const char *const *flag_codes;
    size_t nflag_codes;
    /* "host:port,..." seed nodes of a Redis Cluster, or NULL/"": one
     * primary (url or sentinels). With seeds, each site's work goes to the
     * primary of its {site} slot, url supplies only the password (its db
     * must be 0) and sentinels must be empty. */
    const char *cluster;
} store_options;

/* Returns new pool (free with store_pool_free) or NULL with err filled (for
 * a malformed URL, too many flag codes or no memory for the look-up cache:
 * an unreachable Redis is not an error here). The pool owns the look-up
 * cache (store_cache.c) and borrows o->flag_codes. */
store_pool *store_pool_new(const store_options *o, char *err, size_t errlen);
void store_pool_free(store_pool *p);

/* Borrow a connection; blocks while all are in use. Never NULL. Return it
 * with store_release(). */
store *store_acquire(store_pool *p);
void store_release(store_pool *p, store *s);

/* 1 when the last operation through the pool reached Redis. */
int store_pool_up(store_pool *p);
/* Redis errors (connection failures and error replies) since start. */
unsigned long store_pool_errors(store_pool *p);

/* A cluster pool's state: primaries in the slot map, slots the map
 * assigns (16384 when covered), MOVED / ASK replies followed since start. */
typedef struct store_cluster_state {
    unsigned primaries;
    unsigned slots;
    unsigned long redirects;
} store_cluster_state;
/* 1 with *out filled for a cluster pool, 0 for any other (out untouched). */
int store_pool_cluster_state(store_pool *p, store_cluster_state *out);

/* PING (in a cluster pool: every primary of the map, which must cover
 * every slot). Returns 0, or -1 with why filled. */
int store_ping(store *s, char *why, size_t n);

/* ---- articles ---- */

/* 1 and *json (new, free()) when found, 0 when absent, -1 on error. */
int store_article_get(store *s, const char *site, const char *id,
                      char **json, size_t *len);
/* Id of the article registered with a URL: 1 found (*id new), 0, -1. */
int store_article_by_url(store *s, const char *site, const char *url, char **id);
/* Write an article and adjust the site's document frequencies: +1 for each
 * of add_terms, -1 for each of del_terms, ndocs +1 when created. 0 / -1. */
int store_article_put(store *s, const char *site, const char *id,
                      const char *json, size_t len, const char *url,
                      const char *old_url, char *const *add_terms, size_t nadd,
                      char *const *del_terms, size_t ndel, int created);
/* Delete article id of site -- its record (json as read: deleted only
 * while still stored), permalink index entry (url, may be NULL), its terms
 * from df (a new df version), one from ndocs, and its thread lists -- in
 * one script. Its comments stay. Returns 1 deleted, 0 the record changed
 * since read, 2 no article, -1 on Redis trouble. */
int store_article_delete(store *s, const char *site, const char *id, const char *json,
                         size_t len, const char *url, char *const *terms, size_t nterms);

/* ---- comments ---- */

typedef struct store_lookup_req {
    const char *site;
    const char *comment_id;   /* NULL: no idempotency look-up */
    const char *article_id;
    uint64_t exact_hash;
    int has_minhash;
    const uint64_t *band;     /* STORE_LSH_BANDS keys when has_minhash */
    char *const *terms;       /* stems for df */
    size_t nterms;
    const char *author_key;
    const char *ip;           /* NULL when unknown */
    unsigned thread_n;        /* approved thread texts wanted */
    /* learning (store_learn.c): classifier tokens and reputation ids */
    char *const *learn_tokens;   /* stems and "d:<host>" */
    size_t nlearn;
    char *const *rep_fields;     /* "a:<author>", "i:<ip>", "d:<host>" */
    size_t nrep;
    unsigned learn_min_total;    /* learn_min_decisions: below it the token
                                    counts are not looked up */
    /* The classifier's rule (learn_can_vote, the caller's): 1 when it can
     * vote on totals nspam / nham; the token counts are looked up only
     * then. NULL: they never are. */
    int (*learn_can_vote)(uint32_t nspam, uint32_t nham, unsigned long min_total);
    /* The version of the site's settings the caller holds (0: none, or
     * never set): the document is read only when Redis has another. */
    uint64_t settings_ver;
} store_lookup_req;

typedef struct store_dup {
    char *id, *author_key;    /* new strings */
    uint32_t minhash[STORE_MINHASH_N];
    int has_minhash;
    int exact;
} store_dup;

typedef struct store_lookup {
    char *existing;           /* stored comment JSON when the id exists */
    size_t existing_len;
    char *article;            /* article JSON or NULL */
    size_t article_len;
    char **thread;            /* nthread new strings: the thread's texts,
                                 only after store_thread_texts */
    size_t nthread;
    char **thread_refs;       /* nrefs new strings: the references
                                 (as store_write.thread_ref) of the
                                 thread's texts, newest first */
    size_t nrefs;
    size_t thread_len;        /* texts in the thread (at most thread_n): more
                                 than nrefs when some have no reference */
    uint32_t *df;             /* nterms values */
    uint32_t ndocs;
    store_dup dups[1 + STORE_LSH_BANDS];
    size_t ndups;
    unsigned flood_count;     /* max of author and IP counters */
    unsigned held;            /* STORE_HELD_* of the duplicate keys found
                                 taken (store_write.held) */
    int claimed;              /* this look-up took the id's claim (below) */
    unsigned webhook_events;  /* webhook_event_bit() mask the site subscribed */
    /* learning: counts per learn token / rep field (new arrays, NULL when
     * not looked up: learn_spam / learn_ham are not when the totals say the
     * classifier cannot vote), decisions the classifier has seen */
    uint32_t *learn_spam, *learn_ham;
    uint32_t learn_nspam, learn_nham;
    uint32_t *rep_spam, *rep_ham;
    /* the site's settings: the version Redis holds (0: never set) and,
     * when it is not the request's settings_ver (settings_read = 1), the
     * stored document (new, NULL when none) read with it */
    uint64_t settings_ver;
    int settings_read;
    char *settings;
    size_t settings_len;
} store_lookup;

/* One round trip; a second one when a value the pool caches under a
 * version (the article, df values, the learner totals, the webhook events,
 * see store_lookup.c) changed since it was read, when the classifier has
 * just become able to vote, or when a band key names a near candidate of
 * another text (its author and MinHash are read from that text's exact
 * key). Returns 0 with *out filled (free with store_lookup_free), -1 on
 * Redis trouble (out left empty, the cache untouched). */
int store_comment_lookup(store *s, const store_lookup_req *r, store_lookup *out);
void store_lookup_free(store_lookup *l);
/* The thread's texts into out->thread / nthread (replacing any), for a
 * look-up whose references the caller's text cache lacks. 0, or -1 on
 * Redis trouble. */
int store_thread_texts(store *s, const store_lookup_req *q, store_lookup *out);

/* Claims. A look-up with a comment id also claims the id (SET NX of
 * modq:{S}:claim:<id>, expiring after STORE_CLAIM_MS): of concurrent
 * requests for one id, the one whose look-up found no record and took the
 * claim (out->claimed) writes it, with store_write.claimed set, which drops
 * the claim in the same transaction. A look-up that finds neither record
 * nor claim lost a race with a request still being processed: the caller
 * looks again a little later (or answers "in progress"). */
#define STORE_CLAIM_MS 30000
/* Drop the claim of a look-up that took it (out->claimed) but found the
 * record stored: nothing will be written, so nothing else would drop it.
 * 0, or -1 on Redis trouble (it then expires). */
int store_claim_drop(store *s, const char *site, const char *id);

/* Many requests' look-ups and writes in shared round trips: store_pipe
 * below. */

typedef struct store_write {
    const char *site, *id, *article_id;
    const char *record;        /* storage JSON */
    size_t record_len;
    const char *status;        /* "approved" | "pending" | "rejected" */
    double score;              /* the engine's score (byscore index) */
    long long received_ms;
    long retention_s;
    uint64_t exact_hash;
    int has_minhash;
    const uint64_t *band;
    const uint32_t *minhash;
    const char *author_key;
    const char *ip;
    const char *author_email, *author_name; /* the author index (NULL: none) */
    long dup_window_s;
    long flood_window_s;
    const char *thread_text;   /* pushed when approved; NULL to skip */
    char thread_ref[STORE_THREAD_REF_LEN]; /* its reference (the caller's
                                                hash of the text), pushed
                                                with it */
    unsigned thread_max;
    const model_flag *flags;   /* pending: also queued per flag code */
    size_t nflags;
    int claimed;               /* the writer's look-up took the id's claim;
                                  0: WATCH the record instead (spool replay) */
    unsigned held;             /* duplicate keys the writer's look-up found
                                  taken (store_lookup.held; 0: none known,
                                  a replay): their SET NX would not set
                                  them, so it is not sent */
} store_write;
/* store_lookup.held / store_write.held: bit b for band key b, and: */
#define STORE_HELD_BAND(b) (1u << (b))
#define STORE_HELD_EXACT (1u << STORE_LSH_BANDS)

/* Atomically store a new comment (SET NX), queue it when pending (and in
 * the per-flag queues), file it in the rejected or approved folder, index
 * it by score and under its article, count it in its author's history,
 * register duplicate keys, count flood, extend the thread, add it to the
 * identity index (e-mail, name, IP) and the listings (site, article). One
 * round trip.
 * Returns 1 written, 0 the id already existed (*existing = stored JSON, new,
 * may be NULL), -1 on Redis trouble. */
int store_comment_write(store *s, const store_write *w, char **existing,
                        size_t *existing_len);



/* ---- the pipelined comment path (store_pipe.c) ----
 * One thread with one connection of its own (in a cluster pool one per
 * primary, each request on its site's) sends the look-ups and writes
 * of every comment in flight together: what reached it while the previous
 * round trip was out goes in one write(2), and its replies come back in
 * one read(2), so a round trip's fixed costs (system calls, wake-ups, in
 * modq and in Redis) are shared by all the requests in it. A lane waits
 * on nothing but its own connections: a request needing a second round
 * trip (a look-up's, a script the server lacked, a cluster redirect) is
 * sent again on them. Redis serves them in order; each request's callback
 * runs on that thread when its last reply is in (or at once with rc -1
 * when Redis is down: the connection failed, or the oldest request waited
 * longer than redis_timeout_ms -- all in flight on that connection then
 * fail together). */
typedef struct store_pipe store_pipe;
/* Start nthreads lanes, each a thread with a connection of its own (made
 * by its first request); new requests are spread over them round robin,
 * a request's write goes on the lane of its look-up. NULL with err filled
 * on failure. */
store_pipe *store_pipe_start(store_pool *p, unsigned nthreads, char *err, size_t errlen);
/* Stop once every submitted request has had its callback; NULL is a no-op. */
void store_pipe_stop(store_pipe *pp);
/* The callback of a look-up or write: rc is what store_comment_lookup /
 * store_comment_write would have returned. Runs on the pipe's thread. */
typedef void (*store_pipe_done)(void *ctx, int rc);
/* Look up q into *out (both must live until the callback), sent no sooner
 * than delay_ms from now. 0 submitted, -1 out of memory (no callback). */
int store_pipe_lookup(store_pipe *pp, const store_lookup_req *q, store_lookup *out,
                      int delay_ms, store_pipe_done cb, void *ctx);
/* Write w (w->claimed must be set: its look-up claimed the id; w and
 * everything it points to must live until the callback). 0 submitted,
 * -1 out of memory (no callback). */
int store_pipe_write(store_pipe *pp, const store_write *w, store_pipe_done cb, void *ctx);

/* store_thread_texts through the pipe (q and out as for the look-up). 0
 * submitted, -1 out of memory (no callback). */
int store_pipe_thread_texts(store_pipe *pp, const store_lookup_req *q, store_lookup *out,
                            store_pipe_done cb, void *ctx);

/* store_claim_drop through the pipe (sent with the lane's next turn; cb
 * may be NULL: nobody waits for it). 0 submitted, -1 out of memory (no
 * callback). */
int store_pipe_claim_drop(store_pipe *pp, const char *site, const char *id, store_pipe_done cb,
                          void *ctx);

/* webhook_notify (store_webhook.h) through the pipe: rc as webhook_notify
 * returns. site, event and json must live until the callback. 0
 * submitted, -1 an unknown event or out of memory (no callback). */
int store_pipe_webhook_notify(store_pipe *pp, const char *site, const char *event,
                              const char *json, size_t len, store_pipe_done cb, void *ctx);

/* 1 and *json (new) when found, 0 absent, -1 error. */
int store_comment_get(store *s, const char *site, const char *id, char **json,
                      size_t *len);

/* ---- erasure (store_erase.c) ---- */
/* Author identity kinds of the author index (modq:{S}:author:<k>:<hash>) */
#define STORE_AUTHOR_EMAIL 'e'
#define STORE_AUTHOR_NAME 'n'
#define STORE_AUTHOR_IP 'i'
/* One comment as its record says (the caller decodes it), for erasure. */
typedef struct store_erase {
    const char *site, *id, *article_id;
    const char *record;      /* the record as read: erased only while it */
    size_t record_len;       /* is still the stored one */
    long long received_ms;
    const char *thread_text; /* approved: its thread entry; NULL: none */
    char thread_ref[STORE_THREAD_REF_LEN];
    uint64_t exact_hash;
    int has_minhash;
    uint64_t band[STORE_LSH_BANDS];
    const char *author_key, *ip, *author_email, *author_name;
    const char *status;      /* its status as its author's history counts it
                                ("pending", "rejected", "approved"); NULL:
                                none */
    const char *rep[2];      /* its reputation fields ("a:<hash>", "i:<hash>",
                                NULL: none), taken back by its learned label */
    int flood_live;          /* still inside the flood window: its counts
                                are taken back */
    const model_flag *flags; /* the per-flag queues it may be in */
    size_t nflags;
    int keep_deliveries;     /* webhook deliveries and dead letters carrying
                                it stay (an edit: they tell of verdicts
                                given) */
    const char *const *audit; /* the audit entry's field/value pairs (no */
    size_t naudit;            /* personal data), \x1f-free; 0: no entry
                                 (an edit replaces the record) */
} store_erase;
#define STORE_ERASE_CHANGED 0 /* the record changed since read: read again */
#define STORE_ERASED 1
#define STORE_ERASE_GONE 2 /* no record */
/* Remove the comment e and every trace of it (store_erase.c names them)
 * in one script, and append its audit entry. Returns STORE_ERASED,
 * STORE_ERASE_CHANGED, STORE_ERASE_GONE or -1 on Redis trouble. */
int store_comment_erase(store *s, const store_erase *e);
/* The ids of the comments on site whose author identity of kind
 * (STORE_AUTHOR_* of store_keys.h: 'e', 'n', 'i') is value: 0 and *ids
 * (new array of new strings, NULL when none; the caller frees each and
 * it), -1 on Redis trouble. */
int store_author_ids(store *s, const char *site, char kind, const char *value, char ***ids,
                     size_t *n);
/* Delete the per-author keys of e's identities (flood counters; with
 * sets, its author index sets too) and its reputation fields. 0, or -1 on
 * Redis trouble. */
int store_author_forget(store *s, const store_erase *e, int sets);

/* ---- listing (store_list.c) ---- */
/* One read of a listing: members "<13-digit received ms>:<id>" newest
 * first, and each one's record (NULL: gone, expired or erased). */
typedef struct store_list_page {
    char **members, **records; /* n each, new */
    size_t *lens;
    size_t n;
    int more; /* n reached the count asked: more may follow */
} store_list_page;
/* At most want (capped at 60) members of site's listing (article_id NULL) or of
 * an article's, strictly before the member before (NULL or "": from the
 * newest), with their records, into *pg (free with store_list_free).
 * 0, or -1 on Redis trouble (*pg empty). */
int store_list_read(store *s, const char *site, const char *article_id, const char *before,
                    size_t want, store_list_page *pg);
void store_list_free(store_list_page *pg); /* NULL is a no-op */

/* Review queue depth over all sites, or -1 on error. */
long long store_queue_depth(store *s);

/* ---- a site's settings (store_settings.c) ---- */

/* The stored settings document of site and its version (0: never set):
 * 1 and *doc (new, free()) when there is one, 0 when none, -1 on Redis
 * trouble. One round trip. */
int store_settings_get(store *s, const char *site, char **doc, size_t *len, uint64_t *ver);
/* Only the version (0: never set): 0, or -1 on Redis trouble. */
int store_settings_version(store *s, const char *site, uint64_t *ver);
/* Replace site's document with doc (NULL: remove it) when its version is
 * still expect, in one script: the version grows by a random step, the
 * site's audit stream gets an entry of the nfields strings (name, value
 * pairs) and "version", and the site joins modq:sites. Returns 1 with
 * *ver_out the new version, 0 when the version moved meanwhile (read
 * again), -1 on Redis trouble. */
int store_settings_put(store *s, const char *site, uint64_t expect, const char *doc, size_t len,
                       const char *const *fields, size_t nfields, uint64_t *ver_out);

/* ---- rate limits (store_limit.c) ---- */

enum { STORE_LIMIT_NONE = 0, STORE_LIMIT_IP, STORE_LIMIT_KEY, STORE_LIMIT_AUTH };

typedef struct store_limit_req {
    const char *ip;        /* client IP; NULL/"" skips the IP counters */
    const char *key_id;    /* hash of the API key that authenticated; NULL
                              skips the key counter */
    const char *fail_key_id; /* hash of the presented key of a failing
                                request; NULL skips its failure counter */
    long ip_limit;         /* requests per window per IP; 0 = off */
    long key_limit;        /* requests per window per key; 0 = off */
    long fail_limit;       /* failed auths per window per IP and per
                              presented key; 0 = off */
    int auth_failed;       /* 1: this request failed authentication (only
                              such requests touch the failure counters) */
    long window_s;         /* window length (60 for "per minute") */
} store_limit_req;

typedef struct store_limit_res {
    int limited;           /* STORE_LIMIT_*: which limit is exceeded */
    long retry_after;      /* seconds until the current window ends (>= 1) */
    long long ip_count, key_count; /* counts after this request */
    long long fail_ip_count, fail_key_count; /* failures after this one */
} store_limit_res;

/* ---- seen-once markers (store_once.c) ---- */

/* Mark id as seen in scope for ttl_s seconds (SET NX EX): 1 when it was
 * not seen before (it is marked), 0 when it already was, -1 on Redis
 * trouble or an id too long for a key. */
int store_once(store *s, const char *scope, const char *id, long ttl_s);

/* Count this request against every enabled limit in one round trip.
 * Returns 0 with *out filled (out->limited says whether to refuse), or -1
 * on Redis trouble (the caller fails open). */
int store_limit_check(store *s, const store_limit_req *q, store_limit_res *out);

#endif
