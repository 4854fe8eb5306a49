#!/usr/bin/env python3
"""eval_learned.py - leave-one-site-out figures of the learned models (make eval).

Usage
-----
    python3 tools/eval_learned.py --data DIR [--train build/train_model]
                                  [--only ngram_spam,toxicity]

For each learned model (service/engine/models/<name>.txt) it builds the
training rows from DIR (tools/model_data.py) and runs `train_model --loso`:
for every source (a YouTube video, ScamSpot, Davidson, Toxic Spans, a set
of genuine comments), a model is trained and calibrated on the other
sources only and measured on the held-out one: ROC AUC where the source has
both classes, the share above the calibrated 0.5 ("flag@0.5": recall on a
positive-only source, false flags on a genuine-only one), and precision /
recall / F1 at 0.5. Then the committed model is scored on SemEval-2015 Good
answers, genuine forum answers no model was trained on (evaluation only):
the share above 0.5 is its false-flag rate on genuine comments of a new
site. Needs build/train_model (`make build/train_model`). Python 3 standard
library only.
"""
import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODELS = ("ngram_spam", "toxicity")


def rows(data, *args):
    return subprocess.run([sys.executable, os.path.join(HERE, "model_data.py"),
                           "--data", data] + list(args), check=True,
                          capture_output=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--train", default=os.path.join(REPO, "build", "train_model"))
    ap.add_argument("--only", default=",".join(MODELS))
    a = ap.parse_args()
    if not os.path.isdir(a.data):
        print("\n== Learned models\n  skipped: no data")
        return 0
    good = rows(a.data, "--eval", "semeval_good")
    for name in [m for m in a.only.split(",") if m]:
        t0 = time.time()
        print("\n== Learned model %s: leave-one-site-out (train on the other sources,"
              " calibrate, test on the one held out)" % name)
        sys.stdout.flush()
        data = rows(a.data, "--model", name)
        out = subprocess.run([a.train, "--name", name, "--loso"], input=data, check=True,
                             capture_output=True).stdout.decode()
        print(out.rstrip())
        model = os.path.join(REPO, "service", "engine", "models", name + ".txt")
        if os.path.isfile(model):
            sc = subprocess.run([a.train, "--score", model], input=good, check=True,
                                capture_output=True).stdout.decode().splitlines()
            p = [float(l.split("\t")[2]) for l in sc if l.split("\t")[2] != "-"]
            for cut in (0.5, 0.71, 0.9):
                k = sum(1 for x in p if x >= cut)
                print("  committed model on SemEval Good (never trained on): %d of %d"
                      " (%.1f%%) at p >= %.2f" % (k, len(p), 100.0 * k / max(1, len(p)), cut))
        print("  (%.0f s)" % (time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
