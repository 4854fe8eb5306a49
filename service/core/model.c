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
    for (size_t i = 0; i < c->nhistory; i++) free(c->history[i].flags);
    free(c->history);
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

/* ============================================================ settings */

static void setting_list_free(model_setting_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

void model_settings_free(model_settings *s) {
    if (!s) return;
    setting_list_free(&s->banned_words);
    setting_list_free(&s->suspect_words);
    setting_list_free(&s->domain_allow);
    setting_list_free(&s->domain_block);
    memset(s, 0, sizeof *s);
}

/* base's list as patch says. 0, or -1 out of memory. */
static int list_apply(model_setting_list *base, const model_setting_list *patch) {
    if (patch->set == MODEL_UNSET) return 0;
    setting_list_free(base);
    if (patch->set == MODEL_RESET) return 0;
    base->items = calloc(patch->n + 1, sizeof *base->items);
    if (!base->items) return -1;
    base->set = MODEL_SET;
    for (; base->n < patch->n; base->n++)
        if (!(base->items[base->n] = strdup(patch->items[base->n]))) return -1;
    return 0;
}

/* One value of base as patch says (set is the value's state). */
#define SETTING_APPLY(bset, bval, pset, pval)                                  \
    do {                                                                       \
        if ((pset) == MODEL_SET) {                                             \
            (bset) = MODEL_SET;                                                \
            (bval) = (pval);                                                   \
        } else if ((pset) == MODEL_RESET) {                                    \
            (bset) = MODEL_UNSET;                                              \
        }                                                                      \
    } while (0)

int model_settings_apply(model_settings *base, const model_settings *patch) {
    SETTING_APPLY(base->pending_set, base->pending, patch->pending_set, patch->pending);
    SETTING_APPLY(base->rejected_set, base->rejected, patch->rejected_set, patch->rejected);
    if (list_apply(&base->banned_words, &patch->banned_words) < 0 ||
        list_apply(&base->suspect_words, &patch->suspect_words) < 0 ||
        list_apply(&base->domain_allow, &patch->domain_allow) < 0 ||
        list_apply(&base->domain_block, &patch->domain_block) < 0)
        return -1;
    SETTING_APPLY(base->flood_max_set, base->flood_max, patch->flood_max_set, patch->flood_max);
    SETTING_APPLY(base->flood_window_set, base->flood_window, patch->flood_window_set,
                  patch->flood_window);
    if (patch->detectors_reset) base->ndet = 0;
    for (size_t i = 0; i < patch->ndet; i++) {
        const model_setting_detector *p = &patch->det[i];
        size_t k = 0;
        while (k < base->ndet && strcmp(base->det[k].code, p->code) != 0) k++;
        if (k == base->ndet) {
            if (k == MODEL_MAX_SETTING_DETECTORS) return -1;
            memset(&base->det[k], 0, sizeof base->det[k]);
            memcpy(base->det[k].code, p->code, sizeof p->code);
            base->ndet++;
        }
        model_setting_detector *d = &base->det[k];
        SETTING_APPLY(d->weight_set, d->weight, p->weight_set, p->weight);
        SETTING_APPLY(d->enabled_set, d->enabled, p->enabled_set, p->enabled);
        if (d->weight_set == MODEL_UNSET && d->enabled_set == MODEL_UNSET) {
            base->det[k] = base->det[--base->ndet]; /* nothing left of it */
        }
    }
    SETTING_APPLY(base->learning_set, base->learning, patch->learning_set, patch->learning);
    SETTING_APPLY(base->severe_set, base->abuse_severe_rejects, patch->severe_set,
                  patch->abuse_severe_rejects);
    if (patch->coral_secret_set == MODEL_SET) {
        base->coral_secret_set = MODEL_SET;
        memcpy(base->coral_secret, patch->coral_secret, sizeof base->coral_secret);
    } else if (patch->coral_secret_set == MODEL_RESET) {
        base->coral_secret_set = MODEL_UNSET;
        memset(base->coral_secret, 0, sizeof base->coral_secret);
    }
    return 0;
}

int model_settings_empty(const model_settings *s) {
    return !s->pending_set && !s->rejected_set && !s->banned_words.set &&
           !s->suspect_words.set && !s->domain_allow.set && !s->domain_block.set &&
           !s->flood_max_set && !s->flood_window_set && s->ndet == 0 && !s->learning_set &&
           !s->severe_set && !s->coral_secret_set;
}
