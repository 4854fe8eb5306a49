/* comment_spool.c - the spool form of a comment: the stored record with
 * its MinHash beside it.
 *
 * The record stored in Redis carries no MinHash (the exact key dup:x
 * holds it, codec.c), but a spooled comment is written to Redis later
 * from its spool line alone, and that write puts the MinHash into the
 * exact key: the line must keep it. A line is
 *   "mh:" <STORE_MINHASH_N x 8 lowercase hex digits> ":" <record>
 * when the text has a MinHash, else the record itself. A record is JSON
 * and starts with '{', so a line of the older layout (the record alone,
 * its MinHash inside as "mh") reads too. The record part is byte for
 * byte what the live write would have stored. Never touches the spool
 * file (spool.c) or Redis.
 */
#include <stdlib.h>
#include <string.h>

#include "comment_private.h"
#include "crypto.h"

#define SPOOL_MH_TAG "mh:"
#define SPOOL_MH_TAG_LEN 3
#define SPOOL_MH_HEX (MODEL_MINHASH_N * 8)
/* "mh:" + the hex + ":" */
#define SPOOL_MH_PREFIX (SPOOL_MH_TAG_LEN + SPOOL_MH_HEX + 1)

/* The value of a lowercase hex digit (what crypto_hex_u64 writes), -1
 * for any other byte. */
static int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

char *comment_spool_line(const model_comment *cm, const char *rec, size_t len, size_t *out_len) {
    size_t pre = cm->has_minhash ? SPOOL_MH_PREFIX : 0;
    char *line = malloc(pre + len + 1);
    if (!line) return NULL;
    if (pre) {
        memcpy(line, SPOOL_MH_TAG, SPOOL_MH_TAG_LEN);
        for (int i = 0; i < MODEL_MINHASH_N; i++)
            crypto_hex_u64(cm->minhash[i], 8, line + SPOOL_MH_TAG_LEN + 8 * i);
        line[pre - 1] = ':';
    }
    memcpy(line + pre, rec, len);
    line[pre + len] = 0;
    *out_len = pre + len;
    return line;
}

int comment_spool_split(const char *line, size_t len, const char **rec, size_t *rec_len,
                        uint32_t minhash[MODEL_MINHASH_N]) {
    if (len < SPOOL_MH_TAG_LEN || memcmp(line, SPOOL_MH_TAG, SPOOL_MH_TAG_LEN) != 0) {
        *rec = line; /* the record alone */
        *rec_len = len;
        return 0;
    }
    if (len <= SPOOL_MH_PREFIX || line[SPOOL_MH_PREFIX - 1] != ':') return -1;
    const char *hx = line + SPOOL_MH_TAG_LEN;
    for (int i = 0; i < MODEL_MINHASH_N; i++) {
        uint32_t v = 0;
        for (int d = 0; d < 8; d++) {
            int x = nibble(hx[8 * i + d]);
            if (x < 0) return -1;
            v = v << 4 | (uint32_t)x;
        }
        minhash[i] = v;
    }
    *rec = line + SPOOL_MH_PREFIX;
    *rec_len = len - SPOOL_MH_PREFIX;
    return 1;
}
