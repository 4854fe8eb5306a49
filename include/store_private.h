/* store_private.h - internals shared by the store_*.c files (the Redis
 * module is split by concern: store.c core and comments, store_review.c the
 * review queue, ...). Nothing outside service/store*.c includes this.
 */
#ifndef MODQ_STORE_PRIVATE_H
#define MODQ_STORE_PRIVATE_H

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>

#include "store.h"

/* After a failed connect, skip Redis for this long before trying again. */
#define STORE_RETRY_MS 250
#define STORE_MAX_ARGS 64 /* largest pipeline argv we build */

struct store {
    redisContext *c;
    store_pool *pool;
    int in_use;
    unsigned gen; /* sentinel generation c was resolved under */
    unsigned long serial; /* connections made so far: a new one has no watch */
    /* a comment record key WATCHed by store_comment_lookup for the write of
     * the same request (connection `watch_serial`) */
    int watching;
    unsigned long watch_serial;
    char watch_key[STORE_KEY_MAX];
};

/* Redis Sentinel client (store_sentinel.c); NULL in a pool without one. */
typedef struct store_sentinel store_sentinel;

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
};

/* One command's argv (binary-safe). */
typedef struct cmd {
    int argc;
    const char *argv[STORE_MAX_ARGS];
    size_t len[STORE_MAX_ARGS];
} cmd;

long long store_now_ms(void);
/* Make sure s has a live context. 0 ok, -1 Redis is down. */
int store_ready_(store *s);
/* Drop a failed connection and open the short "down" window. */
void store_drop(store *s);
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
void store_free_replies(redisReply **r, int n);
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

/* ---- learning look-ups (store_learn.c) inside store_comment_lookup ---- */
#define STORE_LEARN_LOOKUP_CMDS 5 /* commands appended at most */
/* Append the classifier / reputation reads of q to s's pipeline. Returns
 * the number appended (0 when q asks for none), -1 on failure (the caller
 * drops the connection). */
int store_learn_lookup_append(store *s, const store_lookup_req *q);
/* Parse the n replies of those commands into out (arrays new, freed by
 * store_lookup_free). Error-free replies are guaranteed by the caller. */
void store_learn_lookup_read(const store_lookup_req *q, redisReply **rep, int n,
                             store_lookup *out);

/* Remember that s's connection WATCHes the record key kc. */
void store_watching(store *s, const char *kc);

/* "modq:{site}:<part><rest>" into buf. Returns length or -1 if too long. */
int store_key(char *buf, size_t n, const char *site, const char *part, const char *rest);
/* New NUL-terminated copy of a string reply (len optional), NULL otherwise. */
char *store_dup_str(redisReply *r, size_t *len);

#endif
