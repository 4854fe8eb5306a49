/* store_limit.c - rate-limit counters in Redis (fixed one-minute windows).
 *
 * Owns the modq:rl:* keys (store_keys.h). One pipelined round trip per request counts the
 * client IP and the API key, or, for a request that failed authentication,
 * the failures of its IP and of the key it presented (INCR + EXPIRE per
 * counter), so every modq instance sharing the Redis shares the limits. A
 * request that authenticated never reads the failure counters: failures
 * from its address cannot refuse it. Never decides
 * the HTTP answer: it reports which limit is exceeded and for how long.
 * Counter keys hold an IP or a key hash: personal data, so each expires a
 * few seconds after its window ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "store_private.h"

/* Keys outlive their window by this much so that instances whose clocks
 * differ by a few seconds still count into the same key. */
#define LIMIT_EXPIRE_SLACK_S 5
#define LIMIT_MAX_CMDS 8 /* INCR+EXPIRE for ip, key, ip failures, key failures */

static void counter(cmd *c, int *n, char *key, const char *expire) {
    memset(&c[*n], 0, sizeof c[*n]);
    store_args(&c[*n], "INCR");
    store_args(&c[*n], key);
    (*n)++;
    memset(&c[*n], 0, sizeof c[*n]);
    store_args(&c[*n], "EXPIRE");
    store_args(&c[*n], key);
    store_args(&c[*n], expire);
    (*n)++;
}

static long long reply_int(const redisReply *r) {
    if (!r) return 0;
    if (r->type == REDIS_REPLY_INTEGER) return r->integer;
    if (r->type == REDIS_REPLY_STRING) return strtoll(r->str, NULL, 10);
    return 0;
}

int store_limit_check(store *s, const store_limit_req *q, store_limit_res *out) {
    memset(out, 0, sizeof *out);
    long window = q->window_s > 0 ? q->window_s : 60;
    time_t now = time(NULL);
    long long slot = (long long)now / window;
    out->retry_after = window - (long)((long long)now % window);
    if (out->retry_after < 1) out->retry_after = 1;
    int has_ip = q->ip && *q->ip;
    int want_ip = has_ip && q->ip_limit > 0;
    int want_key = q->key_id && *q->key_id && q->key_limit > 0;
    int fail = q->auth_failed && q->fail_limit > 0;
    int want_fail_ip = fail && has_ip;
    int want_fail_key = fail && q->fail_key_id && *q->fail_key_id;
    if (!want_ip && !want_key && !want_fail_ip && !want_fail_key) return 0;

    char kip[STORE_KEY_MAX], kkey[STORE_KEY_MAX], kfip[STORE_KEY_MAX], kfkey[STORE_KEY_MAX];
    char expire[24];
    snprintf(expire, sizeof expire, "%ld", window + LIMIT_EXPIRE_SLACK_S);
    cmd c[LIMIT_MAX_CMDS];
    int n = 0, i_ip = -1, i_key = -1, i_fip = -1, i_fkey = -1;
    if (want_ip) {
        if (store_key_rl(kip, sizeof kip, STORE_KRL_IP, q->ip, slot) < 0) return -1;
        i_ip = n;
        counter(c, &n, kip, expire);
    }
    if (want_key) {
        if (store_key_rl(kkey, sizeof kkey, STORE_KRL_KEY, q->key_id, slot) < 0) return -1;
        i_key = n;
        counter(c, &n, kkey, expire);
    }
    if (want_fail_ip) {
        if (store_key_rl(kfip, sizeof kfip, STORE_KRL_FAIL, q->ip, slot) < 0) return -1;
        i_fip = n;
        counter(c, &n, kfip, expire);
    }
    if (want_fail_key) {
        if (store_key_rl(kfkey, sizeof kfkey, STORE_KRL_FAIL_KEY, q->fail_key_id, slot) < 0)
            return -1;
        i_fkey = n;
        counter(c, &n, kfkey, expire);
    }
    redisReply *rep[LIMIT_MAX_CMDS] = {0};
    if (store_run(s, c, n, rep) < 0) return -1;
    int rc = 0;
    for (int i = 0; i < n; i++)
        if (rep[i]->type == REDIS_REPLY_ERROR) rc = -1;
    if (rc == 0) {
        out->ip_count = i_ip >= 0 ? reply_int(rep[i_ip]) : 0;
        out->key_count = i_key >= 0 ? reply_int(rep[i_key]) : 0;
        out->fail_ip_count = i_fip >= 0 ? reply_int(rep[i_fip]) : 0;
        out->fail_key_count = i_fkey >= 0 ? reply_int(rep[i_fkey]) : 0;
        /* failures: the limit-th failure still gets its 401, later failing
         * attempts 429 */
        if (fail && (out->fail_ip_count > q->fail_limit || out->fail_key_count > q->fail_limit))
            out->limited = STORE_LIMIT_AUTH;
        else if (want_ip && out->ip_count > q->ip_limit)
            out->limited = STORE_LIMIT_IP;
        else if (want_key && out->key_count > q->key_limit)
            out->limited = STORE_LIMIT_KEY;
    }
    store_free_replies(rep, n);
    return rc;
}
