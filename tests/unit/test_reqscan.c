/* test_reqscan.c - the comment request fast path (reqscan.c) against the
 * jansson-only decoder it stands in for.
 *
 * Cases as data: every construct the scanner takes and every reason it
 * declines, each checked two ways: (a) does the scanner take it, (b) does
 * codec_decode_comment_req answer exactly as the jansson-only decoder
 * (decode_equiv.h: return value, fields, error). Then single-byte
 * mutations of valid bodies at every position, each checked for (b).
 */
#include <stdlib.h>

#include "codec_private.h"
#include "decode_equiv.h"
#include "reqscan.h"
#include "unit.h"

typedef struct scase {
    const char *name;
    const char *body;
    size_t len;       /* bytes of body (it may hold a NUL) */
    int fast;         /* 1: the scanner takes it; 0: it declines */
    const char *text; /* when taken: the decoded text member, or NULL */
} scase;

#define TAKE(name, body) {name, body, sizeof body - 1, 1, NULL}
#define TAKE_TEXT(name, body, text) {name, body, sizeof body - 1, 1, text}
#define DECLINE(name, body) {name, body, sizeof body - 1, 0, NULL}

/* A valid body around the raw JSON of the text member's value. */
#define WITH_TEXT(v) "{\"article_id\":\"a1\",\"author\":{\"name\":\"x\"},\"text\":" v "}"
/* A valid body around one more top-level member (raw JSON). */
#define WITH_TOP(m) "{\"article_id\":\"a1\",\"text\":\"t\"," m ",\"author\":{\"name\":\"x\"}}"
/* A valid body around one more author member (raw JSON). */
#define WITH_AUTHOR(m) "{\"article_id\":\"a1\",\"text\":\"t\",\"author\":{\"name\":\"x\"," m "}}"

/* The shape bench/comments.lua posts. */
#define BENCH_BODY                                                                       \
    "{\"id\":\"c1\",\"article_id\":\"a1\",\"text\":\"I think the new bicycle lanes is "  \
    "long overdue for families. I cycle along Main Street every morning and the "       \
    "traffic is frightening.\",\"author\":{\"name\":\"reader7\",\"email\":"             \
    "\"reader7@mail.example\",\"ip\":\"10.0.0.7\"}}"

static const scase CASES[] = {
    /* ---- taken: shapes ---- */
    TAKE("bench shape", BENCH_BODY),
    TAKE("minimal", "{\"article_id\":\"a1\",\"text\":\"hi\",\"author\":{\"name\":\"x\"}}"),
    TAKE("every field",
         "{\"id\":\"c-1:x\",\"article_id\":\"a1\",\"text\":\"hi\",\"author\":{\"name\":\"Ann\","
         "\"email\":\"a@b.c\",\"url\":\"https://a.example\",\"ip\":\"1.2.3.4\",\"user_agent\":"
         "\"Mozilla/5.0\"},\"parent_id\":\"p\",\"created_at\":\"2024-01-01T00:00:00Z\"}"),
    TAKE("author first", "{\"author\":{\"email\":\"a@b\",\"name\":\"x\"},\"text\":\"t\","
                         "\"article_id\":\"a1\"}"),
    TAKE("whitespace everywhere",
         " \t\r\n{ \"article_id\" :\t\"a1\" ,\n\"text\"\r: \"t\" , \"author\" : { \"name\" : "
         "\"x\" , \"ip\" : \"1\" } } \n\t\r "),
    TAKE("nulls", "{\"id\":null,\"article_id\":\"a1\",\"text\":\"t\",\"author\":{\"name\":\"x\","
                  "\"email\":null,\"url\":null,\"ip\":null,\"user_agent\":null},"
                  "\"parent_id\":null,\"created_at\":null}"),
    TAKE("null spaced", WITH_TOP("\"parent_id\" : null ")),
    TAKE("empty object", "{}"),
    TAKE("empty object spaced", " { } "),
    TAKE("empty author", "{\"article_id\":\"a1\",\"text\":\"t\",\"author\":{}}"),
    TAKE("empty strings", "{\"article_id\":\"\",\"text\":\"\",\"author\":{\"name\":\"\"}}"),
    TAKE("null text", WITH_TEXT("null")),
    TAKE("null article_id", "{\"article_id\":null,\"text\":\"t\",\"author\":{\"name\":\"x\"}}"),
    TAKE("no author", "{\"article_id\":\"a1\",\"text\":\"t\"}"),
    /* ---- taken: the checks after the scan ---- */
    TAKE("bad id", WITH_TOP("\"id\":\"has space\"")),
    TAKE("bad article_id", "{\"article_id\":\"a 1\",\"text\":\"t\",\"author\":{\"name\":\"x\"}}"),
    TAKE("bad email", WITH_AUTHOR("\"email\":\"nobody\"")),
    TAKE("ip too long", WITH_AUTHOR("\"ip\":\"0123456789012345678901234567890123456789"
                                    "01234567890123456789012345\"")),
    TAKE("id with escape", WITH_TOP("\"id\":\"c\\u002d1\"")),
    TAKE("id escaped to bad", WITH_TOP("\"id\":\"c\\n1\"")),
    TAKE("email escaped @", WITH_AUTHOR("\"email\":\"a\\u0040b\"")),
    /* ---- taken: escapes, decoded as jansson does ---- */
    TAKE_TEXT("short escapes", WITH_TEXT("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\""),
              "a\"b\\c/d\be\ff\ng\rh\ti"),
    TAKE_TEXT("escape only", WITH_TEXT("\"\\n\""), "\n"),
    TAKE_TEXT("escape first", WITH_TEXT("\"\\tabc\""), "\tabc"),
    TAKE_TEXT("escape last", WITH_TEXT("\"abc\\\\\""), "abc\\"),
    TAKE_TEXT("u ascii", WITH_TEXT("\"\\u0041\\u007a\""), "Az"),
    TAKE_TEXT("u control", WITH_TEXT("\"\\u0001\\u001f\\u007f\""), "\x01\x1f\x7f"),
    TAKE_TEXT("u two bytes", WITH_TEXT("\"\\u00e9\\u00E9\\u0080\\u07FF\""),
              "\xc3\xa9\xc3\xa9\xc2\x80\xdf\xbf"),
    TAKE_TEXT("u three bytes", WITH_TEXT("\"\\u0800\\u20ac\\uFFFD\\uffff\\ud7ff\\ue000\""),
              "\xe0\xa0\x80\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80"),
    TAKE_TEXT("surrogate pair", WITH_TEXT("\"\\ud83d\\ude00\""), "\xf0\x9f\x98\x80"),
    TAKE_TEXT("surrogate pair upper", WITH_TEXT("\"\\uD83D\\uDE00!\""), "\xf0\x9f\x98\x80!"),
    TAKE_TEXT("surrogate extremes", WITH_TEXT("\"\\ud800\\udc00\\udbff\\udfff\""),
              "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
    TAKE_TEXT("mixed escapes and utf8", WITH_TEXT("\"caf\xc3\xa9 \\u2014 \xe2\x82\xac\\n\""),
              "caf\xc3\xa9 \xe2\x80\x94 \xe2\x82\xac\n"),
    TAKE("escapes in many fields",
         "{\"id\":\"c\\u0031\",\"article_id\":\"a\\u0031\",\"text\":\"\\\"q\\\"\",\"author\":"
         "{\"name\":\"\\u00c5sa\",\"email\":\"a\\/b@c\",\"user_agent\":\"x\\ty\"},"
         "\"created_at\":\"\\u0032\"}"),
    /* ---- taken: raw UTF-8 ---- */
    TAKE_TEXT("utf8 2 3 4 bytes", WITH_TEXT("\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xef\xbf\xbf "
                                            "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\""),
              "\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xef\xbf\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf"),
    TAKE_TEXT("utf8 around surrogates", WITH_TEXT("\"\xed\x9f\xbf\xee\x80\x80\""),
              "\xed\x9f\xbf\xee\x80\x80"),
    TAKE_TEXT("DEL raw", WITH_TEXT("\"a\x7f" "b\""), "a\x7f" "b"),
    TAKE("utf8 in author", WITH_AUTHOR("\"url\":\"https://\xc3\xa5.example\"")),

    /* ---- declined: not the shape ---- */
    DECLINE("empty", ""),
    DECLINE("spaces only", " \n\t "),
    DECLINE("array", "[]"),
    DECLINE("string", "\"x\""),
    DECLINE("null body", "null"),
    DECLINE("number body", "1"),
    DECLINE("unknown top key", WITH_TOP("\"foo\":\"x\"")),
    DECLINE("unknown author key", WITH_AUTHOR("\"nick\":\"x\"")),
    DECLINE("top key in author", WITH_AUTHOR("\"text\":\"x\"")),
    DECLINE("author key at top", WITH_TOP("\"name\":\"x\"")),
    DECLINE("key prefix", WITH_TOP("\"ids\":\"x\"")),
    DECLINE("key upper case", WITH_TOP("\"ID\":\"x\"")),
    DECLINE("empty key", WITH_TOP("\"\":\"x\"")),
    DECLINE("escaped key", WITH_TOP("\"i\\u0064\":\"c1\"")),
    DECLINE("escaped key short", WITH_TOP("\"parent\\_id\":\"c1\"")),
    DECLINE("duplicate top key", WITH_TOP("\"text\":\"u\"")),
    DECLINE("duplicate null key", WITH_TOP("\"id\":null,\"id\":null")),
    DECLINE("duplicate author key", WITH_AUTHOR("\"name\":\"y\"")),
    DECLINE("duplicate author", WITH_TOP("\"author\":{}")),
    DECLINE("number value", WITH_TOP("\"id\":1")),
    DECLINE("negative number", WITH_TOP("\"id\":-1")),
    DECLINE("true value", WITH_TOP("\"id\":true")),
    DECLINE("false value", WITH_AUTHOR("\"email\":false")),
    DECLINE("array value", WITH_TOP("\"parent_id\":[]")),
    DECLINE("object value", WITH_TOP("\"created_at\":{}")),
    DECLINE("object in author", WITH_AUTHOR("\"url\":{}")),
    DECLINE("author null", "{\"article_id\":\"a1\",\"text\":\"t\",\"author\":null}"),
    DECLINE("author string", "{\"article_id\":\"a1\",\"text\":\"t\",\"author\":\"x\"}"),
    DECLINE("author array", "{\"article_id\":\"a1\",\"text\":\"t\",\"author\":[]}"),
    DECLINE("deep", WITH_TOP("\"d\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]")),
    /* ---- declined: escapes jansson refuses or the scanner leaves to it ---- */
    DECLINE("u0000", WITH_TEXT("\"t\\u0000x\"")),
    DECLINE("lone high surrogate", WITH_TEXT("\"\\ud83d\"")),
    DECLINE("high then text", WITH_TEXT("\"\\ud83dxxxxxx\"")),
    DECLINE("high then high", WITH_TEXT("\"\\ud83d\\ud83d\"")),
    DECLINE("high then bmp", WITH_TEXT("\"\\ud83d\\u0041\"")),
    DECLINE("high then short escape", WITH_TEXT("\"\\ud83d\\n\"")),
    DECLINE("high then bad hex", WITH_TEXT("\"\\ud83d\\ude0g\"")),
    DECLINE("lone low surrogate", WITH_TEXT("\"\\ude00\"")),
    DECLINE("bad hex", WITH_TEXT("\"\\u00g1\"")),
    DECLINE("short u", WITH_TEXT("\"\\u12\"")),
    DECLINE("upper U", WITH_TEXT("\"\\U0041\"")),
    DECLINE("escape x", WITH_TEXT("\"\\x41\"")),
    DECLINE("escape a", WITH_TEXT("\"\\a\"")),
    DECLINE("escape quote", WITH_TEXT("\"\\'\"")),
    DECLINE("escape 0", WITH_TEXT("\"\\0\"")),
    /* ---- declined: raw bytes jansson refuses ---- */
    DECLINE("raw NUL", WITH_TEXT("\"a\0b\"")),
    DECLINE("raw 0x01", WITH_TEXT("\"a\x01" "b\"")),
    DECLINE("raw 0x1f", WITH_TEXT("\"a\x1f" "b\"")),
    DECLINE("raw newline", WITH_TEXT("\"a\nb\"")),
    DECLINE("raw tab", WITH_TEXT("\"a\tb\"")),
    DECLINE("raw control after escape", WITH_TEXT("\"\\na\x01\"")),
    DECLINE("continuation byte", WITH_TEXT("\"\x80\"")),
    DECLINE("overlong 2 C0", WITH_TEXT("\"\xc0\x80\"")),
    DECLINE("overlong 2 C1", WITH_TEXT("\"\xc1\xbf\"")),
    DECLINE("overlong 3", WITH_TEXT("\"\xe0\x80\x80\"")),
    DECLINE("overlong 3 high", WITH_TEXT("\"\xe0\x9f\xbf\"")),
    DECLINE("overlong 4", WITH_TEXT("\"\xf0\x80\x80\x80\"")),
    DECLINE("overlong 4 high", WITH_TEXT("\"\xf0\x8f\xbf\xbf\"")),
    DECLINE("utf8 surrogate low", WITH_TEXT("\"\xed\xa0\x80\"")),
    DECLINE("utf8 surrogate high", WITH_TEXT("\"\xed\xbf\xbf\"")),
    DECLINE("above 10FFFF", WITH_TEXT("\"\xf4\x90\x80\x80\"")),
    DECLINE("F5", WITH_TEXT("\"\xf5\x80\x80\x80\"")),
    DECLINE("FF", WITH_TEXT("\"\xff\"")),
    DECLINE("FE", WITH_TEXT("\"\xfe\"")),
    DECLINE("cut 2 of 3", WITH_TEXT("\"\xe2\x82\"")),
    DECLINE("cut 1 of 4", WITH_TEXT("\"\xf0\"")),
    DECLINE("lead then ascii", WITH_TEXT("\"\xc3" "A\"")),
    DECLINE("bad utf8 after escape", WITH_TEXT("\"\\n\xc0\xaf\"")),
    DECLINE("cut utf8 at end", "{\"text\":\"\xe2\x82"),
    DECLINE("utf8 outside strings", "{\"text\":\"t\"\xc2\xa0}"),
    DECLINE("BOM", "\xef\xbb\xbf" WITH_TEXT("\"t\"")),
    /* ---- declined: syntax ---- */
    DECLINE("trailing text", WITH_TEXT("\"t\"") " x"),
    DECLINE("trailing object", WITH_TEXT("\"t\"") "{}"),
    DECLINE("trailing comma after", WITH_TEXT("\"t\"") ","),
    DECLINE("trailing NUL", WITH_TEXT("\"t\"") "\0"),
    DECLINE("trailing member comma", "{\"article_id\":\"a1\",}"),
    DECLINE("trailing author comma", WITH_AUTHOR("\"ip\":\"1\",")),
    DECLINE("leading comma", "{,\"article_id\":\"a1\"}"),
    DECLINE("missing comma", "{\"article_id\":\"a1\" \"text\":\"t\"}"),
    DECLINE("missing colon", "{\"article_id\" \"a1\"}"),
    DECLINE("double colon", "{\"article_id\"::\"a1\"}"),
    DECLINE("missing value", "{\"article_id\":}"),
    DECLINE("unquoted key", "{article_id:\"a1\"}"),
    DECLINE("single quotes", "{'article_id':'a1'}"),
    DECLINE("nul prefix", WITH_TOP("\"id\":nul")),
    DECLINE("nullx", WITH_TOP("\"id\":nullx")),
    DECLINE("NULL", WITH_TOP("\"id\":NULL")),
    DECLINE("form feed space", "{\f\"article_id\":\"a1\"}"),
    DECLINE("vertical tab space", "{\v\"article_id\":\"a1\"}"),
    DECLINE("nbsp space", "{\xc2\xa0\"article_id\":\"a1\"}"),
    DECLINE("truncated open", "{"),
    DECLINE("truncated key", "{\"article_"),
    DECLINE("truncated after key", "{\"article_id\""),
    DECLINE("truncated after colon", "{\"article_id\":"),
    DECLINE("truncated string", "{\"article_id\":\"a1"),
    DECLINE("truncated escape", "{\"article_id\":\"a1\\"),
    DECLINE("truncated u", "{\"article_id\":\"a1\\u00"),
    DECLINE("truncated pair", "{\"article_id\":\"\\ud83d\\ude"),
    DECLINE("truncated after value", "{\"article_id\":\"a1\""),
    DECLINE("truncated author", "{\"author\":{\"name\":\"x\""),
    DECLINE("truncated author close", "{\"author\":{\"name\":\"x\"}"),
    DECLINE("truncated null", WITH_TOP("\"id\":nu")),
    DECLINE("close only", "}"),
};

/* Limits the cases run under: the service's (max_body) and one that the
 * text of most cases exceeds, for the field_too_long path. */
static const size_t MAX_TEXTS[] = {1000, 3};

static void test_cases(void) {
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const scase *c = &CASES[i];
        reqscan_comment r;
        int taken = reqscan_comment_scan(c->body, c->len, &r) == 0;
        if (taken != c->fast)
            fprintf(stderr, "  %s: the scanner %s it\n", c->name, taken ? "takes" : "declines");
        CHECK(taken == c->fast);
        if (taken && c->text) {
            int same = r.text.kind == REQSCAN_STRING && r.text.len == strlen(c->text) &&
                       memcmp(r.text.s, c->text, r.text.len) == 0;
            if (!same) fprintf(stderr, "  %s: decoded text differs\n", c->name);
            CHECK(same);
        }
        reqscan_comment_free(&r);
        for (size_t k = 0; k < sizeof MAX_TEXTS / sizeof MAX_TEXTS[0]; k++) {
            char why[EQUIV_WHY];
            int ok = decode_equiv(c->body, c->len, MAX_TEXTS[k], NULL, why, sizeof why);
            if (!ok) fprintf(stderr, "  %s (max_text %zu): %s\n", c->name, MAX_TEXTS[k], why);
            CHECK(ok);
        }
    }
}

static void test_declined_leaves_nothing(void) {
    reqscan_comment r;
    /* declined after an escaped string was decoded: the scratch is freed */
    const char b[] = "{\"text\":\"\\n\",\"foo\":1}";
    CHECK(reqscan_comment_scan(b, sizeof b - 1, &r) == -1);
    CHECK(r.scratch == NULL && r.text.kind == REQSCAN_ABSENT);
    reqscan_comment_free(&r);
    reqscan_comment_free(NULL);
    CHECK(reqscan_comment_scan(NULL, 0, &r) == -1);
}

/* ============================================================ mutations */

/* Valid bodies (each decodes, each taken by the scanner) to mutate. */
static const char *const SEEDS[] = {
    BENCH_BODY,
    "{\"article_id\":\"a1\",\"text\":\"hi\",\"author\":{\"name\":\"x\"}}",
    "{\"id\":\"c-1:x\",\"article_id\":\"a1\",\"text\":\"hi\",\"author\":{\"name\":\"Ann\","
    "\"email\":\"a@b.c\",\"url\":\"u\",\"ip\":\"1.2.3.4\",\"user_agent\":\"M/5\"},"
    "\"parent_id\":\"p\",\"created_at\":\"2024\"}",
    " {\"article_id\" : \"a1\" ,\n\"text\" : \"t\" , \"author\" : { \"name\" : \"x\" } }\n",
    "{\"id\":null,\"article_id\":\"a1\",\"text\":\"t\",\"author\":{\"name\":\"x\",\"email\":null},"
    "\"parent_id\":null}",
    WITH_TEXT("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\""),
    WITH_TEXT("\"\\u0041\\u00e9\\u20AC\\uffff\""),
    WITH_TEXT("\"\\ud83d\\ude00 \\uDBFF\\uDFFF\""),
    WITH_TEXT("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\""),
    WITH_TEXT("\"\xed\x9f\xbf\xee\x80\x80\xdf\xbf\""),
    "{\"author\":{\"user_agent\":\"UA\",\"name\":\"\\u00c5sa\"},\"text\":\"t\","
    "\"article_id\":\"a\"}",
    "{\"article_id\":\"a1\",\"text\":\"0\",\"author\":{\"name\":\"x\",\"email\":\"a\\u0040b\"}}",
    "{\"id\":\"c\\u0031\",\"article_id\":\"a1\",\"text\":\"t\",\"author\":{\"name\":\"x\"}}",
    "{\"article_id\":\"a1\",\"text\":\"\\n\",\"author\":{\"name\":\"x\",\"ip\":\"::1\"}}",
    "{\"article_id\":\"a.b_c:d-e\",\"text\":\"u\",\"author\":{\"name\":\"n\",\"url\":\"h\"},"
    "\"created_at\":\"\\u0032\"}",
    "{\"text\":\"\\\"\",\"article_id\":\"a1\",\"author\":{\"name\":\"\\\\\"}}",
    "{\"article_id\":\"a1\",\"text\":\"\xe2\x80\x94\\u2014\",\"author\":{\"name\":\"x\","
    "\"url\":null}}",
    "{\"article_id\":\"a1\",\"text\":\"t\",\"author\":{\"name\":\"x\"},\"parent_id\":\"\"}",
    "\t{\"article_id\":\"a1\",\"text\":\"\\t\\u0009\",\"author\":{\"name\":\"x\"}}\r\n",
    "{\"article_id\":\"a1\",\"text\":\"\\ud800\\udc00\",\"author\":{\"name\":\"x\"}}",
};

/* The bytes every position is replaced with, and inserted before. */
static const unsigned char MUT_BYTES[] = {'"', '\\', 'u', '0', 0x00, 0x1f, 0x80, 0xC0,
                                          0xED, 0xF4, 0xFF, '{', '}', ',', ':'};
/* Bit flips tried at every position. */
static const unsigned char FLIPS[] = {0x01, 0x20, 0x80};

#define MUT_MAX 1024 /* longer than any seed plus one inserted byte */

typedef struct mut_stats {
    size_t runs, taken, failed;
} mut_stats;

static void mut_check(const char *m, size_t len, size_t seed, size_t pos, const char *what,
                      mut_stats *st) {
    char why[EQUIV_WHY];
    int taken;
    st->runs++;
    if (decode_equiv(m, len, 1000, &taken, why, sizeof why)) {
        st->taken += (size_t)taken;
        return;
    }
    if (st->failed++ < 10)
        fprintf(stderr, "  seed %zu, %s at %zu: %s\n", seed, what, pos, why);
}

static void test_mutations(void) {
    mut_stats st = {0, 0, 0};
    char m[MUT_MAX];
    for (size_t s = 0; s < sizeof SEEDS / sizeof SEEDS[0]; s++) {
        const char *b = SEEDS[s];
        size_t n = strlen(b);
        reqscan_comment r;
        model_comment c;
        codec_error e;
        CHECK(n + 1 <= MUT_MAX);
        CHECK(reqscan_comment_scan(b, n, &r) == 0); /* a seed is the common shape */
        reqscan_comment_free(&r);
        CHECK(codec_decode_comment_req(b, n, &c, 1000, &e) == 0); /* and valid */
        model_comment_free(&c);
        if (n + 1 > MUT_MAX) continue;
        for (size_t pos = 0; pos <= n; pos++) {
            for (size_t k = 0; k < sizeof MUT_BYTES; k++) {
                memcpy(m, b, pos); /* insert */
                m[pos] = (char)MUT_BYTES[k];
                memcpy(m + pos + 1, b + pos, n - pos);
                mut_check(m, n + 1, s, pos, "insert", &st);
                if (pos == n) continue;
                memcpy(m, b, n); /* replace */
                m[pos] = (char)MUT_BYTES[k];
                mut_check(m, n, s, pos, "replace", &st);
            }
            if (pos == n) continue;
            for (size_t k = 0; k < sizeof FLIPS; k++) {
                memcpy(m, b, n);
                m[pos] = (char)(m[pos] ^ FLIPS[k]);
                mut_check(m, n, s, pos, "flip", &st);
            }
            memcpy(m, b, pos); /* delete */
            memcpy(m + pos, b + pos + 1, n - pos - 1);
            mut_check(m, n - 1, s, pos, "delete", &st);
        }
    }
    printf("  mutations: %zu, %zu taken by the scanner, %zu mismatches\n", st.runs, st.taken,
           st.failed);
    CHECK(st.failed == 0);
    /* both paths must be exercised, or the comparison proves little */
    CHECK(st.taken > st.runs / 20);
    CHECK(st.runs - st.taken > st.runs / 2);
}

int main(void) {
    UNIT_RUN(test_cases);
    UNIT_RUN(test_declined_leaves_nothing);
    UNIT_RUN(test_mutations);
    return unit_report("test_reqscan");
}
