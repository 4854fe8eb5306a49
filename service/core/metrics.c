/* metrics.c - Prometheus counters and a latency histogram.
 *
 * Owns arrays of atomics indexed by route, status and flag code. The label
 * sets are the caller's (metrics_new): the route names of the route table,
 * the flag codes records carry, the statuses of the status table. Label
 * values come only from these sets, never from user input: anything else
 * is counted under "other", so the exposition cannot be polluted and its
 * size is bounded. Never names a route, a status or a flag itself.
 */
#include "metrics.h"

#include <assert.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bucket of every label value the sets do not name. */
#define METRICS_OTHER "other"

static const double BUCKETS[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                 0.01, 0.025, 0.05, 0.1, 0.25, 1};
#define NBUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])
static const char *CSTATUS[] = {"approved", "pending", "rejected"};

/* A label set: distinct borrowed names, then METRICS_OTHER last. */
typedef struct labels {
    const char **name; /* n entries (the strings borrowed) */
    size_t n;
} labels;

struct metrics {
    labels routes, flags;
    int *status;         /* nstatus distinct statuses, then 0 for "other" */
    size_t nstatus;
    atomic_ulong *req;   /* routes.n x nstatus, row-major */
    atomic_ulong *flag;  /* flags.n counters */
    atomic_ulong hist[NBUCKETS + 1];
    atomic_ullong sum_us;
    atomic_ulong count;
    atomic_ulong comments[3];
    atomic_ulong auth_fail;
    atomic_ulong spooled;
    atomic_ulong wh[METRICS_WH_RESULTS]; /* by metrics_wh_result */
    atomic_ulong wh_requeued;
    atomic_ulong replayed;
};

/* Label values are written into the exposition unescaped: the tables'
 * names are identifiers, which a broken table would not be. */
static int label_ok(const char *v) {
    if (!v || !*v) return 0;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.' || *p == ':'))
            return 0;
    return 1;
}

/* Copy names (repeats and METRICS_OTHER dropped) and append METRICS_OTHER.
 * 0, or -1 on OOM. */
static int labels_init(labels *l, const char *const *names, size_t n) {
    l->name = calloc(n + 1, sizeof *l->name);
    if (!l->name) return -1;
    l->n = 0;
    for (size_t i = 0; i < n; i++) {
        assert(label_ok(names[i]));
        size_t j = 0;
        while (j < l->n && strcmp(l->name[j], names[i]) != 0) j++;
        if (j == l->n && strcmp(names[i], METRICS_OTHER) != 0) l->name[l->n++] = names[i];
    }
    l->name[l->n++] = METRICS_OTHER;
    return 0;
}

/* Index of v in l, or of METRICS_OTHER. */
static size_t labels_idx(const labels *l, const char *v) {
    for (size_t i = 0; v && i < l->n - 1; i++)
        if (strcmp(l->name[i], v) == 0) return i;
    return l->n - 1;
}

/* Copy statuses (repeats and 0 dropped) and append 0 for "other".
 * 0, or -1 on OOM. */
static int statuses_init(metrics *m, const int *st, size_t n) {
    m->status = calloc(n + 1, sizeof *m->status);
    if (!m->status) return -1;
    m->nstatus = 0;
    for (size_t i = 0; i < n; i++) {
        assert(st[i] >= 100 && st[i] <= 999);
        size_t j = 0;
        while (j < m->nstatus && m->status[j] != st[i]) j++;
        if (j == m->nstatus) m->status[m->nstatus++] = st[i];
    }
    m->status[m->nstatus++] = 0;
    return 0;
}

metrics *metrics_new(const metrics_labels *l) {
    metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    if (labels_init(&m->routes, l->routes, l->nroutes) < 0 ||
        labels_init(&m->flags, l->flags, l->nflags) < 0 ||
        statuses_init(m, l->statuses, l->nstatuses) < 0 ||
        !(m->req = calloc(m->routes.n * m->nstatus, sizeof *m->req)) ||
        !(m->flag = calloc(m->flags.n, sizeof *m->flag)))
        goto fail;
    return m;
fail:
    metrics_free(m);
    return NULL;
}

void metrics_free(metrics *m) {
    if (!m) return;
    free(m->flag);
    free(m->req);
    free(m->status);
    free(m->flags.name);
    free(m->routes.name);
    free(m);
}

void metrics_request(metrics *m, const char *route, int status, double seconds) {
    size_t s = m->nstatus - 1;
    for (size_t i = 0; i < m->nstatus - 1; i++)
        if (m->status[i] == status) s = i;
    atomic_fetch_add(&m->req[labels_idx(&m->routes, route) * m->nstatus + s], 1);
    size_t b = NBUCKETS;
    for (size_t i = 0; i < NBUCKETS; i++)
        if (seconds <= BUCKETS[i]) {
            b = i;
            break;
        }
    atomic_fetch_add(&m->hist[b], 1);
    atomic_fetch_add(&m->sum_us, (unsigned long long)(seconds * 1e6));
    atomic_fetch_add(&m->count, 1);
}

void metrics_comment(metrics *m, const char *status) {
    for (int i = 0; i < 3; i++)
        if (strcmp(CSTATUS[i], status) == 0) atomic_fetch_add(&m->comments[i], 1);
}

void metrics_flag(metrics *m, const char *code) {
    atomic_fetch_add(&m->flag[labels_idx(&m->flags, code)], 1);
}

void metrics_auth_failure(metrics *m) { atomic_fetch_add(&m->auth_fail, 1); }
void metrics_spooled(metrics *m) { atomic_fetch_add(&m->spooled, 1); }
void metrics_webhook(metrics *m, metrics_wh_result r) {
    if ((unsigned)r < METRICS_WH_RESULTS) atomic_fetch_add(&m->wh[r], 1);
}
void metrics_webhook_requeued(metrics *m, long n) {
    if (n > 0) atomic_fetch_add(&m->wh_requeued, (unsigned long)n);
}
void metrics_replayed(metrics *m, long n) {
    if (n > 0) atomic_fetch_add(&m->replayed, (unsigned long)n);
}

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

__attribute__((format(printf, 2, 3))) static void bp(buf *b, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n;
        char *np = realloc(b->p, cap);
        if (!np) return;
        b->p = np;
        b->cap = cap;
    }
}

char *metrics_render(metrics *m, const metrics_gauges *g, size_t *len) {
    buf b = {malloc(8192), 0, 8192};
    if (!b.p) return NULL;
    b.p[0] = 0;
    bp(&b, "# HELP modq_http_requests_total HTTP requests by route and status.\n"
           "# TYPE modq_http_requests_total counter\n");
    for (size_t r = 0; r < m->routes.n; r++)
        for (size_t s = 0; s < m->nstatus; s++) {
            unsigned long v = atomic_load(&m->req[r * m->nstatus + s]);
            if (!v) continue;
            if (m->status[s])
                bp(&b, "modq_http_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
                   m->routes.name[r], m->status[s], v);
            else
                bp(&b, "modq_http_requests_total{route=\"%s\",status=\"" METRICS_OTHER "\"} %lu\n",
                   m->routes.name[r], v);
        }
    bp(&b, "# HELP modq_http_request_duration_seconds Request handling time.\n"
           "# TYPE modq_http_request_duration_seconds histogram\n");
    unsigned long cum = 0;
    for (size_t i = 0; i < NBUCKETS; i++) {
        cum += atomic_load(&m->hist[i]);
        bp(&b, "modq_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n", BUCKETS[i], cum);
    }
    cum += atomic_load(&m->hist[NBUCKETS]);
    bp(&b, "modq_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
    bp(&b, "modq_http_request_duration_seconds_sum %.6f\n", (double)atomic_load(&m->sum_us) / 1e6);
    bp(&b, "modq_http_request_duration_seconds_count %lu\n", atomic_load(&m->count));
    bp(&b, "# HELP modq_comments_total Comments analysed by verdict.\n"
           "# TYPE modq_comments_total counter\n");
    for (int i = 0; i < 3; i++)
        bp(&b, "modq_comments_total{status=\"%s\"} %lu\n", CSTATUS[i], atomic_load(&m->comments[i]));
    bp(&b, "# HELP modq_flags_total Flags raised by code.\n# TYPE modq_flags_total counter\n");
    for (size_t i = 0; i < m->flags.n; i++)
        bp(&b, "modq_flags_total{code=\"%s\"} %lu\n", m->flags.name[i], atomic_load(&m->flag[i]));
    bp(&b, "# HELP modq_auth_failures_total Requests with a missing or unknown key.\n"
           "# TYPE modq_auth_failures_total counter\nmodq_auth_failures_total %lu\n",
       atomic_load(&m->auth_fail));
    bp(&b, "# HELP modq_redis_errors_total Redis connection failures and error replies.\n"
           "# TYPE modq_redis_errors_total counter\nmodq_redis_errors_total %lu\n",
       g->redis_errors);
    bp(&b, "# HELP modq_redis_up 1 when Redis answered the last call.\n"
           "# TYPE modq_redis_up gauge\nmodq_redis_up %d\n", g->redis_up);
    if (g->cluster) {
        bp(&b, "# HELP modq_redis_cluster_primaries Primaries in the Redis Cluster slot map.\n"
               "# TYPE modq_redis_cluster_primaries gauge\nmodq_redis_cluster_primaries %u\n",
           g->cluster_primaries);
        bp(&b, "# HELP modq_redis_cluster_slots Slots the map assigns to a primary (16384: "
               "covered).\n# TYPE modq_redis_cluster_slots gauge\nmodq_redis_cluster_slots %u\n",
           g->cluster_slots);
        bp(&b, "# HELP modq_redis_cluster_redirects_total MOVED and ASK replies followed.\n"
               "# TYPE modq_redis_cluster_redirects_total counter\n"
               "modq_redis_cluster_redirects_total %lu\n",
           g->cluster_redirects);
    }
    bp(&b, "# HELP modq_degraded 1 while comments are being spooled locally.\n"
           "# TYPE modq_degraded gauge\nmodq_degraded %d\n",
       (!g->redis_up || g->spool_pending > 0) ? 1 : 0);
    bp(&b, "# HELP modq_review_queue_depth Pending comments awaiting review.\n"
           "# TYPE modq_review_queue_depth gauge\nmodq_review_queue_depth %lld\n",
       g->queue_depth);
    bp(&b, "# HELP modq_spool_pending Records in the local spool.\n"
           "# TYPE modq_spool_pending gauge\nmodq_spool_pending %ld\n", g->spool_pending);
    bp(&b, "# HELP modq_spool_writable 1 when the local spool can take a comment.\n"
           "# TYPE modq_spool_writable gauge\nmodq_spool_writable %d\n", g->spool_writable);
    bp(&b, "# HELP modq_ready 1 while /readyz answers 200 (Redis up or the spool "
           "writable, and not draining).\n"
           "# TYPE modq_ready gauge\nmodq_ready %d\n",
       !g->draining && (g->redis_up || g->spool_writable));
    bp(&b, "# HELP modq_draining 1 from SIGTERM until exit (drain_seconds).\n"
           "# TYPE modq_draining gauge\nmodq_draining %d\n", g->draining);
    bp(&b, "# HELP modq_webhook_deliveries_total Webhook delivery attempts by result "
           "(dead: the last attempt failed and the event became a dead letter).\n"
           "# TYPE modq_webhook_deliveries_total counter\n"
           "modq_webhook_deliveries_total{result=\"delivered\"} %lu\n"
           "modq_webhook_deliveries_total{result=\"failed\"} %lu\n"
           "modq_webhook_deliveries_total{result=\"dead\"} %lu\n",
       atomic_load(&m->wh[METRICS_WH_DELIVERED]), atomic_load(&m->wh[METRICS_WH_FAILED]),
       atomic_load(&m->wh[METRICS_WH_DEAD]));
    bp(&b, "# HELP modq_webhook_dead_letters_total Events given up as dead letters.\n"
           "# TYPE modq_webhook_dead_letters_total counter\nmodq_webhook_dead_letters_total %lu\n",
       atomic_load(&m->wh[METRICS_WH_DEAD]));
    bp(&b, "# HELP modq_webhook_dead_letters_requeued_total Dead letters put back into the "
           "outbox through the retry endpoints.\n"
           "# TYPE modq_webhook_dead_letters_requeued_total counter\n"
           "modq_webhook_dead_letters_requeued_total %lu\n",
       atomic_load(&m->wh_requeued));
    bp(&b, "# HELP modq_spooled_total Records written to the spool.\n"
           "# TYPE modq_spooled_total counter\nmodq_spooled_total %lu\n", atomic_load(&m->spooled));
    bp(&b, "# HELP modq_replayed_total Spooled records moved into Redis.\n"
           "# TYPE modq_replayed_total counter\nmodq_replayed_total %lu\n", atomic_load(&m->replayed));
    bp(&b, "# HELP modq_inflight_requests Requests being handled.\n"
           "# TYPE modq_inflight_requests gauge\nmodq_inflight_requests %u\n", g->inflight);
    *len = b.len;
    return b.p;
}
