/* test_store_cmd.c - the command layer against a fake Redis: the exact
 * RESP a command goes out as (binary-safe arguments), replies in order,
 * error replies counted but kept, READONLY dropping the connection and
 * opening the down window, the argument limit, the reply readers, and the
 * units a cluster pool sends whole. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store_fake.h"
#include "unit.h"

#define SENT(f, lit) fake_sent_is((f), (lit), sizeof(lit) - 1)

static void test_commands_go_out_as_resp_and_replies_come_back_in_order(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    cmd c[2];
    memset(c, 0, sizeof c);
    store_cmd(&c[0], "SET", "k", NULL);
    store_arg(&c[0], "a\0b", 3); /* user bytes travel as they are */
    store_args(&c[1], "GET");
    store_args(&c[1], "k");
    fake_expect(&f, "+OK\r\n");
    fake_expect_n(&f, "$3\r\na\0b\r\n", 9);
    redisReply *r[2];
    CHECK(store_run(f.s, c, 2, r) == 0);
    CHECK(r[0]->type == REDIS_REPLY_STATUS && strcmp(r[0]->str, "OK") == 0);
    CHECK(r[1]->type == REDIS_REPLY_STRING && r[1]->len == 3 && memcmp(r[1]->str, "a\0b", 3) == 0);
    store_free_replies(r, 2);
    CHECK(SENT(&f, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\na\0b\r\n"
                   "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"));
    CHECK(store_pool_up(f.p) == 1);
    CHECK(store_pool_errors(f.p) == 0);
    fake_close(&f);
}

static void test_error_reply_is_counted_and_the_connection_kept(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    cmd c = {0};
    store_cmd(&c, "INCR", "k", NULL);
    fake_expect(&f, "-ERR value is not an integer or out of range\r\n");
    redisReply *r;
    CHECK(store_run(f.s, &c, 1, &r) == 0);
    CHECK(r->type == REDIS_REPLY_ERROR);
    freeReplyObject(r);
    CHECK(store_pool_errors(f.p) == 1);
    CHECK(f.s->c != NULL);
    fake_close(&f);
}

static void test_readonly_drops_the_connection_and_opens_the_down_window(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    cmd c = {0};
    store_cmd(&c, "SET", "k", "v", NULL);
    fake_expect(&f, "-READONLY You can't write against a read only replica.\r\n");
    redisReply *r = NULL;
    CHECK(store_run(f.s, &c, 1, &r) == -1);
    CHECK(f.s->c == NULL); /* dropped: the next connect finds the new primary */
    CHECK(store_pool_up(f.p) == 0);
    unsigned long errors = store_pool_errors(f.p);
    CHECK(errors >= 1);
    /* inside the down window a call fails at once, without dialling */
    CHECK(store_run(f.s, &c, 1, &r) == -1);
    CHECK(store_pool_errors(f.p) == errors);
    fake_close(&f);
}

static void test_arguments_beyond_the_limit_are_dropped(void) {
    cmd c = {0};
    for (int i = 0; i < STORE_MAX_ARGS + 6; i++) store_args(&c, "x");
    CHECK(c.argc == STORE_MAX_ARGS);
}

static void test_hmget_leaves_out_skipped_fields(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    const char *fields[3] = {"a", "b", "c"};
    const unsigned char skip[3] = {1, 0, 1};
    CHECK(store_append_hmget(f.s, "h", fields, 3, skip) == 0);
    fake_expect(&f, "*1\r\n$1\r\n7\r\n");
    redisReply *r;
    CHECK(store_collect(f.s, &r, 1) == 0);
    CHECK(r->type == REDIS_REPLY_ARRAY && r->elements == 1);
    freeReplyObject(r);
    CHECK(SENT(&f, "*3\r\n$5\r\nHMGET\r\n$1\r\nh\r\n$1\r\nb\r\n"));
    fake_close(&f);
}

static void test_decimal(void) {
    char b[24];
    store_dec(b, 0);
    CHECK_STR(b, "0");
    store_dec(b, -1);
    CHECK_STR(b, "-1");
    store_dec(b, 1234567890123LL);
    CHECK_STR(b, "1234567890123");
    store_dec(b, LLONG_MAX);
    CHECK_STR(b, "9223372036854775807");
    store_dec(b, LLONG_MIN);
    CHECK_STR(b, "-9223372036854775808");
}

static void test_get_one_found_absent_and_wrong_type(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    fake_expect(&f, "$2\r\nhi\r\n");
    fake_expect(&f, "$-1\r\n");
    fake_expect(&f, ":1\r\n");
    char *v = NULL;
    size_t len = 0;
    CHECK(store_get_one(f.s, "k", &v, &len) == 1);
    CHECK(v && len == 2 && strcmp(v, "hi") == 0);
    free(v);
    v = NULL;
    CHECK(store_get_one(f.s, "k", &v, &len) == 0 && v == NULL);
    CHECK(store_get_one(f.s, "k", &v, &len) == -1 && v == NULL);
    CHECK(SENT(&f, "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
                   "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"));
    fake_close(&f);
}

static void test_take_and_dup_strings(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    cmd c = {0};
    store_cmd(&c, "LRANGE", "l", "0", "-1", NULL);
    fake_expect(&f, "*3\r\n$1\r\nx\r\n:5\r\n$2\r\nyz\r\n");
    redisReply *r;
    CHECK(store_run(f.s, &c, 1, &r) == 0);
    char *d = store_dup_str(r->element[2], NULL);
    CHECK_STR(d, "yz");
    free(d);
    CHECK(store_dup_str(r->element[1], NULL) == NULL); /* not a string */
    char **list;
    size_t n;
    store_take_list(r, &list, &n);
    CHECK(n == 2 && list);
    if (n == 2) {
        CHECK_STR(list[0], "x");
        CHECK_STR(list[1], "yz");
    }
    CHECK(r->element[0]->str == NULL); /* taken, not copied */
    for (size_t i = 0; i < n; i++) free(list[i]);
    free(list);
    freeReplyObject(r);
    fake_close(&f);
}

static void test_ping(void) {
    fake_redis f;
    CHECK(fake_open(&f) == 0);
    char why[128] = "";
    fake_expect(&f, "+PONG\r\n");
    fake_expect(&f, "-ERR busy\r\n");
    CHECK(store_ping(f.s, why, sizeof why) == 0);
    CHECK(store_ping(f.s, why, sizeof why) == -1);
    CHECK_STR(why, "redis: ERR busy");
    CHECK(SENT(&f, "*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n"));
    fake_close(&f);
}

/* The units a cluster pool sends whole (store_run, the pipe's redirects):
 * a MULTI ... EXEC block or one command, and which commands name a key. */
static void test_units_and_keys(void) {
    cmd c[6];
    memset(c, 0, sizeof c);
    store_args(&c[0], "MULTI");
    store_cmd(&c[1], "SET", "modq:{s}:a", "1", NULL);
    store_cmd(&c[2], "ZADD", "modq:{s}:z", "0", "m", NULL);
    store_args(&c[3], "EXEC");
    store_cmd(&c[4], "WAIT", "1", "100", NULL);
    store_cmd(&c[5], "EVALSHA", "0123", "0", NULL);
    CHECK(store_unit_end(c, 6, 0) == 4);
    CHECK(store_unit_end(c, 6, 4) == 5);
    CHECK(store_unit_end(c, 6, 5) == 6);
    CHECK(store_unit_end(c, 3, 0) == 3); /* a MULTI without its EXEC: to the end */
    CHECK(!store_cmd_has_key(&c[0]) && store_cmd_has_key(&c[1]) && !store_cmd_has_key(&c[3]));
    CHECK(!store_cmd_has_key(&c[4]));
    CHECK(!store_cmd_has_key(&c[5])); /* a script with no keys */
    cmd e = {0};
    store_cmd(&e, "EVALSHA", "0123", "1", "modq:{s}:k", NULL);
    CHECK(store_cmd_has_key(&e));
}

int main(void) {
    log_set_level("error"); /* the error replies below are expected */
    UNIT_RUN(test_commands_go_out_as_resp_and_replies_come_back_in_order);
    UNIT_RUN(test_error_reply_is_counted_and_the_connection_kept);
    UNIT_RUN(test_readonly_drops_the_connection_and_opens_the_down_window);
    UNIT_RUN(test_arguments_beyond_the_limit_are_dropped);
    UNIT_RUN(test_hmget_leaves_out_skipped_fields);
    UNIT_RUN(test_decimal);
    UNIT_RUN(test_get_one_found_absent_and_wrong_type);
    UNIT_RUN(test_take_and_dup_strings);
    UNIT_RUN(test_ping);
    UNIT_RUN(test_units_and_keys);
    return unit_report("store_cmd");
}
