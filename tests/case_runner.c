/* case_runner.c - data-driven analysis cases: tests/cases/<name>/{input,expected}.json.
 *
 * Each case directory holds input.json (the comment, optional article,
 * thread, duplicate candidates, flood count, classifier and reputation
 * inputs, config lists) and expected.json (the exact status or a set of
 * statuses, the exact set of flags or flags that must / must not appear, a
 * score band, a relevance range, or a prepare error). An article is either
 * written out or names a shared fixture, "article": "@name", which loads
 * <cases>/../fixtures/articles/<name>.json. Every object's keys are
 * checked against the schema below: an unknown key (a typo) fails the case
 * with a message naming it, as does a flag code no detector has.
 *
 * The runner builds an engine per case, offers a duplicate candidate only
 * when the store would (engine_dup_candidate), scores, and prints
 * "ok <name>" or "FAIL <name>: why", then "cases: N passed, N failed".
 * With --reject every case must fail, for the reason its reject.txt names
 * (tests/fixtures/rejected_cases: the checks above, tested).
 * Usage: case_runner CASES_DIR [-v] [--fixtures DIR] [--reject]. Exit 1 on
 * any failure. A test program: it may use jansson and the file system
 * directly, and never touches Redis.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* Lists in a case (tags, thread texts, words, flags): small by construction. */
#define CASE_MAX_LIST 64
/* comment.text_hex: a few invalid byte sequences, never a long text. */
#define CASE_MAX_RAW 1024
/* A fixture name: a file name stem, [a-z0-9_-]. */
#define CASE_FIXTURE_NAME_MAX 64
#define CASE_PATH_MAX 4096
#define CASE_WHY_LEN 1200

/* ------------------------------------------------------------------------ */
/* Schema: the keys each object of a case may hold                          */
/* ------------------------------------------------------------------------ */

static const char *const input_keys[] = {
    "comment", "article", "config", "dups", "thread", "flood_count",
    "learned_spam_prob", "reputation", "reputation_detail", NULL};
static const char *const comment_keys[] = {"text", "text_hex", "author",
                                           "parent_id", NULL};
static const char *const author_keys[] = {"name", "email", "url", "ip", NULL};
static const char *const article_keys[] = {"title", "body", "tags", "url", NULL};
static const char *const config_keys[] = {"banned_words", "suspect_words",
                                          "domain_allow", "domain_block", NULL};
static const char *const dup_keys[] = {"id", "author_key", "text", NULL};
static const char *const expected_keys[] = {
    "status", "status_in", "flags", "flags_exact", "absent_flags",
    "score", "relevance_min", "relevance_max", "error", NULL};

/* Prepare errors a case may expect, by name. */
static const struct {
    const char *name;
    int code;
} case_errors[] = {{"invalid_utf8", ENGINE_E_INVALID_UTF8},
                   {"too_long", ENGINE_E_TOO_LONG}};

/* ------------------------------------------------------------------------ */
/* Reading and checking JSON                                                */
/* ------------------------------------------------------------------------ */

typedef struct str_list {
    const char *v[CASE_MAX_LIST + 1]; /* borrowed from the case's JSON */
    size_t n;
} str_list;

/* Writes the reason into why. Returns -1, for `return fail(...)`. */
static int fail(char *why, size_t wn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t wn, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, wn, fmt, ap);
    va_end(ap);
    return -1;
}

static int in_list(const char *const *list, const char *s) {
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

/* o must be an object whose keys are all in allowed. where names it in the
 * message ("input.json comment.author"). Returns 0, or -1 with why. */
static int check_keys(json_t *o, const char *where, const char *const *allowed,
                      char *why, size_t wn) {
    if (!json_is_object(o))
        return fail(why, wn, "%s: not an object", where);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (!in_list(allowed, k))
            return fail(why, wn, "%s: unknown key \"%s\"", where, k);
    }
    return 0;
}

/* *out = o[k] as a borrowed string, NULL when absent. -1 when not a string. */
static int get_str(json_t *o, const char *k, const char *where, const char **out,
                   char *why, size_t wn) {
    json_t *v = json_object_get(o, k);
    *out = json_string_value(v);
    if (v && !*out)
        return fail(why, wn, "%s: \"%s\" must be a string", where, k);
    return 0;
}

/* *out = o[k], present = 1, when it is a number; present = 0 when absent. */
static int get_num(json_t *o, const char *k, const char *where, double *out,
                   int *present, char *why, size_t wn) {
    json_t *v = json_object_get(o, k);
    *present = v != NULL;
    if (v && !json_is_number(v))
        return fail(why, wn, "%s: \"%s\" must be a number", where, k);
    *out = v ? json_number_value(v) : 0;
    return 0;
}

/* out = o[k] as a NULL-terminated list of borrowed strings (empty when
 * absent). -1 when not an array of strings or longer than CASE_MAX_LIST. */
static int get_list(json_t *o, const char *k, const char *where, str_list *out,
                    char *why, size_t wn) {
    json_t *arr = json_object_get(o, k), *x;
    size_t i;
    out->n = 0;
    out->v[0] = NULL;
    if (!arr)
        return 0;
    if (!json_is_array(arr))
        return fail(why, wn, "%s: \"%s\" must be an array of strings", where, k);
    if (json_array_size(arr) > CASE_MAX_LIST)
        return fail(why, wn, "%s: \"%s\" has more than %d entries", where, k,
                    CASE_MAX_LIST);
    json_array_foreach(arr, i, x) {
        if (!json_is_string(x))
            return fail(why, wn, "%s: \"%s\"[%zu] must be a string", where, k, i);
        out->v[out->n++] = json_string_value(x);
    }
    out->v[out->n] = NULL;
    return 0;
}

static int is_flag_code(const char *code) {
    const char *name;
    for (int d = 0; (name = engine_detector_name((engine_detector)d)); d++)
        if (strcmp(name, code) == 0)
            return 1;
    return 0;
}

/* A list of flag codes: each a detector's code, none twice. */
static int get_flags(json_t *o, const char *k, str_list *out, char *why, size_t wn) {
    if (get_list(o, k, "expected.json", out, why, wn) < 0)
        return -1;
    for (size_t i = 0; i < out->n; i++) {
        if (!is_flag_code(out->v[i]))
            return fail(why, wn, "expected.json: \"%s\": no detector has flag code "
                        "\"%s\"", k, out->v[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->v[i], out->v[j]) == 0)
                return fail(why, wn, "expected.json: \"%s\": \"%s\" listed twice",
                            k, out->v[i]);
    }
    return 0;
}

static int is_status_name(const char *s) {
    static const engine_status all[] = {ENGINE_APPROVED, ENGINE_PENDING,
                                        ENGINE_REJECTED};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(engine_status_name(all[i]), s) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* A case's expectations                                                    */
/* ------------------------------------------------------------------------ */

typedef struct case_expect {
    const char *error;  /* prepare error name, or NULL */
    int error_code;
    const char *status; /* exact status, or NULL */
    str_list status_in; /* any of these (n == 0: not stated) */
    str_list flags;     /* must appear */
    str_list flags_exact; /* the set of flag codes is exactly this */
    int has_flags_exact;
    str_list absent_flags; /* must not appear */
    int has_score;
    double score_lo, score_hi;
    int has_rmin, has_rmax;
    double rmin, rmax;
} case_expect;

/* Reads and checks expected.json. Returns 0, or -1 with why. */
static int expect_read(json_t *ex, case_expect *x, char *why, size_t wn) {
    const char *w = "expected.json";
    memset(x, 0, sizeof *x);
    if (check_keys(ex, w, expected_keys, why, wn) < 0 ||
        get_str(ex, "error", w, &x->error, why, wn) < 0 ||
        get_str(ex, "status", w, &x->status, why, wn) < 0 ||
        get_list(ex, "status_in", w, &x->status_in, why, wn) < 0 ||
        get_flags(ex, "flags", &x->flags, why, wn) < 0 ||
        get_flags(ex, "flags_exact", &x->flags_exact, why, wn) < 0 ||
        get_flags(ex, "absent_flags", &x->absent_flags, why, wn) < 0 ||
        get_num(ex, "relevance_min", w, &x->rmin, &x->has_rmin, why, wn) < 0 ||
        get_num(ex, "relevance_max", w, &x->rmax, &x->has_rmax, why, wn) < 0)
        return -1;
    if (x->error) {
        size_t i, n = sizeof case_errors / sizeof case_errors[0];
        for (i = 0; i < n && strcmp(case_errors[i].name, x->error) != 0; i++)
            ;
        if (i == n)
            return fail(why, wn, "%s: unknown error \"%s\"", w, x->error);
        x->error_code = case_errors[i].code;
        if (json_object_size(ex) != 1)
            return fail(why, wn, "%s: \"error\" stands alone (nothing is scored)", w);
        return 0;
    }
    x->has_flags_exact = json_object_get(ex, "flags_exact") != NULL;
    if (x->status && json_object_get(ex, "status_in"))
        return fail(why, wn, "%s: \"status\" and \"status_in\" together", w);
    if (json_object_get(ex, "status_in") && !x->status_in.n)
        return fail(why, wn, "%s: \"status_in\" is empty", w);
    if (x->status && !is_status_name(x->status))
        return fail(why, wn, "%s: unknown status \"%s\"", w, x->status);
    for (size_t i = 0; i < x->status_in.n; i++)
        if (!is_status_name(x->status_in.v[i]))
            return fail(why, wn, "%s: unknown status \"%s\" in \"status_in\"", w,
                        x->status_in.v[i]);
    if (x->has_flags_exact && json_object_get(ex, "flags"))
        return fail(why, wn, "%s: \"flags\" and \"flags_exact\" together "
                    "(flags_exact already requires each)", w);
    json_t *sc = json_object_get(ex, "score");
    if (sc) {
        if (!json_is_array(sc) || json_array_size(sc) != 2 ||
            !json_is_number(json_array_get(sc, 0)) ||
            !json_is_number(json_array_get(sc, 1)))
            return fail(why, wn, "%s: \"score\" must be [lo, hi]", w);
        x->has_score = 1;
        x->score_lo = json_number_value(json_array_get(sc, 0));
        x->score_hi = json_number_value(json_array_get(sc, 1));
        if (!(0 <= x->score_lo && x->score_lo <= x->score_hi && x->score_hi <= 1))
            return fail(why, wn, "%s: \"score\" needs 0 <= lo <= hi <= 1", w);
    }
    return 0;
}

static int has_flag(const engine_verdict *v, const char *code) {
    for (size_t i = 0; i < v->nflags; i++)
        if (strcmp(v->flags[i].code, code) == 0)
            return 1;
    return 0;
}

static void describe(const engine_verdict *v, char *buf, size_t n) {
    int w = snprintf(buf, n, "got %s score=%.4f rel=%.2f flags=[",
                     engine_status_name(v->status), v->score, v->relevance);
    for (size_t i = 0; i < v->nflags && w > 0 && (size_t)w < n; i++)
        w += snprintf(buf + w, n - (size_t)w, "%s%s:%.2f", i ? " " : "",
                      v->flags[i].code, v->flags[i].score);
    if (w > 0 && (size_t)w < n)
        snprintf(buf + w, n - (size_t)w, "]");
}

/* Checks a verdict against x. Returns 0, or -1 with why. */
static int expect_check(const case_expect *x, const engine_verdict *v,
                        char *why, size_t wn) {
    char got[1024];
    describe(v, got, sizeof got);
    const char *st = engine_status_name(v->status);
    if (x->status && strcmp(x->status, st) != 0)
        return fail(why, wn, "want status %s, %s", x->status, got);
    if (x->status_in.n && !in_list(x->status_in.v, st))
        return fail(why, wn, "status not in status_in, %s", got);
    for (size_t i = 0; i < x->flags.n; i++)
        if (!has_flag(v, x->flags.v[i]))
            return fail(why, wn, "missing flag %s, %s", x->flags.v[i], got);
    if (x->has_flags_exact) {
        for (size_t i = 0; i < x->flags_exact.n; i++)
            if (!has_flag(v, x->flags_exact.v[i]))
                return fail(why, wn, "missing flag %s (flags_exact), %s",
                            x->flags_exact.v[i], got);
        for (size_t i = 0; i < v->nflags; i++)
            if (!in_list(x->flags_exact.v, v->flags[i].code))
                return fail(why, wn, "flag %s not in flags_exact, %s",
                            v->flags[i].code, got);
    }
    for (size_t i = 0; i < x->absent_flags.n; i++)
        if (has_flag(v, x->absent_flags.v[i]))
            return fail(why, wn, "unexpected flag %s, %s", x->absent_flags.v[i], got);
    if (x->has_score && (v->score < x->score_lo || v->score > x->score_hi))
        return fail(why, wn, "score outside [%.2f, %.2f], %s", x->score_lo,
                    x->score_hi, got);
    if ((x->has_rmin && v->relevance < x->rmin) ||
        (x->has_rmax && v->relevance > x->rmax))
        return fail(why, wn, "relevance out of range, %s", got);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* A case's inputs                                                          */
/* ------------------------------------------------------------------------ */

/* The article of a case: input["article"] written out, or "@name" for
 * <fixtures>/articles/<name>.json. Returns a new reference (json_decref)
 * or NULL: absent (why empty) or bad (why filled). */
static json_t *article_load(json_t *in, const char *fixtures, char *why,
                            size_t wn) {
    json_t *a = json_object_get(in, "article");
    why[0] = '\0';
    if (!a)
        return NULL;
    if (!json_is_string(a)) {
        if (check_keys(a, "input.json article", article_keys, why, wn) < 0)
            return NULL;
        return json_incref(a);
    }
    const char *ref = json_string_value(a);
    size_t len = strlen(ref);
    if (ref[0] != '@' || len < 2 || len - 1 > CASE_FIXTURE_NAME_MAX ||
        strspn(ref + 1, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len - 1) {
        fail(why, wn, "input.json: article \"%s\" is neither an object nor "
             "\"@name\" (name: [a-z0-9_-])", ref);
        return NULL;
    }
    char path[CASE_PATH_MAX], where[CASE_PATH_MAX + 16];
    int pn = snprintf(path, sizeof path, "%s/articles/%s.json", fixtures, ref + 1);
    if (pn < 0 || (size_t)pn >= sizeof path) {
        fail(why, wn, "article fixture path too long");
        return NULL;
    }
    json_error_t jerr;
    json_t *f = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!f) {
        fail(why, wn, "article fixture %s: %s", path, jerr.text);
        return NULL;
    }
    snprintf(where, sizeof where, "fixture %s", path);
    if (check_keys(f, where, article_keys, why, wn) < 0) {
        json_decref(f);
        return NULL;
    }
    return f;
}

/* comment.text_hex: raw bytes JSON cannot carry (invalid UTF-8). Writes
 * them NUL-terminated into raw. Returns the byte count, or -1 with why. */
static int hex_decode(const char *hex, char raw[CASE_MAX_RAW], char *why, size_t wn) {
    size_t n = strlen(hex);
    if (n % 2 || n / 2 >= CASE_MAX_RAW ||
        strspn(hex, "0123456789abcdefABCDEF") != n)
        return fail(why, wn, "input.json comment: \"text_hex\" must be an even "
                    "number of hex digits, under %d bytes", CASE_MAX_RAW);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        raw[i] = (char)v;
    }
    raw[n / 2] = '\0';
    return (int)(n / 2);
}

/* ------------------------------------------------------------------------ */
/* Running one case                                                         */
/* ------------------------------------------------------------------------ */

static json_t *load(const char *dir, const char *file, char *why, size_t wn) {
    char path[CASE_PATH_MAX];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        fail(why, wn, "%s: cannot parse json: %s (line %d)", file, jerr.text,
             jerr.line);
    return j;
}

/* input["config"]: the word and domain lists (borrowed by cfg from lists,
 * which must outlive the engine). Returns 0, or -1 with why. */
static int config_read(json_t *in, engine_config *cfg, str_list lists[4], char *why,
                       size_t wn) {
    json_t *cj = json_object_get(in, "config");
    const char *w = "input.json config";
    engine_config_defaults(cfg);
    if ((cj && check_keys(cj, w, config_keys, why, wn) < 0) ||
        get_list(cj, "banned_words", w, &lists[0], why, wn) < 0 ||
        get_list(cj, "suspect_words", w, &lists[1], why, wn) < 0 ||
        get_list(cj, "domain_allow", w, &lists[2], why, wn) < 0 ||
        get_list(cj, "domain_block", w, &lists[3], why, wn) < 0)
        return -1;
    cfg->banned_words = lists[0].v;
    cfg->suspect_words = lists[1].v;
    cfg->domain_allow = lists[2].v;
    cfg->domain_block = lists[3].v;
    return 0;
}

/* input["comment"] into c (strings borrowed from in, or raw for text_hex).
 * Returns 0, or -1 with why. */
static int comment_read(json_t *in, engine_comment *c, char raw[CASE_MAX_RAW],
                        char *why, size_t wn) {
    json_t *cj = json_object_get(in, "comment");
    const char *w = "input.json comment", *wa = "input.json comment.author", *hex;
    memset(c, 0, sizeof *c);
    if (!cj)
        return fail(why, wn, "input.json: \"comment\" missing");
    json_t *au = json_object_get(cj, "author");
    if (check_keys(cj, w, comment_keys, why, wn) < 0 ||
        get_str(cj, "text", w, &c->text, why, wn) < 0 ||
        get_str(cj, "text_hex", w, &hex, why, wn) < 0 ||
        get_str(cj, "parent_id", w, &c->parent_id, why, wn) < 0 ||
        (au && check_keys(au, wa, author_keys, why, wn) < 0) ||
        get_str(au, "name", wa, &c->author_name, why, wn) < 0 ||
        get_str(au, "email", wa, &c->author_email, why, wn) < 0 ||
        get_str(au, "url", wa, &c->author_url, why, wn) < 0 ||
        get_str(au, "ip", wa, &c->author_ip, why, wn) < 0)
        return -1;
    if (!c->text == !hex)
        return fail(why, wn, "%s: needs one of \"text\", \"text_hex\"", w);
    if (!hex) {
        c->text_len = strlen(c->text);
        return 0;
    }
    int n = hex_decode(hex, raw, why, wn);
    if (n < 0)
        return -1;
    c->text = raw;
    c->text_len = (size_t)n;
    return 0;
}

/* An article object (written out or a fixture) into art (strings borrowed
 * from aj, tags through tags). Returns 0, or -1 with why. */
static int article_read(json_t *aj, engine_article *art, str_list *tags, char *why,
                        size_t wn) {
    const char *w = "article";
    memset(art, 0, sizeof *art);
    if (get_str(aj, "title", w, &art->title, why, wn) < 0 ||
        get_str(aj, "body", w, &art->body, why, wn) < 0 ||
        get_str(aj, "url", w, &art->url, why, wn) < 0 ||
        get_list(aj, "tags", w, tags, why, wn) < 0)
        return -1;
    art->tags = tags->v;
    art->ntags = tags->n;
    return 0;
}

/* input["dups"]: each candidate is prepared (its features appended to df,
 * *ndf of them, which the caller frees) and offered in dups only when the
 * store would have returned it for f (engine_dup_candidate). Returns the
 * number offered, or -1 with why. */
static int dups_read(json_t *in, engine_session *s, const engine_features *f,
                     engine_dup_match dups[CASE_MAX_LIST],
                     engine_features *df[CASE_MAX_LIST], size_t *ndf, char *why,
                     size_t wn) {
    json_t *dj, *dl = json_object_get(in, "dups");
    size_t i;
    int nd = 0;
    if (dl && (!json_is_array(dl) || json_array_size(dl) > CASE_MAX_LIST))
        return fail(why, wn, "input.json: \"dups\" must be an array of at most %d "
                    "objects", CASE_MAX_LIST);
    json_array_foreach(dl, i, dj) {
        char w[64];
        snprintf(w, sizeof w, "input.json dups[%zu]", i);
        engine_comment o = {0};
        engine_error err = {0};
        const char *id, *author_key;
        if (check_keys(dj, w, dup_keys, why, wn) < 0 ||
            get_str(dj, "text", w, &o.text, why, wn) < 0 ||
            get_str(dj, "id", w, &id, why, wn) < 0 ||
            get_str(dj, "author_key", w, &author_key, why, wn) < 0)
            return -1;
        if (!o.text)
            return fail(why, wn, "%s: \"text\" missing", w);
        o.text_len = strlen(o.text);
        if (engine_prepare(s, &o, &df[*ndf], &err) < 0)
            return fail(why, wn, "%s: engine_prepare failed: %s", w, err.text);
        const engine_features *g = df[(*ndf)++];
        if (!engine_dup_candidate(f, g->exact_hash, g->has_minhash, g->band))
            continue; /* the store would not have returned it */
        engine_dup_match *m = &dups[nd++];
        memset(m, 0, sizeof *m);
        m->comment_id = id;
        m->author_key = author_key;
        memcpy(m->minhash, g->minhash, sizeof m->minhash);
        m->exact = g->exact_hash == f->exact_hash;
    }
    return nd;
}

/* What the store and the classifier would have looked up: flood count,
 * learned spam probability, reputation. Returns 0, or -1 with why. */
static int lookups_read(json_t *in, engine_context *ctx, char *why, size_t wn) {
    json_t *fc = json_object_get(in, "flood_count");
    if (fc && (!json_is_integer(fc) || json_integer_value(fc) < 0))
        return fail(why, wn, "input.json: \"flood_count\" must be a non-negative integer");
    ctx->flood_count = fc ? (unsigned)json_integer_value(fc) : 0;
    double lp, rep;
    int has_lp, has_rep;
    if (get_num(in, "learned_spam_prob", "input.json", &lp, &has_lp, why, wn) < 0 ||
        get_num(in, "reputation", "input.json", &rep, &has_rep, why, wn) < 0 ||
        get_str(in, "reputation_detail", "input.json", &ctx->reputation_detail, why,
                wn) < 0)
        return -1;
    if (has_lp)
        ctx->learned_spam_prob = lp;
    if (has_rep)
        ctx->reputation = rep;
    return 0;
}

/* Runs one case. Returns 1 passed, 0 failed (reason in why). */
static int run_case(const char *dir, const char *fixtures, int verbose, char *why,
                    size_t wn) {
    int ok = 0;
    json_t *in = NULL, *ex = NULL, *aj = NULL;
    engine *e = NULL;
    engine_session *s = NULL;
    engine_features *f = NULL;
    engine_features *df[CASE_MAX_LIST] = {0};
    size_t ndf = 0;
    case_expect x;
    engine_config cfg;
    str_list lists[4], tags, thread;
    engine_comment c;
    char raw[CASE_MAX_RAW];
    engine_error err = {0};
    if (!(in = load(dir, "input.json", why, wn)) ||
        !(ex = load(dir, "expected.json", why, wn)) ||
        check_keys(in, "input.json", input_keys, why, wn) < 0 ||
        expect_read(ex, &x, why, wn) < 0 ||
        config_read(in, &cfg, lists, why, wn) < 0 ||
        comment_read(in, &c, raw, why, wn) < 0)
        goto done;
    if (!(e = engine_new(&cfg, &err)) || !(s = engine_session_new(e))) {
        fail(why, wn, "engine_new: %s", err.text);
        goto done;
    }
    if (engine_prepare(s, &c, &f, &err) < 0) {
        if (x.error && err.code == x.error_code)
            ok = 1;
        else
            fail(why, wn, "engine_prepare failed: %s (%s)", err.text, err.field);
        goto done;
    }
    if (x.error) {
        fail(why, wn, "expected error %s, prepare succeeded", x.error);
        goto done;
    }

    char akey[256];
    engine_author_key(&c, akey, sizeof akey);
    engine_context ctx = {.author_key = akey, .learned_spam_prob = -1};
    engine_article art;
    engine_dup_match dups[CASE_MAX_LIST];
    aj = article_load(in, fixtures, why, wn);
    if ((!aj && why[0]) || (aj && article_read(aj, &art, &tags, why, wn) < 0) ||
        get_list(in, "thread", "input.json", &thread, why, wn) < 0 ||
        lookups_read(in, &ctx, why, wn) < 0)
        goto done;
    int nd = dups_read(in, s, f, dups, df, &ndf, why, wn);
    if (nd < 0)
        goto done;
    ctx.article = aj ? &art : NULL;
    ctx.thread_texts = thread.v;
    ctx.nthread = thread.n;
    ctx.dups = dups;
    ctx.ndups = (size_t)nd;

    engine_verdict v;
    engine_score(s, f, &c, &ctx, &v);
    if (verbose) {
        char got[1024];
        describe(&v, got, sizeof got);
        printf("  %s\n", got);
        for (size_t k = 0; k < v.nflags; k++)
            printf("    %s %.2f: %s [%s]\n", v.flags[k].code, v.flags[k].score,
                   v.flags[k].detail, v.flags[k].evidence);
    }
    ok = expect_check(&x, &v, why, wn) == 0;
done:
    for (size_t k = 0; k < ndf; k++)
        engine_features_free(df[k]);
    engine_features_free(f);
    engine_session_free(s);
    engine_free(e);
    json_decref(aj);
    json_decref(in);
    json_decref(ex);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Driver                                                                   */
/* ------------------------------------------------------------------------ */

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A rejected case (--reject): its directory also holds reject.txt, whose
 * first line the runner's failure reason must contain. Returns 1 when the
 * case fails for that reason; else 0 with why saying what happened. */
static int run_rejected(const char *dir, const char *fixtures, char *why,
                        size_t wn) {
    char path[CASE_PATH_MAX], want[CASE_WHY_LEN] = "", got[CASE_WHY_LEN] = "";
    snprintf(path, sizeof path, "%s/reject.txt", dir);
    FILE *fp = fopen(path, "r");
    if (!fp || !fgets(want, sizeof want, fp)) {
        if (fp)
            fclose(fp);
        fail(why, wn, "reject.txt missing or empty");
        return 0;
    }
    fclose(fp);
    want[strcspn(want, "\n")] = '\0';
    if (!want[0])
        fail(why, wn, "reject.txt: first line empty");
    else if (run_case(dir, fixtures, 0, got, sizeof got))
        fail(why, wn, "passed, want a failure containing \"%s\"", want);
    else if (!strstr(got, want))
        fail(why, wn, "failed with \"%s\", want \"%s\"", got, want);
    else
        return 1;
    return 0;
}

static void usage(const char *argv0) {
    fprintf(stderr, "usage: %s CASES_DIR [-v] [--fixtures DIR] [--reject]\n"
            "  --fixtures DIR  shared inputs (default CASES_DIR/../fixtures)\n"
            "  --reject        every case must fail as its reject.txt says\n",
            argv0);
}

int main(int argc, char **argv) {
    const char *cases = NULL, *fixtures_opt = NULL;
    int verbose = 0, reject = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-v") == 0)
            verbose = 1;
        else if (strcmp(argv[a], "--reject") == 0)
            reject = 1;
        else if (strcmp(argv[a], "--fixtures") == 0 && a + 1 < argc)
            fixtures_opt = argv[++a];
        else if (argv[a][0] != '-' && !cases)
            cases = argv[a];
        else {
            usage(argv[0]);
            return 2;
        }
    }
    if (!cases) {
        usage(argv[0]);
        return 2;
    }
    char fixtures[CASE_PATH_MAX];
    if (fixtures_opt)
        snprintf(fixtures, sizeof fixtures, "%s", fixtures_opt);
    else
        snprintf(fixtures, sizeof fixtures, "%s/../fixtures", cases);
    DIR *d = opendir(cases);
    if (!d) {
        perror(cases);
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
        char dir[2048], why[CASE_WHY_LEN] = "";
        snprintf(dir, sizeof dir, "%s/%s", cases, names[i]);
        int ok = reject ? run_rejected(dir, fixtures, why, sizeof why)
                        : run_case(dir, fixtures, verbose, why, sizeof why);
        if (ok) {
            passed++;
            printf("ok %s\n", names[i]);
        } else {
            failed++;
            printf("FAIL %s: %s\n", names[i], why);
        }
        free(names[i]);
    }
    free(names);
    printf("%s: %d passed, %d failed\n", reject ? "rejects" : "cases", passed, failed);
    return failed ? 1 : 0;
}
