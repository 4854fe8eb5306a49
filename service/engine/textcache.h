/* textcache.h - analysed thread texts and articles, shared by every engine session.
 *
 * A busy article's thread (its latest approved comments) comes back with
 * every new comment under it, and so does the article; analysing those
 * texts again per comment, or once per worker thread, costs many times the
 * comment itself. A cache maps a text (its 64-bit hash and length) to its
 * packed relevance vector (relevance_vec_pack_new, or _pack_tail_new with
 * the caller's data after it) and is shared by all sessions of an engine;
 * the engine keeps one for thread texts and one for articles.
 *
 * Thread-safe: sets of slots are guarded by striped mutexes. Entries are
 * reference counted: textcache_get/put hand out a reference the caller
 * gives back with textcache_release, so an entry evicted meanwhile stays
 * valid until its last user releases it. Memory is bounded by max_bytes
 * (vector bytes) and a fixed number of slots.
 */
#ifndef MODQ_TEXTCACHE_H
#define MODQ_TEXTCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "relevance.h"

typedef struct textcache textcache;
typedef struct textcache_entry textcache_entry;

/* Returns a new cache (free with textcache_free) or NULL when out of
 * memory. slots is rounded up to a power of two (at least 8). */
textcache *textcache_new(size_t slots, size_t max_bytes);
/* Frees the cache; entries still referenced live on until released. */
void textcache_free(textcache *c); /* NULL is a no-op */

/* The cached entry for (key, len) with a new reference, or NULL. */
textcache_entry *textcache_get(textcache *c, uint64_t key, size_t len);
/* Caches vec (a packed vector of `bytes` bytes: ownership passes to the
 * cache in every case) under (key, len) and returns the entry with a new
 * reference; if another thread cached the same text first, vec is freed
 * and that entry is returned. NULL when out of memory (vec freed). */
textcache_entry *textcache_put(textcache *c, uint64_t key, size_t len,
                               relevance_vec *vec, size_t bytes);
/* The entry's vector (valid while the reference is held). */
const relevance_vec *textcache_vec(const textcache_entry *e);
void textcache_release(textcache_entry *e); /* NULL is a no-op */

/* Bytes of vectors the cache holds now, and the entries it holds. */
size_t textcache_bytes(textcache *c);
size_t textcache_count(textcache *c);

#endif
