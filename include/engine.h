/* engine.h - the pure analysis engine: comment bytes in, verdict out.
 *
 * The engine owns normalisation, tokenisation, every detector and the score
 * combination. It never does I/O and keeps no globals: whatever it needs from
 * Redis (the article, site document frequencies, duplicate matches, thread
 * context, flood counters) is looked up by the caller between the two phases:
 *
 *   engine_prepare()  text -> engine_features (hashes, stems, shingles)
 *   ... caller looks up Redis state using the features ...
 *   engine_score()    features + engine_context -> engine_verdict
 *
 * Thread model: an `engine` may be shared by all threads: its settings are
 * immutable after engine_new(), and its mutable parts, the caches of
 * analysed thread texts and articles (textcache.h), lock internally. An
 * `engine_session` holds per-thread scratch (the stemmer, buffers, this
 * call's cache references) and must be used by one thread at a time.
 */
#ifndef MODQ_ENGINE_H
#define MODQ_ENGINE_H

#include <stddef.h>
#include <stdint.h>

/* Limits, each with its reason. */
#define ENGINE_MAX_FLAGS 32        /* one per detector plus trusted_author,
                                      with room for a few more detectors */
#define ENGINE_FLAG_CODE_LEN 32    /* "copied_from_article" fits easily */
#define ENGINE_FLAG_DETAIL_LEN 512 /* a quoted run plus context, for humans */
#define ENGINE_EVIDENCE_LEN 256    /* one matched span / the other id */
#define ENGINE_MINHASH_N 32        /* 32 MinHash values, as rspamd fuzzy */
#define ENGINE_LSH_BANDS 8         /* 8 bands x 4 rows = 32 values */
#define ENGINE_MAX_TERMS 256       /* distinct stems sent to Redis for df */
#define ENGINE_MAX_TEXT_BYTES 65536 /* longer comments: ENGINE_E_TOO_LONG;
                                       keeps one call well under a ms */

typedef struct engine_error {
    int code;        /* ENGINE_E_* */
    char field[32];  /* request field at fault, e.g. "text" */
    char text[128];  /* human readable, no allocation */
} engine_error;

enum {
    ENGINE_E_OK = 0,
    ENGINE_E_INVALID_UTF8 = 1, /* -> HTTP 422 */
    ENGINE_E_TOO_LONG = 2,     /* -> HTTP 413/422 */
    ENGINE_E_NOMEM = 3,
    ENGINE_E_CONFIG = 4
};

typedef enum {
    ENGINE_APPROVED = 0,
    ENGINE_PENDING = 1,
    ENGINE_REJECTED = 2
} engine_status;

/* ------------------------------------------------------------------------ */
/* Detector registry                                                         */
/* ------------------------------------------------------------------------ */

/* The registration table: every detector, in the order engine_score runs
 * them, one X(code) row each. The code is the flag a detector raises; its
 * row (kind, needed context, run function, default weight; see
 * engine_detector_row) lives in the detector's own file,
 * service/engine/det_<code>.c. Everything else derives from this table:
 * ENGINE_D_COUNT, the flag codes, the weight_<code> config keys, the
 * metrics labels, GET /v1/detectors and the review page. */
#define ENGINE_DETECTORS(X)                                                   \
    X(off_topic)                                                              \
    X(copied_from_article)                                                    \
    X(low_content)                                                            \
    X(duplicate)                                                              \
    X(repetitive)                                                             \
    X(spam_language)                                                          \
    X(banned_word)                                                            \
    X(suspect_word)                                                           \
    X(shouting)                                                               \
    X(link_spam)                                                              \
    X(contact_info)                                                           \
    X(flood)                                                                  \
    X(learned_spam)                                                           \
    X(reputation)                                                             \
    X(content_free)                                                           \
    X(insult)                                                                 \
    X(threat)                                                                 \
    X(identity_attack)                                                        \
    X(profanity)                                                              \
    X(sexual)                                                                 \
    X(scam)                                                                   \
    X(promotion)                                                              \
    X(toxicity)

#define ENGINE_D_PLUS_ONE_(code) +1
/* Number of detectors (rows of ENGINE_DETECTORS): sizes per-detector arrays
 * at compile time. */
enum { ENGINE_D_COUNT = 0 ENGINE_DETECTORS(ENGINE_D_PLUS_ONE_) };

/* A detector's position in the table, 0 .. ENGINE_D_COUNT - 1. */
typedef int engine_detector;

/* A code a verdict may carry that no detector raises: the trusted-author
 * note the service adds next to the engine's flags (a discount, score 0).
 * engine_flag_code() lists it after the detectors. */
#define ENGINE_TRUSTED_CODE "trusted_author"

/* What a detector's flag says, and how score.c combines it. */
typedef enum {
    ENGINE_KIND_SPAM = 0,   /* evidence of spam (primary) */
    ENGINE_KIND_REVIEW = 1, /* a reason for a human look, not proof (primary) */
    ENGINE_KIND_STYLE = 2   /* style support: only adds to primary evidence */
} engine_kind;

/* Context a detector reads, beyond the comment itself (bit mask). */
enum {
    ENGINE_NEED_ARTICLE = 1u << 0,    /* the article is known */
    ENGINE_NEED_THREAD = 1u << 1,     /* approved comments of the thread */
    ENGINE_NEED_SITE_DF = 1u << 2,    /* per-site document frequencies */
    ENGINE_NEED_DUPLICATES = 1u << 3, /* duplicate candidates */
    ENGINE_NEED_FLOOD = 1u << 4,      /* flood control on (flood_max) */
    ENGINE_NEED_LEARNED = 1u << 5,    /* the site classifier voted */
    ENGINE_NEED_HISTORY = 1u << 6     /* the author has a reputation */
};
#define ENGINE_NEED_BITS 7

/* What a flag's evidence string holds (for highlighting). */
typedef enum {
    ENGINE_EVIDENCE_NONE = 0, /* nothing */
    ENGINE_EVIDENCE_SPAN,     /* a quote of the comment's normalised text */
    ENGINE_EVIDENCE_LINKS,    /* one of its links: every link is evidence */
    ENGINE_EVIDENCE_WORDS,    /* some of its words, not one quote */
    ENGINE_EVIDENCE_COMMENT,  /* the id of another comment */
    ENGINE_EVIDENCE_VALUE     /* a figure or label, not text of the comment */
} engine_evidence;

/* One row of the registry, as the rest of the service sees it (the run
 * function is the engine's own). */
typedef struct engine_detector_row {
    const char *code;      /* flag code, e.g. "off_topic" */
    engine_kind kind;
    unsigned needs;        /* ENGINE_NEED_*: not run without all of them */
    unsigned uses;         /* ENGINE_NEED_*: read when present */
    engine_evidence evidence;
    double weight;         /* default weight in [0,1] */
    int overrides_trust;   /* 1: its flag score is a floor of the combined
                              score, the trusted-author discount included */
    double review_from;    /* ENGINE_KIND_STYLE only: a flag scoring at
                              least this is confident evidence a moderator
                              must see and counts as ENGINE_KIND_REVIEW;
                              0: always style support */
    double severe_from;    /* a flag scoring at least this is severe,
                              unambiguous abuse (a threat, a slur), which
                              rejects where abuse_severe_rejects is on;
                              0: never severe */
    const char *summary;   /* one line for people: what it flags */
} engine_detector_row;

/* Rows of the registry: ENGINE_D_COUNT. */
size_t engine_detector_count(void);
/* Row i (static, borrowed), or NULL when i is out of range. */
const engine_detector_row *engine_detector_info(size_t i);
/* Index of the detector raising flag code, or -1 when none does. */
int engine_detector_find(const char *code);
/* Every flag code a verdict may carry: the detectors in table order, then
 * ENGINE_TRUSTED_CODE. engine_flag_code(i) is NULL past the last. */
size_t engine_flag_code_count(void);
const char *engine_flag_code(size_t i);
/* Names for the enums: "spam", "review", "style"; "none", "span", "links",
 * "words", "comment", "value"; ENGINE_NEED_* bit i: "article", "thread",
 * "site_df", "duplicates", "flood", "learned", "history". Static strings,
 * NULL when out of range. */
const char *engine_kind_name(engine_kind k);
const char *engine_evidence_name(engine_evidence e);
const char *engine_need_name(unsigned bit);

/* A weight set by configuration (key weight_<code>) for one detector. */
typedef struct engine_weight {
    const char *code; /* borrowed: a code of the registry */
    double weight;    /* in [0,1]: multiplies its signal; 0 drops its flag */
} engine_weight;

/* Weights and thresholds; engine_config_defaults() fills sensible values. */
typedef struct engine_config {
    double threshold_pending; /* score >= this -> pending  (default 0.5) */
    double threshold_reject;  /* score >= this -> rejected (default 0.9) */
    char language[16];        /* libstemmer algorithm, default "english" */
    /* Weights replacing the registry's defaults (nweights entries; a later
     * entry for the same code wins) and the codes of detectors not run
     * (NULL-terminated or NULL). Borrowed and read by engine_new only: an
     * unknown code fails it with ENGINE_E_CONFIG, field "weight_<code>" or
     * "detectors_disabled". */
    const engine_weight *weights;
    size_t nweights;
    const char *const *disabled;
    /* Lowercase, normalised words: banned -> reject, suspect -> review.
     * Borrowed: must outlive the engine. NULL-terminated arrays or NULL. */
    const char *const *banned_words;
    const char *const *suspect_words;
    const char *const *domain_allow; /* never count as link spam */
    const char *const *domain_block; /* always link spam */
    unsigned flood_max;              /* comments per flood window; 0 = off */
    int abuse_severe_rejects; /* 1: a flag at its row's severe_from counts
                                 as spam evidence and reaches
                                 threshold_reject; 0 (default): abuse at
                                 most reaches pending */
} engine_config;

/* A site's changes to an engine's settings (engine_profile_new): each part
 * replaces the engine's when its set_* is 1 (a detector's enabled when
 * >= 0); the rest stays the engine's. All borrowed, read by
 * engine_profile_new only (word lists as in engine_config). */
typedef struct engine_detector_overlay {
    const char *code;  /* a code of the registry */
    int set_weight;
    double weight;     /* in [0,1] */
    int enabled;       /* -1 as the engine, 0 not run, 1 run */
} engine_detector_overlay;

typedef struct engine_overlay {
    int set_pending, set_reject;
    double threshold_pending, threshold_reject;
    int set_banned, set_suspect, set_allow, set_block;
    const char *const *banned_words;  /* NULL-terminated or NULL: empty */
    const char *const *suspect_words;
    const char *const *domain_allow;
    const char *const *domain_block;
    int set_flood_max;
    unsigned flood_max;
    const engine_detector_overlay *detectors;
    size_t ndetectors;
    int abuse_severe_rejects; /* -1 as the engine, else 0 / 1 */
} engine_overlay;

/* An engine's settings with an overlay applied (the config file's over
 * the engine, a site's over the file's: engine_profile_layer): what
 * engine_score uses in place of the engine's own when the context names
 * it. Built once per load of the file or change of the site's settings
 * and shared read-only by every thread (no locking: nothing in it changes
 * after it is built). */
typedef struct engine_profile engine_profile;

typedef struct engine engine;
typedef struct engine_session engine_session;

/* Comment as posted. All strings borrowed, NUL-terminated, may be NULL
 * except text. */
typedef struct engine_comment {
    const char *text;
    size_t text_len;
    const char *author_name;
    const char *author_email;
    const char *author_url;
    const char *author_ip;
    const char *parent_id;
} engine_comment;

/* Article the comment sits under. Borrowed strings. */
typedef struct engine_article {
    const char *title;
    const char *body;
    const char *const *tags; /* ntags entries */
    size_t ntags;
    const char *url;
} engine_article;

/* Result of engine_prepare(). Owned by the caller: free with
 * engine_features_free(). Fields the caller uses for Redis look-ups: */
typedef struct engine_features {
    char *normalized;          /* NFKC, casefolded, de-obfuscated text */
    size_t normalized_len;
    uint64_t exact_hash;       /* hash of normalized text (duplicates) */
    uint32_t minhash[ENGINE_MINHASH_N];
    uint64_t band[ENGINE_LSH_BANDS]; /* LSH band keys over minhash */
    int has_minhash;           /* 0 when too few shingles to be meaningful */
    char **terms;              /* distinct content stems (for df look-up) */
    size_t nterms;             /* <= ENGINE_MAX_TERMS */
    void *priv;                /* engine-internal data (tokens etc.) */
} engine_features;

/* A duplicate candidate found in Redis by the caller. */
typedef struct engine_dup_match {
    const char *comment_id;     /* borrowed */
    const char *author_key;     /* borrowed: author identity of the other */
    uint32_t minhash[ENGINE_MINHASH_N]; /* for near matches */
    int exact;                  /* 1 when exact_hash matched */
} engine_dup_match;

/* Everything the caller looked up. All borrowed; any part may be absent. */
typedef struct engine_context {
    const engine_article *article;  /* NULL when the article is unknown */
    const uint32_t *site_df;        /* site_df[i] = df of features->terms[i] */
    uint32_t site_ndocs;            /* articles registered for the site */
    const engine_dup_match *dups;   /* candidates, exact and near */
    size_t ndups;
    const char *const *thread_texts; /* approved comments of the thread */
    size_t nthread;
    int thread_held;                /* 1: the thread is what the session's
                                       engine_thread_hold holds instead */
    const char *author_key;         /* identity of this comment's author */
    unsigned flood_count;           /* comments by author/IP in window */
    double learned_spam_prob;       /* <0 when the classifier abstains */
    double reputation;              /* <0 trusted discount .. >0 bad; 0 none */
    const char *reputation_detail;  /* evidence for the reputation flag */
    const engine_profile *profile;  /* the site's settings; NULL: the
                                       engine's own */
} engine_context;

typedef struct engine_flag {
    char code[ENGINE_FLAG_CODE_LEN];       /* e.g. "off_topic" */
    double score;                          /* signal x weight, in [0,1] */
    char detail[ENGINE_FLAG_DETAIL_LEN];   /* human-readable explanation */
    char evidence[ENGINE_EVIDENCE_LEN];    /* matched span / other id */
} engine_flag;

typedef struct engine_verdict {
    engine_status status;
    double score;       /* combined, in [0,1] */
    double relevance;   /* in [0,1], or -1 when the article is unknown */
    double toxicity;    /* the toxicity model's calibrated probability of
                           abuse, ungated (the toxicity flag is gated), or
                           -1 when no model is loaded */
    size_t nflags;
    engine_flag flags[ENGINE_MAX_FLAGS]; /* sorted by score, descending */
} engine_verdict;

/* Fill cfg with defaults. Never fails. */
void engine_config_defaults(engine_config *cfg);

/* Returns new engine (free with engine_free), or NULL with err filled. */
engine *engine_new(const engine_config *cfg, engine_error *err);
void engine_free(engine *e); /* NULL is a no-op */

/* Returns new profile: e's settings with o applied (free with
 * engine_profile_free; it borrows e, which must outlive it, and copies
 * everything of o). NULL with err filled: ENGINE_E_CONFIG, field
 * "threshold_pending" (thresholds outside 0 < pending <= reject <= 1 once
 * applied), "weight_<code>" (unknown code or weight outside [0,1]),
 * "detectors_disabled" (unknown code); or ENGINE_E_NOMEM. */
engine_profile *engine_profile_new(const engine *e, const engine_overlay *o, engine_error *err);
/* As engine_profile_new, over base's settings instead of the engine's
 * (base's engine): what o leaves is base's, and the result borrows base
 * (its lists and compiled words), which must outlive it. */
engine_profile *engine_profile_layer(const engine_profile *base, const engine_overlay *o,
                                     engine_error *err);
void engine_profile_free(engine_profile *p); /* NULL is a no-op */
/* The settings p scores with (borrowed, valid while p lives); the word
 * and domain lists point into p (or into its base). */
const engine_config *engine_profile_config(const engine_profile *p);
/* As engine_detector_weight / engine_detector_enabled, for p. */
double engine_profile_weight(const engine_profile *p, size_t i);
int engine_profile_enabled(const engine_profile *p, size_t i);

/* The effective weight of detector i in e (configured, else the row's
 * default), and whether it runs: 1, or 0 when disabled by configuration.
 * Both 0 when i is out of range. */
double engine_detector_weight(const engine *e, size_t i);
int engine_detector_enabled(const engine *e, size_t i);

/* Returns new per-thread session (free with engine_session_free) or NULL. */
engine_session *engine_session_new(const engine *e);
void engine_session_free(engine_session *s);

/* Phase 1. Returns 0 and *out (caller frees with engine_features_free), or
 * -1 with err filled (ENGINE_E_INVALID_UTF8 for bad input). */
int engine_prepare(engine_session *s, const engine_comment *c,
                   engine_features **out, engine_error *err);
void engine_features_free(engine_features *f);

/* Phase 2. Always succeeds for valid features; fills *out. */
void engine_score(engine_session *s, const engine_features *f,
                  const engine_comment *c, const engine_context *ctx,
                  engine_verdict *out);

/* Caches the analysis of text, which f was prepared from (the same bytes),
 * as a thread text: a comment that joins a thread is then never analysed
 * again when later comments are scored against the thread. Best effort
 * (nothing happens when out of memory). */
void engine_thread_remember(engine_session *s, const engine_features *f,
                            const char *text);

/* Thread texts by reference. A reference names a text's analysis in the
 * engine's cache ("<hash>:<length>", at most ENGINE_THREAD_REF_LEN - 1
 * characters): a caller that stores it next to each thread text can look
 * up the references instead of the texts, and fetch the texts only when
 * the cache lacks one (a restart, a comment analysed by another process). */
#define ENGINE_THREAD_REF_LEN 40
void engine_thread_ref(const char *text, char out[ENGINE_THREAD_REF_LEN]);
/* Holds the cached analyses of the n referenced texts (at most
 * RELEVANCE_MAX_THREAD are used) for the session's next engine_score with
 * context.thread_held set: 1 when every one is cached, else 0 and nothing
 * is held (an unreadable reference counts as not cached). */
int engine_thread_hold(engine_session *s, const char *const *refs, size_t n);

/* Distinct content stems of an article (title, body, tags), for the caller to
 * count site document frequencies when an article is registered. Returns the
 * number of terms written to terms_out (each a new string: caller frees each
 * with free()), at most max. -1 on invalid UTF-8. */
int engine_article_terms(engine_session *s, const engine_article *a,
                         char **terms_out, size_t max);

/* Author identity used for duplicate/flood/reputation keys: lowercased e-mail
 * when present, else name+"|"+ip; a generic display name (empty, a
 * placeholder such as "Anonymous", "Guest", "user123") is no identity: then
 * "|"+ip, or "" without an IP, meaning "unknown author": same-author logic,
 * flood and reputation by author abstain. Writes at most n bytes incl. NUL. */
void engine_author_key(const engine_comment *c, char *out, size_t n);

/* Names for status values: "approved", "pending", "rejected". */
const char *engine_status_name(engine_status s);

/* Flag code of detector d ("off_topic", ...), also the <code> of its
 * weight_<code> config key; NULL when d is out of range. Static string. */
const char *engine_detector_name(engine_detector d);

/* Duplicate candidate selection: 1 when a stored comment whose keys are
 * exact_hash, has_minhash and band[ENGINE_LSH_BANDS] (band may be NULL when
 * has_minhash is 0) is a duplicate candidate for f -- the exact hashes are
 * equal, or both have a MinHash and any LSH band key is equal -- else 0.
 * The rule the store's dup:x: and dup:b<i>: keys implement. Pure. */
int engine_dup_candidate(const engine_features *f, uint64_t exact_hash,
                         int has_minhash, const uint64_t *band);

#endif
