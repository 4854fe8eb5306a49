/* test_router.c - route matching, captures, 404 vs 405, as a case table;
 * tables of wider rows; the service's own route table. */
#include "api.h"
#include "router.h"
#include "unit.h"

static const router_route R[] = {
    {"GET", "/healthz", "healthz"},
    {"PUT", "/v1/sites/{site}/articles/{id}", "article_put"},
    {"GET", "/v1/sites/{site}/articles/{id}", "article_get"},
    {"POST", "/v1/sites/{site}/comments", "comment_post"},
    {"POST", "/v1/sites/{site}/comments/{id}/decision", "decision"},
    {"GET", "/review/*", "page"},
};

typedef struct {
    const char *method, *path;
    int want;          /* index, ROUTER_NOT_FOUND or ROUTER_BAD_METHOD */
    const char *site, *id, *allow;
} rcase;

static const rcase CASES[] = {
    {"GET", "/healthz", 0, NULL, NULL, NULL},
    {"HEAD", "/healthz", 0, NULL, NULL, NULL},
    {"POST", "/healthz", ROUTER_BAD_METHOD, NULL, NULL, "GET"},
    {"PUT", "/v1/sites/s1/articles/a-1", 1, "s1", "a-1", NULL},
    {"GET", "/v1/sites/s1/articles/a-1", 2, "s1", "a-1", NULL},
    {"DELETE", "/v1/sites/s1/articles/a-1", ROUTER_BAD_METHOD, NULL, NULL, "PUT, GET"},
    {"POST", "/v1/sites/news/comments", 3, "news", NULL, NULL},
    {"POST", "/v1/sites//comments", ROUTER_NOT_FOUND, NULL, NULL, NULL},
    {"POST", "/v1/sites/news/comments/", ROUTER_NOT_FOUND, NULL, NULL, NULL},
    {"POST", "/v1/sites/n/comments/c9/decision", 4, "n", "c9", NULL},
    {"GET", "/v1/sites/n/comments/c9/decision/x", ROUTER_NOT_FOUND, NULL, NULL, NULL},
    {"GET", "/review/app.js", 5, NULL, NULL, NULL},
    {"GET", "/review/", 5, NULL, NULL, NULL},
    {"GET", "/nope", ROUTER_NOT_FOUND, NULL, NULL, NULL},
    {"GET", "", ROUTER_NOT_FOUND, NULL, NULL, NULL},
    {"GET", "healthz", ROUTER_NOT_FOUND, NULL, NULL, NULL},
};

static void test_cases(void) {
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const rcase *c = &CASES[i];
        router_match m;
        int got = router_find(R, sizeof R / sizeof R[0], sizeof R[0], c->method, c->path, &m);
        if (got != c->want) fprintf(stderr, "  case %zu: %s %s -> %d want %d\n", i, c->method, c->path, got, c->want);
        CHECK(got == c->want);
        if (c->site) CHECK_STR(router_param(&m, "site"), c->site);
        if (c->id) CHECK_STR(router_param(&m, "id"), c->id);
        if (c->allow) CHECK_STR(m.allow, c->allow);
    }
}

static void test_long_segment_is_404(void) {
    char path[ROUTER_PARAM_LEN + 64];
    int n = snprintf(path, sizeof path, "/v1/sites/");
    for (int i = 0; i < ROUTER_PARAM_LEN + 10 && n < (int)sizeof path - 20; i++) path[n++] = 'x';
    snprintf(path + n, sizeof path - (size_t)n, "/comments");
    router_match m;
    CHECK(router_find(R, sizeof R / sizeof R[0], sizeof R[0], "POST", path, &m) == ROUTER_NOT_FOUND);
}

/* Rows that begin with a router_route and carry more, as the API's do. */
typedef struct wide_row {
    router_route route;
    int payload;
    char pad[40];
} wide_row;

static void test_wide_rows_are_read_through_their_route(void) {
    static const wide_row W[] = {
        {{"GET", "/a/{x}", "a_get"}, 10, ""},
        {{"PUT", "/a/{x}", "a_put"}, 20, ""},
        {{"POST", "/b", "b"}, 30, ""},
    };
    router_match m;
    CHECK(router_find(W, 3, sizeof W[0], "PUT", "/a/7", &m) == 1);
    CHECK_STR(router_param(&m, "x"), "7");
    CHECK(router_find(W, 3, sizeof W[0], "POST", "/b", &m) == 2);
    CHECK(router_find(W, 3, sizeof W[0], "DELETE", "/a/7", &m) == ROUTER_BAD_METHOD);
    CHECK_STR(m.allow, "GET, PUT");
    CHECK(router_find(W, 0, sizeof W[0], "GET", "/a/7", &m) == ROUTER_NOT_FOUND);
}

/* A concrete path for a pattern: "{name}" -> "v<name>", "*" -> "x". */
static void concrete(const char *pat, char *out, size_t cap) {
    size_t w = 0;
    for (const char *p = pat; *p && w + 8 < cap; p++) {
        if (*p == '{') {
            out[w++] = 'v';
            for (p++; *p && *p != '}' && w + 8 < cap; p++) out[w++] = *p;
        } else if (*p == '*') {
            out[w++] = 'x';
        } else {
            out[w++] = *p;
        }
    }
    out[w] = 0;
}

static int ident(const char *s) {
    if (!s || !*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* Every row of the service's table is reachable: its own method and a
 * path of its pattern find that very row (no earlier row shadows it). */
static void test_api_table_rows_are_each_reachable(void) {
    size_t n;
    const api_route *rt = api_routes(&n);
    CHECK(n > 0);
    for (size_t i = 0; i < n; i++) {
        char path[256];
        concrete(rt[i].route.pattern, path, sizeof path);
        router_match m;
        int got = router_find(rt, n, sizeof rt[0], rt[i].route.method, path, &m);
        if (got != (int)i)
            fprintf(stderr, "  row %zu: %s %s -> %d\n", i, rt[i].route.method, path, got);
        CHECK(got == (int)i);
        CHECK(rt[i].handler != NULL);
        CHECK(ident(rt[i].route.name));
    }
}

/* api_route_names() is the names column, row for row. */
static void test_api_route_names_are_the_tables(void) {
    size_t n, nn;
    const api_route *rt = api_routes(&n);
    const char *const *names = api_route_names(&nn);
    CHECK(nn == n);
    for (size_t i = 0; i < n && i < nn; i++) CHECK(names[i] == rt[i].route.name);
}

/* Probes, /metrics, the OpenAPI document and the review page are open
 * (never rate-limited); every /v1/ route but the Coral integration needs a
 * key; Perspective's needs a client key its handler finds itself. */
static void test_api_table_roles(void) {
    size_t n;
    const api_route *rt = api_routes(&n);
    for (size_t i = 0; i < n; i++) {
        const char *name = rt[i].route.name, *pat = rt[i].route.pattern;
        int open = strcmp(name, "healthz") == 0 || strcmp(name, "readyz") == 0 ||
                   strcmp(name, "metrics") == 0 || strcmp(name, "review_page") == 0 ||
                   strcmp(name, "openapi") == 0;
        CHECK((rt[i].role == API_ROLE_OPEN) == open);
        if (strncmp(pat, "/v1/", 4) == 0 && strcmp(name, "coral") != 0)
            CHECK(rt[i].role == API_ROLE_CLIENT || rt[i].role == API_ROLE_MODERATOR);
        if (strncmp(pat, "/v1/review", 10) == 0 || strcmp(pat, "/v1/audit") == 0)
            CHECK(rt[i].role == API_ROLE_MODERATOR);
        if (strcmp(name, "perspective") == 0) CHECK(rt[i].role == API_ROLE_CLIENT_OWN_KEY);
    }
}

int main(void) {
    UNIT_RUN(test_cases);
    UNIT_RUN(test_long_segment_is_404);
    UNIT_RUN(test_wide_rows_are_read_through_their_route);
    UNIT_RUN(test_api_table_rows_are_each_reachable);
    UNIT_RUN(test_api_route_names_are_the_tables);
    UNIT_RUN(test_api_table_roles);
    return unit_report("test_router");
}
