/* test_codec.c - request decoding (status, code, field per case), the
 * storage round trip of a comment record, and the comment encoder against
 * the jansson-tree encoder it replaced (byte for byte, over generated
 * records). A test program: it may use jansson directly. */
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "codec.h"
#include "unit.h"

typedef struct {
    const char *body;
    int status;        /* 0 = must decode */
    const char *field; /* expected error field */
} ccase;

static const ccase CASES[] = {
    {"{\"article_id\":\"a1\",\"text\":\"hi\",\"author\":{\"name\":\"x\"}}", 0, NULL},
    {"{\"id\":\"c-1:x\",\"article_id\":\"a1\",\"text\":\"hi\",\"author\":{\"name\":\"x\",\"email\":\"a@b.c\",\"ip\":\"1.2.3.4\"},\"parent_id\":\"p\",\"created_at\":\"2024-01-01T00:00:00Z\"}", 0, NULL},
    {"{\"article_id\":\"a1\",\"text\":\"hi\"", 400, ""},
    {"", 400, ""},
    {"{\"a\":1,\"a\":1}", 400, ""},
    {"[]", 422, ""},
    {"{\"article_id\":\"a1\",\"author\":{\"name\":\"x\"}}", 422, "text"},
    {"{\"article_id\":\"a1\",\"text\":\"\",\"author\":{\"name\":\"x\"}}", 422, "text"},
    {"{\"article_id\":\"a 1\",\"text\":\"t\",\"author\":{\"name\":\"x\"}}", 422, "article_id"},
    {"{\"id\":\"has space\",\"article_id\":\"a1\",\"text\":\"t\",\"author\":{\"name\":\"x\"}}", 422, "id"},
    {"{\"article_id\":\"a1\",\"text\":\"t\",\"author\":\"x\"}", 422, "author"},
    {"{\"article_id\":\"a1\",\"text\":\"t\",\"author\":{}}", 422, "author.name"},
    {"{\"article_id\":\"a1\",\"text\":\"t\",\"author\":{\"name\":\"x\",\"email\":7}}", 422, "author.email"},
    {"{\"article_id\":\"a1\",\"text\":\"t\\u0000x\",\"author\":{\"name\":\"x\"}}", 400, ""},
    {"{\"article_id\":\"a1\",\"text\":\"t\",\"author\":{\"name\":\"x\"},\"d\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}", 422, ""},
};

static void test_comment_requests(void) {
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        model_comment c;
        codec_error e;
        memset(&e, 0, sizeof e);
        int rc = codec_decode_comment_req(CASES[i].body, strlen(CASES[i].body), &c, 1000, &e);
        if (CASES[i].status == 0) {
            if (rc != 0) fprintf(stderr, "  case %zu: %s\n", i, e.text);
            CHECK(rc == 0);
            if (rc == 0) model_comment_free(&c);
        } else {
            if (rc != -1 || e.status != CASES[i].status)
                fprintf(stderr, "  case %zu: rc %d status %d (%s)\n", i, rc, e.status, e.text);
            CHECK(rc == -1);
            CHECK(e.status == CASES[i].status);
            if (CASES[i].field) CHECK_STR(e.field, CASES[i].field);
        }
    }
}

static void test_text_limit(void) {
    const char *b = "{\"article_id\":\"a1\",\"text\":\"0123456789\",\"author\":{\"name\":\"x\"}}";
    model_comment c;
    codec_error e;
    CHECK(codec_decode_comment_req(b, strlen(b), &c, 5, &e) == -1);
    CHECK(e.status == 422);
    CHECK_STR(e.field, "text");
}

static void test_invalid_utf8_is_422(void) {
    const char b[] = "{\"article_id\":\"a1\",\"text\":\"\xff\xfe\",\"author\":{\"name\":\"x\"}}";
    model_comment c;
    codec_error e;
    CHECK(codec_decode_comment_req(b, sizeof b - 1, &c, 1000, &e) == -1);
    CHECK(e.status == 422);
    CHECK_STR(e.code, "invalid_utf8");
}

static void test_storage_round_trip(void) {
    model_comment c;
    memset(&c, 0, sizeof c);
    c.id = strdup("c1");
    c.site = strdup("s");
    c.article_id = strdup("a");
    c.text = strdup("hello \"world\"\n");
    c.author.name = strdup("Ann");
    c.author.email = strdup("ann@example.org");
    c.author.ip = strdup("10.0.0.1");
    c.status = MODEL_PENDING;
    c.auto_status = MODEL_PENDING;
    c.score = 0.73456;
    c.relevance = 0.25;
    CHECK(model_comment_add_flag(&c, "link_spam", 0.6, "3 links", "http://x.example") == 0);
    strcpy(c.author_key, "ann@example.org");
    c.exact_hash = 0xdeadbeefcafef00dULL;
    c.has_minhash = 1;
    for (int i = 0; i < MODEL_MINHASH_N; i++) c.minhash[i] = (uint32_t)(i * 2654435761u);
    for (int i = 0; i < MODEL_LSH_BANDS; i++) c.band[i] = 0x0123456789abcdefULL + (uint64_t)i;
    size_t len;
    char *json = codec_encode_comment(&c, 1, &len);
    CHECK(json != NULL);
    model_comment d;
    codec_error e;
    CHECK(codec_decode_comment(json, len, &d, &e) == 0);
    CHECK_STR(d.text, c.text);
    CHECK_STR(d.author.email, "ann@example.org");
    CHECK(d.status == MODEL_PENDING);
    CHECK_NEAR(d.score, 0.735, 1e-9);
    CHECK(d.nflags == 1);
    CHECK_STR(d.flags[0].evidence, "http://x.example");
    CHECK(d.exact_hash == c.exact_hash);
    CHECK(d.has_minhash == 1);
    CHECK(memcmp(d.band, c.band, sizeof c.band) == 0);
    /* the MinHash is stored once, in the exact key: not in the record */
    CHECK(strstr(json, "\"mh\"") == NULL);
    CHECK(strstr(json, "\"bd\"") != NULL);
    for (int i = 0; i < MODEL_MINHASH_N; i++) CHECK(d.minhash[i] == 0);
    free(json);
    model_comment_free(&d);
    /* a record of the older layout (and a spool line written by it)
     * carries the MinHash: it is read, with the bands */
    {
        char old[1024], mh[MODEL_MINHASH_N * 8 + 1];
        for (int i = 0; i < MODEL_MINHASH_N; i++) sprintf(mh + 8 * i, "%08x", c.minhash[i]);
        int ol = snprintf(old, sizeof old,
                          "{\"id\":\"c0\",\"site\":\"s\",\"mh\":\"%s\",\"bd\":\"%s\"}", mh,
                          "0123456789abcdef0123456789abcdf00123456789abcdf10123456789abcdf2"
                          "0123456789abcdf30123456789abcdf40123456789abcdf50123456789abcdf6");
        CHECK(codec_decode_comment(old, (size_t)ol, &d, &e) == 0);
        CHECK(d.has_minhash == 1);
        CHECK(memcmp(d.minhash, c.minhash, sizeof c.minhash) == 0);
        CHECK(memcmp(d.band, c.band, sizeof c.band) == 0);
        model_comment_free(&d);
        /* without its bands a record has no MinHash to speak of */
        ol = snprintf(old, sizeof old, "{\"id\":\"c0\",\"site\":\"s\",\"mh\":\"%s\"}", mh);
        CHECK(codec_decode_comment(old, (size_t)ol, &d, &e) == 0);
        CHECK(d.has_minhash == 0);
    }
    /* the API form never carries e-mail, IP or analysis keys */
    json = codec_encode_comment(&c, 0, &len);
    CHECK(strstr(json, "ann@example.org") == NULL);
    CHECK(strstr(json, "10.0.0.1") == NULL);
    CHECK(strstr(json, "\"mh\"") == NULL);
    free(json);
    model_comment_free(&c);
    model_comment_free(&d);
}

/* ======================================== encoder vs the jansson encoder */

/* The comment encoder as it was before jsonw (commit 0da09ac,
 * service/codec.c): a jansson tree dumped with JSON_COMPACT |
 * JSON_REAL_PRECISION(6). Kept here, and only here, as the reference the
 * new encoder must match byte for byte. */
static void ref_set_opt(json_t *o, const char *key, const char *v) {
    if (v) json_object_set_new(o, key, json_string(v));
}

static char *ref_dump(json_t *root, size_t *len) {
    char *s = root ? json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(6)) : NULL;
    json_decref(root);
    if (s && len) *len = strlen(s);
    return s;
}

static json_t *ref_flags_json(const model_comment *c) {
    json_t *a = json_array();
    for (size_t i = 0; i < c->nflags; i++) {
        const model_flag *f = &c->flags[i];
        json_t *o = json_object();
        json_object_set_new(o, "code", json_string(f->code));
        json_object_set_new(o, "score", json_real((double)(long long)(f->score * 1000 + 0.5) / 1000));
        json_object_set_new(o, "detail", json_string(f->detail ? f->detail : ""));
        if (f->evidence && f->evidence[0]) json_object_set_new(o, "evidence", json_string(f->evidence));
        json_array_append_new(a, o);
    }
    return a;
}

static double ref_round3(double x) { return (double)(long long)(x * 1000 + 0.5) / 1000; }

static char *ref_encode_comment(const model_comment *c, int storage, size_t *len) {
    json_t *o = json_object();
    ref_set_opt(o, "id", c->id);
    ref_set_opt(o, "site", c->site);
    ref_set_opt(o, "article_id", c->article_id);
    json_object_set_new(o, "status", json_string(model_status_name(c->status)));
    json_object_set_new(o, "score", json_real(ref_round3(c->score)));
    if (c->relevance >= 0) json_object_set_new(o, "relevance", json_real(ref_round3(c->relevance)));
    json_object_set_new(o, "flags", ref_flags_json(c));
    json_object_set_new(o, "auto_status", json_string(model_status_name(c->auto_status)));
    ref_set_opt(o, "text", c->text);
    if (storage) {
        ref_set_opt(o, "parent_id", c->parent_id);
        ref_set_opt(o, "created_at", c->created_at);
    } else {
        json_object_set_new(o, "parent_id", c->parent_id ? json_string(c->parent_id) : json_null());
        json_object_set_new(o, "created_at",
                            c->created_at ? json_string(c->created_at) : json_null());
    }
    json_object_set_new(o, "revision", json_integer(c->revision > 0 ? c->revision : 1));
    json_object_set_new(o, "history", json_array()); /* the generated comments have none */
    json_object_set_new(o, "received_ms", json_integer(c->received_ms));
    json_t *au = json_object();
    ref_set_opt(au, "name", c->author.name);
    if (storage) {
        ref_set_opt(au, "email", c->author.email);
        ref_set_opt(au, "url", c->author.url);
        ref_set_opt(au, "ip", c->author.ip);
        ref_set_opt(au, "user_agent", c->author.user_agent);
    } else {
        ref_set_opt(au, "url", c->author.url);
    }
    json_object_set_new(o, "author", au);
    if (c->decided_by) {
        json_t *d = json_object();
        json_object_set_new(d, "by", json_string(c->decided_by));
        json_object_set_new(d, "at_ms", json_integer(c->decided_ms));
        json_object_set_new(d, "decision",
                            json_string(c->status == MODEL_APPROVED ? "approve" : "reject"));
        ref_set_opt(d, "reason", c->decision_reason);
        ref_set_opt(d, "note", c->decision_note);
        json_object_set_new(o, "decision", d);
    } else {
        json_object_set_new(o, "decision", json_null());
    }
    if (storage) {
        char h[20];
        json_object_set_new(o, "author_key", json_string(c->author_key));
        snprintf(h, sizeof h, "%016llx", (unsigned long long)c->exact_hash);
        json_object_set_new(o, "xh", json_string(h));
        if (c->has_minhash) {
            char bd[MODEL_LSH_BANDS * 16 + 1];
            for (int i = 0; i < MODEL_LSH_BANDS; i++)
                sprintf(bd + 16 * i, "%016llx", (unsigned long long)c->band[i]);
            json_object_set_new(o, "bd", json_string(bd));
        }
    }
    return ref_dump(o, len);
}

/* Field values the generated records are made of; NULL = absent. Strings
 * cover escapes, '/', DEL, non-ASCII UTF-8 (U+2028, an emoji) and
 * HTML-ish text. */
static const char *const STRS[] = {
    NULL,
    "",
    "c1",
    "plain text",
    "quote \" backslash \\ slash / end",
    "ctl \b\f\n\r\t \x01\x1f\x7f.",
    "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87",
    "<script>alert('x')</script>",
    "\\u0041 is not an escape",
    "https://example.org/a?b=c&d=e",
    "Ann O'Neil",
    "2024-01-01T00:00:00Z",
};
/* Invalid UTF-8: jansson refused to hold these, so the member was left
 * out; the writer must leave it out too. */
static const char *const BAD_UTF8[] = {"\xff", "ok\xc3", "\xed\xa0\x80", "\xc0\xaf",
                                       "a\xf4\x90\x80\x80"};
static const double SCORES[] = {0,      1,    0.73456, 0.0004, 0.0005, 0.9995,     1e-7,
                                1e-300, 0.1,  0.3,     -0.3,   -1,     123456.789, 1e12,
                                1e15,   0.5,  0.6665,  2.5e-4, 0.999999999};
static const double RELEVANCE[] = {-1, -0.5, 0, 0.25, 0.33333, 1, 0.0004};
static const long long TIMES[] = {0, 1700000000123LL, -1, LLONG_MAX, LLONG_MIN, 42};
static const char *const CODES[] = {"link_spam", "off_topic", "", "c\xc3\xa9", "x\"y\\z"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t gen_state;
static uint64_t gen(void) {
    gen_state ^= gen_state << 13;
    gen_state ^= gen_state >> 7;
    gen_state ^= gen_state << 17;
    return gen_state;
}

/* One generated value: mostly from STRS, now and then invalid UTF-8
 * (*bad set). Returns new or NULL. */
static char *gen_str(int *bad) {
    if (gen() % 30 == 0) {
        *bad = 1;
        return strdup(BAD_UTF8[gen() % NELEM(BAD_UTF8)]);
    }
    const char *s = STRS[gen() % NELEM(STRS)];
    return s ? strdup(s) : NULL;
}

/* Fills a fixed-size field with s, or with n bytes of "é"/ASCII cut at the
 * end of the array (possibly mid-sequence, as snprintf truncation does). */
static void gen_fixed(char *out, size_t size, int *bad) {
    switch (gen() % 4) {
    case 0: { /* fill to the brim with 2-byte characters */
        size_t i = 0;
        for (; i + 1 < size; i++) out[i] = (i % 2) ? '\xa9' : '\xc3';
        out[i] = 0;
        if ((size - 1) % 2) *bad = 1; /* ends on a lone lead byte */
        break;
    }
    case 1:
        memset(out, 'e', size - 1);
        out[size - 1] = 0;
        break;
    default: {
        int b = 0;
        char *s = gen_str(&b);
        snprintf(out, size, "%s", s ? s : "");
        *bad |= b;
        free(s);
    }
    }
}

/* Lengths of a flag's detail and evidence as the engine bounds them. */
#define FLAG_DETAIL_LEN 512
#define FLAG_EVIDENCE_LEN 256

/* gen_fixed into a new string of at most size - 1 bytes. */
static char *gen_fixed_new(size_t size, int *bad) {
    char *out = malloc(size);
    if (out) gen_fixed(out, size, bad);
    return out;
}

/* A generated record; *clean = 0 when it holds something that cannot come
 * back from a decode (invalid UTF-8, or no id/site: a corrupt record). */
static void gen_comment(model_comment *c, int *clean) {
    int bad = 0;
    memset(c, 0, sizeof *c);
    c->id = gen() % 8 ? strdup(gen() % 2 ? "c1" : "0123456789abcdef0123456789abcdef")
                      : gen_str(&bad);
    c->site = gen() % 8 ? strdup("site-1") : gen_str(&bad);
    c->article_id = gen_str(&bad);
    c->text = gen_str(&bad);
    c->parent_id = gen_str(&bad);
    c->created_at = gen_str(&bad);
    c->author.name = gen_str(&bad);
    c->author.email = gen_str(&bad);
    c->author.url = gen_str(&bad);
    c->author.ip = gen_str(&bad);
    c->author.user_agent = gen_str(&bad);
    c->status = (model_status)(gen() % 3);
    c->auto_status = (model_status)(gen() % 3);
    c->score = SCORES[gen() % NELEM(SCORES)];
    c->relevance = RELEVANCE[gen() % NELEM(RELEVANCE)];
    c->nflags = gen() % 5 ? gen() % 4 : MODEL_MAX_FLAGS;
    for (size_t i = 0; i < c->nflags; i++) {
        model_flag *f = &c->flags[i];
        snprintf(f->code, sizeof f->code, "%s", CODES[gen() % NELEM(CODES)]);
        f->score = SCORES[gen() % NELEM(SCORES)];
        f->detail = gen_fixed_new(FLAG_DETAIL_LEN, &bad);
        if (gen() % 2) f->evidence = gen_fixed_new(FLAG_EVIDENCE_LEN, &bad);
    }
    c->received_ms = TIMES[gen() % NELEM(TIMES)];
    if (gen() % 2) {
        c->decided_by = gen_str(&bad);
        c->decided_ms = TIMES[gen() % NELEM(TIMES)];
        c->decision_reason = gen_str(&bad);
        c->decision_note = gen_str(&bad);
    }
    gen_fixed(c->author_key, sizeof c->author_key, &bad);
    c->exact_hash = gen() >> (gen() % 64);
    c->has_minhash = (int)(gen() % 2);
    for (int i = 0; i < MODEL_MINHASH_N; i++) c->minhash[i] = (uint32_t)(gen() >> (gen() % 64));
    for (int i = 0; i < MODEL_LSH_BANDS; i++) c->band[i] = gen() >> (gen() % 64);
    *clean = !bad && c->id && c->site;
}

/* Equal as texts: a missing text reads as "" (a flag's detail, evidence). */
static int same_text(const char *a, const char *b) { return strcmp(a ? a : "", b ? b : "") == 0; }

static int same_str(const char *a, const char *b) {
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

/* The decoder reads reals back from 6 significant digits. */
static int near6(double got, double want) {
    return fabs(got - want) <= 5e-6 * fabs(want) + 1e-12;
}

/* d, decoded from the storage (storage=1) or API form of c, holds c's
 * values. Returns 1 or 0. */
static int same_comment(const model_comment *c, const model_comment *d, int storage) {
    int ok = same_str(c->id, d->id) && same_str(c->site, d->site) &&
             same_str(c->article_id, d->article_id) && same_str(c->text, d->text) &&
             same_str(c->parent_id, d->parent_id) && same_str(c->created_at, d->created_at) &&
             same_str(c->author.name, d->author.name) && same_str(c->author.url, d->author.url) &&
             c->status == d->status && c->auto_status == d->auto_status &&
             near6(d->score, ref_round3(c->score)) &&
             (c->relevance >= 0 ? near6(d->relevance, ref_round3(c->relevance))
                                : d->relevance == -1) &&
             c->received_ms == d->received_ms && c->nflags == d->nflags &&
             same_str(c->decided_by, d->decided_by);
    for (size_t i = 0; ok && i < c->nflags; i++)
        ok = strcmp(c->flags[i].code, d->flags[i].code) == 0 &&
             same_text(c->flags[i].detail, d->flags[i].detail) &&
             same_text(c->flags[i].evidence, d->flags[i].evidence) &&
             near6(d->flags[i].score, ref_round3(c->flags[i].score));
    if (ok && c->decided_by)
        ok = c->decided_ms == d->decided_ms && same_str(c->decision_reason, d->decision_reason) &&
             same_str(c->decision_note, d->decision_note);
    if (ok && storage)
        ok = same_str(c->author.email, d->author.email) && same_str(c->author.ip, d->author.ip) &&
             same_str(c->author.user_agent, d->author.user_agent) &&
             strcmp(c->author_key, d->author_key) == 0 && c->exact_hash == d->exact_hash &&
             c->has_minhash == d->has_minhash &&
             (!c->has_minhash || memcmp(c->band, d->band, sizeof c->band) == 0);
    if (ok && !storage) /* the API form carries no personal data or keys */
        ok = !d->author.email && !d->author.ip && !d->author.user_agent && !d->author_key[0] &&
             !d->has_minhash;
    return ok;
}

/* One record both ways: byte-identical to the reference; a clean record
 * decodes back to its own values. Returns 1 when it passed. */
static int diff_one(const model_comment *c, int clean, int storage, const char *label) {
    size_t nlen = 0, olen = 0;
    char *got = codec_encode_comment(c, storage, &nlen);
    char *want = ref_encode_comment(c, storage, &olen);
    int ok = got && want && nlen == olen && strlen(got) == nlen && memcmp(got, want, nlen) == 0;
    if (!ok) fprintf(stderr, "  %s storage=%d\n    want %s\n    got  %s\n", label, storage,
                     want ? want : "(null)", got ? got : "(null)");
    if (ok && clean) {
        model_comment d;
        codec_error e;
        if (codec_decode_comment(got, nlen, &d, &e) != 0) {
            fprintf(stderr, "  %s storage=%d: does not decode: %s\n", label, storage, e.text);
            ok = 0;
        } else {
            if (!same_comment(c, &d, storage)) {
                fprintf(stderr, "  %s storage=%d: decodes to other values: %s\n", label,
                        storage, got);
                ok = 0;
            }
            model_comment_free(&d);
        }
    }
    free(got);
    free(want);
    return ok;
}

/* Named edge cases, then generated ones. */
/* Readers of the generic object: numbers, strict booleans, member names. */
static void test_object_readers(void) {
    static const char body[] =
        "{\"b\": {\"z\": 1, \"a\": {}, \"m\": null}, \"i\": 3, \"r\": 0.25, "
        "\"t\": true, \"s\": \"x\", \"n\": null}";
    codec_error ce;
    codec_obj *o = codec_parse(body, sizeof body - 1, &ce);
    CHECK(o != NULL);
    if (!o) return;
    double d = -1;
    CHECK(codec_get_real(o, "i", &d) == 1 && d == 3);
    CHECK(codec_get_real(o, "r", &d) == 1 && d == 0.25);
    CHECK(codec_get_real(o, "s", &d) == -1);
    CHECK(codec_get_real(o, "n", &d) == 0 && codec_get_real(o, "none", &d) == 0);
    int v = -1;
    CHECK(codec_get_bool_strict(o, "t", &v) == 1 && v == 1);
    CHECK(codec_get_bool_strict(o, "i", &v) == -1);
    CHECK(codec_get_bool_strict(o, "n", &v) == 0 && codec_get_bool_strict(o, "none", &v) == 0);
    const char *keys[2];
    const codec_obj *b = codec_get(o, "b");
    CHECK(codec_keys(b, keys, 2) == 3); /* more members than room: counted */
    CHECK(strcmp(keys[0], "z") == 0 && strcmp(keys[1], "a") == 0); /* document order */
    CHECK(codec_keys(codec_get(o, "s"), keys, 2) == 0);
    codec_obj_free(o);
}

static void test_encode_matches_jansson(void) {
    int shown = 0;
    model_comment c;
    /* the smallest record: nothing optional, no flags, undecided */
    memset(&c, 0, sizeof c);
    c.relevance = -1;
    CHECK(diff_one(&c, 0, 0, "empty") && diff_one(&c, 0, 1, "empty"));
    /* everything present: escapes and UTF-8 in every string, 16 flags
     * with evidence, decided, MinHash keys */
    const char *t = STRS[6], *q = STRS[4], *k = STRS[5];
    c.id = strdup("c1");
    c.site = strdup("s");
    c.article_id = strdup(t);
    c.text = strdup(k);
    c.parent_id = strdup(q);
    c.created_at = strdup(t);
    c.author = (model_author){strdup(t), strdup(q), strdup(k), strdup("::1"), strdup(t)};
    c.status = MODEL_REJECTED;
    c.auto_status = MODEL_PENDING;
    c.score = 0.99999;
    c.relevance = 0;
    for (size_t i = 0; i < MODEL_MAX_FLAGS; i++) {
        char code[MODEL_FLAG_CODE_LEN];
        snprintf(code, sizeof code, "flag_%zu", i);
        CHECK(model_comment_add_flag(&c, code, (double)i / 7, k, t) == 0);
    }
    c.received_ms = 1700000000123LL;
    c.decided_by = strdup(t);
    c.decided_ms = 1700000000999LL;
    c.decision_reason = strdup(q);
    c.decision_note = strdup(k);
    snprintf(c.author_key, sizeof c.author_key, "%s|%s", t, "::1");
    c.exact_hash = UINT64_MAX;
    c.has_minhash = 1;
    for (int i = 0; i < MODEL_MINHASH_N; i++) c.minhash[i] = (uint32_t)i * 0x01010101u;
    for (int i = 0; i < MODEL_LSH_BANDS; i++) c.band[i] = (uint64_t)i << 60;
    CHECK(diff_one(&c, 1, 0, "full") && diff_one(&c, 1, 1, "full"));
    /* approved by a moderator: "approve"; huge and tiny scores */
    c.status = MODEL_APPROVED;
    c.score = 1e15;
    c.relevance = 1e-300;
    CHECK(diff_one(&c, 1, 0, "approved") && diff_one(&c, 1, 1, "approved"));
    model_comment_free(&c);
    int clean, nclean = 0;
    gen_state = 0x2545f4914f6cdd1dULL;
    for (int i = 0; i < 3000; i++) {
        gen_comment(&c, &clean);
        nclean += clean;
        char label[32];
        snprintf(label, sizeof label, "generated #%d", i);
        for (int storage = 0; storage <= 1; storage++) {
            if (!diff_one(&c, clean, storage, label)) {
                unit_cur_failed = 1;
                if (++shown > 5) {
                    model_comment_free(&c);
                    return;
                }
            }
        }
        model_comment_free(&c);
    }
    /* enough of them are valid records for the round trip to mean something */
    CHECK(nclean >= 500);
}

int main(void) {
    UNIT_RUN(test_comment_requests);
    UNIT_RUN(test_text_limit);
    UNIT_RUN(test_invalid_utf8_is_422);
    UNIT_RUN(test_storage_round_trip);
    UNIT_RUN(test_encode_matches_jansson);
    UNIT_RUN(test_object_readers);
    return unit_report("test_codec");
}
