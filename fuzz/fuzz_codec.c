/* fuzz_codec.c - libFuzzer target for the request JSON decoders (codec.c).
 *
 * Feeds arbitrary bytes to every decoder a client can reach
 * (codec_decode_comment_req, codec_decode_article_req, codec_parse and the
 * codec_obj readers, the site settings decoder) and to the storage decoder
 * the spool replayer uses.
 * Checks two invariants on top of "no crash, no leak": a comment request
 * that decodes re-encodes to a storage record that decodes again with the
 * same id, text and author fields; and the comment request decoder (its
 * reqscan fast path, its jansson fallback) answers every input exactly as
 * the jansson-only decoder does: return value, fields, error
 * (tests/unit/decode_equiv.h).
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/decode_equiv.h"
#include "codec.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Text limit passed as max_text: the service passes max_body; a small
 * value here also exercises the field_too_long path. */
#define FUZZ_MAX_TEXT 4096

static int same(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static void roundtrip(model_comment *cm) {
    cm->site = strdup("fuzz");
    if (!cm->id) cm->id = strdup("generated");
    if (!cm->site || !cm->id) return;
    size_t len = 0;
    char *rec = codec_encode_comment(cm, 1, &len);
    if (!rec) return;
    /* the spool needs one record per line */
    assert(memchr(rec, '\n', len) == NULL);
    model_comment back;
    codec_error err;
    int rc = codec_decode_comment(rec, len, &back, &err);
    assert(rc == 0);
    assert(same(back.id, cm->id) && same(back.text, cm->text));
    assert(same(back.article_id, cm->article_id));
    assert(same(back.author.name, cm->author.name));
    assert(same(back.author.email, cm->author.email));
    model_comment_free(&back);
    char *api = codec_encode_comment(cm, 0, &len);
    free(api);
    free(rec);
}

static void walk(const codec_obj *o, int depth) {
    if (!o || depth > CODEC_MAX_DEPTH + 2) return;
    if (codec_is_array(o)) {
        for (size_t i = 0; i < codec_size(o); i++) walk(codec_at(o, i), depth + 1);
        return;
    }
    if (!codec_is_object(o)) {
        (void)codec_str_value(o);
        return;
    }
    static const char *keys[] = {"id", "ids", "text", "status", "limit", "site",
                                 "reason", "note", "decisions", "url", "lease_seconds"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        long long v;
        (void)codec_get_str(o, keys[i]);
        (void)codec_has(o, keys[i]);
        (void)codec_is_str(o, keys[i]);
        (void)codec_get_int(o, keys[i], &v);
        (void)codec_get_bool(o, keys[i], 0);
        walk(codec_get(o, keys[i]), depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *buf = (const char *)data;
    codec_error err;

    model_comment cm;
    if (codec_decode_comment_req(buf, size, &cm, FUZZ_MAX_TEXT, &err) == 0) {
        roundtrip(&cm);
        model_comment_free(&cm);
    } else {
        assert(err.status == 400 || err.status == 422 || err.status == 413 ||
               err.status == 500);
        assert(err.code[0] != 0);
    }
    char why[EQUIV_WHY];
    if (!decode_equiv(buf, size, FUZZ_MAX_TEXT, NULL, why, sizeof why)) {
        fprintf(stderr, "fast path and jansson differ: %s\n", why);
        abort();
    }

    model_article a;
    if (codec_decode_article_req(buf, size, &a, &err) == 0) {
        size_t len;
        free(codec_encode_article(&a, 1, &len));
        model_article_free(&a);
    }

    /* a settings PUT body: applied to nothing, its stored form decodes
     * again to the same document */
    model_settings patch, base;
    if (codec_decode_settings(buf, size, 1, &patch, &err) == 0) {
        memset(&base, 0, sizeof base);
        if (model_settings_apply(&base, &patch) == 0) {
            size_t len = 0;
            char *doc = codec_encode_settings(&base, &len);
            model_settings again;
            if (doc) {
                assert(codec_decode_settings(doc, len, 0, &again, &err) == 0);
                char *doc2 = codec_encode_settings(&again, NULL);
                assert(!doc2 || strcmp(doc, doc2) == 0);
                free(doc2);
                model_settings_free(&again);
            }
            free(doc);
        }
        model_settings_free(&base);
        model_settings_free(&patch);
    } else {
        assert(err.status == 400 || err.status == 422);
    }

    codec_obj *o = codec_parse(buf, size, &err);
    if (o) {
        walk(o, 0);
        codec_obj_free(o);
    }

    /* storage forms (spool lines, Redis values) */
    model_comment sc;
    if (codec_decode_comment(buf, size, &sc, &err) == 0) model_comment_free(&sc);
    model_article sa;
    if (codec_decode_article(buf, size, &sa, &err) == 0) model_article_free(&sa);
    return 0;
}
