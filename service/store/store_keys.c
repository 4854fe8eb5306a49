/* store_keys.c - builds the Redis keys of the layout in store_keys.h.
 *
 * Owns the spelling of a key: the prefix, the {site} hash tag, the band
 * parts and the rate-limit form. Every key the store sends is made here,
 * from the parts store_keys.h names. Pure string work: never talks to
 * Redis, never allocates, never truncates (a key that does not fit is an
 * error, not a shorter key).
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "store_keys.h"

/* "dup:b<i>:" for LSH band i */
_Static_assert(STORE_LSH_BANDS == 8, "band_part names 8 bands");
static const char *const band_part[STORE_LSH_BANDS] = {
    "dup:b0:", "dup:b1:", "dup:b2:", "dup:b3:", "dup:b4:", "dup:b5:", "dup:b6:", "dup:b7:"};

int store_key(char *buf, size_t n, const char *site, const char *part, const char *rest) {
    /* memcpy, not snprintf: ~20 keys per comment */
    const char *seg[5] = {STORE_KEY_PREFIX "{", site, "}:", part, rest ? rest : ""};
    size_t w = 0;
    for (int i = 0; i < 5; i++) {
        size_t l = strlen(seg[i]);
        if (l >= n - w) {
            if (n) buf[0] = 0;
            return -1;
        }
        memcpy(buf + w, seg[i], l);
        w += l;
    }
    buf[w] = 0;
    return (int)w;
}

void store_key_hex16(char out[17], uint64_t v) {
    crypto_hex_u64(v, 16, out);
    out[16] = 0;
}

int store_key_band(char *buf, size_t n, const char *site, int band, uint64_t h) {
    if (band < 0 || band >= STORE_LSH_BANDS) {
        if (n) buf[0] = 0;
        return -1;
    }
    char hx[17];
    store_key_hex16(hx, h);
    return store_key(buf, n, site, band_part[band], hx);
}

int store_key_once(char *buf, size_t n, const char *scope, const char *id) {
    int w = snprintf(buf, n, STORE_KEY_PREFIX "once:%s:%s", scope, id);
    if (w < 0 || (size_t)w >= n) {
        if (n) buf[0] = 0;
        return -1;
    }
    return w;
}

int store_key_author(char *buf, size_t n, const char *site, const char *part,
                     const char *author_key) {
    unsigned char h[CRYPTO_SHA256_LEN];
    char hx[2 * CRYPTO_SHA256_LEN + 1];
    crypto_sha256(author_key, strlen(author_key), h);
    crypto_hex(h, 16, hx); /* 128 bits, as the reputation fields */
    hx[32] = 0;
    return store_key(buf, n, site, part, hx);
}

int store_key_rl(char *buf, size_t n, const char *part, const char *who, long long slot) {
    int w = snprintf(buf, n, STORE_KEY_PREFIX "rl:%s%s:%lld", part, who, slot);
    if (w < 0 || (size_t)w >= n) {
        if (n) buf[0] = 0;
        return -1;
    }
    return w;
}

int store_key_identity(char *buf, size_t n, const char *site, const char *part, char kind,
                       const char *value) {
    if (n) buf[0] = 0;
    if (!value) return -1;
    while (*value == ' ' || *value == '\t') value++;
    size_t l = strlen(value);
    while (l && (value[l - 1] == ' ' || value[l - 1] == '\t')) l--;
    if (!l) return -1;
    char low[MODEL_MAX_NAME + 1]; /* the longest identity: a name */
    if (l >= sizeof low) l = sizeof low - 1; /* identities are shorter */
    for (size_t i = 0; i < l; i++)
        low[i] = (char)(value[i] >= 'A' && value[i] <= 'Z' ? value[i] + 32 : value[i]);
    unsigned char h[CRYPTO_SHA256_LEN];
    crypto_sha256(low, l, h);
    char rest[4 + 2 * CRYPTO_SHA256_LEN + 1];
    rest[0] = kind;
    rest[1] = ':';
    crypto_hex(h, sizeof h, rest + 2);
    rest[2 + STORE_AUTHOR_HEX] = 0;
    return store_key(buf, n, site, part, rest);
}

int store_list_member(char *buf, size_t n, long long ms, const char *id) {
    int w = snprintf(buf, n, "%013lld:%s", ms < 0 ? 0 : ms, id);
    if (w < 0 || (size_t)w >= n) {
        if (n) buf[0] = 0;
        return -1;
    }
    return w;
}
