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
/* The request id of the request this thread handles, or NULL. */
static __thread const char *cur_request;
static const char *names[] = {"debug", "info", "warn", "error"};

void log_set_level(const char *name) {
    for (int i = 0; i < 4; i++)
        if (name && strcmp(name, names[i]) == 0) min_level = i;
}

void log_set_request(const char *request_id) { cur_request = request_id; }

const char *log_request(void) { return cur_request; }

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, at most U+10FFFF), 0 when the byte at s does not
 * start one. */
static size_t utf8_seq(const unsigned char *s) {
    unsigned char c = s[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return n;
}

void log_json_escape(char *buf, size_t n, size_t *w, const char *s) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    while (p && *p && *w + 7 < n) {
        unsigned char c = *p;
        size_t len = utf8_seq(p);
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
        } else if (len == 0) {
            /* not UTF-8: the text \xHH, so the line stays valid JSON */
            buf[(*w)++] = '\\';
            buf[(*w)++] = '\\';
            buf[(*w)++] = 'x';
            buf[(*w)++] = hex[c >> 4];
            buf[(*w)++] = hex[c & 15];
        } else {
            memcpy(buf + *w, p, len); /* len <= 4 < the 7 bytes kept free */
            *w += len;
            p += len;
            continue;
        }
        p++;
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

/* ,"request_id":"<id>" when id is set. */
static void put_request(char *buf, size_t n, size_t *w, const char *id) {
    if (!id) return;
    put(buf, n, w, ",\"request_id\":\"");
    log_json_escape(buf, n, w, id);
    put(buf, n, w, "\"");
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
    put_request(buf, sizeof buf, &w, cur_request);
    emit(buf, sizeof buf, w);
}

void log_access(const char *method, const char *path, int status, double ms,
                const char *remote, const char *err_code, const char *request_id) {
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
    put_request(buf, sizeof buf, &w, request_id);
    emit(buf, sizeof buf, w);
}
