/* api_review_private.h - what the review workflow's files share (service/api).
 *
 * The workflow is five files: api_review.c (the handlers: parse, call,
 * answer), api_review_req.c (request validation: ids, moderator, lease,
 * filters, cursors, the sites a request covers), api_review_merge.c (the
 * cross-site merge of per-site queues, claims and audit streams into one
 * page, and the listed items), api_review_context.c (what an item shows
 * around its comment) and api_review_decide.c (the decision rules).
 * Nothing here is used outside them.
 */
#ifndef MODQ_API_REVIEW_PRIVATE_H
#define MODQ_API_REVIEW_PRIVATE_H

#include <stddef.h>

#include "api.h"
#include "codec.h"
#include "review.h"

/* Most sites a cross-site page or claim merges (each costs a range read per
 * round): beyond this, ask per site. */
#define REVIEW_MAX_SITES 256
#define REVIEW_FLAG_CODE_MAX (ENGINE_FLAG_CODE_LEN - 1)

/* ======================================= request validation (api_review_req.c) */

/* A validation failure (or any failed step), filled without allocating. */
typedef struct api_review_err {
    int status;
    const char *code; /* static */
    char field[48];   /* "" when not field-specific */
    char msg[200];
} api_review_err;

/* Fill e. Returns -1 (so that `return api_review_fail(...)` fails). */
int api_review_fail(api_review_err *e, int status, const char *code, const char *field,
                    const char *msg);
/* Answer e in the JSON error shape. */
void api_review_reply_err(http_response *res, const api_review_err *e);


/* The sites a cross-site request covers: one named site (validated, 403
 * when the key may not use it) or every site in modq:sites this key may
 * use (at most REVIEW_MAX_SITES). Returns 0 with *sites new
 * (store_review_sites_free), -1 with e. */
int api_review_pick_sites(const api_call *c, store *s, const char *site, char ***sites,
                          api_review_err *e);

/* What GET /v1/review asks for (strings borrowed from the request). */
typedef struct api_review_page_req {
    const char *article_id; /* NULL: any */
    const char *flag;       /* NULL: any */
    const char *author;     /* NULL: any; a name or e-mail, ASCII case folded */
    review_folder folder;   /* status=pending|rejected|approved */
    int by_score;           /* sort=score (highest first) instead of age */
    size_t nwords;          /* q: words that must all occur (lower case) */
    char words[REVIEW_Q_WORDS][REVIEW_Q_MAX + 1];
    size_t limit;           /* 1..REVIEW_LIST_MAX */
    int have_cursor;        /* start after cursor; 0: at the start */
    review_entry cursor;
} api_review_page_req;

/* GET /v1/review?site=&status=&q=&author=&flag=&article_id=&sort=&limit=&cursor=:
 * *site (NULL: every site) and *q. 0, or -1 with e (422). */
int api_review_parse_list(const http_request *rq, const char **site, api_review_page_req *q,
                          api_review_err *e);

/* The words of text (NUL-terminated) for a search: runs of ASCII letters
 * and digits and of non-ASCII bytes, ASCII lower-cased. Calls fn(word,
 * len, arg) for each; stops when fn returns non-zero and returns that. */
int api_review_words(const char *text, int (*fn)(const char *w, size_t len, void *arg),
                     void *arg);

/* POST /v1/review/claim (strings borrowed from the body). */
typedef struct api_review_claim_req {
    const char *moderator, *site, *flag; /* site, flag: NULL when absent */
    long long limit, lease_s;
} api_review_claim_req;

/* The moderator a request acts under (every request below): a named key's
 * own name, where a "moderator" member naming anyone else is 403
 * moderator_mismatch; for a key without a name (moderator_anonymous_keys)
 * the required "moderator" member. */

/* The claim body b; lease_s defaults to default_lease. 0, or -1 with e. */
int api_review_parse_claim(const api_call *c, const codec_obj *b, long long default_lease,
                           api_review_claim_req *q, api_review_err *e);

/* POST /v1/review/release (strings borrowed from the body). */
typedef struct api_review_release_req {
    const char *moderator, *site;
    char **ids; /* new array (free()) of n ids borrowed from the body */
    size_t n;
} api_review_release_req;

/* The release body b: moderator, a site this key may use, 1 to
 * REVIEW_RELEASE_MAX comment ids. 0 (free q->ids), or -1 with e. */
int api_review_parse_release(const api_call *c, const codec_obj *b, api_review_release_req *q,
                             api_review_err *e);

/* One decision request (strings borrowed from the request body). */
typedef struct api_review_decision {
    const char *site, *id, *decision, *moderator, *reason, *note;
    int override;
} api_review_decision;

/* POST /v1/sites/{site}/comments/{id}/decision: site and id from the path
 * (an id that cannot exist is 404), the rest from the body b. 0, or -1
 * with e. */
int api_review_parse_one(const api_call *c, const codec_obj *b, api_review_decision *d,
                         api_review_err *e);
/* POST /v1/review/decisions: the moderator and the array of 1 to
 * REVIEW_BULK_MAX decisions (borrowed from b). 0, or -1 with e. */
int api_review_parse_bulk(const api_call *c, const codec_obj *b, const char **moderator,
                          const codec_obj **list, size_t *n, api_review_err *e);
/* One element of that array into d (d->moderator is the caller's): a site
 * this key may use, an id, the decision fields, no other moderator named. d->site and d->id are set
 * (maybe NULL) even when it fails. 0, or -1 with e. */
int api_review_parse_bulk_item(const api_call *c, const codec_obj *it, api_review_decision *d,
                               api_review_err *e);

/* Where an audit page starts: after the cursor (have_cursor) or at since_ms. */
typedef struct api_review_audit_req {
    int have_cursor;
    long long cursor_ms, cursor_seq;
    char cursor_site[MODEL_MAX_SITE + 1];
    long long since_ms;
    size_t limit; /* 1..REVIEW_AUDIT_MAX */
} api_review_audit_req;

/* GET /v1/audit?site=&since=&limit=&cursor=: *site (NULL: every site) and
 * *q. 0, or -1 with e (422). */
int api_review_parse_audit(const http_request *rq, const char **site, api_review_audit_req *q,
                           api_review_err *e);

/* ============================================= cross-site merge (api_review_merge.c) */

/* One listed item of a page or a claim. */
typedef struct api_review_item {
    review_entry e;
    char claimed_by[REVIEW_MODERATOR_MAX + 1];
    long long expires_ms;
    char *api;        /* comment API form (new) */
    size_t api_len;
    model_comment cm; /* the decoded record (owned: model_comment_free) */
    char *title;      /* new or NULL */
    char *url;        /* the article's URL: new or NULL */
    codec_obj *context; /* new: the "context" member (api_review_context.c) */
} api_review_item;

/* Free n items and the array. NULL is a no-op. */
void api_review_items_free(api_review_item *it, size_t n);
/* Returns a new JSON array of the items (ages relative to now_ms); their
 * contexts move into it. */
codec_obj *api_review_items_json(api_review_item *it, size_t n, long long now_ms);

/* ============================================= item context (api_review_context.c) */

/* Fill the items' article titles and URLs and their "context" member:
 * article, parent, thread neighbours, author history and the masked
 * identity (moderators only: every review route is). Reads through the
 * store (articles, store_review_context). Returns 0, -1 on Redis trouble
 * (items then keep no context). */
int api_review_context_fill(store *s, api_review_item *it, size_t n);

/* The masked forms shown to moderators, into out (n bytes): an IPv4
 * address as "a.b.c.x", an IPv6 one as its first two groups and "::x"; an
 * e-mail as its first character, "***" and "@domain". "" for NULL or "". */
void api_review_mask_ip(const char *ip, char *out, size_t n);
void api_review_mask_email(const char *email, char *out, size_t n);

/* One merged page. */
typedef struct api_review_listing {
    api_review_item *items; /* new: nitems (api_review_items_free) */
    size_t nitems;
    int more;               /* 1: the queues go on after `last` */
    review_entry last;      /* the last entry examined: the next cursor */
    long long now_ms;       /* Redis clock */
} api_review_listing;

/* Merge the indexes of sites (q's folder and sort: by key, then site and
 * id, ascending for the pending queue by age, descending otherwise) into
 * one page of at most q->limit items passing the filters, examining at
 * most REVIEW_SCAN_MAX entries; drops entries whose record expired. Returns 0
 * with *out filled, -1 with e (503 Redis, 500 out of memory). */
int api_review_merge_page(store *s, char *const *sites, const api_review_page_req *q,
                          api_review_listing *out, api_review_err *e);

/* Claim for moderator, for lease_s seconds, the oldest `want` free items
 * over sites (each site gets its share of the oldest, found by a dry run
 * when there are several). Returns 0 with *items new (api_review_items_free),
 * *nitems and *now_ms (Redis clock; 0 when sites is empty), -1 with e. */
int api_review_merge_claim(store *s, char *const *sites, const char *flag,
                           const char *moderator, long long lease_s, size_t want,
                           api_review_item **items, size_t *nitems, long long *now_ms,
                           api_review_err *e);

/* The audit streams of sites from q, each read up to q->limit entries,
 * merged in (ms, seq, site) order. Returns 0 with *out new
 * (store_review_audit_free(*out, *n)), -1 with e. */
int api_review_merge_audit(store *s, char *const *sites, const api_review_audit_req *q,
                           review_audit **out, size_t *n, api_review_err *e);

/* ================================================ decisions (api_review_decide.c) */

/* Outcome of a decision: status 200 with json (new, the comment's API form),
 * or status 0 with e. */
typedef struct api_review_outcome {
    api_review_err e;
    int status;
    char *json;
    size_t len;
    int changed; /* 0 for an idempotent repeat */
} api_review_outcome;

/* Apply one validated decision (the rules are in api_review_decide.c).
 * out->json is the caller's to free. */
void api_review_decide(app *a, store *s, const api_review_decision *d,
                       api_review_outcome *out);

#endif
