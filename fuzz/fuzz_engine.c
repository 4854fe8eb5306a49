/* fuzz_engine.c - libFuzzer target for the analysis engine (engine.c and
 * everything under it: normalize, tokenize, shingle, minhash, links,
 * relevance, repetition, spamlang, score).
 *
 * The input is split at 0x00 bytes into up to FUZZ_FIELDS fields: comment
 * text, author name, e-mail, url, ip, article title, article body, a thread
 * comment and a duplicate candidate's text. Field bytes are arbitrary
 * (invalid UTF-8, control characters, one huge token). The first byte picks
 * which context parts are present. Checks: prepare either succeeds or fails
 * with ENGINE_E_INVALID_UTF8/TOO_LONG; the verdict's score and flags stay in
 * range; features are deterministic across two sessions.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FIELDS 9 /* text name email url ip title body thread dup */

static engine *eng;
static engine_session *sess, *sess2;

static const char *const BANNED[] = {"badword", "scam", NULL};
static const char *const SUSPECT[] = {"casino", "crypto", NULL};
static const char *const ALLOW[] = {"example.org", NULL};
static const char *const BLOCK[] = {"bit.ly", "cheap-pills.example", NULL};

static void setup(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    cfg.banned_words = BANNED;
    cfg.suspect_words = SUSPECT;
    cfg.domain_allow = ALLOW;
    cfg.domain_block = BLOCK;
    cfg.flood_max = 5;
    engine_error err;
    eng = engine_new(&cfg, &err);
    assert(eng);
    sess = engine_session_new(eng);
    sess2 = engine_session_new(eng);
    assert(sess && sess2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!eng) setup();
    if (size < 1) return 0;
    unsigned sel = data[0];
    /* copy the rest and cut it into NUL-terminated fields in place */
    char *buf = malloc(size);
    if (!buf) return 0;
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = 0;
    const char *f[FUZZ_FIELDS] = {0};
    size_t flen[FUZZ_FIELDS] = {0};
    size_t nf = 0, start = 0;
    for (size_t i = 0; i < size && nf < FUZZ_FIELDS; i++)
        if (buf[i] == 0) {
            f[nf] = buf + start;
            flen[nf] = i - start;
            nf++;
            start = i + 1;
        }
    if (!f[0]) f[0] = "";
    engine_comment c = {f[0], flen[0], f[1], f[2], f[3], f[4], NULL};
    if (sel & 0x80) c.parent_id = "p1";

    engine_features *ft = NULL;
    engine_error err;
    memset(&err, 0, sizeof err);
    int rc = engine_prepare(sess, &c, &ft, &err);
    if (rc < 0) {
        assert(err.code == ENGINE_E_INVALID_UTF8 || err.code == ENGINE_E_TOO_LONG ||
               err.code == ENGINE_E_NOMEM);
        /* a second session must agree */
        engine_features *f2 = NULL;
        assert(engine_prepare(sess2, &c, &f2, &err) < 0);
        free(buf);
        return 0;
    }
    assert(ft && ft->nterms <= ENGINE_MAX_TERMS);
    engine_features *f2 = NULL;
    assert(engine_prepare(sess2, &c, &f2, &err) == 0);
    assert(f2->exact_hash == ft->exact_hash && f2->has_minhash == ft->has_minhash &&
           f2->nterms == ft->nterms);
    if (ft->has_minhash)
        assert(memcmp(f2->minhash, ft->minhash, sizeof ft->minhash) == 0);
    engine_features_free(f2);

    engine_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.learned_spam_prob = (sel & 0x01) ? (double)(sel >> 1) / 127.0 : -1;
    ctx.reputation = (sel & 0x02) ? ((double)(sel & 0x70) / 112.0 - 0.5) : 0;
    ctx.reputation_detail = "fuzz";
    ctx.flood_count = sel & 0x0f;
    char akey[300];
    engine_author_key(&c, akey, sizeof akey);
    assert(memchr(akey, 0, sizeof akey));
    ctx.author_key = akey;

    engine_article art = {f[5] ? f[5] : "", f[6] ? f[6] : "", NULL, 0, f[3]};
    const char *tags[] = {f[1] ? f[1] : "tag"};
    art.tags = tags;
    art.ntags = 1;
    uint32_t *df = NULL;
    char *aterms[ENGINE_MAX_TERMS];
    int nat = -1;
    if (sel & 0x04) {
        ctx.article = &art;
        nat = engine_article_terms(sess, &art, aterms, ENGINE_MAX_TERMS);
        assert(nat >= -1 && nat <= ENGINE_MAX_TERMS);
        df = calloc(ft->nterms ? ft->nterms : 1, sizeof *df);
        for (size_t i = 0; df && i < ft->nterms; i++) df[i] = (uint32_t)(i * 7 + sel) % 50;
        ctx.site_df = df;
        ctx.site_ndocs = 40;
    }
    const char *thread[2] = {f[7] ? f[7] : "", f[0]};
    if (sel & 0x08) {
        ctx.thread_texts = thread;
        ctx.nthread = 2;
    }
    engine_dup_match dm[2];
    engine_features *fd = NULL;
    if ((sel & 0x10) && f[8]) {
        engine_comment dc = {f[8], flen[8], "other", NULL, NULL, NULL, NULL};
        if (engine_prepare(sess2, &dc, &fd, &err) == 0) {
            memset(dm, 0, sizeof dm);
            dm[0].comment_id = "d1";
            dm[0].author_key = (sel & 0x20) ? akey : "someone-else";
            memcpy(dm[0].minhash, fd->minhash, sizeof dm[0].minhash);
            dm[0].exact = fd->exact_hash == ft->exact_hash;
            dm[1] = dm[0];
            dm[1].comment_id = "d2";
            dm[1].exact = 1;
            ctx.dups = dm;
            ctx.ndups = 2;
        }
    }

    engine_verdict v;
    engine_score(sess, ft, &c, &ctx, &v);
    assert(v.score >= 0.0 && v.score <= 1.0);
    assert(v.relevance == -1 || (v.relevance >= 0.0 && v.relevance <= 1.0));
    assert(v.status == ENGINE_APPROVED || v.status == ENGINE_PENDING ||
           v.status == ENGINE_REJECTED);
    assert(v.nflags <= ENGINE_MAX_FLAGS);
    for (size_t i = 0; i < v.nflags; i++) {
        assert(memchr(v.flags[i].code, 0, sizeof v.flags[i].code) && v.flags[i].code[0]);
        assert(memchr(v.flags[i].detail, 0, sizeof v.flags[i].detail));
        assert(memchr(v.flags[i].evidence, 0, sizeof v.flags[i].evidence));
        assert(v.flags[i].score >= 0.0 && v.flags[i].score <= 1.0);
    }
    (void)engine_status_name(v.status);

    engine_features_free(fd);
    engine_features_free(ft);
    for (int i = 0; i < nat; i++) free(aterms[i]);
    free(df);
    free(buf);
    return 0;
}
