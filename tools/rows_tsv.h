/* rows_tsv.h - the text field of the rows tools/model_data.py writes
 * (`label<TAB>group<TAB>text`, text escaped as \\ \t \n \r), read back by
 * the build tools (train_model.c, eval_engine.c). Header-only. */
#ifndef MODQ_ROWS_TSV_H
#define MODQ_ROWS_TSV_H

#include <stddef.h>

/* Undoes the escaping of s in place; returns its new length. */
static inline size_t rows_unescape(char *s) {
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\\' && s[i + 1]) {
            char c = s[++i];
            s[o++] = c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
        } else {
            s[o++] = s[i];
        }
    }
    s[o] = '\0';
    return o;
}

#endif
