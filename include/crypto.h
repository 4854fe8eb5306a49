/* crypto.h - hashing and MACs: the only module that includes OpenSSL.
 *
 * Pure functions over bytes; no state, no allocation.
 */
#ifndef MODQ_CRYPTO_H
#define MODQ_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SHA1_HEX_LEN 40 /* hex digits of a SHA-1 */

/* SHA-256 of data into out[32]. */
void crypto_sha256(const void *data, size_t len, unsigned char out[CRYPTO_SHA256_LEN]);

/* HMAC-SHA256 of data with key into out[32]. */
void crypto_hmac_sha256(const void *key, size_t keylen, const void *data,
                        size_t len, unsigned char out[CRYPTO_SHA256_LEN]);

/* Lowercase hex SHA-1 of data into out: the name Redis gives a Lua script
 * (EVALSHA). "" when libcrypto refuses SHA-1 (a FIPS-only build). Not for
 * anything that needs collision resistance. */
void crypto_sha1_hex(const void *data, size_t len, char out[CRYPTO_SHA1_HEX_LEN + 1]);

/* Compare n bytes in time independent of content. 1 equal, 0 not. */
int crypto_equal(const void *a, const void *b, size_t n);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void crypto_hex(const unsigned char *in, size_t n, char *out);

/* The low `digits` (<= 16) hex digits of v, lowercase, zero-padded, into
 * out[0..digits-1] (no NUL): "%0*llx" without printf. */
void crypto_hex_u64(uint64_t v, int digits, char *out);

/* Parse 2n hex digits into out[n]. 0 ok, -1 malformed. */
int crypto_unhex(const char *hex, unsigned char *out, size_t n);

/* The first hexlen (<= 64) lowercase hex digits of SHA-256 over parts
 * (NULL = empty) each followed by the byte 0x1f, into out (hexlen + 1
 * bytes): a stable id derived from several fields. 0, or -1 when out of
 * memory. */
int crypto_digest_parts(const char *const *parts, size_t nparts, char *out, size_t hexlen);

/* Fill buf with n cryptographically random bytes. 0 ok, -1 error. */
int crypto_random(void *buf, size_t n);

#endif
