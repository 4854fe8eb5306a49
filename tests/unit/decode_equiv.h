/* decode_equiv.h - one comment request through both decoders, compared.
 *
 * decode_equiv() runs codec_decode_comment_req (reqscan fast path, jansson
 * fallback) and codec_decode_comment_req_jansson (jansson only) on the
 * same bytes and compares what they give: return value, every string of
 * the model_comment byte for byte, the scalars, and on error the whole
 * codec_error. Shared by tests/unit/test_reqscan.c and fuzz/fuzz_codec.c;
 * header-only so that both can include it without a library of tests.
 */
#ifndef MODQ_DECODE_EQUIV_H
#define MODQ_DECODE_EQUIV_H

#include <stdio.h>
#include <string.h>

#include "codec_private.h"
#include "reqscan.h"

/* Room for why: two whole codec_errors and some words. */
#define EQUIV_WHY 1024

static int equiv_str(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* The first difference between two decoded comments, or NULL. */
static const char *equiv_comment_diff(const model_comment *a, const model_comment *b) {
    const char *const sa[] = {a->id,           a->site,         a->article_id,
                              a->text,         a->parent_id,    a->created_at,
                              a->author.name,  a->author.email, a->author.url,
                              a->author.ip,    a->author.user_agent,
                              a->decided_by,   a->decision_reason, a->decision_note};
    const char *const sb[] = {b->id,           b->site,         b->article_id,
                              b->text,         b->parent_id,    b->created_at,
                              b->author.name,  b->author.email, b->author.url,
                              b->author.ip,    b->author.user_agent,
                              b->decided_by,   b->decision_reason, b->decision_note};
    static const char *const names[] = {"id",          "site",         "article_id",
                                        "text",        "parent_id",    "created_at",
                                        "author.name", "author.email", "author.url",
                                        "author.ip",   "author.user_agent",
                                        "decided_by",  "decision_reason", "decision_note"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!equiv_str(sa[i], sb[i])) return names[i];
    if (a->relevance != b->relevance || a->score != b->score || a->status != b->status ||
        a->auto_status != b->auto_status || a->nflags != b->nflags ||
        a->received_ms != b->received_ms || a->decided_ms != b->decided_ms ||
        strcmp(a->author_key, b->author_key) != 0 || a->has_minhash != b->has_minhash)
        return "a scalar field";
    return NULL;
}

/* 1 when both decoders answer buf[0..len) alike; 0 otherwise, with why
 * (whylen bytes, EQUIV_WHY is enough) naming the first difference. *accepted (may be NULL)
 * gets 1 when the answer came from the fast path. Frees what it decodes. */
static int decode_equiv(const char *buf, size_t len, size_t max_text, int *accepted,
                        char *why, size_t whylen) {
    model_comment a, b;
    codec_error ea, eb;
    memset(&ea, 0, sizeof ea);
    memset(&eb, 0, sizeof eb);
    if (accepted) {
        reqscan_comment r;
        *accepted = reqscan_comment_scan(buf, len, &r) == 0;
        reqscan_comment_free(&r);
    }
    int ra = codec_decode_comment_req(buf, len, &a, max_text, &ea);
    int rb = codec_decode_comment_req_jansson(buf, len, &b, max_text, &eb);
    const char *diff = equiv_comment_diff(&a, &b);
    if (ra != rb)
        snprintf(why, whylen, "returns %d, jansson %d (%s / %s)", ra, rb, ea.text, eb.text);
    else if (ra < 0 && (ea.status != eb.status || strcmp(ea.code, eb.code) != 0 ||
                        strcmp(ea.field, eb.field) != 0 || strcmp(ea.text, eb.text) != 0))
        snprintf(why, whylen, "error %d %s %s \"%s\", jansson %d %s %s \"%s\"", ea.status,
                 ea.code, ea.field, ea.text, eb.status, eb.code, eb.field, eb.text);
    else if (diff)
        snprintf(why, whylen, "%s differs", diff);
    else
        why[0] = 0;
    model_comment_free(&a);
    model_comment_free(&b);
    return why[0] == 0;
}

#endif
