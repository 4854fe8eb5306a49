"""test_review_keys.py - named moderator keys (moderator_keys "NAME:KEY")
against the real binary and a real redis-server: the key's name is who
claims, holds leases and decides; a request naming anyone else is 403
moderator_mismatch; GET /v1/review/whoami; keys without a name only behind
moderator_anonymous_keys; malformed entries refused at start."""
import hashlib
import os
import subprocess

from harness import CLIENT_KEY, MOD_KEY, MOD_NAME, Env, mod_key, mod_keys_setting
from test_review import (BAD_ANONYMOUS_NAMES, LOW, audit, decide, review, seed_claimable,
                         two_sites, untouched)

ANON_KEY = "anonymous-moderator-key-0123456789"
ANON_ENV = dict(LOW, MODQ_MODERATOR_ANONYMOUS_KEYS="true",
                MODQ_MODERATOR_KEYS="%s,%s" % (mod_keys_setting(), ANON_KEY))
ANON_WARNING = "moderator_anonymous_keys is on: 1 moderator key(s) without a name"


def mismatch(r):
    assert r.status == 403, r
    err = r.json["error"]
    assert err["code"] == "moderator_mismatch" and err["field"] == "moderator", r
    assert MOD_NAME in err["message"], r


def nothing_decided_or_held(m):
    """c0..c5 and contact1 pending, unclaimed, and no decision in the audit."""
    items = review(m, "?site=s1")["items"]
    assert len(items) == 7 and all(i["claim"] is None for i in items), items
    assert all(i["comment"]["decision"] is None for i in items), items
    assert audit(m, "?site=s1")["entries"] == []


def test_named_key_claims_decides_and_releases_as_its_name(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        ids = seed_claimable(m)
        # no name in the body: the key's
        r = m.request("POST", "/v1/review/claim", {"site": "s1", "limit": 3}, key=MOD_KEY)
        assert r.status == 200 and r.json["moderator"] == MOD_NAME, r
        assert [(i["id"], i["claim"]["by"]) for i in r.json["items"]] == \
            [(i, MOD_NAME) for i in ids[:3]], r.json
        listed = {i["id"]: i["claim"] for i in review(m, "?site=s1")["items"]}
        assert [listed[i]["by"] for i in ids[:3]] == [MOD_NAME] * 3, listed
        # her own name in the body is accepted the same
        d = decide(m, "s1", ids[0], "reject", moderator=MOD_NAME, note="promo")
        assert d.status == 200 and d.json["decision"]["by"] == MOD_NAME, d
        d = decide(m, "s1", ids[1], "approve", moderator=None)
        assert d.status == 200 and d.json["decision"]["by"] == MOD_NAME, d
        r = m.request("POST", "/v1/review/decisions",
                      {"decisions": [{"site": "s1", "id": ids[3], "decision": "reject"}]},
                      key=MOD_KEY)
        assert r.status == 200 and r.json["moderator"] == MOD_NAME, r
        assert [x["status"] for x in r.json["results"]] == [200], r
        r = m.request("POST", "/v1/review/release", {"site": "s1", "ids": [ids[2]]}, key=MOD_KEY)
        assert r.status == 200 and r.json["moderator"] == MOD_NAME, r
        assert r.json["released"] == [ids[2]], r
        e = audit(m, "?site=s1")["entries"]
        assert [(x["comment_id"], x["decision"], x["moderator"]) for x in e] == [
            (ids[0], "reject", MOD_NAME), (ids[1], "approve", MOD_NAME),
            (ids[3], "reject", MOD_NAME)], e


# Each review request naming noah, sent with mia's key.
NAMING_NOAH = [
    ("/v1/review/claim", {"moderator": "noah", "site": "s1"}),
    ("/v1/review/claim", {"moderator": "", "site": "s1"}),
    ("/v1/review/release", {"moderator": "noah", "site": "s1", "ids": ["c0"]}),
    ("/v1/sites/s1/comments/c0/decision", {"moderator": "noah", "decision": "approve"}),
    ("/v1/sites/s1/comments/c0/decision", {"moderator": "MIA", "decision": "approve"}),
    ("/v1/review/decisions", {"moderator": "noah",
                              "decisions": [{"site": "s1", "id": "c0", "decision": "approve"}]}),
]


def test_naming_another_moderator_is_403_moderator_mismatch(binary):
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_claimable(m)
        for path, body in NAMING_NOAH:
            mismatch(m.request("POST", path, body, key=MOD_KEY))
        nothing_decided_or_held(m)
        # inside a bulk request: that item is refused, the others go through
        r = m.request("POST", "/v1/review/decisions", {"decisions": [
            {"site": "s1", "id": "c0", "decision": "approve", "moderator": "noah"},
            {"site": "s1", "id": "c1", "decision": "reject", "moderator": MOD_NAME},
            {"site": "s1", "id": "c2", "decision": "reject"}]}, key=MOD_KEY)
        assert r.status == 200 and [x["status"] for x in r.json["results"]] == [403, 200, 200], r
        assert r.json["results"][0]["error"]["code"] == "moderator_mismatch", r
        e = audit(m, "?site=s1")["entries"]
        assert [(x["comment_id"], x["moderator"]) for x in e] == \
            [("c1", MOD_NAME), ("c2", MOD_NAME)], e
        c0 = m.request("GET", "/v1/sites/s1/comments/c0").json
        assert c0["status"] == "pending" and c0["decision"] is None, c0


def test_a_key_cannot_decide_what_another_key_holds(binary):
    """alice's lease holds against bob's key, whether bob names himself,
    nobody or alice."""
    with Env(binary, extra_env=LOW) as env:
        m = env.modq
        seed_claimable(m)
        r = m.request("POST", "/v1/review/claim", {"site": "s1", "limit": 1},
                      key=mod_key("alice"))
        assert r.status == 200 and [i["id"] for i in r.json["items"]] == ["c0"], r
        bob = mod_key("bob")
        r = decide(m, "s1", "c0", "approve", moderator="alice", key=bob)
        assert r.status == 403 and r.json["error"]["code"] == "moderator_mismatch", r
        assert "bob" in r.json["error"]["message"], r
        for who in ("bob", None):
            r = decide(m, "s1", "c0", "approve", moderator=who, key=bob)
            assert r.status == 409 and r.json["error"]["code"] == "lease_held", r
            assert "alice" in r.json["error"]["message"], r
        r = m.request("POST", "/v1/review/release", {"site": "s1", "ids": ["c0"]}, key=bob)
        assert r.status == 200 and r.json["not_held"] == ["c0"], r
        r = m.request("POST", "/v1/review/release",
                      {"moderator": "alice", "site": "s1", "ids": ["c0"]}, key=bob)
        assert r.status == 403 and r.json["error"]["code"] == "moderator_mismatch", r
        assert audit(m, "?site=s1")["entries"] == []
        assert review(m, "?site=s1")["items"][0]["claim"]["by"] == "alice"
        r = decide(m, "s1", "c0", "reject", moderator=None, key=mod_key("alice"))
        assert r.status == 200 and r.json["decision"]["by"] == "alice", r
        e = audit(m, "?site=s1")["entries"]
        assert [(x["comment_id"], x["moderator"]) for x in e] == [("c0", "alice")], e


# (moderator_keys entry, key presented, expected whoami)
WHOAMI = [
    ("mia:" + MOD_KEY, MOD_KEY,
     {"moderator": "mia", "site": None, "sites": None, "anonymous": False}),
    ("sam:scoped-moderator-key-0123456789@s2", "scoped-moderator-key-0123456789",
     {"moderator": "sam", "site": "s2", "sites": ["s2"], "anonymous": False}),
    ("kim.o-2_x:sha256:%s@s1|s2" % hashlib.sha256(b"hashed-moderator-key-42").hexdigest(),
     "hashed-moderator-key-42",
     {"moderator": "kim.o-2_x", "site": "s1|s2", "sites": ["s1", "s2"], "anonymous": False}),
    (ANON_KEY, ANON_KEY, {"moderator": None, "site": None, "sites": None, "anonymous": True}),
]


def test_whoami_tells_named_scoped_and_anonymous_keys(binary):
    keys = ",".join(entry for entry, _, _ in WHOAMI)
    with Env(binary, extra_env=dict(MODQ_MODERATOR_KEYS=keys,
                                    MODQ_MODERATOR_ANONYMOUS_KEYS="on")) as env:
        m = env.modq
        for _, key, want in WHOAMI:
            r = m.request("GET", "/v1/review/whoami", key=key)
            assert r.status == 200 and r.json == want, (key, r)
        r = m.request("GET", "/v1/review/whoami", key=CLIENT_KEY)
        assert r.status == 403 and r.json["error"]["code"] == "forbidden", r
        assert m.request("GET", "/v1/review/whoami", key=None).status == 401
        assert m.request("GET", "/v1/review/whoami", key="not-a-key-0123456789").status == 401


def test_anonymous_keys_name_whoever_the_request_names(binary):
    with Env(binary, extra_env=ANON_ENV) as env:
        m = env.modq
        assert ANON_WARNING in m.log(), m.log()
        ids = seed_claimable(m)
        r = m.request("POST", "/v1/review/claim", {"moderator": "Free Text", "site": "s1",
                                                   "limit": 1}, key=ANON_KEY)
        assert r.status == 200 and r.json["items"][0]["claim"]["by"] == "Free Text", r
        r = decide(m, "s1", ids[0], "approve", moderator="Free Text", key=ANON_KEY)
        assert r.status == 200 and r.json["decision"]["by"] == "Free Text", r
        r = decide(m, "s1", ids[1], "reject", moderator="anyone", key=ANON_KEY)
        assert r.status == 200 and r.json["decision"]["by"] == "anyone", r
        e = audit(m, "?site=s1")["entries"]
        assert [x["moderator"] for x in e] == ["Free Text", "anyone"], e
        # a named key in the same configuration is still bound to its name
        mismatch(decide(m, "s1", ids[2], "approve", moderator="anyone", key=MOD_KEY))


def test_anonymous_key_requests_must_name_a_moderator(binary):
    with Env(binary, extra_env=ANON_ENV) as env:
        m = env.modq
        two_sites(m)
        for method, path, body, field in BAD_ANONYMOUS_NAMES:
            r = m.request(method, path, body, key=ANON_KEY)
            assert r.status == 422 and r.json["error"]["field"] == field, (path, body, r)
        untouched(m)


def start_fails(binary, **env):
    """Runs modq with env (no Redis needed: the keys are read first);
    returns its stderr after asserting it exited non-zero."""
    full = dict(os.environ, MODQ_CLIENT_KEYS=CLIENT_KEY, **env)
    p = subprocess.run([binary], env=full, capture_output=True, text=True, timeout=20)
    assert p.returncode != 0, (env, p)
    return p.stderr


def test_unnamed_key_is_a_start_error_without_the_setting(binary):
    for setting in (None, "false", "off"):
        env = {"MODQ_MODERATOR_KEYS": "mia:%s,%s" % (MOD_KEY, ANON_KEY)}
        if setting:
            env["MODQ_MODERATOR_ANONYMOUS_KEYS"] = setting
        err = start_fails(binary, **env)
        assert "moderator_keys: key #2 has no name" in err, err
        assert "NAME:KEY" in err and "moderator_anonymous_keys" in err, err
        assert ANON_KEY not in err and MOD_KEY not in err, err
    err = start_fails(binary, MODQ_MODERATOR_KEYS=ANON_KEY, MODQ_MODERATOR_ANONYMOUS_KEYS="maybe")
    assert "moderator_anonymous_keys" in err and "not true or false" in err, err
    # with it on, the same keys start (and warn)
    with Env(binary, extra_env=ANON_ENV) as env:
        assert ANON_WARNING in env.modq.log(), env.modq.log()
        r = env.modq.request("GET", "/v1/review/whoami", key=ANON_KEY)
        assert r.status == 200 and r.json["anonymous"] is True, r


# (moderator_keys, what the start error says); none of them echoes a key.
MALFORMED = [
    ("mia:" + MOD_KEY + ",no body:" + mod_key("x"), "moderator_keys: entry #2: the name"),
    (":" + MOD_KEY, "moderator_keys: entry #1: the name"),
    ("m/a:" + MOD_KEY, "moderator_keys: entry #1: the name"),
    ("n" * 65 + ":" + MOD_KEY, "moderator_keys: entry #1: the name"),
    ("mia:short", "moderator_keys: key #1 must be 16..256 characters"),
    ("mia:sha256:abc", "moderator_keys: key #1: sha256: needs 64 hex digits"),
    ("mia:" + MOD_KEY + "@" + "|".join("s%d" % i for i in range(17)),
     "moderator_keys: key #1 has too many or too long site scopes"),
]


def test_malformed_moderator_keys_are_refused_at_start(binary):
    for keys, says in MALFORMED:
        err = start_fails(binary, MODQ_MODERATOR_KEYS=keys, MODQ_MODERATOR_ANONYMOUS_KEYS="true")
        assert says in err, (keys, err)
        assert MOD_KEY not in err and "short" not in err, err

