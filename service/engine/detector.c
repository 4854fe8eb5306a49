/* detector.c - the detector registry: the table, its settings, its run.
 *
 * Owns the one table of detectors, built from ENGINE_DETECTORS (engine.h)
 * and the rows det_<code>.c export; the public look-ups over it (count,
 * rows, codes, names of kinds, evidence shapes and context bits); the
 * resolution of configured weights and disabled codes into per-engine
 * settings; and the loop that runs the table for one comment. It holds no
 * detector logic and no combination rule (score.c), and keeps no mutable
 * state: the table is constant.
 */
#include "detector.h"

#include <stdio.h>
#include <string.h>

/* A verdict holds one flag per detector and the trusted-author note. */
_Static_assert(ENGINE_D_COUNT + 1 <= ENGINE_MAX_FLAGS,
               "ENGINE_MAX_FLAGS must hold every detector and trusted_author");

#define DETECTOR_ROW_(code) &det_##code,
static const detector *const table[ENGINE_D_COUNT] = {
    ENGINE_DETECTORS(DETECTOR_ROW_)};
#undef DETECTOR_ROW_

/* The codes as the table names them; each row must carry the same one
 * (tests/unit/test_engine.c checks engine_detector_name against the rows). */
#define DETECTOR_NAME_(code) #code,
static const char *const names[ENGINE_D_COUNT] = {
    ENGINE_DETECTORS(DETECTOR_NAME_)};
#undef DETECTOR_NAME_

const detector *detector_at(size_t i) { return table[i]; }

size_t engine_detector_count(void) { return ENGINE_D_COUNT; }

const engine_detector_row *engine_detector_info(size_t i) {
    return i < ENGINE_D_COUNT ? &table[i]->row : NULL;
}

const char *engine_detector_name(engine_detector d) {
    return d >= 0 && d < ENGINE_D_COUNT ? names[d] : NULL;
}

int engine_detector_find(const char *code) {
    for (int i = 0; code && i < ENGINE_D_COUNT; i++)
        if (strcmp(table[i]->row.code, code) == 0)
            return i;
    return -1;
}

size_t engine_flag_code_count(void) { return ENGINE_D_COUNT + 1; }

const char *engine_flag_code(size_t i) {
    if (i < ENGINE_D_COUNT)
        return table[i]->row.code;
    return i == ENGINE_D_COUNT ? ENGINE_TRUSTED_CODE : NULL;
}

const char *engine_kind_name(engine_kind k) {
    switch (k) {
    case ENGINE_KIND_SPAM: return "spam";
    case ENGINE_KIND_REVIEW: return "review";
    case ENGINE_KIND_STYLE: return "style";
    }
    return NULL;
}

const char *engine_evidence_name(engine_evidence e) {
    switch (e) {
    case ENGINE_EVIDENCE_NONE: return "none";
    case ENGINE_EVIDENCE_SPAN: return "span";
    case ENGINE_EVIDENCE_LINKS: return "links";
    case ENGINE_EVIDENCE_WORDS: return "words";
    case ENGINE_EVIDENCE_COMMENT: return "comment";
    case ENGINE_EVIDENCE_VALUE: return "value";
    }
    return NULL;
}

const char *engine_need_name(unsigned bit) {
    static const char *const need[ENGINE_NEED_BITS] = {
        "article", "thread", "site_df", "duplicates", "flood", "learned",
        "history"};
    return bit < ENGINE_NEED_BITS ? need[bit] : NULL;
}

static void config_err(engine_error *err, const char *field, const char *text) {
    if (!err)
        return;
    err->code = ENGINE_E_CONFIG;
    snprintf(err->field, sizeof err->field, "%s", field);
    snprintf(err->text, sizeof err->text, "%s", text);
}

int detector_settings_resolve(const engine_config *cfg, detector_settings *out,
                              engine_error *err) {
    char field[sizeof err->field], text[sizeof err->text];
    for (size_t i = 0; i < ENGINE_D_COUNT; i++) {
        out->weight[i] = table[i]->row.weight;
        out->enabled[i] = 1;
    }
    for (size_t i = 0; i < cfg->nweights; i++) {
        const engine_weight *w = &cfg->weights[i];
        int d = engine_detector_find(w->code);
        snprintf(field, sizeof field, "weight_%s", w->code ? w->code : "");
        if (d < 0) {
            snprintf(text, sizeof text,
                     "no detector has the code \"%.40s\" (GET /v1/detectors "
                     "lists them)", w->code ? w->code : "");
            config_err(err, field, text);
            return -1;
        }
        if (!(w->weight >= 0 && w->weight <= 1)) {
            config_err(err, field, "detector weight must be in [0,1]");
            return -1;
        }
        out->weight[d] = w->weight;
    }
    for (size_t i = 0; cfg->disabled && cfg->disabled[i]; i++) {
        int d = engine_detector_find(cfg->disabled[i]);
        if (d < 0) {
            snprintf(text, sizeof text,
                     "no detector has the code \"%.40s\" (GET /v1/detectors "
                     "lists them)", cfg->disabled[i]);
            config_err(err, "detectors_disabled", text);
            return -1;
        }
        out->enabled[d] = 0;
    }
    return 0;
}

void detector_run_all(const detector_analysis *a, const detector_settings *st,
                      engine_verdict *v) {
    score_signal sig;
    for (size_t i = 0; i < ENGINE_D_COUNT; i++) {
        const detector *d = table[i];
        if (!st->enabled[i] || (d->row.needs & ~a->have))
            continue;
        score_signal_clear(&sig);
        d->run(a, &sig);
        score_add(v, d->row.code, st->weight[i], &sig);
    }
}
