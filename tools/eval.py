#!/usr/bin/env python3
"""eval.py - measure modq's verdicts on labelled data, through the real service.

Usage
-----
    make eval DATA=../shared/data            # build/modq, then every section
    python3 tools/eval.py [--data DIR] [--modq build/modq] [--only SECTIONS]
                          [--json OUT.json] [--errors N] [--flood]
    python3 tools/eval.py                    # no --data: the corpus section only

Sections (--only takes a comma-separated list; by default every section
whose data exist runs, and one without prints "skipped: no data"):
    youtube   DIR/youtube-dev/Youtube*.csv + videos.csv  spam vs ham (UCI YouTube
              Spam Collection), each video's title/description/tags as its article
    semeval   DIR/semeval2015-dev/*.csv    Good/Bad forum answers (SemEval-2015 Task 3)
    seed      DIR/seed/thread.json         the seed article and its three comments
    corpus    tests/corpus (in this repository: runs without --data) the project's
              own labelled articles and comments (tests/corpus/README.md)
    scamspot  DIR/scamspot-instagram-dev/*.csv        Instagram comments, scam 1/0
    sms       DIR/sms-spam-collection/SMSSpamCollection  label<TAB>text, spam/ham
              (research use only: measured, never trained on for shipping)
    toxicity  DIR/toxicity-dev/davidson-tweets/labeled_data.csv (class 0 hate,
              1 offensive, 2 neither) and toxic-spans/tsd_{train,trial}.csv
              (all toxic, with annotated character spans); 1 row in
              ceil(n / 2000) of each, from the first, to keep the run short;
              then the toxicity flag with out-of-fold probabilities on every
              Toxic Spans comment and the genuine sets (eval_oof.py: the
              engine alone, build/train_model and build/eval_engine)
    bias      tests/fixtures/bias_templates.json (in this repository: runs without
              --data) neutral comments naming identity groups, and abuse paired
              with a report of it
DIR holds the third-party sets, never copied into the repository.

What it does
------------
Starts a throwaway redis-server and the real modq binary on free loopback
ports (random keys, temp dir), registers every article with
PUT /v1/sites/{site}/articles/{id}, posts every comment in file order with
POST /v1/sites/{site}/comments over one keep-alive connection, and scores the
answers against the labels. Both processes are stopped at the end, whatever
happens. One fresh Redis serves the whole run, each set in its own site(s),
the sections in the order above; nothing is learned from the labels (no
decisions are sent). The sets without articles (scamspot, sms, toxicity)
post under one article id that is never registered (modq then judges no
relevance) and give each comment its own author name (eval_sets.py says
why).

  flagged      = status "pending" or "rejected" (the service's own thresholds)
  YouTube      precision / recall / F1 of flagged for CLASS 1 (spam), per
               video and overall, the confusion matrix, per-flag counts, and a
               one-regex baseline on the same comments
  SemEval      ROC AUC of "relevance" for Good (positive) vs Bad (negative),
               ties counted half; off_topic precision/recall on Bad; flagged
               rate per class; comments without a relevance value are counted
  seed         status, score and flags of each comment
  corpus       flagged rate per label (recall of each bad label; false flags
               on genuine, target at most 2 %), P/R/F1 of flagged vs bad,
               score ROC AUC, recall per bad kind, genuine flagged per kind,
               flags on genuine vs bad
  scamspot/sms P/R/F1 of flagged, statuses, score ROC AUC, per-flag counts
  toxicity     Davidson: flagged rate per class, score ROC AUC hate+offensive
               vs neither (and hate vs neither); Toxic Spans: flagged rate,
               and the SemEval-2021 Task 5 character F1 of the spans the
               flags return ("spans": [[begin, end], ...], half-open, code
               points of the text as posted), or "no spans returned"
  bias         false flags per identity group and kind of group on neutral
               templates, and the scores of abuse vs its report (eval_bias.py)

Baselines, trained and tested in the same run (eval_baseline.py): the
one-line regex, and TF-IDF (word 1-2 grams) + L2 logistic regression
written in plain Python, each prediction made by a model that never saw
its group: leave one video out on YouTube (printed per held-out video and
pooled, after the seed section), leave one article out on the corpus,
5 folds by row (row index mod 5) on scamspot, sms and the Davidson sample.
They are printed beside modq's figures in each section.

--errors N     also print the N worst false positives and false negatives per
               dataset (highest-scored ham that was flagged, lowest-scored spam
               that was not; for SemEval, flagged Good answers and the worst
               relevance mistakes; for the corpus, the genuine comments
               flagged) with their flags - for engine tuning
--json OUT     write every figure (and the run's metadata) as JSON
--flood        keep the service's flood control (flood_max 20 per 600 s).
               Off by default: replay squeezes months of comments into
               seconds, so one prolific forum user (251 answers) would look
               like a flood that never happened.
--only X       run these sections only; naming one whose data are missing
               (or, without --data, any but corpus) is an error

The youtube, semeval and seed sections run first, each in its own sites, so
their lines do not depend on which other sections run and can be compared
between runs line by line; `--only youtube,semeval,seed` adds only the
YouTube baselines section after them.

Exit status: 0 when the run completed, even if targets are missed (this is a
measuring tool); 1 when the service answered non-2xx (they are listed) or did
not exit cleanly; 2 when the service could not be started, --data is not a
directory, or the data could not be read. Python 3 standard library only.
"""
import argparse
import datetime
import glob
import json
import os
import signal
import subprocess
import sys
import time

import eval_bias
import eval_oof
import eval_corpus
import eval_sets
from eval_baseline import BASELINE_RE, LR_THRESHOLD, cross_predict, lr_flags
from eval_common import (FLAGGED, ID_BAD, auc, best_threshold, codes, confusion, f3,
                         flag_str, flag_table, fmt_counts, mark, parse_tags, print_conf_row,
                         print_errors, read_csv, sanitise_id, short, site_slug, status_counts)
from eval_service import Client, Service, ServiceDied, StartError

TARGET_YT_F1 = 0.95
TARGET_YT_P = 0.95
TARGET_SEMEVAL_AUC = 0.72
SEED_COPY_ID = "3"    # the seed comment that repeats the article word for word


# ---------------------------------------------------------------------------
# Datasets
# ---------------------------------------------------------------------------

def run_youtube(cl, data):
    root = os.path.join(data, "youtube-dev")
    files = sorted(glob.glob(os.path.join(root, "Youtube*.csv")))
    if not files:
        raise FileNotFoundError("no Youtube*.csv in %s" % root)
    videos = {r["file"]: r for r in read_csv(os.path.join(root, "videos.csv"))}
    items = []
    for path in files:
        name = os.path.basename(path)
        site = site_slug(name)
        v = videos.get(name)
        if v is None:
            raise FileNotFoundError("%s has no row in videos.csv" % name)
        aid = ID_BAD.sub("_", v["video_id"])
        cl.call("PUT", "/v1/sites/%s/articles/%s" % (site, aid),
                {"title": v.get("video_title", ""), "body": v.get("video_description", ""),
                 "url": "https://www.youtube.com/watch?v=" + v["video_id"],
                 "tags": parse_tags(v.get("video_tags"))})
        seen = set()
        for row in read_csv(path):
            raw = row["content"]
            text = raw.rstrip("\ufeff")          # collection artefact (data README)
            cid = sanitise_id(row["comment_id"], seen)
            body = {"id": cid, "article_id": aid, "text": text,
                    "author": {"name": row.get("author") or "anonymous"}}
            if row.get("date"):
                body["created_at"] = row["date"][:64]
            st, js = cl.call("POST", "/v1/sites/%s/comments" % site, body)
            ok = 200 <= st < 300 and js is not None
            items.append({"site": site, "id": cid, "spam": row["class"].strip() == "1",
                          "text": raw, "http": st,
                          "status": js.get("status", "error") if ok else "error",
                          "score": js.get("score", 0.0) if ok else 0.0,
                          "flags": (js or {}).get("flags", []) if ok else [],
                          "baseline": bool(BASELINE_RE.search(raw))})
    res = {"sets": {}, "items": items}
    for site in sorted({it["site"] for it in items}) + ["all"]:
        sub = [it for it in items if site == "all" or it["site"] == site]
        res["sets"][site] = confusion([(it["spam"], it["status"] in FLAGGED) for it in sub])
    res["baseline"] = confusion([(it["spam"], it["baseline"]) for it in items])
    res["score_auc"] = auc([it["score"] for it in items if it["spam"]],
                           [it["score"] for it in items if not it["spam"]])
    res["best_threshold"] = best_threshold([(it["spam"], it["score"]) for it in items])
    res["status"] = {c: status_counts([it for it in items if it["spam"] == (c == "spam")])
                     for c in ("spam", "ham")}
    ft = flag_table([("spam" if it["spam"] else "ham", codes(it)) for it in items],
                    ("spam", "ham"))
    for code, c in ft.items():
        c["precision"] = c["spam"] / (c["spam"] + c["ham"])
    res["flags"] = ft
    a = res["sets"]["all"]
    res["target_met"] = a["f1"] >= TARGET_YT_F1 and a["precision"] >= TARGET_YT_P
    return res


SEMEVAL_CLASSES = ("Good", "Potential", "Dialogue", "Bad", "Not English")


def run_semeval(cl, data):
    files = sorted(glob.glob(os.path.join(data, "semeval2015-dev", "*.csv")))
    if not files:
        raise FileNotFoundError("no csv in %s" % os.path.join(data, "semeval2015-dev"))
    site = "semeval"
    items, articles, seen = [], set(), set()
    for path in files:
        for row in read_csv(path):
            qid = ID_BAD.sub("_", row["qid"])
            if qid not in articles:
                articles.add(qid)
                cl.call("PUT", "/v1/sites/%s/articles/%s" % (site, qid),
                        {"title": row["qsubject"] or row["qbody"][:200],
                         "body": row["qbody"]})
            cid = sanitise_id(row["cid"], seen)
            st, js = cl.call("POST", "/v1/sites/%s/comments" % site,
                             {"id": cid, "article_id": qid, "text": row["cbody"],
                              "author": {"name": row.get("cuserid") or "anonymous"}})
            ok = 200 <= st < 300 and js is not None
            items.append({"id": cid, "cls": row["cgold"].strip(), "text": row["cbody"],
                          "http": st, "status": js.get("status", "error") if ok else "error",
                          "score": js.get("score", 0.0) if ok else 0.0,
                          "relevance": js.get("relevance") if ok else None,
                          "flags": js.get("flags", []) if ok else []})
    classes = [c for c in SEMEVAL_CLASSES if any(it["cls"] == c for it in items)]
    classes += sorted({it["cls"] for it in items} - set(classes))
    res = {"items": items, "articles": len(articles), "classes": classes}
    good = [it for it in items if it["cls"] == "Good"]
    bad = [it for it in items if it["cls"] == "Bad"]
    res["auc"] = auc([it["relevance"] for it in good if it["relevance"] is not None],
                     [it["relevance"] for it in bad if it["relevance"] is not None])
    res["auc_n"] = {"Good": sum(1 for it in good if it["relevance"] is not None),
                    "Bad": sum(1 for it in bad if it["relevance"] is not None)}
    res["per_class"] = {}
    for c in classes:
        sub = [it for it in items if it["cls"] == c]
        rel = sorted(it["relevance"] for it in sub if it["relevance"] is not None)
        res["per_class"][c] = {
            "n": len(sub),
            "flagged": sum(1 for it in sub if it["status"] in FLAGGED),
            "off_topic": sum(1 for it in sub if "off_topic" in codes(it)),
            "no_relevance": sum(1 for it in sub if it["relevance"] is None),
            "median_relevance": rel[len(rel) // 2] if rel else None}
    res["off_topic"] = confusion([(it["cls"] == "Bad", "off_topic" in codes(it))
                                  for it in good + bad])
    res["flagged_bad"] = confusion([(it["cls"] == "Bad", it["status"] in FLAGGED)
                                    for it in good + bad])
    res["flags"] = flag_table([(it["cls"], codes(it)) for it in items], classes)
    res["target_met"] = res["auc"] is not None and res["auc"] >= TARGET_SEMEVAL_AUC
    return res


def run_seed(cl, data):
    with open(os.path.join(data, "seed", "thread.json"), encoding="utf-8") as f:
        seed = json.load(f)
    site, art = seed["site"], seed["article"]
    body = {"title": art["title"], "body": art["body"]}
    for k in ("url", "tags"):
        if art.get(k):
            body[k] = art[k]
    cl.call("PUT", "/v1/sites/%s/articles/%s" % (site, art["id"]), body)
    out = []
    for c in seed["comments"]:
        st, js = cl.call("POST", "/v1/sites/%s/comments" % site,
                         {"id": c["id"], "article_id": art["id"], "text": c["text"],
                          "author": c.get("author") or {"name": "anonymous"}})
        ok = 200 <= st < 300 and js is not None
        out.append({"id": c["id"], "text": c["text"], "http": st,
                    "status": js.get("status", "error") if ok else "error",
                    "score": js.get("score", 0.0) if ok else 0.0,
                    "relevance": js.get("relevance") if ok else None,
                    "flags": js.get("flags", []) if ok else []})
    c3 = [c for c in out if c["id"] == SEED_COPY_ID]
    met = bool(c3) and "copied_from_article" in codes(c3[0]) and c3[0]["status"] in FLAGGED
    return {"comments": out, "target_met": met}


# ---------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------

def print_youtube(r, nerr):
    print("\n== YouTube spam  (positive = CLASS 1 spam; flagged = pending|rejected)")
    print("  %-20s %5s %5s %5s %5s %5s %5s   %-5s  %-5s  %-5s" % (
        "set", "n", "spam", "TP", "FP", "FN", "TN", "prec", "rec", "F1"))
    for site, c in r["sets"].items():
        print_conf_row(site, c)
    print_conf_row("baseline regex", r["baseline"])
    a = r["sets"]["all"]
    print("  target F1 >= %.2f with precision >= %.2f: %s (F1 %.3f, P %.3f)" % (
        TARGET_YT_F1, TARGET_YT_P, mark(r["target_met"]), a["f1"], a["precision"]))
    print("  baseline = /%s/i on the raw CONTENT" % BASELINE_RE.pattern)
    print("  status  spam: %s   ham: %s   score ROC AUC spam vs ham: %s" % (
        fmt_counts(r["status"]["spam"]), fmt_counts(r["status"]["ham"]), f3(r["score_auc"])))
    b = r["best_threshold"]
    print("  score alone, best threshold: score >= %.3f gives P %.3f R %.3f F1 %.3f"
          % (b["threshold"], b["precision"], b["recall"], b["f1"]))
    print("  %-22s %6s %6s  %s" % ("flag", "spam", "ham", "prec"))
    for code, c in sorted(r["flags"].items(), key=lambda kv: -(kv[1]["spam"] + kv[1]["ham"])):
        print("  %-22s %6d %6d  %s" % (code, c["spam"], c["ham"], f3(c["precision"])))
    if nerr:
        its = r["items"]
        fps = sorted([i for i in its if not i["spam"] and i["status"] in FLAGGED],
                     key=lambda i: -i["score"])
        fns = sorted([i for i in its if i["spam"] and i["status"] not in FLAGGED],
                     key=lambda i: i["score"])
        print_errors("false positives (ham flagged, highest score first)", fps, nerr)
        print_errors("false negatives (spam not flagged, lowest score first)", fns, nerr)


def print_semeval(r, nerr):
    print("\n== SemEval-2015 relevance  (%d questions as articles, %d answers)" % (
        r["articles"], len(r["items"])))
    print("  relevance ROC AUC Good vs Bad (ties half): %s  on %d Good / %d Bad"
          "   target >= %.2f: %s" % (f3(r["auc"]), r["auc_n"]["Good"], r["auc_n"]["Bad"],
                                     TARGET_SEMEVAL_AUC, mark(r["target_met"])))
    o = r["off_topic"]
    print("  off_topic as a Bad detector (Good vs Bad): P %s  R %s  F1 %s  (TP %d FP %d FN %d)"
          % (f3(o["precision"]), f3(o["recall"]), f3(o["f1"]), o["tp"], o["fp"], o["fn"]))
    print("  %-12s %5s %8s %8s %10s %9s" % ("class", "n", "flagged", "off_top", "no_relev",
                                             "med_relev"))
    for c, s in r["per_class"].items():
        print("  %-12s %5d %7.1f%% %7.1f%% %10d %9s" % (
            c, s["n"], 100.0 * s["flagged"] / s["n"], 100.0 * s["off_topic"] / s["n"],
            s["no_relevance"], f3(s["median_relevance"])))
    miss = sum(s["no_relevance"] for s in r["per_class"].values())
    print("  answers without a relevance value: %d of %d" % (miss, len(r["items"])))
    cls = r["classes"]
    print("  %-22s %s" % ("flag fired on", " ".join("%9s" % c[:9] for c in cls)))
    for code, c in sorted(r["flags"].items(), key=lambda kv: -sum(kv[1].values())):
        print("  %-22s %s" % (code, " ".join("%9d" % c[k] for k in cls)))
    if nerr:
        its = r["items"]
        fps = sorted([i for i in its if i["cls"] == "Good" and i["status"] in FLAGGED],
                     key=lambda i: -i["score"])
        print_errors("Good answers flagged (highest score first)", fps, nerr, True)
        lo = sorted([i for i in its if i["cls"] == "Good" and i["relevance"] is not None],
                    key=lambda i: i["relevance"])
        print_errors("Good answers with the lowest relevance", lo, nerr, True)
        hi = sorted([i for i in its if i["cls"] == "Bad" and i["relevance"] is not None],
                    key=lambda i: -i["relevance"])
        print_errors("Bad answers with the highest relevance", hi, nerr, True)


def print_seed(r):
    print("\n== Seed thread")
    for c in r["comments"]:
        print("  comment %s: %-8s score %.3f relevance %s  flags: %s" % (
            c["id"], c["status"], c["score"], f3(c["relevance"]), flag_str(c["flags"])))
    print("  target comment %s flagged with copied_from_article: %s" % (
        SEED_COPY_ID, mark(r["target_met"])))


def youtube_lr(r):
    """Leave one video out: the TF-IDF + LR baseline trained on the other
    videos, and the regex, per held-out video and pooled (added to r)."""
    items = r["items"]
    probs = cross_predict([it["text"] for it in items], [it["spam"] for it in items],
                          [it["site"] for it in items])
    flags = lr_flags(probs)
    out = {"sets": {}, "regex_sets": {}}
    for site in sorted({it["site"] for it in items}) + ["all"]:
        sub = [k for k, it in enumerate(items) if site == "all" or it["site"] == site]
        out["sets"][site] = confusion([(items[k]["spam"], flags[k]) for k in sub])
        out["regex_sets"][site] = confusion([(items[k]["spam"], items[k]["baseline"])
                                             for k in sub])
    out["auc"] = auc([p for p, it in zip(probs, items) if it["spam"]],
                     [p for p, it in zip(probs, items) if not it["spam"]])
    r["tfidf_lr"] = out


def print_youtube_lr(r):
    lr = r["tfidf_lr"]
    print("\n== YouTube baselines  (leave one video out: tfidf-lr trained on the other videos)")
    print("  %-20s %5s %5s %5s %5s %5s %5s   %-5s  %-5s  %-5s" % (
        "held-out set", "n", "spam", "TP", "FP", "FN", "TN", "prec", "rec", "F1"))
    for site in lr["sets"]:
        name = site.split("-", 1)[-1]
        print_conf_row("%s modq" % name, r["sets"][site])
        print_conf_row("%s regex" % name, lr["regex_sets"][site])
        print_conf_row("%s tfidf-lr" % name, lr["sets"][site])
    print("  score ROC AUC spam vs ham, pooled: modq %s  tfidf-lr %s" % (
        f3(r["score_auc"]), f3(lr["auc"])))
    print("  tfidf-lr = TF-IDF word 1-2 grams (sublinear tf, L2 rows) + L2 logistic"
          " regression (C 1), flag at p >= %.1f" % LR_THRESHOLD)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

SECTIONS = ("youtube", "semeval", "seed", "corpus", "scamspot", "sms", "toxicity", "bias")
SECTION_PATH = {"youtube": "youtube-dev", "semeval": "semeval2015-dev",
                "seed": os.path.join("seed", "thread.json"),
                "scamspot": eval_sets.SCAMSPOT_DIR, "sms": eval_sets.SMS_FILE,
                "toxicity": "toxicity-dev"}


def git_state(repo):
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=5).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "service"],
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return head + ("+uncommitted engine changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def strip_items(res):
    """JSON output: the figures, not the per-comment answers (at any depth)."""
    if isinstance(res, dict):
        return {k: strip_items(v) for k, v in res.items() if k != "items"}
    return res


def present(name, data, corpus_root):
    """Whether a section's data exist (corpus: in the repository)."""
    if name == "corpus":
        return eval_corpus.present(corpus_root)
    if name == "bias":
        return eval_bias.present(os.path.dirname(os.path.dirname(corpus_root)))
    if data is None:
        return False
    if name in ("scamspot", "sms", "toxicity"):
        return eval_sets.present(name, data)
    return os.path.exists(os.path.join(data, SECTION_PATH[name]))


def skipped_line(name, data):
    where = os.path.join(data, SECTION_PATH[name]) if data else "no --data"
    print("\n== %s: skipped: no data (%s)" % (name, where))


def runner(name, cl, data, corpus_root):
    if name == "youtube":
        return run_youtube(cl, data)
    if name == "semeval":
        return run_semeval(cl, data)
    if name == "seed":
        return run_seed(cl, data)
    if name == "corpus":
        return eval_corpus.run(cl, corpus_root)
    if name == "scamspot":
        return eval_sets.run_binary(cl, "scamspot", eval_sets.load_scamspot(data))
    if name == "sms":
        return eval_sets.run_binary(cl, "sms", eval_sets.load_sms(data))
    if name == "bias":
        return eval_bias.run(cl, os.path.dirname(os.path.dirname(corpus_root)))
    return eval_sets.run_toxicity(cl, data, corpus_root)


def figures(results):
    """The figures that need no service: baselines trained and tested by
    held-out groups, and the new sections' scores. Returns seconds spent."""
    t0 = time.time()
    if "youtube" in results:
        youtube_lr(results["youtube"])
    if "corpus" in results:
        eval_corpus.figures(results["corpus"])
    for name in ("scamspot", "sms"):
        if name in results:
            eval_sets.figures_binary(results[name])
    if "toxicity" in results:
        eval_sets.figures_toxicity(results["toxicity"])
    if "bias" in results:
        eval_bias.figures(results["bias"])
    return time.time() - t0


def print_results(results, order, skipped, data, nerr):
    """order: the sections asked for, in SECTIONS order; skipped: those
    without data (one line each, where the section would be)."""
    for name in SECTIONS[:3]:
        if name in order and name in skipped:
            skipped_line(name, data)
    if "youtube" in results:
        print_youtube(results["youtube"], nerr)
    if "semeval" in results:
        print_semeval(results["semeval"], nerr)
    if "seed" in results:
        print_seed(results["seed"])
    if "youtube" in results:
        print_youtube_lr(results["youtube"])
    for name in order:
        if name in SECTIONS[:3]:
            continue
        if name in skipped:
            skipped_line(name, data)
        elif name == "corpus":
            eval_corpus.print_section(results[name], nerr)
        elif name == "scamspot":
            eval_sets.print_binary("ScamSpot Instagram comments  (positive = scam 1; flagged ="
                                   " pending|rejected; no article)", results[name],
                                   "scam", "genuine", nerr)
        elif name == "sms":
            eval_sets.print_binary("SMS Spam Collection  (positive = spam; flagged ="
                                   " pending|rejected; no article; research use only)",
                                   results[name], "spam", "ham", nerr)
        elif name == "toxicity":
            eval_sets.print_toxicity(results[name], nerr)
        elif name == "bias":
            eval_bias.print_section(results[name], nerr)


def main():
    ap = argparse.ArgumentParser(description="Measure modq on labelled data through the "
                                             "real service (see the notes at the top).")
    ap.add_argument("--data", help="data directory (e.g. ../shared/data); without it only"
                                   " the corpus in tests/corpus is measured")
    ap.add_argument("--modq", default="build/modq", help="modq binary (default build/modq)")
    ap.add_argument("--json", metavar="OUT", help="write all figures as JSON to OUT")
    ap.add_argument("--errors", type=int, default=0, metavar="N",
                    help="print the N worst false positives/negatives per dataset")
    ap.add_argument("--only", help="|".join(SECTIONS) + " (comma-separated list allowed);"
                                   " default: every one whose data exist")
    ap.add_argument("--flood", action="store_true",
                    help="keep the service's flood control (off by default, see notes)")
    args = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    corpus_root = os.path.join(repo, "tests", "corpus")
    if args.only is not None:
        only = [s.strip() for s in args.only.split(",") if s.strip()]
        for s in only:
            if s not in SECTIONS:
                ap.error("--only: unknown dataset %r" % s)
            if s not in ("corpus", "bias") and args.data is None:
                ap.error("--only %s needs --data" % s)
        skipped = set()
    else:
        only = list(SECTIONS)
        skipped = {s for s in only if not present(s, args.data, corpus_root)}
    if args.data is not None and not os.path.isdir(args.data):
        print("eval: no such data directory: %s" % args.data, file=sys.stderr)
        return 2

    started = time.time()
    meta = {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "modq": os.path.abspath(args.modq), "git": git_state(repo),
            "flood_control": args.flood,
            "data": os.path.abspath(args.data) if args.data else None,
            "corpus": corpus_root, "skipped": sorted(skipped)}
    print("modq eval  %s  binary %s  git %s  flood control %s" % (
        meta["date"], args.modq, meta["git"], "on" if args.flood else "off"))

    # SIGTERM/SIGHUP end the run through the same cleanup as Ctrl-C.
    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    svc = Service(args.modq, args.flood)
    results = {}
    cl = None
    try:
        try:
            svc.start()
        except (StartError, OSError) as e:
            print("eval: cannot start the service: %s" % e, file=sys.stderr)
            return 2
        cl = Client(svc.port, svc.key, lambda: svc.modq is not None and svc.modq.poll() is None)
        for name in SECTIONS:
            if name not in only or name in skipped:
                continue
            t0 = time.time()
            try:
                results[name] = runner(name, cl, args.data, corpus_root)
            except (OSError, KeyError, ValueError) as e:
                print("eval: cannot read the %s data: %s" % (name, e), file=sys.stderr)
                return 2
            results[name]["seconds"] = round(time.time() - t0, 2)
    except ServiceDied as e:
        print("eval: %s (exit status %s)\n%s" % (e, svc.modq.poll(), svc.log()[-3000:]),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("eval: interrupted", file=sys.stderr)
        return 130
    finally:
        if cl:
            cl.close()
        svc.stop()

    try:
        fig_seconds = figures(results)
    except KeyboardInterrupt:
        print("eval: interrupted", file=sys.stderr)
        return 130
    print_results(results, [s for s in SECTIONS if s in only], skipped, args.data,
                  args.errors)
    if "toxicity" in results:
        sys.stdout.flush()
        try:
            eval_oof.main(["--data", args.data])
        except (OSError, subprocess.SubprocessError, RuntimeError) as e:
            print("  out-of-fold figures failed: %s" % e)

    elapsed = time.time() - started
    print("\n== Service  %d requests in %.1f s (%s), non-2xx answers: %d" % (
        cl.requests, elapsed,
        ", ".join(["%s %.1fs" % (k, v["seconds"]) for k, v in results.items()] +
                  ["baselines %.1fs" % fig_seconds]),
        len(cl.failures)))
    if cl.existing:
        print("  WARNING: %d comments answered 200 (id already stored): their verdict is"
              " an earlier one" % cl.existing)
    for m, p, st, body in cl.failures[:20]:
        print("  %s %s -> %s %s" % (m, p, st, short(body, 120)))
    if svc.exit_problem:
        print("  " + svc.exit_problem)
    targets = {k: v["target_met"] for k, v in results.items() if "target_met" in v}
    print("  targets: " + ", ".join("%s %s" % (k, mark(v)) for k, v in targets.items()))

    if args.json:
        doc = {"meta": dict(meta, seconds=round(elapsed, 1), requests=cl.requests,
                            non_2xx=len(cl.failures),
                            failures=[list(f) for f in cl.failures[:100]]),
               "targets": {"youtube_f1": TARGET_YT_F1, "youtube_precision": TARGET_YT_P,
                           "semeval_auc": TARGET_SEMEVAL_AUC,
                           "seed": "comment %s flagged copied_from_article" % SEED_COPY_ID,
                           "corpus_genuine_flagged_max": eval_corpus.TARGET_GENUINE_FLAGGED},
               "results": {k: strip_items(v) for k, v in results.items()}}
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=1, ensure_ascii=False, sort_keys=True)
            f.write("\n")
    return 1 if cl.failures or svc.exit_problem else 0


if __name__ == "__main__":
    sys.exit(main())
