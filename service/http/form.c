/* form.c - application/x-www-form-urlencoded decoder.
 *
 * Owns one decoded copy of a body: every key and value is written, NUL-
 * terminated, into a single buffer the form frees at once. Decoding never
 * grows a string, so the buffer is sized from the input before any byte is
 * decoded. Must never do I/O or interpret a field: callers do that.
 */
#include "form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct form {
    form_field *fields;
    size_t n;
    char *buf; /* all keys and values, each NUL-terminated */
};

static void set_err(form_error *err, int code, const char *key, const char *text) {
    if (!err) return;
    err->code = code;
    snprintf(err->key, sizeof err->key, "%s", key ? key : "");
    snprintf(err->text, sizeof err->text, "%s", text);
}

int form_utf8_valid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n;
        unsigned cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1, cp = c & 0x1F, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2, cp = c & 0x0F, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0; /* continuation byte, C0/C1 overlong lead, or > F4 */
        }
        if ((size_t)(end - p) <= n) return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        p += n + 1;
    }
    return 1;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decode in[0..n) into out (room for n bytes). Returns the decoded length,
 * or -1 when a %00 appears. */
static long decode(const char *in, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = in[i];
        if (ch == '+') {
            out[o++] = ' ';
        } else if (ch == '%' && i + 2 < n && hexval(in[i + 1]) >= 0 &&
                   hexval(in[i + 2]) >= 0) {
            int v = hexval(in[i + 1]) * 16 + hexval(in[i + 2]);
            if (v == 0) return -1;
            out[o++] = (char)v;
            i += 2;
        } else {
            if (ch == 0) return -1;
            out[o++] = ch;
        }
    }
    return (long)o;
}

form *form_parse(const char *buf, size_t len, form_error *err) {
    set_err(err, FORM_E_OK, NULL, "");
    if (!buf) len = 0;
    size_t pairs = 1;
    for (size_t i = 0; i < len; i++) pairs += buf[i] == '&';
    form *f = calloc(1, sizeof *f);
    if (!f) goto nomem;
    /* each pair decodes to at most its own bytes, plus two NULs */
    f->buf = malloc(len + 2 * pairs + 1);
    if (!f->buf) goto nomem;
    size_t cap = pairs < FORM_MAX_FIELDS ? pairs : FORM_MAX_FIELDS;
    f->fields = calloc(cap ? cap : 1, sizeof *f->fields);
    if (!f->fields) goto nomem;
    char *w = f->buf;
    size_t start = 0;
    while (start <= len) {
        const char *seg = buf ? buf + start : "";
        const char *amp = len > start ? memchr(seg, '&', len - start) : NULL;
        size_t slen = amp ? (size_t)(amp - seg) : len - start;
        start += slen + 1;
        if (slen == 0) continue;
        if (f->n >= FORM_MAX_FIELDS) {
            char t[96];
            snprintf(t, sizeof t, "more than %d fields", FORM_MAX_FIELDS);
            set_err(err, FORM_E_TOO_MANY, NULL, t);
            goto fail;
        }
        const char *eq = memchr(seg, '=', slen);
        size_t klen = eq ? (size_t)(eq - seg) : slen;
        const char *val = eq ? eq + 1 : seg + slen;
        size_t vlen = eq ? slen - klen - 1 : 0;
        char *key = w;
        long kd = decode(seg, klen, key);
        if (kd < 0) {
            set_err(err, FORM_E_NUL, NULL, "a field name contains %00");
            goto fail;
        }
        key[kd] = 0;
        w = key + kd + 1;
        if (!form_utf8_valid(key, (size_t)kd)) {
            set_err(err, FORM_E_INVALID_UTF8, NULL, "a field name is not valid UTF-8");
            goto fail;
        }
        if ((size_t)kd > FORM_MAX_KEY) {
            char t[96];
            snprintf(t, sizeof t, "a field name is longer than %d bytes", FORM_MAX_KEY);
            set_err(err, FORM_E_KEY_TOO_LONG, NULL, t);
            goto fail;
        }
        char *value = w;
        long vd = decode(val, vlen, value);
        if (vd < 0) {
            char t[160];
            snprintf(t, sizeof t, "%.64s contains %%00", key);
            set_err(err, FORM_E_NUL, key, t);
            goto fail;
        }
        value[vd] = 0;
        w = value + vd + 1;
        if ((size_t)vd > FORM_MAX_VALUE) {
            char t[160];
            snprintf(t, sizeof t, "%.64s is longer than %d bytes", key, FORM_MAX_VALUE);
            set_err(err, FORM_E_TOO_LONG, key, t);
            goto fail;
        }
        if (!form_utf8_valid(value, (size_t)vd)) {
            char t[160];
            snprintf(t, sizeof t, "%.64s is not valid UTF-8", key);
            set_err(err, FORM_E_INVALID_UTF8, key, t);
            goto fail;
        }
        f->fields[f->n++] = (form_field){key, value, (size_t)vd};
    }
    return f;
nomem:
    set_err(err, FORM_E_NOMEM, NULL, "out of memory");
fail:
    form_free(f);
    return NULL;
}

void form_free(form *f) {
    if (!f) return;
    free(f->fields);
    free(f->buf);
    free(f);
}

size_t form_count(const form *f) { return f ? f->n : 0; }

const form_field *form_at(const form *f, size_t i) {
    return f && i < f->n ? &f->fields[i] : NULL;
}

const char *form_get_nth(const form *f, const char *key, size_t n) {
    if (!f || !key) return NULL;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->fields[i].key, key) == 0 && n-- == 0) return f->fields[i].value;
    return NULL;
}

const char *form_get(const form *f, const char *key) { return form_get_nth(f, key, 0); }

size_t form_count_key(const form *f, const char *key) {
    size_t c = 0;
    if (!f || !key) return 0;
    for (size_t i = 0; i < f->n; i++) c += strcmp(f->fields[i].key, key) == 0;
    return c;
}
