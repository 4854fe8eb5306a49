/* comment_article.c - decoded articles, per thread, keyed by their stored
 * bytes.
 *
 * The stored article comes with every comment's look-up (from the store
 * pool's cache while its version in Redis is unchanged, else from Redis),
 * and comments mostly belong to a few busy articles: keyed by the exact
 * stored bytes, a hit skips the JSON decode (an article edit changes the
 * bytes, so it is never served stale). Owns the decoded copies; never
 * analyses them.
 *
 * Why the engine keeps a cache of its own (engine.c, analysed articles per
 * session, keyed by a hash of title, body, tags and url): the two hold
 * different work. This one saves the codec's decode of the stored JSON
 * and must be keyed by what Redis sent, before anything is decoded; the
 * engine's saves the analysis (normalising, stemming, the relevance
 * vector, the shingles: the larger cost, tens of ns per byte in
 * bench/engine_bench.c) and must be keyed by what it analyses, since the
 * engine knows nothing of JSON or Redis. Keying the engine's by these
 * bytes would have the engine trust a key it cannot check; keeping
 * analyses here would have this layer hold engine internals. A hit costs a
 * memcmp of the bytes here and a hash of the decoded text there: a
 * fraction of a microsecond per KB each, beside a round trip.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "comment_private.h"

/* Articles kept per thread: the busy articles of a moment (a lane serves
 * the comments of every site). */
#define COMMENT_ARTICLE_CACHE 8

typedef struct article_slot {
    char *raw; /* the stored JSON it was decoded from; NULL = empty */
    size_t len;
    unsigned long long used;
    model_article art;
} article_slot;

typedef struct article_cache {
    article_slot slot[COMMENT_ARTICLE_CACHE];
    unsigned long long tick;
} article_cache;

static pthread_key_t article_key;
static pthread_once_t article_once = PTHREAD_ONCE_INIT;

static void article_slot_clear(article_slot *t) {
    free(t->raw);
    t->raw = NULL;
    model_article_free(&t->art);
}

static void article_cache_destroy(void *p) {
    article_cache *c = p;
    for (int i = 0; i < COMMENT_ARTICLE_CACHE; i++) article_slot_clear(&c->slot[i]);
    free(c);
}

static void article_cache_init(void) { pthread_key_create(&article_key, article_cache_destroy); }

const model_article *comment_article_decoded(const char *raw, size_t len) {
    pthread_once(&article_once, article_cache_init);
    article_cache *c = pthread_getspecific(article_key);
    if (!c) {
        if (!(c = calloc(1, sizeof *c))) return NULL;
        pthread_setspecific(article_key, c);
    }
    article_slot *victim = NULL;
    for (int i = 0; i < COMMENT_ARTICLE_CACHE; i++) {
        article_slot *t = &c->slot[i];
        if (t->raw && t->len == len && memcmp(t->raw, raw, len) == 0) {
            t->used = ++c->tick;
            return &t->art;
        }
        if (!victim || (victim->raw && (!t->raw || t->used < victim->used))) victim = t;
    }
    article_slot_clear(victim);
    codec_error ce;
    if (!(victim->raw = malloc(len ? len : 1))) return NULL;
    memcpy(victim->raw, raw, len);
    victim->len = len;
    if (codec_decode_article_content(raw, len, &victim->art, &ce) < 0) {
        free(victim->raw);
        victim->raw = NULL;
        return NULL;
    }
    victim->used = ++c->tick;
    return &victim->art;
}
