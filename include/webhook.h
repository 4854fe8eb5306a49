/* webhook.h - site webhooks: the durable Redis outbox and the sender thread.
 *
 * A site registers one webhook (URL, HMAC secret, subscribed events). Events
 * are queued on the request path by webhook_notify() into a per-site Redis
 * outbox; a background sender (one per modq process) claims due deliveries
 * atomically with a lease, POSTs them signed with HMAC-SHA256, deletes them
 * on 2xx, reschedules them with exponential backoff otherwise and finally
 * moves them to a dead-letter list. Everything lives in Redis, so a restart
 * loses nothing and several modq processes can share one outbox.
 *
 * Redis side: service/store_webhook.c (the only webhook file with hiredis).
 * Sender:     service/webhook.c (the only file in modq with libcurl).
 * Handlers:   service/api_webhook.c. Keys and payloads: docs/webhooks.md.
 */
#ifndef MODQ_WEBHOOK_H
#define MODQ_WEBHOOK_H

#include <stddef.h>

#include "store.h"

/* Limits, each with its reason. */
#define WEBHOOK_MAX_URL 2048        /* what browsers keep (MODEL_MAX_URL) */
#define WEBHOOK_MIN_SECRET 16       /* shorter HMAC keys are guessable */
#define WEBHOOK_MAX_SECRET 256      /* longer ones add nothing to HMAC-SHA256 */
#define WEBHOOK_ID_LEN 32           /* delivery ids: 32 hex digits (model_new_id) */
#define WEBHOOK_BATCH 16            /* deliveries claimed per site per round trip */
#define WEBHOOK_BACKOFF_BASE_MS 1000L       /* first retry after 1 s ... */
#define WEBHOOK_BACKOFF_MAX_MS 3600000L     /* ... doubling, capped at 1 h */
#define WEBHOOK_DEAD_MAX 1000       /* dead letters kept per site (newest) */

/* Event bits. "decision" = a moderator decided; "verdict" = every automatic
 * verdict of a newly stored comment. */
#define WEBHOOK_EV_DECISION 1u
#define WEBHOOK_EV_VERDICT 2u
#define WEBHOOK_EV_ALL (WEBHOOK_EV_DECISION | WEBHOOK_EV_VERDICT)

/* Bit of an event name, 0 when unknown. */
unsigned webhook_event_bit(const char *name);

/* ================================================= Redis side (store_webhook.c) */

/* What GET shows: the registration without its secret, plus outbox counts. */
typedef struct webhook_info {
    char url[WEBHOOK_MAX_URL + 1];
    unsigned events;            /* WEBHOOK_EV_* bits */
    long long created_ms, updated_ms;
    long long pending;          /* waiting in the outbox (due or backing off) */
    long long in_flight;        /* claimed by a sender, lease running */
    long long dead;             /* dead letters kept */
    char last_error[200];       /* last failed attempt, "" when none */
    long long last_error_ms;
} webhook_info;

/* Create or replace site's webhook; the site joins the sender's index.
 * url and secret are copied into Redis as binary-safe arguments. *created = 1
 * when there was none. Returns 0, or -1 on Redis trouble. */
int store_webhook_put(store *s, const char *site, const char *url,
                      const char *secret, unsigned events, int *created);

/* Returns 1 with *out filled, 0 when the site has no webhook, -1 on Redis
 * trouble. The secret is never read here. */
int store_webhook_get(store *s, const char *site, webhook_info *out);

/* Queue one event for site if its webhook subscribes to `event` ("decision"
 * or "verdict"). json is the comment in API form (codec_encode_comment(c, 0,
 * ...)), borrowed; it is stored as opaque bytes and wrapped into the payload
 * by the sender. One Redis round trip (one script: subscription check, event
 * id, outbox entry). Returns 0 (queued, or not subscribed), -1 on Redis
 * trouble or an unknown event (nothing queued). */
int webhook_notify(store *s, const char *site, const char *event,
                   const char *json, size_t len);

/* Sites with a webhook (the sender's index). Returns 0 with *sites a new
 * NULL-terminated array (free with store_webhook_sites_free), -1 on error. */
int store_webhook_sites(store *s, char ***sites);
void store_webhook_sites_free(char **sites); /* NULL is a no-op */

/* One claimed delivery (strings new; freed by store_webhook_batch_free). */
typedef struct webhook_delivery {
    char id[WEBHOOK_ID_LEN + 1];
    char event[16];
    long long created_ms;       /* when the event was queued (Redis clock) */
    long attempts;              /* attempts made before this one */
    char *comment;              /* API-form comment JSON */
    size_t comment_len;
    char lease[32];             /* lease token: proves the claim is ours */
} webhook_delivery;

typedef struct webhook_batch {
    char *url, *secret;         /* the site's current registration */
    webhook_delivery *items;
    size_t n;
} webhook_batch;

/* Atomically move up to max due deliveries of site from the outbox to the
 * in-flight set with a lease of lease_ms (expired leases of crashed senders
 * first go back to the outbox). Returns 0 with *out filled (n may be 0; free
 * with store_webhook_batch_free), -1 on Redis trouble (out left empty). */
int store_webhook_claim(store *s, const char *site, unsigned max, long lease_ms,
                        webhook_batch *out);
void store_webhook_batch_free(webhook_batch *b);

/* Delivered: forget d. Returns 1, 0 when the lease was lost (another sender
 * owns it now), -1 on Redis trouble. */
int store_webhook_done(store *s, const char *site, const webhook_delivery *d);

/* Not delivered: back to the outbox due in delay_ms with attempts recorded
 * (d->attempts + counted: counted = 0 for an attempt aborted by shutdown),
 * and last_error kept for the dead letter. Returns 1, 0 lease lost, -1. */
int store_webhook_retry(store *s, const char *site, const webhook_delivery *d,
                        int counted, long delay_ms, const char *last_error);

/* Given up: push record (JSON, borrowed) onto the site's dead-letter list
 * (trimmed to WEBHOOK_DEAD_MAX, expiring ttl_s after this push) and forget
 * d. Returns 1, 0 lease lost, -1. */
int store_webhook_dead(store *s, const char *site, const webhook_delivery *d,
                       const char *record, size_t len, long ttl_s);

/* ==================================================== sender (webhook.c) */

typedef struct webhook_sender webhook_sender;

typedef struct webhook_options {
    long timeout_ms;            /* whole HTTP exchange per delivery */
    long max_attempts;          /* then the delivery is dead-lettered */
    long dead_ttl_s;            /* dead-letter list expires this long after
                                   its last push (comment retention) */
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

#endif
