/* router.h - match a method and path against a route table (pure).
 *
 * Patterns are literal segments and "{name}" captures, e.g.
 * "/v1/sites/{site}/comments/{id}". A trailing "*" segment matches the rest.
 * The table is the caller's: rows of any type that begin with a
 * router_route (the API's rows add the handler and the role), read in
 * place, so there is one table and no copy of its patterns here.
 */
#ifndef MODQ_ROUTER_H
#define MODQ_ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_PARAMS 4
#define ROUTER_PARAM_LEN 512 /* a captured segment longer than this: 404 */

typedef struct router_route {
    const char *method;   /* "GET", "POST", ... */
    const char *pattern;  /* "/v1/sites/{site}/comments" */
    const char *name;     /* stable name: metrics label, API document */
} router_route;

typedef struct router_match {
    int nparams;
    char names[ROUTER_MAX_PARAMS][32];
    char values[ROUTER_MAX_PARAMS][ROUTER_PARAM_LEN];
    char allow[64];       /* for 405: methods the path accepts */
} router_match;

enum { ROUTER_NOT_FOUND = -1, ROUTER_BAD_METHOD = -2 };

/* Index of the matching row, ROUTER_NOT_FOUND, or ROUTER_BAD_METHOD (the
 * path exists under other methods, listed in m->allow). HEAD matches GET.
 * rows: n rows, stride bytes apart, each beginning with a router_route
 * (a plain router_route array has stride sizeof(router_route)); borrowed,
 * only read. The first matching row wins. */
int router_find(const void *rows, size_t n, size_t stride, const char *method,
                const char *path, router_match *m);

/* Captured value by name, or NULL. Borrowed from m. */
const char *router_param(const router_match *m, const char *name);

#endif
