/* store_keys.h - the Redis key layout: every key modq keeps, and the parts
 * they are built from.
 *
 * The one place a key is declared (private to service/store/; included by
 * store_private.h). A site's key is "modq:{S}:<part><rest>", built by
 * store_key() from a STORE_K_* part below; its {S} hash tag keeps all of a
 * site's keys in one Redis Cluster slot, so one script or MULTI may touch
 * several. A global key (no tag) is a STORE_KEY_* constant, and a
 * rate-limit key is built by store_key_rl(). No other file spells a key or
 * a part as a literal, and nothing here talks to Redis.
 *
 * Key layout (S = site; the file that writes each key in brackets):
 *   modq:{S}:article:<id>        string  article JSON (storage form)
 *   modq:{S}:artver:<id>         string  article version: INCRBY a random
 *                                        step in the MULTI of every put and
 *                                        the script of its delete; absent =
 *                                        0. The look-up reads it and the
 *                                        JSON only when the pool's cache
 *                                        holds another version
 *   modq:{S}:article_url:<url>   string  article id for a permalink
 *   modq:{S}:df                  hash    stem -> articles containing it
 *   modq:{S}:dfver               string  df version: INCRBY a random step
 *                                        (1..2^31) in the MULTI of every
 *                                        article put that changes df; absent
 *                                        = 0. Each pool caches df values
 *                                        under the version they were read at
 *                                        (store_cache.c) and trusts them only
 *                                        while Redis reports that version.
 *   modq:{S}:ndocs               string  articles registered
 *                                        [store_article.c]
 *   modq:{S}:comment:<id>        string  comment JSON, EX retention (no
 *                                        MinHash: dup:x holds it; "mh" in
 *                                        a record of the older layout)
 *   modq:{S}:claim:<id>          string  "1": the look-up that will write
 *                                        <id> (SET NX PX STORE_CLAIM_MS,
 *                                        deleted by the write)
 *   modq:{S}:pending             zset    id -> enqueue ms (review queue)
 *   modq:{S}:dup:x:<hash>        string  "id\x1fauthor\x1f" + the MinHash (32
 *                                        x 4 bytes, big end first; no
 *                                        MinHash: "id\x1fauthor") of the
 *                                        first poster of the text, EX window
 *   modq:{S}:dup:b<i>:<key>      string  "id\x1f<16 hex of its exact hash>":
 *                                        the first poster in that bucket of
 *                                        band i; its author and MinHash are
 *                                        in dup:x:<that hash>, which a
 *                                        look-up reads in a second round
 *                                        trip (none for this text's own).
 *                                        Values of the layout before,
 *                                        "id\x1fauthor\x1f" + the MinHash,
 *                                        are still read; EX window
 *   modq:{S}:flood:a:<author>    string  counter, EX flood_window
 *   modq:{S}:flood:i:<ip>        string  counter, EX flood_window
 *   modq:{S}:idz:<k>:<hash>      zset    ids of the comments an author
 *                                        identity posted -> received ms:
 *                                        k = e (e-mail), n (name), i (IP);
 *                                        hash = 32 hex of the SHA-256 of
 *                                        the lowercased identity
 *                                        (store_key_identity), EX retention
 *                                        from the last comment. A zset this
 *                                        small is a listpack (~136 B), a
 *                                        set of strings a hash table
 *                                        (~224 B) in Redis 7.0
 *   modq:{S}:ident:<k>:<hash>    set     the same ids, the older layout:
 *                                        never written, read with idz and
 *                                        erased until it expires
 *   modq:{S}:list                zset    every comment, score 0, member
 *                                        "<13-digit received ms>:<id>"
 *                                        (lexical order = received order)
 *   modq:{S}:list:a:<article>    zset    the same, one article's comments
 *                                        (both trimmed to retention by one
 *                                        write in 16; also a review item's
 *                                        thread neighbours)
 *   modq:{S}:thread:<article>    list    recent approved comment texts
 *   modq:{S}:threadref:<article> list    their references ("<16 hex>:<len>",
 *                                        same order, same trim)
 *                                        [store_comment.c; read by
 *                                        store_lookup.c and store_list.c;
 *                                        erased by store_erase.c]
 *   modq:{S}:pending:flag:<code> zset    id -> enqueue ms, pending items
 *                                        carrying flag <code>
 *   modq:{S}:rejected            zset    id -> filed ms (rejected folder:
 *                                        decision ms, or received ms when
 *                                        the engine rejected it)
 *   modq:{S}:approved            zset    id -> filed ms (approved folder,
 *                                        same rule)
 *   modq:{S}:byscore:<status>    zset    id -> score x 1000 (rounded), for the
 *                                        pending queue and both folders
 *                                        (sort=score)
 *   modq:{S}:article_comments:<article>
 *                                zset    id -> received ms: the article index
 *                                        of the older layout (before list:a
 *                                        served thread context); never
 *                                        written, read with list:a and
 *                                        erased until it expires (EX
 *                                        retention)
 *   modq:{S}:author:<h>          hash    approved / rejected / pending ->
 *                                        count, first_seen -> ms, for the
 *                                        author key whose SHA-256 starts
 *                                        with the 32 hex <h>, EX retention
 *   modq:{S}:author_log:<h>      list    "id\x1fstatus\x1fby\x1fat_ms" newest
 *                                        first, the last
 *                                        STORE_AUTHOR_LOG_MAX verdicts and
 *                                        decisions, EX retention
 *   modq:{S}:leases              zset    id -> lease expiry ms (Redis clock)
 *   modq:{S}:lease_owner         hash    id -> moderator holding the lease
 *   modq:{S}:audit               stream  decision log (XADD, append-only)
 *   modq:{S}:decided:<minute>    string  decisions in that minute, EX 62 min
 *                                        [store_review.c; the queues,
 *                                        folders and author keys also by
 *                                        store_comment.c]
 *   modq:{S}:bayes:spam / :ham   hash    token -> spam / ham decisions
 *   modq:{S}:bayes:n             hash    spam / ham -> decisions learned
 *   modq:{S}:rep:spam / :ham     hash    a:<sha256 author> i:<sha256 ip> d:<domain> ->
 *                                        rejected-as-spam / approved count
 *   modq:{S}:learned:<id>        string  label a comment was trained with,
 *                                        EX retention (idempotent learning)
 *   modq:{S}:learnver            string  learner version: INCRBY a random
 *                                        step in every training script;
 *                                        absent = 0. The look-up reads it
 *                                        and bayes:n only when the pool's
 *                                        cached totals are of another
 *                                        [store_learn.c]
 *   modq:sites                   set     sites that ever queued an item
 *                                        (or had a decision, or changed
 *                                        settings)
 *                                        [store_comment.c, store_review.c,
 *                                        store_settings.c]
 *   modq:{S}:settings            string  the site's settings: the fields it
 *                                        overrides (codec_settings.c's stored
 *                                        form); absent = none
 *   modq:{S}:setver              string  settings version: INCRBY a random
 *                                        step (1..2^31) in the script of
 *                                        every change; absent = 0. The
 *                                        comment look-up reads it with its
 *                                        MGET and the document only when it
 *                                        differs from the version the
 *                                        pipeline's profile was built at.
 *                                        [store_settings.c; audited in
 *                                        modq:{S}:audit]
 *   modq:{S}:webhook             hash    url secret events created_ms
 *                                        updated_ms last_error(_ms)
 *   modq:{S}:whver               string  webhook version: INCRBY a random
 *                                        step in the MULTI of every put and
 *                                        delete; absent = 0. The look-up
 *                                        reads it and the events field only
 *                                        when the pool's cache holds
 *                                        another
 *   modq:{S}:wh:outbox           zset    delivery id -> due ms (Redis clock)
 *   modq:{S}:wh:inflight         zset    delivery id -> lease expiry ms
 *   modq:{S}:wh:data / :meta     hash    id -> API-form comment JSON /
 *                                        "event created_ms attempts"
 *   modq:{S}:wh:dead             list    dead-letter JSON records (newest
 *                                        first, capped, EX retention)
 *   modq:webhook:sites           set     sites with a webhook (sender index)
 *                                        [store_webhook.c]
 *   modq:rl:i:<ip>:<slot>        string  requests per IP in minute <slot>
 *   modq:rl:k:<keyhash>:<slot>   string  requests per API key (16 hex of
 *                                        its SHA-256, never the key)
 *   modq:rl:f:<ip>:<slot>        string  failed authentications per IP
 *   modq:rl:fk:<keyhash>:<slot>  string  failed authentications per
 *                                        presented key (16 hex of SHA-256)
 *                                (rate-limit keys: EX window + 5 s)
 *                                        [store_limit.c]
 *   modq:once:<scope>:<id>       string  "1": id was seen in scope (a
 *                                        signature, scope "coral"), EX
 *                                        the caller's window [store_once.c]
 *
 * Personal data (IPs, e-mails, names) and how long it lives: comment
 * records EX retention_days; dup:* values hold author keys (e-mail or
 * name|ip), EX dup_window_days; flood:* counters are keyed by author and
 * IP, EX flood_window; author:* and author_log:* are keyed by a hash of
 * the author key and hold counts, comment ids, statuses and moderator
 * names (no text, no e-mail, no IP), EX retention_days; rl:* keys EX about a minute; thread:* lists hold
 * approved comment texts only (no author data) and are trimmed; wh:data
 * and wh:dead hold API-form comments (author name and URL, no e-mail or
 * IP) until delivered, or EX retention_days after the last dead letter;
 * ident:* sets hold comment ids under a digest of the identity, EX
 * retention_days. An erasure (store_erase.c) removes a comment from every
 * one of them in one script.
 */
#ifndef MODQ_STORE_KEYS_H
#define MODQ_STORE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_KEY_PREFIX "modq:" /* every key modq writes starts with it */

/* ---- parts of a site's keys: "modq:{S}:" PART [rest] ---- */
/* articles and document frequencies (store_article.c) */
#define STORE_K_ARTICLE "article:"         /* + article id */
#define STORE_K_ARTICLE_URL "article_url:" /* + permalink */
#define STORE_K_ARTICLE_VER "artver:"      /* + article id: its version */
#define STORE_K_DF "df"
#define STORE_K_DFVER "dfver"
#define STORE_K_NDOCS "ndocs"
/* comments (store_comment.c, store_lookup.c) */
#define STORE_K_COMMENT "comment:"       /* + comment id */
#define STORE_K_CLAIM "claim:"           /* + comment id */
#define STORE_K_DUP_EXACT "dup:x:"       /* + 16 hex of the exact hash */
#define STORE_K_FLOOD_AUTHOR "flood:a:"  /* + author key */
#define STORE_K_FLOOD_IP "flood:i:"      /* + IP ("-" when unknown) */
#define STORE_K_THREAD "thread:"         /* + article id: texts */
#define STORE_K_THREAD_REFS "threadref:"  /* + article id: references; not
                                            * "thread:<x>": an article id could
                                            * spell that */
#define STORE_K_IDENTITY "idz:"         /* + kind + ":" + identity digest */
#define STORE_K_IDENTITY_SET "ident:"   /* the same as sets, the older layout:
                                         * read and erased, never written */
#define STORE_K_LIST "list"             /* every comment by received time */
#define STORE_K_LIST_ARTICLE "list:a:"  /* + article id */
/* the duplicate bands "dup:b<i>:" + 16 hex: store_key_band() */
/* the review queue (store_review.c; store_comment.c files new items) */
#define STORE_K_PENDING "pending"
#define STORE_K_PENDING_FLAG "pending:flag:" /* + flag code */
#define STORE_K_REJECTED "rejected"
#define STORE_K_APPROVED "approved"
#define STORE_K_BY_SCORE "byscore:" /* + status name */
#define STORE_K_ARTICLE_COMMENTS "article_comments:" /* + article id: read and
                                                      * erased, never written */
#define STORE_K_AUTHOR "author:"          /* + 32 hex: store_key_author() */
#define STORE_K_AUTHOR_LOG "author_log:"  /* + 32 hex: store_key_author() */
#define STORE_K_LEASES "leases"
#define STORE_K_LEASE_OWNER "lease_owner"
#define STORE_K_AUDIT "audit"
#define STORE_K_DECIDED "decided:" /* + minute (ms / 60000) */
/* learning (store_learn.c) */
#define STORE_K_BAYES_SPAM "bayes:spam"
#define STORE_K_BAYES_HAM "bayes:ham"
#define STORE_K_BAYES_N "bayes:n"
#define STORE_K_REP_SPAM "rep:spam"
#define STORE_K_REP_HAM "rep:ham"
#define STORE_K_LEARNED "learned:" /* + comment id */
#define STORE_K_LEARNVER "learnver" /* the learner totals' version */
/* settings (store_settings.c; the look-up reads the version) */
#define STORE_K_SETTINGS "settings"
#define STORE_K_SETVER "setver"
/* webhooks (store_webhook.c; the look-up reads the version, and the
 * events field when it changed) */
#define STORE_K_WEBHOOK "webhook"
#define STORE_K_WHVER "whver" /* the webhook subscription's version */
#define STORE_K_WH_OUTBOX "wh:outbox"
#define STORE_K_WH_INFLIGHT "wh:inflight"
#define STORE_K_WH_DATA "wh:data"
#define STORE_K_WH_META "wh:meta"
#define STORE_K_WH_DEAD "wh:dead"           /* zset: id -> when it died */
#define STORE_K_WH_DEAD_META "wh:dead:meta" /* hash: id -> event, times, error */
#define STORE_K_WH_DEAD_DATA "wh:dead:data" /* hash: id -> comment JSON */

/* ---- global keys (no hash tag) ---- */
#define STORE_KEY_SITES STORE_KEY_PREFIX "sites"
#define STORE_KEY_WEBHOOK_SITES STORE_KEY_PREFIX "webhook:sites"
/* rate-limit counters: store_key_rl(STORE_KRL_*, who, slot) */
#define STORE_KRL_IP "i:"   /* + client IP */
#define STORE_KRL_KEY "k:"  /* + API key hash */
#define STORE_KRL_FAIL "f:" /* + client IP: failed authentications */
#define STORE_KRL_FAIL_KEY "fk:" /* + presented key hash: failed authentications */

/* ---- values ---- */
/* An exact-key value ends with the MinHash in binary: STORE_MINHASH_N
 * 32-bit values, big end first (128 bytes; half of the hex, and no
 * parsing). */
#define STORE_MINHASH_BYTES (STORE_MINHASH_N * 4)

/* "modq:{site}:<part><rest>" (rest may be NULL) into buf. Returns the
 * length, or -1 when it does not fit in n (buf then holds ""). */
int store_key(char *buf, size_t n, const char *site, const char *part, const char *rest);
/* "modq:{site}:dup:b<band>:<16 hex of h>" into buf (0 <= band <
 * STORE_LSH_BANDS). Returns the length or -1 (as store_key). */
int store_key_band(char *buf, size_t n, const char *site, int band, uint64_t h);
/* "modq:{site}:<part><32 hex of SHA-256(author_key)>" into buf (part
 * STORE_K_AUTHOR or STORE_K_AUTHOR_LOG): the author is never spelled in a
 * key. Returns the length or -1 (as store_key). */
int store_key_author(char *buf, size_t n, const char *site, const char *part,
                     const char *author_key);
/* Hex digits of the identity digest in an author key (128 bits). */
#define STORE_AUTHOR_HEX 32
/* "modq:{site}:<part><kind>:<32 hex of SHA-256(lowercased value)>" into
 * buf (part STORE_K_IDENTITY, or STORE_K_IDENTITY_SET for the older
 * layout's set). Returns the length, or -1 when value is NULL or empty
 * (after leading/trailing blanks) or the key does not fit. */
int store_key_identity(char *buf, size_t n, const char *site, const char *part, char kind,
                       const char *value);
/* "<13-digit ms>:<id>", a member of the list zsets, into buf. Returns the
 * length or -1. */
int store_list_member(char *buf, size_t n, long long ms, const char *id);
/* "modq:rl:<part><who>:<slot>" into buf. Returns the length or -1. */
int store_key_rl(char *buf, size_t n, const char *part, const char *who, long long slot);
/* "modq:once:<scope>:<id>" into buf. Returns the length or -1. */
int store_key_once(char *buf, size_t n, const char *scope, const char *id);
/* 16 lowercase hex digits of v and a NUL: the hash in a key. */
void store_key_hex16(char out[17], uint64_t v);

#endif
