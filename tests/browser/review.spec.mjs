// review.spec.mjs - the review page in a real browser (Chromium via
// playwright-core), against a running modq seeded by
// tests/integration/test_browser.py, which passes:
//   MODQ_BASE      http://127.0.0.1:<port>
//   MODQ_MOD_KEY   a moderator key
//   MODQ_SEED      JSON: {moderator (MODQ_MOD_KEY's name), copy:{id, run}, links:{id, urls},
//                         dup:{id, original, original_id}, held:{id, by, author},
//                         late:{id, by, key, parent_text, parent_author, search,
//                               ip, ip_masked, user_agent} (a reply),
//                         anonymous:{key, name} (a key without a name)}
//                  late is free when the page loads; the spec leases it to
//                  late.by (with late.key) behind the page's back.
//   OUT_DIR        where screenshots and spec.json go
// Prints "ok <step>" per step; on the first failure prints "FAIL <step>:
// <why>" and exits 1. Every request the page makes must go to MODQ_BASE
// (anything else is aborted and fails the run). Bounded by SPEC_TIMEOUT_MS.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const BASE = process.env.MODQ_BASE;
const KEY = process.env.MODQ_MOD_KEY;
const SEED = JSON.parse(process.env.MODQ_SEED || '{}');
const OUT = process.env.OUT_DIR || 'build/test-logs/browser';
const SPEC_TIMEOUT_MS = 150000;
const UNDO_MS = 5000; // = review.js UNDO_MS
if (!BASE || !KEY || !SEED.copy) {
  console.error('usage: MODQ_BASE=... MODQ_MOD_KEY=... MODQ_SEED=... node review.spec.mjs');
  process.exit(2);
}
fs.mkdirSync(OUT, { recursive: true });
fs.rmSync(path.join(OUT, 'failure.png'), { force: true });

let step = 'start';
const problems = [];      // console errors, CSP reports, foreign requests
const decisions = [];     // POSTs the page sent: {url, body}
let ctx = null;
let userDir = null;

function check(cond, why) {
  if (!cond) throw new Error(why);
}

async function cleanup() {
  if (ctx) await ctx.close().catch(() => {});
  if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.log(`FAIL ${step}: spec timed out after ${SPEC_TIMEOUT_MS} ms`);
  await cleanup();
  process.exit(1);
}, SPEC_TIMEOUT_MS);

const card = (page, id) => page.locator(`#queue li[data-key="news/${id}"]`);

async function run() {
  userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modq-chromium-'));
  step = 'launch';
  ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  // Offline: only modq itself is reachable.
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(BASE + '/') || u.startsWith('data:')) return route.continue();
    problems.push('request outside modq: ' + u);
    return route.abort();
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('request', (r) => {
    if (r.url().includes(KEY)) problems.push('key in a URL: ' + r.url());
    if (r.method() === 'POST' && /decision/.test(r.url()))
      decisions.push({ url: r.url(), body: r.postDataJSON() });
  });
  console.log('ok launch ' + ctx.browser()?.version?.());

  step = 'redirect and headers';
  const resp = await page.goto(BASE + '/review');
  check(resp.ok(), 'GET /review ended in ' + resp.status());
  check(page.url() === BASE + '/review/', 'not redirected to /review/: ' + page.url());
  const csp = resp.headers()['content-security-policy'] || '';
  check(csp.includes("default-src 'self'") && !csp.includes('unsafe-inline'), 'CSP: ' + csp);
  console.log('ok ' + step);

  step = 'sign in without a name: the page asks for one';
  check(await page.locator('#key').evaluate((e) => e === document.activeElement),
        'the key field is not focused on load');
  check(await page.isHidden('#moderator'), 'a name box before any key was tried');
  await page.fill('#key', SEED.anonymous.key);
  await page.press('#key', 'Enter');
  await page.waitForSelector('#moderator', { state: 'visible', timeout: 10000 });
  check(await page.locator('#moderator').evaluate((e) => e === document.activeElement),
        'the name box is not focused');
  await page.fill('#moderator', SEED.anonymous.name);
  await page.press('#moderator', 'Enter');
  await page.waitForSelector('#session', { state: 'visible', timeout: 10000 });
  check(await page.textContent('#who') === SEED.anonymous.name,
        'anonymous key not signed in under the typed name: ' + await page.textContent('#who'));
  check(/without a name/.test(await page.textContent('#who-scope')), 'no anonymous mark');
  await page.click('#signout');
  await page.waitForSelector('#login', { state: 'visible' });
  check(await page.isHidden('#moderator'), 'the name box stayed after signing out');
  console.log('ok ' + step);

  step = 'sign in with the key alone';
  await page.fill('#key', KEY);
  await page.press('#key', 'Enter');
  await page.waitForSelector('#queue li.item', { timeout: 10000 });
  check(await page.textContent('#who') === SEED.moderator,
        'not signed in as the key\'s name: ' + await page.textContent('#who'));
  check(await page.isHidden('#moderator'), 'a name box for a named key');
  await page.waitForFunction(() => document.querySelectorAll('#queue li.item').length === 5);
  const storage = await page.evaluate(() => ({
    session: sessionStorage.getItem('modq.review.key'),
    local: JSON.stringify(localStorage), url: location.href }));
  check(storage.session === KEY, 'key not in sessionStorage');
  check(!storage.local.includes(KEY), 'key leaked into localStorage');
  check(!storage.url.includes(KEY), 'key in the page URL');
  check(await page.locator('#key').inputValue() === '', 'key left in the form field');
  const order = await page.$$eval('#queue li.item', (l) => l.map((e) => e.dataset.key));
  check(JSON.stringify(order) === JSON.stringify(
    ['copy', 'links', 'dup', 'held', 'late'].map((k) => 'news/' + SEED[k].id)), 'queue order ' + order);
  await page.waitForFunction(() => document.getElementById('st-pending').textContent === '5');
  console.log('ok ' + step);

  step = 'evidence highlighted';
  // the copied run: one <mark> spanning it (compare case-insensitively: the
  // engine reports its normalised text)
  const copyMarks = await card(page, SEED.copy.id)
    .locator('blockquote.text mark.ev-copied_from_article').allTextContents();
  check(copyMarks.some((t) => t.toLowerCase().replace(/\s+/g, ' ') === SEED.copy.run.toLowerCase()),
        'copied run not marked: ' + JSON.stringify(copyMarks));
  const linkMarks = await card(page, SEED.links.id).locator('blockquote.text mark').allTextContents();
  for (const u of SEED.links.urls)
    check(linkMarks.includes(u), `link ${u} not marked: ` + JSON.stringify(linkMarks));
  // a phone number as written, though the engine's evidence is its digits
  check(linkMarks.includes(SEED.links.phone), 'phone number not marked: ' + JSON.stringify(linkMarks));
  // evidence printed once: the detail already quotes the copied run
  const copyRow = await card(page, SEED.copy.id).locator('.flags li', { hasText: 'copied_from_article' })
    .textContent();
  const runs = copyRow.toLowerCase().split(SEED.copy.run.toLowerCase()).length - 1;
  check(runs === 1, `the copied run is printed ${runs} times: ` + copyRow);
  // the duplicate's original is shown, with the shared text marked
  const dup = card(page, SEED.dup.id);
  await dup.locator('.original mark.ev-duplicate').first().waitFor({ timeout: 10000 });
  const origText = await dup.locator('.original blockquote').textContent();
  check(origText === SEED.dup.original, 'original text: ' + origText);
  const dupMark = await dup.locator('blockquote.text mark.ev-duplicate').first().textContent();
  check(dupMark.length > 40, 'duplicate run not marked: ' + dupMark);
  // each flag's detail is listed
  check((await card(page, SEED.links.id).locator('.flags').textContent()).includes('link_spam'),
        'flag list misses link_spam');
  // the article title links to the article's url
  const href = await card(page, SEED.copy.id).locator('h3 a').getAttribute('href');
  check(href === SEED.article_url, 'article link ' + href);
  // user text is text: the <img onerror> in the links comment is not markup
  check(await page.locator('#queue img').count() === 0, 'an <img> from comment text was rendered');
  check(await page.evaluate(() => window.__xss === undefined), 'comment text ran script');
  check((await card(page, SEED.links.id).locator('blockquote.text').textContent()).includes('<img src=x'),
        'HTML in comment text not shown literally');
  console.log('ok ' + step);

  step = 'claim a batch';
  await page.fill('#claim-n', '3');
  await page.click('#claim');
  await page.waitForFunction(() => /Claimed 3 comments/.test(document.getElementById('status').textContent));
  for (const k of ['copy', 'links', 'dup'])
    check(/Claimed by you/.test(await card(page, SEED[k].id).locator('.meta').textContent()),
          k + ' not shown as claimed by me');
  check((await card(page, SEED.held.id).locator('.meta').textContent()).includes('Claimed by ' + SEED.held.by),
        'held item does not name its holder');
  check(!/Claimed/.test(await card(page, SEED.late.id).locator('.meta').textContent()),
        'the late item is claimed already');
  await card(page, SEED.copy.id).focus();
  console.log('ok ' + step);

  step = 'screenshot';
  await page.screenshot({ path: path.join(OUT, 'review-queue.png'), fullPage: true });
  console.log('ok ' + step);

  step = 'accessibility (axe-core)';
  await page.evaluate(fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const axeRun = () => page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} node(s), e.g. ` +
                                   (v.nodes[0] && v.nodes[0].target.join(' ')));
  });
  let v = await axeRun();
  check(v.length === 0, 'axe at desktop width: ' + v.join('; '));
  await page.setViewportSize({ width: 390, height: 844 });
  v = await axeRun();
  check(v.length === 0, 'axe at phone width: ' + v.join('; '));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `page is ${overflow}px wider than a phone screen`);
  await page.screenshot({ path: path.join(OUT, 'review-phone.png'), fullPage: false });
  await page.setViewportSize({ width: 1280, height: 900 });
  console.log('ok ' + step);

  step = 'undo';
  const selected = () => page.$eval('#queue li.selected', (e) => e.dataset.key);
  await card(page, SEED.copy.id).focus();
  check(await selected() === 'news/' + SEED.copy.id, 'copy not selected');
  await page.keyboard.press('r');
  await card(page, SEED.copy.id).waitFor({ state: 'detached' });
  check(await page.isVisible('#undo'), 'no undo bar');
  await page.click('#undo-btn');
  await card(page, SEED.copy.id).waitFor();
  check(await selected() === 'news/' + SEED.copy.id, 'undone item not selected again');
  console.log('ok ' + step);

  step = 'approve with the keyboard';
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  check(await selected() === 'news/' + SEED.dup.id, 'j j did not reach the duplicate');
  const focusedKey = await page.evaluate(() => document.activeElement.dataset.key);
  check(focusedKey === 'news/' + SEED.dup.id, 'selection is not focused');
  await page.keyboard.press('a');
  await card(page, SEED.dup.id).waitFor({ state: 'detached' });
  console.log('ok ' + step);

  step = 'reject by click, with a note';
  await card(page, SEED.links.id).locator('input[id^="note-"]').fill(SEED.links.note);
  await card(page, SEED.links.id).getByRole('button', { name: 'Reject' }).click();
  await card(page, SEED.links.id).waitFor({ state: 'detached' });
  console.log('ok ' + step);

  step = 'lease held by another: cannot be decided';
  const held = card(page, SEED.held.id);
  for (const name of ['Approve', 'Reject'])
    check(await held.getByRole('button', { name }).isDisabled(), name + ' enabled on a held item');
  check(await held.locator('input.pick').isDisabled(), 'held item can be selected');
  const lockText = await held.locator('.locked').textContent();
  check(lockText.includes('Claimed by ' + SEED.held.by) && /lease ends \d/.test(lockText),
        'held item does not show holder and expiry: ' + lockText);
  await held.focus();
  await page.keyboard.press('a');
  await page.waitForFunction(() => /cannot be decided/.test(document.getElementById('status').textContent));
  check(await held.isVisible(), 'the held item left the queue');
  console.log('ok ' + step);

  step = 'lease taken meanwhile: 409 shown';
  const r = await fetch(BASE + '/v1/review/claim', {
    method: 'POST', headers: { Authorization: 'Bearer ' + SEED.late.key,
                               'Content-Type': 'application/json' },
    body: JSON.stringify({ site: 'news', limit: 1, lease_seconds: 600 }) });
  const got = await r.json();
  check(r.status === 200 && got.items.length === 1 && got.items[0].id === SEED.late.id,
        'the late item was not leased behind the page: ' + JSON.stringify(got));
  await card(page, SEED.late.id).focus();
  await page.keyboard.press('a');
  await card(page, SEED.late.id).waitFor({ state: 'detached' });
  console.log('ok ' + step + ' (sent after the undo delay)');

  step = 'bulk reject';
  await card(page, SEED.copy.id).locator('input.pick').check();
  check(await page.textContent('#selected-count') === '1 selected', 'selection count');
  await page.click('#bulk-reject');
  await card(page, SEED.copy.id).waitFor({ state: 'detached' });
  console.log('ok ' + step);

  step = 'decisions sent, errors shown';
  await page.waitForFunction(() => /409/.test(document.getElementById('errors').textContent),
                             null, { timeout: UNDO_MS + 10000 });
  const err = await page.textContent('#errors');
  check(err.includes(SEED.late.by), 'the 409 message does not name the holder: ' + err);
  check(!/Sending in/.test(await page.textContent('#status')),
        'the status line still announces a send after the failure');
  await card(page, SEED.late.id).waitFor();
  check((await card(page, SEED.late.id).locator('.item-error').textContent()).includes('409'),
        'the refused item does not carry its error');
  await page.waitForFunction(() => document.getElementById('undo').hidden, null,
                             { timeout: UNDO_MS + 10000 });
  await page.waitForFunction(() => /saved/.test(document.getElementById('status').textContent));
  await page.waitForFunction(() => document.querySelectorAll('#queue li.item').length === 2);
  await page.screenshot({ path: path.join(OUT, 'review-after.png'), fullPage: true });
  const sent = decisions.map((d) => d.url.replace(BASE, '') + ' ' + JSON.stringify(d.body));
  check(decisions.length === 4, 'expected 4 decision requests, got ' + sent.join(' | '));
  check(!sent.some((s) => s.includes(`/comments/${SEED.copy.id}/decision`)),
        'the undone decision was sent: ' + sent.join(' | '));
  const bulk = decisions.find((d) => d.url.endsWith('/v1/review/decisions'));
  check(bulk && bulk.body.decisions.length === 1 && bulk.body.decisions[0].id === SEED.copy.id &&
        bulk.body.decisions[0].decision === 'reject', 'bulk request: ' + sent.join(' | '));
  console.log('ok ' + step);

  step = 'status line clears on navigation';
  await page.click('#filters button[type="submit"]');
  await page.waitForFunction(() => document.querySelectorAll('#queue li.item').length === 2 &&
                             document.getElementById('status').textContent === '');
  console.log('ok ' + step);

  step = 'a reply shows its parent, the thread, the author and how it was sent';
  const late = card(page, SEED.late.id);
  const parentText = await late.locator('.parent blockquote').textContent();
  check(parentText === SEED.late.parent_text, 'parent text: ' + parentText);
  check((await late.locator('.parent .ctx-label').textContent()).startsWith(
    'In reply to ' + SEED.late.parent_author), 'parent label');
  check(await late.locator('.context ol.thread li').count() === 3, 'thread neighbours');
  check(/1 pending/.test(await late.locator('.history').textContent()), 'author history');
  const seen = await late.locator('.identity').textContent();
  check(seen.includes('IP ' + SEED.late.ip_masked) && seen.includes(SEED.late.user_agent) &&
        !seen.includes(SEED.late.ip), 'identity shown as: ' + seen);
  console.log('ok ' + step);

  step = 'search and author filter';
  const shown = () => page.$$eval('#queue li.item', (l) => l.map((e) => e.dataset.key));
  const waitShown = async (want, why) => {
    await page.waitForFunction((w) => JSON.stringify(Array.from(
      document.querySelectorAll('#queue li.item'), (e) => e.dataset.key)) === w,
    JSON.stringify(want.map((id) => 'news/' + id)), { timeout: 10000 })
      .catch(async () => { throw new Error(why + ': ' + (await shown()).join(',')); });
  };
  await page.fill('#f-q', SEED.late.search);
  await page.click('#filters button[type="submit"]');
  await waitShown([SEED.late.id], 'search "' + SEED.late.search + '"');
  await page.fill('#f-q', '');
  await page.fill('#f-author', SEED.held.author.toUpperCase());
  await page.click('#filters button[type="submit"]');
  await waitShown([SEED.held.id], 'author ' + SEED.held.author);
  await page.fill('#f-author', '');
  console.log('ok ' + step);

  step = 'compact list';
  await page.check('#f-compact');
  const heldCard = card(page, SEED.held.id);
  await heldCard.locator('.details').waitFor({ state: 'hidden' });
  const toggle = heldCard.locator('button.toggle');
  check(await toggle.getAttribute('aria-expanded') === 'false', 'toggle not collapsed');
  check(await heldCard.getByRole('button', { name: 'Approve' }).isVisible(), 'no buttons in compact');
  const h = await heldCard.evaluate((e) => e.getBoundingClientRect().height);
  check(h < 250, `a compact card is ${h}px high`);
  await toggle.click();
  await heldCard.locator('.details').waitFor({ state: 'visible' });
  check(await heldCard.locator('button.toggle').getAttribute('aria-expanded') === 'true',
        'toggle not expanded');
  await heldCard.focus();
  await page.keyboard.press('e'); // e closes it again
  await heldCard.locator('.details').waitFor({ state: 'hidden' });
  console.log('ok ' + step);

  step = 'rescue from the rejected folder';
  await page.click('label[for="fo-rejected"]');
  await waitShown([SEED.copy.id, SEED.links.id], 'rejected folder, newest first');
  check(await page.textContent('#queue-title') === 'Rejected comments', 'folder title');
  check((await card(page, SEED.copy.id).locator('.meta').textContent()).includes(
    'Rejected by ' + SEED.moderator), 'who rejected it');
  await page.screenshot({ path: path.join(OUT, 'review-folders.png'), fullPage: false });
  v = await axeRun();
  check(v.length === 0, 'axe, rejected folder, compact, desktop: ' + v.join('; '));
  await page.setViewportSize({ width: 390, height: 844 });
  v = await axeRun();
  check(v.length === 0, 'axe, rejected folder, compact, phone: ' + v.join('; '));
  // several compact cards on one phone screen, from the queue's heading
  await page.$eval('#queue-h', (e) => e.scrollIntoView({ block: 'start' }));
  const cardsOnPhone = await page.$$eval('#queue li.item', (l) =>
    l.filter((e) => e.getBoundingClientRect().bottom <= window.innerHeight).length);
  check(cardsOnPhone === 2, `${cardsOnPhone} compact card(s) on a phone screen`);
  await page.screenshot({ path: path.join(OUT, 'review-folders-phone.png'), fullPage: false });
  await page.setViewportSize({ width: 1280, height: 900 });
  await card(page, SEED.copy.id).getByRole('button', { name: 'Approve' }).click();
  await card(page, SEED.copy.id).waitFor({ state: 'detached' });
  await page.waitForFunction(() => /saved/.test(document.getElementById('status').textContent),
                             null, { timeout: UNDO_MS + 10000 });
  const rescue = decisions[decisions.length - 1];
  check(decisions.length === 5 && rescue.url.endsWith(`/comments/${SEED.copy.id}/decision`) &&
        rescue.body.decision === 'approve' && rescue.body.override === true,
        'rescue request: ' + JSON.stringify(rescue));
  console.log('ok ' + step);

  step = 'approved folder';
  await page.click('label[for="fo-approved"]');
  await waitShown([SEED.copy.id, SEED.dup.id, SEED.dup.original_id], 'approved folder');
  check((await card(page, SEED.dup.original_id).locator('.meta').textContent()).includes(
    'Approved by the engine'), 'the engine\'s approval not shown');
  await page.uncheck('#f-compact');
  await page.click('label[for="fo-pending"]');
  await waitShown([SEED.held.id, SEED.late.id], 'back to pending');
  console.log('ok ' + step);

  step = 'no console errors, nothing outside modq';
  // the 409 itself is logged by Chromium as a failed resource load: expected
  const unexpected = problems.filter((p) => !/status of 409/.test(p));
  check(unexpected.length === 0, unexpected.join(' | '));
  console.log('ok ' + step);
  fs.writeFileSync(path.join(OUT, 'spec.json'), JSON.stringify({
    decisions: decisions.map((d) => d.url.replace(BASE, '') + ' ' + JSON.stringify(d.body)) },
  null, 1));
}

try {
  await run();
  console.log('browser: all steps passed');
  await cleanup();
  clearTimeout(watchdog);
  process.exit(0);
} catch (e) {
  console.log(`FAIL ${step}: ${e && e.message ? e.message : e}`);
  if (problems.length) console.log('  page problems: ' + problems.join(' | '));
  try {
    const p = ctx && ctx.pages()[0];
    if (p) await p.screenshot({ path: path.join(OUT, 'failure.png'), fullPage: true });
  } catch (_) { /* best effort */ }
  await cleanup();
  clearTimeout(watchdog);
  process.exit(1);
}
