/* store_script.c - the one way the store runs a Lua script: EVALSHA by a
 * locally computed SHA-1, EVAL with the source after NOSCRIPT.
 *
 * Owns each script's SHA-1 (hashed once, by the first caller, under one
 * mutex) and the NOSCRIPT fallback. The scripts themselves live with the
 * keys they touch (store_learn.c, store_review.c, store_webhook.c), each a
 * static store_script. Never loads scripts ahead (no SCRIPT LOAD round
 * trip) and never interprets a script's reply.
 */
#include <assert.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "crypto.h"
#include "log.h"
#include "store_private.h"

/* "0".."99", static: a key count is an argument that must outlive
 * store_eval_begin (cmd keeps pointers) */
#define NK10(t) t "0", t "1", t "2", t "3", t "4", t "5", t "6", t "7", t "8", t "9"
static const char *const NKEYS[] = {NK10(""),  NK10("1"), NK10("2"), NK10("3"),
                                    NK10("4"), NK10("5"), NK10("6"), NK10("7"),
                                    NK10("8"), NK10("9")};
_Static_assert(sizeof NKEYS / sizeof NKEYS[0] >= STORE_MAX_ARGS, "a count per argv slot");

static pthread_mutex_t script_mu = PTHREAD_MUTEX_INITIALIZER; /* each script's first SHA */

/* sc's SHA-1 (borrowed: lives as long as sc), hashed by the first caller. */
static const char *script_sha(store_script *sc) {
    if (!atomic_load_explicit(&sc->ready, memory_order_acquire)) {
        pthread_mutex_lock(&script_mu);
        if (!atomic_load_explicit(&sc->ready, memory_order_relaxed)) {
            crypto_sha1_hex(sc->src, strlen(sc->src), sc->sha);
            atomic_store_explicit(&sc->ready, 1, memory_order_release);
        }
        pthread_mutex_unlock(&script_mu);
    }
    return sc->sha;
}

void store_eval_begin(cmd *c, store_script *sc, int nkeys) {
    assert(nkeys >= 0 && nkeys < STORE_MAX_ARGS);
    memset(c, 0, sizeof *c);
    store_args(c, "EVALSHA");
    store_args(c, script_sha(sc));
    store_args(c, NKEYS[nkeys]);
}

void store_eval_full(cmd *c, const store_script *sc) {
    c->argv[0] = "EVAL";
    c->len[0] = 4;
    c->argv[1] = sc->src;
    c->len[1] = strlen(sc->src);
}

int store_noscript(const redisReply *r) {
    return r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0;
}

int store_eval(store *s, store_script *sc, cmd *c, int ncmd, redisReply **r) {
    for (int i = 0; i < ncmd; i++)
        if (c[i].argc >= STORE_MAX_ARGS) {
            log_msg(LOG_ERROR, "redis: script call has too many arguments");
            return -1;
        }
    if (store_run(s, c, ncmd, r) < 0) return -1;
    if (!store_noscript(r[0])) return 0;
    freeReplyObject(r[0]); /* the server's script cache is empty: EVAL refills it */
    store_eval_full(c, sc);
    if (store_run(s, c, 1, r) == 0) return 0;
    store_free_replies(r + 1, ncmd - 1);
    return -1;
}
