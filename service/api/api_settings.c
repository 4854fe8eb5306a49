/* api_settings.c - GET/PUT a site's settings.
 *
 * Shows the settings a site's comments are scored with, each value with
 * its source ("default": built in, "file": the config file or its MODQ_
 * variable, "site": this site's own) and the config key it overrides; and
 * changes them by partial update: a PUT names only the fields it changes,
 * null resets one to the file's or built-in value. A change is validated
 * against the configuration and the detector registry, applied over the
 * stored document with a compare-and-set on its version (retried when
 * another writer came first) and audited in the same script
 * (store_settings.c); the comment pipeline picks it up at the next comment
 * on every instance (comment_profile.c). Moderator keys may read, not
 * change. Owns no storage and no scoring.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "codec.h"
#include "crypto.h"
#include "log.h"

/* Compare-and-set attempts of a PUT before 409: each lost attempt means
 * another change landed in between, so a few always suffice but under a
 * storm of writers to one site. */
#define SETTINGS_CAS_RETRIES 8
/* Hex digits of the SHA-256 of the caller's key in an audit entry: names
 * the key for whoever holds the list of keys, reveals nothing of it. */
#define SETTINGS_KEY_ID_HEX 16

/* The source of a value: the site's, else whether the file layer's
 * configuration (fc) set key. */
static const char *source_of(int site_set, const modq_config *fc, const char *key) {
    if (site_set) return "site";
    return key && config_key_set(fc, key) ? "file" : "default";
}

/* {"value": ..., "source": ..., "key": key} under name in parent; the
 * caller sets "value" on the returned object (borrowed from parent). */
static codec_obj *leaf(codec_obj *parent, const char *name, const char *key, const char *source) {
    codec_obj *o = codec_obj_new();
    if (!o) return NULL;
    codec_set_str(o, "source", source);
    codec_set_str(o, "key", key);
    codec_set_obj_new(parent, name, o);
    return (codec_obj *)codec_get(parent, name);
}

static codec_obj *list_arr(const char *const *l, size_t n) {
    codec_obj *arr = codec_arr_new();
    for (size_t i = 0; arr && l && (n ? i < n : l[i] != NULL); i++) codec_append_str(arr, l[i]);
    return arr;
}

static void list_leaf(codec_obj *o, const modq_config *fc, const char *name, const char *key,
                      const model_setting_list *site, const char *const *file) {
    codec_obj *x = leaf(o, name, key, source_of(site->set == MODEL_SET, fc, key));
    if (!x) return;
    if (site->set == MODEL_SET)
        codec_set_obj_new(x, "value", site->n ? list_arr((const char *const *)site->items, site->n)
                                              : codec_arr_new());
    else
        codec_set_obj_new(x, "value", list_arr(file, 0));
}

static const model_setting_detector *site_detector(const model_settings *m, const char *code) {
    for (size_t i = 0; i < m->ndet; i++)
        if (strcmp(m->det[i].code, code) == 0) return &m->det[i];
    return NULL;
}

/* The effective settings of site with its stored overrides m at version
 * ver over the request's file layer: the answer of GET and PUT. */
static codec_obj *settings_view(const app *a, const char *site, const model_settings *m,
                                uint64_t ver) {
    const modq_config *cfg = comment_file_config(api_file(a));
    const engine_profile *fp = comment_file_profile(api_file(a));
    const engine_config *ec = engine_profile_config(fp);
    codec_obj *root = codec_obj_new(), *s = codec_obj_new(), *t = codec_obj_new(),
              *f = codec_obj_new(), *d = codec_obj_new();
    char **disabled = config_list(cfg->detectors_disabled);
    if (!root || !s || !t || !f || !d || !disabled) {
        codec_obj_free(root);
        codec_obj_free(s);
        codec_obj_free(t);
        codec_obj_free(f);
        codec_obj_free(d);
        config_list_free(disabled);
        return NULL;
    }
    codec_set_str(root, "site", site);
    codec_set_int(root, "version", (long long)ver);
    codec_obj *x;
    if ((x = leaf(t, "pending", "threshold_pending",
                  source_of(m->pending_set == MODEL_SET, cfg, "threshold_pending"))))
        codec_set_real(x, "value",
                       m->pending_set == MODEL_SET ? m->pending : ec->threshold_pending);
    if ((x = leaf(t, "rejected", "threshold_reject",
                  source_of(m->rejected_set == MODEL_SET, cfg, "threshold_reject"))))
        codec_set_real(x, "value",
                       m->rejected_set == MODEL_SET ? m->rejected : ec->threshold_reject);
    codec_set_obj_new(s, "thresholds", t);
    list_leaf(s, cfg, "banned_words", "banned_words", &m->banned_words, ec->banned_words);
    list_leaf(s, cfg, "suspect_words", "suspect_words", &m->suspect_words, ec->suspect_words);
    list_leaf(s, cfg, "domain_allow", "domain_allow", &m->domain_allow, ec->domain_allow);
    list_leaf(s, cfg, "domain_block", "domain_block", &m->domain_block, ec->domain_block);
    if ((x = leaf(f, "max", "flood_max",
                  source_of(m->flood_max_set == MODEL_SET, cfg, "flood_max"))))
        codec_set_int(x, "value", m->flood_max_set == MODEL_SET ? m->flood_max : ec->flood_max);
    if ((x = leaf(f, "window", "flood_window",
                  source_of(m->flood_window_set == MODEL_SET, cfg, "flood_window"))))
        codec_set_int(x, "value",
                      m->flood_window_set == MODEL_SET ? m->flood_window : cfg->flood_window);
    codec_set_obj_new(s, "flood", f);
    for (size_t i = 0; i < engine_detector_count(); i++) {
        const char *code = engine_detector_info(i)->code;
        const model_setting_detector *sd = site_detector(m, code);
        codec_obj *one = codec_obj_new();
        if (!one) break;
        char wkey[CONFIG_CODE_LEN + sizeof CONFIG_WEIGHT_PREFIX];
        snprintf(wkey, sizeof wkey, CONFIG_WEIGHT_PREFIX "%s", code);
        int sw = sd && sd->weight_set == MODEL_SET, se = sd && sd->enabled_set == MODEL_SET;
        if ((x = leaf(one, "weight", wkey, source_of(sw, cfg, wkey))))
            codec_set_real(x, "value", sw ? sd->weight : engine_profile_weight(fp, i));
        int listed = 0;
        for (size_t k = 0; disabled[k] && !listed; k++) listed = strcmp(disabled[k], code) == 0;
        if ((x = leaf(one, "enabled", "detectors_disabled",
                      se ? "site" : listed ? "file" : "default")))
            codec_set_bool(x, "value", se ? sd->enabled : engine_profile_enabled(fp, i));
        codec_set_obj_new(d, code, one);
    }
    config_list_free(disabled);
    codec_set_obj_new(s, "detectors", d);
    if ((x = leaf(s, "learning", NULL, m->learning_set == MODEL_SET ? "site" : "default")))
        codec_set_bool(x, "value", m->learning_set == MODEL_SET ? m->learning : 1);
    if ((x = leaf(s, "abuse_severe_rejects", NULL, m->severe_set == MODEL_SET ? "site" : "default")))
        codec_set_bool(x, "value", m->severe_set == MODEL_SET ? m->abuse_severe_rejects : 0);
    /* a secret is never shown: only whether the site has one of its own */
    int own = m->coral_secret_set == MODEL_SET;
    const char *global = api_coral_secret(a);
    if ((x = leaf(s, "coral_secret", "coral_secret",
                  own ? "site" : source_of(0, cfg, "coral_secret")))) {
        codec_set_str(x, "value", own || (global && *global) ? "(set)" : NULL);
    }
    codec_set_obj_new(root, "settings", s);
    return root;
}

static void reply_view(const api_call *c, http_response *res, const char *site,
                       const model_settings *m, uint64_t ver) {
    codec_obj *o = settings_view(c->a, site, m, ver);
    size_t len = 0;
    char *b = o ? codec_dump_free(o, &len) : NULL;
    if (!b) {
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    api_reply(res, 200, b, len);
}

/* The stored overrides of site into m, and the version: 0, or -1 on
 * Redis trouble. A stored document that no longer decodes reads as none
 * (logged): a PUT then replaces it. */
static int stored(store *s, const char *site, model_settings *m, uint64_t *ver) {
    char *doc = NULL;
    size_t len = 0;
    memset(m, 0, sizeof *m);
    int rc = store_settings_get(s, site, &doc, &len, ver);
    if (rc < 0) return -1;
    codec_error ce;
    if (doc && codec_decode_settings(doc, len, 0, m, &ce) < 0)
        log_msg(LOG_WARN, "settings: site %s: stored settings unreadable (%s: %s)", site,
                ce.field, ce.text);
    free(doc);
    return 0;
}

/* GET /v1/sites/{site}/settings */
void api_settings_get(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    store *s = store_acquire(c->a->pool);
    model_settings m;
    uint64_t ver = 0;
    int rc = stored(s, site, &m, &ver);
    store_release(c->a->pool, s);
    if (rc < 0) {
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
        return;
    }
    reply_view(c, res, site, &m, ver);
    model_settings_free(&m);
}

/* The rules a field's own shape cannot say, for merged settings m
 * (changed by patch): detector codes of the registry, pending <= rejected
 * once applied over the file layer. 0, or -1 with res answered. */
static int check_merged(const api_call *c, const model_settings *patch, const model_settings *m,
                        http_response *res) {
    for (size_t i = 0; i < patch->ndet; i++) {
        if (engine_detector_find(patch->det[i].code) >= 0) continue;
        char field[64], msg[160];
        snprintf(field, sizeof field, "detectors.%.40s", patch->det[i].code);
        snprintf(msg, sizeof msg, "%s is not a detector code (GET /v1/detectors lists them)", field);
        api_error(res, 422, "unknown_detector", msg, field);
        return -1;
    }
    const engine_config *fc = engine_profile_config(comment_file_profile(api_file(c->a)));
    double p = m->pending_set == MODEL_SET ? m->pending : fc->threshold_pending;
    double r = m->rejected_set == MODEL_SET ? m->rejected : fc->threshold_reject;
    if (p > r) {
        const char *field = patch->pending_set == MODEL_SET ? "thresholds.pending"
                                                            : "thresholds.rejected";
        char msg[160];
        snprintf(msg, sizeof msg, "thresholds.pending (%g) must not exceed thresholds.rejected (%g)",
                 p, r);
        api_error(res, 422, "invalid_field", msg, field);
        return -1;
    }
    return 0;
}

/* PUT /v1/sites/{site}/settings */
void api_settings_put(const api_call *c, http_response *res) {
    if (c->role == AUTH_MODERATOR) {
        api_error(res, 403, "forbidden", "moderator keys may read settings, not change them",
                  NULL);
        return;
    }
    if (api_require_json(c, res) < 0) return;
    const char *site = router_param(c->m, "site");
    model_settings patch, m;
    codec_error ce;
    if (codec_decode_settings(c->req->body, c->req->body_len, 1, &patch, &ce) < 0) {
        api_error(res, ce.status, ce.code, ce.text, ce.field[0] ? ce.field : NULL);
        return;
    }
    /* who changed it: the key's role and a digest of it, never the key */
    char kid[2 * CRYPTO_SHA256_LEN + 1] = "", at[24];
    const char *key = api_bearer_key(c->req);
    if (key) {
        unsigned char h[CRYPTO_SHA256_LEN];
        crypto_sha256(key, strlen(key), h);
        crypto_hex(h, sizeof h, kid);
        kid[SETTINGS_KEY_ID_HEX] = 0;
    }
    snprintf(at, sizeof at, "%lld", clock_wall_ms());
    /* the request as sent (validated: nulls and all) */
    char *req = strndup(c->req->body, c->req->body_len);
    const char *fields[] = {"event", "settings", "actor",
                            c->role == AUTH_MODERATOR ? "moderator" : "client",
                            "key_id", kid, "request", req ? req : "", "at_ms", at};
    store *s = store_acquire(c->a->pool);
    int rc = 0;
    uint64_t ver = 0, nver = 0;
    memset(&m, 0, sizeof m);
    for (int attempt = 0; attempt < SETTINGS_CAS_RETRIES; attempt++) {
        if (stored(s, site, &m, &ver) < 0) {
            rc = -1;
            break;
        }
        if (model_settings_apply(&m, &patch) < 0) {
            rc = -2;
            break;
        }
        if (check_merged(c, &patch, &m, res) < 0) {
            rc = -3;
            break;
        }
        size_t len = 0;
        char *doc = model_settings_empty(&m) ? NULL : codec_encode_settings(&m, &len);
        if (!model_settings_empty(&m) && !doc) {
            rc = -2;
            break;
        }
        rc = store_settings_put(s, site, ver, doc, len, fields, sizeof fields / sizeof *fields,
                                &nver);
        free(doc);
        if (rc != 0) break;
        model_settings_free(&m); /* another change came first: again */
    }
    store_release(c->a->pool, s);
    free(req);
    if (rc == 1) {
        log_msg(LOG_INFO, "settings: site %s changed (version %llu)", site,
                (unsigned long long)nver);
        reply_view(c, res, site, &m, nver);
    } else if (rc == -1) {
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
    } else if (rc == -2) {
        api_error(res, 500, "internal", "out of memory", NULL);
    } else if (rc == 0) {
        api_error(res, 409, "conflict", "the settings kept changing meanwhile; retry", NULL);
    }
    model_settings_free(&m);
    model_settings_free(&patch);
}
