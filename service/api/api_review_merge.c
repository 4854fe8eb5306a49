/* api_review_merge.c - one page out of many sites' queues.
 *
 * Owns the cross-site merge of the review workflow: a queue page merged
 * from every site's pending queue (or per-flag queue, or rejected folder)
 * in (ms, site, id) order, resumed after a cursor and filled in rounds
 * while filters drop entries; a claim shared out among sites by age; an
 * audit page merged from the sites' audit streams. Also owns the listed
 * items (decoded records, claims, filters) and their JSON; what an item
 * shows around its comment is api_review_context.c's. Reads
 * through the store's review calls only; the one write is dropping a
 * queue entry whose record has expired. Never validates a request
 * (api_review_req.c) nor answers one (api_review.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_review_private.h"
#include "clock.h"
#include "log.h"

/* ====================================================== order, positions */

static int entry_cmp(const void *pa, const void *pb) {
    const review_entry *a = pa, *b = pb;
    if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
    int r = strcmp(a->site, b->site);
    return r ? r : strcmp(a->id, b->id);
}

static int entry_cmp_desc(const void *pa, const void *pb) { return entry_cmp(pb, pa); }

/* Where site's part of a merged page starts after cursor cur (desc: the
 * page runs from the highest key down, sites and ids in reverse too). */
static review_pos pos_after(const review_entry *cur, const char *site, int desc) {
    review_pos p = {0};
    if (!cur) {
        p.any = 1;
        return p;
    }
    p.ms = cur->ms;
    int r = strcmp(site, cur->site);
    if (desc ? r > 0 : r < 0)
        p.excl = 1; /* this site's entries at cur->ms sort before the cursor */
    else if (r == 0)
        p.tie_id = cur->id;
    return p;
}

/* ========================================================== page items */

void api_review_items_free(api_review_item *it, size_t n) {
    for (size_t i = 0; it && i < n; i++) {
        free(it[i].api);
        free(it[i].title);
        free(it[i].url);
        model_comment_free(&it[i].cm);
        codec_obj_free(it[i].context);
    }
    free(it);
}

static int has_flag(const model_comment *cm, const char *flag) {
    for (size_t i = 0; i < cm->nflags; i++)
        if (strcmp(cm->flags[i].code, flag) == 0) return 1;
    return 0;
}

/* ASCII case-insensitive equality (locale-independent). */
static int same_fold(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
    }
    return *a == *b;
}

/* One search word against the words of a text. */
typedef struct word_hunt {
    const char *want;
} word_hunt;

static int found_word(const char *w, size_t len, void *arg) {
    (void)len;
    return strcmp(w, ((word_hunt *)arg)->want) == 0;
}

/* What a page keeps beyond its index. */
typedef struct item_filter {
    review_folder folder;
    const char *article_id, *flag, *author; /* NULL: any */
    const api_review_page_req *words;      /* NULL: no text search */
} item_filter;

static int passes(const model_comment *cm, const item_filter *f) {
    if (cm->status != (f->folder == REVIEW_F_REJECTED   ? MODEL_REJECTED
                       : f->folder == REVIEW_F_APPROVED ? MODEL_APPROVED
                                                        : MODEL_PENDING))
        return 0; /* filed before a decision moved it: not this folder's */
    if (f->article_id && !(cm->article_id && strcmp(cm->article_id, f->article_id) == 0))
        return 0;
    if (f->flag && !has_flag(cm, f->flag)) return 0;
    if (f->author && !((cm->author.name && same_fold(cm->author.name, f->author)) ||
                       (cm->author.email && same_fold(cm->author.email, f->author))))
        return 0;
    for (size_t i = 0; f->words && i < f->words->nwords; i++) {
        word_hunt h = {f->words->words[i]};
        if (!cm->text || !api_review_words(cm->text, found_word, &h)) return 0;
    }
    return 1;
}

/* Decode a listed record into *it when it passes the filters (NULL: no
 * filter). 1 kept, 0 filtered out or unreadable. */
static int make_item(const review_entry *e, const review_state *st, const item_filter *f,
                     api_review_item *it) {
    memset(it, 0, sizeof *it);
    codec_error ce;
    if (codec_decode_comment(st->record, st->record_len, &it->cm, &ce) < 0) {
        log_msg(LOG_WARN, "review: unreadable record %s/%s skipped", e->site, e->id);
        return 0;
    }
    if (f && !passes(&it->cm, f)) {
        model_comment_free(&it->cm);
        return 0;
    }
    it->e = *e;
    snprintf(it->claimed_by, sizeof it->claimed_by, "%s", st->claimed_by);
    it->expires_ms = st->lease_expires_ms;
    it->api = codec_encode_comment(&it->cm, 0, &it->api_len);
    if (!it->api) {
        model_comment_free(&it->cm);
        return 0;
    }
    return 1;
}

static codec_obj *item_json(const api_review_item *it, long long now_ms) {
    codec_obj *o = codec_obj_new();
    /* the entry's time in its folder: a decision's, else the receipt's
     * (the index key of a score-sorted page is the score) */
    long long filed = it->cm.decided_ms > 0 ? it->cm.decided_ms : it->cm.received_ms;
    codec_set_str(o, "site", it->e.site);
    codec_set_str(o, "id", it->e.id);
    codec_set_str(o, "article_id", it->cm.article_id);
    codec_set_str(o, "article_title", it->title);
    codec_set_int(o, "queued_ms", filed);
    codec_set_real(o, "age_s", (double)(now_ms - filed) / 1000.0);
    if (it->expires_ms > 0) {
        codec_obj *cl = codec_obj_new();
        codec_set_str(cl, "by", it->claimed_by);
        codec_set_int(cl, "expires_ms", it->expires_ms);
        codec_set_real(cl, "expires_in_s", (double)(it->expires_ms - now_ms) / 1000.0);
        codec_set_obj_new(o, "claim", cl);
    } else {
        codec_set_obj_new(o, "claim", NULL);
    }
    codec_set_json(o, "comment", it->api, it->api_len);
    codec_set_obj_new(o, "context", it->context);
    return o;
}

codec_obj *api_review_items_json(api_review_item *it, size_t n, long long now_ms) {
    codec_obj *arr = codec_arr_new();
    for (size_t i = 0; i < n; i++) {
        codec_append_new(arr, item_json(&it[i], now_ms));
        it[i].context = NULL; /* moved into the array */
    }
    return arr;
}


/* ========================================================== queue pages */

int api_review_merge_page(store *s, char *const *sites, const api_review_page_req *q,
                          api_review_listing *out, api_review_err *e) {
    memset(out, 0, sizeof *out);
    review_entry cur;
    memset(&cur, 0, sizeof cur);
    int have_cur = q->have_cursor;
    if (have_cur) cur = q->cursor;
    size_t want = q->limit, nitems = 0, nsites = 0, scanned = 0;
    int exhausted = 0, err = 0;
    long long now_ms = clock_wall_ms();
    /* the index answers the folder, the order and (pending by age) the
     * flag; the rest is filtered here */
    review_index ix = {.folder = q->folder, .by_score = q->by_score,
                       .desc = q->folder != REVIEW_F_PENDING || q->by_score};
    if (q->folder == REVIEW_F_PENDING && !q->by_score) ix.flag = q->flag;
    item_filter f = {.folder = q->folder, .article_id = q->article_id,
                     .flag = ix.flag ? NULL : q->flag, .author = q->author,
                     .words = q->nwords ? q : NULL};
    while (sites[nsites]) nsites++;
    api_review_item *items = calloc(want, sizeof *items);
    review_entry *merged = calloc(nsites * want + 1, sizeof *merged);
    review_state *st = calloc(want, sizeof *st);
    if (!items || !merged || !st) err = 500;
    /* rounds: the next `want` entries over all sites, then their records;
     * filters may drop some, so go on until the page is full, the queues
     * are exhausted or REVIEW_SCAN_MAX entries were examined */
    while (!err && !exhausted && nitems < want && scanned < REVIEW_SCAN_MAX) {
        size_t nm = 0;
        exhausted = 1;
        for (size_t i = 0; i < nsites; i++) {
            review_pos p = pos_after(have_cur ? &cur : NULL, sites[i], ix.desc);
            size_t n = 0;
            if (store_review_range(s, sites[i], &ix, &p, want, merged + nm, &n) < 0) {
                err = 503;
                break;
            }
            if (n == want) exhausted = 0;
            nm += n;
        }
        if (err || nm == 0) break;
        qsort(merged, nm, sizeof *merged, ix.desc ? entry_cmp_desc : entry_cmp);
        size_t take = nm < want ? nm : want;
        if (nm > take) exhausted = 0;
        if (store_review_states(s, merged, take, st, &now_ms) < 0) {
            err = 503;
            break;
        }
        size_t i = 0;
        for (; i < take && nitems < want; i++) {
            cur = merged[i];
            have_cur = 1;
            scanned++;
            if (!st[i].record) { /* the record expired: drop the stale entry */
                store_review_purge(s, merged[i].site, merged[i].id);
                continue;
            }
            if (make_item(&merged[i], &st[i], &f, &items[nitems])) nitems++;
        }
        if (i < take) exhausted = 0; /* page full before this round's end */
        store_review_states_free(st, take);
    }
    if (!err && api_review_context_fill(s, items, nitems) < 0) err = 503;
    free(merged);
    free(st);
    if (err) {
        api_review_items_free(items, nitems);
        if (err == 503)
            return api_review_fail(e, 503, "redis_unavailable", NULL,
                                   "Redis is unavailable, retry later");
        return api_review_fail(e, 500, "internal", NULL, "out of memory");
    }
    out->items = items;
    out->nitems = nitems;
    out->more = !exhausted && have_cur;
    out->last = cur;
    out->now_ms = now_ms;
    return 0;
}

/* =============================================================== claims */

int api_review_merge_claim(store *s, char *const *sites, const char *flag,
                           const char *moderator, long long lease_s, size_t want,
                           api_review_item **items_out, size_t *nitems_out, long long *now_out,
                           api_review_err *e) {
    size_t nsites = 0;
    while (sites[nsites]) nsites++;
    size_t ntaken = 0;
    review_entry *peek = calloc(nsites * want + 1, sizeof *peek);
    review_entry *taken = calloc(want, sizeof *taken);
    review_state *st = calloc(want, sizeof *st);
    api_review_item *items = calloc(want, sizeof *items);
    size_t nitems = 0;
    long long now_ms = 0;
    int err = !peek || !taken || !st || !items ? 500 : 0;
    size_t *quota = calloc(nsites + 1, sizeof *quota);
    if (!quota) err = 500;
    if (!err && nsites == 1) {
        quota[0] = want;
    } else if (!err) {
        /* across sites: look (dry run) at each site's oldest free items,
         * give each site its share of the oldest `want`, then claim */
        size_t np = 0;
        for (size_t i = 0; i < nsites && !err; i++) {
            size_t n = 0;
            if (store_review_claim(s, sites[i], flag, moderator, lease_s, want, 1, peek + np, &n,
                                   &now_ms) < 0)
                err = 503;
            np += n;
        }
        if (!err) {
            qsort(peek, np, sizeof *peek, entry_cmp);
            for (size_t i = 0; i < np && i < want; i++)
                for (size_t k = 0; k < nsites; k++)
                    if (strcmp(sites[k], peek[i].site) == 0) quota[k]++;
        }
    }
    for (size_t k = 0; k < nsites && !err; k++) {
        if (!quota[k]) continue;
        size_t n = 0;
        if (store_review_claim(s, sites[k], flag, moderator, lease_s, quota[k], 0, taken + ntaken,
                               &n, &now_ms) < 0)
            err = 503;
        ntaken += n;
    }
    if (!err && ntaken) {
        qsort(taken, ntaken, sizeof *taken, entry_cmp);
        long long t;
        if (store_review_states(s, taken, ntaken, st, &t) < 0) {
            err = 503;
        } else {
            now_ms = t;
            for (size_t i = 0; i < ntaken; i++) {
                if (!st[i].record) { /* expired record: drop it and its lease */
                    store_review_purge(s, taken[i].site, taken[i].id);
                    continue;
                }
                if (make_item(&taken[i], &st[i], NULL, &items[nitems])) nitems++;
            }
            store_review_states_free(st, ntaken);
            /* the items are leased now: hand them over even when their
             * context could not be read (it then holds what the records
             * say: article, identity) */
            if (api_review_context_fill(s, items, nitems) < 0)
                log_msg(LOG_WARN, "review: context of %zu claimed items not read", nitems);
        }
    }
    free(quota);
    free(peek);
    free(taken);
    free(st);
    if (err) {
        api_review_items_free(items, nitems);
        if (err == 503)
            return api_review_fail(e, 503, "redis_unavailable", NULL,
                                   "Redis is unavailable, retry later");
        return api_review_fail(e, 500, "internal", NULL, "out of memory");
    }
    *items_out = items;
    *nitems_out = nitems;
    *now_out = now_ms;
    return 0;
}

/* ========================================================== audit pages */

static int audit_cmp(const void *pa, const void *pb) {
    const review_audit *a = pa, *b = pb;
    if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
    if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
    return strcmp(a->site, b->site);
}

int api_review_merge_audit(store *s, char *const *sites, const api_review_audit_req *q,
                           review_audit **out, size_t *nout, api_review_err *e) {
    review_audit *all = NULL;
    size_t nall = 0;
    int err = 0;
    for (size_t i = 0; sites[i] && !err; i++) {
        char start[64];
        if (q->have_cursor) {
            /* this site's entries with the cursor's id sort before it when
             * the site name does; so include that id only after the cursor */
            int r = strcmp(sites[i], q->cursor_site);
            snprintf(start, sizeof start, "%s%lld-%lld", r <= 0 ? "(" : "", q->cursor_ms,
                     q->cursor_seq);
        } else {
            snprintf(start, sizeof start, "%lld", q->since_ms);
        }
        review_audit *a;
        size_t n;
        if (store_review_audit(s, sites[i], start, q->limit, &a, &n) < 0) {
            err = 503;
            break;
        }
        review_audit *grown = realloc(all, (nall + n + 1) * sizeof *all);
        if (!grown) {
            store_review_audit_free(a, n);
            err = 500;
            break;
        }
        all = grown;
        memcpy(all + nall, a, n * sizeof *a);
        nall += n;
        free(a); /* the entries' strings moved into all */
    }
    if (err) {
        store_review_audit_free(all, nall);
        if (err == 503)
            return api_review_fail(e, 503, "redis_unavailable", NULL,
                                   "Redis is unavailable, retry later");
        return api_review_fail(e, 500, "internal", NULL, "out of memory");
    }
    if (nall) qsort(all, nall, sizeof *all, audit_cmp);
    *out = all;
    *nout = nall;
    return 0;
}
