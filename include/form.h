/* form.h - application/x-www-form-urlencoded bodies: bytes in, fields out.
 *
 * form owns the decoding of a urlencoded body (Akismet's wire format) into
 * an ordered list of (key, value) pairs: '&' separates pairs, the first '='
 * splits key from value, '+' is a space, %XX a byte. It keeps every pair in
 * order (repeated keys such as comment_context[] stay separate), enforces
 * the limits below and rejects what is not UTF-8. It is pure: no I/O, no
 * globals, no knowledge of what any field means.
 *
 * Decoding follows the WHATWG urlencoded parser: empty pairs ("a=1&&b=2")
 * are skipped, a pair without '=' has the value "", and a '%' not followed
 * by two hex digits is kept as a literal '%' (PHP and browsers do the same).
 */
#ifndef MODQ_FORM_H
#define MODQ_FORM_H

#include <stddef.h>

/* Limits, each with its reason. */
#define FORM_MAX_FIELDS 512     /* WordPress sends ~20 Akismet fields plus
                                   every POST_* and HTTP_* variable: ~100 */
#define FORM_MAX_KEY 256        /* longest real name is a POST_* form field */
#define FORM_MAX_VALUE 262144   /* 256 KiB: comment text is capped far below
                                   (engine 64 KiB); the body cap bounds all */

enum {
    FORM_E_OK = 0,
    FORM_E_TOO_MANY = 1,     /* more than FORM_MAX_FIELDS pairs */
    FORM_E_KEY_TOO_LONG = 2, /* a decoded key over FORM_MAX_KEY bytes */
    FORM_E_TOO_LONG = 3,     /* a decoded value over FORM_MAX_VALUE bytes */
    FORM_E_INVALID_UTF8 = 4, /* a key or value is not UTF-8 */
    FORM_E_NUL = 5,          /* %00: no field may hold a NUL byte */
    FORM_E_NOMEM = 6
};

typedef struct form_error {
    int code;        /* FORM_E_* */
    char key[64];    /* offending field name (truncated), "" if unknown */
    char text[160];  /* human readable, filled without allocating */
} form_error;

typedef struct form_field {
    const char *key;   /* decoded, NUL-terminated, valid UTF-8 */
    const char *value; /* decoded, NUL-terminated, valid UTF-8, may be "" */
    size_t value_len;
} form_field;

typedef struct form form;

/* Decode len bytes of buf. Returns a new form (free with form_free), or NULL
 * with err filled (FORM_E_*). An empty body gives a form with no fields. */
form *form_parse(const char *buf, size_t len, form_error *err);

/* Release a form and every string it handed out. NULL is a no-op. */
void form_free(form *f);

/* Number of pairs, and pair i (0-based, in body order). Borrowed: valid
 * while f lives. form_at returns NULL when i is out of range. */
size_t form_count(const form *f);
const form_field *form_at(const form *f, size_t i);

/* Value of the first pair named key, or NULL when absent. Borrowed. */
const char *form_get(const form *f, const char *key);

/* Number of pairs named key (repeated keys such as "comment_context[]"). */
size_t form_count_key(const form *f, const char *key);

/* Value of the n-th (0-based) pair named key, or NULL. Borrowed. */
const char *form_get_nth(const form *f, const char *key, size_t n);

/* 1 when s[0..len) is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing above U+10FFFF), else 0. */
int form_utf8_valid(const char *s, size_t len);

#endif
