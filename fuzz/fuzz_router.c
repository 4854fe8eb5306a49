/* fuzz_router.c - libFuzzer target for router_find() (router.c).
 *
 * Arbitrary paths (and a method chosen by the first byte) against the
 * service's own route table (api_routes()). Checks that captures are NUL-terminated,
 * shorter than ROUTER_PARAM_LEN, never contain '/', never empty, and that
 * the Allow list of a 405 is a terminated string.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest path the HTTP layer can hand over is bounded by max_header; the
 * fuzzer's -max_len bounds it here. */
#define FUZZ_MAX_PATH 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *methods[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", ""};
    if (size < 1 || size > FUZZ_MAX_PATH) return 0;
    const char *method = methods[data[0] % (sizeof methods / sizeof methods[0])];
    char *path = malloc(size);
    if (!path) return 0;
    memcpy(path, data + 1, size - 1);
    path[size - 1] = 0; /* MHD hands over a C string: stop at the first NUL */
    size_t nroutes;
    const api_route *routes = api_routes(&nroutes);
    router_match m;
    int idx = router_find(routes, nroutes, sizeof routes[0], method, path, &m);
    assert(idx >= ROUTER_BAD_METHOD && idx < (int)nroutes);
    assert(memchr(m.allow, 0, sizeof m.allow) != NULL);
    if (idx >= 0) {
        assert(m.nparams >= 0 && m.nparams <= ROUTER_MAX_PARAMS);
        for (int i = 0; i < m.nparams; i++) {
            size_t n = strnlen(m.values[i], ROUTER_PARAM_LEN);
            assert(n > 0 && n < ROUTER_PARAM_LEN);
            assert(strchr(m.values[i], '/') == NULL);
            assert(router_param(&m, m.names[i]) != NULL);
        }
        (void)router_param(&m, "site");
        (void)router_param(&m, "nope");
    } else if (idx == ROUTER_BAD_METHOD) {
        assert(m.allow[0] != 0);
    }
    free(path);
    return 0;
}
