"""test_settings.py - per-site settings: GET /v1/sites/{site}/settings shows
the effective values with their sources, PUT changes them for one site
only, validated, audited, and seen at once by every instance on the Redis.
"""
import json

from harness import CLIENT_KEY, MOD_KEY, Env

SCOPED = "scoped-client-key-0123456789"
KEYS_ENV = {"MODQ_CLIENT_KEYS": "%s,%s@siteA" % (CLIENT_KEY, SCOPED)}


def settings(m, site, key=CLIENT_KEY):
    return m.request("GET", "/v1/sites/%s/settings" % site, key=key)


def put(m, site, body, key=CLIENT_KEY):
    return m.request("PUT", "/v1/sites/%s/settings" % site, body, key=key)


def post(m, site, cid, text, name="Jo", aid="art1"):
    r = m.request("POST", "/v1/sites/%s/comments" % site,
                  {"id": cid, "article_id": aid, "text": text, "author": {"name": name}})
    assert r.status == 201, (r.status, r.json)
    return r.json


def codes(verdict):
    return [f["code"] for f in verdict["flags"]]


def leaf(view, *path):
    x = view["settings"]
    for p in path:
        x = x[p]
    return x["value"], x["source"]


# ------------------------------------------------------------------ GET

def test_get_shows_defaults_file_values_and_sources(binary):
    env_cfg = {"MODQ_THRESHOLD_REJECT": "0.85", "MODQ_BANNED_WORDS": "zorblax",
               "MODQ_WEIGHT_SHOUTING": "0.5", "MODQ_DETECTORS_DISABLED": "profanity"}
    with Env(binary, env_cfg) as env:
        r = settings(env.modq, "s1")
        assert r.status == 200
        v = r.json
        assert v["site"] == "s1" and v["version"] == 0
        expect = [
            (("thresholds", "pending"), 0.5, "default"),
            (("thresholds", "rejected"), 0.85, "file"),
            (("banned_words",), ["zorblax"], "file"),
            (("suspect_words",), [], "default"),
            (("domain_allow",), [], "default"),
            (("domain_block",), [], "default"),
            (("flood", "max"), 20, "default"),
            (("flood", "window"), 600, "default"),
            (("detectors", "shouting", "weight"), 0.5, "file"),
            (("detectors", "shouting", "enabled"), True, "default"),
            (("detectors", "profanity", "enabled"), False, "file"),
            (("detectors", "threat", "weight"), 1.0, "default"),
            (("learning",), True, "default"),
            (("abuse_severe_rejects",), False, "default"),
        ]
        for path, value, source in expect:
            assert leaf(v, *path) == (value, source), (path, leaf(v, *path))
        keys = {("thresholds", "pending"): "threshold_pending",
                ("thresholds", "rejected"): "threshold_reject",
                ("flood", "window"): "flood_window",
                ("domain_block",): "domain_block"}
        for path, k in keys.items():
            x = v["settings"]
            for p in path:
                x = x[p]
            assert x["key"] == k
        # every detector of the registry is listed
        listed = set(v["settings"]["detectors"])
        registry = {d["code"] for d in env.modq.request("GET", "/v1/detectors").json["detectors"]}
        assert listed == registry


def test_put_answers_the_effective_settings_with_site_sources(binary):
    with Env(binary) as env:
        m = env.modq
        r = put(m, "s1", {"thresholds": {"pending": 0.3}, "suspect_words": ["Crypto", "moon"],
                          "detectors": {"shouting": {"weight": 0.25}}, "learning": False})
        assert r.status == 200, r.json
        v = r.json
        assert v["version"] > 0
        assert leaf(v, "thresholds", "pending") == (0.3, "site")
        assert leaf(v, "thresholds", "rejected") == (0.9, "default")
        assert leaf(v, "suspect_words") == (["crypto", "moon"], "site")
        assert leaf(v, "detectors", "shouting", "weight") == (0.25, "site")
        assert leaf(v, "detectors", "shouting", "enabled") == (True, "default")
        assert leaf(v, "learning") == (False, "site")
        # a partial update keeps what it does not name
        r2 = put(m, "s1", {"flood": {"max": 3}})
        assert r2.status == 200 and r2.json["version"] != v["version"]
        assert leaf(r2.json, "thresholds", "pending") == (0.3, "site")
        assert leaf(r2.json, "flood", "max") == (3, "site")
        assert leaf(r2.json, "flood", "window") == (600, "default")
        assert settings(m, "s1").json == r2.json
        # another site is untouched
        other = settings(m, "s2").json
        assert leaf(other, "thresholds", "pending") == (0.5, "default")
        assert other["version"] == 0


def test_null_resets_to_file_or_default(binary):
    with Env(binary, {"MODQ_FLOOD_MAX": "7"}) as env:
        m = env.modq
        assert put(m, "s1", {"thresholds": {"pending": 0.3, "rejected": 0.8},
                             "flood": {"max": 2, "window": 60},
                             "detectors": {"threat": {"weight": 0.5, "enabled": False},
                                           "insult": {"enabled": False}},
                             "banned_words": ["zorblax"]}).status == 200
        r = put(m, "s1", {"thresholds": {"rejected": None}, "flood": None,
                          "detectors": {"threat": {"enabled": None}, "insult": None},
                          "banned_words": None})
        assert r.status == 200, r.json
        v = r.json
        assert leaf(v, "thresholds", "pending") == (0.3, "site")
        assert leaf(v, "thresholds", "rejected") == (0.9, "default")
        assert leaf(v, "flood", "max") == (7, "file")
        assert leaf(v, "flood", "window") == (600, "default")
        assert leaf(v, "detectors", "threat", "weight") == (0.5, "site")
        assert leaf(v, "detectors", "threat", "enabled") == (True, "default")
        assert leaf(v, "detectors", "insult", "enabled") == (True, "default")
        assert leaf(v, "banned_words") == ([], "default")
        # all reset: nothing stored for the site, the version still moves on
        r = put(m, "s1", {"thresholds": None, "detectors": None})
        assert r.status == 200 and r.json["version"] != v["version"]
        assert env.redis.cli("EXISTS", "modq:{s1}:settings") == "0"
        assert all(s != "site" for s in json.dumps(r.json).split('"source": ')[1:]
                   if s.startswith('"site"'))


# ------------------------------------------------------------- scoring

def test_thresholds_change_a_verdict_for_that_site_only(binary):
    """A suspect word is a reason for review (pending at the default 0.5);
    a site that raises its pending threshold above the flag lets it
    through, another site still queues it."""
    texts = ["Has anyone here bought crypto through the council pension scheme before?",
             "My neighbour says crypto paid for his new roof, which I find hard to believe.",
             "Would the library run an evening class on crypto wallets for older readers?"]
    with Env(binary, {"MODQ_SUSPECT_WORDS": "crypto"}) as env:
        m = env.modq
        before = post(m, "siteA", "c0", texts[0])
        assert before["status"] == "pending" and codes(before) == ["suspect_word"]
        score = before["score"]
        assert put(m, "siteA", {"thresholds": {"pending": round(score + 0.05, 3),
                                               "rejected": 0.95}}).status == 200
        a = post(m, "siteA", "c1", texts[1], name="Kim")
        b = post(m, "siteB", "c1", texts[1], name="Kim")
        assert a["status"] == "approved" and codes(a) == ["suspect_word"]
        assert b["status"] == "pending" and a["score"] == b["score"] == score
        # lowering it below the score again queues it on siteA too
        assert put(m, "siteA", {"thresholds": {"pending": 0.2}}).status == 200
        assert post(m, "siteA", "c2", texts[2], name="Lee")["status"] == "pending"


def test_banned_word_of_one_site_flags_there_only(binary):
    text = "I think zorblax would be a fine name for the new library branch"
    with Env(binary) as env:
        m = env.modq
        assert "banned_word" not in codes(post(m, "siteA", "c0", text))
        assert put(m, "siteA", {"banned_words": ["Zorblax"]}).status == 200
        a = post(m, "siteA", "c1", text, name="Kim")
        b = post(m, "siteB", "c1", text, name="Kim")
        assert "banned_word" in codes(a) and a["status"] == "rejected"
        assert "banned_word" not in codes(b) and b["status"] == "approved"


def test_site_word_list_replaces_the_file_list(binary):
    text = "I think zorblax would be a fine name for the new library branch"
    with Env(binary, {"MODQ_BANNED_WORDS": "zorblax"}) as env:
        m = env.modq
        assert "banned_word" in codes(post(m, "siteA", "c0", text))
        assert put(m, "siteA", {"banned_words": ["quibbleflux"]}).status == 200
        assert "banned_word" not in codes(post(m, "siteA", "c1", text, name="Kim"))
        assert "banned_word" in codes(post(m, "siteB", "c1", text, name="Kim"))


def test_disabled_detector_leaves_that_sites_flags(binary):
    text = "ok"  # short: low_content
    with Env(binary) as env:
        m = env.modq
        assert "low_content" in codes(post(m, "siteA", "c0", text))
        assert put(m, "siteA", {"detectors": {"low_content": {"enabled": False}}}).status == 200
        assert "low_content" not in codes(post(m, "siteA", "c1", text, name="Kim"))
        assert "low_content" in codes(post(m, "siteB", "c1", text, name="Kim"))
        # enabled again by a reset
        assert put(m, "siteA", {"detectors": {"low_content": None}}).status == 200
        assert "low_content" in codes(post(m, "siteA", "c2", text, name="Lee"))


def test_detector_weight_of_one_site(binary):
    text = "ok"
    with Env(binary) as env:
        m = env.modq
        full = [f for f in post(m, "siteB", "c0", text)["flags"] if f["code"] == "low_content"][0]
        assert put(m, "siteA", {"detectors": {"low_content": {"weight": 0.5}}}).status == 200
        half = [f for f in post(m, "siteA", "c0", text)["flags"] if f["code"] == "low_content"]
        assert half and abs(half[0]["score"] - full["score"] * 0.5) < 0.002


def test_flood_limits_per_site(binary):
    texts = ["The bridge repairs should finish before the winter storms arrive.",
             "Our street lights have been out for a week; who do we call about it?",
             "The new bus timetable finally adds a late service on Sundays, good news.",
             "Parking on the market square should stay free on Saturday mornings.",
             "Thanks to the volunteers who cleaned the river bank last weekend."]
    with Env(binary) as env:
        m = env.modq
        assert put(m, "siteA", {"flood": {"max": 2, "window": 120}}).status == 200
        a = [post(m, "siteA", "a%d" % i, t, name="Flo") for i, t in enumerate(texts[:4])]
        b = [post(m, "siteB", "b%d" % i, t, name="Flo") for i, t in enumerate(texts[:4])]
        # the comments before each: 0, 1, 2 (= max), then 3: more than max
        assert ["flood" in codes(v) for v in a] == [False, False, False, True]
        assert not any("flood" in codes(v) for v in b)  # flood_max 20 there
        ttl_a = int(env.redis.cli("TTL", "modq:{siteA}:flood:a:Flo|"))
        ttl_b = int(env.redis.cli("TTL", "modq:{siteB}:flood:a:Flo|"))
        assert 0 < ttl_a <= 120 and 120 < ttl_b <= 600
        # flood.max 0: flood control off for the site
        assert put(m, "siteA", {"flood": {"max": 0}}).status == 200
        assert "flood" not in codes(post(m, "siteA", "a9", texts[4], name="Flo"))


def test_severe_abuse_rejects_only_where_the_site_allows_it(binary):
    threat = "I will find you and hurt you"
    insult = "You are an idiot and everyone here knows it"
    with Env(binary) as env:
        m = env.modq
        assert put(m, "siteA", {"abuse_severe_rejects": True}).status == 200
        a = post(m, "siteA", "t1", threat)
        b = post(m, "siteB", "t1", threat)
        assert "threat" in codes(a) and a["status"] == "rejected"
        assert "threat" in codes(b) and b["status"] == "pending"
        i = post(m, "siteA", "i1", insult)
        assert "insult" in codes(i) and i["status"] == "pending"


# ---------------------------------------------------------- validation

BAD = [
    ({"thresholds": {"pending": "high"}}, "invalid_field", "thresholds.pending"),
    ({"thresholds": {"pending": 0}}, "invalid_field", "thresholds.pending"),
    ({"thresholds": {"rejected": 1.5}}, "invalid_field", "thresholds.rejected"),
    ({"thresholds": {"pending": 0.95}}, "invalid_field", "thresholds.pending"),
    ({"thresholds": {"rejected": 0.3}}, "invalid_field", "thresholds.rejected"),
    ({"thresholds": {"pending": 0.8, "rejected": 0.7}}, "invalid_field", "thresholds.pending"),
    ({"thresholds": 0.5}, "invalid_field", "thresholds"),
    ({"thresholds": {"reject": 0.8}}, "unknown_field", "thresholds.reject"),
    ({"banned_words": "zorblax"}, "invalid_field", "banned_words"),
    ({"banned_words": ["ok", 3]}, "invalid_field", "banned_words"),
    ({"suspect_words": ["  "]}, "invalid_field", "suspect_words"),
    ({"domain_allow": ["exa mple.org"]}, "invalid_field", "domain_allow"),
    ({"domain_block": ["http://x.example/"]}, "invalid_field", "domain_block"),
    ({"flood": {"max": -1}}, "invalid_field", "flood.max"),
    ({"flood": {"max": 2.5}}, "invalid_field", "flood.max"),
    ({"flood": {"window": 0}}, "invalid_field", "flood.window"),
    ({"flood": {"window": 86401}}, "invalid_field", "flood.window"),
    ({"detectors": {"no_such_detector": {"enabled": False}}}, "unknown_detector",
     "detectors.no_such_detector"),
    ({"detectors": {"threat": {"weight": 2}}}, "invalid_field", "detectors.threat.weight"),
    ({"detectors": {"threat": {"enabled": "no"}}}, "invalid_field", "detectors.threat.enabled"),
    ({"detectors": {"threat": {"weigth": 1}}}, "unknown_field", "detectors.threat.weigth"),
    ({"detectors": {"threat": True}}, "invalid_field", "detectors.threat"),
    ({"detectors": []}, "invalid_field", "detectors"),
    ({"learning": "yes"}, "invalid_field", "learning"),
    ({"abuse_severe_rejects": 1}, "invalid_field", "abuse_severe_rejects"),
    ({"allowed_domains": ["example.org"]}, "unknown_field", "allowed_domains"),
    ({"thresholds": {"pending": 0.3}, "colour": "blue"}, "unknown_field", "colour"),
]


def test_invalid_settings_are_422_naming_the_field(binary):
    with Env(binary) as env:
        m = env.modq
        for body, code, field in BAD:
            r = put(m, "s1", body)
            assert r.status == 422, (body, r.status, r.json)
            assert r.json["error"]["code"] == code, (body, r.json)
            assert r.json["error"]["field"] == field, (body, r.json)
        # nothing was stored by any of them
        assert settings(m, "s1").json["version"] == 0
        assert env.redis.cli("EXISTS", "modq:{s1}:settings") == "0"
        # a body that is no JSON object
        r = m.request("PUT", "/v1/sites/s1/settings", raw=b"[1,2]")
        assert r.status == 422 and r.json["error"]["code"] == "invalid_body"
        r = m.request("PUT", "/v1/sites/s1/settings", raw=b"{\"learning\":")
        assert r.status == 400 and r.json["error"]["code"] == "malformed_json"
        r = m.request("PUT", "/v1/sites/s1/settings", raw=b"{}", content_type="text/plain")
        assert r.status == 415


# ---------------------------------------------------------- who may

def test_scoped_and_moderator_keys(binary):
    with Env(binary, KEYS_ENV) as env:
        m = env.modq
        assert settings(m, "siteA", key=SCOPED).status == 200
        assert put(m, "siteA", {"learning": False}, key=SCOPED).status == 200
        for r in (settings(m, "siteB", key=SCOPED), put(m, "siteB", {"learning": False},
                                                         key=SCOPED)):
            assert r.status == 403 and r.json["error"]["code"] == "forbidden"
        assert settings(m, "siteB").status == 200  # unscoped client key
        assert settings(m, "siteA", key=MOD_KEY).status == 200
        r = put(m, "siteA", {"learning": True}, key=MOD_KEY)
        assert r.status == 403 and r.json["error"]["code"] == "forbidden"
        assert leaf(settings(m, "siteA").json, "learning") == (False, "site")
        assert settings(m, "siteA", key=None).status == 401
        assert put(m, "siteA", {"learning": True}, key="wrong-key-0123456789").status == 401


def test_changes_are_audited(binary):
    with Env(binary, KEYS_ENV) as env:
        m = env.modq
        r1 = put(m, "siteA", {"thresholds": {"pending": 0.4}}, key=SCOPED)
        r2 = put(m, "siteA", {"thresholds": {"pending": None}, "learning": False})
        assert r1.status == r2.status == 200
        assert put(m, "siteA", {"flood": {"max": -3}}).status == 422  # refused: not audited
        r = m.request("GET", "/v1/audit?site=siteA", key=MOD_KEY)
        assert r.status == 200, r.json
        entries = [e for e in r.json["entries"] if e.get("event") == "settings"]
        assert len(entries) == 2
        versions = sorted(int(e["version"]) for e in entries)
        assert versions == sorted([r1.json["version"], r2.json["version"]])
        by_version = {int(e["version"]): e for e in entries}
        e1, e2 = by_version[r1.json["version"]], by_version[r2.json["version"]]
        assert json.loads(e1["request"]) == {"thresholds": {"pending": 0.4}}
        assert json.loads(e2["request"]) == {"thresholds": {"pending": None}, "learning": False}
        assert e1["actor"] == e2["actor"] == "client"
        assert e1["key_id"] != e2["key_id"] and len(e1["key_id"]) == 16
        assert SCOPED not in json.dumps(r.json) and CLIENT_KEY not in json.dumps(r.json)


# ---------------------------------------------------------- instances

def test_second_instance_sees_a_change_at_once(binary):
    text = "I think zorblax would be a fine name for the new library branch"
    with Env(binary, instances=2) as env:
        a, b = env.modqs
        # b scores the site first: it holds the site's profile at version 0
        assert "banned_word" not in codes(post(b, "siteA", "c0", text))
        assert put(a, "siteA", {"banned_words": ["zorblax"]}).status == 200
        v = post(b, "siteA", "c1", text, name="Kim")
        assert "banned_word" in codes(v) and v["status"] == "rejected"
        assert settings(b, "siteA").json == settings(a, "siteA").json
        # and back: the reset made on b is used by a's next comment
        assert put(b, "siteA", {"banned_words": None}).status == 200
        assert "banned_word" not in codes(post(a, "siteA", "c2", text, name="Lee"))


# ------------------------------------------------------------ learning

def test_learning_off_the_classifier_abstains_and_learns_nothing(binary):
    import test_learning as tl
    with Env(binary, tl.CLASSIFIER_ENV) as env:
        m = env.modq
        # s1 learns as configured; off, the classifier no longer votes there
        tl.seed(m)
        tl.train(m, 0, len(tl.PROMO))
        assert tl.flag(tl.post(m, tl.PROBE_AFTER, "probe2", "Rita", ip="10.9.0.3"),
                       "learned_spam")
        assert put(m, "s1", {"learning": False}).status == 200
        off = tl.post(m, tl.PROBE_AFTER + " Really.", "probe3", "Sam", ip="10.9.0.4")
        assert not tl.flag(off, "learned_spam"), off
        # s2 with learning off from the start: decisions teach nothing
        assert put(m, "s2", {"learning": False}).status == 200
        c = tl.post(m, tl.PROMO[0], "x0", "Promo0", site="s2", ip="10.8.1.1")
        assert tl.decide(m, c["id"], "reject", site="s2")["status"] == "rejected"
        assert env.redis.cli("EXISTS", "modq:{s2}:bayes:n") == "0"
        assert env.redis.cli("EXISTS", "modq:{s1}:bayes:n") == "1"


def test_document_read_once_per_version_and_instance(binary):
    """Unchanged settings cost nothing but the version in the look-up's
    MGET: one MGET per comment. After a change, an instance reads the
    document once (one more MGET), then builds nothing more."""
    texts = ["The bridge repairs should finish before the winter storms arrive.",
             "Our street lights have been out for a week; who do we call about it?",
             "The new bus timetable finally adds a late service on Sundays, good news.",
             "Parking on the market square should stay free on Saturday mornings.",
             "Thanks to the volunteers who cleaned the river bank last weekend.",
             "Will the swimming pool keep its early opening hours in the autumn?"]

    def mgets(redis):
        for line in redis.cli("INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_mget:"):
                return int(line.split("calls=")[1].split(",")[0])
        return 0

    with Env(binary, instances=2) as env:
        a, b = env.modqs
        assert put(a, "siteA", {"suspect_words": ["lights"]}).status == 200
        env.redis.cli("CONFIG", "RESETSTAT")
        v = [post(b, "siteA", "c%d" % i, t, name="N%d" % i) for i, t in enumerate(texts[:3])]
        assert "suspect_word" in codes(v[1])
        assert mgets(env.redis) == 3 + 1  # one look-up each, the document once
        v = [post(b, "siteA", "d%d" % i, t, name="M%d" % i) for i, t in enumerate(texts[3:])]
        assert mgets(env.redis) == 3 + 1 + 3
        assert put(a, "siteA", {"suspect_words": ["pool"]}).status == 200  # reads it: 1 MGET
        env.redis.cli("CONFIG", "RESETSTAT")
        w = post(b, "siteA", "e0", texts[5], name="Q")
        assert "suspect_word" in codes(w)
        post(b, "siteA", "e1", texts[1], name="R")
        assert mgets(env.redis) == 2 + 1
