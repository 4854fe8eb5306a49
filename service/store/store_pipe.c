/* store_pipe.c - comment look-ups and writes of many requests in shared
 * round trips (see store.h).
 *
 * One thread owns one connection (a `store` outside the pool, made like
 * any other and then switched to non-blocking) and four lists: the inbox
 * (filled by any thread under mu), the delayed requests (not to be sent
 * before their time), the ready ones and the in-flight FIFO. A turn of its
 * loop appends the commands of everything ready, writes them in one go,
 * and hands each reply to the oldest request still short of replies --
 * Redis answers a connection's commands in order. A request whose last
 * reply is in is completed there and then (its callback runs on this
 * thread), unless its replies ask for another round trip -- a look-up's
 * second one (a df version change, the classifier just able to vote), a
 * script call the server had no copy of (NOSCRIPT): the op then goes back
 * to the ready list and is sent again with the next turn, so a lane never
 * waits on anything but its own socket (it never borrows a pool
 * connection). Anything wrong with the connection (a transport error, a
 * protocol error, READONLY, no reply within redis_timeout_ms) drops it and
 * fails every request in flight: their callbacks see -1 and the caller
 * spools, as it would after a failed synchronous round trip.
 *
 * Ownership: the pipe owns its ops and their replies; the callers own q,
 * out, w and a webhook event's site, event and JSON, which must outlive
 * the callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "store_private.h"
#include "store_webhook.h"

/* Bytes read from the socket per read(2): many requests' replies. */
#define PIPE_READ_CHUNK (64 * 1024)
/* ... handed to hiredis' reader this much at a time, taking the replies
 * out after each piece. Its reader moves the unread rest of its buffer to
 * the front each time 1 KB has been consumed: with a whole chunk inside,
 * every small reply (a write's +QUEUED) moved up to 64 KB. */
#define PIPE_FEED_SLICE 2048

enum { OP_LOOKUP, OP_WRITE, OP_DEL, OP_TEXTS, OP_NOTIFY };

typedef struct pipe_op {
    struct pipe_op *next;
    int kind;
    const store_lookup_req *q; /* OP_LOOKUP, OP_TEXTS */
    store_lookup *out;
    store_lookup_op *lop;
    const store_write *w;      /* OP_WRITE */
    store_write_state st;
    char key[STORE_KEY_MAX];   /* OP_DEL */
    const char *site, *event;  /* OP_NOTIFY (borrowed, as json) */
    const char *json;
    size_t json_len;
    char id[WEBHOOK_ID_LEN + 8]; /* OP_NOTIFY: the delivery id */
    int again;                 /* sent again: OP_LOOKUP its second round
                                  trip, OP_NOTIFY as EVAL with the source */
    store_pipe_done cb;
    void *ctx;
    redisReply **rep;          /* nrep slots, got filled */
    int nrep, got;
    long long due_ms;          /* not sent before (0: at once) */
    long long sent_ms;
} pipe_op;

typedef struct op_list {
    pipe_op *head, *tail;
} op_list;

typedef struct lane {
    store_pool *pool;
    store s;              /* the pipe's own connection (loop thread only) */
    unsigned long nb_serial; /* s.serial when it was made non-blocking */
    int efd;              /* eventfd: wakes the loop */
    pthread_t th;
    pthread_mutex_t mu;   /* guards inbox, stopping, sleeping, kicked */
    op_list inbox;
    int stopping, sleeping, kicked;
    /* loop thread only */
    op_list delayed, ready, flight;
    char *rbuf;
} lane;

struct store_pipe {
    lane *lane;
    unsigned nlanes;
    atomic_uint next; /* round robin over the lanes */
};

static void list_push(op_list *l, pipe_op *op) {
    op->next = NULL;
    if (l->tail) l->tail->next = op;
    else l->head = op;
    l->tail = op;
}

static pipe_op *list_pop(op_list *l) {
    pipe_op *op = l->head;
    if (op && !(l->head = op->next)) l->tail = NULL;
    return op;
}

static void op_free(pipe_op *op) {
    if (op->rep) store_free_replies(op->rep, op->got);
    free(op->rep);
    store_lookup_op_free(op->lop);
    free(op);
}

/* Complete op with rc -1 (Redis unavailable). */
static void op_fail(pipe_op *op) {
    if (op->kind == OP_LOOKUP && op->again)
        store_lookup_free(op->out); /* filled in part by its first round trip */
    else if (op->kind == OP_LOOKUP)
        memset(op->out, 0, sizeof *op->out);
    if (op->cb) op->cb(op->ctx, -1);
    op_free(op);
}

/* Drop the connection and fail everything in flight on it. */
static void pipe_drop(lane *pp) {
    if (pp->s.c) store_drop(&pp->s);
    for (pipe_op *op; (op = list_pop(&pp->flight));) op_fail(op);
}

/* op's replies asked for another round trip: back to the ready list, its
 * replies dropped, sent with the lane's next turn. */
static void op_again(lane *pp, pipe_op *op) {
    store_free_replies(op->rep, op->got);
    free(op->rep);
    op->rep = NULL;
    op->nrep = op->got = 0;
    op->again = 1;
    list_push(&pp->ready, op);
}

/* All of op's replies are in: parse them, run its callback (or send it
 * again, op_again). */
static void op_complete(lane *pp, pipe_op *op) {
    int rc;
    if (op->kind == OP_LOOKUP && !op->again) {
        rc = store_lookup_read(&pp->s, op->lop, op->rep, op->out);
        if (rc == 1) { /* the rare second round trip */
            op_again(pp, op);
            return;
        }
    } else if (op->kind == OP_LOOKUP) {
        rc = store_lookup_more_read(&pp->s, op->lop, op->rep, op->out);
    } else if (op->kind == OP_WRITE) {
        rc = store_write_read(&pp->s, op->w, &op->st, op->rep);
        if (rc == 0) rc = -1; /* an abort needs a WATCH, which claimed writes never use */
    } else if (op->kind == OP_TEXTS) {
        rc = store_thread_texts_read(op->rep[0], op->out);
    } else if (op->kind == OP_NOTIFY) {
        rc = store_webhook_notify_read(op->rep[0], op->site, op->event, op->id);
        if (rc == STORE_EVAL_AGAIN && !op->again) { /* the script cache was empty */
            op_again(pp, op);
            return;
        }
        rc = rc < 0 || rc == STORE_EVAL_AGAIN ? -1 : 0;
    } else {
        rc = 0; /* OP_DEL: an error reply was logged */
    }
    if (op->cb) op->cb(op->ctx, rc);
    op_free(op);
}

/* A live, non-blocking connection: 0, or -1 (Redis down). */
static int pipe_ready(lane *pp) {
    store *s = &pp->s;
    if (s->c && s->pool->sentinel && s->gen != store_sentinel_generation(s->pool->sentinel))
        pipe_drop(pp); /* another primary was named: what is in flight fails */
    if (store_ready_(s) < 0) return -1;
    if (pp->nb_serial != s->serial) {
        int fl = fcntl(s->c->fd, F_GETFL);
        if (fl < 0 || fcntl(s->c->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
            store_drop(s);
            return -1;
        }
        s->c->flags &= ~REDIS_BLOCK;
        pp->nb_serial = s->serial;
    }
    return 0;
}

/* Append the commands of every ready op and move it in flight. */
static void pipe_send_ready(lane *pp, long long now) {
    if (!pp->ready.head) return;
    if (pipe_ready(pp) < 0) {
        for (pipe_op *op; (op = list_pop(&pp->ready));) op_fail(op);
        return;
    }
    for (pipe_op *op; (op = list_pop(&pp->ready));) {
        int n;
        if (op->kind == OP_LOOKUP && op->again) {
            n = store_lookup_more_append(&pp->s, op->lop, op->out);
        } else if (op->kind == OP_LOOKUP) {
            n = op->lop || (op->lop = store_lookup_begin(pp->pool, op->q))
                    ? store_lookup_append(&pp->s, op->lop) : -1;
        } else if (op->kind == OP_WRITE) {
            n = store_write_append(&pp->s, op->w, &op->st);
        } else if (op->kind == OP_TEXTS) {
            n = store_thread_texts_append(&pp->s, op->q);
        } else if (op->kind == OP_NOTIFY) {
            n = store_webhook_notify_append(&pp->s, op->site, op->event, op->json, op->json_len,
                                            op->id, op->again);
        } else {
            cmd c = {0};
            store_cmd(&c, "DEL", op->key, NULL);
            n = store_append_cmds(&pp->s, &c, 1) < 0 ? -1 : 1;
        }
        if (n < 0 || !(op->rep = calloc((size_t)(n ? n : 1), sizeof *op->rep))) {
            /* out of memory halfway through an append: the buffer may hold
             * part of its commands, so the connection cannot go on */
            op_fail(op);
            pipe_drop(pp);
            for (; (op = list_pop(&pp->ready));) op_fail(op);
            return;
        }
        op->nrep = n;
        op->sent_ms = now;
        if (n == 0) {
            op_complete(pp, op);
            continue;
        }
        list_push(&pp->flight, op);
    }
}

/* Write what the connection's buffer holds. 1 when some is left (wait for
 * POLLOUT), 0 when all is written, -1 on failure (dropped). */
static int pipe_flush(lane *pp) {
    if (!pp->s.c) return 0;
    int done = 0;
    if (redisBufferWrite(pp->s.c, &done) != REDIS_OK) {
        log_msg(LOG_WARN, "redis: %s", pp->s.c->errstr);
        pipe_drop(pp);
        return -1;
    }
    return done ? 0 : 1;
}

/* Hand the replies in the reader's buffer to their ops, completing those
 * with all their replies. 0, or -1 when the connection was dropped. */
static int pipe_take_replies(lane *pp) {
    redisContext *c = pp->s.c;
    for (;;) {
        void *r = NULL;
        if (redisReaderGetReply(c->reader, &r) != REDIS_OK) {
            log_msg(LOG_WARN, "redis: protocol error: %s", c->reader->errstr);
            pipe_drop(pp);
            return -1;
        }
        if (!r) return 0;
        pipe_op *op = pp->flight.head;
        if (!op) { /* a reply nobody asked for: the stream is out of step */
            freeReplyObject(r);
            log_msg(LOG_WARN, "redis: unexpected reply on the pipelined connection");
            pipe_drop(pp);
            return -1;
        }
        op->rep[op->got++] = r;
        if (store_reply_check(&pp->s, r) < 0) { /* READONLY: demoted */
            pipe_drop(pp);
            return -1;
        }
        if (op->got == op->nrep) {
            list_pop(&pp->flight);
            atomic_store(&pp->pool->up, 1);
            op_complete(pp, op);
        }
    }
}

/* Read what arrived and complete the ops it finishes. */
static void pipe_read(lane *pp) {
    for (;;) {
        ssize_t n = read(pp->s.c->fd, pp->rbuf, PIPE_READ_CHUNK);
        if (n > 0) {
            for (ssize_t off = 0; off < n; off += PIPE_FEED_SLICE) {
                size_t len = (size_t)(n - off < PIPE_FEED_SLICE ? n - off : PIPE_FEED_SLICE);
                if (redisReaderFeed(pp->s.c->reader, pp->rbuf + off, len) != REDIS_OK) {
                    log_msg(LOG_WARN, "redis: out of memory reading replies");
                    pipe_drop(pp);
                    return;
                }
                if (pipe_take_replies(pp) < 0) return;
            }
            if (n < PIPE_READ_CHUNK) return;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        log_msg(LOG_WARN, "redis: %s", n == 0 ? "connection closed by the server"
                                               : strerror(errno));
        pipe_drop(pp);
        return;
    }
}

/* The lane whose thread is running (NULL on other threads). */
static __thread lane *this_lane;

static void *pipe_main(void *arg) {
    lane *pp = arg;
    this_lane = pp;
    for (;;) {
        pthread_mutex_lock(&pp->mu);
        op_list in = pp->inbox;
        pp->inbox.head = pp->inbox.tail = NULL;
        int stopping = pp->stopping;
        pthread_mutex_unlock(&pp->mu);
        long long now = clock_mono_ms();
        for (pipe_op *op; (op = list_pop(&in));)
            list_push(op->due_ms > now ? &pp->delayed : &pp->ready, op);
        /* the delayed whose time has come (kept in order of arrival) */
        op_list keep = {NULL, NULL};
        long long next_due = 0;
        for (pipe_op *op; (op = list_pop(&pp->delayed));) {
            if (op->due_ms <= now) {
                list_push(&pp->ready, op);
            } else {
                if (!next_due || op->due_ms < next_due) next_due = op->due_ms;
                list_push(&keep, op);
            }
        }
        pp->delayed = keep;
        pipe_send_ready(pp, now);
        int pending_out = pipe_flush(pp) > 0;
        if (stopping && !pp->flight.head && !pp->delayed.head && !pp->ready.head) {
            pthread_mutex_lock(&pp->mu);
            int empty = !pp->inbox.head;
            pthread_mutex_unlock(&pp->mu);
            if (empty) break;
            continue;
        }
        /* sleep until Redis answers, a request arrives, a delayed one is
         * due, or the oldest in flight has waited too long */
        int timeout = -1;
        if (pp->flight.head) {
            long long left = pp->flight.head->sent_ms + pp->pool->timeout_ms - now;
            timeout = left > 0 ? (int)left : 0;
        }
        if (next_due) {
            long long left = next_due - now;
            int t = left > 0 ? (int)left : 0;
            if (timeout < 0 || t < timeout) timeout = t;
        }
        struct pollfd fds[2] = {{pp->efd, POLLIN, 0}, {-1, 0, 0}};
        int nfds = 1;
        if (pp->s.c && (pp->flight.head || pending_out)) {
            fds[1].fd = pp->s.c->fd;
            fds[1].events = (short)(POLLIN | (pending_out ? POLLOUT : 0));
            nfds = 2;
        }
        pthread_mutex_lock(&pp->mu);
        int idle = !pp->inbox.head;
        pp->sleeping = idle;
        pthread_mutex_unlock(&pp->mu);
        /* more requests waiting: only look (timeout 0) what Redis sent */
        if (poll(fds, (nfds_t)nfds, idle ? timeout : 0) < 0 && errno != EINTR)
            log_msg(LOG_WARN, "store pipe: poll: %s", strerror(errno));
        pthread_mutex_lock(&pp->mu);
        pp->sleeping = 0;
        pp->kicked = 0;
        pthread_mutex_unlock(&pp->mu);
        if (fds[0].revents & POLLIN) {
            uint64_t v;
            while (read(pp->efd, &v, sizeof v) < 0 && errno == EINTR) {
            }
        }
        if (nfds == 2 && (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) && pp->s.c) pipe_read(pp);
        if (pp->flight.head && clock_mono_ms() - pp->flight.head->sent_ms >= pp->pool->timeout_ms) {
            log_msg(LOG_WARN, "redis: no reply within %d ms: failing %s", pp->pool->timeout_ms,
                    "the requests in flight");
            pipe_drop(pp);
        }
    }
    return NULL;
}

static int pipe_submit(lane *pp, pipe_op *op) {
    pthread_mutex_lock(&pp->mu);
    list_push(&pp->inbox, op);
    int wake = pp->sleeping && !pp->kicked;
    if (wake) pp->kicked = 1;
    pthread_mutex_unlock(&pp->mu);
    if (wake) {
        uint64_t one = 1;
        while (write(pp->efd, &one, sizeof one) < 0 && errno == EINTR) {
        }
    }
    return 0;
}

/* A request's next step stays on the lane of its first (so a lane being
 * stopped never receives work from another); new requests go round robin. */
static lane *pick(store_pipe *p) {
    if (this_lane) return this_lane;
    return &p->lane[atomic_fetch_add(&p->next, 1) % p->nlanes];
}

/* A new op of kind with its callback (NULL when out of memory). */
static pipe_op *op_new(int kind, store_pipe_done cb, void *ctx) {
    pipe_op *op = calloc(1, sizeof *op);
    if (!op) return NULL;
    op->kind = kind;
    op->cb = cb;
    op->ctx = ctx;
    return op;
}

int store_pipe_lookup(store_pipe *pp, const store_lookup_req *q, store_lookup *out,
                      int delay_ms, store_pipe_done cb, void *ctx) {
    pipe_op *op = op_new(OP_LOOKUP, cb, ctx);
    if (!op) return -1;
    op->q = q;
    op->out = out;
    if (delay_ms > 0) op->due_ms = clock_mono_ms() + delay_ms;
    return pipe_submit(pick(pp), op);
}

int store_pipe_write(store_pipe *pp, const store_write *w, store_pipe_done cb, void *ctx) {
    pipe_op *op = op_new(OP_WRITE, cb, ctx);
    if (!op) return -1;
    op->w = w;
    return pipe_submit(pick(pp), op);
}

int store_pipe_thread_texts(store_pipe *pp, const store_lookup_req *q, store_lookup *out,
                            store_pipe_done cb, void *ctx) {
    pipe_op *op = op_new(OP_TEXTS, cb, ctx);
    if (!op) return -1;
    op->q = q;
    op->out = out;
    return pipe_submit(pick(pp), op);
}

int store_pipe_claim_drop(store_pipe *pp, const char *site, const char *id, store_pipe_done cb,
                          void *ctx) {
    pipe_op *op = op_new(OP_DEL, cb, ctx);
    if (!op) return -1;
    if (store_key(op->key, sizeof op->key, site, "claim:", id) < 0) {
        free(op);
        return -1;
    }
    return pipe_submit(pick(pp), op);
}

int store_pipe_webhook_notify(store_pipe *pp, const char *site, const char *event,
                              const char *json, size_t len, store_pipe_done cb, void *ctx) {
    if (!webhook_event_bit(event)) return -1; /* nothing the lane could send */
    pipe_op *op = op_new(OP_NOTIFY, cb, ctx);
    if (!op) return -1;
    op->site = site;
    op->event = event;
    op->json = json;
    op->json_len = len;
    model_new_id(op->id);
    return pipe_submit(pick(pp), op);
}

static int lane_start(lane *pp, store_pool *p, char *err, size_t errlen) {
    if (!(pp->rbuf = malloc(PIPE_READ_CHUNK))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pp->pool = p;
    pp->s.pool = p;
    pp->s.in_use = 1; /* never handed out by the pool */
    pp->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (pp->efd < 0) {
        snprintf(err, errlen, "eventfd: %s", strerror(errno));
        free(pp->rbuf);
        return -1;
    }
    pthread_mutex_init(&pp->mu, NULL);
    if (pthread_create(&pp->th, NULL, pipe_main, pp) != 0) {
        snprintf(err, errlen, "cannot start the Redis pipeline thread");
        pthread_mutex_destroy(&pp->mu);
        close(pp->efd);
        free(pp->rbuf);
        return -1;
    }
    return 0;
}

static void lane_stop(lane *pp) {
    pthread_mutex_lock(&pp->mu);
    pp->stopping = 1;
    pp->kicked = 1;
    pthread_mutex_unlock(&pp->mu);
    uint64_t one = 1;
    while (write(pp->efd, &one, sizeof one) < 0 && errno == EINTR) {
    }
    pthread_join(pp->th, NULL);
    if (pp->s.c) redisFree(pp->s.c);
    close(pp->efd);
    pthread_mutex_destroy(&pp->mu);
    free(pp->rbuf);
}

store_pipe *store_pipe_start(store_pool *p, unsigned nthreads, char *err, size_t errlen) {
    store_pipe *pp = calloc(1, sizeof *pp);
    if (nthreads < 1) nthreads = 1;
    if (!pp || !(pp->lane = calloc(nthreads, sizeof *pp->lane))) {
        snprintf(err, errlen, "out of memory");
        free(pp);
        return NULL;
    }
    for (; pp->nlanes < nthreads; pp->nlanes++)
        if (lane_start(&pp->lane[pp->nlanes], p, err, errlen) < 0) {
            store_pipe_stop(pp);
            return NULL;
        }
    return pp;
}

void store_pipe_stop(store_pipe *pp) {
    if (!pp) return;
    /* a lane's callbacks may submit to another lane (round robin): stop
     * each only once all are drained of work */
    for (unsigned i = 0; i < pp->nlanes; i++) lane_stop(&pp->lane[i]);
    free(pp->lane);
    free(pp);
}
