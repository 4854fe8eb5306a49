/* test_router.c - route matching, captures, 404 vs 405, as a case table. */
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

int main(void) {
    UNIT_RUN(test_cases);
    UNIT_RUN(test_long_segment_is_404);
    return unit_report("test_router");
}
