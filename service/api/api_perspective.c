/* api_perspective.c - Perspective's comments:analyze over modq's engine.
 *
 * Owns the translation between the Perspective Comment Analyzer API
 * (v1alpha1 comments:analyze) and modq: the request (comment.text,
 * requestedAttributes with scoreType/scoreThreshold, spanAnnotations,
 * languages, doNotStore, clientToken) -> one engine_prepare/engine_score
 * with no context -> attributeScores from the detectors' flags, and every
 * error in Google's shape {"error":{"code","message","status"}}. It runs
 * the engine only: it never touches Redis for the analysis and never
 * stores, queues or learns anything (doNotStore is honoured either way).
 * The gate (key, rate limits) is api.c's; this file only finds the key
 * where Perspective clients send it (?key=, else Authorization: Bearer).
 *
 * Attributes come from the table PV_ATTRIBUTES: each names the detector
 * codes it reads and how their flag scores combine. Codes are resolved
 * with engine_detector_find once; a code no detector of the registry
 * raises (or one disabled by configuration) is skipped, so an attribute
 * scores from the detectors that exist (0 when none does) and picks up a
 * detector as soon as it is registered. A score is a flag score in [0,1]:
 * a calibrated probability only where the detector says it is one.
 *
 * Spans (spanAnnotations): a contributing flag whose evidence quotes the
 * text (span or words) is located in comment.text by span_locate (the
 * review page's rule); offsets are code points of comment.text, end
 * exclusive. An attribute with no located span gets one span over the
 * whole text carrying its summary score, as Perspective never answers an
 * empty spanScores.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "span.h"
#include "codec.h"

/* Limits, each with its reason. */
#define PV_MAX_CODES 8       /* detectors one attribute reads; TOXICITY: 6 */
#define PV_MAX_REQUESTED 16  /* more members than attributes exist: one is unknown */
#define PV_MAX_LANGUAGES 16  /* a request names a handful at most */
#define PV_MESSAGE_LEN 240   /* one error message, names included */

/* A site no key scope lists: a site-scoped key must name one of its sites
 * with ?site= (auth_check_key matches "" only for unscoped keys). */
static const char PV_NO_SITE[] = "";
static const char PV_PROBABILITY[] = "PROBABILITY";

/* ============================================================ the table */

/* How an attribute combines the flag scores of its detectors. */
typedef double (*pv_combine_fn)(const double *scores, size_t n);

/* The largest: an attribute is as strong as its strongest evidence (a
 * combination that stays a probability when each part is one). */
static double pv_max(const double *scores, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (scores[i] > m) m = scores[i];
    return m;
}

typedef struct pv_attribute {
    const char *name;                /* Perspective's attribute name */
    const char *codes[PV_MAX_CODES]; /* modq flag codes it reads, NULL-ended */
    pv_combine_fn combine;
} pv_attribute;

static const pv_attribute PV_ATTRIBUTES[] = {
    {"TOXICITY", {"toxicity", "insult", "threat", "identity_attack", "profanity", "sexual"},
     pv_max},
    /* severe: what goes beyond rudeness, threats and attacks on identity */
    {"SEVERE_TOXICITY", {"threat", "identity_attack"}, pv_max},
    {"INSULT", {"insult"}, pv_max},
    {"THREAT", {"threat"}, pv_max},
    {"IDENTITY_ATTACK", {"identity_attack"}, pv_max},
    {"PROFANITY", {"profanity"}, pv_max},
    {"SEXUALLY_EXPLICIT", {"sexual"}, pv_max},
};
#define PV_NATTR (sizeof PV_ATTRIBUTES / sizeof PV_ATTRIBUTES[0])

/* The table's codes resolved against the registry: detector index, or -1
 * when no detector raises the code. Filled once (pv_resolve). */
static int pv_detector[PV_NATTR][PV_MAX_CODES];
static pthread_once_t pv_once = PTHREAD_ONCE_INIT;

static void pv_resolve_once(void) {
    for (size_t a = 0; a < PV_NATTR; a++)
        for (size_t k = 0; k < PV_MAX_CODES; k++)
            pv_detector[a][k] =
                PV_ATTRIBUTES[a].codes[k] ? engine_detector_find(PV_ATTRIBUTES[a].codes[k]) : -1;
}

static int pv_attribute_find(const char *name) {
    for (size_t a = 0; a < PV_NATTR; a++)
        if (strcmp(PV_ATTRIBUTES[a].name, name) == 0) return (int)a;
    return -1;
}

/* ============================================================ errors */

/* Google's error shape. status is the HTTP status; reason its canonical
 * name ("INVALID_ARGUMENT", ...), also the access log's error code. */
static void pv_error(http_response *res, int status, const char *reason, const char *message) {
    codec_obj *o = codec_obj_new();
    codec_obj *e = codec_obj_new();
    codec_set_int(e, "code", status);
    codec_set_str(e, "message", message);
    codec_set_str(e, "status", reason);
    codec_set_obj_new(o, "error", e);
    size_t len = 0;
    char *b = codec_dump_free(o, &len);
    api_reply(res, status, b, len);
    res->err_code = reason;
}

static void pv_invalid(http_response *res, const char *message) {
    pv_error(res, 400, "INVALID_ARGUMENT", message);
}

/* ============================================================ request */

typedef struct pv_request {
    codec_obj *root;    /* the parsed body (owns every borrowed string below) */
    const char *text;   /* comment.text */
    size_t text_len;
    int attr[PV_MAX_REQUESTED]; /* requested attributes, in request order */
    double threshold[PV_MAX_REQUESTED];
    size_t nattr;
    int spans;          /* spanAnnotations */
    const char *client_token;
} pv_request;

/* 1 when a language tag names English ("en", "en-US", "en_GB"). */
static int is_english(const char *tag) {
    return tag && (tag[0] | 0x20) == 'e' && (tag[1] | 0x20) == 'n' &&
           (tag[2] == 0 || tag[2] == '-' || tag[2] == '_');
}

/* Read and check one attribute's options (scoreType, scoreThreshold). */
static int read_options(const codec_obj *opt, const char *name, double *threshold, char *msg,
                        size_t msglen) {
    *threshold = 0;
    if (!opt || !codec_is_object(opt)) {
        snprintf(msg, msglen, "requestedAttributes.%s must be an object ({} for the defaults)",
                 name);
        return -1;
    }
    const codec_obj *st = codec_get(opt, "scoreType");
    if (st && codec_has(opt, "scoreType")) {
        const char *v = codec_str_value(st);
        if (!v || (strcmp(v, PV_PROBABILITY) != 0 && strcmp(v, "SCORE_TYPE_UNSPECIFIED") != 0)) {
            snprintf(msg, msglen, "requestedAttributes.%s.scoreType: only PROBABILITY is supported",
                     name);
            return -1;
        }
    }
    double t = 0;
    int got = codec_get_real(opt, "scoreThreshold", &t);
    if (got < 0 || (got == 1 && !(t >= 0 && t <= 1))) {
        snprintf(msg, msglen, "requestedAttributes.%s.scoreThreshold must be a number in [0, 1]",
                 name);
        return -1;
    }
    *threshold = t;
    return 0;
}

/* Decode and check the body. Returns 0 with r filled (free r->root with
 * codec_obj_free), or -1 with res answered. */
static int pv_decode(const http_request *req, pv_request *r, http_response *res) {
    char msg[PV_MESSAGE_LEN];
    memset(r, 0, sizeof *r);
    codec_error ce;
    r->root = codec_parse(req->body, req->body_len, &ce);
    if (!r->root) {
        snprintf(msg, sizeof msg, "Invalid JSON payload received. %s", ce.text);
        pv_invalid(res, msg);
        return -1;
    }
    const codec_obj *o = r->root;
    const codec_obj *comment = codec_get(o, "comment");
    if (!comment || !codec_is_object(comment) || !codec_is_str(comment, "text")) {
        pv_invalid(res, "comment.text is required (a string)");
        goto fail;
    }
    r->text = codec_get_str(comment, "text");
    r->text_len = strlen(r->text);
    if (r->text_len == 0) {
        pv_invalid(res, "comment.text must be non-empty");
        goto fail;
    }
    if (r->text_len > ENGINE_MAX_TEXT_BYTES) {
        snprintf(msg, sizeof msg, "comment.text is too long: %zu bytes, the limit is %d",
                 r->text_len, ENGINE_MAX_TEXT_BYTES);
        pv_invalid(res, msg);
        goto fail;
    }
    if (codec_has(comment, "type")) {
        const char *t = codec_get_str(comment, "type");
        if (!t || (strcmp(t, "PLAIN_TEXT") != 0 && strcmp(t, "HTML") != 0 &&
                   strcmp(t, "TEXT_TYPE_UNSPECIFIED") != 0)) {
            pv_invalid(res, "comment.type must be PLAIN_TEXT or HTML");
            goto fail;
        }
    }
    const codec_obj *ra = codec_get(o, "requestedAttributes");
    const char *names[PV_MAX_REQUESTED];
    size_t n = ra ? codec_keys(ra, names, PV_MAX_REQUESTED) : 0;
    if (!ra || !codec_is_object(ra) || n == 0) {
        pv_invalid(res, "requestedAttributes must name at least one attribute");
        goto fail;
    }
    if (n > PV_MAX_REQUESTED) {
        pv_invalid(res, "requestedAttributes names more attributes than exist");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        int a = pv_attribute_find(names[i]);
        if (a < 0) {
            snprintf(msg, sizeof msg,
                     "Unknown requested attribute: %.64s (modq scores TOXICITY, SEVERE_TOXICITY, "
                     "INSULT, THREAT, IDENTITY_ATTACK, PROFANITY, SEXUALLY_EXPLICIT)",
                     names[i]);
            pv_invalid(res, msg);
            goto fail;
        }
        if (read_options(codec_get(ra, names[i]), names[i], &r->threshold[r->nattr], msg,
                         sizeof msg) < 0) {
            pv_invalid(res, msg);
            goto fail;
        }
        r->attr[r->nattr++] = a;
    }
    const codec_obj *langs = codec_get(o, "languages");
    if (langs && codec_has(o, "languages")) {
        size_t nl = codec_is_array(langs) ? codec_size(langs) : 0;
        if (!codec_is_array(langs) || nl > PV_MAX_LANGUAGES) {
            pv_invalid(res, "languages must be a list of language codes");
            goto fail;
        }
        int english = nl == 0; /* none named: Perspective detects; modq reads English */
        const char *first = NULL;
        for (size_t i = 0; i < nl; i++) {
            const char *l = codec_str_value(codec_at(langs, i));
            if (!l) {
                pv_invalid(res, "languages must be a list of language codes");
                goto fail;
            }
            if (!first) first = l;
            english |= is_english(l);
        }
        if (!english) {
            snprintf(msg, sizeof msg, "Attribute %s does not support request languages: %.32s",
                     PV_ATTRIBUTES[r->attr[0]].name, first);
            pv_invalid(res, msg);
            goto fail;
        }
    }
    int flag = 0;
    if (codec_get_bool_strict(o, "spanAnnotations", &flag) < 0) {
        pv_invalid(res, "spanAnnotations must be a boolean");
        goto fail;
    }
    r->spans = flag;
    /* doNotStore: modq stores nothing from this endpoint, true or false */
    if (codec_get_bool_strict(o, "doNotStore", &flag) < 0) {
        pv_invalid(res, "doNotStore must be a boolean");
        goto fail;
    }
    if (codec_has(o, "clientToken")) {
        r->client_token = codec_get_str(o, "clientToken");
        if (!r->client_token) {
            pv_invalid(res, "clientToken must be a string");
            goto fail;
        }
    }
    return 0;
fail:
    codec_obj_free(r->root);
    r->root = NULL;
    return -1;
}

/* ============================================================ analysis */

/* The verdict on text alone: no article, thread, site or author history
 * (nothing is looked up). Returns 0, or -1 with res answered. */
static int pv_analyse(app *a, const pv_request *r, engine_verdict *v, http_response *res) {
    engine_session *sess = api_session(a);
    engine_comment ec = {r->text, r->text_len, NULL, NULL, NULL, NULL, NULL};
    engine_features *f = NULL;
    engine_error ee;
    if (!sess) {
        pv_error(res, 500, "INTERNAL", "out of memory");
        return -1;
    }
    if (engine_prepare(sess, &ec, &f, &ee) < 0) {
        if (ee.code == ENGINE_E_NOMEM)
            pv_error(res, 500, "INTERNAL", "out of memory");
        else
            pv_invalid(res, ee.code == ENGINE_E_INVALID_UTF8 ? "comment.text is not valid UTF-8"
                                                             : "comment.text is too long");
        return -1;
    }
    char akey[sizeof ((model_comment *)0)->author_key];
    engine_author_key(&ec, akey, sizeof akey);
    engine_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.learned_spam_prob = -1;
    ctx.author_key = akey;
    ctx.profile = comment_file_profile(api_file(a)); /* no site: the file's settings */
    engine_score(sess, f, &ec, &ctx, v);
    engine_features_free(f);
    return 0;
}

static const engine_flag *flag_of(const engine_verdict *v, const char *code) {
    for (size_t i = 0; i < v->nflags; i++)
        if (strcmp(v->flags[i].code, code) == 0) return &v->flags[i];
    return NULL;
}

/* The attribute a's summary score, and its spans when sp is not NULL. */
static double pv_score(const engine_profile *eng, size_t a, const engine_verdict *v,
                       const pv_request *r, span_list *sp) {
    double scores[PV_MAX_CODES];
    size_t n = 0;
    for (size_t k = 0; k < PV_MAX_CODES && PV_ATTRIBUTES[a].codes[k]; k++) {
        int d = pv_detector[a][k];
        if (d < 0 || !engine_profile_enabled(eng, (size_t)d)) continue;
        const engine_flag *fl = flag_of(v, PV_ATTRIBUTES[a].codes[k]);
        scores[n++] = fl ? fl->score : 0;
        /* the model's calibrated probability, not its gated flag: what a
         * caller asking for a probability of toxicity expects */
        if (strcmp(PV_ATTRIBUTES[a].codes[k], "toxicity") == 0 && v->toxicity > scores[n - 1])
            scores[n - 1] = v->toxicity;
        const engine_detector_row *row = engine_detector_info((size_t)d);
        if (sp && fl && fl->score > 0 && row &&
            (row->evidence == ENGINE_EVIDENCE_SPAN || row->evidence == ENGINE_EVIDENCE_WORDS))
            span_locate(r->text, r->text_len, fl->evidence, strlen(fl->evidence), fl->score,
                            sp);
    }
    double s = PV_ATTRIBUTES[a].combine(scores, n);
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

/* A score as the response writes it (six significant digits, the JSON
 * writer's precision): what a scoreThreshold is compared with, so a
 * caller passing back the value it read gets that score again. */
static double pv_as_written(double v) {
    char b[32];
    snprintf(b, sizeof b, "%.6g", v);
    return strtod(b, NULL);
}

static codec_obj *pv_score_obj(double value) {
    codec_obj *o = codec_obj_new();
    codec_set_real(o, "value", value);
    codec_set_str(o, "type", PV_PROBABILITY);
    return o;
}

/* The response body. Returns new JSON (free()) or NULL on OOM. */
static char *pv_response(const engine_profile *eng, const pv_request *r, const engine_verdict *v,
                         size_t *len) {
    codec_obj *o = codec_obj_new();
    codec_obj *scores = codec_obj_new();
    for (size_t i = 0; i < r->nattr; i++) {
        size_t a = (size_t)r->attr[i];
        span_list sp;
        sp.n = 0;
        double s = pv_as_written(pv_score(eng, a, v, r, r->spans ? &sp : NULL));
        if (s < r->threshold[i]) continue; /* Perspective omits scores below it */
        codec_obj *as = codec_obj_new();
        codec_set_obj_new(as, "summaryScore", pv_score_obj(s));
        if (r->spans) {
            if (sp.n == 0) span_add(&sp, 0, r->text_len, s);
            span_sort(&sp);
            codec_obj *arr = codec_arr_new();
            for (size_t k = 0; k < sp.n; k++) {
                if (pv_as_written(sp.s[k].score) < r->threshold[i]) continue;
                codec_obj *e = codec_obj_new();
                codec_set_int(e, "begin", (long long)span_code_points(r->text, sp.s[k].begin));
                codec_set_int(e, "end", (long long)span_code_points(r->text, sp.s[k].end));
                codec_set_obj_new(e, "score", pv_score_obj(pv_as_written(sp.s[k].score)));
                codec_append_new(arr, e);
            }
            codec_set_obj_new(as, "spanScores", arr);
        }
        codec_set_obj_new(scores, PV_ATTRIBUTES[a].name, as);
    }
    codec_set_obj_new(o, "attributeScores", scores);
    codec_obj *langs = codec_arr_new(), *detected = codec_arr_new();
    codec_append_str(langs, "en");
    codec_append_str(detected, "en");
    codec_set_obj_new(o, "languages", langs);
    codec_set_obj_new(o, "detectedLanguages", detected);
    if (r->client_token) codec_set_str(o, "clientToken", r->client_token);
    return codec_dump_free(o, len);
}

/* ============================================================ handler */

/* POST /v1alpha1/comments:analyze?key=KEY */
void api_perspective_analyze(const api_call *c, http_response *res) {
    pthread_once(&pv_once, pv_resolve_once);
    const char *key = http_query(c->req, "key");
    if (!key || !*key) key = api_bearer_key(c->req);
    const char *site = http_query(c->req, "site");
    if (site && !model_valid_ident(site, MODEL_MAX_SITE)) {
        pv_invalid(res, "site must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        return;
    }
    api_gate g;
    switch (api_gate_check(c->a, c->req, API_ROLE_CLIENT, key, site ? site : PV_NO_SITE, &g)) {
    case API_GATE_OK:
        break;
    case API_GATE_LIMITED:
        pv_error(res, 429, "RESOURCE_EXHAUSTED", g.message);
        api_gate_retry_after(res, &g);
        return;
    case API_GATE_UNAUTHORIZED:
        pv_error(res, 401, "UNAUTHENTICATED",
                 key && *key ? "API key not valid: it is not one of modq's client or moderator keys"
                             : "The request is missing a valid API key (?key=KEY or "
                               "Authorization: Bearer KEY)");
        return;
    case API_GATE_FORBIDDEN:
        pv_error(res, 403, "PERMISSION_DENIED",
                 site ? "this API key is not allowed for this site"
                      : "this API key is scoped to sites: add ?site=<one of them> to the "
                        "endpoint URL");
        return;
    }
    pv_request r;
    if (pv_decode(c->req, &r, res) < 0) return;
    engine_verdict v;
    if (pv_analyse(c->a, &r, &v, res) == 0) {
        size_t len = 0;
        char *b = pv_response(comment_file_profile(api_file(c->a)), &r, &v, &len);
        api_reply(res, 200, b, len);
    }
    codec_obj_free(r.root);
}
