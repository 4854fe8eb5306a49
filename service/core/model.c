/* model.c - freeing and small helpers for the stored records.
 *
 * Owns nothing beyond the structs handed to it; never does I/O except
 * reading the kernel's random source for ids.
 */
#include "model.h"

#include "span.h"

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
    for (size_t i = 0; i < c->nflags; i++) {
        free(c->flags[i].detail);
        free(c->flags[i].evidence);
    }
    model_comment_init(c);
}

void model_comment_init(model_comment *c) { memset(c, 0, sizeof *c); }

static char *dup_or_null(const char *s) { return s && *s ? strdup(s) : NULL; }

int model_comment_add_flag(model_comment *c, const char *code, double score,
                           const char *detail, const char *evidence) {
    if (c->nflags >= MODEL_MAX_FLAGS) return -1;
    model_flag *f = &c->flags[c->nflags];
    snprintf(f->code, sizeof f->code, "%s", code ? code : "");
    f->score = score;
    f->detail = dup_or_null(detail);
    f->evidence = dup_or_null(evidence);
    if ((detail && *detail && !f->detail) || (evidence && *evidence && !f->evidence)) {
        free(f->detail);
        free(f->evidence);
        return -1;
    }
    c->nflags++;
    return 0;
}

void model_flag_locate(model_flag *f, const char *text) {
    f->nspans = 0;
    if (!f->evidence || !text) return;
    span_list sp;
    sp.n = 0;
    span_locate(text, strlen(text), f->evidence, strlen(f->evidence), f->score, &sp);
    span_sort(&sp);
    size_t at = 0, cp = 0; /* code points counted up to byte at */
    for (size_t k = 0; k < sp.n && f->nspans < MODEL_FLAG_SPANS; k++) {
        cp += span_code_points(text + at, sp.s[k].begin - at);
        at = sp.s[k].begin;
        size_t end = cp + span_code_points(text + at, sp.s[k].end - at);
        f->span[f->nspans][0] = (uint32_t)cp;
        f->span[f->nspans][1] = (uint32_t)end;
        f->nspans++;
    }
}

const char *model_status_name(model_status s) {
    switch (s) {
    case MODEL_APPROVED: return "approved";
    case MODEL_PENDING: return "pending";
    case MODEL_REJECTED: return "rejected";
    }
    return "unknown";
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
