/* http_reqid.c - the request id: the client's X-Request-Id, or a random one.
 *
 * Owns the rule for which ids are taken as sent (1 to HTTP_REQID_MAX
 * printable ASCII characters) and the form of a generated one (hex of
 * HTTP_REQID_RANDOM random bytes). Pure apart from the random source; never
 * allocates, never looks at a connection (http.c reads the header and
 * echoes the id).
 */
#include "http.h"

#include <string.h>

#include "crypto.h"
#include "log.h"

/* Random bytes of a generated id: 128 bits, so ids of different requests
 * never collide in a log search. */
#define HTTP_REQID_RANDOM 16

_Static_assert(2 * HTTP_REQID_RANDOM <= HTTP_REQID_MAX, "a generated id is a valid id");
_Static_assert(HTTP_REQID_MAX == LOG_REQUEST_MAX, "a request id is copied whole");

int http_reqid_valid(const char *id) {
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > HTTP_REQID_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || (unsigned char)id[i] > 0x7e) return 0;
    return 1;
}

void http_reqid_pick(const char *given, char out[HTTP_REQID_MAX + 1]) {
    if (http_reqid_valid(given)) {
        memcpy(out, given, strlen(given) + 1);
        return;
    }
    unsigned char r[HTTP_REQID_RANDOM];
    if (crypto_random(r, sizeof r) < 0) memset(r, 0, sizeof r); /* still an id */
    crypto_hex(r, sizeof r, out);
    out[2 * HTTP_REQID_RANDOM] = 0;
}
