/* test_crypto.c - SHA-1 script names: known vectors and Redis' own name. */
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

int main(void) {
    UNIT_RUN(test_sha1_hex);
    return unit_report("test_crypto");
}
