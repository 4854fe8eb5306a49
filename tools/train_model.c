/* train_model.c - trains a learned model of the engine (ngram.h) with liblinear.
 *
 * Usage:
 *   train_model --name NAME --date YYYY-MM-DD --out FILE   < rows.tsv
 *   train_model --name NAME --loso                         < rows.tsv
 *   train_model --score MODEL                              < rows.tsv
 *   train_model --name NAME --oof FILE                     < rows.tsv
 *
 * Rows come from tools/model_data.py: `label<TAB>group<TAB>text`, text
 * escaped (\\ \t \n \r). Each text is normalised by the engine's own
 * normalize_text and cut into the engine's hashed n-grams (ngram_extract),
 * so the model sees exactly what the detector will; x = counts /
 * (occurrences + prior)^power (per model, below), as ngram_margin does. The
 * classifier is
 * L1-regularised logistic regression (liblinear L1R_LR), so only the
 * non-zero weights are written; the classes are weighted to count equally.
 * Platt scaling is fitted on out-of-fold margins (TRAIN_FOLDS folds, row i
 * in fold i % TRAIN_FOLDS), with the same class weights: the probability is
 * calibrated for a comment as likely to be positive as not.
 *
 *   --out    trains on every row, writes the model file, prints the
 *            reliability of the out-of-fold probabilities to stderr
 *   --loso   leave-one-site-out: for each group, trains (and calibrates)
 *            on the others and prints the figures on the held-out group
 *   --score  prints, per row, the probability the model file gives (parsed
 *            by the engine's parser, ngram_model_parse)
 *   --oof    writes to FILE, per input row and in input order, the row's
 *            out-of-fold probability (`label<TAB>group<TAB>p`, p "-" for a
 *            row the engine would refuse): the margin of the fold model
 *            that never saw the row, read through the Platt scaling --out
 *            fits on those margins, so what --out's reliability and
 *            per-source figures (printed to stderr) describe, row by row
 *
 * Deterministic: rows in input order, fixed folds, srand(TRAIN_SEED)
 * before every training (liblinear's coordinate descent shuffles with
 * rand()). A build tool, not part of the service: it may do I/O and exit.
 */
#include <linear.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngram.h"
#include "normalize.h"
#include "rows_tsv.h"

/* The settings of each model, chosen on leave-one-site-out figures
 * (--loso) and the false flags on genuine answers of a site never trained
 * on (tools/eval_learned.py), and on the out-of-fold figures per source
 * that --out prints (comments of a trained-on source, unseen): C,
 * liblinear's regularisation (smaller keeps fewer weights; for toxicity
 * 128 beat 8 and 32 on every source: Toxic Spans recall at 0.5 and genuine
 * false flags alike), and the length power of x (ngram_margin). The spam model
 * lets length count (0.5: the YouTube spam is longer than its ham); the
 * toxicity model takes the mean (1: a long civil answer must not add up
 * to abuse) with a prior of 100 occurrences (about seven words: a text of
 * one or two words leans on the bias, not on one word's n-grams). --C,
 * --length and --prior override them, to explore. */
static const struct {
    const char *name;
    double c, power, prior;
} settings[] = {{"ngram_spam", 4.0, 0.5, 0}, {"toxicity", 128.0, 1.0, 100}};
static double train_c = -1, train_power = -1, train_prior = -1;
/* liblinear's stopping tolerance for L1R_LR (its default). */
#define TRAIN_EPS 0.01
#define TRAIN_FOLDS 5
#define TRAIN_SEED 1
/* Weights smaller than this are dropped from the file: they move no
 * margin by a thousandth. */
#define TRAIN_MIN_WEIGHT 1e-6
/* Longest row read: a Toxic Spans comment is under 5 KB. */
#define TRAIN_LINE_MAX (1 << 20)
#define TRAIN_GROUPS 16
/* Reliability bins of the calibration report. */
#define TRAIN_BINS 10

typedef struct row {
    int label;
    int group;
    size_t line; /* 0-based line of the input */
    struct feature_node *x; /* ends with index -1 (after the bias node) */
} row;

static row *rows;
static size_t nrows, caprows, nlines;
static char groups[TRAIN_GROUPS][64];
static int ngroups;

static void die(const char *what) {
    fprintf(stderr, "train_model: %s\n", what);
    exit(1);
}

static void quiet(const char *s) { (void)s; }

static int group_of(const char *g) {
    for (int i = 0; i < ngroups; i++)
        if (strcmp(groups[i], g) == 0)
            return i;
    if (ngroups == TRAIN_GROUPS)
        die("too many groups");
    snprintf(groups[ngroups], sizeof groups[0], "%s", g);
    return ngroups++;
}

static int by_index(const void *a, const void *b) {
    const struct feature_node *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

/* The sparse vector of text: sorted bucket indexes (1-based), counts /
 * occurrences^train_power, then the bias node (value 1) and the end mark. */
static struct feature_node *vectorise(const char *text, size_t len,
                                      ngram_doc *doc) {
    char *norm;
    size_t nn;
    normalize_stats st;
    if (normalize_text(text, len, &norm, &nn, &st, NULL) < 0)
        return NULL;
    if (ngram_extract(norm, nn, doc) < 0)
        die("out of memory");
    free(norm);
    struct feature_node *x = malloc((doc->n + 2) * sizeof *x);
    if (!x)
        die("out of memory");
    for (size_t i = 0; i < doc->n; i++) {
        x[i].index = (int)doc->f[i].bucket + 1;
        x[i].value = 1;
    }
    qsort(x, doc->n, sizeof *x, by_index);
    size_t k = 0;
    double norm_by = doc->n ? 1.0 / pow((double)doc->n + train_prior, train_power) : 0;
    for (size_t i = 0; i < doc->n; i++) {
        if (k && x[k - 1].index == x[i].index)
            x[k - 1].value += 1;
        else
            x[k++] = x[i];
    }
    for (size_t i = 0; i < k; i++)
        x[i].value *= norm_by;
    x[k].index = (int)NGRAM_BUCKETS + 1; /* bias */
    x[k].value = 1;
    x[k + 1].index = -1;
    return x;
}

static void read_rows(void) {
    char *line = malloc(TRAIN_LINE_MAX);
    ngram_doc doc = {0};
    if (!line)
        die("out of memory");
    while (fgets(line, TRAIN_LINE_MAX, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        char *g = strchr(line, '\t'), *t = g ? strchr(g + 1, '\t') : NULL;
        if (!t || (line[0] != '0' && line[0] != '1'))
            die("rows must be label<TAB>group<TAB>text");
        *g = *t = '\0';
        nlines++;
        size_t len = rows_unescape(t + 1);
        struct feature_node *x = vectorise(t + 1, len, &doc);
        if (!x)
            continue; /* invalid UTF-8: the service would refuse it too */
        if (nrows == caprows) {
            caprows = caprows ? 2 * caprows : 4096;
            rows = realloc(rows, caprows * sizeof *rows);
            if (!rows)
                die("out of memory");
        }
        rows[nrows].label = line[0] - '0';
        rows[nrows].group = group_of(g + 1);
        rows[nrows].line = nlines - 1;
        rows[nrows].x = x;
        nrows++;
    }
    ngram_doc_free(&doc);
    free(line);
}

/* ------------------------------------------------------------------------ */
/* Training                                                                  */
/* ------------------------------------------------------------------------ */

/* A trained linear model over the buckets: w[NGRAM_BUCKETS] and bias. */
typedef struct linear {
    double *w;
    double bias;
    double a, b; /* Platt */
} linear;

static double margin_of(const linear *m, const struct feature_node *x) {
    double s = 0;
    for (; x->index != -1; x++)
        s += x->index <= (int)NGRAM_BUCKETS ? m->w[x->index - 1] * x->value
                                            : m->bias * x->value;
    return s;
}

/* Trains on the rows with use[i] set. */
static void fit(const unsigned char *use, linear *out) {
    size_t n = 0, pos = 0;
    for (size_t i = 0; i < nrows; i++)
        if (use[i]) {
            n++;
            pos += rows[i].label;
        }
    if (pos == 0 || pos == n)
        die("a training set needs both classes");
    struct problem prob = {.l = (int)n, .n = (int)NGRAM_BUCKETS + 1, .bias = -1};
    prob.y = malloc(n * sizeof *prob.y);
    prob.x = malloc(n * sizeof *prob.x);
    if (!prob.y || !prob.x)
        die("out of memory");
    /* the first row's label comes first in liblinear's label order: put a
     * positive first so w scores the positive class */
    size_t k = 0;
    for (size_t i = 0; i < nrows && !k; i++)
        if (use[i] && rows[i].label == 1) {
            prob.y[k] = 1;
            prob.x[k++] = rows[i].x;
        }
    int first = -1;
    for (size_t i = 0; i < nrows; i++)
        if (use[i]) {
            if (rows[i].label == 1 && first < 0) {
                first = (int)i; /* placed above */
                continue;
            }
            prob.y[k] = rows[i].label;
            prob.x[k++] = rows[i].x;
        }
    int wl[2] = {1, 0};
    double wt[2] = {(double)n / (2.0 * (double)pos),
                    (double)n / (2.0 * (double)(n - pos))};
    struct parameter par = {.solver_type = L1R_LR, .eps = TRAIN_EPS, .C = train_c,
                            .nr_weight = 2, .weight_label = wl, .weight = wt};
    const char *bad = check_parameter(&prob, &par);
    if (bad)
        die(bad);
    srand(TRAIN_SEED);
    struct model *m = train(&prob, &par);
    if (m->label[0] != 1)
        die("liblinear put the negative class first");
    out->w = calloc(NGRAM_BUCKETS, sizeof *out->w);
    if (!out->w)
        die("out of memory");
    for (size_t j = 0; j < NGRAM_BUCKETS; j++)
        out->w[j] = fabs(m->w[j]) < TRAIN_MIN_WEIGHT ? 0 : m->w[j];
    out->bias = m->w[NGRAM_BUCKETS];
    free_and_destroy_model(&m);
    free(prob.y);
    free(prob.x);
}

/* Platt's fit of p = 1 / (1 + exp(A f + B)) to margins f[i] and labels
 * y[i] (n of them, class weights cw[1], cw[0]), by Newton's method with
 * Platt's smoothed targets (Lin, Lin and Weng's version). */
static void platt_fit(const double *f, const int *y, size_t n,
                      const double cw[2], double *A, double *B) {
    double np = 0, nn = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i])
            np += cw[1];
        else
            nn += cw[0];
    }
    double hi = (np + 1) / (np + 2), lo = 1 / (nn + 2);
    double a = 0, b = log((nn + 1) / (np + 1));
    for (int it = 0; it < 100; it++) {
        double g1 = 0, g2 = 0, h11 = 1e-12, h22 = 1e-12, h21 = 0;
        for (size_t i = 0; i < n; i++) {
            double t = y[i] ? hi : lo, w = cw[y[i]];
            double p = ngram_platt(f[i], a, b), d2 = p * (1 - p) * w;
            h11 += f[i] * f[i] * d2;
            h22 += d2;
            h21 += f[i] * d2;
            double d1 = (t - p) * w;
            g1 += f[i] * d1;
            g2 += d1;
        }
        if (fabs(g1) < 1e-9 && fabs(g2) < 1e-9)
            break;
        double det = h11 * h22 - h21 * h21;
        double da = -(h22 * g1 - h21 * g2) / det;
        double db = -(-h21 * g1 + h11 * g2) / det;
        a += da;
        b += db;
    }
    *A = a;
    *B = b;
}

static void class_weights(const unsigned char *use, double cw[2]) {
    size_t n = 0, pos = 0;
    for (size_t i = 0; i < nrows; i++)
        if (use[i]) {
            n++;
            pos += rows[i].label;
        }
    cw[1] = (double)n / (2.0 * (double)pos);
    cw[0] = (double)n / (2.0 * (double)(n - pos));
}

/* The out-of-fold margins of the rows with use[i] set into oof (nrows
 * entries: those rows in TRAIN_FOLDS folds, the k-th of them in fold
 * k % TRAIN_FOLDS, each scored by the model trained on the other folds),
 * and the Platt scaling fitted on them into out->a, out->b. */
static void oof_calibrated(const unsigned char *use, linear *out, double *oof) {
    unsigned char *sub = malloc(nrows);
    double *f = malloc(nrows * sizeof *f);
    int *y = malloc(nrows * sizeof *y);
    size_t *fold = malloc(nrows * sizeof *fold);
    if (!sub || !f || !y || !fold)
        die("out of memory");
    size_t k = 0, idx = 0;
    for (size_t i = 0; i < nrows; i++)
        fold[i] = use[i] ? idx++ % TRAIN_FOLDS : (size_t)-1;
    for (size_t fo = 0; fo < TRAIN_FOLDS; fo++) {
        for (size_t i = 0; i < nrows; i++)
            sub[i] = use[i] && fold[i] != fo;
        linear m;
        fit(sub, &m);
        for (size_t i = 0; i < nrows; i++)
            if (fold[i] == fo)
                oof[i] = margin_of(&m, rows[i].x);
        free(m.w);
    }
    /* the margins in row order, for the fit */
    for (size_t i = 0; i < nrows; i++)
        if (use[i]) {
            f[k] = oof[i];
            y[k++] = rows[i].label;
        }
    double cw[2];
    class_weights(use, cw);
    platt_fit(f, y, k, cw, &out->a, &out->b);
    free(fold);
    free(y);
    free(f);
    free(sub);
}

/* Trains on use[], with Platt scaling fitted on out-of-fold margins of
 * those rows; oof (nrows entries) receives those margins. */
static void fit_calibrated(const unsigned char *use, linear *out, double *oof) {
    double a, b;
    oof_calibrated(use, out, oof);
    a = out->a;
    b = out->b;
    fit(use, out);
    out->a = a;
    out->b = b;
}

/* ------------------------------------------------------------------------ */
/* Figures                                                                   */
/* ------------------------------------------------------------------------ */

static const double *auc_scores;
static int by_score(const void *a, const void *b) {
    double x = auc_scores[*(const size_t *)a], y = auc_scores[*(const size_t *)b];
    return (x > y) - (x < y);
}

/* ROC AUC of p over the rows in sel (ties half), or -1 with one class. */
static double auc(const double *p, const size_t *sel, size_t n) {
    size_t *o = malloc(n * sizeof *o);
    if (!o)
        die("out of memory");
    memcpy(o, sel, n * sizeof *o);
    auc_scores = p;
    qsort(o, n, sizeof *o, by_score);
    double rank_sum = 0, npos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[o[j]] == p[o[i]])
            j++;
        double r = (double)(i + j + 1) / 2.0; /* mean 1-based rank */
        for (size_t k = i; k < j; k++)
            if (rows[o[k]].label) {
                rank_sum += r;
                npos++;
            }
        i = j;
    }
    free(o);
    double nneg = (double)n - npos;
    if (npos == 0 || nneg == 0)
        return -1;
    return (rank_sum - npos * (npos + 1) / 2.0) / (npos * nneg);
}

static void print_reliability(const double *prob, const unsigned char *use,
                              const double cw[2], FILE *out) {
    double w[TRAIN_BINS] = {0}, wp[TRAIN_BINS] = {0}, sp[TRAIN_BINS] = {0};
    size_t cnt[TRAIN_BINS] = {0};
    for (size_t i = 0; i < nrows; i++) {
        if (!use[i])
            continue;
        int b = (int)(prob[i] * TRAIN_BINS);
        b = b >= TRAIN_BINS ? TRAIN_BINS - 1 : b;
        double x = cw[rows[i].label];
        w[b] += x;
        wp[b] += rows[i].label ? x : 0;
        sp[b] += prob[i] * x;
        cnt[b]++;
    }
    fprintf(out, "  reliability (out-of-fold, classes weighted equally):\n"
                 "    bin        n   mean p  positive\n");
    for (int b = 0; b < TRAIN_BINS; b++)
        if (cnt[b])
            fprintf(out, "    %.1f-%.1f %6zu   %.3f   %.3f\n", (double)b / TRAIN_BINS,
                    (double)(b + 1) / TRAIN_BINS, cnt[b], sp[b] / w[b], wp[b] / w[b]);
}

/* One source's rows under probabilities prob: how many, how many
 * positive, the positives and negatives at or above 0.5, and the ROC AUC
 * (-1 with one class). sel is scratch of nrows entries. */
typedef struct tally {
    size_t n, pos, tp, fp;
    double auc;
} tally;

static void group_tally(const double *prob, int g, size_t *sel, tally *t) {
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < nrows; i++) {
        if (rows[i].group != g)
            continue;
        sel[t->n++] = i;
        t->pos += rows[i].label;
        if (prob[i] >= 0.5) {
            t->tp += rows[i].label;
            t->fp += !rows[i].label;
        }
    }
    t->auc = auc(prob, sel, t->n);
}

/* Out-of-fold figures per source: how the model does on comments of a
 * source it was trained on, but never on these comments (the estimate for
 * new comments of the same kinds; --loso gives the one for a new kind).
 * sel is scratch of nrows entries. */
static void print_groups(const double *prob, size_t *sel, FILE *out) {
    fprintf(out, "  per source (out-of-fold):\n"
                 "    source                n   pos    AUC  pos>=0.5  neg>=0.5\n");
    for (int g = 0; g < ngroups; g++) {
        tally t;
        group_tally(prob, g, sel, &t);
        char as[16], ps[16], ns[16];
        snprintf(as, sizeof as, t.auc < 0 ? "-" : "%.3f", t.auc);
        snprintf(ps, sizeof ps, t.pos ? "%.1f%%" : "-",
                 t.pos ? 100.0 * (double)t.tp / (double)t.pos : 0);
        snprintf(ns, sizeof ns, t.n > t.pos ? "%.1f%%" : "-",
                 t.n > t.pos ? 100.0 * (double)t.fp / (double)(t.n - t.pos) : 0);
        fprintf(out, "    %-18s %6zu %5zu %6s %9s %9s\n", groups[g], t.n, t.pos, as,
                ps, ns);
    }
}

/* ------------------------------------------------------------------------ */
/* Modes                                                                     */
/* ------------------------------------------------------------------------ */

static void mode_out(const char *name, const char *date, const char *path,
                     const char *sources) {
    unsigned char *all = malloc(nrows);
    double *oof = malloc(nrows * sizeof *oof), *prob = malloc(nrows * sizeof *prob);
    if (!all || !oof || !prob)
        die("out of memory");
    memset(all, 1, nrows);
    linear m;
    fit_calibrated(all, &m, oof);
    size_t nz = 0, pos = 0;
    for (size_t j = 0; j < NGRAM_BUCKETS; j++)
        nz += m.w[j] != 0;
    for (size_t i = 0; i < nrows; i++) {
        prob[i] = ngram_platt(oof[i], m.a, m.b);
        pos += rows[i].label;
    }
    double cw[2];
    class_weights(all, cw);
    size_t *sel = malloc(nrows * sizeof *sel);
    for (size_t i = 0; i < nrows; i++)
        sel[i] = i;
    fprintf(stderr, "%s: %zu rows (%zu positive), %zu non-zero weights, "
                    "out-of-fold AUC %.3f, Platt A %.4f B %.4f\n",
            name, nrows, pos, nz, auc(prob, sel, nrows), m.a, m.b);
    print_reliability(prob, all, cw, stderr);
    print_groups(prob, sel, stderr);
    free(sel);
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot write the model file");
    fprintf(f, "# modq learned model %s: hashed word 1-2grams and character "
               "3-5grams of the\n# engine's normalised text "
               "(service/engine/ngram.h), logistic regression.\n", name);
    fprintf(f, "# trained %s by tools/train_model.c (make model): liblinear "
               "L1R_LR, C %g,\n# classes weighted equally, Platt scaling on "
               "%d-fold out-of-fold margins.\n", date, train_c, TRAIN_FOLDS);
    fprintf(f, "# sources: %s\n", sources);
    fprintf(f, "# rows: %zu (%zu positive); features: %u buckets, char "
               "%d-%d, word 1-2, x = count / (occurrences + %g)^%g\n",
            nrows, pos, NGRAM_BUCKETS, NGRAM_CHAR_MIN, NGRAM_CHAR_MAX,
            train_prior, train_power);
    fprintf(f, "ngram 1\nname %s\nbuckets %d\nlength %g %g\nbias %.9g\n"
               "platt %.9g %.9g\nweights %zu\n",
            name, NGRAM_BUCKET_BITS, train_power, train_prior, m.bias, m.a,
            m.b, nz);
    for (size_t j = 0; j < NGRAM_BUCKETS; j++)
        if (m.w[j] != 0)
            fprintf(f, "%zu %.6g\n", j, m.w[j]);
    if (fclose(f) != 0)
        die("cannot write the model file");
    free(m.w);
    free(prob);
    free(oof);
    free(all);
}

static void mode_oof(const char *name, const char *path) {
    unsigned char *all = malloc(nrows);
    double *oof = malloc(nrows * sizeof *oof), *prob = malloc(nrows * sizeof *prob);
    size_t *sel = malloc(nrows * sizeof *sel);
    if (!all || !oof || !prob || !sel)
        die("out of memory");
    memset(all, 1, nrows);
    linear m;
    oof_calibrated(all, &m, oof);
    for (size_t i = 0; i < nrows; i++) {
        prob[i] = ngram_platt(oof[i], m.a, m.b);
        sel[i] = i;
    }
    fprintf(stderr, "%s: %zu rows, out-of-fold AUC %.3f, Platt A %.4f B %.4f\n", name,
            nrows, auc(prob, sel, nrows), m.a, m.b);
    print_groups(prob, sel, stderr);
    FILE *f = fopen(path, "w");
    if (!f)
        die("cannot write the out-of-fold file");
    size_t r = 0;
    for (size_t line = 0; line < nlines; line++) {
        if (r < nrows && rows[r].line == line) {
            fprintf(f, "%d\t%s\t%.6f\n", rows[r].label, groups[rows[r].group], prob[r]);
            r++;
        } else {
            fprintf(f, "-\t-\t-\n");
        }
    }
    if (fclose(f) != 0)
        die("cannot write the out-of-fold file");
    free(sel);
    free(prob);
    free(oof);
    free(all);
}

static void mode_loso(void) {
    unsigned char *use = malloc(nrows);
    double *prob = malloc(nrows * sizeof *prob);
    size_t *sel = malloc(nrows * sizeof *sel);
    if (!use || !prob || !sel)
        die("out of memory");
    printf("  held out              n   pos    AUC  flag@0.5   prec   rec    F1  weights\n");
    for (int g = 0; g < ngroups; g++) {
        for (size_t i = 0; i < nrows; i++)
            use[i] = rows[i].group != g;
        linear m;
        fit_calibrated(use, &m, prob);
        size_t nz = 0;
        for (size_t j = 0; j < NGRAM_BUCKETS; j++)
            nz += m.w[j] != 0;
        for (size_t i = 0; i < nrows; i++)
            if (!use[i])
                prob[i] = ngram_platt(margin_of(&m, rows[i].x), m.a, m.b);
        tally t;
        group_tally(prob, g, sel, &t);
        size_t n = t.n, pos = t.pos, tp = t.tp, fp = t.fp;
        double a = t.auc;
        double p = tp + fp ? (double)tp / (double)(tp + fp) : 0;
        double r = pos ? (double)tp / (double)pos : 0;
        char as[16], ps[16], rs[16], fs[16];
        snprintf(as, sizeof as, a < 0 ? "-" : "%.3f", a);
        snprintf(ps, sizeof ps, tp + fp && pos ? "%.3f" : "-", p);
        snprintf(rs, sizeof rs, pos ? "%.3f" : "-", r);
        snprintf(fs, sizeof fs, pos && p + r > 0 ? "%.3f" : "-",
                 p + r > 0 ? 2 * p * r / (p + r) : 0);
        printf("  %-18s %6zu %5zu %6s %8.1f%% %6s %5s %5s %8zu\n", groups[g], n,
               pos, as, 100.0 * (double)(tp + fp) / (double)n, ps, rs, fs, nz);
        fflush(stdout);
        free(m.w);
    }
    free(sel);
    free(prob);
    free(use);
}

static void mode_score(const char *path) {
    FILE *f = fopen(path, "rb");
    static char buf[1 << 24];
    if (!f)
        die("cannot read the model file");
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char err[128];
    ngram_model *m = ngram_model_parse(buf, len, err, sizeof err);
    if (!m)
        die(err);
    char *line = malloc(TRAIN_LINE_MAX);
    ngram_doc doc = {0};
    ngram_result r;
    if (!line)
        die("out of memory");
    /* the engine's path: normalise, extract, predict with the parsed file */
    while (fgets(line, TRAIN_LINE_MAX, stdin)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
            line[--n] = '\0';
        char *g = strchr(line, '\t'), *t = g ? strchr(g + 1, '\t') : NULL;
        if (!t)
            die("rows must be label<TAB>group<TAB>text");
        *g = *t = '\0';
        size_t tl = rows_unescape(t + 1);
        char *norm;
        size_t nn;
        normalize_stats st;
        if (normalize_text(t + 1, tl, &norm, &nn, &st, NULL) < 0) {
            printf("%s\t%s\t-\n", line, g + 1);
            continue;
        }
        if (ngram_extract(norm, nn, &doc) < 0)
            die("out of memory");
        ngram_predict(m, &doc, &r);
        char words[256];
        ngram_words(norm, &r, words, sizeof words);
        printf("%s\t%s\t%.4f\t%s\n", line, g + 1, r.prob, words);
        free(norm);
    }
    ngram_doc_free(&doc);
    free(line);
    ngram_model_free(m);
}

int main(int argc, char **argv) {
    const char *name = NULL, *date = NULL, *out = NULL, *score = NULL, *oof = NULL;
    int loso = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--loso") == 0)
            loso = 1;
        else if (i + 1 < argc && strcmp(argv[i], "--name") == 0)
            name = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--date") == 0)
            date = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--out") == 0)
            out = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--length") == 0)
            train_power = atof(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--prior") == 0)
            train_prior = atof(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--C") == 0)
            train_c = atof(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--score") == 0)
            score = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--oof") == 0)
            oof = argv[++i];
        else
            die("usage: train_model --name N (--date D --out F | --loso | --oof F) | "
                "--score MODEL  < rows.tsv");
    }
    for (size_t i = 0; name && i < sizeof settings / sizeof *settings; i++)
        if (strcmp(name, settings[i].name) == 0) {
            train_c = train_c < 0 ? settings[i].c : train_c;
            train_power = train_power < 0 ? settings[i].power : train_power;
            train_prior = train_prior < 0 ? settings[i].prior : train_prior;
        }
    if (!score && (train_c <= 0 || train_power < 0 || train_power > 1 ||
                   train_prior < 0 || train_prior > NGRAM_MAX_PRIOR))
        die("--name must be a model of the engine (or give --C and --length)");
    set_print_string_function(quiet);
    if (score) {
        mode_score(score);
        return 0;
    }
    read_rows();
    if (loso) {
        mode_loso();
    } else if (oof) {
        mode_oof(name ? name : "model", oof);
    } else if (name && date && out) {
        char sources[TRAIN_GROUPS * 66] = "";
        for (int g = 0; g < ngroups; g++) {
            if (g)
                strcat(sources, ", ");
            strcat(sources, groups[g]);
        }
        mode_out(name, date, out, sources);
    } else {
        die("--out needs --name and --date");
    }
    return 0;
}
