/* fuzz_form.c - libFuzzer target for the urlencoded form decoder (form.c,
 * Akismet's wire format).
 *
 * Arbitrary bytes to form_parse(); on success every pair must honour the
 * contract of form.h (limits, NUL-terminated, no embedded NUL, valid UTF-8,
 * look-ups consistent with the pair list). form_utf8_valid() is checked
 * against an independent reference validator (RFC 3629) on the raw input.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 3629 well-formedness, written from the table in section 4. */
static int ref_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return 0;
        }
        if (n - i <= need) return 0; /* truncated sequence */
        if (s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) return 0;
        i += need + 1;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *buf = (const char *)data;
    assert(!!form_utf8_valid(buf, size) == ref_utf8(data, size));

    form_error err;
    memset(&err, 0, sizeof err);
    form *f = form_parse(buf, size, &err);
    if (!f) {
        assert(err.code >= FORM_E_TOO_MANY && err.code <= FORM_E_NOMEM);
        assert(memchr(err.key, 0, sizeof err.key) && memchr(err.text, 0, sizeof err.text));
        return 0;
    }
    size_t n = form_count(f);
    assert(n <= FORM_MAX_FIELDS);
    assert(form_at(f, n) == NULL);
    for (size_t i = 0; i < n; i++) {
        const form_field *p = form_at(f, i);
        assert(p && p->key && p->value);
        size_t kl = strlen(p->key);
        assert(kl <= FORM_MAX_KEY);
        assert(p->value_len <= FORM_MAX_VALUE);
        assert(strlen(p->value) == p->value_len); /* no NUL inside */
        assert(ref_utf8((const unsigned char *)p->key, kl));
        assert(ref_utf8((const unsigned char *)p->value, p->value_len));
        const char *first = form_get(f, p->key);
        assert(first != NULL);
        size_t cnt = form_count_key(f, p->key);
        assert(cnt >= 1 && cnt <= n);
        assert(form_get_nth(f, p->key, cnt - 1) != NULL);
        assert(form_get_nth(f, p->key, cnt) == NULL);
    }
    form_free(f);
    return 0;
}
