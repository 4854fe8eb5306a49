/* test_auth.c - roles, sha256: keys, site scopes, malformed entries. */
#include <stdlib.h>

#include "auth.h"
#include "crypto.h"
#include "unit.h"

static void test_roles_and_scopes(void) {
    unsigned char h[32];
    char hex[65], mods[128];
    crypto_sha256("hashed-moderator-key-1", strlen("hashed-moderator-key-1"), h);
    crypto_hex(h, 32, hex);
    snprintf(mods, sizeof mods, "sha256:%s", hex);
    char err[200];
    auth *a = auth_new("client-key-aaaaaaaaaa, scoped-key-bbbbbbbbbb@siteA|siteB", mods, err,
                       sizeof err);
    CHECK(a != NULL);
    if (!a) return;
    int ok;
    CHECK(auth_check(a, "Bearer client-key-aaaaaaaaaa", "any", &ok) == AUTH_CLIENT && ok);
    CHECK(auth_check(a, "bearer client-key-aaaaaaaaaa", NULL, &ok) == AUTH_CLIENT && ok);
    CHECK(auth_check(a, "Bearer scoped-key-bbbbbbbbbb", "siteB", &ok) == AUTH_CLIENT && ok);
    CHECK(auth_check(a, "Bearer scoped-key-bbbbbbbbbb", "siteC", &ok) == AUTH_CLIENT && !ok);
    CHECK(auth_check(a, "Bearer hashed-moderator-key-1", "x", &ok) == AUTH_MODERATOR && ok);
    CHECK(auth_check(a, "Bearer nope-nope-nope-nope", "x", &ok) == AUTH_NONE && !ok);
    CHECK(auth_check(a, "client-key-aaaaaaaaaa", "x", &ok) == AUTH_NONE);
    CHECK(auth_check(a, NULL, "x", &ok) == AUTH_NONE);
    CHECK(auth_check(a, "Bearer ", "x", &ok) == AUTH_NONE);
    CHECK(auth_count(a) == 3);
    auth_free(a);
}

static void test_bad_entries(void) {
    char err[200];
    CHECK(auth_new("short", "", err, sizeof err) == NULL);
    CHECK(strstr(err, "client_keys") != NULL && strstr(err, "short") == NULL);
    CHECK(auth_new("", "sha256:xyz", err, sizeof err) == NULL);
    CHECK(strstr(err, "moderator_keys") != NULL);
    auth *a = auth_new("", "", err, sizeof err);
    CHECK(a && auth_count(a) == 0);
    auth_free(a);
}

int main(void) {
    UNIT_RUN(test_roles_and_scopes);
    UNIT_RUN(test_bad_entries);
    return unit_report("test_auth");
}
