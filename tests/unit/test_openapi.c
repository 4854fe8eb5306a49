/* test_openapi.c - the OpenAPI document (docs/openapi.json, as embedded in
 * the binary) against the route table (api_routes): the same (method, path)
 * pairs both ways, and each operation's parameters and responses as its
 * row's role and pattern require. The integration harness checks every
 * response against the same document (tests/integration/contract.py). */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "unit.h"

static json_t *doc;

static const char *const METHODS[] = {"get", "put", "post", "delete", "patch", "head",
                                      "options", "trace"};

/* The document path of a route pattern: the pattern itself, or the path
 * whose item names the pattern in x-modq-route-pattern (the review page's wildcard). */
static const char *doc_path(const char *pattern) {
    json_t *paths = json_object_get(doc, "paths");
    if (json_object_get(paths, pattern)) return pattern;
    const char *p;
    json_t *item;
    json_object_foreach(paths, p, item) {
        const char *alt = json_string_value(json_object_get(item, "x-modq-route-pattern"));
        if (alt && strcmp(alt, pattern) == 0) return p;
    }
    return NULL;
}

static json_t *operation(const api_route *r) {
    const char *p = doc_path(r->route.pattern);
    char m[16];
    size_t i = 0;
    for (; r->route.method[i] && i + 1 < sizeof m; i++)
        m[i] = (char)tolower((unsigned char)r->route.method[i]);
    m[i] = 0;
    return p ? json_object_get(json_object_get(json_object_get(doc, "paths"), p), m) : NULL;
}

static void test_document_parses_as_openapi_3_1(void) {
    size_t len;
    const char *b = api_openapi_doc(&len);
    CHECK(b != NULL && len > 0);
    json_error_t e;
    doc = b ? json_loadb(b, len, JSON_REJECT_DUPLICATES, &e) : NULL;
    if (!doc) fprintf(stderr, "openapi.json: line %d: %s\n", e.line, e.text);
    CHECK(doc != NULL);
    CHECK_STR(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
}

/* x-modq-role of an operation: the role column's value. */
static const char *role_name(api_role r) {
    switch (r) {
    case API_ROLE_OPEN: return "open";
    case API_ROLE_PUBLIC: return "public";
    case API_ROLE_CLIENT: return "client";
    case API_ROLE_MODERATOR: return "moderator";
    case API_ROLE_CLIENT_OWN_KEY: return "client_own_key";
    }
    return "?";
}

/* Every row is an operation of the document, with its route name and role
 * (x-modq-route, x-modq-role: tests/integration/test_contract.py drives
 * every operation by its role). */
static void test_every_route_is_documented(void) {
    size_t n;
    const api_route *rt = api_routes(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *op = operation(&rt[i]);
        if (!op) fprintf(stderr, "undocumented route: %s %s\n", rt[i].route.method,
                         rt[i].route.pattern);
        CHECK(op != NULL);
        if (!op) continue;
        CHECK_STR(json_string_value(json_object_get(op, "x-modq-route")), rt[i].route.name);
        CHECK_STR(json_string_value(json_object_get(op, "x-modq-role")), role_name(rt[i].role));
    }
}

/* Every operation of the document is a row of the table. */
static void test_every_documented_operation_is_routed(void) {
    size_t n;
    const api_route *rt = api_routes(&n);
    const char *p;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), p, item) {
        for (size_t k = 0; k < sizeof METHODS / sizeof METHODS[0]; k++) {
            json_t *op = json_object_get(item, METHODS[k]);
            if (!op) continue;
            int found = 0;
            for (size_t i = 0; i < n; i++)
                if (strcasecmp(rt[i].route.method, METHODS[k]) == 0 &&
                    operation(&rt[i]) == op)
                    found = 1;
            if (!found) fprintf(stderr, "documented but not routed: %s %s\n", METHODS[k], p);
            CHECK(found);
        }
    }
}

/* The status codes documented for op, resolving nothing: "401" ... */
static int has_status(json_t *op, const char *status) {
    return json_object_get(json_object_get(op, "responses"), status) != NULL;
}

/* A path parameter named name among op's parameters ($ref'd or inline). */
static int has_path_param(json_t *op, const char *name) {
    json_t *comps = json_object_get(json_object_get(doc, "components"), "parameters");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(op, "parameters"), i, p) {
        const char *ref = json_string_value(json_object_get(p, "$ref"));
        static const char pre[] = "#/components/parameters/";
        if (ref && strncmp(ref, pre, sizeof pre - 1) == 0)
            p = json_object_get(comps, ref + sizeof pre - 1);
        const char *in = json_string_value(json_object_get(p, "in"));
        const char *nm = json_string_value(json_object_get(p, "name"));
        if (in && nm && strcmp(in, "path") == 0 && strcmp(nm, name) == 0) return 1;
    }
    return 0;
}

/* What the gate and the HTTP layer answer is documented on each route:
 * 413/431/503/500 everywhere, 401/403/429 where a key is checked, 429
 * where the per-IP limit counts, 422 for a bad {site}; every {capture} of
 * the pattern is a path parameter. */
static void test_gate_answers_and_parameters_are_documented(void) {
    size_t n;
    const api_route *rt = api_routes(&n);
    for (size_t i = 0; i < n; i++) {
        json_t *op = operation(&rt[i]);
        if (!op) continue;
        const char *pat = rt[i].route.pattern;
        api_role role = rt[i].role;
        CHECK(has_status(op, "413") && has_status(op, "431") && has_status(op, "503") &&
              has_status(op, "500"));
        if (role != API_ROLE_OPEN) CHECK(has_status(op, "429"));
        if (role == API_ROLE_CLIENT || role == API_ROLE_MODERATOR ||
            role == API_ROLE_CLIENT_OWN_KEY)
            CHECK(has_status(op, "401"));
        if (role == API_ROLE_MODERATOR || role == API_ROLE_CLIENT_OWN_KEY ||
            (role == API_ROLE_CLIENT && strstr(pat, "{site}")))
            CHECK(has_status(op, "403"));
        if (role == API_ROLE_CLIENT && strstr(pat, "{site}")) CHECK(has_status(op, "422"));
        for (const char *b = strchr(pat, '{'); b; b = strchr(b + 1, '{')) {
            const char *e = strchr(b, '}');
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)(e - b - 1), b + 1);
            if (!has_path_param(op, name))
                fprintf(stderr, "%s %s: no path parameter %s\n", rt[i].route.method, pat, name);
            CHECK(has_path_param(op, name));
        }
        if (strstr(pat, "/*")) CHECK(has_path_param(op, "file"));
    }
}

int main(void) {
    UNIT_RUN(test_document_parses_as_openapi_3_1);
    UNIT_RUN(test_every_route_is_documented);
    UNIT_RUN(test_every_documented_operation_is_routed);
    UNIT_RUN(test_gate_answers_and_parameters_are_documented);
    json_decref(doc);
    return unit_report("test_openapi");
}
