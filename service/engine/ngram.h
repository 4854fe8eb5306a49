/* ngram.h - the learned layer: hashed word and character n-grams, a linear model.
 *
 * ngram owns the feature extraction the learned detectors share (words of
 * the engine's normalised text; word 1-2grams and character 3-5grams of
 * each word, hashed into NGRAM_BUCKETS), the model file format and its
 * parser, and the prediction: a dot product, Platt scaling into a
 * calibrated probability, and the words that contributed most. Training is
 * tools/train_model.c's (liblinear, offline); the committed models live in
 * service/engine/models/ and are embedded in the binary at build time
 * (tools/embed_models.sh). It never does I/O and keeps no state: a model
 * is immutable once parsed, a document belongs to its caller.
 */
#ifndef MODQ_NGRAM_H
#define MODQ_NGRAM_H

#include <stddef.h>
#include <stdint.h>

/* Hash space of the features: 2^20 buckets keep collisions rare among the
 * ~10^5 distinct n-grams of the training sets while a bucket index stays a
 * small number in the model file. */
#define NGRAM_BUCKET_BITS 20
#define NGRAM_BUCKETS (1u << NGRAM_BUCKET_BITS)
/* Character n-gram lengths: 3-5 letters survive "1d10t", "f*ck" and
 * spaced letters, which defeat whole-word features. */
#define NGRAM_CHAR_MIN 3
#define NGRAM_CHAR_MAX 5
/* Bytes of a word used for character n-grams: longer runs are links,
 * hashes or mash, whose every 5-gram is noise. */
#define NGRAM_WORD_MAX 32
/* Bytes of a text read: abuse and spam show in the first 8 KB, and the
 * cap bounds the cost of a 64-KB comment to that of an 8-KB one. */
#define NGRAM_MAX_BYTES 8192
/* Largest length prior a model may state: far more n-grams than a long
 * comment has would flatten every margin to the bias. */
#define NGRAM_MAX_PRIOR 10000

/* Words a prediction names as its evidence. */
#define NGRAM_TOP 5
/* Non-zero weights a model file may hold: far more than an L1 model of
 * these sets keeps, far fewer than would make parsing slow. */
#define NGRAM_MAX_WEIGHTS 200000

/* The learned models the engine knows, by file name
 * (service/engine/models/<name>.txt). */
typedef enum {
    NGRAM_MODEL_SPAM = 0, /* "ngram_spam" */
    NGRAM_MODEL_TOXICITY, /* "toxicity" */
    NGRAM_MODEL_COUNT
} ngram_model_id;

/* Static name of model id ("ngram_spam", "toxicity"), NULL out of range. */
const char *ngram_model_name(ngram_model_id id);

/* A model file's bytes, as embedded at build time (build/gen/
 * ngram_models.c, written by tools/embed_models.sh). */
typedef struct ngram_blob {
    const char *name; /* file stem: "toxicity" */
    const unsigned char *data;
    size_t len;
} ngram_blob;
extern const ngram_blob ngram_blobs[];
extern const size_t ngram_blobs_count;

/* One word of a text: its bytes in the text the document was made from. */
typedef struct ngram_span {
    size_t begin, end; /* half-open byte offsets */
} ngram_span;

/* What a model says of one document. */
typedef struct ngram_result {
    double margin; /* bias + w.x, before calibration */
    double prob;   /* calibrated probability of the positive class */
    size_t ntop;   /* words in top, in text order */
    ngram_span top[NGRAM_TOP];       /* the words that pushed most */
    double contribution[NGRAM_TOP];  /* their share of the margin */
} ngram_result;

/* One feature occurrence: its bucket and the word it came from (a bigram
 * names its first word and has NGRAM_PAIR set). */
typedef struct ngram_feat {
    uint32_t bucket;
    uint32_t word;
} ngram_feat;
#define NGRAM_PAIR 0x80000000u

/* The features of one text. Owned by the caller: ngram_doc_free. */
typedef struct ngram_doc {
    ngram_feat *f;
    size_t n, cap;
    ngram_span *w;
    size_t nw, wcap;
    const struct ngram_model *kept; /* ngram_doc_keep's model, or NULL */
    ngram_result kept_r;            /* its prediction of these features */
} ngram_doc;

/* Extracts the features of text (n bytes of the engine's normalised text:
 * valid UTF-8) into doc (empty or reused: it is cleared first). Skips the
 * shapes that say where a text was posted rather than what it says:
 * "@handles", "#hashtags", "rt @user" and links (the link detectors read
 * those).
 * Returns 0, or -1 when out of memory (doc is then empty). */
int ngram_extract(const char *text, size_t n, ngram_doc *doc);
/* Releases doc's buffers (doc itself is the caller's); NULL is a no-op. */
void ngram_doc_free(ngram_doc *doc);

typedef struct ngram_model ngram_model;

/* Predicts doc under m once and keeps the result in doc, so every
 * ngram_predict of doc under m until the next ngram_extract returns it
 * without computing it again (two readers of one model: the toxicity
 * detector and the verdict's toxicity figure). */
void ngram_doc_keep(ngram_doc *doc, const ngram_model *m);

/* Parses a model file (len bytes, see service/engine/models/README.md).
 * Returns a new model (ngram_model_free), or NULL with a reason of at most
 * errlen bytes in err (a malformed line, out of memory). */
ngram_model *ngram_model_parse(const char *data, size_t len, char *err,
                               size_t errlen);
void ngram_model_free(ngram_model *m); /* NULL is a no-op */
/* Non-zero weights of m. */
size_t ngram_model_weights(const ngram_model *m);

/* The margin of doc under m: bias + sum over occurrences of the weight of
 * their bucket, divided by (occurrences + prior)^power, the model's
 * length settings (its file's "length <power> <prior>" line; the training
 * tool builds the same vector). Power 1 makes the margin about the mean
 * weight of the text's n-grams, so a long text does not add many small
 * weights up into a large margin, and the prior pulls a text of a few
 * words towards the bias, so one word never decides alone; power 0.5 lets
 * length count. Pure. */
double ngram_margin(const ngram_model *m, const ngram_doc *doc);
/* Predicts doc under m into r: margin, calibrated probability (the model's
 * Platt parameters A, B: 1 / (1 + exp(A * margin + B))) and up to
 * NGRAM_TOP words whose features added most to the margin. */
void ngram_predict(const ngram_model *m, const ngram_doc *doc, ngram_result *r);

/* Share of the strongest word's part of the margin below which a word is
 * not named as evidence: "you" next to "1d10t" pushed, but is no reason. */
#define NGRAM_EVIDENCE_SHARE 0.25

/* Writes the words of r (spans of text, the text doc was made from) as
 * written there, joined by ", ", into out (at most n bytes incl. NUL; a
 * word that does not fit is left out). Words with no positive part of the
 * margin, or under NGRAM_EVIDENCE_SHARE of the strongest one's, are not
 * named. */
void ngram_words(const char *text, const ngram_result *r, char *out, size_t n);

/* Calibration of margin under Platt parameters a, b. */
double ngram_platt(double margin, double a, double b);

#endif
