"""eval_common.py - figures, data helpers and formatting shared by the
sections of tools/eval.py.

Owns the metrics (confusion matrix, P/R/F1, ROC AUC, best threshold, flag
tables), the readers and id rules every data set uses (CSV with lower-case
headers, ids the service accepts) and the small printing helpers that keep
the sections' columns alike. Pure: never talks to the service, never
reads a file it was not given. Python 3 standard library only.
"""
import ast
import csv
import os
import re

ID_BAD = re.compile(r"[^A-Za-z0-9._:-]")
ID_MAX = 128          # MODEL_MAX_ID in include/model.h
MAX_TAGS = 64         # MODEL_MAX_TAGS in include/model.h
FLAGGED = ("pending", "rejected")


# ---------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------

def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def confusion(pairs):
    """pairs: (label positive?, predicted positive?) -> dict with P/R/F1."""
    tp = sum(1 for y, p in pairs if y and p)
    fp = sum(1 for y, p in pairs if not y and p)
    fn = sum(1 for y, p in pairs if y and not p)
    tn = sum(1 for y, p in pairs if not y and not p)
    p, r, f = prf(tp, fp, fn)
    return {"n": len(pairs), "pos": tp + fn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": p, "recall": r, "f1": f}


def auc(pos, neg):
    """ROC AUC = P(score of a positive > score of a negative), ties count
    half (Mann-Whitney U with average ranks). None if a class is empty."""
    if not pos or not neg:
        return None
    vals = sorted([(v, 1) for v in pos] + [(v, 0) for v in neg])
    rank_sum, i = 0.0, 0
    while i < len(vals):
        j = i
        while j < len(vals) and vals[j][0] == vals[i][0]:
            j += 1
        avg = (i + 1 + j) / 2.0          # ranks i+1..j share their mean
        rank_sum += avg * sum(1 for k in range(i, j) if vals[k][1])
        i = j
    u = rank_sum - len(pos) * (len(pos) + 1) / 2.0
    return u / (len(pos) * len(neg))


def best_threshold(pairs):
    """pairs: (label positive?, score). The score threshold t (flag when
    score >= t) with the best F1: shows whether misses come from the ranking
    or from where the service's thresholds sit."""
    best = None
    for t in sorted({sc for _, sc in pairs}):
        c = confusion([(y, sc >= t) for y, sc in pairs])
        if best is None or c["f1"] > best["f1"]:
            best = dict(c, threshold=t)
    return best


def flag_table(rows, classes):
    """rows: list of (class, [codes]) -> {code: {class: count}}."""
    out = {}
    for cls, codes in rows:
        for code in set(codes):
            out.setdefault(code, {c: 0 for c in classes})[cls] += 1
    return out


def codes(js):
    return [f.get("code", "?") for f in (js or {}).get("flags", [])]


def status_counts(items):
    out = {}
    for it in items:
        out[it["status"]] = out.get(it["status"], 0) + 1
    return out

# ---------------------------------------------------------------------------
# Data loading
# ---------------------------------------------------------------------------

def read_csv(path):
    # utf-8-sig drops a BOM at the start of the file only; U+FEFF inside
    # fields is handled per dataset.
    # Header names are matched case-insensitively (rows use lower-case keys).
    with open(path, encoding="utf-8-sig", newline="") as f:
        rd = csv.reader(f)
        head = [h.strip().lower() for h in next(rd, [])]
        return [dict(zip(head, row)) for row in rd if row]


def sanitise_id(raw, seen):
    s = ID_BAD.sub("_", raw)[:ID_MAX] or "x"
    base, n = s, 2
    while s in seen:                   # sanitising must not merge two comments
        suffix = ":%d" % n
        s = base[:ID_MAX - len(suffix)] + suffix
        n += 1
    seen.add(s)
    return s


def parse_tags(raw):
    raw = (raw or "").strip()
    if not raw:
        return []
    try:
        v = ast.literal_eval(raw)      # the file stores a Python list literal
        if isinstance(v, (list, tuple)):
            return [str(t) for t in v if str(t).strip()][:MAX_TAGS]
    except (ValueError, SyntaxError):
        pass
    parts = raw.strip("[]").split(",")
    return [p.strip().strip("'\"") for p in parts if p.strip().strip("'\"")][:MAX_TAGS]


def site_slug(filename):
    s = os.path.splitext(os.path.basename(filename))[0].lower()
    return ID_BAD.sub("-", s)[:64]

# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------

def f3(x):
    return "  -  " if x is None else "%.3f" % x


def mark(met):
    return "MET" if met else "MISSED"


def short(text, n=160):
    t = " ".join(text.replace("\ufeff", "").split())
    return t if len(t) <= n else t[:n - 1] + "…"


def flag_str(flags):
    return ", ".join("%s %.2f" % (f.get("code"), f.get("score", 0)) for f in flags) or "-"


def print_conf_row(label, c):
    print("  %-20s %5d %5d %5d %5d %5d %5d   %s  %s  %s" % (
        label, c["n"], c["pos"], c["tp"], c["fp"], c["fn"], c["tn"],
        f3(c["precision"]), f3(c["recall"]), f3(c["f1"])))


def fmt_counts(d):
    return " ".join("%s %d" % (k, d[k]) for k in ("approved", "pending", "rejected", "error")
                    if d.get(k))


def print_errors(title, its, n, rel=False):
    print("  -- %s: %d, showing %d" % (title, len(its), min(n, len(its))))
    for i in its[:n]:
        r = (" rel %s" % f3(i.get("relevance"))) if rel else ""
        print("   [%s %s %.3f%s] %s" % (i.get("site", i.get("cls", "")), i["status"], i["score"],
                                       r, flag_str(i["flags"])))
        print("      %s" % short(i["text"]))

