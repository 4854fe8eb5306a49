"""eval_corpus.py - the `corpus` section of tools/eval.py: the project's own
labelled corpus (tests/corpus) replayed through the service as a blog
platform would, and scored per label and per kind.

Owns reading tests/corpus (articles/*.json, comments.jsonl), the replay
(each article registered just before its first comment, comments posted in
file order with parent_id and author; label and kind are never sent), the
corpus figures (flagged rate per label, false flags on genuine comments,
P/R/F1 of flagged vs bad, recall per bad kind, flags on genuine vs bad)
and their printing, with the regex and TF-IDF + LR baselines (leave one
article out) beside modq. Never changes the corpus; the format is
tests/corpus/README.md's.
"""
import glob
import json
import os

from eval_baseline import cross_predict, lr_flags, regex_flag
from eval_common import (FLAGGED, auc, codes, confusion, f3, flag_table, mark,
                         print_conf_row, print_errors)

SITE = "corpus"
GENUINE = "genuine"
TARGET_GENUINE_FLAGGED = 0.02   # at most 2 % of genuine comments flagged
LABELS = ("genuine", "off_topic", "content_free", "repetitive", "link_spam", "scam",
          "promotion", "contact_spam", "copied", "duplicate", "abuse")


def present(root):
    return os.path.isfile(os.path.join(root, "comments.jsonl"))


def load(root):
    """Returns (articles by id, comments in file order); both new."""
    arts = {}
    for path in sorted(glob.glob(os.path.join(root, "articles", "*.json"))):
        with open(path, encoding="utf-8") as f:
            a = json.load(f)
        arts[a["id"]] = a
    comments = []
    with open(os.path.join(root, "comments.jsonl"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                c = json.loads(line)
                if c["article_id"] not in arts:
                    raise ValueError("comments.jsonl line %d: unknown article %r"
                                     % (n, c["article_id"]))
                comments.append(c)
    if not comments:
        raise ValueError("comments.jsonl holds no comment")
    return arts, comments


def _register(cl, a):
    body = {"title": a["title"], "body": a["body"]}
    if a.get("url"):
        body["url"] = a["url"]
    if a.get("tags"):
        body["tags"] = a["tags"]
    cl.call("PUT", "/v1/sites/%s/articles/%s" % (SITE, a["id"]), body)


def run(cl, root):
    """Replays the corpus; returns the items (verdict + label + kind)."""
    arts, comments = load(root)
    registered = set()
    items = []
    for c in comments:
        if c["article_id"] not in registered:
            _register(cl, arts[c["article_id"]])
            registered.add(c["article_id"])
        au = c.get("author") or {}
        author = {"name": au.get("name") or "Anonymous"}
        for k in ("email", "url"):
            if au.get(k):
                author[k] = au[k]
        body = {"id": c["id"], "article_id": c["article_id"], "text": c["text"],
                "author": author}
        if c.get("parent_id"):
            body["parent_id"] = c["parent_id"]
        v = cl.verdict(SITE, body)
        v.update({"id": c["id"], "article": c["article_id"], "label": c["label"],
                  "kind": c["kind"], "bad": c["label"] != GENUINE, "text": c["text"],
                  "reply": bool(c.get("parent_id")),
                  "cls": "%s/%s %s" % (c["label"], c["kind"], c["id"])})
        items.append(v)
    for aid in sorted(set(arts) - registered):     # articles nobody commented on
        _register(cl, arts[aid])
    return {"items": items, "articles": len(arts)}


def figures(res):
    """Adds the baselines and every figure to res (after the service run)."""
    items = res["items"]
    probs = cross_predict([it["text"] for it in items], [it["bad"] for it in items],
                          [it["article"] for it in items])
    for it, p, lr in zip(items, probs, lr_flags(probs)):
        it["flagged"] = it["status"] in FLAGGED
        it["regex"] = regex_flag(it["text"])
        it["lr_p"], it["lr"] = p, lr
    systems = (("modq", "flagged"), ("regex", "regex"), ("tfidf_lr", "lr"))
    labels = [l for l in LABELS if any(it["label"] == l for it in items)]
    labels += sorted({it["label"] for it in items} - set(labels))
    res["labels"] = labels
    res["replies"] = sum(1 for it in items if it["reply"])
    res["per_label"] = {}
    for l in labels:
        sub = [it for it in items if it["label"] == l]
        res["per_label"][l] = dict({"n": len(sub)},
                                   **{s: sum(1 for it in sub if it[k]) for s, k in systems})
    res["overall"] = {s: confusion([(it["bad"], it[k]) for it in items]) for s, k in systems}
    res["auc"] = {"modq": auc([it["score"] for it in items if it["bad"]],
                              [it["score"] for it in items if not it["bad"]]),
                  "tfidf_lr": auc([it["lr_p"] for it in items if it["bad"]],
                                  [it["lr_p"] for it in items if not it["bad"]])}
    kinds = {}
    for it in items:
        k = kinds.setdefault("%s/%s" % (it["label"], it["kind"]),
                             dict({"n": 0, "bad": it["bad"]}, **{s: 0 for s, _ in systems}))
        k["n"] += 1
        for s, key in systems:
            k[s] += bool(it[key])
    res["per_kind"] = kinds
    ft = flag_table([("bad" if it["bad"] else "genuine", codes(it)) for it in items],
                    ("genuine", "bad"))
    for c in ft.values():
        c["precision"] = c["bad"] / (c["bad"] + c["genuine"])
    res["flags"] = ft
    g = res["per_label"].get(GENUINE, {"n": 0, "modq": 0})
    res["genuine_flagged_rate"] = g["modq"] / g["n"] if g["n"] else None
    res["target_met"] = g["n"] > 0 and g["modq"] <= TARGET_GENUINE_FLAGGED * g["n"]
    return res


def _pct(k, n):
    return "%6.1f%%" % (100.0 * k / n) if n else "     - "


def print_section(r, nerr):
    items = r["items"]
    print("\n== Project corpus  (tests/corpus: %d articles, %d comments, %d replies;"
          " positive = every label but genuine)" % (r["articles"], len(items), r["replies"]))
    print("  %-26s %5s %7s %7s %8s" % ("flagged rate per label", "n", "modq", "regex",
                                       "tfidf-lr"))
    for l in r["labels"]:
        s = r["per_label"][l]
        print("  %-26s %5d %s %s  %s%s" % (
            l, s["n"], _pct(s["modq"], s["n"]), _pct(s["regex"], s["n"]),
            _pct(s["tfidf_lr"], s["n"]), "   <- false flags" if l == GENUINE else ""))
    print("  %-20s %5s %5s %5s %5s %5s %5s   %-5s  %-5s  %-5s" % (
        "flagged vs bad", "n", "bad", "TP", "FP", "FN", "TN", "prec", "rec", "F1"))
    print_conf_row("modq", r["overall"]["modq"])
    print_conf_row("baseline regex", r["overall"]["regex"])
    print_conf_row("tfidf-lr by article", r["overall"]["tfidf_lr"])
    g = r["per_label"].get(GENUINE, {"n": 0, "modq": 0})
    print("  target genuine flagged <= %.1f%%: %s (%s, %d of %d)" % (
        100 * TARGET_GENUINE_FLAGGED, mark(r["target_met"]), _pct(g["modq"], g["n"]).strip(),
        g["modq"], g["n"]))
    print("  score ROC AUC bad vs genuine: modq %s  tfidf-lr %s" % (
        f3(r["auc"]["modq"]), f3(r["auc"]["tfidf_lr"])))
    print("  tfidf-lr = TF-IDF word 1-2 grams + logistic regression, leave one article out"
          " (trained on the other %d)" % (len({i["article"] for i in items}) - 1))
    print("  %-36s %4s %5s %5s %8s" % ("recall per bad kind", "n", "modq", "regex", "tfidf-lr"))
    for k, s in sorted(r["per_kind"].items()):
        if s["bad"]:
            print("  %-36s %4d %5d %5d %8d" % (k, s["n"], s["modq"], s["regex"], s["tfidf_lr"]))
    fl = ["%s %d/%d" % (k.split("/", 1)[1], s["modq"], s["n"])
          for k, s in sorted(r["per_kind"].items()) if not s["bad"] and s["modq"]]
    print("  genuine flagged by modq, per kind: %s" % (", ".join(fl) or "none"))
    print("  %-22s %7s %6s  %s" % ("flag", "genuine", "bad", "prec"))
    for code, c in sorted(r["flags"].items(), key=lambda kv: (-(kv[1]["bad"] + kv[1]["genuine"]),
                                                              kv[0])):
        print("  %-22s %7d %6d  %s" % (code, c["genuine"], c["bad"], f3(c["precision"])))
    if nerr:
        fps = sorted([i for i in items if not i["bad"] and i["flagged"]],
                     key=lambda i: -i["score"])
        fns = sorted([i for i in items if i["bad"] and not i["flagged"]],
                     key=lambda i: i["score"])
        print_errors("genuine comments flagged (highest score first)", fps, nerr, True)
        print_errors("bad comments not flagged (lowest score first)", fns, nerr, True)
