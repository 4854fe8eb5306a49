/* test_store_keys.c - the key layout's builders: a site's keys carry the
 * {site} hash tag and their part, band and rate-limit keys are spelled as
 * store_keys.h declares, and a key that does not fit is refused, never cut
 * short. */
#include <stdint.h>
#include <string.h>

#include "store_keys.h"
#include "unit.h"

static void test_site_key_is_prefix_tag_part_rest(void) {
    char k[STORE_KEY_MAX];
    CHECK(store_key(k, sizeof k, "news", STORE_K_COMMENT, "c1") ==
          (int)strlen("modq:{news}:comment:c1"));
    CHECK_STR(k, "modq:{news}:comment:c1");
    CHECK(store_key(k, sizeof k, "news", STORE_K_PENDING, NULL) ==
          (int)strlen("modq:{news}:pending"));
    CHECK_STR(k, "modq:{news}:pending");
    CHECK(store_key(k, sizeof k, "s", STORE_K_PENDING_FLAG, "off_topic") > 0);
    CHECK_STR(k, "modq:{s}:pending:flag:off_topic");
    CHECK(store_key(k, sizeof k, "s", STORE_K_THREAD_REFS, "a1") > 0);
    CHECK_STR(k, "modq:{s}:threadref:a1");
    CHECK(store_key(k, sizeof k, "s", STORE_K_WH_OUTBOX, NULL) > 0);
    CHECK_STR(k, "modq:{s}:wh:outbox");
}

/* A part followed by an id must not begin any other part: "thread:" +
 * article "h:x" would otherwise be another key's "thread:h:" + "x", and
 * a client could write into it by choosing the id. */
static void test_no_id_can_spell_another_key(void) {
    static const char *const with_id[] = {
        STORE_K_ARTICLE, STORE_K_ARTICLE_URL, STORE_K_COMMENT, STORE_K_CLAIM,
        STORE_K_DUP_EXACT, STORE_K_FLOOD_AUTHOR, STORE_K_FLOOD_IP, STORE_K_THREAD,
        STORE_K_THREAD_REFS, STORE_K_PENDING_FLAG, STORE_K_DECIDED, STORE_K_LEARNED,
        STORE_K_BY_SCORE, STORE_K_ARTICLE_COMMENTS, STORE_K_AUTHOR, STORE_K_AUTHOR_LOG, STORE_K_IDENTITY, STORE_K_IDENTITY_SET, STORE_K_LIST_ARTICLE,
        STORE_K_ARTICLE_VER};
    static const char *const all[] = {
        STORE_K_ARTICLE, STORE_K_ARTICLE_URL, STORE_K_DF, STORE_K_DFVER, STORE_K_NDOCS,
        STORE_K_COMMENT, STORE_K_CLAIM, STORE_K_DUP_EXACT, STORE_K_FLOOD_AUTHOR,
        STORE_K_FLOOD_IP, STORE_K_THREAD, STORE_K_THREAD_REFS, STORE_K_PENDING,
        STORE_K_PENDING_FLAG, STORE_K_REJECTED, STORE_K_LEASES, STORE_K_LEASE_OWNER,
        STORE_K_AUDIT, STORE_K_DECIDED, STORE_K_BAYES_SPAM, STORE_K_BAYES_HAM,
        STORE_K_BAYES_N, STORE_K_REP_SPAM, STORE_K_REP_HAM, STORE_K_LEARNED,
        STORE_K_WEBHOOK, STORE_K_WH_OUTBOX, STORE_K_WH_INFLIGHT, STORE_K_WH_DATA,
        STORE_K_WH_META, STORE_K_WH_DEAD, "dup:b0:", STORE_K_APPROVED, STORE_K_BY_SCORE,
        STORE_K_ARTICLE_COMMENTS, STORE_K_AUTHOR, STORE_K_AUTHOR_LOG, STORE_K_IDENTITY, STORE_K_IDENTITY_SET, STORE_K_LIST, STORE_K_LIST_ARTICLE,
        STORE_K_LEARNVER, STORE_K_WHVER, STORE_K_ARTICLE_VER};
    for (size_t i = 0; i < sizeof with_id / sizeof *with_id; i++)
        for (size_t j = 0; j < sizeof all / sizeof *all; j++) {
            size_t n = strlen(with_id[i]);
            if (strcmp(with_id[i], all[j]) != 0)
                CHECK(strncmp(all[j], with_id[i], n) != 0);
        }
}

static void test_author_keys_name_a_hash_never_the_author(void) {
    char k[STORE_KEY_MAX], l[STORE_KEY_MAX];
    CHECK(store_key_author(k, sizeof k, "s", STORE_K_AUTHOR, "ann@example.org") ==
          (int)strlen("modq:{s}:author:") + 32);
    CHECK(strncmp(k, "modq:{s}:author:", 16) == 0 && !strstr(k, "ann"));
    for (int i = 16; i < 48; i++) CHECK(strchr("0123456789abcdef", k[i]) != NULL);
    /* the log key carries the same hash; another author another */
    CHECK(store_key_author(l, sizeof l, "s", STORE_K_AUTHOR_LOG, "ann@example.org") > 0);
    CHECK_STR(l + strlen("modq:{s}:author_log:"), k + 16);
    CHECK(store_key_author(l, sizeof l, "s", STORE_K_AUTHOR, "bob|203.0.113.1") > 0);
    CHECK(strcmp(l, k) != 0);
    CHECK(store_key_author(k, 20, "s", STORE_K_AUTHOR, "ann") == -1 && k[0] == 0);
}

static void test_site_key_that_does_not_fit_is_refused(void) {
    /* "modq:{ab}:df" is 12 bytes: 13 with its NUL fit, 12 do not */
    char k[13];
    CHECK(store_key(k, 13, "ab", STORE_K_DF, NULL) == 12);
    CHECK_STR(k, "modq:{ab}:df");
    memset(k, 'x', sizeof k);
    CHECK(store_key(k, 12, "ab", STORE_K_DF, NULL) == -1);
    CHECK(k[0] == 0); /* never a truncated key */
    memset(k, 'x', sizeof k);
    CHECK(store_key(k, sizeof k, "ab", STORE_K_DFVER, NULL) == -1);
    CHECK(k[0] == 0);
}

static void test_band_keys(void) {
    char k[STORE_KEY_MAX];
    CHECK(store_key_band(k, sizeof k, "s", 0, 0xabcdefULL) > 0);
    CHECK_STR(k, "modq:{s}:dup:b0:0000000000abcdef");
    CHECK(store_key_band(k, sizeof k, "s", STORE_LSH_BANDS - 1, UINT64_MAX) > 0);
    CHECK_STR(k, "modq:{s}:dup:b7:ffffffffffffffff");
    CHECK(store_key_band(k, sizeof k, "s", STORE_LSH_BANDS, 1) == -1 && k[0] == 0);
    CHECK(store_key_band(k, sizeof k, "s", -1, 1) == -1 && k[0] == 0);
    char h[17];
    store_key_hex16(h, 0x0123456789abcdefULL);
    CHECK_STR(h, "0123456789abcdef");
}

static void test_rate_limit_keys(void) {
    char k[64];
    CHECK(store_key_rl(k, sizeof k, STORE_KRL_IP, "192.0.2.7", 29000001LL) > 0);
    CHECK_STR(k, "modq:rl:i:192.0.2.7:29000001");
    CHECK(store_key_rl(k, sizeof k, STORE_KRL_KEY, "0123456789abcdef", 5) > 0);
    CHECK_STR(k, "modq:rl:k:0123456789abcdef:5");
    CHECK(store_key_rl(k, sizeof k, STORE_KRL_FAIL, "::1", 0) > 0);
    CHECK_STR(k, "modq:rl:f:::1:0");
    char small[16];
    CHECK(store_key_rl(small, sizeof small, STORE_KRL_IP, "192.0.2.7", 1) == -1);
    CHECK(small[0] == 0);
}

static void test_global_keys_have_no_tag(void) {
    CHECK_STR(STORE_KEY_SITES, "modq:sites");
    CHECK_STR(STORE_KEY_WEBHOOK_SITES, "modq:webhook:sites");
    CHECK(strchr(STORE_KEY_SITES, '{') == NULL);
}

/* Every part of a site's key, as the layout declares it: distinct, and
 * free of the hash-tag braces (a brace in a part would move the key to
 * another slot than its site's). */
static void test_parts_are_distinct_and_untagged(void) {
    static const char *const parts[] = {
        STORE_K_ARTICLE,     STORE_K_ARTICLE_URL, STORE_K_DF,           STORE_K_DFVER,
        STORE_K_NDOCS,       STORE_K_COMMENT,     STORE_K_CLAIM,        STORE_K_DUP_EXACT,
        STORE_K_FLOOD_AUTHOR, STORE_K_FLOOD_IP,   STORE_K_THREAD,       STORE_K_THREAD_REFS,
        STORE_K_PENDING,     STORE_K_PENDING_FLAG, STORE_K_REJECTED,    STORE_K_LEASES,
        STORE_K_LEASE_OWNER, STORE_K_AUDIT,       STORE_K_DECIDED,      STORE_K_BAYES_SPAM,
        STORE_K_BAYES_HAM,   STORE_K_BAYES_N,     STORE_K_REP_SPAM,     STORE_K_REP_HAM,
        STORE_K_LEARNED,     STORE_K_WEBHOOK,     STORE_K_WH_OUTBOX,    STORE_K_WH_INFLIGHT,
        STORE_K_WH_DATA,     STORE_K_WH_META,     STORE_K_WH_DEAD,      STORE_K_APPROVED,
        STORE_K_BY_SCORE,    STORE_K_ARTICLE_COMMENTS, STORE_K_AUTHOR,  STORE_K_AUTHOR_LOG, STORE_K_IDENTITY, STORE_K_IDENTITY_SET, STORE_K_LIST, STORE_K_LIST_ARTICLE,
        STORE_K_LEARNVER,    STORE_K_WHVER,       STORE_K_ARTICLE_VER};
    size_t n = sizeof parts / sizeof parts[0];
    for (size_t i = 0; i < n; i++) {
        CHECK(parts[i][0] && !strchr(parts[i], '{') && !strchr(parts[i], '}'));
        for (size_t j = i + 1; j < n; j++) CHECK(strcmp(parts[i], parts[j]) != 0);
    }
}

/* The identity index key: kind, then 32 hex digits of the SHA-256 of the
 * lower-cased identity, blanks at the ends ignored; none for no identity. */
static void test_identity_keys(void) {
    char a[STORE_KEY_MAX], b[STORE_KEY_MAX];
    /* SHA-256("ann@example.org") */
    CHECK(store_key_identity(a, sizeof a, "s", STORE_K_IDENTITY, STORE_AUTHOR_EMAIL, "ann@example.org") > 0);
    CHECK(strcmp(a, "modq:{s}:idz:e:438c4c7afe600cdf1e455c369bec76dc") == 0);
    /* the older layout's set: the same identity under its own part */
    CHECK(store_key_identity(b, sizeof b, "s", STORE_K_IDENTITY_SET, STORE_AUTHOR_EMAIL,
                             "ann@example.org") > 0);
    CHECK(strcmp(b, "modq:{s}:ident:e:438c4c7afe600cdf1e455c369bec76dc") == 0);
    CHECK(store_key_identity(b, sizeof b, "s", STORE_K_IDENTITY, STORE_AUTHOR_EMAIL, "  Ann@Example.ORG ") > 0);
    CHECK(strcmp(a, b) == 0);
    CHECK(store_key_identity(b, sizeof b, "s", STORE_K_IDENTITY, STORE_AUTHOR_NAME, "ann@example.org") > 0);
    CHECK(strcmp(a + 15, b + 15) == 0 && b[13] == 'n');
    CHECK(store_key_identity(b, sizeof b, "s", STORE_K_IDENTITY, STORE_AUTHOR_IP, "") == -1 && b[0] == 0);
    CHECK(store_key_identity(b, sizeof b, "s", STORE_K_IDENTITY, STORE_AUTHOR_IP, "   ") == -1);
    CHECK(store_key_identity(b, sizeof b, "s", STORE_K_IDENTITY, STORE_AUTHOR_IP, NULL) == -1);
    CHECK(store_key_identity(b, 20, "s", STORE_K_IDENTITY, STORE_AUTHOR_IP, "1.2.3.4") == -1);
}

/* Listing members sort as their received times, then ids. */
static void test_list_members(void) {
    char m1[64], m2[64], m3[64];
    CHECK(store_list_member(m1, sizeof m1, 999, "b") == 15 && strcmp(m1, "0000000000999:b") == 0);
    CHECK(store_list_member(m2, sizeof m2, 1000, "a") > 0);
    CHECK(store_list_member(m3, sizeof m3, 1000, "b") > 0);
    CHECK(strcmp(m1, m2) < 0 && strcmp(m2, m3) < 0);
    CHECK(store_list_member(m1, 10, 1000, "a") == -1 && m1[0] == 0);
}

int main(void) {
    UNIT_RUN(test_identity_keys);
    UNIT_RUN(test_list_members);
    UNIT_RUN(test_site_key_is_prefix_tag_part_rest);
    UNIT_RUN(test_no_id_can_spell_another_key);
    UNIT_RUN(test_site_key_that_does_not_fit_is_refused);
    UNIT_RUN(test_author_keys_name_a_hash_never_the_author);
    UNIT_RUN(test_band_keys);
    UNIT_RUN(test_rate_limit_keys);
    UNIT_RUN(test_global_keys_have_no_tag);
    UNIT_RUN(test_parts_are_distinct_and_untagged);
    return unit_report("store_keys");
}
