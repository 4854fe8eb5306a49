/* router.h - match a method and path against a route table (pure).
 *
 * Patterns are literal segments and "{name}" captures, e.g.
 * "/v1/sites/{site}/comments/{id}". A trailing "*" segment matches the rest.
 */
#ifndef MODQ_ROUTER_H
#define MODQ_ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_PARAMS 4
#define ROUTER_PARAM_LEN 512 /* a captured segment longer than this: 404 */

typedef struct router_route {
    const char *method;   /* "GET", "POST", ... */
    const char *pattern;
    const char *name;     /* metrics label */
} router_route;

typedef struct router_match {
    int nparams;
    char names[ROUTER_MAX_PARAMS][32];
    char values[ROUTER_MAX_PARAMS][ROUTER_PARAM_LEN];
    char allow[64];       /* for 405: methods the path accepts */
} router_match;

enum { ROUTER_NOT_FOUND = -1, ROUTER_BAD_METHOD = -2 };

/* Index of the matching route, ROUTER_NOT_FOUND, or ROUTER_BAD_METHOD (the
 * path exists under other methods, listed in m->allow). HEAD matches GET. */
int router_find(const router_route *routes, size_t n, const char *method,
                const char *path, router_match *m);

/* Captured value by name, or NULL. Borrowed from m. */
const char *router_param(const router_match *m, const char *name);

#endif
