"""test_store_keys.py - what only Redis shows: the keys modq leaves behind,
their counters and TTLs, for behaviours the other suites check through the
API. Each test drives the real binary over HTTP, then reads modq's keys
(modq:{<site>}:<part>, store_key) with redis-cli.
"""
import json
import time

from harness import MOD_KEY, Env
from test_api import ARTICLE
from test_review import LOW, claim, decide, seed_claimable


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
