/* review.js - modq's review page: the queue, evidence highlighting, claims
 * and decisions, over modq's review API (docs/review.md).
 *
 * Rules this file keeps:
 *  - The moderator key lives in sessionStorage (this tab only), is sent as
 *    an Authorization header to this origin only, never put in a URL.
 *  - Who signs in is the key's (GET /v1/review/whoami); a name is typed only
 *    for a key that has none (moderator_anonymous_keys).
 *  - User text (comments, titles, names, flag details) reaches the DOM only
 *    through textContent / createTextNode, never innerHTML: a comment is
 *    data, not markup. Article links are used only when http(s).
 *  - A decision is held for UNDO_MS before it is sent, so "undo" leaves no
 *    trace (no second decision, no webhook, no learning); leaving the page
 *    sends what is held at once (fetch keepalive).
 */
(function () {
  'use strict';

  var UNDO_MS = 5000;           /* how long a decision can be taken back */
  var PAGE_SIZE = 50;           /* items per GET /v1/review page */
  var STATS_EVERY_MS = 30000;   /* stats refresh while the page is open */
  var MAX_MARKS = 200;          /* highlighted ranges per comment */
  var LCS_MAX_WORDS = 600;      /* words compared per side for duplicates */
  var KEY_STORE = 'modq.review.key';
  var NAME_STORE = 'modq.review.moderator';

  /* Evidence shapes (GET /v1/detectors, "evidence") that quote the
   * comment's text; "links": every link in the text is evidence too. */
  var SPAN_EVIDENCE = { span: 1, links: 1 };

  var $ = function (id) { return document.getElementById(id); };

  var state = {
    key: '',
    moderator: '',      /* the key's name (GET /v1/review/whoami), or the name typed
                           for a key without one */
    items: [],          /* shown items, in queue order */
    seq: 0,             /* order of arrival, to put undone items back */
    selected: -1,       /* index into items */
    cursor: null,
    held: [],           /* decisions waiting UNDO_MS: {items, decision, timer, label} */
    originals: {},      /* "site/id" -> comment (duplicate originals) */
    detectors: {},      /* flag code -> row of GET /v1/detectors */
    folder: 'pending',  /* the folder shown (status=) */
    compact: false,     /* compact list: evidence and context on demand */
    statsTimer: 0,
    sayTimer: 0
  };

  /* ============================================================ helpers */

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function say(msg) {
    /* re-set so the same message is announced again */
    var s = $('status');
    s.textContent = '';
    window.clearTimeout(state.sayTimer);
    state.sayTimer = window.setTimeout(function () { s.textContent = msg; }, 30);
  }

  /* On a failure and on navigation (filters, sign-out) the last progress
   * message ("Sending in 5 seconds") is stale. */
  function clearStatus() {
    window.clearTimeout(state.sayTimer);
    $('status').textContent = '';
  }

  function fail(msg) {
    clearStatus();
    var s = $('errors');
    s.textContent = '';
    $('errors-box').hidden = false;
    window.setTimeout(function () { s.textContent = msg; }, 30);
  }

  function clearErrors() {
    $('errors').textContent = '';
    $('errors-box').hidden = true;
  }

  function age(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return '–';
    var s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min';
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + (m % 60) + ' min';
    return Math.floor(h / 24) + ' days';
  }

  function clock(ms) {
    var d = new Date(ms);
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function safeUrl(u) {
    if (typeof u !== 'string' || !u) return '';
    try {
      var p = new URL(u);
      return p.protocol === 'http:' || p.protocol === 'https:' ? p.href : '';
    } catch (e) { return ''; }
  }

  function num(v) { return typeof v === 'number' && isFinite(v) ? v : null; }

  /* ============================================================ API */

  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  /* fetch JSON from the review API; rejects with ApiError. A request of a
   * session that ended (signed out, or signed in anew) is never sent, and
   * its answer is dropped: code 'signed_out' (quiet() tells it apart). The
   * decisions flushed at sign-out (keepalive) still complete. */
  function api(method, path, body, keepalive) {
    var key = state.key;
    if (!key) return Promise.reject(new ApiError(0, 'signed_out', 'Signed out.'));
    var opt = { method: method, headers: { Authorization: 'Bearer ' + key },
                credentials: 'omit', cache: 'no-store', keepalive: !!keepalive };
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    return fetch(path, opt).then(function (r) {
      if (!keepalive && state.key !== key) throw new ApiError(0, 'signed_out', 'Signed out.');
      return r.text().then(function (t) {
        var j = null;
        try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
        if (r.ok) return j;
        var er = j && j.error ? j.error : {};
        throw new ApiError(r.status, er.code || 'http_' + r.status,
                           er.message || ('HTTP ' + r.status));
      });
    }, function (e) {
      if (e instanceof ApiError) throw e;
      throw new ApiError(0, 'network', 'modq could not be reached');
    });
  }

  /* 1 for the error of a request whose session has ended: nothing to say. */
  function quiet(e) { return e instanceof ApiError && e.code === 'signed_out'; }

  function explain(e) {
    if (!(e instanceof ApiError)) return String(e && e.message || e);
    if (e.status === 401) return 'The key was not accepted (401). Sign in again.';
    if (e.status === 403) return 'This key may not do that (403): ' + e.message;
    if (e.status === 409) return 'Conflict (409): ' + e.message;
    if (e.status === 429) return 'Too many requests (429): ' + e.message;
    return e.message + (e.status ? ' (' + e.status + ')' : '');
  }

  function query(params) {
    var q = [];
    Object.keys(params).forEach(function (k) {
      if (params[k] !== '' && params[k] !== null && params[k] !== undefined)
        q.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k]));
    });
    return q.length ? '?' + q.join('&') : '';
  }

  function obj(v) { return v && typeof v === 'object' && !Array.isArray(v) ? v : null; }

  /* One item of GET /v1/review or POST /v1/review/claim (docs/review.md):
   * {site, id, article_id, article_title, age_s, claim: {by, expires_in_s}
   * or null, comment: the comment's API form, context: {article, parent,
   * thread, author_history, identity}}. */
  function normItem(r) {
    var c = r.comment && typeof r.comment === 'object' ? r.comment : {};
    var claim = r.claim && typeof r.claim === 'object' ? r.claim : {};
    var cx = obj(r.context) || {};
    var art = obj(cx.article) || {};
    return {
      site: String(r.site || ''),
      id: String(r.id || ''),
      articleId: String(r.article_id || ''),
      title: typeof r.article_title === 'string' ? r.article_title : '',
      url: safeUrl(art.url),
      status: typeof c.status === 'string' ? c.status : '',
      decided: !!obj(c.decision),
      decidedBy: obj(c.decision) && typeof c.decision.by === 'string' ? c.decision.by : '',
      parent: obj(cx.parent),
      thread: Array.isArray(cx.thread) ? cx.thread.filter(obj) : [],
      history: obj(cx.author_history),
      identity: obj(cx.identity),
      author: c.author && typeof c.author.name === 'string' ? c.author.name : '',
      text: typeof c.text === 'string' ? c.text : '',
      score: num(c.score),
      flags: Array.isArray(c.flags) ? c.flags : [],
      ageMs: num(r.age_s) !== null ? r.age_s * 1000 : null,
      claimedBy: typeof claim.by === 'string' ? claim.by : '',
      leaseMs: num(claim.expires_in_s) !== null ? claim.expires_in_s * 1000 : null,
      leaseEnd: num(claim.expires_in_s) !== null ? Date.now() + claim.expires_in_s * 1000 : null,
      seq: state.seq++,
      note: '',
      error: ''
    };
  }

  /* ============================================================ evidence */

  function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&'); }

  /* All case-insensitive occurrences of re in text as [start, end). */
  function allMatches(text, re) {
    var out = [], m;
    re.lastIndex = 0;
    while ((m = re.exec(text)) !== null && out.length < MAX_MARKS) {
      if (m[0].length === 0) { re.lastIndex++; continue; }
      out.push([m.index, m.index + m[0].length]);
    }
    return out;
  }

  var WORD = /[\p{L}\p{N}]+/gu;
  var PHONE_EV = /^\+?\d{7,16}$/;   /* the engine's form of a phone number */

  /* Where does evidence occur in text? The engine reports spans of its
   * normalised text (case folded, tags stripped, spaces collapsed, cut at
   * 200 bytes), so: the exact string, then the same words with anything
   * but letters/digits between them (the last one may be cut short), then
   * each comma-separated part (word lists). */
  function locate(text, evidence, depth) {
    var ev = String(evidence || '').trim();
    if (ev.length < 2) return [];
    var found = allMatches(text, new RegExp(escapeRe(ev), 'giu'));
    if (found.length) return found;
    if (PHONE_EV.test(ev)) {
      /* a phone number is reported as its digits: find them as written,
       * with spaces, dots, dashes, slashes or brackets between */
      var pp = '(?<!\\d)(?:\\+|\\()?' + ev.replace(/\D/g, '').split('').join('[\\s().\\/-]{0,3}') +
        '(?!\\d)';
      found = allMatches(text, new RegExp(pp, 'gu'));
      if (found.length) return found;
    }
    var words = ev.match(WORD) || [];
    if (words.length > 1 || (words.length === 1 && words[0].length >= 2)) {
      words = words.slice(0, 80);
      var pat = '(?<![\\p{L}\\p{N}])' + words.map(escapeRe).join('[^\\p{L}\\p{N}]+');
      found = allMatches(text, new RegExp(pat, 'giu'));
      if (found.length) return found;
    }
    if (!depth && /[,;]/.test(ev)) {
      ev.split(/[,;]/).forEach(function (part) {
        found = found.concat(locate(text, part, 1));
      });
    }
    return found;
  }

  var URL_RE = /(?:\bhttps?:\/\/|\bwww\.)[^\s<>"'`]+/giu;

  function links(text) {
    return allMatches(text, URL_RE).map(function (r) {
      var end = r[1];
      while (end > r[0] && /[.,;:!?)\]}]/.test(text.charAt(end - 1))) end--;
      return [r[0], end];
    });
  }

  /* What flag code's evidence holds ("span", "links", "comment", ...), or
   * '' when no detector of the table raises it (trusted_author) or the
   * table could not be had: such evidence is listed, never highlighted. */
  function evidenceShape(code) {
    var d = state.detectors[code];
    return d && typeof d.evidence === 'string' ? d.evidence : '';
  }

  /* Highlight ranges [{s, e, code}] for an item's own text. */
  function evidenceRanges(item) {
    var out = [];
    item.flags.forEach(function (f) {
      if (!f || typeof f.code !== 'string') return;
      var shape = evidenceShape(f.code);
      if (shape === 'links') links(item.text).forEach(function (r) {
        out.push({ s: r[0], e: r[1], code: f.code });
      });
      if (!SPAN_EVIDENCE[shape]) return;
      locate(item.text, f.evidence, 0).forEach(function (r) {
        out.push({ s: r[0], e: r[1], code: f.code });
      });
    });
    return out.slice(0, MAX_MARKS);
  }

  /* Append text to parent with the ranges as <mark> elements: a range
   * inside another nests in it (a spam word inside a link), one crossing
   * another's end is cut there and goes on after it; ranges with the same
   * extent share one mark (data-flags lists every flag). */
  function renderMarked(parent, text, ranges) {
    var byExtent = {};
    var list = [];
    ranges.forEach(function (r) {
      if (!(r.e > r.s)) return;
      var k = r.s + ':' + r.e;
      if (byExtent[k]) {
        if (byExtent[k].codes.indexOf(r.code) < 0) byExtent[k].codes.push(r.code);
        return;
      }
      byExtent[k] = { s: r.s, e: r.e, codes: [r.code] };
      list.push(byExtent[k]);
    });
    fill(parent, text, 0, text.length, list);
  }

  function byStart(a, b) { return a.s - b.s || b.e - a.e; }

  function fill(parent, text, from, to, list) {
    list = list.slice().sort(byStart);
    var pos = from;
    while (list.length) {
      var r = list.shift();
      var s = Math.max(r.s, pos), e = Math.min(r.e, to);
      if (e <= s) continue;
      if (s > pos) parent.appendChild(document.createTextNode(text.slice(pos, s)));
      var inner = [], rest = [];
      list.forEach(function (x) {
        if (x.s >= e) { rest.push(x); return; }
        inner.push({ s: x.s, e: Math.min(x.e, e), codes: x.codes });
        if (x.e > e) rest.push({ s: e, e: x.e, codes: x.codes });
      });
      var m = el('mark', 'ev-' + r.codes[0]);
      m.setAttribute('data-flags', r.codes.join(' '));
      m.title = r.codes.join(', ');
      fill(m, text, s, e, inner);
      parent.appendChild(m);
      pos = e;
      list = rest.sort(byStart);
    }
    if (pos < to) parent.appendChild(document.createTextNode(text.slice(pos, to)));
  }

  /* Longest run of words (case-insensitive) shared by a and b:
   * {a: [s, e], b: [s, e], words} in character offsets, or null. */
  function commonRun(a, b) {
    function words(t) {
      var out = [], m, re = new RegExp(WORD.source, 'gu');
      while ((m = re.exec(t)) !== null && out.length < LCS_MAX_WORDS)
        out.push({ w: m[0].toLowerCase(), s: m.index, e: m.index + m[0].length });
      return out;
    }
    var wa = words(a), wb = words(b);
    if (!wa.length || !wb.length) return null;
    var prev = new Array(wb.length + 1).fill(0), best = 0, endA = 0, endB = 0;
    for (var i = 1; i <= wa.length; i++) {
      var cur = new Array(wb.length + 1).fill(0);
      for (var j = 1; j <= wb.length; j++) {
        if (wa[i - 1].w === wb[j - 1].w) {
          cur[j] = prev[j - 1] + 1;
          if (cur[j] > best) { best = cur[j]; endA = i; endB = j; }
        }
      }
      prev = cur;
    }
    if (best < 2 && !(best === 1 && wa.length === 1)) return null;
    return { a: [wa[endA - best].s, wa[endA - 1].e], b: [wb[endB - best].s, wb[endB - 1].e],
             words: best };
  }

  /* ============================================================ rendering */

  function itemKey(it) { return it.site + '/' + it.id; }

  /* A live lease of another moderator: the item cannot be decided here
   * until it ends (the server would answer 409 lease_held). */
  function heldByOther(it) {
    return !!it.claimedBy && it.claimedBy !== state.moderator &&
      (it.leaseEnd === null || it.leaseEnd > Date.now());
  }

  function leaseText(it) {
    return it.leaseEnd !== null ? ', lease ends ' + clock(it.leaseEnd) : '';
  }

  function renderItem(it, index) {
    var li = el('li', 'item');
    li.tabIndex = -1;
    li.setAttribute('data-key', itemKey(it));
    li.setAttribute('aria-labelledby', 'h-' + it.seq);
    var locked = heldByOther(it);
    if (locked) li.classList.add('claimed-other');

    var head = el('div', 'item-head');
    var cb = el('input');
    cb.type = 'checkbox';
    cb.className = 'pick';
    cb.id = 'pick-' + it.seq;
    cb.checked = !!it.picked && !locked;
    cb.disabled = locked;
    cb.addEventListener('change', function () { it.picked = cb.checked; updateBulk(); });
    var cbl = el('label', 'visually-hidden', 'Select comment by ' + (it.author || 'anonymous'));
    cbl.htmlFor = cb.id;
    head.appendChild(cb);
    head.appendChild(cbl);

    var hb = el('div', 'head-body');
    var h = el('h3');
    h.id = 'h-' + it.seq;
    renderTitle(h, it);
    hb.appendChild(h);
    var meta = el('p', 'meta');
    meta.appendChild(el('span', 'site', 'Site: ' + it.site));
    meta.appendChild(el('span', 'author', 'By: ' + (it.author || 'anonymous')));
    meta.appendChild(el('span', 'age', (state.folder === 'pending' ? 'Waiting: ' : 'Filed: ') +
      age(it.ageMs) + (state.folder === 'pending' ? '' : ' ago')));
    if (state.folder !== 'pending' && it.status)
      meta.appendChild(el('span', 'badge status-' + it.status,
        it.status.charAt(0).toUpperCase() + it.status.slice(1) + (it.decided
          ? ' by ' + (it.decidedBy || 'a moderator') : ' by the engine')));
    meta.appendChild(el('span', 'score',
      'Score: ' + (it.score === null ? '–' : it.score.toFixed(2))));
    if (it.claimedBy) {
      var mine = it.claimedBy === state.moderator;
      var txt = (mine ? 'Claimed by you' : 'Claimed by ' + it.claimedBy) + leaseText(it);
      meta.appendChild(el('span', 'badge ' + (mine ? 'mine' : 'other'), txt));
    }
    hb.appendChild(meta);
    head.appendChild(hb);
    li.appendChild(head);

    if (it.parent) li.appendChild(renderParent(it.parent));

    var text = el('blockquote', 'text');
    text.setAttribute('aria-label', 'Comment text, evidence highlighted');
    renderMarked(text, it.text, evidenceRanges(it).concat(it.dupRanges || []));
    li.appendChild(text);

    /* the compact list shows the head, the text and the buttons; the
     * evidence and the context open on demand */
    var details = el('div', 'details');
    details.id = 'details-' + it.seq;
    var toggle = el('button', 'toggle', it.open ? 'Hide evidence and context'
                                                : 'Show evidence and context');
    toggle.type = 'button';
    toggle.setAttribute('aria-expanded', it.open ? 'true' : 'false');
    toggle.setAttribute('aria-controls', details.id);
    toggle.addEventListener('click', function () {
      it.open = !it.open;
      rerender(it);
      var t = it.node && it.node.querySelector('.toggle');
      if (t) t.focus();
    });
    li.appendChild(toggle);
    if (state.compact && !it.open) details.hidden = true;

    if (it.original) details.appendChild(renderOriginal(it));

    var fl = el('ul', 'flags');
    fl.setAttribute('aria-label', 'Flags');
    it.flags.forEach(function (f) {
      if (!f || typeof f.code !== 'string') return;
      var row = el('li');
      var code = el('span', 'flag-code', f.code);
      var d = state.detectors[f.code];
      if (d && typeof d.summary === 'string') code.title = d.summary;
      row.appendChild(code);
      if (num(f.score) !== null) row.appendChild(document.createTextNode(' ' + f.score.toFixed(2)));
      if (f.detail) row.appendChild(document.createTextNode(' — ' + f.detail));
      /* evidence once: not again when the detail quotes it, nor for a
       * duplicate (its original is shown) */
      var quoted = f.detail && typeof f.evidence === 'string' &&
        String(f.detail).toLowerCase().indexOf(f.evidence.toLowerCase()) >= 0;
      if (f.evidence && !quoted && evidenceShape(f.code) !== 'comment') {
        row.appendChild(document.createTextNode(' · evidence: '));
        row.appendChild(el('q', 'flag-ev', f.evidence));
      }
      fl.appendChild(row);
    });
    details.appendChild(fl);
    details.appendChild(renderContext(it));
    li.appendChild(details);

    var act = el('div', 'actions');
    var nf = el('div', 'field');
    var nl = el('label', null, 'Note (optional)');
    var ni = el('input');
    ni.type = 'text';
    ni.id = 'note-' + it.seq;
    ni.maxLength = 2048;
    ni.value = it.note;
    ni.addEventListener('input', function () { it.note = ni.value; });
    nl.htmlFor = ni.id;
    nf.appendChild(nl);
    nf.appendChild(ni);
    if (!state.compact || it.open) act.appendChild(nf);
    var ab = el('button', 'approve', 'Approve');
    ab.type = 'button';
    ab.setAttribute('aria-describedby', h.id);
    ab.addEventListener('click', function () { decide([it], 'approve'); });
    var rb = el('button', 'reject', 'Reject');
    rb.type = 'button';
    rb.setAttribute('aria-describedby', h.id);
    rb.addEventListener('click', function () { decide([it], 'reject'); });
    if (locked) {
      ab.disabled = rb.disabled = true;
      var why = el('p', 'hint locked', 'Claimed by ' + it.claimedBy + leaseText(it) +
                   ': it can be decided when the lease ends.');
      why.id = 'locked-' + it.seq;
      ab.setAttribute('aria-describedby', h.id + ' ' + why.id);
      rb.setAttribute('aria-describedby', h.id + ' ' + why.id);
      li.appendChild(why);
      /* open it again when the lease runs out */
      window.clearTimeout(it.unlockTimer);
      it.unlockTimer = window.setTimeout(function () { rerender(it); },
                                         Math.max(0, it.leaseEnd - Date.now()) + 100);
    }
    act.appendChild(ab);
    act.appendChild(rb);
    li.appendChild(act);

    if (it.error) li.appendChild(el('p', 'item-error', it.error));

    li.addEventListener('focusin', function () {
      var i = state.items.indexOf(it);
      if (i >= 0 && i !== state.selected) select(i, false);
    });
    it.node = li;
    return li;
  }

  function renderTitle(h, it) {
    while (h.firstChild) h.removeChild(h.firstChild);
    var title = it.title || ('Article ' + it.articleId);
    if (it.url) {
      var a = el('a', null, title);
      a.href = it.url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      h.appendChild(a);
    } else {
      h.appendChild(document.createTextNode(title));
    }
  }

  /* The comment replied to, above the reply. */
  function renderParent(p) {
    var box = el('div', 'parent');
    var who = obj(p.author) && typeof p.author.name === 'string' ? p.author.name : 'anonymous';
    box.appendChild(el('p', 'ctx-label', 'In reply to ' + who +
      (typeof p.status === 'string' ? ' (' + p.status + ')' : '') + ':'));
    var q = el('blockquote', 'text parent-text', typeof p.text === 'string' ? p.text : '');
    q.setAttribute('aria-label', 'Parent comment');
    box.appendChild(q);
    return box;
  }

  /* Thread neighbours, the author's history and (moderators) the identity. */
  function renderContext(it) {
    var box = el('div', 'context');
    if (it.thread.length) {
      box.appendChild(el('p', 'ctx-label', 'Just before it in the thread:'));
      var ol = el('ol', 'thread');
      it.thread.forEach(function (t) {
        var row = el('li');
        var who = obj(t.author) && typeof t.author.name === 'string' ? t.author.name : 'anonymous';
        row.appendChild(el('span', 'thread-who', who + (typeof t.status === 'string'
          ? ' (' + t.status + ')' : '') + ': '));
        row.appendChild(document.createTextNode(typeof t.text === 'string' ? t.text : ''));
        ol.appendChild(row);
      });
      box.appendChild(ol);
    }
    var h = it.history;
    var hist = el('p', 'history');
    if (h) {
      hist.appendChild(el('span', 'ctx-label', 'Author history: '));
      hist.appendChild(document.createTextNode(
        (num(h.approved) || 0) + ' approved · ' + (num(h.rejected) || 0) + ' rejected · ' +
        (num(h.pending) || 0) + ' pending' +
        (num(h.first_seen_ms) ? ' · first seen ' + age(Date.now() - h.first_seen_ms) + ' ago' : '')));
      var recent = Array.isArray(h.recent) ? h.recent.filter(obj) : [];
      if (recent.length) {
        hist.appendChild(document.createTextNode(' · latest: ' + recent.map(function (r) {
          return String(r.status || '?') + (typeof r.decided_by === 'string'
            ? ' by ' + r.decided_by : '');
        }).join(', ')));
      }
    } else {
      hist.appendChild(el('span', 'ctx-label', 'Author history: '));
      hist.appendChild(document.createTextNode('none (no e-mail or address to know them by)'));
    }
    box.appendChild(hist);
    var idn = it.identity;
    if (idn && (idn.user_agent || idn.ip || idn.email)) {
      var p = el('p', 'identity');
      p.appendChild(el('span', 'ctx-label', 'Seen as: '));
      var parts = [];
      if (typeof idn.email === 'string') parts.push('e-mail ' + idn.email);
      if (typeof idn.ip === 'string') parts.push('IP ' + idn.ip);
      if (typeof idn.user_agent === 'string') parts.push('browser ' + idn.user_agent);
      p.appendChild(document.createTextNode(parts.join(' · ')));
      box.appendChild(p);
    }
    return box;
  }

  function renderOriginal(it) {
    var o = it.original;
    var box = el('div', 'original');
    var p = el('p', null, 'Duplicate of comment ' + o.id +
      (o.author && o.author.name ? ' by ' + o.author.name : '') +
      (o.status ? ' (' + o.status + ')' : '') + ':');
    box.appendChild(p);
    var q = el('blockquote', 'text');
    q.setAttribute('aria-label', 'Original comment, shared text highlighted');
    renderMarked(q, typeof o.text === 'string' ? o.text : '', it.origRanges || []);
    box.appendChild(q);
    return box;
  }

  /* Fetch the original of a duplicate flag and mark the shared words. */
  function loadOriginal(it) {
    var f = it.flags.filter(function (x) { return x && x.code === 'duplicate' && x.evidence; })[0];
    if (!f) return;
    var k = it.site + '/' + f.evidence;
    var got = state.originals[k];
    var p = got ? Promise.resolve(got)
      : api('GET', '/v1/sites/' + encodeURIComponent(it.site) + '/comments/' +
            encodeURIComponent(f.evidence));
    p.then(function (o) {
      if (!o) return;
      state.originals[k] = o;
      var run = commonRun(it.text, typeof o.text === 'string' ? o.text : '');
      it.original = o;
      it.dupRanges = run ? [{ s: run.a[0], e: run.a[1], code: 'duplicate' }] : [];
      it.origRanges = run ? [{ s: run.b[0], e: run.b[1], code: 'duplicate' }] : [];
      rerender(it);
    }, function () { /* the original may have expired: the flag still says which */ });
  }

  function rerender(it) {
    if (!it.node || !it.node.parentNode) return;
    var old = it.node;
    var focused = old.contains(document.activeElement) ? document.activeElement.id : '';
    var fresh = renderItem(it); /* sets it.node */
    old.parentNode.replaceChild(fresh, old);
    if (document.activeElement === document.body && !focused && state.items[state.selected] === it)
      fresh.focus();
    if (state.items[state.selected] === it) fresh.classList.add('selected');
    if (focused && $(focused)) $(focused).focus();
  }

  function renderQueue() {
    var q = $('queue');
    while (q.firstChild) q.removeChild(q.firstChild);
    state.items.forEach(function (it, i) { q.appendChild(renderItem(it, i)); });
    if (state.selected >= state.items.length) state.selected = state.items.length - 1;
    if (state.selected >= 0) state.items[state.selected].node.classList.add('selected');
    $('empty').hidden = state.items.length > 0;
    $('empty').textContent = emptyText();
    $('more').hidden = !state.cursor;
    $('queue-count').textContent = '(' + state.items.length + ' shown)';
    updateBulk();
  }

  function select(i, focus) {
    if (!state.items.length) { state.selected = -1; return; }
    i = Math.max(0, Math.min(state.items.length - 1, i));
    var old = state.items[state.selected];
    if (old && old.node) old.node.classList.remove('selected');
    state.selected = i;
    var it = state.items[i];
    it.node.classList.add('selected');
    if (focus) {
      it.node.focus();
      it.node.scrollIntoView({ block: 'nearest' });
    }
  }

  function updateBulk() {
    var n = state.items.filter(function (it) { return it.picked; }).length;
    $('selected-count').textContent = n + ' selected';
    $('bulk-approve').disabled = n === 0;
    $('bulk-reject').disabled = n === 0;
    $('select-all').checked = n > 0 &&
      n === state.items.filter(function (it) { return !heldByOther(it); }).length;
  }

  /* ============================================================ loading */

  var FOLDER_TITLES = { pending: 'Comments awaiting review', rejected: 'Rejected comments',
                        approved: 'Approved comments' };

  function filters() {
    var fo = document.querySelector('input[name="folder"]:checked');
    return { site: $('f-site').value, flag: $('f-flag').value,
             status: fo ? fo.value : 'pending', q: $('f-q').value.trim(),
             author: $('f-author').value.trim(), sort: $('f-sort').value };
  }

  /* The folder's wording: its title, and which end "age" starts from. */
  function showFolder(folder) {
    state.folder = folder;
    $('queue-title').textContent = FOLDER_TITLES[folder] || FOLDER_TITLES.pending;
    $('sort-age').textContent = folder === 'pending' ? 'Oldest first' : 'Newest first';
  }

  /* What an empty list says: a filtered page may be empty while the
   * server has more of the folder to search (next_cursor). */
  function emptyText() {
    if (state.cursor) return 'Nothing found in the part searched so far: Load more searches further.';
    return state.folder === 'pending' ? 'Nothing to review here.' : 'Nothing in this folder matches.';
  }

  function loadQueue(more) {
    var f = filters();
    if (!more) showFolder(f.status);
    state.compact = $('f-compact').checked;
    $('queue').classList.toggle('compact', state.compact);
    var q = query({ site: f.site, flag: f.flag, status: f.status, q: f.q, author: f.author,
                    sort: f.sort === 'score' ? 'score' : '', limit: PAGE_SIZE,
                    cursor: more ? state.cursor : '' });
    return api('GET', '/v1/review' + q).then(function (j) {
      var raw = (j && j.items) || [];
      var fresh = raw.map(normItem).filter(function (it) {
        /* items held for sending stay off the screen */
        return !isHeld(it) && !(more && state.items.some(function (x) {
          return itemKey(x) === itemKey(it);
        }));
      });
      state.items = more ? state.items.concat(fresh) : fresh;
      state.cursor = (j && j.next_cursor) || null;
      if (!more) state.selected = state.items.length ? 0 : -1;
      renderQueue();
      fresh.forEach(function (it) { loadOriginal(it); });
    }, function (e) { if (quiet(e)) return; fail('Could not load the queue: ' + explain(e)); checkAuth(e); });
  }

  function isHeld(it) {
    return state.held.some(function (h) {
      return h.items.some(function (x) { return itemKey(x) === itemKey(it); });
    });
  }

  /* Always over every site: the site list comes from it; the figures shown
   * are the chosen site's, or the total. */
  function loadStats() {
    return api('GET', '/v1/review/stats').then(showStats, function (e) { checkAuth(e); });
  }

  function showStats(s) {
    if (!s) return;
    var sites = s.sites && typeof s.sites === 'object' ? s.sites : {};
    var site = $('f-site').value;
    var t = (site && sites[site]) || s.total || {};
    var pending = num(t.pending);
    $('st-pending').textContent = pending === null ? '–' : String(pending);
    $('st-claimed').textContent = num(t.claimed) === null ? '–' : String(t.claimed);
    var oldest = num(t.oldest_pending_age_s);
    $('st-oldest').textContent = oldest === null || !pending ? '–' : age(oldest * 1000);
    var hour = num(t.decisions_last_hour);
    $('st-hour').textContent = hour === null ? '–' : String(hour);
    var perSite = {};
    Object.keys(sites).forEach(function (k) { perSite[k] = num(sites[k] && sites[k].pending); });
    fillSelect($('f-site'), 'All sites', perSite);
    var bf = t.by_flag && typeof t.by_flag === 'object' ? t.by_flag : {};
    var perFlag = {};
    Object.keys(bf).forEach(function (k) { perFlag[k] = num(bf[k]); });
    fillSelect($('f-flag'), 'All flags', perFlag);
  }

  function fillSelect(sel, allLabel, counts) {
    var cur = sel.value;
    var names = Object.keys(counts).sort();
    if (cur && names.indexOf(cur) < 0) names.push(cur);
    while (sel.firstChild) sel.removeChild(sel.firstChild);
    var all = el('option', null, allLabel);
    all.value = '';
    sel.appendChild(all);
    names.forEach(function (n) {
      var o = el('option', null, n + (counts[n] !== null && counts[n] !== undefined
        ? ' (' + counts[n] + ')' : ''));
      o.value = n;
      sel.appendChild(o);
    });
    sel.value = cur;
  }

  function checkAuth(e) {
    if (e instanceof ApiError && e.status === 401) signOut('The key was not accepted. Sign in again.');
  }

  /* ============================================================ claims */

  function claim() {
    var f = filters();
    var n = parseInt($('claim-n').value, 10);
    var body = { moderator: state.moderator, limit: isFinite(n) && n > 0 ? n : 10 };
    if (f.site) body.site = f.site;
    if (f.flag) body.flag = f.flag;
    clearErrors();
    $('fo-pending').checked = true; /* claimed items are pending ones */
    api('POST', '/v1/review/claim', body).then(function (j) {
      var got = (j && j.items) || [];
      var msg = got.length ? 'Claimed ' + got.length + ' comment' + (got.length > 1 ? 's' : '') +
        (num(j.lease_seconds) !== null ? ' for ' + age(j.lease_seconds * 1000) : '') + '.'
        : 'Nothing left to claim.';
      return loadQueue(false).then(loadStats).then(function () { say(msg); });
    }, function (e) { if (quiet(e)) return; fail('Claim failed: ' + explain(e)); checkAuth(e); });
  }

  /* ============================================================ decisions */

  function decisionBody(it, decision) {
    var b = { decision: decision, moderator: state.moderator };
    /* from a folder: a moderator's earlier decision is changed on purpose */
    if (it.decided) b.override = true;
    if (it.note && it.note.trim()) b.note = it.note.trim();
    return b;
  }

  /* Take items off the screen and hold the decision for UNDO_MS; viaBulk
   * sends it with POST /v1/review/decisions (even for one item). */
  function decide(items, decision, viaBulk) {
    items = items.filter(function (it) { return state.items.indexOf(it) >= 0; });
    var locked = items.filter(heldByOther);
    if (locked.length) {
      say('Claimed by ' + locked[0].claimedBy + leaseText(locked[0]) +
          ': it cannot be decided until the lease ends.');
      items = items.filter(function (it) { return !heldByOther(it); });
    }
    if (!items.length) return;
    clearErrors();
    var firstIdx = state.items.indexOf(items[0]);
    items.forEach(function (it) {
      it.error = '';
      it.picked = false;
      var i = state.items.indexOf(it);
      state.items.splice(i, 1);
      if (it.node && it.node.parentNode) it.node.parentNode.removeChild(it.node);
    });
    var verb = decision === 'approve' ? 'Approved' : 'Rejected';
    var label = verb + ' ' + (items.length === 1
      ? 'the comment by ' + (items[0].author || 'anonymous')
      : items.length + ' comments');
    var h = { items: items, decision: decision, label: label, timer: 0, bulk: !!viaBulk };
    h.timer = window.setTimeout(function () { send(h, false); }, UNDO_MS);
    state.held.push(h);
    afterRemoval(firstIdx);
    showUndo();
    say(label + '. Sending in ' + UNDO_MS / 1000 + ' seconds; press u or Undo to take it back.');
  }

  function afterRemoval(idx) {
    $('empty').hidden = state.items.length > 0;
    $('queue-count').textContent = '(' + state.items.length + ' shown)';
    updateBulk();
    if (!state.items.length) { state.selected = -1; $('queue').focus(); return; }
    state.selected = -1;
    select(Math.min(idx, state.items.length - 1), true);
  }

  function showUndo() {
    var last = state.held[state.held.length - 1];
    $('undo').hidden = !last;
    if (last) $('undo-text').textContent = last.label + '.';
  }

  function undo() {
    var h = state.held.pop();
    if (!h) { say('Nothing to undo.'); return; }
    window.clearTimeout(h.timer);
    putBack(h.items);
    showUndo();
    say('Undone: ' + h.label.charAt(0).toLowerCase() + h.label.slice(1) + ' was not sent.');
    var i = state.items.indexOf(h.items[0]);
    if (i >= 0) select(i, true);
  }

  /* Return items to the queue at their original place. */
  function putBack(items) {
    items.forEach(function (it) {
      if (state.items.indexOf(it) >= 0) return;
      var at = 0;
      while (at < state.items.length && state.items[at].seq < it.seq) at++;
      state.items.splice(at, 0, it);
    });
    var sel = state.items[state.selected];
    renderQueue();
    if (sel) select(state.items.indexOf(sel), false);
  }

  function send(h, leaving) {
    var i = state.held.indexOf(h);
    if (i < 0) return;
    state.held.splice(i, 1);
    window.clearTimeout(h.timer);
    showUndo();
    var p;
    if (!h.bulk) {
      var it = h.items[0];
      p = api('POST', '/v1/sites/' + encodeURIComponent(it.site) + '/comments/' +
              encodeURIComponent(it.id) + '/decision', decisionBody(it, h.decision), leaving)
        .then(function () { return [{ it: it, ok: true }]; },
              function (e) { return [{ it: it, ok: false, why: explain(e), e: e }]; });
    } else {
      var body = { moderator: state.moderator, decisions: h.items.map(function (it) {
        var d = decisionBody(it, h.decision);
        d.site = it.site;
        d.id = it.id;
        return d;
      }) };
      p = api('POST', '/v1/review/decisions', body, leaving).then(function (j) {
        /* results[i] answers decisions[i]: {status: 200, comment} or
         * {status, error: {code, message}} */
        var res = (j && Array.isArray(j.results)) ? j.results : [];
        return h.items.map(function (it, k) {
          var r = res[k] || {};
          var ok = r.status === 200 && r.id === it.id;
          var why = r.error ? (r.status === 409 ? 'Conflict (409): ' : '') +
            (r.error.message || r.error.code) + (r.status !== 409 ? ' (' + r.status + ')' : '')
            : 'no answer for this comment';
          return { it: it, ok: ok, why: why };
        });
      }, function (e) {
        return h.items.map(function (it) { return { it: it, ok: false, why: explain(e), e: e }; });
      });
    }
    if (leaving) return;
    p.then(function (outs) {
      var bad = outs.filter(function (o) { return !o.ok; });
      var good = outs.length - bad.length;
      if (good) say(h.label.replace(/^(Approved|Rejected) .*/, '$1') + ' ' + good +
        ' comment' + (good > 1 ? 's' : '') + ': saved.');
      if (bad.length) {
        bad.forEach(function (o) { o.it.error = 'Not saved: ' + o.why; });
        putBack(bad.map(function (o) { return o.it; }));
        fail(bad.length === 1 ? 'The decision on the comment by ' +
          (bad[0].it.author || 'anonymous') + ' was not saved: ' + bad[0].why
          : bad.length + ' decisions were not saved: ' + bad[0].why);
        if (bad[0].e) checkAuth(bad[0].e);
      }
      loadStats();
    });
  }

  /* Leaving the page: send every held decision now. */
  function flushHeld() {
    state.held.slice().forEach(function (h) { send(h, true); });
  }

  /* ============================================================ session */

  /* The engine's detector table, once per sign-in: which flags quote the
   * text (highlighting) and what each one flags (tooltips). Never fails:
   * without it the page works and highlights nothing. */
  function loadDetectors() {
    return api('GET', '/v1/detectors').then(function (j) {
      var rows = j && Array.isArray(j.detectors) ? j.detectors : [];
      var map = {};
      rows.forEach(function (d) { if (d && typeof d.code === 'string') map[d.code] = d; });
      state.detectors = map;
    }, function () { state.detectors = {}; });
  }

  /* Ask the server whose key this is (GET /v1/review/whoami): a named key
   * signs in as its name; a key without one (moderator_anonymous_keys) needs
   * the name typed in the form, which appears only then. */
  function signIn(key, typedName) {
    state.key = key;
    return api('GET', '/v1/review/whoami').then(function (who) {
      var named = who && typeof who.moderator === 'string' && who.moderator;
      if (!named && !typedName) {
        state.key = '';
        $('key').value = key;
        $('name-field').hidden = false;
        $('moderator').required = true;
        $('moderator').focus();
        say('This key has no name of its own: type yours and sign in again.');
        return null;
      }
      state.moderator = named ? who.moderator : typedName;
      return api('GET', '/v1/review/stats').then(function (s) {
        try {
          sessionStorage.setItem(KEY_STORE, key);
          if (named) sessionStorage.removeItem(NAME_STORE);
          else sessionStorage.setItem(NAME_STORE, typedName);
        } catch (e) { /* storage off: the key lives until the tab reloads */ }
        $('login').hidden = true;
        $('session').hidden = false;
        $('who').textContent = state.moderator;
        $('who-scope').textContent = !named ? '(a key without a name)'
          : typeof who.site === 'string' && who.site ? '(sites: ' + who.site.split('|').join(', ') + ')'
          : '';
        $('main').hidden = false;
        $('key').value = '';
        showStats(s);
        window.clearInterval(state.statsTimer);
        state.statsTimer = window.setInterval(loadStats, STATS_EVERY_MS);
        return loadDetectors().then(function () { return loadQueue(false); }).then(function () {
          say('Signed in as ' + state.moderator + '.');
          if (state.items.length) select(0, true);
        });
      });
    }).catch(function (e) {
      if (quiet(e)) return;
      state.key = '';
      fail(e instanceof ApiError && e.status === 401 ? 'That key was not accepted.'
        : e instanceof ApiError && e.status === 403 ? 'That is not a moderator key.'
        : 'Sign-in failed: ' + explain(e));
    });
  }

  function signOut(why) {
    flushHeld();
    try {
      sessionStorage.removeItem(KEY_STORE);
      sessionStorage.removeItem(NAME_STORE);
    } catch (e) { /* nothing stored */ }
    state.key = '';
    state.items = [];
    window.clearInterval(state.statsTimer);
    renderQueue();
    $('main').hidden = true;
    $('session').hidden = true;
    $('login').hidden = false;
    $('name-field').hidden = true;
    $('moderator').required = false;
    $('moderator').value = '';
    $('key').focus();
    clearStatus();
    if (why) fail(why); else say('Signed out.');
  }

  /* ============================================================ keyboard */

  function typing(t) {
    if (!t || !t.tagName) return false;
    var tag = t.tagName.toLowerCase();
    if (tag === 'textarea' || tag === 'select' || t.isContentEditable) return true;
    return tag === 'input' && ['checkbox', 'radio', 'button', 'submit'].indexOf(t.type) < 0;
  }

  function onKey(ev) {
    if (!state.key || ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) return;
    var cur = state.items[state.selected];
    switch (ev.key) {
    case 'j': select(state.selected + 1, true); break;
    case 'k': select(state.selected - 1, true); break;
    case 'a': if (cur) decide([cur], 'approve'); break;
    case 'r': if (cur) decide([cur], 'reject'); break;
    case 'x':
      if (cur && !heldByOther(cur)) {
        cur.picked = !cur.picked;
        cur.node.querySelector('.pick').checked = cur.picked;
        updateBulk();
      }
      break;
    case 'u': undo(); break;
    case 'e':
      if (cur && state.compact) {
        cur.open = !cur.open;
        rerender(cur);
        cur.node.focus();
      }
      break;
    default: return;
    }
    ev.preventDefault();
  }

  /* ============================================================ wiring */

  function bulk(decision) {
    decide(state.items.filter(function (it) { return it.picked; }), decision, true);
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('login').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearErrors();
      var k = $('key').value.trim();
      var n = $('name-field').hidden ? '' : $('moderator').value.trim();
      if (!k) { fail('Enter the moderator key.'); return; }
      if (!$('name-field').hidden && !n) { fail('This key has no name: enter yours.'); return; }
      signIn(k, n);
    });
    $('signout').addEventListener('click', function () { signOut(''); });
    $('filters').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearErrors();
      clearStatus();
      loadQueue(false).then(loadStats);
    });
    $('claim').addEventListener('click', claim);
    /* a folder or the list mode takes effect at once */
    Array.prototype.forEach.call(document.querySelectorAll('input[name="folder"]'), function (r) {
      r.addEventListener('change', function () {
        clearErrors();
        clearStatus();
        loadQueue(false).then(loadStats);
      });
    });
    $('f-compact').addEventListener('change', function () {
      state.compact = $('f-compact').checked;
      $('queue').classList.toggle('compact', state.compact);
      renderQueue();
    });
    $('more').addEventListener('click', function () { clearStatus(); loadQueue(true); });
    $('undo-btn').addEventListener('click', undo);
    $('errors-close').addEventListener('click', clearErrors);
    $('bulk-approve').addEventListener('click', function () { bulk('approve'); });
    $('bulk-reject').addEventListener('click', function () { bulk('reject'); });
    $('select-all').addEventListener('change', function () {
      var on = $('select-all').checked;
      state.items.forEach(function (it) {
        it.picked = on && !heldByOther(it);
        if (it.node) it.node.querySelector('.pick').checked = it.picked;
      });
      updateBulk();
    });
    document.addEventListener('keydown', onKey);
    window.addEventListener('pagehide', flushHeld);

    var key = '', name = '';
    try {
      key = sessionStorage.getItem(KEY_STORE) || '';
      name = sessionStorage.getItem(NAME_STORE) || '';
    } catch (e) { key = ''; }
    if (key) signIn(key, name);
    else $('key').focus();
  });
})();
