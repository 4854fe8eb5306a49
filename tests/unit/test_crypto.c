/* test_crypto.c - SHA-1 script names: known vectors and Redis' own name. */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "unit.h"

static void test_sha1_hex(void) {
    char hex[CRYPTO_SHA1_HEX_LEN + 1];
    crypto_sha1_hex("", 0, hex);
    CHECK_STR(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    crypto_sha1_hex("abc", 3, hex);
    CHECK_STR(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    /* what SCRIPT LOAD "return 1" answers: EVALSHA finds a loaded script */
    crypto_sha1_hex("return 1", 8, hex);
    CHECK_STR(hex, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

/* crypto_hex_u64 writes what "%0*llx" writes, without the NUL. */
static void test_hex_u64(void) {
    static const struct { uint64_t v; int digits; } cases[] = {
        {0, 16}, {0x0123456789abcdefull, 16}, {~0ull, 16}, {0xdeadbeef, 8},
        {0x1ffffffffull, 8} /* only the low 8 digits */, {0xa, 1}, {0x42, 4}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char want[20], got[20];
        snprintf(want, sizeof want, "%0*llx", cases[i].digits,
                 (unsigned long long)(cases[i].v &
                                      (cases[i].digits == 16 ? ~0ull
                                                             : (1ull << (4 * cases[i].digits)) - 1)));
        memset(got, 'x', sizeof got);
        crypto_hex_u64(cases[i].v, cases[i].digits, got);
        CHECK(got[cases[i].digits] == 'x'); /* nothing written past the digits */
        got[cases[i].digits] = 0;
        CHECK_STR(got, want);
    }
}

int main(void) {
    UNIT_RUN(test_sha1_hex);
    UNIT_RUN(test_hex_u64);
    return unit_report("test_crypto");
}
