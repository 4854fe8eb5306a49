/* store_cache.c - the store pool's in-process cache of per-site look-up data.
 *
 * Owns two fixed tables behind one mutex: a site table (STORE_CACHE_SITES
 * slots, direct-mapped by site name) holding each site's last-seen df
 * version (modq:{S}:dfver), the learner's decision totals under the
 * learner version they were read at (modq:{S}:learnver) and the webhook
 * events the site subscribes under its webhook version (modq:{S}:whver);
 * and a term
 * table (STORE_CACHE_TERMS entries, direct-mapped by site and stem) holding
 * document frequencies, each tagged with the df version it was read at. A
 * term entry counts only while its site slot still belongs to the same site
 * (a reclaimed slot gets a new id) and its version equals the site's
 * last-seen one; the caller (store_lookup.c) still checks that version
 * against Redis before it trusts a hit. An article table
 * (STORE_CACHE_ARTICLES slots, direct-mapped by site and id) holds stored
 * article JSON under the article's version (modq:{S}:artver:<id>), so that
 * a look-up reads the version and the JSON only when it changed. A
 * signature table (STORE_CACHE_SIGS slots, by site and exact hash) holds
 * the author and MinHash of texts' first posters, which a look-up would
 * otherwise read from their exact keys for its near candidates. Never
 * talks to Redis; the site and term tables are fixed (about 4 MiB), the
 * article table holds copies of at most STORE_CACHE_ARTICLES articles of
 * at most STORE_CACHE_ARTICLE_MAX bytes each.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

typedef struct cache_site {
    uint64_t id; /* 0: free slot; else unique for this cache's lifetime */
    size_t len;
    char name[STORE_CACHE_SITE_MAX];
    int has_ver;
    uint64_t ver;
    int has_totals;
    uint32_t nspam, nham;
    uint64_t learn_ver; /* modq:{S}:learnver the totals were read at */
    int has_webhook;
    unsigned wh_events;
    uint64_t wh_ver;    /* modq:{S}:whver the events were read at */
} cache_site;


typedef struct cache_term {
    uint64_t site; /* cache_site.id of the owner, 0: empty */
    uint64_t ver;  /* df version the value was read at */
    uint32_t df;
    uint8_t len;
    char stem[STORE_CACHE_STEM_MAX]; /* not NUL-terminated */
} cache_term;

_Static_assert(sizeof(cache_term) == 64, "a term entry is one cache line");
_Static_assert((STORE_CACHE_TERMS & (STORE_CACHE_TERMS - 1)) == 0, "power of two");
_Static_assert((STORE_CACHE_SITES & (STORE_CACHE_SITES - 1)) == 0, "power of two");

/* A stored article JSON as read at its version (modq:{S}:artver:<id>). */
typedef struct cache_article {
    char *key;   /* "site\0id" (new), NULL: empty */
    size_t klen;
    uint64_t ver;
    char *json;  /* new, NULL: no article at that version */
    size_t len;
} cache_article;

/* A text's first poster and MinHash (store_cache_sig_get). */
typedef struct cache_sig {
    uint64_t h;  /* the exact hash */
    size_t slen; /* 0: empty */
    char site[STORE_CACHE_SITE_MAX];
    char *id, *author; /* new */
    uint32_t minhash[STORE_MINHASH_N];
} cache_sig;

struct store_cache {
    pthread_mutex_t mu;
    cache_sig sigs[STORE_CACHE_SIGS];
    cache_article articles[STORE_CACHE_ARTICLES];
    uint64_t next_id;
    cache_site sites[STORE_CACHE_SITES];
    cache_term terms[STORE_CACHE_TERMS];
};

store_cache *store_cache_new(void) {
    store_cache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->next_id = 1;
    return c;
}

void store_cache_free(store_cache *c) {
    if (!c) return;
    for (size_t i = 0; i < STORE_CACHE_ARTICLES; i++) {
        free(c->articles[i].key);
        free(c->articles[i].json);
    }
    for (size_t i = 0; i < STORE_CACHE_SIGS; i++) {
        free(c->sigs[i].id);
        free(c->sigs[i].author);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* FNV-1a, seeded; a final mix so the low bits (the index) depend on all. */
static uint64_t hash_bytes(uint64_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

/* The slot of site, NULL when absent (or the name is too long to cache).
 * With create, an absent site takes its slot (evicting the one there) with
 * a fresh id and nothing known. Called with c->mu held. */
static cache_site *find_site(store_cache *c, const char *site, int create) {
    size_t len = strlen(site);
    if (len > STORE_CACHE_SITE_MAX) return NULL;
    cache_site *s = &c->sites[hash_bytes(0xcbf29ce484222325ULL, site, len) &
                              (STORE_CACHE_SITES - 1)];
    if (s->id && s->len == len && memcmp(s->name, site, len) == 0) return s;
    if (!create) return NULL;
    memset(s, 0, sizeof *s);
    s->id = c->next_id++;
    s->len = len;
    memcpy(s->name, site, len);
    return s;
}

static cache_term *term_slot(store_cache *c, uint64_t site_id, const char *stem, size_t len) {
    uint64_t h = hash_bytes(0xcbf29ce484222325ULL ^ (site_id * 0x9e3779b97f4a7c15ULL), stem, len);
    return &c->terms[h & (STORE_CACHE_TERMS - 1)];
}

size_t store_cache_df_get(store_cache *c, const char *site, char *const *terms, size_t n,
                          uint32_t *df, unsigned char *hit, uint64_t *ver) {
    size_t nhit = 0;
    memset(hit, 0, n);
    pthread_mutex_lock(&c->mu);
    cache_site *s = find_site(c, site, 0);
    if (s && s->has_ver) {
        *ver = s->ver;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(terms[i]);
            if (len > STORE_CACHE_STEM_MAX) continue;
            const cache_term *e = term_slot(c, s->id, terms[i], len);
            if (e->site != s->id || e->ver != s->ver || e->len != len ||
                memcmp(e->stem, terms[i], len) != 0)
                continue;
            df[i] = e->df;
            hit[i] = 1;
            nhit++;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return nhit;
}

void store_cache_df_put(store_cache *c, const char *site, uint64_t ver, char *const *terms,
                        const uint32_t *df, const unsigned char *skip, size_t n) {
    pthread_mutex_lock(&c->mu);
    cache_site *s = find_site(c, site, 1);
    if (s) {
        s->has_ver = 1;
        s->ver = ver;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(terms[i]);
            if ((skip && skip[i]) || len > STORE_CACHE_STEM_MAX) continue;
            cache_term *e = term_slot(c, s->id, terms[i], len);
            e->site = s->id;
            e->ver = ver;
            e->df = df[i];
            e->len = (uint8_t)len;
            memcpy(e->stem, terms[i], len);
        }
    }
    pthread_mutex_unlock(&c->mu);
}

int store_cache_learn_get(store_cache *c, const char *site, uint32_t *nspam, uint32_t *nham,
                          uint64_t *ver) {
    int known = 0;
    pthread_mutex_lock(&c->mu);
    const cache_site *s = find_site(c, site, 0);
    if (s && s->has_totals) {
        *nspam = s->nspam;
        *nham = s->nham;
        *ver = s->learn_ver;
        known = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return known;
}

void store_cache_learn_put(store_cache *c, const char *site, uint32_t nspam, uint32_t nham,
                           uint64_t ver) {
    pthread_mutex_lock(&c->mu);
    cache_site *s = find_site(c, site, 1);
    if (s) {
        s->has_totals = 1;
        s->nspam = nspam;
        s->nham = nham;
        s->learn_ver = ver;
    }
    pthread_mutex_unlock(&c->mu);
}

int store_cache_webhook_get(store_cache *c, const char *site, unsigned *events, uint64_t *ver) {
    int known = 0;
    pthread_mutex_lock(&c->mu);
    const cache_site *s = find_site(c, site, 0);
    if (s && s->has_webhook) {
        *events = s->wh_events;
        *ver = s->wh_ver;
        known = 1;
    }
    pthread_mutex_unlock(&c->mu);
    return known;
}

void store_cache_webhook_put(store_cache *c, const char *site, unsigned events, uint64_t ver) {
    pthread_mutex_lock(&c->mu);
    cache_site *s = find_site(c, site, 1);
    if (s) {
        s->has_webhook = 1;
        s->wh_events = events;
        s->wh_ver = ver;
    }
    pthread_mutex_unlock(&c->mu);
}

/* The article slot of site and id, and its key "site\0id" into k (klen). */
static cache_article *article_slot(store_cache *c, const char *site, const char *id, char *k,
                                   size_t *klen) {
    size_t sl = strlen(site), il = strlen(id);
    memcpy(k, site, sl + 1);
    memcpy(k + sl + 1, id, il);
    *klen = sl + 1 + il;
    return &c->articles[hash_bytes(0x84222325cbf29ce4ULL, k, *klen) & (STORE_CACHE_ARTICLES - 1)];
}

int store_cache_article_version(store_cache *c, const char *site, const char *id,
                                uint64_t *ver) {
    char k[STORE_CACHE_SITE_MAX + 2 + MODEL_MAX_ID];
    size_t kl;
    if (strlen(site) > STORE_CACHE_SITE_MAX || strlen(id) > MODEL_MAX_ID) return 0;
    pthread_mutex_lock(&c->mu);
    const cache_article *a = article_slot(c, site, id, k, &kl);
    int known = a->key && a->klen == kl && memcmp(a->key, k, kl) == 0;
    if (known) *ver = a->ver;
    pthread_mutex_unlock(&c->mu);
    return known;
}

int store_cache_article_get(store_cache *c, const char *site, const char *id, uint64_t ver,
                            char **json, size_t *len) {
    char k[STORE_CACHE_SITE_MAX + 2 + MODEL_MAX_ID];
    size_t kl;
    *json = NULL;
    *len = 0;
    if (strlen(site) > STORE_CACHE_SITE_MAX || strlen(id) > MODEL_MAX_ID) return 0;
    int rc = 0;
    pthread_mutex_lock(&c->mu);
    const cache_article *a = article_slot(c, site, id, k, &kl);
    if (a->key && a->klen == kl && memcmp(a->key, k, kl) == 0 && a->ver == ver) {
        rc = 1;
        if (a->json) {
            if ((*json = malloc(a->len + 1))) {
                memcpy(*json, a->json, a->len + 1);
                *len = a->len;
            } else {
                rc = -1;
            }
        }
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void store_cache_article_put(store_cache *c, const char *site, const char *id, uint64_t ver,
                             const char *json, size_t len) {
    char k[STORE_CACHE_SITE_MAX + 2 + MODEL_MAX_ID];
    size_t kl;
    if (strlen(site) > STORE_CACHE_SITE_MAX || strlen(id) > MODEL_MAX_ID ||
        len > STORE_CACHE_ARTICLE_MAX)
        return;
    char *kc = NULL, *jc = NULL;
    pthread_mutex_lock(&c->mu);
    cache_article *a = article_slot(c, site, id, k, &kl);
    if (!(kc = malloc(kl)) || (json && !(jc = malloc(len + 1)))) {
        pthread_mutex_unlock(&c->mu);
        free(kc);
        return;
    }
    memcpy(kc, k, kl);
    if (json) {
        memcpy(jc, json, len);
        jc[len] = 0;
    }
    char *ok = a->key, *oj = a->json;
    a->key = kc;
    a->klen = kl;
    a->ver = ver;
    a->json = jc;
    a->len = json ? len : 0;
    pthread_mutex_unlock(&c->mu);
    free(ok);
    free(oj);
}

static cache_sig *sig_slot(store_cache *c, const char *site, size_t slen, uint64_t h) {
    uint64_t x = hash_bytes(0x9e3779b97f4a7c15ULL ^ h, site, slen);
    return &c->sigs[x & (STORE_CACHE_SIGS - 1)];
}

int store_cache_sig_get(store_cache *c, const char *site, uint64_t h, const char *id,
                        store_dup *d) {
    size_t slen = strlen(site);
    if (slen > STORE_CACHE_SITE_MAX || !slen) return 0;
    int rc = 0;
    pthread_mutex_lock(&c->mu);
    const cache_sig *e = sig_slot(c, site, slen, h);
    if (e->slen == slen && e->h == h && memcmp(e->site, site, slen) == 0 && e->id &&
        strcmp(e->id, id) == 0) {
        memset(d, 0, sizeof *d);
        d->id = strdup(e->id);
        d->author_key = strdup(e->author);
        if (d->id && d->author_key) {
            memcpy(d->minhash, e->minhash, sizeof d->minhash);
            d->has_minhash = 1;
            rc = 1;
        } else {
            free(d->id);
            free(d->author_key);
            d->id = d->author_key = NULL;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void store_cache_sig_put(store_cache *c, const char *site, uint64_t h, const store_dup *d) {
    size_t slen = strlen(site);
    if (slen > STORE_CACHE_SITE_MAX || !slen || !d->id || !d->author_key || !d->has_minhash)
        return;
    char *id = strdup(d->id), *au = strdup(d->author_key);
    if (!id || !au) {
        free(id);
        free(au);
        return;
    }
    pthread_mutex_lock(&c->mu);
    cache_sig *e = sig_slot(c, site, slen, h);
    char *oid = e->id, *oau = e->author;
    e->h = h;
    e->slen = slen;
    memcpy(e->site, site, slen);
    e->id = id;
    e->author = au;
    memcpy(e->minhash, d->minhash, sizeof e->minhash);
    pthread_mutex_unlock(&c->mu);
    free(oid);
    free(oau);
}
