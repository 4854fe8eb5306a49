/* store_fake.h - a store connection whose Redis is the test: for the unit
 * tests of the store's command layer (test_store_cmd.c, test_store_script.c).
 *
 * fake_open makes a pool of one connection (its URL is never dialled) and
 * puts one end of a socketpair under that connection's hiredis context. A
 * thread on the other end plays Redis: it parses each command the store
 * sends (RESP, with hiredis' own reader), keeps the exact bytes, and
 * answers with the next reply the test queued (fake_expect), only once the
 * command is in -- as a real server does. No network, no redis-server.
 */
#ifndef MODQ_STORE_FAKE_H
#define MODQ_STORE_FAKE_H

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "store_private.h"

#define FAKE_REPLIES 16   /* replies a test queues at most */
#define FAKE_SENT 8192    /* bytes of commands kept between checks */

typedef struct fake_redis {
    store_pool *p;
    store *s;
    int peer;             /* the fake's end of the socketpair */
    pthread_t th;
    int started;
    pthread_mutex_t mu;   /* guards everything below */
    const char *reply[FAKE_REPLIES];
    size_t reply_len[FAKE_REPLIES];
    int nreply, next;
    char sent[FAKE_SENT];
    size_t nsent;
} fake_redis;

static inline void fake_write(int fd, const char *b, size_t n) {
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w <= 0) return;
        b += w;
        n -= (size_t)w;
    }
}

static inline void *fake_serve(void *arg) {
    fake_redis *f = arg;
    redisReader *rd = redisReaderCreate();
    char buf[4096];
    ssize_t r;
    while (rd && (r = read(f->peer, buf, sizeof buf)) > 0) {
        pthread_mutex_lock(&f->mu);
        size_t keep = (size_t)r < FAKE_SENT - f->nsent ? (size_t)r : FAKE_SENT - f->nsent;
        memcpy(f->sent + f->nsent, buf, keep);
        f->nsent += keep;
        pthread_mutex_unlock(&f->mu);
        redisReaderFeed(rd, buf, (size_t)r);
        void *cmdr = NULL;
        while (redisReaderGetReply(rd, &cmdr) == REDIS_OK && cmdr) {
            freeReplyObject(cmdr);
            cmdr = NULL;
            pthread_mutex_lock(&f->mu);
            const char *a = f->next < f->nreply ? f->reply[f->next] : NULL;
            size_t n = a ? f->reply_len[f->next++] : 0;
            pthread_mutex_unlock(&f->mu);
            if (a) fake_write(f->peer, a, n);
        }
    }
    if (rd) redisReaderFree(rd);
    return NULL;
}

/* fake_open with the pool made from o (o->url is never dialled; its
 * timeout is replaced). 0, or -1 when the pool, the socketpair or the
 * thread cannot be made. */
static inline int fake_open_with(fake_redis *f, const store_options *o) {
    memset(f, 0, sizeof *f);
    f->peer = -1;
    pthread_mutex_init(&f->mu, NULL);
    char err[160];
    int sv[2];
    if (!(f->p = store_pool_new(o, err, sizeof err))) return -1;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return -1;
    f->s = store_acquire(f->p);
    f->s->c = redisConnectFd(sv[0]); /* owns sv[0] now (redisFree closes it) */
    f->peer = sv[1];
    if (!f->s->c || f->s->c->err) return -1;
    struct timeval tv = {2, 0}; /* a missing reply fails the call, not the run */
    redisSetTimeout(f->s->c, tv);
    if (pthread_create(&f->th, NULL, fake_serve, f) != 0) return -1;
    f->started = 1;
    return 0;
}

static inline int fake_open(fake_redis *f) {
    store_options o = {.url = "redis://127.0.0.1:1", .size = 1};
    return fake_open_with(f, &o);
}

/* Queue n bytes of RESP: the answer to the next command not yet answered
 * (resp must outlive the exchange: a literal). */
static inline void fake_expect_n(fake_redis *f, const char *resp, size_t n) {
    pthread_mutex_lock(&f->mu);
    if (f->nreply < FAKE_REPLIES) {
        f->reply[f->nreply] = resp;
        f->reply_len[f->nreply++] = n;
    }
    pthread_mutex_unlock(&f->mu);
}
static inline void fake_expect(fake_redis *f, const char *resp) {
    fake_expect_n(f, resp, strlen(resp));
}

/* 1 when the store sent exactly the n bytes of want since the last check
 * (the commands of calls that have returned: each was answered after it
 * was read in full). */
static inline int fake_sent_is(fake_redis *f, const char *want, size_t n) {
    pthread_mutex_lock(&f->mu);
    int ok = f->nsent == n && memcmp(f->sent, want, n) == 0;
    if (!ok) fprintf(stderr, "  sent %zu bytes: %.*s\n", f->nsent, (int)f->nsent, f->sent);
    f->nsent = 0;
    pthread_mutex_unlock(&f->mu);
    return ok;
}

/* What the store sent since the last check, into buf (NUL-terminated;
 * the bytes of a binary argument may end it early for string functions).
 * Returns the byte count. */
static inline size_t fake_sent_take(fake_redis *f, char *buf, size_t n) {
    pthread_mutex_lock(&f->mu);
    size_t m = f->nsent < n - 1 ? f->nsent : n - 1;
    memcpy(buf, f->sent, m);
    buf[m] = 0;
    f->nsent = 0;
    pthread_mutex_unlock(&f->mu);
    return m;
}

static inline void fake_close(fake_redis *f) {
    if (f->s) store_release(f->p, f->s);
    store_pool_free(f->p); /* frees the context, closing the store's end */
    if (f->started) pthread_join(f->th, NULL); /* the fake reads EOF */
    if (f->peer >= 0) close(f->peer);
    pthread_mutex_destroy(&f->mu);
    memset(f, 0, sizeof *f);
}

#endif
