/* test_store_script.c - running a Lua script against a fake Redis: EVALSHA
 * by the SHA-1 of the source (Redis' own digest of it), the source sent
 * once as EVAL only after NOSCRIPT, commands riding along in the same
 * round trip, and a call over the argument limit refused unsent. */
#include <string.h>

#include "log.h"
#include "store_fake.h"
#include "unit.h"

#define SENT(f, lit) fake_sent_is((f), (lit), sizeof(lit) - 1)

static const char ONE_LUA[] = "return 1";
/* SCRIPT LOAD "return 1" answers this digest (Redis documentation) */
#define ONE_SHA "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"

static void test_evalsha_by_the_sha1_of_the_source(void) {
    static store_script S = STORE_SCRIPT(ONE_LUA);
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    cmd c;
    store_eval_begin(&c, &S, 1);
    store_args(&c, "k");
    store_args(&c, "v");
    fake_expect(&f, ":1\r\n");
    redisReply *r;
    CHECK(store_eval(f.s, &S, &c, 1, &r) == 0);
    CHECK(r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    freeReplyObject(r);
    CHECK_STR(S.sha, ONE_SHA);
    CHECK(SENT(&f, "*5\r\n$7\r\nEVALSHA\r\n$40\r\n" ONE_SHA "\r\n$1\r\n1\r\n$1\r\nk\r\n$1\r\nv\r\n"));
    fake_close(&f);
}

static void test_noscript_sends_the_source_once(void) {
    static store_script S = STORE_SCRIPT(ONE_LUA);
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    cmd c[2];
    memset(c, 0, sizeof c);
    store_eval_begin(&c[0], &S, 0);
    store_cmd(&c[1], "GET", "x", NULL); /* rides along, answered once */
    fake_expect(&f, "-NOSCRIPT No matching script. Please use EVAL.\r\n");
    fake_expect(&f, "$1\r\ny\r\n");
    fake_expect(&f, ":1\r\n");
    redisReply *r[2];
    CHECK(store_eval(f.s, &S, c, 2, r) == 0);
    CHECK(r[0]->type == REDIS_REPLY_INTEGER && r[0]->integer == 1);
    CHECK(r[1]->type == REDIS_REPLY_STRING && strcmp(r[1]->str, "y") == 0);
    store_free_replies(r, 2);
    CHECK(SENT(&f, "*3\r\n$7\r\nEVALSHA\r\n$40\r\n" ONE_SHA "\r\n$1\r\n0\r\n"
                   "*2\r\n$3\r\nGET\r\n$1\r\nx\r\n"
                   "*3\r\n$4\r\nEVAL\r\n$8\r\nreturn 1\r\n$1\r\n0\r\n"));
    CHECK(f.s->c != NULL);
    fake_close(&f);
}

static void test_a_call_over_the_argument_limit_is_refused_unsent(void) {
    static store_script S = STORE_SCRIPT(ONE_LUA);
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    cmd c;
    store_eval_begin(&c, &S, 0);
    while (c.argc < STORE_MAX_ARGS) store_args(&c, "a");
    redisReply *r = NULL;
    CHECK(store_eval(f.s, &S, &c, 1, &r) == -1);
    CHECK(r == NULL);
    CHECK(SENT(&f, ""));
    fake_close(&f);
}

int main(void) {
    log_set_level("error"); /* NOSCRIPT and the refused call are logged */
    UNIT_RUN(test_evalsha_by_the_sha1_of_the_source);
    UNIT_RUN(test_noscript_sends_the_source_once);
    UNIT_RUN(test_a_call_over_the_argument_limit_is_refused_unsent);
    return unit_report("store_script");
}
