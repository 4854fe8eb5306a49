/* test_cidr.c - network lists: parsing, matching, v4-mapped addresses, checks. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cidr.h"
#include "unit.h"

/* 1 when ip (text) is inside list, 0 outside, -1 not an address. */
static int has(const char *list, const char *ip) {
    int af;
    unsigned char a[16];
    if (cidr_addr_parse(ip, &af, a) < 0) return -1;
    return cidr_list_has(list, af, a);
}

static void test_match(void) {
    static const struct {
        const char *list, *ip;
        int want;
    } cases[] = {
        {"127.0.0.0/8", "127.1.2.3", 1},
        {"127.0.0.0/8", "128.0.0.1", 0},
        {"10.9.0.0/16, 192.0.2.1", "192.0.2.1", 1},
        {"10.9.0.0/16, 192.0.2.1", "192.0.2.2", 0},
        {"10.9.0.0/16,\t192.0.2.1", "10.9.255.255", 1},
        {"172.16.0.0/12", "172.31.0.1", 1},
        {"172.16.0.0/12", "172.32.0.1", 0},
        {"0.0.0.0/0", "203.0.113.9", 1},
        {"::1", "::1", 1},
        {"::1/128", "::2", 0},
        {"2001:db8::/32", "2001:db8:ffff::1", 1},
        {"2001:db8::/33", "2001:db8:8000::1", 0},
        {"127.0.0.1", "::ffff:127.0.0.1", 1},   /* v4-mapped matches as IPv4 */
        {"::1", "127.0.0.1", 0},                /* families never mix */
        {"", "127.0.0.1", 0},
        {NULL, "127.0.0.1", 0},
        {"garbage, 127.0.0.1", "127.0.0.1", 1}, /* a bad entry matches nothing */
        {"127.0.0.0/8", "127.0.0.1x", -1},
        {"127.0.0.0/8", "", -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int got = has(cases[i].list, cases[i].ip);
        if (got != cases[i].want)
            fprintf(stderr, "  case %zu: %s in %s: %d, want %d\n", i, cases[i].ip,
                    cases[i].list ? cases[i].list : "(null)", got, cases[i].want);
        CHECK(got == cases[i].want);
    }
}

static void test_parse_normalises(void) {
    int af;
    unsigned char a[16];
    char out[CIDR_ADDR_TEXT];
    CHECK(cidr_addr_parse("::ffff:192.0.2.7", &af, a) == 0 && af == AF_INET);
    CHECK_STR(inet_ntop(af, a, out, sizeof out), "192.0.2.7");
    CHECK(cidr_addr_parse("2001:DB8::1", &af, a) == 0 && af == AF_INET6);
    CHECK_STR(inet_ntop(af, a, out, sizeof out), "2001:db8::1");
    CHECK(cidr_addr_parse(NULL, &af, a) == -1);
}

static void test_list_check(void) {
    char err[120];
    CHECK(cidr_list_check("", err, sizeof err) == 0);
    CHECK(cidr_list_check(NULL, err, sizeof err) == 0);
    CHECK(cidr_list_check("127.0.0.0/8, ::1/128 10.0.0.1", err, sizeof err) == 0);
    static const char *const bad[] = {"127.0.0.1/33", "::1/129", "10.0.0.0/", "10.0.0.0/x",
                                      "host.example", "10.0.0.0/8/8", "1.2.3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char list[64];
        snprintf(list, sizeof list, "10.0.0.0/8, %s", bad[i]);
        err[0] = 0;
        CHECK(cidr_list_check(list, err, sizeof err) == -1);
        CHECK(strstr(err, bad[i]) != NULL);
    }
}

static void test_match_prefix_bits(void) {
    const unsigned char net[4] = {192, 168, 0, 0}, in[4] = {192, 168, 127, 1},
                        out[4] = {192, 169, 0, 1};
    CHECK(cidr_match(in, net, 16) == 1);
    CHECK(cidr_match(in, net, 17) == 1);
    CHECK(cidr_match(in, net, 18) == 0);
    CHECK(cidr_match(out, net, 15) == 1);
    CHECK(cidr_match(out, net, 16) == 0);
    CHECK(cidr_match(out, net, 0) == 1);
}

int main(void) {
    UNIT_RUN(test_match);
    UNIT_RUN(test_parse_normalises);
    UNIT_RUN(test_list_check);
    UNIT_RUN(test_match_prefix_bits);
    return unit_report("test_cidr");
}
