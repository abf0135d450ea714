/*
 * Support chat widget. One file, no framework, no external requests beyond its own server.
 *
 * Embed:  <script src="https://YOUR-GATEWAY/widget.js" defer></script>
 * Options on that script tag (all optional):
 *   data-inline="#css-selector"  show the chat inside that element instead of a launcher button
 *   data-api="https://..."       the gateway's address, if not the one this file came from
 *
 * What it keeps: the session id and the conversation, in this page's memory only, and only until
 * the server would forget it (the deployment's TRACKER_TTL_SECONDS, sent as `expires_in`). No
 * cookies, no localStorage, no sessionStorage; a reload starts afresh. Replies arrive as blocks the
 * gateway parsed from the content's text format, built here with DOM calls and textContent: nothing
 * from the server or the user is ever parsed as HTML, nor as Markdown.
 *
 * Words: every label, note and the offline crisis text come from the content pack (channels.yml),
 * written into this file by the gateway as it serves it (BOOT below), so nothing here is in any one
 * language. A copy served without them (not from a gateway) does not start: better no widget than
 * one whose buttons have no names.
 *
 * Made of small parts, like GOV.UK Frontend's components. The first five need no page and are
 * unit-tested under Node (tests/widget/, `node --test tests/widget/`):
 *   Text        replies' blocks (headings, service cards, links), checked before they are shown
 *   Client      the HTTP client: the gateway's three calls, a timeout, and what each answer means
 *   ForgetClock when the server will have forgotten the conversation, so the screen forgets too
 *   LinkWindows tabs opened from replies, kept so that quick exit can close them
 *   QuickExit   quick exit: its triggers and what it does, documented beside it
 * and the browser-only parts: View (every DOM node) and Widget (wires the parts together).
 */
(function () {
  'use strict';

  /* ================================================================================================
   * Text: replies arrive as blocks, already parsed by the gateway from the content's one text format
   * (bot/content/markup.py): heading, card (a service: name, how to reach it, details), list and
   * paragraph, made of lines of inline nodes (text, strong, em, code, key, link, tel, email). Nothing
   * here parses Markdown. It checks the structure once more, cheaply, so that whatever arrives the View
   * only ever makes text nodes, a few plain elements, and https, tel: and mailto: links.
   * ============================================================================================== */

  var MAX_DEPTH = 4;

  function isText(value) {
    return typeof value === 'string';
  }

  var Text = {
    /** An https, tel: or mailto: address that is safe to link to, or null. */
    safeHref: function (url) {
      if (!isText(url)) return null;
      if (/^tel:\+?\d{3,15}$/.test(url)) return url;
      if (/^mailto:[^\s"'<>\\@]+@[^\s"'<>\\@]+$/i.test(url)) return url;
      if (!/^https:\/\/[^\s"'<>\\]+$/i.test(url)) return null;
      try {
        return new URL(url).protocol === 'https:' ? url : null;
      } catch (e) {
        return null;
      }
    },

    /** Inline nodes as received, kept only when well formed; a link whose address is not safe becomes its words. */
    safeNodes: function (nodes, depth) {
      var out = [];
      if (!Array.isArray(nodes) || (depth || 0) > MAX_DEPTH) return out;
      nodes.forEach(function (node) {
        if (!node || typeof node !== 'object') return;
        var type = node.type;
        if (type === 'strong' || type === 'em') {
          out.push({ type: type, children: Text.safeNodes(node.children, (depth || 0) + 1) });
        } else if (type === 'link' || type === 'tel' || type === 'email') {
          if (!isText(node.text)) return;
          var href = Text.safeHref(node.href);
          var scheme = { link: 'https:', tel: 'tel:', email: 'mailto:' }[type];
          if (href && href.toLowerCase().indexOf(scheme) === 0) out.push({ type: type, href: href, text: node.text });
          else out.push({ type: 'text', text: node.text });
        } else if ((type === 'text' || type === 'code' || type === 'key') && isText(node.text)) {
          out.push({ type: type, text: node.text });
        }
      });
      return out;
    },

    /** Blocks as received, checked: unknown kinds are left out, every line made of safe nodes. */
    safeBlocks: function (blocks) {
      var out = [];
      (Array.isArray(blocks) ? blocks : []).forEach(function (block) {
        if (!block || typeof block !== 'object') return;
        var lines = function (value) { return (Array.isArray(value) ? value : []).map(function (line) { return Text.safeNodes(line); }); };
        if (block.type === 'heading') {
          out.push({ type: 'heading', children: Text.safeNodes(block.children) });
        } else if (block.type === 'card' && isText(block.name)) {
          out.push({ type: 'card', name: block.name, contact: block.contact ? Text.safeNodes(block.contact) : null, details: lines(block.details) });
        } else if (block.type === 'list' || block.type === 'paragraph') {
          out.push({ type: block.type, lines: lines(block.lines) });
        }
      });
      return out;
    },

    /** Text without blocks (the widget's own words): paragraphs of plain lines, nothing read as markup. */
    plainBlocks: function (text) {
      return String(text || '').replace(/\r\n?/g, '\n').split(/\n\s*\n/).map(function (chunk) {
        var lines = chunk.split('\n').map(function (line) { return line.trim(); }).filter(Boolean);
        return { type: 'paragraph', lines: lines.map(function (line) { return [{ type: 'text', text: line }]; }) };
      }).filter(function (block) { return block.lines.length; });
    },

    /** A reply's blocks, checked; a reply without them shows its text as plain paragraphs. */
    replyBlocks: function (reply) {
      if (Array.isArray(reply.blocks)) return Text.safeBlocks(reply.blocks);
      return Text.plainBlocks(isText(reply.text) ? reply.text : '');
    },

    /** Every line of some blocks as one run of inline nodes (for a one-line banner). */
    inlineOf: function (blocks) {
      var nodes = [];
      Text.safeBlocks(blocks).forEach(function (block) {
        var lines = block.type === 'heading' ? [block.children] : block.type === 'card'
          ? [[{ type: 'strong', children: [{ type: 'text', text: block.name }] }].concat(block.contact || [])].concat(block.details)
          : block.lines;
        lines.forEach(function (line) {
          if (nodes.length) nodes.push({ type: 'text', text: ' ' });
          nodes.push.apply(nodes, line);
        });
      });
      return nodes;
    },

    /** The form commands are compared in (as the gateway's command_key): lower case, no accents, no end punctuation. */
    commandKey: function (text) {
      var value = String(text || '').normalize('NFKD').replace(/[\u0300-\u036f\u200b-\u200f\u2060\ufeff]/g, '');
      value = value.replace(/[\u2018\u2019`]/g, "'").toLowerCase().replace(/\s+/g, ' ').trim();
      return value.replace(/^[!-.:-@[-`{-~]+|[!-.:-@[-`{-~]+$/g, '').trim();
    },

    isStopWord: function (text, words) {
      return Array.isArray(words) && words.indexOf(Text.commandKey(text)) !== -1;
    },

    /** How a draft stands against the longest message accepted: shown from 80% of it. */
    lengthStatus: function (length, max) {
      return { length: length, show: length >= Math.floor(max * 0.8), over: length > max, overBy: Math.max(0, length - max) };
    },

    /** Text that could not be sent goes back in the box, before anything typed since: nothing is lost. */
    restoreDraft: function (unsent, current) {
      if (!unsent) return current || '';
      if (!current || current === unsent) return unsent;
      return unsent + '\n' + current;
    },

    /** Fill {name} placeholders left in a label for the widget (the gateway fills the rest). */
    fill: function (label, values) {
      return String(label || '').replace(/\{(\w+)\}/g, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
      });
    }
  };

  /** Whether someone is reading at the end of a scrolled box (then a new reply may move it). */
  function atEnd(scrollTop, scrollHeight, clientHeight) {
    return scrollHeight - scrollTop - clientHeight < 48;
  }

  /* ================================================================================================
   * Client: the gateway's three calls. Every answer becomes one of a few kinds the Widget acts on.
   * ============================================================================================== */

  function Client(api, options) {
    options = options || {};
    this.api = api;
    this.fetch = options.fetch;
    this.beacon = options.beacon || null;
    this.timeoutMs = options.timeoutMs || 15000;
    this.online = options.online || function () { return true; };
  }

  /** POST JSON; resolves {status, data}, status 0 when nothing came back (offline, refused, timed out). */
  Client.prototype.post = function (path, body) {
    if (!this.online()) return Promise.resolve({ status: 0, data: {} });
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, this.timeoutMs) : null;
    return this.fetch(this.api + path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body || {}),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().then(
        function (data) { return { status: response.status, data: data && typeof data === 'object' ? data : {} }; },
        function () { return { status: response.status, data: {} }; }
      );
    }, function () {
      return { status: 0, data: {} };
    }).then(function (result) {
      if (timer) clearTimeout(timer);
      return result;
    });
  };

  Client.prototype.session = function () {
    return this.post('/api/session').then(function (result) {
      return result.status === 200 && typeof result.data.session === 'string' ? result.data : null;
    });
  };

  Client.prototype.message = function (session, text) {
    return this.post('/api/message', { session: session, text: text }).then(Client.classify);
  };

  /** Forget now; resolves whether the server confirmed it. */
  Client.prototype.forget = function (session) {
    if (!session) return Promise.resolve(true);
    return this.post('/api/forget', { session: session }).then(function (result) {
      return result.status === 200 && result.data.forgotten === true;
    });
  };

  /** Forget while the page is being left: a beacon (text/plain needs no CORS preflight) that outlives the page. */
  Client.prototype.forgetWhileLeaving = function (session) {
    if (!session) return false;
    var body = JSON.stringify({ session: session });
    try {
      if (this.beacon && this.beacon(this.api + '/api/forget', body)) return true;
    } catch (e) { /* fall through to fetch */ }
    try {
      this.fetch(this.api + '/api/forget', {
        method: 'POST', body: body, keepalive: true, credentials: 'omit', referrerPolicy: 'no-referrer',
        headers: { 'Content-Type': 'text/plain;charset=UTF-8' }
      }).catch(function () {});
    } catch (e) { /* nothing more can be done from here */ }
    return false;
  };

  /**
   * What an answer to a message means:
   *   replies      the assistant's (or the static crisis) replies
   *   forgotten    a stop word: the conversation is gone on the server (confirmed: whether Rasa said so)
   *   ended        the session had ended (expired or forgotten): start a new one and send again
   *   refused      the gateway refused it with words to show (too long, too fast, malformed)
   *   unreachable  nothing usable came back: down, offline, timed out, refused origin
   */
  Client.classify = function (result) {
    var data = result.data || {};
    if (result.status === 200 && data.forgotten === true) return { kind: 'forgotten', confirmed: data.from_rasa !== false };
    if (result.status === 200 && Array.isArray(data.replies)) return { kind: 'replies', replies: data.replies };
    if (result.status === 401 || result.status === 410) return { kind: 'ended' };
    if ((result.status === 400 || result.status === 413 || result.status === 429) && typeof data.message === 'string') {
      var refused = { kind: 'refused', message: data.message, tooLong: result.status === 413 };
      if (Array.isArray(data.blocks)) refused.blocks = data.blocks;
      return refused;
    }
    return { kind: 'unreachable' };
  };

  /* ================================================================================================
   * ForgetClock: the server forgets a conversation after `seconds` of silence (TRACKER_TTL_SECONDS,
   * counted from each message it received). The screen keeps it no longer than that.
   * ============================================================================================== */

  function ForgetClock(seconds, now) {
    this.ms = Math.max(1, Number(seconds) || 1800) * 1000;
    this.now = now || function () { return Date.now(); };
    this.last = null;
  }

  /** A message reached the server: the silence starts again. */
  ForgetClock.prototype.touch = function () { this.last = this.now(); };
  ForgetClock.prototype.reset = function () { this.last = null; };
  ForgetClock.prototype.running = function () { return this.last !== null; };
  ForgetClock.prototype.remainingMs = function () {
    return this.last === null ? Infinity : Math.max(0, this.last + this.ms - this.now());
  };
  ForgetClock.prototype.expired = function () { return this.last !== null && this.remainingMs() === 0; };

  /* ================================================================================================
   * LinkWindows: a link in a reply opens in a new tab that this page keeps hold of, so quick exit
   * can close it. Browsers let a page close only the tabs it opened and is still linked to, so the
   * link is not rel=noopener: the opened site could tell it was opened from another page, or send
   * this page elsewhere. Accepted because every link comes from the content pack (reviewed https
   * sources) and a survivor's way out matters more. Where the browser gives no window (a pop-up
   * blocker) the plain link (rel=noopener) opens as usual; a site that isolates itself
   * (Cross-Origin-Opener-Policy) cannot be closed. docs/web-widget.md lists these limits.
   * ============================================================================================== */

  function LinkWindows(open) {
    this.openWindow = open;
    this.opened = [];
  }

  /** Open `href`; returns false when the browser would not give a window (the link then acts alone). */
  LinkWindows.prototype.open = function (href) {
    var win = null;
    try {
      win = this.openWindow(href, '_blank');
      if (!win) return false;
    } catch (e) {
      if (win) try { win.close(); } catch (ignored) { /* already gone */ }
      return false;
    }
    this.opened.push(win);
    return true;
  };

  /** Close every tab opened from a reply that is still open. */
  LinkWindows.prototype.closeAll = function () {
    this.opened.forEach(function (win) {
      try { if (!win.closed) win.close(); } catch (e) { /* gone or isolated */ }
    });
    this.opened = [];
  };

  /* ================================================================================================
   * QuickExit, modelled on GOV.UK Frontend's "Exit this page".
   *
   * Triggers:
   *   - the Quick exit button, first in the page's tab order and always on screen (top right; a full
   *     bar across the top when the chat fills a small screen), in floating, inline and iframe modes;
   *   - Shift pressed three times on its own, with gaps of up to 5 s. A Shift held for a capital
   *     letter does not count. Each press shows a dot under the button and is announced ("Shift,
   *     press 2 more times to exit."); when the gap passes, "Exit this page expired."
   *   - Not Escape. GOV.UK rejected it: screen readers, input methods and host pages use it, and
   *     pressed repeatedly it can stop the next page loading. Inside the open chat Escape only closes
   *     the panel, as in any dialog (the conversation stays).
   * What it does, in this order:
   *   1. blanks the whole page at once ("Loading." on white), and empties the conversation and box;
   *   2. closes the tabs opened from links in replies (where the browser still allows it);
   *   3. asks the server to forget the conversation (a beacon that outlives the page);
   *   4. replaces the top page (window.top, so it works inside an iframe) with the neutral exit
   *      site, with location.replace so that Back does not come back.
   * What it cannot hide: browser history, tabs the person opened themselves, screenshots, and pages
   * restored by reopening closed tabs. docs/web-widget.md says so, and so does the widget's notice.
   * ============================================================================================== */

  var SHIFT_GAP_MS = 5000;

  function QuickExit(steps, options) {
    options = options || {};
    this.steps = steps;                       // { blank, closeWindows, forget, leave }
    this.onCount = options.onCount || function () {};  // (presses so far, 0 when reset, 'expired')
    this.gapMs = options.gapMs || SHIFT_GAP_MS;
    this.later = options.setTimeout || setTimeout;
    this.cancel = options.clearTimeout || clearTimeout;
    this.count = 0;
    this.timer = null;
    this.lastKeyWasModified = false;
    this.done = false;
  }

  /** Run the four steps once; later triggers do nothing (the page is already leaving). */
  QuickExit.prototype.exit = function () {
    if (this.done) return false;
    this.done = true;
    this.resetCount(false);
    var steps = this.steps;
    ['blank', 'closeWindows', 'forget', 'leave'].forEach(function (name) {
      try { steps[name](); } catch (e) { /* every later step must still run */ }
    });
    return true;
  };

  /** A keyup anywhere in the page: counts a Shift released on its own. */
  QuickExit.prototype.keyup = function (event) {
    var self = this;
    if (event.key === 'Shift' && !this.lastKeyWasModified) {
      this.count += 1;
      if (this.count >= 3) {
        this.exit();
      } else {
        this.onCount(this.count);
        if (this.timer) this.cancel(this.timer);
        this.timer = this.later(function () { self.resetCount(true); }, this.gapMs);
      }
    } else if (this.count) {
      this.resetCount(false);
    }
    this.lastKeyWasModified = !!event.shiftKey;
  };

  QuickExit.prototype.resetCount = function (expired) {
    if (this.timer) this.cancel(this.timer);
    this.timer = null;
    var had = this.count;
    this.count = 0;
    if (had) this.onCount(expired ? 'expired' : 0);
  };

  /** Leaving again (back/forward cache restore): ready to run once more. */
  QuickExit.prototype.rearm = function () {
    this.done = false;
    this.resetCount(false);
  };

  var parts = { Text: Text, Client: Client, ForgetClock: ForgetClock, LinkWindows: LinkWindows, QuickExit: QuickExit, atEnd: atEnd };
  /* Under Node (the unit tests) export the parts and stop; a page that defines `module` still runs. */
  if (typeof window === 'undefined' && typeof module === 'object' && module && module.exports) {
    module.exports = parts;
    return;
  }

  /* ================================================================================================
   * Browser only from here.
   * ============================================================================================== */

  var script = document.currentScript;
  var MOUNTED = 'data-sg-widget';
  if (!script || document.documentElement.hasAttribute(MOUNTED)) return;

  /* The gateway replaces the comment and null with the pack's words and settings (bot/gateway/web/channel.py). */
  var BOOT = /*SG_BOOT*/null;
  var REQUIRED = ['quick_exit', 'quick_exit_label', 'launcher', 'send', 'input_label', 'unreachable', 'not_sent', 'clear', 'cleared'];
  if (!BOOT || typeof BOOT !== 'object' || !BOOT.labels || !Array.isArray(BOOT.fallback) || typeof BOOT.exit_url !== 'string' ||
      REQUIRED.some(function (key) { return typeof BOOT.labels[key] !== 'string' || !BOOT.labels[key]; })) {
    if (window.console) window.console.warn('widget.js: load it from the chat gateway, which adds its words; not starting.');
    return;
  }
  document.documentElement.setAttribute(MOUNTED, '');

  var API = (script.getAttribute('data-api') || new URL(script.src, document.baseURI).origin).replace(/\/+$/, '');
  var INLINE = script.getAttribute('data-inline');
  /* Full-screen modal when the screen is narrow OR short: phones either way up, 200-400% zoom. */
  var SMALL_SCREEN = '(max-width: 30em), (max-height: 32em)';
  /* A "taking longer than usual" banner after this long without an answer. */
  var SLOW_MS = 4000;

  /* The widget's words, by key (channels.yml, group widget); a missing one reads as nothing. */
  function T(key) {
    var text = BOOT.labels[key];
    return typeof text === 'string' ? text : '';
  }

  /* The same words as blocks, for the few labels with a number in them (BOOT.rich); else plain. */
  function R(key) {
    var rich = BOOT.rich && typeof BOOT.rich === 'object' ? BOOT.rich[key] : null;
    return Array.isArray(rich) ? rich : Text.plainBlocks(T(key));
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
      });
    }
    if (text) node.textContent = text;
    return node;
  }

  /* ---- View: every DOM node of the widget, and nothing about the server ----------------------- */

  function View(floating, windows) {
    this.floating = floating;
    this.windows = windows;
    var lang = typeof BOOT.locale === 'string' && /^[a-z]{2}(-[A-Z]{2})?$/.test(BOOT.locale) ? BOOT.locale : null;

    /* Quick exit lives apart from the chat, as the page's first element: first in tab order, and
       never inert behind the full-screen chat. */
    this.exitBar = el('div', { 'class': 'sg-exit-bar', lang: lang });
    /* The visible words start the spoken name, so voice control users can say "Quick exit". */
    this.exitButton = el('button', { type: 'button', 'class': 'sg-exit', 'aria-label': T('quick_exit_label') }, T('quick_exit'));
    this.dots = el('span', { 'class': 'sg-exit-dots', 'aria-hidden': 'true', title: T('shift_hint') });
    for (var i = 0; i < 3; i += 1) this.dots.appendChild(el('span', { 'class': 'sg-exit-dot' }));
    this.status = el('p', { 'class': 'sg-vh', role: 'status' });
    this.exitBar.appendChild(this.exitButton);
    this.exitBar.appendChild(this.dots);
    this.exitBar.appendChild(this.status);

    this.root = el('aside', {
      'class': 'sg-root ' + (floating ? 'sg-root--floating' : 'sg-root--inline'),
      'aria-label': T('region'),
      /* The pack's language, which may not be the host page's. */
      lang: lang
    });
    this.panel = el('section', floating
      ? { 'class': 'sg-panel', id: 'sg-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'sg-title' }
      : { 'class': 'sg-panel', id: 'sg-panel', 'aria-labelledby': 'sg-title' });
    var header = el('div', { 'class': 'sg-header' });
    this.avatar = el('img', { 'class': 'sg-avatar', alt: '', width: '32', height: '32' });
    this.avatar.hidden = true;
    this.title = el('h2', { 'class': 'sg-title', id: 'sg-title' });
    this.clearButton = el('button', { type: 'button', 'class': 'sg-clear' }, T('clear'));
    header.appendChild(this.avatar);
    header.appendChild(this.title);
    header.appendChild(this.clearButton);
    this.closeButton = null;
    if (floating) {
      this.closeButton = el('button', { type: 'button', 'class': 'sg-close', 'aria-label': T('close') });
      this.closeButton.appendChild(el('span', { 'aria-hidden': 'true' }, '\u00d7'));
      header.appendChild(this.closeButton);
    }
    /* One banner for every failure, at the top: replaced, never stacked. */
    this.banner = el('div', { 'class': 'sg-banner', role: 'alert' });
    this.banner.hidden = true;
    this.bannerText = el('p', { 'class': 'sg-banner-text' });
    this.bannerClose = el('button', { type: 'button', 'class': 'sg-banner-close', 'aria-label': T('dismiss') });
    this.bannerClose.appendChild(el('span', { 'aria-hidden': 'true' }, '\u00d7'));
    this.banner.appendChild(this.bannerText);
    this.banner.appendChild(this.bannerClose);

    this.body = el('div', { 'class': 'sg-body' });
    this.intro = el('p', { 'class': 'sg-intro' });
    this.intro.hidden = true;
    /* The notice scrolls away with the conversation instead of taking room under the box. */
    this.notice = el('p', { 'class': 'sg-notice' }, T('notice'));
    this.log = el('div', {
      'class': 'sg-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': T('conversation'), tabindex: '0'
    });
    this.log.appendChild(this.intro);
    this.log.appendChild(this.notice);
    this.pill = el('button', { type: 'button', 'class': 'sg-pill' }, T('new_reply'));
    this.pill.hidden = true;
    this.body.appendChild(this.log);
    this.body.appendChild(this.pill);
    this.typing = el('div', { 'class': 'sg-typing', 'aria-hidden': 'true' });
    this.typing.hidden = true;
    for (var dot = 0; dot < 3; dot += 1) this.typing.appendChild(el('span', { 'class': 'sg-dot' }));

    this.form = el('form', { 'class': 'sg-form', novalidate: '' });
    /* No maxlength: a long paste is never cut silently; the counter says how much is too much. */
    this.input = el('textarea', {
      id: 'sg-input', 'class': 'sg-input', rows: '1', autocomplete: 'off', dir: 'auto', 'aria-describedby': 'sg-counter'
    });
    var label = el('label', { 'for': 'sg-input', 'class': 'sg-vh' }, T('input_label'));
    this.sendButton = el('button', { type: 'submit', 'class': 'sg-send' }, T('send'));
    this.counter = el('p', { 'class': 'sg-counter', id: 'sg-counter' });
    this.counter.hidden = true;
    var row = el('div', { 'class': 'sg-form-row' });
    row.appendChild(this.input);
    row.appendChild(this.sendButton);
    this.form.appendChild(label);
    this.form.appendChild(row);
    this.form.appendChild(this.counter);

    this.panel.appendChild(header);
    this.panel.appendChild(this.banner);
    this.panel.appendChild(this.body);
    this.panel.appendChild(this.typing);
    this.panel.appendChild(this.form);
    this.root.appendChild(this.panel);
    this.launcher = null;
    if (floating) {
      this.launcher = el('button', { type: 'button', 'class': 'sg-launcher', 'aria-expanded': 'false', 'aria-controls': 'sg-panel' }, T('launcher'));
      this.panel.hidden = true;
      this.root.appendChild(this.launcher);
    }
    this.pending = null;      // the newest reply not yet scrolled to, while someone reads further up
    this.following = true;    // whether the reader is at the end of the conversation
    this.inerted = [];
    var self = this;
    var onScroll = function () {
      var box = self.scrollBox();
      self.following = atEnd(box.scrollTop, box.scrollHeight, box.clientHeight);
      if (self.pending && self.inView(self.pending)) self.hidePill();
    };
    this.log.addEventListener('scroll', onScroll, { passive: true });
    this.panel.addEventListener('scroll', onScroll, { passive: true });
    this.pill.addEventListener('click', function () {
      var turn = self.pending;
      self.hidePill();
      if (turn) {
        self.reveal(turn);
        turn.focus({ preventScroll: true });
      }
    });
  }

  View.prototype.mount = function (container) {
    var self = this;
    /* Shown once its style has loaded (or failed to), so it never flashes unstyled. */
    if (!document.querySelector('link[href="' + API + '/widget.css"]')) {
      var stylesheet = el('link', { rel: 'stylesheet', href: API + '/widget.css' });
      this.root.hidden = true;
      this.exitBar.hidden = true;
      var show = function () { self.root.hidden = false; self.exitBar.hidden = false; };
      stylesheet.addEventListener('load', show);
      stylesheet.addEventListener('error', show);
      document.head.appendChild(stylesheet);
    }
    document.body.insertBefore(this.exitBar, document.body.firstChild);
    if (container) container.appendChild(this.root);
    else document.body.appendChild(this.root);
  };

  View.prototype.setBranding = function (branding) {
    if (typeof branding.title === 'string' && branding.title) this.title.textContent = branding.title;
    var colour = /^#[0-9a-fA-F]{6}$/;
    /* CSSOM custom properties, not a style attribute: allowed under style-src 'self'. */
    if (colour.test(branding.primary || '')) this.root.style.setProperty('--sg-primary', branding.primary);
    if (colour.test(branding.on_primary || '')) this.root.style.setProperty('--sg-on-primary', branding.on_primary);
    if (typeof branding.avatar_url === 'string' && branding.avatar_url.indexOf('https:') === 0 && Text.safeHref(branding.avatar_url)) {
      this.avatar.src = branding.avatar_url;
      this.avatar.hidden = false;
    }
    if (typeof branding.intro === 'string' && branding.intro) {
      this.intro.textContent = branding.intro;
      this.intro.hidden = false;
    }
  };

  /* Inline nodes (checked by Text.safeNodes) into DOM nodes: textContent only. */
  View.prototype.inline = function (nodes, parent) {
    var self = this;
    nodes.forEach(function (node) {
      if (node.type === 'text') {
        parent.appendChild(document.createTextNode(node.text));
      } else if (node.type === 'code' || node.type === 'key') {
        parent.appendChild(el(node.type === 'key' ? 'kbd' : 'code', null, node.text));
      } else if (node.type === 'strong' || node.type === 'em') {
        var wrap = el(node.type);
        self.inline(node.children, wrap);
        parent.appendChild(wrap);
      } else if (node.type === 'tel' || node.type === 'email') {
        parent.appendChild(el('a', { href: node.href, 'class': node.type === 'tel' ? 'sg-tel' : null }, node.text));
      } else if (node.type === 'link') {
        var a = el('a', { href: node.href, target: '_blank', rel: 'noopener noreferrer' }, node.text);
        a.appendChild(el('span', { 'class': 'sg-vh' }, ' ' + T('new_tab')));
        a.addEventListener('click', function (event) {
          /* A plain click opens a tab quick exit can close; anything else is the browser's own. */
          if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
          if (self.windows.open(node.href)) event.preventDefault();
        });
        parent.appendChild(a);
      }
    });
  };

  /* Blocks (checked by Text.safeBlocks) into headings, cards, lists and paragraphs. */
  View.prototype.blocks = function (blocks, parent) {
    var self = this;
    blocks.forEach(function (block) {
      if (block.type === 'heading') {
        var h = el('h3', { 'class': 'sg-h', dir: 'auto' });
        self.inline(block.children, h);
        parent.appendChild(h);
      } else if (block.type === 'card') {
        var card = el('div', { 'class': 'sg-card' });
        var head = el('p', { 'class': 'sg-card-head', dir: 'auto' });
        head.appendChild(el('strong', { 'class': 'sg-card-name' }, block.name));
        if (block.contact) {
          head.appendChild(document.createTextNode(' '));
          var how = el('span', { 'class': 'sg-card-contact' });
          self.inline(block.contact, how);
          head.appendChild(how);
        }
        card.appendChild(head);
        block.details.forEach(function (line) {
          var p = el('p', { 'class': 'sg-card-detail', dir: 'auto' });
          self.inline(line, p);
          card.appendChild(p);
        });
        parent.appendChild(card);
      } else if (block.type === 'list') {
        var ul = el('ul');
        block.lines.forEach(function (line) {
          var li = el('li', { dir: 'auto' });
          self.inline(line, li);
          ul.appendChild(li);
        });
        parent.appendChild(ul);
      } else {
        var p = el('p', { dir: 'auto' });
        block.lines.forEach(function (line, index) {
          if (index) p.appendChild(el('br'));
          self.inline(line, p);
        });
        parent.appendChild(p);
      }
    });
  };

  /* Large call buttons for 999 and the crisis line, after the first sentence that gives them: the
     numbers in running text stay ordinary links, so lines keep their height. */
  var CRISIS_NUMBERS = ['tel:999', 'tel:116123'];

  View.prototype.callButtons = function (part, services) {
    var found = [];
    var after = null;
    Array.prototype.forEach.call(part.children, function (block) {
      if (block.classList.contains('sg-card')) return;
      Array.prototype.forEach.call(block.querySelectorAll('a.sg-tel'), function (a) {
        var href = a.getAttribute('href');
        if (CRISIS_NUMBERS.indexOf(href) === -1 || found.some(function (f) { return f.href === href; })) return;
        found.push({ href: href, number: a.textContent });
        if (!after) after = block;
      });
    });
    if (!after) return;
    var bar = el('div', { 'class': 'sg-calls' });
    found.sort(function (a, b) { return CRISIS_NUMBERS.indexOf(a.href) - CRISIS_NUMBERS.indexOf(b.href); });
    found.forEach(function (f) {
      var service = services[f.href.slice(4)];
      var label = service ? Text.fill(T('call_service'), { service: service, number: f.number }) : Text.fill(T('call'), { number: f.number });
      bar.appendChild(el('a', { href: f.href, 'class': 'sg-call' }, label));
    });
    part.insertBefore(bar, after.nextSibling);
  };

  /* One turn of the conversation: who said it (in words, once), then what was said. */
  View.prototype.turn = function (who, kind) {
    var turn = el('div', { 'class': 'sg-turn sg-turn--' + kind, tabindex: '-1' });
    turn.appendChild(el('span', { 'class': 'sg-who' }, who + ' '));
    return turn;
  };

  View.prototype.addUser = function (text) {
    var turn = this.turn(T('you_said'), 'user');
    var bubble = el('div', { 'class': 'sg-msg sg-msg--user' });
    bubble.appendChild(el('p', { dir: 'auto' }, text));
    turn.appendChild(bubble);
    this.log.appendChild(turn);
    this.toEnd();
    return turn;
  };

  /* Every reply to one message, as one bubble read out once; its buttons under it. */
  View.prototype.addReplies = function (replies, onChoice, extraClass) {
    var self = this;
    this.removeChoices();
    var turn = this.turn(T('bot_said'), 'bot');
    if (extraClass) turn.classList.add(extraClass);
    var bubble = el('div', { 'class': 'sg-msg sg-msg--bot' });
    var group = el('div', { 'class': 'sg-choices', role: 'group', 'aria-label': T('options') });
    replies.forEach(function (reply) {
      if (!reply || typeof reply !== 'object') return;
      var part = el('div', { 'class': 'sg-part' });
      self.blocks(Text.replyBlocks(reply), part);
      self.callButtons(part, self.services || {});
      if (part.firstChild) bubble.appendChild(part);
      (Array.isArray(reply.buttons) ? reply.buttons : []).forEach(function (b) {
        if (!b || typeof b.title !== 'string' || typeof b.payload !== 'string') return;
        var button = el('button', { type: 'button', 'class': 'sg-choice', dir: 'auto' }, b.title);
        button.addEventListener('click', function () { onChoice(b.payload, b.title); });
        group.appendChild(button);
      });
    });
    turn.appendChild(bubble);
    if (group.firstChild) turn.appendChild(group);
    var wasFollowing = this.following;
    this.log.appendChild(turn);
    if (wasFollowing) this.reveal(turn);
    else this.showPill(turn);
    return turn;
  };

  View.prototype.removeChoices = function () {
    var old = this.log.querySelectorAll('.sg-choices');
    for (var i = 0; i < old.length; i += 1) old[i].parentNode.removeChild(old[i]);
  };

  View.prototype.addNote = function (text) {
    var note = el('p', { 'class': 'sg-note', dir: 'auto' }, text);
    this.log.appendChild(note);
    this.toEnd();
    return note;
  };

  View.prototype.remove = function (node) {
    if (node && node.parentNode) node.parentNode.removeChild(node);
  };

  /* Everything said, gone from the screen: the turns, the notes, a banner, the box if asked. */
  View.prototype.clear = function (draftToo) {
    var log = this.log;
    Array.prototype.slice.call(log.children).forEach(function (child) {
      if (child !== this.intro && child !== this.notice) log.removeChild(child);
    }, this);
    this.hidePill();
    this.hideBanner();
    if (draftToo) {
      this.input.value = '';
      this.fitInput();
    }
    this.updateCounter(this.input.value.length);
    this.log.scrollTop = 0;
    this.panel.scrollTop = 0;
    this.following = true;
  };

  /* ---- Scrolling: a new reply is read from its first line; nobody reading is pulled away ----- */

  /* The log scrolls, except on very short screens, where the whole panel does (see widget.css). */
  View.prototype.scrollBox = function () {
    return window.getComputedStyle(this.log).overflowY === 'visible' ? this.panel : this.log;
  };

  View.prototype.toEnd = function () {
    var box = this.scrollBox();
    box.scrollTop = box.scrollHeight;
    this.following = true;
  };

  View.prototype.reveal = function (node) {
    var box = this.scrollBox();
    box.scrollTop += node.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  };

  View.prototype.inView = function (node) {
    var box = this.scrollBox().getBoundingClientRect();
    var top = node.getBoundingClientRect().top;
    return top >= box.top - 1 && top < box.bottom - 16;
  };

  View.prototype.showPill = function (turn) {
    this.pending = turn;
    this.pill.hidden = false;
  };

  View.prototype.hidePill = function () {
    this.pending = null;
    this.pill.hidden = true;
  };

  /* ---- Banner, typing, counter ----------------------------------------------------------------- */

  /* `blocks`: the words as blocks (a label from BOOT.rich, or a refusal's), so that 999 is a link. */
  View.prototype.showBanner = function (blocks, kind) {
    this.bannerText.textContent = '';
    this.inline(Text.inlineOf(blocks), this.bannerText);
    this.banner.setAttribute('data-kind', kind);
    this.banner.hidden = false;
  };

  View.prototype.hideBanner = function (kind) {
    if (!kind || this.banner.getAttribute('data-kind') === kind) this.banner.hidden = true;
  };

  View.prototype.setTyping = function (on) {
    this.typing.hidden = !on;
    this.status.textContent = on ? T('typing') : '';
  };

  View.prototype.updateCounter = function (length) {
    var status = Text.lengthStatus(length, this.maxChars);
    this.counter.hidden = !status.show;
    this.counter.classList.toggle('sg-counter--over', status.over);
    this.counter.textContent = status.over
      ? Text.fill(T('counter_over'), { count: status.overBy })
      : Text.fill(T('counter'), { count: status.length });
    return status;
  };

  /* The box grows with what is typed, up to its max-height (then it scrolls). CSSOM, not a style attribute. */
  View.prototype.fitInput = function () {
    this.input.style.height = '';
    if (this.input.scrollHeight > this.input.clientHeight) this.input.style.height = this.input.scrollHeight + 4 + 'px';
  };

  View.prototype.announce = function (text) {
    this.status.textContent = text;
  };

  View.prototype.showShift = function (presses) {
    this.exitBar.classList.toggle('sg-exit-bar--counting', presses > 0);
    var dots = this.dots.children;
    for (var i = 0; i < dots.length; i += 1) dots[i].classList.toggle('sg-exit-dot--on', i < presses);
  };

  /* ---- Open, close, and the full-screen modal on small screens ------------------------------- */

  View.prototype.isOpen = function () {
    return !this.floating || !this.panel.hidden;
  };

  View.prototype.setOpen = function (open) {
    if (!this.floating) return;
    this.panel.hidden = !open;
    this.launcher.hidden = open;
    this.launcher.setAttribute('aria-expanded', String(open));
    this.root.classList.toggle('sg-root--open', open);
  };

  /* Modal: the page behind is inert (no focus, no screen reader) and does not scroll. Whatever the
     host page adds meanwhile (a cookie banner, a pop-up) is made inert too. */
  View.prototype.setModal = function (modal) {
    var self = this;
    if (this.floating) this.panel.setAttribute('aria-modal', String(modal));
    document.documentElement.classList.toggle('sg-modal-open', modal);
    if (!this.observer && typeof MutationObserver === 'function') {
      this.observer = new MutationObserver(function () { if (self.modal) self.inertOthers(); });
    }
    this.modal = modal;
    if (modal) {
      this.inertOthers();
      if (this.observer) this.observer.observe(document.body, { childList: true });
    } else {
      if (this.observer) this.observer.disconnect();
      /* Only what this widget made inert: a host page's own inert elements stay as they were. */
      this.inerted.forEach(function (child) { child.inert = false; });
      this.inerted = [];
    }
  };

  View.prototype.inertOthers = function () {
    var self = this;
    Array.prototype.forEach.call(document.body.children, function (child) {
      if (child === self.root || child === self.exitBar || child.inert || child.tagName === 'SCRIPT') return;
      if (child.classList.contains('sg-overlay')) return;
      child.inert = true;
      self.inerted.push(child);
    });
  };

  /* ---- Widget: the parts wired together --------------------------------------------------------- */

  function Widget() {
    var container = INLINE ? document.querySelector(INLINE) : null;
    var self = this;
    this.floating = !container;
    this.windows = new LinkWindows(function (url, name) { return window.open(url, name); });
    this.view = new View(this.floating, this.windows);
    this.view.maxChars = 2000;
    this.view.services = BOOT.services && typeof BOOT.services === 'object' ? BOOT.services : {};
    this.client = new Client(API, {
      fetch: function (url, init) { return window.fetch(url, init); },
      beacon: navigator.sendBeacon ? function (url, body) {
        return navigator.sendBeacon(url, new Blob([body], { type: 'text/plain;charset=UTF-8' }));
      } : null,
      online: function () { return navigator.onLine !== false; }
    });
    this.session = null;
    this.exitUrl = '';
    this.fallback = [];
    this.stopWords = Array.isArray(BOOT.stop_words) ? BOOT.stop_words : [];
    this.queue = Promise.resolve();
    this.clock = new ForgetClock(BOOT.expires_in);
    this.clockTimer = null;
    this.lastTyped = 0;
    this.overlay = null;
    /* Counts clearings: an answer to a message sent before one is dropped, not shown on a clean screen. */
    this.generation = 0;
    this.quickExit = new QuickExit({
      blank: function () { self.blank(); },
      closeWindows: function () { self.windows.closeAll(); },
      forget: function () { self.forgetNow(true); },
      leave: function () { self.leave(); }
    }, {
      onCount: function (presses) {
        self.view.showShift(typeof presses === 'number' ? presses : 0);
        if (presses === 1) self.view.announce(T('shift_2'));
        else if (presses === 2) self.view.announce(T('shift_1'));
        else if (presses === 'expired') self.view.announce(T('shift_expired'));
      }
    });
    this.applyConfig(BOOT);
    this.bind();
    this.view.mount(container);
    this.smallScreen = window.matchMedia ? window.matchMedia(SMALL_SCREEN) : null;
    if (this.smallScreen) {
      var update = function () { self.updateModal(); };
      if (this.smallScreen.addEventListener) this.smallScreen.addEventListener('change', update);
      else if (this.smallScreen.addListener) this.smallScreen.addListener(update);
    }
    this.startSession();
  }

  Widget.prototype.applyConfig = function (data) {
    this.view.setBranding(data.branding || {});
    if (typeof data.exit_url === 'string' && /^https?:\/\/[^\s"'<>\\]+$/.test(data.exit_url)) this.exitUrl = data.exit_url;
    if (typeof data.max_chars === 'number' && data.max_chars > 0) this.view.maxChars = data.max_chars;
    if (typeof data.expires_in === 'number' && data.expires_in > 0) this.clock.ms = data.expires_in * 1000;
    if (Array.isArray(data.fallback) && data.fallback.length) this.fallback = data.fallback;
  };

  Widget.prototype.startSession = function () {
    var self = this;
    return this.client.session().then(function (data) {
      if (!data) return false;
      self.session = data.session;
      self.applyConfig(data);
      return true;
    });
  };

  Widget.prototype.ensureSession = function () {
    return this.session ? Promise.resolve(true) : this.startSession();
  };

  Widget.prototype.bind = function () {
    var self = this;
    var view = this.view;
    view.form.addEventListener('submit', function (event) {
      event.preventDefault();
      self.submit();
    });
    view.input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submit();
      }
    });
    view.input.addEventListener('input', function () {
      self.lastTyped = Date.now();
      view.fitInput();
      var before = !view.counter.classList.contains('sg-counter--over');
      var status = view.updateCounter(view.input.value.length);
      if (status.over && before) view.announce(view.counter.textContent);
    });
    view.clearButton.addEventListener('click', function () { self.clearAll('clear'); });
    view.bannerClose.addEventListener('click', function () {
      view.hideBanner();
      view.input.focus();
    });
    if (this.floating) {
      view.launcher.addEventListener('click', function () { self.open(); });
      view.closeButton.addEventListener('click', function () { self.close(); });
      /* Escape closes the open chat, as any dialog; it is never a quick exit (see QuickExit). */
      view.panel.addEventListener('keydown', function (event) {
        if ((event.key === 'Escape' || event.key === 'Esc') && !event.isComposing && !event.defaultPrevented) self.close();
      });
    }
    view.exitButton.addEventListener('click', function (event) {
      event.preventDefault();
      self.quickExit.exit();
    });
    document.addEventListener('keyup', function (event) { self.quickExit.keyup(event); }, true);
    /* Leaving the page ends the conversation too: nothing waits on the server until it expires. */
    window.addEventListener('pagehide', function () { self.forgetNow(true); });
    window.addEventListener('pageshow', function (event) { if (event.persisted) self.restored(); });
    /* Timers sleep in background tabs and on a sleeping laptop: look again whenever the page is back. */
    document.addEventListener('visibilitychange', function () { self.checkExpiry(); });
    window.addEventListener('focus', function () { self.checkExpiry(); });
  };

  Widget.prototype.open = function () {
    this.checkExpiry();
    this.view.setOpen(true);
    this.updateModal();
    this.view.input.focus();
  };

  Widget.prototype.close = function () {
    this.view.setOpen(false);
    this.updateModal();
    this.view.launcher.focus();
  };

  Widget.prototype.updateModal = function () {
    var modal = this.floating && this.view.isOpen() && !!this.smallScreen && this.smallScreen.matches && !this.quickExit.done;
    this.view.setModal(modal);
  };

  /* ---- Sending -------------------------------------------------------------------------------- */

  Widget.prototype.submit = function () {
    var view = this.view;
    var text = view.input.value;
    if (!text.trim() || this.quickExit.done) return;
    if (view.updateCounter(text.length).over) {
      /* Refused here, and the box keeps every word. */
      view.announce(view.counter.textContent);
      view.input.focus();
      return;
    }
    view.input.value = '';
    view.fitInput();
    view.updateCounter(0);
    this.send(text, null);
    view.input.focus();
  };

  Widget.prototype.send = function (text, shownAs) {
    var self = this;
    var view = this.view;
    text = String(text).trim();
    if (!text || this.quickExit.done) return;
    if (Text.isStopWord(text, this.stopWords)) {
      this.clearAll('stop');
      return;
    }
    var typed = shownAs === null;
    var mine = view.addUser(shownAs || text);
    this.queue = this.queue.then(function () {
      view.setTyping(true);
      var slow = setTimeout(function () { view.showBanner(R('slow'), 'slow'); }, SLOW_MS);
      return self.deliver(text, mine, typed, false).then(function () {
        clearTimeout(slow);
        view.hideBanner('slow');
        view.setTyping(false);
      }, function () {
        clearTimeout(slow);
        view.setTyping(false);
      });
    });
  };

  Widget.prototype.deliver = function (text, mine, typed, retried) {
    var self = this;
    var view = this.view;
    var generation = this.generation;
    return this.ensureSession().then(function (ok) {
      return ok ? self.client.message(self.session, text) : { kind: 'unreachable' };
    }).then(function (answer) {
      if (self.quickExit.done || generation !== self.generation) return null;
      if (answer.kind === 'replies') {
        view.hideBanner();
        self.removeOfflineHelp();
        self.clock.touch();
        self.armClock();
        view.addReplies(answer.replies, function (payload, title) { self.choose(payload, title); });
      } else if (answer.kind === 'forgotten') {
        self.session = null;
        self.showCleared(answer.confirmed ? 'cleared' : 'cleared_here_only', true);
      } else if (answer.kind === 'ended' && !retried) {
        /* The server forgot it (expired or elsewhere): so does the screen, then the message goes on. */
        self.session = null;
        self.clock.reset();
        view.clear(false);
        view.addNote(T('new_session'));
        var again = view.addUser(mine.querySelector('.sg-msg p').textContent);
        return self.deliver(text, again, typed, true);
      } else {
        view.remove(mine);
        if (typed) view.input.value = Text.restoreDraft(text, view.input.value);
        view.fitInput();
        view.updateCounter(view.input.value.length);
        if (answer.kind === 'refused') {
          view.showBanner(answer.blocks || Text.plainBlocks(answer.message), 'refused');
        } else {
          /* Down, offline, refused origin or nonsense: one banner and the crisis numbers, never a dead end. */
          view.showBanner(R('not_sent'), 'not_sent');
          self.showOfflineHelp();
        }
      }
      return null;
    });
  };

  Widget.prototype.choose = function (payload, title) {
    this.send(payload, title);
    this.view.input.focus();
  };

  /* The held crisis content, once: a later failure replaces it instead of adding another copy. */
  Widget.prototype.showOfflineHelp = function () {
    var self = this;
    this.removeOfflineHelp();
    var turn = this.view.addReplies(
      [{ text: T('not_sent_detail'), blocks: R('not_sent_detail') }].concat(this.fallback), function (payload, title) { self.choose(payload, title); }, 'sg-turn--offline'
    );
    this.view.hidePill();
    this.view.reveal(turn);
  };

  Widget.prototype.removeOfflineHelp = function () {
    var old = this.view.log.querySelectorAll('.sg-turn--offline');
    for (var i = 0; i < old.length; i += 1) this.view.remove(old[i]);
  };

  /* ---- Forgetting ------------------------------------------------------------------------------ */

  /* "stop", "Stop and clear" (both reach here as stop words) and the Clear chat button. */
  Widget.prototype.clearAll = function () {
    var self = this;
    var session = this.session;
    this.generation += 1;
    this.session = null;
    this.clock.reset();
    this.view.clear(true);
    this.client.forget(session).then(function (confirmed) {
      self.showCleared(confirmed ? 'cleared' : 'cleared_here_only', false);
    });
  };

  Widget.prototype.showCleared = function (key, draftToo) {
    this.generation += 1;
    this.clock.reset();
    this.view.clear(draftToo);
    this.view.addNote(T(key) || T('cleared'));
  };

  Widget.prototype.armClock = function () {
    var self = this;
    if (this.clockTimer) clearTimeout(this.clockTimer);
    var wait = this.clock.remainingMs();
    if (wait === Infinity) return;
    /* At most a minute at a time, so a clock that jumped (sleep, throttled tab) is noticed soon. */
    this.clockTimer = setTimeout(function () { self.checkExpiry(); }, Math.min(wait + 250, 60000));
  };

  /* The server has forgotten the conversation by now: the screen forgets it too. */
  Widget.prototype.checkExpiry = function () {
    if (!this.clock.running()) return;
    if (!this.clock.expired()) {
      this.armClock();
      return;
    }
    this.clock.reset();
    this.generation += 1;
    this.session = null;
    var keepDraft = Date.now() - this.lastTyped < this.clock.ms;
    this.view.clear(!keepDraft);
    this.view.addNote(T('expired'));
  };

  Widget.prototype.forgetNow = function (leaving) {
    var session = this.session;
    this.session = null;
    if (leaving) this.client.forgetWhileLeaving(session);
    else this.client.forget(session);
  };

  /* ---- Quick exit's page steps (see QuickExit above) ---------------------------------------- */

  Widget.prototype.blank = function () {
    document.documentElement.classList.add('sg-exiting');
    this.view.setModal(false);
    this.overlay = el('div', { 'class': 'sg-overlay', role: 'alert' }, T('leaving'));
    document.body.appendChild(this.overlay);
    this.view.clear(true);
    this.view.panel.hidden = true;
  };

  Widget.prototype.leave = function () {
    var away = this.exitUrl || 'about:blank';
    try {
      window.top.location.replace(away);
    } catch (e) {
      window.location.replace(away);
    }
  };

  /* A page restored from the back/forward cache must not stay blank or hold an old session. */
  Widget.prototype.restored = function () {
    document.documentElement.classList.remove('sg-exiting');
    this.view.remove(this.overlay);
    this.overlay = null;
    this.quickExit.rearm();
    this.session = null;
    this.clock.reset();
    this.view.clear(true);
    if (!this.floating) this.view.panel.hidden = false;
    else this.view.setOpen(false);
    this.updateModal();
    this.startSession();
  };

  /* Built once the page is parsed, so a data-inline element later in the page is found. */
  function build() {
    return new Widget();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', build);
  else build();
})();
