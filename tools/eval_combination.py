#!/usr/bin/env python3
"""eval_combination.py - is a fitted combination of the detectors' signals
better than the engine's hand-set one? (make eval)

Usage
-----
    python3 tools/eval_combination.py --data DIR [--modq build/modq]

Posts the labelled sets with a site of their own each -- the three YouTube
videos, the project corpus and ScamSpot -- through the real service
(tools/eval_service.py), exactly as tools/eval.py does, and keeps each
verdict's flags. A comment becomes a row of features: the score of each
flag code (0 when absent). For every source in turn, a logistic regression
(L2, classes weighted equally) is fitted on the other sources, its
threshold chosen for the best F1 on them, and it is measured on the source
held out, next to the engine's own verdict (flagged = pending|rejected)
and the engine's score (AUC) on the same comments. Leave-one-site-out:
never trained and tested on the same video or site. The labels are each
set's own (spam, scam, or any bad kind of the corpus), so a source whose
idea of "bad" differs from the others' shows it here.
Python 3 standard library only.
"""
import argparse
import importlib.util
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import eval_corpus  # noqa: E402
import eval_service  # noqa: E402
import eval_sets  # noqa: E402
from eval_common import FLAGGED, auc, confusion  # noqa: E402

L2 = 1.0          # ridge penalty (per row count: lambda / n)
ITERATIONS = 400  # full-batch gradient steps (Newton would be overkill)
STEP = 2.0


def load_eval():
    spec = importlib.util.spec_from_file_location("modq_eval", os.path.join(HERE, "eval.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def collect(cl, data):
    """[(source, bad, {code: score}, engine_flagged, engine_score)]"""
    ev = load_eval()
    out = []
    yt = ev.run_youtube(cl, data)
    for it in yt["items"]:
        out.append((it["site"], it["spam"], {f["code"]: f["score"] for f in it["flags"]},
                    it["status"] in FLAGGED, it["score"]))
    root = os.path.join(HERE, "..", "tests", "corpus")
    if eval_corpus.present(root):
        for it in eval_corpus.run(cl, root)["items"]:
            out.append(("corpus", it["bad"], {f["code"]: f["score"] for f in it.get("flags", [])},
                        it["status"] in FLAGGED, it.get("score", 0.0)))
    if eval_sets.present("scamspot", data):
        for it in eval_sets.post_all(cl, "scamspot", eval_sets.load_scamspot(data)):
            out.append(("scamspot", it["cls"], {f["code"]: f["score"] for f in it.get("flags", [])},
                        it["flagged"], it.get("score", 0.0)))
    return out


def fit(x, y):
    """Weights (bias last) of an L2 logistic regression, classes weighted
    equally, by gradient descent from zero: deterministic."""
    n, d = len(x), len(x[0])
    pos = sum(y)
    cw = {1: n / (2.0 * pos), 0: n / (2.0 * (n - pos))}
    w = [0.0] * (d + 1)
    for _ in range(ITERATIONS):
        g = [0.0] * (d + 1)
        for xi, yi in zip(x, y):
            z = w[d] + sum(a * b for a, b in zip(w, xi))
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            e = (p - yi) * cw[yi]
            for j, v in enumerate(xi):
                if v:
                    g[j] += e * v
            g[d] += e
        for j in range(d):
            w[j] -= STEP * (g[j] / n + L2 * w[j] / n)
        w[d] -= STEP * g[d] / n
    return w


def prob(w, xi):
    z = w[-1] + sum(a * b for a, b in zip(w, xi))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def fmt(v):
    return "-" if v is None else "%.3f" % v


def best_f1_threshold(ps, ys):
    best, at = -1.0, 0.5
    for t in sorted(set(round(p, 3) for p in ps)):
        c = confusion([(y, p >= t) for p, y in zip(ps, ys)])
        if c["f1"] > best:
            best, at = c["f1"], t
    return at


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--modq", default=os.path.join(HERE, "..", "build", "modq"))
    a = ap.parse_args()
    if not os.path.isdir(os.path.join(a.data, "youtube-dev")):
        print("\n== Fitted combination\n  skipped: no data")
        return 0
    svc = eval_service.Service(a.modq, False)
    try:
        svc.start()
        rows = collect(eval_service.Client(svc.port, svc.key), a.data)
    finally:
        svc.stop()
    codes = sorted({c for r in rows for c in r[2]})
    x = [[r[2].get(c, 0.0) for c in codes] for r in rows]
    y = [1 if r[1] else 0 for r in rows]
    sources = sorted({r[0] for r in rows})
    print("\n== Fitted combination of the detector signals (logistic regression, leave one source out)")
    print("  %d comments, %d features (flag scores); threshold: best F1 on the training sources"
          % (len(rows), len(codes)))
    print("  held out              n   bad |  engine P    R    F1   AUC | fitted P    R    F1   AUC")
    tot_e, tot_f = [], []
    for s in sources:
        tr = [i for i, r in enumerate(rows) if r[0] != s]
        te = [i for i, r in enumerate(rows) if r[0] == s]
        w = fit([x[i] for i in tr], [y[i] for i in tr])
        t = best_f1_threshold([prob(w, x[i]) for i in tr], [y[i] for i in tr])
        pe = [(y[i] == 1, rows[i][3]) for i in te]
        pf = [(y[i] == 1, prob(w, x[i]) >= t) for i in te]
        tot_e += pe
        tot_f += pf
        ce, cf = confusion(pe), confusion(pf)
        ae = auc([rows[i][4] for i in te if y[i]], [rows[i][4] for i in te if not y[i]])
        af = auc([prob(w, x[i]) for i in te if y[i]], [prob(w, x[i]) for i in te if not y[i]])
        print("  %-18s %5d %5d | %8.3f %5.3f %5.3f %5s | %8.3f %5.3f %5.3f %5s"
              % (s, len(te), sum(y[i] for i in te), ce["precision"], ce["recall"], ce["f1"],
                 fmt(ae), cf["precision"], cf["recall"], cf["f1"], fmt(af)))
    ce, cf = confusion(tot_e), confusion(tot_f)
    print("  %-18s %5d %5d | %8.3f %5.3f %5.3f       | %8.3f %5.3f %5.3f"
          % ("all (pooled)", len(rows), sum(y), ce["precision"], ce["recall"], ce["f1"],
             cf["precision"], cf["recall"], cf["f1"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
