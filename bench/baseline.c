/* baseline.c - the ceiling of modq's HTTP stack: libmicrohttpd + modq's codec.
 *
 * A stand-alone server for `make bench`. It runs libmicrohttpd exactly as
 * service/http/http.c does (internal thread pool in poll(2) mode, the same
 * connection limit, slack, timeout, per-connection memory and backlog),
 * accumulates the body with the same cap and growth, looks up the same
 * request headers, decodes the comment and encodes the answer with modq's
 * own codec (codec_decode_comment_req, codec_encode_comment: the same
 * functions, linked from modq's objects) and answers a verdict-shaped JSON
 * body in modq's API form. It does no analysis, no Redis, no logging and no
 * metrics, so modq/baseline is the share of the stack's capacity that modq
 * keeps.
 *
 * Usage: baseline PORT THREADS [CAPTURE_FILE N]   (runs until SIGINT/SIGTERM;
 * port 0 = any, the bound port is printed on stdout as "port N"). With
 * CAPTURE_FILE, the first N comment bodies that decode are also written to
 * it, one per line (wrk's bodies hold no raw newline): bench/run.sh feeds
 * them to engine_bench, so the engine alone runs on the same comments.
 * The bench never measures a capturing server.
 * Linked with jemalloc and modq's malloc_conf, as build/modq is.
 * Never use it for anything but benchmarks: it checks no key and stores
 * nothing.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "model.h"

/* The values below mirror service/http/http.c and modq's defaults
 * (service/core/config.c), so that both servers run the same libmicrohttpd
 * configuration. */
#define BASE_CONN_MEMORY (32 * 1024) /* HTTP_CONN_MEMORY */
#define BASE_CONN_SLACK 64           /* HTTP_CONN_SLACK */
#define BASE_INITIAL_BODY 1024       /* HTTP_INITIAL_BODY */
#define BASE_MAX_CONNECTIONS 1024    /* config max_connections default */
#define BASE_MAX_BODY 65536          /* config max_body default */
#define BASE_CONN_TIMEOUT 15         /* config connection_timeout default */
#define BASE_BACKLOG 1024u           /* listen backlog in http.c */
#define BASE_MAX_THREADS 256         /* config threads maximum */
#define BASE_MAX_FIELD 65536         /* longest string field we copy */

typedef struct reqctx {
    char *body;
    size_t len, cap;
    int too_big;
    struct timespec start;
} reqctx;

/* Open connections, counted as http.c does for its 503 limit. */
static atomic_uint conns;

/* modq's allocator settings (service/main.c): the baseline allocates as
 * build/modq does. */
extern const char *malloc_conf;
const char *malloc_conf = "narenas:2,dirty_decay_ms:2000,muzzy_decay_ms:0";

/* Body capture (CAPTURE_FILE N): the file, how many bodies are still
 * wanted, and the lock that keeps lines whole. Owned by main. */
static FILE *capture_file;
static long capture_left;
static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;

static void capture(const char *body, size_t len) {
    pthread_mutex_lock(&capture_lock);
    if (capture_left > 0 && !memchr(body, '\n', len)) {
        fwrite(body, 1, len, capture_file);
        fputc('\n', capture_file);
        if (--capture_left == 0) fflush(capture_file);
    }
    pthread_mutex_unlock(&capture_lock);
}

static const char *ERR_TOO_BIG =
    "{\"error\":{\"code\":\"body_too_large\",\"message\":\"request body exceeds "
    "the configured limit (max_body)\"}}";
static const char *ERR_BAD =
    "{\"error\":{\"code\":\"invalid_body\",\"message\":\"not a comment\"}}";

/* ============================================================ JSON work */

/* modq's own codec (service/codec/: codec.c, reqscan.c, jsonw.c), so that
 * the JSON work is the same as modq's to the instruction: the request
 * decoded by codec_decode_comment_req, the answer written by
 * codec_encode_comment in the API form, for an approved comment without
 * flags. Returns a new string (free()) or NULL when the body is not a valid
 * comment. */
static char *verdict(const char *buf, size_t len, const char *site, size_t *out_len) {
    static __thread model_comment c; /* 13 KB: not on the worker's stack */
    codec_error err;
    if (codec_decode_comment_req(buf, len, &c, BASE_MAX_FIELD, &err) < 0) return NULL;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char id[33];
    if (!c.id) {
        model_new_id(id);
        c.id = strdup(id);
    }
    c.site = strdup(site);
    c.status = c.auto_status = MODEL_APPROVED;
    c.score = 0.125;
    c.relevance = 0.75;
    c.received_ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    char *s = c.id && c.site ? codec_encode_comment(&c, 0, out_len) : NULL;
    model_comment_free(&c);
    return s;
}

/* ============================================================ HTTP */

static enum MHD_Result send_static(struct MHD_Connection *conn, unsigned status,
                                   const char *body, int close_conn) {
    struct MHD_Response *r = MHD_create_response_from_buffer(
        strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (close_conn) MHD_add_response_header(r, "Connection", "close");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The site is the path segment after /v1/sites/ (modq's router does this). */
static void site_of(const char *url, char *out, size_t n) {
    static const char prefix[] = "/v1/sites/";
    out[0] = 0;
    if (strncmp(url, prefix, sizeof prefix - 1) != 0) return;
    const char *s = url + sizeof prefix - 1;
    const char *e = strchr(s, '/');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len >= n) len = n - 1;
    memcpy(out, s, len);
    out[len] = 0;
}

static void remote_ip(struct MHD_Connection *conn, char *buf, size_t n) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    buf[0] = 0;
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf,
                  (socklen_t)n);
}

static enum MHD_Result answer(struct MHD_Connection *conn, const char *url, reqctx *rc) {
    /* the header look-ups http.c does for every request */
    const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
    char ip[64], site[80];
    remote_ip(conn, ip, sizeof ip);
    site_of(url, site, sizeof site);
    (void)host;
    if (!ctype || !auth || strncmp(ctype, "application/json", 16) != 0)
        return send_static(conn, 415, ERR_BAD, 0);
    size_t len = 0;
    char *body = verdict(rc->body ? rc->body : "", rc->len, site, &len);
    if (!body) return send_static(conn, 422, ERR_BAD, 0);
    if (capture_file) capture(rc->body, rc->len);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, 201, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls) {
    (void)cls;
    (void)method;
    (void)version;
    reqctx *rc = *con_cls;
    if (!rc) {
        rc = calloc(1, sizeof *rc);
        if (!rc) return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &rc->start);
        *con_cls = rc;
        if (atomic_load(&conns) > BASE_MAX_CONNECTIONS)
            return send_static(conn, 503, ERR_BAD, 1);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > BASE_MAX_BODY) {
            rc->too_big = 1;
            return send_static(conn, 413, ERR_TOO_BIG, 1);
        }
        return MHD_YES;
    }
    if (rc->too_big) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (rc->len + n > BASE_MAX_BODY) {
            rc->too_big = 1;
            *upload_size = 0;
            return send_static(conn, 413, ERR_TOO_BIG, 1);
        }
        if (rc->len + n + 1 > rc->cap) {
            size_t cap = rc->cap ? rc->cap : BASE_INITIAL_BODY;
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
    return answer(conn, url, rc);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)conn;
    (void)toe;
    reqctx *rc = *con_cls;
    if (!rc) return;
    free(rc->body);
    free(rc);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code) {
    (void)cls;
    (void)conn;
    (void)socket_ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&conns, 1);
    else
        atomic_fetch_sub(&conns, 1);
}

/* ============================================================ main */

int main(int argc, char **argv) {
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: baseline PORT THREADS [CAPTURE_FILE N]\n");
        return 2;
    }
    if (argc == 5) {
        capture_left = strtol(argv[4], NULL, 10);
        if (capture_left < 1 || !(capture_file = fopen(argv[3], "w"))) {
            fprintf(stderr, "baseline: cannot capture %s bodies to %s\n", argv[4], argv[3]);
            return 2;
        }
    }
    long port = strtol(argv[1], NULL, 10);
    long threads = strtol(argv[2], NULL, 10);
    if (port < 0 || port > 65535 || threads < 1 || threads > BASE_MAX_THREADS) {
        fprintf(stderr, "baseline: PORT 0-65535, THREADS 1-%d\n", BASE_MAX_THREADS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(BASE_MAX_CONNECTIONS + BASE_CONN_SLACK),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)BASE_CONN_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)BASE_CONN_MEMORY,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, BASE_BACKLOG,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "baseline: cannot listen on 127.0.0.1:%ld\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u\n", di ? (unsigned)di->port : (unsigned)port);
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    if (capture_file) fclose(capture_file);
    return 0;
}
