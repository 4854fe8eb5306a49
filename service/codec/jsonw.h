/* jsonw.h - JSON writer: compact JSON text straight into one growing buffer.
 *
 * jsonw owns its buffer until jsonw_finish hands it over. It writes values
 * in the order it is called, with no tree and no allocation per value; key
 * order, duplicate keys and the shape of the document are the caller's job.
 * The text is byte for byte what jansson's json_dumps(JSON_COMPACT |
 * JSON_REAL_PRECISION(p)) prints for the same values, so a record written
 * here reads the same as one dumped by jansson: strings are escaped the
 * jansson way ("\\", "\"", \b \f \n \r \t, other controls as \u00XX, '/'
 * and non-ASCII UTF-8 kept as they are), reals are "%.<p>g" with ".0"
 * appended to integral values and the exponent trimmed ("1e-5").
 *
 * A value jansson would refuse to hold -- a NULL or invalid-UTF-8 string, a
 * NaN or infinite real -- is refused here too and leaves the buffer as it
 * was, and the jsonw_member_* calls then drop the key as well: the member
 * is missing from the output, as with json_object_set_new(o, key, NULL).
 *
 * Pure: libc only, never includes jansson. Out of memory is sticky: later
 * calls do nothing and jsonw_finish returns NULL.
 */
#ifndef MODQ_JSONW_H
#define MODQ_JSONW_H

#include <stddef.h>

/* Containers open at once; the records written here nest 3 deep. */
#define JSONW_MAX_DEPTH 16

typedef struct jsonw {
    char *buf;
    size_t len, cap;
    int oom;
    int precision;                         /* significant digits of reals */
    int depth;                             /* open containers */
    unsigned char array[JSONW_MAX_DEPTH];  /* 1: the level is an array */
    unsigned char filled[JSONW_MAX_DEPTH]; /* 1: the level has a member */
} jsonw;

/* Starts an empty writer with room for about hint bytes. precision is the
 * significant digits of reals, 1..30 (jansson's JSON_REAL_PRECISION). An
 * allocation failure here is reported by jsonw_finish. */
void jsonw_init(jsonw *w, int precision, size_t hint);

/* Containers, as a value (in an array or after jsonw_key). */
void jsonw_object_begin(jsonw *w);
void jsonw_object_end(jsonw *w);
void jsonw_array_begin(jsonw *w);
void jsonw_array_end(jsonw *w);

/* Starts a member of the current object: the comma if needed, "key":.
 * key is a literal of the caller, written as it is: printable ASCII with
 * no '"' or '\\' (asserted). */
void jsonw_key(jsonw *w, const char *key);

/* Values. jsonw_string and jsonw_real return 0, or -1 with nothing written
 * when jansson would not hold the value (see above). */
int jsonw_string(jsonw *w, const char *s);
int jsonw_real(jsonw *w, double v);
void jsonw_int(jsonw *w, long long v);
void jsonw_null(jsonw *w);
void jsonw_bool(jsonw *w, int v);

/* key + value in one call; -1 and neither written when the value is
 * refused. */
int jsonw_member_str(jsonw *w, const char *key, const char *s);
int jsonw_member_real(jsonw *w, const char *key, double v);
void jsonw_member_int(jsonw *w, const char *key, long long v);

/* Returns the text (new, NUL-terminated: free() it) and its length in *len
 * (len may be NULL), or NULL when memory ran out. Either way the writer is
 * emptied and must be initialised again before reuse. Every container must
 * have been closed. */
char *jsonw_finish(jsonw *w, size_t *len);

#endif
