/* http.c - libmicrohttpd daemon, body accumulation, dispatch to one handler.
 *
 * Owns the MHD daemon and the per-request context (body buffer, start
 * time). Threading: MHD's internal thread pool in poll(2) mode. epoll mode
 * of libmicrohttpd 0.9.75 stalls with exactly 128/256 ready keep-alive
 * connections, poll mode does not (tests/integration/test_http_conns.py).
 * Never interprets routes or JSON: that is the handler's job.
 */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* Header block budget per connection: MHD answers 431/413-ish errors itself
 * when a request's headers exceed it. 32 KiB is generous for a JSON API. */
#define HTTP_CONN_MEMORY (32 * 1024)
/* Extra connections MHD accepts beyond max_connections so that we can
 * answer 503 instead of resetting the socket. */
#define HTTP_CONN_SLACK 64
#define HTTP_INITIAL_BODY 1024

struct http_server {
    struct MHD_Daemon *d;
    http_handler_fn fn;
    void *app;
    size_t max_body;
    unsigned max_conns;
    atomic_uint conns;
    atomic_uint inflight;
    int port;
};

typedef struct reqctx {
    char *body;
    size_t len, cap;
    int too_big;
    int over_conn_limit;
    struct timespec start;
} reqctx;

static const char *ERR_TOO_BIG =
    "{\"error\":{\"code\":\"body_too_large\",\"message\":\"request body exceeds "
    "the configured limit (max_body)\"}}";
static const char *ERR_BUSY =
    "{\"error\":{\"code\":\"too_many_connections\",\"message\":\"server is at "
    "its connection limit, retry shortly\"}}";

static double ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
           (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static enum MHD_Result send_static(struct MHD_Connection *c, unsigned status,
                                   const char *body, int close_conn) {
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (close_conn) MHD_add_response_header(r, "Connection", "close");
    if (status == 503) MHD_add_response_header(r, "Retry-After", "1");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
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

static enum MHD_Result dispatch(http_server *s, struct MHD_Connection *c,
                                const char *url, const char *method,
                                reqctx *rc) {
    char ip[64];
    remote_ip(c, ip, sizeof ip);
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
    atomic_fetch_add(&s->inflight, 1);
    s->fn(s->app, &req, &res);
    atomic_fetch_sub(&s->inflight, 1);

    struct MHD_Response *r;
    if (res.body)
        r = MHD_create_response_from_buffer(res.body_len, res.body,
                                            MHD_RESPMEM_MUST_FREE);
    else
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(res.body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", res.content_type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    for (int i = 0; i < res.nheaders; i++)
        MHD_add_response_header(r, res.headers[i].name, res.headers[i].value);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)res.status, r);
    MHD_destroy_response(r);
    log_access(method, url, res.status, ms_since(&rc->start), ip, res.err_code);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    (void)version;
    http_server *s = cls;
    reqctx *rc = *con_cls;
    if (!rc) {
        rc = calloc(1, sizeof *rc);
        if (!rc) return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &rc->start);
        *con_cls = rc;
        if (atomic_load(&s->conns) > s->max_conns) {
            rc->over_conn_limit = 1;
            log_access(method, url, 503, 0, "", "too_many_connections");
            return send_static(c, 503, ERR_BUSY, 1);
        }
        const char *cl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end == 0 && n > s->max_body) {
                rc->too_big = 1;
                log_access(method, url, 413, 0, "", "body_too_large");
                return send_static(c, 413, ERR_TOO_BIG, 1);
            }
        }
        return MHD_YES;
    }
    if (rc->too_big || rc->over_conn_limit) {
        *upload_size = 0; /* response already queued; MHD closes after it */
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (rc->len + n > s->max_body) {
            rc->too_big = 1;
            *upload_size = 0;
            log_access(method, url, 413, 0, "", "body_too_large");
            return send_static(c, 413, ERR_TOO_BIG, 1);
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
    (void)cls;
    (void)c;
    (void)toe;
    reqctx *rc = *con_cls;
    if (!rc) return;
    free(rc->body);
    free(rc);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code) {
    (void)c;
    (void)socket_ctx;
    http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&s->conns, 1);
    else
        atomic_fetch_sub(&s->conns, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) buf[--n] = 0;
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
    s->max_body = opt->max_body;
    s->max_conns = opt->max_connections;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)opt->port);
    const char *host = opt->host;
    if (strcmp(host, "localhost") == 0) host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        snprintf(errbuf, errlen, "listen: \"%s\" is not an IPv4 address", opt->host);
        free(s);
        return NULL;
    }
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC;
    s->d = MHD_start_daemon(
        flags, (uint16_t)opt->port, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opt->threads,
        MHD_OPTION_CONNECTION_LIMIT, opt->max_connections + HTTP_CONN_SLACK,
        MHD_OPTION_CONNECTION_TIMEOUT, opt->connection_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_END);
    if (!s->d) {
        snprintf(errbuf, errlen, "cannot listen on %s:%d (address in use?)",
                 opt->host, opt->port);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : opt->port;
    return s;
}

int http_port(const http_server *s) { return s->port; }

unsigned http_inflight(const http_server *s) {
    return atomic_load(&((http_server *)s)->inflight);
}

void http_quiesce(http_server *s) {
    if (!s || !s->d) return;
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    (void)fd; /* MHD keeps owning the socket until MHD_stop_daemon */
}

void http_stop(http_server *s) {
    if (!s) return;
    if (s->d) MHD_stop_daemon(s->d);
    free(s);
}
