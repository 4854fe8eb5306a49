/* http.c - libmicrohttpd daemon, body accumulation, dispatch to one handler.
 *
 * Owns the MHD daemon and the per-request context (body buffer, start
 * time). Threading: MHD's internal thread pool in poll(2) mode. epoll mode
 * of libmicrohttpd 0.9.75 stalls with exactly 128/256 ready keep-alive
 * connections, poll mode does not (tests/integration/test_http_conns.py).
 * Never interprets routes or JSON: that is the handler's job.
 *
 * Also owns the slow-client reaper: MHD's connection timeout only closes
 * *idle* connections, so a client trickling one byte a second (slowloris)
 * would keep its slot forever. Every connection carries a deadline by
 * which its headers, then its body, must have arrived; a small thread
 * shuts down the sockets that miss it (MHD then closes them as usual).
 * With TLS configured it reads the PEM files and runs MHD over GnuTLS.
 */
#include "http.h"
#include "clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cidr.h"
#include "http_status.h"
#include "log.h"

/* X-Forwarded-For header lines looked at (the last ones: hops are read
 * from the right); a proxy chain longer than this is not believed past
 * them. */
#define HTTP_XFF_MAX_LINES 8

/* Query arguments allowed in one request: far more than any route reads.
 * libmicrohttpd keeps a record per argument in the connection's memory
 * pool, so without a bound ~1,000 arguments exhaust it and the client gets
 * no answer at all; beyond this the request gets 414. */
#define HTTP_MAX_QUERY_ARGS 64

/* Request line + headers allowed when max_header is not given: generous for
 * a JSON API. MHD answers 431 (414 for the URL) itself beyond it. */
#define HTTP_DEFAULT_MAX_HEADER (32 * 1024)
/* MHD keeps headers, the body read buffer and the response's header lines
 * in one per-connection pool (MHD_OPTION_CONNECTION_MEMORY_LIMIT); the
 * header budget gets this much on top for the rest. */
#define HTTP_POOL_SLACK (8 * 1024)
/* How often the reaper looks for clients past their deadline. */
#define HTTP_REAP_PERIOD_MS 250
/* Largest PEM file read for TLS: a certificate chain of a few certs. */
#define HTTP_MAX_PEM (256 * 1024)
/* Extra connections MHD accepts beyond max_connections so that we can
 * answer 503 instead of resetting the socket. */
#define HTTP_CONN_SLACK 64
#define HTTP_INITIAL_BODY 1024
/* Bytes of an oversized body without Content-Length (chunked) that are read
 * and dropped so that the client still gets its 413; past this the
 * connection is simply closed. Nothing of it is kept in memory. */
#define HTTP_DISCARD_MAX (1024 * 1024)
/* Bytes of the HTTP layer's own JSON error bodies: the shape, a code and a
 * one-line message. */
#define HTTP_EARLY_BODY_MAX 256

/* Per-connection deadline record (MHD's socket context). state is the
 * handshake between the connection's worker and the reaper: a worker only
 * runs the handler after moving WAITING -> BUSY, the reaper only cuts after
 * moving WAITING -> CUT, so a request being handled is never cut. */
enum { CONN_WAITING = 0, CONN_BUSY = 1, CONN_CUT = 2 };
/* Slots of the per-address connection table: more than the connections
 * the server holds at once (max_connections + slack), a power of two. */
#define HTTP_IP_SLOTS 8192

typedef struct conn {
    struct conn *prev, *next;   /* the server's list, under mu */
    MHD_socket fd;
    uint32_t ip4;               /* peer address counted against
                                   max_connections_per_ip (network order;
                                   0: not counted) */
    atomic_llong deadline_ms;   /* monotonic; the current phase must end by then */
    atomic_int state;
} conn;

struct http_server {
    struct MHD_Daemon *d;
    http_handler_fn fn;
    void *app;
    size_t max_body;
    size_t max_header;
    unsigned max_conns;
    atomic_uint conns;
    atomic_uint inflight;       /* requests from headers received to response sent */
    atomic_int draining;        /* quiesced: answer, then close the connection */
    atomic_int closing;         /* http_close_connections: same, still accepting */
    atomic_uint suspended;      /* deferred requests not yet answered */
    MHD_socket listen_fd;       /* returned by MHD_quiesce_daemon: ours to close */
    int port;
    long long phase_ms;         /* connection_timeout in ms */
    pthread_mutex_t mu;         /* guards the conn list and stop */
    pthread_cond_t cv;
    conn *head;
    int stop;
    int reaper_running;
    pthread_t reaper;
    atomic_ulong reaped;
    char *tls_cert, *tls_key;   /* PEM text while the daemon runs */
    const char *trusted;        /* trusted_proxies (borrowed from the options) */
    unsigned per_ip;            /* max_connections_per_ip; 0: no limit */
    /* open connections per peer address (IPv4: the listener is IPv4),
     * open addressing under mu; a key stays once seen, its count may drop
     * to 0 and its slot be reused by another address */
    uint32_t ip_key[HTTP_IP_SLOTS];
    unsigned ip_count[HTTP_IP_SLOTS];
    char last_log[256];         /* last MHD message before start returned */
    atomic_int started;         /* MHD_start_daemon returned */
};

typedef struct reqctx {
    http_server *s;
    struct MHD_Connection *c;
    atomic_int deferred; /* 1: suspended until http_complete, 2: answer ready */
    http_response res;   /* the deferred answer */
    char *body;
    size_t len, cap;
    int answered;        /* an early error response is queued (413/431/503) */
    int discarding;      /* a body without Content-Length outgrew max_body */
    size_t discarded;
    struct timespec start;
    char request_id[HTTP_REQID_MAX + 1]; /* http_reqid_pick, at the headers */
    char ip[CIDR_ADDR_TEXT];  /* the client address (client_ip) */
    int begun;           /* on_request saw the headers (counted in inflight) */
    const struct early_error *target_error; /* the request target is refused
                                               (on_uri) */
} reqctx;

/* The HTTP layer's own answers, sent before a handler could run: a row of
 * HTTP_ERRORS (its code and status) and the message. */
typedef struct early_error {
    int err;             /* HTTP_E_* */
    const char *message; /* plain text: no character needs JSON escaping */
} early_error;
static const early_error ERR_TOO_BIG = {
    HTTP_E_BODY_TOO_LARGE, "request body exceeds the configured limit (max_body)"};
static const early_error ERR_HEADER = {
    HTTP_E_HEADER_TOO_LARGE,
    "request line and headers exceed the configured limit (max_header)"};
static const early_error ERR_BUSY = {HTTP_E_TOO_MANY_CONNECTIONS,
                                     "server is at its connection limit, retry shortly"};
static const early_error ERR_NUL = {HTTP_E_BAD_TARGET,
                                    "the request target contains an escaped NUL (%00)"};
static const early_error ERR_ARGS = {HTTP_E_TOO_MANY_QUERY_ARGUMENTS,
                                     "the query string has more than 64 arguments"};
static const early_error ERR_CL_TE = {
    HTTP_E_BAD_FRAMING, "Content-Length and Transfer-Encoding must not come together"};
static const early_error ERR_CL_TWICE = {HTTP_E_BAD_FRAMING,
                                         "conflicting Content-Length headers"};
static const early_error ERR_TE = {HTTP_E_UNSUPPORTED_TRANSFER_CODING,
                                   "the only transfer coding accepted is chunked"};

/* Deadline record of a connection (NULL if the notify callback failed to
 * allocate one: that connection is then only bounded by MHD's timeout). */
static conn *conn_of(struct MHD_Connection *c) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void conn_next_phase(http_server *s, conn *k) {
    if (k) atomic_store(&k->deadline_ms, clock_mono_ms() + s->phase_ms);
}

static void client_ip(struct MHD_Connection *c, const char *trusted, char *buf, size_t n);

/* Answer e in the JSON error shape, log it (ms since the request began)
 * and close the connection after it. */
static enum MHD_Result send_error(http_server *s, struct MHD_Connection *c,
                                  const early_error *e, const char *method, const char *url,
                                  double ms, const char *request_id) {
    int status = http_status_error_status(e->err);
    const char *code = http_status_error_code(e->err);
    char body[HTTP_EARLY_BODY_MAX];
    int n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
                     code, e->message);
    char ip[CIDR_ADDR_TEXT];
    client_ip(c, s->trusted, ip, sizeof ip);
    log_access(method, url, status, ms, ip, code, request_id);
    if (n < 0 || (size_t)n >= sizeof body) return MHD_NO;
    struct MHD_Response *r =
        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Connection", "close");
    MHD_add_response_header(r, "X-Request-Id", request_id);
    if (status == HTTP_STATUS_SERVICE_UNAVAILABLE) MHD_add_response_header(r, "Retry-After", "1");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

const char *http_query(const http_request *req, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn_,
                                       MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header_get(const http_request *req, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)req->conn_,
                                       MHD_HEADER_KIND, name);
}

void http_add_header(http_response *res, const char *name, const char *value) {
    if (res->nheaders >= HTTP_MAX_EXTRA_HEADERS) return;
    http_header *h = &res->headers[res->nheaders++];
    snprintf(h->name, sizeof h->name, "%s", name);
    snprintf(h->value, sizeof h->value, "%s", value);
}

static void remote_ip(struct MHD_Connection *c, char *buf, size_t n) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    buf[0] = 0;
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
                  (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
                  (socklen_t)n);
}

/* The last HTTP_XFF_MAX_LINES X-Forwarded-For values, in arrival order. */
typedef struct xff_lines {
    const char *v[HTTP_XFF_MAX_LINES];
    unsigned n;                 /* lines seen (may exceed the array) */
} xff_lines;

static enum MHD_Result xff_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
    (void)kind;
    xff_lines *x = cls;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0)
        x->v[x->n++ % HTTP_XFF_MAX_LINES] = value;
    return MHD_YES;
}

/* Walk one X-Forwarded-For value right to left, each hop an address into
 * af/a. Returns 1 at the first hop outside trusted (af/a hold it), 0 when
 * every hop is trusted (af/a hold the left-most), -1 at a hop that is not
 * an address (af/a keep the hop to its right). */
static int xff_walk(const char *trusted, const char *value, int *af, unsigned char a[16]) {
    size_t end = strlen(value);
    while (end > 0) {
        size_t e = end;
        while (e > 0 && (value[e - 1] == ' ' || value[e - 1] == '\t')) e--;
        size_t b = e;
        while (b > 0 && value[b - 1] != ',') b--;
        end = b > 0 ? b - 1 : 0;
        size_t s = b;
        while (s < e && (value[s] == ' ' || value[s] == '\t')) s++;
        if (s == e) continue; /* an empty element ("a,,b") */
        char hop[CIDR_ADDR_TEXT];
        if (e - s >= sizeof hop) return -1;
        memcpy(hop, value + s, e - s);
        hop[e - s] = 0;
        int haf;
        unsigned char ha[16];
        if (cidr_addr_parse(hop, &haf, ha) < 0) return -1;
        *af = haf;
        memcpy(a, ha, sizeof ha);
        if (!cidr_list_has(trusted, haf, ha)) return 1;
    }
    return 0;
}

/* The client address into buf (n >= CIDR_ADDR_TEXT): the TCP peer, or,
 * when the peer is inside trusted, the right-most X-Forwarded-For hop that
 * is not (every hop trusted: the left-most; a hop that is not an address
 * stops the walk at the trusted hop to its right). */
static void client_ip(struct MHD_Connection *c, const char *trusted, char *buf, size_t n) {
    remote_ip(c, buf, n);
    if (!trusted || !*trusted) return;
    int af;
    unsigned char a[16];
    if (cidr_addr_parse(buf, &af, a) < 0 || !cidr_list_has(trusted, af, a)) return;
    xff_lines x = {{0}, 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, xff_collect, &x);
    unsigned first = x.n > HTTP_XFF_MAX_LINES ? x.n - HTTP_XFF_MAX_LINES : 0;
    for (unsigned i = x.n; i-- > first;)
        if (xff_walk(trusted, x.v[i % HTTP_XFF_MAX_LINES], &af, a) != 0) break;
    inet_ntop(af, a, buf, (socklen_t)n);
}

static enum MHD_Result respond(http_server *s, struct MHD_Connection *c, const char *method,
                               const char *url, reqctx *rc, http_response *res,
                               const char *ip);

static enum MHD_Result dispatch(http_server *s, struct MHD_Connection *c,
                                const char *url, const char *method,
                                reqctx *rc) {
    client_ip(c, s->trusted, rc->ip, sizeof rc->ip);
    const char *ip = rc->ip;
    http_request req = {
        .method = method,
        .path = url,
        .content_type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
        .authorization =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization"),
        .host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"),
        .remote_ip = ip,
        .body = rc->body ? rc->body : "",
        .body_len = rc->len,
        .conn_ = c,
    };
    http_response res = {.status = 500, .content_type = "application/json"};
    conn *k = conn_of(c);
    int expect = CONN_WAITING;
    if (k && !atomic_compare_exchange_strong(&k->state, &expect, CONN_BUSY))
        return MHD_NO; /* the reaper cut it a moment ago */
    rc->s = s;
    rc->c = c;
    req.ctx_ = rc;
    log_set_request(rc->request_id);
    s->fn(s->app, &req, &res);
    log_set_request(NULL);
    if (atomic_load(&rc->deferred)) {
        free(res.body); /* unused: http_complete brings the answer */
        return MHD_YES; /* suspended in http_defer; BUSY until answered */
    }
    return respond(s, c, method, url, rc, &res, ip);
}

/* Queue res (taken) on c, end the request's busy phase, log it. */
static enum MHD_Result respond(http_server *s, struct MHD_Connection *c, const char *method,
                               const char *url, reqctx *rc, http_response *res,
                               const char *ip) {
    conn *k = conn_of(c);
    if (k) {
        conn_next_phase(s, k); /* the response must be taken by then */
        atomic_store(&k->state, CONN_WAITING);
    }
    struct MHD_Response *r;
    if (res->body)
        r = MHD_create_response_from_buffer(res->body_len, res->body,
                                            MHD_RESPMEM_MUST_FREE);
    else
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(res->body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", res->content_type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Request-Id", rc->request_id);
    for (int i = 0; i < res->nheaders; i++)
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
    /* shutting down: this request is answered, the client reconnects
     * elsewhere for the next one */
    if (atomic_load(&s->draining) || atomic_load(&s->closing))
        MHD_add_response_header(r, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)res->status, r);
    MHD_destroy_response(r);
    log_access(method, url, res->status, clock_mono_since_s(&rc->start) * 1e3, ip, res->err_code,
               rc->request_id);
    return ret;
}

http_pending *http_defer(const http_request *req) {
    reqctx *rc = req->ctx_;
    /* draining: answer at once, so that no connection is suspended when
     * the daemon stops (http_suspended) */
    if (!rc || atomic_load(&rc->deferred) || atomic_load(&rc->s->draining)) return NULL;
    atomic_fetch_add(&rc->s->suspended, 1);
    atomic_store(&rc->deferred, 1);
    MHD_suspend_connection(rc->c);
    return (http_pending *)rc;
}

int http_deferred(const http_request *req) {
    reqctx *rc = req->ctx_;
    return rc && atomic_load(&rc->deferred) != 0;
}

void http_complete(http_pending *p, http_response *res) {
    reqctx *rc = (reqctx *)p;
    rc->res = *res;
    atomic_store(&rc->deferred, 2);
    /* MHD calls on_request again on the connection's worker: it queues
     * rc->res there */
    MHD_resume_connection(rc->c);
}

/* MHD's URI log callback: runs on the raw request target, before
 * libmicrohttpd unescapes the path (where %00 would silently end it) and
 * splits the query into argument records. Returns the request's context
 * (MHD hands it to on_request as *con_cls), NULL when out of memory (then
 * on_request makes one). A target with an escaped NUL or more than
 * HTTP_MAX_QUERY_ARGS arguments is marked for an early answer; the query
 * is cut after the last allowed argument, so that the records made of it
 * stay bounded: the target is MHD's own request-line buffer, which it
 * parses for arguments only after this returns. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
    (void)cls;
    (void)c;
    reqctx *rc = calloc(1, sizeof *rc);
    if (!rc || !uri) return rc;
    for (const char *p = uri; (p = strchr(p, '%')) != NULL; p++)
        if (p[1] == '0' && p[2] == '0') rc->target_error = &ERR_NUL;
    char *q = strchr(uri, '?');
    unsigned nargs = 0;
    for (char *p = q; p && *p; p++) {
        if (*p != '?' && *p != '&') continue;
        if (p[1] == '&' || p[1] == 0) continue; /* an empty argument */
        if (++nargs > HTTP_MAX_QUERY_ARGS) {
            *p = 0; /* see above */
            if (!rc->target_error) rc->target_error = &ERR_ARGS;
            break;
        }
    }
    return rc;
}

/* Content-Length and Transfer-Encoding of a request, seen once each. */
typedef struct framing {
    const char *cl, *te;
    int ncl, nte, cl_conflict;
} framing;

static enum MHD_Result framing_collect(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value) {
    (void)kind;
    framing *f = cls;
    if (!key || !value) return MHD_YES;
    if (strcasecmp(key, "Content-Length") == 0) {
        if (f->ncl++ && strcmp(f->cl, value) != 0) f->cl_conflict = 1;
        if (!f->cl) f->cl = value;
    } else if (strcasecmp(key, "Transfer-Encoding") == 0) {
        f->nte++;
        f->te = value;
    }
    return MHD_YES;
}

/* The early error of a request whose body framing is ambiguous (both
 * Content-Length and Transfer-Encoding, Content-Length headers that
 * differ: the request smuggling shapes) or uses a coding other than
 * chunked; NULL when the framing is plain. */
static const early_error *framing_error(struct MHD_Connection *c) {
    framing f = {NULL, NULL, 0, 0, 0};
    MHD_get_connection_values(c, MHD_HEADER_KIND, framing_collect, &f);
    if (f.ncl && f.nte) return &ERR_CL_TE;
    if (f.cl_conflict) return &ERR_CL_TWICE;
    if (f.nte) {
        const char *v = f.te;
        while (*v == ' ' || *v == '\t') v++;
        size_t n = strlen(v);
        while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
        if (f.nte > 1 || n != 7 || strncasecmp(v, "chunked", 7) != 0) return &ERR_TE;
    }
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    (void)version;
    http_server *s = cls;
    reqctx *rc = *con_cls;
    if (!rc || !rc->begun) {
        if (!rc && !(rc = calloc(1, sizeof *rc))) return MHD_NO;
        rc->begun = 1;
        clock_mono_now(&rc->start);
        *con_cls = rc;
        atomic_fetch_add(&s->inflight, 1); /* until on_completed */
        http_reqid_pick(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id"),
                        rc->request_id);
        conn_next_phase(s, conn_of(c)); /* headers are in; now the body */
        if (atomic_load(&s->conns) > s->max_conns) {
            rc->answered = 1;
            return send_error(s, c, &ERR_BUSY, method, url, 0, rc->request_id);
        }
        /* exact limit; MHD's pool (max_header + slack) is the hard stop */
        const union MHD_ConnectionInfo *hi =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
        if (hi && hi->header_size > s->max_header) {
            rc->answered = 1;
            return send_error(s, c, &ERR_HEADER, method, url, 0, rc->request_id);
        }
        const early_error *fe = rc->target_error ? rc->target_error : framing_error(c);
        if (fe) {
            rc->answered = 1;
            return send_error(s, c, fe, method, url, 0, rc->request_id);
        }
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end == 0 && n > s->max_body) {
                rc->answered = 1;
                return send_error(s, c, &ERR_TOO_BIG, method, url, 0, rc->request_id);
            }
        }
        return MHD_YES;
    }
    int dstate = atomic_load(&rc->deferred);
    if (dstate) {
        /* resumed (or a spurious call while suspended) */
        if (dstate != 2) return MHD_YES;
        atomic_store(&rc->deferred, 3); /* answered: once */
        atomic_fetch_sub(&s->suspended, 1);
        return respond(s, c, method, url, rc, &rc->res, rc->ip);
    }
    if (rc->answered) {
        *upload_size = 0; /* response already queued; MHD closes after it */
        return MHD_YES;
    }
    if (rc->discarding) {
        /* MHD 0.9.75 cannot queue a response in the middle of an upload:
         * drop the rest of the body (never stored) and answer 413 at its
         * end, or close the connection once HTTP_DISCARD_MAX is passed */
        size_t n = *upload_size;
        *upload_size = 0;
        rc->discarded += n;
        if (rc->discarded > HTTP_DISCARD_MAX) return MHD_NO;
        if (n) return MHD_YES;
        rc->answered = 1;
        return send_error(s, c, &ERR_TOO_BIG, method, url, clock_mono_since_s(&rc->start) * 1e3, rc->request_id);
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (rc->len + n > s->max_body) {
            /* a chunked upload past the limit */
            rc->discarding = 1;
            rc->discarded = n;
            *upload_size = 0;
            free(rc->body);
            rc->body = NULL;
            rc->len = rc->cap = 0;
            return MHD_YES;
        }
        if (rc->len + n + 1 > rc->cap) {
            size_t cap = rc->cap ? rc->cap : HTTP_INITIAL_BODY;
            while (cap < rc->len + n + 1) cap *= 2;
            char *nb = realloc(rc->body, cap);
            if (!nb) return MHD_NO;
            rc->body = nb;
            rc->cap = cap;
        }
        memcpy(rc->body + rc->len, upload, n);
        rc->len += n;
        rc->body[rc->len] = 0;
        *upload_size = 0;
        return MHD_YES;
    }
    return dispatch(s, c, url, method, rc);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)toe;
    /* keep-alive: the next request's headers are due within a phase */
    http_server *s = cls;
    conn_next_phase(s, conn_of(c));
    reqctx *rc = *con_cls;
    if (!rc) return;
    if (rc->begun) atomic_fetch_sub(&s->inflight, 1);
    /* resumed, but the client had gone: closed before its answer, which
     * is ours to free */
    if (atomic_load(&rc->deferred) == 2) {
        atomic_fetch_sub(&s->suspended, 1);
        free(rc->res.body);
    }
    free(rc->body);
    free(rc);
    *con_cls = NULL;
}

/* The slot of ip4 in s's per-address table (under mu): its own, else the
 * first free or emptied one; -1 when the table is full of live addresses. */
static long ip_slot(http_server *s, uint32_t ip4) {
    size_t h = (size_t)((ip4 * 2654435761u) & (HTTP_IP_SLOTS - 1));
    long reuse = -1;
    for (size_t i = 0; i < HTTP_IP_SLOTS; i++) {
        size_t k = (h + i) & (HTTP_IP_SLOTS - 1);
        if (s->ip_key[k] == ip4) return (long)k;
        if (s->ip_key[k] == 0) return reuse >= 0 ? reuse : (long)k;
        if (reuse < 0 && s->ip_count[k] == 0) reuse = (long)k;
    }
    return reuse;
}

/* 1 when the peer at sa counts against max_connections_per_ip: a limit is
 * set and the peer is no trusted proxy (behind a proxy every client shares
 * its address; the rate limits see the client's own). *ip4 is the key. */
static int ip_counted(const http_server *s, const struct sockaddr *sa, uint32_t *ip4) {
    if (!s->per_ip || !sa || sa->sa_family != AF_INET) return 0;
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    if (s->trusted && *s->trusted &&
        cidr_list_has(s->trusted, AF_INET, (const unsigned char *)&in->sin_addr))
        return 0;
    *ip4 = in->sin_addr.s_addr ? in->sin_addr.s_addr : 1;
    return 1;
}

/* libmicrohttpd's accept policy: refuse a peer already holding
 * max_connections_per_ip connections (on_connection keeps the count). */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen) {
    http_server *s = cls;
    uint32_t ip4;
    (void)addrlen;
    if (!ip_counted(s, addr, &ip4)) return MHD_YES;
    pthread_mutex_lock(&s->mu);
    long k = ip_slot(s, ip4);
    int full = k >= 0 && s->ip_key[k] == ip4 && s->ip_count[k] >= s->per_ip;
    pthread_mutex_unlock(&s->mu);
    return full ? MHD_NO : MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code) {
    http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&s->conns, 1);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn *k = ci ? calloc(1, sizeof *k) : NULL;
        if (!k) return;
        k->fd = ci->connect_fd;
        atomic_store(&k->deadline_ms, clock_mono_ms() + s->phase_ms);
        const union MHD_ConnectionInfo *ai =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        uint32_t ip4 = 0;
        int counted = ai && ip_counted(s, ai->client_addr, &ip4);
        pthread_mutex_lock(&s->mu);
        if (counted) {
            /* accepts race on the pool's threads: the count decides, and a
             * connection past the limit is cut at once (MHD sees EOF) */
            long slot = ip_slot(s, ip4);
            if (slot >= 0 && s->ip_key[slot] == ip4 && s->ip_count[slot] >= s->per_ip) {
                shutdown(k->fd, SHUT_RDWR);
            } else if (slot >= 0) {
                s->ip_key[slot] = ip4;
                s->ip_count[slot]++;
                k->ip4 = ip4;
            }
        }
        k->next = s->head;
        if (s->head) s->head->prev = k;
        s->head = k;
        pthread_mutex_unlock(&s->mu);
        *socket_ctx = k;
        return;
    }
    atomic_fetch_sub(&s->conns, 1);
    conn *k = *socket_ctx;
    if (!k) return;
    /* MHD closes the fd after this returns: unlinking under mu guarantees
     * the reaper never shuts down a recycled descriptor */
    pthread_mutex_lock(&s->mu);
    if (k->ip4) {
        long slot = ip_slot(s, k->ip4);
        if (slot >= 0 && s->ip_key[slot] == k->ip4 && s->ip_count[slot] > 0)
            s->ip_count[slot]--;
    }
    if (k->prev) k->prev->next = k->next;
    else s->head = k->next;
    if (k->next) k->next->prev = k->prev;
    pthread_mutex_unlock(&s->mu);
    free(k);
    *socket_ctx = NULL;
}

/* The slow-client reaper thread (see the file comment). */
static void *reaper_main(void *arg) {
    http_server *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        long long now = clock_mono_ms();
        for (conn *k = s->head; k; k = k->next) {
            int expect = CONN_WAITING;
            if (atomic_load(&k->deadline_ms) < now &&
                atomic_compare_exchange_strong(&k->state, &expect, CONN_CUT)) {
                shutdown(k->fd, SHUT_RDWR); /* MHD sees EOF and closes it */
                atomic_fetch_add(&s->reaped, 1);
            }
        }
        clock_cond_wait_ms(&s->cv, &s->mu, HTTP_REAP_PERIOD_MS);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Read a PEM file for config key `key`. Returns new NUL-terminated text or
 * NULL with errbuf naming the key. */
static char *read_pem(const char *key, const char *path, const char *what,
                      char *errbuf, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errbuf, errlen, "%s: cannot read %s: %s", key, path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(HTTP_MAX_PEM + 1);
    size_t n = buf ? fread(buf, 1, HTTP_MAX_PEM + 1, f) : 0;
    fclose(f);
    if (!buf || n == 0 || n > HTTP_MAX_PEM) {
        snprintf(errbuf, errlen, "%s: %s is empty, unreadable or larger than %d bytes", key,
                 path, HTTP_MAX_PEM);
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    if (!strstr(buf, "-----BEGIN ") || !strstr(buf, what)) {
        snprintf(errbuf, errlen, "%s: %s holds no PEM %s", key, path, what);
        explicit_bzero(buf, n);
        free(buf);
        return NULL;
    }
    return buf;
}

static void free_secret(char *p) {
    if (!p) return;
    explicit_bzero(p, strlen(p));
    free(p);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    http_server *s = cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
    if (!atomic_load(&s->started)) snprintf(s->last_log, sizeof s->last_log, "%s", buf);
    log_msg(LOG_DEBUG, "libmicrohttpd: %s", buf);
}

http_server *http_start(const http_options *opt, http_handler_fn fn, void *app,
                        char *errbuf, size_t errlen) {
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    s->fn = fn;
    s->app = app;
    s->listen_fd = MHD_INVALID_SOCKET;
    s->max_body = opt->max_body;
    s->max_conns = opt->max_connections;
    s->trusted = opt->trusted_proxies;
    s->per_ip = opt->max_connections_per_ip;
    s->phase_ms = (long long)(opt->connection_timeout ? opt->connection_timeout : 15) * 1000;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    int tls = (opt->tls_cert && *opt->tls_cert) || (opt->tls_key && *opt->tls_key);
    if (tls) {
        if (!opt->tls_cert || !*opt->tls_cert || !opt->tls_key || !*opt->tls_key) {
            snprintf(errbuf, errlen, "%s: must be set together with %s",
                     opt->tls_cert && *opt->tls_cert ? "tls_key" : "tls_cert",
                     opt->tls_cert && *opt->tls_cert ? "tls_cert" : "tls_key");
            goto fail;
        }
        if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
            snprintf(errbuf, errlen, "tls_cert: this libmicrohttpd has no TLS support");
            goto fail;
        }
        if (!(s->tls_cert = read_pem("tls_cert", opt->tls_cert, "CERTIFICATE", errbuf, errlen)) ||
            !(s->tls_key = read_pem("tls_key", opt->tls_key, "PRIVATE KEY", errbuf, errlen)))
            goto fail;
    }
    size_t max_header = opt->max_header ? opt->max_header : HTTP_DEFAULT_MAX_HEADER;
    s->max_header = max_header;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)opt->port);
    const char *host = opt->host;
    if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        snprintf(errbuf, errlen, "listen: \"%s\" is not an IPv4 address", opt->host);
        goto fail;
    }
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | (tls ? MHD_USE_TLS : 0);
    /* MHD_OPTION_HTTPS_* are only accepted by a TLS daemon: pass them
     * first or end the list right there */
    s->d = MHD_start_daemon(
        flags, (uint16_t)opt->port, on_accept, s, on_request, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opt->threads,
        MHD_OPTION_CONNECTION_LIMIT, opt->max_connections + HTTP_CONN_SLACK,
        MHD_OPTION_CONNECTION_TIMEOUT, opt->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, max_header + HTTP_POOL_SLACK,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, s->tls_cert,
        MHD_OPTION_HTTPS_MEM_KEY, s->tls_key,
        /* TLS 1.2 and 1.3 only */
        MHD_OPTION_HTTPS_PRIORITIES, "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1",
        MHD_OPTION_END);
    if (!s->d) {
        if (tls)
            snprintf(errbuf, errlen,
                     "tls_cert/tls_key: cannot start HTTPS on %s:%d with %s and %s (%s)",
                     opt->host, opt->port, opt->tls_cert, opt->tls_key,
                     s->last_log[0] ? s->last_log : "address in use?");
        else
            snprintf(errbuf, errlen, "cannot listen on %s:%d (address in use?)",
                     opt->host, opt->port);
        goto fail;
    }
    atomic_store(&s->started, 1);
    if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0) {
        snprintf(errbuf, errlen, "cannot start the connection reaper thread");
        MHD_stop_daemon(s->d);
        goto fail;
    }
    s->reaper_running = 1;
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : opt->port;
    return s;
fail:
    free_secret(s->tls_cert);
    free_secret(s->tls_key);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
    return NULL;
}

int http_port(const http_server *s) { return s->port; }

unsigned http_inflight(const http_server *s) {
    return atomic_load(&((http_server *)s)->inflight);
}

unsigned http_suspended(const http_server *s) {
    return atomic_load(&((http_server *)s)->suspended);
}

void http_close_connections(http_server *s) {
    if (s) atomic_store(&s->closing, 1);
}

void http_quiesce(http_server *s) {
    if (!s || !s->d || atomic_load(&s->draining)) return;
    atomic_store(&s->draining, 1);
    /* the listening socket is ours now, but worker threads may still look
     * at it: close it only after MHD_stop_daemon (http_stop) */
    s->listen_fd = MHD_quiesce_daemon(s->d);
}

void http_stop(http_server *s) {
    if (!s) return;
    if (s->reaper_running) {
        pthread_mutex_lock(&s->mu);
        s->stop = 1;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->reaper, NULL);
    }
    if (s->d) MHD_stop_daemon(s->d); /* notifies CLOSED: frees every conn */
    if (atomic_load(&s->reaped))
        log_msg(LOG_INFO, "http: %lu slow connections were cut (connection_timeout)",
                atomic_load(&s->reaped));
    if (s->listen_fd != MHD_INVALID_SOCKET) close(s->listen_fd);
    free_secret(s->tls_cert);
    free_secret(s->tls_key);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
