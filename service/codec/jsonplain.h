/* jsonplain.h - runs of bytes that stand for themselves in a JSON string.
 *
 * A JSON string holds printable ASCII as it is, except the quote and the
 * backslash; control characters must be escaped and bytes from 0x80 start
 * UTF-8 sequences. Both the request scanner (reqscan.c) and the writer
 * (jsonw.c) skip such runs, which are most of any text, a word at a time.
 */
#ifndef MODQ_JSONPLAIN_H
#define MODQ_JSONPLAIN_H

#include <stdint.h>
#include <string.h>

/* Nonzero when one of the 8 bytes of w is not plain (a control character,
 * the quote, the backslash or a byte from 0x80): a byte below k gives
 * (byte - k) its high bit, and only such a byte borrows from the next, so
 * the lowest special byte always shows and none shows without one. Which
 * bits are set says nothing: the caller looks byte by byte. */
static inline uint64_t jsonplain_special8(uint64_t w) {
    const uint64_t ones = 0x0101010101010101u, high = ones * 0x80;
    return ((w - ones * 0x20) | ((w ^ ones * '"') - ones) | ((w ^ ones * '\\') - ones) | w) &
           high;
}

/* The first byte from p that is not plain, or end. */
static inline const unsigned char *jsonplain_skip(const unsigned char *p,
                                                  const unsigned char *end) {
    uint64_t w;
    while (end - p >= 8) {
        memcpy(&w, p, 8);
        if (jsonplain_special8(w)) break;
        p += 8;
    }
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
    return p;
}

#endif
