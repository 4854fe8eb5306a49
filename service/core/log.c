/* log.c - structured JSON-line logging to stderr.
 *
 * Owns the minimum level (set once at start-up, read by all threads). Each
 * line is built in a stack buffer and written with a single write(2) so
 * lines from different threads never interleave. Must never log secrets:
 * callers pass paths without query strings and never keys.
 */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048 /* longer lines are cut: logs are for humans */

static _Atomic int min_level = LOG_INFO; /* set again by a reload (SIGHUP) while others log */
static const char *names[] = {"debug", "info", "warn", "error"};

void log_set_level(const char *name) {
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, names[i]) == 0) min_level = i;
}

void log_json_escape(char *buf, size_t n, size_t *w, const char *s) {
    static const char hex[] = "0123456789abcdef";
    for (; s && *s && *w + 7 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[(*w)++] = '\\';
            buf[(*w)++] = (char)c;
        } else if (c < 0x20) {
            buf[(*w)++] = '\\';
            buf[(*w)++] = 'u';
            buf[(*w)++] = '0';
            buf[(*w)++] = '0';
            buf[(*w)++] = hex[c >> 4];
            buf[(*w)++] = hex[c & 15];
        } else {
            buf[(*w)++] = (char)c;
        }
    }
    buf[*w < n ? *w : n - 1] = 0;
}

static void put(char *buf, size_t n, size_t *w, const char *s) {
    if (*w + 1 >= n) return;
    size_t l = strlen(s);
    if (*w + l >= n) l = n - 1 - *w;
    memcpy(buf + *w, s, l);
    *w += l;
    buf[*w] = 0;
}

static void stamp(char *buf, size_t n, size_t *w, log_level lv) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char t[64];
    snprintf(t, sizeof t, "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    put(buf, n, w, t);
    put(buf, n, w, "\"level\":\"");
    put(buf, n, w, names[lv]);
    put(buf, n, w, "\",");
}

static void emit(char *buf, size_t n, size_t w) {
    if (w > n - 3) w = n - 3;
    buf[w++] = '}';
    buf[w++] = '\n';
    ssize_t r = write(2, buf, w);
    (void)r;
}

void log_msg(log_level lv, const char *fmt, ...) {
    if ((int)lv < min_level) return;
    char msg[LOG_LINE_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char buf[LOG_LINE_MAX];
    size_t w = 0;
    stamp(buf, sizeof buf, &w, lv);
    put(buf, sizeof buf, &w, "\"msg\":\"");
    log_json_escape(buf, sizeof buf, &w, msg);
    put(buf, sizeof buf, &w, "\"");
    emit(buf, sizeof buf, w);
}

void log_access(const char *method, const char *path, int status, double ms,
                const char *remote, const char *err_code) {
    if (LOG_INFO < min_level) return;
    char buf[LOG_LINE_MAX];
    size_t w = 0;
    stamp(buf, sizeof buf, &w, LOG_INFO);
    put(buf, sizeof buf, &w, "\"msg\":\"request\",\"method\":\"");
    log_json_escape(buf, sizeof buf, &w, method ? method : "");
    put(buf, sizeof buf, &w, "\",\"path\":\"");
    log_json_escape(buf, sizeof buf, &w, path ? path : "");
    char num[96];
    snprintf(num, sizeof num, "\",\"status\":%d,\"ms\":%.3f,\"remote\":\"", status, ms);
    put(buf, sizeof buf, &w, num);
    log_json_escape(buf, sizeof buf, &w, remote ? remote : "");
    put(buf, sizeof buf, &w, "\"");
    if (err_code) {
        put(buf, sizeof buf, &w, ",\"error\":\"");
        log_json_escape(buf, sizeof buf, &w, err_code);
        put(buf, sizeof buf, &w, "\"");
    }
    emit(buf, sizeof buf, w);
}
