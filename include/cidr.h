/* cidr.h - lists of CIDR networks ("127.0.0.0/8, ::1/128"), matched against
 * addresses: the one parser behind webhook_allowed_networks and
 * trusted_proxies.
 *
 * A list is comma, space or tab separated; an entry without "/bits" is one
 * host. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match as their IPv4
 * address. No state, no allocation; safe from any thread.
 */
#ifndef MODQ_CIDR_H
#define MODQ_CIDR_H

#include <stddef.h>

/* Longest address text (IPv6 with an embedded IPv4 part) plus NUL. */
#define CIDR_ADDR_TEXT 46

/* 1 when the first bits of a equal those of net (both at least bits/8
 * rounded up bytes long), else 0. */
int cidr_match(const unsigned char *a, const unsigned char *net, int bits);

/* 1 when the address (af AF_INET with 4 bytes or AF_INET6 with 16) is
 * inside one network of list; 0 otherwise, and for NULL or "". Entries
 * that do not parse match nothing (cidr_list_check refuses them). */
int cidr_list_has(const char *list, int af, const unsigned char *a);

/* Parse the address text ip ("192.0.2.1", "2001:db8::1") into *af and a
 * (16 bytes); a v4-mapped IPv6 address becomes AF_INET. 0, or -1 when ip
 * is not an address. */
int cidr_addr_parse(const char *ip, int *af, unsigned char a[16]);

/* 0 when every entry of list parses; -1 with the first bad entry quoted in
 * err (n bytes). */
int cidr_list_check(const char *list, char *err, size_t n);

#endif
