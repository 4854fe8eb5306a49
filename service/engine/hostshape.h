/* hostshape.h - host-shaped strings, written plainly or in disguise.
 *
 * hostshape owns the recognition of hosts in normalised text for the
 * tokenizer: the plain "label.label.tld" shape and the disguises spammers
 * write links in (spelled or bracketed dots, letter spacing, markdown
 * targets). It never makes tokens and never scores.
 */
#ifndef MODQ_HOSTSHAPE_H
#define MODQ_HOSTSHAPE_H

#include <stddef.h>

/* Bytes a host spelled in a disguise may have; longer ones are not hosts. */
#define HOSTSHAPE_HOST_MAX 128
/* Disguised links a text may hold; further ones are read as plain words. */
#define HOSTSHAPE_MAX_SPANS 32

/* One disguised link: the span as written and the host it spells. */
typedef struct hostshape_span {
    size_t off, end;              /* span in the text, as written */
    char host[HOSTSHAPE_HOST_MAX];/* NUL-terminated */
    size_t hn;
    int kind;                     /* tokenize_disguise */
} hostshape_span;

/* 1 for a byte a host may hold: [a-z0-9.-]. */
int hostshape_host_char(int c);

/* Length of a "label.label.tld" host at s[0..n) (ASCII, lower case) whose
 * TLD has a TLD's shape, ending at n or before '/', '\\', '?', '#', ':';
 * or 0. "t.me" and "wa.me" count. */
size_t hostshape_domain_len(const char *s, size_t n);

/* Finds the disguised links of text[0..len), in order, none overlapping;
 * writes at most max into out and returns how many. */
size_t hostshape_find(const char *text, size_t len, hostshape_span *out,
                      size_t max);

#endif
