"""test_store_keys.py - what only Redis shows: the keys modq leaves behind,
their counters and TTLs, for behaviours the other suites check through the
API. Each test drives the real binary over HTTP, then reads modq's keys
(modq:{<site>}:<part>, store_key) with redis-cli.
"""
import json
import time

import test_akismet as akismet
from harness import CLIENT_KEY, MOD_KEY, Env
from test_api import ARTICLE, ON_TOPIC, comment
from test_limits import KEY_ONE, RL_KEYS, _avoid_minute_edge
from test_review import LOW, claim, decide, seed_claimable
from test_store_spool import resp_command


def key(site, part, rest=""):
    """A site's key, as store_key writes it: modq:{<site>}:<part><rest>."""
    return "modq:{%s}:%s%s" % (site, part, rest)


def scan(redis, pattern):
    return sorted(k for k in redis.cli("--scan", "--pattern", pattern).split() if k)


# ----------------------------------------------------------------- articles

def test_replaced_article_counts_one_document(binary):
    with Env(binary) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
        changed = dict(ARTICLE, title="Council approves bicycle lanes")
        assert m.request("PUT", "/v1/sites/s1/articles/a1", changed).status == 200
        assert env.redis.cli("EXISTS", key("s1", "article:", "a1")) == "1"
        assert env.redis.cli("GET", key("s1", "ndocs")) == "1"


# ----------------------------------------------------------------- leases

def test_decided_items_leave_no_lease_behind(binary):
    """The lease overlay (modq:{S}:leases, :lease_owner) loses an item when
    it is decided: by its holder, and by the moderator who claimed it after
    an earlier lease expired."""
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_claimable(m)
        assert [i["id"] for i in claim(m, "alice", limit=1)["items"]] == ["c0"]
        assert env.redis.cli("HGET", key("s1", "lease_owner"), "c0") == "alice"
        assert decide(m, "s1", "c0", "approve", moderator="alice").status == 200
        assert env.redis.cli("ZSCORE", key("s1", "leases"), "c0") == ""
        assert env.redis.cli("HGET", key("s1", "lease_owner"), "c0") == ""
        # c1: mallory's lease runs out, dave takes the item and decides it
        t0 = time.time()
        assert [i["id"] for i in claim(m, "mallory", limit=1, lease_seconds=1)["items"]] == ["c1"]
        time.sleep(max(0.0, t0 + 1.3 - time.time()))
        assert [i["id"] for i in claim(m, "dave", limit=1)["items"]] == ["c1"]
        assert decide(m, "s1", "c1", "reject", moderator="dave").status == 200
        assert env.redis.cli("ZCARD", key("s1", "leases")) == "0"
        assert env.redis.cli("HLEN", key("s1", "lease_owner")) == "0"


# ----------------------------------------------------------------- Akismet

def records(env, site):
    """Every stored comment record of a site, decoded."""
    return [json.loads(env.redis.cli("GET", k)) for k in scan(env.redis, key(site, "comment:", "*"))]


def authors(recs):
    return sorted(c["author"]["name"] for c in recs)


def test_akismet_checks_leave_records_of_analysed_comments_only(binary):
    """Bad checks, Akismet's test values, is_test checks and submissions
    write no record; each analysed comment is stored once, retries too."""
    with Env(binary, akismet.ENV) as env:
        m = akismet.with_article(env)
        akismet.bad_checks(m)
        assert records(env, akismet.SITE) == []
        ck = akismet.checker(m)
        ham_id = ck().headers["X-modq-id"]
        ck()
        rv = ck(comment_author="Refund Seeker", comment_content=akismet.REFUND)
        ck(comment_author="Refund Seeker", comment_content=akismet.REFUND)
        ck(comment_author="Pills", comment_content="buyviagranow cheapest pills online")
        for kw, _ in akismet.TEST_VALUES:
            ck(**kw)
        ck(honeypot_field_name="hp", hp="", comment_author="Human",
           comment_content="Will the rationing rules also apply to farms in the valley?")
        for kw, _, _ in akismet.IS_TEST:
            ck(**kw)
        akismet.form_post(m, "/1.1/submit-spam", dict(akismet.base(), api_key=CLIENT_KEY))
        akismet.form_post(m, "/1.1/submit-ham",
                          dict(akismet.base(comment_author="Never Checked"), api_key=CLIENT_KEY))
        recs = records(env, akismet.SITE)
        assert authors(recs) == ["Dana Reader", "Human", "Pills", "Refund Seeker"], recs
        assert ham_id in [c["id"] for c in recs]
        assert env.redis.cli("ZRANGE", key(akismet.SITE, "pending"), 0, -1).split() == \
            [rv.headers["X-modq-id"]]


def test_akismet_npm_clients_store_each_analysed_comment_once(binary):
    with Env(binary, akismet.ENV) as env:
        akismet.run_npm_clients(env)
        # each analysed comment once, under the blog's site, on the
        # permalink's article; test values and is_test absent
        recs = records(env, akismet.SITE)
        by = {}
        for c in recs:
            by.setdefault(c["author"]["name"], []).append(c)
        assert sorted(by) == akismet.NPM_STORED, sorted(by)
        assert len(by["Refund Seeker"]) == 1  # the retried check stored once
        assert len(by["Dana Reader"]) == 2   # one per client (different text)
        assert all(c["article_id"] == "drought" and c["site"] == akismet.SITE for c in recs), recs
        assert by["Cheap Pills"][0]["status"] == "rejected"
        assert all(c["status"] == "approved" for c in by["Dana Reader"])
        q = set(env.redis.cli("ZRANGE", key(akismet.SITE, "pending"), 0, -1).split())
        assert q == {by["Refund Seeker"][0]["id"], by["Second Seeker"][0]["id"]}, q


# ----------------------------------------------------------------- rate limits

def test_rate_limit_counters_expire_and_never_hold_the_key(binary):
    """The per-IP and per-key counters (modq:rl:i:*, modq:rl:k:*, global:
    no site) expire within the minute they count; a key's counter is named
    by a digest, never by the key itself."""
    with Env(binary, {"MODQ_RATE_LIMIT_IP": "8", "MODQ_RATE_LIMIT_KEY": "5",
                      "MODQ_CLIENT_KEYS": RL_KEYS}) as env:
        m = env.modq
        _avoid_minute_edge()
        assert m.request("GET", "/v1/sites/s1/comments/none", key=KEY_ONE).status == 404
        ip_keys = env.redis.cli("KEYS", "modq:rl:i:*").split()
        assert ip_keys, env.redis.cli("KEYS", "*")
        ttl = int(env.redis.cli("TTL", ip_keys[0]))
        assert 0 < ttl <= 65, ttl
        everything = env.redis.cli("KEYS", "*")
        assert KEY_ONE not in everything and "modq:rl:k:" in everything, everything


# ----------------------------------------------------------------- duplicate keys

def set_calls(redis):
    """cmdstat_set calls since the last CONFIG RESETSTAT."""
    for line in redis.cli("INFO", "commandstats").splitlines():
        if line.startswith("cmdstat_set:"):
            return int(line.split("calls=")[1].split(",")[0])
    return 0


def test_a_repeated_text_sends_no_duplicate_key_its_look_up_found_taken(binary):
    """The exact key and the 8 band keys are first writer wins (SET NX):
    a comment whose look-up found them all taken (the same text again)
    leaves them out of its write, which then SETs only the id's claim and
    its record -- and the keys still name the first poster."""
    with Env(binary) as env:
        m = env.modq
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
        assert m.request("POST", "/v1/sites/s1/comments",
                         comment("a1", ON_TOPIC, "first", name="Ann")).status == 201
        bands = scan(env.redis, key("s1", "dup:b", "*"))
        exact = scan(env.redis, key("s1", "dup:x:", "*"))
        assert len(bands) == 8 and len(exact) == 1, (bands, exact)
        env.redis.cli("CONFIG", "RESETSTAT")
        assert m.request("POST", "/v1/sites/s1/comments",
                         comment("a1", ON_TOPIC, "again", name="Bob")).status == 201
        assert set_calls(env.redis) == 2  # the claim and the record
        assert scan(env.redis, key("s1", "dup:b", "*")) == bands
        assert env.redis.cli("GET", bands[0]).split("\x1f")[0] == "first"
        assert resp_command(env.redis.port, "GET", exact[0]).startswith(b"first\x1fAnn")
        # a new text: its record, claim, exact key and every band key it
        # does not share
        env.redis.cli("CONFIG", "RESETSTAT")
        assert m.request("POST", "/v1/sites/s1/comments",
                         comment("a1", ON_TOPIC + " Buses too.", "third", name="Cid")).status == 201
        assert set_calls(env.redis) == 3 + len(scan(env.redis, key("s1", "dup:b", "*"))) - 8
