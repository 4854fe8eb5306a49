/* codec_private.h - codec internals for tests and benches only.
 *
 * The service calls codec_decode_comment_req (codec.h), which reads the
 * common body shape with reqscan and hands the rest to jansson. The
 * jansson-only decoder below is that decoder as it was before the fast
 * path: tests, the fuzz target and bench/decode_bench.c hold the two side
 * by side. Nothing in service/ but codec.c includes this.
 */
#ifndef MODQ_CODEC_PRIVATE_H
#define MODQ_CODEC_PRIVATE_H

#include "codec.h"

/* codec_decode_comment_req without the fast path: every body is parsed
 * with jansson. Same contract: returns 0, or -1 with err (out left
 * model_comment_init'ed, relevance -1); out's strings are new (free with
 * model_comment_free). */
int codec_decode_comment_req_jansson(const char *buf, size_t len, model_comment *out,
                                     size_t max_text, codec_error *err);

#endif
