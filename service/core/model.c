/* model.c - freeing and small helpers for the stored records.
 *
 * Owns nothing beyond the structs handed to it; never does I/O except
 * reading the kernel's random source for ids.
 */
#include "model.h"

#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static void free_list(char **l, size_t n) {
    for (size_t i = 0; i < n; i++) free(l[i]);
    free(l);
}

void model_article_free(model_article *a) {
    if (!a) return;
    free(a->site);
    free(a->id);
    free(a->title);
    free(a->body);
    free(a->url);
    free_list(a->tags, a->ntags);
    free_list(a->terms, a->nterms);
    memset(a, 0, sizeof *a);
}

void model_comment_free(model_comment *c) {
    if (!c) return;
    free(c->id);
    free(c->site);
    free(c->article_id);
    free(c->text);
    free(c->parent_id);
    free(c->created_at);
    free(c->author.name);
    free(c->author.email);
    free(c->author.url);
    free(c->author.ip);
    free(c->author.user_agent);
    free(c->decided_by);
    free(c->decision_reason);
    free(c->decision_note);
    model_comment_init(c);
}

void model_comment_init(model_comment *c) {
    /* everything but the flags past nflags (0): 13 KB of a 14 KB struct,
     * cleared several times per request before */
    memset(c, 0, offsetof(model_comment, flags));
    memset((char *)c + offsetof(model_comment, received_ms), 0,
           sizeof *c - offsetof(model_comment, received_ms));
}

int model_valid_ident(const char *s, size_t max) {
    if (!s || !*s) return 0;
    size_t n = 0;
    for (; *s; s++, n++) {
        unsigned char ch = (unsigned char)*s;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
                 ch == '-' || ch == ':';
        if (!ok || n >= max) return 0;
    }
    return 1;
}

void model_new_id(char *out) {
    unsigned char r[16];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        /* fall back to time + address entropy; ids need uniqueness only */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        unsigned long long x = (unsigned long long)t.tv_nsec ^
                               ((unsigned long long)t.tv_sec << 20) ^
                               (unsigned long long)(uintptr_t)out;
        for (size_t i = 0; i < sizeof r; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            r[i] = (unsigned char)(x >> 56);
        }
    }
    for (size_t i = 0; i < sizeof r; i++) sprintf(out + 2 * i, "%02x", r[i]);
}
