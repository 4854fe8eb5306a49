/* http.h - the thin HTTP layer: the only module that includes microhttpd.h.
 *
 * It owns the daemon, accumulates request bodies with a cap (413 as soon as
 * the cap is exceeded, without buffering the rest), counts connections (503
 * beyond the configured maximum) and calls one handler per complete request
 * with a parsed http_request. Handlers fill an http_response and never see a
 * connection. Statuses and error codes: the table in http_status.h.
 */
#ifndef MODQ_HTTP_H
#define MODQ_HTTP_H

#include <stddef.h>

#define HTTP_MAX_EXTRA_HEADERS 6 /* Retry-After, X-akismet-*, Allow ... */
/* Longest X-Request-Id taken from a client: room for a UUID, a W3C
 * traceparent or a proxy's own id with a prefix; longer ones are replaced. */
#define HTTP_REQID_MAX 128

typedef struct http_request {
    const char *method;         /* borrowed, e.g. "POST" */
    const char *path;           /* borrowed, without query string */
    const char *content_type;   /* borrowed or NULL */
    const char *authorization;  /* borrowed or NULL */
    const char *host;           /* borrowed or NULL */
    const char *remote_ip;      /* borrowed, "" when unknown: the client
                                   address (the TCP peer, or from
                                   X-Forwarded-For behind trusted_proxies) */
    const char *body;           /* borrowed, NUL-terminated, may be "" */
    size_t body_len;
    void *conn_;                /* private to http.c */
    void *ctx_;                 /* private to http.c */
} http_request;

typedef struct http_header {
    char name[40];
    char value[240];
} http_header;

typedef struct http_response {
    int status;
    char *body;                 /* malloc'd; the HTTP layer frees it */
    size_t body_len;
    const char *content_type;   /* static string; default application/json */
    const char *err_code;       /* static string for the access log or NULL */
    int nheaders;
    http_header headers[HTTP_MAX_EXTRA_HEADERS];
} http_response;

/* The application's request handler. Runs on a worker thread. */
typedef void (*http_handler_fn)(void *app, const http_request *req,
                                http_response *res);

typedef struct http_options {
    const char *host;        /* listen address, e.g. "127.0.0.1" */
    int port;                /* 0 = pick a free port (see http_port) */
    unsigned threads;        /* worker threads */
    size_t max_body;         /* bytes */
    unsigned max_connections;
    unsigned connection_timeout; /* seconds: idle limit, and the most a
                                    client may take to send a request's
                                    headers, or its body (slowloris) */
    size_t max_header;       /* bytes of request line + headers; 0 = 32 KiB */
    const char *tls_cert;    /* PEM file path; NULL/"" with tls_key = HTTP */
    const char *tls_key;     /* PEM private key path (read at start) */
    const char *trusted_proxies; /* CIDR list (cidr.h); a peer inside it has
                                    the client address taken from
                                    X-Forwarded-For; NULL/"" = none. Must
                                    outlive the server */
    unsigned max_connections_per_ip; /* 0 = no per-address limit */
} http_options;

typedef struct http_server http_server;

/* Deferred answers. A handler that cannot answer at once (it waits for
 * Redis along with other requests) calls http_defer and returns without
 * filling res; the connection is suspended (its worker serves others)
 * until http_complete hands over the answer, from any thread. Exactly one
 * http_complete per http_defer, and none after http_stop: the server's
 * in-flight count includes deferred requests, so draining waits for them.
 * Suspended connections are never cut by the slow-client reaper. */
typedef struct http_pending http_pending;
/* Call from the handler only. NULL if the request cannot be deferred (then
 * answer at once). */
http_pending *http_defer(const http_request *req);
/* 1 when the handler deferred req. */
int http_deferred(const http_request *req);
/* Answer a deferred request: res is taken (body freed by the HTTP layer). */
void http_complete(http_pending *p, http_response *res);

/* Request ids (http_reqid.c). Every request gets one: the client's
 * X-Request-Id when http_reqid_valid accepts it (1 to HTTP_REQID_MAX
 * characters of printable ASCII, space included), otherwise 32 random hex
 * digits. It is echoed as X-Request-Id on every response, errors of the
 * HTTP layer included, and written in every log line of the request. */
int http_reqid_valid(const char *id);
/* The id for a request that sent given (NULL: none) into out. */
void http_reqid_pick(const char *given, char out[HTTP_REQID_MAX + 1]);

/* Value of a query-string argument, or NULL. Borrowed from the request. */
const char *http_query(const http_request *req, const char *name);

/* Value of a request header, or NULL. Borrowed from the request. */
const char *http_header_get(const http_request *req, const char *name);

/* Add a header to a response (silently ignored beyond the maximum). */
void http_add_header(http_response *res, const char *name, const char *value);

/* Start serving (HTTPS when tls_cert and tls_key are set: both files are
 * read here). Returns new server (stop with http_stop) or NULL with errbuf
 * filled, naming the config key at fault for TLS problems. */
http_server *http_start(const http_options *opt, http_handler_fn fn,
                        void *app, char *errbuf, size_t errlen);

/* From now on every answer closes its connection (Connection: close),
 * while new connections are still accepted: the drain window before
 * http_quiesce, so that keep-alive clients reconnect through their
 * balancer instead of holding a connection the stop would cut. */
void http_close_connections(http_server *s);

/* Port actually bound (useful with port 0). */
int http_port(const http_server *s);

/* Requests in flight: from their headers' arrival until their response
 * was sent (uploads and responses being written count: graceful drain). */
unsigned http_inflight(const http_server *s);

/* Deferred requests not yet answered (http_defer). After http_quiesce no
 * request is deferred any more; the daemon must not stop before this is 0
 * (libmicrohttpd forbids stopping with suspended connections). */
unsigned http_suspended(const http_server *s);

/* Stop accepting new connections; in-flight requests go on, and requests
 * arriving on open keep-alive connections are answered with
 * "Connection: close". */
void http_quiesce(http_server *s);

/* Stop the daemon and free everything. NULL is a no-op. */
void http_stop(http_server *s);

#endif
