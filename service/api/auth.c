/* auth.c - key table, constant-time matching, site scopes.
 *
 * Owns the parsed key list: for each key only its SHA-256, its role and
 * its site scope are kept in memory. A presented key is hashed once and
 * compared with every entry (no early exit) so timing reveals nothing.
 */
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "crypto.h"

#define AUTH_MAX_SITES 16 /* sites per scoped key */
#define AUTH_MAX_KEY 256  /* longest accepted bearer token */

typedef struct entry {
    unsigned char hash[CRYPTO_SHA256_LEN];
    auth_role role;
    int nsites;
    char sites[AUTH_MAX_SITES][64];
} entry;

struct auth {
    entry *e;
    unsigned n;
};

static int add_list(auth *a, const char *csv, auth_role role, char *err,
                    unsigned long errlen) {
    char **list = config_list(csv);
    if (!list) return -1;
    int rc = 0;
    for (char **p = list; *p; p++) {
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
                             role == AUTH_CLIENT ? "client_keys" : "moderator_keys", a->n + 1);
                    rc = -1;
                    break;
                }
                snprintf(e->sites[e->nsites++], sizeof e->sites[0], "%s", s);
            }
            if (rc < 0) break;
        }
        if (strncmp(spec, "sha256:", 7) == 0) {
            if (crypto_unhex(spec + 7, e->hash, sizeof e->hash) < 0) {
                snprintf(err, errlen, "%s: key #%u: sha256: needs 64 hex digits",
                         role == AUTH_CLIENT ? "client_keys" : "moderator_keys", a->n + 1);
                rc = -1;
                break;
            }
        } else {
            if (strlen(spec) < 16 || strlen(spec) > AUTH_MAX_KEY) {
                snprintf(err, errlen, "%s: key #%u must be 16..256 characters",
                         role == AUTH_CLIENT ? "client_keys" : "moderator_keys", a->n + 1);
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

auth *auth_new(const char *client_keys, const char *moderator_keys, char *err,
               unsigned long errlen) {
    auth *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    if (add_list(a, client_keys, AUTH_CLIENT, err, errlen) < 0 ||
        add_list(a, moderator_keys, AUTH_MODERATOR, err, errlen) < 0) {
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

auth_role auth_check_key(const auth *a, const char *key, const char *site,
                         int *site_ok) {
    *site_ok = 0;
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
    return match->role;
}

auth_role auth_check(const auth *a, const char *authorization, const char *site,
                     int *site_ok) {
    *site_ok = 0;
    if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0) return AUTH_NONE;
    const char *k = authorization + 7;
    while (*k == ' ') k++;
    return auth_check_key(a, k, site, site_ok);
}
