/* test_http_status.c - the status and error-code table is consistent:
 * distinct ascending statuses with reason phrases, distinct snake_case
 * codes, each with a listed status; the lookups over it. */
#include "http_status.h"
#include "unit.h"

static void test_reason_phrases(void) {
    CHECK_STR(http_status_reason(200), "OK");
    CHECK_STR(http_status_reason(404), "Not Found");
    CHECK_STR(http_status_reason(422), "Unprocessable Content");
    CHECK_STR(http_status_reason(HTTP_STATUS_SERVICE_UNAVAILABLE), "Service Unavailable");
    CHECK(http_status_reason(299) == NULL);
    CHECK(http_status_reason(0) == NULL);
}

static void test_status_list_is_ascending_with_reasons(void) {
    size_t n;
    const int *st = http_status_list(&n);
    CHECK(n > 0);
    for (size_t i = 0; i < n; i++) {
        const char *r = http_status_reason(st[i]);
        CHECK(r != NULL && *r);
        if (i) CHECK(st[i - 1] < st[i]);
    }
}

static void test_every_error_goes_with_a_listed_status(void) {
    for (int e = 0; e < HTTP_E_COUNT; e++) {
        CHECK(http_status_reason(http_status_error_status(e)) != NULL);
        CHECK(http_status_error_status(e) >= 400);
    }
    CHECK(http_status_error_status(HTTP_E_BODY_TOO_LARGE) == HTTP_STATUS_CONTENT_TOO_LARGE);
    CHECK_STR(http_status_error_code(HTTP_E_BODY_TOO_LARGE), "body_too_large");
    CHECK_STR(http_status_error_code(HTTP_E_UNAUTHORIZED), "unauthorized");
}

static void test_error_codes_are_distinct_snake_case(void) {
    for (int e = 0; e < HTTP_E_COUNT; e++) {
        const char *c = http_status_error_code(e);
        CHECK(*c != 0);
        for (const char *p = c; *p; p++)
            CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
        for (int f = 0; f < e; f++) CHECK(strcmp(http_status_error_code(f), c) != 0);
    }
}

/* find returns the table's own copy, so it outlives the caller's buffer. */
static void test_find_returns_the_static_copy(void) {
    char buf[32];
    snprintf(buf, sizeof buf, "%s", "forbidden");
    const char *k = http_status_error_find(buf);
    CHECK(k == http_status_error_code(HTTP_E_FORBIDDEN));
    CHECK(http_status_error_find("already_decided") == NULL);
    CHECK(http_status_error_find("") == NULL);
    CHECK(http_status_error_find(NULL) == NULL);
}

int main(void) {
    UNIT_RUN(test_reason_phrases);
    UNIT_RUN(test_status_list_is_ascending_with_reasons);
    UNIT_RUN(test_every_error_goes_with_a_listed_status);
    UNIT_RUN(test_error_codes_are_distinct_snake_case);
    UNIT_RUN(test_find_returns_the_static_copy);
    return unit_report("test_http_status");
}
