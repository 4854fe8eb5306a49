/* metrics.h - in-process counters rendered as Prometheus text.
 *
 * Lock-free atomic counters over fixed label sets (routes, statuses, flag
 * codes), so recording costs a few atomic adds on the request path.
 */
#ifndef MODQ_METRICS_H
#define MODQ_METRICS_H

#include <stddef.h>

typedef struct metrics metrics;

metrics *metrics_new(void);    /* NULL on OOM; free with metrics_free */
void metrics_free(metrics *m); /* NULL is a no-op */

/* route: a route name from the router table (unknown names -> "other"). */
void metrics_request(metrics *m, const char *route, int status, double seconds);
void metrics_comment(metrics *m, const char *status);
void metrics_flag(metrics *m, const char *code);
void metrics_auth_failure(metrics *m);
void metrics_spooled(metrics *m);
void metrics_replayed(metrics *m, long n);

typedef struct metrics_gauges {
    long long queue_depth;   /* -1 unknown */
    int redis_up;
    unsigned long redis_errors;
    long spool_pending;
    unsigned inflight;
} metrics_gauges;

/* Returns new Prometheus exposition text (free()), NULL on OOM. */
char *metrics_render(metrics *m, const metrics_gauges *g, size_t *len);

#endif
