/* codec.h - JSON in and out: the only module that includes jansson.h.
 *
 * Typed decoders check the request shapes (types, required fields, length
 * limits) and copy every string they keep; typed encoders produce the API
 * and storage forms. A small opaque builder/reader (codec_obj) serves the
 * endpoints whose bodies are too small to deserve a struct.
 */
#ifndef MODQ_CODEC_H
#define MODQ_CODEC_H

#include <stddef.h>

#include "model.h"

#define CODEC_MAX_DEPTH 16 /* no request shape nests deeper than 3 */

typedef struct codec_error {
    int status;       /* HTTP status the caller should answer: 400 or 422 */
    char code[40];    /* machine code, e.g. "invalid_field" */
    char field[64];   /* offending field, "" when not field-specific */
    char text[200];
} codec_error;

/* ---- articles ---- */

/* Decode a PUT body into out (zeroed first). Returns 0, or -1 with err. */
int codec_decode_article_req(const char *buf, size_t len, model_article *out,
                             codec_error *err);
/* Returns new NUL-terminated JSON (free()), storage form when storage=1
 * (includes terms), API form otherwise. *len gets the length. NULL on OOM. */
char *codec_encode_article(const model_article *a, int storage, size_t *len);
/* Decode the storage form. Returns 0 or -1. */
int codec_decode_article(const char *buf, size_t len, model_article *out,
                         codec_error *err);
/* The same without the "terms" list (out->terms stays NULL): what the
 * comment path needs. The list is skipped before parsing (it is most of a
 * stored article), so it costs a scan, not a parse. Returns 0 or -1. */
int codec_decode_article_content(const char *buf, size_t len, model_article *out,
                                 codec_error *err);

/* ---- comments ---- */

/* Decode a POST body: id?, article_id, text, author{...}, parent_id?,
 * created_at?. Returns 0 or -1 with err (422 names the field). */
int codec_decode_comment_req(const char *buf, size_t len, model_comment *out,
                             size_t max_text, codec_error *err);
/* Returns new JSON: API form (storage=0) or storage form (storage=1, adds
 * personal data and analysis keys: the hashes and band keys, not the
 * MinHash, which the exact key holds). NULL on OOM. */
char *codec_encode_comment(const model_comment *c, int storage, size_t *len);
int codec_decode_comment(const char *buf, size_t len, model_comment *out,
                         codec_error *err);

/* ---- errors ---- */

/* Returns new {"error":{"code","message","field"?}} body. */
char *codec_error_body(const char *code, const char *message,
                       const char *field, size_t *len);

/* ---- a site's settings (codec_settings.c) ---- */

/* Decode a settings document into out (zeroed first): a PUT body (patch =
 * 1: null resets a field) or the stored form (patch = 0: null refused).
 * Checks each field's type and range, not cross-field rules nor which
 * detector codes exist; lists are lowercased. Returns 0 (free out with
 * model_settings_free), or -1 with err: 400 malformed, 422 "unknown_field"
 * / "invalid_field" / "unknown_detector" with the field ("flood.window",
 * "detectors.<code>.weight"). */
int codec_decode_settings(const char *buf, size_t len, int patch, model_settings *out,
                          codec_error *err);
/* The stored form of s: the fields it sets. Returns new string or NULL. */
char *codec_encode_settings(const model_settings *s, size_t *len);

/* ---- generic objects ---- */

typedef struct codec_obj codec_obj;

codec_obj *codec_obj_new(void);   /* {} ; NULL on OOM */
codec_obj *codec_arr_new(void);   /* [] */
void codec_obj_free(codec_obj *o);  /* NULL is a no-op */
void codec_set_str(codec_obj *o, const char *key, const char *val); /* NULL val -> null */
void codec_set_int(codec_obj *o, const char *key, long long val);
void codec_set_real(codec_obj *o, const char *key, double val);
void codec_set_bool(codec_obj *o, const char *key, int val);
/* Takes ownership of child. */
void codec_set_obj_new(codec_obj *o, const char *key, codec_obj *child);
/* Parses JSON text (e.g. a stored record) and sets it under key; on a
 * parse failure sets null. */
void codec_set_json(codec_obj *o, const char *key, const char *json, size_t len);
void codec_append_new(codec_obj *arr, codec_obj *child); /* takes child */
void codec_append_str(codec_obj *arr, const char *s);
size_t codec_size(const codec_obj *o); /* array length or object size */
/* Serialise and free o. Returns new string or NULL. */
char *codec_dump_free(codec_obj *o, size_t *len);

/* Parse a request body that must be a JSON object. Returns new obj or NULL
 * with err (400 malformed, 422 invalid UTF-8 / not an object). */
codec_obj *codec_parse(const char *buf, size_t len, codec_error *err);
/* Readers: borrowed from o. Missing or wrong type -> NULL / def. */
const char *codec_get_str(const codec_obj *o, const char *key);
int codec_has(const codec_obj *o, const char *key);
int codec_is_str(const codec_obj *o, const char *key);
/* Integer field: 1 and *out when present and integral, 0 when absent,
 * -1 when present with another type. */
int codec_get_int(const codec_obj *o, const char *key, long long *out);
int codec_get_bool(const codec_obj *o, const char *key, int def);
/* Number field (integer or real): 1 and *out when present, 0 when absent
 * or null, -1 when present with another type. */
int codec_get_real(const codec_obj *o, const char *key, double *out);
/* Boolean field: 1 and *out when present, 0 when absent or null, -1 when
 * present with another type. */
int codec_get_bool_strict(const codec_obj *o, const char *key, int *out);
/* Up to max member names of object o into keys (borrowed from o), in the
 * document's order; returns the number of members (may exceed max), 0 when
 * o is not an object. */
size_t codec_keys(const codec_obj *o, const char **keys, size_t max);
/* Borrowed child object/array, or NULL. */
const codec_obj *codec_get(const codec_obj *o, const char *key);
const codec_obj *codec_at(const codec_obj *arr, size_t i);
int codec_is_array(const codec_obj *o);
int codec_is_object(const codec_obj *o);
const char *codec_str_value(const codec_obj *o); /* o itself a string */

#endif
