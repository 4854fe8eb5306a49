"""test_coral.py - Coral Talk's external moderation phase against the real
binary: signature checks (tests/fixtures/coral_request.json holds a request
exactly as Coral serialises and signs it), the verdict mapping, queueing and
the bearer-key mode used when coral_secret is not configured."""
import copy
import hashlib
import hmac
import json
import os

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


def queued(env, site=SITE):
    return env.redis.cli("ZRANGE", "modq:{%s}:pending" % site, 0, -1).split()


def test_coral_fixture_is_consistent(binary):
    del binary  # checks the fixture itself, independently of modq
    body = FX["body"].encode()
    assert json.loads(body) == FX["request"]
    assert json.dumps(FX["request"], indent=2) == FX["body"]  # JSON.stringify(x, null, 2)
    assert FX["signature"] == sign(body)
    assert FX["signature_invalid"] != FX["signature"]
    assert FX["signature_rotating"].split(",")[1] == FX["signature"]


def test_coral_signed(binary):
    body = FX["body"].encode()
    with Env(binary, ENV) as env:
        m = env.modq
        r = m.request("PUT", "/v1/sites/%s/articles/drought" % SITE, ARTICLE)
        assert r.status == 201, r
        # signature problems: 401 before anything is parsed or stored
        for sig in (None, FX["signature_invalid"], "sha256=zz", "md5=abc", ""):
            r = send(m, body, sig)
            assert r.status == 401 and r.json["error"]["code"] == "unauthorized", (sig, r)
        r = send(m, body.replace(b"refund", b"rebate"), FX["signature"])  # tampered body
        assert r.status == 401, r
        assert queued(env) == [], "401s must not queue anything"
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
        assert queued(env) == [cid]
        got = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, cid))
        assert got.status == 200, got
        assert got.json["article_id"] == "drought", got.json  # story.url -> article
        assert got.json["author"]["name"] == FX["request"]["author"]["id"]
        assert got.json["status"] == "pending"
        # Coral re-sending the same request (rotating secrets: two signatures)
        r = send(m, body, FX["signature_rotating"])
        assert r.status == 200 and r.json["metadata"]["modq"]["id"] == cid, r
        assert queued(env) == [cid]
        # an on-topic comment: 204, no body (Coral continues its pipeline)
        ham = {"body": "Rationing is overdue, but the council must also repair the leaking "
                       "pipes that lose so much treated water.", "parentID": None}
        b = request_with(comment=ham)
        r = send(m, b, sign(b))
        assert r.status == 204 and r.raw == b"", r
        # a reply (EDIT) with a banned word: rejected, not queued
        spam = {"body": "buyviagranow cheapest pills", "parentID": "d79b787f-f406-49a0"}
        b = request_with(comment=spam, action="EDIT")
        r = send(m, b, sign(b))
        assert r.status == 200 and r.json["status"] == "REJECTED", r
        reasons = [a["reason"] for a in r.json["actions"]]
        assert "COMMENT_DETECTED_BANNED_WORD" in reasons, reasons
        assert len(reasons) == len(set(reasons))
        rej = m.request("GET", "/v1/sites/%s/comments/%s" % (SITE, r.json["metadata"]["modq"]["id"]))
        assert rej.json["status"] == "rejected" and rej.json["parent_id"] == spam["parentID"], rej
        assert queued(env) == [cid]
        # staff are not analysed
        b = request_with(author={"id": "staff-1", "role": "MODERATOR"},
                         comment={"body": "buyviagranow", "parentID": None})
        r = send(m, b, sign(b))
        assert r.status == 204, r
        # the documented older shape (tenantID/tenantDomain, no site) and a
        # ?site= override on the callback URL
        old = request_with(tenant=None, site=None,
                           comment={"body": "Can I ask for a refund of the fine?", "parentID": None})
        old = json.loads(old)
        old.update({"tenantID": "tenant-7", "tenantDomain": "localhost"})
        b = json.dumps(old, indent=2).encode()
        r = send(m, b, sign(b))
        assert r.status == 200 and r.json["metadata"]["modq"]["site"] == "tenant-7", r
        r = send(m, b, sign(b), query="?site=news")
        assert r.status == 200 and r.json["metadata"]["modq"]["site"] == "news", r
        assert len(queued(env, "news")) == 1 and len(queued(env, "tenant-7")) == 1
        # malformed or incomplete requests (validly signed) -> 4xx JSON
        for b, code in ((b"{not json", 400), (b"[]", 422),
                        (request_with(action="DELETE"), 422),
                        (request_with(comment={"parentID": None}), 422),
                        (request_with(story={"url": STORY_URL}), 422),
                        (request_with(site={"id": "bad site/id"}), 422)):
            r = send(m, b, sign(b))
            assert r.status == code and r.json["error"], (b[:40], r)
        r = send(m, body, FX["signature"], ctype="text/plain")
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
        assert len(queued(env)) == 1 and len(queued(env, "news")) == 1
