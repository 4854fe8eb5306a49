/* api_openapi.c - GET /openapi.json: the API's OpenAPI 3.1 document.
 *
 * Owns serving docs/openapi.json, embedded at build time (tools/embed.sh
 * -t openapi_assets -> build/gen/openapi_doc.c), so the document served is
 * byte for byte the one in docs/. The document is public (it describes the
 * routes, holds no data) and the route is never rate-limited, as the
 * probes are not. Never reads Redis or a key; never builds the document:
 * tests/unit/test_openapi.c checks it against the route table, the
 * integration harness checks every response against it.
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>

/* The table written by tools/embed.sh (the same struct is declared there):
 * one row, openapi.json. */
typedef struct page_asset {
    const char *name;
    const unsigned char *data;
    size_t len;
} page_asset;
extern const page_asset openapi_assets[];
extern const size_t openapi_assets_count;

const char *api_openapi_doc(size_t *len) {
    *len = openapi_assets_count ? openapi_assets[0].len : 0;
    return openapi_assets_count ? (const char *)openapi_assets[0].data : NULL;
}

/* GET /openapi.json */
void api_openapi(const api_call *c, http_response *res) {
    (void)c;
    size_t len;
    const char *doc = api_openapi_doc(&len);
    char *b = doc ? malloc(len + 1) : NULL;
    if (!b) {
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    memcpy(b, doc, len);
    b[len] = 0;
    api_reply(res, 200, b, len);
}
