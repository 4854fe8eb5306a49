/* log.h - one leveled, structured (JSON line) log to stderr.
 *
 * Every line is a JSON object with ts, level and msg, plus request fields
 * for access lines. Thread-safe (one write(2) per line). Never pass secrets.
 */
#ifndef MODQ_LOG_H
#define MODQ_LOG_H

#include <stddef.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Set the minimum level from its name ("debug".."error"); unknown = info. */
void log_set_level(const char *name);

/* printf-style message; the text is JSON-escaped. */
void log_msg(log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One access line: method, path (query stripped), status, duration, remote,
 * an optional error code and the request id. Strings may be NULL. */
void log_access(const char *method, const char *path, int status,
                double ms, const char *remote, const char *err_code,
                const char *request_id);

/* Longest request id a line carries (the HTTP layer's X-Request-Id limit,
 * HTTP_REQID_MAX): what work handed to another thread copies. */
#define LOG_REQUEST_MAX 128

/* The request this thread is handling (borrowed: valid until cleared with
 * NULL): every log_msg line of the thread carries it as "request_id" until
 * then. The HTTP layer sets it around a handler; work carried on for a
 * request on another thread sets its copy there. */
void log_set_request(const char *request_id);
/* What log_set_request last gave this thread (borrowed), or NULL. */
const char *log_request(void);

/* Append s, JSON-escaped (no quotes), to buf of size n at *w. A byte that
 * is not part of well-formed UTF-8 is written as the text \\xHH. */
void log_json_escape(char *buf, size_t n, size_t *w, const char *s);

#define LOG(lv, ...) log_msg(LOG_##lv, __VA_ARGS__)

#endif
