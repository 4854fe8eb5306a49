/* comment_profile.c - each site's scoring profile, built once per version
 * of its settings.
 *
 * Owns the pipeline's cache of site profiles: a site's stored settings
 * (codec_settings.c's form) turned into an engine_profile (engine.h), the
 * flood window and the learning switch, under the settings version they
 * were read at. A comment's look-up sends the cached version and reads the
 * document only when Redis holds another (store_lookup.c), so a change
 * made through any instance is used by the next comment on every instance,
 * and a site whose settings did not change costs one more MGET key. A
 * profile is shared read-only by the jobs holding a reference; replacing a
 * site's entry never frees a profile a job still scores with. Never talks
 * to Redis itself except in comment_profile_current (a caller's
 * connection).
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
    const engine *e;
    const modq_config *cfg;
    pthread_mutex_t mu; /* guards slots */
    slot slots[PROFILE_SLOTS];
};

comment_profiles *comment_profiles_new(const engine *e, const modq_config *cfg) {
    comment_profiles *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->e = e;
    c->cfg = cfg;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void comment_profiles_free(comment_profiles *c) {
    if (!c) return;
    for (size_t i = 0; i < PROFILE_SLOTS; i++) comment_profile_release(c->slots[i].p);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void comment_profile_release(comment_profile *p) {
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1) return;
    engine_profile_free(p->ep);
    free(p);
}

static slot *slot_of(comment_profiles *c, const char *site) {
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *s = (const unsigned char *)site; *s; s++)
        h = (h ^ *s) * 1099511628211ULL;
    return &c->slots[h % PROFILE_SLOTS];
}

comment_profile *comment_profile_cached(comment_profiles *c, const char *site) {
    if (!c || !site) return NULL;
    comment_profile *p = NULL;
    pthread_mutex_lock(&c->mu);
    slot *s = slot_of(c, site);
    if (s->p && strcmp(s->site, site) == 0) {
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

/* A new profile (one reference) of site at ver from doc (NULL: none), or
 * NULL when out of memory. A document that does not decode or build
 * (settings stored by another version of modq, thresholds the file's
 * changed against) leaves the configuration's settings, logged. */
static comment_profile *profile_new(comment_profiles *c, const char *site, uint64_t ver,
                                    const char *doc, size_t len) {
    comment_profile *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    atomic_init(&p->refs, 1);
    p->ver = ver;
    p->flood_window = c->cfg->flood_window;
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
    if (!(p->ep = engine_profile_new(c->e, &o, &ee)))
        log_msg(LOG_WARN, "settings: site %s: %s: %s; the configuration's apply", site,
                ee.field, ee.text);
    if (m.flood_window_set == MODEL_SET) p->flood_window = m.flood_window;
    if (m.learning_set == MODEL_SET) p->learning = m.learning;
    model_settings_free(&m);
    return p;
}

comment_profile *comment_profile_build(comment_profiles *c, const char *site, uint64_t ver,
                                       const char *doc, size_t len) {
    if (!c || !site || strlen(site) > MODEL_MAX_SITE) return NULL;
    comment_profile *p = profile_new(c, site, ver, doc, len);
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

comment_profile *comment_profile_current(comment_profiles *c, store *s, const char *site) {
    comment_profile *p = comment_profile_cached(c, site);
    uint64_t ver;
    if (store_settings_version(s, site, &ver) < 0) return p; /* what is known */
    if (p && p->ver == ver) return p;
    comment_profile_release(p);
    char *doc = NULL;
    size_t len = 0;
    if (store_settings_get(s, site, &doc, &len, &ver) < 0) return NULL;
    p = comment_profile_build(c, site, ver, doc, len);
    free(doc);
    return p;
}
