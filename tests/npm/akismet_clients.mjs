// akismet_clients.mjs - drive two published Akismet clients against modq.
//
// Usage: node akismet_clients.mjs --port P --key K --bad-key B --domain D
//            --blog URL [--hook-dns]
// Both clients are used unmodified: they build KEY.D (and D) host names from
// their options, so D and KEY.D must resolve to 127.0.0.1 (the Python test
// adds /etc/hosts entries when it can; --hook-dns resolves names ending in D
// to 127.0.0.1 inside this process instead, for a non-root run).
// Prints one JSON object: {"akismet-api": {...}, "akismet": {...}}, each
// call's result or {"error": message}. Exit 0 unless the script itself broke.
import dns from 'node:dns';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function args() {
  const out = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (!a[i].startsWith('--')) continue;
    const k = a[i].slice(2);
    if (i + 1 < a.length && !a[i + 1].startsWith('--')) out[k] = a[++i];
    else out[k] = true;
  }
  return out;
}

const opt = args();
const port = Number(opt.port);
const domain = opt.domain;
if (!port || !opt.key || !opt['bad-key'] || !domain || !opt.blog) {
  console.error('usage: akismet_clients.mjs --port P --key K --bad-key B --domain D --blog URL');
  process.exit(2);
}

if (opt['hook-dns']) {
  // Only names under the test domain; everything else resolves as usual.
  const orig = dns.lookup;
  dns.lookup = function (host, options, cb) {
    if (typeof options === 'function') { cb = options; options = {}; }
    if (typeof options === 'number') options = { family: options };
    if (host === domain || String(host).endsWith('.' + domain)) {
      if (options && options.all) return process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
      return process.nextTick(cb, null, '127.0.0.1', 4);
    }
    return orig.call(dns, host, options, cb);
  };
}

// Deadline: a hung request must not hang the test.
setTimeout(() => { console.error('akismet_clients: timed out'); process.exit(3); }, 25000).unref();

const ham = {
  user_ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  referrer: 'https://blog.example.com/',
  permalink: 'https://blog.example.com/2026/drought-rationing',
  comment_type: 'comment',
  comment_author: 'Dana Reader',
  comment_author_email: 'dana@example.org',
  comment_content: 'The reservoir levels have been falling for three winters now. Rationing '
    + 'water for lawns makes sense, but the council should fix the leaking network first.',
};
const spam = {
  ...ham,
  comment_author: 'Cheap Pills',
  comment_author_email: 'pills@example.net',
  comment_content: 'buyviagranow cheapest pills, best price online',
};
const review = {
  ...ham,
  comment_author: 'Refund Seeker',
  comment_author_email: 'refund@example.org',
  comment_content: 'How do I get a refund for the water meter installation fee?',
};

async function attempt(fn) {
  try {
    return await fn();
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
}

// ---------------------------------------------------------------- akismet-api
async function akismetApi() {
  const { AkismetClient } = require('akismet-api');
  const host = `${domain}:${port}`;
  const client = new AkismetClient({ key: opt.key, blog: opt.blog, host, protocol: 'http' });
  const bad = new AkismetClient({ key: opt['bad-key'], blog: opt.blog, host, protocol: 'http' });
  const r = {};
  r.endpoint = client.endpoint;
  r.verifyKey = await attempt(() => client.verifyKey());
  r.verifyKeyBad = await attempt(() => bad.verifyKey());
  // akismet-api's own aliases (ip, name, email, content, ...) and raw names
  r.checkHam = await attempt(() => client.checkSpam({
    ip: ham.user_ip, useragent: ham.user_agent, referrer: ham.referrer,
    permalink: ham.permalink, type: 'comment', name: ham.comment_author,
    email: ham.comment_author_email, content: ham.comment_content,
    date: '2026-05-01T10:00:00Z',
  }));
  r.checkSpam = await attempt(() => client.checkSpam(spam));
  r.checkReview = await attempt(() => client.checkSpam(review));
  r.checkReviewAgain = await attempt(() => client.checkSpam(review));
  r.testAuthor = await attempt(() => client.checkSpam({ ...ham, name: 'viagra-test-123', comment_author: undefined }));
  r.testGuaranteed = await attempt(() => client.checkSpam({ ...ham, comment_author: 'akismet-guaranteed-spam' }));
  r.testEmail = await attempt(() => client.checkSpam({ ...ham, email: 'akismet-guaranteed-spam@example.com', comment_author_email: undefined }));
  r.testAdministrator = await attempt(() => client.checkSpam({ ...spam, role: 'administrator' }));
  r.isTestSpam = await attempt(() => client.checkSpam({ ...spam, isTest: true, comment_content: spam.comment_content + ' (is_test)' }));
  r.honeypot = await attempt(() => client.checkSpam({ ...ham, honeypot: 'filled by a bot' }));
  r.submitSpam = await attempt(async () => (await client.submitSpam(spam)).text);
  r.submitHam = await attempt(async () => (await client.submitHam(ham)).text);
  r.checkBadKey = await attempt(() => bad.checkSpam(ham));
  return r;
}

// ---------------------------------------------------------------- akismet
function cb(fn) {
  return new Promise((resolve) => {
    try {
      fn((err, value) => resolve(err ? { error: String(err.message || err) } : (value === undefined ? 'ok' : value)));
    } catch (e) {
      resolve({ error: String(e.message || e) });
    }
  });
}

async function akismetJs() {
  const akismet = require('akismet');
  const client = akismet.client({ blog: opt.blog, apiKey: opt.key, host: domain, port });
  const bad = akismet.client({ blog: opt.blog, apiKey: opt['bad-key'], host: domain, port });
  const r = {};
  r.verifyKey = await cb((done) => client.verifyKey(done));
  r.verifyKeyBad = await cb((done) => bad.verifyKey(done));
  r.checkHam = await cb((done) => client.checkComment({
    ...ham,
    comment_content: 'Our street already cut its water use by a third this summer. The desalination '
      + 'plant should be planned now instead of in five years.',
  }, done));
  r.checkSpam = await cb((done) => client.checkComment({ ...spam, comment_author: 'Pill Shop 2' }, done));
  r.checkReview = await cb((done) => client.checkComment({ ...review, comment_author: 'Second Seeker' }, done));
  r.testAuthor = await cb((done) => client.checkComment({ ...ham, comment_author: 'viagra-test-123' }, done));
  r.submitSpam = await cb((done) => client.submitSpam({ ...spam, comment_author: 'Pill Shop 2' }, done));
  r.submitHam = await cb((done) => client.submitHam({ ...ham }, done));
  r.checkBadKey = await cb((done) => bad.checkComment({ ...spam }, done));
  return r;
}

const out = {};
out['akismet-api'] = await attempt(akismetApi);
out.akismet = await attempt(akismetJs);
out.resolver = opt['hook-dns'] ? 'hook' : 'system';
console.log(JSON.stringify(out));
process.exit(0);
