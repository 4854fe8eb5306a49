/* store.h - Redis persistence: the only module that includes hiredis.h.
 *
 * A store_pool owns a fixed set of connections; a worker borrows one with
 * store_acquire() for the length of a request (hiredis contexts are not
 * thread-safe). When Redis is unreachable the pool opens a short circuit so
 * requests fail fast (every call returns -1 at once) instead of each
 * waiting for a timeout. All user text reaches Redis as binary-safe argv.
 *
 * Key layout (every key of a site carries the {site} hash tag):
 *   modq:{S}:article:<id>        string  article JSON (storage form)
 *   modq:{S}:article_url:<url>   string  article id for a permalink
 *   modq:{S}:df                  hash    stem -> articles containing it
 *   modq:{S}:ndocs               string  articles registered
 *   modq:{S}:comment:<id>        string  comment JSON, EX retention
 *   modq:{S}:pending             zset    id -> enqueue ms (review queue)
 *   modq:{S}:dup:x:<hash>        string  "id\x1fauthor" first poster, EX window
 *   modq:{S}:dup:b<i>:<key>      string  "id\x1fauthor\x1fminhash", EX window
 *   modq:{S}:flood:a:<author>    string  counter, EX flood_window
 *   modq:{S}:flood:i:<ip>        string  counter, EX flood_window
 *   modq:{S}:thread:<article>    list    recent approved comment texts
 *   modq:sites                   set     sites that ever queued an item
 */
#ifndef MODQ_STORE_H
#define MODQ_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#define STORE_KEY_MAX 2600 /* prefix + site + a 2048-byte URL */

typedef struct store store;
typedef struct store_pool store_pool;

typedef struct store_options {
    const char *url;      /* redis://[user:pass@]host:port[/db] */
    int timeout_ms;       /* connect and per-command timeout */
    unsigned size;        /* connections in the pool */
} store_options;

/* Returns new pool (free with store_pool_free) or NULL with err filled (only
 * for a malformed URL: an unreachable Redis is not an error here). */
store_pool *store_pool_new(const store_options *o, char *err, size_t errlen);
void store_pool_free(store_pool *p);

/* Borrow a connection; blocks while all are in use. Never NULL. Return it
 * with store_release(). */
store *store_acquire(store_pool *p);
void store_release(store_pool *p, store *s);

/* 1 when the last operation through the pool reached Redis. */
int store_pool_up(store_pool *p);
/* Redis errors (connection failures and error replies) since start. */
unsigned long store_pool_errors(store_pool *p);

/* PING. Returns 0, or -1 with why filled. */
int store_ping(store *s, char *why, size_t n);

/* ---- articles ---- */

/* 1 and *json (new, free()) when found, 0 when absent, -1 on error. */
int store_article_get(store *s, const char *site, const char *id,
                      char **json, size_t *len);
/* Id of the article registered with a URL: 1 found (*id new), 0, -1. */
int store_article_by_url(store *s, const char *site, const char *url, char **id);
/* Write an article and adjust the site's document frequencies: +1 for each
 * of add_terms, -1 for each of del_terms, ndocs +1 when created. 0 / -1. */
int store_article_put(store *s, const char *site, const char *id,
                      const char *json, size_t len, const char *url,
                      const char *old_url, char *const *add_terms, size_t nadd,
                      char *const *del_terms, size_t ndel, int created);

/* ---- comments ---- */

typedef struct store_lookup_req {
    const char *site;
    const char *comment_id;   /* NULL: no idempotency look-up */
    const char *article_id;
    uint64_t exact_hash;
    int has_minhash;
    const uint64_t *band;     /* ENGINE_LSH_BANDS keys when has_minhash */
    char *const *terms;       /* stems for df */
    size_t nterms;
    const char *author_key;
    const char *ip;           /* NULL when unknown */
    unsigned thread_n;        /* approved thread texts wanted */
} store_lookup_req;

typedef struct store_dup {
    char *id, *author_key;    /* new strings */
    uint32_t minhash[ENGINE_MINHASH_N];
    int has_minhash;
    int exact;
} store_dup;

typedef struct store_lookup {
    char *existing;           /* stored comment JSON when the id exists */
    size_t existing_len;
    char *article;            /* article JSON or NULL */
    size_t article_len;
    char **thread;            /* nthread new strings */
    size_t nthread;
    uint32_t *df;             /* nterms values */
    uint32_t ndocs;
    store_dup dups[1 + ENGINE_LSH_BANDS];
    size_t ndups;
    unsigned flood_count;     /* max of author and IP counters */
} store_lookup;

/* One round trip. Returns 0 with *out filled (free with
 * store_lookup_free), -1 on Redis trouble (out left empty). */
int store_comment_lookup(store *s, const store_lookup_req *r, store_lookup *out);
void store_lookup_free(store_lookup *l);

typedef struct store_write {
    const char *site, *id, *article_id;
    const char *record;        /* storage JSON */
    size_t record_len;
    const char *status;        /* "approved" | "pending" | "rejected" */
    long long received_ms;
    long retention_s;
    uint64_t exact_hash;
    int has_minhash;
    const uint64_t *band;
    const uint32_t *minhash;
    const char *author_key;
    const char *ip;
    long dup_window_s;
    long flood_window_s;
    const char *thread_text;   /* pushed when approved; NULL to skip */
    unsigned thread_max;
} store_write;

/* Atomically store a new comment (SET NX), queue it when pending, register
 * duplicate keys, count flood, extend the thread. One round trip.
 * Returns 1 written, 0 the id already existed (*existing = stored JSON, new,
 * may be NULL), -1 on Redis trouble. */
int store_comment_write(store *s, const store_write *w, char **existing,
                        size_t *existing_len);

/* 1 and *json (new) when found, 0 absent, -1 error. */
int store_comment_get(store *s, const char *site, const char *id, char **json,
                      size_t *len);

/* Review queue depth over all sites, or -1 on error. */
long long store_queue_depth(store *s);

#endif
