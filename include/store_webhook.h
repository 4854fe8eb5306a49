/* store_webhook.h - Redis side of site webhooks: the registration, the
 * durable outbox, delivery leases and the dead-letter list.
 *
 * The store owns the outbox data, so the event names and bits, the
 * delivery ids and the delivery / batch / info shapes are declared here;
 * the sender (webhook.h, service/webhook/webhook.c, the only libcurl file)
 * builds on them, never the reverse. Events are queued on the request
 * path by webhook_notify() into a per-site outbox; a sender claims due
 * deliveries atomically with a lease and completes each one (done, retry
 * with backoff, dead letter). Everything lives in Redis, so a restart
 * loses nothing and several modq processes can share one outbox.
 * Implemented by service/store/store_webhook.c (hiredis only there). Keys:
 * service/store/store_keys.h; payloads: docs/webhooks.md.
 */
#ifndef MODQ_STORE_WEBHOOK_H
#define MODQ_STORE_WEBHOOK_H

#include <stddef.h>

#include "store.h"

/* Limits, each with its reason. */
#define WEBHOOK_MAX_URL 2048        /* what browsers keep (MODEL_MAX_URL) */
#define WEBHOOK_ID_LEN 32           /* delivery ids: 32 hex digits (model_new_id) */
#define WEBHOOK_DEAD_MAX 1000       /* dead letters kept per site (newest) */
#define WEBHOOK_DEAD_PAGE_MAX 200   /* dead letters per listed page: 200 short
                                       records, well under a page's bytes */
#define WEBHOOK_CURSOR_MAX 64       /* "<dead ms>.<id>": 20 + 1 + 32 + NUL */
#define WEBHOOK_ERROR_MAX 64        /* a last-error class ("http_503") */

/* Event bits. "decision" = a moderator decided; "verdict" = every automatic
 * verdict of a newly stored comment. */
#define WEBHOOK_EV_DECISION 1u
#define WEBHOOK_EV_VERDICT 2u
#define WEBHOOK_EV_ALL (WEBHOOK_EV_DECISION | WEBHOOK_EV_VERDICT)

/* Bit of an event name ("decision", "verdict"), 0 when unknown or NULL. */
unsigned webhook_event_bit(const char *name);

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

/* Remove the site's registration, its outbox and its dead letters. Returns
 * 1 when it had a webhook, 0 when not, -1 on Redis trouble. */
int store_webhook_delete(store *s, const char *site);

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

/* Given up: move d to the site's dead letters with last_error (a class
 * without spaces, at most WEBHOOK_ERROR_MAX - 1 bytes kept) and the
 * attempts made (d->attempts + 1); the oldest beyond WEBHOOK_DEAD_MAX are
 * dropped, and the dead letters expire ttl_s after this one. Returns 1, 0
 * lease lost, -1. */
int store_webhook_dead(store *s, const char *site, const webhook_delivery *d,
                       const char *last_error, long ttl_s);

/* One dead letter as listed (its comment stays in Redis). */
typedef struct webhook_dead_item {
    char id[WEBHOOK_ID_LEN + 1];
    char event[16];
    long long created_ms;       /* when the event was queued */
    long long dead_ms;          /* when it was given up (Redis clock) */
    long attempts;              /* attempts made */
    char last_error[WEBHOOK_ERROR_MAX];
} webhook_dead_item;

/* Up to limit (1..WEBHOOK_DEAD_PAGE_MAX) of site's dead letters, newest
 * first, after cursor (NULL or "": from the newest). Fills items[0..*n)
 * and next (the cursor of the following page, "" when this is the last);
 * letters arriving meanwhile never make a page repeat or skip one.
 * Returns 0, -2 when cursor is not one this function gave, -1 on Redis
 * trouble. */
int store_webhook_dead_list(store *s, const char *site, const char *cursor, unsigned limit,
                            webhook_dead_item *items, size_t *n,
                            char next[WEBHOOK_CURSOR_MAX]);

/* Move dead letter id (NULL: every one of the site's) back to the outbox,
 * due now, with its delivery id and event and no attempts counted: the
 * sender delivers it again with webhook_max_attempts more tries. Returns
 * the number moved (0: no such dead letter), -1 on Redis trouble. */
long store_webhook_dead_retry(store *s, const char *site, const char *id);

#endif
