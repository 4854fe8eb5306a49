/* reqscan.h - the raw fields of a comment request, and a strict scanner
 * that reads them from the common body shape without a JSON tree.
 *
 * reqscan_comment is what either parser of POST /v1/sites/{site}/comments
 * hands to the one validation in codec.c: each known key as it came
 * (absent, null, a string, or another JSON type), before any check. The
 * scanner fills it for the shape clients send and declines everything
 * else, so that codec.c parses the body with jansson as before; it never
 * judges a body and never reports an error.
 */
#ifndef MODQ_REQSCAN_H
#define MODQ_REQSCAN_H

#include <stddef.h>

typedef enum reqscan_kind {
    REQSCAN_ABSENT = 0, /* the key is not there */
    REQSCAN_NULL,       /* JSON null */
    REQSCAN_STRING,     /* a string: s, len */
    REQSCAN_OBJECT,     /* an object (author) */
    REQSCAN_OTHER       /* any other JSON type */
} reqscan_kind;

typedef struct reqscan_value {
    reqscan_kind kind;
    /* REQSCAN_STRING: the decoded bytes, len of them, borrowed (see
     * reqscan_comment); not NUL-terminated; may hold a NUL only when the
     * parser allows one (jansson does not). */
    const char *s;
    size_t len;
} reqscan_value;

typedef struct reqscan_comment {
    reqscan_value id, article_id, text, parent_id, created_at;
    reqscan_value author; /* REQSCAN_OBJECT, or absent / anything else */
    /* author's members: all REQSCAN_ABSENT unless author is an object */
    reqscan_value name, email, url, ip, user_agent;
    /* Owned: the decoded text of the strings that had escapes (NULL when
     * none had). Strings without escapes point into the scanned buffer. */
    char *scratch;
} reqscan_comment;

/* The known keys and the field of reqscan_comment each one fills: the
 * top level's (author among them) and author's. The one list of them:
 * codec.c fills the same fields from a jansson tree by it. */
typedef struct reqscan_key {
    const char *name;
    size_t len; /* strlen(name) */
    size_t off; /* offsetof(reqscan_comment, <the field>) */
} reqscan_key;

#define REQSCAN_NTOP 6
#define REQSCAN_NAUTHOR 5
extern const reqscan_key reqscan_top_keys[REQSCAN_NTOP];
extern const reqscan_key reqscan_author_keys[REQSCAN_NAUTHOR];

/* The field of c that key fills (borrowed from c). */
reqscan_value *reqscan_field(reqscan_comment *c, const reqscan_key *key);

/* Sets every field absent and scratch NULL. */
void reqscan_comment_init(reqscan_comment *c);

/* Reads buf[0..len) when it is the common request shape: one object
 * (whitespace around it allowed) whose keys are among id, article_id,
 * text, parent_id, created_at (string or null) and author (an object whose
 * keys are among name, email, url, ip, user_agent: string or null), keys
 * written without escapes and none twice, strings valid UTF-8 with no
 * control character, no \u0000 and no lone surrogate.
 * Returns 0 with *out filled: its strings are borrowed from buf and from
 * out->scratch, so valid while both live; release with
 * reqscan_comment_free. Returns -1 when it declines (any other input, or
 * out of memory): *out is then init'ed, holds nothing, and the caller
 * parses buf another way -- a declined body is not necessarily invalid. */
int reqscan_comment_scan(const char *buf, size_t len, reqscan_comment *out);

/* Frees what c owns (its scratch, not c) and re-inits it. NULL is a no-op. */
void reqscan_comment_free(reqscan_comment *c);

#endif
