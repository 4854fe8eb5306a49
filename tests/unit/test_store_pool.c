/* test_store_pool.c - the pool without a Redis: the forms of redis_url it
 * accepts and refuses, the per-flag queue codes it borrows from its
 * options, and the down window after a failed connect (calls fail at once
 * instead of dialling again, until STORE_RETRY_MS has passed). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store_private.h"
#include "store_review.h"
#include "unit.h"

static store_pool *pool_for(const char *url, char *err, size_t n) {
    store_options o = {.url = url, .timeout_ms = 200, .size = 1};
    return store_pool_new(&o, err, n);
}

/* A cluster pool: seeds parsed at creation (nothing contacted), the
 * password from redis_url, db 0 only, no sentinels; a pool without seeds
 * reports no cluster state. */
static void test_cluster_options(void) {
    char err[200] = "";
    store_cluster_state cs = {7, 7, 7};
    store_options o = {.url = "redis://:pw@ignored:6379/0", .timeout_ms = 200, .size = 2,
                       .cluster = "127.0.0.1:1,127.0.0.1:2"};
    store_pool *p = store_pool_new(&o, err, sizeof err);
    CHECK(p != NULL && p->cluster != NULL);
    if (p) {
        CHECK(store_pool_cluster_state(p, &cs) == 1);
        CHECK(cs.primaries == 0 && cs.slots == 0 && cs.redirects == 0);
        store_pool_free(p);
    }
    o.url = "redis://ignored:6379/2";
    CHECK(store_pool_new(&o, err, sizeof err) == NULL && strstr(err, "db 0"));
    o.url = "redis://ignored:6379/0";
    o.sentinels = "127.0.0.1:26379";
    o.master = "mymaster";
    CHECK(store_pool_new(&o, err, sizeof err) == NULL && strstr(err, "redis_sentinels"));
    o.sentinels = NULL;
    o.cluster = "no-port";
    CHECK(store_pool_new(&o, err, sizeof err) == NULL && strstr(err, "redis_cluster"));
    p = pool_for("redis://localhost", err, sizeof err);
    cs.primaries = 7;
    CHECK(p && store_pool_cluster_state(p, &cs) == 0 && cs.primaries == 7);
    store_pool_free(p);
}

static void test_url_forms(void) {
    char err[200] = "";
    store_pool *p = pool_for("redis://localhost", err, sizeof err);
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->host, "localhost");
        CHECK(p->port == 6379 && p->db == 0 && !p->user[0] && !p->pass[0]);
        store_pool_free(p);
    }
    p = pool_for("redis://:s3cret@10.0.0.5:6380/3", err, sizeof err);
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->host, "10.0.0.5");
        CHECK_STR(p->pass, "s3cret");
        CHECK(p->port == 6380 && p->db == 3 && !p->user[0]);
        store_pool_free(p);
    }
    p = pool_for("redis://modq:pw@redis.internal:7000", err, sizeof err);
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->user, "modq");
        CHECK_STR(p->pass, "pw");
        CHECK_STR(p->host, "redis.internal");
        CHECK(p->port == 7000);
        store_pool_free(p);
    }
    /* a password with '@' in it: the last '@' ends the credentials */
    p = pool_for("redis://:a@b@h:1", err, sizeof err);
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->pass, "a@b");
        CHECK_STR(p->host, "h");
        store_pool_free(p);
    }
}

static void test_malformed_urls_are_refused(void) {
    static const char *const bad[] = {"http://h:6379", "redis://", "redis://:6379",
                                      "redis://h:0", "redis://h:65536", "redis://h:12x",
                                      "redis://h/1001", "redis://h/x", "redis://h/-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[200] = "";
        store_pool *p = pool_for(bad[i], err, sizeof err);
        CHECK(p == NULL);
        if (p) {
            fprintf(stderr, "  accepted %s\n", bad[i]);
            store_pool_free(p);
        }
        CHECK_STR(err, "redis_url: cannot parse (expected redis://[:password@]host:port[/db])");
    }
}

static void test_flag_codes_are_borrowed_from_the_options(void) {
    static const char *const codes[3] = {"off_topic", "link_spam", "trusted_author"};
    store_options o = {.url = "redis://h", .size = 1, .flag_codes = codes, .nflag_codes = 3};
    char err[200];
    store_pool *p = store_pool_new(&o, err, sizeof err);
    CHECK(p != NULL);
    if (!p) return;
    CHECK(store_review_flag_code(p, 0) == codes[0]); /* the caller's string */
    CHECK_STR(store_review_flag_code(p, 2), "trusted_author");
    CHECK(store_review_flag_code(p, 3) == NULL);
    CHECK(store_review_flag_code(p, -1) == NULL);
    store_pool_free(p);

    o.nflag_codes = 0;
    o.flag_codes = NULL;
    CHECK((p = store_pool_new(&o, err, sizeof err)) != NULL);
    if (p) CHECK(store_review_flag_code(p, 0) == NULL);
    store_pool_free(p);
}

static void test_too_many_flag_codes_are_refused(void) {
    const char *codes[STORE_MAX_FLAG_CODES + 1];
    for (int i = 0; i <= STORE_MAX_FLAG_CODES; i++) codes[i] = "x";
    store_options o = {.url = "redis://h", .size = 1, .flag_codes = codes};
    char err[200] = "";
    o.nflag_codes = STORE_MAX_FLAG_CODES;
    store_pool *p = store_pool_new(&o, err, sizeof err);
    CHECK(p != NULL);
    store_pool_free(p);
    o.nflag_codes = STORE_MAX_FLAG_CODES + 1;
    CHECK(store_pool_new(&o, err, sizeof err) == NULL);
    char want[64];
    snprintf(want, sizeof want, "redis: %d flag codes (at most %d)", STORE_MAX_FLAG_CODES + 1,
             STORE_MAX_FLAG_CODES);
    CHECK_STR(err, want);
    o.nflag_codes = 1;
    o.flag_codes = NULL; /* a count without a list */
    CHECK(store_pool_new(&o, err, sizeof err) == NULL);
    CHECK_STR(err, "redis: 1 flag codes without their list");
}

/* A loopback port nothing listens on: bound, read back, closed. */
static int closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &l) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

static void test_unreachable_redis_opens_the_down_window(void) {
    int port = closed_port();
    CHECK(port > 0);
    char url[64], err[200], why[128], want[128];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", port);
    store_pool *p = pool_for(url, err, sizeof err);
    CHECK(p != NULL);
    if (!p) return;
    store *s = store_acquire(p);
    CHECK(store_ping(s, why, sizeof why) == -1);
    snprintf(want, sizeof want, "redis 127.0.0.1:%d unreachable", port);
    CHECK_STR(why, want);
    CHECK(store_pool_up(p) == 0);
    CHECK(store_pool_errors(p) == 1);
    /* inside the window: refused at once, no second connect counted */
    CHECK(store_ping(s, why, sizeof why) == -1);
    CHECK(store_pool_errors(p) == 1);
    /* after it: dialled again (and refused again) */
    struct timespec t = {0, (STORE_RETRY_MS + 50) * 1000000L};
    nanosleep(&t, NULL);
    CHECK(store_ping(s, why, sizeof why) == -1);
    CHECK(store_pool_errors(p) == 2);
    store_release(p, s);
    store_pool_free(p);
}

int main(void) {
    log_set_level("error");
    UNIT_RUN(test_url_forms);
    UNIT_RUN(test_malformed_urls_are_refused);
    UNIT_RUN(test_flag_codes_are_borrowed_from_the_options);
    UNIT_RUN(test_too_many_flag_codes_are_refused);
    UNIT_RUN(test_unreachable_redis_opens_the_down_window);
    UNIT_RUN(test_cluster_options);
    store_pool_free(NULL);
    return unit_report("store_pool");
}
