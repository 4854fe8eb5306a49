/* metrics.h - in-process counters rendered as Prometheus text.
 *
 * Lock-free atomic counters over label sets fixed when the metrics are
 * made (routes and flag codes from the caller's tables, statuses from
 * http_status.h), so recording costs a few atomic adds on the request path
 * and label values never come from user input.
 */
#ifndef MODQ_METRICS_H
#define MODQ_METRICS_H

#include <stddef.h>

typedef struct metrics metrics;

/* Returns new metrics (free with metrics_free), NULL on OOM.
 * routes: nroutes route names (the route table's), flags: nflags flag
 * codes (the engine's); the strings are borrowed and must outlive the
 * metrics (static tables), the arrays are copied. Repeated names count
 * once; every other value is counted under "other". Names must be
 * identifiers ([A-Za-z0-9_.:-]): asserted. */
metrics *metrics_new(const char *const *routes, size_t nroutes, const char *const *flags,
                     size_t nflags);
void metrics_free(metrics *m); /* NULL is a no-op */

/* route: a route name given to metrics_new (unknown names -> "other");
 * status: counted under its own label when http_status.h lists it. */
void metrics_request(metrics *m, const char *route, int status, double seconds);
void metrics_comment(metrics *m, const char *status);
void metrics_flag(metrics *m, const char *code); /* unknown codes -> "other" */
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
