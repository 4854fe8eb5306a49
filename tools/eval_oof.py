#!/usr/bin/env python3
"""eval_oof.py - the toxicity flag with out-of-fold probabilities (make eval).

Usage
-----
    python3 tools/eval_oof.py --data DIR [--train build/train_model]
                              [--engine build/eval_engine]

The toxicity model is trained on the Toxic Spans comments and on the
genuine comments it is measured on (tools/model_data.py), so the service's
figures on them are in-sample. This section gives the cross-validated form:
`train_model --name toxicity --oof` writes each training row's 5-fold
out-of-fold probability (the fold model that never saw the row, Platt-
scaled as the committed model is), and build/eval_engine (the engine alone,
tools/eval_engine.c) scores each comment twice, with the committed model's
probability and with its out-of-fold one in the model's place. Reported:
the Toxic Spans comments (all toxic, every one) that reach review
(status pending or rejected), and the genuine comments flagged -- YouTube
ham, ScamSpot's genuine comments, the corpus's genuine comments (trained
on: out-of-fold counts), SemEval-2015 Good answers and the bias templates'
neutral comments (never trained on: the committed model's probability is
already out-of-sample, so both columns are the same run). Each comment is
its own author under no article, as eval_sets.py posts them. Both
binaries: `make build/train_model build/eval_engine`. About a minute of
training on two cores and a few seconds of scoring. Python 3 standard
library only.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import model_data  # noqa: E402

FLAGGED = ("pending", "rejected")
TRAINED_GENUINE = (("youtube_ham", "YouTube ham"), ("scamspot", "ScamSpot genuine"),
                   ("corpus", "corpus genuine"))
NEEDS = (os.path.join("toxicity-dev", "toxic-spans"), "youtube-dev",
         "scamspot-instagram-dev", "semeval2015-dev")
BIAS_FIXTURE = os.path.join(REPO, "tests", "fixtures", "bias_templates.json")


def rows(data, *args):
    return subprocess.run([sys.executable, os.path.join(HERE, "model_data.py"),
                           "--data", data] + list(args), check=True,
                          capture_output=True, text=True).stdout.splitlines()


def bias_rows():
    with open(BIAS_FIXTURE, encoding="utf-8") as f:
        fx = json.load(f)
    return ["0\tbias\t" + model_data.esc(t.replace("{adj}", g["adj"])
                                          .replace("{plural}", g["plural"]))
            for g in fx["groups"] for t in fx["neutral"]]


def engine(binary, lines):
    """Each row's (group, status, flags) from the engine alone."""
    out = subprocess.run([binary], input="".join(l + "\n" for l in lines), check=True,
                         capture_output=True, text=True).stdout.splitlines()
    if len(out) != len(lines):
        raise RuntimeError("eval_engine answered %d rows of %d" % (len(out), len(lines)))
    return [o.split("\t")[1:4] for o in out]


def tally(res):
    n = len(res)
    k = sum(1 for _, st, _ in res if st in FLAGGED)
    tox = sum(1 for _, st, fl in res if st in FLAGGED and "toxicity" in fl.split(","))
    return n, k, tox


def line(name, a, b):
    def cell(t):
        n, k, tox = t
        return "%5d of %5d %5.1f%% (%4d)" % (k, n, 100.0 * k / n if n else 0, tox)
    print("  %-24s %s   %s" % (name, cell(a), cell(b)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--train", default=os.path.join(REPO, "build", "train_model"))
    ap.add_argument("--engine", default=os.path.join(REPO, "build", "eval_engine"))
    a = ap.parse_args(argv)
    print("\n== Toxicity flag, out-of-fold (the engine alone; toxicity model 5-fold:"
          " each comment scored by the fold model that never saw it)")
    missing = [d for d in NEEDS if not os.path.isdir(os.path.join(a.data, d))]
    if missing:
        print("  skipped: no data (%s)" % ", ".join(missing))
        return 0
    for b in (a.train, a.engine):
        if not os.access(b, os.X_OK):
            print("  skipped: no %s (make build/train_model build/eval_engine)" % b)
            return 0
    t0 = time.time()
    train = rows(a.data, "--model", "toxicity")
    oof_path = os.path.join(REPO, "build", "toxicity.oof")
    subprocess.run([a.train, "--name", "toxicity", "--oof", oof_path],
                   input="".join(l + "\n" for l in train), check=True,
                   capture_output=True, text=True)
    with open(oof_path, encoding="utf-8") as f:
        probs = [l.rstrip("\n").split("\t")[2] for l in f]
    if len(probs) != len(train):
        raise RuntimeError("train_model --oof wrote %d rows of %d" % (len(probs), len(train)))
    keep = {"toxic_spans": "1", "youtube_ham": "0", "scamspot": "0", "corpus": "0"}
    sel = [(l, p) for l, p in zip(train, probs)
           if keep.get(l.split("\t", 2)[1]) == l[0] and p != "-"]
    committed = engine(a.engine, [l for l, _ in sel])
    oof = engine(a.engine, ["%s\t%s" % (l, p) for l, p in sel])
    unseen = rows(a.data, "--eval", "semeval_good") + bias_rows()
    fresh = engine(a.engine, unseen)

    def group(res, g):
        return [r for r in res if r[0] == g]
    print("  flagged = pending|rejected; in brackets: with the toxicity flag among its flags")
    print("  %-24s %-27s   %-27s" % ("", "committed model", "out-of-fold"))
    line("Toxic Spans to review", tally(group(committed, "toxic_spans")),
         tally(group(oof, "toxic_spans")))
    print("  genuine comments flagged:")
    for g, name in TRAINED_GENUINE:
        line(name, tally(group(committed, g)), tally(group(oof, g)))
    for g, name in (("semeval_good", "SemEval Good"), ("bias", "bias neutral")):
        t = tally(group(fresh, g))
        line(name + " (unseen)", t, t)
    print("  (%.0f s)" % (time.time() - t0))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
