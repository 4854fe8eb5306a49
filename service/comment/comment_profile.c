/* comment_profile.c - the file layer and each site's scoring profile over
 * it, built once per load of the file and per version of the site's
 * settings.
 *
 * Owns the file layer (comment_file, comment.h): the config file's
 * verdict settings compiled into an engine_profile over the engine (word
 * lists compiled anew, never patched), immutable once built. Owns the
 * pipeline's cache of site profiles: a site's stored settings
 * (codec_settings.c's form) turned into an engine_profile layered over the
 * file's, the flood window and the learning switch, under the settings
 * version and the file layer they were built at: a profile over an
 * earlier layer is rebuilt at the site's next comment (and let go at the
 * reload: comment_profiles_forget). A comment's look-up sends the cached
 * version and reads the document only when Redis holds another
 * (store_lookup.c), so a change made through any instance is used by the
 * next comment on every instance, and a site whose settings did not
 * change costs one more MGET key. A profile is shared read-only by the
 * jobs holding a reference; replacing a site's entry never frees a
 * profile a job still scores with. Never talks to Redis itself except in
 * comment_profile_current (a caller's connection).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "comment_private.h"
#include "log.h"

/* Sites whose profiles are kept, direct-mapped by a hash of the name: a
 * site that shares a slot with a busier one is rebuilt when it comes back
 * (one more round trip), never served another site's profile. */
#define PROFILE_SLOTS 1024

typedef struct slot {
    char site[MODEL_MAX_SITE + 1];
    comment_profile *p; /* a reference of the cache's own, NULL: empty */
} slot;

struct comment_profiles {
    pthread_mutex_t mu; /* guards slots */
    slot slots[PROFILE_SLOTS];
};

/* ========================================================= the file layer */

struct comment_file {
    atomic_uint refs;
    modq_config cfg;    /* a copy of the loaded configuration */
    char **lists[4];    /* banned, suspect, allowed, blocked (config_list) */
    engine_profile *ep; /* the engine with all of the file's settings */
};

comment_file *comment_file_new(const engine *e, const modq_config *cfg, char *err, size_t n) {
    comment_file *f = calloc(1, sizeof *f);
    char **disabled = NULL;
    engine_detector_overlay *dets = NULL;
    if (!f || config_copy(&f->cfg, cfg) < 0) {
        free(f);
        f = NULL;
        goto nomem;
    }
    atomic_init(&f->refs, 1);
    const char *csv[4] = {cfg->banned_words, cfg->suspect_words, cfg->domain_allow,
                          cfg->domain_block};
    for (int i = 0; i < 4; i++)
        if (!(f->lists[i] = config_list(csv[i]))) goto nomem;
    if (!(disabled = config_list(cfg->detectors_disabled))) goto nomem;
    size_t ndis = 0;
    while (disabled[ndis]) ndis++;
    /* every detector at its row's default and on, then the file's weights
     * and switches (a later entry wins): a key taken out of the file
     * brings back the default */
    size_t nd = engine_detector_count();
    if (!(dets = calloc(nd + cfg->nweights + ndis, sizeof *dets))) goto nomem;
    size_t k = 0;
    for (size_t i = 0; i < nd; i++) {
        const engine_detector_row *row = engine_detector_info(i);
        dets[k++] = (engine_detector_overlay){row->code, 1, row->weight, 1};
    }
    for (size_t i = 0; i < cfg->nweights; i++)
        dets[k++] = (engine_detector_overlay){cfg->weights[i].code, 1, cfg->weights[i].weight, -1};
    for (size_t i = 0; i < ndis; i++) dets[k++] = (engine_detector_overlay){disabled[i], 0, 0, 0};
    engine_overlay o = {
        .set_pending = 1, .set_reject = 1,
        .threshold_pending = cfg->threshold_pending, .threshold_reject = cfg->threshold_reject,
        .set_banned = 1, .set_suspect = 1, .set_allow = 1, .set_block = 1,
        .banned_words = (const char *const *)f->lists[0],
        .suspect_words = (const char *const *)f->lists[1],
        .domain_allow = (const char *const *)f->lists[2],
        .domain_block = (const char *const *)f->lists[3],
        .set_flood_max = 1, .flood_max = (unsigned)cfg->flood_max,
        .detectors = dets, .ndetectors = k, .abuse_severe_rejects = -1};
    engine_error ee;
    memset(&ee, 0, sizeof ee);
    f->ep = engine_profile_new(e, &o, &ee);
    free(dets);
    config_list_free(disabled);
    if (!f->ep) {
        snprintf(err, n, "%s: %s", ee.field[0] ? ee.field : "settings", ee.text);
        comment_file_release(f);
        return NULL;
    }
    return f;
nomem:
    snprintf(err, n, "out of memory");
    free(dets);
    config_list_free(disabled);
    comment_file_release(f);
    return NULL;
}

comment_file *comment_file_ref(comment_file *f) {
    if (f) atomic_fetch_add(&f->refs, 1);
    return f;
}

void comment_file_release(comment_file *f) {
    if (!f || atomic_fetch_sub(&f->refs, 1) != 1) return;
    engine_profile_free(f->ep);
    for (int i = 0; i < 4; i++) config_list_free(f->lists[i]);
    config_free(&f->cfg);
    free(f);
}

const modq_config *comment_file_config(const comment_file *f) { return &f->cfg; }

const engine_profile *comment_file_profile(const comment_file *f) { return f->ep; }

/* ========================================================= site profiles */

const engine_profile *comment_profile_engine(const comment_profile *p, const comment_file *file) {
    return p && p->ep ? p->ep : file ? file->ep : NULL;
}

comment_profiles *comment_profiles_new(void) {
    comment_profiles *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void comment_profiles_free(comment_profiles *c) {
    if (!c) return;
    for (size_t i = 0; i < PROFILE_SLOTS; i++) comment_profile_release(c->slots[i].p);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void comment_profiles_forget(comment_profiles *c, const comment_file *file) {
    if (!c) return;
    comment_profile *gone[PROFILE_SLOTS];
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < PROFILE_SLOTS; i++)
        if (c->slots[i].p && c->slots[i].p->file != file) {
            gone[n++] = c->slots[i].p;
            c->slots[i].p = NULL;
        }
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n; i++) comment_profile_release(gone[i]); /* outside the lock */
}

void comment_profile_release(comment_profile *p) {
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1) return;
    engine_profile_free(p->ep); /* before the layer it borrows */
    comment_file_release(p->file);
    free(p);
}

static slot *slot_of(comment_profiles *c, const char *site) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *s = (const unsigned char *)site; *s; s++)
        h = (h ^ *s) * 1099511628211ULL;
    return &c->slots[h % PROFILE_SLOTS];
}

comment_profile *comment_profile_cached(comment_profiles *c, const char *site,
                                        const comment_file *file) {
    if (!c || !site) return NULL;
    comment_profile *p = NULL;
    pthread_mutex_lock(&c->mu);
    slot *s = slot_of(c, site);
    /* both layers are alive (the profile holds its own), so equal
     * addresses are the same layer */
    if (s->p && s->p->file == file && strcmp(s->site, site) == 0) {
        p = s->p;
        atomic_fetch_add(&p->refs, 1);
    }
    pthread_mutex_unlock(&c->mu);
    return p;
}

/* The engine overlay of m (dets: room for m->ndet; codes the registry
 * lacks are left out). */
static void overlay_of(const model_settings *m, engine_overlay *o, engine_detector_overlay *dets) {
    memset(o, 0, sizeof *o);
    o->set_pending = m->pending_set == MODEL_SET;
    o->threshold_pending = m->pending;
    o->set_reject = m->rejected_set == MODEL_SET;
    o->threshold_reject = m->rejected;
    o->set_banned = m->banned_words.set == MODEL_SET;
    o->banned_words = (const char *const *)m->banned_words.items;
    o->set_suspect = m->suspect_words.set == MODEL_SET;
    o->suspect_words = (const char *const *)m->suspect_words.items;
    o->set_allow = m->domain_allow.set == MODEL_SET;
    o->domain_allow = (const char *const *)m->domain_allow.items;
    o->set_block = m->domain_block.set == MODEL_SET;
    o->domain_block = (const char *const *)m->domain_block.items;
    o->set_flood_max = m->flood_max_set == MODEL_SET;
    o->flood_max = (unsigned)m->flood_max;
    o->abuse_severe_rejects = m->severe_set == MODEL_SET ? m->abuse_severe_rejects : -1;
    size_t n = 0;
    for (size_t i = 0; i < m->ndet; i++) {
        const model_setting_detector *d = &m->det[i];
        if (engine_detector_find(d->code) < 0) {
            log_msg(LOG_WARN, "settings: detector %s is not in the registry; left out", d->code);
            continue;
        }
        dets[n++] = (engine_detector_overlay){d->code, d->weight_set == MODEL_SET, d->weight,
                                              d->enabled_set == MODEL_SET ? d->enabled : -1};
    }
    o->detectors = dets;
    o->ndetectors = n;
}

/* A new profile (one reference) of site at ver from doc (NULL: none) over
 * file, or NULL when out of memory. A document that does not decode or
 * build (settings stored by another version of modq, thresholds the
 * file's changed against) leaves the file's settings, logged. */
static comment_profile *profile_new(const char *site, uint64_t ver, const char *doc, size_t len,
                                    comment_file *file) {
    comment_profile *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    atomic_init(&p->refs, 1);
    p->ver = ver;
    p->file = comment_file_ref(file);
    p->flood_window = file->cfg.flood_window;
    p->learning = 1;
    if (!doc) return p;
    model_settings m;
    codec_error ce;
    if (codec_decode_settings(doc, len, 0, &m, &ce) < 0) {
        log_msg(LOG_WARN, "settings: site %s: stored settings unreadable (%s: %s); the "
                "configuration's apply", site, ce.field, ce.text);
        return p;
    }
    engine_overlay o;
    engine_detector_overlay dets[MODEL_MAX_SETTING_DETECTORS];
    overlay_of(&m, &o, dets);
    engine_error ee;
    memset(&ee, 0, sizeof ee);
    if (!(p->ep = engine_profile_layer(file->ep, &o, &ee)))
        log_msg(LOG_WARN, "settings: site %s: %s: %s; the configuration's apply", site,
                ee.field, ee.text);
    if (m.flood_window_set == MODEL_SET) p->flood_window = m.flood_window;
    if (m.learning_set == MODEL_SET) p->learning = m.learning;
    model_settings_free(&m);
    return p;
}

comment_profile *comment_profile_build(comment_profiles *c, const char *site, uint64_t ver,
                                       const char *doc, size_t len, comment_file *file) {
    if (!c || !site || !file || strlen(site) > MODEL_MAX_SITE) return NULL;
    comment_profile *p = profile_new(site, ver, doc, len, file);
    if (!p) return NULL;
    atomic_fetch_add(&p->refs, 1); /* the caller's and the cache's */
    comment_profile *old = NULL;
    pthread_mutex_lock(&c->mu);
    slot *s = slot_of(c, site);
    old = s->p;
    s->p = p;
    snprintf(s->site, sizeof s->site, "%s", site);
    pthread_mutex_unlock(&c->mu);
    comment_profile_release(old);
    return p;
}

comment_profile *comment_profile_current(comment_profiles *c, store *s, const char *site,
                                         comment_file *file) {
    comment_profile *p = comment_profile_cached(c, site, file);
    uint64_t ver;
    if (store_settings_version(s, site, &ver) < 0) return p; /* what is known */
    if (p && p->ver == ver) return p;
    comment_profile_release(p);
    char *doc = NULL;
    size_t len = 0;
    if (store_settings_get(s, site, &doc, &len, &ver) < 0) return NULL;
    p = comment_profile_build(c, site, ver, doc, len, file);
    free(doc);
    return p;
}
