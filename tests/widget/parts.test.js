/*
 * The widget's parts that need no page, under Node's own test runner (no npm packages):
 *   node --test tests/widget/
 * Behaviour in a real browser is tested in tests/browser/ (Playwright and Chromium).
 */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const { Text, Client, ForgetClock, LinkWindows, QuickExit, atEnd } = require(path.join(__dirname, '../../bot/gateway/static/widget.js'));

/* Blocks as short strings, so an assertion reads like the message. */
function flat(nodes) {
  return nodes.map((n) => {
    if (n.type === 'text') return n.text;
    if (n.type === 'strong' || n.type === 'em') return `<${n.type}>${flat(n.children)}</${n.type}>`;
    if (n.type === 'code' || n.type === 'key') return `<${n.type}>${n.text}</${n.type}>`;
    return `[${n.text}](${n.href})`;
  }).join('');
}

/* Replies arrive as blocks (bot/content/markup.py parses the Markdown); the widget only checks them. */

test('well-formed blocks from the gateway pass through unchanged', () => {
  const blocks = [
    { type: 'heading', children: [{ type: 'text', text: 'Your options' }] },
    {
      type: 'card', name: 'Samaritans',
      contact: [{ type: 'text', text: 'call ' }, { type: 'tel', href: 'tel:116123', text: '116 123' }],
      details: [[{ type: 'link', href: 'https://www.samaritans.org/', text: 'samaritans.org' }], [{ type: 'email', href: 'mailto:jo@samaritans.org', text: 'jo@samaritans.org' }]]
    },
    { type: 'list', lines: [[{ type: 'strong', children: [{ type: 'em', children: [{ type: 'text', text: 'one' }] }] }], [{ type: 'code', text: 'two' }, { type: 'key', text: 'Shift' }]] },
    { type: 'paragraph', lines: [[{ type: 'tel', href: 'tel:+448085002222', text: '0808 500 2222' }]] }
  ];
  assert.deepEqual(Text.safeBlocks(blocks), blocks);
  assert.equal(flat(Text.safeBlocks(blocks)[1].contact), 'call [116 123](tel:116123)');
});

test('a link whose address is not https, tel or mailto as its kind says becomes its words', () => {
  const line = Text.safeNodes([
    { type: 'link', href: 'javascript:alert(1)', text: 'a' },
    { type: 'link', href: 'http://x.example/', text: 'b' },
    { type: 'link', href: 'https://a.example/"onmouseover', text: 'c' },
    { type: 'tel', href: 'https://evil.example/', text: 'd' },
    { type: 'email', href: 'mailto:jo@x.example', text: 'e' },
    { type: 'tel', href: 'tel:+44 20', text: 'f' },
    { type: 'link', href: 'https://ok.example/', text: 'g' }
  ]);
  assert.deepEqual(line.filter((n) => n.type !== 'text').map((n) => n.href), ['mailto:jo@x.example', 'https://ok.example/']);
  assert.equal(flat(line), 'abcd[e](mailto:jo@x.example)f[g](https://ok.example/)');
  assert.equal(Text.safeHref('tel:+442079460000'), 'tel:+442079460000');
  assert.equal(Text.safeHref('data:text/html,x'), null);
});

test('unknown kinds, missing words and nesting past four levels are left out, never shown as markup', () => {
  let deep = [{ type: 'text', text: 'deep' }];
  for (let i = 0; i < 8; i += 1) deep = [{ type: 'strong', children: deep }];
  const blocks = Text.safeBlocks([
    { type: 'html', html: '<img src=x onerror=alert(1)>' },
    { type: 'paragraph', lines: [[{ type: 'script', text: 'x' }, { type: 'text', text: 42 }, null, { type: 'text', text: '<b>tag</b>' }], deep] },
    { type: 'card', name: { toString: () => 'x' }, details: [] },
    'nonsense'
  ]);
  assert.equal(blocks.length, 1);
  assert.equal(flat(blocks[0].lines[0]), '<b>tag</b>');
  assert.ok(!JSON.stringify(blocks[0].lines[1]).includes('deep'));
});

test('a reply without blocks shows its text as plain paragraphs: no markup is read', () => {
  assert.deepEqual(Text.replyBlocks({ text: '**Not bold** [x](https://a.example/)\nline two\n\n\nnext' }).map((b) => b.lines.map(flat)), [
    ['**Not bold** [x](https://a.example/)', 'line two'],
    ['next']
  ]);
  assert.deepEqual(Text.replyBlocks({ text: 7 }), []);
  assert.deepEqual(Text.replyBlocks({ text: 'x', blocks: [{ type: 'paragraph', lines: [[{ type: 'text', text: 'y' }]] }] })[0].lines.map(flat), ['y']);
});

test('a banner shows every line of its blocks in one run, its numbers still links', () => {
  const nodes = Text.inlineOf([
    { type: 'paragraph', lines: [[{ type: 'text', text: 'Not sent. Call ' }, { type: 'tel', href: 'tel:999', text: '999' }], [{ type: 'text', text: 'now.' }]] }
  ]);
  assert.equal(flat(nodes), 'Not sent. Call [999](tel:999) now.');
});

test('stop words match as the gateway compares them: case, spaces and end punctuation ignored, slash kept', () => {
  const words = ['stop', '/stop', 'forget me'];
  for (const said of ['Stop', '  STOP! ', '/stop', 'Forget   me.', '\u2018stop\u2019']) assert.ok(Text.isStopWord(said, words), said);
  for (const said of ['stop it', 'please stop now', 'stopp', '']) assert.ok(!Text.isStopWord(said, words), said);
});

test('the counter shows from 80% of the limit and says how far over a draft is', () => {
  assert.deepEqual(Text.lengthStatus(1599, 2000), { length: 1599, show: false, over: false, overBy: 0 });
  assert.deepEqual(Text.lengthStatus(1600, 2000), { length: 1600, show: true, over: false, overBy: 0 });
  assert.deepEqual(Text.lengthStatus(5000, 2000), { length: 5000, show: true, over: true, overBy: 3000 });
  assert.equal(Text.fill('{count} of {limit} characters', { count: 1600 }), '1600 of {limit} characters');
});

test('an unsent message goes back in the box before anything typed since', () => {
  assert.equal(Text.restoreDraft('hello', ''), 'hello');
  assert.equal(Text.restoreDraft('hello', 'hello'), 'hello');
  assert.equal(Text.restoreDraft('hello', 'and more'), 'hello\nand more');
});

test('a reader near the end is following; one who scrolled up is not', () => {
  assert.ok(atEnd(560, 1000, 400));
  assert.ok(!atEnd(100, 1000, 400));
});

/* ---- Client ---- */

function fakeFetch(answers) {
  const calls = [];
  const fetch = (url, init) => {
    calls.push({ url, init });
    const next = answers.shift();
    if (next instanceof Error) return Promise.reject(next);
    return Promise.resolve({ status: next.status, json: () => (next.body === undefined ? Promise.reject(new Error('no json')) : Promise.resolve(next.body)) });
  };
  return { fetch, calls };
}

test('the client sends no cookies, no referrer and nothing cached', async () => {
  const { fetch, calls } = fakeFetch([{ status: 200, body: { replies: [{ text: 'hi' }] } }]);
  const answer = await new Client('https://gw.example', { fetch }).message('s', 'hello');
  assert.deepEqual(answer, { kind: 'replies', replies: [{ text: 'hi' }] });
  assert.equal(calls[0].url, 'https://gw.example/api/message');
  assert.equal(calls[0].init.credentials, 'omit');
  assert.equal(calls[0].init.referrerPolicy, 'no-referrer');
  assert.equal(calls[0].init.cache, 'no-store');
  assert.deepEqual(JSON.parse(calls[0].init.body), { session: 's', text: 'hello' });
});

test('every answer becomes one kind the widget acts on', () => {
  const kind = (status, data) => Client.classify({ status, data }).kind;
  assert.equal(kind(200, { replies: [], forgotten: true, from_rasa: true }), 'forgotten');
  assert.equal(kind(200, { replies: [] }), 'replies');
  assert.equal(kind(410, {}), 'ended');
  assert.equal(kind(401, {}), 'ended');
  assert.equal(kind(413, { message: 'Too long' }), 'refused');
  assert.equal(kind(429, { message: 'Slow down' }), 'refused');
  assert.equal(kind(403, { message: 'Not this site' }), 'unreachable');
  assert.equal(kind(502, {}), 'unreachable');
  assert.equal(kind(0, {}), 'unreachable');
  assert.equal(kind(200, { nonsense: 1 }), 'unreachable');
  assert.deepEqual(Client.classify({ status: 200, data: { forgotten: true, from_rasa: false } }), { kind: 'forgotten', confirmed: false });
});

test('offline, the client answers at once without a request', async () => {
  const { fetch, calls } = fakeFetch([]);
  const answer = await new Client('https://gw.example', { fetch, online: () => false }).message('s', 'hello');
  assert.equal(answer.kind, 'unreachable');
  assert.equal(calls.length, 0);
});

test('a failed request or a body that is not JSON is unreachable, never an exception', async () => {
  const { fetch } = fakeFetch([new TypeError('network'), { status: 502 }]);
  const client = new Client('https://gw.example', { fetch });
  assert.equal((await client.message('s', 'a')).kind, 'unreachable');
  assert.equal((await client.message('s', 'b')).kind, 'unreachable');
});

test('forget reports whether the server confirmed it, and needs no request without a session', async () => {
  const { fetch, calls } = fakeFetch([{ status: 200, body: { forgotten: true } }, { status: 200, body: { forgotten: false } }]);
  const client = new Client('https://gw.example', { fetch });
  assert.equal(await client.forget(null), true);
  assert.equal(calls.length, 0);
  assert.equal(await client.forget('s1'), true);
  assert.equal(await client.forget('s2'), false);
});

test('forgetting while the page is left uses a beacon, or a keepalive fetch when there is none', () => {
  const beacons = [];
  const withBeacon = new Client('https://gw.example', { fetch: () => assert.fail('no fetch'), beacon: (url, body) => beacons.push([url, body]) > 0 });
  assert.equal(withBeacon.forgetWhileLeaving('s'), true);
  assert.deepEqual(beacons, [['https://gw.example/api/forget', '{"session":"s"}']]);
  const { fetch, calls } = fakeFetch([{ status: 200, body: {} }]);
  new Client('https://gw.example', { fetch }).forgetWhileLeaving('s');
  assert.equal(calls[0].init.keepalive, true);
  assert.equal(calls[0].init.headers['Content-Type'], 'text/plain;charset=UTF-8');
});

/* ---- ForgetClock ---- */

test('the screen forgets when the server does: the silence is counted from the last message', () => {
  let now = 0;
  const clock = new ForgetClock(60, () => now);
  assert.ok(!clock.running() && !clock.expired());
  clock.touch();
  now = 59999;
  assert.ok(!clock.expired());
  assert.equal(clock.remainingMs(), 1);
  now = 60000;
  assert.ok(clock.expired());
  clock.touch();
  assert.ok(!clock.expired(), 'a new message starts the silence again');
  clock.reset();
  assert.ok(!clock.running());
});

/* ---- LinkWindows ---- */

test('a link opens in a tab this page can close', () => {
  const tab = { closed: false, close() { tab.closed = true; } };
  const opened = [];
  const windows = new LinkWindows((url, name) => { opened.push([url, name]); return tab; });
  assert.equal(windows.open('https://rapecrisis.org.uk/'), true);
  assert.deepEqual(opened, [['https://rapecrisis.org.uk/', '_blank']]);
  windows.closeAll();
  assert.equal(tab.closed, true);
  assert.deepEqual(windows.opened, []);
});

test('a blocked pop-up leaves the plain link to do its work', () => {
  assert.equal(new LinkWindows(() => null).open('https://rapecrisis.org.uk/'), false);
});

/* ---- QuickExit ---- */

function fakeTimers() {
  const pending = new Map();
  let id = 0;
  return {
    setTimeout: (fn) => { id += 1; pending.set(id, fn); return id; },
    clearTimeout: (t) => pending.delete(t),
    fireAll: () => { const fns = [...pending.values()]; pending.clear(); fns.forEach((fn) => fn()); }
  };
}

function quickExit(timers) {
  const done = [];
  const counts = [];
  const exit = new QuickExit(
    { blank: () => done.push('blank'), closeWindows: () => done.push('closeWindows'), forget: () => done.push('forget'), leave: () => done.push('leave') },
    { onCount: (n) => counts.push(n), setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout }
  );
  return { exit, done, counts };
}

const SHIFT = { key: 'Shift', shiftKey: false };

test('quick exit blanks, closes tabs, forgets and leaves, in that order, once', () => {
  const { exit, done } = quickExit(fakeTimers());
  assert.equal(exit.exit(), true);
  assert.equal(exit.exit(), false);
  assert.deepEqual(done, ['blank', 'closeWindows', 'forget', 'leave']);
});

test('a step that fails does not stop the ones after it', () => {
  const done = [];
  const exit = new QuickExit({ blank: () => { throw new Error('x'); }, closeWindows() {}, forget() {}, leave: () => done.push('leave') });
  exit.exit();
  assert.deepEqual(done, ['leave']);
});

test('Shift three times on its own exits, and each press is counted out loud', () => {
  const { exit, done, counts } = quickExit(fakeTimers());
  exit.keyup(SHIFT);
  exit.keyup(SHIFT);
  assert.deepEqual(done, []);
  exit.keyup(SHIFT);
  assert.deepEqual(counts, [1, 2, 0]);
  assert.deepEqual(done, ['blank', 'closeWindows', 'forget', 'leave']);
});

test('a Shift held for capitals does not count, and another key starts the count again', () => {
  const { exit, done, counts } = quickExit(fakeTimers());
  exit.keyup(SHIFT);
  exit.keyup({ key: 'A', shiftKey: true });
  exit.keyup({ key: 'Shift', shiftKey: false });
  exit.keyup(SHIFT);
  exit.keyup(SHIFT);
  assert.deepEqual(done, []);
  assert.deepEqual(counts, [1, 0, 1, 2]);
});

test('a long gap between presses expires the count, and says so', () => {
  const timers = fakeTimers();
  const { exit, done, counts } = quickExit(timers);
  exit.keyup(SHIFT);
  exit.keyup(SHIFT);
  timers.fireAll();
  exit.keyup(SHIFT);
  assert.deepEqual(counts, [1, 2, 'expired', 1]);
  assert.deepEqual(done, []);
});

test('Escape is not a quick exit trigger', () => {
  const { exit, done } = quickExit(fakeTimers());
  for (let i = 0; i < 3; i += 1) exit.keyup({ key: 'Escape', shiftKey: false });
  assert.deepEqual(done, []);
});
