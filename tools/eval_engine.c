/* eval_engine.c - the engine alone over rows, for evaluation (tools/eval_oof.py).
 *
 * Usage:
 *   eval_engine < rows.tsv
 *
 * Rows are `label<TAB>group<TAB>text[<TAB>p]`, text escaped as
 * tools/model_data.py writes it (\\ \t \n \r). Each text is scored by the
 * engine with its default configuration, as a comment of its own author
 * under no article, and one line is printed per row:
 * `label<TAB>group<TAB>status<TAB>flags` (flags comma-separated codes).
 * With p (0..1), the toxicity detector reads p in place of its model's
 * probability -- a row's out-of-fold probability from `train_model --oof`,
 * so the verdict is the one a comment the model never saw would get; the
 * evidence words stay the committed model's. This tool links a copy of
 * det_toxicity.c built with MODQ_EVAL_HOOKS (the Makefile's
 * build/eval_engine); the service has no such hook. A build tool, not
 * part of the service: it may do I/O and exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rows_tsv.h"

/* set by this tool, read by det_toxicity.c built with MODQ_EVAL_HOOKS */
extern double det_toxicity_eval_prob;

/* Longest row read: a Toxic Spans comment is under 5 KB. */
#define EVAL_LINE_MAX (1 << 20)

int main(void) {
    engine_config cfg;
    engine_config_defaults(&cfg);
    engine_error err = {0};
    engine *e = engine_new(&cfg, &err);
    if (!e) {
        fprintf(stderr, "eval_engine: %s\n", err.text);
        return 1;
    }
    engine_session *s = engine_session_new(e);
    char *line = malloc(EVAL_LINE_MAX);
    if (!s || !line) {
        fprintf(stderr, "eval_engine: out of memory\n");
        return 1;
    }
    while (fgets(line, EVAL_LINE_MAX, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        char *g = strchr(line, '\t'), *t = g ? strchr(g + 1, '\t') : NULL;
        if (!t) {
            fprintf(stderr, "eval_engine: rows must be label<TAB>group<TAB>text\n");
            return 1;
        }
        *g = *t = '\0';
        char *p = strchr(t + 1, '\t');
        det_toxicity_eval_prob = -1;
        if (p) {
            *p = '\0';
            det_toxicity_eval_prob = strcmp(p + 1, "-") == 0 ? -1 : atof(p + 1);
        }
        size_t len = rows_unescape(t + 1);
        engine_comment c;
        memset(&c, 0, sizeof c);
        c.text = t + 1;
        c.text_len = len;
        c.author_name = "reader";
        engine_features *f = NULL;
        if (engine_prepare(s, &c, &f, &err) < 0) {
            printf("%s\t%s\terror\t\n", line, g + 1);
            continue;
        }
        char akey[256];
        engine_author_key(&c, akey, sizeof akey);
        engine_context ctx = {.author_key = akey, .learned_spam_prob = -1};
        engine_verdict v;
        engine_score(s, f, &c, &ctx, &v);
        printf("%s\t%s\t%s\t", line, g + 1, engine_status_name(v.status));
        for (size_t k = 0; k < v.nflags; k++)
            printf("%s%s", k ? "," : "", v.flags[k].code);
        printf("\n");
        engine_features_free(f);
    }
    free(line);
    engine_session_free(s);
    engine_free(e);
    return 0;
}
