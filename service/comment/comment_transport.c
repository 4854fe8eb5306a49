/* comment_transport.c - the two transports of the comment driver: the
 * store's pipe and a pool connection.
 *
 * Both implement comment_transport (comment_private.h): each round trip is
 * submitted with a callback. The pipe's calls queue an op on a lane, whose
 * thread sends it with the other requests' and calls back when its
 * replies are in. The synchronous calls do the store's blocking call at
 * once, on a connection borrowed for it (the same append-and-read halves
 * the lanes use, with a wait for the replies), and record the completion
 * for comment_sync_run to deliver. Owns no request data: what a call
 * points to is its caller's.
 */
#include <assert.h>

#include "clock.h"
#include "comment_private.h"
#include "store_webhook.h"

/* ================================================================ the pipe */

static int pipe_lookup(void *arg, const store_lookup_req *q, store_lookup *out, int delay_ms,
                       comment_io_done cb, void *ctx) {
    return store_pipe_lookup(arg, q, out, delay_ms, cb, ctx);
}

static int pipe_texts(void *arg, const store_lookup_req *q, store_lookup *out,
                      comment_io_done cb, void *ctx) {
    return store_pipe_thread_texts(arg, q, out, cb, ctx);
}

/* A claimed write never finds the record stored (the claim says nobody
 * wrote it), so the pipe has no existing record to return. */
static int pipe_write(void *arg, const store_write *w, char **existing, size_t *elen,
                      comment_io_done cb, void *ctx) {
    *existing = NULL;
    *elen = 0;
    return store_pipe_write(arg, w, cb, ctx);
}

static int pipe_claim_drop(void *arg, const char *site, const char *id, comment_io_done cb,
                           void *ctx) {
    return store_pipe_claim_drop(arg, site, id, cb, ctx);
}

static int pipe_notify(void *arg, const char *site, const char *event, const char *json,
                       size_t len, comment_io_done cb, void *ctx) {
    return store_pipe_webhook_notify(arg, site, event, json, len, cb, ctx);
}

void comment_transport_pipe(comment_transport *t, store_pipe *pp) {
    *t = (comment_transport){pp, pipe_lookup, pipe_texts, pipe_write, pipe_claim_drop, pipe_notify};
}

/* ====================================================== a pool connection */

/* The completion of the call just made, for comment_sync_run. */
static int sync_done(comment_sync *st, comment_io_done cb, void *ctx, int rc) {
    if (!cb) return 0;
    assert(!st->cb); /* one round trip at a time: a stage waits for its own */
    st->cb = cb;
    st->ctx = ctx;
    st->rc = rc;
    return 0;
}

static int sync_lookup(void *arg, const store_lookup_req *q, store_lookup *out, int delay_ms,
                       comment_io_done cb, void *ctx) {
    comment_sync *st = arg;
    if (delay_ms > 0) clock_sleep_ms(delay_ms);
    store *s = store_acquire(st->pool);
    int rc = store_comment_lookup(s, q, out);
    store_release(st->pool, s);
    return sync_done(st, cb, ctx, rc);
}

static int sync_texts(void *arg, const store_lookup_req *q, store_lookup *out,
                      comment_io_done cb, void *ctx) {
    comment_sync *st = arg;
    store *s = store_acquire(st->pool);
    int rc = store_thread_texts(s, q, out);
    store_release(st->pool, s);
    return sync_done(st, cb, ctx, rc);
}

static int sync_write(void *arg, const store_write *w, char **existing, size_t *elen,
                      comment_io_done cb, void *ctx) {
    comment_sync *st = arg;
    store *s = store_acquire(st->pool);
    int rc = store_comment_write(s, w, existing, elen);
    store_release(st->pool, s);
    return sync_done(st, cb, ctx, rc);
}

static int sync_claim_drop(void *arg, const char *site, const char *id, comment_io_done cb,
                           void *ctx) {
    comment_sync *st = arg;
    store *s = store_acquire(st->pool);
    int rc = store_claim_drop(s, site, id);
    store_release(st->pool, s);
    return sync_done(st, cb, ctx, rc);
}

static int sync_notify(void *arg, const char *site, const char *event, const char *json,
                       size_t len, comment_io_done cb, void *ctx) {
    comment_sync *st = arg;
    if (!webhook_event_bit(event)) return -1;
    store *s = store_acquire(st->pool);
    int rc = webhook_notify(s, site, event, json, len);
    store_release(st->pool, s);
    return sync_done(st, cb, ctx, rc);
}

void comment_transport_sync(comment_transport *t, comment_sync *st, store_pool *pool) {
    *st = (comment_sync){pool, NULL, NULL, 0};
    *t = (comment_transport){st, sync_lookup, sync_texts, sync_write, sync_claim_drop,
                             sync_notify};
}

void comment_sync_run(comment_sync *st) {
    while (st->cb) {
        comment_io_done cb = st->cb;
        st->cb = NULL;
        cb(st->ctx, st->rc);
    }
}
