"""test_perspective.py - the Perspective drop-in: POST /v1alpha1/comments:analyze.

Coral Talk's exact call (?key=, Content-Type only, its body), every attribute
against the detector flags modq itself reports for the same text, span
annotations, thresholds, errors in Google's shape, keys (query, bearer,
scoped), rate limits, and that nothing is stored either way. The last test
drives a tiny Perspective client whose endpoint is a setting, built the way
Coral's is (URL + "/comments:analyze", ?key=, 500 ms timeout), unchanged.
"""
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from harness import CLIENT_KEY, MOD_KEY, Env

PATH = "/v1alpha1/comments:analyze"
SCOPED_KEY = "scoped-client-key-0123456789"
SCOPED_SITE = "news.example"
BAD_KEY = "unknown-key-0123456789abcdef"
ENV = {"MODQ_CLIENT_KEYS": "%s,%s@%s" % (CLIENT_KEY, SCOPED_KEY, SCOPED_SITE),
       "MODQ_MAX_BODY": "262144"}  # room for a comment over the engine's 64 KiB
CORAL_TIMEOUT_S = 0.5  # Coral's perspective_timeout default

ATTRIBUTES = ["TOXICITY", "SEVERE_TOXICITY", "INSULT", "THREAT", "IDENTITY_ATTACK",
              "PROFANITY", "SEXUALLY_EXPLICIT"]
# The documented mapping (docs/api.md): attribute -> modq detector codes,
# combined by their largest flag score.
MAPPING = {"TOXICITY": ["toxicity", "insult", "threat", "identity_attack", "profanity", "sexual"],
           "SEVERE_TOXICITY": ["threat", "identity_attack"],
           "INSULT": ["insult"], "THREAT": ["threat"], "IDENTITY_ATTACK": ["identity_attack"],
           "PROFANITY": ["profanity"], "SEXUALLY_EXPLICIT": ["sexual"]}
# Flag scores are rounded to 3 decimals in the native API's answer.
NATIVE_ROUNDING = 0.0006

HOSTILE = ("You are a pathetic idiot and a disgusting liar. Shut up, you stupid moron, "
           "or I will find you and hurt you.")
CIVIL = ("Thanks for the careful reporting on the water rationing plan. I would like to "
         "know how the leaks in the network will be fixed.")


def coral_body(text, model="TOXICITY", do_not_store=True):
    """What Coral's sendToPerspective sends for comments:analyze."""
    return {"comment": {"text": text}, "doNotStore": do_not_store,
            "requestedAttributes": {model: {}}, "languages": ["en"]}


def post(m, body, query="?key=" + CLIENT_KEY, headers=None, raw=None):
    """POST to the endpoint as Coral does: Content-Type, no Authorization
    (through the harness, which checks the answer against the document)."""
    data = raw if raw is not None else json.dumps(body).encode()
    r = m.request("POST", PATH + query, raw=data, key=None, headers=headers)
    return r.status, json.loads(r.raw) if r.raw else None, r.headers


def assert_google_error(status, js, code, reason):
    assert status == code, (status, js)
    assert set(js) == {"error"}, js
    assert set(js["error"]) == {"code", "message", "status"}, js
    assert js["error"]["code"] == code and js["error"]["status"] == reason, js
    assert isinstance(js["error"]["message"], str) and js["error"]["message"], js


def detector_codes(m):
    r = m.request("GET", "/v1/detectors")
    assert r.status == 200, r
    return {d["code"]: d for d in r.json["detectors"]}


def stored_comments(m):
    """Comments modq stored (modq_comments_total over every status)."""
    text = m.request("GET", "/metrics", key=None).raw.decode()
    return sum(int(float(l.split()[-1])) for l in text.splitlines()
               if l.startswith("modq_comments_total{"))


def native_flags(m, site, text):
    """The flags modq's own API reports for text (stored under site: the
    reference the attributes are checked against)."""
    r = m.request("POST", "/v1/sites/%s/comments" % site,
                  {"article_id": "reference", "text": text, "author": {"name": "Ref"}})
    assert r.status in (200, 201, 202), r
    return {f["code"]: f for f in r.json.get("flags", [])}


def expected_score(attr, flags, present):
    scores = [flags[c]["score"] if c in flags else 0.0 for c in MAPPING[attr] if c in present]
    return max(scores) if scores else 0.0


def test_coral_request_with_query_key_is_answered_in_time(binary):
    with Env(binary, ENV) as env:
        t0 = time.monotonic()
        status, js, hdrs = post(env.modq, coral_body(HOSTILE))
        elapsed = time.monotonic() - t0
        assert status == 200, (status, js)
        assert "application/json" in hdrs.get("Content-Type", ""), hdrs
        assert elapsed < CORAL_TIMEOUT_S, elapsed
        assert set(js) == {"attributeScores", "languages", "detectedLanguages"}, js
        assert list(js["attributeScores"]) == ["TOXICITY"], js
        summary = js["attributeScores"]["TOXICITY"]["summaryScore"]
        assert summary["type"] == "PROBABILITY", summary
        assert 0.0 <= summary["value"] <= 1.0, summary
        assert "spanScores" not in js["attributeScores"]["TOXICITY"], js
        assert js["languages"] == ["en"] and js["detectedLanguages"] == ["en"], js


def test_answers_while_redis_is_down(binary):
    with Env(binary, ENV) as env:
        env.redis.stop()
        t0 = time.monotonic()
        status, js, _ = post(env.modq, coral_body(HOSTILE))
        assert time.monotonic() - t0 < CORAL_TIMEOUT_S
        assert status == 200, (status, js)
        assert "TOXICITY" in js["attributeScores"], js


def test_every_attribute_scores_from_the_detectors_present(binary):
    with Env(binary, ENV) as env:
        present = set(detector_codes(env.modq))
        for text in (HOSTILE, CIVIL):
            body = {"comment": {"text": text, "type": "PLAIN_TEXT"},
                    "requestedAttributes": {a: {} for a in ATTRIBUTES}}
            status, js, _ = post(env.modq, body)
            assert status == 200, (status, js)
            got = js["attributeScores"]
            assert list(got) == ATTRIBUTES, js  # every one, in request order
            flags = native_flags(env.modq, "reference", text)
            # an attribute none of whose detectors this build has expects 0
            for attr in ATTRIBUTES:
                value = got[attr]["summaryScore"]["value"]
                assert got[attr]["summaryScore"]["type"] == "PROBABILITY"
                want = expected_score(attr, flags, present)
                if attr == "TOXICITY" and "toxicity" in present:
                    # the toxicity model's own calibrated probability, not
                    # its gated flag: never below the flags it reads
                    assert want - NATIVE_ROUNDING <= value <= 1, (attr, value, want, flags)
                else:
                    assert abs(value - want) <= NATIVE_ROUNDING, (attr, value, want, flags)
            # TOXICITY is the largest of the abuse attributes it reads
            for attr in ("INSULT", "THREAT", "IDENTITY_ATTACK", "PROFANITY",
                         "SEXUALLY_EXPLICIT", "SEVERE_TOXICITY"):
                assert got["TOXICITY"]["summaryScore"]["value"] >= \
                    got[attr]["summaryScore"]["value"], (attr, got)


def test_toxicity_is_the_models_probability(binary):
    """TOXICITY reads the toxicity model's probability, which is given even
    when the native flag stays silent (the flag needs the abuse aimed at
    someone): clear abuse scores high, a polite on-topic line low."""
    cases = [("You are a stupid moron and I hope your family dies", 0.8, 1.0),
             ("Kill yourself, idiot", 0.8, 1.0),
             (CIVIL, 0.0, 0.2)]
    with Env(binary, ENV) as env:
        assert "toxicity" in detector_codes(env.modq)  # the embedded model
        for text, low, high in cases:
            status, js, _ = post(env.modq, {"comment": {"text": text},
                                            "requestedAttributes": {"TOXICITY": {}}})
            assert status == 200, (status, js)
            value = js["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
            assert low <= value <= high, (text, value)


def test_span_annotations_mark_evidence_in_code_points(binary):
    text = "Ünïcödé first: " + HOSTILE
    with Env(binary, ENV) as env:
        present = set(detector_codes(env.modq))
        flags = native_flags(env.modq, "reference", text)
        body = {"comment": {"text": text}, "spanAnnotations": True,
                "requestedAttributes": {a: {} for a in ATTRIBUTES}}
        status, js, _ = post(env.modq, body)
        assert status == 200, (status, js)
        for attr in ATTRIBUTES:
            a = js["attributeScores"][attr]
            spans = a["spanScores"]
            assert spans, (attr, a)
            summary = a["summaryScore"]["value"]
            prev = -1
            for s in spans:
                assert set(s) == {"begin", "end", "score"}, s
                assert 0 <= s["begin"] < s["end"] <= len(text), (attr, s)
                assert s["begin"] >= prev, spans  # in text order
                prev = s["begin"]
                assert s["score"]["type"] == "PROBABILITY", s
                assert 0 <= s["score"]["value"] <= summary + 1e-9, (attr, s, summary)
            quoted = [flags[c] for c in MAPPING[attr] if c in present and c in flags
                      and flags[c].get("evidence")]
            if not quoted:
                # no evidence to mark: one span over the whole text
                assert spans == [{"begin": 0, "end": len(text),
                                  "score": {"value": summary, "type": "PROBABILITY"}}], spans
            else:
                for s in spans:  # each mark is a quoted word run of the text
                    piece = text[s["begin"]:s["end"]]
                    assert piece.strip() == piece and piece, (attr, piece)


def test_span_annotations_off_send_no_spans(binary):
    with Env(binary, ENV) as env:
        body = {"comment": {"text": HOSTILE}, "spanAnnotations": False,
                "requestedAttributes": {"INSULT": {}, "THREAT": {}}}
        status, js, _ = post(env.modq, body)
        assert status == 200, (status, js)
        for a in ("INSULT", "THREAT"):
            assert set(js["attributeScores"][a]) == {"summaryScore"}, js


def test_score_threshold_omits_lower_scores(binary):
    with Env(binary, ENV) as env:
        status, js, _ = post(env.modq, {"comment": {"text": CIVIL},
                                        "requestedAttributes": {"TOXICITY": {}}})
        assert status == 200, (status, js)
        value = js["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
        at = {"comment": {"text": CIVIL},
              "requestedAttributes": {"TOXICITY": {"scoreThreshold": value,
                                                   "scoreType": "PROBABILITY"}}}
        status, js, _ = post(env.modq, at)
        assert status == 200 and "TOXICITY" in js["attributeScores"], (status, js)
        if value < 1:
            above = {"comment": {"text": CIVIL},
                     "requestedAttributes": {"TOXICITY": {"scoreThreshold": min(1, value + 0.01)},
                                             "PROFANITY": {}}}
            status, js, _ = post(env.modq, above)
            assert status == 200, (status, js)
            assert list(js["attributeScores"]) == ["PROFANITY"], js


def test_client_token_is_echoed(binary):
    with Env(binary, ENV) as env:
        body = dict(coral_body(CIVIL), clientToken="comment:abc-123")
        status, js, _ = post(env.modq, body)
        assert status == 200 and js["clientToken"] == "comment:abc-123", (status, js)


def test_unknown_attribute_is_invalid_argument(binary):
    with Env(binary, ENV) as env:
        body = {"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {}, "FLIRTATION": {}}}
        status, js, _ = post(env.modq, body)
        assert_google_error(status, js, 400, "INVALID_ARGUMENT")
        assert "FLIRTATION" in js["error"]["message"], js


def test_bad_requests_are_invalid_argument(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        cases = [
            (None, b'{"comment": {"text": "hi"'),                               # bad JSON
            ({"requestedAttributes": {"TOXICITY": {}}}, None),                  # no comment
            ({"comment": {}, "requestedAttributes": {"TOXICITY": {}}}, None),   # no text
            ({"comment": {"text": 5}, "requestedAttributes": {"TOXICITY": {}}}, None),
            ({"comment": {"text": ""}, "requestedAttributes": {"TOXICITY": {}}}, None),
            ({"comment": {"text": CIVIL}}, None),                               # no attribute
            ({"comment": {"text": CIVIL}, "requestedAttributes": {}}, None),
            ({"comment": {"text": CIVIL, "type": "MARKDOWN"},
              "requestedAttributes": {"TOXICITY": {}}}, None),
            ({"comment": {"text": CIVIL},
              "requestedAttributes": {"TOXICITY": {"scoreType": "STD_DEV_SCORE"}}}, None),
            ({"comment": {"text": CIVIL},
              "requestedAttributes": {"TOXICITY": {"scoreThreshold": 1.5}}}, None),
            ({"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {}},
              "languages": ["de"]}, None),
            ({"comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {}},
              "spanAnnotations": "yes"}, None),
            ({"comment": {"text": "x" * 65537}, "requestedAttributes": {"TOXICITY": {}}}, None),
        ]
        for body, raw in cases:
            status, js, _ = post(m, body, raw=raw)
            assert_google_error(status, js, 400, "INVALID_ARGUMENT")
        status, js, _ = post(m, {"comment": {"text": "x" * 65536},
                                 "requestedAttributes": {"TOXICITY": {}}})
        assert status == 200, (status, js)  # the engine's limit itself is accepted


def test_bad_or_missing_key_is_unauthenticated(binary):
    with Env(binary, ENV) as env:
        for query in ("?key=" + BAD_KEY, "", "?key="):
            status, js, hdrs = post(env.modq, coral_body(CIVIL), query=query)
            assert_google_error(status, js, 401, "UNAUTHENTICATED")
        status, js, _ = post(env.modq, coral_body(CIVIL), query="",
                             headers={"Authorization": "Bearer " + BAD_KEY})
        assert_google_error(status, js, 401, "UNAUTHENTICATED")


def test_query_key_is_never_logged(binary):
    with Env(binary, dict(ENV, MODQ_LOG_LEVEL="debug")) as env:
        status, js, _ = post(env.modq, coral_body(CIVIL))
        assert status == 200, (status, js)
        status, js, _ = post(env.modq, coral_body(CIVIL), query="?key=" + BAD_KEY)
        assert status == 401, (status, js)
        log = env.modq.log()
        assert "comments:analyze" in log  # the access line is there
        assert CLIENT_KEY not in log and BAD_KEY not in log


def test_bearer_key_is_accepted(binary):
    with Env(binary, ENV) as env:
        for key in (CLIENT_KEY, MOD_KEY):
            status, js, _ = post(env.modq, coral_body(CIVIL), query="",
                                 headers={"Authorization": "Bearer " + key})
            assert status == 200 and "TOXICITY" in js["attributeScores"], (status, js)


def test_scoped_key_keeps_its_scope(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        status, js, _ = post(m, coral_body(CIVIL), query="?key=" + SCOPED_KEY)
        assert_google_error(status, js, 403, "PERMISSION_DENIED")
        status, js, _ = post(m, coral_body(CIVIL),
                             query="?site=other.example&key=" + SCOPED_KEY)
        assert_google_error(status, js, 403, "PERMISSION_DENIED")
        status, js, _ = post(m, coral_body(CIVIL),
                             query="?site=%s&key=%s" % (SCOPED_SITE, SCOPED_KEY))
        assert status == 200, (status, js)
        status, js, _ = post(m, coral_body(CIVIL), query="?site=bad%20site&key=" + CLIENT_KEY)
        assert_google_error(status, js, 400, "INVALID_ARGUMENT")


def test_key_rate_limit_applies(binary):
    with Env(binary, dict(ENV, MODQ_RATE_LIMIT_KEY="3")) as env:
        for _ in range(3):
            status, js, _ = post(env.modq, coral_body(CIVIL))
            assert status == 200, (status, js)
        status, js, hdrs = post(env.modq, coral_body(CIVIL))
        assert_google_error(status, js, 429, "RESOURCE_EXHAUSTED")
        assert int(hdrs["Retry-After"]) > 0, hdrs


def test_nothing_is_stored_with_or_without_do_not_store(binary):
    with Env(binary, ENV) as env:
        m = env.modq
        before = stored_comments(m)
        for dns in (True, False):
            for text in (HOSTILE, CIVIL):
                status, js, _ = post(m, coral_body(text, do_not_store=dns),
                                     query="?site=%s&key=%s" % (SCOPED_SITE, CLIENT_KEY))
                assert status == 200, (status, js)
        assert stored_comments(m) == before
        for status_name in ("pending", "rejected"):
            assert m.queue(SCOPED_SITE, status_name) == [], status_name
        r = m.request("GET", "/v1/review/stats?site=%s" % SCOPED_SITE, key=MOD_KEY)
        assert r.status == 200, r
        st = r.json["sites"][SCOPED_SITE]
        assert st["pending"] == 0 and st["rejected"] == 0, st


class PerspectiveClient:
    """A Perspective client with a settable endpoint, built the way Coral's
    sendToPerspective is: endpoint URL + "/comments:analyze", ?key= set on
    the URL, JSON body, a timeout; scores read from attributeScores."""

    def __init__(self, key, endpoint="https://commentanalyzer.googleapis.com/v1alpha1",
                 timeout=CORAL_TIMEOUT_S):
        self.key, self.endpoint, self.timeout = key, endpoint, timeout

    def analyze(self, text, model="TOXICITY", languages=("en",), do_not_store=True):
        u = urllib.parse.urlsplit(self.endpoint.strip())
        path = u.path.rstrip("/") + "/comments:analyze"
        q = urllib.parse.parse_qsl(u.query)
        q = [(k, v) for k, v in q if k != "key"] + [("key", self.key.strip())]
        url = urllib.parse.urlunsplit((u.scheme, u.netloc, path, urllib.parse.urlencode(q), ""))
        body = {"comment": {"text": text}, "doNotStore": do_not_store,
                "requestedAttributes": {model: {}}, "languages": list(languages)}
        req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def is_toxic(self, text, threshold=0.8, model="TOXICITY"):
        status, data = self.analyze(text, model)
        assert status == 200, (status, data)
        return data["attributeScores"][model]["summaryScore"]["value"] > threshold


def test_perspective_client_with_endpoint_setting_works_unchanged(binary):
    with Env(binary, ENV) as env:
        base = "http://127.0.0.1:%d/v1alpha1" % env.modq.port
        for endpoint, key in ((base, CLIENT_KEY), (base + "/", CLIENT_KEY),
                              (base + "?site=" + SCOPED_SITE, SCOPED_KEY)):
            client = PerspectiveClient(key, endpoint=endpoint)
            for model in ("TOXICITY", "SEVERE_TOXICITY"):
                status, data = client.analyze(HOSTILE, model=model)
                assert status == 200, (endpoint, status, data)
                assert 0 <= data["attributeScores"][model]["summaryScore"]["value"] <= 1
            assert client.is_toxic(CIVIL) is False
        status, data = PerspectiveClient(BAD_KEY, endpoint=base).analyze(CIVIL)
        assert_google_error(status, data, 401, "UNAUTHENTICATED")
