/* auth.c - key table, constant-time matching, site scopes, moderator names.
 *
 * Owns the parsed key list: for each key only its SHA-256, its role, its
 * site scope and (moderator keys) its holder's name are kept in memory. A
 * presented key is hashed once and compared with every entry (no early
 * exit) so timing reveals nothing. Error texts name an entry by its
 * position in its list, never by its key.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto.h"

#define AUTH_MAX_SITES 16 /* sites per scoped key */
#define AUTH_MAX_SITE 64  /* bytes of one site name in a scope, with its NUL */
#define AUTH_MAX_KEY 256  /* longest accepted bearer token */

typedef struct entry {
    unsigned char hash[CRYPTO_SHA256_LEN];
    auth_role role;
    int nsites;
    char sites[AUTH_MAX_SITES][AUTH_MAX_SITE];
    char scope[AUTH_MAX_SITES * AUTH_MAX_SITE]; /* the sites joined by '|' */
    char name[AUTH_NAME_MAX + 1];               /* "" when the key has none */
} entry;

struct auth {
    entry *e;
    unsigned n;
};

/* Moderator names: 1..AUTH_NAME_MAX of A-Z a-z 0-9 . _ - (they appear in
 * logs, the audit stream and the review page). */
static int valid_name(const char *s, size_t n) {
    if (n == 0 || n > AUTH_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Splits "NAME:" off the front of a moderator key spec into e->name and
 * returns the rest; a spec without a name ("KEY", "sha256:<hex>") is
 * returned whole. NULL with err when the name is malformed. */
static char *take_name(entry *e, char *spec, unsigned pos, char *err, unsigned long errlen) {
    char *colon = strchr(spec, ':');
    if (!colon || strncmp(spec, "sha256:", 7) == 0) return spec;
    if (!valid_name(spec, (size_t)(colon - spec))) {
        snprintf(err, errlen,
                 "moderator_keys: entry #%u: the name before ':' must be 1-%d characters of "
                 "A-Z a-z 0-9 . _ -",
                 pos, AUTH_NAME_MAX);
        return NULL;
    }
    memcpy(e->name, spec, (size_t)(colon - spec));
    e->name[colon - spec] = 0;
    return colon + 1;
}

static int add_list(auth *a, const char *csv, auth_role role, int allow_anonymous, char *err,
                    unsigned long errlen) {
    const char *what = role == AUTH_CLIENT ? "client_keys" : "moderator_keys";
    char **list = config_list(csv);
    if (!list) return -1;
    int rc = 0;
    unsigned pos = 0;
    for (char **p = list; *p; p++) {
        pos++;
        entry *ne = realloc(a->e, (a->n + 1) * sizeof *ne);
        if (!ne) {
            rc = -1;
            break;
        }
        a->e = ne;
        entry *e = &a->e[a->n];
        memset(e, 0, sizeof *e);
        e->role = role;
        char *spec = *p;
        char *at = strchr(spec, '@');
        if (at) {
            *at = 0;
            char *save = NULL;
            for (char *s = strtok_r(at + 1, "|", &save); s; s = strtok_r(NULL, "|", &save)) {
                if (e->nsites >= AUTH_MAX_SITES || strlen(s) >= sizeof e->sites[0]) {
                    snprintf(err, errlen, "%s: key #%u has too many or too long site scopes",
                             what, pos);
                    rc = -1;
                    break;
                }
                snprintf(e->sites[e->nsites], sizeof e->sites[0], "%s", s);
                size_t used = strlen(e->scope);
                snprintf(e->scope + used, sizeof e->scope - used, "%s%s", e->nsites ? "|" : "",
                         s);
                e->nsites++;
            }
            if (rc < 0) break;
        }
        if (role == AUTH_MODERATOR) {
            if (!(spec = take_name(e, spec, pos, err, errlen))) {
                rc = -1;
                break;
            }
            if (!e->name[0] && !allow_anonymous) {
                snprintf(err, errlen,
                         "moderator_keys: key #%u has no name: write it NAME:KEY (or "
                         "NAME:sha256:<hex>), or set moderator_anonymous_keys true to accept "
                         "keys without a name",
                         pos);
                rc = -1;
                break;
            }
        }
        if (strncmp(spec, "sha256:", 7) == 0) {
            if (crypto_unhex(spec + 7, e->hash, sizeof e->hash) < 0) {
                snprintf(err, errlen, "%s: key #%u: sha256: needs 64 hex digits", what, pos);
                rc = -1;
                break;
            }
        } else {
            if (strlen(spec) < 16 || strlen(spec) > AUTH_MAX_KEY) {
                snprintf(err, errlen, "%s: key #%u must be 16..256 characters", what, pos);
                rc = -1;
                break;
            }
            crypto_sha256(spec, strlen(spec), e->hash);
        }
        a->n++;
    }
    config_list_free(list);
    return rc;
}

auth *auth_new(const char *client_keys, const char *moderator_keys, int allow_anonymous,
               char *err, unsigned long errlen) {
    auth *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    if (add_list(a, client_keys, AUTH_CLIENT, 0, err, errlen) < 0 ||
        add_list(a, moderator_keys, AUTH_MODERATOR, allow_anonymous, err, errlen) < 0) {
        auth_free(a);
        return NULL;
    }
    return a;
}

void auth_free(auth *a) {
    if (!a) return;
    free(a->e);
    free(a);
}

unsigned auth_count(const auth *a) { return a->n; }

unsigned auth_anonymous_count(const auth *a) {
    unsigned k = 0;
    for (unsigned i = 0; i < a->n; i++)
        if (a->e[i].role == AUTH_MODERATOR && !a->e[i].name[0]) k++;
    return k;
}

auth_role auth_check_holder(const auth *a, const char *key, const char *site, int *site_ok,
                            auth_holder *who) {
    *site_ok = 0;
    if (who) memset(who, 0, sizeof *who);
    if (!key || !*key || strlen(key) > AUTH_MAX_KEY) return AUTH_NONE;
    unsigned char h[CRYPTO_SHA256_LEN];
    crypto_sha256(key, strlen(key), h);
    const entry *match = NULL;
    for (unsigned i = 0; i < a->n; i++)
        if (crypto_equal(h, a->e[i].hash, sizeof h) && !match) match = &a->e[i];
    if (!match) return AUTH_NONE;
    if (!site || match->nsites == 0) {
        *site_ok = 1;
    } else {
        for (int i = 0; i < match->nsites; i++)
            if (strcmp(match->sites[i], site) == 0) *site_ok = 1;
    }
    if (who) {
        who->name = match->name[0] ? match->name : NULL;
        who->scope = match->nsites ? match->scope : NULL;
    }
    return match->role;
}

auth_role auth_check_key(const auth *a, const char *key, const char *site, int *site_ok) {
    return auth_check_holder(a, key, site, site_ok, NULL);
}

auth_role auth_check(const auth *a, const char *authorization, const char *site,
                     int *site_ok) {
    *site_ok = 0;
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0) return AUTH_NONE;
    const char *k = authorization + 7;
    while (*k == ' ') k++;
    return auth_check_key(a, k, site, site_ok);
}
