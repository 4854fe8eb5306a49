/* crypto.c - SHA-256, HMAC-SHA256, SHA-1 names, constant-time compare, via
 * OpenSSL.
 *
 * Owns every use of libcrypto. SHA-1 only names Lua scripts the way Redis
 * does (EVALSHA); nothing that needs collision resistance uses it. Its only
 * state is the SHA-256 implementation, fetched once: OpenSSL 3 looks it up
 * again on every call through EVP_sha256(), which cost more than hashing a
 * short string.
 */
#include "crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static EVP_MD *sha256_md; /* fetched once, never freed (process lifetime) */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static void sha256_fetch(void) { sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN]) {
    unsigned int n = 0;
    pthread_once(&sha256_once, sha256_fetch);
    EVP_Digest(data, len, out, &n, sha256_md ? sha256_md : EVP_sha256(), NULL);
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                        unsigned char out[CRYPTO_SHA256_LEN]) {
    unsigned int n = 0;
    HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n);
}

void crypto_sha1_hex(const void *data, size_t len, char out[CRYPTO_SHA1_HEX_LEN + 1]) {
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, h, &n, EVP_sha1(), NULL) != 1 || n * 2 != CRYPTO_SHA1_HEX_LEN) {
        out[0] = 0;
        return;
    }
    crypto_hex(h, n, out);
}

int crypto_equal(const void *a, const void *b, size_t n) {
    const volatile unsigned char *x = a, *y = b;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++) d |= (unsigned char)(x[i] ^ y[i]);
    return d == 0;
}

void crypto_hex(const unsigned char *in, size_t n, char *out) {
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[in[i] >> 4];
        out[2 * i + 1] = h[in[i] & 15];
    }
    out[2 * n] = 0;
}

void crypto_hex_u64(uint64_t v, int digits, char *out) {
    static const char h[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--, v >>= 4) out[i] = h[v & 15];
}

static int nib(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int crypto_unhex(const char *hex, unsigned char *out, size_t n) {
    if (strlen(hex) != 2 * n) return -1;
    for (size_t i = 0; i < n; i++) {
        int a = nib(hex[2 * i]), b = nib(hex[2 * i + 1]);
        if (a < 0 || b < 0) return -1;
        out[i] = (unsigned char)(a << 4 | b);
    }
    return 0;
}

int crypto_random(void *buf, size_t n) {
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

int crypto_digest_parts(const char *const *parts, size_t nparts, char *out, size_t hexlen) {
    size_t total = 0;
    for (size_t i = 0; i < nparts; i++) total += (parts[i] ? strlen(parts[i]) : 0) + 1;
    char *buf = malloc(total + 1);
    if (!buf) return -1;
    size_t o = 0;
    for (size_t i = 0; i < nparts; i++) {
        size_t n = parts[i] ? strlen(parts[i]) : 0;
        if (n) memcpy(buf + o, parts[i], n);
        o += n;
        buf[o++] = '\x1f';
    }
    unsigned char h[CRYPTO_SHA256_LEN];
    crypto_sha256(buf, o, h);
    free(buf);
    char full[2 * CRYPTO_SHA256_LEN + 1];
    crypto_hex(h, sizeof h, full);
    if (hexlen > 2 * CRYPTO_SHA256_LEN) hexlen = 2 * CRYPTO_SHA256_LEN;
    memcpy(out, full, hexlen);
    out[hexlen] = 0;
    return 0;
}
