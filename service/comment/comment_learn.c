/* comment_learn.c - learning from decisions: training and the scoring hooks.
 *
 * Owns the glue between the comment pipeline, the pure math (learn.c) and
 * the Redis counts (store_learn.c): which tokens and identities a comment
 * has (content stems, "d:<host>" for linked hosts, "u:<host>" for the
 * author's URL; identities "a:<author key>", "i:<ip>", "d:<host>"),
 * training on a decision (comment_learn), and turning looked-up counts
 * into the engine's learned_spam_prob / reputation inputs plus the
 * trusted_author flag.
 * Learning is best effort: Redis trouble is logged, never returned, and a
 * comment is always analysed even when its learning inputs are missing.
 * Never writes comments or queues.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comment_private.h"
#include "crypto.h"
#include "log.h"
#include "store_review.h"

/* Below this the classifier leans to ham: it is evidence for spam only, so
 * a ham-leaning comment gets probability 0 (no flag) rather than a weak one
 * (the engine squares the probability into its signal). */
#define COMMENT_LEARN_SPAM_SIDE 0.5
/* The classifier alone may send a comment to review but never reject it:
 * trained on a few dozen decisions it can be overconfident, and a wrong
 * rejection is the costly mistake. Its probability is capped so that its
 * signal (prob^2, engine.c) stays just under threshold_reject; another
 * detector has to agree for a rejection. */
#define COMMENT_LEARN_ALONE_MARGIN 0.99

static char *prefixed(const char *prefix, const char *s) {
    size_t pl = strlen(prefix), sl = strlen(s);
    char *p = malloc(pl + sl + 1);
    if (!p) return NULL;
    memcpy(p, prefix, pl);
    memcpy(p + pl, s, sl + 1);
    return p;
}

void comment_learn_end(comment_learn_req *r) {
    if (!r) return;
    for (size_t i = r->nowned_from; i < r->ntokens; i++) free(r->tokens[i]);
    free(r->tokens);
    for (size_t i = 0; i < r->nrep; i++) free(r->rep[i]);
    free(r->rep);
    memset(r, 0, sizeof *r);
}

/* Hex digits kept of SHA-256(identity) for author and IP reputation
 * fields: 128 bits never collide in practice, and Redis then holds no
 * e-mail address or IP in clear (domains stay readable: they are shown to
 * moderators as evidence and are not personal data). */
#define COMMENT_LEARN_ID_HEX 32

int comment_rep_field(const char *prefix, const char *v, char *out, size_t n) {
    if (!v || !*v) return -1;
    unsigned char h[CRYPTO_SHA256_LEN];
    char hex[2 * CRYPTO_SHA256_LEN + 1];
    crypto_sha256(v, strlen(v), h);
    crypto_hex(h, sizeof h, hex);
    hex[COMMENT_LEARN_ID_HEX] = 0;
    int w = snprintf(out, n, "%s%s", prefix, hex);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int add_rep(comment_learn_req *r, int kind, const char *prefix, const char *v) {
    if (r->nrep >= COMMENT_LEARN_MAX_REP || !v || !*v) return 0;
    char field[COMMENT_REP_FIELD_LEN];
    if (kind != LEARN_REP_DOMAIN) {
        if (comment_rep_field("", v, field, sizeof field) < 0) return 0;
        v = field;
    }
    char *p = prefixed(prefix, v);
    if (!p) return -1;
    for (size_t i = 0; i < r->nrep; i++)
        if (strcmp(r->rep[i], p) == 0) {
            free(p);
            return 0;
        }
    r->rep_kind[r->nrep] = kind;
    r->rep[r->nrep++] = p;
    return 0;
}

void comment_learn_begin(const model_comment *c, const engine_features *f,
                         comment_learn_req *r) {
    memset(r, 0, sizeof *r);
    char hosts[LEARN_MAX_DOMAINS][LEARN_DOMAIN_LEN];
    size_t nh = learn_link_domains(f->normalized, f->normalized_len, hosts, LEARN_MAX_DOMAINS);
    char uhost[LEARN_DOMAIN_LEN];
    int has_u = learn_url_host(c->author.url, uhost, sizeof uhost) == 0;
    r->tokens = calloc(f->nterms + nh + 2, sizeof *r->tokens);
    r->rep = calloc(COMMENT_LEARN_MAX_REP, sizeof *r->rep);
    if (!r->tokens || !r->rep) goto oom;
    for (size_t i = 0; i < f->nterms; i++) r->tokens[r->ntokens++] = f->terms[i];
    r->nowned_from = r->ntokens;
    for (size_t i = 0; i < nh; i++) {
        if (!(r->tokens[r->ntokens] = prefixed("d:", hosts[i]))) goto oom;
        r->ntokens++;
    }
    if (has_u) {
        if (!(r->tokens[r->ntokens] = prefixed("u:", uhost))) goto oom;
        r->ntokens++;
    }
    if (add_rep(r, LEARN_REP_AUTHOR, "a:", c->author_key) < 0 ||
        add_rep(r, LEARN_REP_IP, "i:", c->author.ip) < 0 ||
        (has_u && add_rep(r, LEARN_REP_DOMAIN, "d:", uhost) < 0))
        goto oom;
    for (size_t i = 0; i < nh; i++)
        if (add_rep(r, LEARN_REP_DOMAIN, "d:", hosts[i]) < 0) goto oom;
    return;
oom:
    log_msg(LOG_WARN, "learn: out of memory preparing tokens; learning skipped");
    comment_learn_end(r);
}

void comment_learn_context(const modq_config *cfg, double threshold_reject, comment_learn_req *r,
                           const store_lookup *lk, engine_context *ctx) {
    if (lk->learn_spam && lk->learn_ham) {
        size_t clues = 0;
        double p = learn_classify(lk->learn_spam, lk->learn_ham, r->ntokens, lk->learn_nspam,
                                  lk->learn_nham, (unsigned long)cfg->learn_min_decisions,
                                  &clues);
        double cap = sqrt(threshold_reject) * COMMENT_LEARN_ALONE_MARGIN;
        if (p > cap) p = cap;
        if (p >= 0) ctx->learned_spam_prob = p >= COMMENT_LEARN_SPAM_SIDE ? p : 0;
    }
    if (lk->rep_spam && lk->rep_ham && r->nrep) {
        learn_rep_entry e[COMMENT_LEARN_MAX_REP];
        for (size_t i = 0; i < r->nrep; i++) {
            e[i].kind = (learn_rep_kind)r->rep_kind[i];
            e[i].label = r->rep[i] + 2; /* past "d:" (shown for domains only) */
            e[i].spam = lk->rep_spam[i];
            e[i].ham = lk->rep_ham[i];
        }
        learn_rep_result res;
        learn_reputation(e, r->nrep, (unsigned long)cfg->trust_after, &res);
        r->reputation = res.reputation;
        r->author_ham = res.author_ham;
        snprintf(r->evidence, sizeof r->evidence, "%s", res.evidence);
        ctx->reputation = res.reputation;
        ctx->reputation_detail = r->evidence;
    }
}

void comment_learn_annotate(const comment_learn_req *r, engine_verdict *v) {
    if (r->reputation >= 0 || v->nflags >= ENGINE_MAX_FLAGS) return;
    engine_flag *fl = &v->flags[v->nflags++];
    memset(fl, 0, sizeof *fl);
    snprintf(fl->code, sizeof fl->code, "%s", ENGINE_TRUSTED_CODE);
    fl->score = 0; /* a discount, not a signal */
    snprintf(fl->detail, sizeof fl->detail,
             "trusted author (%u approved comments, none rejected as spam): score "
             "multiplied by %.2f",
             r->author_ham, 1.0 + r->reputation / 2.0);
    snprintf(fl->evidence, sizeof fl->evidence, "%s", r->evidence);
}

void comment_learn(comment_pipeline *p, store *s, const model_comment *c, int spam, int report) {
    if (!c || !c->site || !c->text) return;
    comment_file *file = p->o.file ? p->o.file(p->o.session_arg) : NULL;
    comment_profile *pr = file ? comment_profile_current(p->profiles, s, c->site, file) : NULL;
    int learning = !pr || pr->learning;
    comment_profile_release(pr);
    comment_file_release(file);
    if (!learning) return; /* the site turned learning off */
    engine_session *sess = comment_session(p);
    engine_comment ec = {c->text, strlen(c->text), c->author.name, c->author.email,
                         c->author.url, c->author.ip, c->parent_id};
    engine_features *f = NULL;
    engine_error ee;
    memset(&ee, 0, sizeof ee);
    if (!sess || engine_prepare(sess, &ec, &f, &ee) < 0) {
        log_msg(LOG_WARN, "learn: comment %s/%s cannot be analysed (%s); not learned", c->site,
                c->id ? c->id : "-", ee.text);
        return;
    }
    model_comment k = *c; /* shallow: only author_key may differ */
    if (!k.author_key[0]) engine_author_key(&ec, k.author_key, sizeof k.author_key);
    comment_learn_req r;
    comment_learn_begin(&k, f, &r);
    if (r.tokens) {
        int rc = store_learn_train(s, c->site, c->id, spam, report, r.tokens, r.ntokens, r.rep, r.nrep,
                                   p->o.cfg->retention_days * 86400L);
        if (rc < 0)
            log_msg(LOG_WARN, "learn: Redis trouble training %s/%s; not learned", c->site,
                    c->id ? c->id : "-");
    }
    comment_learn_end(&r);
    engine_features_free(f);
}
