/* config.c - the settings table and its loader.
 *
 * Owns the one table of keys. Order of precedence: built-in default, then
 * the config file (lines "key value", '#' comments), then MODQ_<KEY>
 * environment variables. Every value is checked against the key's type and
 * range; the first bad one fails the load with a message naming it. Never
 * prints secrets. Besides the table, keys named weight_<code> (any code of
 * [a-z0-9_]) each set one detector's weight; which codes exist is the
 * engine's to say, not this file's.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cidr.h"

extern char **environ;

typedef enum { T_STR, T_INT, T_DBL, T_BOOL } ctype_t; /* T_BOOL: a long 0/1 */

typedef struct {
    const char *name;
    ctype_t type;
    double min, max;
    const char *def;
    size_t off;
    int secret;
} ckey;

#define OFF(f) offsetof(modq_config, f)
/* The table: one row per key (see config/modq.conf for the prose). */
static const ckey keys[] = {
    {"listen", T_STR, 0, 0, "127.0.0.1:8080", OFF(listen), 0},
    {"redis_url", T_STR, 0, 0, "redis://127.0.0.1:6379/0", OFF(redis_url), 1},
    {"client_keys", T_STR, 0, 0, "", OFF(client_keys), 1},
    {"moderator_keys", T_STR, 0, 0, "", OFF(moderator_keys), 1},
    {"moderator_anonymous_keys", T_BOOL, 0, 1, "false", OFF(moderator_anonymous_keys), 0},
    {"threads", T_INT, 1, 256, "4", OFF(threads), 0},
    {"pipeline_threads", T_INT, 0, 64, "2", OFF(pipeline_threads), 0},
    {"max_body", T_INT, 1024, 16777216, "65536", OFF(max_body), 0},
    {"max_connections", T_INT, 4, 100000, "1024", OFF(max_connections), 0},
    {"connection_timeout", T_INT, 1, 3600, "15", OFF(connection_timeout), 0},
    {"max_connections_per_ip", T_INT, 1, 100000, "32", OFF(max_connections_per_ip), 0},
    {"trusted_proxies", T_STR, 0, 0, "", OFF(trusted_proxies), 0},
    {"redis_timeout_ms", T_INT, 10, 60000, "500", OFF(redis_timeout_ms), 0},
    {"threshold_pending", T_DBL, 0, 1, "0.5", OFF(threshold_pending), 0},
    {"threshold_reject", T_DBL, 0, 1, "0.9", OFF(threshold_reject), 0},
    {"spool_dir", T_STR, 0, 0, "./var/spool", OFF(spool_dir), 0},
    {"log_level", T_STR, 0, 0, "info", OFF(log_level), 0},
    {"dup_window_days", T_INT, 1, 3650, "30", OFF(dup_window_days), 0},
    {"language", T_STR, 0, 0, "english", OFF(language), 0},
    {"flood_window", T_INT, 1, 86400, "600", OFF(flood_window), 0},
    {"flood_max", T_INT, 0, 1000000, "20", OFF(flood_max), 0},
    {"thread_context", T_INT, 0, 1000, "20", OFF(thread_context), 0},
    {"banned_words", T_STR, 0, 0, "", OFF(banned_words), 0},
    {"suspect_words", T_STR, 0, 0, "", OFF(suspect_words), 0},
    {"domain_allow", T_STR, 0, 0, "", OFF(domain_allow), 0},
    {"domain_block", T_STR, 0, 0, "", OFF(domain_block), 0},
    {"detectors_disabled", T_STR, 0, 0, "", OFF(detectors_disabled), 0},
    {"drain_seconds", T_INT, 0, 600, "5", OFF(drain_seconds), 0},
    {"retention_days", T_INT, 1, 36500, "90", OFF(retention_days), 0},
    {"review_dir", T_STR, 0, 0, "", OFF(review_dir), 0},
    {"lease_seconds", T_INT, 5, 86400, "300", OFF(lease_seconds), 0},
    {"learn_min_decisions", T_INT, 0, 1000000, "20", OFF(learn_min_decisions), 0},
    {"trust_after", T_INT, 1, 1000, "3", OFF(trust_after), 0},
    {"webhook_timeout_ms", T_INT, 100, 60000, "3000", OFF(webhook_timeout_ms), 0},
    {"webhook_max_attempts", T_INT, 1, 100, "8", OFF(webhook_max_attempts), 0},
    {"webhook_allowed_networks", T_STR, 0, 0, "", OFF(webhook_allowed_networks), 0},
    {"rate_limit_key", T_INT, 0, 100000000, "0", OFF(rate_limit_key), 0},
    {"rate_limit_ip", T_INT, 0, 100000000, "0", OFF(rate_limit_ip), 0},
    {"auth_fail_limit", T_INT, 0, 1000000, "30", OFF(auth_fail_limit), 0},
    {"max_header", T_INT, 1024, 1048576, "32768", OFF(max_header), 0},
    {"tls_cert", T_STR, 0, 0, "", OFF(tls_cert), 0},
    {"tls_key", T_STR, 0, 0, "", OFF(tls_key), 1},
    {"coral_secret", T_STR, 0, 0, "", OFF(coral_secret), 1},
    {"coral_replay_window", T_INT, 1, 86400, "300", OFF(coral_replay_window), 0},
    {"coral_require_timestamp", T_INT, 0, 1, "0", OFF(coral_require_timestamp), 0},
    {"redis_sentinels", T_STR, 0, 0, "", OFF(redis_sentinels), 0},
    {"redis_master", T_STR, 0, 0, "mymaster", OFF(redis_master), 0},
    {"redis_wait_replicas", T_INT, 0, 16, "0", OFF(redis_wait_replicas), 0},
    {"redis_wait_timeout_ms", T_INT, 1, 10000, "100", OFF(redis_wait_timeout_ms), 0},
    {"redis_cluster", T_STR, 0, 0, "", OFF(redis_cluster), 0},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const ckey *find_key(const char *name) {
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0) return &keys[i];
    return NULL;
}

/* Parses v as key k's number (T_INT or T_DBL) within its range into *out.
 * 0, or -1 with err naming the key and origin. */
static int parse_num(const ckey *k, const char *v, const char *origin,
                     double *out, config_error *err) {
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    while (end && isspace((unsigned char)*end)) end++;
    if (errno || end == v || *end || !isfinite(d)) {
        snprintf(err->text, sizeof err->text,
                 "%s (from %s): \"%.40s\" is not a number", k->name, origin, v);
        return -1;
    }
    if (k->type == T_INT && d != floor(d)) {
        snprintf(err->text, sizeof err->text,
                 "%s (from %s): \"%.40s\" is not an integer", k->name, origin, v);
        return -1;
    }
    if (d < k->min || d > k->max) {
        snprintf(err->text, sizeof err->text,
                 "%s (from %s): %.40s is out of range [%g, %g]", k->name,
                 origin, v, k->min, k->max);
        return -1;
    }
    *out = d;
    return 0;
}

/* Parses v as boolean key k into *out (1/0): true|false, on|off, yes|no,
 * 1|0, any case. 0, or -1 with err naming the key and origin. */
static int parse_bool(const ckey *k, const char *v, const char *origin, long *out,
                      config_error *err) {
    static const char *const yes[] = {"true", "on", "yes", "1"}, *const no[] = {"false", "off",
                                                                               "no", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    snprintf(err->text, sizeof err->text,
             "%s (from %s): \"%.40s\" is not true or false", k->name, origin, v);
    return -1;
}

_Static_assert(NKEYS <= 64, "config_key_set keeps one bit per key");

static int set_value(modq_config *cfg, const ckey *k, const char *v,
                     const char *origin, config_error *err) {
    char *base = (char *)cfg;
    if (strcmp(origin, "default") != 0)
        cfg->set_keys |= 1ULL << (size_t)(k - keys); /* the file or MODQ_ set it */
    if (k->type == T_STR) {
        char **slot = (char **)(base + k->off);
        char *dup = strdup(v);
        if (!dup) {
            snprintf(err->text, sizeof err->text, "%s: out of memory", k->name);
            return -1;
        }
        free(*slot);
        *slot = dup;
        return 0;
    }
    if (k->type == T_BOOL) return parse_bool(k, v, origin, (long *)(base + k->off), err);
    double d;
    if (parse_num(k, v, origin, &d, err) < 0) return -1;
    if (k->type == T_INT)
        *(long *)(base + k->off) = (long)d;
    else
        *(double *)(base + k->off) = d;
    return 0;
}

/* Sets weight_<code> from its key name (after the prefix, any case: the
 * environment's is upper) and value v. 0, or -1 with err naming the key. */
static int set_weight(modq_config *cfg, const char *code, const char *v,
                      const char *origin, config_error *err) {
    char c[CONFIG_CODE_LEN];
    size_t n = strlen(code);
    int ok = n > 0 && n < sizeof c;
    for (size_t i = 0; ok && i < n; i++) {
        c[i] = (char)tolower((unsigned char)code[i]);
        ok = (c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' && c[i] <= '9') ||
             c[i] == '_';
    }
    if (!ok) {
        char lc[61];
        size_t i = 0;
        for (; code[i] && i < sizeof lc - 1; i++)
            lc[i] = (char)tolower((unsigned char)code[i]);
        lc[i] = 0;
        snprintf(err->text, sizeof err->text,
                 CONFIG_WEIGHT_PREFIX "%s (from %s): not a detector code "
                 "(letters, digits and '_', under %d characters)",
                 lc, origin, CONFIG_CODE_LEN);
        return -1;
    }
    c[n] = 0;
    char name[sizeof CONFIG_WEIGHT_PREFIX + CONFIG_CODE_LEN];
    snprintf(name, sizeof name, CONFIG_WEIGHT_PREFIX "%s", c);
    const ckey k = {name, T_DBL, 0, 1, "", 0, 0};
    double w;
    if (parse_num(&k, v, origin, &w, err) < 0) return -1;
    size_t i = 0;
    while (i < cfg->nweights && strcmp(cfg->weights[i].code, c) != 0) i++;
    if (i == CONFIG_MAX_WEIGHTS) {
        snprintf(err->text, sizeof err->text,
                 "%s (from %s): more than %d weight_<code> keys", name, origin,
                 CONFIG_MAX_WEIGHTS);
        return -1;
    }
    if (i == cfg->nweights) cfg->nweights++;
    memcpy(cfg->weights[i].code, c, n + 1);
    cfg->weights[i].weight = w;
    return 0;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

static int load_file(modq_config *cfg, const char *path, config_error *err) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err->text, sizeof err->text, "config file %s: %s", path,
                 strerror(errno));
        return -1;
    }
    char line[4096];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *s = trim(line);
        if (!*s || *s == '#') continue;
        char *sp = s;
        while (*sp && !isspace((unsigned char)*sp)) sp++;
        static char empty[1];
        char *val = empty;
        if (*sp) {
            *sp = 0;
            val = trim(sp + 1);
        }
        /* allow quoted values */
        size_t vl = strlen(val);
        if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
            val[vl - 1] = 0;
            val++;
        }
        char origin[300];
        snprintf(origin, sizeof origin, "%s:%d", path, lineno);
        const size_t wp = sizeof CONFIG_WEIGHT_PREFIX - 1;
        if (strncmp(s, CONFIG_WEIGHT_PREFIX, wp) == 0) {
            if (set_weight(cfg, s + wp, val, origin, err) < 0) {
                rc = -1;
                break;
            }
            continue;
        }
        const ckey *k = find_key(s);
        if (!k) {
            snprintf(err->text, sizeof err->text, "%s:%d: unknown key \"%.60s\"",
                     path, lineno, s);
            rc = -1;
            break;
        }
        if (set_value(cfg, k, val, origin, err) < 0) {
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}

static int parse_listen(modq_config *cfg, config_error *err) {
    const char *l = cfg->listen;
    const char *colon = strrchr(l, ':');
    if (!colon || colon == l || (size_t)(colon - l) >= sizeof cfg->listen_host) {
        snprintf(err->text, sizeof err->text,
                 "listen: \"%.60s\" is not host:port", l);
        return -1;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1) {
        snprintf(err->text, sizeof err->text, "listen: bad port in \"%.60s\"", l);
        return -1;
    }
    memcpy(cfg->listen_host, l, (size_t)(colon - l));
    cfg->listen_host[colon - l] = 0;
    cfg->listen_port = (int)port;
    return 0;
}

/* MODQ_ variables that are not keys: read by tools/run.sh (make run),
 * bench/run.sh, tools/bootstrap.sh and the browser test, and harmless when
 * they reach modq's environment. */
static const char *const env_allowed[] = {
    "MODQ_CONFIG", "MODQ_REDIS_PORT", "MODQ_PID", "MODQ_BIN",
    "MODQ_EXTRA_PKGS", "MODQ_BASE", "MODQ_MOD_KEY", "MODQ_SEED",
};

/* 1 if the "NAME=value" entry names a key (MODQ_<KEY>) or an allowed
 * non-key variable. */
static int env_known(const char *entry) {
    const char *eq = strchr(entry, '=');
    size_t nl = eq ? (size_t)(eq - entry) : strlen(entry);
    for (size_t i = 0; i < sizeof env_allowed / sizeof *env_allowed; i++)
        if (strlen(env_allowed[i]) == nl && strncmp(entry, env_allowed[i], nl) == 0)
            return 1;
    char name[64];
    if (nl - 5 >= sizeof name) return 0;
    for (size_t i = 0; i < nl - 5; i++)
        name[i] = (char)tolower((unsigned char)entry[5 + i]);
    name[nl - 5] = 0;
    /* the key's variable is its upper-case name; a lower-case spelling of it
     * is not that key's variable */
    for (size_t i = 5; i < nl; i++)
        if (islower((unsigned char)entry[i])) return 0;
    return find_key(name) != NULL;
}

int config_key_set(const modq_config *cfg, const char *name) {
    const ckey *k = find_key(name);
    if (k) return (cfg->set_keys >> (size_t)(k - keys)) & 1;
    if (strncmp(name, CONFIG_WEIGHT_PREFIX, strlen(CONFIG_WEIGHT_PREFIX)) == 0)
        for (size_t i = 0; i < cfg->nweights; i++)
            if (strcmp(cfg->weights[i].code, name + strlen(CONFIG_WEIGHT_PREFIX)) == 0) return 1;
    return 0;
}

int config_load(modq_config *cfg, const char *path, config_error *err) {
    memset(cfg, 0, sizeof *cfg);
    err->text[0] = 0;
    for (size_t i = 0; i < NKEYS; i++)
        if (set_value(cfg, &keys[i], keys[i].def, "default", err) < 0) goto fail;
    if (path && load_file(cfg, path, err) < 0) goto fail;
    for (size_t i = 0; i < NKEYS; i++) {
        char env[64] = "MODQ_";
        size_t j = 5;
        for (const char *p = keys[i].name; *p && j < sizeof env - 1; p++)
            env[j++] = (char)toupper((unsigned char)*p);
        env[j] = 0;
        const char *v = getenv(env);
        if (v && set_value(cfg, &keys[i], v, env, err) < 0) goto fail;
    }
    /* MODQ_WEIGHT_<CODE>=<value>; any other MODQ_ name must be a key or
     * one of the few variables the scripts around modq use (env_allowed). */
    const char envw[] = "MODQ_WEIGHT_";
    for (char **ep = environ; ep && *ep; ep++) {
        if (strncmp(*ep, "MODQ_", 5) != 0) continue;
        if (strncmp(*ep, envw, sizeof envw - 1) != 0) {
            if (env_known(*ep)) continue;
            const char *eq = strchr(*ep, '=');
            int nl = eq ? (int)(eq - *ep) : (int)strlen(*ep);
            snprintf(err->text, sizeof err->text,
                     "%.*s: unknown environment variable (no such key)",
                     nl > 60 ? 60 : nl, *ep);
            goto fail;
        }
        const char *eq = strchr(*ep, '=');
        size_t nl = eq ? (size_t)(eq - *ep) : 0;
        char name[64], code[64];
        if (!eq || nl >= sizeof name) {
            snprintf(err->text, sizeof err->text,
                     "%.60s: not a MODQ_WEIGHT_<CODE>=<value> variable", *ep);
            goto fail;
        }
        memcpy(name, *ep, nl);
        name[nl] = 0;
        snprintf(code, sizeof code, "%s", name + sizeof envw - 1);
        if (set_weight(cfg, code, eq + 1, name, err) < 0) goto fail;
    }
    if (parse_listen(cfg, err) < 0) goto fail;
    const struct {
        const char *key, *list;
    } nets[] = {{"webhook_allowed_networks", cfg->webhook_allowed_networks},
                {"trusted_proxies", cfg->trusted_proxies}};
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        char why[120];
        if (cidr_list_check(nets[i].list, why, sizeof why) < 0) {
            snprintf(err->text, sizeof err->text, "%s: %s", nets[i].key, why);
            goto fail;
        }
    }
    if (strncmp(cfg->redis_url, "redis://", 8) != 0) {
        snprintf(err->text, sizeof err->text,
                 "redis_url: must start with redis://");
        goto fail;
    }
    if (cfg->redis_cluster[0] && cfg->redis_sentinels[0]) {
        snprintf(err->text, sizeof err->text,
                 "redis_cluster: cannot be combined with redis_sentinels");
        goto fail;
    }
    if (cfg->threshold_reject < cfg->threshold_pending) {
        snprintf(err->text, sizeof err->text,
                 "threshold_reject: must be >= threshold_pending");
        goto fail;
    }
    const char *lv = cfg->log_level;
    if (strcmp(lv, "debug") && strcmp(lv, "info") && strcmp(lv, "warn") &&
        strcmp(lv, "error")) {
        snprintf(err->text, sizeof err->text,
                 "log_level: \"%.40s\" is not debug|info|warn|error", lv);
        goto fail;
    }
    return 0;
fail:
    config_free(cfg);
    return -1;
}

void config_free(modq_config *cfg) {
    if (!cfg) return;
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type != T_STR) continue;
        char **slot = (char **)((char *)cfg + keys[i].off);
        free(*slot);
        *slot = NULL;
    }
}

int config_copy(modq_config *dst, const modq_config *src) {
    *dst = *src;
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type != T_STR) continue;
        char **slot = (char **)((char *)dst + keys[i].off);
        *slot = NULL;
    }
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type != T_STR) continue;
        char **slot = (char **)((char *)dst + keys[i].off);
        if (!(*slot = strdup(*(char *const *)((const char *)src + keys[i].off)))) {
            config_free(dst);
            return -1;
        }
    }
    return 0;
}

/* The keys a running modq takes from a reloaded file (SIGHUP): read per
 * request by the API gate or by the log (keys, limits, secret, level), or
 * the settings a verdict is made with (the file layer under the sites'
 * settings, comment_profile.c). Every other key is read once at start by
 * the object it shapes (the engine's language, the pool, the daemon). */
static const char *const reloadable[] = {
    "client_keys",       "moderator_keys", "moderator_anonymous_keys",
    "rate_limit_key",    "rate_limit_ip",  "auth_fail_limit",
    "coral_secret",      "log_level",      "threshold_pending",
    "threshold_reject",  "banned_words",   "suspect_words",
    "domain_allow",      "domain_block",   "flood_max",
    "flood_window",      "detectors_disabled", CONFIG_WEIGHT_PREFIX "<code>",
};

int config_key_reloadable(const char *name) {
    if (strncmp(name, CONFIG_WEIGHT_PREFIX, strlen(CONFIG_WEIGHT_PREFIX)) == 0) return 1;
    for (size_t i = 0; i < sizeof reloadable / sizeof *reloadable; i++)
        if (strcmp(reloadable[i], name) == 0) return 1;
    return 0;
}

/* 1 when table key k holds the same value in a and b. */
static int same_value(const ckey *k, const modq_config *a, const modq_config *b) {
    const char *pa = (const char *)a + k->off, *pb = (const char *)b + k->off;
    if (k->type == T_STR) return strcmp(*(char *const *)pa, *(char *const *)pb) == 0;
    if (k->type == T_DBL) return *(const double *)pa == *(const double *)pb;
    return *(const long *)pa == *(const long *)pb;
}

size_t config_changed(const modq_config *a, const modq_config *b, const char **names,
                      size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        if (same_value(&keys[i], a, b)) continue;
        if (n < max) names[n] = keys[i].name;
        n++;
    }
    int wsame = a->nweights == b->nweights;
    for (size_t i = 0; wsame && i < a->nweights; i++)
        wsame = strcmp(a->weights[i].code, b->weights[i].code) == 0 &&
                a->weights[i].weight == b->weights[i].weight;
    if (!wsame) {
        if (n < max) names[n] = CONFIG_WEIGHT_PREFIX "<code>";
        n++;
    }
    return n;
}

size_t config_dump(const modq_config *cfg, char *buf, size_t n) {
    size_t w = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        const ckey *k = &keys[i];
        const char *base = (const char *)cfg;
        int r;
        if (k->type == T_STR)
            r = snprintf(buf + (w < n ? w : n), w < n ? n - w : 0, "%s %s\n",
                         k->name,
                         k->secret ? "(hidden)" : *(char *const *)(base + k->off));
        else if (k->type == T_BOOL)
            r = snprintf(buf + (w < n ? w : n), w < n ? n - w : 0, "%s %s\n", k->name,
                         *(const long *)(base + k->off) ? "true" : "false");
        else if (k->type == T_INT)
            r = snprintf(buf + (w < n ? w : n), w < n ? n - w : 0, "%s %ld\n",
                         k->name, *(const long *)(base + k->off));
        else
            r = snprintf(buf + (w < n ? w : n), w < n ? n - w : 0, "%s %g\n",
                         k->name, *(const double *)(base + k->off));
        if (r > 0) w += (size_t)r;
    }
    for (size_t i = 0; i < cfg->nweights; i++) {
        int r = snprintf(buf + (w < n ? w : n), w < n ? n - w : 0,
                         CONFIG_WEIGHT_PREFIX "%s %g\n", cfg->weights[i].code,
                         cfg->weights[i].weight);
        if (r > 0) w += (size_t)r;
    }
    return w;
}

char **config_list(const char *csv) {
    size_t cap = 1;
    for (const char *p = csv ? csv : ""; *p; p++)
        if (*p == ',') cap++;
    char **out = calloc(cap + 1, sizeof *out);
    if (!out) return NULL;
    if (!csv) return out;
    char *copy = strdup(csv);
    if (!copy) {
        free(out);
        return NULL;
    }
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *t = trim(tok);
        if (!*t) continue;
        out[n] = strdup(t);
        if (!out[n]) break;
        n++;
    }
    free(copy);
    return out;
}

void config_list_free(char **list) {
    if (!list) return;
    for (char **p = list; *p; p++) free(*p);
    free(list);
}
