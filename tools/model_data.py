#!/usr/bin/env python3
"""model_data.py - the training rows of the learned models, in a fixed order.

Usage
-----
    python3 tools/model_data.py --data DIR --model ngram_spam > rows.tsv
    python3 tools/model_data.py --data DIR --model toxicity   > rows.tsv
    python3 tools/model_data.py --data DIR --eval semeval_good > rows.tsv

Writes one row per comment, `label<TAB>group<TAB>text`, label 1 = spam /
abusive, 0 = not, group = the source (a video, a collection) that
leave-one-site-out validation holds out; text escaped as \\\\ \\t \\n \\r.
tools/train_model.c reads them (`make model`). Only sets whose licence lets
a shipped model carry them (DIR/README.md):

  ngram_spam  YouTube Spam Collection, all three videos (CC BY 4.0; CLASS),
              ScamSpot Instagram comments (MIT; scam), the seed thread's
              three reader comments (label 0: readers, not spammers)
  toxicity    Davidson et al. tweets (MIT; hate and offensive = 1, neither
              = 0), Toxic Spans (CC0; each comment 1, each of its sentences
              with no annotated span 0), and genuine comments as 0: the
              YouTube ham, ScamSpot's genuine comments and the project's own
              corpus (tests/corpus, label genuine)

--eval semeval_good writes the SemEval-2015 Good answers (label 0), only to
measure false flags: SemEval is for evaluation, never for training.
The order is the files' order, fixed: the same data give the same rows.
"""
import argparse
import csv
import json
import os
import re
import sys

csv.field_size_limit(1 << 24)
HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "tests", "corpus", "comments.jsonl")
YOUTUBE = [("youtube01-psy", "Youtube01-Psy.csv"),
           ("youtube02-katyperry", "Youtube02-KatyPerry.csv"),
           ("youtube03-lmfao", "Youtube03-LMFAO.csv")]


def esc(t):
    return (t.replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def youtube(data, want=None):
    for group, name in YOUTUBE:
        for r in read_csv(os.path.join(data, "youtube-dev", name)):
            label = 1 if r["CLASS"].strip() == "1" else 0
            if want is None or label == want:
                yield label, group, r["CONTENT"].replace("\ufeff", "")


def scamspot(data, want=None):
    d = os.path.join(data, "scamspot-instagram-dev")
    for name in sorted(p for p in os.listdir(d) if p.endswith(".csv")):
        for r in read_csv(os.path.join(d, name)):
            label = 1 if r["scam"].strip() == "1" else 0
            if want is None or label == want:
                yield label, "scamspot", r["msg"]


def seed(data):
    with open(os.path.join(data, "seed", "thread.json"), encoding="utf-8") as f:
        for c in json.load(f)["comments"]:
            yield 0, "seed", c["text"]


def davidson(data):
    path = os.path.join(data, "toxicity-dev", "davidson-tweets", "labeled_data.csv")
    for r in read_csv(path):
        yield (0 if r["class"].strip() == "2" else 1), "davidson", r["tweet"]


SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
# A sentence shorter than this says too little to be a negative example.
MIN_CLEAN_SENTENCE = 40


def toxic_spans(data):
    """Each comment as a positive, and each of its sentences that holds no
    character of an annotated span as a negative: the annotators read it
    and marked nothing, and it comes from the same site, so the model
    learns the spans' wording rather than the site's style."""
    for name in ("tsd_train.csv", "tsd_trial.csv"):
        path = os.path.join(data, "toxicity-dev", "toxic-spans", name)
        if not os.path.isfile(path):
            continue
        for r in read_csv(path):
            text = r["text"]
            yield 1, "toxic_spans", text
            spans = set(json.loads(r["spans"] or "[]"))
            if not spans:
                continue  # toxic as a whole: no sentence is clean
            for m in SENTENCE.finditer(text):
                sent = m.group(0).strip()
                if (len(sent) >= MIN_CLEAN_SENTENCE
                        and not spans.intersection(range(m.start(), m.end()))):
                    yield 0, "toxic_spans", sent


def corpus_genuine():
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                c = json.loads(line)
                if c["label"] == "genuine":
                    yield 0, "corpus", c["text"]


def semeval_good(data):
    path = os.path.join(data, "semeval2015-dev", "semeval2015_cqa_ql_dev_flat.csv")
    for r in read_csv(path):
        if r["CGOLD"].strip() == "Good":
            yield 0, "semeval_good", r["CBody"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--model", choices=["ngram_spam", "toxicity"])
    g.add_argument("--eval", choices=["semeval_good"])
    a = ap.parse_args()
    if a.model == "ngram_spam":
        parts = [youtube(a.data), scamspot(a.data), seed(a.data)]
    elif a.model == "toxicity":
        ham = ((label, "youtube_ham", text) for label, _, text in youtube(a.data, 0))
        parts = [davidson(a.data), toxic_spans(a.data), ham,
                 scamspot(a.data, 0), corpus_genuine()]
    else:
        parts = [semeval_good(a.data)]
    out = sys.stdout
    for part in parts:
        for label, group, text in part:
            if text.strip():
                out.write("%d\t%s\t%s\n" % (label, group, esc(text)))


if __name__ == "__main__":
    main()
