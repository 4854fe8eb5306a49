/* model.h - the service's records: articles and comments as stored.
 *
 * Plain structs with owned strings. Every *_free releases the strings and
 * is a no-op on NULL; structs are zero-initialised before use.
 */
#ifndef MODQ_MODEL_H
#define MODQ_MODEL_H

#include <stddef.h>
#include <stdint.h>


/* Limits on request fields, each with its reason. */
#define MODEL_MAX_SITE 64        /* site slugs are short identifiers */
#define MODEL_MAX_ID 128         /* platform ids: uuids, numeric, slugs */
#define MODEL_MAX_NAME 256       /* author display names */
#define MODEL_MAX_EMAIL 254      /* RFC 5321 path limit */
#define MODEL_MAX_URL 2048       /* what browsers keep */
#define MODEL_MAX_SHORT 512      /* user agent, created_at, note */
#define MODEL_MAX_TAGS 64        /* tags per article */
#define MODEL_MAX_TITLE 1024
/* The analysis a record keeps. The engine's own limits are the same
 * numbers (the comment layer asserts it where verdicts become records). */
#define MODEL_MAX_FLAGS 32       /* = ENGINE_MAX_FLAGS: every detector */
#define MODEL_FLAG_CODE_LEN 32   /* "copied_from_article" fits easily */
#define MODEL_MINHASH_N 32       /* MinHash values kept for duplicates */
#define MODEL_LSH_BANDS 8        /* LSH band keys over them */

/* A comment's moderation status (same values as the engine's verdicts). */
typedef enum {
    MODEL_APPROVED = 0,
    MODEL_PENDING = 1,
    MODEL_REJECTED = 2
} model_status;

/* Where a flag's evidence sits in the text as posted: at most this many
 * ranges per flag (the first ones in the text). */
#define MODEL_FLAG_SPANS 8

/* One reason of a verdict: detail and evidence are owned strings (NULL
 * when empty), released by model_comment_free. span holds nspans
 * half-open ranges [begin, end) of the evidence in the comment's text, in
 * code points, in text order; none when the evidence is not a quote of
 * the text (another comment's id, a count) or could not be found. */
typedef struct model_flag {
    char code[MODEL_FLAG_CODE_LEN];
    double score;
    char *detail;
    char *evidence;
    uint32_t span[MODEL_FLAG_SPANS][2];
    size_t nspans;
} model_flag;

typedef struct model_author {
    char *name, *email, *url, *ip, *user_agent;
} model_author;

typedef struct model_article {
    char *site, *id;
    char *title, *body, *url;
    char **tags;
    size_t ntags;
    char **terms; /* distinct stems counted in the site df (stored) */
    size_t nterms;
    long long created_ms, updated_ms;
} model_article;

/* One earlier verdict of an edited comment (PUT of a stored id). */
#define MODEL_MAX_HISTORY 32 /* earlier verdicts kept: the oldest go first */
typedef struct model_revision {
    int revision;
    model_status status;
    double score;
    char *flags; /* the flag codes, comma-joined (owned; may be NULL) */
    long long at_ms; /* when that verdict was given */
} model_revision;

typedef struct model_comment {
    char *id, *site, *article_id, *text, *parent_id, *created_at;
    model_author author;
    model_status status;      /* current status */
    model_status auto_status; /* the engine's verdict */
    double score;
    double relevance;         /* -1 when the article was unknown */
    size_t nflags;
    model_flag flags[MODEL_MAX_FLAGS]; /* 56 bytes each: details owned */
    long long received_ms;
    /* moderator decision, NULL/0 until decided */
    char *decided_by, *decision_reason, *decision_note;
    long long decided_ms;
    /* analysis keys kept for replay and duplicate look-ups */
    char author_key[300];
    uint64_t exact_hash;
    int has_minhash;
    uint32_t minhash[MODEL_MINHASH_N];
    uint64_t band[MODEL_LSH_BANDS];
    /* an answer given while Redis was unreachable: status says pending
     * until the spool replay settles it (API form only, never stored) */
    int provisional;
    /* edits: this version's number (0 read as 1) and when its verdict was
     * given (0: received_ms), and the verdicts before it, oldest first */
    int revision;
    long long revised_ms;
    model_revision *history; /* nhistory, owned */
    size_t nhistory;
} model_comment;

/* ---- a site's settings (GET/PUT /v1/sites/{site}/settings) ----
 * What a site overrides of the configuration, field by field. In a stored
 * document every field is MODEL_UNSET (the file's or built-in value) or
 * MODEL_SET; a PUT body may also say MODEL_RESET (null: back to the
 * file's or built-in value). */
#define MODEL_MAX_SETTING_WORDS 1000   /* entries of one word or domain list:
                                          bounds the compiled word table */
#define MODEL_MAX_SETTING_WORD 128     /* bytes of one entry: longer is no
                                          word or phrase a reader types */
#define MODEL_MAX_SETTING_DETECTORS 64 /* detector entries: the registry has
                                          fewer, unknown codes are refused */

#define MODEL_MIN_CORAL_SECRET 16     /* bytes of a site's Coral secret: as */
#define MODEL_MAX_CORAL_SECRET 256    /* coral_secret's and webhook secrets' */

typedef enum { MODEL_UNSET = 0, MODEL_SET, MODEL_RESET } model_set;

typedef struct model_setting_list {
    model_set set;
    char **items; /* n strings, NULL-terminated (new; MODEL_SET only) */
    size_t n;
} model_setting_list;

typedef struct model_setting_detector {
    char code[MODEL_FLAG_CODE_LEN];
    model_set weight_set, enabled_set; /* both MODEL_RESET: the entry's null */
    double weight;
    int enabled;
} model_setting_detector;

typedef struct model_settings {
    model_set pending_set, rejected_set;        /* thresholds.pending/.rejected */
    double pending, rejected;
    model_setting_list banned_words, suspect_words, domain_allow, domain_block;
    model_set flood_max_set, flood_window_set;  /* flood.max / flood.window */
    long flood_max, flood_window;
    int detectors_reset;                        /* "detectors": null */
    model_setting_detector det[MODEL_MAX_SETTING_DETECTORS];
    size_t ndet;
    model_set learning_set, severe_set;
    int learning, abuse_severe_rejects;
    model_set coral_secret_set;
    char coral_secret[MODEL_MAX_CORAL_SECRET + 1]; /* the site's own Coral
                                                      signing secret */
} model_settings;

/* Free s's lists and zero it. NULL is a no-op. */
void model_settings_free(model_settings *s);
/* Apply patch to base: a MODEL_SET field replaces base's (lists copied), a
 * MODEL_RESET one unsets it; MODEL_UNSET leaves it. base keeps MODEL_UNSET
 * and MODEL_SET only. 0, or -1 out of memory or more than
 * MODEL_MAX_SETTING_DETECTORS detector entries (base then partly applied:
 * free it). */
int model_settings_apply(model_settings *base, const model_settings *patch);
/* 1 when s sets nothing. */
int model_settings_empty(const model_settings *s);

void model_article_free(model_article *a);
/* Free c's strings and model_comment_init it. */
void model_comment_free(model_comment *c);
/* An empty comment: every field zero. */
void model_comment_init(model_comment *c);
/* Append a flag to c (detail, evidence copied; NULL or "" stored as NULL).
 * 0, or -1 when c holds MODEL_MAX_FLAGS already or out of memory. */
/* Sets f's spans to where its evidence occurs in text (NUL-terminated, as
 * posted), by the rule of span.h; none when it occurs nowhere. */
void model_flag_locate(model_flag *f, const char *text);

int model_comment_add_flag(model_comment *c, const char *code, double score,
                           const char *detail, const char *evidence);

/* "approved", "pending", "rejected". Static strings. */
const char *model_status_name(model_status s);

/* 1 when s is a valid site slug or id: 1..max bytes of [A-Za-z0-9._:-]. */
int model_valid_ident(const char *s, size_t max);

/* Fill out (>= 33 bytes) with a new random 32-hex-digit id. */
void model_new_id(char *out);

#endif
