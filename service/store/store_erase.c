/* store_erase.c - erasure: one comment's every trace, and an author's.
 *
 * Owns the removal side of every key a comment feeds (layout in
 * store_keys.h): its record, claim and learning marker; the review queues,
 * leases, folders and score indexes; the article's comment index; the
 * thread lists; the duplicate keys it registered; its flood counts; the
 * reputation counts its learned label added; webhook deliveries and dead
 * letters carrying it; its author's history counts and log; the identity
 * index and the listings. What a comment feeds is data: the rows of
 * COMMENT_ROWS and AUTHOR_ROWS below, each a key kind with the script's
 * operation for it, so a new per-comment or per-author key kind is one
 * row. One comment's erasure is one Lua script (every key under the
 * site's hash tag), run only while the record is the one the caller read,
 * and it leaves one audit entry without personal data. Never interprets
 * the record JSON (the caller decodes it and says which keys it fed);
 * the script reads webhook bodies only to find the comment's id.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

/* ================================================================ script */

/* KEYS: one per character of ARGV[1], the operation on that key; KEYS[1]
 *       is the record ('C').
 * ARGV: 1 operations 2 id 3 record as read 4 thread text 5 its reference
 *       6 flood counts still live (1/0) 7 reputation fields (\x1f-joined)
 *       8 listing member 9 audit field/value pairs (\x1f-joined)
 *       10 its status as counted in its author's history ("": none)
 * Operations: C record (compared, deleted) D delete Z ZREM id Y ZREM the
 * listing member H HDEL id S SREM id L / R LREM the thread text / its
 * reference O delete a duplicate key the comment registered ("id\x1f...")
 * F decrement a flood counter (deleted at 0) M read and delete the learned
 * label P / Q take the reputation fields back from rep:spam / rep:ham
 * when that was the label W drop webhook bodies carrying the comment
 * (queued or dead: remembering their delivery ids) w HDEL / z ZREM those
 * deliveries K take the comment's status back from its author's counts
 * G drop its entries from its author's log A the audit entry.
 * Returns 1 erased, 0 the record changed since it was read, 2 no record. */
static const char ERASE_LUA[] =
    "local ops, id = ARGV[1], ARGV[2]\n"
    "local cur = redis.call('GET', KEYS[1])\n"
    "if not cur then return 2 end\n"
    "if cur ~= ARGV[3] then return 0 end\n"
    "local label, found = false, {}\n"
    "local function each(list, f)\n"
    "  for v in string.gmatch(list, '[^\\31]+') do f(v) end\n"
    "end\n"
    "local function ours(v)\n"
    "  return v and string.sub(v, 1, #id + 1) == id .. '\\31'\n"
    "end\n"
    "local function carries(j)\n"
    "  local ok, o = pcall(cjson.decode, j)\n"
    "  if not ok or type(o) ~= 'table' then return false end\n"
    "  if type(o.comment) == 'table' then return o.comment.id == id end\n"
    "  return o.id == id\n"
    "end\n"
    "for i = 1, #ops do\n"
    "  local op, k = string.sub(ops, i, i), KEYS[i]\n"
    "  if op == 'C' or op == 'D' then redis.call('DEL', k)\n"
    "  elseif op == 'Z' then redis.call('ZREM', k, id)\n"
    "  elseif op == 'Y' then redis.call('ZREM', k, ARGV[8])\n"
    "  elseif op == 'H' then redis.call('HDEL', k, id)\n"
    "  elseif op == 'S' then redis.call('SREM', k, id)\n"
    "  elseif op == 'L' then redis.call('LREM', k, 1, ARGV[4])\n"
    "  elseif op == 'R' then redis.call('LREM', k, 1, ARGV[5])\n"
    "  elseif op == 'O' then\n"
    "    if ours(redis.call('GET', k)) then redis.call('DEL', k) end\n"
    "  elseif op == 'F' then\n"
    "    if ARGV[6] == '1' and redis.call('EXISTS', k) == 1 and\n"
    "       redis.call('DECR', k) <= 0 then redis.call('DEL', k) end\n"
    "  elseif op == 'M' then\n"
    "    label = redis.call('GET', k)\n"
    "    redis.call('DEL', k)\n"
    "  elseif op == 'P' or op == 'Q' then\n"
    "    if label == (op == 'P' and 'spam' or 'ham') then\n"
    "      each(ARGV[7], function(f)\n"
    "        if redis.call('HINCRBY', k, f, -1) <= 0 then redis.call('HDEL', k, f) end\n"
    "      end)\n"
    "    end\n"
    "  elseif op == 'W' then\n"
    "    local all = redis.call('HGETALL', k)\n"
    "    for j = 1, #all, 2 do\n"
    "      if carries(all[j + 1]) then\n"
    "        found[#found + 1] = all[j]\n"
    "        redis.call('HDEL', k, all[j])\n"
    "      end\n"
    "    end\n"
    "  elseif op == 'w' then for _, d in ipairs(found) do redis.call('HDEL', k, d) end\n"
    "  elseif op == 'z' then for _, d in ipairs(found) do redis.call('ZREM', k, d) end\n"
    "  elseif op == 'K' then\n"
    "    if ARGV[10] ~= '' and redis.call('HINCRBY', k, ARGV[10], -1) < 0 then\n"
    "      redis.call('HSET', k, ARGV[10], 0) end\n"
    "  elseif op == 'G' then\n"
    "    for _, v in ipairs(redis.call('LRANGE', k, 0, -1)) do\n"
    "      if ours(v) then redis.call('LREM', k, 0, v) end\n"
    "    end\n"
    "  elseif op == 'A' then\n"
    "    local f = {}\n"
    "    each(ARGV[9], function(v) f[#f + 1] = v end)\n"
    "    redis.call('XADD', k, '*', unpack(f))\n"
    "  end\n"
    "end\n"
    "return 1\n";

static store_script S_ERASE = STORE_SCRIPT(ERASE_LUA);

/* ================================================================= rows */

/* What follows a row's part in its key name. */
typedef enum erase_rest {
    R_NONE,       /* the part alone: a site-wide key */
    R_ID,         /* the comment id */
    R_ARTICLE,    /* its article id */
    R_EXACT,      /* 16 hex of its exact hash */
    R_AUTHOR_KEY, /* its author key (engine_author_key) */
    R_IP,         /* its author's IP */
    R_AUTHOR_HASH,/* the digest of its author key (store_key_author) */
    R_EMAIL,      /* an author index identity: e-mail, name, IP */
    R_NAME,
    R_IP_INDEX
} erase_rest;

typedef struct erase_row {
    char op;          /* ERASE_LUA's operation on the key */
    const char *part; /* STORE_K_* */
    erase_rest rest;
} erase_row;

/* What one comment feeds, in the order the script needs: the record first
 * (compared), the learned label before the reputation it takes back, the
 * webhook bodies before the deliveries they name. The duplicate bands and
 * per-flag queues follow, one key each (erase_keys). */
static const erase_row COMMENT_ROWS[] = {
    {'C', STORE_K_COMMENT, R_ID},
    {'D', STORE_K_CLAIM, R_ID},
    {'M', STORE_K_LEARNED, R_ID},
    {'P', STORE_K_REP_SPAM, R_NONE},
    {'Q', STORE_K_REP_HAM, R_NONE},
    {'Z', STORE_K_PENDING, R_NONE},
    {'Z', STORE_K_REJECTED, R_NONE},
    {'Z', STORE_K_APPROVED, R_NONE},
    {'Z', STORE_K_BY_SCORE "pending", R_NONE},
    {'Z', STORE_K_BY_SCORE "rejected", R_NONE},
    {'Z', STORE_K_BY_SCORE "approved", R_NONE},
    {'Z', STORE_K_ARTICLE_COMMENTS, R_ARTICLE}, /* the older layout's, until it expires */
    {'Z', STORE_K_LEASES, R_NONE},
    {'H', STORE_K_LEASE_OWNER, R_NONE},
    {'L', STORE_K_THREAD, R_ARTICLE},
    {'R', STORE_K_THREAD_REFS, R_ARTICLE},
    {'O', STORE_K_DUP_EXACT, R_EXACT},
    {'Y', STORE_K_LIST, R_NONE},
    {'Y', STORE_K_LIST_ARTICLE, R_ARTICLE},
    {'W', STORE_K_WH_DATA, R_NONE},
    {'W', STORE_K_WH_DEAD_DATA, R_NONE},
    {'w', STORE_K_WH_META, R_NONE},
    {'w', STORE_K_WH_DEAD_META, R_NONE},
    {'z', STORE_K_WH_OUTBOX, R_NONE},
    {'z', STORE_K_WH_INFLIGHT, R_NONE},
    {'z', STORE_K_WH_DEAD, R_NONE},
};
#define N_COMMENT_ROWS (sizeof COMMENT_ROWS / sizeof COMMENT_ROWS[0])

/* Per-author key kinds: an erased comment leaves them (op), an author's
 * erasure (store_author_forget) deletes them whole -- the identity index
 * (zsets, and the sets of the older layout until they expire) only for
 * the identity asked for: a name or IP may be shared by people whose
 * comments stay. */
static const erase_row AUTHOR_ROWS[] = {
    {'Z', STORE_K_IDENTITY, R_EMAIL},
    {'Z', STORE_K_IDENTITY, R_NAME},
    {'Z', STORE_K_IDENTITY, R_IP_INDEX},
    {'S', STORE_K_IDENTITY_SET, R_EMAIL},
    {'S', STORE_K_IDENTITY_SET, R_NAME},
    {'S', STORE_K_IDENTITY_SET, R_IP_INDEX},
    {'F', STORE_K_FLOOD_AUTHOR, R_AUTHOR_KEY},
    {'F', STORE_K_FLOOD_IP, R_IP},
    {'K', STORE_K_AUTHOR, R_AUTHOR_HASH},
    {'G', STORE_K_AUTHOR_LOG, R_AUTHOR_HASH},
};
#define N_AUTHOR_ROWS (sizeof AUTHOR_ROWS / sizeof AUTHOR_ROWS[0])

/* The audit stream comes last. */
#define N_ERASE_FIXED (N_COMMENT_ROWS + N_AUTHOR_ROWS + STORE_LSH_BANDS + 1)
/* ARGV of the script */
#define N_ERASE_ARGV 10
/* Per-flag queues the script itself clears; a record with more flags has
 * the rest cleared just after (a queue entry without a record is skipped
 * and purged by the review workflow). */
#define ERASE_SCRIPT_FLAGS (STORE_MAX_ARGS - 3 - N_ERASE_ARGV - (int)N_ERASE_FIXED)
_Static_assert(ERASE_SCRIPT_FLAGS >= 8, "an erasure clears a few flag queues atomically");

/* The key of row r for the comment or author e into k: its length, 0 when
 * e has no value for it (the row is skipped), -1 when it does not fit. */
static int row_key(char *k, size_t n, const erase_row *r, const store_erase *e) {
    const char *rest = NULL;
    char hx[17];
    switch (r->rest) {
    case R_NONE: break;
    case R_ID: rest = e->id; break;
    case R_ARTICLE: rest = e->article_id; break;
    case R_EXACT:
        store_key_hex16(hx, e->exact_hash);
        rest = hx;
        break;
    case R_AUTHOR_KEY: rest = e->author_key; break;
    case R_AUTHOR_HASH: break; /* below: a digest, not the key */
    case R_IP: /* counted only when known */
        if (!e->ip || !*e->ip) return 0;
        rest = e->ip;
        break;
    case R_EMAIL:
    case R_NAME:
    case R_IP_INDEX: {
        const char kind = r->rest == R_EMAIL ? STORE_AUTHOR_EMAIL
                          : r->rest == R_NAME ? STORE_AUTHOR_NAME : STORE_AUTHOR_IP;
        const char *v = r->rest == R_EMAIL ? e->author_email
                        : r->rest == R_NAME ? e->author_name : e->ip;
        int l = store_key_identity(k, n, e->site, r->part, kind, v);
        return l < 0 ? 0 : l; /* no such identity */
    }
    }
    if (r->rest == R_AUTHOR_HASH) {
        if (!e->author_key || !*e->author_key) return 0; /* unknown author: no history */
        return store_key_author(k, n, e->site, r->part, e->author_key);
    }
    if ((r->rest == R_ARTICLE && !e->article_id) || (r->rest == R_AUTHOR_KEY && !(rest && *rest)))
        return 0;
    return store_key(k, n, e->site, r->part, rest);
}

/* ================================================================ erase */

int store_comment_erase(store *s, const store_erase *e) {
    enum { MAXK = STORE_MAX_ARGS };
    char (*k)[STORE_KEY_MAX] = malloc((size_t)MAXK * STORE_KEY_MAX);
    char ops[MAXK + 1];
    char *audit = NULL, *rep = NULL;
    int rc = -1, nk = 0;
    if (!k) return -1;
    /* the rows, the bands, the flag queues, the audit stream */
    for (size_t i = 0; i < N_COMMENT_ROWS + N_AUTHOR_ROWS; i++) {
        const erase_row *r = i < N_COMMENT_ROWS ? &COMMENT_ROWS[i]
                                                : &AUTHOR_ROWS[i - N_COMMENT_ROWS];
        if ((r->op == 'L' || r->op == 'R') && !e->thread_text) continue;
        if (e->keep_deliveries && strchr("Wwz", r->op)) continue;
        int l = row_key(k[nk], STORE_KEY_MAX, r, e);
        if (l < 0) goto out;
        if (l > 0) ops[nk++] = r->op;
    }
    for (int b = 0; e->has_minhash && b < STORE_LSH_BANDS; b++) {
        if (store_key_band(k[nk], STORE_KEY_MAX, e->site, b, e->band[b]) < 0) goto out;
        ops[nk++] = 'O';
    }
    size_t nf = e->nflags, fi = 0;
    for (; fi < nf && fi < (size_t)ERASE_SCRIPT_FLAGS; fi++) {
        if (store_key(k[nk], STORE_KEY_MAX, e->site, STORE_K_PENDING_FLAG, e->flags[fi].code) < 0)
            goto out;
        ops[nk++] = 'Z';
    }
    if (e->naudit) {
        if (store_key(k[nk], STORE_KEY_MAX, e->site, STORE_K_AUDIT, NULL) < 0) goto out;
        ops[nk++] = 'A';
    }
    ops[nk] = 0;
    /* ARGV */
    size_t al = 0, rl = 0;
    for (size_t i = 0; i < e->naudit; i++) al += strlen(e->audit[i]) + 1;
    for (size_t i = 0; i < 2; i++) rl += e->rep[i] ? strlen(e->rep[i]) + 1 : 0;
    audit = malloc(al + 1);
    rep = malloc(rl + 1);
    if (!audit || !rep) goto out;
    char *p = audit;
    *p = 0;
    for (size_t i = 0; i < e->naudit; i++)
        p += sprintf(p, "%s%s", i ? "\x1f" : "", e->audit[i]);
    p = rep;
    *p = 0;
    for (size_t i = 0; i < 2; i++)
        if (e->rep[i] && *e->rep[i]) p += sprintf(p, "%s%s", p != rep ? "\x1f" : "", e->rep[i]);
    char member[MODEL_MAX_ID + 24];
    if (store_list_member(member, sizeof member, e->received_ms, e->id) < 0) goto out;
    cmd c;
    store_eval_begin(&c, &S_ERASE, nk);
    for (int i = 0; i < nk; i++) store_args(&c, k[i]);
    store_args(&c, ops);
    store_args(&c, e->id);
    store_arg(&c, e->record, e->record_len);
    store_args(&c, e->thread_text ? e->thread_text : "");
    store_args(&c, e->thread_text ? e->thread_ref : "");
    store_args(&c, e->flood_live ? "1" : "0");
    store_args(&c, rep);
    store_args(&c, member);
    store_args(&c, audit);
    store_args(&c, e->status ? e->status : "");
    redisReply *r;
    if (store_eval(s, &S_ERASE, &c, 1, &r) < 0) goto out;
    if (r->type == REDIS_REPLY_INTEGER && r->integer >= 0 && r->integer <= 2)
        rc = r->integer == 1 ? STORE_ERASED : r->integer == 2 ? STORE_ERASE_GONE
                                                              : STORE_ERASE_CHANGED;
    else
        store_reply_check(s, r);
    freeReplyObject(r);
    /* the flag queues beyond the script's share */
    for (; rc == STORE_ERASED && fi < nf; fi++) {
        cmd z = {0};
        if (store_key(k[0], STORE_KEY_MAX, e->site, STORE_K_PENDING_FLAG, e->flags[fi].code) < 0)
            continue;
        store_cmd(&z, "ZREM", k[0], e->id, NULL);
        if (store_run(s, &z, 1, &r) < 0) break;
        freeReplyObject(r);
    }
out:
    free(audit);
    free(rep);
    free(k);
    return rc;
}

/* ============================================================== authors */

int store_author_ids(store *s, const char *site, char kind, const char *value, char ***ids,
                     size_t *n) {
    *ids = NULL;
    *n = 0;
    char k[STORE_KEY_MAX], ko[STORE_KEY_MAX];
    if (store_key_identity(k, sizeof k, site, STORE_K_IDENTITY, kind, value) < 0 ||
        store_key_identity(ko, sizeof ko, site, STORE_K_IDENTITY_SET, kind, value) < 0)
        return 0;
    /* the zset, in received order, then what the older layout's set adds */
    cmd c[2];
    memset(c, 0, sizeof c);
    store_cmd(&c[0], "ZRANGE", k, "0", "-1", NULL);
    store_cmd(&c[1], "SMEMBERS", ko, NULL);
    redisReply *r[2];
    if (store_run(s, c, 2, r) < 0) return -1;
    int rc = r[0]->type == REDIS_REPLY_ARRAY && r[1]->type == REDIS_REPLY_ARRAY ? 0 : -1;
    size_t cap = rc == 0 ? r[0]->elements + r[1]->elements : 0;
    if (cap && !(*ids = calloc(cap, sizeof **ids))) rc = -1;
    for (int j = 0; rc == 0 && j < 2; j++)
        for (size_t i = 0; i < r[j]->elements; i++) {
            const redisReply *e = r[j]->element[i];
            if (e->type != REDIS_REPLY_STRING) continue;
            int seen = 0;
            for (size_t m = 0; j == 1 && !seen && m < *n; m++)
                seen = strlen((*ids)[m]) == e->len && memcmp((*ids)[m], e->str, e->len) == 0;
            if (seen) continue;
            char *v = store_take_str(r[j]->element[i], NULL);
            if (v) (*ids)[(*n)++] = v;
        }
    store_free_replies(r, 2);
    return rc;
}

int store_author_forget(store *s, const store_erase *e, int sets) {
    char (*k)[STORE_KEY_MAX] = malloc((N_AUTHOR_ROWS + 2) * STORE_KEY_MAX);
    if (!k) return -1;
    cmd c[N_AUTHOR_ROWS + 2];
    memset(c, 0, sizeof c);
    int n = 0, rc = -1;
    for (size_t i = 0; i < N_AUTHOR_ROWS; i++) {
        erase_rest rs = AUTHOR_ROWS[i].rest;
        if ((rs == R_EMAIL || rs == R_NAME || rs == R_IP_INDEX) && !sets) continue;
        int l = row_key(k[n], STORE_KEY_MAX, &AUTHOR_ROWS[i], e);
        if (l < 0) goto out;
        if (l > 0) {
            store_cmd(&c[n], "DEL", k[n], NULL);
            n++;
        }
    }
    /* the reputation of the author key and IP, whatever labels fed it */
    const char *parts[2] = {STORE_K_REP_SPAM, STORE_K_REP_HAM};
    for (int j = 0; j < 2 && (e->rep[0] || e->rep[1]); j++) {
        if (store_key(k[n], STORE_KEY_MAX, e->site, parts[j], NULL) < 0) goto out;
        store_cmd(&c[n], "HDEL", k[n], NULL);
        for (int i = 0; i < 2; i++)
            if (e->rep[i] && *e->rep[i]) store_args(&c[n], e->rep[i]);
        n++;
    }
    redisReply *r[N_AUTHOR_ROWS + 2];
    if (n && store_run(s, c, n, r) < 0) goto out;
    rc = 0;
    for (int i = 0; i < n; i++)
        if (r[i]->type == REDIS_REPLY_ERROR) rc = -1;
    store_free_replies(r, n);
out:
    free(k);
    return rc;
}
