/* decode_bench.c - cost of decoding a comment request: the decoder modq
 * runs (codec_decode_comment_req: reqscan fast path, jansson fallback)
 * against the jansson-only decoder it replaced.
 *
 * Decodes a typical ~700-byte body DB_ITERS times with each and prints the
 * microseconds per decode, for a plain body (bench/comments.lua's shape)
 * and one with escapes and non-ASCII text. Both results are checked equal
 * once before timing. Times are the thread's CPU time (as engine_bench).
 * Built by `make decode-bench` (which runs it) from build/obj, with the
 * service's allocator; not part of `make test`.
 *
 * Usage: decode_bench [ITERS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec_private.h"

#define DB_ITERS 200000  /* decodes per path and body: ~1 s in all */
#define DB_MAX_TEXT 65536 /* the service passes max_body */

typedef int (*decode_fn)(const char *, size_t, model_comment *, size_t, codec_error *);

/* The bench shape with a ~600-byte text: what most POSTs look like. */
static const char PLAIN[] =
    "{\"id\":\"r0-1-123456\",\"article_id\":\"bike-lanes\",\"text\":\"I think the new "
    "bicycle lanes is long overdue for families. I cycle along Main Street every morning "
    "and the traffic is frightening. The shop owners on Main Street deserve a delivery "
    "plan before construction starts. Honestly, the council vote on Tuesday was handled "
    "badly if you ask me. Parking was already hard to find near the bakery, so this will "
    "hurt some shops. My kids could finally ride to school if the lanes are really "
    "protected. Other cities built protected lanes and the local shops did fine "
    "afterwards. As someone who lives nearby, I find that the junction near the station "
    "needs a clearer plan.\",\"author\":{\"name\":\"reader7\",\"email\":"
    "\"reader7@mail.example\",\"ip\":\"10.0.0.7\"}}";

/* The same size with line breaks, quotes, \u escapes and raw UTF-8. */
static const char ESCAPED[] =
    "{\"id\":\"r0-1-123457\",\"article_id\":\"bike-lanes\",\"text\":\"I think the new "
    "bicycle lanes are \\\"long overdue\\\" for families.\\nI cycle along Main Street "
    "every morning \xe2\x80\x94 the traffic is frightening.\\n\\nThe shop owners on "
    "Main Street deserve a delivery plan before construction starts. Honestly, the "
    "council vote on Tuesday was handled badly \\u2014 if you ask me. Parking was "
    "already hard to find near the caf\xc3\xa9 and the bakery, so this will hurt some "
    "shops.\\nMy kids could finally ride to school if the lanes are really protected "
    "\\ud83d\\udeb2. Other cities built protected lanes and the local shops did fine "
    "afterwards.\\r\\nAs someone who lives nearby, I find that the junction needs a "
    "clearer plan.\",\"author\":{\"name\":\"J\\u00f6rg\",\"email\":"
    "\"reader8@mail.example\",\"ip\":\"10.0.0.8\",\"user_agent\":\"Mozilla/5.0 "
    "(X11; Linux x86_64)\"}}";

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Microseconds per decode of body with fn, over iters decodes. */
static double time_decode(decode_fn fn, const char *body, size_t len, long iters) {
    double t0 = now_s();
    for (long i = 0; i < iters; i++) {
        model_comment c;
        codec_error e;
        if (fn(body, len, &c, DB_MAX_TEXT, &e) < 0) {
            fprintf(stderr, "decode failed: %s\n", e.text);
            exit(1);
        }
        model_comment_free(&c);
    }
    return (now_s() - t0) * 1e6 / (double)iters;
}

/* 0 when both decoders give body the same text and author name. */
static int same_result(const char *body, size_t len) {
    model_comment a, b;
    codec_error e;
    if (codec_decode_comment_req(body, len, &a, DB_MAX_TEXT, &e) < 0) return -1;
    if (codec_decode_comment_req_jansson(body, len, &b, DB_MAX_TEXT, &e) < 0) {
        model_comment_free(&a);
        return -1;
    }
    int rc = strcmp(a.text, b.text) == 0 && strcmp(a.author.name, b.author.name) == 0 ? 0 : -1;
    model_comment_free(&a);
    model_comment_free(&b);
    return rc;
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : DB_ITERS;
    if (iters <= 0) iters = DB_ITERS;
    static const struct {
        const char *name, *body;
        size_t len;
    } bodies[] = {{"plain", PLAIN, sizeof PLAIN - 1}, {"escaped", ESCAPED, sizeof ESCAPED - 1}};
    printf("%-8s %6s %14s %14s %8s\n", "body", "bytes", "jansson us", "fast us", "speedup");
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        if (same_result(bodies[i].body, bodies[i].len) < 0) {
            fprintf(stderr, "%s: the decoders disagree\n", bodies[i].name);
            return 1;
        }
        /* warm up caches and the allocator */
        time_decode(codec_decode_comment_req_jansson, bodies[i].body, bodies[i].len, iters / 20);
        time_decode(codec_decode_comment_req, bodies[i].body, bodies[i].len, iters / 20);
        double old_us = time_decode(codec_decode_comment_req_jansson, bodies[i].body,
                                    bodies[i].len, iters);
        double new_us = time_decode(codec_decode_comment_req, bodies[i].body, bodies[i].len,
                                    iters);
        printf("%-8s %6zu %14.3f %14.3f %7.1fx\n", bodies[i].name, bodies[i].len, old_us,
               new_us, old_us / new_us);
        printf("DECODE body=%s bytes=%zu iters=%ld jansson_us=%.3f fast_us=%.3f\n",
               bodies[i].name, bodies[i].len, iters, old_us, new_us);
    }
    return 0;
}
