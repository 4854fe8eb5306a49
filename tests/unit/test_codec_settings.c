/* test_codec_settings.c - unit tests for the settings document
 * (codec_settings.c) and its partial update (model_settings_apply). */
#include <stdlib.h>

#include "codec.h"
#include "model.h"
#include "unit.h"

static int decode(const char *json, int patch, model_settings *m, codec_error *e) {
    return codec_decode_settings(json, strlen(json), patch, m, e);
}

static void test_round_trip(void) {
    const char *doc = "{\"thresholds\": {\"pending\": 0.4}, \"banned_words\": [\"Zorblax\", "
                      "\"buy now\"], \"domain_block\": [\"Spam.Example\"], \"flood\": "
                      "{\"max\": 3, \"window\": 60}, \"detectors\": {\"threat\": {\"weight\": "
                      "0.5, \"enabled\": false}}, \"learning\": false, "
                      "\"abuse_severe_rejects\": true}";
    model_settings m;
    codec_error e;
    CHECK(decode(doc, 0, &m, &e) == 0);
    CHECK(m.pending_set == MODEL_SET && m.pending == 0.4 && m.rejected_set == MODEL_UNSET);
    CHECK(m.banned_words.n == 2 && strcmp(m.banned_words.items[0], "zorblax") == 0);
    CHECK(m.banned_words.items[2] == NULL);
    CHECK(strcmp(m.domain_block.items[0], "spam.example") == 0);
    CHECK(m.flood_max == 3 && m.flood_window == 60 && m.ndet == 1);
    CHECK(m.det[0].weight == 0.5 && m.det[0].enabled_set == MODEL_SET && !m.det[0].enabled);
    CHECK(m.learning_set == MODEL_SET && !m.learning && m.abuse_severe_rejects);
    size_t len = 0;
    char *out = codec_encode_settings(&m, &len);
    model_settings again;
    CHECK(out && decode(out, 0, &again, &e) == 0);
    char *out2 = codec_encode_settings(&again, NULL);
    CHECK(out2 && strcmp(out, out2) == 0);
    free(out);
    free(out2);
    model_settings_free(&again);
    model_settings_free(&m);
    model_settings_free(NULL);
}

static void test_patch_and_apply(void) {
    model_settings base, patch;
    codec_error e;
    CHECK(decode("{\"thresholds\": {\"pending\": 0.4, \"rejected\": 0.8}, \"suspect_words\": "
                 "[\"moon\"], \"detectors\": {\"threat\": {\"weight\": 0.5}, \"insult\": "
                 "{\"enabled\": false}}}", 0, &base, &e) == 0);
    CHECK(decode("{\"thresholds\": {\"rejected\": null}, \"suspect_words\": null, "
                 "\"detectors\": {\"insult\": null, \"threat\": {\"enabled\": false}}, "
                 "\"flood\": {\"max\": 0}}", 1, &patch, &e) == 0);
    CHECK(model_settings_apply(&base, &patch) == 0);
    CHECK(base.pending_set == MODEL_SET && base.rejected_set == MODEL_UNSET);
    CHECK(base.suspect_words.set == MODEL_UNSET && base.suspect_words.items == NULL);
    CHECK(base.flood_max_set == MODEL_SET && base.flood_max == 0);
    CHECK(base.ndet == 1 && strcmp(base.det[0].code, "threat") == 0);
    CHECK(base.det[0].weight_set == MODEL_SET && base.det[0].enabled_set == MODEL_SET);
    model_settings_free(&patch);
    /* a group's null resets it whole; "detectors": null every entry */
    CHECK(decode("{\"thresholds\": null, \"detectors\": null, \"flood\": null}", 1, &patch,
                 &e) == 0);
    CHECK(model_settings_apply(&base, &patch) == 0);
    CHECK(model_settings_empty(&base));
    model_settings_free(&patch);
    model_settings_free(&base);
}

/* Each bad document: its error code and field, exactly. */
static void test_errors(void) {
    static const struct {
        const char *json;
        int patch;
        const char *code, *field;
    } bad[] = {
        {"{\"thresholds\": {\"pending\": null}}", 0, "invalid_field", "thresholds.pending"},
        {"{\"thresholds\": {\"pending\": 1.01}}", 1, "invalid_field", "thresholds.pending"},
        {"{\"thresholds\": {\"pending\": true}}", 1, "invalid_field", "thresholds.pending"},
        {"{\"thresholds\": {\"x\": 1}}", 1, "unknown_field", "thresholds.x"},
        {"{\"flood\": {\"window\": 1.5}}", 1, "invalid_field", "flood.window"},
        {"{\"banned_words\": [\"a\\u0001b\"]}", 1, "invalid_field", "banned_words"},
        {"{\"domain_allow\": [\"\"]}", 1, "invalid_field", "domain_allow"},
        {"{\"detectors\": {\"threat\": {}}}", 0, "invalid_field", "detectors.threat"},
        {"{\"detectors\": {\"threat\": {\"weight\": -0.1}}}", 1, "invalid_field",
         "detectors.threat.weight"},
        {"{\"learning\": null}", 0, "invalid_field", "learning"},
        {"{\"colour\": 1}", 1, "unknown_field", "colour"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        model_settings m;
        codec_error e;
        memset(&e, 0, sizeof e);
        CHECK(decode(bad[i].json, bad[i].patch, &m, &e) == -1);
        CHECK(e.status == 422);
        CHECK_STR(e.code, bad[i].code);
        CHECK_STR(e.field, bad[i].field);
    }
    model_settings m;
    codec_error e;
    CHECK(decode("[]", 1, &m, &e) == -1 && e.status == 422);
    CHECK(decode("{", 1, &m, &e) == -1 && e.status == 400);
}

int main(void) {
    UNIT_RUN(test_round_trip);
    UNIT_RUN(test_patch_and_apply);
    UNIT_RUN(test_errors);
    return unit_report("codec_settings");
}
