/* auth.h - API keys: who is calling, and may they touch this site.
 *
 * Keys come from config as comma-separated entries "KEY" or
 * "sha256:<64 hex>" (so the file need hold no secret), each optionally
 * scoped to sites with "@site1|site2". Presented keys are hashed and
 * compared in constant time against every configured key.
 */
#ifndef MODQ_AUTH_H
#define MODQ_AUTH_H

typedef struct auth auth;

typedef enum {
    AUTH_NONE = 0,      /* no or unknown key -> 401 */
    AUTH_CLIENT = 1,
    AUTH_MODERATOR = 2
} auth_role;

/* Returns new table (free with auth_free) or NULL with err naming the bad
 * entry (never echoing a key). */
auth *auth_new(const char *client_keys, const char *moderator_keys, char *err,
               unsigned long errlen);
void auth_free(auth *a);

/* Role of the bearer in an "Authorization: Bearer K" header value (NULL ok).
 * *site_ok is set to 1 when the key may act on `site` (NULL site = any). */
auth_role auth_check(const auth *a, const char *authorization,
                     const char *site, int *site_ok);

/* Same for a raw key (Akismet sends keys as form fields). */
auth_role auth_check_key(const auth *a, const char *key, const char *site,
                         int *site_ok);

/* Number of configured keys. */
unsigned auth_count(const auth *a);

#endif
