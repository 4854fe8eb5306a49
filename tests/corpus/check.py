#!/usr/bin/env python3
"""Validate the development corpus in tests/corpus/ and print its counts.

    python3 tests/corpus/check.py [CORPUS_DIR]

Checks articles/*.json and comments.jsonl against the format described in
README.md (fields and types, labels and kinds, unique ids, replies that point
to an earlier comment of the same article, articles that exist) and the
corpus minimums (every bad label at least 10 times, abuse at least 25).
Prints the counts per label, per kind and per article. Exits 1 on any
problem, 0 otherwise. Python 3 standard library only.
"""
import collections
import json
import os
import re
import sys
from urllib.parse import urlparse

KINDS = {
    "genuine": {
        "short_praise", "long_opinion", "dissent", "angry_on_topic", "question",
        "reply", "very_short_reply", "joke", "non_native_english",
        "related_tangent", "quote_and_reply", "correction", "personal_story",
        "mentions_own_blog_legitimately", "tip", "relevant_link",
        "money_mention", "public_phone_number", "newsletter_mention",
        "work_from_home_mention", "mild_swearing", "identity_mention",
        "reporting_abuse", "scam_warning",
    },
    "off_topic": {"off_topic_unrelated", "off_topic_reply_hijack"},
    "content_free": {"keyboard_mash", "emoji_only", "punctuation_only",
                     "test_post", "first_post"},
    "repetitive": {"one_word_repeated", "phrase_repeated", "letter_stretched"},
    "link_spam": {"disguised_link", "bare_shortener", "bare_link",
                  "author_url_generic_praise", "html_anchor"},
    "scam": {"fake_support_number", "investment_testimonial", "recovery_scam",
             "loan_offer", "job_offer", "prize", "visa", "crypto"},
    "promotion": {"subscribe_to_my_channel", "product_plug", "service_plug"},
    "contact_spam": {"contact_handle", "dating_contact", "email_me",
                     "whatsapp_number"},
    "copied": {"copied_from_article"},
    "duplicate": {"cross_author_duplicate"},
    "abuse": {"insult", "threat", "identity_attack", "profanity", "sexual"},
}
LABELS = list(KINDS)
MIN_PER_BAD_LABEL = 10
MIN_ABUSE = 25
ARTICLE_FIELDS = {"id": str, "kind": str, "title": str, "body": str,
                  "tags": list, "url": str}
COMMENT_FIELDS = {"id", "article_id", "parent_id", "author", "text", "label", "kind"}
AUTHOR_FIELDS = {"name", "email", "url"}
ALLOWED_HOSTS = ("example.com", "example.org")

problems = []


def problem(where, msg):
    problems.append(f"{where}: {msg}")


def host_ok(url):
    host = urlparse(url).hostname or ""
    return any(host == h or host.endswith("." + h) for h in ALLOWED_HOSTS)


def load_articles(d):
    arts = {}
    adir = os.path.join(d, "articles")
    if not os.path.isdir(adir):
        problem(adir, "missing")
        return arts
    for fn in sorted(os.listdir(adir)):
        path = os.path.join(adir, fn)
        if not fn.endswith(".json"):
            problem(path, "not a .json file")
            continue
        try:
            with open(path, encoding="utf-8") as f:
                a = json.load(f)
        except (OSError, ValueError) as e:
            problem(path, f"unreadable JSON: {e}")
            continue
        if not isinstance(a, dict):
            problem(path, "not an object")
            continue
        if set(a) != set(ARTICLE_FIELDS):
            problem(path, f"fields {sorted(a)} != {sorted(ARTICLE_FIELDS)}")
        bad = False
        for k, t in ARTICLE_FIELDS.items():
            if not isinstance(a.get(k), t) or not a.get(k):
                problem(path, f"{k} must be a non-empty {t.__name__}")
                bad = True
        if bad:
            continue
        if a["id"] + ".json" != fn:
            problem(path, f"id {a['id']!r} does not match the file name")
        if not all(isinstance(t, str) and t for t in a["tags"]):
            problem(path, "tags must be non-empty strings")
        if not host_ok(a["url"]):
            problem(path, f"url {a['url']!r} is not on example.com / example.org")
        words = len(a["body"].split())
        if not 250 <= words <= 700:
            problem(path, f"body has {words} words, expected 250-700")
        if a["id"] in arts:
            problem(path, f"duplicate article id {a['id']}")
        arts[a["id"]] = a
    return arts


def check_author(where, au):
    if not isinstance(au, dict):
        problem(where, "author must be an object")
        return
    if set(au) != AUTHOR_FIELDS:
        problem(where, f"author fields {sorted(au)} != {sorted(AUTHOR_FIELDS)}")
    if not isinstance(au.get("name"), str) or not au.get("name", "").strip():
        problem(where, "author.name must be a non-empty string")
    email = au.get("email")
    if email is not None and (not isinstance(email, str) or
                              not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        problem(where, f"author.email {email!r} is neither null nor an address")
    url = au.get("url")
    if url is not None and (not isinstance(url, str) or
                            not re.match(r"https?://[^\s/]+", url)):
        problem(where, f"author.url {url!r} is neither null nor an http(s) URL")


def load_comments(d, arts):
    path = os.path.join(d, "comments.jsonl")
    comments = []
    seen = {}
    prev_num = 0
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        problem(path, f"unreadable: {e}")
        return comments
    with f:
        for ln, line in enumerate(f, 1):
            where = f"comments.jsonl:{ln}"
            if not line.strip():
                problem(where, "empty line")
                continue
            try:
                c = json.loads(line)
            except ValueError as e:
                problem(where, f"invalid JSON: {e}")
                continue
            if not isinstance(c, dict):
                problem(where, "not an object")
                continue
            if set(c) != COMMENT_FIELDS:
                problem(where, f"fields {sorted(c)} != {sorted(COMMENT_FIELDS)}")
            cid = c.get("id")
            if not isinstance(cid, str) or not re.fullmatch(r"c\d{4,}", cid):
                problem(where, f"id {cid!r} is not of the form c0001")
                continue
            where = f"comments.jsonl:{ln} ({cid})"
            if cid in seen:
                problem(where, "duplicate id")
                continue
            if int(cid[1:]) <= prev_num:
                problem(where, "ids are not in increasing order")
            prev_num = max(prev_num, int(cid[1:]))
            aid = c.get("article_id")
            if aid not in arts:
                problem(where, f"article_id {aid!r} has no article")
            pid = c.get("parent_id")
            if pid is not None:
                if pid not in seen:
                    problem(where, f"parent_id {pid!r} is not an earlier comment")
                elif seen[pid]["article_id"] != aid:
                    problem(where, f"parent_id {pid} belongs to another article")
            check_author(where, c.get("author"))
            text = c.get("text")
            if not isinstance(text, str) or not text.strip():
                problem(where, "text must be a non-empty string")
            label, kind = c.get("label"), c.get("kind")
            if label not in KINDS:
                problem(where, f"label {label!r} not one of {LABELS}")
            elif kind not in KINDS[label]:
                problem(where, f"kind {kind!r} not allowed for label {label}")
            seen[cid] = c
            comments.append(c)
    return comments


def report(arts, comments):
    by_label = collections.Counter(c.get("label") for c in comments)
    by_kind = collections.Counter((c.get("label"), str(c.get("kind"))) for c in comments)
    per_article = collections.defaultdict(collections.Counter)
    for c in comments:
        per_article[c.get("article_id")][c.get("label")] += 1
    total = len(comments)
    print(f"{len(arts)} articles, {total} comments")
    print("\nper label:")
    for lab in LABELS:
        n = by_label.get(lab, 0)
        pct = 100.0 * n / total if total else 0.0
        print(f"  {lab:<13} {n:4d}  {pct:5.1f} %")
    print("\nper kind:")
    for lab in LABELS:
        kinds = sorted((k, n) for (l, k), n in by_kind.items() if l == lab)
        print(f"  {lab}: " + ", ".join(f"{k} {n}" for k, n in kinds))
    print("\nper article:" + " " * 26 + "total genuine  bad  replies")
    replies = collections.Counter(c.get("article_id") for c in comments if c.get("parent_id"))
    for aid in sorted(arts):
        cnt = per_article.get(aid, collections.Counter())
        n = sum(cnt.values())
        g = cnt.get("genuine", 0)
        print(f"  {aid:<36} {n:5d} {g:7d} {n - g:4d} {replies.get(aid, 0):8d}")
    print("\nbad labels per article:")
    for aid in sorted(arts):
        cnt = per_article.get(aid, collections.Counter())
        bad = ", ".join(f"{l} {cnt[l]}" for l in LABELS[1:] if cnt.get(l))
        print(f"  {aid}: {bad or '-'}")
    for aid in sorted(arts):
        if not per_article.get(aid):
            problem(aid, "article has no comments")
    for lab in LABELS[1:]:
        need = MIN_ABUSE if lab == "abuse" else MIN_PER_BAD_LABEL
        if by_label.get(lab, 0) < need:
            problem("corpus", f"label {lab} appears {by_label.get(lab, 0)} times, needs {need}")


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    arts = load_articles(d)
    comments = load_comments(d, arts)
    report(arts, comments)
    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
