/* cidr.c - CIDR network lists: parse an entry, match an address.
 *
 * Owns nothing: lists are borrowed strings, parsed on each call (they are
 * short, and configuration never changes while modq runs). Never resolves
 * names: an entry is an address literal with an optional prefix length.
 */
#include "cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Longest entry text: an IPv6 address, "/", three digits. */
#define CIDR_ENTRY_MAX 64

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

int cidr_match(const unsigned char *a, const unsigned char *net, int bits) {
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)full) != 0) return 0;
    if (!rest) return 1;
    unsigned char m = (unsigned char)(0xFF << (8 - rest));
    return (a[full] & m) == (net[full] & m);
}

int cidr_addr_parse(const char *ip, int *af, unsigned char a[16]) {
    if (!ip) return -1;
    if (inet_pton(AF_INET, ip, a) == 1) {
        *af = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, ip, a) != 1) return -1;
    *af = AF_INET6;
    if (memcmp(a, v4mapped, sizeof v4mapped) == 0) {
        memmove(a, a + 12, 4);
        *af = AF_INET;
    }
    return 0;
}

/* Parse one entry (n bytes at p) into *af, net and *bits. 0 or -1. */
static int parse_entry(const char *p, size_t n, int *af, unsigned char net[16], int *bits) {
    char item[CIDR_ENTRY_MAX];
    if (n >= sizeof item) return -1;
    memcpy(item, p, n);
    item[n] = 0;
    char *slash = strchr(item, '/');
    if (slash) *slash = 0;
    *af = strchr(item, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(*af, item, net) != 1) return -1;
    int maxb = *af == AF_INET6 ? 128 : 32;
    *bits = maxb;
    if (slash) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || b < 0 || b > maxb) return -1;
        *bits = (int)b;
    }
    return 0;
}

/* Walk list: call fn on each entry until it returns nonzero; returns that
 * value, or 0. */
typedef int (*entry_fn)(const char *p, size_t n, void *ctx);
static int each_entry(const char *list, entry_fn fn, void *ctx) {
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t') p++;
        size_t n = strcspn(p, ", \t");
        if (n == 0) break;
        int r = fn(p, n, ctx);
        if (r) return r;
        p += n;
    }
    return 0;
}

typedef struct {
    int af;
    const unsigned char *a;
} match_ctx;

static int match_one(const char *p, size_t n, void *ctx) {
    const match_ctx *m = ctx;
    int af, bits;
    unsigned char net[16];
    return parse_entry(p, n, &af, net, &bits) == 0 && af == m->af && cidr_match(m->a, net, bits);
}

int cidr_list_has(const char *list, int af, const unsigned char *a) {
    if (af == AF_INET6 && memcmp(a, v4mapped, sizeof v4mapped) == 0) {
        match_ctx m4 = {AF_INET, a + 12};
        if (each_entry(list, match_one, &m4)) return 1;
    }
    match_ctx m = {af, a};
    return each_entry(list, match_one, &m);
}

typedef struct {
    char *err;
    size_t n;
} check_ctx;

static int check_one(const char *p, size_t n, void *ctx) {
    check_ctx *c = ctx;
    int af, bits;
    unsigned char net[16];
    if (parse_entry(p, n, &af, net, &bits) == 0) return 0;
    snprintf(c->err, c->n, "\"%.*s\" is not a network (address or address/bits)",
             n > CIDR_ENTRY_MAX ? CIDR_ENTRY_MAX : (int)n, p);
    return -1;
}

int cidr_list_check(const char *list, char *err, size_t n) {
    check_ctx c = {err, n};
    return each_entry(list, check_one, &c);
}
