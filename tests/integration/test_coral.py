"""test_coral.py - Coral Talk's external moderation phase against the real
binary: signature checks (tests/fixtures/coral_request.json holds a request
exactly as Coral serialises and signs it), the verdict mapping, queueing and
the bearer-key mode used when coral_secret is not configured."""
import copy
import hashlib
import hmac
import json
import os
import time

from harness import CLIENT_KEY, Env

HERE = os.path.dirname(os.path.abspath(__file__))
FX = json.load(open(os.path.join(HERE, "..", "fixtures", "coral_request.json")))
SITE = FX["request"]["site"]["id"]
STORY_URL = FX["request"]["story"]["url"]
PATH = "/v1/integrations/coral"
ARTICLE = {"title": "Drought forces city to ration water as reservoirs fall to record lows",
           "body": "The city council voted to introduce water rationing after the two main "
                   "reservoirs dropped below twenty percent of capacity. Households will pay "
                   "fines above their allowance and the water meter installation fee rises.",
           "url": STORY_URL, "tags": ["drought", "water"]}
ENV = {"MODQ_CORAL_SECRET": FX["secret"], "MODQ_SUSPECT_WORDS": "refund",
       "MODQ_BANNED_WORDS": "viagra"}


def sign(body, secret=FX["secret"]):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send(m, body, sig=None, key=None, query="", ctype="application/json"):
    headers = {"X-Coral-Signature": sig} if sig else None
    return m.request("POST", PATH + query, raw=body, key=key, headers=headers,
                     content_type=ctype)


def request_with(**changes):
    """The fixture request with some parts replaced, serialised like Coral."""
    r = copy.deepcopy(FX["request"])
    for k, v in changes.items():
        if v is None:
            r.pop(k, None)
        else:
            r[k] = v
    return json.dumps(r, indent=2).encode()


def coral_env(binary):
    """An Env for the signed mode, with the story's article registered."""
    env = Env(binary, ENV)
    try:
        r = env.modq.request("PUT", "/v1/sites/%s/articles/drought" % SITE, ARTICLE)
        assert r.status == 201, r
    except BaseException:
        env.close()
        raise
    return env


def test_coral_fixture_is_consistent(binary):
    del binary  # checks the fixture itself, independently of modq
    body = FX["body"].encode()
    assert json.loads(body) == FX["request"]
    assert json.dumps(FX["request"], indent=2) == FX["body"]  # JSON.stringify(x, null, 2)
    assert FX["signature"] == sign(body)
    assert FX["signature_invalid"] != FX["signature"]
    assert FX["signature_rotating"].split(",")[1] == FX["signature"]


def test_bad_signature_is_401_and_queues_nothing(binary):
    body = FX["body"].encode()
    with coral_env(binary) as env:
        m = env.modq
        # signature problems: 401 before anything is parsed or stored
        for sig in (None, FX["signature_invalid"], "sha256=zz", "md5=abc", ""):
            r = send(m, body, sig)
            assert r.status == 401 and r.json["error"]["code"] == "unauthorized", (sig, r)
        r = send(m, body.replace(b"refund", b"rebate"), FX["signature"])  # tampered body
        assert r.status == 401, r
        assert m.queue(SITE) == [], "401s must not queue anything"


def test_suspect_comment_is_withheld_flagged_and_queued(binary):
    body = FX["body"].encode()
    with coral_env(binary) as env:
        m = env.modq
        r = send(m, body, FX["signature"], key=CLIENT_KEY.replace("test", "nope"))
        assert r.status == 200, r  # a stray Authorization header changes nothing
        # the fixture: a question about a refund -> withheld, flagged, queued
        out = r.json
        assert out["status"] == "SYSTEM_WITHHELD", out
        assert {"actionType": "FLAG", "reason": "COMMENT_DETECTED_SUSPECT_WORD",
                "additionalDetails": "modq: suspect_word"} in out["actions"], out
        assert all(a["actionType"] == "FLAG" for a in out["actions"])
        mq = out["metadata"]["modq"]
        assert mq["status"] == "pending" and mq["site"] == SITE, mq
        cid = mq["id"]
        assert cid.startswith("coral-") and len(cid) == 38, cid
        assert m.queue(SITE) == [cid]
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, cid))
        assert got.status == 200, got
        assert got.json["article_id"] == "drought", got.json  # story.url -> article
        assert got.json["author"]["name"] == FX["request"]["author"]["id"]
        assert got.json["status"] == "pending"


def test_resent_request_is_the_same_comment(binary):
    """Coral re-sending the same request (rotating secrets: two signatures)."""
    body = FX["body"].encode()
    with coral_env(binary) as env:
        m = env.modq
        cid = send(m, body, FX["signature"]).json["metadata"]["modq"]["id"]
        r = send(m, body, FX["signature_rotating"])
        assert r.status == 200 and r.json["metadata"]["modq"]["id"] == cid, r
        assert m.queue(SITE) == [cid]


def test_on_topic_comment_is_204_without_body(binary):
    """Coral continues its pipeline."""
    with coral_env(binary) as env:
        ham = {"body": "Rationing is overdue, but the council must also repair the leaking "
                       "pipes that lose so much treated water.", "parentID": None}
        b = request_with(comment=ham)
        r = send(env.modq, b, sign(b))
        assert r.status == 204 and r.raw == b"", r


def test_banned_word_in_an_edited_reply_is_rejected_not_queued(binary):
    with coral_env(binary) as env:
        m = env.modq
        spam = {"body": "buyviagranow cheapest pills", "parentID": "d79b787f-f406-49a0"}
        b = request_with(comment=spam, action="EDIT")
        r = send(m, b, sign(b))
        assert r.status == 200 and r.json["status"] == "REJECTED", r
        reasons = [a["reason"] for a in r.json["actions"]]
        assert "COMMENT_DETECTED_BANNED_WORD" in reasons, reasons
        assert len(reasons) == len(set(reasons))
        rej = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, r.json["metadata"]["modq"]["id"]))
        assert rej.json["status"] == "rejected" and rej.json["parent_id"] == spam["parentID"], rej
        assert m.queue(SITE) == []


def test_staff_comments_are_not_analysed(binary):
    with coral_env(binary) as env:
        b = request_with(author={"id": "staff-1", "role": "MODERATOR"},
                         comment={"body": "buyviagranow", "parentID": None})
        r = send(env.modq, b, sign(b))
        assert r.status == 204, r


def test_older_request_shape_and_signed_site_binding(binary):
    """The documented older shape (tenantID/tenantDomain, no site); signed,
    the site comes from the body only: a ?site= that names it is fine, one
    that names another site is 403 and stores nothing there."""
    with coral_env(binary) as env:
        m = env.modq
        old = request_with(tenant=None, site=None,
                           comment={"body": "Can I ask for a refund of the fine?", "parentID": None})
        old = json.loads(old)
        old.update({"tenantID": "tenant-7", "tenantDomain": "localhost"})
        b = json.dumps(old, indent=2).encode()
        r = send(m, b, sign(b))
        assert r.status == 200 and r.json["metadata"]["modq"]["site"] == "tenant-7", r
        r = send(m, b, sign(b), query="?site=tenant-7")
        assert r.status == 200 and r.json["metadata"]["modq"]["site"] == "tenant-7", r
        body = FX["body"].encode()
        for query, status in (("?site=news", 403), ("?site=tenant-7", 403),
                              ("?site=" + SITE, 200), ("?site=", 200)):
            r = send(m, body, FX["signature"], query=query)
            assert r.status == status, (query, r)
            if status == 403:
                assert r.json["error"]["code"] == "forbidden", r
            else:
                assert r.json["metadata"]["modq"]["site"] == SITE, r
        r = send(m, b, sign(b), query="?site=news")
        assert r.status == 403, r
        assert len(m.queue("news")) == 0 and len(m.queue("tenant-7")) == 1
        assert len(m.queue(SITE)) == 1


def sign_at(body, t, secret=FX["secret"]):
    mac = hmac.new(secret.encode(), b"%d." % t + body, hashlib.sha256).hexdigest()
    return "t=%d,sha256=%s" % (t, mac)


def test_timestamped_signature_window_and_replay(binary):
    """t=<unix s> in X-Coral-Signature signs "<t>.<body>": accepted within
    coral_replay_window (300 s) of modq's clock, once; a replay, a stale or
    future t, a t moved without re-signing and a body-only MAC under t= are
    401 and store nothing."""
    with coral_env(binary) as env:
        m = env.modq
        body = FX["body"].encode()
        now = int(time.time())
        fresh = sign_at(body, now)
        r = send(m, body, fresh)
        assert r.status == 200 and r.json["status"] == "SYSTEM_WITHHELD", r
        cid = r.json["metadata"]["modq"]["id"]
        mac = fresh.split("sha256=")[1]
        cases = [("replayed", fresh),
                 ("replayed, upper-case hex", "t=%d,sha256=%s" % (now, mac.upper())),
                 ("stale", sign_at(body, now - 400)),
                 ("future", sign_at(body, now + 400)),
                 ("t moved", "t=%d,sha256=%s" % (now - 1, mac)),
                 ("body-only MAC under t=", "t=%d,%s" % (now, FX["signature"])),
                 ("t not a number", "t=12x,sha256=%s" % mac)]
        for name, sig in cases:
            r = send(m, body, sig)
            assert r.status == 401 and r.json["error"]["code"] == "unauthorized", (name, r)
        # within the window, another signature (a retry re-signed) is new
        r = send(m, body, sign_at(body, now - 200))
        assert r.status == 200 and r.json["metadata"]["modq"]["id"] == cid, r
        assert len(m.queue(SITE)) == 1
        # the replay marker lives in Redis, named by the MAC, with an expiry
        keys = env.redis.cli("--scan", "--pattern", "modq:once:coral:*").split()
        assert len(keys) == 2, keys
        ttl = int(env.redis.cli("TTL", keys[0]))
        assert 0 < ttl <= 600, ttl


def test_timestamp_required(binary):
    """coral_require_timestamp 1: a body-only signature (valid) is 401, a
    timestamped one is served; coral_replay_window is a setting."""
    env_ = dict(ENV, MODQ_CORAL_REQUIRE_TIMESTAMP="1", MODQ_CORAL_REPLAY_WINDOW="10")
    with Env(binary, env_) as env:
        m = env.modq
        body = FX["body"].encode()
        r = send(m, body, FX["signature"])
        assert r.status == 401 and "t=" in r.json["error"]["message"], r
        r = send(m, body, sign_at(body, int(time.time()) - 30))     # outside 10 s
        assert r.status == 401, r
        r = send(m, body, sign_at(body, int(time.time()) - 5))
        assert r.status == 200, r


def test_malformed_signed_request_is_4xx(binary):
    with coral_env(binary) as env:
        m = env.modq
        for b, code in ((b"{not json", 400), (b"[]", 422),
                        (request_with(action="DELETE"), 422),
                        (request_with(comment={"parentID": None}), 422),
                        (request_with(story={"url": STORY_URL}), 422),
                        (request_with(site={"id": "bad site/id"}), 422)):
            r = send(m, b, sign(b))
            assert r.status == code and r.json["error"], (b[:40], r)
        r = send(m, FX["body"].encode(), FX["signature"], ctype="text/plain")
        assert r.status == 415, r


def test_coral_bearer_without_secret(binary):
    body = FX["body"].encode()
    scoped = "scoped-client-key-0123456789"
    env_vars = {"MODQ_SUSPECT_WORDS": "refund",
                "MODQ_CLIENT_KEYS": "%s,%s@news" % (CLIENT_KEY, scoped)}
    with Env(binary, env_vars) as env:
        m = env.modq
        r = send(m, body, FX["signature"])  # a signature is no credential here
        assert r.status == 401 and "Bearer" in r.headers.get("WWW-Authenticate", ""), r
        r = send(m, body, key="wrong-key-wrong-key-wrong")
        assert r.status == 401, r
        r = send(m, body, key=scoped)
        assert r.status == 403, r
        r = send(m, body, key=scoped, query="?site=news")
        assert r.status == 200 and r.json["status"] == "SYSTEM_WITHHELD", r
        r = send(m, body, key=CLIENT_KEY)
        assert r.status == 200 and r.json["metadata"]["modq"]["site"] == SITE, r
        assert len(m.queue(SITE)) == 1 and len(m.queue("news")) == 1


def test_a_site_with_its_own_secret_refuses_the_global_one(binary):
    """A site's settings may hold its own coral_secret: requests naming that
    site must be signed with it (coral_secret, the global one, then fails);
    other sites keep the global one. The secret is never shown back."""
    own = "site-own-coral-secret-0123456789"
    env = coral_env(binary)
    try:
        m = env.modq
        r = m.request("PUT", "/v1/sites/%s/settings" % SITE, {"coral_secret": "short"})
        assert r.status == 422 and r.json["error"]["field"] == "coral_secret", r
        r = m.request("PUT", "/v1/sites/%s/settings" % SITE, {"coral_secret": own})
        assert r.status == 200, r
        shown = r.json["settings"]["coral_secret"]
        assert shown == {"value": "(set)", "source": "site", "key": "coral_secret"}, shown
        assert own not in json.dumps(r.json)
        g = m.request("GET", "/v1/sites/%s/settings" % SITE)
        assert own not in json.dumps(g.json) and g.json["settings"]["coral_secret"]["source"] == "site"
        body = request_with()
        assert send(m, body, sign(body)).status == 401          # the global secret
        r = send(m, body, sign(body, own))
        assert r.status in (200, 204), r                          # the site's own
        other = request_with(site={"id": "other-site"})
        assert send(m, other, sign(other, own)).status == 401   # not another site's
        assert send(m, other, sign(other)).status in (200, 204)  # which keeps the global
        # back to the global secret
        r = m.request("PUT", "/v1/sites/%s/settings" % SITE, {"coral_secret": None})
        assert r.status == 200 and r.json["settings"]["coral_secret"]["source"] != "site", r
        fresh = request_with(comment=dict(FX["request"]["comment"], id="c-after-reset"))
        assert send(m, fresh, sign(fresh)).status in (200, 204)
    finally:
        env.close()
