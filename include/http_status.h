/* http_status.h - the statuses modq answers with and its error codes: one table.
 *
 * HTTP_STATUSES lists every status the service sends (handlers and the HTTP
 * layer's own early answers), with its reason phrase. HTTP_ERRORS lists the
 * well-known codes of the JSON error shape
 * {"error":{"code":"...","message":"...","field":"..."?}} with the status
 * each goes with. Both are X-macro lists in the manner of lwan's
 * lwan-http-status.h, read through the functions below (http_status.c) so
 * that no one repeats their strings: the HTTP layer answers its early
 * errors from HTTP_ERRORS (http.c), the API gives the access log the
 * static copy of a well-known code (api_error), main.c hands the statuses
 * to the metrics as their status labels. Adding a status or a code is
 * adding a row; a code that is not here is logged as "error".
 */
#ifndef MODQ_HTTP_STATUS_H
#define MODQ_HTTP_STATUS_H

#include <stddef.h>

/* X(status, NAME, "Reason Phrase") */
#define HTTP_STATUSES(X)                                        \
    X(200, OK, "OK")                                            \
    X(201, CREATED, "Created")                                  \
    X(204, NO_CONTENT, "No Content")                            \
    X(308, PERMANENT_REDIRECT, "Permanent Redirect")            \
    X(400, BAD_REQUEST, "Bad Request")                          \
    X(401, UNAUTHORIZED, "Unauthorized")                        \
    X(403, FORBIDDEN, "Forbidden")                              \
    X(404, NOT_FOUND, "Not Found")                              \
    X(405, METHOD_NOT_ALLOWED, "Method Not Allowed")            \
    X(409, CONFLICT, "Conflict")                                \
    X(413, CONTENT_TOO_LARGE, "Content Too Large")              \
    X(414, URI_TOO_LONG, "URI Too Long")                        \
    X(415, UNSUPPORTED_MEDIA_TYPE, "Unsupported Media Type")    \
    X(422, UNPROCESSABLE_CONTENT, "Unprocessable Content")      \
    X(429, TOO_MANY_REQUESTS, "Too Many Requests")              \
    X(431, HEADER_FIELDS_TOO_LARGE, "Request Header Fields Too Large") \
    X(500, INTERNAL_SERVER_ERROR, "Internal Server Error")      \
    X(501, NOT_IMPLEMENTED, "Not Implemented")                  \
    X(503, SERVICE_UNAVAILABLE, "Service Unavailable")

/* X(NAME, status, "code"): the codes the API and the HTTP layer answer
 * with under their usual status. */
#define HTTP_ERRORS(X)                                          \
    X(UNAUTHORIZED, 401, "unauthorized")                        \
    X(FORBIDDEN, 403, "forbidden")                              \
    X(NOT_FOUND, 404, "not_found")                              \
    X(METHOD_NOT_ALLOWED, 405, "method_not_allowed")            \
    X(MALFORMED_JSON, 400, "malformed_json")                    \
    X(UNSUPPORTED_MEDIA_TYPE, 415, "unsupported_media_type")    \
    X(REDIS_UNAVAILABLE, 503, "redis_unavailable")              \
    X(INVALID_FIELD, 422, "invalid_field")                      \
    X(MISSING_FIELD, 422, "missing_field")                      \
    X(INVALID_UTF8, 422, "invalid_utf8")                        \
    X(CONFLICT, 409, "conflict")                                \
    X(RATE_LIMITED, 429, "rate_limited")                        \
    X(INTERNAL, 500, "internal")                                \
    X(BODY_TOO_LARGE, 413, "body_too_large")                    \
    X(HEADER_TOO_LARGE, 431, "header_too_large")                \
    X(TOO_MANY_CONNECTIONS, 503, "too_many_connections")        \
    X(BAD_FRAMING, 400, "bad_framing")                          \
    X(BAD_TARGET, 400, "bad_target")                            \
    X(TOO_MANY_QUERY_ARGUMENTS, 414, "too_many_query_arguments") \
    X(UNSUPPORTED_TRANSFER_CODING, 501, "unsupported_transfer_coding")

/* HTTP_STATUS_OK = 200, ... */
#define HTTP_STATUS_ENUM_(status, name, reason) HTTP_STATUS_##name = status,
enum { HTTP_STATUSES(HTTP_STATUS_ENUM_) };
#undef HTTP_STATUS_ENUM_

/* HTTP_E_UNAUTHORIZED = 0, ...: row numbers of HTTP_ERRORS */
#define HTTP_ERROR_ENUM_(name, status, code) HTTP_E_##name,
enum { HTTP_ERRORS(HTTP_ERROR_ENUM_) HTTP_E_COUNT };
#undef HTTP_ERROR_ENUM_

/* Reason phrase of a listed status (e.g. "Not Found"), NULL for any other.
 * Static string. */
const char *http_status_reason(int status);

/* The listed statuses, ascending (borrowed, static); *n gets their number. */
const int *http_status_list(size_t *n);

/* Code and status of HTTP_ERRORS row e (HTTP_E_*, asserted in range).
 * The code is a static string. */
const char *http_status_error_code(int e);
int http_status_error_status(int e);

/* The static copy of code when HTTP_ERRORS lists it, else NULL. */
const char *http_status_error_find(const char *code);

#endif
