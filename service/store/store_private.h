/* store_private.h - internals shared by the store_*.c files (the Redis
 * layer, split by concern).
 *
 * Declares the pool and connection structs and, file by file, what the
 * files of service/store/ call in one another. Dependencies run one way:
 * store_keys.c, store_cache.c and store_sentinel.c need nothing;
 * store_cluster.c the address parser of store_sentinel.c; store_pool.c the
 * sentinel client, the cluster map and the cache; store_cmd.c the pool
 * (and the cluster map, to split a batch per node);
 * store_script.c the commands; every data file (articles, look-up,
 * comments, learning, review, webhooks, limits) the commands, scripts and
 * keys; the look-up also the df reads of store_article.c and the learning
 * reads of store_learn.c; the pipe (store_pipe.c) the look-up and write
 * halves, the pool's node connections, the cluster map and the units of
 * store_cmd.c -- and no file calls back up that chain. Nothing outside
 * service/store/ (and the store's unit tests) includes this.
 */
#ifndef MODQ_STORE_PRIVATE_H
#define MODQ_STORE_PRIVATE_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>

#include "store.h"
#include "store_keys.h"

/* After a failed connect, skip Redis for this long before trying again. */
#define STORE_RETRY_MS 250
#define STORE_MAX_ARGS 96 /* largest pipeline argv we build: a decision's
                            15 keys, 16 values, its audit entry and a
                            key per flag of the comment */

/* Primaries (and nodes named by redirects) a cluster pool knows at most:
 * a store keeps one context slot per node (store_cluster.c). */
#define STORE_CLUSTER_MAX_NODES 64

struct store {
    redisContext *c; /* cluster pool: borrowed, = node[cur] */
    redisContext *node[STORE_CLUSTER_MAX_NODES]; /* cluster pool: per node */
    int cur; /* cluster pool: the node c talks to */
    store_pool *pool;
    int in_use;
    unsigned gen; /* sentinel generation c was resolved under */
    unsigned long serial; /* connections made so far (store_pipe.c) */
    /* the connection WATCHes a record key (a spool replay's write, until
     * its EXEC or store_release) */
    int watching;
    /* a MOVED reply came on this store since the caller cleared it: its
     * command did not run (the slot is served elsewhere), so the caller
     * may send it again (store_route then picks the new node) */
    int moved;
    /* a pipeline lane's store (store_pipe.c): its connections may have
     * requests in flight, so only the lane knows when one is idle and may
     * be checked with store_forget_closed */
    int pipelined;
};

/* Redis Sentinel client (store_sentinel.c); NULL in a pool without one. */
typedef struct store_sentinel store_sentinel;
/* Redis Cluster slot map (store_cluster.c); NULL in a pool without one. */
typedef struct store_cluster store_cluster;
/* Per-site look-up cache (store_cache.c), one per pool. */
typedef struct store_cache store_cache;

struct store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    store *conns;
    unsigned n;
    char host[256];
    int port;
    int db;
    char user[128];
    char pass[256];
    int timeout_ms;
    int wait_replicas;        /* WAIT for this many replicas per comment write */
    int wait_timeout_ms;
    atomic_llong down_until_ms;
    atomic_int up;
    atomic_ulong errors;
    store_sentinel *sentinel; /* set: host/port come from the sentinels */
    store_cluster *cluster;   /* set: each command goes to its slot's node */
    atomic_ulong redirects;   /* MOVED / ASK replies followed */
    store_cache *cache;       /* owned: look-up cache (store_cache.c) */
    /* borrowed (store_options): the per-flag queue codes */
    const char *const *flag_codes;
    size_t nflag_codes;
};

/* One command's argv (binary-safe). */
typedef struct cmd {
    int argc;
    const char *argv[STORE_MAX_ARGS];
    size_t len[STORE_MAX_ARGS];
} cmd;

/* ---- the pool (store_pool.c) ---- */
/* Make sure s has a live context. 0 ok, -1 Redis is down. */
int store_ready_(store *s);
/* Drop a failed connection and open the short "down" window. */
void store_drop(store *s);
/* Make s talk to the node serving key's slot (cluster pool; any other pool:
 * store_ready_). 0, or -1 when no node serves it or the node is down. */
int store_route(store *s, const char *key, size_t len);
/* The same for any key of site (the slot of its {site} hash tag). */
int store_route_site(store *s, const char *site);
/* Make s talk to cluster node i (connecting when needed). 0, or -1. */
int store_use_node(store *s, int node);
/* Close s's connection (node: a cluster pool's node, else -1: s->c) when
 * the server closed it while it sat idle (Redis restarted, its `timeout`
 * fired, a failover): nothing was in flight on it, so nothing failed and
 * no down window opens; the next command dials afresh instead of failing
 * on a dead socket. Only for a connection with nothing in flight. */
void store_forget_closed(store *s, int node);

/* The random amount a version counter (dfver, setver) grows by at a
 * change: 1..2^31 (store_article.c explains why not 1). */
uint64_t store_version_step(void);

/* ---- commands and replies (store_cmd.c) ---- */
void store_arg(cmd *c, const char *s, size_t n);
void store_args(cmd *c, const char *s);
/* Append every argument up to a NULL (C strings) to c. */
void store_cmd(cmd *c, ...) __attribute__((sentinel));
/* Pipeline ncmd commands, replies[i] new (free_replies). -1 on transport
 * failure (connection dropped, nothing to free). Error replies count as
 * success here: check replies[i]->type -- except READONLY (the node was
 * demoted to a replica), which drops the connection like a transport
 * failure so the next connect finds the new primary. */
int store_run(store *s, cmd *cmds, int ncmd, redisReply **replies);
/* Collect n replies of commands appended to s (replies new, free with
 * store_free_replies): 0, or -1 when the connection failed or a READONLY
 * reply came (dropped; nothing to free). */
int store_collect(store *s, redisReply **replies, int n);
/* An error reply: logged and counted (in a cluster pool a MOVED / ASK
 * counted as a redirect, and with TRYAGAIN logged at debug only: the
 * cluster's own "not now"); -1 for READONLY (a demoted primary: the
 * connection must be dropped), else 0. */
int store_reply_check(store *s, const redisReply *r);
/* Append ncmd commands to s's output buffer (sent by the next reply read).
 * 0, or -1 when out of memory (the caller drops the connection). */
int store_append_cmds(store *s, const cmd *cmds, int ncmd);
void store_free_replies(redisReply **r, int n);
/* The units a cluster pool sends whole to one node (store_run; the pipe's
 * redirects): the end of the unit starting at cmds[i] (a MULTI ... EXEC
 * block, or one command). */
int store_unit_end(const cmd *cmds, int ncmd, int i);
/* 1 when c names a key (its node is its slot's), 0 for a command without
 * one (MULTI, EXEC, WAIT, ...: it goes with the unit before it). */
int store_cmd_has_key(const cmd *c);
/* Append "HMGET key fields..." to s's pipeline, leaving out fields[i] where
 * skip (may be NULL) has skip[i] set. 0, or -1 (nothing appended). */
int store_append_hmget(store *s, const char *key, const char *const *fields, size_t n,
                       const unsigned char *skip);
/* v in decimal into out (NUL-terminated): the numbers of every comment's
 * commands, without snprintf's machinery. */
void store_dec(char out[24], long long v);
/* New NUL-terminated copy of a string reply (len optional), NULL otherwise. */
char *store_dup_str(redisReply *r, size_t *len);
/* The string of a string reply, taken from it (no copy: hiredis allocated
 * it with malloc and NUL-terminated it; the reply is left without it; the
 * caller frees it), or NULL. */
char *store_take_str(redisReply *r, size_t *len);
/* Takes the strings of an array reply (as store_take_str) into *out (a new
 * array, NULL when empty; the caller frees both) and *n. */
void store_take_list(redisReply *r, char ***out, size_t *n);
/* GET of one key: 1 and *out (new, free()) when found, 0 absent, -1 on
 * Redis trouble. */
int store_get_one(store *s, const char *k, char **out, size_t *len);

/* ---- Lua scripts (store_script.c) ----
 * The one way the store runs a script. A call is EVALSHA with the SHA-1 of
 * the source, computed locally once per script (no SCRIPT LOAD round trip;
 * thread-safe), so the source travels only when the server has no copy:
 * on a NOSCRIPT reply (empty script cache after a restart, a failover or
 * SCRIPT FLUSH) the call is sent once more as EVAL with the source, which
 * also caches it again. Define each script once, with static storage:
 *     static store_script S_X = STORE_SCRIPT(X_LUA);  (X_LUA a char array) */
typedef struct store_script {
    const char *src;  /* borrowed: the Lua source, static storage */
    atomic_int ready; /* sha is filled (set once: release / acquire) */
    char sha[41];     /* lowercase hex SHA-1 of src ("" if unavailable:
                         every call then falls back to EVAL) */
} store_script;
#define STORE_SCRIPT(lua) {(lua), 0, ""}
/* Start c (cleared here) as "EVALSHA <sha of sc> <nkeys>" (0 <= nkeys <
 * STORE_MAX_ARGS); append the nkeys KEYS, then ARGV, with store_arg*. */
void store_eval_begin(cmd *c, store_script *sc, int nkeys);
/* Send c[0] (begun by store_eval_begin for sc) and c[1..ncmd-1] (other
 * commands riding along, may be none) in one round trip; when c[0] is
 * answered NOSCRIPT, send it once more alone as EVAL with the source
 * (c[0] is left as last sent). Returns 0 with r[0..ncmd-1] new (free
 * with store_free_replies; error replies included), -1 on transport
 * failure or when a command reached STORE_MAX_ARGS (store_arg drops
 * arguments beyond it; logged) -- nothing to free then. */
int store_eval(store *s, store_script *sc, cmd *c, int ncmd, redisReply **r);
/* Turn c, begun by store_eval_begin for sc, into "EVAL <source> ...": the
 * form to send again after a NOSCRIPT reply. */
void store_eval_full(cmd *c, const store_script *sc);
/* 1 when r is a NOSCRIPT error (the server lacks the script: send the call
 * again with store_eval_full), else 0. */
int store_noscript(const redisReply *r);

/* ---- Sentinel (store_sentinel.c) ---- */
/* Parse "host:port,..." and the master name, start the watcher thread.
 * Returns new (free with store_sentinel_free, which stops the thread; NULL
 * is a no-op) or NULL with err naming the key. */
store_sentinel *store_sentinel_new(const char *list, const char *master, int timeout_ms,
                                   char *err, size_t errlen);
void store_sentinel_free(store_sentinel *st);
/* Ask the sentinels (the one that answered last first) for the primary.
 * 0 with host/port and the generation of that answer, -1 when none names
 * one (logged). Thread-safe. */
int store_sentinel_primary(store_sentinel *st, char *host, size_t hostlen, int *port,
                           unsigned *gen);
/* Current generation; a connection made under an older one must be dropped
 * (the sentinels have named another primary since). */
unsigned store_sentinel_generation(store_sentinel *st);
/* ROLE on a set-up context: 0 when the node is a primary, -1 otherwise. */
int store_sentinel_check_role(redisContext *c, const char *host, int port);

/* "host:port" or "[v6]:port" of length len into host / *port. 0, or -1
 * (malformed, host longer than hostlen - 1). */
int store_hostport(const char *s, size_t len, char *host, size_t hostlen, int *port);

/* ---- Redis Cluster (store_cluster.c) ----
 * Key -> slot (CRC16 of the key or of its {hash tag}, as the cluster spec
 * defines), and the slot map: which primary serves each of the 16384
 * slots, read with CLUSTER SLOTS from a known primary or a seed node. Nodes
 * are numbered as first seen and keep their number for the map's life (a
 * store's node[] contexts are indexed by it). The map is read again when
 * it is older than STORE_CLUSTER_REFRESH_MS, after a connection error and
 * after a MOVED reply (which also moves that one slot at once). A node
 * whose connection failed is left alone for a short window of its own,
 * while the other nodes keep serving. Thread-safe
 * (one mutex); holds no data connection. */
#define STORE_CLUSTER_SLOTS 16384
/* CRC16-XMODEM (polynomial 0x1021, initial value 0) of n bytes. */
uint16_t store_crc16(const char *s, size_t n);
/* The slot of a key: of the text inside its first {...} when that is not
 * empty, else of the whole key. */
unsigned store_key_slot(const char *key, size_t n);
/* Parse "host:port,..." seeds (user / pass: AUTH for every node, "" for
 * none). Returns new (free with store_cluster_free; NULL is a no-op) or
 * NULL with err naming the key. Nothing is contacted here. */
store_cluster *store_cluster_new(const char *seeds, int timeout_ms, const char *user,
                                 const char *pass, char *err, size_t errlen);
void store_cluster_free(store_cluster *cl);
/* The node serving slot (reading the map first when it is due), or -1
 * when no reachable node names one. */
int store_cluster_node(store_cluster *cl, unsigned slot);
/* Node i's address into host / *port. 0, or -1 (no such node). */
int store_cluster_addr(store_cluster *cl, int i, char *host, size_t hostlen, int *port);
/* A redirect error reply ("MOVED <slot> <host>:<port>" or "ASK ..."; an
 * empty host means the host of node from, the node that answered): 1 for
 * MOVED (the slot is moved to that node in the map, and the whole map is
 * read again at the next look-up), 2 for ASK (map untouched), each with
 * *node = the target's number; 0 when err is neither (or the node table
 * is full). */
int store_cluster_redirect(store_cluster *cl, const char *err, int from, int *node);
/* A connection to node failed: read the map again at the next look-up,
 * and open the node's short retry window (store_cluster_node_down: 1
 * inside it, when a call to that node fails at once; 0 otherwise). */
void store_cluster_node_failed(store_cluster *cl, int node);
int store_cluster_node_down(store_cluster *cl, int node);
/* Numbers of the nodes serving at least one slot (at most max) into out;
 * returns how many. For the views that gather from every primary. */
int store_cluster_primaries(store_cluster *cl, int *out, int max);
/* Slots the map assigns to a node (16384 when the cluster is covered). */
unsigned store_cluster_covered(store_cluster *cl);

/* ---- look-up cache (store_cache.c) ----
 * What a comment look-up need not ask Redis again: a site's document
 * frequencies, each filed under the site's df version (modq:{S}:dfver) it
 * was read at, and the learner's decision totals. Bounded (fixed tables,
 * about 4 MiB; a colliding entry replaces the older one) and thread-safe
 * (one mutex). A hit is only as good as its version: the caller checks it
 * against Redis' dfver in the same round trip and refetches on a change. */
#define STORE_CACHE_TERMS 65536 /* df entries: the stems of a few busy sites */
#define STORE_CACHE_SITES 1024  /* sites remembered (dfver, learner totals) */
#define STORE_CACHE_SITE_MAX 64 /* = MODEL_MAX_SITE; longer: not cached */
#define STORE_CACHE_STEM_MAX 43 /* longer stems are not cached: an entry
                                   stays 64 bytes */
/* Returns new (free with store_cache_free; NULL is a no-op), NULL on OOM. */
store_cache *store_cache_new(void);
void store_cache_free(store_cache *c);
/* For each terms[i] cached for site at the site's last-seen df version:
 * df[i] = the value, hit[i] = 1; other hit[i] = 0, df[i] untouched. Returns
 * the number of hits and, when > 0, *ver = the version they were read at. */
size_t store_cache_df_get(store_cache *c, const char *site, char *const *terms, size_t n,
                          uint32_t *df, unsigned char *hit, uint64_t *ver);
/* Redis answered df[i] for terms[i] at version ver (all in one MULTI with
 * the version): file them, except where skip (may be NULL) is set, and make
 * ver the site's last-seen version. */
void store_cache_df_put(store_cache *c, const char *site, uint64_t ver, char *const *terms,
                        const uint32_t *df, const unsigned char *skip, size_t n);
/* The site's learner totals last seen: 1 with *nspam / *nham and the
 * learner version (modq:{S}:learnver) they were read at, 0 unknown. */
int store_cache_learn_get(store_cache *c, const char *site, uint32_t *nspam, uint32_t *nham,
                          uint64_t *ver);
void store_cache_learn_put(store_cache *c, const char *site, uint32_t nspam, uint32_t nham,
                           uint64_t ver);
/* The webhook events (webhook_event_bit mask) the site subscribed, as last
 * read at webhook version ver (modq:{S}:whver): 1 with both, 0 unknown. */
int store_cache_webhook_get(store_cache *c, const char *site, unsigned *events, uint64_t *ver);
void store_cache_webhook_put(store_cache *c, const char *site, unsigned events, uint64_t ver);
/* Stored articles under their version (modq:{S}:artver:<id>, absent = 0):
 * version gives the version the slot of site / id holds (1, or 0 when it
 * holds none); get copies the JSON cached at exactly ver into *json (new,
 * free(); NULL when no article was stored at that version): 1, 0 not
 * cached at ver, -1 out of memory; put files json (NULL: no article) read
 * at ver, replacing what the slot held (not cached when longer than
 * STORE_CACHE_ARTICLE_MAX). */
/* Near-duplicate candidates' signatures: the author and MinHash of the
 * first poster of a text, as its exact key (modq:{S}:dup:x:<h>) holds
 * them, by site and exact hash h. An exact key is written once (SET NX)
 * and only ever deleted, in the same transaction or script as the band
 * keys naming its poster, so an entry is good while a band key names the
 * same id: get answers 1 (d filled, strings new) only then. */
#define STORE_CACHE_SIGS 4096
int store_cache_sig_get(store_cache *c, const char *site, uint64_t h, const char *id,
                        store_dup *d);
void store_cache_sig_put(store_cache *c, const char *site, uint64_t h, const store_dup *d);
#define STORE_CACHE_ARTICLES 128        /* the busy articles of a moment */
#define STORE_CACHE_ARTICLE_MAX 65536   /* larger ones are read each time: the
                                           table stays under 8 MB */
int store_cache_article_version(store_cache *c, const char *site, const char *id,
                                uint64_t *ver);
int store_cache_article_get(store_cache *c, const char *site, const char *id, uint64_t ver,
                            char **json, size_t *len);
void store_cache_article_put(store_cache *c, const char *site, const char *id, uint64_t ver,
                             const char *json, size_t len);

/* ---- document frequencies in a look-up (store_article.c) ----
 * The df reads of a comment look-up (store_lookup.c): kdf / kver are the
 * site's df and dfver keys. Append the reads of the terms not in skip
 * (NULL: all; nskip of them set): GET dfver alone when all are skipped,
 * else MULTI, GET dfver, HMGET df <terms>, EXEC. Returns the number of
 * commands appended, -1 on failure (the caller drops the connection). */
int store_article_df_append(store *s, const char *kdf, const char *kver, char *const *terms,
                            size_t nterms, const unsigned char *skip, size_t nskip);
/* Parse the n replies of store_article_df_append (same skip): the df of
 * each term not in skip into df, the version into *ver. Returns 1, 0 when
 * dfver holds no number (the values are good, but nothing may be filed
 * under a version), -1 on an error reply inside EXEC (logged). */
int store_article_df_read(store *s, redisReply **rep, int n, size_t nterms,
                          const unsigned char *skip, uint32_t *df, uint64_t *ver);

/* ---- learning look-ups (store_learn.c) inside store_comment_lookup ---- */
#define STORE_LEARN_LOOKUP_CMDS 5 /* commands appended at most */
/* 1 when the look-up of q should ask for the per-token classifier counts:
 * q has tokens and the site's cached totals let the classifier vote, or
 * are unknown. 0: ask for the totals only (the classifier would abstain). */
int store_learn_lookup_tokens(store_pool *p, const store_lookup_req *q);
/* Append the classifier reads (token counts only with tokens, the totals
 * only with totals: the look-up holds them cached under modq:{S}:learnver
 * otherwise) and, with rep, the reputation reads of q to s's pipeline.
 * Returns the number appended (0 when q asks for none), -1 on failure (the
 * caller drops the connection). */
int store_learn_lookup_append(store *s, const store_lookup_req *q, int tokens, int totals,
                              int rep);
/* Parse the n replies of those commands (same tokens / totals / rep) into
 * out (arrays new, freed by store_lookup_free; the totals left as they are
 * without totals). Error-free replies are guaranteed by the caller. */
void store_learn_lookup_read(const store_lookup_req *q, int tokens, int totals, int rep,
                             redisReply **r, int n, store_lookup *out);
/* 1 when the token counts were not asked for but the totals now in out let
 * the classifier vote: the caller asks again (tokens 1, rep 0). */
int store_learn_lookup_more(const store_lookup_req *q, int tokens, const store_lookup *out);
/* File out's totals as the site's last seen, read at learner version ver
 * (after a look-up succeeded). */
void store_learn_lookup_remember(store_pool *p, const store_lookup_req *q,
                                 const store_lookup *out, uint64_t ver);

/* ---- a comment's look-up in halves (store_lookup.c) ---- */
/* The same look-up in halves, so that the look-ups of many requests can
 * share one round trip (store_pipe.c): begin (no I/O; reads the pool's
 * df cache; NULL when out of memory), append its commands to s's output
 * buffer (returns how many replies to collect, -1 on failure: drop the
 * connection), read those replies (0 with *out filled; 1 with *out filled
 * so far, when a second round trip is needed; -1 on an error reply, out
 * left empty). The second round trip has halves too: more_append (after
 * read returned 1; the number of replies, -1: drop the connection) and
 * more_read (0 with *out complete; -1 on an error reply, out freed). A
 * caller that gives up between the two frees out with store_lookup_free.
 * store_comment_lookup is these halves with a wait for each reply. q must
 * outlive op; free op with store_lookup_op_free. */
typedef struct store_lookup_op store_lookup_op;
store_lookup_op *store_lookup_begin(store_pool *p, const store_lookup_req *q);
int store_lookup_append(store *s, store_lookup_op *op);
int store_lookup_read(store *s, store_lookup_op *op, redisReply **rep, store_lookup *out);
int store_lookup_more_append(store *s, store_lookup_op *op, const store_lookup *out);
int store_lookup_more_read(store *s, store_lookup_op *op, redisReply **rep, store_lookup *out);
void store_lookup_op_free(store_lookup_op *op);
/* store_thread_texts in halves: append returns the number of replies (1)
 * or -1 (drop the connection); read 0, or -1 on an error reply. */
int store_thread_texts_append(store *s, const store_lookup_req *q);
int store_thread_texts_read(redisReply *r, store_lookup *out);

/* ---- a comment's write in halves (store_comment.c) ---- */
/* The write of a claimed comment (w->claimed) in halves, for pipelining
 * (see store_lookup_begin): append returns the number of replies to
 * collect (st filled) or -1 (drop the connection); read returns 1 written,
 * 0 aborted (the record watched by a replay's write changed), -1 not
 * written (error reply, or too few replicas acknowledged). */
/* LTRIM's stop index of an author log, spelled for commands and scripts */
#define STORE_AUTHOR_LOG_LAST "4"
_Static_assert(STORE_AUTHOR_LOG_MAX == 5, "STORE_AUTHOR_LOG_LAST is STORE_AUTHOR_LOG_MAX - 1");
#define STORE_WRITE_MAX_CMDS \
    (2 + 3 + 1 + STORE_MAX_FLAGS + 2 + 1 + STORE_LSH_BANDS + 4 + 4 + 3 + 4 + 6 + 6 + 4)
typedef struct store_write_state {
    int n, i_exec, i_wait;
} store_write_state;
int store_write_append(store *s, const store_write *w, store_write_state *st);
int store_write_read(store *s, const store_write *w, const store_write_state *st,
                     redisReply **rep);


/* ---- the verdict and decision events (store_webhook.c) ----
 * webhook_notify in halves, for pipelining: append the notify script call
 * (EVALSHA; EVAL with the source when full) queueing json for event under
 * the delivery id (WEBHOOK_ID_LEN hex digits); 1 reply to collect, or -1:
 * an unknown event or out of memory (nothing usable appended: drop the
 * connection). read takes that reply: 1 queued, 0 the site does not
 * subscribe, -1 an error reply, STORE_EVAL_AGAIN when the server lacks
 * the script (append again with full set). webhook_notify is these halves
 * with a wait for each reply. */
#define STORE_EVAL_AGAIN 2
int store_webhook_notify_append(store *s, const char *site, const char *event,
                                const char *json, size_t len, const char *id, int full);
int store_webhook_notify_read(const redisReply *r, const char *site, const char *event,
                              const char *id);

#endif
