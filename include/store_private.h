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
};

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
    atomic_llong down_until_ms;
    atomic_int up;
    atomic_ulong errors;
    char write_sha[41];
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
/* Pipeline ncmd commands, replies[i] new (free_replies). -1 on transport
 * failure (connection dropped, nothing to free). Error replies count as
 * success here: check replies[i]->type. */
int store_run(store *s, cmd *cmds, int ncmd, redisReply **replies);
void store_free_replies(redisReply **r, int n);
/* "modq:{site}:<part><rest>" into buf. Returns length or -1 if too long. */
int store_key(char *buf, size_t n, const char *site, const char *part, const char *rest);
/* New NUL-terminated copy of a string reply (len optional), NULL otherwise. */
char *store_dup_str(redisReply *r, size_t *len);

#endif
