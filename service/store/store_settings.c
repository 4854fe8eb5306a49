/* store_settings.c - a site's settings document and its version.
 *
 * Owns modq:{S}:settings and modq:{S}:setver (layout in store_keys.h): a
 * read of both, and a compare-and-set write that grows the version by a
 * random step and appends the audit entry in the same script, so no
 * change goes unaudited and two writers cannot lose each other's change.
 * Never interprets the document (codec_settings.c does); the comment
 * look-up reads the version with its MGET (store_lookup.c).
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

/* Audit fields a put may carry beside its keys and fixed ARGV. */
#define SETTINGS_MAX_AUDIT_FIELDS (STORE_MAX_ARGS - 12)

/* KEYS: 1 settings 2 setver 3 audit
 * ARGV: 1 expected version ("0": never set) 2 document ("": remove)
 *       3 version step 4.. audit field/value pairs
 * Returns {1} the version moved, {0, new version, stream id} done. */
static const char SETTINGS_PUT_LUA[] =
    "local v = redis.call('GET', KEYS[2]) or '0'\n"
    "if v ~= ARGV[1] then return {1} end\n"
    "if ARGV[2] == '' then redis.call('DEL', KEYS[1])\n"
    "else redis.call('SET', KEYS[1], ARGV[2]) end\n"
    "redis.call('INCRBY', KEYS[2], ARGV[3])\n"
    "local nv = redis.call('GET', KEYS[2])\n" /* a string: exact beyond 2^53 */
    "local sid = redis.call('XADD', KEYS[3], '*', 'version', nv, unpack(ARGV, 4))\n"
    "return {0, nv, sid}\n";

static store_script S_PUT = STORE_SCRIPT(SETTINGS_PUT_LUA);

static uint64_t as_u64(const redisReply *r) {
    if (r && r->type == REDIS_REPLY_STRING) return strtoull(r->str, NULL, 10);
    if (r && r->type == REDIS_REPLY_INTEGER && r->integer > 0) return (uint64_t)r->integer;
    return 0;
}

int store_settings_get(store *s, const char *site, char **doc, size_t *len, uint64_t *ver) {
    char kd[STORE_KEY_MAX], kv[STORE_KEY_MAX];
    *doc = NULL;
    *ver = 0;
    if (store_key(kd, sizeof kd, site, STORE_K_SETTINGS, NULL) < 0 ||
        store_key(kv, sizeof kv, site, STORE_K_SETVER, NULL) < 0)
        return -1;
    cmd c = {0};
    store_cmd(&c, "MGET", kd, kv, NULL);
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    int rc = -1;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        *ver = as_u64(r->element[1]);
        *doc = store_take_str(r->element[0], len);
        rc = *doc ? 1 : 0;
    }
    freeReplyObject(r);
    return rc;
}

int store_settings_version(store *s, const char *site, uint64_t *ver) {
    char kv[STORE_KEY_MAX], *v = NULL;
    *ver = 0;
    if (store_key(kv, sizeof kv, site, STORE_K_SETVER, NULL) < 0) return -1;
    int rc = store_get_one(s, kv, &v, NULL);
    if (rc < 0) return -1;
    if (v) *ver = strtoull(v, NULL, 10);
    free(v);
    return 0;
}

int store_settings_put(store *s, const char *site, uint64_t expect, const char *doc, size_t len,
                       const char *const *fields, size_t nfields, uint64_t *ver_out) {
    char k[3][STORE_KEY_MAX], ev[24], step[24];
    if (nfields > SETTINGS_MAX_AUDIT_FIELDS || nfields % 2) return -1;
    if (store_key(k[0], STORE_KEY_MAX, site, STORE_K_SETTINGS, NULL) < 0 ||
        store_key(k[1], STORE_KEY_MAX, site, STORE_K_SETVER, NULL) < 0 ||
        store_key(k[2], STORE_KEY_MAX, site, STORE_K_AUDIT, NULL) < 0)
        return -1;
    snprintf(ev, sizeof ev, "%llu", (unsigned long long)expect);
    snprintf(step, sizeof step, "%llu", (unsigned long long)store_version_step());
    cmd c[2];
    memset(c, 0, sizeof c);
    store_eval_begin(&c[0], &S_PUT, 3);
    for (int i = 0; i < 3; i++) store_args(&c[0], k[i]);
    store_args(&c[0], ev);
    store_arg(&c[0], doc ? doc : "", doc ? len : 0);
    store_args(&c[0], step);
    for (size_t i = 0; i < nfields; i++) store_args(&c[0], fields[i]);
    /* the site joins the index the audit page walks (a global key: not in
     * the script, which touches the site's slot only) */
    store_cmd(&c[1], "SADD", STORE_KEY_SITES, site, NULL);
    redisReply *rep[2];
    if (store_eval(s, &S_PUT, c, 2, rep) < 0) return -1;
    int rc = -1;
    redisReply *r = rep[0];
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
        r->element[0]->type == REDIS_REPLY_INTEGER) {
        if (r->element[0]->integer == 1) {
            rc = 0;
        } else if (r->elements == 3) {
            *ver_out = as_u64(r->element[1]);
            rc = 1;
        }
    }
    store_free_replies(rep, 2);
    return rc;
}
