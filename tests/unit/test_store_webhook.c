/* test_store_webhook.c - the store's side of webhooks without a Redis:
 * event names and bits, an unknown event refused before anything is sent,
 * a known one queued with its bit and name, and a lost lease reported as
 * such (against a fake Redis; the scripts run in the integration tests). */
#include <string.h>

#include "log.h"
#include "store_fake.h"
#include "store_webhook.h"
#include "unit.h"

#define SENT(f, lit) fake_sent_is((f), (lit), sizeof(lit) - 1)

static void test_event_bits(void) {
    CHECK(webhook_event_bit("decision") == WEBHOOK_EV_DECISION);
    CHECK(webhook_event_bit("verdict") == WEBHOOK_EV_VERDICT);
    CHECK((WEBHOOK_EV_DECISION & WEBHOOK_EV_VERDICT) == 0);
    CHECK(WEBHOOK_EV_ALL == (WEBHOOK_EV_DECISION | WEBHOOK_EV_VERDICT));
    CHECK(webhook_event_bit("Verdict") == 0);
    CHECK(webhook_event_bit("") == 0);
    CHECK(webhook_event_bit(NULL) == 0);
}

static void test_unknown_event_is_refused_unsent(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    CHECK(webhook_notify(f.s, "s", "deleted", "{}", 2) == -1);
    CHECK(SENT(&f, ""));
    fake_close(&f);
}

static void test_notify_sends_the_event_bit_and_name(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    fake_expect(&f, ":1\r\n");
    CHECK(webhook_notify(f.s, "s", "verdict", "{\"id\":\"c1\"}", 11) == 0);
    char sent[4096];
    size_t n = fake_sent_take(&f, sent, sizeof sent);
    /* KEYS: config, outbox, data, meta; ARGV: bit, name, body, id */
    CHECK(n > 0 && strncmp(sent, "*11\r\n$7\r\nEVALSHA\r\n", 18) == 0);
    CHECK(strstr(sent, "$1\r\n4\r\n$16\r\nmodq:{s}:webhook\r\n$18\r\nmodq:{s}:wh:outbox\r\n"
                       "$16\r\nmodq:{s}:wh:data\r\n$16\r\nmodq:{s}:wh:meta\r\n"
                       "$1\r\n2\r\n$7\r\nverdict\r\n$11\r\n{\"id\":\"c1\"}\r\n$32\r\n") != NULL);
    fake_close(&f);
}

static void test_a_lost_lease_is_reported(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    webhook_delivery d;
    memset(&d, 0, sizeof d);
    memset(d.id, 'a', WEBHOOK_ID_LEN);
    strcpy(d.lease, "1700000000000");
    fake_expect(&f, ":0\r\n");
    CHECK(store_webhook_done(f.s, "s", &d) == 0);
    fake_expect(&f, ":1\r\n");
    CHECK(store_webhook_done(f.s, "s", &d) == 1);
    fake_close(&f);
}

int main(void) {
    log_set_level("error");
    UNIT_RUN(test_event_bits);
    UNIT_RUN(test_unknown_event_is_refused_unsent);
    UNIT_RUN(test_notify_sends_the_event_bit_and_name);
    UNIT_RUN(test_a_lost_lease_is_reported);
    return unit_report("store_webhook");
}
