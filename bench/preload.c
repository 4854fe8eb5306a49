/* preload.c - RESP stream of N stored comments' duplicate keys, for redis-cli --pipe.
 *
 * Writes to stdout, for each of N synthetic comments, the duplicate keys
 * service/store/ (store_comment_write) sets for a comment with a MinHash:
 *   SET modq:{S}:dup:x:<16hex>   "<id>\x1f<author>\x1f<128 bytes>"  EX window
 *   SET modq:{S}:dup:b<i>:<16hex> "<id>\x1f<16hex of the exact hash>" EX window
 * (i = 0..7, one per LSH band), and with --records also the comment record
 *   SET modq:{S}:comment:<id>    <storage JSON of ~1 KB>           EX retention
 * Hashes, ids and MinHash values are pseudo-random (fixed seed), so the keys
 * have the real sizes and layout but never collide with live comments: the
 * check measures the cost of a large keyspace, not candidate fan-out.
 *
 * Usage: preload SITE N WINDOW_S [--records RETENTION_S] | redis-cli --pipe
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define PL_MAX_COMMENTS 100000000L /* 1e8: far beyond any sane preload */
#define PL_BUF (1 << 20)           /* stdout buffer: big writes to the pipe */
#define PL_KEY_MAX 256             /* "modq:{site}:dup:b7:<16hex>" + a long site */
#define PL_VAL_MAX 512             /* id + author + the 128-byte MinHash */
#define PL_RECORD_MAX 2048         /* the synthetic record below */
#define PL_SITE_MAX 64             /* MODEL_MAX_SITE */
#define PL_READERS 500000          /* author pool, as bench/comments.lua */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Appends the decimal form of v to p; returns the new end. */
static char *put_uint(char *p, size_t v) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

/* One RESP command: *n then $len/bytes for each argument (one fwrite: this
 * runs 9 million times for the default preload). */
static void resp(int argc, const char *const *argv, const size_t *len) {
    char out[PL_KEY_MAX + PL_RECORD_MAX + 128];
    char *p = out;
    *p++ = '*';
    p = put_uint(p, (size_t)argc);
    *p++ = '\r';
    *p++ = '\n';
    for (int i = 0; i < argc; i++) {
        *p++ = '$';
        p = put_uint(p, len[i]);
        *p++ = '\r';
        *p++ = '\n';
        memcpy(p, argv[i], len[i]);
        p += len[i];
        *p++ = '\r';
        *p++ = '\n';
    }
    fwrite(out, 1, (size_t)(p - out), stdout);
}

/* Appends 2*n lowercase hex digits of v's low n bytes (big end first). */
static char *put_hex(char *p, uint64_t v, int ndigits) {
    static const char hex[] = "0123456789abcdef";
    for (int i = ndigits - 1; i >= 0; i--) p[ndigits - 1 - i] = hex[(v >> (4 * i)) & 15];
    return p + ndigits;
}

static void set_ex(const char *key, const char *val, size_t vlen, const char *ex) {
    const char *argv[5] = {"SET", key, val, "EX", ex};
    size_t len[5] = {3, strlen(key), vlen, 2, strlen(ex)};
    resp(5, argv, len);
}

int main(int argc, char **argv) {
    if (argc != 4 && !(argc == 6 && strcmp(argv[4], "--records") == 0)) {
        fprintf(stderr, "usage: preload SITE N WINDOW_S [--records RETENTION_S]\n");
        return 2;
    }
    const char *site = argv[1];
    long n = strtol(argv[2], NULL, 10);
    long window = strtol(argv[3], NULL, 10);
    long retention = argc == 6 ? strtol(argv[5], NULL, 10) : 0;
    if (strlen(site) == 0 || strlen(site) > PL_SITE_MAX || n < 0 || n > PL_MAX_COMMENTS ||
        window <= 0 || (argc == 6 && retention <= 0)) {
        fprintf(stderr, "preload: bad arguments\n");
        return 2;
    }
    static char buf[PL_BUF];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    char ex[24], rex[24];
    snprintf(ex, sizeof ex, "%ld", window);
    snprintf(rex, sizeof rex, "%ld", retention);
    for (long i = 0; i < n; i++) {
        char id[40], author[96], key[PL_KEY_MAX], val[PL_VAL_MAX];
        snprintf(id, sizeof id, "%016" PRIx64 "%016" PRIx64, rng(), rng());
        unsigned reader = (unsigned)(rng() % PL_READERS) + 1;
        if (reader % 2 == 0)
            snprintf(author, sizeof author, "reader%u@mail.example", reader);
        else
            snprintf(author, sizeof author, "reader%u|10.%u.%u.%u", reader,
                     (reader >> 16) & 255, (reader >> 8) & 255, reader & 255);
        char xh[17];
        *put_hex(xh, rng(), 16) = 0;
        int kl = snprintf(key, sizeof key, "modq:{%s}:dup:x:%s", site, xh);
        int vl = snprintf(val, sizeof val, "%s\x1f%s\x1f", id, author);
        /* the MinHash: binary in the exact value, hex in the record */
        char mhex[8 * ENGINE_MINHASH_N + 1];
        for (int m = 0; m < ENGINE_MINHASH_N; m++) {
            uint32_t h = (uint32_t)rng();
            put_hex(mhex + 8 * m, h, 8);
            for (int k = 0; k < 4; k++) val[vl + 4 * m + k] = (char)(h >> (24 - 8 * k));
        }
        mhex[8 * ENGINE_MINHASH_N] = 0;
        vl += 4 * ENGINE_MINHASH_N;
        set_ex(key, val, (size_t)vl, ex);
        vl = snprintf(val, sizeof val, "%s\x1f%s", id, xh);
        for (int b = 0; b < ENGINE_LSH_BANDS; b++) {
            kl = snprintf(key, sizeof key, "modq:{%s}:dup:b%d:", site, b);
            *put_hex(key + kl, rng(), 16) = 0;
            set_ex(key, val, (size_t)vl, ex);
        }
        if (retention) {
            char rec[PL_RECORD_MAX];
            snprintf(key, sizeof key, "modq:{%s}:comment:%s", site, id);
            /* the storage form of an approved ~600-byte comment */
            int rl = snprintf(
                rec, sizeof rec,
                "{\"id\":\"%s\",\"site\":\"%s\",\"article_id\":\"bike-lanes\","
                "\"status\":\"approved\",\"score\":0.0,\"relevance\":0.87,\"flags\":[],"
                "\"auto_status\":\"approved\",\"text\":\"%.*s\",\"received_ms\":%ld,"
                "\"author\":{\"name\":\"reader%u\",\"ip\":\"10.1.2.3\",\"user_agent\":"
                "\"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\"},\"decision\":null,"
                "\"author_key\":\"%s\",\"xh\":\"%016" PRIx64 "\",\"mh\":\"%.256s\"}",
                id, site, 600,
                "I think the new bicycle lanes are long overdue for families. I cycle along "
                "Main Street every morning and the traffic is frightening. The shop owners "
                "on Main Street deserve a delivery plan before construction starts. Honestly, "
                "the council vote on Tuesday makes a lot of sense in the long run. My kids "
                "could finally ride to school if the lanes are really protected. Other "
                "cities built protected lanes and the local shops did fine afterwards. "
                "Parking was already hard to find near the bakery, so this will hurt some "
                "shops, but to be fair the budget for the lanes was explained well here. "
                "I have lived here for twelve years and never felt safe on a bike.",
                1700000000000L + i, reader, author, rng(), mhex);
            set_ex(key, rec, (size_t)rl, rex);
        }
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
