/* api_comment_list.c - GET /v1/sites/{site}/comments: a site's or an
 * article's comments, newest first, in pages with a cursor.
 *
 * Walks the store's listing (store_list.c) from the cursor down, keeps
 * the comments of the status asked for, and answers {"items": [...],
 * "next_cursor": ...} as the review list does. The cursor is the listing
 * member of the last comment examined ("<13-digit ms>:<id>"), so a walk
 * never repeats or skips a comment while others arrive. Never spells a
 * key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "codec.h"

#define LIST_DEFAULT 50
#define LIST_MAX 200
/* Listing reads per request when a status filter keeps few: bounds the
 * work of one page (the cursor then says where the walk stopped). */
#define LIST_MAX_READS 20

/* 1 when v is "<13 digits>:<id>" */
static int valid_cursor(const char *v) {
    for (int i = 0; i < 13; i++)
        if (v[i] < '0' || v[i] > '9') return 0;
    return v[13] == ':' && model_valid_ident(v + 14, MODEL_MAX_ID);
}

static int parse_limit(const char *v, long long *out) {
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < 1 || n > LIST_MAX) return -1;
    *out = n;
    return 0;
}

/* GET /v1/sites/{site}/comments */
void api_comment_list(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    const char *art = http_query(c->req, "article_id"), *st = http_query(c->req, "status"),
               *lim = http_query(c->req, "limit"), *cur = http_query(c->req, "cursor");
    long long limit = LIST_DEFAULT;
    if (art && !*art) art = NULL;
    if (art && !model_valid_ident(art, MODEL_MAX_ID)) {
        api_error(res, 422, "invalid_field",
                  "article_id must be 1-128 characters of A-Z a-z 0-9 . _ : -", "article_id");
        return;
    }
    if (st && *st && strcmp(st, "pending") && strcmp(st, "approved") && strcmp(st, "rejected")) {
        api_error(res, 422, "invalid_field", "status must be pending, approved or rejected",
                  "status");
        return;
    }
    if (lim && parse_limit(lim, &limit) < 0) {
        api_error(res, 422, "invalid_field", "limit must be an integer from 1 to 200", "limit");
        return;
    }
    if (cur && *cur && !valid_cursor(cur)) {
        api_error(res, 422, "invalid_field", "cursor is not one this endpoint returned",
                  "cursor");
        return;
    }
    codec_obj *items = codec_arr_new();
    if (!items) {
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    char last[MODEL_MAX_ID + 24];
    snprintf(last, sizeof last, "%s", cur ? cur : "");
    int more = 1, rc = 0;
    store *s = store_acquire(c->a->pool);
    for (int reads = 0; more && rc == 0 && reads < LIST_MAX_READS &&
                        codec_size(items) < (size_t)limit;
         reads++) {
        store_list_page pg;
        size_t want = (size_t)limit - codec_size(items);
        if (store_list_read(s, site, art, last, want, &pg) < 0) {
            rc = -1;
            break;
        }
        more = pg.more;
        for (size_t i = 0; i < pg.n; i++) {
            snprintf(last, sizeof last, "%s", pg.members[i]);
            if (!pg.records[i]) continue; /* expired */
            model_comment cm;
            codec_error ce;
            if (codec_decode_comment(pg.records[i], pg.lens[i], &cm, &ce) < 0) continue;
            if (!st || !*st || strcmp(model_status_name(cm.status), st) == 0) {
                size_t len = 0;
                char *j = codec_encode_comment(&cm, 0, &len);
                codec_obj *o = j ? codec_parse(j, len, &ce) : NULL;
                if (o) codec_append_new(items, o);
                free(j);
            }
            model_comment_free(&cm);
        }
        store_list_free(&pg);
    }
    store_release(c->a->pool, s);
    if (rc < 0) {
        codec_obj_free(items);
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
        return;
    }
    codec_obj *o = codec_obj_new();
    if (!o) {
        codec_obj_free(items);
        api_error(res, 500, "internal", "out of memory", NULL);
        return;
    }
    codec_set_obj_new(o, "items", items);
    codec_set_str(o, "next_cursor", more && last[0] ? last : NULL);
    size_t len = 0;
    char *out = codec_dump_free(o, &len);
    api_reply(res, 200, out, len);
}
