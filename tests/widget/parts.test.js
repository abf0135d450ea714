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
    return `[${n.text}](${n.href})`;
  }).join('');
}

test('a line that is all bold is a heading, not a bold paragraph', () => {
  const blocks = Text.blocks('**Your options**\n\nSome words.');
  assert.deepEqual(blocks.map((b) => b.type), ['heading', 'paragraph']);
  assert.equal(flat(blocks[0].children), 'Your options');
});

test('a helpline block becomes a service card with a tel link and an e-mail link', () => {
  const [card] = Text.blocks(
    '**Samaritans**: call 116 123, e-mail jo@samaritans.org\n24 hours a day\nAnyone who is struggling.\nhttps://www.samaritans.org/'
  );
  assert.equal(card.type, 'card');
  assert.equal(card.name, 'Samaritans');
  assert.equal(flat(card.contact), 'call [116 123](tel:116123), e-mail [jo@samaritans.org](mailto:jo@samaritans.org)');
  assert.deepEqual(card.details.map(flat), ['24 hours a day', 'Anyone who is struggling.', '[samaritans.org](https://www.samaritans.org/)']);
});

test('list items, line breaks and phone numbers in running text', () => {
  const blocks = Text.blocks('If you are in danger now, call 999.\nOr 0808 500 2222.\n- one\n- two');
  assert.deepEqual(blocks.map((b) => b.type), ['paragraph', 'list']);
  assert.deepEqual(blocks[0].lines.map(flat), ['If you are in danger now, call [999](tel:999).', 'Or [0808 500 2222](tel:08085002222).']);
  assert.deepEqual(blocks[1].lines.map(flat), ['one', 'two']);
});

test('a bare address reads short, and links to the whole address', () => {
  const [line] = Text.blocks('See https://www.rapecrisisscotland.org.uk/get-help/. Or https://247sexualabusesupport.org.uk/')[0].lines;
  assert.equal(flat(line), 'See [rapecrisisscotland.org.uk/get-help](https://www.rapecrisisscotland.org.uk/get-help/). Or [247sexualabusesupport.org.uk](https://247sexualabusesupport.org.uk/)');
});

test('only https links are links: javascript, data and http addresses stay text', () => {
  const line = Text.blocks('[a](javascript:alert(1)) [b](data:text/html,x) [c](http://x.example) [d](https://ok.example/)')[0].lines[0];
  assert.deepEqual(line.filter((n) => n.type === 'link').map((n) => n.href), ['https://ok.example/']);
  assert.equal(Text.safeHref('tel:+44 20 7946 0000'), 'tel:+442079460000');
  assert.equal(Text.safeHref('https://a.example/"onmouseover'), null);
});

test('markup is never more than text', () => {
  const line = Text.blocks('<img src=x onerror=alert(1)> **bold <b>tag</b>**')[0].lines[0];
  assert.equal(flat(line), '<img src=x onerror=alert(1)> <strong>bold <b>tag</b></strong>');
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
