/* codec_settings.c - a site's settings document: decode and encode.
 *
 * Owns the JSON shape of GET/PUT /v1/sites/{site}/settings's writable
 * fields, shared by the PUT body (where null resets a field) and the form
 * stored in Redis (the fields set, nothing else). Checks each field's
 * type and range and names the field at fault ("thresholds.pending",
 * "detectors.<code>.weight"); it never decides cross-field rules (pending
 * <= rejected once applied) or which detector codes exist: the API does,
 * with the configuration and the engine's registry at hand.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

#define J(o) ((json_t *)(o))

/* Ranges of the numeric fields: those of the config keys they override
 * (service/core/config.c). */
#define FLOOD_MAX_MAX 1000000
#define FLOOD_WINDOW_MIN 1
#define FLOOD_WINDOW_MAX 86400

/* err = a 422 with code, field and the text fmt makes. Returns -1. */
__attribute__((format(printf, 4, 5))) static int fail(codec_error *err, const char *code,
                                                      const char *field, const char *fmt, ...) {
    va_list ap;
    err->status = 422;
    snprintf(err->code, sizeof err->code, "%s", code);
    snprintf(err->field, sizeof err->field, "%s", field);
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
    return -1;
}

/* The state a value's JSON says: null resets (a PUT body only). */
static int null_state(json_t *v, int patch, const char *field, model_set *set,
                      codec_error *err) {
    if (!json_is_null(v)) return 0;
    if (!patch) return fail(err, "invalid_field", field, "%s must not be null", field);
    *set = MODEL_RESET;
    return 1;
}

static int real_in(json_t *v, int patch, const char *field, double lo, int lo_open, double hi,
                   model_set *set, double *out, codec_error *err) {
    int n = null_state(v, patch, field, set, err);
    if (n) return n < 0 ? -1 : 0;
    if (!json_is_number(v)) return fail(err, "invalid_field", field, "%s must be a number", field);
    double d = json_number_value(v);
    if ((lo_open ? d <= lo : d < lo) || d > hi) {
        char range[64];
        snprintf(range, sizeof range, "%s%g, %g]", lo_open ? "(" : "[", lo, hi);
        return fail(err, "invalid_field", field, "%s must be in %s", field, range);
    }
    *set = MODEL_SET;
    *out = d;
    return 0;
}

static int int_in(json_t *v, int patch, const char *field, long lo, long hi, model_set *set,
                  long *out, codec_error *err) {
    int n = null_state(v, patch, field, set, err);
    if (n) return n < 0 ? -1 : 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char range[64];
        snprintf(range, sizeof range, "%ld..%ld", lo, hi);
        return fail(err, "invalid_field", field, "%s must be an integer in %s", field, range);
    }
    *set = MODEL_SET;
    *out = (long)json_integer_value(v);
    return 0;
}

static int bool_of(json_t *v, int patch, const char *field, model_set *set, int *out,
                   codec_error *err) {
    int n = null_state(v, patch, field, set, err);
    if (n) return n < 0 ? -1 : 0;
    if (!json_is_boolean(v)) return fail(err, "invalid_field", field, "%s must be a boolean", field);
    *set = MODEL_SET;
    *out = json_is_true(v);
    return 0;
}

/* An entry of a word list (domain = 0: any printable text) or a domain
 * list (letters, digits, '.', '-'); lowercased (ASCII) in out. */
static int entry_ok(const char *s, size_t len, int domain) {
    if (len == 0 || len > MODEL_MAX_SETTING_WORD) return 0;
    int printable = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) return 0;
        if (domain && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return 0;
        printable |= c != ' ';
    }
    return printable;
}

static int list_of(json_t *v, int patch, const char *field, int domain, model_setting_list *out,
                   codec_error *err) {
    int n = null_state(v, patch, field, &out->set, err);
    if (n) return n < 0 ? -1 : 0;
    if (!json_is_array(v) || json_array_size(v) > MODEL_MAX_SETTING_WORDS) {
        char what[96];
        snprintf(what, sizeof what, "at most %d %s", MODEL_MAX_SETTING_WORDS,
                 domain ? "host names" : "strings");
        return fail(err, "invalid_field", field, "%s must be an array of %s", field, what);
    }
    out->items = calloc(json_array_size(v) + 1, sizeof *out->items);
    if (!out->items) return fail(err, "internal", field, "%s: out of memory", field);
    out->set = MODEL_SET;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        const char *s = json_string_value(e);
        size_t len = s ? json_string_length(e) : 0;
        if (!s || strlen(s) != len || !entry_ok(s, len, domain)) {
            char what[120];
            snprintf(what, sizeof what, "%s of 1 to %d bytes%s",
                     domain ? "host names (letters, digits, '.', '-')" : "non-blank strings",
                     MODEL_MAX_SETTING_WORD, domain ? "" : " without control characters");
            return fail(err, "invalid_field", field, "%s must hold %s", field, what);
        }
        char *c = strdup(s);
        if (!c) return fail(err, "internal", field, "%s: out of memory", field);
        for (char *p = c; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
        out->items[out->n++] = c;
    }
    return 0;
}

/* 1 when every member of object o is one of names, else -1 with err
 * naming the first other one ("<prefix>.<member>"). */
static int members_known(json_t *o, const char *prefix, const char *const *names,
                         codec_error *err) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        int known = 0;
        for (size_t i = 0; names[i] && !known; i++) known = strcmp(k, names[i]) == 0;
        if (!known) {
            char field[64];
            snprintf(field, sizeof field, "%s%s%.40s", prefix, *prefix ? "." : "", k);
            return fail(err, "unknown_field", field, "%s is not a setting", field);
        }
    }
    return 1;
}

/* A group {a, b} ("thresholds", "flood"): null resets both members. */
static int group_of(json_t *v, int patch, const char *field, const char *const *names,
                    model_set *set_a, model_set *set_b, codec_error *err) {
    model_set s = MODEL_UNSET;
    int n = null_state(v, patch, field, &s, err);
    if (n) {
        if (n > 0) *set_a = *set_b = MODEL_RESET;
        return n < 0 ? -1 : 0;
    }
    if (!json_is_object(v)) return fail(err, "invalid_field", field, "%s must be an object", field);
    return members_known(v, field, names, err) < 0 ? -1 : 1;
}

static int detectors_of(json_t *v, int patch, model_settings *out, codec_error *err) {
    model_set s = MODEL_UNSET;
    int n = null_state(v, patch, "detectors", &s, err);
    if (n) {
        out->detectors_reset = n > 0;
        return n < 0 ? -1 : 0;
    }
    if (!json_is_object(v) || json_object_size(v) > MODEL_MAX_SETTING_DETECTORS)
        return fail(err, "invalid_field", "detectors", "detectors must be an object of at most %d detector codes",
                    MODEL_MAX_SETTING_DETECTORS);
    static const char *const names[] = {"weight", "enabled", NULL};
    const char *code;
    json_t *d;
    json_object_foreach(v, code, d) {
        char field[64];
        snprintf(field, sizeof field, "detectors.%.40s", code);
        if (strlen(code) == 0 || strlen(code) >= MODEL_FLAG_CODE_LEN)
            return fail(err, "unknown_detector", field, "%s is not a detector code", field);
        model_setting_detector *x = &out->det[out->ndet++];
        memset(x, 0, sizeof *x);
        memcpy(x->code, code, strlen(code) + 1);
        if (json_is_null(d) && patch) {
            x->weight_set = x->enabled_set = MODEL_RESET;
            continue;
        }
        if (!json_is_object(d))
            return fail(err, "invalid_field", field, "%s must be an object {weight, enabled}", field);
        if (members_known(d, field, names, err) < 0) return -1;
        char fw[72], fe[72];
        snprintf(fw, sizeof fw, "%s.weight", field);
        snprintf(fe, sizeof fe, "%s.enabled", field);
        json_t *w = json_object_get(d, "weight"), *e = json_object_get(d, "enabled");
        if ((w && real_in(w, patch, fw, 0, 0, 1, &x->weight_set, &x->weight, err) < 0) ||
            (e && bool_of(e, patch, fe, &x->enabled_set, &x->enabled, err) < 0))
            return -1;
        if (!patch && !x->weight_set && !x->enabled_set)
            return fail(err, "invalid_field", field, "%s sets nothing", field);
    }
    return 0;
}

/* coral_secret: MODEL_MIN_CORAL_SECRET to MODEL_MAX_CORAL_SECRET printable
 * ASCII characters without spaces, as the config's coral_secret. */
static int secret_of(json_t *v, int patch, model_settings *out, codec_error *err) {
    int n = null_state(v, patch, "coral_secret", &out->coral_secret_set, err);
    if (n) return n < 0 ? -1 : 0;
    const char *s = json_string_value(v);
    size_t l = s ? json_string_length(v) : 0;
    int ok = s && l >= MODEL_MIN_CORAL_SECRET && l <= MODEL_MAX_CORAL_SECRET;
    for (size_t i = 0; ok && i < l; i++) ok = s[i] > ' ' && s[i] < 0x7f;
    if (!ok)
        return fail(err, "invalid_field", "coral_secret",
                    "coral_secret must be %d to %d printable ASCII characters without spaces",
                    MODEL_MIN_CORAL_SECRET, MODEL_MAX_CORAL_SECRET);
    out->coral_secret_set = MODEL_SET;
    memcpy(out->coral_secret, s, l);
    out->coral_secret[l] = 0;
    return 0;
}

int codec_decode_settings(const char *buf, size_t len, int patch, model_settings *out,
                          codec_error *err) {
    memset(out, 0, sizeof *out);
    codec_obj *root = codec_parse(buf, len, err);
    if (!root) return -1;
    json_t *r = J(root);
    static const char *const top[] = {"thresholds", "banned_words", "suspect_words",
                                      "domain_allow", "domain_block", "flood",
                                      "detectors", "learning", "abuse_severe_rejects",
                                      "coral_secret", NULL};
    static const char *const thr[] = {"pending", "rejected", NULL};
    static const char *const fl[] = {"max", "window", NULL};
    int rc = -1, g;
    json_t *v;
    if (members_known(r, "", top, err) < 0) goto done;
    if ((v = json_object_get(r, "thresholds"))) {
        if ((g = group_of(v, patch, "thresholds", thr, &out->pending_set, &out->rejected_set,
                          err)) < 0)
            goto done;
        json_t *p = g ? json_object_get(v, "pending") : NULL;
        json_t *q = g ? json_object_get(v, "rejected") : NULL;
        if ((p && real_in(p, patch, "thresholds.pending", 0, 1, 1, &out->pending_set,
                          &out->pending, err) < 0) ||
            (q && real_in(q, patch, "thresholds.rejected", 0, 1, 1, &out->rejected_set,
                          &out->rejected, err) < 0))
            goto done;
    }
    struct {
        const char *name;
        int domain;
        model_setting_list *l;
    } lists[] = {{"banned_words", 0, &out->banned_words},
                 {"suspect_words", 0, &out->suspect_words},
                 {"domain_allow", 1, &out->domain_allow},
                 {"domain_block", 1, &out->domain_block}};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if ((v = json_object_get(r, lists[i].name)) &&
            list_of(v, patch, lists[i].name, lists[i].domain, lists[i].l, err) < 0)
            goto done;
    if ((v = json_object_get(r, "flood"))) {
        if ((g = group_of(v, patch, "flood", fl, &out->flood_max_set, &out->flood_window_set,
                          err)) < 0)
            goto done;
        json_t *m = g ? json_object_get(v, "max") : NULL;
        json_t *w = g ? json_object_get(v, "window") : NULL;
        if ((m && int_in(m, patch, "flood.max", 0, FLOOD_MAX_MAX, &out->flood_max_set,
                         &out->flood_max, err) < 0) ||
            (w && int_in(w, patch, "flood.window", FLOOD_WINDOW_MIN, FLOOD_WINDOW_MAX,
                         &out->flood_window_set, &out->flood_window, err) < 0))
            goto done;
    }
    if ((v = json_object_get(r, "detectors")) && detectors_of(v, patch, out, err) < 0) goto done;
    if ((v = json_object_get(r, "learning")) &&
        bool_of(v, patch, "learning", &out->learning_set, &out->learning, err) < 0)
        goto done;
    if ((v = json_object_get(r, "abuse_severe_rejects")) &&
        bool_of(v, patch, "abuse_severe_rejects", &out->severe_set, &out->abuse_severe_rejects,
                err) < 0)
        goto done;
    if ((v = json_object_get(r, "coral_secret")) && secret_of(v, patch, out, err) < 0) goto done;
    rc = 0;
done:
    codec_obj_free(root);
    if (rc < 0) model_settings_free(out);
    return rc;
}

static json_t *list_json(const model_setting_list *l) {
    json_t *a = json_array();
    for (size_t i = 0; a && i < l->n; i++) json_array_append_new(a, json_string(l->items[i]));
    return a;
}

char *codec_encode_settings(const model_settings *s, size_t *len) {
    json_t *o = json_object();
    if (!o) return NULL;
    if (s->pending_set == MODEL_SET || s->rejected_set == MODEL_SET) {
        json_t *t = json_object();
        if (s->pending_set == MODEL_SET) json_object_set_new(t, "pending", json_real(s->pending));
        if (s->rejected_set == MODEL_SET)
            json_object_set_new(t, "rejected", json_real(s->rejected));
        json_object_set_new(o, "thresholds", t);
    }
    const model_setting_list *lists[] = {&s->banned_words, &s->suspect_words, &s->domain_allow,
                                         &s->domain_block};
    const char *names[] = {"banned_words", "suspect_words", "domain_allow", "domain_block"};
    for (size_t i = 0; i < 4; i++)
        if (lists[i]->set == MODEL_SET) json_object_set_new(o, names[i], list_json(lists[i]));
    if (s->flood_max_set == MODEL_SET || s->flood_window_set == MODEL_SET) {
        json_t *f = json_object();
        if (s->flood_max_set == MODEL_SET)
            json_object_set_new(f, "max", json_integer(s->flood_max));
        if (s->flood_window_set == MODEL_SET)
            json_object_set_new(f, "window", json_integer(s->flood_window));
        json_object_set_new(o, "flood", f);
    }
    if (s->ndet) {
        json_t *d = json_object();
        for (size_t i = 0; i < s->ndet; i++) {
            json_t *x = json_object();
            if (s->det[i].weight_set == MODEL_SET)
                json_object_set_new(x, "weight", json_real(s->det[i].weight));
            if (s->det[i].enabled_set == MODEL_SET)
                json_object_set_new(x, "enabled", json_boolean(s->det[i].enabled));
            json_object_set_new(d, s->det[i].code, x);
        }
        json_object_set_new(o, "detectors", d);
    }
    if (s->learning_set == MODEL_SET) json_object_set_new(o, "learning", json_boolean(s->learning));
    if (s->severe_set == MODEL_SET)
        json_object_set_new(o, "abuse_severe_rejects", json_boolean(s->abuse_severe_rejects));
    if (s->coral_secret_set == MODEL_SET)
        json_object_set_new(o, "coral_secret", json_string(s->coral_secret));
    return codec_dump_free((codec_obj *)o, len);
}
