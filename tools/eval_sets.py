"""eval_sets.py - the `scamspot`, `sms` and `toxicity` sections of
tools/eval.py: third-party sets of comments (or messages) that come without
the article they were written under.

Owns reading those sets from the data directory (scamspot-instagram-dev,
sms-spam-collection, toxicity-dev; the formats are the data README's), the
replay and the figures: P/R/F1 of flagged for scam and spam with the regex
and TF-IDF + LR (5-fold) baselines; for toxicity, the flagged rate per
Davidson class and the ROC AUC of the score, the flagged rate on Toxic
Spans and, once the service returns evidence spans, their character
overlap F1 with the annotated ones.

Replay choices, as a platform would post these: each set is its own site
(nothing leaks between sets through the duplicate index); all comments go
under one article id that is never registered, because the sets carry no
post, caption or article, and modq then judges no relevance (a placeholder
article would make every comment look off topic, which is the harness's
doing, not the comment's); every comment gets its own author name (the
sets carry none, and one shared name would turn every repeated "ok thanks"
into a same-author duplicate). Never writes into the data directory.
"""
import csv
import glob
import json
import math
import os

from eval_baseline import cross_predict, lr_flags, regex_flag
from eval_common import (FLAGGED, auc, codes, confusion, f3, flag_table, fmt_counts,
                         print_conf_row, print_errors, read_csv, sanitise_id,
                         status_counts)

SAMPLE_MAX = 2000      # rows per toxicity set: keeps the run short
FOLDS = 5              # TF-IDF + LR cross-validation on sets without groups
UNREGISTERED = "no-article"   # article id that is never PUT (see above)
DAVIDSON_CLASSES = (("0", "hate"), ("1", "offensive"), ("2", "neither"))

SCAMSPOT_DIR = "scamspot-instagram-dev"
SMS_FILE = os.path.join("sms-spam-collection", "SMSSpamCollection")
DAVIDSON_FILE = os.path.join("toxicity-dev", "davidson-tweets", "labeled_data.csv")
SPANS_DIR = os.path.join("toxicity-dev", "toxic-spans")
SPANS_FILES = ("tsd_train.csv", "tsd_trial.csv")


def present(name, data):
    """Whether the data of a section exist under data."""
    if data is None:
        return False
    if name == "scamspot":
        return os.path.isdir(os.path.join(data, SCAMSPOT_DIR))
    if name == "sms":
        return os.path.isfile(os.path.join(data, SMS_FILE))
    return (os.path.isfile(os.path.join(data, DAVIDSON_FILE)) or
            any(os.path.isfile(os.path.join(data, SPANS_DIR, f)) for f in SPANS_FILES))


def sample(rows):
    """Every k-th row (k = ceil(n / SAMPLE_MAX)), from the first: deterministic.
    Returns (new list, k)."""
    k = max(1, math.ceil(len(rows) / SAMPLE_MAX))
    return rows[::k], k


def post_all(cl, site, rows):
    """rows: (id, text, class) in posting order. Returns the items (new)."""
    items, seen = [], set()
    for raw_id, text, cls in rows:
        cid = sanitise_id(raw_id, seen)
        v = cl.verdict(site, {"id": cid, "article_id": UNREGISTERED, "text": text,
                              "author": {"name": "reader " + cid}})
        v.update({"id": cid, "text": text, "cls": cls, "flagged": v["status"] in FLAGGED})
        items.append(v)
    return items


# ---------------------------------------------------------------------------
# Scam / spam sets: P/R/F1 of flagged
# ---------------------------------------------------------------------------

def load_scamspot(data):
    paths = sorted(p for p in os.listdir(os.path.join(data, SCAMSPOT_DIR)) if p.endswith(".csv"))
    if not paths:
        raise FileNotFoundError("no csv in %s" % os.path.join(data, SCAMSPOT_DIR))
    rows = []
    for p in paths:
        for r in read_csv(os.path.join(data, SCAMSPOT_DIR, p)):
            rows.append(("ig-" + r["number"].strip(), r["msg"], r["scam"].strip() == "1"))
    return rows


def load_sms(data):
    rows = []
    with open(os.path.join(data, SMS_FILE), encoding="utf-8") as f:
        for n, line in enumerate(f):
            line = line.rstrip("\r\n")
            if not line:
                continue
            label, sep, text = line.partition("\t")
            if not sep or label not in ("ham", "spam"):
                raise ValueError("%s line %d: not label<TAB>text" % (SMS_FILE, n + 1))
            rows.append(("sms-%d" % (n + 1), text, label == "spam"))
    return rows


def run_binary(cl, site, rows):
    """Posts (id, text, positive?) rows; returns {"items"}."""
    return {"items": post_all(cl, site, rows)}


def figures_binary(res):
    """P/R/F1 of modq, the regex and TF-IDF + LR (FOLDS folds by row)."""
    items = res["items"]
    probs = cross_predict([it["text"] for it in items], [it["cls"] for it in items],
                          [i % FOLDS for i in range(len(items))])
    for it, p, lr in zip(items, probs, lr_flags(probs)):
        it["regex"], it["lr_p"], it["lr"] = regex_flag(it["text"]), p, lr
    res["modq"] = confusion([(it["cls"], it["flagged"]) for it in items])
    res["regex"] = confusion([(it["cls"], it["regex"]) for it in items])
    res["tfidf_lr"] = confusion([(it["cls"], it["lr"]) for it in items])
    pos = [it for it in items if it["cls"]]
    neg = [it for it in items if not it["cls"]]
    res["auc"] = {"modq": auc([i["score"] for i in pos], [i["score"] for i in neg]),
                  "tfidf_lr": auc([i["lr_p"] for i in pos], [i["lr_p"] for i in neg])}
    res["status"] = {"pos": status_counts(pos), "neg": status_counts(neg)}
    ft = flag_table([("pos" if it["cls"] else "neg", codes(it)) for it in items], ("pos", "neg"))
    for c in ft.values():
        c["precision"] = c["pos"] / (c["pos"] + c["neg"])
    res["flags"] = ft
    return res


def print_binary(title, r, pos, neg, nerr):
    print("\n== %s" % title)
    print("  %-20s %5s %5s %5s %5s %5s %5s   %-5s  %-5s  %-5s" % (
        "set", "n", pos, "TP", "FP", "FN", "TN", "prec", "rec", "F1"))
    print_conf_row("modq", r["modq"])
    print_conf_row("baseline regex", r["regex"])
    print_conf_row("tfidf-lr %d-fold" % FOLDS, r["tfidf_lr"])
    print("  status  %s: %s   %s: %s   score ROC AUC: modq %s  tfidf-lr %s" % (
        pos, fmt_counts(r["status"]["pos"]), neg, fmt_counts(r["status"]["neg"]),
        f3(r["auc"]["modq"]), f3(r["auc"]["tfidf_lr"])))
    print("  %-22s %6s %7s  %s" % ("flag", pos, neg, "prec"))
    for code, c in sorted(r["flags"].items(), key=lambda kv: (-(kv[1]["pos"] + kv[1]["neg"]),
                                                              kv[0])):
        print("  %-22s %6d %7d  %s" % (code, c["pos"], c["neg"], f3(c["precision"])))
    if nerr:
        its = r["items"]
        fps = sorted([dict(i, cls=i["id"]) for i in its if not i["cls"] and i["flagged"]],
                     key=lambda i: -i["score"])
        fns = sorted([dict(i, cls=i["id"]) for i in its if i["cls"] and not i["flagged"]],
                     key=lambda i: i["score"])
        print_errors("false positives (%s flagged, highest score first)" % neg, fps, nerr)
        print_errors("false negatives (%s not flagged, lowest score first)" % pos, fns, nerr)


# ---------------------------------------------------------------------------
# Toxicity: Davidson tweets and Toxic Spans
# ---------------------------------------------------------------------------

def load_davidson(data):
    rows = read_csv(os.path.join(data, DAVIDSON_FILE))
    names = dict(DAVIDSON_CLASSES)
    out = []
    for n, r in enumerate(rows):
        cls = names.get(r["class"].strip())
        if cls is None:
            raise ValueError("%s row %d: class %r" % (DAVIDSON_FILE, n + 1, r["class"]))
        out.append(("tw-%s" % (r.get("") or n), r["tweet"], cls))
    return out


def load_spans(data):
    """Toxic Spans rows (id, text, gold character offsets), train then trial."""
    out = []
    for name in SPANS_FILES:
        path = os.path.join(data, SPANS_DIR, name)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8", newline="") as f:
            rd = csv.DictReader(f)
            for n, r in enumerate(rd):
                out.append(("ts-%s-%d" % (name.split("_")[1].split(".")[0], n), r["text"],
                            json.loads(r["spans"] or "[]")))
    return out


PERSPECTIVE_PATH = "/v1alpha1/comments:analyze"
PERSPECTIVE_THRESHOLD = 0.5   # the endpoint's probability read as Coral reads it


def perspective_toxicity(cl, text):
    """TOXICITY summaryScore of the Perspective-compatible endpoint, or None
    when the service gave no score."""
    st, js = cl.call("POST", PERSPECTIVE_PATH,
                     {"comment": {"text": text}, "languages": ["en"], "doNotStore": True,
                      "requestedAttributes": {"TOXICITY": {}}}, stores=False)
    try:
        return float(js["attributeScores"]["TOXICITY"]["summaryScore"]["value"])
    except (TypeError, KeyError, ValueError):
        return None


def genuine_texts(data, corpus_root):
    """Genuine comments of other kinds, for the endpoint's false-flag rate:
    the corpus's genuine comments and YouTube ham. {set: [text, ...]}."""
    out = {}
    path = os.path.join(corpus_root or "", "comments.jsonl")
    if corpus_root and os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            out["corpus genuine"] = [c["text"] for c in map(json.loads, filter(str.strip, f))
                                     if c["label"] == "genuine"]
    yt = sorted(glob.glob(os.path.join(data, "youtube-dev", "Youtube*.csv")))
    if yt:
        out["youtube ham"] = [r["content"].replace("\ufeff", "") for p in yt
                              for r in read_csv(p) if r["class"].strip() == "0"]
    return out


def run_toxicity(cl, data, corpus_root=None):
    res = {}
    if os.path.isfile(os.path.join(data, DAVIDSON_FILE)):
        rows = load_davidson(data)
        s, k = sample(rows)
        res["davidson"] = {"items": post_all(cl, "davidson", s), "every": k,
                           "total": len(rows)}
    spans = load_spans(data)
    if spans:
        s, k = sample(spans)
        res["toxic_spans"] = {"items": post_all(cl, "toxic-spans", s), "every": k,
                              "total": len(spans)}
        for it in res["toxic_spans"]["items"]:
            it["perspective"] = perspective_toxicity(cl, it["text"])
        res["perspective_genuine"] = {
            name: [perspective_toxicity(cl, t) for t in texts]
            for name, texts in genuine_texts(data, corpus_root).items()}
    return res


def returned_spans(flags):
    """Union of the character offsets the flags highlight: each flag may carry
    "spans": [[begin, end], ...], half-open, in code points of the text as
    posted. Returns a new set, or None when no flag carries spans."""
    out, seen = set(), False
    for f in flags:
        sp = f.get("spans")
        if isinstance(sp, list):
            seen = True
            for pair in sp:
                if isinstance(pair, (list, tuple)) and len(pair) == 2:
                    out.update(range(int(pair[0]), int(pair[1])))
    return out if seen else None


def span_f1(pred, gold):
    """SemEval-2021 Task 5 per-post F1 of character offsets: 1 when both are
    empty, 0 when only one is."""
    if not pred and not gold:
        return 1.0
    if not pred or not gold:
        return 0.0
    both = len(pred & gold)
    p, r = both / len(pred), both / len(gold)
    return 2 * p * r / (p + r) if p + r else 0.0


def figures_toxicity(res):
    d = res.get("davidson")
    if d:
        items = d["items"]
        pos = [c != "neither" for c in (it["cls"] for it in items)]
        probs = cross_predict([it["text"] for it in items], pos,
                              [i % FOLDS for i in range(len(items))])
        for it, p, lr in zip(items, probs, lr_flags(probs)):
            it["lr_p"], it["lr"] = p, lr
        d["per_class"] = {}
        for _, c in DAVIDSON_CLASSES:
            sub = [it for it in items if it["cls"] == c]
            d["per_class"][c] = {"n": len(sub), "modq": sum(1 for i in sub if i["flagged"]),
                                 "tfidf_lr": sum(1 for i in sub if i["lr"])}
        by = {c: [it for it in items if it["cls"] == c] for _, c in DAVIDSON_CLASSES}
        d["auc"] = {}
        for key, name in (("score", "modq"), ("lr_p", "tfidf_lr")):
            d["auc"][name] = {
                "toxic_vs_neither": auc([i[key] for i in by["hate"] + by["offensive"]],
                                        [i[key] for i in by["neither"]]),
                "hate_vs_neither": auc([i[key] for i in by["hate"]],
                                       [i[key] for i in by["neither"]])}
        d["flags"] = flag_table([(it["cls"], codes(it)) for it in items],
                                [c for _, c in DAVIDSON_CLASSES])
    t = res.get("toxic_spans")
    if t:
        items = t["items"]
        t["n"], t["flagged"] = len(items), sum(1 for i in items if i["flagged"])
        t["status"] = status_counts(items)
        t["flags"] = flag_table([("toxic", codes(it)) for it in items], ("toxic",))
        f1s, with_spans = [], 0
        for it in items:
            pred = returned_spans(it["flags"])
            with_spans += pred is not None
            f1s.append(span_f1(pred or set(), set(it["cls"])))
        t["answers_with_spans"] = with_spans
        t["span_f1"] = sum(f1s) / len(f1s) if with_spans and f1s else None
        toxic = [i["perspective"] for i in items if i.get("perspective") is not None]
        gen = {k: [p for p in v if p is not None]
               for k, v in res.get("perspective_genuine", {}).items()}
        allgen = [p for v in gen.values() for p in v]
        t["perspective"] = {
            "n": len(toxic),
            "recall": sum(p >= PERSPECTIVE_THRESHOLD for p in toxic) / len(toxic) if toxic else None,
            "genuine": {k: (sum(p >= PERSPECTIVE_THRESHOLD for p in v), len(v))
                        for k, v in gen.items()},
            "auc": auc(toxic, allgen) if toxic and allgen else None}
    return res


def _pct(k, n):
    return "%6.1f%%" % (100.0 * k / n) if n else "     - "


def print_toxicity(r, nerr):
    print("\n== Toxicity  (flagged = pending|rejected; no article)")
    d = r.get("davidson")
    if d is None:
        print("  Davidson tweets: skipped: no data")
    else:
        print("  Davidson tweets: 1 row in %d, %d of %d; toxic = hate or offensive" % (
            d["every"], len(d["items"]), d["total"]))
        print("  %-12s %5s %7s %8s" % ("class", "n", "modq", "tfidf-lr"))
        for _, c in DAVIDSON_CLASSES:
            s = d["per_class"][c]
            print("  %-12s %5d %s  %s" % (c, s["n"], _pct(s["modq"], s["n"]),
                                          _pct(s["tfidf_lr"], s["n"])))
        for k, what in (("toxic_vs_neither", "hate+offensive vs neither"),
                        ("hate_vs_neither", "hate vs neither")):
            print("  score ROC AUC %-26s modq %s  tfidf-lr %d-fold %s" % (
                what + ":", f3(d["auc"]["modq"][k]), FOLDS, f3(d["auc"]["tfidf_lr"][k])))
        names = [c for _, c in DAVIDSON_CLASSES]
        print("  %-22s %s" % ("flag fired on", " ".join("%9s" % c for c in names)))
        for code, c in sorted(d["flags"].items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
            print("  %-22s %s" % (code, " ".join("%9d" % c[k] for k in names)))
        if nerr:
            its = [dict(i, cls="%s %s" % (i["cls"], i["id"])) for i in d["items"]]
            fps = sorted([i for i, o in zip(its, d["items"]) if o["cls"] == "neither" and
                          o["flagged"]], key=lambda i: -i["score"])
            fns = sorted([i for i, o in zip(its, d["items"]) if o["cls"] == "hate" and
                          not o["flagged"]], key=lambda i: i["score"])
            print_errors("'neither' tweets flagged (highest score first)", fps, nerr)
            print_errors("hate tweets not flagged (lowest score first)", fns, nerr)
    t = r.get("toxic_spans")
    if t is None:
        print("  Toxic Spans: skipped: no data")
        return
    print("  Toxic Spans: 1 row in %d, %d of %d news comments, all rated toxic" % (
        t["every"], t["n"], t["total"]))
    print("  flagged %s (%d of %d)   status: %s" % (
        _pct(t["flagged"], t["n"]).strip(), t["flagged"], t["n"], fmt_counts(t["status"])))
    print("  flags: %s" % (", ".join("%s %d" % (k, v["toxic"]) for k, v in sorted(
        t["flags"].items(), key=lambda kv: (-kv[1]["toxic"], kv[0]))) or "none"))
    if t["span_f1"] is None:
        print("  spans: no spans returned")
    else:
        print("  span F1 (characters, mean per comment, SemEval-2021 Task 5): %.3f"
              "  (%d of %d answers carry spans)" % (t["span_f1"], t["answers_with_spans"], t["n"]))
    pv = t.get("perspective")
    if pv and pv["n"]:
        print("  Perspective endpoint, TOXICITY >= %.1f: toxic news comments %s (%d)"
              % (PERSPECTIVE_THRESHOLD, _pct(round(pv["recall"] * pv["n"]), pv["n"]).strip(),
                 pv["n"]))
        for k, (above, n) in sorted(pv["genuine"].items()):
            print("    genuine above it: %-15s %s (%d of %d)" % (k, _pct(above, n).strip(), above, n))
        print("    ROC AUC toxic news vs genuine: %s" % f3(pv["auc"]))
    if nerr:
        fns = sorted([dict(i, cls=i["id"]) for i in t["items"] if not i["flagged"]],
                     key=lambda i: i["score"])
        print_errors("toxic comments not flagged (lowest score first)", fns, nerr)
