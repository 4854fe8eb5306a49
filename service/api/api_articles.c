/* api_articles.c - PUT/GET /v1/sites/{site}/articles/{id}.
 *
 * Registers the article a comment sits under and keeps the site's document
 * frequencies in step (terms added by a new version +1, removed ones -1).
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "clock.h"
#include "codec.h"

static int has_term(char *const *list, size_t n, const char *t) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], t) == 0) return 1;
    return 0;
}

/* PUT /v1/sites/{site}/articles/{id} */
void api_article_put(const api_call *c, http_response *res) {
    if (api_require_json(c, res) < 0) return;
    const char *site = router_param(c->m, "site");
    const char *id = router_param(c->m, "id");
    if (!model_valid_ident(id, MODEL_MAX_ID)) {
        api_error(res, 422, "invalid_field",
                  "article id must be 1-128 characters of A-Z a-z 0-9 . _ : -", "article_id");
        return;
    }
    model_article art, old;
    memset(&old, 0, sizeof old);
    codec_error ce;
    if (codec_decode_article_req(c->req->body, c->req->body_len, &art, &ce) < 0) {
        api_error(res, ce.status, ce.code, ce.text, ce.field);
        return;
    }
    art.site = strdup(site);
    art.id = strdup(id);
    char *terms[ENGINE_MAX_TERMS * 4];
    engine_article ea = {art.title, art.body, (const char *const *)art.tags, art.ntags, art.url};
    int nt = engine_article_terms(api_session(c->a), &ea, terms, sizeof terms / sizeof terms[0]);
    if (nt < 0) {
        api_error(res, 422, "invalid_utf8", "article text is not valid UTF-8", "body");
        model_article_free(&art);
        return;
    }
    art.terms = calloc((size_t)nt + 1, sizeof(char *));
    for (int i = 0; i < nt; i++) art.terms[i] = terms[i];
    art.nterms = (size_t)nt;

    store *s = store_acquire(c->a->pool);
    char *oldjson = NULL;
    size_t oldlen = 0;
    int found = store_article_get(s, site, id, &oldjson, &oldlen);
    int created = found == 0;
    long long now = clock_wall_ms();
    char **add = NULL, **del = NULL;
    size_t nadd = 0, ndel = 0;
    char *json = NULL;
    size_t len = 0;
    if (found < 0) goto down;
    if (found == 1) {
        codec_error e2;
        if (codec_decode_article(oldjson, oldlen, &old, &e2) < 0) memset(&old, 0, sizeof old);
    }
    art.created_ms = created ? now : (old.created_ms ? old.created_ms : now);
    art.updated_ms = now;
    add = calloc(art.nterms + 1, sizeof *add);
    del = calloc(old.nterms + 1, sizeof *del);
    for (size_t i = 0; i < art.nterms; i++)
        if (!has_term(old.terms, old.nterms, art.terms[i])) add[nadd++] = art.terms[i];
    for (size_t i = 0; i < old.nterms; i++)
        if (!has_term(art.terms, art.nterms, old.terms[i])) del[ndel++] = old.terms[i];
    json = codec_encode_article(&art, 1, &len);
    if (!json || store_article_put(s, site, id, json, len, art.url, old.url, add, nadd, del,
                                   ndel, created) < 0)
        goto down;
    store_release(c->a->pool, s);
    s = NULL;
    free(json);
    json = codec_encode_article(&art, 0, &len);
    api_reply(res, created ? 201 : 200, json, len);
    goto out;
down:
    if (s) store_release(c->a->pool, s);
    free(json);
    api_error(res, 503, "redis_unavailable",
              "article could not be stored: Redis is unavailable, retry later", NULL);
out:
    free(add);
    free(del);
    free(oldjson);
    model_article_free(&old);
    model_article_free(&art);
}

/* GET /v1/sites/{site}/articles/{id} */
void api_article_get(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    const char *id = router_param(c->m, "id");
    store *s = store_acquire(c->a->pool);
    char *json = NULL;
    size_t len = 0;
    int rc = store_article_get(s, site, id, &json, &len);
    store_release(c->a->pool, s);
    if (rc < 0) {
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
        return;
    }
    if (rc == 0) {
        api_error(res, 404, "not_found", "no such article", NULL);
        return;
    }
    model_article art;
    codec_error ce;
    if (codec_decode_article(json, len, &art, &ce) < 0) {
        free(json);
        api_error(res, 500, "internal", "stored article is unreadable", NULL);
        return;
    }
    free(json);
    json = codec_encode_article(&art, 0, &len);
    model_article_free(&art);
    api_reply(res, 200, json, len);
}

/* Reads of an article a put changed under a delete before it gives up. */
#define ARTICLE_DELETE_RETRIES 5

/* DELETE /v1/sites/{site}/articles/{id} */
void api_article_delete(const api_call *c, http_response *res) {
    const char *site = router_param(c->m, "site");
    const char *id = router_param(c->m, "id");
    store *s = store_acquire(c->a->pool);
    int rc = 0;
    for (int attempt = 0; rc == 0 && attempt < ARTICLE_DELETE_RETRIES; attempt++) {
        char *json = NULL;
        size_t len = 0;
        rc = store_article_get(s, site, id, &json, &len);
        if (rc <= 0) {
            rc = rc < 0 ? -1 : 2;
            break;
        }
        model_article art;
        codec_error ce;
        if (codec_decode_article(json, len, &art, &ce) < 0) memset(&art, 0, sizeof art);
        rc = store_article_delete(s, site, id, json, len, art.url, art.terms, art.nterms);
        model_article_free(&art);
        free(json);
    }
    store_release(c->a->pool, s);
    if (rc == 1)
        api_reply(res, 204, NULL, 0);
    else if (rc == 2)
        api_error(res, 404, "not_found", "no such article", NULL);
    else if (rc == 0)
        api_error(res, 409, "conflict", "the article kept changing; retry", NULL);
    else
        api_error(res, 503, "redis_unavailable", "Redis is unavailable, retry later", NULL);
}
