/* test_jsonw.c - the JSON writer against jansson itself, value by value.
 *
 * Differential: every real, integer and string below is written by jsonw
 * and dumped by jansson (json_dumps with JSON_COMPACT and the same real
 * precision); the texts must be equal byte for byte, and a value jansson
 * refuses (json_real/json_string return NULL) must be refused by jsonw with
 * nothing written. A test program: it may use jansson directly.
 */
#include <float.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "jsonw.h"
#include "unit.h"

/* Deterministic inputs: the same run every time. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int failures; /* printed cases, capped so a bug does not flood */

static void report(const char *what, const char *want, const char *got) {
    if (failures++ < 10) fprintf(stderr, "  %s: jansson %s, jsonw %s\n", what, want, got);
    unit_cur_failed = 1;
}

/* jansson's text for [v] with precision p, or NULL when it refuses v. */
static char *jansson_real(double v, int p) {
    json_t *r = json_real(v);
    if (!r) return NULL;
    json_t *a = json_array();
    json_array_append_new(a, r);
    char *s = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(p));
    json_decref(a);
    return s;
}

static void check_real(double v, int p) {
    char *want = jansson_real(v, p);
    jsonw w;
    jsonw_init(&w, p, 0);
    jsonw_array_begin(&w);
    int rc = jsonw_real(&w, v);
    jsonw_array_end(&w);
    char *got = jsonw_finish(&w, NULL);
    char what[64];
    snprintf(what, sizeof what, "real %.17g p%d", v, p);
    if (!want) {
        if (rc != -1 || strcmp(got, "[]") != 0) report(what, "(refused)", got);
    } else if (rc != 0 || strcmp(want, got) != 0) {
        report(what, want, got);
    }
    free(want);
    free(got);
}

static void test_reals(void) {
    static const double fixed[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 0.735, 0.0005, 0.001,
                                   1e-4, 1e-5, 9.9999e-5, 123456.0, 1234567.0, 999999.5,
                                   1e15, 1e16, 1e17, 1e21, 1e100, 1e300, -1e-300, DBL_MAX,
                                   DBL_MIN, 4.9406564584124654e-324, 1.5e-7, 100.0, 1e6};
    const int precisions[] = {1, 3, 6, 15, 17, 30};
    for (size_t k = 0; k < sizeof precisions / sizeof *precisions; k++) {
        int p = precisions[k];
        for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) check_real(fixed[i], p);
        check_real(NAN, p);
        check_real(INFINITY, p);
        check_real(-INFINITY, p);
    }
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = next();
        double v;
        memcpy(&v, &bits, sizeof v); /* any double, NaNs included */
        check_real(v, 6);
        check_real((double)(long long)(next() % 2000001) / 1000 - 1000, 6); /* round3 */
        check_real((double)(long long)(next() % 2000001) / 1000 - 1000 + 1e-9, 6);
        check_real((double)(long long)(next() % 2000001) / 1000 - 1000 + 1e-13, 6);
        check_real((double)(long long)(next() % 2001) / 1000 - 1 - 1e-13, 6);
        check_real(ldexp((double)(next() % 1000000), (int)(next() % 120) - 60), 6);
        check_real(v, 17);
    }
}

static void test_ints(void) {
    const long long v[] = {0, 1, -1, 9, 10, -10, 1700000000123LL, LLONG_MAX, LLONG_MIN,
                           LLONG_MIN + 1, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof v / sizeof *v + 2000; i++) {
        long long x = i < sizeof v / sizeof *v ? v[i] : (long long)next() >> (next() % 64);
        json_t *a = json_array();
        json_array_append_new(a, json_integer(x));
        char *want = json_dumps(a, JSON_COMPACT);
        json_decref(a);
        jsonw w;
        jsonw_init(&w, 6, 0);
        jsonw_array_begin(&w);
        jsonw_int(&w, x);
        jsonw_array_end(&w);
        char *got = jsonw_finish(&w, NULL);
        if (strcmp(want, got) != 0) report("int", want, got);
        free(want);
        free(got);
    }
}

/* Byte pieces the random strings are made of: plain text, every escape,
 * '/', DEL, valid 2/3/4-byte UTF-8 (U+2028 too), and the invalid kinds
 * jansson rejects: stray continuation, overlong, surrogate, > U+10FFFF,
 * truncated sequences, 0xC0/0xC1/0xF5../0xFF leads. */
static const char *const PIECES[] = {
    "a", "Hello", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f",
    "\x7f", "\xc3\xa9", "\xe2\x80\xa8", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
    "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf", "\xc2\x80", "\xe0\xa0\x80", "\xf0\x90\x80\x80",
    "\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xf0\x80\x80\xaf",
    "\xed\xa0\x80", "\xed\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
    "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xc3\x28", "\xe2\x28\xa1", "\\u0000"};

static void check_string(const char *s) {
    /* jansson: ["s"] and {"k":"s"}; jsonw the same two ways */
    json_t *js = json_string(s);
    char *want_a = NULL, *want_o = NULL;
    if (js) {
        json_t *a = json_array(), *o = json_object();
        json_array_append(a, js);
        json_object_set(o, "k", js);
        json_object_set_new(o, "z", json_integer(1));
        want_a = json_dumps(a, JSON_COMPACT);
        want_o = json_dumps(o, JSON_COMPACT);
        json_decref(a);
        json_decref(o);
        json_decref(js);
    }
    jsonw w;
    jsonw_init(&w, 6, 0);
    jsonw_array_begin(&w);
    int rc = jsonw_string(&w, s);
    jsonw_array_end(&w);
    char *got_a = jsonw_finish(&w, NULL);
    jsonw_init(&w, 6, 0);
    jsonw_object_begin(&w);
    int rc2 = jsonw_member_str(&w, "k", s);
    jsonw_member_int(&w, "z", 1);
    jsonw_object_end(&w);
    char *got_o = jsonw_finish(&w, NULL);
    if (!js) {
        if (rc != -1 || rc2 != -1 || strcmp(got_a, "[]") != 0 || strcmp(got_o, "{\"z\":1}") != 0)
            report("refused string", "(refused)", got_a);
    } else {
        if (rc != 0 || strcmp(want_a, got_a) != 0) report("string", want_a, got_a);
        if (rc2 != 0 || strcmp(want_o, got_o) != 0) report("member", want_o, got_o);
    }
    free(want_a);
    free(want_o);
    free(got_a);
    free(got_o);
}

static void test_strings(void) {
    check_string("");
    check_string("plain ascii");
    check_string("a/b\\c\"d");
    const size_t npieces = sizeof PIECES / sizeof *PIECES;
    for (unsigned ch = 1; ch < 256; ch++) { /* every single byte */
        char s[2] = {(char)ch, 0};
        check_string(s);
    }
    for (int i = 0; i < 20000; i++) {
        char s[400];
        size_t n = 0, parts = next() % 24;
        /* mostly valid strings; one in four gets an invalid piece */
        size_t lim = next() % 4 ? 23 : npieces;
        for (size_t k = 0; k < parts; k++) {
            const char *p = PIECES[next() % lim];
            size_t m = strlen(p);
            memcpy(s + n, p, m);
            n += m;
        }
        s[n] = 0;
        check_string(s);
    }
    /* a long string crosses buffer growth with escapes on both sides */
    size_t big = 100000;
    char *s = malloc(big + 1);
    for (size_t i = 0; i < big; i++) s[i] = "ab\"\n\xc3\xa9/"[i % 7];
    s[big] = 0;
    if (((unsigned char)s[big - 1] & 0xC0) == 0xC0) s[big - 1] = 'x';
    check_string(s);
    free(s);
}

static void test_structure(void) {
    jsonw w;
    jsonw_init(&w, 6, 0);
    jsonw_object_begin(&w);
    jsonw_member_str(&w, "bad", "\xff");      /* refused first member: no comma */
    jsonw_member_str(&w, "a", "x");
    jsonw_member_str(&w, "null", NULL);       /* refused: no key */
    jsonw_member_real(&w, "nan", NAN);
    jsonw_key(&w, "arr");
    jsonw_array_begin(&w);
    jsonw_string(&w, "\xc0");                 /* refused first element */
    jsonw_int(&w, 1);
    jsonw_string(&w, "\xc0");
    jsonw_object_begin(&w);
    jsonw_object_end(&w);
    jsonw_array_begin(&w);
    jsonw_array_end(&w);
    jsonw_null(&w);
    jsonw_real(&w, 2);
    jsonw_array_end(&w);
    jsonw_key(&w, "o");
    jsonw_object_begin(&w);
    jsonw_member_int(&w, "n", -5);
    jsonw_object_end(&w);
    jsonw_member_str(&w, "bad", "\xed\xa0\x80"); /* refused last member */
    jsonw_object_end(&w);
    size_t len = 0;
    char *got = jsonw_finish(&w, &len);
    CHECK_STR(got, "{\"a\":\"x\",\"arr\":[1,{},[],null,2.0],\"o\":{\"n\":-5}}");
    CHECK(got && len == strlen(got));
    free(got);
    jsonw_init(&w, 6, 0); /* an empty document is legal for the writer */
    got = jsonw_finish(&w, &len);
    CHECK_STR(got, "");
    CHECK(len == 0);
    free(got);
}

int main(void) {
    UNIT_RUN(test_reals);
    UNIT_RUN(test_ints);
    UNIT_RUN(test_strings);
    UNIT_RUN(test_structure);
    return unit_report("test_jsonw");
}
