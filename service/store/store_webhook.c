/* store_webhook.c - Redis side of webhooks: registration, outbox, leases.
 *
 * Owns the webhook keys (layout in store_keys.h and docs/webhooks.md), the
 * event names (webhook_event_bit) and the Lua scripts that move a delivery
 * between outbox, in-flight set and dead-letter list atomically, run with
 * store_eval (store_script.c: EVALSHA, EVAL after NOSCRIPT). The sender
 * (service/webhook/webhook.c) calls in here; nothing here knows it. Every script touches only keys of one site (one {site}
 * hash slot) and reads the clock with Redis TIME, so several modq
 * processes with skewed clocks agree on due times and leases. Never
 * interprets JSON (comment bodies and dead-letter records are opaque bytes)
 * and never logs a secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "clock.h"
#include "model.h"
#include "store_private.h"
#include "store_webhook.h"

#define WH_LEASE_BACK_MAX "100" /* expired leases returned per claim call */

/* ============================================================== scripts */

/* KEYS: 1 config 2 outbox 3 data 4 meta
 * ARGV: 1 event bit 2 event name 3 comment JSON 4 delivery id */
static const char NOTIFY_LUA[] =
    "local ev = tonumber(redis.call('HGET', KEYS[1], 'events') or '0') or 0\n"
    "if math.floor(ev / tonumber(ARGV[1])) % 2 == 0 then return 0 end\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "redis.call('HSET', KEYS[3], ARGV[4], ARGV[3])\n"
    "redis.call('HSET', KEYS[4], ARGV[4], ARGV[2] .. ' ' .. string.format('%d', now) .. ' 0')\n"
    "redis.call('ZADD', KEYS[2], now, ARGV[4])\n"
    "return 1\n";

/* KEYS: 1 config 2 outbox 3 inflight 4 data 5 meta
 * ARGV: 1 max deliveries 2 lease ms
 * Returns {} (no registration) or {url, secret, lease, id, meta, body, ...}. */
static const char CLAIM_LUA[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local back = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, " WH_LEASE_BACK_MAX ")\n"
    "for _, id in ipairs(back) do\n"
    "  redis.call('ZREM', KEYS[3], id)\n"
    "  redis.call('ZADD', KEYS[2], now, id)\n"
    "end\n"
    "local cfg = redis.call('HMGET', KEYS[1], 'url', 'secret')\n"
    "if not cfg[1] or not cfg[2] then return {} end\n"
    "local lease = string.format('%d', now + tonumber(ARGV[2]))\n"
    "local out = {cfg[1], cfg[2], lease}\n"
    "local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))\n"
    "for _, id in ipairs(ids) do\n"
    "  redis.call('ZREM', KEYS[2], id)\n"
    "  local body = redis.call('HGET', KEYS[4], id)\n"
    "  local meta = redis.call('HGET', KEYS[5], id)\n"
    "  if body and meta then\n"
    "    redis.call('ZADD', KEYS[3], lease, id)\n"
    "    out[#out + 1] = id\n"
    "    out[#out + 1] = meta\n"
    "    out[#out + 1] = body\n"
    "  else\n"
    "    redis.call('HDEL', KEYS[4], id)\n"
    "    redis.call('HDEL', KEYS[5], id)\n"
    "  end\n"
    "end\n"
    "return out\n";

/* The lease check every completion starts with: the delivery is still in
 * flight under the lease we were given (else another sender reclaimed it). */
#define LEASE_CHECK                                                        \
    "local sc = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"                  \
    "if not sc or tonumber(sc) ~= tonumber(ARGV[2]) then return 0 end\n"   \
    "redis.call('ZREM', KEYS[1], ARGV[1])\n"

/* KEYS: 1 inflight 2 data 3 meta   ARGV: 1 id 2 lease */
static const char DONE_LUA[] =
    LEASE_CHECK
    "redis.call('HDEL', KEYS[2], ARGV[1])\n"
    "redis.call('HDEL', KEYS[3], ARGV[1])\n"
    "return 1\n";

/* KEYS: 1 inflight 2 outbox 3 meta 4 config
 * ARGV: 1 id 2 lease 3 new meta 4 delay ms 5 last error ("" = none) */
static const char RETRY_LUA[] =
    LEASE_CHECK
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])\n"
    "redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[1])\n"
    "if ARGV[5] ~= '' and redis.call('EXISTS', KEYS[4]) == 1 then\n"
    "  redis.call('HSET', KEYS[4], 'last_error', ARGV[5], 'last_error_ms', string.format('%d', now))\n"
    "end\n"
    "return 1\n";

/* KEYS: 1 inflight 2 data 3 meta 4 dead 5 dead meta 6 dead data
 * ARGV: 1 id 2 lease 3 dead meta 4 dead max 5 ttl s */
static const char DEAD_LUA[] =
    LEASE_CHECK
    "local body = redis.call('HGET', KEYS[2], ARGV[1])\n"
    "redis.call('HDEL', KEYS[2], ARGV[1])\n"
    "redis.call('HDEL', KEYS[3], ARGV[1])\n"
    "if not body then return 1 end\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "redis.call('ZADD', KEYS[4], now, ARGV[1])\n"
    "redis.call('HSET', KEYS[5], ARGV[1], ARGV[3])\n"
    "redis.call('HSET', KEYS[6], ARGV[1], body)\n"
    "local over = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[4])\n"
    "if over > 0 then\n"
    "  for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, over - 1)) do\n"
    "    redis.call('ZREM', KEYS[4], id)\n"
    "    redis.call('HDEL', KEYS[5], id)\n"
    "    redis.call('HDEL', KEYS[6], id)\n"
    "  end\n"
    "end\n"
    "for i = 4, 6 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end\n"
    "return 1\n";

/* A page of dead letters, newest first: ties at the cursor's time come in
 * reverse id order (as ZREVRANGEBYSCORE gives them), then older ones.
 * KEYS: 1 dead 2 dead meta   ARGV: 1 count 2 cursor time ('' first page)
 * 3 cursor id. Returns {id, time, meta, ...}. */
static const char DEAD_LIST_LUA[] =
    "local want = tonumber(ARGV[1])\n"
    "local out = {}\n"
    "local function add(id, sc)\n"
    "  out[#out + 1] = id\n"
    "  out[#out + 1] = sc\n"
    "  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''\n"
    "end\n"
    "local from = '+inf'\n"
    "if ARGV[2] ~= '' then\n"
    "  local ties = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], ARGV[2])\n"
    "  for i = #ties, 1, -1 do\n"
    "    if #out / 3 < want and ties[i] < ARGV[3] then add(ties[i], ARGV[2]) end\n"
    "  end\n"
    "  from = '(' .. ARGV[2]\n"
    "end\n"
    "if #out / 3 < want then\n"
    "  local more = redis.call('ZREVRANGEBYSCORE', KEYS[1], from, '-inf', 'WITHSCORES', 'LIMIT', 0,\n"
    "                          want - #out / 3)\n"
    "  for i = 1, #more, 2 do add(more[i], more[i + 1]) end\n"
    "end\n"
    "return out\n";

/* Dead letters back to the outbox, due now, attempts 0.
 * KEYS: 1 dead 2 dead meta 3 dead data 4 outbox 5 data 6 meta
 * ARGV: 1 id ('' every one) 2 at most. Returns the number moved. */
static const char DEAD_RETRY_LUA[] =
    "local ids\n"
    "if ARGV[1] ~= '' then\n"
    "  if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end\n"
    "  ids = {ARGV[1]}\n"
    "else\n"
    "  ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)\n"
    "end\n"
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local n = 0\n"
    "for _, id in ipairs(ids) do\n"
    "  local m = redis.call('HGET', KEYS[2], id)\n"
    "  local body = redis.call('HGET', KEYS[3], id)\n"
    "  redis.call('ZREM', KEYS[1], id)\n"
    "  redis.call('HDEL', KEYS[2], id)\n"
    "  redis.call('HDEL', KEYS[3], id)\n"
    "  local ev, created = string.match(m or '', '^(%S+) (%d+) ')\n"
    "  if ev and body then\n"
    "    redis.call('HSET', KEYS[5], id, body)\n"
    "    redis.call('HSET', KEYS[6], id, ev .. ' ' .. created .. ' 0')\n"
    "    redis.call('ZADD', KEYS[4], now, id)\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

static store_script S_NOTIFY = STORE_SCRIPT(NOTIFY_LUA), S_CLAIM = STORE_SCRIPT(CLAIM_LUA),
                    S_DONE = STORE_SCRIPT(DONE_LUA), S_RETRY = STORE_SCRIPT(RETRY_LUA),
                    S_DEAD = STORE_SCRIPT(DEAD_LUA), S_DEAD_LIST = STORE_SCRIPT(DEAD_LIST_LUA),
                    S_DEAD_RETRY = STORE_SCRIPT(DEAD_RETRY_LUA);

/* Integer script reply: its value, or -1 for anything else. */
static int int_reply(redisReply *r) {
    int rc = r->type == REDIS_REPLY_INTEGER ? (int)r->integer : -1;
    freeReplyObject(r);
    return rc;
}

/* The site's keys, built once per call. */
typedef struct wh_keys {
    char cfg[STORE_KEY_MAX], outbox[STORE_KEY_MAX], inflight[STORE_KEY_MAX],
        data[STORE_KEY_MAX], meta[STORE_KEY_MAX], dead[STORE_KEY_MAX],
        dead_meta[STORE_KEY_MAX], dead_data[STORE_KEY_MAX], ver[STORE_KEY_MAX];
} wh_keys;

static int keys_for(wh_keys *k, const char *site) {
    if (store_key(k->cfg, sizeof k->cfg, site, STORE_K_WEBHOOK, NULL) < 0 ||
        store_key(k->outbox, sizeof k->outbox, site, STORE_K_WH_OUTBOX, NULL) < 0 ||
        store_key(k->inflight, sizeof k->inflight, site, STORE_K_WH_INFLIGHT, NULL) < 0 ||
        store_key(k->data, sizeof k->data, site, STORE_K_WH_DATA, NULL) < 0 ||
        store_key(k->meta, sizeof k->meta, site, STORE_K_WH_META, NULL) < 0 ||
        store_key(k->dead, sizeof k->dead, site, STORE_K_WH_DEAD, NULL) < 0 ||
        store_key(k->dead_meta, sizeof k->dead_meta, site, STORE_K_WH_DEAD_META, NULL) < 0 ||
        store_key(k->dead_data, sizeof k->dead_data, site, STORE_K_WH_DEAD_DATA, NULL) < 0 ||
        store_key(k->ver, sizeof k->ver, site, STORE_K_WHVER, NULL) < 0)
        return -1;
    return 0;
}

/* =============================================================== events */

unsigned webhook_event_bit(const char *name) {
    if (!name) return 0;
    if (strcmp(name, "decision") == 0) return WEBHOOK_EV_DECISION;
    if (strcmp(name, "verdict") == 0) return WEBHOOK_EV_VERDICT;
    return 0;
}

/* ========================================================= registration */

int store_webhook_put(store *s, const char *site, const char *url,
                      const char *secret, unsigned events, int *created) {
    *created = 0;
    wh_keys k;
    if (keys_for(&k, site) < 0) return -1;
    char now[24], ev[12], step[24];
    snprintf(now, sizeof now, "%lld", clock_wall_ms());
    snprintf(ev, sizeof ev, "%u", events);
    store_dec(step, (long long)store_version_step());
    cmd c[6];
    memset(c, 0, sizeof c);
    store_args(&c[0], "MULTI");
    store_cmd(&c[1], "HSETNX", k.cfg, "created_ms", now, NULL);
    store_cmd(&c[2], "HSET", k.cfg, "url", url, "secret", secret, "events", ev, "updated_ms", now,
              NULL);
    /* the version comment look-ups cache the events under */
    store_cmd(&c[3], "INCRBY", k.ver, step, NULL);
    store_args(&c[4], "EXEC");
    /* the index is global (no hash tag), so it stays outside the MULTI */
    store_cmd(&c[5], "SADD", STORE_KEY_WEBHOOK_SITES, site, NULL);
    redisReply *r[6];
    if (store_run(s, c, 6, r) < 0) return -1;
    int rc = -1;
    redisReply *x = r[4];
    if (x->type == REDIS_REPLY_ARRAY && x->elements == 3 &&
        x->element[0]->type == REDIS_REPLY_INTEGER && r[5]->type == REDIS_REPLY_INTEGER) {
        *created = x->element[0]->integer == 1;
        rc = 0;
    }
    store_free_replies(r, 6);
    return rc;
}

int store_webhook_delete(store *s, const char *site) {
    wh_keys k;
    if (keys_for(&k, site) < 0) return -1;
    char step[24];
    store_dec(step, (long long)store_version_step());
    cmd c[5];
    memset(c, 0, sizeof c);
    store_args(&c[0], "MULTI");
    store_cmd(&c[1], "DEL", k.cfg, k.outbox, k.inflight, k.data, k.meta, k.dead, k.dead_meta,
              k.dead_data, NULL);
    store_cmd(&c[2], "INCRBY", k.ver, step, NULL);
    store_args(&c[3], "EXEC");
    store_cmd(&c[4], "SREM", STORE_KEY_WEBHOOK_SITES, site, NULL);
    redisReply *r[5];
    if (store_run(s, c, 5, r) < 0) return -1;
    redisReply *x = r[3];
    int rc = x->type == REDIS_REPLY_ARRAY && x->elements == 2 &&
                     x->element[0]->type == REDIS_REPLY_INTEGER
                 ? x->element[0]->integer > 0
                 : -1;
    store_free_replies(r, 5);
    return rc;
}

static long long ll_of(redisReply *r) {
    if (r->type == REDIS_REPLY_INTEGER) return r->integer;
    if (r->type == REDIS_REPLY_STRING) return strtoll(r->str, NULL, 10);
    return 0;
}

int store_webhook_get(store *s, const char *site, webhook_info *out) {
    memset(out, 0, sizeof *out);
    wh_keys k;
    if (keys_for(&k, site) < 0) return -1;
    cmd c[4];
    memset(c, 0, sizeof c);
    store_cmd(&c[0], "HMGET", k.cfg, "url", "events", "created_ms", "updated_ms", "last_error",
              "last_error_ms", NULL);
    store_args(&c[1], "ZCARD");
    store_args(&c[1], k.outbox);
    store_args(&c[2], "ZCARD");
    store_args(&c[2], k.inflight);
    store_args(&c[3], "ZCARD");
    store_args(&c[3], k.dead);
    redisReply *r[4];
    if (store_run(s, c, 4, r) < 0) return -1;
    int rc = -1;
    redisReply *h = r[0];
    for (int i = 0; i < 4; i++)
        if (r[i]->type == REDIS_REPLY_ERROR) goto out;
    if (h->type != REDIS_REPLY_ARRAY || h->elements != 6) goto out;
    rc = 0;
    if (h->element[0]->type != REDIS_REPLY_STRING) goto out; /* none */
    snprintf(out->url, sizeof out->url, "%.*s", (int)h->element[0]->len, h->element[0]->str);
    out->events = (unsigned)ll_of(h->element[1]);
    out->created_ms = ll_of(h->element[2]);
    out->updated_ms = ll_of(h->element[3]);
    if (h->element[4]->type == REDIS_REPLY_STRING)
        snprintf(out->last_error, sizeof out->last_error, "%.*s", (int)h->element[4]->len,
                 h->element[4]->str);
    out->last_error_ms = ll_of(h->element[5]);
    out->pending = ll_of(r[1]);
    out->in_flight = ll_of(r[2]);
    out->dead = ll_of(r[3]);
    rc = 1;
out:
    store_free_replies(r, 4);
    return rc;
}

int store_webhook_sites(store *s, char ***sites) {
    *sites = NULL;
    cmd c = {0};
    store_args(&c, "SMEMBERS");
    store_args(&c, STORE_KEY_WEBHOOK_SITES);
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    int rc = -1;
    if (r->type == REDIS_REPLY_ARRAY) {
        char **v = calloc(r->elements + 1, sizeof *v);
        size_t n = 0;
        for (size_t i = 0; v && i < r->elements; i++) {
            char *one = store_dup_str(r->element[i], NULL);
            /* a hand-edited index must not make us build odd keys */
            if (one && model_valid_ident(one, MODEL_MAX_SITE))
                v[n++] = one;
            else
                free(one);
        }
        if (v) {
            *sites = v;
            rc = 0;
        }
    }
    freeReplyObject(r);
    return rc;
}

void store_webhook_sites_free(char **sites) {
    if (!sites) return;
    for (size_t i = 0; sites[i]; i++) free(sites[i]);
    free(sites);
}

/* ============================================================== outbox */

int store_webhook_notify_append(store *s, const char *site, const char *event,
                                const char *json, size_t len, const char *id, int full) {
    unsigned bit = webhook_event_bit(event);
    wh_keys k;
    if (!bit || keys_for(&k, site) < 0) return -1;
    char b[12];
    snprintf(b, sizeof b, "%u", bit);
    cmd c;
    store_eval_begin(&c, &S_NOTIFY, 4);
    if (full) store_eval_full(&c, &S_NOTIFY);
    store_cmd(&c, k.cfg, k.outbox, k.data, k.meta, b, event, NULL);
    store_arg(&c, json, len);
    store_args(&c, id);
    return store_append_cmds(s, &c, 1) < 0 ? -1 : 1;
}

int store_webhook_notify_read(const redisReply *r, const char *site, const char *event,
                              const char *id) {
    if (store_noscript(r)) return STORE_EVAL_AGAIN;
    if (r->type != REDIS_REPLY_INTEGER) return -1;
    if (r->integer == 1)
        log_msg(LOG_DEBUG, "webhook: queued %s event %s for site %s", event, id, site);
    return r->integer == 1 ? 1 : 0;
}

static int notify_once(store *s, const char *site, const char *event, const char *json,
                       size_t len) {
    if (!webhook_event_bit(event)) return -1;
    char id[40];
    model_new_id(id);
    int q = STORE_EVAL_AGAIN;
    for (int full = 0; q == STORE_EVAL_AGAIN && full < 2; full++) {
        if (store_route_site(s, site) < 0) return -1;
        if (store_webhook_notify_append(s, site, event, json, len, id, full) < 0) {
            store_drop(s);
            return -1;
        }
        redisReply *r;
        if (store_collect(s, &r, 1) < 0) return -1;
        q = store_webhook_notify_read(r, site, event, id);
        freeReplyObject(r);
    }
    return q < 0 || q == STORE_EVAL_AGAIN ? -1 : 0;
}

int webhook_notify(store *s, const char *site, const char *event,
                   const char *json, size_t len) {
    /* a MOVED reply: nothing ran on the node that sent it, and the map
     * names the slot's new node (cluster pools only) */
    s->moved = 0;
    int rc = notify_once(s, site, event, json, len);
    if (rc < 0 && s->moved) rc = notify_once(s, site, event, json, len);
    return rc;
}

/* meta = "<event> <created_ms> <attempts>" */
static int parse_meta(const redisReply *m, webhook_delivery *d) {
    char buf[96];
    if (m->type != REDIS_REPLY_STRING || m->len >= sizeof buf) return -1;
    memcpy(buf, m->str, m->len);
    buf[m->len] = 0;
    long long created = 0;
    long attempts = 0;
    if (sscanf(buf, "%15s %lld %ld", d->event, &created, &attempts) != 3) return -1;
    d->created_ms = created;
    d->attempts = attempts;
    return 0;
}

void store_webhook_batch_free(webhook_batch *b) {
    if (!b) return;
    free(b->url);
    free(b->secret);
    for (size_t i = 0; i < b->n; i++) free(b->items[i].comment);
    free(b->items);
    memset(b, 0, sizeof *b);
}

int store_webhook_claim(store *s, const char *site, unsigned max, long lease_ms,
                        webhook_batch *out) {
    memset(out, 0, sizeof *out);
    wh_keys k;
    if (keys_for(&k, site) < 0) return -1;
    char smax[16], slease[24];
    snprintf(smax, sizeof smax, "%u", max);
    snprintf(slease, sizeof slease, "%ld", lease_ms);
    cmd c;
    store_eval_begin(&c, &S_CLAIM, 5);
    store_cmd(&c, k.cfg, k.outbox, k.inflight, k.data, k.meta, smax, slease, NULL);
    redisReply *r;
    if (store_eval(s, &S_CLAIM, &c, 1, &r) < 0) return -1;
    if (r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }
    if (r->elements < 3) { /* no registration: nothing claimed */
        freeReplyObject(r);
        return 0;
    }
    size_t n = (r->elements - 3) / 3;
    out->url = store_dup_str(r->element[0], NULL);
    out->secret = store_dup_str(r->element[1], NULL);
    out->items = calloc(n ? n : 1, sizeof *out->items);
    redisReply *lease = r->element[2];
    if (!out->url || !out->secret || !out->items || lease->type != REDIS_REPLY_STRING ||
        lease->len >= sizeof out->items[0].lease) {
        /* claimed but unusable here: the leases expire and others retry */
        store_webhook_batch_free(out);
        freeReplyObject(r);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        redisReply *id = r->element[3 + 3 * i], *meta = r->element[4 + 3 * i],
                   *body = r->element[5 + 3 * i];
        webhook_delivery *d = &out->items[out->n];
        memset(d, 0, sizeof *d);
        if (id->type != REDIS_REPLY_STRING || id->len != WEBHOOK_ID_LEN ||
            parse_meta(meta, d) < 0 || !(d->comment = store_dup_str(body, &d->comment_len))) {
            log_msg(LOG_WARN, "webhook: site %s: unreadable delivery left to its lease", site);
            continue;
        }
        memcpy(d->id, id->str, WEBHOOK_ID_LEN);
        d->id[WEBHOOK_ID_LEN] = 0;
        memcpy(d->lease, lease->str, lease->len);
        d->lease[lease->len] = 0;
        out->n++;
    }
    freeReplyObject(r);
    return 0;
}

int store_webhook_done(store *s, const char *site, const webhook_delivery *d) {
    wh_keys k;
    if (keys_for(&k, site) < 0) return -1;
    cmd c;
    store_eval_begin(&c, &S_DONE, 3);
    store_cmd(&c, k.inflight, k.data, k.meta, d->id, d->lease, NULL);
    redisReply *r;
    if (store_eval(s, &S_DONE, &c, 1, &r) < 0) return -1;
    return int_reply(r);
}

int store_webhook_retry(store *s, const char *site, const webhook_delivery *d,
                        int counted, long delay_ms, const char *last_error) {
    wh_keys k;
    if (keys_for(&k, site) < 0) return -1;
    char meta[96], delay[24];
    snprintf(meta, sizeof meta, "%s %lld %ld", d->event, d->created_ms,
             d->attempts + (counted ? 1 : 0));
    snprintf(delay, sizeof delay, "%ld", delay_ms);
    cmd c;
    store_eval_begin(&c, &S_RETRY, 4);
    store_cmd(&c, k.inflight, k.outbox, k.meta, k.cfg, d->id, d->lease, meta, delay,
              last_error ? last_error : "", NULL);
    redisReply *r;
    if (store_eval(s, &S_RETRY, &c, 1, &r) < 0) return -1;
    return int_reply(r);
}

/* ========================================================= dead letters */

/* dead meta = "<event> <created_ms> <attempts> <last error class>" */
int store_webhook_dead(store *s, const char *site, const webhook_delivery *d,
                       const char *last_error, long ttl_s) {
    wh_keys k;
    if (keys_for(&k, site) < 0) return -1;
    char max[16], ttl[24], meta[160];
    snprintf(max, sizeof max, "%d", WEBHOOK_DEAD_MAX);
    snprintf(ttl, sizeof ttl, "%ld", ttl_s > 0 ? ttl_s : 1);
    int n = snprintf(meta, sizeof meta, "%s %lld %ld ", d->event, d->created_ms, d->attempts + 1);
    /* the class, spaces turned to '_' so the record stays four words */
    const char *e = last_error && *last_error ? last_error : "unknown";
    for (int kept = 0; *e && kept < WEBHOOK_ERROR_MAX - 1 && n < (int)sizeof meta - 1; e++, kept++)
        meta[n++] = *e == ' ' ? '_' : *e;
    meta[n] = 0;
    cmd c;
    store_eval_begin(&c, &S_DEAD, 6);
    store_cmd(&c, k.inflight, k.data, k.meta, k.dead, k.dead_meta, k.dead_data, d->id, d->lease,
              meta, max, ttl, NULL);
    redisReply *r;
    if (store_eval(s, &S_DEAD, &c, 1, &r) < 0) return -1;
    return int_reply(r);
}

/* Parses "<dead ms>.<32 hex id>" into ms (decimal text) and id. 0, -1. */
static int parse_cursor(const char *cur, char ms[24], char id[WEBHOOK_ID_LEN + 1]) {
    const char *dot = strchr(cur, '.');
    size_t nd = dot ? (size_t)(dot - cur) : 0;
    if (!dot || nd == 0 || nd > 19 || strlen(dot + 1) != WEBHOOK_ID_LEN) return -1;
    for (size_t i = 0; i < nd; i++)
        if (cur[i] < '0' || cur[i] > '9') return -1;
    for (const char *p = dot + 1; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return -1;
    memcpy(ms, cur, nd);
    ms[nd] = 0;
    memcpy(id, dot + 1, WEBHOOK_ID_LEN + 1);
    return 0;
}

/* One listed letter from its reply triple; -1 when unreadable. */
static int dead_item(const redisReply *id, const redisReply *sc, const redisReply *meta,
                     webhook_dead_item *it) {
    memset(it, 0, sizeof *it);
    char buf[192], err[WEBHOOK_ERROR_MAX] = "";
    if (id->type != REDIS_REPLY_STRING || id->len != WEBHOOK_ID_LEN ||
        sc->type != REDIS_REPLY_STRING || meta->type != REDIS_REPLY_STRING ||
        meta->len >= sizeof buf)
        return -1;
    memcpy(it->id, id->str, WEBHOOK_ID_LEN);
    it->dead_ms = strtoll(sc->str, NULL, 10);
    memcpy(buf, meta->str, meta->len);
    buf[meta->len] = 0;
    if (sscanf(buf, "%15s %lld %ld %63s", it->event, &it->created_ms, &it->attempts, err) < 3)
        return -1;
    snprintf(it->last_error, sizeof it->last_error, "%s", err);
    return 0;
}

int store_webhook_dead_list(store *s, const char *site, const char *cursor, unsigned limit,
                            webhook_dead_item *items, size_t *n,
                            char next[WEBHOOK_CURSOR_MAX]) {
    *n = 0;
    next[0] = 0;
    char ms[24] = "", cid[WEBHOOK_ID_LEN + 1] = "";
    if (cursor && *cursor && parse_cursor(cursor, ms, cid) < 0) return -2;
    if (limit < 1) limit = 1;
    if (limit > WEBHOOK_DEAD_PAGE_MAX) limit = WEBHOOK_DEAD_PAGE_MAX;
    wh_keys k;
    if (keys_for(&k, site) < 0) return -1;
    char want[16];
    snprintf(want, sizeof want, "%u", limit + 1); /* one more: is there a next page */
    cmd c;
    store_eval_begin(&c, &S_DEAD_LIST, 2);
    store_cmd(&c, k.dead, k.dead_meta, want, ms, cid, NULL);
    redisReply *r;
    if (store_eval(s, &S_DEAD_LIST, &c, 1, &r) < 0) return -1;
    int rc = -1;
    if (r->type != REDIS_REPLY_ARRAY || r->elements % 3) goto out;
    size_t got = r->elements / 3;
    for (size_t i = 0; i < got && i < limit; i++)
        if (dead_item(r->element[3 * i], r->element[3 * i + 1], r->element[3 * i + 2],
                      &items[*n]) == 0)
            (*n)++;
    /* the next page starts after the last one returned (read or not) */
    if (got > limit) {
        const redisReply *lid = r->element[3 * (limit - 1)], *lsc = r->element[3 * (limit - 1) + 1];
        if (lid->type == REDIS_REPLY_STRING && lsc->type == REDIS_REPLY_STRING)
            snprintf(next, WEBHOOK_CURSOR_MAX, "%.20s.%.*s", lsc->str, (int)lid->len, lid->str);
    }
    rc = 0;
out:
    freeReplyObject(r);
    return rc;
}

long store_webhook_dead_retry(store *s, const char *site, const char *id) {
    wh_keys k;
    if (keys_for(&k, site) < 0) return -1;
    char max[16];
    snprintf(max, sizeof max, "%d", WEBHOOK_DEAD_MAX);
    cmd c;
    store_eval_begin(&c, &S_DEAD_RETRY, 6);
    store_cmd(&c, k.dead, k.dead_meta, k.dead_data, k.outbox, k.data, k.meta, id ? id : "", max,
              NULL);
    redisReply *r;
    if (store_eval(s, &S_DEAD_RETRY, &c, 1, &r) < 0) return -1;
    long rc = r->type == REDIS_REPLY_INTEGER ? (long)r->integer : -1;
    freeReplyObject(r);
    return rc;
}
