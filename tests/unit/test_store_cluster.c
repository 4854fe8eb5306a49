/* test_store_cluster.c - Redis Cluster slots and redirects: CRC16 and the
 * {hash tag} rule as the cluster spec gives them, every key of a site in
 * the slot of its tag, the seed list's parsing and the MOVED / ASK replies'
 * effect on the map, a failed node's own retry window (no node is
 * contacted: nothing here asks for a slot's node). */
#include <stdio.h>
#include <string.h>

#include "store_private.h"
#include "unit.h"

static unsigned slot_of(const char *k) { return store_key_slot(k, strlen(k)); }

static void test_crc16_matches_the_spec(void) {
    /* the cluster spec's reference value: CRC16-XMODEM of "123456789" */
    CHECK(store_crc16("123456789", 9) == 0x31C3);
    CHECK(store_crc16("", 0) == 0);
    CHECK(slot_of("123456789") == (0x31C3 & 16383));
    CHECK(slot_of("123456789") == 12739);
}

static void test_hash_tags(void) {
    /* the spec's examples */
    CHECK(slot_of("{user1000}.following") == slot_of("{user1000}.followers"));
    CHECK(slot_of("{user1000}.following") == slot_of("user1000"));
    CHECK(slot_of("foo{}{bar}") == store_crc16("foo{}{bar}", 10) % 16384);
    CHECK(slot_of("foo{{bar}}zap") == slot_of("{bar"));
    CHECK(slot_of("foo{bar}{zap}") == slot_of("bar"));
    CHECK(slot_of("foo{bar") == store_crc16("foo{bar", 7) % 16384);
    /* binary-safe: the length counts, not a NUL */
    CHECK(store_key_slot("ab\0cd", 5) == store_crc16("ab\0cd", 5) % 16384);
}

static void test_every_key_of_a_site_is_in_its_tag_slot(void) {
    static const char *const sites[] = {"news", "blog", "s", "a-site.example"};
    static const char *const parts[] = {STORE_K_COMMENT, STORE_K_PENDING, STORE_K_AUDIT,
                                        STORE_K_DF, STORE_K_WH_OUTBOX, STORE_K_SETTINGS};
    for (size_t i = 0; i < sizeof sites / sizeof sites[0]; i++) {
        unsigned want = store_crc16(sites[i], strlen(sites[i])) % 16384;
        char k[STORE_KEY_MAX];
        for (size_t j = 0; j < sizeof parts / sizeof parts[0]; j++) {
            CHECK(store_key(k, sizeof k, sites[i], parts[j], "x{y}") > 0);
            CHECK(slot_of(k) == want);
        }
        CHECK(store_key_band(k, sizeof k, sites[i], 3, 0x1234) > 0);
        CHECK(slot_of(k) == want);
    }
}

static void test_seed_list(void) {
    char err[160];
    store_cluster *cl = store_cluster_new(" 127.0.0.1:7000, [::1]:7001 ,h:7002", 100, "", "", err,
                                          sizeof err);
    CHECK(cl != NULL);
    store_cluster_free(cl);
    static const char *const bad[] = {"", " , ", "host", "h:0", "h:70000", "h:7000,x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        CHECK(store_cluster_new(bad[i], 100, "", "", err, sizeof err) == NULL);
        CHECK(strncmp(err, "redis_cluster:", 14) == 0);
    }
    char many[512] = "";
    for (int i = 0; i < 17; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%sh:%d", i ? "," : "", 7000 + i);
    CHECK(store_cluster_new(many, 100, "", "", err, sizeof err) == NULL);
    store_cluster_free(NULL);
}

static void test_redirects(void) {
    char err[160], host[64];
    int port = 0, node = -1, node2 = -1;
    store_cluster *cl = store_cluster_new("127.0.0.1:1", 100, "", "", err, sizeof err);
    CHECK(cl != NULL);
    if (!cl) return;
    CHECK(store_cluster_covered(cl) == 0);
    CHECK(store_cluster_redirect(cl, "MOVED 3999 127.0.0.1:6381", 0, &node) == 1);
    CHECK(node == 0);
    CHECK(store_cluster_addr(cl, node, host, sizeof host, &port) == 0);
    CHECK_STR(host, "127.0.0.1");
    CHECK(port == 6381);
    CHECK(store_cluster_covered(cl) == 1); /* MOVED moves the slot at once */
    int prim[4];
    CHECK(store_cluster_primaries(cl, prim, 4) == 1 && prim[0] == 0);
    /* ASK names a node but leaves the map alone */
    CHECK(store_cluster_redirect(cl, "ASK 4000 127.0.0.1:6382", 0, &node2) == 2);
    CHECK(node2 == 1);
    CHECK(store_cluster_covered(cl) == 1);
    CHECK(store_cluster_primaries(cl, prim, 4) == 1);
    /* the same node keeps its number; an empty host is the answering node's */
    CHECK(store_cluster_redirect(cl, "MOVED 1 127.0.0.1:6382", 0, &node) == 1 && node == 1);
    CHECK(store_cluster_redirect(cl, "MOVED 2 :6381", 1, &node) == 1 && node == 0);
    CHECK(store_cluster_covered(cl) == 3);
    /* anything else is not a redirect */
    static const char *const not[] = {"ERR unknown command", "MOVED", "MOVED x 1.2.3.4:5",
                                      "MOVED 16384 h:1", "ASK 1 nohost", "MOVEDX 1 h:1",
                                      "CROSSSLOT Keys in request don't hash to the same slot"};
    for (size_t i = 0; i < sizeof not / sizeof not[0]; i++)
        CHECK(store_cluster_redirect(cl, not[i], 0, &node) == 0);
    CHECK(store_cluster_addr(cl, 7, host, sizeof host, &port) == -1);
    /* a failed node's retry window is its own */
    CHECK(!store_cluster_node_down(cl, 0) && !store_cluster_node_down(cl, 1));
    store_cluster_node_failed(cl, 0);
    CHECK(store_cluster_node_down(cl, 0) && !store_cluster_node_down(cl, 1));
    store_cluster_free(cl);
}

int main(void) {
    UNIT_RUN(test_crc16_matches_the_spec);
    UNIT_RUN(test_hash_tags);
    UNIT_RUN(test_every_key_of_a_site_is_in_its_tag_slot);
    UNIT_RUN(test_seed_list);
    UNIT_RUN(test_redirects);
    return unit_report("store_cluster");
}
