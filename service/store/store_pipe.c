/* store_pipe.c - comment look-ups and writes of many requests in shared
 * round trips (see store.h).
 *
 * One thread owns one `store` outside the pool (made like any other, its
 * connections then switched to non-blocking) and four lists: the inbox
 * (filled by any thread under mu), the delayed requests (not to be sent
 * before their time), the ready ones and the in-flight FIFOs, one per
 * link. A link is the lane's connection to one primary: the only one of a
 * single-primary pool, or in a cluster pool one per primary (the store's
 * per-node contexts), each request going to the primary of the slot of
 * its {site} hash tag. A turn of its loop appends the commands of
 * everything ready to the links they go to, writes them in one go per
 * link, and hands each reply to the oldest request of that link still
 * short of replies -- Redis answers a connection's commands in order. A
 * request whose last reply is in is completed there and then (its
 * callback runs on this thread), unless its replies ask for another round
 * trip -- a look-up's second one (a df version change, the classifier
 * just able to vote), a script call the server had no copy of (NOSCRIPT),
 * a cluster redirect: the op then goes back to the ready list and is sent
 * again with the next turn, so a lane never waits on anything but its
 * own sockets (it never borrows a pool connection). Anything wrong with a
 * connection (a transport error, a protocol error, READONLY, no reply
 * within redis_timeout_ms) drops it and fails every request in flight on
 * it: their callbacks see -1 and the caller spools, as it would after a
 * failed synchronous round trip (in a cluster pool the slot map is read
 * again and the other primaries' links go on).
 *
 * Redirects (cluster pools): a request keeps the RESP of the commands it
 * sent. When a unit of them (a MULTI ... EXEC block, or one command; a
 * command without a key goes with the unit before it, as WAIT after its
 * write) is answered MOVED or ASK -- on any of its commands, so EXECABORT
 * on a transaction whose queued command was redirected -- the node did
 * not run it, and only the units so answered are sent again, to the node
 * the redirect names (behind ASKING for ASK; MOVED has moved the slot in
 * the map already, store_cluster.c), their new replies taking the place
 * of the redirects; a unit answered TRYAGAIN (a multi-key command while
 * the slot's keys migrate, not run either) is sent again the same way a
 * little later. The request completes once, when every unit has a reply
 * that is not a redirect (or once its redis_timeout_ms or PIPE_MAX_HOPS
 * redirects are spent: the redirect is then its error). The same units as
 * store_run's (store_cmd.c).
 *
 * Ownership: the pipe owns its ops and their replies; the callers own q,
 * out, w and a webhook event's site, event and JSON, which must outlive
 * the callback.
 */
#include <errno.h>
#include <fcntl.h>
#include <hiredis/sds.h>
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
/* Redirects (MOVED, ASK) a request follows, each within its
 * redis_timeout_ms from its first send, which alone bounds its TRYAGAINs;
 * beyond, the request fails with the last (its caller spools). A slot's
 * migration takes an ASK, TRYAGAINs while its keys move, a MOVED. */
#define PIPE_MAX_HOPS 8
/* Wait before sending a unit answered TRYAGAIN again. */
#define PIPE_TRYAGAIN_MS 20
/* Links of a lane: one per primary a cluster pool may know. */
#define PIPE_LINKS STORE_CLUSTER_MAX_NODES

enum { OP_LOOKUP, OP_WRITE, OP_DEL, OP_TEXTS, OP_NOTIFY, OP_SITE };

typedef struct pipe_op {
    struct pipe_op *next;
    int kind;
    const store_lookup_req *q; /* OP_LOOKUP, OP_TEXTS */
    store_lookup *out;
    store_lookup_op *lop;
    const store_write *w;      /* OP_WRITE, OP_SITE (its site index entry) */
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
    redisReply **rep;          /* nrep slots (NULL until answered) */
    int nrep;
    int want, got;             /* replies expected from the link, come */
    int link;                  /* the link it is in flight on */
    long long due_ms;          /* not sent before (0: at once) */
    long long sent_ms;
    /* cluster pools: the RESP of the commands (all nrep), for redirects */
    char *raw;
    size_t raw_len;
    /* a redirect's re-send (op_follow): its RESP, the node, and for each
     * of its nmap replies the slot of rep it fills (-1: ASKING's, dropped) */
    char *resend;
    size_t resend_len;
    int to, asked;             /* asked: behind ASKING */
    int *map, nmap;
    int hops;                  /* MOVED / ASK followed */
    long long first_ms;        /* sent first (redirects follow until then
                                  + redis_timeout_ms) */
} pipe_op;

typedef struct op_list {
    pipe_op *head, *tail;
} op_list;

typedef struct lane {
    store_pool *pool;
    store s;              /* the pipe's own connections (loop thread only) */
    int efd;              /* eventfd: wakes the loop */
    pthread_t th;
    pthread_mutex_t mu;   /* guards inbox, stopping, sleeping, kicked */
    op_list inbox;
    int stopping, sleeping, kicked;
    /* loop thread only */
    op_list delayed, ready;
    int nlinks;                  /* 1, or PIPE_LINKS in a cluster pool */
    op_list flight[PIPE_LINKS];  /* per link */
    unsigned char out[PIPE_LINKS]; /* the link has bytes to write */
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

/* Forget op's replies and commands (before it is sent anew). */
static void op_reset(pipe_op *op) {
    if (op->rep) store_free_replies(op->rep, op->nrep);
    free(op->rep);
    free(op->raw);
    free(op->resend);
    free(op->map);
    op->rep = NULL;
    op->raw = op->resend = NULL;
    op->map = NULL;
    op->nrep = op->want = op->got = op->nmap = op->hops = op->asked = 0;
}

static void op_free(pipe_op *op) {
    op_reset(op);
    store_lookup_op_free(op->lop);
    free(op);
}

/* Complete op with rc -1 (Redis unavailable). */
static void op_fail(pipe_op *op) {
    int rc = -1;
    if (op->kind == OP_LOOKUP && op->again)
        store_lookup_free(op->out); /* filled in part by its first round trip */
    else if (op->kind == OP_LOOKUP)
        memset(op->out, 0, sizeof *op->out);
    if (op->kind == OP_SITE) { /* the comment is stored: as store_comment_write */
        log_msg(LOG_WARN, "redis: site %s not added to the site index", op->w->site);
        rc = 1;
    }
    if (op->cb) op->cb(op->ctx, rc);
    op_free(op);
}

/* The context of link k (NULL when not connected). */
static redisContext *link_ctx(lane *pp, int k) {
    return pp->pool->cluster ? pp->s.node[k] : pp->s.c;
}

/* Point the lane's store at link k (what store_drop and the reply checks
 * act on). */
static void link_select(lane *pp, int k) {
    if (!pp->pool->cluster) return;
    pp->s.cur = k;
    pp->s.c = pp->s.node[k];
}

/* Drop link k's connection and fail everything in flight on it. */
static void link_drop(lane *pp, int k) {
    link_select(pp, k);
    int n = 0;
    for (pipe_op *op = pp->flight[k].head; op; op = op->next) n++;
    if (n && pp->s.c)
        log_msg(LOG_WARN, "redis %s:%d: pipelined connection lost with %d request(s) in flight",
                pp->s.c->tcp.host ? pp->s.c->tcp.host : "?", pp->s.c->tcp.port, n);
    if (pp->s.c) store_drop(&pp->s);
    pp->out[k] = 0;
    for (pipe_op *op; (op = list_pop(&pp->flight[k]));) op_fail(op);
}

/* op's replies asked for another round trip: back to the ready list, its
 * replies dropped, sent with the lane's next turn. */
static void op_again(lane *pp, pipe_op *op) {
    op_reset(op);
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
        if (rc == 1 && pp->pool->cluster && strcmp(op->w->status, "approved") != 0) {
            /* then the cross-site index, on its own slot's node (as
             * store_comment_write: a cluster's write leaves it out) */
            op_reset(op);
            op->kind = OP_SITE;
            list_push(&pp->ready, op);
            return;
        }
    } else if (op->kind == OP_TEXTS) {
        rc = store_thread_texts_read(op->rep[0], op->out);
    } else if (op->kind == OP_NOTIFY) {
        rc = store_webhook_notify_read(op->rep[0], op->site, op->event, op->id);
        if (rc == STORE_EVAL_AGAIN && !op->again) { /* the script cache was empty */
            op_again(pp, op);
            return;
        }
        rc = rc < 0 || rc == STORE_EVAL_AGAIN ? -1 : 0;
    } else if (op->kind == OP_SITE) {
        rc = 1; /* the write's: an error reply was logged */
    } else {
        rc = 0; /* OP_DEL: an error reply was logged */
    }
    if (op->cb) op->cb(op->ctx, rc);
    op_free(op);
}

/* ========================================================== redirects */

/* What r asks of its unit: 1 MOVED, 2 ASK (store_cluster_redirect, with
 * *node the target; the map has moved the slot after MOVED), 3 TRYAGAIN
 * (a multi-key command while its slot's keys migrate: the same again a
 * little later), 0 nothing (an answer, or an error to keep). */
static int reply_retry(lane *pp, const redisReply *r, int from, int *node) {
    if (!r || r->type != REDIS_REPLY_ERROR) return 0;
    if (strncmp(r->str, "TRYAGAIN", 8) == 0) return 3;
    if (strncmp(r->str, "MOVED ", 6) != 0 && strncmp(r->str, "ASK ", 4) != 0) return 0;
    return store_cluster_redirect(pp->pool->cluster, r->str, from, node);
}

/* A decimal number of RESP at *p (up to end) followed by CRLF; advances
 * *p past it. -1 when malformed. */
static long long resp_num(const char **p, const char *end) {
    long long v = 0;
    const char *q = *p;
    if (q >= end || *q < '0' || *q > '9') return -1;
    for (; q < end && *q >= '0' && *q <= '9'; q++) v = v * 10 + (*q - '0');
    if (end - q < 2 || q[0] != '\r' || q[1] != '\n') return -1;
    *p = q + 2;
    return v;
}

/* Split raw (RESP commands as appended) into its commands: heads[i] the
 * first arguments of command i (enough for its name and key), off[i] its
 * first byte, off[n] = len. Returns n, -1 when malformed or more than max. */
static int raw_split(const char *raw, size_t len, cmd *heads, size_t *off, int max) {
    const char *p = raw, *end = raw + len;
    int n = 0;
    while (p < end) {
        if (n >= max || *p++ != '*') return -1;
        off[n] = (size_t)(p - 1 - raw);
        long long argc = resp_num(&p, end);
        if (argc < 0) return -1;
        heads[n].argc = 0;
        for (long long a = 0; a < argc; a++) {
            if (p >= end || *p++ != '$') return -1;
            long long l = resp_num(&p, end);
            if (l < 0 || end - p < l + 2) return -1;
            if (a < 4) store_arg(&heads[n], p, (size_t)l);
            p += l + 2;
        }
        n++;
    }
    off[n] = len;
    return n;
}

static const char ASKING[] = "*1\r\n$6\r\nASKING\r\n";

/* op's replies (from node `from`) hold redirects: set up the re-send of
 * the units they answered (see the head of the file) and put op back on
 * the ready list (delayed by PIPE_TRYAGAIN_MS after a TRYAGAIN). All go to
 * one node: the first MOVED / ASK's target, else (TRYAGAIN only) the node
 * that answered. 1 when done, 0 when op is to complete as it is (nothing
 * to follow, its redis_timeout_ms or PIPE_MAX_HOPS spent, out of memory). */
static int op_follow(lane *pp, pipe_op *op, int from, long long now) {
    int n = op->nrep, kind = 0, to = from, node, any = 0;
    for (int i = 0; i < n; i++) {
        int k = reply_retry(pp, op->rep[i], from, &node);
        any |= k != 0;
        if ((k == 1 || k == 2) && (!kind || kind == 3)) {
            kind = k;
            to = node;
        } else if (k == 3 && !kind) {
            kind = 3;
        }
    }
    if (!any) return 0;
    if (!op->raw || (kind != 3 && op->hops >= PIPE_MAX_HOPS) ||
        now - op->first_ms >= pp->pool->timeout_ms) {
        log_msg(LOG_DEBUG, "redis cluster: a request's redirects not followed any more (%d "
                "followed, %lld ms since its first send)", op->hops, now - op->first_ms);
        return 0;
    }
    /* ASKING before each unit: for ASK, and for a TRYAGAIN answered by the
     * node an ASK had named (it only serves the slot behind ASKING) */
    int ask = kind == 2 || (kind == 3 && op->asked);
    cmd *h = malloc((size_t)n * sizeof *h);
    size_t *off = malloc((size_t)(n + 1) * sizeof *off);
    int *map = malloc((size_t)(2 * n) * sizeof *map);
    char *buf = malloc(op->raw_len + (size_t)n * (sizeof ASKING - 1));
    int nmap = 0, prev = 0, nsent = 0, again = 0;
    size_t blen = 0;
    if (!h || !off || !map || !buf || raw_split(op->raw, op->raw_len, h, off, n) != n) goto no;
    for (int a = 0; a < n;) {
        int b = store_unit_end(h, n, a), k = 0, keyed = 0;
        for (int i = a; i < b && !k; i++) k = reply_retry(pp, op->rep[i], from, &node);
        for (int i = a; i < b && !keyed; i++) keyed = store_cmd_has_key(&h[i]);
        /* a MOVED / ASK elsewhere than the first's (not seen: one slot per
         * request) stays the unit's error */
        int send = k == 3 || (k && node == to) || (!k && !keyed && prev);
        again |= k == 3;
        if (send) {
            if (ask) {
                memcpy(buf + blen, ASKING, sizeof ASKING - 1);
                blen += sizeof ASKING - 1;
                map[nmap++] = -1;
            }
            memcpy(buf + blen, op->raw + off[a], off[b] - off[a]);
            blen += off[b] - off[a];
            for (int i = a; i < b; i++) map[nmap++] = i;
            nsent += b - a;
        }
        prev = send;
        a = b;
    }
    if (!nsent) goto no;
    char host[256] = "?";
    int port = 0;
    store_cluster_addr(pp->pool->cluster, to, host, sizeof host, &port);
    log_msg(LOG_DEBUG, "redis cluster: %s: %d of %d command(s) sent again to %s:%d",
            kind == 1 ? "MOVED" : kind == 2 ? "ASK" : "TRYAGAIN", nsent, n, host, port);
    free(h);
    free(off);
    op->resend = buf;
    op->resend_len = blen;
    op->map = map;
    op->nmap = nmap;
    op->to = to;
    op->asked = ask;
    op->hops += kind != 3;
    if (again) { /* the slot's keys are on the move: give them a moment */
        op->due_ms = now + PIPE_TRYAGAIN_MS;
        list_push(&pp->delayed, op);
    } else {
        list_push(&pp->ready, op);
    }
    return 1;
no:
    free(h);
    free(off);
    free(map);
    free(buf);
    return 0;
}

/* ============================================================ the links */

/* Make link k's connection live and non-blocking: 0, or -1 (Redis, or in
 * a cluster pool that node, down). Points the lane's store at it. */
static int link_ready(lane *pp, int k) {
    store *s = &pp->s;
    if (!pp->pool->cluster) {
        if (s->c && s->pool->sentinel && s->gen != store_sentinel_generation(s->pool->sentinel))
            link_drop(pp, 0); /* another primary was named: what is in flight fails */
        if (store_ready_(s) < 0) return -1;
    } else if (store_use_node(s, k) < 0) {
        return -1;
    }
    if (s->c->flags & REDIS_BLOCK) { /* made since the last turn */
        int fl = fcntl(s->c->fd, F_GETFL);
        if (fl < 0 || fcntl(s->c->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
            link_drop(pp, k);
            return -1;
        }
        s->c->flags &= ~REDIS_BLOCK;
    }
    return 0;
}

/* The slot op's commands go to: of its {site} hash tag, or of its key. */
static unsigned op_slot(const pipe_op *op) {
    const char *site = op->site;
    if (op->kind == OP_DEL) return store_key_slot(op->key, strlen(op->key));
    if (op->kind == OP_SITE) return store_key_slot(STORE_KEY_SITES, strlen(STORE_KEY_SITES));
    if (op->kind == OP_LOOKUP || op->kind == OP_TEXTS) site = op->q->site;
    if (op->kind == OP_WRITE) site = op->w->site;
    char tag[STORE_KEY_MAX];
    int n = snprintf(tag, sizeof tag, "{%s}", site);
    return store_key_slot(tag, n > 0 && (size_t)n < sizeof tag ? (size_t)n : 0);
}

/* The link op goes to: 0, a re-send's node, or its slot's primary; -1
 * when no node serves it. */
static int op_link(lane *pp, const pipe_op *op) {
    if (!pp->pool->cluster) return 0;
    if (op->resend) return op->to;
    return store_cluster_node(pp->pool->cluster, op_slot(op));
}

/* Append op's commands to the lane's current connection: the number of
 * replies to collect, -1 on failure (the buffer may hold part of them). */
static int op_append(lane *pp, pipe_op *op) {
    store *s = &pp->s;
    if (op->resend) {
        int rc = redisAppendFormattedCommand(s->c, op->resend, op->resend_len);
        free(op->resend);
        op->resend = NULL;
        return rc == REDIS_OK ? op->nmap : -1;
    }
    if (op->kind == OP_LOOKUP && op->again)
        return store_lookup_more_append(s, op->lop, op->out);
    if (op->kind == OP_LOOKUP)
        return op->lop || (op->lop = store_lookup_begin(pp->pool, op->q))
                   ? store_lookup_append(s, op->lop) : -1;
    if (op->kind == OP_WRITE) return store_write_append(s, op->w, &op->st);
    if (op->kind == OP_TEXTS) return store_thread_texts_append(s, op->q);
    if (op->kind == OP_NOTIFY)
        return store_webhook_notify_append(s, op->site, op->event, op->json, op->json_len,
                                           op->id, op->again);
    cmd c = {0};
    if (op->kind == OP_SITE) store_cmd(&c, "SADD", STORE_KEY_SITES, op->w->site, NULL);
    else store_cmd(&c, "DEL", op->key, NULL);
    return store_append_cmds(s, &c, 1) < 0 ? -1 : 1;
}

/* Append the commands of every ready op to its link and move it in
 * flight there. */
static void pipe_send_ready(lane *pp, long long now) {
    int single = !pp->pool->cluster;
    if (!pp->ready.head) return;
    if (single && link_ready(pp, 0) < 0) {
        for (pipe_op *op; (op = list_pop(&pp->ready));) op_fail(op);
        return;
    }
    for (pipe_op *op; (op = list_pop(&pp->ready));) {
        int k = 0;
        if (!single && ((k = op_link(pp, op)) < 0 || link_ready(pp, k) < 0)) {
            op_fail(op); /* that node is down: the others go on */
            continue;
        }
        int resend = op->resend != NULL;
        size_t before = single ? 0 : sdslen(pp->s.c->obuf);
        int n = op_append(pp, op);
        if (n >= 0 && !resend && !(op->rep = calloc((size_t)(n ? n : 1), sizeof *op->rep)))
            n = -1;
        if (n < 0) {
            /* out of memory halfway through an append: the buffer may hold
             * part of its commands, so the connection cannot go on */
            op_fail(op);
            link_drop(pp, k);
            if (single)
                for (; (op = list_pop(&pp->ready));) op_fail(op);
            continue;
        }
        if (!resend) {
            op->nrep = n;
            op->first_ms = now;
            if (!single && n > 0) { /* kept for a redirect (op_follow) */
                size_t len = sdslen(pp->s.c->obuf) - before;
                if ((op->raw = malloc(len))) {
                    memcpy(op->raw, pp->s.c->obuf + before, len);
                    op->raw_len = len;
                }
            }
        }
        op->want = n;
        op->got = 0;
        op->link = k;
        op->sent_ms = now;
        if (n == 0) {
            op_complete(pp, op);
            continue;
        }
        pp->out[k] = 1;
        list_push(&pp->flight[k], op);
    }
}

/* Write what link k's buffer holds. 1 when some is left (wait for
 * POLLOUT), 0 when all is written, -1 on failure (dropped). */
static int link_flush(lane *pp, int k) {
    redisContext *c = link_ctx(pp, k);
    if (!c) return 0;
    int done = 0;
    if (redisBufferWrite(c, &done) != REDIS_OK) {
        log_msg(LOG_WARN, "redis: %s", c->errstr);
        link_drop(pp, k);
        return -1;
    }
    pp->out[k] = !done;
    return done ? 0 : 1;
}

/* op has every reply its link owed: complete it, or send its redirected
 * units again. */
static void op_answered(lane *pp, pipe_op *op, int k) {
    free(op->map);
    op->map = NULL;
    if (pp->pool->cluster && op_follow(pp, op, k, clock_mono_ms())) return;
    op_complete(pp, op);
}

/* Hand the replies in link k's reader buffer to its ops, completing those
 * with all their replies. 0, or -1 when the connection was dropped. */
static int link_take_replies(lane *pp, int k) {
    redisContext *c = link_ctx(pp, k);
    for (;;) {
        void *r = NULL;
        if (redisReaderGetReply(c->reader, &r) != REDIS_OK) {
            log_msg(LOG_WARN, "redis: protocol error: %s", c->reader->errstr);
            link_drop(pp, k);
            return -1;
        }
        if (!r) return 0;
        pipe_op *op = pp->flight[k].head;
        if (!op) { /* a reply nobody asked for: the stream is out of step */
            freeReplyObject(r);
            log_msg(LOG_WARN, "redis: unexpected reply on the pipelined connection");
            link_drop(pp, k);
            return -1;
        }
        int at = op->map ? op->map[op->got] : op->got;
        op->got++;
        link_select(pp, k); /* a redirect names its node relative to k's */
        int readonly = store_reply_check(&pp->s, r) < 0;
        if (at < 0) {
            freeReplyObject(r); /* ASKING's +OK */
        } else {
            if (op->rep[at]) freeReplyObject(op->rep[at]); /* the redirect it answers again */
            op->rep[at] = r;
        }
        if (readonly) { /* READONLY: demoted */
            link_drop(pp, k);
            return -1;
        }
        if (op->got == op->want) {
            list_pop(&pp->flight[k]);
            atomic_store(&pp->pool->up, 1);
            op_answered(pp, op, k);
        }
    }
}

/* Read what arrived on link k and complete the ops it finishes. */
static void link_read(lane *pp, int k) {
    redisContext *c = link_ctx(pp, k);
    for (;;) {
        ssize_t n = read(c->fd, pp->rbuf, PIPE_READ_CHUNK);
        if (n > 0) {
            for (ssize_t off = 0; off < n; off += PIPE_FEED_SLICE) {
                size_t len = (size_t)(n - off < PIPE_FEED_SLICE ? n - off : PIPE_FEED_SLICE);
                if (redisReaderFeed(c->reader, pp->rbuf + off, len) != REDIS_OK) {
                    log_msg(LOG_WARN, "redis: out of memory reading replies");
                    link_drop(pp, k);
                    return;
                }
                if (link_take_replies(pp, k) < 0) return;
            }
            if (n < PIPE_READ_CHUNK) return;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        log_msg(LOG_WARN, "redis: %s", n == 0 ? "connection closed by the server"
                                               : strerror(errno));
        link_drop(pp, k);
        return;
    }
}

/* The lane whose thread is running (NULL on other threads). */
static __thread lane *this_lane;

/* 1 when nothing is in flight on any link. */
static int lane_idle(const lane *pp) {
    for (int k = 0; k < pp->nlinks; k++)
        if (pp->flight[k].head) return 0;
    return 1;
}

static void *pipe_main(void *arg) {
    lane *pp = arg;
    this_lane = pp;
    struct pollfd fds[1 + PIPE_LINKS];
    int fd_link[1 + PIPE_LINKS];
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
        for (int k = 0; k < pp->nlinks; k++)
            if (pp->out[k]) link_flush(pp, k);
        if (stopping && lane_idle(pp) && !pp->delayed.head && !pp->ready.head) {
            pthread_mutex_lock(&pp->mu);
            int empty = !pp->inbox.head;
            pthread_mutex_unlock(&pp->mu);
            if (empty) break;
            continue;
        }
        /* sleep until Redis answers, a request arrives, a delayed one is
         * due, or the oldest in flight on a link has waited too long */
        int timeout = -1;
        fds[0] = (struct pollfd){pp->efd, POLLIN, 0};
        int nfds = 1;
        for (int k = 0; k < pp->nlinks; k++) {
            redisContext *c = link_ctx(pp, k);
            if (!c) continue; /* an idle link too: its close by the server wakes us */
            if (pp->flight[k].head) {
                long long left = pp->flight[k].head->sent_ms + pp->pool->timeout_ms - now;
                int t = left > 0 ? (int)left : 0;
                if (timeout < 0 || t < timeout) timeout = t;
            }
            fds[nfds] = (struct pollfd){c->fd, (short)(POLLIN | (pp->out[k] ? POLLOUT : 0)), 0};
            fd_link[nfds++] = k;
        }
        if (next_due) {
            long long left = next_due - now;
            int t = left > 0 ? (int)left : 0;
            if (timeout < 0 || t < timeout) timeout = t;
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
        for (int i = 1; i < nfds; i++) {
            int k = fd_link[i];
            if (!(fds[i].revents & (POLLIN | POLLERR | POLLHUP)) || !link_ctx(pp, k)) continue;
            if (!pp->flight[k].head && !pp->out[k]) /* idle: closed quietly, nothing failed */
                store_forget_closed(&pp->s, pp->pool->cluster ? k : -1);
            if (link_ctx(pp, k)) link_read(pp, k);
        }
        long long t = clock_mono_ms();
        for (int k = 0; k < pp->nlinks; k++)
            if (pp->flight[k].head && t - pp->flight[k].head->sent_ms >= pp->pool->timeout_ms) {
                log_msg(LOG_WARN, "redis: no reply within %d ms: failing %s", pp->pool->timeout_ms,
                        "the requests in flight");
                link_drop(pp, k);
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
    pp->nlinks = p->cluster ? PIPE_LINKS : 1;
    pp->s.in_use = 1; /* never handed out by the pool */
    pp->s.pipelined = 1;
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
    for (int k = 0; k < pp->nlinks; k++) {
        redisContext *c = link_ctx(pp, k);
        if (c) redisFree(c);
    }
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
