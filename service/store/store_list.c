/* store_list.c - pages of a site's (or an article's) comments, newest
 * first, by their place in the listing zsets.
 *
 * Reads modq:{S}:list and :list:a:<article> (written by store_comment.c,
 * erased by store_erase.c): members "<13-digit received ms>:<id>" of equal
 * score, so their lexical order is received order and a member is a
 * cursor that stays valid while comments arrive -- a page is the members
 * strictly below it, so a walk from the newest down never repeats a
 * comment and meets every one stored when it began, whenever its write
 * landed. Never interprets the records it returns.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_private.h"

/* Members read per call: their records come back in one MGET, whose
 * argv a store command holds (STORE_MAX_ARGS); a longer page asks again. */
#define LIST_MAX_BATCH (STORE_MAX_ARGS - 4)

void store_list_free(store_list_page *pg) {
    if (!pg) return;
    for (size_t i = 0; i < pg->n; i++) {
        free(pg->members[i]);
        free(pg->records[i]);
    }
    free(pg->members);
    free(pg->records);
    free(pg->lens);
    memset(pg, 0, sizeof *pg);
}

int store_list_read(store *s, const char *site, const char *article_id, const char *before,
                    size_t want, store_list_page *pg) {
    memset(pg, 0, sizeof *pg);
    char k[STORE_KEY_MAX], max[MODEL_MAX_ID + 32], cnt[24];
    if (want > LIST_MAX_BATCH) want = LIST_MAX_BATCH;
    if (article_id ? store_key(k, sizeof k, site, STORE_K_LIST_ARTICLE, article_id) < 0
                   : store_key(k, sizeof k, site, STORE_K_LIST, NULL) < 0)
        return -1;
    if (before && *before)
        snprintf(max, sizeof max, "(%s", before);
    else
        snprintf(max, sizeof max, "+");
    snprintf(cnt, sizeof cnt, "%zu", want);
    cmd c = {0};
    store_cmd(&c, "ZRANGE", k, max, "-", "BYLEX", "REV", "LIMIT", "0", cnt, NULL);
    redisReply *r;
    if (store_run(s, &c, 1, &r) < 0) return -1;
    if (r->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        return -1;
    }
    store_take_list(r, &pg->members, &pg->n);
    freeReplyObject(r);
    pg->more = pg->n == want;
    if (!pg->n) return 0;
    pg->records = calloc(pg->n, sizeof *pg->records);
    pg->lens = calloc(pg->n, sizeof *pg->lens);
    cmd *g = calloc(1, sizeof *g);
    char (*kc)[STORE_KEY_MAX] = malloc(pg->n * STORE_KEY_MAX);
    int rc = -1;
    if (!pg->records || !pg->lens || !g || !kc) goto out;
    store_args(g, "MGET");
    for (size_t i = 0; i < pg->n; i++) {
        const char *id = strchr(pg->members[i], ':');
        if (store_key(kc[i], STORE_KEY_MAX, site, STORE_K_COMMENT, id ? id + 1 : "") < 0) goto out;
        store_args(g, kc[i]);
    }
    if (store_run(s, g, 1, &r) < 0) goto out;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == pg->n) {
        for (size_t i = 0; i < pg->n; i++)
            pg->records[i] = store_take_str(r->element[i], &pg->lens[i]);
        rc = 0;
    }
    freeReplyObject(r);
out:
    free(g);
    free(kc);
    if (rc < 0) store_list_free(pg);
    return rc;
}
