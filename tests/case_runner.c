/* case_runner.c - data-driven analysis cases: tests/cases/<name>/{input,expected}.json.
 *
 * Each case directory holds input.json (comment, optional article, thread,
 * duplicate candidates, flood count, config lists) and expected.json
 * (status or status_in, flags that must appear, absent_flags that must
 * not). The runner builds an engine per case, mimics the Redis look-ups
 * (a duplicate candidate is offered only when its exact hash or an LSH band
 * key matches), scores, and prints "ok <name>" or "FAIL <name>: why", then
 * "cases: N passed, N failed". Usage: case_runner DIR [-v]. Exit 1 on any
 * failure. A test program: it may use jansson and the file system directly.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* Lists in a case (tags, thread texts, words): small by construction. */
#define CASE_MAX_LIST 64

typedef struct str_list {
    const char *v[CASE_MAX_LIST + 1];
    size_t n;
} str_list;

static void read_list(json_t *arr, str_list *out) {
    out->n = 0;
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        if (json_is_string(x) && out->n < CASE_MAX_LIST)
            out->v[out->n++] = json_string_value(x);
    }
    out->v[out->n] = NULL;
}

static const char *jstr(json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

static int has_flag(const engine_verdict *v, const char *code) {
    for (size_t i = 0; i < v->nflags; i++)
        if (strcmp(v->flags[i].code, code) == 0)
            return 1;
    return 0;
}

static void describe(const engine_verdict *v, char *buf, size_t n) {
    int w = snprintf(buf, n, "got %s score=%.2f rel=%.2f flags=[",
                     engine_status_name(v->status), v->score, v->relevance);
    for (size_t i = 0; i < v->nflags && w > 0 && (size_t)w < n; i++)
        w += snprintf(buf + w, n - (size_t)w, "%s%s:%.2f", i ? " " : "",
                      v->flags[i].code, v->flags[i].score);
    if (w > 0 && (size_t)w < n)
        snprintf(buf + w, n - (size_t)w, "]");
}

/* Runs one case. Returns 1 passed, 0 failed (reason in why). */
static int run_case(const char *dir, int verbose, char *why, size_t wn) {
    char path[4096];
    json_error_t jerr;
    int ok = 0;
    snprintf(path, sizeof path, "%s/input.json", dir);
    json_t *in = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    snprintf(path, sizeof path, "%s/expected.json", dir);
    json_t *ex = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    engine *e = NULL;
    engine_session *s = NULL;
    engine_features *f = NULL;
    engine_features *df[CASE_MAX_LIST] = {0};
    size_t ndf = 0;
    if (!in || !ex) {
        snprintf(why, wn, "cannot parse json: %s", jerr.text);
        goto done;
    }
    json_t *cfgj = json_object_get(in, "config");
    str_list banned, suspect, allow, block;
    read_list(json_object_get(cfgj, "banned_words"), &banned);
    read_list(json_object_get(cfgj, "suspect_words"), &suspect);
    read_list(json_object_get(cfgj, "domain_allow"), &allow);
    read_list(json_object_get(cfgj, "domain_block"), &block);
    engine_config cfg;
    engine_config_defaults(&cfg);
    cfg.banned_words = banned.v;
    cfg.suspect_words = suspect.v;
    cfg.domain_allow = allow.v;
    cfg.domain_block = block.v;
    engine_error err = {0};
    e = engine_new(&cfg, &err);
    s = e ? engine_session_new(e) : NULL;
    if (!s) {
        snprintf(why, wn, "engine_new: %s", err.text);
        goto done;
    }
    json_t *cj = json_object_get(in, "comment"), *au = json_object_get(cj, "author");
    engine_comment c = {.text = jstr(cj, "text"),
                        .author_name = jstr(au, "name"),
                        .author_email = jstr(au, "email"),
                        .author_url = jstr(au, "url"),
                        .author_ip = jstr(au, "ip")};
    /* comment.text_hex: raw bytes JSON cannot carry (invalid UTF-8) */
    char raw[1024];
    const char *hex = jstr(cj, "text_hex");
    size_t rawn = 0;
    for (; hex && hex[0] && hex[1] && rawn + 1 < sizeof raw; hex += 2) {
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            break;
        raw[rawn++] = (char)v;
    }
    raw[rawn] = '\0';
    if (rawn)
        c.text = raw;
    if (!c.text) {
        snprintf(why, wn, "input.json: comment.text missing");
        goto done;
    }
    c.text_len = rawn ? rawn : strlen(c.text);
    if (engine_prepare(s, &c, &f, &err) < 0) {
        const char *want = jstr(ex, "error");
        ok = want && ((strcmp(want, "invalid_utf8") == 0 &&
                       err.code == ENGINE_E_INVALID_UTF8) ||
                      (strcmp(want, "too_long") == 0 &&
                       err.code == ENGINE_E_TOO_LONG));
        snprintf(why, wn, "engine_prepare failed: %s (%s)", err.text, err.field);
        goto done;
    }
    if (jstr(ex, "error")) {
        snprintf(why, wn, "expected error %s, prepare succeeded", jstr(ex, "error"));
        goto done;
    }
    char akey[256];
    engine_author_key(&c, akey, sizeof akey);
    engine_context ctx = {.author_key = akey, .learned_spam_prob = -1};

    json_t *aj = json_object_get(in, "article");
    str_list tags;
    read_list(json_object_get(aj, "tags"), &tags);
    engine_article art = {.title = jstr(aj, "title"), .body = jstr(aj, "body"),
                          .url = jstr(aj, "url"),
                          .tags = tags.v, .ntags = tags.n};
    if (aj)
        ctx.article = &art;
    str_list thread;
    read_list(json_object_get(in, "thread"), &thread);
    ctx.thread_texts = thread.v;
    ctx.nthread = thread.n;

    engine_dup_match dups[CASE_MAX_LIST];
    size_t nd = 0, i;
    json_t *dj;
    json_array_foreach(json_object_get(in, "dups"), i, dj) {
        if (ndf >= CASE_MAX_LIST)
            break;
        engine_comment o = {.text = jstr(dj, "text")};
        if (!o.text)
            continue;
        o.text_len = strlen(o.text);
        if (engine_prepare(s, &o, &df[ndf], &err) < 0)
            continue;
        engine_features *g = df[ndf++];
        int exact = g->exact_hash == f->exact_hash, band = 0;
        for (int b = 0; b < ENGINE_LSH_BANDS; b++)
            band |= g->has_minhash && f->has_minhash && g->band[b] == f->band[b];
        if (!exact && !band)
            continue; /* Redis would not have returned it */
        engine_dup_match *m = &dups[nd++];
        memset(m, 0, sizeof *m);
        m->comment_id = jstr(dj, "id");
        m->author_key = jstr(dj, "author_key");
        memcpy(m->minhash, g->minhash, sizeof m->minhash);
        m->exact = exact;
    }
    ctx.dups = dups;
    ctx.ndups = nd;
    json_t *fc = json_object_get(in, "flood_count");
    if (json_is_integer(fc))
        ctx.flood_count = (unsigned)json_integer_value(fc);
    json_t *lp = json_object_get(in, "learned_spam_prob");
    if (json_is_number(lp))
        ctx.learned_spam_prob = json_number_value(lp);
    json_t *rep = json_object_get(in, "reputation");
    if (json_is_number(rep))
        ctx.reputation = json_number_value(rep);
    ctx.reputation_detail = jstr(in, "reputation_detail");

    engine_verdict v;
    engine_score(s, f, &c, &ctx, &v);
    char got[1024];
    describe(&v, got, sizeof got);
    if (verbose) {
        printf("  %s\n", got);
        for (size_t k = 0; k < v.nflags; k++)
            printf("    %s %.2f: %s [%s]\n", v.flags[k].code, v.flags[k].score,
                   v.flags[k].detail, v.flags[k].evidence);
    }
    const char *st = engine_status_name(v.status);
    const char *want = jstr(ex, "status");
    json_t *win = json_object_get(ex, "status_in");
    if (want && strcmp(want, st) != 0) {
        snprintf(why, wn, "want status %s, %s", want, got);
        goto done;
    }
    if (win) {
        int any = 0;
        json_array_foreach(win, i, dj) {
            any |= json_is_string(dj) && strcmp(json_string_value(dj), st) == 0;
        }
        if (!any) {
            snprintf(why, wn, "status not in status_in, %s", got);
            goto done;
        }
    }
    json_array_foreach(json_object_get(ex, "flags"), i, dj) {
        if (!has_flag(&v, json_string_value(dj))) {
            snprintf(why, wn, "missing flag %s, %s", json_string_value(dj), got);
            goto done;
        }
    }
    json_array_foreach(json_object_get(ex, "absent_flags"), i, dj) {
        if (has_flag(&v, json_string_value(dj))) {
            snprintf(why, wn, "unexpected flag %s, %s", json_string_value(dj), got);
            goto done;
        }
    }
    json_t *rmin = json_object_get(ex, "relevance_min");
    json_t *rmax = json_object_get(ex, "relevance_max");
    if ((rmin && v.relevance < json_number_value(rmin)) ||
        (rmax && v.relevance > json_number_value(rmax))) {
        snprintf(why, wn, "relevance out of range, %s", got);
        goto done;
    }
    ok = 1;
done:
    for (size_t k = 0; k < ndf; k++)
        engine_features_free(df[k]);
    engine_features_free(f);
    engine_session_free(s);
    engine_free(e);
    json_decref(in);
    json_decref(ex);
    return ok;
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s CASES_DIR [-v]\n", argv[0]);
        return 2;
    }
    int verbose = argc > 2 && strcmp(argv[2], "-v") == 0;
    DIR *d = opendir(argv[1]);
    if (!d) {
        perror(argv[1]);
        return 2;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                return 2;
            names = nn;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_name);
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        char dir[2048], why[1200] = "";
        snprintf(dir, sizeof dir, "%s/%s", argv[1], names[i]);
        if (run_case(dir, verbose, why, sizeof why)) {
            passed++;
            printf("ok %s\n", names[i]);
        } else {
            failed++;
            printf("FAIL %s: %s\n", names[i], why);
        }
        free(names[i]);
    }
    free(names);
    printf("cases: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
