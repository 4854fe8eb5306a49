/* store_limit.c - rate-limit counters in Redis (fixed one-minute windows).
 *
 * Owns the modq:rl:* keys (store_keys.h). One pipelined round trip per request counts the
 * client IP, the API key and failed authentications (INCR + EXPIRE per
 * counter, GET when the request only needs to read the failure count), so
 * every modq instance sharing the Redis shares the limits. Never decides
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
#define LIMIT_MAX_CMDS 6 /* INCR+EXPIRE for ip and key, INCR+EXPIRE or GET for fails */

static void counter(cmd *c, int *n, char *key, const char *expire, int incr) {
    memset(&c[*n], 0, sizeof c[*n]);
    store_args(&c[*n], incr ? "INCR" : "GET");
    store_args(&c[*n], key);
    (*n)++;
    if (!incr) return;
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
    int want_fail = has_ip && q->fail_limit > 0;
    if (!want_ip && !want_key && !want_fail) return 0;

    char kip[STORE_KEY_MAX], kkey[STORE_KEY_MAX], kfail[STORE_KEY_MAX], expire[24];
    snprintf(expire, sizeof expire, "%ld", window + LIMIT_EXPIRE_SLACK_S);
    cmd c[LIMIT_MAX_CMDS];
    int n = 0, i_ip = -1, i_key = -1, i_fail = -1;
    if (want_ip) {
        if (store_key_rl(kip, sizeof kip, STORE_KRL_IP, q->ip, slot) < 0) return -1;
        i_ip = n;
        counter(c, &n, kip, expire, 1);
    }
    if (want_key) {
        if (store_key_rl(kkey, sizeof kkey, STORE_KRL_KEY, q->key_id, slot) < 0) return -1;
        i_key = n;
        counter(c, &n, kkey, expire, 1);
    }
    if (want_fail) {
        if (store_key_rl(kfail, sizeof kfail, STORE_KRL_FAIL, q->ip, slot) < 0) return -1;
        i_fail = n;
        counter(c, &n, kfail, expire, q->auth_failed);
    }
    redisReply *rep[LIMIT_MAX_CMDS] = {0};
    if (store_run(s, c, n, rep) < 0) return -1;
    int rc = 0;
    for (int i = 0; i < n; i++)
        if (rep[i]->type == REDIS_REPLY_ERROR) rc = -1;
    if (rc == 0) {
        out->ip_count = i_ip >= 0 ? reply_int(rep[i_ip]) : 0;
        out->key_count = i_key >= 0 ? reply_int(rep[i_key]) : 0;
        out->fail_count = i_fail >= 0 ? reply_int(rep[i_fail]) : 0;
        /* failures: the limit-th failure still gets its 401; after that
         * every attempt from the IP, right key or wrong, gets 429 */
        if (want_fail && (q->auth_failed ? out->fail_count > q->fail_limit
                                         : out->fail_count >= q->fail_limit))
            out->limited = STORE_LIMIT_AUTH;
        else if (want_ip && out->ip_count > q->ip_limit)
            out->limited = STORE_LIMIT_IP;
        else if (want_key && out->key_count > q->key_limit)
            out->limited = STORE_LIMIT_KEY;
    }
    store_free_replies(rep, n);
    return rc;
}
