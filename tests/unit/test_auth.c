/* test_auth.c - roles, sha256: keys, site scopes, moderator names, malformed entries. */
#include <stdlib.h>

#include "auth.h"
#include "crypto.h"
#include "unit.h"

static void test_roles_and_scopes(void) {
    unsigned char h[32];
    char hex[65], mods[128];
    crypto_sha256("hashed-moderator-key-1", strlen("hashed-moderator-key-1"), h);
    crypto_hex(h, 32, hex);
    snprintf(mods, sizeof mods, "mia:sha256:%s, noah:plain-noah-key-0123@siteA", hex);
    char err[200];
    auth *a = auth_new("client-key-aaaaaaaaaa, scoped-key-bbbbbbbbbb@siteA|siteB", mods, 0,
                       err, sizeof err);
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
    CHECK(auth_count(a) == 4);
    CHECK(auth_anonymous_count(a) == 0);
    auth_holder who;
    CHECK(auth_check_holder(a, "hashed-moderator-key-1", NULL, &ok, &who) == AUTH_MODERATOR);
    CHECK(who.name && strcmp(who.name, "mia") == 0 && who.scope == NULL);
    CHECK(auth_check_holder(a, "plain-noah-key-0123", "siteB", &ok, &who) == AUTH_MODERATOR &&
          !ok);
    CHECK(who.name && strcmp(who.name, "noah") == 0 && strcmp(who.scope, "siteA") == 0);
    CHECK(auth_check_holder(a, "scoped-key-bbbbbbbbbb", NULL, &ok, &who) == AUTH_CLIENT);
    CHECK(who.name == NULL && strcmp(who.scope, "siteA|siteB") == 0);
    CHECK(auth_check_holder(a, "nope-nope-nope-nope", NULL, &ok, &who) == AUTH_NONE);
    CHECK(who.name == NULL && who.scope == NULL);
    auth_free(a);
}

/* Moderator keys without a name: refused unless allowed, then anonymous. */
static void test_anonymous_keys(void) {
    char err[300];
    CHECK(auth_new("", "mia:named-key-0123456789, unnamed-key-0123456789", 0, err,
                   sizeof err) == NULL);
    CHECK(strstr(err, "key #2 has no name") && strstr(err, "moderator_anonymous_keys") &&
          !strstr(err, "unnamed-key"));
    auth *a = auth_new("", "mia:named-key-0123456789, unnamed-key-0123456789", 1, err,
                       sizeof err);
    CHECK(a && auth_anonymous_count(a) == 1);
    if (!a) return;
    int ok;
    auth_holder who;
    CHECK(auth_check_holder(a, "unnamed-key-0123456789", NULL, &ok, &who) == AUTH_MODERATOR);
    CHECK(who.name == NULL);
    /* the name is taken off: the whole entry is not a key */
    CHECK(auth_check_key(a, "mia:named-key-0123456789", NULL, &ok) == AUTH_NONE);
    auth_free(a);
}

static void test_bad_entries(void) {
    char err[200];
    CHECK(auth_new("short", "", 0, err, sizeof err) == NULL);
    CHECK(strstr(err, "client_keys") != NULL && strstr(err, "short") == NULL);
    CHECK(auth_new("", "sha256:xyz", 1, err, sizeof err) == NULL);
    CHECK(strstr(err, "moderator_keys") != NULL);
    static const char *const bad_names[] = {
        "mi a:key-0123456789abcdef", ":key-0123456789abcdef", "m/a:key-0123456789abcdef",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:key-0123456789abc"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        CHECK(auth_new("", bad_names[i], 1, err, sizeof err) == NULL);
        CHECK(strstr(err, "moderator_keys: entry #1: the name") && !strstr(err, "key-0123"));
    }
    CHECK(auth_new("", "mia:short", 0, err, sizeof err) == NULL);
    CHECK(strstr(err, "moderator_keys: key #1 must be 16..256") != NULL);
    auth *a = auth_new("", "", 0, err, sizeof err);
    CHECK(a && auth_count(a) == 0);
    auth_free(a);
}

int main(void) {
    UNIT_RUN(test_roles_and_scopes);
    UNIT_RUN(test_bad_entries);
    UNIT_RUN(test_anonymous_keys);
    return unit_report("test_auth");
}
