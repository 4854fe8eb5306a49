/* test_store_review.c - the per-flag review queues are the pool's: a purge
 * clears exactly the queues of the codes in store_options, and statistics
 * count them in that order (against a fake Redis; the scripts themselves
 * run in the integration tests). */
#include <string.h>

#include "log.h"
#include "store_fake.h"
#include "store_review.h"
#include "unit.h"

static const char *const CODES[2] = {"link_spam", "trusted_author"};

static int open_with_codes(fake_redis *f) {
    store_options o = {.url = "redis://127.0.0.1:1", .size = 1, .flag_codes = CODES,
                       .nflag_codes = 2};
    return fake_open_with(f, &o);
}

static void test_purge_clears_the_pools_flag_queues(void) {
    fake_redis f;
    CHECK(open_with_codes(&f) == 0);
    fake_expect(&f, ":1\r\n");
    CHECK(store_review_purge(f.s, "s", "c1") == 0);
    char sent[4096];
    fake_sent_take(&f, sent, sizeof sent);
    /* EVALSHA <sha> 11: comment, lease_owner, pending, leases, both
     * folders, the three score indexes and the two flag queues, then the id */
    CHECK(strncmp(sent, "*15\r\n$7\r\nEVALSHA\r\n$40\r\n", 23) == 0);
    const char *keys = sent + 23 + 40 + 2;
    static const char *const want[] = {"11",
                                       "modq:{s}:comment:c1",
                                       "modq:{s}:lease_owner",
                                       "modq:{s}:pending",
                                       "modq:{s}:leases",
                                       "modq:{s}:rejected",
                                       "modq:{s}:approved",
                                       "modq:{s}:byscore:pending",
                                       "modq:{s}:byscore:rejected",
                                       "modq:{s}:byscore:approved",
                                       "modq:{s}:pending:flag:link_spam",
                                       "modq:{s}:pending:flag:trusted_author",
                                       "c1"};
    char expect[1024];
    size_t n = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        n += (size_t)snprintf(expect + n, sizeof expect - n, "$%zu\r\n%s\r\n", strlen(want[i]),
                              want[i]);
    CHECK_STR(keys, expect);
    fake_close(&f);
}

static void test_stats_count_the_pools_flag_queues_in_order(void) {
    fake_redis f;
    CHECK(open_with_codes(&f) == 0);
    fake_expect(&f, "*2\r\n$10\r\n1700000000\r\n$6\r\n250000\r\n"); /* TIME */
    fake_expect(&f, ":5\r\n");                                       /* ZCARD pending */
    fake_expect(&f, "*2\r\n$2\r\nc9\r\n$13\r\n1699999990000\r\n");   /* oldest */
    fake_expect(&f, ":2\r\n");                                       /* leased */
    fake_expect(&f, ":4\r\n");                                       /* rejected */
    fake_expect(&f, "*2\r\n$1\r\n3\r\n$-1\r\n");                     /* minutes */
    fake_expect(&f, ":7\r\n");                                       /* link_spam */
    fake_expect(&f, ":1\r\n");                                       /* trusted_author */
    review_stats st;
    CHECK(store_review_stats(f.s, "s", &st) == 0);
    CHECK(st.now_ms == 1700000000250LL);
    CHECK(st.pending == 5 && st.claimed == 2 && st.rejected == 4);
    CHECK(st.oldest_ms == 1699999990000LL && st.decisions_hour == 3);
    CHECK(st.by_flag[0] == 7 && st.by_flag[1] == 1);
    for (int i = 2; i < STORE_MAX_FLAG_CODES; i++) CHECK(st.by_flag[i] == 0);
    char sent[8192];
    fake_sent_take(&f, sent, sizeof sent);
    const char *a = strstr(sent, "modq:{s}:pending:flag:link_spam");
    const char *b = strstr(sent, "modq:{s}:pending:flag:trusted_author");
    CHECK(a && b && a < b);
    CHECK(strstr(sent, "pending:flag:off_topic") == NULL); /* no code but the pool's */
    fake_close(&f);
}

int main(void) {
    log_set_level("error");
    UNIT_RUN(test_purge_clears_the_pools_flag_queues);
    UNIT_RUN(test_stats_count_the_pools_flag_queues_in_order);
    return unit_report("store_review");
}
