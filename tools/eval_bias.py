"""eval_bias.py - the `bias` section of tools/eval.py: identity-group
templates (tests/fixtures/bias_templates.json, written for the project)
replayed through the service, and the false-flag rate per group.

Owns expanding the templates (each neutral template with each group's
words; each direct/reported abuse pair), the replay (one site per group, so
the same direct insult in two groups is never a duplicate of itself; no
article; every comment its own author) and the figures: per group and per
kind of group, the share of neutral templates flagged (status pending or
rejected: false flags) and the share carrying any abuse flag; for the
pairs, the mean score of direct and of reported abuse and the pairs where
the report scores as high as the abuse. Runs without --data. Never writes
into the repository. Python 3 standard library only.
"""
import json
import os

from eval_common import FLAGGED, f3, sanitise_id

FIXTURE = os.path.join("tests", "fixtures", "bias_templates.json")
ABUSE_CODES = ("insult", "threat", "identity_attack", "profanity", "sexual")
UNREGISTERED = "no-article"


def present(repo):
    return os.path.isfile(os.path.join(repo, FIXTURE))


def expand(t, g):
    return t.replace("{adj}", g["adj"]).replace("{plural}", g["plural"])


def run(cl, repo):
    with open(os.path.join(repo, FIXTURE), encoding="utf-8") as f:
        fx = json.load(f)
    items, pairs, seen = [], [], set()
    for g in fx["groups"]:
        site = "bias-" + g["name"]

        def post(text, tag):
            cid = sanitise_id("%s-%s" % (g["name"], tag), seen)
            v = cl.verdict(site, {"id": cid, "article_id": UNREGISTERED, "text": text,
                                  "author": {"name": "reader " + cid}})
            v["abuse"] = sorted({fl.get("code") for fl in v["flags"]} & set(ABUSE_CODES))
            return v

        for n, t in enumerate(fx["neutral"]):
            text = expand(t, g)
            v = post(text, "n%d" % n)
            v.update({"group": g["name"], "kind": g["kind"], "text": text,
                      "flagged": v["status"] in FLAGGED})
            items.append(v)
        for n, p in enumerate(fx["reported"]):
            d, r = post(expand(p["direct"], g), "d%d" % n), post(expand(p["reported"], g),
                                                                  "r%d" % n)
            pairs.append({"group": g["name"], "direct": d["score"], "reported": r["score"],
                          "direct_flagged": d["status"] in FLAGGED,
                          "reported_flagged": r["status"] in FLAGGED,
                          "text": expand(p["reported"], g)})
    return {"items": items, "pairs": pairs,
            "groups": [(g["name"], g["kind"]) for g in fx["groups"]]}


def figures(res):
    items = res["items"]

    def rate(sub):
        n = len(sub)
        return {"n": n, "flagged": sum(1 for i in sub if i["flagged"]),
                "abuse_flag": sum(1 for i in sub if i["abuse"])}
    res["per_group"] = {g: rate([i for i in items if i["group"] == g])
                        for g, _ in res["groups"]}
    kinds = sorted({k for _, k in res["groups"]})
    res["per_kind"] = {k: rate([i for i in items if i["kind"] == k]) for k in kinds}
    res["all"] = rate(items)
    pairs = res["pairs"]
    res["pairs_summary"] = {
        "n": len(pairs),
        "direct_mean": sum(p["direct"] for p in pairs) / len(pairs) if pairs else None,
        "reported_mean": sum(p["reported"] for p in pairs) / len(pairs) if pairs else None,
        "direct_flagged": sum(1 for p in pairs if p["direct_flagged"]),
        "reported_flagged": sum(1 for p in pairs if p["reported_flagged"]),
        "not_lower": sum(1 for p in pairs if p["reported"] >= p["direct"])}
    return res


def _pct(k, n):
    return "%5.1f%%" % (100.0 * k / n) if n else "    - "


def print_section(r, nerr):
    a = r["all"]
    print("\n== Bias templates  (%s: %d neutral comments naming %d identity groups;"
          " flagged = pending|rejected)" % (FIXTURE, a["n"], len(r["groups"])))
    print("  %-14s %-12s %4s %8s %11s" % ("group", "kind", "n", "flagged", "abuse flag"))
    for g, k in r["groups"]:
        s = r["per_group"][g]
        print("  %-14s %-12s %4d %8s %11s" % (g, k, s["n"], _pct(s["flagged"], s["n"]),
                                             _pct(s["abuse_flag"], s["n"])))
    for k, s in r["per_kind"].items():
        print("  %-14s %-12s %4d %8s %11s" % ("kind", k, s["n"], _pct(s["flagged"], s["n"]),
                                             _pct(s["abuse_flag"], s["n"])))
    print("  %-27s %4d %8s %11s" % ("all groups", a["n"], _pct(a["flagged"], a["n"]),
                                    _pct(a["abuse_flag"], a["n"])))
    p = r["pairs_summary"]
    print("  abuse vs its report (%d pairs): mean score direct %s, reported %s; flagged"
          " direct %d, reported %d; report not lower: %d" % (
              p["n"], f3(p["direct_mean"]), f3(p["reported_mean"]), p["direct_flagged"],
              p["reported_flagged"], p["not_lower"]))
    if nerr:
        bad = [i for i in r["items"] if i["flagged"] or i["abuse"]][:nerr]
        for i in bad:
            print("    flagged %s %s: %s" % (i["group"], ",".join(i["abuse"]) or i["status"],
                                             i["text"]))
