/* router.c - segment-wise path matching with {captures}.
 *
 * Pure: no allocation, no I/O. Reads the caller's table in place (rows
 * of any type beginning with a router_route) and never keeps a pointer
 * into it. Empty segments ("//") never match a capture, so
 * "/v1/sites//comments" is a 404 rather than an empty site.
 */
#include "router.h"

#include <stdio.h>
#include <string.h>

/* Match one pattern; 1 on match with captures in m. */
static int match(const char *pat, const char *path, router_match *m) {
    m->nparams = 0;
    const char *p = pat, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/') return 0;
        p++;
        s++;
        const char *pe = strchr(p, '/');
        if (!pe) pe = p + strlen(p);
        const char *se = strchr(s, '/');
        if (!se) se = s + strlen(s);
        size_t pl = (size_t)(pe - p), sl = (size_t)(se - s);
        if (pl == 1 && *p == '*') return 1;
        if (pl > 2 && p[0] == '{' && p[pl - 1] == '}') {
            if (sl == 0 || sl >= ROUTER_PARAM_LEN || m->nparams >= ROUTER_MAX_PARAMS) return 0;
            snprintf(m->names[m->nparams], sizeof m->names[0], "%.*s", (int)(pl - 2), p + 1);
            memcpy(m->values[m->nparams], s, sl);
            m->values[m->nparams][sl] = 0;
            m->nparams++;
        } else if (pl != sl || memcmp(p, s, pl) != 0) {
            return 0;
        }
        p = pe;
        s = se;
    }
    if (*p == 0 && *s == 0) return 1;
    /* a trailing slash on the request is tolerated only for "/" patterns */
    return 0;
}

int router_find(const void *rows, size_t n, size_t stride, const char *method,
                const char *path, router_match *m) {
    memset(m, 0, sizeof *m);
    int path_seen = 0;
    const char *meth = strcmp(method, "HEAD") == 0 ? "GET" : method;
    router_match tmp;
    for (size_t i = 0; i < n; i++) {
        /* a row begins with its router_route (router.h) */
        const router_route *r = (const router_route *)((const char *)rows + i * stride);
        if (!match(r->pattern, path, &tmp)) continue;
        if (strcmp(r->method, meth) == 0) {
            char allow[64];
            memcpy(allow, m->allow, sizeof allow);
            *m = tmp;
            memcpy(m->allow, allow, sizeof allow);
            return (int)i;
        }
        size_t al = strlen(m->allow);
        if (!strstr(m->allow, r->method) && al + strlen(r->method) + 3 < sizeof m->allow)
            snprintf(m->allow + al, sizeof m->allow - al, "%s%s", al ? ", " : "", r->method);
        path_seen = 1;
    }
    return path_seen ? ROUTER_BAD_METHOD : ROUTER_NOT_FOUND;
}

const char *router_param(const router_match *m, const char *name) {
    for (int i = 0; i < m->nparams; i++)
        if (strcmp(m->names[i], name) == 0) return m->values[i];
    return NULL;
}
