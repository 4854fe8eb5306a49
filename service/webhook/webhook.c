/* webhook.c - the webhook sender: claim, sign, POST, settle.
 *
 * Owns WEBHOOK_WORKERS pthreads, each with its own libcurl easy handle (the
 * only libcurl users in modq), and libcurl's global state (curl_global_init
 * in webhook_start, cleanup in webhook_stop). Tenants are isolated: a site
 * is served by one worker at a time (the busy list, under mu), a worker
 * skips a site another one serves, and workers start their rounds at
 * different sites, so a receiver that hangs holds one worker for at most
 * its batch's timeouts while the others deliver every other site's events.
 * Each round a worker lists the sites with a webhook, claims their
 * due deliveries under a lease (store_webhook_claim), POSTs each one signed
 * with HMAC-SHA256 and settles it in Redis: done on 2xx, rescheduled with
 * exponential backoff otherwise, dead-lettered after max_attempts. It holds
 * a Redis connection only while it talks to Redis, never during HTTP.
 * The outbox and its shapes are the store's (store_webhook.h): this file
 * depends on them, the store never on this one. Never logs a URL or secret
 * (either may carry credentials) and never follows redirects.
 */
#include "webhook.h"
#include "clock.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cidr.h"
#include "codec.h"
#include "crypto.h"
#include "log.h"

#define WEBHOOK_POLL_MS 200          /* idle period: events reach receivers fast */
#define WEBHOOK_LEASE_MARGIN_MS 5000 /* lease slack over the batch's worst case */
#define WEBHOOK_USER_AGENT "modq-webhook/1"
/* Sender workers: how many sites may be delivered to at once, so how many
 * hung receivers the others outlast. */
#define WEBHOOK_WORKERS 4

typedef struct sender_worker {
    pthread_t th;
    struct webhook_sender *w;
    unsigned idx;
    CURL *curl;  /* reused between deliveries: keeps connections alive */
    int refused; /* set by open_checked during one exchange */
} sender_worker;

struct webhook_sender {
    pthread_mutex_t mu;  /* guards busy and the wait on cv */
    pthread_cond_t cv;
    atomic_int stop;
    atomic_uint rounds;  /* rotates where each round starts */
    store_pool *pool;
    webhook_options o;
    sender_worker workers[WEBHOOK_WORKERS];
    unsigned started;    /* workers running */
    char *busy[WEBHOOK_WORKERS]; /* the site each worker serves (owned), or NULL */
};

/* ============================================================== helpers */

void webhook_sign(const char *secret, long long ts, const char *body, size_t len,
                  char out[WEBHOOK_SIG_LEN]) {
    char pre[24];
    int pl = snprintf(pre, sizeof pre, "%lld.", ts);
    unsigned char mac[CRYPTO_SHA256_LEN];
    char *msg = malloc((size_t)pl + len + 1);
    if (!msg) { /* an unverifiable signature: the receiver rejects, we retry */
        memset(mac, 0, sizeof mac);
    } else {
        memcpy(msg, pre, (size_t)pl);
        memcpy(msg + pl, body, len);
        crypto_hmac_sha256(secret, strlen(secret), msg, (size_t)pl + len, mac);
        free(msg);
    }
    memcpy(out, "sha256=", 7);
    crypto_hex(mac, sizeof mac, out + 7);
}


static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Delay before the next attempt after `failed` failed attempts (1-based):
 * base, 2 base, 4 base ... capped. */
static long backoff_ms(long failed) {
    long d = WEBHOOK_BACKOFF_BASE_MS;
    for (long i = 1; i < failed && d < WEBHOOK_BACKOFF_MAX_MS; i++) d *= 2;
    return d < WEBHOOK_BACKOFF_MAX_MS ? d : WEBHOOK_BACKOFF_MAX_MS;
}

/* The POST body. Returns new JSON or NULL on OOM. */
static char *payload(const char *site, const webhook_delivery *d, long long now,
                     size_t *len) {
    char occurred[32], delivered[32];
    clock_iso_ms(d->created_ms, occurred);
    clock_iso_ms(now, delivered);
    codec_obj *o = codec_obj_new();
    if (!o) return NULL;
    codec_set_str(o, "id", d->id);
    codec_set_str(o, "event", d->event);
    codec_set_str(o, "site", site);
    codec_set_str(o, "occurred_at", occurred);
    codec_set_str(o, "delivered_at", delivered);
    codec_set_int(o, "attempt", d->attempts + 1);
    codec_set_json(o, "comment", d->comment, d->comment_len);
    return codec_dump_free(o, len);
}

/* ======================================================== egress policy */

/* 1 when the IPv4 address a (4 bytes) is of a refused class. */
static int v4_refused(const unsigned char *a) {
    static const struct { unsigned char net[4]; int bits; } r[] = {
        {{0, 0, 0, 0}, 8},       {{10, 0, 0, 0}, 8},    {{127, 0, 0, 0}, 8},
        {{169, 254, 0, 0}, 16},  {{172, 16, 0, 0}, 12}, {{192, 168, 0, 0}, 16},
        {{100, 64, 0, 0}, 10},   {{224, 0, 0, 0}, 4},   {{240, 0, 0, 0}, 4},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (cidr_match(a, r[i].net, r[i].bits)) return 1;
    return 0;
}

int webhook_addr_allowed(const struct sockaddr *sa, const char *allowed) {
    if (sa->sa_family == AF_INET) {
        const unsigned char *a =
            (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        return !v4_refused(a) || cidr_list_has(allowed, AF_INET, a);
    }
    if (sa->sa_family != AF_INET6) return 0;
    const unsigned char *a =
        (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (memcmp(a, v4mapped, 12) == 0) /* ::ffff:a.b.c.d is a.b.c.d */
        return !v4_refused(a + 12) || cidr_list_has(allowed, AF_INET, a + 12);
    static const unsigned char zero[16];
    int refused = memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1); /* :: and ::1 */
    refused = refused || (a[0] & 0xFE) == 0xFC;                           /* fc00::/7 */
    refused = refused || (a[0] == 0xFE && (a[1] & 0xC0) == 0x80);         /* fe80::/10 */
    refused = refused || a[0] == 0xFF;                                    /* ff00::/8 */
    return !refused || cidr_list_has(allowed, AF_INET6, a);
}

int webhook_url_allowed(const char *url, const char *allowed) {
    const char *h = strstr(url, "://");
    if (!h) return -1;
    h += 3;
    size_t auth = strcspn(h, "/?#");
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++)
        if (h[i] == '@') at = h + i;
    if (at) {
        auth -= (size_t)(at + 1 - h);
        h = at + 1;
    }
    char host[256];
    size_t n;
    if (*h == '[') {
        const char *e = memchr(h, ']', auth);
        if (!e) return -1;
        h++;
        n = (size_t)(e - h);
    } else {
        n = strcspn(h, ":/?#");
        if (n > auth) n = auth;
    }
    if (n == 0 || n >= sizeof host) return -1;
    memcpy(host, h, n);
    host[n] = 0;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0) return 0; /* connect time decides */
    int ok = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if (!webhook_addr_allowed(ai->ai_addr, allowed)) ok = -1;
    freeaddrinfo(res);
    return ok;
}

/* ================================================================= HTTP */

static size_t discard(char *p, size_t size, size_t n, void *u) {
    (void)p;
    (void)u;
    return size * n;
}

static int abort_on_stop(void *u, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    sender_worker *k = u;
    return atomic_load(&k->w->stop) ? 1 : 0;
}

/* CURLOPT_OPENSOCKETFUNCTION: the egress check on the address curl is
 * about to connect to (after DNS, so rebinding cannot bypass it). */
static curl_socket_t open_checked(void *u, curlsocktype purpose, struct curl_sockaddr *a) {
    sender_worker *k = u;
    if (purpose != CURLSOCKTYPE_IPCXN ||
        !webhook_addr_allowed((const struct sockaddr *)&a->addr, k->w->o.allowed_networks)) {
        k->refused = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* The coarse class shown to API clients for a failed exchange. */
static const char *error_class(CURLcode rc, int refused) {
    if (refused) return "not_allowed";
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return "dns";
    case CURLE_COULDNT_CONNECT: return "refused";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE: return "tls";
    default: return "network";
    }
}

typedef enum { POST_OK, POST_FAILED, POST_ABORTED } post_result;

/* POST body to url. err gets the coarse class on failure (timeout, refused,
 * tls, dns, not_allowed, network, http_<status>); curl's detail goes to the
 * operator log only (no URL in either). */
static post_result post(sender_worker *k, const char *url, const char *secret,
                        const webhook_delivery *d, const char *body, size_t len,
                        char *err, size_t errn) {
    long long ts = (long long)time(NULL);
    char sig[WEBHOOK_SIG_LEN];
    webhook_sign(secret, ts, body, len, sig);
    char h_sig[WEBHOOK_SIG_LEN + 32], h_ts[64], h_ev[64], h_id[64];
    snprintf(h_sig, sizeof h_sig, "X-Modq-Signature: %s", sig);
    snprintf(h_ts, sizeof h_ts, "X-Modq-Timestamp: %lld", ts);
    snprintf(h_ev, sizeof h_ev, "X-Modq-Event: %s", d->event);
    snprintf(h_id, sizeof h_id, "X-Modq-Delivery: %s", d->id);
    const char *hs[] = {"Content-Type: application/json", "Expect:", h_sig, h_ts, h_ev, h_id};
    struct curl_slist *hl = NULL;
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        struct curl_slist *n = curl_slist_append(hl, hs[i]);
        if (!n) {
            curl_slist_free_all(hl);
            snprintf(err, errn, "out of memory");
            return POST_FAILED;
        }
        hl = n;
    }
    char cerr[CURL_ERROR_SIZE] = "";
    CURL *c = k->curl;
    const webhook_sender *w = k->w;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, w->o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, w->o.timeout_ms);
    curl_easy_setopt(c, CURLOPT_USERAGENT, WEBHOOK_USER_AGENT);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, k);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, k);
    k->refused = 0;
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL); /* cerr dies with us */
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
    if (rc == CURLE_ABORTED_BY_CALLBACK) return POST_ABORTED;
    if (rc != CURLE_OK) {
        snprintf(err, errn, "%s", error_class(rc, k->refused));
        log_msg(LOG_INFO, "webhook: delivery %s: %s (%s)", d->id, err,
                k->refused ? "target address not allowed by the egress policy"
                           : (cerr[0] ? cerr : curl_easy_strerror(rc)));
        return POST_FAILED;
    }
    if (status >= 200 && status < 300) return POST_OK;
    snprintf(err, errn, "http_%ld", status);
    return POST_FAILED;
}

/* ============================================================== sending */

/* Deliver one claimed item and settle it in Redis. */
static void deliver(sender_worker *k, const char *site, const webhook_batch *b,
                    const webhook_delivery *d) {
    webhook_sender *w = k->w;
    size_t len = 0;
    char *body = payload(site, d, now_ms(), &len);
    char err[200] = "";
    post_result pr = POST_FAILED;
    if (body)
        pr = post(k, b->url, b->secret, d, body, len, err, sizeof err);
    else
        snprintf(err, sizeof err, "out of memory");
    free(body);
    store *s = store_acquire(w->pool);
    int rc;
    if (pr == POST_OK) {
        rc = store_webhook_done(s, site, d);
        if (w->o.metrics) metrics_webhook(w->o.metrics, METRICS_WH_DELIVERED);
        log_msg(LOG_DEBUG, "webhook: site %s delivery %s delivered (attempt %ld)", site, d->id,
                d->attempts + 1);
    } else if (pr == POST_ABORTED) {
        rc = store_webhook_retry(s, site, d, 0, 0, NULL);
    } else if (d->attempts + 1 >= w->o.max_attempts) {
        rc = store_webhook_dead(s, site, d, err, w->o.dead_ttl_s);
        if (w->o.metrics) metrics_webhook(w->o.metrics, METRICS_WH_DEAD);
        log_msg(LOG_WARN, "webhook: site %s delivery %s dead after %ld attempts: %s", site,
                d->id, d->attempts + 1, err);
    } else {
        long delay = backoff_ms(d->attempts + 1);
        rc = store_webhook_retry(s, site, d, 1, delay, err);
        if (w->o.metrics) metrics_webhook(w->o.metrics, METRICS_WH_FAILED);
        log_msg(LOG_INFO, "webhook: site %s delivery %s attempt %ld failed (%s), retry in %ld ms",
                site, d->id, d->attempts + 1, err, delay);
    }
    store_release(w->pool, s);
    if (rc < 0)
        log_msg(LOG_WARN, "webhook: site %s delivery %s: Redis unavailable, its lease will "
                          "expire and it will be retried", site, d->id);
    else if (rc == 0)
        log_msg(LOG_WARN, "webhook: site %s delivery %s: lease lost to another sender", site,
                d->id);
}

/* Take site for worker k: 1, or 0 when another worker serves it. */
static int take_site(sender_worker *k, const char *site) {
    webhook_sender *w = k->w;
    int ok = 1;
    pthread_mutex_lock(&w->mu);
    for (unsigned j = 0; j < WEBHOOK_WORKERS && ok; j++)
        ok = j == k->idx || !w->busy[j] || strcmp(w->busy[j], site) != 0;
    if (ok) ok = (w->busy[k->idx] = strdup(site)) != NULL;
    pthread_mutex_unlock(&w->mu);
    return ok;
}

static void drop_site(sender_worker *k) {
    webhook_sender *w = k->w;
    pthread_mutex_lock(&w->mu);
    free(w->busy[k->idx]);
    w->busy[k->idx] = NULL;
    pthread_mutex_unlock(&w->mu);
}

/* One pass of worker k over every site it can take, starting at a site
 * that moves with each round. Returns deliveries attempted. */
static size_t round_once(sender_worker *k) {
    webhook_sender *w = k->w;
    char **sites = NULL;
    store *s = store_acquire(w->pool);
    int rc = store_webhook_sites(s, &sites);
    store_release(w->pool, s);
    if (rc < 0) return 0;
    size_t n = 0, done = 0;
    while (sites[n]) n++;
    size_t start = n ? (k->idx + atomic_fetch_add(&w->rounds, 1)) % n : 0;
    long lease = WEBHOOK_BATCH * w->o.timeout_ms + WEBHOOK_LEASE_MARGIN_MS;
    for (size_t t = 0; t < n && !atomic_load(&w->stop); t++) {
        const char *site = sites[(start + t) % n];
        if (!take_site(k, site)) continue;
        webhook_batch b;
        s = store_acquire(w->pool);
        rc = store_webhook_claim(s, site, WEBHOOK_BATCH, lease, &b);
        store_release(w->pool, s);
        if (rc < 0) {
            drop_site(k);
            continue;
        }
        for (size_t j = 0; j < b.n; j++) {
            if (atomic_load(&w->stop)) { /* hand it back uncounted */
                s = store_acquire(w->pool);
                store_webhook_retry(s, site, &b.items[j], 0, 0, NULL);
                store_release(w->pool, s);
                continue;
            }
            deliver(k, site, &b, &b.items[j]);
            done++;
        }
        store_webhook_batch_free(&b);
        drop_site(k);
    }
    store_webhook_sites_free(sites);
    return done;
}

static void *run(void *arg) {
    sender_worker *k = arg;
    webhook_sender *w = k->w;
    while (!atomic_load(&w->stop)) {
        if (round_once(k) > 0) continue; /* more may be due at once */
        pthread_mutex_lock(&w->mu);
        if (!atomic_load(&w->stop)) {
            clock_cond_wait_ms(&w->cv, &w->mu, WEBHOOK_POLL_MS);
        }
        pthread_mutex_unlock(&w->mu);
    }
    return NULL;
}

/* ============================================================ lifecycle */

webhook_sender *webhook_start(store_pool *pool, const webhook_options *o) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_msg(LOG_ERROR, "webhook: libcurl initialisation failed");
        return NULL;
    }
    webhook_sender *w = calloc(1, sizeof *w);
    if (!w) goto fail;
    w->pool = pool;
    w->o = *o;
    if (w->o.max_attempts < 1) w->o.max_attempts = 1;
    atomic_init(&w->stop, 0);
    atomic_init(&w->rounds, 0);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    for (unsigned i = 0; i < WEBHOOK_WORKERS; i++) {
        sender_worker *k = &w->workers[i];
        k->w = w;
        k->idx = i;
        if (!(k->curl = curl_easy_init()) || pthread_create(&k->th, NULL, run, k) != 0) {
            curl_easy_cleanup(k->curl);
            k->curl = NULL;
            break;
        }
        w->started++;
    }
    if (w->started == WEBHOOK_WORKERS) return w;
    webhook_stop(w); /* the workers that started, and libcurl */
    log_msg(LOG_ERROR, "webhook: cannot start the sender");
    return NULL;
fail:
    log_msg(LOG_ERROR, "webhook: cannot start the sender");
    free(w);
    curl_global_cleanup();
    return NULL;
}

void webhook_stop(webhook_sender *w) {
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->stop, 1);
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < w->started; i++) {
        pthread_join(w->workers[i].th, NULL);
        curl_easy_cleanup(w->workers[i].curl);
    }
    for (unsigned i = 0; i < WEBHOOK_WORKERS; i++) free(w->busy[i]);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    curl_global_cleanup();
}
