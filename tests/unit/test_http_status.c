/* test_http_status.c - the status and error-code table is consistent:
 * distinct ascending statuses with reason phrases, distinct snake_case
 * codes, each with a listed status. */
#include "http.h"
#include "http_status.h"
#include "unit.h"

#define ROW_STATUS_(status, name, reason) status,
static const int STATUSES[] = {HTTP_STATUSES(ROW_STATUS_)};
#define ROW_ERROR_(name, status, code) {status, code},
static const struct {
    int status;
    const char *code;
} ERRORS[] = {HTTP_ERRORS(ROW_ERROR_)};
#define NSTATUS (sizeof STATUSES / sizeof STATUSES[0])
#define NERRORS (sizeof ERRORS / sizeof ERRORS[0])

static void test_reason_phrases(void) {
    CHECK_STR(http_status_reason(200), "OK");
    CHECK_STR(http_status_reason(404), "Not Found");
    CHECK_STR(http_status_reason(422), "Unprocessable Content");
    CHECK_STR(http_status_reason(HTTP_STATUS_SERVICE_UNAVAILABLE), "Service Unavailable");
    CHECK(http_status_reason(299) == NULL);
    CHECK(http_status_reason(0) == NULL);
    for (size_t i = 0; i < NSTATUS; i++) {
        const char *r = http_status_reason(STATUSES[i]);
        CHECK(r != NULL && *r);
    }
}

static void test_statuses_are_distinct_and_ascending(void) {
    for (size_t i = 1; i < NSTATUS; i++) CHECK(STATUSES[i - 1] < STATUSES[i]);
}

static void test_every_error_goes_with_a_listed_status(void) {
    for (size_t i = 0; i < NERRORS; i++) {
        CHECK(http_status_reason(ERRORS[i].status) != NULL);
        CHECK(ERRORS[i].status >= 400);
    }
    CHECK(NERRORS == HTTP_E_COUNT);
    CHECK(ERRORS[HTTP_E_BODY_TOO_LARGE].status == HTTP_STATUS_CONTENT_TOO_LARGE);
    CHECK_STR(ERRORS[HTTP_E_BODY_TOO_LARGE].code, "body_too_large");
    CHECK_STR(ERRORS[HTTP_E_UNAUTHORIZED].code, "unauthorized");
}

static void test_error_codes_are_distinct_snake_case(void) {
    for (size_t i = 0; i < NERRORS; i++) {
        const char *c = ERRORS[i].code;
        CHECK(*c != 0);
        for (const char *p = c; *p; p++)
            CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_');
        for (size_t j = 0; j < i; j++) CHECK(strcmp(ERRORS[j].code, c) != 0);
    }
}

int main(void) {
    UNIT_RUN(test_reason_phrases);
    UNIT_RUN(test_statuses_are_distinct_and_ascending);
    UNIT_RUN(test_every_error_goes_with_a_listed_status);
    UNIT_RUN(test_error_codes_are_distinct_snake_case);
    return unit_report("test_http_status");
}
