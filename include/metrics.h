/* metrics.h - in-process counters rendered as Prometheus text.
 *
 * Lock-free atomic counters over label sets fixed when the metrics are
 * made (the caller's route names, flag codes and statuses), so recording
 * costs a few atomic adds on the request path and label values never come
 * from user input.
 */
#ifndef MODQ_METRICS_H
#define MODQ_METRICS_H

#include <stddef.h>

typedef struct metrics metrics;

/* The label sets (all borrowed for the call; see metrics_new). */
typedef struct metrics_labels {
    const char *const *routes; /* route names: the route table's */
    size_t nroutes;
    const char *const *flags;  /* flag codes records carry */
    size_t nflags;
    const int *statuses;       /* HTTP statuses counted under their own label */
    size_t nstatuses;
} metrics_labels;

/* Returns new metrics (free with metrics_free), NULL on OOM. The arrays of
 * l are copied; the name strings are borrowed and must outlive the metrics
 * (static tables). Repeated values count once; every value outside a set
 * is counted under "other". Names must be identifiers ([A-Za-z0-9_.:-])
 * and statuses 100..999: asserted. */
metrics *metrics_new(const metrics_labels *l);
void metrics_free(metrics *m); /* NULL is a no-op */

/* route: a route name given to metrics_new (unknown names -> "other");
 * status: under its own label when it is one of the labels' statuses. */
void metrics_request(metrics *m, const char *route, int status, double seconds);
void metrics_comment(metrics *m, const char *status);
void metrics_flag(metrics *m, const char *code); /* unknown codes -> "other" */
void metrics_auth_failure(metrics *m);
void metrics_spooled(metrics *m);
void metrics_replayed(metrics *m, long n);

/* Webhook attempts by result: delivered (2xx), failed (retried later),
 * dead (the last attempt failed: a dead letter). */
typedef enum {
    METRICS_WH_DELIVERED = 0,
    METRICS_WH_FAILED,
    METRICS_WH_DEAD,
    METRICS_WH_RESULTS
} metrics_wh_result;
void metrics_webhook(metrics *m, metrics_wh_result r);
/* n dead letters put back into the outbox (the retry endpoints). */
void metrics_webhook_requeued(metrics *m, long n);

typedef struct metrics_gauges {
    long long queue_depth;   /* -1 unknown */
    int redis_up;
    unsigned long redis_errors;
    long spool_pending;
    int spool_writable;      /* spool_writable() */
    int draining;            /* 1 from SIGTERM on */
    unsigned inflight;
    /* a Redis Cluster (cluster set; else the three below are not shown):
     * primaries in the slot map, slots it assigns, redirects followed */
    int cluster;
    unsigned cluster_primaries;
    unsigned cluster_slots;
    unsigned long cluster_redirects;
} metrics_gauges;

/* Returns new Prometheus exposition text (free()), NULL on OOM. */
char *metrics_render(metrics *m, const metrics_gauges *g, size_t *len);

#endif
