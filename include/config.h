/* config.h - modq settings: defaults -> file -> MODQ_* environment -> checks.
 *
 * Every key is one row of a table in config.c ({name, type, min, max,
 * default}); config/modq.conf documents them all. A bad value is reported
 * with the key's name and makes config_load() fail. One family of keys has
 * a name per detector, weight_<code> (MODQ_WEIGHT_<CODE>): the config layer
 * knows no detector, so it checks the shape (a code of [a-z0-9_], a weight
 * in [0,1]) and the engine checks the code against its registry.
 */
#ifndef MODQ_CONFIG_H
#define MODQ_CONFIG_H

#include <stddef.h>

/* weight_<code> keys held: more than there are detectors, so that a file
 * setting every one still loads (the engine rejects unknown codes). */
#define CONFIG_MAX_WEIGHTS 64
/* Bytes of a detector code, NUL included ("copied_from_article" is 19). */
#define CONFIG_CODE_LEN 32
/* Name prefix of the per-detector weight keys. */
#define CONFIG_WEIGHT_PREFIX "weight_"

/* One weight_<code> key: its code (lower case) and value in [0,1]. */
typedef struct config_weight {
    char code[CONFIG_CODE_LEN];
    double weight;
} config_weight;

typedef struct modq_config {
    char *listen;            /* "host:port" */
    char listen_host[64];    /* parsed from listen */
    int listen_port;
    char *redis_url;         /* redis://[:password@]host:port[/db] */
    char *client_keys;       /* comma-separated; "sha256:<hex>" allowed */
    char *moderator_keys;    /* "NAME:KEY" entries (auth.h) */
    long moderator_anonymous_keys; /* 1: moderator keys without a name accepted */
    long threads;
    long pipeline_threads; /* store_pipe lanes; 0 = synchronous comments */
    long max_body;
    long max_connections;
    long connection_timeout; /* seconds of inactivity before close */
    long max_connections_per_ip; /* concurrent connections per client address */
    char *trusted_proxies;   /* CIDR list whose X-Forwarded-For is believed */
    long redis_timeout_ms;
    double threshold_pending;
    double threshold_reject;
    char *spool_dir;
    char *log_level;         /* debug | info | warn | error */
    long dup_window_days;
    char *language;
    long flood_window;       /* seconds */
    long flood_max;          /* comments per window per author/IP; 0 off */
    long thread_context;     /* approved thread comments used for relevance */
    char *banned_words;      /* comma-separated */
    char *suspect_words;
    char *domain_allow;
    char *domain_block;
    char *detectors_disabled; /* comma-separated detector codes not run */
    config_weight weights[CONFIG_MAX_WEIGHTS]; /* weight_<code>, in order of
                                                  first setting */
    size_t nweights;
    long drain_seconds;
    long retention_days;     /* comment records and personal data expire */
    char *review_dir;        /* optional directory serving /review/ */
    /* review workflow and learning */
    long lease_seconds;      /* default claim lease */
    long learn_min_decisions;/* classifier abstains below this many */
    long trust_after;        /* approved comments before an author is trusted */
    /* webhooks */
    long webhook_timeout_ms;
    long webhook_max_attempts;
    char *webhook_allowed_networks; /* CIDR list opened to webhook targets */
    /* limits */
    long rate_limit_key;     /* requests per minute per API key; 0 off */
    long rate_limit_ip;      /* requests per minute per client IP; 0 off */
    long auth_fail_limit;    /* failed auths per minute per IP and per
                                presented key; 0 off */
    long max_header;         /* bytes of request line + headers */
    /* TLS (optional) */
    char *tls_cert;          /* PEM file; empty = plain HTTP */
    char *tls_key;
    /* integrations */
    char *coral_secret;      /* HMAC secret for X-Coral-Signature; empty off */
    long coral_replay_window; /* seconds a timestamped signature is valid */
    long coral_require_timestamp; /* 1: refuse signatures without t= */
    /* Redis Sentinel */
    char *redis_sentinels;   /* host:port,...; empty = use redis_url */
    char *redis_master;      /* master name known to the sentinels */
    long redis_wait_replicas;  /* replicas that must acknowledge a comment */
    long redis_wait_timeout_ms;
    /* Redis Cluster */
    char *redis_cluster;     /* seed host:port,...; empty = one primary */
    unsigned long long set_keys; /* bit i: the file or the environment set
                                    table key i (config_key_set) */
} modq_config;

typedef struct config_error {
    char text[256];
} config_error;

/* Fill cfg from defaults, then `path` (may be NULL), then the environment.
 * Returns 0, or -1 with err->text naming the key. On success the caller
 * owns the strings: release with config_free(). */
int config_load(modq_config *cfg, const char *path, config_error *err);
void config_free(modq_config *cfg);
/* dst = a copy of src with strings of its own (release with
 * config_free). 0, or -1 when out of memory (dst then holds nothing). */
int config_copy(modq_config *dst, const modq_config *src);

/* 1 when the config file or a MODQ_ variable set key name (a weight_<code>
 * key included), 0 when it has its built-in default (or is no key). */
int config_key_set(const modq_config *cfg, const char *name);

/* 1 when a running modq applies key name from a reloaded config file
 * (SIGHUP, main.c; "weight_<code>" and any weight_ key included), 0 when
 * a change to it needs a restart. */
int config_key_reloadable(const char *name);

/* The names of the keys whose values differ between a and b (weight_<code>
 * keys as one name, "weight_<code>"), in table order: up to max go into
 * names (static strings); returns how many differ. */
size_t config_changed(const modq_config *a, const modq_config *b, const char **names,
                      size_t max);

/* Print every key and its effective value (secrets masked) to a buffer;
 * used by `modq --print-config`. Returns bytes written (snprintf style). */
size_t config_dump(const modq_config *cfg, char *buf, size_t n);

/* Split a comma-separated list into a NULL-terminated array of trimmed,
 * non-empty strings. Returns new array (free with config_list_free), never
 * NULL unless out of memory. */
char **config_list(const char *csv);
void config_list_free(char **list);

#endif
