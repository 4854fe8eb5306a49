/* textcache.c - analysed thread texts shared by the engine's sessions.
 *
 * Owns its slot table and one reference to every entry in it. A slot set
 * (TC_WAYS consecutive slots) is chosen by the key's high bits and guarded
 * by one of TC_LOCKS mutexes; a full set evicts its least recently used
 * entry. When the vectors' bytes exceed max_bytes, a clock hand walks the
 * sets and evicts their least recently used entries until they fit.
 * Evicting drops only the cache's reference: a session still holding an
 * entry keeps it until textcache_release.
 */
#include "textcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define TC_WAYS 8
#define TC_LOCKS 64

struct textcache_entry {
    uint64_t key;
    size_t len;
    size_t bytes;
    relevance_vec *vec; /* packed, owned */
    atomic_uint refs;
};

typedef struct tc_slot {
    textcache_entry *e;
    uint64_t used; /* tick of the last hit (LRU within the set) */
} tc_slot;

struct textcache {
    pthread_mutex_t mu[TC_LOCKS];
    tc_slot *slot;
    size_t nsets;
    size_t max_bytes;
    atomic_size_t bytes, count, hand;
    atomic_uint_fast64_t tick;
};

textcache *textcache_new(size_t slots, size_t max_bytes) {
    size_t n = TC_WAYS;
    while (n < slots)
        n <<= 1;
    textcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (!(c->slot = calloc(n, sizeof *c->slot))) {
        free(c);
        return NULL;
    }
    c->nsets = n / TC_WAYS;
    c->max_bytes = max_bytes;
    for (int i = 0; i < TC_LOCKS; i++)
        pthread_mutex_init(&c->mu[i], NULL);
    return c;
}

void textcache_release(textcache_entry *e) {
    if (e && atomic_fetch_sub(&e->refs, 1) == 1) {
        relevance_vec_packed_free(e->vec);
        free(e);
    }
}

void textcache_free(textcache *c) {
    if (!c)
        return;
    for (size_t i = 0; i < c->nsets * TC_WAYS; i++)
        textcache_release(c->slot[i].e);
    for (int i = 0; i < TC_LOCKS; i++)
        pthread_mutex_destroy(&c->mu[i]);
    free(c->slot);
    free(c);
}

static size_t set_of(const textcache *c, uint64_t key) {
    return (size_t)(key >> 32) & (c->nsets - 1);
}

static pthread_mutex_t *lock_of(textcache *c, size_t set) {
    return &c->mu[set & (TC_LOCKS - 1)];
}

/* Drops the cache's reference to slot t's entry. Caller holds the lock. */
static void evict(textcache *c, tc_slot *t) {
    atomic_fetch_sub(&c->bytes, t->e->bytes);
    atomic_fetch_sub(&c->count, 1);
    textcache_release(t->e);
    t->e = NULL;
}

textcache_entry *textcache_get(textcache *c, uint64_t key, size_t len) {
    size_t set = set_of(c, key);
    tc_slot *s = &c->slot[set * TC_WAYS];
    textcache_entry *hit = NULL;
    pthread_mutex_lock(lock_of(c, set));
    for (int i = 0; i < TC_WAYS; i++)
        if (s[i].e && s[i].e->key == key && s[i].e->len == len) {
            hit = s[i].e;
            atomic_fetch_add(&hit->refs, 1);
            s[i].used = atomic_fetch_add(&c->tick, 1);
            break;
        }
    pthread_mutex_unlock(lock_of(c, set));
    return hit;
}

/* Evicts least recently used entries, one set at a time from the clock
 * hand, until the vectors fit in max_bytes (or every set was visited). */
static void trim(textcache *c) {
    for (size_t n = 0; atomic_load(&c->bytes) > c->max_bytes && n < c->nsets; n++) {
        size_t set = atomic_fetch_add(&c->hand, 1) & (c->nsets - 1);
        tc_slot *s = &c->slot[set * TC_WAYS];
        pthread_mutex_lock(lock_of(c, set));
        tc_slot *lru = NULL;
        for (int i = 0; i < TC_WAYS; i++)
            if (s[i].e && (!lru || s[i].used < lru->used))
                lru = &s[i];
        if (lru)
            evict(c, lru);
        pthread_mutex_unlock(lock_of(c, set));
    }
}

textcache_entry *textcache_put(textcache *c, uint64_t key, size_t len,
                               relevance_vec *vec, size_t bytes) {
    textcache_entry *e = calloc(1, sizeof *e);
    if (!e) {
        relevance_vec_packed_free(vec);
        return NULL;
    }
    e->key = key;
    e->len = len;
    e->vec = vec;
    e->bytes = bytes;
    atomic_init(&e->refs, 2); /* the cache's and the caller's */
    size_t set = set_of(c, key);
    tc_slot *s = &c->slot[set * TC_WAYS];
    pthread_mutex_lock(lock_of(c, set));
    tc_slot *victim = NULL; /* an empty slot, else the least recently used */
    for (int i = 0; i < TC_WAYS; i++) {
        if (s[i].e && s[i].e->key == key && s[i].e->len == len) {
            textcache_entry *old = s[i].e; /* cached by another thread */
            atomic_fetch_add(&old->refs, 1);
            s[i].used = atomic_fetch_add(&c->tick, 1);
            pthread_mutex_unlock(lock_of(c, set));
            relevance_vec_packed_free(vec);
            free(e);
            return old;
        }
        if (!victim || (victim->e && (!s[i].e || s[i].used < victim->used)))
            victim = &s[i];
    }
    if (victim->e)
        evict(c, victim);
    victim->e = e;
    victim->used = atomic_fetch_add(&c->tick, 1);
    atomic_fetch_add(&c->bytes, bytes);
    atomic_fetch_add(&c->count, 1);
    pthread_mutex_unlock(lock_of(c, set));
    trim(c);
    return e;
}

const relevance_vec *textcache_vec(const textcache_entry *e) { return e->vec; }
size_t textcache_bytes(textcache *c) { return atomic_load(&c->bytes); }
size_t textcache_count(textcache *c) { return atomic_load(&c->count); }
