/* store_once.c - seen-once markers: "was this id already used?" in Redis.
 *
 * Owns the modq:once:* keys (store_keys.h): one SET NX EX per check, so
 * every instance sharing the Redis sees the same markers. A marker holds
 * no personal data (callers pass hashes or signatures) and expires with
 * the caller's window. Never decides an answer: it reports first or seen.
 */
#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_private.h"

int store_once(store *s, const char *scope, const char *id, long ttl_s) {
    char key[STORE_KEY_MAX], ex[24];
    if (store_key_once(key, sizeof key, scope, id) < 0) return -1;
    snprintf(ex, sizeof ex, "%ld", ttl_s > 0 ? ttl_s : 1);
    cmd c;
    memset(&c, 0, sizeof c);
    store_cmd(&c, "SET", key, "1", "NX", "EX", ex, (char *)NULL);
    redisReply *r = NULL;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    int rc = -1;
    if (r->type == REDIS_REPLY_STATUS) rc = 1;      /* OK: marked by this call */
    else if (r->type == REDIS_REPLY_NIL) rc = 0;    /* already there */
    store_free_replies(&r, 1);
    return rc;
}
