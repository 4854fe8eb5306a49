/* auth.h - API keys: who is calling, and may they touch this site.
 *
 * Keys come from config as comma-separated entries "KEY" or
 * "sha256:<64 hex>" (so the file need hold no secret), each optionally
 * scoped to sites with "@site1|site2". A moderator key is written
 * "NAME:KEY" (NAME: 1-64 of A-Z a-z 0-9 . _ -): the name claims, leases
 * and decisions are recorded under. Moderator keys without a name are a
 * start error unless the table is built with allow_anonymous. Presented
 * keys are hashed and compared in constant time against every key.
 */
#ifndef MODQ_AUTH_H
#define MODQ_AUTH_H

typedef struct auth auth;

typedef enum {
    AUTH_NONE = 0,      /* no or unknown key -> 401 */
    AUTH_CLIENT = 1,
    AUTH_MODERATOR = 2
} auth_role;

/* Longest moderator name a key may carry. */
#define AUTH_NAME_MAX 64

/* Who holds a key, as configured (strings borrowed from the table: valid
 * while it lives). */
typedef struct auth_holder {
    const char *name;  /* the moderator's name; NULL for client keys and
                          moderator keys without a name */
    const char *scope; /* the sites as configured ("s1|s2"); NULL: any */
} auth_holder;

/* Returns new table (free with auth_free) or NULL with err naming the bad
 * entry by its position (never echoing a key). allow_anonymous: accept
 * moderator keys without a name. */
auth *auth_new(const char *client_keys, const char *moderator_keys, int allow_anonymous,
               char *err, unsigned long errlen);
void auth_free(auth *a);

/* Role of the bearer in an "Authorization: Bearer K" header value (NULL ok).
 * *site_ok is set to 1 when the key may act on `site` (NULL site = any). */
auth_role auth_check(const auth *a, const char *authorization,
                     const char *site, int *site_ok);

/* Same for a raw key (Akismet sends keys as form fields). */
auth_role auth_check_key(const auth *a, const char *key, const char *site,
                         int *site_ok);

/* auth_check_key that also fills *who (zeroed for AUTH_NONE). */
auth_role auth_check_holder(const auth *a, const char *key, const char *site,
                            int *site_ok, auth_holder *who);

/* Number of configured keys. */
unsigned auth_count(const auth *a);
/* Number of moderator keys without a name. */
unsigned auth_anonymous_count(const auth *a);

#endif
