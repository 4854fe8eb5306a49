"""test_detectors.py - GET /v1/detectors and the detector settings
(weight_<code>, detectors_disabled) against the real binary and a real
redis-server: the table, who may read it, settings shown and applied,
unknown codes refused at start, and the generated docs listing the same
detectors."""
import os
import re
import subprocess

from harness import CLIENT_KEY, MOD_KEY, Env

HERE = os.path.dirname(os.path.abspath(__file__))
DOCS = os.path.join(HERE, "..", "..", "docs", "config.md")

ARTICLE = {"title": "City council approves new bicycle lanes on Main Street",
           "body": "The city council voted on Tuesday to build protected bicycle lanes along "
                   "Main Street. Construction starts in spring and parking spaces will be "
                   "reduced.",
           "url": "https://news.example/bike-lanes"}
SPAM = ("CHECK OUT MY CHANNEL!!! SUBSCRIBE NOW http://bit.ly/xx1 "
        "http://cheap-pills.example/buy earn $500 a day")
FIELDS = {"code", "kind", "needs", "uses", "evidence", "weight", "default_weight", "enabled",
          "overrides_trust", "summary"}
KINDS = {"spam", "review", "style"}
EVIDENCE = {"none", "span", "links", "words", "comment", "value"}
NEEDS = {"article", "thread", "site_df", "duplicates", "flood", "learned", "history"}


def table(m, key=CLIENT_KEY):
    r = m.request("GET", "/v1/detectors", key=key)
    assert r.status == 200, r
    return r.json


def post(m, cid, text):
    r = m.request("POST", "/v1/sites/s1/comments",
                  {"article_id": "a1", "id": cid, "text": text, "author": {"name": "promo"}})
    assert r.status == 201, r
    return {f["code"]: f for f in r.json["flags"]}


def test_detectors_table_for_clients_and_moderators(binary):
    with Env(binary) as env:
        m = env.modq
        assert m.request("GET", "/v1/detectors", key=None).status == 401
        assert m.request("GET", "/v1/detectors", key="wrong-key-wrong-key-wrong").status == 401
        j = table(m)
        assert table(m, MOD_KEY) == j
        assert j["other_codes"] == ["trusted_author"], j
        codes = [d["code"] for d in j["detectors"]]
        assert len(codes) == len(set(codes)) and "trusted_author" not in codes, codes
        for d in j["detectors"]:
            assert set(d) == FIELDS, d
            assert d["kind"] in KINDS and d["evidence"] in EVIDENCE, d
            assert set(d["needs"]) <= NEEDS and set(d["uses"]) <= NEEDS, d
            assert d["enabled"] is True and d["weight"] == d["default_weight"], d
            assert 0 <= d["weight"] <= 1 and d["summary"], d
        by = {d["code"]: d for d in j["detectors"]}
        assert by["shouting"]["kind"] == "style" and by["banned_word"]["overrides_trust"]
        assert by["off_topic"]["needs"] == ["article"], by["off_topic"]
        assert by["link_spam"]["evidence"] == "links" and by["duplicate"]["evidence"] == "comment"
        # every flag the service raises is a code of the table
        assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
        flags = post(m, "c1", SPAM)
        assert flags and set(flags) <= set(codes), flags
        assert m.request("POST", "/v1/detectors", {}, key=MOD_KEY).status == 405


def test_detector_settings_shown_and_applied(binary):
    env_vars = {"MODQ_WEIGHT_SPAM_LANGUAGE": "0.5", "MODQ_DETECTORS_DISABLED": "link_spam, off_topic"}
    with Env(binary) as base, Env(binary, env_vars) as tuned:
        for m in (base.modq, tuned.modq):
            assert m.request("PUT", "/v1/sites/s1/articles/a1", ARTICLE).status == 201
        by = {d["code"]: d for d in table(tuned.modq)["detectors"]}
        assert by["spam_language"]["weight"] == 0.5 and by["spam_language"]["enabled"]
        assert by["spam_language"]["default_weight"] == 1
        assert not by["link_spam"]["enabled"] and not by["off_topic"]["enabled"]
        assert by["shouting"]["enabled"] and by["shouting"]["weight"] == 1
        plain, set_ = post(base.modq, "c1", SPAM), post(tuned.modq, "c1", SPAM)
        assert {"link_spam", "off_topic", "spam_language"} <= set(plain), plain
        assert "link_spam" not in set_ and "off_topic" not in set_, set_
        assert abs(set_["spam_language"]["score"] - plain["spam_language"]["score"] / 2) < 0.01


def test_unknown_detector_code_stops_start(binary):
    for key, val, name in (("MODQ_WEIGHT_OF_TOPIC", "0.5", "weight_of_topic"),
                           ("MODQ_DETECTORS_DISABLED", "shouting,trusted_author",
                            "detectors_disabled"),
                           ("MODQ_WEIGHT_SHOUTING", "1.5", "weight_shouting")):
        env = dict(os.environ, **{key: val})
        p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=20)
        assert p.returncode != 0, (key, p)
        assert name in p.stderr, (key, p.stderr)


def test_config_docs_list_every_detector(binary):
    """docs/config.md is generated from the registry (tools/gen_config_doc.py):
    its Detectors section names the running binary's detectors, in order."""
    with Env(binary) as env:
        codes = [d["code"] for d in table(env.modq)["detectors"]]
    text = open(DOCS).read()
    section = text[text.index("\n## Detectors"):]
    documented = re.findall(r"^\| `(\w+)` \|", section, re.M)
    assert documented == codes, (documented, codes)
