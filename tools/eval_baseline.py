"""eval_baseline.py - the yardsticks tools/eval.py prints next to modq: the
one-line regex and a TF-IDF + logistic regression classifier, trained and
tested by held-out groups in the same run.

Owns both baselines and the cross-validation that keeps every prediction
out of its own training data (train on all groups but one, predict that
one). This is "what a user would build in an afternoon", written in plain
Python so the figure needs nothing installed: word unigrams and bigrams
(the default scikit-learn token pattern, lower-cased, HTML entities
decoded), sublinear tf, smoothed idf from the training fold only, L2
normalised rows; L2-regularised logistic regression (C = 1) fitted by
cyclic coordinate descent to convergence. The objective is strictly convex,
so the figures are its optimum's, not an optimiser's, and two runs give
the same ones. Never talks to the service and never sees a test fold while
training. Python 3 standard library only.
"""
import html
import math
import re

BASELINE_RE = re.compile(r"subscribe|http|channel|\.com|check out", re.IGNORECASE)

TOKEN_RE = re.compile(r"\b\w\w+\b")   # scikit-learn's default token pattern
LR_C = 1.0            # inverse regularisation strength, scikit-learn's default
LR_TOL = 1e-3         # converged when no weight moves more than this in a pass
LR_MAX_PASSES = 30    # coordinate descent passes at most (dev sets converge in < 15)
LR_MAX_HALVINGS = 20  # line search: halvings of the Newton step before giving up
ARMIJO = 0.01         # sufficient decrease: a share of the step's first-order gain
LR_THRESHOLD = 0.5    # flag when P(bad) >= 0.5, the classifier's own decision
LOGIT_CLIP = 30.0     # exp() range guard


def regex_flag(text):
    """The one-line regex baseline on the raw text."""
    return bool(BASELINE_RE.search(text))


def features(text):
    """Unigram and bigram counts of one text (dict feature -> count)."""
    t = html.unescape(text).replace("\ufeff", "").lower()
    words = TOKEN_RE.findall(t)
    out = {}
    for w in words:
        out[w] = out.get(w, 0) + 1
    for a, b in zip(words, words[1:]):
        k = a + " " + b
        out[k] = out.get(k, 0) + 1
    return out


def _fit_idf(docs):
    """Vocabulary and smoothed idf of the training docs:
    idf = ln((1 + n) / (1 + df)) + 1 (scikit-learn's smooth_idf)."""
    df = {}
    for d in docs:
        for f in d:
            df[f] = df.get(f, 0) + 1
    n = len(docs)
    vocab, idf = {}, []
    for f in sorted(df):
        vocab[f] = len(idf)
        idf.append(math.log((1.0 + n) / (1.0 + df[f])) + 1.0)
    return vocab, idf


def _rows(docs, vocab, idf):
    """Sparse L2-normalised TF-IDF rows [(feature index, value)]; features
    unknown to the training fold are dropped."""
    rows = []
    for d in docs:
        r = [(vocab[f], (1.0 + math.log(c)) * idf[vocab[f]]) for f, c in d.items()
             if f in vocab]
        norm = math.sqrt(sum(v * v for _, v in r))
        rows.append([(i, v / norm) for i, v in r] if norm > 0 else [])
    return rows


def _sigmoid(z):
    z = max(-LOGIT_CLIP, min(LOGIT_CLIP, z))
    return 1.0 / (1.0 + math.exp(-z))


def _softplus(z):
    """log(1 + e^z) without overflow."""
    return z + math.log1p(math.exp(-z)) if z > 0 else math.log1p(math.exp(z))


def _train(rows, ys, nfeat):
    """L2-regularised logistic regression: minimises
    C * sum(log loss) + |w|^2 / 2 (bias not regularised) by cyclic
    coordinate descent: per weight (features in index order, then the
    bias) one Newton step, halved until the objective drops enough
    (Armijo), with every row's logit kept up to date. Stops when no weight
    moved more than LR_TOL in a pass, or after LR_MAX_PASSES.
    Returns (new weight list, bias)."""
    n = len(rows)
    cols = [[] for _ in range(nfeat + 1)]           # the last column: the bias
    for i, r in enumerate(rows):
        for f, v in r:
            cols[f].append((i, v))
        cols[nfeat].append((i, 1.0))
    w = [0.0] * (nfeat + 1)
    z = [0.0] * n
    sign = [1.0 if y else -1.0 for y in ys]
    exp = math.exp
    for _ in range(LR_MAX_PASSES):
        moved = 0.0
        for j, col in enumerate(cols):
            reg = 1.0 if j < nfeat else 0.0
            wj = w[j]
            g, h = reg * wj, reg + 1e-12
            for i, x in col:
                p = 1.0 / (1.0 + exp(-max(-LOGIT_CLIP, min(LOGIT_CLIP, z[i]))))
                g += LR_C * (p - (sign[i] > 0)) * x
                h += LR_C * p * (1.0 - p) * x * x
            d = -g / h
            if d == 0.0:
                continue
            old = sum(_softplus(-sign[i] * z[i]) for i, _ in col)
            for _ in range(LR_MAX_HALVINGS):
                new = sum(_softplus(-sign[i] * (z[i] + d * x)) for i, x in col)
                if LR_C * (new - old) + reg * ((wj + d) ** 2 - wj * wj) / 2 <= ARMIJO * d * g:
                    break
                d /= 2
            else:
                continue                               # no decrease found: keep w[j]
            for i, x in col:
                z[i] += d * x
            w[j] = wj + d
            moved = max(moved, abs(d))
        if moved < LR_TOL:
            break
    return w[:nfeat], w[nfeat]


def cross_predict(texts, labels, groups):
    """Out-of-fold P(positive) for every text: for each distinct group,
    train on the texts of every other group and predict this one's.
    texts: list of str; labels: list of bool; groups: fold key per text.
    Returns a new list of floats in the order of texts."""
    feats = [features(t) for t in texts]
    probs = [0.0] * len(texts)
    for g in sorted(set(groups), key=str):
        train = [i for i, k in enumerate(groups) if k != g]
        test = [i for i, k in enumerate(groups) if k == g]
        if not train:
            continue
        vocab, idf = _fit_idf([feats[i] for i in train])
        w, b = _train(_rows([feats[i] for i in train], vocab, idf),
                      [1.0 if labels[i] else 0.0 for i in train], len(idf))
        for i, x in zip(test, _rows([feats[i] for i in test], vocab, idf)):
            probs[i] = _sigmoid(sum(w[f] * val for f, val in x) + b)
    return probs


def lr_flags(probs):
    """The classifier's decisions: P >= LR_THRESHOLD."""
    return [p >= LR_THRESHOLD for p in probs]
