/* test_codec.c - request decoding (status, code, field per case) and the
 * storage round trip of a comment record. */
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
    c.status = ENGINE_PENDING;
    c.auto_status = ENGINE_PENDING;
    c.score = 0.73456;
    c.relevance = 0.25;
    c.nflags = 1;
    strcpy(c.flags[0].code, "link_spam");
    c.flags[0].score = 0.6;
    strcpy(c.flags[0].detail, "3 links");
    strcpy(c.flags[0].evidence, "http://x.example");
    strcpy(c.author_key, "ann@example.org");
    c.exact_hash = 0xdeadbeefcafef00dULL;
    c.has_minhash = 1;
    for (int i = 0; i < ENGINE_MINHASH_N; i++) c.minhash[i] = (uint32_t)(i * 2654435761u);
    for (int i = 0; i < ENGINE_LSH_BANDS; i++) c.band[i] = 0x0123456789abcdefULL + (uint64_t)i;
    size_t len;
    char *json = codec_encode_comment(&c, 1, &len);
    CHECK(json != NULL);
    model_comment d;
    codec_error e;
    CHECK(codec_decode_comment(json, len, &d, &e) == 0);
    CHECK_STR(d.text, c.text);
    CHECK_STR(d.author.email, "ann@example.org");
    CHECK(d.status == ENGINE_PENDING);
    CHECK_NEAR(d.score, 0.735, 1e-9);
    CHECK(d.nflags == 1);
    CHECK_STR(d.flags[0].evidence, "http://x.example");
    CHECK(d.exact_hash == c.exact_hash);
    CHECK(d.has_minhash == 1);
    CHECK(memcmp(d.minhash, c.minhash, sizeof c.minhash) == 0);
    CHECK(memcmp(d.band, c.band, sizeof c.band) == 0);
    free(json);
    /* the API form never carries e-mail, IP or analysis keys */
    json = codec_encode_comment(&c, 0, &len);
    CHECK(strstr(json, "ann@example.org") == NULL);
    CHECK(strstr(json, "10.0.0.1") == NULL);
    CHECK(strstr(json, "\"mh\"") == NULL);
    free(json);
    model_comment_free(&c);
    model_comment_free(&d);
}

int main(void) {
    UNIT_RUN(test_comment_requests);
    UNIT_RUN(test_text_limit);
    UNIT_RUN(test_invalid_utf8_is_422);
    UNIT_RUN(test_storage_round_trip);
    return unit_report("test_codec");
}
