/* http_status.c - lookups in the status and error-code table (http_status.h).
 *
 * Owns the arrays the X-macro lists expand to, built at compile time, and
 * the lookups over them. Pure: no allocation, no state beyond constants,
 * safe from any thread. Never decides which status an answer gets: the
 * HTTP layer and the handlers do.
 */
#include "http_status.h"

#include <assert.h>
#include <string.h>

#define HTTP_STATUS_NUM_(status, name, reason) status,
static const int STATUSES[] = {HTTP_STATUSES(HTTP_STATUS_NUM_)};
#undef HTTP_STATUS_NUM_
#define HTTP_NSTATUSES (sizeof STATUSES / sizeof STATUSES[0])

#define HTTP_STATUS_REASON_(status, name, reason) reason,
static const char *const REASONS[] = {HTTP_STATUSES(HTTP_STATUS_REASON_)};
#undef HTTP_STATUS_REASON_

static const struct {
    int status;
    const char *code;
} ERRORS[] = {
#define HTTP_ERROR_ROW_(name, status, code) {status, code},
    HTTP_ERRORS(HTTP_ERROR_ROW_)
#undef HTTP_ERROR_ROW_
};
#define HTTP_NERRORS (sizeof ERRORS / sizeof ERRORS[0])

_Static_assert(HTTP_NERRORS == HTTP_E_COUNT, "one HTTP_E_* per row");

const char *http_status_reason(int status) {
    for (size_t i = 0; i < HTTP_NSTATUSES; i++)
        if (STATUSES[i] == status) return REASONS[i];
    return NULL;
}

const int *http_status_list(size_t *n) {
    *n = HTTP_NSTATUSES;
    return STATUSES;
}

const char *http_status_error_code(int e) {
    assert(e >= 0 && e < HTTP_E_COUNT);
    return ERRORS[e].code;
}

int http_status_error_status(int e) {
    assert(e >= 0 && e < HTTP_E_COUNT);
    return ERRORS[e].status;
}

const char *http_status_error_find(const char *code) {
    for (size_t i = 0; code && i < HTTP_NERRORS; i++)
        if (strcmp(ERRORS[i].code, code) == 0) return ERRORS[i].code;
    return NULL;
}
