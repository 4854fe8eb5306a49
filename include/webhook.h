/* webhook.h - site webhooks: the sender thread that delivers the store's
 * outbox, and the registration limits the API checks.
 *
 * A site registers one webhook (URL, HMAC secret, subscribed events);
 * events wait in its durable Redis outbox (store_webhook.h, included here:
 * events, deliveries, webhook_notify). A background sender (one per modq
 * process) claims due deliveries atomically with a lease, POSTs them
 * signed with HMAC-SHA256, deletes them on 2xx, reschedules them with
 * exponential backoff otherwise and finally moves them to a dead-letter
 * list.
 *
 * Sender:     service/webhook/webhook.c (the only file in modq with libcurl;
 *             it depends on the store's outbox, never the reverse).
 * Redis side: service/store/store_webhook.c (store_webhook.h).
 * Handlers:   service/api/api_webhook.c. Keys and payloads: docs/webhooks.md.
 */
#ifndef MODQ_WEBHOOK_H
#define MODQ_WEBHOOK_H

#include <stddef.h>

#include "metrics.h"
#include "store.h"
#include "store_webhook.h"

/* Limits, each with its reason. */
#define WEBHOOK_MIN_SECRET 16       /* shorter HMAC keys are guessable */
#define WEBHOOK_MAX_SECRET 256      /* longer ones add nothing to HMAC-SHA256 */
#define WEBHOOK_BATCH 16            /* deliveries claimed per site per round trip */
#define WEBHOOK_BACKOFF_BASE_MS 1000L       /* first retry after 1 s ... */
#define WEBHOOK_BACKOFF_MAX_MS 3600000L     /* ... doubling, capped at 1 h */

/* ==================================================== sender (webhook.c) */

typedef struct webhook_sender webhook_sender;

typedef struct webhook_options {
    long timeout_ms;            /* whole HTTP exchange per delivery */
    long max_attempts;          /* then the delivery is dead-lettered */
    long dead_ttl_s;            /* dead-letter list expires this long after
                                   its last push (comment retention) */
    const char *allowed_networks; /* CIDR list (comma/space separated) that
                                     opens otherwise refused targets; the
                                     string must outlive the sender */
    metrics *metrics;           /* attempts counted by result; borrowed, NULL:
                                   not counted */
} webhook_options;

/* Initialise libcurl (once per process) and start the sender thread, which
 * borrows connections from pool only while it talks to Redis. pool must
 * outlive the sender. Returns new sender (stop with webhook_stop) or NULL
 * (logged). */
webhook_sender *webhook_start(store_pool *pool, const webhook_options *o);

/* Stop the thread (an exchange in progress is aborted and its delivery
 * returned to the outbox uncounted), then clean up libcurl. NULL is a
 * no-op. */
void webhook_stop(webhook_sender *w);

/* Signature header value "sha256=<hex>" of "<ts>.<body>" keyed with secret,
 * into out (at least WEBHOOK_SIG_LEN bytes). */
#define WEBHOOK_SIG_LEN (7 + 64 + 1)
void webhook_sign(const char *secret, long long ts, const char *body, size_t len,
                  char out[WEBHOOK_SIG_LEN]);

/* ====================================================== egress policy */

/* 1 when a connection to sa may be made: not loopback, private, link-local,
 * multicast or unspecified, unless inside one of allowed's CIDR networks
 * (comma/space separated, NULL or "" = none). */
struct sockaddr;
int webhook_addr_allowed(const struct sockaddr *sa, const char *allowed);

/* Registration check: 0 when url's host is a literal or resolves to
 * addresses all allowed (or does not resolve now: connect time checks it
 * again), -1 when any of its addresses is refused. */
int webhook_url_allowed(const char *url, const char *allowed);

#endif
