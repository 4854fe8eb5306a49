/* api_detectors.c - GET /v1/detectors: the engine's detector table.
 *
 * Shows the registry (engine_detector_info) with the weights and on/off
 * state of the config file as last loaded (the file layer), for the
 * review page (which flags quote the comment, which mark its links) and
 * for operators checking their weight_<code> / detectors_disabled
 * settings. Read-only: never changes a setting, never touches Redis.
 */
#include "api.h"
#include "codec.h"

/* The names of the ENGINE_NEED_* bits set in mask, as a new JSON array. */
static codec_obj *need_list(unsigned mask) {
    codec_obj *arr = codec_arr_new();
    for (unsigned b = 0; b < ENGINE_NEED_BITS; b++)
        if (mask & (1u << b)) codec_append_str(arr, engine_need_name(b));
    return arr;
}

/* GET /v1/detectors */
void api_detectors(const api_call *c, http_response *res) {
    const engine_profile *e = comment_file_profile(api_file(c->a));
    codec_obj *root = codec_obj_new(), *list = codec_arr_new(), *other = codec_arr_new();
    for (size_t i = 0; i < engine_detector_count(); i++) {
        const engine_detector_row *d = engine_detector_info(i);
        codec_obj *o = codec_obj_new();
        codec_set_str(o, "code", d->code);
        codec_set_str(o, "kind", engine_kind_name(d->kind));
        codec_set_obj_new(o, "needs", need_list(d->needs));
        codec_set_obj_new(o, "uses", need_list(d->uses));
        codec_set_str(o, "evidence", engine_evidence_name(d->evidence));
        codec_set_real(o, "weight", engine_profile_weight(e, i));
        codec_set_real(o, "default_weight", d->weight);
        codec_set_bool(o, "enabled", engine_profile_enabled(e, i));
        codec_set_bool(o, "overrides_trust", d->overrides_trust);
        codec_set_str(o, "summary", d->summary);
        codec_append_new(list, o);
    }
    /* codes a verdict may carry that no detector raises */
    for (size_t i = engine_detector_count(); i < engine_flag_code_count(); i++)
        codec_append_str(other, engine_flag_code(i));
    codec_set_obj_new(root, "detectors", list);
    codec_set_obj_new(root, "other_codes", other);
    size_t len = 0;
    char *body = codec_dump_free(root, &len);
    api_reply(res, 200, body, len);
}
